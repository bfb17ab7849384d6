#!/bin/sh

test_description='git-remote-hightouch: git fetch, one commit per change'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# updatedAt of the resource in ./body, as git's raw date
updated_at() {
	jq -r .updatedAt body | sed 's/\.[0-9]*Z$/Z/' >when &&
	date -u -d "$(cat when)" +%s
}

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" c1 &&
	git clone -q "$HT_URL" c2
'

test_expect_success 'three UI changes make three commits, oldest first' '
	ui PATCH /models/1 "{\"name\": \"Users (all)\", \"lastModifiedBy\": {\"name\": \"Ada Lovelace\", \"email\": \"ada@example.com\"}}" &&
	t1=$(updated_at) &&
	ui PATCH /syncs/1 "{\"disabled\": true, \"lastModifiedBy\": {\"name\": \"Bob\", \"email\": \"bob@example.com\"}}" &&
	t2=$(updated_at) &&
	ui POST /models "{\"name\": \"Leads\", \"slug\": \"leads\", \"sourceId\": 2, \"queryType\": \"table\", \"table\": {\"name\": \"leads\"}, \"isSchema\": false, \"primaryKey\": \"id\", \"lastModifiedBy\": {\"name\": \"Cy\", \"email\": \"cy@example.com\"}}" &&
	t3=$(updated_at) &&
	git -C c1 fetch &&
	test "$(git -C c1 rev-list --count origin/main)" = 4 &&
	git -C c1 log --reverse --format="%s|%an <%ae>|%ad|%cn <%ce>|%cd" \
		--date=raw origin/main~3..origin/main >actual &&
	cat >expect <<-EOF &&
	Update model users (OUTBOUND)|Ada Lovelace <ada@example.com>|$t1 +0000|Hightouch <noreply@hightouch.com>|$t1 +0000
	Update sync users-to-hubspot (OUTBOUND)|Bob <bob@example.com>|$t2 +0000|Hightouch <noreply@hightouch.com>|$t2 +0000
	Create model leads (OUTBOUND)|Cy <cy@example.com>|$t3 +0000|Hightouch <noreply@hightouch.com>|$t3 +0000
	EOF
	test_cmp expect actual
'

test_expect_success 'each commit changes its own file only' '
	for i in 2 1 0
	do
		git -C c1 diff-tree --no-commit-id --name-status -r \
			origin/main~$i || return 1
	done >actual &&
	cat >expect <<-\EOF &&
	M	models/users.yaml
	M	syncs/users-to-hubspot.yaml
	A	models/leads.yaml
	EOF
	test_cmp expect actual &&
	git -C c1 diff origin/main~3 origin/main~2 >diff &&
	grep "^-name: Users$" diff &&
	grep "^+name: Users (all)$" diff &&
	git -C c1 show origin/main:syncs/users-to-hubspot.yaml >sync &&
	grep "^schedulePaused: true$" sync &&
	git -C c1 show origin/main:models/leads.yaml >actual &&
	cat >expect <<-\EOF &&
	name: Leads
	source: postgres
	type: table
	tableName: leads
	isSchema: false
	primaryKey: id
	EOF
	test_cmp expect actual
'

test_expect_success 'the same changes give the same commits in another clone' '
	git -C c2 fetch -q &&
	git -C c1 rev-parse origin/main >expect &&
	git -C c2 rev-parse origin/main >actual &&
	test_cmp expect actual
'

test_expect_success 'the history ends at the tree a new clone has' '
	git clone -q "$HT_URL" fresh &&
	git -C fresh rev-parse HEAD^{tree} >expect &&
	git -C c1 rev-parse origin/main^{tree} >actual &&
	test_cmp expect actual
'

test_expect_success 'a deletion in the UI removes the file' '
	ui DELETE /syncs/3 &&
	git -C c1 log -1 --format=%ad --date=raw origin/main >newest &&
	git -C c1 fetch &&
	git -C c1 log -1 --format="%s|%an|%ad" --date=raw origin/main >actual &&
	echo "Delete sync orders-to-hubspot (OUTBOUND)|Hightouch|$(cat newest)" >expect &&
	test_cmp expect actual &&
	git -C c1 diff-tree --no-commit-id --name-status -r origin/main >actual &&
	printf "D\tsyncs/orders-to-hubspot.yaml\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'sources and destinations change the manifest' '
	ui PATCH /sources/2 "{\"name\": \"Postgres (warehouse)\"}" &&
	ui POST /destinations "{\"name\": \"Slack\", \"slug\": \"slack\", \"type\": \"slack\", \"configuration\": {}}" &&
	git -C c1 fetch &&
	git -C c1 log --reverse --format=%s -2 origin/main >actual &&
	cat >expect <<-\EOF &&
	Update source postgres (OUTBOUND)
	Create destination slack (OUTBOUND)
	EOF
	test_cmp expect actual &&
	git -C c1 diff --name-only origin/main~2 origin/main >actual &&
	echo manifest-test.yaml >expect &&
	test_cmp expect actual &&
	git -C c1 show origin/main:manifest-test.yaml >manifest &&
	grep "^    name: Postgres (warehouse)$" manifest &&
	grep "^  slack:$" manifest
'

test_expect_success 'a change the files do not show makes no commit' '
	git -C c1 rev-parse origin/main >before &&
	ui PATCH /models/1 "{\"tags\": {\"team\": \"growth\"}}" &&
	git -C c1 fetch &&
	git -C c1 rev-parse origin/main >after &&
	test_cmp before after
'

test_expect_success 'unowned files and a hand-edited aliases file survive' '
	git -C c1 merge -q --ff-only origin/main &&
	echo "# Our workspace" >c1/README.md &&
	sed -i "s/^sources: {}$/sources:\n  warehouse: snowflake/" \
		c1/aliases-test.yaml &&
	git -C c1 add README.md aliases-test.yaml &&
	git -C c1 commit -q -m "Add a README and an alias" &&
	ui PATCH /models/2 "{\"primaryKey\": \"id\"}" &&
	git -C c1 pull -q --no-rebase --no-edit &&
	test "$(cat c1/README.md)" = "# Our workspace" &&
	grep "^  warehouse: snowflake$" c1/aliases-test.yaml &&
	grep "^primaryKey: id$" c1/models/accounts.yaml &&
	git -C c1 log -1 --format=%s origin/main >actual &&
	echo "Update model accounts (OUTBOUND)" >expect &&
	test_cmp expect actual
'

test_expect_success 'the private ref is the truth: a pushed commit is built on' '
	git -C c1 merge -q --ff-only origin/main 2>/dev/null || : &&
	awk "{ print } /^destination:/ { print \"description: Contacts for sales\" }" \
		c1/syncs/users-to-hubspot.yaml >tmp &&
	mv tmp c1/syncs/users-to-hubspot.yaml &&
	git -C c1 commit -q -am "Describe the sync" &&
	git -C c1 update-ref refs/hightouch/origin/heads/main HEAD &&
	git -C c1 rev-parse HEAD >pushed &&
	git -C c1 fetch -v 2>err &&
	git -C c1 rev-parse origin/main >actual &&
	test_cmp pushed actual &&
	ui PATCH /syncs/1 "{\"disabled\": false}" &&
	git -C c1 fetch &&
	git -C c1 rev-parse origin/main~1 >actual &&
	test_cmp pushed actual &&
	git -C c1 show origin/main:syncs/users-to-hubspot.yaml >sync &&
	grep "^description: Contacts for sales$" sync &&
	grep "^schedulePaused: false$" sync &&
	git -C c1 show origin/main:README.md &&
	git -C c1 show origin/main:aliases-test.yaml >aliases &&
	grep "^  warehouse: snowflake$" aliases
'

test_expect_success 'a missing state is rebuilt, with no new commit' '
	state=$(cd c1 && ht_state origin) &&
	rm -rf "$state" &&
	git -C c1 rev-parse origin/main >before &&
	git -C c1 fetch -v 2>err &&
	grep "state of remote .origin. is missing: reading the whole workspace again" err &&
	git -C c1 rev-parse origin/main >after &&
	test_cmp before after &&
	test -f "$state/state" &&
	ht_requests_reset &&
	git -C c1 fetch &&
	test "$(ht_request_count)" -le 8
'

test_expect_success 'a damaged state is rebuilt' '
	state=$(cd c1 && ht_state origin) &&
	echo garbage >"$state/resources" &&
	ui PATCH /models/3 "{\"name\": \"Orders\"}" &&
	git -C c1 fetch &&
	git -C c1 log -1 --format=%s origin/main >actual &&
	echo "Update model orders (OUTBOUND)" >expect &&
	test_cmp expect actual &&
	test "$(git -C c1 rev-list --count origin/main@{1}..origin/main)" = 1 &&
	printf "hightouch-state 1\ntrunc" >"$state/state" &&
	git -C c1 rev-parse origin/main >before &&
	git -C c1 fetch -v 2>err &&
	grep "reading the whole workspace again" err &&
	git -C c1 rev-parse origin/main >after &&
	test_cmp before after &&
	sed "s/^commit .*/commit not-an-object-id/" "$state/state" >state.new &&
	mv state.new "$state/state" &&
	git -C c1 fetch -v 2>err &&
	grep "state of remote .origin. is missing: reading the whole workspace again" err &&
	git -C c1 rev-parse origin/main >after &&
	test_cmp before after
'

# A fetch that finds nothing changed skips the import at list (git then
# runs no fast-import) only when the import would make no commit: a base
# without a usable manifest is read whole, and the manifest comes back.
# The state says whether its commit's manifest reads ("manifest ok"); a
# state without the line (an older one) has list look for itself.
test_expect_success 'a base without its manifest is read whole, with no change' '
	state=$(cd c1 && ht_state origin) &&
	grep "^manifest ok$" "$state/state" &&
	grep -v "^manifest ok$" "$state/state" >state.new &&
	mv state.new "$state/state" &&
	rm -f trace2.json &&
	GIT_TRACE2_EVENT="$(pwd)/trace2.json" git -C c1 fetch -q &&
	! grep "\"child_start\".*fast-import" trace2.json &&
	git -C c1 rev-parse origin/main >before &&
	tree=$(git -C c1 ls-tree origin/main | grep -v "	manifest-test.yaml$" |
	       git -C c1 mktree) &&
	bare=$(git -C c1 commit-tree -p origin/main -m "No manifest" $tree) &&
	git -C c1 update-ref refs/hightouch/origin/heads/main $bare &&
	sed "s/^commit .*/commit $bare/" "$state/state" >state.new &&
	mv state.new "$state/state" &&
	rm -f trace2.json &&
	GIT_TRACE2_EVENT="$(pwd)/trace2.json" git -C c1 fetch -v 2>err &&
	grep "manifest of remote .origin. is missing: reading the whole workspace again" err &&
	grep "\"child_start\".*fast-import" trace2.json &&
	git -C c1 diff --stat origin/main $(cat before) -- >diff &&
	test ! -s diff &&
	git -C c1 merge-base --is-ancestor $bare origin/main &&
	grep "^manifest ok$" "$state/state" &&
	git -C c1 update-ref refs/hightouch/origin/heads/main $(cat before) &&
	git -C c1 update-ref refs/remotes/origin/main $(cat before) &&
	sed "s/^commit .*/commit $(cat before)/" "$state/state" >state.new &&
	mv state.new "$state/state"
'

test_expect_success 'hightouch.fullResync reads everything and changes nothing' '
	git -C c1 rev-parse origin/main >before &&
	ht_requests_reset &&
	git -C c1 -c hightouch.fullResync=true fetch &&
	git -C c1 rev-parse origin/main >after &&
	test_cmp before after &&
	ht_requests requests &&
	grep "models?offset=0&limit=100" requests
'

test_expect_success 'a renamed model moves its file and its syncs follow' '
	git -C c1 rev-parse origin/main >before &&
	ui PATCH /models/2 "{\"slug\": \"customers\"}" &&
	git -C c1 fetch &&
	git -C c1 log --format=%s origin/main~1..origin/main >actual &&
	echo "Update model customers (OUTBOUND)" >expect &&
	test_cmp expect actual &&
	git -C c1 diff-tree --no-commit-id --name-status -r origin/main >actual &&
	cat >expect <<-\EOF &&
	A	models/customers.yaml
	D	models/accounts.yaml
	M	syncs/accounts-to-braze.yaml
	EOF
	sort expect >expect.sorted &&
	sort actual >actual.sorted &&
	test_cmp expect.sorted actual.sorted &&
	git -C c1 show origin/main:syncs/accounts-to-braze.yaml >sync &&
	grep "^model: customers$" sync
'

test_expect_success 'a renamed source rewrites the manifest and its models' '
	ui PATCH /sources/2 "{\"slug\": \"warehouse-pg\"}" &&
	git -C c1 fetch &&
	git -C c1 log -1 --format=%s origin/main >actual &&
	echo "Update source warehouse-pg (OUTBOUND)" >expect &&
	test_cmp expect actual &&
	git -C c1 diff-tree --no-commit-id --name-only -r origin/main >actual &&
	cat >expect <<-\EOF &&
	manifest-test.yaml
	models/customers.yaml
	models/leads.yaml
	models/sheet.yaml
	EOF
	test_cmp expect actual
'

test_expect_success 'the incremental history matches a fresh clone' '
	rm -rf fresh &&
	git clone -q "$HT_URL" fresh &&
	git -C fresh rev-parse HEAD^{tree} >expect &&
	git -C c2 fetch -q &&
	git -C c2 rev-parse origin/main^{tree} >actual &&
	test_cmp expect actual &&
	git -C c2 fsck --full --strict
'

test_expect_success 'request counts: no change and ten changes' '
	ht_generate gen.json --models 300 --syncs 300 --schema 2 &&
	ht_seed gen.json &&
	git clone -q "$HT_URL" big &&
	ht_requests_reset &&
	git -C big fetch &&
	test "$(ht_request_count)" = 8 &&
	for id in 1 2 3 4 5 6 7 8 9 10
	do
		ui PATCH /models/$id "{\"name\": \"renamed $id\"}" || return 1
	done &&
	ht_requests_reset &&
	git -C big fetch &&
	test "$(git -C big rev-list --count origin/main)" = 11 &&
	count=$(ht_request_count) &&
	echo "requests for 10 changes: $count" &&
	test "$count" -le 10 &&
	ht_requests_reset &&
	git -C big fetch &&
	test "$(ht_request_count)" = 8
'

test_expect_success 'descending lists are detected' '
	admin POST /settings "{\"orderDirection\": \"desc\"}" &&
	expect_status 200 &&
	git -C big rev-parse origin/main >before &&
	git -C big fetch &&
	git -C big rev-parse origin/main >after &&
	test_cmp before after &&
	ui PATCH /syncs/5 "{\"disabled\": true}" &&
	ui PATCH /models/20 "{\"name\": \"twenty\"}" &&
	git -C big fetch &&
	git -C big log --format=%s -2 origin/main >actual &&
	grep "^Update model " actual &&
	grep "^Update sync " actual &&
	ht_requests_reset &&
	git -C big fetch &&
	count=$(ht_request_count) &&
	echo "requests for no change, descending: $count" &&
	test "$count" -le 16 &&
	rm -rf fresh && git clone -q "$HT_URL" fresh &&
	git -C fresh rev-parse HEAD^{tree} >expect &&
	git -C big rev-parse origin/main^{tree} >actual &&
	test_cmp expect actual
'

# A server whose lists follow no order (the emulator shuffles them by
# id): each list is read whole on each fetch, and the history is still
# that of a fresh clone.
test_expect_success 'lists in no order are read whole, and right' '
	admin POST /settings "{\"orderDirection\": \"none\"}" &&
	expect_status 200 &&
	git -C big fetch &&
	ui PATCH /models/21 "{\"name\": \"twenty-one\"}" &&
	ht_requests_reset &&
	git -C big fetch &&
	git -C big log --format=%s -1 origin/main >actual &&
	grep "^Update model " actual &&
	ht_requests requests &&
	for list in models syncs
	do
		for at in 0 100 200
		do
			grep "/$list?offset=$at&limit=100&" requests ||
			return 1
		done || return 1
	done &&
	rm -rf fresh && git clone -q "$HT_URL" fresh &&
	git -C fresh rev-parse HEAD^{tree} >expect &&
	git -C big rev-parse origin/main^{tree} >actual &&
	test_cmp expect actual &&
	admin POST /settings "{\"orderDirection\": \"desc\"}" &&
	git -C big fetch &&
	git -C big rev-parse origin/main^{tree} >actual &&
	test_cmp expect actual
'

test_expect_success 'deletions are confirmed by a whole listing' '
	ui DELETE "/syncs/7" &&
	ui DELETE "/models/30?cascade=true" &&
	ht_requests_reset &&
	git -C big fetch &&
	git -C big log --format=%s -3 origin/main >actual &&
	grep "^Delete model " actual &&
	grep "^Delete sync " actual &&
	rm -rf fresh && git clone -q "$HT_URL" fresh &&
	git -C fresh rev-parse HEAD^{tree} >expect &&
	git -C big rev-parse origin/main^{tree} >actual &&
	test_cmp expect actual
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
