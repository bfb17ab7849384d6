/*
 * git as a child process (see run.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/fs.h"
#include "hightouch/run.h"

extern char **environ;

/* Read the child's output to its end, keeping HT_RUN_OUTPUT_MAX bytes. */
static int read_all(int fd, struct ht_strbuf *out)
{
	char buf[8192];
	int too_big = 0;

	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (!out || too_big)
			continue;
		if (out->len + r > HT_RUN_OUTPUT_MAX)
			too_big = 1;
		else
			ht_strbuf_add(out, buf, r);
	}
	return too_big;
}

static int wait_child(pid_t pid, const char *cmd, int too_big)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return ht_error_set(HT_ERROR, "cannot wait for 'git %s'",
					    cmd);
	if (too_big)
		return ht_error_set(HT_ETOOBIG, "'git %s' printed more than "
				    "%u bytes", cmd, HT_RUN_OUTPUT_MAX);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return ht_error_set(HT_ERROR, "'git %s' died of signal %d", cmd,
			    WTERMSIG(status));
}

int ht_run_git_start(struct ht_child *c, const char *in, size_t in_len,
		     const char *const *argv, unsigned flags)
{
	posix_spawn_file_actions_t fa;
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
	const char **args = NULL;
	size_t n, i;
	pid_t pid = -1;
	int ret = 0, fa_ready = 0;

	c->pid = 0;
	c->out_fd = -1;
	for (n = 0; argv[n]; n++)
		;
	args = ht_xcalloc(n + 2, sizeof(*args));
	args[0] = "git";
	for (i = 0; i < n; i++)
		args[i + 1] = argv[i];

	if (pipe(in_pipe) < 0 || pipe(out_pipe) < 0) {
		ret = ht_error_set(HT_EIO, "cannot make a pipe: %s",
				   strerror(errno));
		goto cleanup;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		ret = ht_error_set(HT_ERROR, "cannot run git");
		goto cleanup;
	}
	fa_ready = 1;
	posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
	posix_spawn_file_actions_addclose(&fa, in_pipe[0]);
	posix_spawn_file_actions_addclose(&fa, in_pipe[1]);
	posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
	posix_spawn_file_actions_addclose(&fa, out_pipe[1]);
	if (flags & HT_RUN_QUIET)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
						 0);
	errno = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)args,
			     environ);
	if (errno) {
		ret = ht_error_set(HT_ERROR, "cannot run 'git %s': %s",
				   argv[0], strerror(errno));
		goto cleanup;
	}
	close(in_pipe[0]);
	close(out_pipe[1]);
	in_pipe[0] = out_pipe[1] = -1;

	/* inputs are small (a credential): no need to interleave */
	if (in && in_len)
		ht_write_all(in_pipe[1], in, in_len);
	c->pid = pid;
	c->out_fd = out_pipe[0];
	out_pipe[0] = -1;
	snprintf(c->cmd, sizeof(c->cmd), "%s", argv[0]);
cleanup:
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 2; i++) {
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
	}
	free(args);
	return ret;
}

int ht_run_git_finish(struct ht_child *c, struct ht_strbuf *out)
{
	int too_big, ret;

	if (c->pid <= 0)
		return ht_error_set(HT_ERROR, "no git to wait for");
	too_big = read_all(c->out_fd, out);
	close(c->out_fd);
	ret = wait_child(c->pid, c->cmd, too_big);
	c->pid = 0;
	c->out_fd = -1;
	return ret;
}

int ht_run_git(struct ht_strbuf *out, const char *in, size_t in_len,
	       const char *const *argv, unsigned flags)
{
	struct ht_child c;
	int ret = ht_run_git_start(&c, in, in_len, argv, flags);

	return ret < 0 ? ret : ht_run_git_finish(&c, out);
}

int ht_run_git_line(struct ht_strbuf *out, const char *const *argv,
		    unsigned flags)
{
	int ret = ht_run_git(out, NULL, 0, argv, flags);
	const char *nl = memchr(out->buf, '\n', out->len);

	if (nl)
		ht_strbuf_setlen(out, (size_t)(nl - out->buf));
	return ret;
}
