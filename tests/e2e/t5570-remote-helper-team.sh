#!/bin/sh

test_description='git-remote-hightouch: the workspace history on the team history'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

# join NAME: a clone of the team repository plus the workspace remote,
# fetched (the adoption)
join() {
	git clone -q "$TRASH_DIRECTORY/hub.git" "$1" &&
	git -C "$1" remote add hightouch "$HT_URL" &&
	git -C "$1" fetch -q hightouch
}

# same_rev DIR1 REV1 DIR2 REV2: REV1 in DIR1 is REV2 in DIR2
same_rev() {
	git -C "$1" rev-parse "$2" >expect &&
	git -C "$3" rev-parse "$4" >actual &&
	test_cmp expect actual
}

# the commits of a fetch, oldest first: FROM..TO in repository DIR
commits_of() {
	git -C "$1" rev-list --reverse "$2..$3"
}

test_expect_success 'setup: the team repository on a git host' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" ref &&
	git init -q work &&
	(
		cd ref &&
		cp -R models syncs schema manifest-test.yaml aliases-test.yaml \
			../work/
	) &&
	(
		cd work &&
		echo "# The data team" >README.md &&
		mkdir -p .github/workflows staging/models &&
		echo "on: push" >.github/workflows/ci.yml &&
		cp models/accounts.yaml staging/models/ &&
		git add . &&
		GIT_AUTHOR_DATE="1700000000 +0000" \
		GIT_COMMITTER_DATE="1700000000 +0000" \
		git commit -q -m "The team repository"
	) &&
	git init -q --bare hub.git &&
	git -C work push -q "$TRASH_DIRECTORY/hub.git" main
'

test_expect_success 'adoption: files as the workspace has them, no commit' '
	join ana &&
	same_rev ana origin/main ana hightouch/main &&
	same_rev ana origin/main ana refs/hightouch/hightouch/heads/main &&
	join bob &&
	same_rev ana origin/main bob hightouch/main
'

test_expect_success 'a UI change: the same single commit for both' '
	ui PATCH /models/1 "{\"name\": \"Users (all)\", \"lastModifiedBy\": {\"name\": \"Ada Lovelace\", \"email\": \"ada@example.com\"}}" &&
	git -C ana fetch -q hightouch &&
	git -C bob fetch -q hightouch &&
	test "$(git -C ana rev-list --count origin/main..hightouch/main)" = 1 &&
	git -C ana log -1 --format="%s|%an" hightouch/main >actual &&
	echo "Update model users (OUTBOUND)|Ada Lovelace" >expect &&
	test_cmp expect actual &&
	same_rev ana hightouch/main bob hightouch/main
'

test_expect_success 'adoption with a difference: one commit, the same in two clones' '
	join cy &&
	join dan &&
	test "$(git -C cy rev-list --count origin/main..hightouch/main)" = 1 &&
	same_rev cy hightouch/main dan hightouch/main &&
	git -C cy log -1 --format=%s hightouch/main >actual &&
	echo "Import workspace test (OUTBOUND)" >expect &&
	test_cmp expect actual &&
	git -C cy diff --name-status origin/main hightouch/main >actual &&
	printf "M\tmodels/users.yaml\n" >expect &&
	test_cmp expect actual &&
	same_rev ana "hightouch/main^{tree}" cy "hightouch/main^{tree}" &&
	git -C cy ls-tree -r --name-only hightouch/main >files &&
	grep "^README.md$" files &&
	grep "^.github/workflows/ci.yml$" files &&
	grep "^staging/models/accounts.yaml$" files
'

test_expect_success 'a teammate pushes to the workspace and the team repository' '
	git -C ana merge -q --ff-only hightouch/main &&
	sed -i "s/^name: Accounts$/name: Accounts (paying)/" \
		ana/models/accounts.yaml &&
	git -C ana commit -q -am "Accounts: paying ones" &&
	git -C ana push -q hightouch main &&
	git -C ana push -q origin main &&
	git -C ana rev-parse HEAD >ana-head
'

test_expect_success 'the push is recognised: no copy of it' '
	git -C bob fetch -q origin &&
	git -C bob fetch -q hightouch &&
	git -C bob rev-parse hightouch/main >actual &&
	test_cmp ana-head actual &&
	! git -C bob log --format=%s origin/main..hightouch/main | grep . &&
	git -C bob pull -q --ff-only &&
	git -C bob rev-parse HEAD >actual &&
	test_cmp ana-head actual &&
	git -C bob merge -q --ff-only hightouch/main &&
	git -C bob status --porcelain >actual &&
	! test -s actual
'

test_expect_success 'the teammate who pushed fetches nothing new' '
	git -C ana fetch -q hightouch &&
	git -C ana rev-parse hightouch/main >actual &&
	test_cmp ana-head actual
'

test_expect_success 'adoption keeps the team changes the workspace lacks' '
	git -C dan pull -q --ff-only &&
	sed -i "s/^primaryKey: .*/primaryKey: account_key/" \
		dan/models/accounts.yaml &&
	git -C dan commit -q -am "Accounts: by account_key" &&
	git -C dan push -q origin main &&
	ui PATCH /models/4 "{\"name\": \"Sheet (shared)\"}" &&
	join jo &&
	git -C jo rev-parse hightouch/main^ >actual &&
	test_cmp ana-head actual &&
	git -C jo diff --name-only hightouch/main^ hightouch/main >actual &&
	echo models/sheet.yaml >expect &&
	test_cmp expect actual &&
	git -C jo merge -q --no-edit hightouch/main &&
	grep "^primaryKey: account_key$" jo/models/accounts.yaml &&
	grep "^name: Sheet (shared)$" jo/models/sheet.yaml &&
	git -C jo push hightouch main 2>err &&
	grep "update model .accounts.: primaryKey" err &&
	git -C jo push -q origin main
'

test_expect_success 'hightouchBase: a revision, or none' '
	git clone -q "$TRASH_DIRECTORY/hub.git" eve &&
	git -C eve remote add hightouch "$HT_URL" &&
	git -C eve config remote.hightouch.hightouchBase nowhere &&
	test_must_fail git -C eve fetch -q hightouch 2>err &&
	grep "remote.hightouch.hightouchBase .nowhere. names no commit" err &&
	git -C eve config remote.hightouch.hightouchBase "" &&
	git -C eve fetch -q hightouch &&
	git clone -q "$HT_URL" plain &&
	same_rev plain HEAD eve hightouch/main &&
	test "$(git -C plain rev-list --count HEAD)" = 1
'

test_expect_success 'the base is the upstream of the branch, not HEAD' '
	git clone -q "$TRASH_DIRECTORY/hub.git" fay &&
	git -C fay commit -q --allow-empty -m "local work" &&
	git -C fay remote add hightouch "$HT_URL" &&
	git -C fay fetch -q hightouch &&
	same_rev fay origin/main fay hightouch/main &&
	git -C fay config remote.hightouch.hightouchBase HEAD &&
	git -C fay update-ref -d refs/hightouch/hightouch/heads/main &&
	git -C fay fetch -q hightouch &&
	same_rev fay HEAD fay hightouch/main
'

test_expect_success 'a new hightouchPath: the move, then the pending changes' '
	git clone -q "$HT_URL" mv &&
	git -C mv rev-parse HEAD >before &&
	ui PATCH /models/2 "{\"name\": \"Accounts (every one)\", \"lastModifiedBy\": {\"name\": \"Bob\", \"email\": \"bob@example.com\"}}" &&
	ui PATCH /syncs/1 "{\"disabled\": true, \"lastModifiedBy\": {\"name\": \"Cy\", \"email\": \"cy@example.com\"}}" &&
	git -C mv config remote.origin.hightouchPath ht &&
	git -C mv fetch -q &&
	git -C mv log --reverse --format="%s|%an" "$(cat before)..origin/main" >actual &&
	cat >expect <<-\EOF &&
	Move the files of workspace test to '"'"'ht'"'"' (OUTBOUND)|Hightouch
	Update model accounts (OUTBOUND)|Bob
	Update sync users-to-hubspot (OUTBOUND)|Cy
	EOF
	test_cmp expect actual &&
	git -C mv diff --name-status -M origin/main~3 origin/main~2 >moves &&
	! grep -v "^R100" moves &&
	grep "^R100	models/accounts.yaml	ht/models/accounts.yaml$" moves &&
	git -C mv diff --name-only origin/main~2 origin/main~1 >actual &&
	echo ht/models/accounts.yaml >expect &&
	test_cmp expect actual
'

test_expect_success 'deletions: a sync before its model, a relationship before its models' '
	git clone -q "$HT_URL" del &&
	git -C del rev-parse HEAD >before &&
	ui DELETE "/models/3?cascade=true" &&
	ui DELETE "/models/11?cascade=true" &&
	git -C del fetch -q &&
	git -C del log --reverse --format=%s "$(cat before)..origin/main" >actual &&
	cat >expect <<-\EOF &&
	Delete sync orders-to-hubspot (OUTBOUND)
	Delete relationship people-purchases (OUTBOUND)
	Delete model orders (OUTBOUND)
	Delete related-model purchases (OUTBOUND)
	EOF
	test_cmp expect actual &&
	for c in $(commits_of del "$(cat before)" origin/main)
	do
		git -C del checkout -q --detach "$c" &&
		(cd del && git hightouch check) || return 1
	done
'

test_expect_success 'a hand-formatted team repository: no commit when equal' '
	ht_seed "$HT_FIXTURES/workspaces/t5-small.json" &&
	git clone -q "$HT_URL" ref2 &&
	git -C ref2 checkout -q -b by-hand &&
	(
		cd ref2 &&
		for f in models/*.yaml syncs/*.yaml
		do
			{
				echo "# $f, kept by hand" &&
				sed "s/^name: \(.*\)$/name: \"\1\"/" "$f"
			} >tmp &&
			mv tmp "$f" || return 1
		done &&
		echo "# The data team" >README.md &&
		git add . &&
		git commit -q -m "Our own formatting"
	) &&
	grep "^name: \"Accounts\"$" ref2/models/accounts.yaml &&
	git init -q --bare hand.git &&
	git -C ref2 push -q "$TRASH_DIRECTORY/hand.git" by-hand:main &&
	git clone -q "$TRASH_DIRECTORY/hand.git" gus &&
	git -C gus remote add hightouch "$HT_URL" &&
	git -C gus fetch -q hightouch &&
	same_rev gus origin/main gus hightouch/main
'

test_expect_success 'a hand-formatted team repository: one commit when different' '
	ui PATCH /models/2 "{\"primaryKey\": \"id\"}" &&
	for who in hal ida
	do
		git clone -q "$TRASH_DIRECTORY/hand.git" $who &&
		git -C $who remote add hightouch "$HT_URL" &&
		git -C $who fetch -q hightouch || return 1
	done &&
	same_rev hal hightouch/main ida hightouch/main &&
	test "$(git -C hal rev-list --count origin/main..hightouch/main)" = 1 &&
	git -C hal show hightouch/main:README.md >actual &&
	echo "# The data team" >expect &&
	test_cmp expect actual &&
	git -C hal show hightouch/main:models/accounts.yaml >accounts &&
	grep "^primaryKey: id$" accounts
'

test_expect_success 'a hand-formatted team repository: the other files kept' '
	git -C hal diff --name-only origin/main hightouch/main >actual &&
	echo models/accounts.yaml >expect &&
	test_cmp expect actual &&
	git -C hal show hightouch/main:models/users.yaml >users &&
	grep "^# models/users.yaml, kept by hand$" users &&
	grep "^name: \"Users\"$" users
'

test_expect_success 'a hand-formatted team repository: the changed file patched' '
	git -C hal show hightouch/main:models/accounts.yaml >accounts &&
	grep "^# models/accounts.yaml, kept by hand$" accounts &&
	grep "^name: \"Accounts\"$" accounts
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
