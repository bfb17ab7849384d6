#!/bin/sh

test_description='git-remote-hightouch: the protocol, from stdin to stdout'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

helper() {
	git-remote-hightouch "$@"
}

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	ADDR=$EMU_URL/test
'

test_expect_success 'usage' '
	test_expect_code 129 helper 2>err &&
	grep "^usage: git-remote-hightouch <remote> \[<url>\]" err &&
	test_expect_code 129 helper a b c 2>err &&
	grep "^usage:" err
'

test_expect_success 'by hand: -h, --help, --version, option errors' '
	test_expect_code 129 helper -h >out 2>err &&
	test ! -s err &&
	grep "^usage: git-remote-hightouch <remote> \[<url>\]" out &&
	helper --help >out 2>err &&
	test ! -s err &&
	grep "^usage: git-remote-hightouch <remote> \[<url>\]" out &&
	ht_version=$(sed -n "s/^HT_VERSION = //p" "$HT_SRC_DIR/Makefile") &&
	echo "git-remote-hightouch version $ht_version" >expect &&
	helper --version >out 2>err &&
	test_cmp expect out &&
	test ! -s err &&
	test_expect_code 129 helper --bogus >out 2>err &&
	test ! -s out &&
	echo "error: unknown option '\''--bogus'\''" >expect &&
	echo "usage: git-remote-hightouch <remote> [<url>]" >>expect &&
	head -n 2 err >actual &&
	test_cmp expect actual
'

test_expect_success 'as git runs it, two arguments are never options' '
	printf "capabilities\n\n" | helper --help "$ADDR" >out &&
	grep "^refspec refs/heads/\*:refs/hightouch/--help/heads/\*$" out &&
	printf "capabilities\n\n" | helper -- "$ADDR" >out &&
	grep "^refspec refs/heads/\*:refs/hightouch/--/heads/\*$" out
'

test_expect_success 'capabilities' '
	printf "capabilities\n\n" | helper origin "$ADDR" >out &&
	printf "%s\n" import push option \
		"refspec refs/heads/*:refs/hightouch/origin/heads/*" \
		object-format "" >expect &&
	test_cmp expect out
'

test_expect_success 'a URL on the command line gets a private name' '
	printf "capabilities\n\n" | helper "hightouch::$ADDR" "$ADDR" >out &&
	grep "^refspec refs/heads/\*:refs/hightouch/url-[0-9a-f]\{16\}/heads/\*$" out
'

test_expect_success 'options are answered truthfully' '
	cat >in <<-\EOF &&
	option verbosity 2
	option verbosity -1
	option progress true
	option progress maybe
	option dry-run true
	option cloning true
	option followtags false
	option object-format
	option object-format true
	option object-format sha256
	option cas refs/heads/main:0123456789012345678901234567890123456789
	option cas refs/heads/main
	option push-option "a=\"b\"\tc"
	option push-option plain
	option push-option "bad
	option atomic true
	option depth 1
	option check-connectivity true
	EOF
	printf "option \n\n" >>in &&
	helper origin "$ADDR" <in >out &&
	cat >expect <<-\EOF &&
	ok
	error invalid value
	ok
	error invalid value
	ok
	ok
	ok
	ok
	ok
	error invalid value
	ok
	error invalid value
	ok
	ok
	error invalid value
	ok
	unsupported
	unsupported
	error invalid value
	EOF
	test_cmp expect out
'

# list makes the first request of the import that may follow (a clone
# reads /sources first), so that it fails before git starts fast-import;
# list for-push asks nothing of the workspace.  Neither writes anything.
test_expect_success 'list makes one request and writes nothing' '
	git init -q repo &&
	ht_requests_reset &&
	printf "list\nlist for-push\n\n" >in &&
	(cd repo && GIT_DIR=.git helper origin "$ADDR" <../in >../out) &&
	cat >expect <<-\EOF &&
	? refs/heads/main
	@refs/heads/main HEAD

	? refs/heads/main
	@refs/heads/main HEAD

	EOF
	test_cmp expect out &&
	ht_requests requests &&
	echo "GET /api/v1/sources?offset=0&limit=100&orderBy=updatedAt" >expect &&
	test_cmp expect requests &&
	ht_requests_reset &&
	printf "list for-push\n\n" >in &&
	(cd repo && GIT_DIR=.git helper origin "$ADDR" <../in >../out) &&
	test "$(ht_request_count)" = 0 &&
	test ! -e repo/.git/hightouch &&
	test -z "$(find repo/.git/objects -type f)"
'

test_expect_success 'list outside any repository' '
	printf "list\n\n" | env -u GIT_DIR git-remote-hightouch "$ADDR" "$ADDR" >out &&
	printf "? refs/heads/main\n@refs/heads/main HEAD\n\n" >expect &&
	test_cmp expect out
'

test_expect_success 'list answers :object-format when git asked for it' '
	printf "option object-format\nlist\n\n" | helper origin "$ADDR" >out &&
	printf "ok\n:object-format sha1\n? refs/heads/main\n@refs/heads/main HEAD\n\n" >expect &&
	test_cmp expect out
'

test_expect_success 'the final blank line and the end of input end the helper' '
	printf "\n" | helper origin "$ADDR" >out &&
	test ! -s out &&
	helper origin "$ADDR" </dev/null >out &&
	test ! -s out
'

test_expect_success 'an unknown command is a protocol error' '
	printf "capabilities\nfrobnicate now\n" >in &&
	test_expect_code 128 helper origin "$ADDR" <in >out 2>err &&
	grep "^fatal: protocol error: unknown command .frobnicate now." err &&
	test "$(tail -n 1 out)" = "" &&
	printf "list for-all\n" | test_expect_code 128 helper origin "$ADDR" \
		>out 2>err &&
	grep "unknown command .list for-all." err &&
	printf "capabilities extra\n" |
		test_expect_code 128 helper origin "$ADDR" 2>err &&
	grep "unknown command" err
'

test_expect_success 'malformed import and push batches' '
	printf "import \n\n" | test_expect_code 128 helper origin "$ADDR" \
		>out 2>err &&
	grep "fatal: protocol error: expected .import <ref>., got .import ." err &&
	test ! -s out &&
	printf "import refs/heads/main\nlist\n\n" |
		test_expect_code 128 helper origin "$ADDR" >out 2>err &&
	grep "expected .import <ref>., got .list." err &&
	test ! -s out &&
	printf "import refs/heads/main\n" |
		test_expect_code 128 helper origin "$ADDR" >out 2>err &&
	grep "the commands end inside an import batch" err &&
	printf "push refs/heads/main\n\n" |
		test_expect_code 128 helper origin "$ADDR" >out 2>err &&
	grep "expected .push \[+\]<src>:<dst>., got .push refs/heads/main." err &&
	printf "push a:b c\n\n" |
		test_expect_code 128 helper origin "$ADDR" >out 2>err &&
	grep "expected .push" err
'

test_expect_success 'control characters, NUL bytes and long lines' '
	printf "list\001\n" | test_expect_code 128 helper origin "$ADDR" \
		2>err &&
	grep "unknown command .list?." err &&
	printf "list\000\n" | test_expect_code 128 helper origin "$ADDR" \
		2>err &&
	grep "a NUL byte in a command" err &&
	awk "BEGIN { while (i++ < 70000) printf \"x\"; print \"\" }" |
		test_expect_code 128 helper origin "$ADDR" 2>err &&
	grep "a command longer than 65536 bytes" err
'

test_expect_success 'push answers every ref, and the batch' '
	cat >in <<-\EOF &&
	option dry-run true
	push refs/heads/main:refs/heads/main
	option push-option trigger
	push +HEAD~0:refs/heads/other
	push :refs/heads/main
	push refs/heads/main:refs/heads/main

	EOF
	helper origin "$ADDR" <in >out &&
	cat >expect <<-\EOF &&
	ok
	ok
	error refs/heads/main cannot push without a git repository (GIT_DIR is not set)
	error refs/heads/other a hightouch remote has only one branch, '"'"'refs/heads/main'"'"'
	error refs/heads/main cannot delete the branch of a workspace: the API deletes nothing
	error refs/heads/main pushed twice in one push

	EOF
	test_cmp expect out
'

test_expect_success 'import writes only the fast-import stream' '
	rm -rf repo && git init -q repo &&
	printf "import refs/heads/main\nimport refs/heads/main\nimport HEAD\n\n\n" >in &&
	(cd repo && GIT_DIR=.git helper origin "$ADDR" <../in >../out 2>../err) &&
	test ! -s err &&
	sed -e "s/^from [0-9a-f]\{40\}$/from SHA/" out >actual &&
	cat >expect <<-\EOF &&
	feature done
	reset refs/hightouch/origin/heads/main
	from SHA

	done
	EOF
	test_cmp expect actual &&
	sha=$(sed -n "s/^from //p" out) &&
	git -C repo cat-file -t "$sha" >type &&
	echo commit >expect &&
	test_cmp expect type &&
	git -C repo ls-tree -r --name-only "$sha" >files &&
	grep "^models/users.yaml$" files &&
	grep "^manifest-test.yaml$" files
'

test_expect_success 'import through fast-import sets the private ref' '
	(cd repo && GIT_DIR=.git helper origin "$ADDR" <../in >../stream) &&
	git -C repo fast-import --quiet <stream &&
	git -C repo rev-parse refs/hightouch/origin/heads/main >actual &&
	sed -n "s/^from //p" stream >expect &&
	test_cmp expect actual
'

test_expect_success 'import of an unknown ref is refused' '
	printf "import refs/heads/other\n\n" >in &&
	(cd repo && GIT_DIR=.git && export GIT_DIR &&
	 test_expect_code 128 helper origin "$ADDR" <../in >../out 2>../err) &&
	grep "^fatal: a hightouch remote has no ref .refs/heads/other." err &&
	echo "feature done" >expect &&
	test_cmp expect out
'

test_expect_success 'import without a repository is refused' '
	printf "import refs/heads/main\n\n" >in &&
	(unset GIT_DIR && test_expect_code 128 helper origin "$ADDR" \
		<in >out 2>err) &&
	grep "^fatal: cannot import without a git repository" err &&
	echo "feature done" >expect &&
	test_cmp expect out
'

test_expect_success 'a bad URL is fatal before any command' '
	test_expect_code 128 helper origin "hightouch://bad host" </dev/null \
		>out 2>err &&
	test ! -s out &&
	grep "^fatal: invalid hightouch URL: it holds spaces" err &&
	test_expect_code 128 helper origin "http://192.0.2.1/ws" </dev/null \
		2>err &&
	grep "^fatal: refusing plain http to .192.0.2.1.: it is not a loopback address (set hightouch.allowHttp to allow it)" err
'

test_expect_success 'HT_TRACE traces the protocol on stderr only' '
	printf "capabilities\nlist\n\n" >in &&
	HT_TRACE=1 helper origin "$ADDR" <in >out 2>err &&
	printf "capabilities\nlist\n\n" | helper origin "$ADDR" >expect &&
	test_cmp expect out &&
	grep "^trace: protocol: <- capabilities$" err &&
	grep "^trace: protocol: -> refspec refs/heads/\*:refs/hightouch/origin/heads/\*$" err &&
	grep "^trace: protocol: -> ? refs/heads/main$" err
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
