#!/bin/sh

test_description='git hightouch check: one fixture repository per rule

Each tests/fixtures/check/<name>/ is made a repository and checked as
its mode says; the output must be exactly its expect file, and the exit
status 1 when that has an error, else 0.'

# shellcheck disable=SC1091
. ./test-lib.sh
# shellcheck disable=SC1091
. "$HT_SRC_DIR/tests/e2e/lib-check.sh"

check_git_env

for fx in "$FIXTURES"/*/; do
	fx=$(basename "$fx")
	test_expect_success "$fx" '
		fixture_test "$fx"
	'
done

test_done
