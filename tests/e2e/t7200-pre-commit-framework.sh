#!/bin/sh

test_description='the pre-commit framework runs .pre-commit-hooks.yaml

Debian'\''s pre-commit (3.0.4) installs the hooks of this repository from
a local clone, offline (language: system, git-hightouch from PATH), and
they stop a bad commit and a breaking push and let good ones through.
The configurations of githooks-hightouch(7) are the ones used, and
pre-commit says nothing about them but what the page says it says.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-check.sh"
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-docs.sh"

if ! command -v pre-commit >/dev/null 2>&1; then
	test_skip_all 'pre-commit is not installed (Debian package pre-commit)'
fi

check_git_env
PRE_COMMIT_HOME=$TRASH_DIRECTORY/pre-commit-cache
export PRE_COMMIT_HOME
unset PRE_COMMIT_COLOR
# no network: pre-commit only ever runs git on local paths here
GIT_ALLOW_PROTOCOL='file'
export GIT_ALLOW_PROTOCOL
SYNC=syncs/active-users-to-hubspot.yaml

# The stage names this pre-commit knows: 3.2 added pre-commit and pre-push
# (githooks-hightouch(7), "Stage names and pre-commit versions").
PC_VERSION=$(pre-commit --version | sed -n "s/^pre-commit //p")
case "$PC_VERSION" in
[012].* | 3.[01] | 3.[01].*) ;;
*) test_set_prereq NEW_STAGE_NAMES ;;
esac
case "$PC_VERSION" in
[0-3].*) ;;
*) test_set_prereq STAGE_WARNINGS ;;
esac

# no_warnings FILE: pre-commit warned about nothing (4.0 and later: about
# nothing but the manifest's stage names, once, as the page says)
no_warnings() {
	if test_have_prereq STAGE_WARNINGS; then
		grep -v "uses deprecated stage names (commit, push) which will be removed" "$1"
	else
		cat "$1"
	fi | grep "WARNING" && return 1
	return 0
}

test_expect_success 'setup: the hook repository, as a git repository' '
	mkdir hook-repo &&
	cp "$HT_SRC_DIR/.pre-commit-hooks.yaml" hook-repo/ &&
	git -C hook-repo init -q &&
	git -C hook-repo add .pre-commit-hooks.yaml &&
	git -C hook-repo commit -q -m hooks &&
	rev=$(git -C hook-repo rev-parse HEAD)
'

test_expect_success 'setup: a Hightouch repository using the hooks' '
	new_repo repo &&
	# githooks-hightouch(7): a clone of the project, and a commit of it
	doc_example docs/githooks-hightouch.7 pre-commit-config >example &&
	sed -e "s|/path/to/git-remote-hightouch\$|$TRASH_DIRECTORY/hook-repo|" \
		-e "s/0123456789abcdef0123456789abcdef01234567\$/$rev/" \
		example >repo/.pre-commit-config.yaml &&
	! grep "/path/to\|0123456789abcdef" repo/.pre-commit-config.yaml &&
	(
		cd repo &&
		git add .pre-commit-config.yaml &&
		git commit -q -m "Use pre-commit" &&
		pre-commit install --hook-type pre-commit \
			--hook-type pre-push >../out 2>&1 &&
		pre-commit install-hooks >>../out 2>&1
	) &&
	cat out &&
	grep "pre-commit installed at .git/hooks/pre-commit" out &&
	grep "pre-commit installed at .git/hooks/pre-push" out &&
	no_warnings out
'

test_expect_success 'pre-commit validates the manifest, with no warning' '
	(cd repo && pre-commit validate-config &&
		pre-commit validate-manifest ../hook-repo/.pre-commit-hooks.yaml
	) >out 2>&1 &&
	cat out &&
	no_warnings out
'

test_expect_success 'the manifest uses the stage names 3.0 knows' '
	sed -n "s/^  stages: //p" hook-repo/.pre-commit-hooks.yaml >actual &&
	printf "%s\n" "[commit, manual]" "[push]" >expect &&
	test_cmp expect actual
'

test_expect_success 'a bad commit is stopped' '
	(
		cd repo &&
		sed -i "s/unit: hour/unit: month/" $SYNC &&
		git add $SYNC &&
		test_must_fail git commit -q -m Monthly >../out 2>&1
	) &&
	grep "hightouch check (what is staged)" out &&
	grep "Failed" out &&
	grep "$SYNC:34:13: error: interval unit must be one of" out &&
	no_warnings out &&
	test "$(git -C repo log -1 --format=%s)" = "Use pre-commit"
'

test_expect_success 'unstaged changes are not what is checked' '
	(
		cd repo &&
		sed -i "s/unit: month/unit: day/" $SYNC &&
		git add $SYNC &&
		sed -i "s/unit: day/unit: month/" $SYNC &&
		git commit -q -m Daily >../out 2>&1 &&
		grep "unit: month" $SYNC &&
		git show HEAD:$SYNC | grep "unit: day"
	) &&
	grep "hightouch check (what is staged).*Passed" out &&
	test "$(git -C repo log -1 --format=%s)" = Daily &&
	git -C repo checkout -q -- $SYNC
'

test_expect_success 'a hand edit of the manifest is stopped' '
	(
		cd repo &&
		sed -i "s/name: HubSpot$/name: HS/" manifest-acme-prod.yaml &&
		git add manifest-acme-prod.yaml &&
		test_must_fail git commit -q -m "Edit" >../out 2>&1 &&
		git checkout -q HEAD -- manifest-acme-prod.yaml
	) &&
	grep "read-only manifest edited" out
'

test_expect_success 'setup: a remote' '
	git init -q --bare remote.git &&
	(
		cd repo &&
		git remote add origin ../remote.git &&
		git push -q origin main >../out 2>&1
	)
'

test_expect_success 'a breaking push is stopped' '
	(
		cd repo &&
		git rm -q models/accounts.yaml &&
		git commit -q --no-verify -m "Drop accounts" &&
		test_must_fail git push -q origin main >../out 2>&1
	) &&
	grep "hightouch check (what is pushed)" out &&
	grep "syncs/accounts-to-salesforce.yaml:1:8: error: model '\''accounts'\'' was deleted" out &&
	test "$(git -C remote.git log -1 --format=%s main)" = Daily
'

test_expect_success 'a good push goes through' '
	(
		cd repo &&
		git rm -q syncs/accounts-to-salesforce.yaml &&
		git commit -q -m "Drop its sync too" &&
		git push -q origin main >../out 2>&1
	) &&
	test "$(git -C remote.git log -1 --format=%s main)" = \
		"Drop its sync too"
'

test_expect_success 'pre-commit run --all-files and the manual stage' '
	(
		cd repo &&
		pre-commit run --all-files >../out 2>&1 &&
		pre-commit run --hook-stage manual hightouch-check \
			>>../out 2>&1
	) &&
	grep "hightouch check (what is staged).*Passed" out
'


test_expect_success 'repo: local, with the stage names of this pre-commit' '
	new_repo local &&
	doc_example docs/githooks-hightouch.7 pre-commit-local >example &&
	if test_have_prereq NEW_STAGE_NAMES; then
		cp example local/.pre-commit-config.yaml
	else
		# on 3.0 and 3.1, the names of the comments
		sed "s/stages: \[.*\] *# 3.0, 3.1: \(\[.*\]\)\$/stages: \1/" \
			example >local/.pre-commit-config.yaml &&
		grep "stages: \[commit, manual\]\$" local/.pre-commit-config.yaml &&
		grep "stages: \[push\]\$" local/.pre-commit-config.yaml
	fi &&
	(
		cd local &&
		pre-commit validate-config &&
		git add .pre-commit-config.yaml &&
		git commit -q -m "Use pre-commit" &&
		pre-commit install --hook-type pre-commit \
			--hook-type pre-push &&
		sed -i "s/unit: hour/unit: month/" $SYNC &&
		git add $SYNC &&
		test_must_fail git commit -q -m Monthly &&
		git checkout -q HEAD -- $SYNC &&
		git init -q --bare ../local-remote.git &&
		git remote add origin ../local-remote.git &&
		git push -q origin main &&
		git rm -q models/accounts.yaml &&
		git commit -q --no-verify -m "Drop accounts" &&
		test_must_fail git push -q origin main
	) >out 2>&1 &&
	cat out &&
	grep "$SYNC:34:13: error: interval unit must be one of" out &&
	grep "model '\''accounts'\'' was deleted" out &&
	# no manifest: not even pre-commit 4 has anything to say
	! grep WARNING out
'

test_expect_success 'pre-commit autoupdate: rev to the newest commit' '
	echo "# a change" >>hook-repo/.pre-commit-hooks.yaml &&
	git -C hook-repo commit -q -am "A newer commit" &&
	new=$(git -C hook-repo rev-parse HEAD) &&
	(cd repo && pre-commit autoupdate) >out 2>&1 &&
	cat out &&
	grep "rev: $new\$" repo/.pre-commit-config.yaml
'

test_expect_success 'a branch name as rev: pre-commit warns' '
	branch=$(git -C hook-repo symbolic-ref --short HEAD) &&
	sed -i "s/rev: .*/rev: $branch/" repo/.pre-commit-config.yaml &&
	(cd repo && pre-commit install-hooks) >out 2>&1 &&
	cat out &&
	grep "appears to be a mutable reference" out
'

test_done
