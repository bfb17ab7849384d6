#ifndef HIGHTOUCH_PACK_H
#define HIGHTOUCH_PACK_H

/*
 * Writing a git pack (version 2, whole objects, no deltas) and its index
 * (.idx version 2) in one pass: each object is deflated into the pack as
 * it comes, and the index is made from what was written (ids, offsets,
 * CRC-32s), so nothing is read back.  SHA-1 repositories only.
 *
 *	struct ht_pack p = HT_PACK_INIT;
 *
 *	ret = ht_pack_begin(&p, "<objects>/pack", nr, level);
 *	for each object: ret = ht_pack_add(&p, &id, type, data, len);
 *	ret = ht_pack_end(&p);      (both files complete, still temporary)
 *	ret = ht_pack_install(&p);  (renamed: the .pack, then the .idx)
 *	ht_pack_release(&p);        (removes what was not installed)
 *
 * The files are "tmp_pack_XXXXXX" and "tmp_idx_XXXXXX" in the pack
 * folder until ht_pack_install() renames them "pack-<checksum>.pack" and
 * ".idx", the index last, as git does: a crash never leaves an index
 * without its pack.
 */

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

/* What was written of one object: its index entry. */
struct ht_pack_entry {
	git_oid id;
	uint64_t offset;
	uint32_t crc;
};

struct ht_pack {
	char *dir;             /* the pack folder */
	char *tmp_pack, *tmp_idx;
	int fd;                /* of tmp_pack while writing, else -1 */
	void *sha;             /* the pack's running SHA-1 (EVP_MD_CTX) */
	void *zs;              /* deflate's state (z_stream) */
	unsigned char *buf;    /* output not yet written to fd */
	size_t buf_len;
	uint64_t offset;       /* bytes of the pack so far, buf included */
	struct ht_pack_entry *entries;
	size_t nr, expected;
	unsigned char checksum[20]; /* the pack's, after ht_pack_end() */
	char name[41];         /* its hex: pack-<name>.pack */
	/*
	 * Offsets above this go to the index's table of 64-bit offsets
	 * (git index-pack's --index-version=2,<offset>); 0x7fffffff unless
	 * a test lowers it.
	 */
	uint64_t off32_limit;
	int installed;
};

#define HT_PACK_INIT { NULL, NULL, NULL, -1, NULL, NULL, NULL, 0, 0, NULL, \
		       0, 0, { 0 }, { 0 }, 0x7fffffff, 0 }

/*
 * Start the pack of `nr` objects in the folder `dir` (which must exist),
 * deflated at zlib `level` (-1: zlib's default).
 */
int ht_pack_begin(struct ht_pack *p, const char *dir, size_t nr, int level);

/*
 * Add the object `id` of `type` (blob, tree, commit or tag) and content
 * `data`.  The id is the caller's, not checked; each id once.
 */
int ht_pack_add(struct ht_pack *p, const git_oid *id, git_object_t type,
		const void *data, size_t len);

/*
 * The pack's checksum, then its index: both files complete, not yet in
 * place.  HT_EINVALID when fewer objects came than ht_pack_begin() said.
 */
int ht_pack_end(struct ht_pack *p);

/* Rename the pack, then its index, into place. */
int ht_pack_install(struct ht_pack *p);

/* Free `p`, removing its temporary files if they were not installed. */
void ht_pack_release(struct ht_pack *p);

#endif
