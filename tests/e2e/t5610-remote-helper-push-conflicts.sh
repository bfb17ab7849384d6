#!/bin/sh

test_description='git-remote-hightouch: push conflicts, force, refusals'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# Fails if the emulator received a write since the last reset.
no_writes() {
	ht_requests all &&
	! grep -v "^GET " all
}

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" c &&
	git -C c config pull.rebase true
'

test_expect_success 'a workspace change since the fetch: fetch first' '
	ui PATCH /models/2 "{\"name\": \"Accounts (UI)\"}" &&
	sed -i "s/^primaryKey: id$/primaryKey: user_id/" c/models/users.yaml &&
	git -C c commit -q -am "users by user_id" &&
	ht_requests_reset &&
	test_must_fail git -C c push origin main 2>err &&
	grep "! \[rejected\] *main -> main (fetch first)" err &&
	grep "hint: Updates were rejected because the remote contains work" err &&
	no_writes
'

test_expect_success 'pull --rebase, then the push goes through' '
	git -C c pull -q &&
	test "$(git -C c show HEAD~1 --format=%s -s)" = "Update model accounts (OUTBOUND)" &&
	git -C c push -q origin main &&
	api GET /models/1 && jq -r .primaryKey body >actual &&
	echo user_id >expect &&
	test_cmp expect actual &&
	api GET /models/2 && jq -r .name body >actual &&
	echo "Accounts (UI)" >expect &&
	test_cmp expect actual
'

test_expect_success 'a commit that does not descend from the fetch' '
	git -C c checkout -q -b side HEAD~1 &&
	sed -i "s/^name: Users$/name: Side users/" c/models/users.yaml &&
	git -C c commit -q -am side &&
	ht_requests_reset &&
	test_must_fail git -C c push origin side:main 2>err &&
	grep "! \[rejected\] *side -> main (non-fast-forward)" err &&
	no_writes
'

test_expect_success '--force pushes it, the workspace changed or not' '
	ui PATCH /models/3 "{\"name\": \"Orders (UI)\"}" &&
	git -C c push -q --force origin side:main &&
	api GET /models/1 && jq -r .name body >actual &&
	echo "Side users" >expect &&
	test_cmp expect actual &&
	git -C c fetch -q &&
	git -C c show origin/main:models/orders.yaml >orders &&
	grep "^name: Orders (UI)$" orders &&
	git -C c checkout -q main &&
	git -C c reset -q --hard origin/main
'

test_expect_success '--force overwrites a change made in Hightouch to the model it writes' '
	ui PATCH /models/1 "{\"name\": \"Users (UI)\"}" &&
	sed -i "s/^name: Side users$/name: Side users again/" c/models/users.yaml &&
	git -C c commit -q -am "side users again" &&
	git -C c push -q --force origin main &&
	api GET /models/1 && jq -r .name body >actual &&
	echo "Side users again" >expect &&
	test_cmp expect actual &&
	git -C c fetch -q &&
	git -C c reset -q --hard origin/main
'

test_expect_success '--force-with-lease: pushes when the lease holds' '
	git -C c reset -q --hard HEAD~1 &&
	sed -i "s/^primaryKey: order_id$/primaryKey: id/" c/models/orders.yaml &&
	git -C c commit -q -am "orders by id" &&
	git -C c push -q --force-with-lease origin main &&
	api GET /models/3 && jq -r .primaryKey body >actual &&
	echo id >expect &&
	test_cmp expect actual
'

test_expect_success '--force-with-lease: a workspace change breaks the lease' '
	ui PATCH /models/4 "{\"name\": \"Sheet (UI)\"}" &&
	git -C c reset -q --hard HEAD~1 &&
	sed -i "s/^name: Accounts (UI)$/name: Accounts/" c/models/accounts.yaml &&
	git -C c commit -q -am "accounts" &&
	ht_requests_reset &&
	test_must_fail git -C c push --force-with-lease origin main 2>err &&
	grep "! \[rejected\] *main -> main (stale info)" err &&
	no_writes &&
	git -C c pull -q --rebase=false --no-edit -X ours origin main 2>/dev/null ||
	git -C c pull -q --rebase -X theirs origin main &&
	git -C c push -q origin main
'

test_expect_success 'deleting the branch is refused' '
	ht_requests_reset &&
	test_must_fail git -C c push origin :main 2>err &&
	grep "! \[remote rejected\] main (cannot delete the branch of a workspace: the API deletes nothing)" err &&
	no_writes
'

test_expect_success 'another branch is refused' '
	test_must_fail git -C c push origin main:other 2>err &&
	grep "! \[remote rejected\] *main -> other (a hightouch remote has only one branch, .refs/heads/main.)" err
'

test_expect_success 'an unknown push option is refused' '
	git -C c commit -q --allow-empty -m empty &&
	test_must_fail git -C c push -o frobnicate origin main 2>err &&
	grep "unknown push option .frobnicate. (known: trigger, paused, keep-schedule)" err
'

test_expect_success 'atomic pushes are accepted' '
	git -C c push -q --atomic origin main
'

test_expect_success 'validation errors reject the whole push before a write' '
	sed -i "s/^source: snowflake$/source: postgres/" c/models/users.yaml &&
	sed -i "s/^destination: hubspot$/destination: crm/" \
		c/syncs/users-to-hubspot.yaml &&
	printf "name: X\nsource: snowflake\ntype: table\nprimaryKey: id\n" \
		>c/models/broken.yaml &&
	sed -i "s/^  hubspot:$/  hubspot-x:/" c/manifest-test.yaml &&
	git -C c add . &&
	git -C c commit -q -m invalid &&
	ht_requests_reset &&
	test_must_fail git -C c push origin main 2>err &&
	grep "! \[remote rejected\] *main -> main (validation failed: 5 errors, nothing was pushed)" err &&
	grep "^syncs/orders-to-hubspot.yaml:2:14: error: destination .hubspot. was removed from manifest-test.yaml but is still used here \[removed-in-use\]$" err &&
	grep "^manifest-test.yaml:[0-9]*:1: error: read-only manifest edited: manifests are written by git-remote-hightouch; change sources and destinations in Hightouch, then fetch \[manifest-edited\]$" err &&
	grep "^models/broken.yaml:1:1: error: type .table. needs field .tableName. \[query-type-mismatch\]$" err &&
	grep "^models/users.yaml:2:1: error: field .source. of model .users. cannot be changed: the API does not allow it (create a model with another slug instead) \[immutable-field\]$" err &&
	grep "^syncs/users-to-hubspot.yaml:2:14: error: destination .crm. is neither a destination of workspace .test. (manifest-test.yaml) nor an alias under .destinations:. in aliases-test.yaml \[unresolved-reference\]$" err &&
	no_writes
'

test_expect_success 'every rule push reports is in the rules table' '
	sed -n "s/^[^ ]*:[0-9]*:[0-9]*: [a-z]*: .* \[\([a-z-]*\)\]\$/\1/p" \
		err | sort -u >used &&
	test -s used &&
	git hightouch check --list-rules | cut -d" " -f1 | sort >ids &&
	comm -23 used ids >unknown &&
	test_cmp /dev/null unknown
'

test_expect_success 'deleted and renamed files: the resources remain' '
	git -C c reset -q --hard origin/main &&
	git -C c rm -q models/sheet.yaml &&
	git -C c mv models/accounts.yaml models/accounts-v2.yaml &&
	git -C c commit -q -m "delete and rename" &&
	ht_requests_reset &&
	git -C c push origin main 2>err &&
	grep "^warning: models/sheet.yaml was deleted: model .sheet. remains in workspace .test." err &&
	grep "^warning: models/accounts.yaml was renamed: model .accounts. remains in workspace .test." err &&
	ht_requests all &&
	grep -v "^GET " all >actual &&
	echo "POST /api/v1/models" >expect &&
	test_cmp expect actual &&
	api GET "/models?slug=accounts" && jq -r ".data | length" body >n &&
	echo 1 >expect &&
	test_cmp expect n
'

test_expect_success 'git fsck is clean; no sanitizer reports' '
	git -C c fsck --full 2>err &&
	ht_sanitizer_reports
'

test_done
