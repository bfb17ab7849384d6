/*
 * The API key: HIGHTOUCH_API_KEY, else git's credential helpers through
 * `git credential fill|approve|reject`.  The key travels in the child's
 * stdin only, never in argv, and never appears in a message.
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"

#include "helper.h"

/* A key is printable ASCII without spaces (an HTTP header value). */
static int valid_key(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static void wipe(char *s)
{
	volatile char *p = s;

	if (!s)
		return;
	while (*p)
		*p++ = '\0';
}

void credential_release(struct credential *c)
{
	wipe(c->password);
	free(c->protocol);
	free(c->host);
	free(c->path);
	free(c->username);
	free(c->password);
	memset(c, 0, sizeof(*c));
}

static void describe(struct ht_strbuf *sb, const struct credential *c,
		     int with_secret)
{
	ht_strbuf_addf(sb, "protocol=%s\nhost=%s\npath=%s\n", c->protocol,
		       c->host, c->path);
	if (with_secret && c->username)
		ht_strbuf_addf(sb, "username=%s\n", c->username);
	if (with_secret && c->password)
		ht_strbuf_addf(sb, "password=%s\n", c->password);
	ht_strbuf_addch(sb, '\n');
}

static void wipe_buf(struct ht_strbuf *sb)
{
	if (sb->len)
		memset(sb->buf, 0, sb->len);
	ht_strbuf_release(sb);
}

int credential_fill(struct credential *c, const struct ht_url *url)
{
	static const char *const argv[] = { "credential", "fill", NULL };
	struct ht_strbuf in = HT_STRBUF_INIT, out = HT_STRBUF_INIT;
	const char *env = getenv("HIGHTOUCH_API_KEY");
	char *line, *next;
	int ret;

	memset(c, 0, sizeof(*c));
	c->protocol = ht_xstrdup(url->scheme);
	c->host = ht_xstrdup(url->authority);
	c->path = ht_xstrdup(url->workspace);
	if (env && *env) {
		if (!valid_key(env)) {
			ret = ht_error_set(HT_EAUTH,
					   "HIGHTOUCH_API_KEY is not a valid "
					   "API key (it holds spaces or "
					   "control characters)");
			goto cleanup;
		}
		c->password = ht_xstrdup(env);
		ret = 0;
		goto cleanup;
	}

	describe(&in, c, 0);
	ret = ht_run_git(&out, in.buf, in.len, argv, 0);
	if (ret < 0)
		goto cleanup;
	if (ret > 0) {
		ret = ht_error_set(HT_EAUTH,
				   "no API key for '%s': set HIGHTOUCH_API_KEY "
				   "or configure a git credential helper",
				   c->host);
		goto cleanup;
	}
	for (line = out.buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "username=", 9)) {
			free(c->username);
			c->username = ht_xstrdup(line + 9);
		} else if (!strncmp(line, "password=", 9)) {
			wipe(c->password);
			free(c->password);
			c->password = ht_xstrdup(line + 9);
		}
	}
	if (!c->password || !*c->password) {
		ret = ht_error_set(HT_EAUTH,
				   "no API key for '%s': the credential helper "
				   "gave no password",
				   c->host);
		goto cleanup;
	}
	if (!valid_key(c->password)) {
		ret = ht_error_set(HT_EAUTH,
				   "the API key for '%s' from the credential "
				   "helper holds spaces or control characters",
				   c->host);
		goto cleanup;
	}
	c->from_git = 1;
	ret = 0;
cleanup:
	wipe_buf(&in);
	wipe_buf(&out);
	if (ret < 0)
		credential_release(c);
	return ret;
}

static void tell(struct credential *c, const char *verb)
{
	struct ht_strbuf in = HT_STRBUF_INIT;
	const char *argv[3];

	if (!c->from_git || !c->password)
		return;
	argv[0] = "credential";
	argv[1] = verb;
	argv[2] = NULL;
	describe(&in, c, 1);
	/* best effort, as git's own credential_approve() */
	if (ht_run_git(NULL, in.buf, in.len, argv, 0) < 0)
		ht_error_clear();
	wipe_buf(&in);
	c->from_git = 0;
}

void credential_approve(struct credential *c)
{
	tell(c, "approve");
}

void credential_reject(struct credential *c)
{
	tell(c, "reject");
}
