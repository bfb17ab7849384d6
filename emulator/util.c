/*
 * Small helpers: time, query arguments, JSON response bodies.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hightouch/time.h"
#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"

#include "emulator.h"

int64_t emu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t emu_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void emu_sleep_ms(int ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int emu_parse_time(int64_t *ms, const char *s)
{
	if (!s || ht_time_parse(ms, s, strlen(s)) < 0)
		return -1;
	return 0;
}

void emu_request_add_arg(struct emu_request *req, const char *key,
			 const char *value)
{
	struct emu_arg *a;

	HT_ALLOC_GROW(req->args, req->nargs + 1, req->args_alloc);
	a = &req->args[req->nargs++];
	a->key = ht_xstrdup(key ? key : "");
	a->value = value ? ht_xstrdup(value) : NULL;
}

void emu_request_release(struct emu_request *req)
{
	size_t i;

	for (i = 0; i < req->nargs; i++) {
		free(req->args[i].key);
		free(req->args[i].value);
	}
	free(req->args);
	req->args = NULL;
	req->nargs = req->args_alloc = 0;
}

int emu_time_arg(const struct emu_request *req, const char *key,
		 int64_t *ms, struct emu_response *resp)
{
	const char *v = emu_arg(req, key);

	if (!v)
		return 0;
	if (emu_parse_time(ms, v) < 0) {
		emu_respond_error(resp, 400, "Bad Request", "'%s' must be an "
				  "ISO 8601 date-time, got '%s'", key, v);
		return -1;
	}
	return 1;
}

const char *emu_arg(const struct emu_request *req, const char *key)
{
	size_t i;

	for (i = 0; i < req->nargs; i++)
		if (!strcmp(req->args[i].key, key))
			return req->args[i].value ? req->args[i].value : "";
	return NULL;
}

const char *emu_status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Error";
	}
}

void emu_respond(struct emu_response *resp, int status, const char *json)
{
	resp->status = status;
	ht_strbuf_reset(&resp->body);
	ht_strbuf_addstr(&resp->body, json);
}

void emu_respond_json(struct emu_response *resp, int status, const json_t *v)
{
	resp->status = status;
	ht_strbuf_reset(&resp->body);
	if (ht_json_dump(&resp->body, v) < 0)
		emu_respond_internal(resp);
}

void emu_respond_error(struct emu_response *resp, int status,
		       const char *message, const char *fmt, ...)
{
	struct ht_strbuf details = HT_STRBUF_INIT;
	json_t *v;
	va_list ap;

	va_start(ap, fmt);
	ht_strbuf_vaddf(&details, fmt, ap);
	va_end(ap);
	v = json_pack("{s:s, s:s%}", "message", message, "details",
		      details.buf, details.len);
	if (v)
		emu_respond_json(resp, status, v);
	else
		emu_respond_internal(resp);
	json_decref(v);
	ht_strbuf_release(&details);
}

void emu_respond_invalid(struct emu_response *resp, int status,
			 const json_t *details)
{
	json_t *v = json_object();

	json_object_set_new(v, "message", json_string("Validation failed"));
	json_object_set(v, "details", (json_t *)details);
	emu_respond_json(resp, status, v);
	json_decref(v);
}

void emu_respond_internal(struct emu_response *resp)
{
	resp->status = 500;
	ht_strbuf_reset(&resp->body);
	ht_strbuf_addstr(&resp->body, "\"Internal Server Error\"");
}

void emu_respond_failed(struct emu_response *resp)
{
	fprintf(stderr, "error: %s\n", ht_error_message());
	emu_respond_internal(resp);
}

void emu_respond_page(struct emu_response *resp, struct ht_strbuf *page,
		      int more)
{
	ht_strbuf_addf(page, "],\"hasMore\":%s}", more ? "true" : "false");
	emu_respond(resp, 200, page->buf);
}

void emu_respond_rows(struct emu *e, sqlite3_stmt *st, int64_t limit,
		      void (*item)(struct ht_strbuf *out, sqlite3_stmt *st,
				   void *payload),
		      void *payload, const char *what,
		      struct emu_response *resp)
{
	struct ht_strbuf out = HT_STRBUF_INIT;
	int64_t n = 0;
	int rc, more = 0;

	ht_strbuf_addstr(&out, "{\"data\":[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == limit) {
			more = 1;
			break;
		}
		if (n++)
			ht_strbuf_addch(&out, ',');
		item(&out, st, payload);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		emu_store_error(e, what);
		emu_respond_failed(resp);
	} else {
		emu_respond_page(resp, &out, more);
	}
	ht_strbuf_release(&out);
}

/* "application/json", with or without parameters (a charset). */
static int is_json_type(const char *type)
{
	size_t len;

	if (!type)
		return 0;
	type += strspn(type, " \t");
	len = strcspn(type, "; \t");
	return len == 16 && !strncasecmp(type, "application/json", len);
}

json_t *emu_parse_body(const struct emu_request *req, unsigned max,
		       const char *what, unsigned flags,
		       struct emu_response *resp)
{
	json_t *v = NULL;

	if (req->body_too_big) {
		emu_respond_error(resp, 413, "Payload Too Large", "%s are "
				  "limited to %u bytes", what, max);
		return NULL;
	}
	if (!req->body_len && (flags & EMU_BODY_REQUIRED)) {
		emu_respond_error(resp, 400, "Bad Request", "request body: "
				  "empty, a JSON object is required");
		return NULL;
	}
	if (!req->body_len)
		return json_object();
	if ((flags & EMU_BODY_TYPED) && !is_json_type(req->content_type)) {
		if (req->content_type)
			emu_respond_error(resp, 415, "Unsupported Media Type",
					  "%s must be application/json, not "
					  "'%.64s'", what, req->content_type);
		else
			emu_respond_error(resp, 415, "Unsupported Media Type",
					  "%s must be application/json (no "
					  "Content-Type was given)", what);
		return NULL;
	}
	if (ht_json_parse(&v, req->body, req->body_len, max,
			  "request body") < 0) {
		emu_respond_error(resp, 400, "Bad Request", "%s",
				  ht_error_message());
		return NULL;
	}
	return v;
}

void emu_detail(json_t *details, const char *path, const char *fmt, ...)
{
	struct ht_strbuf key = HT_STRBUF_INIT, msg = HT_STRBUF_INIT;
	va_list ap;

	ht_strbuf_addstr(&key, "requestBody");
	if (path && *path)
		ht_strbuf_addf(&key, ".%s", path);
	va_start(ap, fmt);
	ht_strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	/* the first problem with a member is the one reported */
	if (!json_object_get(details, key.buf))
		json_object_set_new(details, key.buf,
				    json_pack("{s:s%}", "message", msg.buf,
					      msg.len));
	ht_strbuf_release(&key);
	ht_strbuf_release(&msg);
}

int emu_parse_int(int64_t *out, const char *s, int64_t min, int64_t max)
{
	int64_t v = 0;
	const char *p = s;
	int neg = 0;

	if (!s || !*s)
		return -1;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Compare without leaking, through timing, how much of the key matched. */
int emu_key_equal(const char *given, size_t len, const char *key)
{
	size_t klen = strlen(key), i;
	unsigned char diff = (unsigned char)(len != klen);

	for (i = 0; i < klen; i++)
		diff |= (unsigned char)(key[i] ^ (i < len ? given[i] : 0));
	return !diff;
}

json_t *emu_json_load(const char *text)
{
	json_t *v = NULL;

	if (!text)
		return NULL;
	if (ht_json_parse(&v, text, strlen(text), EMU_ADMIN_BODY_MAX,
			  "stored document") < 0)
		return NULL;
	return v;
}
