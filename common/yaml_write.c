/*
 * The canonical YAML emitter.
 *
 * Output is block style with two-space indentation, mapping keys in the
 * tree's order, sequences indented under their key, `[]` and `{}` for
 * empty collections, literal block scalars for multi-line text and quotes
 * only where a YAML 1.1 or YAML 1.2 (core schema) reader would otherwise
 * read something else.  Nothing depends on the clock, the locale or the
 * tree's styles and positions, so the same tree always gives the same
 * bytes, and ht_yaml_parse() gives the same tree back.
 *
 * Strings
 *
 *  - Plain when safe (see plain_safe()): not empty; not starting with an
 *    indicator character or "..."; no leading or trailing space; no ": ",
 *    " #" or trailing ':'; for keys, no flow indicator ",[]{}"; and not
 *    something a reader resolves to another type (looks_special()).
 *  - Single-quoted when printable, on one line and not plain.
 *  - Literal block scalar (values only) for text with line feeds that is
 *    otherwise printable (tabs allowed) and holds more than white space.
 *  - Double-quoted with escapes for everything else: C0 controls (but a
 *    tab in block text), CR, DEL, C1 controls (NEL included), U+2028,
 *    U+2029, U+FEFF, U+FFFE, U+FFFF, multi-line keys, multi-line text of
 *    only spaces, tabs and line feeds (which some readers take for an
 *    empty block scalar), and text that would need an indentation
 *    indicator and ends in a line of white space (which some readers
 *    drop).
 *
 * Strings must be valid UTF-8: YAML cannot hold other bytes (its "\xNN"
 * escape means the code point U+00NN), so the emitter refuses them with
 * HT_EINVALID rather than write something that reads back differently.
 */
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/error.h"
#include "hightouch/strbuf.h"
#include "hightouch/utf8.h"
#include "hightouch/yaml.h"

/*
 * libyaml and PyYAML refuse an implicit key that runs over 1024
 * characters; longer keys are written as explicit "? key" entries.
 */
#define MAX_IMPLICIT_KEY 1000

/* What a scan of a string's code points found. */
struct scan {
	unsigned invalid : 1; /* not valid UTF-8 */
	unsigned escape : 1;  /* a character only "..." can hold */
	unsigned tab : 1;
	unsigned newline : 1;
	unsigned blank : 1; /* nothing but spaces, tabs and line feeds */
};

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_xdigit(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* 1 if the `len` bytes at `s` are `word`, ignoring ASCII case. */
static int word_is(const char *s, size_t len, const char *word)
{
	size_t i;

	if (strlen(word) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (lower((unsigned char)s[i]) != word[i])
			return 0;
	return 1;
}


/*
 * 1 for a code point YAML cannot hold unescaped, or that a YAML 1.1
 * reader takes as a line break or byte order mark.  Tab and line feed are
 * left to the caller.
 */
static int needs_escape(uint32_t c)
{
	if (c == '\t' || c == '\n')
		return 0;
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
	       c == 0x2029 || c == 0xfeff || c == 0xfffe || c == 0xffff;
}

static void scan_string(const char *s, size_t len, struct scan *sc)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t c;

	memset(sc, 0, sizeof(*sc));
	sc->blank = 1;
	while (i < len) {
		n = ht_utf8_decode(p + i, len - i, &c);
		if (!n) {
			sc->invalid = 1;
			return;
		}
		if (c != '\n' && c != ' ' && c != '\t')
			sc->blank = 0;
		if (c == '\n')
			sc->newline = 1;
		else if (c == '\t')
			sc->tab = 1;
		else if (needs_escape(c))
			sc->escape = 1;
		i += n;
	}
}

/*
 * 1 if the text reads as a number in YAML 1.1 or 1.2, or comes close
 * enough that some reader might take it for one (base prefixes, digits
 * with '_', ',' or ':' (sexagesimal), any number of dots, exponents, even
 * alone as "e3" (the npm "yaml" package's YAML 1.1 schema reads that as
 * a float), .inf and .nan).  Over-quoting such strings costs nothing.
 */
static int looks_like_number(const char *s, size_t len)
{
	size_t i = 0, j;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i == len)
		return 0;
	if (len - i == 4 && s[i] == '.' &&
	    (word_is(s + i + 1, 3, "inf") || word_is(s + i + 1, 3, "nan")))
		return 1;
	if (len - i > 2 && s[i] == '0' && s[i + 1] &&
	    strchr("xXoObB", s[i + 1])) {
		for (j = i + 2; j < len; j++)
			if (!is_xdigit((unsigned char)s[j]) && s[j] != '_')
				break;
		if (j == len)
			return 1;
	}
	if (!is_digit((unsigned char)s[i]) && s[i] != '.' && s[i] != 'e' &&
	    s[i] != 'E')
		return 0;
	while (i < len && (is_digit((unsigned char)s[i]) || s[i] == '_' ||
			   s[i] == '.' || s[i] == ':' || s[i] == ','))
		i++;
	if (i == len)
		return 1;
	if (s[i] != 'e' && s[i] != 'E')
		return 0;
	i++;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i == len)
		return 0;
	while (i < len && is_digit((unsigned char)s[i]))
		i++;
	return i == len;
}

/*
 * 1 if the text starts like a YAML 1.1 timestamp (yyyy-m-d, with one or
 * two digits for month and day), whatever follows.
 */
static int looks_like_date(const char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < 4; i++)
		if (i >= len || !is_digit((unsigned char)s[i]))
			return 0;
	for (n = 0; n < 2; n++) {
		if (i >= len || s[i] != '-')
			return 0;
		i++;
		if (i >= len || !is_digit((unsigned char)s[i]))
			return 0;
		i++;
		if (i < len && is_digit((unsigned char)s[i]))
			i++;
	}
	return 1;
}

/*
 * 1 if a plain scalar with this text would not read back as this string
 * in YAML 1.2 core or YAML 1.1: null, booleans (any case), numbers,
 * timestamps, the 1.1 value key "=" and merge key "<<".
 */
static int looks_special(const char *s, size_t len)
{
	static const char *const words[] = { "null", "~", "true", "false",
					     "yes", "no", "on", "off", "y",
					     "n", "=", "<<", NULL };
	size_t i;

	for (i = 0; words[i]; i++)
		if (word_is(s, len, words[i]))
			return 1;
	return looks_like_number(s, len) || looks_like_date(s, len);
}

/*
 * 1 if a single-line, printable, tab-free string can be written plain.
 */
static int plain_safe(const char *s, size_t len, int is_key)
{
	size_t i;

	if (!len)
		return 0;
	if (!s[0] || strchr("-?:,[]{}#&*!|>'\"%@`", s[0]))
		return 0;
	if (len >= 3 && !memcmp(s, "...", 3))
		return 0;
	if (s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':')
		return 0;
	for (i = 0; i + 1 < len; i++) {
		if (s[i] == ':' && s[i + 1] == ' ')
			return 0;
		if (s[i] == ' ' && s[i + 1] == '#')
			return 0;
	}
	if (is_key)
		for (i = 0; i < len; i++)
			if (s[i] && strchr(",[]{}", s[i]))
				return 0;
	return !looks_special(s, len);
}

/*
 * 1 if a literal block scalar of this text needs an indentation
 * indicator: its first non-empty line starts with a space or a tab, so
 * that a reader would otherwise take the wrong indentation (or, for a
 * tab, refuse the text).
 */
static int needs_indent_indicator(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && s[i] == '\n'; i++)
		;
	return i < len && (s[i] == ' ' || s[i] == '\t');
}

/*
 * 1 if the last line before any final line feeds is not empty but holds
 * only spaces and tabs.
 */
static int ends_in_blank_line(const char *s, size_t len)
{
	size_t end = len, i;

	while (end && s[end - 1] == '\n')
		end--;
	for (i = end; i && s[i - 1] != '\n'; i--)
		if (s[i - 1] != ' ' && s[i - 1] != '\t')
			return 0;
	return i < end;
}

enum ht_ystyle ht_yaml_string_style(const char *s, size_t len, int is_key)
{
	struct scan sc;

	if (!s)
		s = "";
	scan_string(s, len, &sc);
	if (sc.invalid || sc.escape)
		return HT_YSTYLE_DOUBLE;
	if (sc.newline) {
		if (is_key || sc.blank)
			return HT_YSTYLE_DOUBLE;
		/*
		 * The npm "yaml" package drops a last line of white space
		 * from a block scalar with an indentation indicator.
		 */
		if (needs_indent_indicator(s, len) &&
		    ends_in_blank_line(s, len))
			return HT_YSTYLE_DOUBLE;
		return HT_YSTYLE_LITERAL;
	}
	if (sc.tab)
		return HT_YSTYLE_DOUBLE;
	return plain_safe(s, len, is_key) ? HT_YSTYLE_PLAIN : HT_YSTYLE_SINGLE;
}

static int emit_single(struct ht_strbuf *out, const char *s, size_t len)
{
	const char *q;
	size_t n;
	int ret;

	if ((ret = ht_strbuf_addch(out, '\'')) < 0)
		return ret;
	/* each quote is doubled */
	while ((q = memchr(s, '\'', len))) {
		n = (size_t)(q - s) + 1;
		if ((ret = ht_strbuf_add(out, s, n)) < 0 ||
		    (ret = ht_strbuf_addch(out, '\'')) < 0)
			return ret;
		len -= n;
		s += n;
	}
	if ((ret = ht_strbuf_add(out, s, len)) < 0)
		return ret;
	return ht_strbuf_addch(out, '\'');
}

/* The two-character escape of a code point in "...", or NULL. */
static const char *short_escape(uint32_t c)
{
	switch (c) {
	case 0x00:
		return "\\0";
	case 0x07:
		return "\\a";
	case 0x08:
		return "\\b";
	case 0x09:
		return "\\t";
	case 0x0a:
		return "\\n";
	case 0x0b:
		return "\\v";
	case 0x0c:
		return "\\f";
	case 0x0d:
		return "\\r";
	case 0x1b:
		return "\\e";
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	default:
		return NULL;
	}
}

/* The caller has checked that `s` is valid UTF-8. */
static int emit_double(struct ht_strbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t c;
	const char *esc;
	int ret;

	if ((ret = ht_strbuf_addch(out, '"')) < 0)
		return ret;
	while (i < len) {
		n = ht_utf8_decode(p + i, len - i, &c);
		if (!n)
			HT_BUG("emit_double() on invalid UTF-8");
		esc = short_escape(c);
		if (esc)
			ret = ht_strbuf_addstr(out, esc);
		else if (c < 0x100 && needs_escape(c))
			ret = ht_strbuf_addf(out, "\\x%02X", (unsigned)c);
		else if (needs_escape(c))
			ret = ht_strbuf_addf(out, "\\u%04X", (unsigned)c);
		else
			ret = ht_strbuf_add(out, s + i, n);
		if (ret < 0)
			return ret;
		i += n;
	}
	return ht_strbuf_addch(out, '"');
}

/*
 * A literal block scalar: the header ("|", indicator, chomping) ends the
 * current line; content lines are indented by `indent` spaces, empty lines
 * are left empty.  The last line break and any empty lines after it are
 * written as the chomping indicator says: "-" none, "" one, "+" more.
 */
static int emit_literal(struct ht_strbuf *out, const char *s, size_t len,
			size_t indent)
{
	size_t body = len, trail, i, eol;
	int ret;

	while (body && s[body - 1] == '\n')
		body--;
	trail = len - body;
	if ((ret = ht_strbuf_addch(out, '|')) < 0 ||
	    (needs_indent_indicator(s, len) &&
	     (ret = ht_strbuf_addch(out, '2')) < 0) ||
	    (trail != 1 &&
	     (ret = ht_strbuf_addch(out, trail ? '+' : '-')) < 0) ||
	    (ret = ht_strbuf_addch(out, '\n')) < 0)
		return ret;
	for (i = 0; i <= body; i = eol + 1) {
		const char *nl = memchr(s + i, '\n', body - i);

		eol = nl ? (size_t)(nl - s) : body;
		if (eol > i &&
		    ((ret = ht_strbuf_addchars(out, ' ', indent)) < 0 ||
		     (ret = ht_strbuf_add(out, s + i, eol - i)) < 0))
			return ret;
		if ((ret = ht_strbuf_addch(out, '\n')) < 0)
			return ret;
	}
	if (trail > 1)
		return ht_strbuf_addchars(out, '\n', trail - 1);
	return 0;
}

/*
 * Write a double as Python's repr() does: the fewest significant digits
 * that read back as the same double, positional when the decimal exponent
 * is in [-4, 16), else with an exponent.  It always gets a '.' (1.0,
 * 1.0e+300) so that YAML 1.1 readers, whose floats need one, agree, and
 * the locale's decimal point does not matter.
 */
static int emit_float(struct ht_strbuf *out, double f)
{
	char buf[64], fixed[80];
	const char *dp = localeconv()->decimal_point;
	size_t dplen = dp && *dp ? strlen(dp) : 0;
	int prec, exp;
	size_t i, j;
	char *e;

	if (isnan(f))
		return ht_strbuf_addstr(out, ".nan");
	if (isinf(f))
		return ht_strbuf_addstr(out, f < 0 ? "-.inf" : ".inf");
	for (prec = 1;; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
		if (prec == 17 || strtod(buf, NULL) == f)
			break;
	}
	e = strchr(buf, 'e');
	exp = e ? (int)strtol(e + 1, NULL, 10) : 0;
	if (exp >= -4 && exp < 16)
		snprintf(buf, sizeof(buf), "%.*g",
			 exp + 1 > prec ? exp + 1 : prec, f);
	/* the locale's decimal point becomes '.' */
	for (i = j = 0; buf[i] && j < sizeof(fixed) - 4;) {
		if (dplen && !strncmp(buf + i, dp, dplen)) {
			fixed[j++] = '.';
			i += dplen;
		} else {
			fixed[j++] = buf[i++];
		}
	}
	fixed[j] = '\0';
	if (!strchr(fixed, '.')) {
		e = strchr(fixed, 'e');
		if (e) {
			memmove(e + 2, e, strlen(e) + 1);
			e[0] = '.';
			e[1] = '0';
		} else {
			memcpy(fixed + j, ".0", 3); /* room kept above */
		}
	}
	return ht_strbuf_addstr(out, fixed);
}

/*
 * How a scalar is written: its string style, HT_YSTYLE_PLAIN for other
 * types.  `top` is set for a document that is just this scalar.
 */
static int scalar_style(const struct ht_ynode *n, int is_key, int top,
			enum ht_ystyle *style)
{
	const char *s = n->str ? n->str : "";
	struct scan sc;

	*style = HT_YSTYLE_PLAIN;
	if (n->type != HT_YTYPE_STR)
		return 0;
	scan_string(s, n->len, &sc);
	if (sc.invalid)
		return ht_error_set(HT_EINVALID, "string is not valid UTF-8");
	*style = ht_yaml_string_style(s, n->len, is_key);
	/*
	 * YAML 1.2 counts a top-level block scalar's indentation indicator
	 * from -1, libyaml and PyYAML from 0: stay out of that.
	 */
	if (*style == HT_YSTYLE_LITERAL && top &&
	    needs_indent_indicator(s, n->len))
		*style = HT_YSTYLE_DOUBLE;
	return 0;
}

/*
 * Write a scalar in `style` (from scalar_style()).  `indent` is where the
 * content of a literal block scalar goes: two more than the column of the
 * collection holding it.
 */
static int emit_scalar(struct ht_strbuf *out, const struct ht_ynode *n,
		       enum ht_ystyle style, size_t indent)
{
	const char *s = n->str ? n->str : "";

	switch (n->type) {
	case HT_YTYPE_NULL:
		return ht_strbuf_addstr(out, "null");
	case HT_YTYPE_BOOL:
		return ht_strbuf_addstr(out, n->b ? "true" : "false");
	case HT_YTYPE_INT:
		return ht_strbuf_addf(out, "%" PRId64, n->i);
	case HT_YTYPE_FLOAT:
		return emit_float(out, n->f);
	case HT_YTYPE_STR:
		break;
	default:
		HT_BUG("scalar of unknown type %d", (int)n->type);
	}
	switch (style) {
	case HT_YSTYLE_PLAIN:
		return ht_strbuf_add(out, s, n->len);
	case HT_YSTYLE_SINGLE:
		return emit_single(out, s, n->len);
	case HT_YSTYLE_LITERAL:
		return emit_literal(out, s, n->len, indent);
	default:
		return emit_double(out, s, n->len);
	}
}

/* A scalar value and the end of its line (a block scalar ends its own). */
static int emit_scalar_line(struct ht_strbuf *out, const struct ht_ynode *n,
			    size_t indent, int top)
{
	enum ht_ystyle style;
	int ret;

	if ((ret = scalar_style(n, 0, top, &style)) < 0 ||
	    (ret = emit_scalar(out, n, style, indent)) < 0)
		return ret;
	if (style == HT_YSTYLE_LITERAL)
		return 0;
	return ht_strbuf_addch(out, '\n');
}

static int is_empty_collection(const struct ht_ynode *n)
{
	return (n->kind == HT_YNODE_SEQ && !n->nitems) ||
	       (n->kind == HT_YNODE_MAP && !n->npairs);
}

static const char *empty_text(const struct ht_ynode *n)
{
	return n->kind == HT_YNODE_SEQ ? "[]" : "{}";
}

static int check_node(const struct ht_ynode *n, int depth)
{
	if (!n)
		HT_BUG("NULL node in a YAML tree");
	if (n->kind != HT_YNODE_SCALAR && n->kind != HT_YNODE_SEQ &&
	    n->kind != HT_YNODE_MAP)
		HT_BUG("YAML node of unknown kind %d", (int)n->kind);
	if (n->kind != HT_YNODE_SCALAR && depth > HT_YAML_MAX_DEPTH)
		return ht_error_set(HT_ETOODEEP,
				    "YAML nesting deeper than %d levels",
				    HT_YAML_MAX_DEPTH);
	return 0;
}

static int emit_collection(struct ht_strbuf *out, const struct ht_ynode *n,
			   size_t indent, int depth);

/*
 * Write the node that follows "- ", "key:" or ":" (the caller has written
 * that much) and end the line.  `indent` is the column of the collection
 * holding the node.  Collections go on the next lines, indented by two,
 * unless `same_line` (sequence items start theirs right after "- ").
 */
static int emit_child(struct ht_strbuf *out, const struct ht_ynode *n,
		      size_t indent, int depth, int same_line)
{
	int ret;

	if ((ret = check_node(n, depth)) < 0)
		return ret;
	if (n->kind == HT_YNODE_SCALAR) {
		if (!same_line && (ret = ht_strbuf_addch(out, ' ')) < 0)
			return ret;
		return emit_scalar_line(out, n, indent + 2, 0);
	}
	if (is_empty_collection(n)) {
		if ((!same_line && (ret = ht_strbuf_addch(out, ' ')) < 0) ||
		    (ret = ht_strbuf_addstr(out, empty_text(n))) < 0)
			return ret;
		return ht_strbuf_addch(out, '\n');
	}
	if (!same_line &&
	    ((ret = ht_strbuf_addch(out, '\n')) < 0 ||
	     (ret = ht_strbuf_addchars(out, ' ', indent + 2)) < 0))
		return ret;
	return emit_collection(out, n, indent + 2, depth);
}

static int emit_pair(struct ht_strbuf *out, const struct ht_ypair *p,
		     size_t indent, int depth)
{
	struct ht_strbuf key = HT_STRBUF_INIT;
	enum ht_ystyle style;
	int ret;

	if (!p->key || p->key->kind != HT_YNODE_SCALAR)
		HT_BUG("YAML mapping key is not a scalar");
	if ((ret = scalar_style(p->key, 1, 0, &style)) < 0 ||
	    (ret = emit_scalar(&key, p->key, style, 0)) < 0)
		goto cleanup;
	if (key.len <= MAX_IMPLICIT_KEY) {
		if ((ret = ht_strbuf_add(out, key.buf, key.len)) < 0 ||
		    (ret = ht_strbuf_addch(out, ':')) < 0)
			goto cleanup;
	} else {
		if ((ret = ht_strbuf_addstr(out, "? ")) < 0 ||
		    (ret = ht_strbuf_add(out, key.buf, key.len)) < 0 ||
		    (ret = ht_strbuf_addch(out, '\n')) < 0 ||
		    (ret = ht_strbuf_addchars(out, ' ', indent)) < 0 ||
		    (ret = ht_strbuf_addch(out, ':')) < 0)
			goto cleanup;
	}
	ret = emit_child(out, p->value, indent, depth + 1, 0);

cleanup:
	ht_strbuf_release(&key);
	return ret;
}

/*
 * Write a non-empty collection whose first line the caller has indented
 * to `indent` (or filled with "- " up to it); `depth` is its nesting.
 */
static int emit_collection(struct ht_strbuf *out, const struct ht_ynode *n,
			   size_t indent, int depth)
{
	size_t i, count = n->kind == HT_YNODE_SEQ ? n->nitems : n->npairs;
	int ret;

	for (i = 0; i < count; i++) {
		if (i && (ret = ht_strbuf_addchars(out, ' ', indent)) < 0)
			return ret;
		if (n->kind == HT_YNODE_MAP) {
			ret = emit_pair(out, &n->pairs[i], indent, depth);
		} else {
			if ((ret = ht_strbuf_addstr(out, "- ")) < 0)
				return ret;
			ret = emit_child(out, n->items[i], indent, depth + 1,
					 1);
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

int ht_yaml_emit(struct ht_strbuf *out, const struct ht_ynode *doc)
{
	size_t orig = out->len;
	int ret;

	if ((ret = check_node(doc, 1)) < 0)
		goto cleanup;
	if (doc->kind == HT_YNODE_SCALAR)
		ret = emit_scalar_line(out, doc, 2, 1);
	else if (!is_empty_collection(doc))
		ret = emit_collection(out, doc, 0, 1);
	else if (!(ret = ht_strbuf_addstr(out, empty_text(doc))))
		ret = ht_strbuf_addch(out, '\n');

cleanup:
	if (ret < 0)
		ht_strbuf_setlen(out, orig);
	return ret;
}
