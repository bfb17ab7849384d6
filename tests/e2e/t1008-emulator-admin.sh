#!/bin/sh

test_description='hightouch-emulator: the admin surface'

# shellcheck disable=SC1091
. ./test-lib.sh

test_expect_success 'setup' '
	hightouch-emulator generate --models 5 --syncs 6 --sources 2 \
		--destinations 2 --schema 1 >seed.json &&
	emulator_start --seed seed.json
'

test_expect_success 'GET /_emulator: workspace, settings and counts' '
	admin GET "" &&
	expect_status 200 &&
	json_eq . "{\"workspace\":\"test\",\"workspaceId\":1,\"settings\":{\"rateLimit\":\"200/10\",\"latencyMs\":0,\"orderDirection\":\"asc\",\"runDurationMs\":200,\"runStatus\":\"success\"},\"counts\":{\"sources\":2,\"destinations\":2,\"models\":9,\"syncs\":6,\"parentModels\":1,\"relatedModels\":2,\"eventModels\":1,\"relationships\":3}}"
'

test_expect_success 'settings: unknown and bad values are refused' '
	admin POST /settings "{\"speed\":1,\"latencyMs\":-1,\"runStatus\":\"queued\",\"orderDirection\":\"up\"}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.latencyMs\",\"requestBody.orderDirection\",\"requestBody.runStatus\",\"requestBody.speed\"]" &&
	admin GET /settings &&
	json_eq .latencyMs 0 &&
	admin POST /settings "[]" &&
	expect_status 422
'

test_expect_success 'export, seed, export: the same bytes' '
	admin GET /export &&
	expect_status 200 &&
	cp body export1 &&
	json_eq "[.workspaceId, (.models | length), (.parentModels[0] | has(\"primaryLabel\"))]" "[1,5,true]" &&
	admin POST /seed @export1 &&
	expect_status 200 &&
	json_eq .counts.syncs 6 &&
	admin GET /export &&
	test_cmp export1 body
'

test_expect_success 'a seed replaces the workspace' '
	echo "{\"workspaceId\":7,\"sources\":[{\"name\":\"S\",\"slug\":\"s\",\"type\":\"t\",\"configuration\":{}}]}" >small.json &&
	admin POST /seed @small.json &&
	expect_status 200 &&
	json_eq .counts "{\"sources\":1,\"destinations\":0,\"models\":0,\"syncs\":0,\"parentModels\":0,\"relatedModels\":0,\"eventModels\":0,\"relationships\":0}" &&
	api GET /sources &&
	json_eq "[.data[] | [.id, .workspaceId]]" "[[1,7]]"
'

test_expect_success '422 for bad seeds, with the path of each problem' '
	admin POST /seed "{\"models\":[{\"name\":\"m\",\"slug\":\"m\",\"sourceId\":5,\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":false,\"primaryKey\":\"id\"}],\"extra\":[]}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.extra\"]" &&
	admin POST /seed "{\"models\":[{\"name\":\"m\",\"slug\":\"m\",\"sourceId\":5,\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":false,\"primaryKey\":\"id\"}]}" &&
	expect_status 422 &&
	json_eq .details "{\"requestBody.models[0].sourceId\":{\"message\":\"source 5 does not exist in the seed\"}}" &&
	admin POST /seed "{\"sources\":[{\"id\":1,\"name\":\"a\",\"slug\":\"a\",\"type\":\"t\",\"configuration\":{}},{\"id\":1,\"name\":\"b\",\"slug\":\"a\",\"type\":\"t\",\"configuration\":{}}]}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.sources[1]\"]" &&
	admin POST /seed "{\"syncs\":{}}" &&
	expect_status 422 &&
	admin POST /seed "[]" &&
	expect_status 422 &&
	api GET /sources &&
	json_eq ".data | length" 1
'

test_expect_success 'create "as in the UI": description, tags, the user' '
	admin POST /resources/models "{\"name\":\"UI model\",\"slug\":\"ui-model\",\"sourceId\":1,\"queryType\":\"raw_sql\",\"raw\":{\"sql\":\"select 1\"},\"isSchema\":false,\"primaryKey\":\"id\",\"description\":\"Made in the UI\",\"tags\":{\"team\":\"growth\"},\"lastModifiedBy\":{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"}}" &&
	expect_status 200 &&
	api GET /models/1 &&
	json_eq "[.description, .tags, .lastModifiedBy]" "[\"Made in the UI\",{\"team\":\"growth\"},{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"}]" &&
	json_eq "keys_unsorted | last" "\"lastModifiedBy\""
'

test_expect_success 'a UI write without a user has a default one' '
	admin PATCH /resources/models/1 "{\"name\":\"UI model 2\"}" &&
	expect_status 200 &&
	json_eq .lastModifiedBy "{\"name\":\"Hightouch User\",\"email\":\"user@example.com\"}"
'

test_expect_success 'an API write drops lastModifiedBy' '
	api PATCH /models/1 "{\"name\":\"API name\"}" &&
	expect_status 200 &&
	json_eq "has(\"lastModifiedBy\")" false &&
	api PATCH /models/1 "{\"lastModifiedBy\":{\"name\":\"x\",\"email\":\"y\"}}" &&
	expect_status 422
'

test_expect_success 'the UI may change what the API cannot' '
	admin PATCH /resources/models/1 "{\"slug\":\"renamed\",\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"lastModifiedBy\":{\"name\":\"Bob\",\"email\":\"bob@example.com\"}}" &&
	expect_status 200 &&
	json_eq "[.slug, .queryType, .table, has(\"raw\"), .lastModifiedBy.name]" "[\"renamed\",\"table\",{\"name\":\"t\"},false,\"Bob\"]" &&
	admin PATCH /resources/models/1 "{\"queryType\":\"custom\"}" &&
	expect_status 422 &&
	json_eq ".details | keys" "[\"requestBody.custom\"]" &&
	admin POST /resources/models "{\"name\":\"x\",\"slug\":\"other\",\"sourceId\":1,\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":false,\"primaryKey\":\"id\"}" &&
	admin PATCH /resources/models/1 "{\"slug\":\"other\"}" &&
	expect_status 409 &&
	admin PATCH /resources/models/1 "{\"id\":5}" &&
	expect_status 422
'

test_expect_success 'admin GET lists and gets, and is not logged' '
	admin DELETE /requests &&
	admin GET /resources/models &&
	expect_status 200 &&
	json_eq "[.data[].slug]" "[\"renamed\",\"other\"]" &&
	admin GET /resources/models/2 &&
	json_eq .slug "\"other\"" &&
	admin GET /requests &&
	json_eq "[.total, .requests, .routes]" "[0,[],[]]"
'

test_expect_success 'delete: refused while in use, 409 naming the users' '
	admin POST /seed @export1 &&
	expect_status 200 &&
	admin DELETE /resources/models/1 &&
	expect_status 409 &&
	json_eq ".message" "\"Conflict\"" &&
	json_eq ".usedBy" "[{\"kind\":\"sync\",\"id\":1},{\"kind\":\"sync\",\"id\":6}]" &&
	admin DELETE /resources/sources/1 &&
	expect_status 409
'

test_expect_success 'delete with cascade: gone from gets, lists and counts' '
	api GET /destinations/1 &&
	jq -c .syncs body >syncs-before &&
	admin DELETE "/resources/models/1?cascade=true" &&
	expect_status 200 &&
	json_eq .deleted "[{\"kind\":\"sync\",\"id\":1,\"slug\":\"users-1-to-hubspot-1-1\"},{\"kind\":\"sync\",\"id\":6,\"slug\":\"users-1-to-salesforce-2-6\"},{\"kind\":\"model\",\"id\":1,\"slug\":\"users-1\"}]" &&
	api GET /models/1 &&
	expect_status 404 &&
	api GET /syncs/1 &&
	expect_status 404 &&
	api GET "/models?limit=1000" &&
	json_eq "[.data[].id] | index(1)" null &&
	api GET /destinations/1 &&
	json_eq .syncs "$(jq -c "map(select(. != 1 and . != 6))" syncs-before)" &&
	admin GET "" &&
	json_eq "[.counts.models, .counts.syncs]" "[8,4]"
'

test_expect_success 'deleting a schema model takes its relationships' '
	admin GET /resources/schema/parent-models &&
	pid=$(jq ".data[0].id" body) &&
	admin DELETE "/resources/schema/parent-models/$pid?cascade=true" &&
	expect_status 200 &&
	json_eq "[.deleted[].kind]" "[\"relationship\",\"relationship\",\"relationship\",\"parent-model\"]" &&
	api GET /schema/relationships &&
	json_eq .data "[]"
'

test_expect_success 'ids are not reused after a deletion' '
	api POST /sources "{\"name\":\"n\",\"slug\":\"new-source\",\"type\":\"t\",\"configuration\":{}}" &&
	expect_status 200 &&
	json_eq .id 3 &&
	admin DELETE /resources/sources/3 &&
	expect_status 200 &&
	api POST /sources "{\"name\":\"n\",\"slug\":\"new-source\",\"type\":\"t\",\"configuration\":{}}" &&
	json_eq .id 4
'

test_expect_success 'admin 404s' '
	admin DELETE /resources/models/999 &&
	expect_status 404 &&
	admin GET /resources/nothing &&
	expect_status 404 &&
	admin GET /nothing &&
	expect_status 404 &&
	admin PUT /seed "{}" &&
	expect_status 404
'

test_expect_success 'the request log: method, path, route, status, duration' '
	admin DELETE /requests &&
	expect_status 200 &&
	api GET "/models?limit=2" &&
	api GET /models/2 &&
	api GET /models/999 &&
	api POST /syncs "{}" &&
	admin GET /requests &&
	json_eq .total 4 &&
	json_eq "[.requests[] | [.seq, .method, .path, .route, .status]]" "[[1,\"GET\",\"/api/v1/models?limit=2\",\"/api/v1/models\",200],[2,\"GET\",\"/api/v1/models/2\",\"/api/v1/models/{id}\",200],[3,\"GET\",\"/api/v1/models/999\",\"/api/v1/models/{id}\",404],[4,\"POST\",\"/api/v1/syncs\",\"/api/v1/syncs\",422]]" &&
	expect_json "[.requests[].durationUs | type == \"number\" and . >= 0] | all" &&
	json_eq "[.routes[] | [.method, .route, .status, .count]]" "[[\"GET\",\"/api/v1/models\",200,1],[\"GET\",\"/api/v1/models/{id}\",200,1],[\"GET\",\"/api/v1/models/{id}\",404,1],[\"POST\",\"/api/v1/syncs\",422,1]]" &&
	expect_json ".routes[0] | has(\"totalUs\") and has(\"maxUs\")"
'

test_expect_success 'the request log from a sequence number on' '
	admin GET "/requests?since=3" &&
	json_eq "[.requests[].seq]" "[4]" &&
	admin GET "/requests?since=x" &&
	expect_status 400
'

test_expect_success 'reset: an empty workspace, log and faults' '
	admin POST /faults "{\"status\":503}" &&
	admin POST /reset &&
	expect_status 200 &&
	admin GET "" &&
	json_eq "[.counts[]] | add" 0 &&
	admin GET /requests &&
	json_eq .total 0 &&
	admin GET /faults &&
	json_eq .faults "[]" &&
	api GET /models &&
	expect_status 200
'

test_expect_success 'deleting a model takes the audiences built on it' '
	admin POST /resources/sources "{\"name\":\"S\",\"slug\":\"s\",\"type\":\"t\",\"configuration\":{}}" &&
	sid=$(jq .id body) &&
	admin POST /resources/models "{\"name\":\"P\",\"slug\":\"p\",\"sourceId\":$sid,\"queryType\":\"table\",\"table\":{\"name\":\"t\"},\"isSchema\":true,\"primaryKey\":\"id\"}" &&
	expect_status 200 &&
	pid=$(jq .id body) &&
	admin POST /resources/models "{\"name\":\"A\",\"slug\":\"a\",\"sourceId\":$sid,\"queryType\":\"visual\",\"visual\":{\"filter\":{},\"parentId\":$pid},\"isSchema\":false,\"primaryKey\":\"id\"}" &&
	expect_status 200 &&
	aid=$(jq .id body) &&
	admin DELETE /resources/models/$pid &&
	expect_status 409 &&
	json_eq .usedBy "[{\"kind\":\"model\",\"id\":$aid}]" &&
	admin DELETE "/resources/models/$pid?cascade=true" &&
	expect_status 200 &&
	json_eq "[.deleted[].id]" "[$aid,$pid]"
'

test_expect_success 'the emulator stops cleanly' '
	emulator_stop
'

test_done
