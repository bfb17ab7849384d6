/*
 * Unit tests for hightouch:// URLs (common/url.c) and for the protocol
 * helpers that need no process (C quoting, common/protocol.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hightouch/error.h"
#include "hightouch/protocol.h"
#include "hightouch/strbuf.h"
#include "hightouch/url.h"

struct good {
	const char *url;
	unsigned flags;
	const char *scheme, *host;
	unsigned port;
	const char *authority, *workspace, *api_base;
};

static const struct good goods[] = {
	{ "hightouch://acme", 0, "https", "api.hightouch.com", 0,
	  "api.hightouch.com", "acme", "https://api.hightouch.com/api/v1" },
	{ "hightouch://acme/", 0, "https", "api.hightouch.com", 0,
	  "api.hightouch.com", "acme", "https://api.hightouch.com/api/v1" },
	{ "HighTouch://Acme_Prod-2", 0, "https", "api.hightouch.com", 0,
	  "api.hightouch.com", "Acme_Prod-2",
	  "https://api.hightouch.com/api/v1" },
	{ "hightouch://eu.example.com/acme", 0, "https", "eu.example.com", 0,
	  "eu.example.com", "acme", "https://eu.example.com/api/v1" },
	{ "hightouch://EU.Example.COM:8443/acme", 0, "https",
	  "eu.example.com", 8443, "eu.example.com:8443", "acme",
	  "https://eu.example.com:8443/api/v1" },
	{ "hightouch://[::1]:8080/ws", 0, "https", "::1", 8080, "[::1]:8080",
	  "ws", "https://[::1]:8080/api/v1" },
	/* what git passes for hightouch::<address> */
	{ "acme", 0, "https", "api.hightouch.com", 0, "api.hightouch.com",
	  "acme", "https://api.hightouch.com/api/v1" },
	{ "host.example:1/w", 0, "https", "host.example", 1,
	  "host.example:1", "w", "https://host.example:1/api/v1" },
	{ "http://127.0.0.1:34567/test", 0, "http", "127.0.0.1", 34567,
	  "127.0.0.1:34567", "test", "http://127.0.0.1:34567/api/v1" },
	{ "http://127.8.9.10/test", 0, "http", "127.8.9.10", 0, "127.8.9.10",
	  "test", "http://127.8.9.10/api/v1" },
	{ "http://localhost:80/t", 0, "http", "localhost", 80,
	  "localhost:80", "t", "http://localhost:80/api/v1" },
	{ "http://LOCALHOST./t", 0, "http", "localhost.", 0, "localhost.",
	  "t", "http://localhost./api/v1" },
	{ "http://[::1]:9/t", 0, "http", "::1", 9, "[::1]:9", "t",
	  "http://[::1]:9/api/v1" },
	{ "http://[::ffff:127.0.0.1]:9/t", 0, "http", "::ffff:127.0.0.1", 9,
	  "[::ffff:127.0.0.1]:9", "t", "http://[::ffff:127.0.0.1]:9/api/v1" },
	{ "https://api.example.com/w", 0, "https", "api.example.com", 0,
	  "api.example.com", "w", "https://api.example.com/api/v1" },
	{ "hightouch::http://127.0.0.1:1/w", 0, "http", "127.0.0.1", 1,
	  "127.0.0.1:1", "w", "http://127.0.0.1:1/api/v1" },
	/* plain http elsewhere, when allowed */
	{ "http://ht.internal:8080/w", HT_URL_ALLOW_HTTP, "http",
	  "ht.internal", 8080, "ht.internal:8080", "w",
	  "http://ht.internal:8080/api/v1" },
	{ "http://10.0.0.1/w", HT_URL_ALLOW_HTTP, "http", "10.0.0.1", 0,
	  "10.0.0.1", "w", "http://10.0.0.1/api/v1" },
	{ "hightouch://h_1.example/w", 0, "https", "h_1.example", 0,
	  "h_1.example", "w", "https://h_1.example/api/v1" },
	{ "hightouch://9", 0, "https", "api.hightouch.com", 0,
	  "api.hightouch.com", "9", "https://api.hightouch.com/api/v1" },
};

static void test_good(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];
		struct ht_url u = HT_URL_INIT;

		if (ht_url_parse(&u, g->url, g->flags))
			fail_msg("'%s': %s", g->url, ht_error_message());
		assert_string_equal(u.scheme, g->scheme);
		assert_string_equal(u.host, g->host);
		assert_int_equal(u.port, g->port);
		assert_string_equal(u.authority, g->authority);
		assert_string_equal(u.workspace, g->workspace);
		assert_string_equal(u.api_base, g->api_base);
		/* decided once, here: the client trusts it */
		assert_int_equal(u.loopback,
				 ht_url_host_is_loopback(g->host));
		ht_url_release(&u);
		ht_url_release(&u); /* twice is fine */
	}
}

struct bad {
	const char *url;
	const char *message; /* a part of it */
};

static const struct bad bads[] = {
	{ "", "empty hightouch URL" },
	{ "hightouch://", "no workspace" },
	{ "hightouch:///", "no workspace" },
	{ "hightouch://host:80", "no workspace after the host" },
	{ "https://host.example", "no workspace after the host" },
	{ "http://127.0.0.1:80/", "no workspace after the host" },
	{ "hightouch://a/b/c", "expected [HOST[:PORT]/]WORKSPACE" },
	{ "hightouch://host//ws", "expected [HOST[:PORT]/]WORKSPACE" },
	{ "hightouch:///ws", "invalid host ''" },
	{ "hightouch://bad_host!/ws", "invalid host 'bad_host!'" },
	{ "hightouch://-bad.example/ws", "invalid host '-bad.example'" },
	{ "hightouch://bad-.example/ws", "invalid host 'bad-.example'" },
	{ "hightouch://a..b/ws", "invalid host 'a..b'" },
	{ "hightouch://host:0/ws", "invalid port '0'" },
	{ "hightouch://host:65536/ws", "invalid port '65536'" },
	{ "hightouch://host:/ws", "invalid port ''" },
	{ "hightouch://host:+80/ws", "invalid port '+80'" },
	{ "hightouch://host:8o/ws", "invalid port '8o'" },
	{ "hightouch://host:123456/ws", "invalid port" },
	{ "hightouch://::1:80/ws", "IPv6 addresses need brackets" },
	{ "hightouch://[::1/ws", "no closing ']'" },
	{ "hightouch://[zz::1]:80/ws", "invalid IPv6 address 'zz::1'" },
	{ "hightouch://[::1]x/ws", "invalid host" },
	{ "hightouch://ws.with.dots", "invalid workspace name 'ws.with.dots'" },
	{ "hightouch://host/-ws", "invalid workspace name '-ws'" },
	{ "hightouch://host/w%20s", "unexpected '%'" },
	{ "hightouch://host/ws?x=1", "unexpected '?'" },
	{ "hightouch://host/ws#frag", "unexpected '#'" },
	{ "hightouch://host\\x/ws", "unexpected '\\'" },
	{ "hightouch://host/w s", "spaces or control characters" },
	{ "hightouch://host/w\ts", "spaces or control characters" },
	{ "hightouch://h\xc3\xa9/ws", "spaces or control characters" },
	{ "ftp://host/ws", "unsupported scheme 'ftp'" },
	{ "hightouch+http://host/ws", "unsupported scheme 'hightouch+http'" },
	{ "http://ht.example.com/ws", "refusing plain http to "
				      "'ht.example.com'" },
	{ "http://10.0.0.1:80/ws", "hightouch.allowHttp" },
	{ "http://128.0.0.1/ws", "not a loopback address" },
	{ "http://localhost.example/ws", "not a loopback address" },
	{ "http://[::2]/ws", "not a loopback address" },
};

static void test_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct ht_url u = HT_URL_INIT;
		int ret = ht_url_parse(&u, bads[i].url, 0);

		if (ret != HT_EINVALID)
			fail_msg("'%s' was accepted", bads[i].url);
		if (!strstr(ht_error_message(), bads[i].message))
			fail_msg("'%s': message '%s' lacks '%s'", bads[i].url,
				 ht_error_message(), bads[i].message);
		assert_null(u.scheme);
		assert_null(u.api_base);
	}
}

/* The key must never be quoted back, whatever else is wrong. */
static void test_credentials_refused(void **state)
{
	static const char *const urls[] = {
		"hightouch://user:s3cr3t-key@host/ws",
		"hightouch://s3cr3t-key@ws",
		"http://s3cr3t-key@127.0.0.1:80/ws",
		"https://user:s3cr3t-key@api.hightouch.com/ws",
		"hightouch://host/ws@s3cr3t-key",
		"hightouch://host:s3cr3t-key@/ws?x",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		struct ht_url u = HT_URL_INIT;

		assert_int_equal(ht_url_parse(&u, urls[i], 0), HT_EINVALID);
		assert_non_null(strstr(ht_error_message(), "credentials"));
		assert_null(strstr(ht_error_message(), "s3cr3t"));
	}
}

static void test_long(void **state)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_url u = HT_URL_INIT;

	(void)state;
	ht_strbuf_addstr(&sb, "hightouch://");
	ht_strbuf_addchars(&sb, 'a', 255);
	assert_int_equal(ht_url_parse(&u, sb.buf, 0), 0);
	assert_int_equal(strlen(u.workspace), 255);
	ht_url_release(&u);
	ht_strbuf_addch(&sb, 'a');
	assert_int_equal(ht_url_parse(&u, sb.buf, 0), HT_EINVALID);
	ht_strbuf_addchars(&sb, 'a', HT_URL_MAX);
	assert_int_equal(ht_url_parse(&u, sb.buf, 0), HT_EINVALID);
	assert_non_null(strstr(ht_error_message(), "longer than"));

	/* a 64-byte DNS label is too long, 63 is fine */
	ht_strbuf_reset(&sb);
	ht_strbuf_addstr(&sb, "hightouch://");
	ht_strbuf_addchars(&sb, 'h', 63);
	ht_strbuf_addstr(&sb, ".example/ws");
	assert_int_equal(ht_url_parse(&u, sb.buf, 0), 0);
	ht_url_release(&u);
	ht_strbuf_reset(&sb);
	ht_strbuf_addstr(&sb, "hightouch://");
	ht_strbuf_addchars(&sb, 'h', 64);
	ht_strbuf_addstr(&sb, ".example/ws");
	assert_int_equal(ht_url_parse(&u, sb.buf, 0), HT_EINVALID);
	assert_non_null(strstr(ht_error_message(), "invalid host"));
	/* a long host is cut in the message */
	ht_strbuf_reset(&sb);
	ht_strbuf_addstr(&sb, "hightouch://");
	ht_strbuf_addchars(&sb, 'h', 300);
	ht_strbuf_addstr(&sb, "/ws");
	assert_int_equal(ht_url_parse(&u, sb.buf, 0), HT_EINVALID);
	assert_non_null(strstr(ht_error_message(), "hhh...'"));
	ht_strbuf_release(&sb);
}

/* A parse over a used struct replaces it; a failed one keeps it. */
static void test_reuse(void **state)
{
	struct ht_url u = HT_URL_INIT;

	(void)state;
	assert_int_equal(ht_url_parse(&u, "hightouch://one", 0), 0);
	assert_int_equal(ht_url_parse(&u, "hightouch://h/two", 0), 0);
	assert_string_equal(u.workspace, "two");
	assert_int_equal(ht_url_parse(&u, "hightouch://h/bad.ws", 0),
			 HT_EINVALID);
	assert_string_equal(u.workspace, "two");
	ht_url_release(&u);
}

static void test_loopback(void **state)
{
	static const char *const yes[] = {
		"127.0.0.1", "127.255.255.254", "127.0.0.0", "::1",
		"0:0:0:0:0:0:0:1", "::ffff:127.1.2.3", "localhost",
		"LocalHost", "localhost.",
	};
	static const char *const no[] = {
		"128.0.0.1", "126.255.255.255", "::2", "::ffff:10.0.0.1",
		"localhost.localdomain", "mylocalhost", "127.1", "0.0.0.0",
		"::", "", "127.0.0.1.nip.io",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!ht_url_host_is_loopback(yes[i]))
			fail_msg("'%s' is loopback", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (ht_url_host_is_loopback(no[i]))
			fail_msg("'%s' is not loopback", no[i]);
}

/* The URL's verdict on loopback is the one the client uses. */
static void test_loopback_url(void **state)
{
	static const char *const yes[] = {
		"http://LOCALHOST./t", "http://[::ffff:127.0.0.1]:9/t",
		"http://127.0.0.1:1/t", "hightouch://[::1]:8080/ws",
	};
	struct ht_url u = HT_URL_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(ht_url_parse(&u, yes[i], 0), 0);
		assert_true(u.loopback);
	}
	assert_int_equal(ht_url_parse(&u, "hightouch://acme", 0), 0);
	assert_false(u.loopback);
	assert_int_equal(ht_url_parse(&u, "http://10.0.0.1/w",
				      HT_URL_ALLOW_HTTP), 0);
	assert_false(u.loopback);
	ht_url_release(&u);
	assert_false(u.loopback);
}

static void unquote_is(const char *in, const char *out, size_t len)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_strbuf_addstr(&sb, "x");
	if (ht_proto_unquote_c(&sb, in))
		fail_msg("'%s': %s", in, ht_error_message());
	assert_int_equal(sb.len, len + 1);
	assert_memory_equal(sb.buf + 1, out, len);
	ht_strbuf_release(&sb);
}

static void test_unquote(void **state)
{
	static const char *const bad[] = {
		"", "abc", "\"abc", "\"a\"b", "\"\\x\"", "\"\\", "\"\\1\"",
		"\"\\18\"", "\"\\000\"", "\"\\4\"", "\"a\\\"",
	};
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i;

	(void)state;
	unquote_is("\"\"", "", 0);
	unquote_is("\"x=\\\"q\\\"\"", "x=\"q\"", 5);
	unquote_is("\"a\\tb\\nc\\\\d\"", "a\tb\nc\\d", 7);
	unquote_is("\"\\303\\251\"", "\xc3\xa9", 2);
	unquote_is("\"\\a\\b\\f\\r\\v\"", "\a\b\f\r\v", 5);
	unquote_is("\"\\377\"", "\xff", 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ht_strbuf_addstr(&sb, "keep");
		if (ht_proto_unquote_c(&sb, bad[i]) != HT_EINVALID)
			fail_msg("'%s' was accepted", bad[i]);
		assert_string_equal(sb.buf, "keep");
		ht_strbuf_reset(&sb);
	}
	ht_strbuf_release(&sb);
}

static void test_quote(void **state)
{
	static const char *const round[] = {
		"plain text", "two\nlines", "tab\there", "quote\"s",
		"back\\slash", "\xc3\xa9t\xc3\xa9", "\x01\x7f", "",
	};
	struct ht_strbuf q = HT_STRBUF_INIT, back = HT_STRBUF_INIT;
	size_t i;

	(void)state;
	ht_proto_quote_c(&q, "push is not implemented yet");
	assert_string_equal(q.buf, "push is not implemented yet");
	ht_strbuf_reset(&q);
	ht_proto_quote_c(&q, "a\nb");
	assert_string_equal(q.buf, "\"a\\nb\"");
	for (i = 0; i < sizeof(round) / sizeof(round[0]); i++) {
		ht_strbuf_reset(&q);
		ht_strbuf_reset(&back);
		ht_proto_quote_c(&q, round[i]);
		if (q.buf[0] != '"') {
			assert_string_equal(q.buf, round[i]);
			continue;
		}
		assert_int_equal(ht_proto_unquote_c(&back, q.buf), 0);
		assert_string_equal(back.buf, round[i]);
	}
	ht_strbuf_release(&q);
	ht_strbuf_release(&back);
}

/* Paths as git writes them, with core.quotePath on (git's default) and off. */
static void test_quote_path(void **state)
{
	struct ht_strbuf q = HT_STRBUF_INIT;

	(void)state;
	assert_int_equal(ht_quote_path_fully, 1);
	assert_string_equal(ht_quote_path(&q, "models/a b.yaml"),
			    "models/a b.yaml");
	/* reset first: one buffer for many paths */
	assert_string_equal(ht_quote_path(&q, "models/a\033[31mb.yaml"),
			    "\"models/a\\033[31mb.yaml\"");
	assert_string_equal(ht_quote_path(&q, "tab\there\n\"q\"\\\x7f"),
			    "\"tab\\there\\n\\\"q\\\"\\\\\\177\"");
	assert_string_equal(ht_quote_path(&q, "caf\xc3\xa9.yaml"),
			    "\"caf\\303\\251.yaml\"");
	ht_quote_path_fully = 0;
	assert_string_equal(ht_quote_path(&q, "caf\xc3\xa9.yaml"),
			    "caf\xc3\xa9.yaml");
	assert_string_equal(ht_quote_path(&q, "caf\xc3\xa9\t.yaml"),
			    "\"caf\xc3\xa9\\t.yaml\"");
	ht_quote_path_fully = 1;
	assert_string_equal(ht_quote_path(&q, NULL), "");
	ht_strbuf_release(&q);
}

static void test_app_address(void **state)
{
	static const struct {
		const char *url, *want;
	} cases[] = {
		{ "hightouch://acme-prod",
		  "https://app.hightouch.com/acme-prod/syncs/42" },
		{ "hightouch://api.hightouch.com/acme",
		  "https://app.hightouch.com/acme/syncs/42" },
		{ "hightouch://api.hightouch.com:443/acme",
		  "https://app.hightouch.com/acme/syncs/42" },
		{ "hightouch://api.hightouch.com:8443/acme", "" },
		{ "hightouch://eu.example.com/acme", "" },
		{ "hightouch::http://127.0.0.1:8080/acme", "" },
	};
	struct ht_url u = HT_URL_INIT;
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ht_url_parse(&u, cases[i].url, 0), 0);
		ht_strbuf_reset(&sb);
		assert_int_equal(ht_url_app_address(&sb, &u, "syncs", 42),
				 *cases[i].want != '\0');
		assert_string_equal(sb.buf, cases[i].want);
		ht_url_release(&u);
	}
	ht_strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_credentials_refused),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_loopback_url),
		cmocka_unit_test(test_unquote),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_quote_path),
		cmocka_unit_test(test_app_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
