#ifndef HIGHTOUCH_GITFILES_H
#define HIGHTOUCH_GITFILES_H

/*
 * Check trees (checktree.h) from git: a tree object, or the index.  Only the
 * paths ht_check_wants_path() accepts are listed (the root's files and
 * the kinds' folders below the prefix): files, and symbolic links and
 * submodules (gitlinks) with their type, for the checker to refuse (they
 * are never read).  Blobs are read through
 * the repository's object database, one thread at a time (serial_read:
 * libgit2 1.5 serialises object reads anyway), and their object ids are the
 * files' ids.  For the index, a work-tree file whose bytes hash to the
 * staged blob is read instead, from any thread (try_read).
 *
 * `repo` may be a repository opened in full or one wrapped around an
 * object database (git_repository_wrap_odb): both are only used for
 * objects.  It must outlive the tree.
 *
 * libgit2's conventions stop here (and in repository.h, whose
 * ht_git_error() translates its errors): every function returns 0 or a
 * negative ht error code with the message set.
 */

#include <git2.h>

#include "hightouch/checktree.h"

/* The files of `tree` (NULL: none, as an unborn branch). */
int ht_check_tree_from_git(struct ht_check_tree *t, git_repository *repo,
			   const git_tree *tree, const char *prefix);

/*
 * The stage-0 entries of `index`, as they would be committed: entries
 * added with `git add -N` (intent to add) are not there yet.
 */
int ht_check_tree_from_index(struct ht_check_tree *t, git_repository *repo,
			     git_index *index, const char *prefix);

#endif
