#!/bin/sh

test_description='git-remote-hightouch: two pushes of one model at once'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# Two up-to-date clones, a and b, push different edits of model 'users'
# at the same moment, TRIALS times at each emulator latency.  The API has
# no conditional write; what a push may not do is exit 0 while its edit is
# gone.  Each trial's outcome is one line of ./outcomes:
#   LATENCY MODE STATUS-A STATUS-B
# and the figures are printed at the end (HT_RACE_TRIALS sets TRIALS).
TRIALS=${HT_RACE_TRIALS:-10}

# model_field FIELD: the field (JSON) of model 'users' in the workspace
model_field() {
	admin GET "/resources/models?slug=users" && expect_status 200 &&
	jq -r ".data[0].$1" body
}

# edit DIR FIELD VALUE: commit FIELD: VALUE in DIR's models/users.yaml
edit() {
	sed -i "s/^$2: .*\$/$2: $3/" "$1/models/users.yaml" &&
	grep -q "^$2: $3\$" "$1/models/users.yaml" &&
	git -C "$1" commit -q -am "$1: $2 $3"
}

# up_to_date DIR: fetch, and drop what the last trial left
up_to_date() {
	git -C "$1" fetch -q 2>"$1.fetch.err" &&
	git -C "$1" reset -q --hard origin/main
}

# kept DIR FIELD VALUE: the workspace has DIR's edit
kept() {
	test "$(model_field "$2")" = "$3"
}

# trial LATENCY MODE N: one race; fails when a push exited 0 and its edit
# is not in the workspace, or a failed push does not say why
trial() {
	up_to_date a && up_to_date b &&
	edit a name "A$3" &&
	if test "$2" = same
	then
		field_b=name
	else
		field_b=primaryKey
	fi &&
	edit b "$field_b" "b$3" &&
	ht_requests_reset &&
	{ git -C a push -q origin main 2>a.err & pid_a=$!; } &&
	{ git -C b push -q origin main 2>b.err & pid_b=$!; } &&
	status_a=0 && status_b=0 &&
	{ wait "$pid_a" || status_a=$?; } &&
	{ wait "$pid_b" || status_b=$?; } &&
	echo "$1 $2 $status_a $status_b" >>outcomes &&
	if test "$status_a" = 0 && ! kept a name "A$3"
	then
		echo >&2 "trial $3 ($1 ms, $2): a exited 0, its edit is gone"
		admin GET /requests; jq -c ".requests[]|[.seq,.time,.method,.path]" body >fail.log; cat a.err b.err >fail.err
		return 1
	fi &&
	if test "$status_b" = 0 && ! kept b "$field_b" "b$3"
	then
		echo >&2 "trial $3 ($1 ms, $2): b exited 0, its edit is gone"
		admin GET /requests; jq -c ".requests[]|[.seq,.time,.method,.path]" body >fail.log; cat a.err b.err >fail.err
		return 1
	fi &&
	for who in a b
	do
		case $who in
		a) st=$status_a ;;
		*) st=$status_b ;;
		esac
		if test "$st" != 0 &&
		   ! grep -q "someone else\|fetch first" $who.err
		then
			echo >&2 "trial $3: $who failed without saying why:"
			cat >&2 $who.err
			return 1
		fi
	done &&
	# a push that says its change is there is right
	if grep -q "change is still there\|both changes are in" a.err &&
	   ! kept a name "A$3"
	then
		echo >&2 "trial $3: a says its change is there; it is not"
		return 1
	fi &&
	if grep -q "change is still there\|both changes are in" b.err &&
	   ! kept b "$field_b" "b$3"
	then
		echo >&2 "trial $3: b says its change is there; it is not"
		return 1
	fi
}

# the next fetch of each clone brings the workspace as it is
converged() {
	up_to_date a && up_to_date b &&
	name=$(model_field name) && key=$(model_field primaryKey) &&
	for who in a b
	do
		if ! grep -q "^name: $name\$" "$who/models/users.yaml" ||
		   ! grep -q "^primaryKey: $key\$" "$who/models/users.yaml"
		then
			echo >&2 "$who does not have the workspace's users:"
			cat >&2 "$who/models/users.yaml"
			return 1
		fi
	done
}

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" a &&
	git clone -q "$HT_URL" b &&
	: >outcomes
'

for latency in ${HT_RACE_LATENCIES:-5 20}
do
	for mode in ${HT_RACE_MODES:-same different}
	do
		test_expect_success "$TRIALS races at $latency ms, edits of $mode fields: no push exits 0 with its edit gone" '
			admin POST /settings "{\"latencyMs\":$latency}" &&
			expect_status 200 &&
			n=0 &&
			while test $n -lt $TRIALS
			do
				n=$((n + 1)) &&
				trial $latency $mode $latency$n &&
				converged || return 1
			done
		'
	done
done

test_expect_success 'no trial where both pushes of one field exit 0' '
	admin POST /settings "{\"latencyMs\":0}" &&
	test -s outcomes &&
	! grep -E "^[0-9]+ same 0 0\$" outcomes
'

# the figures, for the benchmarks' notes (shown with V=1)
for latency in 5 20
do
	for mode in same different
	do
		grep "^$latency $mode " outcomes >these
		all=$(wc -l <these)
		both=$(grep -c " 0 0\$" these)
		one=$(grep -c -E " 0 [1-9][0-9]*\$| [1-9][0-9]* 0\$" these)
		say_comment "$latency ms, $mode field: $all trials, both pushes exit 0: $both, one: $one, neither: $((all - both - one))"
	done
done

test_done
