/*
 * Unit tests for the schedule vocabulary and ht_schedule_check(), in both
 * modes: the files' rules on YAML trees (with positions) and the API's on
 * trees converted from JSON, as the emulator reads request bodies.  The
 * words each caller makes of the findings are tested with their callers
 * (t-kinds for check's messages, tests/e2e/t1004 for the 422 details).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/schedule.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

#define MAX_FOUND 32

/* The findings of one check, each as one line (see describe()). */
struct found {
	char *items[MAX_FOUND];
	size_t nr;
	/* the fields a test looks at more closely: of the last finding */
	char name[64], in_name[64], why[256];
};

static const char *const codes[] = {
	[HT_SCHEDULE_MISSING] = "missing",
	[HT_SCHEDULE_WRONG_TYPE] = "wrong-type",
	[HT_SCHEDULE_BAD_VALUE] = "bad-value",
	[HT_SCHEDULE_EXCESS] = "excess",
	[HT_SCHEDULE_UNKNOWN] = "unknown",
};

static const char *const parts[] = {
	[HT_SCHEDULE_ROOT] = "root",
	[HT_SCHEDULE_TYPE] = "type",
	[HT_SCHEDULE_START_DATE] = "start-date",
	[HT_SCHEDULE_KEY] = "key",
	[HT_SCHEDULE_INNER] = "inner",
	[HT_SCHEDULE_INTERVAL] = "interval",
	[HT_SCHEDULE_UNIT] = "unit",
	[HT_SCHEDULE_QUANTITY] = "quantity",
	[HT_SCHEDULE_CRON] = "cron",
	[HT_SCHEDULE_EXPRESSIONS] = "expressions",
	[HT_SCHEDULE_EXPRESSION] = "expression",
	[HT_SCHEDULE_DAYS] = "days",
	[HT_SCHEDULE_DAY] = "day",
	[HT_SCHEDULE_TIME] = "time",
	[HT_SCHEDULE_DBT_OBJECT] = "dbt-object",
	[HT_SCHEDULE_DBT_ID] = "dbt-id",
};

static const char *const wants[] = {
	[HT_SCHEDULE_WANT_MAP] = "map",
	[HT_SCHEDULE_WANT_MAP_OR_NULL] = "map-or-null",
	[HT_SCHEDULE_WANT_STRING] = "string",
	[HT_SCHEDULE_WANT_NONEMPTY_STRING] = "nonempty-string",
	[HT_SCHEDULE_WANT_BOOLEAN] = "boolean",
	[HT_SCHEDULE_WANT_LIST] = "list",
	[HT_SCHEDULE_WANT_ID] = "id",
	[HT_SCHEDULE_WANT_ONE_OF] = "one-of",
	[HT_SCHEDULE_WANT_QUANTITY] = "quantity",
	[HT_SCHEDULE_WANT_CRON] = "cron",
	[HT_SCHEDULE_WANT_HHMM] = "hhmm",
	[HT_SCHEDULE_WANT_A_DAY] = "a-day",
	[HT_SCHEDULE_WANT_DATE] = "date",
	[HT_SCHEDULE_WANT_CALENDAR_DATE] = "calendar-date",
};

/*
 * "code part path", then "want=" for WRONG_TYPE and BAD_VALUE, then
 * "@line:col" of the node (of the mapping it is missing from) when the
 * tree has positions.
 */
static void collect(const struct ht_schedule_finding *f, void *payload)
{
	struct found *out = payload;
	const struct ht_ynode *at = f->node ? f->node : f->in;
	struct ht_strbuf sb = HT_STRBUF_INIT;

	assert_true(out->nr < MAX_FOUND);
	assert_non_null(f->path);
	ht_strbuf_addf(&sb, "%s %s '%s'", codes[f->code], parts[f->part],
		       f->path);
	if (f->code == HT_SCHEDULE_WRONG_TYPE ||
	    f->code == HT_SCHEDULE_BAD_VALUE)
		ht_strbuf_addf(&sb, " want=%s", wants[f->want]);
	if (at && at->line)
		ht_strbuf_addf(&sb, " @%u:%u", at->line, at->col);
	/* what the other fields promise */
	if (f->code == HT_SCHEDULE_MISSING)
		assert_null(f->node);
	else
		assert_non_null(f->node);
	if (f->part != HT_SCHEDULE_ROOT)
		assert_non_null(f->in);
	if (f->want == HT_SCHEDULE_WANT_ONE_OF)
		assert_non_null(f->values);
	out->items[out->nr++] = ht_strbuf_detach(&sb, NULL);
	snprintf(out->name, sizeof(out->name), "%s",
		 f->name ? f->name : "(null)");
	snprintf(out->in_name, sizeof(out->in_name), "%s",
		 f->in_name ? f->in_name : "(null)");
	snprintf(out->why, sizeof(out->why), "%s", f->why ? f->why : "");
}

static void release(struct found *out)
{
	size_t i;

	for (i = 0; i < out->nr; i++)
		free(out->items[i]);
	memset(out, 0, sizeof(*out));
}

/* The tree of a YAML text (files) or of a JSON text (the API). */
static struct ht_ynode *tree(enum ht_schedule_mode mode, const char *text)
{
	struct ht_ynode *n = NULL;
	json_t *v = NULL;

	if (mode == HT_SCHEDULE_FILE) {
		assert_int_equal(ht_yaml_parse(&n, text, strlen(text), "s.yaml",
					       NULL),
				 0);
		return n;
	}
	assert_int_equal(ht_json_parse(&v, text, strlen(text), 0, "body"), 0);
	assert_int_equal(ht_json_to_ynode(&n, v), 0);
	json_decref(v);
	return n;
}

/*
 * Check `text` in `mode`: the findings must be `want` (NULL-terminated),
 * in order, and the count returned those that are not UNKNOWN.
 */
static void expect_findings(enum ht_schedule_mode mode, const char *text,
			    struct found *out, ...)
{
	struct ht_ynode *n = tree(mode, text);
	size_t i = 0, errors = 0, ret;
	const char *want;
	va_list ap;

	memset(out, 0, sizeof(*out));
	ret = ht_schedule_check(n, mode, collect, out);
	va_start(ap, out);
	while ((want = va_arg(ap, const char *))) {
		if (i >= out->nr)
			fail_msg("%s: finding %zu missing: %s", text, i, want);
		if (strcmp(out->items[i], want))
			fail_msg("%s: finding %zu is\n  %s\nnot\n  %s", text, i,
				 out->items[i], want);
		if (strncmp(want, "unknown ", 8))
			errors++;
		i++;
	}
	va_end(ap);
	if (i != out->nr)
		fail_msg("%s: unexpected finding: %s", text, out->items[i]);
	assert_int_equal(ret, errors);
	ht_ynode_free(n);
}

#define FILE_OK(text)                                                          \
	do {                                                                   \
		struct found f_;                                               \
		expect_findings(HT_SCHEDULE_FILE, text, &f_, NULL);            \
		release(&f_);                                                  \
	} while (0)
#define API_OK(text)                                                           \
	do {                                                                   \
		struct found f_;                                               \
		expect_findings(HT_SCHEDULE_API, text, &f_, NULL);             \
		release(&f_);                                                  \
	} while (0)
#define FILE_IS(text, ...)                                                     \
	do {                                                                   \
		struct found f_;                                               \
		expect_findings(HT_SCHEDULE_FILE, text, &f_, __VA_ARGS__,      \
				NULL);                                         \
		release(&f_);                                                  \
	} while (0)
#define API_IS(text, ...)                                                      \
	do {                                                                   \
		struct found f_;                                               \
		expect_findings(HT_SCHEDULE_API, text, &f_, __VA_ARGS__,       \
				NULL);                                         \
		release(&f_);                                                  \
	} while (0)

static void test_vocabulary(void **state)
{
	static const char *const types[] = { "manual", "interval",  "cron",
					     "visual", "dbt-cloud", NULL };
	struct ht_ynode *n;
	size_t i;

	(void)state;
	for (i = 0; types[i]; i++) {
		assert_non_null(ht_schedule_types[i].name);
		assert_string_equal(ht_schedule_types[i].name, types[i]);
		/* only manual has no inner schedule */
		if (!i) {
			assert_null(ht_schedule_types[i].inner);
			continue;
		}
		assert_non_null(ht_schedule_types[i].inner);
		assert_int_equal(ht_schedule_types[i].inner->part,
				 HT_SCHEDULE_INNER);
		assert_string_equal(ht_schedule_types[i].inner->name,
				    HT_SCHEDULE_INNER_KEY);
	}
	assert_null(ht_schedule_types[i].name);

	assert_string_equal(ht_schedule_units[0], "minute");
	assert_string_equal(ht_schedule_units[3], "week");
	assert_null(ht_schedule_units[4]);
	assert_string_equal(ht_schedule_weekdays[0], "monday");
	assert_string_equal(ht_schedule_weekdays[6], "sunday");
	assert_null(ht_schedule_weekdays[7]);

	n = tree(HT_SCHEDULE_FILE, "{type: visual}");
	assert_ptr_equal(ht_schedule_type_of(n), &ht_schedule_types[3]);
	ht_ynode_free(n);
	n = tree(HT_SCHEDULE_FILE, "{type: hourly}");
	assert_null(ht_schedule_type_of(n));
	ht_ynode_free(n);
	n = tree(HT_SCHEDULE_FILE, "{type: 5}");
	assert_null(ht_schedule_type_of(n));
	ht_ynode_free(n);
	n = tree(HT_SCHEDULE_FILE, "manual");
	assert_null(ht_schedule_type_of(n));
	ht_ynode_free(n);
}

/* What both modes accept. */
static void test_valid(void **state)
{
	static const char *const good[] = {
		"{\"type\": \"manual\"}",
		"{\"type\": \"interval\", \"schedule\": {\"interval\": "
		"{\"unit\": \"week\", \"quantity\": 2}}, \"startDate\": "
		"\"2023-06-24T02:00:00.000Z\"}",
		"{\"type\": \"cron\", \"schedule\": {\"expression\": "
		"\"*/5 1-3 ? JAN,FEB MON#2\"}, \"startDate\": \"2024-02-29\"}",
		"{\"type\": \"visual\", \"schedule\": {\"expressions\": ["
		"{\"days\": {\"sunday\": true, \"monday\": false}, "
		"\"time\": \"23:59\"}, {\"days\": {\"friday\": true}, "
		"\"time\": \"00:00\"}]}}",
		"{\"type\": \"dbt-cloud\", \"schedule\": {\"account\": "
		"{\"id\": 1}, \"job\": {\"id\": \"j-7\"}, "
		"\"dbtCredentialId\": \"c\"}}",
		/* the inner schedule keeps what the table does not name */
		"{\"type\": \"interval\", \"schedule\": {\"interval\": "
		"{\"unit\": \"day\", \"quantity\": 1, \"x\": 1}, \"y\": 2}}",
		NULL
	};
	size_t i;

	(void)state;
	/* JSON is YAML: the same text in both modes */
	for (i = 0; good[i]; i++) {
		FILE_OK(good[i]);
		API_OK(good[i]);
	}
}

static void test_file_rules(void **state)
{
	(void)state;
	FILE_IS("~", "wrong-type root '' want=map @1:1");
	/* no type: the inner schedule need only be a mapping */
	FILE_IS("{schedule: {}}", "missing type 'type' @1:1");
	FILE_IS("{schedule: 5}", "missing type 'type' @1:1",
		"wrong-type inner 'schedule' want=map @1:12");
	FILE_IS("{type: 5, schedule: {x: 1}}",
		"wrong-type type 'type' want=string @1:8");
	FILE_IS("{type: cron}", "missing inner 'schedule' @1:1");
	/* manual: nothing else, startDate included */
	FILE_IS("{type: manual, schedule: {}, startDate: '2024-01-01'}",
		"excess key 'schedule' @1:16", "excess key 'startDate' @1:30");
	/* unknown keys and types: warnings, the inner schedule unchecked */
	FILE_IS("{type: hourly, timezone: UTC, schedule: {x: 1}}",
		"unknown key 'timezone' @1:16", "unknown type 'type' @1:8");
	FILE_IS("{type: hourly}", "missing inner 'schedule' @1:1");
	FILE_IS("{type: '', schedule: {}}", "unknown type 'type' @1:8");

	/* startDate: a string, the form, the calendar */
	FILE_IS("{type: cron, schedule: {expression: '* * * * *'}, "
		"startDate: ~}",
		"wrong-type start-date 'startDate' want=string @1:62");
	FILE_IS("{type: cron, schedule: {expression: '* * * * *'}, "
		"startDate: soon}",
		"bad-value start-date 'startDate' want=date @1:62");
	FILE_IS("{type: cron, schedule: {expression: '* * * * *'}, "
		"startDate: '2023-02-29'}",
		"bad-value start-date 'startDate' want=calendar-date @1:62");

	/* interval */
	FILE_IS("{type: interval, schedule: {every: 5}}",
		"missing interval 'schedule.interval' @1:28");
	FILE_IS("{type: interval, schedule: {interval: []}}",
		"wrong-type interval 'schedule.interval' want=map @1:39");
	FILE_IS("{type: interval, schedule: {interval: {unit: month, "
		"quantity: 0}}}",
		"bad-value unit 'schedule.interval.unit' want=one-of @1:46",
		"bad-value quantity 'schedule.interval.quantity' "
		"want=quantity @1:63");
	FILE_IS("{type: interval, schedule: {interval: {unit: 5, "
		"quantity: 1.0}}}",
		"bad-value unit 'schedule.interval.unit' want=one-of @1:46",
		"bad-value quantity 'schedule.interval.quantity' "
		"want=quantity @1:59");
	FILE_IS("{type: interval, schedule: {interval: {}}}",
		"missing unit 'schedule.interval.unit' @1:39",
		"missing quantity 'schedule.interval.quantity' @1:39");

	/* cron: the parser's reason, controls as '?' */
	FILE_IS("{type: cron, schedule: {}}",
		"missing cron 'schedule.expression' @1:24");
	FILE_IS("{type: cron, schedule: {expression: 5}}",
		"wrong-type cron 'schedule.expression' want=string @1:37");
	FILE_IS("{type: cron, schedule: {expression: '30 25 * * *'}}",
		"bad-value cron 'schedule.expression' want=cron @1:37");
}

static void test_file_visual_and_dbt(void **state)
{
	struct found f;

	(void)state;
	FILE_IS("{type: visual, schedule: {expressions: []}}",
		"wrong-type expressions 'schedule.expressions' want=list "
		"@1:40");
	FILE_IS("{type: visual, schedule: {}}",
		"missing expressions 'schedule.expressions' @1:26");
	/* days before time, as the table has them; no excess members */
	FILE_IS("{type: visual, schedule: {expressions: [nope, {x: 1}, "
		"{days: {monday: true, funday: true, friday: 1}, "
		"time: '9:00'}]}}",
		"wrong-type expression 'schedule.expressions[0]' want=map "
		"@1:41",
		"missing days 'schedule.expressions[1].days' @1:47",
		"missing time 'schedule.expressions[1].time' @1:47",
		"excess day 'schedule.expressions[2].days.funday' @1:77",
		"wrong-type day 'schedule.expressions[2].days.friday' "
		"want=boolean @1:99",
		"bad-value time 'schedule.expressions[2].time' want=hhmm "
		"@1:109");
	/* at least one day, when every value is a boolean */
	FILE_IS("{type: visual, schedule: {expressions: [{days: {}, "
		"time: '00:00'}, {days: {monday: false, tuesday: 'yes'}, "
		"time: '00:00'}]}}",
		"bad-value days 'schedule.expressions[0].days' want=a-day "
		"@1:48",
		"wrong-type day 'schedule.expressions[1].days.tuesday' "
		"want=boolean @1:100");

	FILE_IS("{type: dbt-cloud, schedule: {account: {id: ''}, job: 7}}",
		"wrong-type dbt-id 'schedule.account.id' want=id @1:44",
		"wrong-type dbt-object 'schedule.job' want=map @1:54");
	expect_findings(HT_SCHEDULE_FILE,
			"{type: dbt-cloud, schedule: {account: {id: 1.0}}}", &f,
			"wrong-type dbt-id 'schedule.account.id' want=id @1:44",
			"missing dbt-object 'schedule.job' @1:29", NULL);
	/* names: the member's, and the one of the mapping it is in */
	assert_string_equal(f.name, "job");
	assert_string_equal(f.in_name, "schedule");
	release(&f);
	expect_findings(HT_SCHEDULE_FILE,
			"{type: dbt-cloud, schedule: {account: {id: 1}, "
			"job: {}}}",
			&f, "missing dbt-id 'schedule.job.id' @1:53", NULL);
	assert_string_equal(f.name, "id");
	assert_string_equal(f.in_name, "job");
	release(&f);
	expect_findings(
		HT_SCHEDULE_FILE,
		"{type: cron, schedule: {expression: \"0 0 * * *\\n\"}}", &f,
		"bad-value cron 'schedule.expression' want=cron @1:37", NULL);
	assert_string_equal(f.why, "day of week '*?' is not valid");
	release(&f);
}

static void test_api_rules(void **state)
{
	(void)state;
	API_OK("null");
	API_IS("5", "wrong-type root '' want=map-or-null");
	API_IS("[]", "wrong-type root '' want=map-or-null");
	/* a bad type stops the check */
	API_IS("{\"schedule\": 5, \"startDate\": \"soon\"}",
	       "missing type 'type'");
	API_IS("{\"type\": \"\", \"schedule\": 5}",
	       "wrong-type type 'type' want=nonempty-string");
	API_IS("{\"type\": 5}", "wrong-type type 'type' want=nonempty-string");
	/* manual: null, no inner schedule or any object; startDate checked */
	API_OK("{\"type\": \"manual\", \"schedule\": null}");
	API_OK("{\"type\": \"manual\", \"schedule\": {\"x\": 1}, "
	       "\"startDate\": null}");
	API_IS("{\"type\": \"manual\", \"schedule\": 5, \"startDate\": 5}",
	       "bad-value start-date 'startDate' want=date",
	       "wrong-type inner 'schedule' want=map");
	/* unknown types and keys: kept, but an inner schedule is needed */
	API_OK("{\"type\": \"sequence\", \"schedule\": {\"sequenceId\": 1}, "
	       "\"x\": 1}");
	API_IS("{\"type\": \"sequence\"}", "missing inner 'schedule'");
	API_IS("{\"type\": \"cron\", \"schedule\": null}",
	       "wrong-type inner 'schedule' want=map");
	/* the calendar goes with the form */
	API_IS("{\"type\": \"cron\", \"schedule\": {\"expression\": \"x\"}, "
	       "\"startDate\": \"2023-02-29\"}",
	       "bad-value start-date 'startDate' want=date");

	API_IS("{\"type\": \"interval\", \"schedule\": {\"interval\": "
	       "{\"unit\": \"month\", \"quantity\": 0}}}",
	       "bad-value unit 'schedule.interval.unit' want=one-of",
	       "bad-value quantity 'schedule.interval.quantity' "
	       "want=quantity");
	/* integral reals are quantities and ids */
	API_OK("{\"type\": \"interval\", \"schedule\": {\"interval\": "
	       "{\"unit\": \"hour\", \"quantity\": 2.0}}}");
	API_IS("{\"type\": \"interval\", \"schedule\": {\"interval\": "
	       "{\"unit\": \"hour\", \"quantity\": 2.5}}}",
	       "bad-value quantity 'schedule.interval.quantity' "
	       "want=quantity");
	API_IS("{\"type\": \"dbt-cloud\", \"schedule\": {\"account\": "
	       "{\"id\": 1.0}, \"job\": {\"id\": 1.5}}}",
	       "wrong-type dbt-id 'schedule.job.id' want=id");
	API_OK("{\"type\": \"dbt-cloud\", \"schedule\": {\"account\": "
	       "{\"id\": \"\"}, \"job\": {\"id\": \"7\"}}}");

	/* cron and times: strings, their syntax unchecked */
	API_OK("{\"type\": \"cron\", \"schedule\": {\"expression\": "
	       "\"30 25 * * *\"}}");
	API_IS("{\"type\": \"cron\", \"schedule\": {\"expression\": null}}",
	       "wrong-type cron 'schedule.expression' want=string");

	/* expressions and days are closed; no day need be selected */
	API_IS("{\"type\": \"visual\", \"schedule\": {\"expressions\": ["
	       "{\"days\": {\"monday\": false, \"someday\": true, "
	       "\"friday\": 1}, \"time\": \"9\", \"tz\": \"UTC\"}, {}]}}",
	       "excess day 'schedule.expressions[0].days.someday'",
	       "wrong-type day 'schedule.expressions[0].days.friday' "
	       "want=boolean",
	       "excess key 'schedule.expressions[0].tz'",
	       "missing days 'schedule.expressions[1].days'",
	       "missing time 'schedule.expressions[1].time'");
	API_IS("{\"type\": \"visual\", \"schedule\": {\"expressions\": {}}}",
	       "wrong-type expressions 'schedule.expressions' want=list");
}

/* A NUL inside a string is part of it, in both modes. */
static void test_nul(void **state)
{
	(void)state;
	API_IS("{\"type\": \"interval\", \"schedule\": {\"interval\": "
	       "{\"unit\": \"day\\u0000x\", \"quantity\": 1}}, "
	       "\"startDate\": \"2024-01-01\\u0000\"}",
	       "bad-value start-date 'startDate' want=date",
	       "bad-value unit 'schedule.interval.unit' want=one-of");
	FILE_IS("{type: \"manual\\0\", schedule: {}}",
		"unknown type 'type' @1:8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocabulary),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_file_rules),
		cmocka_unit_test(test_file_visual_and_dbt),
		cmocka_unit_test(test_api_rules),
		cmocka_unit_test(test_nul),
	};

	return cmocka_run_group_tests_name("schedule", tests, NULL, NULL);
}
