#!/bin/sh

test_description='git-remote-hightouch: the API key, and keeping it secret'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	KEY=$HIGHTOUCH_API_KEY &&
	unset HIGHTOUCH_API_KEY &&
	GIT_TERMINAL_PROMPT=0 &&
	export GIT_TERMINAL_PROMPT &&
	HOST=${EMU_URL#http://} &&

	# a credential helper that logs what it is asked, and answers with
	# the key from a file (never in argv)
	mkdir bin &&
	cat >bin/cred-helper <<-EOF &&
	#!/bin/sh
	echo "\$1" >>"$TRASH_DIRECTORY/cred.log"
	cat >>"$TRASH_DIRECTORY/cred.log"
	if test "\$1" = get
	then
		echo username=apikey
		echo "password=\$(cat "$TRASH_DIRECTORY/cred.key")"
	fi
	EOF
	chmod +x bin/cred-helper &&
	echo "$KEY" >cred.key &&

	# the helper, with its arguments (GIT_TRACE shows those of the git
	# commands it runs)
	mkdir fakebin &&
	real=$(command -v git-remote-hightouch) &&
	cat >fakebin/git-remote-hightouch <<-EOF &&
	#!/bin/sh
	printf "%s\n" "\$*" >>"$TRASH_DIRECTORY/argv.log"
	exec "$real" "\$@"
	EOF
	chmod +x fakebin/git-remote-hightouch
'

test_expect_success 'no key and no credential helper' '
	test_must_fail git clone "$HT_URL" c0 2>err &&
	grep "^fatal: no API key for .$HOST.: set HIGHTOUCH_API_KEY, or store the key once with printf .protocol=http.nhost=$HOST.nusername=api-key.npassword=<key>.n. | git credential approve$" err &&
	! grep "could not read Username" err
'

test_expect_success 'HIGHTOUCH_API_KEY that is no key' '
	test_must_fail env HIGHTOUCH_API_KEY="a b" git clone "$HT_URL" c0 \
		2>err &&
	grep "^fatal: HIGHTOUCH_API_KEY is not a valid API key" err &&
	! grep "a b" err
'

test_expect_success 'the key from a credential helper, approved after use' '
	git config --global credential.helper \
		"$TRASH_DIRECTORY/bin/cred-helper" &&
	git clone -q "$HT_URL" c1 &&
	cat >expect <<-EOF &&
	get
	protocol=http
	host=$HOST
	store
	protocol=http
	host=$HOST
	username=apikey
	password=$KEY
	EOF
	test_cmp expect cred.log
'

test_expect_success 'a rejected key is erased from the credential helper' '
	rm -f cred.log &&
	echo wrong-key-0123 >cred.key &&
	test_must_fail git -C c1 fetch 2>err &&
	grep "^fatal: the API key was rejected by .$HOST." err &&
	! grep wrong-key err &&
	grep "^erase$" cred.log &&
	! grep "^store$" cred.log &&
	echo "$KEY" >cred.key &&
	git -C c1 fetch &&
	git config --global --unset credential.helper
'

test_expect_success 'a rejected HIGHTOUCH_API_KEY' '
	test_must_fail env HIGHTOUCH_API_KEY=not-the-key git -C c1 fetch \
		2>err &&
	grep "^fatal: the API key was rejected" err &&
	! grep not-the-key err
'

test_expect_success 'the key never shows: outputs, traces, argv, files' '
	HIGHTOUCH_API_KEY=$KEY &&
	export HIGHTOUCH_API_KEY &&
	PATH=$TRASH_DIRECTORY/fakebin:$PATH &&
	export HT_TRACE=1 GIT_TRACE=1 GIT_TRANSPORT_HELPER_DEBUG=1 &&
	{
		git clone -v --progress "$HT_URL" c2 &&
		ui PATCH /models/1 "{\"name\": \"x\"}" &&
		git -C c2 fetch -v --progress &&
		git -C c2 -c hightouch.fullResync=true fetch -v &&
		git -C c2 ls-remote origin &&
		(cd .. && git ls-remote "$HT_URL") &&
		git -C c2 push origin main ||
		:
	} >out 2>&1 &&
	# a server that echoes the key back in an error
	ht_fault "{\"path\": \"/api/v1/syncs\", \"status\": 500, \"count\": 10, \"body\": {\"message\": \"bad token $KEY\"}}" &&
	test_must_fail git -C c2 -c hightouch.retries=0 \
		-c hightouch.fullResync=true fetch >>out 2>&1 &&
	ht_faults_clear &&
	# and a credential helper that gives it
	unset HIGHTOUCH_API_KEY &&
	git config --global credential.helper \
		"$TRASH_DIRECTORY/bin/cred-helper" &&
	git -C c2 -c hightouch.fullResync=true fetch >>out 2>&1 &&
	git config --global --unset credential.helper &&
	unset HT_TRACE GIT_TRACE GIT_TRANSPORT_HELPER_DEBUG &&
	grep "trace: http: .GET /models" out &&
	grep "trace: protocol: <- capabilities" out &&
	grep "<redacted>" out &&
	grep "trace: built-in: git credential approve$" out &&
	grep "^origin http://127.0.0.1:" argv.log &&
	! grep -F "$KEY" out &&
	! grep -F "$KEY" argv.log &&
	! grep -rF "$KEY" c2/.git --exclude-dir=objects &&
	git -C c2 cat-file --batch-all-objects --batch >objects &&
	! grep -F "$KEY" objects
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
