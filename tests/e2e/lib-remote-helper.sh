# tests/e2e/lib-remote-helper.sh: helpers for the t5xxx scripts, which
# drive git-remote-hightouch through real git against hightouch-emulator.
# Source it after test-lib.sh.
#
#   ht_start [SEED [ARGS...]]  start the emulator (workspace "test") with
#                              SEED (a file under tests/fixtures/, or a
#                              path), without its rate limit unless ARGS
#                              set one; sets HT_URL (hightouch::http://...)
#                              and exports HIGHTOUCH_API_KEY
#   ht_generate FILE ARGS...   `hightouch-emulator generate ARGS` into FILE
#   ht_seed FILE               replace the workspace with the seed FILE
#   ht_start_pair              two emulators, workspaces "staging" and
#                              "production" with one source (NAME-pg)
#                              and one destination (NAME-hubspot) each;
#                              sets STAGING_URL and PROD_URL
#                              (hightouch::...), EMU_URL is staging's
#                              and exports STAGING_KEY, PRODUCTION_KEY
#   ui METHOD PATH [BODY]      an edit "as in the UI": admin METHOD
#                              /resources/PATH, must answer 2xx
#   ht_requests_reset          forget the emulator's request log
#   ht_requests FILE           the request log (paths, one a line) to FILE
#   ht_request_count           how many API requests since the reset
#   ht_fault JSON              add a fault (see hightouch-emulator(1))
#   ht_faults_clear            remove every fault
#   ht_commits REV             the commit count of REV
#   ht_state REMOTE            the state directory of REMOTE in ./.git
#   ht_sanitizer_reports       fails if a sanitized program reported
#                              anything (git ignores the exit status of a
#                              helper once its import stream is complete,
#                              so reports go to files, checked at the end)

HT_FIXTURES=$HT_SRC_DIR/tests/fixtures

ht_start() {
	ht_seed_=
	if test $# -gt 0; then
		case "$1" in
		/*) ht_seed_=$1 ;;
		*) ht_seed_=$HT_FIXTURES/$1 ;;
		esac
		shift
	fi
	case " $* " in
	*" --rate-limit "*) ;;
	*) set -- --rate-limit off "$@" ;;
	esac
	if test -n "$ht_seed_"; then
		set -- --seed "$ht_seed_" "$@"
	fi
	emulator_start "$@" || return 1
	HT_URL=hightouch::$EMU_URL/test
	HIGHTOUCH_API_KEY=$(cat "$EMU_API_KEY_FILE")
	export HIGHTOUCH_API_KEY
}

# ht_seed_pair_ NAME: a workspace with one source and one destination
ht_seed_pair_() {
	cat <<-EOF
	{"workspaceId": 1,
	 "sources": [{"id": 1, "name": "PG", "slug": "$1-pg", "type": "postgres",
	   "configuration": {}, "createdAt": "2024-01-01T00:00:00.000Z",
	   "updatedAt": "2024-01-01T00:00:00.000Z"}],
	 "destinations": [{"id": 1, "name": "HubSpot", "slug": "$1-hubspot",
	   "type": "hubspot", "configuration": {},
	   "createdAt": "2024-01-01T00:00:00.000Z",
	   "updatedAt": "2024-01-01T00:00:00.000Z"}]}
	EOF
}

ht_start_pair() {
	ht_seed_pair_ staging >"$TRASH_DIRECTORY/staging.json" &&
	ht_seed_pair_ production >"$TRASH_DIRECTORY/production.json" &&
	mkdir "$TRASH_DIRECTORY/prod" &&
	(
		cd "$TRASH_DIRECTORY/prod" &&
		ht_start "$TRASH_DIRECTORY/production.json" &&
		echo "$EMU_URL" >../prod-url &&
		echo "$EMU_PID" >../prod-pid
	) &&
	# started in a subshell: stopped with the others at the end
	started_pids="$started_pids $(cat "$TRASH_DIRECTORY/prod-pid")" &&
	PROD_URL=hightouch::$(cat "$TRASH_DIRECTORY/prod-url")/production &&
	ht_start "$TRASH_DIRECTORY/staging.json" &&
	STAGING_URL=hightouch::$EMU_URL/staging &&
	# two workspaces: a key each (the emulators share the script key),
	# which a repository names with remote.<name>.hightouchKeyEnv
	STAGING_KEY=$HIGHTOUCH_API_KEY &&
	PRODUCTION_KEY=$HIGHTOUCH_API_KEY &&
	export STAGING_KEY PRODUCTION_KEY
}

ht_generate() {
	ht_gen_out_=$1
	shift
	hightouch-emulator generate "$@" -o "$ht_gen_out_"
}

ht_seed() {
	admin POST /seed "@$1" && expect_status 200
}

ui() {
	if test $# -ge 3; then
		admin "$1" "/resources$2" "$3"
	else
		admin "$1" "/resources$2"
	fi
	case "$(cat status)" in
	2*) return 0 ;;
	esac
	echo >&2 "ui $1 $2: HTTP $(cat status): $(head -c 500 body)"
	return 1
}

ht_requests_reset() {
	admin DELETE /requests && expect_status 200
}

ht_requests() {
	admin GET /requests && expect_status 200 &&
	jq -r '.requests[] | .method + " " + .path' body >"$1"
}

# writes FILE: the write requests of the log, one a line.
writes() {
	ht_requests all || return 1
	grep -v "^GET " all >"$1"
	return 0
}

ht_request_count() {
	admin GET /requests >/dev/null && jq -r '.total' body
}

ht_fault() {
	admin POST /faults "$1" && expect_status 200
}

ht_faults_clear() {
	admin DELETE /faults && expect_status 200
}

ht_commits() {
	git rev-list --count "$1"
}

ht_state() {
	ht_common_=$(git rev-parse --git-common-dir) &&
	echo "$(cd "$ht_common_" && pwd)/hightouch/$1"
}

# Never let git find the source tree's repository above the trash
# directory: "outside any repository" must mean it.
GIT_CEILING_DIRECTORIES=$(dirname "$TRASH_DIRECTORY")
export GIT_CEILING_DIRECTORIES
# Commits made by the tests themselves.
GIT_AUTHOR_NAME='A U Thor'
GIT_AUTHOR_EMAIL='author@example.com'
GIT_COMMITTER_NAME='C O Mitter'
GIT_COMMITTER_EMAIL='committer@example.com'
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
unset GIT_DIR GIT_WORK_TREE GIT_COMMON_DIR GIT_OBJECT_DIRECTORY
git config --global init.defaultBranch main
git config --global advice.detachedHead false

# Sanitizer builds: reports of every program go to files.
HT_SANITIZER_DIR=$TRASH_DIRECTORY/.sanitizer
if test -n "$ASAN_OPTIONS$UBSAN_OPTIONS"; then
	mkdir -p "$HT_SANITIZER_DIR"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$HT_SANITIZER_DIR/asan"
	UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$HT_SANITIZER_DIR/ubsan"
	export ASAN_OPTIONS UBSAN_OPTIONS
fi

ht_sanitizer_reports() {
	if test -n "$(ls -A "$HT_SANITIZER_DIR" 2>/dev/null)"; then
		head -n 60 "$HT_SANITIZER_DIR"/* >&2
		return 1
	fi
	return 0
}
