#!/bin/sh

test_description='hightouch-emulator: CDC resets, how runs end, sync sequences'

# shellcheck disable=SC1091
. ./test-lib.sh

# wait_for STATUS PATH JQ: GET PATH until JQ on its body gives STATUS
wait_for() {
	n=200
	while test $n -gt 0
	do
		api GET "$2" &&
		test "$(jq -r "$3" body)" = "$1" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	echo >&2 "$2 did not reach $1: $(cat body)"
	return 1
}

# wait_run SYNC RUN STATUS
wait_run() {
	wait_for "$3" "/syncs/$1/runs?runId=$2" ".data[0].status"
}

# wait_sequence RUN STATUS
wait_sequence() {
	wait_for "$2" "/sync-sequences/runs/$1" ".status"
}

test_expect_success 'setup: three syncs, two sequences in the seed' '
	hightouch-emulator generate --models 2 --syncs 3 --sources 1 \
		--destinations 1 >gen.json &&
	jq ".syncSequences = [{\"id\": \"nightly\", \"syncIds\": [1, \"2\", 3]}, {\"id\": \"one\", \"syncIds\": [2]}]" gen.json >seed.json &&
	emulator_start --seed seed.json --run-duration 100 &&
	admin GET /sync-sequences &&
	expect_status 200 &&
	json_eq . "{\"syncSequences\":[{\"id\":\"nightly\",\"syncIds\":[1,2,3]},{\"id\":\"one\",\"syncIds\":[2]}]}"
'

test_expect_success 'resetCDC: a snapshot, no rows' '
	api POST /syncs/1/trigger "{\"resetCDC\":true}" &&
	expect_status 200 &&
	json_eq . "{\"id\":\"1\"}" &&
	wait_run 1 1 success &&
	json_eq ".data[0] | [.plannedRows, .successfulRows, .failedRows]" "[{\"addedCount\":0,\"changedCount\":0,\"removedCount\":0},{\"addedCount\":0,\"changedCount\":0,\"removedCount\":0},{\"addedCount\":0,\"changedCount\":0,\"removedCount\":0}]" &&
	api POST /syncs/trigger "{\"syncId\":\"1\",\"resetCDC\":true,\"fullResync\":true}" &&
	expect_status 200 &&
	wait_run 1 2 success &&
	json_eq ".data[0].plannedRows.addedCount" 0 &&
	api POST /syncs/1/trigger "{\"resetCDC\":false}" &&
	wait_run 1 3 success &&
	expect_json ".data[0].plannedRows.addedCount + .data[0].plannedRows.changedCount + .data[0].plannedRows.removedCount > 0"
'

test_expect_success 'a run outcome: the sync fails with its error, others do not' '
	admin POST /run-outcomes "{\"syncId\":2,\"status\":\"failed\",\"error\":\"Destination refused the batch: invalid email\"}" &&
	expect_status 200 &&
	api POST /syncs/2/trigger &&
	json_eq .id "\"4\"" &&
	api POST /syncs/3/trigger &&
	json_eq .id "\"5\"" &&
	wait_run 2 4 failed &&
	json_eq ".data[0].error" "\"Destination refused the batch: invalid email\"" &&
	expect_json ".data[0].failedRows == .data[0].plannedRows" &&
	wait_run 3 5 success &&
	json_eq ".data[0].error" null &&
	api GET /syncs/2 &&
	json_eq .status "\"failed\"" &&
	admin GET /run-outcomes &&
	json_eq . "{\"runOutcomes\":[{\"syncId\":2,\"status\":\"failed\",\"error\":\"Destination refused the batch: invalid email\"}]}"
'

test_expect_success 'run outcomes: any terminal status, the default error, and checks' '
	admin POST /run-outcomes "{\"syncId\":3,\"status\":\"cancelled\"}" &&
	expect_status 200 &&
	api POST /syncs/3/trigger &&
	wait_run 3 6 cancelled &&
	admin POST /run-outcomes "{\"syncId\":3,\"status\":\"failed\",\"error\":null}" &&
	api POST /syncs/3/trigger &&
	wait_run 3 7 failed &&
	json_eq ".data[0].error" "\"emulated failure\"" &&
	admin POST /run-outcomes "{\"syncId\":99,\"status\":\"queued\",\"error\":1,\"why\":true}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.error\",\"requestBody.status\",\"requestBody.syncId\",\"requestBody.why\"]"
'

test_expect_success 'DELETE /_emulator/run-outcomes: runs end as the settings say' '
	admin DELETE /run-outcomes &&
	json_eq . "{\"runOutcomes\":[]}" &&
	api POST /syncs/2/trigger &&
	wait_run 2 8 success
'

test_expect_success 'a sequence run: its syncs one after the other, then done' '
	api POST /sync-sequences/nightly/trigger &&
	expect_status 200 &&
	json_eq . "{\"id\":\"00000001-0000-4000-8000-000000000001\"}" &&
	seq=$(jq -r .id body) &&
	wait_sequence "$seq" done &&
	json_eq "[.id, .status, (.syncRuns | map([.syncId, .syncRunId, .status]))]" "[\"$seq\",\"done\",[[1,9,\"success\"],[2,10,\"success\"],[3,11,\"success\"]]]" &&
	expect_json "[.syncRuns[].finishedAt] | (. == sort) and all(. != null)" &&
	api GET /syncs/2/runs?runId=10 &&
	json_eq ".data[0].status" "\"success\""
'

test_expect_success 'a sequence run fails with its sync, and runs no more' '
	admin POST /run-outcomes "{\"syncId\":2,\"status\":\"failed\",\"error\":\"boom\"}" &&
	api POST /sync-sequences/nightly/trigger "{}" &&
	expect_status 200 &&
	seq=$(jq -r .id body) &&
	wait_sequence "$seq" failed &&
	json_eq "[.syncRuns[] | [.syncId, .status]]" "[[1,\"success\"],[2,\"failed\"]]" &&
	api GET /syncs/3/runs &&
	json_eq "[.data[].id]" "[5,6,7,11]" &&
	admin DELETE /run-outcomes
'

test_expect_success 'sequences: 404, 422, and ids as strings' '
	api POST /sync-sequences/nope/trigger &&
	expect_status 404 &&
	json_eq .details "\"sync sequence '"'"'nope'"'"' not found\"" &&
	api GET /sync-sequences/runs/nope &&
	expect_status 404 &&
	api POST /sync-sequences/one/trigger "{\"fullResync\":true}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.fullResync\"]" &&
	api GET /sync-sequences/one/trigger &&
	expect_status 404 &&
	api POST /sync-sequences/one/trigger &&
	expect_status 200 &&
	expect_json ".id | type == \"string\""
'

test_expect_success 'the admin surface adds sequences, checked' '
	admin POST /sync-sequences "{\"id\":\"pair\",\"syncIds\":[3,1]}" &&
	expect_status 200 &&
	admin POST /sync-sequences "{\"id\":\"pair\",\"syncIds\":[1]}" &&
	expect_status 409 &&
	admin POST /sync-sequences "{\"id\":\"a/b\",\"syncIds\":[9],\"x\":1}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.id\",\"requestBody.syncIds\",\"requestBody.x\"]" &&
	admin POST /sync-sequences "{\"id\":\"e\",\"syncIds\":[]}" &&
	expect_status 422
'

test_expect_success 'export and seed keep the sequences; a bad one is refused' '
	admin GET /export &&
	cp body export1 &&
	json_eq .syncSequences "[{\"id\":\"nightly\",\"syncIds\":[1,2,3]},{\"id\":\"one\",\"syncIds\":[2]},{\"id\":\"pair\",\"syncIds\":[3,1]}]" &&
	admin POST /seed @export1 &&
	expect_status 200 &&
	admin GET /export &&
	test_cmp export1 body &&
	jq ".syncSequences += [{\"id\": \"one\", \"syncIds\": [7]}]" export1 >bad.json &&
	admin POST /seed @bad.json &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.syncSequences[3]\",\"requestBody.syncSequences[3].syncIds\"]"
'

test_expect_success 'a reset forgets sequences and outcomes' '
	admin POST /run-outcomes "{\"syncId\":1,\"status\":\"warning\"}" &&
	admin POST /reset &&
	admin GET /sync-sequences &&
	json_eq . "{\"syncSequences\":[]}" &&
	admin GET /run-outcomes &&
	json_eq . "{\"runOutcomes\":[]}"
'

test_expect_success 'the emulator stops cleanly' '
	emulator_stop
'

test_done
