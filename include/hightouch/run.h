#ifndef HIGHTOUCH_RUN_H
#define HIGHTOUCH_RUN_H

/*
 * git as a child process, for everything the programs ask git itself: the
 * configuration (config.h), `rev-parse`, `credential fill|approve|reject`,
 * the hooks directory.
 *
 * The child's standard output is always a pipe (or discarded), never the
 * caller's: the remote helper's standard output is the protocol channel.
 * What is written to the child's standard input (a credential) never
 * appears in its argv.  The child inherits the environment, so GIT_DIR,
 * `git -c` (GIT_CONFIG_PARAMETERS) and the rest apply as they do to the
 * program that runs it.
 */

#include <stddef.h>
#include <sys/types.h>

#include "hightouch/strbuf.h"

/* What a child may print before it is an error. */
#define HT_RUN_OUTPUT_MAX (16u * 1024u * 1024u)

enum ht_run_flags {
	HT_RUN_QUIET = (1 << 0), /* the child's standard error to /dev/null */
};

/*
 * Run `git ARGV...` (argv without "git", NULL-terminated).  Its standard
 * input gets the `in_len` bytes of `in` (`in` may be NULL), its standard
 * output is appended to `out` (NULL: discarded), its standard error is
 * inherited unless HT_RUN_QUIET.  Returns git's exit status (0 or more),
 * or a negative code when git cannot be run, dies of a signal, or prints
 * more than HT_RUN_OUTPUT_MAX bytes (HT_ETOOBIG).
 */
int ht_run_git(struct ht_strbuf *out, const char *in, size_t in_len,
	       const char *const *argv, unsigned flags);

/*
 * The same in two steps, for a caller with work to do while git runs:
 * start it, then finish: read what it prints (appended to `out`; NULL
 * discards it) and wait for it.  After a successful start, finish must be
 * called once, on every path.  Both return as ht_run_git().
 */
struct ht_child {
	pid_t pid;  /* 0 or less: none */
	int out_fd; /* its standard output */
	char cmd[32]; /* argv[0], for messages */
};

int ht_run_git_start(struct ht_child *c, const char *in, size_t in_len,
		     const char *const *argv, unsigned flags);
int ht_run_git_finish(struct ht_child *c, struct ht_strbuf *out);

/*
 * The first line git prints (`git rev-parse --git-path hooks`), without
 * its newline, into `out` (empty on entry); returns as ht_run_git().
 */
int ht_run_git_line(struct ht_strbuf *out, const char *const *argv,
		    unsigned flags);

#endif
