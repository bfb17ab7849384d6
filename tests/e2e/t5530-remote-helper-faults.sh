#!/bin/sh

test_description='git-remote-hightouch: faults, rate limits and crashes'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# check_clone DIR: DIR has exactly the reference clone's commit
check_clone() {
	git -C "$1" rev-parse HEAD >actual &&
	test_cmp ref.head actual &&
	git -C "$1" fsck --full
}

test_expect_success 'setup' '
	ht_generate gen.json --models 150 --syncs 150 --schema 1 &&
	ht_start "$TRASH_DIRECTORY/gen.json" &&
	git clone -q "$HT_URL" ref &&
	git -C ref rev-parse HEAD >ref.head
'

test_expect_success '429 bursts are waited out' '
	ht_fault "{\"path\": \"/api/v1/models\", \"status\": 429, \"count\": 3}" &&
	ht_fault "{\"path\": \"/api/v1/syncs\", \"status\": 429, \"count\": 2}" &&
	ht_requests_reset &&
	git clone -q "$HT_URL" c429 &&
	check_clone c429 &&
	ht_requests requests &&
	test "$(admin GET /requests >/dev/null &&
		jq "[.requests[] | select(.status == 429)] | length" body)" = 5
'

test_expect_success '500s are retried' '
	ht_fault "{\"path\": \"/api/v1/syncs\", \"status\": 500, \"count\": 2}" &&
	ht_fault "{\"path\": \"/api/v1/sources\", \"status\": 503, \"count\": 1}" &&
	git clone -q "$HT_URL" c500 &&
	check_clone c500
'

test_expect_success 'a dropped connection is retried' '
	ht_fault "{\"path\": \"/api/v1/models\", \"close\": true, \"count\": 2}" &&
	git clone -q "$HT_URL" cdrop &&
	check_clone cdrop
'

test_expect_success 'a slow response mid-clone' '
	ht_fault "{\"path\": \"/api/v1/syncs\", \"latencyMs\": 1500, \"count\": 1}" &&
	git clone -q "$HT_URL" cslow &&
	check_clone cslow
'

test_expect_success 'the server rate limit is kept to' '
	admin POST /settings "{\"rateLimit\": \"10/1\"}" &&
	expect_status 200 &&
	git clone -q "$HT_URL" crate &&
	check_clone crate &&
	admin POST /settings "{\"rateLimit\": \"off\"}" &&
	expect_status 200
'

test_expect_success 'a server that keeps failing fails the clone cleanly' '
	ht_fault "{\"path\": \"/api/v1/models\", \"status\": 500, \"count\": 100}" &&
	test_must_fail git clone -c hightouch.retries=1 "$HT_URL" cfail 2>err &&
	grep "^fatal: .GET /models?offset=0&limit=100&orderBy=updatedAt. failed with HTTP 500" err &&
	test ! -e cfail &&
	ht_faults_clear
'

test_expect_success 'a later page, asked for while one is written, is retried' '
	ht_fault "{\"path\": \"/api/v1/models\", \"after\": 1, \"status\": 500, \"count\": 2}" &&
	git clone -q "$HT_URL" cnext &&
	check_clone cnext &&
	ht_faults_clear
'

test_expect_success 'a later page that keeps failing fails the clone with its own line' '
	ht_fault "{\"path\": \"/api/v1/models\", \"after\": 1, \"status\": 500, \"count\": 100}" &&
	test_must_fail git clone -c hightouch.retries=1 "$HT_URL" cnextfail 2>err &&
	grep "^fatal: .GET /models?offset=100&limit=100&orderBy=updatedAt. failed with HTTP 500" err &&
	test ! -e cnextfail &&
	ht_faults_clear
'

test_expect_success 'a failed fetch leaves everything as it was' '
	git clone -q "$HT_URL" cf &&
	git -C cf rev-parse origin/main >before &&
	ui PATCH /models/1 "{\"name\": \"changed\"}" &&
	ht_fault "{\"path\": \"/api/v1/models\", \"status\": 500, \"count\": 100}" &&
	test_must_fail git -C cf -c hightouch.retries=2 fetch 2>err &&
	grep "failed with HTTP 500" err &&
	git -C cf rev-parse origin/main >after &&
	test_cmp before after &&
	git -C cf fsck --full &&
	ht_faults_clear &&
	git -C cf fetch &&
	git -C cf log -1 --format=%s origin/main >actual &&
	echo "Update model users-1 (OUTBOUND)" >expect &&
	test_cmp expect actual
'

# fails_at_list EXPECT CMD...: CMD fails with exactly the stderr EXPECT
# holds (% for an apostrophe; curl's time in ms as N), before git
# started fast-import: none of
# its lines, no crash report in fe/.git, and a clone leaves no directory.
fails_at_list() {
	tr % "\047" <"$1" >expect.err &&
	shift &&
	test_must_fail "$@" 2>err.raw &&
	sed "s/ after [0-9]* ms: / after N ms: /" err.raw >err &&
	test_cmp expect.err err &&
	test ! -e cl &&
	test -z "$(find fe/.git -name "fast_import_crash_*")"
}

test_expect_success 'what fails before objects flow fails at list, cleanly' '
	git clone -q "$HT_URL" fe &&
	git -C fe rev-parse origin/main >before &&
	ui PATCH /models/1 "{\"name\": \"at list\"}" &&
	host=${HT_URL#hightouch::http://} &&
	host=${host%/test} &&

	# no key, and no terminal to ask for one
	printf "%s\n" "fatal: no API key for %$host%: set HIGHTOUCH_API_KEY, or store the key once with printf %protocol=http\\nhost=$host\\nusername=api-key\\npassword=<key>\\n% | git credential approve" >no-key &&
	{ echo "Cloning into %cl%..." && cat no-key; } >no-key.clone &&
	fails_at_list no-key.clone env -u HIGHTOUCH_API_KEY \
		GIT_TERMINAL_PROMPT=0 git clone "$HT_URL" cl &&
	fails_at_list no-key env -u HIGHTOUCH_API_KEY GIT_TERMINAL_PROMPT=0 \
		git -C fe fetch &&

	# a key the server rejects
	echo "fatal: the API key was rejected by %$host%: Authentication error: Token is invalid" >rejected &&
	{ echo "Cloning into %cl%..." && cat rejected; } >rejected.clone &&
	fails_at_list rejected.clone env HIGHTOUCH_API_KEY=wrong-key-0123 \
		git clone "$HT_URL" cl &&
	fails_at_list rejected env HIGHTOUCH_API_KEY=wrong-key-0123 \
		git -C fe fetch &&

	# no server on the port
	echo "fatal: cannot connect to %127.0.0.1:1%: Failed to connect to 127.0.0.1 port 1 after N ms: Couldn%t connect to server" >down &&
	{ echo "Cloning into %cl%..." && cat down; } >down.clone &&
	fails_at_list down.clone git clone hightouch::http://127.0.0.1:1/test cl &&
	git -C fe remote set-url origin hightouch::http://127.0.0.1:1/test &&
	fails_at_list down git -C fe fetch &&
	git -C fe remote set-url origin "$HT_URL" &&

	# a server that keeps failing
	ht_fault "{\"status\": 500, \"count\": 100}" &&
	echo "fatal: %GET /sources?offset=0&limit=100&orderBy=updatedAt% failed with HTTP 500 from %$host%: Internal Server Error" >e500.clone &&
	sed -i "1i Cloning into %cl%..." e500.clone &&
	fails_at_list e500.clone git clone -c hightouch.retries=0 "$HT_URL" cl &&
	syncs=$(jq ".syncs | length" gen.json) &&
	echo "fatal: %GET /syncs?offset=$((syncs - 1))&limit=100&orderBy=updatedAt% failed with HTTP 500 from %$host%: Internal Server Error" >e500 &&
	fails_at_list e500 git -C fe -c hightouch.retries=0 fetch &&
	ht_faults_clear &&

	git -C fe rev-parse origin/main >after &&
	test_cmp before after &&
	git -C fe fsck --full &&
	git -C fe fetch -q &&
	git -C fe log -1 --format=%s origin/main >actual &&
	echo "Update model users-1 (OUTBOUND)" >expect &&
	test_cmp expect actual
'

# crash_fetch REPO: kill the helper at each of its crash points in turn,
# during a fetch of the same changes; after each crash fsck must pass and
# a fetch must give exactly the commits of an uninterrupted one (ref2).
crash_fetch() {
	n=1
	while test $n -lt 400
	do
		rm -rf cr && cp -R "$1" cr &&
		if HT_TEST_CRASH_AT=$n git -C cr fetch -q 2>err
		then
			break
		fi
		if ! grep -q "fatal: error while running fast-import" err
		then
			cat err
			return 1
		fi
		rm -f cr/.git/fast_import_crash_*
		if ! git -C cr fsck --full 2>fsck.err
		then
			echo "fsck failed after crash point $n"
			cat fsck.err
			return 1
		fi
		if ! git -C cr fetch -q
		then
			echo "fetch failed after crash point $n"
			return 1
		fi
		git -C cr rev-parse origin/main >actual
		if ! test_cmp expect actual
		then
			echo "wrong commits after crash point $n"
			return 1
		fi
		n=$((n + 1))
	done
	echo "crash points: $((n - 1))"
	test $n -gt 5
}

test_expect_success 'SIGKILL at every point of a fetch' '
	git clone -q "$HT_URL" base &&
	cp -R base ref2 &&
	ui PATCH /models/2 "{\"name\": \"two\"}" &&
	ui PATCH /syncs/3 "{\"disabled\": true}" &&
	ui POST /destinations "{\"name\": \"New\", \"slug\": \"new\", \"type\": \"webhook\", \"configuration\": {}}" &&
	ui DELETE /syncs/4 &&
	git -C ref2 fetch -q &&
	git -C ref2 rev-parse origin/main >expect &&
	test "$(git -C ref2 rev-list --count origin/main)" = 5 &&
	crash_fetch base
'

test_expect_success 'SIGKILL at random times during fetches' '
	admin POST /settings "{\"latencyMs\": 30}" &&
	expect_status 200 &&
	i=0 &&
	while test $i -lt 6
	do
		rm -rf rk && cp -R base rk &&
		{ git -C rk fetch -q 2>/dev/null & } &&
		fpid=$! &&
		sleep "0.$(( (i * 37) % 9 + 1 ))" &&
		for pid in $(ps -eo pid=,comm= | awk "\$2 ~ /^git-remote-high/ { print \$1 }")
		do
			if test "$(readlink "/proc/$pid/cwd")" = "$TRASH_DIRECTORY/rk"
			then
				kill -9 "$pid" 2>/dev/null || : # it may have ended
			fi
		done &&
		{ wait "$fpid" || :; } &&
		rm -f rk/.git/fast_import_crash_* &&
		git -C rk fsck --full &&
		git -C rk fetch -q &&
		git -C rk rev-parse origin/main >actual &&
		test_cmp expect actual || return 1
		i=$((i + 1))
	done &&
	admin POST /settings "{\"latencyMs\": 0}"
'

test_expect_success 'SIGKILL at every point of a clone' '
	ht_seed "$HT_FIXTURES/workspaces/t5-small.json" &&
	n=1 &&
	while test $n -lt 100
	do
		rm -rf cc &&
		if HT_TEST_CRASH_AT=$n git clone -q "$HT_URL" cc 2>err
		then
			break
		fi
		test ! -e cc || { echo "clone left cc at $n"; return 1; }
		n=$((n + 1))
	done &&
	echo "crash points: $((n - 1))" &&
	test $n -gt 3 &&
	git -C cc fsck --full &&
	git clone -q "$HT_URL" cc2 &&
	test "$(git -C cc rev-parse HEAD)" = "$(git -C cc2 rev-parse HEAD)"
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
