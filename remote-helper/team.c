/*
 * The workspace's history on the team's history.
 *
 * Adoption.  A remote with no private ref in a repository that has a
 * history (a clone of the team's repository, then `git remote add
 * hightouch hightouch://ws`) builds on it: the first import starts from a
 * base commit, remote.<name>.hightouchBase when set (empty: none, a
 * history of its own), else the current branch's upstream, else HEAD; an
 * unborn HEAD has none, and the import is the root commit of a clone.
 * A base found (not configured) is taken only when its files under the
 * path are the workspace's: it has the workspace's manifest, or no
 * resource file there at all.  Otherwise they are another workspace's
 * (one path for several, as in a promotion from staging to production),
 * which the workspace's tip, whose files are the workspace's, would
 * delete.  first.c then writes the one commit of what differs from the
 * base's files, if anything.
 *
 * Recognition.  When a fetch made commits, a commit the repository has
 * may already hold what they arrive at: a teammate pushed it to the
 * workspace and to the team's repository, and it came with a fetch of
 * that.  The tip then moves to that commit rather than to a copy of it.
 * The candidates are cheap to find: the commits of the branches and
 * remote-tracking branches that contain the start (the tip before the
 * fetch, or the base of an adoption), newest first, at most
 * TEAM_WALK_MAX of them, then the start itself (a fetch whose changes
 * leave the data of its files as they were).  A candidate is taken when
 * it descends from the start and each file the helper owns (a resource
 * file under remote.<name>.hightouchPath, the manifest) holds the same
 * data as in the fetch's tip: the same blob, or the same fields and
 * values (ht_kind_same_data(), which render.c keeps files by), whatever
 * the comments, quoting and key order.  The aliases file is yours: only
 * whether there is one counts.  Other files are not compared.
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/error.h"

#include "import.h"

/* Commits a fetch looks at for one it can take (see the top). */
#define TEAM_WALK_MAX 100

/* scan_files()'s callback: there is one, stop. */
static int any_file(struct import *im, const char *path, enum ht_kind kind,
		    const char *slug, void *payload)
{
	(void)im;
	(void)path;
	(void)kind;
	(void)slug;
	*(int *)payload = 1;
	return 1;
}

/*
 * 1 if the files under the path of the base found (not configured) are
 * the workspace's: it has the workspace's manifest, or no resource file
 * under the path at all.
 */
static int base_is_ours(struct import *im)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	git_oid id;
	int has, any = 0;

	has = !root_path(im, &path, HT_KIND_MANIFEST) &&
	      !odb_path_id(im->r, &id, &im->tree, path.buf);
	ht_error_clear();
	ht_strbuf_release(&path);
	if (has)
		return 1;
	if (scan_files(im, im->o->cfg->prefix, any_file, &any) < 0)
		ht_error_clear();
	return !any;
}

int team_base(struct import *im)
{
	const char *base = im->o->cfg->base;
	git_oid id;
	int found = 0, ret;

	if (base && !*base)
		return 0; /* a history of its own */
	if (base) {
		ret = refs_commit(base, 0, &id, &found);
		if (!ret && !found)
			ret = ht_error_set(HT_ENOTFOUND, "remote.%s."
					   "hightouchBase '%s' names no "
					   "commit; set it to a branch or a "
					   "commit, or to \"\" for a history "
					   "of its own", im->o->name, base);
	} else {
		ret = refs_commit("@{upstream}", HT_RUN_QUIET, &id, &found);
		if (!ret && !found)
			ret = refs_commit("HEAD", HT_RUN_QUIET, &id, &found);
	}
	if (ret < 0 || !found)
		return ret;
	ret = odb_commit_tree(im->r, &im->tree, &id);
	if (ret < 0)
		return ret;
	git_oid_cpy(&im->commit, &id);
	im->has_base = 1;
	if (!base && !base_is_ours(im)) {
		say(2, "the local history has files under the path of "
		    "remote '%s' but no manifest of workspace '%s': a "
		    "history of its own (remote.%s.hightouchBase builds on "
		    "a commit)", im->o->name, im->o->url->workspace,
		    im->o->name);
		memset(&im->commit, 0, sizeof(im->commit));
		memset(&im->tree, 0, sizeof(im->tree));
		im->has_base = 0;
		return 0;
	}
	git_oid_cpy(&im->start, &id);
	im->adopt = 1;
	say(2, "building on %s", base ? base : "the local history");
	return 0;
}

/*
 * `*same`: `path` holds the same data in the trees `a` and `b`
 * (ht_kind_same_data(), as render.c keeps a file).
 */
static void same_data(struct import *im, const git_oid *a, const git_oid *b,
		      const char *path, int *same)
{
	struct ht_strbuf ta = HT_STRBUF_INIT, tb = HT_STRBUF_INIT;
	struct ht_ynode *da = NULL, *db = NULL;
	enum ht_kind kind;

	kind = ht_kind_for_path(path, im->o->cfg->prefix,
				im->o->url->workspace, NULL);
	*same = render_read_file(&im->render, &ta, &da, a, path) &&
		render_read_file(&im->render, &tb, &db, b, path) &&
		ht_kind_same_data(kind, da, db);
	ht_ynode_free(da);
	ht_ynode_free(db);
	ht_strbuf_release(&ta);
	ht_strbuf_release(&tb);
}

/* The tree at `path` in `root`, or NULL when it has no such folder. */
static int folder_tree(struct import *im, git_tree **out, const git_oid *root,
		       const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int ret;

	*out = NULL;
	ret = git_tree_lookup(&tree, im->r->repo, root);
	if (!ret)
		ret = git_tree_entry_bypath(&e, tree, path);
	if (ret == GIT_ENOTFOUND) {
		git_error_clear();
		ret = 0;
	} else if (!ret && git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		ret = git_tree_lookup(out, im->r->repo, git_tree_entry_id(e));
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	return ret < 0 ? ht_git_error(ret, "cannot read a tree") : 0;
}

/*
 * `*same`: the resource files of the folder `path` hold the same data in
 * the trees `a` and `b` (see the top of this file).
 */
static int same_folder(struct import *im, const git_oid *a, const git_oid *b,
		       const char *path, int *same)
{
	struct ht_strbuf full = HT_STRBUF_INIT;
	git_tree *ta = NULL, *tb = NULL;
	git_diff *diff = NULL;
	size_t i, n;
	int ret;

	*same = 1;
	ret = folder_tree(im, &ta, a, path);
	if (!ret)
		ret = folder_tree(im, &tb, b, path);
	if (ret < 0 || (!ta && !tb) ||
	    (ta && tb && git_oid_equal(git_tree_id(ta), git_tree_id(tb))))
		goto cleanup;
	ret = git_diff_tree_to_tree(&diff, im->r->repo, ta, tb, NULL);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot compare two trees");
		goto cleanup;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n && *same && !ret; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		ht_strbuf_reset(&full);
		ht_strbuf_addf(&full, "%s/%s", path, d->new_file.path);
		if (ht_kind_for_path(full.buf, im->o->cfg->prefix,
				     im->o->url->workspace, NULL) ==
		    HT_KIND__COUNT)
			continue; /* not one of the helper's files */
		if (d->status == GIT_DELTA_MODIFIED)
			same_data(im, a, b, full.buf, same);
		else
			*same = 0;
	}
cleanup:
	git_diff_free(diff);
	git_tree_free(ta);
	git_tree_free(tb);
	ht_strbuf_release(&full);
	return ret;
}

/*
 * A root file: the same blob, or the same data; or none in both.  The aliases file is yours: its presence only is compared.
 */
static int same_root_file(struct import *im, const git_oid *tree,
			  enum ht_kind kind, int *same)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	git_oid ia, ib;
	int ret, ra, rb;

	*same = 0;
	ret = root_path(im, &path, kind);
	if (ret < 0)
		goto cleanup;
	ra = odb_path_id(im->r, &ia, &im->tree, path.buf);
	rb = odb_path_id(im->r, &ib, tree, path.buf);
	ht_error_clear();
	if (ra == HT_ENOTFOUND || rb == HT_ENOTFOUND)
		*same = ra == rb;
	else if (ra < 0 || rb < 0)
		ret = ra < 0 ? ra : rb;
	else if (git_oid_equal(&ia, &ib) || kind == HT_KIND_ALIASES)
		*same = 1;
	else
		same_data(im, &im->tree, tree, path.buf, same);
cleanup:
	ht_strbuf_release(&path);
	return ret;
}

/*
 * `*same`: the files the helper owns hold the same data in `tree` as in
 * the fetch's tip (im->tree).
 */
static int same_files(struct import *im, const git_oid *tree, int *same)
{
	const char *prefix = im->o->cfg->prefix;
	struct ht_strbuf path = HT_STRBUF_INIT;
	int k, ret;

	ret = same_root_file(im, tree, HT_KIND_MANIFEST, same);
	if (!ret && *same)
		ret = same_root_file(im, tree, HT_KIND_ALIASES, same);
	for (k = 0; !ret && *same && k < HT_KIND__COUNT; k++) {
		const struct ht_kind_info *info =
			ht_kind_info((enum ht_kind)k);

		if (!info->folder || (info->extension && !im->schema))
			continue;
		ht_strbuf_reset(&path);
		if (*prefix)
			ht_strbuf_addf(&path, "%s/", prefix);
		ht_strbuf_addstr(&path, info->folder);
		ret = same_folder(im, &im->tree, tree, path.buf, same);
	}
	ht_strbuf_release(&path);
	return ret;
}

/*
 * `*taken`: `id` holds the fetch's files and descends from (or is) the
 * start: the tip moves there.
 */
static int try_candidate(struct import *im, const git_oid *id, int *taken)
{
	git_oid tree;
	int ret, same = 0;

	*taken = 0;
	ret = odb_commit_tree(im->r, &tree, id);
	if (!ret)
		ret = same_files(im, &tree, &same);
	if (ret < 0 || !same)
		return ret;
	if (!git_oid_equal(id, &im->start)) {
		ret = git_graph_descendant_of(im->r->repo, id, &im->start);
		if (ret < 0)
			return ht_git_error(ret, "cannot walk the history");
		if (!ret)
			return 0;
	}
	trace("import", "the workspace has the files of a commit the "
	      "repository has: the tip moves to it");
	git_oid_cpy(&im->commit, id);
	git_oid_cpy(&im->tree, &tree);
	im->recognised = 1;
	*taken = 1;
	return 0;
}

/* What walk_candidates() walks with. */
struct candidates {
	struct import *im;
	size_t seen;
	int taken;
};

/* odb_walk()'s callback: 1 (stop) when `c` is taken, or enough seen. */
static int walk_candidate(git_commit *c, void *payload)
{
	struct candidates *w = payload;
	int ret;

	if (w->seen++ >= TEAM_WALK_MAX)
		return 1;
	ret = try_candidate(w->im, git_commit_id(c), &w->taken);
	return ret < 0 ? ret : w->taken;
}

/* The newest commits of the refs that contain the start, one by one. */
static int walk_candidates(struct import *im, int *taken)
{
	struct candidates w = { im, 0, 0 };
	git_oid *tips = NULL;
	size_t nr = 0;
	int ret;

	ret = refs_containing(&tips, &nr, &im->start);
	if (!ret && nr)
		ret = odb_walk(im->r, tips, nr, &im->start, GIT_SORT_TIME,
			       walk_candidate, &w);
	*taken = w.taken;
	free(tips);
	return ret;
}

int team_recognise(struct import *im)
{
	int ret, taken = 0;

	if (!im->commits || git_oid_is_zero(&im->start))
		return 0;
	ret = walk_candidates(im, &taken);
	if (!ret && !taken)
		ret = try_candidate(im, &im->start, &taken);
	if (!ret && taken)
		im->commits = 0;
	return ret;
}
