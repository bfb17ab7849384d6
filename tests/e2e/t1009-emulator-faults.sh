#!/bin/sh

test_description='hightouch-emulator: fault injection and latency'

# shellcheck disable=SC1091
. ./test-lib.sh

source_body='{"name":"S","slug":"SLUG","type":"t","configuration":{}}'

# timed METHOD PATH: like api, and ./elapsed holds the seconds it took.
timed() {
	curl -sS -g -o body -w "%{http_code} %{time_total}" -X "$1" \
		-H @"$TRASH_DIRECTORY/.keys/api-header" "$EMU_URL/api/v1$2" \
		>result &&
	cut -d" " -f1 result >status &&
	cut -d" " -f2 result >elapsed
}

# at_least SECONDS: ./elapsed is at least that.
at_least() {
	awk -v min="$1" "{ exit !(\$1 >= min) }" elapsed || {
		echo >&2 "took $(cat elapsed)s, expected at least $1s"
		return 1
	}
}

test_expect_success 'setup' '
	emulator_start
'

test_expect_success 'a status for the next N matching requests' '
	admin POST /faults "{\"method\":\"GET\",\"path\":\"/api/v1/models\",\"count\":2,\"status\":503}" &&
	expect_status 200 &&
	json_eq .id 1 &&
	admin GET /faults &&
	json_eq .faults "[{\"id\":1,\"method\":\"GET\",\"path\":\"/api/v1/models\",\"count\":2,\"after\":0,\"status\":503,\"latencyMs\":0,\"close\":false,\"apply\":false}]" &&
	api GET /sources &&
	expect_status 200 &&
	api POST /models "{}" &&
	expect_status 422 &&
	api GET /models/1 &&
	expect_status 503 &&
	json_eq . "{\"message\":\"Service Unavailable\",\"details\":\"injected fault\"}" &&
	admin GET /faults &&
	json_eq ".faults[0].count" 1 &&
	api GET "/models?limit=5" &&
	expect_status 503 &&
	api GET /models &&
	expect_status 200 &&
	admin GET /faults &&
	json_eq .faults "[]"
'

test_expect_success 'a faulted request never reaches the handler' '
	admin POST /faults "{\"method\":\"POST\",\"path\":\"/api/v1/sources\",\"status\":500}" &&
	api POST /sources "$(echo "$source_body" | sed s/SLUG/lost/)" &&
	expect_status 500 &&
	test "$(cat body)" = "\"Internal Server Error\"" &&
	api GET "/sources?slug=lost" &&
	json_eq .data "[]"
'

test_expect_success 'apply: the write happens, the answer is the fault' '
	admin POST /faults "{\"method\":\"POST\",\"path\":\"/api/v1/sources\",\"status\":502,\"apply\":true}" &&
	api POST /sources "$(echo "$source_body" | sed s/SLUG/applied/)" &&
	expect_status 502 &&
	api GET "/sources?slug=applied" &&
	json_eq "[.data[].slug]" "[\"applied\"]"
'

test_expect_success 'a custom body, and 429 with its default body' '
	admin POST /faults "{\"path\":\"/api/v1/syncs\",\"status\":418,\"body\":{\"error\":\"teapot\"}}" &&
	api GET /syncs &&
	expect_status 418 &&
	json_eq . "{\"error\":\"teapot\"}" &&
	admin POST /faults "{\"status\":429}" &&
	api GET /destinations &&
	expect_status 429 &&
	json_eq .message "\"Too Many Requests\""
'

test_expect_success 'close: the connection drops half-way, the write is done' '
	admin POST /faults "{\"method\":\"POST\",\"path\":\"/api/v1/sources\",\"close\":true}" &&
	echo "$source_body" | sed s/SLUG/closed/ >closed.json &&
	test_must_fail curl -sS -o partial -H @.keys/api-header \
		-H "Content-Type: application/json" \
		--data-binary @closed.json "$EMU_URL/api/v1/sources" 2>err &&
	grep -E "curl: \((18|52|56)\)" err &&
	api GET "/sources?slug=closed" &&
	json_eq "[.data[].slug]" "[\"closed\"]" &&
	api GET "/sources?slug=closed" &&
	expect_status 200
'

test_expect_success 'latency: the next matching request is slower' '
	admin POST /faults "{\"path\":\"/api/v1/models\",\"latencyMs\":400}" &&
	timed GET /models &&
	expect_status 200 &&
	at_least 0.4 &&
	timed GET /models &&
	awk "{ exit !(\$1 < 0.4) }" elapsed
'

test_expect_success 'latency with a status' '
	admin POST /faults "{\"latencyMs\":300,\"status\":504}" &&
	timed GET /sources &&
	expect_status 504 &&
	at_least 0.3
'

test_expect_success 'the request log says which requests were faulted' '
	admin DELETE /requests &&
	admin POST /faults "{\"path\":\"/api/v1/models\",\"status\":503}" &&
	api GET /models &&
	api GET /models &&
	admin GET /requests &&
	json_eq "[.requests[] | [.status, .fault]]" "[[503,\"status\"],[200,null]]"
'

test_expect_success 'method and path must match' '
	admin POST /faults "{\"method\":\"PATCH\",\"path\":\"/api/v1/models/\",\"status\":500}" &&
	api GET /models &&
	expect_status 200 &&
	api PATCH /sources/1 "{}" &&
	expect_status 200 &&
	api PATCH /models/1 "{}" &&
	expect_status 500
'

test_expect_success 'faults never touch the admin surface' '
	admin POST /faults "{\"status\":500,\"count\":5}" &&
	admin GET /faults &&
	expect_status 200 &&
	admin DELETE /faults &&
	expect_status 200 &&
	api GET /models &&
	expect_status 200
'

test_expect_success '422 for bad fault specifications' '
	admin POST /faults "{}" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody\":{\"message\":\"a fault needs '"'"'status'"'"', '"'"'latencyMs'"'"' or '"'"'close'"'"'\"}}" &&
	admin POST /faults "{\"status\":99,\"count\":0,\"path\":\"models\",\"close\":1,\"what\":1}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.close\",\"requestBody.count\",\"requestBody.path\",\"requestBody.status\",\"requestBody.what\"]" &&
	admin POST /faults "{\"latencyMs\":10,\"apply\":true}" &&
	expect_status 422
'

test_expect_success '--latency slows every API request, not the admin surface' '
	emulator_stop &&
	emulator_start --latency 250 &&
	timed GET /models &&
	expect_status 200 &&
	at_least 0.25 &&
	admin POST /settings "{\"latencyMs\":0}" &&
	timed GET /models &&
	awk "{ exit !(\$1 < 0.25) }" elapsed
'

test_expect_success 'latency holds up only its own connection' '
	admin POST /faults "{\"path\":\"/api/v1/models\",\"latencyMs\":1500}" &&
	{ timed GET /models & } &&
	slow_pid=$! &&
	sleep 0.2 &&
	curl -sS -o /dev/null -w "%{time_total}" -H @.keys/api-header \
		"$EMU_URL/api/v1/sources" >fast &&
	awk "{ exit !(\$1 < 1) }" fast &&
	wait $slow_pid &&
	at_least 1.5
'

test_expect_success 'the emulator stops cleanly' '
	emulator_stop
'

test_done
