#!/bin/sh

test_description='the hooks in a repository of two workspaces at two paths

Git Sync and the Customer Studio guide give each workspace a path of its
own (remote.<name>.hightouchPath): staging/ and production/ here, one
remote and one emulator each, with git hightouch install-hooks.  Each
path is checked on its own, against its own workspace; a commit outside
every path passes.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-check.sh"
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

if ! command -v hightouch-emulator >/dev/null 2>&1 ||
	! command -v git-remote-hightouch >/dev/null 2>&1; then
	test_skip_all 'hightouch-emulator or git-remote-hightouch not built'
fi

check_git_env

# model DIR SOURCE: DIR/models/users.yaml, a model of SOURCE
model() {
	mkdir -p "$1/models" &&
	cat >"$1/models/users.yaml" <<-EOF
	name: Users
	source: $2
	type: table
	tableName: users
	isSchema: false
	primaryKey: id
	EOF
}

# sync DIR DESTINATION: DIR/syncs/users-to-crm.yaml, users to DESTINATION
sync() {
	mkdir -p "$1/syncs" &&
	cat >"$1/syncs/users-to-crm.yaml" <<-EOF
	model: users
	destination: $2
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
}

test_expect_success 'setup: staging/ and production/, two remotes' '
	ht_start_pair &&
	git clone -q -o staging -c remote.staging.hightouchPath=staging \
		"$STAGING_URL" r &&
	(
		cd r &&
		git remote add production "$PROD_URL" &&
		git config remote.production.hightouchPath production &&
		git config remote.staging.hightouchKeyEnv STAGING_KEY &&
		git config remote.production.hightouchKeyEnv PRODUCTION_KEY &&
		git fetch -q production &&
		git merge -q --allow-unrelated-histories \
			-m "Merge production" production/main &&
		git hightouch install-hooks >/dev/null &&
		test -f manifest-staging.yaml &&
		test -f manifest-production.yaml
	)
'

test_expect_success 'a commit outside every path passes' '
	(
		cd r &&
		echo "# Analytics" >README.md &&
		mkdir models docs &&
		echo "name: [" >models/broken.yaml &&
		echo "name: [" >docs/broken.yaml &&
		git add README.md models docs &&
		git commit -q -m "A README" 2>../err
	) &&
	! test -s err &&
	test "$(git -C r log -1 --format=%s)" = "A README"
'

test_expect_success 'an error in staging/ stops the commit, named with its path' '
	(
		cd r &&
		model staging production-pg &&
		git add staging &&
		test_must_fail git commit -q -m "Users" 2>../err
	) &&
	grep "^staging/models/users.yaml:2:9: error: source .production-pg. is neither a source of workspace .staging. (manifest-staging.yaml) nor an alias in aliases-staging.yaml; it is a source of workspace .production. (postgres)" err &&
	grep "commit stopped by .git hightouch check --staged." err &&
	test "$(git -C r log -1 --format=%s)" = "A README" &&
	(
		cd r &&
		model staging staging-pg &&
		sync staging staging-hubspot &&
		git add staging &&
		git commit -q -m "Users" 2>../err
	) &&
	! test -s err
'

test_expect_success 'production/ is checked against the production manifest' '
	(
		cd r &&
		model production staging-pg &&
		git add production &&
		test_must_fail git commit -q -m "Users in production" \
			2>../err &&
		grep "^production/models/users.yaml:2:9: error: source .staging-pg. is neither a source of workspace .production. (manifest-production.yaml)" ../err &&
		! grep "^staging/" ../err &&
		model production production-pg &&
		sync production production-hubspot &&
		git add production &&
		git commit -q -m "Users in production" 2>../err
	) &&
	! test -s err &&
	git -C r hightouch check
'

test_expect_success 'the pre-push hook checks the pushed remote path' '
	(
		cd r &&
		sed -i "s/^source: production-pg$/source: staging-pg/" \
			production/models/users.yaml &&
		git commit -q --no-verify -am "A mistake in production" &&
		test_expect_code 1 git hightouch check >../out &&
		test "$(grep -c "^production/models/users.yaml:" ../out)" = 1 &&
		! grep "^staging/" ../out &&
		test_must_fail git push production main 2>../err &&
		grep "^production/models/users.yaml:2:9: error: source .staging-pg." ../err &&
		grep "push of .refs/heads/main. to .refs/heads/main. stopped by .git hightouch check." ../err &&
		git push staging main 2>../err
	) &&
	! grep "^production/" err &&
	! grep "stopped by" err &&
	api GET "/models?slug=users" &&
	test "$(jq -r ".data[0].table.name" body)" = users &&
	api GET "/syncs?slug=users-to-crm" &&
	test "$(jq -r ".data | length" body)" = 1
'

test_expect_success 'check --remote and --workspace choose the paths' '
	(
		cd r &&
		git hightouch check --remote staging &&
		test_expect_code 1 git hightouch check --remote production \
			>../out &&
		grep "^production/models/users.yaml:2:9: error:" ../out &&
		git hightouch check --workspace staging &&
		test_expect_code 1 git hightouch check --workspace production &&
		git hightouch check --staged --remote staging &&
		test_expect_code 2 git hightouch check --remote staging \
			--workspace production 2>../err &&
		grep "workspace .production. belongs to no remote at the path of remote .staging. (.staging.)" ../err
	)
'

test_done
