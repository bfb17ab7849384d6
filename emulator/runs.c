/*
 * Sync runs.  A trigger inserts a run that is due `run_duration_ms` later
 * with the terminal status of the settings (success by default).  Until
 * then its status is worked out from the time: queued for the first
 * quarter, then querying, processing and reporting.  Once due, a run is
 * "settled" at the start of the next API request: its sync's status and
 * lastRunAt are set (without a new updatedAt: runs are not changes to the
 * sync's configuration).  Row counts are a function of the sync and run
 * ids, so that they are the same from one test run to the next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"

#include "emulator.h"

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int update_pending(struct emu *e)
{
	sqlite3_stmt *st = emu_store_prepare(e, "SELECT count(*), min(due_ms) "
					     "FROM runs WHERE settled = 0");
	int ret = 0;

	if (!st)
		return HT_EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		e->pending_runs = (size_t)sqlite3_column_int64(st, 0);
		e->next_due_ms = sqlite3_column_int64(st, 1);
	} else {
		ret = emu_store_error(e, "cannot count runs");
	}
	sqlite3_finalize(st);
	return ret;
}

int emu_runs_load_state(struct emu *e)
{
	return update_pending(e);
}

/* Set a sync's status (and lastRunAt) in its document. */
static int set_sync_status(struct emu *e, int64_t sync_id,
			   const char *status, const char *last_run_at)
{
	json_t *members = json_pack("{s:s}", "status", status);

	if (last_run_at)
		json_object_set_new(members, "lastRunAt",
				    json_string(last_run_at));
	return emu_resource_set_members(e, HT_IDS_SYNC, sync_id, members);
}

/* A run due, as settle_due() reads it. */
struct due_run {
	int64_t id, sync_id, created_ms, due_ms;
	char status[16];
};

/* The runs not settled and due at `now`, oldest due first. */
static int read_due(struct emu *e, int64_t now, struct due_run **out,
		    size_t *nr)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int rc;

	*out = NULL;
	*nr = 0;
	st = emu_store_prepare(e, "SELECT id, sync_id, created_ms, due_ms, "
			       "status FROM runs WHERE settled = 0 AND "
			       "due_ms <= ?1 ORDER BY due_ms, id");
	if (!st)
		return HT_EIO;
	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct due_run *r;

		HT_ALLOC_GROW(*out, *nr + 1, alloc);
		r = &(*out)[(*nr)++];
		r->id = sqlite3_column_int64(st, 0);
		r->sync_id = sqlite3_column_int64(st, 1);
		r->created_ms = sqlite3_column_int64(st, 2);
		r->due_ms = sqlite3_column_int64(st, 3);
		snprintf(r->status, sizeof(r->status), "%s",
			 sqlite3_column_text(st, 4));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return emu_store_error(e, "cannot read runs");
	return 0;
}

/* Settle the runs due at `now`: 1 if there was one, 0 if none. */
static int settle_due(struct emu *e, int64_t now)
{
	struct due_run *due = NULL;
	sqlite3_stmt *up = NULL;
	char when[HT_TIME_LEN];
	size_t i, nr = 0;
	int ret;

	ret = read_due(e, now, &due, &nr);
	up = ret ? NULL : emu_store_prepare(e, "UPDATE runs SET settled = 1 "
					    "WHERE id = ?1");
	if (!ret && !up)
		ret = HT_EIO;
	for (i = 0; !ret && i < nr; i++) {
		ht_time_format(when, due[i].created_ms);
		ret = set_sync_status(e, due[i].sync_id, due[i].status, when);
		if (ret < 0)
			break;
		sqlite3_bind_int64(up, 1, due[i].id);
		if (sqlite3_step(up) != SQLITE_DONE)
			ret = emu_store_error(e, "cannot settle a run");
		sqlite3_reset(up);
		if (!ret)
			ret = emu_sequences_settled(e, due[i].id,
						    due[i].status,
						    due[i].due_ms);
	}
	sqlite3_finalize(up);
	free(due);
	return ret < 0 ? ret : nr > 0;
}

/*
 * Settle every run that is due, and those that a sequence started once
 * an earlier one ended, at the time it ended (which may be due too).
 */
int emu_runs_settle(struct emu *e)
{
	int64_t now = emu_now_ms();
	int ret;

	if (!e->pending_runs || now < e->next_due_ms)
		return 0;
	if ((ret = emu_store_begin(e)) < 0)
		return ret;
	while ((ret = settle_due(e, now)) > 0)
		;
	if (!ret)
		ret = update_pending(e);
	if (!ret)
		ret = emu_store_commit(e);
	if (ret < 0)
		emu_store_rollback(e);
	return ret;
}

/* Check a trigger body's options; `extra` names one more allowed key. */
static void check_trigger_body(const json_t *body, const char *extra1,
			       const char *extra2, json_t *details)
{
	static const char *const flags[] = {
		"fullResync", "resetCDC", "clearAndFill", NULL
	};
	const char *k;
	json_t *v;
	size_t i;

	if (!json_is_object(body)) {
		emu_detail(details, NULL, "the request body must be a JSON "
			   "object, got %s", ht_json_type_name(body));
		return;
	}
	json_object_foreach((json_t *)body, k, v) {
		for (i = 0; flags[i]; i++)
			if (!strcmp(k, flags[i]))
				break;
		if (flags[i]) {
			if (!json_is_boolean(v))
				emu_detail(details, k, "'%s' must be a "
					   "boolean, got %s", k,
					   ht_json_type_name(v));
		} else if ((!extra1 || strcmp(k, extra1)) &&
			   (!extra2 || strcmp(k, extra2))) {
			emu_detail(details, k, "'%s' is an excess property "
				   "and therefore is not allowed", k);
		}
	}
}

/*
 * How a new run of `sync_id` ends: its row of run_outcomes (the admin
 * surface), else the settings' runStatus.  `status` and `error` are
 * copied into the buffers.
 */
static int run_outcome(struct emu *e, int64_t sync_id, char *status,
		       size_t size, struct ht_strbuf *error)
{
	sqlite3_stmt *st = emu_store_prepare(e, "SELECT status, error FROM "
					     "run_outcomes WHERE "
					     "sync_id = ?1");
	int rc;

	if (!st)
		return HT_EIO;
	sqlite3_bind_int64(st, 1, sync_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(status, size, "%s", sqlite3_column_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			ht_strbuf_addstr(error, (const char *)
					 sqlite3_column_text(st, 1));
	} else {
		snprintf(status, size, "%s", e->settings.run_status);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return emu_store_error(e, "cannot read run outcomes");
	if (!strcmp(status, "failed") && !error->len)
		ht_strbuf_addstr(error, "emulated failure");
	return 0;
}

int emu_runs_insert(struct emu *e, int64_t sync_id, int flags,
		    int64_t created, int64_t *id_out)
{
	int64_t id = e->next_run_id, added, changed, removed, failed = 0;
	int64_t due = created + e->settings.run_duration_ms;
	struct ht_strbuf error = HT_STRBUF_INIT;
	int full = !!(flags & EMU_RUN_FULL_RESYNC);
	sqlite3_stmt *st = NULL;
	char status[16];
	uint64_t h;
	int ret;

	ret = run_outcome(e, sync_id, status, sizeof(status), &error);
	if (ret < 0)
		goto cleanup;
	h = mix((uint64_t)sync_id * 1000003u + (uint64_t)id);
	added = full ? 1000 + (int64_t)(h % 9000) : (int64_t)(h % 500);
	changed = full ? 0 : (int64_t)((h >> 16) % 200);
	removed = full ? 0 : (int64_t)((h >> 32) % 50);
	if (flags & EMU_RUN_RESET_CDC)
		added = changed = removed = 0; /* a snapshot, no rows */
	if (!strcmp(status, "warning"))
		failed = added ? 1 + added / 10 : 0;
	else if (!strcmp(status, "failed"))
		failed = added + changed + removed;
	st = emu_store_prepare(e, "INSERT INTO runs (id, sync_id, created_ms, "
			       "due_ms, status, error, full_resync, added, "
			       "changed, removed, failed) VALUES (?1, ?2, ?3, "
			       "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	if (!st) {
		ret = HT_EIO;
		goto cleanup;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, sync_id);
	sqlite3_bind_int64(st, 3, created);
	sqlite3_bind_int64(st, 4, due);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
	if (error.len)
		sqlite3_bind_text(st, 6, error.buf, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, full);
	sqlite3_bind_int64(st, 8, added);
	sqlite3_bind_int64(st, 9, changed);
	sqlite3_bind_int64(st, 10, removed);
	sqlite3_bind_int64(st, 11, failed);
	if (sqlite3_step(st) != SQLITE_DONE) {
		ret = emu_store_error(e, "cannot insert a run");
		goto cleanup;
	}
	e->next_run_id++;
	if ((ret = emu_store_save_meta(e)) < 0 ||
	    (ret = set_sync_status(e, sync_id, "queued", NULL)) < 0)
		goto cleanup;
	if (!e->pending_runs || due < e->next_due_ms)
		e->next_due_ms = due;
	e->pending_runs++;
	*id_out = id;
cleanup:
	sqlite3_finalize(st);
	ht_strbuf_release(&error);
	return ret;
}

/* The options of a trigger's body, as emu_runs_insert() takes them. */
static int run_flags(const json_t *body)
{
	return (json_is_true(json_object_get(body, "fullResync")) ?
		EMU_RUN_FULL_RESYNC : 0) |
	       (json_is_true(json_object_get(body, "resetCDC")) ?
		EMU_RUN_RESET_CDC : 0);
}

static void start_run(struct emu *e, int64_t sync_id, const json_t *body,
		      struct emu_response *resp)
{
	int64_t id;

	if (emu_store_begin(e) < 0)
		goto fail;
	if (emu_runs_insert(e, sync_id, run_flags(body), emu_now_ms(),
			    &id) < 0 ||
	    emu_store_commit(e) < 0) {
		emu_store_rollback(e);
		goto fail;
	}
	resp->status = 200;
	ht_strbuf_reset(&resp->body);
	ht_strbuf_addf(&resp->body, "{\"id\":\"%lld\"}", (long long)id);
	return;
fail:
	emu_respond_failed(resp);
}

static void not_found(struct emu_response *resp, const char *what)
{
	emu_respond_error(resp, 404, "Not Found", "sync %s not found", what);
}

void emu_runs_trigger(struct emu *e, int64_t sync_id, const json_t *body,
		      struct emu_response *resp)
{
	json_t *details = json_object();
	char buf[32];

	check_trigger_body(body, NULL, NULL, details);
	if (json_object_size(details)) {
		emu_respond_invalid(resp, 422, details);
	} else if (!emu_store_exists(e, HT_IDS_SYNC, sync_id)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)sync_id);
		not_found(resp, buf);
	} else {
		start_run(e, sync_id, body, resp);
	}
	json_decref(details);
}

void emu_runs_trigger_custom(struct emu *e, const json_t *body,
			     struct emu_response *resp)
{
	json_t *details = json_object();
	const json_t *id = json_object_get(body, "syncId");
	const json_t *slug = json_object_get(body, "syncSlug");
	int64_t sync_id = 0;
	struct ht_strbuf what = HT_STRBUF_INIT;

	/* the schema's ^[0-9]+$: a number is no string, as tsoa says */
	if (id && (!json_is_string(id) ||
		   emu_parse_int(&sync_id, json_string_value(id), 0,
				 INT64_MAX) < 0)) {
		emu_respond_error(resp, 400, "Bad Request", "'syncId' must be "
				  "a string of digits (^[0-9]+$), got %s",
				  json_is_string(id) ? "other characters" :
				  ht_json_type_name(id));
		goto cleanup;
	}
	check_trigger_body(body, "syncId", "syncSlug", details);
	if (slug && !json_is_string(slug))
		emu_detail(details, "syncSlug", "'syncSlug' must be a string, "
			   "got %s", ht_json_type_name(slug));
	if (json_is_object(body) && !id && !slug)
		emu_detail(details, NULL, "one of 'syncId' or 'syncSlug' is "
			   "required");
	if (json_object_size(details)) {
		emu_respond_invalid(resp, 422, details);
		goto cleanup;
	}
	if (id) {
		ht_strbuf_addf(&what, "%lld", (long long)sync_id);
		if (!emu_store_exists(e, HT_IDS_SYNC, sync_id)) {
			not_found(resp, what.buf);
			goto cleanup;
		}
	} else {
		ht_strbuf_addf(&what, "'%s'", json_string_value(slug));
		if (emu_store_find_slug(e, HT_IDS_SYNC,
					json_string_value(slug), &sync_id)) {
			not_found(resp, what.buf);
			goto cleanup;
		}
	}
	start_run(e, sync_id, body, resp);
cleanup:
	ht_strbuf_release(&what);
	json_decref(details);
}

static json_t *counts(int64_t added, int64_t changed, int64_t removed)
{
	return json_pack("{s:I, s:I, s:I}", "addedCount", (json_int_t)added,
			 "changedCount", (json_int_t)changed, "removedCount",
			 (json_int_t)removed);
}

static json_t *time_or_null(int64_t ms)
{
	char buf[HT_TIME_LEN];

	if (ms < 0)
		return json_null();
	ht_time_format(buf, ms);
	return json_string(buf);
}

const char *emu_run_status_at(int64_t created, int64_t due,
			      const char *final, int64_t now, double *ratio)
{
	int64_t d = due - created, el = now - created;

	*ratio = 0;
	if (now >= due) {
		*ratio = 1;
		return final;
	}
	if (el < d / 4)
		return "queued";
	*ratio = el < d / 2 ? 0 : el < 3 * d / 4 ? 0.5 : 0.9;
	return el < d / 2 ? "querying" : el < 3 * d / 4 ? "processing" :
	       "reporting";
}

/* A run as the API shows it, at time `now`. */
static json_t *render_run(sqlite3_stmt *st, int64_t now)
{
	int64_t id = sqlite3_column_int64(st, 0);
	int64_t created = sqlite3_column_int64(st, 1);
	int64_t due = sqlite3_column_int64(st, 2);
	const char *final = (const char *)sqlite3_column_text(st, 3);
	const char *error = (const char *)sqlite3_column_text(st, 4);
	int64_t added = sqlite3_column_int64(st, 5);
	int64_t changed = sqlite3_column_int64(st, 6);
	int64_t removed = sqlite3_column_int64(st, 7);
	int64_t failed = sqlite3_column_int64(st, 8);
	int64_t d = due - created, el = now - created, started = -1;
	int64_t finished = -1, ok_added = 0, ok_changed = 0, ok_removed = 0;
	const char *status;
	double ratio = 0;
	json_t *run;

	status = emu_run_status_at(created, due, final, now, &ratio);
	if (now >= due) {
		started = created + d / 4;
		finished = due;
		/* cancelled and interrupted runs sent nothing */
		if (!strcmp(final, "success") || !strcmp(final, "warning")) {
			ok_added = added - failed;
			ok_changed = changed;
			ok_removed = removed;
		}
	} else if (el >= d / 4) {
		started = created + d / 4;
	}
	run = json_object();
	json_object_set_new(run, "id", json_integer(id));
	json_object_set_new(run, "createdAt", time_or_null(created));
	json_object_set_new(run, "startedAt", time_or_null(started));
	json_object_set_new(run, "finishedAt", time_or_null(finished));
	json_object_set_new(run, "querySize",
			    json_integer(added + changed + 3 * removed + 17));
	json_object_set_new(run, "status", json_string(status));
	json_object_set_new(run, "completionRatio", json_real(ratio));
	json_object_set_new(run, "plannedRows",
			    counts(added, changed, removed));
	json_object_set_new(run, "successfulRows",
			    counts(ok_added, ok_changed, ok_removed));
	json_object_set_new(run, "failedRows",
			    finished < 0 ? counts(0, 0, 0) :
			    !strcmp(final, "failed") ?
			    counts(added, changed, removed) :
			    counts(failed, 0, 0));
	json_object_set_new(run, "error", error && finished >= 0 ?
			    json_string(error) : json_null());
	return run;
}

static int known_run_param(const char *k)
{
	static const char *const params[] = {
		"runId", "after", "before", "within", "offset", "limit",
		"orderBy", NULL
	};
	size_t i;

	for (i = 0; params[i]; i++)
		if (!strcmp(params[i], k))
			return 1;
	return 0;
}

/* emu_respond_rows()'s item: a row of the runs' SELECT. */
static void run_item(struct ht_strbuf *out, sqlite3_stmt *st, void *payload)
{
	json_t *run = render_run(st, emu_now_ms());

	(void)payload;
	ht_json_dump(out, run);
	json_decref(run);
}

void emu_runs_list(struct emu *e, int64_t sync_id,
		   const struct emu_request *req, struct emu_response *resp)
{
	struct ht_strbuf sql = HT_STRBUF_INIT;
	int64_t offset, limit, run_id = 0, after = 0, before = 0, within = 0;
	int has_after, has_before;
	const char *col = "id", *v;
	sqlite3_stmt *st = NULL;
	char buf[32];
	size_t i;

	for (i = 0; i < req->nargs; i++) {
		if (!known_run_param(req->args[i].key)) {
			emu_respond_error(resp, 400, "Bad Request",
					  "unknown query parameter '%s'",
					  req->args[i].key);
			goto cleanup;
		}
	}
	if (emu_list_paging(req, &offset, &limit, resp) < 0 ||
	    (has_after = emu_time_arg(req, "after", &after, resp)) < 0 ||
	    (has_before = emu_time_arg(req, "before", &before, resp)) < 0)
		goto cleanup;
	if ((v = emu_arg(req, "runId")) &&
	    emu_parse_int(&run_id, v, 1, INT64_MAX) < 0) {
		emu_respond_error(resp, 400, "Bad Request", "'runId' must be "
				  "an id, got '%s'", v);
		goto cleanup;
	}
	if ((v = emu_arg(req, "within")) &&
	    emu_parse_int(&within, v, 1, 1000000000) < 0) {
		emu_respond_error(resp, 400, "Bad Request", "'within' must be "
				  "a positive number of minutes, got '%s'", v);
		goto cleanup;
	}
	if ((v = emu_arg(req, "orderBy"))) {
		if (!strcmp(v, "id"))
			col = "id";
		else if (!strcmp(v, "createdAt") || !strcmp(v, "startedAt"))
			col = "created_ms";
		else if (!strcmp(v, "finishedAt"))
			col = "due_ms";
		else {
			emu_respond_error(resp, 400, "Bad Request", "'orderBy' "
					  "must be one of id, createdAt, "
					  "startedAt, finishedAt; got '%s'",
					  v);
			goto cleanup;
		}
	}
	if (!emu_store_exists(e, HT_IDS_SYNC, sync_id)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)sync_id);
		not_found(resp, buf);
		goto cleanup;
	}
	ht_strbuf_addstr(&sql, "SELECT id, created_ms, due_ms, status, error, "
			 "added, changed, removed, failed FROM runs WHERE "
			 "sync_id = ?1");
	if (run_id)
		ht_strbuf_addstr(&sql, " AND id = ?2");
	if (has_after)
		ht_strbuf_addstr(&sql, " AND created_ms > ?3");
	if (has_before)
		ht_strbuf_addstr(&sql, " AND created_ms < ?4");
	if (within)
		ht_strbuf_addstr(&sql, " AND created_ms >= ?5");
	emu_order_by(&sql, col, e->settings.order);
	ht_strbuf_addstr(&sql, " LIMIT ?6 OFFSET ?7");
	if (!(st = emu_store_prepare(e, sql.buf)))
		goto fail;
	sqlite3_bind_int64(st, 1, sync_id);
	sqlite3_bind_int64(st, 2, run_id);
	sqlite3_bind_int64(st, 3, after);
	sqlite3_bind_int64(st, 4, before);
	sqlite3_bind_int64(st, 5, emu_now_ms() - within * 60000);
	sqlite3_bind_int64(st, 6, limit + 1);
	sqlite3_bind_int64(st, 7, offset);
	emu_respond_rows(e, st, limit, run_item, NULL, "cannot list runs",
			 resp);
	goto cleanup;
fail:
	emu_respond_failed(resp);
cleanup:
	sqlite3_finalize(st);
	ht_strbuf_release(&sql);
}
