#ifndef HIGHTOUCH_YAML_H
#define HIGHTOUCH_YAML_H

/*
 * YAML documents: a small tree read with libyaml's event API and written
 * canonically by our own emitter.
 *
 * Reading rejects what Git Sync files never contain and what makes a parser
 * slow or unsafe: duplicate keys, anchors and aliases, nesting deeper than
 * HT_YAML_MAX_DEPTH, input over HT_YAML_MAX_SIZE, invalid UTF-8, tabs used
 * as indentation, more than one document, a byte order mark anywhere but
 * first (where it is skipped, no column), and leftover merge conflict
 * markers (lines starting with `<<<<<<<`, `|||||||`, `>>>>>>>`, and, in
 * text that does not parse anyway, `=======`).  Plain scalars are resolved
 * with the YAML 1.2 core schema (null, bool, int, float, else string);
 * quoted and block scalars are always strings.
 *
 * Writing is deterministic: block style, two-space indentation, keys in the
 * tree's order, literal block scalars for multi-line strings, and quotes
 * wherever a YAML 1.1 or 1.2 reader could otherwise read a different value
 * (a little more often than strictly needed: `nUll` is quoted too).
 * parse(emit(tree)) gives the same tree back.
 *
 * Mapping keys are always strings (never resolved: `1:` is the string
 * "1") and are compared by their bytes, so `1` and '1' are the same key and
 * `01` and `1` are two (Git Sync files only have string keys).
 */

#include <stddef.h>
#include <stdint.h>

#include "hightouch/strbuf.h"

#define HT_YAML_MAX_DEPTH 64
#define HT_YAML_MAX_SIZE (4u * 1024u * 1024u)

enum ht_ynode_kind {
	HT_YNODE_SCALAR,
	HT_YNODE_SEQ,
	HT_YNODE_MAP,
};

/* The resolved type of a scalar. */
enum ht_ytype {
	HT_YTYPE_NULL,
	HT_YTYPE_BOOL,
	HT_YTYPE_INT,
	HT_YTYPE_FLOAT,
	HT_YTYPE_STR,
};

/* How a node was written in the file (PLAIN for nodes built in memory). */
enum ht_ystyle {
	HT_YSTYLE_PLAIN,
	HT_YSTYLE_SINGLE,
	HT_YSTYLE_DOUBLE,
	HT_YSTYLE_LITERAL,
	HT_YSTYLE_FOLDED,
	HT_YSTYLE_BLOCK, /* block sequence or mapping */
	HT_YSTYLE_FLOW,  /* flow sequence or mapping */
};

struct ht_ynode;

struct ht_ypair {
	struct ht_ynode *key; /* always a scalar */
	struct ht_ynode *value;
};

struct ht_ynode {
	enum ht_ynode_kind kind;
	enum ht_ytype type;   /* scalars only */
	enum ht_ystyle style;
	unsigned line, col;   /* 1-based position of the node; 0 if built */

	/*
	 * Scalars: the exact bytes (NUL-terminated, may contain NUL), and the
	 * resolved value for BOOL, INT and FLOAT.  An integer that does not
	 * fit in int64_t resolves as FLOAT.
	 */
	char *str;
	size_t len;
	int b;
	int64_t i;
	double f;

	/* Sequences */
	struct ht_ynode **items;
	size_t nitems, items_alloc;

	/* Mappings, in document order */
	struct ht_ypair *pairs;
	size_t npairs, pairs_alloc;
};

/*
 * Building trees.  Every constructor returns a new node the caller owns
 * (free with ht_ynode_free()); the add functions steal `value` (and `key`).
 */
struct ht_ynode *ht_ynode_new_null(void);
struct ht_ynode *ht_ynode_new_bool(int b);
struct ht_ynode *ht_ynode_new_int(int64_t i);
struct ht_ynode *ht_ynode_new_float(double f);
struct ht_ynode *ht_ynode_new_str(const char *s, size_t len);
struct ht_ynode *ht_ynode_new_cstr(const char *s);
struct ht_ynode *ht_ynode_new_seq(void);
struct ht_ynode *ht_ynode_new_map(void);
void ht_ynode_seq_push(struct ht_ynode *seq, struct ht_ynode *value);
/* Append a pair; the caller makes sure the key is not there yet. */
void ht_ynode_map_add(struct ht_ynode *map, const char *key,
		      struct ht_ynode *value);
void ht_ynode_map_add_node(struct ht_ynode *map, struct ht_ynode *key,
			   struct ht_ynode *value);
void ht_ynode_free(struct ht_ynode *node);
/* A deep copy. */
struct ht_ynode *ht_ynode_dup(const struct ht_ynode *node);

/* Lookups: borrowed pointers, NULL when absent or not a mapping. */
struct ht_ynode *ht_ynode_map_get(const struct ht_ynode *map, const char *key);
const struct ht_ypair *ht_ynode_map_get_pair(const struct ht_ynode *map,
					     const char *key);
/* 1 if `node` is a string scalar equal to `s`. */
int ht_ynode_is_str(const struct ht_ynode *node, const char *s);
/* Deep equality of values (positions and styles ignored). */
int ht_ynode_equal(const struct ht_ynode *a, const struct ht_ynode *b);
/* Deep equality of everything: values, bytes, positions and styles. */
int ht_ynode_identical(const struct ht_ynode *a, const struct ht_ynode *b);
/*
 * Equality of data, what a reader of the text gets: as ht_ynode_equal(),
 * but two mappings are equal when they have the same keys (by their
 * bytes) with equal values, in any order.
 */
int ht_ynode_same_data(const struct ht_ynode *a, const struct ht_ynode *b);
/* "null", "boolean", "integer", "number", "string", "list", "mapping" */
const char *ht_ynode_type_name(const struct ht_ynode *node);

/*
 * Duplicate-key detection for readers, linear in the number of keys: a
 * mapping under construction with its index.  Find before adding a pair,
 * tell the index after.  Zero-initialise; release when the mapping is
 * done.
 */
struct ht_ykeys {
	size_t *slot; /* open addressing: pair number + 1, or 0 */
	size_t size;  /* a power of two, or 0 below 16 keys */
};
const struct ht_ypair *ht_ykeys_find(struct ht_ykeys *k,
				     const struct ht_ynode *map,
				     const struct ht_ynode *key);
void ht_ykeys_added(struct ht_ykeys *k, const struct ht_ynode *map);
void ht_ykeys_release(struct ht_ykeys *k);

/*
 * Where and why a document was rejected.  `rule` is a stable id
 * ("yaml-syntax", "duplicate-key", "yaml-anchor", "yaml-depth",
 * "file-size", "yaml-encoding", "yaml-tab", "multi-document",
 * "conflict-marker"); `message` has no position and no path in it.
 */
struct ht_ydiag {
	unsigned line, col;
	const char *rule;
	char message[256];
};

/*
 * Parse `len` bytes of `buf` into a tree.  `path` names the input in
 * messages.  On failure returns HT_ESYNTAX, HT_ETOOBIG or HT_ETOODEEP,
 * fills `diag` (may be NULL) and sets the error message to
 * "path:line:col: message".  An empty document (or one of only comments)
 * is a NULL scalar at 1:1.
 */
int ht_yaml_parse(struct ht_ynode **out, const char *buf, size_t len,
		  const char *path, struct ht_ydiag *diag);
/*
 * The length of a UTF-8 byte order mark at the start of `buf` (3), or 0.
 * The reader skips it; a file that has one keeps it when it is written
 * again.
 */
size_t ht_yaml_bom_len(const char *buf, size_t len);

/*
 * ht_yaml_parse() has two paths: a fast one (common/yaml_fast.c) for the
 * block-style subset that Git Sync and ht_yaml_emit() write, and libyaml
 * for everything else, every error included.  Both give the same tree,
 * positions and styles.  For tests and fuzzing, ht_yaml_parse_with() takes
 * one path: HT_YAML_LIBYAML, or HT_YAML_FAST, which fails with
 * HT_EUNSUPPORTED (no message, no diag) for text outside the subset.
 */
enum ht_yaml_path {
	HT_YAML_AUTO,
	HT_YAML_LIBYAML,
	HT_YAML_FAST,
};
int ht_yaml_parse_with(struct ht_ynode **out, const char *buf, size_t len,
		       const char *path, struct ht_ydiag *diag,
		       enum ht_yaml_path which);

/*
 * The fast path itself, for text that has passed the reader's encoding
 * checks (printable UTF-8, no CR, NEL, LS, PS, no BOM: a leading one is
 * skipped before): 0 with the tree, or
 * HT_EUNSUPPORTED when libyaml must read it.
 */
int ht_yaml_parse_fast(struct ht_ynode **out, const char *buf, size_t len);

/*
 * Resolve a plain scalar's type with the YAML 1.2 core schema (null, bool,
 * int, float, else string), in place.
 */
void ht_yaml_resolve_plain(struct ht_ynode *n);

/* As ht_yaml_parse(), reading the file at `path` (at most the size cap). */
int ht_yaml_parse_file(struct ht_ynode **out, const char *path,
		       struct ht_ydiag *diag);

/*
 * Append the canonical YAML text of `doc` to `out`, ending in a newline.
 * Returns 0, HT_ETOODEEP past HT_YAML_MAX_DEPTH, HT_EINVALID for a string
 * that is not valid UTF-8, or HT_ETOOBIG when `out` has a cap (callers that
 * write files cap it at HT_YAML_MAX_SIZE, which the reader enforces).  On
 * failure `out` is left as it was.
 */
int ht_yaml_emit(struct ht_strbuf *out, const struct ht_ynode *doc);

/*
 * How the emitter writes a string scalar: HT_YSTYLE_PLAIN, HT_YSTYLE_SINGLE,
 * HT_YSTYLE_DOUBLE or HT_YSTYLE_LITERAL (multi-line text).  `is_key` asks
 * for a mapping key (which is never a block scalar).  Invalid UTF-8 gives
 * HT_YSTYLE_DOUBLE (ht_yaml_emit() rejects it).
 */
enum ht_ystyle ht_yaml_string_style(const char *s, size_t len, int is_key);

#endif
