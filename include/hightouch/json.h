#ifndef HIGHTOUCH_JSON_H
#define HIGHTOUCH_JSON_H

/*
 * JSON: the one wrapper around jansson.  Objects keep their key order
 * (jansson >= 2.8 keeps insertion order), numbers stay as the API sent
 * them (integers as integers, reals as reals), parsing is size-capped, and
 * jansson's NULL/-1 conventions stop here.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

/* Default cap on a JSON document read from the network: 64 MiB. */
#define HT_JSON_MAX_SIZE (64u * 1024u * 1024u)
#define HT_JSON_MAX_DEPTH 64

/*
 * Parse `len` bytes as one JSON value (any type at top level).  `what`
 * names the input in messages ("response to 'GET /models'").  Fails with
 * HT_ETOOBIG over `max` bytes (0: HT_JSON_MAX_SIZE), HT_ETOODEEP past
 * HT_JSON_MAX_DEPTH, HT_ESYNTAX for text that is not JSON (message with
 * line and column).  `*out` is a new reference.
 */
int ht_json_parse(json_t **out, const char *buf, size_t len, size_t max,
		  const char *what);

/* Append compact JSON text of `v`, keys in their order. */
int ht_json_dump(struct ht_strbuf *out, const json_t *v);

/*
 * Append `v` for a person to read on one line: compact JSON (a string in
 * quotes, a newline as \n), shortened to `max` characters (at least 8)
 * with an ellipsis when longer: "SELECT id, na…", {"type":"inter….
 * Never cuts a character or an escape in two.
 */
void ht_json_brief(struct ht_strbuf *out, const json_t *v, size_t max);

/*
 * Read an id that may arrive as a JSON integer, an integral real, or a
 * string of decimal digits.  HT_ENOTFOUND when absent or null,
 * HT_EINVALID when of another shape.
 */
int ht_json_get_id(int64_t *out, const json_t *obj, const char *key);
/*
 * The same for a value already in hand (`v` not NULL): 0, HT_ENOTFOUND for
 * null, HT_EINVALID for anything else that is not an id.
 */
int ht_json_id_value(int64_t *out, const json_t *v);
/* "object", "array", "string", "number", "boolean" or "null". */
const char *ht_json_type_name(const json_t *v);
/* Borrowed string member, or NULL when absent or not a string. */
const char *ht_json_get_string(const json_t *obj, const char *key);
/* Member at a dotted path ("raw.sql"), borrowed; NULL when absent. */
json_t *ht_json_get_path(const json_t *obj, const char *path);
/*
 * Set the member at a dotted path, creating objects on the way; steals
 * `value`.  HT_EINVALID if a step is not an object.
 */
int ht_json_set_path(json_t *obj, const char *path, json_t *value);
/*
 * Building a path as messages show it ("schedule.expressions[0].time"):
 * append a member's name (after a '.' unless `path` is empty) or a list
 * index, and return the length to cut back to with ht_strbuf_setlen().
 */
size_t ht_json_path_push(struct ht_strbuf *path, const char *name);
size_t ht_json_path_push_index(struct ht_strbuf *path, size_t i);

/*
 * Free-form conversion between JSON values and YAML nodes, as used for a
 * sync's `config`.  JSON -> YAML cannot fail but for depth.  YAML -> JSON
 * fails with HT_EINVALID (and `diag` filled, `path` naming the file) for
 * values JSON cannot hold (.inf, .nan); a key that is not a string becomes
 * its text (`1:` is "1"), and two keys that then collide are a
 * `duplicate-key` error.
 */
int ht_json_to_ynode(struct ht_ynode **out, const json_t *v);
int ht_ynode_to_json(json_t **out, const struct ht_ynode *n, const char *path,
		     struct ht_ydiag *diag);
/*
 * The checks of ht_ynode_to_json() without the conversion: the same return
 * code, `diag` and error message for the same tree (the first of a float
 * that is not finite, a string or key that is not UTF-8, nesting past
 * HT_JSON_MAX_DEPTH, a key that is not a scalar, two keys with the same
 * text), and no JSON value allocated.
 */
int ht_ynode_json_check(const struct ht_ynode *n, const char *path,
			struct ht_ydiag *diag);
/* 1 if the bytes are valid UTF-8 (NUL included), as JSON strings need. */
int ht_json_utf8_valid(const char *s, size_t len);

#endif
