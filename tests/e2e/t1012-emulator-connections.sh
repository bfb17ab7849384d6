#!/bin/sh

test_description='hightouch-emulator: connections per client, idle timeout'

# shellcheck disable=SC1091
. ./test-lib.sh

if ! test_have_prereq PYTHON3; then
	test_skip_all 'python3 is needed to hold connections open'
fi

conns="$HT_SRC_DIR/tests/e2e/lib-connections.py"

# wait_for SECONDS CMD...: run CMD until it succeeds, for SECONDS at most.
# The bounds are generous: the machine may be loaded.
wait_for() {
	wait_for_n_=$(($1 * 10))
	shift
	while ! "$@"; do
		test $wait_for_n_ -gt 0 || return 1
		sleep 0.1
		wait_for_n_=$((wait_for_n_ - 1))
	done
}

# hold N: hold N idle connections from 127.0.0.1, in the background, until
# release; ./held says how many are open and how many the server closed.
hold() {
	rm -f held held.release
	python3 "$conns" hold "$EMU_PORT" "$1" held &
	holder_pid=$!
	started_pids="$started_pids $holder_pid"
}

# release: the holder closes what is left and exits (once only).
release() {
	test -n "$holder_pid" || return 0
	: >held.release
	wait "$holder_pid"
	release_status_=$?
	emulator_forget_ "$holder_pid"
	holder_pid=
	return $release_status_
}

held_is() {
	test "$(cat held 2>/dev/null)" = "$1"
}

# get_from ADDRESS: GET /api/v1/sources from the local address ADDRESS
# (127.0.0.2 is another client to the server), ./body and ./status.
get_from() {
	rm -f body status
	curl -sS --interface "$1" --max-time 30 -o body -w "%{http_code}" \
		-H @"$TRASH_DIRECTORY/.keys/api-header" \
		"$EMU_URL/api/v1/sources" >status
}

served_from() {
	get_from "$1" 2>/dev/null && expect_status 200 2>/dev/null
}

test_expect_success 'bad numbers for the connection options' '
	emulator_keys &&
	test_expect_code 129 hightouch-emulator --workspace w \
		--api-key-file "$EMU_API_KEY_FILE" \
		--max-connections-per-client 0 2>err &&
	grep "^error: option .--max-connections-per-client. expects a number from 1 to 512$" \
		err &&
	test_expect_code 129 hightouch-emulator --workspace w \
		--api-key-file "$EMU_API_KEY_FILE" --idle-timeout 5s 2>err &&
	grep "^error: option .--idle-timeout. expects a number from 0 to 86400$" \
		err
'

test_expect_success 'setup: 8 connections per client, no idle timeout' '
	emulator_start --max-connections-per-client 8 --idle-timeout 0
'

test_expect_success 'past its limit, a client'\''s connections are closed at once' '
	hold 40 &&
	test_when_finished release &&
	wait_for 60 held_is "open 8 closed 32" &&
	test_must_fail get_from 127.0.0.1 &&
	held_is "open 8 closed 32"
'

test_expect_success 'a client does not lock others out' '
	hold 40 &&
	test_when_finished release &&
	wait_for 60 held_is "open 8 closed 32" &&
	get_from 127.0.0.2 &&
	expect_status 200 &&
	release &&
	wait_for 60 served_from 127.0.0.1
'

test_expect_success 'setup: 4 connections per client, 1 s idle timeout' '
	emulator_stop &&
	emulator_start --max-connections-per-client 4 --idle-timeout 1
'

test_expect_success 'idle connections are closed after the idle timeout' '
	hold 4 &&
	test_when_finished release &&
	wait_for 60 held_is "open 0 closed 4"
'

test_expect_success 'a kept-alive connection is closed once idle' '
	python3 "$conns" idle "$EMU_PORT" .keys/api-header 60 >out &&
	printf "HTTP/1.1 200 OK\nclosed\n" >expect &&
	test_cmp expect out
'

test_expect_success 'a client filling its own limit is served soon after' '
	hold 4 &&
	test_when_finished release &&
	wait_for 60 served_from 127.0.0.1
'

test_expect_success 'time spent answering is not idle time' '
	admin POST /faults "{\"latencyMs\":2500}" &&
	expect_status 200 &&
	api GET /sources &&
	expect_status 200 &&
	json_eq .data "[]"
'

test_expect_success 'setup: the defaults' '
	emulator_stop &&
	emulator_start
'

test_expect_success 'the defaults leave room for many clients on one address' '
	hold 32 &&
	test_when_finished release &&
	wait_for 60 held_is "open 32 closed 0" &&
	get_from 127.0.0.1 &&
	expect_status 200 &&
	held_is "open 32 closed 0"
'

test_expect_success 'the emulator stops cleanly' '
	emulator_stop
'

test_done
