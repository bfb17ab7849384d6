#ifndef GIT_HIGHTOUCH_H
#define GIT_HIGHTOUCH_H

/*
 * git-hightouch: the tool behind the hooks (docs/git-hightouch.1).
 *
 * Each command returns its exit status (0, 1 for findings or a refusal),
 * or a negative ht error code with the message set, which main() prints
 * as "fatal: <message>" and turns into exit status 2.
 */

#include <git2.h>

#include "hightouch/strbuf.h"

/* The Makefile's HT_VERSION (--version, SARIF's tool.driver.version). */
#ifdef HT_VERSION
#define GIT_HIGHTOUCH_VERSION HT_VERSION
#else
#define GIT_HIGHTOUCH_VERSION "unknown"
#endif

/* Exit statuses besides 0. */
#define EXIT_FINDINGS 1
#define EXIT_TROUBLE 2

int cmd_check(int argc, char **argv);
int cmd_install_hooks(int argc, char **argv);
int cmd_schema(int argc, char **argv);

/* Print `usage` to stderr and return EXIT_TROUBLE. */
int usage_error(const char *usage, const char *fmt, ...) HT_PRINTF(2, 3);

/*
 * repo.c: the repository, through libgit2, and git itself.
 */

/*
 * Open the repository as git would: $GIT_DIR (and $GIT_WORK_TREE,
 * $GIT_INDEX_FILE) when set, else by searching from the current directory.
 * Opens repositories with extensions.worktreeConfig, and does not check
 * their owner (git did, when it ran a hook).  HT_ENOTFOUND outside one.
 */
int repo_open(git_repository **out);

/* The commit a revision names; HT_ENOTFOUND for an unknown one. */
int repo_commit(git_commit **out, git_repository *repo, const char *rev);

/* The tree of HEAD, or NULL (and 0) on an unborn branch. */
int repo_head_tree(git_tree **out, git_repository *repo);

/*
 * Run `git ARGS...` with its standard output into `out` (standard error
 * to /dev/null with `quiet`).  Returns git's exit status, or a negative
 * code when it cannot be run.
 */
int run_git(struct ht_strbuf *out, const char *const *args, int quiet);

/*
 * The configuration as git reads it (so that `git -c` works in hooks):
 * the value of `key` (a lower-case name), or NULL; the caller frees it.
 */
char *git_config_get(const char *key);

/* "true", "yes", "on", "1" (any case) */
int parse_bool(const char *s);

#endif
