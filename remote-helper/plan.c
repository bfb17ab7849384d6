/*
 * An import's API items into changes.
 *
 * Each item of a listing is compared with what the state knew of it: a
 * new one, or one with a new updatedAt, slug or kind, is a change.  Items
 * a whole listing no longer has are deletions, and in a full resync the
 * files that no resource claims any more are too (their paths tell).
 * Changes are sorted oldest first; among changes of one instant, by rank
 * of their kind (kinds.h), then by id; deletions come last, in the
 * reverse order of rank (see cmp_change()).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"

#include "import.h"

struct change *add_change(struct import *im, enum ht_ids t, int64_t id,
			  enum ht_kind kind, int64_t ms, json_t *json,
			  const char *slug)
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

void drop_last_change(struct import *im)
{
	struct change *c = &im->changes[--im->nr];

	json_decref(c->json);
	free(c->slug);
	free(c->old_slug);
}

int is_schema_model(const json_t *json)
{
	return json_is_true(json_object_get(json, "isSchema"));
}

int is_schema_kind(enum ht_kind kind)
{
	return ht_kind_is_model(kind) && ht_kind_info(kind)->extension;
}

size_t item_refs(enum ht_kind list, const json_t *json, enum ht_ids ids,
		 int64_t *out, size_t max)
{
	const struct ht_kind_info *info = ht_kind_info(list);
	size_t i, n = 0;

	for (i = 0; i < info->nfields && n < max; i++) {
		const struct ht_field *f = &info->fields[i];

		if (f->type != HT_FTYPE_REF || ht_kind_ids(f->ref) != ids)
			continue;
		if (!ht_json_get_id(&out[n], json, f->json))
			n++;
		else
			ht_error_clear();
	}
	return n;
}

static int item_slug(const char **out, enum ht_kind list,
		     const struct item *it)
{
	const char *slug = ht_json_get_string(it->json, "slug");

	if (!slug || !ht_slug_valid(slug, strlen(slug)))
		return ht_error_set(HT_EHTTP,
				    "%s %" PRId64 " has %s slug: it cannot "
				    "be a file name",
				    ht_kind_name(list), it->id,
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

int plan_item(struct import *im, enum ht_kind list,
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
		trace("import", "%s %s skipped (%s)", ht_kind_name(list), slug,
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
	c->known = old_slug && !im->full;
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

void count_files(struct import *im)
{
	size_t i;

	memset(im->files, 0, sizeof(im->files));
	memset(im->skipped, 0, sizeof(im->skipped));
	for (i = 0; i < im->s->nr; i++) {
		const struct resource *r = &im->s->res[i];

		if (!r->slug)
			continue;
		if (r->skipped)
			continue; /* no file: counted as it was skipped */
		if (r->kind != HT_KIND__COUNT)
			im->files[r->kind]++;
		else
			im->skipped[r->table == HT_IDS_SYNC]++;
	}
	for (i = 0; i < HT_KIND__COUNT; i++) /* no file */
		im->files[i] -= im->too_big[i] < im->files[i] ?
					im->too_big[i] : im->files[i];
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

int scan_files(struct import *im, const char *prefix,
	       int (*fn)(struct import *im, const char *path,
			 enum ht_kind kind, const char *slug, void *payload),
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

/* What scan_orphans() passes its callback. */
struct orphans {
	json_t *claimed; /* path -> true: the files of resources */
	int (*fn)(struct import *im, const char *path, enum ht_kind kind,
		  const char *slug, void *payload);
	void *payload;
};

static int if_orphan(struct import *im, const char *path, enum ht_kind kind,
		     const char *slug, void *payload)
{
	struct orphans *o = payload;

	if (json_object_get(o->claimed, path) ||
	    (ht_kind_info(kind)->extension && !im->schema))
		return 0;
	return o->fn(im, path, kind, slug, o->payload);
}

int scan_orphans(struct import *im,
		 int (*fn)(struct import *im, const char *path,
			   enum ht_kind kind, const char *slug, void *payload),
		 void *payload)
{
	struct orphans o = { json_object(), fn, payload };
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
		json_object_set_new(o.claimed, path.buf, json_true());
	}
	ret = scan_files(im, im->o->cfg->prefix, if_orphan, &o);
cleanup:
	json_decref(o.claimed);
	ht_strbuf_release(&path);
	return ret;
}

static int orphan(struct import *im, const char *path, enum ht_kind kind,
		  const char *slug, void *payload)
{
	struct change *c;

	(void)path;
	(void)payload;
	c = add_change(im, ht_kind_ids(kind), 0, HT_KIND__COUNT, 0, NULL,
		       slug);
	c->old_kind = kind;
	c->old_slug = ht_xstrdup(slug);
	return 0;
}

/* In a full resync, sources and destinations the manifest has no more. */
static void plan_manifest_orphans(struct import *im)
{
	enum ht_ids t;
	size_t j;

	for (t = 0; t < HT_IDS__COUNT; t++) {
		json_t *map = manifest_map(im, t);
		void *it;

		for (it = json_object_iter(map); it;
		     it = json_object_iter_next(map, it)) {
			const char *key = json_object_iter_key(it);
			struct change *c;
			int found = 0;

			for (j = 0; j < im->s->nr && !found; j++) {
				struct resource *r = &im->s->res[j];

				found = r->slug && r->table == t &&
					!strcmp(r->slug, key);
			}
			if (found)
				continue;
			c = add_change(im, t, 0, HT_KIND__COUNT, 0, NULL, key);
			c->old_slug = ht_xstrdup(key);
		}
	}
}

/*
 * The rank of a change's kind (kinds.h): its file's, else its id space's
 * listing kind's.
 */
static int change_rank(const struct change *c)
{
	enum ht_kind kind = c->kind != HT_KIND__COUNT ? c->kind : c->old_kind;

	if (kind == HT_KIND__COUNT)
		kind = ht_ids_kind(c->table);
	return ht_kind_info(kind)->rank;
}

/*
 * Oldest first; changes of one instant by rank, what is referred to
 * first.  Deletions come last, in the reverse order of rank, what refers
 * first (a sync before its model, a relationship before its models), so
 * that no commit leaves a file naming a resource whose file is gone; then
 * by slug.
 */
static int cmp_change(const void *va, const void *vb)
{
	const struct change *a = va, *b = vb;
	int ra = change_rank(a), rb = change_rank(b);

	if (!a->json != !b->json)
		return a->json ? -1 : 1;
	if (a->json && a->updated_ms != b->updated_ms)
		return a->updated_ms < b->updated_ms ? -1 : 1;
	if (ra != rb)
		return (ra < rb) == !!a->json ? -1 : 1;
	if (!a->json)
		return strcmp(a->slug, b->slug);
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

/*
 * In rank order: the kinds of models first, then what refers to them
 * (plan_item() looks up the kind a model's schema list gave it, a sync
 * its model's).  The first import planned its items as they came.
 */
int plan_all(struct import *im)
{
	enum ht_kind order[HT_KIND__COUNT];
	size_t i, n = listing_order(order, 0);
	int ret;

	for (i = 0; i < n && !im->first; i++) {
		if (!list_wanted(im, order[i]))
			continue;
		plan_deletions(im, order[i]);
		ret = plan_list(im, order[i]);
		if (ret < 0)
			return ret;
	}
	if (state_newest_ms(im->s) > im->newest_ms)
		im->newest_ms = state_newest_ms(im->s);
	if (im->full && !im->first) {
		/* in a full resync, gone resources are found by their files */
		ret = scan_orphans(im, orphan, NULL);
		if (ret < 0)
			return ret;
		plan_manifest_orphans(im);
	}
	if (im->nr > 1)
		qsort(im->changes, im->nr, sizeof(*im->changes), cmp_change);
	return 0;
}
