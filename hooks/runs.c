/*
 * git hightouch runs: a sync's newest runs.
 *
 * The order in which GET /syncs/{id}/runs lists runs is not documented,
 * so the command sorts them itself (newest first: createdAt, then id) and
 * uses the order it finds only to read less.  It asks for orderBy=
 * createdAt and looks at the first page:
 *
 *  - everything fits on it: done (one request);
 *  - newest first: the next pages until it has <count> runs;
 *  - oldest first: it finds the end of the list by probing pages at
 *    doubling offsets, then halving the gap (twice log2(pages) requests),
 *    and reads the last <count> runs;
 *  - neither: every page.
 *
 * A first page can look ordered when the server follows no order (two
 * runs always do): the pages read after it must keep its order (newest
 * first, one page more is read to see it, even when the first has
 * <count> runs), else every page is read.
 *
 * Pages hold hightouch.pageSize runs (default 100), as the helper's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/options.h"
#include "hightouch/strbuf.h"
#include "hightouch/syncrun.h"
#include "hightouch/time.h"

#include "git-hightouch.h"

/* The ERROR column is cut to this many bytes. */
#define ERROR_WIDTH 120

static const char *const runs_usage[] = {
	"git hightouch runs [--remote <name>] [-n <count>] "
	"[--format text|json] <sync>",
	NULL,
};

struct runlist {
	struct ht_run *runs;
	size_t nr, alloc;
};

static void runlist_release(struct runlist *rl)
{
	size_t i;

	for (i = 0; i < rl->nr; i++)
		ht_run_release(&rl->runs[i]);
	free(rl->runs);
	memset(rl, 0, sizeof(*rl));
}

static int runlist_add(struct runlist *rl, json_t *items)
{
	json_t *it;
	size_t i;
	int ret;

	json_array_foreach(items, i, it) {
		HT_ALLOC_GROW(rl->runs, rl->nr + 1, rl->alloc);
		ret = ht_run_parse(&rl->runs[rl->nr], it);
		if (ret)
			return ret;
		rl->nr++;
	}
	return 0;
}

/* What reading a sync's runs needs. */
struct reader {
	struct wsremote *w;
	struct ht_strbuf path; /* /syncs/<id>/runs */
	size_t page;           /* runs a page */
};

/* A page at `offset`; `*full` when it is full and says there are more. */
static int read_page(struct reader *rd, struct ht_page *out, size_t offset,
		     size_t limit, int *full)
{
	int ret;

	ht_page_release(out);
	ret = ht_client_list_page(rd->w->client, out, rd->path.buf, NULL,
				  offset, limit, "createdAt");
	if (full)
		*full = !ret && json_array_size(out->items) == limit &&
			out->has_more != 0;
	return ret;
}

/*
 * 1 when rl->runs go oldest first, -1 newest first, 0 neither (a time
 * missing, or all the same).
 */
static int direction(const struct runlist *rl)
{
	int up = 0, down = 0;
	size_t i;

	for (i = 1; i < rl->nr; i++) {
		int64_t a = rl->runs[i - 1].created_ms;
		int64_t b = rl->runs[i].created_ms;

		if (a < 0 || b < 0)
			return 0;
		up += b > a;
		down += b < a;
	}
	return up && !down ? 1 : down && !up ? -1 : 0;
}

/*
 * 1 when the runs from `from` on still go in direction `dir` (1 oldest
 * first, -1 newest first), after the run before them if any: a server
 * that follows no order can make a first page look ordered.
 */
static int still_in_order(const struct runlist *rl, size_t from, int dir)
{
	size_t i;

	for (i = from ? from : 1; i < rl->nr; i++) {
		int64_t a = rl->runs[i - 1].created_ms;
		int64_t b = rl->runs[i].created_ms;

		if (a < 0 || b < 0 || (dir > 0 ? b < a : b > a))
			return 0;
	}
	return 1;
}

/*
 * The pages after the first (from `offset`): newest first (`dir` -1),
 * until `want` runs as long as they keep that order; else every page.
 */
static int read_on(struct reader *rd, struct runlist *rl, size_t offset,
		   size_t want, int dir)
{
	struct ht_page page = HT_PAGE_INIT;
	int full = 1, ret = 0;
	size_t before;

	if (dir >= 0)
		want = SIZE_MAX;
	while (!ret && full && rl->nr < want) {
		ret = read_page(rd, &page, offset, rd->page, &full);
		before = rl->nr;
		if (!ret)
			ret = runlist_add(rl, page.items);
		if (!ret && dir < 0 && !still_in_order(rl, before, dir))
			want = SIZE_MAX;
		offset += json_array_size(page.items);
	}
	ht_page_release(&page);
	return ret;
}

/*
 * Oldest first, the first page full: find the last page (at `*end`,
 * into `last`) by doubling, then halving, offsets of whole pages.
 */
static int find_end(struct reader *rd, struct ht_page *last, size_t *end)
{
	size_t lo = 0, hi = rd->page, mid, at;
	int full = 1, ret = 0;

	while (!ret && full) {
		ret = read_page(rd, last, hi, rd->page, &full);
		if (!ret && full) {
			lo = hi;
			hi *= 2;
		}
	}
	at = hi; /* the offset of the page in `last` */
	while (!ret && hi - lo > rd->page) {
		mid = lo + (hi - lo) / rd->page / 2 * rd->page;
		ret = read_page(rd, last, mid, rd->page, &full);
		at = mid;
		if (full)
			lo = mid;
		else
			hi = mid;
	}
	if (!ret && at != hi)
		ret = read_page(rd, last, hi, rd->page, NULL);
	*end = hi;
	return ret;
}

/*
 * Oldest first: the last `want` runs, in place of the first page's in
 * `rl` when they keep that order after them; else `rl` stays as it was
 * and `*ordered` is cleared.
 */
static int read_tail(struct reader *rd, struct runlist *rl, size_t want,
		     int *ordered)
{
	struct ht_page last = HT_PAGE_INIT, page = HT_PAGE_INIT;
	struct runlist tail = { NULL, 0, 0 };
	int64_t first_last = rl->runs[rl->nr - 1].created_ms;
	size_t end, total, from, start, n, first_nr = rl->nr;
	int ret;

	*ordered = 1;
	ret = find_end(rd, &last, &end);
	if (ret)
		goto cleanup;
	total = end + json_array_size(last.items);
	from = start = total > want ? total - want : 0;
	for (; !ret && from < end; from += n) {
		n = end - from < rd->page ? end - from : rd->page;
		ret = read_page(rd, &page, from, n, NULL);
		if (!ret)
			ret = runlist_add(&tail, page.items);
	}
	if (!ret)
		ret = runlist_add(&tail, last.items);
	/* direction() saw every time of the first page */
	if (!ret && start >= first_nr && tail.nr &&
	    tail.runs[0].created_ms < first_last)
		*ordered = 0;
	if (!ret && !still_in_order(&tail, 0, 1))
		*ordered = 0;
	if (!ret && *ordered) {
		runlist_release(rl);
		*rl = tail;
		memset(&tail, 0, sizeof(tail));
	}
cleanup:
	runlist_release(&tail);
	ht_page_release(&last);
	ht_page_release(&page);
	return ret;
}

/* The newest `want` runs of sync `sync_id`, newest first. */
static int read_newest(struct wsremote *w, struct runlist *rl,
		       int64_t sync_id, size_t want)
{
	struct reader rd = { w, HT_STRBUF_INIT, w->client_cfg.page_size };
	struct ht_page first = HT_PAGE_INIT;
	int full = 0, ordered, dir, ret;

	ht_strbuf_addf(&rd.path, "/syncs/%" PRId64 "/runs", sync_id);
	ret = read_page(&rd, &first, 0, rd.page, &full);
	if (!ret)
		ret = runlist_add(rl, first.items);
	if (ret || !full)
		goto cleanup;
	dir = direction(rl);
	if (dir > 0) {
		ret = read_tail(&rd, rl, want, &ordered);
		if (!ret && !ordered)
			ret = read_on(&rd, rl, rl->nr, SIZE_MAX, 0);
	} else {
		/* newest first: one page more, at least, to confirm it */
		ret = read_on(&rd, rl, rl->nr, want > rl->nr ? want :
				rl->nr + 1, dir);
	}
cleanup:
	if (!ret) {
		ht_runs_sort_newest(rl->runs, rl->nr);
		while (rl->nr > want)
			ht_run_release(&rl->runs[--rl->nr]);
	}
	ht_page_release(&first);
	ht_strbuf_release(&rd.path);
	return ret;
}

int runs_get(struct wsremote *w, struct ht_run *out, int64_t sync_id,
	     int64_t run_id)
{
	struct ht_strbuf path = HT_STRBUF_INIT, query = HT_STRBUF_INIT;
	struct ht_page page = HT_PAGE_INIT;
	json_t *it;
	size_t i;
	int ret;

	ht_strbuf_addf(&path, "/syncs/%" PRId64 "/runs", sync_id);
	ht_strbuf_addf(&query, "runId=%" PRId64, run_id);
	ret = ht_client_list_page(w->client, &page, path.buf, query.buf, 0,
				  1, NULL);
	if (ret)
		goto cleanup;
	ret = HT_ENOTFOUND;
	json_array_foreach(page.items, i, it) {
		int64_t id;

		if (ht_json_get_id(&id, it, "id") || id != run_id)
			continue;
		ret = ht_run_parse(out, it);
		goto cleanup;
	}
	ht_error_set(ret, "run %" PRId64 " of sync %" PRId64 " is not listed",
		     run_id, sync_id);
cleanup:
	ht_page_release(&page);
	ht_strbuf_release(&path);
	ht_strbuf_release(&query);
	return ret;
}

void runs_rows_text(struct ht_strbuf *out, const struct ht_run *r)
{
	ht_strbuf_addf(out, "%" PRId64 " planned, %" PRId64 " successful, "
		       "%" PRId64 " failed", ht_run_rows_total(&r->planned),
		       ht_run_rows_total(&r->successful),
		       ht_run_rows_total(&r->failed));
}

static int64_t runs_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/*
 * The table
 */

enum column {
	COL_RUN,
	COL_STATUS,
	COL_STARTED,
	COL_DURATION,
	COL_PLANNED,
	COL_SUCCESSFUL,
	COL_FAILED,
	COL_ERROR,
	COL__COUNT
};

static const char *const headers[COL__COUNT] = {
	"RUN", "STATUS", "STARTED", "DURATION", "PLANNED", "SUCCESSFUL",
	"FAILED", "ERROR",
};

/* "2024-05-01T10:00:00Z" (no milliseconds), or "-". */
static void add_time(struct ht_strbuf *out, int64_t ms)
{
	char buf[HT_TIME_LEN];

	if (ms < 0) {
		ht_strbuf_addstr(out, "-");
		return;
	}
	ht_time_format(buf, ms);
	ht_strbuf_addf(out, "%.19sZ", buf);
}

static void cells(struct ht_strbuf *c, const struct ht_run *r, int64_t now)
{
	ht_strbuf_addf(&c[COL_RUN], "%" PRId64, r->id);
	ht_strbuf_addstr(&c[COL_STATUS], r->status_name);
	add_time(&c[COL_STARTED], r->started_ms);
	ht_duration_format(&c[COL_DURATION], ht_run_duration_ms(r, now));
	ht_strbuf_addf(&c[COL_PLANNED], "%" PRId64,
		       ht_run_rows_total(&r->planned));
	ht_strbuf_addf(&c[COL_SUCCESSFUL], "%" PRId64,
		       ht_run_rows_total(&r->successful));
	ht_strbuf_addf(&c[COL_FAILED], "%" PRId64,
		       ht_run_rows_total(&r->failed));
	if (r->error)
		ht_client_sanitize(&c[COL_ERROR], r->error, strlen(r->error),
				   NULL, ERROR_WIDTH);
}

static void print_row(struct ht_strbuf *c, const size_t *width)
{
	struct ht_strbuf line = HT_STRBUF_INIT;
	int i;

	for (i = 0; i < COL__COUNT; i++) {
		/* numbers to the right, text to the left */
		int right = i == COL_RUN || i == COL_PLANNED ||
			    i == COL_SUCCESSFUL || i == COL_FAILED;

		if (i)
			ht_strbuf_addstr(&line, "  ");
		if (i == COL__COUNT - 1)
			ht_strbuf_addstr(&line, c[i].buf);
		else
			ht_strbuf_addf(&line, right ? "%*s" : "%-*s",
				       (int)width[i], c[i].buf);
	}
	while (line.len && line.buf[line.len - 1] == ' ')
		ht_strbuf_setlen(&line, line.len - 1);
	printf("%s\n", line.buf);
	ht_strbuf_release(&line);
}

static void print_table(const struct runlist *rl)
{
	struct ht_strbuf *c = ht_xcalloc((rl->nr + 1) * COL__COUNT, sizeof(*c));
	size_t width[COL__COUNT] = { 0 }, i;
	int64_t now = runs_now_ms();
	int j;

	for (i = 0; i < (rl->nr + 1) * COL__COUNT; i++)
		ht_strbuf_init(&c[i], 0);
	for (j = 0; j < COL__COUNT; j++)
		ht_strbuf_addstr(&c[j], headers[j]);
	for (i = 0; i < rl->nr; i++)
		cells(&c[(i + 1) * COL__COUNT], &rl->runs[i], now);
	for (i = 0; i < (rl->nr + 1) * COL__COUNT; i++)
		if (c[i].len > width[i % COL__COUNT])
			width[i % COL__COUNT] = c[i].len;
	for (i = 0; i <= rl->nr; i++)
		print_row(&c[i * COL__COUNT], width);
	for (i = 0; i < (rl->nr + 1) * COL__COUNT; i++)
		ht_strbuf_release(&c[i]);
	free(c);
}

static int print_json(const struct runlist *rl)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	json_t *all = json_array();
	size_t i;
	int ret;

	for (i = 0; i < rl->nr; i++)
		json_array_append(all, rl->runs[i].json);
	ret = ht_json_dump(&sb, all);
	if (!ret)
		printf("%s\n", sb.buf);
	json_decref(all);
	ht_strbuf_release(&sb);
	return ret;
}

/* --format: 1 for json, 0 for text, or an error. */
int format_is_json(const char *format)
{
	if (!format || !strcmp(format, "text"))
		return 0;
	if (!strcmp(format, "json"))
		return 1;
	return ht_error_set(HT_EINVALID, "unknown format '%s' (text or "
			    "json)", format);
}

int cmd_runs(int argc, char **argv)
{
	struct runlist rl = { NULL, 0, 0 };
	struct sync_name name;
	struct wsremote w;
	const char *remote = NULL, *format = NULL;
	unsigned count = 10;
	int json = 0, ret;
	const struct ht_option options[] = {
		HT_OPT_STRING(0, "remote", &remote, "<name>",
			      "the workspace remote (default: the only one)"),
		HT_OPT_UNSIGNED_RANGE('n', NULL, &count, "<count>",
				      "the newest <count> runs (default 10)",
				      1, 1000),
		HT_OPT_STRING(0, "format", &format, "<fmt>",
			      "text (default) or json: the API's runs"),
		HT_OPT_END(),
	};

	memset(&name, 0, sizeof(name));
	ret = ht_options_parse(&argc, (const char **)argv, options, 0);
	if (!ret && (json = format_is_json(format)) < 0)
		ret = json;
	if (!ret && argc != 1)
		ret = argc ? ht_error_set(HT_EINVALID, "name one sync") :
			     HT_OPTIONS_USAGE;
	if (ret)
		return ht_options_status(ret, runs_usage, options,
					 EXIT_TROUBLE);
	ret = wsremote_open(&w, remote);
	if (!ret)
		ret = resolve_syncs(&w, (const char *const *)argv, 1, &name);
	if (!ret)
		ret = read_newest(&w, &rl, name.id, count);
	if (!ret && json)
		ret = print_json(&rl);
	else if (!ret)
		print_table(&rl);
	wsremote_settle(&w, ret);
	sync_names_release(&name, 1);
	runlist_release(&rl);
	wsremote_close(&w);
	return ret;
}
