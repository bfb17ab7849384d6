#!/bin/sh

test_description='hightouch-emulator: the per-workspace rate limit'

# shellcheck disable=SC1091
. ./test-lib.sh

# burst N PATH: N requests on one connection; their statuses in ./codes.
burst() {
	set -- "$1" "$EMU_URL/api/v1$2"
	i=0
	: >urls
	while test $i -lt "$1"
	do
		echo "url = \"$2\"" >>urls
		echo "output = /dev/null" >>urls
		i=$((i + 1))
	done
	curl -sS -H @"$TRASH_DIRECTORY/.keys/api-header" -w "%{http_code}\n" \
		-K urls >codes
}

test_expect_success 'setup' '
	emulator_start
'

test_expect_success 'the default is 200 requests per 10 seconds' '
	burst 203 /sources &&
	test "$(grep -c "^200$" codes)" = 200 &&
	test "$(grep -c "^429$" codes)" = 3 &&
	head -n 200 codes | sort -u >first &&
	echo 200 >expect &&
	test_cmp expect first
'

test_expect_success '429 has a JSON body' '
	api GET /sources &&
	expect_status 429 &&
	json_eq . "{\"message\":\"Too Many Requests\",\"details\":\"the rate limit of 200 requests per 10 seconds per workspace was exceeded\"}"
'

test_expect_success 'the admin surface is not limited' '
	admin GET /requests &&
	expect_status 200 &&
	json_eq "[.routes[] | select(.status == 429) | .count][0]" 4
'

test_expect_success 'unauthenticated requests do not count, and get 401' '
	admin POST /settings "{\"rateLimit\":\"3/1\"}" &&
	expect_status 200 &&
	json_eq .rateLimit "\"3/1\"" &&
	for i in 1 2 3 4 5
	do
		anon GET /api/v1/sources &&
		expect_status 401 || return 1
	done &&
	burst 4 /sources &&
	printf "200\n200\n200\n429\n" >expect &&
	test_cmp expect codes
'

test_expect_success 'the window slides: requests are allowed again later' '
	sleep 1.1 &&
	burst 4 /models &&
	printf "200\n200\n200\n429\n" >expect &&
	test_cmp expect codes
'

test_expect_success '--rate-limit sets it; off turns it off' '
	emulator_stop &&
	emulator_start --rate-limit 2/60 &&
	burst 3 /sources &&
	printf "200\n200\n429\n" >expect &&
	test_cmp expect codes &&
	admin POST /settings "{\"rateLimit\":\"off\"}" &&
	json_eq .rateLimit "\"off\"" &&
	burst 300 /sources &&
	test "$(sort -u codes)" = 200
'

test_expect_success 'bad rate-limit settings are refused' '
	admin POST /settings "{\"rateLimit\":\"fast\"}" &&
	expect_status 422 &&
	expect_json ".details[\"requestBody.rateLimit\"].message | startswith(\"invalid rate limit\")" &&
	admin GET /settings &&
	json_eq .rateLimit "\"off\""
'

test_expect_success 'the emulator stops cleanly' '
	emulator_stop
'

test_done
