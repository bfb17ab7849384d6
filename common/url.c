/*
 * Remote URLs (see url.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/kinds.h"
#include "hightouch/strbuf.h"
#include "hightouch/url.h"

/* Longest DNS name (RFC 1035, without the final dot) and label. */
#define HOST_MAX 253
#define LABEL_MAX 63

void ht_url_release(struct ht_url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->authority);
	free(u->workspace);
	free(u->api_base);
	u->scheme = u->host = u->authority = u->workspace = NULL;
	u->api_base = NULL;
	u->port = 0;
	u->loopback = 0;
}

static int skip_prefix_ci(const char *s, const char *prefix, const char **out)
{
	size_t len = strlen(prefix);

	if (strncasecmp(s, prefix, len))
		return 0;
	*out = s + len;
	return 1;
}

int ht_url_host_is_loopback(const char *host)
{
	struct in_addr v4;
	struct in6_addr v6;
	size_t len = strlen(host);

	if ((len == 9 || (len == 10 && host[9] == '.')) &&
	    !strncasecmp(host, "localhost", 9))
		return 1;
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &v6) == 1) {
		static const unsigned char mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
		};
		static const unsigned char one[16] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
		};

		if (!memcmp(v6.s6_addr, one, 16))
			return 1;
		return !memcmp(v6.s6_addr, mapped, 12) && v6.s6_addr[12] == 127;
	}
	return 0;
}

/* A DNS name or IPv4 address: labels of [A-Za-z0-9_-], dot-separated. */
static int valid_hostname(const char *s, size_t len)
{
	size_t i, label = 0;

	if (!len || len > HOST_MAX + 1)
		return 0;
	if (s[len - 1] == '.')
		len--; /* a fully qualified name */
	if (!len || len > HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (!label && c == '-')
			return 0;
		if (++label > LABEL_MAX)
			return 0;
	}
	return s[len - 1] != '-';
}

/*
 * Append `s` to a message, cut to a readable length.  Callers only quote
 * text already checked to be printable ASCII without '@'.
 */
static const char *quoted(struct ht_strbuf *sb, const char *s, size_t len)
{
	ht_strbuf_reset(sb);
	if (len > 80) {
		ht_strbuf_add(sb, s, 77);
		ht_strbuf_addstr(sb, "...");
	} else {
		ht_strbuf_add(sb, s, len);
	}
	return sb->buf;
}

/* HOST[:PORT] or [IPV6][:PORT] into `u`. */
static int parse_authority(struct ht_url *u, const char *s, size_t len,
			   struct ht_strbuf *msg)
{
	struct ht_strbuf a = HT_STRBUF_INIT;
	const char *host = s, *colon = NULL;
	size_t hlen = len, i;
	unsigned long port = 0;
	int ipv6 = 0;

	if (len && s[0] == '[') {
		const char *end = memchr(s, ']', len);
		struct in6_addr v6;

		if (!end)
			return ht_error_set(HT_EINVALID,
					    "invalid host '%s' in hightouch "
					    "URL: no closing ']'",
					    quoted(msg, s, len));
		host = s + 1;
		hlen = end - host;
		u->host = ht_xmemdupz(host, hlen);
		if (inet_pton(AF_INET6, u->host, &v6) != 1)
			return ht_error_set(HT_EINVALID,
					    "invalid IPv6 address '%s' in "
					    "hightouch URL",
					    quoted(msg, host, hlen));
		ipv6 = 1;
		if (end + 1 < s + len) {
			if (end[1] != ':')
				return ht_error_set(HT_EINVALID,
						    "invalid host '%s' in "
						    "hightouch URL",
						    quoted(msg, s, len));
			colon = end + 1;
		}
	} else {
		colon = memchr(s, ':', len);
		if (colon) {
			hlen = colon - s;
			if (memchr(colon + 1, ':', len - hlen - 1))
				return ht_error_set(HT_EINVALID,
						    "invalid host '%s' in "
						    "hightouch URL: IPv6 "
						    "addresses need brackets",
						    quoted(msg, s, len));
		}
		if (!valid_hostname(s, hlen))
			return ht_error_set(HT_EINVALID,
					    "invalid host '%s' in hightouch "
					    "URL",
					    quoted(msg, s, hlen));
		u->host = ht_xmemdupz(s, hlen);
	}
	for (i = 0; u->host[i]; i++)
		if (u->host[i] >= 'A' && u->host[i] <= 'Z')
			u->host[i] += 'a' - 'A';

	if (colon) {
		const char *p = colon + 1, *end = s + len;

		if (p == end || end - p > 5)
			goto bad_port;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				goto bad_port;
			port = port * 10 + (*p - '0');
		}
		if (!port || port > 65535)
			goto bad_port;
		u->port = (unsigned)port;
	}

	if (ipv6)
		ht_strbuf_addf(&a, "[%s]", u->host);
	else
		ht_strbuf_addstr(&a, u->host);
	if (u->port)
		ht_strbuf_addf(&a, ":%u", u->port);
	u->authority = ht_strbuf_detach(&a, NULL);
	return 0;

bad_port:
	return ht_error_set(HT_EINVALID,
			    "invalid port '%s' in hightouch URL: it must be a "
			    "number from 1 to 65535",
			    quoted(msg, colon + 1, s + len - colon - 1));
}

static int parse(struct ht_url *u, const char *url, unsigned flags,
		 struct ht_strbuf *msg)
{
	const char *rest = url, *slash, *ws;
	size_t len, i, wslen;
	int explicit_scheme = 0;

	len = strlen(url);
	if (!len)
		return ht_error_set(HT_EINVALID, "empty hightouch URL");
	if (len > HT_URL_MAX)
		return ht_error_set(HT_EINVALID,
				    "hightouch URL longer than %d bytes",
				    HT_URL_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = url[i];

		if (c == '@')
			return ht_error_set(HT_EINVALID,
					    "refusing a hightouch URL with "
					    "credentials in it: give the API "
					    "key in HIGHTOUCH_API_KEY or "
					    "through a credential helper");
		if (c <= ' ' || c >= 0x7f)
			return ht_error_set(HT_EINVALID,
					    "invalid hightouch URL: it holds "
					    "spaces or control characters");
	}
	for (i = 0; i < len; i++)
		if (url[i] == '?' || url[i] == '#' || url[i] == '%' ||
		    url[i] == '\\')
			return ht_error_set(HT_EINVALID,
					    "invalid hightouch URL '%s': "
					    "unexpected '%c'",
					    quoted(msg, url, len), url[i]);

	skip_prefix_ci(rest, "hightouch::", &rest);
	if (skip_prefix_ci(rest, "hightouch://", &rest)) {
		u->scheme = ht_xstrdup("https");
	} else if (skip_prefix_ci(rest, "https://", &rest)) {
		u->scheme = ht_xstrdup("https");
		explicit_scheme = 1;
	} else if (skip_prefix_ci(rest, "http://", &rest)) {
		u->scheme = ht_xstrdup("http");
		explicit_scheme = 1;
	} else if (strstr(rest, "://")) {
		const char *end = strstr(rest, "://");

		return ht_error_set(HT_EINVALID,
				    "unsupported scheme '%s' in hightouch URL",
				    quoted(msg, rest, end - rest));
	} else {
		u->scheme = ht_xstrdup("https");
	}

	len = strlen(rest);
	if (len && rest[len - 1] == '/')
		len--;
	if (!len)
		return ht_error_set(HT_EINVALID,
				    "invalid hightouch URL '%s': no workspace",
				    quoted(msg, url, strlen(url)));
	slash = memchr(rest, '/', len);
	if (!slash) {
		if (explicit_scheme)
			return ht_error_set(HT_EINVALID,
					    "invalid hightouch URL '%s': no "
					    "workspace after the host",
					    quoted(msg, url, strlen(url)));
		if (memchr(rest, ':', len))
			return ht_error_set(HT_EINVALID,
					    "invalid hightouch URL '%s': no "
					    "workspace after the host",
					    quoted(msg, url, strlen(url)));
		u->host = ht_xstrdup(HT_URL_DEFAULT_HOST);
		u->authority = ht_xstrdup(HT_URL_DEFAULT_HOST);
		ws = rest;
		wslen = len;
	} else {
		int ret = parse_authority(u, rest, slash - rest, msg);

		if (ret < 0)
			return ret;
		ws = slash + 1;
		wslen = rest + len - ws;
		if (memchr(ws, '/', wslen))
			return ht_error_set(HT_EINVALID,
					    "invalid hightouch URL '%s': "
					    "expected [HOST[:PORT]/]WORKSPACE",
					    quoted(msg, url, strlen(url)));
	}
	if (!ht_slug_valid(ws, wslen))
		return ht_error_set(HT_EINVALID,
				    "invalid workspace name '%s' in hightouch "
				    "URL: use 1 to 255 letters, digits, '-' "
				    "and '_', starting with a letter or digit",
				    quoted(msg, ws, wslen));
	u->workspace = ht_xmemdupz(ws, wslen);

	u->loopback = ht_url_host_is_loopback(u->host);
	if (!strcmp(u->scheme, "http") && !(flags & HT_URL_ALLOW_HTTP) &&
	    !u->loopback)
		return ht_error_set(HT_EINVALID,
				    "refusing plain http to '%s': it is not a "
				    "loopback address (set hightouch.allowHttp "
				    "to allow it)",
				    u->authority);

	{
		struct ht_strbuf b = HT_STRBUF_INIT;

		ht_strbuf_addf(&b, "%s://%s%s", u->scheme, u->authority,
			       HT_URL_API_PATH);
		u->api_base = ht_strbuf_detach(&b, NULL);
	}
	return 0;
}

int ht_url_parse(struct ht_url *out, const char *url, unsigned flags)
{
	struct ht_strbuf msg = HT_STRBUF_INIT;
	struct ht_url u = HT_URL_INIT;
	int ret;

	ret = parse(&u, url, flags, &msg);
	ht_strbuf_release(&msg);
	if (ret < 0) {
		ht_url_release(&u);
		return ret;
	}
	ht_url_release(out);
	*out = u;
	return 0;
}

int ht_url_is_workspace(const char *url)
{
	const char *rest;

	return url && (skip_prefix_ci(url, "hightouch://", &rest) ||
		       skip_prefix_ci(url, "hightouch::", &rest));
}

int ht_url_same_workspace(const char *a, const char *b)
{
	struct ht_url ua = HT_URL_INIT, ub = HT_URL_INIT;
	int same;

	if (ht_url_parse(&ua, a, HT_URL_ALLOW_HTTP) < 0 ||
	    ht_url_parse(&ub, b, HT_URL_ALLOW_HTTP) < 0)
		same = !strcmp(a, b);
	else
		same = !strcmp(ua.api_base, ub.api_base) &&
		       !strcmp(ua.workspace, ub.workspace);
	ht_error_clear();
	ht_url_release(&ua);
	ht_url_release(&ub);
	return same;
}

int ht_url_app_address(struct ht_strbuf *out, const struct ht_url *u,
		       const char *section, long long id)
{
	if (!u->host || strcmp(u->host, HT_URL_DEFAULT_HOST) ||
	    strcmp(u->scheme, "https") || (u->port && u->port != 443))
		return 0;
	ht_strbuf_addf(out, "%s/%s/%s/%lld", HT_URL_APP_BASE, u->workspace,
		       section, id);
	return 1;
}
