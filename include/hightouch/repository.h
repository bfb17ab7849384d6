#ifndef HIGHTOUCH_REPOSITORY_H
#define HIGHTOUCH_REPOSITORY_H

/*
 * The repository through libgit2 1.5, as git finds it, and libgit2's
 * errors.  libgit2's conventions stop here and in the modules built on
 * it (gitfiles.h): every function returns 0 or a negative ht error code
 * with the message set.
 *
 * The remote helper does not open repositories this way: it opens the
 * object database alone (remote-helper/odb.c), because libgit2 1.5
 * cannot open every repository git can and must not touch refs while git
 * holds them.
 */

#include <git2.h>

/*
 * Start libgit2 (git_libgit2_init()), once: everything else here does it
 * when it needs it.  Starting costs milliseconds (libgit2 reads the
 * system's certificates, which we never use), so a program that may not
 * need libgit2 starts it late, and can do other work first (a `git`
 * child running, ht_config_read_start()).  ht_git_stop() undoes it, if
 * it was done.
 */
int ht_git_start(void);
void ht_git_stop(void);

/*
 * Turn a libgit2 failure `ret` into an ht error with the message
 * "<what>: <libgit2's message>" (libgit2 may have none), and return it:
 * HT_ENOTFOUND for GIT_ENOTFOUND, else HT_ERROR.
 */
int ht_git_error(int ret, const char *what);

/*
 * Open the repository as git would: $GIT_DIR (and $GIT_WORK_TREE,
 * $GIT_INDEX_FILE) when set, else by searching from the current directory.
 * Opens repositories with extensions.worktreeConfig, and does not check
 * their owner (git did, when it ran a hook).  HT_ENOTFOUND outside one.
 */
int ht_repository_open(git_repository **out);

/* The commit a revision names; HT_ENOTFOUND for an unknown one. */
int ht_repository_commit(git_commit **out, git_repository *repo,
			 const char *rev);

/* The tree of HEAD, or NULL (and 0) on an unborn branch. */
int ht_repository_head_tree(git_tree **out, git_repository *repo);

/*
 * The tag that ends the subject of every commit a fetch makes ("Update
 * model users (OUTBOUND)"): git-remote-hightouch writes it, and it tells
 * the files a fetch changed from those changed by hand.
 */
#define HT_OUTBOUND_TAG "(OUTBOUND)"

/*
 * Who a fetch's commits (and gitsync's merges) are by when the workspace
 * names nobody and hightouch.authorName/authorEmail are not set.
 */
#define HT_DEFAULT_AUTHOR_NAME "Hightouch"
#define HT_DEFAULT_AUTHOR_EMAIL "noreply@hightouch.com"

/*
 * How a push that the rules stopped begins its refusal, which git shows
 * as "[remote rejected] (validation failed: ...)": git-remote-hightouch
 * writes it, and `git hightouch gitsync` tells a refused file (a person
 * is needed) from trouble by it.
 */
#define HT_PUSH_INVALID "validation failed"

/* 1 if the subject of `c` ends with HT_OUTBOUND_TAG (spaces aside). */
int ht_commit_is_outbound(git_commit *c);

#endif
