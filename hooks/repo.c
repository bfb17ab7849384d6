/*
 * The repository, through libgit2 1.5, and git itself as a child process.
 * libgit2's conventions stop in this file and in common/gitfiles.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/gitfiles.h"

#include "git-hightouch.h"

extern char **environ;

/* Most bytes read from a git child (config values, a path). */
#define GIT_OUTPUT_MAX (1024 * 1024)

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

int repo_open(git_repository **out)
{
	const char *gitdir = getenv("GIT_DIR");
	const char *worktree = getenv("GIT_WORK_TREE");
	const char *common = getenv("GIT_COMMON_DIR");
	const char *ceiling = getenv("GIT_CEILING_DIRECTORIES");
	int ret;

	*out = NULL;
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

int repo_commit(git_commit **out, git_repository *repo, const char *rev)
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

int repo_head_tree(git_tree **out, git_repository *repo)
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

int run_git(struct ht_strbuf *out, const char *const *args, int quiet)
{
	posix_spawn_file_actions_t fa;
	const char **argv;
	size_t n = 0, i;
	int fds[2], status, ret = 0;
	char chunk[4096];
	ssize_t got;
	pid_t pid;

	while (args[n])
		n++;
	argv = ht_xcalloc(n + 2, sizeof(*argv));
	argv[0] = "git";
	for (i = 0; i < n; i++)
		argv[i + 1] = args[i];
	if (pipe(fds) < 0) {
		free(argv);
		return ht_error_set(HT_EIO, "cannot run git: %s",
				    strerror(errno));
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	if (quiet)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
						 0);
	ret = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)argv,
			   environ);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	close(fds[1]);
	if (ret) {
		close(fds[0]);
		return ht_error_set(HT_EIO, "cannot run git: %s",
				    strerror(ret));
	}
	while ((got = read(fds[0], chunk, sizeof(chunk))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (out && out->len + (size_t)got <= GIT_OUTPUT_MAX)
			ht_strbuf_add(out, chunk, (size_t)got);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ht_error_set(HT_EIO, "cannot wait for git: %s",
					    strerror(errno));
	if (!WIFEXITED(status))
		return ht_error_set(HT_ERROR, "git died of signal %d",
				    WTERMSIG(status));
	return WEXITSTATUS(status);
}

char *git_config_get(const char *key)
{
	const char *args[] = { "config", "--get", key, NULL };
	struct ht_strbuf out = HT_STRBUF_INIT;
	int ret = run_git(&out, args, 1);

	if (ret != 0) {
		ht_error_clear();
		ht_strbuf_release(&out);
		return NULL;
	}
	while (out.len && out.buf[out.len - 1] == '\n')
		ht_strbuf_setlen(&out, out.len - 1);
	return ht_strbuf_detach(&out, NULL);
}

int parse_bool(const char *s)
{
	return s && (!strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
		     !strcasecmp(s, "on") || !strcmp(s, "1"));
}
