/*
 * The API's fields per resource kind: what a request may carry, what it
 * must carry, what it may not change, and how a resource is rendered.
 *
 * The table is built once, at start-up, from two sources:
 *
 *  1. the kinds table (common/kinds.c): every YAML field with an API
 *     JSON path becomes an API field.  Its type, whether it is required
 *     on create (HT_FIELD_REQUIRED), whether the API may change it
 *     (HT_FIELD_IMMUTABLE), null-ability, enum values (the API's values),
 *     the resource a reference names, and which model query key goes with
 *     which queryType (HT_FIELD_QUERY) all come from there.  A dotted path
 *     ("raw.sql") becomes an object ("raw") with a required member
 *     ("sql").  READONLY fields (a model's description) may be set only
 *     "as in the UI"; LOCAL fields (a sync's description) are not API
 *     fields at all.
 *
 *  2. the `extras` table below: the API fields files do not hold (slug,
 *     configuration of sources and destinations, folderId, visual,
 *     dbt_cloud, tags, the response-only fields...), with a note each.
 *     An extra with the name of a field from the kinds table overrides its
 *     flags (only isSchema, which the API requires on create).
 *
 * `hightouch-emulator fields` prints the result; docs/hightouch-emulator.1
 * describes it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/schedule.h"

#include "emulator.h"

enum atype {
	AT_STRING,
	AT_SLUG,
	AT_BOOL,
	AT_INTEGER,
	AT_ID,       /* a number or a string of digits, stored as a number */
	AT_ENUM,
	AT_OBJECT,   /* free-form, or with `members` */
	AT_ANY,
	AT_SCHEDULE,
	AT_JOINKEYS,
	AT_TAGS,     /* object of strings */
	AT_TIME,     /* ISO 8601 date-time string */
	AT_ACTOR,    /* {"name": string, "email": string} */
	AT_IDS,      /* array of ids */
	AT_STRINGS,  /* array of strings */
};

enum aflags {
	AF_REQUIRED = 1 << 0,  /* required on create */
	AF_CREATE = 1 << 1,    /* the API accepts it on create */
	AF_UPDATE = 1 << 2,    /* the API accepts it on update */
	AF_IMMUTABLE = 1 << 3, /* the API knows it, cannot change it: 422 */
	AF_NULLABLE = 1 << 4,
	AF_UI = 1 << 5,        /* may be set "as in the UI" (admin, seeds) */
	AF_SEED = 1 << 6,      /* a response-only field seeds may set */
	AF_COMPUTED = 1 << 7,  /* computed; seeds may carry it, ignored */
	AF_EXT = 1 << 8,       /* extension member, /schema/... only */
	AF_KINDS = 1 << 9,     /* from the kinds table */
	AF_REF = 1 << 10,      /* names a resource of kind `ref` */
};

#define MAX_MEMBERS 4
#define MAX_FIELDS 40
#define MAX_QUERY_TYPES 12

struct member {
	const char *name;
	enum atype type;
	unsigned flags; /* AF_REQUIRED, AF_NULLABLE, AF_REF */
	enum ht_kind ref;
};

struct field {
	char name[32];
	enum atype type;
	unsigned flags;
	const char *const *values; /* AT_ENUM */
	enum ht_kind ref;          /* with AF_REF */
	const char *query_type;    /* a model's query key: for this type */
	struct member members[MAX_MEMBERS];
	size_t nmembers;
	const char *yaml;          /* its name in the files, if any */
	const char *note;
};

struct kind_fields {
	struct field f[MAX_FIELDS];
	size_t nr;
	int selector; /* index of queryType, or -1 */
	const char *query_types[MAX_QUERY_TYPES + 1];
};

static struct kind_fields table[HT_KIND__COUNT];

enum ht_kind emu_kinds[HT_KIND__COUNT];
size_t emu_nkinds;
static char seed_keys[HT_KIND__COUNT][32];

/*
 * Sets of kinds, for the extras below: K(kind) is one kind; K_ALL the
 * kinds the API serves (an api_path), K_MODELS those of the model id
 * space, K_SCHEMA those of them the schema extension serves, all three
 * resolved from the kinds table by kinds_in(); K_BUT(kind) leaves one
 * out.
 */
#define K(k) (1u << (k))
#define K_BUT_SHIFT 16
#define K_BUT(k) (1u << (K_BUT_SHIFT + (k)))
#define K_SCHEMA (1u << 29)
#define K_MODELS (1u << 30)
#define K_ALL (1u << 31)
_Static_assert(K_BUT_SHIFT + HT_KIND__COUNT <= 29, "too many kinds for K()");

static const char *const sync_statuses[] = {
	"disabled", "pending", "cancelled", "failed", "queued", "success",
	"warning", "querying", "processing", "reporting", "interrupted", NULL
};

struct extra {
	unsigned kinds;
	const char *name;
	enum atype type;
	unsigned flags;
	const char *const *values;
	const char *query_type;
	struct member members[MAX_MEMBERS];
	size_t nmembers;
	const char *note;
};

#define W_API (AF_CREATE | AF_UPDATE)

static const struct extra extras[] = {
	{ K_ALL, "id", AT_ID, AF_SEED, NULL, NULL, { { 0 } }, 0,
	  "assigned on create; a seed may choose it" },
	{ K_ALL, "slug", AT_SLUG, AF_REQUIRED | AF_CREATE | AF_IMMUTABLE,
	  NULL, NULL, { { 0 } }, 0,
	  "the file's base name; unique per kind (409)" },
	{ K_ALL | K_BUT(HT_KIND_RELATIONSHIP), "workspaceId", AT_INTEGER,
	  AF_COMPUTED, NULL, NULL, { { 0 } }, 0, "the workspace's id" },
	{ K_ALL, "createdAt", AT_TIME, AF_SEED, NULL, NULL, { { 0 } }, 0,
	  "set on create" },
	{ K_ALL, "updatedAt", AT_TIME, AF_SEED, NULL, NULL, { { 0 } }, 0,
	  "set by every change; strictly increasing" },
	{ K(HT_KIND_SOURCE) | K(HT_KIND_DESTINATION), "configuration",
	  AT_OBJECT, AF_REQUIRED | W_API, NULL, NULL, { { 0 } }, 0,
	  "free-form; not in the manifest" },
	{ K(HT_KIND_DESTINATION) | K_MODELS, "syncs", AT_IDS, AF_COMPUTED,
	  NULL, NULL, { { 0 } }, 0, "ids of the syncs using it" },
	{ K(HT_KIND_MODEL), "isSchema", AT_BOOL, AF_REQUIRED | W_API, NULL,
	  NULL, { { 0 } }, 0,
	  "required by ModelCreate (optional in files); schema models "
	  "default to true" },
	{ K_MODELS, "tags", AT_TAGS, AF_UI, NULL, NULL, { { 0 } }, 0,
	  "not settable through the API" },
	{ K_MODELS, "folderId", AT_STRING, W_API | AF_NULLABLE, NULL, NULL,
	  { { 0 } }, 0, "no folder endpoints" },
	{ K(HT_KIND_MODEL), "visual", AT_OBJECT, W_API, NULL, "visual",
	  { { "filter", AT_ANY, AF_REQUIRED, HT_KIND__COUNT },
	    { "parentId", AT_ID, AF_REQUIRED | AF_REF, HT_KIND_MODEL },
	    { "primaryLabel", AT_STRING, 0, HT_KIND__COUNT },
	    { "secondaryLabel", AT_STRING, 0, HT_KIND__COUNT } }, 4,
	  "audiences (queryType visual); not in files" },
	{ K(HT_KIND_MODEL), "dbt_cloud", AT_OBJECT, AF_CREATE, NULL,
	  "dbt_cloud",
	  { { "modelId", AT_INTEGER, AF_REQUIRED, HT_KIND__COUNT } }, 1,
	  "queryType dbt_cloud; not in ModelUpdate" },
	{ K_MODELS, "lastRunSize", AT_INTEGER, AF_SEED | AF_NULLABLE, NULL,
	  NULL, { { 0 } }, 0, "response only" },
	{ K(HT_KIND_SYNC), "status", AT_ENUM, AF_SEED, sync_statuses, NULL,
	  { { 0 } }, 0, "moved by runs" },
	{ K(HT_KIND_SYNC), "lastRunAt", AT_TIME, AF_SEED | AF_NULLABLE,
	  NULL, NULL, { { 0 } }, 0, "set by runs" },
	{ K(HT_KIND_SYNC), "referencedColumns", AT_STRINGS, AF_COMPUTED,
	  NULL, NULL, { { 0 } }, 0,
	  "the 'from' columns of the configuration" },
	{ K(HT_KIND_SYNC), "primaryKey", AT_STRING, AF_SEED | AF_NULLABLE,
	  NULL, NULL, { { 0 } }, 0, "the model's, at create" },
	{ K(HT_KIND_SYNC), "externalSegment", AT_OBJECT, AF_UI, NULL, NULL,
	  { { 0 } }, 0, "response only" },
	{ K(HT_KIND_SYNC), "tags", AT_TAGS, AF_UI, NULL, NULL, { { 0 } }, 0,
	  "not settable through the API" },
	{ K_ALL, "lastModifiedBy", AT_ACTOR, AF_UI | AF_NULLABLE, NULL,
	  NULL, { { 0 } }, 0,
	  "extension: the UI user of the last change; absent after an API "
	  "write" },
};

/* Response key order per table; other fields follow in table order. */
static const char *const layout_source[] = {
	"id", "name", "slug", "workspaceId", "createdAt", "updatedAt",
	"type", "configuration", NULL
};
static const char *const layout_destination[] = {
	"id", "name", "slug", "workspaceId", "createdAt", "updatedAt",
	"type", "configuration", "syncs", NULL
};
static const char *const layout_model[] = {
	"id", "name", "slug", "description", "workspaceId", "primaryKey",
	"createdAt", "updatedAt", "sourceId", "queryType", "tags",
	"isSchema", "folderId", "raw", "table", "custom", "dbt", "dbt_cloud",
	"visual", "syncs", "lastRunSize", NULL
};
static const char *const layout_sync[] = {
	"id", "slug", "workspaceId", "createdAt", "updatedAt",
	"destinationId", "modelId", "configuration", "schedule", "disabled",
	"status", "lastRunAt", "referencedColumns", "primaryKey",
	"externalSegment", "tags", NULL
};
static const char *const layout_relationship[] = {
	"id", "slug", "fromModelId", "toModelId", "cardinality", "joinKeys",
	"createdAt", "updatedAt", NULL
};

static const char *const *layout_of(enum ht_kind kind)
{
	switch (ht_kind_ids(kind)) {
	case HT_IDS_SOURCE:
		return layout_source;
	case HT_IDS_DESTINATION:
		return layout_destination;
	case HT_IDS_SYNC:
		return layout_sync;
	case HT_IDS_RELATIONSHIP:
		return layout_relationship;
	default:
		return layout_model;
	}
}

const char *emu_kind_api_path(enum ht_kind kind)
{
	const struct ht_kind_info *info = ht_kind_info(kind);

	return info ? info->api_path : NULL;
}

const char *emu_kind_seed_key(enum ht_kind kind)
{
	return ht_kind_info(kind) && seed_keys[kind][0] ? seed_keys[kind] :
							  NULL;
}

/* A kind's name in camelCase, plural: "parent-model" -> "parentModels". */
static void make_seed_key(char *out, size_t size, const char *name)
{
	size_t n = 0, i;
	int up = 0;

	for (i = 0; name[i]; i++) {
		if (name[i] == '-') {
			up = 1;
			continue;
		}
		if (n + 2 >= size)
			HT_BUG("kind name '%s' is too long", name);
		out[n++] = up ? (char)toupper((unsigned char)name[i]) : name[i];
		up = 0;
	}
	out[n++] = 's';
	out[n] = '\0';
}

/* The kinds of a set (K_*) as a mask of K(kind). */
static unsigned kinds_in(unsigned set)
{
	unsigned mask = set & (K_BUT(0) - 1);
	int k;

	for (k = 0; k < HT_KIND__COUNT; k++) {
		const struct ht_kind_info *info = ht_kind_info((enum ht_kind)k);
		int model = info->ids == HT_IDS_MODEL;

		if (((set & K_ALL) && info->api_path) ||
		    ((set & K_MODELS) && model) ||
		    ((set & K_SCHEMA) && model && info->extension))
			mask |= K(k);
	}
	return mask & ~((set >> K_BUT_SHIFT) & (K_BUT(0) - 1));
}

/*
 * Building the table
 */

static struct field *find_field_n(enum ht_kind kind, const char *name,
				  size_t len)
{
	struct kind_fields *kf = &table[kind];
	size_t i;

	for (i = 0; i < kf->nr; i++)
		if (!strncmp(kf->f[i].name, name, len) && !kf->f[i].name[len])
			return &kf->f[i];
	return NULL;
}

static struct field *find_field(enum ht_kind kind, const char *name)
{
	return find_field_n(kind, name, strlen(name));
}

static struct field *add_field(enum ht_kind kind, const char *name,
			       size_t len)
{
	struct kind_fields *kf = &table[kind];
	struct field *f;

	if (kf->nr == MAX_FIELDS || len >= sizeof(f->name))
		HT_BUG("too many API fields for kind %d", (int)kind);
	f = &kf->f[kf->nr++];
	memset(f, 0, sizeof(*f));
	memcpy(f->name, name, len);
	f->name[len] = '\0';
	f->ref = HT_KIND__COUNT;
	return f;
}

static enum atype atype_of(enum ht_ftype t)
{
	switch (t) {
	case HT_FTYPE_STRING:
	case HT_FTYPE_TEXT:
		return AT_STRING;
	case HT_FTYPE_BOOL:
		return AT_BOOL;
	case HT_FTYPE_INT:
		return AT_INTEGER;
	case HT_FTYPE_ENUM:
		return AT_ENUM;
	case HT_FTYPE_REF:
		return AT_ID;
	case HT_FTYPE_OBJECT:
		return AT_OBJECT;
	case HT_FTYPE_SCHEDULE:
		return AT_SCHEDULE;
	case HT_FTYPE_JOINKEYS:
		return AT_JOINKEYS;
	default:
		return AT_ANY;
	}
}

/* The API value of the YAML enum value `v` of field `hf`. */
static const char *api_value(const struct ht_field *hf, const char *v)
{
	size_t i;

	if (!hf || !hf->values)
		return v;
	for (i = 0; hf->values[i]; i++)
		if (!strcmp(hf->values[i], v))
			return hf->api_values ? hf->api_values[i] : v;
	return v;
}

static void add_query_type(struct kind_fields *kf, const char *q)
{
	size_t i;

	for (i = 0; kf->query_types[i]; i++)
		if (!strcmp(kf->query_types[i], q))
			return;
	if (i == MAX_QUERY_TYPES)
		HT_BUG("too many query types");
	kf->query_types[i] = q;
	kf->query_types[i + 1] = NULL;
}

static int from_kinds(enum ht_kind kind)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	/* the field whose value chooses a model's query key (kinds.c) */
	const struct ht_field *selector = ht_kind_is_model(kind) ?
		ht_kind_field(kind, "type") : NULL;
	struct kind_fields *kf = &table[kind];
	size_t i, j;

	kf->selector = -1;
	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *hf = &info->fields[i];
		/* what requests carry: a name's id (dbt.modelId) */
		const char *json = hf->id_json ? hf->id_json : hf->json;
		enum atype type = hf->id_json ? AT_INTEGER : atype_of(hf->type);
		const char *dot;
		struct field *f;
		size_t len;

		if (!json || (hf->flags & HT_FIELD_LOCAL))
			continue;
		dot = strchr(json, '.');
		len = dot ? (size_t)(dot - json) : strlen(json);
		if (dot && strchr(dot + 1, '.'))
			return ht_error_set(HT_EUNSUPPORTED, "kinds table: "
					    "path '%s' is too deep for the "
					    "emulator", json);
		f = find_field_n(kind, json, len);
		if (!f)
			f = add_field(kind, json, len);
		f->yaml = hf->name;
		f->note = hf->description;
		f->flags |= AF_KINDS;
		if (dot) {
			struct member *m;

			if (f->nmembers == MAX_MEMBERS)
				HT_BUG("too many members");
			m = &f->members[f->nmembers++];
			m->name = dot + 1;
			m->type = type;
			m->flags = AF_REQUIRED;
			m->ref = HT_KIND__COUNT;
			f->type = AT_OBJECT;
		} else {
			f->type = type;
			f->values = hf->api_values ? hf->api_values
						   : hf->values;
			if (hf->type == HT_FTYPE_REF) {
				f->flags |= AF_REF;
				f->ref = hf->ref;
			}
		}
		if (hf->flags & HT_FIELD_READONLY) {
			f->flags |= AF_UI;
		} else if (hf->flags & HT_FIELD_QUERY) {
			f->flags |= AF_CREATE | AF_UPDATE;
			f->query_type = api_value(selector, hf->when);
			add_query_type(kf, f->query_type);
		} else {
			f->flags |= AF_CREATE;
			if (hf->flags & HT_FIELD_REQUIRED)
				f->flags |= AF_REQUIRED;
			if (hf->flags & HT_FIELD_IMMUTABLE)
				f->flags |= AF_IMMUTABLE;
			else
				f->flags |= AF_UPDATE;
		}
		/* a null schedule is the manual one */
		if ((hf->flags & HT_FIELD_NULLABLE) ||
		    hf->type == HT_FTYPE_SCHEDULE)
			f->flags |= AF_NULLABLE;
		if (ht_kind_is_model(kind) && kind != HT_KIND_MODEL &&
		    !ht_kind_field(HT_KIND_MODEL, hf->name))
			f->flags |= AF_EXT;
		if (hf != selector)
			continue;
		/* its values first, in their order, whatever the keys' */
		kf->selector = (int)(f - kf->f);
		for (j = 0; f->values && f->values[j]; j++)
			add_query_type(kf, f->values[j]);
	}
	return 0;
}

static void from_extras(enum ht_kind kind)
{
	struct kind_fields *kf = &table[kind];
	size_t i, j;

	for (i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
		const struct extra *x = &extras[i];
		struct field *f;

		if (!(kinds_in(x->kinds) & K(kind)))
			continue;
		f = find_field(kind, x->name);
		if (f) {
			/* an override of the kinds table's flags */
			f->flags = (f->flags & (AF_KINDS | AF_EXT | AF_REF)) |
				   x->flags;
			f->note = x->note;
			continue;
		}
		f = add_field(kind, x->name, strlen(x->name));
		f->type = x->type;
		f->flags = x->flags;
		f->values = x->values;
		f->query_type = x->query_type;
		f->note = x->note;
		for (j = 0; j < x->nmembers; j++)
			f->members[j] = x->members[j];
		f->nmembers = x->nmembers;
		if (f->query_type)
			add_query_type(kf, f->query_type);
	}
}

int emu_fields_init(void)
{
	size_t i;
	int k, ret;

	memset(table, 0, sizeof(table));
	memset(seed_keys, 0, sizeof(seed_keys));
	emu_nkinds = 0;
	for (k = 0; k < HT_KIND__COUNT; k++) {
		const struct ht_kind_info *info = ht_kind_info((enum ht_kind)k);

		if (!info->api_path)
			continue;
		emu_kinds[emu_nkinds++] = (enum ht_kind)k;
		make_seed_key(seed_keys[k], sizeof(seed_keys[k]), info->name);
	}
	for (i = 0; i < emu_nkinds; i++) {
		if ((ret = from_kinds(emu_kinds[i])) < 0)
			return ret;
		from_extras(emu_kinds[i]);
	}
	return 0;
}

static const struct field *selector_of(enum ht_kind kind)
{
	const struct kind_fields *kf = &table[kind];

	return kf->selector >= 0 ? &kf->f[kf->selector] : NULL;
}

/*
 * Checking values
 */

static int op_is_ui(enum emu_op op)
{
	return op == EMU_OP_UI_CREATE || op == EMU_OP_UI_UPDATE ||
	       op == EMU_OP_SEED;
}

static int op_is_create(enum emu_op op)
{
	return op == EMU_OP_CREATE || op == EMU_OP_UI_CREATE ||
	       op == EMU_OP_SEED;
}

/* What AT_TIME values and schedules' start dates must be. */
#define A_DATE_TIME "an ISO 8601 date-time"

static const char *type_word(enum atype t)
{
	switch (t) {
	case AT_STRING:
	case AT_SLUG:
	case AT_ENUM:
	case AT_TIME:
		return "a string";
	case AT_BOOL:
		return "a boolean";
	case AT_INTEGER:
		return "an integer";
	case AT_ID:
		return "an id (a number or a string of digits)";
	case AT_OBJECT:
	case AT_SCHEDULE:
	case AT_TAGS:
	case AT_ACTOR:
		return "an object";
	case AT_JOINKEYS:
	case AT_IDS:
	case AT_STRINGS:
		return "an array";
	case AT_ANY:
		break;
	}
	return "a value";
}

static int is_integral(const json_t *v)
{
	double d;

	if (json_is_integer(v))
		return 1;
	if (!json_is_real(v))
		return 0;
	d = json_real_value(v);
	return d >= -9007199254740992.0 && d <= 9007199254740992.0 &&
	       (double)(int64_t)d == d;
}

static int in_values(const char *const *values, const char *s)
{
	size_t i;

	for (i = 0; values && values[i]; i++)
		if (!strcmp(values[i], s))
			return 1;
	return 0;
}

static void join(struct ht_strbuf *sb, const char *const *values)
{
	size_t i;

	for (i = 0; values && values[i]; i++)
		ht_strbuf_addf(sb, "%s'%s'", i ? ", " : "", values[i]);
}

struct ctx {
	json_t *details;
	enum emu_op op;
	struct ht_strbuf path;
};

static void push(struct ctx *c, size_t *mark, const char *name)
{
	*mark = ht_json_path_push(&c->path, name);
}

static void push_index(struct ctx *c, size_t *mark, size_t i)
{
	*mark = ht_json_path_push_index(&c->path, i);
}

static void pop(struct ctx *c, size_t mark)
{
	ht_strbuf_setlen(&c->path, mark);
}

/* The details at the current path: of the wrong type, excess, missing. */
static void not_a(struct ctx *c, const char *want, const char *got)
{
	emu_detail(c->details, c->path.buf, "'%s' must be %s, got %s",
		   c->path.buf, want, got);
}

static void excess_here(struct ctx *c)
{
	emu_detail(c->details, c->path.buf,
		   "'%s' is an excess property and therefore is not allowed",
		   c->path.buf);
}

static void required_here(struct ctx *c)
{
	emu_detail(c->details, c->path.buf, "'%s' is required", c->path.buf);
}

static void must_be(struct ctx *c, const char *what)
{
	emu_detail(c->details, c->path.buf, "'%s' must be %s", c->path.buf,
		   what);
}

static void one_of(struct ctx *c, const char *const *values)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_strbuf_addstr(&sb, "one of ");
	join(&sb, values);
	must_be(c, sb.buf);
	ht_strbuf_release(&sb);
}

static void wrong_type(struct ctx *c, const char *want, const json_t *v)
{
	not_a(c, want, ht_json_type_name(v));
}

static void excess(struct ctx *c, const char *name)
{
	size_t mark;

	push(c, &mark, name);
	excess_here(c);
	pop(c, mark);
}

static void missing(struct ctx *c, const char *name)
{
	size_t mark;

	push(c, &mark, name);
	required_here(c);
	pop(c, mark);
}

static void check_value(struct ctx *c, enum atype type,
			const char *const *values, const struct member *members,
			size_t nmembers, const json_t *v);

static void check_member(struct ctx *c, const json_t *obj, const char *name,
			 enum atype type, int required)
{
	const json_t *v = json_object_get(obj, name);
	size_t mark;

	if (!v) {
		if (required)
			missing(c, name);
		return;
	}
	push(c, &mark, name);
	check_value(c, type, NULL, NULL, 0, v);
	pop(c, mark);
}

/* The JSON type of a node converted from JSON: ht_json_type_name(). */
static const char *json_type_of(const struct ht_ynode *n)
{
	const char *t = ht_ynode_type_name(n);

	if (!strcmp(t, "mapping"))
		return "object";
	if (!strcmp(t, "list"))
		return "array";
	return strcmp(t, "integer") ? t : "number";
}

/* What a finding wanted, in tsoa's words: those the API's rules use. */
static const char *const want_words[] = {
	[HT_SCHEDULE_WANT_MAP] = "an object",
	[HT_SCHEDULE_WANT_MAP_OR_NULL] = "an object or null",
	[HT_SCHEDULE_WANT_STRING] = "a string",
	[HT_SCHEDULE_WANT_NONEMPTY_STRING] = "a non-empty string",
	[HT_SCHEDULE_WANT_BOOLEAN] = "a boolean",
	[HT_SCHEDULE_WANT_LIST] = "a non-empty array",
	[HT_SCHEDULE_WANT_ID] = "a string or a number",
	[HT_SCHEDULE_WANT_QUANTITY] = "a positive integer",
	[HT_SCHEDULE_WANT_DATE] = A_DATE_TIME,
};

static const char *want_word(enum ht_schedule_want want)
{
	if ((size_t)want >= sizeof(want_words) / sizeof(want_words[0]) ||
	    !want_words[want])
		HT_BUG("no words for schedule want %d", (int)want);
	return want_words[want];
}

/* A finding of ht_schedule_check() as a detail, in tsoa's words. */
static void schedule_detail(const struct ht_schedule_finding *f,
			    void *payload)
{
	struct ctx *c = payload;
	size_t mark = c->path.len;

	if (*f->path)
		push(c, &mark, f->path);
	switch (f->code) {
	case HT_SCHEDULE_MISSING:
		required_here(c);
		break;
	case HT_SCHEDULE_WRONG_TYPE:
		not_a(c, want_word(f->want), json_type_of(f->node));
		break;
	case HT_SCHEDULE_BAD_VALUE:
		if (f->want == HT_SCHEDULE_WANT_ONE_OF)
			one_of(c, f->values);
		else
			must_be(c, want_word(f->want));
		break;
	case HT_SCHEDULE_EXCESS:
		excess_here(c);
		break;
	case HT_SCHEDULE_UNKNOWN:
		break; /* kept as given */
	}
	pop(c, mark);
}

/*
 * A schedule, with common/schedule.c's walker in the API's rules: null,
 * or {type, schedule, startDate?}.  Other types, and members besides
 * these three, are kept as they are: the real API's type is a free
 * string.
 */
static void check_schedule(struct ctx *c, const json_t *v)
{
	struct ht_ynode *n;

	/* cannot fail: the body's depth is capped below the tree's */
	if (ht_json_to_ynode(&n, v) < 0) {
		emu_detail(c->details, c->path.buf,
			   "'%s' nests deeper than %d levels", c->path.buf,
			   HT_YAML_MAX_DEPTH);
		return;
	}
	ht_schedule_check(n, HT_SCHEDULE_API, schedule_detail, c);
	ht_ynode_free(n);
}

static void check_joinkeys(struct ctx *c, const json_t *v)
{
	size_t i, mark;

	if (!json_is_array(v) || !json_array_size(v)) {
		wrong_type(c, "a non-empty array", v);
		return;
	}
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *item = json_array_get(v, i);
		const char *k;
		json_t *kv;

		push_index(c, &mark, i);
		if (!json_is_object(item)) {
			wrong_type(c, "an object", item);
		} else {
			check_member(c, item, "from", AT_STRING, 1);
			check_member(c, item, "to", AT_STRING, 1);
			json_object_foreach((json_t *)item, k, kv) {
				if (strcmp(k, "from") && strcmp(k, "to"))
					excess(c, k);
			}
		}
		pop(c, mark);
	}
}

static void check_array_of(struct ctx *c, enum atype type, const json_t *v)
{
	size_t i, mark;

	if (!json_is_array(v)) {
		wrong_type(c, "an array", v);
		return;
	}
	for (i = 0; i < json_array_size(v); i++) {
		push_index(c, &mark, i);
		check_value(c, type, NULL, NULL, 0, json_array_get(v, i));
		pop(c, mark);
	}
}

static void check_object(struct ctx *c, const struct member *members,
			 size_t nmembers, const json_t *v)
{
	const char *k;
	json_t *mv;
	size_t i, mark;

	if (!json_is_object(v)) {
		wrong_type(c, "an object", v);
		return;
	}
	for (i = 0; i < nmembers; i++) {
		const struct member *m = &members[i];

		mv = json_object_get(v, m->name);
		if (!mv) {
			if (m->flags & AF_REQUIRED)
				missing(c, m->name);
			continue;
		}
		push(c, &mark, m->name);
		if (!json_is_null(mv))
			check_value(c, m->type, NULL, NULL, 0, mv);
		else if (!(m->flags & AF_NULLABLE))
			wrong_type(c, type_word(m->type), mv);
		pop(c, mark);
	}
	/* the API's objects are closed; what the UI stores is kept */
	if (!nmembers || op_is_ui(c->op))
		return;
	json_object_foreach((json_t *)v, k, mv) {
		for (i = 0; i < nmembers; i++)
			if (!strcmp(members[i].name, k))
				break;
		if (i == nmembers)
			excess(c, k);
	}
}

static void check_value(struct ctx *c, enum atype type,
			const char *const *values, const struct member *members,
			size_t nmembers, const json_t *v)
{
	int64_t n;
	const char *k;
	json_t *kv;

	switch (type) {
	case AT_STRING:
		if (!json_is_string(v))
			wrong_type(c, type_word(type), v);
		break;
	case AT_SLUG:
		if (!json_is_string(v))
			wrong_type(c, type_word(type), v);
		else if (!ht_slug_valid(json_string_value(v),
					json_string_length(v)))
			emu_detail(c->details, c->path.buf,
				   "'%s' must be 1 to 255 letters, digits, "
				   "'-' or '_', starting with a letter or a "
				   "digit", c->path.buf);
		break;
	case AT_BOOL:
		if (!json_is_boolean(v))
			wrong_type(c, type_word(type), v);
		break;
	case AT_INTEGER:
		if (!is_integral(v))
			wrong_type(c, type_word(type), v);
		break;
	case AT_ID:
		if (ht_json_id_value(&n, v) < 0 || n < 1)
			wrong_type(c, "a positive id (a number or a string of "
				   "digits)", v);
		break;
	case AT_ENUM:
		if (!json_is_string(v) ||
		    !in_values(values, json_string_value(v)))
			one_of(c, values);
		break;
	case AT_OBJECT:
		check_object(c, members, nmembers, v);
		break;
	case AT_ANY:
		break;
	case AT_SCHEDULE:
		check_schedule(c, v);
		break;
	case AT_JOINKEYS:
		check_joinkeys(c, v);
		break;
	case AT_TAGS:
		if (!json_is_object(v)) {
			wrong_type(c, "an object", v);
			break;
		}
		json_object_foreach((json_t *)v, k, kv) {
			size_t mark;

			push(c, &mark, k);
			if (!json_is_string(kv))
				wrong_type(c, "a string", kv);
			pop(c, mark);
		}
		break;
	case AT_TIME:
		if (!json_is_string(v) ||
		    emu_parse_time(&n, json_string_value(v)) < 0)
			must_be(c, A_DATE_TIME);
		break;
	case AT_ACTOR:
		if (!json_is_object(v)) {
			wrong_type(c, "an object", v);
			break;
		}
		check_member(c, v, "name", AT_STRING, 1);
		check_member(c, v, "email", AT_STRING, 1);
		json_object_foreach((json_t *)v, k, kv) {
			if (strcmp(k, "name") && strcmp(k, "email"))
				excess(c, k);
		}
		break;
	case AT_IDS:
		check_array_of(c, AT_ID, v);
		break;
	case AT_STRINGS:
		check_array_of(c, AT_STRING, v);
		break;
	}
}

/* May `op` set field `f`? */
static int allowed(const struct field *f, enum emu_op op)
{
	unsigned writable = AF_CREATE | AF_UPDATE | AF_IMMUTABLE | AF_UI;

	switch (op) {
	case EMU_OP_CREATE:
		return !!(f->flags & AF_CREATE);
	case EMU_OP_UPDATE:
		return !!(f->flags & AF_UPDATE);
	case EMU_OP_UI_CREATE:
	case EMU_OP_UI_UPDATE:
		return !!(f->flags & writable);
	case EMU_OP_SEED:
		return !!(f->flags & (writable | AF_SEED | AF_COMPUTED));
	}
	return 0;
}

void emu_fields_check(enum ht_kind kind, enum emu_op op, const json_t *body,
		      const char *prefix, json_t *details)
{
	const struct kind_fields *kf = &table[kind];
	struct ctx c;
	const char *k;
	json_t *v;
	size_t i, mark;

	c.details = details;
	c.op = op;
	ht_strbuf_init(&c.path, 64);
	if (prefix)
		ht_strbuf_addstr(&c.path, prefix);
	if (!json_is_object(body)) {
		emu_detail(details, prefix, "%s must be a JSON object, got %s",
			   prefix ? prefix : "the request body",
			   ht_json_type_name(body));
		goto cleanup;
	}
	json_object_foreach((json_t *)body, k, v) {
		const struct field *f = find_field(kind, k);
		const char *const *values;

		if (!f || !allowed(f, op)) {
			if (f && op == EMU_OP_UPDATE &&
			    (f->flags & AF_IMMUTABLE)) {
				push(&c, &mark, k);
				emu_detail(details, c.path.buf,
					   "'%s' cannot be changed",
					   c.path.buf);
				pop(&c, mark);
			} else {
				excess(&c, k);
			}
			continue;
		}
		if (f->flags & AF_COMPUTED)
			continue;
		push(&c, &mark, k);
		if (json_is_null(v)) {
			if (!(f->flags & AF_NULLABLE) && !f->query_type)
				wrong_type(&c, type_word(f->type), v);
		} else {
			values = f == selector_of(kind) ? kf->query_types
							: f->values;
			check_value(&c, f->type, values, f->members,
				    f->nmembers, v);
		}
		pop(&c, mark);
	}
	if (op_is_create(op)) {
		for (i = 0; i < kf->nr; i++) {
			const struct field *f = &kf->f[i];

			if ((f->flags & AF_REQUIRED) &&
			    !json_object_get(body, f->name))
				missing(&c, f->name);
		}
	}
cleanup:
	ht_strbuf_release(&c.path);
}

/*
 * Applying a change
 */

/*
 * The value to store for `v`: a new reference, copied only when it needs
 * a change (ids given as strings become numbers, times are normalised).
 * Stored values are never modified in place, so sharing is safe.
 */
static json_t *normalise(const struct field *f, const json_t *v)
{
	char buf[HT_TIME_LEN];
	json_t *out;
	int64_t n;
	size_t i;

	switch (f->type) {
	case AT_ID:
		if (json_is_integer(v) || ht_json_id_value(&n, v) < 0)
			break;
		return json_integer(n);
	case AT_INTEGER:
		if (json_is_real(v))
			return json_integer((json_int_t)json_real_value(v));
		break;
	case AT_TIME:
		if (emu_parse_time(&n, json_string_value(v)) < 0)
			break;
		ht_time_format(buf, n);
		return json_string(buf);
	case AT_OBJECT:
		for (i = 0; i < f->nmembers; i++) {
			const json_t *mv = json_object_get(v,
							   f->members[i].name);

			if (mv && f->members[i].type == AT_ID &&
			    !json_is_integer(mv))
				break;
		}
		if (i == f->nmembers)
			break;
		out = json_copy((json_t *)v);
		for (i = 0; i < f->nmembers; i++) {
			json_t *mv = json_object_get(out, f->members[i].name);

			if (mv && f->members[i].type == AT_ID &&
			    !ht_json_id_value(&n, mv))
				json_object_set_new(out, f->members[i].name,
						    json_integer(n));
		}
		return out;
	default:
		break;
	}
	return json_incref((json_t *)v);
}

int emu_fields_apply(enum ht_kind kind, enum emu_op op, const json_t *body,
		     json_t *state)
{
	const struct kind_fields *kf = &table[kind];
	const struct field *sel = selector_of(kind);
	const char *k;
	json_t *v;
	int changed = 0;
	size_t i;

	/* a new queryType (only "as in the UI") drops the old query key */
	if (sel && (v = json_object_get(body, sel->name)) &&
	    !json_equal(v, json_object_get(state, sel->name))) {
		for (i = 0; i < kf->nr; i++)
			if (kf->f[i].query_type &&
			    strcmp(kf->f[i].query_type, json_string_value(v)))
				json_object_del(state, kf->f[i].name);
	}
	json_object_foreach((json_t *)body, k, v) {
		const struct field *f = find_field(kind, k);
		json_t *nv;

		if (!f || !allowed(f, op) || (f->flags & AF_COMPUTED))
			continue;
		if (json_is_null(v) && f->query_type) {
			if (json_object_get(state, k)) {
				json_object_del(state, k);
				changed = 1;
			}
			continue;
		}
		nv = normalise(f, v);
		if (json_equal(nv, json_object_get(state, k))) {
			json_decref(nv);
			continue;
		}
		json_object_set_new(state, k, nv);
		changed = 1;
	}
	return changed;
}

static void state_detail(json_t *details, const char *prefix,
			 const char *name, const char *fmt, const char *a,
			 const char *b)
{
	struct ht_strbuf path = HT_STRBUF_INIT;

	if (prefix)
		ht_strbuf_addf(&path, "%s.", prefix);
	ht_strbuf_addstr(&path, name);
	emu_detail(details, path.buf, fmt, path.buf, a, b);
	ht_strbuf_release(&path);
}

void emu_fields_check_state(enum ht_kind kind, const json_t *state,
			    const char *prefix, json_t *details)
{
	const struct kind_fields *kf = &table[kind];
	const struct field *sel = selector_of(kind);
	const char *q;
	size_t i;

	if (sel && (q = ht_json_get_string(state, sel->name))) {
		for (i = 0; i < kf->nr; i++) {
			const struct field *f = &kf->f[i];
			const json_t *v = json_object_get(state, f->name);

			if (!f->query_type)
				continue;
			if (!strcmp(f->query_type, q) &&
			    (!v || json_is_null(v)))
				state_detail(details, prefix, f->name,
					     "'%s' is required with queryType "
					     "'%s'%s", q, "");
			else if (strcmp(f->query_type, q) && v &&
				 !json_is_null(v))
				state_detail(details, prefix, f->name,
					     "'%s' is not allowed with "
					     "queryType '%s'%s", q, "");
		}
	}
	if (ht_kind_is_model(kind) && kind != HT_KIND_MODEL &&
	    json_is_false(json_object_get(state, "isSchema")))
		state_detail(details, prefix, "isSchema", "'%s' must be true "
			     "for a %s%s", ht_kind_info(kind)->name, "");
}

size_t emu_fields_refs(enum ht_kind kind, const json_t *state,
		       struct emu_ref *out, size_t max)
{
	const struct kind_fields *kf = &table[kind];
	size_t i, j, n = 0;
	int64_t id;

	for (i = 0; i < kf->nr; i++) {
		const struct field *f = &kf->f[i];
		const json_t *v = json_object_get(state, f->name);

		if (!v || json_is_null(v))
			continue;
		if ((f->flags & AF_REF) && n < max &&
		    !ht_json_id_value(&id, v)) {
			out[n].kind = f->ref;
			out[n].id = id;
			out[n].field = f->name;
			n++;
		}
		for (j = 0; j < f->nmembers; j++) {
			const json_t *mv;

			if (!(f->members[j].flags & AF_REF))
				continue;
			mv = json_object_get(v, f->members[j].name);
			if (mv && n < max && !ht_json_id_value(&id, mv)) {
				out[n].kind = f->members[j].ref;
				out[n].id = id;
				out[n].field = f->name;
				n++;
			}
		}
	}
	return n;
}

/*
 * Defaults and rendering
 */

static void set_default(json_t *state, const char *key, json_t *v)
{
	if (!json_object_get(state, key))
		json_object_set_new(state, key, v);
	else
		json_decref(v);
}

/* The 'from' column of every mapping in a sync's configuration. */
static void collect_from(json_t *out, const json_t *v, int depth)
{
	const char *k;
	json_t *kv;
	size_t i;

	if (depth > HT_JSON_MAX_DEPTH)
		return;
	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			collect_from(out, json_array_get(v, i), depth + 1);
		return;
	}
	if (!json_is_object(v))
		return;
	kv = json_object_get(v, "from");
	if (json_is_string(kv)) {
		for (i = 0; i < json_array_size(out); i++)
			if (json_equal(json_array_get(out, i), kv))
				break;
		if (i == json_array_size(out))
			json_array_append(out, kv);
	}
	json_object_foreach((json_t *)v, k, kv) {
		if (json_is_object(kv) || json_is_array(kv))
			collect_from(out, kv, depth + 1);
	}
}

/* The response's dbt objects carry more than a request gives. */
static void complete_dbt(json_t *state, const char *key, int full)
{
	json_t *dbt = json_object_get(state, key), *out;
	json_int_t id;
	char buf[64];

	if (!json_is_object(dbt))
		return;
	id = json_integer_value(json_object_get(dbt, "modelId"));
	out = json_object();
	snprintf(buf, sizeof(buf), "model.emulator.dbt_model_%lld",
		 (long long)id);
	json_object_set_new(out, "dbtUniqueId", json_string(buf));
	snprintf(buf, sizeof(buf), "select * from dbt_model_%lld",
		 (long long)id);
	json_object_set_new(out, "compiledSql", json_string(buf));
	json_object_set_new(out, "rawSql", json_string(buf));
	if (full) {
		json_object_set_new(out, "database", json_string("emulator"));
		json_object_set_new(out, "schema", json_string("analytics"));
	}
	snprintf(buf, sizeof(buf), "dbt_model_%lld", (long long)id);
	json_object_set_new(out, "name", json_string(buf));
	json_object_update(out, dbt); /* what was given wins */
	json_object_set_new(out, "modelId", json_integer(id));
	json_object_set_new(state, key, out);
}

void emu_fields_defaults(enum ht_kind kind, json_t *state)
{
	json_t *cols;

	switch (ht_kind_ids(kind)) {
	case HT_IDS_MODEL:
		set_default(state, "description", json_string(""));
		set_default(state, "tags", json_object());
		set_default(state, "isSchema", json_boolean(kind !=
							     HT_KIND_MODEL));
		set_default(state, "syncs", json_array());
		set_default(state, "lastRunSize", json_null());
		complete_dbt(state, "dbt", 1);
		complete_dbt(state, "dbt_cloud", 0);
		break;
	case HT_IDS_DESTINATION:
		set_default(state, "syncs", json_array());
		break;
	case HT_IDS_SYNC:
		set_default(state, "status", json_string(
			json_is_true(json_object_get(state, "disabled")) ?
			"disabled" : "pending"));
		set_default(state, "lastRunAt", json_null());
		set_default(state, "primaryKey", json_null());
		set_default(state, "externalSegment", json_object());
		set_default(state, "tags", json_object());
		cols = json_array();
		collect_from(cols, json_object_get(state, "configuration"), 0);
		json_object_set_new(state, "referencedColumns", cols);
		if (json_is_true(json_object_get(state, "disabled")))
			json_object_set_new(state, "status",
					    json_string("disabled"));
		else if (!strcmp(ht_json_get_string(state, "status") ?
				 ht_json_get_string(state, "status") : "",
				 "disabled"))
			json_object_set_new(state, "status",
					    json_string("pending"));
		break;
	default:
		break;
	}
}

static int in_layout(const char *const *layout, const char *key)
{
	return in_values(layout, key) || !strcmp(key, "lastModifiedBy");
}

void emu_fields_render(enum ht_kind kind, const json_t *state,
		       struct ht_strbuf *doc, struct ht_strbuf *ext)
{
	const struct kind_fields *kf = &table[kind];
	const char *const *layout = layout_of(kind);
	json_t *out = json_object(), *e = json_object(), *v;
	size_t i;

	for (i = 0; layout[i]; i++) {
		const struct field *f = find_field(kind, layout[i]);

		if (f && (f->flags & AF_EXT))
			continue;
		if ((v = json_object_get(state, layout[i])))
			json_object_set(out, layout[i], v);
	}
	for (i = 0; i < kf->nr; i++) {
		const struct field *f = &kf->f[i];

		if (!(v = json_object_get(state, f->name)))
			continue;
		if (f->flags & AF_EXT)
			json_object_set(e, f->name, v);
		else if (!in_layout(layout, f->name))
			json_object_set(out, f->name, v);
	}
	v = json_object_get(state, "lastModifiedBy");
	if (v && !json_is_null(v))
		json_object_set(out, "lastModifiedBy", v);
	ht_json_dump(doc, out);
	if (json_object_size(e))
		ht_json_dump(ext, e);
	json_decref(out);
	json_decref(e);
}

/*
 * Documentation
 */

static const char *atype_name(enum atype t)
{
	static const char *const names[] = {
		"string", "slug", "boolean", "integer", "id", "enum", "object",
		"any", "schedule", "joinKeys", "tags", "date-time", "actor",
		"ids", "strings",
	};

	return names[t];
}

void emu_fields_describe(struct ht_strbuf *out)
{
	size_t i, j, m;

	for (i = 0; i < emu_nkinds; i++) {
		enum ht_kind kind = emu_kinds[i];
		const struct kind_fields *kf = &table[kind];

		ht_strbuf_addf(out, "%s (%s):\n", ht_kind_info(kind)->name,
			       emu_kind_api_path(kind));
		for (j = 0; j < kf->nr; j++) {
			const struct field *f = &kf->f[j];
			unsigned fl = f->flags;

			ht_strbuf_addf(out, "  %-18s %-9s", f->name,
				       atype_name(f->type));
			ht_strbuf_addf(out, " %-8s",
				       fl & AF_REQUIRED ? "required" :
				       fl & AF_CREATE ? "create" :
				       fl & (AF_UI) ? "ui" :
				       fl & AF_SEED ? "seed" :
				       fl & AF_COMPUTED ? "computed" : "-");
			ht_strbuf_addf(out, " %-9s",
				       fl & AF_IMMUTABLE ? "immutable" :
				       fl & AF_UPDATE ? "update" : "-");
			ht_strbuf_addf(out, " %-6s", fl & AF_KINDS ?
				       "kinds" : "emu");
			if (fl & AF_NULLABLE)
				ht_strbuf_addstr(out, " nullable");
			if (fl & AF_EXT)
				ht_strbuf_addstr(out, " extension");
			if (f->query_type)
				ht_strbuf_addf(out, " queryType=%s",
					       f->query_type);
			if (f->values && j != (size_t)kf->selector) {
				ht_strbuf_addstr(out, " values=");
				for (m = 0; f->values[m]; m++)
					ht_strbuf_addf(out, "%s%s",
						       m ? "|" : "",
						       f->values[m]);
			}
			if (j == (size_t)kf->selector) {
				ht_strbuf_addstr(out, " values=");
				for (m = 0; kf->query_types[m]; m++)
					ht_strbuf_addf(out, "%s%s",
						       m ? "|" : "",
						       kf->query_types[m]);
			}
			for (m = 0; m < f->nmembers; m++)
				ht_strbuf_addf(out, "%s%s:%s%s",
					       m ? ", " : " {",
					       f->members[m].name,
					       atype_name(f->members[m].type),
					       m + 1 == f->nmembers ? "}" : "");
			if (f->yaml)
				ht_strbuf_addf(out, " (yaml: %s)", f->yaml);
			ht_strbuf_addch(out, '\n');
		}
	}
}
