/*
 * git hightouch schema: JSON Schemas (draft-07) for every file kind,
 * generated from the kinds table, for yaml-language-server and any JSON
 * Schema validator, and the .vscode/settings.json lines that map them to
 * the folders.
 *
 * The schemas say what the kinds table's per-file rules say, so that a
 * file passes the schema exactly when `git hightouch check` finds no
 * error of those rules in it (tests/e2e/t7300 holds them to that).  What
 * a schema cannot know is left out: the file name, references to other
 * files, the YAML reader's own rules, cron field ranges, calendar dates.
 * Unknown keys are allowed, since check only warns about them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/kinds.h"
#include "hightouch/options.h"
#include "hightouch/strbuf.h"

#include "git-hightouch.h"

#define DRAFT07 "http://json-schema.org/draft-07/schema#"
/*
 * End of input: `$` would also match before a final newline in Python's
 * re, which python-jsonschema uses.
 */
#define END "(?![\\s\\S])"
#define SLUG_RE "^[A-Za-z0-9][A-Za-z0-9_-]{0,254}" END
#define HHMM_RE "^([01][0-9]|2[0-3]):[0-5][0-9]" END
#define CRON_ITEM "[A-Za-z0-9*/,?#-]+"
#define CRON_RE "^[ \\t]*" CRON_ITEM "([ \\t]+" CRON_ITEM "){4}[ \\t]*" END
#define DATE_RE                                                               \
	"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"                  \
	"([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]"                                 \
	"(:([0-5][0-9]|60)([.,][0-9]+)?)?"                                    \
	"([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?" END

/*
 * The schedule's inner shapes are checked by kinds.c, not described by
 * the table: these lists are kinds.c's (docs/file-format.md, "Schedules").
 */
static const char *const interval_units[] = { "minute", "hour", "day",
					      "week", NULL };
static const char *const weekdays[] = { "monday",   "tuesday", "wednesday",
					"thursday", "friday",  "saturday",
					"sunday",   NULL };

/* The kinds that have files, in the order they are written. */
static const enum ht_kind file_kinds[] = {
	HT_KIND_MODEL,	      HT_KIND_SYNC,	   HT_KIND_PARENT_MODEL,
	HT_KIND_RELATED_MODEL, HT_KIND_EVENT_MODEL, HT_KIND_RELATIONSHIP,
	HT_KIND_MANIFEST,      HT_KIND_ALIASES,
};
#define NFILE_KINDS (sizeof(file_kinds) / sizeof(file_kinds[0]))

static const char *const schema_usage[] = {
	"git hightouch schema [--prefix <path>] [<kind>]",
	"git hightouch schema [--prefix <path>] --write <dir>",
	"",
	"Prints the JSON Schema of one <kind> (model, sync, ...), or of all.",
	NULL,
};

static json_t *strings(const char *const *list, int with_null)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; list[i]; i++)
		json_array_append_new(arr, json_string(list[i]));
	if (with_null)
		json_array_append_new(arr, json_null());
	return arr;
}

static json_t *typed(const char *type)
{
	json_t *s = json_object();

	json_object_set_new(s, "type", json_string(type));
	return s;
}

static json_t *pattern(const char *re)
{
	json_t *s = typed("string");

	json_object_set_new(s, "pattern", json_string(re));
	return s;
}

/* {"if": {type: const}, "then": then} for a schedule's type. */
static json_t *when_type(const char *value, json_t *then)
{
	json_t *cond = json_object(), *props = json_object();
	json_t *c = json_object(), *branch = json_object();

	json_object_set_new(c, "const", json_string(value));
	json_object_set_new(props, "type", c);
	json_object_set_new(cond, "properties", props);
	json_object_set_new(cond, "required", json_pack("[s]", "type"));
	json_object_set_new(branch, "if", cond);
	json_object_set_new(branch, "then", then);
	return branch;
}

/* {"properties": {"schedule": inner}} */
static json_t *inner_is(json_t *inner)
{
	return json_pack("{s:{s:o}}", "properties", "schedule", inner);
}

static json_t *visual_schema(void)
{
	json_t *any = json_array(), *days, *item;
	size_t i;

	for (i = 0; weekdays[i]; i++)
		json_array_append_new(any,
				      json_pack("{s:[s],s:{s:{s:b}}}",
						"required", weekdays[i],
						"properties", weekdays[i],
						"const", 1));
	days = json_pack("{s:s,s:{s:o},s:{s:s},s:o}", "type", "object",
			 "propertyNames", "enum", strings(weekdays, 0),
			 "additionalProperties", "type", "boolean", "anyOf",
			 any);
	item = json_pack("{s:s,s:[s,s],s:{s:o,s:o}}", "type", "object",
			 "required", "days", "time", "properties", "days",
			 days, "time", pattern(HHMM_RE));
	return json_pack("{s:[s],s:{s:{s:s,s:i,s:o}}}", "required",
			 "expressions", "properties", "expressions", "type",
			 "array", "minItems", 1, "items", item);
}

static json_t *dbt_id(void)
{
	return json_pack("{s:s,s:[s],s:{s:{s:[{s:s},{s:s,s:i}]}}}", "type",
			 "object", "required", "id", "properties", "id",
			 "anyOf", "type", "integer", "type", "string",
			 "minLength", 1);
}

static json_t *schedule_schema(const struct ht_field *f)
{
	json_t *s, *all = json_array(), *manual;

	manual = json_pack("{s:{s:{}},s:b}", "properties", "type",
			   "additionalProperties", 0);
	json_array_append_new(
		all, json_pack("{s:o,s:o,s:{s:[s]}}", "if",
			       json_pack("{s:{s:{s:s}},s:[s]}", "properties",
					 "type", "const", "manual", "required",
					 "type"),
			       "then", manual, "else", "required",
			       "schedule"));
	json_array_append_new(
		all,
		when_type("interval",
			  inner_is(json_pack(
				  "{s:[s],s:{s:{s:s,s:[s,s],s:{s:{s:o},s:{s:s,"
				  "s:i}}}}}",
				  "required", "interval", "properties",
				  "interval", "type", "object", "required",
				  "unit", "quantity", "properties", "unit",
				  "enum", strings(interval_units, 0),
				  "quantity", "type", "integer", "minimum",
				  1))));
	json_array_append_new(
		all, when_type("cron",
			       inner_is(json_pack("{s:[s],s:{s:o}}",
						  "required", "expression",
						  "properties", "expression",
						  pattern(CRON_RE)))));
	json_array_append_new(all, when_type("visual",
					     inner_is(visual_schema())));
	json_array_append_new(
		all, when_type("dbt-cloud",
			       inner_is(json_pack("{s:[s,s],s:{s:o,s:o}}",
						  "required", "account", "job",
						  "properties", "account",
						  dbt_id(), "job",
						  dbt_id()))));
	s = json_pack("{s:s,s:s,s:[s],s:{s:{s:s},s:{s:s},s:o}}",
		      "description", f->description, "type", "object",
		      "required", "type", "properties", "type", "type",
		      "string", "schedule", "type", "object", "startDate",
		      pattern(DATE_RE));
	json_object_set_new(s, "allOf", all);
	return s;
}

static json_t *joinkeys_schema(void)
{
	return json_pack("{s:s,s:i,s:{s:s,s:[s,s],s:{s:{s:s},s:{s:s}}}}",
			 "type", "array", "minItems", 1, "items", "type",
			 "object", "required", "from", "to", "properties",
			 "from", "type", "string", "to", "type", "string");
}

static json_t *record_schema(enum ht_kind kind);

/* A field's value; `nullable` adds null to its type. */
static json_t *value_schema(const struct ht_field *f, int nullable)
{
	const char *type = NULL;
	json_t *s;

	switch (f->type) {
	case HT_FTYPE_STRING:
	case HT_FTYPE_TEXT:
		type = "string";
		break;
	case HT_FTYPE_BOOL:
		type = "boolean";
		break;
	case HT_FTYPE_INT:
		type = "integer";
		break;
	case HT_FTYPE_ENUM:
		s = json_object();
		json_object_set_new(s, "enum", strings(f->values, nullable));
		return s;
	case HT_FTYPE_REF:
		s = pattern(SLUG_RE);
		if (nullable)
			json_object_set_new(s, "type",
					    json_pack("[s,s]", "string",
						      "null"));
		return s;
	case HT_FTYPE_ANY:
		return json_object();
	case HT_FTYPE_OBJECT:
		type = "object";
		break;
	case HT_FTYPE_SCHEDULE:
		return schedule_schema(f);
	case HT_FTYPE_JOINKEYS:
		return joinkeys_schema();
	case HT_FTYPE_ENTRIES:
		return json_pack("{s:[s,s],s:{s:s},s:o}", "type", "object",
				 "null", "propertyNames", "pattern", SLUG_RE,
				 "additionalProperties", record_schema(f->ref));
	case HT_FTYPE_ALIASMAP:
		break;
	}
	if (!type)
		HT_BUG("no schema for field '%s'", f->name);
	if (nullable)
		return json_pack("{s:[s,s]}", "type", type, "null");
	return typed(type);
}

static json_t *field_schema(const struct ht_field *f)
{
	int nullable = (f->flags & HT_FIELD_NULLABLE) ||
		       !(f->flags & HT_FIELD_REQUIRED);
	json_t *s;

	if (f->flags & HT_FIELD_QUERY)
		nullable = 1; /* the branches below say which one is used */
	s = value_schema(f, nullable);
	if (f->description && !json_object_get(s, "description"))
		json_object_set_new(s, "description",
				    json_string(f->description));
	return s;
}

/* The model query keys: the one `type` names, the others null. */
static json_t *query_branches(const struct ht_kind_info *info)
{
	const struct ht_field *selector = NULL;
	json_t *all = json_array();
	size_t i, j, v;

	for (i = 0; i < info->nfields; i++)
		if (info->fields[i].type == HT_FTYPE_ENUM &&
		    !strcmp(info->fields[i].name, "type"))
			selector = &info->fields[i];
	for (v = 0; selector && selector->values[v]; v++) {
		json_t *then = json_object(), *props = json_object();
		json_t *req = json_array();

		for (j = 0; j < info->nfields; j++) {
			const struct ht_field *f = &info->fields[j];

			if (!(f->flags & HT_FIELD_QUERY))
				continue;
			if (strcmp(f->when, selector->values[v])) {
				json_object_set_new(props, f->name,
						    typed("null"));
				continue;
			}
			json_array_append_new(req, json_string(f->name));
			json_object_set_new(props, f->name,
					    value_schema(f, 0));
		}
		json_object_set_new(then, "required", req);
		json_object_set_new(then, "properties", props);
		json_array_append_new(all,
				      when_type(selector->values[v], then));
	}
	return all;
}

static json_t *record_schema(enum ht_kind kind)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	json_t *s = typed("object"), *props = json_object();
	json_t *req = json_array(), *branches;
	size_t i;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];

		if ((f->flags & HT_FIELD_REQUIRED) &&
		    !(f->flags & HT_FIELD_QUERY))
			json_array_append_new(req, json_string(f->name));
		json_object_set_new(props, f->name, field_schema(f));
	}
	json_object_set_new(s, "required", req);
	json_object_set_new(s, "properties", props);
	if (ht_kind_is_model(kind)) {
		branches = query_branches(info);
		json_object_set_new(s, "allOf", branches);
	}
	return s;
}

static json_t *aliases_schema(void)
{
	return json_pack("{s:[s,s],s:{s:s},s:o}", "type", "object", "null",
			 "propertyNames", "pattern", SLUG_RE,
			 "additionalProperties", pattern(SLUG_RE));
}

/* Where a kind's files are, as a glob from the top of the work tree. */
static void kind_glob(struct ht_strbuf *out, enum ht_kind kind,
		      const char *prefix)
{
	const struct ht_kind_info *info = ht_kind_info(kind);

	while (prefix && *prefix == '/')
		prefix++;
	if (kind == HT_KIND_MANIFEST || kind == HT_KIND_ALIASES) {
		ht_strbuf_addf(out, "%s-*.yaml", info->name);
		return;
	}
	if (prefix && *prefix) {
		ht_strbuf_addstr(out, prefix);
		while (out->len && out->buf[out->len - 1] == '/')
			ht_strbuf_setlen(out, out->len - 1);
		ht_strbuf_addch(out, '/');
	}
	ht_strbuf_addf(out, "%s/*.yaml", info->folder);
}

static json_t *kind_schema(enum ht_kind kind, const char *prefix)
{
	struct ht_strbuf title = HT_STRBUF_INIT, glob = HT_STRBUF_INIT;
	json_t *body, *s = json_object();
	void *it;

	body = kind == HT_KIND_ALIASES ? aliases_schema() : record_schema(kind);
	kind_glob(&glob, kind, prefix);
	ht_strbuf_addf(&title, "Hightouch %s file (%s)",
		       ht_kind_info(kind)->name, glob.buf);
	json_object_set_new(s, "$schema", json_string(DRAFT07));
	json_object_set_new(s, "title", json_string(title.buf));
	for (it = json_object_iter(body); it;
	     it = json_object_iter_next(body, it))
		json_object_set(s, json_object_iter_key(it),
				json_object_iter_value(it));
	json_decref(body);
	ht_strbuf_release(&title);
	ht_strbuf_release(&glob);
	return s;
}

static int dump(FILE *fp, const json_t *v)
{
	if (json_dumpf(v, fp, JSON_INDENT(2)) < 0 || fputc('\n', fp) == EOF)
		return ht_error_set(HT_EIO, "cannot write JSON");
	return 0;
}

static int write_schemas(const char *dir, const char *prefix)
{
	struct ht_strbuf path = HT_STRBUF_INIT, glob = HT_STRBUF_INIT;
	json_t *map = json_object(), *settings = json_object();
	size_t i, dlen = strlen(dir);
	int ret = 0;

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		ret = ht_error_set(HT_EIO, "cannot create '%s': %s", dir,
				   strerror(errno));
		goto cleanup;
	}
	for (i = 0; i < NFILE_KINDS; i++) {
		json_t *s = kind_schema(file_kinds[i], prefix);
		FILE *fp;

		ht_strbuf_reset(&path);
		ht_strbuf_addf(&path, "%.*s/%s.schema.json", (int)dlen, dir,
			       ht_kind_info(file_kinds[i])->name);
		fp = fopen(path.buf, "w");
		if (!fp) {
			ret = ht_error_set(HT_EIO, "cannot write '%s': %s",
					   path.buf, strerror(errno));
			json_decref(s);
			goto cleanup;
		}
		ret = dump(fp, s);
		if (fclose(fp) == EOF && !ret)
			ret = ht_error_set(HT_EIO, "cannot write '%s'",
					   path.buf);
		json_decref(s);
		if (ret < 0)
			goto cleanup;
		ht_strbuf_reset(&glob);
		kind_glob(&glob, file_kinds[i], prefix);
		json_object_set_new(map, path.buf[0] == '.' &&
						 path.buf[1] == '/' ?
					       path.buf + 2 :
					       path.buf,
				    json_string(glob.buf));
	}
	json_object_set(settings, "yaml.schemas", map);
	ret = dump(stdout, settings);
cleanup:
	json_decref(map);
	json_decref(settings);
	ht_strbuf_release(&path);
	ht_strbuf_release(&glob);
	return ret;
}

int cmd_schema(int argc, char **argv)
{
	const char *dir = NULL, *prefix = NULL, *kind_name = NULL;
	const struct ht_option options[] = {
		HT_OPT_STRING(0, "write", &dir, "<dir>",
			      "write <dir>/<kind>.schema.json for every kind,\n"
			      "and print the .vscode/settings.json lines"),
		HT_OPT_STRING(0, "prefix", &prefix, "<path>",
			      "the files' folder (remote.*.hightouchPath)"),
		HT_OPT_END(),
	};
	enum ht_kind kind = HT_KIND__COUNT;
	json_t *all;
	size_t i;
	int ret;

	ret = ht_options_parse(&argc, (const char **)argv, options, 0);
	if (!ret && argc > 1)
		ret = ht_error_set(HT_EINVALID, "unexpected argument '%s'",
				   argv[1]);
	if (!ret && argc)
		kind_name = argv[0];
	if (!ret && dir && kind_name)
		ret = ht_error_set(HT_EINVALID,
				   "--write writes every kind: no <kind>");
	for (i = 0; !ret && kind_name && i < NFILE_KINDS; i++)
		if (!strcmp(ht_kind_info(file_kinds[i])->name, kind_name))
			kind = file_kinds[i];
	if (!ret && kind_name && kind == HT_KIND__COUNT)
		ret = ht_error_set(HT_EINVALID, "unknown kind '%s'",
				   kind_name);
	if (ret)
		return ht_options_status(ret, schema_usage, options,
					 EXIT_TROUBLE);
	if (dir)
		return write_schemas(dir, prefix);
	if (kind_name) {
		all = kind_schema(kind, prefix);
	} else {
		all = json_object();
		for (i = 0; i < NFILE_KINDS; i++)
			json_object_set_new(all,
					    ht_kind_info(file_kinds[i])->name,
					    kind_schema(file_kinds[i], prefix));
	}
	ret = dump(stdout, all);
	json_decref(all);
	return ret;
}
