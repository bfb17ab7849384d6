#!/bin/sh

test_description='git hightouch gitsync: rounds between a git host and a workspace'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# round [ARGS...]: one gitsync round in the server clone, its line in out
# shellcheck disable=SC2120 # ARGS are optional
round() {
	git -C srv hightouch gitsync "$@" >out 2>err
}

# idle_round: a round that finds nothing new, and does nothing
# shellcheck disable=SC2119 # a round without options
idle_round() {
	git -C host.git rev-parse main >before &&
	ht_requests_reset &&
	round &&
	echo "outbound 0 commits, inbound 0 changes, in step" >expect &&
	test_cmp expect out &&
	writes w &&
	test ! -s w &&
	git -C host.git rev-parse main >after &&
	test_cmp before after
}

# teammate EDIT: a teammate commits EDIT (a shell command run in dev)
# and pushes it to the git host
teammate() {
	git -C dev pull -q --no-rebase origin main &&
	(cd dev && eval "$1") &&
	git -C dev commit -q -am "$2" &&
	git -C dev push -q origin main
}

test_expect_success 'setup: a git host holding the workspace, a server clone, a teammate' '
	ht_start workspaces/t5-small.json &&
	git init -q --bare host.git &&
	git clone -q "$HT_URL" seed &&
	git -C seed push -q ../host.git main &&
	git clone -q host.git srv &&
	git -C srv remote add hightouch "$HT_URL" &&
	git clone -q host.git dev
'

test_expect_success 'an idle round commits, pushes and writes nothing' '
	idle_round
'

test_expect_success 'a UI change reaches the branch on the git host' '
	ui PATCH /models/1 "{\"name\": \"Users (all)\"}" &&
	round &&
	echo "outbound 1 commit, inbound 0 changes, in step" >expect &&
	test_cmp expect out &&
	git -C host.git log -1 --format=%s main >subject &&
	echo "Update model users (OUTBOUND)" >expect &&
	test_cmp expect subject &&
	git -C host.git show main:models/users.yaml >f &&
	grep "^name: Users (all)$" f
'

test_expect_success 'a change merged on the git host reaches the workspace' '
	teammate "sed -i s/account_id/acct_id/ models/accounts.yaml" "Accounts by acct_id" &&
	ht_requests_reset &&
	round &&
	echo "outbound 0 commits, inbound 1 change, in step" >expect &&
	test_cmp expect out &&
	api GET /models/2 && expect_status 200 &&
	test "$(jq -r .primaryKey body)" = acct_id &&
	git -C srv rev-parse hightouch/main >ws &&
	git -C host.git rev-parse main >up &&
	test_cmp up ws
'

test_expect_success 'the round after an inbound change is idle' '
	idle_round
'

test_expect_success 'a README on the branch is no change to the workspace' '
	teammate "echo Hightouch files >README && git add README" "A README" &&
	ht_requests_reset &&
	round &&
	echo "outbound 0 commits, inbound 0 changes, in step" >expect &&
	test_cmp expect out &&
	writes w &&
	test ! -s w &&
	git -C srv rev-parse hightouch/main >ws &&
	git -C host.git rev-parse main >up &&
	test_cmp up ws
'

test_expect_success 'both at once: a merge on the branch, and the change in the workspace' '
	ui PATCH /models/3 "{\"name\": \"Orders (merged)\"}" &&
	teammate "sed -i s/public.accounts/public.accounts_v2/ models/accounts.yaml" "Accounts v2" &&
	round &&
	echo "outbound 1 commit (merged), inbound 1 change, in step" >expect &&
	test_cmp expect out &&
	git -C host.git rev-list --parents -1 main >parents &&
	test "$(wc -w <parents)" = 3 &&
	api GET /models/2 && expect_status 200 &&
	test "$(jq -r .table.name body)" = public.accounts_v2 &&
	git -C host.git show main:models/orders.yaml >f &&
	grep "^name: Orders (merged)$" f &&
	round &&
	echo "outbound 0 commits, inbound 0 changes, in step" >expect &&
	test_cmp expect out
'

test_expect_success 'the merge commit depends on its parents alone' '
	git -C host.git cat-file commit main >commit &&
	grep "^author Hightouch <noreply@hightouch.com> " commit &&
	grep "^committer Hightouch <noreply@hightouch.com> " commit &&
	grep "^Merge the workspace" commit
'

test_expect_success 'a conflict pushes nothing, names the file and exits 1' '
	ui PATCH /models/2 "{\"primaryKey\": \"ui_id\"}" &&
	teammate "sed -i s/acct_id/git_id/ models/accounts.yaml" "Accounts by git_id" &&
	git -C host.git rev-parse main >before &&
	ht_requests_reset &&
	test_expect_code 1 round &&
	grep "outbound 0 commits, inbound 0 changes, conflict" out &&
	grep "error: .models/accounts.yaml. changed in workspace remote .hightouch." err &&
	grep "Update model accounts (OUTBOUND)" err &&
	grep "Accounts by git_id" err &&
	grep "git merge hightouch/main" err &&
	writes w &&
	test ! -s w &&
	git -C host.git rev-parse main >after &&
	test_cmp before after
'

test_expect_success 'resolved by hand, the next round is in step' '
	git -C dev pull -q --no-rebase origin main &&
	git -C dev fetch -q ../srv refs/remotes/hightouch/main:refs/ws &&
	test_must_fail git -C dev merge -q refs/ws >/dev/null 2>&1 &&
	git -C dev checkout -q refs/ws -- models/accounts.yaml &&
	git -C dev commit -q --no-edit &&
	git -C dev push -q origin main &&
	round &&
	grep "in step$" out &&
	api GET /models/2 && expect_status 200 &&
	test "$(jq -r .primaryKey body)" = ui_id
'

test_expect_success 'a bad merged file: the findings, nothing applied, outbound delivered' '
	ui PATCH /models/1 "{\"name\": \"Users (every one)\"}" &&
	teammate "sed -i s/^primaryKey:.*/primaryKey:\ [1,/ models/accounts.yaml" "Broken accounts" &&
	test_expect_code 1 round &&
	grep "outbound 1 commit (merged), inbound 1 change, refused" out &&
	grep "models/accounts.yaml:[0-9]*:[0-9]*:" err &&
	git -C host.git show main:models/users.yaml >f &&
	grep "^name: Users (every one)$" f &&
	api GET /models/2 && expect_status 200 &&
	test "$(jq -r .primaryKey body)" = ui_id
'

test_expect_success 'fixed on the branch, the next round applies it' '
	teammate "sed -i s/^primaryKey:.*/primaryKey:\ fixed_id/ models/accounts.yaml" "Fix accounts" &&
	round &&
	echo "outbound 0 commits, inbound 1 change, in step" >expect &&
	test_cmp expect out &&
	api GET /models/2 && expect_status 200 &&
	test "$(jq -r .primaryKey body)" = fixed_id
'

test_expect_success '--dry-run says what it would do and does neither' '
	ui PATCH /models/1 "{\"name\": \"Users (dry)\"}" &&
	teammate "sed -i s/fixed_id/dry_id/ models/accounts.yaml" "Dry accounts" &&
	git -C host.git rev-parse main >before &&
	ht_requests_reset &&
	round --dry-run &&
	echo "dry run: outbound 1 commit (merged), inbound 1 change, in step" >expect &&
	test_cmp expect out &&
	grep "update model .accounts.: primaryKey" err &&
	writes w &&
	test ! -s w &&
	git -C host.git rev-parse main >after &&
	test_cmp before after &&
	round &&
	grep "in step$" out
'

test_expect_success '--full-resync restores a file deleted in git' '
	teammate "git rm -q models/sheet.yaml" "Remove the sheet file" &&
	round &&
	grep "in step$" out &&
	git -C host.git cat-file -e main:models/sheet.yaml 2>/dev/null && exit 1
	round --full-resync &&
	grep "in step$" out &&
	git -C host.git cat-file -e main:models/sheet.yaml
'

test_expect_success '--format json: one object a round' '
	ui PATCH /models/1 "{\"name\": \"Users (json)\"}" &&
	round --format json &&
	test "$(wc -l <out)" = 1 &&
	jq -e ".status == \"in step\" and .exit == 0 and .outbound.commits == 1 and .inbound.changes == 0 and .branch == \"main\" and .remote == \"hightouch\"" out
'

test_expect_success 'a run that finds the lock taken says so and exits 0' '
	sleep 60 &
	pid=$! &&
	echo $pid >srv/.git/hightouch-gitsync.lock &&
	ui PATCH /models/1 "{\"name\": \"Users (locked)\"}" &&
	git -C host.git rev-parse main >before &&
	round &&
	kill $pid &&
	grep "another gitsync is running (pid $pid" err &&
	test ! -s out &&
	git -C host.git rev-parse main >after &&
	test_cmp before after &&
	test -f srv/.git/hightouch-gitsync.lock
'

test_expect_success 'a run in a linked worktree finds the same lock' '
	sleep 60 &
	pid=$! &&
	echo $pid >srv/.git/hightouch-gitsync.lock &&
	git -C srv worktree add -q --detach ../srv-wt &&
	git -C srv-wt hightouch gitsync >out 2>err &&
	kill $pid &&
	grep "another gitsync is running (pid $pid" err &&
	test ! -s out &&
	test ! -e srv/.git/worktrees/srv-wt/hightouch-gitsync.lock &&
	git -C srv worktree remove --force ../srv-wt
'

test_expect_success 'a lock whose process is gone is taken over' '
	sleep 0 &
	pid=$! &&
	wait $pid &&
	echo $pid >srv/.git/hightouch-gitsync.lock &&
	round &&
	echo "outbound 1 commit, inbound 0 changes, in step" >expect &&
	test_cmp expect out &&
	test ! -f srv/.git/hightouch-gitsync.lock
'

test_expect_success '--every repeats rounds until SIGTERM, then stops cleanly' '
: >loop.out &&
	{ (cd srv && exec git-hightouch gitsync --every 1 --format json) \
		>loop.out 2>loop.err & } &&
	pid=$! &&
	n=0 &&
	while test "$(wc -l <loop.out)" -lt 2 && test $n -lt 300; do
		sleep 0.1; n=$((n + 1))
	done &&
	test -f srv/.git/hightouch-gitsync.lock &&
	kill -TERM $pid &&
	wait $pid &&
	test ! -f srv/.git/hightouch-gitsync.lock &&
	test "$(wc -l <loop.out)" -ge 2 &&
	jq -se "all(.status == \"in step\") and (.[0].round == 1) and (.[1].round == 2)" loop.out
'

test_expect_success 'usage errors' '
	test_expect_code 2 git -C srv hightouch gitsync --format yaml 2>err &&
	grep "unknown format .yaml." err &&
	test_expect_code 2 git -C srv hightouch gitsync --upstream nowhere 2>err &&
	grep "fatal: no remote .nowhere." err &&
	test_expect_code 2 git -C srv hightouch gitsync --remote origin 2>err &&
	grep "fatal: remote .origin. is not a Hightouch workspace" err
'

test_expect_success 'a branch the git host does not have yet is made by the round' '
	git -C srv hightouch gitsync --branch fresh >out 2>err &&
	test_must_fail grep -i "fatal\|error" err &&
	git -C host.git rev-parse fresh >up &&
	git -C srv rev-parse hightouch/main >ws &&
	test_cmp ws up &&
	git -C srv hightouch gitsync --branch fresh >out 2>err &&
	echo "outbound 0 commits, inbound 0 changes, in step" >expect &&
	test_cmp expect out
'

test_expect_success 'a fetch of the branch that fails for another reason says so' '
	git -C srv remote add gone ../no-such-host.git &&
	test_expect_code 2 git -C srv hightouch gitsync --upstream gone 2>err &&
	grep "^error: cannot fetch .main. from .gone." err &&
	grep "does not appear to be a git repository" err
'

test_done
