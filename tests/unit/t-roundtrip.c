/*
 * Round trips of API objects through the files, one test per fixture in
 * tests/fixtures/api/ (one JSON file each).  A fixture is
 *
 *   {"kind": "model", "slug": "users", "note": "...", "warnings": 0,
 *    "api": {...the API object...},
 *    "expect": {...what ht_kind_from_yaml() must give back...},
 *    "yaml": "...the exact file text (optional)..."}
 *
 * where "expect" was written independently of the C code (it is the
 * projection of "api" on the fields the file holds, with API names; see
 * docs/file-format.md).  For each fixture:
 *
 *   to_yaml(api) -> emit -> parse -> from_yaml == expect (json_equal),
 *   emitting twice gives the same bytes, parse(emit(doc)) equals doc,
 *   emit(parse(emit(doc))) gives the same bytes, the text is "yaml" when
 *   the fixture has it, and to_yaml(from_yaml(...)) gives the same tree.
 *
 * A last test checks that the fixtures cover every kind, query type and
 * schedule form.  HT_FIXTURES_DIR overrides the fixture directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hightouch/diag.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/kinds.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

#define MIN_FIXTURES 60

/* The workspace the fixtures refer to: ids <-> slugs. */
static const struct {
	enum ht_kind kind;
	int64_t id;
	const char *slug;
} workspace[] = {
	{ HT_KIND_SOURCE, 1, "snowflake" },
	{ HT_KIND_SOURCE, 2, "postgres-prod" },
	{ HT_KIND_SOURCE, 3, "bigquery" },
	{ HT_KIND_SOURCE, 7, "airtable" },
	{ HT_KIND_DESTINATION, 1, "hubspot" },
	{ HT_KIND_DESTINATION, 2, "salesforce" },
	{ HT_KIND_DESTINATION, 3, "webhook" },
	{ HT_KIND_DESTINATION, 4, "google-ads" },
	{ HT_KIND_DESTINATION, 5, "braze-dx" },
	{ HT_KIND_MODEL, 1, "users" },
	{ HT_KIND_MODEL, 2, "accounts" },
	{ HT_KIND_MODEL, 3, "events" },
	{ HT_KIND_MODEL, 4, "orders" },
	{ HT_KIND_MODEL, 10, "customers-parent" },
	{ HT_KIND_MODEL, 11, "purchases" },
	{ HT_KIND_MODEL, 12, "page-views" },
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

	(void)payload;
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

static const char *fixtures_dir(void)
{
	const char *d = getenv("HT_FIXTURES_DIR");

	return d && *d ? d : "tests/fixtures/api";
}

static json_t *load_fixture(const char *path)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	json_t *v = NULL;

	if (ht_strbuf_read_file(&sb, path, 0) < 0)
		fail_msg("%s: %s", path, ht_error_message());
	if (ht_json_parse(&v, sb.buf, sb.len, 0, path) < 0)
		fail_msg("%s", ht_error_message());
	ht_strbuf_release(&sb);
	if (!json_is_object(v) || !json_is_string(json_object_get(v, "kind")) ||
	    !json_is_object(json_object_get(v, "api")) ||
	    !json_is_object(json_object_get(v, "expect")))
		fail_msg("%s: not a fixture", path);
	return v;
}

static char *dump(const json_t *v)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_json_dump(&sb, v);
	return ht_strbuf_detach(&sb, NULL);
}

/*
 * What we write, the reader's fast path reads, exactly as libyaml does
 * (common/yaml_fast.c): a repository of our files is checked fast.
 */
static void same_paths(const struct ht_strbuf *text, const char *path)
{
	struct ht_ynode *fast = NULL, *slow = NULL;
	struct ht_ydiag yd;

	if (ht_yaml_parse_with(&fast, text->buf, text->len, path, &yd,
			       HT_YAML_FAST) < 0)
		fail_msg("%s: the fast path declined\n%s", path, text->buf);
	if (ht_yaml_parse_with(&slow, text->buf, text->len, path, &yd,
			       HT_YAML_LIBYAML) < 0)
		fail_msg("%s: libyaml failed: %s", path, ht_error_message());
	if (!ht_ynode_identical(fast, slow))
		fail_msg("%s: the two paths disagree on\n%s", path, text->buf);
	ht_ynode_free(fast);
	ht_ynode_free(slow);
}

static void emit(struct ht_strbuf *out, const struct ht_ynode *doc,
		 const char *what)
{
	if (ht_yaml_emit(out, doc) < 0)
		fail_msg("%s: emit failed: %s", what, ht_error_message());
}

static void same_text(const struct ht_strbuf *a, const struct ht_strbuf *b,
		      const char *what, const char *step)
{
	if (a->len != b->len || memcmp(a->buf, b->buf, a->len))
		fail_msg("%s: %s: texts differ\n---\n%s---\n%s---", what, step,
			 a->buf, b->buf);
}

static void test_fixture(void **state)
{
	const char *path = *state;
	struct ht_strbuf text = HT_STRBUF_INIT, again = HT_STRBUF_INIT;
	struct ht_diags diags = HT_DIAGS_INIT;
	struct ht_ynode *doc = NULL, *back = NULL, *doc2 = NULL;
	struct ht_ydiag yd;
	json_t *fx, *out = NULL;
	const json_t *want_yaml, *slug_v;
	const char *slug;
	enum ht_kind kind;
	size_t i;

	fx = load_fixture(path);
	kind = ht_kind_from_name(ht_json_get_string(fx, "kind"));
	if (kind == HT_KIND__COUNT)
		fail_msg("%s: unknown kind", path);
	slug_v = json_object_get(fx, "slug");
	slug = json_is_string(slug_v) ? json_string_value(slug_v) : NULL;

	if (ht_kind_to_yaml(&doc, kind, json_object_get(fx, "api"), &resolver) <
	    0)
		fail_msg("%s: to_yaml: %s", path, ht_error_message());

	emit(&text, doc, path);
	emit(&again, doc, path);
	same_text(&text, &again, path, "emitting twice");

	want_yaml = json_object_get(fx, "yaml");
	if (want_yaml &&
	    (json_string_length(want_yaml) != text.len ||
	     memcmp(json_string_value(want_yaml), text.buf, text.len)))
		fail_msg("%s: expected\n---\n%s---\ngot\n---\n%s---", path,
			 json_string_value(want_yaml), text.buf);

	if (ht_yaml_parse(&back, text.buf, text.len, path, &yd) < 0)
		fail_msg("%s: parse of\n%s\nfailed: %s", path, text.buf,
			 ht_error_message());
	if (!ht_ynode_equal(doc, back))
		fail_msg("%s: parse(emit(doc)) != doc for\n%s", path, text.buf);
	same_paths(&text, path);
	ht_strbuf_reset(&again);
	emit(&again, back, path);
	same_text(&text, &again, path, "emit(parse(emit(doc)))");

	if (ht_kind_from_yaml(&out, kind, slug, back, &resolver, path, &diags) <
	    0) {
		struct ht_strbuf msg = HT_STRBUF_INIT;

		for (i = 0; i < diags.nr; i++) {
			ht_diag_format(&msg, &diags.items[i]);
			ht_strbuf_addch(&msg, '\n');
		}
		fail_msg("%s: from_yaml: %s\n%s\nof\n%s", path,
			 ht_error_message(), msg.buf, text.buf);
	}
	assert_int_equal(diags.nerrors, 0);
	assert_int_equal(diags.nwarnings,
			 json_integer_value(json_object_get(fx, "warnings")));
	if (!json_equal(out, json_object_get(fx, "expect"))) {
		char *a = dump(out), *b = dump(json_object_get(fx, "expect"));

		fail_msg("%s: from_yaml gave\n%s\nexpected\n%s\nfrom\n%s", path,
			 a, b, text.buf);
	}

	/* and what from_yaml gives is valid API input for the same file */
	if (ht_kind_to_yaml(&doc2, kind, out, &resolver) < 0)
		fail_msg("%s: to_yaml(from_yaml): %s", path,
			 ht_error_message());
	if (!ht_ynode_equal(doc2, back))
		fail_msg("%s: to_yaml(from_yaml(x)) != x", path);

	ht_ynode_free(doc);
	ht_ynode_free(doc2);
	ht_ynode_free(back);
	json_decref(out);
	json_decref(fx);
	ht_diags_release(&diags);
	ht_strbuf_release(&text);
	ht_strbuf_release(&again);
}

struct coverage {
	int kinds[HT_KIND__COUNT];
	int query_raw, query_table, query_dbt, query_custom;
	int sched_null, sched_manual, sched_cron, sched_visual, sched_dbt;
	int units[4];
	int with_start, without_start, string_ids;
	size_t nfixtures;
};

static void cover(struct coverage *c, const json_t *fx)
{
	enum ht_kind kind = ht_kind_from_name(ht_json_get_string(fx, "kind"));
	const json_t *api = json_object_get(fx, "api");
	const json_t *sched = json_object_get(api, "schedule");
	const char *qt = ht_json_get_string(api, "queryType");
	const char *unit;

	c->nfixtures++;
	if (kind < HT_KIND__COUNT)
		c->kinds[kind]++;
	if (json_is_string(json_object_get(api, "id")))
		c->string_ids++;
	if (qt) {
		c->query_raw += !strcmp(qt, "raw_sql");
		c->query_table += !strcmp(qt, "table");
		c->query_dbt += !strcmp(qt, "dbt");
		c->query_custom += !strcmp(qt, "custom");
	}
	if (kind != HT_KIND_SYNC)
		return;
	if (json_is_null(sched)) {
		c->sched_null++;
		return;
	}
	qt = ht_json_get_string(sched, "type");
	c->sched_manual += !strcmp(qt, "manual");
	c->sched_cron += !strcmp(qt, "cron");
	c->sched_visual += !strcmp(qt, "visual");
	c->sched_dbt += !strcmp(qt, "dbt-cloud");
	unit = json_string_value(
		ht_json_get_path(sched, "schedule.interval.unit"));
	if (unit) {
		c->units[0] += !strcmp(unit, "minute");
		c->units[1] += !strcmp(unit, "hour");
		c->units[2] += !strcmp(unit, "day");
		c->units[3] += !strcmp(unit, "week");
	}
	if (json_is_string(json_object_get(sched, "startDate")))
		c->with_start++;
	else if (strcmp(qt, "manual"))
		c->without_start++;
}

static char **paths;
static size_t npaths;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_fixtures(void)
{
	const char *dir = fixtures_dir();
	size_t alloc = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d) {
		fprintf(stderr, "cannot open '%s'\n", dir);
		exit(1);
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		struct ht_strbuf sb = HT_STRBUF_INIT;

		if (de->d_name[0] == '.' || len < 6 ||
		    strcmp(de->d_name + len - 5, ".json"))
			continue;
		if (npaths == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			paths = realloc(paths, alloc * sizeof(*paths));
			if (!paths)
				exit(1);
		}
		ht_strbuf_addf(&sb, "%s/%s", dir, de->d_name);
		paths[npaths++] = ht_strbuf_detach(&sb, NULL);
	}
	closedir(d);
	if (npaths)
		qsort(paths, npaths, sizeof(*paths), cmp_str);
}

static void test_coverage(void **state)
{
	struct coverage c;
	size_t i;
	int k;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (i = 0; i < npaths; i++) {
		json_t *fx = load_fixture(paths[i]);

		cover(&c, fx);
		json_decref(fx);
	}
	assert_true(c.nfixtures >= MIN_FIXTURES);
	for (k = 0; k < HT_KIND__COUNT; k++)
		if (!c.kinds[k])
			fail_msg("no fixture of kind '%s'",
				 ht_kind_info((enum ht_kind)k)->name);
	assert_true(c.query_raw && c.query_table && c.query_dbt &&
		    c.query_custom);
	assert_true(c.sched_null && c.sched_manual && c.sched_cron &&
		    c.sched_visual && c.sched_dbt);
	for (k = 0; k < 4; k++)
		assert_true(c.units[k]);
	assert_true(c.with_start && c.without_start && c.string_ids);
}

int main(void)
{
	struct CMUnitTest *tests;
	size_t i;
	int ret;

	list_fixtures();
	tests = calloc(npaths + 1, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < npaths; i++) {
		const char *base = strrchr(paths[i], '/');

		tests[i].name = base ? base + 1 : paths[i];
		tests[i].test_func = test_fixture;
		tests[i].initial_state = paths[i];
	}
	tests[npaths].name = "coverage";
	tests[npaths].test_func = test_coverage;
	ret = _cmocka_run_group_tests("roundtrip", tests, npaths + 1, NULL,
				      NULL);
	for (i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	free(tests);
	return ret;
}
