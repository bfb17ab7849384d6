/*
 * Small files of known sizes read in batches, through io_uring where the
 * kernel allows it (see batchread.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <liburing.h>

/*
 * What io_uring writes, valgrind does not see written: tell it, when its
 * header is there (it is wherever `make valgrind-check` can run).
 */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len))
#endif

#include "hightouch/alloc.h"
#include "hightouch/batchread.h"
#include "hightouch/error.h"

/* Files a batch of the ring holds: three entries each. */
#define DEPTH 32

enum step { STEP_OPEN, STEP_READ, STEP_CLOSE };

/*
 * How much of a file a read asks for: with a `cap`, that (the file is
 * whole when it is shorter); else its size and a byte more, which a
 * regular file of that size fills but for that byte.
 */
static size_t read_len(const struct ht_batch_file *f, size_t cap)
{
	return cap ? cap : f->size + 1;
}

/*
 * The plain way: open, one read(2), close.  O_NONBLOCK: a FIFO neither
 * blocks nor has the bytes (and with a `cap`, where the size is not
 * known, only a regular file is taken).
 */
static void read_plain(int dir, struct ht_batch_file *f, size_t cap)
{
	int fd = openat(dir, f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	size_t len = read_len(f, cap);
	struct stat st;
	ssize_t n;
	int whole;

	if (fd < 0)
		return;
	if (ht_strbuf_grow(f->out, len) < 0) { /* past its cap */
		ht_error_clear();
		close(fd);
		return;
	}
	n = read(fd, f->out->buf, len);
	if (cap)
		whole = n >= 0 && (size_t)n < cap && !fstat(fd, &st) &&
			S_ISREG(st.st_mode);
	else
		whole = n >= 0 && (size_t)n == f->size;
	close(fd);
	if (whole) {
		ht_strbuf_setlen(f->out, (size_t)n);
		f->size = (size_t)n;
		f->ok = 1;
	}
}

/*
 * What a read through the ring of `got` bytes (or a negative errno) says
 * of file `f`: 1 it is read, 0 it is not the file wanted, -1 the plain
 * way must say.  A read that would have waited (RWF_NOWAIT) ends early,
 * where the part of the file in memory ends: at a multiple of 4 KB; a
 * read that ends there may be such a read of a longer file.
 */
static int judge(const struct ht_batch_file *f, size_t cap, int got)
{
	size_t n = (size_t)got;

	if (got < 0)
		return -1;
	if (!cap && !n && !f->size)
		return 1; /* empty, as it is to be */
	if (!(n % 4096))
		return -1;
	if (cap)
		return n < cap ? 1 : 0;
	return n == f->size ? 1 : n < f->size ? -1 : 0;
}

static void ring_stop(struct ht_batch_read *b)
{
	if (b->ring) {
		io_uring_queue_exit(b->ring);
		free(b->ring);
	}
	b->ring = NULL;
	b->no_ring = 1;
}

/* The ring, started on first use: NULL when the kernel says no. */
static struct io_uring *ring_start(struct ht_batch_read *b)
{
	struct io_uring *ring;
	struct io_uring_probe *probe;
	int ok;

	if (b->ring || b->no_ring)
		return b->ring;
	ring = ht_xcalloc(1, sizeof(*ring));
	if (io_uring_queue_init(3 * DEPTH, ring, 0) < 0) {
		free(ring);
		b->no_ring = 1;
		return NULL;
	}
	b->ring = ring;
	probe = io_uring_get_probe_ring(ring);
	ok = probe && io_uring_opcode_supported(probe, IORING_OP_OPENAT) &&
	     io_uring_opcode_supported(probe, IORING_OP_READ) &&
	     io_uring_opcode_supported(probe, IORING_OP_CLOSE);
	if (probe)
		io_uring_free_probe(probe);
	/* direct descriptors: slot k is file k's for its open, read, close */
	if (!ok || io_uring_register_files_sparse(ring, DEPTH) < 0)
		ring_stop(b);
	return b->ring;
}

static void queue(struct io_uring *ring, int dir, struct ht_batch_file *f,
		  size_t cap, unsigned k)
{
	struct io_uring_sqe *sqe;

	/* the ring has room for DEPTH files: none of these is NULL */
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_openat_direct(sqe, dir, f->path, O_RDONLY | O_NONBLOCK,
				    0, k);
	sqe->flags |= IOSQE_IO_LINK; /* no file, no read */
	io_uring_sqe_set_data64(sqe, (uint64_t)k << 2 | STEP_OPEN);
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_read(sqe, (int)k, f->out->buf, (unsigned)read_len(f, cap),
			   0);
	/*
	 * Never waited for: O_NONBLOCK alone lets io_uring poll a FIFO or a
	 * terminal until it has bytes; with RWF_NOWAIT it answers EAGAIN
	 * (or a short read, from a file partly in memory) at once.
	 */
	sqe->rw_flags = RWF_NOWAIT;
	/* a hard link: the file is closed whatever the read gave */
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
	io_uring_sqe_set_data64(sqe, (uint64_t)k << 2 | STEP_READ);
	sqe = io_uring_get_sqe(ring);
	io_uring_prep_close_direct(sqe, k);
	io_uring_sqe_set_data64(sqe, (uint64_t)k << 2 | STEP_CLOSE);
}

/*
 * At most DEPTH files through the ring; got[k] is what the read of file
 * k gave (a negative errno when it did not happen).  -1 when the ring
 * failed: it is stopped, and the files are read plainly.  Most
 * operations end within the submitting call; those the kernel hands to
 * its workers (a name not in its cache) are waited for.
 */
static int read_ring(struct ht_batch_read *b, int dir,
		     struct ht_batch_file *files, unsigned n, size_t cap,
		     int *got)
{
	struct io_uring *ring = b->ring;
	struct io_uring_cqe *cqe;
	int submitted, seen = 0, ret = 0;
	unsigned k;

	for (k = 0; k < n; k++) {
		got[k] = -ECANCELED;
		queue(ring, dir, &files[k], cap, k);
	}
	submitted = io_uring_submit(ring);
	if (submitted != (int)(3 * n))
		ret = -1; /* what was not taken stays: the ring goes */
	while (seen < submitted) {
		int w = io_uring_wait_cqe(ring, &cqe);

		if (w == -EINTR)
			continue;
		if (w < 0) {
			/*
			 * Never seen (the completion queue holds twice the
			 * batch): reads may still land in the buffers, so
			 * they are left to the kernel, not used again.
			 */
			for (k = 0; k < n; k++)
				ht_strbuf_init(files[k].out, 0);
			ret = -1;
			break;
		}
		if ((io_uring_cqe_get_data64(cqe) & 3) == STEP_READ)
			got[io_uring_cqe_get_data64(cqe) >> 2] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		seen++;
	}
	if (ret < 0)
		ring_stop(b);
	return ret;
}

static void read_batch(struct ht_batch_read *b, int dir,
		       struct ht_batch_file *files, size_t n, size_t cap)
{
	int got[DEPTH];
	size_t i, k, m;

	for (i = 0; i < n; i++) {
		ht_strbuf_reset(files[i].out);
		files[i].ok = 0;
	}
	for (i = 0; i < n; i += m) {
		m = n - i < DEPTH ? n - i : DEPTH;
		/* room for each read; else the plain way */
		for (k = 0; k < m; k++) {
			struct ht_batch_file *f = &files[i + k];

			if (read_len(f, cap) > UINT32_MAX ||
			    ht_strbuf_grow(f->out, read_len(f, cap)) < 0) {
				ht_error_clear();
				break;
			}
		}
		if (k < m || !ring_start(b) ||
		    read_ring(b, dir, files + i, (unsigned)m, cap, got) < 0) {
			for (k = 0; k < m; k++)
				read_plain(dir, &files[i + k], cap);
			continue;
		}
		for (k = 0; k < m; k++) {
			struct ht_batch_file *f = &files[i + k];

			switch (judge(f, cap, got[k])) {
			case 1:
				VALGRIND_MAKE_MEM_DEFINED(f->out->buf,
							  (size_t)got[k]);
				ht_strbuf_setlen(f->out, (size_t)got[k]);
				f->size = (size_t)got[k];
				f->ok = 1;
				break;
			case -1: /* the ring could not, or not at once */
				read_plain(dir, f, cap);
				break;
			}
		}
	}
}

void ht_batch_read_sized(struct ht_batch_read *b, int dir,
			 struct ht_batch_file *files, size_t n)
{
	read_batch(b, dir, files, n, 0);
}

void ht_batch_read_small(struct ht_batch_read *b, int dir,
			 struct ht_batch_file *files, size_t n, size_t cap)
{
	read_batch(b, dir, files, n, cap ? cap : 1);
}

void ht_batch_read_release(struct ht_batch_read *b)
{
	ring_stop(b);
	b->no_ring = 0;
}
