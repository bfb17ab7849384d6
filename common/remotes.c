/*
 * The workspace remotes of a repository (see remotes.h).
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/config.h"
#include "hightouch/error.h"
#include "hightouch/remotes.h"
#include "hightouch/strbuf.h"
#include "hightouch/url.h"

void ht_remotes_add(struct ht_remotes *r, const char *name, const char *path,
		    const char *workspace)
{
	struct ht_remote *item;
	size_t i;

	HT_ALLOC_GROW(r->items, r->nr + 1, r->alloc);
	item = &r->items[r->nr++];
	item->name = ht_xstrdup(name);
	item->path = ht_xstrdup(path);
	item->workspace = workspace ? ht_xstrdup(workspace) : NULL;
	item->url = NULL;
	for (i = 0; i < r->npaths; i++)
		if (!strcmp(r->paths[i], path))
			return;
	HT_ALLOC_GROW(r->paths, r->npaths + 1, r->paths_alloc);
	r->paths[r->npaths++] = item->path;
}

size_t ht_remotes_count_workspaces(const struct ht_remotes *r)
{
	size_t i, j, n = 0;

	for (i = 0; i < r->nr; i++) {
		if (!r->items[i].url)
			continue;
		for (j = 0; j < i; j++)
			if (r->items[j].url &&
			    ht_url_same_workspace(r->items[i].url,
						  r->items[j].url))
				break;
		n += j == i;
	}
	return n;
}

const struct ht_remote *ht_remotes_find(const struct ht_remotes *r,
					const char *name)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		if (!strcmp(r->items[i].name, name))
			return &r->items[i];
	return NULL;
}

/*
 * 1 for a hightouch URL, with its workspace in `*ws` (NULL for one the
 * helper would refuse); else 0.
 */
static int url_workspace(char **ws, const char *url)
{
	struct ht_url u = HT_URL_INIT;

	if (!ht_url_is_workspace(url))
		return 0;
	if (ht_url_parse(&u, url, HT_URL_ALLOW_HTTP) < 0) {
		ht_error_clear(); /* the helper says what is wrong with it */
		return 1;
	}
	*ws = u.workspace;
	u.workspace = NULL;
	ht_url_release(&u);
	return 1;
}

/* The remote of key "remote.<name>.url" or "...hightouchpath", or 0. */
static int remote_name(struct ht_strbuf *name, const char *key)
{
	static const char *const suffixes[] = { ".url", ".hightouchpath" };
	size_t len = strlen(key), i, slen;

	if (strncmp(key, "remote.", 7))
		return 0;
	for (i = 0; i < 2; i++) {
		slen = strlen(suffixes[i]);
		if (len > 7 + slen && !strcmp(key + len - slen, suffixes[i])) {
			ht_strbuf_reset(name);
			ht_strbuf_add(name, key + 7, len - 7 - slen);
			return 1;
		}
	}
	return 0;
}

int ht_remotes_path_config(const struct ht_config *cfg, const char *name,
			   char **out)
{
	struct ht_strbuf key = HT_STRBUF_INIT;
	int ret;

	ht_strbuf_addf(&key, "remote.%s.hightouchpath", name);
	ret = ht_config_path(cfg, key.buf, out);
	ht_strbuf_release(&key);
	return ret;
}

/* Add remote `name` from `cfg` if it is a workspace remote. */
static int read_remote(struct ht_remotes *r, const struct ht_config *cfg,
		       const char *name)
{
	struct ht_strbuf key = HT_STRBUF_INIT;
	const struct ht_config_entry *url;
	char *path = NULL, *ws = NULL;
	int ret, hightouch = 0;

	ht_strbuf_addf(&key, "remote.%s.url", name);
	url = ht_config_find(cfg, key.buf);
	if (url && url->value)
		hightouch = url_workspace(&ws, url->value);
	ret = ht_remotes_path_config(cfg, name, &path);
	if (!ret && (path || hightouch))
		ht_remotes_add(r, name, path ? path : "", ws);
	if (!ret && hightouch)
		r->items[r->nr - 1].url = ht_xstrdup(url->value);
	free(path);
	free(ws);
	ht_strbuf_release(&key);
	return ret;
}

int ht_remotes_read(struct ht_remotes *r, const struct ht_config *cfg)
{
	struct ht_strbuf name = HT_STRBUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < cfg->nr; i++)
		if (remote_name(&name, cfg->items[i].key) &&
		    !ht_remotes_find(r, name.buf))
			ret = read_remote(r, cfg, name.buf);
	ht_strbuf_release(&name);
	return ret;
}

/* 1 if path `path` ("" for the top) holds `file`. */
static int holds(const char *path, const char *file)
{
	size_t len = strlen(path);

	return !len || (!strncmp(file, path, len) && file[len] == '/');
}

int ht_remotes_path_has_file(const struct ht_remotes *r, const char *path,
			     const char *file)
{
	size_t len = strlen(path), i;

	if (!holds(path, file))
		return 0;
	for (i = 0; i < r->npaths; i++)
		if (strlen(r->paths[i]) > len && holds(r->paths[i], file))
			return 0;
	return 1;
}

int ht_remotes_path_has_workspace(const struct ht_remotes *r, const char *path,
				  const char *workspace)
{
	size_t i;
	int named = 0;

	for (i = 0; i < r->nr; i++) {
		const struct ht_remote *item = &r->items[i];

		if (!item->workspace || strcmp(item->workspace, workspace))
			continue;
		if (!strcmp(item->path, path))
			return 1;
		named = 1;
	}
	return !named;
}

void ht_remotes_release(struct ht_remotes *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++) {
		free(r->items[i].name);
		free(r->items[i].path);
		free(r->items[i].workspace);
		free(r->items[i].url);
	}
	free(r->items);
	free(r->paths);
	memset(r, 0, sizeof(*r));
}
