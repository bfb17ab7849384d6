#!/bin/sh

test_description='git-remote-hightouch: bad input to push

A byte order mark, conflict markers, a submodule, a symbolic link, files
push does not take and file names with control characters: each gets one
line naming the file, the line and the rule (the same as git hightouch
check), and a refused push writes nothing.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"

test_expect_success 'setup' '
	ht_start workspaces/t5-small.json &&
	git clone -q "$HT_URL" c
'

# refused: the push fails, its reason is $1, and nothing was written.
refused() {
	ht_requests_reset &&
	test_must_fail git -C c push origin main 2>err &&
	grep "\[remote rejected\] main -> main ($1)" err &&
	writes w &&
	test ! -s w
}

# Back to what the workspace has.
restore() {
	git -C c reset -q --hard origin/main &&
	git -C c clean -q -fdx
}

test_expect_success 'a byte order mark first: pushed, positions as without' '
	printf "\357\273\277" >bom &&
	sed "s/^name: Users$/name: Users (BOM)/" c/models/users.yaml >>bom &&
	mv bom c/models/users.yaml &&
	git -C c commit -q -am "users, from a Windows editor" &&
	(cd c && git hightouch check --base origin/main) &&
	ht_requests_reset &&
	git -C c push origin main 2>err &&
	writes actual &&
	echo "PATCH /api/v1/models/1" >expect &&
	test_cmp expect actual &&
	api GET /models/1 && expect_status 200 &&
	json_eq .name "\"Users (BOM)\"" &&
	# the push is not followed by a commit that drops it
	git -C c fetch -q &&
	git -C c rev-parse HEAD >expect &&
	git -C c rev-parse origin/main >actual &&
	test_cmp expect actual &&
	# a change in Hightouch keeps it too
	ui PATCH /models/1 "{\"primaryKey\": \"user_id\"}" &&
	git -C c pull -q --rebase &&
	grep "^primaryKey: user_id$" c/models/users.yaml &&
	head -c 17 c/models/users.yaml >actual &&
	printf "\357\273\277name: Users (B" >expect &&
	test_cmp expect actual &&
	printf "\357\273\277name: 5\n" >bom &&
	sed 1d c/models/users.yaml >>bom &&
	mv bom c/models/users.yaml &&
	git -C c commit -q -am "a number for a name" &&
	refused "validation failed: 1 error, nothing was pushed" &&
	grep "^models/users.yaml:1:7: error: field .name. must be a string, got integer \[wrong-type\]$" err &&
	restore
'

test_expect_success 'conflict markers: their line and rule, no syntax error' '
	cat >c/models/accounts.yaml <<-\EOF &&
	name: Accounts
	source: postgres
	<<<<<<< HEAD
	type: table
	tableName: public.accounts
	=======
	type: raw_sql
	rawSql: select * from accounts
	>>>>>>> raw
	isSchema: false
	primaryKey: account_id
	EOF
	git -C c commit -q -am "a merge left unresolved" &&
	echo "models/accounts.yaml:3:1: error: merge conflict marker" \
		"'"'"'<<<<<<<'"'"' (resolve the conflict and remove the" \
		"markers) [conflict-marker]" >expect &&
	(cd c && test_expect_code 1 git hightouch check --base origin/main \
		>../actual) &&
	test_cmp expect actual &&
	refused "validation failed: 1 error, nothing was pushed" &&
	sed -n "s/:1:1: /:0:0: /; /^models\//p" err >actual &&
	test_cmp expect actual &&
	! grep "did not find expected" err &&
	restore
'

test_expect_success 'a submodule under models/: named, never "error: success"' '
	git init -q vendor &&
	git -C vendor commit -q --allow-empty -m vendor &&
	(
		cd c &&
		git update-index --add --cacheinfo \
			160000,$(git -C ../vendor rev-parse HEAD),models/vendor.yaml &&
		test_expect_code 1 git hightouch check --staged >../check &&
		git commit -q -m "vendor models"
	) &&
	echo "models/vendor.yaml:0:0: error: a submodule, not a file: push" \
		"reads only this repository'"'"'s files (remove it with" \
		"'"'"'git rm --cached'"'"', then commit the file itself)" \
		"[submodule]" >expect &&
	test_cmp expect check &&
	refused "validation failed: 1 error, nothing was pushed" &&
	sed -n "s/:1:1: /:0:0: /; /^models\//p" err >actual &&
	test_cmp expect actual &&
	! grep "success" err &&
	restore
'

test_expect_success 'a submodule that takes the place of a model file' '
	(
		cd c &&
		git rm -q --cached models/sheet.yaml &&
		git update-index --add --cacheinfo \
			160000,$(git -C ../vendor rev-parse HEAD),models/sheet.yaml &&
		git commit -q -m "sheet as a submodule"
	) &&
	refused "validation failed: 1 error, nothing was pushed" &&
	grep "^models/sheet.yaml:1:1: error: a submodule, not a file: .* \[submodule\]$" err &&
	! grep "sheet.*was deleted" err &&
	! grep "success" err &&
	restore
'

test_expect_success 'a symbolic link where a model file would be' '
	ln -s users.yaml c/models/active.yaml &&
	git -C c add models/active.yaml &&
	git -C c commit -q -m "active users: the same file" &&
	refused "validation failed: 1 error, nothing was pushed" &&
	grep "^models/active.yaml:1:1: error: a symbolic link, not a file: push does not follow links (commit the file itself) \[symbolic-link\]$" err &&
	restore
'

test_expect_success 'files push does not take: the warnings of check' '
	mkdir c/models/sub &&
	cp c/models/accounts.yaml c/models/sub/x.yaml &&
	cp c/models/accounts.yaml c/models/.yaml &&
	cp c/models/accounts.yaml c/models/x.yml &&
	sed -i "s/^name: Accounts$/name: All accounts/" c/models/accounts.yaml &&
	git -C c add . &&
	git -C c commit -q -m "drafts, and a name" &&
	(cd c && git hightouch check --base origin/main >../check) &&
	test "$(wc -l <check)" = 3 &&
	ht_requests_reset &&
	git -C c push origin main 2>err &&
	grep "misplaced-file" err | sed "s/:1:1: /:0:0: /" >actual &&
	test_cmp check actual &&
	writes actual &&
	echo "PATCH /api/v1/models/2" >expect &&
	test_cmp expect actual
'

test_expect_success 'control characters in file names: quoted as git does' '
	esc=$(printf "\033") &&
	cafe=$(printf "caf\303\251") &&
	cp c/models/accounts.yaml "c/models/a${esc}[31mb.yaml" &&
	cp c/models/accounts.yaml "c/models/$cafe.yml" &&
	git -C c add . &&
	git -C c commit -q -m "odd names" &&
	git -C c ls-files models >ls &&
	grep "^\"models/a\\\\033\[31mb.yaml\"$" ls &&
	grep "^\"models/caf\\\\303\\\\251.yml\"$" ls &&
	refused "validation failed: 1 error, nothing was pushed" &&
	grep "^\"models/a\\\\033\[31mb.yaml\":1:1: error: .* \[bad-slug\]$" err &&
	grep "^\"models/caf\\\\303\\\\251.yml\":1:1: warning: .* \[misplaced-file\]$" err &&
	! grep "$esc" err &&
	(
		cd c &&
		test_expect_code 1 git hightouch check --base origin/main \
			>../check &&
		test_expect_code 1 git hightouch check --base origin/main \
			--format json >../json &&
		test_expect_code 1 git -c core.quotePath=false hightouch \
			check --base origin/main >../unquoted
	) &&
	grep "^\"models/a\\\\033\[31mb.yaml\":0:0: error: " check &&
	! grep "$esc" check &&
	jq -r ".findings[].path" json >paths &&
	printf "models/a\033[31mb.yaml\nmodels/caf\303\251.yml\n" >expect &&
	test_cmp expect paths &&
	grep "^models/$cafe.yml:0:0: warning: " unquoted &&
	grep "^\"models/a\\\\033\[31mb.yaml\":0:0: error: " unquoted &&
	test_must_fail git -C c -c core.quotePath=false push origin main \
		2>err &&
	grep "^models/$cafe.yml:1:1: warning: " err &&
	restore
'

test_expect_success 'no sanitizer reports' '
	ht_sanitizer_reports
'

test_done
