#!/bin/sh

test_description='git-remote-hightouch: one key per remote, and the right workspace'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

test_expect_success 'setup: a clone, and a second workspace remote' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" c &&
	git -C c remote add other "${HT_URL%/test}/other"
'

test_expect_success 'two workspaces: HIGHTOUCH_API_KEY serves neither' '
	ht_requests_reset &&
	test_must_fail git -C c fetch origin 2>err &&
	grep "^fatal: no API key for remote .origin.: 2 remotes name different workspaces, so each needs a key of its own and HIGHTOUCH_API_KEY serves none; set remote.origin.hightouchKeyEnv" err &&
	grep "credential.useHttpPath=true credential approve" err &&
	test "$(ht_request_count)" = 0
'

test_expect_success 'two remotes of one workspace share its key' '
	git -C c remote remove other &&
	git -C c remote add again "$HT_URL/" &&
	git -C c fetch -q origin &&
	git -C c remote remove again &&
	git -C c remote add other "${HT_URL%/test}/other"
'

test_expect_success 'remote.<name>.hightouchKeyEnv names the variable of its key' '
	git -C c config remote.origin.hightouchKeyEnv TEST_KEY &&
	test_must_fail git -C c fetch origin 2>err &&
	grep "^fatal: remote .origin. takes its API key from TEST_KEY (remote.origin.hightouchKeyEnv), which is not set$" err &&
	TEST_KEY=$HIGHTOUCH_API_KEY git -C c fetch -q origin &&
	git -C c config remote.origin.hightouchKeyEnv "1BAD" &&
	test_must_fail git -C c fetch origin 2>err &&
	grep "bad config value for .remote.origin.hightouchkeyenv.: it must name an environment variable" err &&
	git -C c config --unset remote.origin.hightouchKeyEnv
'

test_expect_success 'two workspaces: the key stored for each path' '
	git config --global credential.helper store &&
	test_when_finished "git config --global --unset credential.helper" &&
	host=${HT_URL#hightouch::http://} &&
	host=${host%/test} &&
	printf "protocol=http\nhost=%s\npath=test\nusername=api-key\npassword=%s\n" "$host" "$HIGHTOUCH_API_KEY" |
		git -c credential.useHttpPath=true credential approve &&
	(
		unset HIGHTOUCH_API_KEY &&
		git -C c fetch -q origin &&
		test_must_fail git -C c fetch other 2>err &&
		grep "no API key for remote .other." err
	)
'

test_expect_success 'a key that serves another workspace: refused before any write' '
	git -C c remote remove other &&
	jq ".workspaceId = 99" "$HT_FIXTURES/workspaces/t5-small.json" >other.json &&
	ht_seed other.json &&
	test_must_fail git -C c fetch origin 2>err &&
	grep "^fatal: remote .origin.: its API key serves workspace 99, but the remote.s history came from workspace 7; nothing was written" err &&
	# at list, before git started fast-import
	test "$(wc -l <err)" = 1 &&
	test -z "$(find c/.git -name "fast_import_crash_*")" &&
	git -C c rev-parse origin/main >before &&
	sed -i "s/^primaryKey: id$/primaryKey: user_id/" c/models/users.yaml &&
	git -C c commit -q -am "users by user_id" &&
	ht_requests_reset &&
	test_must_fail git -C c push origin main 2>err &&
	grep "its API key serves workspace 99" err &&
	writes w &&
	test ! -s w &&
	git -C c rev-parse origin/main >after &&
	test_cmp before after
'

test_expect_success 'the right key again: fetch and push go on' '
	ht_seed "$HT_FIXTURES/workspaces/t5-small.json" &&
	git -C c pull -q --no-rebase origin main &&
	git -C c push -q origin main
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
