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

#include <jansson.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/fs.h"
#include "hightouch/kinds.h"
#include "hightouch/options.h"
#include "hightouch/schedule.h"
#include "hightouch/strbuf.h"

#include "git-hightouch.h"

#define DRAFT07 "http://json-schema.org/draft-07/schema#"
/*
 * End of input: `$` would also match before a final newline in Python's
 * re, which python-jsonschema uses.
 */
#define END "(?![\\s\\S])"
#define SLUG_RE "^[A-Za-z0-9][A-Za-z0-9_-]{0,254}" END
/* ht_dbt_model_valid(): model.<package>.<name>, no blank or control. */
#define DBT_MODEL_RE                                                          \
	"^model\\.[^.\\x00-\\x20\\x7f]+\\.[^\\x00-\\x20\\x7f]+" END

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
	json_object_set_new(props, HT_SCHEDULE_TYPE_KEY, c);
	json_object_set_new(cond, "properties", props);
	json_object_set_new(cond, "required",
			    json_pack("[s]", HT_SCHEDULE_TYPE_KEY));
	json_object_set_new(branch, "if", cond);
	json_object_set_new(branch, "then", then);
	return branch;
}

/* A visual expression's days: weekdays to booleans, one of them true. */
static json_t *days_schema(void)
{
	const char *const *day = ht_schedule_weekdays;
	json_t *any = json_array();

	for (; *day; day++)
		json_array_append_new(any, json_pack("{s:[s],s:{s:{s:b}}}",
						     "required", *day,
						     "properties", *day,
						     "const", 1));
	return json_pack("{s:s,s:{s:o},s:{s:s},s:o}", "type", "object",
			 "propertyNames", "enum",
			 strings(ht_schedule_weekdays, 0),
			 "additionalProperties", "type", "boolean", "anyOf",
			 any);
}

static json_t *part_schema(const struct ht_schedule_shape *s);

/* A mapping of required members; the inner schedule's type is said above. */
static json_t *members_schema(const struct ht_schedule_shape *s)
{
	json_t *out = json_object(), *req = json_array();
	json_t *props = json_object();
	size_t i;

	if (s->part != HT_SCHEDULE_INNER)
		json_object_set_new(out, "type", json_string("object"));
	for (i = 0; i < s->nmembers; i++) {
		json_array_append_new(req, json_string(s->members[i].name));
		json_object_set_new(props, s->members[i].name,
				    part_schema(&s->members[i]));
	}
	json_object_set_new(out, "required", req);
	json_object_set_new(out, "properties", props);
	return out;
}

/* The schema of a part of a schedule, from its shape (schedule.h). */
static json_t *part_schema(const struct ht_schedule_shape *s)
{
	switch (s->part) {
	case HT_SCHEDULE_INNER:
	case HT_SCHEDULE_INTERVAL:
	case HT_SCHEDULE_EXPRESSION:
	case HT_SCHEDULE_DBT_OBJECT:
		return members_schema(s);
	case HT_SCHEDULE_EXPRESSIONS:
		return json_pack("{s:s,s:i,s:o}", "type", "array", "minItems",
				 1, "items", part_schema(s->members));
	case HT_SCHEDULE_UNIT:
		return json_pack("{s:o}", "enum",
				 strings(ht_schedule_units, 0));
	case HT_SCHEDULE_QUANTITY:
		return json_pack("{s:s,s:i}", "type", "integer", "minimum", 1);
	case HT_SCHEDULE_CRON:
		return pattern(ht_schedule_cron_pattern);
	case HT_SCHEDULE_DAYS:
		return days_schema();
	case HT_SCHEDULE_TIME:
		return pattern(ht_schedule_hhmm_pattern);
	case HT_SCHEDULE_DBT_ID:
		return json_pack("{s:[{s:s},{s:s,s:i}]}", "anyOf", "type",
				 "integer", "type", "string", "minLength", 1);
	default:
		break; /* the top's members and days: no shapes */
	}
	HT_BUG("no schema for schedule part %d", (int)s->part);
}

/*
 * A branch per type: its inner schedule (the one without, manual, has
 * nothing beside its type; the others need one).
 */
static json_t *schedule_schema(const struct ht_field *f)
{
	const struct ht_schedule_type *t;
	json_t *s, *all = json_array(), *branch;

	for (t = ht_schedule_types; t->name; t++) {
		if (t->inner) {
			branch = json_pack("{s:{s:o}}", "properties",
					   t->inner->name,
					   part_schema(t->inner));
			json_array_append_new(all, when_type(t->name, branch));
			continue;
		}
		branch = when_type(t->name,
				   json_pack("{s:{s:{}},s:b}", "properties",
					     HT_SCHEDULE_TYPE_KEY,
					     "additionalProperties", 0));
		json_object_set_new(branch, "else",
				    json_pack("{s:[s]}", "required",
					      HT_SCHEDULE_INNER_KEY));
		json_array_append_new(all, branch);
	}
	s = json_pack("{s:s,s:s,s:[s],s:{s:{s:s},s:{s:s},s:o}}",
		      "description", f->description, "type", "object",
		      "required", HT_SCHEDULE_TYPE_KEY, "properties",
		      HT_SCHEDULE_TYPE_KEY, "type", "string",
		      HT_SCHEDULE_INNER_KEY, "type", "object",
		      HT_SCHEDULE_START_KEY,
		      pattern(ht_schedule_date_pattern));
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
	case HT_FTYPE_DBTMODEL:
		s = pattern(f->type == HT_FTYPE_REF ? SLUG_RE : DBT_MODEL_RE);
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
		return json_pack("{s:[s,s],s:{s:s},s:o}", "type", "object",
				 "null", "propertyNames", "pattern", SLUG_RE,
				 "additionalProperties", pattern(SLUG_RE));
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

/*
 * The sections, and nothing else of a scalar value at the top: an alias
 * of the flat form (alias-outside-section).  Other keys are unknown
 * fields, which check only warns about.
 */
static json_t *aliases_schema(void)
{
	const struct ht_kind_info *info = ht_kind_info(HT_KIND_ALIASES);
	json_t *props = json_object();
	size_t i;

	for (i = 0; i < info->nfields; i++)
		json_object_set_new(props, info->fields[i].name,
				    field_schema(&info->fields[i]));
	return json_pack("{s:[s,s],s:o,s:{s:[s,s]}}", "type", "object", "null",
			 "properties", props, "additionalProperties", "type",
			 "object", "array");
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
	size_t dlen = strlen(dir);
	int k, ret = 0;

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	ret = ht_mkdir_p(dir); /* and its parents, as mkdir -p */
	if (ret < 0)
		goto cleanup;
	for (k = 0; k < HT_KIND__COUNT; k++) {
		json_t *s;
		FILE *fp;

		if (!ht_kind_has_file((enum ht_kind)k))
			continue;
		s = kind_schema((enum ht_kind)k, prefix);
		ht_strbuf_reset(&path);
		ht_strbuf_addf(&path, "%.*s/%s.schema.json", (int)dlen, dir,
			       ht_kind_name((enum ht_kind)k));
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
		kind_glob(&glob, (enum ht_kind)k, prefix);
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
	int k, ret;

	ret = ht_options_parse(&argc, (const char **)argv, options, 0);
	if (!ret && argc > 1)
		ret = ht_error_set(HT_EINVALID, "unexpected argument '%s'",
				   argv[1]);
	if (!ret && argc)
		kind_name = argv[0];
	if (!ret && dir && kind_name)
		ret = ht_error_set(HT_EINVALID,
				   "--write writes every kind: no <kind>");
	if (!ret && kind_name)
		kind = ht_kind_from_name(kind_name);
	if (kind != HT_KIND__COUNT && !ht_kind_has_file(kind))
		kind = HT_KIND__COUNT; /* sources and destinations */
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
		for (k = 0; k < HT_KIND__COUNT; k++)
			if (ht_kind_has_file((enum ht_kind)k))
				json_object_set_new(all,
						    ht_kind_name((enum ht_kind)k),
						    kind_schema((enum ht_kind)k,
								prefix));
	}
	ret = dump(stdout, all);
	json_decref(all);
	return ret;
}
