#ifndef HIGHTOUCH_SYNCRUN_H
#define HIGHTOUCH_SYNCRUN_H

/*
 * Sync runs and sync-sequence runs as the API shows them (its SyncRun
 * object and GET /sync-sequences/runs/{id}), and how often to ask about
 * runs that are waited on.
 *
 * Statuses.  A run is `queued`, `querying`, `processing`, `reporting` or
 * `pending` until it ends `success`, `warning`, `failed`, `cancelled` or
 * `interrupted` (the terminal ones; success and warning are the good
 * ones).  A status the table does not know is not terminal.  A sequence
 * run is `pending` or `running` until it is `done`, `failed` or
 * `cancelled`.
 *
 * Waiting.  The runs waited on are asked about in rounds, one request a
 * run, with a pause before each round: it starts at HT_POLL_FIRST_MS and
 * grows by half each round up to HT_POLL_MAX_MS (backing off), and is
 * never shorter than HT_POLL_PER_SECOND requests a second allow for the
 * runs still waited on, so that the rounds together stay well inside the
 * API's 200 requests per 10 s, which the workspace shares.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hightouch/strbuf.h"

enum ht_run_status {
	HT_RUN_QUEUED,
	HT_RUN_QUERYING,
	HT_RUN_PROCESSING,
	HT_RUN_REPORTING,
	HT_RUN_PENDING,
	HT_RUN_SUCCESS,
	HT_RUN_WARNING,
	HT_RUN_FAILED,
	HT_RUN_CANCELLED,
	HT_RUN_INTERRUPTED,
	HT_RUN_UNKNOWN, /* a status the table does not know */
};

/* HT_RUN_UNKNOWN for a name that is no run status (or NULL). */
enum ht_run_status ht_run_status_parse(const char *name);
/* "queued"...; "unknown" for HT_RUN_UNKNOWN. */
const char *ht_run_status_name(enum ht_run_status s);
/* 1 for cancelled, failed, success, warning and interrupted. */
int ht_run_status_terminal(enum ht_run_status s);
/* 1 for success and warning. */
int ht_run_status_ok(enum ht_run_status s);

/* plannedRows, successfulRows, failedRows. */
struct ht_run_rows {
	int64_t added, changed, removed;
};

/* added + changed + removed. */
int64_t ht_run_rows_total(const struct ht_run_rows *r);

struct ht_run {
	int64_t id;
	enum ht_run_status status;
	const char *status_name; /* as the server wrote it */
	/* milliseconds since the epoch; -1 when null or absent */
	int64_t created_ms, started_ms, finished_ms;
	double completion; /* completionRatio, 0 to 1; -1 when absent */
	struct ht_run_rows planned, successful, failed;
	const char *error; /* NULL when null or absent */
	json_t *json;      /* the object, whose strings the above borrow */
};

#define HT_RUN_INIT { 0, HT_RUN_UNKNOWN, NULL, -1, -1, -1, -1, \
		      { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL }

/*
 * Read a SyncRun object (`obj` is borrowed; `out` takes a reference).
 * The id may be a number or a string of digits; missing counts are 0.
 * HT_EHTTP ("unexpected run: ...") for an object without an id or a
 * status, or with a time that is not one.
 */
int ht_run_parse(struct ht_run *out, json_t *obj);
void ht_run_release(struct ht_run *r);

/* Newest first: by createdAt (then startedAt), then by id, descending. */
void ht_runs_sort_newest(struct ht_run *runs, size_t nr);

/*
 * How long the run took: finishedAt - startedAt once it ended, `now_ms`
 * - startedAt while it goes on; createdAt stands in for a startedAt
 * missing from an ended run.  -1 when it has not started.
 */
int64_t ht_run_duration_ms(const struct ht_run *r, int64_t now_ms);

/* "350ms", "12s", "4m 05s", "2h 03m", "3d 04h"; "-" for a negative. */
void ht_duration_format(struct ht_strbuf *out, int64_t ms);

/*
 * Sequence runs
 */

enum ht_sequence_status {
	HT_SEQUENCE_PENDING,
	HT_SEQUENCE_RUNNING,
	HT_SEQUENCE_DONE,
	HT_SEQUENCE_FAILED,
	HT_SEQUENCE_CANCELLED,
	HT_SEQUENCE_UNKNOWN,
};

enum ht_sequence_status ht_sequence_status_parse(const char *name);
const char *ht_sequence_status_name(enum ht_sequence_status s);
/* 1 for done, failed and cancelled. */
int ht_sequence_status_terminal(enum ht_sequence_status s);

/* One of the runs a sequence run started. */
struct ht_sequence_step {
	int64_t sync_id, run_id;
	enum ht_run_status status;
	int64_t finished_ms; /* -1 when null */
};

struct ht_sequence_run {
	const char *id; /* borrowed from `json` */
	enum ht_sequence_status status;
	const char *status_name;
	struct ht_sequence_step *steps; /* syncRuns */
	size_t nr;
	json_t *json;
};

#define HT_SEQUENCE_RUN_INIT { NULL, HT_SEQUENCE_UNKNOWN, NULL, NULL, 0, NULL }

/*
 * Read GET /sync-sequences/runs/{id}'s answer (`obj` borrowed, a
 * reference taken): HT_EHTTP for one without an id, a status or a
 * syncRuns array of {syncId, syncRunId, status}.
 */
int ht_sequence_run_parse(struct ht_sequence_run *out, json_t *obj);
void ht_sequence_run_release(struct ht_sequence_run *r);

/*
 * Polling
 */

#define HT_POLL_FIRST_MS 500
#define HT_POLL_MAX_MS 15000
#define HT_POLL_PER_SECOND 4
_Static_assert(HT_POLL_PER_SECOND * 10 <= 100,
	       "polling keeps to half the API's 200 requests a 10 s");

struct ht_poll {
	uint64_t delay_ms; /* the backoff's next pause */
};

#define HT_POLL_INIT { HT_POLL_FIRST_MS }

/*
 * The pause before the next round, in which `waiting` runs are asked
 * about; the backoff grows for the round after.
 */
uint64_t ht_poll_next(struct ht_poll *p, size_t waiting);

#endif
