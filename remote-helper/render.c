/*
 * A resource's file as a fetch writes it, which a push also needs to tell
 * whether the server kept what was pushed.
 *
 * The file is the kinds table's conversion of the API object
 * (ht_kind_to_yaml), written canonically (ht_yaml_emit), with what lives
 * in the file only taken from the file the resource had, if any:
 *
 *  - LOCAL fields (a sync's `description`) keep the old file's value;
 *  - a `source:` or `destination:` that the old file gave as an alias of
 *    the aliases file stays that alias while it names the same slug, so
 *    that the same files can be pushed to several workspaces.  While the
 *    aliases file is not valid (the flat form of earlier versions, say),
 *    what an alias names is unknown: the old value stays (a model's
 *    source and a sync's destination cannot change in Hightouch), so
 *    that a fetch never turns the user's aliases into slugs.
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/workspace.h"
#include "hightouch/yaml.h"

#include "helper.h"

/* The banner at the top of the manifest. */
#define MANIFEST_BANNER                                                       \
	"# READ ONLY: the sources and destinations of Hightouch workspace\n"  \
	"# '%s', written by git-remote-hightouch on every fetch.  Change\n"  \
	"# them in Hightouch; edits to this file are not pushed.\n"

#define ALIASES_BANNER                                                        \
	"# Aliases for Hightouch workspace '%s', usable in 'source:' and\n"   \
	"# 'destination:': alias -> slug of a source (under 'sources:') or\n" \
	"# of a destination (under 'destinations:') in manifest-%s.yaml.\n"  \
	"# Written once, empty; yours to edit.\n"

void render_init(struct render *rd, struct odb *odb, const char *workspace,
		 const struct ht_resolver *resolver)
{
	memset(rd, 0, sizeof(*rd));
	rd->odb = odb;
	rd->workspace = workspace;
	rd->resolver = *resolver;
}

void render_release(struct render *rd)
{
	json_decref(rd->aliases);
	rd->aliases = NULL;
}

/*
 * The aliases file of `tree`, by section (maybe empty), read once; JSON
 * null when the file is there but not valid.
 */
static json_t *aliases_of(struct render *rd, const git_oid *tree)
{
	struct ht_strbuf path = HT_STRBUF_INIT, sb = HT_STRBUF_INIT;
	struct ht_diags diags = HT_DIAGS_INIT;
	struct ht_ynode *doc = NULL;
	json_t *obj = NULL;

	if (rd->aliases)
		return rd->aliases;
	if (ht_kind_path(&path, HT_KIND_ALIASES, NULL, rd->workspace, NULL) <
		    0 ||
	    odb_read_path(rd->odb, &sb, tree, path.buf, NULL) < 0)
		obj = json_object();
	else if (ht_yaml_parse(&doc, sb.buf, sb.len, path.buf, NULL) < 0 ||
		 ht_kind_from_yaml(&obj, HT_KIND_ALIASES, NULL, doc, NULL,
				   path.buf, &diags) < 0)
		obj = json_null();
	ht_error_clear();
	rd->aliases = obj;
	ht_diags_release(&diags);
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
	ht_strbuf_release(&path);
	return rd->aliases;
}

/* The old file's LOCAL fields (strings) into `api`, or out of it. */
static void keep_local(json_t *api, enum ht_kind kind,
		       const struct ht_ynode *old)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	size_t i;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const struct ht_ynode *v;

		if (!(f->flags & HT_FIELD_LOCAL))
			continue;
		v = old ? ht_ynode_map_get(old, f->name) : NULL;
		if (v && v->kind == HT_YNODE_SCALAR &&
		    v->type == HT_YTYPE_STR)
			json_object_set_new(api, f->name,
					    json_stringn(v->str, v->len));
		else
			json_object_del(api, f->name);
	}
}

/* The old file's aliases in `doc` (see the top of this file). */
static void keep_aliases(struct render *rd, const git_oid *tree,
			 struct ht_ynode *doc, enum ht_kind kind,
			 const struct ht_ynode *old)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	size_t i, j;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const struct ht_ynode *o;
		const json_t *aliases;
		const char *target;

		if (f->type != HT_FTYPE_REF || !ht_kind_in_manifest(f->ref))
			continue;
		o = ht_ynode_map_get(old, f->name);
		if (!o || o->kind != HT_YNODE_SCALAR ||
		    o->type != HT_YTYPE_STR)
			continue;
		aliases = aliases_of(rd, tree);
		target = ht_aliases_target(aliases, f->ref, o->str);
		if (!target && !json_is_null(aliases))
			continue;
		for (j = 0; j < doc->npairs; j++) {
			struct ht_ypair *pr = &doc->pairs[j];

			if (!ht_ynode_is_str(pr->key, f->name) ||
			    (target && !ht_ynode_is_str(pr->value, target)))
				continue;
			ht_ynode_free(pr->value);
			pr->value = ht_ynode_new_str(o->str, o->len);
		}
	}
}

/*
 * Append the canonical text of `doc` to `out`: HT_ETOOBIG, naming `what`
 * and the size, when it is larger than a file may be (the reader refuses
 * such files, so no fetch writes one).
 */
static int emit(struct ht_strbuf *out, const struct ht_ynode *doc,
		const char *what)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	int ret;

	ret = ht_yaml_emit(&sb, doc);
	if (!ret && sb.len > HT_YAML_MAX_SIZE)
		ret = ht_error_set(HT_ETOOBIG, "%s would be a file of %zu "
				   "bytes, over the limit of %u", what,
				   sb.len, HT_YAML_MAX_SIZE);
	if (!ret)
		ht_strbuf_add(out, sb.buf, sb.len);
	ht_strbuf_release(&sb);
	return ret;
}

int render_resource_doc(struct render *rd, struct ht_strbuf *out,
			enum ht_kind kind, const json_t *api,
			const git_oid *tree, const struct ht_ynode *old)
{
	struct ht_strbuf what = HT_STRBUF_INIT;
	struct ht_ynode *doc = NULL;
	json_t *copy = json_copy((json_t *)api);
	int ret;

	ht_strbuf_reset(out);
	keep_local(copy, kind, old);
	ret = ht_kind_to_yaml(&doc, kind, copy, &rd->resolver);
	if (ret < 0)
		goto cleanup;
	if (old && tree)
		keep_aliases(rd, tree, doc, kind, old);
	ht_strbuf_addf(&what, "%s '%s'", ht_kind_name(kind),
		       ht_json_get_string(api, "slug") ?
			       ht_json_get_string(api, "slug") : "?");
	ret = emit(out, doc, what.buf);
cleanup:
	json_decref(copy);
	ht_ynode_free(doc);
	ht_strbuf_release(&what);
	return ret;
}

int render_resource(struct render *rd, struct ht_strbuf *out,
		    enum ht_kind kind, const json_t *api, const git_oid *tree,
		    const char *old_path)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *old = NULL;
	int ret;

	if (tree && old_path &&
	    !odb_read_path(rd->odb, &sb, tree, old_path, NULL) &&
	    ht_yaml_parse(&old, sb.buf, sb.len, old_path, NULL) < 0)
		old = NULL;
	ht_error_clear();
	ret = render_resource_doc(rd, out, kind, api, tree, old);
	if (!ret && ht_yaml_bom_len(sb.buf, sb.len)) {
		/* the user's byte order mark stays */
		ht_strbuf_setlen(&sb, ht_yaml_bom_len(sb.buf, sb.len));
		ht_strbuf_add(&sb, out->buf, out->len);
		ht_strbuf_reset(out);
		ht_strbuf_add(out, sb.buf, sb.len);
	}
	ht_ynode_free(old);
	ht_strbuf_release(&sb);
	return ret;
}

json_t *manifest_entry(const json_t *api)
{
	json_t *e = json_object(), *v;

	json_object_set_new(e, "slug",
			    json_string(ht_json_get_string(api, "slug")));
	v = json_object_get(api, "name");
	if (v)
		json_object_set(e, "name", v);
	v = json_object_get(api, "type");
	if (v)
		json_object_set(e, "type", v);
	return e;
}

/* The values of an object, as a new array. */
static json_t *values_of(json_t *obj)
{
	json_t *arr = json_array();
	void *it;

	for (it = json_object_iter(obj); it;
	     it = json_object_iter_next(obj, it))
		json_array_append(arr, json_object_iter_value(it));
	return arr;
}

int render_manifest(struct ht_strbuf *out, const char *workspace,
		    json_t *sources, json_t *destinations)
{
	json_t *api = json_object();
	struct ht_ynode *doc = NULL;
	int ret;

	json_object_set_new(api, "sources", values_of(sources));
	json_object_set_new(api, "destinations", values_of(destinations));
	ret = ht_kind_to_yaml(&doc, HT_KIND_MANIFEST, api, NULL);
	json_decref(api);
	if (ret < 0)
		return ret;
	ht_strbuf_reset(out);
	ht_strbuf_addf(out, MANIFEST_BANNER, workspace);
	ret = emit(out, doc, "the manifest");
	ht_ynode_free(doc);
	return ret;
}

int render_aliases(struct ht_strbuf *out, const char *workspace)
{
	struct ht_ynode *doc = NULL;
	json_t *api = json_object();
	int ret;

	ret = ht_kind_to_yaml(&doc, HT_KIND_ALIASES, api, NULL);
	json_decref(api);
	if (ret < 0)
		return ret;
	ht_strbuf_reset(out);
	ht_strbuf_addf(out, ALIASES_BANNER, workspace, workspace);
	ret = emit(out, doc, "the aliases file");
	ht_ynode_free(doc);
	return ret;
}
