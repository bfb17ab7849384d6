#!/bin/sh

test_description='git-remote-hightouch: resources made while a clone or a fetch reads the lists'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# The race is made deterministic with the emulator's latency faults: the
# request for one list is held back (HOLD ms) while the test, having seen
# in the request log that the list before it was read, changes the
# workspace "as in the UI".
HOLD=3000

# wait_for_request PATTERN: until a request of the log matches PATTERN
# (grep -E), at most 20 s.
wait_for_request() {
	wfr_n=0
	until ht_requests reqlog && grep -Eq "$1" reqlog
	do
		wfr_n=$((wfr_n + 1))
		if test $wfr_n -ge 400
		then
			echo >&2 "no request matching '$1'"
			cat >&2 reqlog
			return 1
		fi
		sleep 0.05
	done
}

# run_bg CMD...: run CMD in the background, its stderr to ./bg.err;
# bg_wait waits for it and gives its exit status; bg_reap (for
# test_when_finished) waits for it if it is still there.
run_bg() {
	"$@" 2>bg.err &
	bg_pid=$!
	started_pids="$started_pids $bg_pid"
}

bg_wait() {
	wait "$bg_pid"
	bg_status_=$?
	emulator_forget_ "$bg_pid"
	bg_pid=
	return $bg_status_
}

bg_reap() {
	if test -n "$bg_pid"
	then
		bg_wait
	fi
	ht_faults_clear
}

# extra_gets FILE: the GETs of the request log that are not listings
extra_gets() {
	ht_requests all &&
	grep "^GET " all | grep -v "?" | sort >"$1"
}

# same_as_fresh REPO: REPO's origin/main is the commit a clone now makes
# (commits depend only on the state of the workspace), fsck is happy and a
# fetch brings nothing new
same_as_fresh() {
	rm -rf fresh &&
	git clone -q "$HT_URL" fresh &&
	git -C fresh rev-parse HEAD >expect &&
	git -C "$1" rev-parse origin/main >actual &&
	test_cmp expect actual &&
	git -C "$1" fsck --full --strict &&
	git -C "$1" fetch -q &&
	git -C "$1" rev-parse origin/main >actual &&
	test_cmp expect actual
}

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" before
'

test_expect_success 'a model and a sync on it, made after /models was read' '
	test_when_finished bg_reap &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/syncs\", \"latencyMs\": $HOLD}" &&
	ht_requests_reset &&
	run_bg git clone -q "$HT_URL" c1 &&
	wait_for_request "^GET /api/v1/schema/relationships\?" &&
	ui POST /models "{\"name\": \"Late\", \"slug\": \"late\", \"sourceId\": 1, \"queryType\": \"raw_sql\", \"raw\": {\"sql\": \"select 1\"}, \"isSchema\": false, \"primaryKey\": \"id\"}" &&
	model=$(jq .id body) &&
	ui POST /syncs "{\"slug\": \"late-to-hubspot\", \"modelId\": $model, \"destinationId\": 1, \"configuration\": {\"mode\": \"upsert\"}, \"schedule\": null, \"disabled\": false}" &&
	bg_wait &&
	test ! -s bg.err &&
	cat >expect <<-\EOF &&
	name: Late
	source: snowflake
	type: raw_sql
	rawSql: select 1
	isSchema: false
	primaryKey: id
	EOF
	test_cmp expect c1/models/late.yaml &&
	cat >expect <<-\EOF &&
	model: late
	destination: hubspot
	config:
	  mode: upsert
	schedule:
	  type: manual
	schedulePaused: false
	EOF
	test_cmp expect c1/syncs/late-to-hubspot.yaml &&
	test "$(git -C c1 rev-list --count HEAD)" = 1 &&
	extra_gets actual &&
	echo "GET /api/v1/models/$model" >expect &&
	test_cmp expect actual &&
	ht_requests_reset &&
	same_as_fresh c1
'

test_expect_success 'the next fetch of that clone costs no more than a list' '
	ht_requests_reset &&
	git -C c1 fetch &&
	test "$(ht_request_count)" -le 8
'

test_expect_success 'a sync of a new model on a new source, to a new destination' '
	test_when_finished bg_reap &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/syncs\", \"latencyMs\": $HOLD}" &&
	ht_requests_reset &&
	run_bg git clone -q "$HT_URL" c2 &&
	wait_for_request "^GET /api/v1/schema/relationships\?" &&
	ui POST /sources "{\"name\": \"Late warehouse\", \"slug\": \"late-wh\", \"type\": \"postgres\", \"configuration\": {}}" &&
	source=$(jq .id body) &&
	ui POST /destinations "{\"name\": \"Late hook\", \"slug\": \"late-hook\", \"type\": \"webhook\", \"configuration\": {}}" &&
	dest=$(jq .id body) &&
	ui POST /models "{\"name\": \"Later\", \"slug\": \"later\", \"sourceId\": $source, \"queryType\": \"table\", \"table\": {\"name\": \"later\"}, \"isSchema\": false, \"primaryKey\": \"id\"}" &&
	model=$(jq .id body) &&
	ui POST /syncs "{\"slug\": \"later-to-hook\", \"modelId\": $model, \"destinationId\": $dest, \"configuration\": {}, \"schedule\": null, \"disabled\": false}" &&
	bg_wait &&
	test ! -s bg.err &&
	grep "^source: late-wh$" c2/models/later.yaml &&
	grep "^model: later$" c2/syncs/later-to-hook.yaml &&
	grep "^destination: late-hook$" c2/syncs/later-to-hook.yaml &&
	grep "^  late-wh:$" c2/manifest-test.yaml &&
	grep "^  late-hook:$" c2/manifest-test.yaml &&
	extra_gets actual &&
	sort >expect <<-EOF &&
	GET /api/v1/models/$model
	GET /api/v1/sources/$source
	GET /api/v1/destinations/$dest
	EOF
	test_cmp expect actual &&
	same_as_fresh c2
'

test_expect_success 'a related model and a relationship to it, after /models' '
	test_when_finished bg_reap &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/schema/relationships\", \"latencyMs\": $HOLD}" &&
	ht_requests_reset &&
	run_bg git clone -q "$HT_URL" c3 &&
	wait_for_request "^GET /api/v1/models\?" &&
	ui POST /schema/related-models "{\"name\": \"Returns\", \"slug\": \"returns\", \"sourceId\": 1, \"queryType\": \"table\", \"table\": {\"name\": \"returns\"}, \"primaryKey\": \"id\"}" &&
	model=$(jq .id body) &&
	ui POST /schema/relationships "{\"slug\": \"people-returns\", \"fromModelId\": 10, \"toModelId\": $model, \"cardinality\": \"one-to-many\", \"joinKeys\": [{\"from\": \"id\", \"to\": \"person_id\"}]}" &&
	bg_wait &&
	test ! -s bg.err &&
	grep "^tableName: returns$" c3/schema/related-models/returns.yaml &&
	test ! -e c3/models/returns.yaml &&
	grep "^to: returns$" c3/schema/model-relationships/people-returns.yaml &&
	extra_gets actual &&
	sort >expect <<-EOF &&
	GET /api/v1/models/$model
	GET /api/v1/schema/parent-models/$model
	GET /api/v1/schema/related-models/$model
	EOF
	test_cmp expect actual &&
	same_as_fresh c3
'

test_expect_success 'a parent model made between its list and /models' '
	test_when_finished bg_reap &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/models\", \"latencyMs\": $HOLD}" &&
	ht_requests_reset &&
	run_bg git clone -q "$HT_URL" c4 &&
	wait_for_request "^GET /api/v1/schema/event-models\?" &&
	ui POST /schema/parent-models "{\"name\": \"Households\", \"slug\": \"households\", \"sourceId\": 2, \"queryType\": \"table\", \"table\": {\"name\": \"households\"}, \"primaryKey\": \"id\", \"primaryLabel\": \"name\"}" &&
	model=$(jq .id body) &&
	bg_wait &&
	test ! -s bg.err &&
	grep "^primaryLabel: name$" c4/schema/parent-models/households.yaml &&
	test ! -e c4/models/households.yaml &&
	extra_gets actual &&
	echo "GET /api/v1/schema/parent-models/$model" >expect &&
	test_cmp expect actual &&
	same_as_fresh c4
'

test_expect_success 'a model deleted before it could be read: its sync is skipped' '
	test_when_finished bg_reap &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/syncs\", \"latencyMs\": $HOLD}" &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/models/\", \"latencyMs\": $HOLD}" &&
	ht_requests_reset &&
	run_bg git clone "$HT_URL" c5 &&
	wait_for_request "^GET /api/v1/schema/relationships\?" &&
	ui POST /models "{\"name\": \"Brief\", \"slug\": \"brief\", \"sourceId\": 1, \"queryType\": \"raw_sql\", \"raw\": {\"sql\": \"select 2\"}, \"isSchema\": false, \"primaryKey\": \"id\"}" &&
	model=$(jq .id body) &&
	ui POST /syncs "{\"slug\": \"brief-to-braze\", \"modelId\": $model, \"destinationId\": 2, \"configuration\": {}, \"schedule\": null, \"disabled\": false}" &&
	sync=$(jq .id body) &&
	wait_for_request "^GET /api/v1/syncs\?" &&
	ui DELETE "/models/$model?cascade=true" &&
	bg_wait &&
	echo "warning: skipped sync .brief-to-braze. (id $sync): its model $model is not in the workspace" >expect &&
	grep -v "^Cloning into" bg.err >actual &&
	grep -x -f expect actual &&
	test "$(wc -l <actual)" = 1 &&
	test ! -e c5/syncs/brief-to-braze.yaml &&
	test -f c5/syncs/users-to-hubspot.yaml &&
	git -C c5 fsck --full &&
	extra_gets actual &&
	echo "GET /api/v1/models/$model" >expect &&
	test_cmp expect actual
'

test_expect_success 'a fetch: a model made after the probes, and a sync on it' '
	test_when_finished bg_reap &&
	git -C before fetch -q &&
	ui POST /syncs "{\"slug\": \"users-to-braze\", \"modelId\": 1, \"destinationId\": 2, \"configuration\": {}, \"schedule\": null, \"disabled\": false}" &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/syncs\", \"latencyMs\": 0}" &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/syncs\", \"latencyMs\": $HOLD}" &&
	ht_requests_reset &&
	run_bg git -C before -c hightouch.pageSize=1 fetch -q &&
	wait_for_request "^GET /api/v1/sources\?" &&
	ui POST /models "{\"name\": \"Fresh\", \"slug\": \"fresh-model\", \"sourceId\": 2, \"queryType\": \"table\", \"table\": {\"name\": \"fresh\"}, \"isSchema\": false, \"primaryKey\": \"id\"}" &&
	model=$(jq .id body) &&
	ui POST /syncs "{\"slug\": \"fresh-to-hubspot\", \"modelId\": $model, \"destinationId\": 1, \"configuration\": {}, \"schedule\": null, \"disabled\": false}" &&
	bg_wait &&
	test ! -s bg.err &&
	git -C before log --format=%s -3 origin/main >actual &&
	cat >expect <<-\EOF &&
	Create sync fresh-to-hubspot (OUTBOUND)
	Create model fresh-model (OUTBOUND)
	Create sync users-to-braze (OUTBOUND)
	EOF
	test_cmp expect actual &&
	# 8 probes, 2 more pages of /syncs, and /models read again from
	# where the probe had it (2 pages of 1)
	ht_requests all &&
	sed -n "/^GET \/api\/v1\/sources?/,\$p" all >actual &&
	cat >expect <<-\EOF &&
	GET /api/v1/sources?offset=2&limit=1&orderBy=updatedAt
	GET /api/v1/syncs?offset=6&limit=1&orderBy=updatedAt
	GET /api/v1/syncs?offset=7&limit=1&orderBy=updatedAt
	GET /api/v1/models?offset=11&limit=1&orderBy=updatedAt
	GET /api/v1/models?offset=12&limit=1&orderBy=updatedAt
	EOF
	test_cmp expect actual &&
	test "$(wc -l <all)" = 12 &&
	rm -rf fresh &&
	git clone -q "$HT_URL" fresh &&
	git -C fresh rev-parse HEAD^{tree} >expect &&
	git -C before rev-parse origin/main^{tree} >actual &&
	test_cmp expect actual &&
	git -C before fsck --full --strict &&
	git -C before rev-parse origin/main >expect &&
	git -C before fetch -q &&
	git -C before rev-parse origin/main >actual &&
	test_cmp expect actual
'

test_expect_success 'stop the emulator' '
	emulator_stop
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
