#!/bin/sh

test_description='git-remote-hightouch: a fetch that brings back a file deleted in git says "Restore"'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# tip_is SUBJECT [PATH]: the tip of origin/main in c1 has SUBJECT (and
# adds PATH, and changes nothing else)
tip_is() {
	echo "$1" >expect &&
	git -C c1 log -1 --format=%s origin/main >actual &&
	test_cmp expect actual || return 1
	test $# = 1 && return 0
	printf "A\t%s\n" "$2" >expect &&
	git -C c1 diff-tree --no-commit-id --name-status -r origin/main >actual &&
	test_cmp expect actual
}

# drop FILE: delete FILE in c1, commit and push (the resource remains)
drop() {
	git -C c1 merge -q --ff-only origin/main &&
	git -C c1 rm -q "$1" &&
	git -C c1 commit -q -m "Drop $1" &&
	git -C c1 push origin main 2>err &&
	grep "warning: $1 was deleted: .* remains in workspace" err
}

# new_model SLUG: a new model "in the UI", with SLUG
new_model() {
	ui POST /models "{\"name\": \"$1\", \"slug\": \"$1\", \"sourceId\": 2, \"queryType\": \"table\", \"table\": {\"name\": \"$1\"}, \"isSchema\": false, \"primaryKey\": \"id\"}"
}

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" c1
'

test_expect_success 'a file deleted in git stays deleted while its resource is unchanged' '
	drop models/users.yaml &&
	git -C c1 rev-parse main >pushed &&
	git -C c1 fetch &&
	git -C c1 rev-parse origin/main >actual &&
	test_cmp pushed actual
'

test_expect_success 'a change to the resource restores its file' '
	ui PATCH /models/1 "{\"name\": \"Users (all)\"}" &&
	git -C c1 fetch &&
	tip_is "Restore model users (OUTBOUND)" models/users.yaml &&
	git -C c1 show origin/main:models/users.yaml >users &&
	grep "^name: Users (all)$" users
'

test_expect_success 'a full resync restores a file deleted in git' '
	drop models/accounts.yaml &&
	git -C c1 -c hightouch.fullResync=true fetch &&
	tip_is "Restore model accounts (OUTBOUND)"
'

test_expect_success 'so does a fetch that lost its state' '
	drop models/sheet.yaml &&
	rm -rf "$(cd c1 && ht_state origin)" &&
	git -C c1 fetch &&
	tip_is "Restore model sheet (OUTBOUND)"
'

test_expect_success 'and a fetch onto a private ref moved by hand' '
	git -C c1 merge -q --ff-only origin/main &&
	git -C c1 rm -q syncs/users-to-hubspot.yaml &&
	git -C c1 commit -q -m "Drop the sync, here only" &&
	git -C c1 update-ref refs/hightouch/origin/heads/main HEAD &&
	git -C c1 fetch &&
	tip_is "Restore sync users-to-hubspot (OUTBOUND)" &&
	git -C c1 rev-parse origin/main~1 >actual &&
	git -C c1 rev-parse main >expect &&
	test_cmp expect actual
'

test_expect_success 'a resource renamed after its file was deleted in git is restored' '
	drop models/sheet.yaml &&
	ui PATCH /models/4 "{\"slug\": \"sheet-2\"}" &&
	git -C c1 fetch &&
	tip_is "Restore model sheet-2 (OUTBOUND)" models/sheet-2.yaml
'

test_expect_success 'a new resource with the slug of one deleted in Hightouch is created' '
	ui DELETE /syncs/2 &&
	ui DELETE /models/2 &&
	git -C c1 fetch &&
	echo "Delete model accounts (OUTBOUND)" >expect &&
	git -C c1 log -2 --format=%s origin/main >actual &&
	grep -F "$(cat expect)" actual &&
	new_model accounts &&
	git -C c1 fetch &&
	tip_is "Create model accounts (OUTBOUND)"
'

test_expect_success 'so it is in a full resync, through a merge of that deletion' '
	ui DELETE /syncs/3 &&
	ui DELETE /models/3 &&
	git -C c1 merge -q --ff-only origin/main &&
	echo "# Our workspace" >c1/README.md &&
	git -C c1 add README.md &&
	git -C c1 commit -q -m "Add a README" &&
	git -C c1 pull -q --no-rebase --no-edit &&
	test "$(git -C c1 rev-list --count --merges origin/main..main)" = 1 &&
	git -C c1 push -q origin main &&
	new_model orders &&
	git -C c1 -c hightouch.fullResync=true fetch &&
	tip_is "Create model orders (OUTBOUND)"
'

test_expect_success 'a new resource with the slug of a file deleted in git is created' '
	new_model leads &&
	id=$(jq .id body) &&
	git -C c1 fetch &&
	tip_is "Create model leads (OUTBOUND)" &&
	drop models/leads.yaml &&
	ui DELETE "/models/$id" &&
	git -C c1 fetch &&
	git -C c1 rev-parse main >expect &&
	git -C c1 rev-parse origin/main >actual &&
	test_cmp expect actual &&
	new_model leads &&
	git -C c1 fetch &&
	tip_is "Create model leads (OUTBOUND)"
'

test_expect_success 'a resource deleted and made again with its slug between fetches keeps a file' '
	git -C c1 merge -q --ff-only origin/main &&
	old=$(jq .id body) &&
	ui DELETE "/models/$old" &&
	new_model leads &&
	ui PATCH "/models/$(jq .id body)" "{\"name\": \"Leads again\"}" &&
	git -C c1 fetch &&
	git -C c1 show origin/main:models/leads.yaml >leads &&
	grep "^name: Leads again$" leads &&
	# the file of the old resource is the new one now
	tip_is "Update model leads (OUTBOUND)"
'

test_expect_success 'the files are those of a fresh clone' '
	git clone -q "$HT_URL" fresh &&
	git -C fresh ls-tree -r HEAD >expect &&
	git -C c1 ls-tree -r origin/main >actual.all &&
	grep -v README.md actual.all >actual &&
	test_cmp expect actual
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
