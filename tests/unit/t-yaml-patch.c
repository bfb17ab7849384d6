/*
 * Unit tests for ht_yaml_patch(): the exact text of a patch (comments,
 * blank lines and unchanged pairs kept, changed pairs written
 * canonically at their indentation, removed pairs gone, new ones in
 * place), that it parses back to the new data, that it is the same bytes
 * every time, and the shapes it refuses (HT_EUNSUPPORTED, `out` as it
 * was).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hightouch/error.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"
#include "hightouch/yaml_patch.h"

static struct ht_ynode *parse(const char *text, size_t len)
{
	struct ht_ynode *doc = NULL;

	if (ht_yaml_parse(&doc, text, len, "t.yaml", NULL))
		fail_msg("cannot parse\n%s\n%s", text, ht_error_message());
	return doc;
}

/*
 * Patch `old` (`old_len` bytes) to the data of `new_text` and compare
 * with `expected` (NULL: HT_EUNSUPPORTED is expected).
 */
static void patch_len(const char *old, size_t old_len, const char *new_text,
		      const char *expected)
{
	struct ht_ynode *o = parse(old, old_len);
	struct ht_ynode *n = parse(new_text, strlen(new_text)), *back;
	struct ht_strbuf a = HT_STRBUF_INIT, b = HT_STRBUF_INIT;
	int ret;

	ht_strbuf_addstr(&a, "x");
	ret = ht_yaml_patch(&a, old, old_len, o, n);
	if (!expected) {
		if (ret != HT_EUNSUPPORTED)
			fail_msg("expected no patch of\n%s---\ngot\n%s---",
				 old, a.buf + 1);
		assert_int_equal(a.len, 1);
		ht_error_clear();
		goto cleanup;
	}
	if (ret)
		fail_msg("patch of\n%s---\nfailed: %s", old,
			 ht_error_message());
	if (a.len != strlen(expected) + 1 || memcmp(a.buf + 1, expected,
						    a.len - 1))
		fail_msg("expected\n---\n%s---\ngot\n---\n%s---", expected,
			 a.buf + 1);
	back = parse(a.buf + 1, a.len - 1);
	assert_true(ht_ynode_same_data(back, n));
	ht_ynode_free(back);
	assert_int_equal(ht_yaml_patch(&b, old, old_len, o, n), 0);
	assert_int_equal(b.len, a.len - 1);
	assert_memory_equal(b.buf, a.buf + 1, b.len);
cleanup:
	ht_ynode_free(o);
	ht_ynode_free(n);
	ht_strbuf_release(&a);
	ht_strbuf_release(&b);
}

static void patch(const char *old, const char *new_text, const char *expected)
{
	patch_len(old, strlen(old), new_text, expected);
}

static void test_scalars(void **state)
{
	(void)state;
	/* one value: its line only, the comments and blank lines stay */
	patch("# The users model\n"
	      "\n"
	      "source:   'snowflake'\n"
	      "name: \"Users\"\n"
	      "\n"
	      "# the key\n"
	      "primaryKey: id   # id column\n",
	      "name: Users\nsource: snowflake\nprimaryKey: user_id\n",
	      "# The users model\n"
	      "\n"
	      "source:   'snowflake'\n"
	      "name: \"Users\"\n"
	      "\n"
	      "# the key\n"
	      "primaryKey: user_id   # id column\n");
	/* a comment after quotes, a '#' inside them */
	patch("name: 'a # b'  # was a\nsource: x\n",
	      "name: 'c # d'\nsource: x\n",
	      "name: 'c # d'  # was a\nsource: x\n");
	patch("name: \"a \\\" # b\" # q\nsource: x\n",
	      "name: c\nsource: x\n",
	      "name: c # q\nsource: x\n");
	/* a plain scalar over two lines: no comment to keep */
	patch("name: a\n  b\nsource: x # s\n",
	      "name: c\nsource: x\n",
	      "name: c\nsource: x # s\n");
	/* to null, to a number, to a string that needs quotes */
	patch("a: 1\nb: x\nc: y\n", "a: null\nb: 2\nc: 'yes'\n",
	      "a: null\nb: 2\nc: 'yes'\n");
}

static void test_keys(void **state)
{
	(void)state;
	/* a key goes, with its lines; the comment before it stays */
	patch("a: 1\n# about b\nb: |\n  text\n  more\nc: 3\n",
	      "a: 1\nc: 3\n",
	      "a: 1\n# about b\nc: 3\n");
	/* new keys: after the last key before them that both have */
	patch("# banner\n\nb: 2\nd: 4\n# end\n",
	      "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\n",
	      "# banner\n\na: 1\nb: 2\nc: 3\nd: 4\ne: 5\n# end\n");
	/* the old order stays, a new key follows its neighbour */
	patch("d: 4\nb: 2\n", "a: 1\nb: 2\nc: 3\nd: 4\n",
	      "a: 1\nd: 4\nb: 2\nc: 3\n");
	patch("d: 4\nb: 2\n", "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n",
	      "a: 1\nd: 4\ne: 5\nf: 6\nb: 2\nc: 3\n");
	/* every key new */
	patch("a: 1\n", "b: 2\n", "b: 2\n");
}

static void test_nested(void **state)
{
	(void)state;
	/* one key of a nested mapping, four spaces, comments inside */
	patch("model: users\n"
	      "config:\n"
	      "    # the mode\n"
	      "    mode: upsert\n"
	      "    object: contacts  # or companies\n"
	      "    mappings: [{from: email, to: email}]\n"
	      "schedule: {type: manual}\n",
	      "model: users\n"
	      "config:\n"
	      "  mode: upsert\n"
	      "  object: companies\n"
	      "  mappings:\n"
	      "    - from: email\n"
	      "      to: email\n"
	      "schedule:\n"
	      "  type: manual\n",
	      "model: users\n"
	      "config:\n"
	      "    # the mode\n"
	      "    mode: upsert\n"
	      "    object: companies  # or companies\n"
	      "    mappings: [{from: email, to: email}]\n"
	      "schedule: {type: manual}\n");
	/* deeper, with a new key and a changed list */
#define HEAD "s:\n  type: interval\n  schedule:\n"
	patch(HEAD
	      "      interval:\n"
	      "          unit: hour\n"
	      "          quantity: 1\n"
	      "x: 1\n",
	      HEAD
	      "    interval:\n"
	      "      unit: minute\n"
	      "      quantity: 1\n"
	      "      list: [a, b]\n"
	      "x: 1\n",
	      HEAD
	      "      interval:\n"
	      "          unit: minute\n"
	      "          quantity: 1\n"
	      "          list:\n"
	      "            - a\n"
	      "            - b\n"
	      "x: 1\n");
#undef HEAD
	/* a nested value written anew keeps its indentation */
	patch("c:\n    sql: |\n        select 1\n    m: 1\n",
	      "c:\n  sql: \"select 2\\nfrom t\\n\"\n  m: 1\n",
	      "c:\n    sql: |\n      select 2\n      from t\n    m: 1\n");
	/* a flow mapping is written anew, whole */
	patch("c: {a: 1, b: 2}  # flow\nd: 1\n", "c: {a: 1, b: 3}\nd: 1\n",
	      "c:\n  a: 1\n  b: 3\nd: 1\n");
	/* a mapping that becomes a scalar, and one that comes from one */
	patch("a:\n  x: 1\nb: 2\n", "a: 1\nb:\n  z: 2\n",
	      "a: 1\nb:\n  z: 2\n");
	/* a nested mapping emptied */
	patch("a:\n  x: 1\nb: 2\n", "a: {}\nb: 2\n", "a: {}\nb: 2\n");
}

static void test_text(void **state)
{
	static const char bom[] = "\xef\xbb\xbf# c\nname: a\n";

	(void)state;
	/* a byte order mark stays */
	patch(bom, "name: b\n", "\xef\xbb\xbf# c\nname: b\n");
	/* a last line without its line feed gets one */
	patch("a: 1\nb: 2", "a: 1\nb: 3\n", "a: 1\nb: 3\n");
	patch("a: 1\n# end", "a: 2\n", "a: 2\n# end\n");
	/* a document marker at the top stays */
	patch("---\n# c\na: 1\n", "a: 2\n", "---\n# c\na: 2\n");
	/* a block scalar with blank lines is one pair */
	patch("sql: |\n  a\n\n  b\n\nm: 1\n", "sql: \"a\\n\\nb\\n\"\nm: 2\n",
	      "sql: |\n  a\n\n  b\n\nm: 2\n");
	/* a comment in a block scalar is text, not a comment */
	patch("sql: |\n  # not a comment\n  a\n# a comment\nm: 1\n",
	      "sql: \"# x\\n\"\nm: 1\n",
	      "sql: |\n  # x\n# a comment\nm: 1\n");
	/* unchanged text is the same bytes */
	patch("# c\na:   1   # one\n", "a: 1\n", "# c\na:   1   # one\n");
}

static void test_refused(void **state)
{
	(void)state;
	/* flow at the top, carriage returns, not a mapping */
	patch("{a: 1, b: 2}\n", "a: 1\nb: 3\n", NULL);
	patch("a: 1\r\nb: 2\r\n", "a: 1\nb: 3\n", NULL);
	patch("- a\n", "a: 1\n", NULL);
	patch("a: 1\n", "- a\n", NULL);
	patch("a: 1\n", "{}\n", NULL);
	patch("# only a comment\n", "a: 1\n", NULL);
	/* an explicit key does not start its line */
	patch("? a\n: 1\nb: 2\n", "a: 1\nb: 3\n", NULL);
	/* what would not read back: text after the end of the document */
	patch("a: 1\nb: 2\n...\n", "a: 1\nb: 2\nc: 3\n", NULL);
}

/*
 * Many keys (indexed lookups): the old file in reverse order, every
 * third key changed, every fifth gone, new keys between.
 */
static void test_many(void **state)
{
	struct ht_strbuf old = HT_STRBUF_INIT, new_text = HT_STRBUF_INIT;
	struct ht_strbuf want = HT_STRBUF_INIT;
	int i;

	(void)state;
	for (i = 99; i >= 0; i--) {
		ht_strbuf_addf(&old, "k%02d: %d # c%d\n", i, i, i);
		if (i % 5 == 0)
			continue;
		if (i % 7 == 0)
			ht_strbuf_addf(&want, "k%02d: %d # c%d\nn%02d: 0\n",
				       i, i % 3 ? i : -i, i, i);
		else
			ht_strbuf_addf(&want, "k%02d: %d # c%d\n", i,
				       i % 3 ? i : -i, i);
	}
	for (i = 0; i < 100; i++) {
		if (i % 5)
			ht_strbuf_addf(&new_text, "k%02d: %d\n", i,
				       i % 3 ? i : -i);
		if (i % 7 == 0 && i % 5)
			ht_strbuf_addf(&new_text, "n%02d: 0\n", i);
	}
	patch(old.buf, new_text.buf, want.buf);
	ht_strbuf_release(&old);
	ht_strbuf_release(&new_text);
	ht_strbuf_release(&want);
}

/* Nested mappings as deep as the reader allows. */
static void test_deep(void **state)
{
	struct ht_strbuf old = HT_STRBUF_INIT, new_text = HT_STRBUF_INIT;
	struct ht_strbuf want = HT_STRBUF_INIT;
	int i, n = HT_YAML_MAX_DEPTH - 1;

	(void)state;
	for (i = 0; i < n; i++) {
		ht_strbuf_addchars(&old, ' ', (size_t)i * 2);
		ht_strbuf_addstr(&old, "k:\n");
		ht_strbuf_addchars(&new_text, ' ', (size_t)i * 2);
		ht_strbuf_addstr(&new_text, "k:\n");
	}
	ht_strbuf_addchars(&old, ' ', (size_t)n * 2);
	ht_strbuf_addstr(&old, "v: 1 # c\n");
	ht_strbuf_add(&want, old.buf, old.len);
	ht_strbuf_addchars(&new_text, ' ', (size_t)n * 2);
	ht_strbuf_addstr(&new_text, "v: 2\n");
	want.buf[want.len - 6] = '2';
	patch(old.buf, new_text.buf, want.buf);
	ht_strbuf_release(&old);
	ht_strbuf_release(&new_text);
	ht_strbuf_release(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_deep),
	};

	return cmocka_run_group_tests_name("yaml-patch", tests, NULL, NULL);
}
