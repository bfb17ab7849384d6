/*
 * Check trees, in memory and from a folder (see checktree.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/checktree.h"
#include "hightouch/error.h"
#include "hightouch/protocol.h"
#include "hightouch/strbuf.h"

struct ht_check_file *ht_check_tree_add(struct ht_check_tree *t,
					const char *path, const char *id)
{
	struct ht_check_file *f;

	HT_ALLOC_GROW(t->files, t->nr + 1, t->alloc);
	f = &t->files[t->nr++];
	memset(f, 0, sizeof(*f));
	f->path = ht_xstrdup(path);
	if (id && strlen(id) <= HT_CHECK_ID_MAX)
		memcpy(f->id, id, strlen(id) + 1);
	t->sorted = 0;
	return f;
}

void ht_check_tree_reserve(struct ht_check_tree *t, size_t n)
{
	HT_ALLOC_GROW(t->files, t->nr + n, t->alloc);
}

void ht_check_tree_add_data(struct ht_check_tree *t, const char *path,
			    const char *data, size_t len)
{
	struct ht_check_file *f = ht_check_tree_add(t, path, NULL);

	f->data = ht_xmemdupz(data, len);
	f->len = len;
}

static int cmp_file(const void *va, const void *vb)
{
	const struct ht_check_file *a = va, *b = vb;

	return strcmp(a->path, b->path);
}

/* 1 if the files are in order already (as an index or a tree lists them) */
static int in_order(const struct ht_check_tree *t)
{
	size_t i;

	for (i = 1; i < t->nr; i++)
		if (cmp_file(&t->files[i - 1], &t->files[i]) > 0)
			return 0;
	return 1;
}

void ht_check_tree_sort(struct ht_check_tree *t)
{
	if (t->sorted)
		return;
	if (t->nr && !in_order(t))
		qsort(t->files, t->nr, sizeof(*t->files), cmp_file);
	t->sorted = 1;
}

const struct ht_check_file *ht_check_tree_find(const struct ht_check_tree *t,
					       const char *path)
{
	size_t lo = 0, hi = t->nr;

	if (!t->sorted)
		HT_BUG("ht_check_tree_find() on an unsorted tree");
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->files[mid].path, path);

		if (!c)
			return &t->files[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int ht_check_tree_read(const struct ht_check_tree *t,
		       const struct ht_check_file *f, struct ht_strbuf *out,
		       size_t max)
{
	struct ht_strbuf q = HT_STRBUF_INIT;
	int ret;

	if (f->type != HT_CHECK_FILE)
		ret = ht_error_set(HT_EINVALID, "'%s' is a %s, not a file",
				   ht_quote_path(&q, f->path),
				   f->type == HT_CHECK_SYMLINK ?
					   "symbolic link" :
					   "submodule");
	else if (t->read)
		ret = t->read(out, f, max, t->payload);
	else if (max && f->len > max)
		ret = ht_error_set(HT_ETOOBIG, "'%s' is larger than %zu bytes",
				   ht_quote_path(&q, f->path), max);
	else
		ret = ht_strbuf_add(out, f->data ? f->data : "", f->len);
	ht_strbuf_release(&q);
	return ret;
}

void ht_check_tree_release(struct ht_check_tree *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		free(t->files[i].path);
		free(t->files[i].data);
	}
	free(t->files);
	t->files = NULL;
	t->nr = t->alloc = 0;
	t->sorted = 0;
	if (t->release) {
		t->release(t->payload);
		t->release = NULL;
		t->payload = NULL;
	}
}

enum ht_kind ht_check_folder_of(const char *path, const char *prefix,
				const char **rest)
{
	const char *p, *r = path;
	size_t plen;
	int k;

	ht_kind_trim_prefix(&p, &plen, prefix);
	if (plen) {
		if (strncmp(path, p, plen) || path[plen] != '/')
			return HT_KIND__COUNT;
		r = path + plen + 1;
	}
	for (k = 0; k < HT_KIND__COUNT; k++) {
		const char *folder = ht_kind_info((enum ht_kind)k)->folder;
		size_t flen;

		if (!folder)
			continue;
		flen = strlen(folder);
		if (!strncmp(r, folder, flen) &&
		    (r[flen] == '/' || !r[flen])) {
			if (rest)
				*rest = r + flen + !!r[flen];
			return (enum ht_kind)k;
		}
	}
	return HT_KIND__COUNT;
}

int ht_check_wants_path(const char *path, const char *prefix)
{
	if (!strchr(path, '/'))
		return 1;
	return ht_check_folder_of(path, prefix, NULL) != HT_KIND__COUNT;
}

struct dir_walk {
	struct ht_check_tree *t;
	const char *root;
	struct ht_strbuf full;
};

enum dir_entry {
	ENTRY_SKIP,
	ENTRY_LIST, /* a file, a symbolic link, a submodule */
	ENTRY_WALK, /* a folder */
};

/* What the entry at w->full is; *type for those listed. */
static enum dir_entry dir_entry(struct dir_walk *w, enum ht_check_type *type)
{
	struct stat st;
	size_t len = w->full.len;
	int has_git;

	if (lstat(w->full.buf, &st) < 0)
		return ENTRY_SKIP; /* gone meanwhile */
	*type = S_ISLNK(st.st_mode) ? HT_CHECK_SYMLINK : HT_CHECK_FILE;
	if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
		return ENTRY_LIST;
	if (!S_ISDIR(st.st_mode))
		return ENTRY_SKIP;
	/* a repository of its own: what git records as a submodule */
	ht_strbuf_addstr(&w->full, "/.git");
	has_git = !lstat(w->full.buf, &st);
	ht_strbuf_setlen(&w->full, len);
	*type = HT_CHECK_SUBMODULE;
	return has_git ? ENTRY_LIST : ENTRY_WALK;
}

/*
 * What the entry `de` of a folder is (its path in w->full): readdir(3)
 * says it of a file or a link on most file systems, with no lstat(2).
 */
static enum dir_entry entry_of(struct dir_walk *w, const struct dirent *de,
			       enum ht_check_type *type)
{
	switch (de->d_type) {
	case DT_REG:
		*type = HT_CHECK_FILE;
		return ENTRY_LIST;
	case DT_LNK:
		*type = HT_CHECK_SYMLINK;
		return ENTRY_LIST;
	case DT_DIR:
	case DT_UNKNOWN:
		return dir_entry(w, type);
	default:
		return ENTRY_SKIP; /* a FIFO, a socket, a device */
	}
}

/*
 * Add the files, symbolic links and submodules in `rel` (a folder of the
 * tree), and with `recurse` those of its folders.
 */
static int walk_dir(struct dir_walk *w, const char *rel, int recurse)
{
	struct ht_strbuf sub = HT_STRBUF_INIT;
	enum ht_check_type type;
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	ht_strbuf_reset(&w->full);
	ht_strbuf_addf(&w->full, "%s%s%s", w->root, *rel ? "/" : "", rel);
	dir = opendir(w->full.buf);
	if (!dir) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR)
			return 0;
		ret = ht_error_set(HT_EIO, "cannot read '%s': %s",
				   ht_quote_path(&sub, w->full.buf),
				   strerror(e));
		ht_strbuf_release(&sub);
		return ret;
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		ht_strbuf_reset(&sub);
		ht_strbuf_addf(&sub, "%s%s%s", rel, *rel ? "/" : "",
			       de->d_name);
		ht_strbuf_reset(&w->full);
		ht_strbuf_addf(&w->full, "%s/%s", w->root, sub.buf);
		switch (entry_of(w, de, &type)) {
		case ENTRY_LIST:
			ht_check_tree_add(w->t, sub.buf, NULL)->type = type;
			break;
		case ENTRY_WALK:
			if (recurse)
				ret = walk_dir(w, sub.buf, 1);
			break;
		case ENTRY_SKIP:
			break;
		}
		if (ret < 0)
			break;
	}
	closedir(dir);
	ht_strbuf_release(&sub);
	return ret;
}

/* What a work tree's check tree reads from: its root, by name and open. */
struct dir_source {
	char *root;
	int fd; /* -1 when it would not open */
};

static void release_dir_source(void *payload)
{
	struct dir_source *src = payload;

	if (src->fd >= 0)
		close(src->fd);
	free(src->root);
	free(src);
}

static int read_dir_file(struct ht_strbuf *out, const struct ht_check_file *f,
			 size_t max, void *payload)
{
	const struct dir_source *src = payload;
	struct ht_strbuf full = HT_STRBUF_INIT;
	int ret;

	ht_strbuf_addf(&full, "%s/%s", src->root, f->path);
	ret = ht_strbuf_read_file(out, full.buf, max);
	ht_strbuf_release(&full);
	return ret;
}

/*
 * The files in batches (batchread.h), those of up to TRY_DIR_MAX bytes;
 * read_dir_file() reads the others (a larger file, one gone or no longer
 * a regular file), and says what is wrong with them.
 */
#define TRY_DIR_MAX (64u << 10)

static void try_dir_files(const struct ht_check_file *const *f,
			  struct ht_strbuf *out, int *ok, size_t n, size_t max,
			  struct ht_batch_read *br, void *payload)
{
	const struct dir_source *src = payload;
	struct ht_batch_file *bf = ht_xcalloc(n ? n : 1, sizeof(*bf));
	size_t *at = ht_xcalloc(n ? n : 1, sizeof(*at));
	size_t k, m = 0;

	for (k = 0; k < n; k++) {
		ok[k] = 0;
		if (src->fd < 0 || f[k]->type != HT_CHECK_FILE)
			continue;
		bf[m].path = f[k]->path;
		bf[m].out = &out[k];
		at[m++] = k;
	}
	ht_batch_read_small(br, src->fd, bf, m,
			    max && max < TRY_DIR_MAX ? max + 1 : TRY_DIR_MAX);
	for (k = 0; k < m; k++) {
		ok[at[k]] = bf[k].ok;
		if (!bf[k].ok)
			ht_strbuf_reset(bf[k].out); /* empty, as it came */
	}
	free(bf);
	free(at);
}

int ht_check_tree_from_dir(struct ht_check_tree *t, const char *root,
			   const char *prefix)
{
	struct dir_walk w = { t, root, HT_STRBUF_INIT };
	struct dir_source *src = ht_xcalloc(1, sizeof(*src));
	struct ht_strbuf rel = HT_STRBUF_INIT;
	const char *p;
	size_t plen;
	int k, ret;

	src->root = ht_xstrdup(root);
	src->fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	t->read = read_dir_file;
	t->try_read = try_dir_files;
	t->payload = src;
	t->release = release_dir_source;
	ret = walk_dir(&w, "", 0);
	ht_kind_trim_prefix(&p, &plen, prefix);
	for (k = 0; !ret && k < HT_KIND__COUNT; k++) {
		const char *folder = ht_kind_info((enum ht_kind)k)->folder;
		enum ht_check_type type;

		if (!folder)
			continue;
		ht_strbuf_reset(&rel);
		if (plen)
			ht_strbuf_addf(&rel, "%.*s/", (int)plen, p);
		ht_strbuf_addstr(&rel, folder);
		ht_strbuf_reset(&w.full);
		ht_strbuf_addf(&w.full, "%s/%s", root, rel.buf);
		/* a link is not followed; a root one was listed above */
		switch (dir_entry(&w, &type)) {
		case ENTRY_WALK:
			ret = walk_dir(&w, rel.buf, 1);
			break;
		case ENTRY_LIST:
			if (type != HT_CHECK_FILE && strchr(rel.buf, '/'))
				ht_check_tree_add(t, rel.buf, NULL)->type =
					type;
			break;
		case ENTRY_SKIP:
			break;
		}
	}
	ht_strbuf_release(&rel);
	ht_strbuf_release(&w.full);
	ht_check_tree_sort(t);
	return ret;
}

