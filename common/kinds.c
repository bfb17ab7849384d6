/*
 * The kinds table and the two conversions it drives: API JSON -> YAML
 * document (ht_kind_to_yaml) and YAML document -> API JSON with validation
 * (ht_kind_from_yaml).  docs/file-format.md describes the files.
 *
 * Most kinds are "records": a mapping whose fields are listed in the table
 * in canonical order and converted one by one.  The manifest and the
 * aliases file have shapes of their own and are converted by dedicated
 * code below, still described by table rows so that schemas and docs can
 * be generated from them.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/kinds.h"
#include "hightouch/schedule.h"
#include "hightouch/suggest.h"

/* The field of a model whose value chooses the query key. */
#define QUERY_SELECTOR "type"

/* clang-format off */
static const char *const query_types[] = {
	"raw_sql", "table", "dbt_model", "custom", NULL
};
static const char *const query_types_api[] = {
	"raw_sql", "table", "dbt", "custom", NULL
};
static const char *const cardinalities[] = {
	"one-to-one", "one-to-many", "many-to-one", NULL
};

#define F_REQ HT_FIELD_REQUIRED
#define F_IMM HT_FIELD_IMMUTABLE
#define F_NULL HT_FIELD_NULLABLE
#define F_RO HT_FIELD_READONLY
#define F_LOCAL HT_FIELD_LOCAL
#define F_QUERY HT_FIELD_QUERY

/*
 * A model's fields in Git Sync's documented order (name, source, type,
 * dbtModel, rawSql, tableName, isSchema, primaryKey), with customQuery
 * among the query keys; then a kind's own fields; then the read-only
 * ones, MODEL_READONLY, last.
 */
#define MODEL_FIELDS(what)                                                    \
	{ .name = "name", .type = HT_FTYPE_STRING, .flags = F_REQ,            \
	  .json = "name", .description = "display name of the " what },       \
	{ .name = "source", .type = HT_FTYPE_REF, .flags = F_REQ | F_IMM,     \
	  .json = "sourceId", .ref = HT_KIND_SOURCE,                          \
	  .description = "slug of the source in the manifest, or an alias" }, \
	{ .name = "type", .type = HT_FTYPE_ENUM, .flags = F_REQ | F_IMM,      \
	  .json = "queryType", .values = query_types,                         \
	  .api_values = query_types_api,                                      \
	  .description = "how the query is given: the key of the same name" },\
	{ .name = "dbtModel", .type = HT_FTYPE_DBTMODEL, .flags = F_QUERY,    \
	  .json = "dbt.dbtUniqueId", .id_json = "dbt.modelId",                \
	  .when = "dbt_model",                                                \
	  .description = "unique id of the dbt model, "                       \
			 "model.<package>.<model> (type dbt_model)" },        \
	{ .name = "rawSql", .type = HT_FTYPE_TEXT, .flags = F_QUERY,          \
	  .json = "raw.sql", .when = "raw_sql",                               \
	  .description = "SQL query (type raw_sql)" },                        \
	{ .name = "tableName", .type = HT_FTYPE_STRING, .flags = F_QUERY,     \
	  .json = "table.name", .when = "table",                              \
	  .description = "table name (type table)" },                         \
	{ .name = "customQuery", .type = HT_FTYPE_ANY, .flags = F_QUERY,      \
	  .json = "custom.query", .when = "custom",                           \
	  .description = "source-specific query (type custom)" },             \
	{ .name = "isSchema", .type = HT_FTYPE_BOOL, .flags = 0,              \
	  .json = "isSchema",                                                 \
	  .description = "whether the model only serves the schema" },        \
	{ .name = "primaryKey", .type = HT_FTYPE_STRING,                      \
	  .flags = F_REQ | F_NULL, .json = "primaryKey",                      \
	  .description = "primary key column, or null" }
#define MODEL_READONLY                                                        \
	{ .name = "description", .type = HT_FTYPE_TEXT, .flags = F_RO,        \
	  .json = "description",                                              \
	  .description = "description, set in the Hightouch UI only" }

static const struct ht_field source_fields[] = {
	{ .name = "name", .type = HT_FTYPE_STRING, .flags = F_REQ,
	  .json = "name", .description = "display name of the source" },
	{ .name = "type", .type = HT_FTYPE_STRING, .flags = F_REQ | F_IMM,
	  .json = "type", .description = "source type, e.g. snowflake" },
};

static const struct ht_field destination_fields[] = {
	{ .name = "name", .type = HT_FTYPE_STRING, .flags = F_REQ,
	  .json = "name", .description = "display name of the destination" },
	{ .name = "type", .type = HT_FTYPE_STRING, .flags = F_REQ | F_IMM,
	  .json = "type", .description = "destination type, e.g. hubspot" },
};

static const struct ht_field model_fields[] = {
	MODEL_FIELDS("model"),
	MODEL_READONLY,
};

static const struct ht_field parent_model_fields[] = {
	MODEL_FIELDS("parent model"),
	{ .name = "primaryLabel", .type = HT_FTYPE_STRING, .flags = 0,
	  .json = "primaryLabel",
	  .description = "column that labels a record" },
	{ .name = "secondaryLabel", .type = HT_FTYPE_STRING, .flags = 0,
	  .json = "secondaryLabel",
	  .description = "column that labels a record, second line" },
	MODEL_READONLY,
};

static const struct ht_field related_model_fields[] = {
	MODEL_FIELDS("related model"),
	MODEL_READONLY,
};

static const struct ht_field event_model_fields[] = {
	MODEL_FIELDS("event model"),
	{ .name = "timestampColumn", .type = HT_FTYPE_STRING, .flags = F_REQ,
	  .json = "timestampColumn",
	  .description = "column holding the time of the event" },
	MODEL_READONLY,
};

static const struct ht_field relationship_fields[] = {
	{ .name = "from", .type = HT_FTYPE_REF, .flags = F_REQ,
	  .json = "fromModelId", .ref = HT_KIND_MODEL,
	  .description = "slug of the model the relationship starts at" },
	{ .name = "to", .type = HT_FTYPE_REF, .flags = F_REQ,
	  .json = "toModelId", .ref = HT_KIND_MODEL,
	  .description = "slug of the model the relationship leads to" },
	{ .name = "cardinality", .type = HT_FTYPE_ENUM, .flags = F_REQ,
	  .json = "cardinality", .values = cardinalities,
	  .description = "how many records of each side match" },
	{ .name = "joinKeys", .type = HT_FTYPE_JOINKEYS, .flags = F_REQ,
	  .json = "joinKeys",
	  .description = "column pairs {from, to} that join the models" },
};

static const struct ht_field sync_fields[] = {
	{ .name = "model", .type = HT_FTYPE_REF, .flags = F_REQ | F_IMM,
	  .json = "modelId", .ref = HT_KIND_MODEL,
	  .description = "slug of the model the sync reads" },
	{ .name = "destination", .type = HT_FTYPE_REF,
	  .flags = F_REQ | F_IMM, .json = "destinationId",
	  .ref = HT_KIND_DESTINATION,
	  .description = "slug of the destination in the manifest, or an "
			 "alias" },
	{ .name = "description", .type = HT_FTYPE_TEXT, .flags = F_LOCAL,
	  .description = "free text kept in the file only" },
	{ .name = "config", .type = HT_FTYPE_OBJECT, .flags = F_REQ,
	  .json = "configuration",
	  .description = "destination-specific configuration" },
	{ .name = "schedule", .type = HT_FTYPE_SCHEDULE,
	  .flags = F_REQ | HT_FIELD_SCHEDULE, .json = "schedule",
	  .description = "when the sync runs; {type: manual} for never" },
	{ .name = "schedulePaused", .type = HT_FTYPE_BOOL,
	  .flags = F_REQ | HT_FIELD_SCHEDULE | HT_FIELD_PAUSE,
	  .json = "disabled",
	  .description = "whether the sync is disabled" },
};

static const struct ht_field manifest_fields[] = {
	{ .name = "sources", .type = HT_FTYPE_ENTRIES, .flags = F_REQ | F_RO,
	  .json = "sources", .ref = HT_KIND_SOURCE,
	  .description = "the workspace's sources: slug -> {name, type}" },
	{ .name = "destinations", .type = HT_FTYPE_ENTRIES,
	  .flags = F_REQ | F_RO, .json = "destinations",
	  .ref = HT_KIND_DESTINATION,
	  .description = "the workspace's destinations: slug -> "
			 "{name, type}" },
};

/*
 * The aliases file's two sections, as Git Sync has them: an alias is in
 * one of them only, and resolves for its section's kind only.
 */
static const struct ht_field aliases_fields[] = {
	{ .name = "sources", .type = HT_FTYPE_ALIASMAP,
	  .flags = F_LOCAL | F_NULL, .ref = HT_KIND_SOURCE,
	  .description = "alias -> slug of a source of the manifest" },
	{ .name = "destinations", .type = HT_FTYPE_ALIASMAP,
	  .flags = F_LOCAL | F_NULL, .ref = HT_KIND_DESTINATION,
	  .description = "alias -> slug of a destination of the manifest" },
};
#define NSECTIONS (sizeof(aliases_fields) / sizeof(aliases_fields[0]))

#define ROW(k, name, folder, api, ext, phase, ids, rank, fields)             \
	{ k, name, folder, api, ext, phase, ids, rank, fields,                \
	  sizeof(fields) / sizeof((fields)[0]) }

static const struct ht_kind_info kinds[HT_KIND__COUNT] = {
	ROW(HT_KIND_SOURCE, "source", NULL, "/sources", 0, 0, HT_IDS_SOURCE,
	    0, source_fields),
	ROW(HT_KIND_DESTINATION, "destination", NULL, "/destinations", 0, 0,
	    HT_IDS_DESTINATION, 1, destination_fields),
	ROW(HT_KIND_MODEL, "model", "models", "/models", 0, 1, HT_IDS_MODEL,
	    5, model_fields),
	ROW(HT_KIND_SYNC, "sync", "syncs", "/syncs", 0, 3, HT_IDS_SYNC, 7,
	    sync_fields),
	ROW(HT_KIND_PARENT_MODEL, "parent-model", "schema/parent-models",
	    "/schema/parent-models", 1, 1, HT_IDS_MODEL, 2,
	    parent_model_fields),
	ROW(HT_KIND_RELATED_MODEL, "related-model", "schema/related-models",
	    "/schema/related-models", 1, 1, HT_IDS_MODEL, 3,
	    related_model_fields),
	ROW(HT_KIND_EVENT_MODEL, "event-model", "schema/event-models",
	    "/schema/event-models", 1, 1, HT_IDS_MODEL, 4, event_model_fields),
	ROW(HT_KIND_RELATIONSHIP, "relationship", "schema/model-relationships",
	    "/schema/relationships", 1, 2, HT_IDS_RELATIONSHIP, 6,
	    relationship_fields),
	ROW(HT_KIND_MANIFEST, "manifest", NULL, NULL, 0, 0, HT_IDS_NONE, 8,
	    manifest_fields),
	ROW(HT_KIND_ALIASES, "aliases", NULL, NULL, 0, 0, HT_IDS_NONE, 9,
	    aliases_fields),
};

/* clang-format on */

static const char manifest_prefix[] = "manifest-";
static const char aliases_prefix[] = "aliases-";
static const char file_ext[] = ".yaml";

const struct ht_kind_info *ht_kind_info(enum ht_kind kind)
{
	if ((int)kind < 0 || kind >= HT_KIND__COUNT)
		return NULL;
	return &kinds[kind];
}

const char *ht_kind_name(enum ht_kind kind)
{
	return ht_kind_info(kind) ? kinds[kind].name : "(no kind)";
}

enum ht_kind ht_kind_from_name(const char *name)
{
	int k;

	for (k = 0; k < HT_KIND__COUNT; k++)
		if (name && !strcmp(kinds[k].name, name))
			return (enum ht_kind)k;
	return HT_KIND__COUNT;
}

const struct ht_field *ht_kind_field(enum ht_kind kind, const char *name)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	size_t i;

	if (!info || !name)
		return NULL;
	for (i = 0; i < info->nfields; i++)
		if (!strcmp(info->fields[i].name, name))
			return &info->fields[i];
	return NULL;
}

int ht_kind_is_model(enum ht_kind kind)
{
	return ht_kind_info(kind) && kinds[kind].ids == HT_IDS_MODEL;
}

const struct ht_field *ht_kind_section(enum ht_kind file, enum ht_kind kind)
{
	const struct ht_kind_info *m = ht_kind_info(file);
	size_t i;

	if (!m || m->ids != HT_IDS_NONE)
		return NULL;
	for (i = 0; i < m->nfields; i++)
		if (m->fields[i].ref == kind)
			return &m->fields[i];
	return NULL;
}

int ht_kind_in_manifest(enum ht_kind kind)
{
	return ht_kind_section(HT_KIND_MANIFEST, kind) != NULL;
}

int ht_kind_has_file(enum ht_kind kind)
{
	return ht_kind_info(kind) &&
	       (kinds[kind].folder || kinds[kind].ids == HT_IDS_NONE);
}

enum ht_ids ht_kind_ids(enum ht_kind kind)
{
	return ht_kind_info(kind) ? kinds[kind].ids : HT_IDS_NONE;
}

enum ht_kind ht_kind_by_rank(int rank)
{
	int k;

	for (k = 0; k < HT_KIND__COUNT; k++)
		if (kinds[k].rank == rank)
			return (enum ht_kind)k;
	HT_BUG("no kind has rank %d", rank);
}

int ht_kind_refers_to(enum ht_kind kind, enum ht_ids ids)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	size_t i;

	for (i = 0; info && i < info->nfields; i++)
		if (info->fields[i].type == HT_FTYPE_REF &&
		    kinds[info->fields[i].ref].ids == ids)
			return 1;
	return 0;
}

enum ht_kind ht_ids_kind(enum ht_ids ids)
{
	int k, only = -1;

	/* the kind of the space that is no extension, else its only kind */
	for (k = 0; k < HT_KIND__COUNT; k++) {
		if (kinds[k].ids != ids)
			continue;
		if (!kinds[k].extension)
			return (enum ht_kind)k;
		only = k;
	}
	if (only < 0)
		HT_BUG("no kind has id space %d", (int)ids);
	return (enum ht_kind)only;
}

const char *ht_ids_name(enum ht_ids ids)
{
	return kinds[ht_ids_kind(ids)].name;
}

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

int ht_slug_valid(const char *s, size_t len)
{
	size_t i;

	if (!s || !len || len > 255 || !is_alnum((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return 0;
	return 1;
}

static int is_blank_or_control(unsigned char c)
{
	return c <= ' ' || c == 0x7f;
}

int ht_dbt_model_valid(const char *s, size_t len)
{
	static const char pfx[] = "model.";
	size_t n = sizeof(pfx) - 1, i, dot = 0;

	if (!s || len <= n || memcmp(s, pfx, n))
		return 0;
	for (i = n; i < len; i++) {
		if (is_blank_or_control((unsigned char)s[i]))
			return 0;
		if (s[i] == '.' && !dot)
			dot = i;
	}
	/* a package and a name, neither empty */
	return dot > n && dot + 1 < len;
}

void ht_kind_trim_prefix(const char **p, size_t *len, const char *prefix)
{
	const char *s = prefix ? prefix : "";
	size_t n;

	while (*s == '/')
		s++;
	n = strlen(s);
	while (n && s[n - 1] == '/')
		n--;
	*p = s;
	*len = n;
}

int ht_kind_path(struct ht_strbuf *out, enum ht_kind kind, const char *prefix,
		 const char *workspace, const char *slug)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	const char *p;
	size_t plen;

	if (!info)
		return ht_error_set(HT_EINVALID, "unknown resource kind %d",
				    (int)kind);
	if (kind == HT_KIND_MANIFEST || kind == HT_KIND_ALIASES) {
		if (!workspace || !*workspace || strchr(workspace, '/'))
			return ht_error_set(HT_EINVALID,
					    "invalid workspace name '%s'",
					    workspace ? workspace : "");
		return ht_strbuf_addf(out, "%s%s%s",
				      kind == HT_KIND_MANIFEST ?
					      manifest_prefix :
					      aliases_prefix,
				      workspace, file_ext);
	}
	if (!info->folder)
		return ht_error_set(HT_EINVALID, "a %s has no file of its own",
				    info->name);
	if (!slug || !ht_slug_valid(slug, strlen(slug)))
		return ht_error_set(HT_EINVALID, "'%s' is not a valid slug",
				    slug ? slug : "");
	ht_kind_trim_prefix(&p, &plen, prefix);
	if (plen)
		return ht_strbuf_addf(out, "%.*s/%s/%s%s", (int)plen, p,
				      info->folder, slug, file_ext);
	return ht_strbuf_addf(out, "%s/%s%s", info->folder, slug, file_ext);
}

/* "<pfx><middle>.yaml" with a non-empty middle: its span, else 0. */
static int match_root_file(const char **mid, size_t *mlen, const char *path,
			   const char *pfx)
{
	size_t len = strlen(path), plen = strlen(pfx);
	size_t elen = sizeof(file_ext) - 1;

	if (len <= plen + elen || strncmp(path, pfx, plen) ||
	    strcmp(path + len - elen, file_ext))
		return 0;
	*mid = path + plen;
	*mlen = len - plen - elen;
	return 1;
}

enum ht_kind ht_kind_for_path(const char *path, const char *prefix,
			      const char *workspace, struct ht_strbuf *slug_out)
{
	size_t elen = sizeof(file_ext) - 1;
	const char *rest, *p;
	size_t plen;
	int k;

	if (!path)
		return HT_KIND__COUNT;
	if (!strchr(path, '/')) {
		static const enum ht_kind root_kinds[] = { HT_KIND_MANIFEST,
							   HT_KIND_ALIASES };
		size_t i;

		for (i = 0; i < 2; i++) {
			const char *mid;
			size_t mlen;

			if (!match_root_file(&mid, &mlen, path,
					     root_kinds[i] == HT_KIND_MANIFEST ?
						     manifest_prefix :
						     aliases_prefix))
				continue;
			if (workspace && (strlen(workspace) != mlen ||
					  strncmp(workspace, mid, mlen)))
				continue;
			if (slug_out)
				ht_strbuf_add(slug_out, mid, mlen);
			return root_kinds[i];
		}
		return HT_KIND__COUNT;
	}

	ht_kind_trim_prefix(&p, &plen, prefix);
	rest = path;
	if (plen) {
		if (strncmp(path, p, plen) || path[plen] != '/')
			return HT_KIND__COUNT;
		rest = path + plen + 1;
	}
	for (k = 0; k < HT_KIND__COUNT; k++) {
		const char *folder = kinds[k].folder, *name;
		size_t flen, nlen;

		if (!folder)
			continue;
		flen = strlen(folder);
		if (strncmp(rest, folder, flen) || rest[flen] != '/')
			continue;
		name = rest + flen + 1;
		nlen = strlen(name);
		if (strchr(name, '/') || nlen <= elen ||
		    strcmp(name + nlen - elen, file_ext))
			return HT_KIND__COUNT;
		if (slug_out)
			ht_strbuf_add(slug_out, name, nlen - elen);
		return (enum ht_kind)k;
	}
	return HT_KIND__COUNT;
}

/*
 * Shared helpers
 */

static int is_null(const struct ht_ynode *n)
{
	return n->kind == HT_YNODE_SCALAR && n->type == HT_YTYPE_NULL;
}

static int is_str(const struct ht_ynode *n)
{
	return n->kind == HT_YNODE_SCALAR && n->type == HT_YTYPE_STR;
}

/* What a dbtModel must be, in messages. */
#define DBT_MODEL_WANT "a dbt model's unique id (model.<package>.<model>)"

/*
 * A short, one-line rendering of a value for messages: at most 64 bytes
 * (cut at a character boundary, "..." added), control characters as '?'.
 */
#define SHORT_MAX 64
#define SHORT_BUF (SHORT_MAX + 8)
static const char *shorten(char *buf, const char *s, size_t len)
{
	size_t n = len, i;

	if (n > SHORT_MAX) {
		n = SHORT_MAX;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (n < len) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static const char *expected_type(enum ht_ftype t)
{
	switch (t) {
	case HT_FTYPE_STRING:
	case HT_FTYPE_TEXT:
	case HT_FTYPE_ENUM:
	case HT_FTYPE_REF:
		return "a string";
	case HT_FTYPE_BOOL:
		return "a boolean";
	case HT_FTYPE_INT:
		return "an integer";
	case HT_FTYPE_JOINKEYS:
		return "a list";
	case HT_FTYPE_OBJECT:
	case HT_FTYPE_SCHEDULE:
	case HT_FTYPE_ENTRIES:
	case HT_FTYPE_ALIASMAP:
		return "a mapping";
	case HT_FTYPE_DBTMODEL:
		return DBT_MODEL_WANT;
	case HT_FTYPE_ANY:
		break;
	}
	return "a value";
}

/* Comma-separated list of the values of an ENUM. */
static void join_values(struct ht_strbuf *sb, const char *const *values)
{
	size_t i;

	for (i = 0; values[i]; i++)
		ht_strbuf_addf(sb, "%s%s", i ? ", " : "", values[i]);
}

/* How deep containers nest in a tree (a scalar is 0). */
static size_t ynode_depth(const struct ht_ynode *n)
{
	size_t i, max = 0, d;

	for (i = 0; i < n->nitems; i++)
		if ((d = ynode_depth(n->items[i])) > max)
			max = d;
	for (i = 0; i < n->npairs; i++)
		if ((d = ynode_depth(n->pairs[i].value)) > max)
			max = d;
	return n->kind == HT_YNODE_SCALAR ? 0 : max + 1;
}

/*
 * API JSON -> YAML
 */

struct out_ctx {
	const struct ht_resolver *r;
	const char *who; /* "model 12": names the object in messages */
};

/* "<kind> <id>", "<kind> '<slug>'" or "<kind>" for messages. */
static void describe(struct ht_strbuf *sb, enum ht_kind kind, const json_t *api)
{
	const json_t *id = json_object_get(api, "id");
	const char *slug = ht_json_get_string(api, "slug");

	ht_strbuf_addstr(sb, kinds[kind].name);
	if (json_is_integer(id))
		ht_strbuf_addf(sb, " %" JSON_INTEGER_FORMAT,
			       json_integer_value(id));
	else if (json_is_string(id) && json_string_length(id) < 40)
		ht_strbuf_addf(sb, " %s", json_string_value(id));
	else if (slug && strlen(slug) < 256)
		ht_strbuf_addf(sb, " '%s'", slug);
}

static int out_invalid(const struct out_ctx *o, const char *field,
		       const char *what)
{
	return ht_error_set(HT_EINVALID, "%s: field '%s' %s", o->who, field,
			    what);
}

static int out_type(const struct out_ctx *o, const char *field,
		    const char *want, const json_t *v)
{
	return ht_error_set(HT_EINVALID, "%s: field '%s' must be %s, got %s",
			    o->who, field, want, ht_json_type_name(v));
}

static int id_to_slug(struct ht_ynode **out, const struct out_ctx *o,
		      const struct ht_field *f, const json_t *v)
{
	const char *slug = NULL;
	int64_t id;
	int ret;

	ret = ht_json_id_value(&id, v);
	if (ret < 0)
		return out_invalid(o, f->json, "is not a valid id");
	ret = o->r->slug_of(&slug, f->ref, id, o->r->payload);
	if (ret == HT_ENOTFOUND || (!ret && !slug))
		return ht_error_set(HT_ENOTFOUND,
				    "%s: %s %" PRId64 " not found", o->who,
				    kinds[f->ref].name, id);
	if (ret < 0)
		return ret;
	if (!ht_slug_valid(slug, strlen(slug)))
		return ht_error_set(HT_EINVALID,
				    "%s: %s %" PRId64 " has an invalid slug",
				    o->who, kinds[f->ref].name, id);
	*out = ht_ynode_new_cstr(slug);
	return 0;
}

static int schedule_to_yaml(struct ht_ynode **out, const struct out_ctx *o,
			    const json_t *v)
{
	struct ht_ynode *map = NULL, *n;
	const json_t *type, *inner, *start;
	void *it;
	int ret = 0;

	if (json_is_null(v)) {
		map = ht_ynode_new_map();
		ht_ynode_map_add(map, "type", ht_ynode_new_cstr("manual"));
		*out = map;
		return 0;
	}
	if (!json_is_object(v))
		return out_type(o, "schedule", "an object or null", v);
	type = json_object_get(v, "type");
	if (!json_is_string(type))
		return type ? out_type(o, "schedule.type", "a string", type) :
			      out_invalid(o, "schedule.type", "is missing");
	map = ht_ynode_new_map();
	ht_ynode_map_add(map, "type",
			 ht_ynode_new_str(json_string_value(type),
					  json_string_length(type)));
	if (!strcmp(json_string_value(type), "manual"))
		goto done;

	inner = json_object_get(v, "schedule");
	if (!inner || json_is_null(inner)) {
		ret = out_invalid(o, "schedule.schedule", "is missing");
		goto cleanup;
	}
	ret = ht_json_to_ynode(&n, inner);
	if (ret < 0)
		goto cleanup;
	ht_ynode_map_add(map, "schedule", n);

	/* startDate, then whatever else the API sent, in its order */
	start = json_object_get(v, "startDate");
	if (start && !json_is_null(start)) {
		if (!json_is_string(start)) {
			ret = out_type(o, "schedule.startDate", "a string",
				       start);
			goto cleanup;
		}
		ht_ynode_map_add(map, "startDate",
				 ht_ynode_new_str(json_string_value(start),
						  json_string_length(start)));
	}
	for (it = json_object_iter((json_t *)v); it;
	     it = json_object_iter_next((json_t *)v, it)) {
		const char *key = json_object_iter_key(it);

		if (!strcmp(key, "type") || !strcmp(key, "schedule") ||
		    !strcmp(key, "startDate"))
			continue;
		ret = ht_json_to_ynode(&n, json_object_iter_value(it));
		if (ret < 0)
			goto cleanup;
		ht_ynode_map_add_node(
			map,
			ht_ynode_new_str(key, json_object_iter_key_len(it)), n);
	}
done:
	*out = map;
	return 0;
cleanup:
	ht_ynode_free(map);
	return ret;
}

static int joinkeys_to_yaml(struct ht_ynode **out, const struct out_ctx *o,
			    const struct ht_field *f, const json_t *v)
{
	struct ht_ynode *seq;
	size_t i;

	if (!json_is_array(v))
		return out_type(o, f->json, "an array", v);
	if (!json_array_size(v))
		return out_invalid(o, f->json, "is empty");
	seq = ht_ynode_new_seq();
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *item = json_array_get(v, i);
		const json_t *from = json_object_get(item, "from");
		const json_t *to = json_object_get(item, "to");
		struct ht_ynode *pair;

		if (!json_is_string(from) || !json_is_string(to)) {
			ht_ynode_free(seq);
			return out_invalid(o, f->json,
					   "must hold {from, to} string pairs");
		}
		pair = ht_ynode_new_map();
		ht_ynode_map_add(pair, "from",
				 ht_ynode_new_str(json_string_value(from),
						  json_string_length(from)));
		ht_ynode_map_add(pair, "to",
				 ht_ynode_new_str(json_string_value(to),
						  json_string_length(to)));
		ht_ynode_seq_push(seq, pair);
	}
	*out = seq;
	return 0;
}

static int value_to_yaml(struct ht_ynode **out, const struct out_ctx *o,
			 const struct ht_field *f, const json_t *v)
{
	const char *name = f->json ? f->json : f->name;
	const char *const *api;
	int64_t i;
	size_t k;

	*out = NULL;
	switch (f->type) {
	case HT_FTYPE_STRING:
	case HT_FTYPE_TEXT:
		if (!json_is_string(v))
			return out_type(o, name, "a string", v);
		*out = ht_ynode_new_str(json_string_value(v),
					json_string_length(v));
		return 0;
	case HT_FTYPE_BOOL:
		if (!json_is_boolean(v))
			return out_type(o, name, "a boolean", v);
		*out = ht_ynode_new_bool(json_is_true(v));
		return 0;
	case HT_FTYPE_INT:
		if (ht_json_id_value(&i, v) < 0)
			return out_type(o, name, "a whole number", v);
		*out = ht_ynode_new_int(i);
		return 0;
	case HT_FTYPE_ENUM:
		if (!json_is_string(v))
			return out_type(o, name, "a string", v);
		api = f->api_values ? f->api_values : f->values;
		for (k = 0; api[k]; k++)
			if (!strcmp(api[k], json_string_value(v)))
				break;
		if (!api[k]) {
			char buf[SHORT_BUF];

			return ht_error_set(HT_EUNSUPPORTED,
					    "%s: unsupported %s '%s'", o->who,
					    name,
					    shorten(buf, json_string_value(v),
						    json_string_length(v)));
		}
		*out = ht_ynode_new_cstr(f->values[k]);
		return 0;
	case HT_FTYPE_REF:
		if (!o->r) {
			/* no resolver: the slug, under the YAML name */
			if (!json_is_string(v) ||
			    !ht_slug_valid(json_string_value(v),
					   json_string_length(v)))
				return out_invalid(o, f->name,
						   "is not a valid slug");
			*out = ht_ynode_new_cstr(json_string_value(v));
			return 0;
		}
		return id_to_slug(out, o, f, v);
	case HT_FTYPE_OBJECT:
		if (!json_is_object(v))
			return out_type(o, name, "an object", v);
		return ht_json_to_ynode(out, v);
	case HT_FTYPE_ANY:
		return ht_json_to_ynode(out, v);
	case HT_FTYPE_SCHEDULE:
		return schedule_to_yaml(out, o, v);
	case HT_FTYPE_JOINKEYS:
		return joinkeys_to_yaml(out, o, f, v);
	case HT_FTYPE_DBTMODEL:
		if (!json_is_string(v))
			return out_type(o, name, "a string", v);
		if (!ht_dbt_model_valid(json_string_value(v),
					json_string_length(v)))
			return out_invalid(o, name, "must be " DBT_MODEL_WANT);
		*out = ht_ynode_new_str(json_string_value(v),
					json_string_length(v));
		return 0;
	case HT_FTYPE_ENTRIES:
	case HT_FTYPE_ALIASMAP:
		break;
	}
	HT_BUG("field '%s' cannot be converted on its own", f->name);
}

/* The field whose value chooses a model's query key. */
static int is_selector(const struct ht_field *f)
{
	return f->type == HT_FTYPE_ENUM && !strcmp(f->name, QUERY_SELECTOR);
}

/* Fields absent from the API object that still have a value in files. */
static struct ht_ynode *default_ynode(enum ht_kind kind,
				      const struct ht_field *f)
{
	if (ht_kind_is_model(kind) && !strcmp(f->name, "isSchema"))
		return ht_ynode_new_bool(kind != HT_KIND_MODEL);
	return NULL;
}

static json_t *default_json(enum ht_kind kind, const struct ht_field *f)
{
	if (ht_kind_is_model(kind) && !strcmp(f->name, "isSchema"))
		return json_boolean(kind != HT_KIND_MODEL);
	return NULL;
}

/* Where a field lives in API JSON (and in what from_yaml returns). */
static const char *json_key(const struct ht_field *f,
			    const struct ht_resolver *r)
{
	if (!f->json || (f->type == HT_FTYPE_REF && !r))
		return f->name;
	return f->json;
}

static int record_to_yaml(struct ht_ynode **out, enum ht_kind kind,
			  const json_t *api, const struct ht_resolver *r)
{
	const struct ht_kind_info *info = &kinds[kind];
	struct ht_strbuf who = HT_STRBUF_INIT;
	struct ht_ynode *map = NULL, *n;
	const char *qtype = NULL;
	struct out_ctx o;
	size_t i;
	int ret = 0;

	*out = NULL;
	describe(&who, kind, api);
	o.r = r;
	o.who = who.buf;
	map = ht_ynode_new_map();
	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const json_t *v = ht_json_get_path(api, json_key(f, r));

		if ((f->flags & HT_FIELD_QUERY) &&
		    (!qtype || strcmp(qtype, f->when)))
			continue;
		if (!v || json_is_null(v)) {
			if (v && f->type == HT_FTYPE_SCHEDULE) {
				/* null is the manual schedule: go on */
			} else if (v && (f->flags & HT_FIELD_NULLABLE)) {
				ht_ynode_map_add(map, f->name,
						 ht_ynode_new_null());
				continue;
			} else if (f->flags &
				   (HT_FIELD_REQUIRED | HT_FIELD_QUERY)) {
				ret = out_invalid(&o, json_key(f, r),
						  "is missing");
				goto cleanup;
			} else {
				n = default_ynode(kind, f);
				if (n)
					ht_ynode_map_add(map, f->name, n);
				continue;
			}
		}
		/* the API cannot clear a description: "" means none */
		if ((f->flags & HT_FIELD_READONLY) && json_is_string(v) &&
		    !json_string_length(v))
			continue;
		ret = value_to_yaml(&n, &o, f, v);
		if (ret < 0)
			goto cleanup;
		if (is_selector(f))
			qtype = n->str;
		ht_ynode_map_add(map, f->name, n);
	}
	*out = map;
	map = NULL;
cleanup:
	ht_ynode_free(map);
	ht_strbuf_release(&who);
	return ret;
}

struct entry {
	const char *slug;
	struct ht_ynode *node;
};

static int cmp_entry(const void *va, const void *vb)
{
	const struct entry *a = va, *b = vb;

	return strcmp(a->slug, b->slug);
}

static int entries_to_yaml(struct ht_ynode **out, const struct ht_field *f,
			   const json_t *arr)
{
	struct entry *e = NULL;
	size_t nr = 0, alloc = 0, i;
	struct ht_ynode *map = NULL;
	int ret = 0;

	*out = NULL;
	if (!arr)
		return ht_error_set(HT_EINVALID,
				    "manifest: field '%s' is missing", f->json);
	if (!json_is_array(arr))
		return ht_error_set(HT_EINVALID,
				    "manifest: field '%s' must be an array, "
				    "got %s",
				    f->json, ht_json_type_name(arr));
	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *item = json_array_get(arr, i);
		const json_t *slug = json_object_get(item, "slug");
		struct ht_ynode *n;

		if (!json_is_object(item)) {
			ret = ht_error_set(HT_EINVALID,
					   "manifest: %s %zu is not an object",
					   kinds[f->ref].name, i);
			goto cleanup;
		}
		if (!json_is_string(slug) ||
		    !ht_slug_valid(json_string_value(slug),
				   json_string_length(slug))) {
			struct ht_strbuf who = HT_STRBUF_INIT;

			describe(&who, f->ref, item);
			ret = ht_error_set(
				HT_EINVALID, "%s: field 'slug' is %s", who.buf,
				slug ? "not a valid slug" : "missing");
			ht_strbuf_release(&who);
			goto cleanup;
		}
		ret = record_to_yaml(&n, f->ref, item, NULL);
		if (ret < 0)
			goto cleanup;
		HT_ALLOC_GROW(e, nr + 1, alloc);
		e[nr].slug = json_string_value(slug);
		e[nr].node = n;
		nr++;
	}
	if (nr)
		qsort(e, nr, sizeof(*e), cmp_entry);
	for (i = 1; i < nr; i++)
		if (!strcmp(e[i - 1].slug, e[i].slug)) {
			ret = ht_error_set(HT_EINVALID,
					   "manifest: duplicate %s slug '%s'",
					   kinds[f->ref].name, e[i].slug);
			goto cleanup;
		}
	map = ht_ynode_new_map();
	for (i = 0; i < nr; i++) {
		ht_ynode_map_add(map, e[i].slug, e[i].node);
		e[i].node = NULL;
	}
	*out = map;
cleanup:
	for (i = 0; i < nr; i++)
		ht_ynode_free(e[i].node);
	free(e);
	return ret;
}

/* One section of the aliases file: alias -> slug. */
static int alias_section_to_yaml(struct ht_ynode **out,
				 const struct ht_field *f, const json_t *sec,
				 const json_t *api)
{
	struct ht_ynode *map = ht_ynode_new_map();
	const struct ht_field *g;
	char buf[SHORT_BUF];
	void *it;
	size_t i;
	int ret = 0;

	*out = NULL;
	if (sec && !json_is_null(sec) && !json_is_object(sec)) {
		ret = ht_error_set(HT_EINVALID,
				   "aliases: field '%s' must be an object, "
				   "got %s",
				   f->name, ht_json_type_name(sec));
		goto cleanup;
	}
	for (it = json_object_iter((json_t *)sec); it;
	     it = json_object_iter_next((json_t *)sec, it)) {
		const char *alias = json_object_iter_key(it);
		size_t alen = json_object_iter_key_len(it);
		const json_t *v = json_object_iter_value(it);

		if (!ht_slug_valid(alias, alen)) {
			ret = ht_error_set(HT_EINVALID,
					   "aliases: '%s' is not a valid alias",
					   shorten(buf, alias, alen));
			goto cleanup;
		}
		if (!json_is_string(v) ||
		    !ht_slug_valid(json_string_value(v),
				   json_string_length(v))) {
			ret = ht_error_set(HT_EINVALID,
					   "aliases: alias '%s' must name a "
					   "slug",
					   alias);
			goto cleanup;
		}
		/* unique across the sections: once, in the first */
		for (i = 0; (g = &kinds[HT_KIND_ALIASES].fields[i]) != f; i++)
			if (json_object_get(json_object_get(api,
							    json_key(g, NULL)),
					    alias)) {
				ret = ht_error_set(HT_EINVALID,
						   "aliases: alias '%s' is in "
						   "'%s' and in '%s'",
						   alias, g->name, f->name);
				goto cleanup;
			}
		ht_ynode_map_add(map, alias,
				 ht_ynode_new_cstr(json_string_value(v)));
	}
	*out = map;
	map = NULL;
cleanup:
	ht_ynode_free(map);
	return ret;
}

/*
 * The manifest and the aliases file: each section of the table in its
 * order, written even when empty.
 */
static int sections_to_yaml(struct ht_ynode **out, enum ht_kind kind,
			    const json_t *api)
{
	const struct ht_kind_info *info = &kinds[kind];
	struct ht_ynode *map = ht_ynode_new_map(), *n;
	size_t i;
	int ret = 0;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const json_t *sec =
			json_object_get(api, json_key(f, NULL));

		if (f->type == HT_FTYPE_ENTRIES)
			ret = entries_to_yaml(&n, f, sec);
		else
			ret = alias_section_to_yaml(&n, f, sec, api);
		if (ret < 0)
			goto cleanup;
		ht_ynode_map_add(map, f->name, n);
	}
	*out = map;
	return 0;
cleanup:
	ht_ynode_free(map);
	return ret;
}

int ht_kind_to_yaml(struct ht_ynode **out, enum ht_kind kind, const json_t *api,
		    const struct ht_resolver *r)
{
	struct ht_ynode *doc = NULL;
	int ret;

	*out = NULL;
	if (!ht_kind_info(kind))
		return ht_error_set(HT_EINVALID, "unknown resource kind %d",
				    (int)kind);
	if (!json_is_object(api))
		return ht_error_set(HT_EINVALID,
				    "%s: expected a JSON object, got %s",
				    kinds[kind].name, ht_json_type_name(api));
	switch (kind) {
	case HT_KIND_MANIFEST:
	case HT_KIND_ALIASES:
		ret = sections_to_yaml(&doc, kind, api);
		break;
	default:
		ret = record_to_yaml(&doc, kind, api, r);
		break;
	}
	if (ret < 0)
		return ret;
	if (ynode_depth(doc) > HT_YAML_MAX_DEPTH) {
		ht_ynode_free(doc);
		return ht_error_set(HT_ETOODEEP,
				    "%s: nests deeper than %d levels",
				    kinds[kind].name, HT_YAML_MAX_DEPTH);
	}
	*out = doc;
	return 0;
}

/*
 * YAML -> API JSON, with validation
 */

/*
 * Without `build` (ht_kind_from_yaml() with no `out`), the checks run and
 * nothing is built: where a converter would return a new JSON value it
 * returns valid(), jansson's json_null() singleton, which allocates
 * nothing; NULL still means "reported as invalid", and the containers
 * (`obj`, `arr`) are NULL.
 */
struct in_ctx {
	const char *path;
	struct ht_diags *diags;
	const struct ht_resolver *r;
	int hard;  /* a resolver failure other than HT_ENOTFOUND */
	int build; /* 1: build the JSON; 0: validate only */
};

static json_t *valid(void)
{
	return json_null();
}

static void report(struct in_ctx *c, enum ht_severity sev,
		   const struct ht_ynode *at, const char *rule, const char *fmt,
		   ...) HT_PRINTF(5, 6);

static void report(struct in_ctx *c, enum ht_severity sev,
		   const struct ht_ynode *at, const char *rule, const char *fmt,
		   ...)
{
	struct ht_strbuf msg = HT_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ht_strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	ht_diags_add(c->diags, sev, c->path, at ? at->line : 0,
		     at ? at->col : 0, rule, "%s", msg.buf);
	ht_strbuf_release(&msg);
}

static void wrong_type(struct in_ctx *c, const char *field, const char *want,
		       const struct ht_ynode *got)
{
	report(c, HT_SEV_ERROR, got, "wrong-type",
	       "field '%s' must be %s, got %s", field, want,
	       ht_ynode_type_name(got));
}

/* Start a "did you mean" for `n`: 0 when it is not a plain string. */
static int suggest_for(struct ht_suggest *s, const struct ht_ynode *n)
{
	if (!is_str(n) || strlen(n->str) != n->len)
		return 0;
	ht_suggest_init(s, n->str);
	return 1;
}

/*
 * The name a key misspells, among the fields of `info` (NULL: none) and
 * the strings of `list` (NULL: none), weighed in `s`: NULL when the key
 * is one of them, or when no single one is near (suggest.h).
 */
static const char *misspelt(struct ht_suggest *s, const struct ht_ynode *key,
			    const struct ht_kind_info *info,
			    const char *const *list)
{
	size_t i;

	if (!suggest_for(s, key))
		return NULL;
	for (i = 0; info && i < info->nfields; i++)
		ht_suggest_add(s, info->fields[i].name);
	if (list)
		ht_suggest_add_list(s, list);
	return ht_suggest_one(s);
}

/*
 * Where a field `name` of the mapping `map` that is missing is reported:
 * at the key that misspells it (misspelt(), same candidates), else at the
 * mapping.
 */
static const struct ht_ynode *missing_at(const struct ht_ynode *map,
					 const char *name,
					 const struct ht_kind_info *info,
					 const char *const *list)
{
	struct ht_suggest s;
	const char *near;
	size_t i;

	for (i = 0; map->kind == HT_YNODE_MAP && i < map->npairs; i++) {
		near = misspelt(&s, map->pairs[i].key, info, list);
		if (near && !strcmp(near, name))
			return map->pairs[i].key;
	}
	return map;
}

/* `at`: the mapping, or the key that misspells the field (missing_at()). */
static void missing(struct in_ctx *c, const struct ht_ynode *at,
		    const char *field)
{
	report(c, HT_SEV_ERROR, at, "missing-field", "missing field '%s'",
	       field);
}

/*
 * An unknown key, under `prefix` ("schedule."), with the field it
 * misspells among those of `info` and `list` (misspelt()).
 */
static void unknown(struct in_ctx *c, const struct ht_ynode *key,
		    const char *prefix, const struct ht_kind_info *info,
		    const char *const *list)
{
	struct ht_strbuf hint = HT_STRBUF_INIT;
	struct ht_suggest s;
	char buf[SHORT_BUF];

	if (misspelt(&s, key, info, list))
		ht_suggest_hint(&hint, &s, prefix, 0);
	report(c, HT_SEV_WARNING, key, "unknown-field",
	       "unknown field '%s%s'%s", prefix,
	       shorten(buf, key->str, key->len), hint.buf);
	ht_strbuf_release(&hint);
}

/* A string, with messages for the cases JSON cannot hold. */
static json_t *string_json(struct in_ctx *c, const struct ht_ynode *n)
{
	json_t *v;

	if (c->build)
		v = json_stringn(n->str, n->len);
	else if (n->str && ht_json_utf8_valid(n->str, n->len))
		v = valid();
	else
		v = NULL;
	if (!v)
		report(c, HT_SEV_ERROR, n, "yaml-encoding",
		       "string is not valid UTF-8");
	return v;
}

static json_t *free_json(struct in_ctx *c, const struct ht_ynode *n)
{
	struct ht_ydiag yd;
	json_t *v = NULL;
	int ret;

	if (c->build)
		ret = ht_ynode_to_json(&v, n, c->path, &yd);
	else
		ret = ht_ynode_json_check(n, c->path, &yd);
	if (ret < 0) {
		ht_diags_add_ydiag(c->diags, c->path, &yd);
		return NULL;
	}
	return c->build ? v : valid();
}

/* unresolved-reference, with the slugs the resolver knows near it. */
static void not_found(struct in_ctx *c, const struct ht_field *f,
		      const struct ht_ynode *v)
{
	const struct ht_kind_info *ref = &kinds[f->ref];
	struct ht_strbuf hint = HT_STRBUF_INIT;
	struct ht_suggest s;

	if (c->r->suggest) {
		ht_suggest_init(&s, v->str);
		c->r->suggest(&s, f->ref, c->r->payload);
		ht_suggest_hint(&hint, &s, NULL, 1);
	}
	report(c, HT_SEV_ERROR, v, "unresolved-reference",
	       "%s '%s' not found%s%s%s%s", ref->name, v->str,
	       ref->folder ? ": no " : "", ref->folder ? ref->name : "",
	       ref->folder ? " file has that slug" : "", hint.buf);
	ht_strbuf_release(&hint);
}

static json_t *ref_from_yaml(struct in_ctx *c, const struct ht_field *f,
			     const struct ht_ynode *v)
{
	char buf[SHORT_BUF];
	int64_t id;
	int ret;

	if (!ht_slug_valid(v->str, v->len)) {
		report(c, HT_SEV_ERROR, v, "bad-slug",
		       "field '%s' must be a slug, got '%s'", f->name,
		       shorten(buf, v->str, v->len));
		return NULL;
	}
	if (!c->r)
		return c->build ? json_string(v->str) : valid();
	ret = c->r->id_of(&id, f->ref, v->str, c->r->payload);
	if (ret == HT_ENOTFOUND) {
		not_found(c, f, v);
		return NULL;
	}
	if (ret < 0) {
		if (!c->hard)
			c->hard = ret;
		return NULL;
	}
	return c->build ? json_integer(id) : valid();
}

/* A value in a message: 'text' for scalars, the type name otherwise. */
static const char *show(char *buf, const struct ht_ynode *n)
{
	char tmp[SHORT_BUF];
	size_t len;

	if (n->kind != HT_YNODE_SCALAR || is_null(n))
		return ht_ynode_type_name(n);
	shorten(tmp, n->str, n->len);
	len = strlen(tmp);
	buf[0] = '\'';
	memcpy(buf + 1, tmp, len);
	memcpy(buf + 1 + len, "'", 2);
	return buf;
}

struct schedule_ctx {
	struct in_ctx *c;
	const char *field; /* the schedule's field: "schedule" */
};

/* An unknown schedule type, with the one it misspells. */
static void unknown_type(struct in_ctx *c, const struct ht_ynode *n,
			 const char *got)
{
	struct ht_strbuf hint = HT_STRBUF_INIT;
	const struct ht_schedule_type *t;
	struct ht_suggest s;

	if (suggest_for(&s, n)) {
		for (t = ht_schedule_types; t->name; t++)
			ht_suggest_add(&s, t->name);
		ht_suggest_hint(&hint, &s, NULL, 0);
	}
	report(c, HT_SEV_WARNING, n, "bad-schedule",
	       "unknown schedule type %s%s", got, hint.buf);
	ht_strbuf_release(&hint);
}

/* A finding about a member of the schedule itself: a field's rules. */
static void schedule_member(const struct schedule_ctx *sc,
			    const struct ht_schedule_finding *f,
			    const char *got)
{
	struct ht_strbuf name = HT_STRBUF_INIT;
	const struct ht_ynode *n = f->node;
	struct in_ctx *c = sc->c;
	char key[SHORT_BUF];

	ht_strbuf_addstr(&name, sc->field);
	if (f->part == HT_SCHEDULE_KEY) {
		ht_strbuf_addch(&name, '.');
		if (f->code == HT_SCHEDULE_UNKNOWN)
			unknown(c, n, name.buf, NULL, ht_schedule_keys);
		else
			report(c, HT_SEV_ERROR, n, "bad-schedule",
			       "field '%s%s' is not allowed with type "
			       "'manual'",
			       name.buf, shorten(key, n->str, n->len));
		goto cleanup;
	}
	if (*f->path)
		ht_strbuf_addf(&name, ".%s", f->path);
	if (f->code == HT_SCHEDULE_MISSING)
		missing(c, missing_at(f->in, f->name, NULL, ht_schedule_keys),
			name.buf);
	else if (f->code == HT_SCHEDULE_WRONG_TYPE)
		wrong_type(c, name.buf,
			   f->want == HT_SCHEDULE_WANT_MAP ? "a mapping" :
							     "a string",
			   n);
	else if (f->code == HT_SCHEDULE_UNKNOWN)
		unknown_type(c, n, got);
	else if (f->want == HT_SCHEDULE_WANT_DATE)
		report(c, HT_SEV_ERROR, n, "bad-schedule",
		       "field '%s' must be an ISO 8601 date-time, got %s",
		       name.buf, got);
	else
		report(c, HT_SEV_ERROR, n, "bad-schedule",
		       "field '%s' is not a calendar date, got %s", name.buf,
		       got);
cleanup:
	ht_strbuf_release(&name);
}

/*
 * A finding of ht_schedule_check() in the files' words: wrong-type,
 * missing-field and unknown-field for the members of the schedule
 * itself, bad-schedule for the rest (docs/file-format.md, "Schedules").
 */
static void schedule_finding(const struct ht_schedule_finding *f, void *payload)
{
	const struct schedule_ctx *sc = payload;
	const struct ht_ynode *n = f->node, *at = n ? n : f->in;
	const char *got, *type = ht_ynode_type_name(n);
	struct ht_strbuf msg = HT_STRBUF_INIT;
	struct ht_suggest s;
	char buf[SHORT_BUF];

	got = n ? show(buf, n) : "nothing";
	switch (f->part) {
	case HT_SCHEDULE_ROOT:
	case HT_SCHEDULE_TYPE:
	case HT_SCHEDULE_START_DATE:
	case HT_SCHEDULE_KEY:
	case HT_SCHEDULE_INNER:
		schedule_member(sc, f, got);
		return;
	case HT_SCHEDULE_INTERVAL:
		ht_strbuf_addstr(&msg, "an interval schedule needs 'interval' "
				       "with 'unit' and 'quantity'");
		break;
	case HT_SCHEDULE_UNIT:
		ht_strbuf_addstr(&msg, "interval unit must be one of ");
		join_values(&msg, ht_schedule_units);
		ht_strbuf_addf(&msg, ", got %s", got);
		break;
	case HT_SCHEDULE_QUANTITY:
		ht_strbuf_addf(&msg,
			       "interval quantity must be a positive integer, "
			       "got %s",
			       got);
		break;
	case HT_SCHEDULE_CRON:
		if (f->code == HT_SCHEDULE_BAD_VALUE)
			ht_strbuf_addf(&msg, "cron expression %s: %s", got,
				       f->why);
		else
			ht_strbuf_addf(&msg,
				       "a cron schedule needs a string "
				       "'expression', got %s",
				       type);
		break;
	case HT_SCHEDULE_EXPRESSIONS:
		ht_strbuf_addstr(&msg, "a visual schedule needs a non-empty "
				       "list 'expressions'");
		break;
	case HT_SCHEDULE_EXPRESSION:
		ht_strbuf_addf(&msg,
			       "a visual schedule expression must be a "
			       "mapping with 'days' and 'time', got %s",
			       type);
		break;
	case HT_SCHEDULE_DAYS:
		ht_strbuf_addstr(&msg, f->code == HT_SCHEDULE_BAD_VALUE ?
					       "a visual schedule expression "
					       "must select at least one day" :
					       "a visual schedule expression "
					       "needs a mapping 'days'");
		break;
	case HT_SCHEDULE_DAY:
		if (f->code == HT_SCHEDULE_EXCESS) {
			ht_strbuf_addf(
				&msg, "unknown day %s in visual schedule", got);
			if (misspelt(&s, n, NULL, ht_schedule_weekdays))
				ht_suggest_hint(&msg, &s, NULL, 0);
		} else
			ht_strbuf_addf(&msg,
				       "day '%s' must be true or false, got %s",
				       f->name, type);
		break;
	case HT_SCHEDULE_TIME:
		ht_strbuf_addf(&msg,
			       "visual schedule time must be 'HH:MM', got %s",
			       got);
		break;
	case HT_SCHEDULE_DBT_OBJECT:
	case HT_SCHEDULE_DBT_ID:
		/* an id's problems are its object's */
		if (f->part == HT_SCHEDULE_DBT_ID)
			at = f->in;
		ht_strbuf_addf(
			&msg, "a dbt-cloud schedule needs '%s' with an 'id'",
			f->part == HT_SCHEDULE_DBT_ID ? f->in_name : f->name);
		break;
	}
	report(sc->c, HT_SEV_ERROR, at, "bad-schedule", "%s", msg.buf);
	ht_strbuf_release(&msg);
}

static json_t *schedule_from_yaml(struct in_ctx *c, const struct ht_field *f,
				  const struct ht_ynode *v)
{
	const struct ht_schedule_type *t;
	struct schedule_ctx sc;

	sc.c = c;
	sc.field = f->name;
	if (ht_schedule_check(v, HT_SCHEDULE_FILE, schedule_finding, &sc))
		return NULL;
	t = ht_schedule_type_of(v);
	if (t && !t->inner)
		return json_null(); /* manual: the API's null */
	return free_json(c, v);
}

static json_t *joinkeys_from_yaml(struct in_ctx *c, const struct ht_field *f,
				  const struct ht_ynode *v)
{
	size_t before = c->diags->nerrors, i, j;

	if (v->kind != HT_YNODE_SEQ || !v->nitems) {
		wrong_type(c, f->name, "a non-empty list", v);
		return NULL;
	}
	for (i = 0; i < v->nitems; i++) {
		const struct ht_ynode *item = v->items[i];
		static const char *const sides[] = { "from", "to", NULL };

		if (item->kind != HT_YNODE_MAP) {
			report(c, HT_SEV_ERROR, item, "wrong-type",
			       "field '%s' must hold {from, to} mappings, "
			       "got %s",
			       f->name, ht_ynode_type_name(item));
			continue;
		}
		for (j = 0; j < item->npairs; j++) {
			const struct ht_ynode *k = item->pairs[j].key;

			if (!ht_ynode_is_str(k, "from") &&
			    !ht_ynode_is_str(k, "to"))
				unknown(c, k, "joinKeys.", NULL, sides);
		}
		for (j = 0; sides[j]; j++) {
			const struct ht_ynode *s =
				ht_ynode_map_get(item, sides[j]);
			char name[32];

			snprintf(name, sizeof(name), "%s.%s", f->name,
				 sides[j]);
			if (!s)
				missing(c,
					missing_at(item, sides[j], NULL, sides),
					name);
			else if (!is_str(s))
				wrong_type(c, name, "a string", s);
		}
	}
	if (c->diags->nerrors > before)
		return NULL;
	return free_json(c, v);
}

static json_t *value_from_yaml(struct in_ctx *c, const struct ht_field *f,
			       const struct ht_ynode *v)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	char buf[SHORT_BUF];
	size_t k;

	switch (f->type) {
	case HT_FTYPE_STRING:
	case HT_FTYPE_TEXT:
		if (!is_str(v))
			break;
		return string_json(c, v);
	case HT_FTYPE_BOOL:
		if (v->kind != HT_YNODE_SCALAR || v->type != HT_YTYPE_BOOL)
			break;
		return json_boolean(v->b);
	case HT_FTYPE_INT:
		if (v->kind != HT_YNODE_SCALAR || v->type != HT_YTYPE_INT)
			break;
		return c->build ? json_integer(v->i) : valid();
	case HT_FTYPE_ENUM:
		if (!is_str(v))
			break;
		for (k = 0; f->values[k]; k++) {
			if (!ht_ynode_is_str(v, f->values[k]))
				continue;
			if (!c->build)
				return valid();
			return json_string(f->api_values ? f->api_values[k] :
							   f->values[k]);
		}
		join_values(&sb, f->values);
		report(c, HT_SEV_ERROR, v, "bad-enum",
		       "field '%s' must be one of %s, got '%s'", f->name,
		       sb.buf, shorten(buf, v->str, v->len));
		ht_strbuf_release(&sb);
		return NULL;
	case HT_FTYPE_REF:
		if (!is_str(v))
			break;
		return ref_from_yaml(c, f, v);
	case HT_FTYPE_OBJECT:
		if (v->kind != HT_YNODE_MAP)
			break;
		return free_json(c, v);
	case HT_FTYPE_ANY:
		return free_json(c, v);
	case HT_FTYPE_SCHEDULE:
		return schedule_from_yaml(c, f, v);
	case HT_FTYPE_JOINKEYS:
		return joinkeys_from_yaml(c, f, v);
	case HT_FTYPE_DBTMODEL:
		if (!is_str(v))
			break;
		if (!ht_dbt_model_valid(v->str, v->len)) {
			report(c, HT_SEV_ERROR, v, "wrong-type",
			       "field '%s' must be %s, got '%s'", f->name,
			       DBT_MODEL_WANT, shorten(buf, v->str, v->len));
			return NULL;
		}
		return string_json(c, v);
	case HT_FTYPE_ENTRIES:
	case HT_FTYPE_ALIASMAP:
		HT_BUG("field '%s' cannot be converted on its own", f->name);
	}
	wrong_type(c, f->name, expected_type(f->type), v);
	return NULL;
}

/* `obj` NULL: validate only, `v` is valid() or a singleton. */
static void set_json(json_t *obj, const char *path, json_t *v)
{
	if (!obj)
		return;
	if (ht_json_set_path(obj, path, v) < 0)
		HT_BUG("cannot set '%s' in a converted object", path);
}

/*
 * A record kind: fields in table order, unknown keys warned about, the
 * model query key checked against `type`.  Returns the object even when
 * problems were reported; the caller counts errors.
 */
static json_t *record_from_yaml(struct in_ctx *c, enum ht_kind kind,
				const char *slug, const struct ht_ynode *doc)
{
	const struct ht_kind_info *info = &kinds[kind];
	const char *qtype = NULL;
	json_t *obj = c->build ? json_object() : NULL;
	size_t i;

	if (obj && slug)
		json_object_set_new(obj, "slug", json_string(slug));
	if (doc->kind != HT_YNODE_MAP) {
		report(c, HT_SEV_ERROR, doc, "not-a-mapping",
		       "a %s file must be a mapping, got %s", info->name,
		       ht_ynode_type_name(doc));
		return obj;
	}
	for (i = 0; i < doc->npairs; i++) {
		const struct ht_ynode *k = doc->pairs[i].key;

		if (!is_str(k) || strlen(k->str) != k->len ||
		    !ht_kind_field(kind, k->str))
			unknown(c, k, "", info, NULL);
	}
	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const struct ht_ypair *p = ht_ynode_map_get_pair(doc, f->name);
		const struct ht_ynode *v = p ? p->value : NULL;
		json_t *jv;

		if (p && !is_str(p->key)) {
			/* only a string key names a field */
			p = NULL;
			v = NULL;
		}
		if (f->flags & HT_FIELD_QUERY) {
			int wanted = qtype && !strcmp(qtype, f->when);

			if (!v && wanted) {
				report(c, HT_SEV_ERROR,
				       missing_at(doc, f->name, info, NULL),
				       "query-type-mismatch",
				       "type '%s' needs field '%s'", qtype,
				       f->name);
				continue;
			}
			if (!v || (is_null(v) && !wanted))
				continue;
			if (qtype && !wanted) {
				report(c, HT_SEV_ERROR, p->key,
				       "query-type-mismatch",
				       "field '%s' does not match type '%s'",
				       f->name, qtype);
				continue;
			}
		} else if (!v ||
			   (is_null(v) && !(f->flags & (HT_FIELD_REQUIRED |
							HT_FIELD_NULLABLE)))) {
			/* absent, or null for an optional field */
			if (!v && (f->flags & HT_FIELD_REQUIRED)) {
				missing(c, missing_at(doc, f->name, info, NULL),
					f->name);
			} else if (obj) {
				jv = default_json(kind, f);
				if (jv)
					set_json(obj, json_key(f, c->r), jv);
			}
			continue;
		} else if (is_null(v) && (f->flags & HT_FIELD_NULLABLE)) {
			set_json(obj, json_key(f, c->r), json_null());
			continue;
		}
		jv = value_from_yaml(c, f, v);
		if (!jv)
			continue;
		if (is_selector(f))
			qtype = v->str;
		set_json(obj, json_key(f, c->r), jv);
	}
	return obj;
}

static json_t *entries_from_yaml(struct in_ctx *c, const struct ht_field *f,
				 const struct ht_ynode *v)
{
	char buf[SHORT_BUF];
	json_t *arr = c->build ? json_array() : NULL;
	size_t i;

	if (is_null(v))
		return arr;
	if (v->kind != HT_YNODE_MAP) {
		wrong_type(c, f->name, "a mapping", v);
		return arr;
	}
	for (i = 0; i < v->npairs; i++) {
		const struct ht_ynode *k = v->pairs[i].key;
		const struct ht_ynode *e = v->pairs[i].value;

		if (!ht_slug_valid(k->str, k->len)) {
			report(c, HT_SEV_ERROR, k, "bad-slug",
			       "%s slug '%s' is not a valid slug",
			       kinds[f->ref].name,
			       shorten(buf, k->str, k->len));
			continue;
		}
		if (e->kind != HT_YNODE_MAP) {
			report(c, HT_SEV_ERROR, e, "wrong-type",
			       "%s '%s' must be a mapping, got %s",
			       kinds[f->ref].name, k->str,
			       ht_ynode_type_name(e));
			continue;
		}
		if (arr)
			json_array_append_new(arr, record_from_yaml(c, f->ref,
								    k->str, e));
		else
			record_from_yaml(c, f->ref, k->str, e);
	}
	return arr;
}

static json_t *manifest_from_yaml(struct in_ctx *c, const struct ht_ynode *doc)
{
	const struct ht_kind_info *info = &kinds[HT_KIND_MANIFEST];
	json_t *obj = c->build ? json_object() : NULL;
	size_t i;

	if (doc->kind != HT_YNODE_MAP) {
		report(c, HT_SEV_ERROR, doc, "not-a-mapping",
		       "a manifest must be a mapping, got %s",
		       ht_ynode_type_name(doc));
		return obj;
	}
	for (i = 0; i < doc->npairs; i++) {
		const struct ht_ynode *k = doc->pairs[i].key;

		if (!is_str(k) || strlen(k->str) != k->len ||
		    !ht_kind_field(HT_KIND_MANIFEST, k->str))
			unknown(c, k, "", info, NULL);
	}
	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const struct ht_ynode *v = ht_ynode_map_get(doc, f->name);

		if (!v) {
			missing(c, missing_at(doc, f->name, info, NULL),
				f->name);
			continue;
		}
		if (obj)
			json_object_set_new(obj, f->json,
					    entries_from_yaml(c, f, v));
		else
			entries_from_yaml(c, f, v);
	}
	return obj;
}

/*
 * A key at the top of the aliases file that is not a section, with a
 * scalar value: an alias of the flat form this tool wrote before it
 * followed Git Sync.  The message shows the sectioned form.
 */
static void alias_outside_section(struct in_ctx *c, const struct ht_ynode *k,
				  const struct ht_ynode *v)
{
	char key[SHORT_BUF], val[SHORT_BUF];
	const char *a = shorten(key, k->str, k->len);
	const char *t = is_str(v) ? shorten(val, v->str, v->len) : "<slug>";

	report(c, HT_SEV_ERROR, k, "alias-outside-section",
	       "alias '%s' is outside the sections: write "
	       "'sources: {%s: %s}' for a source, "
	       "'destinations: {%s: %s}' for a destination",
	       a, a, t, a, t);
}

/*
 * One section: alias -> slug, each alias in no section read before it
 * (`seen`, `nseen`: the sections' values, in file order).
 */
static void alias_section_from_yaml(struct in_ctx *c, const struct ht_field *f,
				    const struct ht_ynode *v,
				    const struct ht_ypair *const *seen,
				    size_t nseen, json_t *out)
{
	char buf[SHORT_BUF];
	size_t i, j;

	if (is_null(v))
		return;
	if (v->kind != HT_YNODE_MAP) {
		report(c, HT_SEV_ERROR, v, "wrong-type",
		       "field '%s' must be a mapping of aliases to slugs, "
		       "got %s",
		       f->name, ht_ynode_type_name(v));
		return;
	}
	for (i = 0; i < v->npairs; i++) {
		const struct ht_ynode *k = v->pairs[i].key;
		const struct ht_ynode *t = v->pairs[i].value;
		const struct ht_ypair *other = NULL;

		if (!ht_slug_valid(k->str, k->len)) {
			report(c, HT_SEV_ERROR, k, "bad-slug",
			       "alias '%s' is not a valid slug",
			       shorten(buf, k->str, k->len));
			continue;
		}
		for (j = 0; j < nseen && !other; j++)
			if (seen[j]->value->kind == HT_YNODE_MAP)
				other = ht_ynode_map_get_pair(seen[j]->value,
							      k->str);
		if (other) {
			report(c, HT_SEV_ERROR, k, "alias-conflict",
			       "alias '%s' is under '%s:' (line %u) and "
			       "under '%s:': an alias names one source or one "
			       "destination",
			       k->str, seen[j - 1]->key->str, other->key->line,
			       f->name);
			continue;
		}
		if (!is_str(t)) {
			report(c, HT_SEV_ERROR, t, "wrong-type",
			       "alias '%s' must name a slug (a string), "
			       "got %s",
			       k->str, ht_ynode_type_name(t));
			continue;
		}
		if (!ht_slug_valid(t->str, t->len)) {
			report(c, HT_SEV_ERROR, t, "bad-slug",
			       "alias '%s' must name a slug, got '%s'", k->str,
			       shorten(buf, t->str, t->len));
			continue;
		}
		if (out)
			json_object_set_new(out, k->str, json_string(t->str));
	}
}

/*
 * The aliases file: the sections of the table (each may be absent or
 * null), as {"sources": {...}, "destinations": {...}}.
 */
static json_t *aliases_from_yaml(struct in_ctx *c, const struct ht_ynode *doc)
{
	const struct ht_kind_info *info = &kinds[HT_KIND_ALIASES];
	const struct ht_ypair *seen[NSECTIONS];
	json_t *obj = c->build ? json_object() : NULL;
	size_t i, nseen = 0;

	for (i = 0; obj && i < info->nfields; i++)
		json_object_set_new(obj, info->fields[i].name, json_object());
	if (is_null(doc))
		return obj;
	if (doc->kind != HT_YNODE_MAP) {
		report(c, HT_SEV_ERROR, doc, "not-a-mapping",
		       "an aliases file must be a mapping, got %s",
		       ht_ynode_type_name(doc));
		return obj;
	}
	for (i = 0; i < doc->npairs; i++) {
		const struct ht_ypair *p = &doc->pairs[i];
		const struct ht_field *f = NULL;

		if (is_str(p->key) && strlen(p->key->str) == p->key->len)
			f = ht_kind_field(HT_KIND_ALIASES, p->key->str);
		if (!f) {
			if (p->value->kind == HT_YNODE_SCALAR)
				alias_outside_section(c, p->key, p->value);
			else
				unknown(c, p->key, "", info, NULL);
			continue;
		}
		alias_section_from_yaml(c, f, p->value, seen, nseen,
					obj ? json_object_get(obj, f->name) :
					      NULL);
		if (nseen < NSECTIONS)
			seen[nseen++] = p;
	}
	return obj;
}

int ht_kind_from_yaml(json_t **out, enum ht_kind kind, const char *slug,
		      const struct ht_ynode *doc, const struct ht_resolver *r,
		      const char *path, struct ht_diags *diags)
{
	struct ht_diags local = HT_DIAGS_INIT;
	struct ht_ynode *null_doc = NULL;
	const struct ht_kind_info *info = ht_kind_info(kind);
	char buf[SHORT_BUF];
	struct in_ctx c;
	json_t *obj = NULL;
	size_t before;
	int ret = 0;

	if (out)
		*out = NULL;
	if (!info)
		return ht_error_set(HT_EINVALID, "unknown resource kind %d",
				    (int)kind);
	c.path = path ? path : "";
	c.diags = diags ? diags : &local;
	c.r = r;
	c.hard = 0;
	c.build = out != NULL;
	before = c.diags->nerrors;
	if (!doc)
		doc = null_doc = ht_ynode_new_null();

	switch (kind) {
	case HT_KIND_MANIFEST:
		obj = manifest_from_yaml(&c, doc);
		break;
	case HT_KIND_ALIASES:
		obj = aliases_from_yaml(&c, doc);
		break;
	default:
		if (slug && !ht_slug_valid(slug, strlen(slug))) {
			report(&c, HT_SEV_ERROR, NULL, "bad-slug",
			       "file name '%s' is not a valid slug",
			       shorten(buf, slug, strlen(slug)));
			slug = NULL;
		}
		obj = record_from_yaml(&c, kind, slug, doc);
		break;
	}
	if (c.hard) {
		ret = c.hard;
		goto cleanup;
	}
	if (c.diags->nerrors > before) {
		ret = ht_error_set(HT_EINVALID, "invalid %s file '%s'",
				   info->name, c.path);
		goto cleanup;
	}
	if (out) {
		*out = obj;
		obj = NULL;
	}
cleanup:
	json_decref(obj);
	ht_ynode_free(null_doc);
	ht_diags_release(&local);
	return ret;
}

/*
 * What a file holds for Hightouch: its conversion without a resolver, the
 * manifest's sections keyed by slug (their order means nothing); NULL
 * when the file does not convert.
 */
static json_t *file_data(enum ht_kind kind, const struct ht_ynode *doc)
{
	struct ht_diags diags = HT_DIAGS_INIT;
	json_t *obj = NULL, *arr, *map;
	const char *key;
	size_t i;

	if (ht_kind_from_yaml(&obj, kind, NULL, doc, NULL, NULL, &diags) < 0)
		obj = NULL;
	ht_error_clear();
	ht_diags_release(&diags);
	if (kind != HT_KIND_MANIFEST || !obj)
		return obj;
	json_object_foreach(obj, key, arr) {
		map = json_object();
		for (i = 0; i < json_array_size(arr); i++) {
			json_t *e = json_array_get(arr, i);
			const char *slug = ht_json_get_string(e, "slug");

			if (slug)
				json_object_set(map, slug, e);
		}
		json_object_set_new(obj, key, map);
	}
	return obj;
}

int ht_kind_same_data(enum ht_kind kind, const struct ht_ynode *a,
		      const struct ht_ynode *b)
{
	json_t *ja = a ? file_data(kind, a) : NULL;
	json_t *jb = ja && b ? file_data(kind, b) : NULL;
	int same = ja && jb && json_equal(ja, jb);

	json_decref(ja);
	json_decref(jb);
	return same;
}
