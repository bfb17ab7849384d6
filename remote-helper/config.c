/*
 * The helper's settings, read with `git config` so that everything git
 * honours applies: system, global, repository and worktree files,
 * includes, and `git -c` (GIT_CONFIG_PARAMETERS).
 *
 *   hightouch.allowHttp          plain http to hosts that are not loopback
 *   hightouch.fullResync         read everything again on the next fetch
 *   hightouch.authorName/Email   identity of commits with no known author
 *   hightouch.pageSize           items per page of a listing (1..1000)
 *   hightouch.retries            retries of a failed request (0..20)
 *   remote.<name>.hightouchPath  folder of the resource files
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"

#include "helper.h"

/* git's boolean values; -1 for anything else. */
static int parse_bool(const char *v)
{
	char *end;
	long n;

	if (!v)
		return 1; /* "[hightouch] allowHttp" alone means true */
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on"))
		return 1;
	if (!*v || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off"))
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v)
		return -1;
	return n != 0;
}

static int set_bool(int *out, const char *key, const char *value)
{
	int b = parse_bool(value);

	if (b < 0)
		return ht_error_set(HT_EINVALID,
				    "bad boolean config value for '%s'", key);
	*out = b;
	return 0;
}

/*
 * "ht", "/ht/", "a//b" -> "ht", "ht", "a/b"; "" for none.  Components
 * may not be "." or "..", ".git", nor hold control characters.
 */
static int normalise_prefix(char **out, const char *key, const char *value)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	const char *s = value ? value : "";
	int ret = 0;

	while (*s) {
		const char *end;
		size_t len, i;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		end = strchr(s, '/');
		if (!end)
			end = s + strlen(s);
		len = end - s;
		if ((len == 1 && s[0] == '.') ||
		    (len == 2 && !strncmp(s, "..", 2)) ||
		    (len == 4 && !strncasecmp(s, ".git", 4))) {
			ret = ht_error_set(HT_EINVALID,
					   "bad config value for '%s': '%.*s' "
					   "is not allowed in a path",
					   key, (int)len, s);
			goto cleanup;
		}
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] < ' ' || s[i] == 0x7f ||
			    s[i] == '\\') {
				ret = ht_error_set(HT_EINVALID,
						   "bad config value for '%s': "
						   "unexpected character in a "
						   "path", key);
				goto cleanup;
			}
		if (sb.len)
			ht_strbuf_addch(&sb, '/');
		ht_strbuf_add(&sb, s, len);
		s = end;
	}
	free(*out);
	*out = ht_strbuf_detach(&sb, NULL);
cleanup:
	ht_strbuf_release(&sb);
	return ret;
}

static int set_string(char **out, const char *key, const char *value)
{
	if (!value || !*value || strchr(value, '\n'))
		return ht_error_set(HT_EINVALID,
				    "bad config value for '%s'", key);
	free(*out);
	*out = ht_xstrdup(value);
	return 0;
}

static int set_number(unsigned *out, const char *key, const char *value,
		      long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = value ? strtol(value, &end, 10) : 0;
	if (!value || errno || *end || end == value || n < min || n > max)
		return ht_error_set(HT_EINVALID,
				    "bad config value for '%s': it must be a "
				    "number from %ld to %ld", key, min, max);
	*out = (unsigned)n;
	return 0;
}

static int apply(struct helper_config *cfg, const char *remote,
		 const char *key, const char *value)
{
	size_t rlen;

	if (!strcmp(key, "hightouch.allowhttp"))
		return set_bool(&cfg->allow_http, key, value);
	if (!strcmp(key, "hightouch.fullresync"))
		return set_bool(&cfg->full_resync, key, value);
	if (!strcmp(key, "hightouch.authorname"))
		return set_string(&cfg->author_name, key, value);
	if (!strcmp(key, "hightouch.authoremail"))
		return set_string(&cfg->author_email, key, value);
	if (!strcmp(key, "hightouch.pagesize"))
		return set_number(&cfg->page_size, key, value, 1, 1000);
	if (!strcmp(key, "hightouch.retries"))
		return set_number(&cfg->retries, key, value, 0, 20);
	if (!remote || strncmp(key, "remote.", 7))
		return 0;
	rlen = strlen(remote);
	if (!strncmp(key + 7, remote, rlen) &&
	    !strcmp(key + 7 + rlen, ".hightouchpath"))
		return normalise_prefix(&cfg->prefix, key, value);
	return 0;
}

int config_read(struct helper_config *cfg, const char *remote)
{
	static const char *const argv[] = {
		"config", "-z", "--get-regexp", "^(hightouch|remote)\\.", NULL
	};
	struct ht_strbuf out = HT_STRBUF_INIT;
	const char *p, *end;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->author_name = ht_xstrdup(HELPER_DEFAULT_NAME);
	cfg->author_email = ht_xstrdup(HELPER_DEFAULT_EMAIL);
	cfg->prefix = ht_xstrdup("");
	cfg->page_size = HT_CLIENT_PAGE_LIMIT;
	cfg->retries = 6;

	ret = run_git(&out, NULL, 0, argv);
	if (ret < 0)
		goto cleanup;
	if (ret > 1) {
		ret = ht_error_set(HT_EINVALID, "cannot read the git "
				   "configuration ('git config' exited "
				   "with %d)", ret);
		goto cleanup;
	}
	ret = 0;
	/* "key\nvalue\0" or "key\0" (no value) */
	p = out.buf;
	end = out.buf + out.len;
	while (p < end) {
		const char *nul = memchr(p, '\0', end - p), *nl;
		char *key;

		if (!nul)
			break;
		nl = memchr(p, '\n', nul - p);
		key = ht_xmemdupz(p, nl ? (size_t)(nl - p) : (size_t)(nul - p));
		ret = apply(cfg, remote, key, nl ? nl + 1 : NULL);
		free(key);
		if (ret < 0)
			goto cleanup;
		p = nul + 1;
	}
cleanup:
	ht_strbuf_release(&out);
	return ret;
}

void config_release(struct helper_config *cfg)
{
	free(cfg->author_name);
	free(cfg->author_email);
	free(cfg->prefix);
	cfg->author_name = cfg->author_email = cfg->prefix = NULL;
}
