#ifndef HIGHTOUCH_SCHEDULE_H
#define HIGHTOUCH_SCHEDULE_H

/*
 * Sync schedules: their vocabulary and their checks, said once.
 *
 *	{type: manual}                          (the API's null)
 *	{type: interval, schedule: {interval: {unit, quantity}}}
 *	{type: cron, schedule: {expression}}
 *	{type: visual, schedule: {expressions: [{days, time}, ...]}}
 *	{type: dbt-cloud, schedule: {account: {id}, job: {id}}}
 *
 * each but manual with an optional startDate.  The validator (kinds.c,
 * what `git hightouch check` and push report), the emulator (its 422s)
 * and the JSON Schemas (hooks/schema.c) all read the tables below, and
 * the first two check a schedule with ht_schedule_check(), which reports
 * structured findings each caller words its own way.
 * docs/file-format.md ("Schedules") describes the files.
 */

#include <stddef.h>

#include "hightouch/yaml.h"

/* The members of a schedule. */
#define HT_SCHEDULE_TYPE_KEY "type"
#define HT_SCHEDULE_INNER_KEY "schedule"
#define HT_SCHEDULE_START_KEY "startDate"
/* NULL-terminated: the three above, for "did you mean" (suggest.h). */
extern const char *const ht_schedule_keys[];

/* What a part of a schedule is: the subject of a finding. */
enum ht_schedule_part {
	HT_SCHEDULE_ROOT,        /* the schedule itself */
	HT_SCHEDULE_TYPE,        /* type */
	HT_SCHEDULE_START_DATE,  /* startDate */
	HT_SCHEDULE_KEY,         /* a key no table names */
	HT_SCHEDULE_INNER,       /* schedule: the inner mapping */
	HT_SCHEDULE_INTERVAL,    /* interval: {unit, quantity} */
	HT_SCHEDULE_UNIT,        /* one of ht_schedule_units */
	HT_SCHEDULE_QUANTITY,    /* a positive integer */
	HT_SCHEDULE_CRON,        /* a cron expression (cron.h) */
	HT_SCHEDULE_EXPRESSIONS, /* a non-empty list of expressions */
	HT_SCHEDULE_EXPRESSION,  /* {days, time} */
	HT_SCHEDULE_DAYS,        /* weekday -> boolean, one of them true */
	HT_SCHEDULE_DAY,         /* one of the days */
	HT_SCHEDULE_TIME,        /* "HH:MM", 00:00 to 23:59 */
	HT_SCHEDULE_DBT_OBJECT,  /* account, job: {id} */
	HT_SCHEDULE_DBT_ID,      /* an integer or a non-empty string */
};

/*
 * The shape of a part: a mapping's members (each required), a list's
 * item, or a value (no members).
 */
struct ht_schedule_shape {
	const char *name; /* the member's name; NULL for a list's item */
	enum ht_schedule_part part;
	const struct ht_schedule_shape *members;
	size_t nmembers;
};

struct ht_schedule_type {
	const char *name; /* "interval" */
	/* the inner `schedule` (HT_SCHEDULE_INNER); NULL for manual */
	const struct ht_schedule_shape *inner;
};

/*
 * The types, manual first and the only one without an inner schedule;
 * ends with a NULL name.
 */
extern const struct ht_schedule_type ht_schedule_types[];
/* NULL-terminated: minute, hour, day, week. */
extern const char *const ht_schedule_units[];
/* NULL-terminated: monday .. sunday. */
extern const char *const ht_schedule_weekdays[];

/*
 * The checks that JSON Schema patterns can make (anchored at both ends,
 * for ECMA 262 and Python's re alike): "HH:MM"; a cron expression's
 * shape (five fields of cron characters, the ranges left to
 * ht_cron_check()); the form of a startDate (ht_time_parse(), the
 * calendar aside).
 */
extern const char ht_schedule_hhmm_pattern[];
extern const char ht_schedule_cron_pattern[];
extern const char ht_schedule_date_pattern[];

/*
 * The vocabulary entry of a schedule's type: NULL when `schedule` is not
 * a mapping whose type is a string the table knows.
 */
const struct ht_schedule_type *
ht_schedule_type_of(const struct ht_ynode *schedule);

/* The two strictness levels. */
enum ht_schedule_mode {
	/*
	 * The files' rules: cron syntax, HH:MM, a day selected, calendar
	 * dates, nothing beside type in a manual schedule; unknown types
	 * and keys are reported as HT_SCHEDULE_UNKNOWN.
	 */
	HT_SCHEDULE_FILE,
	/*
	 * The API's: null is manual; the types of the members; excess
	 * members of expressions and days; integral reals as quantities
	 * and ids; unknown types and keys kept as given, unreported.
	 */
	HT_SCHEDULE_API,
};

enum ht_schedule_code {
	HT_SCHEDULE_MISSING,    /* a required member is absent */
	HT_SCHEDULE_WRONG_TYPE, /* the value is not of the type wanted */
	HT_SCHEDULE_BAD_VALUE,  /* the value is not what is wanted */
	HT_SCHEDULE_EXCESS,     /* a member not allowed there */
	HT_SCHEDULE_UNKNOWN,    /* an unknown type or key: a warning */
};

/* What was wanted, for WRONG_TYPE and BAD_VALUE. */
enum ht_schedule_want {
	HT_SCHEDULE_WANT_MAP,
	HT_SCHEDULE_WANT_MAP_OR_NULL,
	HT_SCHEDULE_WANT_STRING,
	HT_SCHEDULE_WANT_NONEMPTY_STRING,
	HT_SCHEDULE_WANT_BOOLEAN,
	HT_SCHEDULE_WANT_LIST,     /* a non-empty list */
	HT_SCHEDULE_WANT_ID,       /* a string or a number */
	HT_SCHEDULE_WANT_ONE_OF,   /* one of `values` */
	HT_SCHEDULE_WANT_QUANTITY, /* a positive integer */
	HT_SCHEDULE_WANT_CRON,     /* a valid expression: `why` says more */
	HT_SCHEDULE_WANT_HHMM,
	HT_SCHEDULE_WANT_A_DAY,    /* at least one day selected */
	HT_SCHEDULE_WANT_DATE,     /* an ISO 8601 date-time */
	HT_SCHEDULE_WANT_CALENDAR_DATE, /* a day the calendar has */
};

struct ht_schedule_finding {
	enum ht_schedule_code code;
	enum ht_schedule_part part;
	/*
	 * Where, inside the schedule: "type", "schedule.interval.unit",
	 * "schedule.expressions[0].days.monday"; "" for the schedule.
	 */
	const char *path;
	/*
	 * The value; the key for EXCESS and UNKNOWN keys; NULL when
	 * MISSING.
	 */
	const struct ht_ynode *node;
	/* The mapping or list it is (or would be) in; NULL at the top. */
	const struct ht_ynode *in;
	/*
	 * Its name (NULL for a list's item and the schedule itself), and
	 * the name of `in` ("account" for "schedule.account.id").
	 */
	const char *name;
	const char *in_name;
	enum ht_schedule_want want;
	const char *const *values; /* WANT_ONE_OF: NULL-terminated */
	const char *why;           /* WANT_CRON: the parser's message */
};

/*
 * Check `schedule` (a sync's `schedule` value) with the rules of `mode`,
 * calling `report` for each finding, in document order, the inner
 * schedule after the other members.  The finding and its strings live
 * for the call only.  Returns the number of findings other than
 * HT_SCHEDULE_UNKNOWN.
 */
size_t ht_schedule_check(const struct ht_ynode *schedule,
			 enum ht_schedule_mode mode,
			 void (*report)(const struct ht_schedule_finding *f,
					void *payload),
			 void *payload);

#endif
