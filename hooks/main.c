/*
 * git-hightouch: `git hightouch check`, `gitsync`, `install-hooks`,
 * `runs`, `schema`, `show` and `trigger` (docs/git-hightouch.1).
 *
 * Exit status: 0 success (--help and --version too); 1 findings (check),
 * a hook left alone (install-hooks) or a run that did not succeed
 * (trigger --wait); 2 for bad usage ("error: <message>" and the usage,
 * common/options.c) and for any other error, printed as "fatal:
 * <message>"; 129 for -h, as git; 130 when Ctrl-C stopped trigger's
 * waiting.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/options.h"
#include "hightouch/repository.h"

#include "git-hightouch.h"

volatile sig_atomic_t stop_asked;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_asked = 1;
}

void catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static const char *const hightouch_usage[] = {
	"git hightouch check [<options>] [<path>...]",
	"git hightouch gitsync [<options>]",
	"git hightouch install-hooks [--force]",
	"git hightouch runs [--remote <name>] [-n <count>] "
	"[--format text|json] <sync>",
	"git hightouch schema [--prefix <path>] [--write <dir> | <kind>]",
	"git hightouch show [--remote <name>] [--format text|json] "
	"<path-or-slug>...",
	"git hightouch trigger [--remote <name>] [--full-resync] "
	"[--reset-cdc] [--wait] <sync>...",
	"git hightouch trigger [--remote <name>] --sequence <id> [--wait]",
	"",
	"'git hightouch <command> -h' lists the options of a command;",
	"'man git-hightouch' has them all, and the rules.",
	NULL,
};

static int run(int argc, char **argv)
{
	const struct ht_option options[] = {
		HT_OPT_VERSION("git-hightouch"),
		HT_OPT_END(),
	};
	const char *cmd;
	int ret;

	ret = ht_options_parse(&argc, (const char **)argv, options,
			       HT_OPTIONS_STOP_AT_NON_OPTION);
	if (!ret && !argc)
		ret = HT_OPTIONS_USAGE;
	if (ret)
		return ht_options_status(ret, hightouch_usage, options,
					 EXIT_TROUBLE);
	/* argv[0] is the command, and its argv[0] */
	cmd = argv[0];
	if (!strcmp(cmd, "check"))
		return cmd_check(argc, argv);
	if (!strcmp(cmd, "gitsync"))
		return cmd_gitsync(argc, argv);
	if (!strcmp(cmd, "install-hooks"))
		return cmd_install_hooks(argc, argv);
	if (!strcmp(cmd, "runs"))
		return cmd_runs(argc, argv);
	if (!strcmp(cmd, "schema"))
		return cmd_schema(argc, argv);
	if (!strcmp(cmd, "show"))
		return cmd_show(argc, argv);
	if (!strcmp(cmd, "trigger"))
		return cmd_trigger(argc, argv);
	if (!strcmp(cmd, "version"))
		ret = HT_OPTIONS_VERSION;
	else if (!strcmp(cmd, "help"))
		ret = HT_OPTIONS_HELP;
	else
		ret = ht_error_set(HT_EINVALID, "unknown command '%s'", cmd);
	return ht_options_status(ret, hightouch_usage, options, EXIT_TROUBLE);
}

int main(int argc, char **argv)
{
	int ret, write_failed;

	ht_heap_tune();
	ret = run(argc, argv);
	/* what went to stdout before the fatal line, as in one stream */
	write_failed = fflush(stdout) || ferror(stdout);
	if (ret < 0) {
		fprintf(stderr, "fatal: %s\n", ht_error_message());
		ret = EXIT_TROUBLE;
	}
	if (write_failed) {
		fprintf(stderr, "fatal: cannot write to the standard output\n");
		ret = EXIT_TROUBLE;
	}
	ht_git_stop(); /* if a command started it */
	return ret;
}
