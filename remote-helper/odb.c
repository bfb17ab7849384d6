/*
 * The repository, through libgit2 1.5's object database only.
 *
 * libgit2 1.5 cannot open every repository git 2.39 can (sha256,
 * worktreeConfig, reftable), and must not write refs next to git's own
 * ref transaction, so the helper opens the object database alone
 * (git_odb_open + git_repository_wrap_odb): blobs, trees and commits are
 * written there, and refs are left to git (its fast-import writes them,
 * and git itself after a push's `ok`).  Every libgit2 error stops in
 * ht_git_error().
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/repository.h"

#include "helper.h"

/* The mempack backend goes before the loose and packed ones. */
#define MEMPACK_PRIORITY 1000

/* `dir`/`path`, or `path` when it is absolute. */
static char *join(const char *dir, const char *path)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	if (path[0] != '/')
		ht_strbuf_addf(&sb, "%s/", dir);
	ht_strbuf_addstr(&sb, path);
	return ht_strbuf_detach(&sb, NULL);
}

int odb_common_dir(const char *gitdir, char **out)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	const char *env = getenv("GIT_COMMON_DIR");
	char *path;
	int ret;

	if (env && *env) {
		*out = ht_xstrdup(env);
		return 0;
	}
	*out = NULL;
	path = join(gitdir, "commondir");
	ret = ht_strbuf_read_file(&sb, path, 4096);
	free(path);
	if (ret == HT_ENOTFOUND) {
		ht_error_clear();
		*out = ht_xstrdup(gitdir);
		ret = 0;
		goto cleanup;
	}
	if (ret < 0)
		goto cleanup;
	while (sb.len && (sb.buf[sb.len - 1] == '\n' ||
			  sb.buf[sb.len - 1] == '\r'))
		ht_strbuf_setlen(&sb, sb.len - 1);
	if (!sb.len) {
		ret = ht_error_set(HT_EINVALID, "'%s/commondir' is empty",
				   gitdir);
		goto cleanup;
	}
	*out = join(gitdir, sb.buf);
cleanup:
	ht_strbuf_release(&sb);
	return ret;
}

/* Refuse anything but a SHA-1 repository, before writing a byte. */
static int check_object_format(struct odb *r)
{
	git_config *cfg = NULL;
	git_buf value = { 0 };
	char *path = join(r->commondir, "config");
	int ret;

	ret = git_config_open_ondisk(&cfg, path);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot read the repository's config");
		goto cleanup;
	}
	ret = git_config_get_string_buf(&value, cfg, "extensions.objectformat");
	if (ret == GIT_ENOTFOUND) {
		ret = 0;
		goto cleanup;
	}
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot read extensions.objectformat");
		goto cleanup;
	}
	if (strcasecmp(value.ptr, "sha1"))
		ret = ht_error_set(HT_EUNSUPPORTED,
				   "this is a %s repository: "
				   "git-remote-hightouch writes SHA-1 objects "
				   "only (libgit2 1.5); clone into a SHA-1 "
				   "repository instead",
				   value.ptr);
cleanup:
	git_buf_dispose(&value);
	git_config_free(cfg);
	free(path);
	return ret;
}

/*
 * libgit2, made ready when first needed: its initialisation reads the
 * system's certificates (about 8 ms), and a fetch that finds nothing
 * changed needs none of it.
 */
static int libgit2_init(void)
{
	int ret = ht_git_start();

	/* we only link objects we have just written */
	if (!ret)
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	return ret;
}

int odb_open(struct odb *r, const char *gitdir)
{
	const char *objenv = getenv("GIT_OBJECT_DIRECTORY");
	int ret;

	memset(r, 0, sizeof(*r));
	ret = libgit2_init();
	if (ret < 0)
		return ret;
	r->gitdir = ht_xstrdup(gitdir);
	ret = odb_common_dir(r->gitdir, &r->commondir);
	if (ret < 0)
		goto cleanup;
	ret = check_object_format(r);
	if (ret < 0)
		goto cleanup;
	r->objects = objenv && *objenv ? ht_xstrdup(objenv) :
					 join(r->commondir, "objects");
	ret = git_odb_open(&r->odb, r->objects);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot open the object database");
		goto cleanup;
	}
	ret = git_repository_wrap_odb(&r->repo, r->odb);
	if (ret < 0)
		ret = ht_git_error(ret, "cannot open the object database");
cleanup:
	return ret;
}

void odb_close(struct odb *r)
{
	git_repository_free(r->repo);
	git_odb_free(r->odb); /* frees the mempack backend too */
	free(r->gitdir);
	free(r->commondir);
	free(r->objects);
	free(r->packed);
	ht_pack_release(&r->pack);
	memset(r, 0, sizeof(*r));
}

/* Remember an object libgit2 wrote (to memory, while packing). */
static void note_written(struct odb *r, const git_oid *id)
{
	r->written++;
	if (!r->packing)
		return;
	HT_ALLOC_GROW(r->packed, r->packed_nr + 1, r->packed_alloc);
	git_oid_cpy(&r->packed[r->packed_nr++], id);
}

/*
 * How hard the pack's objects are deflated: level 1 (of zlib's scale).
 * The helper's objects are small YAML files, trees and commits; on a
 * clone of 20,000 resources, zlib's level 1 took 20% less time than its
 * default and made the pack 3% larger (7.3 MB against 7.1 MB).
 * libdeflate's level 1, which makes them now, is faster again and makes
 * a pack 1.4% smaller than zlib's level 1.
 */
#define PACK_COMPRESSION 1

/* A name in the object directory that holds objects. */
static int holds_objects(const char *name, int in_pack)
{
	size_t len = strlen(name);

	if (in_pack) /* not fast-import's tmp_pack_* */
		return len > 5 && !strcmp(name + len - 5, ".pack");
	return len == 2 && isxdigit((unsigned char)name[0]) &&
	       isxdigit((unsigned char)name[1]);
}

/*
 * Whether the object directory holds no object at all (a new clone's):
 * no loose object folder, no pack, no alternates.  Then a new object
 * needs looking for in memory only, not with a system call on disk.
 */
static int objects_empty(struct odb *r)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	int in_pack, empty = 1;

	for (in_pack = 0; empty && in_pack < 2; in_pack++) {
		DIR *d;
		struct dirent *de;

		ht_strbuf_reset(&path);
		ht_strbuf_addf(&path, "%s%s", r->objects,
			       in_pack ? "/pack" : "");
		d = opendir(path.buf);
		if (!d) {
			empty = 0;
			break;
		}
		while (empty && (de = readdir(d)))
			empty = !holds_objects(de->d_name, in_pack);
		closedir(d);
	}
	ht_strbuf_reset(&path);
	ht_strbuf_addf(&path, "%s/info/alternates", r->objects);
	if (empty && !access(path.buf, F_OK))
		empty = 0;
	ht_strbuf_release(&path);
	return empty;
}

int odb_pack_begin(struct odb *r)
{
	int ret;

	if (r->packing)
		return 0;
	r->objects_empty = objects_empty(r);
	if (!r->mempack) {
		ret = git_mempack_new(&r->mempack);
		if (ret < 0)
			return ht_git_error(ret, "cannot keep objects in "
					    "memory");
		ret = git_odb_add_backend(r->odb, r->mempack,
					  MEMPACK_PRIORITY);
		if (ret < 0) {
			r->mempack->free(r->mempack);
			r->mempack = NULL;
			return ht_git_error(ret, "cannot keep objects in "
					    "memory");
		}
	}
	ret = ht_pack_begin(&r->pack, PACK_COMPRESSION);
	if (!ret)
		r->packing = 1;
	return ret;
}

static int cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/*
 * The trees libgit2 wrote to memory, each once, into the pack (those that
 * were on disk already did not go to memory).
 */
static int pack_trees(struct odb *r)
{
	size_t i;
	int ret = 0;

	qsort(r->packed, r->packed_nr, sizeof(*r->packed), cmp_oid);
	for (i = 0; i < r->packed_nr && !ret; i++) {
		void *data;
		size_t len;
		git_object_t type;

		if (i && !git_oid_cmp(&r->packed[i - 1], &r->packed[i]))
			continue;
		if (!r->mempack->exists(r->mempack, &r->packed[i]))
			continue;
		ret = r->mempack->read(&data, &len, &type, r->mempack,
				       &r->packed[i]);
		if (ret < 0)
			return ht_git_error(ret, "cannot read an object "
					    "from memory");
		ret = ht_pack_add(&r->pack, &r->packed[i], type, data, len);
		git_odb_backend_data_free(r->mempack, data);
	}
	return ret;
}

/*
 * The objects written since odb_pack_begin() go into one pack and its
 * index (common/pack.c: nothing read back), which the object database
 * then reads them from.
 */
int odb_pack_finish(struct odb *r)
{
	char *dir = NULL;
	int ret;

	if (!r->packing)
		return 0;
	ret = pack_trees(r);
	if (ret < 0 || !r->pack.added)
		goto cleanup;
	dir = join(r->objects, "pack");
	crash_point("before writing a pack");
	ret = ht_pack_write(&r->pack, dir);
	if (ret < 0)
		goto cleanup;
	crash_point("before a pack is in place");
	ret = ht_pack_install(&r->pack);
	if (ret < 0)
		goto cleanup;
	trace("repo", "wrote pack-%s.pack, %zu objects", r->pack.name,
	      r->pack.added);
	crash_point("after writing a pack");
	ret = git_odb_refresh(r->odb);
	if (ret < 0)
		ret = ht_git_error(ret, "cannot read the new pack");
cleanup:
	ht_pack_release(&r->pack);
	free(dir);
	git_mempack_reset(r->mempack);
	r->packed_nr = 0;
	r->packing = 0;
	return ret;
}

/*
 * Write an object.  While packing, it is deflated into the pack at once
 * (while the next page of a listing would be awaited) and kept in memory
 * for libgit2 to read, if the object database does not have it yet,
 * asked without a refresh: git_odb_write() would look for it on disk,
 * then rescan the pack folder and try to touch a loose file of it, seven
 * system calls for each new object.
 */
static int write_object(struct odb *r, git_oid *out, const void *buf,
			size_t len, git_object_t type)
{
	int ret;

	r->written++;
	if (!r->packing) {
		ret = git_odb_write(out, r->odb, buf, len, type);
		return ret < 0 ? ht_git_error(ret, "cannot write an object") :
				 0;
	}
	ret = git_odb_hash(out, buf, len, type);
	if (!ret && (r->objects_empty ?
		     r->mempack->exists(r->mempack, out) :
		     git_odb_exists_ext(r->odb, out,
					GIT_ODB_LOOKUP_NO_REFRESH)))
		return 0;
	if (!ret)
		ret = r->mempack->write(r->mempack, out, buf, len, type);
	if (ret < 0)
		return ht_git_error(ret, "cannot write an object");
	return ht_pack_add(&r->pack, out, type, buf, len);
}

int odb_write_blob(struct odb *r, git_oid *out, const void *buf,
		    size_t len)
{
	int ret = write_object(r, out, buf, len, GIT_OBJECT_BLOB);

	if (!ret)
		crash_point("after writing a blob");
	return ret;
}

int odb_hash_blob(git_oid *out, const void *buf, size_t len)
{
	/* no object is written with it: libcrypto's, libgit2 not needed */
	return ht_pack_object_id(out, GIT_OBJECT_BLOB, buf, len);
}

static int entry_bypath(git_tree_entry **out, struct odb *r,
			const git_oid *tree_id, const char *path)
{
	struct ht_strbuf q = HT_STRBUF_INIT;
	git_tree *tree = NULL;
	int ret;

	*out = NULL;
	ret = git_tree_lookup(&tree, r->repo, tree_id);
	if (ret < 0)
		return ht_git_error(ret, "cannot read a tree");
	ret = git_tree_entry_bypath(out, tree, path);
	git_tree_free(tree);
	if (ret == GIT_ENOTFOUND) {
		git_error_clear();
		ret = ht_error_set(HT_ENOTFOUND, "'%s' is not in the tree",
				   ht_quote_path(&q, path));
	} else if (ret < 0) {
		ret = ht_git_error(ret, "cannot read a tree");
	} else if (git_tree_entry_type(*out) != GIT_OBJECT_BLOB) {
		/* a folder, or a submodule: never without a message */
		int folder = git_tree_entry_type(*out) == GIT_OBJECT_TREE;

		ret = ht_error_set(HT_ENOTFOUND, "'%s' is a %s, not a file",
				   ht_quote_path(&q, path),
				   folder ? "folder" : "submodule");
		git_tree_entry_free(*out);
		*out = NULL;
	}
	ht_strbuf_release(&q);
	return ret;
}

int odb_path_id(struct odb *r, git_oid *out, const git_oid *tree,
		 const char *path)
{
	git_tree_entry *e;
	int ret = entry_bypath(&e, r, tree, path);

	if (ret < 0)
		return ret;
	git_oid_cpy(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return 0;
}

int odb_read_path(struct odb *r, struct ht_strbuf *out,
		   const git_oid *tree, const char *path, git_oid *blob_id)
{
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int ret = entry_bypath(&e, r, tree, path);

	if (ret < 0)
		return ret;
	if (blob_id)
		git_oid_cpy(blob_id, git_tree_entry_id(e));
	ret = git_blob_lookup(&blob, r->repo, git_tree_entry_id(e));
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot read a blob");
		goto cleanup;
	}
	ret = ht_strbuf_add(out, git_blob_rawcontent(blob),
			    (size_t)git_blob_rawsize(blob));
cleanup:
	git_blob_free(blob);
	git_tree_entry_free(e);
	return ret;
}

static int cmp_change(const void *va, const void *vb)
{
	const struct tree_change *a = va, *b = vb;
	int c = strcmp(a->path, b->path);

	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * Apply `ch` (sorted; their paths relative to this directory from `off`)
 * to the tree `base` (NULL: none).  `*out` is the new tree, or `*empty`
 * is set when nothing is left in it.
 */
static int update_dir(struct odb *r, git_oid *out, int *empty,
		      const git_oid *base, struct tree_change *ch, size_t nr,
		      size_t off)
{
	git_tree *tree = NULL;
	git_treebuilder *tb = NULL;
	struct ht_strbuf name = HT_STRBUF_INIT;
	size_t i = 0, j;
	int ret;

	*empty = 0;
	if (base) {
		ret = git_tree_lookup(&tree, r->repo, base);
		if (ret < 0) {
			ret = ht_git_error(ret, "cannot read a tree");
			goto cleanup;
		}
	}
	ret = git_treebuilder_new(&tb, r->repo, tree);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot build a tree");
		goto cleanup;
	}
	while (i < nr) {
		const char *rest = ch[i].path + off;
		const char *slash = strchr(rest, '/');
		const git_tree_entry *e;

		ht_strbuf_reset(&name);
		if (!slash) {
			ht_strbuf_addstr(&name, rest);
			e = git_treebuilder_get(tb, name.buf);
			if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE) {
				ret = ht_error_set(HT_ECONFLICT,
						   "cannot write '%s': it is "
						   "a directory",
						   ch[i].path);
				goto cleanup;
			}
			if (ch[i].remove) {
				if (e)
					ret = git_treebuilder_remove(tb,
								     name.buf);
			} else {
				ret = git_treebuilder_insert(NULL, tb, name.buf,
							     &ch[i].id,
							     GIT_FILEMODE_BLOB);
			}
			if (ret < 0) {
				ret = ht_git_error(ret, "cannot build a tree");
				goto cleanup;
			}
			i++;
			continue;
		}

		ht_strbuf_add(&name, rest, slash - rest);
		for (j = i + 1; j < nr; j++)
			if (strncmp(ch[j].path + off, name.buf, name.len) ||
			    ch[j].path[off + name.len] != '/')
				break;
		{
			git_oid sub;
			int sub_empty;
			const git_oid *sub_base = NULL;

			e = git_treebuilder_get(tb, name.buf);
			if (e && git_tree_entry_type(e) != GIT_OBJECT_TREE) {
				ret = ht_error_set(HT_ECONFLICT,
						   "cannot write '%s': "
						   "'%.*s' is a file",
						   ch[i].path,
						   (int)(off + name.len),
						   ch[i].path);
				goto cleanup;
			}
			if (e)
				sub_base = git_tree_entry_id(e);
			ret = update_dir(r, &sub, &sub_empty, sub_base, ch + i,
					 j - i, off + name.len + 1);
			if (ret < 0)
				goto cleanup;
			if (sub_empty) {
				if (e)
					ret = git_treebuilder_remove(tb,
								     name.buf);
			} else {
				ret = git_treebuilder_insert(NULL, tb, name.buf,
							     &sub,
							     GIT_FILEMODE_TREE);
			}
			if (ret < 0) {
				ret = ht_git_error(ret, "cannot build a tree");
				goto cleanup;
			}
		}
		i = j;
	}
	if (!git_treebuilder_entrycount(tb))
		*empty = 1;
	ret = git_treebuilder_write(out, tb);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot write a tree");
		goto cleanup;
	}
	note_written(r, out);
	crash_point("after writing a tree");
cleanup:
	ht_strbuf_release(&name);
	git_treebuilder_free(tb);
	git_tree_free(tree);
	return ret;
}

int odb_tree_update(struct odb *r, git_oid *out, const git_oid *base,
		     struct tree_change *changes, size_t nr)
{
	int empty;

	if (nr > 1)
		qsort(changes, nr, sizeof(*changes), cmp_change);
	return update_dir(r, out, &empty, base, changes, nr, 0);
}

int odb_commit_tree(struct odb *r, git_oid *out, const git_oid *commit)
{
	git_commit *c = NULL;
	int ret = git_commit_lookup(&c, r->repo, commit);

	if (ret < 0)
		return ht_git_error(ret, "cannot read a commit");
	git_oid_cpy(out, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

int odb_commit_info(struct odb *r, struct commit_info *out,
		    const git_oid *commit)
{
	git_commit *c = NULL;
	int ret = git_commit_lookup(&c, r->repo, commit);

	if (ret < 0)
		return ht_git_error(ret, "cannot read a commit");
	memset(out, 0, sizeof(*out));
	out->time_ms = (int64_t)git_commit_time(c) * 1000;
	out->root = !git_commit_parentcount(c);
	if (!out->root)
		git_oid_cpy(&out->parent, git_commit_parent_id(c, 0));
	git_commit_free(c);
	return 0;
}

/* A path odb_find_removals() looks for, and its place in `out`. */
struct path_slot {
	const char *path;
	size_t i;
};

static int cmp_slot(const void *va, const void *vb)
{
	const struct path_slot *a = va, *b = vb;

	return strcmp(a->path, b->path);
}

/* The first of the sorted `slots` whose path is `path` or after it. */
static size_t first_slot(const struct path_slot *slots, size_t nr,
			 const char *path)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(slots[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* `*all`: every parent of `c` after the first has `path`. */
static int other_parents_have(git_commit *c, const char *path, int *all)
{
	unsigned i, n = git_commit_parentcount(c);
	git_commit *parent = NULL;
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int ret = 0;

	*all = 1;
	for (i = 1; i < n && *all && !ret; i++) {
		ret = git_commit_parent(&parent, c, i);
		if (!ret)
			ret = git_commit_tree(&tree, parent);
		if (!ret)
			ret = git_tree_entry_bypath(&e, tree, path);
		if (ret == GIT_ENOTFOUND) {
			git_error_clear();
			*all = 0;
			ret = 0;
		}
		git_tree_entry_free(e);
		git_tree_free(tree);
		git_commit_free(parent);
		e = NULL;
		tree = NULL;
		parent = NULL;
	}
	return ret < 0 ? ht_git_error(ret, "cannot read a parent commit") : 0;
}

/* The paths of `slots` that `c` removed, into `out`. */
static int commit_removals(struct odb *r, git_commit *c,
			   const struct path_slot *slots, size_t nr,
			   struct removal *out, size_t *left)
{
	git_commit *parent = NULL;
	git_tree *old = NULL, *new = NULL;
	git_diff *diff = NULL;
	size_t i, j, n;
	int ret, all;

	if (!git_commit_parentcount(c))
		return 0;
	ret = git_commit_parent(&parent, c, 0);
	if (!ret)
		ret = git_commit_tree(&old, parent);
	if (!ret)
		ret = git_commit_tree(&new, c);
	if (!ret)
		ret = git_diff_tree_to_tree(&diff, r->repo, old, new, NULL);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot compare a commit with its "
				   "parent");
		goto cleanup;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n && *left; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->old_file.path;

		if (d->status != GIT_DELTA_DELETED)
			continue;
		j = first_slot(slots, nr, path);
		if (j == nr || strcmp(slots[j].path, path) ||
		    out[slots[j].i].found)
			continue;
		ret = other_parents_have(c, path, &all);
		if (ret < 0)
			goto cleanup;
		for (; all && j < nr && !strcmp(slots[j].path, path); j++) {
			struct removal *rm = &out[slots[j].i];

			rm->found = 1;
			git_oid_cpy(&rm->commit, git_commit_id(c));
			rm->outbound = ht_commit_is_outbound(c);
			(*left)--;
		}
	}
cleanup:
	git_diff_free(diff);
	git_tree_free(new);
	git_tree_free(old);
	git_commit_free(parent);
	return ret;
}

int odb_walk(struct odb *r, const git_oid *tips, size_t nr,
	     const git_oid *hide, unsigned sort,
	     int (*fn)(git_commit *c, void *payload), void *payload)
{
	git_revwalk *walk = NULL;
	git_commit *c = NULL;
	git_oid id;
	size_t i;
	int ret;

	ret = git_revwalk_new(&walk, r->repo);
	if (!ret)
		ret = git_revwalk_sorting(walk, sort);
	for (i = 0; !ret && i < nr; i++)
		ret = git_revwalk_push(walk, &tips[i]);
	if (!ret && hide)
		ret = git_revwalk_hide(walk, hide);
	while (!ret && !(ret = git_revwalk_next(&id, walk))) {
		ret = git_commit_lookup(&c, r->repo, &id);
		if (ret < 0)
			break;
		ret = fn(c, payload);
		git_commit_free(c);
		if (ret)
			goto cleanup;
	}
	if (ret == GIT_ITEROVER)
		ret = 0;
	else if (ret < 0)
		ret = ht_git_error(ret, "cannot walk the history");
cleanup:
	git_revwalk_free(walk);
	return ret < 0 ? ret : 0;
}

/* What odb_find_removals() walks with. */
struct removals {
	struct odb *r;
	const struct path_slot *slots;
	size_t nr, left;
	struct removal *out;
};

static int walk_removals(git_commit *c, void *payload)
{
	struct removals *rm = payload;
	int ret = commit_removals(rm->r, c, rm->slots, rm->nr, rm->out,
				  &rm->left);

	return ret < 0 ? ret : !rm->left;
}

int odb_find_removals(struct odb *r, const git_oid *tip,
		      const char *const *paths, size_t nr,
		      struct removal *out)
{
	struct path_slot *slots;
	struct removals rm;
	size_t i;
	int ret;

	if (!nr)
		return 0;
	memset(out, 0, nr * sizeof(*out));
	slots = ht_xcalloc(nr, sizeof(*slots));
	for (i = 0; i < nr; i++) {
		slots[i].path = paths[i];
		slots[i].i = i;
	}
	qsort(slots, nr, sizeof(*slots), cmp_slot);
	rm.r = r;
	rm.slots = slots;
	rm.nr = rm.left = nr;
	rm.out = out;
	ret = odb_walk(r, tip, 1, NULL, GIT_SORT_TOPOLOGICAL, walk_removals,
		       &rm);
	free(slots);
	return ret;
}

int odb_has_commit(struct odb *r, const git_oid *id)
{
	size_t len;
	git_object_t type;
	int ret = git_odb_read_header(&len, &type, r->odb, id);

	if (ret == GIT_ENOTFOUND) {
		git_error_clear();
		return HT_ENOTFOUND;
	}
	if (ret < 0)
		return ht_git_error(ret, "cannot read an object");
	return type == GIT_OBJECT_COMMIT ? 0 : HT_ENOTFOUND;
}

/*
 * A name or an e-mail as git writes them in a commit: no '<', '>' or
 * newline, no leading or trailing space.
 */
static void add_ident_part(struct ht_strbuf *sb, const char *s,
			   const char *fallback)
{
	size_t start = sb->len;

	while (*s == ' ')
		s++;
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '<' || c == '>' || c < ' ' || c == 0x7f)
			continue;
		ht_strbuf_addch(sb, c);
	}
	while (sb->len > start && sb->buf[sb->len - 1] == ' ')
		ht_strbuf_setlen(sb, sb->len - 1);
	if (sb->len == start && fallback)
		add_ident_part(sb, fallback, NULL);
}

static void add_ident(struct ht_strbuf *sb, const char *field,
		      const struct ident *id, int64_t when)
{
	ht_strbuf_addf(sb, "%s ", field);
	add_ident_part(sb, id->name, HELPER_DEFAULT_NAME);
	ht_strbuf_addstr(sb, " <");
	add_ident_part(sb, id->email, HELPER_DEFAULT_EMAIL);
	ht_strbuf_addf(sb, "> %lld +0000\n", (long long)when);
}

int odb_write_commit(struct odb *r, git_oid *out, const git_oid *tree,
		const git_oid *parent, const struct ident *author,
		const struct ident *committer, int64_t when,
		const char *message)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	int ret;

	ht_strbuf_addf(&sb, "tree %s\n", git_oid_tostr(hex, sizeof(hex),
							 tree));
	if (parent)
		ht_strbuf_addf(&sb, "parent %s\n",
			       git_oid_tostr(hex, sizeof(hex), parent));
	add_ident(&sb, "author", author, when);
	add_ident(&sb, "committer", committer, when);
	ht_strbuf_addf(&sb, "\n%s", message);
	ret = write_object(r, out, sb.buf, sb.len, GIT_OBJECT_COMMIT);
	if (!ret)
		crash_point("after writing a commit");
	ht_strbuf_release(&sb);
	return ret;
}
