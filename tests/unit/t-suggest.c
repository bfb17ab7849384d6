/*
 * Unit tests for "did you mean" (common/suggest.c): the edit distance and
 * the choice of the near names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hightouch/strbuf.h"
#include "hightouch/suggest.h"

static void test_distance(void **state)
{
	(void)state;
	assert_int_equal(ht_edit_distance("", "", 5), 0);
	assert_int_equal(ht_edit_distance("abc", "abc", 5), 0);
	assert_int_equal(ht_edit_distance("", "abc", 5), 3);
	assert_int_equal(ht_edit_distance("abc", "", 5), 3);
	/* one deletion, insertion, substitution, swap */
	assert_int_equal(ht_edit_distance("primarKey", "primaryKey", 5), 1);
	assert_int_equal(ht_edit_distance("primaryKey", "primarKey", 5), 1);
	assert_int_equal(ht_edit_distance("name", "nome", 5), 1);
	assert_int_equal(ht_edit_distance("nmae", "name", 5), 1);
	assert_int_equal(ht_edit_distance("kitten", "sitting", 5), 3);
	/* the optimal string alignment: no edit of a swapped pair */
	assert_int_equal(ht_edit_distance("ca", "abc", 5), 3);
	assert_int_equal(ht_edit_distance("to", "from", 5), 3);
	/* case counts */
	assert_int_equal(ht_edit_distance("primarykey", "primaryKey", 5), 1);
}

static void test_distance_max(void **state)
{
	(void)state;
	/* past max: max + 1, by the lengths alone or part-way */
	assert_int_equal(ht_edit_distance("a", "abcdef", 2), 3);
	assert_int_equal(ht_edit_distance("kitten", "sitting", 2), 3);
	assert_int_equal(ht_edit_distance("abcdef", "uvwxyz", 2), 3);
	assert_int_equal(ht_edit_distance("kitten", "sitting", 3), 3);
	assert_int_equal(ht_edit_distance("abc", "abd", 0), 1);
	assert_int_equal(ht_edit_distance("abc", "abc", 0), 0);
	/* a swap late in the words, near max */
	assert_int_equal(ht_edit_distance("abcdxefgyz", "abcdefgzy", 2), 2);
}

static void test_one(void **state)
{
	static const char *const fields[] = {
		"name", "source", "description", "type", "rawSql",
		"tableName", "dbtModel", "customQuery", "isSchema",
		"primaryKey", NULL,
	};
	struct ht_suggest s;

	(void)state;
	ht_suggest_init(&s, "primarKey");
	ht_suggest_add_list(&s, fields);
	assert_string_equal(ht_suggest_one(&s), "primaryKey");

	ht_suggest_init(&s, "nmae");
	ht_suggest_add_list(&s, fields);
	assert_string_equal(ht_suggest_one(&s), "name");

	ht_suggest_init(&s, "tpe");
	ht_suggest_add_list(&s, fields);
	assert_string_equal(ht_suggest_one(&s), "type");

	/* too far: a third of the length, at most 2 */
	ht_suggest_init(&s, "folder");
	ht_suggest_add_list(&s, fields);
	assert_null(ht_suggest_one(&s));
	ht_suggest_init(&s, "primKey");
	ht_suggest_add_list(&s, fields);
	assert_null(ht_suggest_one(&s));

	/* the word itself is no suggestion, nor a reason for one */
	ht_suggest_init(&s, "name");
	ht_suggest_add_list(&s, fields);
	assert_null(ht_suggest_one(&s));
}

static void test_ambiguous(void **state)
{
	struct ht_suggest s;
	struct ht_strbuf sb = HT_STRBUF_INIT;

	(void)state;
	ht_suggest_init(&s, "cat");
	ht_suggest_add(&s, "car");
	ht_suggest_add(&s, "bat");
	assert_null(ht_suggest_one(&s));
	ht_suggest_hint(&sb, &s, NULL, 0);
	assert_string_equal(sb.buf, "");
	ht_suggest_hint(&sb, &s, NULL, 1);
	assert_string_equal(sb.buf, " (did you mean 'bat' or 'car'?)");

	/* a nearer one settles it; the same name twice counts once */
	ht_suggest_init(&s, "hubspt");
	ht_suggest_add(&s, "hubspot");
	ht_suggest_add(&s, "hubspot");
	ht_suggest_add(&s, "hubspot2");
	assert_string_equal(ht_suggest_one(&s), "hubspot");
	ht_strbuf_reset(&sb);
	ht_suggest_hint(&sb, &s, NULL, 0);
	assert_string_equal(sb.buf, " (did you mean 'hubspot'?)");
	ht_strbuf_reset(&sb);
	ht_suggest_hint(&sb, &s, "x.", 1);
	assert_string_equal(sb.buf, " (did you mean 'x.hubspot' or "
				    "'x.hubspot2'?)");
	ht_strbuf_release(&sb);
}

static void test_list(void **state)
{
	struct ht_suggest s;
	struct ht_strbuf sb = HT_STRBUF_INIT;

	(void)state;
	/* nearest first, then bytewise; three at most */
	ht_suggest_init(&s, "snowflake");
	ht_suggest_add(&s, "snowflakes-2");
	ht_suggest_add(&s, "snowflake-x");
	ht_suggest_add(&s, "snowflak");
	ht_suggest_add(&s, "snowflake-a");
	ht_suggest_add(&s, "hubspot");
	assert_int_equal(s.nr, 3);
	ht_suggest_hint(&sb, &s, NULL, 1);
	assert_string_equal(sb.buf, " (did you mean 'snowflak', "
				    "'snowflake-a' or 'snowflake-x'?)");
	assert_string_equal(ht_suggest_one(&s), "snowflak");

	/* none near: nothing */
	ht_strbuf_reset(&sb);
	ht_suggest_init(&s, "zendesk");
	ht_suggest_add(&s, "hubspot");
	ht_suggest_add(&s, "salesforce");
	ht_suggest_hint(&sb, &s, NULL, 1);
	ht_suggest_hint(&sb, &s, NULL, 0);
	assert_string_equal(sb.buf, "");
	ht_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distance),
		cmocka_unit_test(test_distance_max),
		cmocka_unit_test(test_one),
		cmocka_unit_test(test_ambiguous),
		cmocka_unit_test(test_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
