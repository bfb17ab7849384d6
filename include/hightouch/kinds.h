#ifndef HIGHTOUCH_KINDS_H
#define HIGHTOUCH_KINDS_H

/*
 * The kinds table: one row per resource kind, one entry per YAML field.
 *
 * Serialisation (API JSON <-> YAML), validation, the JSON Schemas for
 * editors, the push plan and the emulator's checks all read this one table,
 * so they cannot disagree.  docs/file-format.md describes the files it
 * produces.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hightouch/diag.h"
#include "hightouch/strbuf.h"
#include "hightouch/suggest.h"
#include "hightouch/yaml.h"

enum ht_kind {
	HT_KIND_SOURCE,
	HT_KIND_DESTINATION,
	HT_KIND_MODEL,
	HT_KIND_SYNC,
	HT_KIND_PARENT_MODEL,
	HT_KIND_RELATED_MODEL,
	HT_KIND_EVENT_MODEL,
	HT_KIND_RELATIONSHIP,
	HT_KIND_MANIFEST,
	HT_KIND_ALIASES,
	HT_KIND__COUNT
};

/*
 * Id spaces: the kinds that share ids and slugs.  The four model kinds are
 * one space, as they are one `/models` list in the API.  The values are
 * stored (the emulator's database, the remote helper's state): never
 * reorder them.
 */
enum ht_ids {
	HT_IDS_SOURCE,
	HT_IDS_DESTINATION,
	HT_IDS_MODEL,
	HT_IDS_SYNC,
	HT_IDS_RELATIONSHIP,
	HT_IDS__COUNT,
	HT_IDS_NONE = HT_IDS__COUNT, /* the manifest and the aliases file */
};

enum ht_ftype {
	HT_FTYPE_STRING,   /* one-line string */
	HT_FTYPE_TEXT,     /* string, often multi-line (SQL, descriptions) */
	HT_FTYPE_BOOL,
	HT_FTYPE_INT,
	HT_FTYPE_ENUM,     /* string from `values` */
	HT_FTYPE_REF,      /* slug (or alias) of a resource of kind `ref` */
	HT_FTYPE_ANY,      /* free-form value, kept in the API's key order */
	HT_FTYPE_OBJECT,   /* free-form mapping */
	HT_FTYPE_SCHEDULE, /* a sync schedule: schedule.h */
	HT_FTYPE_JOINKEYS, /* list of {from, to} column pairs */
	HT_FTYPE_ENTRIES,  /* manifest section: slug -> {name, type} */
	HT_FTYPE_ALIASMAP, /* aliases file section: alias -> slug */
	HT_FTYPE_DBTMODEL, /* a dbt model's unique id, model.<pkg>.<name> */
};

enum ht_field_flags {
	HT_FIELD_REQUIRED = (1 << 0),  /* must be in the file */
	HT_FIELD_IMMUTABLE = (1 << 1), /* the API cannot change it */
	HT_FIELD_NULLABLE = (1 << 2),  /* may be null */
	HT_FIELD_READONLY = (1 << 3),  /* comes from the API, never sent */
	HT_FIELD_LOCAL = (1 << 4),     /* no API field: lives in the file */
	HT_FIELD_QUERY = (1 << 5),     /* a model query key, chosen by type */
	/* when a sync runs: `git push -o keep-schedule` leaves it as is */
	HT_FIELD_SCHEDULE = (1 << 6),
	/* the sync's pause: `git push -o paused` sets it on creates */
	HT_FIELD_PAUSE = (1 << 7),
};

/*
 * One field of a kind.  The sections of the manifest and of the aliases
 * file are fields too, each naming (`ref`) the kind it lists.
 */
struct ht_field {
	const char *name;          /* YAML key */
	enum ht_ftype type;
	unsigned flags;            /* enum ht_field_flags */
	const char *json;          /* API JSON path ("raw.sql"); NULL if LOCAL */
	enum ht_kind ref;          /* REF: what it names */
	const char *const *values; /* ENUM: NULL-terminated YAML values */
	const char *when;          /* QUERY: the `type` value that needs it */
	const char *description;   /* one line, for schemas and docs */
	/*
	 * ENUM: the API's value for each of `values` (same order), or NULL
	 * when the API uses the YAML values ("dbt_model" is "dbt").
	 */
	const char *const *api_values;
	/*
	 * A name the API does not take (dbtModel: the file holds the value
	 * at `json`, "dbt.dbtUniqueId"): what requests carry instead, at
	 * this path ("dbt.modelId"), is the id that a resource of the same
	 * id space which has the name at `json` has here.  NULL for the
	 * other fields, which requests carry at `json`.
	 */
	const char *id_json;
};

struct ht_kind_info {
	enum ht_kind kind;
	const char *name;     /* "model", "parent-model", "manifest" */
	const char *folder;   /* "models", "schema/parent-models"; NULL for
			       * kinds without a folder (sources and
			       * destinations live in the manifest; the
			       * manifest and aliases files sit at the
			       * repository root) */
	const char *api_path; /* "/models", "/schema/parent-models" */
	int extension;        /* 1: only on servers with the schema extension */
	int phase;            /* push order: 1 models, 2 relationships,
			       * 3 syncs; 0 never pushed */
	enum ht_ids ids;      /* whose ids and slugs it shares */
	/*
	 * The order of dependence, 0 to HT_KIND__COUNT - 1, each rank once:
	 * a kind refers only to kinds of lower rank.  A first import reads
	 * the lists in this order (what is referred to first), a fetch in
	 * the reverse order (what refers first), and changes made at the
	 * same time commit in it.
	 */
	int rank;
	const struct ht_field *fields; /* canonical key order */
	size_t nfields;
};

const struct ht_kind_info *ht_kind_info(enum ht_kind kind);
/* ht_kind_info(kind)->name, for messages. */
const char *ht_kind_name(enum ht_kind kind);
/* HT_KIND__COUNT when `name` is not a kind's name. */
enum ht_kind ht_kind_from_name(const char *name);
const struct ht_field *ht_kind_field(enum ht_kind kind, const char *name);
/* 1 for model, parent-model, related-model and event-model. */
int ht_kind_is_model(enum ht_kind kind);
/*
 * 1 for the kinds the manifest lists (sources and destinations): they
 * have no file of their own, and a REF field names them by a slug of the
 * manifest or by an alias of the aliases file.
 */
int ht_kind_in_manifest(enum ht_kind kind);
/*
 * The section of `file` (HT_KIND_MANIFEST or HT_KIND_ALIASES) that lists
 * `kind` ("sources" for HT_KIND_SOURCE), or NULL.
 */
const struct ht_field *ht_kind_section(enum ht_kind file, enum ht_kind kind);
/*
 * 1 if `s` (`len` bytes) has the form of a dbt model's unique id:
 * "model.<package>.<name>", no blank or control character.
 */
int ht_dbt_model_valid(const char *s, size_t len);
/*
 * 1 for the kinds that have files: a folder of resource files, or a file
 * at the root (the manifest, the aliases file).
 */
int ht_kind_has_file(enum ht_kind kind);
/* ht_kind_info(kind)->ids */
enum ht_ids ht_kind_ids(enum ht_kind kind);
/* The kind of rank `rank` (see struct ht_kind_info). */
enum ht_kind ht_kind_by_rank(int rank);
/*
 * 1 if files of `kind` refer to resources of id space `ids` (a REF field
 * names a kind of that space).
 */
int ht_kind_refers_to(enum ht_kind kind, enum ht_ids ids);

/* "source", "destination", "model", "sync", "relationship". */
const char *ht_ids_name(enum ht_ids ids);
/*
 * The kind whose list holds every resource of an id space (`/models` has
 * the schema's models too): source, destination, model, sync,
 * relationship.  Its name is the space's (ht_ids_name()).
 */
enum ht_kind ht_ids_kind(enum ht_ids ids);

/*
 * Slugs: 1 to 255 bytes of [A-Za-z0-9_-], starting with a letter or digit.
 */
int ht_slug_valid(const char *s, size_t len);

/*
 * The repository path of a resource file: "<prefix>/<folder>/<slug>.yaml",
 * or "manifest-<workspace>.yaml" / "aliases-<workspace>.yaml" at the root.
 * `prefix` may be NULL or empty.
 */
int ht_kind_path(struct ht_strbuf *out, enum ht_kind kind, const char *prefix,
		 const char *workspace, const char *slug);
/* `prefix` (NULL: none) without its leading and trailing slashes. */
void ht_kind_trim_prefix(const char **p, size_t *len, const char *prefix);

/*
 * The kind of file at a repository path (HT_KIND__COUNT for files the tool
 * does not own), with the slug (the base name) appended to `slug_out` when
 * not NULL.  `workspace` NULL matches any manifest-*.yaml / aliases-*.yaml.
 */
enum ht_kind ht_kind_for_path(const char *path, const char *prefix,
			      const char *workspace,
			      struct ht_strbuf *slug_out);

/*
 * Resolving references between ids (the API) and slugs (the files).  For
 * REF fields naming models, `kind` is HT_KIND_MODEL whatever the model's
 * own kind.  Both return 0 or HT_ENOTFOUND; the slug is borrowed and must
 * outlive the conversion.  ht_kind_to_yaml() only calls slug_of and
 * ht_kind_from_yaml() only id_of: the other may be NULL.
 */
struct ht_resolver {
	int (*slug_of)(const char **slug_out, enum ht_kind kind, int64_t id,
		       void *payload);
	int (*id_of)(int64_t *id_out, enum ht_kind kind, const char *slug,
		     void *payload);
	void *payload;
	/*
	 * Optional (NULL: none): add to `s` (ht_suggest_add()) the slugs of
	 * `kind` that id_of knows, for the "did you mean" of a reference it
	 * did not find.
	 */
	void (*suggest)(struct ht_suggest *s, enum ht_kind kind,
			void *payload);
};

/*
 * API JSON -> YAML document for one resource, fields in canonical order.
 * For HT_KIND_MANIFEST `api` is {"sources": [...], "destinations": [...]}
 * of API objects; for HT_KIND_ALIASES it is {"sources": {"alias":
 * "slug", ...}, "destinations": {...}} (a section may be absent).
 * Fails with HT_EUNSUPPORTED for what files do not hold (visual models,
 * i.e. audiences), HT_ENOTFOUND for an id the resolver does not know and
 * HT_EINVALID for an object that is not what the API promises; the message
 * names the field.
 */
int ht_kind_to_yaml(struct ht_ynode **out, enum ht_kind kind,
		    const json_t *api, const struct ht_resolver *r);

/*
 * YAML document -> API JSON, with API field names, for every field the
 * file represents (READONLY and LOCAL fields included under their JSON or
 * YAML name: see docs/file-format.md), plus "slug" from `slug`.  Every
 * problem is added to `diags` with `path` and its position (unknown fields
 * as warnings); returns HT_EINVALID, with `*out` NULL, if any was an error.
 * With a NULL resolver, references stay slugs under their YAML name
 * ("source": "snowflake"), in both directions.  A field with an `id_json`
 * keeps its name at `json` (push resolves it, see struct ht_field).
 *
 * With `out` NULL, the file is only validated: the same findings in the
 * same order and the same return code (the resolver is still asked, and
 * its hard errors still returned), but no JSON value is built, which is
 * what `git hightouch check` wants.
 */
int ht_kind_from_yaml(json_t **out, enum ht_kind kind, const char *slug,
		      const struct ht_ynode *doc, const struct ht_resolver *r,
		      const char *path, struct ht_diags *diags);

/*
 * 1 if the files `a` and `b` of `kind` hold the same data: both convert
 * (ht_kind_from_yaml(), no resolver: references are the names the files
 * give) to equal JSON.  That is what push would send, with the read-only
 * and local fields that it notes, so two files that differ only in what
 * means nothing to Hightouch are the same: comments, key order, quoting,
 * block or flow style, indentation, a byte order mark, unknown keys, a
 * null query key of another type, an omitted key whose value is the
 * default, the order of the manifest's entries.  0 when either does not
 * convert, or is NULL.
 */
int ht_kind_same_data(enum ht_kind kind, const struct ht_ynode *a,
		      const struct ht_ynode *b);

#endif
