/*
 * The files a fetch owns in two trees, compared by their data (team.c
 * asks which commit holds what a fetch arrived at, and which ancestor of
 * a base is nearest to it).
 *
 * The files: the resource files of each kind's folder under
 * remote.<name>.hightouchPath (those of the schema's kinds only when the
 * server has the schema extension), the manifest, and the aliases file,
 * which is yours: only whether there is one counts.  Two versions of a
 * file differ when their data does (ht_kind_same_data(), by which
 * render.c keeps a file): comments, quoting and key order are no
 * difference.  Folders whose trees are equal are not opened, so the cost
 * is in what differs.
 */
#include "hightouch/error.h"

#include "import.h"

/*
 * `path`, a file of `kind`, in the trees `a` and `b`: 1 when its data
 * differs.
 */
static int data_differs(struct import *im, const git_oid *a,
			const git_oid *b, const char *path, enum ht_kind kind)
{
	struct ht_strbuf ta = HT_STRBUF_INIT, tb = HT_STRBUF_INIT;
	struct ht_ynode *da = NULL, *db = NULL;
	int same;

	same = render_read_file(&im->render, &ta, &da, a, path) &&
	       render_read_file(&im->render, &tb, &db, b, path) &&
	       ht_kind_same_data(kind, da, db);
	ht_ynode_free(da);
	ht_ynode_free(db);
	ht_strbuf_release(&ta);
	ht_strbuf_release(&tb);
	return !same;
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

/* compare_owned() for the resource files of the folder `path`. */
static int compare_folder(struct import *im, const git_oid *a,
			  const git_oid *b, const char *path, compare_fn fn,
			  void *payload)
{
	struct ht_strbuf full = HT_STRBUF_INIT;
	git_tree *ta = NULL, *tb = NULL;
	git_diff *diff = NULL;
	enum ht_kind kind;
	size_t i, n;
	int ret;

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
	for (i = 0; i < n && !ret; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);

		ht_strbuf_reset(&full);
		ht_strbuf_addf(&full, "%s/%s", path, d->new_file.path);
		kind = ht_kind_for_path(full.buf, im->o->cfg->prefix,
					im->o->url->workspace, NULL);
		if (kind == HT_KIND__COUNT ||
		    (d->status == GIT_DELTA_MODIFIED &&
		     !data_differs(im, a, b, full.buf, kind)))
			continue;
		ret = fn(im, full.buf, payload);
	}
cleanup:
	git_diff_free(diff);
	git_tree_free(ta);
	git_tree_free(tb);
	ht_strbuf_release(&full);
	return ret;
}

/* compare_owned() for a root file (the manifest, the aliases file). */
static int compare_root_file(struct import *im, const git_oid *a,
			     const git_oid *b, enum ht_kind kind,
			     compare_fn fn, void *payload)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	git_oid ia, ib;
	int ret, ra, rb, differs;

	ret = root_path(im, &path, kind);
	if (ret < 0)
		goto cleanup;
	ra = odb_path_id(im->r, &ia, a, path.buf);
	rb = odb_path_id(im->r, &ib, b, path.buf);
	ht_error_clear();
	if (ra == HT_ENOTFOUND || rb == HT_ENOTFOUND)
		differs = ra != rb;
	else if (ra < 0 || rb < 0)
		differs = 1; /* a folder, say: not what a fetch writes */
	else
		differs = !git_oid_equal(&ia, &ib) &&
			  kind != HT_KIND_ALIASES &&
			  data_differs(im, a, b, path.buf, kind);
	if (differs)
		ret = fn(im, path.buf, payload);
cleanup:
	ht_strbuf_release(&path);
	return ret;
}

int compare_owned(struct import *im, const git_oid *a, const git_oid *b,
		  compare_fn fn, void *payload)
{
	const char *prefix = im->o->cfg->prefix;
	struct ht_strbuf path = HT_STRBUF_INIT;
	int k, ret;

	ret = compare_root_file(im, a, b, HT_KIND_MANIFEST, fn, payload);
	if (!ret)
		ret = compare_root_file(im, a, b, HT_KIND_ALIASES, fn,
					payload);
	for (k = 0; !ret && k < HT_KIND__COUNT; k++) {
		const struct ht_kind_info *info =
			ht_kind_info((enum ht_kind)k);

		if (!info->folder || (info->extension && !im->schema))
			continue;
		ht_strbuf_reset(&path);
		if (*prefix)
			ht_strbuf_addf(&path, "%s/", prefix);
		ht_strbuf_addstr(&path, info->folder);
		ret = compare_folder(im, a, b, path.buf, fn, payload);
	}
	ht_strbuf_release(&path);
	return ret < 0 ? ret : 0;
}
