/*
 * The API key: HIGHTOUCH_API_KEY, else git's credential helpers through
 * `git credential fill|approve|reject`.  The key travels in the child's
 * stdin only, never in argv, and never appears in a message.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"

#include "helper.h"

/* The username git is given when it prompts for a key. */
#define HT_KEY_USERNAME "api-key"

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

/* The key in variable `name` ("HIGHTOUCH_API_KEY"), or an error. */
static int key_from_env(struct credential *c, const char *name,
			const char *remote)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return ht_error_set(HT_EAUTH, "remote '%s' takes its API key "
				    "from %s (remote.%s.hightouchKeyEnv), "
				    "which is not set", remote, name, remote);
	if (!valid_key(v))
		return ht_error_set(HT_EAUTH, "%s is not a valid API key (it "
				    "holds spaces or control characters)",
				    name);
	c->password = ht_xstrdup(v);
	return 0;
}

/* 1 if git can prompt: the process has a terminal. */
static int has_terminal(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/*
 * `git credential fill` into `out`: its status, or a negative error.
 * Without `prompt`, git's own prompts are off (GIT_TERMINAL_PROMPT=0):
 * the helpers answer or nothing does.  With it, the username is given
 * (HT_KEY_USERNAME), so that git asks for the key alone.
 */
static int ask_git(struct ht_strbuf *out, struct credential *c, int by_path,
		   int prompt)
{
	const char *argv[] = { "-c", "credential.useHttpPath=true",
			       "credential", "fill", NULL };
	struct ht_strbuf in = HT_STRBUF_INIT;
	char *old = getenv("GIT_TERMINAL_PROMPT");
	int ret;

	old = old ? ht_xstrdup(old) : NULL;
	if (prompt && !c->username)
		c->username = ht_xstrdup(HT_KEY_USERNAME);
	if (!prompt)
		setenv("GIT_TERMINAL_PROMPT", "0", 1);
	describe(&in, c, prompt);
	ht_strbuf_reset(out);
	ret = ht_run_git(out, in.buf, in.len, by_path ? argv : argv + 2,
			 prompt ? 0 : HT_RUN_QUIET);
	if (old)
		setenv("GIT_TERMINAL_PROMPT", old, 1);
	else
		unsetenv("GIT_TERMINAL_PROMPT");
	free(old);
	wipe_buf(&in);
	return ret;
}

/* Why `git credential fill` found no key, and how to give one. */
static int no_key(const struct credential *c, const struct helper_config *cfg,
		  const char *remote)
{
	if (cfg->workspaces > 1 && remote)
		return ht_error_set(HT_EAUTH,
				    "no API key for remote '%s': %u remotes "
				    "name different workspaces, so each needs "
				    "a key of its own and HIGHTOUCH_API_KEY "
				    "serves none; set remote.%s.hightouchKeyEnv "
				    "to the name of a variable that holds its "
				    "key, or store the key for host '%s' and "
				    "path '%s' with 'git -c credential."
				    "useHttpPath=true credential approve'",
				    remote, cfg->workspaces, remote, c->host,
				    c->path);
	return ht_error_set(HT_EAUTH, "no API key for '%s': set "
			    "HIGHTOUCH_API_KEY, or store the key once with "
			    "printf 'protocol=%s\\nhost=%s\\nusername=%s\\n"
			    "password=<key>\\n' | git credential approve",
			    c->host, c->protocol, c->host, HT_KEY_USERNAME);
}

/*
 * remote.<name>.hightouchKeyEnv names where the key is, and nothing else
 * is asked.  Otherwise, when the repository's remotes name one workspace
 * (or none), HIGHTOUCH_API_KEY, else git's credential helpers; when they
 * name several, git's credential helpers alone, asked for this
 * workspace's path (credential.useHttpPath): the API has one host for
 * every workspace and the key alone picks the workspace, so one key
 * must not serve them all.
 */
int credential_fill(struct credential *c, const struct ht_url *url,
		    const struct helper_config *cfg, const char *remote)
{
	struct ht_strbuf out = HT_STRBUF_INIT;
	const char *env = getenv("HIGHTOUCH_API_KEY");
	int shared = cfg->workspaces <= 1;
	char *line, *next;
	int ret;

	memset(c, 0, sizeof(*c));
	c->protocol = ht_xstrdup(url->scheme);
	c->host = ht_xstrdup(url->authority);
	c->path = ht_xstrdup(url->workspace);
	if (cfg->key_env) {
		ret = key_from_env(c, cfg->key_env, remote);
		goto cleanup;
	}
	if (shared && env && *env) {
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

	ret = ask_git(&out, c, !shared, 0);
	if (ret > 0 && has_terminal())
		ret = ask_git(&out, c, !shared, 1);
	if (ret > 0)
		ret = no_key(c, cfg, remote);
	if (ret)
		goto cleanup;
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
	c->by_path = !shared;
	ret = 0;
cleanup:
	wipe_buf(&out);
	if (ret < 0)
		credential_release(c);
	return ret;
}

static void tell(struct credential *c, const char *verb)
{
	struct ht_strbuf in = HT_STRBUF_INIT;
	const char *argv[] = { "-c", "credential.useHttpPath=true",
			       "credential", verb, NULL };

	if (!c->from_git || !c->password)
		return;
	describe(&in, c, 1);
	/* best effort, as git's own credential_approve() */
	if (ht_run_git(NULL, in.buf, in.len, c->by_path ? argv : argv + 2,
		       0) < 0)
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
