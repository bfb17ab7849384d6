#!/bin/sh

test_description='banned.h: in every object of the product, and it bans

The Makefile compiles each .c of common/, remote-helper/, hooks/ and
emulator/ with -include hightouch/banned.h, a new file too; its dependency
file (build/<mode>/<dir>/<name>.d) then names the header.'

# shellcheck disable=SC1091
. ./test-lib.sh

command -v cc >/dev/null 2>&1 && test_set_prereq CC

test_expect_success 'every product object was compiled with banned.h' '
	for src in "$HT_SRC_DIR"/common/*.c "$HT_SRC_DIR"/remote-helper/*.c \
		"$HT_SRC_DIR"/hooks/*.c "$HT_SRC_DIR"/emulator/*.c; do
		rel=${src#"$HT_SRC_DIR"/} &&
		dep=$HT_BUILD_DIR/${rel%.c}.d &&
		if ! grep -q "include/hightouch/banned\.h" "$dep"; then
			echo "$rel: not compiled with hightouch/banned.h" &&
			return 1
		fi
	done
'

test_expect_success CC 'a banned function does not compile' '
	cat >probe.c <<-\EOF &&
	#include <stdlib.h>
	#include <string.h>
	int probe(char *to, const char *from);
	int probe(char *to, const char *from)
	{
		strcpy(to, from);
		return atoi(from);
	}
	EOF
	test_must_fail cc -std=c11 -I"$HT_SRC_DIR/include" \
		-include hightouch/banned.h -c probe.c 2>err &&
	grep "sorry_strcpy_is_a_banned_function" err &&
	grep "sorry_atoi_is_a_banned_function" err
'

test_expect_success CC 'what it leaves allowed compiles' '
	cat >probe.c <<-\EOF &&
	#include <stdio.h>
	#include <string.h>
	#include <time.h>
	int probe(char *buf, size_t n, char *s, time_t t);
	int probe(char *buf, size_t n, char *s, time_t t)
	{
		struct tm tm;
		char *save;

		gmtime_r(&t, &tm);
		localtime_r(&t, &tm);
		return snprintf(buf, n, "%s", strtok_r(s, ",", &save));
	}
	EOF
	cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Werror \
		-I"$HT_SRC_DIR/include" -include hightouch/banned.h \
		-c probe.c
'

test_done
