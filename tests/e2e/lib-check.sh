# tests/e2e/lib-check.sh: helpers for the git-hightouch tests (t7xxx).
# Source it after test-lib.sh.
#
#   check_git_env                 a fixed identity and dates for commits
#   fixture_repo DIR FIXTURE      DIR becomes the fixture's repository
#                                 (tests/fixtures/check/<name>/): base/
#                                 committed (if any), head/ in the work
#                                 tree, `setup` run in it
#   fixture_check DIR FIXTURE     run `git hightouch check` as the fixture
#                                 says (mode, args, message) in DIR; its
#                                 output goes to DIR.out, its exit status
#                                 to DIR.status
#   fixture_expect_status FIXTURE the status the fixture's expect implies
#
# A fixture directory holds head/ (the files checked), optionally base/
# (committed first), `expect` (the exact output of check, text format),
# `mode` (worktree, the default: check the work tree; staged: `git add
# -A` then --staged; range: commit head/ with `message`, then --base HEAD~
# --head HEAD), `args` (more options), `setup` (sh, run in the work tree
# after git init), `schema` ("agree" when the JSON Schemas must agree
# with check on it, t7300) and README (what it is about).
#
# HT_FIXTURE_REGEN=1 writes each fixture's actual output to its `expect`
# instead of comparing (then review the diff).

FIXTURES=$HT_SRC_DIR/tests/fixtures/check

# Under ASan: a leak inside libgit2 1.5 is not ours (see the file).
LSAN_OPTIONS="suppressions=$HT_SRC_DIR/tests/e2e/lsan-libgit2.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

check_git_env() {
	GIT_AUTHOR_NAME='A U Thor'
	GIT_AUTHOR_EMAIL='author@example.com'
	GIT_COMMITTER_NAME='C O Mitter'
	GIT_COMMITTER_EMAIL='committer@example.com'
	GIT_AUTHOR_DATE='1700000000 +0000'
	GIT_COMMITTER_DATE='1700000000 +0000'
	GIT_CONFIG_NOSYSTEM=1
	export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME \
		GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE \
		GIT_CONFIG_NOSYSTEM
	git config --global init.defaultBranch main &&
	git config --global advice.detachedHead false
}

# Replace the work tree of repository $1 (all but .git) with directory $2.
replace_tree() {
	find "$1" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} + &&
	cp -R "$2/." "$1/"
}

fixture_repo() {
	fr_dir=$1 fr_fx=$FIXTURES/$2
	rm -rf "$fr_dir" &&
	mkdir "$fr_dir" &&
	git -C "$fr_dir" init -q &&
	if test -d "$fr_fx/base"; then
		replace_tree "$fr_dir" "$fr_fx/base" &&
		git -C "$fr_dir" add -A &&
		git -C "$fr_dir" commit -q -m 'Import workspace prod (OUTBOUND)'
	fi &&
	replace_tree "$fr_dir" "$fr_fx/head" &&
	if test -f "$fr_fx/setup"; then
		# shellcheck disable=SC1091 # the fixture's own
		(cd "$fr_dir" && . "$fr_fx/setup")
	fi
}

fixture_check() {
	fc_dir=$1 fc_fx=$FIXTURES/$2
	fc_mode=worktree
	fc_args=
	fc_msg='head'
	test -f "$fc_fx/mode" && fc_mode=$(cat "$fc_fx/mode")
	test -f "$fc_fx/args" && fc_args=$(cat "$fc_fx/args")
	test -f "$fc_fx/message" && fc_msg=$(cat "$fc_fx/message")
	(
		cd "$fc_dir" || exit 2
		# shellcheck disable=SC2086 # the args are words
		case $fc_mode in
		worktree)
			git hightouch check --color=never $fc_args ;;
		staged)
			git add -A &&
			git hightouch check --color=never --staged $fc_args ;;
		range)
			git add -A &&
			git commit -q --allow-empty -m "$fc_msg" &&
			git hightouch check --color=never --base HEAD~ \
				--head HEAD $fc_args ;;
		*)
			echo >&2 "unknown fixture mode '$fc_mode'"
			exit 2 ;;
		esac
	) >"$fc_dir.out" 2>"$fc_dir.err"
	echo $? >"$fc_dir.status"
}

fixture_expect_status() {
	if grep -q ': error: ' "$FIXTURES/$1/expect"; then
		echo 1
	else
		echo 0
	fi
}

# The whole test of one fixture.
fixture_test() {
	fixture_repo repo "$1" &&
	fixture_check repo "$1" &&
	if test -n "$HT_FIXTURE_REGEN"; then
		cp repo.out "$FIXTURES/$1/expect"
	fi &&
	test_cmp "$FIXTURES/$1/expect" repo.out &&
	fixture_expect_status "$1" >expect.status &&
	test_cmp expect.status repo.status
}

# A Python with jsonschema and PyYAML: Debian's, else the one in PATH.
ht_python_find() {
	for p in /usr/bin/python3 python3; do
		if "$p" -c 'import jsonschema, yaml' 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
if HT_PYTHON=$(ht_python_find); then
	test_set_prereq JSONSCHEMA
fi

# new_repo DIR [FIXTURE]: a repository with the fixture's head committed
# (as a fetch would: an OUTBOUND commit).  Default: clean-git-sync.
new_repo() {
	rm -rf "$1" &&
	mkdir "$1" &&
	git -C "$1" init -q &&
	cp -R "$FIXTURES/${2:-clean-git-sync}/head/." "$1/" &&
	git -C "$1" add -A &&
	git -C "$1" commit -q -m 'Import workspace acme-prod (OUTBOUND)'
}
