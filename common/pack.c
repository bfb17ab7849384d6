/*
 * A git pack (version 2, no deltas) and its .idx (version 2): the objects
 * deflated into memory as they come (by a thread of the pack's own), the
 * files written at the end.  The formats: git's
 * Documentation/gitformat-pack.txt.
 *
 * The pack: "PACK", version 2, the object count (all 32-bit big-endian),
 * then each object as a header (type and size, 7 bits a byte, the type in
 * the first) and its zlib stream (made by libdeflate), then the SHA-1 of
 * all that.
 *
 * The index: "\377tOc", version 2, 256 cumulative counts by first byte
 * of the id (the fanout), the sorted ids, the CRC-32 of each object's
 * bytes in the pack, each offset (31 bits, or the top bit and a place in
 * the table of 64-bit offsets that follows), the pack's checksum, then
 * the SHA-1 of the index itself.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <libdeflate.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/fs.h"
#include "hightouch/pack.h"
#include "hightouch/strbuf.h"

#define PACK_SIGNATURE "PACK"
#define IDX_SIGNATURE "\377tOc"
#define PACK_HEADER_SIZE 12
/* Packs and their indexes are read-only, as git and libgit2 make them. */
#define PACK_FILE_MODE 0444
/* Objects waiting for the deflating thread: at most this many bytes. */
#define QUEUE_MAX (32u << 20)
/* They go to it in batches of this many bytes (or the end). */
#define BATCH_SIZE (256u << 10)

/* An object waiting to be deflated. */
struct pack_job {
	struct pack_job *next;
	git_oid id;
	git_object_t type;
	size_t len;
	unsigned char data[];
};

/*
 * The thread that deflates the objects ht_pack_add() queues, in their
 * order, while the caller goes on (it alone touches p->data, p->entries
 * and p->nr until it is stopped).
 */
struct pack_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* a job came, or the end */
	pthread_cond_t room; /* the queue shrank */
	struct pack_job *head, *tail;
	size_t queued;       /* bytes waiting */
	struct pack_job *batch, *batch_tail; /* not handed over yet */
	size_t batch_len;    /* (the caller's, no lock) */
	int closing;
	int discard;         /* closing without deflating what is left */
	int err;             /* the first failure, its message in msg */
	char msg[HT_ERROR_MAX];
};

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static int pack_object(struct ht_pack *p, const git_oid *id,
		       git_object_t type, const void *data, size_t len);

/* What a job counts for in the queue: many tiny ones are a batch too. */
static size_t job_weight(size_t len)
{
	return len > 1024 ? len : 1024;
}

static void *deflate_jobs(void *arg)
{
	struct ht_pack *p = arg;
	struct pack_worker *w = p->worker;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct pack_job *job = w->head;
		int ret = 0, skip;

		if (!job) {
			if (w->closing)
				break;
			pthread_cond_wait(&w->wake, &w->lock);
			continue;
		}
		w->head = job->next;
		if (!w->head)
			w->tail = NULL;
		skip = w->err || w->discard;
		pthread_mutex_unlock(&w->lock);
		if (!skip)
			ret = pack_object(p, &job->id, job->type, job->data,
					  job->len);
		pthread_mutex_lock(&w->lock);
		if (ret < 0 && !w->err) {
			w->err = ret;
			snprintf(w->msg, sizeof(w->msg), "%s",
				 ht_error_message());
		}
		w->queued -= job_weight(job->len);
		free(job);
		pthread_cond_signal(&w->room);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* A thread to deflate the objects; none (deflated inline) if it fails. */
static void start_worker(struct ht_pack *p)
{
	struct pack_worker *w = ht_xcalloc(1, sizeof(*w));

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->room, NULL);
	p->worker = w;
	if (pthread_create(&w->thread, NULL, deflate_jobs, p)) {
		pthread_cond_destroy(&w->room);
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		p->worker = NULL;
	}
}

/* Hand the batch to the thread, waiting while its queue is full. */
static void hand_over(struct pack_worker *w)
{
	if (!w->batch)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->queued && w->queued + w->batch_len > QUEUE_MAX)
		pthread_cond_wait(&w->room, &w->lock);
	if (w->tail)
		w->tail->next = w->batch;
	else
		w->head = w->batch;
	w->tail = w->batch_tail;
	w->queued += w->batch_len;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	w->batch = w->batch_tail = NULL;
	w->batch_len = 0;
}

/* The batch not handed over, dropped. */
static void drop_batch(struct pack_worker *w)
{
	while (w->batch) {
		struct pack_job *job = w->batch;

		w->batch = job->next;
		free(job);
	}
	w->batch_tail = NULL;
	w->batch_len = 0;
}

/*
 * Let the thread finish the queue and end it: its failure, if any.  Or,
 * with `discard`, drop what is left without waiting for it: no failure
 * then, since the caller's error (if any) is the one to tell.
 */
static int stop_worker(struct ht_pack *p, int discard)
{
	struct pack_worker *w = p->worker;
	int ret;

	if (!w)
		return 0;
	if (discard)
		drop_batch(w);
	else
		hand_over(w);
	pthread_mutex_lock(&w->lock);
	w->closing = 1;
	w->discard = discard;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	ret = w->err && !discard ? ht_error_set(w->err, "%s", w->msg) : 0;
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
	p->worker = NULL;
	return ret;
}

/* A copy of the object for the thread, handed over by the batch. */
static void queue_object(struct pack_worker *w, const git_oid *id,
			 git_object_t type, const void *data, size_t len)
{
	struct pack_job *job = ht_xmalloc(ht_st_add(sizeof(*job), len));

	job->next = NULL;
	git_oid_cpy(&job->id, id);
	job->type = type;
	job->len = len;
	if (len)
		memcpy(job->data, data, len);
	if (w->batch_tail)
		w->batch_tail->next = job;
	else
		w->batch = job;
	w->batch_tail = job;
	w->batch_len += job_weight(len);
	if (w->batch_len >= BATCH_SIZE)
		hand_over(w);
}

int ht_pack_begin(struct ht_pack *p, int level)
{
	struct ht_pack init = HT_PACK_INIT;
	struct libdeflate_compressor *c;

	*p = init;
	/* zlib's levels; -1, its default, is 6 */
	c = libdeflate_alloc_compressor(level < 0 ? 6 : level);
	if (!c)
		return ht_error_set(HT_ERROR, "cannot start libdeflate's "
				    "compressor at level %d", level);
	p->compressor = c;
	start_worker(p);
	return 0;
}

/* The object header: type and size, 7 bits a byte, low bits first. */
static size_t object_header(unsigned char *out, git_object_t type,
			    size_t len)
{
	size_t n = 0;
	unsigned char c = (unsigned char)(((unsigned)type << 4) | (len & 15));

	len >>= 4;
	while (len) {
		out[n++] = c | 0x80;
		c = len & 0x7f;
		len >>= 7;
	}
	out[n++] = c;
	return n;
}

/*
 * `len` bytes of `data`, deflated onto the end of p->data: one zlib
 * stream, which libdeflate makes in one call, about twice as fast as
 * zlib at level 1 on the helper's small files.
 */
static int deflate_into(struct ht_pack *p, const void *data, size_t len)
{
	struct libdeflate_compressor *c = p->compressor;
	size_t bound = libdeflate_zlib_compress_bound(c, len), n;

	ht_strbuf_grow(&p->data, bound);
	n = libdeflate_zlib_compress(c, data, len, p->data.buf + p->data.len,
				     bound);
	if (!n)
		return ht_error_set(HT_ERROR, "cannot deflate an object of "
				    "%zu bytes", len);
	ht_strbuf_setlen(&p->data, p->data.len + n);
	return 0;
}

/* The object, deflated onto the end of p->data, and its index entry. */
static int pack_object(struct ht_pack *p, const git_oid *id,
		       git_object_t type, const void *data, size_t len)
{
	struct ht_pack_entry *e;
	unsigned char hdr[16];
	size_t start = p->data.len;
	int ret;

	ht_strbuf_add(&p->data, hdr, object_header(hdr, type, len));
	ret = deflate_into(p, data, len);
	if (ret < 0) {
		ht_strbuf_setlen(&p->data, start);
		return ret;
	}
	HT_ALLOC_GROW(p->entries, p->nr + 1, p->alloc);
	e = &p->entries[p->nr++];
	git_oid_cpy(&e->id, id);
	e->offset = PACK_HEADER_SIZE + start;
	e->crc = libdeflate_crc32(0, p->data.buf + start, p->data.len - start);
	return 0;
}

int ht_pack_add(struct ht_pack *p, const git_oid *id, git_object_t type,
		const void *data, size_t len)
{
	if (type < GIT_OBJECT_COMMIT || type > GIT_OBJECT_TAG)
		return ht_error_set(HT_EINVALID, "cannot pack an object of "
				    "type %d", (int)type);
	if (p->added == UINT32_MAX)
		return ht_error_set(HT_ETOOBIG, "too many objects for a pack");
	if (p->tmp_pack)
		return ht_error_set(HT_EINVALID, "the pack is written already");
	p->added++;
	if (p->worker) {
		queue_object(p->worker, id, type, data, len);
		return 0;
	}
	return pack_object(p, id, type, data, len);
}

/* Bytes that go into a file one after the other. */
struct piece {
	const void *buf;
	size_t len;
};

/*
 * The `nr` pieces of `bufs` into a new temporary file
 * "<dir>/<prefix>XXXXXX", read-only, its name into `*path`.
 */
static int write_temp(char **path, const char *dir, const char *prefix,
		      const struct piece *bufs, size_t nr)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i;
	int fd, ret = 0;

	ht_strbuf_addf(&sb, "%s/%sXXXXXX", dir, prefix);
	fd = mkstemp(sb.buf);
	if (fd < 0) {
		ret = ht_error_set(HT_EIO, "cannot create '%s': %s", sb.buf,
				   strerror(errno));
		ht_strbuf_release(&sb);
		return ret;
	}
	*path = ht_strbuf_detach(&sb, NULL);
	errno = 0;
	for (i = 0; i < nr && !ret; i++)
		if (ht_write_all(fd, bufs[i].buf, bufs[i].len) < 0)
			ret = -1;
	if (!ret && fchmod(fd, PACK_FILE_MODE) < 0)
		ret = -1;
	if (close(fd) < 0)
		ret = -1;
	if (ret < 0)
		ret = ht_error_set(HT_EIO, "cannot write '%s': %s", *path,
				   errno ? strerror(errno) : "short write");
	return ret;
}

static int cmp_entry(const void *va, const void *vb)
{
	const struct ht_pack_entry *a = va, *b = vb;

	return git_oid_cmp(&a->id, &b->id);
}

/* The index of the entries (sorted), without its own checksum. */
static void make_index(struct ht_pack *p, struct ht_strbuf *idx)
{
	unsigned char b[8];
	uint32_t fanout[256] = { 0 };
	size_t i, large = 0;

	ht_strbuf_grow(idx, 8 + sizeof(fanout) + p->nr * 36 + 40);
	for (i = 0; i < p->nr; i++)
		fanout[p->entries[i].id.id[0]]++;
	for (i = 1; i < 256; i++)
		fanout[i] += fanout[i - 1];
	ht_strbuf_add(idx, IDX_SIGNATURE, 4);
	put_be32(b, 2);
	ht_strbuf_add(idx, b, 4);
	for (i = 0; i < 256; i++) {
		put_be32(b, fanout[i]);
		ht_strbuf_add(idx, b, 4);
	}
	for (i = 0; i < p->nr; i++)
		ht_strbuf_add(idx, p->entries[i].id.id, GIT_OID_RAWSZ);
	for (i = 0; i < p->nr; i++) {
		put_be32(b, p->entries[i].crc);
		ht_strbuf_add(idx, b, 4);
	}
	for (i = 0; i < p->nr; i++) {
		uint64_t off = p->entries[i].offset;

		put_be32(b, off > p->off32_limit ?
			 0x80000000u | (uint32_t)large++ : (uint32_t)off);
		ht_strbuf_add(idx, b, 4);
	}
	for (i = 0; i < p->nr; i++) {
		if (p->entries[i].offset <= p->off32_limit)
			continue;
		put_be64(b, p->entries[i].offset);
		ht_strbuf_add(idx, b, 8);
	}
	ht_strbuf_add(idx, p->checksum, sizeof(p->checksum));
}

/*
 * libcrypto's SHA-1, looked up once: EVP_sha1() makes each use look it up
 * again, under a lock all threads share.
 */
static EVP_MD *sha1_md;
static pthread_once_t sha1_once = PTHREAD_ONCE_INIT;

static void fetch_sha1(void)
{
	sha1_md = EVP_MD_fetch(NULL, "SHA1", NULL);
}

/* The SHA-1 of the `nr` pieces of `bufs`, into `out`. */
static int sha1_of(unsigned char *out, const struct piece *bufs, size_t nr)
{
	EVP_MD_CTX *ctx;
	size_t i;
	int ok;

	pthread_once(&sha1_once, fetch_sha1);
	ctx = sha1_md ? EVP_MD_CTX_new() : NULL;
	ok = ctx && EVP_DigestInit_ex(ctx, sha1_md, NULL);

	for (i = 0; ok && i < nr; i++)
		ok = EVP_DigestUpdate(ctx, bufs[i].buf, bufs[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : ht_error_set(HT_ERROR, "cannot compute SHA-1");
}

int ht_pack_object_id(git_oid *out, git_object_t type, const void *data,
		      size_t len)
{
	char hdr[64];
	struct piece bufs[2] = { { hdr, 0 }, { data, len } };

	if (type < GIT_OBJECT_COMMIT || type > GIT_OBJECT_TAG)
		return ht_error_set(HT_EINVALID, "cannot hash an object of "
				    "type %d", (int)type);
	bufs[0].len = (size_t)snprintf(hdr, sizeof(hdr), "%s %zu",
				       git_object_type2string(type), len) + 1;
	return sha1_of(out->id, bufs, 2);
}

int ht_pack_write(struct ht_pack *p, const char *dir)
{
	unsigned char hdr[PACK_HEADER_SIZE], idx_sum[GIT_OID_RAWSZ];
	struct ht_strbuf idx = HT_STRBUF_INIT;
	/* the pack: header, objects, checksum; the index: the same */
	struct piece pack[3] = {
		{ hdr, sizeof(hdr) },
		{ NULL, 0 }, /* p->data, once the thread is done */
		{ p->checksum, sizeof(p->checksum) },
	};
	struct piece index[2] = { { NULL, 0 }, { idx_sum, sizeof(idx_sum) } };
	int ret;

	if (p->tmp_pack)
		return ht_error_set(HT_EINVALID, "the pack is written already");
	ret = stop_worker(p, 0);
	if (ret < 0)
		return ret;
	/* after a failure told before: never a pack without some objects */
	if (p->nr != p->added)
		return ht_error_set(HT_ERROR, "cannot write a pack: %u of its "
				    "%u objects failed to compress",
				    (unsigned)(p->added - p->nr),
				    (unsigned)p->added);
	pack[1].buf = p->data.buf;
	pack[1].len = p->data.len;
	free(p->dir);
	p->dir = ht_xstrdup(dir);
	memcpy(hdr, PACK_SIGNATURE, 4);
	put_be32(hdr + 4, 2);
	put_be32(hdr + 8, (uint32_t)p->nr);
	ret = sha1_of(p->checksum, pack, 2);
	if (ret < 0)
		return ret;
	git_oid_fmt(p->name, (const git_oid *)p->checksum);
	p->name[40] = '\0';
	ret = write_temp(&p->tmp_pack, dir, "tmp_pack_", pack, 3);
	if (ret < 0)
		return ret;

	if (p->nr)
		qsort(p->entries, p->nr, sizeof(*p->entries), cmp_entry);
	make_index(p, &idx);
	index[0].buf = idx.buf;
	index[0].len = idx.len;
	ret = sha1_of(idx_sum, index, 1);
	if (!ret)
		ret = write_temp(&p->tmp_idx, dir, "tmp_idx_", index, 2);
	ht_strbuf_release(&idx);
	return ret;
}

static int rename_to(const char *from, const char *dir, const char *name,
		     const char *ext)
{
	struct ht_strbuf to = HT_STRBUF_INIT;
	int ret = 0;

	ht_strbuf_addf(&to, "%s/pack-%s.%s", dir, name, ext);
	if (rename(from, to.buf) < 0)
		ret = ht_error_set(HT_EIO, "cannot rename '%s' to '%s': %s",
				   from, to.buf, strerror(errno));
	ht_strbuf_release(&to);
	return ret;
}

int ht_pack_install(struct ht_pack *p)
{
	int ret;

	if (!p->tmp_idx)
		return ht_error_set(HT_EINVALID, "the pack is not written");
	ret = rename_to(p->tmp_pack, p->dir, p->name, "pack");
	if (ret < 0)
		return ret;
	ret = rename_to(p->tmp_idx, p->dir, p->name, "idx");
	if (ret < 0) {
		/* no pack without its index: it would only take room */
		struct ht_strbuf path = HT_STRBUF_INIT;

		ht_strbuf_addf(&path, "%s/pack-%s.pack", p->dir, p->name);
		unlink(path.buf);
		ht_strbuf_release(&path);
		free(p->tmp_pack);
		p->tmp_pack = NULL;
		return ret;
	}
	p->installed = 1;
	return 0;
}

void ht_pack_release(struct ht_pack *p)
{
	stop_worker(p, 1);
	if (!p->installed) {
		if (p->tmp_pack)
			unlink(p->tmp_pack);
		if (p->tmp_idx)
			unlink(p->tmp_idx);
	}
	if (p->compressor)
		libdeflate_free_compressor(p->compressor);
	ht_strbuf_release(&p->data);
	free(p->entries);
	free(p->tmp_pack);
	free(p->tmp_idx);
	free(p->dir);
	memset(p, 0, sizeof(*p));
	ht_strbuf_init(&p->data, 0);
	p->off32_limit = 0x7fffffff;
}
