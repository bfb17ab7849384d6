/*
 * Diagnostics lists (see diag.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/diag.h"
#include "hightouch/protocol.h"

void ht_diags_add(struct ht_diags *d, enum ht_severity sev, const char *path,
		  unsigned line, unsigned col, const char *rule,
		  const char *fmt, ...)
{
	struct ht_strbuf msg = HT_STRBUF_INIT;
	struct ht_diag *item;
	va_list ap;

	va_start(ap, fmt);
	ht_strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);

	HT_ALLOC_GROW(d->items, d->nr + 1, d->alloc);
	item = &d->items[d->nr++];
	item->path = ht_xstrdup(path ? path : "");
	item->line = line;
	item->col = col;
	item->severity = sev;
	item->rule = rule;
	item->message = ht_strbuf_detach(&msg, NULL);
	if (sev == HT_SEV_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
}

void ht_diags_add_ydiag(struct ht_diags *d, const char *path,
			const struct ht_ydiag *yd)
{
	ht_diags_add(d, HT_SEV_ERROR, path, yd->line, yd->col, yd->rule, "%s",
		     yd->message);
}

/* A finding and where it was in the list, for a stable sort. */
struct sorted_diag {
	struct ht_diag d;
	size_t seq;
};

static int cmp_sorted(const void *va, const void *vb)
{
	const struct sorted_diag *a = va, *b = vb;
	int r = strcmp(a->d.path, b->d.path);

	if (r)
		return r;
	if (a->d.line != b->d.line)
		return a->d.line < b->d.line ? -1 : 1;
	if (a->d.col != b->d.col)
		return a->d.col < b->d.col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void ht_diags_sort(struct ht_diags *d)
{
	struct sorted_diag *s;
	size_t i;

	/*
	 * Stable, so that findings at one position keep the order in which
	 * the rules found them; a check of many files can find many.
	 */
	if (d->nr < 2)
		return;
	s = ht_xcalloc(d->nr, sizeof(*s));
	for (i = 0; i < d->nr; i++) {
		s[i].d = d->items[i];
		s[i].seq = i;
	}
	qsort(s, d->nr, sizeof(*s), cmp_sorted);
	for (i = 0; i < d->nr; i++)
		d->items[i] = s[i].d;
	free(s);
}

static int same_place(const struct ht_diag *a, const struct ht_diag *b)
{
	return !strcmp(a->path, b->path) && a->line == b->line &&
	       a->col == b->col;
}

static int same_finding(const struct ht_diag *a, const struct ht_diag *b)
{
	return same_place(a, b) && a->severity == b->severity &&
	       !strcmp(a->rule, b->rule) && !strcmp(a->message, b->message);
}

void ht_diags_uniq(struct ht_diags *d)
{
	size_t i, j, first = 0, nr = 0;

	for (i = 0; i < d->nr; i++) {
		struct ht_diag *item = &d->items[i];
		int seen = 0;

		if (nr && !same_place(&d->items[first], item))
			first = nr;
		for (j = first; !seen && j < nr; j++)
			seen = same_finding(&d->items[j], item);
		if (!seen) {
			d->items[nr++] = *item;
			continue;
		}
		if (item->severity == HT_SEV_ERROR)
			d->nerrors--;
		else
			d->nwarnings--;
		free(item->path);
		free(item->message);
	}
	d->nr = nr;
}

void ht_diags_release(struct ht_diags *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		free(d->items[i].path);
		free(d->items[i].message);
	}
	free(d->items);
	d->items = NULL;
	d->nr = d->alloc = d->nerrors = d->nwarnings = 0;
}

void ht_diag_format(struct ht_strbuf *out, const struct ht_diag *diag)
{
	ht_diag_format_color(out, diag, "", "", "");
}

void ht_diag_format_color(struct ht_strbuf *out, const struct ht_diag *diag,
			  const char *color_locus, const char *color_severity,
			  const char *color_reset)
{
	struct ht_strbuf path = HT_STRBUF_INIT;

	ht_strbuf_addf(out, "%s%s:%u:%u:%s %s%s:%s %s [%s]", color_locus,
		       ht_quote_path(&path, diag->path), diag->line, diag->col,
		       color_reset, color_severity,
		       diag->severity == HT_SEV_ERROR ? "error" : "warning",
		       color_reset, diag->message, diag->rule);
	ht_strbuf_release(&path);
}
