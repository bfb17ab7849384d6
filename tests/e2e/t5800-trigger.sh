#!/bin/sh

test_description='git hightouch trigger: syncs and sequences, waiting, exit statuses'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# trig ARGS...: git hightouch trigger in the clone, output in out and err
trig() {
	git -C c hightouch trigger "$@" >out 2>err
}

# posts FILE: the POST requests of the log since the last reset
posts() {
	ht_requests all &&
	grep "^POST " all >"$1"
	return 0
}

# bg_trigger ARGS...: git-hightouch trigger --wait ARGS in the clone, in
# the background (its pid in $pid), output in out and err
bg_trigger() {
	rm -f out err
	(cd c && exec git-hightouch trigger --wait "$@" >../out 2>../err) &
	pid=$!
}

# last_run SYNC: the id of the newest run of SYNC, from the API
last_run() {
	api GET "/syncs/$1/runs?orderBy=id&limit=1000" &&
	jq -r "[.data[].id] | max" body
}

# next_run: the id the next run will have (run ids are the workspace's)
next_run() {
	next_=0
	for s_ in 1 2 3 4
	do
		l_=$(last_run $s_) || return 1
		test "$l_" = null || test "$l_" -le "$next_" || next_=$l_
	done
	echo $((next_ + 1))
}

test_expect_success 'setup: a clone of the workspace, runs of 200 ms' '
	ht_start workspaces/t5-small.json --run-duration 200 &&
	git clone -q "$HT_URL" c
'

test_expect_success 'trigger a sync by slug: its run id, two requests' '
	ht_requests_reset &&
	trig users-to-hubspot &&
	echo "Triggered sync '"'"'users-to-hubspot'"'"': run 1" >expect &&
	test_cmp expect out &&
	test ! -s err &&
	ht_requests log &&
	cat >expect <<-\EOF &&
	GET /api/v1/syncs?slug=users-to-hubspot&offset=0&limit=100
	POST /api/v1/syncs/trigger
	EOF
	test_cmp expect log &&
	api GET "/syncs/1/runs?runId=1" &&
	json_eq ".data | length" 1
'

test_expect_success 'by path, from a subdirectory, and by both at once' '
	(
		cd c/models &&
		git hightouch trigger ../syncs/accounts-to-braze.yaml \
			orders-to-hubspot >../../out
	) &&
	cat >expect <<-\EOF &&
	Triggered sync '"'"'accounts-to-braze'"'"': run 2
	Triggered sync '"'"'orders-to-hubspot'"'"': run 3
	EOF
	test_cmp expect out
'

test_expect_success 'a sync named twice runs once' '
	trig orders-to-hubspot syncs/orders-to-hubspot.yaml &&
	test $(wc -l <out) = 1
'

test_expect_success 'names given more than once, among others: each sync once' '
	trig orders-to-hubspot accounts-to-braze \
		syncs/orders-to-hubspot.yaml orders-to-hubspot \
		syncs/accounts-to-braze.yaml &&
	test $(wc -l <out) = 2 &&
	grep "^Triggered sync .orders-to-hubspot.: run " out &&
	grep "^Triggered sync .accounts-to-braze.: run " out
'

test_expect_success 'the file of a model, or outside the repository, is refused' '
	test_expect_code 2 git -C c hightouch trigger models/users.yaml 2>err &&
	grep "^fatal: nothing was triggered: .models/users.yaml. is a model.s file, not a sync.s$" err &&
	test_expect_code 2 git -C c hightouch trigger ../x.yaml 2>err &&
	grep "^fatal: nothing was triggered: .\.\./x.yaml. is outside the repository$" err
'

test_expect_success 'an unknown sync: named, with its near slugs, nothing triggered' '
	ht_requests_reset &&
	test_expect_code 2 git -C c hightouch trigger users-to-hubspot \
		users-to-hubspt >out 2>err &&
	echo "fatal: nothing was triggered: no sync '"'"'users-to-hubspt'"'"' in workspace '"'"'test'"'"' of remote '"'"'origin'"'"' (did you mean '"'"'users-to-hubspot'"'"'?)" >expect &&
	test_cmp expect err &&
	test ! -s out &&
	posts p &&
	test ! -s p
'

test_expect_success 'several unknown syncs: each named, nothing triggered' '
	ht_requests_reset &&
	test_expect_code 2 git -C c hightouch trigger nope syncs/acounts-to-braze.yaml \
		orders-to-hubspot 2>err &&
	cat >expect <<-\EOF &&
	error: no sync '"'"'nope'"'"' in workspace '"'"'test'"'"' of remote '"'"'origin'"'"'
	error: no sync '"'"'acounts-to-braze'"'"' in workspace '"'"'test'"'"' of remote '"'"'origin'"'"' (did you mean '"'"'accounts-to-braze'"'"'?)
	fatal: nothing was triggered: 2 of the syncs named are unknown
	EOF
	test_cmp expect err &&
	posts p &&
	test ! -s p
'

test_expect_success 'five syncs or more: one listing instead of a lookup each' '
	ht_requests_reset &&
	test_expect_code 2 git -C c hightouch trigger users-to-hubspot \
		accounts-to-braze orders-to-hubspot spenders-to-braze \
		users-to-hubspot orders-to-hubspt 2>err &&
	grep "(did you mean .orders-to-hubspot.?)$" err &&
	ht_requests log &&
	echo "GET /api/v1/syncs?orderBy=id&offset=0&limit=100" >expect &&
	test_cmp expect log
'

test_expect_success '--wait: every run succeeds, a summary line each, exit 0' '
	trig --wait users-to-hubspot accounts-to-braze &&
	grep "^Triggered sync '"'"'users-to-hubspot'"'"': run [0-9]*$" out &&
	grep "^Sync '"'"'users-to-hubspot'"'"': run [0-9]* success in [0-9]*m*s, [0-9]* planned, [0-9]* successful, 0 failed$" out &&
	grep "^Sync '"'"'accounts-to-braze'"'"': run [0-9]* success in " out &&
	test $(wc -l <out) = 4 &&
	! grep "Waiting" err
'

test_expect_success '--full-resync and --reset-cdc reach the run' '
	trig --wait --full-resync users-to-hubspot &&
	run=$(last_run 1) &&
	api GET "/syncs/1/runs?runId=$run" &&
	expect_json ".data[0].plannedRows.addedCount >= 1000" &&
	trig --wait --reset-cdc users-to-hubspot &&
	grep "run [0-9]* success in .*, 0 planned, 0 successful, 0 failed$" out &&
	run=$(last_run 1) &&
	api GET "/syncs/1/runs?runId=$run" &&
	json_eq ".data[0].plannedRows" "{\"addedCount\":0,\"changedCount\":0,\"removedCount\":0}"
'

test_expect_success 'a failed run: exit 1, its error printed, the others reported' '
	admin POST /run-outcomes "{\"syncId\":2,\"status\":\"failed\",\"error\":\"Braze refused the batch: invalid external_id\"}" &&
	expect_status 200 &&
	test_expect_code 1 git -C c hightouch trigger --wait users-to-hubspot \
		accounts-to-braze >out 2>err &&
	grep "^Sync '"'"'users-to-hubspot'"'"': run [0-9]* success in " out &&
	grep "^Sync '"'"'accounts-to-braze'"'"': run [0-9]* failed in .*, \([0-9]*\) planned, 0 successful, [0-9]* failed$" out &&
	run=$(last_run 2) &&
	echo "error: run $run of sync '"'"'accounts-to-braze'"'"' ended failed: Braze refused the batch: invalid external_id" >expect &&
	test_cmp expect err
'

test_expect_success 'warning is a success; cancelled and interrupted are not' '
	admin POST /run-outcomes "{\"syncId\":2,\"status\":\"warning\"}" &&
	trig --wait accounts-to-braze &&
	grep "run [0-9]* warning in" out &&
	for s in cancelled interrupted
	do
		admin POST /run-outcomes "{\"syncId\":2,\"status\":\"$s\"}" &&
		test_expect_code 1 git -C c hightouch trigger --wait \
			accounts-to-braze >out 2>err &&
		grep "run [0-9]* $s in" out &&
		grep "^error: run [0-9]* of sync .accounts-to-braze. ended $s: (the API gave no error)$" err ||
		return 1
	done &&
	admin DELETE /run-outcomes
'

test_expect_success 'without --wait a failing run is not waited for: exit 0' '
	admin POST /run-outcomes "{\"syncId\":2,\"status\":\"failed\"}" &&
	trig accounts-to-braze &&
	admin DELETE /run-outcomes
'

test_expect_success 'Ctrl-C while waiting stops the waiting, not the run' '
	admin POST /settings "{\"runDurationMs\":600000}" &&
	bg_trigger users-to-hubspot &&
	test_when_finished "kill $pid 2>/dev/null; admin POST /settings \"{\\\"runDurationMs\\\":200}\"" &&
	n=0 &&
	until grep -q "^Triggered sync" out 2>/dev/null || test $n -gt 600
	do
		sleep 0.05
		n=$((n + 1))
	done &&
	run=$(sed -n "s/.*: run //p" out) &&
	kill -INT $pid &&
	{ wait $pid; status=$?; } &&
	test $status = 130 &&
	cat >expect <<-EOF &&
	Stopped waiting; the runs go on:
	  run $run of sync '"'"'users-to-hubspot'"'"': queued
	Follow them with:
	  git hightouch runs users-to-hubspot
	EOF
	sed "s/: [a-z]*$/: queued/" err >actual &&
	test_cmp expect actual &&
	api GET "/syncs/1/runs?runId=$run" &&
	expect_json ".data[0].status | IN(\"queued\", \"querying\", \"processing\", \"reporting\")" &&
	api GET /syncs/1 &&
	json_eq .status "\"queued\""
'

command -v script >/dev/null 2>&1 && test_set_prereq SCRIPT

test_expect_success SCRIPT 'on a terminal: a progress line while waiting' '
	(cd c && script -qec "git hightouch trigger --wait users-to-hubspot" /dev/null) >tty &&
	grep "Waiting: 0 of 1 run ended; .users-to-hubspot. triggered" tty &&
	grep "Sync .users-to-hubspot.: run [0-9]* success in" tty
'

test_expect_success 'ids as the API may give them: strings in lists, a number from a trigger' '
	last=$(last_run 2) &&
	run=$(next_run) &&
	api GET /syncs/2 &&
	jq "{data: [.id = \"2\"], hasMore: false}" body >page.json &&
	api GET "/syncs/2/runs?runId=$last" &&
	jq "{data: [.data[0] | .id = \"$run\" | .status = \"success\"], hasMore: false}" body >runs.json &&
	ht_requests_reset &&
	ht_fault "{\"method\":\"GET\",\"path\":\"/api/v1/syncs\",\"status\":200,\"body\":$(cat page.json)}" &&
	ht_fault "{\"method\":\"POST\",\"path\":\"/api/v1/syncs/trigger\",\"status\":200,\"apply\":true,\"body\":{\"id\":$run}}" &&
	ht_fault "{\"method\":\"GET\",\"path\":\"/api/v1/syncs/2/runs\",\"status\":200,\"body\":$(cat runs.json)}" &&
	trig --wait accounts-to-braze &&
	grep "^Triggered sync .accounts-to-braze.: run $run$" out &&
	grep "^Sync .accounts-to-braze.: run $run success in" out &&
	ht_requests log &&
	grep "^GET /api/v1/syncs/2/runs?runId=$run&" log &&
	test "$(last_run 2)" = $run &&
	ht_faults_clear
'

test_expect_success 'a sync sequence: triggered, followed to done' '
	admin POST /sync-sequences "{\"id\":\"nightly\",\"syncIds\":[1,2,3]}" &&
	expect_status 200 &&
	trig --sequence nightly &&
	grep "^Triggered sync sequence .nightly.: run 00000007-0000-4000-8000-000000000001$" out &&
	trig --sequence nightly --wait &&
	head -n 1 out >first &&
	echo "Triggered sync sequence '"'"'nightly'"'"': run 00000007-0000-4000-8000-000000000002" >expect &&
	test_cmp expect first &&
	sed -n "2,\$p" out | sed "s/^\(  sync [0-9]*: run \)[0-9]*/\1N/" >rest &&
	cat >expect <<-\EOF &&
	Sync sequence '"'"'nightly'"'"': run 00000007-0000-4000-8000-000000000002 done
	  sync 1: run N success
	  sync 2: run N success
	  sync 3: run N success
	EOF
	test_cmp expect rest
'

test_expect_success 'a sync sequence that fails: exit 1, the failed run and its error' '
	admin POST /run-outcomes "{\"syncId\":2,\"status\":\"failed\",\"error\":\"rate limited by Braze\"}" &&
	test_expect_code 1 git -C c hightouch trigger --sequence nightly --wait >out 2>err &&
	grep "^Sync sequence .nightly.: run [-0-9a-f]* failed$" out &&
	grep "^  sync 2: run [0-9]* failed$" out &&
	! grep "sync 3" out &&
	grep "^error: run [0-9]* of sync 2 ended failed: rate limited by Braze$" err &&
	grep "^error: sync sequence run [-0-9a-f]* ended failed$" err &&
	admin DELETE /run-outcomes
'

test_expect_success 'an unknown sequence; --sequence with syncs or options' '
	test_expect_code 2 git -C c hightouch trigger --sequence nope 2>err &&
	grep "^fatal: cannot trigger sync sequence .nope.: .POST /sync-sequences/nope/trigger. was not found" err &&
	test_expect_code 2 git -C c hightouch trigger --sequence nightly users-to-hubspot 2>err &&
	grep "^error: --sequence triggers a sequence: name no sync with it$" err &&
	test_expect_code 2 git -C c hightouch trigger --sequence nightly --full-resync 2>err &&
	grep "^error: --full-resync and --reset-cdc are options of a sync.s run, not of a sequence.s$" err &&
	test_expect_code 2 git -C c hightouch trigger --sequence "a/b" 2>err &&
	grep "^error: .a/b. is not a sync sequence id$" err
'

test_expect_success 'usage: no sync, -h, unknown options' '
	test_expect_code 2 git -C c hightouch trigger 2>err &&
	grep "^usage: git hightouch trigger" err &&
	test_expect_code 129 git -C c hightouch trigger -h >out &&
	grep "^    --\[no-\]reset-cdc " out &&
	test_expect_code 2 git -C c hightouch trigger --bogus x 2>err &&
	grep "^error: unknown option .--bogus.$" err
'

test_expect_success 'two workspace remotes: --remote, and a key for each' '
	git -C c remote add other "${HT_URL%/test}/other" &&
	test_when_finished "git -C c remote remove other" &&
	test_expect_code 2 git -C c hightouch trigger users-to-hubspot 2>err &&
	grep "^fatal: 2 remotes are Hightouch workspaces; name one with --remote$" err &&
	test_expect_code 2 git -C c hightouch trigger --remote origin users-to-hubspot 2>err &&
	grep "^fatal: no API key for remote .origin.: 2 remotes name different workspaces" err &&
	git -C c config remote.origin.hightouchKeyEnv TEST_KEY &&
	test_when_finished "git -C c config --unset remote.origin.hightouchKeyEnv" &&
	TEST_KEY=$HIGHTOUCH_API_KEY git -C c hightouch trigger --remote origin users-to-hubspot >out &&
	grep "^Triggered sync .users-to-hubspot.: run [0-9]*$" out &&
	test_expect_code 2 git -C c hightouch trigger --remote nope users-to-hubspot 2>err &&
	grep "^fatal: no remote .nope.$" err
'

test_expect_success 'no key, a refused key: exit 2, the key never printed' '
	(
		unset HIGHTOUCH_API_KEY &&
		test_expect_code 2 git -C c hightouch trigger users-to-hubspot 2>err
	) &&
	grep "^fatal: no API key for " err &&
	(
		HIGHTOUCH_API_KEY=not-the-key-4711 &&
		export HIGHTOUCH_API_KEY &&
		test_expect_code 2 git -C c hightouch trigger users-to-hubspot \
			2>err
	) &&
	grep "^fatal: nothing was triggered: the API key was rejected by" err &&
	! grep not-the-key-4711 err
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
