#!/bin/sh

test_description='git-remote-hightouch: a file whose data is unchanged keeps its bytes'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# The files of the user, formatted their own way: comments, quoting, key
# order, four-space indentation, flow style, a byte order mark, omitted
# defaults and null query keys of another type.
write_formatted() {
	cat >models/users.yaml <<-\EOF &&
	# The users model: every user, one row each.
	name:   "All users"        # was Users
	type: raw_sql
	source: 'snowflake'
	rawSql: |
	    select *
	    from users
	    where deleted_at is null
	description: |-
	    All users.
	    One row each.
	primaryKey: id
	tableName: null
	EOF
	cat >syncs/users-to-hubspot.yaml <<-\EOF &&
	model: users
	destination: hubspot
	# flow style, four spaces
	config: {mode: upsert, object: companies, mappings: [{from: email, to: email, type: standard}]}
	schedule:
	    type: interval
	    schedule:
	        interval: {unit: hour, quantity: 1}
	schedulePaused: false
	EOF
	cat >models/accounts.yaml <<-\EOF &&
	# accounts, by table
	{name: Accounts, source: postgres, type: table, tableName: public.accounts, primaryKey: account_id}
	EOF
	printf "\357\273\277name: Sheet\nsource: postgres\ntype: custom\ncustomQuery: {range: \"A1:F\", sheet: Leads}\nprimaryKey: null\n" \
		>models/sheet.yaml
}

# Fetch into c: exactly one new commit, which changes FILE only.
fetch_one() {
	git -C c fetch -q origin &&
	test "$(git -C c rev-list --count HEAD..origin/main)" = 1 &&
	git -C c diff --name-only HEAD origin/main >changed &&
	echo "$1" >want &&
	test_cmp want changed
}

# c has no commit its remote-tracking branch lacks, nor the other way.
at_tip() {
	git -C c rev-parse HEAD >at_head &&
	git -C c rev-parse origin/main >tip &&
	test_cmp at_head tip
}

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" c &&
	(
		cd c &&
		write_formatted &&
		git add . &&
		git commit -q -m "our own formatting" &&
		mkdir ../pushed &&
		cp models/users.yaml models/accounts.yaml models/sheet.yaml \
			syncs/users-to-hubspot.yaml ../pushed/
	)
'

test_expect_success 'a push in the user formatting sends only the data changes' '
	ht_requests_reset &&
	git -C c push -q origin main &&
	writes actual &&
	sort actual >sorted &&
	cat >expect <<-\EOF &&
	PATCH /api/v1/models/1
	PATCH /api/v1/syncs/1
	EOF
	test_cmp expect sorted &&
	api GET /models/1 &&
	json_eq .name "\"All users\""
'

test_expect_success 'the next fetch makes no commit and leaves the files as they are' '
	git -C c fetch origin 2>err &&
	at_tip &&
	for f in models/users.yaml models/accounts.yaml models/sheet.yaml \
		syncs/users-to-hubspot.yaml
	do
		git -C c show "origin/main:$f" >file &&
		cmp "pushed/${f#*/}" file || return 1
	done
'

test_expect_success 'a full resync makes no commit either' '
	rm -rf "$(cd c && ht_state origin)" &&
	git -C c fetch -q origin &&
	at_tip
'

test_expect_success 'a UI change of one field: one commit, that line only' '
	ui PATCH /models/1 "{\"primaryKey\": \"user_id\"}" &&
	fetch_one models/users.yaml &&
	sed "s/^primaryKey: id$/primaryKey: user_id/" pushed/users.yaml >expect &&
	! cmp expect pushed/users.yaml &&
	git -C c show origin/main:models/users.yaml >actual &&
	test_cmp expect actual &&
	git -C c merge -q --ff-only origin/main
'

test_expect_success 'a UI change deep in a file: its lines only, the rest as it was' '
	ui PATCH /syncs/1 "{\"schedule\": {\"type\": \"interval\", \"schedule\": {\"interval\": {\"unit\": \"minute\", \"quantity\": 1}}}}" &&
	fetch_one syncs/users-to-hubspot.yaml &&
	git -C c show origin/main:syncs/users-to-hubspot.yaml >actual &&
	sed -n "1,7p" pushed/users-to-hubspot.yaml >expect &&
	cat >>expect <<-\EOF &&
	        interval:
	          unit: minute
	          quantity: 1
	schedulePaused: false
	EOF
	test_cmp expect actual &&
	git -C c merge -q --ff-only origin/main
'

test_expect_success 'a data change the file does not hold is not kept from it' '
	ui PATCH /models/1 "{\"description\": \"Every user.\"}" &&
	fetch_one models/users.yaml &&
	git -C c show origin/main:models/users.yaml >actual &&
	grep "^description: Every user.$" actual &&
	! grep "One row each" actual &&
	grep "^# The users model" actual &&
	git -C c merge -q --ff-only origin/main
'

test_expect_success 'a manifest in a banner of its own is accepted by a push' '
	(
		cd c &&
		{
			echo "# Written by Hightouch Git Sync; do not edit." &&
			echo "destinations:" &&
			echo "    braze: {name: Braze, type: braze}" &&
			echo "    hubspot: {name: HubSpot, type: hubspot}" &&
			echo "sources:" &&
			echo "    snowflake: {name: Snowflake, type: snowflake}" &&
			echo "    postgres: {name: \"Postgres: analytics\", type: postgres}"
		} >manifest-test.yaml &&
		cp manifest-test.yaml ../manifest &&
		git commit -q -am "the manifest as Git Sync writes it" &&
		git push -q origin main
	) &&
	at_tip
'

test_expect_success 'a UI change elsewhere leaves the manifest and the other files' '
	ui PATCH /models/2 "{\"primaryKey\": \"id\"}" &&
	fetch_one models/accounts.yaml &&
	git -C c show origin/main:manifest-test.yaml >file &&
	cmp manifest file &&
	git -C c show origin/main:models/accounts.yaml >file &&
	grep "account_id" pushed/accounts.yaml &&
	! grep "account_id" file &&
	grep "^primaryKey: id$" file &&
	git -C c merge -q --ff-only origin/main &&
	rm -rf "$(cd c && ht_state origin)" &&
	git -C c fetch -q origin &&
	at_tip
'

test_expect_success 'a UI change of a source: the manifest keeps its banner and form' '
	ui PATCH /sources/1 "{\"name\": \"Snowflake (EU)\"}" &&
	fetch_one manifest-test.yaml &&
	git -C c show origin/main:manifest-test.yaml >actual &&
	sed -n "1,5p" manifest >expect &&
	cat >>expect <<-\EOF &&
	    snowflake:
	      name: Snowflake (EU)
	      type: snowflake
	EOF
	sed -n "7p" manifest >>expect &&
	test_cmp expect actual &&
	git -C c merge -q --ff-only origin/main
'

test_expect_success 'two clones at the same state make the same commits' '
	cp -R c d &&
	ui PATCH /syncs/1 "{\"disabled\": true}" &&
	fetch_one syncs/users-to-hubspot.yaml &&
	git -C c diff -U0 HEAD origin/main >diff &&
	grep "^[-+][^-+]" diff >actual &&
	printf "%s\n" "-schedulePaused: false" "+schedulePaused: true" >expect &&
	test_cmp expect actual &&
	git -C d fetch -q origin &&
	git -C c rev-parse origin/main >expect &&
	git -C d rev-parse origin/main >actual &&
	test_cmp expect actual
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
