#!/bin/sh

test_description='hightouch-emulator: the Customer Studio schema extension'

# shellcheck disable=SC1091
. ./test-lib.sh

# smodel SLUG [MORE-MEMBERS]
smodel() {
	printf '{"name":"%s","slug":"%s","sourceId":1,"queryType":"raw_sql","raw":{"sql":"select * from %s"},"primaryKey":"id"%s}' \
		"$1" "$1" "$1" "${2:+,$2}"
}

model_keys='"id","name","slug","description","workspaceId","primaryKey","createdAt","updatedAt","sourceId","queryType","tags","isSchema","raw","syncs","lastRunSize"'

test_expect_success 'setup' '
	emulator_start &&
	api POST /sources "{\"name\":\"S\",\"slug\":\"s\",\"type\":\"snowflake\",\"configuration\":{}}" &&
	api POST /models "{\"name\":\"plain\",\"slug\":\"plain\",\"sourceId\":1,\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":false,\"primaryKey\":\"id\"}" &&
	expect_status 200
'

test_expect_success 'create a parent model: a Model plus its labels' '
	api POST /schema/parent-models "$(smodel customers "\"primaryLabel\":\"email\",\"secondaryLabel\":\"name\"")" &&
	expect_status 200 &&
	json_eq keys_unsorted "[$model_keys,\"primaryLabel\",\"secondaryLabel\"]" &&
	json_eq "[.id,.isSchema,.primaryLabel,.secondaryLabel]" "[2,true,\"email\",\"name\"]"
'

test_expect_success 'it is a model with isSchema in /models, without labels' '
	api GET /models/2 &&
	expect_status 200 &&
	json_eq keys_unsorted "[$model_keys]" &&
	api GET /models &&
	json_eq "[.data[] | [.slug, .isSchema]]" "[[\"plain\",false],[\"customers\",true]]"
'

test_expect_success 'each schema endpoint shows its own kind only' '
	api GET /schema/parent-models &&
	json_eq "[.data[].slug]" "[\"customers\"]" &&
	json_eq ".data[0].primaryLabel" "\"email\"" &&
	api GET /schema/related-models &&
	json_eq .data "[]" &&
	api GET /schema/parent-models/1 &&
	expect_status 404 &&
	json_eq .details "\"parent-model 1 not found\""
'

test_expect_success 'related and event models' '
	api POST /schema/related-models "$(smodel purchases)" &&
	expect_status 200 &&
	json_eq "[.id, .isSchema]" "[3,true]" &&
	json_eq keys_unsorted "[$model_keys]" &&
	api POST /schema/event-models "$(smodel page-views "\"timestampColumn\":\"viewed_at\",\"isSchema\":true")" &&
	expect_status 200 &&
	json_eq "[.id, .timestampColumn]" "[4,\"viewed_at\"]"
'

test_expect_success '422: event models need a timestamp column' '
	api POST /schema/event-models "$(smodel clicks)" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.timestampColumn\"]"
'

test_expect_success '422: schema models have isSchema true' '
	api POST /schema/parent-models "$(smodel p2 "\"isSchema\":false")" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.isSchema\":{\"message\":\"'"'"'isSchema'"'"' must be true for a parent-model\"}}" &&
	api PATCH /models/2 "{\"isSchema\":false}" &&
	expect_status 422
'

test_expect_success '422: labels are not Model fields; visual is not a schema type' '
	api POST /models "$(smodel p3 "\"isSchema\":true,\"primaryLabel\":\"x\"")" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.primaryLabel\"]" &&
	api POST /schema/parent-models "{\"name\":\"v\",\"slug\":\"v\",\"sourceId\":1,\"queryType\":\"visual\",\"visual\":{\"filter\":{},\"parentId\":2},\"primaryKey\":\"id\"}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.queryType\",\"requestBody.visual\"]"
'

test_expect_success '409: slugs are shared by every kind of model' '
	api POST /schema/parent-models "$(smodel plain)" &&
	expect_status 409 &&
	api POST /models "{\"name\":\"x\",\"slug\":\"customers\",\"sourceId\":1,\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":false,\"primaryKey\":\"id\"}" &&
	expect_status 409
'

test_expect_success 'update labels; an update through /models keeps them' '
	api PATCH /schema/parent-models/2 "{\"secondaryLabel\":\"full_name\"}" &&
	expect_status 200 &&
	json_eq .secondaryLabel "\"full_name\"" &&
	api PATCH /models/2 "{\"name\":\"Customers\"}" &&
	expect_status 200 &&
	json_eq "has(\"primaryLabel\")" false &&
	api GET /schema/parent-models/2 &&
	json_eq "[.name, .primaryLabel, .secondaryLabel]" "[\"Customers\",\"email\",\"full_name\"]" &&
	api PATCH /models/2 "{\"primaryLabel\":\"x\"}" &&
	expect_status 422 &&
	api PATCH /schema/parent-models/2 "{\"sourceId\":1}" &&
	expect_status 422
'

test_expect_success 'create a relationship: its shape' '
	api POST /schema/relationships "{\"slug\":\"customer-purchases\",\"fromModelId\":2,\"toModelId\":\"3\",\"cardinality\":\"one-to-many\",\"joinKeys\":[{\"from\":\"id\",\"to\":\"customer_id\"}]}" &&
	expect_status 200 &&
	cp body created &&
	json_eq keys_unsorted "[\"id\",\"slug\",\"fromModelId\",\"toModelId\",\"cardinality\",\"joinKeys\",\"createdAt\",\"updatedAt\"]" &&
	json_eq "[.id,.fromModelId,.toModelId]" "[1,2,3]" &&
	api GET /schema/relationships/1 &&
	test_cmp created body &&
	api GET /schema/relationships &&
	json_eq ".data | length" 1
'

test_expect_success '422 for bad relationships' '
	api POST /schema/relationships "{\"slug\":\"r\",\"fromModelId\":999,\"toModelId\":3,\"cardinality\":\"many-to-many\",\"joinKeys\":[]}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.cardinality\",\"requestBody.joinKeys\"]" &&
	api POST /schema/relationships "{\"slug\":\"r\",\"fromModelId\":999,\"toModelId\":3,\"cardinality\":\"one-to-one\",\"joinKeys\":[{\"from\":\"a\",\"to\":1,\"op\":\"=\"}]}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.joinKeys[0].op\",\"requestBody.joinKeys[0].to\"]" &&
	api POST /schema/relationships "{\"slug\":\"r\",\"fromModelId\":999,\"toModelId\":3,\"cardinality\":\"one-to-one\",\"joinKeys\":[{\"from\":\"a\",\"to\":\"b\"}]}" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.fromModelId\":{\"message\":\"model 999 does not exist\"}}" &&
	api POST /schema/relationships "{}" &&
	json_eq ".details | keys" "[\"requestBody.cardinality\",\"requestBody.fromModelId\",\"requestBody.joinKeys\",\"requestBody.slug\",\"requestBody.toModelId\"]"
'

test_expect_success 'update a relationship; its slug is immutable' '
	api PATCH /schema/relationships/1 "{\"cardinality\":\"one-to-one\",\"joinKeys\":[{\"from\":\"id\",\"to\":\"cid\"},{\"from\":\"a\",\"to\":\"b\"}],\"toModelId\":4}" &&
	expect_status 200 &&
	json_eq "[.cardinality, (.joinKeys | length), .toModelId]" "[\"one-to-one\",2,4]" &&
	api PATCH /schema/relationships/1 "{\"slug\":\"x\"}" &&
	expect_status 422 &&
	api PATCH /schema/relationships/1 "{\"toModelId\":99}" &&
	expect_status 422 &&
	api POST /schema/relationships "{\"slug\":\"customer-purchases\",\"fromModelId\":2,\"toModelId\":3,\"cardinality\":\"one-to-many\",\"joinKeys\":[{\"from\":\"id\",\"to\":\"c\"}]}" &&
	expect_status 409
'

test_expect_success 'relationship lists: no name to order or filter by' '
	api GET "/schema/relationships?orderBy=name" &&
	expect_status 400 &&
	api GET "/schema/relationships?name=x" &&
	expect_status 400 &&
	api GET "/schema/relationships?slug=customer-purchases&orderBy=updatedAt" &&
	json_eq "[.data[].id]" "[1]"
'

test_expect_success 'no DELETE on the schema endpoints either' '
	api DELETE /schema/relationships/1 &&
	expect_status 404 &&
	api DELETE /schema/parent-models/2 &&
	expect_status 404
'

test_expect_success 'the emulator stops cleanly' '
	emulator_stop
'

test_done
