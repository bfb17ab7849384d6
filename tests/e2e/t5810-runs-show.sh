#!/bin/sh

test_description='git hightouch runs and show: newest runs, ids and files'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# runs_of SYNC N: trigger N runs of sync SYNC (an id) through the API
runs_of() {
	i_=0
	while test $i_ -lt "$2"
	do
		api POST "/syncs/$1/trigger" && expect_status 200 || return 1
		i_=$((i_ + 1))
	done
}

# wait_settled SYNC: until no run of SYNC is still going
wait_settled() {
	n_=200
	while test $n_ -gt 0
	do
		api GET "/syncs/$1/runs?limit=1000" &&
		test "$(jq "[.data[] | select(.finishedAt == null)] | length" body)" = 0 &&
		return 0
		sleep 0.05
		n_=$((n_ - 1))
	done
	return 1
}

# ids_newest SYNC N: the ids of the newest N runs of SYNC, from the API
ids_newest() {
	api GET "/syncs/$1/runs?limit=1000" &&
	jq -c "[.data | sort_by(.createdAt, .id) | reverse | .[:$2][] | .id]" body
}

test_expect_success 'setup: a clone; runs of users-to-hubspot, one failed' '
	ht_start workspaces/t5-small.json --run-duration 0 &&
	git clone -q "$HT_URL" c &&
	runs_of 1 3 &&
	admin POST /run-outcomes "{\"syncId\":1,\"status\":\"failed\",\"error\":\"HubSpot: property phone does not exist\"}" &&
	runs_of 1 1 &&
	admin DELETE /run-outcomes &&
	runs_of 1 1 &&
	wait_settled 1
'

test_expect_success 'runs: newest first, a line each' '
	git -C c hightouch runs users-to-hubspot >out &&
	head -n 1 out >header &&
	echo "RUN  STATUS   STARTED               DURATION  PLANNED  SUCCESSFUL  FAILED  ERROR" >expect &&
	test_cmp expect header &&
	sed -n "2,\$p" out | awk "{print \$1, \$2}" >actual &&
	cat >expect <<-\EOF &&
	5 success
	4 failed
	3 success
	2 success
	1 success
	EOF
	test_cmp expect actual &&
	grep "^  4  failed   [-0-9T:]*Z  [0-9]*ms *\([0-9]*\)  *0  *[0-9]*  HubSpot: property phone does not exist$" out
'

test_expect_success 'runs -n, by path, from a subdirectory; one request' '
	ht_requests_reset &&
	(cd c/models && git hightouch runs -n 2 ../syncs/users-to-hubspot.yaml) >out &&
	test $(wc -l <out) = 3 &&
	sed -n "2,\$p" out | awk "{print \$1}" >actual &&
	printf "5\n4\n" >expect &&
	test_cmp expect actual &&
	ht_requests log &&
	cat >expect <<-\EOF &&
	GET /api/v1/syncs?slug=users-to-hubspot&offset=0&limit=100
	GET /api/v1/syncs/1/runs?offset=0&limit=100&orderBy=createdAt
	EOF
	test_cmp expect log
'

test_expect_success 'runs --format json: the API fields, newest first' '
	git -C c hightouch runs --remote origin --format json -n 3 \
		users-to-hubspot >out &&
	jq -c "[.[].id]" out >actual &&
	echo "[5,4,3]" >expect &&
	test_cmp expect actual &&
	api GET "/syncs/1/runs?runId=4" &&
	jq -c ".data[0]" body >expect &&
	jq -c ".[1]" out >actual &&
	test_cmp expect actual
'

test_expect_success 'a sync without runs: the header alone, or []' '
	git -C c hightouch runs orders-to-hubspot >out &&
	test $(wc -l <out) = 1 &&
	git -C c hightouch runs --format json orders-to-hubspot >out &&
	echo "[]" >expect &&
	test_cmp expect out
'

test_expect_success 'the server order does not matter: newest first either way' '
	runs_of 2 7 &&
	wait_settled 2 &&
	for dir in desc asc
	do
		admin POST /settings "{\"orderDirection\":\"$dir\"}" &&
		ids_newest 2 4 >expect &&
		git -C c -c hightouch.pageSize=2 hightouch runs --format json \
			-n 4 accounts-to-braze >out &&
		jq -c "[.[].id]" out >actual &&
		test_cmp expect actual || return 1
	done &&
	admin POST /settings "{\"orderDirection\":\"asc\"}"
'

# The order is not documented: a server that follows none has every
# page read, and the newest still come first.  In the emulator shuffle,
# the first page of sync 1 (runs 1 to 5) looks newest first, and that
# of sync 2 (runs 6 to 12) oldest first, with 2 runs a page.
test_expect_success 'runs in no order: every page read, newest first' '
	admin POST /settings "{\"orderDirection\":\"none\"}" &&
	for sync in 1:users-to-hubspot 2:accounts-to-braze
	do
		id=${sync%%:*} &&
		api GET "/syncs/$id/runs?limit=1000" &&
		total=$(jq ".data | length" body) &&
		for size in 2 3 4
		do
			for n in 2 4
			do
				ids_newest $id $n >expect &&
				ht_requests_reset &&
				git -C c -c hightouch.pageSize=$size hightouch \
					runs --format json -n $n ${sync#*:} >out &&
				ht_requests log &&
				jq -c "[.[].id]" out >actual &&
				test_cmp expect actual &&
				test "$(grep -c "/runs?" log)" -ge \
					$(( (total + size - 1) / size )) ||
				return 1
			done || return 1
		done || return 1
	done &&
	admin POST /settings "{\"orderDirection\":\"asc\"}"
'

test_expect_success 'oldest first: the last page found in a few requests' '
	runs_of 3 40 &&
	wait_settled 3 &&
	ht_requests_reset &&
	git -C c -c hightouch.pageSize=2 hightouch runs --format json -n 3 \
		orders-to-hubspot >out &&
	ht_requests log &&
	n=$(grep -c "/runs?" log) &&
	# 20 pages: every page would be 21 requests
	test $n -le 12 &&
	ids_newest 3 3 >expect &&
	jq -c "[.[].id]" out >actual &&
	test_cmp expect actual
'

test_expect_success 'runs: unknown sync, bad options' '
	test_expect_code 2 git -C c hightouch runs users-to-hubspt 2>err &&
	grep "^fatal: no sync .users-to-hubspt. in workspace .test. of remote .origin. (did you mean .users-to-hubspot.?)$" err &&
	test_expect_code 2 git -C c hightouch runs 2>err &&
	grep "^usage: git hightouch runs" err &&
	test_expect_code 2 git -C c hightouch runs a b 2>err &&
	grep "^error: name one sync$" err &&
	test_expect_code 2 git -C c hightouch runs --format xml a 2>err &&
	grep "^error: unknown format .xml. (text or json)$" err &&
	test_expect_code 2 git -C c hightouch runs -n 0 a 2>err &&
	grep "^error: option .-n. expects a number from 1 to 1000$" err
'

test_expect_success 'show: a sync by slug, a model by path' '
	git -C c hightouch show --remote origin users-to-hubspot \
		models/users.yaml >out &&
	cat >expect <<-\EOF &&
	sync users-to-hubspot
	  id:        1
	  workspace: test (id 7)
	  file:      syncs/users-to-hubspot.yaml

	model users
	  id:        1
	  workspace: test (id 7)
	  file:      models/users.yaml
	EOF
	test_cmp expect out
'

test_expect_success 'show --format json: sources and destinations in the manifest, schema models, audience syncs' '
	git -C c hightouch show --format json hubspot people \
		schema/model-relationships/people-purchases.yaml \
		spenders-to-braze >out &&
	jq -c ".[]" out >actual &&
	cat >expect <<-\EOF &&
	{"kind":"destination","slug":"hubspot","id":1,"workspace":"test","workspaceId":7,"file":"manifest-test.yaml","url":null}
	{"kind":"parent-model","slug":"people","id":10,"workspace":"test","workspaceId":7,"file":"schema/parent-models/people.yaml","url":null}
	{"kind":"relationship","slug":"people-purchases","id":1,"workspace":"test","workspaceId":null,"file":"schema/model-relationships/people-purchases.yaml","url":null}
	{"kind":"sync","slug":"spenders-to-braze","id":4,"workspace":"test","workspaceId":7,"file":null,"url":null}
	EOF
	test_cmp expect actual
'

test_expect_success 'show: under hightouchPath' '
	git clone -q -c remote.origin.hightouchPath=ht "$HT_URL" p &&
	git -C p hightouch show ht/syncs/users-to-hubspot.yaml >out &&
	grep "^  file:      ht/syncs/users-to-hubspot.yaml$" out &&
	test_expect_code 2 git -C p hightouch show syncs/users-to-hubspot.yaml 2>err &&
	grep "^fatal: .syncs/users-to-hubspot.yaml. is not a resource file of remote .origin. (under .ht.)$" err
'

test_expect_success 'show: unknown names, the manifest, bad usage' '
	test_expect_code 2 git -C c hightouch show users-to-hubspt 2>err &&
	grep "^fatal: nothing is called .users-to-hubspt. in workspace .test. of remote .origin. (did you mean .users-to-hubspot.?)$" err &&
	test_expect_code 2 git -C c hightouch show nope syncs/nope.yaml users 2>err &&
	cat >expect <<-\EOF &&
	error: nothing is called '"'"'nope'"'"' in workspace '"'"'test'"'"' of remote '"'"'origin'"'"'
	error: no sync '"'"'nope'"'"' in workspace '"'"'test'"'"' of remote '"'"'origin'"'"'
	fatal: 2 of the names given are unknown
	EOF
	test_cmp expect err &&
	test_expect_code 2 git -C c hightouch show manifest-test.yaml 2>err &&
	grep "^fatal: .manifest-test.yaml. is the workspace.s manifest file: name a source or a destination by its slug$" err &&
	test_expect_code 2 git -C c hightouch show "no such" 2>err &&
	grep "^fatal: .no such. is neither a slug nor a file$" err &&
	test_expect_code 2 git -C c hightouch show 2>err &&
	grep "^usage: git hightouch show" err
'

test_expect_success '--remote: a remote that is no workspace, or none' '
	git -C c remote add host ../host.git &&
	test_expect_code 2 git -C c hightouch runs --remote host users-to-hubspot 2>err &&
	grep "^fatal: remote .host. is not a Hightouch workspace" err &&
	test_expect_code 2 git -C c hightouch show --remote nope users 2>err &&
	grep "^fatal: no remote .nope.$" err
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
