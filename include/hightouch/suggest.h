#ifndef HIGHTOUCH_SUGGEST_H
#define HIGHTOUCH_SUGGEST_H

/*
 * "Did you mean ...?": the names nearest to a misspelt one, by edit
 * distance, for the messages about a name that means nothing (an unknown
 * field, a reference that resolves to nothing).
 *
 *	struct ht_suggest s;
 *
 *	ht_suggest_init(&s, "primarKey");
 *	for (i = 0; i < info->nfields; i++)
 *		ht_suggest_add(&s, info->fields[i].name);
 *	ht_suggest_one(&s) is "primaryKey"
 *
 * A candidate is near when its distance to the word is at most a third of
 * the word's length, and at least 1, at most 2: "nmae" and "name" (one
 * swap), not "to" and "from".  The candidates come from the tables that
 * hold the names (the kinds table, the schedule's vocabulary, the
 * manifest); the strings are borrowed, and must outlive the struct.
 */

#include <stddef.h>

#include "hightouch/strbuf.h"

/* The most near candidates kept (and listed). */
#define HT_SUGGEST_MAX 3

struct ht_suggest {
	const char *word; /* the misspelt name (borrowed) */
	size_t max;       /* the largest distance that is near */
	int exact;        /* a candidate is the word itself */
	size_t ties;      /* candidates at the smallest distance, all of them */
	/* the nearest candidates, nearest first, then bytewise */
	size_t nr;
	const char *near[HT_SUGGEST_MAX];
	size_t dist[HT_SUGGEST_MAX];
};

/*
 * The edit distance between `a` and `b`: insertions, deletions,
 * substitutions and swaps of two neighbouring bytes count one each (the
 * optimal string alignment distance).  Stops early, returning `max + 1`,
 * once it is known to be larger than `max`.
 */
size_t ht_edit_distance(const char *a, const char *b, size_t max);

void ht_suggest_init(struct ht_suggest *s, const char *word);
/* Weigh one candidate; the same string twice counts once. */
void ht_suggest_add(struct ht_suggest *s, const char *candidate);
/* Every string of a NULL-terminated list. */
void ht_suggest_add_list(struct ht_suggest *s, const char *const *list);

/*
 * The nearest candidate when no other is as near, and the word is none of
 * them; NULL otherwise.  For a name that must be one of a kind's few
 * (fields): a guess only when it is unambiguous.
 */
const char *ht_suggest_one(const struct ht_suggest *s);

/*
 * Append " (did you mean 'x'?)" naming ht_suggest_one(), or, with `all`,
 * every near candidate kept: " (did you mean 'a', 'b' or 'c'?)"; each
 * name after `prefix` (NULL: none), as "schedule." in
 * 'schedule.type'.  Appends nothing when there is none (or, without
 * `all`, no single one).
 */
void ht_suggest_hint(struct ht_strbuf *out, const struct ht_suggest *s,
		     const char *prefix, int all);

#endif
