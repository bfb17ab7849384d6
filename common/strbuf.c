/*
 * Growable byte buffers with an optional size cap (see strbuf.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/protocol.h"
#include "hightouch/strbuf.h"

char ht_strbuf_slopbuf[1];

void ht_strbuf_init(struct ht_strbuf *sb, size_t hint)
{
	sb->alloc = sb->len = sb->cap = 0;
	sb->buf = ht_strbuf_slopbuf;
	if (hint)
		ht_strbuf_grow(sb, hint);
}

void ht_strbuf_init_capped(struct ht_strbuf *sb, size_t cap)
{
	ht_strbuf_init(sb, 0);
	sb->cap = cap;
}

void ht_strbuf_release(struct ht_strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	sb->alloc = sb->len = 0;
	sb->buf = ht_strbuf_slopbuf;
}

char *ht_strbuf_detach(struct ht_strbuf *sb, size_t *len_out)
{
	char *res;

	if (len_out)
		*len_out = sb->len;
	if (!sb->alloc)
		res = ht_xcalloc(1, 1);
	else
		res = sb->buf;
	sb->alloc = sb->len = 0;
	sb->buf = ht_strbuf_slopbuf;
	return res;
}

int ht_strbuf_grow(struct ht_strbuf *sb, size_t extra)
{
	size_t want = ht_st_add(ht_st_add(sb->len, extra), 1);
	size_t n;

	if (sb->cap && sb->len + extra > sb->cap)
		return ht_error_set(HT_ETOOBIG,
				    "buffer would exceed its limit of %zu bytes",
				    sb->cap);
	if (want <= sb->alloc)
		return 0;
	n = sb->alloc ? sb->alloc : 64;
	while (n < want)
		n = n < SIZE_MAX / 2 ? n * 2 : want;
	if (!sb->alloc) {
		sb->buf = ht_xmalloc(n);
		sb->buf[0] = '\0';
	} else {
		sb->buf = ht_xrealloc(sb->buf, n);
	}
	sb->alloc = n;
	return 0;
}

void ht_strbuf_setlen(struct ht_strbuf *sb, size_t len)
{
	if (len > (sb->alloc ? sb->alloc - 1 : 0))
		HT_BUG("ht_strbuf_setlen() beyond buffer");
	sb->len = len;
	if (sb->alloc)
		sb->buf[len] = '\0';
}

int ht_strbuf_add(struct ht_strbuf *sb, const void *data, size_t len)
{
	int err;

	if (!len)
		return 0;
	err = ht_strbuf_grow(sb, len);
	if (err < 0)
		return err;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int ht_strbuf_addstr(struct ht_strbuf *sb, const char *s)
{
	return ht_strbuf_add(sb, s, strlen(s));
}

int ht_strbuf_addch(struct ht_strbuf *sb, int c)
{
	char ch = (char)c;

	return ht_strbuf_add(sb, &ch, 1);
}

int ht_strbuf_addchars(struct ht_strbuf *sb, int c, size_t n)
{
	int err;

	if (!n)
		return 0;
	err = ht_strbuf_grow(sb, n);
	if (err < 0)
		return err;
	memset(sb->buf + sb->len, c, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int ht_strbuf_vaddf(struct ht_strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	int err;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return ht_error_set(HT_ERROR, "cannot format '%s'", fmt);
	err = ht_strbuf_grow(sb, (size_t)n);
	if (err < 0)
		return err;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int ht_strbuf_addf(struct ht_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = ht_strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return err;
}

/* read(2), again when a signal interrupts it. */
static ssize_t read_retry(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * How much the next read may add: `want`, at most what `max` and the
 * buffer's cap leave.
 */
static size_t read_room(const struct ht_strbuf *sb, size_t want, size_t max,
			size_t total)
{
	if (max && want > max - total)
		want = max - total;
	if (sb->cap && want > sb->cap - sb->len)
		want = sb->cap - sb->len;
	return want;
}

/*
 * A regular file is read with one read(2) of its size and one more byte,
 * into a buffer allocated once: a short read of a regular file is its
 * end.  Anything else is read until read(2) returns 0.
 */
int ht_strbuf_read_file(struct ht_strbuf *sb, const char *path, size_t max)
{
	struct ht_strbuf q = HT_STRBUF_INIT;
	struct stat st;
	size_t want = 8192, total = 0, room;
	ssize_t n;
	int fd, regular, err = 0;
	char probe;

	if (!max)
		max = sb->cap;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		err = ht_error_set(e == ENOENT ? HT_ENOTFOUND : HT_EIO,
				   "cannot open '%s': %s",
				   ht_quote_path(&q, path), strerror(e));
		ht_strbuf_release(&q);
		return err;
	}
	regular = !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size >= 0 &&
		  (uintmax_t)st.st_size < SIZE_MAX / 2;
	if (regular)
		want = (size_t)st.st_size + 1;
	for (;;) {
		room = read_room(sb, want, max, total);
		if (!room) {
			/* at the limit: is there more? */
			n = read_retry(fd, &probe, 1);
			if (n > 0 && max && total >= max)
				err = ht_error_set(HT_ETOOBIG,
						   "'%s' is larger than %zu "
						   "bytes",
						   ht_quote_path(&q, path),
						   max);
			else if (n > 0)
				err = ht_strbuf_add(sb, &probe, 1);
		} else {
			err = ht_strbuf_grow(sb, room);
			if (err < 0)
				break;
			n = read_retry(fd, sb->buf + sb->len, room);
		}
		if (n < 0) {
			int e = errno;

			err = ht_error_set(HT_EIO, "cannot read '%s': %s",
					   ht_quote_path(&q, path),
					   strerror(e));
		}
		if (err < 0 || n <= 0 || !room)
			break;
		ht_strbuf_setlen(sb, sb->len + (size_t)n);
		total += (size_t)n;
		if (regular && (size_t)n < room)
			break;
		want = 8192;
	}
	close(fd);
	ht_strbuf_release(&q);
	return err;
}
