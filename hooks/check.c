/*
 * git hightouch check: the rules of common/check.c over the work tree,
 * the index, or two commits, written in one of the report formats.
 *
 *   check [<path>...]          the work tree (against HEAD, for the
 *                              breaking changes and the manifest)
 *   check --staged             the index against HEAD
 *   check --base A [--head B]  commit B (default HEAD) against commit A
 *   check --head B             commit B alone
 *
 * A manifest may differ from the base only as a fetch made it: in a range,
 * when the commit that gave it its new content is an OUTBOUND commit (its
 * subject ends with "(OUTBOUND)", or a refs/hightouch/ ref reaches it); in
 * the index or the work tree, when it is the content of MERGE_HEAD,
 * CHERRY_PICK_HEAD or REBASE_HEAD (a merge or a pick being concluded).
 * --allow-manifest-edits (or hightouch.allowManifestEdits) accepts any.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/check.h"
#include "hightouch/config.h"
#include "hightouch/error.h"
#include "hightouch/fs.h"
#include "hightouch/gitfiles.h"
#include "hightouch/options.h"
#include "hightouch/pack.h"
#include "hightouch/protocol.h"
#include "hightouch/remotes.h"
#include "hightouch/report.h"
#include "hightouch/repository.h"

#include "git-hightouch.h"

static const char *const check_usage[] = {
	"git hightouch check [<options>] [<path>...]",
	"git hightouch check --staged [<options>]",
	"git hightouch check --base <rev> [--head <rev>] [<options>]",
	NULL,
};

enum mode {
	MODE_WORKTREE,
	MODE_STAGED,
	MODE_RANGE,
	MODE_COMMIT,
};

struct check_cmd {
	enum mode mode;
	const char *base_rev, *head_rev, *format_name, *workspace, *prefix;
	const char *remote, *color;
	int all, allow_manifest, list_rules, range_env;
	unsigned jobs;
	enum ht_report_format format;

	git_repository *repo;
	git_index *index;
	git_tree *base_tree, *head_tree;
	git_commit *base_commit, *head_commit;
	git_oid *in_progress; /* MERGE_HEAD and the like */
	size_t nin_progress, in_progress_alloc;

	struct ht_check_tree head, base;
	int have_base;
	char *root;     /* the work tree */
	char *cwd_rel;  /* the current directory, relative to the root */
	struct ht_config config;
	struct ht_remotes remotes; /* the workspace remotes */
	int multi;                 /* their paths differ: a run each */
	char **paths;    /* as given */
	char **norm;     /* the same, relative to the root */
	char *matched;   /* each: names a file of a run's head */
	size_t npaths;
};

/* The options read, checked together; HT_EINVALID for bad usage. */
static int check_options(struct check_cmd *cmd)
{
	if (cmd->range_env) {
		/*
		 * pre-commit sets both at pre-push, except for a branch that
		 * shares nothing with the remote: check it whole.  It names
		 * the remote too: its path is checked (--remote).
		 */
		const char *from = getenv("PRE_COMMIT_FROM_REF");
		const char *to = getenv("PRE_COMMIT_TO_REF");
		const char *remote = getenv("PRE_COMMIT_REMOTE_NAME");

		if (cmd->base_rev || cmd->head_rev)
			return ht_error_set(HT_EINVALID,
					    "--range-from-env cannot be used "
					    "with --base or --head");
		cmd->base_rev = from && *from && to && *to ? from : NULL;
		cmd->head_rev = to && *to ? to : "HEAD";
		if (!cmd->remote && remote && *remote)
			cmd->remote = remote;
	}
	if (cmd->mode == MODE_STAGED && (cmd->base_rev || cmd->head_rev))
		return ht_error_set(HT_EINVALID,
				    "--staged cannot be used with --base, "
				    "--head or --range-from-env");
	if (cmd->base_rev)
		cmd->mode = MODE_RANGE;
	else if (cmd->head_rev)
		cmd->mode = MODE_COMMIT;
	return ht_report_parse_format(&cmd->format, cmd->format_name);
}

static int list_rules(void)
{
	const struct ht_check_rule *rules;
	size_t n, i;

	rules = ht_check_rules(&n);
	for (i = 0; i < n; i++)
		printf("%-22s %-7s %s\n", rules[i].id,
		       rules[i].severity == HT_SEV_ERROR ? "error" : "warning",
		       rules[i].summary);
	return 0;
}

/*
 * Where we are
 */

/* The work tree's root, and the current directory relative to it. */
static int find_root(struct check_cmd *cmd)
{
	const char *workdir = cmd->repo ? git_repository_workdir(cmd->repo) :
					  NULL;
	char cwd[PATH_MAX], top[PATH_MAX];
	struct ht_strbuf q = HT_STRBUF_INIT;
	size_t n;
	int ret;

	if (!getcwd(cwd, sizeof(cwd)))
		return ht_error_set(HT_EIO, "cannot get the current "
					    "directory: %s",
				    strerror(errno));
	if (!workdir) {
		if (cmd->repo && cmd->mode == MODE_WORKTREE)
			return ht_error_set(HT_EINVALID,
					    "this repository has no work "
					    "tree: use --staged or --head");
		cmd->root = ht_xstrdup(".");
		cmd->cwd_rel = ht_xstrdup("");
		return 0;
	}
	if (!realpath(workdir, top)) {
		int e = errno;

		ret = ht_error_set(HT_EIO, "cannot resolve '%s': %s",
				   ht_quote_path(&q, workdir), strerror(e));
		ht_strbuf_release(&q);
		return ret;
	}
	cmd->root = ht_xstrdup(top);
	n = strlen(top);
	if (!strncmp(cwd, top, n) && (cwd[n] == '/' || !cwd[n]))
		cmd->cwd_rel = ht_xstrdup(cwd[n] ? cwd + n + 1 : "");
	else
		cmd->cwd_rel = ht_xstrdup(""); /* in .git: from the top */
	return 0;
}

/*
 * The paths given, relative to the root (cmd->norm).  Those that name a
 * file of the work tree are matched already; match_paths() does the rest.
 */
static int resolve_paths(struct check_cmd *cmd)
{
	struct ht_strbuf norm = HT_STRBUF_INIT;
	struct stat st;
	size_t i;
	int ret = 0;

	cmd->norm = ht_xcalloc(cmd->npaths ? cmd->npaths : 1,
			       sizeof(*cmd->norm));
	cmd->matched = ht_xcalloc(cmd->npaths ? cmd->npaths : 1, 1);
	for (i = 0; i < cmd->npaths; i++) {
		ret = ht_path_from_top(&norm, cmd->root, cmd->cwd_rel,
				       cmd->paths[i]);
		if (ret < 0)
			goto cleanup;
		cmd->matched[i] = !norm.len || !stat(cmd->paths[i], &st);
		cmd->norm[i] = ht_strbuf_detach(&norm, NULL);
	}
cleanup:
	ht_strbuf_release(&norm);
	return ret;
}

/* Match the paths given that name a file of the head, or a folder of it. */
static void match_paths(struct check_cmd *cmd)
{
	size_t i, j, len;

	for (i = 0; i < cmd->npaths; i++) {
		len = strlen(cmd->norm[i]);
		for (j = 0; !cmd->matched[i] && j < cmd->head.nr; j++) {
			const char *p = cmd->head.files[j].path;

			cmd->matched[i] = !strncmp(p, cmd->norm[i], len) &&
					  (!p[len] || p[len] == '/');
		}
	}
}

/* HT_ENOTFOUND when a path given named nothing. */
static int unmatched_path(struct check_cmd *cmd)
{
	struct ht_strbuf q = HT_STRBUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < cmd->npaths; i++)
		if (!cmd->matched[i])
			ret = ht_error_set(HT_ENOTFOUND,
					   "pathspec '%s' did not match any "
					   "file",
					   ht_quote_path(&q, cmd->paths[i]));
	ht_strbuf_release(&q);
	return ret;
}

/*
 * The settings check reads: the workspace remotes (their URL and
 * hightouchPath), hightouch.allowManifestEdits, color.ui and
 * core.quotePath.  git reads them while libgit2 starts and reads the
 * index (cmd_check()); read_config() takes them.
 */
#define CHECK_CONFIG "^(remote\\..*\\.(hightouchpath|url)|" \
		     "core\\.quotepath|" \
		     "hightouch\\.allowmanifestedits|color\\.ui)$"

static int read_config(struct check_cmd *cmd)
{
	int ret;

	ret = ht_config_read_finish(&cmd->config);
	/* paths in messages, as git quotes them */
	if (!ret)
		ret = ht_config_bool(&cmd->config, "core.quotepath",
				     &ht_quote_path_fully);
	if (cmd->allow_manifest < 0) {
		/* no --[no-]allow-manifest-edits: the configuration says */
		cmd->allow_manifest = 0;
		if (!ret && cmd->repo)
			ret = ht_config_bool(&cmd->config,
					     "hightouch.allowmanifestedits",
					     &cmd->allow_manifest);
	}
	if (!cmd->repo)
		return ret; /* a folder of files: color.ui, core.quotePath */
	if (!ret && !cmd->prefix)
		ret = ht_remotes_read(&cmd->remotes, &cmd->config);
	return ret;
}

/*
 * The paths to check, a run each (see remotes.h): --prefix, else the
 * workspace remotes' one path (or none), else each of their paths, only
 * that of --remote when it names a workspace remote, and only those to
 * which --workspace belongs.
 */
static void choose_paths(struct check_cmd *cmd, const char ***out,
			 size_t *nr)
{
	const struct ht_remotes *r = &cmd->remotes;
	const struct ht_remote *remote;
	size_t i;

	*out = ht_xcalloc(r->npaths ? r->npaths : 1, sizeof(**out));
	*nr = 0;
	if (cmd->prefix || r->npaths < 2) {
		(*out)[(*nr)++] = cmd->prefix ? cmd->prefix :
				  r->npaths ? r->paths[0] : NULL;
		return;
	}
	cmd->multi = 1;
	remote = cmd->remote ? ht_remotes_find(r, cmd->remote) : NULL;
	for (i = 0; i < r->npaths; i++) {
		if (remote && strcmp(remote->path, r->paths[i]))
			continue;
		if (cmd->workspace &&
		    !ht_remotes_path_has_workspace(r, r->paths[i],
						   cmd->workspace))
			continue;
		(*out)[(*nr)++] = r->paths[i];
	}
}

/*
 * Manifests: was a change made by a fetch?
 */

/* The blob at `path` in `tree`: 1 (and *out), 0 when absent, or < 0. */
static int tree_blob(git_oid *out, git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	int ret = git_tree_entry_bypath(&e, tree, path);

	if (ret == GIT_ENOTFOUND)
		return 0;
	if (ret < 0)
		return ht_git_error(ret, path);
	git_oid_cpy(out, git_tree_entry_id(e));
	git_tree_entry_free(e);
	return 1;
}

static int commit_blob(git_oid *out, git_commit *commit, const char *path)
{
	git_tree *tree = NULL;
	int ret = git_commit_tree(&tree, commit);

	if (ret < 0)
		return ht_git_error(ret, "cannot read a commit's tree");
	ret = tree_blob(out, tree, path);
	git_tree_free(tree);
	return ret;
}

/* The blob id of a head file (hashing work tree content). */
static int head_blob(git_oid *out, struct check_cmd *cmd,
		     const struct ht_check_file *f)
{
	struct ht_strbuf buf = HT_STRBUF_INIT;
	int ret;

	if (*f->id)
		return git_oid_fromstr(out, f->id) < 0 ?
			       ht_git_error(-1, "invalid object id") :
			       0;
	ret = ht_check_tree_read(&cmd->head, f, &buf, 0);
	if (!ret)
		ret = ht_pack_object_id(out, GIT_OBJECT_BLOB, buf.buf, buf.len);
	ht_strbuf_release(&buf);
	return ret;
}

/* 1 if the blob state (present and `id`, or absent) matches. */
static int same_state(int found, const git_oid *got, int want_found,
		      const git_oid *want)
{
	return found == want_found && (!found || git_oid_equal(got, want));
}

static int outbound(git_repository *repo, git_commit *c)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	int ok = 0;

	if (ht_commit_is_outbound(c))
		return 1;
	if (git_reference_iterator_glob_new(&it, repo, "refs/hightouch/*") < 0)
		return 0;
	while (!ok && !git_reference_next(&ref, it)) {
		git_object *tip = NULL;

		if (!git_reference_peel(&tip, ref, GIT_OBJECT_COMMIT))
			ok = git_oid_equal(git_object_id(tip),
					   git_commit_id(c)) ||
			     git_graph_descendant_of(repo, git_object_id(tip),
						     git_commit_id(c)) == 1;
		git_object_free(tip);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return ok;
}

/*
 * Range: a commit that gave the manifest its head state (it has that state
 * and no parent has) is OUTBOUND.  With none in the range, the state came
 * from outside it (a merged side that was already checked): fine.
 */
static int range_manifest_ok(struct check_cmd *cmd, const char *path,
			     const struct ht_check_file *hf,
			     struct ht_strbuf *why)
{
	git_revwalk *walk = NULL;
	git_commit *c = NULL, *parent = NULL;
	git_oid want, id, got;
	unsigned i, n;
	int want_found = !!hf, found, introduced, ret, ok = 1;

	if (hf && git_oid_fromstr(&want, hf->id) < 0)
		return ht_git_error(-1, "invalid object id");
	ret = git_revwalk_new(&walk, cmd->repo);
	if (!ret)
		ret = git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL);
	if (!ret)
		ret = git_revwalk_push(walk, git_commit_id(cmd->head_commit));
	if (!ret)
		ret = git_revwalk_hide(walk, git_commit_id(cmd->base_commit));
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot walk the commits");
		goto cleanup;
	}
	while (!(ret = git_revwalk_next(&id, walk))) {
		git_commit_free(c);
		c = NULL;
		ret = git_commit_lookup(&c, cmd->repo, &id);
		if (ret < 0) {
			ret = ht_git_error(ret, "cannot read a commit");
			goto cleanup;
		}
		found = commit_blob(&got, c, path);
		if (found < 0) {
			ret = found;
			goto cleanup;
		}
		if (!same_state(found, &got, want_found, &want))
			continue;
		introduced = 1;
		n = git_commit_parentcount(c);
		for (i = 0; introduced && i < n; i++) {
			ret = git_commit_parent(&parent, c, i);
			if (ret < 0) {
				ret = ht_git_error(ret, "cannot read a commit");
				goto cleanup;
			}
			found = commit_blob(&got, parent, path);
			git_commit_free(parent);
			parent = NULL;
			if (found < 0) {
				ret = found;
				goto cleanup;
			}
			if (same_state(found, &got, want_found, &want))
				introduced = 0;
		}
		if (!introduced)
			continue;
		if (outbound(cmd->repo, c)) {
			ok = 1;
			break;
		}
		if (ok) {
			/* the newest commit by hand names the edit */
			char hex[8];

			git_oid_tostr(hex, sizeof(hex), git_commit_id(c));
			ht_strbuf_addf(why, "by commit %s '%s'", hex,
				       git_commit_summary(c) ?
					       git_commit_summary(c) :
					       "");
			ok = 0;
		}
	}
	if (ret == GIT_ITEROVER || ret == 0)
		ret = ok;
	else if (ret < 0)
		ret = ht_git_error(ret, "cannot walk the commits");
cleanup:
	git_commit_free(c);
	git_revwalk_free(walk);
	return ret;
}

static int note_in_progress(const git_oid *id, void *payload)
{
	struct check_cmd *cmd = payload;

	HT_ALLOC_GROW(cmd->in_progress, cmd->nin_progress + 1,
		      cmd->in_progress_alloc);
	git_oid_cpy(&cmd->in_progress[cmd->nin_progress++], id);
	return 0;
}

/* MERGE_HEAD, CHERRY_PICK_HEAD, REBASE_HEAD: what is being concluded. */
static void find_in_progress(struct check_cmd *cmd)
{
	static const char *const refs[] = { "CHERRY_PICK_HEAD", "REBASE_HEAD",
					    NULL };
	git_oid id;
	size_t i;

	git_repository_mergehead_foreach(cmd->repo, note_in_progress, cmd);
	for (i = 0; refs[i]; i++)
		if (!git_reference_name_to_id(&id, cmd->repo, refs[i]))
			note_in_progress(&id, cmd);
	git_error_clear();
}

/* Index or work tree: the manifest is that of a commit being merged. */
static int tree_manifest_ok(struct check_cmd *cmd, const char *path,
			    const struct ht_check_file *hf)
{
	git_commit *c = NULL;
	git_oid want, got;
	size_t i;
	int found, ret = 0;

	if (hf) {
		ret = head_blob(&want, cmd, hf);
		if (ret < 0)
			return ret;
	}
	for (i = 0; !ret && i < cmd->nin_progress; i++) {
		if (git_commit_lookup(&c, cmd->repo, &cmd->in_progress[i]) < 0)
			continue;
		found = commit_blob(&got, c, path);
		git_commit_free(c);
		if (found < 0)
			return found;
		if (same_state(found, &got, !!hf, &want))
			ret = 1;
	}
	return ret;
}

static int manifest_change_ok(const char *path,
			      const struct ht_check_file *base,
			      const struct ht_check_file *head,
			      struct ht_strbuf *why, void *payload)
{
	struct check_cmd *cmd = payload;

	(void)base;
	if (cmd->allow_manifest)
		return 1;
	if (!cmd->repo)
		return 0;
	if (cmd->mode == MODE_RANGE)
		return range_manifest_ok(cmd, path, head, why);
	return tree_manifest_ok(cmd, path, head);
}

/*
 * The trees
 */

static int open_index(struct check_cmd *cmd)
{
	const char *file = getenv("GIT_INDEX_FILE");
	int ret;

	if (git_repository_is_bare(cmd->repo) && !(file && *file))
		return ht_error_set(HT_EINVALID,
				    "a bare repository has no index: use "
				    "--head or --base");
	/* both read the file (a second git_index_read() would again) */
	if (file && *file)
		ret = git_index_open(&cmd->index, file);
	else
		ret = git_repository_index(&cmd->index, cmd->repo);
	if (ret < 0)
		return ht_git_error(ret, "cannot read the index");
	return 0;
}

static int commit_tree(git_tree **out, git_commit **commit,
		       git_repository *repo, const char *rev)
{
	int ret = ht_repository_commit(commit, repo, rev);

	if (ret < 0)
		return ret;
	ret = git_commit_tree(out, *commit);
	if (ret < 0)
		return ht_git_error(ret, "cannot read the tree of a commit");
	return 0;
}

/* What the trees are read from, once: the index, the commits, their trees. */
static int open_sources(struct check_cmd *cmd)
{
	int ret = 0;

	switch (cmd->mode) {
	case MODE_WORKTREE:
		if (!cmd->repo)
			return 0;
		ret = ht_repository_head_tree(&cmd->base_tree, cmd->repo);
		cmd->have_base = !ret && cmd->base_tree;
		return ret;
	case MODE_STAGED:
		ret = open_index(cmd);
		if (!ret)
			ret = ht_repository_head_tree(&cmd->base_tree,
						      cmd->repo);
		/* on an unborn branch, the base is empty: all is new */
		cmd->have_base = 1;
		return ret;
	case MODE_RANGE:
		ret = commit_tree(&cmd->base_tree, &cmd->base_commit,
				  cmd->repo, cmd->base_rev);
		if (ret < 0)
			return ret;
		cmd->have_base = 1;
		/* fall through */
	case MODE_COMMIT:
		return commit_tree(&cmd->head_tree, &cmd->head_commit,
				   cmd->repo,
				   cmd->head_rev ? cmd->head_rev : "HEAD");
	}
	return 0;
}

/* The files of one prefix: the check trees made anew. */
static int build_trees(struct check_cmd *cmd, const char *prefix)
{
	int ret;

	ht_check_tree_release(&cmd->head);
	ht_check_tree_release(&cmd->base);
	if (cmd->mode == MODE_WORKTREE)
		ret = ht_check_tree_from_dir(&cmd->head, cmd->root, prefix);
	else if (cmd->mode == MODE_STAGED)
		ret = ht_check_tree_from_index(&cmd->head, cmd->repo,
					       cmd->index, prefix);
	else
		ret = ht_check_tree_from_git(&cmd->head, cmd->repo,
					     cmd->head_tree, prefix);
	/* the base is much the head's size, the other state of it */
	if (!ret && cmd->have_base) {
		ht_check_tree_reserve(&cmd->base, cmd->head.nr);
		ret = ht_check_tree_from_git(&cmd->base, cmd->repo,
					     cmd->base_tree, prefix);
	}
	return ret;
}

/*
 * Check each path's files (choose_paths()), the findings of all in
 * `diags`, each once (a workspace of several paths is read by each).
 */
static int check_paths(struct check_cmd *cmd, struct ht_check_opts *opts,
		       struct ht_diags *diags)
{
	const char **paths;
	size_t npaths, i;
	int ret = 0;

	choose_paths(cmd, &paths, &npaths);
	if (!npaths)
		ret = ht_error_set(HT_EINVALID,
				   "workspace '%s' belongs to no remote at the "
				   "path of remote '%s' ('%s'): give --remote "
				   "or --workspace, not both",
				   cmd->workspace, cmd->remote,
				   ht_remotes_find(&cmd->remotes, cmd->remote)
					   ->path);
	if (cmd->multi)
		opts->remotes = &cmd->remotes;
	for (i = 0; !ret && i < npaths; i++) {
		opts->prefix = paths[i];
		ret = build_trees(cmd, paths[i]);
		if (ret < 0)
			break;
		match_paths(cmd);
		ret = ht_check_run(diags, &cmd->head,
				   cmd->have_base ? &cmd->base : NULL, opts);
	}
	if (!ret)
		ret = unmatched_path(cmd);
	if (!ret && cmd->multi)
		ht_diags_uniq(diags);
	free(paths);
	return ret;
}

/*
 * Output
 */

/*
 * The count, on stderr, after the findings: stdout flushed first, so that
 * the summary is the last line when both go to one pipe or file (a hook,
 * pre-commit, `2>&1`), where stdout is buffered and stderr is not.
 */
static void summary(const struct ht_diags *d)
{
	if (!d->nr)
		return;
	fflush(stdout);
	fprintf(stderr, "git-hightouch: %zu error%s, %zu warning%s\n",
		d->nerrors, d->nerrors == 1 ? "" : "s", d->nwarnings,
		d->nwarnings == 1 ? "" : "s");
}

static void release(struct check_cmd *cmd)
{
	size_t i;

	for (i = 0; cmd->norm && i < cmd->npaths; i++)
		free(cmd->norm[i]);
	free(cmd->norm);
	free(cmd->matched);
	ht_check_tree_release(&cmd->head);
	ht_check_tree_release(&cmd->base);
	git_index_free(cmd->index);
	git_tree_free(cmd->base_tree);
	git_tree_free(cmd->head_tree);
	git_commit_free(cmd->base_commit);
	git_commit_free(cmd->head_commit);
	git_repository_free(cmd->repo);
	free(cmd->in_progress);
	free(cmd->root);
	free(cmd->cwd_rel);
	ht_config_release(&cmd->config);
	ht_remotes_release(&cmd->remotes);
}

int cmd_check(int argc, char **argv)
{
	struct check_cmd cmd = { 0 };
	const struct ht_option options[] = {
		HT_OPT_SET_INT(0, "staged", &cmd.mode, MODE_STAGED,
			       "check the index (what is about to be "
			       "committed)"),
		HT_OPT_SET_INT(0, "cached", &cmd.mode, MODE_STAGED,
			       "the same as --staged"),
		HT_OPT_STRING(0, "base", &cmd.base_rev, "<rev>",
			      "check the change from <rev> to --head"),
		HT_OPT_STRING(0, "head", &cmd.head_rev, "<rev>",
			      "the commit to check (default HEAD)"),
		HT_OPT_BOOL(0, "all", &cmd.all,
			    "with a base, report unchanged files too"),
		HT_OPT_BOOL(0, "range-from-env", &cmd.range_env,
			    "--base $PRE_COMMIT_FROM_REF --head\n"
			    "$PRE_COMMIT_TO_REF (pre-commit's pre-push)"),
		HT_OPT_STRING(0, "format", &cmd.format_name, "<fmt>",
			      "text (default), json, github, sarif or gitlab"),
		HT_OPT_STRING(0, "workspace", &cmd.workspace, "<ws>",
			      "resolve against manifest-<ws>.yaml only"),
		HT_OPT_STRING(0, "prefix", &cmd.prefix, "<path>",
			      "the files' folder (default: each\n"
			      "remote.*.hightouchPath)"),
		HT_OPT_STRING(0, "remote", &cmd.remote, "<name>",
			      "only the files of that remote's path"),
		HT_OPT_BOOL(0, "allow-manifest-edits", &cmd.allow_manifest,
			    "accept changes to manifest-*.yaml"),
		HT_OPT_COLOR(&cmd.color, "always, never or auto (default: "
					 "color.ui,\nelse auto)"),
		HT_OPT_UNSIGNED_RANGE('j', "jobs", &cmd.jobs, "<n>",
				      "threads (default: one per processor)",
				      1, 1024),
		HT_OPT_BOOL(0, "list-rules", &cmd.list_rules,
			    "print the rules and exit"),
		HT_OPT_END(),
	};
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	struct ht_report_opts ropts = { 0, "git-hightouch",
					GIT_HIGHTOUCH_VERSION };
	struct ht_diags diags = HT_DIAGS_INIT;
	struct ht_strbuf out = HT_STRBUF_INIT;
	int ret;

	cmd.format_name = "text";
	cmd.allow_manifest = -1; /* read_config() */
	ret = ht_options_parse(&argc, (const char **)argv, options, 0);
	if (!ret)
		ret = check_options(&cmd);
	if (ret)
		return ht_options_status(ret, check_usage, options,
					 EXIT_TROUBLE);
	if (cmd.list_rules)
		return list_rules();
	cmd.paths = argv;
	cmd.npaths = (size_t)argc;

	ret = ht_config_read_start(&cmd.config, CHECK_CONFIG);
	if (!ret)
		ret = ht_repository_open(&cmd.repo);
	if (ret == HT_ENOTFOUND && cmd.mode == MODE_WORKTREE) {
		ht_error_clear(); /* a plain directory of files */
		ret = 0;
	}
	if (ret < 0)
		goto cleanup;
	ret = find_root(&cmd);
	if (ret < 0)
		goto cleanup;
	if (cmd.repo)
		find_in_progress(&cmd);
	ret = open_sources(&cmd);
	if (!ret)
		ret = read_config(&cmd);
	if (!ret)
		ret = resolve_paths(&cmd);
	if (ret < 0)
		goto cleanup;

	opts.workspace = cmd.workspace;
	opts.report_all = cmd.all || cmd.mode == MODE_WORKTREE;
	opts.jobs = cmd.jobs;
	opts.paths = cmd.npaths ? (const char *const *)cmd.norm : NULL;
	opts.npaths = cmd.npaths;
	opts.manifest_change_ok = manifest_change_ok;
	opts.payload = &cmd;
	ret = check_paths(&cmd, &opts, &diags);
	if (ret < 0)
		goto cleanup;

	ret = ht_config_color(&cmd.config, cmd.color, &ropts.color);
	if (ret < 0)
		goto cleanup;
	ht_report_write(&out, cmd.format, &diags, &ropts);
	fwrite(out.buf, 1, out.len, stdout);
	if (cmd.format == HT_REPORT_TEXT)
		summary(&diags);
	ret = diags.nerrors ? EXIT_FINDINGS : 0;
cleanup:
	ht_strbuf_release(&out);
	ht_diags_release(&diags);
	release(&cmd);
	return ret;
}
