/*
 * git hightouch gitsync: Git Sync's loop, run from cron, a timer or CI,
 * in a clone with a git-host remote (the upstream) and a workspace remote.
 *
 * One round:
 *   1. fetch both remotes;
 *   2. OUTBOUND: the workspace's new commits join the branch (a
 *      fast-forward, else a merge made without a work tree, dated and
 *      signed so that the same parents give the same commit), and the
 *      branch is pushed to the upstream;
 *   3. INBOUND: the branch is pushed to the workspace remote, which
 *      checks it and applies what changed.
 * A push refused because the other side moved ("fetch first") starts the
 * round again, at most ROUND_TRIES times.  The round works on the
 * remote-tracking refs alone: the work tree, the index and the local
 * branches are left as they are.
 *
 * Exit status: 0 in step; 1 a person is needed (a conflict, a file the
 * workspace refuses); 2 trouble (network, key, git host).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "hightouch/alloc.h"
#include "hightouch/config.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/kinds.h"
#include "hightouch/options.h"
#include "hightouch/remotes.h"
#include "hightouch/repository.h"
#include "hightouch/run.h"
#include "hightouch/strbuf.h"
#include "hightouch/url.h"

#include "git-hightouch.h"

/* The workspace remote's one branch (git-remote-hightouch's). */
#define WORKSPACE_BRANCH "main"
/* Rounds started again because a remote moved, before giving up. */
#define ROUND_TRIES 3
#define LOCK_NAME "hightouch-gitsync.lock"

static const char *const gitsync_usage[] = {
	"git hightouch gitsync [--remote <name>] [--upstream <name>] "
	"[--branch <name>] [--every <seconds>] [--full-resync] [--dry-run] "
	"[--format text|json]",
	NULL,
};

enum status {
	IN_STEP = 0,
	CONFLICT,  /* the branch and the workspace changed the same lines */
	REFUSED,   /* the workspace refused the branch's files */
	TROUBLE,   /* the error is set */
	MOVED,     /* a remote moved during the round: again */
};

struct gitsync {
	const char *remote, *upstream, *branch, *format;
	unsigned every;
	int full_resync, dry_run, json;
	char *remote_owned, *branch_owned;
	struct ht_config cfg;
	struct ht_strbuf ws_ref, up_ref, lock;
};

struct round {
	enum status status;
	unsigned outbound;   /* workspace commits the branch takes */
	unsigned inbound;    /* files the branch changes in the workspace */
	int merged;          /* OUTBOUND made a merge commit */
	char up[GIT_OID_HEXSZ + 1], ws[GIT_OID_HEXSZ + 1];
	char tip[GIT_OID_HEXSZ + 1]; /* the branch as the round leaves it */
	struct ht_strbuf conflicts;  /* one file a line */
	struct ht_strbuf why;        /* a refusal, or the error */
};

/*
 * Git
 */

/* `git ARGS...`: its status (0 or more) or a negative error. */
static int git(struct ht_strbuf *out, unsigned flags, const char **argv)
{
	if (out)
		ht_strbuf_reset(out);
	return ht_run_git(out, NULL, 0, argv, flags);
}

/* The commit `rev` names, as hex into `hex` (""), or "" when none. */
static int resolve(char *hex, const char *rev)
{
	struct ht_strbuf sb = HT_STRBUF_INIT, spec = HT_STRBUF_INIT;
	const char *argv[] = { "rev-parse", "--verify", "--quiet", NULL, NULL };
	int ret;

	ht_strbuf_addf(&spec, "%s^{commit}", rev);
	argv[3] = spec.buf;
	*hex = '\0';
	ret = git(&sb, HT_RUN_QUIET, argv);
	if (ret == 0 && sb.len > GIT_OID_HEXSZ) {
		memcpy(hex, sb.buf, GIT_OID_HEXSZ);
		hex[GIT_OID_HEXSZ] = '\0';
	}
	ht_strbuf_release(&sb);
	ht_strbuf_release(&spec);
	return ret < 0 ? ret : 0;
}

/* 1 if `a` is an ancestor of `b` (or is `b`), 0 if not. */
static int is_ancestor(const char *a, const char *b)
{
	const char *argv[] = { "merge-base", "--is-ancestor", a, b, NULL };
	int ret = git(NULL, HT_RUN_QUIET, argv);

	if (ret > 1)
		return ht_error_set(HT_ERROR, "cannot compare commits '%.12s' "
				    "and '%.12s'", a, b);
	return ret < 0 ? ret : !ret;
}

/* The number of lines `git ARGV` prints, into `*n`. */
static int count_lines(unsigned *n, const char **argv)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i;
	int ret = git(&sb, 0, argv);

	*n = 0;
	for (i = 0; ret == 0 && i < sb.len; i++)
		*n += sb.buf[i] == '\n';
	if (ret > 0)
		ret = ht_error_set(HT_ERROR, "'git %s' failed", argv[0]);
	ht_strbuf_release(&sb);
	return ret;
}

/* Commits of `to` that `from` lacks, merges aside. */
static int count_commits(unsigned *n, const char *from, const char *to)
{
	struct ht_strbuf range = HT_STRBUF_INIT;
	const char *argv[] = { "rev-list", "--no-merges", NULL, NULL };
	int ret;

	if (*from)
		ht_strbuf_addf(&range, "%s..%s", from, to);
	else
		ht_strbuf_addstr(&range, to);
	argv[2] = range.buf;
	ret = count_lines(n, argv);
	ht_strbuf_release(&range);
	return ret;
}

/*
 * Remotes and the lock
 */

/* The remotes named exist, and --remote is a workspace's. */
static int check_remotes(struct gitsync *gs, const struct ht_config *cfg)
{
	struct ht_strbuf key = HT_STRBUF_INIT;
	const char *url;
	int ret = 0;

	ht_strbuf_addf(&key, "remote.%s.url", gs->upstream);
	if (!ht_config_find(cfg, key.buf))
		ret = ht_error_set(HT_ENOTFOUND, "no remote '%s' (the git "
				   "host); name it with --upstream",
				   gs->upstream);
	if (!ret)
		ret = wsremote_url(cfg, gs->remote, &url);
	ht_strbuf_release(&key);
	return ret;
}

/* --branch's default: the upstream's default branch, else "main". */
static int find_branch(struct gitsync *gs)
{
	struct ht_strbuf sb = HT_STRBUF_INIT, ref = HT_STRBUF_INIT;
	const char *sym[] = { "symbolic-ref", "--quiet", NULL, NULL };
	const char *ls[] = { "ls-remote", "--symref", gs->upstream, "HEAD",
			     NULL };
	const char *p;
	int ret;

	ht_strbuf_addf(&ref, "refs/remotes/%s/HEAD", gs->upstream);
	sym[2] = ref.buf;
	ht_strbuf_reset(&ref);
	ht_strbuf_addf(&ref, "refs/remotes/%s/", gs->upstream);
	ret = ht_run_git_line(&sb, sym, HT_RUN_QUIET);
	if (ret == 0 && !strncmp(sb.buf, ref.buf, ref.len)) {
		gs->branch_owned = ht_xstrdup(sb.buf + ref.len);
		goto cleanup;
	}
	ht_strbuf_reset(&sb);
	ret = ht_run_git_line(&sb, ls, HT_RUN_QUIET);
	p = ret == 0 && !strncmp(sb.buf, "ref: refs/heads/", 16) ?
		    sb.buf + 16 : NULL;
	if (p && strchr(p, '\t'))
		gs->branch_owned = ht_xmemdupz(p, (size_t)(strchr(p, '\t') - p));
	else
		gs->branch_owned = ht_xstrdup("main");
cleanup:
	gs->branch = gs->branch_owned;
	ht_strbuf_release(&sb);
	ht_strbuf_release(&ref);
	return ret < 0 ? ret : 0;
}

/*
 * The lock in GIT_DIR: 1 when another run holds it (its pid is alive),
 * 0 when taken.  A lock whose process is gone is taken over.
 */
static int take_lock(struct gitsync *gs)
{
	/* the common dir: the refs a round moves are every worktree's */
	const char *argv[] = { "rev-parse", "--path-format=absolute",
			       "--git-common-dir", NULL };
	struct ht_strbuf sb = HT_STRBUF_INIT;
	int ret, fd, tries;
	long pid;

	ret = ht_run_git_line(&gs->lock, argv, 0);
	if (ret > 0)
		ret = ht_error_set(HT_ENOTFOUND, "not in a git repository");
	if (ret < 0)
		return ret;
	ht_strbuf_addstr(&gs->lock, "/" LOCK_NAME);
	for (tries = 0; tries < 2; tries++) {
		fd = open(gs->lock.buf, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd >= 0) {
			dprintf(fd, "%ld\n", (long)getpid());
			close(fd);
			ret = 0;
			goto cleanup;
		}
		if (errno != EEXIST)
			break;
		ht_strbuf_reset(&sb);
		pid = ht_strbuf_read_file(&sb, gs->lock.buf, 64) < 0 ? 0 :
			strtol(sb.buf, NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
			fprintf(stderr, "another gitsync is running (pid %ld, "
				"lock '%s'): nothing to do\n", pid,
				gs->lock.buf);
			ret = 1;
			goto cleanup;
		}
		unlink(gs->lock.buf); /* its process is gone */
	}
	ret = ht_error_set(HT_EIO, "cannot create '%s': %s", gs->lock.buf,
			   strerror(errno));
cleanup:
	if (ret)
		ht_strbuf_reset(&gs->lock);
	ht_strbuf_release(&sb);
	return ret;
}

/*
 * A round
 */

/*
 * The workspace remote's fetch.  Its first fetch in this clone (an
 * adoption) builds on the branch the round follows, whatever is checked
 * out, unless remote.<name>.hightouchBase says otherwise.
 */
static int fetch_workspace(const struct gitsync *gs)
{
	struct ht_strbuf key = HT_STRBUF_INIT, base = HT_STRBUF_INIT;
	char up[GIT_OID_HEXSZ + 1];
	const char *argv[8];
	int ret, n = 0;

	ht_strbuf_addf(&key, "remote.%s.hightouchbase", gs->remote);
	ret = resolve(up, gs->up_ref.buf);
	if (ret < 0)
		goto cleanup;
	if (*up && !ht_config_find(&gs->cfg, key.buf)) {
		ht_strbuf_addf(&base, "remote.%s.hightouchBase=%s", gs->remote,
			       gs->up_ref.buf);
		argv[n++] = "-c";
		argv[n++] = base.buf;
	}
	if (gs->full_resync) {
		argv[n++] = "-c";
		argv[n++] = "hightouch.fullResync=true";
	}
	argv[n++] = "fetch";
	argv[n++] = "--quiet";
	argv[n++] = gs->remote;
	argv[n] = NULL;
	ret = git(NULL, 0, argv);
	if (ret > 0)
		ret = ht_error_set(HT_ENET, "cannot fetch from workspace "
				   "remote '%s'", gs->remote);
cleanup:
	ht_strbuf_release(&key);
	ht_strbuf_release(&base);
	return ret;
}

/*
 * After a failed fetch of the branch: 1 when the upstream has no such
 * branch (a new one, which the round pushes), its stale copy then gone.
 */
static int branch_is_new(const struct gitsync *gs)
{
	struct ht_strbuf ref = HT_STRBUF_INIT;
	const char *ls[] = { "ls-remote", "--exit-code", gs->upstream, NULL,
			     NULL };
	const char *del[] = { "update-ref", "-d", gs->up_ref.buf, NULL };
	int is_new;

	ht_strbuf_addf(&ref, "refs/heads/%s", gs->branch);
	ls[3] = ref.buf;
	is_new = git(NULL, HT_RUN_QUIET, ls) == 2 &&
		 git(NULL, HT_RUN_QUIET, del) == 0;
	ht_strbuf_release(&ref);
	return is_new;
}

/*
 * The branch from the upstream, then the workspace.  A fetch of the
 * branch that fails is made again aloud, for git's own words, unless
 * the branch is new.
 */
static int fetch_all(const struct gitsync *gs)
{
	struct ht_strbuf spec = HT_STRBUF_INIT;
	const char *up[] = { "fetch", "--quiet", gs->upstream, NULL, NULL };
	int ret;

	ht_strbuf_addf(&spec, "+refs/heads/%s:%s", gs->branch,
		       gs->up_ref.buf);
	up[3] = spec.buf;
	ret = git(NULL, HT_RUN_QUIET, up);
	if (ret > 0 && branch_is_new(gs))
		ret = 0;
	else if (ret > 0 && git(NULL, 0, up) != 0)
		ret = ht_error_set(HT_ENET, "cannot fetch '%s' from '%s'",
				   gs->branch, gs->upstream);
	else if (ret > 0)
		ret = 0; /* it failed once, not twice: carry on */
	if (!ret)
		ret = fetch_workspace(gs);
	ht_strbuf_release(&spec);
	return ret;
}

/* Print what `git ARGV` prints to the standard error, indented. */
static void show_git(const char **argv)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	if (git(&sb, HT_RUN_QUIET, argv) == 0)
		fputs(sb.buf, stderr);
	ht_error_clear();
	ht_strbuf_release(&sb);
}

/* For a conflict: each file, and the commits of each side that touch it. */
static void explain_conflict(const struct gitsync *gs, const struct round *r)
{
	struct ht_strbuf file = HT_STRBUF_INIT, range = HT_STRBUF_INIT;
	const char *log[] = { "log", "--format=hint:   %h %s", NULL, "--",
			      NULL, NULL };
	const char *p = r->conflicts.buf, *nl;

	for (; (nl = strchr(p, '\n')); p = nl + 1) {
		ht_strbuf_reset(&file);
		ht_strbuf_add(&file, p, (size_t)(nl - p));
		log[4] = file.buf;
		fprintf(stderr, "error: '%s' changed in workspace remote '%s' "
			"and in '%s/%s'\n", file.buf, gs->remote, gs->upstream,
			gs->branch);
		ht_strbuf_reset(&range);
		ht_strbuf_addf(&range, "%s..%s", r->up, r->ws);
		log[2] = range.buf;
		show_git(log);
		ht_strbuf_reset(&range);
		ht_strbuf_addf(&range, "%s..%s", r->ws, r->up);
		log[2] = range.buf;
		show_git(log);
	}
	fprintf(stderr,
		"hint: nothing was pushed; resolve it by hand and the next "
		"round goes on:\n"
		"hint:   git checkout -B %s %s/%s\n"
		"hint:   git merge %s/%s   (fix the files, then git commit)\n"
		"hint:   git push %s %s\n",
		gs->branch, gs->upstream, gs->branch, gs->remote,
		WORKSPACE_BRANCH, gs->upstream, gs->branch);
	ht_strbuf_release(&file);
	ht_strbuf_release(&range);
}

/* The identity and date of a merge: the same for the same parents. */
static int merge_identity(const struct gitsync *gs, const struct round *r)
{
	const char *show[] = { "show", "-s", "--format=%ct", r->up, r->ws,
			       NULL };
	const struct ht_config_entry *name, *email;
	struct ht_strbuf sb = HT_STRBUF_INIT, date = HT_STRBUF_INIT;
	long long t = 0, v;
	char *p, *end;
	int ret;

	ret = git(&sb, 0, show);
	if (ret > 0)
		ret = ht_error_set(HT_ERROR, "cannot read the dates of "
				   "'%.12s' and '%.12s'", r->up, r->ws);
	for (p = sb.buf; !ret && *p; p = end) {
		v = strtoll(p, &end, 10);
		if (end == p)
			break;
		t = v > t ? v : t;
	}
	name = ht_config_find(&gs->cfg, "hightouch.authorname");
	email = ht_config_find(&gs->cfg, "hightouch.authoremail");
	ht_strbuf_addf(&date, "@%lld +0000", t);
	setenv("GIT_AUTHOR_NAME", name && name->value ? name->value :
		       HT_DEFAULT_AUTHOR_NAME, 1);
	setenv("GIT_AUTHOR_EMAIL", email && email->value ? email->value :
		       HT_DEFAULT_AUTHOR_EMAIL, 1);
	setenv("GIT_AUTHOR_DATE", date.buf, 1);
	setenv("GIT_COMMITTER_NAME", getenv("GIT_AUTHOR_NAME"), 1);
	setenv("GIT_COMMITTER_EMAIL", getenv("GIT_AUTHOR_EMAIL"), 1);
	setenv("GIT_COMMITTER_DATE", date.buf, 1);
	ht_strbuf_release(&sb);
	ht_strbuf_release(&date);
	return ret;
}

/* merge_identity() undone: later rounds' fetches and pushes are git's own. */
static void clear_identity(void)
{
	static const char *const vars[] = {
		"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
		"GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
		"GIT_COMMITTER_DATE",
	};
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		unsetenv(vars[i]);
}

/* The branch and the workspace have a commit in common. */
static int shares_history(const struct gitsync *gs, const struct round *r)
{
	const char *argv[] = { "merge-base", r->up, r->ws, NULL };
	int ret = git(NULL, HT_RUN_QUIET, argv);

	if (ret == 1)
		return ht_error_set(HT_ECONFLICT, "'%s' and workspace remote "
				    "'%s' share no history: fetch the "
				    "workspace remote first in a clone of "
				    "the branch, which builds on it (see "
				    "remote.%s.hightouchBase in "
				    "git-remote-hightouch(1)), or merge "
				    "them once by hand with git merge "
				    "--allow-unrelated-histories",
				    gs->up_ref.buf + 13, gs->remote,
				    gs->remote);
	if (ret > 0)
		return ht_error_set(HT_ERROR, "cannot compare '%.12s' and "
				    "'%.12s'", r->up, r->ws);
	return ret;
}

/*
 * Join the branch (r->up) and the workspace (r->ws) without a work tree:
 * the merge commit into r->tip, or the conflicted files into
 * r->conflicts.
 */
static int merge(const struct gitsync *gs, struct round *r)
{
	const char *mt[] = { "merge-tree", "--write-tree", "--name-only",
			     "--no-messages", r->up, r->ws, NULL };
	const char *ct[] = { "commit-tree", NULL, "-p", r->up, "-p", r->ws,
			     "-m", NULL, NULL };
	struct ht_strbuf sb = HT_STRBUF_INIT, msg = HT_STRBUF_INIT;
	char *nl, *tree = NULL;
	int ret;

	ret = shares_history(gs, r);
	if (!ret)
		ret = git(&sb, 0, mt);
	if (ret < 0)
		goto cleanup;
	nl = strchr(sb.buf, '\n');
	if (ret > 1 || !nl) {
		ret = ht_error_set(HT_ERROR, "cannot merge '%.12s' and "
				   "'%.12s'", r->up, r->ws);
		goto cleanup;
	}
	if (ret == 1) {
		/* the tree, the files, a blank line (and no messages) */
		ht_strbuf_addstr(&r->conflicts, nl + 1);
		while (r->conflicts.len && r->conflicts.buf[r->conflicts.len -
							   1] == '\n')
			ht_strbuf_setlen(&r->conflicts, r->conflicts.len - 1);
		ht_strbuf_addch(&r->conflicts, '\n');
		r->status = CONFLICT;
		ret = 0;
		goto cleanup;
	}
	ht_strbuf_setlen(&sb, (size_t)(nl - sb.buf));
	ct[1] = tree = ht_xstrdup(sb.buf);
	ht_strbuf_addf(&msg, "Merge the workspace's changes into %s\n\n"
		       "Joins %s and the workspace's %s.\n", gs->branch, r->up,
		       r->ws);
	ct[7] = msg.buf;
	ret = merge_identity(gs, r);
	if (!ret)
		ret = git(&sb, 0, ct);
	clear_identity();
	if (ret > 0 || (!ret && sb.len < GIT_OID_HEXSZ))
		ret = ht_error_set(HT_ERROR, "cannot write the merge commit");
	if (!ret) {
		memcpy(r->tip, sb.buf, GIT_OID_HEXSZ);
		r->tip[GIT_OID_HEXSZ] = '\0';
		r->merged = 1;
	}
cleanup:
	free(tree);
	ht_strbuf_release(&sb);
	ht_strbuf_release(&msg);
	return ret;
}

/*
 * `git push --porcelain REMOTE TIP:REF`: IN_STEP, MOVED (the other side
 * has commits this one lacks), or REFUSED with the reason in r->why;
 * TROUBLE (an error) when git pushed nothing and said no reason.
 */
static int push(const struct gitsync *gs, struct round *r, const char *remote,
		const char *ref)
{
	struct ht_strbuf spec = HT_STRBUF_INIT, out = HT_STRBUF_INIT;
	const char *argv[] = { "push", "--porcelain", "--quiet", NULL, NULL,
			       NULL, NULL };
	const char *line, *why;
	int ret, n = 3;

	if (gs->dry_run)
		argv[n++] = "--dry-run";
	argv[n++] = remote;
	ht_strbuf_addf(&spec, "%s:refs/heads/%s", r->tip, ref);
	argv[n] = spec.buf;
	ret = git(&out, 0, argv);
	if (ret <= 0)
		goto cleanup;
	line = strstr(out.buf, "\n!\t");
	why = line ? strchr(line + 3, '\t') : NULL;
	if (!why) {
		ret = ht_error_set(HT_ENET, "cannot push to '%s'", remote);
		goto cleanup;
	}
	ret = 0;
	ht_strbuf_add(&r->why, why + 1, strcspn(why + 1, "\n"));
	if (!r->why.len)
		ht_strbuf_addstr(&r->why, "rejected");
	if (strstr(r->why.buf, "fetch first") ||
	    strstr(r->why.buf, "non-fast-forward") ||
	    strstr(r->why.buf, "non-fast forward") ||
	    strstr(r->why.buf, "stale info"))
		r->status = MOVED;
	else if (strstr(r->why.buf, HT_PUSH_INVALID))
		r->status = REFUSED;
	else
		ret = ht_error_set(HT_ERROR, "'%s' refused the push: %s",
				   remote, r->why.buf);
cleanup:
	ht_strbuf_release(&spec);
	ht_strbuf_release(&out);
	return ret;
}

/* OUTBOUND: the branch takes the workspace's commits, and goes up. */
static int outbound(const struct gitsync *gs, struct round *r)
{
	int ret;

	if (!*r->up) {
		memcpy(r->tip, r->ws, sizeof(r->tip)); /* a new branch */
	} else if ((ret = is_ancestor(r->ws, r->up)) != 0) {
		memcpy(r->tip, r->up, sizeof(r->tip));
		return ret < 0 ? ret : 0;
	} else if ((ret = is_ancestor(r->up, r->ws)) != 0) {
		if (ret < 0)
			return ret;
		memcpy(r->tip, r->ws, sizeof(r->tip));
	} else {
		ret = merge(gs, r);
		if (ret < 0 || r->status == CONFLICT)
			return ret;
	}
	ret = count_commits(&r->outbound, r->up, r->ws);
	if (!ret)
		ret = push(gs, r, gs->upstream, gs->branch);
	return ret;
}

/*
 * The workspace's files that the branch changes: the paths the kinds
 * table gives the workspace remote (its hightouchPath), whatever else
 * the branch holds (a README, CI files).
 */
static int count_inbound(const struct gitsync *gs, struct round *r)
{
	struct ht_strbuf out = HT_STRBUF_INIT;
	const char *argv[] = { "diff", "--name-only", "-z", r->ws, r->tip,
			       NULL };
	char *prefix = NULL;
	const char *p;
	int ret;

	ret = ht_remotes_path_config(&gs->cfg, gs->remote, &prefix);
	if (!ret)
		ret = git(&out, 0, argv);
	if (ret > 0)
		ret = ht_error_set(HT_ERROR, "cannot compare '%.12s' and "
				   "'%.12s'", r->ws, r->tip);
	r->inbound = 0;
	for (p = out.buf; !ret && p < out.buf + out.len; p += strlen(p) + 1)
		r->inbound += ht_kind_for_path(p, prefix, NULL, NULL) !=
			      HT_KIND__COUNT;
	free(prefix);
	ht_strbuf_release(&out);
	return ret;
}

/* INBOUND: the branch goes to the workspace. */
static int inbound(const struct gitsync *gs, struct round *r)
{
	int ret;

	if (!strcmp(r->tip, r->ws))
		return 0;
	ret = count_inbound(gs, r);
	if (!ret)
		ret = push(gs, r, gs->remote, WORKSPACE_BRANCH);
	return ret;
}

/* One try of a round: its status in r->status, or an error. */
static int round_try(const struct gitsync *gs, struct round *r)
{
	int ret;

	ret = fetch_all(gs);
	if (!ret)
		ret = resolve(r->up, gs->up_ref.buf);
	if (!ret)
		ret = resolve(r->ws, gs->ws_ref.buf);
	if (!ret && !*r->ws)
		ret = ht_error_set(HT_ENOTFOUND, "workspace remote '%s' has "
				   "no '%s' after a fetch", gs->remote,
				   gs->ws_ref.buf);
	if (!ret)
		ret = outbound(gs, r);
	if (!ret && r->status == IN_STEP)
		ret = inbound(gs, r);
	return ret;
}

static void round_reset(struct round *r)
{
	ht_strbuf_release(&r->conflicts);
	ht_strbuf_release(&r->why);
	memset(r, 0, sizeof(*r));
}

/* A round, tried again while a remote moves under it. */
static void round_run(const struct gitsync *gs, struct round *r)
{
	int tries;

	for (tries = 1;; tries++) {
		round_reset(r);
		if (round_try(gs, r) < 0) {
			r->status = TROUBLE;
			ht_strbuf_addstr(&r->why, ht_error_message());
			ht_error_clear();
		}
		if (r->status != MOVED || stop_asked)
			break;
		if (tries == ROUND_TRIES) {
			r->status = TROUBLE;
			ht_strbuf_reset(&r->why);
			ht_strbuf_addf(&r->why, "the remotes kept moving: %d "
				       "rounds in a row were refused",
				       ROUND_TRIES);
			break;
		}
	}
}

/*
 * Reports
 */

static const char *const status_names[] = {
	[IN_STEP] = "in step",
	[CONFLICT] = "conflict",
	[REFUSED] = "refused",
	[TROUBLE] = "trouble",
	[MOVED] = "trouble",
};

static int exit_status(enum status s)
{
	return s == IN_STEP ? 0 : s == CONFLICT || s == REFUSED ?
	       EXIT_FINDINGS : EXIT_TROUBLE;
}

static void report_text(const struct gitsync *gs, const struct round *r)
{
	if (r->status == CONFLICT)
		explain_conflict(gs, r);
	else if (r->status == REFUSED)
		fprintf(stderr, "error: workspace remote '%s' refused '%s': "
			"%s\n", gs->remote, gs->branch, r->why.buf);
	else if (r->status != IN_STEP)
		fprintf(stderr, "error: %s\n", r->why.buf);
	printf("%soutbound %u commit%s%s, inbound %u change%s, %s\n",
	       gs->dry_run ? "dry run: " : "", r->outbound,
	       r->outbound == 1 ? "" : "s", r->merged ? " (merged)" : "",
	       r->inbound, r->inbound == 1 ? "" : "s",
	       status_names[r->status]);
}

static void report_json(const struct gitsync *gs, const struct round *r,
			unsigned n)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	json_t *o, *files = json_array();
	const char *p = r->conflicts.len ? r->conflicts.buf : "", *nl;

	for (; (nl = strchr(p, '\n')); p = nl + 1)
		json_array_append_new(files, json_stringn(p, (size_t)(nl - p)));
	o = json_pack("{s:I, s:s, s:i, s:b, s:s, s:s, s:{s:I, s:b, s:s}, "
		      "s:{s:I}, s:o}",
		      "round", (json_int_t)n, "status",
		      status_names[r->status], "exit", exit_status(r->status),
		      "dry_run", gs->dry_run, "branch", gs->branch, "remote",
		      gs->remote, "outbound", "commits",
		      (json_int_t)r->outbound, "merged", r->merged, "tip",
		      r->tip, "inbound", "changes", (json_int_t)r->inbound,
		      "conflicts", files);
	if (o && r->why.len)
		json_object_set_new(o, "error", json_string(r->why.buf));
	if (o && !ht_json_dump(&sb, o))
		printf("%s\n", sb.buf);
	ht_error_clear();
	fflush(stdout);
	json_decref(o);
	ht_strbuf_release(&sb);
}

/*
 * The command
 */

/* Sleep `seconds`, or less when asked to stop. */
static void pause_for(unsigned seconds)
{
	struct timespec one = { 1, 0 };

	while (seconds-- && !stop_asked)
		nanosleep(&one, NULL);
}

/* The rounds: the exit status of the last one not cut short. */
static int run_rounds(struct gitsync *gs)
{
	struct round r;
	unsigned n;
	int status = 0;

	memset(&r, 0, sizeof(r));
	for (n = 1;; n++) {
		round_run(gs, &r);
		if (stop_asked && r.status == TROUBLE) {
			fprintf(stderr, "gitsync: stopped; round %u was cut "
				"short (the next run takes it up)\n", n);
			break;
		}
		if (gs->json)
			report_json(gs, &r, n);
		else
			report_text(gs, &r);
		fflush(stdout);
		status = exit_status(r.status);
		if (!gs->every || stop_asked)
			break;
		pause_for(gs->every);
		if (stop_asked)
			break;
	}
	round_reset(&r);
	return status;
}

static int setup(struct gitsync *gs)
{
	int ret;

	ret = ht_config_read(&gs->cfg, "^(remote\\.|hightouch\\.)");
	if (!ret && !gs->remote) {
		ret = wsremote_default(&gs->remote_owned, &gs->cfg);
		gs->remote = gs->remote_owned;
	}
	if (!ret)
		ret = check_remotes(gs, &gs->cfg);
	if (!ret && !gs->branch)
		ret = find_branch(gs);
	if (ret)
		return ret;
	ht_strbuf_addf(&gs->ws_ref, "refs/remotes/%s/%s", gs->remote,
		       WORKSPACE_BRANCH);
	ht_strbuf_addf(&gs->up_ref, "refs/remotes/%s/%s", gs->upstream,
		       gs->branch);
	return 0;
}

int cmd_gitsync(int argc, char **argv)
{
	struct gitsync gs = { .upstream = "origin" };
	int ret;
	const struct ht_option options[] = {
		HT_OPT_STRING(0, "remote", &gs.remote, "<name>",
			      "the workspace remote (default: the only one)"),
		HT_OPT_STRING(0, "upstream", &gs.upstream, "<name>",
			      "the git host's remote (default: origin)"),
		HT_OPT_STRING(0, "branch", &gs.branch, "<name>",
			      "the branch (default: the upstream's default)"),
		HT_OPT_UNSIGNED_RANGE(0, "every", &gs.every, "<seconds>",
				      "a round every <seconds>, until "
				      "SIGTERM or SIGINT", 1, 86400),
		HT_OPT_BOOL(0, "full-resync", &gs.full_resync,
			    "OUTBOUND of every resource, then INBOUND"),
		HT_OPT_BOOL('n', "dry-run", &gs.dry_run,
			    "say what the round would push; push nothing"),
		HT_OPT_STRING(0, "format", &gs.format, "<fmt>",
			      "text (default) or json, a line a round"),
		HT_OPT_END(),
	};

	ret = ht_options_parse(&argc, (const char **)argv, options,
			       HT_OPTIONS_NO_ARGS);
	if (!ret && (gs.json = format_is_json(gs.format)) < 0)
		ret = gs.json;
	if (ret)
		return ht_options_status(ret, gitsync_usage, options,
					 EXIT_TROUBLE);
	ret = setup(&gs);
	if (!ret)
		ret = take_lock(&gs);
	if (ret == 1) {
		ret = 0; /* another run has it: cron's next try */
	} else if (!ret) {
		catch_stop_signals();
		ret = run_rounds(&gs);
		unlink(gs.lock.buf);
	}
	ht_config_release(&gs.cfg);
	ht_strbuf_release(&gs.ws_ref);
	ht_strbuf_release(&gs.up_ref);
	ht_strbuf_release(&gs.lock);
	free(gs.remote_owned);
	free(gs.branch_owned);
	return ret;
}
