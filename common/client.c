/*
 * The Hightouch REST API client (see client.h).  libcurl's CURLcode and
 * jansson's conventions stop in this file.
 *
 * Decisions:
 *  - The key is sent through CURLOPT_HTTPHEADER, from header lists the
 *    client builds and owns, so that it can wipe them when freed (a key
 *    given to CURLOPT_XOAUTH2_BEARER is copied by libcurl and freed
 *    without wiping).
 *  - Redirects are not followed: the API does not redirect, and following
 *    one could carry the key elsewhere.  A 3xx is an unexpected status.
 *  - The URL (url.h) decides plain http and loopback once, when parsed:
 *    the client trusts it.  A loopback host never goes through a proxy;
 *    other hosts use the proxy of the environment (https_proxy, ...), as
 *    curl does.
 *  - HTTP/1.1, one connection, kept alive: requests are sequential.  A
 *    POST alone opens a connection of its own (see perform()).
 *  - `Expect: 100-continue` is turned off: libcurl would otherwise wait
 *    for a go-ahead before sending any body over 1 KiB, a round trip (or
 *    a one-second stall with servers that do not answer it) per write.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "hightouch/alloc.h"
#include "hightouch/client.h"
#include "hightouch/config.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/ratelimit.h"
#include "hightouch/strbuf.h"

#ifndef HT_VERSION
#define HT_VERSION "dev"
#endif

#define DEFAULT_USER_AGENT "git-remote-hightouch/" HT_VERSION
#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_TIMEOUT_MS 60000

/* The API's own limit, which the client's must stay under. */
#define API_RATE_LIMIT 200
#define API_RATE_WINDOW_MS 10000

/* Longest API key and request path accepted. */
#define MAX_KEY_LEN 4096
#define MAX_PATH_LEN 8192

/* How much of a path a message quotes. */
#define MAX_QUOTED_PATH 200

#define REDACTED "<redacted>"

struct ht_client {
	CURL *curl;
	struct curl_slist *headers;	 /* for a request without a body */
	struct curl_slist *body_headers; /* for a request with a JSON body */
	char errbuf[CURL_ERROR_SIZE];

	char *key;  /* wiped on free */
	char *base; /* base URL without a final slash */
	char *host; /* "HOST" or "HOST:PORT", for messages */
	struct ht_strbuf url;

	struct ht_ratelimit limiter;
	/* as given (defaults filled in), but for `url` and `api_key` */
	struct ht_client_options opts;

	uint64_t rng;
	long last_status;
	struct ht_client_stats stats;
};

/* What one attempt of a request gave. */
struct attempt {
	CURLcode code;
	long status;
	int overflow; /* the body went past the cap */
	uint64_t retry_after_ms;
	curl_off_t sent; /* request bytes sent (headers included) */
	curl_off_t duration_us;
	curl_off_t received;
	long connects; /* new connections made */
};

/* The body of a response, as the write callback fills it. */
struct sink {
	struct ht_strbuf *body;
	int overflow;
};

static int curl_ready;

/* Overwrite `len` bytes in a way the compiler may not drop. */
static void wipe(void *p, size_t len)
{
	volatile unsigned char *v = p;

	while (len--)
		*v++ = 0;
}

int ht_client_global_init(void)
{
	CURLcode rc;

	if (curl_ready)
		return 0;
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		return ht_error_set(HT_ERROR, "cannot initialise libcurl: %s",
				    curl_easy_strerror(rc));
	curl_ready = 1;
	return 0;
}

void ht_client_global_cleanup(void)
{
	if (!curl_ready)
		return;
	curl_global_cleanup();
	curl_ready = 0;
}

void ht_client_trace_to_file(const char *line, void *payload)
{
	FILE *f = payload;

	fprintf(f, "trace: http: %s\n", line);
	fflush(f);
}

static const char *method_name(enum ht_method method)
{
	switch (method) {
	case HT_GET:
		return "GET";
	case HT_POST:
		return "POST";
	case HT_PATCH:
		return "PATCH";
	}
	HT_BUG("unknown method %d", (int)method);
}

/* ------------------------------------------------------------------------
 * Untrusted text.
 */

/*
 * Append one byte of untrusted text at `s[i]` to `out`, with control
 * characters made '?'.  Returns how many input bytes it used (2 for a C1
 * control encoded in UTF-8).
 */
static size_t add_safe_char(struct ht_strbuf *out, const char *s, size_t len,
			    size_t i)
{
	unsigned char ch = (unsigned char)s[i];

	if (ch < 0x20 || ch == 0x7f) {
		ht_strbuf_addch(out, '?');
		return 1;
	}
	if (ch == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
	    (unsigned char)s[i + 1] <= 0x9f) {
		ht_strbuf_addch(out, '?');
		return 2;
	}
	ht_strbuf_addch(out, ch);
	return 1;
}

void ht_client_sanitize(struct ht_strbuf *out, const char *s, size_t len,
			const char *secret, size_t max)
{
	struct ht_strbuf tmp = HT_STRBUF_INIT;
	size_t slen = secret ? strlen(secret) : 0;
	size_t stop = max < SIZE_MAX - 4 ? max + 4 : SIZE_MAX;
	size_t i = 0, cut;

	/* Stop a little past `max`: that is enough to know it is cut. */
	while (i < len && tmp.len <= stop) {
		if (slen && len - i >= slen && !memcmp(s + i, secret, slen)) {
			ht_strbuf_addstr(&tmp, REDACTED);
			i += slen;
			continue;
		}
		i += add_safe_char(&tmp, s, len, i);
	}
	if (tmp.len <= max && i >= len) {
		ht_strbuf_add(out, tmp.buf, tmp.len);
		goto cleanup;
	}
	cut = tmp.len < max ? tmp.len : max;
	/* do not split a UTF-8 sequence: back up to its first byte */
	while (cut && ((unsigned char)tmp.buf[cut] & 0xc0) == 0x80)
		cut--;
	ht_strbuf_add(out, tmp.buf, cut);
	ht_strbuf_addstr(out, "...");
cleanup:
	ht_strbuf_release(&tmp);
}

void ht_client_server_message(struct ht_strbuf *out, const char *body,
			      size_t len, const char *secret)
{
	struct ht_strbuf text = HT_STRBUF_INIT;
	json_t *v = NULL;

	if (!len)
		return;
	if (ht_json_parse(&v, body, len, len, "error response") < 0) {
		ht_client_sanitize(out, body, len, secret,
				   HT_CLIENT_MAX_SERVER_TEXT);
		return;
	}
	if (json_is_object(v)) {
		json_t *m = json_object_get(v, "message");
		json_t *d = json_object_get(v, "details");

		if (!json_is_string(m))
			m = json_object_get(v, "error");
		if (json_is_string(m))
			ht_strbuf_add(&text, json_string_value(m),
				      json_string_length(m));
		if (d && !json_is_null(d)) {
			if (text.len)
				ht_strbuf_addstr(&text, ": ");
			if (json_is_string(d))
				ht_strbuf_add(&text, json_string_value(d),
					      json_string_length(d));
			else
				ht_json_dump(&text, d);
		}
		if (!text.len)
			ht_json_dump(&text, v);
	} else if (json_is_string(v)) {
		ht_strbuf_add(&text, json_string_value(v),
			      json_string_length(v));
	} else {
		ht_json_dump(&text, v);
	}
	ht_client_sanitize(out, text.buf, text.len, secret,
			   HT_CLIENT_MAX_SERVER_TEXT);
	ht_strbuf_release(&text);
	json_decref(v);
}

void ht_client_query_add(struct ht_strbuf *query, const char *name,
			 const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *parts[2];
	int i;

	parts[0] = name;
	parts[1] = value;
	if (query->len)
		ht_strbuf_addch(query, '&');
	for (i = 0; i < 2; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		if (i)
			ht_strbuf_addch(query, '=');
		for (; *p; p++) {
			if ((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' ||
			    *p == '.' || *p == '_' || *p == '~') {
				ht_strbuf_addch(query, *p);
			} else {
				ht_strbuf_addch(query, '%');
				ht_strbuf_addch(query, hex[*p >> 4]);
				ht_strbuf_addch(query, hex[*p & 15]);
			}
		}
	}
}

/* ------------------------------------------------------------------------
 * Set-up.
 */

/* Printable ASCII without spaces: fit for a header or a path. */
static int is_token(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= max || s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return i > 0;
}

/* Quote untrusted or user text in a message. */
static const char *quote(struct ht_strbuf *sb, const char *s,
			 const char *secret)
{
	ht_strbuf_reset(sb);
	ht_client_sanitize(sb, s, strlen(s), secret, MAX_QUOTED_PATH);
	return sb->buf;
}

/*
 * The API root and the host for messages, from the parsed URL, which
 * decided whether plain http is allowed (url.h).  A URL that holds the
 * key is refused: the key travels in the Authorization header only.
 */
static int take_url(struct ht_client *c, const struct ht_client_options *opts)
{
	const struct ht_url *u = opts->url;

	if (!u || !u->api_base || !u->authority)
		return ht_error_set(HT_EINVALID, "no API URL given");
	if (strstr(u->api_base, c->key))
		return ht_error_set(HT_EINVALID,
				    "refusing an API URL that holds the API "
				    "key");
	c->host = ht_xstrdup(u->authority);
	c->base = ht_xstrdup(u->api_base);
	return 0;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *h)
{
	struct curl_slist *l = curl_slist_append(list, h);

	if (!l)
		ht_die_oom(); /* in libcurl or jansson */
	return l;
}

static struct curl_slist *make_headers(const char *auth, int with_body)
{
	struct curl_slist *list = NULL;

	list = add_header(list, auth);
	list = add_header(list, "Accept: application/json");
	list = add_header(list, "Expect:");
	if (with_body)
		list = add_header(list, "Content-Type: application/json");
	return list;
}

static void free_headers(struct curl_slist *list)
{
	struct curl_slist *p;

	for (p = list; p; p = p->next)
		wipe(p->data, strlen(p->data));
	curl_slist_free_all(list);
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct sink *s = data;
	size_t n = size * nmemb;

	if (ht_strbuf_add(s->body, ptr, n) < 0) {
		s->overflow = 1;
		return 0;
	}
	return n;
}

static int set_options(struct ht_client *c, const char *user_agent,
		       const struct ht_client_options *opts, int loopback)
{
	CURL *h = c->curl;
	long connect_ms = opts->connect_timeout_ms;
	long total_ms = opts->timeout_ms;

	if (connect_ms <= 0)
		connect_ms = DEFAULT_CONNECT_TIMEOUT_MS;
	if (total_ms <= 0)
		total_ms = DEFAULT_TIMEOUT_MS;
	if (curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf) ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent) ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms) ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) ||
	    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) ||
	    curl_easy_setopt(h, CURLOPT_SSLVERSION,
			     (long)CURL_SSLVERSION_TLSv1_2) ||
	    curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
			     (long)CURL_HTTP_VERSION_1_1) ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) ||
	    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L) ||
	    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
			     (curl_off_t)c->opts.max_response) ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb))
		return ht_error_set(HT_ERROR,
				    "cannot set up libcurl: an option was "
				    "refused");
#if LIBCURL_VERSION_NUM >= 0x075500
	if (curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"))
		return ht_error_set(HT_ERROR,
				    "cannot set up libcurl: "
				    "http and https are not supported");
#endif
	/* compression is welcome but optional: zlib may be missing */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	if (loopback && curl_easy_setopt(h, CURLOPT_PROXY, ""))
		return ht_error_set(HT_ERROR,
				    "cannot set up libcurl: cannot turn the "
				    "proxy off");
	if (opts->ca_info && curl_easy_setopt(h, CURLOPT_CAINFO, opts->ca_info))
		return ht_error_set(HT_ERROR,
				    "cannot set up libcurl: "
				    "the CA bundle option was refused");
	return 0;
}

int ht_client_new(struct ht_client **out, const struct ht_client_options *opts)
{
	struct ht_client *c = ht_xcalloc(1, sizeof(*c));
	struct ht_strbuf auth = HT_STRBUF_INIT;
	const char *ua = opts->user_agent;
	unsigned rate = opts->rate_limit;
	unsigned window = opts->rate_window_ms;
	int err;

	*out = NULL;
	if (!ua)
		ua = DEFAULT_USER_AGENT;
	if (!rate)
		rate = HT_CLIENT_RATE_LIMIT;
	if (!window)
		window = HT_CLIENT_RATE_WINDOW_MS;
	ht_strbuf_init(&c->url, 0);
	if (!opts->api_key || !*opts->api_key) {
		err = ht_error_set(HT_EINVALID, "no API key given");
		goto cleanup;
	}
	if (!is_token(opts->api_key, MAX_KEY_LEN)) {
		err = ht_error_set(HT_EINVALID,
				   "the API key has characters that cannot "
				   "be sent (spaces, control characters or "
				   "non-ASCII), or is too long");
		goto cleanup;
	}
	c->key = ht_xstrdup(opts->api_key);
	err = take_url(c, opts);
	if (err)
		goto cleanup;
	if (!*ua || strpbrk(ua, "\r\n")) {
		err = ht_error_set(HT_EINVALID, "invalid user agent");
		goto cleanup;
	}
	if ((uint64_t)rate * API_RATE_WINDOW_MS >=
	    (uint64_t)API_RATE_LIMIT * window) {
		err = ht_error_set(HT_EINVALID,
				   "a rate limit of %u requests per %u ms is "
				   "not under the API's %d per %d ms",
				   rate, window, API_RATE_LIMIT,
				   API_RATE_WINDOW_MS);
		goto cleanup;
	}
	err = ht_ratelimit_init(&c->limiter, rate, window);
	if (err)
		goto cleanup;

	c->opts = *opts;
	c->opts.url = NULL;
	c->opts.api_key = NULL;
	if (!c->opts.max_response)
		c->opts.max_response = HT_JSON_MAX_SIZE;
	c->rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^
		 (uint64_t)(uintptr_t)c;
	if (!c->rng)
		c->rng = 0x9e3779b97f4a7c15ULL;

	err = ht_client_global_init();
	if (err)
		goto cleanup;
	c->curl = curl_easy_init();
	if (!c->curl) {
		err = ht_error_set(HT_ERROR, "cannot start a libcurl handle");
		goto cleanup;
	}
	/* room first, so that no reallocation leaves a copy behind */
	ht_strbuf_grow(&auth, strlen(c->key) + 64);
	ht_strbuf_addf(&auth, "Authorization: Bearer %s", c->key);
	c->headers = make_headers(auth.buf, 0);
	c->body_headers = make_headers(auth.buf, 1);
	err = set_options(c, ua, opts, opts->url->loopback);
	if (err)
		goto cleanup;

	*out = c;
	c = NULL;
cleanup:
	wipe(auth.buf, auth.len);
	ht_strbuf_release(&auth);
	ht_client_free(c);
	return err;
}

void ht_client_free(struct ht_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free_headers(c->headers);
	free_headers(c->body_headers);
	if (c->key) {
		wipe(c->key, strlen(c->key));
		free(c->key);
	}
	free(c->base);
	free(c->host);
	ht_strbuf_release(&c->url);
	ht_ratelimit_release(&c->limiter);
	free(c);
}

void ht_client_read_stats(const struct ht_client *c,
			  struct ht_client_stats *out)
{
	*out = c->stats;
}

long ht_client_last_status(const struct ht_client *c)
{
	return c->last_status;
}

const char *ht_client_host(const struct ht_client *c)
{
	return c->host;
}

void ht_response_release(struct ht_response *resp)
{
	ht_strbuf_release(&resp->body);
	json_decref(resp->json);
	resp->json = NULL;
	resp->status = 0;
}

/* ------------------------------------------------------------------------
 * Time, tracing.
 */

static uint64_t now_ms(struct ht_client *c)
{
	struct timespec ts;

	if (c->opts.now_ms)
		return c->opts.now_ms(c->opts.clock_payload);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(struct ht_client *c, uint64_t ms)
{
	struct timespec ts;

	if (c->opts.sleep_ms) {
		c->opts.sleep_ms(ms, c->opts.clock_payload);
		return;
	}
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		; /* go on sleeping what is left */
}

void ht_client_sleep(struct ht_client *c, uint64_t ms)
{
	sleep_ms(c, ms);
}

/* xorshift64*: jitter only, no need for more. */
static uint64_t next_random(struct ht_client *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 0x2545f4914f6cdd1dULL;
}

/* A line made of `fmt` to `fn`, the trace's or the notice's sink. */
static void emit(void (*fn)(const char *line, void *payload), void *payload,
		 const char *fmt, va_list ap)
{
	struct ht_strbuf line = HT_STRBUF_INIT;

	ht_strbuf_vaddf(&line, fmt, ap);
	fn(line.buf, payload);
	ht_strbuf_release(&line);
}

static void trace(struct ht_client *c, const char *fmt, ...) HT_PRINTF(2, 3);
static void trace(struct ht_client *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->opts.trace)
		return;
	va_start(ap, fmt);
	emit(c->opts.trace, c->opts.trace_payload, fmt, ap);
	va_end(ap);
}

/* Tell the user of a wait of a second or more. */
static void notice(struct ht_client *c, uint64_t wait_ms, const char *fmt,
		   ...) HT_PRINTF(3, 4);
static void notice(struct ht_client *c, uint64_t wait_ms, const char *fmt,
		   ...)
{
	va_list ap;

	if (!c->opts.notice || wait_ms < 1000)
		return;
	va_start(ap, fmt);
	emit(c->opts.notice, c->opts.notice_payload, fmt, ap);
	va_end(ap);
}

/* Whole seconds of `ms`, rounded up: what a person is told to wait. */
static uint64_t seconds(uint64_t ms)
{
	return (ms + 999) / 1000;
}

/* Wait as the rate limiter says, then count a request. */
static void throttle(struct ht_client *c)
{
	uint64_t now = now_ms(c), wait;

	while ((wait = ht_ratelimit_delay(&c->limiter, now))) {
		trace(c, "rate limit: waiting %" PRIu64 " ms", wait);
		notice(c, wait, "waiting %" PRIu64 " s for the API's rate limit",
		       seconds(wait));
		c->stats.throttled++;
		c->stats.throttled_ms += wait;
		sleep_ms(c, wait);
		now = now_ms(c);
	}
	ht_ratelimit_record(&c->limiter, now);
}

/*
 * The delay before retry `n` (from 1): base * 2^(n-1), jittered to between
 * half and all of it, at least `retry_after_ms`, at most the cap.
 */
static uint64_t backoff(struct ht_client *c, unsigned n,
			uint64_t retry_after_ms)
{
	uint64_t d = c->opts.backoff_base_ms, delay;
	unsigned i;

	for (i = 1; i < n && d < c->opts.backoff_max_ms; i++)
		d *= 2;
	if (d > c->opts.backoff_max_ms)
		d = c->opts.backoff_max_ms;
	delay = d / 2 + next_random(c) % (d - d / 2 + 1);
	if (delay < retry_after_ms)
		delay = retry_after_ms;
	if (delay > c->opts.backoff_max_ms)
		delay = c->opts.backoff_max_ms;
	return delay;
}

/* ------------------------------------------------------------------------
 * Requests.
 */

static int is_retry_status(long status)
{
	return status == 429 || status == 500 || status == 502 ||
	       status == 503 || status == 504;
}

/*
 * Whether a transfer that failed with `code` may be tried again.  A GET may
 * be repeated after a timeout or a connection that broke; a POST or PATCH
 * only after a timeout before anything was sent.  A refused connection, an
 * unknown host or a TLS failure is not tried again: waiting does not
 * mend a wrong port, name or certificate, and the user hears of it at once.
 */
static int is_retry_transport(enum ht_method method, CURLcode code,
			      curl_off_t sent)
{
	if (method != HT_GET)
		return code == CURLE_OPERATION_TIMEDOUT && !sent;
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static int is_tls_error(CURLcode code)
{
	switch (code) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return 1;
	default:
		return 0;
	}
}

/* Check a request path; refuse one that would carry the key. */
static int check_path(struct ht_client *c, const char *path)
{
	struct ht_strbuf q = HT_STRBUF_INIT;
	int err = 0;

	if (strstr(path, c->key))
		return ht_error_set(HT_EINVALID,
				    "refusing to put the API key in a request "
				    "path");
	if (path[0] != '/' || strchr(path, '#') ||
	    !is_token(path, MAX_PATH_LEN))
		err = ht_error_set(HT_EINVALID,
				   "invalid request path '%s' (it must start "
				   "with '/' and be URL-encoded)",
				   quote(&q, path, c->key));
	ht_strbuf_release(&q);
	return err;
}

/* One attempt: send the request and fill `resp` and `at`. */
static void perform(struct ht_client *c, struct ht_response *resp,
		    enum ht_method method, const char *path,
		    const struct ht_strbuf *body, struct attempt *at)
{
	CURL *h = c->curl;
	struct sink sink;
	curl_off_t retry_after = 0, received = 0;
	long status = 0, connects = 0, request_size = 0;

	memset(at, 0, sizeof(*at));
	ht_strbuf_reset(&resp->body);
	sink.body = &resp->body;
	sink.overflow = 0;
	ht_strbuf_reset(&c->url);
	ht_strbuf_addstr(&c->url, c->base);
	ht_strbuf_addstr(&c->url, path);
	c->errbuf[0] = '\0';

	curl_easy_setopt(h, CURLOPT_URL, c->url.buf);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	/*
	 * libcurl sends a request again, on a new connection, when a
	 * kept-alive one closes before any byte of the answer: the server
	 * may have closed it idle, or may have got the request and died.  A
	 * create must never be sent twice, so a POST always opens its own
	 * connection, which libcurl never retries.  A PATCH may reuse one:
	 * sending it twice leaves the resource as sending it once.
	 */
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, method == HT_POST ? 1L : 0L);
	if (method == HT_GET) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, (char *)NULL);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	} else {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->buf);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)body->len);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST,
				 method == HT_PATCH ? "PATCH" : (char *)NULL);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->body_headers);
	}

	throttle(c);
	at->code = curl_easy_perform(h);
	at->overflow = sink.overflow;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &at->duration_us);
	curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &received);
	at->status = status;
	at->sent = request_size;
	at->received = received;
	at->connects = connects;
	if (retry_after > 0)
		at->retry_after_ms = retry_after > 3600 ?
					     3600000 :
					     (uint64_t)retry_after * 1000;

	c->last_status = status;
	resp->status = status;
	c->stats.requests++;
	if (connects > 0)
		c->stats.connects += (uint64_t)connects;
	if (received > 0)
		c->stats.bytes_received += (uint64_t)received;
	if (at->duration_us > 0 &&
	    (uint64_t)at->duration_us > c->stats.slowest_us)
		c->stats.slowest_us = (uint64_t)at->duration_us;
}

/* libcurl's words about a failed transfer, safe to quote. */
static const char *curl_words(struct ht_client *c, struct ht_strbuf *sb,
			      CURLcode code)
{
	const char *s = c->errbuf[0] ? c->errbuf : curl_easy_strerror(code);

	ht_strbuf_reset(sb);
	ht_client_sanitize(sb, s, strlen(s), c->key, CURL_ERROR_SIZE);
	return sb->buf;
}

static void trace_attempt(struct ht_client *c, const char *what,
			  const struct attempt *at, unsigned retry,
			  uint64_t delay)
{
	struct ht_strbuf words = HT_STRBUF_INIT, tail = HT_STRBUF_INIT;
	double ms = (double)at->duration_us / 1000.0;

	if (!c->opts.trace)
		return;
	if (at->connects)
		ht_strbuf_addstr(&tail, ", new connection");
	if (retry)
		ht_strbuf_addf(&tail, "; retry %u of %u in %" PRIu64 " ms",
			       retry, c->opts.max_retries, delay);
	if (at->code == CURLE_OK)
		trace(c,
		      "%s -> %ld in %.1f ms, %" CURL_FORMAT_CURL_OFF_T
		      " bytes%s",
		      what, at->status, ms, at->received, tail.buf);
	else
		trace(c, "%s -> failed in %.1f ms: %s%s", what, ms,
		      curl_words(c, &words, at->code), tail.buf);
	ht_strbuf_release(&words);
	ht_strbuf_release(&tail);
}

/* Turn a failed transfer into an error code and message. */
static int transport_error(struct ht_client *c, const char *what,
			   const struct attempt *at, const char *retried)
{
	struct ht_strbuf words = HT_STRBUF_INIT;
	int err;

	if (at->overflow || at->code == CURLE_FILESIZE_EXCEEDED) {
		err = ht_error_set(HT_ETOOBIG,
				   "response to %s exceeds the limit of %zu "
				   "bytes",
				   what, c->opts.max_response);
		goto cleanup;
	}
	curl_words(c, &words, at->code);
	switch (at->code) {
	case CURLE_COULDNT_RESOLVE_HOST:
		err = ht_error_set(HT_ENET, "cannot resolve host '%s': %s",
				   c->host, words.buf);
		break;
	case CURLE_COULDNT_CONNECT:
		err = ht_error_set(HT_ENET, "cannot connect to '%s': %s",
				   c->host, words.buf);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		err = ht_error_set(HT_ENET, "%s to '%s' timed out%s: %s", what,
				   c->host, retried, words.buf);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		err = ht_error_set(HT_ENET,
				   "the TLS certificate of '%s' could not be "
				   "verified: %s",
				   c->host, words.buf);
		break;
	default:
		if (is_tls_error(at->code))
			err = ht_error_set(HT_ENET,
					   "TLS connection to '%s' failed: %s",
					   c->host, words.buf);
		else
			err = ht_error_set(HT_ENET, "%s to '%s' failed%s: %s",
					   what, c->host, retried, words.buf);
		break;
	}
cleanup:
	ht_strbuf_release(&words);
	return err;
}

/* Turn an HTTP status other than 2xx into an error code and message. */
static int status_error(struct ht_client *c, const struct ht_response *resp,
			const char *what, const char *retried)
{
	struct ht_strbuf m = HT_STRBUF_INIT;
	const char *sep;
	long status = resp->status;
	int err;

	ht_client_server_message(&m, resp->body.buf, resp->body.len, c->key);
	sep = m.len ? ": " : "";
	if (status == 401)
		err = ht_error_set(HT_EAUTH,
				   "the API key was rejected by '%s'%s%s",
				   c->host, sep, m.buf);
	else if (status == 403)
		err = ht_error_set(HT_EAUTH,
				   "the API key may not %s on '%s'%s%s", what,
				   c->host, sep, m.buf);
	else if (status == 404)
		err = ht_error_set(HT_ENOTFOUND,
				   "%s was not found on '%s' (no such "
				   "resource, or a wrong host or path)%s%s",
				   what, c->host, sep, m.buf);
	else if (status == 409)
		err = ht_error_set(HT_ECONFLICT,
				   "%s conflicts with the workspace%s%s", what,
				   sep, m.buf);
	else if (status == 400 || status == 422)
		err = ht_error_set(HT_EINVALID, "%s was refused as invalid%s%s",
				   what, sep, m.buf);
	else if (status == 429)
		err = ht_error_set(HT_ENET, "rate limited by '%s' on %s%s",
				   c->host, what,
				   *retried ? retried : " (not retried)");
	else if (status >= 500 && status < 600)
		err = ht_error_set(HT_EHTTP,
				   "%s failed with HTTP %ld from '%s'%s%s%s",
				   what, status, c->host, retried, sep, m.buf);
	else
		err = ht_error_set(HT_EHTTP,
				   "unexpected HTTP status %ld for %s from "
				   "'%s'%s%s",
				   status, what, c->host, sep, m.buf);
	ht_strbuf_release(&m);
	return err;
}

/*
 * Parse the body of a response into `resp->json`.  For a 2xx response a
 * body that is not JSON is an error; for others it is only left unparsed.
 */
static int parse_body(struct ht_client *c, struct ht_response *resp,
		      const char *what, int must)
{
	struct ht_strbuf m = HT_STRBUF_INIT, w = HT_STRBUF_INIT;
	const char *msg;
	int err;

	if (!resp->body.len)
		return 0;
	ht_strbuf_addf(&w, "response to %s", what);
	err = ht_json_parse(&resp->json, resp->body.buf, resp->body.len,
			    c->opts.max_response, w.buf);
	if (!err || !must) {
		err = 0;
		goto cleanup;
	}
	/* jansson quotes the text it choked on: sanitise it */
	msg = ht_error_message();
	ht_client_sanitize(&m, msg, strlen(msg), c->key, HT_ERROR_MAX / 2);
	if (err != HT_ETOOBIG)
		err = HT_EHTTP;
	ht_error_set(err, "unexpected %s", m.buf);
cleanup:
	ht_strbuf_release(&m);
	ht_strbuf_release(&w);
	return err;
}

/* The user's line before a retry that waits a second or more. */
static void notice_retry(struct ht_client *c, const struct attempt *at,
			 unsigned retry, uint64_t delay)
{
	struct ht_strbuf words = HT_STRBUF_INIT;

	if (at->code == CURLE_OK && at->status == 429)
		notice(c, delay, "waiting %" PRIu64 " s for the API's rate "
		       "limit (HTTP 429, %u of %u)", seconds(delay), retry,
		       c->opts.max_retries);
	else if (at->code == CURLE_OK)
		notice(c, delay, "HTTP %ld, retrying in %" PRIu64 " s (%u of "
		       "%u)", at->status, seconds(delay), retry,
		       c->opts.max_retries);
	else
		notice(c, delay, "%s, retrying in %" PRIu64 " s (%u of %u)",
		       curl_words(c, &words, at->code), seconds(delay), retry,
		       c->opts.max_retries);
	ht_strbuf_release(&words);
}

int ht_client_request(struct ht_client *c, struct ht_response *resp,
		      enum ht_method method, const char *path,
		      const json_t *body)
{
	struct ht_strbuf what = HT_STRBUF_INIT, json = HT_STRBUF_INIT;
	struct ht_strbuf retried = HT_STRBUF_INIT;
	struct attempt at;
	unsigned retry = 0;
	int err;

	ht_response_release(resp);
	resp->body.cap = c->opts.max_response;
	c->last_status = 0;
	err = check_path(c, path);
	if (err)
		goto cleanup;
	if (method == HT_GET && body)
		HT_BUG("a GET request with a body");
	if (method != HT_GET) {
		if (body)
			ht_json_dump(&json, body);
		else
			ht_strbuf_addstr(&json, "{}");
	}
	ht_strbuf_addf(&what, "'%s ", method_name(method));
	ht_client_sanitize(&what, path, strlen(path), c->key, MAX_QUOTED_PATH);
	ht_strbuf_addch(&what, '\'');

	for (;;) {
		uint64_t delay = 0;
		int again;

		perform(c, resp, method, path, &json, &at);
		if (at.code == CURLE_OK)
			again = method == HT_GET && is_retry_status(at.status);
		else
			again = !at.overflow &&
				is_retry_transport(method, at.code, at.sent);
		if (again && retry < c->opts.max_retries) {
			retry++;
			delay = backoff(c, retry, at.retry_after_ms);
			trace_attempt(c, what.buf, &at, retry, delay);
			notice_retry(c, &at, retry, delay);
			c->stats.retries++;
			if (delay)
				sleep_ms(c, delay);
			continue;
		}
		trace_attempt(c, what.buf, &at, 0, 0);
		break;
	}

	if (retry)
		ht_strbuf_addf(&retried, " after %u %s", retry,
			       retry == 1 ? "retry" : "retries");
	else if (method != HT_GET &&
		 ((at.code != CURLE_OK && at.sent > 0) ||
		  (at.code == CURLE_OK && at.status >= 500)))
		ht_strbuf_addstr(&retried,
				 " (not retried: it may have been applied)");
	if (at.code != CURLE_OK) {
		err = transport_error(c, what.buf, &at, retried.buf);
		goto cleanup;
	}
	if (at.status >= 200 && at.status < 300) {
		err = parse_body(c, resp, what.buf, 1);
		goto cleanup;
	}
	parse_body(c, resp, what.buf, 0);
	err = status_error(c, resp, what.buf, retried.buf);
cleanup:
	ht_strbuf_release(&what);
	ht_strbuf_release(&json);
	ht_strbuf_release(&retried);
	return err;
}

static int request_json(struct ht_client *c, json_t **out,
			enum ht_method method, const char *path,
			const json_t *body)
{
	struct ht_response resp = HT_RESPONSE_INIT;
	int err;

	*out = NULL;
	err = ht_client_request(c, &resp, method, path, body);
	if (err)
		goto cleanup;
	if (!resp.json) {
		err = ht_error_set(HT_EHTTP,
				   "unexpected response to '%s %s': an empty "
				   "body",
				   method_name(method), path);
		goto cleanup;
	}
	*out = resp.json;
	resp.json = NULL; /* now the caller's */
cleanup:
	ht_response_release(&resp);
	return err;
}

int ht_client_get(struct ht_client *c, json_t **out, const char *path)
{
	return request_json(c, out, HT_GET, path, NULL);
}

int ht_client_post(struct ht_client *c, json_t **out, const char *path,
		   const json_t *body)
{
	return request_json(c, out, HT_POST, path, body);
}

int ht_client_patch(struct ht_client *c, json_t **out, const char *path,
		    const json_t *body)
{
	return request_json(c, out, HT_PATCH, path, body);
}

/* ------------------------------------------------------------------------
 * Listings.
 */

void ht_page_release(struct ht_page *page)
{
	json_decref(page->items);
	page->items = NULL;
	page->has_more = -1;
}

int ht_client_parse_page(struct ht_page *out, const json_t *doc,
			 const char *what)
{
	json_t *data, *more;

	out->items = NULL;
	out->has_more = -1;
	if (!json_is_object(doc))
		return ht_error_set(HT_EHTTP,
				    "unexpected response to %s: expected an "
				    "object with a 'data' array, got %s",
				    what, ht_json_type_name(doc));
	data = json_object_get(doc, "data");
	if (!json_is_array(data))
		return ht_error_set(HT_EHTTP,
				    "unexpected response to %s: 'data' is %s, "
				    "not an array",
				    what, ht_json_type_name(data));
	more = json_object_get(doc, "hasMore");
	if (more && !json_is_null(more)) {
		if (!json_is_boolean(more))
			return ht_error_set(HT_EHTTP,
					    "unexpected response to %s: "
					    "'hasMore' is %s, not a boolean",
					    what, ht_json_type_name(more));
		out->has_more = json_is_true(more);
	}
	out->items = json_incref(data);
	return 0;
}

static void page_path(struct ht_strbuf *sb, const char *path, const char *query,
		      size_t offset, size_t limit, const char *order_by)
{
	struct ht_strbuf q = HT_STRBUF_INIT;
	char num[32];

	if (query && *query)
		ht_strbuf_addstr(&q, query);
	snprintf(num, sizeof(num), "%zu", offset);
	ht_client_query_add(&q, "offset", num);
	snprintf(num, sizeof(num), "%zu", limit);
	ht_client_query_add(&q, "limit", num);
	if (order_by)
		ht_client_query_add(&q, "orderBy", order_by);
	ht_strbuf_addf(sb, "%s?%s", path, q.buf);
	ht_strbuf_release(&q);
}

int ht_client_list_page(struct ht_client *c, struct ht_page *out,
			const char *path, const char *query, size_t offset,
			size_t limit, const char *order_by)
{
	struct ht_strbuf full = HT_STRBUF_INIT, what = HT_STRBUF_INIT;
	json_t *doc = NULL;
	int err;

	out->items = NULL;
	out->has_more = -1;
	page_path(&full, path, query, offset, limit, order_by);
	err = ht_client_get(c, &doc, full.buf);
	if (err)
		goto cleanup;
	ht_strbuf_addstr(&what, "'GET ");
	ht_client_sanitize(&what, full.buf, full.len, c->key, MAX_QUOTED_PATH);
	ht_strbuf_addch(&what, '\'');
	err = ht_client_parse_page(out, doc, what.buf);
cleanup:
	json_decref(doc);
	ht_strbuf_release(&full);
	ht_strbuf_release(&what);
	return err;
}

int ht_client_list(struct ht_client *c, const char *path, const char *query,
		   ht_client_page_fn cb, void *payload)
{
	struct ht_page page = HT_PAGE_INIT;
	struct ht_strbuf full = HT_STRBUF_INIT;
	size_t offset = 0, n;
	int err = 0, ret;

	for (;;) {
		err = ht_client_list_page(c, &page, path, query, offset,
					  HT_CLIENT_PAGE_LIMIT, NULL);
		if (err)
			goto cleanup;
		n = json_array_size(page.items);
		if (!n && page.has_more == 1) {
			page_path(&full, path, query, offset,
				  HT_CLIENT_PAGE_LIMIT, NULL);
			err = ht_error_set(HT_EHTTP,
					   "unexpected response to 'GET %s': "
					   "an empty page says 'hasMore'",
					   full.buf);
			goto cleanup;
		}
		if (n) {
			ret = cb(page.items, offset, payload);
			if (ret < 0) {
				err = ret;
				goto cleanup;
			}
			if (ret > 0)
				goto cleanup;
		}
		offset += n;
		if (!page.has_more ||
		    (page.has_more < 0 && n < HT_CLIENT_PAGE_LIMIT))
			goto cleanup;
		if (offset >= HT_CLIENT_MAX_LIST_ITEMS) {
			err = ht_error_set(HT_EHTTP,
					   "unexpected response to 'GET %s': "
					   "more than %d items",
					   path, HT_CLIENT_MAX_LIST_ITEMS);
			goto cleanup;
		}
		ht_page_release(&page);
	}
cleanup:
	ht_page_release(&page);
	ht_strbuf_release(&full);
	return err;
}

static int gather(json_t *items, size_t offset, void *payload)
{
	(void)offset;
	if (json_array_extend(payload, items))
		ht_die_oom(); /* in libcurl or jansson */
	return 0;
}

int ht_client_list_all(struct ht_client *c, json_t **out, const char *path,
		       const char *query)
{
	json_t *all = json_array();
	int err;

	*out = NULL;
	if (!all)
		ht_die_oom(); /* in libcurl or jansson */
	err = ht_client_list(c, path, query, gather, all);
	if (err) {
		json_decref(all);
		return err;
	}
	*out = all;
	return 0;
}

int ht_client_config_read(struct ht_client_config *out,
			  const struct ht_config *cfg)
{
	int allow_http = 0, ret;

	out->retries = HT_CLIENT_RETRIES_DEFAULT;
	out->url_flags = 0;
	out->page_size = HT_CLIENT_PAGE_LIMIT;
	ret = ht_config_number(cfg, "hightouch.retries", 0, 20, &out->retries);
	if (!ret)
		ret = ht_config_number(cfg, "hightouch.pagesize", 1,
				       HT_CLIENT_PAGE_SIZE_MAX,
				       &out->page_size);
	if (!ret)
		ret = ht_config_bool(cfg, "hightouch.allowhttp", &allow_http);
	if (!ret && allow_http)
		out->url_flags |= HT_URL_ALLOW_HTTP;
	return ret;
}
