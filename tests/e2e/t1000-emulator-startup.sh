#!/bin/sh

test_description='hightouch-emulator: options, keys, listening, signals'

# shellcheck disable=SC1091
. ./test-lib.sh

test_expect_success 'setup' '
	emulator_keys &&
	echo "{}" >empty.json
'

test_expect_success '--help goes to stdout and exits 0' '
	hightouch-emulator --help >out 2>err &&
	test ! -s err &&
	grep "^usage: hightouch-emulator --workspace <slug> \[<options>\]" out &&
	grep -- "^    --api-key-file <file>$" out &&
	grep -- "^    --api-key <key>  .*not recommended" out
'

test_expect_success '-h: the usage on stdout, exit 129, as git' '
	test_expect_code 129 hightouch-emulator -h >out 2>err &&
	test ! -s err &&
	grep "^usage: hightouch-emulator --workspace <slug>" out &&
	test_expect_code 129 hightouch-emulator generate -h >out 2>err &&
	test ! -s err &&
	grep "^usage: hightouch-emulator generate" out &&
	test_expect_code 129 hightouch-emulator fields -h >out 2>err &&
	test ! -s err &&
	grep "^usage: hightouch-emulator fields" out &&
	hightouch-emulator fields --help >out &&
	grep "^usage: hightouch-emulator fields" out
'

test_expect_success '--version' '
	ht_version=$(sed -n "s/^HT_VERSION = //p" "$HT_SRC_DIR/Makefile") &&
	echo "hightouch-emulator version $ht_version" >expect &&
	hightouch-emulator --version >out 2>err &&
	test_cmp expect out &&
	test ! -s err
'

test_expect_success 'usage errors exit 129' '
	test_expect_code 129 hightouch-emulator --api-key-file \
		"$EMU_API_KEY_FILE" 2>err &&
	grep "^error: option .--workspace. is required$" err &&
	test_expect_code 129 hightouch-emulator --workspace w --bogus \
		>out 2>err &&
	test ! -s out &&
	echo "error: unknown option '\''--bogus'\''" >expect &&
	echo "usage: hightouch-emulator --workspace <slug> [<options>]" \
		>>expect &&
	head -n 2 err >actual &&
	test_cmp expect actual &&
	test_expect_code 129 hightouch-emulator --workspace 2>err &&
	grep "^error: option .--workspace. needs a value$" err &&
	test_expect_code 129 hightouch-emulator --workspace w extra 2>err &&
	grep "^error: unexpected argument .extra.$" err &&
	test_expect_code 129 hightouch-emulator --allow-remote=yes 2>err &&
	grep "^error: option .--allow-remote. takes no value$" err &&
	test_expect_code 129 hightouch-emulator fields --bogus 2>err &&
	grep "^error: unknown option .--bogus.$" err &&
	grep "^usage: hightouch-emulator fields" err
'

test_expect_success 'no API key is fatal' '
	test_expect_code 128 hightouch-emulator --workspace w 2>err &&
	grep "^fatal: no API key: use --api-key-file or HIGHTOUCH_API_KEY" err
'

test_expect_success 'an empty or unreadable key file is fatal' '
	: >empty-key &&
	test_expect_code 128 hightouch-emulator --workspace w \
		--api-key-file empty-key 2>err &&
	grep "^fatal: the API key is empty" err &&
	test_expect_code 128 hightouch-emulator --workspace w \
		--api-key-file no-such-file 2>err &&
	grep "^fatal: cannot read the API key from .no-such-file." err
'

test_expect_success 'a key both in a file and in argv is refused' '
	test_expect_code 128 hightouch-emulator --workspace w \
		--api-key-file "$EMU_API_KEY_FILE" --api-key abc 2>err &&
	grep "not both" err
'

test_expect_success 'the admin key must differ from the API key' '
	test_expect_code 128 hightouch-emulator --workspace w \
		--api-key-file "$EMU_API_KEY_FILE" \
		--admin-key-file "$EMU_API_KEY_FILE" 2>err &&
	grep "^fatal: the admin key must differ from the API key" err
'

test_expect_success 'addresses that are not loopback are refused' '
	for addr in 0.0.0.0:0 192.0.2.1:8080 "[::]:0"
	do
		test_expect_code 128 hightouch-emulator --workspace w \
			--api-key-file "$EMU_API_KEY_FILE" \
			--listen "$addr" 2>err &&
		grep -F "fatal: refusing to listen on '"'"'$addr'"'"': not a loopback address (use --allow-remote)" err ||
		return 1
	done
'

test_expect_success 'malformed listen addresses are refused' '
	for addr in 127.0.0.1 127.0.0.1:99999 nohost:80 ":80"
	do
		test_expect_code 128 hightouch-emulator --workspace w \
			--api-key-file "$EMU_API_KEY_FILE" \
			--listen "$addr" 2>err &&
		grep "^fatal: invalid listen address" err || return 1
	done
'

test_expect_success 'bad numbers for --latency and --rate-limit' '
	test_expect_code 129 hightouch-emulator --workspace w \
		--api-key-file "$EMU_API_KEY_FILE" --latency -5 2>err &&
	grep "^error: option .--latency. expects a number from 0 to 600000$" \
		err &&
	test_expect_code 129 hightouch-emulator --workspace w \
		--api-key-file "$EMU_API_KEY_FILE" --run-duration=1h 2>err &&
	grep "^error: option .--run-duration. expects a number from 0 to" err &&
	test_expect_code 128 hightouch-emulator --workspace w \
		--api-key-file "$EMU_API_KEY_FILE" --rate-limit 200 2>err &&
	grep "^fatal: invalid rate limit .200." err
'

test_expect_success 'port 0: one listening line on stdout, then SIGTERM' '
	emulator_start &&
	test_line_count=$(wc -l <emulator.out) &&
	test "$test_line_count" = 1 &&
	grep -E "^listening on http://127\.0\.0\.1:[1-9][0-9]*$" emulator.out &&
	test "$EMU_URL" = "http://127.0.0.1:$EMU_PORT" &&
	api GET /sources &&
	expect_status 200 &&
	emulator_stop &&
	test ! -s emulator.err
'

test_expect_success 'SIGINT stops it cleanly too' '
	emulator_start &&
	kill -INT "$EMU_PID" &&
	wait "$EMU_PID" &&
	emulator_forget_ "$EMU_PID"
'

test_expect_success 'the key never appears in argv or in the output' '
	emulator_start &&
	key=$(cat "$EMU_API_KEY_FILE") &&
	admin_key=$(cat "$EMU_ADMIN_KEY_FILE") &&
	tr "\0" " " </proc/$EMU_PID/cmdline >cmdline &&
	! grep -F "$key" cmdline &&
	anon GET /api/v1/sources &&
	expect_status 401 &&
	api GET /sources &&
	emulator_stop &&
	! grep -F -e "$key" -e "$admin_key" emulator.out emulator.err body
'

test_expect_success 'the key may come from HIGHTOUCH_API_KEY' '
	HIGHTOUCH_API_KEY=$(cat "$EMU_API_KEY_FILE") &&
	export HIGHTOUCH_API_KEY &&
	test_when_finished "unset HIGHTOUCH_API_KEY" &&
	emulator_spawn --workspace env-ws &&
	api GET /models &&
	expect_status 200 &&
	emulator_stop
'

test_expect_success 'no admin key: no admin surface' '
	emulator_spawn --workspace w --api-key-file "$EMU_API_KEY_FILE" &&
	admin GET / &&
	expect_status 404 &&
	json_eq .message "\"Not Found\"" &&
	emulator_stop
'

test_expect_success 'a database in use by another emulator is refused' '
	emulator_start --db busy.db &&
	test_expect_code 128 hightouch-emulator --workspace w \
		--api-key-file "$EMU_API_KEY_FILE" --db busy.db 2>err &&
	grep "^fatal: database .busy.db. is in use by another process" err &&
	emulator_stop
'

test_expect_success 'a bad seed file is fatal, with the first problem' '
	echo "{\"models\": [{\"name\": 1}]}" >bad-seed.json &&
	test_expect_code 128 hightouch-emulator --workspace w \
		--api-key-file "$EMU_API_KEY_FILE" --seed bad-seed.json \
		2>err &&
	grep "^fatal: invalid seed .bad-seed.json.: requestBody.models\[0\]" err &&
	echo "{" >broken.json &&
	test_expect_code 128 hightouch-emulator --workspace w \
		--api-key-file "$EMU_API_KEY_FILE" --seed broken.json 2>err &&
	grep "^fatal: broken.json: " err
'

test_expect_success 'an empty seed starts an empty workspace' '
	emulator_start --seed empty.json &&
	api GET /models &&
	expect_status 200 &&
	json_eq . "{\"data\":[],\"hasMore\":false}" &&
	emulator_stop
'

test_expect_success 'fields: the field table, from the kinds table' '
	hightouch-emulator fields >fields &&
	grep "^model (/models):" fields &&
	grep "^  queryType .*values=raw_sql|table|dbt|custom|visual|dbt_cloud" fields &&
	grep "^  slug  *slug  *required immutable emu" fields &&
	grep "^  timestampColumn .*kinds  extension" fields
'

test_done
