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

#include "hightouch/checktree.h"
#include "hightouch/diag.h"
#include "hightouch/kinds.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

struct ht_remotes;

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
