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
 * base's files, if anything.  That commit goes on the ancestor of the
 * base (first parents, at most TEAM_WALK_MAX deep) whose files the fetch
 * owns are nearest to the workspace's: the fewest differ, the newest of
 * those.  The base may hold the team's changes that no one has pushed to
 * the workspace yet; on the base, the commit would undo them, and a
 * merge of it would too.  On the commit before them, a merge keeps both
 * sides.  When the base is nearest (as when its files are the
 * workspace's), the commit goes on the base.
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
#include <stdint.h>
#include <string.h>

#include "hightouch/alloc.h"
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

/* compare_owned()'s callback: a file differs, stop. */
static int differs(struct import *im, const char *path, void *payload)
{
	(void)im;
	(void)path;
	*(int *)payload = 1;
	return 1;
}

/*
 * `*same`: the files the fetch owns hold the same data in `tree` as in
 * the fetch's tip (im->tree).
 */
static int same_files(struct import *im, const git_oid *tree, int *same)
{
	int diff = 0, ret = compare_owned(im, tree, &im->tree, differs, &diff);

	*same = !diff;
	return ret;
}

/* What nearest() counts with. */
struct count {
	size_t n, enough;
};

/* compare_owned()'s callback: one more file differs. */
static int count_file(struct import *im, const char *path, void *payload)
{
	struct count *c = payload;

	(void)im;
	(void)path;
	return ++c->n >= c->enough;
}

/*
 * The ancestor of the base, on its first parents and at most
 * TEAM_WALK_MAX deep, whose files are nearest to the adoption's tip (the
 * fewest files differ; the newest of those): into `*out` and `*tree`.
 */
static int nearest(struct import *im, git_oid *out, git_oid *tree)
{
	struct count c = { 0, SIZE_MAX };
	struct commit_info info = { 0, 0, { { 0 } } };
	git_oid id, t;
	size_t i;
	int ret = 0;

	git_oid_cpy(&id, &im->start);
	for (i = 0; !ret && i < TEAM_WALK_MAX && c.enough && !info.root;
	     i++) {
		ret = odb_commit_tree(im->r, &t, &id);
		c.n = 0;
		if (!ret)
			ret = compare_owned(im, &t, &im->tree, count_file, &c);
		if (!ret && c.n < c.enough) {
			c.enough = c.n;
			git_oid_cpy(out, &id);
			git_oid_cpy(tree, &t);
		}
		if (!ret)
			ret = odb_commit_info(im->r, &info, &id);
		git_oid_cpy(&id, &info.parent);
	}
	return ret;
}

/* compare_owned()'s callback: the tip's version of the file. */
static int take_file(struct import *im, const char *path, void *payload)
{
	struct first_import *fi = payload;
	git_oid id;

	if (odb_path_id(im->r, &id, &im->tree, path) < 0) {
		ht_error_clear();
		add_tree_change(&fi->tc, &fi->tc_nr, &fi->tc_alloc, path,
				NULL);
	} else {
		add_tree_change(&fi->tc, &fi->tc_nr, &fi->tc_alloc, path,
				&id);
	}
	return 0;
}

/*
 * The adoption's commit goes on the nearest ancestor of the base (see
 * the top of this file), with the same message: the files the fetch owns
 * as its tip has them, the rest as the ancestor has them.
 */
static int adopt_nearest(struct import *im)
{
	struct first_import fi;
	git_oid near, tree;
	struct commit_info info;
	git_commit *tip = NULL;
	char *msg = NULL;
	int ret;

	memset(&fi, 0, sizeof(fi));
	ret = nearest(im, &near, &tree);
	if (ret < 0 || git_oid_equal(&near, &im->start))
		return ret;
	ret = compare_owned(im, &tree, &im->tree, take_file, &fi);
	if (!ret && git_commit_lookup(&tip, im->r->repo, &im->commit) < 0)
		ret = ht_git_error(-1, "cannot read a commit");
	if (!ret) {
		msg = ht_xstrdup(git_commit_message(tip));
		ret = odb_commit_info(im->r, &info, &near);
	}
	if (ret < 0)
		goto cleanup;
	trace("import", "the adoption goes on an ancestor of the base, "
	      "nearer to the workspace");
	git_oid_cpy(&im->start, &near);
	git_oid_cpy(&im->commit, &near);
	git_oid_cpy(&im->tree, &tree);
	im->commits = 0;
	ret = commit_changes(im, fi.tc, fi.tc_nr, &im->author,
			     im->newest_ms > info.time_ms ? im->newest_ms :
							   info.time_ms,
			     msg);
cleanup:
	release_tree_changes(fi.tc, fi.tc_nr);
	git_commit_free(tip);
	free(msg);
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
	ret = im->adopt ? adopt_nearest(im) : 0;
	if (!ret && im->commits)
		ret = walk_candidates(im, &taken);
	if (!ret && !taken)
		ret = try_candidate(im, &im->start, &taken);
	if (!ret && taken)
		im->commits = 0;
	return ret;
}
