/*
 * "Did you mean ...?" (see suggest.h).
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/suggest.h"

size_t ht_edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best, ret;
	size_t *block, *prev2, *prev, *row, *tmp;

	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	/* three rows of the matrix: i - 2, i - 1 and i */
	block = ht_xmalloc(
		ht_st_mult(ht_st_mult(ht_st_add(lb, 1), 3), sizeof(*block)));
	prev2 = block;
	prev = prev2 + lb + 1;
	row = prev + lb + 1;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		row[0] = best = i;
		for (j = 1; j <= lb; j++) {
			size_t d = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < d)
				d = prev[j] + 1;
			if (row[j - 1] + 1 < d)
				d = row[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			row[j] = d;
			if (d < best)
				best = d;
		}
		if (best > max) {
			ret = max + 1;
			goto cleanup;
		}
		tmp = prev2;
		prev2 = prev;
		prev = row;
		row = tmp;
	}
	ret = prev[lb];
cleanup:
	free(block);
	return ret > max ? max + 1 : ret;
}

void ht_suggest_init(struct ht_suggest *s, const char *word)
{
	size_t max = strlen(word) / 3;

	memset(s, 0, sizeof(*s));
	s->word = word;
	s->max = max < 1 ? 1 : max > 2 ? 2 : max;
}

void ht_suggest_add(struct ht_suggest *s, const char *candidate)
{
	size_t d, i, k;

	if (!strcmp(candidate, s->word)) {
		s->exact = 1;
		return;
	}
	for (i = 0; i < s->nr; i++)
		if (!strcmp(s->near[i], candidate))
			return;
	d = ht_edit_distance(s->word, candidate, s->max);
	if (d > s->max)
		return;
	if (!s->nr || d < s->dist[0])
		s->ties = 1;
	else if (d == s->dist[0])
		s->ties++;
	/* where it goes: by distance, then bytewise */
	for (k = 0; k < s->nr; k++)
		if (d < s->dist[k] ||
		    (d == s->dist[k] && strcmp(candidate, s->near[k]) < 0))
			break;
	if (k == HT_SUGGEST_MAX)
		return;
	if (s->nr < HT_SUGGEST_MAX)
		s->nr++;
	for (i = s->nr - 1; i > k; i--) {
		s->near[i] = s->near[i - 1];
		s->dist[i] = s->dist[i - 1];
	}
	s->near[k] = candidate;
	s->dist[k] = d;
}

void ht_suggest_add_list(struct ht_suggest *s, const char *const *list)
{
	for (; *list; list++)
		ht_suggest_add(s, *list);
}

const char *ht_suggest_one(const struct ht_suggest *s)
{
	if (s->exact || !s->nr || s->ties != 1)
		return NULL;
	return s->near[0];
}

void ht_suggest_hint(struct ht_strbuf *out, const struct ht_suggest *s,
		     const char *prefix, int all)
{
	size_t i, n = all ? s->nr : 1;

	if (!prefix)
		prefix = "";
	if (all ? s->exact || !s->nr : !ht_suggest_one(s))
		return;
	ht_strbuf_addstr(out, " (did you mean ");
	for (i = 0; i < n; i++)
		ht_strbuf_addf(out, "%s'%s%s'",
			       !i	     ? "" :
			       i + 1 < n ? ", " :
					   " or ",
			       prefix, s->near[i]);
	ht_strbuf_addstr(out, "?)");
}
