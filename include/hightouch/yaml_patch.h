#ifndef HIGHTOUCH_YAML_PATCH_H
#define HIGHTOUCH_YAML_PATCH_H

/*
 * A YAML file patched to new data: the old text's comments, blank lines
 * and the lines of the pairs whose data did not change stay, and only
 * what changed is written anew, canonically (common/yaml_patch.c says
 * how).  Deterministic: the same inputs give the same bytes.
 */

#include <stddef.h>

#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

/*
 * Append to `out` the text of `doc` (a non-empty mapping) made from
 * `old_text` (`old_len` bytes, a byte order mark included), which parses
 * into `old`.  The result always parses back to the data of `doc`
 * (ht_ynode_same_data()); it is checked.  HT_EUNSUPPORTED, with `out` as
 * it was, when the old text cannot be patched so: the caller writes the
 * file canonically (ht_yaml_emit()).
 */
int ht_yaml_patch(struct ht_strbuf *out, const char *old_text,
		  size_t old_len, const struct ht_ynode *old,
		  const struct ht_ynode *doc);

#endif
