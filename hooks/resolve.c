/*
 * Resources named on the command line, by slug or by file, looked up in
 * the workspace.
 *
 * Requests: a few names cost one request each (GET /syncs?slug=...);
 * from HT_LOOKUP_LISTING names of one list on, the whole list is read
 * once instead (a request per 100 resources).  An unknown name costs the
 * whole list once more, for the slugs near it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/strbuf.h"
#include "hightouch/suggest.h"

#include "git-hightouch.h"

/* The item of `items` whose slug is `slug`, or NULL. */
static json_t *find_slug(const json_t *items, const char *slug)
{
	size_t i;
	json_t *it;

	json_array_foreach(items, i, it) {
		const char *s = ht_json_get_string(it, "slug");

		if (s && !strcmp(s, slug))
			return it;
	}
	return NULL;
}

/* GET <list>?slug=<slug>: one request. */
static int lookup_one(struct wsremote *w, struct lookup *l)
{
	struct ht_strbuf query = HT_STRBUF_INIT;
	struct ht_page page = HT_PAGE_INIT;
	int ret;

	ht_client_query_add(&query, "slug", l->slug);
	ret = ht_client_list_page(w->client, &page,
				  ht_kind_info(l->kind)->api_path, query.buf,
				  0, HT_CLIENT_PAGE_LIMIT, NULL);
	if (!ret)
		l->found = json_incref(find_slug(page.items, l->slug));
	ht_page_release(&page);
	ht_strbuf_release(&query);
	return ret;
}

int lookup_run(struct wsremote *w, struct lookup *l, size_t nr)
{
	size_t per_kind[HT_KIND__COUNT] = { 0 }, i;
	json_t *items;
	int ret = 0;

	for (i = 0; i < nr; i++)
		per_kind[l[i].kind]++;
	for (i = 0; !ret && i < nr; i++) {
		if (per_kind[l[i].kind] < HT_LOOKUP_LISTING) {
			ret = lookup_one(w, &l[i]);
			continue;
		}
		ret = wsremote_list(w, &items, l[i].kind);
		if (!ret)
			l[i].found = json_incref(find_slug(items, l[i].slug));
	}
	return ret;
}

int lookup_suggest(struct wsremote *w, struct ht_strbuf *out,
		   enum ht_kind kind, const char *slug)
{
	struct ht_suggest s;
	json_t *items, *it;
	size_t i;
	int ret;

	ret = wsremote_list(w, &items, kind);
	if (ret)
		return ret;
	ht_suggest_init(&s, slug);
	json_array_foreach(items, i, it) {
		const char *cand = ht_json_get_string(it, "slug");

		if (cand)
			ht_suggest_add(&s, cand);
	}
	ht_suggest_hint(out, &s, NULL, 1);
	return 0;
}

void lookup_release(struct lookup *l, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		json_decref(l[i].found);
		l[i].found = NULL;
	}
}

int resolve_arg(struct wsremote *w, const char *arg, struct ht_strbuf *slug,
		enum ht_kind *kind)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	int ret = 0;

	ht_strbuf_reset(slug);
	*kind = HT_KIND__COUNT;
	if (!wsremote_is_path(arg)) {
		if (!ht_slug_valid(arg, strlen(arg)))
			ret = ht_error_set(HT_EINVALID, "'%s' is neither a "
					   "slug nor a file", arg);
		else
			ht_strbuf_addstr(slug, arg);
		return ret;
	}
	ret = wsremote_repo_path(w, &path, arg);
	if (!ret)
		*kind = ht_kind_for_path(path.buf, w->prefix,
					 w->url.workspace, slug);
	if (!ret && *kind == HT_KIND__COUNT)
		ret = ht_error_set(HT_EINVALID, "'%s' is not a resource file "
				   "of remote '%s' (under '%s')", arg, w->name,
				   *w->prefix ? w->prefix : ".");
	ht_strbuf_release(&path);
	return ret;
}

/* The slug a sync argument names, or an error. */
static int sync_slug(struct wsremote *w, const char *arg, char **out)
{
	struct ht_strbuf slug = HT_STRBUF_INIT;
	enum ht_kind kind;
	int ret;

	ret = resolve_arg(w, arg, &slug, &kind);
	if (!ret && kind != HT_KIND__COUNT && kind != HT_KIND_SYNC)
		ret = ht_error_set(HT_EINVALID, "'%s' is a %s's file, not a "
				   "sync's", arg, ht_kind_name(kind));
	*out = ret ? NULL : ht_strbuf_detach(&slug, NULL);
	ht_strbuf_release(&slug);
	return ret;
}

void unknowns_add(struct unknowns *u, const struct ht_strbuf *msg)
{
	if (u->nr++)
		fprintf(stderr, "error: %s\n", u->last.buf);
	ht_strbuf_reset(&u->last);
	ht_strbuf_addstr(&u->last, msg->buf);
}

int unknowns_result(struct unknowns *u, const char *what)
{
	int ret = 0;

	if (u->nr == 1) {
		ret = ht_error_set(HT_ENOTFOUND, "%s", u->last.buf);
	} else if (u->nr) {
		fprintf(stderr, "error: %s\n", u->last.buf);
		ret = ht_error_set(HT_ENOTFOUND, "%zu of the %s are unknown",
				   u->nr, what);
	}
	ht_strbuf_release(&u->last);
	u->nr = 0;
	return ret;
}

/* The message of one unknown sync. */
static int unknown(struct wsremote *w, struct ht_strbuf *msg,
		   const char *slug)
{
	struct ht_strbuf hint = HT_STRBUF_INIT;
	int ret = lookup_suggest(w, &hint, HT_KIND_SYNC, slug);

	ht_strbuf_reset(msg);
	ht_strbuf_addf(msg, "no sync '%s' in workspace '%s' of remote "
		       "'%s'%s", slug, w->url.workspace, w->name, hint.buf);
	ht_strbuf_release(&hint);
	return ret;
}

/* By slug, then by place on the command line (all in one array). */
static int cmp_name(const void *va, const void *vb)
{
	const struct sync_name *a = *(const struct sync_name *const *)va;
	const struct sync_name *b = *(const struct sync_name *const *)vb;
	int c = strcmp(a->slug, b->slug);

	return c ? c : a < b ? -1 : a > b;
}

/*
 * Mark each name whose slug an earlier one has (dup), with first[i] the
 * earlier one's place; sorted, not pair by pair: a command line may hold
 * thousands (xargs).
 */
static void mark_dups(struct sync_name *out, size_t nr, size_t *first)
{
	struct sync_name **order = ht_xcalloc(nr ? nr : 1, sizeof(*order));
	size_t i;

	for (i = 0; i < nr; i++) {
		order[i] = &out[i];
		first[i] = i;
	}
	qsort(order, nr, sizeof(*order), cmp_name);
	for (i = 1; i < nr; i++)
		if (!strcmp(order[i - 1]->slug, order[i]->slug)) {
			first[order[i] - out] = first[order[i - 1] - out];
			order[i]->dup = 1;
		}
	free(order);
}

int resolve_syncs(struct wsremote *w, const char *const *args, size_t nr,
		  struct sync_name *out)
{
	struct lookup *l = ht_xcalloc(nr + 1, sizeof(*l));
	size_t *first = ht_xcalloc(nr + 1, sizeof(*first));
	struct ht_strbuf msg = HT_STRBUF_INIT;
	struct unknowns u = UNKNOWNS_INIT;
	size_t i, j, n = 0;
	int ret = 0;

	memset(out, 0, nr * sizeof(*out));
	for (i = 0; !ret && i < nr; i++) {
		out[i].arg = args[i];
		ret = sync_slug(w, args[i], &out[i].slug);
	}
	if (!ret)
		mark_dups(out, nr, first);
	for (i = 0; !ret && i < nr; i++)
		if (!out[i].dup) {
			l[n].kind = HT_KIND_SYNC;
			l[n++].slug = out[i].slug;
		}
	if (!ret)
		ret = lookup_run(w, l, n);
	for (i = 0, j = 0; !ret && i < nr; i++) {
		if (out[i].dup)
			continue;
		if (l[j].found) {
			ret = ht_json_get_id(&out[i].id, l[j].found, "id");
		} else {
			ret = unknown(w, &msg, out[i].slug);
			unknowns_add(&u, &msg);
		}
		j++;
	}
	if (!ret)
		ret = unknowns_result(&u, "syncs named");
	ht_strbuf_release(&u.last);
	for (i = 0; !ret && i < nr; i++)
		out[i].id = out[first[i]].id;
	lookup_release(l, n);
	free(l);
	free(first);
	ht_strbuf_release(&msg);
	return ret;
}

void sync_names_release(struct sync_name *s, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(s[i].slug);
}
