#!/bin/sh

test_description='git-remote-hightouch: promoting the same files to another workspace (linked types, values in the plan, -o paused, -o keep-schedule)'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# seed NAME: the pair seed (a source, a HubSpot destination, id 1) and a
# Braze destination, id 2
seed() {
	ht_seed_pair_ "$1" | jq --arg n "$1" ".destinations += [
		.destinations[0] + {id: 2, name: \"Braze\",
		slug: (\$n + \"-braze\"), type: \"braze\"}]"
}

# fetch_settles: a fetch of production, then another that adds nothing
fetch_settles() {
	git -C r fetch -q production &&
	git -C r rev-parse production/main >before &&
	git -C r fetch -q production &&
	git -C r rev-parse production/main >after &&
	test_cmp before after
}

# on_prod CMD...: CMD against the production emulator, in prod/
on_prod() {
	(
		cd "$TRASH_DIRECTORY/prod" &&
		EMU_URL=$(cat ../prod-url) &&
		"$@"
	)
}

# prod_sync: the sync users-to-crm of production, as "destination
# disabled type quantity object" in prod/actual
prod_sync() {
	api GET "/syncs?slug=users-to-crm" &&
	jq -r ".data[0] | [.destinationId, .disabled, .schedule.type,
		.schedule.schedule.interval.quantity,
		.configuration.object] | @tsv" body >actual
}

# prod_no_writes: no write request since the last ht_requests_reset
prod_no_writes() {
	writes w &&
	test ! -s w
}

test_expect_success 'setup: two workspaces with a HubSpot and a Braze destination each' '
	seed staging >s.json &&
	seed production >p.json &&
	ht_start_pair s.json p.json &&
	git clone -q -o staging "$STAGING_URL" r &&
	git -C r remote add production "$PROD_URL" &&
	git -C r config remote.staging.hightouchKeyEnv STAGING_KEY &&
	git -C r config remote.production.hightouchKeyEnv PRODUCTION_KEY &&
	git -C r fetch -q production &&
	git -C r merge -q --allow-unrelated-histories -m "Merge production" \
		production/main &&
	(
		cd r &&
		cat >aliases-staging.yaml <<-\EOF &&
		sources:
		  warehouse: staging-pg
		destinations:
		  crm: staging-hubspot
		EOF
		cat >aliases-production.yaml <<-\EOF &&
		sources:
		  warehouse: production-pg
		destinations:
		  crm: production-braze
		EOF
		mkdir models syncs &&
		cat >models/users.yaml <<-\EOF &&
		name: Users
		source: warehouse
		type: raw_sql
		rawSql: |
		  select id, email, first_name, last_name, created_at, updated_at
		  from users where deleted_at is null
		isSchema: false
		primaryKey: id
		EOF
		cat >syncs/users-to-crm.yaml <<-\EOF &&
		model: users
		destination: crm
		config:
		  mode: upsert
		  object: contacts
		schedule:
		  type: interval
		  schedule:
		    interval:
		      unit: hour
		      quantity: 1
		schedulePaused: false
		EOF
		git add . &&
		git commit -q -m "users to the CRM"
	)
'

test_expect_success 'check: an alias linking a HubSpot destination to a Braze one' '
	test_must_fail git -C r hightouch check >out &&
	cat >expect <<-\EOF &&
	aliases-production.yaml:4:3: error: alias '"'"'crm'"'"' links destination '"'"'production-braze'"'"' (braze) in workspace '"'"'production'"'"' to '"'"'staging-hubspot'"'"' (hubspot) in workspace '"'"'staging'"'"': linked destinations must be of the same type (workspace '"'"'staging'"'"' has braze destination '"'"'staging-braze'"'"') [linked-type-mismatch]
	aliases-staging.yaml:4:3: error: alias '"'"'crm'"'"' links destination '"'"'staging-hubspot'"'"' (hubspot) in workspace '"'"'staging'"'"' to '"'"'production-braze'"'"' (braze) in workspace '"'"'production'"'"': linked destinations must be of the same type (workspace '"'"'production'"'"' has hubspot destination '"'"'production-hubspot'"'"') [linked-type-mismatch]
	EOF
	test_cmp expect out &&
	test_must_fail git -C r hightouch check --workspace production >out &&
	grep -c "linked-type-mismatch" out >count &&
	echo 1 >expect &&
	test_cmp expect count &&
	grep "^aliases-production.yaml:4:3: error: alias .crm. links destination .production-braze. (braze)" out &&
	# the same sources on both sides are fine
	! grep "warehouse" out
'

test_expect_success 'check with a base: reported when the change uses the alias, not otherwise' '
	git -C r hightouch check --base HEAD --head HEAD >out &&
	test ! -s out &&
	test_must_fail git -C r hightouch check --base HEAD~1 --head HEAD >out &&
	grep -c "linked-type-mismatch" out >count &&
	echo 2 >expect &&
	test_cmp expect count
'

test_expect_success 'push: the mismatch is refused before any write' '
	on_prod ht_requests_reset &&
	test_must_fail git -C r push production main 2>err &&
	grep "^aliases-production.yaml:4:3: error: alias .crm. links destination .production-braze. (braze) in workspace .production. to .staging-hubspot. (hubspot) in workspace .staging.: linked destinations must be of the same type (workspace .staging. has braze destination .staging-braze.) \[linked-type-mismatch\]$" err &&
	grep "validation failed: 1 error, nothing was pushed" err &&
	! grep "create sync" err &&
	on_prod prod_no_writes &&
	on_prod api GET "/syncs?slug=users-to-crm" &&
	jq -r ".data | length" prod/body >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success 'the alias fixed, pushed to staging' '
	sed -i "s/^  crm: production-braze$/  crm: production-hubspot/" \
		r/aliases-production.yaml &&
	git -C r commit -q -am "production: crm is HubSpot" &&
	git -C r hightouch check &&
	git -C r push -q staging main &&
	api GET "/syncs?slug=users-to-crm" &&
	jq -r ".data[0] | [.destinationId, .disabled] | @tsv" body >actual &&
	printf "1\tfalse\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'dry-run to production: the values of each create, shortened; -o paused' '
	on_prod ht_requests_reset &&
	git -C r push --dry-run -o paused production main 2>err &&
	cat >expect <<-\EOF &&
	Would push to workspace '"'"'production'"'"':
	  create model '"'"'users'"'"' (models/users.yaml)
	    name: "Users"
	    source: "production-pg"
	    type: "raw_sql"
	    rawSql: "select id, email, first_name, last_name, created_at, updat…"
	    isSchema: false
	    primaryKey: "id"
	  create sync '"'"'users-to-crm'"'"' (syncs/users-to-crm.yaml), paused (-o paused)
	    model: "users"
	    destination: "production-hubspot"
	    config: {"mode":"upsert","object":"contacts"}
	    schedule: {"type":"interval","schedule":{"interval":{"unit":"hour","q…
	    schedulePaused: true
	EOF
	sed -n "/^Would push/,/^    schedulePaused/p" err >actual &&
	test_cmp expect actual &&
	on_prod prod_no_writes
'

test_expect_success '-o paused: the sync is created paused, whatever the file says' '
	git -C r push -o paused production main 2>err &&
	grep "^  create sync .users-to-crm. (syncs/users-to-crm.yaml), paused (-o paused)$" err &&
	# a push shows the values with -v only
	! grep "^    schedulePaused" err &&
	on_prod prod_sync &&
	printf "1\ttrue\tinterval\t1\tcontacts\n" >expect &&
	test_cmp expect prod/actual &&
	# staging keeps its own
	api GET "/syncs?slug=users-to-crm" &&
	jq -r ".data[0].disabled" body >actual &&
	echo false >expect &&
	test_cmp expect actual
'

test_expect_success 'the next fetch brings the pause into the file, once' '
	fetch_settles &&
	git -C r show production/main:syncs/users-to-crm.yaml >file &&
	grep "^schedulePaused: true$" file &&
	git -C r merge -q production/main &&
	grep "^schedulePaused: true$" r/syncs/users-to-crm.yaml
'

test_expect_success '-o keep-schedule: the plan names what is kept, with the values of the rest (long strings from where they differ)' '
	(
		cd r &&
		sed -i -e "s/^      quantity: 1$/      quantity: 2/" \
			-e "s/^schedulePaused: true$/schedulePaused: false/" \
			-e "s/^  object: contacts$/  object: companies/" \
			syncs/users-to-crm.yaml &&
		sed -i "s/deleted_at is null$/deleted_at is null and active/" \
			models/users.yaml &&
		git commit -q -am "every two hours, companies, active users" &&
		git push -q staging main
	) &&
	on_prod ht_requests_reset &&
	git -C r push --dry-run -o keep-schedule production main 2>err &&
	cat >expect <<-\EOF &&
	Would push to workspace '"'"'production'"'"':
	  update model '"'"'users'"'"': rawSql
	    rawSql: "…deleted_at is null\n" -> "…deleted_at is null and active\n"
	  update sync '"'"'users-to-crm'"'"': config
	    config.object: "contacts" -> "companies"
	    kept as workspace '"'"'production'"'"' has it (-o keep-schedule): schedule, schedulePaused
	EOF
	sed -n "/^Would push/,/^    kept/p" err >actual &&
	test_cmp expect actual &&
	on_prod prod_no_writes &&
	# without the option: the schedule, old and new
	git -C r push --dry-run production main 2>err &&
	grep "^  update sync .users-to-crm.: config, schedule, schedulePaused$" err &&
	grep "^    schedule.schedule.interval.quantity: 1 -> 2$" err &&
	grep "^    schedulePaused: true -> false$" err
'

test_expect_success '-o keep-schedule: the workspace keeps its schedule and pause' '
	git -C r push -v -o keep-schedule production main 2>err &&
	grep "^    config.object: \"contacts\" -> \"companies\"$" err &&
	grep "^    kept as workspace .production. has it (-o keep-schedule): schedule, schedulePaused$" err &&
	on_prod prod_sync &&
	printf "1\ttrue\tinterval\t1\tcompanies\n" >expect &&
	test_cmp expect prod/actual
'

test_expect_success 'the next fetch brings the kept schedule into the file, once' '
	fetch_settles &&
	git -C r show production/main:syncs/users-to-crm.yaml >file &&
	grep "^      quantity: 1$" file &&
	grep "^schedulePaused: true$" file &&
	grep "^  object: companies$" file
'

test_expect_success '-o keep-schedule with only the schedule changed: nothing written, the next fetch says what stayed' '
	git -C r reset -q --hard production/main &&
	sed -i "s/^      quantity: 1$/      quantity: 3/" \
		r/syncs/users-to-crm.yaml &&
	git -C r commit -q -am "every three hours" &&
	on_prod ht_requests_reset &&
	git -C r push -o keep-schedule production main 2>err &&
	grep "^  ignored sync .users-to-crm.: schedule kept as workspace .production. has it (-o keep-schedule)$" err &&
	on_prod prod_no_writes &&
	on_prod prod_sync &&
	printf "1\ttrue\tinterval\t1\tcompanies\n" >expect &&
	test_cmp expect prod/actual &&
	fetch_settles &&
	git -C r show production/main:syncs/users-to-crm.yaml >file &&
	grep "^      quantity: 1$" file
'

test_expect_success 'an unknown push option is still refused, before any write' '
	git -C r merge -q production/main &&
	git -C r commit -q --allow-empty -m empty &&
	on_prod ht_requests_reset &&
	test_must_fail git -C r push -o pause production main 2>err &&
	grep "unknown push option .pause. (known: trigger, paused, keep-schedule)" err &&
	on_prod prod_no_writes &&
	git -C r rev-parse production/main >expect &&
	git -C r rev-parse HEAD~1 >actual &&
	test_cmp expect actual
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
