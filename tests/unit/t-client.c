/*
 * Unit tests for the API client (client.h) and its rate limiter
 * (ratelimit.h).
 *
 * Each client test runs a small HTTP/1.1 server of its own in a thread, on
 * 127.0.0.1 and a port the kernel picks, stopped at the end of the test.
 * The server answers each request with the next response of a script (a
 * response, a dropped connection, no answer at all...), and logs what it
 * received, so that tests assert on requests, headers and connections.
 *
 * The client gets a fake clock: its sleeps (backoff, rate limiter) only
 * advance a counter and are recorded, so the tests never wait for them and
 * assert on their lengths, not on elapsed time.  The only real waits are
 * the two timeout tests' (a fraction of a second).
 *
 * Every test's teardown fails the test if the API key shows up in a trace
 * line, and every error checked here is checked not to hold it.  With
 * HT_TRACE set, the teardown prints the test's trace lines on stderr.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hightouch/alloc.h"
#include "hightouch/client.h"
#include "hightouch/config.h"
#include "hightouch/url.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/ratelimit.h"
#include "hightouch/strbuf.h"

#define KEY "htk_live_s3cr3t-KEY-0123456789abcdef"

/* ------------------------------------------------------------------------
 * The scripted server.
 */

enum action {
	RESPOND,     /* the response, connection kept alive */
	RESPOND_EOF, /* the response without Content-Length, then close */
	DROP_HALF,   /* the headers and half of the body, then close */
	HANG_UP,     /* close without a response */
	STALL,	     /* never answer, keep the connection open */
};

struct canned {
	enum action action;
	int status;
	const char *headers; /* extra lines, each ending "\r\n" */
	const char *body;    /* NULL for none */
};

struct logged {
	char method[16];
	char target[1024];
	char authorization[256];
	char content_type[128];
	char user_agent[128];
	char accept[64];
	char *body;
	unsigned conn; /* connection it came on, from 1 */
};

#define MAX_CONNS 16

struct conn {
	int fd;
	unsigned id;
	int stalled;
	struct ht_strbuf in;
};

struct server {
	int listen_fd;
	int wake[2];
	unsigned short port;
	pthread_t thread;
	pthread_mutex_t lock;
	const struct canned *script;
	size_t script_nr, next;
	unsigned accepts;
	struct logged *log;
	size_t log_nr, log_alloc;
	struct conn conns[MAX_CONNS];
	size_t conns_nr;
};

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the client went away: fine */
		buf += n;
		len -= (size_t)n;
	}
}

static void copy_field(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Parse the header block `buf` (up to the blank line) into `req`. */
static size_t parse_head(struct logged *req, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *eol, *sp1, *sp2;
	size_t content_length = 0;

	eol = memchr(p, '\r', (size_t)(end - p));
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (sp1 && sp2) {
		copy_field(req->method, sizeof(req->method), p,
			   (size_t)(sp1 - p));
		copy_field(req->target, sizeof(req->target), sp1 + 1,
			   (size_t)(sp2 - sp1 - 1));
	}
	for (p = eol + 2; p < end; p = eol + 2) {
		const char *colon, *v;
		size_t vlen;

		eol = memchr(p, '\r', (size_t)(end - p));
		if (!eol)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon)
			continue;
		for (v = colon + 1; v < eol && *v == ' '; v++)
			;
		vlen = (size_t)(eol - v);
#define HDR(name)                                                              \
	((size_t)(colon - p) == strlen(name) &&                                \
	 !strncasecmp(p, name, strlen(name)))
		if (HDR("content-length"))
			content_length = strtoul(v, NULL, 10);
		else if (HDR("authorization"))
			copy_field(req->authorization,
				   sizeof(req->authorization), v, vlen);
		else if (HDR("content-type"))
			copy_field(req->content_type, sizeof(req->content_type),
				   v, vlen);
		else if (HDR("user-agent"))
			copy_field(req->user_agent, sizeof(req->user_agent), v,
				   vlen);
		else if (HDR("accept"))
			copy_field(req->accept, sizeof(req->accept), v, vlen);
#undef HDR
	}
	return content_length;
}

static const struct canned fallback = { RESPOND, 200, NULL, "{}" };

/*
 * Answer a request as the script says; returns 0 when the connection is to
 * be closed.  The script entry is copied first: once the answer is sent,
 * the test may go on and its script (on its stack) may be gone.
 */
static int answer(struct server *s, struct conn *conn)
{
	struct ht_strbuf out = HT_STRBUF_INIT;
	struct canned r;
	size_t len;
	int keep = 1;

	pthread_mutex_lock(&s->lock);
	r = s->next < s->script_nr ? s->script[s->next++] : fallback;
	pthread_mutex_unlock(&s->lock);

	if (!r.body)
		r.body = "";
	len = strlen(r.body);
	switch (r.action) {
	case HANG_UP:
		keep = 0;
		break;
	case STALL:
		conn->stalled = 1;
		break;
	case RESPOND:
	case RESPOND_EOF:
	case DROP_HALF:
		ht_strbuf_addf(&out, "HTTP/1.1 %d Scripted\r\n", r.status);
		ht_strbuf_addstr(&out, "Content-Type: application/json\r\n");
		if (r.action != RESPOND_EOF)
			ht_strbuf_addf(&out, "Content-Length: %zu\r\n", len);
		else
			ht_strbuf_addstr(&out, "Connection: close\r\n");
		if (r.headers)
			ht_strbuf_addstr(&out, r.headers);
		ht_strbuf_addstr(&out, "\r\n");
		ht_strbuf_add(&out, r.body,
			      r.action == DROP_HALF ? len / 2 : len);
		keep = r.action == RESPOND;
		send_all(conn->fd, out.buf, out.len);
		break;
	}
	ht_strbuf_release(&out);
	return keep;
}

/*
 * Handle every complete request buffered on `conn`.  Returns 0 when the
 * connection is to be closed.
 */
static int handle(struct server *s, struct conn *conn)
{
	while (!conn->stalled) {
		struct logged req;
		const char *hend;
		size_t head, blen;

		if (conn->in.len && conn->in.buf[0] == 0x16) {
			/* a TLS handshake: answer in plain HTTP */
			send_all(conn->fd, "HTTP/1.1 400 Bad\r\n\r\n", 20);
			return 0;
		}
		hend = strstr(conn->in.buf, "\r\n\r\n");
		if (!hend)
			return 1;
		head = (size_t)(hend - conn->in.buf) + 4;
		memset(&req, 0, sizeof(req));
		blen = parse_head(&req, conn->in.buf, head - 2);
		if (conn->in.len < head + blen)
			return 1;
		req.body = ht_xmemdupz(conn->in.buf + head, blen);
		req.conn = conn->id;
		pthread_mutex_lock(&s->lock);
		HT_ALLOC_GROW(s->log, s->log_nr + 1, s->log_alloc);
		s->log[s->log_nr++] = req;
		pthread_mutex_unlock(&s->lock);

		memmove(conn->in.buf, conn->in.buf + head + blen,
			conn->in.len - head - blen);
		ht_strbuf_setlen(&conn->in, conn->in.len - head - blen);
		if (!answer(s, conn))
			return 0;
	}
	return 1;
}

static void close_conn(struct conn *conn)
{
	close(conn->fd);
	conn->fd = -1;
	ht_strbuf_release(&conn->in);
}

static void *serve(void *arg)
{
	struct server *s = arg;
	struct pollfd pfd[MAX_CONNS + 2];
	size_t i, n;

	for (;;) {
		pfd[0].fd = s->wake[0];
		pfd[1].fd = s->listen_fd;
		for (i = 0; i < s->conns_nr; i++)
			pfd[i + 2].fd = s->conns[i].fd;
		n = s->conns_nr + 2;
		for (i = 0; i < n; i++) {
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
		for (i = 2; i < n; i++) {
			struct conn *conn = &s->conns[i - 2];
			char buf[4096];
			ssize_t got;

			if (!pfd[i].revents)
				continue;
			got = recv(conn->fd, buf, sizeof(buf), 0);
			if (got <= 0) {
				close_conn(conn);
				continue;
			}
			if (conn->stalled)
				continue;
			ht_strbuf_add(&conn->in, buf, (size_t)got);
			if (!handle(s, conn))
				close_conn(conn);
		}
		/* forget closed connections */
		for (i = n = 0; i < s->conns_nr; i++)
			if (s->conns[i].fd >= 0)
				s->conns[n++] = s->conns[i];
		s->conns_nr = n;
		if (pfd[1].revents & POLLIN) {
			struct timeval tv = { 2, 0 };
			int fd = accept(s->listen_fd, NULL, NULL);

			if (fd < 0)
				continue;
			if (s->conns_nr == MAX_CONNS) {
				close(fd);
				continue;
			}
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				   sizeof(tv));
			pthread_mutex_lock(&s->lock);
			s->accepts++;
			s->conns[s->conns_nr].id = s->accepts;
			pthread_mutex_unlock(&s->lock);
			s->conns[s->conns_nr].fd = fd;
			s->conns[s->conns_nr].stalled = 0;
			ht_strbuf_init(&s->conns[s->conns_nr].in, 0);
			s->conns_nr++;
		}
	}
	for (i = 0; i < s->conns_nr; i++)
		close_conn(&s->conns[i]);
	s->conns_nr = 0;
	return NULL;
}

/* A loopback socket bound to a port the kernel picks. */
static int bind_loopback(unsigned short *port)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void server_start(struct server *s)
{
	memset(s, 0, sizeof(*s));
	s->listen_fd = bind_loopback(&s->port);
	assert_int_equal(listen(s->listen_fd, 16), 0);
	assert_int_equal(pipe(s->wake), 0);
	pthread_mutex_init(&s->lock, NULL);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	size_t i;

	assert_int_equal(write(s->wake[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
	close(s->wake[0]);
	close(s->wake[1]);
	close(s->listen_fd);
	for (i = 0; i < s->log_nr; i++)
		free(s->log[i].body);
	free(s->log);
	pthread_mutex_destroy(&s->lock);
}

/* ------------------------------------------------------------------------
 * Fixture.
 */

#define MAX_SLEEPS 64

struct fixture {
	struct server srv;
	struct ht_client_options opts;
	struct ht_client *client;
	char base[64];
	struct ht_url url;
	struct ht_strbuf trace;
	uint64_t now;
	uint64_t sleeps[MAX_SLEEPS];
	size_t sleeps_nr;
	char *bodies[16]; /* generated response bodies, freed at the end */
	size_t bodies_nr;
};

static uint64_t fake_now(void *payload)
{
	struct fixture *fx = payload;

	return fx->now;
}

static void fake_sleep(uint64_t ms, void *payload)
{
	struct fixture *fx = payload;

	if (fx->sleeps_nr < MAX_SLEEPS)
		fx->sleeps[fx->sleeps_nr++] = ms;
	fx->now += ms;
}

static void capture_trace(const char *line, void *payload)
{
	struct fixture *fx = payload;

	ht_strbuf_addstr(&fx->trace, line);
	ht_strbuf_addch(&fx->trace, '\n');
}

/* The client's URL, parsed as the helper parses it. */
static void use_url(struct fixture *fx, const char *url)
{
	ht_url_release(&fx->url);
	if (ht_url_parse(&fx->url, url, 0))
		fail_msg("ht_url_parse: %s", ht_error_message());
	fx->opts.url = &fx->url;
}

static int setup(void **state)
{
	struct fixture *fx = ht_xcalloc(1, sizeof(*fx));
	struct ht_client_options init = HT_CLIENT_OPTIONS_INIT;

	server_start(&fx->srv);
	snprintf(fx->base, sizeof(fx->base), "http://127.0.0.1:%u/test",
		 (unsigned)fx->srv.port);
	ht_strbuf_init(&fx->trace, 0);
	fx->now = 1000000;
	fx->opts = init;
	use_url(fx, fx->base);
	fx->opts.api_key = KEY;
	fx->opts.backoff_base_ms = 100;
	fx->opts.trace = capture_trace;
	fx->opts.trace_payload = fx;
	fx->opts.now_ms = fake_now;
	fx->opts.sleep_ms = fake_sleep;
	fx->opts.clock_payload = fx;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int ret = 0;
	size_t i;

	ht_client_free(fx->client);
	ht_url_release(&fx->url);
	server_stop(&fx->srv);
	if (getenv("HT_TRACE"))
		fprintf(stderr, "%s", fx->trace.buf);
	if (strstr(fx->trace.buf, KEY) || strstr(fx->trace.buf, "Bearer")) {
		fprintf(stderr, "# the trace holds the key:\n%s",
			fx->trace.buf);
		ret = -1;
	}
	ht_strbuf_release(&fx->trace);
	for (i = 0; i < fx->bodies_nr; i++)
		free(fx->bodies[i]);
	free(fx);
	return ret;
}

static struct ht_client *client(struct fixture *fx)
{
	if (!fx->client && ht_client_new(&fx->client, &fx->opts))
		fail_msg("ht_client_new: %s", ht_error_message());
	return fx->client;
}

static void script(struct fixture *fx, const struct canned *r, size_t nr)
{
	pthread_mutex_lock(&fx->srv.lock);
	fx->srv.script = r;
	fx->srv.script_nr = nr;
	fx->srv.next = 0;
	pthread_mutex_unlock(&fx->srv.lock);
}

#define SCRIPT(fx, arr) script((fx), (arr), sizeof(arr) / sizeof((arr)[0]))

static size_t nr_logged(struct fixture *fx)
{
	size_t nr;

	pthread_mutex_lock(&fx->srv.lock);
	nr = fx->srv.log_nr;
	pthread_mutex_unlock(&fx->srv.lock);
	return nr;
}

static unsigned accepts(struct fixture *fx)
{
	unsigned nr;

	pthread_mutex_lock(&fx->srv.lock);
	nr = fx->srv.accepts;
	pthread_mutex_unlock(&fx->srv.lock);
	return nr;
}

static const struct logged *logged(struct fixture *fx, size_t i)
{
	const struct logged *r;

	pthread_mutex_lock(&fx->srv.lock);
	if (i >= fx->srv.log_nr) {
		pthread_mutex_unlock(&fx->srv.lock);
		fail_msg("request %zu was not received", i);
	}
	r = &fx->srv.log[i];
	pthread_mutex_unlock(&fx->srv.lock);
	return r;
}

static struct ht_client_stats stats(struct fixture *fx)
{
	struct ht_client_stats st;

	ht_client_read_stats(fx->client, &st);
	return st;
}

/* Check an error: its code, a part of its message, and no key in it. */
static void expect_error(int ret, int code, const char *part)
{
	const char *msg = ht_error_message();

	if (ret != code)
		fail_msg("expected %s, got %s (%d): %s", ht_error_name(code),
			 ht_error_name(ret), ret, msg);
	if (part && !strstr(msg, part))
		fail_msg("'%s' not in the message '%s'", part, msg);
	if (strstr(msg, KEY) || strstr(msg, "s3cr3t"))
		fail_msg("the key is in the message '%s'", msg);
}

/* A listing page with ids start..start+n-1; has_more -1 leaves it out. */
static const char *page_body(struct fixture *fx, int start, int n, int has_more)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	int i;

	ht_strbuf_addstr(&sb, "{\"data\":[");
	for (i = 0; i < n; i++)
		ht_strbuf_addf(&sb, "%s{\"id\":%d,\"slug\":\"m-%d\"}",
			       i ? "," : "", start + i, start + i);
	ht_strbuf_addch(&sb, ']');
	if (has_more >= 0)
		ht_strbuf_addf(&sb, ",\"hasMore\":%s",
			       has_more ? "true" : "false");
	ht_strbuf_addch(&sb, '}');
	assert_true(fx->bodies_nr < sizeof(fx->bodies) / sizeof(fx->bodies[0]));
	fx->bodies[fx->bodies_nr] = ht_strbuf_detach(&sb, NULL);
	return fx->bodies[fx->bodies_nr++];
}

static void target_is(struct fixture *fx, size_t i, const char *method,
		      const char *target)
{
	const struct logged *r = logged(fx, i);

	assert_string_equal(r->method, method);
	assert_string_equal(r->target, target);
}

/* ------------------------------------------------------------------------
 * The rate limiter alone.
 */

static void test_ratelimit_window(void **state)
{
	struct ht_ratelimit rl = HT_RATELIMIT_INIT;

	(void)state;
	assert_int_equal(ht_ratelimit_init(&rl, 3, 1000), 0);
	assert_int_equal(ht_ratelimit_delay(&rl, 0), 0);
	ht_ratelimit_record(&rl, 0);
	ht_ratelimit_record(&rl, 0);
	assert_int_equal(ht_ratelimit_delay(&rl, 0), 0);
	ht_ratelimit_record(&rl, 10);
	/* three in the window: the fourth waits for the oldest to leave */
	assert_int_equal(ht_ratelimit_delay(&rl, 10), 990);
	assert_int_equal(ht_ratelimit_delay(&rl, 999), 1);
	assert_int_equal(ht_ratelimit_delay(&rl, 1000), 0);
	ht_ratelimit_record(&rl, 1000);
	/* the second event at 0 is now the oldest */
	assert_int_equal(ht_ratelimit_delay(&rl, 1000), 0);
	ht_ratelimit_record(&rl, 1000);
	assert_int_equal(ht_ratelimit_delay(&rl, 1000), 10);
	ht_ratelimit_record(&rl, 1010);
	assert_int_equal(ht_ratelimit_delay(&rl, 1500), 500);
	assert_int_equal(ht_ratelimit_delay(&rl, 5000), 0);
	ht_ratelimit_release(&rl);
	ht_ratelimit_release(&rl);

	/* one per window */
	assert_int_equal(ht_ratelimit_init(&rl, 1, 50), 0);
	ht_ratelimit_record(&rl, 7);
	assert_int_equal(ht_ratelimit_delay(&rl, 7), 50);
	assert_int_equal(ht_ratelimit_delay(&rl, 57), 0);
	ht_ratelimit_release(&rl);
}

static void test_ratelimit_init(void **state)
{
	struct ht_ratelimit rl;

	(void)state;
	expect_error(ht_ratelimit_init(&rl, 0, 1000), HT_EINVALID,
		     "at least one request");
	expect_error(ht_ratelimit_init(&rl, 10, 0), HT_EINVALID, "window");
	expect_error(ht_ratelimit_init(&rl, HT_RATELIMIT_MAX + 1, 1000),
		     HT_EINVALID, "more than");
	assert_null(rl.stamps);
	ht_ratelimit_release(&rl);
}

/* ------------------------------------------------------------------------
 * Pure helpers.
 */

static void sanitized_is(const char *in, size_t len, const char *secret,
			 size_t max, const char *expected)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_client_sanitize(&sb, in, len, secret, max);
	assert_string_equal(sb.buf, expected);
	ht_strbuf_release(&sb);
}

static void test_sanitize(void **state)
{
	char big[600], want[300];
	size_t i;

	(void)state;
	sanitized_is("plain text", 10, NULL, 200, "plain text");
	sanitized_is("a\nb\rc\td\x1b[31me\x7f", 14, NULL, 200,
		     "a?b?c?d?[31me?");
	sanitized_is("nul\0byte", 8, NULL, 200, "nul?byte");
	/* C1 controls in UTF-8 (U+009B, the CSI) go; other UTF-8 stays */
	sanitized_is("x\xc2\x9b"
		     "1m \xc3\xa9t\xc3\xa9",
		     11, NULL, 200, "x?1m \xc3\xa9t\xc3\xa9");
	/* the secret, anywhere, even where it would be cut */
	sanitized_is("key=" KEY " and " KEY, strlen("key=" KEY " and " KEY),
		     KEY, 200, "key=<redacted> and <redacted>");
	sanitized_is("xxxxxxxxxx" KEY, 10 + strlen(KEY), KEY, 12,
		     "xxxxxxxxxx<r...");
	sanitized_is("no secret", 9, "", 200, "no secret");

	/* cut at `max` bytes... */
	memset(big, 'a', 250);
	memset(want, 'a', 200);
	want[200] = '\0';
	sanitized_is(big, 200, NULL, 200, want);
	memcpy(want + 200, "...", 4);
	sanitized_is(big, 201, NULL, 200, want);
	sanitized_is(big, 250, NULL, 200, want);

	/* ... but not inside a UTF-8 character */
	for (i = 0; i < 300; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	for (i = 0; i < 200; i += 2)
		memcpy(want + i, "\xc3\xa9", 2);
	memcpy(want + 200, "...", 4);
	sanitized_is(big, 300, NULL, 201, want);
	sanitized_is(big, 300, NULL, 200, want);
	memcpy(want + 198, "...", 4);
	sanitized_is(big, 300, NULL, 199, want);
	/* no cut at all */
	big[300] = '\0';
	sanitized_is(big, 300, NULL, SIZE_MAX, big);
}

static void server_message_is(const char *body, const char *expected)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_client_server_message(&sb, body, strlen(body), KEY);
	assert_string_equal(sb.buf, expected);
	ht_strbuf_release(&sb);
}

static void test_server_message(void **state)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	char big[2000];

	(void)state;
	server_message_is("", "");
	server_message_is("{\"message\":\"Authentication error\","
			  "\"details\":\"Token is invalid\"}",
			  "Authentication error: Token is invalid");
	server_message_is("{\"message\":\"Validation failed\",\"details\":"
			  "{\"slug\": [\"taken\"], \"name\": null}}",
			  "Validation failed: {\"slug\":[\"taken\"],"
			  "\"name\":null}");
	server_message_is("{\"error\":\"Campaign not found\"}",
			  "Campaign not found");
	server_message_is("{\"message\":\"only\",\"details\":null}", "only");
	server_message_is("{\"details\":{\"a\":1}}", "{\"a\":1}");
	server_message_is("{\"other\":true}", "{\"other\":true}");
	server_message_is("\"Internal Server Error\"", "Internal Server Error");
	server_message_is("[1, 2]", "[1,2]");
	server_message_is("<html>\n<b>Bad gateway</b>\n</html>\n",
			  "<html>?<b>Bad gateway</b>?</html>?");
	server_message_is("{\"message\":\"token " KEY " is bad\\n\"}",
			  "token <redacted> is bad?");
	server_message_is("{\"message\":\"a\\u0000b\\u001b\"}", "a?b?");

	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ht_client_server_message(&sb, big, strlen(big), NULL);
	assert_int_equal(sb.len, HT_CLIENT_MAX_SERVER_TEXT + 3);
	ht_strbuf_release(&sb);
}

static void test_query_add(void **state)
{
	struct ht_strbuf q = HT_STRBUF_INIT;

	(void)state;
	ht_client_query_add(&q, "slug", "my-model_1.x~");
	assert_string_equal(q.buf, "slug=my-model_1.x~");
	ht_client_query_add(&q, "after", "2024-01-02T03:04:05.000Z");
	ht_client_query_add(&q, "q w", "a b&c=d/\xc3\xa9+");
	assert_string_equal(q.buf,
			    "slug=my-model_1.x~&after=2024-01-02T03%3A04%3A05"
			    ".000Z&q%20w=a%20b%26c%3Dd%2F%C3%A9%2B");
	ht_strbuf_release(&q);
}

static void page_parse(const char *text, struct ht_page *page, int ret)
{
	json_t *doc = NULL;

	assert_int_equal(ht_json_parse(&doc, text, strlen(text), 0, "t"), 0);
	assert_int_equal(ht_client_parse_page(page, doc, "'GET /models'"), ret);
	json_decref(doc);
}

static void test_parse_page(void **state)
{
	struct ht_page page = HT_PAGE_INIT;

	(void)state;
	page_parse("{\"data\":[{\"id\":1}],\"hasMore\":true}", &page, 0);
	assert_int_equal(json_array_size(page.items), 1);
	assert_int_equal(page.has_more, 1);
	ht_page_release(&page);
	page_parse("{\"data\":[],\"hasMore\":false}", &page, 0);
	assert_int_equal(page.has_more, 0);
	ht_page_release(&page);
	page_parse("{\"data\":[],\"hasMore\":null}", &page, 0);
	assert_int_equal(page.has_more, -1);
	ht_page_release(&page);
	page_parse("{\"data\":[]}", &page, 0);
	assert_int_equal(page.has_more, -1);
	ht_page_release(&page);

	page_parse("[]", &page, HT_EHTTP);
	expect_error(HT_EHTTP, HT_EHTTP,
		     "unexpected response to 'GET /models': expected an "
		     "object with a 'data' array, got array");
	assert_null(page.items);
	page_parse("{\"items\":[]}", &page, HT_EHTTP);
	expect_error(HT_EHTTP, HT_EHTTP, "'data' is nothing, not an array");
	page_parse("{\"data\":{}}", &page, HT_EHTTP);
	expect_error(HT_EHTTP, HT_EHTTP, "'data' is object, not an array");
	page_parse("{\"data\":[],\"hasMore\":\"yes\"}", &page, HT_EHTTP);
	expect_error(HT_EHTTP, HT_EHTTP, "'hasMore' is string");
	assert_null(page.items);
}

static void test_trace_to_file(void **state)
{
	FILE *f = tmpfile();
	char buf[64];

	(void)state;
	assert_non_null(f);
	ht_client_trace_to_file("GET /x -> 200", f);
	rewind(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_string_equal(buf, "trace: http: GET /x -> 200\n");
	fclose(f);
}

/* ------------------------------------------------------------------------
 * Options.
 */

static int try_new(struct ht_client_options *o, const char *url,
		   const char *key)
{
	struct ht_url u = HT_URL_INIT;
	struct ht_client *c = NULL;
	int ret;

	if (url && ht_url_parse(&u, url, HT_URL_ALLOW_HTTP))
		fail_msg("ht_url_parse: %s", ht_error_message());
	o->url = url ? &u : NULL;
	o->api_key = key;
	ret = ht_client_new(&c, o);
	if (ret)
		assert_null(c);
	ht_client_free(c);
	ht_url_release(&u);
	o->url = NULL;
	return ret;
}

/*
 * The URL was judged when it was parsed (t-url.c: schemes, credentials,
 * plain http only to loopback): the client takes it as it is.
 */
static void test_options(void **state)
{
	static const char ws[] = "hightouch://acme";
	struct ht_client_options o = HT_CLIENT_OPTIONS_INIT;
	struct ht_client *c = NULL;
	struct ht_url u = HT_URL_INIT;

	(void)state;
	expect_error(try_new(&o, NULL, KEY), HT_EINVALID, "no API URL");
	expect_error(try_new(&o, ws, NULL), HT_EINVALID, "no API key");
	expect_error(try_new(&o, ws, KEY "\r\nX-Evil: 1"), HT_EINVALID,
		     "cannot be sent");
	expect_error(try_new(&o, ws, "has space"), HT_EINVALID,
		     "cannot be sent");
	expect_error(try_new(&o, "https://acme.example/ws", "acme.example"),
		     HT_EINVALID, "holds the API key");
	assert_null(strstr(ht_error_message(), "acme.example"));
	o.rate_limit = 200;
	expect_error(try_new(&o, ws, KEY), HT_EINVALID,
		     "not under the API's 200 per 10000 ms");
	o.rate_limit = 20;
	o.rate_window_ms = 1000;
	expect_error(try_new(&o, ws, KEY), HT_EINVALID,
		     "20 requests per 1000 ms");
	o.rate_limit = 199;
	o.rate_window_ms = 0; /* the default 10 s */
	assert_int_equal(try_new(&o, ws, KEY), 0);
	o.user_agent = "bad\r\nagent";
	expect_error(try_new(&o, ws, KEY), HT_EINVALID, "user agent");
	o.user_agent = NULL;

	/* plain http as the URL allowed it, to loopback or not */
	assert_int_equal(try_new(&o, "http://localhost:1/ws", KEY), 0);
	assert_int_equal(try_new(&o, "http://LOCALHOST./ws", KEY), 0);
	assert_int_equal(try_new(&o, "http://[::ffff:127.0.0.1]:1/ws", KEY),
			 0);
	assert_int_equal(try_new(&o, "http://api.example.com/ws/", KEY), 0);

	/* how messages name the host */
	assert_int_equal(ht_url_parse(&u, ws, 0), 0);
	o.url = &u;
	o.api_key = KEY;
	assert_int_equal(ht_client_new(&c, &o), 0);
	assert_string_equal(ht_client_host(c), "api.hightouch.com");
	assert_int_equal(ht_client_last_status(c), 0);
	ht_client_free(c);
	assert_int_equal(ht_url_parse(&u, "https://[::1]:8443/ws", 0), 0);
	assert_int_equal(ht_client_new(&c, &o), 0);
	assert_string_equal(ht_client_host(c), "[::1]:8443");
	ht_client_free(c);
	ht_client_free(NULL);
	ht_url_release(&u);
}

/* ------------------------------------------------------------------------
 * Requests that succeed.
 */

static void test_get(void **state)
{
	static const char body[] = "{\"id\":1,\"name\":\"users\"}";
	static const struct canned r[] = {
		{ RESPOND, 200, NULL, body },
	};
	struct fixture *fx = *state;
	const struct logged *req;
	char bytes[64];
	json_t *v = NULL;

	SCRIPT(fx, r);
	assert_int_equal(ht_client_get(client(fx), &v, "/models/1"), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "id")), 1);
	json_decref(v);

	assert_int_equal(nr_logged(fx), 1);
	req = logged(fx, 0);
	assert_string_equal(req->method, "GET");
	assert_string_equal(req->target, "/api/v1/models/1");
	assert_string_equal(req->authorization, "Bearer " KEY);
	assert_string_equal(req->accept, "application/json");
	assert_string_equal(req->content_type, "");
	assert_non_null(strstr(req->user_agent, "git-remote-hightouch/"));
	assert_string_equal(req->body, "");

	assert_int_equal(ht_client_last_status(fx->client), 200);
	assert_int_equal(stats(fx).requests, 1);
	assert_int_equal(stats(fx).retries, 0);
	assert_int_equal(stats(fx).connects, 1);
	assert_int_equal(stats(fx).bytes_received, strlen(body));
	assert_non_null(strstr(fx->trace.buf, "'GET /models/1' -> 200 in "));
	snprintf(bytes, sizeof(bytes), " ms, %zu bytes, new connection\n",
		 strlen(body));
	assert_non_null(strstr(fx->trace.buf, bytes));
}

static void test_keep_alive(void **state)
{
	struct fixture *fx = *state;
	json_t *v;
	int i;

	fx->opts.user_agent = "git-remote-hightouch/9.9 (test)";
	for (i = 0; i < 5; i++) {
		v = NULL;
		assert_int_equal(ht_client_get(client(fx), &v, "/models"), 0);
		json_decref(v);
	}
	assert_int_equal(nr_logged(fx), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(logged(fx, (size_t)i)->conn, 1);
	assert_string_equal(logged(fx, 4)->user_agent,
			    "git-remote-hightouch/9.9 (test)");
	assert_int_equal(accepts(fx), 1);
	assert_int_equal(stats(fx).requests, 5);
	assert_int_equal(stats(fx).connects, 1);
}

static void test_post_patch(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 200, NULL, "{\"id\":7,\"slug\":\"a\"}" },
		{ RESPOND, 200, NULL, "{\"id\":7,\"slug\":\"a\"}" },
		{ RESPOND, 200, NULL, "{\"id\":\"run-1\"}" },
		{ RESPOND, 200, NULL, "{}" },
	};
	struct fixture *fx = *state;
	json_t *body =
		json_pack("{s:s, s:i, s:[i]}", "slug", "a", "n", 1, "l", 2);
	json_t *v = NULL;

	SCRIPT(fx, r);
	assert_int_equal(ht_client_post(client(fx), &v, "/models", body), 0);
	assert_string_equal(json_string_value(json_object_get(v, "slug")), "a");
	json_decref(v);
	assert_int_equal(ht_client_patch(client(fx), &v, "/models/7", body), 0);
	json_decref(v);
	assert_int_equal(
		ht_client_post(client(fx), &v, "/syncs/7/trigger", NULL), 0);
	json_decref(v);
	assert_int_equal(ht_client_get(client(fx), &v, "/models/7"), 0);
	json_decref(v);
	json_decref(body);

	target_is(fx, 0, "POST", "/api/v1/models");
	assert_string_equal(logged(fx, 0)->content_type, "application/json");
	assert_string_equal(logged(fx, 0)->body,
			    "{\"slug\":\"a\",\"n\":1,\"l\":[2]}");
	assert_string_equal(logged(fx, 0)->authorization, "Bearer " KEY);
	target_is(fx, 1, "PATCH", "/api/v1/models/7");
	assert_string_equal(logged(fx, 1)->content_type, "application/json");
	assert_string_equal(logged(fx, 1)->body,
			    "{\"slug\":\"a\",\"n\":1,\"l\":[2]}");
	target_is(fx, 2, "POST", "/api/v1/syncs/7/trigger");
	assert_string_equal(logged(fx, 2)->body, "{}");
	/* back to a GET on the same handle: no body, no content type */
	target_is(fx, 3, "GET", "/api/v1/models/7");
	assert_string_equal(logged(fx, 3)->body, "");
	assert_string_equal(logged(fx, 3)->content_type, "");
	/* each POST on a connection of its own; PATCH and GET reuse one */
	assert_int_equal(logged(fx, 0)->conn, 1);
	assert_int_equal(logged(fx, 1)->conn, 1);
	assert_int_equal(logged(fx, 2)->conn, 2);
	assert_true(logged(fx, 3)->conn <= 2);
	assert_int_equal(accepts(fx), 2);
	assert_non_null(strstr(fx->trace.buf, "'PATCH /models/7' -> 200"));
}

static void test_request_response(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 409, NULL, "{\"message\":\"Slug taken\"}" },
		{ RESPOND, 200, NULL, "[1,2,3]" },
		{ RESPOND, 200, NULL, NULL },
		{ RESPOND, 418, NULL, "not json" },
	};
	struct fixture *fx = *state;
	struct ht_response resp = HT_RESPONSE_INIT;
	json_t *v = NULL;

	SCRIPT(fx, r);
	expect_error(ht_client_request(client(fx), &resp, HT_POST, "/syncs",
				       NULL),
		     HT_ECONFLICT,
		     "'POST /syncs' conflicts with the workspace: Slug taken");
	assert_int_equal(resp.status, 409);
	assert_string_equal(resp.body.buf, "{\"message\":\"Slug taken\"}");
	assert_true(json_is_object(resp.json));

	assert_int_equal(
		ht_client_request(client(fx), &resp, HT_GET, "/x", NULL), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(json_array_size(resp.json), 3);

	/* an empty 2xx body: fine for the request, not for a GET */
	assert_int_equal(
		ht_client_request(client(fx), &resp, HT_GET, "/x", NULL), 0);
	assert_null(resp.json);
	assert_int_equal(resp.body.len, 0);
	ht_response_release(&resp);
	script(fx, r + 2, 1);
	expect_error(ht_client_get(client(fx), &v, "/x"), HT_EHTTP,
		     "unexpected response to 'GET /x': an empty body");
	assert_null(v);

	script(fx, r + 3, 1);
	expect_error(ht_client_request(client(fx), &resp, HT_GET, "/tea", NULL),
		     HT_EHTTP,
		     "unexpected HTTP status 418 for 'GET /tea' from "
		     "'127.0.0.1:");
	assert_int_equal(resp.status, 418);
	assert_null(resp.json);
	assert_string_equal(resp.body.buf, "not json");
	ht_response_release(&resp);
	ht_response_release(&resp);
}

/* ------------------------------------------------------------------------
 * Listings.
 */

struct seen {
	size_t offsets[16];
	size_t nr;
	int stop_after; /* stop after this many pages; 0: never */
	int fail;	/* return this error on the first page */
};

static int record_page(json_t *items, size_t offset, void *payload)
{
	struct seen *s = payload;

	assert_true(json_array_size(items) > 0);
	s->offsets[s->nr++] = offset;
	if (s->fail)
		return ht_error_set(s->fail, "the callback says no");
	return s->stop_after && s->nr >= (size_t)s->stop_after;
}

static void test_list_pages(void **state)
{
	struct fixture *fx = *state;
	struct canned r[3] = {
		{ RESPOND, 200, NULL, page_body(fx, 0, 100, 1) },
		{ RESPOND, 200, NULL, page_body(fx, 100, 100, 1) },
		{ RESPOND, 200, NULL, page_body(fx, 200, 37, 0) },
	};
	struct seen seen = { { 0 }, 0, 0, 0 };
	json_t *all = NULL;
	size_t i;

	SCRIPT(fx, r);
	assert_int_equal(ht_client_list_all(client(fx), &all, "/models",
					    "orderBy=id"),
			 0);
	assert_int_equal(json_array_size(all), 237);
	for (i = 0; i < 237; i++)
		assert_int_equal(json_integer_value(json_object_get(
					 json_array_get(all, i), "id")),
				 (json_int_t)i);
	json_decref(all);
	assert_int_equal(nr_logged(fx), 3);
	target_is(fx, 0, "GET", "/api/v1/models?orderBy=id&offset=0&limit=100");
	target_is(fx, 1, "GET",
		  "/api/v1/models?orderBy=id&offset=100&limit=100");
	target_is(fx, 2, "GET",
		  "/api/v1/models?orderBy=id&offset=200&limit=100");
	assert_int_equal(accepts(fx), 1);

	/* the callback sees each page with its offset */
	SCRIPT(fx, r);
	assert_int_equal(ht_client_list(client(fx), "/syncs", NULL, record_page,
					&seen),
			 0);
	assert_int_equal(seen.nr, 3);
	assert_int_equal(seen.offsets[0], 0);
	assert_int_equal(seen.offsets[1], 100);
	assert_int_equal(seen.offsets[2], 200);
	target_is(fx, 3, "GET", "/api/v1/syncs?offset=0&limit=100");

	/* ... and may stop early, or fail */
	SCRIPT(fx, r);
	seen.nr = 0;
	seen.stop_after = 1;
	assert_int_equal(ht_client_list(client(fx), "/syncs", NULL, record_page,
					&seen),
			 0);
	assert_int_equal(seen.nr, 1);
	assert_int_equal(nr_logged(fx), 7);
	SCRIPT(fx, r);
	seen.nr = 0;
	seen.fail = HT_ECONFLICT;
	expect_error(ht_client_list(client(fx), "/syncs", NULL, record_page,
				    &seen),
		     HT_ECONFLICT, "the callback says no");
	assert_int_equal(nr_logged(fx), 8);
}

static void test_list_has_more_missing(void **state)
{
	struct fixture *fx = *state;
	struct canned r[5] = {
		{ RESPOND, 200, NULL, page_body(fx, 0, 100, -1) },
		{ RESPOND, 200, NULL, page_body(fx, 100, 100, -1) },
		{ RESPOND, 200, NULL, page_body(fx, 200, 50, -1) },
		/* an exact multiple of the page size: one empty page more */
		{ RESPOND, 200, NULL, page_body(fx, 0, 100, -1) },
		{ RESPOND, 200, NULL, page_body(fx, 0, 0, -1) },
	};
	json_t *all = NULL;

	SCRIPT(fx, r);
	assert_int_equal(ht_client_list_all(client(fx), &all, "/models", NULL),
			 0);
	assert_int_equal(json_array_size(all), 250);
	json_decref(all);
	assert_int_equal(nr_logged(fx), 3);
	assert_int_equal(ht_client_list_all(client(fx), &all, "/models", NULL),
			 0);
	assert_int_equal(json_array_size(all), 100);
	json_decref(all);
	assert_int_equal(nr_logged(fx), 5);
	target_is(fx, 4, "GET", "/api/v1/models?offset=100&limit=100");

	/* an empty workspace */
	script(fx, r + 4, 1);
	assert_int_equal(ht_client_list_all(client(fx), &all, "/models", NULL),
			 0);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
}

static void test_list_bad_server(void **state)
{
	struct fixture *fx = *state;
	struct canned r[4] = {
		{ RESPOND, 200, NULL, page_body(fx, 0, 100, 1) },
		{ RESPOND, 200, NULL, page_body(fx, 0, 0, 1) },
		{ RESPOND, 200, NULL, "{\"data\":[],\"hasMore\":1}" },
		{ RESPOND, 200, NULL, "{\"models\":[]}" },
	};
	json_t *all = json_array(); /* set to NULL on error */
	json_t *keep = all;

	SCRIPT(fx, r);
	/* hasMore forever, with empty pages: an error, not a loop */
	expect_error(ht_client_list_all(client(fx), &all, "/models", NULL),
		     HT_EHTTP,
		     "unexpected response to 'GET /models?offset=100&limit="
		     "100': an empty page says 'hasMore'");
	assert_null(all);
	json_decref(keep);
	expect_error(ht_client_list_all(client(fx), &all, "/models", NULL),
		     HT_EHTTP,
		     "unexpected response to 'GET /models?offset=0&limit=100':"
		     " 'hasMore' is number, not a boolean");
	expect_error(ht_client_list_all(client(fx), &all, "/syncs", NULL),
		     HT_EHTTP, "'data' is nothing");
	assert_int_equal(nr_logged(fx), 4);
}

static void test_list_page(void **state)
{
	struct fixture *fx = *state;
	struct canned r[2] = {
		{ RESPOND, 200, NULL, page_body(fx, 200, 50, -1) },
		{ RESPOND, 200, NULL, page_body(fx, 0, 1, 1) },
	};
	struct ht_page page = HT_PAGE_INIT;

	SCRIPT(fx, r);
	assert_int_equal(ht_client_list_page(client(fx), &page, "/syncs",
					     "slug=s-1", 200, 50, "updatedAt"),
			 0);
	assert_int_equal(json_array_size(page.items), 50);
	assert_int_equal(page.has_more, -1);
	ht_page_release(&page);
	target_is(fx, 0, "GET",
		  "/api/v1/syncs?slug=s-1&offset=200&limit=50"
		  "&orderBy=updatedAt");
	assert_int_equal(ht_client_list_page(client(fx), &page, "/models", NULL,
					     0, 1, NULL),
			 0);
	assert_int_equal(page.has_more, 1);
	ht_page_release(&page);
	target_is(fx, 1, "GET", "/api/v1/models?offset=0&limit=1");
}

/* ------------------------------------------------------------------------
 * Error statuses.
 */

static void test_status_errors(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 401, NULL,
		  "{\"message\":\"Authentication error\","
		  "\"details\":\"Token is invalid\"}" },
		{ RESPOND, 403, NULL, "{\"message\":\"Forbidden\"}" },
		{ RESPOND, 404, NULL, NULL },
		{ RESPOND, 409, NULL,
		  "{\"message\":\"Validation failed\",\"details\":"
		  "{\"slug\":\"already exists\"}}" },
		{ RESPOND, 422, NULL,
		  "{\"message\":\"Validation failed\",\"details\":{\"name\":"
		  "\"is required\",\"primaryKey\":[\"must be a string\"]}}" },
		{ RESPOND, 400, NULL, "{\"message\":\"bad orderBy\"}" },
		{ RESPOND, 302, "Location: https://elsewhere.example/\r\n",
		  NULL },
	};
	struct fixture *fx = *state;
	char host[80];
	char msg[256];
	json_t *v = NULL, *body = json_pack("{s:s}", "slug", "a");

	SCRIPT(fx, r);
	snprintf(host, sizeof(host), "'127.0.0.1:%u'", (unsigned)fx->srv.port);

	snprintf(msg, sizeof(msg),
		 "the API key was rejected by %s: Authentication error: "
		 "Token is invalid",
		 host);
	expect_error(ht_client_get(client(fx), &v, "/models"), HT_EAUTH, msg);
	assert_string_equal(ht_error_message(), msg);
	assert_int_equal(ht_client_last_status(fx->client), 401);
	assert_null(v);

	snprintf(msg, sizeof(msg),
		 "the API key may not 'GET /models' on %s: Forbidden", host);
	expect_error(ht_client_get(client(fx), &v, "/models"), HT_EAUTH, msg);
	assert_int_equal(ht_client_last_status(fx->client), 403);

	snprintf(msg, sizeof(msg),
		 "'GET /models/9' was not found on %s (no such resource, or "
		 "a wrong host or path)",
		 host);
	expect_error(ht_client_get(client(fx), &v, "/models/9"), HT_ENOTFOUND,
		     msg);
	assert_string_equal(ht_error_message(), msg);

	expect_error(ht_client_post(client(fx), &v, "/models", body),
		     HT_ECONFLICT,
		     "'POST /models' conflicts with the workspace: Validation "
		     "failed: {\"slug\":\"already exists\"}");
	expect_error(ht_client_post(client(fx), &v, "/models", body),
		     HT_EINVALID,
		     "'POST /models' was refused as invalid: Validation "
		     "failed: {\"name\":\"is required\",\"primaryKey\":"
		     "[\"must be a string\"]}");
	expect_error(ht_client_get(client(fx), &v, "/models?orderBy=x"),
		     HT_EINVALID,
		     "'GET /models?orderBy=x' was refused as invalid: bad "
		     "orderBy");
	/* redirects are not followed */
	expect_error(ht_client_get(client(fx), &v, "/models"), HT_EHTTP,
		     "unexpected HTTP status 302 for 'GET /models'");
	json_decref(body);

	/* none of these is retried */
	assert_int_equal(nr_logged(fx), 7);
	assert_int_equal(stats(fx).retries, 0);
	assert_int_equal(fx->sleeps_nr, 0);
}

static void test_server_text_in_messages(void **state)
{
	struct fixture *fx = *state;
	struct ht_strbuf big = HT_STRBUF_INIT;
	struct canned r[3] = {
		{ RESPOND, 404, NULL, NULL },
		{ RESPOND, 401, NULL,
		  "{\"message\":\"Token " KEY " is invalid\"}" },
		{ RESPOND, 422, NULL,
		  "{\"message\":\"Validation failed\",\"details\":{\"k\":\"" KEY
		  "\"}}" },
	};
	const char *msg, *p;
	json_t *v = NULL;
	int i;

	ht_strbuf_addstr(&big, "{\"message\":\"line one\\nline two\\u001b[2J");
	for (i = 0; i < 100; i++)
		ht_strbuf_addstr(&big, " blah");
	ht_strbuf_addstr(&big, "\"}");
	r[0].body = big.buf;
	SCRIPT(fx, r);
	expect_error(ht_client_get(client(fx), &v, "/m"), HT_ENOTFOUND,
		     "path): line one?line two?[2J blah blah");
	msg = ht_error_message();
	for (p = msg; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	/* cut: the server's text is the end of the message */
	assert_int_equal(strlen(strstr(msg, "line one")),
			 HT_CLIENT_MAX_SERVER_TEXT + 3);
	assert_string_equal(msg + strlen(msg) - 3, "...");

	/* a server that echoes the key does not get it into a message */
	expect_error(ht_client_get(client(fx), &v, "/m"), HT_EAUTH,
		     "Token <redacted> is invalid");
	expect_error(ht_client_post(client(fx), &v, "/m", NULL), HT_EINVALID,
		     "{\"k\":\"<redacted>\"}");
	ht_strbuf_release(&big);
}

/* ------------------------------------------------------------------------
 * Retries.
 */

/* Check that retry n (from 1) slept within its jittered bounds. */
static void backoff_within(struct fixture *fx, size_t n, uint64_t base)
{
	uint64_t d = base << (n - 1), ms = fx->sleeps[n - 1];

	if (n > fx->sleeps_nr)
		fail_msg("no sleep before retry %zu", n);
	if (ms < d / 2 || ms > d)
		fail_msg("retry %zu slept %llu ms, not in [%llu, %llu]", n,
			 (unsigned long long)ms, (unsigned long long)(d / 2),
			 (unsigned long long)d);
}

static void test_get_retries_5xx(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 500, NULL, "\"Internal Server Error\"" },
		{ RESPOND, 502, NULL, "<html>bad gateway</html>" },
		{ RESPOND, 503, NULL, NULL },
		{ RESPOND, 504, NULL, NULL },
		{ RESPOND, 500, NULL, "\"Internal Server Error\"" },
		{ RESPOND, 500, NULL, "\"Internal Server Error\"" },
		/* then a GET that fails once only */
		{ RESPOND, 500, NULL, "\"Internal Server Error\"" },
		{ RESPOND, 200, NULL, "{\"ok\":1}" },
	};
	struct fixture *fx = *state;
	json_t *v = NULL;
	size_t i;

	SCRIPT(fx, r);
	expect_error(ht_client_get(client(fx), &v, "/models"), HT_EHTTP,
		     "'GET /models' failed with HTTP 500 from '127.0.0.1:");
	expect_error(HT_EHTTP, HT_EHTTP,
		     " after 5 retries: Internal Server Error");
	assert_int_equal(nr_logged(fx), 6);
	assert_int_equal(stats(fx).requests, 6);
	assert_int_equal(stats(fx).retries, 5);
	assert_int_equal(fx->sleeps_nr, 5);
	for (i = 1; i <= 5; i++)
		backoff_within(fx, i, 100);
	assert_non_null(strstr(fx->trace.buf, "-> 502 in "));
	assert_non_null(strstr(fx->trace.buf, "; retry 5 of 5 in "));

	assert_int_equal(ht_client_get(client(fx), &v, "/models"), 0);
	json_decref(v);
	assert_int_equal(stats(fx).requests, 8);
	assert_int_equal(stats(fx).retries, 6);
	assert_int_equal(accepts(fx), 1);
}

static void test_backoff_cap(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 503, NULL, NULL }, { RESPOND, 503, NULL, NULL },
		{ RESPOND, 503, NULL, NULL }, { RESPOND, 503, NULL, NULL },
		{ RESPOND, 503, NULL, NULL }, { RESPOND, 503, NULL, NULL },
		{ RESPOND, 503, NULL, NULL }, { RESPOND, 503, NULL, NULL },
		{ RESPOND, 503, NULL, NULL },
	};
	struct fixture *fx = *state;
	json_t *v = NULL;
	size_t i;

	fx->opts.max_retries = 8;
	fx->opts.backoff_base_ms = 1000;
	fx->opts.backoff_max_ms = 3000;
	SCRIPT(fx, r);
	expect_error(ht_client_get(client(fx), &v, "/m"), HT_EHTTP, "HTTP 503");
	expect_error(HT_EHTTP, HT_EHTTP, "after 8 retries");
	assert_int_equal(fx->sleeps_nr, 8);
	backoff_within(fx, 1, 1000);
	backoff_within(fx, 2, 1000);
	/* from the 3rd on, capped: between half the cap and the cap */
	for (i = 2; i < 8; i++)
		assert_true(fx->sleeps[i] >= 1500 && fx->sleeps[i] <= 3000);

	/* no retries at all */
	ht_client_free(fx->client);
	fx->client = NULL;
	fx->opts.max_retries = 0;
	SCRIPT(fx, r);
	expect_error(ht_client_get(client(fx), &v, "/m"), HT_EHTTP,
		     "'GET /m' failed with HTTP 503 from '127.0.0.1:");
	assert_null(strstr(ht_error_message(), "retr"));
	assert_int_equal(stats(fx).requests, 1);
}

/* The lines a user is told before waits of a second or more. */
static void collect_notice(const char *line, void *payload)
{
	struct ht_strbuf *sb = payload;

	ht_strbuf_addf(sb, "%s\n", line);
}

static void test_notices(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 503, NULL, NULL },
		{ RESPOND, 429, "Retry-After: 6\r\n", NULL },
		{ RESPOND, 200, NULL, "{\"ok\":1}" },
	};
	struct fixture *fx = *state;
	struct ht_strbuf said = HT_STRBUF_INIT;
	json_t *v = NULL;

	fx->opts.max_retries = 5;
	fx->opts.backoff_base_ms = 2000;
	fx->opts.backoff_max_ms = 10000;
	fx->opts.notice = collect_notice;
	fx->opts.notice_payload = &said;
	SCRIPT(fx, r);
	assert_int_equal(ht_client_get(client(fx), &v, "/m"), 0);
	json_decref(v);
	assert_int_equal(fx->sleeps_nr, 2);
	assert_true(!strncmp(said.buf, "HTTP 503, retrying in ", 22));
	assert_non_null(strstr(said.buf, " s (1 of 5)\n"));
	assert_non_null(strstr(said.buf, "waiting 6 s for the API's rate "
				"limit (HTTP 429, 2 of 5)\n"));
	ht_strbuf_release(&said);
}

static void test_get_429(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 429, "Retry-After: 3\r\n", NULL },
		{ RESPOND, 429, "Retry-After: 30\r\n", NULL },
		{ RESPOND, 200, NULL, "{\"ok\":1}" },
		/* then always 429 */
		{ RESPOND, 429, NULL, "{\"error\":\"Too many requests\"}" },
		{ RESPOND, 429, NULL, "{\"error\":\"Too many requests\"}" },
		{ RESPOND, 429, NULL, "{\"error\":\"Too many requests\"}" },
	};
	struct fixture *fx = *state;
	json_t *v = NULL;

	fx->opts.max_retries = 2;
	SCRIPT(fx, r);
	assert_int_equal(ht_client_get(client(fx), &v, "/models"), 0);
	json_decref(v);
	assert_int_equal(stats(fx).retries, 2);
	assert_int_equal(fx->sleeps_nr, 2);
	/* Retry-After is honoured, up to the cap */
	assert_int_equal(fx->sleeps[0], 3000);
	assert_int_equal(fx->sleeps[1], 10000);

	expect_error(ht_client_get(client(fx), &v, "/models"), HT_ENET,
		     "rate limited by '127.0.0.1:");
	expect_error(HT_ENET, HT_ENET, "on 'GET /models' after 2 retries");
	assert_int_equal(nr_logged(fx), 6);
	assert_int_equal(stats(fx).retries, 4);
	assert_int_equal(ht_client_last_status(fx->client), 429);
}

static void test_post_not_retried(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 500, NULL, "\"Internal Server Error\"" },
		{ RESPOND, 503, NULL, NULL },
		{ RESPOND, 429, "Retry-After: 1\r\n", NULL },
		{ HANG_UP, 0, NULL, NULL },
		{ DROP_HALF, 200, NULL, "{\"id\":1,\"slug\":\"created\"}" },
	};
	struct fixture *fx = *state;
	json_t *v = NULL, *body = json_pack("{s:s}", "slug", "created");

	SCRIPT(fx, r);
	expect_error(ht_client_post(client(fx), &v, "/models", body), HT_EHTTP,
		     "'POST /models' failed with HTTP 500 from '127.0.0.1:");
	expect_error(HT_EHTTP, HT_EHTTP,
		     "(not retried: it may have been applied): Internal "
		     "Server Error");
	expect_error(ht_client_patch(client(fx), &v, "/models/1", body),
		     HT_EHTTP, "HTTP 503");
	expect_error(ht_client_post(client(fx), &v, "/models", body), HT_ENET,
		     "rate limited by '127.0.0.1:");
	expect_error(HT_ENET, HT_ENET, "on 'POST /models' (not retried)");
	assert_int_equal(ht_client_last_status(fx->client), 429);
	/* the connection dropped after the request was sent */
	expect_error(ht_client_post(client(fx), &v, "/models", body), HT_ENET,
		     "'POST /models' to '127.0.0.1:");
	expect_error(HT_ENET, HT_ENET, "may have been applied");
	expect_error(ht_client_post(client(fx), &v, "/models", body), HT_ENET,
		     "may have been applied");
	assert_null(v);
	json_decref(body);

	assert_int_equal(nr_logged(fx), 5);
	assert_int_equal(stats(fx).requests, 5);
	assert_int_equal(stats(fx).retries, 0);
	assert_int_equal(fx->sleeps_nr, 0);
}

static void test_get_dropped_retried(void **state)
{
	static const struct canned r[] = {
		{ HANG_UP, 0, NULL, NULL },
		{ DROP_HALF, 200, NULL, "{\"id\":1,\"name\":\"half\"}" },
		{ RESPOND, 200, NULL, "{\"id\":1,\"name\":\"whole\"}" },
		{ HANG_UP, 0, NULL, NULL },
		{ RESPOND, 200, NULL, "{\"id\":2}" },
	};
	struct fixture *fx = *state;
	json_t *v = NULL;

	SCRIPT(fx, r);
	/* no answer, then half an answer: each costs a retry */
	assert_int_equal(ht_client_get(client(fx), &v, "/models/1"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "name")),
			    "whole");
	json_decref(v);
	assert_int_equal(nr_logged(fx), 3);
	assert_int_equal(stats(fx).requests, 3);
	assert_int_equal(stats(fx).retries, 2);
	assert_int_equal(fx->sleeps_nr, 2);
	assert_int_equal(accepts(fx), 3);
	assert_int_equal(stats(fx).connects, 3);
	assert_non_null(strstr(fx->trace.buf, "'GET /models/1' -> failed in "));
	assert_non_null(strstr(fx->trace.buf, "; retry 2 of 5 in "));

	/*
	 * A kept-alive connection closed with no answer: libcurl itself
	 * sends the request again on a new connection, unseen by the
	 * client's counters (the reason a POST never reuses a connection).
	 */
	assert_int_equal(ht_client_get(client(fx), &v, "/models/2"), 0);
	json_decref(v);
	assert_int_equal(nr_logged(fx), 5);
	target_is(fx, 3, "GET", "/api/v1/models/2");
	target_is(fx, 4, "GET", "/api/v1/models/2");
	assert_int_equal(stats(fx).requests, 4);
	assert_int_equal(stats(fx).retries, 2);
	assert_int_equal(accepts(fx), 4);
}

static void test_connect_refused(void **state)
{
	struct fixture *fx = *state;
	unsigned short port;
	char base[64], host[64];
	json_t *v = NULL;
	int fd = bind_loopback(&port);

	close(fd); /* nobody listens there now */
	snprintf(base, sizeof(base), "http://127.0.0.1:%u/test",
		 (unsigned)port);
	snprintf(host, sizeof(host), "cannot connect to '127.0.0.1:%u'",
		 (unsigned)port);
	use_url(fx, base);
	fx->opts.max_retries = 2;
	/* a wrong port is not mended by waiting: no retry */
	expect_error(ht_client_get(client(fx), &v, "/models"), HT_ENET, host);
	assert_null(strstr(ht_error_message(), "retr"));
	assert_int_equal(stats(fx).requests, 1);
	expect_error(ht_client_post(client(fx), &v, "/models", NULL), HT_ENET,
		     host);
	assert_int_equal(stats(fx).requests, 2);
	assert_int_equal(stats(fx).retries, 0);
	assert_int_equal(fx->sleeps_nr, 0);
	assert_int_equal(ht_client_last_status(fx->client), 0);
	assert_int_equal(nr_logged(fx), 0);
}

static void test_timeout(void **state)
{
	static const struct canned r[] = {
		{ STALL, 0, NULL, NULL },
		{ STALL, 0, NULL, NULL },
		{ STALL, 0, NULL, NULL },
	};
	struct fixture *fx = *state;
	json_t *v = NULL;

	fx->opts.timeout_ms = 300;
	fx->opts.max_retries = 1;
	SCRIPT(fx, r);
	expect_error(ht_client_get(client(fx), &v, "/slow"), HT_ENET,
		     "'GET /slow' to '127.0.0.1:");
	expect_error(HT_ENET, HT_ENET, "timed out after 1 retry: ");
	assert_int_equal(stats(fx).requests, 2);
	/* a POST that may have arrived is not repeated */
	expect_error(ht_client_post(client(fx), &v, "/slow", NULL), HT_ENET,
		     "timed out (not retried: it may have been applied)");
	assert_int_equal(stats(fx).requests, 3);
	assert_int_equal(nr_logged(fx), 3);
}

/* ------------------------------------------------------------------------
 * Bodies.
 */

static void test_bad_bodies(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 200, NULL, "<html>\x1b[1mwelcome</html>" },
		{ RESPOND, 200, NULL, "{\"data\": [1, 2" },
	};
	struct fixture *fx = *state;
	json_t *v = NULL;
	const char *p;

	SCRIPT(fx, r);
	expect_error(ht_client_get(client(fx), &v, "/models"), HT_EHTTP,
		     "unexpected response to 'GET /models': ");
	for (p = ht_error_message(); *p; p++)
		assert_true((unsigned char)*p >= 0x20);
	expect_error(ht_client_get(client(fx), &v, "/models"), HT_EHTTP,
		     "unexpected response to 'GET /models': ");
	assert_null(v);
	/* not retried: the server answered */
	assert_int_equal(nr_logged(fx), 2);
}

static void test_oversized(void **state)
{
	struct fixture *fx = *state;
	struct ht_strbuf big = HT_STRBUF_INIT;
	struct canned r[3] = {
		{ RESPOND, 200, NULL, NULL },
		{ RESPOND_EOF, 200, NULL, NULL },
		{ RESPOND_EOF, 200, NULL, "{\"small\":true}" },
	};
	json_t *v = NULL;

	ht_strbuf_addch(&big, '"');
	ht_strbuf_addchars(&big, 'x', 8192);
	ht_strbuf_addch(&big, '"');
	r[0].body = big.buf;
	r[1].body = big.buf;
	fx->opts.max_response = 1024;
	SCRIPT(fx, r);
	/* with a Content-Length, refused before reading */
	expect_error(ht_client_get(client(fx), &v, "/big"), HT_ETOOBIG,
		     "response to 'GET /big' exceeds the limit of 1024 bytes");
	/* without, refused past the cap */
	expect_error(ht_client_get(client(fx), &v, "/big"), HT_ETOOBIG,
		     "response to 'GET /big' exceeds the limit of 1024 bytes");
	assert_int_equal(ht_client_get(client(fx), &v, "/small"), 0);
	assert_true(json_is_true(json_object_get(v, "small")));
	json_decref(v);
	assert_int_equal(nr_logged(fx), 3);
	assert_int_equal(stats(fx).retries, 0);
	ht_strbuf_release(&big);
}

static void test_tls_failure(void **state)
{
	struct fixture *fx = *state;
	char base[64], msg[64];
	json_t *v = NULL;

	/* https to a server that speaks plain http */
	snprintf(base, sizeof(base), "https://127.0.0.1:%u/test",
		 (unsigned)fx->srv.port);
	snprintf(msg, sizeof(msg), "TLS connection to '127.0.0.1:%u' failed",
		 (unsigned)fx->srv.port);
	use_url(fx, base);
	expect_error(ht_client_get(client(fx), &v, "/models"), HT_ENET, msg);
	/* not retried: it would fail the same way */
	assert_int_equal(stats(fx).requests, 1);

	/* a CA bundle that cannot be read */
	ht_client_free(fx->client);
	fx->client = NULL;
	fx->opts.ca_info = "/nonexistent/ca.pem";
	expect_error(ht_client_get(client(fx), &v, "/models"), HT_ENET, msg);
	assert_int_equal(stats(fx).requests, 1);
	assert_int_equal(nr_logged(fx), 0);
}

/* ------------------------------------------------------------------------
 * The key, the rate limit.
 */

static void test_key_secrecy(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 500, NULL, "your key is " KEY },
		{ RESPOND, 200, NULL, "{\"echo\":\"" KEY "\"}" },
	};
	struct fixture *fx = *state;
	json_t *v = NULL;

	fx->opts.max_retries = 0;
	SCRIPT(fx, r);
	/* the key goes in no URL */
	expect_error(ht_client_get(client(fx), &v, "/models?key=" KEY),
		     HT_EINVALID, "refusing to put the API key in a request");
	expect_error(ht_client_get(client(fx), &v, "models"), HT_EINVALID,
		     "invalid request path 'models'");
	expect_error(ht_client_get(client(fx), &v, "/a b"), HT_EINVALID,
		     "invalid request path '/a b'");
	expect_error(ht_client_get(client(fx), &v, "/a\nb"), HT_EINVALID,
		     "invalid request path '/a?b'");
	assert_int_equal(nr_logged(fx), 0);

	expect_error(ht_client_get(client(fx), &v, "/models"), HT_EHTTP,
		     "failed with HTTP 500 from '127.0.0.1:");
	expect_error(HT_EHTTP, HT_EHTTP, ": your key is <redacted>");
	/* a 2xx body is the caller's: it is not redacted */
	assert_int_equal(ht_client_get(client(fx), &v, "/models"), 0);
	json_decref(v);

	/* in the Authorization header, and nowhere in the trace */
	assert_string_equal(logged(fx, 0)->authorization, "Bearer " KEY);
	assert_null(strstr(logged(fx, 0)->target, KEY));
	assert_null(strstr(fx->trace.buf, KEY));
	assert_null(strstr(fx->trace.buf, "uthorization"));
	assert_non_null(strstr(fx->trace.buf, "'GET /models' -> 500 in "));
}

static void test_rate_limit(void **state)
{
	struct fixture *fx = *state;
	char path[32], target[48];
	json_t *v = NULL;
	int i;

	fx->opts.rate_limit = 3;
	fx->opts.rate_window_ms = 1000;
	for (i = 1; i <= 7; i++) {
		snprintf(path, sizeof(path), "/r/%d", i);
		assert_int_equal(ht_client_get(client(fx), &v, path), 0);
		json_decref(v);
	}
	/*
	 * The fake clock moves only when the client sleeps: the first three
	 * requests go at t, the 4th waits for the window to pass, the 5th
	 * and 6th go at once at t+1000 (the requests of t are out of the
	 * window by then), and the 7th waits again.
	 */
	assert_int_equal(stats(fx).throttled, 2);
	assert_int_equal(stats(fx).throttled_ms, 2000);
	assert_int_equal(fx->sleeps_nr, 2);
	assert_int_equal(fx->sleeps[0], 1000);
	assert_int_equal(fx->sleeps[1], 1000);
	assert_int_equal(nr_logged(fx), 7);
	for (i = 1; i <= 7; i++) {
		snprintf(target, sizeof(target), "/api/v1/r/%d", i);
		target_is(fx, (size_t)i - 1, "GET", target);
	}
	assert_non_null(strstr(fx->trace.buf,
			       "rate limit: waiting 1000 ms\n'GET /r/4'"));
	assert_non_null(strstr(fx->trace.buf,
			       "rate limit: waiting 1000 ms\n'GET /r/7'"));
}

static void test_rate_limit_counts_retries(void **state)
{
	static const struct canned r[] = {
		{ RESPOND, 503, NULL, NULL },
		{ RESPOND, 503, NULL, NULL },
		{ RESPOND, 200, NULL, "{}" },
	};
	struct fixture *fx = *state;
	json_t *v = NULL;

	fx->opts.rate_limit = 2;
	fx->opts.rate_window_ms = 60000;
	fx->opts.backoff_base_ms = 10;
	SCRIPT(fx, r);
	assert_int_equal(ht_client_get(client(fx), &v, "/m"), 0);
	json_decref(v);
	/* backoff, backoff, then the limiter holds the third attempt */
	assert_int_equal(stats(fx).requests, 3);
	assert_int_equal(stats(fx).throttled, 1);
	assert_int_equal(fx->sleeps_nr, 3);
	assert_true(fx->sleeps[2] > 59000);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

/* hightouch.retries, allowHttp and pageSize, for every program. */
static void test_client_config(void **state)
{
	struct ht_config_entry items[] = {
		{ (char *)"hightouch.retries", (char *)"3" },
		{ (char *)"hightouch.allowhttp", NULL },
		{ (char *)"hightouch.pagesize", (char *)"1000" },
	};
	struct ht_config cfg = HT_CONFIG_INIT;
	struct ht_client_config cc;

	(void)state;
	cfg.items = items;
	cfg.alloc = 3;
	assert_int_equal(ht_client_config_read(&cc, &cfg), 0);
	assert_int_equal(cc.retries, HT_CLIENT_RETRIES_DEFAULT);
	assert_int_equal(cc.url_flags, 0);
	assert_int_equal(cc.page_size, HT_CLIENT_PAGE_LIMIT);
	cfg.nr = 3;
	assert_int_equal(ht_client_config_read(&cc, &cfg), 0);
	assert_int_equal(cc.retries, 3);
	assert_int_equal(cc.url_flags, HT_URL_ALLOW_HTTP);
	assert_int_equal(cc.page_size, HT_CLIENT_PAGE_SIZE_MAX);
	items[0].value = (char *)"21";
	assert_true(ht_client_config_read(&cc, &cfg) < 0);
	assert_non_null(strstr(ht_error_message(), "hightouch.retries"));
	ht_error_clear();
	items[0].value = (char *)"3";
	items[2].value = (char *)"1001";
	assert_true(ht_client_config_read(&cc, &cfg) < 0);
	assert_string_equal(ht_error_message(),
			    "bad config value for 'hightouch.pagesize': it "
			    "must be a number from 1 to 1000");
	ht_error_clear();
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_ratelimit_window),
		cmocka_unit_test(test_ratelimit_init),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_server_message),
		cmocka_unit_test(test_query_add),
		cmocka_unit_test(test_parse_page),
		cmocka_unit_test(test_trace_to_file),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_client_config),
	};
	const struct CMUnitTest http[] = {
		T(test_get),
		T(test_keep_alive),
		T(test_post_patch),
		T(test_request_response),
		T(test_list_pages),
		T(test_list_has_more_missing),
		T(test_list_bad_server),
		T(test_list_page),
		T(test_status_errors),
		T(test_server_text_in_messages),
		T(test_get_retries_5xx),
		T(test_backoff_cap),
		T(test_get_429),
		T(test_post_not_retried),
		T(test_get_dropped_retried),
		T(test_connect_refused),
		T(test_notices),
		T(test_timeout),
		T(test_bad_bodies),
		T(test_oversized),
		T(test_tls_failure),
		T(test_key_secrecy),
		T(test_rate_limit),
		T(test_rate_limit_counts_retries),
	};
	int failed;

	/* a server closing on the client must not kill the test */
	signal(SIGPIPE, SIG_IGN);
	if (ht_client_global_init())
		return 1;
	failed = cmocka_run_group_tests_name("client: pure", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("client: http", http, NULL, NULL);
	ht_client_global_cleanup();
	return failed ? 1 : 0;
}
