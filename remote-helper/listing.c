/*
 * Reading the API's lists, ordered by updatedAt, at the least cost.
 *
 * A change to a resource moves it to the newest end of its list.  So,
 * with the count N of the list and its newest item from the last fetch:
 *
 *  - nothing changed when the newest end still holds that item and the
 *    list still has N items: one request in ascending order (offset N-1
 *    must return exactly that item), two in descending order (offset 0
 *    for the item, offset N-1 for the count);
 *  - otherwise the changed items are read from the newest end until the
 *    first unchanged one: about k/100 requests for k changes;
 *  - deletions leave fewer unchanged items than expected (N minus the
 *    changed items that existed before): then, and whenever the tail
 *    does not add up, the whole list is read and compared.
 *
 * The API documents `orderBy` but not its direction: the direction is
 * detected on each whole listing (the updatedAt of its items must be
 * monotonic); a list in no order is always read whole.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"

#include "helper.h"

#define ORDER_BY "updatedAt"

void listing_drop_items(struct listing *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		json_decref(l->items[i].json);
	free(l->items);
	l->items = NULL;
	l->nr = l->alloc = 0;
	ht_page_release(&l->probe);
}

void listing_release(struct listing *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		json_decref(l->items[i].json);
	free(l->items);
	ht_page_release(&l->probe);
	memset(l, 0, sizeof(*l));
	l->probe.has_more = -1;
}

/* id and updatedAt of an item, or HT_EHTTP. */
static int parse_item(struct list_ctx *ctx, struct item *out,
		      enum ht_kind list, json_t *json)
{
	const char *when;
	int ret;

	if (!json_is_object(json))
		return ht_error_set(HT_EHTTP, "unexpected response to 'GET "
				    "%s': an item is not an object",
				    ht_kind_info(list)->api_path);
	ret = ht_json_get_id(&out->id, json, "id");
	if (ret < 0) {
		ht_error_clear();
		return ht_error_set(HT_EHTTP, "unexpected response to 'GET "
				    "%s': an item has no valid 'id'",
				    ht_kind_info(list)->api_path);
	}
	when = ht_json_get_string(json, "updatedAt");
	out->updated_ms = parse_time_ms(when);
	if (out->updated_ms < 0)
		return ht_error_set(HT_EHTTP, "unexpected response to 'GET "
				    "%s': %s %lld has no valid 'updatedAt'",
				    ht_kind_info(list)->api_path,
				    ht_kind_info(list)->name,
				    (long long)out->id);
	out->json = json;
	return state_check_workspace(ctx->state, json);
}

static int request_page(struct list_ctx *ctx, struct ht_page *page,
			enum ht_kind list, size_t offset, size_t limit)
{
	return ht_client_list_page(ctx->client, page,
				   ht_kind_info(list)->api_path, NULL, offset,
				   limit, ORDER_BY);
}

/*
 * One page; the first read of an import takes the answer of its first
 * request, made at `list`, when it is that request.  It is only ever the
 * first: a later read wants the list as it is then.
 */
static int get_page(struct list_ctx *ctx, struct ht_page *page,
		    enum ht_kind list, size_t offset, size_t limit)
{
	struct first_request *fr = ctx->first;

	ht_page_release(page);
	ctx->first = NULL;
	if (fr && fr->have && fr->list == list && fr->offset == offset &&
	    fr->limit == limit) {
		trace("listing", "%s: the page read at 'list'",
		      ht_kind_info(list)->name);
		*page = fr->page;
		fr->page = (struct ht_page)HT_PAGE_INIT;
		fr->have = 0;
		return 0;
	}
	if (fr && fr->have) {
		trace("listing", "the page read at 'list' is not the first "
		      "the import reads: read again");
		first_request_release(fr);
	}
	return request_page(ctx, page, list, offset, limit);
}

void first_request_release(struct first_request *fr)
{
	size_t i;

	ht_page_release(&fr->page);
	fr->have = 0;
	for (i = 0; i < HT_KIND__COUNT; i++)
		listing_release(&fr->lists[i]);
	fr->changed = 0;
}

/* The workspace of a page's items, against the state's (parse_item()). */
static int check_workspace(struct list_ctx *ctx, const struct ht_page *page)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < json_array_size(page->items); i++) {
		json_t *item = json_array_get(page->items, i);

		if (json_is_object(item))
			ret = state_check_workspace(ctx->state, item);
	}
	return ret;
}

int listing_probe_lists(struct list_ctx *ctx, struct listing *lists,
			const enum ht_kind *order, size_t n, int *schema,
			int *changed)
{
	size_t i;
	int ret;

	*changed = 0;
	for (i = 0; i < n; i++) {
		struct listing *l = &lists[order[i]];

		if (ht_kind_info(order[i])->extension && !*schema)
			continue;
		if (!l->probed) {
			ret = listing_probe(ctx, l, order[i]);
			if (!ret)
				ret = check_workspace(ctx, &l->probe);
			if (ret < 0)
				return ret;
		}
		if (l->unavailable)
			*schema = 0;
		if (l->unavailable || !l->same)
			*changed = 1;
	}
	return 0;
}

int listing_first_request(struct list_ctx *ctx, struct first_request *fr)
{
	int ret, schema = fr->seen_schema != 0;

	first_request_release(fr);
	if (fr->probe) {
		ret = listing_probe_lists(ctx, fr->lists, fr->order,
					  fr->nlists, &schema, &fr->changed);
		if (ret < 0)
			first_request_release(fr);
		return ret;
	}
	ret = request_page(ctx, &fr->page, fr->list, fr->offset, fr->limit);
	if (ret == HT_ENOTFOUND && ht_kind_info(fr->list)->extension) {
		ht_error_clear();
		return 0;
	}
	if (!ret)
		ret = check_workspace(ctx, &fr->page);
	if (ret < 0)
		first_request_release(fr);
	else
		fr->have = 1;
	return ret;
}

/*
 * The next page of a whole listing, asked for by a thread of its own
 * while this page is converted and written (the first import's files, in
 * page_cb): the request the loop makes next anyway, so none is added
 * (but one, when what this page's items are turned into fails).  Until
 * the join the client is the thread's alone; nothing else in the loop
 * uses it.  Errors are per thread: the thread's is set again at the
 * join.  When no thread can be made, the request is made at the join.
 * A request cannot be cancelled: when taking in a page fails, the join
 * waits for the next one, its retries included, before the error is
 * told.
 */
struct next_page {
	struct list_ctx *ctx;
	struct ht_page page;
	enum ht_kind list;
	size_t offset, limit;
	pthread_t thread;
	int started, ret;
	char message[HT_ERROR_MAX];
};

static void *next_page_run(void *payload)
{
	struct next_page *np = payload;

	np->ret = request_page(np->ctx, &np->page, np->list, np->offset,
			       np->limit);
	if (np->ret < 0)
		snprintf(np->message, sizeof(np->message), "%s",
			 ht_error_message());
	return NULL;
}

static void next_page_start(struct next_page *np, struct list_ctx *ctx,
			    enum ht_kind list, size_t offset, size_t limit)
{
	np->ctx = ctx;
	np->list = list;
	np->offset = offset;
	np->limit = limit;
	np->page = (struct ht_page)HT_PAGE_INIT;
	np->started = !pthread_create(&np->thread, NULL, next_page_run, np);
}

static void next_page_wait(struct next_page *np)
{
	if (!np->started)
		next_page_run(np);
	else if (pthread_join(np->thread, NULL))
		HT_BUG("cannot join the thread of the next page");
	np->started = 0;
}

/* Its answer into `page` (released first); 0 or the request's error. */
static int next_page_take(struct next_page *np, struct ht_page *page)
{
	next_page_wait(np);
	ht_page_release(page);
	*page = np->page;
	np->page = (struct ht_page)HT_PAGE_INIT;
	if (np->ret < 0)
		return ht_error_set(np->ret, "%s", np->message);
	return 0;
}

/* Waited for and dropped: the error being returned is another. */
static void next_page_drop(struct next_page *np)
{
	next_page_wait(np);
	ht_page_release(&np->page);
}

/* The page ends the list. */
static int page_is_last(const struct ht_page *p, size_t limit)
{
	if (p->has_more >= 0)
		return !p->has_more;
	return json_array_size(p->items) < limit;
}

static int add_item(struct list_ctx *ctx, struct listing *l, json_t *json)
{
	struct item it;
	int ret = parse_item(ctx, &it, l->list, json);

	if (ret < 0)
		return ret;
	json_incref(json);
	HT_ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	l->items[l->nr++] = it;
	return 0;
}

static int newer(const struct item *a, int64_t ms, int64_t id)
{
	return a->updated_ms > ms || (a->updated_ms == ms && a->id > id);
}

static int cmp_item_id(const void *va, const void *vb)
{
	const struct item *a = va, *b = vb;

	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	/* the newer copy first */
	if (a->updated_ms != b->updated_ms)
		return a->updated_ms > b->updated_ms ? -1 : 1;
	return 0;
}

/* Sort by id and keep the newest copy of each (an item read twice). */
static void dedupe(struct listing *l)
{
	size_t i, n = 0;

	if (l->nr > 1)
		qsort(l->items, l->nr, sizeof(*l->items), cmp_item_id);
	for (i = 0; i < l->nr; i++) {
		if (n && l->items[n - 1].id == l->items[i].id) {
			json_decref(l->items[i].json);
			continue;
		}
		l->items[n++] = l->items[i];
	}
	l->nr = n;
}

static void set_newest(struct list_state *st, const struct item *items,
		       size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!st->count || newer(&items[i], st->newest_ms,
					st->newest_id)) {
			st->newest_ms = items[i].updated_ms;
			st->newest_id = items[i].id;
			if (!st->count)
				st->count = 1; /* only a marker here */
		}
}

static void note_progress(struct list_ctx *ctx, size_t n)
{
	ctx->seen += n;
	progress_update(ctx->progress, ctx->seen);
}

/*
 * Read the whole list into l->items (sorted by id), each page asked for
 * while the one before is taken in (struct next_page).
 */
static int read_full(struct list_ctx *ctx, struct listing *l)
{
	struct ht_page page = HT_PAGE_INIT;
	size_t offset = 0, i, limit = ctx->page_size;
	int asc = 1, desc = 1, distinct = 0, pending = 0, ret = 0;
	struct next_page np;
	int64_t prev = 0;

	ret = get_page(ctx, &page, l->list, offset, limit);
	for (;;) {
		size_t n;
		int last;

		if (pending) {
			pending = 0;
			ret = next_page_take(&np, &page);
		}
		if (ret < 0)
			goto cleanup;
		n = json_array_size(page.items);
		last = page_is_last(&page, limit);
		if (!last && !n) {
			ret = ht_error_set(HT_EHTTP, "unexpected response to "
					   "'GET %s': an empty page says it "
					   "has more",
					   ht_kind_info(l->list)->api_path);
			goto cleanup;
		}
		if (!last && offset + n > HT_CLIENT_MAX_LIST_ITEMS) {
			ret = ht_error_set(HT_EHTTP, "'GET %s' lists more "
					   "than %d items",
					   ht_kind_info(l->list)->api_path,
					   HT_CLIENT_MAX_LIST_ITEMS);
			goto cleanup;
		}
		if (!last) {
			next_page_start(&np, ctx, l->list, offset + n, limit);
			pending = 1;
		}
		for (i = 0; i < n; i++) {
			ret = add_item(ctx, l, json_array_get(page.items, i));
			if (ret < 0)
				goto cleanup;
		}
		note_progress(ctx, n);
		if (ctx->page_cb && n) {
			ret = ctx->page_cb(l, l->nr - n, n, ctx->page_payload);
			if (ret < 0)
				goto cleanup;
		}
		offset += n;
		if (last)
			break;
	}

	/* the direction, from the order the items came in */
	for (i = 0; i < l->nr; i++) {
		int64_t ms = l->items[i].updated_ms;

		if (i && ms != prev) {
			distinct = 1;
			if (ms < prev)
				asc = 0;
			else
				desc = 0;
		}
		prev = ms;
	}
	memset(&l->next, 0, sizeof(l->next));
	l->next.valid = 1;
	if (!distinct)
		l->next.dir = DIR_UNKNOWN;
	else if (asc)
		l->next.dir = DIR_ASC;
	else if (desc)
		l->next.dir = DIR_DESC;
	else
		l->next.dir = DIR_NONE;

	dedupe(l);
	set_newest(&l->next, l->items, l->nr);
	l->next.count = l->nr;
	l->full = 1;
	trace("listing", "%s: read all %zu items (order %s)",
	      ht_kind_info(l->list)->name, l->nr,
	      l->next.dir == DIR_ASC ? "ascending" :
	      l->next.dir == DIR_DESC ? "descending" :
	      l->next.dir == DIR_NONE ? "none" : "unknown");
cleanup:
	if (pending)
		next_page_drop(&np);
	ht_page_release(&page);
	return ret;
}

static int is_unchanged(struct list_ctx *ctx, enum ht_kind list,
			const struct item *it)
{
	struct resource *r = state_find(ctx->state, ht_kind_ids(list), it->id);

	return r && state_in_list(r, list, 1) &&
	       r->updated_ms == it->updated_ms;
}

static int is_known(struct list_ctx *ctx, enum ht_kind list,
		    const struct item *it)
{
	struct resource *r = state_find(ctx->state, ht_kind_ids(list), it->id);

	return r && state_in_list(r, list, 1);
}

/*
 * Take the items of `page`, newest first (from its end when `asc`), into
 * l->items until an unchanged one, which is kept in `boundary`.  Returns
 * 1 when it was found.
 */
static int take_changed(struct list_ctx *ctx, struct listing *l,
			json_t *items, int asc, struct item *boundary,
			int *ret)
{
	size_t n = json_array_size(items), i;

	*ret = 0;
	for (i = 0; i < n; i++) {
		json_t *json = json_array_get(items, asc ? n - 1 - i : i);
		struct item it;

		*ret = parse_item(ctx, &it, l->list, json);
		if (*ret < 0)
			return 0;
		if (is_unchanged(ctx, l->list, &it)) {
			*boundary = it;
			return 1;
		}
		*ret = add_item(ctx, l, json);
		if (*ret < 0)
			return 0;
	}
	return 0;
}

/*
 * After the tail is read: the list has `total` items, of which l->items
 * changed, and `boundary` (if `found`) is the newest unchanged one.
 * Returns 1 when the rest is exactly the state's unchanged items (no
 * deletion), 0 when the whole list must be read.
 *
 * The newest unchanged item must be the state's newest, unless that one
 * changed: anything else means the list is not in the order the state
 * says (the server's direction changed), and the tail proves nothing.
 */
static int tail_adds_up(struct list_ctx *ctx, struct listing *l,
			uint64_t total, int found, const struct item *boundary)
{
	const struct list_state *old = &ctx->state->lists[l->list];
	uint64_t known = 0;
	int newest_changed = 0;
	size_t i;

	dedupe(l);
	for (i = 0; i < l->nr; i++) {
		if (is_known(ctx, l->list, &l->items[i]))
			known++;
		if (l->items[i].id == old->newest_id)
			newest_changed = 1;
	}
	if (found && old->count && !newest_changed &&
	    (boundary->id != old->newest_id ||
	     boundary->updated_ms != old->newest_ms)) {
		trace("listing", "%s: not in the order expected: reading the "
		      "whole list", ht_kind_info(l->list)->name);
		return 0;
	}
	if (total < l->nr || known > old->count)
		return 0;
	if (total - l->nr != old->count - known) {
		trace("listing", "%s: %llu unchanged items, expected %llu: "
		      "reading the whole list", ht_kind_info(l->list)->name,
		      (unsigned long long)(total - l->nr),
		      (unsigned long long)(old->count - known));
		return 0;
	}
	l->next = *old;
	l->next.count = total;
	set_newest(&l->next, l->items, l->nr);
	trace("listing", "%s: %zu changed items of %llu",
	      ht_kind_info(l->list)->name, l->nr, (unsigned long long)total);
	return 1;
}

/* Ascending: the newest items are at the end.  1 done, 0 read it all. */
static int tail_asc(struct list_ctx *ctx, struct listing *l, int *ret)
{
	const struct list_state *old = &ctx->state->lists[l->list];
	struct ht_page page = HT_PAGE_INIT;
	size_t limit = ctx->page_size, n;
	uint64_t start = old->count ? old->count - 1 : 0, end, pos;
	struct item boundary;
	int found, done = 0;

	/* forward from the old newest end to the true end */
	if (!l->probe.items || l->probe_offset != start) {
		*ret = get_page(ctx, &l->probe, l->list, start, limit);
		if (*ret < 0)
			return 0;
	}
	n = json_array_size(l->probe.items);
	if (!n && old->count)
		return 0; /* fewer items than before */
	/* the pages read forward, newest first */
	{
		json_t *tail = json_array();
		struct ht_page *cur = &l->probe;

		json_array_extend(tail, l->probe.items);
		end = start + n;
		while (!page_is_last(cur, limit)) {
			if (!json_array_size(cur->items)) {
				*ret = ht_error_set(HT_EHTTP, "unexpected "
						    "response to 'GET %s': an "
						    "empty page says it has "
						    "more",
						    ht_kind_info(l->list)->
						    api_path);
				json_decref(tail);
				goto cleanup;
			}
			*ret = get_page(ctx, &page, l->list, end, limit);
			if (*ret < 0) {
				json_decref(tail);
				goto cleanup;
			}
			json_array_extend(tail, page.items);
			end += json_array_size(page.items);
			cur = &page;
		}
		note_progress(ctx, json_array_size(tail));
		found = take_changed(ctx, l, tail, 1, &boundary, ret);
		json_decref(tail);
		if (*ret < 0)
			goto cleanup;
	}
	/* backward from the old newest end to the first unchanged item */
	pos = start;
	while (!found && pos > 0) {
		uint64_t off = pos > limit ? pos - limit : 0;

		*ret = get_page(ctx, &page, l->list, off, pos - off);
		if (*ret < 0)
			goto cleanup;
		if (json_array_size(page.items) != pos - off)
			goto cleanup; /* the list moved under us */
		note_progress(ctx, pos - off);
		found = take_changed(ctx, l, page.items, 1, &boundary, ret);
		if (*ret < 0)
			goto cleanup;
		pos = off;
	}
	done = tail_adds_up(ctx, l, end, found, &boundary);
cleanup:
	ht_page_release(&page);
	return *ret < 0 ? 0 : done;
}

/* Descending: the newest items come first.  1 done, 0 read it all. */
static int tail_desc(struct list_ctx *ctx, struct listing *l, int *ret)
{
	const struct list_state *old = &ctx->state->lists[l->list];
	struct ht_page page = HT_PAGE_INIT;
	size_t limit = ctx->page_size;
	uint64_t pos = 0, known = 0, expect;
	struct item boundary;
	int found, last, done = 0;
	size_t i;

	if (!l->probe.items || l->probe_offset != 0) {
		*ret = get_page(ctx, &l->probe, l->list, 0, 1);
		if (*ret < 0)
			return 0;
	}
	pos = json_array_size(l->probe.items);
	last = page_is_last(&l->probe, 1);
	found = take_changed(ctx, l, l->probe.items, 0, &boundary, ret);
	if (*ret < 0)
		goto cleanup;
	while (!found && !last) {
		*ret = get_page(ctx, &page, l->list, pos, limit);
		if (*ret < 0)
			goto cleanup;
		note_progress(ctx, json_array_size(page.items));
		if (!json_array_size(page.items))
			break;
		pos += json_array_size(page.items);
		last = page_is_last(&page, limit);
		found = take_changed(ctx, l, page.items, 0, &boundary, ret);
		if (*ret < 0)
			goto cleanup;
	}
	if (!found) {
		/* everything changed: the list had `pos` items */
		done = tail_adds_up(ctx, l, pos, 0, NULL);
		goto cleanup;
	}
	/* how many items there must be without deletions, and check it */
	dedupe(l);
	for (i = 0; i < l->nr; i++)
		if (is_known(ctx, l->list, &l->items[i]))
			known++;
	if (known > old->count)
		goto cleanup;
	expect = old->count - known + l->nr;
	*ret = get_page(ctx, &page, l->list, expect - 1, 2);
	if (*ret < 0)
		goto cleanup;
	if (json_array_size(page.items) != 1 || !page_is_last(&page, 2))
		goto cleanup;
	done = tail_adds_up(ctx, l, expect, 1, &boundary);
cleanup:
	ht_page_release(&page);
	return *ret < 0 ? 0 : done;
}

static int not_found_is_unavailable(struct listing *l, int ret)
{
	if (ret == HT_ENOTFOUND && ht_kind_info(l->list)->extension) {
		ht_error_clear();
		l->unavailable = 1;
		return 0;
	}
	return ret;
}

int listing_probe_request(const struct list_state *old, unsigned page_size,
			  size_t *offset, size_t *limit)
{
	if (!old->valid || old->dir == DIR_NONE)
		return 0;
	if (old->dir == DIR_DESC) {
		*offset = 0;
		*limit = 1;
	} else {
		*offset = old->count ? old->count - 1 : 0;
		*limit = page_size;
	}
	return 1;
}

int listing_probe(struct list_ctx *ctx, struct listing *l, enum ht_kind list)
{
	const struct list_state *old = &ctx->state->lists[list];
	struct ht_page count = HT_PAGE_INIT;
	struct item it;
	size_t n, limit;
	int ret = 0;

	l->list = list;
	l->same = 0;
	l->probed = 1;
	if (!listing_probe_request(old, ctx->page_size, &l->probe_offset,
				   &limit))
		return 0;
	ret = get_page(ctx, &l->probe, list, l->probe_offset, limit);
	if (ret < 0)
		return not_found_is_unavailable(l, ret);
	n = json_array_size(l->probe.items);
	if (!old->count) {
		l->same = !n;
		goto done;
	}
	if (n != 1)
		goto done;
	ret = parse_item(ctx, &it, list,
			 json_array_get(l->probe.items, 0));
	if (ret < 0)
		return ret;
	if (it.id != old->newest_id || it.updated_ms != old->newest_ms)
		goto done;
	if (old->dir != DIR_DESC) {
		l->same = page_is_last(&l->probe, ctx->page_size);
		goto done;
	}
	/* descending: the newest is the same; is the count? */
	if (old->count == 1) {
		l->same = page_is_last(&l->probe, 1);
		goto done;
	}
	ret = get_page(ctx, &count, list, old->count - 1, 2);
	if (ret < 0)
		goto cleanup;
	l->same = json_array_size(count.items) == 1 &&
		  page_is_last(&count, 2);
done:
	if (l->same) {
		l->next = *old;
		trace("listing", "%s: unchanged (%llu items)",
		      ht_kind_info(list)->name,
		      (unsigned long long)old->count);
	}
cleanup:
	ht_page_release(&count);
	return ret;
}

int listing_fetch(struct list_ctx *ctx, struct listing *l, enum ht_kind list,
		  int full)
{
	const struct list_state *old = &ctx->state->lists[list];
	int ret = 0, done = 0;
	size_t i;

	l->list = list;
	if (!full && old->valid && ctx->state->map_loaded) {
		if (old->dir == DIR_ASC ||
		    (old->dir == DIR_UNKNOWN && old->count <= 1))
			done = tail_asc(ctx, l, &ret);
		else if (old->dir == DIR_DESC)
			done = tail_desc(ctx, l, &ret);
		if (ret < 0)
			return not_found_is_unavailable(l, ret);
		if (done)
			return 0;
	}
	for (i = 0; i < l->nr; i++)
		json_decref(l->items[i].json);
	l->nr = 0;
	ret = read_full(ctx, l);
	if (ret < 0)
		return not_found_is_unavailable(l, ret);
	return 0;
}

size_t listing_order(enum ht_kind out[HT_KIND__COUNT], int referring_first)
{
	size_t n = 0;
	int i;

	for (i = 0; i < HT_KIND__COUNT; i++) {
		enum ht_kind k = ht_kind_by_rank(referring_first ?
						 HT_KIND__COUNT - 1 - i : i);

		if (ht_kind_info(k)->api_path)
			out[n++] = k;
	}
	return n;
}
