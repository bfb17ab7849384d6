#!/bin/sh

test_description='git hightouch check --base/--head: what a range changes

Who changed a manifest (the commit that gave it its content, OUTBOUND or
not, through merges and refs/hightouch/), breaking changes across
several commits, --head alone, --all.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-check.sh"

check_git_env

M=manifest-acme-prod.yaml

test_expect_success 'setup' '
	new_repo repo &&
	git -C repo tag base
'

test_expect_success 'a hand edit later overwritten by a fetch is fine' '
	(
		cd repo &&
		sed -i "s/Google Ads/Google Ads!/" $M &&
		git commit -q -am "Tweak a name" &&
		sed -i "s/Google Ads!/Google Ads (EU)/" $M &&
		git commit -q -am "Update destination google-ads (OUTBOUND)" &&
		git hightouch check --base base --head HEAD
	)
'

test_expect_success 'a hand edit on top of a fetch is reported' '
	(
		cd repo &&
		git reset -q --hard base &&
		sed -i "s/Google Ads/Google Ads (EU)/" $M &&
		git commit -q -am "Update destination google-ads (OUTBOUND)" &&
		sed -i "s/name: HubSpot$/name: HS/" $M &&
		git commit -q -am "Shorter name" &&
		test_expect_code 1 git hightouch check --base base \
			>../out &&
		hand=$(git rev-parse --short=7 HEAD) &&
		echo "$M:16:1: error: read-only manifest edited by commit" \
			"$hand '\''Shorter name'\'': manifests are written by" \
			"git-remote-hightouch; change sources and destinations" \
			"in Hightouch, then fetch [manifest-edited]" >../expect &&
		test_cmp ../expect ../out
	)
'

test_expect_success 'a hand edit reverted by hand is no change' '
	(
		cd repo &&
		git revert --no-edit HEAD >/dev/null &&
		git hightouch check --base base
	)
'

test_expect_success 'a merge that takes a fetched manifest is fine' '
	(
		cd repo &&
		git reset -q --hard base &&
		git checkout -q -b fetched &&
		sed -i "s/Google Ads/Google Ads (EU)/" $M &&
		git commit -q -am "Update destination google-ads (OUTBOUND)" &&
		git checkout -q main &&
		sed -i "s/name: Accounts/name: All accounts/" \
			models/accounts.yaml &&
		git commit -q -am "Rename accounts" &&
		git merge -q --no-edit fetched &&
		git hightouch check --base base
	)
'

test_expect_success 'an evil merge that edits the manifest is reported' '
	(
		cd repo &&
		git reset -q --hard HEAD^ &&
		git merge -q --no-commit fetched &&
		sed -i "s/Google Ads (EU)/Google Ads (US)/" $M &&
		git add $M &&
		git commit -q --no-edit &&
		test_expect_code 1 git hightouch check --base base >../out &&
		grep "edited by commit [0-9a-f]* '\''Merge branch" ../out
	)
'

test_expect_success 'a commit that a refs/hightouch/ ref reaches is a fetch' '
	(
		cd repo &&
		git reset -q --hard base &&
		sed -i "s/Google Ads/Google Ads (EU)/" $M &&
		git commit -q -am "Imported by another tool" &&
		test_expect_code 1 git hightouch check --base base &&
		git update-ref refs/hightouch/origin/heads/main HEAD &&
		git hightouch check --base base &&
		git update-ref -d refs/hightouch/origin/heads/main
	)
'

test_expect_success 'a manifest deleted by hand, by a fetch' '
	(
		cd repo &&
		git reset -q --hard base &&
		git rm -q $M &&
		git commit -q -m "No more manifest" &&
		test_expect_code 1 git hightouch check --base base >../out &&
		grep "^$M:0:0: error: read-only manifest deleted by commit" \
			../out &&
		git hightouch check --base base --allow-manifest-edits &&
		git -c hightouch.allowManifestEdits=true \
			hightouch check --base base &&
		test_expect_code 1 git -c hightouch.allowManifestEdits=true \
			hightouch check --base base --no-allow-manifest-edits &&
		git commit -q --amend -m "Move the files of workspace acme-prod (OUTBOUND)" &&
		git hightouch check --base base
	)
'

test_expect_success 'breaking changes over several commits' '
	(
		cd repo &&
		git reset -q --hard base &&
		git mv models/accounts.yaml models/all-accounts.yaml &&
		git commit -q -m "Rename the accounts model" &&
		git rm -q models/app-events.yaml &&
		git commit -q -m "Drop app events" &&
		test_expect_code 1 git hightouch check --base base >../out &&
		cat >../expect <<-\EOF &&
		syncs/accounts-to-salesforce.yaml:1:8: error: model '\''accounts'\'' was renamed to '\''all-accounts'\'' but is still used here [deleted-in-use]
		syncs/app-events-to-s3.yaml:1:8: error: model '\''app-events'\'' was deleted (models/app-events.yaml) but is still used here [deleted-in-use]
		EOF
		test_cmp ../expect ../out &&
		git hightouch check --base HEAD~ --head HEAD~ &&
		test_expect_code 1 git hightouch check --base HEAD~ >../out &&
		test "$(wc -l <../out)" = 1
	)
'

test_expect_success '--head alone checks a whole commit' '
	(
		cd repo &&
		test_expect_code 1 git hightouch check --head HEAD >../out &&
		cat >../expect <<-\EOF &&
		syncs/accounts-to-salesforce.yaml:1:8: error: model '\''accounts'\'' not found: no model file has that slug [unresolved-reference]
		syncs/app-events-to-s3.yaml:1:8: error: model '\''app-events'\'' not found: no model file has that slug [unresolved-reference]
		EOF
		test_cmp ../expect ../out &&
		git hightouch check --head base
	)
'

test_expect_success 'only the files a range changes, unless --all' '
	(
		cd repo &&
		git reset -q --hard base &&
		sed -i "s/unit: minute/unit: month/" \
			syncs/customers-to-hubspot.yaml &&
		git commit -q --no-verify -am "Monthly" &&
		git tag broken &&
		sed -i "s/name: Accounts/name: All accounts/" \
			models/accounts.yaml &&
		git commit -q -am "Rename accounts" &&
		git hightouch check --base broken &&
		test_expect_code 1 git hightouch check --base broken --all \
			>../out &&
		grep "^syncs/customers-to-hubspot.yaml:.*month" ../out &&
		test_expect_code 1 git hightouch check --base base
	)
'

test_expect_success 'the range the pre-commit framework gives' '
	(
		cd repo &&
		PRE_COMMIT_FROM_REF=broken PRE_COMMIT_TO_REF=HEAD \
			git hightouch check --range-from-env &&
		PRE_COMMIT_FROM_REF=base PRE_COMMIT_TO_REF=HEAD \
			test_expect_code 1 git hightouch check --range-from-env &&
		PRE_COMMIT_TO_REF=base git hightouch check --range-from-env &&
		test_expect_code 1 git hightouch check --range-from-env &&
		test_expect_code 2 git hightouch check --range-from-env \
			--base HEAD
	)
'

test_done
