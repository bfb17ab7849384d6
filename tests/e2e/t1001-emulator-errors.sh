#!/bin/sh

test_description='hightouch-emulator: 401, 404, 400, 413 and 500 answers'

# shellcheck disable=SC1091
. ./test-lib.sh

test_expect_success 'setup' '
	hightouch-emulator generate --models 2 --syncs 2 --sources 1 \
		--destinations 1 >seed.json &&
	emulator_start --seed seed.json
'

test_expect_success '401 without an Authorization header' '
	anon GET /api/v1/models &&
	expect_status 401 &&
	json_eq . "{\"message\":\"Authentication error\",\"details\":\"No authorization header found\"}"
'

test_expect_success '401 with a wrong key, a Basic header, the admin key' '
	printf "Authorization: Bearer wrong\n" >wrong-header &&
	ht_curl_ wrong-header GET "$EMU_URL/api/v1/models" &&
	expect_status 401 &&
	json_eq . "{\"message\":\"Authentication error\",\"details\":\"Token is invalid\"}" &&
	printf "Authorization: Basic dXNlcjpwYXNz\n" >basic-header &&
	ht_curl_ basic-header GET "$EMU_URL/api/v1/models" &&
	expect_status 401 &&
	json_eq .details "\"Token is invalid\"" &&
	ht_curl_ "$TRASH_DIRECTORY/.keys/admin-header" GET \
		"$EMU_URL/api/v1/models" &&
	expect_status 401
'

test_expect_success 'the API key does not open the admin surface' '
	ht_curl_ "$TRASH_DIRECTORY/.keys/api-header" GET "$EMU_URL/_emulator" &&
	expect_status 401 &&
	json_eq .message "\"Authentication error\""
'

test_expect_success '401 comes before 404 and before 400' '
	anon GET /api/v1/no-such-thing &&
	expect_status 401 &&
	anon GET "/api/v1/models?limit=abc" &&
	expect_status 401
'

test_expect_success 'answers are JSON' '
	curl -sS -D headers -o /dev/null -H @.keys/api-header \
		"$EMU_URL/api/v1/models" &&
	grep -i "^content-type: application/json; charset=utf-8" headers
'

test_expect_success '404 for unknown paths, with the method and path' '
	api GET /no-such-thing &&
	expect_status 404 &&
	json_eq . "{\"message\":\"Not Found\",\"details\":\"Cannot GET /api/v1/no-such-thing\"}" &&
	api GET /models/1/extra &&
	expect_status 404 &&
	anon GET /elsewhere &&
	expect_status 404 &&
	json_eq .details "\"Cannot GET /elsewhere\""
'

test_expect_success '404 for unknown ids' '
	api GET /models/999 &&
	expect_status 404 &&
	json_eq . "{\"message\":\"Not Found\",\"details\":\"model 999 not found\"}" &&
	api PATCH /syncs/999 "{}" &&
	expect_status 404 &&
	json_eq .details "\"sync 999 not found\"" &&
	api GET /sources/999 &&
	expect_status 404 &&
	api GET /destinations/999 &&
	expect_status 404
'

test_expect_success 'no DELETE (nor PUT): 404, as an unrouted method' '
	for p in /models/1 /syncs/1 /sources/1 /destinations/1 /models
	do
		api DELETE $p &&
		expect_status 404 &&
		json_eq .details "\"Cannot DELETE /api/v1$p\"" || return 1
	done &&
	api PUT /models/1 "{}" &&
	expect_status 404 &&
	api GET /models/1 &&
	expect_status 200
'

test_expect_success '400 for bad ids in paths' '
	api GET /models/abc &&
	expect_status 400 &&
	json_eq . "{\"message\":\"Bad Request\",\"details\":\"'"'"'abc'"'"' is not a valid id\"}" &&
	api GET /models/0 &&
	expect_status 400 &&
	api GET /models/-1 &&
	expect_status 400
'

test_expect_success 'a NUL does not cut a path or a query argument short' '
	api GET "/models/1%00abc" &&
	expect_status 400 &&
	json_eq . "{\"message\":\"Bad Request\",\"details\":\"'"'"'1%00abc'"'"' is not a valid id\"}" &&
	api PATCH "/models/1%00" "{\"name\":\"x\"}" &&
	expect_status 400 &&
	api GET /models/1 &&
	expect_status 200 &&
	expect_json ".name != \"x\"" &&
	api GET "/models?limit=1%000" &&
	expect_status 400 &&
	json_eq .details "\"'"'"'limit'"'"' must be an integer from 1 to 1000, got '"'"'1%000'"'"'\"" &&
	api GET "/models/1%2500" &&
	expect_status 400 &&
	api GET "/models/%31" &&
	expect_status 200
'

test_expect_success '400 for bad query parameters' '
	for q in limit=0 limit=1001 limit=abc limit= offset=-1 offset=x \
		orderBy=bogus orderBy= "slug=a&slug=b" unknown=1 tags=nocolon \
		tags=:x
	do
		api GET "/models?$q" &&
		expect_status 400 &&
		json_eq .message "\"Bad Request\"" || return 1
	done &&
	api GET "/models?limit=abc" &&
	json_eq .details "\"'"'"'limit'"'"' must be an integer from 1 to 1000, got '"'"'abc'"'"'\"" &&
	api GET "/models?unknown=1" &&
	json_eq .details "\"unknown query parameter '"'"'unknown'"'"'\""
'

test_expect_success '400 for parameters an endpoint does not have' '
	api GET "/syncs?orderBy=name" &&
	expect_status 400 &&
	api GET "/syncs?name=x" &&
	expect_status 400 &&
	api GET "/sources?modelId=1" &&
	expect_status 400 &&
	api GET "/sources?tags=a:b" &&
	expect_status 400 &&
	api GET "/syncs?modelId=x" &&
	expect_status 400 &&
	api GET "/syncs?after=yesterday" &&
	expect_status 400 &&
	api GET "/models/1?limit=5" &&
	expect_status 400 &&
	api POST "/sources?skipColumnQuery=true" "{}" &&
	expect_status 400 &&
	api POST "/models?skipColumnQuery=maybe" "{}" &&
	expect_status 400
'

test_expect_success '400 for a body that is not JSON' '
	api POST /models "{\"name\":" &&
	expect_status 400 &&
	json_eq .message "\"Bad Request\"" &&
	expect_json ".details | startswith(\"request body: \")" &&
	api PATCH /models/1 "[1, 2" &&
	expect_status 400
'

test_expect_success '400 for an empty body where the API needs one' '
	api GET /models/1 &&
	cp body before &&
	api PATCH /models/1 &&
	expect_status 400 &&
	json_eq . "{\"message\":\"Bad Request\",\"details\":\"request body: empty, a JSON object is required\"}" &&
	api PATCH /models/1 "" &&
	expect_status 400 &&
	api POST /models "" &&
	expect_status 400 &&
	api POST /syncs/trigger &&
	expect_status 400 &&
	api GET /models/1 &&
	test_cmp before body &&
	api PATCH /models/1 "{}" &&
	expect_status 200 &&
	test_cmp before body &&
	api POST /syncs/1/trigger &&
	expect_status 200
'

# send CONTENT-TYPE METHOD PATH BODY: like api, with that Content-Type
# header ("" for none at all).
send() {
	rm -f body status &&
	printf "%s" "$4" >request-body &&
	curl -sS -g -o body -w "%{http_code}" -X "$2" \
		-H @"$TRASH_DIRECTORY/.keys/api-header" \
		-H "Content-Type:${1:+ $1}" --data-binary @request-body \
		"$EMU_URL/api/v1$3" >status
}

test_expect_success '415 for a body that is not sent as application/json' '
	api GET /models/1 &&
	cp body before &&
	send text/plain PATCH /models/1 "{\"name\":\"plain\"}" &&
	expect_status 415 &&
	json_eq . "{\"message\":\"Unsupported Media Type\",\"details\":\"request bodies must be application/json, not '"'"'text/plain'"'"'\"}" &&
	send application/x-www-form-urlencoded PATCH /models/1 \
		"{\"name\":\"form\"}" &&
	expect_status 415 &&
	send "" PATCH /models/1 "{\"name\":\"none\"}" &&
	expect_status 415 &&
	json_eq .details "\"request bodies must be application/json (no Content-Type was given)\"" &&
	send text/plain POST /sources "{}" &&
	expect_status 415 &&
	send text/plain POST /syncs/1/trigger "{\"fullResync\":true}" &&
	expect_status 415 &&
	send "application/jsonx" POST /syncs/trigger "{\"syncId\":1}" &&
	expect_status 415 &&
	api GET /models/1 &&
	test_cmp before body &&
	send "Application/JSON; charset=utf-8" PATCH /models/1 "{}" &&
	expect_status 200 &&
	test_cmp before body
'

test_expect_success '400 for a body nested too deep' '
	deep=$(printf "%0.s[" $(seq 1 100)) &&
	api POST /models "$deep" &&
	expect_status 400 &&
	expect_json ".details | contains(\"nesting deeper than 64\")"
'

test_expect_success '422 for a body that is not an object' '
	api POST /models "[]" &&
	expect_status 422 &&
	json_eq . "{\"message\":\"Validation failed\",\"details\":{\"requestBody\":{\"message\":\"the request body must be a JSON object, got array\"}}}"
'

test_expect_success '413 for a body over 8 MiB' '
	{
		printf "{\"name\":\"" &&
		head -c 9000000 /dev/zero | tr "\0" a &&
		printf "\"}"
	} >big.json &&
	api POST /models @big.json &&
	expect_status 413 &&
	json_eq .message "\"Payload Too Large\""
'

test_expect_success '500: the body is the JSON string "Internal Server Error"' '
	admin POST /faults "{\"path\":\"/api/v1/models\",\"status\":500}" &&
	expect_status 200 &&
	api GET /models &&
	expect_status 500 &&
	test "$(cat body)" = "\"Internal Server Error\"" &&
	api GET /models &&
	expect_status 200
'

test_expect_success 'the emulator stops cleanly' '
	emulator_stop
'

test_done
