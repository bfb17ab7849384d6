#ifndef HIGHTOUCH_URL_H
#define HIGHTOUCH_URL_H

/*
 * Remote URLs: what `git clone hightouch://...` hands to the helper, and
 * what the hooks read from `remote.<name>.url`.
 *
 * Forms (docs/git-remote-hightouch.1):
 *
 *   hightouch://WORKSPACE                 https://api.hightouch.com/api/v1
 *   hightouch://HOST[:PORT]/WORKSPACE     https://HOST[:PORT]/api/v1
 *   hightouch::https://HOST[:PORT]/WORKSPACE
 *                                         https://HOST[:PORT]/api/v1
 *   hightouch::http://HOST[:PORT]/WORKSPACE
 *                                         http://HOST[:PORT]/api/v1
 *
 * git strips `hightouch::` before it runs the helper, so the helper sees
 * `https://...` or `http://...`; a `hightouch::` prefix is accepted too,
 * and so are `WORKSPACE` and `HOST[:PORT]/WORKSPACE` alone (what
 * `hightouch::WORKSPACE` gives).  One trailing slash is ignored.
 *
 * HOST is a DNS name, an IPv4 address, or an IPv6 address in brackets;
 * PORT is 1 to 65535; WORKSPACE follows the slug rules of kinds.h (it
 * names the manifest and aliases files).  Plain http is accepted only to
 * a loopback host (127.0.0.0/8, ::1, localhost) unless the caller allows
 * it (the `hightouch.allowHttp` setting).  A URL with credentials in it
 * (`user:key@host`) is refused: the API key never travels in a URL.
 * Messages never quote a URL that holds an '@'.
 */

#include <stddef.h>

#include "hightouch/strbuf.h"

#define HT_URL_DEFAULT_HOST "api.hightouch.com"
#define HT_URL_API_PATH "/api/v1"
/* Longer URLs are refused. */
#define HT_URL_MAX 2048

enum ht_url_flags {
	/* Accept http:// to any host, not only to loopback. */
	HT_URL_ALLOW_HTTP = (1 << 0),
};

struct ht_url {
	char *scheme;    /* "https" or "http" */
	char *host;      /* lower case, IPv6 without brackets: "::1" */
	unsigned port;   /* 0 when the URL gave none */
	char *authority; /* "host", "host:port", "[::1]:port": as git's
			  * credential protocol and messages name it */
	char *workspace; /* the WORKSPACE part, as given */
	char *api_base;  /* "https://host[:port]/api/v1", no final slash */
	/*
	 * The host is a loopback address (ht_url_host_is_loopback()): plain
	 * http to it needs no permission, and no proxy is used for it.  The
	 * API client takes this decision from here, made once.
	 */
	int loopback;
};

#define HT_URL_INIT { NULL, NULL, 0, NULL, NULL, NULL, 0 }

/*
 * Parse `url` into `out` (initialised with HT_URL_INIT or released).
 * Returns 0, or HT_EINVALID with a message (and `out` left empty) for a
 * URL that is malformed, has credentials, or asks for plain http to a host
 * that is not loopback without HT_URL_ALLOW_HTTP.
 */
int ht_url_parse(struct ht_url *out, const char *url, unsigned flags);

/* Free the members; `u` is then as HT_URL_INIT.  Safe to call twice. */
void ht_url_release(struct ht_url *u);

/*
 * 1 if `url`, a remote.<name>.url, is a workspace's: it starts with
 * `hightouch://` or `hightouch::` (any case), the URLs git hands to
 * git-remote-hightouch.
 */
int ht_url_is_workspace(const char *url);

/*
 * 1 if `a` and `b` (remote URLs, either form) name the same workspace of
 * the same API: what one API key serves.  URLs that do not parse are the
 * same only as written.
 */
int ht_url_same_workspace(const char *a, const char *b);

/*
 * 1 if `host` (as in struct ht_url: no brackets) is a loopback address:
 * 127.0.0.0/8, ::1, ::ffff:127.x.y.z, or "localhost" (any case, with or
 * without a final dot).
 */
int ht_url_host_is_loopback(const char *host);

/* The Hightouch app, whose API is HT_URL_DEFAULT_HOST. */
#define HT_URL_APP_BASE "https://app.hightouch.com"

/*
 * The address of a resource in the Hightouch app, derived (Hightouch
 * documents no such pattern): HT_URL_APP_BASE/<workspace>/<section>/<id>
 * ("https://app.hightouch.com/acme-prod/syncs/42"), `section` being
 * "sources", "destinations", "models" or "syncs".  Appended to `out` and
 * 1 when `u` is the default API's (https://api.hightouch.com, on port
 * 443); 0, appending nothing, for any other server, whose app cannot be
 * known.
 */
int ht_url_app_address(struct ht_strbuf *out, const struct ht_url *u,
		       const char *section, long long id);

#endif
