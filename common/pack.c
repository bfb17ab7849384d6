/*
 * A git pack (version 2, no deltas) and its .idx (version 2), written in
 * one pass.  The formats: git's Documentation/gitformat-pack.txt.
 *
 * The pack: "PACK", version 2, the object count (all 32-bit big-endian),
 * then each object as a header (type and size, 7 bits a byte, the type in
 * the first) and its zlib stream, then the SHA-1 of all that.
 *
 * The index: "\377tOc", version 2, 256 cumulative counts by first byte
 * of the id (the fanout), the sorted ids, the CRC-32 of each object's
 * bytes in the pack, each offset (31 bits, or the top bit and a place in
 * the table of 64-bit offsets that follows), the pack's checksum, then
 * the SHA-1 of the index itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/pack.h"
#include "hightouch/strbuf.h"

/* Output is written in pieces of this size. */
#define PACK_BUF_SIZE (256 * 1024)
#define PACK_SIGNATURE "PACK"
#define IDX_SIGNATURE "\377tOc"
/* Packs and their indexes are read-only, as git and libgit2 make them. */
#define PACK_FILE_MODE 0444

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

static int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int io_error(const char *path)
{
	return ht_error_set(HT_EIO, "cannot write '%s': %s", path,
			    errno ? strerror(errno) : "short write");
}

/* What is in the buffer, into the pack's checksum and the file. */
static int flush(struct ht_pack *p)
{
	if (!p->buf_len)
		return 0;
	if (!EVP_DigestUpdate(p->sha, p->buf, p->buf_len))
		return ht_error_set(HT_ERROR, "cannot compute SHA-1");
	errno = 0;
	if (write_all(p->fd, p->buf, p->buf_len) < 0)
		return io_error(p->tmp_pack);
	p->buf_len = 0;
	return 0;
}

/* `len` bytes into the pack, through the buffer; `crc` is updated. */
static int put(struct ht_pack *p, const void *data, size_t len, uLong *crc)
{
	const unsigned char *s = data;

	if (crc)
		*crc = crc32_z(*crc, s, len);
	while (len) {
		size_t n = PACK_BUF_SIZE - p->buf_len;
		int ret;

		if (n > len)
			n = len;
		memcpy(p->buf + p->buf_len, s, n);
		p->buf_len += n;
		p->offset += n;
		s += n;
		len -= n;
		if (p->buf_len == PACK_BUF_SIZE && (ret = flush(p)) < 0)
			return ret;
	}
	return 0;
}

/* A temporary file "<dir>/<prefix>XXXXXX", its name into `*path`. */
static int make_temp(char **path, const char *dir, const char *prefix)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	int fd;

	ht_strbuf_addf(&sb, "%s/%sXXXXXX", dir, prefix);
	fd = mkstemp(sb.buf);
	if (fd < 0) {
		int ret = ht_error_set(HT_EIO, "cannot create '%s': %s",
				       sb.buf, strerror(errno));

		ht_strbuf_release(&sb);
		return ret;
	}
	*path = ht_strbuf_detach(&sb, NULL);
	return fd;
}

int ht_pack_begin(struct ht_pack *p, const char *dir, size_t nr, int level)
{
	unsigned char hdr[12];
	z_stream *zs;

	if (nr > UINT32_MAX)
		return ht_error_set(HT_ETOOBIG, "too many objects for a pack");
	p->dir = ht_xstrdup(dir);
	p->expected = nr;
	p->entries = ht_xcalloc(nr ? nr : 1, sizeof(*p->entries));
	p->buf = ht_xmalloc(PACK_BUF_SIZE);
	zs = ht_xcalloc(1, sizeof(*zs));
	if (deflateInit(zs, level) != Z_OK) {
		free(zs);
		return ht_error_set(HT_ERROR, "cannot start zlib's deflate");
	}
	p->zs = zs;
	p->sha = EVP_MD_CTX_new();
	if (!p->sha || !EVP_DigestInit_ex(p->sha, EVP_sha1(), NULL))
		return ht_error_set(HT_ERROR, "cannot compute SHA-1");
	p->fd = make_temp(&p->tmp_pack, dir, "tmp_pack_");
	if (p->fd < 0)
		return p->fd;
	memcpy(hdr, PACK_SIGNATURE, 4);
	put_be32(hdr + 4, 2);
	put_be32(hdr + 8, (uint32_t)nr);
	return put(p, hdr, sizeof(hdr), NULL);
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

int ht_pack_add(struct ht_pack *p, const git_oid *id, git_object_t type,
		const void *data, size_t len)
{
	struct ht_pack_entry *e;
	unsigned char hdr[16];
	z_stream *zs = p->zs;
	uLong crc = crc32_z(0, NULL, 0);
	int ret, z;

	if (p->nr == p->expected)
		return ht_error_set(HT_EINVALID, "more objects than the "
				    "pack's %zu", p->expected);
	if (type < GIT_OBJECT_COMMIT || type > GIT_OBJECT_TAG)
		return ht_error_set(HT_EINVALID, "cannot pack an object of "
				    "type %d", (int)type);
	e = &p->entries[p->nr];
	git_oid_cpy(&e->id, id);
	e->offset = p->offset;
	ret = put(p, hdr, object_header(hdr, type, len), &crc);
	if (ret < 0)
		return ret;
	if (deflateReset(zs) != Z_OK)
		return ht_error_set(HT_ERROR, "zlib's deflate failed");
	zs->next_in = (Bytef *)(uintptr_t)data;
	zs->avail_in = 0;
	do {
		unsigned char *out;
		size_t room, made;

		/* zlib counts in uInt: feed at most 1 GiB at a time */
		if (!zs->avail_in && len) {
			zs->avail_in = len > (1u << 30) ? 1u << 30 : (uInt)len;
			len -= zs->avail_in;
		}
		if (p->buf_len == PACK_BUF_SIZE && (ret = flush(p)) < 0)
			return ret;
		out = p->buf + p->buf_len;
		room = PACK_BUF_SIZE - p->buf_len;
		zs->next_out = out;
		zs->avail_out = (uInt)room;
		z = deflate(zs, len ? Z_NO_FLUSH : Z_FINISH);
		if (z != Z_OK && z != Z_STREAM_END && z != Z_BUF_ERROR)
			return ht_error_set(HT_ERROR, "zlib's deflate failed");
		made = room - zs->avail_out;
		crc = crc32_z(crc, out, made);
		p->buf_len += made;
		p->offset += made;
	} while (z != Z_STREAM_END);
	e->crc = (uint32_t)crc;
	p->nr++;
	return 0;
}

static int cmp_entry(const void *va, const void *vb)
{
	const struct ht_pack_entry *a = va, *b = vb;

	return git_oid_cmp(&a->id, &b->id);
}

/* The index of the entries (sorted), into `idx`. */
static void make_index(struct ht_pack *p, struct ht_strbuf *idx)
{
	unsigned char b[8];
	uint32_t fanout[256] = { 0 };
	size_t i, large = 0;

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

/* `p`'s index, with its own checksum, into a temporary file. */
static int write_index(struct ht_pack *p)
{
	struct ht_strbuf idx = HT_STRBUF_INIT;
	unsigned char sum[EVP_MAX_MD_SIZE];
	int fd, ret = 0;

	qsort(p->entries, p->nr, sizeof(*p->entries), cmp_entry);
	ht_strbuf_grow(&idx, 1072 + p->nr * 28 + 40);
	make_index(p, &idx);
	if (!EVP_Digest(idx.buf, idx.len, sum, NULL, EVP_sha1(), NULL)) {
		ret = ht_error_set(HT_ERROR, "cannot compute SHA-1");
		goto cleanup;
	}
	ht_strbuf_add(&idx, sum, GIT_OID_RAWSZ);
	fd = make_temp(&p->tmp_idx, p->dir, "tmp_idx_");
	if (fd < 0) {
		ret = fd;
		goto cleanup;
	}
	errno = 0;
	if (write_all(fd, (unsigned char *)idx.buf, idx.len) < 0 ||
	    fchmod(fd, PACK_FILE_MODE) < 0)
		ret = io_error(p->tmp_idx);
	if (close(fd) < 0 && !ret)
		ret = io_error(p->tmp_idx);
cleanup:
	ht_strbuf_release(&idx);
	return ret;
}

int ht_pack_end(struct ht_pack *p)
{
	unsigned int len;
	int ret;

	if (p->nr != p->expected)
		return ht_error_set(HT_EINVALID, "%zu objects for a pack of "
				    "%zu", p->nr, p->expected);
	ret = flush(p);
	if (ret < 0)
		return ret;
	if (!EVP_DigestFinal_ex(p->sha, p->checksum, &len))
		return ht_error_set(HT_ERROR, "cannot compute SHA-1");
	errno = 0;
	if (write_all(p->fd, p->checksum, sizeof(p->checksum)) < 0 ||
	    fchmod(p->fd, PACK_FILE_MODE) < 0)
		return io_error(p->tmp_pack);
	ret = close(p->fd);
	p->fd = -1;
	if (ret < 0)
		return io_error(p->tmp_pack);
	git_oid_fmt(p->name, (const git_oid *)p->checksum);
	p->name[40] = '\0';
	return write_index(p);
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

	if (!p->tmp_idx || p->fd >= 0)
		return ht_error_set(HT_EINVALID, "the pack is not complete");
	ret = rename_to(p->tmp_pack, p->dir, p->name, "pack");
	if (!ret)
		ret = rename_to(p->tmp_idx, p->dir, p->name, "idx");
	if (!ret)
		p->installed = 1;
	return ret;
}

void ht_pack_release(struct ht_pack *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (!p->installed) {
		if (p->tmp_pack)
			unlink(p->tmp_pack);
		if (p->tmp_idx)
			unlink(p->tmp_idx);
	}
	if (p->zs)
		deflateEnd(p->zs);
	free(p->zs);
	EVP_MD_CTX_free(p->sha);
	free(p->buf);
	free(p->entries);
	free(p->tmp_pack);
	free(p->tmp_idx);
	free(p->dir);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->off32_limit = 0x7fffffff;
}
