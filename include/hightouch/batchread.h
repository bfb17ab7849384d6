#ifndef HIGHTOUCH_BATCHREAD_H
#define HIGHTOUCH_BATCHREAD_H

/*
 * Many small files read at once: `git hightouch check --staged` reads
 * every staged file from the work tree when it is the staged blob (its
 * size known from the index), `git hightouch check` every file.
 * Opening, reading and closing a file is three system calls, and on the
 * virtual machines the project is measured on their entry and exit cost
 * more than the work.  Where the kernel allows it, a batch goes to
 * io_uring instead: for each file an open, a read and a close linked
 * together, the whole batch in one system call, or a few (Linux 5.19 or
 * later, and io_uring not disabled, as container runtimes often do).
 * Elsewhere, and for any file io_uring could not read (or not without
 * waiting), the same three calls are made one by one; the results are
 * the same either way.
 *
 * A reader belongs to one thread.  It starts io_uring at its first
 * batch, and not again after io_uring failed it once.
 */

#include <stddef.h>

#include "hightouch/strbuf.h"

struct ht_batch_file {
	const char *path; /* relative to the batch's folder */
	size_t size;      /* the size it must have; when `ok`, its size */
	struct ht_strbuf *out; /* its bytes (reset first), when `ok` */
	int ok;           /* set: read, and as wanted */
};

struct ht_batch_read {
	void *ring;  /* io_uring's, once started */
	int no_ring; /* set: never io_uring (tests; set once it fails) */
};

#define HT_BATCH_READ_INIT { NULL, 0 }

/*
 * Read the `n` files, each from folder `dir` (a descriptor), into its
 * `out`, setting `ok` when the file has `size` bytes: a regular file that
 * is longer, shorter, missing, unreadable, or a FIFO (never waited for)
 * is not ok, and its `out` is empty.  Never fails.
 */
void ht_batch_read_sized(struct ht_batch_read *b, int dir,
			 struct ht_batch_file *files, size_t n);

/*
 * The same for files whose size is not known (`size` is set when `ok`):
 * each read whole when it has fewer than `cap` bytes.  They are to be
 * regular files, as the caller listed them: one read through io_uring is
 * taken as it is, and only the plain way checks the type again (a file
 * replaced by a FIFO meanwhile may be read either way).  Each `out` may
 * grow to `cap` bytes.  Never fails.
 */
void ht_batch_read_small(struct ht_batch_read *b, int dir,
			 struct ht_batch_file *files, size_t n, size_t cap);

void ht_batch_read_release(struct ht_batch_read *b);

#endif
