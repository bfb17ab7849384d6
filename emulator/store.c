/*
 * Storage: one SQLite connection (guarded by emu->lock), WAL mode on a
 * file, every write in one transaction.
 *
 * A resource is one row of `resources`: the columns the lists filter and
 * sort on, and the document the API shows, kept as JSON text so that a
 * page of a list is a concatenation, not a rendering.  Runs are rows of
 * `runs`; how the next runs of a sync end, rows of `run_outcomes`; sync
 * sequences and their runs, of `sequences`, `sequence_runs` and
 * `sequence_steps`.  `meta` holds the clock (the last timestamp handed
 * out), the next ids and the workspace id, so that a restart on the same
 * file goes on where the last run stopped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"

#include "emulator.h"

/* The layout of the database; one written by another is refused. */
#define SCHEMA_VERSION 1

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta ("
	" key TEXT PRIMARY KEY NOT NULL,"
	" value TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS resources ("
	" tbl INTEGER NOT NULL,"
	" id INTEGER NOT NULL,"
	" kind INTEGER NOT NULL,"
	" slug TEXT NOT NULL,"
	" name TEXT,"
	" created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL,"
	" ref1 INTEGER,"
	" ref2 INTEGER,"
	" last_run_at TEXT,"
	" doc TEXT NOT NULL,"
	" ext TEXT,"
	" PRIMARY KEY (tbl, id)"
	");"
	"CREATE UNIQUE INDEX IF NOT EXISTS resources_slug"
	" ON resources (tbl, slug);"
	"CREATE INDEX IF NOT EXISTS resources_name"
	" ON resources (tbl, name, id);"
	"CREATE INDEX IF NOT EXISTS resources_created"
	" ON resources (tbl, created_at, id);"
	"CREATE INDEX IF NOT EXISTS resources_updated"
	" ON resources (tbl, updated_at, id);"
	"CREATE INDEX IF NOT EXISTS resources_ref1 ON resources (tbl, ref1);"
	"CREATE INDEX IF NOT EXISTS resources_ref2 ON resources (tbl, ref2);"
	"CREATE TABLE IF NOT EXISTS runs ("
	" id INTEGER PRIMARY KEY,"
	" sync_id INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL,"
	" due_ms INTEGER NOT NULL,"
	" settled INTEGER NOT NULL DEFAULT 0,"
	" status TEXT NOT NULL,"
	" error TEXT,"
	" full_resync INTEGER NOT NULL DEFAULT 0,"
	" added INTEGER NOT NULL,"
	" changed INTEGER NOT NULL,"
	" removed INTEGER NOT NULL,"
	" failed INTEGER NOT NULL"
	");"
	"CREATE INDEX IF NOT EXISTS runs_sync ON runs (sync_id, id);"
	"CREATE INDEX IF NOT EXISTS runs_pending ON runs (settled, due_ms);"
	/* how the next runs of a sync end (the admin surface) */
	"CREATE TABLE IF NOT EXISTS run_outcomes ("
	" sync_id INTEGER PRIMARY KEY,"
	" status TEXT NOT NULL,"
	" error TEXT"
	");"
	/* sync sequences: their syncs, as a JSON array of ids */
	"CREATE TABLE IF NOT EXISTS sequences ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" sync_ids TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS sequence_runs ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" sequence_id TEXT NOT NULL,"
	" created_ms INTEGER NOT NULL,"
	" failed INTEGER NOT NULL DEFAULT 0"
	") WITHOUT ROWID;"
	/* the sync runs a sequence run started, by position */
	"CREATE TABLE IF NOT EXISTS sequence_steps ("
	" run_id INTEGER PRIMARY KEY,"
	" sequence_run TEXT NOT NULL,"
	" position INTEGER NOT NULL"
	");"
	"CREATE INDEX IF NOT EXISTS sequence_steps_run"
	" ON sequence_steps (sequence_run, position);";

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_META_SET,
	ST_GET,
	ST_FIND_SLUG,
	ST_EXISTS,
	ST_INSERT,
	ST_UPDATE,
	ST_DELETE,
	ST_REF1,
	ST_REF2,
	ST_DOC_BY_ROWID,
	ST__COUNT
};

static const char *const stmt_sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_META_SET] = "INSERT OR REPLACE INTO meta (key, value) "
			"VALUES (?1, ?2)",
	[ST_GET] = "SELECT kind, slug, name, created_at, updated_at, ref1, "
		   "ref2, last_run_at, doc, ext FROM resources "
		   "WHERE tbl = ?1 AND id = ?2",
	[ST_FIND_SLUG] = "SELECT id FROM resources WHERE tbl = ?1 AND "
			 "slug = ?2",
	[ST_EXISTS] = "SELECT 1 FROM resources WHERE tbl = ?1 AND id = ?2",
	[ST_INSERT] = "INSERT INTO resources (tbl, id, kind, slug, name, "
		      "created_at, updated_at, ref1, ref2, last_run_at, doc, "
		      "ext) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
		      "?11, ?12)",
	[ST_UPDATE] = "UPDATE resources SET kind = ?3, slug = ?4, name = ?5, "
		      "created_at = ?6, updated_at = ?7, ref1 = ?8, ref2 = ?9, "
		      "last_run_at = ?10, doc = ?11, ext = ?12 "
		      "WHERE tbl = ?1 AND id = ?2",
	[ST_DELETE] = "DELETE FROM resources WHERE tbl = ?1 AND id = ?2",
	[ST_REF1] = "SELECT id FROM resources WHERE tbl = ?1 AND ref1 = ?2 "
		    "ORDER BY id",
	[ST_REF2] = "SELECT id FROM resources WHERE tbl = ?1 AND ref2 = ?2 "
		    "ORDER BY id",
	[ST_DOC_BY_ROWID] = "SELECT doc, ext FROM resources WHERE rowid = ?1",
};

struct emu_stmts {
	sqlite3_stmt *s[ST__COUNT];
};

int emu_store_error(struct emu *e, const char *what)
{
	return ht_error_set(HT_EIO, "sqlite: %s: %s", what,
			    e->db ? sqlite3_errmsg(e->db) : "no database");
}

sqlite3_stmt *emu_store_prepare(struct emu *e, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(e->db, sql, -1, &st, NULL) != SQLITE_OK) {
		emu_store_error(e, "prepare");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Run a prepared statement that returns no rows; reset it. */
static int run(struct emu *e, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return emu_store_error(e, what);
	return 0;
}

static int meta_set(struct emu *e, const char *key, int64_t value)
{
	sqlite3_stmt *st = e->st->s[ST_META_SET];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, value);
	return run(e, st, "cannot write metadata");
}

static int64_t query_int(struct emu *e, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st = emu_store_prepare(e, sql);
	int64_t v = dflt;

	if (st && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int64_t meta_get(struct emu *e, const char *key, int64_t dflt)
{
	sqlite3_stmt *st = emu_store_prepare(e, "SELECT value FROM meta "
					     "WHERE key = ?1");
	int64_t v = dflt;

	if (!st)
		return dflt;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int load_meta(struct emu *e)
{
	char key[64];
	int64_t v;
	int t;

	e->clock_ms = meta_get(e, "clock", 0);
	e->workspace_id = meta_get(e, "workspace_id", 1);
	for (t = 0; t < HT_IDS__COUNT; t++) {
		sqlite3_stmt *st;

		snprintf(key, sizeof(key), "next_id.%s",
			 ht_ids_name((enum ht_ids)t));
		e->next_id[t] = meta_get(e, key, 1);
		st = emu_store_prepare(e, "SELECT max(id) FROM resources "
				       "WHERE tbl = ?1");
		if (!st)
			return HT_EIO;
		sqlite3_bind_int(st, 1, t);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL) {
			v = sqlite3_column_int64(st, 0) + 1;
			if (v > e->next_id[t])
				e->next_id[t] = v;
		}
		sqlite3_finalize(st);
	}
	e->next_run_id = meta_get(e, "next_id.run", 1);
	v = query_int(e, "SELECT max(id) FROM runs", 0) + 1;
	if (v > e->next_run_id)
		e->next_run_id = v;
	e->next_sequence_run = meta_get(e, "next_id.sequence_run", 1);
	v = query_int(e, "SELECT count(*) FROM sequence_runs", 0) + 1;
	if (v > e->next_sequence_run)
		e->next_sequence_run = v;
	return 0;
}

int emu_store_save_meta(struct emu *e)
{
	char key[64];
	int t, ret;

	if ((ret = meta_set(e, "clock", e->clock_ms)) < 0 ||
	    (ret = meta_set(e, "workspace_id", e->workspace_id)) < 0 ||
	    (ret = meta_set(e, "next_id.run", e->next_run_id)) < 0 ||
	    (ret = meta_set(e, "next_id.sequence_run",
			    e->next_sequence_run)) < 0)
		return ret;
	for (t = 0; t < HT_IDS__COUNT; t++) {
		snprintf(key, sizeof(key), "next_id.%s",
			 ht_ids_name((enum ht_ids)t));
		if ((ret = meta_set(e, key, e->next_id[t])) < 0)
			return ret;
	}
	return 0;
}

int emu_store_open(struct emu *e, const char *path)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX;
	char *errmsg = NULL;
	int64_t version;
	int i, ret = 0;

	e->st = ht_xcalloc(1, sizeof(*e->st));
	if (sqlite3_open_v2(path ? path : ":memory:", &e->db, flags,
			    NULL) != SQLITE_OK) {
		ret = ht_error_set(HT_EIO, "cannot open database '%s': %s",
				   path, e->db ? sqlite3_errmsg(e->db)
					       : "out of memory");
		goto cleanup;
	}
	/*
	 * WAL, and an exclusive lock held for as long as we run: a second
	 * emulator on the same file fails at once instead of sharing (and
	 * breaking) the clock.  synchronous=NORMAL in WAL mode keeps every
	 * committed transaction across a crash of the process (kill -9);
	 * only a crash of the machine may lose the last ones.  A 64 MiB
	 * page cache and memory-mapped reads keep a large workspace's pages
	 * in memory.
	 */
	if (sqlite3_exec(e->db,
			 "PRAGMA locking_mode = EXCLUSIVE;"
			 "PRAGMA journal_mode = WAL;"
			 "PRAGMA synchronous = NORMAL;"
			 "PRAGMA foreign_keys = OFF;"
			 "PRAGMA cache_size = -65536;"
			 "PRAGMA mmap_size = 268435456;",
			 NULL, NULL, &errmsg) != SQLITE_OK ||
	    sqlite3_exec(e->db, schema_sql, NULL, NULL, &errmsg) !=
		    SQLITE_OK) {
		if (sqlite3_errcode(e->db) == SQLITE_BUSY ||
		    sqlite3_errcode(e->db) == SQLITE_LOCKED)
			ret = ht_error_set(HT_EIO, "database '%s' is in use "
					   "by another process", path);
		else
			ret = ht_error_set(HT_EIO, "cannot set up database "
					   "'%s': %s",
					   path ? path : ":memory:",
					   errmsg ? errmsg : "unknown error");
		goto cleanup;
	}
	version = meta_get(e, "schema", 0);
	if (version && version != SCHEMA_VERSION) {
		ret = ht_error_set(HT_EUNSUPPORTED, "database '%s' has schema "
				   "version %lld, not %d", path,
				   (long long)version, SCHEMA_VERSION);
		goto cleanup;
	}
	for (i = 0; i < ST__COUNT; i++) {
		e->st->s[i] = emu_store_prepare(e, stmt_sql[i]);
		if (!e->st->s[i]) {
			ret = HT_EIO;
			goto cleanup;
		}
	}
	if ((ret = load_meta(e)) < 0)
		goto cleanup;
	if ((ret = emu_store_begin(e)) < 0)
		goto cleanup;
	if ((ret = meta_set(e, "schema", SCHEMA_VERSION)) < 0 ||
	    (ret = emu_store_save_meta(e)) < 0 ||
	    (ret = emu_store_commit(e)) < 0) {
		emu_store_rollback(e);
		goto cleanup;
	}
cleanup:
	sqlite3_free(errmsg);
	return ret;
}

void emu_store_close(struct emu *e)
{
	int i;

	if (e->st) {
		for (i = 0; i < ST__COUNT; i++)
			sqlite3_finalize(e->st->s[i]);
		free(e->st);
		e->st = NULL;
	}
	if (e->db) {
		sqlite3_close(e->db);
		e->db = NULL;
	}
}

int emu_store_begin(struct emu *e)
{
	return run(e, e->st->s[ST_BEGIN], "cannot begin a transaction");
}

int emu_store_commit(struct emu *e)
{
	return run(e, e->st->s[ST_COMMIT], "cannot commit");
}

void emu_store_rollback(struct emu *e)
{
	if (!sqlite3_get_autocommit(e->db))
		run(e, e->st->s[ST_ROLLBACK], "cannot roll back");
}

int emu_store_tick(struct emu *e, int64_t *ms)
{
	int64_t now = emu_now_ms();

	if (now <= e->clock_ms)
		now = e->clock_ms + 1;
	e->clock_ms = now;
	*ms = now;
	return meta_set(e, "clock", now);
}

int emu_store_alloc_id(struct emu *e, enum ht_ids tbl, int64_t *id)
{
	char key[64];

	*id = e->next_id[tbl]++;
	snprintf(key, sizeof(key), "next_id.%s", ht_ids_name(tbl));
	return meta_set(e, key, e->next_id[tbl]);
}

int emu_store_clear(struct emu *e)
{
	char *errmsg = NULL;
	int ret = 0;

	e->generation++;
	if (sqlite3_exec(e->db, "DELETE FROM resources; DELETE FROM runs; "
			 "DELETE FROM run_outcomes; DELETE FROM sequences; "
			 "DELETE FROM sequence_runs; "
			 "DELETE FROM sequence_steps;",
			 NULL, NULL, &errmsg) != SQLITE_OK)
		ret = ht_error_set(HT_EIO, "sqlite: cannot clear: %s",
				   errmsg ? errmsg : "unknown error");
	sqlite3_free(errmsg);
	e->pending_runs = 0;
	return ret;
}

void emu_row_release(struct emu_row *row)
{
	free(row->slug);
	free(row->name);
	free(row->last_run_at);
	free(row->doc);
	free(row->ext);
	memset(row, 0, sizeof(*row));
}

static char *column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? ht_xstrdup((const char *)s) : NULL;
}

static void column_time(char out[HT_TIME_LEN], sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(out, HT_TIME_LEN, "%s", s ? (const char *)s : "");
}

int emu_store_get(struct emu *e, enum ht_ids tbl, int64_t id,
		  struct emu_row *out)
{
	sqlite3_stmt *st = e->st->s[ST_GET];
	int rc, ret = 0;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_int(st, 1, tbl);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->tbl = tbl;
		out->id = id;
		out->kind = (enum ht_kind)sqlite3_column_int(st, 0);
		out->slug = column_dup(st, 1);
		out->name = column_dup(st, 2);
		column_time(out->created_at, st, 3);
		column_time(out->updated_at, st, 4);
		out->ref1 = sqlite3_column_int64(st, 5);
		out->ref2 = sqlite3_column_int64(st, 6);
		out->last_run_at = column_dup(st, 7);
		out->doc = column_dup(st, 8);
		out->ext = column_dup(st, 9);
	} else if (rc == SQLITE_DONE) {
		ret = ht_error_set(HT_ENOTFOUND, "no %s %lld", ht_ids_name(tbl),
				   (long long)id);
	} else {
		ret = emu_store_error(e, "cannot read a resource");
	}
	sqlite3_reset(st);
	return ret;
}

int emu_store_find_slug(struct emu *e, enum ht_ids tbl, const char *slug,
			int64_t *id)
{
	sqlite3_stmt *st = e->st->s[ST_FIND_SLUG];
	int rc, ret = 0;

	sqlite3_bind_int(st, 1, tbl);
	sqlite3_bind_text(st, 2, slug, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		ret = ht_error_set(HT_ENOTFOUND, "no %s '%s'", ht_ids_name(tbl),
				   slug);
	else
		ret = emu_store_error(e, "cannot look up a slug");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

int emu_store_exists(struct emu *e, enum ht_ids tbl, int64_t id)
{
	sqlite3_stmt *st = e->st->s[ST_EXISTS];
	int rc;

	sqlite3_bind_int(st, 1, tbl);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

static void bind_ref(sqlite3_stmt *st, int col, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, col, v);
	else
		sqlite3_bind_null(st, col);
}

static int write_row(struct emu *e, sqlite3_stmt *st,
		     const struct emu_row *row, const char *what)
{
	sqlite3_bind_int(st, 1, row->tbl);
	sqlite3_bind_int64(st, 2, row->id);
	sqlite3_bind_int(st, 3, row->kind);
	sqlite3_bind_text(st, 4, row->slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, row->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, row->created_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, row->updated_at, -1, SQLITE_STATIC);
	bind_ref(st, 8, row->ref1);
	bind_ref(st, 9, row->ref2);
	sqlite3_bind_text(st, 10, row->last_run_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, row->doc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, row->ext, -1, SQLITE_STATIC);
	return run(e, st, what);
}

int emu_store_insert(struct emu *e, const struct emu_row *row)
{
	e->generation++;
	return write_row(e, e->st->s[ST_INSERT], row,
			 "cannot insert a resource");
}

int emu_store_update(struct emu *e, const struct emu_row *row)
{
	e->generation++;
	return write_row(e, e->st->s[ST_UPDATE], row,
			 "cannot update a resource");
}

int emu_store_delete(struct emu *e, enum ht_ids tbl, int64_t id)
{
	sqlite3_stmt *st = e->st->s[ST_DELETE];

	e->generation++;
	sqlite3_bind_int(st, 1, tbl);
	sqlite3_bind_int64(st, 2, id);
	return run(e, st, "cannot delete a resource");
}

sqlite3_stmt *emu_store_doc_by_rowid(struct emu *e)
{
	return e->st->s[ST_DOC_BY_ROWID];
}

int emu_store_ids_by_ref(struct emu *e, enum ht_ids tbl, int which,
			 int64_t ref, int64_t **ids, size_t *nr)
{
	sqlite3_stmt *st = e->st->s[which == 1 ? ST_REF1 : ST_REF2];
	size_t alloc = 0;
	int rc, ret = 0;

	*ids = NULL;
	*nr = 0;
	sqlite3_bind_int(st, 1, tbl);
	sqlite3_bind_int64(st, 2, ref);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		HT_ALLOC_GROW(*ids, *nr + 1, alloc);
		(*ids)[(*nr)++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE)
		ret = emu_store_error(e, "cannot list references");
	sqlite3_reset(st);
	return ret;
}
