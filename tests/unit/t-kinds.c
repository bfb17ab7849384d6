/*
 * Unit tests for the kinds table: its consistency, slugs, paths, and every
 * validation rule of ht_kind_from_yaml() with its exact findings (rule,
 * position, message), and the errors of ht_kind_to_yaml().
 *
 * Every conversion is also run without `out` (validate only), which must
 * give the same findings and return code without allocating any JSON
 * (jansson's allocations are counted); so are the API fixtures and every
 * YAML file of the check fixtures, read as each kind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "hightouch/alloc.h"
#include "hightouch/diag.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/kinds.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

/* A tiny workspace: ids <-> slugs. */
static const struct {
	enum ht_kind kind;
	int64_t id;
	const char *slug;
} workspace[] = {
	{ HT_KIND_SOURCE, 1, "snowflake" },
	{ HT_KIND_DESTINATION, 1, "hubspot" },
	{ HT_KIND_MODEL, 1, "users" },
	{ HT_KIND_MODEL, 2, "accounts" },
};
#define NWORKSPACE (sizeof(workspace) / sizeof(workspace[0]))

static int slug_of(const char **slug_out, enum ht_kind kind, int64_t id,
		   void *payload)
{
	size_t i;

	(void)payload;
	for (i = 0; i < NWORKSPACE; i++)
		if (workspace[i].kind == kind && workspace[i].id == id) {
			*slug_out = workspace[i].slug;
			return 0;
		}
	return HT_ENOTFOUND;
}

static int id_of(int64_t *id_out, enum ht_kind kind, const char *slug,
		 void *payload)
{
	size_t i;

	if (payload && !strcmp(slug, "network-down"))
		return ht_error_set(HT_ENET, "cannot reach the server");
	for (i = 0; i < NWORKSPACE; i++)
		if (workspace[i].kind == kind &&
		    !strcmp(workspace[i].slug, slug)) {
			*id_out = workspace[i].id;
			return 0;
		}
	return HT_ENOTFOUND;
}

static const struct ht_resolver resolver = { slug_of, id_of, NULL,
					     NULL };
static int failing_payload;
static const struct ht_resolver failing_resolver = { slug_of, id_of,
						     &failing_payload, NULL };

/*
 * Expected findings.  `sev` is 'E' or 'W'.
 */
struct want {
	char sev;
	const char *rule;
	unsigned line, col;
	const char *message;
};

#define NO_FINDINGS ((const struct want *)NULL), 0
#define FINDINGS(...)                                                         \
	((const struct want[]){ __VA_ARGS__ }),                               \
	sizeof((const struct want[]){ __VA_ARGS__ }) / sizeof(struct want)

static void print_diags(const struct ht_diags *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		struct ht_strbuf sb = HT_STRBUF_INIT;

		ht_diag_format(&sb, &d->items[i]);
		print_message("  %s\n", sb.buf);
		ht_strbuf_release(&sb);
	}
}

/* jansson's allocations, counted (see main()). */
static size_t json_allocs;

static void *counting_malloc(size_t size)
{
	json_allocs++;
	return malloc(size);
}

/*
 * ht_kind_from_yaml() without `out` must give what a conversion gave:
 * return code `want_ret`, error message `want_msg` (when it failed) and the
 * findings `want`, in order; and it must not allocate any JSON.
 */
static void same_when_validating(enum ht_kind kind, const char *slug,
				 const struct ht_ynode *doc,
				 const struct ht_resolver *r, const char *path,
				 int want_ret, const char *want_msg,
				 const struct ht_diags *want)
{
	struct ht_diags d = HT_DIAGS_INIT;
	size_t before = json_allocs, i;
	int ret;

	ret = ht_kind_from_yaml(NULL, kind, slug, doc, r, path, &d);
	if (json_allocs != before)
		fail_msg("%s as %s: validating allocated %zu JSON values", path,
			 ht_kind_info(kind)->name, json_allocs - before);
	if (ret != want_ret)
		fail_msg("%s as %s: validating returned %d, converting %d",
			 path, ht_kind_info(kind)->name, ret, want_ret);
	if (ret < 0 && strcmp(ht_error_message(), want_msg))
		fail_msg("%s as %s: validating failed with '%s', converting "
			 "with '%s'",
			 path, ht_kind_info(kind)->name, ht_error_message(),
			 want_msg);
	if (d.nr != want->nr || d.nerrors != want->nerrors ||
	    d.nwarnings != want->nwarnings) {
		print_diags(want);
		print_diags(&d);
		fail_msg("%s as %s: validating gave %zu findings, converting "
			 "%zu",
			 path, ht_kind_info(kind)->name, d.nr, want->nr);
	}
	for (i = 0; i < d.nr; i++) {
		const struct ht_diag *a = &want->items[i], *b = &d.items[i];

		if (a->severity != b->severity || a->line != b->line ||
		    a->col != b->col || strcmp(a->rule, b->rule) ||
		    strcmp(a->message, b->message) ||
		    strcmp(a->path, b->path)) {
			print_diags(want);
			print_diags(&d);
			fail_msg("%s as %s: finding %zu differs", path,
				 ht_kind_info(kind)->name, i);
		}
	}
	ht_diags_release(&d);
}

/*
 * Convert `doc` both ways and compare (see same_when_validating()).  The
 * JSON is returned (NULL when the conversion failed), the findings are in
 * `d`.
 */
static json_t *both_ways(int *ret_out, enum ht_kind kind, const char *slug,
			 const struct ht_ynode *doc,
			 const struct ht_resolver *r, const char *path,
			 struct ht_diags *d)
{
	char msg[HT_ERROR_MAX];
	json_t *out = NULL;
	int ret;

	ret = ht_kind_from_yaml(&out, kind, slug, doc, r, path, d);
	snprintf(msg, sizeof(msg), "%s", ret < 0 ? ht_error_message() : "");
	if ((ret < 0) != !out)
		fail_msg("%s as %s: returned %d with%s a result", path,
			 ht_kind_info(kind)->name, ret, out ? "" : "out");
	same_when_validating(kind, slug, doc, r, path, ret, msg, d);
	/* what the conversion set, for the caller */
	if (ret < 0)
		ht_error_set(ret, "%s", msg);
	*ret_out = ret;
	return out;
}

/*
 * Parse `yaml`, convert it as `kind` with `slug`, and compare the findings
 * with `w` in order.  Returns the JSON (NULL when the conversion failed,
 * which must be exactly when an error was expected).
 */
static json_t *run(enum ht_kind kind, const char *slug, const char *yaml,
		   const struct ht_resolver *r, const struct want *w,
		   size_t nw)
{
	struct ht_diags d = HT_DIAGS_INIT;
	struct ht_ynode *doc = NULL;
	json_t *out = NULL;
	int ret, errors = 0;
	size_t i;

	if (ht_yaml_parse(&doc, yaml, strlen(yaml), "f.yaml", NULL) < 0)
		fail_msg("parse failed: %s", ht_error_message());
	out = both_ways(&ret, kind, slug, doc, r, "f.yaml", &d);
	if (d.nr != nw) {
		print_diags(&d);
		fail_msg("expected %zu findings, got %zu", nw, d.nr);
	}
	for (i = 0; i < nw; i++) {
		const struct ht_diag *g = &d.items[i];
		int sev_ok = (w[i].sev == 'E') == (g->severity == HT_SEV_ERROR);

		if (!sev_ok || strcmp(g->rule, w[i].rule) ||
		    g->line != w[i].line || g->col != w[i].col ||
		    strcmp(g->message, w[i].message) ||
		    strcmp(g->path, "f.yaml")) {
			print_diags(&d);
			fail_msg("finding %zu: expected %c %u:%u %s [%s]", i,
				 w[i].sev, w[i].line, w[i].col, w[i].message,
				 w[i].rule);
		}
		errors += w[i].sev == 'E';
	}
	if (errors) {
		char msg[128];

		snprintf(msg, sizeof(msg), "invalid %s file 'f.yaml'",
			 ht_kind_info(kind)->name);
		assert_int_equal(ret, HT_EINVALID);
		assert_null(out);
		assert_string_equal(ht_error_message(), msg);
	} else {
		assert_int_equal(ret, 0);
		assert_non_null(out);
	}
	ht_diags_release(&d);
	ht_ynode_free(doc);
	return out;
}

/* As run(), then free the result. */
static void check(enum ht_kind kind, const char *slug, const char *yaml,
		  const struct want *w, size_t nw)
{
	json_decref(run(kind, slug, yaml, &resolver, w, nw));
}

static void json_is(const json_t *v, const char *expected)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	assert_int_equal(ht_json_dump(&sb, v), 0);
	assert_string_equal(sb.buf, expected);
	ht_strbuf_release(&sb);
}

/* Table */

/*
 * The table is self-consistent: ranks are a total order that references
 * respect, every reference names a kind with an id space, every id space
 * has its listing kind, and the kinds the manifest lists are the ones
 * without files.
 */
static void test_table_consistent(void **state)
{
	int seen[HT_KIND__COUNT] = { 0 };
	int k, r, t;
	size_t i;

	(void)state;
	for (k = 0; k < HT_KIND__COUNT; k++) {
		const struct ht_kind_info *info = ht_kind_info((enum ht_kind)k);

		assert_in_range(info->rank, 0, HT_KIND__COUNT - 1);
		assert_int_equal(seen[info->rank]++, 0);
		assert_int_equal(ht_kind_by_rank(info->rank), k);
		assert_int_equal(ht_kind_ids((enum ht_kind)k), info->ids);
		/* a kind of the API has ids; the two root files have none */
		assert_int_equal(info->api_path != NULL,
				 info->ids != HT_IDS_NONE);
		/* a resource lives in a folder, or in the manifest */
		if (info->api_path)
			assert_true(!info->folder !=
				    !ht_kind_in_manifest((enum ht_kind)k));
		for (i = 0; i < info->nfields; i++) {
			const struct ht_field *f = &info->fields[i];

			if (f->type != HT_FTYPE_REF)
				continue;
			assert_int_not_equal(ht_kind_ids(f->ref),
					     HT_IDS_NONE);
			assert_true(ht_kind_info(f->ref)->rank < info->rank);
			assert_true(ht_kind_refers_to((enum ht_kind)k,
						      ht_kind_ids(f->ref)));
		}
	}
	for (r = 0; r < HT_KIND__COUNT; r++)
		assert_int_equal(seen[r], 1);
	for (t = 0; t < HT_IDS__COUNT; t++) {
		enum ht_kind all = ht_ids_kind((enum ht_ids)t);

		assert_int_equal(ht_kind_ids(all), t);
		assert_string_equal(ht_ids_name((enum ht_ids)t),
				    ht_kind_info(all)->name);
	}
	assert_int_equal(ht_ids_kind(HT_IDS_MODEL), HT_KIND_MODEL);
	assert_true(ht_kind_in_manifest(HT_KIND_SOURCE));
	assert_true(ht_kind_in_manifest(HT_KIND_DESTINATION));
	assert_false(ht_kind_in_manifest(HT_KIND_MODEL));
	assert_false(ht_kind_refers_to(HT_KIND_SOURCE, HT_IDS_MODEL));
	assert_true(ht_kind_refers_to(HT_KIND_SYNC, HT_IDS_DESTINATION));
}

static void test_table(void **state)
{
	int k;
	size_t i;

	(void)state;
	for (k = 0; k < HT_KIND__COUNT; k++) {
		const struct ht_kind_info *info = ht_kind_info((enum ht_kind)k);

		assert_non_null(info);
		assert_int_equal(info->kind, k);
		assert_int_equal(ht_kind_from_name(info->name), k);
		assert_true(info->nfields > 0);
		for (i = 0; i < info->nfields; i++) {
			const struct ht_field *f = &info->fields[i];

			assert_ptr_equal(ht_kind_field((enum ht_kind)k,
						       f->name), f);
			assert_non_null(f->description);
			if (f->flags & HT_FIELD_LOCAL)
				assert_null(f->json);
			else
				assert_non_null(f->json);
			if (f->type == HT_FTYPE_ENUM)
				assert_non_null(f->values);
			if (f->flags & HT_FIELD_QUERY)
				assert_non_null(f->when);
			if (f->type == HT_FTYPE_REF)
				assert_true(f->ref == HT_KIND_SOURCE ||
					    f->ref == HT_KIND_DESTINATION ||
					    f->ref == HT_KIND_MODEL);
		}
	}
	assert_null(ht_kind_info(HT_KIND__COUNT));
	assert_int_equal(ht_kind_from_name("audience"), HT_KIND__COUNT);
	assert_int_equal(ht_kind_from_name(NULL), HT_KIND__COUNT);
	assert_null(ht_kind_field(HT_KIND_MODEL, "nmae"));

	assert_string_equal(ht_kind_info(HT_KIND_MODEL)->folder, "models");
	assert_string_equal(ht_kind_info(HT_KIND_SYNC)->api_path, "/syncs");
	assert_string_equal(ht_kind_info(HT_KIND_RELATIONSHIP)->folder,
			    "schema/model-relationships");
	assert_string_equal(ht_kind_info(HT_KIND_RELATIONSHIP)->api_path,
			    "/schema/relationships");
	assert_null(ht_kind_info(HT_KIND_SOURCE)->folder);
	assert_int_equal(ht_kind_info(HT_KIND_MODEL)->phase, 1);
	assert_int_equal(ht_kind_info(HT_KIND_EVENT_MODEL)->phase, 1);
	assert_int_equal(ht_kind_info(HT_KIND_RELATIONSHIP)->phase, 2);
	assert_int_equal(ht_kind_info(HT_KIND_SYNC)->phase, 3);
	assert_int_equal(ht_kind_info(HT_KIND_MANIFEST)->phase, 0);
	assert_int_equal(ht_kind_info(HT_KIND_PARENT_MODEL)->extension, 1);
	assert_int_equal(ht_kind_info(HT_KIND_MODEL)->extension, 0);

	assert_true(ht_kind_is_model(HT_KIND_MODEL));
	assert_true(ht_kind_is_model(HT_KIND_PARENT_MODEL));
	assert_true(ht_kind_is_model(HT_KIND_RELATED_MODEL));
	assert_true(ht_kind_is_model(HT_KIND_EVENT_MODEL));
	assert_false(ht_kind_is_model(HT_KIND_SYNC));
	assert_false(ht_kind_is_model(HT_KIND_RELATIONSHIP));

	/* canonical order of a model */
	{
		static const char *const order[] = {
			"name", "source", "description", "type", "rawSql",
			"tableName", "dbtModel", "customQuery", "isSchema",
			"primaryKey",
		};
		const struct ht_kind_info *m = ht_kind_info(HT_KIND_MODEL);

		assert_int_equal(m->nfields, 10);
		for (i = 0; i < 10; i++)
			assert_string_equal(m->fields[i].name, order[i]);
	}
	assert_true(ht_kind_field(HT_KIND_MODEL, "source")->flags &
		    HT_FIELD_IMMUTABLE);
	assert_true(ht_kind_field(HT_KIND_MODEL, "description")->flags &
		    HT_FIELD_READONLY);
	assert_true(ht_kind_field(HT_KIND_SYNC, "description")->flags &
		    HT_FIELD_LOCAL);
	assert_string_equal(ht_kind_field(HT_KIND_SYNC, "schedulePaused")->json,
			    "disabled");
	assert_string_equal(ht_kind_field(HT_KIND_MODEL, "type")->api_values[2],
			    "dbt");
	assert_non_null(ht_kind_field(HT_KIND_PARENT_MODEL, "primaryLabel"));
	assert_non_null(ht_kind_field(HT_KIND_EVENT_MODEL, "timestampColumn"));
	assert_null(ht_kind_field(HT_KIND_RELATED_MODEL, "primaryLabel"));
}

/* Slugs and paths */

static void test_slugs(void **state)
{
	char long_slug[257];

	(void)state;
	assert_true(ht_slug_valid("a", 1));
	assert_true(ht_slug_valid("A1", 2));
	assert_true(ht_slug_valid("9", 1));
	assert_true(ht_slug_valid("a-b_c", 5));
	assert_true(ht_slug_valid("a-", 2));
	assert_false(ht_slug_valid("", 0));
	assert_false(ht_slug_valid(NULL, 0));
	assert_false(ht_slug_valid("-a", 2));
	assert_false(ht_slug_valid("_a", 2));
	assert_false(ht_slug_valid("a b", 3));
	assert_false(ht_slug_valid("a.b", 3));
	assert_false(ht_slug_valid("a/b", 3));
	assert_false(ht_slug_valid("\xc3\xa9", 2));
	assert_false(ht_slug_valid("a\0b", 3));
	memset(long_slug, 'x', 256);
	long_slug[256] = '\0';
	assert_true(ht_slug_valid(long_slug, 255));
	assert_false(ht_slug_valid(long_slug, 256));
}

static void path_is(enum ht_kind kind, const char *prefix, const char *ws,
		    const char *slug, const char *expected)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	assert_int_equal(ht_kind_path(&sb, kind, prefix, ws, slug), 0);
	assert_string_equal(sb.buf, expected);
	ht_strbuf_release(&sb);
}

static void test_kind_path(void **state)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	(void)state;
	path_is(HT_KIND_MODEL, NULL, "ws", "users", "models/users.yaml");
	path_is(HT_KIND_MODEL, "", "ws", "users", "models/users.yaml");
	path_is(HT_KIND_MODEL, "ht", "ws", "users", "ht/models/users.yaml");
	path_is(HT_KIND_MODEL, "/a/b/", "ws", "u", "a/b/models/u.yaml");
	path_is(HT_KIND_MODEL, "/", NULL, "u", "models/u.yaml");
	path_is(HT_KIND_SYNC, NULL, NULL, "s", "syncs/s.yaml");
	path_is(HT_KIND_PARENT_MODEL, NULL, NULL, "p",
		"schema/parent-models/p.yaml");
	path_is(HT_KIND_RELATED_MODEL, NULL, NULL, "p",
		"schema/related-models/p.yaml");
	path_is(HT_KIND_EVENT_MODEL, NULL, NULL, "p",
		"schema/event-models/p.yaml");
	path_is(HT_KIND_RELATIONSHIP, "x", NULL, "r",
		"x/schema/model-relationships/r.yaml");
	/* root files ignore the prefix */
	path_is(HT_KIND_MANIFEST, "ht", "acme-prod", NULL,
		"manifest-acme-prod.yaml");
	path_is(HT_KIND_ALIASES, NULL, "acme-prod", NULL,
		"aliases-acme-prod.yaml");

	assert_int_equal(ht_kind_path(&sb, HT_KIND_MODEL, NULL, NULL, "a b"),
			 HT_EINVALID);
	assert_string_equal(ht_error_message(), "'a b' is not a valid slug");
	assert_int_equal(ht_kind_path(&sb, HT_KIND_MODEL, NULL, NULL, NULL),
			 HT_EINVALID);
	assert_int_equal(ht_kind_path(&sb, HT_KIND_SOURCE, NULL, NULL, "s"),
			 HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "a source has no file of its own");
	assert_int_equal(ht_kind_path(&sb, HT_KIND_MANIFEST, NULL, NULL, NULL),
			 HT_EINVALID);
	assert_int_equal(ht_kind_path(&sb, HT_KIND_ALIASES, NULL, "a/b", NULL),
			 HT_EINVALID);
	assert_int_equal(ht_kind_path(&sb, HT_KIND__COUNT, NULL, "w", "s"),
			 HT_EINVALID);
	assert_int_equal(sb.len, 0);
}

static void for_path_is(const char *path, const char *prefix, const char *ws,
			enum ht_kind want, const char *want_slug)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	enum ht_kind got = ht_kind_for_path(path, prefix, ws, &sb);

	if (got != want)
		fail_msg("'%s' (prefix '%s'): expected kind %d, got %d", path,
			 prefix ? prefix : "", want, got);
	assert_string_equal(sb.buf, want_slug ? want_slug : "");
	ht_strbuf_release(&sb);
	/* slug_out may be NULL */
	assert_int_equal(ht_kind_for_path(path, prefix, ws, NULL), want);
}

static void test_kind_for_path(void **state)
{
	const enum ht_kind none = HT_KIND__COUNT;

	(void)state;
	for_path_is("models/users.yaml", NULL, NULL, HT_KIND_MODEL, "users");
	for_path_is("syncs/a-b.yaml", NULL, NULL, HT_KIND_SYNC, "a-b");
	for_path_is("schema/parent-models/p.yaml", NULL, NULL,
		    HT_KIND_PARENT_MODEL, "p");
	for_path_is("schema/related-models/p.yaml", NULL, NULL,
		    HT_KIND_RELATED_MODEL, "p");
	for_path_is("schema/event-models/p.yaml", NULL, NULL,
		    HT_KIND_EVENT_MODEL, "p");
	for_path_is("schema/model-relationships/r.yaml", NULL, NULL,
		    HT_KIND_RELATIONSHIP, "r");
	/* a bad slug is still our file: validation reports it */
	for_path_is("models/bad slug.yaml", NULL, NULL, HT_KIND_MODEL,
		    "bad slug");

	for_path_is("models/sub/x.yaml", NULL, NULL, none, NULL);
	for_path_is("models/x.yml", NULL, NULL, none, NULL);
	for_path_is("models/x.YAML", NULL, NULL, none, NULL);
	for_path_is("models/x.yaml.orig", NULL, NULL, none, NULL);
	for_path_is("models/.yaml", NULL, NULL, none, NULL);
	for_path_is("models/", NULL, NULL, none, NULL);
	for_path_is("models", NULL, NULL, none, NULL);
	for_path_is("schema/x.yaml", NULL, NULL, none, NULL);
	for_path_is("README.md", NULL, NULL, none, NULL);
	for_path_is("x.yaml", NULL, NULL, none, NULL);
	for_path_is(".github/workflows/ci.yaml", NULL, NULL, none, NULL);

	/* prefix */
	for_path_is("ht/models/x.yaml", "ht", NULL, HT_KIND_MODEL, "x");
	for_path_is("ht/models/x.yaml", "/ht/", NULL, HT_KIND_MODEL, "x");
	for_path_is("a/b/syncs/x.yaml", "a/b", NULL, HT_KIND_SYNC, "x");
	for_path_is("ht/models/x.yaml", NULL, NULL, none, NULL);
	for_path_is("models/x.yaml", "ht", NULL, none, NULL);
	for_path_is("htx/models/x.yaml", "ht", NULL, none, NULL);
	for_path_is("ht/manifest-ws.yaml", "ht", "ws", none, NULL);

	/* root files */
	for_path_is("manifest-ws.yaml", NULL, "ws", HT_KIND_MANIFEST, "ws");
	for_path_is("manifest-ws.yaml", "ht", "ws", HT_KIND_MANIFEST, "ws");
	for_path_is("manifest-acme-prod-1.yaml", NULL, NULL, HT_KIND_MANIFEST,
		    "acme-prod-1");
	for_path_is("manifest-other.yaml", NULL, "ws", none, NULL);
	for_path_is("manifest-.yaml", NULL, NULL, none, NULL);
	for_path_is("manifest-ws.yml", NULL, NULL, none, NULL);
	for_path_is("aliases-ws.yaml", NULL, "ws", HT_KIND_ALIASES, "ws");
	for_path_is("aliases-ws.yaml", NULL, "w", none, NULL);
	for_path_is("aliases-w.yaml", NULL, NULL, HT_KIND_ALIASES, "w");
}

/* from_yaml: rules */

#define MODEL_OK                                                              \
	"name: Users\n"                                                       \
	"source: snowflake\n"                                                 \
	"type: raw_sql\n"                                                     \
	"rawSql: select 1\n"                                                  \
	"isSchema: false\n"                                                   \
	"primaryKey: id\n"

static void test_model_ok(void **state)
{
	json_t *out;

	(void)state;
	out = run(HT_KIND_MODEL, "users", MODEL_OK, &resolver, NO_FINDINGS);
	json_is(out, "{\"slug\":\"users\",\"name\":\"Users\",\"sourceId\":1,"
		     "\"queryType\":\"raw_sql\",\"raw\":{\"sql\":\"select 1\"},"
		     "\"isSchema\":false,\"primaryKey\":\"id\"}");
	json_decref(out);

	/* no slug given: none in the result; isSchema defaults */
	out = run(HT_KIND_MODEL, NULL,
		  "name: U\nsource: snowflake\ntype: table\n"
		  "tableName: t\nrawSql: null\nprimaryKey: null\n"
		  "description: d\n",
		  &resolver, NO_FINDINGS);
	json_is(out, "{\"name\":\"U\",\"sourceId\":1,\"description\":\"d\","
		     "\"queryType\":\"table\",\"table\":{\"name\":\"t\"},"
		     "\"isSchema\":false,\"primaryKey\":null}");
	json_decref(out);

	out = run(HT_KIND_EVENT_MODEL, "e",
		  "name: E\nsource: snowflake\ntype: dbt_model\n"
		  "dbtModel: 5\nprimaryKey: id\ntimestampColumn: ts\n",
		  &resolver, NO_FINDINGS);
	json_is(out, "{\"slug\":\"e\",\"name\":\"E\",\"sourceId\":1,"
		     "\"queryType\":\"dbt\",\"dbt\":{\"modelId\":5},"
		     "\"isSchema\":true,\"primaryKey\":\"id\","
		     "\"timestampColumn\":\"ts\"}");
	json_decref(out);

	/* without a resolver, references stay slugs under their YAML name */
	out = run(HT_KIND_MODEL, "users", MODEL_OK, NULL, NO_FINDINGS);
	json_is(out, "{\"slug\":\"users\",\"name\":\"Users\","
		     "\"source\":\"snowflake\",\"queryType\":\"raw_sql\","
		     "\"raw\":{\"sql\":\"select 1\"},\"isSchema\":false,"
		     "\"primaryKey\":\"id\"}");
	json_decref(out);
}

static void test_not_a_mapping(void **state)
{
	(void)state;
	check(HT_KIND_MODEL, "m", "- a\n- b\n",
	      FINDINGS({ 'E', "not-a-mapping", 1, 1,
			 "a model file must be a mapping, got list" }));
	check(HT_KIND_MODEL, "m", "",
	      FINDINGS({ 'E', "not-a-mapping", 1, 1,
			 "a model file must be a mapping, got null" }));
	check(HT_KIND_SYNC, "s", "# comment\n\n  just text\n",
	      FINDINGS({ 'E', "not-a-mapping", 3, 3,
			 "a sync file must be a mapping, got string" }));
	check(HT_KIND_MANIFEST, NULL, "[]\n",
	      FINDINGS({ 'E', "not-a-mapping", 1, 1,
			 "a manifest must be a mapping, got list" }));
	check(HT_KIND_ALIASES, NULL, "42\n",
	      FINDINGS({ 'E', "not-a-mapping", 1, 1,
			 "an aliases file must be a mapping, got integer" }));
}

static void test_unknown_field(void **state)
{
	json_t *out;

	(void)state;
	/* a warning: the file is still converted */
	out = run(HT_KIND_MODEL, "m", MODEL_OK "nmae: x\n1: one\n", &resolver,
		  FINDINGS({ 'W', "unknown-field", 7, 1,
			     "unknown field 'nmae' (did you mean 'name'?)" },
			   { 'W', "unknown-field", 8, 1,
			     "unknown field '1'" }));
	assert_null(json_object_get(out, "nmae"));
	json_decref(out);
	/* fields of other kinds are unknown too */
	check(HT_KIND_MODEL, "m", MODEL_OK "primaryLabel: x\n",
	      FINDINGS({ 'W', "unknown-field", 7, 1,
			 "unknown field 'primaryLabel'" }));
	/* far from every field, or as near to two: no guess */
	check(HT_KIND_MODEL, "m", MODEL_OK "folder: x\nnamex: y\n",
	      FINDINGS({ 'W', "unknown-field", 7, 1,
			 "unknown field 'folder'" },
		       { 'W', "unknown-field", 8, 1,
			 "unknown field 'namex' (did you mean 'name'?)" }));
	check(HT_KIND_SYNC, "s",
	      "model: users\ndestination: hubspot\nconfig: {}\n"
	      "schedule: {type: manual}\nschedulePaused: false\n"
	      "descripton: x\n",
	      FINDINGS({ 'W', "unknown-field", 6, 1,
			 "unknown field 'descripton' (did you mean "
			 "'description'?)" }));
	check(HT_KIND_RELATIONSHIP, "r",
	      "from: users\nto: accounts\ncardinality: one-to-one\n"
	      "joinKeys: [{from: a, to: b}]\ncardinal: x\n",
	      FINDINGS({ 'W', "unknown-field", 5, 1,
			 "unknown field 'cardinal'" }));
}

/*
 * A misspelt field: the warning names the field, and the error about the
 * field it leaves missing is at the misspelling, not at the mapping.
 */
static void test_misspelt_field(void **state)
{
	(void)state;
	check(HT_KIND_MODEL, "m",
	      "name: Users\n"
	      "source: snowflake\n"
	      "type: raw_sql\n"
	      "rawSql: select 1\n"
	      "primarKey: id\n",
	      FINDINGS({ 'W', "unknown-field", 5, 1,
			 "unknown field 'primarKey' (did you mean "
			 "'primaryKey'?)" },
		       { 'E', "missing-field", 5, 1,
			 "missing field 'primaryKey'" }));
	/* the query key that the type needs */
	check(HT_KIND_MODEL, "m",
	      "name: Users\n"
	      "source: snowflake\n"
	      "type: table\n"
	      "tablename: users\n"
	      "primaryKey: id\n",
	      FINDINGS({ 'W', "unknown-field", 4, 1,
			 "unknown field 'tablename' (did you mean "
			 "'tableName'?)" },
		       { 'E', "query-type-mismatch", 4, 1,
			 "type 'table' needs field 'tableName'" }));
	/* a misspelling of a field that is there: the mapping */
	check(HT_KIND_SYNC, "s",
	      "model: users\nmodle: x\ndestination: hubspot\nconfig: {}\n"
	      "schedule: {type: manual}\n",
	      FINDINGS({ 'W', "unknown-field", 2, 1,
			 "unknown field 'modle' (did you mean 'model'?)" },
		       { 'E', "missing-field", 1, 1,
			 "missing field 'schedulePaused'" }));
	/* the manifest's sections, and the entries' fields */
	check(HT_KIND_MANIFEST, NULL,
	      "sources:\n"
	      "  snowflake: {name: S, tpye: snowflake}\n"
	      "destinatons: {}\n",
	      FINDINGS({ 'W', "unknown-field", 3, 1,
			 "unknown field 'destinatons' (did you mean "
			 "'destinations'?)" },
		       { 'W', "unknown-field", 2, 24,
			 "unknown field 'tpye' (did you mean 'type'?)" },
		       { 'E', "missing-field", 2, 24,
			 "missing field 'type'" },
		       { 'E', "missing-field", 3, 1,
			 "missing field 'destinations'" }));
}

static void test_missing_field(void **state)
{
	(void)state;
	check(HT_KIND_MODEL, "m",
	      "# a model\nsource: snowflake\ntype: raw_sql\nrawSql: x\n",
	      FINDINGS({ 'E', "missing-field", 2, 1,
			 "missing field 'name'" },
		       { 'E', "missing-field", 2, 1,
			 "missing field 'primaryKey'" }));
	check(HT_KIND_EVENT_MODEL, "m", MODEL_OK,
	      FINDINGS({ 'E', "missing-field", 1, 1,
			 "missing field 'timestampColumn'" }));
	check(HT_KIND_SYNC, "s", "model: users\n",
	      FINDINGS({ 'E', "missing-field", 1, 1,
			 "missing field 'destination'" },
		       { 'E', "missing-field", 1, 1,
			 "missing field 'config'" },
		       { 'E', "missing-field", 1, 1,
			 "missing field 'schedule'" },
		       { 'E', "missing-field", 1, 1,
			 "missing field 'schedulePaused'" }));
	check(HT_KIND_RELATIONSHIP, "r", "from: users\nto: accounts\n",
	      FINDINGS({ 'E', "missing-field", 1, 1,
			 "missing field 'cardinality'" },
		       { 'E', "missing-field", 1, 1,
			 "missing field 'joinKeys'" }));
}

static void test_wrong_type(void **state)
{
	(void)state;
	check(HT_KIND_MODEL, "m",
	      "name: 12\n"
	      "source: snowflake\n"
	      "description: [a]\n"
	      "type: raw_sql\n"
	      "rawSql: {a: 1}\n"
	      "isSchema: 'yes'\n"
	      "primaryKey: 1.5\n",
	      FINDINGS({ 'E', "wrong-type", 1, 7,
			 "field 'name' must be a string, got integer" },
		       { 'E', "wrong-type", 3, 14,
			 "field 'description' must be a string, got list" },
		       { 'E', "wrong-type", 5, 9,
			 "field 'rawSql' must be a string, got mapping" },
		       { 'E', "wrong-type", 6, 11,
			 "field 'isSchema' must be a boolean, got string" },
		       { 'E', "wrong-type", 7, 13,
			 "field 'primaryKey' must be a string, got number" }));
	/* null where a value is required */
	check(HT_KIND_MODEL, "m",
	      "name:\nsource: snowflake\ntype: raw_sql\nrawSql: ~\n"
	      "primaryKey: id\n",
	      FINDINGS({ 'E', "wrong-type", 1, 6,
			 "field 'name' must be a string, got null" },
		       { 'E', "wrong-type", 4, 9,
			 "field 'rawSql' must be a string, got null" }));
	check(HT_KIND_MODEL, "m",
	      "name: n\nsource: snowflake\ntype: dbt_model\ndbtModel: '5'\n"
	      "primaryKey: id\n",
	      FINDINGS({ 'E', "wrong-type", 4, 11,
			 "field 'dbtModel' must be an integer, got string" }));
	check(HT_KIND_SYNC, "s",
	      "model: users\ndestination: hubspot\nconfig: []\n"
	      "schedule: manual\nschedulePaused: 0\n",
	      FINDINGS({ 'E', "wrong-type", 3, 9,
			 "field 'config' must be a mapping, got list" },
		       { 'E', "wrong-type", 4, 11,
			 "field 'schedule' must be a mapping, got string" },
		       { 'E', "wrong-type", 5, 17,
			 "field 'schedulePaused' must be a boolean, got "
			 "integer" }));
	/* values JSON cannot hold */
	check(HT_KIND_SYNC, "s",
	      "model: users\ndestination: hubspot\nconfig:\n"
	      "  limit: .inf\nschedule: {type: manual}\n"
	      "schedulePaused: false\n",
	      FINDINGS({ 'E', "wrong-type", 4, 10,
			 "'.inf' cannot be represented in JSON" }));
	check(HT_KIND_MODEL, "m",
	      "name: n\nsource: snowflake\ntype: custom\n"
	      "customQuery: [1, .nan]\nprimaryKey: id\n",
	      FINDINGS({ 'E', "wrong-type", 4, 18,
			 "'.nan' cannot be represented in JSON" }));
	check(HT_KIND_MODEL, "m",
	      "name: n\nsource: [snowflake]\ntype: 3\nrawSql: x\n"
	      "primaryKey: id\n",
	      FINDINGS({ 'E', "wrong-type", 2, 9,
			 "field 'source' must be a string, got list" },
		       { 'E', "wrong-type", 3, 7,
			 "field 'type' must be a string, got integer" }));
}

static void test_bad_enum(void **state)
{
	(void)state;
	check(HT_KIND_MODEL, "m",
	      "name: n\nsource: snowflake\ntype: sql\nrawSql: x\n"
	      "primaryKey: id\n",
	      FINDINGS({ 'E', "bad-enum", 3, 7,
			 "field 'type' must be one of raw_sql, table, "
			 "dbt_model, custom, got 'sql'" }));
	/* the API's name is not a file value */
	check(HT_KIND_MODEL, "m",
	      "name: n\nsource: snowflake\ntype: dbt\ndbtModel: 1\n"
	      "primaryKey: id\n",
	      FINDINGS({ 'E', "bad-enum", 3, 7,
			 "field 'type' must be one of raw_sql, table, "
			 "dbt_model, custom, got 'dbt'" }));
	check(HT_KIND_RELATIONSHIP, "r",
	      "from: users\nto: accounts\ncardinality: many-to-many\n"
	      "joinKeys:\n  - {from: a, to: b}\n",
	      FINDINGS({ 'E', "bad-enum", 3, 14,
			 "field 'cardinality' must be one of one-to-one, "
			 "one-to-many, many-to-one, got 'many-to-many'" }));
}

static void test_query_type_mismatch(void **state)
{
	(void)state;
	check(HT_KIND_MODEL, "m",
	      "name: n\nsource: snowflake\ntype: table\nrawSql: select 1\n"
	      "primaryKey: id\n",
	      FINDINGS({ 'E', "query-type-mismatch", 4, 1,
			 "field 'rawSql' does not match type 'table'" },
		       { 'E', "query-type-mismatch", 1, 1,
			 "type 'table' needs field 'tableName'" }));
	check(HT_KIND_MODEL, "m",
	      "name: n\nsource: snowflake\ntype: custom\n"
	      "customQuery: {a: 1}\ndbtModel: 3\nprimaryKey: id\n",
	      FINDINGS({ 'E', "query-type-mismatch", 5, 1,
			 "field 'dbtModel' does not match type 'custom'" }));
	check(HT_KIND_MODEL, "m",
	      "name: n\nsource: snowflake\ntype: raw_sql\nprimaryKey: id\n",
	      FINDINGS({ 'E', "query-type-mismatch", 1, 1,
			 "type 'raw_sql' needs field 'rawSql'" }));
	/* the others may be null */
	check(HT_KIND_MODEL, "m",
	      MODEL_OK "tableName: null\ndbtModel:\ncustomQuery: ~\n",
	      NO_FINDINGS);
}

#define SYNC_HEAD                                                             \
	"model: users\n"                                                      \
	"destination: hubspot\n"                                              \
	"config:\n"                                                           \
	"  mode: upsert\n"                                                    \
	"schedulePaused: false\n"

static void test_bad_schedule(void **state)
{
	json_t *out;

	(void)state;
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: interval\n"
	      "  schedule:\n"
	      "    interval:\n"
	      "      unit: month\n"
	      "      quantity: 0\n",
	      FINDINGS({ 'E', "bad-schedule", 10, 13,
			 "interval unit must be one of minute, hour, day, "
			 "week, got 'month'" },
		       { 'E', "bad-schedule", 11, 17,
			 "interval quantity must be a positive integer, got "
			 "'0'" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: interval\n"
	      "  schedule: {interval: {unit: day}}\n",
	      FINDINGS({ 'E', "bad-schedule", 8, 24,
			 "interval quantity must be a positive integer, got "
			 "nothing" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: interval\n"
	      "  schedule: {every: 5}\n",
	      FINDINGS({ 'E', "bad-schedule", 8, 13,
			 "an interval schedule needs 'interval' with 'unit' "
			 "and 'quantity'" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: cron\n"
	      "  schedule: {expression: '* * *'}\n",
	      FINDINGS({ 'E', "bad-schedule", 8, 26,
			 "cron expression '* * *': expected 5 fields, got 3" }));
	/* common/cron.c's parser: its message after the expression */
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: cron\n"
	      "  schedule:\n"
	      "    expression: 0 0 * * $x\n",
	      FINDINGS({ 'E', "bad-schedule", 9, 17,
			 "cron expression '0 0 * * $x': day of week '$x' is "
			 "not valid" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: cron\n"
	      "  schedule:\n"
	      "    expression: 30 25 * * *\n",
	      FINDINGS({ 'E', "bad-schedule", 9, 17,
			 "cron expression '30 25 * * *': hour '25' is out of "
			 "range 0-23" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: cron\n"
	      "  schedule: {expression: \"0 0 * * *\\n\"}\n",
	      FINDINGS({ 'E', "bad-schedule", 8, 26,
			 "cron expression '0 0 * * *?': day of week '*?' "
			 "is not valid" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: cron\n"
	      "  schedule: {}\n",
	      FINDINGS({ 'E', "bad-schedule", 8, 13,
			 "a cron schedule needs a string 'expression', got "
			 "nothing" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: visual\n"
	      "  schedule:\n"
	      "    expressions:\n"
	      "      - days: {monday: true, funday: true, friday: 1}\n"
	      "        time: '9:00'\n"
	      "      - nope\n",
	      FINDINGS({ 'E', "bad-schedule", 10, 30,
			 "unknown day 'funday' in visual schedule (did you "
			 "mean 'sunday'?)" },
		       { 'E', "bad-schedule", 10, 52,
			 "day 'friday' must be true or false, got integer" },
		       { 'E', "bad-schedule", 11, 15,
			 "visual schedule time must be 'HH:MM', got "
			 "'9:00'" },
		       { 'E', "bad-schedule", 12, 9,
			 "a visual schedule expression must be a mapping "
			 "with 'days' and 'time', got string" }));
	/* at least one day, when the days are booleans */
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: visual\n"
	      "  schedule:\n"
	      "    expressions:\n"
	      "      - days: {sunday: false}\n"
	      "        time: '23:59'\n"
	      "      - days: {}\n"
	      "        time: '23:59'\n"
	      "      - days: {monday: false, funday: false}\n"
	      "        time: '23:59'\n"
	      "      - days: {monday: false, tuesday: 'yes'}\n"
	      "        time: '23:59'\n"
	      "      - days:\n"
	      "          monday: false\n"
	      "          friday: true\n"
	      "        time: '23:59'\n",
	      FINDINGS({ 'E', "bad-schedule", 10, 15,
			 "a visual schedule expression must select at least "
			 "one day" },
		       { 'E', "bad-schedule", 12, 15,
			 "a visual schedule expression must select at least "
			 "one day" },
		       { 'E', "bad-schedule", 14, 31,
			 "unknown day 'funday' in visual schedule (did you "
			 "mean 'sunday'?)" },
		       { 'E', "bad-schedule", 14, 15,
			 "a visual schedule expression must select at least "
			 "one day" },
		       { 'E', "bad-schedule", 16, 40,
			 "day 'tuesday' must be true or false, got "
			 "string" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: visual\n"
	      "  schedule: {expressions: []}\n",
	      FINDINGS({ 'E', "bad-schedule", 8, 27,
			 "a visual schedule needs a non-empty list "
			 "'expressions'" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: dbt-cloud\n"
	      "  schedule:\n"
	      "    account: {id: 1}\n",
	      FINDINGS({ 'E', "bad-schedule", 9, 5,
			 "a dbt-cloud schedule needs 'job' with an 'id'" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: interval\n"
	      "  schedule: {interval: {unit: day, quantity: 1}}\n"
	      "  startDate: yesterday\n",
	      FINDINGS({ 'E', "bad-schedule", 9, 14,
			 "field 'schedule.startDate' must be an ISO 8601 "
			 "date-time, got 'yesterday'" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: interval\n"
	      "  schedule: {interval: {unit: day, quantity: 1}}\n"
	      "  startDate: 2023-13-01T00:00:00Z\n",
	      FINDINGS({ 'E', "bad-schedule", 9, 14,
			 "field 'schedule.startDate' must be an ISO 8601 "
			 "date-time, got '2023-13-01T00:00:00Z'" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: manual\n"
	      "  schedule: {interval: {unit: day, quantity: 1}}\n",
	      FINDINGS({ 'E', "bad-schedule", 8, 3,
			 "field 'schedule.schedule' is not allowed with type "
			 "'manual'" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  schedule: {interval: {unit: day, quantity: 1}}\n",
	      FINDINGS({ 'E', "missing-field", 7, 3,
			 "missing field 'schedule.type'" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: cron\n",
	      FINDINGS({ 'E', "missing-field", 7, 3,
			 "missing field 'schedule.schedule'" }));
	/* misspelt: at the misspelling, which is named */
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  tpye: cron\n"
	      "  shcedule: {expression: '0 * * * *'}\n",
	      FINDINGS({ 'E', "missing-field", 7, 3,
			 "missing field 'schedule.type'" },
		       { 'W', "unknown-field", 7, 3,
			 "unknown field 'schedule.tpye' (did you mean "
			 "'schedule.type'?)" },
		       { 'W', "unknown-field", 8, 3,
			 "unknown field 'schedule.shcedule' (did you mean "
			 "'schedule.schedule'?)" },
		       { 'E', "missing-field", 8, 3,
			 "missing field 'schedule.schedule'" }));
	check(HT_KIND_SYNC, "s",
	      SYNC_HEAD
	      "schedule:\n"
	      "  type: crn\n"
	      "  schedule: {expression: '0 * * * *'}\n",
	      FINDINGS({ 'W', "bad-schedule", 7, 9,
			 "unknown schedule type 'crn' (did you mean "
			 "'cron'?)" }));

	/* unknown types and fields: warnings, the value is kept */
	out = run(HT_KIND_SYNC, "s",
		  SYNC_HEAD
		  "schedule:\n"
		  "  type: hourly\n"
		  "  schedule: {x: 1}\n"
		  "  timezone: UTC\n",
		  &resolver,
		  FINDINGS({ 'W', "unknown-field", 9, 3,
			     "unknown field 'schedule.timezone'" },
			   { 'W', "bad-schedule", 7, 9,
			     "unknown schedule type 'hourly'" }));
	json_is(json_object_get(out, "schedule"),
		"{\"type\":\"hourly\",\"schedule\":{\"x\":1},"
		"\"timezone\":\"UTC\"}");
	json_decref(out);

	/* good ones */
	out = run(HT_KIND_SYNC, "s",
		  SYNC_HEAD
		  "schedule:\n"
		  "  type: visual\n"
		  "  schedule:\n"
		  "    expressions:\n"
		  "      - days: {sunday: true, monday: false}\n"
		  "        time: '23:59'\n"
		  "  startDate: 2023-06-24T02:00:00.000+02:00\n",
		  &resolver, NO_FINDINGS);
	json_decref(out);
	out = run(HT_KIND_SYNC, "s",
		  SYNC_HEAD
		  "schedule:\n"
		  "  type: cron\n"
		  "  schedule: {expression: '*/5 1-3 ? JAN,FEB MON#2'}\n"
		  "  startDate: '2023-06-24'\n",
		  &resolver, NO_FINDINGS);
	json_decref(out);
	out = run(HT_KIND_SYNC, "s",
		  SYNC_HEAD "schedule: {type: manual}\n", &resolver,
		  NO_FINDINGS);
	assert_true(json_is_null(json_object_get(out, "schedule")));
	json_decref(out);
}

#define S_MODEL_NET                                                           \
	"name: n\nsource: network-down\ntype: raw_sql\nrawSql: x\n"        \
	"primaryKey: id\n"

static void test_unresolved_reference(void **state)
{
	struct ht_diags d = HT_DIAGS_INIT;
	struct ht_ynode *doc = NULL;
	json_t *out = (json_t *)1;

	(void)state;
	check(HT_KIND_MODEL, "m",
	      "name: n\nsource: nowhere\ntype: raw_sql\nrawSql: x\n"
	      "primaryKey: id\n",
	      FINDINGS({ 'E', "unresolved-reference", 2, 9,
			 "source 'nowhere' not found" }));
	check(HT_KIND_SYNC, "s",
	      "model: ghost\ndestination: snowflake\nconfig: {}\n"
	      "schedule: {type: manual}\nschedulePaused: false\n",
	      FINDINGS({ 'E', "unresolved-reference", 1, 8,
			 "model 'ghost' not found: no model file has that "
			 "slug" },
		       { 'E', "unresolved-reference", 2, 14,
			 "destination 'snowflake' not found" }));
	check(HT_KIND_RELATIONSHIP, "r",
	      "from: users\nto: nobody\ncardinality: one-to-one\n"
	      "joinKeys: [{from: a, to: b}]\n",
	      FINDINGS({ 'E', "unresolved-reference", 2, 5,
			 "model 'nobody' not found: no model file has that "
			 "slug" }));

	/* a resolver that fails otherwise stops the conversion */
	assert_int_equal(ht_yaml_parse(&doc, S_MODEL_NET, strlen(S_MODEL_NET),
				       "f.yaml", NULL),
			 0);
	assert_int_equal(ht_kind_from_yaml(&out, HT_KIND_MODEL, "m", doc,
					   &failing_resolver, "f.yaml", &d),
			 HT_ENET);
	assert_null(out);
	assert_string_equal(ht_error_message(), "cannot reach the server");
	/* validating too */
	ht_diags_release(&d);
	assert_int_equal(ht_kind_from_yaml(NULL, HT_KIND_MODEL, "m", doc,
					   &failing_resolver, "f.yaml", &d),
			 HT_ENET);
	assert_string_equal(ht_error_message(), "cannot reach the server");
	ht_diags_release(&d);
	ht_ynode_free(doc);
}

static void test_bad_slug(void **state)
{
	json_t *out;

	(void)state;
	check(HT_KIND_MODEL, "bad slug", MODEL_OK,
	      FINDINGS({ 'E', "bad-slug", 0, 0,
			 "file name 'bad slug' is not a valid slug" }));
	check(HT_KIND_MODEL, "m",
	      "name: n\nsource: 'snow flake'\ntype: raw_sql\nrawSql: x\n"
	      "primaryKey: id\n",
	      FINDINGS({ 'E', "bad-slug", 2, 9,
			 "field 'source' must be a slug, got 'snow "
			 "flake'" }));
	check(HT_KIND_ALIASES, NULL,
	      "ok: snowflake\n"
	      "'bad alias': snowflake\n"
	      "x: 12\n"
	      "y: 'not a slug'\n"
	      "z:\n",
	      FINDINGS({ 'E', "bad-slug", 2, 1,
			 "alias 'bad alias' is not a valid slug" },
		       { 'E', "wrong-type", 3, 4,
			 "alias 'x' must name a slug (a string), got "
			 "integer" },
		       { 'E', "bad-slug", 4, 4,
			 "alias 'y' must name a slug, got 'not a slug'" },
		       { 'E', "wrong-type", 5, 3,
			 "alias 'z' must name a slug (a string), got "
			 "null" }));
	/* keys are text: `123:` is the alias "123" */
	out = run(HT_KIND_ALIASES, NULL, "123: snowflake\nprod: 'yes'\n",
		  &resolver, NO_FINDINGS);
	json_is(out, "{\"123\":\"snowflake\",\"prod\":\"yes\"}");
	json_decref(out);
	/* an empty aliases file is no aliases */
	out = run(HT_KIND_ALIASES, NULL, "# none yet\n", &resolver,
		  NO_FINDINGS);
	json_is(out, "{}");
	json_decref(out);
}

static void test_joinkeys(void **state)
{
	(void)state;
	check(HT_KIND_RELATIONSHIP, "r",
	      "from: users\nto: accounts\ncardinality: one-to-one\n"
	      "joinKeys: []\n",
	      FINDINGS({ 'E', "wrong-type", 4, 11,
			 "field 'joinKeys' must be a non-empty list, got "
			 "list" }));
	check(HT_KIND_RELATIONSHIP, "r",
	      "from: users\nto: accounts\ncardinality: one-to-one\n"
	      "joinKeys:\n"
	      "  - from: a\n"
	      "    too: b\n"
	      "  - [a, b]\n"
	      "  - {from: 1, to: b}\n",
	      FINDINGS({ 'W', "unknown-field", 6, 5,
			 "unknown field 'joinKeys.too' (did you mean "
			 "'joinKeys.to'?)" },
		       { 'E', "missing-field", 6, 5,
			 "missing field 'joinKeys.to'" },
		       { 'E', "wrong-type", 7, 5,
			 "field 'joinKeys' must hold {from, to} mappings, "
			 "got list" },
		       { 'E', "wrong-type", 8, 12,
			 "field 'joinKeys.from' must be a string, got "
			 "integer" }));
}

static void test_manifest_from_yaml(void **state)
{
	json_t *out;

	(void)state;
	out = run(HT_KIND_MANIFEST, NULL,
		  "sources:\n"
		  "  snowflake:\n"
		  "    name: Snowflake\n"
		  "    type: snowflake\n"
		  "destinations:\n"
		  "  zeta:\n"
		  "    name: Z\n"
		  "    type: webhook\n"
		  "  alpha:\n"
		  "    name: A\n"
		  "    type: hubspot\n",
		  &resolver, NO_FINDINGS);
	json_is(out, "{\"sources\":[{\"slug\":\"snowflake\",\"name\":"
		     "\"Snowflake\",\"type\":\"snowflake\"}],\"destinations\":"
		     "[{\"slug\":\"zeta\",\"name\":\"Z\",\"type\":\"webhook\"},"
		     "{\"slug\":\"alpha\",\"name\":\"A\",\"type\":"
		     "\"hubspot\"}]}");
	json_decref(out);

	check(HT_KIND_MANIFEST, NULL,
	      "sources:\n"
	      "  'bad slug': {name: x, type: y}\n"
	      "  ok: {name: x}\n"
	      "  str: text\n"
	      "destinations: []\n"
	      "extra: 1\n",
	      FINDINGS({ 'W', "unknown-field", 6, 1,
			 "unknown field 'extra'" },
		       { 'E', "bad-slug", 2, 3,
			 "source slug 'bad slug' is not a valid slug" },
		       { 'E', "missing-field", 3, 7,
			 "missing field 'type'" },
		       { 'E', "wrong-type", 4, 8,
			 "source 'str' must be a mapping, got string" },
		       { 'E', "wrong-type", 5, 15,
			 "field 'destinations' must be a mapping, got "
			 "list" }));
	check(HT_KIND_MANIFEST, NULL, "sources: {}\n",
	      FINDINGS({ 'E', "missing-field", 1, 1,
			 "missing field 'destinations'" }));
}

/* to_yaml: errors */

/* ht_kind_same_data() of two texts, which must parse. */
static int same_data(enum ht_kind kind, const char *a, const char *b)
{
	struct ht_ynode *da = NULL, *db = NULL;
	int same;

	assert_int_equal(ht_yaml_parse(&da, a, strlen(a), "a", NULL), 0);
	assert_int_equal(ht_yaml_parse(&db, b, strlen(b), "b", NULL), 0);
	same = ht_kind_same_data(kind, da, db);
	assert_int_equal(ht_kind_same_data(kind, db, da), same);
	ht_ynode_free(da);
	ht_ynode_free(db);
	return same;
}

static void test_same_data(void **state)
{
	static const char model[] =
		"name: Users\nsource: snowflake\ntype: table\n"
		"tableName: users\nisSchema: false\nprimaryKey: id\n";
	static const char sync[] =
		"model: users\ndestination: crm\ndescription: mine\n"
		"config:\n  mode: upsert\n  object: contacts\n"
		"schedule:\n  type: manual\nschedulePaused: false\n";
	static const char manifest[] =
		"sources:\n  a:\n    name: A\n    type: x\n"
		"  b:\n    name: B\n    type: y\n"
		"destinations: {}\n";
#define USERS "name: Users\nsource: snowflake\ntype: table\ntableName: users\n"
	static const char *const other_models[] = {
		USERS "isSchema: true\nprimaryKey: id\n",
		USERS "primaryKey: null\n",
		USERS "primaryKey: id\ndescription: set in the UI\n",
		"name: Users\nsource: sf\ntype: table\ntableName: users\n"
		"primaryKey: id\n",
	};
#undef USERS
	size_t i;

	(void)state;
	assert_true(same_data(HT_KIND_MODEL, model, model));
	/* what means nothing to Hightouch */
	assert_true(same_data(HT_KIND_MODEL, model,
			      "\xef\xbb\xbf# users\n"
			      "primaryKey: \"id\"  # the key\n"
			      "source:    'snowflake'\n"
			      "type: table\nname: Users\n"
			      "rawSql: null\ndbtModel: null\n"
			      "tableName: >-\n    users\n"
			      "owner: ana\n"));
	assert_true(same_data(HT_KIND_MODEL, model,
			      "{name: Users, source: snowflake, type: table,"
			      " tableName: users, primaryKey: id}\n"));
	assert_true(same_data(HT_KIND_SYNC, sync,
			      "model: users\ndestination: crm\n"
			      "description: 'mine'\n"
			      "config: {object: contacts, mode: upsert}\n"
			      "schedule: {type: manual}\n"
			      "schedulePaused: false\n"));
	assert_true(same_data(HT_KIND_SYNC, sync,
			      "model: users\ndestination: crm\n"
			      "description: 'mine'\n"
			      "config:\n    object: contacts\n    mode: upsert\n"
			      "schedule: {type: manual}\n"
			      "schedulePaused: false\n"));
	assert_true(same_data(HT_KIND_MANIFEST, manifest,
			      "# Git Sync wrote this\n"
			      "destinations: {}\n"
			      "sources:\n"
			      "  b: {type: y, name: B}\n"
			      "  a: {name: A, type: x}\n"));
	/* what does mean something: every field, read-only and local too */
	for (i = 0; i < sizeof(other_models) / sizeof(other_models[0]); i++)
		assert_false(same_data(HT_KIND_MODEL, model, other_models[i]));
	assert_false(same_data(HT_KIND_SYNC, sync,
			       "model: users\ndestination: crm\n"
			       "config:\n  mode: upsert\n  object: contacts\n"
			       "schedule:\n  type: manual\n"
			       "schedulePaused: false\n"));
	assert_false(same_data(HT_KIND_SYNC, sync,
			       "model: users\ndestination: crm\n"
			       "description: mine\n"
			       "config:\n  mode: upsert\n  object: contacts\n"
			       "  extra: 1\n"
			       "schedule:\n  type: manual\n"
			       "schedulePaused: false\n"));
	assert_false(same_data(HT_KIND_MANIFEST, manifest,
			       "sources:\n  a:\n    name: A\n    type: x\n"
			       "destinations: {}\n"));
	/* a file that does not convert holds no data */
	assert_false(same_data(HT_KIND_MODEL, "name: Users\n",
			       "name: Users\n"));
	assert_false(ht_kind_same_data(HT_KIND_MODEL, NULL, NULL));
}

static json_t *api(const char *text)
{
	json_t *v = NULL;

	if (ht_json_parse(&v, text, strlen(text), 0, "api") < 0)
		fail_msg("%s", ht_error_message());
	return v;
}

static void to_yaml_fails(enum ht_kind kind, const char *text,
			  const struct ht_resolver *r, int code,
			  const char *message)
{
	struct ht_ynode *doc = (struct ht_ynode *)1;
	json_t *v = api(text);

	assert_int_equal(ht_kind_to_yaml(&doc, kind, v, r), code);
	assert_null(doc);
	assert_string_equal(ht_error_message(), message);
	json_decref(v);
}

#define API_MODEL(extra)                                                      \
	"{\"id\":12,\"slug\":\"m\",\"name\":\"M\",\"sourceId\":1,"            \
	"\"primaryKey\":\"id\",\"isSchema\":false" extra "}"

static void test_to_yaml_errors(void **state)
{
	(void)state;
	to_yaml_fails(HT_KIND_MODEL,
		      "{\"id\":12,\"sourceId\":1,\"queryType\":\"raw_sql\","
		      "\"raw\":{\"sql\":\"x\"},\"primaryKey\":\"id\"}",
		      &resolver, HT_EINVALID,
		      "model 12: field 'name' is missing");
	to_yaml_fails(HT_KIND_MODEL,
		      API_MODEL(",\"queryType\":\"visual\",\"visual\":{}"),
		      &resolver, HT_EUNSUPPORTED,
		      "model 12: unsupported queryType 'visual'");
	to_yaml_fails(HT_KIND_MODEL,
		      API_MODEL(",\"queryType\":\"dbt_cloud\","
				"\"dbt_cloud\":{\"modelId\":1}"),
		      &resolver, HT_EUNSUPPORTED,
		      "model 12: unsupported queryType 'dbt_cloud'");
	to_yaml_fails(HT_KIND_MODEL, API_MODEL(",\"queryType\":\"raw_sql\""),
		      &resolver, HT_EINVALID,
		      "model 12: field 'raw.sql' is missing");
	to_yaml_fails(HT_KIND_MODEL,
		      "{\"id\":\"12\",\"name\":\"M\",\"sourceId\":99,"
		      "\"queryType\":\"table\",\"table\":{\"name\":\"t\"},"
		      "\"primaryKey\":\"id\"}",
		      &resolver, HT_ENOTFOUND,
		      "model 12: source 99 not found");
	to_yaml_fails(HT_KIND_MODEL,
		      "{\"slug\":\"m\",\"name\":\"M\",\"sourceId\":\"x1\","
		      "\"queryType\":\"table\",\"table\":{\"name\":\"t\"},"
		      "\"primaryKey\":\"id\"}",
		      &resolver, HT_EINVALID,
		      "model 'm': field 'sourceId' is not a valid id");
	to_yaml_fails(HT_KIND_MODEL,
		      "{\"id\":12,\"name\":5,\"sourceId\":1}", &resolver,
		      HT_EINVALID,
		      "model 12: field 'name' must be a string, got number");
	to_yaml_fails(HT_KIND_MODEL,
		      API_MODEL(",\"queryType\":\"raw_sql\","
				"\"raw\":{\"sql\":null}"),
		      &resolver, HT_EINVALID,
		      "model 12: field 'raw.sql' is missing");
	to_yaml_fails(HT_KIND_MODEL,
		      "{\"id\":12,\"name\":\"M\",\"sourceId\":1,"
		      "\"queryType\":\"table\",\"table\":{\"name\":\"t\"}}",
		      &resolver, HT_EINVALID,
		      "model 12: field 'primaryKey' is missing");
	to_yaml_fails(HT_KIND_EVENT_MODEL,
		      API_MODEL(",\"queryType\":\"table\","
				"\"table\":{\"name\":\"t\"}"),
		      &resolver, HT_EINVALID,
		      "event-model 12: field 'timestampColumn' is missing");
	to_yaml_fails(HT_KIND_MODEL, "[1]", &resolver, HT_EINVALID,
		      "model: expected a JSON object, got array");
	to_yaml_fails(HT_KIND_SYNC,
		      "{\"id\":5,\"modelId\":1,\"destinationId\":1,"
		      "\"configuration\":{},\"schedule\":\"daily\","
		      "\"disabled\":false}",
		      &resolver, HT_EINVALID,
		      "sync 5: field 'schedule' must be an object or null, "
		      "got string");
	to_yaml_fails(HT_KIND_SYNC,
		      "{\"id\":5,\"modelId\":1,\"destinationId\":1,"
		      "\"configuration\":{},\"disabled\":false}",
		      &resolver, HT_EINVALID,
		      "sync 5: field 'schedule' is missing");
	to_yaml_fails(HT_KIND_SYNC,
		      "{\"id\":5,\"modelId\":1,\"destinationId\":1,"
		      "\"configuration\":[],\"schedule\":null,"
		      "\"disabled\":false}",
		      &resolver, HT_EINVALID,
		      "sync 5: field 'configuration' must be an object, "
		      "got array");
	to_yaml_fails(HT_KIND_SYNC,
		      "{\"id\":5,\"modelId\":1,\"destinationId\":1,"
		      "\"configuration\":{},\"schedule\":{\"type\":\"cron\"},"
		      "\"disabled\":false}",
		      &resolver, HT_EINVALID,
		      "sync 5: field 'schedule.schedule' is missing");
	to_yaml_fails(HT_KIND_SYNC,
		      "{\"id\":5,\"modelId\":1,\"destinationId\":9,"
		      "\"configuration\":{},\"schedule\":null,"
		      "\"disabled\":false}",
		      &resolver, HT_ENOTFOUND,
		      "sync 5: destination 9 not found");
	to_yaml_fails(HT_KIND_RELATIONSHIP,
		      "{\"id\":1,\"fromModelId\":1,\"toModelId\":2,"
		      "\"cardinality\":\"one-to-many\",\"joinKeys\":[]}",
		      &resolver, HT_EINVALID,
		      "relationship 1: field 'joinKeys' is empty");
	to_yaml_fails(HT_KIND_RELATIONSHIP,
		      "{\"id\":1,\"fromModelId\":1,\"toModelId\":2,"
		      "\"cardinality\":\"many-to-many\",\"joinKeys\":[]}",
		      &resolver, HT_EUNSUPPORTED,
		      "relationship 1: unsupported cardinality "
		      "'many-to-many'");
	to_yaml_fails(HT_KIND_MANIFEST, "{\"sources\":[]}", &resolver,
		      HT_EINVALID, "manifest: field 'destinations' is missing");
	to_yaml_fails(HT_KIND_MANIFEST,
		      "{\"sources\":[{\"id\":3,\"slug\":\"a b\",\"name\":\"x\","
		      "\"type\":\"y\"}],\"destinations\":[]}",
		      &resolver, HT_EINVALID,
		      "source 3: field 'slug' is not a valid slug");
	to_yaml_fails(HT_KIND_MANIFEST,
		      "{\"sources\":[],\"destinations\":[{\"id\":3,"
		      "\"slug\":\"d\",\"name\":\"x\",\"type\":\"y\"},{\"id\":4,"
		      "\"slug\":\"d\",\"name\":\"x\",\"type\":\"y\"}]}",
		      &resolver, HT_EINVALID,
		      "manifest: duplicate destination slug 'd'");
	to_yaml_fails(HT_KIND_MANIFEST,
		      "{\"sources\":[{\"id\":3,\"slug\":\"s\",\"type\":\"y\"}],"
		      "\"destinations\":[]}",
		      &resolver, HT_EINVALID,
		      "source 3: field 'name' is missing");
	to_yaml_fails(HT_KIND_ALIASES, "{\"a\":\"not a slug\"}", &resolver,
		      HT_EINVALID, "aliases: alias 'a' must name a slug");
	to_yaml_fails(HT_KIND_ALIASES, "{\"-a\":\"b\"}", &resolver,
		      HT_EINVALID, "aliases: '-a' is not a valid alias");
	to_yaml_fails(HT_KIND__COUNT, "{}", &resolver, HT_EINVALID,
		      "unknown resource kind 10");
}

static void test_to_yaml_without_resolver(void **state)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *doc = NULL;
	json_t *v;

	(void)state;
	v = api("{\"name\":\"M\",\"source\":\"snowflake\",\"queryType\":"
		"\"table\",\"table\":{\"name\":\"t\"},\"primaryKey\":null}");
	assert_int_equal(ht_kind_to_yaml(&doc, HT_KIND_MODEL, v, NULL), 0);
	assert_int_equal(ht_yaml_emit(&sb, doc), 0);
	assert_string_equal(sb.buf, "name: M\nsource: snowflake\ntype: table\n"
				    "tableName: t\nisSchema: false\n"
				    "primaryKey: null\n");
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
	json_decref(v);
	to_yaml_fails(HT_KIND_MODEL,
		      "{\"id\":1,\"name\":\"M\",\"sourceId\":1}", NULL,
		      HT_EINVALID, "model 1: field 'source' is missing");
	to_yaml_fails(HT_KIND_MODEL,
		      "{\"id\":1,\"name\":\"M\",\"source\":\"a b\"}", NULL,
		      HT_EINVALID, "model 1: field 'source' is not a valid "
		      "slug");
}

static void test_to_yaml_depth(void **state)
{
	struct ht_ynode *doc = NULL;
	json_t *cfg = json_object(), *v;
	int i;

	(void)state;
	/* 63 levels inside `config:` fit, 64 do not (doc + config + 63) */
	for (i = 0; i < 62; i++)
		cfg = json_pack("{so}", "x", cfg);
	v = json_pack("{sisisOsnsb}", "modelId", 1, "destinationId", 1,
		      "configuration", cfg, "schedule", "disabled", 0);
	assert_int_equal(ht_kind_to_yaml(&doc, HT_KIND_SYNC, v, &resolver), 0);
	ht_ynode_free(doc);
	json_decref(v);
	cfg = json_pack("{so}", "x", cfg);
	v = json_pack("{sisisosnsb}", "modelId", 1, "destinationId", 1,
		      "configuration", cfg, "schedule", "disabled", 0);
	assert_int_equal(ht_kind_to_yaml(&doc, HT_KIND_SYNC, v, &resolver),
			 HT_ETOODEEP);
	assert_null(doc);
	json_decref(v);
}

/*
 * Validating gives what converting gives, on the API fixtures and on every
 * YAML file of the check fixtures.
 */

#define API_FIXTURES "tests/fixtures/api"
#define CHECK_FIXTURES "tests/fixtures/check"

/* A resolver that knows every id: the slug "k<kind>-<id>", and back. */
struct any_ids {
	char **slugs;
	size_t nr, alloc;
};

static int any_slug_of(const char **slug_out, enum ht_kind kind, int64_t id,
		       void *payload)
{
	struct any_ids *a = payload;
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_strbuf_addf(&sb, "k%d-%" PRId64, (int)kind, id);
	HT_ALLOC_GROW(a->slugs, a->nr + 1, a->alloc);
	a->slugs[a->nr] = ht_strbuf_detach(&sb, NULL);
	*slug_out = a->slugs[a->nr++];
	return 0;
}

static int any_id_of(int64_t *id_out, enum ht_kind kind, const char *slug,
		     void *payload)
{
	int64_t id;
	int k, n = 0;

	(void)payload;
	if (sscanf(slug, "k%d-%" SCNd64 "%n", &k, &id, &n) != 2 || slug[n] ||
	    k != (int)kind)
		return HT_ENOTFOUND;
	*id_out = id;
	return 0;
}

/* Every file under `dir` whose name ends in `ext`, sorted. */
static void list_files(char ***paths, size_t *nr, size_t *alloc,
		       const char *dir, const char *ext)
{
	size_t elen = strlen(ext);
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		fail_msg("cannot open '%s'", dir);
	while ((de = readdir(d))) {
		struct ht_strbuf sb = HT_STRBUF_INIT;
		size_t len = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		ht_strbuf_addf(&sb, "%s/%s", dir, de->d_name);
		if (stat(sb.buf, &st) < 0)
			fail_msg("cannot stat '%s'", sb.buf);
		if (S_ISDIR(st.st_mode)) {
			list_files(paths, nr, alloc, sb.buf, ext);
		} else if (len > elen &&
			   !strcmp(de->d_name + len - elen, ext)) {
			HT_ALLOC_GROW(*paths, *nr + 1, *alloc);
			(*paths)[(*nr)++] = ht_strbuf_detach(&sb, NULL);
			continue;
		}
		ht_strbuf_release(&sb);
	}
	closedir(d);
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **files_under(size_t *nr, const char *dir, const char *ext)
{
	char **paths = NULL;
	size_t alloc = 0;

	*nr = 0;
	list_files(&paths, nr, &alloc, dir, ext);
	if (*nr)
		qsort(paths, *nr, sizeof(*paths), cmp_path);
	return paths;
}

static void free_files(char **paths, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(paths[i]);
	free(paths);
}

static void test_validate_api_fixtures(void **state)
{
	struct any_ids ids = { NULL, 0, 0 };
	const struct ht_resolver any = { any_slug_of, any_id_of, &ids, NULL };
	size_t nr, i;
	char **paths = files_under(&nr, API_FIXTURES, ".json");

	(void)state;
	assert_true(nr >= 60);
	for (i = 0; i < nr; i++) {
		struct ht_strbuf sb = HT_STRBUF_INIT;
		struct ht_diags d = HT_DIAGS_INIT;
		struct ht_ynode *doc = NULL;
		const json_t *slug;
		json_t *fx = NULL, *out;
		enum ht_kind kind;
		int ret;

		if (ht_strbuf_read_file(&sb, paths[i], 0) < 0 ||
		    ht_json_parse(&fx, sb.buf, sb.len, 0, paths[i]) < 0)
			fail_msg("%s", ht_error_message());
		kind = ht_kind_from_name(ht_json_get_string(fx, "kind"));
		slug = json_object_get(fx, "slug");
		if (kind == HT_KIND__COUNT ||
		    ht_kind_to_yaml(&doc, kind, json_object_get(fx, "api"),
				    &any) < 0)
			fail_msg("%s: %s", paths[i], ht_error_message());
		out = both_ways(&ret, kind, json_string_value(slug), doc, &any,
				paths[i], &d);
		assert_int_equal(ret, 0);
		json_decref(out);
		ht_diags_release(&d);
		/* without a resolver */
		out = both_ways(&ret, kind, json_string_value(slug), doc, NULL,
				paths[i], &d);
		assert_int_equal(ret, 0);
		json_decref(out);
		ht_diags_release(&d);
		ht_ynode_free(doc);
		json_decref(fx);
		ht_strbuf_release(&sb);
	}
	free_files(paths, nr);
	free_files(ids.slugs, ids.nr);
}

static void test_validate_check_fixtures(void **state)
{
	const struct ht_resolver *resolvers[] = { &resolver, NULL };
	size_t nr, i, parsed = 0, failed = 0;
	char **paths = files_under(&nr, CHECK_FIXTURES, ".yaml");

	(void)state;
	assert_true(nr >= 300);
	for (i = 0; i < nr; i++) {
		struct ht_strbuf sb = HT_STRBUF_INIT, slug = HT_STRBUF_INIT;
		const char *base = strrchr(paths[i], '/') + 1;
		struct ht_ynode *doc = NULL;
		size_t j;
		int k;

		if (ht_strbuf_read_file(&sb, paths[i], 0) < 0)
			fail_msg("%s", ht_error_message());
		if (ht_yaml_parse(&doc, sb.buf, sb.len, paths[i], NULL) < 0) {
			ht_error_clear();
			ht_strbuf_release(&sb);
			continue;
		}
		parsed++;
		ht_strbuf_add(&slug, base, strlen(base) - strlen(".yaml"));
		/* every file as every kind, with and without a resolver */
		for (k = 0; k < HT_KIND__COUNT; k++)
			for (j = 0; j < 2; j++) {
				struct ht_diags d = HT_DIAGS_INIT;
				json_t *out;
				int ret;

				out = both_ways(&ret, (enum ht_kind)k, slug.buf,
						doc, resolvers[j], paths[i],
						&d);
				failed += ret < 0;
				json_decref(out);
				ht_diags_release(&d);
			}
		ht_ynode_free(doc);
		ht_strbuf_release(&slug);
		ht_strbuf_release(&sb);
	}
	assert_true(parsed >= 300);
	assert_true(failed > 0);
	free_files(paths, nr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_slugs),
		cmocka_unit_test(test_kind_path),
		cmocka_unit_test(test_kind_for_path),
		cmocka_unit_test(test_model_ok),
		cmocka_unit_test(test_not_a_mapping),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_misspelt_field),
		cmocka_unit_test(test_missing_field),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_bad_enum),
		cmocka_unit_test(test_query_type_mismatch),
		cmocka_unit_test(test_bad_schedule),
		cmocka_unit_test(test_unresolved_reference),
		cmocka_unit_test(test_bad_slug),
		cmocka_unit_test(test_joinkeys),
		cmocka_unit_test(test_manifest_from_yaml),
		cmocka_unit_test(test_same_data),
		cmocka_unit_test(test_to_yaml_errors),
		cmocka_unit_test(test_to_yaml_without_resolver),
		cmocka_unit_test(test_to_yaml_depth),
		cmocka_unit_test(test_validate_api_fixtures),
		cmocka_unit_test(test_validate_check_fixtures),
	};

	/* count jansson's allocations (same_when_validating()) */
	json_set_alloc_funcs(counting_malloc, free);
	return cmocka_run_group_tests_name("kinds", tests, NULL, NULL);
}
