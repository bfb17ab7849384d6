/*
 * Unit tests for the remote helper's rendering (remote-helper/render.c)
 * of a resource against the file it had: kept byte for byte while the
 * data is the same, patched when it is not (what means the same kept,
 * what differs never), written anew when the old file cannot be patched.
 * Linked with the helper's objects (the Makefile does so for
 * t-helper-*.c).
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
#include "hightouch/json.h"
#include "hightouch/yaml.h"

#include "../../remote-helper/helper.h"

static int slug_of(const char **slug_out, enum ht_kind kind, int64_t id,
		   void *payload)
{
	(void)payload;
	if (kind == HT_KIND_SOURCE && id == 1)
		*slug_out = "snowflake";
	else if (kind == HT_KIND_DESTINATION && id == 1)
		*slug_out = "hubspot";
	else if (kind == HT_KIND_MODEL && id == 1)
		*slug_out = "users";
	else
		return HT_ENOTFOUND;
	return 0;
}

#define USERS_API                                                             \
	"\"id\": 1, \"slug\": \"users\", \"name\": \"Users\", "               \
	"\"sourceId\": 1, \"queryType\": \"raw_sql\", "                      \
	"\"isSchema\": false, \"primaryKey\": \"id\""

static const char users_json[] =
	"{" USERS_API ", \"raw\": {\"sql\": \"select *\\nfrom users\\n\"}}";

/* Git Sync's way: null keys of other types, the user's comments. */
#define USERS_TOP "# Every user.\nname: Users\nsource: snowflake\n"
#define USERS_TYPE "type: raw_sql\ndbtModel: null\n"
#define USERS_SQL "rawSql: |\n    select *\n    from users\n"
#define USERS_END "tableName: null  # not a table\nprimaryKey: \"id\"\n"
static const char users_file[] =
	USERS_TOP USERS_TYPE USERS_SQL USERS_END;

static const char sync_json[] =
	"{\"id\": 1, \"slug\": \"s\", \"modelId\": 1, \"destinationId\": 1, "
	"\"configuration\": {\"mode\": \"upsert\", \"object\": \"contacts\"}, "
	"\"schedule\": null, \"disabled\": false}";

/*
 * Render `api` (JSON text) of `kind` against the old file `old` (NULL:
 * none; `old_len` (size_t)-1: up to its NUL) and compare with `expected`.
 */
static void render_is(enum ht_kind kind, const char *api, const char *old,
		      size_t old_len, const char *expected)
{
	struct ht_resolver r = { slug_of, NULL, NULL, NULL };
	struct ht_strbuf out = HT_STRBUF_INIT, text = HT_STRBUF_INIT;
	struct ht_ynode *doc = NULL;
	json_error_t jerr;
	json_t *j = json_loads(api, 0, &jerr);
	struct render rd;

	assert_non_null(j);
	render_init(&rd, NULL, "ws", &r);
	if (old && old_len == (size_t)-1)
		old_len = strlen(old);
	if (old) {
		ht_strbuf_add(&text, old, old_len);
		if (ht_yaml_parse(&doc, old, old_len, "old.yaml", NULL))
			doc = NULL;
		ht_error_clear();
	}
	if (render_resource_doc(&rd, &out, kind, j, NULL, old ? &text : NULL,
				doc))
		fail_msg("render failed: %s", ht_error_message());
	if (out.len != strlen(expected) || memcmp(out.buf, expected, out.len))
		fail_msg("expected\n---\n%s---\ngot\n---\n%s---", expected,
			 out.buf);
	render_release(&rd);
	ht_ynode_free(doc);
	json_decref(j);
	ht_strbuf_release(&out);
	ht_strbuf_release(&text);
}

static void same(enum ht_kind kind, const char *api, const char *old)
{
	render_is(kind, api, old, strlen(old), old);
}

static void test_same_data_kept(void **state)
{
	(void)state;
	/* isSchema left out: its default */
	same(HT_KIND_MODEL, users_json, users_file);
	same(HT_KIND_MODEL, users_json,
	     "{name: Users, source: snowflake, type: raw_sql, "
	     "rawSql: \"select *\\nfrom users\\n\", primaryKey: id, "
	     "owner: ana}\n");
	same(HT_KIND_SYNC, sync_json,
	     "\xef\xbb\xbf# mine\n"
	     "destination: hubspot\n"
	     "model: users\n"
	     "config: {object: contacts, mode: upsert}\n"
	     "schedule: {type: manual}\n"
	     "schedulePaused: false\n"
	     "description: kept in the file\n");
}

static void test_changed_data_patched(void **state)
{
	(void)state;
	/* one field: its line; the nulls, the comments and the rest stay */
	render_is(HT_KIND_MODEL,
		  "{" USERS_API ", \"raw\": {\"sql\": \"select 1\\n\"}}",
		  users_file, strlen(users_file),
		  USERS_TOP USERS_TYPE "rawSql: |\n  select 1\n" USERS_END);
	/* a default that is no longer one comes in its place */
	render_is(HT_KIND_MODEL,
		  "{\"id\": 1, \"slug\": \"users\", \"name\": \"Users\", "
		  "\"sourceId\": 1, \"queryType\": \"raw_sql\", "
		  "\"isSchema\": true, \"primaryKey\": \"id\", "
		  "\"raw\": {\"sql\": \"select *\\nfrom users\\n\"}}",
		  users_file, strlen(users_file),
		  USERS_TOP USERS_TYPE USERS_SQL "isSchema: true\n" USERS_END);
	/* a read-only field is data: changed in the UI, it changes */
	render_is(HT_KIND_MODEL,
		  "{" USERS_API ", \"description\": \"All of them.\", "
		  "\"raw\": {\"sql\": \"select *\\nfrom users\\n\"}}",
		  USERS_TOP "description: |-\n  Some.\n  Of them.\n"
		  USERS_TYPE USERS_SQL USERS_END, (size_t)-1,
		  USERS_TOP "description: All of them.\n" USERS_TYPE USERS_SQL
		  USERS_END);
	/* the local description stays, an unknown key too */
	render_is(HT_KIND_SYNC,
		  "{\"id\": 1, \"slug\": \"s\", \"modelId\": 1, "
		  "\"destinationId\": 1, \"configuration\": {\"mode\": "
		  "\"upsert\", \"object\": \"companies\"}, \"schedule\": "
		  "null, \"disabled\": false}",
		  "model: users\n"
		  "destination: hubspot\n"
		  "description: mine\n"
		  "config:\n"
		  "    mode: upsert\n"
		  "    object: contacts\n"
		  "schedule: {type: manual}\n"
		  "schedulePaused: false\n"
		  "team: growth\n",
		  (size_t)-1,
		  "model: users\n"
		  "destination: hubspot\n"
		  "description: mine\n"
		  "config:\n"
		  "    mode: upsert\n"
		  "    object: companies\n"
		  "schedule: {type: manual}\n"
		  "schedulePaused: false\n"
		  "team: growth\n");
}

static void test_written_anew(void **state)
{
	static const char canonical[] =
		"name: Users\n"
		"source: snowflake\n"
		"type: raw_sql\n"
		"rawSql: |\n"
		"  select 1\n"
		"isSchema: false\n"
		"primaryKey: id\n";
	static const char bad[] = "\xef\xbb\xbfname: [\n";
	const char *api = "{" USERS_API ", \"raw\": {\"sql\": \"select 1\\n\"}}";

	(void)state;
	/* no old file; a flow mapping; a file that does not parse */
	render_is(HT_KIND_MODEL, api, NULL, 0, canonical);
	render_is(HT_KIND_MODEL, api,
		  "{name: Users, source: snowflake, type: raw_sql, "
		  "rawSql: \"select 2\", primaryKey: id}\n",
		  (size_t)-1, canonical);
	render_is(HT_KIND_MODEL, api, bad, sizeof(bad) - 1,
		  "\xef\xbb\xbfname: Users\nsource: snowflake\n"
		  "type: raw_sql\nrawSql: |\n  select 1\nisSchema: false\n"
		  "primaryKey: id\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_data_kept),
		cmocka_unit_test(test_changed_data_patched),
		cmocka_unit_test(test_written_anew),
	};

	return cmocka_run_group_tests_name("helper-render", tests, NULL, NULL);
}
