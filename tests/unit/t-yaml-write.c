/*
 * Unit tests for the canonical YAML emitter: the exact text of every
 * quoting class, collections, floats and block scalars, and for each case
 * that emitting twice gives the same bytes and that ht_yaml_parse() reads
 * the same tree back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hightouch/error.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

/* A string with its length, so that cases may hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

/*
 * Emit `doc` and compare with `expected`; emit again into a buffer that
 * already holds text and compare; parse the text back and compare trees;
 * emit the parsed tree and compare text.  `what` names the case.
 */
static void check_doc(const struct ht_ynode *doc, const char *expected,
		      const char *what)
{
	struct ht_strbuf a = HT_STRBUF_INIT, b = HT_STRBUF_INIT;
	struct ht_strbuf c = HT_STRBUF_INIT;
	struct ht_ynode *back = NULL;
	int ret;

	ret = ht_yaml_emit(&a, doc);
	if (ret)
		fail_msg("%s: emit failed: %s", what, ht_error_message());
	if (a.len != strlen(expected) || memcmp(a.buf, expected, a.len))
		fail_msg("%s: expected\n---\n%s---\ngot\n---\n%s---", what,
			 expected, a.buf);

	ht_strbuf_addstr(&b, "# prefix\n");
	assert_int_equal(ht_yaml_emit(&b, doc), 0);
	assert_int_equal(b.len, a.len + 9);
	assert_memory_equal(b.buf + 9, a.buf, a.len);

	ret = ht_yaml_parse(&back, a.buf, a.len, "t.yaml", NULL);
	if (ret)
		fail_msg("%s: parse of\n%s\nfailed: %s", what, a.buf,
			 ht_error_message());
	if (!ht_ynode_equal(doc, back))
		fail_msg("%s: parse(emit(x)) != x for\n%s", what, a.buf);
	assert_int_equal(ht_yaml_emit(&c, back), 0);
	if (c.len != a.len || memcmp(c.buf, a.buf, a.len))
		fail_msg("%s: emit(parse(emit(x))) differs:\n%s", what, c.buf);

	ht_ynode_free(back);
	ht_strbuf_release(&a);
	ht_strbuf_release(&b);
	ht_strbuf_release(&c);
}

/* As check_doc(), then free `doc`. */
static void check(struct ht_ynode *doc, const char *expected)
{
	check_doc(doc, expected, expected);
	ht_ynode_free(doc);
}

/*
 * A string `s` written on one line as `text` (`key_text` as a key): check
 * it as a whole document, a mapping value, a sequence item and a key.
 */
static void check_str_len(const char *s, size_t len, const char *text,
			  const char *key_text)
{
	struct ht_ynode *doc;
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s\n", text);
	doc = ht_ynode_new_str(s, len);
	check_doc(doc, buf, text);
	ht_ynode_free(doc);

	snprintf(buf, sizeof(buf), "k: %s\n", text);
	doc = ht_ynode_new_map();
	ht_ynode_map_add(doc, "k", ht_ynode_new_str(s, len));
	check_doc(doc, buf, text);
	ht_ynode_free(doc);

	snprintf(buf, sizeof(buf), "- %s\n- x\n", text);
	doc = ht_ynode_new_seq();
	ht_ynode_seq_push(doc, ht_ynode_new_str(s, len));
	ht_ynode_seq_push(doc, ht_ynode_new_cstr("x"));
	check_doc(doc, buf, text);
	ht_ynode_free(doc);

	snprintf(buf, sizeof(buf), "%s: 1\nb: 2\n", key_text);
	doc = ht_ynode_new_map();
	ht_ynode_map_add_node(doc, ht_ynode_new_str(s, len),
			      ht_ynode_new_int(1));
	ht_ynode_map_add(doc, "b", ht_ynode_new_int(2));
	check_doc(doc, buf, key_text);
	ht_ynode_free(doc);
}

/* The same text for a value and a key. */
static void check_str(const char *s, const char *text)
{
	check_str_len(s, strlen(s), text, text);
}

static void check_style(const char *s, size_t len, int is_key,
			enum ht_ystyle want)
{
	if (ht_yaml_string_style(s, len, is_key) != want)
		fail_msg("style of '%s' (key %d): %d, want %d", s, is_key,
			 (int)ht_yaml_string_style(s, len, is_key), (int)want);
}

static void test_plain(void **state)
{
	(void)state;
	check_str("hello", "hello");
	check_str("hello world", "hello world");
	check_str("raw_sql", "raw_sql");
	check_str("sync-run-id", "sync-run-id");
	check_str("a:b", "a:b");
	check_str("http://example.com/a?b=c#d", "http://example.com/a?b=c#d");
	check_str("a#b", "a#b");
	check_str("a - b", "a - b");
	check_str("it's", "it's");
	check_str("say \"hi\"", "say \"hi\"");
	check_str("<google_ads_account_id>", "<google_ads_account_id>");
	check_str("v1.2.3", "v1.2.3");
	check_str("1a", "1a");
	check_str("0x", "0x");
	check_str("0xZZ", "0xZZ");
	check_str("e", "e");
	check_str("ex", "ex");
	check_str("e3x", "e3x");
	check_str("_1", "_1");
	check_str("+", "+");
	check_str("2023-Q1", "2023-Q1");
	check_str("yesno", "yesno");
	check_str("nulls", "nulls");
	check_str("Yes please", "Yes please");
	check_str("<<a", "<<a");
	check_str("a=b", "a=b");
	check_str("a?", "a?");
	check_str("a'", "a'");
	check_str("a!b&c*d|e>f%g@h`i", "a!b&c*d|e>f%g@h`i");
	check_str("a..", "a..");
	check_str("--", "'--'");
}

static void test_plain_unicode(void **state)
{
	(void)state;
	check_str("café", "café");
	check_str("日本語", "日本語");
	check_str("😀", "😀");
	check_str("naïve résumé", "naïve résumé");
	check_str("\xc2\xa0", "\xc2\xa0"); /* NBSP is not YAML white space */
	check_str("Ω: x", "'Ω: x'");
	check_str(" 日本", "' 日本'");
}

static void test_quote_empty(void **state)
{
	(void)state;
	check_str("", "''");
}

static void test_quote_null(void **state)
{
	(void)state;
	check_str("null", "'null'");
	check_str("Null", "'Null'");
	check_str("NULL", "'NULL'");
	check_str("nUll", "'nUll'"); /* any case, to be safe */
	check_str("~", "'~'");
}

static void test_quote_bool(void **state)
{
	(void)state;
	check_str("true", "'true'");
	check_str("True", "'True'");
	check_str("TRUE", "'TRUE'");
	check_str("false", "'false'");
	check_str("False", "'False'");
	check_str("FALSE", "'FALSE'");
	check_str("tRUE", "'tRUE'");
}

static void test_quote_yaml11_bool(void **state)
{
	(void)state;
	check_str("yes", "'yes'");
	check_str("Yes", "'Yes'");
	check_str("YES", "'YES'");
	check_str("no", "'no'");
	check_str("No", "'No'");
	check_str("NO", "'NO'");
	check_str("on", "'on'");
	check_str("On", "'On'");
	check_str("ON", "'ON'");
	check_str("off", "'off'");
	check_str("Off", "'Off'");
	check_str("OFF", "'OFF'");
	check_str("y", "'y'");
	check_str("Y", "'Y'");
	check_str("n", "'n'");
	check_str("N", "'N'");
}

static void test_quote_int(void **state)
{
	(void)state;
	check_str("0", "'0'");
	check_str("12", "'12'");
	check_str("+12", "'+12'");
	check_str("-12", "'-12'");
	check_str("0755", "'0755'");
	check_str("0o17", "'0o17'");
	check_str("0x1F", "'0x1F'");
	check_str("0X1f", "'0X1f'");
	check_str("-0x1F", "'-0x1F'");
	check_str("0b101", "'0b101'");
	check_str("1_000", "'1_000'");
	check_str("1,000", "'1,000'");
	check_str("1:20", "'1:20'");
	check_str("190:20:30", "'190:20:30'");
	check_str("99999999999999999999", "'99999999999999999999'");
}

static void test_quote_float(void **state)
{
	(void)state;
	check_str("1e3", "'1e3'");
	check_str("1E3", "'1E3'");
	check_str("1e+3", "'1e+3'");
	check_str("e3", "'e3'"); /* a float to the npm "yaml" 1.1 schema */
	check_str("E-5", "'E-5'");
	check_str("1.5", "'1.5'");
	check_str(".5", "'.5'");
	check_str("1.", "'1.'");
	check_str(".", "'.'");
	check_str("1.0e+10", "'1.0e+10'");
	check_str("1_0.5", "'1_0.5'");
	check_str("190:20:30.15", "'190:20:30.15'");
	check_str("127.0.0.1", "'127.0.0.1'");
	check_str(".inf", "'.inf'");
	check_str(".Inf", "'.Inf'");
	check_str("+.INF", "'+.INF'");
	check_str("-.Inf", "'-.Inf'");
	check_str(".nan", "'.nan'");
	check_str(".NaN", "'.NaN'");
	check_str(".NAN", "'.NAN'");
}

static void test_quote_timestamp(void **state)
{
	(void)state;
	check_str("2023-06-24", "'2023-06-24'");
	check_str("2023-6-4", "'2023-6-4'");
	check_str("2023-06-24T02:00:00.000Z", "'2023-06-24T02:00:00.000Z'");
	check_str("2001-12-14t21:59:43.10-05:00",
		  "'2001-12-14t21:59:43.10-05:00'");
	check_str("2001-12-14 21:59:43.10 -5", "'2001-12-14 21:59:43.10 -5'");
	check_str("2001-12-14 meeting", "'2001-12-14 meeting'");
}

static void test_quote_yaml11_keys(void **state)
{
	(void)state;
	check_str("=", "'='");
	check_str("<<", "'<<'");
}

static void test_quote_spaces(void **state)
{
	(void)state;
	check_str(" a", "' a'");
	check_str("a ", "'a '");
	check_str("Some Model ", "'Some Model '");
	check_str(" ", "' '");
	check_str("  ", "'  '");
	check_str("null ", "'null '");
}

static void test_quote_colon_hash(void **state)
{
	(void)state;
	check_str("a: b", "'a: b'");
	check_str("a:", "'a:'");
	check_str("key: value: x", "'key: value: x'");
	check_str("a #b", "'a #b'");
	check_str("a # comment", "'a # comment'");
	check_str("#a", "'#a'");
	check_str("#", "'#'");
}

static void test_quote_indicators(void **state)
{
	(void)state;
	check_str("-", "'-'");
	check_str("-a", "'-a'");
	check_str("- a", "'- a'");
	check_str("---", "'---'");
	check_str("--- a", "'--- a'");
	check_str("...", "'...'");
	check_str("...a", "'...a'");
	check_str("?", "'?'");
	check_str("?a", "'?a'");
	check_str("? a", "'? a'");
	check_str(":", "':'");
	check_str(":a", "':a'");
	check_str(",a", "',a'");
	check_str("[a", "'[a'");
	check_str("[]", "'[]'");
	check_str("]a", "']a'");
	check_str("{a", "'{a'");
	check_str("{}", "'{}'");
	check_str("}a", "'}a'");
	check_str("{{ row['X'] }}", "'{{ row[''X''] }}'");
	check_str("&a", "'&a'");
	check_str("*a", "'*a'");
	check_str("!a", "'!a'");
	check_str("!!str", "'!!str'");
	check_str("|", "'|'");
	check_str("|a", "'|a'");
	check_str(">", "'>'");
	check_str(">a", "'>a'");
	check_str("%a", "'%a'");
	check_str("%YAML 1.2", "'%YAML 1.2'");
	check_str("@a", "'@a'");
	check_str("`a`", "'`a`'");
}

static void test_quote_quotes(void **state)
{
	(void)state;
	check_str("'", "''''");
	check_str("'a'", "'''a'''");
	check_str("\"", "'\"'");
	check_str("\"a\"", "'\"a\"'");
	check_str("'a: b'", "'''a: b'''");
	check_str("a'' ", "'a'''' '");
}

static void test_flow_indicators(void **state)
{
	(void)state;
	/* plain as values (block context), quoted as keys */
	check_str_len(S("a, b"), "a, b", "'a, b'");
	check_str_len(S("a[0]"), "a[0]", "'a[0]'");
	check_str_len(S("a]"), "a]", "'a]'");
	check_str_len(S("x{y}"), "x{y}", "'x{y}'");
	check_str_len(S("a}"), "a}", "'a}'");
}

static void test_control_chars(void **state)
{
	(void)state;
	check_str_len(S("\0"), "\"\\0\"", "\"\\0\"");
	check_str_len(S("a\0b"), "\"a\\0b\"", "\"a\\0b\"");
	check_str("\x01", "\"\\x01\"");
	check_str("\a\b\v\f\x1b", "\"\\a\\b\\v\\f\\e\"");
	check_str("\x1f", "\"\\x1F\"");
	check_str("\x7f", "\"\\x7F\"");
	check_str("a\tb", "\"a\\tb\"");
	check_str("\ta", "\"\\ta\"");
	check_str("a\t", "\"a\\t\"");
	check_str("a\rb", "\"a\\rb\"");
	check_str("a\r\nb", "\"a\\r\\nb\"");
	check_str("\r\n", "\"\\r\\n\"");
	check_str("\xc2\x80", "\"\\x80\"");     /* C1 */
	check_str("\xc2\x85", "\"\\x85\"");     /* NEL */
	check_str("\xc2\x9f", "\"\\x9F\"");
	check_str("\xe2\x80\xa8", "\"\\u2028\""); /* LS */
	check_str("\xe2\x80\xa9", "\"\\u2029\""); /* PS */
	check_str("\xef\xbb\xbf" "a", "\"\\uFEFFa\""); /* BOM */
	check_str("\xef\xbf\xbe", "\"\\uFFFE\"");
	check_str("\xef\xbf\xbf", "\"\\uFFFF\"");
	/* the rest of the string is written as it is, escaped as needed */
	check_str("\x01 \"q\" \\ 'x' é 😀 ",
		  "\"\\x01 \\\"q\\\" \\\\ 'x' é 😀 \"");
	check_str("\xef\xbf\xbd", "\xef\xbf\xbd"); /* U+FFFD is printable */
}

static void test_newlines_in_keys(void **state)
{
	struct ht_ynode *m = ht_ynode_new_map();

	(void)state;
	/* a value gets a block scalar (see the literal tests), a key cannot */
	ht_ynode_map_add(m, "a\nb", ht_ynode_new_cstr("a\nb"));
	ht_ynode_map_add(m, "c\n", ht_ynode_new_cstr("c\n"));
	check(m, "\"a\\nb\": |-\n  a\n  b\n\"c\\n\": |\n  c\n");
	/* line feeds only: no block scalar */
	check_str("\n", "\"\\n\"");
	check_str("\n\n", "\"\\n\\n\"");
}

static void test_string_style(void **state)
{
	(void)state;
	check_style(S("a"), 0, HT_YSTYLE_PLAIN);
	check_style(S("a"), 1, HT_YSTYLE_PLAIN);
	check_style(S("a,b"), 0, HT_YSTYLE_PLAIN);
	check_style(S("a,b"), 1, HT_YSTYLE_SINGLE);
	check_style(S(""), 0, HT_YSTYLE_SINGLE);
	check_style(S("yes"), 1, HT_YSTYLE_SINGLE);
	check_style(S("a\tb"), 0, HT_YSTYLE_DOUBLE);
	check_style(S("a\nb"), 0, HT_YSTYLE_LITERAL);
	check_style(S("a\nb"), 1, HT_YSTYLE_DOUBLE);
	check_style(S("a\n\tb"), 0, HT_YSTYLE_LITERAL);
	check_style(S("a\r\nb"), 0, HT_YSTYLE_DOUBLE);
	check_style(S("a\n\x01"), 0, HT_YSTYLE_DOUBLE);
	check_style(S("\n"), 0, HT_YSTYLE_DOUBLE);
	check_style(S(" \n\t"), 0, HT_YSTYLE_DOUBLE);
	check_style(S(" \n\tx"), 0, HT_YSTYLE_LITERAL);
	check_style(S(" x\n\t"), 0, HT_YSTYLE_DOUBLE);
	check_style(S("x\n\t"), 0, HT_YSTYLE_LITERAL);
	check_style(S("a\0"), 0, HT_YSTYLE_DOUBLE);
	check_style(S("\xff"), 0, HT_YSTYLE_DOUBLE);
	check_style(NULL, 0, 0, HT_YSTYLE_SINGLE);
}

static void test_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff", "a\x80", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
		"\xe6\x97", "\xc3", "\xe6\x97\xa5\xe6", NULL
	};
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *doc;
	size_t i;

	(void)state;
	for (i = 0; bad[i]; i++) {
		ht_strbuf_addstr(&sb, "x");
		doc = ht_ynode_new_map();
		ht_ynode_map_add(doc, "k", ht_ynode_new_cstr(bad[i]));
		assert_int_equal(ht_yaml_emit(&sb, doc), HT_EINVALID);
		assert_string_equal(ht_error_message(),
				    "string is not valid UTF-8");
		assert_string_equal(sb.buf, "x"); /* nothing written */
		ht_ynode_free(doc);

		doc = ht_ynode_new_seq();
		ht_ynode_seq_push(doc, ht_ynode_new_map());
		ht_ynode_map_add(doc->items[0], bad[i], ht_ynode_new_int(1));
		assert_int_equal(ht_yaml_emit(&sb, doc), HT_EINVALID);
		assert_string_equal(sb.buf, "x");
		ht_ynode_free(doc);
		ht_strbuf_reset(&sb);
	}
	ht_strbuf_release(&sb);
}

static void test_scalars(void **state)
{
	struct ht_ynode *m = ht_ynode_new_map();

	(void)state;
	check(ht_ynode_new_null(), "null\n");
	check(ht_ynode_new_bool(1), "true\n");
	check(ht_ynode_new_bool(0), "false\n");
	check(ht_ynode_new_int(0), "0\n");
	check(ht_ynode_new_int(-42), "-42\n");
	check(ht_ynode_new_int(INT64_MAX), "9223372036854775807\n");
	check(ht_ynode_new_int(INT64_MIN), "-9223372036854775808\n");
	ht_ynode_map_add(m, "nil", ht_ynode_new_null());
	ht_ynode_map_add(m, "t", ht_ynode_new_bool(1));
	ht_ynode_map_add(m, "f", ht_ynode_new_bool(0));
	ht_ynode_map_add(m, "i", ht_ynode_new_int(24));
	ht_ynode_map_add(m, "x", ht_ynode_new_float(0.5));
	ht_ynode_map_add(m, "s", ht_ynode_new_cstr("24"));
	check(m, "nil: null\nt: true\nf: false\ni: 24\nx: 0.5\ns: '24'\n");
}

static void test_scalar_keys(void **state)
{
	static const char *const texts[] = { "1", "2", "null", "true", "1.5",
					     "" };
	struct ht_ynode *m = ht_ynode_new_map();
	struct ht_ynode *back = NULL;
	struct ht_strbuf out = HT_STRBUF_INIT;
	struct ht_ydiag yd;
	size_t i;

	(void)state;
	ht_ynode_map_add_node(m, ht_ynode_new_int(1), ht_ynode_new_cstr("a"));
	ht_ynode_map_add_node(m, ht_ynode_new_cstr("2"),
			      ht_ynode_new_cstr("b"));
	ht_ynode_map_add_node(m, ht_ynode_new_null(), ht_ynode_new_cstr("c"));
	ht_ynode_map_add_node(m, ht_ynode_new_bool(1), ht_ynode_new_cstr("d"));
	ht_ynode_map_add_node(m, ht_ynode_new_float(1.5),
			      ht_ynode_new_cstr("e"));
	ht_ynode_map_add_node(m, ht_ynode_new_cstr(""), ht_ynode_new_cstr("f"));
	assert_int_equal(ht_yaml_emit(&out, m), 0);
	assert_string_equal(out.buf,
			    "1: a\n'2': b\nnull: c\ntrue: d\n1.5: e\n'': f\n");
	/* the reader keeps every key a string: they come back as text */
	assert_int_equal(ht_yaml_parse(&back, out.buf, out.len, "k.yaml", &yd),
			 0);
	assert_int_equal(back->npairs, 6);
	for (i = 0; i < back->npairs; i++) {
		assert_int_equal(back->pairs[i].key->type, HT_YTYPE_STR);
		assert_string_equal(back->pairs[i].key->str, texts[i]);
	}
	ht_ynode_free(back);
	ht_ynode_free(m);
	ht_strbuf_release(&out);
}

static void test_floats(void **state)
{
	static const struct {
		double f;
		const char *text;
	} cases[] = {
		{ 1.0, "1.0" },
		{ -1.0, "-1.0" },
		{ 0.0, "0.0" },
		{ 0.5, "0.5" },
		{ 0.1, "0.1" },
		{ 100.0, "100.0" },
		{ 24.0, "24.0" },
		{ 123456789.0, "123456789.0" },
		{ 3.14159, "3.14159" },
		{ 1.0 / 3.0, "0.3333333333333333" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 0.0001, "0.0001" },
		{ 0.00001, "1.0e-05" },
		{ 1.5e-7, "1.5e-07" },
		{ 1e15, "1000000000000000.0" },
		{ 1e16, "1.0e+16" },
		{ 1.25e17, "1.25e+17" },
		{ 1e300, "1.0e+300" },
		{ -2.5e-300, "-2.5e-300" },
		{ 5e-324, "5.0e-324" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 9007199254740993.0, "9007199254740992.0" },
	};
	struct ht_ynode *n;
	size_t i;
	char buf[64];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s\n", cases[i].text);
		n = ht_ynode_new_float(cases[i].f);
		check_doc(n, buf, cases[i].text);
		ht_ynode_free(n);
	}
	n = ht_ynode_new_float(-0.0);
	check_doc(n, "-0.0\n", "-0.0");
	assert_true(signbit(n->f));
	ht_ynode_free(n);
	check(ht_ynode_new_float(INFINITY), ".inf\n");
	check(ht_ynode_new_float(-INFINITY), "-.inf\n");
	check(ht_ynode_new_float(NAN), ".nan\n");
	check(ht_ynode_new_float(-NAN), ".nan\n");
}

static void test_empty_collections(void **state)
{
	struct ht_ynode *m = ht_ynode_new_map(), *s = ht_ynode_new_seq();

	(void)state;
	check(ht_ynode_new_seq(), "[]\n");
	check(ht_ynode_new_map(), "{}\n");
	ht_ynode_map_add(m, "a", ht_ynode_new_seq());
	ht_ynode_map_add(m, "b", ht_ynode_new_map());
	check(m, "a: []\nb: {}\n");
	ht_ynode_seq_push(s, ht_ynode_new_seq());
	ht_ynode_seq_push(s, ht_ynode_new_map());
	check(s, "- []\n- {}\n");
}

static struct ht_ynode *mapping(const char *from, const char *to,
				const char *type)
{
	struct ht_ynode *m = ht_ynode_new_map();

	ht_ynode_map_add(m, "from", ht_ynode_new_cstr(from));
	ht_ynode_map_add(m, "to", ht_ynode_new_cstr(to));
	ht_ynode_map_add(m, "type", ht_ynode_new_cstr(type));
	return m;
}

static void test_sync_file(void **state)
{
	struct ht_ynode *doc = ht_ynode_new_map(), *config, *maps, *sched;
	struct ht_ynode *inner, *interval;

	(void)state;
	ht_ynode_map_add(doc, "model", ht_ynode_new_cstr("users"));
	ht_ynode_map_add(doc, "destination", ht_ynode_new_cstr("hubspot"));
	config = ht_ynode_new_map();
	ht_ynode_map_add(config, "mode", ht_ynode_new_cstr("upsert"));
	ht_ynode_map_add(config, "object", ht_ynode_new_cstr("contacts"));
	maps = ht_ynode_new_seq();
	ht_ynode_seq_push(maps, mapping("a", "b", "standard"));
	ht_ynode_seq_push(maps, mapping("email", "Email Address", "standard"));
	ht_ynode_map_add(config, "mappings", maps);
	ht_ynode_map_add(config, "associationMappings", ht_ynode_new_seq());
	ht_ynode_map_add(config, "configVersion", ht_ynode_new_int(0));
	ht_ynode_map_add(doc, "config", config);
	sched = ht_ynode_new_map();
	ht_ynode_map_add(sched, "type", ht_ynode_new_cstr("interval"));
	inner = ht_ynode_new_map();
	interval = ht_ynode_new_map();
	ht_ynode_map_add(interval, "unit", ht_ynode_new_cstr("day"));
	ht_ynode_map_add(interval, "quantity", ht_ynode_new_int(1));
	ht_ynode_map_add(inner, "interval", interval);
	ht_ynode_map_add(sched, "schedule", inner);
	ht_ynode_map_add(sched, "startDate",
			 ht_ynode_new_cstr("2023-06-24T02:00:00.000Z"));
	ht_ynode_map_add(doc, "schedule", sched);
	ht_ynode_map_add(doc, "schedulePaused", ht_ynode_new_bool(0));
	check(doc,
	      "model: users\n"
	      "destination: hubspot\n"
	      "config:\n"
	      "  mode: upsert\n"
	      "  object: contacts\n"
	      "  mappings:\n"
	      "    - from: a\n"
	      "      to: b\n"
	      "      type: standard\n"
	      "    - from: email\n"
	      "      to: Email Address\n"
	      "      type: standard\n"
	      "  associationMappings: []\n"
	      "  configVersion: 0\n"
	      "schedule:\n"
	      "  type: interval\n"
	      "  schedule:\n"
	      "    interval:\n"
	      "      unit: day\n"
	      "      quantity: 1\n"
	      "  startDate: '2023-06-24T02:00:00.000Z'\n"
	      "schedulePaused: false\n");
}

static void test_nested_sequences(void **state)
{
	struct ht_ynode *s = ht_ynode_new_seq(), *a = ht_ynode_new_seq();
	struct ht_ynode *b = ht_ynode_new_seq(), *c, *m;

	(void)state;
	ht_ynode_seq_push(a, ht_ynode_new_cstr("a"));
	ht_ynode_seq_push(a, ht_ynode_new_cstr("b"));
	ht_ynode_seq_push(b, ht_ynode_new_cstr("c"));
	ht_ynode_seq_push(s, a);
	ht_ynode_seq_push(s, b);
	check(s, "- - a\n  - b\n- - c\n");

	/* three deep, then a mapping in a sequence in a sequence */
	s = ht_ynode_new_seq();
	a = ht_ynode_new_seq();
	b = ht_ynode_new_seq();
	ht_ynode_seq_push(b, ht_ynode_new_int(1));
	ht_ynode_seq_push(b, ht_ynode_new_int(2));
	ht_ynode_seq_push(a, b);
	ht_ynode_seq_push(a, ht_ynode_new_int(3));
	m = ht_ynode_new_map();
	ht_ynode_map_add(m, "k", ht_ynode_new_cstr("v"));
	c = ht_ynode_new_seq();
	ht_ynode_seq_push(c, ht_ynode_new_cstr("x"));
	ht_ynode_map_add(m, "l", c);
	ht_ynode_map_add(m, "e", ht_ynode_new_seq());
	ht_ynode_seq_push(a, m);
	ht_ynode_seq_push(s, a);
	check(s,
	      "- - - 1\n"
	      "    - 2\n"
	      "  - 3\n"
	      "  - k: v\n"
	      "    l:\n"
	      "      - x\n"
	      "    e: []\n");

	/* mappings in mappings in a sequence */
	s = ht_ynode_new_seq();
	m = ht_ynode_new_map();
	c = ht_ynode_new_map();
	ht_ynode_map_add(c, "b", ht_ynode_new_map());
	ht_ynode_map_add(c, "d", ht_ynode_new_cstr("yes"));
	ht_ynode_map_add(m, "a", c);
	ht_ynode_map_add(m, "z", ht_ynode_new_null());
	ht_ynode_seq_push(s, m);
	ht_ynode_seq_push(s, ht_ynode_new_cstr(""));
	check(s, "- a:\n    b: {}\n    d: 'yes'\n  z: null\n- ''\n");
}

/* A block scalar as document, mapping value, sequence item, deeper. */
static void check_block(const char *s, const char *header, const char *body2)
{
	struct ht_ynode *doc, *inner;
	struct ht_strbuf want = HT_STRBUF_INIT, body4 = HT_STRBUF_INIT;
	const char *p;

	/* body2 is indented by two; make the same indented by four */
	for (p = body2; *p; ) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (n > 1)
			ht_strbuf_addstr(&body4, "  ");
		ht_strbuf_add(&body4, p, n);
		p += n;
	}

	doc = ht_ynode_new_map();
	ht_ynode_map_add(doc, "sql", ht_ynode_new_cstr(s));
	ht_ynode_map_add(doc, "next", ht_ynode_new_int(1));
	ht_strbuf_addf(&want, "sql: %s\n%snext: 1\n", header, body2);
	check_doc(doc, want.buf, s);
	ht_ynode_free(doc);
	ht_strbuf_reset(&want);

	doc = ht_ynode_new_seq();
	ht_ynode_seq_push(doc, ht_ynode_new_cstr(s));
	ht_ynode_seq_push(doc, ht_ynode_new_cstr(s));
	ht_strbuf_addf(&want, "- %s\n%s- %s\n%s", header, body2, header,
		       body2);
	check_doc(doc, want.buf, s);
	ht_ynode_free(doc);
	ht_strbuf_reset(&want);

	doc = ht_ynode_new_map();
	inner = ht_ynode_new_map();
	ht_ynode_map_add(inner, "rawSql", ht_ynode_new_cstr(s));
	ht_ynode_map_add(inner, "x", ht_ynode_new_cstr("z"));
	ht_ynode_map_add(doc, "m", inner);
	ht_strbuf_addf(&want, "m:\n  rawSql: %s\n%s  x: z\n", header,
		       body4.buf);
	check_doc(doc, want.buf, s);
	ht_ynode_free(doc);
	ht_strbuf_reset(&want);

	doc = ht_ynode_new_seq();
	inner = ht_ynode_new_map();
	ht_ynode_map_add(inner, "rawSql", ht_ynode_new_cstr(s));
	ht_ynode_seq_push(doc, inner);
	ht_strbuf_addf(&want, "- rawSql: %s\n%s", header, body4.buf);
	check_doc(doc, want.buf, s);
	ht_ynode_free(doc);

	ht_strbuf_release(&want);
	ht_strbuf_release(&body4);
}

static void test_literal_chomping(void **state)
{
	(void)state;
	check_block("a\nb", "|-", "  a\n  b\n");
	check_block("a\nb\n", "|", "  a\n  b\n");
	check_block("a\n", "|", "  a\n");
	check_block("a\nb\n\n", "|+", "  a\n  b\n\n");
	check_block("a\nb\n\n\n", "|+", "  a\n  b\n\n\n");
	check_block("a\n\nb", "|-", "  a\n\n  b\n");
	check_block("\na", "|-", "\n  a\n");
	check_block("\n\na\n\n", "|+", "\n\n  a\n\n");
}

static void test_literal_indentation_indicator(void **state)
{
	(void)state;
	check_block(" a\nb", "|2-", "   a\n  b\n");
	check_block("  a\n    b\n", "|2", "    a\n      b\n");
	check_block("\n  a\nb\n", "|2", "\n    a\n  b\n");
	check_block("\tx\ny", "|2-", "  \tx\n  y\n");
	check_block("  \nb", "|2-", "    \n  b\n");
	check_block("  \nb\n\n", "|2+", "    \n  b\n\n");
	/* only the first non-empty line decides */
	check_block("a\n  b\n\tc", "|-", "  a\n    b\n  \tc\n");
}

static void test_literal_content(void **state)
{
	(void)state;
	/* lines of only spaces, trailing spaces and tabs are content */
	check_block("a\n  \nb", "|-", "  a\n    \n  b\n");
	check_block("a  \nb\t\n", "|", "  a  \n  b\t\n");
	check_block("a\n ", "|-", "  a\n   \n");
	check_block("a\n \n", "|", "  a\n   \n");
	check_block("a\n\t", "|-", "  a\n  \t\n");
	/* what would be syntax elsewhere is text in a block scalar */
	check_block("# not a comment\n--- x\n...\n- y\nk: v #c\n'q' \"d\"\n",
		    "|", "  # not a comment\n  --- x\n  ...\n  - y\n"
		    "  k: v #c\n  'q' \"d\"\n");
	check_block("yes\nnull", "|-", "  yes\n  null\n");
	check_block("日本\n😀 café", "|-", "  日本\n  😀 café\n");
	check_block("a\n\xef\xbf\xbd", "|-", "  a\n  \xef\xbf\xbd\n");
}

static void test_literal_sql(void **state)
{
	const char *sql =
		"SELECT id,   \n"
		"       email -- the address: #1\n"
		"  FROM users\t\n"
		"\n"
		"   \n"
		" WHERE name = 'a: b'\n"
		"\n";
	struct ht_ynode *doc = ht_ynode_new_map();

	(void)state;
	ht_ynode_map_add(doc, "name", ht_ynode_new_cstr("Users"));
	ht_ynode_map_add(doc, "source", ht_ynode_new_cstr("warehouse"));
	ht_ynode_map_add(doc, "type", ht_ynode_new_cstr("raw_sql"));
	ht_ynode_map_add(doc, "rawSql", ht_ynode_new_cstr(sql));
	ht_ynode_map_add(doc, "isSchema", ht_ynode_new_bool(0));
	ht_ynode_map_add(doc, "primaryKey", ht_ynode_new_cstr("id"));
	check(doc,
	      "name: Users\n"
	      "source: warehouse\n"
	      "type: raw_sql\n"
	      "rawSql: |+\n"
	      "  SELECT id,   \n"
	      "         email -- the address: #1\n"
	      "    FROM users\t\n"
	      "\n"
	      "     \n"
	      "   WHERE name = 'a: b'\n"
	      "\n"
	      "isSchema: false\n"
	      "primaryKey: id\n");
}

static void test_multiline_double(void **state)
{
	(void)state;
	/* white space only: some readers take the block scalar for empty */
	check_str("  \n", "\"  \\n\"");
	check_str(" \n\n", "\" \\n\\n\"");
	check_str("\n \n\t", "\"\\n \\n\\t\"");
	/* an indentation indicator and a last line of white space */
	check_str(" a\n  ", "\" a\\n  \"");
	check_str("\n a\n\t\n", "\"\\n a\\n\\t\\n\"");
	/* line breaks with characters only double quotes can hold */
	check_str("a\r\nb\r\n", "\"a\\r\\nb\\r\\n\"");
	check_str("a\n\x01", "\"a\\n\\x01\"");
	check_str("a\n\xc2\x85", "\"a\\n\\x85\"");
	check_str("a\n\xe2\x80\xa8", "\"a\\n\\u2028\"");
	check_str("\xef\xbb\xbf\nx", "\"\\uFEFF\\nx\"");
}

static void test_literal_top_level(void **state)
{
	(void)state;
	check(ht_ynode_new_cstr("a\nb"), "|-\n  a\n  b\n");
	check(ht_ynode_new_cstr("a\n"), "|\n  a\n");
	check(ht_ynode_new_cstr("a\n\n"), "|+\n  a\n\n");
	/* YAML 1.2 and libyaml differ on a top-level indentation indicator */
	check(ht_ynode_new_cstr(" a\nb"), "\" a\\nb\"\n");
}

/* `n` copies of `c` in `buf` (NUL-terminated). */
static const char *rep(char *buf, int c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void test_long_keys(void **state)
{
	char k[1100], j[1100], i[1100], h[1100];
	struct ht_ynode *doc, *inner;
	struct ht_strbuf want = HT_STRBUF_INIT;

	(void)state;
	/* up to 1000 bytes: an implicit key */
	doc = ht_ynode_new_map();
	ht_ynode_map_add(doc, rep(k, 'k', 1000), ht_ynode_new_cstr("v"));
	ht_strbuf_addf(&want, "%s: v\n", k);
	check_doc(doc, want.buf, "1000-byte key");
	ht_ynode_free(doc);
	ht_strbuf_reset(&want);

	/* longer: readers refuse implicit keys over 1024, so "? key" */
	rep(k, 'k', 1001);
	rep(j, 'j', 1001);
	rep(i, 'i', 1001);
	rep(h, 'h', 1001);
	doc = ht_ynode_new_map();
	ht_ynode_map_add(doc, k, ht_ynode_new_cstr("v"));
	ht_ynode_map_add(doc, "a", ht_ynode_new_int(1));
	inner = ht_ynode_new_map();
	ht_ynode_map_add(inner, k, ht_ynode_new_cstr("x\ny"));
	ht_ynode_map_add(doc, "b", inner);
	inner = ht_ynode_new_seq();
	ht_ynode_seq_push(inner, ht_ynode_new_int(1));
	ht_ynode_map_add(doc, j, inner);
	inner = ht_ynode_new_map();
	ht_ynode_map_add(inner, "c", ht_ynode_new_int(2));
	ht_ynode_map_add(doc, i, inner);
	ht_ynode_map_add(doc, h, ht_ynode_new_seq());
	ht_strbuf_addf(&want, "? %s\n: v\na: 1\nb:\n  ? %s\n  : |-\n    x\n"
		       "    y\n", k, k);
	ht_strbuf_addf(&want, "? %s\n:\n  - 1\n? %s\n:\n  c: 2\n? %s\n: []\n",
		       j, i, h);
	check_doc(doc, want.buf, "long keys");
	ht_ynode_free(doc);
	ht_strbuf_reset(&want);

	/* a quoted key counts with its quotes */
	rep(k, 'k', 998);
	k[997] = ' ';
	doc = ht_ynode_new_map();
	ht_ynode_map_add(doc, k, ht_ynode_new_cstr("v"));
	ht_strbuf_addf(&want, "'%s': v\n", k);
	check_doc(doc, want.buf, "1000-byte quoted key");
	ht_ynode_free(doc);
	ht_strbuf_reset(&want);

	rep(k, 'k', 999);
	k[998] = ' ';
	doc = ht_ynode_new_map();
	ht_ynode_map_add(doc, k, ht_ynode_new_cstr("v"));
	ht_strbuf_addf(&want, "? '%s'\n: v\n", k);
	check_doc(doc, want.buf, "1001-byte quoted key");
	ht_ynode_free(doc);
	ht_strbuf_release(&want);
}

/* `leaf` in `depth` collections, alternately sequences and mappings. */
static struct ht_ynode *nest(int depth, struct ht_ynode *leaf)
{
	struct ht_ynode *n = leaf, *c;
	int d;

	for (d = 0; d < depth; d++) {
		if (d % 2) {
			c = ht_ynode_new_map();
			ht_ynode_map_add(c, "k", n);
		} else {
			c = ht_ynode_new_seq();
			ht_ynode_seq_push(c, n);
		}
		n = c;
	}
	return n;
}

/* Emit and read back a tree that is as deep as allowed. */
static void check_deep(struct ht_ynode *doc)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *back = NULL;

	assert_int_equal(ht_yaml_emit(&sb, doc), 0);
	assert_int_equal(ht_yaml_parse(&back, sb.buf, sb.len, "t.yaml", NULL),
			 0);
	assert_true(ht_ynode_equal(doc, back));
	ht_ynode_free(back);
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
}

/* A tree one level too deep fails and leaves the buffer as it was. */
static void check_too_deep(struct ht_ynode *doc)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_strbuf_addstr(&sb, "keep");
	assert_int_equal(ht_yaml_emit(&sb, doc), HT_ETOODEEP);
	assert_string_equal(sb.buf, "keep");
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
}

static void test_depth(void **state)
{
	(void)state;
	check_deep(nest(HT_YAML_MAX_DEPTH, ht_ynode_new_cstr("leaf")));
	check_too_deep(nest(HT_YAML_MAX_DEPTH + 1, ht_ynode_new_cstr("x")));
	/* an empty collection counts as a level */
	check_deep(nest(HT_YAML_MAX_DEPTH - 1, ht_ynode_new_map()));
	check_deep(nest(HT_YAML_MAX_DEPTH - 1, ht_ynode_new_seq()));
	check_too_deep(nest(HT_YAML_MAX_DEPTH, ht_ynode_new_seq()));
	check_too_deep(nest(HT_YAML_MAX_DEPTH, ht_ynode_new_map()));
	/* scalars do not */
	check_deep(nest(HT_YAML_MAX_DEPTH, ht_ynode_new_int(1)));
}

static void test_capped(void **state)
{
	struct ht_strbuf sb;
	struct ht_ynode *doc = ht_ynode_new_map();
	size_t cap;
	const char *want = "a: b\nc:\n  - |-\n    x\n    y\n  - 'yes'\n";

	(void)state;
	ht_ynode_map_add(doc, "a", ht_ynode_new_cstr("b"));
	ht_ynode_map_add(doc, "c", ht_ynode_new_seq());
	ht_ynode_seq_push(doc->pairs[1].value, ht_ynode_new_cstr("x\ny"));
	ht_ynode_seq_push(doc->pairs[1].value, ht_ynode_new_cstr("yes"));
	/* every cap too small fails cleanly, leaving the buffer as it was */
	for (cap = 2; cap < strlen(want) + 2; cap++) {
		ht_strbuf_init_capped(&sb, cap);
		ht_strbuf_addstr(&sb, "# ");
		assert_int_equal(ht_yaml_emit(&sb, doc), HT_ETOOBIG);
		assert_string_equal(sb.buf, "# ");
		ht_strbuf_release(&sb);
	}
	ht_strbuf_init_capped(&sb, strlen(want) + 2);
	ht_strbuf_addstr(&sb, "# ");
	assert_int_equal(ht_yaml_emit(&sb, doc), 0);
	assert_string_equal(sb.buf + 2, want);
	ht_strbuf_release(&sb);
	ht_ynode_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_plain_unicode),
		cmocka_unit_test(test_quote_empty),
		cmocka_unit_test(test_quote_null),
		cmocka_unit_test(test_quote_bool),
		cmocka_unit_test(test_quote_yaml11_bool),
		cmocka_unit_test(test_quote_int),
		cmocka_unit_test(test_quote_float),
		cmocka_unit_test(test_quote_timestamp),
		cmocka_unit_test(test_quote_yaml11_keys),
		cmocka_unit_test(test_quote_spaces),
		cmocka_unit_test(test_quote_colon_hash),
		cmocka_unit_test(test_quote_indicators),
		cmocka_unit_test(test_quote_quotes),
		cmocka_unit_test(test_flow_indicators),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_newlines_in_keys),
		cmocka_unit_test(test_string_style),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_scalar_keys),
		cmocka_unit_test(test_floats),
		cmocka_unit_test(test_empty_collections),
		cmocka_unit_test(test_sync_file),
		cmocka_unit_test(test_nested_sequences),
		cmocka_unit_test(test_literal_chomping),
		cmocka_unit_test(test_literal_indentation_indicator),
		cmocka_unit_test(test_literal_content),
		cmocka_unit_test(test_literal_sql),
		cmocka_unit_test(test_multiline_double),
		cmocka_unit_test(test_literal_top_level),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_capped),
	};

	return cmocka_run_group_tests_name("yaml-write", tests, NULL, NULL);
}
