/*
 * Sync schedules (see schedule.h): the vocabulary, and one walker over a
 * schedule that reports what it finds, in the files' rules or the API's.
 *
 * The walker follows the shapes of the types table: a mapping's members
 * are required and checked in table order, a list must be non-empty and
 * each item is checked, the values are checked by their part.  What the
 * two modes do differently is said where it happens.
 */
#include <stdio.h>
#include <string.h>

#include "hightouch/cron.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/schedule.h"
#include "hightouch/strbuf.h"
#include "hightouch/time.h"

/* clang-format off */
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SHAPE(name, part, members)                                            \
	{ name, part, members, NELEM(members) }
#define VALUE(name, part) { name, part, NULL, 0 }

const char *const ht_schedule_keys[] = {
	HT_SCHEDULE_TYPE_KEY, HT_SCHEDULE_INNER_KEY, HT_SCHEDULE_START_KEY, NULL
};
const char *const ht_schedule_units[] = {
	"minute", "hour", "day", "week", NULL
};
const char *const ht_schedule_weekdays[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday", NULL
};

static const struct ht_schedule_shape interval_members[] = {
	VALUE("unit", HT_SCHEDULE_UNIT),
	VALUE("quantity", HT_SCHEDULE_QUANTITY),
};
static const struct ht_schedule_shape interval_inner[] = {
	SHAPE("interval", HT_SCHEDULE_INTERVAL, interval_members),
};

static const struct ht_schedule_shape cron_inner[] = {
	VALUE("expression", HT_SCHEDULE_CRON),
};

static const struct ht_schedule_shape expression_members[] = {
	VALUE("days", HT_SCHEDULE_DAYS),
	VALUE("time", HT_SCHEDULE_TIME),
};
static const struct ht_schedule_shape expression[] = {
	SHAPE(NULL, HT_SCHEDULE_EXPRESSION, expression_members),
};
static const struct ht_schedule_shape visual_inner[] = {
	SHAPE("expressions", HT_SCHEDULE_EXPRESSIONS, expression),
};

static const struct ht_schedule_shape dbt_id[] = {
	VALUE("id", HT_SCHEDULE_DBT_ID),
};
static const struct ht_schedule_shape dbt_inner[] = {
	SHAPE("account", HT_SCHEDULE_DBT_OBJECT, dbt_id),
	SHAPE("job", HT_SCHEDULE_DBT_OBJECT, dbt_id),
};

#define INNER(members) SHAPE(HT_SCHEDULE_INNER_KEY, HT_SCHEDULE_INNER, members)
static const struct ht_schedule_shape interval = INNER(interval_inner);
static const struct ht_schedule_shape cron = INNER(cron_inner);
static const struct ht_schedule_shape visual = INNER(visual_inner);
static const struct ht_schedule_shape dbt = INNER(dbt_inner);

const struct ht_schedule_type ht_schedule_types[] = {
	{ "manual", NULL },
	{ "interval", &interval },
	{ "cron", &cron },
	{ "visual", &visual },
	{ "dbt-cloud", &dbt },
	{ NULL, NULL },
};

/*
 * End of input: `$` would also match before a final newline in Python's
 * re, which python-jsonschema uses.
 */
#define END "(?![\\s\\S])"
#define CRON_ITEM "[A-Za-z0-9*/,?#-]+"

const char ht_schedule_hhmm_pattern[] = "^([01][0-9]|2[0-3]):[0-5][0-9]" END;
const char ht_schedule_cron_pattern[] =
	"^[ \\t]*" CRON_ITEM "([ \\t]+" CRON_ITEM "){4}[ \\t]*" END;
const char ht_schedule_date_pattern[] =
	"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
	"([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]"
	"(:([0-5][0-9]|60)([.,][0-9]+)?)?"
	"([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?" END;
/* clang-format on */

static int is_str(const struct ht_ynode *n)
{
	return n->kind == HT_YNODE_SCALAR && n->type == HT_YTYPE_STR;
}

static int is_null(const struct ht_ynode *n)
{
	return n->kind == HT_YNODE_SCALAR && n->type == HT_YTYPE_NULL;
}

static int is_bool(const struct ht_ynode *n)
{
	return n->kind == HT_YNODE_SCALAR && n->type == HT_YTYPE_BOOL;
}

static int in_list(const char *const *list, const struct ht_ynode *n)
{
	size_t i;

	for (i = 0; is_str(n) && list[i]; i++)
		if (ht_ynode_is_str(n, list[i]))
			return 1;
	return 0;
}

/*
 * A whole number: an integer, or (in the API's rules, where JSON has
 * only numbers) a real with no fraction that a double holds exactly.
 */
static int is_whole(const struct ht_ynode *n, enum ht_schedule_mode mode,
		    double *value)
{
	if (n->kind != HT_YNODE_SCALAR)
		return 0;
	if (n->type == HT_YTYPE_INT) {
		*value = (double)n->i;
		return 1;
	}
	if (mode != HT_SCHEDULE_API || n->type != HT_YTYPE_FLOAT ||
	    !(n->f >= -9007199254740992.0 && n->f <= 9007199254740992.0) ||
	    (double)(int64_t)n->f != n->f)
		return 0;
	*value = n->f;
	return 1;
}

/* "HH:MM", 00:00 to 23:59. */
static int valid_hhmm(const struct ht_ynode *n)
{
	const char *s = n->str;

	if (n->len != 5 || s[2] != ':')
		return 0;
	if (s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return 0;
	return (s[0] - '0') * 10 + (s[1] - '0') < 24;
}

const struct ht_schedule_type *
ht_schedule_type_of(const struct ht_ynode *schedule)
{
	const struct ht_ynode *type =
		ht_ynode_map_get(schedule, HT_SCHEDULE_TYPE_KEY);
	size_t i;

	for (i = 0; type && ht_schedule_types[i].name; i++)
		if (ht_ynode_is_str(type, ht_schedule_types[i].name))
			return &ht_schedule_types[i];
	return NULL;
}

/*
 * The walk
 */

struct walk {
	enum ht_schedule_mode mode;
	void (*report)(const struct ht_schedule_finding *f, void *payload);
	void *payload;
	struct ht_strbuf path;
	size_t nerrors;
};

static void push(struct walk *w, size_t *mark, const char *name)
{
	*mark = ht_json_path_push(&w->path, name);
}

static void pop(struct walk *w, size_t mark)
{
	ht_strbuf_setlen(&w->path, mark);
}

/* Where the walk stands: a value, the mapping or list it is in. */
struct at {
	const struct ht_schedule_shape *shape;
	const struct ht_ynode *node;
	const struct ht_ynode *in;
	const char *name;
	const char *in_name;
};

/* Report a finding about `at`, at the current path. */
static void found(struct walk *w, const struct at *at,
		  enum ht_schedule_code code, enum ht_schedule_want want,
		  const char *const *values, const char *why)
{
	struct ht_schedule_finding f;

	memset(&f, 0, sizeof(f));
	f.code = code;
	f.part = at->shape->part;
	f.path = w->path.buf;
	f.node = at->node;
	f.in = at->in;
	f.name = at->name;
	f.in_name = at->in_name;
	f.want = want;
	f.values = values;
	f.why = why;
	if (code != HT_SCHEDULE_UNKNOWN)
		w->nerrors++;
	w->report(&f, w->payload);
}

static void finding(struct walk *w, const struct at *at,
		    enum ht_schedule_code code, enum ht_schedule_want want)
{
	found(w, at, code, want, NULL, NULL);
}

static const struct ht_schedule_shape key_shape = VALUE(NULL, HT_SCHEDULE_KEY);
static const struct ht_schedule_shape day_shape = VALUE(NULL, HT_SCHEDULE_DAY);

/* A member of `in` that is not allowed there: `key` names it. */
static void excess(struct walk *w, enum ht_schedule_code code,
		   const struct ht_schedule_shape *shape,
		   const struct ht_ynode *in, const char *in_name,
		   const struct ht_ynode *key)
{
	struct at at = { shape, key, in, key->str, in_name };
	size_t mark;

	push(w, &mark, key->str);
	finding(w, &at, code, 0);
	pop(w, mark);
}

static void walk_value(struct walk *w, const struct at *at);

/* The members of a mapping, in table order. */
static void walk_members(struct walk *w, const struct at *at)
{
	const struct ht_schedule_shape *s = at->shape;
	size_t i, mark;

	for (i = 0; i < s->nmembers; i++) {
		struct at m = { &s->members[i], NULL, at->node,
				s->members[i].name, at->name };

		m.node = ht_ynode_map_get(at->node, m.name);
		push(w, &mark, m.name);
		if (!m.node)
			finding(w, &m, HT_SCHEDULE_MISSING, 0);
		else
			walk_value(w, &m);
		pop(w, mark);
	}
}

/*
 * The API's expressions are closed: a member the table does not name is
 * an excess one.  Its other mappings, and the files' rules, keep them.
 */
static void walk_excess(struct walk *w, const struct at *at)
{
	const struct ht_schedule_shape *s = at->shape;
	size_t i, j;

	if (w->mode != HT_SCHEDULE_API || s->part != HT_SCHEDULE_EXPRESSION)
		return;
	for (i = 0; i < at->node->npairs; i++) {
		const struct ht_ynode *k = at->node->pairs[i].key;

		for (j = 0; j < s->nmembers; j++)
			if (ht_ynode_is_str(k, s->members[j].name))
				break;
		if (j == s->nmembers)
			excess(w, HT_SCHEDULE_EXCESS, &key_shape, at->node,
			       at->name, k);
	}
}

static void walk_list(struct walk *w, const struct at *at)
{
	const struct ht_ynode *list = at->node;
	size_t i, mark;

	if (list->kind != HT_YNODE_SEQ || !list->nitems) {
		finding(w, at, HT_SCHEDULE_WRONG_TYPE, HT_SCHEDULE_WANT_LIST);
		return;
	}
	for (i = 0; i < list->nitems; i++) {
		struct at item = { at->shape->members, list->items[i], list,
				   NULL, at->name };

		mark = ht_json_path_push_index(&w->path, i);
		walk_value(w, &item);
		pop(w, mark);
	}
}

/*
 * Weekdays to booleans.  In the files' rules, when every value is a
 * boolean, one must be true; an unknown day is reported on its own.
 */
static void walk_days(struct walk *w, const struct at *at)
{
	const struct ht_ynode *days = at->node;
	int any = 0, bools = 1;
	size_t i, mark;

	for (i = 0; i < days->npairs; i++) {
		const struct ht_ynode *k = days->pairs[i].key;
		struct at d = { &day_shape, days->pairs[i].value, days, k->str,
				at->name };

		if (!is_bool(d.node))
			bools = 0;
		else if (d.node->b)
			any = 1;
		if (!in_list(ht_schedule_weekdays, k)) {
			excess(w, HT_SCHEDULE_EXCESS, &day_shape, days,
			       at->name, k);
		} else if (!is_bool(d.node)) {
			push(w, &mark, k->str);
			finding(w, &d, HT_SCHEDULE_WRONG_TYPE,
				HT_SCHEDULE_WANT_BOOLEAN);
			pop(w, mark);
		}
	}
	if (w->mode == HT_SCHEDULE_FILE && bools && !any)
		finding(w, at, HT_SCHEDULE_BAD_VALUE, HT_SCHEDULE_WANT_A_DAY);
}

/* The expression, with common/cron.c's parser (see cron.h). */
static void walk_cron(struct walk *w, const struct at *at)
{
	char why[HT_ERROR_MAX];
	size_t i;

	if (!is_str(at->node)) {
		finding(w, at, HT_SCHEDULE_WRONG_TYPE, HT_SCHEDULE_WANT_STRING);
		return;
	}
	if (w->mode != HT_SCHEDULE_FILE ||
	    ht_cron_check(at->node->str, at->node->len) >= 0)
		return;
	/* the parser quotes items as written: controls as '?' */
	snprintf(why, sizeof(why), "%s", ht_error_message());
	ht_error_clear();
	for (i = 0; why[i]; i++)
		if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
			why[i] = '?';
	found(w, at, HT_SCHEDULE_BAD_VALUE, HT_SCHEDULE_WANT_CRON, NULL, why);
}

static void walk_value(struct walk *w, const struct at *at)
{
	const struct ht_ynode *n = at->node;
	int file = w->mode == HT_SCHEDULE_FILE;
	double v;

	switch (at->shape->part) {
	case HT_SCHEDULE_INNER:
	case HT_SCHEDULE_INTERVAL:
	case HT_SCHEDULE_EXPRESSION:
	case HT_SCHEDULE_DBT_OBJECT:
	case HT_SCHEDULE_DAYS:
		if (n->kind != HT_YNODE_MAP) {
			finding(w, at, HT_SCHEDULE_WRONG_TYPE,
				HT_SCHEDULE_WANT_MAP);
		} else if (at->shape->part == HT_SCHEDULE_DAYS) {
			walk_days(w, at);
		} else {
			walk_members(w, at);
			walk_excess(w, at);
		}
		return;
	case HT_SCHEDULE_EXPRESSIONS:
		walk_list(w, at);
		return;
	case HT_SCHEDULE_UNIT:
		if (!in_list(ht_schedule_units, n))
			found(w, at, HT_SCHEDULE_BAD_VALUE,
			      HT_SCHEDULE_WANT_ONE_OF, ht_schedule_units, NULL);
		return;
	case HT_SCHEDULE_QUANTITY:
		if (!is_whole(n, w->mode, &v) || v < 1)
			finding(w, at, HT_SCHEDULE_BAD_VALUE,
				HT_SCHEDULE_WANT_QUANTITY);
		return;
	case HT_SCHEDULE_CRON:
		walk_cron(w, at);
		return;
	case HT_SCHEDULE_TIME:
		if (!is_str(n))
			finding(w, at, HT_SCHEDULE_WRONG_TYPE,
				HT_SCHEDULE_WANT_STRING);
		else if (file && !valid_hhmm(n))
			finding(w, at, HT_SCHEDULE_BAD_VALUE,
				HT_SCHEDULE_WANT_HHMM);
		return;
	case HT_SCHEDULE_DBT_ID:
		/* files: an integer or a non-empty string */
		if (is_str(n) ? file && !n->len : !is_whole(n, w->mode, &v))
			finding(w, at, HT_SCHEDULE_WRONG_TYPE,
				HT_SCHEDULE_WANT_ID);
		return;
	default:
		break; /* the top's members and days: no shapes */
	}
	HT_BUG("schedule part %d has no shape", (int)at->shape->part);
}

/*
 * The top of a schedule
 */

static const struct ht_schedule_shape root = VALUE(NULL, HT_SCHEDULE_ROOT);
static const struct ht_schedule_shape type_shape =
	VALUE(HT_SCHEDULE_TYPE_KEY, HT_SCHEDULE_TYPE);
static const struct ht_schedule_shape start_shape =
	VALUE(HT_SCHEDULE_START_KEY, HT_SCHEDULE_START_DATE);
static const struct ht_schedule_shape inner_shape =
	VALUE(HT_SCHEDULE_INNER_KEY, HT_SCHEDULE_INNER);

/* The member `shape` of the schedule `v`, with the path at its name. */
static void top(struct walk *w, struct at *at, size_t *mark,
		const struct ht_schedule_shape *shape, const struct ht_ynode *v)
{
	at->shape = shape;
	at->node = ht_ynode_map_get(v, shape->name);
	at->in = v;
	at->name = shape->name;
	at->in_name = NULL;
	push(w, mark, shape->name);
}

static void walk_start_date(struct walk *w, const struct ht_ynode *v)
{
	struct at at;
	size_t mark;
	int ret;

	top(w, &at, &mark, &start_shape, v);
	if (w->mode == HT_SCHEDULE_API) {
		/* null is no start date; the calendar goes with the form */
		if (!is_null(at.node) &&
		    (!is_str(at.node) ||
		     ht_time_parse(NULL, at.node->str, at.node->len) < 0))
			finding(w, &at, HT_SCHEDULE_BAD_VALUE,
				HT_SCHEDULE_WANT_DATE);
	} else if (!is_str(at.node)) {
		finding(w, &at, HT_SCHEDULE_WRONG_TYPE,
			HT_SCHEDULE_WANT_STRING);
	} else if ((ret = ht_time_parse(NULL, at.node->str, at.node->len)) ==
		   HT_ESYNTAX) {
		finding(w, &at, HT_SCHEDULE_BAD_VALUE, HT_SCHEDULE_WANT_DATE);
	} else if (ret < 0) {
		finding(w, &at, HT_SCHEDULE_BAD_VALUE,
			HT_SCHEDULE_WANT_CALENDAR_DATE);
	}
	pop(w, mark);
}

/* The type: 0 when it is missing or not a string (the API: or ""). */
static int walk_type(struct walk *w, const struct ht_ynode *v)
{
	int api = w->mode == HT_SCHEDULE_API, ok = 0;
	struct at at;
	size_t mark;

	top(w, &at, &mark, &type_shape, v);
	if (!at.node)
		finding(w, &at, HT_SCHEDULE_MISSING, 0);
	else if (!is_str(at.node) || (api && !at.node->len))
		finding(w, &at, HT_SCHEDULE_WRONG_TYPE,
			api ? HT_SCHEDULE_WANT_NONEMPTY_STRING :
			      HT_SCHEDULE_WANT_STRING);
	else
		ok = 1;
	pop(w, mark);
	return ok;
}

/*
 * The inner schedule of a schedule of type `t`: NULL for a type the
 * table does not know, or none (`typed` 0).
 */
static void walk_inner(struct walk *w, const struct ht_ynode *v,
		       const struct ht_schedule_type *t, int typed)
{
	struct at at;
	size_t mark;

	top(w, &at, &mark, &inner_shape, v);
	if (!at.node) {
		finding(w, &at, HT_SCHEDULE_MISSING, 0);
	} else if (at.node->kind != HT_YNODE_MAP) {
		finding(w, &at, HT_SCHEDULE_WRONG_TYPE, HT_SCHEDULE_WANT_MAP);
	} else if (t && t->inner) {
		at.shape = t->inner;
		walk_members(w, &at);
	} else if (!t && typed && w->mode == HT_SCHEDULE_FILE) {
		pop(w, mark);
		top(w, &at, &mark, &type_shape, v);
		finding(w, &at, HT_SCHEDULE_UNKNOWN, 0);
	}
	pop(w, mark);
}

/*
 * The type, the other members in document order, then the inner
 * schedule.  The API's rules stop at a bad type; the files' check a
 * manual schedule's other members only to say they are not allowed.
 */
static void walk_schedule(struct walk *w, const struct ht_ynode *v)
{
	const struct ht_schedule_type *t = ht_schedule_type_of(v);
	int file = w->mode == HT_SCHEDULE_FILE, manual = t && !t->inner;
	const struct ht_ynode *inner;
	struct at at = { &root, v, NULL, NULL, NULL };
	size_t i;
	int typed;

	if (!file && is_null(v))
		return; /* the manual schedule */
	if (v->kind != HT_YNODE_MAP) {
		finding(w, &at, HT_SCHEDULE_WRONG_TYPE,
			file ? HT_SCHEDULE_WANT_MAP :
			       HT_SCHEDULE_WANT_MAP_OR_NULL);
		return;
	}
	typed = walk_type(w, v);
	if (!typed && !file)
		return;
	for (i = 0; i < v->npairs; i++) {
		const struct ht_ynode *k = v->pairs[i].key;

		if (ht_ynode_is_str(k, HT_SCHEDULE_TYPE_KEY))
			continue;
		if (file && manual)
			excess(w, HT_SCHEDULE_EXCESS, &key_shape, v, NULL, k);
		else if (ht_ynode_is_str(k, HT_SCHEDULE_START_KEY))
			walk_start_date(w, v);
		else if (file && !ht_ynode_is_str(k, HT_SCHEDULE_INNER_KEY))
			excess(w, HT_SCHEDULE_UNKNOWN, &key_shape, v, NULL, k);
	}
	inner = ht_ynode_map_get(v, HT_SCHEDULE_INNER_KEY);
	if (manual && (file || !inner || is_null(inner)))
		return;
	walk_inner(w, v, t, typed);
}

size_t ht_schedule_check(const struct ht_ynode *schedule,
			 enum ht_schedule_mode mode,
			 void (*report)(const struct ht_schedule_finding *f,
					void *payload),
			 void *payload)
{
	struct walk w;

	w.mode = mode;
	w.report = report;
	w.payload = payload;
	w.nerrors = 0;
	ht_strbuf_init(&w.path, 64);
	walk_schedule(&w, schedule);
	ht_strbuf_release(&w.path);
	return w.nerrors;
}
