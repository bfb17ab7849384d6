/*
 * Which lists an import reads, and which it reads again.
 *
 * A fetch first probes each list (listing_probe(): one request when it is
 * as the state says), then reads what changed from each list's newest end
 * (listing_fetch()), the lists that refer first (by rank, kinds.h), so
 * that whatever a resource refers to is read after it: a resource created
 * meanwhile still finds what it names.  A first import reads them the
 * other way round (see first.c).
 *
 * The lists are not read at one instant, so a fetch may still miss what
 * an item names: fetch_dependents() and reread_referred() read such lists
 * again.
 */
#include <inttypes.h>
#include <string.h>

#include "hightouch/json.h"

#include "import.h"

int list_wanted(struct import *im, enum ht_kind list)
{
	return !ht_kind_info(list)->extension || im->schema;
}

void schema_unavailable(struct import *im)
{
	size_t i;

	/*
	 * Said once per remote, the first time: the real API has no schema
	 * endpoints, so it is what every clone from it meets, not a fault.
	 */
	if (im->schema && im->s->schema != 0)
		say(1, "Schema sync is unavailable on this server ('%s' has "
		    "no /schema endpoints): the Customer Studio schema is not "
		    "fetched", im->o->url->authority);
	im->schema = 0;
	for (i = 0; i < HT_KIND__COUNT; i++)
		if (ht_kind_info((enum ht_kind)i)->extension)
			listing_release(&im->lists[i]);
}

/* The probes made at `list` (first_request), taken for the import. */
static void take_probes(struct import *im)
{
	struct first_request *fr = im->o->first;
	size_t i;

	for (i = 0; fr && fr->probe && i < HT_KIND__COUNT; i++) {
		if (!fr->lists[i].probed)
			continue;
		trace("listing", "%s: probed at 'list'",
		      ht_kind_info((enum ht_kind)i)->name);
		listing_release(&im->lists[i]);
		im->lists[i] = fr->lists[i];
		memset(&fr->lists[i], 0, sizeof(fr->lists[i]));
		fr->lists[i].probe.has_more = -1;
	}
}

int probe_all(struct import *im, int *changed)
{
	int schema = im->schema, ret;

	take_probes(im);
	ret = listing_probe_lists(&im->lctx, im->lists, im->order, im->nlists,
				  &schema, changed);
	if (!schema && im->schema)
		schema_unavailable(im);
	return ret;
}

int fetch_all(struct import *im)
{
	enum ht_kind first_order[HT_KIND__COUNT];
	size_t i;
	int ret;

	listing_order(first_order, 0);
	for (i = 0; i < im->nlists; i++) {
		enum ht_kind list = im->first ? first_order[i] : im->order[i];
		struct listing *l = &im->lists[list];

		if (!list_wanted(im, list))
			continue;
		if (l->same) {
			im->stale[list] = 1; /* as probed, before the others */
			continue;
		}
		ret = listing_fetch(&im->lctx, l, list, im->full);
		if (ret < 0)
			return ret;
		if (l->unavailable)
			schema_unavailable(im);
	}
	return 0;
}

/* Which id spaces have a resource whose slug changed in this fetch. */
static void renamed_spaces(struct import *im, int renamed[HT_IDS__COUNT])
{
	size_t i, j;

	for (i = 0; i < im->nlists; i++) {
		const struct listing *l = &im->lists[im->order[i]];

		for (j = 0; j < l->nr; j++) {
			struct resource *r = state_find(im->s,
							ht_kind_ids(l->list),
							l->items[j].id);
			const char *slug = ht_json_get_string(l->items[j].json,
							      "slug");

			if (r && slug && strcmp(r->slug, slug))
				renamed[r->table] = 1;
		}
	}
}

/* 1 if files of `list` refer to an id space marked in `spaces`. */
static int refers_to_any(enum ht_kind list, const int spaces[HT_IDS__COUNT])
{
	int t;

	for (t = 0; t < HT_IDS__COUNT; t++)
		if (spaces[t] && ht_kind_refers_to(list, (enum ht_ids)t))
			return 1;
	return 0;
}

/*
 * A renamed source, destination or model changes the files of those that
 * refer to it, whose own items did not change: read their lists whole.
 */
int fetch_dependents(struct import *im)
{
	int renamed[HT_IDS__COUNT] = { 0 };
	size_t i, j;
	int ret;

	renamed_spaces(im, renamed);
	for (i = 0; i < im->nlists; i++) {
		enum ht_kind list = im->order[i];
		struct listing *l = &im->lists[list];

		if (!refers_to_any(list, renamed) || l->full ||
		    !list_wanted(im, list))
			continue;
		trace("import", "%s: reading the whole list for a rename",
		      ht_kind_name(list));
		listing_release(l);
		ret = listing_fetch(&im->lctx, l, list, 1);
		if (ret < 0)
			return ret;
		/* what it refers to was read before it, this time */
		for (j = 0; j < im->nlists; j++)
			if (ht_kind_refers_to(list, ht_kind_ids(im->order[j])))
				im->stale[im->order[j]] = 1;
	}
	return 0;
}

/* 1 if resource `id` of `table` is neither in the state nor listed now. */
static int unknown_id(struct import *im, enum ht_ids table, int64_t id)
{
	size_t i, j;

	if (state_find(im->s, table, id))
		return 0;
	for (i = 0; i < im->nlists; i++) {
		const struct listing *l = &im->lists[im->order[i]];

		if (ht_kind_ids(l->list) != table)
			continue;
		for (j = 0; j < l->nr; j++)
			if (l->items[j].id == id)
				return 0;
	}
	return 1;
}

/* 1 if an item listed now refers to a resource of `table` not known. */
static int refers_to_unknown(struct import *im, enum ht_ids table)
{
	int64_t ids[HT_KIND__COUNT];
	size_t i, j, k, n;

	for (i = 0; i < im->nlists; i++) {
		const struct listing *l = &im->lists[im->order[i]];

		if (!ht_kind_refers_to(l->list, table))
			continue;
		for (j = 0; j < l->nr; j++) {
			n = item_refs(l->list, l->items[j].json, table, ids,
				      HT_KIND__COUNT);
			for (k = 0; k < n; k++) {
				if (!unknown_id(im, table, ids[k]))
					continue;
				trace("import", "%s %" PRId64 " refers to %s %"
				      PRId64 ", not listed",
				      ht_kind_name(l->list), l->items[j].id,
				      ht_ids_name(table), ids[k]);
				return 1;
			}
		}
	}
	return 0;
}

/* 1 if a schema list read now has the model `id`. */
static int in_schema_list(struct import *im, int64_t id)
{
	size_t i, k;

	for (i = 0; i < im->nlists; i++) {
		const struct listing *l = &im->lists[im->order[i]];

		if (!is_schema_kind(l->list))
			continue;
		for (k = 0; k < l->nr; k++)
			if (l->items[k].id == id)
				return 1;
	}
	return 0;
}

/*
 * 1 if /models, as read now, has a model of the schema, new or changed,
 * that no schema list read now has: one made or changed after a schema
 * list was probed.
 */
static int schema_model_unlisted(struct import *im)
{
	enum ht_kind all = ht_ids_kind(HT_IDS_MODEL);
	struct listing *models = &im->lists[all];
	size_t i;

	for (i = 0; i < models->nr; i++) {
		int64_t id = models->items[i].id;
		struct resource *r = state_find(im->s, HT_IDS_MODEL, id);

		if (!is_schema_model(models->items[i].json))
			continue;
		if (r && is_schema_kind(r->kind) &&
		    r->updated_ms == models->items[i].updated_ms)
			continue; /* as the state has it */
		if (!in_schema_list(im, id)) {
			trace("import", "model %" PRId64 " is of the schema, "
			      "not listed", id);
			return 1;
		}
	}
	return 0;
}

/* Read `list` again, from what the state has, if it is stale. */
static int reread(struct import *im, enum ht_kind list)
{
	struct listing *l = &im->lists[list];
	int ret;

	if (!im->stale[list] || !list_wanted(im, list))
		return 0;
	trace("import", "%s: reading the list again for what was made "
	      "after it was read", ht_kind_name(list));
	listing_release(l);
	ret = listing_fetch(&im->lctx, l, list, 0);
	if (ret < 0)
		return ret;
	im->stale[list] = 0;
	if (l->unavailable)
		schema_unavailable(im);
	return 0;
}

/* Read the schema lists again when /models has what they have not. */
static int reread_schema(struct import *im)
{
	int k, ret = 0;

	if (!im->schema || !schema_model_unlisted(im))
		return 0;
	for (k = 0; k < HT_KIND__COUNT && !ret; k++)
		if (is_schema_kind((enum ht_kind)k))
			ret = reread(im, (enum ht_kind)k);
	return ret;
}

/*
 * An incremental fetch reads a list after those that refer to it, except
 * a list the probes found unchanged (read, in effect, before them all)
 * and one read before fetch_dependents() read a list that refers to it
 * again: a resource made since, that a newer resource of those lists
 * refers to, is missing.  Read such "stale" lists again when an item
 * refers to what neither the state nor the lists have, referring lists
 * first, so that a model read again finds its source; and the schema lists
 * when /models has a model of the schema they have not.  A resource still
 * missing was deleted, and its referrer's file cannot be written: an
 * error, from commit.c.
 */
int reread_referred(struct import *im)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < im->nlists && !ret; i++) {
		enum ht_kind list = im->order[i];
		enum ht_ids t = ht_kind_ids(list);

		if (ht_ids_kind(t) != list)
			continue; /* a schema list: see reread_schema() */
		if (refers_to_unknown(im, t))
			ret = reread(im, list);
		if (!ret && t == HT_IDS_MODEL)
			ret = reread_schema(im);
	}
	return ret;
}
