/*
 * The API key of a workspace remote (see credential.h): its
 * configuration, HIGHTOUCH_API_KEY, and git's credential helpers through
 * `git credential fill|approve|reject`.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/credential.h"
#include "hightouch/error.h"
#include "hightouch/remotes.h"
#include "hightouch/run.h"
#include "hightouch/strbuf.h"

/*
 * The configuration
 */

/*
 * How many workspaces the repository's remotes name (two remotes of one
 * workspace count once): more than one, and one key cannot serve them.
 */
static unsigned count_workspaces(const struct ht_config *git)
{
	struct ht_remotes remotes = HT_REMOTES_INIT;
	unsigned n;

	/* another remote's bad hightouchPath is not this one's business */
	if (ht_remotes_read(&remotes, git) < 0)
		ht_error_clear();
	n = (unsigned)ht_remotes_count_workspaces(&remotes);
	ht_remotes_release(&remotes);
	return n;
}

/* 1 if `s` can name an environment variable. */
static int is_env_name(const char *s)
{
	const char *p;

	if (!*s)
		return 0;
	for (p = s; *p; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= 'a' && *p <= 'z') ||
		      (p > s && *p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* remote.<name>.hightouchKeyEnv: the variable that holds its key. */
static int read_key_env(char **out, const struct ht_config *git,
			const char *remote)
{
	struct ht_strbuf key = HT_STRBUF_INIT;
	const struct ht_config_entry *e;
	int ret = 0;

	ht_strbuf_addf(&key, "remote.%s.hightouchkeyenv", remote);
	e = ht_config_find(git, key.buf);
	if (e && (!e->value || !is_env_name(e->value)))
		ret = ht_error_set(HT_EINVALID, "bad config value for '%s': "
				   "it must name an environment variable",
				   key.buf);
	else if (e)
		*out = ht_xstrdup(e->value);
	ht_strbuf_release(&key);
	return ret;
}

int ht_credential_config_read(struct ht_credential_config *out,
			      const struct ht_config *git, const char *remote)
{
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (remote)
		ret = read_key_env(&out->key_env, git, remote);
	if (!ret)
		out->workspaces = count_workspaces(git);
	return ret;
}

void ht_credential_config_release(struct ht_credential_config *cfg)
{
	free(cfg->key_env);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * The key
 */

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

void ht_credential_release(struct ht_credential *c)
{
	wipe(c->password);
	free(c->protocol);
	free(c->host);
	free(c->path);
	free(c->username);
	free(c->password);
	memset(c, 0, sizeof(*c));
}

static void describe(struct ht_strbuf *sb, const struct ht_credential *c,
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
static int key_from_env(struct ht_credential *c, const char *name,
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
 * (HT_CREDENTIAL_USERNAME), so that git asks for the key alone.
 */
static int ask_git(struct ht_strbuf *out, struct ht_credential *c,
		   int by_path, int prompt)
{
	const char *argv[] = { "-c", "credential.useHttpPath=true",
			       "credential", "fill", NULL };
	struct ht_strbuf in = HT_STRBUF_INIT;
	char *old = getenv("GIT_TERMINAL_PROMPT");
	int ret;

	old = old ? ht_xstrdup(old) : NULL;
	if (prompt && !c->username)
		c->username = ht_xstrdup(HT_CREDENTIAL_USERNAME);
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
static int no_key(const struct ht_credential *c,
		  const struct ht_credential_config *cfg, const char *remote)
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
			    c->host, c->protocol, c->host,
			    HT_CREDENTIAL_USERNAME);
}

/* The username and password of `git credential fill`'s answer. */
static int read_answer(struct ht_credential *c, struct ht_strbuf *out)
{
	char *line, *next;

	for (line = out->buf; line && *line; line = next) {
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
	if (!c->password || !*c->password)
		return ht_error_set(HT_EAUTH, "no API key for '%s': the "
				    "credential helper gave no password",
				    c->host);
	if (!valid_key(c->password))
		return ht_error_set(HT_EAUTH, "the API key for '%s' from the "
				    "credential helper holds spaces or "
				    "control characters", c->host);
	return 0;
}

int ht_credential_fill(struct ht_credential *c, const struct ht_url *url,
		       const struct ht_credential_config *cfg,
		       const char *remote)
{
	struct ht_strbuf out = HT_STRBUF_INIT;
	const char *env = getenv("HIGHTOUCH_API_KEY");
	int shared = cfg->workspaces <= 1;
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
	if (!ret)
		ret = read_answer(c, &out);
	if (!ret) {
		c->from_git = 1;
		c->by_path = !shared;
	}
cleanup:
	wipe_buf(&out);
	if (ret < 0)
		ht_credential_release(c);
	return ret;
}

static void tell(struct ht_credential *c, const char *verb)
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

void ht_credential_approve(struct ht_credential *c)
{
	tell(c, "approve");
}

void ht_credential_reject(struct ht_credential *c)
{
	tell(c, "reject");
}
