/*
 * Command-line options (see options.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hightouch/error.h"
#include "hightouch/options.h"
#include "hightouch/strbuf.h"

#ifndef HT_VERSION
#define HT_VERSION "unknown"
#endif

/* The help's column in the usage, as the programs' hand-written ones had. */
#define USAGE_HELP_COLUMN 26
#define USAGE_GAP 2

/* How a parse is going: the arguments kept so far. */
struct parse {
	const char **argv;
	int argc, i, nkept;
};

/* The option as messages name it: its long name when it has one. */
static void option_name(struct ht_strbuf *out, const struct ht_option *opt)
{
	if (opt->long_name)
		ht_strbuf_addf(out, "--%s", opt->long_name);
	else
		ht_strbuf_addf(out, "-%c", opt->short_name);
}

/* ht_error_set(HT_EINVALID, "option '<name>' <what>"). */
static int option_error(const struct ht_option *opt, const char *what)
{
	struct ht_strbuf name = HT_STRBUF_INIT;
	int ret;

	option_name(&name, opt);
	ret = ht_error_set(HT_EINVALID, "option '%s' %s", name.buf, what);
	ht_strbuf_release(&name);
	return ret;
}

static int takes_value(const struct ht_option *opt)
{
	switch (opt->type) {
	case HT_OPTION_STRING:
	case HT_OPTION_INTEGER:
	case HT_OPTION_UNSIGNED:
		return 1;
	case HT_OPTION_CALLBACK:
		return !(opt->flags & HT_OPTION_NOARG);
	default:
		return 0;
	}
}

static int negatable(const struct ht_option *opt)
{
	return !(opt->flags & HT_OPTION_NONEG) &&
	       (opt->type == HT_OPTION_BOOL ||
		opt->type == HT_OPTION_CALLBACK);
}

/* The range of an integer option: its own, or its type's. */
static void int_range(const struct ht_option *opt, intmax_t *min,
		      intmax_t *max)
{
	unsigned bits = (unsigned)opt->size * 8;

	if (opt->size != 1 && opt->size != 2 && opt->size != 4 &&
	    opt->size != 8)
		HT_BUG("option '%s' has an integer of %zu bytes",
		       opt->long_name ? opt->long_name : "?", opt->size);
	if (opt->min || opt->max) {
		*min = opt->min;
		*max = opt->max;
	} else if (opt->type == HT_OPTION_UNSIGNED) {
		*min = 0;
		*max = bits >= 64 ? INTMAX_MAX : (intmax_t)((1ULL << bits) - 1);
	} else {
		*max = bits >= 64 ? INTMAX_MAX :
				    (intmax_t)((1ULL << (bits - 1)) - 1);
		*min = -*max - 1;
	}
}

/* Store `v` into the integer of opt->size bytes at opt->value. */
static void store_int(const struct ht_option *opt, intmax_t v)
{
	int is_unsigned = opt->type == HT_OPTION_UNSIGNED;

	switch (opt->size) {
	case 1:
		if (is_unsigned)
			*(uint8_t *)opt->value = (uint8_t)v;
		else
			*(int8_t *)opt->value = (int8_t)v;
		break;
	case 2:
		if (is_unsigned)
			*(uint16_t *)opt->value = (uint16_t)v;
		else
			*(int16_t *)opt->value = (int16_t)v;
		break;
	case 4:
		if (is_unsigned)
			*(uint32_t *)opt->value = (uint32_t)v;
		else
			*(int32_t *)opt->value = (int32_t)v;
		break;
	case 8:
		if (is_unsigned)
			*(uint64_t *)opt->value = (uint64_t)v;
		else
			*(int64_t *)opt->value = (int64_t)v;
		break;
	default:
		HT_BUG("option '%s' has an integer of %zu bytes",
		       opt->long_name ? opt->long_name : "?", opt->size);
	}
}

static int parse_int(const struct ht_option *opt, const char *arg)
{
	struct ht_strbuf what = HT_STRBUF_INIT;
	intmax_t min, max, v = 0;
	char *end = NULL;
	int ret = 0;

	int_range(opt, &min, &max);
	if ((*arg >= '0' && *arg <= '9') || (*arg == '-' && min < 0)) {
		errno = 0;
		v = strtoimax(arg, &end, 10);
	}
	if (!end || end == arg || *end || errno || v < min || v > max) {
		ht_strbuf_addf(&what, "expects a number from %jd to %jd", min,
			       max);
		ret = option_error(opt, what.buf);
		goto cleanup;
	}
	store_int(opt, v);
cleanup:
	ht_strbuf_release(&what);
	return ret;
}

/* Apply `opt` with its value `arg` (NULL for none); `unset` for --no-. */
static int apply(const struct ht_option *opt, const char *arg, int unset)
{
	switch (opt->type) {
	case HT_OPTION_BOOL:
		store_int(opt, !unset);
		return 0;
	case HT_OPTION_SET_INT:
		store_int(opt, opt->defval);
		return 0;
	case HT_OPTION_STRING:
		*(const char **)opt->value = arg ? arg : opt->defstr;
		return 0;
	case HT_OPTION_INTEGER:
	case HT_OPTION_UNSIGNED:
		return parse_int(opt, arg);
	case HT_OPTION_CALLBACK:
		return opt->callback(opt, arg, unset);
	case HT_OPTION_VERSION:
		return HT_OPTIONS_VERSION;
	default:
		HT_BUG("option of type %d in a parse", (int)opt->type);
	}
}

/* The next argument as the value of `opt`, or "needs a value". */
static int next_value(const char **out, struct parse *p,
		      const struct ht_option *opt)
{
	if (p->i + 1 >= p->argc)
		return option_error(opt, "needs a value");
	*out = p->argv[++p->i];
	return 0;
}

static const struct ht_option *find_long(const struct ht_option *opts,
					 const char *name, size_t len)
{
	for (; opts->type != HT_OPTION_END; opts++)
		if (opts->long_name && !strncmp(opts->long_name, name, len) &&
		    !opts->long_name[len])
			return opts;
	return NULL;
}

/* `arg` is "--<something>" (not "--"). */
static int parse_long(struct parse *p, const struct ht_option *opts,
		      const char *arg)
{
	const char *name = arg + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct ht_option *opt = find_long(opts, name, len);
	const char *value = eq ? eq + 1 : NULL;
	int unset = 0, help = 0, ret;

	if (!opt && len > 3 && !strncmp(name, "no-", 3)) {
		opt = find_long(opts, name + 3, len - 3);
		if (opt && !negatable(opt))
			opt = NULL;
		unset = 1;
	} else if (!opt) {
		help = len == 4 && !strncmp(name, "help", 4);
	}
	if (!opt && !help)
		return ht_error_set(HT_EINVALID, "unknown option '--%.*s'",
				    (int)len, name);
	if (eq && (help || unset || !takes_value(opt)))
		return ht_error_set(HT_EINVALID,
				    "option '--%.*s' takes no value", (int)len,
				    name);
	if (help)
		return HT_OPTIONS_HELP;
	if (!eq && !unset && takes_value(opt) &&
	    !(opt->flags & HT_OPTION_OPTARG)) {
		ret = next_value(&value, p, opt);
		if (ret < 0)
			return ret;
	}
	return apply(opt, value, unset);
}

/* `arg` is "-<flags>": each a short option; a value ends the run. */
static int parse_short(struct parse *p, const struct ht_option *opts,
		       const char *arg)
{
	const char *s = arg + 1, *value;
	const struct ht_option *opt;
	int ret;

	for (; *s; s++) {
		for (opt = opts; opt->type != HT_OPTION_END; opt++)
			if (opt->short_name && opt->short_name == *s)
				break;
		if (opt->type == HT_OPTION_END) {
			if (*s == 'h')
				return HT_OPTIONS_SHORT_HELP;
			return ht_error_set(HT_EINVALID,
					    "unknown option '-%c'", *s);
		}
		if (!takes_value(opt)) {
			ret = apply(opt, NULL, 0);
			if (ret)
				return ret;
			continue;
		}
		value = s[1] ? s + 1 : NULL;
		if (!value && !(opt->flags & HT_OPTION_OPTARG)) {
			ret = next_value(&value, p, opt);
			if (ret < 0)
				return ret;
		}
		return apply(opt, value, 0);
	}
	return 0;
}

static void keep(struct parse *p, const char *arg)
{
	p->argv[p->nkept++] = arg;
}

int ht_options_parse(int *argc, const char **argv,
		     const struct ht_option *opts, unsigned flags)
{
	struct parse p = { argv, *argc, 1, 0 };
	int ret = 0, done = 0;

	for (; !ret && p.i < p.argc; p.i++) {
		const char *arg = argv[p.i];

		if (done || arg[0] != '-' || !arg[1]) {
			if (flags & HT_OPTIONS_NO_ARGS)
				ret = ht_error_set(HT_EINVALID,
						   "unexpected argument '%s'",
						   arg);
			else
				keep(&p, arg);
			if (flags & HT_OPTIONS_STOP_AT_NON_OPTION)
				done = 1;
		} else if (!strcmp(arg, "--")) {
			done = 1;
		} else if (arg[1] == '-') {
			ret = parse_long(&p, opts, arg);
		} else {
			ret = parse_short(&p, opts, arg);
		}
	}
	argv[p.nkept] = NULL;
	*argc = p.nkept;
	return ret;
}

int ht_option_parse_color(const struct ht_option *opt, const char *arg,
			  int unset)
{
	const char **out = opt->value;

	if (unset)
		*out = "never";
	else if (!arg)
		*out = "always";
	else if (!strcmp(arg, "always") || !strcmp(arg, "never") ||
		 !strcmp(arg, "auto"))
		*out = arg;
	else
		return option_error(opt, "expects always, never or auto");
	return 0;
}

/*
 * Usage
 */

/* "    -j, --jobs <n>", "    --[no-]color[=<when>]". */
static void option_synopsis(struct ht_strbuf *out, const struct ht_option *opt)
{
	const char *argh = opt->argh ? opt->argh : "<value>";
	int optarg = !!(opt->flags & HT_OPTION_OPTARG);

	ht_strbuf_addstr(out, "    ");
	if (opt->short_name)
		ht_strbuf_addf(out, "-%c", opt->short_name);
	if (opt->short_name && opt->long_name)
		ht_strbuf_addstr(out, ", ");
	if (opt->long_name)
		ht_strbuf_addf(out, "--%s%s", negatable(opt) ? "[no-]" : "",
			       opt->long_name);
	if (!takes_value(opt))
		return;
	if (opt->long_name)
		ht_strbuf_addf(out, optarg ? "[=%s]" : " %s", argh);
	else
		ht_strbuf_addf(out, optarg ? "[%s]" : " %s", argh);
}

static void option_help(struct ht_strbuf *out, const struct ht_option *opt)
{
	size_t start = out->len, width;
	const char *h = opt->help ? opt->help : "", *nl;

	option_synopsis(out, opt);
	width = out->len - start;
	if (width + USAGE_GAP > USAGE_HELP_COLUMN) {
		ht_strbuf_addch(out, '\n');
		width = 0;
	}
	for (;;) {
		nl = strchr(h, '\n');
		if (nl != h && *h)
			ht_strbuf_addchars(out, ' ',
					   USAGE_HELP_COLUMN - width);
		ht_strbuf_add(out, h, nl ? (size_t)(nl - h) : strlen(h));
		ht_strbuf_addch(out, '\n');
		if (!nl)
			break;
		h = nl + 1;
		width = 0;
	}
}

void ht_options_usage(struct ht_strbuf *out, const char *const *usage,
		      const struct ht_option *opts)
{
	const char *prefix = "usage: ";

	for (; *usage && **usage; usage++) {
		ht_strbuf_addf(out, "%s%s\n", prefix, *usage);
		prefix = "   or: ";
	}
	if (*usage) {
		ht_strbuf_addch(out, '\n');
		for (usage++; *usage; usage++)
			ht_strbuf_addf(out, "%s\n", *usage);
	}
	if (opts->type != HT_OPTION_END && opts->type != HT_OPTION_GROUP)
		ht_strbuf_addch(out, '\n');
	for (; opts->type != HT_OPTION_END; opts++) {
		if (opts->type == HT_OPTION_GROUP) {
			ht_strbuf_addch(out, '\n');
			if (opts->help && *opts->help)
				ht_strbuf_addf(out, "%s\n", opts->help);
			continue;
		}
		option_help(out, opts);
	}
}

static const char *program_name(const struct ht_option *opts)
{
	for (; opts->type != HT_OPTION_END; opts++)
		if (opts->type == HT_OPTION_VERSION)
			return opts->defstr;
	HT_BUG("a version asked for with no HT_OPT_VERSION() in the table");
}

int ht_options_status(int result, const char *const *usage,
		      const struct ht_option *opts, int usage_status)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	FILE *fp = stdout;
	int status = 0;

	switch (result) {
	case 0:
		return 0;
	case HT_OPTIONS_HELP:
		break;
	case HT_OPTIONS_SHORT_HELP:
		status = HT_EXIT_USAGE;
		break;
	case HT_OPTIONS_VERSION:
		printf("%s version %s\n", program_name(opts), HT_VERSION);
		return 0;
	case HT_OPTIONS_USAGE:
		fp = stderr;
		status = usage_status;
		break;
	default:
		if (result > 0)
			HT_BUG("unknown options result %d", result);
		ht_strbuf_addf(&sb, "error: %s\n", ht_error_message());
		fp = stderr;
		status = usage_status;
		break;
	}
	ht_options_usage(&sb, usage, opts);
	fwrite(sb.buf, 1, sb.len, fp);
	ht_strbuf_release(&sb);
	return status;
}
