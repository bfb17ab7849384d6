#!/bin/sh

test_description='git hightouch check: the index, the work tree and git

What --staged reads (partly staged files, intent-to-add, a temporary
index), linked worktrees, extensions.worktreeConfig, bare repositories,
GIT_DIR, paths from a subdirectory, merges being concluded, symbolic
links, the prefix from the configuration.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-check.sh"

check_git_env

SYNC=syncs/active-users-to-hubspot.yaml

test_expect_success 'setup' '
	new_repo repo
'

# staged_not_worktree FROM TO LINE:COL: in $SYNC, stage FROM changed to
# TO (an error at LINE:COL), put FROM back in the work tree; only --staged
# finds the error.
staged_not_worktree() {
	sed -i "s/$1/$2/" $SYNC &&
	git add $SYNC &&
	sed -i "s/$2/$1/" $SYNC &&
	git hightouch check &&
	test_expect_code 1 git hightouch check --staged >../out &&
	grep "^$SYNC:$3: error: interval" ../out
}

test_expect_success '--staged reads the index, not the work tree' '
	(
		cd repo &&
		staged_not_worktree "unit: hour" "unit: month" 34:13 &&
		git add $SYNC &&
		git hightouch check --staged &&
		sed -i "s/unit: hour/unit: month/" $SYNC &&
		git hightouch check --staged &&
		test_expect_code 1 git hightouch check &&
		git checkout -- $SYNC &&
		: a work-tree file of the staged size, with other bytes &&
		staged_not_worktree "quantity: 24" "quantity: -4" 35:17 &&
		git reset -q &&
		git checkout -- $SYNC
	)
'

test_expect_success '--staged: an empty staged file, a FIFO in the work tree' '
	(
		cd repo &&
		: >models/empty.yaml &&
		git add models/empty.yaml &&
		test_expect_code 1 git hightouch check --staged >../out &&
		grep "^models/empty.yaml:1:1: error: .*\[not-a-mapping\]" \
			../out &&
		git show :$SYNC >../staged &&
		rm $SYNC &&
		mkfifo $SYNC &&
		test_expect_code 1 git hightouch check --staged >../out2 &&
		test_cmp ../out ../out2 &&
		rm $SYNC &&
		git rm -q --cached models/empty.yaml &&
		rm models/empty.yaml &&
		git checkout -- $SYNC &&
		git hightouch check --staged
	)
'

test_expect_success 'the work tree: a file past the batch reads (64 KiB) is read whole' '
	(
		cd repo &&
		M=models/active-users.yaml &&
		cp $M ../saved &&
		awk "BEGIN { for (i = 0; i < 1200; i++) printf \"# %060d\\n\", i }" \
			>>$M &&
		test $(wc -c <$M) -gt 70000 &&
		git hightouch check &&
		n=$(($(wc -l <$M) + 1)) &&
		echo "name: again" >>$M &&
		test_expect_code 1 git hightouch check >../out &&
		grep "^$M:$n:1: error: " ../out &&
		cp ../saved $M &&
		git hightouch check
	)
'

test_expect_success '--staged: a file staged in part is checked as staged' '
	(
		cd repo &&
		sed -i -e "s/unit: hour/unit: month/" \
			-e "s/quantity: 24/quantity: 1/" $SYNC &&
		git show :$SYNC | sed "s/quantity: 24/quantity: 0/" >staged &&
		blob=$(git hash-object -w staged) &&
		rm staged &&
		git update-index --cacheinfo "100644,$blob,$SYNC" &&
		test_expect_code 1 git hightouch check --staged >../out &&
		echo "$SYNC:35:17: error: interval quantity must be a" \
			"positive integer, got '\''0'\'' [bad-schedule]" >../expect &&
		test_cmp ../expect ../out &&
		test_expect_code 1 git hightouch check >../out &&
		grep "got '\''month'\''" ../out &&
		git reset -q &&
		git checkout -- $SYNC
	)
'

test_expect_success '--staged: intent-to-add files are not staged yet' '
	(
		cd repo &&
		echo "name: [" >models/draft.yaml &&
		git add -N models/draft.yaml &&
		git hightouch check --staged &&
		test_expect_code 1 git hightouch check &&
		git rm -q --cached models/draft.yaml &&
		rm models/draft.yaml
	)
'

test_expect_success '--staged: GIT_INDEX_FILE names the index' '
	(
		cd repo &&
		cp .git/index ../other-index &&
		GIT_INDEX_FILE=../other-index git rm -q --cached \
			models/active-users.yaml &&
		GIT_INDEX_FILE=../other-index test_expect_code 1 \
			git hightouch check --staged >../out &&
		grep "deleted-in-use" ../out &&
		git hightouch check --staged
	)
'

test_expect_success 'a linked worktree has its own index' '
	git -C repo worktree add -q ../wt &&
	(
		cd wt &&
		sed -i "s/quantity: 24/quantity: -1/" $SYNC &&
		git add $SYNC &&
		test_expect_code 1 git hightouch check --staged >../out &&
		grep "interval quantity must be a positive integer" ../out
	) &&
	(cd repo && git hightouch check --staged)
'

test_expect_success 'a repository with extensions.worktreeConfig opens' '
	git -C repo config core.repositoryFormatVersion 1 &&
	git -C repo config extensions.worktreeConfig true &&
	git -C wt config --worktree hightouch.allowManifestEdits false &&
	(cd repo && git hightouch check --staged) &&
	(cd wt && test_expect_code 1 git hightouch check --staged) &&
	git -C repo config --unset extensions.worktreeConfig
'

test_expect_success 'GIT_DIR and GIT_WORK_TREE' '
	GIT_DIR=wt/.git GIT_WORK_TREE=wt test_expect_code 1 \
		git hightouch check --staged >out &&
	grep "interval quantity" out &&
	(
		cd repo &&
		GIT_DIR=.git git hightouch check &&
		cd models &&
		echo "name: [" >broken.yaml &&
		GIT_DIR=../.git test_expect_code 1 git hightouch check \
			>../../out &&
		grep "^manifest-acme-prod.yaml:0:0: .*manifest deleted" \
			../../out &&
		GIT_DIR=../.git GIT_WORK_TREE=.. test_expect_code 1 \
			git hightouch check >../../out &&
		grep "^models/broken.yaml:" ../../out &&
		rm broken.yaml
	) &&
	GIT_DIR=repo/.git git hightouch check --head HEAD
'

test_expect_success 'a bare repository: commits only' '
	git clone -q --bare repo bare.git &&
	(
		cd bare.git &&
		git hightouch check --head HEAD &&
		test_expect_code 2 git hightouch check --staged 2>../err &&
		echo "fatal: a bare repository has no index: use --head or" \
			"--base" >../expect &&
		test_cmp ../expect ../err &&
		test_expect_code 2 git hightouch check
	)
'

test_expect_success 'paths are relative to the current directory' '
	(
		cd repo &&
		echo "name: [" >models/broken.yaml &&
		cd syncs &&
		git hightouch check . &&
		git hightouch check ../syncs &&
		test_expect_code 1 git hightouch check ../models >../../out &&
		grep "^models/broken.yaml:" ../../out &&
		test_expect_code 1 git hightouch check ../models/broken.yaml &&
		test_expect_code 1 git hightouch check "$PWD/../models" &&
		test_expect_code 1 git hightouch check &&
		test_expect_code 2 git hightouch check ../../../x 2>../../err &&
		echo "fatal: '\''../../../x'\'' is outside the repository" \
			>../../expect &&
		test_cmp ../../expect ../../err &&
		test_expect_code 2 git hightouch check /etc/passwd &&
		cd .. &&
		rm models/broken.yaml
	)
'

test_expect_success 'paths not owned are allowed, and report nothing' '
	(cd repo && git hightouch check README.md .github)
'

test_expect_success 'a symbolic link is refused, never followed' '
	cat >expect <<-\EOF &&
	models/link.yaml:0:0: error: a symbolic link, not a file: push does not follow links (commit the file itself) [symbolic-link]
	EOF
	(
		cd repo &&
		ln -s accounts.yaml models/link.yaml &&
		test_expect_code 1 git hightouch check >../out &&
		test_cmp ../expect ../out &&
		git add models/link.yaml &&
		test_expect_code 1 git hightouch check --staged >../out &&
		test_cmp ../expect ../out &&
		git commit -q -m link &&
		test_expect_code 1 git hightouch check --base HEAD~ >../out &&
		test_cmp ../expect ../out &&
		git reset -q --hard HEAD~
	)
'

test_expect_success 'a symbolic link in the place of a folder is refused' '
	cat >expect <<-\EOF &&
	syncs:0:0: error: a symbolic link, not a folder: push does not follow links (commit the folder itself) [symbolic-link]
	EOF
	(
		cd repo &&
		mv syncs ../syncs-elsewhere &&
		ln -s ../syncs-elsewhere syncs &&
		test_expect_code 1 git hightouch check >../out &&
		test_cmp ../expect ../out &&
		git add -A &&
		test_expect_code 1 git hightouch check --staged >../out &&
		test_cmp ../expect ../out &&
		git reset -q --hard &&
		rm -rf ../syncs-elsewhere
	)
'

test_expect_success 'a submodule in the index, in a commit, in the work tree' '
	cat >expect <<-\EOF &&
	models/vendor.yaml:0:0: error: a submodule, not a file: push reads only this repository'"'"'s files (remove it with '"'"'git rm --cached'"'"', then commit the file itself) [submodule]
	EOF
	git init -q vendor &&
	git -C vendor commit -q --allow-empty -m vendor &&
	(
		cd repo &&
		git update-index --add --cacheinfo \
			160000,$(git -C ../vendor rev-parse HEAD),models/vendor.yaml &&
		test_expect_code 1 git hightouch check --staged >../out 2>../err &&
		test_cmp ../expect ../out &&
		git commit -q -m vendor &&
		test_expect_code 1 git hightouch check --base HEAD~ >../out &&
		test_cmp ../expect ../out &&
		test_expect_code 1 git hightouch check --head HEAD >../out &&
		test_cmp ../expect ../out &&
		cp -R ../vendor models/vendor.yaml &&
		test_expect_code 1 git hightouch check >../out &&
		test_cmp ../expect ../out &&
		! grep success ../err &&
		rm -rf models/vendor.yaml &&
		git reset -q --hard HEAD~
	)
'

test_expect_success 'concluding a merge of a fetch: its manifest is fine' '
	(
		cd repo &&
		git checkout -q -b fetched &&
		sed -i "s/name: HubSpot$/name: HubSpot (EU)/" \
			manifest-acme-prod.yaml &&
		sed -i "s/name: Accounts/name: All accounts/" \
			models/accounts.yaml &&
		git commit -q -am "Update destination hubspot (OUTBOUND)" &&
		git checkout -q main &&
		sed -i "s/name: Accounts/name: Accounts (mine)/" \
			models/accounts.yaml &&
		git commit -q -am "Rename the accounts model" &&
		test_must_fail git merge -q fetched >/dev/null 2>&1 &&
		git checkout --theirs models/accounts.yaml &&
		git add models/accounts.yaml &&
		git hightouch check --staged &&
		git hightouch check &&
		echo "# mine" >>manifest-acme-prod.yaml &&
		git add manifest-acme-prod.yaml &&
		test_expect_code 1 git hightouch check --staged >../out &&
		grep "manifest-acme-prod.yaml:.* read-only manifest edited" \
			../out &&
		git merge --abort
	)
'

test_expect_success 'the prefix comes from remote.*.hightouchPath' '
	new_repo pfx clean-prefix-option &&
	(
		cd pfx &&
		echo "name: [" >hightouch/models/broken.yaml &&
		git hightouch check &&
		git config remote.a.hightouchPath hightouch &&
		test_expect_code 1 git hightouch check >../out &&
		grep "^hightouch/models/broken.yaml:2:1: error:" ../out &&
		git config remote.b.hightouchPath /hightouch/ &&
		test_expect_code 1 git hightouch check >../out &&
		test "$(wc -l <../out)" = 1 &&
		git config remote.c.hightouchPath elsewhere &&
		test_expect_code 1 git hightouch check >../out &&
		grep "^hightouch/models/broken.yaml:2:1: error:" ../out &&
		test "$(wc -l <../out)" = 1 &&
		git hightouch check --remote c &&
		test_expect_code 1 git hightouch check --remote b &&
		test_expect_code 1 git hightouch check --prefix hightouch &&
		git hightouch check --prefix elsewhere
	)
'

test_done
