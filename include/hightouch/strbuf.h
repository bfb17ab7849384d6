#ifndef HIGHTOUCH_STRBUF_H
#define HIGHTOUCH_STRBUF_H

/*
 * A growable byte buffer, after git's strbuf.
 *
 * Invariants:
 *  - `buf` is never NULL: a buffer must be initialised with ht_strbuf_init(),
 *    ht_strbuf_init_capped() or `= HT_STRBUF_INIT` before use.  An
 *    initialised, empty buffer allocates nothing.
 *  - `buf` has at least `len + 1` bytes and `buf[len]` is always NUL; the
 *    contents may hold NUL bytes of their own (binary-safe).
 *  - A buffer may carry a size cap (`cap`, 0 = none), like curl's dynbuf:
 *    an append that would make `len` exceed the cap fails with HT_ETOOBIG,
 *    leaves the buffer unchanged, and sets the error message.  Buffers
 *    filled from the network or from a file being validated are capped.
 *
 * Allocation failure exits (see alloc.h); with no cap set, appends cannot
 * fail, so callers of uncapped buffers may ignore their return values.
 */

#include <stdarg.h>
#include <stddef.h>

#include "hightouch/error.h"

struct ht_strbuf {
	size_t alloc; /* bytes allocated, 0 while buf is the slop buffer */
	size_t len;   /* bytes used, not counting the final NUL */
	size_t cap;   /* most bytes `len` may reach; 0 for no cap */
	char *buf;
};

extern char ht_strbuf_slopbuf[];
#define HT_STRBUF_INIT { 0, 0, 0, ht_strbuf_slopbuf }

/* Life cycle */
void ht_strbuf_init(struct ht_strbuf *sb, size_t hint);
void ht_strbuf_init_capped(struct ht_strbuf *sb, size_t cap);
/* Free the contents; the buffer is then as if HT_STRBUF_INIT (cap kept). */
void ht_strbuf_release(struct ht_strbuf *sb);
/*
 * Hand the contents over to the caller, who frees them with free(3); the
 * buffer is left empty.  `len_out` may be NULL.
 */
char *ht_strbuf_detach(struct ht_strbuf *sb, size_t *len_out);

/* Size */
int ht_strbuf_grow(struct ht_strbuf *sb, size_t extra);
void ht_strbuf_setlen(struct ht_strbuf *sb, size_t len);
#define ht_strbuf_reset(sb) ht_strbuf_setlen((sb), 0)

/* Adding data: 0, or HT_ETOOBIG past the cap. */
int ht_strbuf_add(struct ht_strbuf *sb, const void *data, size_t len);
int ht_strbuf_addstr(struct ht_strbuf *sb, const char *s);
int ht_strbuf_addch(struct ht_strbuf *sb, int c);
int ht_strbuf_addchars(struct ht_strbuf *sb, int c, size_t n);
int ht_strbuf_addf(struct ht_strbuf *sb, const char *fmt, ...) HT_PRINTF(2, 3);
int ht_strbuf_vaddf(struct ht_strbuf *sb, const char *fmt, va_list ap);

/*
 * Read the whole file at `path` into `sb` (appending).  Fails with
 * HT_ETOOBIG, without reading it all, when the file is larger than `max`
 * bytes (0 for the buffer's own cap or none), and with HT_EIO or
 * HT_ENOTFOUND when it cannot be read.
 */
int ht_strbuf_read_file(struct ht_strbuf *sb, const char *path, size_t max);

#endif
