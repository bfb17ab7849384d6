/*
 * Folders and files on disk, and relative paths (see fs.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hightouch/error.h"
#include "hightouch/fs.h"
#include "hightouch/protocol.h"
#include "hightouch/strbuf.h"

/* 0 when `dir` is a folder (made now, or there already), else errno. */
static int make_one(const char *dir)
{
	struct stat st;

	if (!stat(dir, &st))
		return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (!mkdir(dir, 0777))
		return 0;
	if (errno == EEXIST && !stat(dir, &st)) /* made meanwhile */
		return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	return errno;
}

int ht_mkdir_p(const char *path)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i, len = strlen(path);
	int err = len ? 0 : ENOENT;

	/* each prefix that ends a component: "a", "a/b", "a/b/c" */
	for (i = 1; !err && i <= len; i++) {
		if ((i < len && path[i] != '/') || path[i - 1] == '/')
			continue;
		ht_strbuf_reset(&sb);
		ht_strbuf_add(&sb, path, i);
		err = make_one(sb.buf);
	}
	if (err)
		err = ht_error_set(HT_EIO, "cannot create '%s': %s",
				   len ? sb.buf : path, strerror(err));
	ht_strbuf_release(&sb);
	return err;
}

int ht_path_normalize(struct ht_strbuf *out, const char *path)
{
	const char *p = path, *next;
	char *slash;
	size_t len;

	ht_strbuf_reset(out);
	while (*p) {
		next = strchr(p, '/');
		len = next ? (size_t)(next - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (!out->len)
				return ht_error_set(HT_EINVALID, "'%s' leaves "
						    "its top folder", path);
			slash = strrchr(out->buf, '/');
			ht_strbuf_setlen(out, slash ? (size_t)(slash -
							       out->buf) : 0);
		} else if (len && !(len == 1 && p[0] == '.')) {
			if (out->len)
				ht_strbuf_addch(out, '/');
			ht_strbuf_add(out, p, len);
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
}

int ht_path_from_top(struct ht_strbuf *out, const char *top,
		     const char *cwd_rel, const char *arg)
{
	struct ht_strbuf joined = HT_STRBUF_INIT, q = HT_STRBUF_INIT;
	size_t n = strcmp(top, "/") ? strlen(top) : 0; /* "/": all of it */
	int ret = 0;

	if (arg[0] != '/')
		ht_strbuf_addf(&joined, "%s/%s", cwd_rel, arg);
	else if (!strncmp(arg, top, n) && (arg[n] == '/' || !arg[n]))
		ht_strbuf_addstr(&joined, arg + n);
	else
		ret = -1;
	if (!ret && ht_path_normalize(out, joined.buf) < 0) {
		ht_error_clear();
		ret = -1;
	}
	if (ret)
		ret = ht_error_set(HT_EINVALID, "'%s' is outside the "
				   "repository", ht_quote_path(&q, arg));
	ht_strbuf_release(&joined);
	ht_strbuf_release(&q);
	return ret;
}

int ht_write_all(int fd, const void *buf, size_t len)
{
	const char *s = buf;

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = 0;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}
