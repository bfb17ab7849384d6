/*
 * Fuzz target for the YAML reader: parse, and when the input is accepted,
 * emit it, parse the emitted text again and check that the two trees are
 * equal and that a second emission is byte-identical.  Any difference is a
 * crash (abort), so the fuzzer reports it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_ynode *doc = NULL, *again = NULL;
	struct ht_strbuf out = HT_STRBUF_INIT, out2 = HT_STRBUF_INIT;
	struct ht_ydiag diag;
	int err;

	err = ht_yaml_parse(&doc, (const char *)data, size, "fuzz.yaml",
			    &diag);
	if (err) {
		if (!diag.rule || !diag.line || !diag.col)
			abort();
		goto cleanup;
	}
	if (ht_yaml_emit(&out, doc) < 0)
		goto cleanup; /* e.g. a string that is not valid UTF-8 */
	err = ht_yaml_parse(&again, out.buf, out.len, "emitted.yaml", &diag);
	if (err || !ht_ynode_equal(doc, again))
		abort();
	if (ht_yaml_emit(&out2, again) < 0 || out.len != out2.len ||
	    memcmp(out.buf, out2.buf, out.len))
		abort();
cleanup:
	ht_ynode_free(doc);
	ht_ynode_free(again);
	ht_strbuf_release(&out);
	ht_strbuf_release(&out2);
	return 0;
}
