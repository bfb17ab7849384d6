/*
 * The YAML document tree: construction, lookup, comparison, freeing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/yaml.h"

static struct ht_ynode *new_node(enum ht_ynode_kind kind)
{
	struct ht_ynode *n = ht_xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->style = kind == HT_YNODE_SCALAR ? HT_YSTYLE_PLAIN : HT_YSTYLE_BLOCK;
	return n;
}

/*
 * A scalar and its bytes are one allocation (a parsed file has many small
 * scalars): `str` points just past the node, and ht_ynode_free() frees it
 * with the node.
 */
static struct ht_ynode *new_scalar(enum ht_ytype type, const char *s,
				   size_t len)
{
	struct ht_ynode *n;

	if (len > SIZE_MAX - sizeof(*n) - 1)
		HT_BUG("scalar of %zu bytes", len);
	n = ht_xmalloc(sizeof(*n) + len + 1);
	memset(n, 0, sizeof(*n));
	n->kind = HT_YNODE_SCALAR;
	n->style = HT_YSTYLE_PLAIN;
	n->type = type;
	n->str = (char *)(n + 1);
	memcpy(n->str, s, len);
	n->str[len] = '\0';
	n->len = len;
	return n;
}

struct ht_ynode *ht_ynode_new_null(void)
{
	return new_scalar(HT_YTYPE_NULL, "null", 4);
}

struct ht_ynode *ht_ynode_new_bool(int b)
{
	struct ht_ynode *n = b ? new_scalar(HT_YTYPE_BOOL, "true", 4)
			       : new_scalar(HT_YTYPE_BOOL, "false", 5);

	n->b = !!b;
	return n;
}

struct ht_ynode *ht_ynode_new_int(int64_t i)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lld", (long long)i);
	struct ht_ynode *n = new_scalar(HT_YTYPE_INT, buf, (size_t)len);

	n->i = i;
	return n;
}

struct ht_ynode *ht_ynode_new_float(double f)
{
	char buf[40];
	int len = snprintf(buf, sizeof(buf), "%.17g", f);
	struct ht_ynode *n = new_scalar(HT_YTYPE_FLOAT, buf, (size_t)len);

	n->f = f;
	return n;
}

struct ht_ynode *ht_ynode_new_str(const char *s, size_t len)
{
	return new_scalar(HT_YTYPE_STR, s, len);
}

struct ht_ynode *ht_ynode_new_cstr(const char *s)
{
	return new_scalar(HT_YTYPE_STR, s, strlen(s));
}

struct ht_ynode *ht_ynode_new_seq(void)
{
	return new_node(HT_YNODE_SEQ);
}

struct ht_ynode *ht_ynode_new_map(void)
{
	return new_node(HT_YNODE_MAP);
}

void ht_ynode_seq_push(struct ht_ynode *seq, struct ht_ynode *value)
{
	if (seq->kind != HT_YNODE_SEQ)
		HT_BUG("ht_ynode_seq_push() on a node that is not a sequence");
	HT_ALLOC_GROW(seq->items, seq->nitems + 1, seq->items_alloc);
	seq->items[seq->nitems++] = value;
}

void ht_ynode_map_add_node(struct ht_ynode *map, struct ht_ynode *key,
			   struct ht_ynode *value)
{
	if (map->kind != HT_YNODE_MAP)
		HT_BUG("ht_ynode_map_add() on a node that is not a mapping");
	if (key->kind != HT_YNODE_SCALAR)
		HT_BUG("ht_ynode_map_add() with a key that is not a scalar");
	HT_ALLOC_GROW(map->pairs, map->npairs + 1, map->pairs_alloc);
	map->pairs[map->npairs].key = key;
	map->pairs[map->npairs].value = value;
	map->npairs++;
}

void ht_ynode_map_add(struct ht_ynode *map, const char *key,
		      struct ht_ynode *value)
{
	ht_ynode_map_add_node(map, ht_ynode_new_cstr(key), value);
}

void ht_ynode_free(struct ht_ynode *node)
{
	size_t i;

	if (!node)
		return;
	for (i = 0; i < node->nitems; i++)
		ht_ynode_free(node->items[i]);
	for (i = 0; i < node->npairs; i++) {
		ht_ynode_free(node->pairs[i].key);
		ht_ynode_free(node->pairs[i].value);
	}
	free(node->items);
	free(node->pairs);
	if (node->str != (char *)(node + 1))
		free(node->str);
	free(node);
}

struct ht_ynode *ht_ynode_dup(const struct ht_ynode *node)
{
	struct ht_ynode *n;
	size_t i;

	if (!node)
		return NULL;
	if (node->kind == HT_YNODE_SCALAR && node->str)
		n = new_scalar(node->type, node->str, node->len);
	else
		n = new_node(node->kind);
	n->type = node->type;
	n->style = node->style;
	n->line = node->line;
	n->col = node->col;
	n->b = node->b;
	n->i = node->i;
	n->f = node->f;
	for (i = 0; i < node->nitems; i++)
		ht_ynode_seq_push(n, ht_ynode_dup(node->items[i]));
	for (i = 0; i < node->npairs; i++)
		ht_ynode_map_add_node(n, ht_ynode_dup(node->pairs[i].key),
				      ht_ynode_dup(node->pairs[i].value));
	return n;
}

static size_t hash_bytes(const char *s, size_t len)
{
	size_t h = 14695981039346656037ULL & SIZE_MAX;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= (size_t)1099511628211ULL;
	}
	return h;
}

static void ykeys_insert(struct ht_ykeys *k, const struct ht_ynode *map,
			 size_t pair)
{
	const struct ht_ynode *key = map->pairs[pair].key;
	size_t mask = k->size - 1;
	size_t h = hash_bytes(key->str, key->len) & mask;

	while (k->slot[h])
		h = (h + 1) & mask;
	k->slot[h] = pair + 1;
}

static void ykeys_grow(struct ht_ykeys *k, const struct ht_ynode *map)
{
	size_t i;

	free(k->slot);
	k->size = k->size ? k->size * 2 : 64;
	/* a complete mapping (not one under construction) may need more */
	while (k->size <= map->npairs * 2)
		k->size *= 2;
	k->slot = ht_xcalloc(k->size, sizeof(*k->slot));
	for (i = 0; i < map->npairs; i++)
		ykeys_insert(k, map, i);
}

const struct ht_ypair *ht_ykeys_find(struct ht_ykeys *k,
				     const struct ht_ynode *map,
				     const struct ht_ynode *key)
{
	size_t i, h, mask;

	if (map->npairs < 16) {
		for (i = 0; i < map->npairs; i++) {
			const struct ht_ynode *mk = map->pairs[i].key;

			if (mk->len == key->len &&
			    !memcmp(mk->str, key->str, key->len))
				return &map->pairs[i];
		}
		return NULL;
	}
	if (map->npairs * 2 >= k->size)
		ykeys_grow(k, map);
	mask = k->size - 1;
	for (h = hash_bytes(key->str, key->len) & mask; k->slot[h];
	     h = (h + 1) & mask) {
		const struct ht_ypair *p = &map->pairs[k->slot[h] - 1];

		if (p->key->len == key->len &&
		    !memcmp(p->key->str, key->str, key->len))
			return p;
	}
	return NULL;
}

void ht_ykeys_added(struct ht_ykeys *k, const struct ht_ynode *map)
{
	if (k->size)
		ykeys_insert(k, map, map->npairs - 1);
}

void ht_ykeys_release(struct ht_ykeys *k)
{
	free(k->slot);
	k->slot = NULL;
	k->size = 0;
}

static int key_is(const struct ht_ynode *key, const char *s, size_t len)
{
	return key->kind == HT_YNODE_SCALAR && key->len == len &&
	       !memcmp(key->str, s, len);
}

const struct ht_ypair *ht_ynode_map_get_pair(const struct ht_ynode *map,
					     const char *key)
{
	size_t i, len;

	if (!map || map->kind != HT_YNODE_MAP)
		return NULL;
	len = strlen(key);
	for (i = 0; i < map->npairs; i++)
		if (key_is(map->pairs[i].key, key, len))
			return &map->pairs[i];
	return NULL;
}

struct ht_ynode *ht_ynode_map_get(const struct ht_ynode *map, const char *key)
{
	const struct ht_ypair *p = ht_ynode_map_get_pair(map, key);

	return p ? p->value : NULL;
}

int ht_ynode_is_str(const struct ht_ynode *node, const char *s)
{
	return node && node->kind == HT_YNODE_SCALAR &&
	       node->type == HT_YTYPE_STR && key_is(node, s, strlen(s));
}

static int scalar_equal(const struct ht_ynode *a, const struct ht_ynode *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case HT_YTYPE_NULL:
		return 1;
	case HT_YTYPE_BOOL:
		return a->b == b->b;
	case HT_YTYPE_INT:
		return a->i == b->i;
	case HT_YTYPE_FLOAT:
		if (isnan(a->f) && isnan(b->f))
			return 1;
		return a->f == b->f && signbit(a->f) == signbit(b->f);
	case HT_YTYPE_STR:
		return a->len == b->len && !memcmp(a->str, b->str, a->len);
	}
	return 0;
}

/* Deep equality; `exact` compares bytes, positions and styles too. */
static int deep_equal(const struct ht_ynode *a, const struct ht_ynode *b,
		      int exact)
{
	size_t i;

	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return 0;
	if (exact && (a->style != b->style || a->line != b->line ||
		      a->col != b->col))
		return 0;
	if (a->kind == HT_YNODE_SCALAR)
		return scalar_equal(a, b) &&
		       (!exact ||
			(a->len == b->len && !memcmp(a->str, b->str, a->len)));
	if (a->nitems != b->nitems || a->npairs != b->npairs)
		return 0;
	for (i = 0; i < a->nitems; i++)
		if (!deep_equal(a->items[i], b->items[i], exact))
			return 0;
	for (i = 0; i < a->npairs; i++)
		if (!deep_equal(a->pairs[i].key, b->pairs[i].key, exact) ||
		    !deep_equal(a->pairs[i].value, b->pairs[i].value, exact))
			return 0;
	return 1;
}

int ht_ynode_equal(const struct ht_ynode *a, const struct ht_ynode *b)
{
	return deep_equal(a, b, 0);
}

int ht_ynode_identical(const struct ht_ynode *a, const struct ht_ynode *b)
{
	return deep_equal(a, b, 1);
}

/*
 * Mappings as sets of keys: each key of `a` has an equal value in `b`.
 * Linear in the number of keys: past 16, `b`'s keys are indexed.
 */
static int same_pairs(const struct ht_ynode *a, const struct ht_ynode *b)
{
	struct ht_ykeys keys = { NULL, 0 };
	const struct ht_ypair *p;
	size_t i;
	int same = 1;

	for (i = 0; same && i < a->npairs; i++) {
		p = ht_ykeys_find(&keys, b, a->pairs[i].key);
		same = p && ht_ynode_same_data(a->pairs[i].value, p->value);
	}
	ht_ykeys_release(&keys);
	return same;
}

int ht_ynode_same_data(const struct ht_ynode *a, const struct ht_ynode *b)
{
	size_t i;

	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return 0;
	if (a->kind == HT_YNODE_SCALAR)
		return scalar_equal(a, b);
	if (a->nitems != b->nitems || a->npairs != b->npairs)
		return 0;
	for (i = 0; i < a->nitems; i++)
		if (!ht_ynode_same_data(a->items[i], b->items[i]))
			return 0;
	return same_pairs(a, b);
}

const char *ht_ynode_type_name(const struct ht_ynode *node)
{
	if (!node)
		return "nothing";
	if (node->kind == HT_YNODE_SEQ)
		return "list";
	if (node->kind == HT_YNODE_MAP)
		return "mapping";
	switch (node->type) {
	case HT_YTYPE_NULL:
		return "null";
	case HT_YTYPE_BOOL:
		return "boolean";
	case HT_YTYPE_INT:
		return "integer";
	case HT_YTYPE_FLOAT:
		return "number";
	case HT_YTYPE_STR:
		break;
	}
	return "string";
}
