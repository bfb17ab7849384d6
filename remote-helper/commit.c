/*
 * An import's changes into trees and commits.
 *
 * Each change replaces the resource's own file (or the manifest) in the
 * previous commit's tree, so files the helper does not own are carried
 * over untouched, and a change that leaves the files as they were makes
 * no commit.  A renamed resource also re-renders, into the same commit,
 * the files that refer to it by slug.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/protocol.h"
#include "hightouch/repository.h"

#include "import.h"

/* More planned commits than this write one pack instead of loose objects. */
#define PACK_THRESHOLD 30

void release_tree_changes(struct tree_change *tc, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(tc[i].path);
	free(tc);
}

void add_tree_change(struct tree_change **tc, size_t *nr, size_t *alloc,
		     const char *path, const git_oid *id)
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

int commit_changes(struct import *im, struct tree_change *tc, size_t nr,
		   const struct ident *author, int64_t when_ms,
		   const char *message)
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

void skip_dangling(struct import *im, struct resource *r,
		   enum ht_ids miss_table, int64_t miss_id)
{
	struct ht_strbuf why = HT_STRBUF_INIT;

	state_skip(r, miss_table, miss_id);
	state_skip_reason(&why, im->s, r);
	say(0, "warning: skipped %s '%s' (id %" PRId64 "): %s",
	    r->kind != HT_KIND__COUNT ? ht_kind_name(r->kind) :
					ht_ids_name(r->table),
	    r->slug, r->id, why.buf);
	im->dangling++;
	ht_strbuf_release(&why);
}

/*
 * A change whose file would name a resource the workspace lacks (after
 * the lists that lacked it were read again, lists.c): skipped.  The state
 * keeps the file it had, if any (the old kind and slug), so that the file
 * stays as it was, and no later fetch takes it for an orphan.
 */
static void skip_change(struct import *im, const struct change *c)
{
	struct resource *r = state_find(im->s, c->table, c->id);
	char *slug;

	if (!r)
		r = state_set(im->s, c->table, c->id, c->kind, c->updated_ms,
			      c->slug);
	if (c->old_slug && (r->kind != c->old_kind ||
			    strcmp(r->slug, c->old_slug))) {
		slug = ht_xstrdup(c->old_slug);
		r = state_set(im->s, c->table, c->id, c->old_kind,
			      r->updated_ms, slug);
		free(slug);
	}
	skip_dangling(im, r, ht_kind_ids(im->miss.kind), im->miss.id);
	im->dangling_kinds[c->kind]++;
}

/*
 * The file of a changed resource; `old_path` names the file it had.  A
 * resource whose file would name one the workspace does not have (the
 * resolver records which) is skipped with a warning (1), and so is one
 * too large for a file: one resource does not stop a fetch, and its old
 * file, if any, stays as it was.  In the first import, the former is
 * HT_ENOTFOUND: its file waits for what it names (first.c).
 */
static int render_change(struct import *im, const struct change *c,
			 const char *old_path)
{
	int ret;

	im->miss.missed = 0;
	ret = render_resource(&im->render, &im->buf, c->kind, c->json,
			      im->has_base ? &im->tree : NULL, old_path);
	if (ret == HT_ETOOBIG) {
		say(0, "warning: %s: skipped (it stays in Hightouch; "
		    "git-remote-hightouch cannot write it)",
		    ht_error_message());
		ht_error_clear();
		im->too_big[c->kind]++;
		im->too_big_nr++;
		return 1;
	}
	if (ret == HT_ENOTFOUND && im->miss.missed && !im->first) {
		ht_error_clear();
		skip_change(im, c);
		return 1;
	}
	return ret;
}

/* A change to a source or destination: the manifest's. */
static int change_manifest(struct import *im, struct change *c,
			   struct tree_change **tc, size_t *nr,
			   size_t *alloc, int *existed)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	json_t *map = manifest_map(im, c->table);
	git_oid id;
	int ret;

	*existed = json_object_get(map, c->slug) ||
		   (c->old_slug && json_object_get(map, c->old_slug));
	if (c->old_slug && strcmp(c->old_slug, c->slug))
		json_object_del(map, c->old_slug);
	if (c->json)
		json_object_set_new(map, c->slug, manifest_entry(c->json));
	else
		json_object_del(map, c->slug);
	ret = root_path(im, &path, HT_KIND_MANIFEST);
	if (!ret)
		ret = render_manifest(&im->render, &im->buf, im->sources,
				      im->destinations,
				      im->has_base ? &im->tree : NULL,
				      path.buf);
	if (!ret)
		ret = odb_write_blob(im->r, &id, im->buf.buf, im->buf.len);
	if (!ret)
		add_tree_change(tc, nr, alloc, path.buf, &id);
	ht_strbuf_release(&path);
	return ret;
}

/*
 * 1 if another resource, as the fetch leaves them, has the file of kind
 * `kind` and slug `slug`: one made again with the slug of one deleted,
 * whose file is its own now, whichever change comes first.
 */
static int file_owned(struct import *im, const struct change *c,
		      enum ht_kind kind, const char *slug)
{
	size_t i;

	if (kind == HT_KIND__COUNT || !slug)
		return 0;
	for (i = 0; i < im->s->nr; i++) {
		const struct resource *r = &im->s->res[i];

		if (r->kind == kind && r->slug && !strcmp(r->slug, slug) &&
		    (r->table != c->table || r->id != c->id))
			return 1;
	}
	return 0;
}

/* 1 when a change of id space `t` was skipped (dangling, too large). */
static int skipped_in(const struct import *im, enum ht_ids t)
{
	size_t k;

	for (k = 0; k < HT_KIND__COUNT; k++)
		if (ht_kind_ids((enum ht_kind)k) == t &&
		    (im->dangling_kinds[k] || im->too_big[k]))
			return 1;
	return 0;
}

/*
 * A full resync deletes the files no resource claims (plan.c), by their
 * paths (`c->id` 0).  A resource skipped in this import (it names what
 * the workspace lacks, or is too large), and renamed in the workspace
 * since the last fetch, has no file the resync knows of: the file of its
 * old name looks unclaimed.  Nothing tells which file is whose, so no
 * file of an id space with a skipped change is deleted (1), with a
 * warning; a later full resync, once nothing is skipped, deletes it.
 */
static int kept_for_skipped(struct import *im, const struct change *c,
			    const char *path)
{
	struct ht_strbuf q = HT_STRBUF_INIT;

	if (!im->full || c->id || c->old_kind == HT_KIND__COUNT ||
	    !skipped_in(im, ht_kind_ids(c->old_kind)))
		return 0;
	say(0, "warning: kept '%s': no %s of the workspace has it, but it "
	    "may be that of a skipped one, renamed", ht_quote_path(&q, path),
	    ht_kind_name(c->old_kind));
	ht_strbuf_release(&q);
	return 1;
}

int change_files(struct import *im, struct change *c, struct tree_change **tc,
		 size_t *nr, size_t *alloc, int *existed)
{
	struct ht_strbuf path = HT_STRBUF_INIT, old = HT_STRBUF_INIT;
	git_oid id;
	int ret = 0;

	*existed = 0;
	if (manifest_map(im, c->table))
		return change_manifest(im, c, tc, nr, alloc, existed);
	if (c->old_kind != HT_KIND__COUNT && c->old_slug) {
		ret = file_path(im, &old, c->old_kind, c->old_slug);
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

		if (*gone && path_exists(im, gone) &&
		    !file_owned(im, c, c->old_kind, c->old_slug) &&
		    !kept_for_skipped(im, c, gone)) {
			*existed = 1;
			add_tree_change(tc, nr, alloc, gone, NULL);
		}
		goto cleanup;
	}
	*existed = path_exists(im, old.len ? old.buf : path.buf) ||
		   (old.len && path_exists(im, path.buf));
	ret = render_change(im, c, old.len ? old.buf : path.buf);
	if (ret) {
		ret = ret > 0 ? 0 : ret; /* skipped: no change to the files */
		goto cleanup;
	}
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

/* 1 if files of some kind refer to resources of id space `t`. */
static int is_referred(enum ht_ids t)
{
	int k;

	for (k = 0; k < HT_KIND__COUNT; k++)
		if (ht_kind_refers_to((enum ht_kind)k, t))
			return 1;
	return 0;
}

/* 1 if the change of `r` is still to come. */
static int change_to_come(struct import *im, const struct resource *r)
{
	size_t k;

	for (k = 0; k < im->nr; k++)
		if (im->changes[k].table == r->table &&
		    im->changes[k].id == r->id && !im->changes[k].done)
			return 1;
	return 0;
}

/* If `it` (of list `l`) refers to `c`, re-render its file. */
static int rerender_dependent(struct import *im, const struct change *c,
			      const struct listing *l, const struct item *it,
			      struct tree_change **tc, size_t *nr,
			      size_t *alloc)
{
	int64_t ids[HT_KIND__COUNT];
	size_t n = item_refs(l->list, it->json, c->table, ids,
			     HT_KIND__COUNT), i;
	struct resource *r;
	struct change dep;
	int existed;

	for (i = 0; i < n && ids[i] != c->id; i++)
		;
	if (i == n)
		return 0;
	r = state_find(im->s, ht_kind_ids(l->list), it->id);
	if (!r || r->kind == HT_KIND__COUNT ||
	    (l->list == ht_ids_kind(r->table) && r->kind != l->list))
		return 0; /* no file, or listed in its schema list too */
	if (change_to_come(im, r))
		return 0;
	memset(&dep, 0, sizeof(dep));
	dep.table = r->table;
	dep.id = r->id;
	dep.kind = r->kind;
	dep.json = it->json;
	dep.slug = r->slug;
	dep.old_kind = r->kind;
	dep.old_slug = r->slug;
	return change_files(im, &dep, tc, nr, alloc, &existed);
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
	    !is_referred(c->table))
		return 0;
	for (i = 0; i < im->nlists; i++) {
		const struct listing *l = &im->lists[im->order[i]];

		for (j = 0; j < l->nr; j++) {
			ret = rerender_dependent(im, c, l, &l->items[j], tc,
						 nr, alloc);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

/*
 * The verb of a change's commit.  "Update" when the previous commit has
 * the resource's file (at its old path, for a renamed one), "Delete" for a
 * resource gone from the workspace.  Otherwise the file is new to the
 * previous commit, and it is "Restore" when it comes back after it was
 * deleted in git (a push deletes nothing: the resource stayed in
 * Hightouch), "Create" for a new resource.  Which of the two is told by
 * find_restores().
 */
static const char *change_verb(const struct change *c, int existed)
{
	if (!c->json)
		return "Delete";
	if (existed)
		return "Update";
	return c->restore ? "Restore" : "Create";
}

/* A path find_restores() looks for, and whose change it is. */
struct restore_path {
	char *path;
	size_t change;
};

struct restore_paths {
	struct restore_path *items;
	size_t nr, alloc;
};

/* 1 if the previous commit has `path`, else 0 and `path` is added. */
static int add_restore_path(struct import *im, struct restore_paths *rp,
			    size_t change, const char *path)
{
	if (path_exists(im, path))
		return 1;
	HT_ALLOC_GROW(rp->items, rp->nr + 1, rp->alloc);
	rp->items[rp->nr].path = ht_xstrdup(path);
	rp->items[rp->nr++].change = change;
	return 0;
}

static void drop_restore_paths(struct restore_paths *rp, size_t nr)
{
	while (rp->nr > nr)
		free(rp->items[--rp->nr].path);
}

/*
 * The changes whose file the previous commit lacks (at its path, and at
 * its old path for a renamed resource): those paths into `rp`.  In an
 * incremental fetch, only resources the state knew: one it did not know
 * is new, whatever file its slug once named.
 */
static int restore_candidates(struct import *im, struct restore_paths *rp)
{
	struct ht_strbuf path = HT_STRBUF_INIT, old = HT_STRBUF_INIT;
	size_t i, nr;
	int ret = 0;

	for (i = 0; i < im->nr; i++) {
		struct change *c = &im->changes[i];

		if (!c->json || c->kind == HT_KIND__COUNT ||
		    manifest_map(im, c->table) || (!im->full && !c->known))
			continue;
		nr = rp->nr;
		ret = file_path(im, &path, c->kind, c->slug);
		if (ret < 0)
			break;
		if (add_restore_path(im, rp, i, path.buf) ||
		    c->old_kind == HT_KIND__COUNT || !c->old_slug)
			continue;
		ret = file_path(im, &old, c->old_kind, c->old_slug);
		if (ret < 0)
			break;
		if (strcmp(old.buf, path.buf) &&
		    add_restore_path(im, rp, i, old.buf))
			drop_restore_paths(rp, nr); /* it has its old file */
	}
	ht_strbuf_release(&path);
	ht_strbuf_release(&old);
	return ret;
}

/*
 * Mark the changes that restore a file (see change_verb()), from the
 * history of the private ref: an earlier commit had the file that the
 * previous one lacks, and the newest commit that removed it was not a
 * fetch's (a fetch removes a resource's file only when the resource was
 * deleted or renamed in Hightouch, after which its slug may name a new
 * resource).  In an incremental fetch the state tells the resources
 * apart: one it knew is restored whichever commit removed its file, one
 * it did not know is new.  A full resync has no state to go by.  This
 * decides the wording only: when the history cannot be read, it is
 * "Create".
 */
static void find_restores(struct import *im)
{
	struct restore_paths rp = { NULL, 0, 0 };
	struct removal *found = NULL;
	const char **paths = NULL;
	size_t i;
	int ret;

	if (!im->has_base)
		return;
	ret = restore_candidates(im, &rp);
	if (!ret && rp.nr) {
		paths = ht_xcalloc(rp.nr, sizeof(*paths));
		for (i = 0; i < rp.nr; i++)
			paths[i] = rp.items[i].path;
		found = ht_xcalloc(rp.nr, sizeof(*found));
		ret = odb_find_removals(im->r, &im->commit, paths, rp.nr,
					found);
	}
	for (i = 0; !ret && i < rp.nr; i++) {
		struct change *c = &im->changes[rp.items[i].change];

		if (found[i].found && (c->known || !found[i].outbound))
			c->restore = 1;
	}
	if (ret < 0) {
		trace("import", "cannot tell restored files from new ones: %s",
		      ht_error_message());
		ht_error_clear();
	}
	drop_restore_paths(&rp, 0);
	free(rp.items);
	free(paths);
	free(found);
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
		if (!manifest_map(im, c->table))
			return 0; /* never had a file */
		kind = ht_ids_kind(c->table);
	}
	ret = change_files(im, c, &tc, &nr, &alloc, &existed);
	if (ret < 0)
		goto cleanup;
	ret = renamed_dependents(im, c, &tc, &nr, &alloc);
	if (ret < 0)
		goto cleanup;
	if (!nr)
		goto cleanup;
	ht_strbuf_addf(&msg, "%s %s %s " HT_OUTBOUND_TAG "\n",
		       change_verb(c, existed), ht_kind_name(kind), c->slug);
	change_author(im, c, &author);
	ret = commit_changes(im, tc, nr, &author,
			     c->json ? c->updated_ms : im->newest_ms, msg.buf);
cleanup:
	release_tree_changes(tc, nr);
	ht_strbuf_release(&msg);
	return ret;
}

int commit_all(struct import *im)
{
	struct progress *p;
	size_t i;
	int ret = 0;

	if (im->nr > PACK_THRESHOLD) {
		ret = odb_pack_begin(im->r);
		if (ret < 0)
			return ret;
	}
	find_restores(im);
	p = progress_start("Writing commits", im->nr);
	for (i = 0; i < im->nr && !ret; i++) {
		ret = apply_change(im, &im->changes[i]);
		progress_update(p, i + 1);
	}
	progress_stop(&p);
	return ret;
}
