#!/bin/sh

test_description='git-remote-hightouch: push failures part-way, lost answers, trigger'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" c &&
	git -C c config pull.rebase true &&
	(
		cd c &&
		cat >models/m1.yaml <<-\EOF &&
		name: M1
		source: snowflake
		type: raw_sql
		rawSql: select 1
		isSchema: false
		primaryKey: id
		EOF
		cat >syncs/m1-to-braze.yaml <<-\EOF &&
		model: m1
		destination: braze
		config:
		  mode: insert
		schedule:
		  type: cron
		  schedule:
		    expression: 0 3 * * *
		schedulePaused: false
		EOF
		sed -i "s/^name: Users$/name: All users/" models/users.yaml &&
		git add . &&
		git commit -q -m "m1, its sync, users renamed"
	)
'

test_expect_success 'a 500 on the second write: an exact report' '
	ht_fault "{\"method\": \"PATCH\", \"path\": \"/api/v1/models\", \"status\": 500}" &&
	ht_requests_reset &&
	test_must_fail git -C c push origin main 2>err &&
	grep "! \[remote rejected\] *main -> main (push applied 1 of its changes: fetch, rebase and push again)" err &&
	grep "^error: the update of model .users. failed: .PATCH /models/1. failed with HTTP 500" err &&
	sed -n "/^  applied: /p; /^  not applied: /p" err >actual &&
	cat >expect <<-\EOF &&
	  applied: create model '"'"'m1'"'"'
	  not applied: update model '"'"'users'"'"'
	  not applied: create sync '"'"'m1-to-braze'"'"'
	EOF
	test_cmp expect actual &&
	writes actual &&
	cat >expect <<-\EOF &&
	POST /api/v1/models
	PATCH /api/v1/models/1
	EOF
	test_cmp expect actual
'

test_expect_success 'nothing is lost: the fetch brings the applied part back' '
	git -C c fetch -q &&
	git -C c log --format=%s -1 origin/main >actual &&
	echo "Create model m1 (OUTBOUND)" >expect &&
	test_cmp expect actual &&
	git -C c show HEAD:syncs/m1-to-braze.yaml >/dev/null
'

test_expect_success 'rebase and push again: it converges' '
	git -C c pull -q &&
	git -C c diff --name-only origin/main HEAD >actual &&
	cat >expect <<-\EOF &&
	models/users.yaml
	syncs/m1-to-braze.yaml
	EOF
	test_cmp expect actual &&
	ht_requests_reset &&
	git -C c push -q origin main &&
	writes actual &&
	cat >expect <<-\EOF &&
	PATCH /api/v1/models/1
	POST /api/v1/syncs
	EOF
	test_cmp expect actual &&
	api GET "/models?slug=m1" && jq -r ".data | length" body >n &&
	echo 1 >expect &&
	test_cmp expect n &&
	git -C c fetch -q &&
	git -C c rev-parse HEAD >expect &&
	git -C c rev-parse origin/main >actual &&
	test_cmp expect actual
'

test_expect_success 'a create whose answer is lost is found by slug, not repeated' '
	printf "name: M2\nsource: snowflake\ntype: table\ntableName: m2\nisSchema: false\nprimaryKey: id\n" >c/models/m2.yaml &&
	git -C c add models/m2.yaml &&
	git -C c commit -q -m m2 &&
	ht_fault "{\"method\": \"POST\", \"path\": \"/api/v1/models\", \"close\": true}" &&
	ht_requests_reset &&
	git -C c push origin main 2>err &&
	grep "model .m2.: the answer to its create was lost, but it was made" err &&
	writes actual &&
	echo "POST /api/v1/models" >expect &&
	test_cmp expect actual &&
	ht_requests all &&
	grep "^GET /api/v1/models?slug=m2" all &&
	api GET "/models?slug=m2" && jq -r ".data | length" body >n &&
	echo 1 >expect &&
	test_cmp expect n &&
	git -C c fetch -q &&
	git -C c rev-parse HEAD >expect &&
	git -C c rev-parse origin/main >actual &&
	test_cmp expect actual
'

test_expect_success 'a 422 rejects the write; the report says so' '
	sed -i "s/^  mode: insert$/  mode: insert\n  bad: true/" c/syncs/m1-to-braze.yaml &&
	git -C c commit -q -am "sync config" &&
	ht_fault "{\"method\": \"PATCH\", \"path\": \"/api/v1/syncs\", \"status\": 422, \"body\": {\"message\": \"Validation failed\", \"details\": {\"requestBody.configuration\": {\"message\": \"no\"}}}}" &&
	test_must_fail git -C c push origin main 2>err &&
	grep "^error: the update of sync .m1-to-braze. failed: .PATCH /syncs/[0-9]*. was refused as invalid" err &&
	grep "! \[remote rejected\] *main -> main (push applied 0 of its changes" err &&
	git -C c push -q origin main
'

test_expect_success '-o trigger runs the syncs the push changed' '
	sed -i "s/^schedulePaused: false$/schedulePaused: true/" c/syncs/m1-to-braze.yaml &&
	git -C c commit -q -am "pause" &&
	git -C c push -o trigger origin main 2>err &&
	grep "^Triggered sync .m1-to-braze.: run [0-9a-z-]*$" err &&
	ht_requests all &&
	grep "^POST /api/v1/syncs/[0-9]*/trigger$" all
'

test_expect_success 'git fsck is clean; no sanitizer reports' '
	git -C c fsck --full 2>err &&
	ht_sanitizer_reports
'

test_done
