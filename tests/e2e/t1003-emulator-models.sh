#!/bin/sh

test_description='hightouch-emulator: models'

# shellcheck disable=SC1091
. ./test-lib.sh

model() {
	# model SLUG QUERYTYPE QUERY-MEMBERS [MORE-JSON-MEMBERS]
	printf '{"name":"M %s","slug":"%s","sourceId":1,"queryType":"%s",%s"isSchema":false,"primaryKey":"id"%s}' \
		"$1" "$1" "$2" "$3" "${4:+,$4}"
}

test_expect_success 'setup' '
	emulator_start &&
	api POST /sources "{\"name\":\"S\",\"slug\":\"s\",\"type\":\"snowflake\",\"configuration\":{}}" &&
	expect_status 200
'

test_expect_success 'create a raw_sql model: the Model shape' '
	api POST /models "$(model users raw_sql "\"raw\":{\"sql\":\"select *\\nfrom users\"},")" &&
	expect_status 200 &&
	cp body created &&
	json_eq keys_unsorted "[\"id\",\"name\",\"slug\",\"description\",\"workspaceId\",\"primaryKey\",\"createdAt\",\"updatedAt\",\"sourceId\",\"queryType\",\"tags\",\"isSchema\",\"raw\",\"syncs\",\"lastRunSize\"]" &&
	json_eq "[.id,.description,.tags,.isSchema,.syncs,.lastRunSize]" "[1,\"\",{},false,[],null]" &&
	json_eq .raw "{\"sql\":\"select *\\nfrom users\"}" &&
	api GET /models/1 &&
	test_cmp created body
'

test_expect_success 'ids may come as strings of digits' '
	api POST /models "{\"name\":\"n\",\"slug\":\"str-id\",\"sourceId\":\"1\",\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":false,\"primaryKey\":\"id\"}" &&
	expect_status 200 &&
	json_eq .sourceId 1
'

test_expect_success 'skipColumnQuery is accepted on create' '
	api POST "/models?skipColumnQuery=true" "$(model skip table "\"table\":{\"name\":\"t\"},")" &&
	expect_status 200
'

test_expect_success '422: the source must exist' '
	api POST /models "{\"name\":\"n\",\"slug\":\"nosrc\",\"sourceId\":99,\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":false,\"primaryKey\":\"id\"}" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.sourceId\":{\"message\":\"source 99 does not exist\"}}"
'

test_expect_success '422: ModelCreate requires isSchema and primaryKey' '
	api POST /models "{\"name\":\"n\",\"slug\":\"x\",\"sourceId\":1,\"queryType\":\"table\",\"table\":{\"name\":\"t\"}}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.isSchema\",\"requestBody.primaryKey\"]"
'

test_expect_success 'primaryKey may be null' '
	api POST /models "{\"name\":\"n\",\"slug\":\"nopk\",\"sourceId\":1,\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":false,\"primaryKey\":null}" &&
	expect_status 200 &&
	json_eq .primaryKey null
'

test_expect_success '422: queryType must be a known one' '
	api POST /models "$(model bad tabel "\"table\":{\"name\":\"t\"},")" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.queryType\":{\"message\":\"'"'"'queryType'"'"' must be one of '"'"'raw_sql'"'"', '"'"'table'"'"', '"'"'dbt'"'"', '"'"'custom'"'"', '"'"'visual'"'"', '"'"'dbt_cloud'"'"'\"}}"
'

test_expect_success '422: the query key must match queryType' '
	api POST /models "$(model q1 raw_sql "")" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.raw\":{\"message\":\"'"'"'raw'"'"' is required with queryType '"'"'raw_sql'"'"'\"}}" &&
	api POST /models "$(model q2 raw_sql "\"raw\":{\"sql\":\"s\"},\"table\":{\"name\":\"t\"},")" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.table\":{\"message\":\"'"'"'table'"'"' is not allowed with queryType '"'"'raw_sql'"'"'\"}}"
'

test_expect_success 'other query keys may be null' '
	api POST /models "$(model q3 raw_sql "\"raw\":{\"sql\":\"s\"},\"table\":null,\"custom\":null,")" &&
	expect_status 200 &&
	json_eq "has(\"table\")" false
'

test_expect_success '422: query objects are closed and typed' '
	api POST /models "$(model q4 raw_sql "\"raw\":{\"sql\":1,\"dialect\":\"x\"},")" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.raw.sql\":{\"message\":\"'"'"'raw.sql'"'"' must be a string, got number\"},\"requestBody.raw.dialect\":{\"message\":\"'"'"'raw.dialect'"'"' is an excess property and therefore is not allowed\"}}" &&
	api POST /models "$(model q5 raw_sql "\"raw\":{},")" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.raw.sql\":{\"message\":\"'"'"'raw.sql'"'"' is required\"}}"
'

test_expect_success '422: description and tags are not settable' '
	api POST /models "$(model q6 table "\"table\":{\"name\":\"t\"}," "\"description\":\"d\",\"tags\":{\"a\":\"b\"}")" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.description\",\"requestBody.tags\"]"
'

test_expect_success 'dbt models: the response carries the dbt details' '
	api POST /models "$(model orders dbt "\"dbt\":{\"modelId\":42},")" &&
	expect_status 200 &&
	json_eq ".dbt | keys_unsorted" "[\"dbtUniqueId\",\"compiledSql\",\"rawSql\",\"database\",\"schema\",\"name\",\"modelId\"]" &&
	json_eq .dbt.modelId 42 &&
	id=$(jq .id body) &&
	api PATCH /models/$id "{\"dbt\":{\"modelId\":43}}" &&
	expect_status 200 &&
	json_eq "[.dbt.modelId, .dbt.name]" "[43,\"dbt_model_43\"]" &&
	api POST /models "$(model orders2 dbt "\"dbt\":{\"modelId\":42,\"name\":\"x\"},")" &&
	expect_status 422
'

test_expect_success 'custom models take any query' '
	api POST /models "$(model airtable custom "\"custom\":{\"query\":{\"base\":\"app\",\"fields\":[\"a\",\"b\"]}},")" &&
	expect_status 200 &&
	json_eq .custom "{\"query\":{\"base\":\"app\",\"fields\":[\"a\",\"b\"]}}"
'

test_expect_success 'visual models (audiences) name an existing parent' '
	api POST /models "$(model audience visual "\"visual\":{\"filter\":{\"a\":1},\"parentId\":\"1\"},")" &&
	expect_status 200 &&
	json_eq .visual "{\"filter\":{\"a\":1},\"parentId\":1}" &&
	api POST /models "$(model audience2 visual "\"visual\":{\"filter\":{},\"parentId\":999},")" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.visual\":{\"message\":\"model 999 does not exist\"}}"
'

test_expect_success 'dbt_cloud models may be created, not updated' '
	api POST /models "$(model cloud dbt_cloud "\"dbt_cloud\":{\"modelId\":7},")" &&
	expect_status 200 &&
	json_eq ".dbt_cloud | keys_unsorted" "[\"dbtUniqueId\",\"compiledSql\",\"rawSql\",\"name\",\"modelId\"]" &&
	id=$(jq .id body) &&
	api PATCH /models/$id "{\"dbt_cloud\":{\"modelId\":8}}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.dbt_cloud\"]"
'

test_expect_success 'update name, primaryKey, isSchema, raw, folderId' '
	api PATCH /models/1 "{\"name\":\"Users!\",\"primaryKey\":\"user_id\",\"isSchema\":true,\"raw\":{\"sql\":\"select 2\"},\"folderId\":\"f-1\"}" &&
	expect_status 200 &&
	json_eq "[.name,.primaryKey,.isSchema,.raw.sql,.folderId]" "[\"Users!\",\"user_id\",true,\"select 2\",\"f-1\"]" &&
	json_eq keys_unsorted "[\"id\",\"name\",\"slug\",\"description\",\"workspaceId\",\"primaryKey\",\"createdAt\",\"updatedAt\",\"sourceId\",\"queryType\",\"tags\",\"isSchema\",\"folderId\",\"raw\",\"syncs\",\"lastRunSize\"]" &&
	api PATCH /models/1 "{\"folderId\":null}" &&
	expect_status 200 &&
	json_eq .folderId null
'

test_expect_success '422: slug, sourceId and queryType cannot be changed' '
	api PATCH /models/1 "{\"slug\":\"u\",\"sourceId\":1,\"queryType\":\"table\"}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.queryType\",\"requestBody.slug\",\"requestBody.sourceId\"]" &&
	json_eq ".details[\"requestBody.sourceId\"].message" "\"'"'"'sourceId'"'"' cannot be changed\""
'

test_expect_success '422: an update must keep the query key of its type' '
	api PATCH /models/1 "{\"table\":{\"name\":\"t\"}}" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.table\":{\"message\":\"'"'"'table'"'"' is not allowed with queryType '"'"'raw_sql'"'"'\"}}" &&
	api PATCH /models/1 "{\"raw\":null}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.raw\"]"
'

test_expect_success 'models with isSchema appear in /models only' '
	api GET "/models?slug=users" &&
	json_eq ".data[0].isSchema" true &&
	api GET /schema/parent-models &&
	json_eq .data "[]"
'

test_expect_success 'the emulator stops cleanly' '
	emulator_stop
'

test_done
