/*
 * Diagnostics lists (see diag.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/diag.h"

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

static int cmp_diag(const void *va, const void *vb)
{
	const struct ht_diag *a = va, *b = vb;
	int c = strcmp(a->path, b->path);

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void ht_diags_sort(struct ht_diags *d)
{
	size_t i, j;

	/*
	 * Insertion sort: stable, so findings at one position keep the
	 * order in which the rules found them; lists are short.
	 */
	for (i = 1; i < d->nr; i++) {
		struct ht_diag tmp = d->items[i];

		for (j = i; j > 0 && cmp_diag(&d->items[j - 1], &tmp) > 0; j--)
			d->items[j] = d->items[j - 1];
		d->items[j] = tmp;
	}
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
	ht_strbuf_addf(out, "%s:%u:%u: %s: %s [%s]", diag->path, diag->line,
		       diag->col,
		       diag->severity == HT_SEV_ERROR ? "error" : "warning",
		       diag->message, diag->rule);
}
