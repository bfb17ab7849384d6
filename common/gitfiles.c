/*
 * Check trees from git objects and the index (see gitfiles.h).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/batchread.h"
#include "hightouch/error.h"
#include "hightouch/gitfiles.h"
#include "hightouch/kinds.h"
#include "hightouch/pack.h"
#include "hightouch/protocol.h"
#include "hightouch/repository.h"
#include "hightouch/strbuf.h"

/*
 * The type of an entry of mode `mode`: 1 (and *type) for a file, a
 * symbolic link or a submodule, 0 for a tree.
 */
static int entry_type(unsigned mode, enum ht_check_type *type)
{
	switch (mode) {
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		*type = HT_CHECK_FILE;
		return 1;
	case GIT_FILEMODE_LINK:
		*type = HT_CHECK_SYMLINK;
		return 1;
	case GIT_FILEMODE_COMMIT:
		*type = HT_CHECK_SUBMODULE;
		return 1;
	default:
		return 0;
	}
}

static int read_blob(struct ht_strbuf *out, const struct ht_check_file *f,
		     size_t max, void *payload)
{
	git_repository *repo = payload;
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_object_t type;
	git_oid oid;
	struct ht_strbuf q = HT_STRBUF_INIT;
	size_t size;
	int ret;

	if (git_oid_fromstrn(&oid, f->id, strlen(f->id)) < 0)
		return ht_git_error(-1, "invalid object id");
	ret = git_repository_odb(&odb, repo);
	if (ret < 0)
		return ht_git_error(ret, "cannot open the object database");
	/* the index knows the size; a tree does not: ask first */
	size = f->len;
	if (!size) {
		ret = git_odb_read_header(&size, &type, odb, &oid);
		if (ret < 0) {
			ret = ht_git_error(ret, ht_quote_path(&q, f->path));
			goto cleanup;
		}
	}
	if (max && size > max) {
		ret = ht_error_set(HT_ETOOBIG, "'%s' is larger than %zu bytes",
				   ht_quote_path(&q, f->path), max);
		goto cleanup;
	}
	ret = git_odb_read(&obj, odb, &oid);
	if (ret < 0) {
		ret = ht_git_error(ret, ht_quote_path(&q, f->path));
		goto cleanup;
	}
	size = git_odb_object_size(obj);
	if (max && size > max) {
		ret = ht_error_set(HT_ETOOBIG, "'%s' is larger than %zu bytes",
				   ht_quote_path(&q, f->path), max);
		goto cleanup;
	}
	ret = ht_strbuf_add(out, git_odb_object_data(obj), size);
cleanup:
	git_odb_object_free(obj);
	git_odb_free(odb);
	ht_strbuf_release(&q);
	return ret;
}

static struct ht_check_file *add_entry(struct ht_check_tree *t,
				       const char *path, const git_oid *id,
				       enum ht_check_type type)
{
	char hex[GIT_OID_HEXSZ + 1];
	struct ht_check_file *f;

	git_oid_tostr(hex, sizeof(hex), id);
	f = ht_check_tree_add(t, path, hex);
	f->type = type;
	return f;
}

struct walk {
	struct ht_check_tree *t;
	const char *folder;
	struct ht_strbuf path;
};

static int walk_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk *w = payload;
	enum ht_check_type type;

	if (!entry_type(git_tree_entry_filemode(e), &type))
		return 0;
	ht_strbuf_reset(&w->path);
	ht_strbuf_addstr(&w->path, w->folder);
	ht_strbuf_addch(&w->path, '/');
	ht_strbuf_addstr(&w->path, root);
	ht_strbuf_addstr(&w->path, git_tree_entry_name(e));
	add_entry(w->t, w->path.buf, git_tree_entry_id(e), type);
	return 0;
}

int ht_check_tree_from_git(struct ht_check_tree *t, git_repository *repo,
			   const git_tree *tree, const char *prefix)
{
	struct walk w = { t, NULL, HT_STRBUF_INIT };
	struct ht_strbuf folder = HT_STRBUF_INIT, q = HT_STRBUF_INIT;
	git_tree_entry *entry = NULL;
	git_tree *sub = NULL;
	enum ht_check_type type;
	size_t i, n;
	int k, ret = 0;

	t->read = read_blob;
	t->payload = repo;
	t->serial_read = 1;
	if (!tree)
		goto cleanup;
	n = git_tree_entrycount(tree);
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);

		if (entry_type(git_tree_entry_filemode(e), &type))
			add_entry(t, git_tree_entry_name(e),
				  git_tree_entry_id(e), type);
	}
	while (prefix && *prefix == '/')
		prefix++;
	for (k = 0; k < HT_KIND__COUNT; k++) {
		const char *f = ht_kind_info((enum ht_kind)k)->folder;

		if (!f)
			continue;
		ht_strbuf_reset(&folder);
		if (prefix && *prefix)
			ht_strbuf_addf(&folder, "%s/", prefix);
		ht_strbuf_addstr(&folder, f);
		while (folder.len && folder.buf[folder.len - 1] == '/')
			ht_strbuf_setlen(&folder, folder.len - 1);
		ret = git_tree_entry_bypath(&entry, tree, folder.buf);
		if (ret == GIT_ENOTFOUND) {
			ret = 0;
			continue;
		}
		if (ret < 0) {
			ret = ht_git_error(ret, ht_quote_path(&q, folder.buf));
			goto cleanup;
		}
		if (git_tree_entry_type(entry) != GIT_OBJECT_TREE) {
			/* a link or a submodule: at the root, listed above */
			if (entry_type(git_tree_entry_filemode(entry), &type) &&
			    type != HT_CHECK_FILE && strchr(folder.buf, '/'))
				add_entry(t, folder.buf,
					  git_tree_entry_id(entry), type);
			git_tree_entry_free(entry);
			entry = NULL;
			continue;
		}
		ret = git_tree_lookup(&sub, repo, git_tree_entry_id(entry));
		git_tree_entry_free(entry);
		entry = NULL;
		if (ret < 0) {
			ret = ht_git_error(ret, ht_quote_path(&q, folder.buf));
			goto cleanup;
		}
		w.folder = folder.buf;
		ret = git_tree_walk(sub, GIT_TREEWALK_PRE, walk_cb, &w);
		git_tree_free(sub);
		sub = NULL;
		if (ret < 0) {
			ret = ht_git_error(ret, ht_quote_path(&q, folder.buf));
			goto cleanup;
		}
	}
cleanup:
	ht_strbuf_release(&folder);
	ht_strbuf_release(&q);
	ht_strbuf_release(&w.path);
	ht_check_tree_sort(t);
	return ret;
}

/*
 * What an index's tree reads from: the repository, and its work tree
 * opened once (-1 when there is none), for paths the kernel resolves from
 * there rather than from the root for each file.
 */
struct index_source {
	git_repository *repo;
	int workdir;
};

static void release_index_source(void *payload)
{
	struct index_source *src = payload;

	if (src->workdir >= 0)
		close(src->workdir);
	free(src);
}

static int read_index_blob(struct ht_strbuf *out,
			   const struct ht_check_file *f, size_t max,
			   void *payload)
{
	return read_blob(out, f, max, ((struct index_source *)payload)->repo);
}

/* 1 when the `out` holds the bytes of blob `f`. */
static int is_blob(const struct ht_strbuf *out, const struct ht_check_file *f)
{
	git_oid want, got;

	return !git_oid_fromstr(&want, f->id) &&
	       !ht_pack_object_id(&got, GIT_OBJECT_BLOB, out->buf, out->len) &&
	       git_oid_equal(&got, &want);
}

/*
 * The work-tree files of index entries, those that are the staged blob:
 * their bytes hash to the entry's id (so a file changed since `git add`,
 * or one a filter such as core.autocrlf would change, is read from the
 * object database instead).  Files are read in parallel, and in batches
 * (batchread.h); objects are not.  The index gives the staged size (0 for
 * an empty file, and for one git found "racily clean", whose size it
 * zeroes): a file of another size is not the blob, and is not read.
 */
static void read_worktree(const struct ht_check_file *const *f,
			  struct ht_strbuf *out, int *ok, size_t n, size_t max,
			  struct ht_batch_read *br, void *payload)
{
	const struct index_source *src = payload;
	const char *workdir = git_repository_workdir(src->repo);
	struct ht_batch_file *bf = ht_xcalloc(n ? n : 1, sizeof(*bf));
	size_t *at = ht_xcalloc(n ? n : 1, sizeof(*at));
	struct ht_strbuf path = HT_STRBUF_INIT;
	size_t k, m = 0;

	for (k = 0; k < n; k++) {
		ok[k] = 0;
		if (!workdir || src->workdir < 0 || (max && f[k]->len > max) ||
		    strlen(f[k]->id) != GIT_OID_HEXSZ)
			continue;
		if (f[k]->len) {
			bf[m].path = f[k]->path;
			bf[m].size = f[k]->len;
			bf[m].out = &out[k];
			at[m++] = k;
			continue;
		}
		ht_strbuf_reset(&path);
		ht_strbuf_addstr(&path, workdir);
		ht_strbuf_addstr(&path, f[k]->path);
		ok[k] = !ht_strbuf_read_file(&out[k], path.buf, max) &&
			is_blob(&out[k], f[k]);
		if (!ok[k])
			ht_strbuf_reset(&out[k]);
	}
	ht_batch_read_sized(br, src->workdir, bf, m);
	for (k = 0; k < m; k++) {
		ok[at[k]] = bf[k].ok && is_blob(bf[k].out, f[at[k]]);
		if (!ok[at[k]])
			ht_strbuf_reset(bf[k].out);
	}
	ht_error_clear();
	git_error_clear();
	ht_strbuf_release(&path);
	free(bf);
	free(at);
}

int ht_check_tree_from_index(struct ht_check_tree *t, git_repository *repo,
			     git_index *index, const char *prefix)
{
	size_t i, n = git_index_entrycount(index);
	const char *workdir = git_repository_workdir(repo);
	struct index_source *src = ht_xcalloc(1, sizeof(*src));

	src->repo = repo;
	src->workdir = workdir ? open(workdir, O_RDONLY | O_DIRECTORY |
						      O_CLOEXEC)
			       : -1;
	t->read = read_index_blob;
	t->payload = src;
	t->release = release_index_source;
	t->serial_read = 1;
	t->try_read = read_worktree;
	ht_check_tree_reserve(t, n);
	for (i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);
		enum ht_check_type type;

		if (!e || GIT_INDEX_ENTRY_STAGE(e) != 0 ||
		    !entry_type(e->mode, &type) ||
		    (e->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD) ||
		    !ht_check_wants_path(e->path, prefix))
			continue;
		add_entry(t, e->path, &e->id, type)->len = e->file_size;
	}
	ht_check_tree_sort(t);
	return 0;
}
