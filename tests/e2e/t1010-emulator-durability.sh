#!/bin/sh

test_description='hightouch-emulator: kill -9 during writes loses no acknowledged write'

# shellcheck disable=SC1091
. ./test-lib.sh

# writer N: create sources wN-1, wN-2... and rename every fifth one just
# after; each acknowledged write is appended to acked-N.  Stops at the
# first failure (the emulator is gone).
writer() {
	i=1
	: >"acked-$1"
	while test $i -le 5000
	do
		code=$(curl -sS -o "created-$1" -w "%{http_code}" \
			-H @"$TRASH_DIRECTORY/.keys/api-header" \
			-H "Content-Type: application/json" -X POST \
			--data-binary "{\"name\":\"n\",\"slug\":\"w$1-$i\",\"type\":\"t\",\"configuration\":{\"i\":$i}}" \
			"$EMU_URL/api/v1/sources" 2>/dev/null) || return 0
		test "$code" = 200 || return 0
		echo "create w$1-$i" >>"acked-$1"
		if test $((i % 5)) = 0
		then
			id=$(sed -n "s/^{\"id\":\([0-9]*\),.*/\1/p" "created-$1")
			code=$(curl -sS -o /dev/null -w "%{http_code}" \
				-H @"$TRASH_DIRECTORY/.keys/api-header" \
				-H "Content-Type: application/json" \
				-X PATCH --data-binary "{\"name\":\"renamed\"}" \
				"$EMU_URL/api/v1/sources/$id" 2>/dev/null) ||
				return 0
			test "$code" = 200 || return 0
			echo "rename w$1-$i" >>"acked-$1"
		fi
		i=$((i + 1))
	done
}

acks() {
	cat acked-1 acked-2 acked-3 2>/dev/null | wc -l
}

# all_sources: "slug name" of every source, into ./sources.
all_sources() {
	offset=0
	: >sources
	while :
	do
		api GET "/sources?limit=1000&offset=$offset" &&
		expect_status 200 &&
		jq -r ".data[] | \"\(.slug) \(.name)\"" body >>sources ||
			return 1
		if test "$(jq .hasMore body)" != true
		then
			return 0
		fi
		offset=$((offset + 1000))
	done
}

test_expect_success 'setup' '
	emulator_start --db work.db --rate-limit off &&
	test -f work.db
'

test_expect_success 'kill -9 in the middle of a burst of writes' '
	{ writer 1 & } && w1=$! &&
	{ writer 2 & } && w2=$! &&
	{ writer 3 & } && w3=$! &&
	n=0 &&
	while test "$(acks)" -lt 300 && test $n -lt 600
	do
		sleep 0.02
		n=$((n + 1))
	done &&
	kill -9 "$EMU_PID" &&
	test_expect_code 137 wait "$EMU_PID" &&
	emulator_forget_ "$EMU_PID" &&
	wait $w1 $w2 $w3 &&
	cat acked-1 acked-2 acked-3 >acked &&
	test "$(wc -l <acked)" -ge 300 &&
	grep -c rename acked
'

test_expect_success SQLITE3 'the database passes integrity_check at once' '
	sqlite3 work.db "PRAGMA integrity_check;" >check &&
	echo ok >expect &&
	test_cmp expect check
'

test_expect_success 'restart on the same database: every acknowledged write is there' '
	emulator_start --db work.db --rate-limit off &&
	all_sources &&
	while read -r what slug
	do
		case "$what" in
		create)
			grep -q "^$slug " sources || {
				echo >&2 "lost: $what $slug"
				return 1
			}
			;;
		rename)
			grep -q "^$slug renamed$" sources || {
				echo >&2 "lost: $what $slug"
				return 1
			}
			;;
		esac
	done <acked
'

test_expect_success 'nothing half-written: documents and columns agree' '
	api GET "/sources?limit=1000&orderBy=updatedAt" &&
	jq -r ".data[].updatedAt" body >times &&
	sort -u times >sorted &&
	test_cmp sorted times &&
	expect_json "[.data[] | .configuration.i | type == \"number\"] | all"
'

test_expect_success 'new writes go on after the restart, later in time' '
	api GET "/sources?orderBy=updatedAt&limit=1&offset=$(($(wc -l <sources) - 1))" &&
	last=$(jq -r ".data[0].updatedAt" body) &&
	api POST /sources "{\"name\":\"after\",\"slug\":\"after-restart\",\"type\":\"t\",\"configuration\":{}}" &&
	expect_status 200 &&
	test "$(jq -r .updatedAt body)" \> "$last" &&
	id=$(jq .id body) &&
	test "$id" -gt "$(wc -l <sources)"
'

test_expect_success SQLITE3 'a clean stop leaves a database that checks ok' '
	emulator_stop &&
	sqlite3 work.db "PRAGMA integrity_check; PRAGMA journal_mode;" >check &&
	printf "ok\nwal\n" >expect &&
	test_cmp expect check
'

test_done
