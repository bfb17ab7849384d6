#!/bin/sh

test_description='hightouch-emulator: sources and destinations'

# shellcheck disable=SC1091
. ./test-lib.sh

iso='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$'

test_expect_success 'setup' '
	emulator_start
'

test_expect_success 'create a source: 200 and the Source shape' '
	api POST /sources "{\"name\":\"Snowflake\",\"slug\":\"snowflake\",\"type\":\"snowflake\",\"configuration\":{\"account\":\"x\",\"auth\":{\"user\":\"u\"}}}" &&
	expect_status 200 &&
	cp body created &&
	json_eq keys_unsorted "[\"id\",\"name\",\"slug\",\"workspaceId\",\"createdAt\",\"updatedAt\",\"type\",\"configuration\"]" &&
	json_eq "[.id, .name, .slug, .workspaceId, .type]" "[1,\"Snowflake\",\"snowflake\",1,\"snowflake\"]" &&
	json_eq .configuration "{\"account\":\"x\",\"auth\":{\"user\":\"u\"}}" &&
	expect_json ".createdAt | test(\"$iso\")" &&
	expect_json ".createdAt == .updatedAt"
'

test_expect_success 'get it back, the same' '
	api GET /sources/1 &&
	expect_status 200 &&
	test_cmp created body
'

test_expect_success 'list: {"data": [...], "hasMore": false}' '
	api GET /sources &&
	expect_status 200 &&
	json_eq keys_unsorted "[\"data\",\"hasMore\"]" &&
	json_eq ".data | length" 1 &&
	json_eq .hasMore false &&
	jq -c ".data[0]" body >listed &&
	jq -c . created >expect &&
	test_cmp expect listed
'

test_expect_success '409 on a duplicate slug' '
	api POST /sources "{\"name\":\"Other\",\"slug\":\"snowflake\",\"type\":\"postgres\",\"configuration\":{}}" &&
	expect_status 409 &&
	json_eq . "{\"message\":\"Validation failed\",\"details\":{\"requestBody.slug\":{\"message\":\"slug '"'"'snowflake'"'"' is already in use\"}}}"
'

test_expect_success '422 for each missing required field' '
	api POST /sources "{}" &&
	expect_status 422 &&
	json_eq .message "\"Validation failed\"" &&
	json_eq ".details | keys" "[\"requestBody.configuration\",\"requestBody.name\",\"requestBody.slug\",\"requestBody.type\"]" &&
	json_eq ".details[\"requestBody.name\"]" "{\"message\":\"'"'"'name'"'"' is required\"}"
'

test_expect_success '422 for wrong types, unknown fields, bad slugs' '
	api POST /sources "{\"name\":5,\"slug\":\"-bad\",\"type\":\"pg\",\"configuration\":[],\"password\":\"x\"}" &&
	expect_status 422 &&
	json_eq ".details[\"requestBody.name\"].message" "\"'"'"'name'"'"' must be a string, got number\"" &&
	json_eq ".details[\"requestBody.configuration\"].message" "\"'"'"'configuration'"'"' must be an object, got array\"" &&
	json_eq ".details[\"requestBody.password\"].message" "\"'"'"'password'"'"' is an excess property and therefore is not allowed\"" &&
	expect_json ".details[\"requestBody.slug\"].message | startswith(\"'"'"'slug'"'"' must be 1 to 255 letters\")"
'

test_expect_success 'response-only fields are not accepted' '
	api POST /sources "{\"name\":\"a\",\"slug\":\"a\",\"type\":\"t\",\"configuration\":{},\"id\":7,\"workspaceId\":1,\"createdAt\":\"2024-01-01T00:00:00.000Z\"}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.createdAt\",\"requestBody.id\",\"requestBody.workspaceId\"]"
'

test_expect_success 'update the name and configuration' '
	api PATCH /sources/1 "{\"name\":\"Snowflake EU\",\"configuration\":{\"account\":\"y\"}}" &&
	expect_status 200 &&
	json_eq "[.name, .configuration.account, .slug]" "[\"Snowflake EU\",\"y\",\"snowflake\"]" &&
	jq -r .createdAt created >c1 &&
	jq -r .createdAt body >c2 &&
	test_cmp c1 c2 &&
	expect_json ".updatedAt > .createdAt"
'

test_expect_success 'slug and type cannot be changed (422)' '
	api PATCH /sources/1 "{\"slug\":\"x\",\"type\":\"postgres\"}" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.slug\":{\"message\":\"'"'"'slug'"'"' cannot be changed\"},\"requestBody.type\":{\"message\":\"'"'"'type'"'"' cannot be changed\"}}" &&
	api PATCH /sources/1 "{\"slug\":\"snowflake\"}" &&
	expect_status 422
'

test_expect_success 'a patch that changes nothing keeps updatedAt' '
	api GET /sources/1 &&
	cp body before &&
	api PATCH /sources/1 "{\"name\":\"Snowflake EU\"}" &&
	expect_status 200 &&
	test_cmp before body &&
	api PATCH /sources/1 "{}" &&
	expect_status 200 &&
	test_cmp before body
'

test_expect_success 'create a destination: the Destination shape' '
	api POST /destinations "{\"name\":\"HubSpot\",\"slug\":\"hubspot\",\"type\":\"hubspot\",\"configuration\":{\"portal\":1}}" &&
	expect_status 200 &&
	json_eq keys_unsorted "[\"id\",\"name\",\"slug\",\"workspaceId\",\"createdAt\",\"updatedAt\",\"type\",\"configuration\",\"syncs\"]" &&
	json_eq "[.id, .syncs]" "[1,[]]"
'

test_expect_success 'ids are per kind; slugs may repeat across kinds' '
	api POST /destinations "{\"name\":\"Snowflake\",\"slug\":\"snowflake\",\"type\":\"snowflake\",\"configuration\":{}}" &&
	expect_status 200 &&
	json_eq .id 2
'

test_expect_success 'a destination lists the syncs using it' '
	api POST /models "{\"name\":\"Users\",\"slug\":\"users\",\"sourceId\":1,\"queryType\":\"table\",\"table\":{\"name\":\"users\"},\"isSchema\":false,\"primaryKey\":\"id\"}" &&
	expect_status 200 &&
	for s in a b
	do
		api POST /syncs "{\"slug\":\"$s\",\"modelId\":1,\"destinationId\":1,\"configuration\":{},\"schedule\":null,\"disabled\":false}" &&
		expect_status 200 || return 1
	done &&
	api GET /destinations/1 &&
	json_eq .syncs "[1,2]" &&
	api GET /destinations/2 &&
	json_eq .syncs "[]"
'

test_expect_success 'destination rules match the source ones' '
	api POST /destinations "{\"name\":\"x\",\"slug\":\"hubspot\",\"type\":\"x\",\"configuration\":{}}" &&
	expect_status 409 &&
	api PATCH /destinations/1 "{\"type\":\"salesforce\"}" &&
	expect_status 422 &&
	api PATCH /destinations/1 "{\"syncs\":[]}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.syncs\"]" &&
	api PATCH /destinations/1 "{\"name\":\"HubSpot EU\"}" &&
	expect_status 200 &&
	json_eq "[.name, .syncs]" "[\"HubSpot EU\",[1,2]]"
'

test_expect_success 'the emulator stops cleanly' '
	emulator_stop
'

test_done
