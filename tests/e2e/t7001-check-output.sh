#!/bin/sh

test_description='git hightouch check: formats, exit status, colour, usage'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-check.sh"

check_git_env

test_expect_success 'setup: a repository with an error and warnings' '
	new_repo repo &&
	cd repo &&
	cat >models/a,b:c.yaml <<-\EOF &&
	name: Odd name
	source: warehouse
	type: "x%y"
	folder: Marketing
	primaryKey: id
	EOF
	cp models/accounts.yaml models/accounts.yml &&
	cd ..
'

test_expect_success 'text: gcc-style lines, a summary, exit 1' '
	cat >expect <<-\EOF &&
	models/a,b:c.yaml:0:0: error: file name '\''a,b:c'\'' is not a valid slug [bad-slug]
	models/a,b:c.yaml:3:7: error: field '\''type'\'' must be one of raw_sql, table, dbt_model, custom, got '\''x%y'\'' [bad-enum]
	models/a,b:c.yaml:4:1: warning: unknown field '\''folder'\'' [unknown-field]
	models/accounts.yml:0:0: warning: push ignores this file: model files are named '\''models/<slug>.yaml'\'' [misplaced-file]
	EOF
	(cd repo && test_expect_code 1 git hightouch check >../out 2>../err) &&
	test_cmp expect out &&
	echo "git-hightouch: 2 errors, 2 warnings" >expect.err &&
	test_cmp expect.err err
'

test_expect_success 'text: in one stream (a hook, 2>&1), the summary comes last' '
	(cd repo && test_expect_code 1 git hightouch check >../out 2>../err) &&
	(cd repo && test_expect_code 1 git hightouch check >../both 2>&1) &&
	cat out err >expect &&
	test_cmp expect both &&
	tail -n 1 both >last &&
	echo "git-hightouch: 2 errors, 2 warnings" >expect.last &&
	test_cmp expect.last last
'

test_expect_success 'warnings only: exit 0' '
	(
		cd repo &&
		rm "models/a,b:c.yaml" &&
		git hightouch check >../out 2>../err
	) &&
	grep -c warning: out >count &&
	echo 1 >expect &&
	test_cmp expect count &&
	echo "git-hightouch: 0 errors, 1 warning" >expect.err &&
	test_cmp expect.err err &&
	git -C repo checkout -q -- . &&
	cat >"repo/models/a,b:c.yaml" <<-\EOF
	name: Odd name
	source: warehouse
	type: "x%y"
	folder: Marketing
	primaryKey: id
	EOF
'

test_expect_success 'clean: no output at all, exit 0' '
	new_repo clean &&
	(cd clean && git hightouch check >../out 2>../err) &&
	test_must_fail test -s out &&
	test_must_fail test -s err
'

test_expect_success JQ 'json: one object, the findings and counts' '
	(cd repo && test_expect_code 1 git hightouch check --format json \
		>../out 2>../err) &&
	test_must_fail test -s err &&
	jq -e ".version == 1 and .errors == 2 and .warnings == 2" out &&
	jq -e ".findings | length == 4" out &&
	jq -c ".findings[1]" out >got &&
	cat >expect <<-\EOF &&
	{"path":"models/a,b:c.yaml","line":3,"column":7,"severity":"error","rule":"bad-enum","message":"field '\''type'\'' must be one of raw_sql, table, dbt_model, custom, got '\''x%y'\''"}
	EOF
	test_cmp expect got
'

test_expect_success JQ 'json: a clean run is an empty list' '
	(cd clean && git hightouch check --format=json >../out) &&
	jq -c . out >got &&
	echo "{\"version\":1,\"errors\":0,\"warnings\":0,\"findings\":[]}" \
		>expect &&
	test_cmp expect got
'

test_expect_success 'github: workflow commands, escaped as GitHub does' '
	cat >expect <<-\EOF &&
	::error file=models/a%2Cb%3Ac.yaml,title=bad-slug::file name '\''a,b:c'\'' is not a valid slug
	::error file=models/a%2Cb%3Ac.yaml,line=3,col=7,title=bad-enum::field '\''type'\'' must be one of raw_sql, table, dbt_model, custom, got '\''x%25y'\''
	::warning file=models/a%2Cb%3Ac.yaml,line=4,col=1,title=unknown-field::unknown field '\''folder'\''
	::warning file=models/accounts.yml,title=misplaced-file::push ignores this file: model files are named '\''models/<slug>.yaml'\''
	EOF
	(cd repo && test_expect_code 1 git hightouch check --format github \
		>../out 2>../err) &&
	test_cmp expect out &&
	test_must_fail test -s err
'

test_expect_success 'github: line breaks in a message are escaped' '
	new_repo nl &&
	printf "model: users\ndestination: \"a\\\\nb\"\n" >nl/syncs/x.yaml &&
	(cd nl && test_expect_code 1 git hightouch check --format github \
		syncs/x.yaml >../out) &&
	grep "::error file=syncs/x.yaml,line=2,col=14,title=bad-slug::field '\''destination'\'' must be a slug, got '\''a?b'\''" out
'

test_expect_success JQ 'sarif: 2.1.0, every rule in tool.driver.rules' '
	(cd repo && test_expect_code 1 git hightouch check --format sarif \
		>../out) &&
	jq -e ".version == \"2.1.0\" and (.\"\$schema\" | test(\"sarif\"))" \
		out &&
	jq -e ".runs[0].tool.driver.name == \"git-hightouch\"" out &&
	jq -r ".runs[0].tool.driver.rules[].id" out >ids &&
	git hightouch check --list-rules | cut -d" " -f1 >expect &&
	test_cmp expect ids &&
	jq -e ".runs[0] as \$run | [\$run.results[] |
		\$run.tool.driver.rules[.ruleIndex].id == .ruleId] | all" out &&
	jq -c ".runs[0].results[1]" out >got &&
	cat >expect <<-\EOF &&
	{"ruleId":"bad-enum","ruleIndex":14,"level":"error","message":{"text":"field '\''type'\'' must be one of raw_sql, table, dbt_model, custom, got '\''x%y'\''"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"models/a%2Cb%3Ac.yaml","uriBaseId":"%SRCROOT%"},"region":{"startLine":3,"startColumn":7}}}]}
	EOF
	test_cmp expect got &&
	jq -e ".runs[0].results[0].locations[0].physicalLocation |
		has(\"region\") | not" out
'

test_expect_success JQ 'gitlab: a Code Quality report, one entry a finding' '
	(cd repo && test_expect_code 1 git hightouch check --format gitlab \
		>../out && test_expect_code 1 git hightouch check --format json \
		>../json) &&
	test "$(jq length out)" = "$(jq ".findings | length" json)" &&
	jq -e "all(.[]; (.severity == \"major\" or .severity == \"minor\") and
		(.fingerprint | test(\"^[0-9a-f]{16}$\")) and
		.location.lines.begin >= 1)" out &&
	jq -r ".[].fingerprint" out | sort | uniq -d >dups &&
	test ! -s dups &&
	jq -c "[.[] | [.location.path, .location.lines.begin, .check_name]]" out >got &&
	jq -c "[.findings[] | [.path, ([.line, 1] | max), .rule]]" json >expect &&
	test_cmp expect got
'

test_expect_success 'colour: only on a terminal, never with NO_COLOR' '
	(cd repo && git hightouch check >../notty 2>/dev/null);
	test_must_fail grep -q "$(printf "\033")" notty &&
	(cd repo && script -qec "git hightouch check" /dev/null \
		>../tty 2>&1);
	grep -q "$(printf "\033")\[1;31merror:" tty &&
	(cd repo && NO_COLOR=1 script -qec "git hightouch check" /dev/null \
		>../tty 2>&1);
	test_must_fail grep -q "$(printf "\033")" tty &&
	(cd repo && TERM=dumb script -qec "git hightouch check" /dev/null \
		>../tty 2>&1);
	test_must_fail grep -q "$(printf "\033")" tty &&
	(cd repo && script -qec "git hightouch check --color=never" \
		/dev/null >../tty 2>&1);
	test_must_fail grep -q "$(printf "\033")" tty &&
	(cd repo && git hightouch check --color=always >../forced 2>/dev/null);
	grep -q "$(printf "\033")\[1;35mwarning:" forced &&
	(cd repo && NO_COLOR=1 git hightouch check --color \
		>../forced 2>/dev/null);
	grep -q "$(printf "\033")" forced
'

test_expect_success 'colour: color.ui, then --color and --no-color' '
	(cd repo && git -c color.ui=always hightouch check >../forced \
		2>/dev/null);
	grep -q "$(printf "\033")\[1;31merror:" forced &&
	(cd repo && git -c color.ui=always hightouch check --no-color \
		>../nocolor 2>/dev/null);
	test_must_fail grep -q "$(printf "\033")" nocolor &&
	(cd repo && git -c color.ui=never hightouch check --color \
		>../forced 2>/dev/null);
	grep -q "$(printf "\033")" forced &&
	(cd repo && git -c color.ui=true hightouch check >../notty \
		2>/dev/null);
	test_must_fail grep -q "$(printf "\033")" notty &&
	(cd repo && script -qec "git -c color.ui=false hightouch check" \
		/dev/null >../tty 2>&1);
	test_must_fail grep -q "$(printf "\033")" tty &&
	(cd repo && script -qec "git -c color.ui=false hightouch check \
		--color=auto" /dev/null >../tty 2>&1);
	grep -q "$(printf "\033")" tty &&
	(cd repo && test_expect_code 2 git -c color.ui=sometimes \
		hightouch check 2>../err) &&
	grep "^fatal: bad color config value .sometimes. for .color.ui." err
'

test_expect_success 'usage errors and trouble: exit 2' '
	(
		cd repo &&
		test_expect_code 2 git hightouch check --no-such-option &&
		test_expect_code 2 git hightouch check --format xml 2>err &&
		grep "unknown format '\''xml'\''" err &&
		test_expect_code 2 git hightouch check --color=sometimes &&
		test_expect_code 2 git hightouch check --staged --base HEAD &&
		test_expect_code 2 git hightouch check -j 0 &&
		test_expect_code 2 git hightouch check --base nope 2>err &&
		echo "fatal: unknown revision '\''nope'\''" >expect &&
		test_cmp expect err &&
		test_expect_code 2 git hightouch check --workspace nope 2>err &&
		echo "fatal: workspace '\''nope'\'' has no manifest-nope.yaml" \
			>expect &&
		test_cmp expect err &&
		test_expect_code 2 git hightouch check no-such-file 2>err &&
		echo "fatal: pathspec '\''no-such-file'\'' did not match any file" \
			>expect &&
		test_cmp expect err &&
		test_expect_code 2 git hightouch nonsense &&
		test_expect_code 2 git hightouch
	)
'

ht_version=$(sed -n "s/^HT_VERSION = //p" "$HT_SRC_DIR/Makefile")

test_expect_success 'help and version, as every program of the project' '
	test_expect_code 129 git hightouch check -h >out 2>err &&
	grep "^usage: git hightouch check \[<options>\] \[<path>...\]" out &&
	grep "^    -j, --jobs <n>  " out &&
	grep "^    --\[no-\]color\[=<when>\]$" out &&
	test ! -s err &&
	git hightouch check --help >out 2>err &&
	grep "^usage: git hightouch check" out &&
	test ! -s err &&
	test_expect_code 129 git-hightouch -h >out 2>err &&
	grep "^   or: git hightouch install-hooks" out &&
	test ! -s err &&
	git-hightouch --help >out &&
	grep "^   or: git hightouch install-hooks" out &&
	test_expect_code 129 git hightouch install-hooks -h >out &&
	grep "^    -f, --\[no-\]force  " out &&
	test_expect_code 129 git hightouch schema -h >out &&
	grep "^    --write <dir>  " out &&
	git hightouch help >out &&
	grep "^usage: git hightouch check" out &&
	echo "git-hightouch version $ht_version" >expect &&
	git hightouch --version >out 2>err &&
	test_cmp expect out &&
	test ! -s err &&
	git hightouch version >out &&
	test_cmp expect out &&
	git-hightouch --version >out &&
	test_cmp expect out
'

test_expect_success 'option errors: one wording, the usage, exit 2' '
	test_expect_code 2 git hightouch check --bogus >out 2>err &&
	test ! -s out &&
	echo "error: unknown option '\''--bogus'\''" >expect &&
	echo "usage: git hightouch check [<options>] [<path>...]" >>expect &&
	head -n 2 err >actual &&
	test_cmp expect actual &&
	test_expect_code 2 git hightouch check --format 2>err &&
	grep "^error: option '\''--format'\'' needs a value$" err &&
	test_expect_code 2 git hightouch check -j0 2>err &&
	grep "^error: option '\''--jobs'\'' expects a number from 1 to 1024$" \
		err &&
	test_expect_code 2 git hightouch check --list-rules=yes 2>err &&
	grep "^error: option '\''--list-rules'\'' takes no value$" err &&
	test_expect_code 2 git hightouch check --color=sometimes 2>err &&
	grep "^error: option '\''--color'\'' expects always, never or auto$" \
		err &&
	test_expect_code 2 git hightouch --bogus 2>err &&
	grep "^error: unknown option '\''--bogus'\''$" err &&
	grep "^usage: git hightouch check" err &&
	test_expect_code 2 git hightouch install-hooks -x 2>err &&
	grep "^error: unknown option '\''-x'\''$" err &&
	grep "^usage: git hightouch install-hooks" err &&
	test_expect_code 2 git hightouch schema --bogus 2>err &&
	grep "^error: unknown option '\''--bogus'\''$" err &&
	grep "^usage: git hightouch schema" err
'

test_expect_success JQ 'options after paths, and "--"' '
	(
		cd repo &&
		test_expect_code 1 git hightouch check models --format json \
			>../out &&
		jq -e ".errors == 2" ../out &&
		test_expect_code 1 git hightouch check --format=json -- \
			models >../out &&
		jq -e ".errors == 2" ../out &&
		test_expect_code 2 git hightouch check -- --staged 2>../err &&
		grep "^fatal: pathspec '\''--staged'\'' did not match" ../err &&
		test_expect_code 1 git hightouch check models/accounts.yml \
			"models/a,b:c.yaml" -j 1 --no-color >../out &&
		test_line_count=$(wc -l <../out) &&
		test "$test_line_count" = 4
	)
'

test_expect_success 'outside a repository: a directory of files' '
	mkdir plain &&
	cp -R "$FIXTURES/missing-field/head/." plain/ &&
	(
		cd plain &&
		GIT_CEILING_DIRECTORIES=$TRASH_DIRECTORY &&
		export GIT_CEILING_DIRECTORIES &&
		test_expect_code 1 git hightouch check >../out &&
		test_expect_code 2 git hightouch check --staged 2>../err
	) &&
	cat "$FIXTURES/missing-field/expect" >expect &&
	test_cmp expect out &&
	grep "^fatal: not a git repository" err
'

test_expect_success 'every rule is in the man page' '
	git hightouch check --list-rules | cut -d" " -f1 >ids &&
	while read -r id; do
		grep -q "^\\\\fB$id\\\\fR" "$HT_SRC_DIR/docs/git-hightouch.1" ||
		{ echo "rule $id is not documented"; return 1; }
	done <ids
'

test_expect_success 'every rule has a fixture, every fixture rule is known' '
	# push-only rules need a workspace: t56xx has them
	git hightouch check --list-rules | grep -v " push: " |
		cut -d" " -f1 | sort >ids &&
	cat "$FIXTURES"/*/expect | sed "s/.* \[\([a-z-]*\)\]\$/\1/" |
		sort -u >used &&
	test_cmp ids used
'

test_done
