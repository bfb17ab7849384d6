/*
 * Unit tests for the repository-level rules: the cron checker, workspaces
 * (manifest + aliases), ht_check_run() over in-memory trees (every rule
 * across files, what is reported with a base, options, threads), the
 * rule registry and the report formats.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "hightouch/check.h"
#include "hightouch/cron.h"
#include "hightouch/diag.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/remotes.h"
#include "hightouch/report.h"
#include "hightouch/strbuf.h"
#include "hightouch/workspace.h"

/*
 * A small clean workspace
 */

static const char manifest[] =
	"sources:\n"
	"  snowflake:\n"
	"    name: Snowflake\n"
	"    type: snowflake\n"
	"destinations:\n"
	"  hubspot:\n"
	"    name: HubSpot\n"
	"    type: hubspot\n"
	"  sheets:\n"
	"    name: Sheets\n"
	"    type: google-sheets\n";

static const char aliases[] = "sources:\n"
			      "  warehouse: snowflake\n"
			      "destinations:\n"
			      "  crm: hubspot\n";

static const char model[] = "name: Users\n"
			    "source: warehouse\n"
			    "type: raw_sql\n"
			    "rawSql: select 1\n"
			    "primaryKey: id\n";

static const char sync[] = "model: users\n"
			   "destination: crm\n"
			   "config: {}\n"
			   "schedule:\n"
			   "  type: manual\n"
			   "schedulePaused: false\n";

/* A sync with another schedule block (lines 4 and on). */
static char *sync_with(const char *schedule)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_strbuf_addf(&sb,
		       "model: users\n"
		       "destination: crm\n"
		       "config: {}\n"
		       "%sschedulePaused: false\n",
		       schedule);
	return ht_strbuf_detach(&sb, NULL);
}

/* A tree of (path, content) pairs, NULL-terminated. */
static void tree_of(struct ht_check_tree *t, ...)
{
	const char *path, *data;
	va_list ap;

	va_start(ap, t);
	while ((path = va_arg(ap, const char *))) {
		data = va_arg(ap, const char *);
		ht_check_tree_add_data(t, path, data, strlen(data));
	}
	va_end(ap);
}

static void base_tree(struct ht_check_tree *t)
{
	tree_of(t, "manifest-w.yaml", manifest, "aliases-w.yaml", aliases,
		"models/users.yaml", model, "syncs/users-to-crm.yaml", sync,
		NULL);
}

/* The findings, one "path:line:col: sev: message [rule]" line each. */
static char *format(const struct ht_diags *d)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i;

	for (i = 0; i < d->nr; i++) {
		ht_diag_format(&sb, &d->items[i]);
		ht_strbuf_addch(&sb, '\n');
	}
	return ht_strbuf_detach(&sb, NULL);
}

static void expect_run(struct ht_check_tree *head, struct ht_check_tree *base,
		       const struct ht_check_opts *opts, const char *want)
{
	struct ht_diags d = HT_DIAGS_INIT;
	char *got;

	assert_int_equal(ht_check_run(&d, head, base, opts), 0);
	got = format(&d);
	if (strcmp(got, want))
		print_message("expected:\n%sgot:\n%s", want, got);
	assert_string_equal(got, want);
	free(got);
	ht_diags_release(&d);
	ht_check_tree_release(head);
	if (base)
		ht_check_tree_release(base);
}

/*
 * Cron
 */

static void expect_cron(const char *expr, const char *msg)
{
	int ret = ht_cron_check(expr, strlen(expr));

	if (!msg) {
		if (ret)
			print_message("'%s': %s\n", expr, ht_error_message());
		assert_int_equal(ret, 0);
		return;
	}
	if (!ret)
		print_message("'%s' was accepted\n", expr);
	assert_int_equal(ret, HT_EINVALID);
	assert_string_equal(ht_error_message(), msg);
}

static void test_cron_valid(void **state)
{
	static const char *const ok[] = {
		"* * * * *",
		"0 0 1 1 0",
		"59 23 31 12 7",
		"*/15 * * * *",
		"0 9-17/2 * * MON-FRI",
		"0,30 8,20 * JAN,jul sun",
		"5 4 * * 1-5",
		"0 12 ? * wed",
		"0 12 L * ?",
		"0 12 LW * ?",
		"0 12 15W * ?",
		"0 12 ? * 5L",
		"0 12 ? * FRI#3",
		"\t0  0   *  * *  ",
		"7/10 * * * *",
		"* * * * */7",
		NULL,
	};
	size_t i;

	(void)state;
	for (i = 0; ok[i]; i++)
		expect_cron(ok[i], NULL);
}

static void test_cron_invalid(void **state)
{
	(void)state;
	expect_cron("", "expected 5 fields, got 0");
	expect_cron("* * * *", "expected 5 fields, got 4");
	expect_cron("0 0 * * * 2024", "expected 5 fields, got 6");
	expect_cron("60 * * * *", "minute '60' is out of range 0-59");
	expect_cron("0 24 * * *", "hour '24' is out of range 0-23");
	expect_cron("0 0 0 * *", "day of month '0' is out of range 1-31");
	expect_cron("0 0 32 * *", "day of month '32' is out of range 1-31");
	expect_cron("0 0 * 13 *", "month '13' is out of range 1-12");
	expect_cron("0 0 * * 8", "day of week '8' is out of range 0-7");
	expect_cron("0 0 * FOO *", "month 'FOO' is not valid");
	expect_cron("0 0 * * MONDAY", "day of week 'MONDAY' is not valid");
	expect_cron("0 0 * * JAN", "day of week 'JAN' is not valid");
	expect_cron("*/0 * * * *", "minute step '0' must be a number from 1 "
				   "to 60");
	expect_cron("*/61 * * * *", "minute step '61' must be a number from "
				    "1 to 60");
	expect_cron("0 17-9 * * *", "hour range '17-9' goes backwards");
	expect_cron("0 0 * * FRI-MON", "day of week range 'FRI-MON' goes "
				       "backwards");
	expect_cron("1,,2 * * * *", "minute has an empty item");
	expect_cron("1, * * * *", "minute has an empty item");
	expect_cron("- * * * *", "minute '' is not valid");
	expect_cron("1-2-3 * * * *", "minute '2-3' is not valid");
	expect_cron("? * * * *", "'?' is only allowed in the day of month or "
				 "the day of week");
	expect_cron("0 0 ?,1 * *", "'?' must be alone in the day of month");
	expect_cron("0 0 ? * ?", "'?' may stand for the day of month or the "
				 "day of week, not both");
	expect_cron("0 0 L * *", NULL);
	expect_cron("0 0 * * L", "day of week 'L' is not valid");
	expect_cron("0 0 * L *", "month 'L' is not valid");
	expect_cron("0 0 32W * *", "day of month '32' is out of range 1-31");
	expect_cron("0 0 * * 1#6", "day of week '1#6': the week after '#' "
				   "must be 1 to 5");
	expect_cron("0 0 * * #1", "day of week '' is not valid");
	expect_cron("0 0 1W/2 * *", "day of month '1W' is not valid");
	expect_cron("00000 * * * *", "minute '00000' is not valid");
}

/*
 * Workspaces
 */

static void test_workspace_resolve(void **state)
{
	struct ht_workspace ws;
	struct ht_diags d = HT_DIAGS_INIT;
	const char *slug = NULL;
	int via = -1;

	(void)state;
	ht_workspace_init(&ws, "w");
	assert_string_equal(ws.manifest_path, "manifest-w.yaml");
	assert_string_equal(ws.aliases_path, "aliases-w.yaml");
	assert_int_equal(ht_workspace_resolve(&ws, HT_KIND_SOURCE, "snowflake",
					      &slug, &via),
			 HT_UNKNOWN);
	assert_int_equal(ht_workspace_read_manifest(&ws, manifest,
						    strlen(manifest), &d),
			 0);
	assert_int_equal(ht_workspace_read_aliases(&ws, aliases,
						   strlen(aliases), &d),
			 0);
	assert_int_equal(d.nr, 0);
	assert_true(ws.manifest_valid && ws.aliases_valid);

	assert_int_equal(ht_workspace_resolve(&ws, HT_KIND_SOURCE, "snowflake",
					      &slug, &via),
			 HT_RESOLVED);
	assert_string_equal(slug, "snowflake");
	assert_int_equal(via, 0);
	assert_int_equal(ht_workspace_resolve(&ws, HT_KIND_SOURCE, "warehouse",
					      &slug, &via),
			 HT_RESOLVED);
	assert_string_equal(slug, "snowflake");
	assert_int_equal(via, 1);
	assert_int_equal(ht_workspace_resolve(&ws, HT_KIND_DESTINATION,
					      "warehouse", &slug, &via),
			 HT_UNRESOLVED);
	/* an alias of the other section is not followed */
	assert_string_equal(slug, "warehouse");
	assert_int_equal(via, 0);
	assert_int_equal(ht_workspace_resolve(&ws, HT_KIND_DESTINATION, "crm",
					      NULL, NULL),
			 HT_RESOLVED);
	assert_int_equal(ht_workspace_resolve(&ws, HT_KIND_DESTINATION, "nope",
					      &slug, NULL),
			 HT_UNRESOLVED);
	assert_int_equal(ht_workspace_alias_kind(&ws, "crm"),
			 HT_KIND_DESTINATION);
	assert_int_equal(ht_workspace_alias_kind(&ws, "warehouse"),
			 HT_KIND_SOURCE);
	assert_int_equal(ht_workspace_alias_kind(&ws, "hubspot"),
			 HT_KIND__COUNT);
	assert_string_equal(ht_aliases_target(ws.aliases, HT_KIND_SOURCE,
					      "warehouse"),
			    "snowflake");
	assert_null(ht_aliases_target(ws.aliases, HT_KIND_DESTINATION,
				      "warehouse"));
	assert_true(ht_workspace_has(&ws, HT_KIND_DESTINATION, "sheets"));
	assert_false(ht_workspace_has(&ws, HT_KIND_SOURCE, "sheets"));
	ht_workspace_release(&ws);
}

static void test_workspace_invalid_files(void **state)
{
	struct ht_workspace ws;
	struct ht_diags d = HT_DIAGS_INIT;
	static const char bad[] = "sources: [\n";
	static const char bad_aliases[] = "destinations:\n"
					  "  crm: [hubspot]\n";
	char *got;

	(void)state;
	ht_workspace_init(&ws, "w");
	assert_int_equal(ht_workspace_read_manifest(&ws, bad, strlen(bad), &d),
			 0);
	assert_true(ws.have_manifest);
	assert_false(ws.manifest_valid);
	assert_int_equal(ht_workspace_read_aliases(&ws, bad_aliases,
						   strlen(bad_aliases), &d),
			 0);
	assert_false(ws.aliases_valid);
	got = format(&d);
	assert_string_equal(got,
			    "manifest-w.yaml:2:1: error: did not find "
			    "expected node content while parsing a flow node "
			    "at line 2 [yaml-syntax]\n"
			    "aliases-w.yaml:2:8: error: alias 'crm' must name "
			    "a slug (a string), got list [wrong-type]\n");
	free(got);
	assert_int_equal(ht_workspace_resolve(&ws, HT_KIND_SOURCE, "x", NULL,
					      NULL),
			 HT_UNKNOWN);
	ht_diags_release(&d);
	ht_workspace_release(&ws);
}

static void test_workspace_alias_rules(void **state)
{
	struct ht_workspace ws;
	struct ht_diags d = HT_DIAGS_INIT;
	struct ht_strbuf sb = HT_STRBUF_INIT;
	static const char a[] = "sources:\n"
				"  snowflake: snowflake\n"
				"  gone: nowhere\n"
				"  dest: sheets\n"
				"destinations:\n"
				"  hubspot: sheets\n"
				"  snowflake2: snowflake\n"
				"  ok: sheets\n";
	char *got;

	(void)state;
	ht_workspace_init(&ws, "w");
	ht_workspace_read_manifest(&ws, manifest, strlen(manifest), &d);
	ht_workspace_read_aliases(&ws, a, strlen(a), &d);
	ht_workspace_check_aliases(&ws, &d);
	got = format(&d);
	assert_string_equal(
		got, "aliases-w.yaml:2:3: error: alias 'snowflake' has the "
		     "name of a source of manifest-w.yaml: use the slug itself "
		     "[alias-shadows-slug]\n"
		     "aliases-w.yaml:3:9: error: alias 'gone' under 'sources:' "
		     "points at 'nowhere', which is not a source of "
		     "manifest-w.yaml [alias-target-missing]\n"
		     "aliases-w.yaml:4:9: error: alias 'dest' under 'sources:' "
		     "points at 'sheets', which is not a source of "
		     "manifest-w.yaml (it is a destination: move the alias "
		     "under 'destinations:') [alias-target-missing]\n"
		     "aliases-w.yaml:6:3: error: alias 'hubspot' has the name "
		     "of a destination of manifest-w.yaml: use the slug itself "
		     "[alias-shadows-slug]\n"
		     "aliases-w.yaml:7:15: error: alias 'snowflake2' under "
		     "'destinations:' points at 'snowflake', which is not a "
		     "destination of manifest-w.yaml (it is a source: move the "
		     "alias under 'sources:') [alias-target-missing]\n");
	free(got);
	/* where a line goes, for hints */
	ht_workspace_alias_where(&sb, &ws, HT_KIND_DESTINATION);
	assert_string_equal(sb.buf, " under 'destinations:' in aliases-w.yaml");
	ht_diags_release(&d);
	ht_workspace_release(&ws);

	ht_workspace_init(&ws, "w");
	ht_workspace_read_aliases(&ws, "sources: {}\n", 12, &d);
	ht_strbuf_reset(&sb);
	ht_workspace_alias_where(&sb, &ws, HT_KIND_SOURCE);
	assert_string_equal(sb.buf, " under 'sources:' in aliases-w.yaml (in "
				    "place of '{}')");
	ht_strbuf_reset(&sb);
	ht_workspace_alias_where(&sb, &ws, HT_KIND_DESTINATION);
	assert_string_equal(sb.buf, " under a new 'destinations:' in "
				    "aliases-w.yaml");
	assert_int_equal(d.nr, 0);
	ht_strbuf_release(&sb);
	ht_workspace_release(&ws);
}

/*
 * ht_check_run()
 */

static void test_clean(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;

	(void)state;
	base_tree(&head);
	tree_of(&head, "README.md", "# not ours: [", "docs/x.yaml", "- [",
		NULL);
	expect_run(&head, NULL, NULL, "");
}

static void test_per_file_rules(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	char *cron = sync_with("schedule:\n"
			       "  type: cron\n"
			       "  schedule:\n"
			       "    expression: 0 0 31 2 8\n");
	/* one parser, one finding */
	char *fields = sync_with("schedule:\n"
				 "  type: cron\n"
				 "  schedule:\n"
				 "    expression: 0 0 * *\n");
	char *chars = sync_with("schedule:\n"
				"  type: cron\n"
				"  schedule:\n"
				"    expression: 0 0 * * $x\n");
	char *visual = sync_with("schedule:\n"
				 "  type: visual\n"
				 "  schedule:\n"
				 "    expressions:\n"
				 "      - days: {monday: false}\n"
				 "        time: '10:00'\n"
				 "      - days: {monday: true}\n"
				 "        time: '10:00'\n"
				 "      - days: {}\n"
				 "        time: '10:00'\n");
	char *date = sync_with("schedule:\n"
			       "  type: interval\n"
			       "  schedule:\n"
			       "    interval: {unit: day, quantity: 1}\n"
			       "  startDate: '2024-02-30'\n");
	char *leap = sync_with("schedule:\n"
			       "  type: interval\n"
			       "  schedule:\n"
			       "    interval: {unit: day, quantity: 1}\n"
			       "  startDate: '2024-02-29T10:00:00+01:00'\n");

	(void)state;
	base_tree(&head);
	tree_of(&head, "syncs/cron.yaml", cron, "syncs/visual.yaml", visual,
		"syncs/date.yaml", date, "syncs/leap.yaml", leap,
		"syncs/fields.yaml", fields, "syncs/chars.yaml", chars,
		"models/bad yaml.yaml", "name: [", "models/empty.yaml", "",
		"models/-bad-slug.yaml", model,
		NULL);
	expect_run(&head, NULL, NULL,
		   "models/-bad-slug.yaml:0:0: error: file name '-bad-slug' "
		   "is not a valid slug [bad-slug]\n"
		   "models/bad yaml.yaml:2:1: error: did not find expected "
		   "node content while parsing a flow node at line 2 "
		   "[yaml-syntax]\n"
		   "models/empty.yaml:1:1: error: a model file must be a "
		   "mapping, got null [not-a-mapping]\n"
		   "syncs/chars.yaml:7:17: error: cron expression '0 0 * * "
		   "$x': day of week '$x' is not valid [bad-schedule]\n"
		   "syncs/cron.yaml:7:17: error: cron expression '0 0 31 2 "
		   "8': day of week '8' is out of range 0-7 [bad-schedule]\n"
		   "syncs/date.yaml:8:14: error: field 'schedule.startDate' "
		   "is not a calendar date, got '2024-02-30' "
		   "[bad-schedule]\n"
		   "syncs/fields.yaml:7:17: error: cron expression '0 0 * *': "
		   "expected 5 fields, got 4 [bad-schedule]\n"
		   "syncs/visual.yaml:8:15: error: a visual schedule "
		   "expression must select at least one day "
		   "[bad-schedule]\n"
		   "syncs/visual.yaml:12:15: error: a visual schedule "
		   "expression must select at least one day "
		   "[bad-schedule]\n");
	free(cron);
	free(fields);
	free(chars);
	free(visual);
	free(date);
	free(leap);
}

static void test_references(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;

	(void)state;
	base_tree(&head);
	tree_of(&head, "models/other.yaml",
		"name: O\nsource: nope\ntype: table\ntableName: t\n"
		"primaryKey: null\n",
		"syncs/a.yaml",
		"model: ghost\ndestination: warehouse\nconfig: {}\n"
		"schedule: {type: manual}\nschedulePaused: true\n",
		"schema/model-relationships/r.yaml",
		"from: users\nto: ghost\ncardinality: one-to-one\n"
		"joinKeys: [{from: a, to: b}]\n",
		"schema/event-models/users.yaml",
		"name: E\nsource: snowflake\ntype: table\ntableName: t\n"
		"primaryKey: id\ntimestampColumn: ts\n",
		NULL);
	expect_run(&head, NULL, NULL,
		   "models/other.yaml:2:9: error: source 'nope' is neither a "
		   "source of workspace 'w' (manifest-w.yaml) nor an alias "
		   "under 'sources:' in aliases-w.yaml "
		   "[unresolved-reference]\n"
		   "models/users.yaml:0:0: error: model slug 'users' is also "
		   "used by 'schema/event-models/users.yaml' "
		   "[duplicate-slug]\n"
		   "schema/event-models/users.yaml:0:0: error: model slug "
		   "'users' is also used by 'models/users.yaml' "
		   "[duplicate-slug]\n"
		   "schema/model-relationships/r.yaml:2:5: error: model "
		   "'ghost' not found: no model file has that slug "
		   "[unresolved-reference]\n"
		   "syncs/a.yaml:1:8: error: model 'ghost' not found: no "
		   "model file has that slug [unresolved-reference]\n"
		   "syncs/a.yaml:2:14: error: destination 'warehouse' is "
		   "neither a destination of workspace 'w' (manifest-w.yaml) "
		   "nor an alias under 'destinations:' in aliases-w.yaml; it "
		   "is an alias of a source, under 'sources:' "
		   "[unresolved-reference]\n");
}

/* What an unresolved reference suggests: the names near it. */
static void test_near_names(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;

	(void)state;
	tree_of(&head, "manifest-w.yaml", manifest, "aliases-w.yaml",
		"sources:\n  warehouse: snowflake\ndestinations:\n  crm: hubspt\n",
		"models/users.yaml",
		model, "models/a.yaml",
		"name: A\nsource: snowflak\ntype: table\ntableName: t\n"
		"primaryKey: id\n",
		"models/b.yaml",
		"name: B\nsource: warehous\ntype: table\ntableName: t\n"
		"primaryKey: id\n",
		"syncs/a.yaml",
		"model: userz\ndestination: sheet\nconfig: {}\n"
		"schedule: {type: manual}\nschedulePaused: true\n",
		"syncs/b.yaml",
		"model: users\ndestination: hubspot-x\nconfig: {}\n"
		"schedule: {type: manual}\nschedulePaused: true\n",
		"syncs/c.yaml",
		"model: user\ndestination: crm\nconfig: {}\n"
		"schedule: {type: manual}\nschedulePaused: true\n",
		NULL);
	expect_run(&head, NULL, NULL,
		   "aliases-w.yaml:4:8: error: alias 'crm' under "
		   "'destinations:' points at 'hubspt', which is not a "
		   "destination of manifest-w.yaml (did you mean 'hubspot'?) "
		   "[alias-target-missing]\n"
		   "models/a.yaml:2:9: error: source 'snowflak' is neither a "
		   "source of workspace 'w' (manifest-w.yaml) nor an alias "
		   "under 'sources:' in aliases-w.yaml (did you mean "
		   "'snowflake'?) [unresolved-reference]\n"
		   "models/b.yaml:2:9: error: source 'warehous' is neither a "
		   "source of workspace 'w' (manifest-w.yaml) nor an alias "
		   "under 'sources:' in aliases-w.yaml (did you mean "
		   "'warehouse'?) "
		   "[unresolved-reference]\n"
		   "syncs/a.yaml:1:8: error: model 'userz' not found: no "
		   "model file has that slug (did you mean 'users'?) "
		   "[unresolved-reference]\n"
		   "syncs/a.yaml:2:14: error: destination 'sheet' is neither "
		   "a destination of workspace 'w' (manifest-w.yaml) nor an "
		   "alias under 'destinations:' in aliases-w.yaml (did you "
		   "mean 'sheets'?) "
		   "[unresolved-reference]\n"
		   "syncs/b.yaml:2:14: error: destination 'hubspot-x' is "
		   "neither a destination of workspace 'w' (manifest-w.yaml) "
		   "nor an alias under 'destinations:' in aliases-w.yaml (did "
		   "you mean 'hubspot'?) "
		   "[unresolved-reference]\n"
		   "syncs/c.yaml:1:8: error: model 'user' not found: no model "
		   "file has that slug (did you mean 'users'?) "
		   "[unresolved-reference]\n"
		   "syncs/c.yaml:2:14: error: destination 'crm' is an alias "
		   "(aliases-w.yaml) of 'hubspt', which is not a destination "
		   "of workspace 'w' (manifest-w.yaml) [unresolved-reference]"
		   "\n");
}

/*
 * A file shared by two workspaces, resolving in one: the line of the
 * other's aliases file that would make it resolve there too.
 */
static void test_alias_hint(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	static const char m2[] = "sources:\n"
				 "  snowflake-v:\n"
				 "    name: S\n"
				 "    type: snowflake\n"
				 "  pg:\n"
				 "    name: P\n"
				 "    type: postgres\n"
				 "destinations:\n"
				 "  hubspot-v:\n"
				 "    name: H\n"
				 "    type: hubspot\n"
				 "  '0755':\n"
				 "    name: H2\n"
				 "    type: hubspot\n";
	static const char want_empty[] =
		"models/users.yaml:2:9: error: source 'warehouse' is neither "
		"a source of workspace 'v' (manifest-v.yaml) nor an alias "
		"under 'sources:' in aliases-v.yaml; in workspace 'w' it is "
		"an alias of 'snowflake' (snowflake): add 'warehouse: "
		"snowflake-v' under 'sources:' in aliases-v.yaml (in place "
		"of '{}') [unresolved-reference]\n"
		"syncs/users-to-crm.yaml:2:14: error: destination 'crm' is "
		"neither a destination of workspace 'v' (manifest-v.yaml) "
		"nor an alias under 'destinations:' in aliases-v.yaml; in "
		"workspace 'w' it is an alias of 'hubspot' (hubspot): add "
		"'crm: '0755'' or 'crm: hubspot-v' under 'destinations:' in "
		"aliases-v.yaml (in place of '{}') [unresolved-reference]\n";
	static const char want_none[] =
		"models/users.yaml:2:9: error: source 'warehouse' is neither "
		"a source of workspace 'v' (manifest-v.yaml) nor an alias "
		"under 'sources:' in aliases-v.yaml; in workspace 'w' it is "
		"an alias of 'snowflake' (snowflake): add 'warehouse: "
		"snowflake-v' under a new 'sources:' in aliases-v.yaml "
		"[unresolved-reference]\n"
		"syncs/users-to-crm.yaml:2:14: error: destination 'crm' is "
		"neither a destination of workspace 'v' (manifest-v.yaml) "
		"nor an alias under 'destinations:' in aliases-v.yaml; in "
		"workspace 'w' it is an alias of 'hubspot' (hubspot): add "
		"'crm: '0755'' or 'crm: hubspot-v' under a new "
		"'destinations:' in aliases-v.yaml [unresolved-reference]\n";

	(void)state;
	/* the aliases file as fetch first writes it */
	base_tree(&head);
	tree_of(&head, "manifest-v.yaml", m2, "aliases-v.yaml",
		"# Aliases for Hightouch workspace 'v'\n"
		"sources: {}\ndestinations: {}\n",
		NULL);
	expect_run(&head, NULL, NULL, want_empty);
	/* the other workspace is read when only one is checked */
	base_tree(&head);
	tree_of(&head, "manifest-v.yaml", m2, "aliases-v.yaml",
		"sources: {}\ndestinations: {}\n", NULL);
	opts.workspace = "v";
	expect_run(&head, NULL, &opts, want_empty);
	/* an aliases file without the sections */
	base_tree(&head);
	tree_of(&head, "manifest-v.yaml", m2, "aliases-v.yaml", "{}\n", NULL);
	expect_run(&head, NULL, &opts, want_none);

	/* a slug of the other workspace; an alias to change */
	base_tree(&head);
	tree_of(&head, "manifest-v.yaml", m2, "aliases-v.yaml",
		"# mine\ndestinations:\n  crm: hubspot\n", "models/direct.yaml",
		"name: D\nsource: snowflake\ntype: table\ntableName: t\n"
		"primaryKey: id\n",
		NULL);
	expect_run(&head, NULL, &opts,
		   "aliases-v.yaml:3:8: error: alias 'crm' under "
		   "'destinations:' points at 'hubspot', which is not a "
		   "destination of manifest-v.yaml (did you mean "
		   "'hubspot-v'?) [alias-target-missing]\n"
		   "models/direct.yaml:2:9: error: source 'snowflake' is "
		   "neither a source of workspace 'v' (manifest-v.yaml) nor an "
		   "alias under 'sources:' in aliases-v.yaml; it is a source "
		   "of workspace 'w' (snowflake): add 'snowflake: snowflake-v' "
		   "under a new 'sources:' in aliases-v.yaml "
		   "[unresolved-reference]\n"
		   "models/users.yaml:2:9: error: source 'warehouse' is "
		   "neither a source of workspace 'v' (manifest-v.yaml) nor an "
		   "alias under 'sources:' in aliases-v.yaml; in workspace 'w' "
		   "it is an alias of 'snowflake' (snowflake): add 'warehouse: "
		   "snowflake-v' under a new 'sources:' in aliases-v.yaml "
		   "[unresolved-reference]\n"
		   "syncs/users-to-crm.yaml:2:14: error: destination 'crm' is "
		   "an alias (aliases-v.yaml) of 'hubspot', which is not a "
		   "destination of workspace 'v' (manifest-v.yaml); in "
		   "workspace 'w' it is an alias of 'hubspot' (hubspot): "
		   "change 'crm: hubspot' under 'destinations:' in "
		   "aliases-v.yaml to 'crm: '0755'' or 'crm: hubspot-v' "
		   "[unresolved-reference]\n");
}

/*
 * linked-type-mismatch: an alias whose source or destination is of one
 * type in one workspace and of another in another.
 */
static const char manifest_v[] = "sources:\n"
				 "  snowflake-v:\n"
				 "    name: S\n"
				 "    type: snowflake\n"
				 "destinations:\n"
				 "  braze-v:\n"
				 "    name: B\n"
				 "    type: braze\n"
				 "  hubspot-v:\n"
				 "    name: H\n"
				 "    type: hubspot\n"
				 "  hubspot-v2:\n"
				 "    name: H2\n"
				 "    type: hubspot\n";

static const char linked_w[] =
	"aliases-w.yaml:4:3: error: alias 'crm' links destination 'hubspot' "
	"(hubspot) in workspace 'w' to 'braze-v' (braze) in workspace 'v': "
	"linked destinations must be of the same type (workspace 'v' has "
	"hubspot destinations 'hubspot-v', 'hubspot-v2') "
	"[linked-type-mismatch]\n";
static const char linked_v[] =
	"aliases-v.yaml:4:3: error: alias 'crm' links destination 'braze-v' "
	"(braze) in workspace 'v' to 'hubspot' (hubspot) in workspace 'w': "
	"linked destinations must be of the same type (workspace 'w' has no "
	"braze destination) [linked-type-mismatch]\n";

static void linked_tree(struct ht_check_tree *t, const char *crm_v)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_strbuf_addf(&sb, "sources:\n  warehouse: snowflake-v\n"
		       "destinations:\n  crm: %s\n", crm_v);
	base_tree(t);
	tree_of(t, "manifest-v.yaml", manifest_v, "aliases-v.yaml", sb.buf,
		NULL);
	ht_strbuf_release(&sb);
}

static void test_linked_types(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_tree base = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	struct ht_strbuf want = HT_STRBUF_INIT;

	(void)state;
	/* both workspaces checked: each aliases file has the line */
	linked_tree(&head, "braze-v");
	ht_strbuf_addf(&want, "%s%s", linked_v, linked_w);
	expect_run(&head, NULL, NULL, want.buf);
	/* the same type: fine */
	linked_tree(&head, "hubspot-v2");
	expect_run(&head, NULL, NULL, "");
	/* one checked (a push to v): its line only */
	opts.workspace = "v";
	linked_tree(&head, "braze-v");
	expect_run(&head, NULL, &opts, linked_v);
	opts.workspace = "w";
	linked_tree(&head, "braze-v");
	expect_run(&head, NULL, &opts, linked_w);

	/* a slug of v, not an alias there: at w's line, for either */
	base_tree(&head);
	tree_of(&head, "manifest-v.yaml",
		"sources: {}\ndestinations:\n  crm:\n    name: C\n"
		"    type: braze\n",
		"aliases-v.yaml", "sources: {}\ndestinations: {}\n", NULL);
	opts.workspace = "v";
	expect_run(&head, NULL, &opts,
		   "aliases-w.yaml:4:3: error: alias 'crm' links destination "
		   "'hubspot' (hubspot) in workspace 'w' to 'crm' (braze) in "
		   "workspace 'v': linked destinations must be of the same "
		   "type (workspace 'v' has no hubspot destination) "
		   "[linked-type-mismatch]\n"
		   "models/users.yaml:2:9: error: source 'warehouse' is neither "
		   "a source of workspace 'v' (manifest-v.yaml) nor an alias "
		   "under 'sources:' in aliases-v.yaml; in workspace 'w' it is "
		   "an alias of 'snowflake' (snowflake): add 'warehouse: "
		   "<slug>' under 'sources:' in aliases-v.yaml (in place of "
		   "'{}'), <slug> a source of manifest-v.yaml "
		   "[unresolved-reference]\n");

	/* with a base: only what the change is responsible for */
	opts.workspace = "v";
	linked_tree(&base, "braze-v");
	linked_tree(&head, "braze-v");
	expect_run(&head, &base, &opts, "");
	/* a changed file that does not name the alias */
	linked_tree(&base, "braze-v");
	linked_tree(&head, "braze-v");
	tree_of(&head, "models/orders.yaml",
		"name: Orders\nsource: warehouse\ntype: table\n"
		"tableName: orders\nprimaryKey: id\n",
		NULL);
	expect_run(&head, &base, &opts, "");
	/* a new sync by the alias */
	linked_tree(&base, "braze-v");
	linked_tree(&head, "braze-v");
	tree_of(&head, "syncs/orders-to-crm.yaml", sync, NULL);
	expect_run(&head, &base, &opts, linked_v);
	/* the alias changed, in either workspace */
	linked_tree(&base, "hubspot-v");
	linked_tree(&head, "braze-v");
	expect_run(&head, &base, &opts, linked_v);
	opts.workspace = "w";
	linked_tree(&base, "hubspot-v");
	linked_tree(&head, "braze-v");
	expect_run(&head, &base, &opts, linked_w);
	ht_strbuf_release(&want);
}

static void test_misplaced(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;

	(void)state;
	opts.prefix = "/ht/";
	tree_of(&head, "manifest-w.yaml", manifest, "ht/models/a.yml", model,
		"ht/models/sub/b.yaml", model, "ht/models/c.YAML", model,
		"ht/models/notes.txt", "x", "ht/models/users.yaml", model,
		"models/outside.yml", model,
		"ht/schema/model-relationships/.yaml", "x", NULL);
	expect_run(&head, NULL, &opts,
		   "ht/models/a.yml:0:0: warning: push ignores this file: "
		   "model files are named 'ht/models/<slug>.yaml' "
		   "[misplaced-file]\n"
		   "ht/models/c.YAML:0:0: warning: push ignores this file: "
		   "model files are named 'ht/models/<slug>.yaml' "
		   "[misplaced-file]\n"
		   "ht/models/sub/b.yaml:0:0: warning: push ignores this "
		   "file: model files are named 'ht/models/<slug>.yaml' "
		   "[misplaced-file]\n"
		   "ht/models/users.yaml:2:9: error: source 'warehouse' is "
		   "neither a source of workspace 'w' (manifest-w.yaml) nor "
		   "an alias under 'sources:' in aliases-w.yaml "
		   "[unresolved-reference]\n"
		   "ht/schema/model-relationships/.yaml:0:0: warning: push "
		   "ignores this file: relationship files are named "
		   "'ht/schema/model-relationships/<slug>.yaml' "
		   "[misplaced-file]\n");
}

static void test_workspaces(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	struct ht_diags d = HT_DIAGS_INIT;
	static const char m2[] = "sources:\n"
				 "  snowflake:\n"
				 "    name: S\n"
				 "    type: snowflake\n"
				 "destinations: {}\n";

	(void)state;
	base_tree(&head);
	tree_of(&head, "manifest-v.yaml", m2, "aliases-v.yaml",
		"sources:\n  warehouse: snowflake\n", "aliases-x.yaml", "a: [",
		NULL);
	expect_run(&head, NULL, NULL,
		   "aliases-x.yaml:2:1: error: did not find expected node "
		   "content while parsing a flow node at line 2 "
		   "[yaml-syntax]\n"
		   "syncs/users-to-crm.yaml:2:14: error: destination 'crm' "
		   "is neither a destination of workspace 'v' "
		   "(manifest-v.yaml) nor an alias under 'destinations:' in "
		   "aliases-v.yaml; in workspace 'w' it is an alias of "
		   "'hubspot' (hubspot): add 'crm: <slug>' under a new "
		   "'destinations:' in aliases-v.yaml, <slug> a destination of "
		   "manifest-v.yaml [unresolved-reference]\n");

	base_tree(&head);
	tree_of(&head, "manifest-v.yaml", m2, NULL);
	opts.workspace = "w";
	expect_run(&head, NULL, &opts, "");

	base_tree(&head);
	opts.workspace = "nope";
	assert_int_equal(ht_check_run(&d, &head, NULL, &opts), HT_ENOTFOUND);
	assert_string_equal(ht_error_message(),
			    "workspace 'nope' has no manifest-nope.yaml");
	assert_int_equal(d.nr, 0);
	ht_check_tree_release(&head);
}

/*
 * Two workspaces at two paths (opts.remotes): each path's files resolve
 * through its own workspace, another path's files and workspaces are
 * not checked, and a path nested in a kind's folder is its own.
 */
static void paths_tree(struct ht_check_tree *t)
{
	static const char ms[] = "sources:\n"
				 "  staging-pg:\n"
				 "    name: PG\n"
				 "    type: postgres\n"
				 "destinations: {}\n";
	static const char mp[] = "sources:\n"
				 "  production-pg:\n"
				 "    name: PG\n"
				 "    type: postgres\n"
				 "destinations: {}\n";
	static const char users[] = "name: Users\n"
				    "source: staging-pg\n"
				    "type: table\n"
				    "tableName: users\n"
				    "primaryKey: id\n";

	tree_of(t, "manifest-staging.yaml", ms, "manifest-production.yaml",
		mp, "staging/models/users.yaml", users,
		"production/models/users.yaml", users,
		"staging/models/old/models/x.yaml", "name: [", NULL);
}

/* The production run's finding about paths_tree() */
#define STAGING_IN_PRODUCTION                                                 \
	"production/models/users.yaml:2:9: error: source 'staging-pg' is "    \
	"neither a source of workspace 'production' "                         \
	"(manifest-production.yaml) nor an alias under 'sources:' in "        \
	"aliases-production.yaml; it is a source of workspace 'staging' "     \
	"(postgres): add 'staging-pg: production-pg' under a new 'sources:' " \
	"in aliases-production.yaml [unresolved-reference]\n"

static void test_paths(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_tree base = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	struct ht_remotes remotes = HT_REMOTES_INIT;

	(void)state;
	ht_remotes_add(&remotes, "staging", "staging", "staging");
	ht_remotes_add(&remotes, "production", "production", "production");
	ht_remotes_add(&remotes, "old", "staging/models/old", NULL);
	opts.remotes = &remotes;
	opts.prefix = "staging";
	paths_tree(&head);
	expect_run(&head, NULL, &opts, "");

	opts.prefix = "production";
	paths_tree(&head);
	expect_run(&head, NULL, &opts, STAGING_IN_PRODUCTION);

	/* the nested path's own file */
	opts.prefix = "staging/models/old";
	paths_tree(&head);
	expect_run(&head, NULL, &opts,
		   "staging/models/old/models/x.yaml:2:1: error: did not find "
		   "expected node content while parsing a flow node at line "
		   "2 [yaml-syntax]\n");

	/* a manifest edited is its own path's finding */
	opts.prefix = "production";
	paths_tree(&head);
	tree_of(&base, "manifest-staging.yaml", "sources: {}\n", NULL);
	expect_run(&head, &base, &opts,
		   "manifest-production.yaml:0:0: error: read-only manifest "
		   "added: manifests are written by git-remote-hightouch; "
		   "change sources and destinations in Hightouch, then fetch "
		   "[manifest-edited]\n" STAGING_IN_PRODUCTION);
	ht_remotes_release(&remotes);
}

static int known_model(const char *slug, void *payload)
{
	(void)payload;
	return !strcmp(slug, "remote-only");
}

static void test_model_exists(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;

	(void)state;
	opts.model_exists = known_model;
	base_tree(&head);
	tree_of(&head, "syncs/r.yaml",
		"model: remote-only\ndestination: crm\nconfig: {}\n"
		"schedule: {type: manual}\nschedulePaused: true\n",
		NULL);
	expect_run(&head, NULL, &opts, "");
}

/* With a base: what the change is responsible for. */
static void test_changed_only(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_tree base = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	static const char broken[] = "model: users\ndestination: nope\n";

	(void)state;
	base_tree(&base);
	tree_of(&base, "syncs/broken.yaml", broken, NULL);
	base_tree(&head);
	tree_of(&head, "syncs/broken.yaml", broken, "syncs/new.yaml",
		"model: users\n", NULL);
	expect_run(&head, &base, &opts,
		   "syncs/new.yaml:1:1: error: missing field 'destination' "
		   "[missing-field]\n"
		   "syncs/new.yaml:1:1: error: missing field 'config' "
		   "[missing-field]\n"
		   "syncs/new.yaml:1:1: error: missing field 'schedule' "
		   "[missing-field]\n"
		   "syncs/new.yaml:1:1: error: missing field "
		   "'schedulePaused' [missing-field]\n");

	base_tree(&base);
	tree_of(&base, "syncs/broken.yaml", broken, NULL);
	base_tree(&head);
	tree_of(&head, "syncs/broken.yaml", broken, NULL);
	opts.report_all = 1;
	opts.paths = (const char *const[]){ "syncs/broken.yaml" };
	opts.npaths = 1;
	expect_run(&head, &base, &opts,
		   "syncs/broken.yaml:1:1: error: missing field 'config' "
		   "[missing-field]\n"
		   "syncs/broken.yaml:1:1: error: missing field 'schedule' "
		   "[missing-field]\n"
		   "syncs/broken.yaml:1:1: error: missing field "
		   "'schedulePaused' [missing-field]\n"
		   "syncs/broken.yaml:2:14: error: destination 'nope' is "
		   "neither a destination of workspace 'w' (manifest-w.yaml) "
		   "nor an alias under 'destinations:' in aliases-w.yaml "
		   "[unresolved-reference]\n");
}

/*
 * A changed file uses an alias of the sources as a destination: an
 * alias resolves in its own section only.
 */
static void test_changed_alias_other_section(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_tree base = HT_CHECK_TREE_INIT;
	static const char other[] = "model: users\ndestination: warehouse\n"
				    "config: {}\nschedule: {type: manual}\n"
				    "schedulePaused: true\n";

	(void)state;
	base_tree(&base);
	base_tree(&head);
	tree_of(&head, "syncs/other.yaml", other, NULL);
	expect_run(&head, &base, NULL,
		   "syncs/other.yaml:2:14: error: destination 'warehouse' is "
		   "neither a destination of workspace 'w' (manifest-w.yaml) "
		   "nor an alias under 'destinations:' in aliases-w.yaml; it "
		   "is an alias of a source, under 'sources:' "
		   "[unresolved-reference]\n");

	/* nothing changed that unchanged files could care about */
	base_tree(&base);
	base_tree(&head);
	tree_of(&base, "syncs/other.yaml", other, NULL);
	tree_of(&head, "syncs/other.yaml", other, "syncs/new.yaml", sync,
		NULL);
	expect_run(&head, &base, NULL, "");
}

static void test_breaking_changes(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_tree base = HT_CHECK_TREE_INIT;
	static const char m_no_hubspot[] = "sources:\n"
					   "  snowflake:\n"
					   "    name: Snowflake\n"
					   "    type: snowflake\n"
					   "destinations:\n"
					   "  sheets:\n"
					   "    name: Sheets\n"
					   "    type: google-sheets\n";

	(void)state;
	/* a model renamed (same content), another deleted */
	base_tree(&base);
	tree_of(&base, "models/gone.yaml", "name: Gone\n", "syncs/g.yaml",
		"model: gone\ndestination: hubspot\nconfig: {}\n"
		"schedule: {type: manual}\nschedulePaused: true\n",
		NULL);
	tree_of(&head, "manifest-w.yaml", manifest, "aliases-w.yaml", aliases,
		"schema/parent-models/members.yaml", model,
		"syncs/users-to-crm.yaml", sync, "syncs/g.yaml",
		"model: gone\ndestination: hubspot\nconfig: {}\n"
		"schedule: {type: manual}\nschedulePaused: true\n",
		NULL);
	expect_run(&head, &base, NULL,
		   "syncs/g.yaml:1:8: error: model 'gone' was deleted "
		   "(models/gone.yaml) but is still used here "
		   "[deleted-in-use]\n"
		   "syncs/users-to-crm.yaml:1:8: error: model 'users' was "
		   "renamed to 'members' but is still used here "
		   "[deleted-in-use]\n");

	/* a destination removed from the manifest, an alias removed */
	base_tree(&base);
	tree_of(&base, "syncs/direct.yaml",
		"model: users\ndestination: hubspot\nconfig: {}\n"
		"schedule: {type: manual}\nschedulePaused: true\n",
		NULL);
	tree_of(&head, "manifest-w.yaml", m_no_hubspot, "aliases-w.yaml",
		"sources:\n  warehouse: snowflake\n", "models/users.yaml", model,
		"syncs/users-to-crm.yaml", sync, "syncs/direct.yaml",
		"model: users\ndestination: hubspot\nconfig: {}\n"
		"schedule: {type: manual}\nschedulePaused: true\n",
		NULL);
	expect_run(&head, &base, NULL,
		   "manifest-w.yaml:6:1: error: read-only manifest edited: "
		   "manifests are written by git-remote-hightouch; change "
		   "sources and destinations in Hightouch, then fetch "
		   "[manifest-edited]\n"
		   "syncs/direct.yaml:2:14: error: destination 'hubspot' was "
		   "removed from manifest-w.yaml but is still used here "
		   "[removed-in-use]\n"
		   "syncs/users-to-crm.yaml:2:14: error: alias 'crm' was "
		   "removed from aliases-w.yaml but is still used here "
		   "[removed-in-use]\n");
}

static int accept_some(const char *path, const struct ht_check_file *base,
		       const struct ht_check_file *head, struct ht_strbuf *why,
		       void *payload)
{
	int *calls = payload;

	(*calls)++;
	if (!strcmp(path, "manifest-ok.yaml"))
		return 1;
	assert_true(base || head);
	ht_strbuf_addstr(why, "by commit 1234567 'edit'");
	return 0;
}

static void test_manifest_edits(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_tree base = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	int calls = 0;

	(void)state;
	opts.manifest_change_ok = accept_some;
	opts.payload = &calls;
	base_tree(&base);
	tree_of(&base, "manifest-ok.yaml", manifest, "manifest-gone.yaml",
		manifest, "manifest-same.yaml", manifest,
		"manifest-banner.yaml", manifest, NULL);
	base_tree(&head);
	/* another banner, order and quoting: the same data, no finding */
	tree_of(&head, "manifest-ok.yaml", "sources: {}\ndestinations: {}\n",
		"manifest-same.yaml", manifest, "manifest-new.yaml", manifest,
		"manifest-banner.yaml",
		"# Written by Hightouch Git Sync\n"
		"destinations:\n"
		"    sheets: {name: Sheets, type: google-sheets}\n"
		"    hubspot: {name: \"HubSpot\", type: hubspot}\n"
		"sources:\n"
		"    snowflake: {name: Snowflake, type: snowflake}\n",
		NULL);
	expect_run(&head, &base, &opts,
		   "manifest-gone.yaml:0:0: error: read-only manifest deleted "
		   "by commit 1234567 'edit': manifests are written by "
		   "git-remote-hightouch; change sources and destinations in "
		   "Hightouch, then fetch [manifest-edited]\n"
		   "manifest-new.yaml:0:0: error: read-only manifest added by "
		   "commit 1234567 'edit': manifests are written by "
		   "git-remote-hightouch; change sources and destinations in "
		   "Hightouch, then fetch [manifest-edited]\n");
	assert_int_equal(calls, 3);

	/*
	 * another banner, other comments, another layout and order: the
	 * same data, no edit; a changed name is one, at its line
	 */
	base_tree(&base);
	base_tree(&head);
	tree_of(&base, "manifest-b.yaml", manifest, NULL);
	tree_of(&head, "manifest-w.yaml",
		"# Managed by Hightouch Git Sync. Do not edit.\n"
		"destinations:\n"
		"   sheets: {type: google-sheets, name: Sheets}\n"
		"   hubspot:   # the CRM\n"
		"      name: \"HubSpot\"\n"
		"      type: hubspot\n"
		"sources:\n"
		"   snowflake: {name: Snowflake, type: snowflake}\n",
		"manifest-b.yaml",
		"# another banner\n"
		"sources:\n"
		"  snowflake:\n"
		"    name: Snowflake!\n"
		"    type: snowflake\n"
		"destinations: {}\n",
		NULL);
	expect_run(&head, &base, NULL,
		   "manifest-b.yaml:1:1: error: read-only manifest edited: "
		   "manifests are written by git-remote-hightouch; change "
		   "sources and destinations in Hightouch, then fetch "
		   "[manifest-edited]\n");
}

/*
 * A symbolic link or a submodule at `path` (with `id`, may be NULL),
 * whose content, were it read, would be a syntax error.
 */
static void add_typed(struct ht_check_tree *t, const char *path,
		      const char *id, enum ht_check_type type)
{
	struct ht_check_file *f = ht_check_tree_add(t, path, id);

	f->data = strdup("x: [");
	f->len = 4;
	f->type = type;
}

/*
 * Links and submodules: an error where push would read a file or a
 * kind's folder, a misplaced file's warning where push would ignore a
 * file, nothing elsewhere; never read, even as a manifest.
 */
static void test_not_files(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_tree base = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	struct ht_strbuf sb = HT_STRBUF_INIT;
	static const char link[] =
		": error: a symbolic link, not a file: push does not follow "
		"links (commit the file itself) [symbolic-link]\n";
	static const char gitlink[] =
		": error: a submodule, not a file: push reads only this "
		"repository's files (remove it with 'git rm --cached', then "
		"commit the file itself) [submodule]\n";
	char *want;

	(void)state;
	base_tree(&head);
	tree_of(&head, "syncs/s.yaml", "model: linked\ndestination: crm\n"
		"config: {}\nschedule:\n  type: manual\nschedulePaused: "
		"false\n", NULL);
	add_typed(&head, "models/linked.yaml", NULL, HT_CHECK_SYMLINK);
	add_typed(&head, "models/vendor.yaml", NULL, HT_CHECK_SUBMODULE);
	add_typed(&head, "models/drafts/x.yaml", NULL, HT_CHECK_SYMLINK);
	add_typed(&head, "models/notes.txt", NULL, HT_CHECK_SYMLINK);
	add_typed(&head, "README.md", NULL, HT_CHECK_SUBMODULE);
	add_typed(&head, "manifest-v.yaml", NULL, HT_CHECK_SYMLINK);
	add_typed(&head, "schema/parent-models", NULL, HT_CHECK_SUBMODULE);
	ht_check_tree_sort(&head);
	assert_int_equal(ht_check_tree_read(&head,
					    ht_check_tree_find(&head,
							       "README.md"),
					    &sb, 0),
			 HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "'README.md' is a submodule, not a file");
	assert_int_equal(sb.len, 0);
	ht_error_clear();
	ht_strbuf_addf(&sb, "manifest-v.yaml:0:0%s"
		       "models/drafts/x.yaml:0:0: warning: push ignores this "
		       "file: model files are named 'models/<slug>.yaml' "
		       "[misplaced-file]\n"
		       "models/linked.yaml:0:0%s"
		       "models/vendor.yaml:0:0%s"
		       "schema/parent-models:0:0: error: a submodule, not a "
		       "folder: push reads only this repository's files "
		       "(remove it with 'git rm --cached', then commit the "
		       "folder itself) [submodule]\n",
		       link, link, gitlink);
	want = ht_strbuf_detach(&sb, NULL);
	/* the linked model counts as a model: no second finding for it */
	expect_run(&head, NULL, NULL, want);
	free(want);

	/* with a base: a link is changed when its type or its id is */
	base_tree(&base);
	add_typed(&base, "models/same.yaml", "aaaa", HT_CHECK_SYMLINK);
	add_typed(&base, "models/retarget.yaml", "aaaa", HT_CHECK_SYMLINK);
	tree_of(&base, "models/was-file.yaml", model, NULL);
	add_typed(&base, "manifest-x.yaml", "aaaa", HT_CHECK_SUBMODULE);
	base_tree(&head);
	add_typed(&head, "models/same.yaml", "aaaa", HT_CHECK_SYMLINK);
	add_typed(&head, "models/retarget.yaml", "bbbb", HT_CHECK_SYMLINK);
	add_typed(&head, "models/was-file.yaml", NULL, HT_CHECK_SUBMODULE);
	tree_of(&head, "manifest-x.yaml", manifest, NULL);
	ht_strbuf_addf(&sb, "manifest-x.yaml:0:0: error: read-only manifest "
		       "edited: manifests are written by git-remote-hightouch; "
		       "change sources and destinations in Hightouch, then "
		       "fetch [manifest-edited]\n"
		       "models/retarget.yaml:0:0%s"
		       "models/was-file.yaml:0:0%s", link, gitlink);
	want = ht_strbuf_detach(&sb, NULL);
	expect_run(&head, &base, &opts, want);
	free(want);
}

/* Many files, many threads: the same findings as one thread. */
static void test_threads(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	struct ht_diags one = HT_DIAGS_INIT, many = HT_DIAGS_INIT;
	struct ht_strbuf path = HT_STRBUF_INIT;
	char *a, *b;
	int round, i;

	(void)state;
	for (round = 0; round < 2; round++) {
		base_tree(&head);
		for (i = 0; i < 1000; i++) {
			ht_strbuf_reset(&path);
			ht_strbuf_addf(&path, "syncs/s%04d.yaml", i);
			tree_of(&head, path.buf,
				i % 7 ? sync : "model: nope\n", NULL);
		}
		opts.jobs = round ? 8 : 1;
		assert_int_equal(ht_check_run(round ? &many : &one, &head,
					      NULL, &opts),
				 0);
		ht_check_tree_release(&head);
	}
	assert_int_equal(one.nr, 143 * 5);
	a = format(&one);
	b = format(&many);
	assert_string_equal(a, b);
	free(a);
	free(b);
	ht_diags_release(&one);
	ht_diags_release(&many);
	ht_strbuf_release(&path);
}

static int failing_read(struct ht_strbuf *out, const struct ht_check_file *f,
			size_t max, void *payload)
{
	(void)out;
	(void)max;
	(void)payload;
	if (!strcmp(f->path, "syncs/unreadable.yaml"))
		return ht_error_set(HT_EIO, "cannot read '%s'", f->path);
	if (!strcmp(f->path, "syncs/huge.yaml"))
		return ht_error_set(HT_ETOOBIG, "too big");
	return ht_strbuf_addstr(out, sync);
}

static void test_read_errors(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_diags d = HT_DIAGS_INIT;
	char *got;

	(void)state;
	head.read = failing_read;
	ht_check_tree_add(&head, "syncs/huge.yaml", NULL);
	ht_check_tree_add(&head, "syncs/fine.yaml", "1234");
	assert_int_equal(ht_check_run(&d, &head, NULL, NULL), 0);
	got = format(&d);
	assert_string_equal(got, "syncs/fine.yaml:1:8: error: model 'users' "
				 "not found: no model file has that slug "
				 "[unresolved-reference]\n"
				 "syncs/huge.yaml:1:1: error: file is larger "
				 "than 4194304 bytes [file-size]\n");
	free(got);
	ht_diags_release(&d);

	ht_check_tree_add(&head, "syncs/unreadable.yaml", NULL);
	assert_int_equal(ht_check_run(&d, &head, NULL, NULL), HT_EIO);
	assert_string_equal(ht_error_message(),
			    "cannot read 'syncs/unreadable.yaml'");
	ht_diags_release(&d);
	ht_check_tree_release(&head);
}

/*
 * Files read in batches under one lock (serial_read, as for git trees):
 * the same findings on any number of threads, and a read that fails in
 * the middle of a batch stops the run with its own message.
 */
static void test_read_batches(void **state)
{
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	struct ht_strbuf path = HT_STRBUF_INIT;
	char *first = NULL, *got;
	unsigned jobs[] = { 1, 2, 4 };
	size_t i, j;

	(void)state;
	for (j = 0; j < 3; j++) {
		struct ht_check_tree head = HT_CHECK_TREE_INIT;
		struct ht_diags d = HT_DIAGS_INIT;

		head.read = failing_read;
		head.serial_read = 1;
		for (i = 0; i < 300; i++) {
			ht_strbuf_reset(&path);
			ht_strbuf_addf(&path, "syncs/s%03zu.yaml", i);
			ht_check_tree_add(&head, path.buf, NULL);
		}
		ht_check_tree_add(&head, "syncs/huge.yaml", NULL);
		opts.jobs = jobs[j];
		assert_int_equal(ht_check_run(&d, &head, NULL, &opts), 0);
		assert_int_equal(d.nerrors, 301);
		got = format(&d);
		if (!first)
			first = got;
		else
			assert_string_equal(got, first), free(got);
		ht_diags_release(&d);

		/* in the middle of the last batch */
		ht_check_tree_add(&head, "syncs/unreadable.yaml", NULL);
		ht_check_tree_add(&head, "syncs/v.yaml", NULL);
		assert_int_equal(ht_check_run(&d, &head, NULL, &opts), HT_EIO);
		assert_string_equal(ht_error_message(),
				    "cannot read 'syncs/unreadable.yaml'");
		ht_error_clear();
		ht_diags_release(&d);
		ht_check_tree_release(&head);
	}
	free(first);
	ht_strbuf_release(&path);
}

/*
 * A try_read that has the files whose name ends in 0, with model 'other';
 * it is given the thread's batch reader.  It runs on the checker's
 * threads: a failed assertion here ends the test with a crash, not a
 * report, which still fails it.
 */
static void try_tens(const struct ht_check_file *const *f,
		     struct ht_strbuf *out, int *ok, size_t n, size_t max,
		     struct ht_batch_read *br, void *payload)
{
	size_t k, len;

	(void)max;
	(void)payload;
	assert_non_null(br);
	assert_true(n > 0);
	for (k = 0; k < n; k++) {
		len = strlen(f[k]->path);
		assert_int_equal(out[k].len, 0);
		ok[k] = len >= 6 && !strcmp(f[k]->path + len - 6, "0.yaml");
		if (ok[k])
			ht_strbuf_addstr(&out[k],
					 "model: other\ndestination: crm\n"
					 "config: {}\nschedule:\n  type: manual\n"
					 "schedulePaused: false\n");
	}
}

/* try_read first, outside the lock; `read` for what it does not have. */
static void test_try_read(void **state)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	struct ht_strbuf path = HT_STRBUF_INIT;
	struct ht_diags d = HT_DIAGS_INIT;
	size_t i, other = 0, users = 0;

	(void)state;
	head.read = failing_read;
	head.serial_read = 1;
	head.try_read = try_tens;
	for (i = 0; i < 100; i++) {
		ht_strbuf_reset(&path);
		ht_strbuf_addf(&path, "syncs/s%03zu.yaml", i);
		ht_check_tree_add(&head, path.buf, NULL);
	}
	opts.jobs = 2;
	assert_int_equal(ht_check_run(&d, &head, NULL, &opts), 0);
	for (i = 0; i < d.nr; i++) {
		size_t len = strlen(d.items[i].path);

		if (strstr(d.items[i].message, "'other'")) {
			/* try_read's content, for its files only */
			assert_true(len > 6 && !strcmp(d.items[i].path +
						       len - 6, "0.yaml"));
			other++;
		}
		users += strstr(d.items[i].message, "'users'") != NULL;
	}
	assert_int_equal(other, 10);
	assert_int_equal(users, 90);
	ht_diags_release(&d);
	ht_check_tree_release(&head);
	ht_strbuf_release(&path);
}

static void test_wants_path(void **state)
{
	(void)state;
	assert_true(ht_check_wants_path("manifest-w.yaml", NULL));
	assert_true(ht_check_wants_path("README.md", NULL));
	assert_true(ht_check_wants_path("models/a.yaml", NULL));
	assert_true(ht_check_wants_path("schema/event-models/x/y", ""));
	assert_false(ht_check_wants_path("schema/x.yaml", NULL));
	assert_false(ht_check_wants_path("docs/models/a.yaml", NULL));
	assert_false(ht_check_wants_path("models/a.yaml", "ht"));
	assert_true(ht_check_wants_path("ht/models/a.yaml", "/ht/"));
	assert_true(ht_check_wants_path("manifest-w.yaml", "ht"));
	/* a kind's folder itself: it may be a link or a submodule */
	assert_true(ht_check_wants_path("ht/models", "ht"));
	assert_true(ht_check_wants_path("schema/parent-models", NULL));
	assert_false(ht_check_wants_path("ht/modelsx", "ht"));
	assert_false(ht_check_wants_path("ht/schema", "ht"));
}

/*
 * Rules and reports
 */

static void test_rules(void **state)
{
	const struct ht_check_rule *r;
	size_t n, i, j;

	(void)state;
	r = ht_check_rules(&n);
	assert_true(n >= 26);
	for (i = 0; i < n; i++) {
		assert_ptr_equal(ht_check_rule_find(r[i].id), &r[i]);
		assert_true(strlen(r[i].summary) > 10);
		for (j = 0; j < i; j++)
			assert_string_not_equal(r[i].id, r[j].id);
	}
	assert_null(ht_check_rule_find("no-such-rule"));
	assert_null(ht_check_rule_find(NULL));
	assert_int_equal(ht_check_rule_find("unknown-field")->severity,
			 HT_SEV_WARNING);
}

static void sample(struct ht_diags *d)
{
	ht_diags_add(d, HT_SEV_ERROR, "models/a,b:c%.yaml", 3, 5, "wrong-type",
		     "line one\nline two\r 100%% done, ok: yes");
	ht_diags_add(d, HT_SEV_WARNING, "models/x.yml", 0, 0, "misplaced-file",
		     "push ignores this file");
	ht_diags_add(d, HT_SEV_ERROR, "syncs/s\xff.yaml", 1, 1, "future-rule",
		     "caf\xc3\xa9 \xff");
}

static void test_report_text(void **state)
{
	struct ht_diags d = HT_DIAGS_INIT;
	struct ht_report_opts o = { 1, NULL, NULL };
	struct ht_strbuf out = HT_STRBUF_INIT;
	enum ht_report_format f;

	(void)state;
	assert_int_equal(ht_report_parse_format(&f, "sarif"), 0);
	assert_int_equal(f, HT_REPORT_SARIF);
	assert_int_equal(ht_report_parse_format(&f, "gitlab"), 0);
	assert_int_equal(f, HT_REPORT_GITLAB);
	assert_int_equal(ht_report_parse_format(&f, "xml"), HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "unknown format 'xml' (text, json, github, sarif "
			    "or gitlab)");
	sample(&d);
	ht_report_write(&out, HT_REPORT_TEXT, &d, NULL);
	assert_string_equal(out.buf,
			    "models/a,b:c%.yaml:3:5: error: line one\nline "
			    "two\r 100% done, ok: yes [wrong-type]\n"
			    "models/x.yml:0:0: warning: push ignores this "
			    "file [misplaced-file]\n"
			    "\"syncs/s\\377.yaml\":1:1: error: caf\xc3\xa9 "
			    "\xff [future-rule]\n");
	ht_strbuf_reset(&out);
	ht_report_write(&out, HT_REPORT_TEXT, &d, &o);
	assert_non_null(strstr(out.buf, "\033[1mmodels/x.yml:0:0:\033[m "
					"\033[1;35mwarning:\033[m push"));
	assert_non_null(strstr(out.buf, "\033[1;31merror:\033[m"));
	assert_non_null(strstr(out.buf, "\033[1m\"syncs/s\\377.yaml\":1:1:"));
	ht_strbuf_release(&out);
	ht_diags_release(&d);
}

static void test_report_github(void **state)
{
	struct ht_diags d = HT_DIAGS_INIT;
	struct ht_strbuf out = HT_STRBUF_INIT;

	(void)state;
	ht_report_github_escape(&out, "a%b\r\nc:d,e", 0);
	assert_string_equal(out.buf, "a%25b%0D%0Ac:d,e");
	ht_strbuf_reset(&out);
	ht_report_github_escape(&out, "a%b\r\nc:d,e", 1);
	assert_string_equal(out.buf, "a%25b%0D%0Ac%3Ad%2Ce");
	ht_strbuf_reset(&out);
	sample(&d);
	ht_report_write(&out, HT_REPORT_GITHUB, &d, NULL);
	assert_string_equal(out.buf,
			    "::error file=models/a%2Cb%3Ac%25.yaml,line=3,"
			    "col=5,title=wrong-type::line one%0Aline "
			    "two%0D 100%25 done, ok: yes\n"
			    "::warning file=models/x.yml,"
			    "title=misplaced-file::push ignores this file\n"
			    "::error file=syncs/s\xff.yaml,line=1,col=1,"
			    "title=future-rule::caf\xc3\xa9 \xff\n");
	ht_strbuf_release(&out);
	ht_diags_release(&d);
}

static void test_report_json(void **state)
{
	struct ht_diags d = HT_DIAGS_INIT;
	struct ht_strbuf out = HT_STRBUF_INIT;
	json_t *doc = NULL, *f;

	(void)state;
	sample(&d);
	ht_report_write(&out, HT_REPORT_JSON, &d, NULL);
	assert_int_equal(ht_json_parse(&doc, out.buf, out.len, 0, "report"),
			 0);
	assert_int_equal(json_integer_value(json_object_get(doc, "errors")),
			 2);
	assert_int_equal(json_integer_value(json_object_get(doc, "warnings")),
			 1);
	f = json_array_get(json_object_get(doc, "findings"), 0);
	assert_string_equal(ht_json_get_string(f, "path"),
			    "models/a,b:c%.yaml");
	assert_int_equal(json_integer_value(json_object_get(f, "line")), 3);
	assert_int_equal(json_integer_value(json_object_get(f, "column")), 5);
	assert_string_equal(ht_json_get_string(f, "severity"), "error");
	assert_string_equal(ht_json_get_string(f, "rule"), "wrong-type");
	f = json_array_get(json_object_get(doc, "findings"), 2);
	/* invalid UTF-8 is replaced, never dropped */
	assert_string_equal(ht_json_get_string(f, "path"),
			    "syncs/s\xef\xbf\xbd.yaml");
	assert_string_equal(ht_json_get_string(f, "message"),
			    "caf\xc3\xa9 \xef\xbf\xbd");
	json_decref(doc);
	ht_strbuf_release(&out);
	ht_diags_release(&d);
}

static void test_report_sarif(void **state)
{
	struct ht_diags d = HT_DIAGS_INIT;
	struct ht_strbuf out = HT_STRBUF_INIT;
	struct ht_report_opts o = { 0, "git-hightouch", "9.9" };
	json_t *doc = NULL, *run, *rules, *results, *r, *loc;
	size_t nknown, i;

	(void)state;
	sample(&d);
	ht_report_write(&out, HT_REPORT_SARIF, &d, &o);
	assert_int_equal(ht_json_parse(&doc, out.buf, out.len, 0, "sarif"),
			 0);
	assert_string_equal(ht_json_get_string(doc, "version"), "2.1.0");
	assert_non_null(ht_json_get_string(doc, "$schema"));
	run = json_array_get(json_object_get(doc, "runs"), 0);
	assert_string_equal(ht_json_get_string(ht_json_get_path(run,
								"tool.driver"),
					       "name"),
			    "git-hightouch");
	assert_string_equal(ht_json_get_string(ht_json_get_path(run,
								"tool.driver"),
					       "version"),
			    "9.9");
	rules = ht_json_get_path(run, "tool.driver.rules");
	ht_check_rules(&nknown);
	/* every known rule, then the unknown one seen */
	assert_int_equal(json_array_size(rules), nknown + 1);
	results = json_object_get(run, "results");
	assert_int_equal(json_array_size(results), 3);
	for (i = 0; i < 3; i++) {
		size_t idx;

		r = json_array_get(results, i);
		idx = (size_t)json_integer_value(json_object_get(r,
								 "ruleIndex"));
		assert_string_equal(
			ht_json_get_string(json_array_get(rules, idx), "id"),
			ht_json_get_string(r, "ruleId"));
	}
	r = json_array_get(results, 0);
	assert_string_equal(ht_json_get_string(r, "level"), "error");
	loc = ht_json_get_path(json_array_get(json_object_get(r, "locations"),
					      0),
			       "physicalLocation");
	assert_string_equal(ht_json_get_string(ht_json_get_path(
						       loc,
						       "artifactLocation"),
					       "uri"),
			    "models/a%2Cb%3Ac%25.yaml");
	assert_int_equal(json_integer_value(
				 ht_json_get_path(loc, "region.startLine")),
			 3);
	assert_int_equal(json_integer_value(
				 ht_json_get_path(loc, "region.startColumn")),
			 5);
	r = json_array_get(results, 1);
	assert_string_equal(ht_json_get_string(r, "level"), "warning");
	loc = ht_json_get_path(json_array_get(json_object_get(r, "locations"),
					      0),
			       "physicalLocation");
	assert_null(json_object_get(loc, "region"));
	json_decref(doc);
	ht_strbuf_release(&out);
	ht_diags_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cron_valid),
		cmocka_unit_test(test_cron_invalid),
		cmocka_unit_test(test_workspace_resolve),
		cmocka_unit_test(test_workspace_invalid_files),
		cmocka_unit_test(test_workspace_alias_rules),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_per_file_rules),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_near_names),
		cmocka_unit_test(test_alias_hint),
		cmocka_unit_test(test_linked_types),
		cmocka_unit_test(test_misplaced),
		cmocka_unit_test(test_workspaces),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_model_exists),
		cmocka_unit_test(test_changed_only),
		cmocka_unit_test(test_changed_alias_other_section),
		cmocka_unit_test(test_breaking_changes),
		cmocka_unit_test(test_manifest_edits),
		cmocka_unit_test(test_not_files),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_read_batches),
		cmocka_unit_test(test_try_read),
		cmocka_unit_test(test_wants_path),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_report_text),
		cmocka_unit_test(test_report_github),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_sarif),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
