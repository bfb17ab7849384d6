#ifndef HIGHTOUCH_OPTIONS_H
#define HIGHTOUCH_OPTIONS_H

/*
 * Command-line options, after git's parse-options.
 *
 * A command describes its options once, in an array of `struct ht_option`
 * built with the HT_OPT_*() macros and ended by HT_OPT_END().
 * ht_options_parse() reads argv with it, and ht_options_usage() writes the
 * usage from it, so the two cannot disagree.  Every program of the project
 * reads its command line this way (README.md, "Command-line conventions"):
 *
 *  - long options as `--name value` or `--name=value`; an optional value
 *    only as `--name=value`; a negatable option also as `--no-name`.  Long
 *    names are not abbreviated, so that a new option never changes what a
 *    script's spelling means;
 *  - short options as `-j4` or `-j 4`, flags bundled as `-fa`;
 *  - `--` ends the options; `-` alone is an argument;
 *  - the other arguments are kept in order, and options may follow them
 *    (`check <path> --staged`), unless HT_OPTIONS_STOP_AT_NON_OPTION;
 *  - `-h` and `--help` always ask for the usage, `--version` when the
 *    table has HT_OPT_VERSION().
 *
 * The parser never prints or exits: it returns 0, a positive
 * `enum ht_options_result`, or a negative error code with the message set
 * ("unknown option '--bogus'").  ht_options_status() turns that into what
 * the user sees and the exit status, the same way in every program.
 */

#include <stddef.h>
#include <stdint.h>

#include "hightouch/strbuf.h"

/* The exit status of a usage error, and of -h, as in git. */
#define HT_EXIT_USAGE 129

enum ht_option_type {
	HT_OPTION_END = 0,
	HT_OPTION_GROUP,    /* a heading in the usage, or a blank line */
	HT_OPTION_BOOL,     /* 1, or 0 for --no-<name> */
	HT_OPTION_SET_INT,  /* `defval` */
	HT_OPTION_STRING,   /* const char *: the argument itself */
	HT_OPTION_INTEGER,  /* a signed integer of `size` bytes, in a range */
	HT_OPTION_UNSIGNED, /* an unsigned integer of `size` bytes */
	HT_OPTION_CALLBACK, /* `callback` decides */
	HT_OPTION_VERSION,  /* --version: HT_OPTIONS_VERSION */
};

enum ht_option_flags {
	HT_OPTION_NONEG = (1 << 0),  /* no --no-<name> */
	HT_OPTION_OPTARG = (1 << 1), /* the value is optional: --name[=v] */
	HT_OPTION_NOARG = (1 << 2),  /* a callback that takes no value */
};

struct ht_option;

/*
 * A callback option: `arg` is the value, or NULL when there is none (a
 * NOARG option, an optional value left out, or --no-<name>, for which
 * `unset` is 1).  Returns 0, or a negative error code with the message set.
 */
typedef int ht_option_cb(const struct ht_option *opt, const char *arg,
			 int unset);

struct ht_option {
	enum ht_option_type type;
	int short_name;        /* 'j', or 0 */
	const char *long_name; /* "jobs" (no dashes), or NULL */
	void *value;           /* where the option stores what it read */
	size_t size;           /* sizeof(*value), for the integer types */
	const char *argh;      /* the value in the usage: "<n>" */
	const char *help;      /* one line of usage; '\n' starts another */
	unsigned flags;        /* enum ht_option_flags */
	intmax_t defval;       /* SET_INT: the value it stores */
	intmax_t min, max;     /* INTEGER, UNSIGNED: the range (0, 0: all) */
	/*
	 * STRING with an optional value: what a bare --name stores; VERSION:
	 * the program's name.
	 */
	const char *defstr;
	ht_option_cb *callback;
};

/*
 * The table's entries.  `s` is the short name (0 for none), `l` the long
 * name (NULL for none), `v` where the value goes, `a` the value's name in
 * the usage, `h` the help.  The pointer types are checked where the macro
 * can: BOOL takes an int *, STRING and COLOR a const char **; the integer
 * types take any integer of 1, 2, 4 or 8 bytes.
 */
#define HT_OPT_END() { .type = HT_OPTION_END }
#define HT_OPT_GROUP(h) { .type = HT_OPTION_GROUP, .help = (h) }
#define HT_OPT_BOOL(s, l, v, h)                                              \
	{ .type = HT_OPTION_BOOL, .short_name = (s), .long_name = (l),        \
	  .value = 1 ? (v) : (int *)NULL, .size = sizeof(*(v)), .help = (h) }
#define HT_OPT_SET_INT(s, l, v, i, h)                                        \
	{ .type = HT_OPTION_SET_INT, .short_name = (s), .long_name = (l),     \
	  .value = (v), .size = sizeof(*(v)), .help = (h),                    \
	  .flags = HT_OPTION_NONEG, .defval = (i) }
#define HT_OPT_STRING(s, l, v, a, h)                                         \
	{ .type = HT_OPTION_STRING, .short_name = (s), .long_name = (l),      \
	  .value = 1 ? (v) : (const char **)NULL, .argh = (a), .help = (h),   \
	  .flags = HT_OPTION_NONEG }
/* --name[=<a>]: a bare --name stores `d`. */
#define HT_OPT_STRING_OPTARG(s, l, v, a, h, d)                               \
	{ .type = HT_OPTION_STRING, .short_name = (s), .long_name = (l),      \
	  .value = 1 ? (v) : (const char **)NULL, .argh = (a), .help = (h),   \
	  .flags = HT_OPTION_NONEG | HT_OPTION_OPTARG, .defstr = (d) }
#define HT_OPT_INTEGER_RANGE(s, l, v, a, h, lo, hi)                          \
	{ .type = HT_OPTION_INTEGER, .short_name = (s), .long_name = (l),     \
	  .value = (v), .size = sizeof(*(v)), .argh = (a), .help = (h),       \
	  .flags = HT_OPTION_NONEG, .min = (lo), .max = (hi) }
#define HT_OPT_INTEGER(s, l, v, a, h) HT_OPT_INTEGER_RANGE(s, l, v, a, h, 0, 0)
#define HT_OPT_UNSIGNED_RANGE(s, l, v, a, h, lo, hi)                         \
	{ .type = HT_OPTION_UNSIGNED, .short_name = (s), .long_name = (l),    \
	  .value = (v), .size = sizeof(*(v)), .argh = (a), .help = (h),       \
	  .flags = HT_OPTION_NONEG, .min = (lo), .max = (hi) }
#define HT_OPT_UNSIGNED(s, l, v, a, h)                                       \
	HT_OPT_UNSIGNED_RANGE(s, l, v, a, h, 0, 0)
/* `f`: enum ht_option_flags; without HT_OPTION_NONEG, --no-<l> calls `cb`. */
#define HT_OPT_CALLBACK_F(s, l, v, a, h, f, cb)                              \
	{ .type = HT_OPTION_CALLBACK, .short_name = (s), .long_name = (l),    \
	  .value = (v), .argh = (a), .help = (h), .flags = (f),               \
	  .callback = (cb) }
#define HT_OPT_CALLBACK(s, l, v, a, h, cb)                                   \
	HT_OPT_CALLBACK_F(s, l, v, a, h, HT_OPTION_NONEG, cb)
/*
 * git's --color[=<when>] and --no-color: `v` (a const char **) becomes
 * "always", "never" or "auto" (a bare --color is "always"), for
 * ht_config_color().
 */
#define HT_OPT_COLOR(v, h)                                                   \
	{ .type = HT_OPTION_CALLBACK, .long_name = "color",                   \
	  .value = 1 ? (v) : (const char **)NULL, .argh = "<when>",           \
	  .help = (h), .flags = HT_OPTION_OPTARG,                             \
	  .callback = ht_option_parse_color }
/* --version, for the program `prog` (see ht_options_status()). */
#define HT_OPT_VERSION(prog)                                                 \
	{ .type = HT_OPTION_VERSION, .long_name = "version",                  \
	  .help = "print the version and exit", .flags = HT_OPTION_NONEG,     \
	  .defstr = (prog) }

/* The callback of HT_OPT_COLOR(). */
int ht_option_parse_color(const struct ht_option *opt, const char *arg,
			  int unset);

/* What a parse found besides options and arguments. */
enum ht_options_result {
	HT_OPTIONS_HELP = 1,   /* --help */
	HT_OPTIONS_SHORT_HELP, /* -h */
	HT_OPTIONS_VERSION,    /* --version */
	/*
	 * Never returned by the parser: for a caller that finds the
	 * arguments wrong and has nothing to add (no command given).
	 */
	HT_OPTIONS_USAGE,
};

enum ht_options_flags {
	/* The first argument that is not an option ends the options. */
	HT_OPTIONS_STOP_AT_NON_OPTION = (1 << 0),
	/* An argument that is not an option is an error. */
	HT_OPTIONS_NO_ARGS = (1 << 1),
};

/*
 * Read the options of argv[1] to argv[*argc - 1] (argv[0] is the program
 * or the command) with the table `opts`, storing what each one reads.
 * Then argv[0] to argv[*argc - 1] are the arguments that are not options,
 * in their order, and argv[*argc] is NULL.  `flags`: enum
 * ht_options_flags.
 *
 * Returns 0; HT_OPTIONS_HELP, HT_OPTIONS_SHORT_HELP or HT_OPTIONS_VERSION
 * as soon as one of those options is read; or HT_EINVALID for the first
 * wrong option, with the message set: "unknown option '--bogus'",
 * "option '--format' needs a value", "option '--all' takes no value",
 * "option '--jobs' expects a number from 1 to 1024", "unexpected
 * argument 'x'" (HT_OPTIONS_NO_ARGS), or a callback's error.
 */
int ht_options_parse(int *argc, const char **argv,
		     const struct ht_option *opts, unsigned flags);

/*
 * Append the usage to `out`: `usage` is a NULL-terminated list of the
 * command's forms ("git hightouch check [<options>] [<path>...]"), printed
 * after "usage: " and "   or: ", then, after an empty string, lines of
 * text printed as they are; then a line per option of `opts`, in git's
 * layout (the help at column 26).
 */
void ht_options_usage(struct ht_strbuf *out, const char *const *usage,
		      const struct ht_option *opts);

/*
 * What every program does with a result other than 0 (of the parse, or
 * of its own checks of the arguments), and the exit status it then has:
 *
 *  - HT_OPTIONS_HELP: the usage on stdout; 0;
 *  - HT_OPTIONS_SHORT_HELP: the usage on stdout; HT_EXIT_USAGE, as git;
 *  - HT_OPTIONS_VERSION: "<program> version <HT_VERSION>" on stdout, the
 *    program being HT_OPT_VERSION()'s; 0;
 *  - HT_OPTIONS_USAGE: the usage on stderr; `usage_status`;
 *  - a negative error code: "error: <message>" and the usage on stderr;
 *    `usage_status` (the program's own: 2 for git-hightouch, 129 for the
 *    others).
 *
 * 0 gives 0, with nothing printed.
 */
int ht_options_status(int result, const char *const *usage,
		      const struct ht_option *opts, int usage_status);

#endif
