/*
 * Fuzz target for the YAML patcher (common/yaml_patch.c).
 *
 * The input is an old text and a new one, split at the first NUL byte.
 * When both parse and the new one is a non-empty mapping, the patch of
 * the old text to the new data either is refused (HT_EUNSUPPORTED, the
 * output untouched) or parses back to the new data, is the same bytes
 * when made again, and is the old text itself when the data is the same
 * and the old text ends its last line.
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
#include "hightouch/yaml_patch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_patch(const char *old_text, size_t old_len,
			const struct ht_ynode *old, const struct ht_ynode *doc)
{
	struct ht_strbuf out = HT_STRBUF_INIT, again = HT_STRBUF_INIT;
	struct ht_ynode *back = NULL;
	int ret;

	ht_strbuf_addch(&out, 'x');
	ret = ht_yaml_patch(&out, old_text, old_len, old, doc);
	ht_error_clear();
	if (ret) {
		if (ret != HT_EUNSUPPORTED || out.len != 1)
			abort();
		goto cleanup;
	}
	if (ht_yaml_parse(&back, out.buf + 1, out.len - 1, "patched.yaml",
			  NULL) ||
	    !ht_ynode_same_data(back, doc))
		abort();
	if (ht_yaml_patch(&again, old_text, old_len, old, doc) ||
	    again.len != out.len - 1 ||
	    memcmp(again.buf, out.buf + 1, again.len))
		abort();
	if (ht_ynode_same_data(old, doc) && old_len &&
	    old_text[old_len - 1] == '\n' &&
	    (again.len != old_len || memcmp(again.buf, old_text, old_len)))
		abort();
cleanup:
	ht_error_clear();
	ht_ynode_free(back);
	ht_strbuf_release(&out);
	ht_strbuf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *nul = memchr(buf, '\0', size);
	struct ht_ynode *old = NULL, *doc = NULL;
	size_t old_len;

	if (!nul)
		return 0;
	old_len = (size_t)(nul - buf);
	if (ht_yaml_parse(&old, buf, old_len, "old.yaml", NULL) ||
	    ht_yaml_parse(&doc, nul + 1, size - old_len - 1, "new.yaml",
			  NULL))
		goto cleanup;
	if (doc->kind == HT_YNODE_MAP && doc->npairs)
		check_patch(buf, old_len, old, doc);
cleanup:
	ht_error_clear();
	ht_ynode_free(old);
	ht_ynode_free(doc);
	return 0;
}
