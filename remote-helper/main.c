/*
 * git-remote-hightouch: the git remote helper for hightouch:// URLs.
 *
 * git runs it as `git-remote-hightouch <remote> <url>` with GIT_DIR set
 * (unset for `git ls-remote` outside a repository) and talks to it on
 * stdin/stdout (gitremote-helpers(7); common/protocol.c has the loop).
 * See docs/git-remote-hightouch.1.
 *
 * Exit status: 0 when git ends the session; 128 with "fatal: <message>"
 * on stderr for any error (the message of the failed step, as set by the
 * code below it); 129 for bad arguments.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "hightouch/alloc.h"
#include "hightouch/client.h"
#include "hightouch/config.h"
#include "hightouch/error.h"
#include "hightouch/options.h"
#include "hightouch/protocol.h"
#include "hightouch/url.h"

#include "helper.h"

struct helper {
	const char *remote;     /* argv[1] */
	const char *url_text;   /* argv[2] */
	char *name;             /* the remote's name in refs and state */
	char *private_ref;      /* refs/hightouch/<name>/heads/main */
	char *refspec;
	const char *gitdir;     /* NULL outside a repository */
	struct helper_config cfg;
	struct ht_url url;
	struct ht_credential cred;
	int have_cred;
	struct ht_client *client;
	struct remote rm; /* the above, for import and push (make_client()) */
	struct first_request first; /* made at `list`, for the import */
};

/*
 * The remote's name as it goes into refs/hightouch/<name>/ and the state
 * directory.  git validates configured remote names; for a URL given on
 * the command line (`git fetch hightouch://x`, `git ls-remote`), argv[1]
 * is the URL itself, which is no ref component: use a hash of it, as
 * git-remote-hg does.
 */
static int private_name(struct helper *h)
{
	const char *s = h->remote;
	size_t len = strlen(s), i;
	int ok = len && strcmp(s, h->url_text) && s[0] != '.' &&
		 s[0] != '/' && s[len - 1] != '/' && !strstr(s, "..") &&
		 !strstr(s, "//") &&
		 !(len >= 5 && !strcmp(s + len - 5, ".lock"));
	struct ht_strbuf sb = HT_STRBUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id;
	int ret;

	for (i = 0; ok && i < len; i++) {
		unsigned char c = s[i];

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		     (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		     c == '.' || c == '/';
	}
	if (ok) {
		h->name = ht_xstrdup(s);
		return 0;
	}
	ret = odb_hash_blob(&id, h->url_text, strlen(h->url_text));
	if (ret < 0)
		return ret;
	git_oid_tostr(hex, 17, &id);
	ht_strbuf_addf(&sb, "url-%s", hex);
	h->name = ht_strbuf_detach(&sb, NULL);
	return 0;
}

/* The private ref's commit, if the repository has it. */
static int read_private_ref(struct helper *h, git_oid *out, int *found)
{
	return refs_commit(h->private_ref, 0, out, found);
}

static int make_client(struct helper *h)
{
	struct ht_client_options opts = HT_CLIENT_OPTIONS_INIT;
	int ret;

	if (h->client)
		return 0;
	if (!h->have_cred) {
		ret = ht_credential_fill(&h->cred, &h->url, &h->cfg.key,
					 strcmp(h->name, h->remote) ? NULL :
					 h->remote);
		if (ret < 0)
			return ret;
		h->have_cred = 1;
	}
	opts.url = &h->url;
	opts.api_key = h->cred.password;
	/*
	 * The API's 200 requests per 10 s are per workspace, shared with
	 * every other client: by default, retry for about one window.
	 */
	opts.max_retries = h->cfg.client.retries;
	opts.notice = progress_notice;
	if (helper_out.trace) {
		opts.trace = ht_client_trace_to_file;
		opts.trace_payload = stderr;
	}
	ret = ht_client_new(&h->client, &opts);
	h->rm.name = h->name;
	h->rm.url = &h->url;
	h->rm.cfg = &h->cfg;
	h->rm.client = h->client;
	h->rm.first = &h->first;
	return ret;
}

/* What an import or a push works on: the objects, the locked state. */
struct session {
	struct odb r;
	struct state s;
	int state_open;
	git_oid base; /* the private ref, when has_base */
	int has_base;
};

/* Open the object database, lock the state, read the private ref. */
static int session_open(struct helper *h, struct session *ss,
			const char *what)
{
	int ret;

	memset(ss, 0, sizeof(*ss));
	ss->s.lock_fd = -1;
	if (!h->gitdir)
		return ht_error_set(HT_EINVALID, "cannot %s without a git "
				    "repository (GIT_DIR is not set)", what);
	/* refuses sha256 before anything is written */
	ret = odb_open(&ss->r, h->gitdir);
	if (!ret)
		ret = state_open(&ss->s, ss->r.commondir, h->name);
	if (!ret) {
		ss->state_open = 1;
		ret = read_private_ref(h, &ss->base, &ss->has_base);
	}
	return ret;
}

static void session_close(struct session *ss)
{
	if (ss->state_open)
		state_release(&ss->s);
	odb_close(&ss->r);
}

/* Tell git's credential helpers whether the key worked. */
static void settle_credential(struct helper *h, int ret)
{
	if (!ret)
		ht_credential_approve(&h->cred);
	else if (ret == HT_EAUTH && ht_client_last_status(h->client) == 401)
		ht_credential_reject(&h->cred);
}

/*
 * The import's first requests, made at `list` and their answers kept for
 * the import (struct first_request): what can fail before objects flow
 * (no key, a key refused, no server, a server error, a key that serves
 * another workspace) then fails here, before git starts fast-import,
 * which would print its own lines and leave a crash report in .git.
 * Nothing is written: the state's header is only read (state_peek()).
 * The object database is opened only when the probes found nothing
 * changed and an older state does not say whether its commit's manifest
 * reads (import_unchanged()); never for a clone (into a sha256
 * repository, it becomes SHA-1 after `list`).  `*unchanged`: `list` may
 * give `*id`, the private ref's commit.
 */
static int first_request(struct helper *h, git_oid *id, int *unchanged)
{
	char *dir = NULL;
	struct list_ctx ctx;
	struct state s;
	int found = 0, ret;

	*unchanged = 0;
	memset(&s, 0, sizeof(s));
	s.lock_fd = -1;
	ret = odb_common_dir(h->gitdir, &dir);
	if (!ret)
		ret = refs_private(dir, h->private_ref, id, &found);
	if (!ret) {
		state_peek(&s, dir, h->name);
		ret = state_load(&s);
	}
	if (!ret)
		ret = make_client(h);
	if (ret < 0)
		goto cleanup;
	import_first_request(&h->first, &s, &h->rm, found ? id : NULL);
	memset(&ctx, 0, sizeof(ctx));
	ctx.client = h->client;
	ctx.state = &s;
	ctx.page_size = h->cfg.client.page_size;
	ret = listing_first_request(&ctx, &h->first);
	if (!ret && found)
		*unchanged = import_unchanged(&h->first, h->gitdir, &s,
					      &h->rm, id);
	if (ret < 0 || *unchanged)
		settle_credential(h, ret);
cleanup:
	state_release(&s);
	free(dir);
	return ret;
}

/* The verbosity and progress git asked for, for what is said next. */
static void take_output_options(const struct ht_proto *p)
{
	helper_out.verbosity = p->opts.verbosity;
	helper_out.progress = p->opts.progress;
}

/*
 * `list` answers "?" for the branch unless the import would make no
 * commit: git's fetch skips the import when every listed commit is in
 * the repository (builtin/fetch.c, check_exist_and_connected()).  So, in
 * a repository, `list` makes the import's first requests
 * (first_request()): an incremental fetch probes every list there, and
 * when none changed (import_unchanged()) gives the private ref's commit,
 * and git neither runs the import nor starts fast-import.  git sends the
 * same `list` for a fetch, a clone, `git ls-remote` and `git remote
 * show`: they show that commit, or zeros and "(create)" when the
 * workspace changed (docs/git-remote-hightouch.1 says so).  `list
 * for-push` asks nothing of the workspace: it gives the private ref, the
 * last fetch; git's own checks then run, and a push without one is
 * refused with "fetch first" (push.c).
 */
static int handle_list(struct ht_proto *p, int for_push, void *payload)
{
	struct helper *h = payload;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id;
	int found = 0, ret;

	take_output_options(p);
	if (!for_push && h->gitdir) {
		ret = first_request(h, &id, &found);
		if (ret < 0)
			return ret;
	}
	if (p->opts.object_format)
		ht_proto_printf(p, ":object-format sha1\n");
	if (for_push && h->gitdir) {
		ret = read_private_ref(h, &id, &found);
		if (ret < 0)
			return ret;
	}
	if (found)
		ht_proto_printf(p, "%s %s\n",
				git_oid_tostr(hex, sizeof(hex), &id),
				HELPER_BRANCH);
	else
		ht_proto_printf(p, "? %s\n", HELPER_BRANCH);
	ht_proto_printf(p, "@%s HEAD\n\n", HELPER_BRANCH);
	return 0;
}

static int do_import(struct helper *h, git_oid *out)
{
	struct session ss;
	int ret;

	/*
	 * Before the import's threads; not at start: a fetch that finds
	 * nothing changed never imports, and is quicker without.
	 */
	ht_heap_tune();
	ret = session_open(h, &ss, "import");
	if (!ret)
		ret = make_client(h);
	if (ret < 0)
		goto cleanup;
	ret = import_run(&ss.r, &ss.s, &h->rm, ss.has_base ? &ss.base : NULL,
			 out);
	settle_credential(h, ret);
cleanup:
	session_close(&ss);
	return ret;
}

static int handle_import(struct ht_proto *p, const char *const *refs,
			 size_t nr, void *payload)
{
	struct helper *h = payload;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id;
	size_t i;
	int ret;

	/*
	 * First of all: fast-import then fails, rather than ends quietly,
	 * if we die before "done" (git does not look at our exit status).
	 */
	ht_proto_printf(p, "feature done\n");
	ret = ht_proto_flush(p);
	if (ret < 0)
		return ret;
	for (i = 0; i < nr; i++)
		if (strcmp(refs[i], HELPER_BRANCH) && strcmp(refs[i], "HEAD"))
			return ht_error_set(HT_EINVALID, "a hightouch remote "
					    "has no ref '%s' (only '%s')",
					    refs[i], HELPER_BRANCH);
	take_output_options(p);

	ret = do_import(h, &id);
	if (ret < 0)
		return ret;
	ht_proto_printf(p, "reset %s\n", h->private_ref);
	ret = ht_proto_flush(p);
	if (ret < 0)
		return ret;
	crash_point("in the middle of the fast-import stream");
	ht_proto_printf(p, "from %s\n\ndone\n",
			git_oid_tostr(hex, sizeof(hex), &id));
	return 0;
}

/* How forced a push of `dst` is: `+`, or a cas matching the last fetch. */
static enum push_force push_force(struct ht_proto *p,
				  const struct ht_push_spec *spec,
				  const git_oid *base, int *stale)
{
	char hex[GIT_OID_HEXSZ + 1];
	size_t i, len = strlen(spec->dst);
	enum push_force force = PUSH_NORMAL;

	*stale = 0;
	if (spec->force)
		return PUSH_FORCE;
	if (base)
		git_oid_tostr(hex, sizeof(hex), base);
	for (i = 0; i < p->opts.cas_nr; i++) {
		const char *c = p->opts.cas[i];

		if (strncmp(c, spec->dst, len) || c[len] != ':')
			continue;
		if (base && !strcmp(c + len + 1, hex))
			force = PUSH_LEASE;
		else
			*stale = 1;
	}
	return *stale ? PUSH_NORMAL : force;
}

/* The answer for one ref: `ok <dst>` or `error <dst> <why>`. */
static void push_answer(struct ht_proto *p, const char *dst, const char *why)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	if (!why) {
		ht_proto_printf(p, "ok %s\n", dst);
		return;
	}
	ht_proto_quote_c(&sb, why);
	ht_proto_printf(p, "error %s %s\n", dst, sb.buf);
	ht_strbuf_release(&sb);
}

/*
 * The push options (`git push -o NAME`): each sets a flag of the push.
 * Any other is refused before anything is read.
 */
static const struct push_option {
	const char *name;
	size_t flag; /* offset of its int in struct push_opts */
} push_options[] = {
	{ "trigger", offsetof(struct push_opts, trigger) },
	{ "paused", offsetof(struct push_opts, paused) },
	{ "keep-schedule", offsetof(struct push_opts, keep_schedule) },
};

#define NPUSH_OPTIONS (sizeof(push_options) / sizeof(push_options[0]))

static const struct push_option *push_option(const char *name)
{
	size_t i;

	for (i = 0; i < NPUSH_OPTIONS; i++)
		if (!strcmp(push_options[i].name, name))
			return &push_options[i];
	return NULL;
}

/* Why a spec cannot be pushed at all, or NULL. */
static const char *push_refusal(struct ht_proto *p,
				const struct ht_push_spec *specs, size_t i,
				struct ht_strbuf *sb)
{
	size_t j, k;

	ht_strbuf_reset(sb);
	if (strcmp(specs[i].dst, HELPER_BRANCH)) {
		ht_strbuf_addf(sb, "a hightouch remote has only one branch, "
			       "'%s'", HELPER_BRANCH);
		return sb->buf;
	}
	if (!*specs[i].src) {
		ht_strbuf_addstr(sb, "cannot delete the branch of a workspace: "
				 "the API deletes nothing");
		return sb->buf;
	}
	for (j = 0; j < i; j++)
		if (!strcmp(specs[j].dst, specs[i].dst)) {
			ht_strbuf_addstr(sb, "pushed twice in one push");
			return sb->buf;
		}
	for (j = 0; j < p->opts.push_options_nr; j++)
		if (!push_option(p->opts.push_options[j])) {
			ht_strbuf_addf(sb, "unknown push option '%s' (known: ",
				       p->opts.push_options[j]);
			for (k = 0; k < NPUSH_OPTIONS; k++)
				ht_strbuf_addf(sb, "%s%s", k ? ", " : "",
					       push_options[k].name);
			ht_strbuf_addch(sb, ')');
			return sb->buf;
		}
	return NULL;
}

static int do_push(struct helper *h, struct ht_proto *p,
		   const struct ht_push_spec *spec, struct ht_strbuf *why)
{
	struct session ss;
	struct push_opts o;
	git_oid head;
	int found = 0, stale = 0, ret;
	size_t i;

	memset(&o, 0, sizeof(o));
	ret = session_open(h, &ss, "push");
	if (!ret)
		ret = refs_commit(spec->src, 0, &head, &found);
	if (ret < 0)
		goto cleanup;
	if (!found) {
		ht_strbuf_addf(why, "'%s' is not a commit", spec->src);
		goto cleanup;
	}
	o.force = push_force(p, spec, ss.has_base ? &ss.base : NULL, &stale);
	if (stale) {
		ht_strbuf_addstr(why, "stale info");
		goto cleanup;
	}
	ret = make_client(h);
	if (ret < 0)
		goto cleanup;
	o.rm = &h->rm;
	o.dry_run = p->opts.dry_run;
	for (i = 0; i < p->opts.push_options_nr; i++) {
		const struct push_option *po =
			push_option(p->opts.push_options[i]);

		if (po)
			*(int *)((char *)&o + po->flag) = 1;
	}
	ret = push_run(&ss.r, &ss.s, &o, ss.has_base ? &ss.base : NULL,
		       &head, why);
	settle_credential(h, ret);
cleanup:
	session_close(&ss);
	return ret;
}

/*
 * One `ok` or `error` per ref, always: a ref left without an answer would
 * look "up to date" to git.  With `option atomic`, any refusal refuses
 * the whole batch before anything is written.
 */
static int handle_push(struct ht_proto *p, const struct ht_push_spec *specs,
		       size_t nr, void *payload)
{
	struct helper *h = payload;
	struct ht_strbuf sb = HT_STRBUF_INIT, why = HT_STRBUF_INIT;
	const char *refused = NULL;
	size_t i;
	int ret;

	take_output_options(p);
	if (p->opts.atomic)
		for (i = 0; i < nr && !refused; i++)
			refused = push_refusal(p, specs, i, &sb);
	for (i = 0; i < nr; i++) {
		const char *no = refused ? "atomic push failed" :
				 push_refusal(p, specs, i, &sb);

		if (no) {
			push_answer(p, specs[i].dst, no);
			continue;
		}
		ht_strbuf_reset(&why);
		ret = do_push(h, p, &specs[i], &why);
		if (ret < 0) {
			ht_strbuf_reset(&why);
			ht_strbuf_addstr(&why, ht_error_message());
			say(0, "error: %s", ht_error_message());
			ht_error_clear();
		}
		push_answer(p, specs[i].dst, why.len ? why.buf : NULL);
	}
	ht_proto_printf(p, "\n");
	ht_strbuf_release(&sb);
	ht_strbuf_release(&why);
	return 0;
}

static void helper_release(struct helper *h)
{
	first_request_release(&h->first);
	ht_client_free(h->client);
	if (h->have_cred)
		ht_credential_release(&h->cred);
	ht_url_release(&h->url);
	config_release(&h->cfg);
	free(h->name);
	free(h->private_ref);
	free(h->refspec);
}

static int setup(struct helper *h)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	int ret;

	h->gitdir = getenv("GIT_DIR");
	if (h->gitdir && !*h->gitdir)
		h->gitdir = NULL;
	ret = private_name(h);
	if (ret < 0)
		return ret;
	ret = config_read(&h->cfg, strcmp(h->name, h->remote) ? NULL :
			  h->remote);
	if (ret < 0)
		return ret;
	ht_quote_path_fully = h->cfg.quote_path;
	ret = ht_url_parse(&h->url, h->url_text,
			   h->cfg.client.url_flags);
	if (ret < 0)
		return ret;
	ht_strbuf_addf(&sb, "refs/hightouch/%s/heads/main", h->name);
	h->private_ref = ht_strbuf_detach(&sb, NULL);
	ht_strbuf_addf(&sb, "refs/heads/*:refs/hightouch/%s/heads/*",
		       h->name);
	h->refspec = ht_strbuf_detach(&sb, NULL);
	trace("helper", "remote '%s', api '%s', workspace '%s', git dir "
	      "'%s'", h->name, h->url.api_base, h->url.workspace,
	      h->gitdir ? h->gitdir : "(none)");
	return 0;
}

static const char *const helper_usage[] = {
	"git-remote-hightouch <remote> [<url>]",
	"",
	"git runs it for hightouch:// URLs, with both arguments; see",
	"git-remote-hightouch(1).",
	NULL,
};

int main(int argc, const char **argv)
{
	const struct ht_option options[] = {
		HT_OPT_VERSION("git-remote-hightouch"),
		HT_OPT_END(),
	};
	struct helper h;
	struct ht_proto_handler handler;
	struct ht_proto p;
	int ret, proto_ready = 0;

	/*
	 * git runs `git-remote-hightouch <remote> <url>`: two arguments are
	 * always those, even a remote named "--help".  Otherwise (by hand)
	 * they are read as options: -h, --help, --version, "--", a name.
	 */
	if (argc == 3) {
		argc--;
		argv++;
	} else {
		ret = ht_options_parse(&argc, argv, options, 0);
		if (!ret && (argc < 1 || argc > 2))
			ret = HT_OPTIONS_USAGE;
		if (ret)
			return ht_options_status(ret, helper_usage, options,
						 HT_EXIT_USAGE);
	}
	signal(SIGPIPE, SIG_IGN);
	helper_out.trace = ht_env_bool("HT_TRACE");

	memset(&h, 0, sizeof(h));
	h.remote = argv[0];
	h.url_text = argc == 2 ? argv[1] : argv[0];
	ret = ht_client_global_init();
	if (ret < 0)
		goto cleanup;

	ret = setup(&h);
	if (ret < 0)
		goto cleanup;

	memset(&handler, 0, sizeof(handler));
	handler.refspec = h.refspec;
	handler.object_format = 1;
	handler.list = handle_list;
	handler.import = handle_import;
	handler.push = handle_push;
	handler.payload = &h;
	ht_proto_init(&p, stdin, stdout, helper_out.trace ? stderr : NULL,
		      &handler);
	proto_ready = 1;
	ret = ht_proto_run(&p);
cleanup:
	if (ret < 0)
		fprintf(stderr, "fatal: %s\n", ht_error_message());
	if (proto_ready)
		ht_proto_release(&p);
	helper_release(&h);
	ht_client_global_cleanup();
	ht_git_stop();
	return ret < 0 ? 128 : 0;
}
