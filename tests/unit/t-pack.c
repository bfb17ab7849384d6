/*
 * Unit tests for the pack writer (common/pack.c): packs written here are
 * checked by git itself (`git verify-pack`, `git fsck`, `git cat-file`),
 * and their index must be byte for byte the one `git index-pack` makes
 * of the same pack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/pack.h"
#include "hightouch/run.h"
#include "hightouch/strbuf.h"

/* A git repository in a new temporary folder; its pack folder. */
struct repo {
	char top[32];
	struct ht_strbuf packdir;
};

static void repo_init(struct repo *r)
{
	const char *argv[] = { "init", "-q", NULL, NULL };

	strcpy(r->top, "/tmp/t-pack-XXXXXX");
	assert_non_null(mkdtemp(r->top));
	argv[2] = r->top;
	assert_int_equal(ht_run_git(NULL, NULL, 0, argv, 0), 0);
	ht_strbuf_init(&r->packdir, 0);
	ht_strbuf_addf(&r->packdir, "%s/.git/objects/pack", r->top);
}

static void repo_release(struct repo *r)
{
	struct ht_strbuf cmd = HT_STRBUF_INIT;

	ht_strbuf_addf(&cmd, "rm -rf '%s'", r->top);
	assert_int_equal(system(cmd.buf), 0);
	ht_strbuf_release(&cmd);
	ht_strbuf_release(&r->packdir);
}

/*
 * `git -C <top> ARGS...` (at most 6, NULL-terminated) succeeds; its
 * output into `out` (may be NULL).
 */
static void git_in(struct repo *r, struct ht_strbuf *out, ...)
{
	const char *argv[9] = { "-C", r->top };
	size_t n = 2;
	va_list ap;

	va_start(ap, out);
	while ((argv[n] = va_arg(ap, const char *)))
		assert_true(++n < 8);
	va_end(ap);
	assert_int_equal(ht_run_git(out, NULL, 0, argv, HT_RUN_QUIET), 0);
}

/* How many names in the pack folder begin with `prefix`. */
static int count_files(struct repo *r, const char *prefix)
{
	DIR *d = opendir(r->packdir.buf);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

struct object {
	git_object_t type;
	struct ht_strbuf data;
	git_oid id;
};

static void object_hash(struct object *o)
{
	assert_int_equal(git_odb_hash(&o->id, o->data.buf, o->data.len,
				      o->type), 0);
}

/*
 * Objects to pack: a small blob, an empty one, 1 MiB that does not
 * compress (more than the writer's buffer), a tree of the three, and a
 * commit of it.
 */
#define NR_OBJECTS 5
static void make_objects(struct object *o)
{
	uint32_t x = 12345;
	size_t i;
	char hex[GIT_OID_HEXSZ + 1];

	for (i = 0; i < NR_OBJECTS; i++)
		ht_strbuf_init(&o[i].data, 0);
	o[0].type = o[1].type = o[2].type = GIT_OBJECT_BLOB;
	ht_strbuf_addstr(&o[0].data, "name: users\nslug: users\n");
	for (i = 0; i < 1024 * 1024; i++) {
		x = x * 1103515245u + 12345u;
		ht_strbuf_addch(&o[2].data, (int)(x >> 24));
	}
	for (i = 0; i < 3; i++)
		object_hash(&o[i]);
	o[3].type = GIT_OBJECT_TREE;
	ht_strbuf_addstr(&o[3].data, "100644 a.yaml");
	ht_strbuf_add(&o[3].data, "", 1);
	ht_strbuf_add(&o[3].data, o[0].id.id, GIT_OID_RAWSZ);
	ht_strbuf_addstr(&o[3].data, "100644 b.yaml");
	ht_strbuf_add(&o[3].data, "", 1);
	ht_strbuf_add(&o[3].data, o[1].id.id, GIT_OID_RAWSZ);
	ht_strbuf_addstr(&o[3].data, "100644 c.bin");
	ht_strbuf_add(&o[3].data, "", 1);
	ht_strbuf_add(&o[3].data, o[2].id.id, GIT_OID_RAWSZ);
	object_hash(&o[3]);
	o[4].type = GIT_OBJECT_COMMIT;
	ht_strbuf_addf(&o[4].data,
		       "tree %s\n"
		       "author A <a@example.com> 1700000000 +0000\n"
		       "committer A <a@example.com> 1700000000 +0000\n"
		       "\nCreate model users (OUTBOUND)\n",
		       git_oid_tostr(hex, sizeof(hex), &o[3].id));
	object_hash(&o[4]);
}

static void free_objects(struct object *o)
{
	size_t i;

	for (i = 0; i < NR_OBJECTS; i++)
		ht_strbuf_release(&o[i].data);
}

/* Pack the objects into `r` (offsets above `limit` in the 64-bit table). */
static void write_pack(struct repo *r, struct object *o, uint64_t limit,
		       int level, struct ht_strbuf *name)
{
	struct ht_pack p = HT_PACK_INIT;
	size_t i;

	assert_int_equal(ht_pack_begin(&p, level), 0);
	p.off32_limit = limit;
	for (i = 0; i < NR_OBJECTS; i++)
		assert_int_equal(ht_pack_add(&p, &o[i].id, o[i].type,
					     o[i].data.buf, o[i].data.len), 0);
	assert_int_equal(count_files(r, "tmp_"), 0);
	assert_int_equal(ht_pack_write(&p, r->packdir.buf), 0);
	assert_int_equal(count_files(r, "tmp_pack_"), 1);
	assert_int_equal(count_files(r, "tmp_idx_"), 1);
	assert_int_equal(count_files(r, "pack-"), 0);
	assert_int_equal(ht_pack_install(&p), 0);
	ht_strbuf_addstr(name, p.name);
	ht_pack_release(&p);
	assert_int_equal(count_files(r, "tmp_"), 0);
	assert_int_equal(count_files(r, "pack-"), 2);
}

/* git's checks of the pack `name` in `r`, and its objects' contents. */
static void check_pack(struct repo *r, struct object *o, const char *name,
		       const char *index_version)
{
	struct ht_strbuf path = HT_STRBUF_INIT, out = HT_STRBUF_INIT;
	struct ht_strbuf ours = HT_STRBUF_INIT, git = HT_STRBUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;

	ht_strbuf_addf(&path, "%s/pack-%s.idx", r->packdir.buf, name);
	git_in(r, &out, "verify-pack", "-v", path.buf, (char *)NULL);
	assert_non_null(strstr(out.buf, "non delta: 5 objects"));
	git_in(r, NULL, "fsck", "--full", "--strict", (char *)NULL);
	for (i = 0; i < NR_OBJECTS; i++) {
		ht_strbuf_reset(&out);
		git_in(r, &out, "cat-file", git_object_type2string(o[i].type),
		       git_oid_tostr(hex, sizeof(hex), &o[i].id), (char *)NULL);
		assert_int_equal(out.len, o[i].data.len);
		assert_memory_equal(out.buf, o[i].data.buf, out.len);
	}

	/* the index is the one git makes of the same pack */
	assert_int_equal(ht_strbuf_read_file(&ours, path.buf, 1 << 20), 0);
	ht_strbuf_reset(&path);
	ht_strbuf_addf(&path, "%s/pack-%s.pack", r->packdir.buf, name);
	ht_strbuf_reset(&out);
	ht_strbuf_addf(&out, "%s/git.idx", r->top);
	git_in(r, NULL, "index-pack", index_version, "-o", out.buf, path.buf,
	       (char *)NULL);
	assert_int_equal(ht_strbuf_read_file(&git, out.buf, 1 << 20), 0);
	assert_int_equal(ours.len, git.len);
	assert_memory_equal(ours.buf, git.buf, ours.len);

	ht_strbuf_release(&git);
	ht_strbuf_release(&ours);
	ht_strbuf_release(&out);
	ht_strbuf_release(&path);
}

/*
 * Pack the objects at zlib's `level`, offsets above `limit` in the 64-bit
 * table, and check the pack as git index-pack `index_version` would make
 * its index.
 */
static void pack_and_check(uint64_t limit, int level,
			   const char *index_version)
{
	struct object o[NR_OBJECTS];
	struct repo r;
	struct ht_strbuf name = HT_STRBUF_INIT;

	repo_init(&r);
	make_objects(o);
	write_pack(&r, o, limit, level, &name);
	check_pack(&r, o, name.buf, index_version);
	free_objects(o);
	ht_strbuf_release(&name);
	repo_release(&r);
}

static void test_pack(void **state)
{
	(void)state;
	pack_and_check(0x7fffffff, 1, "--index-version=2");
	pack_and_check(0x7fffffff, 0, "--index-version=2"); /* stored */
}

/* Offsets past 31 bits, without a 2 GiB pack: the limit lowered. */
static void test_pack_large_offsets(void **state)
{
	(void)state;
	/* every object but the first (at 12) in the 64-bit table */
	pack_and_check(12, -1, "--index-version=2,12");
}

/* Bad input and failures; nothing left behind when not installed. */
static void test_pack_errors(void **state)
{
	struct ht_pack p = HT_PACK_INIT;
	struct object o[NR_OBJECTS];
	struct ht_strbuf missing = HT_STRBUF_INIT;
	struct repo r;

	(void)state;
	repo_init(&r);
	make_objects(o);
	/* a level libdeflate does not have (it has zlib's, and 10 to 12) */
	assert_int_equal(ht_pack_begin(&p, 13), HT_ERROR);
	assert_string_equal(ht_error_message(), "cannot start libdeflate's "
			    "compressor at level 13");
	ht_pack_release(&p);
	assert_int_equal(ht_pack_begin(&p, 1), 0);
	assert_int_equal(ht_pack_add(&p, &o[0].id, GIT_OBJECT_OFS_DELTA,
				     o[0].data.buf, o[0].data.len),
			 HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "cannot pack an object of type 6");
	assert_int_equal(ht_pack_add(&p, &o[0].id, o[0].type, o[0].data.buf,
				     o[0].data.len), 0);
	assert_int_equal(ht_pack_install(&p), HT_EINVALID);
	assert_string_equal(ht_error_message(), "the pack is not written");

	/* a pack folder that is not there */
	ht_strbuf_addf(&missing, "%s/missing", r.packdir.buf);
	assert_int_equal(ht_pack_write(&p, missing.buf), HT_EIO);
	assert_non_null(strstr(ht_error_message(), "cannot create '"));
	ht_pack_release(&p);

	/* written, not installed: released without a trace */
	assert_int_equal(ht_pack_begin(&p, 1), 0);
	assert_int_equal(ht_pack_add(&p, &o[0].id, o[0].type, o[0].data.buf,
				     o[0].data.len), 0);
	assert_int_equal(ht_pack_write(&p, r.packdir.buf), 0);
	assert_int_equal(ht_pack_write(&p, r.packdir.buf), HT_EINVALID);
	assert_int_equal(count_files(&r, "tmp_"), 2);
	ht_pack_release(&p);
	assert_int_equal(count_files(&r, "tmp_"), 0);
	assert_int_equal(count_files(&r, "pack-"), 0);

	/* no object at all: still a pack git reads */
	assert_int_equal(ht_pack_begin(&p, 1), 0);
	assert_int_equal(ht_pack_write(&p, r.packdir.buf), 0);
	assert_int_equal(ht_pack_install(&p), 0);
	ht_strbuf_reset(&missing);
	ht_strbuf_addf(&missing, "%s/pack-%s.idx", r.packdir.buf, p.name);
	git_in(&r, NULL, "verify-pack", missing.buf, (char *)NULL);
	ht_pack_release(&p);

	ht_strbuf_release(&missing);
	free_objects(o);
	repo_release(&r);
}

/* ht_pack_object_id() gives git's ids: libgit2's, on each type. */
static void test_object_id(void **state)
{
	static const char *const contents[] = {
		"", "a", "name: Users\n", "tree 0\0\xff binary",
	};
	const git_object_t types[] = { GIT_OBJECT_BLOB, GIT_OBJECT_TREE,
				       GIT_OBJECT_COMMIT, GIT_OBJECT_TAG };
	char big[70000];
	git_oid got, want;
	size_t i, j;

	(void)state;
	memset(big, 'x', sizeof(big));
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 4; j++) {
			size_t len = strlen(contents[j]) +
				     (j == 3 ? 9 : 0);

			assert_int_equal(ht_pack_object_id(&got, types[i],
							   contents[j], len),
					 0);
			assert_int_equal(git_odb_hash(&want, contents[j], len,
						      types[i]),
					 0);
			assert_true(git_oid_equal(&got, &want));
		}
	}
	assert_int_equal(ht_pack_object_id(&got, GIT_OBJECT_BLOB, big,
					   sizeof(big)), 0);
	assert_int_equal(git_odb_hash(&want, big, sizeof(big),
				      GIT_OBJECT_BLOB), 0);
	assert_true(git_oid_equal(&got, &want));
	/* the empty blob, as git names it */
	assert_int_equal(ht_pack_object_id(&got, GIT_OBJECT_BLOB, "", 0), 0);
	assert_string_equal(git_oid_tostr_s(&got),
			    "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
	assert_int_equal(ht_pack_object_id(&got, GIT_OBJECT_OFS_DELTA, "", 0),
			 HT_EINVALID);
	ht_error_clear();
}

static int setup(void **state)
{
	(void)state;
	git_libgit2_init();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack),
		cmocka_unit_test(test_pack_large_offsets),
		cmocka_unit_test(test_pack_errors),
		cmocka_unit_test(test_object_id),
	};

	return cmocka_run_group_tests_name("pack", tests, setup, teardown);
}
