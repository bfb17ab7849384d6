#ifndef HIGHTOUCH_FS_H
#define HIGHTOUCH_FS_H

/*
 * Folders on disk.
 */

/*
 * Create the folder `path` and those of its parents that are missing, as
 * `mkdir -p` does (mode 0777, less the umask).  A folder that exists
 * already is fine; anything else in the way is an error.  Returns 0, or
 * HT_EIO with "cannot create '<folder>': <reason>" naming the first
 * folder that could not be made.
 */
int ht_mkdir_p(const char *path);

#endif
