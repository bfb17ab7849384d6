#ifndef REMOTE_HELPER_H
#define REMOTE_HELPER_H

/*
 * git-remote-hightouch: interfaces between its files.
 *
 *   main.c        arguments, environment, the protocol handlers (list,
 *                 import, push), `fatal:` and the exit status
 *   config.c      the helper's git configuration
 *   odb.c         libgit2: the object database, trees, commits, packs
 *   refs.c        git rev-parse and for-each-ref: what libgit2 does not read
 *   state.c       the per-remote state under $GIT_DIR/hightouch/<remote>/
 *   listing.c     reading each list of the API, whole or from its tail
 *   render.c      a resource's file as a fetch writes it
 *   import.c      from listings to files and commits: the run
 *   plan.c        ... API items into changes
 *   commit.c      ... changes into trees and commits
 *   first.c       ... the first import
 *   team.c        ... on a teammate's history: adoption, recognition
 *   compare.c     ... the files a fetch owns in two trees, by data
 *   lists.c       ... which lists an incremental fetch reads, and again
 *   push.c        from files to the workspace: conflicts, plan, writes
 *   progress.c    git-style progress lines and HT_TRACE
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <git2.h>
#include <jansson.h>

#include "hightouch/client.h"
#include "hightouch/credential.h"
#include "hightouch/kinds.h"
#include "hightouch/pack.h"
#include "hightouch/protocol.h"
#include "hightouch/repository.h"
#include "hightouch/run.h"
#include "hightouch/strbuf.h"
#include "hightouch/url.h"

/* The one branch a workspace has. */
#define HELPER_BRANCH "refs/heads/main"
/* Identity of commits when the server does not say who made a change. */
#define HELPER_DEFAULT_NAME HT_DEFAULT_AUTHOR_NAME
#define HELPER_DEFAULT_EMAIL HT_DEFAULT_AUTHOR_EMAIL

/*
 * progress.c
 */
struct progress;

/* Set once from the protocol options and HT_TRACE. */
struct output {
	int verbosity; /* git's: 0 -q, 1 default, 2 -v */
	int progress;  /* git asked for progress */
	int trace;     /* HT_TRACE */
};
extern struct output helper_out;

/* A message on stderr at `level` or above ("warning: ...", "...\n"). */
void say(int level, const char *fmt, ...) HT_PRINTF(2, 3);
/* "trace: <what>: ..." on stderr with HT_TRACE. */
void trace(const char *what, const char *fmt, ...) HT_PRINTF(2, 3);

/*
 * For tests only: with HT_TEST_CRASH_AT=N in the environment, the N-th
 * call (from 1) kills the helper with SIGKILL, so that a test can stop it
 * at every point where it writes something and check what it leaves.
 */
void crash_point(const char *where);

/* `title: N` (or `title: P% (N/TOTAL)`) with `\r`, then ", done." */
struct progress *progress_start(const char *title, uint64_t total);
void progress_update(struct progress *p, uint64_t n);
/* Print the final line and free; NULL is accepted. */
void progress_stop(struct progress **p);
/* The same after a failure: the counter's line ends without "done". */
void progress_abort(struct progress **p);
/*
 * A client's notice of a long wait (ht_client_notice_fn), as a line of
 * its own where the progress goes: only when progress is shown.
 */
void progress_notice(const char *line, void *payload);

/*
 * run.c: git as a child process.  stdin gets `in` (may be NULL), stdout
 * is captured into `out` (may be NULL: discarded), stderr is inherited.
 * Returns the exit status (>= 0), or an error when git cannot be run.
 */
int run_git(struct ht_strbuf *out, const char *in, size_t in_len,
	    const char *const *argv);

/*
 * config.c
 */
struct helper_config {
	/* hightouch.retries, allowHttp, pageSize */
	struct ht_client_config client;
	int full_resync;
	char *author_name;  /* hightouch.authorName, or the default */
	char *author_email; /* hightouch.authorEmail, or the default */
	char *prefix;       /* remote.<name>.hightouchPath, normalised */
	char *base;         /* remote.<name>.hightouchBase, or NULL */
	struct ht_credential_config key; /* where its API key comes from */
	int quote_path;     /* core.quotePath, default 1 */
};

/* Read it with `git config`; `remote` may be NULL (no remote). */
int config_read(struct helper_config *cfg, const char *remote);
void config_release(struct helper_config *cfg);

/*
 * odb.c: the object database, which is all of the repository the helper
 * touches (refs are git's).
 */
struct odb {
	char *gitdir;    /* $GIT_DIR */
	char *commondir; /* where objects and refs live */
	git_odb *odb;
	git_repository *repo; /* wraps `odb`: objects only */
	char *objects;   /* the object directory */
	git_odb_backend *mempack;
	/*
	 * Between odb_pack_begin() and odb_pack_finish(): the blobs and
	 * commits, deflated as they are written, and the trees libgit2
	 * wrote to memory, packed at the end.
	 */
	int packing;
	int objects_empty; /* no object on disk when packing began */
	struct ht_pack pack;
	git_oid *packed;
	size_t packed_nr, packed_alloc;
	size_t written;  /* objects written by this process */
};

#define ODB_INIT { NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, HT_PACK_INIT, \
		   NULL, 0, 0, 0 }

/* The libgit2 error of `ret`, as an ht error: "<what>: <libgit2's>". */
int git2_error(int ret, const char *what);

/*
 * The common directory of the repository at `gitdir` (itself, or where
 * $GIT_COMMON_DIR or its `commondir` file points, for a linked worktree),
 * found without running git.
 */
int odb_common_dir(const char *gitdir, char **out);
/*
 * Open the object database of the repository at `gitdir`, following
 * `commondir` for linked worktrees.  A repository that is not SHA-1 is
 * refused (HT_EUNSUPPORTED) before anything is written.  libgit2 is
 * started here, the first time: nothing before needs it.
 */
int odb_open(struct odb *r, const char *gitdir);
void odb_close(struct odb *r);
/* From now on, write objects to memory; odb_pack_finish() packs them. */
int odb_pack_begin(struct odb *r);
/* Write the objects gathered since odb_pack_begin() as one pack. */
int odb_pack_finish(struct odb *r);

int odb_write_blob(struct odb *r, git_oid *out, const void *buf,
		    size_t len);
/* The id `buf` would have as a blob, without writing it (nor libgit2). */
int odb_hash_blob(git_oid *out, const void *buf, size_t len);
/* HT_ENOTFOUND when there is no such blob at `path` in `tree`. */
int odb_read_path(struct odb *r, struct ht_strbuf *out,
		   const git_oid *tree, const char *path, git_oid *blob_id);
/* The blob id at `path`, or HT_ENOTFOUND. */
int odb_path_id(struct odb *r, git_oid *out, const git_oid *tree,
		 const char *path);

/* One change to a tree: `path` gets blob `id`, or goes when `remove`. */
struct tree_change {
	char *path;
	git_oid id;
	int remove;
	size_t seq; /* of two changes to one path, the later wins */
};
/*
 * A new tree: `base` (NULL for the empty tree) with `changes` applied
 * (sorted in place).  Directories left empty disappear.
 */
int odb_tree_update(struct odb *r, git_oid *out, const git_oid *base,
		     struct tree_change *changes, size_t nr);
/* The tree of a commit. */
int odb_commit_tree(struct odb *r, git_oid *out, const git_oid *commit);
/* What team.c reads of a commit. */
struct commit_info {
	int64_t time_ms; /* the committer date */
	int root;        /* no parent */
	git_oid parent;  /* else the first */
};
int odb_commit_info(struct odb *r, struct commit_info *out,
		    const git_oid *commit);

/*
 * Walk the history of the `nr` commits `tips`, without that of `hide`
 * (NULL: none), in `sort` order (GIT_SORT_*): `fn` gets each commit (the
 * walk's, freed after), until it returns non-zero: an error (negative,
 * returned) or 1 (stop: 0 is returned).
 */
int odb_walk(struct odb *r, const git_oid *tips, size_t nr,
	     const git_oid *hide, unsigned sort,
	     int (*fn)(git_commit *c, void *payload), void *payload);
/* What odb_find_removals() found of one path. */
struct removal {
	int found;      /* a commit removed it */
	git_oid commit; /* the newest that did */
	int outbound;   /* that commit is a fetch's (ht_commit_is_outbound()) */
};
/*
 * For each of the `nr` `paths`, into out[i]: the newest commit, in
 * topological order, of the history of `tip` that removed it (a commit
 * whose tree lacks the path that every parent's tree has).
 */
int odb_find_removals(struct odb *r, const git_oid *tip,
		      const char *const *paths, size_t nr,
		      struct removal *out);
/* HT_ENOTFOUND if the object is not in the database. */
int odb_has_commit(struct odb *r, const git_oid *id);

struct ident {
	const char *name;
	const char *email;
};
/*
 * Write a commit of `tree` on `parent` (NULL for a root commit), author
 * and committer dated `when` (seconds since the epoch, +0000).
 */
int odb_write_commit(struct odb *r, git_oid *out, const git_oid *tree,
		const git_oid *parent, const struct ident *author,
		const struct ident *committer, int64_t when,
		const char *message);

/*
 * refs.c: what git says about refs (libgit2 does not read them).
 */
/*
 * The commit `rev` names (`git rev-parse`), with `*found`; no such commit
 * is 0 with `*found` 0.  `flags`: ht_run_git()'s (HT_RUN_QUIET for a
 * revision that may not be there, as `@{upstream}`).
 */
int refs_commit(const char *rev, unsigned flags, git_oid *out, int *found);
/*
 * 40 lower-case hex digits at `p`, then `end`: 0 and the id in `*out`,
 * else -1 (and nothing said).  Safe before libgit2 is started.
 */
int refs_parse_oid(git_oid *out, const char *p, char end);
/*
 * The private ref `ref`, as refs_commit() gives it, read from the files
 * of git's ref store in `commondir` when they hold it plainly (a loose
 * ref, or a line of packed-refs), which saves running git; else (a ref
 * in neither, a symbolic ref, anything unexpected) from refs_commit().
 * The object is not looked at: the caller checks that it is a commit.
 */
int refs_private(const char *commondir, const char *ref, git_oid *out,
		 int *found);
/*
 * The commits of the branches and remote-tracking branches that contain
 * `commit` (`git for-each-ref --contains`), as a new array of `*nr`.
 */
int refs_containing(git_oid **out, size_t *nr, const git_oid *commit);

/*
 * state.c
 */

/* The order of lists of updatedAt, as detected. */
enum list_dir {
	DIR_UNKNOWN,
	DIR_ASC,
	DIR_DESC,
	DIR_NONE, /* not sorted: always read the whole list */
};

/* What is known of one list of the API (one per kind with an endpoint). */
struct list_state {
	int valid;
	uint64_t count;
	enum list_dir dir;
	/* the newest item, by (updatedAt, id) */
	int64_t newest_id, newest_ms;
};

/* One resource the helper has seen. */
struct resource {
	enum ht_ids table; /* its id space */
	int64_t id;
	/* the kind of its file, or HT_KIND__COUNT when it has none (an
	 * audience, or a sync of one) */
	enum ht_kind kind;
	int64_t updated_ms;
	char *slug;
	/*
	 * Skipped by a fetch: its file would name a resource the workspace
	 * lacks (miss_table, miss_id), so it has none, or keeps the one it
	 * had (state_skip()).
	 */
	int skipped;
	enum ht_ids miss_table;
	int64_t miss_id;
};

struct state {
	char *dir; /* $GIT_COMMON_DIR/hightouch/<remote> */
	char *name; /* <remote> */
	int lock_fd;
	/* header */
	int loaded;
	char *source;   /* api base and workspace the state is about */
	char *prefix;
	git_oid commit;
	int schema;     /* 1 the server has the schema extension, 0 not, -1 ? */
	int64_t workspace_id; /* the workspaceId of its resources; 0 ? */
	/* the commit's manifest reads (manifest_readable()): when saved */
	int manifest_ok;
	struct list_state lists[HT_KIND__COUNT];
	char *map_id;   /* hash of the resources file */
	/* resources, sorted by (table, id), loaded by state_load_map() */
	int map_loaded;
	struct resource *res;
	size_t nr, alloc;
	size_t *slots, nslots; /* hash table: index + 1 into res */
};

/* Open (creating the directory) and lock the state of `remote`. */
int state_open(struct state *s, const char *commondir, const char *remote);
/*
 * The same to read the header only, as it is (state_load()): nothing is
 * created, nothing locked.
 */
void state_peek(struct state *s, const char *commondir, const char *remote);
/* Read the header; 0 and s->loaded = 0 when it is missing or corrupt. */
int state_load(struct state *s);
/* Read the resources; 0 or HT_EINVALID when missing or corrupt. */
int state_load_map(struct state *s);
/* Write the resources and the header, each atomically. */
int state_save(struct state *s);
/* Forget every resource (a full resync starts from none). */
void state_clear_map(struct state *s);
void state_release(struct state *s);

struct resource *state_find(struct state *s, enum ht_ids t, int64_t id);
/* An ht_resolver slug_of (kinds.h): ids to slugs, `payload` a state. */
int state_slug_of(const char **out, enum ht_kind kind, int64_t id,
		  void *payload);
/* Add or replace; `slug` is copied.  Keeps the order. */
struct resource *state_set(struct state *s, enum ht_ids t, int64_t id,
			   enum ht_kind kind, int64_t updated_ms,
			   const char *slug);
void state_remove(struct state *s, enum ht_ids t, int64_t id);
/* Mark `r` skipped (state_set() unmarks it). */
void state_skip(struct resource *r, enum ht_ids miss_table, int64_t miss_id);
/*
 * Why `r` was skipped: "its model 47 is not in the workspace" (or "was
 * skipped", when that one was skipped too).
 */
void state_skip_reason(struct ht_strbuf *out, struct state *s,
		       const struct resource *r);
/* 1 if `r` is an item of the list of `list` (a kind with an endpoint). */
int state_in_list(const struct resource *r, enum ht_kind list, int schema);
/* The newest updatedAt of the lists (0: none known). */
int64_t state_newest_ms(const struct state *s);

/*
 * A listed item's workspaceId against the one the state's resources
 * came from (learnt from the first item when the state has none):
 * HT_EAUTH, naming the remote and both ids, when the key serves another
 * workspace.  An item without workspaceId passes.
 */
int state_check_workspace(struct state *s, const json_t *item);

/* ISO 8601 date-time -> milliseconds since the epoch; -1 if invalid. */
int64_t parse_time_ms(const char *s);

/*
 * listing.c
 */

/* One item of a list, as the API sent it. */
struct item {
	json_t *json;
	int64_t id;
	int64_t updated_ms;
};

struct listing {
	enum ht_kind list;
	int same;        /* nothing changed since the state */
	int full;        /* `items` is the whole list, else what changed */
	int unavailable; /* 404: the server has no such list */
	int probed;      /* listing_probe() ran: `same` is its answer */
	struct item *items;
	size_t nr, alloc;
	struct list_state next; /* the list's state after this fetch */
	struct ht_page probe;   /* listing_probe()'s page, for reuse */
	size_t probe_offset;
};

/*
 * The import's first requests, made when git sends `list` (main.c), so
 * that what can fail before objects flow fails before git starts
 * fast-import; the import takes their answers instead of asking again.
 * An incremental fetch (`probe`) probes every list there, in the order
 * of its import (`order`; the schema's lists unless `seen_schema` is 0,
 * as the import does): when none changed, `list` can tell git the commit
 * it has (import.c).  Any other import makes one request there: the
 * first page of the first list it reads (listing.c).
 */
struct first_request {
	enum ht_kind list;
	size_t offset, limit;
	git_oid state;       /* the state's commit it was made for */
	int have;            /* `page` is its answer, not taken yet */
	struct ht_page page;
	int probe;           /* probe every list, into `lists` */
	/* the state's lists and schema it was made for (with `state`) */
	struct list_state seen[HT_KIND__COUNT];
	int seen_schema;
	enum ht_kind order[HT_KIND__COUNT];
	size_t nlists;
	int changed;         /* after the probes: a list changed */
	struct listing lists[HT_KIND__COUNT]; /* those probed, not taken */
};

struct list_ctx {
	struct ht_client *client;
	struct state *state;
	unsigned page_size;
	/* optional: the answer of the first request, for the first read */
	struct first_request *first;
	struct progress *progress;
	uint64_t seen; /* items read, for progress */
	/*
	 * Optional, for whole listings: called with each page's items
	 * (l->items[from..from+n)), which it may consume (json_decref()
	 * and NULL their `json`) while the next pages are read.  It runs
	 * while the next page is asked for on another thread, with this
	 * client: it must not use `client`.
	 */
	int (*page_cb)(struct listing *l, size_t from, size_t n,
		       void *payload);
	void *page_payload;
};

/*
 * Cheap check, from the state's header alone (one or two requests): is
 * the list of `list` as the state has it?  Sets l->same.
 */
int listing_probe(struct list_ctx *ctx, struct listing *l, enum ht_kind list);
/*
 * The request listing_probe() makes first for a list in state `old`:
 * 0 when it makes none (the list is read whole).
 */
int listing_probe_request(const struct list_state *old, unsigned page_size,
			  size_t *offset, size_t *limit);
/*
 * Read what changed since the state (which must have its resources
 * loaded), or, when that cannot be told from the list's tail or `full`
 * is set, the whole list.
 */
int listing_fetch(struct list_ctx *ctx, struct listing *l, enum ht_kind list,
		  int full);
/*
 * The kinds that have a list in the API, by rank (kinds.h): what is
 * referred to first (a first import reads them so, and changes are planned
 * so), or with `referring_first` what refers first (a fetch reads them so,
 * so that a resource made meanwhile still finds what it names).  Returns
 * how many were put in `out`.
 */
size_t listing_order(enum ht_kind out[HT_KIND__COUNT], int referring_first);
/*
 * Probe the lists of `order` (n of them; the schema's only while
 * `*schema`) into lists[list], each not probed yet; `*changed` when one
 * changed.  A list of the schema that the server lacks (404) marks its
 * listing unavailable and clears `*schema`: the lists of the schema after
 * it are not probed.
 */
int listing_probe_lists(struct list_ctx *ctx, struct listing *lists,
			const enum ht_kind *order, size_t n, int *schema,
			int *changed);
/*
 * Make the requests `fr` names and keep their answers (fr->have, or the
 * probes in fr->lists), after checking the items' workspace against
 * ctx->state (may be NULL).  A list of the schema extension that the
 * server lacks (404) is no error: the import finds it out again.
 */
int listing_first_request(struct list_ctx *ctx, struct first_request *fr);
void first_request_release(struct first_request *fr);
/* Free the items (and the probe page), keeping what l->next says. */
void listing_drop_items(struct listing *l);
void listing_release(struct listing *l);

/*
 * render.c: a resource's file as a fetch writes it (see the top of
 * render.c), for import and for push.
 */
struct render {
	struct odb *odb;
	const char *workspace;
	struct ht_resolver resolver; /* ids to slugs */
	json_t *aliases; /* the aliases file, read when first needed */
};

void render_init(struct render *rd, struct odb *odb, const char *workspace,
		 const struct ht_resolver *resolver);
void render_release(struct render *rd);
/*
 * The file of the resource `api` (of `kind`) into `out`, keeping what
 * lives in the file only from the file at `old_path` in `tree` (either
 * may be NULL: none), and that file byte for byte when it holds the same
 * data (see render.c).  The aliases file is read from the first `tree`
 * given.  Errors are ht_kind_to_yaml()'s.
 */
int render_resource(struct render *rd, struct ht_strbuf *out,
		    enum ht_kind kind, const json_t *api, const git_oid *tree,
		    const char *old_path);
/*
 * The same with the old file already read (`old_text`, NULL: none) and
 * parsed (`old`, NULL: none or it does not parse).
 */
int render_resource_doc(struct render *rd, struct ht_strbuf *out,
			enum ht_kind kind, const json_t *api,
			const git_oid *tree, const struct ht_strbuf *old_text,
			const struct ht_ynode *old);
/*
 * The manifest of `sources` and `destinations` (slug -> entry), keeping
 * the one at `path` in `tree` (either may be NULL) as render_resource()
 * keeps a resource's file.
 */
int render_manifest(struct render *rd, struct ht_strbuf *out,
		    json_t *sources, json_t *destinations,
		    const git_oid *tree, const char *path);
/*
 * The aliases file: the one at `path` in `tree` (either may be NULL) as it
 * is, whatever it holds (it is the user's), else a new, empty one.
 */
int render_aliases(struct render *rd, struct ht_strbuf *out,
		   const git_oid *tree, const char *path);
/*
 * The file at `path` in `tree` (either may be NULL: none): 1 with its
 * bytes in `text` and its tree in `*doc` (NULL when it does not parse),
 * or 0 when there is no such file.
 */
int render_read_file(struct render *rd, struct ht_strbuf *text,
		     struct ht_ynode **doc, const git_oid *tree,
		     const char *path);
/* A manifest entry of an API source or destination: {slug, name, type}. */
json_t *manifest_entry(const json_t *api);

/*
 * The remote an import or a push works with.
 */
struct remote {
	const char *name; /* the remote's name (or a hash of the URL) */
	const struct ht_url *url;
	const struct helper_config *cfg;
	struct ht_client *client;
	struct first_request *first; /* made at `list`, or NULL */
};

/*
 * import.c
 */

/*
 * Bring the private ref's history up to date with the workspace: write
 * the objects and the state, and set `*out` to the commit the private ref
 * must point at.  `private_ref` is the current value (NULL if none).
 */
int import_run(struct odb *r, struct state *s, const struct remote *o,
	       const git_oid *private_ref, git_oid *out);
/*
 * The first requests import_run() will make, from the state's header
 * (`s` may be unlocked: see state_peek()) and the private ref (NULL if
 * none): into `out` (struct first_request says which).
 */
void import_first_request(struct first_request *out, const struct state *s,
			  const struct remote *o, const git_oid *private_ref);
/*
 * At `list`, after the requests of `fr` (listing_first_request()), with
 * the state as import_first_request() had it: 1 when import_run() would
 * make no commit (an incremental fetch whose probes found nothing
 * changed, on a base whose manifest it can read), so that `list` can give
 * git the private ref's commit, and git skips the import; else 0, also
 * when the base cannot be read (the import then says why).
 */
int import_unchanged(const struct first_request *fr, const char *gitdir,
		     struct state *s, const struct remote *o,
		     const git_oid *private_ref);
/*
 * 1 when the manifest at `path` in `tree` reads as the import reads a
 * base's (else it reads the whole workspace again); what a state says of
 * its commit (state->manifest_ok), so that `list` need not open the
 * object database to tell.
 */
int manifest_readable(struct odb *r, const git_oid *tree, const char *path);

/*
 * push.c
 */
enum push_force {
	PUSH_NORMAL,
	PUSH_LEASE, /* `option cas` matched: --force-with-lease */
	PUSH_FORCE, /* `+` */
};

struct push_opts {
	const struct remote *rm;
	enum push_force force;
	int dry_run;
	/* the push options (`git push -o`), main.c's table */
	int trigger;       /* `-o trigger`: run the syncs made or changed */
	int paused;        /* `-o paused`: syncs are created paused */
	int keep_schedule; /* `-o keep-schedule`: syncs that exist keep the
			    * workspace's schedule and pause */
};

/*
 * Push the change from `base` (the private ref: the last fetch; NULL if
 * none) to `head` to the workspace.  0 with `why` empty: done (or, with
 * dry_run, it would be); 0 with `why` set: rejected, `why` being the
 * reason for git's `error <ref> <why>` (details are on stderr); a
 * negative code for an error that is not about the push itself.
 */
int push_run(struct odb *r, struct state *s, const struct push_opts *o,
	     const git_oid *base, const git_oid *head, struct ht_strbuf *why);

#endif
