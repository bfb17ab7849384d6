#ifndef HIGHTOUCH_REMOTES_H
#define HIGHTOUCH_REMOTES_H

/*
 * The workspace remotes of a repository, for the tools that look at all of
 * its workspaces at once (git hightouch check, its hooks): each remote's
 * folder (remote.<name>.hightouchPath) and workspace (the WORKSPACE of
 * its URL, see url.h), and which folder a file or a workspace belongs to
 * when the folders differ.
 *
 * A workspace remote is one whose URL starts with "hightouch::" or
 * "hightouch://", or one that has a hightouchPath; its path is "" (the
 * top) when it has none.
 *
 * Which path is whose:
 *  - a file belongs to the longest of the paths that holds it: "" holds
 *    every file, "eu" holds "eu/models/x.yaml" but not "europe/x"; with
 *    remotes at "" and "eu", "models/x.yaml" is the top's and
 *    "eu/models/x.yaml" is eu's;
 *  - a workspace (its manifest and aliases files, which are at the top
 *    whatever the path) belongs to the path of each remote whose URL
 *    names it, and to every path when no remote names it.
 */

#include <stddef.h>

struct ht_config;

struct ht_remote {
	char *name;
	char *path;      /* without slashes around, "" for the top */
	char *workspace; /* NULL when the URL names none */
	char *url;       /* the hightouch URL as configured, or NULL */
};

struct ht_remotes {
	struct ht_remote *items; /* in the order of the configuration */
	size_t nr, alloc;
	char **paths;            /* the different paths, first seen first */
	size_t npaths, paths_alloc;
};

#define HT_REMOTES_INIT { NULL, 0, 0, NULL, 0, 0 }

/*
 * The workspace remotes of `cfg`, which holds remote.*.url and
 * remote.*.hightouchpath (ht_config_read()).  HT_EINVALID for a
 * hightouchPath that ht_config_path() refuses.
 */
int ht_remotes_read(struct ht_remotes *r, const struct ht_config *cfg);

/*
 * remote.<name>.hightouchPath of `cfg` into `*out`, as ht_config_path()
 * gives it (left alone when the key is not set).
 */
int ht_remotes_path_config(const struct ht_config *cfg, const char *name,
			   char **out);

/* Add a remote (the strings are copied; `workspace` may be NULL). */
void ht_remotes_add(struct ht_remotes *r, const char *name, const char *path,
		    const char *workspace);

/*
 * How many workspaces the remotes with a hightouch URL name: two URLs of
 * one workspace of one API (ht_url_same_workspace()) count once.
 */
size_t ht_remotes_count_workspaces(const struct ht_remotes *r);

/* The remote named `name`, or NULL. */
const struct ht_remote *ht_remotes_find(const struct ht_remotes *r,
					const char *name);

/*
 * 1 if file `file` belongs to path `path` (as above; "" for the top): the
 * path holds it and no longer path of `r` does.
 */
int ht_remotes_path_has_file(const struct ht_remotes *r, const char *path,
			     const char *file);

/* 1 if workspace `workspace` belongs to path `path` (as above). */
int ht_remotes_path_has_workspace(const struct ht_remotes *r, const char *path,
				  const char *workspace);

void ht_remotes_release(struct ht_remotes *r);

#endif
