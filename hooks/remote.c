/*
 * A workspace remote, for the commands that talk to the workspace
 * (`trigger`, `runs`, `show`): the remote's URL, API key and client,
 * found as git-remote-hightouch finds them, so that a remote that
 * fetches also triggers.
 *
 *   remote.<name>.url               the workspace (hightouch://...)
 *   remote.<name>.hightouchPath     the folder of its files
 *   remote.<name>.hightouchKeyEnv   where its key is (credential.h)
 *   hightouch.allowHttp             plain http to a host not loopback
 *   hightouch.retries               retries of a failed request
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/config.h"
#include "hightouch/error.h"
#include "hightouch/fs.h"
#include "hightouch/protocol.h"
#include "hightouch/remotes.h"
#include "hightouch/run.h"
#include "hightouch/strbuf.h"

#include "git-hightouch.h"

int wsremote_default(char **out, const struct ht_config *cfg)
{
	struct ht_remotes remotes = HT_REMOTES_INIT;
	const char *name = NULL;
	size_t i, n = 0;
	int ret = ht_remotes_read(&remotes, cfg);

	*out = NULL;
	for (i = 0; !ret && i < remotes.nr; i++)
		if (remotes.items[i].url) {
			name = remotes.items[i].name;
			n++;
		}
	if (ret)
		;
	else if (n == 1)
		*out = ht_xstrdup(name);
	else if (!n)
		ret = ht_error_set(HT_ENOTFOUND, "no remote is a Hightouch "
				   "workspace; add one with 'git remote add "
				   "hightouch hightouch://<workspace>'");
	else
		ret = ht_error_set(HT_EINVALID, "%zu remotes are Hightouch "
				   "workspaces; name one with --remote", n);
	ht_remotes_release(&remotes);
	return ret;
}

int wsremote_url(const struct ht_config *cfg, const char *name,
		 const char **url)
{
	struct ht_strbuf key = HT_STRBUF_INIT;
	const struct ht_config_entry *e;
	int ret = 0;

	ht_strbuf_addf(&key, "remote.%s.url", name);
	e = ht_config_find(cfg, key.buf);
	if (!e)
		ret = ht_error_set(HT_ENOTFOUND, "no remote '%s'", name);
	else if (!ht_url_is_workspace(e->value))
		ret = ht_error_set(HT_EINVALID, "remote '%s' is not a "
				   "Hightouch workspace (its URL does not "
				   "start with 'hightouch://')", name);
	*url = e ? e->value : NULL;
	ht_strbuf_release(&key);
	return ret;
}

/* remote.<name>.hightouchPath, normalised ("" for none). */
static int remote_prefix(struct wsremote *w)
{
	w->prefix = ht_xstrdup("");
	return ht_remotes_path_config(&w->cfg, w->name, &w->prefix);
}

/*
 * The client's notices (a wait for the rate limit, a retry), on a
 * terminal, over a progress line drawn with "\r".
 */
static void notice(const char *line, void *payload)
{
	int len = (int)strlen(line);

	(void)payload;
	fprintf(stderr, "\r%s%*s\n", line, len < 79 ? 79 - len : 0, "");
	fflush(stderr);
}

static int make_client(struct wsremote *w)
{
	struct ht_client_options opts = HT_CLIENT_OPTIONS_INIT;
	int ret;

	opts.max_retries = w->client_cfg.retries;
	ret = ht_credential_fill(&w->cred, &w->url, &w->key, w->name);
	if (ret)
		return ret;
	w->have_cred = 1;
	opts.url = &w->url;
	opts.api_key = w->cred.password;
	if (isatty(STDERR_FILENO))
		opts.notice = notice;
	if (ht_env_bool("HT_TRACE")) {
		opts.trace = ht_client_trace_to_file;
		opts.trace_payload = stderr;
	}
	return ht_client_new(&w->client, &opts);
}

int wsremote_open(struct wsremote *w, const char *name)
{
	const char *url;
	int ret;

	memset(w, 0, sizeof(*w));
	ret = ht_config_read(&w->cfg, "^(remote\\.|hightouch\\.)");
	if (!ret && name)
		w->name = ht_xstrdup(name);
	else if (!ret)
		ret = wsremote_default(&w->name, &w->cfg);
	if (!ret)
		ret = wsremote_url(&w->cfg, w->name, &url);
	if (!ret)
		ret = remote_prefix(w);
	if (!ret)
		ret = ht_client_config_read(&w->client_cfg, &w->cfg);
	if (!ret)
		ret = ht_url_parse(&w->url, url, w->client_cfg.url_flags);
	if (!ret)
		ret = ht_credential_config_read(&w->key, &w->cfg, w->name);
	if (!ret)
		ret = make_client(w);
	return ret;
}

void wsremote_settle(struct wsremote *w, int ret)
{
	if (!w->have_cred)
		return;
	if (ret >= 0) /* a run that failed, or a wait cut short: the key worked */
		ht_credential_approve(&w->cred);
	else if (ret == HT_EAUTH && w->client &&
		 ht_client_last_status(w->client) == 401)
		ht_credential_reject(&w->cred);
}

void wsremote_close(struct wsremote *w)
{
	size_t i;

	for (i = 0; i < HT_KIND__COUNT; i++)
		json_decref(w->lists[i]);
	ht_client_free(w->client);
	if (w->have_cred)
		ht_credential_release(&w->cred);
	ht_credential_config_release(&w->key);
	ht_url_release(&w->url);
	ht_config_release(&w->cfg);
	free(w->name);
	free(w->prefix);
	free(w->top);
	free(w->cwd_rel);
	memset(w, 0, sizeof(*w));
	ht_client_global_cleanup();
}

int wsremote_list(struct wsremote *w, json_t **out, enum ht_kind kind)
{
	const char *path = ht_kind_info(kind)->api_path;
	int ret = 0;

	if (!w->lists[kind])
		ret = ht_client_list_all(w->client, &w->lists[kind], path,
					 "orderBy=id");
	*out = w->lists[kind];
	return ret;
}

int wsremote_is_path(const char *arg)
{
	size_t len = strlen(arg);

	return strchr(arg, '/') ||
	       (len > 5 && !strcmp(arg + len - 5, ".yaml"));
}

/* The work tree's root and the current folder in it, asked of git once. */
static int find_top(struct wsremote *w)
{
	const char *argv[] = { "rev-parse", "--show-toplevel",
			       "--show-prefix", NULL };
	struct ht_strbuf sb = HT_STRBUF_INIT;
	char *nl;
	int ret;

	if (w->top)
		return 0;
	ret = ht_run_git(&sb, NULL, 0, argv, HT_RUN_QUIET);
	nl = ret ? NULL : strchr(sb.buf, '\n');
	if (ret > 0 || (!ret && !nl))
		ret = ht_error_set(HT_ENOTFOUND, "not in a work tree");
	if (!ret) {
		*nl = '\0';
		w->top = ht_xstrdup(sb.buf);
		w->cwd_rel = ht_xmemdupz(nl + 1, strcspn(nl + 1, "\n"));
	}
	ht_strbuf_release(&sb);
	return ret;
}

const char *wsremote_top(struct wsremote *w)
{
	if (find_top(w) < 0) {
		ht_error_clear();
		return NULL;
	}
	return w->top;
}

int wsremote_repo_path(struct wsremote *w, struct ht_strbuf *out,
		       const char *arg)
{
	int ret = find_top(w);

	if (ret == HT_ENOTFOUND) {
		struct ht_strbuf q = HT_STRBUF_INIT;

		ht_error_clear();
		ret = ht_error_set(HT_ENOTFOUND, "cannot find '%s': not in a "
				   "work tree", ht_quote_path(&q, arg));
		ht_strbuf_release(&q);
		return ret;
	}
	if (!ret)
		ret = ht_path_from_top(out, w->top, w->cwd_rel, arg);
	return ret;
}
