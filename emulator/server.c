/*
 * The HTTP side: libmicrohttpd with one thread per connection (so that
 * added latency holds up only its own connection), connections limited
 * per client address and closed when idle, request bodies
 * collected under a cap, the request log and per-route counters, fault
 * injection and the rate-limit settings.
 *
 * Life of a request: the body is read; then, under emu->lock, a fault is
 * matched (and consumed) and the latency read; the lock is released for
 * the sleep; the handler runs under the lock; the entry is logged; the
 * response is queued (cut half-way for a "close" fault).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"

#include "emulator.h"

struct emu_server {
	struct MHD_Daemon *daemon;
	struct emu *e;
};

/* Per-request state, from the first call of the handler to completion. */
struct conn_state {
	int64_t start_us;
	struct ht_strbuf body;
	int too_big;
};

/* What a fault asks of one request (a copy, taken under the lock). */
struct fault_hit {
	int matched;
	int status;
	char *body;
	int latency_ms;
	int close;
	int apply;
};

/* A response cut half-way: the reader's state. */
struct cut_body {
	char *buf;
	size_t len; /* bytes to send before failing */
};

/*
 * Settings
 */

int emu_settings_set_rate(struct emu *e, const char *spec)
{
	int64_t n, secs;
	const char *slash;
	char buf[32];

	if (!strcmp(spec, "off") || !strcmp(spec, "0")) {
		n = 0;
		secs = 10;
	} else {
		slash = strchr(spec, '/');
		if (!slash || (size_t)(slash - spec) >= sizeof(buf))
			goto bad;
		memcpy(buf, spec, slash - spec);
		buf[slash - spec] = '\0';
		if (emu_parse_int(&n, buf, 1, 1000000) < 0 ||
		    emu_parse_int(&secs, slash + 1, 1, 86400) < 0)
			goto bad;
	}
	free(e->rl_times);
	e->rl_times = NULL;
	e->rl_size = e->rl_head = 0;
	e->settings.rate_limit = (int)n;
	e->settings.rate_window_ms = (int)secs * 1000;
	if (n) {
		size_t i;

		e->rl_size = (size_t)n;
		e->rl_times = ht_xcalloc(e->rl_size, sizeof(*e->rl_times));
		for (i = 0; i < e->rl_size; i++)
			e->rl_times[i] = INT64_MIN / 2;
	}
	return 0;
bad:
	return ht_error_set(HT_EINVALID, "invalid rate limit '%s' (expected "
			    "REQUESTS/SECONDS, e.g. 200/10, or 'off')", spec);
}

/*
 * The request log
 */

static void log_entry_release(struct emu_log_entry *le)
{
	free(le->path);
	free(le->route);
	memset(le, 0, sizeof(*le));
}

void emu_log_reset(struct emu *e)
{
	size_t i;

	for (i = 0; i < e->log_nr; i++)
		log_entry_release(&e->log[i]);
	e->log_nr = e->log_head = 0;
	e->log_seq = 0;
	for (i = 0; i < e->ncounters; i++)
		free(e->counters[i].route);
	free(e->counters);
	e->counters = NULL;
	e->ncounters = e->counters_alloc = 0;
}

static void log_add(struct emu *e, const struct emu_request *req,
		    const char *path, int status, int64_t duration_us,
		    const char *fault)
{
	struct emu_log_entry *le;
	struct emu_counter *c = NULL;
	size_t i;

	if (!e->log)
		e->log = ht_xcalloc(EMU_LOG_MAX, sizeof(*e->log));
	if (e->log_nr < EMU_LOG_MAX) {
		le = &e->log[(e->log_head + e->log_nr) % EMU_LOG_MAX];
		e->log_nr++;
	} else {
		le = &e->log[e->log_head];
		log_entry_release(le);
		e->log_head = (e->log_head + 1) % EMU_LOG_MAX;
	}
	le->seq = ++e->log_seq;
	le->time_ms = emu_now_ms();
	snprintf(le->method, sizeof(le->method), "%s", req->method);
	le->path = ht_xstrdup(path);
	le->route = ht_xstrdup(req->route);
	le->status = status;
	le->duration_us = duration_us;
	le->fault = fault;

	for (i = 0; i < e->ncounters; i++)
		if (e->counters[i].status == status &&
		    !strcmp(e->counters[i].route, req->route)) {
			c = &e->counters[i];
			break;
		}
	if (!c) {
		HT_ALLOC_GROW(e->counters, e->ncounters + 1,
			      e->counters_alloc);
		c = &e->counters[e->ncounters++];
		memset(c, 0, sizeof(*c));
		c->route = ht_xstrdup(req->route);
		c->status = status;
	}
	c->count++;
	c->total_us += duration_us;
	if (duration_us > c->max_us)
		c->max_us = duration_us;
}

void emu_log_json(struct emu *e, int64_t since, json_t *out)
{
	json_t *reqs = json_array(), *routes = json_array();
	char when[HT_TIME_LEN];
	size_t i;

	for (i = 0; i < e->log_nr; i++) {
		const struct emu_log_entry *le =
			&e->log[(e->log_head + i) % EMU_LOG_MAX];
		char *sp = strchr(le->route, ' ');

		if (le->seq <= since)
			continue;
		ht_time_format(when, le->time_ms);
		json_array_append_new(reqs, json_pack(
			"{s:I, s:s, s:s, s:s, s:s, s:i, s:I, s:s?}",
			"seq", (json_int_t)le->seq, "time", when,
			"method", le->method, "path", le->path,
			"route", sp ? sp + 1 : le->route,
			"status", le->status,
			"durationUs", (json_int_t)le->duration_us,
			"fault", le->fault));
	}
	for (i = 0; i < e->ncounters; i++) {
		const struct emu_counter *c = &e->counters[i];
		char *sp = strchr(c->route, ' ');
		char method[16];

		snprintf(method, sizeof(method), "%.*s",
			 sp ? (int)(sp - c->route) : 0, c->route);
		json_array_append_new(routes, json_pack(
			"{s:s, s:s, s:i, s:I, s:I, s:I}", "method", method,
			"route", sp ? sp + 1 : c->route, "status", c->status,
			"count", (json_int_t)c->count,
			"totalUs", (json_int_t)c->total_us,
			"maxUs", (json_int_t)c->max_us));
	}
	json_object_set_new(out, "total", json_integer(e->log_seq));
	json_object_set_new(out, "requests", reqs);
	json_object_set_new(out, "routes", routes);
}

/*
 * Faults
 */

static void fault_release(struct emu_fault *f)
{
	free(f->prefix);
	free(f->body);
}

void emu_faults_clear(struct emu *e)
{
	size_t i;

	for (i = 0; i < e->nfaults; i++)
		fault_release(&e->faults[i]);
	free(e->faults);
	e->faults = NULL;
	e->nfaults = e->faults_alloc = 0;
}

static int fault_int(const json_t *spec, const char *key, int64_t min,
		     int64_t max, int64_t dflt, int64_t *out, json_t *details)
{
	const json_t *v = json_object_get(spec, key);

	*out = dflt;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		emu_detail(details, key, "'%s' must be an integer from %lld "
			   "to %lld", key, (long long)min, (long long)max);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

static int fault_bool(const json_t *spec, const char *key, int *out,
		      json_t *details)
{
	const json_t *v = json_object_get(spec, key);

	*out = 0;
	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		emu_detail(details, key, "'%s' must be a boolean", key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

int emu_fault_add(struct emu *e, const json_t *spec, json_t *details,
		  int64_t *id)
{
	static const char *const keys[] = {
		"method", "path", "count", "after", "status", "body",
		"latencyMs", "close", "apply", NULL
	};
	const char *method = ht_json_get_string(spec, "method");
	const char *path = ht_json_get_string(spec, "path");
	struct ht_strbuf body = HT_STRBUF_INIT;
	struct emu_fault f;
	int64_t count, after, status, latency;
	const char *k;
	json_t *v;
	size_t i;

	memset(&f, 0, sizeof(f));
	if (!json_is_object(spec)) {
		emu_detail(details, NULL, "a fault must be a JSON object");
		return HT_EINVALID;
	}
	json_object_foreach((json_t *)spec, k, v) {
		for (i = 0; keys[i]; i++)
			if (!strcmp(keys[i], k))
				break;
		if (!keys[i])
			emu_detail(details, k, "'%s' is an excess property "
				   "and therefore is not allowed", k);
	}
	if (json_object_get(spec, "method") &&
	    (!method || strlen(method) >= sizeof(f.method)))
		emu_detail(details, "method", "'method' must be an HTTP "
			   "method");
	if (json_object_get(spec, "path") && (!path || path[0] != '/'))
		emu_detail(details, "path", "'path' must be a string "
			   "starting with '/'");
	fault_int(spec, "count", 1, 1000000000, 1, &count, details);
	fault_int(spec, "after", 0, 1000000000, 0, &after, details);
	fault_int(spec, "status", 100, 599, 0, &status, details);
	fault_int(spec, "latencyMs", 0, 600000, 0, &latency, details);
	fault_bool(spec, "close", &f.close, details);
	fault_bool(spec, "apply", &f.apply, details);
	if (!json_object_get(spec, "status") &&
	    !json_object_get(spec, "latencyMs") &&
	    !json_object_get(spec, "close"))
		emu_detail(details, NULL, "a fault needs 'status', "
			   "'latencyMs' or 'close'");
	if (!status && (json_object_get(spec, "body") || f.apply))
		emu_detail(details, "status", "'body' and 'apply' need a "
			   "'status'");
	if (json_object_size(details))
		return HT_EINVALID;

	if ((v = json_object_get(spec, "body"))) {
		ht_json_dump(&body, v);
		f.body = ht_strbuf_detach(&body, NULL);
	}
	snprintf(f.method, sizeof(f.method), "%s", method ? method : "");
	f.prefix = ht_xstrdup(path ? path : "/");
	f.remaining = (long)count;
	f.skip = (long)after;
	f.status = (int)status;
	f.latency_ms = (int)latency;
	f.id = ++e->next_fault_id;
	HT_ALLOC_GROW(e->faults, e->nfaults + 1, e->faults_alloc);
	e->faults[e->nfaults++] = f;
	*id = f.id;
	return 0;
}

json_t *emu_faults_json(struct emu *e)
{
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < e->nfaults; i++) {
		const struct emu_fault *f = &e->faults[i];
		json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:I, s:i, s:i, "
				      "s:b, s:b}", "id", (json_int_t)f->id,
				      "method", f->method, "path", f->prefix,
				      "count", (json_int_t)f->remaining,
				      "after", (json_int_t)f->skip,
				      "status", f->status, "latencyMs",
				      f->latency_ms, "close", f->close,
				      "apply", f->apply);

		if (f->body)
			json_object_set_new(o, "body", emu_json_load(f->body));
		json_array_append_new(out, o);
	}
	return out;
}

/* Find, consume and copy the first fault matching the request. */
static void fault_match(struct emu *e, const struct emu_request *req,
			struct fault_hit *hit)
{
	size_t i;

	for (i = 0; i < e->nfaults; i++) {
		struct emu_fault *f = &e->faults[i];

		if (f->method[0] && strcmp(f->method, req->method))
			continue;
		if (strncmp(req->path, f->prefix, strlen(f->prefix)))
			continue;
		if (f->skip > 0) {
			f->skip--;
			continue;
		}
		hit->matched = 1;
		hit->status = f->status;
		hit->body = f->body ? ht_xstrdup(f->body) : NULL;
		hit->latency_ms = f->latency_ms;
		hit->close = f->close;
		hit->apply = f->apply;
		if (--f->remaining <= 0) {
			fault_release(f);
			memmove(f, f + 1, (e->nfaults - i - 1) * sizeof(*f));
			e->nfaults--;
		}
		return;
	}
}

static void fault_respond(const struct fault_hit *hit,
			  struct emu_response *resp)
{
	if (hit->body)
		emu_respond(resp, hit->status, hit->body);
	else if (hit->status == 500)
		emu_respond_internal(resp);
	else if (hit->status == 429)
		emu_respond_error(resp, 429, "Too Many Requests",
				  "the rate limit was exceeded (injected)");
	else
		emu_respond_error(resp, hit->status,
				  emu_status_text(hit->status),
				  "injected fault");
}

/*
 * libmicrohttpd callbacks
 */

/*
 * Decode the "%HH" escapes of a path or of a query argument in place, as
 * libmicrohttpd does, but for "%00", which stays as it is: the handlers
 * see C strings, and a NUL would cut "/models/1%00abc" to "/models/1".
 */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *out = s, *p = s, *nul;
	size_t len;

	(void)cls;
	(void)conn;
	for (;;) {
		nul = strstr(p, "%00");
		if (nul)
			*nul = '\0';
		len = MHD_http_unescape(p);
		memmove(out, p, len);
		out += len;
		if (!nul)
			break;
		memcpy(out, "%00", 3);
		out += 3;
		p = nul + 3;
	}
	*out = '\0';
	return (size_t)(out - s);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	(void)kind;
	emu_request_add_arg(cls, key, value);
	return MHD_YES;
}

static ssize_t cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct cut_body *cb = cls;
	size_t n;

	if (pos >= cb->len)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = cb->len - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, cb->buf + pos, n);
	return (ssize_t)n;
}

static void cut_free(void *cls)
{
	struct cut_body *cb = cls;

	free(cb->buf);
	free(cb);
}

static int is_under(const char *path, const char *prefix)
{
	size_t len = strlen(prefix);

	return !strncmp(path, prefix, len) &&
	       (path[len] == '\0' || path[len] == '/');
}

static enum MHD_Result queue(struct MHD_Connection *conn,
			     struct emu_response *resp, int close)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *buf = ht_strbuf_detach(&resp->body, &len);

	if (close) {
		struct cut_body *cb = ht_xmalloc(sizeof(*cb));

		cb->buf = buf;
		cb->len = len / 2;
		r = MHD_create_response_from_callback(len, 4096, cut_reader,
						      cb, cut_free);
		if (!r)
			cut_free(cb);
	} else {
		r = MHD_create_response_from_buffer(len, buf,
						    MHD_RESPMEM_MUST_FREE);
		if (!r)
			free(buf);
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json; charset=utf-8");
	if (close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION,
					"close");
	ret = MHD_queue_response(conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The path and query string for the log. */
static void log_path(struct ht_strbuf *out, const struct emu_request *req)
{
	size_t i;

	ht_strbuf_addstr(out, req->path);
	for (i = 0; i < req->nargs; i++)
		ht_strbuf_addf(out, "%c%s%s%s", i ? '&' : '?',
			       req->args[i].key,
			       req->args[i].value ? "=" : "",
			       req->args[i].value ? req->args[i].value : "");
}

static enum MHD_Result handle(struct emu *e, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      struct conn_state *cs)
{
	struct emu_request req;
	struct emu_response resp;
	struct fault_hit hit;
	struct ht_strbuf path = HT_STRBUF_INIT;
	int admin = is_under(url, EMU_ADMIN_PREFIX);
	int api = is_under(url, EMU_API_PREFIX);
	const char *fault = NULL;
	enum MHD_Result ret;
	int latency = 0;

	memset(&req, 0, sizeof(req));
	memset(&hit, 0, sizeof(hit));
	resp.status = 500;
	ht_strbuf_init(&resp.body, 0);
	req.method = method;
	req.path = url;
	req.authorization = MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	req.content_type = MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	req.body = cs->body.buf;
	req.body_len = cs->body.len;
	req.body_too_big = cs->too_big;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg,
				  &req);

	if (admin) {
		pthread_mutex_lock(&e->lock);
		emu_admin_handle(e, &req, &resp);
		pthread_mutex_unlock(&e->lock);
		ret = queue(conn, &resp, 0);
		goto cleanup;
	}

	pthread_mutex_lock(&e->lock);
	fault_match(e, &req, &hit);
	if (api)
		latency = e->settings.latency_ms;
	pthread_mutex_unlock(&e->lock);
	emu_sleep_ms(latency + hit.latency_ms);
	if (hit.latency_ms)
		fault = "latency";

	snprintf(req.route, sizeof(req.route), "%s (unknown)", method);
	if (hit.status && !hit.apply) {
		/* the request never reaches the handler */
		snprintf(req.route, sizeof(req.route), "%s %s", method, url);
		fault_respond(&hit, &resp);
		fault = "status";
	} else {
		pthread_mutex_lock(&e->lock);
		if (api)
			emu_api_handle(e, &req, &resp);
		else
			emu_respond_error(&resp, 404, "Not Found",
					  "Cannot %s %s", method, url);
		pthread_mutex_unlock(&e->lock);
		if (hit.status) {
			fault_respond(&hit, &resp);
			fault = "status";
		}
	}
	if (hit.close)
		fault = "close";

	log_path(&path, &req);
	pthread_mutex_lock(&e->lock);
	log_add(e, &req, path.buf, resp.status,
		emu_mono_us() - cs->start_us, fault);
	pthread_mutex_unlock(&e->lock);
	ret = queue(conn, &resp, hit.close);
cleanup:
	free(hit.body);
	ht_strbuf_release(&path);
	ht_strbuf_release(&resp.body);
	emu_request_release(&req);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct emu_server *s = cls;
	struct conn_state *cs = *con_cls;

	(void)version;
	if (!cs) {
		cs = ht_xcalloc(1, sizeof(*cs));
		cs->start_us = emu_mono_us();
		ht_strbuf_init_capped(&cs->body,
				      is_under(url, EMU_ADMIN_PREFIX) ?
				      EMU_ADMIN_BODY_MAX : EMU_API_BODY_MAX);
		*con_cls = cs;
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* past the cap: remember it, drop the rest */
		if (!cs->too_big && ht_strbuf_add(&cs->body, upload_data,
						  *upload_data_size) < 0) {
			cs->too_big = 1;
			ht_strbuf_release(&cs->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	return handle(s->e, conn, url, method, cs);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!cs)
		return;
	ht_strbuf_release(&cs->body);
	free(cs);
	*con_cls = NULL;
}

/*
 * Listening
 */

static int is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return 0;
}

/* "HOST:PORT", "[V6]:PORT" or "localhost:PORT". */
static int parse_listen(struct sockaddr_storage *ss, const char *spec)
{
	char host[64];
	const char *colon, *h = spec;
	size_t hlen;
	int64_t port;

	memset(ss, 0, sizeof(*ss));
	if (*spec == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':')
			goto bad;
		h = spec + 1;
		hlen = end - h;
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			goto bad;
		hlen = colon - spec;
	}
	if (!hlen || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (emu_parse_int(&port, colon + 1, 0, 65535) < 0)
		goto bad;
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host,
		      &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (inet_pton(AF_INET6, host,
		      &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return 0;
	}
bad:
	return ht_error_set(HT_EINVALID, "invalid listen address '%s' "
			    "(expected HOST:PORT, e.g. 127.0.0.1:0)", spec);
}

int emu_server_start(struct emu_server **out, struct emu *e,
		     const struct emu_listen *l, struct ht_strbuf *url)
{
	const char *listen = l->address;
	char host[INET6_ADDRSTRLEN];
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			 MHD_USE_ITC;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	struct emu_server *s;
	int ret;

	*out = NULL;
	if ((ret = parse_listen(&ss, listen)) < 0)
		return ret;
	if (!l->allow_remote && !is_loopback(&ss))
		return ht_error_set(HT_EINVALID, "refusing to listen on '%s': "
				    "not a loopback address (use "
				    "--allow-remote)", listen);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s = ht_xcalloc(1, sizeof(*s));
	s->e = e;
	s->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, l->idle_timeout,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)EMU_CONNECTIONS_MAX,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, l->per_client,
		MHD_OPTION_END);
	if (!s->daemon) {
		free(s);
		return ht_error_set(HT_ENET, "cannot listen on '%s' (address "
				    "in use?)", listen);
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  host, sizeof(host));
		ht_strbuf_addf(url, "http://[%s]:%u", host,
			       info ? (unsigned)info->port : 0u);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			  host, sizeof(host));
		ht_strbuf_addf(url, "http://%s:%u", host,
			       info ? (unsigned)info->port : 0u);
	}
	*out = s;
	return 0;
}

void emu_server_stop(struct emu_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	free(s);
}
