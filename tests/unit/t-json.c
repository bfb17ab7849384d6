/*
 * Unit tests for the jansson wrapper: parsing and its caps, dumping, ids,
 * dotted paths and the free-form converters between JSON and YAML trees,
 * and ht_ynode_json_check() held to ht_ynode_to_json()'s verdicts.
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
#include "hightouch/json.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

/* A string with its length, so that cases may hold NUL bytes. */
#define S(lit) lit, sizeof(lit) - 1

/* jansson's allocations, counted (see main()). */
static size_t json_allocs;

static void *counting_malloc(size_t size)
{
	json_allocs++;
	return malloc(size);
}

/*
 * The JSON `v` holds exactly the tree `n`: every item, every key (none
 * lost to a duplicate), every scalar.  ht_ynode_to_json() builds without
 * checking, after ht_ynode_json_check(): this is what holds it to account.
 */
static int holds(const json_t *v, const struct ht_ynode *n)
{
	size_t i;

	switch (n->kind) {
	case HT_YNODE_SEQ:
		if (!json_is_array(v) || json_array_size(v) != n->nitems)
			return 0;
		for (i = 0; i < n->nitems; i++)
			if (!holds(json_array_get(v, i), n->items[i]))
				return 0;
		return 1;
	case HT_YNODE_MAP:
		if (!json_is_object(v) || json_object_size(v) != n->npairs)
			return 0;
		for (i = 0; i < n->npairs; i++) {
			const struct ht_ynode *k = n->pairs[i].key;
			const json_t *item = json_object_getn(v, k->str,
							      k->len);

			if (!item || !holds(item, n->pairs[i].value))
				return 0;
		}
		return 1;
	case HT_YNODE_SCALAR:
		break;
	}
	switch (n->type) {
	case HT_YTYPE_NULL:
		return json_is_null(v);
	case HT_YTYPE_BOOL:
		return json_is_boolean(v) && json_is_true(v) == !!n->b;
	case HT_YTYPE_INT:
		return json_is_integer(v) && json_integer_value(v) == n->i;
	case HT_YTYPE_FLOAT:
		return json_is_real(v) && json_real_value(v) == n->f;
	case HT_YTYPE_STR:
		return json_is_string(v) && json_string_length(v) == n->len &&
		       !memcmp(json_string_value(v), n->str, n->len);
	}
	return 0;
}

/*
 * ht_ynode_json_check() must give ht_ynode_to_json()'s verdict on `n`: the
 * same return code, error message and diag, without allocating any JSON;
 * and what ht_ynode_to_json() accepts, it converts whole.  Returns the code.
 */
static int same_verdict(const struct ht_ynode *n)
{
	struct ht_ydiag a, b;
	char msg[HT_ERROR_MAX];
	json_t *v = NULL;
	size_t before;
	int ra, rb;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ra = ht_ynode_to_json(&v, n, "f.yaml", &a);
	if (!ra)
		assert_true(holds(v, n));
	json_decref(v);
	snprintf(msg, sizeof(msg), "%s", ht_error_message());
	before = json_allocs;
	rb = ht_ynode_json_check(n, "f.yaml", &b);
	assert_int_equal(json_allocs, before);
	assert_int_equal(rb, ra);
	if (ra < 0) {
		assert_string_equal(ht_error_message(), msg);
		if (n) {
			assert_int_equal(b.line, a.line);
			assert_int_equal(b.col, a.col);
			assert_string_equal(b.rule, a.rule);
			assert_string_equal(b.message, a.message);
		}
		/* and without a diag */
		assert_int_equal(ht_ynode_json_check(n, "f.yaml", NULL), ra);
		assert_string_equal(ht_error_message(), msg);
	}
	return ra;
}

static json_t *parse_ok(const char *buf, size_t len)
{
	json_t *v = NULL;
	int ret = ht_json_parse(&v, buf, len, 0, "test");

	if (ret)
		fail_msg("parse of '%s' failed: %s", buf, ht_error_message());
	return v;
}

static void dump_is(const json_t *v, const char *expected)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	assert_int_equal(ht_json_dump(&sb, v), 0);
	assert_string_equal(sb.buf, expected);
	ht_strbuf_release(&sb);
}

static void test_parse_basic(void **state)
{
	json_t *v;

	(void)state;
	v = parse_ok(S("{\"b\":1,\"a\":2.5,\"c\":[true,false,null],"
		       "\"d\":\"x\"}"));
	assert_true(json_is_object(v));
	assert_true(json_is_integer(json_object_get(v, "b")));
	assert_true(json_is_real(json_object_get(v, "a")));
	/* key order is kept */
	dump_is(v, "{\"b\":1,\"a\":2.5,\"c\":[true,false,null],\"d\":\"x\"}");
	json_decref(v);

	/* any value at the top */
	v = parse_ok(S("\"Internal Server Error\""));
	assert_string_equal(json_string_value(v), "Internal Server Error");
	json_decref(v);
	v = parse_ok(S("42"));
	assert_int_equal(json_integer_value(v), 42);
	json_decref(v);
	v = parse_ok(S("1.0"));
	assert_true(json_is_real(v));
	json_decref(v);
	v = parse_ok(S(" null "));
	assert_true(json_is_null(v));
	json_decref(v);

	/* \u0000 inside strings is kept, with the length */
	v = parse_ok(S("\"a\\u0000b\""));
	assert_int_equal(json_string_length(v), 3);
	assert_memory_equal(json_string_value(v), "a\0b", 3);
	json_decref(v);
}

static void test_parse_errors(void **state)
{
	json_t *v = (json_t *)1;

	(void)state;
	assert_int_equal(ht_json_parse(&v, S("{\"a\":1,}"), 0,
				       "response to 'GET /models'"),
			 HT_ESYNTAX);
	assert_null(v);
	assert_non_null(
		strstr(ht_error_message(), "response to 'GET /models': "));
	assert_non_null(strstr(ht_error_message(), "line 1 column"));

	assert_int_equal(ht_json_parse(&v, S(""), 0, NULL), HT_ESYNTAX);
	assert_non_null(strstr(ht_error_message(), "JSON input: "));
	assert_int_equal(ht_json_parse(&v, S("{\"a\":1"), 0, NULL), HT_ESYNTAX);
	assert_int_equal(ht_json_parse(&v, S("[1] [2]"), 0, NULL), HT_ESYNTAX);
	assert_int_equal(ht_json_parse(&v, S("\"\xff\""), 0, NULL), HT_ESYNTAX);
	assert_int_equal(ht_json_parse(&v, S("\"a\0b\""), 0, NULL), HT_ESYNTAX);
	/* duplicate keys are rejected, not resolved */
	assert_int_equal(ht_json_parse(&v, S("{\"id\":1,\"id\":2}"), 0, NULL),
			 HT_ESYNTAX);
	assert_non_null(strstr(ht_error_message(), "duplicate"));
	/* too big for an integer */
	assert_int_equal(ht_json_parse(&v, S("99999999999999999999"), 0, NULL),
			 HT_ESYNTAX);
	assert_null(v);
}

static void test_parse_size_cap(void **state)
{
	json_t *v = NULL;

	(void)state;
	assert_int_equal(ht_json_parse(&v, S("[1,2,3]"), 6, "body"),
			 HT_ETOOBIG);
	assert_null(v);
	assert_string_equal(ht_error_message(),
			    "body: 7 bytes exceed the limit of 6 bytes");
	assert_int_equal(ht_json_parse(&v, S("[1,2,3]"), 7, "body"), 0);
	json_decref(v);
	/* 0: the default cap, which a small document is far under */
	assert_int_equal(ht_json_parse(&v, S("[1,2,3]"), 0, "body"), 0);
	json_decref(v);
	/* the cap is checked before anything is read */
	assert_int_equal(ht_json_parse(&v, "x", (size_t)HT_JSON_MAX_SIZE + 1, 0,
				       "body"),
			 HT_ETOOBIG);
}

static char *nested(size_t depth, char open, char close)
{
	char *s = malloc(2 * depth + 1);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < depth; i++) {
		s[i] = open;
		s[2 * depth - 1 - i] = close;
	}
	s[2 * depth] = '\0';
	return s;
}

static void test_parse_depth_cap(void **state)
{
	char *s;
	json_t *v = NULL;

	(void)state;
	s = nested(HT_JSON_MAX_DEPTH, '[', ']');
	assert_int_equal(ht_json_parse(&v, s, strlen(s), 0, "t"), 0);
	json_decref(v);
	free(s);

	s = nested(HT_JSON_MAX_DEPTH + 1, '[', ']');
	assert_int_equal(ht_json_parse(&v, s, strlen(s), 0, "t"), HT_ETOODEEP);
	assert_string_equal(ht_error_message(),
			    "t: nesting deeper than 64 levels at line 1 "
			    "column 65");
	free(s);

	/* 10,000 levels: refused by the pre-scan, jansson never recurses */
	s = nested(10000, '[', ']');
	assert_int_equal(ht_json_parse(&v, s, strlen(s), 0, "t"), HT_ETOODEEP);
	assert_null(v);
	free(s);

	/* unterminated, too: the scan needs no valid JSON */
	s = nested(10000, '{', '{');
	assert_int_equal(ht_json_parse(&v, s, strlen(s), 0, "t"), HT_ETOODEEP);
	free(s);

	/* brackets inside strings do not count */
	s = malloc(2 * 200 + 10);
	assert_non_null(s);
	strcpy(s, "[\"");
	memset(s + 2, '[', 200);
	strcpy(s + 202, "\\\"{\"]");
	assert_int_equal(ht_json_parse(&v, s, strlen(s), 0, "t"), 0);
	assert_int_equal(json_string_length(json_array_get(v, 0)), 202);
	json_decref(v);
	free(s);
}

static void test_dump(void **state)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	json_t *v;

	(void)state;
	v = parse_ok(S("{\"z\": [1, 2.5, \"\\u00e9\\n\"], \"a\": {}}"));
	dump_is(v, "{\"z\":[1,2.5,\"\xc3\xa9\\n\"],\"a\":{}}");

	/* appends, and a cap leaves the buffer as it was */
	ht_strbuf_init_capped(&sb, 12);
	ht_strbuf_addstr(&sb, "pre:");
	assert_int_equal(ht_json_dump(&sb, v), HT_ETOOBIG);
	assert_string_equal(sb.buf, "pre:");
	ht_strbuf_release(&sb);
	json_decref(v);

	v = json_string("plain");
	dump_is(v, "\"plain\"");
	json_decref(v);
	assert_int_equal(ht_json_dump(&sb, NULL), HT_EINVALID);
}

static void test_get_id(void **state)
{
	json_t *o;
	int64_t id = -1;

	(void)state;
	o = parse_ok(S("{\"int\":12,\"real\":12.0,\"str\":\"12\","
		       "\"zeros\":\"0042\",\"big\":\"9223372036854775807\","
		       "\"null\":null,\"neg\":-1,\"frac\":1.5,"
		       "\"empty\":\"\",\"minus\":\"-1\",\"plus\":\"+1\","
		       "\"space\":\" 1\",\"alpha\":\"12a\",\"dot\":\"1.0\","
		       "\"over\":\"9223372036854775808\",\"bool\":true,"
		       "\"obj\":{},\"hugereal\":1e19,\"zero\":0}"));

	assert_int_equal(ht_json_get_id(&id, o, "int"), 0);
	assert_int_equal(id, 12);
	id = 0;
	assert_int_equal(ht_json_get_id(&id, o, "real"), 0);
	assert_int_equal(id, 12);
	id = 0;
	assert_int_equal(ht_json_get_id(&id, o, "str"), 0);
	assert_int_equal(id, 12);
	assert_int_equal(ht_json_get_id(&id, o, "zeros"), 0);
	assert_int_equal(id, 42);
	assert_int_equal(ht_json_get_id(&id, o, "big"), 0);
	assert_true(id == INT64_MAX);
	assert_int_equal(ht_json_get_id(&id, o, "zero"), 0);
	assert_int_equal(id, 0);

	assert_int_equal(ht_json_get_id(&id, o, "absent"), HT_ENOTFOUND);
	assert_string_equal(ht_error_message(), "field 'absent' is missing");
	assert_int_equal(ht_json_get_id(&id, o, "null"), HT_ENOTFOUND);

	assert_int_equal(ht_json_get_id(&id, o, "neg"), HT_EINVALID);
	assert_int_equal(ht_json_get_id(&id, o, "frac"), HT_EINVALID);
	assert_int_equal(ht_json_get_id(&id, o, "empty"), HT_EINVALID);
	assert_int_equal(ht_json_get_id(&id, o, "minus"), HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "field 'minus': '-1' is not a valid id");
	assert_int_equal(ht_json_get_id(&id, o, "plus"), HT_EINVALID);
	assert_int_equal(ht_json_get_id(&id, o, "space"), HT_EINVALID);
	assert_int_equal(ht_json_get_id(&id, o, "alpha"), HT_EINVALID);
	assert_int_equal(ht_json_get_id(&id, o, "dot"), HT_EINVALID);
	assert_int_equal(ht_json_get_id(&id, o, "over"), HT_EINVALID);
	assert_int_equal(ht_json_get_id(&id, o, "hugereal"), HT_EINVALID);
	assert_int_equal(ht_json_get_id(&id, o, "bool"), HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "field 'bool': an id must be a number or a "
			    "string of digits, got boolean");
	assert_int_equal(ht_json_get_id(&id, o, "obj"), HT_EINVALID);
	/* the value is untouched on failure */
	assert_int_equal(id, 0);

	assert_int_equal(ht_json_get_id(&id, json_array_get(o, 0), "x"),
			 HT_EINVALID);
	assert_int_equal(ht_json_id_value(&id, json_object_get(o, "str")), 0);
	assert_int_equal(id, 12);
	assert_int_equal(ht_json_id_value(&id, json_object_get(o, "null")),
			 HT_ENOTFOUND);
	json_decref(o);
}

static void test_get_string_and_path(void **state)
{
	json_t *o;

	(void)state;
	o = parse_ok(S("{\"name\":\"n\",\"num\":1,"
		       "\"raw\":{\"sql\":\"select 1\","
		       "\"deep\":{\"x\":[1]}},\"flat\":3}"));
	assert_string_equal(ht_json_get_string(o, "name"), "n");
	assert_null(ht_json_get_string(o, "num"));
	assert_null(ht_json_get_string(o, "absent"));
	assert_null(ht_json_get_string(NULL, "name"));

	assert_string_equal(json_string_value(ht_json_get_path(o, "raw.sql")),
			    "select 1");
	assert_true(json_is_array(ht_json_get_path(o, "raw.deep.x")));
	assert_true(json_is_object(ht_json_get_path(o, "raw")));
	assert_null(ht_json_get_path(o, "raw.absent"));
	assert_null(ht_json_get_path(o, "flat.x"));
	assert_null(ht_json_get_path(o, "absent.x"));
	assert_null(ht_json_get_path(o, "raw.sql.x"));
	assert_null(ht_json_get_path(NULL, "raw"));
	json_decref(o);
}

static void test_set_path(void **state)
{
	json_t *o = json_object();

	(void)state;
	assert_int_equal(ht_json_set_path(o, "raw.sql", json_string("s")), 0);
	assert_int_equal(ht_json_set_path(o, "name", json_string("n")), 0);
	assert_int_equal(ht_json_set_path(o, "raw.more", json_true()), 0);
	assert_int_equal(ht_json_set_path(o, "a.b.c", json_integer(1)), 0);
	dump_is(o, "{\"raw\":{\"sql\":\"s\",\"more\":true},\"name\":\"n\","
		   "\"a\":{\"b\":{\"c\":1}}}");
	/* replacing keeps the position */
	assert_int_equal(ht_json_set_path(o, "raw", json_null()), 0);
	dump_is(o, "{\"raw\":null,\"name\":\"n\",\"a\":{\"b\":{\"c\":1}}}");

	/* failures still take the value (no leak under ASan) */
	assert_int_equal(ht_json_set_path(o, "name.x", json_string("v")),
			 HT_EINVALID);
	assert_int_equal(ht_json_set_path(o, "raw.x", json_string("v")),
			 HT_EINVALID);
	assert_int_equal(ht_json_set_path(o, "", json_string("v")),
			 HT_EINVALID);
	assert_int_equal(ht_json_set_path(o, "a..b", json_string("v")),
			 HT_EINVALID);
	assert_int_equal(ht_json_set_path(o, "x", NULL), HT_EINVALID);
	dump_is(o, "{\"raw\":null,\"name\":\"n\",\"a\":{\"b\":{\"c\":1}}}");
	json_decref(o);
}

static void test_json_to_ynode(void **state)
{
	struct ht_ynode *n = NULL;
	json_t *v;

	(void)state;
	v = parse_ok(S("{\"s\":\"a\\u0000b\",\"i\":-7,\"r\":1.0,\"t\":true,"
		       "\"f\":false,\"n\":null,\"l\":[1,[]],\"m\":{}}"));
	assert_int_equal(ht_json_to_ynode(&n, v), 0);
	assert_int_equal(n->kind, HT_YNODE_MAP);
	assert_int_equal(n->npairs, 8);
	assert_string_equal(n->pairs[0].key->str, "s");
	assert_int_equal(n->pairs[0].value->type, HT_YTYPE_STR);
	assert_int_equal(n->pairs[0].value->len, 3);
	assert_memory_equal(n->pairs[0].value->str, "a\0b", 3);
	assert_int_equal(n->pairs[1].value->type, HT_YTYPE_INT);
	assert_true(n->pairs[1].value->i == -7);
	assert_int_equal(n->pairs[2].value->type, HT_YTYPE_FLOAT);
	assert_true(n->pairs[2].value->f == 1.0);
	assert_int_equal(n->pairs[3].value->type, HT_YTYPE_BOOL);
	assert_int_equal(n->pairs[3].value->b, 1);
	assert_int_equal(n->pairs[4].value->b, 0);
	assert_int_equal(n->pairs[5].value->type, HT_YTYPE_NULL);
	assert_int_equal(n->pairs[6].value->kind, HT_YNODE_SEQ);
	assert_int_equal(n->pairs[6].value->nitems, 2);
	assert_int_equal(n->pairs[7].value->kind, HT_YNODE_MAP);
	assert_string_equal(n->pairs[7].key->str, "m");
	ht_ynode_free(n);
	json_decref(v);

	v = json_string("top");
	assert_int_equal(ht_json_to_ynode(&n, v), 0);
	assert_true(ht_ynode_is_str(n, "top"));
	ht_ynode_free(n);
	json_decref(v);
	assert_int_equal(ht_json_to_ynode(&n, NULL), HT_EINVALID);
}

static void test_json_to_ynode_depth(void **state)
{
	struct ht_ynode *n = NULL;
	char *s;
	json_t *v;

	(void)state;
	s = nested(HT_YAML_MAX_DEPTH, '[', ']');
	v = parse_ok(s, strlen(s));
	assert_int_equal(ht_json_to_ynode(&n, v), 0);
	ht_ynode_free(n);
	free(s);

	/* built in memory, past the limit */
	v = json_pack("[o]", v);
	assert_int_equal(ht_json_to_ynode(&n, v), HT_ETOODEEP);
	assert_null(n);
	json_decref(v);
}

static void test_ynode_to_json(void **state)
{
	struct ht_ynode *m = ht_ynode_new_map(), *seq = ht_ynode_new_seq();
	struct ht_ydiag yd;
	json_t *v = NULL;

	(void)state;
	ht_ynode_map_add(m, "s", ht_ynode_new_str("x\0y", 3));
	ht_ynode_map_add(m, "i", ht_ynode_new_int(INT64_MIN));
	ht_ynode_map_add(m, "f", ht_ynode_new_float(0.5));
	ht_ynode_map_add(m, "b", ht_ynode_new_bool(1));
	ht_ynode_map_add(m, "n", ht_ynode_new_null());
	ht_ynode_seq_push(seq, ht_ynode_new_int(1));
	ht_ynode_seq_push(seq, ht_ynode_new_map());
	ht_ynode_map_add(m, "l", seq);
	/* non-string keys become their text */
	ht_ynode_map_add_node(m, ht_ynode_new_int(1), ht_ynode_new_cstr("one"));
	ht_ynode_map_add_node(m, ht_ynode_new_bool(0), ht_ynode_new_null());
	assert_int_equal(ht_ynode_to_json(&v, m, "f.yaml", &yd), 0);
	assert_int_equal(same_verdict(m), 0);
	assert_int_equal(json_string_length(json_object_get(v, "s")), 3);
	assert_memory_equal(json_string_value(json_object_get(v, "s")), "x\0y",
			    3);
	dump_is(json_object_get(v, "l"), "[1,{}]");
	assert_true(json_integer_value(json_object_get(v, "i")) == INT64_MIN);
	assert_true(json_is_real(json_object_get(v, "f")));
	assert_true(json_is_true(json_object_get(v, "b")));
	assert_true(json_is_null(json_object_get(v, "n")));
	assert_string_equal(json_string_value(json_object_get(v, "1")), "one");
	assert_true(json_is_null(json_object_get(v, "false")));
	json_decref(v);
	ht_ynode_free(m);
}

static void test_ynode_to_json_roundtrip(void **state)
{
	struct ht_ynode *n = NULL;
	json_t *v, *back = NULL;

	(void)state;
	v = parse_ok(S("{\"mode\":\"upsert\",\"mappings\":[{\"to\":\"email\","
		       "\"from\":\"EMAIL\",\"type\":\"standard\"}],"
		       "\"n\":{\"x\":1.25e-3,\"y\":-3,\"z\":\"\"},\"\":[]}"));
	assert_int_equal(ht_json_to_ynode(&n, v), 0);
	assert_int_equal(ht_ynode_to_json(&back, n, "f.yaml", NULL), 0);
	assert_int_equal(same_verdict(n), 0);
	assert_true(json_equal(v, back));
	dump_is(back, "{\"mode\":\"upsert\",\"mappings\":[{\"to\":\"email\","
		      "\"from\":\"EMAIL\",\"type\":\"standard\"}],"
		      "\"n\":{\"x\":0.00125,\"y\":-3,\"z\":\"\"},\"\":[]}");
	json_decref(back);
	json_decref(v);
	ht_ynode_free(n);
}

static void test_ynode_to_json_errors(void **state)
{
	struct ht_ynode *m = ht_ynode_new_map(), *bad;
	struct ht_ydiag yd;
	json_t *v = (json_t *)1;

	(void)state;
	bad = ht_ynode_new_float(INFINITY);
	bad->line = 3;
	bad->col = 7;
	ht_ynode_map_add(m, "x", bad);
	assert_int_equal(ht_ynode_to_json(&v, m, "syncs/s.yaml", &yd),
			 HT_EINVALID);
	assert_null(v);
	assert_string_equal(yd.rule, "wrong-type");
	assert_int_equal(yd.line, 3);
	assert_int_equal(yd.col, 7);
	assert_string_equal(yd.message, "'inf' cannot be represented in JSON");
	assert_string_equal(ht_error_message(),
			    "syncs/s.yaml:3:7: 'inf' cannot be represented in "
			    "JSON");
	/* without a diag */
	assert_int_equal(ht_ynode_to_json(&v, m, "syncs/s.yaml", NULL),
			 HT_EINVALID);
	assert_int_equal(same_verdict(m), HT_EINVALID);
	ht_ynode_free(m);

	m = ht_ynode_new_seq();
	ht_ynode_seq_push(m, ht_ynode_new_float(NAN));
	assert_int_equal(ht_ynode_to_json(&v, m, NULL, &yd), HT_EINVALID);
	assert_string_equal(yd.rule, "wrong-type");
	assert_int_equal(same_verdict(m), HT_EINVALID);
	ht_ynode_free(m);

	/* `1:` and '1': one JSON key */
	m = ht_ynode_new_map();
	ht_ynode_map_add_node(m, ht_ynode_new_int(1), ht_ynode_new_null());
	bad = ht_ynode_new_cstr("1");
	bad->line = 2;
	bad->col = 1;
	ht_ynode_map_add_node(m, bad, ht_ynode_new_null());
	assert_int_equal(ht_ynode_to_json(&v, m, "f.yaml", &yd), HT_EINVALID);
	assert_string_equal(yd.rule, "duplicate-key");
	assert_int_equal(yd.line, 2);
	assert_string_equal(yd.message, "duplicate key '1'");
	assert_int_equal(same_verdict(m), HT_EINVALID);
	ht_ynode_free(m);

	/* not UTF-8 (only trees built in memory can hold it) */
	m = ht_ynode_new_str("\xff", 1);
	assert_int_equal(ht_ynode_to_json(&v, m, "f.yaml", &yd), HT_EINVALID);
	assert_string_equal(yd.rule, "yaml-encoding");
	assert_int_equal(same_verdict(m), HT_EINVALID);
	ht_ynode_free(m);

	assert_int_equal(ht_ynode_to_json(&v, NULL, "f.yaml", &yd),
			 HT_EINVALID);
	assert_int_equal(same_verdict(NULL), HT_EINVALID);
}

static void test_ynode_to_json_depth(void **state)
{
	struct ht_ynode *top = ht_ynode_new_seq(), *cur = top;
	struct ht_ydiag yd;
	json_t *v = NULL;
	int i;

	(void)state;
	for (i = 1; i < HT_JSON_MAX_DEPTH; i++) {
		struct ht_ynode *next = ht_ynode_new_seq();

		ht_ynode_seq_push(cur, next);
		cur = next;
	}
	assert_int_equal(ht_ynode_to_json(&v, top, "f", &yd), 0);
	json_decref(v);
	assert_int_equal(same_verdict(top), 0);
	ht_ynode_seq_push(cur, ht_ynode_new_seq());
	assert_int_equal(ht_ynode_to_json(&v, top, "f", &yd), HT_ETOODEEP);
	assert_string_equal(yd.rule, "yaml-depth");
	assert_int_equal(same_verdict(top), HT_ETOODEEP);
	ht_ynode_free(top);
}

/* ht_ynode_json_check() */

/* A node at a position of its own, so that diags tell nodes apart. */
static unsigned next_line;

static struct ht_ynode *at(struct ht_ynode *n)
{
	next_line++;
	n->line = next_line;
	n->col = 1 + next_line % 7;
	return n;
}

static struct ht_ynode *str_at(const char *s, size_t len)
{
	return at(ht_ynode_new_str(s, len));
}

/* Replace the key of pair `i` by a node that is not a scalar. */
static void bad_key(struct ht_ynode *map, size_t i, struct ht_ynode *key)
{
	ht_ynode_free(map->pairs[i].key);
	map->pairs[i].key = key;
}

/* A check of one value: the verdict, and the rule when rejected. */
static void verdict_is(struct ht_ynode *n, int code, const char *rule)
{
	struct ht_ydiag yd;

	assert_int_equal(same_verdict(n), code);
	if (code < 0) {
		assert_int_equal(ht_ynode_json_check(n, "f.yaml", &yd), code);
		assert_string_equal(yd.rule, rule);
	}
	ht_ynode_free(n);
}

static void test_json_check(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		int ok;
	} strings[] = {
		{ S(""), 1 },
		{ S("plain"), 1 },
		{ S("x\0y"), 1 },
		{ S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 1 },
		{ S("\xef\xbf\xbf\xf4\x8f\xbf\xbf"), 1 },
		{ S("\xff"), 0 },
		{ S("\x80"), 0 },
		{ S("\xc0\x80"), 0 },
		{ S("\xc1\xbf"), 0 },
		{ S("\xe0\x80\x80"), 0 },
		{ S("\xed\xa0\x80"), 0 },
		{ S("\xf4\x90\x80\x80"), 0 },
		{ S("\xf5\x80\x80\x80"), 0 },
		{ S("ok\xe2\x82"), 0 },
		{ S("\xe2\x82x"), 0 },
	};
	struct ht_ynode *m, *s;
	size_t i;

	(void)state;
	/* scalars */
	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		assert_int_equal(ht_json_utf8_valid(strings[i].s,
						    strings[i].len),
				 strings[i].ok);
		verdict_is(str_at(strings[i].s, strings[i].len),
			   strings[i].ok ? 0 : HT_EINVALID, "yaml-encoding");
	}
	verdict_is(at(ht_ynode_new_float(INFINITY)), HT_EINVALID, "wrong-type");
	verdict_is(at(ht_ynode_new_float(-INFINITY)), HT_EINVALID,
		   "wrong-type");
	verdict_is(at(ht_ynode_new_float(NAN)), HT_EINVALID, "wrong-type");
	verdict_is(at(ht_ynode_new_float(1e308)), 0, NULL);
	verdict_is(at(ht_ynode_new_int(INT64_MAX)), 0, NULL);
	verdict_is(at(ht_ynode_new_bool(0)), 0, NULL);
	verdict_is(at(ht_ynode_new_null()), 0, NULL);

	/* keys: invalid UTF-8, NUL, not a scalar, the same text twice */
	m = at(ht_ynode_new_map());
	ht_ynode_map_add_node(m, str_at(S("\xff")), at(ht_ynode_new_null()));
	verdict_is(m, HT_EINVALID, "yaml-encoding");
	m = at(ht_ynode_new_map());
	ht_ynode_map_add_node(m, str_at(S("a\0b")), at(ht_ynode_new_null()));
	ht_ynode_map_add_node(m, str_at(S("a\0c")), at(ht_ynode_new_null()));
	ht_ynode_map_add_node(m, str_at(S("a")), at(ht_ynode_new_null()));
	verdict_is(m, 0, NULL);
	m = at(ht_ynode_new_map());
	ht_ynode_map_add_node(m, str_at(S("a\0b")), at(ht_ynode_new_null()));
	ht_ynode_map_add_node(m, str_at(S("a\0b")), at(ht_ynode_new_null()));
	verdict_is(m, HT_EINVALID, "duplicate-key");
	m = at(ht_ynode_new_map());
	ht_ynode_map_add_node(m, str_at(S("k")), at(ht_ynode_new_null()));
	bad_key(m, 0, at(ht_ynode_new_seq()));
	verdict_is(m, HT_EINVALID, "wrong-type");
	m = at(ht_ynode_new_map());
	ht_ynode_map_add_node(m, at(ht_ynode_new_bool(1)),
			      at(ht_ynode_new_null()));
	ht_ynode_map_add_node(m, str_at(S("true")), at(ht_ynode_new_null()));
	verdict_is(m, HT_EINVALID, "duplicate-key");

	/* the first problem in document order, as the conversion meets it */
	m = at(ht_ynode_new_map());
	ht_ynode_map_add_node(m, str_at(S("a")),
			      at(ht_ynode_new_float(INFINITY)));
	ht_ynode_map_add_node(m, str_at(S("a")), at(ht_ynode_new_null()));
	verdict_is(m, HT_EINVALID, "wrong-type");
	m = at(ht_ynode_new_map());
	ht_ynode_map_add_node(m, str_at(S("a")), at(ht_ynode_new_null()));
	ht_ynode_map_add_node(m, str_at(S("a")),
			      at(ht_ynode_new_float(INFINITY)));
	verdict_is(m, HT_EINVALID, "duplicate-key");
	/* a key's text is checked after its value */
	m = at(ht_ynode_new_map());
	ht_ynode_map_add_node(m, str_at(S("\xff")), str_at(S("\xfe")));
	verdict_is(m, HT_EINVALID, "yaml-encoding");
	m = at(ht_ynode_new_map());
	ht_ynode_map_add_node(m, str_at(S("\xff")),
			      at(ht_ynode_new_float(NAN)));
	verdict_is(m, HT_EINVALID, "wrong-type");

	/* big mappings (duplicates found by sorting) */
	for (i = 0; i < 4; i++) {
		size_t j;

		m = at(ht_ynode_new_map());
		for (j = 0; j < 100; j++) {
			char key[16];

			/* keys 70 and 90 repeat those of 0 and 20 */
			snprintf(key, sizeof(key), "k%zu", j % 70 % 90);
			if (j == 40 && i == 1)
				s = at(ht_ynode_new_float(NAN));
			else
				s = at(ht_ynode_new_int((int64_t)j));
			ht_ynode_map_add_node(m, str_at(key, strlen(key)), s);
		}
		if (i == 2)
			bad_key(m, 60, at(ht_ynode_new_map()));
		if (i == 3)
			bad_key(m, 90, at(ht_ynode_new_map()));
		verdict_is(m, HT_EINVALID,
			   i == 1 ? "wrong-type" :
			   i == 2 ? "wrong-type" :
				    "duplicate-key");
	}
}

/* A small deterministic generator (xorshift32). */
static uint32_t rng = 2463534242u;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % n;
}

static struct ht_ynode *random_scalar(void)
{
	static const struct {
		const char *s;
		size_t len;
	} texts[] = {
		{ S("a") },	   { S("b") },	  { S("1") },
		{ S("true") },	   { S("") },	  { S("x\0y") },
		{ S("\xc3\xa9") }, { S("\xff") }, { S("\xed\xa0\x80") },
	};
	uint32_t t = rnd(40);
	size_t k;

	if (t < 2)
		return at(ht_ynode_new_float(t ? INFINITY : NAN));
	if (t < 6)
		return at(ht_ynode_new_int(rnd(3)));
	if (t < 8)
		return at(ht_ynode_new_bool((int)rnd(2)));
	if (t < 10)
		return at(ht_ynode_new_null());
	if (t < 12)
		return at(ht_ynode_new_float(0.5));
	/* invalid UTF-8 rarely, so that deeper problems are reached */
	k = rnd(sizeof(texts) / sizeof(texts[0]));
	if (k >= 7 && rnd(4))
		k = rnd(7);
	return str_at(texts[k].s, texts[k].len);
}

static struct ht_ynode *random_key(void)
{
	char key[8];

	if (!rnd(12))
		return random_scalar();
	snprintf(key, sizeof(key), "k%u", (unsigned)rnd(40));
	return str_at(key, strlen(key));
}

static struct ht_ynode *random_tree(int depth, int max)
{
	struct ht_ynode *n;
	size_t i, nr;

	if (depth >= max || !rnd(3))
		return random_scalar();
	if (rnd(2)) {
		n = at(ht_ynode_new_seq());
		nr = rnd(4);
		for (i = 0; i < nr; i++)
			ht_ynode_seq_push(n, random_tree(depth + 1, max));
		return n;
	}
	n = at(ht_ynode_new_map());
	nr = rnd(10) ? rnd(5) : 20 + rnd(30);
	for (i = 0; i < nr; i++)
		ht_ynode_map_add_node(n, random_key(),
				      random_tree(depth + 1, max));
	if (nr && !rnd(40))
		bad_key(n, rnd((uint32_t)nr), at(ht_ynode_new_seq()));
	return n;
}

static void test_json_check_random(void **state)
{
	size_t i, ok = 0, rejected = 0, deep = 0;

	(void)state;
	for (i = 0; i < 3000; i++) {
		struct ht_ynode *top, *cur;
		int ret, j, chain = 0;

		/* some trees sit at the bottom of a chain near the limit */
		if (!rnd(8))
			chain = HT_JSON_MAX_DEPTH - 4 + (int)rnd(5);
		top = cur = chain ? at(ht_ynode_new_seq()) : NULL;
		for (j = 1; j < chain; j++) {
			struct ht_ynode *next = at(ht_ynode_new_seq());

			ht_ynode_seq_push(cur, next);
			cur = next;
		}
		if (cur)
			ht_ynode_seq_push(cur, random_tree(0, 4));
		else
			top = random_tree(0, 6);
		ret = same_verdict(top);
		ok += ret == 0;
		rejected += ret < 0;
		deep += ret == HT_ETOODEEP;
		ht_ynode_free(top);
	}
	/* the generator reaches both verdicts, and the depth limit */
	assert_true(ok > 300);
	assert_true(rejected > 300);
	assert_true(deep > 10);
}

static void brief_is(const char *json, size_t max, const char *expected)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);

	assert_non_null(v);
	ht_json_brief(&sb, v, max);
	assert_string_equal(sb.buf, expected);
	json_decref(v);
	ht_strbuf_release(&sb);
}

static void test_brief(void **state)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	(void)state;
	/* short: as is, compact, keys in order */
	brief_is("\"Users\"", 60, "\"Users\"");
	brief_is("{\"b\": 1, \"a\": [true, null]}", 60,
		 "{\"b\":1,\"a\":[true,null]}");
	brief_is("12", 60, "12");
	/* exactly max characters: as is */
	brief_is("\"abcdefgh\"", 10, "\"abcdefgh\"");
	/* longer: max - 1 characters, an ellipsis, the quote closed */
	brief_is("\"abcdefghi\"", 10, "\"abcdefgh\xe2\x80\xa6\"");
	brief_is("{\"type\":\"interval\"}", 10,
		 "{\"type\":\"\xe2\x80\xa6");
	/* newlines are escapes, one line, never cut in two */
	brief_is("\"SELECT *\\nFROM users\"", 60,
		 "\"SELECT *\\nFROM users\"");
	brief_is("\"abcdef\\nxyz\"", 9, "\"abcdef\\n\xe2\x80\xa6\"");
	brief_is("\"abcdefg\\nxyz\"", 9, "\"abcdefg\xe2\x80\xa6\"");
	brief_is("\"abcdef\\u0001xyz\"", 9,
		 "\"abcdef\\u0001\xe2\x80\xa6\"");
	/* a character of several bytes is one, and whole */
	brief_is("\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"",
		 8, "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6\"");
	/* below 8: 8 */
	brief_is("\"abcdefghijkl\"", 2, "\"abcdef\xe2\x80\xa6\"");
	/* appended */
	ht_strbuf_addstr(&sb, "x: ");
	ht_json_brief(&sb, NULL, 60);
	assert_string_equal(sb.buf, "x: ?");
	ht_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_size_cap),
		cmocka_unit_test(test_parse_depth_cap),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_brief),
		cmocka_unit_test(test_get_id),
		cmocka_unit_test(test_get_string_and_path),
		cmocka_unit_test(test_set_path),
		cmocka_unit_test(test_json_to_ynode),
		cmocka_unit_test(test_json_to_ynode_depth),
		cmocka_unit_test(test_ynode_to_json),
		cmocka_unit_test(test_ynode_to_json_roundtrip),
		cmocka_unit_test(test_ynode_to_json_errors),
		cmocka_unit_test(test_ynode_to_json_depth),
		cmocka_unit_test(test_json_check),
		cmocka_unit_test(test_json_check_random),
	};

	/* count jansson's allocations (same_verdict()) */
	json_set_alloc_funcs(counting_malloc, free);

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
