#ifndef IMPORT_H
#define IMPORT_H

/*
 * The import (a clone or a fetch) in pieces, and the context they share:
 *
 *   import.c  the run: what kind of import, the state before and after
 *   lists.c   which lists an incremental fetch reads, and which again
 *   plan.c    API items into changes (and, in a full resync, the files
 *             no resource claims any more)
 *   commit.c  changes into trees and commits, one per change
 *   first.c   the first import: files written as the pages come, files
 *             that wait for a resource, one commit (on a base, for a
 *             remote adopted by a repository that has a history); the
 *             move to a new hightouchPath
 *   team.c    the base of an adoption, and a teammate's push recognised
 *   compare.c the files a fetch owns in two trees, compared by data
 *
 * import.c's top comment tells how an import goes.
 */

#include "helper.h"

/* One change to the files: a resource made, changed or gone. */
struct change {
	enum ht_ids table;
	int64_t id;
	enum ht_kind kind;     /* of its file; HT_KIND__COUNT: none */
	int64_t updated_ms;
	json_t *json;          /* NULL for a deletion */
	char *slug;
	enum ht_kind old_kind; /* as the state knew it (HT_KIND__COUNT:
				* not known) */
	char *old_slug;
	int known;             /* the state knew it before this import (never
				* in a full one) */
	int restore;           /* it brings back a file deleted in git
				* (commit.c) */
	int done;
};

/*
 * An item of the first import whose file waits for a resource no list had
 * (see first.c).
 */
struct pending {
	enum ht_kind list;      /* as an item of this list */
	struct item it;         /* it.json is ours */
	enum ht_kind listed_in; /* the listing it came from, or
				 * HT_KIND__COUNT: read by id */
	int plain;              /* a /models item of the schema that no
				 * schema list has: a plain model */
	int busy, done;
	int skipped;            /* it names what the workspace lacks */
};

/* What only the first import keeps (first.c). */
struct first_import {
	/* the commit's files, written as their pages arrive */
	struct tree_change *tc;
	size_t tc_nr, tc_alloc;
	/* files that wait */
	struct pending *pending;
	size_t pending_nr, pending_alloc;
	size_t reads; /* resources read one by one */
};

struct import {
	struct odb *r;
	struct state *s;
	const struct remote *o;

	/* what kind of import */
	int schema;     /* 1 the server has the schema extension */
	int first;      /* no private ref: one commit of everything */
	int adopt;      /* ... on the base im->start (team.c) */
	int full;       /* read everything (first import, resync) */
	/* the commit the import starts from: the private ref, or the base */
	git_oid start;
	int recognised; /* the tip is a commit the repository had (team.c) */

	/* reading (lists.c) */
	struct list_ctx lctx;
	struct listing lists[HT_KIND__COUNT];
	enum ht_kind order[HT_KIND__COUNT]; /* the lists, referring first */
	size_t nlists;
	int stale[HT_KIND__COUNT]; /* read before a list that refers to it */

	/* planning (plan.c) */
	struct change *changes;
	size_t nr, alloc;
	int64_t newest_ms;
	size_t skipped[2]; /* audiences, syncs of audiences */
	/* resources too large for a file, by kind: skipped (commit.c) */
	size_t too_big[HT_KIND__COUNT];
	size_t too_big_nr;
	/* resources whose file would name what the workspace lacks */
	size_t dangling;
	/* changes skipped so, by kind: their old files may not be known */
	size_t dangling_kinds[HT_KIND__COUNT];
	size_t files[HT_KIND__COUNT];

	/* the history (commit.c) */
	int has_base;
	git_oid commit; /* the tip so far */
	git_oid tree;   /* its tree */
	size_t commits;
	struct ident author, committer;
	json_t *sources, *destinations; /* the manifest: slug -> entry */
	struct render render;
	struct ht_strbuf buf;
	/* what the resolver was last asked for and did not know */
	struct {
		int missed;
		enum ht_kind kind;
		int64_t id;
	} miss;

	struct first_import fi;
};

/*
 * import.c
 */
/* The manifest's map of id space `t` (slug -> entry), or NULL. */
json_t *manifest_map(struct import *im, enum ht_ids t);
/* Repository paths: a root file (manifest, aliases), a resource file. */
int root_path(struct import *im, struct ht_strbuf *out, enum ht_kind kind);
int file_path(struct import *im, struct ht_strbuf *out, enum ht_kind kind,
	      const char *slug);


/*
 * lists.c
 */
int list_wanted(struct import *im, enum ht_kind list);
/* The server has no schema extension: forget its lists. */
void schema_unavailable(struct import *im);
/* Phase 1 of an incremental fetch: `*changed` when a list changed. */
int probe_all(struct import *im, int *changed);
/* Read what changed (first import: everything, each page to first.c). */
int fetch_all(struct import *im);
/* Whole lists of those that refer to a renamed resource. */
int fetch_dependents(struct import *im);
/* Lists read again for what was made meanwhile (see lists.c). */
int reread_referred(struct import *im);

/*
 * plan.c
 */
struct change *add_change(struct import *im, enum ht_ids t, int64_t id,
			  enum ht_kind kind, int64_t ms, json_t *json,
			  const char *slug);
/* Undo the last add_change(). */
void drop_last_change(struct import *im);
/*
 * Take one item of a listing: record it in the resources and, when it
 * differs from what the state knew, plan a change (`*out`, else NULL).
 */
int plan_item(struct import *im, enum ht_kind list, const struct item *it,
	      struct change **out);
/* Every change of the lists read, deletions included, oldest first. */
int plan_all(struct import *im);
/* 1 if the API item says it is a model of the schema. */
int is_schema_model(const json_t *json);
/* 1 for the kinds of the schema's models (parent, related, event). */
int is_schema_kind(enum ht_kind kind);
/*
 * The ids of id space `ids` that an API item of `list` refers to (its
 * kind's REF fields): at most `max` into `out`; returns how many.
 */
size_t item_refs(enum ht_kind list, const json_t *json, enum ht_ids ids,
		 int64_t *out, size_t max);
/* What the resources are, by kind, for the first commit's message. */
void count_files(struct import *im);
/*
 * The resource files of the base tree under `prefix`: `fn` is called
 * with the path, kind and slug of each.
 */
int scan_files(struct import *im, const char *prefix,
	       int (*fn)(struct import *im, const char *path,
			 enum ht_kind kind, const char *slug, void *payload),
	       void *payload);
/*
 * The same for the files under the prefix that no resource of the state
 * claims (the schema's when the server has no schema extension aside).
 */
int scan_orphans(struct import *im,
		 int (*fn)(struct import *im, const char *path,
			   enum ht_kind kind, const char *slug, void *payload),
		 void *payload);

/*
 * commit.c
 */
void add_tree_change(struct tree_change **tc, size_t *nr, size_t *alloc,
		     const char *path, const git_oid *id);
void release_tree_changes(struct tree_change *tc, size_t nr);
/*
 * Skip `r`, whose file would name resource `miss_id` of `miss_table`,
 * which the workspace lacks (or which was skipped): marked in the state,
 * said in a warning, counted in the summary.  Its file, if it had one,
 * stays as it was.
 */
void skip_dangling(struct import *im, struct resource *r,
		   enum ht_ids miss_table, int64_t miss_id);
/* Apply one change to the files as tree changes; `*existed`: had a file. */
int change_files(struct import *im, struct change *c, struct tree_change **tc,
		 size_t *nr, size_t *alloc, int *existed);
/* Write the tree with `tc` applied and, if it differs, a commit. */
int commit_changes(struct import *im, struct tree_change *tc, size_t nr,
		   const struct ident *author, int64_t when_ms,
		   const char *message);
/* Every planned change, one commit each. */
int commit_all(struct import *im);

/*
 * first.c
 */
/* listing's page_cb for the first import: write each page's files. */
int first_page(struct listing *l, size_t from, size_t n, void *payload);
/* After the lists: the files that waited. */
int settle_all(struct import *im);
/*
 * The one commit of everything; on a base (im->adopt), the one commit of
 * what differs from the base's files, or none.
 */
int first_commit(struct import *im);
void release_first(struct first_import *fi);
/*
 * A new remote.<name>.hightouchPath: the commit that moves the resource
 * files from the prefix `from` as they are.
 */
int move_commit(struct import *im, const char *from);
/*
 * One resource by id, as an item of `list`: 0, HT_ENOTFOUND (a 404, with
 * the client's message) or another error.
 */
int read_item(struct import *im, struct item *out, enum ht_kind list,
	      int64_t id);

/*
 * team.c
 */
/*
 * A remote with no private ref: the commit of the local history its
 * first import builds on, if any (im->adopt, im->start, im->commit and
 * im->tree are set then).
 */
int team_base(struct import *im);
/*
 * After the import's commits: when a commit the repository has that
 * descends from im->start has the files the import arrived at, the tip
 * moves to it (im->recognised).
 */
int team_recognise(struct import *im);

/*
 * compare.c
 */
/* Called with a file that differs: < 0 an error, > 0 stop, 0 go on. */
typedef int (*compare_fn)(struct import *im, const char *path,
			  void *payload);
/*
 * `fn` for each file the fetch owns whose data differs between the trees
 * `a` and `b`, or that only one of them has (see compare.c).
 */
int compare_owned(struct import *im, const git_oid *a, const git_oid *b,
		  compare_fn fn, void *payload);

#endif
