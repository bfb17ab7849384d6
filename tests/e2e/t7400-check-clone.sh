#!/bin/sh

test_description='git hightouch check on what git-remote-hightouch writes

A workspace cloned from hightouch-emulator passes every rule; the commits
of a fetch (manifest changes included) pass a range check; the hooks
stand in front of a push to the hightouch remote.'

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

test_expect_success 'setup: a generated workspace, cloned' '
	ht_generate seed.json --models 60 --syncs 120 --sources 4 \
		--destinations 8 --schema 3 &&
	ht_start "$TRASH_DIRECTORY/seed.json" &&
	git clone -q "$HT_URL" ws 2>err &&
	test -f ws/manifest-test.yaml &&
	test "$(ls ws/syncs | wc -l)" = 120
'

test_expect_success 'a clone passes every rule' '
	(
		cd ws &&
		git hightouch check >../out 2>&1 &&
		git hightouch check --head HEAD >>../out 2>&1 &&
		git hightouch check --format json >../out.json
	) &&
	test_must_fail test -s out &&
	grep "\"findings\": \\[\\]" out.json
'

test_expect_success 'the commits of a fetch pass a range check' '
	git -C ws rev-parse HEAD >before &&
	ui PATCH /destinations/1 "{\"name\": \"Renamed in the UI\"}" &&
	ui PATCH /models/1 "{\"name\": \"Edited in the UI\"}" &&
	ui POST /destinations "{\"name\": \"Slack\", \"slug\": \"slack\", \"type\": \"slack\", \"configuration\": {}}" &&
	(
		cd ws &&
		git pull -q 2>../err &&
		test "$(git rev-list --count "$(cat ../before)"..HEAD)" -ge 2 &&
		git diff --stat "$(cat ../before)" HEAD -- manifest-test.yaml \
			>../stat &&
		grep "manifest-test.yaml" ../stat &&
		git hightouch check --base "$(cat ../before)" --head HEAD
	)
'

test_expect_success 'the hooks stand in front of the hightouch remote' '
	(
		cd ws &&
		git hightouch install-hooks >/dev/null &&
		sync=$(ls syncs | head -n 1) &&
		sed -i "s/^schedulePaused: .*/schedulePaused: maybe/" \
			"syncs/$sync" &&
		test_must_fail git commit -q -am "Pause it, maybe" 2>../err &&
		grep "syncs/$sync:.*schedulePaused.* \\[wrong-type\\]" ../err &&
		git checkout -q -- syncs &&
		model=$(sed -n "s/^model: //p" "syncs/$sync") &&
		git rm -q "models/$model.yaml" &&
		git commit -q --no-verify -m "Drop a model in use" &&
		test_must_fail git push -q origin main 2>../err &&
		grep "error: model '\''$model'\'' was deleted" ../err &&
		grep "stopped by '\''git hightouch check'\''" ../err
	)
'

test_done
