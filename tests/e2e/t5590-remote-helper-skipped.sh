#!/bin/sh

test_description='git-remote-hightouch: a resource that names what the workspace lacks is skipped'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# The emulator refuses a sync on a model it lacks, in the API and in
# seeds alike; a fault answers the list of syncs instead, as a server
# whose model was deleted under the sync would.
#
# dangling_syncs [UPDATED]: a fault answering every GET of /syncs with
# the real list, in which the sync "orphan" names model 47 (and, with
# UPDATED, has that updatedAt).
dangling_syncs() {
	api GET "/syncs?offset=0&limit=100&orderBy=updatedAt" &&
	expect_status 200 &&
	jq -c --arg when "${1-}" "{data: [.data[] | if .slug == \"orphan\" then .modelId = 47 | if \$when != \"\" then .updatedAt = \$when else . end else . end], hasMore: false}" body >page &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/syncs\", \"status\": 200, \"count\": 1000, \"body\": $(cat page)}"
}

# refused_push REPO FINDING: a push from REPO stops with FINDING (a grep
# pattern on its stderr), before any write.
refused_push() {
	ht_requests_reset &&
	test_must_fail git -C "$1" push origin main 2>err &&
	grep "$2" err &&
	writes w &&
	test ! -s w
}

test_expect_success 'setup: a workspace with one more sync, on model 4' '
	ht_start workspaces/t5-small.json &&
	ui POST /syncs "{\"slug\": \"orphan\", \"modelId\": 4, \"destinationId\": 1, \"configuration\": {}, \"schedule\": null, \"disabled\": false}" &&
	ORPHAN=$(jq .id body) &&
	git clone -q "$HT_URL" c2 &&
	test -f c2/syncs/orphan.yaml
'

test_expect_success 'a clone skips the sync, with one warning, and clones the rest' '
	dangling_syncs &&
	ht_requests_reset &&
	git clone --progress "$HT_URL" c1 2>err &&
	grep -v "^Listing resources" err >actual &&
	cat >expect <<-EOF &&
	Cloning into Qc1Q...
	warning: skipped sync QorphanQ (id $ORPHAN): its model 47 is not in the workspace
	Imported workspace QtestQ: 4 models, 3 syncs, 2 sources, 2 destinations, 3 schema models, 2 relationships; skipped 1 audience and 1 sync of audiences; skipped 1 resource that names what the workspace lacks
	EOF
	tr Q "\047" <expect >expect.err &&
	test_cmp expect.err actual &&
	test ! -e c1/syncs/orphan.yaml &&
	git -C c1 ls-files >files &&
	grep "^syncs/users-to-hubspot.yaml$" files &&
	grep "^models/sheet.yaml$" files &&
	grep "^manifest-test.yaml$" files &&
	git -C c1 log -1 --format=%B >msg &&
	grep "^skipped, naming what the workspace lacks: 1$" msg &&
	git -C c1 fsck --full &&
	ht_requests requests &&
	test "$(grep -c "^GET /api/v1/models/47$" requests)" = 1 &&
	ht_faults_clear
'

test_expect_success 'the skip is kept: a fetch says nothing more' '
	dangling_syncs &&
	git -C c1 fetch --progress 2>err &&
	! grep warning err &&
	test "$(git -C c1 rev-list --count origin/main)" = 1 &&
	ht_faults_clear
'

test_expect_success 'a fetch where the sync loses its model keeps its file' '
	git -C c2 rev-parse origin/main >before &&
	dangling_syncs 2030-01-01T00:00:00.000Z &&
	git -C c2 fetch --progress 2>err &&
	grep -v -e "^Listing resources" -e "^Writing commits" err >actual &&
	cat >expect <<-EOF &&
	warning: skipped sync QorphanQ (id $ORPHAN): its model 47 is not in the workspace
	Fetched workspace QtestQ: 0 new commits; skipped 1 resource that names what the workspace lacks
	EOF
	tr Q "\047" <expect >expect.err &&
	test_cmp expect.err actual &&
	git -C c2 rev-parse origin/main >after &&
	test_cmp before after &&
	git -C c2 show origin/main:syncs/orphan.yaml >file &&
	grep "^model: sheet$" file &&
	git -C c2 fetch 2>err &&
	test ! -s err
'

# A full resync finds deletions by the files no resource claims; a
# skipped resource renamed since the last fetch has no file it knows of,
# so its old file must not be taken for an orphan.
test_expect_success 'a full resync keeps the file of a skipped, renamed sync' '
	ht_faults_clear &&
	git clone -q "$HT_URL" c4 &&
	git -C c4 rev-parse origin/main^{tree} >before &&
	api GET "/syncs?offset=0&limit=100&orderBy=updatedAt" &&
	expect_status 200 &&
	jq -c "{data: [.data[] | if .slug == \"orphan\" then .slug = \"orphan-renamed\" | .modelId = 47 else . end], hasMore: false}" body >page &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/syncs\", \"status\": 200, \"count\": 1000, \"body\": $(cat page)}" &&
	git -C c4 -c hightouch.fullResync=true fetch 2>err &&
	grep "^warning: skipped sync .orphan-renamed. (id $ORPHAN): its model 47 is not in the workspace$" err &&
	grep "^warning: kept .syncs/orphan.yaml.: no sync of the workspace has it, but it may be that of a skipped one, renamed$" err &&
	git -C c4 show origin/main:syncs/orphan.yaml >file &&
	grep "^model: sheet$" file &&
	git -C c4 rev-parse origin/main^{tree} >after &&
	test_cmp before after &&
	ht_faults_clear &&
	dangling_syncs 2030-01-01T00:00:00.000Z
'

test_expect_success 'a push of the skipped sync file says why, and writes nothing' '
	git -C c2 merge -q --ff-only origin/main &&
	sed -i "s/^schedulePaused: false$/schedulePaused: true/" \
		c2/syncs/orphan.yaml &&
	git -C c2 commit -q -am "disable orphan" &&
	refused_push c2 "^syncs/orphan.yaml:1:1: error: sync .orphan. was skipped by the last fetch: its model 47 is not in the workspace \[skipped-by-fetch\]$" &&
	ht_faults_clear
'

# A model on a source the workspace lacks: the model is skipped, and the
# sync on it after it.
test_expect_success 'what names a skipped resource is skipped too' '
	api GET "/models?offset=0&limit=100&orderBy=updatedAt" &&
	expect_status 200 &&
	jq -c "{data: [.data[] | if .slug == \"sheet\" then .sourceId = 99 else . end], hasMore: false}" body >page &&
	ht_fault "{\"method\": \"GET\", \"path\": \"/api/v1/models\", \"status\": 200, \"count\": 1000, \"body\": $(cat page)}" &&
	git clone --progress "$HT_URL" c3 2>err &&
	grep "^warning:" err >actual &&
	cat >expect <<-EOF &&
	warning: skipped model QsheetQ (id 4): its source 99 is not in the workspace
	warning: skipped sync QorphanQ (id $ORPHAN): its model 4 was skipped
	EOF
	tr Q "\047" <expect >expect.err &&
	test_cmp expect.err actual &&
	grep "; skipped 2 resources that name what the workspace lacks$" err &&
	test ! -e c3/models/sheet.yaml &&
	test ! -e c3/syncs/orphan.yaml &&
	test -f c3/models/users.yaml
'

test_expect_success 'a push of a file that names a skipped resource says why' '
	cat >c3/syncs/sheet-to-hubspot.yaml <<-\EOF &&
	model: sheet
	destination: hubspot
	config: {}
	schedule:
	  type: manual
	schedulePaused: false
	EOF
	git -C c3 add syncs/sheet-to-hubspot.yaml &&
	git -C c3 commit -q -m "a sync of sheet" &&
	refused_push c3 "^syncs/sheet-to-hubspot.yaml:1:8: error: model .sheet. was skipped by the last fetch: its source 99 is not in the workspace \[skipped-by-fetch\]$" &&
	ht_faults_clear
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
