/*
 * The YAML reader: libyaml's event API into a struct ht_ynode tree, with
 * the limits and rejections documented in yaml.h.  libyaml's 1/0 return
 * convention and its marks (0-based, code points) stop in this file.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "hightouch/alloc.h"
#include "hightouch/protocol.h"
#include "hightouch/utf8.h"
#include "hightouch/yaml.h"

/*
 * A mapping under construction keeps an index of its keys so that
 * duplicate detection stays linear in the size of the file.
 */
struct frame {
	struct ht_ynode *node;
	struct ht_ynode *pending_key; /* mappings: key read, value not yet */
	struct ht_ykeys keys;
};

struct reader {
	const char *buf;
	size_t len;
	const char *path;
	struct ht_ydiag *diag;
	struct frame stack[HT_YAML_MAX_DEPTH + 1];
	int depth;
	struct ht_ynode *root;
	int documents;
};

static int reject(struct reader *rd, int code, unsigned line, unsigned col,
		  const char *rule, const char *fmt, ...) HT_PRINTF(6, 7);

static int reject(struct reader *rd, int code, unsigned line, unsigned col,
		  const char *rule, const char *fmt, ...)
{
	struct ht_ydiag local;
	struct ht_ydiag *d = &local;
	struct ht_strbuf path = HT_STRBUF_INIT;
	va_list ap;

	if (rd->diag)
		d = rd->diag;

	d->line = line;
	d->col = col;
	d->rule = rule;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
	code = ht_error_set(code, "%s:%u:%u: %s",
			    ht_quote_path(&path, rd->path), line, col,
			    d->message);
	ht_strbuf_release(&path);
	return code;
}

/* Line and column (1-based, in code points) of a byte offset. */
static void offset_position(const char *buf, size_t len, size_t off,
			    unsigned *line, unsigned *col)
{
	size_t i;
	unsigned l = 1, c = 1;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* YAML's printable set (1.2, section 5.1), plus tab, LF and CR. */
static int yaml_printable(uint32_t cp)
{
	return cp == 0x09 || cp == 0x0A || cp == 0x0D ||
	       (cp >= 0x20 && cp <= 0x7E) || cp == 0x85 ||
	       (cp >= 0xA0 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) ||
	       (cp >= 0x10000 && cp <= 0x10FFFF);
}

/*
 * Reject what is not printable UTF-8, and a byte order mark anywhere but
 * at the start of the file (which ht_yaml_parse_with() has skipped): YAML
 * allows none inside a document.  Sets *fast_ok to 0 when the text holds
 * what only libyaml reads right: CR, NEL, LS and PS line breaks.
 */
static int check_encoding(struct reader *rd, int *fast_ok)
{
	const unsigned char *s = (const unsigned char *)rd->buf;
	size_t i = 0;
	unsigned line, col;
	uint32_t cp;

	*fast_ok = 1;
	while (i < rd->len) {
		size_t n;

		/* eight bytes of printable ASCII at a time */
		if (rd->len - i >= 8) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (!((w | (w - 0x2020202020202020ULL) |
			       (w + 0x0101010101010101ULL)) &
			      0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}

		/* printable ASCII, tab and LF: the common case */
		if ((s[i] >= 0x20 && s[i] < 0x7F) || s[i] == '\n' ||
		    s[i] == '\t') {
			i++;
			continue;
		}
		if (s[i] == '\r')
			*fast_ok = 0;
		n = ht_utf8_decode(s + i, rd->len - i, &cp);

		if (!n) {
			offset_position(rd->buf, rd->len, i, &line, &col);
			return reject(rd, HT_ESYNTAX, line, col,
				      "yaml-encoding",
				      "invalid UTF-8 byte 0x%02X (files must be "
				      "UTF-8)",
				      s[i]);
		}
		if (!yaml_printable(cp)) {
			offset_position(rd->buf, rd->len, i, &line, &col);
			return reject(rd, HT_ESYNTAX, line, col,
				      "yaml-encoding",
				      "control character U+%04X is not allowed",
				      cp);
		}
		if (cp == 0xFEFF) {
			offset_position(rd->buf, rd->len, i, &line, &col);
			return reject(rd, HT_ESYNTAX, line, col,
				      "yaml-encoding",
				      "byte order mark (U+FEFF) inside the "
				      "file (only its first bytes may be one)");
		}
		if (cp == 0x85 || cp == 0x2028 || cp == 0x2029)
			*fast_ok = 0;
		i += n;
	}
	return 0;
}

/* The 1-based column of the first tab in a line's indentation, or 0. */
static unsigned indent_tab(const char *buf, size_t len, unsigned line)
{
	size_t i = 0;
	unsigned l = 1, col = 1;

	while (i < len && l < line) {
		if (buf[i++] == '\n')
			l++;
	}
	for (; i < len && (buf[i] == ' ' || buf[i] == '\t'); i++, col++)
		if (buf[i] == '\t')
			return col;
	return 0;
}

static int parser_error(struct reader *rd, yaml_parser_t *p)
{
	unsigned line, col, tab;
	const char *problem = p->problem ? p->problem : "cannot parse";

	if (p->error == YAML_MEMORY_ERROR)
		return reject(rd, HT_ERROR, 1, 1, "yaml-syntax",
			      "out of memory while parsing");
	if (p->error == YAML_READER_ERROR) {
		offset_position(rd->buf, rd->len, p->problem_offset, &line,
				&col);
		return reject(rd, HT_ESYNTAX, line, col, "yaml-encoding", "%s",
			      problem);
	}
	line = (unsigned)p->problem_mark.line + 1;
	col = (unsigned)p->problem_mark.column + 1;
	tab = indent_tab(rd->buf, rd->len, line);
	if (tab)
		return reject(rd, HT_ESYNTAX, line, tab, "yaml-tab",
			      "tab character used for indentation (indent "
			      "with spaces)");
	if (p->context)
		return reject(rd, HT_ESYNTAX, line, col, "yaml-syntax",
			      "%s %s at line %u", problem, p->context,
			      (unsigned)p->context_mark.line + 1);
	return reject(rd, HT_ESYNTAX, line, col, "yaml-syntax", "%s", problem);
}

static int all_digits(const char *s, size_t len, const char *set)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		if (!strchr(set, s[i]) || !s[i])
			return 0;
	return 1;
}

static int is_one_of(const char *s, size_t len, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == len && !memcmp(*words, s, len))
			return 1;
	return 0;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int is_core_float(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, digits++;
	}
	if (!digits)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp = 0;

		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, exp++;
		if (!exp)
			return 0;
	}
	return i == len;
}

/*
 * YAML 1.2 core schema resolution of a plain scalar (10.3.2).
 */
void ht_yaml_resolve_plain(struct ht_ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL",
					     NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE",
					      NULL };
	static const char *const infs[] = { ".inf", ".Inf", ".INF", NULL };
	static const char *const nans[] = { ".nan", ".NaN", ".NAN", NULL };
	const char *s = n->str;
	size_t len = n->len;
	size_t sign = (len && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
	char *end;

	n->type = HT_YTYPE_STR;
	/* what else starts with one of these: most scalars stop here */
	if (len && !strchr("~nNtTfF0123456789+-.", s[0]))
		return;
	if (memchr(s, '\0', len))
		return;
	if (is_one_of(s, len, nulls)) {
		n->type = HT_YTYPE_NULL;
	} else if (is_one_of(s, len, trues)) {
		n->type = HT_YTYPE_BOOL;
		n->b = 1;
	} else if (is_one_of(s, len, falses)) {
		n->type = HT_YTYPE_BOOL;
		n->b = 0;
	} else if (all_digits(s + sign, len - sign, "0123456789")) {
		errno = 0;
		n->i = strtoll(s, &end, 10);
		if (errno == ERANGE) {
			n->type = HT_YTYPE_FLOAT;
			n->f = strtod(s, NULL);
		} else {
			n->type = HT_YTYPE_INT;
		}
	} else if (len > 2 && s[0] == '0' && s[1] == 'o' &&
		   all_digits(s + 2, len - 2, "01234567")) {
		errno = 0;
		n->i = (int64_t)strtoll(s + 2, NULL, 8);
		n->type = errno == ERANGE ? HT_YTYPE_STR : HT_YTYPE_INT;
	} else if (len > 2 && s[0] == '0' && s[1] == 'x' &&
		   all_digits(s + 2, len - 2, "0123456789abcdefABCDEF")) {
		errno = 0;
		n->i = (int64_t)strtoll(s + 2, NULL, 16);
		n->type = errno == ERANGE ? HT_YTYPE_STR : HT_YTYPE_INT;
	} else if (is_one_of(s + sign, len - sign, infs)) {
		n->type = HT_YTYPE_FLOAT;
		n->f = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
	} else if (is_one_of(s, len, nans)) {
		n->type = HT_YTYPE_FLOAT;
		n->f = NAN;
	} else if (is_core_float(s, len)) {
		n->type = HT_YTYPE_FLOAT;
		n->f = strtod(s, NULL);
	}
}

/* Attach a finished node to its parent (or make it the root). */
static int attach(struct reader *rd, struct ht_ynode *node)
{
	struct frame *f;
	const struct ht_ypair *dup;

	if (!rd->depth) {
		rd->root = node;
		return 0;
	}
	f = &rd->stack[rd->depth - 1];
	if (f->node->kind == HT_YNODE_SEQ) {
		ht_ynode_seq_push(f->node, node);
		return 0;
	}
	if (!f->pending_key) {
		if (node->kind != HT_YNODE_SCALAR) {
			unsigned line = node->line, col = node->col;

			ht_ynode_free(node);
			return reject(rd, HT_ESYNTAX, line, col, "yaml-syntax",
				      "a mapping key must be a scalar, not a "
				      "%s",
				      node == NULL ? "node" : "collection");
		}
		dup = ht_ykeys_find(&f->keys, f->node, node);
		if (dup) {
			unsigned line = node->line, col = node->col;
			int err = reject(rd, HT_ESYNTAX, line, col,
					 "duplicate-key",
					 "duplicate key '%.*s' (first at line "
					 "%u)",
					 (int)(node->len > 100 ? 100 : node->len),
					 node->str, dup->key->line);

			ht_ynode_free(node);
			return err;
		}
		f->pending_key = node;
		return 0;
	}
	ht_ynode_map_add_node(f->node, f->pending_key, node);
	f->pending_key = NULL;
	ht_ykeys_added(&f->keys, f->node);
	return 0;
}

static int check_properties(struct reader *rd, const yaml_event_t *ev,
			    const yaml_char_t *anchor)
{
	if (anchor)
		return reject(rd, HT_ESYNTAX,
			      (unsigned)ev->start_mark.line + 1,
			      (unsigned)ev->start_mark.column + 1,
			      "yaml-anchor",
			      "anchor '&%.100s' is not supported (Git Sync "
			      "files do not use anchors or aliases)",
			      (const char *)anchor);
	return 0;
}

static int check_tag(struct reader *rd, const yaml_event_t *ev,
		     const yaml_char_t *tag, const char *allowed)
{
	if (!tag || !strcmp((const char *)tag, "!") ||
	    (allowed && !strcmp((const char *)tag, allowed)))
		return 0;
	return reject(rd, HT_ESYNTAX, (unsigned)ev->start_mark.line + 1,
		      (unsigned)ev->start_mark.column + 1, "yaml-tag",
		      "tag '%.100s' is not supported", (const char *)tag);
}

static enum ht_ystyle scalar_style(yaml_scalar_style_t s)
{
	switch (s) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		return HT_YSTYLE_SINGLE;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		return HT_YSTYLE_DOUBLE;
	case YAML_LITERAL_SCALAR_STYLE:
		return HT_YSTYLE_LITERAL;
	case YAML_FOLDED_SCALAR_STYLE:
		return HT_YSTYLE_FOLDED;
	default:
		return HT_YSTYLE_PLAIN;
	}
}

/* 1 if the next node attached is a mapping key. */
static int is_key_position(const struct reader *rd)
{
	const struct frame *f;

	if (!rd->depth)
		return 0;
	f = &rd->stack[rd->depth - 1];
	return f->node->kind == HT_YNODE_MAP && !f->pending_key;
}

static int on_scalar(struct reader *rd, const yaml_event_t *ev)
{
	struct ht_ynode *n;
	int err;

	err = check_properties(rd, ev, ev->data.scalar.anchor);
	if (!err)
		err = check_tag(rd, ev, ev->data.scalar.tag,
				"tag:yaml.org,2002:str");
	if (err)
		return err;
	n = ht_ynode_new_str((const char *)ev->data.scalar.value,
			     ev->data.scalar.length);
	n->style = scalar_style(ev->data.scalar.style);
	n->line = (unsigned)ev->start_mark.line + 1;
	n->col = (unsigned)ev->start_mark.column + 1;
	/*
	 * Mapping keys stay strings: they are compared by their bytes, and
	 * a file's keys are names, so `01:` and `1:` are two keys, not one
	 * integer twice.
	 */
	if (n->style == HT_YSTYLE_PLAIN && !ev->data.scalar.tag &&
	    !is_key_position(rd))
		ht_yaml_resolve_plain(n);
	return attach(rd, n);
}

static int on_start(struct reader *rd, const yaml_event_t *ev, int is_map)
{
	struct ht_ynode *n;
	struct frame *f;
	int err;

	if (is_map) {
		err = check_properties(rd, ev, ev->data.mapping_start.anchor);
		if (!err)
			err = check_tag(rd, ev, ev->data.mapping_start.tag,
					"tag:yaml.org,2002:map");
	} else {
		err = check_properties(rd, ev,
				       ev->data.sequence_start.anchor);
		if (!err)
			err = check_tag(rd, ev, ev->data.sequence_start.tag,
					"tag:yaml.org,2002:seq");
	}
	if (err)
		return err;
	if (rd->depth >= HT_YAML_MAX_DEPTH)
		return reject(rd, HT_ETOODEEP,
			      (unsigned)ev->start_mark.line + 1,
			      (unsigned)ev->start_mark.column + 1,
			      "yaml-depth", "nesting deeper than %d levels",
			      HT_YAML_MAX_DEPTH);
	n = is_map ? ht_ynode_new_map() : ht_ynode_new_seq();
	n->line = (unsigned)ev->start_mark.line + 1;
	n->col = (unsigned)ev->start_mark.column + 1;
	if (is_map)
		n->style = ev->data.mapping_start.style ==
					   YAML_FLOW_MAPPING_STYLE
				   ? HT_YSTYLE_FLOW
				   : HT_YSTYLE_BLOCK;
	else
		n->style = ev->data.sequence_start.style ==
					   YAML_FLOW_SEQUENCE_STYLE
				   ? HT_YSTYLE_FLOW
				   : HT_YSTYLE_BLOCK;
	f = &rd->stack[rd->depth++];
	memset(f, 0, sizeof(*f));
	f->node = n;
	return 0;
}

static int on_end(struct reader *rd)
{
	struct frame *f = &rd->stack[--rd->depth];
	struct ht_ynode *n = f->node;

	ht_ykeys_release(&f->keys);
	ht_ynode_free(f->pending_key);
	memset(f, 0, sizeof(*f));
	return attach(rd, n);
}

static void unwind(struct reader *rd)
{
	while (rd->depth > 0) {
		struct frame *f = &rd->stack[--rd->depth];

		ht_ykeys_release(&f->keys);
		ht_ynode_free(f->pending_key);
		ht_ynode_free(f->node);
	}
	ht_ynode_free(rd->root);
	rd->root = NULL;
}

static int on_event(struct reader *rd, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++rd->documents > 1)
			return reject(rd, HT_ESYNTAX,
				      (unsigned)ev->start_mark.line + 1,
				      (unsigned)ev->start_mark.column + 1,
				      "multi-document",
				      "more than one YAML document in the "
				      "file");
		return 0;
	case YAML_ALIAS_EVENT:
		return reject(rd, HT_ESYNTAX, (unsigned)ev->start_mark.line + 1,
			      (unsigned)ev->start_mark.column + 1,
			      "yaml-anchor",
			      "alias '*%.100s' is not supported (Git Sync "
			      "files do not use anchors or aliases)",
			      (const char *)ev->data.alias.anchor);
	case YAML_SCALAR_EVENT:
		return on_scalar(rd, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(rd, ev, 0);
	case YAML_MAPPING_START_EVENT:
		return on_start(rd, ev, 1);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(rd);
	default:
		return 0;
	}
}

/*
 * The first line (1-based) that starts with a merge conflict marker, as
 * `git diff --check` finds them: seven '<', '|' or '>' (with `separator`,
 * '=' too), then a blank or the end of the line; 0 when there is none.
 * `*marker` is set to the marker's character.
 */
static unsigned conflict_marker(const char *buf, size_t len, int separator,
				char *marker)
{
	const char *p = buf, *end = buf + len, *nl;
	unsigned line = 1;
	int i;

	for (;; line++) {
		if (end - p >= 7 && *p &&
		    strchr(separator ? "<|=>" : "<|>", *p)) {
			for (i = 1; i < 7 && p[i] == *p; i++)
				;
			if (i == 7 && (end - p == 7 || p[7] == ' ' ||
				       p[7] == '\t' || p[7] == '\n' ||
				       p[7] == '\r')) {
				*marker = *p;
				return line;
			}
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return 0;
		p = nl + 1;
	}
}

/*
 * Leftover conflict markers: in text that does not parse, any of the
 * four is why, and is reported instead of what the parser found; in text
 * that parses, '<<<<<<<', '|||||||' and '>>>>>>>' still are (they can
 * only be inside a quoted scalar over several lines), a line of '='
 * alone is taken as text.
 */
static int check_conflict(struct reader *rd, int parsed)
{
	char marker[8] = "";
	unsigned line = conflict_marker(rd->buf, rd->len, !parsed, marker);

	if (!line)
		return 0;
	memset(marker + 1, marker[0], 6);
	return reject(rd, HT_ESYNTAX, line, 1, "conflict-marker",
		      "merge conflict marker '%s' (resolve the conflict and "
		      "remove the markers)",
		      marker);
}

/* The text of `rd` into a tree, through `which` path. */
static int parse(struct reader *rd, struct ht_ynode **out,
		 enum ht_yaml_path which, int fast_ok)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int done = 0, err;

	if (which != HT_YAML_LIBYAML) {
		err = fast_ok ? ht_yaml_parse_fast(out, rd->buf, rd->len)
			      : HT_EUNSUPPORTED;
		if (err != HT_EUNSUPPORTED || which == HT_YAML_FAST)
			return err;
	}

	if (!yaml_parser_initialize(&parser))
		return ht_error_set(HT_ERROR, "cannot initialise the YAML "
					      "parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)rd->buf,
				     rd->len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			err = parser_error(rd, &parser);
			goto cleanup;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		err = on_event(rd, &ev);
		yaml_event_delete(&ev);
		if (err)
			goto cleanup;
	}
	if (!rd->root) {
		rd->root = ht_ynode_new_null();
		rd->root->line = rd->root->col = 1;
	}
	*out = rd->root;
	rd->root = NULL;
cleanup:
	yaml_parser_delete(&parser);
	return err;
}

size_t ht_yaml_bom_len(const char *buf, size_t len)
{
	return len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

int ht_yaml_parse_with(struct ht_ynode **out, const char *buf, size_t len,
		       const char *path, struct ht_ydiag *diag,
		       enum ht_yaml_path which)
{
	struct reader rd;
	int fast_ok, err;

	*out = NULL;
	memset(&rd, 0, sizeof(rd));
	rd.buf = buf;
	rd.len = len;
	rd.path = path ? path : "<input>";
	rd.diag = diag;

	if (len > HT_YAML_MAX_SIZE) {
		err = reject(&rd, HT_ETOOBIG, 1, 1, "file-size",
			     "file is larger than %u bytes (%zu bytes)",
			     HT_YAML_MAX_SIZE, len);
		goto cleanup;
	}
	/*
	 * A UTF-8 byte order mark first is read as libyaml would read it by
	 * itself: skipped, no column, and both paths see the text after it.
	 */
	rd.buf += ht_yaml_bom_len(buf, len);
	rd.len -= ht_yaml_bom_len(buf, len);
	err = check_encoding(&rd, &fast_ok);
	if (!err)
		err = parse(&rd, out, which, fast_ok);
	if (err == HT_ESYNTAX || err == HT_ETOODEEP) {
		unwind(&rd);
		err = check_conflict(&rd, 0) ? HT_ESYNTAX : err;
	} else if (!err && check_conflict(&rd, 1)) {
		ht_ynode_free(*out);
		*out = NULL;
		err = HT_ESYNTAX;
	}
cleanup:
	unwind(&rd);
	return err;
}

int ht_yaml_parse(struct ht_ynode **out, const char *buf, size_t len,
		  const char *path, struct ht_ydiag *diag)
{
	return ht_yaml_parse_with(out, buf, len, path, diag, HT_YAML_AUTO);
}

int ht_yaml_parse_file(struct ht_ynode **out, const char *path,
		       struct ht_ydiag *diag)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	int err;

	*out = NULL;
	err = ht_strbuf_read_file(&sb, path, HT_YAML_MAX_SIZE);
	if (err == HT_ETOOBIG) {
		if (diag) {
			diag->line = diag->col = 1;
			diag->rule = "file-size";
			snprintf(diag->message, sizeof(diag->message),
				 "file is larger than %u bytes",
				 HT_YAML_MAX_SIZE);
		}
		err = ht_error_set(HT_ETOOBIG, "%s:1:1: file is larger than "
					       "%u bytes",
				   ht_quote_path(&sb, path), HT_YAML_MAX_SIZE);
	}
	if (!err)
		err = ht_yaml_parse(out, sb.buf, sb.len, path, diag);
	ht_strbuf_release(&sb);
	return err;
}
