/*
 * Fuzz target for JSON as it comes from the network: ht_json_parse(), the
 * free-form converters, and every kind's conversion of the value as if it
 * were an API object, and back.
 *
 * Properties checked (abort() on failure, so that the fuzzer reports it):
 *  - ynode_to_json(json_to_ynode(v)) equals v;
 *  - parse(emit(json_to_ynode(v))) equals the tree, and emitting it again
 *    gives the same bytes;
 *  - a document made by ht_kind_to_yaml() emits, parses back to an equal
 *    tree, and ht_kind_from_yaml() never crashes on it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/diag.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/kinds.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Any id has a slug, but some are unknown; slugs end in "-<id>". */
static int slug_of(const char **slug_out, enum ht_kind kind, int64_t id,
		   void *payload)
{
	static char buf[64];

	(void)payload;
	if (id % 7 == 3)
		return HT_ENOTFOUND;
	snprintf(buf, sizeof(buf), "k%d-%lld", (int)kind, (long long)id);
	*slug_out = buf;
	return 0;
}

static int id_of(int64_t *id_out, enum ht_kind kind, const char *slug,
		 void *payload)
{
	const char *dash = strrchr(slug, '-');
	int64_t id = 0;

	(void)kind;
	(void)payload;
	if (!dash || !dash[1] || strlen(dash + 1) > 18)
		return HT_ENOTFOUND;
	for (dash++; *dash; dash++) {
		if (*dash < '0' || *dash > '9')
			return HT_ENOTFOUND;
		id = id * 10 + (*dash - '0');
	}
	*id_out = id;
	return 0;
}

static const struct ht_resolver resolver = { slug_of, id_of, NULL,
					     NULL };

/* Emit `doc`, parse it back, and check both agree; returns the tree read. */
static struct ht_ynode *emit_and_parse(const struct ht_ynode *doc)
{
	struct ht_strbuf a = HT_STRBUF_INIT, b = HT_STRBUF_INIT;
	struct ht_ynode *back = NULL;

	if (ht_yaml_emit(&a, doc) < 0)
		goto done; /* too deep: a documented refusal */
	if (ht_yaml_parse(&back, a.buf, a.len, "fuzz.yaml", NULL) < 0) {
		/* only the size cap may refuse what the emitter wrote */
		if (a.len <= HT_YAML_MAX_SIZE)
			abort();
		goto done;
	}
	if (!ht_ynode_equal(doc, back))
		abort();
	if (ht_yaml_emit(&b, back) < 0 || a.len != b.len ||
	    memcmp(a.buf, b.buf, a.len))
		abort();
done:
	ht_strbuf_release(&a);
	ht_strbuf_release(&b);
	return back;
}

static void free_form(const json_t *v)
{
	struct ht_ynode *n = NULL, *back;
	json_t *again = NULL;
	struct ht_ydiag yd;

	if (ht_json_to_ynode(&n, v) < 0)
		return;
	if (ht_ynode_to_json(&again, n, "fuzz", &yd) < 0 ||
	    !json_equal(v, again))
		abort();
	json_decref(again);
	back = emit_and_parse(n);
	ht_ynode_free(back);
	ht_ynode_free(n);
}

static void as_kinds(const json_t *v)
{
	struct ht_ynode *tree = NULL;
	int k;

	/* the value itself, read as a file of every kind */
	if (ht_json_to_ynode(&tree, v) < 0)
		tree = NULL;

	for (k = 0; k < HT_KIND__COUNT; k++) {
		struct ht_diags diags = HT_DIAGS_INIT;
		struct ht_ynode *doc = NULL, *back;
		json_t *out = NULL;

		if (tree) {
			ht_kind_from_yaml(&out, (enum ht_kind)k, "fuzz", tree,
					  &resolver, "fuzz.yaml", &diags);
			json_decref(out);
			out = NULL;
			ht_kind_from_yaml(&out, (enum ht_kind)k, NULL, tree,
					  NULL, "fuzz.yaml", &diags);
			json_decref(out);
			out = NULL;
		}

		if (ht_kind_to_yaml(&doc, (enum ht_kind)k, v, &resolver) < 0) {
			ht_diags_release(&diags);
			continue;
		}
		back = emit_and_parse(doc);
		if (back) {
			ht_kind_from_yaml(&out, (enum ht_kind)k, "fuzz", back,
					  &resolver, "fuzz.yaml", &diags);
			json_decref(out);
		}
		ht_ynode_free(back);
		ht_ynode_free(doc);
		ht_diags_release(&diags);
	}
	ht_ynode_free(tree);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	json_t *v = NULL;

	if (ht_json_parse(&v, (const char *)data, size, 1024 * 1024, "fuzz") <
	    0)
		return 0;
	ht_json_dump(&sb, v);
	ht_strbuf_release(&sb);
	free_form(v);
	as_kinds(v);
	json_decref(v);
	return 0;
}
