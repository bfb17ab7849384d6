#ifndef HIGHTOUCH_FS_H
#define HIGHTOUCH_FS_H

/*
 * Folders and files on disk, and relative paths.
 */

#include <stddef.h>

#include "hightouch/strbuf.h"

/*
 * Write all `len` bytes of `buf` to `fd`, again after a short write or
 * EINTR.  0, or -1 with errno set (0 when nothing could be written).
 */
int ht_write_all(int fd, const void *buf, size_t len);

/*
 * Create the folder `path` and those of its parents that are missing, as
 * `mkdir -p` does (mode 0777, less the umask).  A folder that exists
 * already is fine; anything else in the way is an error.  Returns 0, or
 * HT_EIO with "cannot create '<folder>': <reason>" naming the first
 * folder that could not be made.
 */
int ht_mkdir_p(const char *path);

/*
 * `path`, '/'-separated and relative, with empty and "." components
 * dropped and each ".." taking the component before it away, into `out`
 * (reset first): "a/./b/../c/" is "a/c", "." is "".  HT_EINVALID when a
 * ".." climbs above the start ("'../x' leaves its top folder").
 */
int ht_path_normalize(struct ht_strbuf *out, const char *path);

/*
 * `arg`, a path as the user gave it on the command line (relative to the
 * folder `cwd_rel` of the work tree, or absolute), as a path from the
 * work tree's root `top` (a real path, as realpath() or `git rev-parse
 * --show-toplevel` give it), normalised (ht_path_normalize()), into
 * `out`.  HT_EINVALID "'<arg>' is outside the repository" when it is not
 * under the root.
 */
int ht_path_from_top(struct ht_strbuf *out, const char *top,
		     const char *cwd_rel, const char *arg);

#endif
