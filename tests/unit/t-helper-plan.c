/*
 * Unit tests for the remote helper's planning (remote-helper/plan.c,
 * lists.c, listing_order()): API items into changes, in commit order,
 * against an in-memory state.  Linked with the helper's objects (the
 * Makefile does so for t-helper-*.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hightouch/error.h"
#include "hightouch/json.h"

#include "../../remote-helper/import.h"

struct fixture {
	struct state s;
	struct import im;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->s.lock_fd = -1;
	fx->s.schema = 1;
	fx->s.map_loaded = 1;
	fx->im.s = &fx->s;
	fx->im.schema = 1;
	fx->im.nlists = listing_order(fx->im.order, 1);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	for (i = 0; i < HT_KIND__COUNT; i++)
		listing_release(&fx->im.lists[i]);
	for (i = 0; i < fx->im.nr; i++) {
		json_decref(fx->im.changes[i].json);
		free(fx->im.changes[i].slug);
		free(fx->im.changes[i].old_slug);
	}
	free(fx->im.changes);
	state_release(&fx->s);
	free(fx);
	return 0;
}

/* Add an item to the listing of `list` (JSON text of the item). */
static void item(struct fixture *fx, enum ht_kind list, int64_t id,
		 int64_t ms, const char *fmt, ...)
{
	struct listing *l = &fx->im.lists[list];
	struct ht_strbuf sb = HT_STRBUF_INIT;
	json_error_t err;
	va_list ap;

	va_start(ap, fmt);
	ht_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	l->list = list;
	if (l->nr == l->alloc) {
		l->alloc = l->alloc * 2 + 4;
		l->items = realloc(l->items, l->alloc * sizeof(*l->items));
		assert_non_null(l->items);
	}
	l->items[l->nr].json = json_loads(sb.buf, 0, &err);
	assert_non_null(l->items[l->nr].json);
	l->items[l->nr].id = id;
	l->items[l->nr].updated_ms = ms;
	l->nr++;
	ht_strbuf_release(&sb);
}

static void test_order(void **state)
{
	static const enum ht_kind first[] = {
		HT_KIND_SOURCE, HT_KIND_DESTINATION, HT_KIND_PARENT_MODEL,
		HT_KIND_RELATED_MODEL, HT_KIND_EVENT_MODEL, HT_KIND_MODEL,
		HT_KIND_RELATIONSHIP, HT_KIND_SYNC,
	};
	enum ht_kind out[HT_KIND__COUNT];
	size_t n, i;

	(void)state;
	n = listing_order(out, 0);
	assert_int_equal(n, sizeof(first) / sizeof(first[0]));
	for (i = 0; i < n; i++)
		assert_int_equal(out[i], first[i]);
	n = listing_order(out, 1);
	for (i = 0; i < n; i++)
		assert_int_equal(out[i], first[n - 1 - i]);
}

static void test_plan_item(void **state)
{
	struct fixture *fx = *state;
	struct import *im = &fx->im;
	struct change *c;

	item(fx, HT_KIND_MODEL, 7, 1000, "{\"id\":7,\"slug\":\"users\"}");
	assert_int_equal(plan_item(im, HT_KIND_MODEL,
				   &im->lists[HT_KIND_MODEL].items[0], &c), 0);
	assert_non_null(c);
	assert_int_equal(c->kind, HT_KIND_MODEL);
	assert_int_equal(c->table, HT_IDS_MODEL);
	assert_int_equal(c->old_kind, HT_KIND__COUNT);
	assert_string_equal(c->slug, "users");
	assert_int_equal(c->updated_ms, 1000);
	assert_int_equal(im->newest_ms, 1000);
	assert_non_null(state_find(&fx->s, HT_IDS_MODEL, 7));

	/* as the state has it: nothing to do */
	assert_int_equal(plan_item(im, HT_KIND_MODEL,
				   &im->lists[HT_KIND_MODEL].items[0], &c), 0);
	assert_null(c);

	/* renamed: the change knows the old slug */
	item(fx, HT_KIND_MODEL, 7, 2000, "{\"id\":7,\"slug\":\"people\"}");
	assert_int_equal(plan_item(im, HT_KIND_MODEL,
				   &im->lists[HT_KIND_MODEL].items[1], &c), 0);
	assert_non_null(c);
	assert_string_equal(c->slug, "people");
	assert_string_equal(c->old_slug, "users");
	assert_int_equal(c->old_kind, HT_KIND_MODEL);

	/* no usable slug: the server's fault, named */
	item(fx, HT_KIND_MODEL, 8, 2000, "{\"id\":8,\"slug\":\"a b\"}");
	assert_int_equal(plan_item(im, HT_KIND_MODEL,
				   &im->lists[HT_KIND_MODEL].items[2], &c),
			 HT_EHTTP);
	assert_non_null(strstr(ht_error_message(), "model 8 has an invalid "
					   "slug"));
	ht_error_clear();
}

static void test_audiences(void **state)
{
	struct fixture *fx = *state;
	struct import *im = &fx->im;
	struct change *c;

	item(fx, HT_KIND_MODEL, 3, 10, "{\"id\":3,\"slug\":\"vips\","
	     "\"queryType\":\"visual\"}");
	item(fx, HT_KIND_SYNC, 4, 20, "{\"id\":4,\"slug\":\"vips-out\","
	     "\"modelId\":3,\"destinationId\":1}");
	assert_int_equal(plan_item(im, HT_KIND_MODEL,
				   &im->lists[HT_KIND_MODEL].items[0], &c), 0);
	assert_non_null(c);
	assert_int_equal(c->kind, HT_KIND__COUNT);
	assert_int_equal(plan_item(im, HT_KIND_SYNC,
				   &im->lists[HT_KIND_SYNC].items[0], &c), 0);
	assert_non_null(c);
	assert_int_equal(c->kind, HT_KIND__COUNT);
	count_files(im);
	assert_int_equal(im->skipped[0], 1);
	assert_int_equal(im->skipped[1], 1);
}

static void test_schema_models(void **state)
{
	struct fixture *fx = *state;
	struct import *im = &fx->im;
	struct change *c;

	/* its schema list first, then /models has it too: one change */
	item(fx, HT_KIND_PARENT_MODEL, 5, 10, "{\"id\":5,\"slug\":\"people\","
	     "\"isSchema\":true}");
	item(fx, HT_KIND_MODEL, 5, 10, "{\"id\":5,\"slug\":\"people\","
	     "\"isSchema\":true}");
	assert_int_equal(plan_item(im, HT_KIND_PARENT_MODEL,
				   &im->lists[HT_KIND_PARENT_MODEL].items[0],
				   &c), 0);
	assert_non_null(c);
	assert_int_equal(c->kind, HT_KIND_PARENT_MODEL);
	assert_int_equal(plan_item(im, HT_KIND_MODEL,
				   &im->lists[HT_KIND_MODEL].items[0], &c), 0);
	assert_null(c);
	assert_int_equal(state_find(&fx->s, HT_IDS_MODEL, 5)->kind,
			 HT_KIND_PARENT_MODEL);
	assert_true(is_schema_kind(HT_KIND_EVENT_MODEL));
	assert_false(is_schema_kind(HT_KIND_MODEL));
	assert_false(is_schema_kind(HT_KIND_RELATIONSHIP));
}

static void test_item_refs(void **state)
{
	static const char rel[] = "{\"id\":1,\"fromModelId\":3,"
				  "\"toModelId\":\"4\"}";
	json_t *j = json_loads(rel, 0, NULL);
	int64_t ids[4];

	(void)state;
	assert_int_equal(item_refs(HT_KIND_RELATIONSHIP, j, HT_IDS_MODEL,
				   ids, 4), 2);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 4);
	assert_int_equal(item_refs(HT_KIND_RELATIONSHIP, j, HT_IDS_SOURCE,
				   ids, 4), 0);
	assert_int_equal(item_refs(HT_KIND_RELATIONSHIP, j, HT_IDS_MODEL,
				   ids, 1), 1);
	json_decref(j);
}

/*
 * Oldest first; at one instant by the rank of the id space (sources,
 * destinations, models, relationships, syncs), then by id; deletions
 * (found by a whole listing) last, by slug.
 */
static void test_plan_all_order(void **state)
{
	struct fixture *fx = *state;
	struct import *im = &fx->im;
	static const char *const want[] = {
		"s-late", "src", "dst", "m1", "m2", "rel", "sync", "gone-a",
		"gone-b",
	};
	size_t i;

	state_set(&fx->s, HT_IDS_MODEL, 90, HT_KIND_MODEL, 5, "gone-b");
	state_set(&fx->s, HT_IDS_MODEL, 91, HT_KIND_MODEL, 5, "gone-a");
	item(fx, HT_KIND_SYNC, 1, 100, "{\"id\":1,\"slug\":\"sync\"}");
	item(fx, HT_KIND_RELATIONSHIP, 1, 100, "{\"id\":1,\"slug\":\"rel\"}");
	item(fx, HT_KIND_MODEL, 2, 100, "{\"id\":2,\"slug\":\"m2\"}");
	item(fx, HT_KIND_MODEL, 1, 100, "{\"id\":1,\"slug\":\"m1\"}");
	item(fx, HT_KIND_DESTINATION, 1, 100, "{\"id\":1,\"slug\":\"dst\"}");
	item(fx, HT_KIND_SOURCE, 1, 100, "{\"id\":1,\"slug\":\"src\"}");
	item(fx, HT_KIND_SOURCE, 2, 50, "{\"id\":2,\"slug\":\"s-late\"}");
	im->lists[HT_KIND_MODEL].full = 1; /* 90 and 91 are gone */
	assert_int_equal(plan_all(im), 0);
	assert_int_equal(im->nr, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < im->nr; i++)
		assert_string_equal(im->changes[i].slug, want[i]);
	assert_null(im->changes[im->nr - 1].json);
	assert_null(state_find(&fx->s, HT_IDS_MODEL, 90));
	assert_int_equal(im->newest_ms, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test_setup_teardown(test_plan_item, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_audiences, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_schema_models, setup,
						teardown),
		cmocka_unit_test(test_item_refs),
		cmocka_unit_test_setup_teardown(test_plan_all_order, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("helper-plan", tests, NULL, NULL);
}
