/*
 * Sync runs and sync-sequence runs (see syncrun.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/syncrun.h"
#include "hightouch/time.h"

/* The statuses, in the order of enum ht_run_status. */
static const struct {
	const char *name;
	unsigned terminal : 1, ok : 1;
} run_statuses[] = {
	[HT_RUN_QUEUED] = { "queued", 0, 0 },
	[HT_RUN_QUERYING] = { "querying", 0, 0 },
	[HT_RUN_PROCESSING] = { "processing", 0, 0 },
	[HT_RUN_REPORTING] = { "reporting", 0, 0 },
	[HT_RUN_PENDING] = { "pending", 0, 0 },
	[HT_RUN_SUCCESS] = { "success", 1, 1 },
	[HT_RUN_WARNING] = { "warning", 1, 1 },
	[HT_RUN_FAILED] = { "failed", 1, 0 },
	[HT_RUN_CANCELLED] = { "cancelled", 1, 0 },
	[HT_RUN_INTERRUPTED] = { "interrupted", 1, 0 },
	[HT_RUN_UNKNOWN] = { "unknown", 0, 0 },
};

static const char *const sequence_statuses[] = {
	[HT_SEQUENCE_PENDING] = "pending",
	[HT_SEQUENCE_RUNNING] = "running",
	[HT_SEQUENCE_DONE] = "done",
	[HT_SEQUENCE_FAILED] = "failed",
	[HT_SEQUENCE_CANCELLED] = "cancelled",
	[HT_SEQUENCE_UNKNOWN] = "unknown",
};

enum ht_run_status ht_run_status_parse(const char *name)
{
	int i;

	for (i = 0; name && i < HT_RUN_UNKNOWN; i++)
		if (!strcmp(run_statuses[i].name, name))
			return (enum ht_run_status)i;
	return HT_RUN_UNKNOWN;
}

const char *ht_run_status_name(enum ht_run_status s)
{
	return s <= HT_RUN_UNKNOWN ? run_statuses[s].name : "unknown";
}

int ht_run_status_terminal(enum ht_run_status s)
{
	return s <= HT_RUN_UNKNOWN && run_statuses[s].terminal;
}

int ht_run_status_ok(enum ht_run_status s)
{
	return s <= HT_RUN_UNKNOWN && run_statuses[s].ok;
}

int64_t ht_run_rows_total(const struct ht_run_rows *r)
{
	return r->added + r->changed + r->removed;
}

/* A time member into `*ms`: -1 when null or absent; -1 return if bad. */
static int get_time(int64_t *ms, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);

	*ms = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!s || ht_time_parse(ms, s, strlen(s)) < 0) {
		*ms = -1;
		return -1;
	}
	return 0;
}

/* A count of {addedCount, changedCount, removedCount}: 0 when absent. */
static int64_t get_count(const json_t *rows, const char *key)
{
	const json_t *v = json_object_get(rows, key);

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	return 0;
}

static void get_rows(struct ht_run_rows *out, const json_t *obj,
		     const char *key)
{
	const json_t *rows = json_object_get(obj, key);

	out->added = get_count(rows, "addedCount");
	out->changed = get_count(rows, "changedCount");
	out->removed = get_count(rows, "removedCount");
}

int ht_run_parse(struct ht_run *out, json_t *obj)
{
	struct ht_run r = HT_RUN_INIT;
	const json_t *ratio;

	*out = r;
	if (!json_is_object(obj))
		return ht_error_set(HT_EHTTP, "unexpected run: a JSON %s, not "
				    "an object", ht_json_type_name(obj));
	if (ht_json_get_id(&r.id, obj, "id") < 0)
		return ht_error_wrap(HT_EHTTP, "unexpected run");
	r.status_name = ht_json_get_string(obj, "status");
	if (!r.status_name)
		return ht_error_set(HT_EHTTP, "unexpected run %" PRId64 ": no "
				    "status", r.id);
	r.status = ht_run_status_parse(r.status_name);
	if (get_time(&r.created_ms, obj, "createdAt") < 0 ||
	    get_time(&r.started_ms, obj, "startedAt") < 0 ||
	    get_time(&r.finished_ms, obj, "finishedAt") < 0)
		return ht_error_set(HT_EHTTP, "unexpected run %" PRId64 ": a "
				    "time that is not an ISO 8601 date-time",
				    r.id);
	ratio = json_object_get(obj, "completionRatio");
	if (json_is_number(ratio))
		r.completion = json_number_value(ratio);
	get_rows(&r.planned, obj, "plannedRows");
	get_rows(&r.successful, obj, "successfulRows");
	get_rows(&r.failed, obj, "failedRows");
	r.error = ht_json_get_string(obj, "error");
	r.json = json_incref(obj);
	*out = r;
	return 0;
}

void ht_run_release(struct ht_run *r)
{
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_newest(const void *pa, const void *pb)
{
	const struct ht_run *a = pa, *b = pb;
	int c = cmp_i64(b->created_ms, a->created_ms);

	if (!c)
		c = cmp_i64(b->started_ms, a->started_ms);
	return c ? c : cmp_i64(b->id, a->id);
}

void ht_runs_sort_newest(struct ht_run *runs, size_t nr)
{
	if (nr > 1)
		qsort(runs, nr, sizeof(*runs), cmp_newest);
}

int64_t ht_run_duration_ms(const struct ht_run *r, int64_t now_ms)
{
	int64_t start = r->started_ms;

	if (ht_run_status_terminal(r->status)) {
		if (start < 0)
			start = r->created_ms;
		if (start < 0 || r->finished_ms < start)
			return -1;
		return r->finished_ms - start;
	}
	if (start < 0 || now_ms < start)
		return -1;
	return now_ms - start;
}

void ht_duration_format(struct ht_strbuf *out, int64_t ms)
{
	int64_t s = ms / 1000;

	if (ms < 0)
		ht_strbuf_addstr(out, "-");
	else if (ms < 1000)
		ht_strbuf_addf(out, "%" PRId64 "ms", ms);
	else if (s < 60)
		ht_strbuf_addf(out, "%" PRId64 "s", s);
	else if (s < 3600)
		ht_strbuf_addf(out, "%" PRId64 "m %02" PRId64 "s", s / 60,
			       s % 60);
	else if (s < 86400)
		ht_strbuf_addf(out, "%" PRId64 "h %02" PRId64 "m", s / 3600,
			       s % 3600 / 60);
	else
		ht_strbuf_addf(out, "%" PRId64 "d %02" PRId64 "h", s / 86400,
			       s % 86400 / 3600);
}

/*
 * Sequence runs
 */

enum ht_sequence_status ht_sequence_status_parse(const char *name)
{
	int i;

	for (i = 0; name && i < HT_SEQUENCE_UNKNOWN; i++)
		if (!strcmp(sequence_statuses[i], name))
			return (enum ht_sequence_status)i;
	return HT_SEQUENCE_UNKNOWN;
}

const char *ht_sequence_status_name(enum ht_sequence_status s)
{
	return s <= HT_SEQUENCE_UNKNOWN ? sequence_statuses[s] : "unknown";
}

int ht_sequence_status_terminal(enum ht_sequence_status s)
{
	return s == HT_SEQUENCE_DONE || s == HT_SEQUENCE_FAILED ||
	       s == HT_SEQUENCE_CANCELLED;
}

static int parse_step(struct ht_sequence_step *out, const json_t *obj)
{
	const char *status = ht_json_get_string(obj, "status");

	if (!json_is_object(obj) || !status ||
	    ht_json_get_id(&out->sync_id, obj, "syncId") < 0 ||
	    ht_json_get_id(&out->run_id, obj, "syncRunId") < 0 ||
	    get_time(&out->finished_ms, obj, "finishedAt") < 0)
		return -1;
	out->status = ht_run_status_parse(status);
	return 0;
}

int ht_sequence_run_parse(struct ht_sequence_run *out, json_t *obj)
{
	struct ht_sequence_run r = HT_SEQUENCE_RUN_INIT;
	const json_t *steps = json_object_get(obj, "syncRuns");
	size_t i;

	*out = r;
	r.id = ht_json_get_string(obj, "id");
	r.status_name = ht_json_get_string(obj, "status");
	if (!r.id || !r.status_name || !json_is_array(steps))
		return ht_error_set(HT_EHTTP, "unexpected sequence run: it "
				    "needs an id, a status and syncRuns");
	r.status = ht_sequence_status_parse(r.status_name);
	r.nr = json_array_size(steps);
	r.steps = ht_xcalloc(r.nr + 1, sizeof(*r.steps));
	for (i = 0; i < r.nr; i++) {
		if (parse_step(&r.steps[i], json_array_get(steps, i)) < 0) {
			free(r.steps);
			return ht_error_set(HT_EHTTP, "unexpected sequence "
					    "run '%s': syncRuns[%zu] needs "
					    "syncId, syncRunId and status",
					    r.id, i);
		}
	}
	r.json = json_incref(obj);
	*out = r;
	return 0;
}

void ht_sequence_run_release(struct ht_sequence_run *r)
{
	free(r->steps);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/*
 * Polling
 */

uint64_t ht_poll_next(struct ht_poll *p, size_t waiting)
{
	uint64_t pause = p->delay_ms ? p->delay_ms : HT_POLL_FIRST_MS;
	uint64_t budget = (uint64_t)waiting * 1000 / HT_POLL_PER_SECOND;

	p->delay_ms = pause + pause / 2;
	if (p->delay_ms > HT_POLL_MAX_MS)
		p->delay_ms = HT_POLL_MAX_MS;
	return pause > budget ? pause : budget;
}
