/*
 * git-hightouch: `git hightouch check`, `install-hooks` and `schema`
 * (docs/git-hightouch.1).
 *
 * Exit status: 0 success; 1 findings (check) or a hook left alone
 * (install-hooks); 2 for bad usage and for any other error, printed as
 * "fatal: <message>".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "hightouch/error.h"

#include "git-hightouch.h"

static const char usage_text[] =
	"usage: git hightouch check [<options>] [<path>...]\n"
	"   or: git hightouch install-hooks [--force]\n"
	"   or: git hightouch schema [--write <dir>] [<kind>]\n"
	"   or: git hightouch --version\n"
	"\n"
	"See 'man git-hightouch' for the options and the rules.\n";

int usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fputs("error: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(usage, stderr);
	return EXIT_TROUBLE;
}

static int run(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return usage_error(usage_text, NULL);
	cmd = argv[1];
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "install-hooks"))
		return cmd_install_hooks(argc - 1, argv + 1);
	if (!strcmp(cmd, "schema"))
		return cmd_schema(argc - 1, argv + 1);
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("git-hightouch version %s\n", GIT_HIGHTOUCH_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	return usage_error(usage_text, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
	int ret;

	git_libgit2_init();
	ret = run(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "fatal: %s\n", ht_error_message());
		ret = EXIT_TROUBLE;
	}
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "fatal: cannot write to the standard output\n");
		ret = EXIT_TROUBLE;
	}
	git_libgit2_shutdown();
	return ret;
}
