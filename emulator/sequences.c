/*
 * Sync sequences and how runs end.
 *
 * A sequence is an id and the syncs it runs, in order; the public API
 * has no way to list or create them (only to trigger one and to read a
 * run of one), so they come from seeds ("syncSequences") and the admin
 * surface.  A sequence run starts a run of its first sync; each run that
 * ends success or warning starts the next sync's, at the time it ended
 * (emu_sequences_settled(), from the settling of runs).  Its status:
 * failed as soon as a run ends failed or interrupted, cancelled when
 * one is cancelled, done when the last ends well, pending while the
 * first is queued, running otherwise.
 *
 * How runs end: /_emulator/run-outcomes gives a sync the terminal status
 * (and error text) of its next runs, until cleared; other syncs' runs end
 * as the settings' runStatus says.
 *
 * The caller holds emu->lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"

#include "emulator.h"

/* The longest sequence id, and the most syncs a sequence runs. */
#define SEQUENCE_ID_MAX 64
#define SEQUENCE_SYNCS_MAX 100

static const char *const terminal_statuses[] = {
	"success", "warning", "failed", "cancelled", "interrupted", NULL
};

static int is_terminal(const char *status)
{
	size_t i;

	for (i = 0; status && terminal_statuses[i]; i++)
		if (!strcmp(terminal_statuses[i], status))
			return 1;
	return 0;
}

/* An id that may stand in a path as it is. */
static int valid_id(const char *s)
{
	size_t len = strlen(s), i;

	if (!len || len > SEQUENCE_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("-._~", s[i])))
			return 0;
	return 1;
}

void emu_sequence_check(const json_t *seq, const char *path,
			int (*sync_exists)(int64_t id, void *payload),
			void *payload, json_t *details)
{
	struct ht_strbuf p = HT_STRBUF_INIT;
	const json_t *ids = json_object_get(seq, "syncIds"), *v;
	const char *id = ht_json_get_string(seq, "id"), *k;
	int64_t n;
	size_t i;

	if (!json_is_object(seq)) {
		emu_detail(details, path, "a sync sequence must be an object");
		return;
	}
	json_object_foreach((json_t *)seq, k, v) {
		if (strcmp(k, "id") && strcmp(k, "syncIds")) {
			ht_strbuf_reset(&p);
			ht_strbuf_addf(&p, "%s%s%s", path ? path : "",
				       path ? "." : "", k);
			emu_detail(details, p.buf, "'%s' is not a member of "
				   "a sync sequence", k);
		}
	}
	ht_strbuf_reset(&p);
	ht_strbuf_addf(&p, "%s%sid", path ? path : "", path ? "." : "");
	if (!id || !valid_id(id))
		emu_detail(details, p.buf, "'id' must be 1 to %d letters, "
			   "digits, '-', '.', '_' or '~'", SEQUENCE_ID_MAX);
	ht_strbuf_reset(&p);
	ht_strbuf_addf(&p, "%s%ssyncIds", path ? path : "", path ? "." : "");
	if (!json_is_array(ids) || !json_array_size(ids) ||
	    json_array_size(ids) > SEQUENCE_SYNCS_MAX)
		emu_detail(details, p.buf, "'syncIds' must be an array of 1 "
			   "to %d sync ids", SEQUENCE_SYNCS_MAX);
	json_array_foreach(json_is_array(ids) ? ids : NULL, i, v) {
		if (ht_json_id_value(&n, v) < 0 || n < 1)
			emu_detail(details, p.buf, "syncIds[%zu] is not an "
				   "id", i);
		else if (!sync_exists(n, payload))
			emu_detail(details, p.buf, "sync %lld does not exist",
				   (long long)n);
	}
	ht_error_clear();
	ht_strbuf_release(&p);
}

int emu_sequence_insert(struct emu *e, const json_t *seq)
{
	json_t *ids = json_array(), *v;
	struct ht_strbuf text = HT_STRBUF_INIT;
	sqlite3_stmt *st;
	int64_t n;
	size_t i;
	int ret;

	json_array_foreach(json_object_get(seq, "syncIds"), i, v) {
		ht_json_id_value(&n, v);
		json_array_append_new(ids, json_integer(n));
	}
	ht_json_dump(&text, ids);
	st = emu_store_prepare(e, "INSERT INTO sequences (id, sync_ids) "
			       "VALUES (?1, ?2)");
	ret = st ? 0 : HT_EIO;
	if (st) {
		sqlite3_bind_text(st, 1, ht_json_get_string(seq, "id"), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 2, text.buf, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			ret = sqlite3_errcode(e->db) == SQLITE_CONSTRAINT ?
			      ht_error_set(HT_ECONFLICT, "sync sequence '%s' "
					   "exists",
					   ht_json_get_string(seq, "id")) :
			      emu_store_error(e, "cannot insert a sequence");
	}
	sqlite3_finalize(st);
	json_decref(ids);
	ht_strbuf_release(&text);
	return ret;
}

/* The rows of `sql` as a JSON array of what `row` makes of each. */
static int rows_json(struct emu *e, const char *sql,
		     json_t *(*row)(sqlite3_stmt *st), json_t **out)
{
	sqlite3_stmt *st = emu_store_prepare(e, sql);
	int rc;

	*out = json_array();
	if (!st)
		return HT_EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(*out, row(st));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : emu_store_error(e, "cannot read rows");
}

static json_t *sequence_row(sqlite3_stmt *st)
{
	return json_pack("{s:s, s:o}", "id", sqlite3_column_text(st, 0),
			 "syncIds", emu_json_load((const char *)
						  sqlite3_column_text(st, 1)));
}

int emu_sequences_json(struct emu *e, json_t **out)
{
	return rows_json(e, "SELECT id, sync_ids FROM sequences ORDER BY id",
			 sequence_row, out);
}

/* The syncs of sequence `id` (a new reference), or NULL when none. */
static json_t *sequence_syncs(struct emu *e, const char *id)
{
	sqlite3_stmt *st = emu_store_prepare(e, "SELECT sync_ids FROM "
					     "sequences WHERE id = ?1");
	json_t *ids = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		ids = emu_json_load((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return ids;
}

/* Run `sql` with ?1 `a`, ?2 `b`, ?3 `n` and ?4 `m` (those it has). */
static int exec_sql(struct emu *e, const char *sql, const char *a,
		    const char *b, int64_t n, int64_t m)
{
	sqlite3_stmt *st = emu_store_prepare(e, sql);
	int ret = 0;

	if (!st)
		return HT_EIO;
	/* binding a parameter the statement lacks does nothing */
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, n);
	sqlite3_bind_int64(st, 4, m);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = emu_store_error(e, "cannot write a sequence run");
	sqlite3_finalize(st);
	return ret;
}

/* Start the run of sync `sync_id`, step `position` of sequence run `sr`. */
static int start_step(struct emu *e, const char *sr, int64_t sync_id,
		      int64_t position, int64_t at)
{
	int64_t run;
	int ret;

	ret = emu_runs_insert(e, sync_id, 0, at, &run);
	if (!ret)
		ret = exec_sql(e, "INSERT INTO sequence_steps (run_id, "
			       "sequence_run, position) VALUES (?3, ?1, ?4)",
			       sr, NULL, run, position);
	return ret;
}

void emu_sequences_trigger(struct emu *e, const char *id, const json_t *body,
			   struct emu_response *resp)
{
	json_t *ids = NULL, *details = json_object();
	int64_t first = 0;
	char run[64];
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)body, k, v) {
		emu_detail(details, k, "'%s' is an excess property and "
			   "therefore is not allowed", k);
	}
	if (!json_is_object(body))
		emu_detail(details, NULL, "the request body must be a JSON "
			   "object, got %s", ht_json_type_name(body));
	if (json_object_size(details)) {
		emu_respond_invalid(resp, 422, details);
		goto cleanup;
	}
	ids = valid_id(id) ? sequence_syncs(e, id) : NULL;
	if (!ids) {
		emu_respond_error(resp, 404, "Not Found", "sync sequence '%.64s' "
				  "not found", id);
		goto cleanup;
	}
	ht_json_id_value(&first, json_array_get(ids, 0));
	if (!emu_store_exists(e, HT_IDS_SYNC, first)) {
		emu_respond_error(resp, 409, "Conflict", "sync %lld of "
				  "sequence '%s' does not exist",
				  (long long)first, id);
		goto cleanup;
	}
	snprintf(run, sizeof(run), "%08llx-0000-4000-8000-%012llx",
		 (unsigned long long)e->workspace_id,
		 (unsigned long long)e->next_sequence_run);
	if (emu_store_begin(e) < 0)
		goto fail;
	e->next_sequence_run++;
	if (exec_sql(e, "INSERT INTO sequence_runs (id, sequence_id, "
		     "created_ms) VALUES (?1, ?2, ?3)", run, id, emu_now_ms(),
		     0) < 0 ||
	    start_step(e, run, first, 0, emu_now_ms()) < 0 ||
	    emu_store_save_meta(e) < 0 || emu_store_commit(e) < 0) {
		emu_store_rollback(e);
		goto fail;
	}
	json_decref(details);
	details = json_pack("{s:s}", "id", run);
	emu_respond_json(resp, 200, details);
	goto cleanup;
fail:
	emu_respond_failed(resp);
cleanup:
	json_decref(ids);
	json_decref(details);
}

int emu_sequences_settled(struct emu *e, int64_t run_id, const char *status,
			  int64_t due_ms)
{
	sqlite3_stmt *st = emu_store_prepare(e, "SELECT st.sequence_run, "
					     "st.position, r.sequence_id "
					     "FROM sequence_steps st JOIN "
					     "sequence_runs r ON r.id = "
					     "st.sequence_run WHERE "
					     "st.run_id = ?1");
	char *sr = NULL, *seq = NULL;
	json_t *ids = NULL;
	int64_t position = 0, next = 0;
	int ret = 0;

	if (!st)
		return HT_EIO;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		sr = ht_xstrdup((const char *)sqlite3_column_text(st, 0));
		position = sqlite3_column_int64(st, 1);
		seq = ht_xstrdup((const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (!sr || (strcmp(status, "success") && strcmp(status, "warning")))
		goto cleanup;
	ids = sequence_syncs(e, seq);
	if ((size_t)position + 1 >= json_array_size(ids))
		goto cleanup;
	ht_json_id_value(&next, json_array_get(ids, (size_t)position + 1));
	if (emu_store_exists(e, HT_IDS_SYNC, next))
		ret = start_step(e, sr, next, position + 1, due_ms);
	else /* deleted since: the sequence run fails */
		ret = exec_sql(e, "UPDATE sequence_runs SET failed = 1 "
			       "WHERE id = ?1", sr, NULL, 0, 0);
cleanup:
	json_decref(ids);
	free(sr);
	free(seq);
	return ret;
}

/* The sequence run's status from its steps (see the top). */
static const char *sequence_status(const json_t *steps, size_t nsyncs,
				   int failed)
{
	const json_t *s;
	const char *st;
	size_t i, ok = 0;

	json_array_foreach(steps, i, s) {
		st = ht_json_get_string(s, "status");
		if (!strcmp(st, "failed") || !strcmp(st, "interrupted"))
			return "failed";
		if (!strcmp(st, "cancelled"))
			return "cancelled";
		ok += is_terminal(st);
	}
	if (failed)
		return "failed";
	if (ok == nsyncs)
		return "done";
	if (json_array_size(steps) == 1 &&
	    !strcmp(ht_json_get_string(json_array_get(steps, 0), "status"),
		    "queued"))
		return "pending";
	return "running";
}

void emu_sequences_get_run(struct emu *e, const char *id,
			   struct emu_response *resp)
{
	sqlite3_stmt *st = NULL;
	json_t *ids = NULL, *steps = json_array(), *out = NULL;
	int64_t now = emu_now_ms();
	char when[HT_TIME_LEN];
	int failed = 0, rc;
	double ratio;

	st = emu_store_prepare(e, "SELECT sequence_id, failed FROM "
			       "sequence_runs WHERE id = ?1");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ids = sequence_syncs(e, (const char *)sqlite3_column_text(st,
									  0));
		failed = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	if (!ids) {
		emu_respond_error(resp, 404, "Not Found", "sync sequence run "
				  "'%.64s' not found", id);
		goto cleanup;
	}
	st = emu_store_prepare(e, "SELECT r.sync_id, r.id, r.created_ms, "
			       "r.due_ms, r.status FROM sequence_steps st "
			       "JOIN runs r ON r.id = st.run_id WHERE "
			       "st.sequence_run = ?1 ORDER BY st.position");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t due = sqlite3_column_int64(st, 3);

		ht_time_format(when, due);
		json_array_append_new(steps, json_pack(
			"{s:I, s:I, s:s, s:o}", "syncId",
			(json_int_t)sqlite3_column_int64(st, 0), "syncRunId",
			(json_int_t)sqlite3_column_int64(st, 1), "status",
			emu_run_status_at(sqlite3_column_int64(st, 2), due,
					  (const char *)
					  sqlite3_column_text(st, 4), now,
					  &ratio),
			"finishedAt", now >= due ? json_string(when) :
			json_null()));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		emu_store_error(e, "cannot read a sequence run");
		goto fail;
	}
	out = json_pack("{s:s, s:s, s:O}", "id", id, "status",
			sequence_status(steps, json_array_size(ids), failed),
			"syncRuns", steps);
	emu_respond_json(resp, 200, out);
	goto cleanup;
fail:
	emu_respond_failed(resp);
cleanup:
	json_decref(ids);
	json_decref(steps);
	json_decref(out);
}

/*
 * The admin surface
 */

static int store_has_sync(int64_t id, void *payload)
{
	return emu_store_exists(payload, HT_IDS_SYNC, id);
}

void emu_sequences_admin(struct emu *e, struct emu_request *req,
			 const char *rest, struct emu_response *resp)
{
	json_t *body = NULL, *details = json_object(), *all = NULL;

	if (*rest) {
		emu_respond_error(resp, 404, "Not Found", "Cannot %s %s",
				  req->method, req->path);
	} else if (!strcmp(req->method, "GET")) {
		if (emu_sequences_json(e, &all) < 0) {
			emu_respond_failed(resp);
		} else {
			json_decref(details);
			details = json_pack("{s:O}", "syncSequences", all);
			emu_respond_json(resp, 200, details);
		}
	} else if (!strcmp(req->method, "POST")) {
		body = emu_parse_body(req, EMU_ADMIN_BODY_MAX, "admin request "
				      "bodies", 0, resp);
		if (body)
			emu_sequence_check(body, NULL, store_has_sync, e,
					   details);
		if (body && json_object_size(details))
			emu_respond_invalid(resp, 422, details);
		else if (body && (emu_store_begin(e) < 0 ||
				  emu_sequence_insert(e, body) < 0 ||
				  emu_store_commit(e) < 0)) {
			emu_store_rollback(e);
			if (ht_error_code() == HT_ECONFLICT)
				emu_respond_error(resp, 409, "Conflict", "%s",
						  ht_error_message());
			else
				emu_respond_failed(resp);
		} else if (body) {
			emu_respond_json(resp, 200, body);
		}
	} else {
		emu_respond_error(resp, 404, "Not Found", "Cannot %s %s",
				  req->method, req->path);
	}
	json_decref(body);
	json_decref(details);
	json_decref(all);
}

/* {"syncId": N, "status": "failed", "error": "..."}: its problems. */
static void check_outcome(struct emu *e, const json_t *body, int64_t *sync,
			  json_t *details)
{
	const json_t *error = json_object_get(body, "error");
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)body, k, v) {
		if (strcmp(k, "syncId") && strcmp(k, "status") &&
		    strcmp(k, "error"))
			emu_detail(details, k, "'%s' is not a member of a run "
				   "outcome", k);
	}
	if (!is_terminal(ht_json_get_string(body, "status")))
		emu_detail(details, "status", "'status' must be a terminal "
			   "run status (success, warning, failed, cancelled "
			   "or interrupted)");
	if (error && !json_is_string(error) && !json_is_null(error))
		emu_detail(details, "error", "'error' must be a string");
	if (ht_json_get_id(sync, body, "syncId") < 0)
		emu_detail(details, "syncId", "'syncId' must be a sync id");
	else if (!emu_store_exists(e, HT_IDS_SYNC, *sync))
		emu_detail(details, "syncId", "sync %lld does not exist",
			   (long long)*sync);
	ht_error_clear();
}

static int set_outcome(struct emu *e, int64_t sync, const json_t *body)
{
	sqlite3_stmt *st = emu_store_prepare(e, "INSERT OR REPLACE INTO "
					     "run_outcomes (sync_id, status, "
					     "error) VALUES (?1, ?2, ?3)");
	int ret = 0;

	if (!st)
		return HT_EIO;
	sqlite3_bind_int64(st, 1, sync);
	sqlite3_bind_text(st, 2, ht_json_get_string(body, "status"), -1,
			  SQLITE_STATIC);
	if (ht_json_get_string(body, "error"))
		sqlite3_bind_text(st, 3, ht_json_get_string(body, "error"), -1,
				  SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = emu_store_error(e, "cannot write a run outcome");
	sqlite3_finalize(st);
	return ret;
}

static json_t *outcome_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:o}", "syncId",
			 (json_int_t)sqlite3_column_int64(st, 0), "status",
			 sqlite3_column_text(st, 1), "error",
			 sqlite3_column_type(st, 2) == SQLITE_NULL ?
			 json_null() : json_string((const char *)
						   sqlite3_column_text(st, 2)));
}

static int outcomes_json(struct emu *e, json_t **out)
{
	return rows_json(e, "SELECT sync_id, status, error FROM run_outcomes "
			 "ORDER BY sync_id", outcome_row, out);
}

void emu_outcomes_admin(struct emu *e, struct emu_request *req,
			struct emu_response *resp)
{
	json_t *body = NULL, *details = json_object(), *all = NULL;
	const char *m = req->method;
	int64_t sync = 0;

	if (!strcmp(m, "POST")) {
		body = emu_parse_body(req, EMU_ADMIN_BODY_MAX, "admin request "
				      "bodies", 0, resp);
		if (body)
			check_outcome(e, body, &sync, details);
		if (body && json_object_size(details))
			emu_respond_invalid(resp, 422, details);
		else if (body && (emu_store_begin(e) < 0 ||
				  set_outcome(e, sync, body) < 0 ||
				  emu_store_commit(e) < 0)) {
			emu_store_rollback(e);
			emu_respond_failed(resp);
		} else if (body) {
			emu_respond_json(resp, 200, body);
		}
	} else if (!strcmp(m, "GET") || !strcmp(m, "DELETE")) {
		if (!strcmp(m, "DELETE") &&
		    (emu_store_begin(e) < 0 ||
		     exec_sql(e, "DELETE FROM run_outcomes", NULL, NULL, 0,
			      0) < 0 ||
		     emu_store_commit(e) < 0)) {
			emu_store_rollback(e);
			emu_respond_failed(resp);
		} else if (outcomes_json(e, &all) < 0) {
			emu_respond_failed(resp);
		} else {
			json_decref(details);
			details = json_pack("{s:O}", "runOutcomes", all);
			emu_respond_json(resp, 200, details);
		}
	} else {
		emu_respond_error(resp, 404, "Not Found", "Cannot %s %s", m,
				  req->path);
	}
	json_decref(body);
	json_decref(details);
	json_decref(all);
}
