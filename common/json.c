/*
 * JSON: the one wrapper around jansson (see json.h).  jansson's NULL/-1
 * conventions stop in this file.
 *
 * Parsing decisions:
 *  - Duplicate object keys are rejected (JSON_REJECT_DUPLICATES): the API
 *    never sends them, and silently keeping one of two values would make a
 *    fetch depend on which one jansson keeps.
 *  - "\u0000" is allowed inside strings (JSON_ALLOW_NUL); every consumer is
 *    length-aware.  jansson itself still refuses it inside object keys.
 *  - The nesting depth is checked by a linear pre-scan of the text before
 *    jansson sees it, so that a deeply nested document is refused in time
 *    proportional to HT_JSON_MAX_DEPTH, never by recursion in jansson.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/utf8.h"

#define JSON_PARSE_FLAGS                                                       \
	(JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

/* 2^63 as a double: the first value that does not fit in int64_t. */
#define TWO_POW_63 9223372036854775808.0

static const char *what_or_default(const char *what)
{
	return what && *what ? what : "JSON input";
}

/*
 * Find the first bracket that nests deeper than HT_JSON_MAX_DEPTH, outside
 * strings.  Returns 1 and its line and column (1-based, in bytes) if there
 * is one, else 0.  Malformed text is left for jansson to report.
 */
static int too_deep(unsigned *line_out, unsigned *col_out, const char *buf,
		    size_t len)
{
	unsigned line = 1, col = 0;
	int in_string = 0, escaped = 0;
	size_t depth = 0, i;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		col++;
		if (c == '\n') {
			line++;
			col = 0;
		}
		if (in_string) {
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		switch (c) {
		case '"':
			in_string = 1;
			break;
		case '[':
		case '{':
			if (++depth > HT_JSON_MAX_DEPTH) {
				*line_out = line;
				*col_out = col;
				return 1;
			}
			break;
		case ']':
		case '}':
			if (depth)
				depth--;
			break;
		default:
			break;
		}
	}
	return 0;
}

int ht_json_parse(json_t **out, const char *buf, size_t len, size_t max,
		  const char *what)
{
	json_error_t err;
	unsigned line, col;
	json_t *v;

	*out = NULL;
	what = what_or_default(what);
	if (!max)
		max = HT_JSON_MAX_SIZE;
	if (len > max)
		return ht_error_set(HT_ETOOBIG,
				    "%s: %zu bytes exceed the limit of "
				    "%zu bytes",
				    what, len, max);
	if (too_deep(&line, &col, buf, len))
		return ht_error_set(HT_ETOODEEP,
				    "%s: nesting deeper than %d levels "
				    "at line %u column %u",
				    what, HT_JSON_MAX_DEPTH, line, col);
	v = json_loadb(buf, len, JSON_PARSE_FLAGS, &err);
	if (!v)
		return ht_error_set(HT_ESYNTAX, "%s: %s at line %d column %d",
				    what, err.text, err.line, err.column);
	*out = v;
	return 0;
}

struct dump_state {
	struct ht_strbuf *out;
	int err;
};

static int dump_cb(const char *buf, size_t size, void *data)
{
	struct dump_state *st = data;
	int ret = ht_strbuf_add(st->out, buf, size);

	if (ret < 0) {
		st->err = ret;
		return -1;
	}
	return 0;
}

int ht_json_dump(struct ht_strbuf *out, const json_t *v)
{
	struct dump_state st;
	size_t orig = out->len;

	st.out = out;
	st.err = 0;
	if (!v)
		return ht_error_set(HT_EINVALID, "no JSON value to write");
	if (json_dump_callback(v, dump_cb, &st,
			       JSON_COMPACT | JSON_ENCODE_ANY |
				       JSON_PRESERVE_ORDER)) {
		ht_strbuf_setlen(out, orig);
		/* the strbuf set the message when it hit its cap */
		if (st.err)
			return st.err;
		return ht_error_set(HT_EINVALID, "cannot write JSON value");
	}
	return 0;
}

/* The length of the escape at `s` (a backslash) in JSON text. */
static size_t escape_len(const char *s, size_t left)
{
	size_t n = s[1] == 'u' ? 6 : 2;

	/* a surrogate pair is one character */
	if (n == 6 && left >= 12 && (s[2] == 'd' || s[2] == 'D') && s[3] &&
	    strchr("89abAB", s[3]) && s[6] == '\\' && s[7] == 'u')
		n = 12;
	return n < left ? n : left;
}

void ht_json_brief(struct ht_strbuf *out, const json_t *v, size_t max)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i = 0, chars = 0, cut = 0, n;

	if (max < 8)
		max = 8;
	if (!v || ht_json_dump(&sb, v) < 0) {
		ht_error_clear();
		ht_strbuf_addstr(out, "?");
		goto cleanup;
	}
	/* the end of the first max - 1 characters, or of the text */
	while (i < sb.len) {
		if (sb.buf[i] == '\\')
			n = escape_len(sb.buf + i, sb.len - i);
		else
			for (n = 1; i + n < sb.len &&
				    ((unsigned char)sb.buf[i + n] & 0xc0) == 0x80;
			     n++)
				;
		if (chars == max - 1)
			cut = i;
		chars++;
		i += n;
	}
	if (chars <= max) {
		ht_strbuf_add(out, sb.buf, sb.len);
		goto cleanup;
	}
	ht_strbuf_add(out, sb.buf, cut);
	ht_strbuf_addstr(out, "\xe2\x80\xa6"); /* … */
	if (json_is_string(v))
		ht_strbuf_addch(out, '"');
cleanup:
	ht_strbuf_release(&sb);
}

const char *ht_json_type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "value";
}

/* A non-empty string of ASCII digits that fits in int64_t. */
static int parse_digits(int64_t *out, const char *s, size_t len)
{
	int64_t v = 0;
	size_t i;

	if (!len)
		return -1;
	for (i = 0; i < len; i++) {
		int d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = s[i] - '0';
		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int ht_json_id_value(int64_t *out, const json_t *v)
{
	double d;

	switch (json_typeof(v)) {
	case JSON_NULL:
		return ht_error_set(HT_ENOTFOUND, "id is null");
	case JSON_INTEGER:
		if (json_integer_value(v) < 0)
			break;
		*out = json_integer_value(v);
		return 0;
	case JSON_REAL:
		d = json_real_value(v);
		if (!(d >= 0.0 && d < TWO_POW_63) || (double)(int64_t)d != d)
			break;
		*out = (int64_t)d;
		return 0;
	case JSON_STRING:
		if (parse_digits(out, json_string_value(v),
				 json_string_length(v)) < 0)
			return ht_error_set(HT_EINVALID,
					    "'%s' is not a valid id",
					    json_string_value(v));
		return 0;
	default:
		return ht_error_set(HT_EINVALID,
				    "an id must be a number or "
				    "a string of digits, got %s",
				    ht_json_type_name(v));
	}
	return ht_error_set(HT_EINVALID,
			    "an id must be a non-negative whole number");
}

int ht_json_get_id(int64_t *out, const json_t *obj, const char *key)
{
	const json_t *v;
	int ret;

	if (!json_is_object(obj))
		return ht_error_set(HT_EINVALID,
				    "cannot read id '%s' from a JSON %s", key,
				    ht_json_type_name(obj));
	v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return ht_error_set(HT_ENOTFOUND, "field '%s' is missing", key);
	ret = ht_json_id_value(out, v);
	if (ret < 0) {
		char why[HT_ERROR_MAX];

		snprintf(why, sizeof(why), "%s", ht_error_message());
		return ht_error_set(ret, "field '%s': %s", key, why);
	}
	return 0;
}

const char *ht_json_get_string(const json_t *obj, const char *key)
{
	const json_t *v = json_is_object(obj) ? json_object_get(obj, key) :
						NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *ht_json_get_path(const json_t *obj, const char *path)
{
	json_t *cur = (json_t *)obj;
	const char *p = path;

	while (cur) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (!json_is_object(cur))
			return NULL;
		cur = json_object_getn(cur, p, n);
		if (!dot)
			return cur;
		p = dot + 1;
	}
	return NULL;
}

int ht_json_set_path(json_t *obj, const char *path, json_t *value)
{
	json_t *cur = obj;
	const char *p = path;
	int ret = 0;

	if (!value)
		return ht_error_set(HT_EINVALID, "no value to set at '%s'",
				    path);
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		json_t *next;

		if (!json_is_object(cur) || !n) {
			ret = ht_error_set(HT_EINVALID,
					   "cannot set '%s': a step is not "
					   "an object",
					   path);
			goto cleanup;
		}
		if (!dot) {
			if (json_object_setn_new(cur, p, n, value)) {
				value = NULL;
				ret = ht_error_set(HT_EINVALID,
						   "cannot set '%s'", path);
			}
			return ret;
		}
		next = json_object_getn(cur, p, n);
		if (!next) {
			next = json_object();
			if (!next || json_object_setn_new(cur, p, n, next)) {
				ret = ht_error_set(HT_EINVALID,
						   "cannot set '%s'", path);
				goto cleanup;
			}
		}
		cur = next;
		p = dot + 1;
	}
cleanup:
	json_decref(value);
	return ret;
}

size_t ht_json_path_push(struct ht_strbuf *path, const char *name)
{
	size_t mark = path->len;

	if (path->len)
		ht_strbuf_addch(path, '.');
	ht_strbuf_addstr(path, name);
	return mark;
}

size_t ht_json_path_push_index(struct ht_strbuf *path, size_t i)
{
	size_t mark = path->len;

	ht_strbuf_addf(path, "[%zu]", i);
	return mark;
}

/* JSON -> YAML */

static int to_ynode(struct ht_ynode **out, const json_t *v, int depth)
{
	struct ht_ynode *n = NULL;
	int ret = 0;

	*out = NULL;
	switch (json_typeof(v)) {
	case JSON_NULL:
		n = ht_ynode_new_null();
		break;
	case JSON_TRUE:
		n = ht_ynode_new_bool(1);
		break;
	case JSON_FALSE:
		n = ht_ynode_new_bool(0);
		break;
	case JSON_INTEGER:
		n = ht_ynode_new_int(json_integer_value(v));
		break;
	case JSON_REAL:
		n = ht_ynode_new_float(json_real_value(v));
		break;
	case JSON_STRING:
		n = ht_ynode_new_str(json_string_value(v),
				     json_string_length(v));
		break;
	case JSON_ARRAY: {
		size_t i;

		if (depth >= HT_YAML_MAX_DEPTH)
			goto too_deep;
		n = ht_ynode_new_seq();
		for (i = 0; i < json_array_size(v); i++) {
			struct ht_ynode *item;

			ret = to_ynode(&item, json_array_get(v, i), depth + 1);
			if (ret < 0)
				goto cleanup;
			ht_ynode_seq_push(n, item);
		}
		break;
	}
	case JSON_OBJECT: {
		void *it;

		if (depth >= HT_YAML_MAX_DEPTH)
			goto too_deep;
		n = ht_ynode_new_map();
		for (it = json_object_iter((json_t *)v); it;
		     it = json_object_iter_next((json_t *)v, it)) {
			struct ht_ynode *item;

			ret = to_ynode(&item, json_object_iter_value(it),
				       depth + 1);
			if (ret < 0)
				goto cleanup;
			ht_ynode_map_add_node(
				n,
				ht_ynode_new_str(json_object_iter_key(it),
						 json_object_iter_key_len(it)),
				item);
		}
		break;
	}
	}
	*out = n;
	return 0;

too_deep:
	ret = ht_error_set(HT_ETOODEEP,
			   "JSON value nests deeper than %d levels",
			   HT_YAML_MAX_DEPTH);
cleanup:
	ht_ynode_free(n);
	return ret;
}

int ht_json_to_ynode(struct ht_ynode **out, const json_t *v)
{
	if (!v) {
		*out = NULL;
		return ht_error_set(HT_EINVALID, "no JSON value to convert");
	}
	return to_ynode(out, v, 0);
}

/* YAML -> JSON */

/* The messages of ht_ynode_json_check(), which ht_ynode_to_json() runs. */
#define NOT_FINITE "'%s' cannot be represented in JSON"
#define STR_NOT_UTF8 "string is not valid UTF-8"
#define TOO_DEEP "nesting deeper than %d levels"
#define KEY_NOT_SCALAR "a key must be a string, got %s"
#define DUP_KEY "duplicate key '%s'"
#define BAD_KEY "key '%s' cannot be a JSON key"

struct to_json {
	const char *path;
	struct ht_ydiag *diag;
};

static int reject(struct to_json *c, int code, const struct ht_ynode *at,
		  const char *rule, const char *fmt, ...) HT_PRINTF(5, 6);

static int reject(struct to_json *c, int code, const struct ht_ynode *at,
		  const char *rule, const char *fmt, ...)
{
	struct ht_ydiag local;
	struct ht_ydiag *d = c->diag;
	va_list ap;

	if (!d) {
		memset(&local, 0, sizeof(local));
		d = &local;
	}
	d->line = at->line;
	d->col = at->col;
	d->rule = rule;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
	return ht_error_set(code, "%s:%u:%u: %s", c->path, d->line, d->col,
			    d->message);
}

static json_t *scalar_to_json(const struct ht_ynode *n)
{
	switch (n->type) {
	case HT_YTYPE_NULL:
		return json_null();
	case HT_YTYPE_BOOL:
		return json_boolean(n->b);
	case HT_YTYPE_INT:
		return json_integer(n->i);
	case HT_YTYPE_FLOAT:
		return json_real(n->f);
	case HT_YTYPE_STR:
		return json_stringn(n->str ? n->str : "", n->len);
	}
	return NULL;
}

static int check_ynode(const struct ht_ynode *n, struct to_json *c,
		       int depth);

/*
 * The JSON of a tree check_ynode() accepted: nothing can fail but memory,
 * which is fatal.
 */
static json_t *from_ynode(const struct ht_ynode *n)
{
	json_t *v = NULL;
	size_t i;

	switch (n->kind) {
	case HT_YNODE_SCALAR:
		v = scalar_to_json(n);
		break;
	case HT_YNODE_SEQ:
		v = json_array();
		for (i = 0; v && i < n->nitems; i++)
			json_array_append_new(v, from_ynode(n->items[i]));
		break;
	case HT_YNODE_MAP:
		/*
		 * Keys are text: a plain `1:` or `true:` becomes the key "1"
		 * or "true", as written.
		 */
		v = json_object();
		for (i = 0; v && i < n->npairs; i++) {
			const struct ht_ynode *k = n->pairs[i].key;

			json_object_setn_new(v, k->str ? k->str : "", k->len,
					     from_ynode(n->pairs[i].value));
		}
		break;
	}
	if (!v)
		HT_BUG("cannot build the JSON of a checked YAML value");
	return v;
}

int ht_ynode_to_json(json_t **out, const struct ht_ynode *n, const char *path,
		     struct ht_ydiag *diag)
{
	int ret;

	*out = NULL;
	ret = ht_ynode_json_check(n, path, diag);
	if (ret < 0)
		return ret;
	*out = from_ynode(n);
	return 0;
}

/* YAML -> nothing: what JSON cannot hold, found without building it */

int ht_json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		n = ht_utf8_decode(u + i, len - i, &cp);
		if (!n)
			return 0;
		i += n;
	}
	return 1;
}

/* A key's bytes as from_ynode() gives them to jansson. */
static const char *key_str(const struct ht_ynode *k)
{
	return k->str ? k->str : "";
}

static int same_key(const struct ht_ynode *a, const struct ht_ynode *b)
{
	return a->len == b->len && !memcmp(key_str(a), key_str(b), a->len);
}

/* Up to this many pairs, duplicates are looked for pair by pair. */
#define SMALL_MAP 32

static int cmp_pair_key(const void *va, const void *vb)
{
	const struct ht_ypair *a = *(const struct ht_ypair *const *)va;
	const struct ht_ypair *b = *(const struct ht_ypair *const *)vb;
	size_t n = a->key->len < b->key->len ? a->key->len : b->key->len;
	int c = memcmp(key_str(a->key), key_str(b->key), n);

	if (c)
		return c;
	if (a->key->len != b->key->len)
		return a->key->len < b->key->len ? -1 : 1;
	/* the pairs are one array: document order */
	return a < b ? -1 : a > b;
}

/*
 * The index of the first pair of a big mapping whose (scalar) key an
 * earlier pair already has, or n->npairs, in O(n log n) rather than
 * O(n^2).
 */
static size_t first_duplicate(const struct ht_ynode *n)
{
	const struct ht_ypair **p;
	size_t nr = 0, i, first = n->npairs;

	p = ht_xmalloc(ht_st_mult(n->npairs, sizeof(*p)));
	for (i = 0; i < n->npairs; i++)
		if (n->pairs[i].key->kind == HT_YNODE_SCALAR)
			p[nr++] = &n->pairs[i];
	if (nr)
		qsort(p, nr, sizeof(*p), cmp_pair_key);
	for (i = 1; i < nr; i++) {
		size_t at = (size_t)(p[i] - n->pairs);

		/* a run's later pairs repeat its first one */
		if (same_key(p[i - 1]->key, p[i]->key) && at < first)
			first = at;
	}
	free(p);
	return first;
}

/* Whether pair `i` of `n` repeats the key of an earlier pair. */
static int is_duplicate(const struct ht_ynode *n, size_t i, size_t first_dup)
{
	size_t j;

	if (n->npairs > SMALL_MAP)
		return i == first_dup;
	for (j = 0; j < i; j++)
		if (same_key(n->pairs[j].key, n->pairs[i].key))
			return 1;
	return 0;
}

static int check_ynode(const struct ht_ynode *n, struct to_json *c, int depth)
{
	size_t i, first_dup = 0;
	int ret;

	switch (n->kind) {
	case HT_YNODE_SCALAR:
		if (n->type == HT_YTYPE_FLOAT && !isfinite(n->f))
			return reject(c, HT_EINVALID, n, "wrong-type",
				      NOT_FINITE, n->str ? n->str : ".nan");
		if (n->type == HT_YTYPE_STR &&
		    !ht_json_utf8_valid(key_str(n), n->len))
			return reject(c, HT_EINVALID, n, "yaml-encoding",
				      STR_NOT_UTF8);
		break;
	case HT_YNODE_SEQ:
		if (depth >= HT_JSON_MAX_DEPTH)
			return reject(c, HT_ETOODEEP, n, "yaml-depth", TOO_DEEP,
				      HT_JSON_MAX_DEPTH);
		for (i = 0; i < n->nitems; i++) {
			ret = check_ynode(n->items[i], c, depth + 1);
			if (ret < 0)
				return ret;
		}
		break;
	case HT_YNODE_MAP:
		if (depth >= HT_JSON_MAX_DEPTH)
			return reject(c, HT_ETOODEEP, n, "yaml-depth", TOO_DEEP,
				      HT_JSON_MAX_DEPTH);
		if (n->npairs > SMALL_MAP)
			first_dup = first_duplicate(n);
		for (i = 0; i < n->npairs; i++) {
			const struct ht_ynode *k = n->pairs[i].key;

			/* key, value, key text: the first failure is reported */
			if (k->kind != HT_YNODE_SCALAR)
				return reject(c, HT_EINVALID, k, "wrong-type",
					      KEY_NOT_SCALAR,
					      ht_ynode_type_name(k));
			if (is_duplicate(n, i, first_dup))
				return reject(c, HT_EINVALID, k,
					      "duplicate-key", DUP_KEY,
					      key_str(k));
			ret = check_ynode(n->pairs[i].value, c, depth + 1);
			if (ret < 0)
				return ret;
			if (!ht_json_utf8_valid(key_str(k), k->len))
				return reject(c, HT_EINVALID, k,
					      "yaml-encoding", BAD_KEY,
					      key_str(k));
		}
		break;
	}
	return 0;
}

int ht_ynode_json_check(const struct ht_ynode *n, const char *path,
			struct ht_ydiag *diag)
{
	struct to_json c;

	c.path = path ? path : "<yaml>";
	c.diag = diag;
	if (!n)
		return ht_error_set(HT_EINVALID, "no YAML value to convert");
	return check_ynode(n, &c, 0);
}
