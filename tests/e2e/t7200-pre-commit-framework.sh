#!/bin/sh

test_description='the pre-commit framework runs .pre-commit-hooks.yaml

Debian'\''s pre-commit (3.0.4) installs the hooks of this repository from
a local clone, offline (language: system, git-hightouch from PATH), and
they stop a bad commit and a breaking push and let good ones through.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-check.sh"

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
	cat >repo/.pre-commit-config.yaml <<-EOF &&
	repos:
	  - repo: $TRASH_DIRECTORY/hook-repo
	    rev: $rev
	    hooks:
	      - id: hightouch-check
	      - id: hightouch-check-push
	EOF
	(
		cd repo &&
		git add .pre-commit-config.yaml &&
		git commit -q -m "Use pre-commit" &&
		pre-commit install --hook-type pre-commit \
			--hook-type pre-push >../out 2>&1
	) &&
	grep "pre-commit installed at .git/hooks/pre-commit" out &&
	grep "pre-commit installed at .git/hooks/pre-push" out
'

test_expect_success 'pre-commit validates the manifest' '
	(cd repo && pre-commit validate-config &&
		pre-commit validate-manifest ../hook-repo/.pre-commit-hooks.yaml)
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

test_done
