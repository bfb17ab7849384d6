/*
 * Unit tests for sync runs, sequence runs and the polling schedule
 * (common/syncrun.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hightouch/error.h"
#include "hightouch/strbuf.h"
#include "hightouch/syncrun.h"

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, 0, &err);

	assert_non_null(v);
	return v;
}

static void test_statuses(void **state)
{
	static const char *const terminal[] = {
		"cancelled", "failed", "success", "warning", "interrupted",
	};
	static const char *const going[] = {
		"queued", "querying", "processing", "reporting", "pending",
	};
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		enum ht_run_status s = ht_run_status_parse(terminal[i]);

		assert_true(ht_run_status_terminal(s));
		assert_string_equal(ht_run_status_name(s), terminal[i]);
		s = ht_run_status_parse(going[i]);
		assert_false(ht_run_status_terminal(s));
		assert_false(ht_run_status_ok(s));
		assert_string_equal(ht_run_status_name(s), going[i]);
	}
	assert_true(ht_run_status_ok(HT_RUN_SUCCESS));
	assert_true(ht_run_status_ok(HT_RUN_WARNING));
	assert_false(ht_run_status_ok(HT_RUN_FAILED));
	assert_false(ht_run_status_ok(HT_RUN_CANCELLED));
	assert_false(ht_run_status_ok(HT_RUN_INTERRUPTED));
	/* a status the table does not know is waited on */
	assert_int_equal(ht_run_status_parse("exploded"), HT_RUN_UNKNOWN);
	assert_int_equal(ht_run_status_parse(NULL), HT_RUN_UNKNOWN);
	assert_false(ht_run_status_terminal(HT_RUN_UNKNOWN));
	assert_string_equal(ht_run_status_name(HT_RUN_UNKNOWN), "unknown");
}

static void test_parse(void **state)
{
	json_t *v = load("{\"id\": 12, \"createdAt\": \"2024-05-01T10:00:00.000Z\","
			 " \"startedAt\": \"2024-05-01T10:00:05.000Z\","
			 " \"finishedAt\": \"2024-05-01T10:01:10.500Z\","
			 " \"status\": \"warning\", \"completionRatio\": 1,"
			 " \"plannedRows\": {\"addedCount\": 100, "
			 "\"changedCount\": 20, \"removedCount\": 3},"
			 " \"successfulRows\": {\"addedCount\": 98, "
			 "\"changedCount\": 20, \"removedCount\": 3},"
			 " \"failedRows\": {\"addedCount\": 2},"
			 " \"error\": null}");
	struct ht_run r = HT_RUN_INIT;
	struct ht_strbuf sb = HT_STRBUF_INIT;

	(void)state;
	assert_int_equal(ht_run_parse(&r, v), 0);
	assert_int_equal(r.id, 12);
	assert_int_equal(r.status, HT_RUN_WARNING);
	assert_string_equal(r.status_name, "warning");
	assert_int_equal(r.created_ms, 1714557600000LL);
	assert_int_equal(r.finished_ms - r.started_ms, 65500);
	assert_int_equal(ht_run_rows_total(&r.planned), 123);
	assert_int_equal(ht_run_rows_total(&r.successful), 121);
	assert_int_equal(ht_run_rows_total(&r.failed), 2);
	assert_null(r.error);
	assert_true(r.json == v);
	assert_int_equal(ht_run_duration_ms(&r, 0), 65500);
	ht_duration_format(&sb, ht_run_duration_ms(&r, 0));
	assert_string_equal(sb.buf, "1m 05s");
	ht_run_release(&r);
	json_decref(v);
	ht_strbuf_release(&sb);
}

static void test_parse_strings(void **state)
{
	json_t *v = load("{\"id\": \"7\", \"status\": \"querying\","
			 " \"createdAt\": \"2024-05-01T10:00:00Z\","
			 " \"startedAt\": \"2024-05-01T10:00:01Z\","
			 " \"error\": \"boom\"}");
	struct ht_run r = HT_RUN_INIT;

	(void)state;
	assert_int_equal(ht_run_parse(&r, v), 0);
	assert_int_equal(r.id, 7);
	assert_int_equal(r.finished_ms, -1);
	assert_true(r.completion < 0);
	assert_string_equal(r.error, "boom");
	/* still going: the time since it started */
	assert_int_equal(ht_run_duration_ms(&r, r.started_ms + 4000), 4000);
	assert_int_equal(ht_run_duration_ms(&r, r.started_ms - 1), -1);
	ht_run_release(&r);
	json_decref(v);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"status\": \"success\"}",
		"{\"id\": \"x7\", \"status\": \"success\"}",
		"{\"id\": 1}",
		"{\"id\": 1, \"status\": \"success\", \"createdAt\": \"soon\"}",
		"{\"id\": 1, \"status\": \"success\", \"finishedAt\": 5}",
	};
	struct ht_run r = HT_RUN_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *v = load(bad[i]);

		assert_int_equal(ht_run_parse(&r, v), HT_EHTTP);
		assert_null(r.json);
		assert_non_null(strstr(ht_error_message(), "unexpected run"));
		json_decref(v);
	}
}

static void test_sort(void **state)
{
	json_t *v = load("[{\"id\": 1, \"status\": \"success\", \"createdAt\": "
			 "\"2024-01-01T00:00:00Z\"},"
			 " {\"id\": 3, \"status\": \"success\", \"createdAt\": "
			 "\"2024-01-03T00:00:00Z\"},"
			 " {\"id\": 2, \"status\": \"success\", \"createdAt\": "
			 "\"2024-01-03T00:00:00Z\"},"
			 " {\"id\": 9, \"status\": \"queued\"}]");
	struct ht_run runs[4];
	int64_t want[] = { 3, 2, 1, 9 };
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(ht_run_parse(&runs[i],
					      json_array_get(v, i)), 0);
	ht_runs_sort_newest(runs, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(runs[i].id, want[i]);
		ht_run_release(&runs[i]);
	}
	json_decref(v);
}

static void test_durations(void **state)
{
	static const struct {
		int64_t ms;
		const char *text;
	} cases[] = {
		{ -1, "-" }, { 0, "0ms" }, { 999, "999ms" }, { 1000, "1s" },
		{ 59999, "59s" }, { 60000, "1m 00s" }, { 3599000, "59m 59s" },
		{ 3600000, "1h 00m" }, { 86399000, "23h 59m" },
		{ 90000000, "1d 01h" },
	};
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ht_strbuf_reset(&sb);
		ht_duration_format(&sb, cases[i].ms);
		assert_string_equal(sb.buf, cases[i].text);
	}
	ht_strbuf_release(&sb);
}

static void test_sequence(void **state)
{
	json_t *v = load("{\"id\": \"5c1d\", \"status\": \"running\","
			 " \"syncRuns\": [{\"syncId\": 1, \"syncRunId\": \"10\","
			 " \"status\": \"success\", \"finishedAt\": "
			 "\"2024-01-01T00:00:00Z\"}, {\"syncId\": \"2\","
			 " \"syncRunId\": 11, \"status\": \"processing\","
			 " \"finishedAt\": null}]}");
	json_t *bad = load("{\"id\": \"5c1d\", \"status\": \"done\","
			   " \"syncRuns\": [{\"syncId\": 1}]}");
	struct ht_sequence_run r = HT_SEQUENCE_RUN_INIT;

	(void)state;
	assert_int_equal(ht_sequence_run_parse(&r, v), 0);
	assert_string_equal(r.id, "5c1d");
	assert_int_equal(r.status, HT_SEQUENCE_RUNNING);
	assert_false(ht_sequence_status_terminal(r.status));
	assert_int_equal(r.nr, 2);
	assert_int_equal(r.steps[0].run_id, 10);
	assert_int_equal(r.steps[1].sync_id, 2);
	assert_int_equal(r.steps[1].status, HT_RUN_PROCESSING);
	assert_int_equal(r.steps[1].finished_ms, -1);
	ht_sequence_run_release(&r);
	assert_int_equal(ht_sequence_run_parse(&r, bad), HT_EHTTP);
	assert_null(r.steps);
	assert_true(ht_sequence_status_terminal(ht_sequence_status_parse(
		"done")));
	assert_true(ht_sequence_status_terminal(ht_sequence_status_parse(
		"failed")));
	assert_true(ht_sequence_status_terminal(ht_sequence_status_parse(
		"cancelled")));
	assert_false(ht_sequence_status_terminal(ht_sequence_status_parse(
		"pending")));
	assert_int_equal(ht_sequence_status_parse("odd"),
			 HT_SEQUENCE_UNKNOWN);
	json_decref(v);
	json_decref(bad);
}

static void test_poll(void **state)
{
	struct ht_poll p = HT_POLL_INIT;
	uint64_t prev = 0, pause;
	int i;

	(void)state;
	/* the backoff grows to its ceiling, never past it */
	for (i = 0; i < 30; i++) {
		pause = ht_poll_next(&p, 1);
		assert_true(pause >= prev);
		assert_true(pause <= HT_POLL_MAX_MS);
		prev = pause;
	}
	assert_int_equal(prev, HT_POLL_MAX_MS);
	/* the first pause, and many runs: never over the budget */
	p = (struct ht_poll)HT_POLL_INIT;
	assert_int_equal(ht_poll_next(&p, 1), HT_POLL_FIRST_MS);
	p = (struct ht_poll)HT_POLL_INIT;
	pause = ht_poll_next(&p, 100);
	assert_true(100 * 1000 / pause <= HT_POLL_PER_SECOND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_strings),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_poll),
	};

	return cmocka_run_group_tests_name("syncrun", tests, NULL, NULL);
}
