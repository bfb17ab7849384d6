#!/bin/sh

test_description='git-remote-hightouch: staging and production, aliases, promotion'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

test_expect_success 'setup: two workspaces, two emulators' '
	ht_start_pair &&
	git clone -q -o staging "$STAGING_URL" r &&
	git -C r remote add production "$PROD_URL" &&
	# two workspaces: each remote names the variable of its own key
	git -C r config remote.staging.hightouchKeyEnv STAGING_KEY &&
	git -C r config remote.production.hightouchKeyEnv PRODUCTION_KEY
'

test_expect_success 'a model and a sync by alias, pushed to staging' '
	(
		cd r &&
		sed -i "s/^{}$/warehouse: staging-pg\ncrm: staging-hubspot/" \
			aliases-staging.yaml &&
		mkdir models syncs &&
		cat >models/users.yaml <<-\EOF &&
		name: Users
		source: warehouse
		type: table
		tableName: users
		isSchema: false
		primaryKey: id
		EOF
		cat >syncs/users-to-crm.yaml <<-\EOF &&
		model: users
		destination: crm
		config:
		  mode: upsert
		schedule:
		  type: interval
		  schedule:
		    interval:
		      unit: hour
		      quantity: 1
		schedulePaused: true
		EOF
		git add . &&
		git commit -q -m "users to the CRM" &&
		git push -q staging main
	) &&
	api GET "/syncs?slug=users-to-crm" &&
	jq -r ".data[0] | [.destinationId, .disabled] | @tsv" body >actual &&
	printf "1\ttrue\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'production: an alias it does not have is an error' '
	git -C r fetch -q production &&
	git -C r merge -q --allow-unrelated-histories -m "Merge production" \
		production/main &&
	test_must_fail git -C r push production main 2>err &&
	grep "^models/users.yaml:2:9: error: source .warehouse. is neither a source of workspace .production. (manifest-production.yaml) nor an alias in aliases-production.yaml; in workspace .staging. it is an alias of .staging-pg. (postgres): replace .{}. in aliases-production.yaml with .warehouse: production-pg. \[unresolved-reference\]$" err &&
	grep "^syncs/users-to-crm.yaml:2:14: error: destination .crm. is neither a destination of workspace .production. (manifest-production.yaml) nor an alias in aliases-production.yaml; in workspace .staging. it is an alias of .staging-hubspot. (hubspot): replace .{}. in aliases-production.yaml with .crm: production-hubspot. \[unresolved-reference\]$" err
'

test_expect_success 'production: an alias of a slug it does not have' '
	sed -i "s/^{}$/warehouse: production-pg\ncrm: staging-hubspot/" \
		r/aliases-production.yaml &&
	git -C r commit -q -am "production aliases" &&
	test_must_fail git -C r push production main 2>err &&
	grep "^syncs/users-to-crm.yaml:2:14: error: destination .crm. is an alias (aliases-production.yaml) of .staging-hubspot., which is not a destination of workspace .production. (manifest-production.yaml); in workspace .staging. it is an alias of .staging-hubspot. (hubspot): change .crm: staging-hubspot. in aliases-production.yaml to .crm: production-hubspot. \[unresolved-reference\]$" err &&
	! grep "models/users.yaml" err
'

test_expect_success 'promotion: the same files, pushed to production' '
	sed -i "s/^crm: staging-hubspot$/crm: production-hubspot/" \
		r/aliases-production.yaml &&
	git -C r commit -q -am "production aliases" &&
	git -C r push production main 2>err &&
	grep "create model .users." err &&
	grep "create sync .users-to-crm." err &&
	(
		cd prod &&
		api GET "/models?slug=users" &&
		jq -r ".data[0] | [.sourceId, .table.name] | @tsv" body >../actual
	) &&
	printf "1\tusers\n" >expect &&
	test_cmp expect actual &&
	(
		cd prod &&
		api GET "/syncs?slug=users-to-crm" &&
		jq -r ".data[0] | [.destinationId, .disabled, .schedule.type] | @tsv" body >../actual
	) &&
	printf "1\ttrue\tinterval\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'both remotes are at the same commit; fetches add nothing' '
	git -C r push -q staging main &&
	git -C r fetch -q staging &&
	git -C r fetch -q production &&
	git -C r rev-parse main >expect &&
	git -C r rev-parse staging/main >actual &&
	test_cmp expect actual &&
	git -C r rev-parse production/main >actual &&
	test_cmp expect actual
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
