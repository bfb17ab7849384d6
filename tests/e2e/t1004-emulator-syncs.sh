#!/bin/sh

test_description='hightouch-emulator: syncs, runs and triggers'

# shellcheck disable=SC1091
. ./test-lib.sh

# sync SLUG SCHEDULE [MORE-MEMBERS]
sync() {
	printf '{"slug":"%s","modelId":1,"destinationId":1,"configuration":{"mode":"upsert","mappings":[{"from":"EMAIL","to":"email","type":"standard"},{"to":"name","type":"template","template":"{{ row.a }}"},{"from":"EMAIL","to":"e2","type":"standard"}],"externalIdMapping":{"from":"ID","to":"id","type":"standard"}},"schedule":%s,"disabled":false%s}' \
		"$1" "$2" "${3:+,$3}"
}

wait_for_run() {
	# wait_for_run SYNC RUN STATUS
	n=100
	while test $n -gt 0
	do
		api GET "/syncs/$1/runs?runId=$2" &&
		test "$(jq -r ".data[0].status" body)" = "$3" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	echo >&2 "run $2 of sync $1 did not reach $3: $(cat body)"
	return 1
}

test_expect_success 'setup' '
	emulator_start &&
	api POST /sources "{\"name\":\"S\",\"slug\":\"s\",\"type\":\"snowflake\",\"configuration\":{}}" &&
	api POST /destinations "{\"name\":\"D\",\"slug\":\"d\",\"type\":\"hubspot\",\"configuration\":{}}" &&
	api POST /models "{\"name\":\"M\",\"slug\":\"m\",\"sourceId\":1,\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":false,\"primaryKey\":\"user_id\"}" &&
	expect_status 200
'

test_expect_success 'create a sync: the Sync shape' '
	api POST /syncs "$(sync first "{\"type\":\"interval\",\"schedule\":{\"interval\":{\"unit\":\"day\",\"quantity\":1}}}")" &&
	expect_status 200 &&
	cp body created &&
	json_eq keys_unsorted "[\"id\",\"slug\",\"workspaceId\",\"createdAt\",\"updatedAt\",\"destinationId\",\"modelId\",\"configuration\",\"schedule\",\"disabled\",\"status\",\"lastRunAt\",\"referencedColumns\",\"primaryKey\",\"externalSegment\",\"tags\"]" &&
	json_eq "[.id,.status,.lastRunAt,.primaryKey,.externalSegment,.tags]" "[1,\"pending\",null,\"user_id\",{},{}]" &&
	json_eq .referencedColumns "[\"EMAIL\",\"ID\"]" &&
	json_eq ".configuration | keys_unsorted" "[\"mode\",\"mappings\",\"externalIdMapping\"]" &&
	api GET /syncs/1 &&
	test_cmp created body
'

test_expect_success 'ids as strings; the model lists its syncs' '
	api POST /syncs "{\"slug\":\"strings\",\"modelId\":\"1\",\"destinationId\":\"1\",\"configuration\":{},\"schedule\":null,\"disabled\":true}" &&
	expect_status 200 &&
	json_eq "[.modelId,.destinationId,.status,.schedule]" "[1,1,\"disabled\",null]" &&
	api GET /models/1 &&
	json_eq .syncs "[1,2]"
'

test_expect_success 'every schedule type is accepted' '
	i=0 &&
	for s in null "{\"type\":\"manual\"}" \
		"{\"type\":\"interval\",\"schedule\":{\"interval\":{\"unit\":\"minute\",\"quantity\":15}}}" \
		"{\"type\":\"interval\",\"schedule\":{\"interval\":{\"unit\":\"hour\",\"quantity\":2}},\"startDate\":\"2023-06-24T02:00:00.000Z\"}" \
		"{\"type\":\"interval\",\"schedule\":{\"interval\":{\"unit\":\"week\",\"quantity\":1}}}" \
		"{\"type\":\"cron\",\"schedule\":{\"expression\":\"30 4 1 * *\"},\"startDate\":\"2024-01-01\"}" \
		"{\"type\":\"visual\",\"schedule\":{\"expressions\":[{\"days\":{\"monday\":true,\"sunday\":false},\"time\":\"09:00\"}]}}" \
		"{\"type\":\"dbt-cloud\",\"schedule\":{\"account\":{\"id\":1},\"job\":{\"id\":\"j\"},\"dbtCredentialId\":\"c\"}}" \
		"{\"type\":\"sequence\",\"schedule\":{\"sequenceId\":\"s-1\"}}"
	do
		i=$((i + 1)) &&
		api POST /syncs "$(sync "sched-$i" "$s")" &&
		expect_status 200 &&
		jq -c .schedule body >actual &&
		echo "$s" | jq -c . >expect &&
		test_cmp expect actual || return 1
	done
'

test_expect_success '422 for invalid schedules, with the path' '
	api POST /syncs "$(sync bad "{\"type\":\"interval\",\"schedule\":{\"interval\":{\"unit\":\"month\",\"quantity\":0}}}")" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.schedule.schedule.interval.quantity\",\"requestBody.schedule.schedule.interval.unit\"]" &&
	api POST /syncs "$(sync bad "{\"type\":\"cron\",\"schedule\":{}}")" &&
	json_eq .details "{\"requestBody.schedule.schedule.expression\":{\"message\":\"'"'"'schedule.schedule.expression'"'"' is required\"}}" &&
	api POST /syncs "$(sync bad "{\"type\":\"visual\",\"schedule\":{\"expressions\":[{\"days\":{\"someday\":true},\"time\":\"9\"}]}}")" &&
	json_eq ".details | keys" "[\"requestBody.schedule.schedule.expressions[0].days.someday\"]" &&
	api POST /syncs "$(sync bad "{\"type\":\"dbt-cloud\",\"schedule\":{\"account\":{\"id\":1}}}")" &&
	json_eq ".details | keys" "[\"requestBody.schedule.schedule.job\"]" &&
	api POST /syncs "$(sync bad "{\"schedule\":{}}")" &&
	json_eq ".details | keys" "[\"requestBody.schedule.type\"]" &&
	api POST /syncs "$(sync bad "{\"type\":\"interval\"}")" &&
	json_eq ".details | keys" "[\"requestBody.schedule.schedule\"]" &&
	api POST /syncs "$(sync bad "\"daily\"")" &&
	json_eq ".details | keys" "[\"requestBody.schedule\"]" &&
	api POST /syncs "$(sync bad "{\"type\":\"cron\",\"schedule\":{\"expression\":\"* * * * *\"},\"startDate\":\"soon\"}")" &&
	json_eq ".details | keys" "[\"requestBody.schedule.startDate\"]"
'

test_expect_success '422 for missing fields (schedule must be there, even null)' '
	api POST /syncs "{}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.configuration\",\"requestBody.destinationId\",\"requestBody.disabled\",\"requestBody.modelId\",\"requestBody.schedule\",\"requestBody.slug\"]"
'

test_expect_success '422: syncs have no name and no description' '
	api POST /syncs "$(sync named null "\"name\":\"n\",\"description\":\"d\"")" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.description\",\"requestBody.name\"]"
'

test_expect_success '422: the model and the destination must exist' '
	api POST /syncs "{\"slug\":\"x\",\"modelId\":99,\"destinationId\":98,\"configuration\":{},\"schedule\":null,\"disabled\":false}" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.modelId\":{\"message\":\"model 99 does not exist\"},\"requestBody.destinationId\":{\"message\":\"destination 98 does not exist\"}}"
'

test_expect_success '409 on a duplicate slug' '
	api POST /syncs "$(sync first null)" &&
	expect_status 409 &&
	json_eq ".details | keys" "[\"requestBody.slug\"]"
'

test_expect_success 'update configuration, schedule and disabled' '
	api PATCH /syncs/1 "{\"configuration\":{\"mode\":\"update\",\"mappings\":[{\"from\":\"PHONE\",\"to\":\"phone\",\"type\":\"standard\"}]},\"schedule\":null,\"disabled\":true}" &&
	expect_status 200 &&
	json_eq "[.configuration.mode,.schedule,.disabled,.status,.referencedColumns]" "[\"update\",null,true,\"disabled\",[\"PHONE\"]]" &&
	api PATCH /syncs/1 "{\"disabled\":false}" &&
	json_eq .status "\"pending\"" &&
	expect_json ".updatedAt > .createdAt"
'

test_expect_success '422: slug, modelId and destinationId cannot be changed' '
	api PATCH /syncs/1 "{\"slug\":\"y\",\"modelId\":1,\"destinationId\":1}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.destinationId\",\"requestBody.modelId\",\"requestBody.slug\"]" &&
	api PATCH /syncs/1 "{\"status\":\"success\"}" &&
	expect_status 422
'

test_expect_success 'filter syncs by model' '
	api POST /models "{\"name\":\"M2\",\"slug\":\"m2\",\"sourceId\":1,\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":false,\"primaryKey\":\"id\"}" &&
	api POST /syncs "{\"slug\":\"other-model\",\"modelId\":2,\"destinationId\":1,\"configuration\":{},\"schedule\":null,\"disabled\":false}" &&
	expect_status 200 &&
	api GET "/syncs?modelId=2" &&
	json_eq "[.data[].slug]" "[\"other-model\"]" &&
	api GET "/syncs?modelId=1&limit=2" &&
	json_eq "[.data[].id, .hasMore]" "[1,2,true]"
'

test_expect_success 'trigger a run: the run id, as a string' '
	admin POST /settings "{\"runDurationMs\":60000}" &&
	expect_status 200 &&
	api POST /syncs/1/trigger &&
	expect_status 200 &&
	json_eq . "{\"id\":\"1\"}" &&
	api GET /syncs/1/runs &&
	expect_status 200 &&
	json_eq keys_unsorted "[\"data\",\"hasMore\"]" &&
	json_eq ".data[0] | keys_unsorted" "[\"id\",\"createdAt\",\"startedAt\",\"finishedAt\",\"querySize\",\"status\",\"completionRatio\",\"plannedRows\",\"successfulRows\",\"failedRows\",\"error\"]" &&
	json_eq ".data[0] | [.id,.status,.startedAt,.finishedAt,.error]" "[1,\"queued\",null,null,null]" &&
	json_eq ".data[0].plannedRows | keys_unsorted" "[\"addedCount\",\"changedCount\",\"removedCount\"]" &&
	api GET /syncs/1 &&
	json_eq .status "\"queued\""
'

test_expect_success 'a run ends with a terminal status and row counts' '
	api GET /syncs/1 &&
	jq -r .updatedAt body >updated-before &&
	admin POST /settings "{\"runDurationMs\":100}" &&
	api POST /syncs/1/trigger "{\"fullResync\":true,\"resetCDC\":false,\"clearAndFill\":false}" &&
	expect_status 200 &&
	json_eq .id "\"2\"" &&
	wait_for_run 1 2 success &&
	json_eq ".data[0] | [.completionRatio, .error, .failedRows]" "[1,null,{\"addedCount\":0,\"changedCount\":0,\"removedCount\":0}]" &&
	expect_json ".data[0].plannedRows.addedCount >= 1000 and .data[0].plannedRows.changedCount == 0" &&
	expect_json ".data[0].successfulRows == .data[0].plannedRows" &&
	api GET /syncs/1 &&
	json_eq .status "\"success\"" &&
	expect_json ".lastRunAt != null" &&
	jq -r .updatedAt body >updated-after &&
	test_cmp updated-before updated-after
'

test_expect_success 'failed and warning runs' '
	admin POST /settings "{\"runDurationMs\":0,\"runStatus\":\"failed\"}" &&
	api POST /syncs/1/trigger &&
	wait_for_run 1 3 failed &&
	json_eq ".data[0] | [.error, .successfulRows.addedCount]" "[\"emulated failure\",0]" &&
	expect_json ".data[0].failedRows == .data[0].plannedRows" &&
	api GET /syncs/1 &&
	json_eq .status "\"failed\"" &&
	admin POST /settings "{\"runStatus\":\"warning\"}" &&
	api POST /syncs/1/trigger &&
	wait_for_run 1 4 warning &&
	expect_json ".data[0].failedRows.addedCount > 0" &&
	admin POST /settings "{\"runStatus\":\"success\"}"
'

test_expect_success '422 for bad trigger options, 404 for unknown syncs' '
	api POST /syncs/1/trigger "{\"fullResync\":\"yes\",\"fullSync\":true}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.fullResync\",\"requestBody.fullSync\"]" &&
	api POST /syncs/999/trigger &&
	expect_status 404 &&
	json_eq .details "\"sync 999 not found\"" &&
	api POST /syncs/abc/trigger &&
	expect_status 400
'

test_expect_success 'trigger by id (a string of digits, not a number) or by slug' '
	api POST /syncs/trigger "{\"syncId\":\"1\"}" &&
	expect_status 200 &&
	json_eq .id "\"5\"" &&
	api POST /syncs/trigger "{\"syncId\":1,\"fullResync\":true}" &&
	expect_status 400 &&
	json_eq . "{\"message\":\"Bad Request\",\"details\":\"'"'"'syncId'"'"' must be a string of digits (^[0-9]+$), got number\"}" &&
	api POST /syncs/trigger "{\"syncId\":\"1\",\"fullResync\":true}" &&
	expect_status 200 &&
	api POST /syncs/trigger "{\"syncSlug\":\"strings\"}" &&
	expect_status 200 &&
	json_eq .id "\"7\"" &&
	api GET /syncs/2/runs &&
	json_eq "[.data[].id]" "[7]"
'

test_expect_success 'custom trigger errors' '
	api POST /syncs/trigger "{}" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody\":{\"message\":\"one of '"'"'syncId'"'"' or '"'"'syncSlug'"'"' is required\"}}" &&
	api POST /syncs/trigger "{\"syncId\":\"x1\"}" &&
	expect_status 400 &&
	api POST /syncs/trigger "{\"syncId\":null}" &&
	expect_status 400 &&
	api POST /syncs/trigger "{\"syncSlug\":\"nope\"}" &&
	expect_status 404 &&
	json_eq .details "\"sync '"'"'nope'"'"' not found\"" &&
	api POST /syncs/trigger "{\"syncId\":\"999\"}" &&
	expect_status 404
'

test_expect_success 'list runs: paging, order, filters' '
	api GET "/syncs/1/runs?limit=2" &&
	json_eq "[.data[].id, .hasMore]" "[1,2,true]" &&
	api GET "/syncs/1/runs?limit=2&offset=4" &&
	json_eq "[.data[].id, .hasMore]" "[5,6,false]" &&
	api GET "/syncs/1/runs?orderBy=createdAt&runId=3" &&
	json_eq "[.data[].id]" "[3]" &&
	api GET "/syncs/1/runs?within=5" &&
	json_eq ".data | length" 6 &&
	api GET "/syncs/1/runs?after=2000-01-01T00:00:00Z&before=2999-01-01" &&
	json_eq ".data | length" 6 &&
	api GET "/syncs/1/runs?after=2999-01-01T00:00:00Z" &&
	json_eq .data "[]"
'

test_expect_success 'list runs: 400 and 404' '
	for q in orderBy=slug limit=0 within=0 runId=x after=x slug=a
	do
		api GET "/syncs/1/runs?$q" &&
		expect_status 400 || return 1
	done &&
	api GET /syncs/999/runs &&
	expect_status 404
'

test_expect_success 'syncs filtered by when they last ran' '
	api GET "/syncs?after=2000-01-01T00:00:00.000Z" &&
	json_eq "[.data[].slug]" "[\"first\",\"strings\"]" &&
	api GET "/syncs?before=2000-01-01T00:00:00.000Z" &&
	json_eq .data "[]"
'

test_expect_success 'the emulator stops cleanly' '
	emulator_stop
'

test_done
