/*
 * The repository as git finds it, through libgit2 1.5, and libgit2's
 * errors (see repository.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hightouch/error.h"
#include "hightouch/repository.h"

int ht_git_error(int ret, const char *what)
{
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "unknown error";

	return ht_error_set(ret == GIT_ENOTFOUND ? HT_ENOTFOUND : HT_ERROR,
			    "%s: %s", what, msg);
}

static int git_started;

int ht_git_start(void)
{
	if (git_started)
		return 0;
	if (git_libgit2_init() < 0)
		return ht_error_set(HT_ERROR, "cannot initialise libgit2");
	git_started = 1;
	return 0;
}

void ht_git_stop(void)
{
	if (git_started)
		git_libgit2_shutdown();
	git_started = 0;
}

static void set_options(void)
{
	static const char *extensions[] = { "worktreeconfig" };

	/* libgit2 1.5 refuses this extension, which git 2.39 has */
	git_libgit2_opts(GIT_OPT_SET_EXTENSIONS, extensions, 1);
	/* git checks safe.directory before it runs us as a hook */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	/*
	 * Hashing every blob of a large index again as it is read is a
	 * sixth of the time: objects are git's to verify (git fsck).
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	/* each blob is read once: caching them is locking for nothing */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
}

/*
 * git_repository_set_workdir(), unless the work tree is that already (in
 * that case libgit2 1.5 returns before it frees its copy of the path).
 */
static int set_workdir(git_repository *repo, const char *dir)
{
	const char *now = git_repository_workdir(repo);
	char want[PATH_MAX];
	size_t n;
	int ret;

	if (now && realpath(dir, want)) {
		n = strlen(want);
		if (!strncmp(now, want, n) && (!strcmp(now + n, "/") ||
					       !now[n]))
			return 0;
	}
	ret = git_repository_set_workdir(repo, dir, 0);
	if (ret < 0)
		return ht_git_error(ret, "cannot set the work tree");
	return 0;
}

/*
 * As git: with $GIT_DIR and no $GIT_WORK_TREE, the work tree is
 * core.worktree if set, else the current directory (libgit2 takes the
 * parent of the git directory).
 */
static int cwd_is_worktree(git_repository *repo)
{
	git_config *cfg = NULL;
	git_buf value = { 0 };
	char cwd[PATH_MAX];
	int ret, set;

	if (git_repository_is_bare(repo))
		return 0;
	ret = git_repository_config_snapshot(&cfg, repo);
	if (ret < 0)
		return ht_git_error(ret, "cannot read the configuration");
	set = !git_config_get_string_buf(&value, cfg, "core.worktree");
	git_buf_dispose(&value);
	git_config_free(cfg);
	git_error_clear();
	if (set)
		return 0;
	if (!getcwd(cwd, sizeof(cwd)))
		return ht_error_set(HT_EIO, "cannot get the current "
					    "directory: %s",
				    strerror(errno));
	return set_workdir(repo, cwd);
}

int ht_repository_open(git_repository **out)
{
	const char *gitdir = getenv("GIT_DIR");
	const char *worktree = getenv("GIT_WORK_TREE");
	const char *common = getenv("GIT_COMMON_DIR");
	const char *ceiling = getenv("GIT_CEILING_DIRECTORIES");
	int ret;

	*out = NULL;
	ret = ht_git_start();
	if (ret < 0)
		return ret;
	set_options();
	if (gitdir && *gitdir && ((worktree && *worktree) ||
				  (common && *common)))
		/* FROM_ENV refuses these two: open the directory itself */
		ret = git_repository_open_ext(out, gitdir,
					      GIT_REPOSITORY_OPEN_NO_SEARCH,
					      NULL);
	else if (gitdir && *gitdir)
		ret = git_repository_open_ext(out, NULL,
					      GIT_REPOSITORY_OPEN_FROM_ENV,
					      NULL);
	else
		ret = git_repository_open_ext(out, ".", 0, ceiling);
	if (ret == GIT_ENOTFOUND) {
		ret = ht_error_set(HT_ENOTFOUND,
				   "not a git repository (or any of the "
				   "parent directories)");
		goto cleanup;
	}
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot open the repository");
		goto cleanup;
	}
	if (gitdir && *gitdir && worktree && *worktree)
		ret = set_workdir(*out, worktree);
	else if (gitdir && *gitdir && !(common && *common))
		ret = cwd_is_worktree(*out);
cleanup:
	if (ret < 0) {
		git_repository_free(*out);
		*out = NULL;
	}
	return ret;
}

int ht_repository_commit(git_commit **out, git_repository *repo,
			 const char *rev)
{
	git_object *obj = NULL, *peeled = NULL;
	int ret;

	*out = NULL;
	ret = git_revparse_single(&obj, repo, rev);
	if (ret == GIT_ENOTFOUND || ret == GIT_EAMBIGUOUS ||
	    ret == GIT_EINVALIDSPEC) {
		ret = ht_error_set(HT_ENOTFOUND, "unknown revision '%s'", rev);
		goto cleanup;
	}
	if (ret < 0) {
		ret = ht_git_error(ret, rev);
		goto cleanup;
	}
	ret = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	if (ret < 0) {
		ret = ht_error_set(HT_EINVALID, "'%s' is not a commit", rev);
		goto cleanup;
	}
	*out = (git_commit *)peeled;
	peeled = NULL;
cleanup:
	git_object_free(peeled);
	git_object_free(obj);
	return ret;
}

int ht_repository_head_tree(git_tree **out, git_repository *repo)
{
	git_reference *head = NULL;
	git_object *tree = NULL;
	int ret;

	*out = NULL;
	ret = git_repository_head(&head, repo);
	if (ret == GIT_EUNBORNBRANCH || ret == GIT_ENOTFOUND)
		return 0;
	if (ret < 0)
		return ht_git_error(ret, "cannot read HEAD");
	ret = git_reference_peel(&tree, head, GIT_OBJECT_TREE);
	git_reference_free(head);
	if (ret < 0)
		return ht_git_error(ret, "cannot read the tree of HEAD");
	*out = (git_tree *)tree;
	return 0;
}

int ht_commit_is_outbound(git_commit *c)
{
	const char *subject = git_commit_summary(c);
	size_t n = subject ? strlen(subject) : 0;
	size_t t = strlen(HT_OUTBOUND_TAG);

	while (n && subject[n - 1] == ' ')
		n--;
	return n >= t && !strncmp(subject + n - t, HT_OUTBOUND_TAG, t);
}
