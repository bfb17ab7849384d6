/*
 * A resource's file as a fetch writes it, which a push also needs to tell
 * whether the server kept what was pushed.
 *
 * A file that is there stays, byte for byte, while it holds the same data
 * as the new one, and is patched when it does not (render_text()):
 * comments, quoting, key order and indentation are the user's, and a
 * fetch, a push or an adoption that changes no data writes no commit.
 * The manifest too; the aliases file is the user's and is only ever
 * written new.
 *
 * The file is the kinds table's conversion of the API object
 * (ht_kind_to_yaml), written canonically (ht_yaml_emit), with what lives
 * in the file only taken from the file the resource had, if any:
 *
 *  - LOCAL fields (a sync's `description`) keep the old file's value;
 *  - a `source:` or `destination:` that the old file gave as an alias of
 *    the aliases file stays that alias while it names the same slug, so
 *    that the same files can be pushed to several workspaces.
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/yaml.h"
#include "hightouch/yaml_patch.h"

#include "helper.h"

/* The banner at the top of the manifest. */
#define MANIFEST_BANNER                                                       \
	"# READ ONLY: the sources and destinations of Hightouch workspace\n"  \
	"# '%s', written by git-remote-hightouch on every fetch.  Change\n"  \
	"# them in Hightouch; edits to this file are not pushed.\n"

#define ALIASES_BANNER                                                        \
	"# Aliases for Hightouch workspace '%s': alias -> slug of a source\n"  \
	"# or destination in manifest-%s.yaml, usable in 'source:' and\n"     \
	"# 'destination:'.  Written once, empty; yours to edit.\n"

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

/* The aliases file of `tree`: alias -> slug (maybe empty), read once. */
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
	    odb_read_path(rd->odb, &sb, tree, path.buf, NULL) < 0 ||
	    ht_yaml_parse(&doc, sb.buf, sb.len, path.buf, NULL) < 0 ||
	    ht_kind_from_yaml(&obj, HT_KIND_ALIASES, NULL, doc, NULL,
			      path.buf, &diags) < 0)
		obj = NULL;
	ht_error_clear();
	rd->aliases = obj ? obj : json_object();
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
		const char *target;

		if (f->type != HT_FTYPE_REF || !ht_kind_in_manifest(f->ref))
			continue;
		o = ht_ynode_map_get(old, f->name);
		if (!o || o->kind != HT_YNODE_SCALAR ||
		    o->type != HT_YTYPE_STR)
			continue;
		target = ht_json_get_string(aliases_of(rd, tree), o->str);
		for (j = 0; target && j < doc->npairs; j++) {
			struct ht_ypair *pr = &doc->pairs[j];

			if (!ht_ynode_is_str(pr->key, f->name) ||
			    !ht_ynode_is_str(pr->value, target))
				continue;
			ht_ynode_free(pr->value);
			pr->value = ht_ynode_new_str(o->str, o->len);
		}
	}
}

/* Past so many keys, keep_old() tries nothing (each try converts both). */
#define KEEP_MAX_KEYS 64

/* The pair `i` of `map` out of it (the caller owns it). */
static struct ht_ypair take_pair(struct ht_ynode *map, size_t i)
{
	struct ht_ypair p = map->pairs[i];

	memmove(map->pairs + i, map->pairs + i + 1,
		(map->npairs - i - 1) * sizeof(*map->pairs));
	map->npairs--;
	return p;
}

/* The pair `p` into `map` at `i`. */
static void put_pair(struct ht_ynode *map, size_t i, struct ht_ypair p)
{
	ht_ynode_map_add_node(map, p.key, p.value);
	memmove(map->pairs + i + 1, map->pairs + i,
		(map->npairs - i - 1) * sizeof(*map->pairs));
	map->pairs[i] = p;
}

/* 1 if `map` has the key `key` (few keys: see KEEP_MAX_KEYS). */
static int has_key(const struct ht_ynode *map, const struct ht_ynode *key)
{
	struct ht_ykeys k = { NULL, 0 };
	int found = ht_ykeys_find(&k, map, key) != NULL;

	ht_ykeys_release(&k);
	return found;
}

static void free_pair(struct ht_ypair p)
{
	ht_ynode_free(p.key);
	ht_ynode_free(p.value);
}

/*
 * `doc` (a mapping) with what of the old file `old` means the same, so
 * that a patch keeps those lines: an old value whose data is the same in
 * another form, an old key that adds nothing (a null query key of
 * another type, an unknown key), and no new key that the old file leaves
 * out to the same effect (a default).  Each is tried alone, in order, and
 * kept only while the result holds the data of `doc`
 * (ht_kind_same_data()), so it always does.
 */
static struct ht_ynode *keep_old(enum ht_kind kind, const struct ht_ynode *doc,
				 const struct ht_ynode *old)
{
	struct ht_ynode *t = ht_ynode_dup(doc), *v;
	struct ht_ykeys keys = { NULL, 0 };
	struct ht_ypair p;
	size_t i;

	if (!old || old->kind != HT_YNODE_MAP || t->kind != HT_YNODE_MAP ||
	    old->npairs > KEEP_MAX_KEYS || t->npairs > KEEP_MAX_KEYS)
		return t;
	for (i = 0; i < t->npairs; i++) {
		const struct ht_ypair *o = ht_ykeys_find(&keys, old,
							 t->pairs[i].key);

		if (!o || ht_ynode_same_data(o->value, t->pairs[i].value))
			continue;
		v = t->pairs[i].value;
		t->pairs[i].value = ht_ynode_dup(o->value);
		if (!ht_kind_same_data(kind, t, doc)) {
			ht_ynode_free(t->pairs[i].value);
			t->pairs[i].value = v;
		} else {
			ht_ynode_free(v);
		}
	}
	for (i = 0; i < old->npairs; i++) {
		const struct ht_ypair *o = &old->pairs[i];

		if (has_key(t, o->key))
			continue;
		ht_ynode_map_add_node(t, ht_ynode_dup(o->key),
				      ht_ynode_dup(o->value));
		if (!ht_kind_same_data(kind, t, doc))
			free_pair(take_pair(t, t->npairs - 1));
	}
	for (i = t->npairs; i-- > 0;) {
		if (ht_ykeys_find(&keys, old, t->pairs[i].key))
			continue;
		p = take_pair(t, i);
		if (ht_kind_same_data(kind, t, doc))
			free_pair(p);
		else
			put_pair(t, i, p);
	}
	ht_ykeys_release(&keys);
	return t;
}

/*
 * The text of `doc` (of `kind`), a file whose old text is `old_text`
 * (parsed: `old`; either may be NULL) into `out`.  The old file stays as
 * it is, byte for byte, when it holds the same data (ht_kind_same_data()):
 * a fetch, a push and an adoption then change nothing in it.  Otherwise
 * it is patched (ht_yaml_patch()): its comments and the lines of what did
 * not change stay, only what changed is written anew.  When the old file
 * cannot be patched, it is written canonically (ht_yaml_emit()), after
 * `banner` (may be NULL) and the old file's byte order mark: HT_ETOOBIG,
 * naming `what` and the size, when it is larger than a file may be (the
 * reader refuses such files, so no fetch writes one).
 */
static int render_text(struct ht_strbuf *out, enum ht_kind kind,
		       const struct ht_ynode *doc, const char *banner,
		       const struct ht_strbuf *old_text,
		       const struct ht_ynode *old, const char *what)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *t;
	size_t bom = old_text ? ht_yaml_bom_len(old_text->buf,
						  old_text->len) : 0;
	int ret = 0;

	ht_strbuf_reset(out);
	if (old_text && old) {
		if (ht_kind_same_data(kind, old, doc)) {
			ht_strbuf_add(out, old_text->buf, old_text->len);
			return 0;
		}
		t = keep_old(kind, doc, old);
		ret = ht_yaml_patch(out, old_text->buf, old_text->len, old, t);
		ht_ynode_free(t);
		if (!ret)
			return 0;
		ht_error_clear();
	}
	ht_strbuf_add(&sb, old_text ? old_text->buf : "", bom);
	if (banner)
		ht_strbuf_addstr(&sb, banner);
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

int render_read_file(struct render *rd, struct ht_strbuf *text,
		     struct ht_ynode **doc, const git_oid *tree,
		     const char *path)
{
	*doc = NULL;
	if (!tree || !path || odb_read_path(rd->odb, text, tree, path,
					    NULL) < 0) {
		ht_error_clear();
		return 0;
	}
	if (ht_yaml_parse(doc, text->buf, text->len, path, NULL) < 0)
		*doc = NULL;
	ht_error_clear();
	return 1;
}

int render_resource_doc(struct render *rd, struct ht_strbuf *out,
			enum ht_kind kind, const json_t *api,
			const git_oid *tree, const struct ht_strbuf *old_text,
			const struct ht_ynode *old)
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
	ret = render_text(out, kind, doc, NULL, old_text, old, what.buf);
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
	int ret, found;

	found = render_read_file(rd, &sb, &old, tree, old_path);
	ret = render_resource_doc(rd, out, kind, api, tree,
				  found ? &sb : NULL, old);
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

int render_manifest(struct render *rd, struct ht_strbuf *out,
		    json_t *sources, json_t *destinations,
		    const git_oid *tree, const char *path)
{
	struct ht_strbuf banner = HT_STRBUF_INIT, sb = HT_STRBUF_INIT;
	struct ht_ynode *doc = NULL, *old = NULL;
	json_t *api = json_object();
	int ret, found;

	json_object_set_new(api, "sources", values_of(sources));
	json_object_set_new(api, "destinations", values_of(destinations));
	ret = ht_kind_to_yaml(&doc, HT_KIND_MANIFEST, api, NULL);
	if (ret < 0)
		goto cleanup;
	found = render_read_file(rd, &sb, &old, tree, path);
	ht_strbuf_addf(&banner, MANIFEST_BANNER, rd->workspace);
	ret = render_text(out, HT_KIND_MANIFEST, doc, banner.buf,
			  found ? &sb : NULL, old, "the manifest");
cleanup:
	json_decref(api);
	ht_ynode_free(doc);
	ht_ynode_free(old);
	ht_strbuf_release(&sb);
	ht_strbuf_release(&banner);
	return ret;
}

int render_aliases(struct render *rd, struct ht_strbuf *out,
		   const git_oid *tree, const char *path)
{
	struct ht_ynode *doc = NULL;
	json_t *api;
	int ret;

	ht_strbuf_reset(out);
	if (tree && path &&
	    !odb_read_path(rd->odb, out, tree, path, NULL))
		return 0; /* the user's file, whatever it holds */
	ht_error_clear();
	ht_strbuf_reset(out);
	api = json_object();
	ret = ht_kind_to_yaml(&doc, HT_KIND_ALIASES, api, NULL);
	json_decref(api);
	if (ret < 0)
		return ret;
	ht_strbuf_addf(out, ALIASES_BANNER, rd->workspace, rd->workspace);
	ret = ht_yaml_emit(out, doc);
	ht_ynode_free(doc);
	return ret;
}
