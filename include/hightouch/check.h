#ifndef HIGHTOUCH_CHECK_H
#define HIGHTOUCH_CHECK_H

/*
 * The repository-level rules: everything `git hightouch check` and push
 * verify about a set of files, beyond what one file says about itself.
 *
 * A check looks at a `head` tree (the work tree, the index, a commit: the
 * state being checked) and optionally a `base` tree (HEAD, the remote's
 * commit, the last import: the state it changes).  Every resource file of
 * the head is read and checked with the kinds table's own rules
 * (ht_kind_from_yaml), and then across files:
 *
 *  - `source:` and `destination:` resolve through the manifest and the
 *    aliases file of every workspace (or of opts->workspace only; with
 *    opts->remotes, of the prefix's only), see workspace.h; `model:`,
 *    `from:` and `to:` name a model file of any model kind;
 *  - aliases: not used both as a source and as a destination, not named
 *    like a slug, pointing at a slug of the manifest;
 *  - linked types: an alias whose source or destination is of one type in
 *    one workspace and of another in another workspace of the repository
 *    (ht_workspace_check_linked(), for each pair with a checked one);
 *  - two model files of different kinds with one slug;
 *  - files under a kind's folder that push ignores (`models/x.yml`,
 *    `models/sub/x.yaml`): a warning;
 *  - a symbolic link or a submodule where a resource file, a manifest,
 *    an aliases file or a kind's folder would be: an error (push reads
 *    files only, and never follows a link);
 *  - with a base: a manifest added, edited or deleted by hand; a model
 *    deleted or renamed, or a source or destination (or alias) removed,
 *    while the head still uses it.
 *
 * With a base and without opts->report_all, only what the change is
 * responsible for is reported: findings in files that the change adds or
 * modifies, and the breaking changes above, wherever they surface; a
 * linked type when the change touches either workspace's manifest or
 * aliases file, or a file it adds or modifies names the alias.
 *
 * The rule ids are stable; ht_check_rules() lists them all (those of the
 * YAML reader and the kinds table included), for SARIF and the docs.
 */

#include <stddef.h>

#include "hightouch/batchread.h"
#include "hightouch/diag.h"
#include "hightouch/kinds.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

struct ht_remotes;

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

struct ht_check_opts {
	const char *prefix;     /* remote.<name>.hightouchPath; NULL: none */
	const char *workspace;  /* check against this workspace only */
	int report_all;         /* with a base, report unchanged files too */
	unsigned jobs;          /* threads; 0: one per processor */
	/* report only findings in these paths or under these folders */
	const char *const *paths;
	size_t npaths;
	/*
	 * Called for each manifest that differs between base and head
	 * (`base` or `head` NULL when added or deleted): return 1 to accept
	 * the change (it was made by a fetch), 0 to report it, with what
	 * made it appended to `why` ("by commit 1234567 'Fix'"), or a
	 * negative error.  NULL: every change is reported.  Called from the
	 * calling thread.
	 */
	int (*manifest_change_ok)(const char *path,
				  const struct ht_check_file *base,
				  const struct ht_check_file *head,
				  struct ht_strbuf *why, void *payload);
	void *payload;
	/*
	 * Model slugs that exist besides the head's model files (push: the
	 * workspace's own models), 1 or 0.  NULL: none.  Called from the
	 * worker threads (unless jobs is 1), so it must only read.
	 */
	int (*model_exists)(const char *slug, void *payload);
	/*
	 * Called for each resource file of the head that the check reads and
	 * checks in full (with a base and without report_all, those the
	 * change adds or modifies), after its checks: its kind and slug (from
	 * the path), its content and its document, which the callback may
	 * take (setting `*doc` to NULL; it then frees it).  It is not called
	 * for a file that is too big or not valid YAML (the findings say
	 * why).  Returns 0, or a negative
	 * error that stops the check.  Called from the worker threads unless
	 * jobs is 1.  NULL: none.
	 */
	int (*file_checked)(const struct ht_check_file *f, enum ht_kind kind,
			    const char *slug, const struct ht_strbuf *content,
			    struct ht_ynode **doc, void *payload);
	/*
	 * The repository's workspace remotes, when their paths differ: only
	 * the files and the workspaces that belong to the prefix (see
	 * remotes.h) are checked; the other workspaces are read like those
	 * left out by `workspace`.  The prefix is then one of their paths.
	 * NULL: every file and workspace is the prefix's.
	 */
	const struct ht_remotes *remotes;
};

#define HT_CHECK_OPTS_INIT                                                    \
	{ NULL, NULL, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL }

/*
 * Check `head` (and the change from `base`, which may be NULL) and add
 * the findings to `out`, then sort `out` by path and position.  Returns 0 whatever
 * the findings, HT_ENOTFOUND when opts->workspace has no manifest in the
 * head, or another negative code when a file cannot be read.  Sorts both
 * trees.
 */
int ht_check_run(struct ht_diags *out, struct ht_check_tree *head,
		 struct ht_check_tree *base, const struct ht_check_opts *opts);

struct ht_check_rule {
	const char *id;
	enum ht_severity severity; /* the usual one: some rules vary */
	int schema;                /* 1: expressible in the JSON Schemas */
	const char *summary;       /* one line */
};

/* Every rule, in documentation order. */
const struct ht_check_rule *ht_check_rules(size_t *nr);
/* A rule by id, or NULL. */
const struct ht_check_rule *ht_check_rule_find(const char *id);

#endif
