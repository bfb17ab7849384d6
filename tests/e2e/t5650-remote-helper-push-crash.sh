#!/bin/sh

test_description='git-remote-hightouch: SIGKILL at every point of a push'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# census: what the workspace holds of the push (admin reads, which the
# request log does not count): how many resources have each slug the
# push creates, the name it changes, and the counts of the kinds.
census() {
	for q in models/m1 schema/parent-models/households \
		schema/relationships/households-purchases syncs/m1-to-braze
	do
		admin GET "/resources/${q%/*}?slug=${q##*/}" &&
		expect_status 200 &&
		echo "$q $(jq ".data | length" body)" || return 1
	done &&
	admin GET /resources/models/1 && expect_status 200 &&
	echo "users $(jq -r .name body)" &&
	admin GET "" && expect_status 200 &&
	jq -r ".counts | \"models \(.models) parentModels \(.parentModels) \
relationships \(.relationships) syncs \(.syncs)\"" body
}

# expect_census N: the census after the first N writes of the push.
expect_census() {
	m1=$(($1 >= 1)) hh=$(($1 >= 3)) rel=$(($1 >= 4)) sync=$(($1 >= 5))
	users=Users
	test "$1" -lt 2 || users="All users"
	cat <<-EOF
	models/m1 $m1
	schema/parent-models/households $hh
	schema/relationships/households-purchases $rel
	syncs/m1-to-braze $sync
	users $users
	models $((8 + m1 + hh)) parentModels $((1 + hh)) relationships $((2 + rel)) syncs $((4 + sync))
	EOF
}

# untouched DIR: the repository is sound and holds what the user wrote:
# the branch, the work tree, the index, the remote-tracking branch and
# the private ref are those of ./base.
untouched() {
	git -C "$1" fsck --full 2>fsck.err || {
		cat fsck.err
		return 1
	}
	for ref in HEAD "HEAD^{tree}" origin/main refs/hightouch/origin/heads/main
	do
		test "$(git -C "$1" rev-parse "$ref")" = \
			"$(git -C base rev-parse "$ref")" || {
			echo "$ref moved in $1"
			return 1
		}
	done &&
	git -C "$1" status --porcelain >status.out &&
	test ! -s status.out
}

# converged DIR: DIR's branch has exactly the intended files, is what the
# workspace has (a fetch brings nothing), and the workspace has every
# change of the push once.
converged() {
	git -C "$1" fetch -q &&
	test "$(git -C "$1" rev-parse HEAD)" = \
		"$(git -C "$1" rev-parse origin/main)" &&
	test "$(git -C "$1" rev-parse "HEAD^{tree}")" = "$(cat intended.tree)" &&
	git -C "$1" status --porcelain >status.out &&
	test ! -s status.out &&
	git -C "$1" fsck --full &&
	census >actual &&
	expect_census 5 >expect &&
	test_cmp expect actual
}

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" base &&
	git -C base config pull.rebase true &&
	(
		cd base &&
		cat >models/m1.yaml <<-\EOF &&
		name: M1
		source: snowflake
		type: table
		tableName: m1
		isSchema: false
		primaryKey: id
		EOF
		sed -i "s/^name: Users$/name: All users/" models/users.yaml &&
		cat >schema/parent-models/households.yaml <<-\EOF &&
		name: Households
		source: snowflake
		type: table
		tableName: households
		isSchema: true
		primaryKey: household_id
		primaryLabel: address
		EOF
		cat >schema/model-relationships/households-purchases.yaml <<-\EOF &&
		from: households
		to: purchases
		cardinality: one-to-many
		joinKeys:
		  - from: household_id
		    to: household_id
		EOF
		cat >syncs/m1-to-braze.yaml <<-\EOF &&
		model: m1
		destination: braze
		config:
		  mode: insert
		schedule:
		  type: manual
		schedulePaused: false
		EOF
		git add . &&
		git commit -q -m "m1, households and their sync"
	) &&
	git -C base rev-parse "HEAD^{tree}" >intended.tree &&
	cat >full.writes <<-\EOF &&
	POST /api/v1/models
	PATCH /api/v1/models/1
	POST /api/v1/schema/parent-models
	POST /api/v1/schema/relationships
	POST /api/v1/syncs
	EOF
	census >actual &&
	expect_census 0 >expect &&
	test_cmp expect actual
'

test_expect_success 'an uninterrupted push: five writes, and it converges' '
	rm -rf cr && cp -R base cr &&
	ht_requests_reset &&
	git -C cr push -q origin main &&
	writes actual &&
	test_cmp full.writes actual &&
	converged cr
'

# crash_push N: a push from a copy of ./base to a fresh workspace, killed
# at its crash point N; "N: where" is added to ./points.  Returns 2 when
# the push passed fewer crash points (it succeeded).
crash_push() {
	rm -rf cr && cp -R base cr &&
	ht_seed "$HT_FIXTURES/workspaces/t5-small.json" &&
	ht_requests_reset || return 1
	if HT_TRACE=1 HT_TEST_CRASH_AT=$1 git -C cr push origin main 2>err
	then
		return 2
	fi
	sed -n "s/^trace: test: crash point \\($1: .*\\)$/\\1/p" err >>points &&
	if test "$(tail -n 1 points | cut -d: -f1)" != "$1" ||
		! grep "^error: git-remote-hightouch died of signal 9$" err
	then
		echo "crash point $1 did not kill the helper"
		cat err
		return 1
	fi
}

# check_crash N: after crash_push N, nothing is lost and the workspace
# has exactly the writes the helper had an answer to.  Then a push again
# does the whole push if nothing was written, else it is refused (by the
# conflict check, or the state the crash left: half written, or ahead of
# the private ref), and fetch, pull --rebase and push converge without a
# duplicate.
check_crash() {
	acked=$(grep -c -E "^trace: http: .(POST|PATCH) " err)
	test "$acked" -le 5 &&
	untouched cr &&
	head -n "$acked" full.writes >expect &&
	writes actual &&
	test_cmp expect actual &&
	census >actual &&
	expect_census "$acked" >expect &&
	test_cmp expect actual &&

	ht_requests_reset &&
	if test "$acked" = 0
	then
		git -C cr push -q origin main &&
		writes actual &&
		test_cmp full.writes actual &&
		converged cr
		return
	fi &&
	test_must_fail git -C cr push origin main 2>err &&
	grep "! \[rejected\] *main -> main (fetch first)" err &&
	case $1 in
	[1-6]) why= ;;
	[78]) why="the state of remote .origin. is damaged" ;;
	*) why="the last fetch from .origin. is out of date" ;;
	esac &&
	sed -n "/^error: failed to push/d; /^error: /p" err >actual &&
	if test -n "$why"
	then
		grep "^error: $why: run .git fetch origin. first$" actual
	else
		test ! -s actual
	fi &&
	writes actual &&
	test ! -s actual &&
	untouched cr &&

	git -C cr fetch -q &&
	git -C cr pull -q --rebase &&
	ht_requests_reset &&
	git -C cr push -q origin main &&
	writes actual &&
	tail -n "+$((acked + 1))" full.writes >expect &&
	test_cmp expect actual &&
	converged cr
}

test_expect_success 'SIGKILL at every crash point of a push' '
	: >points &&
	n=1 &&
	while test $n -lt 40
	do
		crash_push $n
		ret=$?
		test $ret = 2 && break
		test $ret = 0 || return 1
		if ! check_crash $n
		then
			echo "after crash point $n:" &&
			cat err
			return 1
		fi
		n=$((n + 1))
	done &&
	echo "crash points: $((n - 1))" &&
	test $ret = 2 &&
	converged cr
'

test_expect_success 'the crash points are the writes and the state files' '
	cat >expect <<-\EOF &&
	1: before a write of a push
	2: before a write of a push
	3: before a write of a push
	4: before a write of a push
	5: before a write of a push
	6: before writing a state file
	7: between the state files
	8: before writing a state file
	9: after writing the state
	EOF
	test_cmp expect points
'

test_expect_success 'SIGKILL while a write is in flight: it lands, never twice' '
	rm -rf cr && cp -R base cr &&
	ht_seed "$HT_FIXTURES/workspaces/t5-small.json" &&
	ht_requests_reset &&
	ht_fault "{\"method\": \"POST\", \"path\": \"/api/v1/schema/relationships\", \"latencyMs\": 2500}" &&
	{ git -C cr push -q origin main 2>err & } &&
	gpid=$! &&
	tries=200 &&
	while admin GET /faults && test "$(jq ".faults | length" body)" != 0
	do
		tries=$((tries - 1)) &&
		test $tries -gt 0 || break
		sleep 0.05
	done &&
	killed= &&
	for pid in $(ps -eo pid=,comm= | awk "\$2 ~ /^git-remote-high/ { print \$1 }")
	do
		if test "$(readlink "/proc/$pid/cwd")" = "$TRASH_DIRECTORY/cr"
		then
			kill -9 "$pid" && killed=$pid
		fi
	done &&
	{ wait "$gpid"; echo $? >rc; } &&
	echo 1 >expect &&
	test_cmp expect rc &&
	test -n "$killed" &&
	grep "died of signal 9" err &&
	untouched cr &&

	# the unanswered create lands after the kill
	tries=100 &&
	until writes actual && test "$(wc -l <actual)" = 4
	do
		tries=$((tries - 1)) &&
		test $tries -gt 0 || return 1
		sleep 0.05
	done &&
	head -n 4 full.writes >expect &&
	test_cmp expect actual &&
	census >actual &&
	expect_census 4 >expect &&
	test_cmp expect actual &&

	git -C cr fetch -q &&
	git -C cr pull -q --rebase &&
	ht_requests_reset &&
	git -C cr push -q origin main &&
	writes actual &&
	echo "POST /api/v1/syncs" >expect &&
	test_cmp expect actual &&
	converged cr
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
