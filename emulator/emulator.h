#ifndef EMULATOR_H
#define EMULATOR_H

/*
 * hightouch-emulator: internal interfaces between its files.
 *
 *   main.c      options, keys, signals, life cycle
 *   server.c    libmicrohttpd glue: requests, responses, the request log,
 *               fault injection, latency, the rate limiter
 *   store.c     SQLite: schema, transactions, the clock, rows
 *   fields.c    the API's fields per resource (from the kinds table plus
 *               the emulator's own table), validation and rendering
 *   resource.c  create, update, delete, get and list, shared by the API,
 *               the admin surface and seeds
 *   runs.c      sync runs and triggers
 *   sequences.c sync sequences and their runs; how runs end
 *   api.c       the public API, /api/v1/...
 *   admin.c     the admin surface, /_emulator/..., seeds and exports
 *   generate.c  `hightouch-emulator generate`
 *   util.c      time, query parameters, JSON bodies
 *
 * Threads: libmicrohttpd runs one thread per connection; everything in
 * `struct emu` below `lock` is guarded by it, and the handlers hold it for
 * the whole of a request's work (but not while sleeping for latency).
 */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "hightouch/kinds.h"
#include "hightouch/strbuf.h"
#include "hightouch/time.h"

#define EMU_API_PREFIX "/api/v1"
#define EMU_ADMIN_PREFIX "/_emulator"

/* Request bodies: the public API, and the admin surface (seeds). */
#define EMU_API_BODY_MAX (8u * 1024u * 1024u)
#define EMU_ADMIN_BODY_MAX (256u * 1024u * 1024u)

/* Pagination. */
#define EMU_LIMIT_DEFAULT 100
#define EMU_LIMIT_MAX 1000

/*
 * Connections: at most EMU_CONNECTIONS_MAX at once, each a thread; per
 * client address and idle time, the defaults of --max-connections-per-client
 * and --idle-timeout.
 */
#define EMU_CONNECTIONS_MAX 512
#define EMU_PER_CLIENT_DEFAULT 64
#define EMU_IDLE_TIMEOUT_DEFAULT 10

/* The request log keeps this many entries (a ring). */
#define EMU_LOG_MAX 10000

/* Who is writing: the rules differ (see fields.c). */
enum emu_op {
	EMU_OP_CREATE,    /* POST through the API */
	EMU_OP_UPDATE,    /* PATCH through the API */
	EMU_OP_UI_CREATE, /* admin surface: create "as in the UI" */
	EMU_OP_UI_UPDATE, /* admin surface: update "as in the UI" */
	EMU_OP_SEED,      /* one resource of a seed */
};

/* The direction of every list (orderDirection): none is a fixed shuffle. */
enum emu_order {
	EMU_ORDER_ASC,
	EMU_ORDER_DESC,
	EMU_ORDER_NONE,
};

struct emu_settings {
	int rate_limit;      /* requests per window; 0: no limit */
	int rate_window_ms;
	int latency_ms;      /* added to every /api/v1 request */
	enum emu_order order; /* of every list */
	int run_duration_ms; /* from queued to the terminal status */
	char run_status[16]; /* terminal status of new runs */
};

struct emu_fault {
	char method[16];  /* "" for any */
	char *prefix;     /* path prefix */
	long remaining;   /* requests left to affect */
	long skip;        /* matching requests to let through first */
	int status;       /* 0: keep the handler's status */
	char *body;       /* JSON text for `status`, or NULL for a default */
	int latency_ms;
	int close;        /* close the connection half-way through the body */
	int apply;        /* with `status`: run the handler first */
	int64_t id;
};

struct emu_log_entry {
	int64_t seq;
	int64_t time_ms;
	char method[8];
	char *path;   /* with the query string, if any */
	char *route;  /* "GET /api/v1/models/{id}" */
	int status;
	int64_t duration_us;
	const char *fault; /* static: "status", "close", "latency" or NULL */
};

struct emu_counter {
	char *route; /* "GET /api/v1/models/{id}" */
	int status;
	int64_t count;
	int64_t total_us;
	int64_t max_us;
};

struct emu_stmts;

/*
 * The order of an unfiltered list (one kind, one orderBy, one direction)
 * as row ids, so that a page at any offset costs its own rows only.
 * Valid while `generation` is the store's.
 */
#define EMU_LIST_CACHE_MAX 8
struct emu_list_cache {
	int in_use;
	enum ht_kind kind;
	const char *column;
	enum emu_order order;
	int64_t generation;
	int64_t last_used;
	int64_t *rowids;
	size_t nr;
};

struct emu {
	/* Set before the server starts, read-only after. */
	const char *workspace;
	char *api_key;
	char *admin_key; /* NULL: no admin surface */
	int quiet;

	pthread_mutex_t lock;
	sqlite3 *db;
	struct emu_stmts *st;
	int64_t workspace_id;
	int64_t clock_ms;      /* the last timestamp handed out */
	int64_t next_id[HT_IDS__COUNT];
	int64_t next_run_id;
	int64_t next_sequence_run;
	struct emu_settings settings;

	/* rate limiter: times of the last `rate_limit` accepted requests */
	int64_t *rl_times;
	size_t rl_size, rl_head;

	struct emu_fault *faults;
	size_t nfaults, faults_alloc;
	int64_t next_fault_id;

	struct emu_log_entry *log; /* ring of EMU_LOG_MAX */
	size_t log_nr, log_head;
	int64_t log_seq;
	struct emu_counter *counters;
	size_t ncounters, counters_alloc;

	/* runs not yet settled, and the earliest time one is due */
	size_t pending_runs;
	int64_t next_due_ms;

	/* bumped by every write to `resources`: list caches go stale */
	int64_t generation;
	struct emu_list_cache lists[EMU_LIST_CACHE_MAX];
	int64_t list_uses;
};

/* A query-string argument, decoded. */
struct emu_arg {
	char *key;
	char *value; /* NULL for "?key" with no '=' */
};

struct emu_request {
	const char *method;
	const char *path;
	const char *query; /* raw query string, for the log; may be NULL */
	struct emu_arg *args;
	size_t nargs, args_alloc;
	const char *authorization;
	const char *content_type; /* NULL when there is none */
	const char *body;
	size_t body_len;
	int body_too_big;
	char route[128]; /* set by the handlers, for the log and counters */
};

struct emu_response {
	int status;
	struct ht_strbuf body; /* JSON text */
};

/* util.c: time */
int64_t emu_now_ms(void);
int64_t emu_mono_us(void);
/* ISO 8601 date-time or date (ht_time_parse()): 0, or -1. */
int emu_parse_time(int64_t *ms, const char *s);
void emu_sleep_ms(int ms);

/* util.c: query arguments */
void emu_request_add_arg(struct emu_request *req, const char *key,
			 const char *value);
void emu_request_release(struct emu_request *req);
const char *emu_arg(const struct emu_request *req, const char *key);
/*
 * The date-time of query argument `key` into `*ms`: 1, 0 when there is
 * none, or -1 with a 400 answered.
 */
int emu_time_arg(const struct emu_request *req, const char *key,
		 int64_t *ms, struct emu_response *resp);

/* util.c: responses */
void emu_respond(struct emu_response *resp, int status, const char *json);
void emu_respond_json(struct emu_response *resp, int status, const json_t *v);
/* {"message": message, "details": details} with details a string. */
void emu_respond_error(struct emu_response *resp, int status,
		       const char *message, const char *fmt, ...)
	HT_PRINTF(4, 5);
/* 422 {"message": "Validation failed", "details": details}. */
void emu_respond_invalid(struct emu_response *resp, int status,
			 const json_t *details);
void emu_respond_internal(struct emu_response *resp);
/* Log the pending error (ht_error_message()) and answer 500. */
void emu_respond_failed(struct emu_response *resp);
/*
 * Answer 200 with a page of a list: `page` holds "{\"data\":[" and the
 * items; this closes the array and adds "hasMore".
 */
void emu_respond_page(struct emu_response *resp, struct ht_strbuf *page,
		      int more);
/*
 * Answer 200 with a page of the rows of `st` (selected with a LIMIT of
 * `limit` + 1: a row past `limit` means hasMore), each appended by `item`;
 * or, when stepping fails, log that `what` failed and answer 500.
 */
void emu_respond_rows(struct emu *e, sqlite3_stmt *st, int64_t limit,
		      void (*item)(struct ht_strbuf *out, sqlite3_stmt *st,
				   void *payload),
		      void *payload, const char *what,
		      struct emu_response *resp);
/* Add {"message": ...} under "requestBody[.path]" to `details`. */
void emu_detail(json_t *details, const char *path, const char *fmt, ...)
	HT_PRINTF(3, 4);
const char *emu_status_text(int status);

/* What emu_parse_body() asks of a body, or'ed. */
enum emu_body {
	EMU_BODY_REQUIRED = 1 << 0, /* an empty body is a 400, not {} */
	EMU_BODY_TYPED = 1 << 1,    /* a body must be sent as
				     * application/json, else 415 */
};

/*
 * util.c: the request body as JSON (an empty body is {} unless
 * EMU_BODY_REQUIRED), or NULL with a 413 ("<what> are limited to <max>
 * bytes"), a 415 or a 400 answered.  `flags`: enum emu_body.
 */
json_t *emu_parse_body(const struct emu_request *req, unsigned max,
		       const char *what, unsigned flags,
		       struct emu_response *resp);

/* util.c: misc */
int emu_parse_int(int64_t *out, const char *s, int64_t min, int64_t max);
int emu_key_equal(const char *given, size_t len, const char *key);
/* A JSON object from text we wrote ourselves; NULL only on a bug. */
json_t *emu_json_load(const char *text);

/*
 * store.c.  Its tables are the kinds table's id spaces (enum ht_ids,
 * ht_kind_ids()): the four model kinds are one table, as they are one
 * `/models` list in the API.  The values are stored.
 */
int emu_store_open(struct emu *e, const char *path);
void emu_store_close(struct emu *e);
int emu_store_begin(struct emu *e);
int emu_store_commit(struct emu *e);
void emu_store_rollback(struct emu *e);
/* The next timestamp (strictly after every earlier one), persisted. */
int emu_store_tick(struct emu *e, int64_t *ms);
int emu_store_alloc_id(struct emu *e, enum ht_ids tbl, int64_t *id);
int emu_store_save_meta(struct emu *e);
/* Drop every resource and run (a seed or a reset). */
int emu_store_clear(struct emu *e);

struct emu_row {
	enum ht_ids tbl;
	int64_t id;
	enum ht_kind kind;
	char *slug;
	char *name;
	char created_at[HT_TIME_LEN];
	char updated_at[HT_TIME_LEN];
	int64_t ref1, ref2; /* model: source; sync: model, destination;
			     * relationship: from, to (0 for none) */
	char *last_run_at;  /* syncs */
	char *doc;          /* the resource as the API shows it */
	char *ext;          /* extension members, "{...}", or NULL */
};
void emu_row_release(struct emu_row *row);
/* HT_ENOTFOUND when there is no such row. */
int emu_store_get(struct emu *e, enum ht_ids tbl, int64_t id,
		  struct emu_row *out);
int emu_store_find_slug(struct emu *e, enum ht_ids tbl, const char *slug,
			int64_t *id);
int emu_store_exists(struct emu *e, enum ht_ids tbl, int64_t id);
int emu_store_insert(struct emu *e, const struct emu_row *row);
/* Every column but tbl and id. */
int emu_store_update(struct emu *e, const struct emu_row *row);
int emu_store_delete(struct emu *e, enum ht_ids tbl, int64_t id);
/* Ids of the rows of `tbl` whose ref1 (which = 1) or ref2 is `ref`. */
int emu_store_ids_by_ref(struct emu *e, enum ht_ids tbl, int which,
			 int64_t ref, int64_t **ids, size_t *nr);
sqlite3_stmt *emu_store_prepare(struct emu *e, const char *sql);
/* The cached "SELECT doc, ext ... WHERE rowid = ?1"; reset it after use. */
sqlite3_stmt *emu_store_doc_by_rowid(struct emu *e);
int emu_store_error(struct emu *e, const char *what);

/* fields.c */
struct emu_field;
int emu_fields_init(void);
/*
 * Check `body` for `op` on `kind`: every problem is added to `details`,
 * under "requestBody.<prefix>.<field>" (`prefix` may be NULL).
 */
void emu_fields_check(enum ht_kind kind, enum emu_op op, const json_t *body,
		      const char *prefix, json_t *details);
/*
 * Apply a checked `body` to `state`, normalised (ids as integers, times
 * as "....sssZ").  Returns 1 if anything changed, else 0.
 */
int emu_fields_apply(enum ht_kind kind, enum emu_op op, const json_t *body,
		     json_t *state);
/* Checks on the whole state after a change (query keys, schema rules). */
void emu_fields_check_state(enum ht_kind kind, const json_t *state,
			    const char *prefix, json_t *details);
/*
 * Defaults for fields absent from a new resource, and the fields computed
 * from others (a sync's referencedColumns and status, dbt details).
 */
void emu_fields_defaults(enum ht_kind kind, json_t *state);
/*
 * The references of a state: (kind, id, field) triples, e.g. a sync's
 * model and destination.  Returns how many were stored in `out`.
 */
struct emu_ref {
	enum ht_kind kind;
	int64_t id;
	const char *field;
};
size_t emu_fields_refs(enum ht_kind kind, const json_t *state,
		       struct emu_ref *out, size_t max);
/* Render the API document and the extension members from `state`. */
void emu_fields_render(enum ht_kind kind, const json_t *state,
		       struct ht_strbuf *doc, struct ht_strbuf *ext);
/* Describe the table (for --help-fields and the docs). */
void emu_fields_describe(struct ht_strbuf *out);
/*
 * The kinds the emulator serves (those with an api_path), in the kinds
 * table's order; set by emu_fields_init().
 */
extern enum ht_kind emu_kinds[HT_KIND__COUNT];
extern size_t emu_nkinds;
const char *emu_kind_api_path(enum ht_kind kind);
/*
 * "sources", "parentModels"...: the key of a kind in seeds, its name in
 * camelCase, plural; NULL for a kind the emulator does not serve.
 */
const char *emu_kind_seed_key(enum ht_kind kind);

/* resource.c */
void emu_resource_create(struct emu *e, enum ht_kind kind, enum emu_op op,
			 const json_t *body, struct emu_response *resp);
void emu_resource_update(struct emu *e, enum ht_kind kind, int64_t id,
			 enum emu_op op, const json_t *body,
			 struct emu_response *resp);
void emu_resource_delete(struct emu *e, enum ht_kind kind, int64_t id,
			 int cascade, struct emu_response *resp);
void emu_resource_get(struct emu *e, enum ht_kind kind, int64_t id,
		      struct emu_response *resp);
void emu_resource_list(struct emu *e, enum ht_kind kind,
		       const struct emu_request *req,
		       struct emu_response *resp);
void emu_list_cache_release(struct emu *e);
/*
 * " ORDER BY <col> ASC, id ASC" (or DESC) for the settings' direction,
 * appended to `sql`; with EMU_ORDER_NONE, an order by a hash of the id
 * that no column follows.
 */
void emu_order_by(struct ht_strbuf *sql, const char *col,
		  enum emu_order order);
/* `offset` and `limit` of a list: 0, or -1 with a 400 answered. */
int emu_list_paging(const struct emu_request *req, int64_t *offset,
		    int64_t *limit, struct emu_response *resp);
/*
 * Merge `members` (a JSON object, whose reference this takes) into the
 * document of a stored row, without a new updatedAt: what runs and the
 * `syncs` arrays change.  A sync's lastRunAt column follows.  No such row
 * is not an error.
 */
int emu_resource_set_members(struct emu *e, enum ht_ids tbl, int64_t id,
			     json_t *members);
/* Recompute the `syncs` arrays of a model and of a destination. */
int emu_resource_refresh_syncs(struct emu *e, int64_t model_id,
			       int64_t destination_id);
/* Fill `row` (columns and rendered text) from a resource's state. */
void emu_row_from_state(struct emu_row *row, enum ht_kind kind,
			const json_t *state);
/* The document of a row as `kind`'s endpoint shows it. */
void emu_row_output(struct ht_strbuf *out, const struct emu_row *row,
		    int with_ext);
/*
 * emu_row_output() of the row a "SELECT doc, ext ..." statement stands
 * on, into a JSON array: after a ',' unless `nr` (the items before) is 0.
 */
void emu_row_output_stmt(struct ht_strbuf *out, sqlite3_stmt *st,
			 int with_ext, int64_t nr);
int emu_kind_matches(enum ht_kind endpoint, enum ht_kind row_kind);

/* runs.c */
int emu_runs_settle(struct emu *e);
/* A run's options (the trigger's body), or'ed. */
enum emu_run_flags {
	EMU_RUN_FULL_RESYNC = 1 << 0,
	EMU_RUN_RESET_CDC = 1 << 1, /* a snapshot: no rows */
};
/*
 * Insert a run of `sync_id` created at `created` (ms), due a run
 * duration later, ending as run_outcomes or the settings say; the sync
 * is "queued".  In the caller's transaction.
 */
int emu_runs_insert(struct emu *e, int64_t sync_id, int flags,
		    int64_t created, int64_t *id_out);
/*
 * A run's status at `now`: queued for the first quarter of its time,
 * then querying, processing and reporting, then `final`; its
 * completionRatio into `*ratio`.
 */
const char *emu_run_status_at(int64_t created, int64_t due,
			      const char *final, int64_t now, double *ratio);
void emu_runs_trigger(struct emu *e, int64_t sync_id, const json_t *body,
		      struct emu_response *resp);
void emu_runs_trigger_custom(struct emu *e, const json_t *body,
			     struct emu_response *resp);
void emu_runs_list(struct emu *e, int64_t sync_id,
		   const struct emu_request *req, struct emu_response *resp);
int emu_runs_load_state(struct emu *e);

/* sequences.c: sync sequences, their runs, and how runs end */
/* POST /sync-sequences/{id}/trigger */
void emu_sequences_trigger(struct emu *e, const char *id, const json_t *body,
			   struct emu_response *resp);
/* GET /sync-sequences/runs/{id} */
void emu_sequences_get_run(struct emu *e, const char *id,
			   struct emu_response *resp);
/*
 * Run `run_id` ended `status` at `due_ms`: when a sequence run started
 * it and it succeeded, start the sequence's next sync (at `due_ms`).
 */
int emu_sequences_settled(struct emu *e, int64_t run_id, const char *status,
			  int64_t due_ms);
/*
 * A sequence of a seed or of the admin surface, {"id": "...", "syncIds":
 * [...]}: its problems into `details` under `path`; `sync_exists` says
 * whether a sync id is known.
 */
void emu_sequence_check(const json_t *seq, const char *path,
			int (*sync_exists)(int64_t id, void *payload),
			void *payload, json_t *details);
/* Store a checked sequence (in the caller's transaction). */
int emu_sequence_insert(struct emu *e, const json_t *seq);
/* The sequences, for exports and GET /_emulator/sync-sequences. */
int emu_sequences_json(struct emu *e, json_t **out);
/* /_emulator/sync-sequences and /_emulator/run-outcomes */
void emu_sequences_admin(struct emu *e, struct emu_request *req,
			 const char *rest, struct emu_response *resp);
void emu_outcomes_admin(struct emu *e, struct emu_request *req,
			struct emu_response *resp);

/* api.c */
void emu_api_handle(struct emu *e, struct emu_request *req,
		    struct emu_response *resp);
int emu_check_bearer(const char *authorization, const char *key,
		     const char **why);

/* admin.c */
void emu_admin_handle(struct emu *e, struct emu_request *req,
		      struct emu_response *resp);
/* Replace the workspace with a seed (a JSON document). */
int emu_seed_load(struct emu *e, const json_t *seed, json_t *details);
int emu_seed_load_file(struct emu *e, const char *path);
int emu_export(struct emu *e, struct ht_strbuf *out);

/* server.c */
struct emu_server;
struct emu_listen {
	const char *address;   /* "HOST:PORT" */
	int allow_remote;      /* else only a loopback address */
	unsigned per_client;   /* connections at once per client address */
	unsigned idle_timeout; /* seconds without a byte; 0: none */
};
/* Start listening; `url` gets "http://127.0.0.1:PORT" (the real port). */
int emu_server_start(struct emu_server **out, struct emu *e,
		     const struct emu_listen *l, struct ht_strbuf *url);
void emu_server_stop(struct emu_server *s);
int emu_settings_set_rate(struct emu *e, const char *spec);
void emu_log_reset(struct emu *e);
void emu_log_json(struct emu *e, int64_t since, json_t *out);
void emu_faults_clear(struct emu *e);
int emu_fault_add(struct emu *e, const json_t *spec, json_t *details,
		  int64_t *id);
json_t *emu_faults_json(struct emu *e);

/* generate.c */
int emu_generate_main(int argc, const char **argv);

#endif
