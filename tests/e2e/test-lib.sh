# tests/e2e/test-lib.sh: a small TAP test library in the style of git's
# t/test-lib.sh, for the end-to-end scripts.  Source it after setting
# test_description:
#
#	test_description='what the script tests'
#	. ./test-lib.sh
#	test_expect_success 'title' '
#		command &&
#		other command
#	'
#	test_done
#
# Each script runs in its own trash directory,
# $HT_BUILD_DIR/trash/<script>/, created empty and removed when every test
# passed (kept with --debug or HT_TEST_KEEP=1).  Options: -v/--verbose
# (show the commands' output), -d/--debug (keep the trash directory),
# -x (trace the test bodies).
#
# Helpers:
#   test_expect_success [PREREQ] TITLE BODY   run BODY (eval'd), ok/not ok
#   test_expect_failure [PREREQ] TITLE BODY   a known breakage (TODO)
#   test_must_fail CMD...        CMD must fail, but not die of a signal
#   test_expect_code CODE CMD... CMD must exit with CODE
#   test_cmp EXPECTED ACTUAL     diff -u, the output shown on a difference
#   test_when_finished CMD       run CMD after the current test, pass or fail
#   test_set_prereq NAME, test_have_prereq NAME
#   test_skip_all REASON         skip the whole script (prints 1..0 # SKIP)
#
# hightouch-emulator (loopback only; everything started is killed at exit):
#   emulator_start [ARGS...]     start it on 127.0.0.1, port 0, with keys
#                                from files; sets EMU_URL, EMU_PORT, EMU_PID
#   emulator_spawn ARGS...       start it with exactly ARGS, and wait
#   emulator_stop                SIGTERM and wait; fails unless it exits 0
#   emulator_kill                SIGKILL and wait
#   api METHOD PATH [BODY]       curl $EMU_URL/api/v1PATH with the API key;
#                                the body goes to ./body, the status to
#                                ./status; BODY "@FILE" sends FILE
#   admin METHOD PATH [BODY]     the same for $EMU_URL/_emulatorPATH with
#                                the admin key
#   anon METHOD URLPATH [BODY]   the same with no Authorization header
#   expect_status CODE           ./status is CODE (else shows ./body)
#   expect_json FILTER           jq -e FILTER holds on ./body
#   json_eq FILTER VALUE         jq -c FILTER on ./body prints VALUE
#
# The keys are passed to curl with `-H @FILE`, never in argv.

# Where things are: run-tests exports these; default for a direct run.
if test -z "$HT_SRC_DIR"; then
	HT_SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
fi
: "${HT_BUILD_DIR:=$HT_SRC_DIR/build/default}"
: "${HT_BIN_DIR:=$HT_BUILD_DIR/bin}"
PATH=$HT_BIN_DIR:$PATH
export HT_SRC_DIR HT_BUILD_DIR HT_BIN_DIR PATH

test_name=$(basename "$0" .sh)
verbose=
debug=
trace=
for arg in "$@"; do
	case "$arg" in
	-v|--verbose) verbose=t ;;
	-d|--debug) debug=t ;;
	-x) trace=t ;;
	*) echo "error: unknown option '$arg'" >&2; exit 1 ;;
	esac
done
test -n "$HT_TEST_KEEP" && debug=t

test_count=0
test_failures=0
test_fixed=0
test_broken=0
test_skipped=0
test_cleanup_cmds=
test_prereqs=" "
started_pids=

# Every process a helper started is killed at exit, whatever happens.
test_lib_kill_all() {
	for p in $started_pids; do
		kill -9 "$p" 2>/dev/null
	done
	for p in $started_pids; do
		wait "$p" 2>/dev/null
	done
	started_pids=
}
trap 'test_lib_kill_all' EXIT
trap 'test_lib_kill_all; exit 130' INT
trap 'test_lib_kill_all; exit 143' TERM

TRASH_DIRECTORY=$HT_BUILD_DIR/trash/$test_name
rm -rf "$TRASH_DIRECTORY" || exit 1
mkdir -p "$TRASH_DIRECTORY" || exit 1
cd "$TRASH_DIRECTORY" || exit 1
HOME=$TRASH_DIRECTORY
export HOME
TEST_OUTPUT=$TRASH_DIRECTORY/.test-output
unset HIGHTOUCH_API_KEY HT_EMULATOR_ADMIN_KEY

say_comment() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

test_set_prereq() {
	test_prereqs="$test_prereqs$1 "
}

test_have_prereq() {
	case "$test_prereqs" in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

command -v jq >/dev/null 2>&1 && test_set_prereq JQ
command -v sqlite3 >/dev/null 2>&1 && test_set_prereq SQLITE3
command -v python3 >/dev/null 2>&1 && test_set_prereq PYTHON3

test_skip_all() {
	echo "1..0 # SKIP $*"
	test_lib_kill_all
	trap - EXIT
	exit 0
}

test_when_finished() {
	test_cleanup_cmds="$*
$test_cleanup_cmds"
}

# Run a test body in this shell, its output to the log (or the terminal).
test_run_() {
	test_cleanup_cmds=
	if test -n "$trace"; then
		set -x
	fi
	if test -n "$verbose"; then
		eval "$1"
	else
		eval "$1" >"$TEST_OUTPUT" 2>&1
	fi
	test_eval_ret_=$?
	set +x
	if test -n "$test_cleanup_cmds"; then
		eval "$test_cleanup_cmds" >>"$TEST_OUTPUT" 2>&1 ||
			test_eval_ret_=1
	fi
	test_cleanup_cmds=
	return $test_eval_ret_
}

test_failure_() {
	test_failures=$((test_failures + 1))
	echo "not ok $test_count - $1"
	say_comment "$2"
	if test -z "$verbose" && test -s "$TEST_OUTPUT"; then
		echo "# output:"
		tail -n 40 "$TEST_OUTPUT" | sed 's/^/#	/'
	fi
}

# test_expect_success [PREREQ] TITLE BODY
test_expect_success() {
	test_prereq_=
	if test $# = 3; then
		test_prereq_=$1
		shift
	fi
	test_count=$((test_count + 1))
	if test -n "$test_prereq_" && ! test_have_prereq "$test_prereq_"; then
		test_skipped=$((test_skipped + 1))
		echo "ok $test_count # SKIP $1 (missing $test_prereq_)"
		return 0
	fi
	if test_run_ "$2"; then
		echo "ok $test_count - $1"
	else
		test_failure_ "$1" "$2"
	fi
}

# test_expect_failure [PREREQ] TITLE BODY: a known breakage.
test_expect_failure() {
	test_prereq_=
	if test $# = 3; then
		test_prereq_=$1
		shift
	fi
	test_count=$((test_count + 1))
	if test -n "$test_prereq_" && ! test_have_prereq "$test_prereq_"; then
		test_skipped=$((test_skipped + 1))
		echo "ok $test_count # SKIP $1 (missing $test_prereq_)"
		return 0
	fi
	if test_run_ "$2"; then
		test_fixed=$((test_fixed + 1))
		echo "ok $test_count - $1 # TODO known breakage vanished"
	else
		test_broken=$((test_broken + 1))
		echo "not ok $test_count - $1 # TODO known breakage"
	fi
}

test_must_fail() {
	"$@"
	test_exit_code_=$?
	if test $test_exit_code_ = 0; then
		echo >&2 "test_must_fail: command succeeded: $*"
		return 1
	elif test $test_exit_code_ -gt 128 && test $test_exit_code_ -le 192
	then
		echo >&2 "test_must_fail: died of signal" \
			"$((test_exit_code_ - 128)): $*"
		return 1
	elif test $test_exit_code_ = 127; then
		echo >&2 "test_must_fail: command not found: $*"
		return 1
	fi
	return 0
}

# test_expect_code CODE CMD...: CMD exits with exactly CODE.
test_expect_code() {
	test_want_=$1
	shift
	"$@"
	test_got_=$?
	if test "$test_got_" != "$test_want_"; then
		echo >&2 "test_expect_code: expected $test_want_, got" \
			"$test_got_: $*"
		return 1
	fi
	return 0
}

test_cmp() {
	diff -u "$1" "$2"
}

test_done() {
	test_lib_kill_all
	trap - EXIT
	echo "1..$test_count"
	if test "$test_skipped" != 0; then
		echo "# $test_skipped skipped"
	fi
	if test "$test_broken" != 0; then
		echo "# $test_broken known breakage(s)"
	fi
	if test "$test_failures" != 0; then
		echo "# failed $test_failures among $test_count test(s)"
		echo "# trash directory kept: $TRASH_DIRECTORY"
		exit 1
	fi
	echo "# passed all $test_count test(s)"
	cd "$HT_BUILD_DIR" || exit 1
	if test -z "$debug"; then
		rm -rf "$TRASH_DIRECTORY"
	fi
	exit 0
}

#
# hightouch-emulator
#

# Key files, made once per script: ./.keys/api-key holds the key,
# ./.keys/api-header the header curl reads with -H @file.
emulator_keys() {
	if test -f "$TRASH_DIRECTORY/.keys/api-key"; then
		return 0
	fi
	mkdir -p "$TRASH_DIRECTORY/.keys" &&
	chmod 700 "$TRASH_DIRECTORY/.keys" &&
	EMU_API_KEY_FILE=$TRASH_DIRECTORY/.keys/api-key &&
	EMU_ADMIN_KEY_FILE=$TRASH_DIRECTORY/.keys/admin-key &&
	echo "htk_test_$$_api_0123456789abcdef" >"$EMU_API_KEY_FILE" &&
	echo "htk_test_$$_admin_fedcba9876543210" >"$EMU_ADMIN_KEY_FILE" &&
	printf 'Authorization: Bearer %s\n' "$(cat "$EMU_API_KEY_FILE")" \
		>"$TRASH_DIRECTORY/.keys/api-header" &&
	printf 'Authorization: Bearer %s\n' "$(cat "$EMU_ADMIN_KEY_FILE")" \
		>"$TRASH_DIRECTORY/.keys/admin-header"
}
EMU_API_KEY_FILE=$TRASH_DIRECTORY/.keys/api-key
EMU_ADMIN_KEY_FILE=$TRASH_DIRECTORY/.keys/admin-key

# How long to wait for the listening line (sanitizer builds start slowly).
: "${HT_EMULATOR_START_TIMEOUT:=30}"

# emulator_start [ARGS...]: start hightouch-emulator with the test keys;
# its stdout goes to ./emulator.out, its stderr to ./emulator.err.
emulator_start() {
	emulator_keys || return 1
	emulator_spawn --workspace test --listen 127.0.0.1:0 \
		--api-key-file "$EMU_API_KEY_FILE" \
		--admin-key-file "$EMU_ADMIN_KEY_FILE" "$@"
}

# emulator_spawn ARGS...: start it with these arguments only, and wait.
emulator_spawn() {
	rm -f emulator.out
	: >emulator.err
	hightouch-emulator "$@" >emulator.out 2>>emulator.err &
	EMU_PID=$!
	started_pids="$started_pids $EMU_PID"
	emulator_wait_ready
}

# Wait for the one line `listening on http://127.0.0.1:PORT`.
emulator_wait_ready() {
	tries=$((HT_EMULATOR_START_TIMEOUT * 20))
	while test $tries -gt 0; do
		if grep -q '^listening on http://' emulator.out 2>/dev/null
		then
			EMU_URL=$(sed -n 's/^listening on //p' emulator.out)
			EMU_PORT=${EMU_URL##*:}
			return 0
		fi
		if ! kill -0 "$EMU_PID" 2>/dev/null; then
			echo >&2 "hightouch-emulator exited before it was ready:"
			cat >&2 emulator.err
			wait "$EMU_PID"
			return 1
		fi
		sleep 0.05
		tries=$((tries - 1))
	done
	echo >&2 "hightouch-emulator not ready after" \
		"${HT_EMULATOR_START_TIMEOUT}s"
	return 1
}

emulator_forget_() {
	pids=
	for p in $started_pids; do
		test "$p" = "$1" || pids="$pids $p"
	done
	started_pids=$pids
}

# emulator_stop: SIGTERM; the emulator must exit 0 (and, in sanitizer
# builds, without a leak report).
emulator_stop() {
	kill -TERM "$EMU_PID" 2>/dev/null
	wait "$EMU_PID"
	emulator_status_=$?
	emulator_forget_ "$EMU_PID"
	if test $emulator_status_ != 0; then
		echo >&2 "hightouch-emulator exited with $emulator_status_:"
		cat >&2 emulator.err
		return 1
	fi
	return 0
}

emulator_kill() {
	kill -9 "$EMU_PID" 2>/dev/null
	wait "$EMU_PID" 2>/dev/null
	emulator_forget_ "$EMU_PID"
	return 0
}

# ht_curl HEADER-FILE METHOD URL [BODY]: ./body and ./status.
ht_curl_() {
	ht_hdr_=$1 ht_method_=$2 ht_url_=$3
	shift 3
	rm -f body status
	if test $# -gt 0; then
		case "$1" in
		@*) ht_body_=${1#@} ;;
		*) printf '%s' "$1" >request-body; ht_body_=request-body ;;
		esac
		set -- --data-binary @"$ht_body_" \
			-H 'Content-Type: application/json'
	fi
	if test -n "$ht_hdr_"; then
		set -- -H @"$ht_hdr_" "$@"
	fi
	curl -sS -g -o body -w '%{http_code}' -X "$ht_method_" "$@" \
		"$ht_url_" >status
}

api() {
	if test $# -ge 3; then
		ht_curl_ "$TRASH_DIRECTORY/.keys/api-header" "$1" \
			"$EMU_URL/api/v1$2" "$3"
	else
		ht_curl_ "$TRASH_DIRECTORY/.keys/api-header" "$1" \
			"$EMU_URL/api/v1$2"
	fi
}

admin() {
	if test $# -ge 3; then
		ht_curl_ "$TRASH_DIRECTORY/.keys/admin-header" "$1" \
			"$EMU_URL/_emulator$2" "$3"
	else
		ht_curl_ "$TRASH_DIRECTORY/.keys/admin-header" "$1" \
			"$EMU_URL/_emulator$2"
	fi
}

anon() {
	if test $# -ge 3; then
		ht_curl_ "" "$1" "$EMU_URL$2" "$3"
	else
		ht_curl_ "" "$1" "$EMU_URL$2"
	fi
}

expect_status() {
	if test "$(cat status 2>/dev/null)" != "$1"; then
		echo >&2 "expected HTTP status $1, got $(cat status 2>/dev/null)"
		echo >&2 "body: $(head -c 2000 body 2>/dev/null)"
		return 1
	fi
	return 0
}

expect_json() {
	if ! jq -e "$1" body >/dev/null; then
		echo >&2 "jq -e '$1' does not hold on:"
		head -c 2000 body >&2
		echo >&2
		return 1
	fi
	return 0
}

json_eq() {
	json_eq_actual_=$(jq -c "$1" body) || {
		echo >&2 "jq '$1' failed on: $(head -c 2000 body)"
		return 1
	}
	if test "$json_eq_actual_" != "$2"; then
		echo >&2 "jq '$1': expected $2"
		echo >&2 "                got $json_eq_actual_"
		return 1
	fi
	return 0
}
