/*
 * The YAML reader's fast path: a line-oriented reader for the block-style
 * subset that Git Sync and ht_yaml_emit() write (block mappings and
 * sequences, one-line plain and quoted scalars, literal and folded block
 * scalars, `[]` and `{}`, comments), building the same tree, positions and
 * styles as the libyaml path.
 *
 * It never reports an error: for anything it does not read exactly as
 * libyaml would, every error included, it declines, and ht_yaml_parse()
 * reads the text with libyaml.  Declining is always safe, so when in doubt
 * this file declines.  t-yaml-read and fuzz-yaml compare the two paths on
 * every input the fast one accepts.
 *
 * Columns are 0-based byte offsets inside this file (indentation and the
 * `- ` before a key are ASCII, so for them bytes are columns); positions
 * put in the tree are 1-based code points, as libyaml counts them.
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

/* Deeper documents go to libyaml, which reports the depth limit. */
#define FAST_MAX_DEPTH 32
/* libyaml looks at most 1024 characters ahead for a key's ':'. */
#define FAST_MAX_KEY 1000

#define DECLINE 1
/* from plain() and inline_value(): the text is a key, not a value */
#define IS_KEY 2

struct fast {
	const char *end;
	const char *p;		/* the next byte */
	const char *line_start; /* the first byte of p's line */
	unsigned line;		/* p's line, 1-based */
	int depth;
	struct ht_strbuf sb;	/* block scalar text */
};

static int is_indicator(char ch)
{
	switch (ch) {
	case '-': case '?': case ':': case ',': case '[': case ']':
	case '{': case '}': case '#': case '&': case '*': case '!':
	case '|': case '>': case '\'': case '"': case '%': case '@':
	case '`':
		return 1;
	}
	return 0;
}

static int at_eol(const struct fast *f, const char *q)
{
	return q == f->end || *q == '\n';
}

/* 1 if `q` ends a token: a space or the end of the line. */
static int blank_or_eol(const struct fast *f, const char *q)
{
	return at_eol(f, q) || *q == ' ';
}

/* The 1-based column, in code points, of `at` on the current line. */
static unsigned col_of(const struct fast *f, const char *at)
{
	const char *q;
	unsigned col = 1;

	for (q = f->line_start; q < at; q++)
		if (((unsigned char)*q & 0xC0) != 0x80)
			col++;
	return col;
}

static void next_line(struct fast *f)
{
	const char *nl = memchr(f->p, '\n', (size_t)(f->end - f->p));

	if (!nl) {
		f->p = f->line_start = f->end;
		return;
	}
	f->p = f->line_start = nl + 1;
	f->line++;
}

/*
 * From the start of a line, skip empty and comment lines.  Sets *indent to
 * the indentation of the next line with content (p at its first byte), or
 * to -1 at the end of the text.
 */
static int skip_to_content(struct fast *f, int *indent)
{
	for (;;) {
		const char *q = f->line_start;

		if (q == f->end) {
			f->p = q;
			*indent = -1;
			return 0;
		}
		while (q < f->end && *q == ' ')
			q++;
		if (q < f->end && *q == '\t')
			return DECLINE;
		if (q < f->end && *q == '#') {
			f->p = q;
			next_line(f);
			continue;
		}
		if (at_eol(f, q)) {
			f->p = q;
			next_line(f);
			continue;
		}
		/* `---` and `...` at column 0 are document markers */
		if (q == f->line_start && f->end - q >= 3 &&
		    (!memcmp(q, "---", 3) || !memcmp(q, "...", 3)) &&
		    (f->end - q == 3 || q[3] == ' ' || q[3] == '\n' ||
		     q[3] == '\t'))
			return DECLINE;
		f->p = q;
		*indent = (int)(q - f->line_start);
		return 0;
	}
}

/* After a value on this line: only blanks and a comment, then next line. */
static int end_of_line(struct fast *f)
{
	const char *q = f->p;

	while (q < f->end && *q == ' ')
		q++;
	if (!at_eol(f, q)) {
		if (*q != '#' || q == f->p)
			return DECLINE;
	}
	f->p = q;
	next_line(f);
	return 0;
}

static struct ht_ynode *scalar(struct fast *f, const char *at,
			       const char *s, size_t len, enum ht_ystyle style)
{
	struct ht_ynode *n = ht_ynode_new_str(s, len);

	n->style = style;
	n->line = f->line;
	n->col = col_of(f, at);
	return n;
}

/*
 * The plain scalar at p, up to the end of the line or a comment.  Returns
 * DECLINE, 0, or IS_KEY (a ':' followed by a blank).
 */
static int plain(struct fast *f, struct ht_ynode **out, int may_be_key)
{
	const char *s = f->p, *q, *e;

	for (q = s; !at_eol(f, q); q++) {
		if (*q == ':' && blank_or_eol(f, q + 1))
			return may_be_key ? IS_KEY : DECLINE;
		if (*q == '\t')
			return DECLINE;
		if (*q == '#' && q > s && q[-1] == ' ')
			break;
	}
	e = q;
	while (e > s && e[-1] == ' ')
		e--;
	*out = scalar(f, s, s, (size_t)(e - s), HT_YSTYLE_PLAIN);
	ht_yaml_resolve_plain(*out);
	f->p = e;
	return end_of_line(f);
}

/* The text of the one-line single-quoted scalar at p into f->sb; p after. */
static int single_quoted(struct fast *f)
{
	const char *q;
	struct ht_strbuf *sb = &f->sb;

	ht_strbuf_reset(sb);
	for (q = f->p + 1;; q++) {
		if (at_eol(f, q) || *q == '\t')
			return DECLINE;
		if (*q == '\'') {
			if (q + 1 < f->end && q[1] == '\'') {
				ht_strbuf_addch(sb, '\'');
				q++;
				continue;
			}
			break;
		}
		ht_strbuf_addch(sb, *q);
	}
	f->p = q + 1;
	return 0;
}

static int hex_value(const char *q, int digits, uint32_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < digits; i++) {
		char ch = q[i];

		*v <<= 4;
		if (ch >= '0' && ch <= '9')
			*v |= (uint32_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			*v |= (uint32_t)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			*v |= (uint32_t)(ch - 'A' + 10);
		else
			return DECLINE;
	}
	return 0;
}

static void add_utf8(struct ht_strbuf *sb, uint32_t v)
{
	if (v < 0x80) {
		ht_strbuf_addch(sb, (char)v);
	} else if (v < 0x800) {
		ht_strbuf_addch(sb, (char)(0xC0 | (v >> 6)));
		ht_strbuf_addch(sb, (char)(0x80 | (v & 0x3F)));
	} else if (v < 0x10000) {
		ht_strbuf_addch(sb, (char)(0xE0 | (v >> 12)));
		ht_strbuf_addch(sb, (char)(0x80 | ((v >> 6) & 0x3F)));
		ht_strbuf_addch(sb, (char)(0x80 | (v & 0x3F)));
	} else {
		ht_strbuf_addch(sb, (char)(0xF0 | (v >> 18)));
		ht_strbuf_addch(sb, (char)(0x80 | ((v >> 12) & 0x3F)));
		ht_strbuf_addch(sb, (char)(0x80 | ((v >> 6) & 0x3F)));
		ht_strbuf_addch(sb, (char)(0x80 | (v & 0x3F)));
	}
}

/* The escapes of YAML 1.2 section 5.7, as libyaml reads them. */
static int escape(struct fast *f, const char **qp)
{
	static const char simple[] = "0\0a\ab\bt\tn\nv\vf\fr\re\x1b \040\"\"/" \
				     "/\\\\";
	const char *q = *qp + 1; /* after the backslash */
	struct ht_strbuf *sb = &f->sb;
	uint32_t v;
	int digits = 0;
	size_t i;

	if (at_eol(f, q))
		return DECLINE;
	for (i = 0; i + 1 < sizeof(simple); i += 2) {
		if (*q == simple[i]) {
			ht_strbuf_addch(sb, simple[i + 1]);
			*qp = q + 1;
			return 0;
		}
	}
	switch (*q) {
	case 'N':
		v = 0x85;
		break;
	case '_':
		v = 0xA0;
		break;
	case 'L':
		v = 0x2028;
		break;
	case 'P':
		v = 0x2029;
		break;
	case 'x':
		digits = 2;
		break;
	case 'u':
		digits = 4;
		break;
	case 'U':
		digits = 8;
		break;
	default:
		return DECLINE;
	}
	if (digits) {
		if (f->end - (q + 1) < digits ||
		    hex_value(q + 1, digits, &v) ||
		    (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
			return DECLINE;
		q += digits;
	}
	add_utf8(sb, v);
	*qp = q + 1;
	return 0;
}

/* The same for a double-quoted scalar, escapes and all. */
static int double_quoted(struct fast *f)
{
	const char *q = f->p + 1;
	struct ht_strbuf *sb = &f->sb;

	ht_strbuf_reset(sb);
	for (;;) {
		if (at_eol(f, q) || *q == '\t')
			return DECLINE;
		if (*q == '"')
			break;
		if (*q == '\\') {
			if (escape(f, &q))
				return DECLINE;
			continue;
		}
		ht_strbuf_addch(sb, *q++);
	}
	f->p = q + 1;
	return 0;
}

/* A quoted scalar at p: its node, p after the closing quote. */
static int quoted(struct fast *f, struct ht_ynode **out)
{
	const char *s = f->p;
	int single = *s == '\'';

	if (single ? single_quoted(f) : double_quoted(f))
		return DECLINE;
	*out = scalar(f, s, f->sb.buf, f->sb.len,
		      single ? HT_YSTYLE_SINGLE : HT_YSTYLE_DOUBLE);
	return 0;
}

/*
 * Eat the indentation and empty lines before a block scalar's next line
 * (libyaml's yaml_parser_scan_block_scalar_breaks()).  *indent 0 means
 * not known yet: it is set from the longest indentation seen, at least
 * `floor`.  Leaves p at the first byte past the indentation.
 */
static int block_breaks(struct fast *f, unsigned *indent, unsigned floor,
			size_t *breaks, unsigned *col)
{
	unsigned max = 0;

	for (;;) {
		const char *q = f->line_start;
		unsigned c = 0;

		while ((!*indent || c < *indent) && q < f->end && *q == ' ')
			q++, c++;
		if (c > max)
			max = c;
		if ((!*indent || c < *indent) && q < f->end && *q == '\t')
			return DECLINE;
		f->p = q;
		*col = c;
		if (q == f->end || *q != '\n')
			break;
		(*breaks)++;
		next_line(f);
	}
	if (!*indent)
		*indent = max < floor ? floor : max;
	return 0;
}

/*
 * A literal (|) or folded (>) scalar whose indicator is at p, in a
 * collection at column `outer` (libyaml's parser->indent).
 */
static int block_scalar(struct fast *f, unsigned outer, struct ht_ynode **out)
{
	const char *s = f->p, *q;
	int literal = *s == '|', chomp = 0;
	int leading_break = 0, leading_blank = 0, trailing_blank;
	unsigned line = f->line, col = col_of(f, s), indent = 0, c;
	/* indent 0: found from the first line with text */
	size_t breaks = 0;
	struct ht_strbuf *sb = &f->sb;

	/* [|>], then a chomping and an indentation indicator, either first */
	q = s + 1;
	if (q < f->end && (*q == '-' || *q == '+'))
		chomp = *q++ == '-' ? -1 : 1;
	if (q < f->end && *q >= '0' && *q <= '9') {
		if (*q == '0')
			return DECLINE;
		indent = outer + (unsigned)(*q++ - '0');
		if (!chomp && q < f->end && (*q == '-' || *q == '+'))
			chomp = *q++ == '-' ? -1 : 1;
	}
	f->p = q;
	if (end_of_line(f))
		return DECLINE;

	ht_strbuf_reset(sb);
	if (block_breaks(f, &indent, outer + 1, &breaks, &c))
		return DECLINE;
	while (c == indent && f->p < f->end) {
		const char *nl;

		trailing_blank = *f->p == ' ' || *f->p == '\t';
		if (!literal && leading_break && !leading_blank &&
		    !trailing_blank) {
			if (!breaks)
				ht_strbuf_addch(sb, ' ');
		} else if (leading_break) {
			ht_strbuf_addch(sb, '\n');
		}
		leading_break = 0;
		for (; breaks; breaks--)
			ht_strbuf_addch(sb, '\n');
		leading_blank = trailing_blank;
		nl = memchr(f->p, '\n', (size_t)(f->end - f->p));
		if (!nl) {
			ht_strbuf_add(sb, f->p, (size_t)(f->end - f->p));
			f->p = f->line_start = f->end;
			break;
		}
		ht_strbuf_add(sb, f->p, (size_t)(nl - f->p));
		leading_break = 1;
		next_line(f);
		if (block_breaks(f, &indent, outer + 1, &breaks, &c))
			return DECLINE;
	}
	if (chomp != -1 && leading_break)
		ht_strbuf_addch(sb, '\n');
	if (chomp == 1)
		for (; breaks; breaks--)
			ht_strbuf_addch(sb, '\n');

	*out = ht_ynode_new_str(sb->buf, sb->len);
	(*out)->style = literal ? HT_YSTYLE_LITERAL : HT_YSTYLE_FOLDED;
	(*out)->line = line;
	(*out)->col = col;
	f->p = f->line_start; /* the caller looks at this line again */
	return 0;
}

/* `[]` or `{}`: the only flow collections read here. */
static int empty_flow(struct fast *f, struct ht_ynode **out)
{
	const char *s = f->p;
	int is_seq = *s == '[';

	if (s + 1 >= f->end || s[1] != (is_seq ? ']' : '}'))
		return DECLINE;
	*out = is_seq ? ht_ynode_new_seq() : ht_ynode_new_map();
	(*out)->style = HT_YSTYLE_FLOW;
	(*out)->line = f->line;
	(*out)->col = col_of(f, s);
	f->p = s + 2;
	return end_of_line(f);
}

/*
 * The value starting at p on this line, in a collection at column `outer`.
 * Returns DECLINE, 0, or IS_KEY when `may_be_key` and the text is a key.
 */
static int inline_value(struct fast *f, unsigned outer, struct ht_ynode **out,
			int may_be_key)
{
	const char *s = f->p;

	switch (*s) {
	case '\'':
	case '"':
		if (quoted(f, out))
			return DECLINE;
		return end_of_line(f);
	case '|':
	case '>':
		return block_scalar(f, outer, out);
	case '[':
	case '{':
		return empty_flow(f, out);
	case '-':
	case '?':
	case ':':
		if (blank_or_eol(f, s + 1) || s[1] == '\t')
			return DECLINE;
		break;
	default:
		if (is_indicator(*s))
			return DECLINE;
	}
	return plain(f, out, may_be_key);
}

static int block_node(struct fast *f, unsigned indent, struct ht_ynode **out);

/* 1 if p is at `-` followed by a blank: a sequence entry. */
static int at_entry(const struct fast *f)
{
	return *f->p == '-' &&
	       (blank_or_eol(f, f->p + 1) || f->p[1] == '\t');
}

/* The key at p, up to its ':'; p after the ':'. */
static int key(struct fast *f, struct ht_ynode **out)
{
	const char *s = f->p, *q, *e;

	if (*s == '\'' || *s == '"') {
		/* a quoted key: its ':' right after the quote */
		if (quoted(f, out))
			return DECLINE;
		if (f->p == f->end || *f->p != ':' ||
		    !blank_or_eol(f, f->p + 1))
			return DECLINE;
		f->p++;
		return 0;
	}
	if (is_indicator(*s))
		return DECLINE;
	for (q = s;; q++) {
		if (at_eol(f, q) || *q == '\t')
			return DECLINE;
		if (*q == ':' && blank_or_eol(f, q + 1))
			break;
		if (*q == '#' && q > s && q[-1] == ' ')
			return DECLINE;
	}
	e = q;
	while (e > s && e[-1] == ' ')
		e--;
	if (e - s > FAST_MAX_KEY)
		return DECLINE;
	*out = scalar(f, s, s, (size_t)(e - s), HT_YSTYLE_PLAIN);
	f->p = q + 1;
	return 0;
}

/*
 * A block mapping whose first key is at p, at column `indent` (after `- `
 * when it is a sequence entry).  Ends before the first line indented less.
 */
static int mapping(struct fast *f, unsigned indent, struct ht_ynode **out)
{
	struct ht_ynode *map = ht_ynode_new_map(), *k = NULL, *v = NULL;
	struct ht_ykeys keys = { NULL, 0 };
	int m, ret = DECLINE;

	map->line = f->line;
	map->col = col_of(f, f->p);
	if (++f->depth > FAST_MAX_DEPTH)
		goto cleanup;
	for (;;) {
		unsigned key_line, after_colon;

		if (key(f, &k) || ht_ykeys_find(&keys, map, k))
			goto cleanup;
		key_line = f->line;
		after_colon = col_of(f, f->p);
		while (f->p < f->end && *f->p == ' ')
			f->p++;
		if (at_eol(f, f->p) || *f->p == '#') {
			/* the value is on the next lines, or empty */
			next_line(f);
			if (skip_to_content(f, &m))
				goto cleanup;
			if (m > (int)indent ||
			    (m == (int)indent && at_entry(f))) {
				if (block_node(f, (unsigned)m, &v))
					goto cleanup;
			} else {
				v = ht_ynode_new_str("", 0);
				v->line = key_line;
				v->col = after_colon;
				ht_yaml_resolve_plain(v);
				f->p = f->line_start;
			}
		} else if (inline_value(f, indent, &v, 0)) {
			goto cleanup;
		}
		ht_ynode_map_add_node(map, k, v);
		ht_ykeys_added(&keys, map);
		k = v = NULL;

		if (skip_to_content(f, &m))
			goto cleanup;
		if (m < (int)indent) {
			f->p = f->line_start;
			break;
		}
		if (m > (int)indent || at_entry(f))
			goto cleanup;
	}
	ret = 0;
	*out = map;
	map = NULL;
cleanup:
	f->depth--;
	ht_ykeys_release(&keys);
	ht_ynode_free(k);
	ht_ynode_free(v);
	ht_ynode_free(map);
	return ret;
}

/* A block sequence whose first `-` is at p, at column `indent`. */
static int sequence(struct fast *f, unsigned indent, struct ht_ynode **out)
{
	struct ht_ynode *seq = ht_ynode_new_seq(), *v = NULL;
	int m, ret = DECLINE, r;

	seq->line = f->line;
	seq->col = col_of(f, f->p);
	if (++f->depth > FAST_MAX_DEPTH)
		goto cleanup;
	for (;;) {
		const char *q = f->p + 1;

		while (q < f->end && *q == ' ')
			q++;
		/* `-` alone or `- # comment`: libyaml's */
		if (at_eol(f, q) || *q == '#' || *q == '\t')
			goto cleanup;
		f->p = q;
		if (at_entry(f)) {
			/* `- - x`: a sequence in a sequence */
			r = sequence(f, (unsigned)(q - f->line_start), &v);
		} else {
			r = inline_value(f, indent, &v, 1);
			if (r == IS_KEY)
				r = mapping(f, (unsigned)(q - f->line_start),
					    &v);
		}
		if (r)
			goto cleanup;
		ht_ynode_seq_push(seq, v);
		v = NULL;

		if (skip_to_content(f, &m))
			goto cleanup;
		if (m < (int)indent || (m == (int)indent && !at_entry(f))) {
			f->p = f->line_start;
			break;
		}
		if (m > (int)indent)
			goto cleanup;
	}
	ret = 0;
	*out = seq;
	seq = NULL;
cleanup:
	f->depth--;
	ht_ynode_free(v);
	ht_ynode_free(seq);
	return ret;
}

/* A collection starting on its own line, at p, at column `indent`. */
static int block_node(struct fast *f, unsigned indent, struct ht_ynode **out)
{
	if (at_entry(f))
		return sequence(f, indent, out);
	return mapping(f, indent, out);
}

int ht_yaml_parse_fast(struct ht_ynode **out, const char *buf, size_t len)
{
	struct fast f;
	struct ht_ynode *doc = NULL;
	int m, ret = HT_EUNSUPPORTED;

	*out = NULL;
	memset(&f, 0, sizeof(f));
	f.end = buf + len;
	f.p = f.line_start = buf;
	f.line = 1;
	ht_strbuf_init(&f.sb, 0);

	/* an optional `---` line first */
	if (len >= 3 && !memcmp(buf, "---", 3)) {
		f.p = buf + 3;
		if (end_of_line(&f))
			goto cleanup;
	}
	if (skip_to_content(&f, &m) || m != 0 || at_entry(&f))
		goto cleanup;
	if (*f.p == '[' || *f.p == '{' ? empty_flow(&f, &doc)
				       : mapping(&f, 0, &doc))
		goto cleanup;
	if (skip_to_content(&f, &m) || m != -1)
		goto cleanup;
	*out = doc;
	doc = NULL;
	ret = 0;
cleanup:
	ht_ynode_free(doc);
	ht_strbuf_release(&f.sb);
	return ret;
}
