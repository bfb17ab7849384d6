/*
 * git hightouch install-hooks: hooks/pre-commit and hooks/pre-push (built
 * into the program, see the Makefile) into the repository's hooks
 * directory, as git finds it (`git rev-parse --git-path hooks`, which
 * honours core.hooksPath and linked worktrees).
 *
 * A hook already there that is not ours is never overwritten silently:
 * it is renamed <hook>.local, which our hook runs first (with the same
 * arguments and input), unless <hook>.local exists too, in which case the
 * hook is left alone and the command fails.  --force replaces it.  Our
 * own hooks are recognised by their marker line and updated in place, so
 * running the command again changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/fs.h"
#include "hightouch/options.h"
#include "hightouch/run.h"

#include "git-hightouch.h"
#include "hook-scripts.h"

/* The line that makes a hook ours. */
#define MARKER "# git-hightouch hook: "

/* Hooks are small; a larger file is read only this far. */
#define HOOK_MAX (1024 * 1024)

static const char *const install_usage[] = {
	"git hightouch install-hooks [--force]",
	NULL,
};

struct hook {
	const char *name;
	const char *text;
};

static const struct hook hooks[] = {
	{ "pre-commit", hook_pre_commit },
	{ "pre-push", hook_pre_push },
};

/* Write `text` to `path` atomically, executable. */
static int write_hook(const char *path, const char *text)
{
	struct ht_strbuf tmp = HT_STRBUF_INIT;
	size_t len = strlen(text);
	int fd, ret = 0;

	ht_strbuf_addf(&tmp, "%s.XXXXXX", path);
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		ret = ht_error_set(HT_EIO, "cannot write '%s': %s", path,
				   strerror(errno));
		goto cleanup;
	}
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, 0755) < 0) {
		ret = ht_error_set(HT_EIO, "cannot write '%s': %s", tmp.buf,
				   strerror(errno));
		close(fd);
		unlink(tmp.buf);
		goto cleanup;
	}
	if (close(fd) < 0 || rename(tmp.buf, path) < 0) {
		ret = ht_error_set(HT_EIO, "cannot write '%s': %s", path,
				   strerror(errno));
		unlink(tmp.buf);
	}
cleanup:
	ht_strbuf_release(&tmp);
	return ret;
}

/* 0 installed or up to date, 1 left alone, or a negative error. */
static int install_one(const char *dir, const struct hook *h, int force)
{
	struct ht_strbuf path = HT_STRBUF_INIT, local = HT_STRBUF_INIT;
	struct ht_strbuf old = HT_STRBUF_INIT;
	struct stat st;
	int ret;

	ht_strbuf_addf(&path, "%s/%s", dir, h->name);
	ht_strbuf_addf(&local, "%s.local", path.buf);
	if (lstat(path.buf, &st) < 0) {
		if (errno != ENOENT) {
			ret = ht_error_set(HT_EIO, "cannot read '%s': %s",
					   path.buf, strerror(errno));
			goto cleanup;
		}
		ret = write_hook(path.buf, h->text);
		if (!ret)
			printf("installed '%s'\n", path.buf);
		goto cleanup;
	}
	ret = ht_strbuf_read_file(&old, path.buf, HOOK_MAX);
	if (ret == HT_ETOOBIG || ret == HT_ENOTFOUND) {
		/* too large to be ours, or a dangling link: not ours */
		ht_error_clear();
		ret = 0;
	}
	if (ret < 0)
		goto cleanup;
	if (!strcmp(old.buf, h->text) && old.len == strlen(h->text)) {
		printf("'%s' is up to date\n", path.buf);
		goto cleanup;
	}
	if (strstr(old.buf, MARKER)) {
		ret = write_hook(path.buf, h->text);
		if (!ret)
			printf("updated '%s'\n", path.buf);
		goto cleanup;
	}
	if (force) {
		ret = write_hook(path.buf, h->text);
		if (!ret)
			printf("replaced '%s' (--force)\n", path.buf);
		goto cleanup;
	}
	if (!lstat(local.buf, &st)) {
		fflush(stdout); /* after what was said of the hooks before */
		fprintf(stderr,
			"error: '%s' is not git-hightouch's hook and '%s' "
			"exists too: left alone (chain them by hand, or "
			"replace '%s' with --force)\n",
			path.buf, local.buf, path.buf);
		ret = 1;
		goto cleanup;
	}
	if (rename(path.buf, local.buf) < 0) {
		ret = ht_error_set(HT_EIO, "cannot rename '%s': %s", path.buf,
				   strerror(errno));
		goto cleanup;
	}
	ret = write_hook(path.buf, h->text);
	if (!ret)
		printf("installed '%s'; the hook that was there is now '%s' "
		       "and runs first\n",
		       path.buf, local.buf);
cleanup:
	ht_strbuf_release(&path);
	ht_strbuf_release(&local);
	ht_strbuf_release(&old);
	return ret;
}

int cmd_install_hooks(int argc, char **argv)
{
	static const char *const args[] = { "rev-parse", "--git-path", "hooks",
					    NULL };
	struct ht_strbuf dir = HT_STRBUF_INIT;
	int force = 0, refused = 0, ret;
	const struct ht_option options[] = {
		HT_OPT_BOOL('f', "force", &force,
			    "replace hooks that are not git-hightouch's"),
		HT_OPT_END(),
	};
	size_t k;

	ret = ht_options_parse(&argc, (const char **)argv, options,
			       HT_OPTIONS_NO_ARGS);
	if (ret)
		return ht_options_status(ret, install_usage, options,
					 EXIT_TROUBLE);
	ret = ht_run_git_line(&dir, args, 0);
	if (ret > 0) {
		ret = ht_error_set(HT_ENOTFOUND, "cannot find the hooks "
						 "directory: not in a git "
						 "repository?");
		goto cleanup;
	}
	if (ret < 0)
		goto cleanup;
	while (dir.len && dir.buf[dir.len - 1] == '/')
		ht_strbuf_setlen(&dir, dir.len - 1);
	if (!dir.len) {
		ret = ht_error_set(HT_EINVALID, "git gave no hooks directory");
		goto cleanup;
	}
	ret = ht_mkdir_p(dir.buf);
	if (ret < 0)
		goto cleanup;
	for (k = 0; k < sizeof(hooks) / sizeof(hooks[0]); k++) {
		ret = install_one(dir.buf, &hooks[k], force);
		if (ret < 0)
			goto cleanup;
		refused |= ret;
	}
	ret = refused ? EXIT_FINDINGS : 0;
cleanup:
	ht_strbuf_release(&dir);
	return ret;
}
