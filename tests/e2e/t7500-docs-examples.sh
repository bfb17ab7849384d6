#!/bin/sh

test_description='the documentation runs as written

Every example block of README.md and of the man pages says what it is
(lib-docs.sh), and the ones marked "run" are run here: those written for
the Hightouch API against hightouch-emulator (hightouch://WORKSPACE
becomes the emulator'\''s URL, HIGHTOUCH_API_KEY=... its key, port 8080 a
free port, $EDITOR makes the edits the commit messages describe), the
pre-commit ones in t7200.  The man pages carry the Makefile'\''s version,
and the documentation names no file outside the source tree.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-remote-helper.sh"
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-docs.sh"

python3 -c 'import yaml' 2>/dev/null && test_set_prereq PYYAML
test -x "$HT_SRC_DIR/build/default/bin/git-remote-hightouch" &&
	test_set_prereq DEFAULT_BUILD

# The documents whose examples are held to this.
docs() {
	echo README.md
	(cd "$HT_SRC_DIR" && ls docs/*.[1-9])
}

# run_example FILE NAME DIR: the example, with the emulator's URLs and
# key, written to DIR.sh and run by `sh -e` in DIR.
# shellcheck disable=SC2119 # doc_emulator_subst without maps: all to EMU_URL
run_example() {
	doc_example "$1" "$2" >"$3.raw" &&
	doc_emulator_subst <"$3.raw" >"$3.sh" &&
	mkdir -p "$3" &&
	(cd "$3" && sh -ex "$TRASH_DIRECTORY/$3.sh")
}

# run_with_port FILE NAME DIR: an example that starts an emulator on
# 127.0.0.1:8080 in the background, on a free port instead; the emulator
# ($!) is stopped however the example ends.
run_with_port() {
	port=$(doc_free_port) &&
	doc_example "$1" "$2" >"$3.raw" &&
	{
		echo "trap 'kill \$! 2>/dev/null || :; wait' EXIT" &&
		doc_port_subst "$port" <"$3.raw"
	} >"$3.sh" &&
	mkdir -p "$3" &&
	(cd "$3" && sh -ex "$TRASH_DIRECTORY/$3.sh" >"$TRASH_DIRECTORY/$3.out")
}

test_expect_success 'every example says what it is' '
	for f in $(docs); do
		doc_examples "$f" || return 1
	done >examples &&
	cat examples &&
	! grep " unmarked$" examples &&
	! grep -v -E "^[^ ]+ ((run|output) [a-z0-9-]+|text|illustration)$" \
		examples &&
	# a name once per document
	sed -n "s/^\([^:]*\):[0-9]* \(run\|output\) /\1 /p" examples |
		sort | uniq -d >dups &&
	test ! -s dups
'

test_expect_success 'an illustration says so, just before it' '
	grep " illustration$" examples | while read -r at kind; do
		f=${at%%:*} line=${at##*:} &&
		from=$((line > 8 ? line - 8 : 1)) &&
		sed -n "$from,${line}p" "$HT_SRC_DIR/$f" |
			grep -i illustration >/dev/null || {
			echo "$at: not said to be an illustration"
			return 1
		}
	done
'

test_expect_success 'every example marked run or output is run by a test' '
	sed -n "s/^\([^:]*\):[0-9]* \(run\|output\) \(.*\)/\1 \3/p" examples |
	while read -r f name; do
		# doc_example FILE NAME, or a helper of the script that calls it
		grep -l -E "[a-z_]+ $(echo "$f" | sed "s/[.]/[.]/g") $name( |\$)" \
			"$HT_SRC_DIR"/tests/e2e/t*.sh >/dev/null || {
			echo "$f: example $name is run by no test"
			return 1
		}
	done
'

test_expect_success 'the man pages carry the date and the version' '
	version=$(sed -n "s/^HT_VERSION = //p" "$HT_SRC_DIR/Makefile") &&
	test -n "$version" &&
	echo "git-hightouch version $version" >expect &&
	git-hightouch --version >actual &&
	test_cmp expect actual &&
	for f in $(docs | grep -v "\.md\$"); do
		page=$(basename "$f") &&
		name=$(echo "${page%.*}" | tr "[:lower:]" "[:upper:]") &&
		th=$(grep "^\.TH " "$HT_SRC_DIR/$f") &&
		echo "$th" | grep -E "^\.TH $name ${page##*.} \"[0-9]{4}-[0-9]{2}-[0-9]{2}\" \"git-remote-hightouch $version\" \"[^\"]+\"\$" || {
			echo "$f: wants .TH $name ${page##*.} \"YYYY-MM-DD\" \"git-remote-hightouch $version\" \"...\", has: $th"
			return 1
		}
	done
'

test_expect_success 'the man pages render without a warning' '
	command -v groff >/dev/null || {
		say_comment "no groff: not rendered"
		return 0
	}
	for f in $(docs | grep -v "\.md\$"); do
		groff -t -man -ww -z -Tutf8 "$HT_SRC_DIR/$f" 2>err &&
		test ! -s err || {
			echo "$f:" && cat err
			return 1
		}
	done
'

test_expect_success 'the documentation names no file outside the tree' '
	(
		cd "$HT_SRC_DIR" &&
		find . -path ./build -prune -o -path ./.git -prune \
			-o -path ./tests/fixtures/api -prune \
			-o -path ./tests/fuzz/corpus -prune \
			-o -type f -print0 |
		xargs -0 grep -n -I -E \
			"DESIGN[.]md|(^|[^A-Za-z_])referenc[e]/|[.][.]/shared|[Ii]ssues? #?[0-9]"
	) >hits
	test ! -s hits || {
		cat hits
		return 1
	}
'

test_expect_success 'the files the documentation names exist' '
	(
		cd "$HT_SRC_DIR" &&
		for f in README.md docs/* */README.md tests/*/README.md \
			.pre-commit-hooks.yaml; do
			sed -e "s/\\\\-/-/g" -e "s/\\\\f[BIRP]//g" "$f" |
			grep -o -E "(^|[^A-Za-z0-9_./\$-])(common|include|hooks|remote-helper|emulator|tests|docs|scripts)/[A-Za-z0-9_./*<>-]*" |
			sed -e "s/^[^a-z]//" -e "s/\\.\$//" -e "s/xxx\$/*/" |
			sort -u | while read -r p; do
				case "$p" in
				*"<"* | *.o) continue ;;
				esac
				# shellcheck disable=SC2086
				ls -d $p* >/dev/null 2>&1 || echo "$f: $p"
			done
		done
	) >missing &&
	test ! -s missing || {
		cat missing
		return 1
	}
'

test_expect_success 'setup: the emulator, an editor' '
	ht_start workspaces/t5-small.json &&
	unset HIGHTOUCH_API_KEY &&
	KEY=$(cat "$EMU_API_KEY_FILE") &&
	mkdir bin &&
	cat >bin/edit <<-\EOF &&
	#!/bin/sh
	# $EDITOR for the examples: the edits their commit messages describe
	for f in "$@"; do
		case "$f" in
		*models/users.yaml)
			sed -i "s/where deleted_at is null\$/& and active/" "$f" ;;
		*syncs/users-to-hubspot.yaml)
			sed -i "s/^      type: standard\$/&\n    - from: phone\n      to: phone\n      type: standard/" "$f" ;;
		*)
			echo >&2 "edit: no edit for $f"
			exit 1 ;;
		esac
	done
	EOF
	chmod +x bin/edit &&
	EDITOR=$TRASH_DIRECTORY/bin/edit &&
	export EDITOR
'

# The emulator's model and sync, as the examples leave them.
users_sql() {
	api GET "/models?slug=users" && expect_status 200 &&
	jq -r ".data[0].raw.sql" body
}
hubspot_mappings() {
	api GET "/syncs?slug=users-to-hubspot" && expect_status 200 &&
	jq -r ".data[0].configuration.mappings[].from" body
}

test_expect_success 'README.md: the two commands (make demo runs scripts/demo)' '
	# `make check` is what runs this test; `make demo` builds, then runs
	# scripts/demo, which this runs on the build under test
	grep -A1 "^demo:" "$HT_SRC_DIR/Makefile" | grep -q "scripts/demo\$" &&
	doc_example README.md demo >demo.sh &&
	grep -q "^make demo " demo.sh &&
	(
		cd "$HT_SRC_DIR" &&
		HT_DEMO_DIR=$TRASH_DIRECTORY/demo scripts/demo
	) >demo.out 2>&1 &&
	cat demo.out &&
	grep "^\$ git clone hightouch::http://127.0.0.1:[0-9]*/acme " demo.out &&
	grep "^\$ git fetch" demo.out &&
	grep "git hightouch install-hooks" demo.out &&
	grep "\[yaml-syntax\]\|\[duplicate-key\]" demo.out &&
	grep "fetch first" demo.out &&
	grep "^The emulator is stopped" demo.out &&
	git -C demo/acme log --oneline >log &&
	grep "Rename the users model" log
'

test_expect_success 'README.md: a short tour' '
	run_example README.md tour tour &&
	git -C tour/acme log --format=%s origin/main >log &&
	test "$(head -1 log)" = "Users: only active ones" &&
	test -x tour/acme/.git/hooks/pre-commit &&
	users_sql >sql &&
	grep "where deleted_at is null and active" sql
'

test_expect_success 'README.md: checks and hooks' '
	doc_example README.md checks >checks.sh &&
	(cd tour/acme && sh -ex ../../checks.sh) &&
	test "$(ls tour/acme/.schemas | wc -l)" = 8
'

test_expect_success 'README.md: the option errors' '
	doc_example README.md option-errors >expect &&
	for args in --bogus --format --staged=yes "--jobs 0"; do
		# shellcheck disable=SC2086
		test_expect_code 2 git hightouch check $args 2>err &&
		head -1 err || return 1
	done >actual &&
	test_cmp expect actual
'

test_expect_success 'README.md: clone and fetch, then push' '
	ht_seed "$HT_FIXTURES/workspaces/t5-small.json" &&
	run_example README.md clone readme &&
	HIGHTOUCH_API_KEY=$KEY run_example README.md push readme/acme &&
	users_sql >sql &&
	grep "where deleted_at is null and active" sql &&
	hubspot_mappings >mappings &&
	grep "^phone\$" mappings &&
	git -C readme/acme status --porcelain >status &&
	test ! -s status
'

test_expect_success 'README.md: trigger, follow and look up syncs' '
	HIGHTOUCH_API_KEY=$KEY run_example README.md ops readme/acme >out &&
	cat out &&
	grep "^Sync .users-to-hubspot.: run [0-9]* success in " out &&
	grep "^Triggered sync .accounts-to-braze.: run [0-9]*$" out &&
	grep "^RUN  STATUS" out &&
	grep "^sync users-to-hubspot$" out &&
	api GET "/syncs/2/runs" &&
	expect_json ".data[-1].plannedRows.addedCount >= 1000"
'

test_expect_success 'git-hightouch(1): the id of a sync, for an orchestrator' '
	doc_example docs/git-hightouch.1 show-id >show-id.sh &&
	(cd readme/acme && HIGHTOUCH_API_KEY=$KEY sh -e ../../show-id.sh) >id &&
	echo 1 >expect &&
	test_cmp expect id
'

test_expect_success DEFAULT_BUILD 'README.md: the programs without installing them' '
	doc_example README.md path >path.sh &&
	(
		cd "$HT_SRC_DIR" &&
		. "$TRASH_DIRECTORY/path.sh" &&
		command -v git-remote-hightouch
	) >actual &&
	echo "$HT_SRC_DIR/build/default/bin/git-remote-hightouch" >expect &&
	test_cmp expect actual
'

test_expect_success 'git-remote-hightouch(1): clone, then push' '
	ht_seed "$HT_FIXTURES/workspaces/t5-small.json" &&
	run_example docs/git-remote-hightouch.1 clone man &&
	HIGHTOUCH_API_KEY=$KEY \
		run_example docs/git-remote-hightouch.1 push man/acme &&
	git -C man/acme log -1 --format=%s origin/main >actual &&
	echo "Users: only active ones; map the phone number" >expect &&
	test_cmp expect actual &&
	hubspot_mappings >mappings &&
	grep "^phone\$" mappings &&
	api GET "/syncs/$(jq -r ".data[0].id" body)/runs" &&
	jq -e ".data | length == 1" body
'

test_expect_success 'git-remote-hightouch(1): the files in a folder' '
	HIGHTOUCH_API_KEY=$KEY \
		run_example docs/git-remote-hightouch.1 folder folder >out &&
	printf "%s\n" models schema syncs >expect &&
	test_cmp expect out &&
	test -f folder/analytics/manifest-acme-prod.yaml
'

test_expect_success 'git-remote-hightouch(1): staging and production' '
	ht_seed "$HT_FIXTURES/workspaces/t5-small.json" &&
	# staging: the same workspace and a model production lacks, on a
	# second emulator with its own key
	jq ".models += [.models[] | select(.slug == \"users\") |
		.id = 100 | .slug = \"vips\" | .name = \"VIPs\"]" \
		"$HT_FIXTURES/workspaces/t5-small.json" >staging.json &&
	echo "htk_test_staging_$$" >staging.key &&
	mkdir staging-emu &&
	(
		cd staging-emu &&
		emulator_spawn --workspace staging --listen 127.0.0.1:0 \
			--api-key-file ../staging.key \
			--seed ../staging.json --rate-limit off &&
		echo "$EMU_URL" >../staging-url &&
		echo "$EMU_PID" >../staging-pid
	) &&
	started_pids="$started_pids $(cat staging-pid)" &&
	# the user, typing each key when git asks for it
	cat >bin/askpass <<-EOF &&
	#!/bin/sh
	echo "\$1" >>"$TRASH_DIRECTORY/askpass.log"
	case "\$1" in
	Username*) echo apikey ;;
	*/acme-staging*) cat "$TRASH_DIRECTORY/staging.key" ;;
	*/acme-prod*) cat "$EMU_API_KEY_FILE" ;;
	esac
	EOF
	chmod +x bin/askpass &&
	doc_example docs/git-remote-hightouch.1 promote >promote.raw &&
	doc_emulator_subst "acme-staging=$(cat staging-url)" \
		<promote.raw >promote.sh &&
	mkdir promote &&
	(
		cd promote &&
		HIGHTOUCH_API_KEY=$KEY GIT_ASKPASS=$TRASH_DIRECTORY/bin/askpass \
			sh -ex ../promote.sh
	) &&
	grep -c "^Password for " askpass.log >count &&
	echo 2 >expect &&
	test_cmp expect count &&
	grep "acme-staging" .git-credentials &&
	grep "acme-prod" .git-credentials &&
	api GET "/models?slug=vips" && expect_status 200 &&
	jq -e ".data | length == 1" body
'

test_expect_success 'git-remote-hightouch(1): against a local emulator' '
	run_with_port docs/git-remote-hightouch.1 emulator local &&
	test -f local/demo/manifest-demo.yaml &&
	ls local/demo/models/*.yaml
'

test_expect_success 'hightouch-emulator(1): the example' '
	run_with_port docs/hightouch-emulator.1 emulator emu &&
	cat emu.out &&
	grep "^listening on http://127.0.0.1:$port\$" emu.out &&
	grep "^{" emu.out >models.json &&
	jq -e ".data | length == 2" models.json &&
	test -f emu/demo.db
'

# check_session: the session on stdin, run in an empty folder, prints
# what it shows
check_session() {
	cat >session &&
	rm -rf session.d &&
	mkdir session.d &&
	doc_commands <session >commands.sh &&
	test -s commands.sh &&
	doc_session_output <session >expect &&
	(cd session.d && sh -e ../commands.sh) >actual &&
	doc_cmp_elided expect actual
}

test_expect_success 'git-hightouch(1): schema --write' '
	doc_example docs/git-hightouch.1 schema-write >example &&
	check_session <example &&
	test "$(ls session.d/.hightouch/schemas | wc -l)" = 8
'

test_expect_success 'githooks-hightouch(7): schema --write' '
	doc_example docs/githooks-hightouch.7 schema-write >example &&
	check_session <example &&
	test "$(ls session.d/.hightouch/schemas | wc -l)" = 8
'

test_expect_success 'setup: a pull request' '
	HIGHTOUCH_API_KEY=$KEY git clone -q "$HT_URL" pr &&
	git -C pr checkout -q -b topic &&
	sed -i "s/^name: Users\$/name: Active users/" pr/models/users.yaml &&
	git -C pr commit -q -am "Rename the users model" &&
	git -C pr checkout -q -b broken &&
	sed -i "s/^type: raw_sql\$/type: raw/" pr/models/users.yaml &&
	git -C pr commit -q -am "A bad type"
'

# github_run: run.sh, the run: commands of the GitHub Actions steps in
# github.yaml, for a pull request into main
github_run() {
	python3 -c "import sys, yaml
for step in yaml.safe_load(open(sys.argv[1])):
    if \"run\" in step:
        print(step[\"run\"])" github.yaml >run.sh &&
	test -s run.sh &&
	sed -i "s/\${{ github.base_ref }}/main/g" run.sh &&
	cat run.sh
}

# github_check: the run: commands of github.yaml pass on the branch
# topic, and fail with an annotation on the branch broken
github_check() {
	git -C pr checkout -q topic &&
	(cd pr && sh -e ../run.sh) >out &&
	test ! -s out &&
	git -C pr checkout -q broken &&
	test_expect_code 1 sh -ec "cd pr && sh -e ../run.sh" >out &&
	grep "^::error file=models/users.yaml,line=" out
}

test_expect_success PYYAML 'git-hightouch(1): the GitHub Actions step' '
	doc_example docs/git-hightouch.1 github-actions >github.yaml &&
	github_run &&
	github_check
'

test_expect_success PYYAML 'githooks-hightouch(7): the GitHub Actions step' '
	doc_example docs/githooks-hightouch.7 github-actions >github.yaml &&
	github_run &&
	github_check
'

test_expect_success 'git-hightouch(1): check the whole commit' '
	git -C pr checkout -q topic &&
	doc_example docs/git-hightouch.1 check-head >check-head.sh &&
	(cd pr && sh -e ../check-head.sh) &&
	git -C pr checkout -q broken &&
	test_expect_code 1 sh -ec "cd pr && sh -e ../check-head.sh"
'

test_done
