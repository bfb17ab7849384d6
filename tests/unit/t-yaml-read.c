/*
 * Unit tests for the YAML reader: tree shape, positions, scalar resolution
 * and every rejection with its rule, position and message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hightouch/alloc.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

/*
 * Parse with both paths: libyaml, and the default (the fast path when it
 * takes the text); the trees must be identical, positions included.
 * `fast` is 1 when the fast path must take the text, 0 when it must not,
 * -1 when either is fine.
 */
static struct ht_ynode *parse_both(const char *text, size_t len, int fast)
{
	struct ht_ynode *doc = NULL, *slow = NULL, *quick = NULL;
	struct ht_ydiag diag;
	int err;

	err = ht_yaml_parse_with(&slow, text, len, "t.yaml", &diag,
				 HT_YAML_LIBYAML);
	if (err)
		fail_msg("unexpected rejection: %s:\n%.*s", ht_error_message(),
			 (int)len, text);
	err = ht_yaml_parse(&doc, text, len, "t.yaml", &diag);
	if (err)
		fail_msg("unexpected rejection: %s", ht_error_message());
	assert_non_null(doc);
	if (!ht_ynode_identical(doc, slow))
		fail_msg("the two paths disagree on:\n%.*s", (int)len, text);
	err = ht_yaml_parse_with(&quick, text, len, "t.yaml", &diag,
				 HT_YAML_FAST);
	if (fast == 1 && err)
		fail_msg("the fast path declined:\n%.*s", (int)len, text);
	if (fast == 0 && err != HT_EUNSUPPORTED)
		fail_msg("the fast path took:\n%.*s", (int)len, text);
	ht_ynode_free(slow);
	ht_ynode_free(quick);
	return doc;
}

static struct ht_ynode *parse_ok(const char *text)
{
	return parse_both(text, strlen(text), -1);
}

/* The fast path takes `text`, and gives what libyaml gives. */
static void fast_same(const char *text)
{
	ht_ynode_free(parse_both(text, strlen(text), 1));
}

/* The fast path declines `text`; libyaml reads it. */
static void fast_declines(const char *text)
{
	ht_ynode_free(parse_both(text, strlen(text), 0));
}

static void expect_reject_len(const char *text, size_t len, int code,
			      const char *rule, unsigned line, unsigned col,
			      const char *message)
{
	struct ht_ynode *doc = NULL;
	struct ht_ydiag diag;
	int err = ht_yaml_parse(&doc, text, len, "t.yaml", &diag);
	char full[512];

	assert_int_equal(err, code);
	assert_null(doc);
	assert_string_equal(diag.rule, rule);
	assert_int_equal(diag.line, line);
	assert_int_equal(diag.col, col);
	if (message) {
		assert_string_equal(diag.message, message);
		snprintf(full, sizeof(full), "t.yaml:%u:%u: %s", line, col,
			 message);
		assert_string_equal(ht_error_message(), full);
	}
}

static void expect_reject(const char *text, int code, const char *rule,
			  unsigned line, unsigned col, const char *message)
{
	expect_reject_len(text, strlen(text), code, rule, line, col, message);
}

static void test_mapping_positions(void **state)
{
	struct ht_ynode *doc =
		parse_ok("name: Users\nsource: pg\nlist:\n  - a\n  - b: 1\n");
	struct ht_ynode *list, *item;

	(void)state;
	assert_int_equal(doc->kind, HT_YNODE_MAP);
	assert_int_equal(doc->npairs, 3);
	assert_true(ht_ynode_is_str(ht_ynode_map_get(doc, "name"), "Users"));
	assert_int_equal(doc->pairs[1].key->line, 2);
	assert_int_equal(doc->pairs[1].key->col, 1);
	assert_int_equal(doc->pairs[1].value->col, 9);
	list = ht_ynode_map_get(doc, "list");
	assert_int_equal(list->kind, HT_YNODE_SEQ);
	assert_int_equal(list->nitems, 2);
	item = list->items[1];
	assert_int_equal(item->kind, HT_YNODE_MAP);
	assert_int_equal(item->line, 5);
	assert_int_equal(item->col, 5);
	assert_int_equal(ht_ynode_map_get(item, "b")->type, HT_YTYPE_INT);
	ht_ynode_free(doc);
}

static void test_unicode_columns(void **state)
{
	struct ht_ynode *doc = parse_ok("caf\xc3\xa9: [1, x]\n");

	(void)state;
	/* columns count code points, as libyaml's marks do */
	assert_int_equal(doc->pairs[0].value->items[0]->col, 8);
	ht_ynode_free(doc);
}

struct resolve_case {
	const char *text;
	enum ht_ytype type;
};

static void test_core_schema(void **state)
{
	static const struct resolve_case cases[] = {
		{ "~", HT_YTYPE_NULL },      { "null", HT_YTYPE_NULL },
		{ "Null", HT_YTYPE_NULL },   { "NULL", HT_YTYPE_NULL },
		{ "", HT_YTYPE_NULL },       { "true", HT_YTYPE_BOOL },
		{ "True", HT_YTYPE_BOOL },   { "FALSE", HT_YTYPE_BOOL },
		{ "yes", HT_YTYPE_STR },     { "no", HT_YTYPE_STR },
		{ "on", HT_YTYPE_STR },      { "off", HT_YTYPE_STR },
		{ "nULL", HT_YTYPE_STR },    { "tRUE", HT_YTYPE_STR },
		{ "42", HT_YTYPE_INT },      { "-7", HT_YTYPE_INT },
		{ "+7", HT_YTYPE_INT },      { "0755", HT_YTYPE_INT },
		{ "0o17", HT_YTYPE_INT },    { "0x1F", HT_YTYPE_INT },
		{ "0b101", HT_YTYPE_STR },   { "1_000", HT_YTYPE_STR },
		{ "1.5", HT_YTYPE_FLOAT },   { "1e3", HT_YTYPE_FLOAT },
		{ ".5", HT_YTYPE_FLOAT },    { "1.", HT_YTYPE_FLOAT },
		{ "-1.5E-3", HT_YTYPE_FLOAT }, { ".inf", HT_YTYPE_FLOAT },
		{ "-.Inf", HT_YTYPE_FLOAT }, { ".NaN", HT_YTYPE_FLOAT },
		{ "1e", HT_YTYPE_STR },      { ".", HT_YTYPE_STR },
		{ "1:20", HT_YTYPE_STR },    { "2023-06-24", HT_YTYPE_STR },
		{ "99999999999999999999", HT_YTYPE_FLOAT },
		{ "0x", HT_YTYPE_STR },      { "-x", HT_YTYPE_STR },
		/* decided at the first byte */
		{ "nan", HT_YTYPE_STR },     { "inf", HT_YTYPE_STR },
		{ "Yes", HT_YTYPE_STR },     { "e3", HT_YTYPE_STR },
		{ "~x", HT_YTYPE_STR },      { "nul", HT_YTYPE_STR },
		{ "f", HT_YTYPE_STR },       { "T", HT_YTYPE_STR },
		{ "+.inf", HT_YTYPE_FLOAT }, { "+", HT_YTYPE_STR },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[64];
		struct ht_ynode *doc;
		struct ht_ynode *v;

		snprintf(text, sizeof(text), "k: %s\n", cases[i].text);
		doc = parse_ok(text);
		v = ht_ynode_map_get(doc, "k");
		if (v->type != cases[i].type)
			fail_msg("'%s' resolved as %s", cases[i].text,
				 ht_ynode_type_name(v));
		ht_ynode_free(doc);
	}
}

static void test_values(void **state)
{
	struct ht_ynode *doc = parse_ok("a: 0755\nb: 0x1F\nc: -1.5e3\n"
					"d: -.inf\ne: True\nf: 0o17\n");

	(void)state;
	assert_int_equal(ht_ynode_map_get(doc, "a")->i, 755);
	assert_int_equal(ht_ynode_map_get(doc, "b")->i, 31);
	assert_true(ht_ynode_map_get(doc, "c")->f == -1500.0);
	assert_true(isinf(ht_ynode_map_get(doc, "d")->f));
	assert_true(ht_ynode_map_get(doc, "d")->f < 0);
	assert_int_equal(ht_ynode_map_get(doc, "e")->b, 1);
	assert_int_equal(ht_ynode_map_get(doc, "f")->i, 15);
	ht_ynode_free(doc);
}

static void test_quoted_stay_strings(void **state)
{
	struct ht_ynode *doc = parse_ok("a: '42'\nb: \"true\"\nc: !!str 7\n"
					"d: ''\ne: \"null\"\n");
	size_t i;

	(void)state;
	for (i = 0; i < doc->npairs; i++)
		assert_int_equal(doc->pairs[i].value->type, HT_YTYPE_STR);
	assert_int_equal(doc->pairs[0].value->style, HT_YSTYLE_SINGLE);
	assert_int_equal(doc->pairs[1].value->style, HT_YSTYLE_DOUBLE);
	assert_int_equal(ht_ynode_map_get(doc, "d")->len, 0);
	ht_ynode_free(doc);
}

static void test_block_scalars(void **state)
{
	struct ht_ynode *doc =
		parse_ok("sql: |-\n  select *  \n\n  from t\n"
			 "desc: >-\n  one\n  two\n"
			 "keep: |+\n  x\n\n"
			 "k: 1\n");
	struct ht_ynode *sql = ht_ynode_map_get(doc, "sql");

	(void)state;
	assert_int_equal(sql->style, HT_YSTYLE_LITERAL);
	assert_string_equal(sql->str, "select *  \n\nfrom t");
	assert_string_equal(ht_ynode_map_get(doc, "desc")->str, "one two");
	assert_int_equal(ht_ynode_map_get(doc, "desc")->style,
			 HT_YSTYLE_FOLDED);
	assert_string_equal(ht_ynode_map_get(doc, "keep")->str, "x\n\n");
	ht_ynode_free(doc);
}

static void test_empty_documents(void **state)
{
	struct ht_ynode *doc = parse_ok("");

	(void)state;
	assert_int_equal(doc->type, HT_YTYPE_NULL);
	assert_int_equal(doc->line, 1);
	ht_ynode_free(doc);
	doc = parse_ok("# only a comment\n\n");
	assert_int_equal(doc->type, HT_YTYPE_NULL);
	ht_ynode_free(doc);
	doc = parse_ok("---\na: 1\n...\n");
	assert_int_equal(doc->kind, HT_YNODE_MAP);
	ht_ynode_free(doc);
}

static void test_nul_in_scalar(void **state)
{
	static const char text[] = "\"a\\0b\": 1\n\"a\\0c\": 2\n";
	struct ht_ynode *doc = parse_ok(text);

	(void)state;
	assert_int_equal(doc->npairs, 2);
	assert_int_equal(doc->pairs[0].key->len, 3);
	ht_ynode_free(doc);
	expect_reject("\"a\\0b\": 1\n\"a\\0b\": 2\n", HT_ESYNTAX,
		      "duplicate-key", 2, 1, NULL);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	expect_reject("a: 1\nb: 2\na: 3\n", HT_ESYNTAX, "duplicate-key", 3, 1,
		      "duplicate key 'a' (first at line 1)");
	expect_reject("m:\n  x: 1\n  x: 2\n", HT_ESYNTAX, "duplicate-key", 3,
		      3, "duplicate key 'x' (first at line 2)");
	/* same bytes in another style are the same key */
	expect_reject("1: a\n'1': b\n", HT_ESYNTAX, "duplicate-key", 2, 1,
		      "duplicate key '1' (first at line 1)");
	expect_reject("{a: 1, a: 2}\n", HT_ESYNTAX, "duplicate-key", 1, 8,
		      "duplicate key 'a' (first at line 1)");
}

static void test_duplicate_keys_large_map(void **state)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *doc;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++)
		ht_strbuf_addf(&sb, "key%d: %d\n", i, i);
	doc = parse_ok(sb.buf);
	assert_int_equal(doc->npairs, 5000);
	ht_ynode_free(doc);
	ht_strbuf_addstr(&sb, "key4321: again\n");
	expect_reject(sb.buf, HT_ESYNTAX, "duplicate-key", 5001, 1,
		      "duplicate key 'key4321' (first at line 4322)");
	ht_strbuf_release(&sb);
}

static void test_anchors_and_aliases(void **state)
{
	(void)state;
	expect_reject("a: &x 1\nb: *x\n", HT_ESYNTAX, "yaml-anchor", 1, 4,
		      "anchor '&x' is not supported (Git Sync files do not "
		      "use anchors or aliases)");
	expect_reject("- *y\n", HT_ESYNTAX, "yaml-anchor", 1, 3,
		      "alias '*y' is not supported (Git Sync files do not "
		      "use anchors or aliases)");
	expect_reject("base: &b {x: 1}\n", HT_ESYNTAX, "yaml-anchor", 1, 7,
		      NULL);
}

static double elapsed_ms(clock_t start)
{
	return (double)(clock() - start) * 1000.0 / CLOCKS_PER_SEC;
}

static void test_billion_laughs(void **state)
{
	static const char text[] =
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
		"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	clock_t start = clock();

	(void)state;
	expect_reject(text, HT_ESYNTAX, "yaml-anchor", 1, 4, NULL);
	print_message("# billion laughs rejected in %.2f ms\n",
		      elapsed_ms(start));
}

static void test_depth(void **state)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *doc;
	clock_t start;
	int i;

	(void)state;
	/* 64 levels are fine */
	ht_strbuf_addchars(&sb, '[', 64);
	ht_strbuf_addchars(&sb, ']', 64);
	doc = parse_ok(sb.buf);
	ht_ynode_free(doc);
	ht_strbuf_reset(&sb);
	ht_strbuf_addchars(&sb, '[', 65);
	ht_strbuf_addchars(&sb, ']', 65);
	expect_reject(sb.buf, HT_ETOODEEP, "yaml-depth", 1, 65,
		      "nesting deeper than 64 levels");

	ht_strbuf_reset(&sb);
	ht_strbuf_addchars(&sb, '[', 10000);
	ht_strbuf_addchars(&sb, ']', 10000);
	start = clock();
	expect_reject(sb.buf, HT_ETOODEEP, "yaml-depth", 1, 65, NULL);
	print_message("# 10,000-deep flow nesting rejected in %.2f ms\n",
		      elapsed_ms(start));

	/* block nesting */
	ht_strbuf_reset(&sb);
	for (i = 0; i < 70; i++) {
		ht_strbuf_addchars(&sb, ' ', (size_t)i * 2);
		ht_strbuf_addstr(&sb, "k:\n");
	}
	expect_reject(sb.buf, HT_ETOODEEP, "yaml-depth", 65, 129, NULL);
	ht_strbuf_release(&sb);
}

static void test_size_limit(void **state)
{
	size_t len = 5u * 1024 * 1024;
	char *big = ht_xmalloc(len + 1);
	clock_t start = clock();
	size_t i;

	(void)state;
	for (i = 0; i < len; i++)
		big[i] = (i % 64 == 63) ? '\n' : 'x';
	big[len] = '\0';
	expect_reject_len(big, len, HT_ETOOBIG, "file-size", 1, 1,
			  "file is larger than 4194304 bytes (5242880 bytes)");
	print_message("# 5 MiB file rejected in %.2f ms\n", elapsed_ms(start));
	free(big);
}

static void test_encoding(void **state)
{
	(void)state;
	expect_reject("a: b\nc: \xff\n", HT_ESYNTAX, "yaml-encoding", 2, 4,
		      "invalid UTF-8 byte 0xFF (files must be UTF-8)");
	/* overlong encoding of '/' */
	expect_reject("a: \xc0\xaf\n", HT_ESYNTAX, "yaml-encoding", 1, 4,
		      NULL);
	/* a UTF-16 surrogate encoded in UTF-8 */
	expect_reject("a: \xed\xa0\x80\n", HT_ESYNTAX, "yaml-encoding", 1, 4,
		      NULL);
	/* truncated sequence at the end, after a multi-byte character */
	expect_reject("\xc3\xa9: \xe2\x82", HT_ESYNTAX, "yaml-encoding", 1, 4,
		      NULL);
	expect_reject("a: x\x01y\n", HT_ESYNTAX, "yaml-encoding", 1, 5,
		      "control character U+0001 is not allowed");
	expect_reject_len("a: x\0y\n", 7, HT_ESYNTAX, "yaml-encoding", 1, 5,
			  "control character U+0000 is not allowed");
}

/*
 * A UTF-8 byte order mark first is skipped, as PyYAML and yamllint do:
 * no column, the same tree on both paths (the fast one takes it), and
 * positions as without it.  Anywhere else it is an error.
 */
static void test_byte_order_mark(void **state)
{
	struct ht_ynode *doc, *plain;
	static const char text[] = "\xef\xbb\xbfname: Users\nlist:\n  - a\n";

	(void)state;
	doc = parse_both(text, strlen(text), 1);
	plain = parse_ok(text + 3);
	assert_true(ht_ynode_identical(doc, plain));
	assert_int_equal(doc->line, 1);
	assert_int_equal(doc->col, 1);
	assert_int_equal(doc->pairs[0].value->col, 7);
	ht_ynode_free(doc);
	ht_ynode_free(plain);
	/* libyaml's path too: a flow collection, which the fast one leaves */
	fast_declines("\xef\xbb\xbf" "a: [1, x]\n");
	doc = parse_ok("\xef\xbb\xbf");
	assert_int_equal(doc->type, HT_YTYPE_NULL);
	ht_ynode_free(doc);
	/* errors after one have the positions of the text without it */
	expect_reject("\xef\xbb\xbf"
		      "a: b\n c: d\n",
		      HT_ESYNTAX, "yaml-syntax", 2, 3,
		      "mapping values are not allowed in this context");
	expect_reject("\xef\xbb\xbf\xe9: 1\n", HT_ESYNTAX, "yaml-encoding", 1,
		      1, "invalid UTF-8 byte 0xE9 (files must be UTF-8)");
	expect_reject("\xef\xbb\xbf"
		      "a:\n\tb: 1\n",
		      HT_ESYNTAX, "yaml-tab", 2, 1, NULL);
	/* not at the start: two, one on a later line, one in a value */
	expect_reject("\xef\xbb\xbf\xef\xbb\xbf" "a: 1\n", HT_ESYNTAX,
		      "yaml-encoding", 1, 1,
		      "byte order mark (U+FEFF) inside the file (only its "
		      "first bytes may be one)");
	expect_reject("a: 1\n\xef\xbb\xbf b: 2\n", HT_ESYNTAX, "yaml-encoding",
		      2, 1, NULL);
	expect_reject("a: x\xef\xbb\xbfy\n", HT_ESYNTAX, "yaml-encoding", 1, 5,
		      NULL);
	/* a UTF-16 one is not UTF-8 */
	expect_reject("\xff\xfe" "a\0:\0", HT_ESYNTAX, "yaml-encoding", 1, 1,
		      NULL);
}

/*
 * Leftover merge conflict markers: reported with their line instead of the
 * syntax error they cause; in text that parses, a line of seven '=' is
 * text, the other markers are not.
 */
static void test_conflict_markers(void **state)
{
	struct ht_ynode *doc;

	(void)state;
	expect_reject("name: x\n<<<<<<< HEAD\nsource: a\n=======\nsource: "
		      "b\n>>>>>>> topic\n",
		      HT_ESYNTAX, "conflict-marker", 2, 1,
		      "merge conflict marker '<<<<<<<' (resolve the conflict "
		      "and remove the markers)");
	/* the first marker of a file whose conflict is half resolved */
	expect_reject("a: 1\nb: 2\n=======\nb: 3\n>>>>>>> topic\n",
		      HT_ESYNTAX, "conflict-marker", 3, 1,
		      "merge conflict marker '=======' (resolve the conflict "
		      "and remove the markers)");
	expect_reject("a: 1\r\n=======\r\nb: 2\r\nb: 3\r\n", HT_ESYNTAX,
		      "conflict-marker", 2, 1, NULL);
	expect_reject("a: 1\n||||||| base\n", HT_ESYNTAX, "conflict-marker",
		      2, 1, NULL);
	expect_reject("a: 1\n>>>>>>>", HT_ESYNTAX, "conflict-marker", 2, 1,
		      NULL);
	/* before an error the parser sees first (invalid UTF-8, depth) */
	expect_reject("a: \xff\n<<<<<<< HEAD\n", HT_ESYNTAX,
		      "conflict-marker", 2, 1, NULL);
	/* in text that parses: the markers of a quoted scalar's lines */
	expect_reject("sql: \"select\n<<<<<<< HEAD\n a\n=======\n b\n"
		      ">>>>>>> topic\n\"\n",
		      HT_ESYNTAX, "conflict-marker", 2, 1, NULL);
	expect_reject("<<<<<<< HEAD: x\n", HT_ESYNTAX, "conflict-marker", 1, 1,
		      NULL);
	/* text, not markers: a line of '=' that parses, indented ones */
	doc = parse_ok("sql: \"select 1\n=======\n\"\n");
	assert_string_equal(ht_ynode_map_get(doc, "sql")->str,
			    "select 1 ======= ");
	ht_ynode_free(doc);
	fast_same("sql: |\n  <<<<<<< HEAD\n  =======\n  >>>>>>> x\n");
	ht_ynode_free(parse_ok("a: 1\n<<<<<<<x: 2\n========: 3\n"));
	/* eight are not a marker */
	expect_reject("a: 1\n========\nb: 2\n", HT_ESYNTAX, "yaml-syntax", 3,
		      1, NULL);
}

static void test_tabs(void **state)
{
	struct ht_ynode *doc;

	(void)state;
	expect_reject("a:\n\tb: 1\n", HT_ESYNTAX, "yaml-tab", 2, 1,
		      "tab character used for indentation (indent with "
		      "spaces)");
	expect_reject("a:\n  - x\n  \t- y\n", HT_ESYNTAX, "yaml-tab", 3, 3,
		      NULL);
	/* tabs as separators and inside block scalars are content */
	doc = parse_ok("a:\tb\nsql: |\n  select\n  \tfrom t\n");
	assert_string_equal(ht_ynode_map_get(doc, "sql")->str,
			    "select\n\tfrom t\n");
	ht_ynode_free(doc);
}

static void test_multi_document(void **state)
{
	(void)state;
	expect_reject("a: 1\n---\nb: 2\n", HT_ESYNTAX, "multi-document", 2, 1,
		      "more than one YAML document in the file");
	expect_reject("a: 1\n---\n", HT_ESYNTAX, "multi-document", 2, 1,
		      NULL);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_reject("a: [1, 2\n", HT_ESYNTAX, "yaml-syntax", 2, 1,
		      "did not find expected ',' or ']' while parsing a flow "
		      "sequence at line 1");
	expect_reject("a: b\n c: d\n", HT_ESYNTAX, "yaml-syntax", 2, 3,
		      "mapping values are not allowed in this context");
	expect_reject("? [a]\n: 1\n", HT_ESYNTAX, "yaml-syntax", 1, 3,
		      "a mapping key must be a scalar, not a collection");
	expect_reject("a: !!binary aGk=\n", HT_ESYNTAX, "yaml-tag", 1, 4,
		      "tag 'tag:yaml.org,2002:binary' is not supported");
}

static void test_parse_file(void **state)
{
	char path[] = "/tmp/t-yaml-read-XXXXXX";
	int fd = mkstemp(path);
	struct ht_ynode *doc = NULL;
	struct ht_ydiag diag;
	FILE *fp;

	(void)state;
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs("name: x\nname: y\n", fp);
	fclose(fp);
	assert_int_equal(ht_yaml_parse_file(&doc, path, &diag), HT_ESYNTAX);
	assert_string_equal(diag.rule, "duplicate-key");
	assert_int_equal(diag.line, 2);
	unlink(path);
	assert_int_equal(ht_yaml_parse_file(&doc, path, &diag), HT_ENOTFOUND);
}

static void test_equal_and_dup(void **state)
{
	struct ht_ynode *a = parse_ok("a: [1, 2.5, x, null, true]\nb: {c: d}\n");
	struct ht_ynode *b = ht_ynode_dup(a);
	struct ht_ynode *c = parse_ok("a: [1, 2.5, x, null, false]\nb: {c: d}\n");

	(void)state;
	assert_true(ht_ynode_equal(a, b));
	assert_false(ht_ynode_equal(a, c));
	ht_ynode_free(a);
	ht_ynode_free(b);
	ht_ynode_free(c);
}

/* ht_ynode_same_data() of two texts, which must say the same both ways. */
static int same_both_ways(const char *ta, const char *tb)
{
	struct ht_ynode *a = parse_ok(ta), *b = parse_ok(tb);
	int same = ht_ynode_same_data(a, b);

	assert_int_equal(ht_ynode_same_data(b, a), same);
	ht_ynode_free(a);
	ht_ynode_free(b);
	return same;
}

/* Data equality: mappings in any order, never lists; by value. */
static void test_same_data(void **state)
{
	static const char *const same[][2] = {
		{ "a: 1\nb: {c: d, e: f}\n", "b: {e: f, c: d}\na: 1\n" },
		{ "a: '1'\n", "\"a\": \"1\"\n" },
		{ "a: 0x10\n", "a: 16\n" },
		{ "a: |-\n  x\n  y\n", "a: \"x\\ny\"\n" },
		{ "# c\n- [a, b]\n", "[[a, b]]\n" },
		{ "", "null\n" },
	};
	static const char *const differ[][2] = {
		{ "a: 1\n", "a: '1'\n" },
		{ "a: [1, 2]\n", "a: [2, 1]\n" },
		{ "a: 1\nb: 2\n", "a: 1\n" },
		{ "a: 1\n", "b: 1\n" },
		{ "a: {}\n", "a: []\n" },
		{ "a: null\n", "a: ''\n" },
	};
	struct ht_ynode *a, *b;
	size_t i, j;
	char keys[100 * 9];

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		assert_true(same_both_ways(same[i][0], same[i][1]));
	for (i = 0; i < sizeof(differ) / sizeof(differ[0]); i++)
		assert_false(same_both_ways(differ[i][0], differ[i][1]));
	/* past 16 keys, the keys are indexed: the same answers (a complete
	 * mapping of 64 and more once made the index too small) */
	keys[0] = '\0';
	for (j = 0; j < 100; j++)
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys),
			 "k%zu: %zu\n", 99 - j, j % 3);
	a = parse_ok(keys);
	b = ht_ynode_dup(a);
	for (j = 0; j < 50; j++) {
		struct ht_ypair t = b->pairs[j];

		b->pairs[j] = b->pairs[99 - j];
		b->pairs[99 - j] = t;
	}
	assert_true(ht_ynode_same_data(a, b));
	b->pairs[7].value->i++;
	assert_false(ht_ynode_same_data(a, b));
	ht_ynode_free(a);
	ht_ynode_free(b);
	assert_true(ht_ynode_same_data(NULL, NULL));
}

/*
 * The fast path (common/yaml_fast.c) on what it takes: every shape Git
 * Sync and our emitter write, and the corner cases of block scalars,
 * empty values, comments and escapes.
 */
static void test_fast_path_takes(void **state)
{
	(void)state;
	fast_same("name: Users\nsource: pg\nlist:\n  - a\n  - b: 1\n"
		  "    c: 2\n");
	fast_same("a:\n- x\n- y: 1\n  z: 2\nb: 3\n");
	fast_same("---\na: 1\n");
	fast_same("a:\nb: # comment\nc:\n  d:\n");
	fast_same("a:   \n\n# c\n  # d\nb: x # y\nc: x#y\n");
	fast_same("a: []\nb: {}  # empty\nc: '[]'\n");
	fast_same("a: 'it''s'\nb: \"\\u00e9\\x41\\N\\_\\L\\P\\0\\t\\\\\\\"\\/\\ \\e\\U0001F600\"\n");
	fast_same("a: -5\nb: ?x\nc: :y\nd: 0x1F\ne: .inf\nf: ~\ng: True\n"
		  "h: 1e3\ni: 0o17\nj: 99999999999999999999\nk: -.5\n");
	fast_same("caf\xc3\xa9: \xc3\xa9t\xc3\xa9\n\xc3\xa9:\n  - \xc3\xa9: "
		  "x\n    y: |\n      z\n");
	fast_same("sql: |-\n  select *  \n\n  from t\n   where 1\n");
	fast_same("s: |\n  select\n  \tx\n\n\n  y\t\nt: >\n  a\n  \tb\n  c\n");
	fast_same("k: |+\n  x\n\n\nl: |-\n  x\n\n\nm: |\n  x\n\n\n");
	fast_same("f: >\n\n  a\n  b\n\n  c\n    more\n  d\n   e\n\n\n  g\n");
	fast_same("f: >-\n  a\n\n\n  b\ng: >+\n  a\n  \n   \nh: >\n  x");
	fast_same("e: |\n\nf: |-\ng: >\n  \nh: x\n");
	fast_same("a:\n  - |\n    x\n  - >-\n    y\n     z\n  - '1'\n");
	fast_same("a: |  # comment\n  x\nb: >- # c\n  y\n");
	fast_same("a:\n    - from: x\n      to: y\n    - to: z\n      lookup:\n"
		  "        by: d\n");
	fast_same("a: x\n#\n# end");
	fast_same("\"a\": 1\n'b''c': 2\n\"\\x41\": {}\n'1e3':\n  - - - x: 1\n"
		  "      - y\n    - z\n  - - []\n");
	fast_same("a: |2\n     x\n   y\nb:\n  - >1-\n     z\n  - |+3\n"
		  "        w\n\nc: |-1\n  v\n");
	fast_same("{}\n");
	fast_same("[] # x\n");
	fast_same("a: 1\nb: two words  \nc: a, b [c] {d}\nd: http://x:8/y\n");
}

/*
 * The shapes of real Git Sync repositories, which the fast path takes too:
 * one space a level, sequences not indented under their key, comments
 * anywhere between lines and after values, folded and literal strings.
 * check-bench's second corpus is made of these.
 */
static void test_fast_path_git_sync_shapes(void **state)
{
	(void)state;
	/* one-space indentation, several levels closed at once */
	fast_same("schedule:\n type: interval\n schedule:\n  interval:\n"
		  "   unit: hour\n   quantity: 4\nschedulePaused: false\n");
	/* a sequence not indented under its key, one space in */
	fast_same("config:\n mode: upsert\n mappings:\n - from: a\n   to: b\n"
		  "   type: standard\n - to: c\n   lookup:\n    by: d\n"
		  " externalIdMapping:\n  from: id\n");
	/* the same at column 0, and in a sequence entry */
	fast_same("a:\n- x\n- y:\n  - 1\n  - 2\n  z: 3\nb: 4\n");
	fast_same("s:\n  expressions:\n  - days:\n     monday: true\n"
		  "    time: '09:05'\n");
	/* comments: a banner, between keys at any column, after values */
	fast_same("# READ ONLY\n# line 2\nname: x # the name\n  # deeper\n"
		  "# at 0\nconfig:\n # one in\n mode: a # m\n mappings:\n"
		  " # before an entry\n - to: r # t\n   # in the entry\n"
		  "   type: variable\n#\n - to: s\nprimaryKey: id # k\n");
	/* folded and literal strings, one space in, then a comment */
	fast_same("description: >-\n Rows of the users table,\n refreshed"
		  "\n\n daily.\n# after\ntype: raw_sql\nrawSql: |\n select id"
		  "\n   from t\n  where x > 1\nprimaryKey: id\n");
	fast_same("d: >\n Owned by ops.\n\n See the runbook.\ne: |-\n x\n"
		  "  y\nf: |\n a\n b\n");
	/* a folded string in a sequence entry, not indented */
	fast_same("m:\n- to: x\n  template: >-\n   {{ row }} and\n   more\n"
		  "- to: y\n");
	/* a manifest and an aliases file in this style */
	fast_same("# READ ONLY\nsources:\n pg:\n  name: Pg\n  type: postgres\n"
		  "destinations:\n hs:\n  name: Hs\n  type: hubspot\n");
	fast_same("sources:\n warehouse: pg\ndestinations:\n crm: hs\n");
}

/* What the fast path leaves to libyaml (which reads each of them). */
static void test_fast_path_declines(void **state)
{
	(void)state;
	fast_declines("");
	fast_declines("# only a comment\n");
	fast_declines("a: [1, 2]\n");
	fast_declines("a: {b: c}\n");
	fast_declines("a: b\n  c\n");	   /* a plain scalar on two lines */
	fast_declines("a: 'b\n  c'\n");	   /* a quoted one */
	fast_declines("'a' : 1\n");
	fast_declines("a:\n  -\n    x\n");  /* an entry on the next line */
	fast_declines("- a\n");		   /* not a mapping */
	fast_declines("a: 1\r\nb: 2\r\n"); /* CR LF */
	fast_declines("a: \"x\xc2\x85 y\"\n"); /* NEL */
	fast_declines("a: 1\n...\n");
	fast_declines("a:\tb\n");
	fast_declines("a: !!str b\n");
	fast_declines("? a\n: b\n");
	fast_declines("a:\n  b\n");	   /* a scalar on the next line */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapping_positions),
		cmocka_unit_test(test_unicode_columns),
		cmocka_unit_test(test_core_schema),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_quoted_stay_strings),
		cmocka_unit_test(test_block_scalars),
		cmocka_unit_test(test_empty_documents),
		cmocka_unit_test(test_nul_in_scalar),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_duplicate_keys_large_map),
		cmocka_unit_test(test_anchors_and_aliases),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_byte_order_mark),
		cmocka_unit_test(test_conflict_markers),
		cmocka_unit_test(test_tabs),
		cmocka_unit_test(test_multi_document),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_equal_and_dup),
		cmocka_unit_test(test_same_data),
		cmocka_unit_test(test_fast_path_takes),
		cmocka_unit_test(test_fast_path_git_sync_shapes),
		cmocka_unit_test(test_fast_path_declines),
	};

	return cmocka_run_group_tests_name("yaml-read", tests, NULL, NULL);
}
