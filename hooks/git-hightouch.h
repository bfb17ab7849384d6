#ifndef GIT_HIGHTOUCH_H
#define GIT_HIGHTOUCH_H

/*
 * git-hightouch: the tool behind the hooks (docs/git-hightouch.1).
 *
 * Each command returns its exit status (0; 1 for findings or a refusal;
 * what ht_options_status() gives for -h, --help and bad usage), or a
 * negative ht error code with the message set, which main() prints as
 * "fatal: <message>" and turns into exit status 2.
 */

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hightouch/client.h"
#include "hightouch/config.h"
#include "hightouch/credential.h"
#include "hightouch/error.h"
#include "hightouch/kinds.h"
#include "hightouch/url.h"

/* The Makefile's HT_VERSION, for SARIF's tool.driver.version. */
#ifdef HT_VERSION
#define GIT_HIGHTOUCH_VERSION HT_VERSION
#else
#define GIT_HIGHTOUCH_VERSION "unknown"
#endif

/* Exit statuses besides 0 (and HT_EXIT_USAGE, for -h). */
#define EXIT_FINDINGS 1
#define EXIT_TROUBLE 2
/* Ctrl-C stopped `trigger --wait` (the runs go on): 128 + SIGINT. */
#define EXIT_INTERRUPTED 130

/*
 * main.c: SIGINT and SIGTERM, once caught, set `stop_asked` (gitsync
 * ends its loop, trigger its waiting) instead of ending the program.
 */
extern volatile sig_atomic_t stop_asked;
void catch_stop_signals(void);

int cmd_check(int argc, char **argv);
int cmd_gitsync(int argc, char **argv);
int cmd_install_hooks(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_trigger(int argc, char **argv);

/*
 * remote.c: a workspace remote, for the commands that talk to the
 * workspace (trigger, runs, show): its URL, key and client, as
 * git-remote-hightouch has them.
 */
struct wsremote {
	char *name;           /* the remote */
	struct ht_config cfg; /* remote.*, hightouch.* */
	/* hightouch.retries, allowHttp, pageSize */
	struct ht_client_config client_cfg;
	char *prefix;         /* remote.<name>.hightouchPath, or "" */
	struct ht_url url;
	struct ht_credential_config key;
	struct ht_credential cred;
	int have_cred;
	struct ht_client *client;
	/* whole lists, read once when needed (wsremote_list()) */
	json_t *lists[HT_KIND__COUNT];
	/* the work tree's root and the current folder in it, once asked */
	char *top, *cwd_rel;
};

/*
 * The remote whose URL is a workspace's, when there is exactly one, into
 * `*out` (to free): HT_ENOTFOUND without one, HT_EINVALID with several
 * ("name one with --remote").
 */
int wsremote_default(char **out, const struct ht_config *cfg);
/*
 * remote.<name>.url into `*url` (borrowed from `cfg`): HT_ENOTFOUND "no
 * remote 'x'", HT_EINVALID when it is not a workspace's.
 */
int wsremote_url(const struct ht_config *cfg, const char *name,
		 const char **url);
/*
 * Open remote `name` (NULL: wsremote_default()): its configuration, URL
 * (hightouch.allowHttp), key (common/credential.c) and client
 * (hightouch.retries; HT_TRACE traces its requests on stderr).
 */
int wsremote_open(struct wsremote *w, const char *name);
/* Tell git's credential helpers whether the key worked (`ret`). */
void wsremote_settle(struct wsremote *w, int ret);
void wsremote_close(struct wsremote *w);
/* The whole list of `kind` (a kind with an API path), borrowed. */
int wsremote_list(struct wsremote *w, json_t **out, enum ht_kind kind);
/*
 * `arg`, a path relative to the current directory (or absolute, inside
 * the work tree), as a path from the top of the work tree, into `out`
 * (ht_path_from_top(); git is asked where the work tree is once).
 */
int wsremote_repo_path(struct wsremote *w, struct ht_strbuf *out,
		       const char *arg);
/* The root of the work tree (asked of git once), or NULL without one. */
const char *wsremote_top(struct wsremote *w);
/* 1 if `arg` names a file rather than a slug: it has a '/' or ".yaml". */
int wsremote_is_path(const char *arg);

/*
 * resolve.c: resources named by slug, through the API.
 */
struct lookup {
	enum ht_kind kind;  /* the list it is looked up in */
	const char *slug;
	json_t *found;      /* the API's object, or NULL when none */
};

/*
 * Look each of `nr` up in its list: one request each (GET
 * <list>?slug=<slug>), or, from HT_LOOKUP_LISTING names of one list on,
 * the whole list once.
 */
#define HT_LOOKUP_LISTING 5
int lookup_run(struct wsremote *w, struct lookup *l, size_t nr);
/*
 * " (did you mean 'a' or 'b'?)" for `slug`, from the whole list of
 * `kind` (read once); nothing when none is near.
 */
int lookup_suggest(struct wsremote *w, struct ht_strbuf *out,
		   enum ht_kind kind, const char *slug);
void lookup_release(struct lookup *l, size_t nr);

/*
 * A slug or a resource file named on the command line: the slug, and
 * the kind of the file (HT_KIND__COUNT for a slug).  HT_EINVALID for a
 * file that is no resource's, or a slug that is not one (kinds.h).
 */
int resolve_arg(struct wsremote *w, const char *arg, struct ht_strbuf *slug,
		enum ht_kind *kind);

/*
 * The names that matched nothing: each message given to unknowns_add()
 * is printed as "error: <message>" on stderr, but for the last, which
 * unknowns_result() makes the error (with several, HT_ENOTFOUND "N of
 * the <what> are unknown" after the last is printed too).
 */
struct unknowns {
	struct ht_strbuf last;
	size_t nr;
};

#define UNKNOWNS_INIT { HT_STRBUF_INIT, 0 }

void unknowns_add(struct unknowns *u, const struct ht_strbuf *msg);
/* 0 when none was added, else HT_ENOTFOUND; releases `u`. */
int unknowns_result(struct unknowns *u, const char *what);

/*
 * The syncs `args` name (slugs, or paths of sync files under the remote's
 * hightouchPath), looked up.  Every unknown one is an error naming it
 * with the slugs near it; with several, each is printed as "error: ..."
 * on stderr and the result is HT_ENOTFOUND, "N of the syncs named are
 * unknown".  A sync named twice is marked `dup` the second time.
 */
struct sync_name {
	const char *arg;
	char *slug;
	int64_t id;
	int dup;
};
int resolve_syncs(struct wsremote *w, const char *const *args, size_t nr,
		  struct sync_name *out);
void sync_names_release(struct sync_name *s, size_t nr);

/*
 * runs.c: reading and showing runs.
 */
struct ht_run;
/*
 * Run `run_id` of sync `sync_id` (GET /syncs/{id}/runs?runId=...) into
 * `out`; HT_ENOTFOUND when the list does not have it (yet).
 */
int runs_get(struct wsremote *w, struct ht_run *out, int64_t sync_id,
	     int64_t run_id);
/*
 * "120 planned, 118 successful, 2 failed" (each the sum of added,
 * changed and removed rows).
 */
void runs_rows_text(struct ht_strbuf *out, const struct ht_run *r);
/* --format's value: 1 for json, 0 for text (or none), or HT_EINVALID. */
int format_is_json(const char *format);

#endif
