/*
 * The git configuration (see config.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/config.h"
#include "hightouch/error.h"
#include "hightouch/run.h"
#include "hightouch/strbuf.h"

int ht_parse_bool(const char *value)
{
	char *end;
	long n;

	if (!value)
		return 1;
	if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") ||
	    !strcasecmp(value, "on"))
		return 1;
	if (!*value || !strcasecmp(value, "false") ||
	    !strcasecmp(value, "no") || !strcasecmp(value, "off"))
		return 0;
	errno = 0;
	n = strtol(value, &end, 10);
	if (errno || *end || end == value)
		return -1;
	return n != 0;
}

int ht_env_bool(const char *name)
{
	const char *v = getenv(name);

	return v && *v && ht_parse_bool(v) != 0;
}

static void add_entry(struct ht_config *cfg, const char *key, size_t klen,
		      const char *value)
{
	struct ht_config_entry *e;

	HT_ALLOC_GROW(cfg->items, cfg->nr + 1, cfg->alloc);
	e = &cfg->items[cfg->nr++];
	e->key = ht_xmemdupz(key, klen);
	e->value = value ? ht_xstrdup(value) : NULL;
}

int ht_config_read_start(struct ht_config *cfg, const char *regex)
{
	const char *argv[] = { "config", "-z", "--get-regexp", regex, NULL };

	return ht_run_git_start(&cfg->reading, NULL, 0, argv, 0);
}

int ht_config_read_finish(struct ht_config *cfg)
{
	struct ht_strbuf out = HT_STRBUF_INIT;
	const char *p, *end;
	int ret;

	ret = ht_run_git_finish(&cfg->reading, &out);
	if (ret < 0)
		goto cleanup;
	/* 1: nothing matched */
	if (ret > 1) {
		ret = ht_error_set(HT_EINVALID, "cannot read the git "
				   "configuration ('git config' exited with "
				   "%d)", ret);
		goto cleanup;
	}
	ret = 0;
	/* "key\nvalue\0", or "key\0" for a key with no value */
	p = out.buf;
	end = out.buf + out.len;
	while (p < end) {
		const char *nul = memchr(p, '\0', (size_t)(end - p)), *nl;

		if (!nul)
			break;
		nl = memchr(p, '\n', (size_t)(nul - p));
		add_entry(cfg, p, nl ? (size_t)(nl - p) : (size_t)(nul - p),
			  nl ? nl + 1 : NULL);
		p = nul + 1;
	}
cleanup:
	ht_strbuf_release(&out);
	return ret;
}

int ht_config_read(struct ht_config *cfg, const char *regex)
{
	int ret = ht_config_read_start(cfg, regex);

	return ret < 0 ? ret : ht_config_read_finish(cfg);
}

void ht_config_release(struct ht_config *cfg)
{
	size_t i;

	if (cfg->reading.pid > 0)
		ht_run_git_finish(&cfg->reading, NULL); /* a read not finished */
	for (i = 0; i < cfg->nr; i++) {
		free(cfg->items[i].key);
		free(cfg->items[i].value);
	}
	free(cfg->items);
	memset(cfg, 0, sizeof(*cfg));
}

const struct ht_config_entry *ht_config_find(const struct ht_config *cfg,
					     const char *key)
{
	size_t i = cfg->nr;

	while (i--)
		if (!strcmp(cfg->items[i].key, key))
			return &cfg->items[i];
	return NULL;
}

int ht_config_bool(const struct ht_config *cfg, const char *key, int *out)
{
	const struct ht_config_entry *e = ht_config_find(cfg, key);
	int b;

	if (!e)
		return 0;
	b = ht_parse_bool(e->value);
	if (b < 0)
		return ht_error_set(HT_EINVALID,
				    "bad boolean config value for '%s'", key);
	*out = b;
	return 0;
}

int ht_config_number(const struct ht_config *cfg, const char *key,
		     long min, long max, unsigned *out)
{
	const struct ht_config_entry *e = ht_config_find(cfg, key);
	const char *value = e ? e->value : NULL;
	char *end;
	long n;

	if (!e)
		return 0;
	errno = 0;
	n = value ? strtol(value, &end, 10) : 0;
	if (!value || errno || *end || end == value || n < min || n > max)
		return ht_error_set(HT_EINVALID,
				    "bad config value for '%s': it must be a "
				    "number from %ld to %ld", key, min, max);
	*out = (unsigned)n;
	return 0;
}

/* "ht", "/ht/", "a//b" -> "ht", "ht", "a/b"; "" for none. */
int ht_config_path(const struct ht_config *cfg, const char *key, char **out)
{
	const struct ht_config_entry *e = ht_config_find(cfg, key);
	struct ht_strbuf sb = HT_STRBUF_INIT;
	const char *s = e && e->value ? e->value : "";
	int ret = 0;

	if (!e)
		return 0;
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

int ht_config_color(const struct ht_config *cfg, const char *when, int *out)
{
	const struct ht_config_entry *e = ht_config_find(cfg, "color.ui");
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
	int b;

	if (!when && e && e->value) {
		if (!strcasecmp(e->value, "always") ||
		    !strcasecmp(e->value, "never") ||
		    !strcasecmp(e->value, "auto")) {
			when = e->value;
		} else {
			b = ht_parse_bool(e->value);
			if (b < 0)
				return ht_error_set(HT_EINVALID,
						    "bad color config value "
						    "'%s' for 'color.ui'",
						    e->value);
			when = b ? "auto" : "never";
		}
	}
	if (when && !strcasecmp(when, "always"))
		*out = 1;
	else if (when && !strcasecmp(when, "never"))
		*out = 0;
	else
		*out = !(no && *no) && isatty(1) &&
		       !(term && !strcmp(term, "dumb"));
	return 0;
}

