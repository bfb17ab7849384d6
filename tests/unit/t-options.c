/*
 * Unit tests for the command-line parser (common/options.c): every option
 * type, the errors and their wording, `--`, arguments among options, -h,
 * --help and --version, the usage generated from the table, and what
 * ht_options_status() prints and returns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hightouch/error.h"
#include "hightouch/options.h"
#include "hightouch/strbuf.h"

/* What a test's table writes to. */
struct values {
	int all, force, mode, ncalls;
	const char *format, *prefix, *color, *last_arg;
	unsigned jobs;
	int64_t big;
	int8_t small;
	int level;
	unsigned short port;
};

static int count_cb(const struct ht_option *opt, const char *arg, int unset)
{
	struct values *v = opt->value;

	v->ncalls += unset ? -1 : 1;
	v->last_arg = arg;
	return 0;
}

static int refuse_cb(const struct ht_option *opt, const char *arg, int unset)
{
	(void)opt;
	(void)unset;
	return ht_error_set(HT_EINVALID, "refused '%s'", arg);
}

#define MODE_STAGED 7

/*
 * Parse the NULL-terminated `args` (after a program name) with a table of
 * every type into `v`; the arguments left go to `rest` (a copy of argv).
 */
static int parse(struct values *v, const char **rest, int *nrest,
		 unsigned flags, const char **args)
{
	struct ht_option opts[] = {
		HT_OPT_BOOL('a', "all", &v->all, "report everything"),
		HT_OPT_BOOL('f', "force", &v->force, "force it"),
		HT_OPT_SET_INT(0, "staged", &v->mode, MODE_STAGED,
			       "check the index"),
		HT_OPT_STRING(0, "format", &v->format, "<fmt>", "the format"),
		HT_OPT_STRING('o', NULL, &v->prefix, "<file>", "output"),
		HT_OPT_STRING_OPTARG(0, "prefix", &v->prefix, "<path>",
				     "the folder", "DEFAULT"),
		HT_OPT_UNSIGNED_RANGE('j', "jobs", &v->jobs, "<n>", "threads",
				      1, 1024),
		HT_OPT_INTEGER(0, "big", &v->big, "<n>", "any int64"),
		HT_OPT_INTEGER(0, "small", &v->small, "<n>", "any int8"),
		HT_OPT_INTEGER_RANGE(0, "level", &v->level, "<n>", "a level",
				     -3, 3),
		HT_OPT_UNSIGNED('p', "port", &v->port, "<port>", "a port"),
		HT_OPT_COLOR(&v->color, "when to colour"),
		HT_OPT_CALLBACK_F('c', "count", v, NULL, "count",
				  HT_OPTION_NOARG, count_cb),
		HT_OPT_CALLBACK(0, "refuse", v, "<x>", "always fails",
				refuse_cb),
		HT_OPT_VERSION("t-options"),
		HT_OPT_END(),
	};
	const char *argv[32];
	int argc = 1, i, ret;

	memset(v, 0, sizeof(*v));
	argv[0] = "prog";
	while (args[argc - 1]) {
		assert_true(argc < 31);
		argv[argc] = args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	ht_error_clear();
	ret = ht_options_parse(&argc, argv, opts, flags);
	assert_null(argv[argc]);
	for (i = 0; i <= argc; i++)
		rest[i] = argv[i];
	*nrest = argc;
	return ret;
}

#define PARSE(v, flags, ...)                                                 \
	parse((v), rest, &nrest, (flags),                                    \
	      (const char *[]){ __VA_ARGS__, NULL })

/* The parse fails with HT_EINVALID and exactly `msg`. */
#define PARSE_ERROR(v, msg, ...)                                             \
	do {                                                                  \
		assert_int_equal(PARSE((v), 0, __VA_ARGS__), HT_EINVALID);   \
		assert_string_equal(ht_error_message(), (msg));              \
	} while (0)

static void test_bool(void **state)
{
	struct values v;
	const char *rest[32];
	int nrest;

	(void)state;
	assert_int_equal(PARSE(&v, 0, "--all"), 0);
	assert_int_equal(v.all, 1);
	assert_int_equal(nrest, 0);
	assert_int_equal(PARSE(&v, 0, "--all", "--no-all"), 0);
	assert_int_equal(v.all, 0);
	assert_int_equal(PARSE(&v, 0, "-a"), 0);
	assert_int_equal(v.all, 1);
	/* bundled flags */
	assert_int_equal(PARSE(&v, 0, "-fa"), 0);
	assert_int_equal(v.all, 1);
	assert_int_equal(v.force, 1);
	PARSE_ERROR(&v, "option '--all' takes no value", "--all=yes");
	PARSE_ERROR(&v, "option '--no-all' takes no value", "--no-all=1");
}

static void test_set_int(void **state)
{
	struct values v;
	const char *rest[32];
	int nrest;

	(void)state;
	assert_int_equal(PARSE(&v, 0, "--staged"), 0);
	assert_int_equal(v.mode, MODE_STAGED);
	/* not negatable */
	PARSE_ERROR(&v, "unknown option '--no-staged'", "--no-staged");
	PARSE_ERROR(&v, "option '--staged' takes no value", "--staged=1");
}

static void test_string(void **state)
{
	struct values v;
	const char *rest[32];
	int nrest;

	(void)state;
	assert_int_equal(PARSE(&v, 0, "--format", "json"), 0);
	assert_string_equal(v.format, "json");
	assert_int_equal(PARSE(&v, 0, "--format=sarif"), 0);
	assert_string_equal(v.format, "sarif");
	/* an empty value, and a value that looks like an option */
	assert_int_equal(PARSE(&v, 0, "--format="), 0);
	assert_string_equal(v.format, "");
	assert_int_equal(PARSE(&v, 0, "--format", "--all"), 0);
	assert_string_equal(v.format, "--all");
	assert_int_equal(v.all, 0);
	/* short: stuck or separate; a value ends a bundle */
	assert_int_equal(PARSE(&v, 0, "-oout.json"), 0);
	assert_string_equal(v.prefix, "out.json");
	assert_int_equal(PARSE(&v, 0, "-o", "x"), 0);
	assert_string_equal(v.prefix, "x");
	assert_int_equal(PARSE(&v, 0, "-fao", "y"), 0);
	assert_string_equal(v.prefix, "y");
	assert_int_equal(v.force + v.all, 2);
	assert_int_equal(PARSE(&v, 0, "-foa"), 0);
	assert_string_equal(v.prefix, "a");
	assert_int_equal(v.all, 0);
	PARSE_ERROR(&v, "option '--format' needs a value", "--format");
	PARSE_ERROR(&v, "option '-o' needs a value", "-o");
	PARSE_ERROR(&v, "unknown option '--no-format'", "--no-format");
}

static void test_optional_value(void **state)
{
	struct values v;
	const char *rest[32];
	int nrest;

	(void)state;
	assert_int_equal(PARSE(&v, 0, "--prefix"), 0);
	assert_string_equal(v.prefix, "DEFAULT");
	assert_int_equal(PARSE(&v, 0, "--prefix=ht/"), 0);
	assert_string_equal(v.prefix, "ht/");
	/* an optional value is never the next argument */
	assert_int_equal(PARSE(&v, 0, "--prefix", "ht/"), 0);
	assert_string_equal(v.prefix, "DEFAULT");
	assert_int_equal(nrest, 1);
	assert_string_equal(rest[0], "ht/");
}

static void test_integers(void **state)
{
	struct values v;
	const char *rest[32];
	int nrest;

	(void)state;
	assert_int_equal(PARSE(&v, 0, "-j4"), 0);
	assert_int_equal(v.jobs, 4);
	assert_int_equal(PARSE(&v, 0, "-j", "16"), 0);
	assert_int_equal(v.jobs, 16);
	assert_int_equal(PARSE(&v, 0, "--jobs=1024"), 0);
	assert_int_equal(v.jobs, 1024);
	assert_int_equal(PARSE(&v, 0, "--jobs", "1"), 0);
	assert_int_equal(v.jobs, 1);
	PARSE_ERROR(&v, "option '--jobs' expects a number from 1 to 1024",
		    "--jobs", "0");
	PARSE_ERROR(&v, "option '--jobs' expects a number from 1 to 1024",
		    "-j1025");
	PARSE_ERROR(&v, "option '--jobs' expects a number from 1 to 1024",
		    "-j", "4x");
	PARSE_ERROR(&v, "option '--jobs' expects a number from 1 to 1024",
		    "--jobs=");
	PARSE_ERROR(&v, "option '--jobs' expects a number from 1 to 1024",
		    "--jobs", " 4");
	PARSE_ERROR(&v, "option '--jobs' expects a number from 1 to 1024",
		    "--jobs", "+4");
	PARSE_ERROR(&v, "option '--jobs' needs a value", "-j");

	/* a signed type's whole range */
	assert_int_equal(PARSE(&v, 0, "--big", "-9223372036854775808"), 0);
	assert_true(v.big == INT64_MIN);
	assert_int_equal(PARSE(&v, 0, "--big=9223372036854775807"), 0);
	assert_true(v.big == INT64_MAX);
	PARSE_ERROR(&v,
		    "option '--big' expects a number from "
		    "-9223372036854775808 to 9223372036854775807",
		    "--big", "9223372036854775808");
	assert_int_equal(PARSE(&v, 0, "--small=-128"), 0);
	assert_int_equal(v.small, -128);
	PARSE_ERROR(&v, "option '--small' expects a number from -128 to 127",
		    "--small=128");
	/* a signed range */
	assert_int_equal(PARSE(&v, 0, "--level", "-3"), 0);
	assert_int_equal(v.level, -3);
	PARSE_ERROR(&v, "option '--level' expects a number from -3 to 3",
		    "--level=-4");
	/* an unsigned type's range; no sign */
	assert_int_equal(PARSE(&v, 0, "-p", "65535"), 0);
	assert_int_equal(v.port, 65535);
	PARSE_ERROR(&v, "option '--port' expects a number from 0 to 65535",
		    "--port", "65536");
	PARSE_ERROR(&v, "option '--port' expects a number from 0 to 65535",
		    "--port=-1");
	PARSE_ERROR(&v, "unknown option '--no-jobs'", "--no-jobs");
}

static void test_callbacks(void **state)
{
	struct values v;
	const char *rest[32];
	int nrest;

	(void)state;
	assert_int_equal(PARSE(&v, 0, "--count", "-c", "-cc"), 0);
	assert_int_equal(v.ncalls, 4);
	assert_null(v.last_arg);
	assert_int_equal(PARSE(&v, 0, "--count", "--no-count"), 0);
	assert_int_equal(v.ncalls, 0);
	PARSE_ERROR(&v, "option '--count' takes no value", "--count=2");
	/* a callback's error is the parse's */
	PARSE_ERROR(&v, "refused 'x'", "--refuse", "x");
	PARSE_ERROR(&v, "refused 'y'", "--all", "--refuse=y", "--force");
	assert_int_equal(v.all, 1);
	assert_int_equal(v.force, 0); /* the parse stopped there */
	PARSE_ERROR(&v, "unknown option '--no-refuse'", "--no-refuse");
}

static void test_color(void **state)
{
	struct values v;
	const char *rest[32];
	int nrest;

	(void)state;
	assert_int_equal(PARSE(&v, 0, "--all"), 0);
	assert_null(v.color);
	assert_int_equal(PARSE(&v, 0, "--color"), 0);
	assert_string_equal(v.color, "always");
	assert_int_equal(PARSE(&v, 0, "--color=auto"), 0);
	assert_string_equal(v.color, "auto");
	assert_int_equal(PARSE(&v, 0, "--color=never", "--color"), 0);
	assert_string_equal(v.color, "always");
	assert_int_equal(PARSE(&v, 0, "--color", "--no-color"), 0);
	assert_string_equal(v.color, "never");
	/* --color never: "never" is an argument */
	assert_int_equal(PARSE(&v, 0, "--color", "never"), 0);
	assert_string_equal(v.color, "always");
	assert_int_equal(nrest, 1);
	PARSE_ERROR(&v, "option '--color' expects always, never or auto",
		    "--color=sometimes");
	PARSE_ERROR(&v, "option '--no-color' takes no value",
		    "--no-color=always");
}

static void test_unknown(void **state)
{
	struct values v;
	const char *rest[32];
	int nrest;

	(void)state;
	PARSE_ERROR(&v, "unknown option '--bogus'", "--bogus");
	PARSE_ERROR(&v, "unknown option '--bogus'", "--bogus=1");
	PARSE_ERROR(&v, "unknown option '-x'", "-x");
	PARSE_ERROR(&v, "unknown option '-x'", "-ax");
	/* long names are not abbreviated */
	PARSE_ERROR(&v, "unknown option '--form'", "--form", "json");
	PARSE_ERROR(&v, "unknown option '--no-'", "--no-");
	/* the first error wins */
	PARSE_ERROR(&v, "unknown option '--one'", "--one", "--two", "-h");
}

static void test_arguments(void **state)
{
	struct values v;
	const char *rest[32];
	int nrest;

	(void)state;
	/* kept in order, options after them too */
	assert_int_equal(PARSE(&v, 0, "a.yaml", "--all", "-", "b/",
			       "--format", "json", "c"),
			 0);
	assert_int_equal(v.all, 1);
	assert_string_equal(v.format, "json");
	assert_int_equal(nrest, 4);
	assert_string_equal(rest[0], "a.yaml");
	assert_string_equal(rest[1], "-");
	assert_string_equal(rest[2], "b/");
	assert_string_equal(rest[3], "c");
	assert_null(rest[4]);

	/* "--" ends the options, and goes */
	assert_int_equal(PARSE(&v, 0, "--all", "--", "--force", "-h", "--",
			       "x"),
			 0);
	assert_int_equal(v.all, 1);
	assert_int_equal(v.force, 0);
	assert_int_equal(nrest, 4);
	assert_string_equal(rest[0], "--force");
	assert_string_equal(rest[1], "-h");
	assert_string_equal(rest[2], "--");
	assert_string_equal(rest[3], "x");

	/* nothing at all */
	assert_int_equal(PARSE(&v, 0, "--"), 0);
	assert_int_equal(nrest, 0);
	assert_null(rest[0]);

	/* a command: its options are its own */
	assert_int_equal(PARSE(&v, HT_OPTIONS_STOP_AT_NON_OPTION, "--all",
			       "check", "--bogus", "--force", "-h"),
			 0);
	assert_int_equal(v.all, 1);
	assert_int_equal(v.force, 0);
	assert_int_equal(nrest, 4);
	assert_string_equal(rest[0], "check");
	assert_string_equal(rest[1], "--bogus");
	assert_string_equal(rest[3], "-h");

	/* no arguments wanted */
	assert_int_equal(PARSE(&v, HT_OPTIONS_NO_ARGS, "--all", "--", "-f"),
			 HT_EINVALID);
	assert_string_equal(ht_error_message(), "unexpected argument '-f'");
	assert_int_equal(PARSE(&v, HT_OPTIONS_NO_ARGS, "--all"), 0);
}

static void test_help_and_version(void **state)
{
	struct values v;
	const char *rest[32];
	int nrest;

	(void)state;
	assert_int_equal(PARSE(&v, 0, "-h"), HT_OPTIONS_SHORT_HELP);
	assert_int_equal(PARSE(&v, 0, "--help"), HT_OPTIONS_HELP);
	assert_int_equal(PARSE(&v, 0, "--version"), HT_OPTIONS_VERSION);
	/* wherever they are, unless after "--" */
	assert_int_equal(PARSE(&v, 0, "x", "--all", "--help", "--bogus"),
			 HT_OPTIONS_HELP);
	assert_int_equal(v.all, 1);
	assert_int_equal(PARSE(&v, 0, "-ah"), HT_OPTIONS_SHORT_HELP);
	assert_int_equal(PARSE(&v, 0, "--", "--help"), 0);
	PARSE_ERROR(&v, "option '--help' takes no value", "--help=all");
	PARSE_ERROR(&v, "option '--version' takes no value", "--version=1");
	PARSE_ERROR(&v, "unknown option '--no-help'", "--no-help");
	PARSE_ERROR(&v, "unknown option '--no-version'", "--no-version");
}

static void test_no_version(void **state)
{
	const struct ht_option opts[] = { HT_OPT_END() };
	const char *argv[] = { "prog", "--version", NULL };
	int argc = 2;

	(void)state;
	assert_int_equal(ht_options_parse(&argc, argv, opts, 0), HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "unknown option '--version'");
}

static const char *const test_usage[] = {
	"prog [<options>] [<path>...]",
	"prog --version",
	"",
	"Checks things.",
	NULL,
};

static void test_usage_text(void **state)
{
	int all = 0, verbose = 0;
	unsigned jobs = 0;
	const char *format = NULL, *color = NULL, *out = NULL;
	const char *prefix = NULL;
	struct ht_option opts[] = {
		HT_OPT_BOOL(0, "all", &all, "report everything"),
		HT_OPT_BOOL(0, "allow-manifest-edits", &all,
			    "accept changes to manifest-*.yaml"),
		HT_OPT_STRING(0, "format", &format, "<fmt>",
			      "text (default), json\nor sarif"),
		HT_OPT_UNSIGNED_RANGE('j', "jobs", &jobs, "<n>", "threads", 1,
				      8),
		HT_OPT_COLOR(&color, "always, never or auto"),
		HT_OPT_GROUP("Output"),
		HT_OPT_STRING('o', NULL, &out, "<file>", "write there"),
		HT_OPT_STRING_OPTARG(0, "prefix", &prefix, "<path>",
				     "the folder", "."),
		HT_OPT_BOOL('v', NULL, &verbose, "more"),
		HT_OPT_GROUP(""),
		HT_OPT_VERSION("prog"),
		HT_OPT_END(),
	};
	const char *const bare[] = { "prog", NULL };
	const struct ht_option none[] = { HT_OPT_END() };
	struct ht_strbuf sb = HT_STRBUF_INIT;

	(void)state;
	ht_options_usage(&sb, test_usage, opts);
	assert_string_equal(
		sb.buf,
		"usage: prog [<options>] [<path>...]\n"
		"   or: prog --version\n"
		"\n"
		"Checks things.\n"
		"\n"
		"    --[no-]all            report everything\n"
		"    --[no-]allow-manifest-edits\n"
		"                          accept changes to manifest-*.yaml\n"
		"    --format <fmt>        text (default), json\n"
		"                          or sarif\n"
		"    -j, --jobs <n>        threads\n"
		"    --[no-]color[=<when>]\n"
		"                          always, never or auto\n"
		"\n"
		"Output\n"
		"    -o <file>             write there\n"
		"    --prefix[=<path>]     the folder\n"
		"    -v                    more\n"
		"\n"
		"    --version             print the version and exit\n");
	ht_strbuf_reset(&sb);
	ht_options_usage(&sb, bare, none);
	assert_string_equal(sb.buf, "usage: prog\n");
	ht_strbuf_release(&sb);
}

static void slurp(struct ht_strbuf *sb, FILE *fp)
{
	char buf[4096];
	size_t n;

	ht_strbuf_reset(sb);
	rewind(fp);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		ht_strbuf_add(sb, buf, n);
	fclose(fp);
}

/*
 * Run ht_options_status() with stdout and stderr going to files, and
 * return what each got.
 */
static int status_of(int result, int usage_status, struct ht_strbuf *out,
		     struct ht_strbuf *err)
{
	static const struct ht_option opts[] = {
		HT_OPT_VERSION("prog"),
		HT_OPT_END(),
	};
	static const char *const usage[] = { "prog <x>", NULL };
	FILE *fo = tmpfile(), *fe = tmpfile();
	int saved_out, saved_err, status;

	assert_non_null(fo);
	assert_non_null(fe);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	assert_true(saved_out >= 0 && saved_err >= 0);
	assert_true(dup2(fileno(fo), 1) >= 0);
	assert_true(dup2(fileno(fe), 2) >= 0);
	status = ht_options_status(result, usage, opts, usage_status);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	slurp(out, fo);
	slurp(err, fe);
	return status;
}

static void test_status(void **state)
{
	struct ht_strbuf out = HT_STRBUF_INIT, err = HT_STRBUF_INIT;

	(void)state;
	assert_int_equal(status_of(0, 2, &out, &err), 0);
	assert_string_equal(out.buf, "");
	assert_string_equal(err.buf, "");

	assert_int_equal(status_of(HT_OPTIONS_HELP, 2, &out, &err), 0);
	assert_string_equal(out.buf, "usage: prog <x>\n"
				     "\n"
				     "    --version             print the "
				     "version and exit\n");
	assert_string_equal(err.buf, "");

	assert_int_equal(status_of(HT_OPTIONS_SHORT_HELP, 2, &out, &err),
			 HT_EXIT_USAGE);
	assert_true(!strncmp(out.buf, "usage: prog <x>\n", 16));
	assert_string_equal(err.buf, "");

	assert_int_equal(status_of(HT_OPTIONS_VERSION, 2, &out, &err), 0);
	assert_string_equal(out.buf, "prog version " HT_VERSION "\n");
	assert_string_equal(err.buf, "");

	assert_int_equal(status_of(HT_OPTIONS_USAGE, 2, &out, &err), 2);
	assert_string_equal(out.buf, "");
	assert_true(!strncmp(err.buf, "usage: prog <x>\n", 16));

	ht_error_set(HT_EINVALID, "unknown option '--bogus'");
	assert_int_equal(status_of(HT_EINVALID, HT_EXIT_USAGE, &out, &err),
			 HT_EXIT_USAGE);
	assert_string_equal(out.buf, "");
	assert_true(!strncmp(err.buf,
			     "error: unknown option '--bogus'\n"
			     "usage: prog <x>\n",
			     48));

	ht_strbuf_release(&out);
	ht_strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_set_int),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_optional_value),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_callbacks),
		cmocka_unit_test(test_color),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_no_version),
		cmocka_unit_test(test_usage_text),
		cmocka_unit_test(test_status),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
