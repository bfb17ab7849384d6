#!/bin/sh

test_description='git hightouch install-hooks and the plain git hooks

install-hooks honours core.hooksPath and linked worktrees, chains with a
hook already there, never overwrites one silently, is idempotent; the
installed pre-commit hook stops a bad commit and lets a good one
through; the pre-push hook stops a breaking push, lets a good one
through, checks new branches from where they leave the remote.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-check.sh"

check_git_env

SYNC=syncs/active-users-to-hubspot.yaml

test_expect_success 'setup' '
	new_repo repo
'

test_expect_success 'install-hooks installs both hooks, as in hooks/' '
	(cd repo && git hightouch install-hooks >../out) &&
	cat >expect <<-\EOF &&
	installed '\''.git/hooks/pre-commit'\''
	installed '\''.git/hooks/pre-push'\''
	EOF
	test_cmp expect out &&
	test_cmp "$HT_SRC_DIR/hooks/pre-commit" repo/.git/hooks/pre-commit &&
	test_cmp "$HT_SRC_DIR/hooks/pre-push" repo/.git/hooks/pre-push &&
	test -x repo/.git/hooks/pre-commit &&
	test -x repo/.git/hooks/pre-push
'

test_expect_success 'install-hooks again changes nothing' '
	(cd repo && git hightouch install-hooks >../out) &&
	cat >expect <<-\EOF &&
	'\''.git/hooks/pre-commit'\'' is up to date
	'\''.git/hooks/pre-push'\'' is up to date
	EOF
	test_cmp expect out &&
	test_cmp "$HT_SRC_DIR/hooks/pre-commit" repo/.git/hooks/pre-commit
'

test_expect_success 'an older version of our hook is updated' '
	sed -i "s/--no-verify skips it/--no-verify skips it!/" \
		repo/.git/hooks/pre-commit &&
	(cd repo && git hightouch install-hooks >../out) &&
	grep "^updated '\''.git/hooks/pre-commit'\''" out &&
	test_cmp "$HT_SRC_DIR/hooks/pre-commit" repo/.git/hooks/pre-commit
'

test_expect_success 'the pre-commit hook stops a bad commit' '
	(
		cd repo &&
		sed -i "s/unit: hour/unit: month/" $SYNC &&
		git add $SYNC &&
		test_must_fail git commit -q -m "Monthly" 2>../err &&
		grep "^$SYNC:34:13: error: interval unit" ../err &&
		grep "commit stopped by" ../err &&
		# in the order written: findings, count, what the hook says
		tail -n 3 ../err | cut -d" " -f1-3 >../order &&
		printf "%s\n" "$SYNC:34:13: error: interval" \
			"git-hightouch: 1 error," "hightouch: commit stopped" \
			>../expect &&
		test_cmp ../expect ../order &&
		git rev-parse HEAD >../head &&
		git rev-parse base 2>/dev/null || git tag base
	) &&
	test "$(cat head)" = "$(git -C repo rev-parse base)"
'

test_expect_success '... also with commit -a and commit <path>' '
	(
		cd repo &&
		git reset -q &&
		test_must_fail git commit -q -a -m "Monthly" &&
		test_must_fail git commit -q -m "Monthly" $SYNC &&
		git commit -q --no-verify -m "Monthly" $SYNC &&
		git reset -q --hard HEAD^
	)
'

test_expect_success 'the pre-commit hook lets a good commit through' '
	(
		cd repo &&
		sed -i "s/unit: hour/unit: day/; s/quantity: 24/quantity: 1/" \
			$SYNC &&
		git commit -q -am "Daily" &&
		test "$(git log -1 --format=%s)" = Daily
	)
'

test_expect_success 'a hook already there is kept as .local and runs first' '
	new_repo chain &&
	cat >chain/.git/hooks/pre-commit <<-\EOF &&
	#!/bin/sh
	echo "local hook ran" >>"$(git rev-parse --git-dir)/ran"
	test ! -f "$(git rev-parse --git-dir)/fail-local"
	EOF
	chmod +x chain/.git/hooks/pre-commit &&
	cp chain/.git/hooks/pre-commit old-hook &&
	(cd chain && git hightouch install-hooks >../out) &&
	grep "^installed '\''.git/hooks/pre-commit'\''; the hook that was there is now '\''.git/hooks/pre-commit.local'\'' and runs first" out &&
	test_cmp old-hook chain/.git/hooks/pre-commit.local &&
	(
		cd chain &&
		echo "# more" >>README.md &&
		git commit -q -am "Readme" &&
		grep "local hook ran" .git/ran &&
		touch .git/fail-local &&
		echo "# more" >>README.md &&
		test_must_fail git commit -q -am "Readme again" &&
		rm .git/fail-local
	)
'

# foreign_hook REPO HOOK: a hook that is not ours, and a .local beside it
foreign_hook() {
	echo "#!/bin/sh" >"$1/.git/hooks/$2" &&
	echo "#!/bin/sh" >"$1/.git/hooks/$2.local" &&
	chmod +x "$1/.git/hooks/$2"
}

test_expect_success 'a hook and its .local both there: left alone' '
	new_repo both &&
	foreign_hook both pre-commit &&
	(cd both && test_expect_code 1 git hightouch install-hooks \
		>../out 2>../err) &&
	grep "^error: '\''.git/hooks/pre-commit'\'' is not git-hightouch'\''s hook and '\''.git/hooks/pre-commit.local'\'' exists too" err &&
	grep "^installed '\''.git/hooks/pre-push'\''" out &&
	echo "#!/bin/sh" >expect &&
	test_cmp expect both/.git/hooks/pre-commit
'

test_expect_success 'install-hooks says what it did in the order it did it' '
	new_repo later &&
	foreign_hook later pre-push &&
	(cd later && test_expect_code 1 git hightouch install-hooks \
		>../later.out 2>&1) &&
	cut -d" " -f1-2 later.out >order &&
	printf "%s\n" "installed '\''.git/hooks/pre-commit'\''" \
		"error: '\''.git/hooks/pre-push'\''" >expect &&
	test_cmp expect order &&
	# and a fatal error after it, the same
	new_repo fatal &&
	mkdir fatal/.git/hooks/pre-push &&
	(cd fatal && test_expect_code 2 git hightouch install-hooks \
		>../fatal.out 2>&1) &&
	cut -d" " -f1-2 fatal.out >order &&
	printf "%s\n" "installed '\''.git/hooks/pre-commit'\''" \
		"fatal: cannot" >expect &&
	test_cmp expect order
'

test_expect_success '--force replaces it' '
	(cd both && git hightouch install-hooks --force >../out) &&
	grep "^replaced '\''.git/hooks/pre-commit'\'' (--force)" out &&
	test_cmp "$HT_SRC_DIR/hooks/pre-commit" both/.git/hooks/pre-commit
'

test_expect_success 'core.hooksPath is honoured' '
	new_repo hp &&
	git -C hp config core.hooksPath ci/hooks &&
	(cd hp && git hightouch install-hooks >../out) &&
	grep "^installed '\''ci/hooks/pre-commit'\''" out &&
	test -x hp/ci/hooks/pre-push &&
	test_must_fail test -e hp/.git/hooks/pre-commit &&
	(
		cd hp &&
		echo "name: [" >models/broken.yaml &&
		git add models/broken.yaml &&
		test_must_fail git commit -q -m broken
	)
'

test_expect_success 'from a linked worktree: the common hooks' '
	git -C repo worktree add -q ../wt &&
	(cd wt && git hightouch install-hooks >../out) &&
	grep "is up to date" out &&
	(
		cd wt &&
		echo "name: [" >models/broken.yaml &&
		git add models/broken.yaml &&
		test_must_fail git commit -q -m broken &&
		git rm -q --cached models/broken.yaml &&
		rm models/broken.yaml
	)
'

test_expect_success 'outside a repository install-hooks fails' '
	mkdir nowhere &&
	(
		cd nowhere &&
		GIT_CEILING_DIRECTORIES=$TRASH_DIRECTORY &&
		export GIT_CEILING_DIRECTORIES &&
		test_expect_code 2 git hightouch install-hooks 2>../err
	) &&
	grep "^fatal: cannot find the hooks directory" err &&
	test_expect_code 2 git hightouch install-hooks --bogus
'

test_expect_success 'without git-hightouch in PATH the hooks fail' '
	(
		cd repo &&
		echo "# x" >>README.md &&
		git add README.md &&
		PATH=/usr/bin:/bin test_must_fail git commit -q -m x 2>../err
	) &&
	grep "git-hightouch is not in PATH" err &&
	git -C repo reset -q --hard
'

test_expect_success 'setup: a remote' '
	git init -q --bare remote.git &&
	(
		cd repo &&
		git remote add origin ../remote.git &&
		git push -q origin main 2>../err
	)
'

test_expect_success 'the pre-push hook stops a breaking push' '
	(
		cd repo &&
		git rm -q models/dbt-orders.yaml &&
		git commit -q --no-verify -m "Drop dbt orders" &&
		test_must_fail git push -q origin main 2>../err &&
		grep "syncs/dbt-orders-to-sheets.yaml:1:8: error: model '\''dbt-orders'\'' was deleted" ../err &&
		grep "push of '\''refs/heads/main'\'' to '\''refs/heads/main'\'' stopped" ../err &&
		test "$(git rev-parse HEAD^)" = \
			"$(git -C ../remote.git rev-parse main)"
	)
'

test_expect_success '... and lets a good one through' '
	(
		cd repo &&
		git rm -q syncs/dbt-orders-to-sheets.yaml &&
		git commit -q -m "Drop its sync too" &&
		git push -q origin main 2>../err &&
		test "$(git rev-parse HEAD)" = \
			"$(git -C ../remote.git rev-parse main)"
	)
'

test_expect_success 'a new branch is checked from where it leaves the remote' '
	(
		cd repo &&
		git checkout -q -b feature &&
		sed -i "s/unit: day/unit: month/" $SYNC &&
		git commit -q --no-verify -am "Monthly" &&
		test_must_fail git push -q origin feature 2>../err &&
		grep "interval unit" ../err &&
		git reset -q --hard main &&
		git push -q origin feature &&
		git checkout -q main
	)
'

test_expect_success 'an orphan branch is checked whole' '
	(
		cd repo &&
		git checkout -q --orphan lonely &&
		echo "name: [" >models/broken.yaml &&
		git add -A &&
		git commit -q --no-verify -m lonely &&
		test_must_fail git push -q origin lonely 2>../err &&
		grep "models/broken.yaml:2:1: error" ../err &&
		git checkout -q -f main
	)
'

test_expect_success 'deleting a remote branch is not checked' '
	(cd repo && git push -q origin :feature 2>../err) &&
	test_must_fail git -C remote.git rev-parse -q --verify feature
'

test_expect_success 'a pre-push.local gets the same arguments and input' '
	cat >repo/.git/hooks/pre-push.local <<-\EOF &&
	#!/bin/sh
	echo "args: $*" >"$(git rev-parse --git-dir)/pushed"
	cat >>"$(git rev-parse --git-dir)/pushed"
	EOF
	chmod +x repo/.git/hooks/pre-push.local &&
	(
		cd repo &&
		echo "# more" >>README.md &&
		git commit -q -am readme &&
		git push -q origin main
	) &&
	grep "^args: origin ../remote.git$" repo/.git/pushed &&
	grep "^refs/heads/main [0-9a-f]* refs/heads/main [0-9a-f]*$" \
		repo/.git/pushed
'

test_expect_success 'git push --no-verify skips it' '
	(
		cd repo &&
		git rm -q models/accounts.yaml &&
		git commit -q --no-verify -m "Drop accounts" &&
		test_must_fail git push -q origin main 2>/dev/null &&
		git push -q --no-verify origin main
	)
'

test_done
