/*
 * Fuzz target for the YAML reader.
 *
 * The two paths agree: when the fast path (common/yaml_fast.c) accepts an
 * input, libyaml must accept it too and give the same tree with the same
 * positions and styles; when it declines, nothing is set.
 *
 * Round trip: when the input is accepted, emit it, parse the emitted text
 * again and check that the two trees are equal and that a second emission
 * is byte-identical.
 *
 * Any difference is a crash (abort), so the fuzzer reports it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/error.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_paths(const char *buf, size_t len)
{
	struct ht_ynode *fast = NULL, *slow = NULL;
	struct ht_ydiag d1, d2;
	int e1, e2;

	e1 = ht_yaml_parse_with(&fast, buf, len, "fuzz.yaml", &d1,
				HT_YAML_FAST);
	ht_error_clear();
	e2 = ht_yaml_parse_with(&slow, buf, len, "fuzz.yaml", &d2,
				HT_YAML_LIBYAML);
	ht_error_clear();
	if (e1 == HT_EUNSUPPORTED) {
		if (fast)
			abort();
	} else if (e1 != e2 || (!e1 && !ht_ynode_identical(fast, slow))) {
		abort();
	}
	ht_ynode_free(fast);
	ht_ynode_free(slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_ynode *doc = NULL, *again = NULL;
	struct ht_strbuf out = HT_STRBUF_INIT, out2 = HT_STRBUF_INIT;
	struct ht_ydiag diag;
	int err;

	check_paths((const char *)data, size);
	err = ht_yaml_parse(&doc, (const char *)data, size, "fuzz.yaml",
			    &diag);
	if (err) {
		if (!diag.rule || !diag.line || !diag.col)
			abort();
		goto cleanup;
	}
	if (ht_yaml_emit(&out, doc) < 0)
		goto cleanup; /* e.g. a string that is not valid UTF-8 */
	check_paths(out.buf, out.len);
	err = ht_yaml_parse(&again, out.buf, out.len, "emitted.yaml", &diag);
	if (err || !ht_ynode_equal(doc, again))
		abort();
	if (ht_yaml_emit(&out2, again) < 0 || out.len != out2.len ||
	    memcmp(out.buf, out2.buf, out.len))
		abort();
cleanup:
	ht_error_clear();
	ht_ynode_free(doc);
	ht_ynode_free(again);
	ht_strbuf_release(&out);
	ht_strbuf_release(&out2);
	return 0;
}
