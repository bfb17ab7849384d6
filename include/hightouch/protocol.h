#ifndef HIGHTOUCH_PROTOCOL_H
#define HIGHTOUCH_PROTOCOL_H

/*
 * The git remote-helper protocol (gitremote-helpers(7)) as git 2.39
 * speaks it, for git-remote-hightouch: the command loop, modelled on
 * git's remote-curl.c.  It reads git's commands, answers `capabilities`
 * and `option` itself, gathers `import` and `push` batches, and hands
 * `list`, `import` and `push` to the program's handler.
 *
 * stdout is the protocol channel: handlers write their answers through
 * ht_proto_write()/ht_proto_printf() (which trace them with HT_TRACE) and
 * nothing else may write there.
 *
 * Errors.  A line that is not what the protocol allows (an unknown
 * command, an `import` without a ref, a line longer than
 * HT_PROTO_LINE_MAX, a NUL byte, a batch cut short) ends the loop with
 * HT_ESYNTAX and "protocol error: ..."; a handler's error ends it with
 * the handler's code.  An option git may send but the helper does not
 * know is answered `unsupported`, and a bad value `error invalid value`,
 * as git expects.
 */

#include <stddef.h>
#include <stdio.h>

#include "hightouch/error.h"
#include "hightouch/strbuf.h"

/* Longest command line accepted from git, newline excluded. */
#define HT_PROTO_LINE_MAX (64 * 1024)
/* Most refs in one import batch, pushes in one push batch, cas options. */
#define HT_PROTO_BATCH_MAX 4096

/* What git said with `option` lines. */
struct ht_proto_options {
	int verbosity;     /* 1 by default, 0 for -q, 2 for -v, ... */
	int progress;      /* 1 if git asked for progress */
	int dry_run;
	int atomic;        /* `option atomic`: all refs or none */
	int cloning;
	int followtags;
	int object_format; /* git sent `option object-format` */
	/* `option cas <ref>:<hex>`, unquoted, in order */
	char **cas;
	size_t cas_nr, cas_alloc;
	/* `option push-option <text>`, unquoted, in order */
	char **push_options;
	size_t push_options_nr, push_options_alloc;
};

/* One `push [+]<src>:<dst>` line. */
struct ht_push_spec {
	int force;
	char *src; /* "" to delete `dst` */
	char *dst;
};

struct ht_proto;

/*
 * What the program does.  Each callback returns 0 or a negative error
 * code (with the message set), which ends the loop.
 *
 *  - list: write the ref lines and the final blank line.  `for_push` is
 *    1 for `list for-push`.
 *  - import: the refs of one batch, without duplicates, in the order git
 *    named them; write the whole fast-import stream (ending in `done`).
 *  - push: the specs of one batch; write one `ok <dst>` or
 *    `error <dst> <why>` per spec and the final blank line.
 */
struct ht_proto_handler {
	/* The `refspec` capability, e.g. for "refs/x/heads/<star>". */
	const char *refspec;
	/* Advertise `object-format` (answer `:object-format` in list). */
	int object_format;
	int (*list)(struct ht_proto *p, int for_push, void *payload);
	int (*import)(struct ht_proto *p, const char *const *refs, size_t nr,
		      void *payload);
	int (*push)(struct ht_proto *p, const struct ht_push_spec *specs,
		    size_t nr, void *payload);
	void *payload;
};

struct ht_proto {
	FILE *in, *out;
	/* HT_TRACE: every line read and written, on `trace` (stderr). */
	FILE *trace;
	const struct ht_proto_handler *h;
	struct ht_proto_options opts;
	struct ht_strbuf line;
	int write_error;
};

/*
 * Set up `p` to read from `in` and answer on `out`; `trace` may be NULL.
 * Options start as git's defaults (verbosity 1, no progress).
 */
void ht_proto_init(struct ht_proto *p, FILE *in, FILE *out, FILE *trace,
		   const struct ht_proto_handler *h);
void ht_proto_release(struct ht_proto *p);

/*
 * Run the loop until git's final blank line or the end of input (0), a
 * protocol error (HT_ESYNTAX), a failed write to `out` (HT_EIO) or a
 * handler's error.
 */
int ht_proto_run(struct ht_proto *p);

/*
 * Write protocol text to `out`, traced line by line; flush with
 * ht_proto_flush() when an answer is complete.  Write errors are
 * remembered and reported by ht_proto_flush() (HT_EIO).
 */
void ht_proto_write(struct ht_proto *p, const char *buf, size_t len);
void ht_proto_printf(struct ht_proto *p, const char *fmt, ...) HT_PRINTF(2, 3);
int ht_proto_flush(struct ht_proto *p);

/*
 * Unquote a C-style quoted string as git's quote_c_style() writes it
 * (`"a\tb\"c\303\251"`): append the result to `out`.  The whole of `in`
 * must be one quoted string.  HT_EINVALID for bad quoting or a NUL byte.
 */
int ht_proto_unquote_c(struct ht_strbuf *out, const char *in);

/*
 * Append `s` to `out` C-quoted when it needs to be (as git's
 * quote_c_style(): control characters, '"', '\\' and bytes >= 0x80 force
 * quoting), else as it is.  For `error <ref> <why>` lines.
 */
void ht_proto_quote_c(struct ht_strbuf *out, const char *s);

/*
 * git's core.quotePath for ht_quote_path(): 1 (git's default) quotes
 * bytes >= 0x80 too, 0 leaves them as they are.  main() sets it from the
 * configuration; threads only read it.
 */
extern int ht_quote_path_fully;

/*
 * A path as git writes one in its output (`git ls-files`, `git status`),
 * for every message that names a repository path or a file: as it is, or
 * C-quoted as ht_proto_quote_c() does when it holds a control character,
 * '"' or '\\' (or, with ht_quote_path_fully, a byte >= 0x80).  `out` is
 * reset first; returns out->buf, for a printf argument.
 */
const char *ht_quote_path(struct ht_strbuf *out, const char *path);

#endif
