/*
 * `hightouch-emulator generate`: a deterministic workspace, as a seed.
 *
 * The same options give the same bytes.  Content is meant to look like a
 * real workspace: multi-line SQL with CTEs and joins, tables, dbt and
 * custom models, sync configurations with standard, template, variable
 * and reference mappings nested a few levels, every schedule type (manual,
 * interval in each unit, cron, visual, dbt-cloud), some start dates, some
 * disabled syncs, and optionally a Customer Studio schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/options.h"
#include "hightouch/schedule.h"

#include "emulator.h"

struct gen {
	uint64_t rng;
	int64_t start_ms;
	int64_t total;   /* resources, for updatedAt spacing */
	int64_t counter; /* creation order */
};

static uint64_t next(struct gen *g)
{
	uint64_t x = (g->rng += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static size_t pick(struct gen *g, size_t n)
{
	return (size_t)(next(g) % n);
}

#define PICK(g, arr) ((arr)[pick((g), sizeof(arr) / sizeof((arr)[0]))])

static void stamp(struct gen *g, json_t *o)
{
	char buf[HT_TIME_LEN];
	int64_t k = g->counter++;

	ht_time_format(buf, g->start_ms + k * 1000);
	json_object_set_new(o, "createdAt", json_string(buf));
	if (k % 3 == 2)
		ht_time_format(buf, g->start_ms + (g->total + k) * 1000);
	json_object_set_new(o, "updatedAt", json_string(buf));
}

static const char *const source_types[] = {
	"snowflake", "postgres", "bigquery", "databricks", "redshift"
};
static const char *const source_names[] = {
	"Snowflake", "Postgres", "BigQuery", "Databricks", "Redshift"
};
static const char *const dest_types[] = {
	"hubspot", "salesforce", "braze", "iterable", "google", "facebook",
	"webhook", "s3"
};
static const char *const dest_names[] = {
	"HubSpot", "Salesforce", "Braze", "Iterable", "Google Ads",
	"Facebook Custom Audiences", "Webhook", "Amazon S3"
};
static const char *const tables[] = {
	"users", "accounts", "orders", "subscriptions", "events", "invoices",
	"tickets", "sessions", "products", "leads"
};
static const char *const columns[] = {
	"email", "first_name", "last_name", "phone", "country", "plan",
	"lifetime_value", "last_seen_at", "signup_source", "company",
	"job_title", "city"
};
static const char *const owners[] = {
	"growth", "marketing", "sales-ops", "data", "lifecycle"
};

static json_t *source(struct gen *g, size_t i)
{
	size_t t = i % 5;
	char slug[64], name[96];
	json_t *o = json_object(), *cfg;

	snprintf(slug, sizeof(slug), "%s-%zu", source_types[t], i + 1);
	snprintf(name, sizeof(name), "%s - %s %zu", source_names[t],
		 i % 2 ? "Analytics" : "Production", i + 1);
	cfg = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:i}}",
			"host", t == 0 ? "acme-xy123.snowflakecomputing.com" :
			"db.internal.example.com", "database", "ANALYTICS",
			"schema", "PUBLIC", "auth", "method", "password",
			"username", "HIGHTOUCH_USER", "timeoutSeconds",
			30 + (int)pick(g, 90));
	json_object_set_new(o, "id", json_integer((json_int_t)i + 1));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "slug", json_string(slug));
	stamp(g, o);
	json_object_set_new(o, "type", json_string(source_types[t]));
	json_object_set_new(o, "configuration", cfg);
	return o;
}

static json_t *destination(struct gen *g, size_t i)
{
	size_t t = i % 8;
	char slug[64], name[96];
	json_t *o = json_object();
	int batch = 100 * (1 + (int)pick(g, 10));

	snprintf(slug, sizeof(slug), "%s-%zu", dest_types[t], i + 1);
	snprintf(name, sizeof(name), "%s %zu", dest_names[t], i + 1);
	json_object_set_new(o, "id", json_integer((json_int_t)i + 1));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "slug", json_string(slug));
	stamp(g, o);
	json_object_set_new(o, "type", json_string(dest_types[t]));
	json_object_set_new(o, "configuration",
			    json_pack("{s:s, s:{s:s, s:b}, s:i}", "region",
				      i % 2 ? "eu" : "us", "oauth",
				      "accountId", slug, "sandbox", t == 1,
				      "batchSize", batch));
	return o;
}

static void sql(struct gen *g, struct ht_strbuf *sb, size_t i)
{
	const char *t = PICK(g, tables), *t2 = PICK(g, tables);
	size_t ncols = 3 + pick(g, 6), c;

	ht_strbuf_addf(sb, "-- %s for the %s team (model %zu)\n", t,
		       PICK(g, owners), i + 1);
	ht_strbuf_addf(sb, "with recent_%s as (\n"
			   "  select user_id, count(*) as n, max(created_at) "
			   "as last_at\n"
			   "  from analytics.%s\n"
			   "  where created_at > dateadd(day, -%d, "
			   "current_date)\n"
			   "  group by 1\n"
			   ")\n"
			   "select\n"
			   "  u.id,\n", t2, t2, 7 * (1 + (int)pick(g, 12)));
	for (c = 0; c < ncols; c++)
		ht_strbuf_addf(sb, "  u.%s,\n", PICK(g, columns));
	ht_strbuf_addf(sb, "  coalesce(r.n, 0) as recent_%s\n"
			   "from analytics.%s u\n"
			   "left join recent_%s r on r.user_id = u.id\n"
			   "where u.deleted_at is null\n", t2, t, t2);
	if (i % 4 == 0)
		ht_strbuf_addstr(sb,
				 "  and u.email not like '%@example.com'\n");
	if (i % 5 == 1)
		ht_strbuf_addstr(sb, "order by u.id\n");
}

static json_t *model(struct gen *g, size_t i, size_t nsources,
		     const char *prefix, const char *label, int schema)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	json_t *o = json_object();
	char slug[96], name[128];
	const char *t = tables[i % 10];
	size_t q = schema ? 0 : i % 10;

	snprintf(slug, sizeof(slug), "%s%s-%zu", prefix, t, i + 1);
	snprintf(name, sizeof(name), "%s%s %zu", label, t, i + 1);
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "slug", json_string(slug));
	json_object_set_new(o, "description",
			    json_string(i % 3 ? "" :
					"Owned by the data team.\n"
					"Refreshed hourly."));
	json_object_set_new(o, "primaryKey", json_string("id"));
	stamp(g, o);
	json_object_set_new(o, "sourceId",
			    json_integer((json_int_t)(i % nsources) + 1));
	if (q < 7) {
		sql(g, &sb, i);
		json_object_set_new(o, "queryType", json_string("raw_sql"));
		json_object_set_new(o, "raw", json_pack("{s:s}", "sql",
							sb.buf));
	} else if (q == 7) {
		snprintf(name, sizeof(name), "ANALYTICS.PUBLIC.%s", t);
		json_object_set_new(o, "queryType", json_string("table"));
		json_object_set_new(o, "table", json_pack("{s:s}", "name",
							  name));
	} else if (q == 8) {
		json_object_set_new(o, "queryType", json_string("dbt"));
		json_object_set_new(o, "dbt", json_pack("{s:i}", "modelId",
							(int)(i + 1)));
	} else {
		json_object_set_new(o, "queryType", json_string("custom"));
		json_object_set_new(o, "custom", json_pack(
			"{s:{s:s, s:s, s:[s, s], s:i}}", "query", "base",
			"appXYZ123", "table", t, "fields", "Name", "Email",
			"limit", 1000));
	}
	json_object_set_new(o, "isSchema", json_boolean(schema));
	json_object_set_new(o, "tags", json_pack("{s:s}", "team",
						 owners[i % 5]));
	ht_strbuf_release(&sb);
	return o;
}

static json_t *mapping(struct gen *g, int kind)
{
	const char *col = PICK(g, columns);

	switch (kind) {
	case 0:
		return json_pack("{s:s, s:s, s:s}", "from", col, "to", col,
				 "type", "standard");
	case 1:
		return json_pack("{s:s, s:s, s:s}", "to", "full_name", "type",
				 "template", "template",
				 "{{ row['first_name'] }} "
				 "{{ row['last_name'] }}");
	case 2:
		return json_pack("{s:s, s:s, s:s}", "to", "hightouch_sync",
				 "type", "variable", "variable",
				 next(g) % 2 ? "sync-id" : "sync-run-id");
	default:
		return json_pack("{s:s, s:s, s:{s:s, s:s, s:s}}", "to",
				 "company", "type", "reference", "lookup",
				 "by", "domain", "from", "company_domain",
				 "object", "companies");
	}
}

static json_t *schedule(struct gen *g, size_t i)
{
	json_t *s;

	switch (i % 8) {
	case 0:
		return json_null();
	case 1:
	case 2:
	case 3:
	case 4:
		s = json_pack("{s:s, s:{s:{s:s, s:i}}}", "type", "interval",
			      "schedule", "interval", "unit",
			      ht_schedule_units[i % 8 - 1], "quantity",
			      1 + (int)pick(g, 12));
		break;
	case 5:
		s = json_pack("{s:s, s:{s:s}}", "type", "cron", "schedule",
			      "expression", i % 2 ? "0 */4 * * *" :
			      "30 2 * * 1-5");
		break;
	case 6:
		s = json_pack("{s:s, s:{s:[{s:{s:b, s:b}, s:s}, "
			      "{s:{s:b}, s:s}]}}", "type", "visual",
			      "schedule", "expressions", "days", "monday", 1,
			      "thursday", 1, "time", "09:30", "days",
			      "saturday", 1, "time", "23:00");
		break;
	default:
		s = json_pack("{s:s, s:{s:{s:s}, s:{s:s}}}", "type",
			      "dbt-cloud", "schedule", "account", "id",
			      "acct-42", "job", "id", "job-7");
		break;
	}
	if (i % 3 == 0)
		json_object_set_new(s, "startDate",
				    json_string("2024-06-24T02:00:00.000Z"));
	return s;
}

static json_t *sync(struct gen *g, size_t i, json_t *models,
		    json_t *dests)
{
	size_t m = (i * 7) % json_array_size(models);
	size_t d = (i * 3) % json_array_size(dests);
	const json_t *mo = json_array_get(models, m);
	const json_t *de = json_array_get(dests, d);
	json_t *o = json_object(), *maps = json_array(), *cfg;
	size_t n = 2 + pick(g, 6), k;
	char slug[256];

	snprintf(slug, sizeof(slug), "%s-to-%s-%zu",
		 ht_json_get_string(mo, "slug"),
		 ht_json_get_string(de, "slug"), i + 1);
	for (k = 0; k < n; k++)
		json_array_append_new(maps, mapping(g, k == 0 ? 0 :
						     (int)((i + k) % 3)));
	cfg = json_pack("{s:s, s:s, s:o, s:o}", "mode",
			i % 4 ? "upsert" : "update", "object",
			i % 2 ? "contacts" : "deals", "mappings", maps,
			"externalIdMapping",
			json_pack("{s:s, s:s, s:s}", "from", "email", "to",
				  "email", "type", "standard"));
	if (i % 2 == 0)
		json_object_set_new(cfg, "associationMappings",
				    json_pack("[o]", mapping(g, 3)));
	if (i % 5 == 0)
		json_object_set_new(cfg, "advanced", json_pack(
			"{s:b, s:{s:s, s:[s, s]}}", "deleteMode", 0,
			"filters", "operator", "and", "rules",
			"plan != 'free'", "country in ('US', 'CA')"));
	json_object_set_new(o, "id", json_integer((json_int_t)i + 1));
	json_object_set_new(o, "slug", json_string(slug));
	stamp(g, o);
	json_object_set(o, "destinationId", json_object_get(de, "id"));
	json_object_set(o, "modelId", json_object_get(mo, "id"));
	json_object_set_new(o, "configuration", cfg);
	json_object_set_new(o, "schedule", schedule(g, i));
	json_object_set_new(o, "disabled", json_boolean(i % 9 == 8));
	return o;
}

/* The most resources of one kind `generate` makes. */
#define GEN_MAX 10000000

static const char *const gen_usage[] = {
	"hightouch-emulator generate [<options>]",
	"",
	"Writes a seed (JSON) for --seed or POST /_emulator/seed.",
	NULL,
};

static void add_schema(struct gen *g, json_t *seed, json_t *models,
		       int64_t nparents, int64_t nsources)
{
	json_t *parents = json_array(), *related = json_array();
	json_t *events = json_array(), *rels = json_array();
	int64_t id = (int64_t)json_array_size(models), i, rid = 0;

	for (i = 0; i < nparents; i++) {
		json_t *p = model(g, (size_t)i, (size_t)nsources, "parent-",
				  "Parent ", 1);
		json_t *ev = model(g, (size_t)i, (size_t)nsources, "event-",
				   "Event ", 1);
		int64_t pid = ++id, j;

		json_object_set_new(p, "id", json_integer(pid));
		json_object_set_new(p, "primaryLabel", json_string("email"));
		json_object_set_new(p, "secondaryLabel",
				    json_string("full_name"));
		json_array_append_new(parents, p);
		for (j = 0; j < 2; j++) {
			json_t *r = model(g, (size_t)(2 * i + j),
					  (size_t)nsources, "related-",
					  "Related ", 1);
			char slug[96];

			json_object_set_new(r, "id", json_integer(++id));
			json_array_append(related, r);
			snprintf(slug, sizeof(slug), "parent-%lld-related-%lld",
				 (long long)(i + 1),
				 (long long)(2 * i + j + 1));
			json_array_append_new(rels, json_pack(
				"{s:I, s:s, s:I, s:I, s:s, s:[{s:s, s:s}]}",
				"id", (json_int_t)++rid, "slug", slug,
				"fromModelId", (json_int_t)pid, "toModelId",
				(json_int_t)id, "cardinality", j ?
				"one-to-one" : "one-to-many", "joinKeys",
				"from", "id", "to", "user_id"));
			stamp(g, json_array_get(rels,
						json_array_size(rels) - 1));
			json_decref(r);
		}
		json_object_set_new(ev, "id", json_integer(++id));
		json_object_set_new(ev, "timestampColumn",
				    json_string("occurred_at"));
		json_array_append_new(events, ev);
		json_array_append_new(rels, json_pack(
			"{s:I, s:s, s:I, s:I, s:s, s:[{s:s, s:s}, {s:s, "
			"s:s}]}", "id", (json_int_t)++rid, "slug",
			json_string_value(json_object_get(ev, "slug")),
			"fromModelId", (json_int_t)id, "toModelId",
			(json_int_t)pid, "cardinality", "many-to-one",
			"joinKeys", "from", "user_id", "to", "id", "from",
			"account_id", "to", "account_id"));
		stamp(g, json_array_get(rels, json_array_size(rels) - 1));
	}
	json_object_set_new(seed, "parentModels", parents);
	json_object_set_new(seed, "relatedModels", related);
	json_object_set_new(seed, "eventModels", events);
	json_object_set_new(seed, "relationships", rels);
}

int emu_generate_main(int argc, const char **argv)
{
	int64_t nmodels = 10, nsyncs = 20, nsources = 3, ndests = 6;
	int64_t nschema = 0, rseed = 1, i;
	const char *output = NULL, *start = "2024-01-01T00:00:00.000Z";
	const struct ht_option options[] = {
		HT_OPT_INTEGER_RANGE(0, "models", &nmodels, "<n>",
				     "models (default 10)", 0, GEN_MAX),
		HT_OPT_INTEGER_RANGE(0, "syncs", &nsyncs, "<n>",
				     "syncs (default 20; needs a model)", 0,
				     GEN_MAX),
		HT_OPT_INTEGER_RANGE(0, "sources", &nsources, "<n>",
				     "sources (default 3)", 0, GEN_MAX),
		HT_OPT_INTEGER_RANGE(0, "destinations", &ndests, "<n>",
				     "destinations (default 6)", 0, GEN_MAX),
		HT_OPT_INTEGER_RANGE(0, "schema", &nschema, "<n>",
				     "<n> parent, 2<n> related and <n> event "
				     "models,\nand their relationships "
				     "(default 0)",
				     0, GEN_MAX),
		HT_OPT_INTEGER_RANGE(0, "random-seed", &rseed, "<n>",
				     "seed of the generator (default 1)", 0,
				     INT64_MAX),
		HT_OPT_STRING(0, "start", &start, "<time>",
			      "createdAt of the first resource\n"
			      "(default 2024-01-01T00:00:00.000Z)"),
		HT_OPT_STRING('o', "output", &output, "<file>",
			      "write there (default: stdout)"),
		HT_OPT_END(),
	};
	struct gen g;
	json_t *seed = NULL, *arr, *models = NULL, *dests = NULL;
	struct ht_strbuf out = HT_STRBUF_INIT;
	FILE *f = stdout;
	int ret, status = 0;

	memset(&g, 0, sizeof(g));
	ret = ht_options_parse(&argc, argv, options, HT_OPTIONS_NO_ARGS);
	if (!ret && emu_parse_time(&g.start_ms, start) < 0)
		ret = ht_error_set(HT_EINVALID,
				   "option '--start' expects a time like "
				   "2024-01-01T00:00:00.000Z, not '%s'",
				   start);
	if (!ret && ((nsyncs && (!nmodels || !ndests)) ||
		     ((nmodels || nschema) && !nsources)))
		ret = ht_error_set(HT_EINVALID,
				   "syncs need models and destinations, "
				   "models need sources");
	if (ret)
		return ht_options_status(ret, gen_usage, options,
					 HT_EXIT_USAGE);
	g.rng = (uint64_t)rseed;
	g.total = nsources + ndests + nmodels + nsyncs + 7 * nschema;

	seed = json_object();
	json_object_set_new(seed, "workspaceId", json_integer(1));
	arr = json_array();
	for (i = 0; i < nsources; i++)
		json_array_append_new(arr, source(&g, (size_t)i));
	json_object_set_new(seed, "sources", arr);
	dests = json_array();
	for (i = 0; i < ndests; i++)
		json_array_append_new(dests, destination(&g, (size_t)i));
	json_object_set(seed, "destinations", dests);
	models = json_array();
	for (i = 0; i < nmodels; i++) {
		json_t *m = model(&g, (size_t)i, (size_t)nsources, "",
				   "Model ", 0);

		json_object_set_new(m, "id", json_integer((json_int_t)i + 1));
		json_array_append_new(models, m);
	}
	json_object_set(seed, "models", models);
	arr = json_array();
	for (i = 0; i < nsyncs; i++)
		json_array_append_new(arr, sync(&g, (size_t)i, models, dests));
	json_object_set_new(seed, "syncs", arr);
	if (nschema)
		add_schema(&g, seed, models, nschema, nsources);

	if (ht_json_dump(&out, seed) < 0) {
		fprintf(stderr, "fatal: %s\n", ht_error_message());
		status = 128;
		goto cleanup;
	}
	ht_strbuf_addch(&out, '\n');
	if (output && !(f = fopen(output, "w"))) {
		fprintf(stderr, "fatal: cannot open '%s' for writing\n",
			output);
		status = 128;
		goto cleanup;
	}
	if (fwrite(out.buf, 1, out.len, f) != out.len || fflush(f)) {
		fprintf(stderr, "fatal: cannot write the seed\n");
		status = 128;
	}
	if (output && fclose(f)) {
		fprintf(stderr, "fatal: cannot write '%s'\n", output);
		status = 128;
	}
cleanup:
	json_decref(seed);
	json_decref(models);
	json_decref(dests);
	ht_strbuf_release(&out);
	return status;
}
