#ifndef HIGHTOUCH_CHECKTREE_H
#define HIGHTOUCH_CHECKTREE_H

/*
 * Check trees: the sets of files `git hightouch check` and push look at
 * (check.h), in memory or read from a folder; gitfiles.h makes them from
 * git.  Only the paths ht_check_wants_path() accepts are listed.
 */

#include <stddef.h>

#include "hightouch/batchread.h"
#include "hightouch/kinds.h"
#include "hightouch/strbuf.h"

/* The longest content id: a SHA-256 object id in hex. */
#define HT_CHECK_ID_MAX 64

/* What an entry of a tree is.  Only files are ever read. */
enum ht_check_type {
	HT_CHECK_FILE,      /* a regular file, executable or not */
	HT_CHECK_SYMLINK,   /* a symbolic link (mode 120000) */
	HT_CHECK_SUBMODULE, /* a gitlink (mode 160000); in a work tree, a
			     * folder with a .git of its own */
};

struct ht_check_file {
	char *path;                   /* repository path, '/'-separated */
	enum ht_check_type type;      /* HT_CHECK_FILE unless set */
	char id[HT_CHECK_ID_MAX + 1]; /* content id, "" when unknown */
	char *data;                   /* content, for in-memory trees */
	size_t len;                   /* its size; with `read`, a hint
				       * (0 when unknown) */
};

/*
 * A set of files.  `read` fetches a file's content into `out` (empty on
 * entry), failing with HT_ETOOBIG (no message needed) past `max` bytes; it
 * is called from several threads at once.  Without `read`, the content is
 * the files' `data`.  Two files with the same non-empty id have the same
 * content; files without ids are compared by content.
 */
struct ht_check_tree {
	struct ht_check_file *files;
	size_t nr, alloc;
	int sorted;
	int (*read)(struct ht_strbuf *out, const struct ht_check_file *f,
		    size_t max, void *payload);
	void *payload;
	/*
	 * Set when `read` serialises its callers anyway (libgit2 1.5 locks
	 * its object database, and a global lock over pack files, for each
	 * read): the checker's threads then take turns to read a batch of
	 * files under one lock of their own, and parse while the other reads,
	 * rather than queue on libgit2's locks for every file.
	 */
	int serial_read;
	/*
	 * Optional: a cheaper way to the bytes of a batch of `n` files, that
	 * may not have them (for the index: the work-tree files that hash to
	 * the staged blobs).  Called from any thread, outside that lock,
	 * with the thread's own batch reader `br` and out[] empty; sets
	 * ok[k] to 1 with out[k] filled, or to 0 (out[k] empty, no error
	 * set) to use `read`.
	 */
	void (*try_read)(const struct ht_check_file *const *f,
			 struct ht_strbuf *out, int *ok, size_t n, size_t max,
			 struct ht_batch_read *br, void *payload);
	/* Optional: frees `payload`, from ht_check_tree_release(). */
	void (*release)(void *payload);
};

#define HT_CHECK_TREE_INIT { NULL, 0, 0, 0, NULL, NULL, 0, NULL, NULL }

/*
 * Add a file (the path is copied; `id` may be NULL), of type
 * HT_CHECK_FILE.  The builders below and the callers only add the paths
 * ht_check_wants_path() accepts.
 */
struct ht_check_file *ht_check_tree_add(struct ht_check_tree *t,
					const char *path, const char *id);
/*
 * Room for `n` more files, at once: a tree of 20,000 files grown as they
 * come copies its array, and faults in fresh memory, at each of its
 * twenty or so steps.
 */
void ht_check_tree_reserve(struct ht_check_tree *t, size_t n);
/* Add a file with its content (copied), for trees without `read`. */
void ht_check_tree_add_data(struct ht_check_tree *t, const char *path,
			    const char *data, size_t len);
/* Sort by path (done by ht_check_run() too); then find a path. */
void ht_check_tree_sort(struct ht_check_tree *t);
const struct ht_check_file *ht_check_tree_find(const struct ht_check_tree *t,
					       const char *path);
/*
 * Read a file's content into `out` (through `read` or from `data`);
 * HT_EINVALID for a symbolic link or a submodule, which are never read.
 */
int ht_check_tree_read(const struct ht_check_tree *t,
		       const struct ht_check_file *f, struct ht_strbuf *out,
		       size_t max);
void ht_check_tree_release(struct ht_check_tree *t);

/*
 * 1 if the checker looks at `path`: a file at the root (manifests and
 * aliases files), anything under one of the kinds' folders below the
 * prefix, or such a folder itself (when it is a symbolic link or a
 * submodule).  Tree builders skip the rest.
 */
int ht_check_wants_path(const char *path, const char *prefix);

/*
 * The files of a directory (a work tree) that the checker looks at, with
 * a reader for them.  Symbolic links are listed (HT_CHECK_SYMLINK) and
 * never followed, not even for a kind's folder; a folder that holds a
 * `.git` is a submodule (HT_CHECK_SUBMODULE), not walked.  Other
 * non-regular files (sockets, fifos) and folders named ".git" are
 * skipped.
 */
int ht_check_tree_from_dir(struct ht_check_tree *t, const char *root,
			   const char *prefix);

/*
 * The kind whose folder `path` is under (below `prefix`), or is, with
 * the part after "<folder>/" in *rest ("" for the folder itself; `rest`
 * may be NULL); HT_KIND__COUNT if none.
 */
enum ht_kind ht_check_folder_of(const char *path, const char *prefix,
				const char **rest);

#endif
