/*
 * The admin surface, /_emulator/..., with its own bearer key: what tests
 * and benchmarks need that the real API does not offer.  Requests here
 * are not rate-limited, not logged and not subject to faults.
 *
 *   GET    /_emulator                      workspace, settings, counts
 *   GET    /_emulator/settings             POST to change them
 *   POST   /_emulator/seed                 replace the workspace
 *   GET    /_emulator/export               the workspace as a seed
 *   POST   /_emulator/reset                empty workspace, log, faults
 *   GET    /_emulator/requests[?since=N]   request log and counters
 *   DELETE /_emulator/requests             reset them
 *   GET    /_emulator/faults               POST to add, DELETE to clear
 *   GET    /_emulator/sync-sequences      POST to add one
 *   GET    /_emulator/run-outcomes        POST to set how a sync's next
 *                                         runs end, DELETE to clear
 *   *      /_emulator/resources/<path>[/ID]
 *          "as in the UI": POST creates, PATCH updates (any field but
 *          the id, immutable ones included), DELETE deletes
 *          (?cascade=true), GET lists or gets without touching the log
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

/* orderDirection, by enum emu_order. */
static const char *const order_names[] = { "asc", "desc", "none", NULL };

static const char *const run_statuses[] = {
	"success", "warning", "failed", "cancelled", "interrupted", NULL
};

static json_t *parse_body(const struct emu_request *req,
			  struct emu_response *resp)
{
	return emu_parse_body(req, EMU_ADMIN_BODY_MAX, "admin request bodies",
			      0, resp);
}

static int64_t count_rows(struct emu *e, enum ht_kind kind)
{
	sqlite3_stmt *st;
	int64_t n = 0;

	if (kind != HT_KIND_MODEL && ht_kind_is_model(kind))
		st = emu_store_prepare(e, "SELECT count(*) FROM resources "
				       "WHERE tbl = ?1 AND kind = ?2");
	else
		st = emu_store_prepare(e, "SELECT count(*) FROM resources "
				       "WHERE tbl = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, ht_kind_ids(kind));
	sqlite3_bind_int(st, 2, kind);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static json_t *counts_json(struct emu *e)
{
	json_t *c = json_object();
	size_t i;

	for (i = 0; i < emu_nkinds; i++)
		json_object_set_new(c, emu_kind_seed_key(emu_kinds[i]),
				    json_integer(count_rows(e,
							    emu_kinds[i])));
	return c;
}

static json_t *settings_json(struct emu *e)
{
	char rate[64];

	if (e->settings.rate_limit)
		snprintf(rate, sizeof(rate), "%d/%d", e->settings.rate_limit,
			 e->settings.rate_window_ms / 1000);
	else
		snprintf(rate, sizeof(rate), "off");
	return json_pack("{s:s, s:i, s:s, s:i, s:s}", "rateLimit", rate,
			 "latencyMs", e->settings.latency_ms,
			 "orderDirection", order_names[e->settings.order],
			 "runDurationMs", e->settings.run_duration_ms,
			 "runStatus", e->settings.run_status);
}

static int int_setting(const json_t *body, const char *key, int max,
		       int *out, json_t *details)
{
	const json_t *v = json_object_get(body, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max) {
		emu_detail(details, key, "'%s' must be an integer from 0 to "
			   "%d", key, max);
		return -1;
	}
	*out = (int)json_integer_value(v);
	return 0;
}

static void change_settings(struct emu *e, const json_t *body,
			    struct emu_response *resp)
{
	struct emu_settings s = e->settings;
	json_t *details = json_object(), *out;
	const char *rate = NULL, *dir, *status, *k;
	json_t *v;
	size_t i;

	if (!json_is_object(body))
		emu_detail(details, NULL, "the settings must be a JSON object");
	json_object_foreach((json_t *)body, k, v) {
		if (strcmp(k, "rateLimit") && strcmp(k, "latencyMs") &&
		    strcmp(k, "orderDirection") &&
		    strcmp(k, "runDurationMs") && strcmp(k, "runStatus"))
			emu_detail(details, k, "'%s' is not a setting", k);
	}
	if ((v = json_object_get(body, "rateLimit"))) {
		if (!json_is_string(v))
			emu_detail(details, "rateLimit", "'rateLimit' must be "
				   "'REQUESTS/SECONDS' or 'off'");
		else
			rate = json_string_value(v);
	}
	int_setting(body, "latencyMs", 600000, &s.latency_ms, details);
	int_setting(body, "runDurationMs", 3600000, &s.run_duration_ms,
		    details);
	if ((v = json_object_get(body, "orderDirection"))) {
		dir = json_string_value(v);
		for (i = 0; dir && order_names[i]; i++)
			if (!strcmp(dir, order_names[i]))
				break;
		if (!dir || !order_names[i])
			emu_detail(details, "orderDirection", "'orderDirection'"
				   " must be 'asc', 'desc' or 'none'");
		else
			s.order = (enum emu_order)i;
	}
	if ((v = json_object_get(body, "runStatus"))) {
		status = json_string_value(v);
		for (i = 0; status && run_statuses[i]; i++)
			if (!strcmp(run_statuses[i], status))
				break;
		if (!status || !run_statuses[i])
			emu_detail(details, "runStatus", "'runStatus' must be "
				   "a terminal run status");
		else
			snprintf(s.run_status, sizeof(s.run_status), "%s",
				 status);
	}
	if (!json_object_size(details) && rate) {
		int rl = e->settings.rate_limit;
		int rw = e->settings.rate_window_ms;

		if (emu_settings_set_rate(e, rate) < 0)
			emu_detail(details, "rateLimit", "%s",
				   ht_error_message());
		s.rate_limit = e->settings.rate_limit;
		s.rate_window_ms = e->settings.rate_window_ms;
		if (json_object_size(details)) {
			s.rate_limit = rl;
			s.rate_window_ms = rw;
		}
	}
	if (json_object_size(details)) {
		emu_respond_invalid(resp, 422, details);
		goto cleanup;
	}
	e->settings = s;
	out = settings_json(e);
	emu_respond_json(resp, 200, out);
	json_decref(out);
cleanup:
	json_decref(details);
}

/*
 * Seeds
 */

struct seed_item {
	enum ht_kind kind;
	enum ht_ids tbl;
	int64_t id;
	json_t *state;
	const char *slug; /* borrowed from `state` */
	char path[64];
};

struct seed {
	struct seed_item *items;
	size_t nr, alloc;
	/* per table, pointers sorted by id */
	struct seed_item **by_tbl[HT_IDS__COUNT];
	size_t nby[HT_IDS__COUNT];
};

static int cmp_id(const void *a, const void *b)
{
	const struct seed_item *x = *(struct seed_item *const *)a;
	const struct seed_item *y = *(struct seed_item *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_slug(const void *a, const void *b)
{
	const struct seed_item *x = *(struct seed_item *const *)a;
	const struct seed_item *y = *(struct seed_item *const *)b;
	int c = strcmp(x->slug, y->slug);

	return c ? c : cmp_id(a, b);
}

static struct seed_item *seed_find(struct seed *sd, enum ht_ids tbl,
				   int64_t id)
{
	struct seed_item key, *kp = &key, **hit;

	key.id = id;
	hit = bsearch(&kp, sd->by_tbl[tbl], sd->nby[tbl], sizeof(kp),
		      cmp_id);
	return hit ? *hit : NULL;
}

static void seed_release(struct seed *sd)
{
	size_t i;

	for (i = 0; i < sd->nr; i++)
		json_decref(sd->items[i].state);
	free(sd->items);
	for (i = 0; i < HT_IDS__COUNT; i++)
		free(sd->by_tbl[i]);
}

static int is_seed_key(const char *k)
{
	size_t i;

	if (!strcmp(k, "workspaceId") || !strcmp(k, "syncSequences"))
		return 1;
	for (i = 0; i < emu_nkinds; i++)
		if (!strcmp(k, emu_kind_seed_key(emu_kinds[i])))
			return 1;
	return 0;
}

/* Read and check every resource of the seed into `sd`. */
static void seed_read(struct seed *sd, const json_t *seed, json_t *details)
{
	const char *k;
	json_t *v;
	size_t i, j;

	json_object_foreach((json_t *)seed, k, v) {
		if (!is_seed_key(k))
			emu_detail(details, k, "'%s' is not a part of a seed",
				   k);
	}
	v = json_object_get(seed, "workspaceId");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1))
		emu_detail(details, "workspaceId", "'workspaceId' must be a "
			   "positive integer");
	for (i = 0; i < emu_nkinds; i++) {
		enum ht_kind kind = emu_kinds[i];
		const char *key = emu_kind_seed_key(kind);
		const json_t *arr = json_object_get(seed, key);

		if (!arr)
			continue;
		if (!json_is_array(arr)) {
			emu_detail(details, key, "'%s' must be an array", key);
			continue;
		}
		for (j = 0; j < json_array_size(arr); j++) {
			const json_t *src = json_array_get(arr, j);
			struct seed_item *it;
			size_t before = json_object_size(details);
			char path[64];

			snprintf(path, sizeof(path), "%s[%zu]", key, j);
			emu_fields_check(kind, EMU_OP_SEED, src, path,
					 details);
			if (json_object_size(details) != before)
				continue;
			HT_ALLOC_GROW(sd->items, sd->nr + 1, sd->alloc);
			it = &sd->items[sd->nr++];
			memset(it, 0, sizeof(*it));
			it->kind = kind;
			it->tbl = ht_kind_ids(kind);
			it->state = json_object();
			snprintf(it->path, sizeof(it->path), "%s", path);
			emu_fields_apply(kind, EMU_OP_SEED, src, it->state);
			emu_fields_check_state(kind, it->state, path, details);
			if (ht_json_get_id(&it->id, it->state, "id") < 0)
				it->id = 0;
			it->slug = ht_json_get_string(it->state, "slug");
		}
	}
}

/* Ids for those without, then the per-table indexes; check uniqueness. */
static void seed_index(struct seed *sd, json_t *details)
{
	int64_t max[HT_IDS__COUNT] = { 0 };
	struct seed_item **by_slug;
	size_t i, t;

	for (i = 0; i < sd->nr; i++)
		if (sd->items[i].id > max[sd->items[i].tbl])
			max[sd->items[i].tbl] = sd->items[i].id;
	for (i = 0; i < sd->nr; i++) {
		struct seed_item *it = &sd->items[i];

		if (!it->id) {
			it->id = ++max[it->tbl];
			json_object_set_new(it->state, "id",
					    json_integer(it->id));
		}
		sd->nby[it->tbl]++;
	}
	for (t = 0; t < HT_IDS__COUNT; t++) {
		sd->by_tbl[t] = ht_xcalloc(sd->nby[t] + 1,
					   sizeof(*sd->by_tbl[t]));
		sd->nby[t] = 0;
	}
	for (i = 0; i < sd->nr; i++) {
		struct seed_item *it = &sd->items[i];

		sd->by_tbl[it->tbl][sd->nby[it->tbl]++] = it;
	}
	for (t = 0; t < HT_IDS__COUNT; t++) {
		size_t n = sd->nby[t];

		qsort(sd->by_tbl[t], n, sizeof(*sd->by_tbl[t]), cmp_id);
		for (i = 1; i < n; i++)
			if (sd->by_tbl[t][i]->id == sd->by_tbl[t][i - 1]->id)
				emu_detail(details, sd->by_tbl[t][i]->path,
					   "id %lld is used twice",
					   (long long)sd->by_tbl[t][i]->id);
		if (!n)
			continue;
		by_slug = ht_xmalloc(ht_st_mult(n, sizeof(*by_slug)));
		memcpy(by_slug, sd->by_tbl[t], n * sizeof(*by_slug));
		qsort(by_slug, n, sizeof(*by_slug), cmp_slug);
		for (i = 1; i < n; i++)
			if (!strcmp(by_slug[i]->slug, by_slug[i - 1]->slug))
				emu_detail(details, by_slug[i]->path,
					   "slug '%s' is used twice",
					   by_slug[i]->slug);
		free(by_slug);
	}
}

static void seed_check_refs(struct seed *sd, json_t *details)
{
	struct emu_ref refs[8];
	size_t i, j, n;

	for (i = 0; i < sd->nr; i++) {
		struct seed_item *it = &sd->items[i];

		n = emu_fields_refs(it->kind, it->state, refs, 8);
		for (j = 0; j < n; j++) {
			struct ht_strbuf p = HT_STRBUF_INIT;

			if (seed_find(sd, ht_kind_ids(refs[j].kind),
				      refs[j].id))
				continue;
			ht_strbuf_addf(&p, "%s.%s", it->path, refs[j].field);
			emu_detail(details, p.buf, "%s %lld does not exist in "
				   "the seed", ht_kind_info(refs[j].kind)->name,
				   (long long)refs[j].id);
			ht_strbuf_release(&p);
		}
	}
}

static int seed_has_sync(int64_t id, void *payload)
{
	return seed_find(payload, HT_IDS_SYNC, id) != NULL;
}

/* The seed's sync sequences: their syncs are the seed's. */
static void seed_check_sequences(struct seed *sd, const json_t *seed,
				 json_t *details)
{
	const json_t *seqs = json_object_get(seed, "syncSequences"), *q;
	char path[64];
	size_t i, j;

	if (seqs && !json_is_array(seqs)) {
		emu_detail(details, "syncSequences", "'syncSequences' must be "
			   "an array");
		return;
	}
	json_array_foreach(seqs, i, q) {
		snprintf(path, sizeof(path), "syncSequences[%zu]", i);
		emu_sequence_check(q, path, seed_has_sync, sd, details);
		for (j = 0; j < i; j++)
			if (ht_json_get_string(q, "id") &&
			    ht_json_get_string(json_array_get(seqs, j), "id") &&
			    !strcmp(ht_json_get_string(q, "id"),
				    ht_json_get_string(json_array_get(seqs, j),
						       "id")))
				emu_detail(details, path, "sync sequence '%s' "
					   "is given twice",
					   ht_json_get_string(q, "id"));
	}
}

/* The `syncs` arrays of models and destinations, and syncs' keys. */
static void seed_links(struct seed *sd)
{
	size_t i;

	for (i = 0; i < sd->nby[HT_IDS_SYNC]; i++) {
		struct seed_item *s = sd->by_tbl[HT_IDS_SYNC][i];
		struct seed_item *m, *d;
		int64_t mid = 0, did = 0;
		json_t *a, *pk;

		ht_json_get_id(&mid, s->state, "modelId");
		ht_json_get_id(&did, s->state, "destinationId");
		m = seed_find(sd, HT_IDS_MODEL, mid);
		d = seed_find(sd, HT_IDS_DESTINATION, did);
		if (m) {
			if (!(a = json_object_get(m->state, "syncs"))) {
				a = json_array();
				json_object_set_new(m->state, "syncs", a);
			}
			json_array_append_new(a, json_integer(s->id));
			pk = json_object_get(m->state, "primaryKey");
			if (!json_object_get(s->state, "primaryKey"))
				json_object_set(s->state, "primaryKey",
						pk ? pk : json_null());
		}
		if (d) {
			if (!(a = json_object_get(d->state, "syncs"))) {
				a = json_array();
				json_object_set_new(d->state, "syncs", a);
			}
			json_array_append_new(a, json_integer(s->id));
		}
	}
}

static int64_t time_of(const json_t *state, const char *key)
{
	int64_t ms;

	if (emu_parse_time(&ms, ht_json_get_string(state, key)) < 0)
		return 0;
	return ms;
}

static int seed_write(struct emu *e, struct seed *sd, int64_t workspace_id,
		      const json_t *sequences)
{
	const json_t *q;
	int64_t latest = e->clock_ms, ms;
	char buf[HT_TIME_LEN];
	size_t i, t;
	int ret;

	for (i = 0; i < sd->nr; i++) {
		if ((ms = time_of(sd->items[i].state, "createdAt")) > latest)
			latest = ms;
		if ((ms = time_of(sd->items[i].state, "updatedAt")) > latest)
			latest = ms;
	}
	if ((ret = emu_store_begin(e)) < 0)
		return ret;
	if ((ret = emu_store_clear(e)) < 0)
		goto fail;
	e->clock_ms = latest;
	if (workspace_id)
		e->workspace_id = workspace_id;
	for (t = 0; t < HT_IDS__COUNT; t++)
		e->next_id[t] = 1;
	for (i = 0; i < sd->nr; i++) {
		struct seed_item *it = &sd->items[i];
		struct emu_row row = { 0 };
		const char *c = ht_json_get_string(it->state, "createdAt");
		const char *u = ht_json_get_string(it->state, "updatedAt");

		if (!c && !u) {
			if ((ret = emu_store_tick(e, &ms)) < 0)
				goto fail;
			ht_time_format(buf, ms);
			json_object_set_new(it->state, "createdAt",
					    json_string(buf));
			json_object_set_new(it->state, "updatedAt",
					    json_string(buf));
		} else if (!c) {
			json_object_set_new(it->state, "createdAt",
					    json_string(u));
		} else if (!u) {
			json_object_set_new(it->state, "updatedAt",
					    json_string(c));
		}
		if (it->tbl != HT_IDS_RELATIONSHIP)
			json_object_set_new(it->state, "workspaceId",
					    json_integer(e->workspace_id));
		emu_fields_defaults(it->kind, it->state);
		emu_row_from_state(&row, it->kind, it->state);
		ret = emu_store_insert(e, &row);
		emu_row_release(&row);
		if (ret < 0)
			goto fail;
		if (it->id >= e->next_id[it->tbl])
			e->next_id[it->tbl] = it->id + 1;
	}
	json_array_foreach(sequences, i, q) {
		if ((ret = emu_sequence_insert(e, q)) < 0)
			goto fail;
	}
	if ((ret = emu_store_save_meta(e)) < 0 ||
	    (ret = emu_store_commit(e)) < 0)
		goto fail;
	e->pending_runs = 0;
	return 0;
fail:
	emu_store_rollback(e);
	return ret;
}

int emu_seed_load(struct emu *e, const json_t *seed, json_t *details)
{
	struct seed sd;
	int ret = 0;

	memset(&sd, 0, sizeof(sd));
	if (!json_is_object(seed)) {
		emu_detail(details, NULL, "a seed must be a JSON object, got "
			   "%s", ht_json_type_name(seed));
		ret = HT_EINVALID;
		goto cleanup;
	}
	seed_read(&sd, seed, details);
	if (!json_object_size(details))
		seed_index(&sd, details);
	if (!json_object_size(details))
		seed_check_refs(&sd, details);
	if (!json_object_size(details))
		seed_check_sequences(&sd, seed, details);
	if (json_object_size(details)) {
		ret = HT_EINVALID;
		goto cleanup;
	}
	seed_links(&sd);
	ret = seed_write(e, &sd, json_integer_value(json_object_get(
				 seed, "workspaceId")),
			 json_object_get(seed, "syncSequences"));
	if (ret < 0)
		ret = ht_error_set(ret, "cannot write the seed: %s",
				   ht_error_message());
cleanup:
	seed_release(&sd);
	return ret;
}

int emu_seed_load_file(struct emu *e, const char *path)
{
	struct ht_strbuf buf = HT_STRBUF_INIT;
	json_t *seed = NULL, *details = json_object();
	const char *k;
	json_t *v;
	int ret;

	if ((ret = ht_strbuf_read_file(&buf, path, EMU_ADMIN_BODY_MAX)) < 0)
		goto cleanup;
	if ((ret = ht_json_parse(&seed, buf.buf, buf.len, EMU_ADMIN_BODY_MAX,
				 path)) < 0)
		goto cleanup;
	ret = emu_seed_load(e, seed, details);
	if (ret == HT_EINVALID && json_object_size(details)) {
		json_object_foreach(details, k, v) {
			ret = ht_error_set(HT_EINVALID, "invalid seed '%s': "
					   "%s: %s%s", path, k,
					   ht_json_get_string(v, "message"),
					   json_object_size(details) > 1 ?
					   " (and more)" : "");
			break;
		}
	}
cleanup:
	json_decref(seed);
	json_decref(details);
	ht_strbuf_release(&buf);
	return ret;
}

int emu_export(struct emu *e, struct ht_strbuf *out)
{
	sqlite3_stmt *st = NULL;
	json_t *seqs = NULL;
	size_t i;
	int rc, ret = 0, n;

	ht_strbuf_addf(out, "{\"workspaceId\":%lld",
		       (long long)e->workspace_id);
	st = emu_store_prepare(e, "SELECT doc, ext FROM resources WHERE "
			       "tbl = ?1 AND kind = ?2 ORDER BY id");
	if (!st)
		return HT_EIO;
	for (i = 0; i < emu_nkinds; i++) {
		enum ht_kind kind = emu_kinds[i];

		ht_strbuf_addf(out, ",\"%s\":[", emu_kind_seed_key(kind));
		sqlite3_bind_int(st, 1, ht_kind_ids(kind));
		sqlite3_bind_int(st, 2, kind);
		n = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			emu_row_output_stmt(out, st, 1, n++);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			ret = emu_store_error(e, "cannot export");
			break;
		}
		ht_strbuf_addch(out, ']');
	}
	sqlite3_finalize(st);
	if (!ret)
		ret = emu_sequences_json(e, &seqs);
	if (!ret && json_array_size(seqs)) {
		ht_strbuf_addstr(out, ",\"syncSequences\":");
		ret = ht_json_dump(out, seqs);
	}
	json_decref(seqs);
	ht_strbuf_addch(out, '}');
	return ret;
}

/*
 * Routes
 */

static void respond_info(struct emu *e, struct emu_response *resp)
{
	json_t *out = json_pack("{s:s, s:I, s:o, s:o}", "workspace",
				e->workspace, "workspaceId",
				(json_int_t)e->workspace_id, "settings",
				settings_json(e), "counts", counts_json(e));

	emu_respond_json(resp, 200, out);
	json_decref(out);
}

static void resources(struct emu *e, struct emu_request *req,
		      const char *rest, struct emu_response *resp)
{
	const char *m = req->method, *v;
	enum ht_kind kind = HT_KIND__COUNT;
	int64_t id = 0;
	json_t *body;
	size_t i, len = 0;

	for (i = 0; i < emu_nkinds; i++) {
		const char *p = emu_kind_api_path(emu_kinds[i]);

		len = strlen(p);
		if (!strncmp(rest, p, len) &&
		    (!rest[len] || rest[len] == '/')) {
			kind = emu_kinds[i];
			break;
		}
	}
	if (kind == HT_KIND__COUNT)
		goto not_found;
	rest += len;
	if (*rest) {
		if (*rest != '/' || emu_parse_int(&id, rest + 1, 1,
						  INT64_MAX) < 0)
			goto not_found;
	}
	if (!id && !strcmp(m, "GET")) {
		emu_resource_list(e, kind, req, resp);
		return;
	}
	if (id && !strcmp(m, "GET")) {
		emu_resource_get(e, kind, id, resp);
		return;
	}
	if (id && !strcmp(m, "DELETE")) {
		v = emu_arg(req, "cascade");
		emu_resource_delete(e, kind, id, v && !strcmp(v, "true"),
				    resp);
		return;
	}
	if ((!id && !strcmp(m, "POST")) || (id && !strcmp(m, "PATCH"))) {
		if (!(body = parse_body(req, resp)))
			return;
		if (id)
			emu_resource_update(e, kind, id, EMU_OP_UI_UPDATE,
					    body, resp);
		else
			emu_resource_create(e, kind, EMU_OP_UI_CREATE, body,
					    resp);
		json_decref(body);
		return;
	}
not_found:
	emu_respond_error(resp, 404, "Not Found", "Cannot %s %s", m,
			  req->path);
}

void emu_admin_handle(struct emu *e, struct emu_request *req,
		      struct emu_response *resp)
{
	const char *rest = req->path + strlen(EMU_ADMIN_PREFIX);
	const char *m = req->method, *why, *v;
	json_t *body = NULL, *out = NULL, *details = NULL;
	int64_t n = 0;

	if (!e->admin_key) {
		emu_respond_error(resp, 404, "Not Found", "the admin surface "
				  "is off: start hightouch-emulator with an "
				  "admin key");
		return;
	}
	if (emu_check_bearer(req->authorization, e->admin_key, &why) < 0) {
		emu_respond_error(resp, 401, "Authentication error", "%s", why);
		return;
	}
	if (emu_runs_settle(e) < 0) {
		emu_respond_failed(resp);
		return;
	}
	if (!strncmp(rest, "/resources/", 11)) {
		resources(e, req, rest + 10, resp);
		return;
	}
	if (!strncmp(rest, "/sync-sequences", 15) &&
	    (!rest[15] || rest[15] == '/')) {
		emu_sequences_admin(e, req, rest + 15, resp);
		return;
	}
	if (!strcmp(rest, "/run-outcomes")) {
		emu_outcomes_admin(e, req, resp);
		return;
	}
	if ((!*rest || !strcmp(rest, "/")) && !strcmp(m, "GET")) {
		respond_info(e, resp);
	} else if (!strcmp(rest, "/settings") && !strcmp(m, "GET")) {
		out = settings_json(e);
		emu_respond_json(resp, 200, out);
	} else if (!strcmp(rest, "/settings") &&
		   (!strcmp(m, "POST") || !strcmp(m, "PATCH"))) {
		if ((body = parse_body(req, resp)))
			change_settings(e, body, resp);
	} else if (!strcmp(rest, "/seed") && !strcmp(m, "POST")) {
		if (!(body = parse_body(req, resp)))
			return;
		details = json_object();
		if (emu_seed_load(e, body, details) < 0) {
			if (json_object_size(details))
				emu_respond_invalid(resp, 422, details);
			else
				emu_respond_failed(resp);
		} else {
			out = json_pack("{s:o}", "counts", counts_json(e));
			emu_respond_json(resp, 200, out);
		}
	} else if (!strcmp(rest, "/export") && !strcmp(m, "GET")) {
		resp->status = 200;
		ht_strbuf_reset(&resp->body);
		if (emu_export(e, &resp->body) < 0)
			emu_respond_failed(resp);
	} else if (!strcmp(rest, "/reset") && !strcmp(m, "POST")) {
		if (emu_store_begin(e) < 0 || emu_store_clear(e) < 0 ||
		    emu_store_commit(e) < 0) {
			emu_store_rollback(e);
			emu_respond_failed(resp);
			return;
		}
		emu_log_reset(e);
		emu_faults_clear(e);
		if (e->rl_times) {
			char rate[64];

			snprintf(rate, sizeof(rate), "%d/%d",
				 e->settings.rate_limit,
				 e->settings.rate_window_ms / 1000);
			emu_settings_set_rate(e, rate);
		}
		emu_respond(resp, 200, "{\"reset\":true}");
	} else if (!strcmp(rest, "/requests") && !strcmp(m, "GET")) {
		if ((v = emu_arg(req, "since")) &&
		    emu_parse_int(&n, v, 0, INT64_MAX) < 0) {
			emu_respond_error(resp, 400, "Bad Request", "'since' "
					  "must be a sequence number");
			return;
		}
		out = json_object();
		emu_log_json(e, n, out);
		emu_respond_json(resp, 200, out);
	} else if (!strcmp(rest, "/requests") && !strcmp(m, "DELETE")) {
		emu_log_reset(e);
		emu_respond(resp, 200, "{\"requests\":[],\"routes\":[]}");
	} else if (!strcmp(rest, "/faults") && !strcmp(m, "GET")) {
		out = json_pack("{s:o}", "faults", emu_faults_json(e));
		emu_respond_json(resp, 200, out);
	} else if (!strcmp(rest, "/faults") && !strcmp(m, "POST")) {
		if (!(body = parse_body(req, resp)))
			return;
		details = json_object();
		if (emu_fault_add(e, body, details, &n) < 0) {
			emu_respond_invalid(resp, 422, details);
		} else {
			out = json_pack("{s:I}", "id", (json_int_t)n);
			emu_respond_json(resp, 200, out);
		}
	} else if (!strcmp(rest, "/faults") && !strcmp(m, "DELETE")) {
		emu_faults_clear(e);
		emu_respond(resp, 200, "{\"faults\":[]}");
	} else {
		emu_respond_error(resp, 404, "Not Found", "Cannot %s %s", m,
				  req->path);
	}
	json_decref(body);
	json_decref(out);
	json_decref(details);
}
