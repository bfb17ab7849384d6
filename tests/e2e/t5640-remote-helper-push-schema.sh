#!/bin/sh

test_description='git-remote-hightouch: git push of the Customer Studio schema'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# get KIND-PATH SLUG: the one resource of that slug, to ./body (admin
# reads: not in the request log).
get() {
	admin GET "/resources/$1?slug=$2" && expect_status 200 &&
	json_eq ".data | length" 1 &&
	jq ".data[0]" body >one &&
	mv one body
}

# refused DIR: a push from DIR fails validation; its error lines (in
# ./errors) are checked by the caller; nothing is written and the
# remote-tracking branch stays where it was.
refused() {
	git -C "$1" rev-parse origin/main >before &&
	ht_requests_reset &&
	test_must_fail git -C "$1" push origin main 2>err &&
	grep "! \[remote rejected\] *main -> main (validation failed: " err &&
	grep ": error: " err >errors &&
	writes w &&
	test ! -s w &&
	git -C "$1" rev-parse origin/main >after &&
	test_cmp before after
}

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" c &&
	(
		cd c &&
		cat >schema/parent-models/households.yaml <<-\EOF &&
		name: Households
		source: snowflake
		type: table
		tableName: households
		isSchema: true
		primaryKey: household_id
		primaryLabel: address
		EOF
		cat >schema/related-models/devices.yaml <<-\EOF &&
		name: Devices
		source: postgres
		type: raw_sql
		rawSql: |
		  select *
		    from devices
		isSchema: true
		primaryKey: device_id
		EOF
		cat >schema/event-models/logins.yaml <<-\EOF &&
		name: Logins
		source: snowflake
		type: table
		tableName: logins
		isSchema: true
		primaryKey: id
		timestampColumn: logged_in_at
		EOF
		cat >schema/model-relationships/households-devices.yaml <<-\EOF &&
		from: households
		to: devices
		cardinality: one-to-many
		joinKeys:
		  - from: household_id
		    to: household_id
		EOF
		cat >schema/model-relationships/people-logins.yaml <<-\EOF &&
		from: people
		to: logins
		cardinality: one-to-many
		joinKeys:
		  - from: id
		    to: person_id
		  - from: org
		    to: org_id
		EOF
		cat >syncs/households-to-braze.yaml <<-\EOF &&
		model: households
		destination: braze
		config:
		  mode: upsert
		  object: households
		schedule:
		  type: manual
		schedulePaused: false
		EOF
		sed -i "s/^secondaryLabel: name$/secondaryLabel: full_name/" \
			schema/parent-models/people.yaml &&
		sed -i "s/^cardinality: one-to-many$/cardinality: one-to-one/" \
			schema/model-relationships/people-purchases.yaml &&
		git add . &&
		git commit -q -m "Households, devices and logins"
	)
'

test_expect_success 'dry-run: the plan, models, then relationships, then syncs' '
	ht_requests_reset &&
	git -C c push --dry-run origin main 2>err &&
	cat >expect <<-\EOF &&
	Would push to workspace '"'"'test'"'"':
	  create event-model '"'"'logins'"'"' (schema/event-models/logins.yaml)
	    name: "Logins"
	    source: "snowflake"
	    type: "table"
	    tableName: "logins"
	    isSchema: true
	    primaryKey: "id"
	    timestampColumn: "logged_in_at"
	  create parent-model '"'"'households'"'"' (schema/parent-models/households.yaml)
	    name: "Households"
	    source: "snowflake"
	    type: "table"
	    tableName: "households"
	    isSchema: true
	    primaryKey: "household_id"
	    primaryLabel: "address"
	  update parent-model '"'"'people'"'"': secondaryLabel
	    secondaryLabel: "name" -> "full_name"
	  create related-model '"'"'devices'"'"' (schema/related-models/devices.yaml)
	    name: "Devices"
	    source: "postgres"
	    type: "raw_sql"
	    rawSql: "select *\n  from devices\n"
	    isSchema: true
	    primaryKey: "device_id"
	  create relationship '"'"'households-devices'"'"' (schema/model-relationships/households-devices.yaml)
	    from: "households"
	    to: "devices"
	    cardinality: "one-to-many"
	    joinKeys: [{"from":"household_id","to":"household_id"}]
	  create relationship '"'"'people-logins'"'"' (schema/model-relationships/people-logins.yaml)
	    from: "people"
	    to: "logins"
	    cardinality: "one-to-many"
	    joinKeys: [{"from":"id","to":"person_id"},{"from":"org","to":"org_id"…
	  update relationship '"'"'people-purchases'"'"': cardinality
	    cardinality: "one-to-many" -> "one-to-one"
	  create sync '"'"'households-to-braze'"'"' (syncs/households-to-braze.yaml)
	EOF
	sed -n "/^Would push/,/^  create sync/p" err >actual &&
	test_cmp expect actual &&
	writes w &&
	test ! -s w
'

test_expect_success 'push: exactly these writes, in this order' '
	ht_requests_reset &&
	git -C c push origin main 2>err &&
	grep "main -> main" err &&
	writes actual &&
	cat >expect <<-\EOF &&
	POST /api/v1/schema/event-models
	POST /api/v1/schema/parent-models
	PATCH /api/v1/schema/parent-models/10
	POST /api/v1/schema/related-models
	POST /api/v1/schema/relationships
	POST /api/v1/schema/relationships
	PATCH /api/v1/schema/relationships/1
	POST /api/v1/syncs
	EOF
	test_cmp expect actual &&
	test "$(ht_request_count)" = 23 &&
	git -C c rev-parse HEAD >expect &&
	git -C c rev-parse origin/main >actual &&
	test_cmp expect actual
'

test_expect_success 'the workspace has the schema models' '
	get schema/parent-models households &&
	jq -c "[.name, .sourceId, .queryType, .table.name, .isSchema, .primaryKey, .primaryLabel, .secondaryLabel]" body >actual &&
	echo "[\"Households\",1,\"table\",\"households\",true,\"household_id\",\"address\",null]" >expect &&
	test_cmp expect actual &&
	jq -r .id body >households.id &&
	get schema/related-models devices &&
	jq -c "[.name, .sourceId, .queryType, .raw.sql, .isSchema, .primaryKey]" body >actual &&
	printf "%s\n" "[\"Devices\",2,\"raw_sql\",\"select *\\n  from devices\\n\",true,\"device_id\"]" >expect &&
	test_cmp expect actual &&
	jq -r .id body >devices.id &&
	get schema/event-models logins &&
	jq -c "[.name, .sourceId, .queryType, .table.name, .isSchema, .primaryKey, .timestampColumn]" body >actual &&
	echo "[\"Logins\",1,\"table\",\"logins\",true,\"id\",\"logged_in_at\"]" >expect &&
	test_cmp expect actual &&
	jq -r .id body >logins.id &&
	admin GET /resources/schema/parent-models/10 && expect_status 200 &&
	jq -c "[.name, .primaryLabel, .secondaryLabel]" body >actual &&
	echo "[\"People\",\"email\",\"full_name\"]" >expect &&
	test_cmp expect actual
'

test_expect_success 'schema models are models too, without their extension members' '
	admin GET "/resources/models?slug=households" && expect_status 200 &&
	json_eq ".data[0].id" "$(cat households.id)" &&
	json_eq ".data[0].isSchema" true &&
	json_eq ".data[0] | has(\"primaryLabel\")" false &&
	admin GET "" && expect_status 200 &&
	json_eq ".counts.models" 11
'

test_expect_success 'the relationships and the sync name the models just made' '
	get schema/relationships households-devices &&
	jq -c "[.fromModelId, .toModelId, .cardinality, .joinKeys]" body >actual &&
	printf "[%s,%s,\"one-to-many\",[{\"from\":\"household_id\",\"to\":\"household_id\"}]]\n" \
		"$(cat households.id)" "$(cat devices.id)" >expect &&
	test_cmp expect actual &&
	get schema/relationships people-logins &&
	jq -c "[.fromModelId, .toModelId, .cardinality, .joinKeys]" body >actual &&
	printf "[10,%s,\"one-to-many\",[{\"from\":\"id\",\"to\":\"person_id\"},{\"from\":\"org\",\"to\":\"org_id\"}]]\n" \
		"$(cat logins.id)" >expect &&
	test_cmp expect actual &&
	admin GET /resources/schema/relationships/1 && expect_status 200 &&
	jq -c "[.fromModelId, .toModelId, .cardinality]" body >actual &&
	echo "[10,11,\"one-to-one\"]" >expect &&
	test_cmp expect actual &&
	get syncs households-to-braze &&
	jq -c "[.modelId, .destinationId, .configuration, .schedule, .disabled]" body >actual &&
	printf "[%s,2,{\"mode\":\"upsert\",\"object\":\"households\"},null,false]\n" \
		"$(cat households.id)" >expect &&
	test_cmp expect actual
'

test_expect_success 'the next fetch brings no new commit, in 8 requests' '
	ht_requests_reset &&
	git -C c fetch 2>err &&
	git -C c rev-parse HEAD >expect &&
	git -C c rev-parse origin/main >actual &&
	test_cmp expect actual &&
	test "$(ht_request_count)" = 8 &&
	git -C c status --porcelain >actual &&
	test ! -s actual
'

test_expect_success 'another clone has the same schema files' '
	git clone -q "$HT_URL" other &&
	git -C c ls-files schema >expect &&
	git -C other ls-files schema >actual &&
	test_cmp expect actual &&
	for f in $(cat expect)
	do
		test_cmp c/$f other/$f || return 1
	done
'

test_expect_success 'a relationship naming a model that does not exist' '
	cat >c/schema/model-relationships/people-ghosts.yaml <<-\EOF &&
	from: people
	to: ghosts
	cardinality: many-to-one
	joinKeys:
	  - from: ghost_id
	    to: id
	EOF
	git -C c add schema &&
	git -C c commit -q -m ghosts &&
	refused c &&
	cat >expect <<-\EOF &&
	schema/model-relationships/people-ghosts.yaml:2:5: error: model '"'"'ghosts'"'"' not found: no model file has that slug [unresolved-reference]
	EOF
	test_cmp expect errors &&
	grep "(validation failed: 1 error, nothing was pushed)" err &&
	git -C c reset -q --hard HEAD^
'

test_expect_success 'a relationship naming a model this push fails to create' '
	sed "s/^primaryKey: id$/primaryKey: [id]/" \
		c/schema/event-models/logins.yaml >c/schema/event-models/clicks.yaml &&
	sed "s/^to: logins$/to: clicks/" \
		c/schema/model-relationships/people-logins.yaml \
		>c/schema/model-relationships/people-clicks.yaml &&
	git -C c add schema &&
	git -C c commit -q -m clicks &&
	refused c &&
	cat >expect <<-\EOF &&
	schema/event-models/clicks.yaml:6:13: error: field '"'"'primaryKey'"'"' must be a string, got list [wrong-type]
	EOF
	test_cmp expect errors &&
	git -C c reset -q --hard HEAD^
'

test_expect_success 'a schema model in the folder of another kind' '
	cp c/schema/parent-models/people.yaml c/schema/related-models/people.yaml &&
	git -C c add schema &&
	git -C c commit -q -m "people, twice" &&
	refused c &&
	cat >expect <<-\EOF &&
	schema/related-models/people.yaml:1:1: error: model slug '"'"'people'"'"' is also used by '"'"'schema/parent-models/people.yaml'"'"' [duplicate-slug]
	EOF
	test_cmp expect errors &&
	git -C c reset -q --hard HEAD^
'

test_expect_success 'a schema model moved to the folder of another kind' '
	git -C c mv schema/related-models/purchases.yaml \
		schema/event-models/purchases.yaml &&
	git -C c commit -q -m "purchases as events" &&
	refused c &&
	cat >expect <<-\EOF &&
	schema/event-models/purchases.yaml:1:1: error: missing field '"'"'timestampColumn'"'"' [missing-field]
	schema/event-models/purchases.yaml:1:1: error: slug '"'"'purchases'"'"' is taken by the related-model in workspace '"'"'test'"'"' [duplicate-slug]
	EOF
	test_cmp expect errors &&
	grep "^warning: schema/related-models/purchases.yaml was renamed: related-model .purchases. remains in workspace .test." err &&
	grep "(validation failed: 2 errors, nothing was pushed)" err &&
	git -C c reset -q --hard HEAD^
'

test_expect_success 'one slug in models/ and schema/, or an audience slug' '
	cp c/schema/related-models/devices.yaml c/models/gadgets.yaml &&
	cp c/schema/related-models/devices.yaml \
		c/schema/related-models/gadgets.yaml &&
	cp c/schema/parent-models/households.yaml \
		c/schema/parent-models/big-spenders.yaml &&
	git -C c add models schema &&
	git -C c commit -q -m "gadgets, twice" &&
	refused c &&
	cat >expect <<-\EOF &&
	models/gadgets.yaml:1:1: error: model slug '"'"'gadgets'"'"' is also used by '"'"'schema/related-models/gadgets.yaml'"'"' [duplicate-slug]
	schema/parent-models/big-spenders.yaml:1:1: error: slug '"'"'big-spenders'"'"' is taken by an audience in workspace '"'"'test'"'"' [duplicate-slug]
	schema/related-models/gadgets.yaml:1:1: error: model slug '"'"'gadgets'"'"' is also used by '"'"'models/gadgets.yaml'"'"' [duplicate-slug]
	EOF
	test_cmp expect errors &&
	git -C c reset -q --hard HEAD^
'

test_expect_success 'a server without the schema extension: schema files are refused' '
	test_when_finished ht_faults_clear &&
	ht_fault "{\"path\": \"/api/v1/schema\", \"status\": 404, \"count\": 1000}" &&
	git clone "$HT_URL" plain 2>err &&
	grep "^Schema sync is unavailable on this server" err &&
	! git -C plain ls-files | grep "^schema/" &&
	mkdir -p plain/schema/parent-models plain/schema/model-relationships &&
	cp c/schema/parent-models/households.yaml \
		plain/schema/parent-models/towns.yaml &&
	sed "s/^to: devices$/to: towns/" \
		c/schema/model-relationships/households-devices.yaml \
		>plain/schema/model-relationships/households-towns.yaml &&
	sed -i "s/^name: Households$/name: All households/" \
		plain/models/households.yaml &&
	git -C plain add . &&
	git -C plain commit -q -m towns &&
	refused plain &&
	cat >expect <<-\EOF &&
	schema/model-relationships/households-towns.yaml:1:1: error: schema sync is unavailable on this server: schema/model-relationships/households-towns.yaml cannot be pushed [schema-unavailable]
	schema/parent-models/towns.yaml:1:1: error: schema sync is unavailable on this server: schema/parent-models/towns.yaml cannot be pushed [schema-unavailable]
	EOF
	test_cmp expect errors &&
	! grep schema all
'

test_expect_success 'the extension gone since the last fetch: fetch first' '
	test_when_finished ht_faults_clear &&
	sed -i "s/^name: People$/name: All people/" \
		c/schema/parent-models/people.yaml &&
	git -C c commit -q -am "all people" &&
	ht_fault "{\"path\": \"/api/v1/schema\", \"status\": 404, \"count\": 1000}" &&
	ht_requests_reset &&
	test_must_fail git -C c push origin main 2>err &&
	grep "! \[rejected\] *main -> main (fetch first)" err &&
	writes w &&
	test ! -s w &&
	admin GET /resources/schema/parent-models/10 && expect_status 200 &&
	json_eq .name "\"People\""
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
