#!/bin/sh

test_description='git-remote-hightouch: git clone'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json
'

test_expect_success 'clone a workspace' '
	git clone "$HT_URL" c1 2>err &&
	git -C c1 symbolic-ref HEAD >head &&
	echo refs/heads/main >expect &&
	test_cmp expect head &&
	git -C c1 rev-parse refs/remotes/origin/main \
		refs/hightouch/origin/heads/main >refs &&
	test "$(sed -n 1p refs)" = "$(sed -n 2p refs)" &&
	git -C c1 status --porcelain >status &&
	test ! -s status
'

test_expect_success 'the layout' '
	git -C c1 ls-files >actual &&
	cat >expect <<-\EOF &&
	aliases-test.yaml
	manifest-test.yaml
	models/accounts.yaml
	models/orders.yaml
	models/sheet.yaml
	models/users.yaml
	schema/event-models/page-views.yaml
	schema/model-relationships/people-page-views.yaml
	schema/model-relationships/people-purchases.yaml
	schema/parent-models/people.yaml
	schema/related-models/purchases.yaml
	syncs/accounts-to-braze.yaml
	syncs/orders-to-hubspot.yaml
	syncs/users-to-hubspot.yaml
	EOF
	test_cmp expect actual
'

test_expect_success 'one commit of everything, dated by the newest change' '
	test "$(git -C c1 rev-list --count HEAD)" = 1 &&
	git -C c1 log -1 --format="%an <%ae> %ad%n%cn <%ce> %cd" \
		--date=raw >actual &&
	cat >expect <<-\EOF &&
	Hightouch <noreply@hightouch.com> 1704412803 +0000
	Hightouch <noreply@hightouch.com> 1704412803 +0000
	EOF
	test_cmp expect actual &&
	git -C c1 log -1 --format=%B >actual &&
	cat >expect <<-\EOF &&
	Import workspace test (OUTBOUND)

	source: 2
	destination: 2
	model: 4
	sync: 3
	parent-model: 1
	related-model: 1
	event-model: 1
	relationship: 2
	skipped audiences: 1
	skipped syncs of audiences: 1

	EOF
	test_cmp expect actual
'

test_expect_success 'the manifest and the aliases file' '
	cat >expect <<-\EOF &&
	# READ ONLY: the sources and destinations of Hightouch workspace
	# '"'"'test'"'"', written by git-remote-hightouch on every fetch.  Change
	# them in Hightouch; edits to this file are not pushed.
	sources:
	  postgres:
	    name: '"'"'Postgres: analytics'"'"'
	    type: postgres
	  snowflake:
	    name: Snowflake
	    type: snowflake
	destinations:
	  braze:
	    name: Braze
	    type: braze
	  hubspot:
	    name: HubSpot
	    type: hubspot
	EOF
	test_cmp expect c1/manifest-test.yaml &&
	cat >expect <<-\EOF &&
	# Aliases for Hightouch workspace '"'"'test'"'"', usable in '"'"'source:'"'"' and
	# '"'"'destination:'"'"': alias -> slug of a source (under '"'"'sources:'"'"') or
	# of a destination (under '"'"'destinations:'"'"') in manifest-test.yaml.
	# Written once, empty; yours to edit.
	sources: {}
	destinations: {}
	EOF
	test_cmp expect c1/aliases-test.yaml
'

test_expect_success 'models of every query type' '
	cat >expect <<-\EOF &&
	name: Users
	source: snowflake
	type: raw_sql
	rawSql: |
	  select *
	  from users
	  where deleted_at is null
	isSchema: false
	primaryKey: id
	description: |-
	  All users.
	  One row each.
	EOF
	test_cmp expect c1/models/users.yaml &&
	cat >expect <<-\EOF &&
	name: Accounts
	source: postgres
	type: table
	tableName: public.accounts
	isSchema: false
	primaryKey: account_id
	EOF
	test_cmp expect c1/models/accounts.yaml &&
	cat >expect <<-\EOF &&
	name: Orders (dbt)
	source: snowflake
	type: dbt_model
	dbtModel: model.shop.orders
	isSchema: false
	primaryKey: order_id
	EOF
	test_cmp expect c1/models/orders.yaml &&
	cat >expect <<-\EOF &&
	name: Sheet
	source: postgres
	type: custom
	customQuery:
	  sheet: Leads
	  range: A1:F
	isSchema: false
	primaryKey: null
	EOF
	test_cmp expect c1/models/sheet.yaml
'

test_expect_success 'syncs and their schedules' '
	cat >expect <<-\EOF &&
	model: accounts
	destination: braze
	config:
	  mode: update
	  '"'"'yes'"'"': '"'"'no'"'"'
	  '"'"'0755'"'"': true
	schedule:
	  type: cron
	  schedule:
	    expression: 0 2 * * *
	schedulePaused: true
	EOF
	test_cmp expect c1/syncs/accounts-to-braze.yaml &&
	cat >expect <<-\EOF &&
	model: orders
	destination: hubspot
	config: {}
	schedule:
	  type: manual
	schedulePaused: false
	EOF
	test_cmp expect c1/syncs/orders-to-hubspot.yaml &&
	grep "^      unit: hour$" c1/syncs/users-to-hubspot.yaml
'

test_expect_success 'the Customer Studio schema' '
	cat >expect <<-\EOF &&
	name: People
	source: snowflake
	type: table
	tableName: people
	isSchema: true
	primaryKey: id
	primaryLabel: email
	secondaryLabel: name
	EOF
	test_cmp expect c1/schema/parent-models/people.yaml &&
	grep "^timestampColumn: viewed_at$" \
		c1/schema/event-models/page-views.yaml &&
	cat >expect <<-\EOF &&
	from: people
	to: page-views
	cardinality: one-to-many
	joinKeys:
	  - from: id
	    to: person_id
	  - from: org
	    to: org
	EOF
	test_cmp expect c1/schema/model-relationships/people-page-views.yaml
'

test_expect_success 'audiences and their syncs are skipped' '
	! git -C c1 ls-files | grep -e big-spenders -e spenders-to-braze
'

test_expect_success 'the first import is one pack, and fsck is happy' '
	test -z "$(find c1/.git/objects -type f -path "*/objects/??/*")" &&
	ls c1/.git/objects/pack/*.pack >packs &&
	test_line_count_1() { test "$(wc -l <"$1")" -eq 1; } &&
	test_line_count_1 packs &&
	git -C c1 fsck --full --strict
'

test_expect_success 'two clones of the same state have the same commits' '
	git clone -q "$HT_URL" c2 &&
	git clone -q --bare "$HT_URL" c3.git &&
	git -C c1 rev-parse HEAD >expect &&
	git -C c2 rev-parse HEAD >actual &&
	test_cmp expect actual &&
	git -C c3.git rev-parse HEAD >actual &&
	test_cmp expect actual
'

# The first request of a clone is made at list, and its answer used by
# the import: one request per list, as before it was made at list.
test_expect_success 'a clone reads each list once' '
	ht_requests_reset &&
	git clone -q "$HT_URL" conce &&
	ht_requests requests &&
	sed "s/?offset=0&limit=100&orderBy=updatedAt$//" requests >actual &&
	cat >expect <<-\EOF &&
	GET /api/v1/sources
	GET /api/v1/destinations
	GET /api/v1/schema/parent-models
	GET /api/v1/schema/related-models
	GET /api/v1/schema/event-models
	GET /api/v1/models
	GET /api/v1/schema/relationships
	GET /api/v1/syncs
	EOF
	test_cmp expect actual
'

test_expect_success 'a fetch with no change adds nothing, in a few requests' '
	test "$(grep -c "^list " c1/.git/hightouch/origin/state)" = 8 &&
	ht_requests_reset &&
	git -C c1 fetch 2>err &&
	test ! -s err &&
	test "$(git -C c1 rev-list --count origin/main)" = 1 &&
	ht_requests requests &&
	test "$(wc -l <requests)" -le 8 &&
	! grep -v "^GET " requests
'

test_expect_success 'progress only when git asks for it' '
	git clone --progress "$HT_URL" c4 2>err &&
	grep "Listing resources: 21, done\." err &&
	grep "^Imported workspace .test.: 4 models, 3 syncs, 2 sources, 2 destinations, 3 schema models, 2 relationships; skipped 1 audience and 1 sync of audiences$" err &&
	git clone "$HT_URL" c5 2>err &&
	! grep -e Listing -e Imported err &&
	git clone -q --progress "$HT_URL" c6 2>err &&
	test ! -s err
'

test_expect_success 'a bare repository fetches' '
	ht_requests_reset &&
	git -C c3.git fetch origin 2>err &&
	git -C c3.git rev-parse FETCH_HEAD >actual &&
	git -C c1 rev-parse HEAD >expect &&
	test_cmp expect actual &&
	test -f c3.git/hightouch/origin/state
'

test_expect_success 'a linked worktree fetches, with the state in the common dir' '
	git -C c2 worktree add -q ../wt -b side &&
	(cd wt && git fetch origin) &&
	test ! -e c2/.git/worktrees/wt/hightouch &&
	test -f c2/.git/hightouch/origin/state &&
	git -C wt fsck --full
'

test_expect_success 'ls-remote outside any repository' '
	mkdir outside &&
	(cd outside && HT_TRACE=1 git ls-remote "$HT_URL" >../out 2>../err) &&
	grep "git dir .(none)." err &&
	cat >expect <<-\EOF &&
	0000000000000000000000000000000000000000	refs/heads/main
	0000000000000000000000000000000000000000	HEAD
	EOF
	test_cmp expect out &&
	test -z "$(ls -A outside)"
'

test_expect_success 'ls-remote in a repository writes nothing' '
	git -C c1 ls-remote origin >out &&
	git -C c1 ls-remote "$HT_URL" >out &&
	test_cmp expect out &&
	ls c1/.git/hightouch >dirs &&
	echo origin >expect &&
	test_cmp expect dirs
'

test_expect_success 'a sha256 repository is refused before anything is written' '
	git init -q --object-format=sha256 s256 &&
	git -C s256 remote add origin "$HT_URL" &&
	test_must_fail git -C s256 fetch origin 2>err &&
	grep "^fatal: this is a sha256 repository: git-remote-hightouch writes SHA-1 objects only" err &&
	test -z "$(find s256/.git/objects -type f)" &&
	test ! -e s256/.git/hightouch/origin/state
'

test_expect_success 'GIT_DEFAULT_HASH=sha256 git clone makes a SHA-1 clone' '
	GIT_DEFAULT_HASH=sha256 git clone -q "$HT_URL" c256 &&
	git -C c1 rev-parse HEAD >expect &&
	git -C c256 rev-parse HEAD >actual &&
	test_cmp expect actual
'

test_expect_success 'remote.<name>.hightouchPath puts the files in a folder' '
	git clone -q -c remote.origin.hightouchPath=/hightouch/prod/ \
		"$HT_URL" cp &&
	git -C cp ls-files >actual &&
	grep "^hightouch/prod/models/users.yaml$" actual &&
	grep "^hightouch/prod/syncs/users-to-hubspot.yaml$" actual &&
	grep "^hightouch/prod/schema/parent-models/people.yaml$" actual &&
	grep "^manifest-test.yaml$" actual &&
	grep "^aliases-test.yaml$" actual &&
	! grep "^models/" actual &&
	git -C cp fetch 2>err &&
	test "$(git -C cp rev-list --count origin/main)" = 1 &&
	git -C c1 rev-parse HEAD >other &&
	test "$(git -C cp rev-parse HEAD)" != "$(cat other)"
'

test_expect_success 'a new hightouchPath moves the files in one commit' '
	git clone -q "$HT_URL" cm &&
	git -C cm config remote.origin.hightouchPath ht &&
	git -C cm fetch &&
	git -C cm log -1 --format=%s origin/main >actual &&
	echo "Move the files of workspace test to '"'"'ht'"'"' (OUTBOUND)" >expect &&
	test_cmp expect actual &&
	test "$(git -C cm rev-list --count origin/main)" = 2 &&
	git -C cp rev-parse HEAD^{tree} >expect.tree &&
	git -C cp config remote.origin.hightouchPath ht &&
	git -C cp fetch &&
	git -C cm rev-parse origin/main^{tree} >actual.tree &&
	git -C cp rev-parse origin/main^{tree} >expect.tree &&
	test_cmp expect.tree actual.tree &&
	git -C cm config --unset remote.origin.hightouchPath &&
	git -C cm fetch &&
	git -C cm log -1 --format=%s origin/main >actual &&
	echo "Move the files of workspace test to the top (OUTBOUND)" >expect &&
	test_cmp expect actual &&
	git -C cm rev-parse origin/main^{tree} >actual.tree &&
	git -C c1 rev-parse HEAD^{tree} >expect.tree &&
	test_cmp expect.tree actual.tree
'

test_expect_success 'list for-push gives the private ref' '
	(cd c1 && GIT_DIR=.git &&
	 export GIT_DIR &&
	 printf "list for-push\n\n" |
		git-remote-hightouch origin "$EMU_URL/test" >../out) &&
	printf "%s refs/heads/main\n@refs/heads/main HEAD\n\n" \
		"$(git -C c1 rev-parse refs/hightouch/origin/heads/main)" >expect &&
	test_cmp expect out
'

# list gives the private ref only when the import would make no commit:
# git then skips the import (and fast-import); after a change, "?" makes
# git run it.
test_expect_success 'list gives the commit when nothing changed, else none' '
	git -C c1 rev-parse refs/hightouch/origin/heads/main >id &&
	(cd c1 && GIT_DIR=.git &&
	 export GIT_DIR &&
	 printf "list\n\n" |
		git-remote-hightouch origin "$EMU_URL/test" >../out) &&
	printf "%s refs/heads/main\n@refs/heads/main HEAD\n\n" \
		"$(cat id)" >expect &&
	test_cmp expect out &&
	rm -f trace2.json &&
	GIT_TRACE2_EVENT="$(pwd)/trace2.json" git -C c1 fetch -q &&
	grep "\"child_start\".*remote-hightouch" trace2.json &&
	! grep "\"child_start\".*fast-import" trace2.json &&
	ui PATCH /models/4 "{\"name\": \"Sheet (listed)\"}" &&
	(cd c1 && GIT_DIR=.git &&
	 export GIT_DIR &&
	 printf "list\n\n" |
		git-remote-hightouch origin "$EMU_URL/test" >../out) &&
	printf "? refs/heads/main\n@refs/heads/main HEAD\n\n" >expect &&
	test_cmp expect out &&
	git -C c1 fetch -q &&
	git -C c1 log -1 --format=%s origin/main >actual &&
	echo "Update model sheet (OUTBOUND)" >expect &&
	test_cmp expect actual &&
	git -C c1 merge -q --ff-only origin/main &&
	git -C c1 ls-remote origin >actual &&
	git -C c1 rev-parse origin/main >id &&
	printf "%s\trefs/heads/main\n%s\tHEAD\n" "$(cat id)" "$(cat id)" \
		>expect &&
	test_cmp expect actual
'

# list reads the private ref from git files: loose, packed, and (as
# anything it does not expect) through git when it is a symbolic ref.
test_expect_success 'list finds the private ref loose, packed or symbolic' '
	git -C c1 rev-parse refs/hightouch/origin/heads/main >id &&
	printf "%s refs/heads/main\n@refs/heads/main HEAD\n\n" \
		"$(cat id)" >expect &&
	list_c1() {
		(cd c1 && GIT_DIR=.git HT_TRACE=1 &&
		 export GIT_DIR HT_TRACE &&
		 printf "list\n\n" |
			git-remote-hightouch origin "$EMU_URL/test" \
			>../out 2>../err)
	} &&
	list_c1 &&
	test_cmp expect out &&
	! grep "asking git" err &&
	git -C c1 pack-refs --all &&
	test ! -e c1/.git/refs/hightouch/origin/heads/main &&
	list_c1 &&
	test_cmp expect out &&
	! grep "asking git" err &&
	git -C c1 update-ref refs/hightouch/origin/keep "$(cat id)" &&
	git -C c1 symbolic-ref refs/hightouch/origin/heads/main \
		refs/hightouch/origin/keep &&
	list_c1 &&
	test_cmp expect out &&
	grep "is not plainly in git.s files: asking git" err &&
	git -C c1 update-ref --no-deref refs/hightouch/origin/heads/main \
		"$(cat id)" &&
	git -C c1 update-ref -d refs/hightouch/origin/keep &&
	list_c1 &&
	test_cmp expect out
'

# "(create)" is how git shows the "?" of list (git-remote-hightouch(1)).
# git sends remote show the same list as a fetch: the helper makes the
# import.s first request, one GET, and writes nothing.
test_expect_success 'git remote show before the first fetch and after' '
	git init -q shown &&
	git -C shown remote add origin "$HT_URL" &&
	git -C shown commit -q --allow-empty -m "Start" &&
	ht_requests_reset &&
	git -C shown remote show origin >actual &&
	ht_requests requests &&
	echo "GET /api/v1/sources?offset=0&limit=100&orderBy=updatedAt" >expect &&
	test_cmp expect requests &&
	test ! -e shown/.git/hightouch &&
	grep "^  HEAD branch: main$" actual &&
	grep "^    main new (next fetch will store in remotes/origin)$" actual &&
	grep "^    main pushes to main (create)$" actual &&
	test_must_fail git -C shown push origin main 2>err &&
	grep "main -> main (fetch first)" err &&
	git -C shown fetch -q origin &&
	git -C shown remote show origin >actual &&
	grep "^    main tracked$" actual &&
	! grep "new (next fetch" actual
'

test_expect_success 'git push of a file the helper does not own writes nothing' '
	echo "# notes" >c1/README.md &&
	git -C c1 add README.md &&
	git -C c1 commit -q -m "Add notes" &&
	ht_requests_reset &&
	git -C c1 push origin main 2>err &&
	ht_requests all &&
	! grep -v "^GET " all &&
	git -C c1 rev-parse refs/hightouch/origin/heads/main >actual &&
	git -C c1 rev-parse HEAD >expect &&
	test_cmp expect actual
'

test_expect_success 'a bad hightouchPath is refused' '
	test_must_fail git clone -c remote.origin.hightouchPath=a/../b \
		"$HT_URL" cbad 2>err &&
	grep "bad config value for .remote.origin.hightouchpath.: .\.\.. is not allowed" err
'

test_expect_success 'an empty workspace clones to the manifest and aliases' '
	echo "{}" >empty.json &&
	ht_seed empty.json &&
	git clone -q "$HT_URL" ce &&
	git -C ce ls-files >actual &&
	printf "aliases-test.yaml\nmanifest-test.yaml\n" >expect &&
	test_cmp expect actual &&
	tail -n 2 ce/manifest-test.yaml >actual &&
	printf "sources: {}\ndestinations: {}\n" >expect &&
	test_cmp expect actual &&
	git -C ce log -1 --format=%ad --date=raw >actual &&
	echo "0 +0000" >expect &&
	test_cmp expect actual &&
	git -C ce fetch &&
	test "$(git -C ce rev-list --count origin/main)" = 1
'

test_expect_success 'a server without the schema extension' '
	ht_seed "$HT_FIXTURES/workspaces/t5-small.json" &&
	ht_fault "{\"path\": \"/api/v1/schema\", \"status\": 404, \"count\": 1000}" &&
	git clone "$HT_URL" cn 2>err &&
	grep "^Schema sync is unavailable on this server" err &&
	test "$(grep -c -i "schema sync is unavailable" err)" = 1 &&
	! grep "^warning:" err &&
	! git -C cn ls-files | grep "^schema/" &&
	ht_requests_reset &&
	git -C cn fetch 2>err &&
	test ! -s err &&
	ht_requests requests &&
	! grep schema requests &&
	test "$(wc -l <requests)" -le 4 &&
	ht_faults_clear
'

test_expect_success 'without the extension, schema models are plain models' '
	git -C cn ls-files models >actual &&
	grep "^models/people.yaml$" actual &&
	grep "^isSchema: true$" cn/models/people.yaml
'

test_expect_success 'URL errors reach the user' '
	test_must_fail git clone hightouch://bad.name x 2>err &&
	grep "fatal: invalid workspace name .bad.name. in hightouch URL" err &&
	test_must_fail git clone "hightouch::http://user:pw@127.0.0.1:1/w" \
		x 2>err &&
	grep "fatal: refusing a hightouch URL with credentials in it" err &&
	! grep pw err
'

# The loopback rule is decided once, by the URL parser: the client uses
# what it accepted (it used to refuse IPv4-mapped loopback and
# "LOCALHOST." as plain http to a remote host).
if curl -s -o /dev/null "http://[::ffff:127.0.0.1]:$EMU_PORT/" 2>/dev/null
then
	test_set_prereq MAPPED_LOOPBACK
fi

test_expect_success MAPPED_LOOPBACK 'plain http to IPv4-mapped loopback' '
	git clone -q "hightouch::http://[::ffff:127.0.0.1]:$EMU_PORT/test" \
		mapped &&
	test_cmp c1/models/users.yaml mapped/models/users.yaml
'

test_expect_success 'a loopback name the parser accepts is not refused' '
	test_must_fail git clone "hightouch::http://LOCALHOST.:1/test" \
		dotted 2>err &&
	! grep "plain http" err &&
	grep "^fatal: cannot \(resolve\|connect\)" err
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
