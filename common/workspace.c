/*
 * A workspace's manifest and aliases file, and resolution through them
 * (see workspace.h).  The files' own rules are the kinds table's
 * (ht_kind_from_yaml); this file adds only what needs both files.
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/kinds.h"
#include "hightouch/protocol.h"
#include "hightouch/strbuf.h"
#include "hightouch/workspace.h"

void ht_workspace_init(struct ht_workspace *ws, const char *name)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	memset(ws, 0, sizeof(*ws));
	ws->name = ht_xstrdup(name);
	ht_strbuf_addf(&sb, "manifest-%s.yaml", name);
	ws->manifest_path = ht_strbuf_detach(&sb, NULL);
	ht_strbuf_addf(&sb, "aliases-%s.yaml", name);
	ws->aliases_path = ht_strbuf_detach(&sb, NULL);
	ws->manifest_shown = ht_xstrdup(ht_quote_path(&sb, ws->manifest_path));
	ws->aliases_shown = ht_xstrdup(ht_quote_path(&sb, ws->aliases_path));
	ht_strbuf_release(&sb);
	ws->sources = json_object();
	ws->destinations = json_object();
	ws->aliases = json_object();
}

/* The name of the aliases file's section of `kind`: "sources". */
static const char *section_name(enum ht_kind kind)
{
	const struct ht_field *f = ht_kind_section(HT_KIND_ALIASES, kind);

	if (!f)
		HT_BUG("the aliases file has no section of %s",
		       ht_kind_name(kind));
	return f->name;
}

void ht_workspace_release(struct ht_workspace *ws)
{
	free(ws->name);
	free(ws->manifest_path);
	free(ws->aliases_path);
	free(ws->manifest_shown);
	free(ws->aliases_shown);
	json_decref(ws->sources);
	json_decref(ws->destinations);
	json_decref(ws->aliases);
	ht_ynode_free(ws->aliases_doc);
	memset(ws, 0, sizeof(*ws));
}

/*
 * Parse a manifest or aliases file and convert it with the kinds table.
 * Findings go to `diags`; a file with an error gives 0 with `*obj` NULL
 * (and `*doc` when the YAML itself was fine).
 */
static int read_file(struct ht_ynode **doc, json_t **obj, enum ht_kind kind,
		     const char *buf, size_t len, const char *path,
		     struct ht_diags *diags)
{
	struct ht_ydiag yd;
	int ret;

	*obj = NULL;
	ret = ht_yaml_parse(doc, buf, len, path, &yd);
	if (ret == HT_ESYNTAX || ret == HT_ETOOBIG || ret == HT_ETOODEEP) {
		ht_diags_add_ydiag(diags, path, &yd);
		ht_error_clear();
		return 0;
	}
	if (ret < 0)
		return ret;
	ret = ht_kind_from_yaml(obj, kind, NULL, *doc, NULL, path, diags);
	if (ret == HT_EINVALID) {
		ht_error_clear();
		return 0;
	}
	return ret;
}

/* {"sources": [{"slug", "name", "type"}, ...]} -> slug -> entry. */
static void index_entries(json_t *into, const json_t *arr)
{
	size_t i;

	for (i = 0; i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i);
		const char *slug = ht_json_get_string(e, "slug");

		if (slug)
			json_object_set(into, slug, e);
	}
}

/*
 * Read one of the workspace's files: `*valid` only without errors, and
 * then `*obj_out` (and `*doc_out`, when not NULL) replaced.
 */
static int read_one(enum ht_kind kind, const char *path, const char *buf,
		    size_t len, struct ht_diags *diags, int *valid,
		    json_t **obj_out, struct ht_ynode **doc_out)
{
	struct ht_ynode *doc = NULL;
	json_t *obj = NULL;
	int ret;

	*valid = 0;
	ret = read_file(&doc, &obj, kind, buf, len, path, diags);
	if (ret >= 0 && obj) {
		*valid = 1;
		json_decref(*obj_out);
		*obj_out = obj;
		obj = NULL;
		if (doc_out) {
			ht_ynode_free(*doc_out);
			*doc_out = doc;
			doc = NULL;
		}
	}
	json_decref(obj);
	ht_ynode_free(doc);
	return ret;
}

int ht_workspace_read_manifest(struct ht_workspace *ws, const char *buf,
			       size_t len, struct ht_diags *diags)
{
	json_t *obj = NULL;
	int ret;

	ws->have_manifest = 1;
	ret = read_one(HT_KIND_MANIFEST, ws->manifest_path, buf, len, diags,
		       &ws->manifest_valid, &obj, NULL);
	if (ws->manifest_valid) {
		json_object_clear(ws->sources);
		json_object_clear(ws->destinations);
		index_entries(ws->sources, json_object_get(obj, "sources"));
		index_entries(ws->destinations,
			      json_object_get(obj, "destinations"));
	}
	json_decref(obj);
	return ret;
}

int ht_workspace_read_aliases(struct ht_workspace *ws, const char *buf,
			      size_t len, struct ht_diags *diags)
{
	ws->have_aliases = 1;
	return read_one(HT_KIND_ALIASES, ws->aliases_path, buf, len, diags,
			&ws->aliases_valid, &ws->aliases, &ws->aliases_doc);
}

static const json_t *section(const struct ht_workspace *ws, enum ht_kind kind)
{
	if (kind == HT_KIND_SOURCE)
		return ws->sources;
	if (kind == HT_KIND_DESTINATION)
		return ws->destinations;
	HT_BUG("a workspace has no %s section", ht_kind_info(kind) ?
		       ht_kind_info(kind)->name : "such");
}

int ht_workspace_has(const struct ht_workspace *ws, enum ht_kind kind,
		     const char *slug)
{
	return json_object_get(section(ws, kind), slug) != NULL;
}

const char *ht_aliases_target(const json_t *aliases, enum ht_kind kind,
			      const char *alias)
{
	return ht_json_get_string(json_object_get(aliases,
						  section_name(kind)),
				  alias);
}

enum ht_kind ht_workspace_alias_kind(const struct ht_workspace *ws,
				     const char *name)
{
	const struct ht_kind_info *info = ht_kind_info(HT_KIND_ALIASES);
	size_t i;

	for (i = 0; ws->aliases_valid && i < info->nfields; i++)
		if (ht_aliases_target(ws->aliases, info->fields[i].ref, name))
			return info->fields[i].ref;
	return HT_KIND__COUNT;
}

enum ht_resolution ht_workspace_resolve(const struct ht_workspace *ws,
					enum ht_kind kind, const char *name,
					const char **slug_out, int *via_alias)
{
	const char *slug = name, *target = NULL;
	json_t *entry;

	if (via_alias)
		*via_alias = 0;
	if (!ws->manifest_valid || (ws->have_aliases && !ws->aliases_valid))
		return HT_UNKNOWN;
	if (ws->aliases_valid)
		target = ht_aliases_target(ws->aliases, kind, name);
	if (target) {
		slug = target;
		if (via_alias)
			*via_alias = 1;
	}
	if (slug_out)
		*slug_out = slug;
	entry = json_object_get(section(ws, kind), slug);
	return entry ? HT_RESOLVED : HT_UNRESOLVED;
}

void ht_workspace_suggest(struct ht_suggest *s, const struct ht_workspace *ws,
			  enum ht_kind kind, int aliases)
{
	json_t *sec = (json_t *)section(ws, kind), *al;
	const char *target;
	void *it;

	for (it = json_object_iter(sec); it;
	     it = json_object_iter_next(sec, it))
		ht_suggest_add(s, json_object_iter_key(it));
	if (!aliases || !ws->aliases_valid)
		return;
	al = json_object_get(ws->aliases, section_name(kind));
	for (it = json_object_iter(al); it;
	     it = json_object_iter_next(al, it)) {
		target = json_string_value(json_object_iter_value(it));
		if (target && json_object_get(sec, target))
			ht_suggest_add(s, json_object_iter_key(it));
	}
}

const char *ht_workspace_type(const struct ht_workspace *ws, enum ht_kind kind,
			      const char *slug)
{
	return ht_json_get_string(json_object_get(section(ws, kind), slug),
				  "type");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t ht_workspace_slugs_of_type(const char **out, size_t max,
				  const struct ht_workspace *ws,
				  enum ht_kind kind, const char *type)
{
	json_t *sec = (json_t *)section(ws, kind);
	const char **all = NULL, *t;
	size_t nr = 0, alloc = 0, i;
	void *it;

	for (it = json_object_iter(sec); it;
	     it = json_object_iter_next(sec, it)) {
		t = ht_json_get_string(json_object_iter_value(it), "type");
		if (!type || !t || strcmp(t, type))
			continue;
		HT_ALLOC_GROW(all, nr + 1, alloc);
		all[nr++] = json_object_iter_key(it);
	}
	if (nr)
		qsort(all, nr, sizeof(*all), cmp_str);
	for (i = 0; i < nr && i < max; i++)
		out[i] = all[i];
	free(all);
	return nr;
}

void ht_workspace_alias_line(struct ht_strbuf *out, const char *alias,
			     const char *slug)
{
	struct ht_ynode *map = ht_ynode_new_map();
	size_t len = out->len;

	ht_ynode_map_add(map, alias, ht_ynode_new_cstr(slug));
	if (ht_yaml_emit(out, map) < 0)
		HT_BUG("cannot write the alias '%s'", alias);
	if (out->len > len && out->buf[out->len - 1] == '\n')
		ht_strbuf_setlen(out, out->len - 1);
	ht_ynode_free(map);
}

/* The value of the section of `kind` in the aliases file, or NULL. */
static const struct ht_ynode *section_node(const struct ht_workspace *ws,
					   enum ht_kind kind)
{
	const struct ht_ynode *doc = ws->aliases_doc;

	if (!ws->aliases_valid || !doc || doc->kind != HT_YNODE_MAP)
		return NULL;
	return ht_ynode_map_get(doc, section_name(kind));
}

void ht_workspace_alias_where(struct ht_strbuf *out,
			      const struct ht_workspace *ws,
			      enum ht_kind kind)
{
	const struct ht_ynode *sec = section_node(ws, kind);

	ht_strbuf_addf(out, " under %s'%s:' in %s", sec ? "" : "a new ",
		       section_name(kind), ws->aliases_shown);
	if (sec && sec->kind == HT_YNODE_MAP && !sec->npairs)
		ht_strbuf_addstr(out, " (in place of '{}')");
}

/*
 * alias-target-missing, for an alias of the section of `kind`: with the
 * other kind when the target is one, else the slugs near the target.
 */
static void target_missing(const struct ht_workspace *ws, enum ht_kind kind,
			   const struct ht_ynode *k, const struct ht_ynode *v,
			   struct ht_diags *diags)
{
	struct ht_strbuf hint = HT_STRBUF_INIT;
	const struct ht_field *sec = ht_kind_section(HT_KIND_ALIASES, kind);
	enum ht_kind other = kind == HT_KIND_SOURCE ? HT_KIND_DESTINATION :
						      HT_KIND_SOURCE;
	struct ht_suggest s;

	if (ht_workspace_has(ws, other, v->str)) {
		ht_strbuf_addf(&hint, " (it is a %s: move the alias under "
				      "'%s:')",
			       ht_kind_name(other), section_name(other));
	} else {
		ht_suggest_init(&s, v->str);
		ht_workspace_suggest(&s, ws, kind, 0);
		ht_suggest_hint(&hint, &s, NULL, 1);
	}
	ht_diags_add(diags, HT_SEV_ERROR, ws->aliases_path, v->line, v->col,
		     "alias-target-missing",
		     "alias '%s' under '%s:' points at '%s', which is not a "
		     "%s of %s%s",
		     k->str, sec->name, v->str, ht_kind_name(kind),
		     ws->manifest_shown, hint.buf);
	ht_strbuf_release(&hint);
}

/* Call `fn` for each alias of ws's aliases file, section by section. */
static void each_alias(const struct ht_workspace *ws,
		       void (*fn)(const struct ht_workspace *ws,
				  enum ht_kind kind, const struct ht_ynode *k,
				  const struct ht_ynode *v, void *payload),
		       void *payload)
{
	const struct ht_kind_info *info = ht_kind_info(HT_KIND_ALIASES);
	size_t i, j;

	for (j = 0; j < info->nfields; j++) {
		enum ht_kind kind = info->fields[j].ref;
		const struct ht_ynode *sec = section_node(ws, kind);

		for (i = 0; sec && sec->kind == HT_YNODE_MAP &&
			    i < sec->npairs;
		     i++)
			fn(ws, kind, sec->pairs[i].key, sec->pairs[i].value,
			   payload);
	}
}

static void check_alias(const struct ht_workspace *ws, enum ht_kind kind,
			const struct ht_ynode *k, const struct ht_ynode *v,
			void *payload)
{
	struct ht_diags *diags = payload;

	if (ht_workspace_has(ws, kind, k->str))
		ht_diags_add(diags, HT_SEV_ERROR, ws->aliases_path, k->line,
			     k->col, "alias-shadows-slug",
			     "alias '%s' has the name of a %s of %s: use the "
			     "slug itself",
			     k->str, ht_kind_name(kind), ws->manifest_shown);
	if (!ht_workspace_has(ws, kind, v->str))
		target_missing(ws, kind, k, v, diags);
}

void ht_workspace_check_aliases(const struct ht_workspace *ws,
				struct ht_diags *diags)
{
	if (ws->manifest_valid)
		each_alias(ws, check_alias, diags);
}

/*
 * linked-type-mismatch for alias `k` (of the section of `kind`, whose
 * target `v` is a slug of ws of type `type`) when `other` resolves it to
 * one of another type.
 */
static void link_mismatch(const struct ht_workspace *ws,
			  const struct ht_workspace *other, enum ht_kind kind,
			  const struct ht_ynode *k, const struct ht_ynode *v,
			  struct ht_diags *diags)
{
	const char *type = ht_workspace_type(ws, kind, v->str);
	const char *oslug = NULL, *otype, *same[HT_SUGGEST_MAX];
	struct ht_strbuf hint = HT_STRBUF_INIT;
	size_t n, i;

	if (!type || ht_workspace_resolve(other, kind, k->str, &oslug, NULL) !=
			     HT_RESOLVED)
		return;
	otype = ht_workspace_type(other, kind, oslug);
	if (!otype || !strcmp(type, otype))
		return;
	n = ht_workspace_slugs_of_type(same, HT_SUGGEST_MAX, other, kind,
				       type);
	ht_strbuf_addf(&hint, "workspace '%s' has %s%s %s%s", other->name,
		       n ? "" : "no ", type, ht_kind_name(kind),
		       n > 1 ? "s" : "");
	for (i = 0; i < n && i < HT_SUGGEST_MAX; i++)
		ht_strbuf_addf(&hint, "%s'%s'", i ? ", " : " ", same[i]);
	if (n > HT_SUGGEST_MAX)
		ht_strbuf_addstr(&hint, ", ...");
	ht_diags_add(diags, HT_SEV_ERROR, ws->aliases_path, k->line, k->col,
		     "linked-type-mismatch",
		     "alias '%s' links %s '%s' (%s) in workspace '%s' to '%s' "
		     "(%s) in workspace '%s': linked %ss must be of the same "
		     "type (%s)",
		     k->str, ht_kind_name(kind), v->str, type, ws->name, oslug,
		     otype, other->name, ht_kind_name(kind), hint.buf);
	ht_strbuf_release(&hint);
}

struct linked {
	const struct ht_workspace *other;
	int (*want)(const char *alias, enum ht_kind kind, void *payload);
	void *payload;
	struct ht_diags *diags;
};

static void check_link(const struct ht_workspace *ws, enum ht_kind kind,
		       const struct ht_ynode *k, const struct ht_ynode *v,
		       void *payload)
{
	struct linked *l = payload;

	/* alias-shadows-slug, alias-target-missing */
	if (ht_workspace_has(ws, kind, k->str) ||
	    !ht_workspace_has(ws, kind, v->str))
		return;
	if (!l->want || l->want(k->str, kind, l->payload))
		link_mismatch(ws, l->other, kind, k, v, l->diags);
}

void ht_workspace_check_linked(const struct ht_workspace *ws,
			       const struct ht_workspace *other,
			       int (*want)(const char *alias,
					   enum ht_kind kind, void *payload),
			       void *payload, struct ht_diags *diags)
{
	struct linked l = { other, want, payload, diags };

	if (ws->manifest_valid && other->manifest_valid)
		each_alias(ws, check_link, &l);
}
