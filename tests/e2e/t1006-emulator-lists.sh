#!/bin/sh

test_description='hightouch-emulator: lists, paging, ordering, updatedAt'

# shellcheck disable=SC1091
. ./test-lib.sh

test_expect_success 'setup: 250 models' '
	hightouch-emulator generate --models 250 --syncs 30 --sources 2 \
		--destinations 3 >seed.json &&
	emulator_start --seed seed.json
'

test_expect_success 'the default page is 100, with hasMore' '
	api GET /models &&
	json_eq "[(.data | length), .hasMore, .data[0].id, .data[99].id]" "[100,true,1,100]"
'

test_expect_success 'offset and limit walk the whole list' '
	: >ids &&
	offset=0 &&
	while :
	do
		api GET "/models?limit=100&offset=$offset" &&
		jq ".data[].id" body >>ids &&
		test "$(jq .hasMore body)" = true || break
		offset=$((offset + 100))
	done &&
	test "$offset" = 200 &&
	seq 1 250 >expect &&
	test_cmp expect ids
'

test_expect_success 'past the end: empty, no more' '
	api GET "/models?offset=250" &&
	json_eq . "{\"data\":[],\"hasMore\":false}" &&
	api GET "/models?offset=249" &&
	json_eq "[(.data | length), .hasMore]" "[1,false]" &&
	api GET "/models?offset=150&limit=1000" &&
	json_eq "[(.data | length), .hasMore]" "[100,false]"
'

test_expect_success 'orderBy name, slug, createdAt, updatedAt' '
	for o in name slug createdAt updatedAt
	do
		api GET "/models?orderBy=$o&limit=1000" &&
		jq -r ".data[].$o" body >got &&
		LC_ALL=C sort got >sorted &&
		test_cmp sorted got || return 1
	done &&
	api GET "/models?orderBy=id&limit=1000" &&
	jq ".data[].id" body >got &&
	sort -n got >sorted &&
	test_cmp sorted got
'

test_expect_success 'ties are broken by id' '
	api GET "/models?orderBy=name&limit=1000" &&
	jq -r ".data[] | \"\(.name) \(.id)\"" body >got &&
	sort -k1,3 -k4n got >sorted &&
	test "$(wc -l <got)" = 250
'

test_expect_success 'filters: slug, name (exact), tags' '
	api GET "/models?slug=users-1" &&
	json_eq "[.data[].id]" "[1]" &&
	api GET "/models?name=Model%20users%201" &&
	json_eq "[.data[].slug]" "[\"users-1\"]" &&
	api GET "/models?name=Model" &&
	json_eq .data "[]" &&
	api GET "/models?tags=team:growth&limit=1000" &&
	json_eq "[(.data | length), (.data | map(.tags.team) | unique)]" "[50,[\"growth\"]]" &&
	api GET "/models?tags=team:growth&tags=team:data&limit=1000" &&
	json_eq .data "[]" &&
	api GET "/models?tags=nope:x" &&
	json_eq .data "[]"
'

test_expect_success 'every write gets a later updatedAt, so updatedAt orders writes' '
	for id in 7 3 120 3 250
	do
		api PATCH /models/$id "{\"name\":\"renamed $id $(date +%N)\"}" &&
		expect_status 200 || return 1
	done &&
	api GET "/models?orderBy=updatedAt&offset=246" &&
	json_eq "[.data[].id]" "[7,120,3,250]" &&
	jq -r ".data[].updatedAt" body >times &&
	sort -u times >sorted &&
	test_cmp sorted times
'

test_expect_success 'orderDirection desc reverses every list' '
	admin POST /settings "{\"orderDirection\":\"desc\"}" &&
	expect_status 200 &&
	api GET "/models?limit=3" &&
	json_eq "[.data[].id]" "[250,249,248]" &&
	api GET "/models?orderBy=updatedAt&limit=2" &&
	json_eq "[.data[].id]" "[250,3]" &&
	admin POST /settings "{\"orderDirection\":\"asc\"}" &&
	api GET "/models?limit=2" &&
	json_eq "[.data[].id]" "[1,2]"
'

test_expect_success 'orderDirection none follows no field' '
	admin POST /settings "{\"orderDirection\":\"none\"}" &&
	expect_status 200 &&
	api GET "/models?limit=1000" &&
	jq ".data[].id" body >ids &&
	sort -n ids >by-id &&
	sort -un ids >unique &&
	test_cmp by-id unique &&
	! cmp -s by-id ids &&
	sort -rn ids >reversed &&
	! cmp -s reversed ids &&
	api GET "/models?orderBy=updatedAt&limit=1000" &&
	jq ".data[].id" body >again &&
	test_cmp ids again &&
	api GET "/models?limit=5&offset=5" &&
	jq ".data[].id" body >page &&
	sed -n 6,10p ids >expect &&
	test_cmp expect page &&
	admin GET /settings &&
	json_eq .orderDirection "\"none\"" &&
	admin POST /settings "{\"orderDirection\":\"asc\"}" &&
	api GET "/models?limit=2" &&
	json_eq "[.data[].id]" "[1,2]"
'

test_expect_success 'the clock never goes back, across restarts' '
	emulator_stop &&
	cat >future.json <<-\EOF &&
	{"sources": [{"id": 1, "name": "S", "slug": "s", "type": "t",
	  "configuration": {}, "createdAt": "2999-01-01T00:00:00.000Z",
	  "updatedAt": "2999-01-01T00:00:00Z"}]}
	EOF
	emulator_start --db clock.db --seed future.json &&
	api POST /sources "{\"name\":\"T\",\"slug\":\"t\",\"type\":\"t\",\"configuration\":{}}" &&
	json_eq "[.createdAt, .updatedAt]" "[\"2999-01-01T00:00:00.001Z\",\"2999-01-01T00:00:00.001Z\"]" &&
	emulator_stop &&
	emulator_start --db clock.db &&
	api PATCH /sources/1 "{\"name\":\"S2\"}" &&
	json_eq "[.createdAt, .updatedAt]" "[\"2999-01-01T00:00:00.000Z\",\"2999-01-01T00:00:00.002Z\"]" &&
	emulator_stop
'

test_done
