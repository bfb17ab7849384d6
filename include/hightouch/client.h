#ifndef HIGHTOUCH_CLIENT_H
#define HIGHTOUCH_CLIENT_H

/*
 * The Hightouch REST API client, on libcurl and jansson.
 *
 * One `struct ht_client` talks to one API base URL with one API key, over
 * one libcurl easy handle that it reuses, so that requests share a kept-alive
 * connection (but for a POST, which always opens its own: libcurl silently
 * re-sends a request once when a kept-alive connection closes without an
 * answer, and a create must never be sent twice).  It:
 *
 *  - sends `Authorization: Bearer <key>`, `Accept: application/json`, a
 *    user agent, and `Content-Type: application/json` with bodies;
 *  - keeps under the API's 200 requests per 10 seconds with a client-side
 *    sliding window (HT_CLIENT_RATE_LIMIT, 195 per 10 s, by default);
 *  - retries with exponential backoff and jitter (honouring Retry-After)
 *    what is safe to repeat: a GET on 429, 500, 502, 503, 504, a dropped
 *    connection or a timeout; a POST or PATCH only when it cannot have
 *    been sent (the connection could not be made, or timed out before a
 *    byte was sent).  A POST or PATCH that may have reached the server is
 *    never repeated: a caller that creates must, after an error, look the
 *    resource up by slug before trying again (push does).  A 429 answer to
 *    a POST or PATCH is not retried either, though it says that the
 *    server refused the request (ht_client_last_status() tells);
 *  - caps and parses every response body (ht_json_parse), and turns each
 *    HTTP status and libcurl failure into an error code and a one-line
 *    message (below).
 *
 * The API key.  The client keeps its own copy and wipes it (and the header
 * holding it) when freed.  It travels only in the Authorization header: a
 * URL or request path that contains it is refused (url.h refuses URLs
 * with credentials).  It is never part of a message or a trace line: server text
 * quoted in a message has any occurrence of the key replaced by
 * "<redacted>".
 *
 * Errors (the codes of error.h; `M` is the server's message, sanitised):
 *
 *	401             HT_EAUTH      the API key was rejected by 'HOST': M
 *	403             HT_EAUTH      the API key may not 'GET /x' on 'HOST': M
 *	404             HT_ENOTFOUND  'GET /x' was not found on 'HOST' (...)
 *	409             HT_ECONFLICT  'POST /x' conflicts with ...: M
 *	400, 422        HT_EINVALID   'POST /x' was refused as invalid: M
 *	429             HT_ENET       rate limited by 'HOST' ...
 *	5xx             HT_EHTTP      'GET /x' failed with HTTP 500 ...: M
 *	other status    HT_EHTTP      unexpected HTTP status 302 ...
 *	bad 2xx body    HT_EHTTP      unexpected response to 'GET /x': ...
 *	body too large  HT_ETOOBIG    response to 'GET /x' exceeds ...
 *	TLS failure     HT_ENET       TLS connection to 'HOST' failed: ...
 *	network         HT_ENET       cannot connect to 'HOST': ...
 *
 * Server-supplied text in a message is cut to HT_CLIENT_MAX_SERVER_TEXT
 * bytes and control characters become '?'.  The message of a request that
 * was retried says how many times ("after 5 retries"); that of a POST or
 * PATCH that failed once it may have reached the server says "(not
 * retried: it may have been applied)".  A 401 is the only answer that
 * means the key itself was rejected: HT_EAUTH with
 * ht_client_last_status() 401.
 *
 * Threads.  libcurl must be initialised once per process before any other
 * thread runs: call ht_client_global_init() early in main() (the first
 * ht_client_new() calls it otherwise, which is fine in a single-threaded
 * program), and ht_client_global_cleanup() at exit, after the last client is
 * freed.  A client is used by one thread at a time.  The client sets
 * CURLOPT_NOSIGNAL, so it installs no signal handler; a program that must
 * not die on SIGPIPE ignores it itself.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "hightouch/strbuf.h"
#include "hightouch/url.h"

/* Items requested per page by the list helpers (the API's default). */
#define HT_CLIENT_PAGE_LIMIT 100
/* The list helpers give up past this many items (a looping server). */
#define HT_CLIENT_MAX_LIST_ITEMS 1000000
/*
 * hightouch.retries' default, for the programs that talk to a workspace:
 * with the default backoff, retries for about one window of the API's
 * rate limit (its 200 requests per 10 s are shared with every client).
 */
#define HT_CLIENT_RETRIES_DEFAULT 6
/*
 * What git's config says of the client, for every program that talks to
 * a workspace: hightouch.retries (0 to 20, default
 * HT_CLIENT_RETRIES_DEFAULT), hightouch.allowHttp (plain http to other
 * hosts than loopback: HT_URL_ALLOW_HTTP for ht_url_parse()) and
 * hightouch.pageSize (items a list page asks for, 1 to
 * HT_CLIENT_PAGE_SIZE_MAX, default HT_CLIENT_PAGE_LIMIT).
 */
#define HT_CLIENT_PAGE_SIZE_MAX 1000
struct ht_config;
struct ht_client_config {
	unsigned retries;
	unsigned url_flags;
	unsigned page_size;
};

/* Read it from `cfg` (config.h); a bad value is an error. */
int ht_client_config_read(struct ht_client_config *out,
			  const struct ht_config *cfg);

/* Server text quoted in a message is cut to this many bytes. */
#define HT_CLIENT_MAX_SERVER_TEXT 200

enum ht_method {
	HT_GET,
	HT_POST,
	HT_PATCH,
};

/*
 * Receives one trace line (no newline): one per request attempt, with the
 * method, path, status, duration and sizes, and one per wait of the rate
 * limiter.  Lines never hold headers, bodies or the key.
 */
typedef void (*ht_client_trace_fn)(const char *line, void *payload);

/*
 * Receives a line for the user (no newline) before the client waits a
 * second or more: "waiting 6 s for the API's rate limit", "HTTP 503,
 * retrying in 2 s (2 of 5)".  A program shows it where it shows its
 * progress.
 */
typedef void (*ht_client_notice_fn)(const char *line, void *payload);

/* A ready trace function: writes "trace: http: <line>\n" to the FILE *. */
void ht_client_trace_to_file(const char *line, void *payload);

struct ht_client_options {
	/*
	 * The remote's URL, parsed (url.h): its `api_base` is the API root
	 * (https://api.hightouch.com/api/v1, http://127.0.0.1:PORT/api/v1).
	 * Whether plain http may be used was decided when it was parsed
	 * (only to loopback, unless allowed): the client trusts it, and
	 * skips the proxy for a loopback host.  Required; it must outlive
	 * ht_client_new() only (what the client needs is copied).
	 */
	const struct ht_url *url;
	/* The API key, copied.  Required; printable ASCII, no spaces. */
	const char *api_key;
	/* NULL for "git-remote-hightouch/<version>". */
	const char *user_agent;
	/* A CA bundle file; NULL for the system's. */
	const char *ca_info;
	/* Per attempt; 0 for the default (10 s to connect, 60 s in all). */
	long connect_timeout_ms;
	long timeout_ms;
	/*
	 * At most `rate_limit` requests (retries included) in any window of
	 * `rate_window_ms`; 0 for the default (HT_CLIENT_RATE_LIMIT per
	 * HT_CLIENT_RATE_WINDOW_MS).  Must stay under the API's 200 per 10 s.
	 */
	unsigned rate_limit;
	unsigned rate_window_ms;
	/* Retries after the first attempt (0: none). */
	unsigned max_retries;
	/*
	 * Backoff before retry n (from 1): a random delay between half and
	 * all of `backoff_base_ms` * 2^(n-1), at least Retry-After when the
	 * server sends it, and at most `backoff_max_ms`.
	 */
	unsigned backoff_base_ms;
	unsigned backoff_max_ms;
	/* Largest response body accepted; 0 for HT_JSON_MAX_SIZE. */
	size_t max_response;
	/* Trace sink (see ht_client_trace_fn); NULL for none. */
	ht_client_trace_fn trace;
	void *trace_payload;
	/* Long waits, said to the user (see ht_client_notice_fn); or NULL. */
	ht_client_notice_fn notice;
	void *notice_payload;
	/*
	 * For tests: a monotonic clock in milliseconds and a sleep, used by
	 * the rate limiter and the backoff.  NULL for the real ones.
	 */
	uint64_t (*now_ms)(void *payload);
	void (*sleep_ms)(uint64_t ms, void *payload);
	void *clock_payload;
};

/*
 * The client's own limit, 195 requests in any 10 s: as close to the
 * API's 200 as is safe.  The client counts a request when it sends it,
 * the server when it arrives, and the client sends one at a time, so
 * that the first requests of a window are a round trip apart: a window of
 * the server's holds at most one request more than the client's, plus
 * one for each whole round trip by which a request's way to the server
 * was slower than that of one sent 10 s later.  The 5 kept in hand cover
 * a difference of up to 5 round trips; a 429 would only cost a retry.
 * 180, as before, made a 20,000-resource clone at the limit (206
 * requests) wait for 26 requests past the first 10 s instead of 11.
 */
#define HT_CLIENT_RATE_LIMIT 195
#define HT_CLIENT_RATE_WINDOW_MS 10000

#define HT_CLIENT_OPTIONS_INIT                                                 \
	{                                                                      \
		.connect_timeout_ms = 10000, .timeout_ms = 60000,              \
		.rate_limit = HT_CLIENT_RATE_LIMIT,                            \
		.rate_window_ms = HT_CLIENT_RATE_WINDOW_MS, .max_retries = 5,  \
		.backoff_base_ms = 250, .backoff_max_ms = 10000,               \
	}

/* Counters since the client was made, for benchmarks and tests. */
struct ht_client_stats {
	uint64_t requests;	 /* attempts made, retries included */
	uint64_t retries;	 /* attempts that were retries */
	uint64_t connects;	 /* new connections opened */
	uint64_t throttled;	 /* waits imposed by the rate limiter */
	uint64_t throttled_ms;	 /* total of those waits */
	uint64_t bytes_received; /* response bodies */
	uint64_t slowest_us;	 /* the longest attempt, start to answer */
};

struct ht_client;

/*
 * Initialise libcurl for the process (once; later calls do nothing).  Call
 * it before any thread starts.  0, or HT_ERROR if libcurl cannot start.
 */
int ht_client_global_init(void);
/* Release libcurl's global state; after the last ht_client_free(). */
void ht_client_global_cleanup(void);

/*
 * Make a client.  `*out` is set on success (free with ht_client_free()).
 * HT_EINVALID for a missing or malformed option (the message never quotes
 * the key), HT_ERROR when libcurl fails to start.
 */
int ht_client_new(struct ht_client **out, const struct ht_client_options *opts);
/* Close the connection, wipe the key, free.  NULL is accepted. */
void ht_client_free(struct ht_client *c);

/*
 * A response, for callers that need the status or the raw body.  After
 * ht_client_request() returns (0 or not): `status` is the last HTTP status
 * received (0 if none), `body` its body (capped), and `json` the body
 * parsed when it is JSON (a new reference; NULL otherwise).
 */
struct ht_response {
	long status;
	struct ht_strbuf body;
	json_t *json;
};

#define HT_RESPONSE_INIT { 0, HT_STRBUF_INIT, NULL }

/* Free the body and the JSON; `resp` is then as HT_RESPONSE_INIT. */
void ht_response_release(struct ht_response *resp);

/*
 * Send `method` to base URL + `path` (which starts with '/' and may hold a
 * query string, already encoded), retrying as described above.  A POST or
 * PATCH sends `body` as JSON (NULL sends "{}"); a GET takes no body.
 * `resp` (initialised with HT_RESPONSE_INIT) is released first.
 *
 * @return 0 for a 2xx response whose body is empty or JSON; otherwise the
 *         error of the table above, with `resp` filled as far as a response
 *         arrived.
 */
int ht_client_request(struct ht_client *c, struct ht_response *resp,
		      enum ht_method method, const char *path,
		      const json_t *body);

/*
 * The same, for the usual case: `*out` is the response's JSON, a new
 * reference.  A 2xx response with an empty body is HT_EHTTP.
 */
int ht_client_get(struct ht_client *c, json_t **out, const char *path);
int ht_client_post(struct ht_client *c, json_t **out, const char *path,
		   const json_t *body);
int ht_client_patch(struct ht_client *c, json_t **out, const char *path,
		    const json_t *body);

/*
 * One page of a listing: `items` is its `data` array (a new reference),
 * `has_more` 1 or 0 as the server said, -1 when it did not say.
 */
struct ht_page {
	json_t *items;
	int has_more;
};

#define HT_PAGE_INIT { NULL, -1 }

void ht_page_release(struct ht_page *page);

/*
 * Read one page: GET `path`?`query`&offset=`offset`&limit=`limit`
 * [&orderBy=`order_by`].  `query` (already encoded) and `order_by` may be
 * NULL.  HT_EHTTP when the response is not an object with a `data` array
 * (and `hasMore`, if present, a boolean).
 */
int ht_client_list_page(struct ht_client *c, struct ht_page *out,
			const char *path, const char *query, size_t offset,
			size_t limit, const char *order_by);

/*
 * Receives each non-empty page of a listing: `items` (borrowed:
 * json_incref() what is kept) and the `offset` of its first item.  Returns
 * 0 to go on, a positive value to stop (ht_client_list() then returns 0),
 * or a negative error code, which ht_client_list() returns unchanged.
 */
typedef int (*ht_client_page_fn)(json_t *items, size_t offset, void *payload);

/*
 * Read a whole listing, HT_CLIENT_PAGE_LIMIT items a page, `offset`
 * advancing by the items received.  It stops when `hasMore` is false, or,
 * when the server does not send `hasMore`, after a page of fewer items than
 * asked for.  Pass "orderBy=id" in `query` for a stable order.  HT_EHTTP
 * for a page that says `hasMore` but is empty, or past
 * HT_CLIENT_MAX_LIST_ITEMS items.
 */
int ht_client_list(struct ht_client *c, const char *path, const char *query,
		   ht_client_page_fn cb, void *payload);

/* The same, gathering every item into one new array `*out`. */
int ht_client_list_all(struct ht_client *c, json_t **out, const char *path,
		       const char *query);

/* Copy the counters. */
void ht_client_read_stats(const struct ht_client *c,
			  struct ht_client_stats *out);

/* Wait `ms` milliseconds, by the client's clock (a test's, when set). */
void ht_client_sleep(struct ht_client *c, uint64_t ms);

/* The HTTP status of the last response (0 if the last attempt got none). */
long ht_client_last_status(const struct ht_client *c);

/* 'HOST' or 'HOST:PORT' of the base URL, as messages name it. */
const char *ht_client_host(const struct ht_client *c);

/*
 * Append `name`=`value` to a query string, percent-encoding both, with a
 * '&' first unless `query` is empty.
 */
void ht_client_query_add(struct ht_strbuf *query, const char *name,
			 const char *value);

/*
 * Parse the `{"data": [...], "hasMore": bool}` envelope of a listing from
 * `doc` (borrowed).  `what` names the request in messages ("'GET
 * /models'").  0, or HT_EHTTP "unexpected response to <what>: ...".
 */
int ht_client_parse_page(struct ht_page *out, const json_t *doc,
			 const char *what);

/*
 * Append to `out` the message of an error response body, for quoting in a
 * message: `message` (or `error`) and `details` of a JSON object
 * ("Validation failed: {\"slug\":\"taken\"}"), a JSON string, or else the
 * text itself; with each occurrence of `secret` (may be NULL) replaced by
 * "<redacted>", sanitised and cut as ht_client_sanitize() does.  Appends
 * nothing for an empty body.  May change the thread's last error.
 */
void ht_client_server_message(struct ht_strbuf *out, const char *body,
			      size_t len, const char *secret);

/*
 * Append `len` bytes of untrusted text to `out`, fit for a one-line
 * message: each occurrence of `secret` (may be NULL or "") replaced by
 * "<redacted>", then control characters (C0, DEL, and C1 encoded in UTF-8)
 * replaced by '?', then cut at a UTF-8 character boundary to at most `max`
 * bytes, with "..." added when cut.
 */
void ht_client_sanitize(struct ht_strbuf *out, const char *s, size_t len,
			const char *secret, size_t max);

#endif
