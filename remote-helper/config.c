/*
 * The helper's settings, read with `git config` (common/config.c) so
 * that everything git honours applies: system, global, repository and
 * worktree files, includes, and `git -c` (GIT_CONFIG_PARAMETERS).
 *
 *   hightouch.allowHttp          plain http to hosts that are not loopback
 *   hightouch.fullResync         read everything again on the next fetch
 *   hightouch.authorName/Email   identity of commits with no known author
 *   hightouch.pageSize           items per page of a listing (1..1000)
 *   hightouch.retries            retries of a failed request (0..20)
 *   remote.<name>.hightouchPath  folder of the resource files
 *   remote.<name>.hightouchBase  what the first fetch builds on (team.c)
 *   remote.<name>.hightouchKeyEnv, remote.*.url
 *                                where its API key comes from
 *                                (common/credential.c)
 *   core.quotePath               how paths are quoted in messages
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/config.h"
#include "hightouch/credential.h"
#include "hightouch/error.h"
#include "hightouch/remotes.h"

#include "helper.h"

static int set_string(char **out, const struct ht_config *git,
		      const char *key)
{
	const struct ht_config_entry *e = ht_config_find(git, key);

	if (!e)
		return 0;
	if (!e->value || !*e->value || strchr(e->value, '\n'))
		return ht_error_set(HT_EINVALID,
				    "bad config value for '%s'", key);
	free(*out);
	*out = ht_xstrdup(e->value);
	return 0;
}

/*
 * remote.<name>.hightouchBase, as written (team.c resolves it); empty is
 * a value: no base.
 */
static int set_base(char **out, const struct ht_config *git,
		    const char *remote)
{
	struct ht_strbuf key = HT_STRBUF_INIT;
	const struct ht_config_entry *e;
	int ret = 0;

	ht_strbuf_addf(&key, "remote.%s.hightouchbase", remote);
	e = ht_config_find(git, key.buf);
	if (e && (!e->value || strchr(e->value, '\n')))
		ret = ht_error_set(HT_EINVALID, "bad config value for '%s': "
				   "a revision, or empty for none", key.buf);
	else if (e) {
		free(*out);
		*out = ht_xstrdup(e->value);
	}
	ht_strbuf_release(&key);
	return ret;
}

int config_read(struct helper_config *cfg, const char *remote)
{
	struct ht_config git = HT_CONFIG_INIT;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->author_name = ht_xstrdup(HELPER_DEFAULT_NAME);
	cfg->author_email = ht_xstrdup(HELPER_DEFAULT_EMAIL);
	cfg->prefix = ht_xstrdup("");
	cfg->quote_path = 1;

	ret = ht_config_read(&git,
			     "^(hightouch\\.|remote\\.|core\\.quotepath$)");
	if (!ret)
		ret = ht_config_bool(&git, "core.quotepath", &cfg->quote_path);
	if (!ret)
		ret = ht_client_config_read(&cfg->client, &git);
	if (!ret)
		ret = ht_config_bool(&git, "hightouch.fullresync",
				     &cfg->full_resync);
	if (!ret)
		ret = set_string(&cfg->author_name, &git,
				 "hightouch.authorname");
	if (!ret)
		ret = set_string(&cfg->author_email, &git,
				 "hightouch.authoremail");
	if (!ret && remote)
		ret = ht_remotes_path_config(&git, remote, &cfg->prefix);
	if (!ret && remote)
		ret = set_base(&cfg->base, &git, remote);
	if (!ret)
		ret = ht_credential_config_read(&cfg->key, &git, remote);
	ht_config_release(&git);
	return ret;
}

void config_release(struct helper_config *cfg)
{
	free(cfg->author_name);
	free(cfg->author_email);
	free(cfg->prefix);
	free(cfg->base);
	ht_credential_config_release(&cfg->key);
	cfg->author_name = cfg->author_email = cfg->prefix = NULL;
	cfg->base = NULL;
}
