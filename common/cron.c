/*
 * Cron expressions (see cron.h): a small recursive-descent check, one
 * field and one comma-separated item at a time.
 */
#include <string.h>
#include <strings.h>

#include "hightouch/cron.h"
#include "hightouch/error.h"

#define NFIELDS 5
/* Longest item echoed in a message. */
#define ITEM_MAX 32

enum day_field {
	DAY_NONE,
	DAY_OF_MONTH,
	DAY_OF_WEEK,
};

struct field {
	const char *name;
	int min, max;
	const char *const *names; /* three-letter names, or NULL */
	int names_base;           /* value of names[0] */
	enum day_field day;
};

static const char *const month_names[] = { "JAN", "FEB", "MAR", "APR",
					   "MAY", "JUN", "JUL", "AUG",
					   "SEP", "OCT", "NOV", "DEC", NULL };
static const char *const day_names[] = { "SUN", "MON", "TUE", "WED",
					 "THU", "FRI", "SAT", NULL };

static const struct field fields[NFIELDS] = {
	{ "minute", 0, 59, NULL, 0, DAY_NONE },
	{ "hour", 0, 23, NULL, 0, DAY_NONE },
	{ "day of month", 1, 31, NULL, 0, DAY_OF_MONTH },
	{ "month", 1, 12, month_names, 1, DAY_NONE },
	{ "day of week", 0, 7, day_names, 0, DAY_OF_WEEK },
};

/* A span of the expression. */
struct span {
	const char *s;
	size_t len;
};

/* The item for a message, cut to ITEM_MAX bytes. */
static int shown(const struct span *sp)
{
	return sp->len > ITEM_MAX ? ITEM_MAX : (int)sp->len;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal digits only; -1 when empty, not all digits or too long. */
static int parse_number(const char *s, size_t len)
{
	int v = 0;
	size_t i;

	if (!len || len > 4)
		return -1;
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * One value of a field: a number or, where the field has them, a name.
 * 0 with *out set, or HT_EINVALID with the message.
 */
static int parse_value(int *out, const struct field *f, const char *s,
		       size_t len)
{
	struct span sp = { s, len };
	int v = parse_number(s, len);
	size_t i;

	if (v < 0 && f->names && len == 3) {
		for (i = 0; f->names[i]; i++)
			if (!strncasecmp(s, f->names[i], 3)) {
				v = (int)i + f->names_base;
				break;
			}
	}
	if (v < 0)
		return ht_error_set(HT_EINVALID, "%s '%.*s' is not valid",
				    f->name, shown(&sp), sp.s);
	if (v < f->min || v > f->max)
		return ht_error_set(HT_EINVALID,
				    "%s '%.*s' is out of range %d-%d", f->name,
				    shown(&sp), sp.s, f->min, f->max);
	*out = v;
	return 0;
}

/* The Quartz day forms: L, LW, NW (day of month), NL, N#K (day of week). */
static int parse_day_form(int *matched, const struct field *f,
			  const struct span *it)
{
	const char *hash;
	int v, k;

	*matched = 1;
	if (f->day == DAY_OF_MONTH) {
		if ((it->len == 1 && (it->s[0] == 'L' || it->s[0] == 'l')) ||
		    (it->len == 2 && !strncasecmp(it->s, "LW", 2)))
			return 0;
		if (it->len >= 2 &&
		    (it->s[it->len - 1] == 'W' || it->s[it->len - 1] == 'w'))
			return parse_value(&v, f, it->s, it->len - 1);
	} else if (f->day == DAY_OF_WEEK) {
		if (it->len >= 2 &&
		    (it->s[it->len - 1] == 'L' || it->s[it->len - 1] == 'l'))
			return parse_value(&v, f, it->s, it->len - 1);
		hash = memchr(it->s, '#', it->len);
		if (hash) {
			size_t before = (size_t)(hash - it->s);
			int ret = parse_value(&v, f, it->s, before);

			if (ret < 0)
				return ret;
			k = parse_number(hash + 1, it->len - before - 1);
			if (k < 1 || k > 5)
				return ht_error_set(HT_EINVALID,
						    "%s '%.*s': the week after "
						    "'#' must be 1 to 5",
						    f->name, shown(it), it->s);
			return 0;
		}
	}
	*matched = 0;
	return 0;
}

/* One comma-separated item: BASE[/STEP], BASE one of *, N, N-M. */
static int parse_item(const struct field *f, const struct span *it)
{
	const char *slash = memchr(it->s, '/', it->len);
	size_t blen = slash ? (size_t)(slash - it->s) : it->len;
	const char *dash;
	int lo, hi, step, matched, ret;

	if (!it->len)
		return ht_error_set(HT_EINVALID, "%s has an empty item",
				    f->name);
	if (!slash && f->day != DAY_NONE) {
		ret = parse_day_form(&matched, f, it);
		if (ret < 0 || matched)
			return ret;
	}
	if (blen == 1 && it->s[0] == '*') {
		lo = f->min;
		hi = f->max;
	} else {
		dash = memchr(it->s, '-', blen);
		ret = parse_value(&lo, f, it->s,
				  dash ? (size_t)(dash - it->s) : blen);
		if (ret < 0)
			return ret;
		hi = lo;
		if (dash) {
			ret = parse_value(&hi, f, dash + 1,
					  blen - (size_t)(dash - it->s) - 1);
			if (ret < 0)
				return ret;
			if (hi < lo)
				return ht_error_set(HT_EINVALID,
						    "%s range '%.*s' goes "
						    "backwards",
						    f->name, (int)blen, it->s);
		}
	}
	if (!slash)
		return 0;
	step = parse_number(slash + 1, it->len - blen - 1);
	if (step < 1 || step > f->max - f->min + 1) {
		struct span sp = { slash + 1, it->len - blen - 1 };

		return ht_error_set(HT_EINVALID,
				    "%s step '%.*s' must be a number from 1 "
				    "to %d",
				    f->name, shown(&sp), sp.s,
				    f->max - f->min + 1);
	}
	return 0;
}

static int parse_field(const struct field *f, const struct span *fs,
		       int *question)
{
	size_t i = 0, start;
	struct span it;
	int ret;

	*question = 0;
	if (fs->len == 1 && fs->s[0] == '?') {
		if (f->day == DAY_NONE)
			return ht_error_set(HT_EINVALID,
					    "'?' is only allowed in the day "
					    "of month or the day of week");
		*question = 1;
		return 0;
	}
	while (i <= fs->len) {
		start = i;
		while (i < fs->len && fs->s[i] != ',')
			i++;
		it.s = fs->s + start;
		it.len = i - start;
		if (memchr(it.s, '?', it.len))
			return ht_error_set(HT_EINVALID,
					    "'?' must be alone in the %s",
					    f->name);
		ret = parse_item(f, &it);
		if (ret < 0)
			return ret;
		i++;
	}
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int ht_cron_check(const char *expr, size_t len)
{
	struct span fs[NFIELDS + 1];
	size_t i = 0, n = 0;
	int questions = 0, q, ret;

	while (i < len) {
		while (i < len && is_blank(expr[i]))
			i++;
		if (i == len)
			break;
		if (n <= NFIELDS) {
			fs[n].s = expr + i;
			fs[n].len = 0;
		}
		while (i < len && !is_blank(expr[i])) {
			if (n <= NFIELDS)
				fs[n].len++;
			i++;
		}
		n++;
	}
	if (n != NFIELDS)
		return ht_error_set(HT_EINVALID, "expected 5 fields, got %zu",
				    n);
	for (i = 0; i < NFIELDS; i++) {
		ret = parse_field(&fields[i], &fs[i], &q);
		if (ret < 0)
			return ret;
		questions += q;
	}
	if (questions > 1)
		return ht_error_set(HT_EINVALID,
				    "'?' may stand for the day of month or "
				    "the day of week, not both");
	return 0;
}
