/*
 * From the API's lists to files and commits (the OUTBOUND direction).
 *
 * The first import is one commit of the whole workspace.  Later imports
 * make one commit per resource that changed, oldest first, dated by the
 * resource's updatedAt and authored by whoever the server says made the
 * change; deletions come last, dated by the newest updatedAt seen.  Each
 * commit's tree is the previous one with only the resource's own file
 * (or the manifest) replaced, so files the helper does not own are carried
 * over untouched, and a change that leaves the files as they were makes
 * no commit.  Nothing but the workspace's state goes into a commit: two
 * clones of the same workspace have the same commit ids.
 *
 * The state (state.c) only says where to look; the files of the previous
 * commit are the truth: when the state is missing or does not match the
 * private ref, everything is read again and compared with the files
 * (a "full resync"), which gives the same commits as an incremental
 * fetch, except that renamed and deleted files are found by their paths.
 *
 * The lists are not read at one instant.  A resource created after its
 * list was read, and used by one created before the list that refers to it
 * is read, would leave a file that cannot be written (its `model:` or
 * `source:` has no slug).  An incremental fetch reads the lists that refer
 * first, and reads again a list read before one that refers to it when a
 * resource it does not have is referred to (reread_referred()).  The first
 * import reads them the other way round, to write each page's files as it
 * comes: a file that waits for a resource is kept aside, and the resources
 * it waits for are read one by one at the end (settle_all()).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/yaml.h"

#include "helper.h"

/* More planned commits than this write one pack instead of loose objects. */
#define PACK_THRESHOLD 30

/* The banner at the top of the manifest. */
#define MANIFEST_BANNER                                                       \
	"# READ ONLY: the sources and destinations of Hightouch workspace\n"  \
	"# '%s', written by git-remote-hightouch on every fetch.  Change\n"  \
	"# them in Hightouch; edits to this file are not pushed.\n"

#define ALIASES_BANNER                                                        \
	"# Aliases for Hightouch workspace '%s': alias -> slug of a source\n"  \
	"# or destination in manifest-%s.yaml, usable in 'source:' and\n"     \
	"# 'destination:'.  Written once, empty; yours to edit.\n"

/*
 * Lists in the order they are read: those that refer first, so that
 * whatever a resource refers to is read after it (a resource created
 * meanwhile still finds what it names).
 */
static const enum ht_kind read_order[] = {
	HT_KIND_SYNC, HT_KIND_RELATIONSHIP, HT_KIND_MODEL,
	HT_KIND_PARENT_MODEL, HT_KIND_RELATED_MODEL, HT_KIND_EVENT_MODEL,
	HT_KIND_DESTINATION, HT_KIND_SOURCE,
};
#define NLISTS (sizeof(read_order) / sizeof(read_order[0]))

/*
 * The first import reads them the other way round, and writes each
 * page's files while the next pages come (which overlaps the work with
 * the waits of the rate limiter): what a resource refers to must be
 * known when its file is written, or the file waits (see settle()).  The
 * schema lists come before /models, which has their models too.
 */
static const enum ht_kind first_order[] = {
	HT_KIND_SOURCE, HT_KIND_DESTINATION, HT_KIND_PARENT_MODEL,
	HT_KIND_RELATED_MODEL, HT_KIND_EVENT_MODEL, HT_KIND_MODEL,
	HT_KIND_RELATIONSHIP, HT_KIND_SYNC,
};

/* Where a table goes among changes made at the same time. */
static const int table_rank[HT_IDS__COUNT] = {
	[HT_IDS_SOURCE] = 0, [HT_IDS_DESTINATION] = 1, [HT_IDS_MODEL] = 2,
	[HT_IDS_RELATIONSHIP] = 3, [HT_IDS_SYNC] = 4,
};

struct change {
	enum ht_ids table;
	int64_t id;
	enum ht_kind kind;     /* of its file; HT_KIND__COUNT: none */
	int64_t updated_ms;
	json_t *json;          /* NULL for a deletion */
	char *slug;
	enum ht_kind old_kind; /* as the state knew it (HT_KIND__COUNT:
				* not known) */
	char *old_slug;
	int done;
};

/*
 * An item of the first import whose file waits for a resource no list had
 * (see settle()).
 */
struct pending {
	enum ht_kind list;      /* as an item of this list */
	struct item it;         /* it.json is ours */
	enum ht_kind listed_in; /* the listing it came from, or
				 * HT_KIND__COUNT: read by id */
	int plain;              /* a /models item of the schema that no
				 * schema list has: a plain model */
	int busy, done;
};

struct import {
	struct odb *r;
	struct state *s;
	const struct import_opts *o;
	struct list_ctx lctx;
	struct listing lists[HT_KIND__COUNT];
	int schema;     /* 1 the server has the schema extension */
	int first;      /* no private ref: one commit of everything */
	int full;       /* read everything (first import, resync) */
	int has_base;
	/* a new remote.<name>.hightouchPath: the files move from there */
	const char *old_prefix;
	git_oid commit; /* the tip so far */
	git_oid tree;   /* its tree */
	json_t *sources, *destinations; /* the manifest: slug -> entry */
	struct change *changes;
	size_t nr, alloc;
	int64_t newest_ms;
	size_t commits;
	/* the first commit's files, written as their pages arrive */
	struct tree_change *tc;
	size_t tc_nr, tc_alloc;
	size_t skipped[2]; /* audiences, syncs of audiences */
	size_t files[HT_KIND__COUNT];
	struct ht_strbuf buf;
	struct ident author, committer;
	json_t *aliases; /* of the base commit, read when first needed */
	/* what the resolver was last asked for and did not know */
	int missed;
	enum ht_kind miss_kind;
	int64_t miss_id;
	/* the first import: files that wait (see settle()) */
	struct pending *pending;
	size_t pending_nr, pending_alloc;
	size_t reads; /* resources read one by one */
	/* incremental: lists read before a list that refers to them */
	int stale[HT_KIND__COUNT];
};

static const char *kind_name(enum ht_kind k)
{
	return ht_kind_info(k)->name;
}

/*
 * The resolver: ids to slugs, through the resources as they are after
 * this fetch.
 */
static int slug_of(const char **out, enum ht_kind kind, int64_t id,
		   void *payload)
{
	struct import *im = payload;
	int ret = state_slug_of(out, kind, id, im->s);

	if (ret == HT_ENOTFOUND) {
		im->missed = 1;
		im->miss_kind = kind;
		im->miss_id = id;
	}
	return ret;
}

/*
 * Rendering
 */

/* The `description` of the sync file at `path` in the current tree. */
static json_t *local_description(struct import *im, const char *path)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *doc = NULL, *d;
	json_t *out = NULL;

	if (!im->has_base || !path)
		return NULL;
	if (odb_read_path(im->r, &sb, &im->tree, path, NULL) < 0)
		goto cleanup;
	if (ht_yaml_parse(&doc, sb.buf, sb.len, path, NULL) < 0)
		goto cleanup;
	d = ht_ynode_map_get(doc, "description");
	if (d && d->kind == HT_YNODE_SCALAR && d->type == HT_YTYPE_STR)
		out = json_stringn(d->str, d->len);
cleanup:
	ht_error_clear();
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
	return out;
}

/* The aliases file of the base commit: alias -> slug (maybe empty). */
static json_t *base_aliases(struct import *im)
{
	struct ht_strbuf path = HT_STRBUF_INIT, sb = HT_STRBUF_INIT;
	struct ht_diags diags = HT_DIAGS_INIT;
	struct ht_ynode *doc = NULL;
	json_t *obj = NULL;

	if (im->aliases)
		return im->aliases;
	if (ht_kind_path(&path, HT_KIND_ALIASES, NULL, im->o->url->workspace,
			 NULL) < 0 ||
	    odb_read_path(im->r, &sb, &im->tree, path.buf, NULL) < 0 ||
	    ht_yaml_parse(&doc, sb.buf, sb.len, path.buf, NULL) < 0 ||
	    ht_kind_from_yaml(&obj, HT_KIND_ALIASES, NULL, doc, NULL,
			      path.buf, &diags) < 0)
		obj = NULL;
	ht_error_clear();
	im->aliases = obj ? obj : json_object();
	ht_diags_release(&diags);
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
	ht_strbuf_release(&path);
	return im->aliases;
}

/*
 * A `source:` or `destination:` that the file at `path` gives as an alias
 * of the aliases file stays that alias while it names the same slug, so
 * that the same files can be pushed to several workspaces.
 */
static void keep_aliases(struct import *im, struct ht_ynode *doc,
			 enum ht_kind kind, const char *path)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *old = NULL;
	size_t i, j;

	if (!im->has_base || !path || !info->folder)
		return;
	if (odb_read_path(im->r, &sb, &im->tree, path, NULL) < 0 ||
	    ht_yaml_parse(&old, sb.buf, sb.len, path, NULL) < 0)
		goto cleanup;
	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const struct ht_ynode *o;
		const char *target;

		if (f->type != HT_FTYPE_REF || (f->ref != HT_KIND_SOURCE &&
						f->ref != HT_KIND_DESTINATION))
			continue;
		o = ht_ynode_map_get(old, f->name);
		if (!o || o->kind != HT_YNODE_SCALAR ||
		    o->type != HT_YTYPE_STR)
			continue;
		target = ht_json_get_string(base_aliases(im), o->str);
		for (j = 0; target && j < doc->npairs; j++) {
			struct ht_ypair *pr = &doc->pairs[j];

			if (!ht_ynode_is_str(pr->key, f->name) ||
			    !ht_ynode_is_str(pr->value, target))
				continue;
			ht_ynode_free(pr->value);
			pr->value = ht_ynode_new_str(o->str, o->len);
		}
	}
cleanup:
	ht_error_clear();
	ht_ynode_free(old);
	ht_strbuf_release(&sb);
}

static int emit(struct ht_strbuf *out, const struct ht_ynode *doc)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	int ret;

	ht_strbuf_init_capped(&sb, HT_YAML_MAX_SIZE);
	ret = ht_yaml_emit(&sb, doc);
	if (!ret)
		ht_strbuf_add(out, sb.buf, sb.len);
	ht_strbuf_release(&sb);
	return ret;
}

/* The file of a resource; `old_path` names the file it had, if any. */
static int render(struct import *im, struct ht_strbuf *out,
		  const struct change *c, const char *old_path)
{
	struct ht_resolver resolver = { slug_of, NULL, im };
	struct ht_ynode *doc = NULL;
	json_t *api = c->json;
	int ret;

	ht_strbuf_reset(out);
	if (c->kind == HT_KIND_SYNC) {
		json_t *desc = local_description(im, old_path);

		api = json_copy(c->json);
		if (desc)
			json_object_set_new(api, "description", desc);
		else
			json_object_del(api, "description");
	} else {
		json_incref(api);
	}
	im->missed = 0;
	ret = ht_kind_to_yaml(&doc, c->kind, api, &resolver);
	json_decref(api);
	if (ret == HT_ENOTFOUND && im->missed) {
		ht_error_clear();
		return ht_error_set(HT_ENOTFOUND, "%s '%s' refers to %s %"
				    PRId64 ", which is not in the workspace",
				    kind_name(c->kind), c->slug,
				    kind_name(im->miss_kind), im->miss_id);
	}
	im->missed = 0;
	if (ret < 0)
		return ret;
	keep_aliases(im, doc, c->kind, old_path);
	ret = emit(out, doc);
	ht_ynode_free(doc);
	return ret;
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

static int render_manifest(struct import *im, struct ht_strbuf *out)
{
	json_t *api = json_object();
	struct ht_ynode *doc = NULL;
	int ret;

	json_object_set_new(api, "sources", values_of(im->sources));
	json_object_set_new(api, "destinations", values_of(im->destinations));
	ret = ht_kind_to_yaml(&doc, HT_KIND_MANIFEST, api, NULL);
	json_decref(api);
	if (ret < 0)
		return ret;
	ht_strbuf_reset(out);
	ht_strbuf_addf(out, MANIFEST_BANNER, im->o->url->workspace);
	ret = emit(out, doc);
	ht_ynode_free(doc);
	return ret;
}

static int render_aliases(struct import *im, struct ht_strbuf *out)
{
	struct ht_ynode *doc = NULL;
	json_t *api = json_object();
	int ret;

	ret = ht_kind_to_yaml(&doc, HT_KIND_ALIASES, api, NULL);
	json_decref(api);
	if (ret < 0)
		return ret;
	ht_strbuf_reset(out);
	ht_strbuf_addf(out, ALIASES_BANNER, im->o->url->workspace,
		       im->o->url->workspace);
	ret = emit(out, doc);
	ht_ynode_free(doc);
	return ret;
}

static int root_path(struct import *im, struct ht_strbuf *out,
		     enum ht_kind kind)
{
	ht_strbuf_reset(out);
	return ht_kind_path(out, kind, NULL, im->o->url->workspace, NULL);
}

static int file_path(struct import *im, struct ht_strbuf *out,
		     enum ht_kind kind, const char *slug)
{
	ht_strbuf_reset(out);
	return ht_kind_path(out, kind, im->o->cfg->prefix,
			    im->o->url->workspace, slug);
}

/* Where the file of a resource was in the base commit. */
static int old_file_path(struct import *im, struct ht_strbuf *out,
			 enum ht_kind kind, const char *slug)
{
	ht_strbuf_reset(out);
	return ht_kind_path(out, kind,
			    im->old_prefix ? im->old_prefix :
					     im->o->cfg->prefix,
			    im->o->url->workspace, slug);
}

/* A manifest entry: {"slug", "name", "type"}. */
static json_t *manifest_entry(const json_t *api)
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

/* The manifest of the base commit, into im->sources/destinations. */
static int load_manifest(struct import *im)
{
	struct ht_strbuf path = HT_STRBUF_INIT, sb = HT_STRBUF_INIT;
	struct ht_diags diags = HT_DIAGS_INIT;
	struct ht_ynode *doc = NULL;
	json_t *api = NULL;
	const char *sections[2] = { "sources", "destinations" };
	json_t *maps[2];
	size_t i, j;
	int ret;

	maps[0] = im->sources;
	maps[1] = im->destinations;
	ret = root_path(im, &path, HT_KIND_MANIFEST);
	if (ret < 0)
		goto cleanup;
	ret = odb_read_path(im->r, &sb, &im->tree, path.buf, NULL);
	if (ret < 0)
		goto cleanup;
	ret = ht_yaml_parse(&doc, sb.buf, sb.len, path.buf, NULL);
	if (ret < 0)
		goto cleanup;
	ret = ht_kind_from_yaml(&api, HT_KIND_MANIFEST, NULL, doc, NULL,
				path.buf, &diags);
	if (ret < 0)
		goto cleanup;
	for (i = 0; i < 2; i++) {
		json_t *arr = json_object_get(api, sections[i]);

		for (j = 0; j < json_array_size(arr); j++) {
			json_t *e = json_array_get(arr, j);
			const char *slug = ht_json_get_string(e, "slug");

			if (slug)
				json_object_set_new(maps[i], slug,
						    manifest_entry(e));
		}
	}
cleanup:
	if (ret < 0) {
		trace("import", "no usable manifest in the base commit: %s",
		      ht_error_message());
		ht_error_clear();
		ret = HT_ENOTFOUND;
	}
	json_decref(api);
	ht_diags_release(&diags);
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
	ht_strbuf_release(&path);
	return ret;
}

/*
 * Planning: the listings become changes
 */

static struct change *add_change(struct import *im, enum ht_ids t,
				 int64_t id, enum ht_kind kind, int64_t ms,
				 json_t *json, const char *slug)
{
	struct change *c;

	HT_ALLOC_GROW(im->changes, im->nr + 1, im->alloc);
	c = &im->changes[im->nr++];
	memset(c, 0, sizeof(*c));
	c->table = t;
	c->id = id;
	c->kind = kind;
	c->updated_ms = ms;
	c->json = json;
	if (json)
		json_incref(json);
	c->slug = ht_xstrdup(slug);
	c->old_kind = HT_KIND__COUNT;
	return c;
}

static int item_slug(const char **out, enum ht_kind list,
		     const struct item *it)
{
	const char *slug = ht_json_get_string(it->json, "slug");

	if (!slug || !ht_slug_valid(slug, strlen(slug)))
		return ht_error_set(HT_EHTTP,
				    "%s %" PRId64 " has %s slug: it cannot "
				    "be a file name",
				    kind_name(list), it->id,
				    slug ? "an invalid" : "no");
	*out = slug;
	return 0;
}

/* The kind of file a /models item gets. */
static enum ht_kind model_kind(struct import *im, const struct item *it,
			       const char **why)
{
	const char *qt = ht_json_get_string(it->json, "queryType");
	struct resource *r;

	*why = NULL;
	if (qt && !strcmp(qt, "visual")) {
		*why = "audience";
		return HT_KIND__COUNT;
	}
	r = state_find(im->s, HT_IDS_MODEL, it->id);
	if (im->schema && r && r->kind != HT_KIND__COUNT &&
	    r->kind != HT_KIND_MODEL)
		return r->kind; /* a schema model: its own list has it */
	return HT_KIND_MODEL;
}

/*
 * Take one item of a listing: record it in the resources and, when it
 * differs from what the state knew, plan a change (`*out`, else NULL).
 */
static int plan_item(struct import *im, enum ht_kind list,
		     const struct item *it, struct change **out)
{
	enum ht_ids t = ht_kind_ids(list);
	enum ht_kind kind = list, old_kind = HT_KIND__COUNT;
	struct resource *r = state_find(im->s, t, it->id);
	const char *slug = NULL, *why = NULL;
	char *old_slug = NULL;
	struct change *c;
	int ret;

	*out = NULL;
	if (it->updated_ms > im->newest_ms)
		im->newest_ms = it->updated_ms;
	ret = item_slug(&slug, list, it);
	if (ret < 0)
		return ret;
	if (list == HT_KIND_MODEL) {
		kind = model_kind(im, it, &why);
		if (kind != HT_KIND_MODEL && !why)
			return 0; /* listed with its schema kind */
	} else if (list == HT_KIND_SYNC) {
		int64_t model;
		struct resource *m;

		if (!ht_json_get_id(&model, it->json, "modelId")) {
			m = state_find(im->s, HT_IDS_MODEL, model);
			if (m && m->kind == HT_KIND__COUNT) {
				kind = HT_KIND__COUNT;
				why = "sync of an audience";
			}
		}
		ht_error_clear();
	}
	if (why)
		trace("import", "%s %s skipped (%s)", kind_name(list), slug,
		      why);
	if (r && r->updated_ms == it->updated_ms && r->kind == kind &&
	    !strcmp(r->slug, slug) && !im->full)
		return 0; /* unchanged */
	if (r) {
		old_kind = r->kind;
		old_slug = ht_xstrdup(r->slug);
	}
	state_set(im->s, t, it->id, kind, it->updated_ms, slug);
	c = add_change(im, t, it->id, kind, it->updated_ms, it->json, slug);
	c->old_kind = old_kind;
	c->old_slug = old_slug;
	*out = c;
	return 0;
}

/* Take the items of one listing (see plan_item()). */
static int plan_list(struct import *im, enum ht_kind list)
{
	struct listing *l = &im->lists[list];
	struct change *c;
	size_t i;
	int ret;

	for (i = 0; i < l->nr; i++) {
		ret = plan_item(im, list, &l->items[i], &c);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* What the resources are, by kind, for the first commit's message. */
static void count_files(struct import *im)
{
	size_t i;

	memset(im->files, 0, sizeof(im->files));
	memset(im->skipped, 0, sizeof(im->skipped));
	for (i = 0; i < im->s->nr; i++) {
		const struct resource *r = &im->s->res[i];

		if (!r->slug)
			continue;
		if (r->kind != HT_KIND__COUNT)
			im->files[r->kind]++;
		else
			im->skipped[r->table == HT_IDS_SYNC]++;
	}
}

/* Resources the state knew in a whole listing that has them no more. */
static void plan_deletions(struct import *im, enum ht_kind list)
{
	struct listing *l = &im->lists[list];
	json_t *seen;
	char key[32];
	size_t i, n;

	if (!l->full)
		return;
	seen = json_object();
	for (i = 0; i < l->nr; i++) {
		snprintf(key, sizeof(key), "%" PRId64, l->items[i].id);
		json_object_set_new(seen, key, json_true());
	}
	n = im->s->nr;
	for (i = 0; i < n; i++) {
		struct resource *r = &im->s->res[i];
		struct change *c;

		if (!r->slug || !state_in_list(r, list, im->schema))
			continue;
		snprintf(key, sizeof(key), "%" PRId64, r->id);
		if (json_object_get(seen, key))
			continue;
		c = add_change(im, r->table, r->id, r->kind, 0, NULL, r->slug);
		c->old_kind = r->kind;
		c->old_slug = ht_xstrdup(r->slug);
		state_remove(im->s, r->table, r->id);
	}
	json_decref(seen);
}

static int cmp_change(const void *va, const void *vb)
{
	const struct change *a = va, *b = vb;

	/* deletions last, by table and slug */
	if (!a->json != !b->json)
		return a->json ? -1 : 1;
	if (a->json && a->updated_ms != b->updated_ms)
		return a->updated_ms < b->updated_ms ? -1 : 1;
	if (a->table != b->table)
		return table_rank[a->table] < table_rank[b->table] ? -1 : 1;
	if (!a->json)
		return strcmp(a->slug, b->slug);
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

/*
 * Making commits
 */

static void release_tree_changes(struct tree_change *tc, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(tc[i].path);
	free(tc);
}

static void add_tree_change(struct tree_change **tc, size_t *nr,
			    size_t *alloc, const char *path,
			    const git_oid *id)
{
	HT_ALLOC_GROW(*tc, *nr + 1, *alloc);
	(*tc)[*nr].path = ht_xstrdup(path);
	(*tc)[*nr].seq = *nr;
	if (id) {
		git_oid_cpy(&(*tc)[*nr].id, id);
		(*tc)[*nr].remove = 0;
	} else {
		memset(&(*tc)[*nr].id, 0, sizeof(git_oid));
		(*tc)[*nr].remove = 1;
	}
	(*nr)++;
}

static int path_exists(struct import *im, const char *path)
{
	git_oid id;

	if (!im->has_base)
		return 0;
	return odb_path_id(im->r, &id, &im->tree, path) == 0;
}

/* The author the server names for a change, or the default. */
static void change_author(struct import *im, const struct change *c,
			  struct ident *out)
{
	const json_t *by = c->json ? json_object_get(c->json,
						     "lastModifiedBy") : NULL;
	const char *name = ht_json_get_string(by, "name");
	const char *email = ht_json_get_string(by, "email");

	*out = im->author;
	if (name && *name && email && *email) {
		out->name = name;
		out->email = email;
	}
}

/* Write the tree with `tc` applied and, if it differs, a commit. */
static int commit_changes(struct import *im, struct tree_change *tc,
			  size_t nr, const struct ident *author,
			  int64_t when_ms, const char *message)
{
	git_oid tree, commit;
	int ret;

	ret = odb_tree_update(im->r, &tree, im->has_base ? &im->tree : NULL,
			       tc, nr);
	if (ret < 0)
		return ret;
	if (im->has_base && git_oid_equal(&tree, &im->tree)) {
		trace("import", "no change to the files: %s", message);
		return 0;
	}
	ret = odb_write_commit(im->r, &commit, &tree,
			  im->has_base ? &im->commit : NULL, author,
			  &im->committer, when_ms / 1000, message);
	if (ret < 0)
		return ret;
	git_oid_cpy(&im->commit, &commit);
	git_oid_cpy(&im->tree, &tree);
	im->has_base = 1;
	im->commits++;
	return 0;
}

/* Apply one change to the files as tree changes. */
static int change_files(struct import *im, struct change *c,
			struct tree_change **tc, size_t *nr, size_t *alloc,
			int *existed)
{
	struct ht_strbuf path = HT_STRBUF_INIT, old = HT_STRBUF_INIT;
	git_oid id;
	int ret = 0;

	*existed = 0;
	if (c->table == HT_IDS_SOURCE || c->table == HT_IDS_DESTINATION) {
		json_t *map = c->table == HT_IDS_SOURCE ? im->sources :
						      im->destinations;

		*existed = json_object_get(map, c->slug) ||
			   (c->old_slug && json_object_get(map, c->old_slug));
		if (c->old_slug && strcmp(c->old_slug, c->slug))
			json_object_del(map, c->old_slug);
		if (c->json)
			json_object_set_new(map, c->slug,
					    manifest_entry(c->json));
		else
			json_object_del(map, c->slug);
		ret = render_manifest(im, &im->buf);
		if (ret < 0)
			goto cleanup;
		ret = root_path(im, &path, HT_KIND_MANIFEST);
		if (ret < 0)
			goto cleanup;
		ret = odb_write_blob(im->r, &id, im->buf.buf, im->buf.len);
		if (ret < 0)
			goto cleanup;
		add_tree_change(tc, nr, alloc, path.buf, &id);
		goto cleanup;
	}

	if (c->old_kind != HT_KIND__COUNT && c->old_slug) {
		ret = old_file_path(im, &old, c->old_kind, c->old_slug);
		if (ret < 0)
			goto cleanup;
	}
	if (c->kind != HT_KIND__COUNT) {
		ret = file_path(im, &path, c->kind, c->slug);
		if (ret < 0)
			goto cleanup;
	}
	if (!c->json || c->kind == HT_KIND__COUNT) {
		/* a deletion (or a resource that lost its file) */
		const char *gone = old.len ? old.buf : path.buf;

		if (*gone && path_exists(im, gone)) {
			*existed = 1;
			add_tree_change(tc, nr, alloc, gone, NULL);
		}
		goto cleanup;
	}
	*existed = path_exists(im, old.len ? old.buf : path.buf) ||
		   (old.len && path_exists(im, path.buf));
	ret = render(im, &im->buf, c, old.len ? old.buf : path.buf);
	if (ret < 0)
		goto cleanup;
	ret = odb_write_blob(im->r, &id, im->buf.buf, im->buf.len);
	if (ret < 0)
		goto cleanup;
	if (old.len && strcmp(old.buf, path.buf))
		add_tree_change(tc, nr, alloc, old.buf, NULL);
	add_tree_change(tc, nr, alloc, path.buf, &id);
cleanup:
	ht_strbuf_release(&path);
	ht_strbuf_release(&old);
	return ret;
}

/* The members of API objects that refer to other resources. */
static const struct {
	enum ht_ids table;
	const char *field;
} ref_fields[] = {
	{ HT_IDS_SOURCE, "sourceId" },
	{ HT_IDS_DESTINATION, "destinationId" },
	{ HT_IDS_MODEL, "modelId" },
	{ HT_IDS_MODEL, "fromModelId" },
	{ HT_IDS_MODEL, "toModelId" },
};
#define NREF_FIELDS (sizeof(ref_fields) / sizeof(ref_fields[0]))

/* The id in the i-th member of ref_fields, if `json` has one. */
static int ref_id(const json_t *json, size_t i, int64_t *id)
{
	if (!ht_json_get_id(id, json, ref_fields[i].field))
		return 1;
	ht_error_clear();
	return 0;
}

/* Which ids of `table` the resource in `json` refers to. */
static int refers_to(enum ht_kind kind, const json_t *json,
		     enum ht_ids table, int64_t id)
{
	size_t i;
	int64_t v;

	(void)kind;
	for (i = 0; i < NREF_FIELDS; i++)
		if (ref_fields[i].table == table && ref_id(json, i, &v) &&
		    v == id)
			return 1;
	return 0;
}

/*
 * A renamed resource changes the files that refer to it: re-render those
 * into the same commit, unless their own, later change will.
 */
static int renamed_dependents(struct import *im, const struct change *c,
			      struct tree_change **tc, size_t *nr,
			      size_t *alloc)
{
	size_t i, j;
	int ret;

	if (!c->json || !c->old_slug || !strcmp(c->old_slug, c->slug) ||
	    c->table == HT_IDS_SYNC || c->table == HT_IDS_RELATIONSHIP)
		return 0;
	for (i = 0; i < NLISTS; i++) {
		struct listing *l = &im->lists[read_order[i]];

		for (j = 0; j < l->nr; j++) {
			struct item *it = &l->items[j];
			struct resource *r;
			struct change dep;
			size_t k;
			int later = 0, existed;

			if (!refers_to(l->list, it->json, c->table, c->id))
				continue;
			r = state_find(im->s, ht_kind_ids(l->list), it->id);
			if (!r || r->kind == HT_KIND__COUNT ||
			    (l->list == HT_KIND_MODEL &&
			     r->kind != HT_KIND_MODEL))
				continue;
			for (k = 0; k < im->nr; k++)
				if (im->changes[k].table == r->table &&
				    im->changes[k].id == r->id &&
				    !im->changes[k].done)
					later = 1;
			if (later)
				continue;
			memset(&dep, 0, sizeof(dep));
			dep.table = r->table;
			dep.id = r->id;
			dep.kind = r->kind;
			dep.json = it->json;
			dep.slug = r->slug;
			dep.old_kind = r->kind;
			dep.old_slug = r->slug;
			ret = change_files(im, &dep, tc, nr, alloc, &existed);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int apply_change(struct import *im, struct change *c)
{
	struct tree_change *tc = NULL;
	size_t nr = 0, alloc = 0;
	struct ht_strbuf msg = HT_STRBUF_INIT;
	struct ident author;
	int existed, ret;
	enum ht_kind kind = c->kind != HT_KIND__COUNT ? c->kind :
			    c->old_kind;

	c->done = 1;
	if (kind == HT_KIND__COUNT) {
		if (c->table == HT_IDS_SOURCE)
			kind = HT_KIND_SOURCE;
		else if (c->table == HT_IDS_DESTINATION)
			kind = HT_KIND_DESTINATION;
		else
			return 0; /* never had a file */
	}
	ret = change_files(im, c, &tc, &nr, &alloc, &existed);
	if (ret < 0)
		goto cleanup;
	ret = renamed_dependents(im, c, &tc, &nr, &alloc);
	if (ret < 0)
		goto cleanup;
	if (!nr)
		goto cleanup;
	ht_strbuf_addf(&msg, "%s %s %s (OUTBOUND)\n",
		       !c->json ? "Delete" : existed ? "Update" : "Create",
		       kind_name(kind), c->slug);
	change_author(im, c, &author);
	ret = commit_changes(im, tc, nr, &author,
			     c->json ? c->updated_ms : im->newest_ms, msg.buf);
cleanup:
	release_tree_changes(tc, nr);
	ht_strbuf_release(&msg);
	return ret;
}

/*
 * The resource files of the base tree under `prefix`: `fn` is called
 * with the path, kind and slug of each.
 */
static int scan_files(struct import *im, const char *prefix,
		      int (*fn)(struct import *im, const char *path,
				enum ht_kind kind, const char *slug,
				void *payload),
		      void *payload)
{
	struct ht_strbuf path = HT_STRBUF_INIT, slug = HT_STRBUF_INIT;
	struct ht_strbuf full = HT_STRBUF_INIT;
	git_tree *root = NULL;
	size_t i, k;
	int ret;

	ret = git_tree_lookup(&root, im->r->repo, &im->tree);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot read a tree");
		goto cleanup;
	}
	for (k = 0; k < HT_KIND__COUNT; k++) {
		const char *folder = ht_kind_info((enum ht_kind)k)->folder;
		git_tree_entry *e = NULL;
		git_tree *dir = NULL;
		size_t n;

		if (!folder)
			continue;
		ht_strbuf_reset(&path);
		if (*prefix)
			ht_strbuf_addf(&path, "%s/", prefix);
		ht_strbuf_addstr(&path, folder);
		if (git_tree_entry_bypath(&e, root, path.buf) < 0) {
			git_error_clear();
			continue;
		}
		if (git_tree_entry_type(e) != GIT_OBJECT_TREE ||
		    git_tree_lookup(&dir, im->r->repo,
				    git_tree_entry_id(e)) < 0) {
			git_error_clear();
			git_tree_entry_free(e);
			continue;
		}
		git_tree_entry_free(e);
		n = git_tree_entrycount(dir);
		for (i = 0; i < n && !ret; i++) {
			const git_tree_entry *f;

			f = git_tree_entry_byindex(dir, i);
			if (git_tree_entry_type(f) != GIT_OBJECT_BLOB)
				continue;
			ht_strbuf_reset(&full);
			ht_strbuf_addf(&full, "%s/%s", path.buf,
				       git_tree_entry_name(f));
			ht_strbuf_reset(&slug);
			if (ht_kind_for_path(full.buf, prefix,
					     im->o->url->workspace, &slug) !=
				    (enum ht_kind)k ||
			    !ht_slug_valid(slug.buf, slug.len))
				continue;
			ret = fn(im, full.buf, (enum ht_kind)k, slug.buf,
				 payload);
		}
		git_tree_free(dir);
		if (ret < 0)
			goto cleanup;
	}
cleanup:
	git_tree_free(root);
	ht_strbuf_release(&path);
	ht_strbuf_release(&slug);
	ht_strbuf_release(&full);
	return ret;
}

static int orphan(struct import *im, const char *path, enum ht_kind kind,
		  const char *slug, void *payload)
{
	json_t *claimed = payload;
	struct change *c;

	if (json_object_get(claimed, path) ||
	    (ht_kind_info(kind)->extension && !im->schema))
		return 0;
	c = add_change(im, ht_kind_ids(kind), 0, HT_KIND__COUNT, 0, NULL, slug);
	c->old_kind = kind;
	c->old_slug = ht_xstrdup(slug);
	return 0;
}

/*
 * In a full resync, files of resources that are gone are found by their
 * paths: every resource file in the base tree that no resource claims.
 */
static int plan_orphans(struct import *im)
{
	json_t *claimed = json_object();
	struct ht_strbuf path = HT_STRBUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; i < im->s->nr; i++) {
		struct resource *r = &im->s->res[i];

		if (!r->slug || r->kind == HT_KIND__COUNT ||
		    !ht_kind_info(r->kind)->folder)
			continue;
		ret = file_path(im, &path, r->kind, r->slug);
		if (ret < 0)
			goto cleanup;
		json_object_set_new(claimed, path.buf, json_true());
	}
	ret = scan_files(im, im->o->cfg->prefix, orphan, claimed);
cleanup:
	json_decref(claimed);
	ht_strbuf_release(&path);
	return ret;
}

struct removals {
	struct tree_change **tc;
	size_t *nr, *alloc;
};

static int remove_file(struct import *im, const char *path,
		       enum ht_kind kind, const char *slug, void *payload)
{
	struct removals *rm = payload;

	(void)im;
	(void)kind;
	(void)slug;
	add_tree_change(rm->tc, rm->nr, rm->alloc, path, NULL);
	return 0;
}

/* In a full resync, sources and destinations the manifest has no more. */
static void plan_manifest_orphans(struct import *im)
{
	json_t *maps[2];
	enum ht_ids tables[2] = { HT_IDS_SOURCE, HT_IDS_DESTINATION };
	size_t i, j;

	maps[0] = im->sources;
	maps[1] = im->destinations;
	for (i = 0; i < 2; i++) {
		void *it;

		for (it = json_object_iter(maps[i]); it;
		     it = json_object_iter_next(maps[i], it)) {
			const char *key = json_object_iter_key(it);
			int found = 0;

			for (j = 0; j < im->s->nr && !found; j++) {
				struct resource *r = &im->s->res[j];

				found = r->slug && r->table == tables[i] &&
					!strcmp(r->slug, key);
			}
			if (!found) {
				struct change *c;

				c = add_change(im, tables[i], 0,
					       HT_KIND__COUNT, 0, NULL, key);
				c->old_slug = ht_xstrdup(key);
			}
		}
	}
}

/*
 * The first import
 *
 * It writes each page's files as the page comes.  A file that refers to a
 * resource no list had (one created after its list was read, by the time
 * a newer resource that refers to it was listed) cannot be written yet:
 * its item waits in im->pending, and once every list is read each missing
 * resource is read by id (GET /models/{id}, ...), taken as if listed, and
 * the file written.  A resource still missing then is gone: an error.
 */

/* take_item(): the file waits for im->miss_kind and im->miss_id */
#define TAKE_WAIT 1
/* take_item(): a /models item of the schema that no schema list had */
#define TAKE_KIND 2

/* Depth of resources read for one file: a sync, its model, its source. */
#define SETTLE_DEPTH 4
/* Resources read for one file: a sync may miss its model and destination. */
#define SETTLE_TRIES 4

/* Undo plan_item()'s change, the last one added. */
static void drop_last_change(struct import *im)
{
	struct change *c = &im->changes[--im->nr];

	json_decref(c->json);
	free(c->slug);
	free(c->old_slug);
}

static int is_schema_model(const json_t *json)
{
	return json_is_true(json_object_get(json, "isSchema"));
}

/*
 * Take an item of the first import: plan it and write its file (sources
 * and destinations go to the manifest).  TAKE_WAIT when the file refers to
 * a resource not known yet (see slug_of()), TAKE_KIND for a /models item
 * of the schema that no schema list had (made after they were read):
 * nothing is recorded then.  `plain` takes the latter as a plain model.
 */
static int take_item(struct import *im, enum ht_kind list,
		     const struct item *it, int plain)
{
	enum ht_ids t = ht_kind_ids(list);
	struct resource *r = state_find(im->s, t, it->id);
	enum ht_kind prior_kind = HT_KIND__COUNT;
	int64_t prior_ms = 0;
	char *prior_slug = NULL;
	struct change *c;
	int ret, existed;

	if (list == HT_KIND_MODEL && im->schema && !plain && !r &&
	    is_schema_model(it->json))
		return TAKE_KIND;
	if (r) {
		prior_kind = r->kind;
		prior_ms = r->updated_ms;
		prior_slug = ht_xstrdup(r->slug);
	}
	ret = plan_item(im, list, it, &c);
	if (ret < 0 || !c)
		goto cleanup;
	if (c->table == HT_IDS_SOURCE || c->table == HT_IDS_DESTINATION) {
		json_object_set_new(c->table == HT_IDS_SOURCE ? im->sources :
				    im->destinations,
				    c->slug, manifest_entry(c->json));
	} else if (c->kind != HT_KIND__COUNT) {
		ret = change_files(im, c, &im->tc, &im->tc_nr, &im->tc_alloc,
				   &existed);
		if (ret == HT_ENOTFOUND && im->missed) {
			ht_error_clear();
			if (prior_slug)
				state_set(im->s, t, it->id, prior_kind,
					  prior_ms, prior_slug);
			else
				state_remove(im->s, t, it->id);
			drop_last_change(im);
			ret = TAKE_WAIT;
			goto cleanup;
		}
		if (ret < 0)
			goto cleanup;
	}
	json_decref(c->json);
	c->json = NULL;
cleanup:
	free(prior_slug);
	return ret;
}

static struct pending *find_pending(struct import *im, enum ht_ids t,
				    int64_t id)
{
	size_t i;

	for (i = 0; i < im->pending_nr; i++) {
		struct pending *p = &im->pending[i];

		if (!p->done && p->it.id == id && ht_kind_ids(p->list) == t)
			return p;
	}
	return NULL;
}

/*
 * A page of the first import: take its items (see take_item()), keeping
 * those that wait, and let their JSON go.
 */
static int first_page(struct listing *l, size_t from, size_t n,
		      void *payload)
{
	struct import *im = payload;
	size_t i;
	int ret;

	for (i = from; i < from + n; i++) {
		struct item *it = &l->items[i];
		struct pending *p;

		ret = take_item(im, l->list, it, 0);
		if (ret < 0)
			return ret;
		/* an item read twice (it moved while the pages came) */
		p = im->pending_nr ? find_pending(im, ht_kind_ids(l->list),
						  it->id) : NULL;
		if (p && p->it.updated_ms <= it->updated_ms) {
			p->done = 1;
			json_decref(p->it.json);
			p->it.json = NULL;
		} else if (p && ret) {
			ret = 0; /* the newer copy waits already */
		}
		if (ret) {
			trace("import", "%s %" PRId64 " waits for %s",
			      kind_name(l->list), it->id,
			      ret == TAKE_KIND ? "its schema kind" :
			      kind_name(im->miss_kind));
			HT_ALLOC_GROW(im->pending, im->pending_nr + 1,
				      im->pending_alloc);
			p = &im->pending[im->pending_nr++];
			memset(p, 0, sizeof(*p));
			p->list = l->list;
			p->it = *it;
			p->listed_in = l->list;
			it->json = NULL; /* now the pending item's */
			continue;
		}
		json_decref(it->json);
		it->json = NULL;
	}
	return 0;
}

/*
 * One resource by id, as an item of `list`: 0, HT_ENOTFOUND (a 404, with
 * the client's message) or another error.
 */
static int get_item(struct import *im, struct item *out, enum ht_kind list,
		    int64_t id)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	json_t *json = NULL;
	int64_t got;
	int ret;

	ht_strbuf_addf(&path, "%s/%" PRId64, ht_kind_info(list)->api_path,
		       id);
	ret = ht_client_get(im->o->client, &json, path.buf);
	im->reads++;
	if (ret < 0)
		goto cleanup;
	if (!json_is_object(json) || ht_json_get_id(&got, json, "id") < 0 ||
	    got != id) {
		ht_error_clear();
		ret = ht_error_set(HT_EHTTP, "unexpected response to 'GET "
				   "%s': it is not %s %" PRId64, path.buf,
				   kind_name(list), id);
		goto cleanup;
	}
	out->updated_ms = parse_time_ms(ht_json_get_string(json,
							   "updatedAt"));
	if (out->updated_ms < 0) {
		ret = ht_error_set(HT_EHTTP, "unexpected response to 'GET "
				   "%s': no valid 'updatedAt'", path.buf);
		goto cleanup;
	}
	out->id = id;
	out->json = json;
	json = NULL;
	trace("import", "%s %" PRId64 ": read by id (made after its list "
	      "was read)", kind_name(list), id);
cleanup:
	json_decref(json);
	ht_strbuf_release(&path);
	return ret;
}

/*
 * The schema list that has the model of `p` (read when its /models item
 * said isSchema): `p` becomes its item there; a model that none has is
 * taken as a plain model.
 */
static int find_schema_kind(struct import *im, struct pending *p)
{
	static const enum ht_kind kinds[] = {
		HT_KIND_PARENT_MODEL, HT_KIND_RELATED_MODEL,
		HT_KIND_EVENT_MODEL,
	};
	struct item it;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		ret = get_item(im, &it, kinds[i], p->it.id);
		if (ret == HT_ENOTFOUND) {
			ht_error_clear();
			continue;
		}
		if (ret < 0)
			return ret;
		json_decref(p->it.json);
		p->it = it;
		p->list = kinds[i];
		return 0;
	}
	p->plain = 1;
	return 0;
}

/*
 * A resource that its lists did not have (read by id, or found in a schema
 * list by id) is not in their states, which say how many items each list
 * had and its newest: the next fetch reads those lists whole, once, rather
 * than trust them.  (A schema model listed by its own list was in /models
 * too, which is read after.)
 */
static void forget_lists(struct import *im, const struct pending *p)
{
	struct resource *r = state_find(im->s, ht_kind_ids(p->list), p->it.id);
	size_t i;

	if (p->listed_in == p->list)
		return;
	for (i = 0; r && i < NLISTS; i++) {
		enum ht_kind list = first_order[i];

		if (list == p->listed_in || !state_in_list(r, list, im->schema))
			continue;
		trace("import", "%s: the list's state is not kept (%s %" PRId64
		      " was read by id)", kind_name(list), kind_name(p->list),
		      p->it.id);
		im->lists[list].next.valid = 0;
	}
}

static int settle(struct import *im, struct pending *p, int depth);

/* Read what `p` waits for (im->miss_kind and im->miss_id), and take it. */
static int read_missing(struct import *im, struct pending *p, int depth)
{
	enum ht_ids t = ht_kind_ids(im->miss_kind);
	int64_t id = im->miss_id;
	struct pending *q = find_pending(im, t, id), read;
	enum ht_kind list;
	int ret;

	if (q) {
		/* listed, but waiting itself */
		if (q->busy)
			return ht_error_set(HT_EHTTP, "%s %" PRId64 " and %s %"
					    PRId64 " refer to each other",
					    kind_name(p->list), p->it.id,
					    kind_name(q->list), q->it.id);
		return settle(im, q, depth + 1);
	}
	switch (t) {
	case HT_IDS_SOURCE:
		list = HT_KIND_SOURCE;
		break;
	case HT_IDS_DESTINATION:
		list = HT_KIND_DESTINATION;
		break;
	case HT_IDS_MODEL:
		list = HT_KIND_MODEL;
		break;
	default:
		HT_BUG("a reference to a %s", kind_name(im->miss_kind));
	}
	memset(&read, 0, sizeof(read));
	read.list = list;
	read.listed_in = HT_KIND__COUNT;
	ret = get_item(im, &read.it, list, id);
	if (ret == HT_ENOTFOUND) {
		ht_error_clear();
		return ht_error_set(HT_ENOTFOUND, "%s '%s' refers to %s %"
				    PRId64 ", which is not in the workspace "
				    "('GET %s/%" PRId64 "': not found)",
				    kind_name(p->list),
				    ht_json_get_string(p->it.json, "slug"),
				    kind_name(list), id,
				    ht_kind_info(list)->api_path, id);
	}
	if (ret < 0)
		return ret;
	ret = settle(im, &read, depth + 1);
	json_decref(read.it.json);
	return ret;
}

/*
 * Take the pending item `p`, reading first what it waits for, as long as
 * it waits for something new, at most SETTLE_TRIES times and
 * SETTLE_DEPTH deep.
 */
static int settle(struct import *im, struct pending *p, int depth)
{
	int ret, tries = 0;

	p->busy = 1;
	for (;;) {
		ret = take_item(im, p->list, &p->it, p->plain);
		if (ret <= 0)
			break;
		if (ret == TAKE_KIND) {
			ret = find_schema_kind(im, p);
			if (ret < 0)
				break;
			continue;
		}
		if (++tries > SETTLE_TRIES || depth >= SETTLE_DEPTH) {
			ret = ht_error_set(HT_EHTTP, "%s %" PRId64 " refers "
					   "to %s %" PRId64 ", on which the "
					   "server's answers do not agree",
					   kind_name(p->list), p->it.id,
					   kind_name(im->miss_kind),
					   im->miss_id);
			break;
		}
		ret = read_missing(im, p, depth);
		if (ret < 0)
			break;
	}
	p->busy = 0;
	if (!ret) {
		p->done = 1;
		forget_lists(im, p);
		json_decref(p->it.json);
		p->it.json = NULL;
	}
	return ret;
}

/* After the lists: take every pending item (see settle()). */
static int settle_all(struct import *im)
{
	size_t i, reads = im->reads;
	int ret;

	for (i = 0; i < im->pending_nr; i++) {
		struct pending *p = &im->pending[i];

		if (p->done)
			continue;
		ret = settle(im, p, 0);
		if (ret < 0)
			return ret;
	}
	if (im->pending_nr)
		trace("import", "files that waited: %zu; requests by id: %zu",
		      im->pending_nr, im->reads - reads);
	return 0;
}

/*
 * The first import: one commit of everything.  With im->old_prefix, the
 * same on top of the base commit, when remote.<name>.hightouchPath
 * changed: every resource file moves, in one commit.
 */
static int first_commit(struct import *im)
{
	struct ht_strbuf path = HT_STRBUF_INIT, msg = HT_STRBUF_INIT;
	struct progress *p = NULL;
	size_t i;
	git_oid id;
	int ret = 0, existed;

	if (im->old_prefix) {
		struct removals rm = { &im->tc, &im->tc_nr, &im->tc_alloc };

		/* the changes hold what is needed: free the rest as we go */
		for (i = 0; i < HT_KIND__COUNT; i++)
			listing_drop_items(&im->lists[i]);
		json_object_clear(im->sources);
		json_object_clear(im->destinations);
		ret = scan_files(im, im->old_prefix, remove_file, &rm);
		if (ret < 0)
			goto cleanup;
		p = progress_start("Writing files", im->nr);
		for (i = 0; i < im->nr; i++) {
			struct change *c = &im->changes[i];

			progress_update(p, i + 1);
			if (c->table == HT_IDS_SOURCE ||
			    c->table == HT_IDS_DESTINATION) {
				json_object_set_new(c->table == HT_IDS_SOURCE ?
						    im->sources :
						    im->destinations,
						    c->slug,
						    manifest_entry(c->json));
				continue;
			}
			if (c->kind == HT_KIND__COUNT || !c->json)
				continue;
			/* a sync's description comes from its old place */
			free(c->old_slug);
			c->old_slug = ht_xstrdup(c->slug);
			c->old_kind = c->kind;
			ret = change_files(im, c, &im->tc, &im->tc_nr,
					   &im->tc_alloc, &existed);
			if (ret < 0)
				goto cleanup;
			json_decref(c->json);
			c->json = NULL;
		}
		progress_stop(&p);
	}
	count_files(im);
	ret = render_manifest(im, &im->buf);
	if (ret < 0)
		goto cleanup;
	ret = odb_write_blob(im->r, &id, im->buf.buf, im->buf.len);
	if (ret < 0)
		goto cleanup;
	ret = root_path(im, &path, HT_KIND_MANIFEST);
	if (ret < 0)
		goto cleanup;
	add_tree_change(&im->tc, &im->tc_nr, &im->tc_alloc, path.buf, &id);
	if (im->old_prefix) {
		if (*im->o->cfg->prefix)
			ht_strbuf_addf(&msg, "Move the files of workspace %s "
				       "to '%s' (OUTBOUND)\n",
				       im->o->url->workspace,
				       im->o->cfg->prefix);
		else
			ht_strbuf_addf(&msg, "Move the files of workspace %s "
				       "to the top (OUTBOUND)\n",
				       im->o->url->workspace);
		ret = commit_changes(im, im->tc, im->tc_nr, &im->author,
				     im->newest_ms, msg.buf);
		goto cleanup;
	}
	ret = render_aliases(im, &im->buf);
	if (ret < 0)
		goto cleanup;
	ret = odb_write_blob(im->r, &id, im->buf.buf, im->buf.len);
	if (ret < 0)
		goto cleanup;
	ret = root_path(im, &path, HT_KIND_ALIASES);
	if (ret < 0)
		goto cleanup;
	add_tree_change(&im->tc, &im->tc_nr, &im->tc_alloc, path.buf, &id);

	ht_strbuf_addf(&msg, "Import workspace %s (OUTBOUND)\n\n",
		       im->o->url->workspace);
	for (i = 0; i < HT_KIND__COUNT; i++)
		if (im->files[i])
			ht_strbuf_addf(&msg, "%s: %zu\n",
				       kind_name((enum ht_kind)i),
				       im->files[i]);
	if (im->skipped[0])
		ht_strbuf_addf(&msg, "skipped audiences: %zu\n",
			       im->skipped[0]);
	if (im->skipped[1])
		ht_strbuf_addf(&msg, "skipped syncs of audiences: %zu\n",
			       im->skipped[1]);
	if (msg.buf[msg.len - 2] == '\n')
		ht_strbuf_setlen(&msg, msg.len - 1);
	ret = commit_changes(im, im->tc, im->tc_nr, &im->author,
			     im->newest_ms, msg.buf);
cleanup:
	progress_stop(&p);
	ht_strbuf_release(&path);
	ht_strbuf_release(&msg);
	return ret;
}

/*
 * Reading the lists
 */

static int list_wanted(struct import *im, enum ht_kind list)
{
	return !ht_kind_info(list)->extension || im->schema;
}

static void schema_unavailable(struct import *im)
{
	size_t i;

	if (im->schema && im->s->schema != 0)
		say(0, "warning: schema sync is unavailable on this server "
		    "('%s' has no /schema endpoints): the Customer Studio "
		    "schema is not fetched", im->o->url->authority);
	im->schema = 0;
	for (i = 0; i < HT_KIND__COUNT; i++)
		if (ht_kind_info((enum ht_kind)i)->extension)
			listing_release(&im->lists[i]);
}

/* Phase 1 of an incremental fetch: 1 when something changed. */
static int probe_all(struct import *im, int *changed)
{
	size_t i;
	int ret;

	*changed = 0;
	for (i = 0; i < NLISTS; i++) {
		enum ht_kind list = read_order[i];
		struct listing *l = &im->lists[list];

		if (!list_wanted(im, list))
			continue;
		ret = listing_probe(&im->lctx, l, list);
		if (ret < 0)
			return ret;
		if (l->unavailable) {
			schema_unavailable(im);
			*changed = 1;
			continue;
		}
		if (!l->same)
			*changed = 1;
	}
	return 0;
}

static int fetch_all(struct import *im)
{
	size_t i;
	int ret;

	for (i = 0; i < NLISTS; i++) {
		enum ht_kind list = im->first ? first_order[i] : read_order[i];
		struct listing *l = &im->lists[list];

		if (!list_wanted(im, list))
			continue;
		if (l->same) {
			im->stale[list] = 1; /* as probed, before the others */
			continue;
		}
		ret = listing_fetch(&im->lctx, l, list, im->full);
		if (ret < 0)
			return ret;
		if (l->unavailable)
			schema_unavailable(im);
	}
	return 0;
}

/* 1 if the items of `list` refer to resources of `table`. */
static int list_refers_to(enum ht_kind list, enum ht_ids table)
{
	switch (ht_kind_ids(list)) {
	case HT_IDS_SYNC:
		return table == HT_IDS_MODEL || table == HT_IDS_DESTINATION;
	case HT_IDS_RELATIONSHIP:
		return table == HT_IDS_MODEL;
	case HT_IDS_MODEL:
		return table == HT_IDS_SOURCE;
	default:
		return 0;
	}
}

/*
 * A renamed source, destination or model changes the files of those that
 * refer to it, whose own items did not change: read their lists whole.
 */
static int fetch_dependents(struct import *im)
{
	int need[HT_IDS__COUNT] = { 0 };
	size_t i, j;
	int ret;

	for (i = 0; i < NLISTS; i++) {
		struct listing *l = &im->lists[read_order[i]];

		for (j = 0; j < l->nr; j++) {
			struct resource *r = state_find(im->s,
							ht_kind_ids(l->list),
							l->items[j].id);
			const char *slug = ht_json_get_string(l->items[j].json,
							      "slug");

			if (r && slug && strcmp(r->slug, slug))
				need[r->table] = 1;
		}
	}
	for (i = 0; i < NLISTS; i++) {
		enum ht_kind list = read_order[i];
		struct listing *l = &im->lists[list];
		int dep = 0;

		switch (ht_kind_ids(list)) {
		case HT_IDS_MODEL:
			dep = need[HT_IDS_SOURCE];
			break;
		case HT_IDS_SYNC:
			dep = need[HT_IDS_MODEL] || need[HT_IDS_DESTINATION];
			break;
		case HT_IDS_RELATIONSHIP:
			dep = need[HT_IDS_MODEL];
			break;
		default:
			break;
		}
		if (!dep || l->full || !list_wanted(im, list))
			continue;
		trace("import", "%s: reading the whole list for a rename",
		      kind_name(list));
		listing_release(l);
		ret = listing_fetch(&im->lctx, l, list, 1);
		if (ret < 0)
			return ret;
		/* what it refers to was read before it, this time */
		for (j = 0; j < NLISTS; j++)
			if (list_refers_to(list, ht_kind_ids(read_order[j])))
				im->stale[read_order[j]] = 1;
	}
	return 0;
}

/* 1 if resource `id` of `table` is neither in the state nor listed now. */
static int unknown_id(struct import *im, enum ht_ids table, int64_t id)
{
	size_t i, j;

	if (state_find(im->s, table, id))
		return 0;
	for (i = 0; i < NLISTS; i++) {
		struct listing *l = &im->lists[read_order[i]];

		if (ht_kind_ids(read_order[i]) != table)
			continue;
		for (j = 0; j < l->nr; j++)
			if (l->items[j].id == id)
				return 0;
	}
	return 1;
}

/* 1 if an item listed now refers to a resource of `table` not known. */
static int refers_to_unknown(struct import *im, enum ht_ids table)
{
	size_t i, j, k;
	int64_t id;

	for (i = 0; i < NLISTS; i++) {
		struct listing *l = &im->lists[read_order[i]];

		if (!list_refers_to(read_order[i], table))
			continue;
		for (j = 0; j < l->nr; j++)
			for (k = 0; k < NREF_FIELDS; k++)
				if (ref_fields[k].table == table &&
				    ref_id(l->items[j].json, k, &id) &&
				    unknown_id(im, table, id)) {
					trace("import", "%s %" PRId64 " refers "
					      "to %s %" PRId64 ", not listed",
					      kind_name(l->list),
					      l->items[j].id,
					      ref_fields[k].field, id);
					return 1;
				}
	}
	return 0;
}

/*
 * 1 if /models, as read now, has a model of the schema, new or changed,
 * that no schema list read now has: one made or changed after a schema
 * list was probed.
 */
static int schema_model_unlisted(struct import *im)
{
	struct listing *models = &im->lists[HT_KIND_MODEL];
	size_t i, j, k;

	for (i = 0; i < models->nr; i++) {
		int64_t id = models->items[i].id;
		struct resource *r = state_find(im->s, HT_IDS_MODEL, id);
		int found = 0;

		if (!is_schema_model(models->items[i].json))
			continue;
		if (r && r->kind != HT_KIND_MODEL &&
		    r->kind != HT_KIND__COUNT &&
		    r->updated_ms == models->items[i].updated_ms)
			continue; /* as the state has it */
		for (j = 0; j < NLISTS && !found; j++) {
			struct listing *l = &im->lists[read_order[j]];

			if (!ht_kind_info(read_order[j])->extension ||
			    ht_kind_ids(read_order[j]) != HT_IDS_MODEL)
				continue;
			for (k = 0; k < l->nr && !found; k++)
				found = l->items[k].id == id;
		}
		if (!found) {
			trace("import", "model %" PRId64 " is of the schema, "
			      "not listed", id);
			return 1;
		}
	}
	return 0;
}

/* Read `list` again, from what the state has, if it is stale. */
static int reread(struct import *im, enum ht_kind list)
{
	struct listing *l = &im->lists[list];
	int ret;

	if (!im->stale[list] || !list_wanted(im, list))
		return 0;
	trace("import", "%s: reading the list again for what was made "
	      "after it was read", kind_name(list));
	listing_release(l);
	ret = listing_fetch(&im->lctx, l, list, 0);
	if (ret < 0)
		return ret;
	im->stale[list] = 0;
	if (l->unavailable)
		schema_unavailable(im);
	return 0;
}

/*
 * An incremental fetch reads a list after those that refer to it, except
 * a list the probes found unchanged (read, in effect, before them all)
 * and one read before fetch_dependents() read a list that refers to it
 * again: a resource made since, that a newer resource of those lists
 * refers to, is missing.  Read such "stale" lists again when an item
 * refers to what neither the state nor the lists have, referring tables
 * first, so that a model read again finds its source; and the schema lists
 * when /models has a model of the schema they have not.  A resource still
 * missing was deleted, and its referrer's file cannot be written: an
 * error, from render().
 */
static int reread_referred(struct import *im)
{
	static const enum ht_kind schema_lists[] = {
		HT_KIND_PARENT_MODEL, HT_KIND_RELATED_MODEL,
		HT_KIND_EVENT_MODEL,
	};
	size_t i;
	int ret = 0;

	if (refers_to_unknown(im, HT_IDS_MODEL))
		ret = reread(im, HT_KIND_MODEL);
	if (!ret && im->schema && schema_model_unlisted(im))
		for (i = 0; i < sizeof(schema_lists) /
				sizeof(schema_lists[0]) && !ret; i++)
			ret = reread(im, schema_lists[i]);
	if (!ret && refers_to_unknown(im, HT_IDS_SOURCE))
		ret = reread(im, HT_KIND_SOURCE);
	if (!ret && refers_to_unknown(im, HT_IDS_DESTINATION))
		ret = reread(im, HT_KIND_DESTINATION);
	return ret;
}

static void release_import(struct import *im)
{
	size_t i;

	for (i = 0; i < HT_KIND__COUNT; i++)
		listing_release(&im->lists[i]);
	for (i = 0; i < im->nr; i++) {
		json_decref(im->changes[i].json);
		free(im->changes[i].slug);
		free(im->changes[i].old_slug);
	}
	free(im->changes);
	for (i = 0; i < im->pending_nr; i++)
		json_decref(im->pending[i].it.json);
	free(im->pending);
	release_tree_changes(im->tc, im->tc_nr);
	json_decref(im->sources);
	json_decref(im->destinations);
	json_decref(im->aliases);
	ht_strbuf_release(&im->buf);
}

static void summary(struct import *im)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	if (!helper_out.progress || helper_out.verbosity < 1)
		return;
	if (im->first) {
		ht_strbuf_addf(&sb, "Imported workspace '%s': %zu models, "
			       "%zu syncs, %zu sources, %zu destinations",
			       im->o->url->workspace,
			       im->files[HT_KIND_MODEL],
			       im->files[HT_KIND_SYNC],
			       im->files[HT_KIND_SOURCE],
			       im->files[HT_KIND_DESTINATION]);
		if (im->schema)
			ht_strbuf_addf(&sb, ", %zu schema models, %zu "
				       "relationships",
				       im->files[HT_KIND_PARENT_MODEL] +
				       im->files[HT_KIND_RELATED_MODEL] +
				       im->files[HT_KIND_EVENT_MODEL],
				       im->files[HT_KIND_RELATIONSHIP]);
	} else {
		ht_strbuf_addf(&sb, "Fetched workspace '%s': %zu new "
			       "commit%s", im->o->url->workspace,
			       im->commits, im->commits == 1 ? "" : "s");
	}
	if (im->skipped[0] || im->skipped[1])
		ht_strbuf_addf(&sb, "; skipped %zu audience%s and %zu sync%s "
			       "of audiences", im->skipped[0],
			       im->skipped[0] == 1 ? "" : "s", im->skipped[1],
			       im->skipped[1] == 1 ? "" : "s");
	say(1, "%s", sb.buf);
	ht_strbuf_release(&sb);
}

static int same_source(struct import *im, const char *source)
{
	return im->s->source && !strcmp(im->s->source, source);
}

int import_run(struct odb *r, struct state *s, const struct import_opts *o,
	       const git_oid *private_ref, git_oid *out)
{
	struct import im;
	struct ht_strbuf source = HT_STRBUF_INIT;
	char *old_prefix = NULL;
	size_t i;
	int ret = 0, changed = 1;

	memset(&im, 0, sizeof(im));
	for (i = 0; i < HT_KIND__COUNT; i++)
		im.lists[i].probe.has_more = -1;
	im.r = r;
	im.s = s;
	im.o = o;
	im.lctx.client = o->client;
	im.lctx.state = s;
	im.lctx.page_size = o->cfg->page_size;
	im.sources = json_object();
	im.destinations = json_object();
	im.author.name = o->cfg->author_name;
	im.author.email = o->cfg->author_email;
	im.committer = im.author;
	im.schema = 1;
	ht_strbuf_addf(&source, "%s %s", o->url->api_base, o->url->workspace);

	if (private_ref) {
		ret = odb_has_commit(r, private_ref);
		if (ret < 0) {
			ret = ht_error_set(HT_EINVALID, "the private ref of "
					   "remote '%s' names no commit",
					   o->remote);
			goto cleanup;
		}
		git_oid_cpy(&im.commit, private_ref);
		ret = odb_commit_tree(r, &im.tree, private_ref);
		if (ret < 0)
			goto cleanup;
		im.has_base = 1;
	} else {
		im.first = 1;
	}

	ret = state_load(s);
	if (ret < 0)
		goto cleanup;
	if (im.first) {
		im.full = 1;
	} else if (s->loaded && git_oid_equal(&s->commit, private_ref) &&
		   same_source(&im, source.buf) &&
		   strcmp(s->prefix, o->cfg->prefix)) {
		say(2, "remote.%s.hightouchPath changed: moving the files",
		    o->remote);
		old_prefix = ht_xstrdup(s->prefix);
		im.old_prefix = old_prefix;
		im.full = 1;
	} else if (o->cfg->full_resync) {
		say(2, "hightouch.fullResync is set: reading the whole "
		    "workspace");
		im.full = 1;
	} else if (!s->loaded || !git_oid_equal(&s->commit, private_ref) ||
		   !same_source(&im, source.buf)) {
		say(2, "the state of remote '%s' is %s: reading the whole "
		    "workspace again", o->remote,
		    !s->loaded ? "missing" : "out of date");
		im.full = 1;
	} else if (load_manifest(&im) < 0) {
		say(2, "the manifest of remote '%s' is missing: reading the "
		    "whole workspace again", o->remote);
		im.full = 1;
	}
	if (!im.full) {
		im.schema = s->schema != 0;
		ret = probe_all(&im, &changed);
		if (ret < 0)
			goto cleanup;
		if (!changed) {
			trace("import", "nothing changed");
			git_oid_cpy(out, private_ref);
			goto cleanup;
		}
		if (state_load_map(s) < 0) {
			say(2, "%s: reading the whole workspace again",
			    ht_error_message());
			ht_error_clear();
			im.full = 1;
		}
	}
	if (im.full) {
		/* start afresh: what the files say is the truth */
		for (i = 0; i < HT_KIND__COUNT; i++) {
			listing_release(&im.lists[i]);
			im.lists[i].probe.has_more = -1;
		}
		state_clear_map(s);
		memset(s->lists, 0, sizeof(s->lists));
		json_object_clear(im.sources);
		json_object_clear(im.destinations);
		if (!im.first)
			load_manifest(&im);
		im.schema = 1;
		s->schema = -1;
	}

	if (im.first) {
		ret = odb_pack_begin(r);
		if (ret < 0)
			goto cleanup;
		im.lctx.page_cb = first_page;
		im.lctx.page_payload = &im;
	}
	im.lctx.progress = progress_start("Listing resources", 0);
	ret = fetch_all(&im);
	if (!ret && !im.full)
		ret = fetch_dependents(&im);
	if (!ret && !im.full)
		ret = reread_referred(&im);
	progress_stop(&im.lctx.progress);
	if (!ret && im.first)
		ret = settle_all(&im);
	if (ret < 0)
		goto cleanup;
	crash_point("after reading the lists");

	/* the kinds of models first, then what refers to them */
	{
		static const enum ht_kind plan_order[] = {
			HT_KIND_PARENT_MODEL, HT_KIND_RELATED_MODEL,
			HT_KIND_EVENT_MODEL, HT_KIND_MODEL,
			HT_KIND_RELATIONSHIP, HT_KIND_SYNC,
			HT_KIND_SOURCE, HT_KIND_DESTINATION,
		};

		for (i = 0; i < sizeof(plan_order) / sizeof(plan_order[0]);
		     i++) {
			if (im.first || !list_wanted(&im, plan_order[i]))
				continue;
			plan_deletions(&im, plan_order[i]);
			ret = plan_list(&im, plan_order[i]);
			if (ret < 0)
				goto cleanup;
		}
	}
	for (i = 0; i < HT_KIND__COUNT; i++)
		if (s->lists[i].valid && s->lists[i].newest_ms > im.newest_ms)
			im.newest_ms = s->lists[i].newest_ms;
	if (im.full && !im.first && !im.old_prefix) {
		ret = plan_orphans(&im);
		if (ret < 0)
			goto cleanup;
		plan_manifest_orphans(&im);
	}
	if (im.nr > 1)
		qsort(im.changes, im.nr, sizeof(*im.changes), cmp_change);

	if (im.first || im.full || im.nr > PACK_THRESHOLD) {
		ret = odb_pack_begin(r);
		if (ret < 0)
			goto cleanup;
	}
	if (im.first || im.old_prefix) {
		ret = first_commit(&im);
	} else {
		struct progress *p = progress_start("Writing commits", im.nr);

		for (i = 0; i < im.nr && !ret; i++) {
			ret = apply_change(&im, &im.changes[i]);
			progress_update(p, i + 1);
		}
		progress_stop(&p);
	}
	if (ret < 0)
		goto cleanup;
	ret = odb_pack_finish(r);
	if (ret < 0)
		goto cleanup;

	/* the objects are written: now the state */
	for (i = 0; i < HT_KIND__COUNT; i++) {
		struct listing *l = &im.lists[i];

		if (l->next.valid)
			s->lists[i] = l->next;
		if (ht_kind_info((enum ht_kind)i)->extension && !im.schema)
			memset(&s->lists[i], 0, sizeof(s->lists[i]));
	}
	s->schema = im.schema;
	git_oid_cpy(&s->commit, &im.commit);
	free(s->source);
	s->source = ht_strbuf_detach(&source, NULL);
	free(s->prefix);
	s->prefix = ht_xstrdup(o->cfg->prefix);
	ret = state_save(s);
	if (ret < 0)
		goto cleanup;
	git_oid_cpy(out, &im.commit);
	summary(&im);
cleanup:
	release_import(&im);
	ht_strbuf_release(&source);
	free(old_prefix);
	return ret;
}
