/*
 * git as a child process.  The child's stdout is always a pipe (or
 * /dev/null), never ours: our stdout is the protocol channel.  What is
 * written to its stdin (a credential) never appears in its argv.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"

#include "helper.h"

extern char **environ;

/* What a child may print before we give up on it. */
#define CHILD_OUTPUT_MAX (16u * 1024u * 1024u)

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

int run_git(struct ht_strbuf *out, const char *in, size_t in_len,
	    const char *const *argv)
{
	posix_spawn_file_actions_t fa;
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
	const char **args = NULL;
	size_t n, i;
	pid_t pid = -1;
	int ret = 0, status, fa_ready = 0, too_big = 0;

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
	errno = posix_spawnp(&pid, "git", &fa, NULL, (char *const *)args,
			     environ);
	if (errno) {
		ret = ht_error_set(HT_ERROR, "cannot run 'git %s': %s",
				   argv[0], strerror(errno));
		pid = -1;
		goto cleanup;
	}
	close(in_pipe[0]);
	close(out_pipe[1]);
	in_pipe[0] = out_pipe[1] = -1;

	/* inputs are small (a credential): no need to interleave */
	if (in && in_len)
		write_all(in_pipe[1], in, in_len);
	close(in_pipe[1]);
	in_pipe[1] = -1;

	for (;;) {
		char buf[8192];
		ssize_t r = read(out_pipe[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (!out || too_big)
			continue;
		if (out->len + r > CHILD_OUTPUT_MAX)
			too_big = 1;
		else
			ht_strbuf_add(out, buf, r);
	}

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			ret = ht_error_set(HT_ERROR, "cannot wait for 'git %s'",
					   argv[0]);
			pid = -1;
			goto cleanup;
		}
	pid = -1;
	if (too_big)
		ret = ht_error_set(HT_ETOOBIG, "'git %s' printed more than "
				   "%u bytes", argv[0], CHILD_OUTPUT_MAX);
	else if (WIFEXITED(status))
		ret = WEXITSTATUS(status);
	else
		ret = ht_error_set(HT_ERROR, "'git %s' died of signal %d",
				   argv[0], WTERMSIG(status));

cleanup:
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	for (i = 0; i < 2; i++) {
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	free(args);
	return ret;
}
