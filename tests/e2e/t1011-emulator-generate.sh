#!/bin/sh

test_description='hightouch-emulator generate: deterministic, realistic workspaces'

# shellcheck disable=SC1091
. ./test-lib.sh

test_expect_success 'the same options give the same bytes' '
	hightouch-emulator generate --models 40 --syncs 80 --schema 2 >a.json &&
	hightouch-emulator generate --models 40 --syncs 80 --schema 2 \
		-o b.json &&
	test_cmp a.json b.json &&
	hightouch-emulator generate --models 40 --syncs 80 --schema 2 \
		--random-seed 2 >c.json &&
	! cmp -s a.json c.json
'

test_expect_success 'counts and ids' '
	jq -c "[(.sources | length), (.destinations | length), (.models | length), (.syncs | length), (.parentModels | length), (.relatedModels | length), (.eventModels | length), (.relationships | length)]" a.json >counts &&
	echo "[3,6,40,80,2,4,2,6]" >expect &&
	test_cmp expect counts &&
	jq "[.models[].id] == [range(1; 41)]" a.json >ok &&
	echo true >expect &&
	test_cmp expect ok
'

test_expect_success 'realistic content: queries, mappings, schedules' '
	jq -e "[.models[] | select(.queryType == \"raw_sql\") | .raw.sql | test(\"\\n.*\\n\")] | all" a.json &&
	jq -c "[.models[].queryType] | unique" a.json >types &&
	echo "[\"custom\",\"dbt\",\"raw_sql\",\"table\"]" >expect &&
	test_cmp expect types &&
	jq -c "[.. | objects | select(has(\"to\") and has(\"type\")) | .type] | unique" a.json >mappings &&
	echo "[\"reference\",\"standard\",\"template\",\"variable\"]" >expect &&
	test_cmp expect mappings &&
	jq -c "[.syncs[].schedule | if . == null then \"manual\" elif .type == \"interval\" then \"interval-\" + .schedule.interval.unit else .type end] | unique" a.json >schedules &&
	echo "[\"cron\",\"dbt-cloud\",\"interval-day\",\"interval-hour\",\"interval-minute\",\"interval-week\",\"manual\",\"visual\"]" >expect &&
	test_cmp expect schedules &&
	jq -e "[.syncs[] | select(.schedule.startDate)] | length > 0" a.json &&
	jq -e "[.syncs[] | select(.disabled)] | length > 0" a.json
'

test_expect_success 'it loads as a seed, and exports as it was generated' '
	emulator_start --seed a.json &&
	admin GET "" &&
	json_eq .counts "{\"sources\":3,\"destinations\":6,\"models\":48,\"syncs\":80,\"parentModels\":2,\"relatedModels\":4,\"eventModels\":2,\"relationships\":6}" &&
	admin GET /export &&
	jq -S "[(.models[] | del(.syncs, .workspaceId, .lastRunSize, .dbt)), (.syncs[] | del(.workspaceId, .status, .lastRunAt, .referencedColumns, .primaryKey, .externalSegment, .tags))]" body >exported &&
	jq -S "[(.models[] | del(.dbt)), .syncs[]]" a.json >generated &&
	test_cmp generated exported &&
	emulator_stop
'

test_expect_success 'usage errors' '
	test_expect_code 129 hightouch-emulator generate --models x 2>err &&
	grep "^error: option .--models. expects a number from 0 to 10000000$" \
		err &&
	test_expect_code 129 hightouch-emulator generate --frobnicate 2>err &&
	grep "^error: unknown option .--frobnicate.$" err &&
	grep "^usage: hightouch-emulator generate" err &&
	test_expect_code 129 hightouch-emulator generate --start May 2>err &&
	grep "^error: option .--start. expects a time" err &&
	test_expect_code 129 hightouch-emulator generate --syncs 5 --models 0 \
		2>err &&
	grep "syncs need models" err &&
	hightouch-emulator generate --help >out &&
	grep "^usage: hightouch-emulator generate" out
'

test_done
