#!/bin/sh

test_description='git-remote-hightouch: git push, dry-run, plan, requests'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" c &&
	(
		cd c &&
		sed -i "s/^  from users$/  from users u/" models/users.yaml &&
		cat >models/leads.yaml <<-\EOF &&
		name: Leads
		source: postgres
		type: table
		tableName: leads
		isSchema: false
		primaryKey: id
		EOF
		cat >syncs/leads-to-hubspot.yaml <<-\EOF &&
		model: leads
		destination: hubspot
		description: kept in the file
		config:
		  mode: upsert
		  object: contacts
		schedule:
		  type: manual
		schedulePaused: true
		EOF
		sed -i "s/^  object: contacts$/  object: companies/" \
			syncs/users-to-hubspot.yaml &&
		git add . &&
		git commit -q -m "Leads, and users by alias u"
	)
'

test_expect_success 'dry-run prints the plan and writes nothing' '
	ht_requests_reset &&
	git -C c push --dry-run origin main 2>err &&
	cat >expect <<-\EOF &&
	Would push to workspace '"'"'test'"'"':
	  create model '"'"'leads'"'"' (models/leads.yaml)
	    name: "Leads"
	    source: "postgres"
	    type: "table"
	    tableName: "leads"
	    isSchema: false
	    primaryKey: "id"
	  update model '"'"'users'"'"': rawSql
	    rawSql: "select *\nfrom users\nwhere deleted_at is null\n" -> "select *\nfrom users u\nwhere deleted_at is null\n"
	  create sync '"'"'leads-to-hubspot'"'"' (syncs/leads-to-hubspot.yaml)
	    model: "leads"
	    destination: "hubspot"
	    config: {"mode":"upsert","object":"contacts"}
	    schedule: {"type":"manual"}
	    schedulePaused: true
	    not sent: description, kept in the file only
	  update sync '"'"'users-to-hubspot'"'"': config
	    config.object: "contacts" -> "companies"
	EOF
	sed -n "/^Would push/,/^    config.object/p" err >actual &&
	test_cmp expect actual &&
	writes w &&
	test ! -s w &&
	test "$(ht_request_count)" = 8 &&
	git -C c rev-parse origin/main >before &&
	git -C c rev-parse HEAD~1 >expect &&
	test_cmp expect before
'

test_expect_success 'push: the constant check, the writes, a read before each update and of each list written' '
	ht_requests_reset &&
	git -C c push origin main 2>err &&
	grep "main -> main" err &&
	writes actual &&
	cat >expect <<-\EOF &&
	POST /api/v1/models
	PATCH /api/v1/models/1
	POST /api/v1/syncs
	PATCH /api/v1/syncs/1
	EOF
	test_cmp expect actual &&
	test "$(ht_request_count)" = 18 &&
	git -C c rev-parse HEAD >expect &&
	git -C c rev-parse origin/main >actual &&
	test_cmp expect actual
'

test_expect_success 'the workspace has the pushed values' '
	api GET "/models?slug=leads" && expect_status 200 &&
	jq -r ".data[0] | [.name, .sourceId, .queryType, .table.name, .primaryKey] | @tsv" body >actual &&
	printf "Leads\t2\ttable\tleads\tid\n" >expect &&
	test_cmp expect actual &&
	jq -r ".data[0].id" body >leads_id &&
	api GET "/syncs?slug=leads-to-hubspot" && expect_status 200 &&
	jq -r ".data[0] | [.modelId, .destinationId, .disabled, .schedule, .configuration.mode] | @tsv" body >actual &&
	printf "%s\t1\ttrue\t\tupsert\n" "$(cat leads_id)" >expect &&
	test_cmp expect actual &&
	api GET /models/1 && expect_status 200 &&
	jq -j .raw.sql body >actual &&
	printf "select *\nfrom users u\nwhere deleted_at is null\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the next fetch adds nothing, in a constant 8 requests' '
	ht_requests_reset &&
	git -C c fetch 2>err &&
	git -C c rev-parse HEAD >expect &&
	git -C c rev-parse origin/main >actual &&
	test_cmp expect actual &&
	test "$(ht_request_count)" = 8
'

test_expect_success 'another clone has the same files' '
	git clone -q "$HT_URL" other &&
	for f in models/leads.yaml models/users.yaml syncs/users-to-hubspot.yaml
	do
		git -C c show HEAD:$f >expect &&
		test_cmp expect other/$f || return 1
	done &&
	git -C other show HEAD:syncs/leads-to-hubspot.yaml >actual &&
	grep -v "^description:" c/syncs/leads-to-hubspot.yaml >expect &&
	test_cmp expect actual
'

test_expect_success 'a push of one changed model: 8 checks, 1 read, 1 write, 2 to read the list again' '
	sed -i "s/^name: Leads$/name: Leads (all)/" c/models/leads.yaml &&
	git -C c commit -q -am "rename leads" &&
	ht_requests_reset &&
	git -C c push -q origin main &&
	writes actual &&
	echo "PATCH /api/v1/models/$(cat leads_id)" >expect &&
	test_cmp expect actual &&
	tail -n 4 all >actual &&
	cat >expect <<-EOF &&
	GET /api/v1/models/$(cat leads_id)
	PATCH /api/v1/models/$(cat leads_id)
	GET /api/v1/models?offset=8&limit=100&orderBy=updatedAt
	GET /api/v1/models?offset=0&limit=8&orderBy=updatedAt
	EOF
	test_cmp expect actual &&
	test "$(ht_request_count)" = 12
'

test_expect_success 'a change the API cannot make is ignored and said so' '
	sed -i "s/^description: kept in the file$/description: still local/" \
		c/syncs/leads-to-hubspot.yaml &&
	git -C c commit -q -am "describe" &&
	ht_requests_reset &&
	git -C c push origin main 2>err &&
	grep "ignored sync .leads-to-hubspot.: not sent: description, kept in the file only" err &&
	writes w &&
	test ! -s w &&
	ht_requests_reset &&
	git -C c fetch &&
	git -C c rev-parse HEAD >expect &&
	git -C c rev-parse origin/main >actual &&
	test_cmp expect actual
'

test_expect_success 'a new model: a field the API does not take is said' '
	sed -e "s/^name: Leads$/name: Prospects/" \
		-e "s/^tableName: leads$/tableName: prospects/" \
		-e "/^type:/i description: set in the UI" \
		c/models/leads.yaml >c/models/prospects.yaml &&
	git -C c add models/prospects.yaml &&
	git -C c commit -q -m "prospects, described" &&
	git -C c push origin main 2>err &&
	grep "^  create model .prospects. (models/prospects.yaml)$" err &&
	grep "^    not sent: description, set in Hightouch only$" err &&
	api GET "/models?slug=prospects" &&
	jq -r ".data[0].description" body >actual &&
	echo >expect &&
	test_cmp expect actual &&
	git -C c fetch -q &&
	git -C c log --format=%s -1 origin/main >subject &&
	echo "Update model prospects (OUTBOUND)" >expect &&
	test_cmp expect subject &&
	git -C c show origin/main:models/prospects.yaml >after &&
	! grep "^description:" after &&
	git -C c merge -q --ff-only origin/main
'

test_expect_success 'a UI change after a push comes back as one commit' '
	sed -i "s/^primaryKey: id$/primaryKey: null/" c/models/leads.yaml &&
	git -C c commit -q -am "no key" &&
	git -C c push -q origin main &&
	ui PATCH "/models/$(cat leads_id)" "{\"description\": \"Set in the UI\"}" &&
	git -C c fetch -q &&
	test "$(git -C c rev-list --count HEAD..origin/main)" = 1
'

test_expect_success 'a push that goes through still shows its warnings' '
	git -C c pull -q --rebase &&
	echo "owner: ana" >>c/models/leads.yaml &&
	line=$(grep -n "^owner:" c/models/leads.yaml | cut -d: -f1) &&
	sed -i "s/^name: Leads (all)$/name: Leads (every one)/" \
		c/models/leads.yaml &&
	git -C c commit -q -am "an owner, for us" &&
	ht_requests_reset &&
	git -C c push origin main 2>err &&
	echo "models/leads.yaml:$line:1: warning: unknown field" \
		"'"'"'owner'"'"' [unknown-field]" >expect &&
	grep "unknown-field" err >actual &&
	test_cmp expect actual &&
	writes actual &&
	echo "PATCH /api/v1/models/$(cat leads_id)" >expect &&
	test_cmp expect actual &&
	# the API has no such field, so the data is the same as pushed: the
	# next fetch leaves the file as it is, and makes no commit
	git -C c rev-parse HEAD >expect &&
	git -C c pull -q --rebase &&
	grep "^owner: ana$" c/models/leads.yaml &&
	git -C c rev-parse origin/main >actual &&
	test_cmp expect actual &&
	git -C c rev-parse HEAD >actual &&
	test_cmp expect actual
'

test_expect_success 'the key never shows' '
	! grep -rF "$HIGHTOUCH_API_KEY" c/.git other/.git err \
		--exclude-dir=objects
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
