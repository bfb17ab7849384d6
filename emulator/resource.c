/*
 * Resources: create, update, delete, get and list, for the public API,
 * the admin surface ("as in the UI") and, through emu_row_from_state(),
 * seeds.  The caller holds emu->lock.
 *
 * A resource's state is a JSON object holding every field, extension
 * members included; fields.c checks changes to it and renders it into the
 * row's `doc` (what /models shows) and `ext` (the extension members that
 * /schema/... adds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"

#include "emulator.h"

#define MAX_REFS 8

static const char default_actor_name[] = "Hightouch User";
static const char default_actor_email[] = "user@example.com";

int emu_kind_matches(enum ht_kind endpoint, enum ht_kind row_kind)
{
	if (endpoint == HT_KIND_MODEL)
		return ht_kind_is_model(row_kind);
	return endpoint == row_kind;
}

void emu_row_output(struct ht_strbuf *out, const struct emu_row *row,
		    int with_ext)
{
	size_t len = strlen(row->doc);

	if (!with_ext || !row->ext || strlen(row->ext) < 3 || len < 2) {
		ht_strbuf_add(out, row->doc, len);
		return;
	}
	/* {"a":1} + {"b":2} -> {"a":1,"b":2} */
	ht_strbuf_add(out, row->doc, len - 1);
	ht_strbuf_addch(out, ',');
	ht_strbuf_addstr(out, row->ext + 1);
}

/* Does `kind`'s endpoint show the extension members? */
static int shows_ext(enum ht_kind kind)
{
	return kind != HT_KIND_MODEL && ht_kind_is_model(kind);
}

void emu_row_output_stmt(struct ht_strbuf *out, sqlite3_stmt *st,
			 int with_ext, int64_t nr)
{
	struct emu_row row = { 0 };

	row.doc = (char *)sqlite3_column_text(st, 0);
	row.ext = (char *)sqlite3_column_text(st, 1);
	if (nr)
		ht_strbuf_addch(out, ',');
	emu_row_output(out, &row, with_ext);
}

/* emu_respond_rows()'s item: a row of "SELECT doc, ext". */
static void row_item(struct ht_strbuf *out, sqlite3_stmt *st, void *payload)
{
	emu_row_output_stmt(out, st, shows_ext(*(enum ht_kind *)payload), 0);
}

static void respond_row(struct emu_response *resp, const struct emu_row *row,
			enum ht_kind endpoint)
{
	resp->status = 200;
	ht_strbuf_reset(&resp->body);
	emu_row_output(&resp->body, row, shows_ext(endpoint));
}

static int64_t get_int(const json_t *state, const char *key)
{
	int64_t v;

	return ht_json_get_id(&v, state, key) < 0 ? 0 : v;
}

void emu_row_from_state(struct emu_row *row, enum ht_kind kind,
			const json_t *state)
{
	struct ht_strbuf doc, ext = HT_STRBUF_INIT;
	const char *s;

	ht_strbuf_init(&doc, 2048);
	emu_row_release(row);
	row->tbl = ht_kind_ids(kind);
	row->kind = kind;
	row->id = get_int(state, "id");
	s = ht_json_get_string(state, "slug");
	row->slug = ht_xstrdup(s ? s : "");
	s = ht_json_get_string(state, "name");
	row->name = s ? ht_xstrdup(s) : NULL;
	s = ht_json_get_string(state, "createdAt");
	snprintf(row->created_at, HT_TIME_LEN, "%s", s ? s : "");
	s = ht_json_get_string(state, "updatedAt");
	snprintf(row->updated_at, HT_TIME_LEN, "%s", s ? s : "");
	switch (row->tbl) {
	case HT_IDS_MODEL:
		row->ref1 = get_int(state, "sourceId");
		break;
	case HT_IDS_SYNC:
		row->ref1 = get_int(state, "modelId");
		row->ref2 = get_int(state, "destinationId");
		s = ht_json_get_string(state, "lastRunAt");
		row->last_run_at = s ? ht_xstrdup(s) : NULL;
		break;
	case HT_IDS_RELATIONSHIP:
		row->ref1 = get_int(state, "fromModelId");
		row->ref2 = get_int(state, "toModelId");
		break;
	default:
		break;
	}
	emu_fields_render(kind, state, &doc, &ext);
	row->doc = ht_strbuf_detach(&doc, NULL);
	row->ext = ext.len ? ht_strbuf_detach(&ext, NULL) : NULL;
	ht_strbuf_release(&ext);
}

/* A row's state: its document with the extension members merged in. */
static json_t *state_of(const struct emu_row *row)
{
	json_t *state = emu_json_load(row->doc), *ext;

	if (!state)
		state = json_object();
	if (row->ext && (ext = emu_json_load(row->ext))) {
		json_object_update(state, ext);
		json_decref(ext);
	}
	return state;
}

/* 422 details for references to resources that do not exist. */
static void check_refs(struct emu *e, enum ht_kind kind, const json_t *state,
		       json_t *details)
{
	struct emu_ref refs[MAX_REFS];
	size_t n = emu_fields_refs(kind, state, refs, MAX_REFS), i;

	for (i = 0; i < n; i++) {
		enum ht_ids tbl = ht_kind_ids(refs[i].kind);

		if (!emu_store_exists(e, tbl, refs[i].id))
			emu_detail(details, refs[i].field,
				   "%s %lld does not exist", ht_ids_name(tbl),
				   (long long)refs[i].id);
	}
}

static void set_actor(json_t *state, enum emu_op op, const json_t *body)
{
	const json_t *actor = json_object_get(body, "lastModifiedBy");

	if (op == EMU_OP_CREATE || op == EMU_OP_UPDATE) {
		json_object_del(state, "lastModifiedBy");
		return;
	}
	if (op == EMU_OP_SEED || (actor && !json_is_null(actor)))
		return;
	if (json_is_null(actor)) {
		json_object_del(state, "lastModifiedBy");
		return;
	}
	json_object_set_new(state, "lastModifiedBy",
			    json_pack("{s:s, s:s}", "name", default_actor_name,
				      "email", default_actor_email));
}

static void set_time(json_t *state, const char *key, int64_t ms)
{
	char buf[HT_TIME_LEN];

	ht_time_format(buf, ms);
	json_object_set_new(state, key, json_string(buf));
}

/* A new sync takes its model's primary key. */
static int sync_primary_key(struct emu *e, json_t *state)
{
	struct emu_row model = { 0 };
	json_t *mstate = NULL, *pk;
	int ret;

	if (json_object_get(state, "primaryKey"))
		return 0;
	ret = emu_store_get(e, HT_IDS_MODEL, get_int(state, "modelId"),
			    &model);
	if (ret < 0)
		return ret;
	mstate = state_of(&model);
	pk = json_object_get(mstate, "primaryKey");
	json_object_set(state, "primaryKey", pk ? pk : json_null());
	json_decref(mstate);
	emu_row_release(&model);
	return 0;
}

int emu_resource_set_members(struct emu *e, enum ht_ids tbl, int64_t id,
			     json_t *members)
{
	struct emu_row row = { 0 };
	struct ht_strbuf doc = HT_STRBUF_INIT;
	const char *last_run_at;
	json_t *d = NULL;
	int ret;

	ret = emu_store_get(e, tbl, id, &row);
	if (ret == HT_ENOTFOUND) {
		ret = 0;
		goto cleanup;
	}
	if (ret < 0)
		goto cleanup;
	d = emu_json_load(row.doc);
	if (!d) {
		ret = ht_error_set(HT_EIO, "stored %s %lld is not JSON",
				   ht_ids_name(tbl), (long long)id);
		goto cleanup;
	}
	json_object_update(d, members);
	last_run_at = ht_json_get_string(members, "lastRunAt");
	if (tbl == HT_IDS_SYNC && last_run_at) {
		free(row.last_run_at);
		row.last_run_at = ht_xstrdup(last_run_at);
	}
	ht_json_dump(&doc, d);
	free(row.doc);
	row.doc = ht_strbuf_detach(&doc, NULL);
	ret = emu_store_update(e, &row);
cleanup:
	json_decref(d);
	json_decref(members);
	ht_strbuf_release(&doc);
	emu_row_release(&row);
	return ret;
}

static json_t *ids_array(const int64_t *ids, size_t nr)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < nr; i++)
		json_array_append_new(a, json_integer(ids[i]));
	return a;
}

int emu_resource_refresh_syncs(struct emu *e, int64_t model_id,
			       int64_t destination_id)
{
	int64_t *ids = NULL;
	size_t nr = 0;
	int ret = 0;

	if (model_id) {
		ret = emu_store_ids_by_ref(e, HT_IDS_SYNC, 1, model_id, &ids,
					   &nr);
		if (!ret)
			ret = emu_resource_set_members(
				e, HT_IDS_MODEL, model_id,
				json_pack("{s:o}", "syncs", ids_array(ids, nr)));
		free(ids);
		ids = NULL;
	}
	if (!ret && destination_id) {
		ret = emu_store_ids_by_ref(e, HT_IDS_SYNC, 2, destination_id,
					   &ids, &nr);
		if (!ret)
			ret = emu_resource_set_members(
				e, HT_IDS_DESTINATION, destination_id,
				json_pack("{s:o}", "syncs", ids_array(ids, nr)));
		free(ids);
	}
	return ret;
}

static void respond_conflict(struct emu_response *resp, const char *slug)
{
	json_t *details = json_object();

	emu_detail(details, "slug", "slug '%s' is already in use", slug);
	emu_respond_invalid(resp, 409, details);
	json_decref(details);
}

/*
 * The checks of a resource's state once a body is applied to it: the
 * rules of `kind` (the endpoint's) and of `row_kind` (the resource's), its
 * references, then its slug unless it keeps `old_slug` (NULL for a new
 * resource).  0, or -1 with a 422 or 409 answered.
 */
static int check_new_state(struct emu *e, enum ht_kind kind,
			   enum ht_kind row_kind, const json_t *state,
			   const char *old_slug, json_t *details,
			   struct emu_response *resp)
{
	const char *slug;
	int64_t other;

	emu_fields_check_state(kind, state, NULL, details);
	if (row_kind != kind)
		emu_fields_check_state(row_kind, state, NULL, details);
	check_refs(e, row_kind, state, details);
	if (json_object_size(details)) {
		emu_respond_invalid(resp, 422, details);
		return -1;
	}
	slug = ht_json_get_string(state, "slug");
	if ((!old_slug || strcmp(slug, old_slug)) &&
	    !emu_store_find_slug(e, ht_kind_ids(row_kind), slug, &other)) {
		respond_conflict(resp, slug);
		return -1;
	}
	return 0;
}

/*
 * The end of a write begun with emu_store_begin(): commit and answer with
 * the row, or, when `ret` (or the commit) failed, roll back and answer 500.
 */
/*
 * A model's dbt object as an API write gives it, {modelId}: the details
 * of the workspace's dbt model of that id (dbtUniqueId, name, SQL...),
 * which another model built on it has, as the UI or a seed set them.
 * emu_fields_defaults() derives those it cannot find here.
 */
static int dbt_details(struct emu *e, json_t *state)
{
	json_t *dbt = json_object_get(state, "dbt"), *doc = NULL, *known;
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if (!json_is_object(dbt) || json_object_get(dbt, "dbtUniqueId") ||
	    ht_json_get_id(&id, dbt, "modelId") < 0) {
		ht_error_clear();
		return 0;
	}
	st = emu_store_prepare(e, "SELECT doc FROM resources WHERE tbl = ?1 "
			       "AND json_extract(doc, '$.dbt.modelId') = ?2 "
			       "AND json_extract(doc, '$.dbt.dbtUniqueId') "
			       "IS NOT NULL ORDER BY id LIMIT 1");
	if (!st)
		return HT_EIO;
	sqlite3_bind_int(st, 1, HT_IDS_MODEL);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		doc = emu_json_load((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return emu_store_error(e, "cannot read dbt models");
	known = json_object_get(doc, "dbt");
	if (json_is_object(known)) {
		known = json_copy(known);
		json_object_update(known, dbt); /* what was given wins */
		json_object_set_new(state, "dbt", known);
	}
	json_decref(doc);
	return 0;
}

static void finish_write(struct emu *e, int ret, const struct emu_row *row,
			 enum ht_kind kind, struct emu_response *resp)
{
	if (!ret)
		ret = emu_store_commit(e);
	if (ret < 0) {
		emu_store_rollback(e);
		emu_respond_failed(resp);
		return;
	}
	respond_row(resp, row, kind);
}

void emu_resource_create(struct emu *e, enum ht_kind kind, enum emu_op op,
			 const json_t *body, struct emu_response *resp)
{
	enum ht_ids tbl = ht_kind_ids(kind);
	json_t *details = json_object(), *state = NULL;
	struct emu_row row = { 0 };
	int64_t id, ms;
	int ret;

	emu_fields_check(kind, op, body, NULL, details);
	if (json_object_size(details)) {
		emu_respond_invalid(resp, 422, details);
		goto cleanup;
	}
	state = json_object();
	emu_fields_apply(kind, op, body, state);
	set_actor(state, op, body);
	if (check_new_state(e, kind, kind, state, NULL, details, resp) < 0)
		goto cleanup;

	if ((ret = emu_store_begin(e)) < 0) {
		emu_respond_failed(resp);
		goto cleanup;
	}
	if ((ret = emu_store_alloc_id(e, tbl, &id)) < 0 ||
	    (ret = emu_store_tick(e, &ms)) < 0)
		goto done;
	json_object_set_new(state, "id", json_integer(id));
	if (tbl != HT_IDS_RELATIONSHIP)
		json_object_set_new(state, "workspaceId",
				    json_integer(e->workspace_id));
	set_time(state, "createdAt", ms);
	set_time(state, "updatedAt", ms);
	if (tbl == HT_IDS_SYNC && (ret = sync_primary_key(e, state)) < 0)
		goto done;
	if (tbl == HT_IDS_MODEL && (ret = dbt_details(e, state)) < 0)
		goto done;
	emu_fields_defaults(kind, state);
	emu_row_from_state(&row, kind, state);
	if ((ret = emu_store_insert(e, &row)) < 0)
		goto done;
	if (tbl == HT_IDS_SYNC)
		ret = emu_resource_refresh_syncs(e, row.ref1, row.ref2);
done:
	finish_write(e, ret, &row, kind, resp);
cleanup:
	emu_row_release(&row);
	json_decref(state);
	json_decref(details);
}

static int load(struct emu *e, enum ht_kind kind, int64_t id,
		struct emu_row *row, struct emu_response *resp)
{
	int ret = emu_store_get(e, ht_kind_ids(kind), id, row);

	if (ret == HT_ENOTFOUND ||
	    (!ret && !emu_kind_matches(kind, row->kind))) {
		emu_respond_error(resp, 404, "Not Found", "%s %lld not found",
				  ht_kind_info(kind)->name, (long long)id);
		return -1;
	}
	if (ret < 0) {
		emu_respond_failed(resp);
		return -1;
	}
	return 0;
}

void emu_resource_update(struct emu *e, enum ht_kind kind, int64_t id,
			 enum emu_op op, const json_t *body,
			 struct emu_response *resp)
{
	enum ht_ids tbl = ht_kind_ids(kind);
	json_t *details = json_object(), *state = NULL;
	struct emu_row row = { 0 };
	int64_t old_ref1, old_ref2, ms;
	int ret;

	if (load(e, kind, id, &row, resp) < 0)
		goto cleanup;
	emu_fields_check(kind, op, body, NULL, details);
	if (json_object_size(details)) {
		emu_respond_invalid(resp, 422, details);
		goto cleanup;
	}
	state = state_of(&row);
	if (!emu_fields_apply(kind, op, body, state)) {
		/* nothing changes: no write, no new updatedAt */
		respond_row(resp, &row, kind);
		goto cleanup;
	}
	set_actor(state, op, body);
	if (check_new_state(e, kind, row.kind, state, row.slug, details,
			    resp) < 0)
		goto cleanup;

	old_ref1 = row.ref1;
	old_ref2 = row.ref2;
	if ((ret = emu_store_begin(e)) < 0) {
		emu_respond_failed(resp);
		goto cleanup;
	}
	if ((ret = emu_store_tick(e, &ms)) < 0)
		goto done;
	set_time(state, "updatedAt", ms);
	if (tbl == HT_IDS_MODEL && (ret = dbt_details(e, state)) < 0)
		goto done;
	emu_fields_defaults(row.kind, state);
	emu_row_from_state(&row, row.kind, state);
	if ((ret = emu_store_update(e, &row)) < 0)
		goto done;
	if (tbl == HT_IDS_SYNC && old_ref1 != row.ref1 &&
	    ((ret = emu_resource_refresh_syncs(e, old_ref1, 0)) < 0 ||
	     (ret = emu_resource_refresh_syncs(e, row.ref1, 0)) < 0))
		goto done;
	if (tbl == HT_IDS_SYNC && old_ref2 != row.ref2 &&
	    ((ret = emu_resource_refresh_syncs(e, 0, old_ref2)) < 0 ||
	     (ret = emu_resource_refresh_syncs(e, 0, row.ref2)) < 0))
		goto done;
done:
	finish_write(e, ret, &row, kind, resp);
cleanup:
	emu_row_release(&row);
	json_decref(state);
	json_decref(details);
}

void emu_resource_get(struct emu *e, enum ht_kind kind, int64_t id,
		      struct emu_response *resp)
{
	struct emu_row row = { 0 };

	if (!load(e, kind, id, &row, resp))
		respond_row(resp, &row, kind);
	emu_row_release(&row);
}

/*
 * Deleting ("as in the UI"): what depends on a resource goes with it when
 * `cascade` is set, else the deletion is refused with a 409 naming it.
 */

struct dependents {
	json_t *list; /* [{"kind": ..., "id": ...}] */
};

static int add_ids(struct emu *e, json_t *list, enum ht_ids tbl, int which,
		   int64_t ref)
{
	int64_t *ids = NULL;
	size_t nr = 0, i;
	int ret;

	ret = emu_store_ids_by_ref(e, tbl, which, ref, &ids, &nr);
	for (i = 0; !ret && i < nr; i++)
		json_array_append_new(list, json_pack("{s:s, s:I}", "kind",
						      ht_ids_name(tbl), "id",
						      (json_int_t)ids[i]));
	free(ids);
	return ret;
}

/* Visual models (audiences) built on model `id`. */
static int add_audiences(struct emu *e, json_t *list, int64_t id)
{
	sqlite3_stmt *st = emu_store_prepare(e, "SELECT id FROM resources "
					     "WHERE tbl = ?1 AND json_extract("
					     "doc, '$.visual.parentId') = ?2 "
					     "ORDER BY id");
	int rc;

	if (!st)
		return HT_EIO;
	sqlite3_bind_int(st, 1, HT_IDS_MODEL);
	sqlite3_bind_int64(st, 2, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(list, json_pack(
			"{s:s, s:I}", "kind", "model", "id",
			(json_int_t)sqlite3_column_int64(st, 0)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return emu_store_error(e, "cannot list audiences");
	return 0;
}

/* What directly depends on (tbl, id). */
static int dependents_of(struct emu *e, enum ht_ids tbl, int64_t id,
			 json_t *list)
{
	int ret = 0;

	switch (tbl) {
	case HT_IDS_SOURCE:
		ret = add_ids(e, list, HT_IDS_MODEL, 1, id);
		break;
	case HT_IDS_DESTINATION:
		ret = add_ids(e, list, HT_IDS_SYNC, 2, id);
		break;
	case HT_IDS_MODEL:
		if (!(ret = add_ids(e, list, HT_IDS_SYNC, 1, id)) &&
		    !(ret = add_ids(e, list, HT_IDS_RELATIONSHIP, 1, id)) &&
		    !(ret = add_ids(e, list, HT_IDS_RELATIONSHIP, 2, id)))
			ret = add_audiences(e, list, id);
		break;
	default:
		break;
	}
	return ret;
}

static enum ht_ids tbl_from_word(const char *w)
{
	int t;

	for (t = 0; t < HT_IDS__COUNT; t++)
		if (!strcmp(ht_ids_name((enum ht_ids)t), w))
			return (enum ht_ids)t;
	return HT_IDS__COUNT;
}

static int delete_one(struct emu *e, enum ht_ids tbl, int64_t id,
		      json_t *deleted, int depth)
{
	json_t *deps = json_array();
	struct emu_row row = { 0 };
	sqlite3_stmt *st = NULL;
	size_t i;
	int ret;

	if (depth > 8)
		HT_BUG("deletion nests too deep");
	ret = emu_store_get(e, tbl, id, &row);
	if (ret == HT_ENOTFOUND) {
		ret = 0; /* already gone with another dependent */
		goto cleanup;
	}
	if (ret < 0 || (ret = dependents_of(e, tbl, id, deps)) < 0)
		goto cleanup;
	for (i = 0; i < json_array_size(deps); i++) {
		const json_t *d = json_array_get(deps, i);

		ret = delete_one(e, tbl_from_word(ht_json_get_string(d,
								     "kind")),
				 json_integer_value(json_object_get(d, "id")),
				 deleted, depth + 1);
		if (ret < 0)
			goto cleanup;
	}
	if ((ret = emu_store_delete(e, tbl, id)) < 0)
		goto cleanup;
	if (tbl == HT_IDS_SYNC) {
		st = emu_store_prepare(e, "DELETE FROM runs WHERE "
				       "sync_id = ?1");
		if (!st) {
			ret = HT_EIO;
			goto cleanup;
		}
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) != SQLITE_DONE) {
			ret = emu_store_error(e, "cannot delete runs");
			goto cleanup;
		}
		if ((ret = emu_resource_refresh_syncs(e, row.ref1,
						      row.ref2)) < 0)
			goto cleanup;
	}
	json_array_append_new(deleted, json_pack("{s:s, s:I, s:s}", "kind",
						 ht_kind_info(row.kind)->name,
						 "id", (json_int_t)id, "slug",
						 row.slug));
cleanup:
	sqlite3_finalize(st);
	emu_row_release(&row);
	json_decref(deps);
	return ret;
}

void emu_resource_delete(struct emu *e, enum ht_kind kind, int64_t id,
			 int cascade, struct emu_response *resp)
{
	enum ht_ids tbl = ht_kind_ids(kind);
	json_t *deps = json_array(), *deleted = json_array(), *out;
	struct emu_row row = { 0 };
	int ret;

	if (load(e, kind, id, &row, resp) < 0)
		goto cleanup;
	if ((ret = dependents_of(e, tbl, id, deps)) < 0)
		goto fail;
	if (json_array_size(deps) && !cascade) {
		out = json_pack("{s:s, s:s, s:O}", "message", "Conflict",
				"details", "the resource is in use; delete "
				"with ?cascade=true to delete what uses it "
				"too", "usedBy", deps);
		emu_respond_json(resp, 409, out);
		json_decref(out);
		goto cleanup;
	}
	if ((ret = emu_store_begin(e)) < 0)
		goto fail;
	if ((ret = delete_one(e, tbl, id, deleted, 0)) < 0 ||
	    (ret = emu_store_commit(e)) < 0)
		goto fail;
	out = json_pack("{s:O}", "deleted", deleted);
	emu_respond_json(resp, 200, out);
	json_decref(out);
	goto cleanup;
fail:
	emu_store_rollback(e);
	emu_respond_failed(resp);
cleanup:
	emu_row_release(&row);
	json_decref(deps);
	json_decref(deleted);
}

/*
 * Lists
 */

struct param_rules {
	int name, tags, sync; /* which filters the endpoint has */
};

static const char *order_column(const char *v, const struct param_rules *r)
{
	if (!strcmp(v, "id"))
		return "id";
	if (!strcmp(v, "slug"))
		return "slug";
	if (!strcmp(v, "createdAt"))
		return "created_at";
	if (!strcmp(v, "updatedAt"))
		return "updated_at";
	if (r->name && !strcmp(v, "name"))
		return "name";
	return NULL;
}

static int known_param(const char *key, const struct param_rules *r)
{
	static const char *const common[] = {
		"slug", "offset", "limit", "orderBy", NULL
	};
	size_t i;

	for (i = 0; common[i]; i++)
		if (!strcmp(key, common[i]))
			return 1;
	if (r->name && !strcmp(key, "name"))
		return 1;
	if (r->tags && !strcmp(key, "tags"))
		return 1;
	if (r->sync && (!strcmp(key, "modelId") || !strcmp(key, "after") ||
			!strcmp(key, "before")))
		return 1;
	return 0;
}

/*
 * Check the query parameters of a list; 0, or -1 with a 400 answered.
 * Every parameter but `tags` may be given once.
 */
static int check_params(const struct emu_request *req,
			const struct param_rules *r,
			struct emu_response *resp)
{
	size_t i, j;

	for (i = 0; i < req->nargs; i++) {
		const char *k = req->args[i].key;

		if (!known_param(k, r)) {
			emu_respond_error(resp, 400, "Bad Request",
					  "unknown query parameter '%s'", k);
			return -1;
		}
		if (!req->args[i].value) {
			emu_respond_error(resp, 400, "Bad Request",
					  "query parameter '%s' needs a value",
					  k);
			return -1;
		}
		if (!strcmp(k, "tags"))
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(req->args[j].key, k)) {
				emu_respond_error(resp, 400, "Bad Request",
						  "query parameter '%s' is "
						  "given more than once", k);
				return -1;
			}
	}
	return 0;
}

/* Bound values of a list query, in order. */
struct binds {
	struct {
		int is_int;
		int64_t i;
		const char *s;
	} v[64];
	int nr;
};

static void bind_int(struct binds *b, int64_t i)
{
	if (b->nr == 64)
		HT_BUG("too many bound values");
	b->v[b->nr].is_int = 1;
	b->v[b->nr++].i = i;
}

static void bind_str(struct binds *b, const char *s)
{
	if (b->nr == 64)
		HT_BUG("too many bound values");
	b->v[b->nr].is_int = 0;
	b->v[b->nr++].s = s;
}

/*
 * ?after= or ?before= of the sync list: a condition on lastRunAt, with
 * its value (normalised) in `buf`; 0, or -1 with a 400 answered.
 */
static int last_run_filter(const struct emu_request *req, const char *key,
			   const char *op, char buf[HT_TIME_LEN],
			   struct ht_strbuf *sql, struct binds *b,
			   struct emu_response *resp)
{
	int64_t ms;
	int ret = emu_time_arg(req, key, &ms, resp);

	if (ret <= 0)
		return ret;
	ht_time_format(buf, ms);
	ht_strbuf_addf(sql, " AND last_run_at %s ?", op);
	bind_str(b, buf);
	return 0;
}

void emu_order_by(struct ht_strbuf *sql, const char *col,
		  enum emu_order order)
{
	const char *dir = order == EMU_ORDER_DESC ? "DESC" : "ASC";

	if (order == EMU_ORDER_NONE)
		ht_strbuf_addstr(sql, " ORDER BY (id * id * 7919 + id) % 10007, "
				 "id");
	else
		ht_strbuf_addf(sql, " ORDER BY %s %s, id %s", col, dir, dir);
}

int emu_list_paging(const struct emu_request *req, int64_t *offset,
		    int64_t *limit, struct emu_response *resp)
{
	const char *v;

	*offset = 0;
	*limit = EMU_LIMIT_DEFAULT;
	if ((v = emu_arg(req, "offset")) &&
	    emu_parse_int(offset, v, 0, INT64_MAX / 2) < 0) {
		emu_respond_error(resp, 400, "Bad Request", "'offset' must be "
				  "a non-negative integer, got '%s'", v);
		return -1;
	}
	if ((v = emu_arg(req, "limit")) &&
	    emu_parse_int(limit, v, 1, EMU_LIMIT_MAX) < 0) {
		emu_respond_error(resp, 400, "Bad Request", "'limit' must be "
				  "an integer from 1 to %d, got '%s'",
				  EMU_LIMIT_MAX, v);
		return -1;
	}
	return 0;
}

void emu_list_cache_release(struct emu *e)
{
	size_t i;

	for (i = 0; i < EMU_LIST_CACHE_MAX; i++) {
		free(e->lists[i].rowids);
		memset(&e->lists[i], 0, sizeof(e->lists[i]));
	}
}

/* The cached order of kind's list by `col`, rebuilt if stale. */
static struct emu_list_cache *list_order(struct emu *e, enum ht_kind kind,
					 const char *col, enum emu_order order)
{
	struct emu_list_cache *c = NULL, *oldest = &e->lists[0];
	struct ht_strbuf sql = HT_STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t i, alloc = 0;
	int rc;

	for (i = 0; i < EMU_LIST_CACHE_MAX; i++) {
		struct emu_list_cache *l = &e->lists[i];

		if (l->in_use && l->kind == kind && l->column == col &&
		    l->order == order) {
			c = l;
			break;
		}
		if (!l->in_use || l->last_used < oldest->last_used)
			oldest = l;
	}
	if (!c) {
		c = oldest;
		free(c->rowids);
		memset(c, 0, sizeof(*c));
	}
	c->last_used = ++e->list_uses;
	if (c->in_use && c->generation == e->generation)
		return c;

	free(c->rowids);
	c->rowids = NULL;
	c->nr = 0;
	c->in_use = 0;
	ht_strbuf_addf(&sql, "SELECT rowid FROM resources WHERE tbl = ?1%s",
		       kind != HT_KIND_MODEL && ht_kind_is_model(kind) ?
		       " AND kind = ?2" : "");
	emu_order_by(&sql, col, order);
	if (!(st = emu_store_prepare(e, sql.buf)))
		goto cleanup;
	sqlite3_bind_int(st, 1, ht_kind_ids(kind));
	if (kind != HT_KIND_MODEL && ht_kind_is_model(kind))
		sqlite3_bind_int(st, 2, kind);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		HT_ALLOC_GROW(c->rowids, c->nr + 1, alloc);
		c->rowids[c->nr++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		emu_store_error(e, "cannot list");
		goto cleanup;
	}
	c->in_use = 1;
	c->kind = kind;
	c->column = col;
	c->order = order;
	c->generation = e->generation;
cleanup:
	sqlite3_finalize(st);
	ht_strbuf_release(&sql);
	return c->in_use ? c : NULL;
}

/* A page of an unfiltered list, from the cached order, answered. */
static int list_page(struct emu *e, enum ht_kind kind, const char *col,
		     int64_t offset, int64_t limit, struct ht_strbuf *out,
		     struct emu_response *resp)
{
	struct emu_list_cache *c = list_order(e, kind, col,
					      e->settings.order);
	sqlite3_stmt *st = emu_store_doc_by_rowid(e);
	size_t i, end;

	if (!c)
		return HT_EIO;
	end = (uint64_t)offset + (uint64_t)limit < c->nr ?
	      (size_t)(offset + limit) : c->nr;
	ht_strbuf_addstr(out, "{\"data\":[");
	for (i = (size_t)offset; i < end; i++) {
		sqlite3_bind_int64(st, 1, c->rowids[i]);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			return emu_store_error(e, "cannot read a listed row");
		}
		emu_row_output_stmt(out, st, shows_ext(kind),
				    (int64_t)(i - (size_t)offset));
		sqlite3_reset(st);
	}
	emu_respond_page(resp, out, end < c->nr);
	return 0;
}

void emu_resource_list(struct emu *e, enum ht_kind kind,
		       const struct emu_request *req,
		       struct emu_response *resp)
{
	struct param_rules r = { 0, 0, 0 };
	struct ht_strbuf sql = HT_STRBUF_INIT, out = HT_STRBUF_INIT;
	char after[HT_TIME_LEN], before[HT_TIME_LEN];
	const char *col = "id", *v;
	int64_t offset, limit, n;
	sqlite3_stmt *st = NULL;
	struct binds b;
	int i;
	size_t a;

	b.nr = 0;
	r.name = kind != HT_KIND_SYNC && kind != HT_KIND_RELATIONSHIP;
	r.tags = ht_kind_is_model(kind);
	r.sync = kind == HT_KIND_SYNC;
	if (check_params(req, &r, resp) < 0 ||
	    emu_list_paging(req, &offset, &limit, resp) < 0)
		goto cleanup;
	if ((v = emu_arg(req, "orderBy")) && !(col = order_column(v, &r))) {
		emu_respond_error(resp, 400, "Bad Request", "'orderBy' must be "
				  "one of id,%s slug, createdAt, updatedAt; "
				  "got '%s'", r.name ? " name," : "", v);
		goto cleanup;
	}

	if (!emu_arg(req, "slug") && !emu_arg(req, "name") &&
	    !emu_arg(req, "modelId") && !emu_arg(req, "after") &&
	    !emu_arg(req, "before") && !emu_arg(req, "tags")) {
		if (list_page(e, kind, col, offset, limit, &out, resp) < 0)
			goto fail;
		goto cleanup;
	}

	ht_strbuf_addstr(&sql, "SELECT doc, ext FROM resources WHERE tbl = ?");
	bind_int(&b, ht_kind_ids(kind));
	if (kind != HT_KIND_MODEL && ht_kind_is_model(kind)) {
		ht_strbuf_addstr(&sql, " AND kind = ?");
		bind_int(&b, kind);
	}
	if ((v = emu_arg(req, "slug"))) {
		ht_strbuf_addstr(&sql, " AND slug = ?");
		bind_str(&b, v);
	}
	if ((v = emu_arg(req, "name"))) {
		ht_strbuf_addstr(&sql, " AND name = ?");
		bind_str(&b, v);
	}
	if ((v = emu_arg(req, "modelId"))) {
		if (emu_parse_int(&n, v, 0, INT64_MAX) < 0) {
			emu_respond_error(resp, 400, "Bad Request", "'modelId' "
					  "must be an id, got '%s'", v);
			goto cleanup;
		}
		ht_strbuf_addstr(&sql, " AND ref1 = ?");
		bind_int(&b, n);
	}
	if (last_run_filter(req, "after", ">", after, &sql, &b, resp) < 0 ||
	    last_run_filter(req, "before", "<", before, &sql, &b, resp) < 0)
		goto cleanup;
	for (a = 0; a < req->nargs; a++) {
		const char *t = req->args[a].value, *colon;

		if (strcmp(req->args[a].key, "tags"))
			continue;
		colon = strchr(t, ':');
		if (!colon || colon == t) {
			emu_respond_error(resp, 400, "Bad Request", "'tags' "
					  "must be 'key:value', got '%s'", t);
			goto cleanup;
		}
		/* key and value are cut apart in place below */
		ht_strbuf_addstr(&sql, " AND EXISTS (SELECT 1 FROM json_each("
				 "doc, '$.tags') WHERE key = substr(?, 1, ?) "
				 "AND value = substr(?, ?))");
		bind_str(&b, t);
		bind_int(&b, colon - t);
		bind_str(&b, t);
		bind_int(&b, colon - t + 2);
	}
	emu_order_by(&sql, col, e->settings.order);
	ht_strbuf_addstr(&sql, " LIMIT ? OFFSET ?");
	bind_int(&b, limit + 1);
	bind_int(&b, offset);

	st = emu_store_prepare(e, sql.buf);
	if (!st)
		goto fail;
	for (i = 0; i < b.nr; i++) {
		if (b.v[i].is_int)
			sqlite3_bind_int64(st, i + 1, b.v[i].i);
		else
			sqlite3_bind_text(st, i + 1, b.v[i].s, -1,
					  SQLITE_STATIC);
	}
	emu_respond_rows(e, st, limit, row_item, &kind, "cannot list", resp);
	goto cleanup;
fail:
	emu_respond_failed(resp);
cleanup:
	sqlite3_finalize(st);
	ht_strbuf_release(&sql);
	ht_strbuf_release(&out);
}
