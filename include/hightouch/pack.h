#ifndef HIGHTOUCH_PACK_H
#define HIGHTOUCH_PACK_H

/*
 * Writing a git pack (version 2, whole objects, no deltas) and its index
 * (.idx version 2) with nothing read back: each object is deflated into
 * memory as it comes, by a thread of the pack's own while the caller goes
 * on (inline when no thread can be started), and the files are written
 * at the end, the index made from what was deflated (ids, offsets,
 * CRC-32s).  SHA-1 repositories only.
 *
 *	struct ht_pack p = HT_PACK_INIT;
 *
 *	ht_pack_begin(&p, level);
 *	for each object: ret = ht_pack_add(&p, &id, type, data, len);
 *	ret = ht_pack_write(&p, "<objects>/pack");  (both files, temporary)
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

#include "hightouch/strbuf.h"

/* What was written of one object: its index entry. */
struct ht_pack_entry {
	git_oid id;
	uint64_t offset;
	uint32_t crc;
};

struct ht_pack {
	size_t added;          /* objects given to ht_pack_add() */
	void *worker;          /* the thread that deflates them, or NULL */
	void *compressor;      /* libdeflate's, for the worker */
	struct ht_strbuf data; /* the objects, as they go after the header */
	struct ht_pack_entry *entries;
	size_t nr, alloc;
	char *dir;             /* the pack folder, from ht_pack_write() */
	char *tmp_pack, *tmp_idx;
	unsigned char checksum[20]; /* the pack's, after ht_pack_write() */
	char name[41];         /* its hex: pack-<name>.pack */
	/*
	 * Offsets above this go to the index's table of 64-bit offsets
	 * (git index-pack's --index-version=2,<offset>); 0x7fffffff unless
	 * a test lowers it.
	 */
	uint64_t off32_limit;
	int installed;
};

#define HT_PACK_INIT                                                   \
	{ 0, NULL, NULL, HT_STRBUF_INIT, NULL, 0, 0, NULL, NULL, NULL,   \
	  { 0 }, { 0 }, 0x7fffffff, 0 }

/*
 * Start the pack `p` (whatever it held is forgotten), its objects deflated
 * at zlib's `level`, 0 to 9 (-1: zlib's default, 6).
 */
int ht_pack_begin(struct ht_pack *p, int level);

/*
 * Add the object `id` of `type` (blob, tree, commit or tag) and content
 * `data` (copied: the caller may free it at once).  The id is the
 * caller's, not checked; each id once.  A failure to deflate shows at
 * ht_pack_write().
 */
int ht_pack_add(struct ht_pack *p, const git_oid *id, git_object_t type,
		const void *data, size_t len);

/*
 * Write the pack and its index into temporary files in the folder `dir`
 * (which must exist): complete, not yet in place.
 */
int ht_pack_write(struct ht_pack *p, const char *dir);

/* Rename the pack, then its index, into place. */
int ht_pack_install(struct ht_pack *p);

/* Free `p`, removing its temporary files if they were not installed. */
void ht_pack_release(struct ht_pack *p);

/*
 * The id git gives an object of `type` and content `data`, by libcrypto's
 * SHA-1: several times faster than libgit2's collision-detecting SHA-1,
 * and as sure for telling whether content is what an id git made says
 * (the check's reading of the work tree).  Objects that are written keep
 * libgit2's.
 */
int ht_pack_object_id(git_oid *out, git_object_t type, const void *data,
		      size_t len);

#endif
