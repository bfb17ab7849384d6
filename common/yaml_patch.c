/*
 * A YAML file patched to new data, keeping what it can of the old text.
 *
 * The old text's block mappings are cut into the lines of each pair: a
 * pair runs from its key's line to its last line of content (not blank,
 * not a comment at or left of the key's column); the blank and comment
 * lines after it, up to the next key, are a gap.  Then, in the old order:
 *
 *  - a pair whose value has the same data in the new tree keeps its lines;
 *  - a pair whose value is a block mapping in both is patched the same
 *    way, one level down (its key's line stays);
 *  - any other pair the new tree has is written canonically, indented to
 *    its key's column, keeping a comment that ended its one line;
 *  - a pair the new tree lacks goes;
 *  - a pair only the new tree has comes after the last pair before it, in
 *    the new tree's order, that both have (first when there is none).
 *
 * Gaps, the lines before the first key and after the last pair stay.  The
 * result depends on nothing but the two inputs, and it is used only when
 * it parses back to the new tree's data (ht_ynode_same_data()); otherwise,
 * and for what this does not patch (a flow mapping at the top, keys that
 * do not start their lines, carriage returns), the answer is
 * HT_EUNSUPPORTED and the caller writes the file canonically.
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"
#include "hightouch/yaml_patch.h"

/* The old text as lines: line n (1-based) is [start[n-1], start[n]). */
struct lines {
	const char *buf;
	size_t len;
	size_t *start; /* nr + 1 offsets, the last one `len` */
	size_t nr;
};

struct patch {
	struct lines l;
	struct ht_strbuf *out;
};

static void lines_init(struct lines *l, const char *buf, size_t len)
{
	size_t i, alloc = 0;

	memset(l, 0, sizeof(*l));
	l->buf = buf;
	l->len = len;
	HT_ALLOC_GROW(l->start, 1, alloc);
	l->start[0] = 0;
	for (i = 0; i < len; i++) {
		if (buf[i] != '\n' || i + 1 == len)
			continue;
		HT_ALLOC_GROW(l->start, l->nr + 2, alloc);
		l->start[++l->nr] = i + 1;
	}
	if (len) {
		HT_ALLOC_GROW(l->start, l->nr + 2, alloc);
		l->start[++l->nr] = len;
	}
}

static const char *line_at(const struct lines *l, size_t n, size_t *len)
{
	*len = l->start[n] - l->start[n - 1];
	return l->buf + l->start[n - 1];
}

/* The column (1-based) of the first character that is not a space. */
static size_t line_indent(const struct lines *l, size_t n)
{
	size_t len, i;
	const char *s = line_at(l, n, &len);

	for (i = 0; i < len && s[i] == ' '; i++)
		;
	return i + 1;
}

/*
 * 1 if line `n` holds content of a pair whose key is at column `col`: not
 * blank, not a comment starting at or left of `col`.
 */
static int is_content(const struct lines *l, size_t n, size_t col)
{
	size_t len, i;
	const char *s = line_at(l, n, &len);

	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == len || s[i] == '\n')
		return 0;
	return s[i] != '#' || i + 1 > col;
}

/* Lines `from` to `to` (both included) as they are, each ending a line. */
static void copy_lines(struct patch *p, size_t from, size_t to)
{
	size_t n, len;
	const char *s;

	for (n = from; n <= to; n++) {
		s = line_at(&p->l, n, &len);
		ht_strbuf_add(p->out, s, len);
		if (!len || s[len - 1] != '\n')
			ht_strbuf_addch(p->out, '\n');
	}
}

/*
 * Where the comment that ends line `n` starts (its blanks before the
 * '#'), when the line is `key: value  # comment` with `value` a
 * one-line scalar at column `col`; 0 for none.
 */
static size_t trailing_comment(const struct lines *l, size_t n,
			       const struct ht_ynode *v)
{
	size_t len, i;
	const char *s = line_at(l, n, &len);

	if (!v || v->kind != HT_YNODE_SCALAR || v->line != n || !v->col ||
	    v->col > len)
		return 0;
	i = v->col - 1;
	if (v->style == HT_YSTYLE_SINGLE || v->style == HT_YSTYLE_DOUBLE) {
		char q = s[i++];

		for (; i < len && s[i] != '\n'; i++) {
			if (q == '"' && s[i] == '\\') {
				i++;
				continue;
			}
			if (s[i] != q)
				continue;
			if (q == '\'' && i + 1 < len && s[i + 1] == '\'') {
				i++;
				continue;
			}
			break;
		}
		if (i >= len || s[i] != q)
			return 0;
		i++;
	} else if (v->style != HT_YSTYLE_PLAIN) {
		return 0;
	}
	for (; i < len && s[i] != '\n'; i++) {
		if (s[i] == '#' && i && (s[i - 1] == ' ' || s[i - 1] == '\t')) {
			while (i && (s[i - 1] == ' ' || s[i - 1] == '\t'))
				i--;
			return i;
		}
		if (v->style != HT_YSTYLE_PLAIN && s[i] != ' ' && s[i] != '\t')
			return 0; /* something after the quotes */
	}
	return 0;
}

/*
 * The canonical text of the pair `key`: `value`, its key at column `col`.
 * `comment_line` (0: none) is a line of the old text whose trailing
 * comment the pair keeps when it is one line.
 */
static int emit_pair(struct patch *p, const struct ht_ynode *key,
		     const struct ht_ynode *value, size_t col,
		     size_t comment_line, const struct ht_ynode *old_value)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *map = ht_ynode_new_map();
	size_t i, eol, at;
	int ret;

	ht_ynode_map_add_node(map, ht_ynode_dup(key), ht_ynode_dup(value));
	ret = ht_yaml_emit(&sb, map);
	ht_ynode_free(map);
	if (ret < 0)
		goto cleanup;
	for (i = 0; i < sb.len; i = eol + 1) {
		const char *nl = memchr(sb.buf + i, '\n', sb.len - i);

		eol = nl ? (size_t)(nl - sb.buf) : sb.len - 1;
		if (eol > i)
			ht_strbuf_addchars(p->out, ' ', col - 1);
		ht_strbuf_add(p->out, sb.buf + i, eol - i);
		if (comment_line && eol + 1 == sb.len && !i &&
		    (at = trailing_comment(&p->l, comment_line, old_value))) {
			size_t len;
			const char *s = line_at(&p->l, comment_line, &len);

			while (len && s[len - 1] == '\n')
				len--;
			ht_strbuf_add(p->out, s + at, len - at);
		}
		ht_strbuf_addch(p->out, '\n');
	}
cleanup:
	ht_strbuf_release(&sb);
	return ret;
}

static int patch_map(struct patch *p, const struct ht_ynode *old,
		     const struct ht_ynode *new, size_t first, size_t last,
		     int depth);

/*
 * 1 if `old`, the value of a key on line `key_line`, is a block mapping
 * whose pairs start their own lines, left to right at one column, after
 * the key's line: what patch_map() can go into.
 */
static int can_patch(const struct lines *l, const struct ht_ynode *old,
		     size_t key_line)
{
	size_t i, col;

	if (old->kind != HT_YNODE_MAP || old->style != HT_YSTYLE_BLOCK ||
	    !old->npairs)
		return 0;
	col = old->pairs[0].key->col;
	for (i = 0; i < old->npairs; i++) {
		const struct ht_ynode *k = old->pairs[i].key;

		if (k->col != col || k->line <= key_line || k->line > l->nr ||
		    (i && k->line <= old->pairs[i - 1].key->line) ||
		    line_indent(l, k->line) != col)
			return 0;
	}
	return 1;
}

/*
 * The pairs of `new` that `old` lacks, by where they go (see the top of
 * the file): those after the old pair `a` - 1 (0: before the first) are
 * pair[first[a]] to pair[first[a + 1] - 1], in the order of `new`.
 */
struct inserts {
	size_t *first; /* old->npairs + 2 offsets into `pair` */
	size_t *pair;  /* indexes into new->pairs */
};

static void place_inserts(struct inserts *in, const struct ht_ynode *old,
			  const struct ht_ynode *new)
{
	struct ht_ykeys keys = { NULL, 0 };
	size_t *anchor = ht_xcalloc(new->npairs + 1, sizeof(*anchor));
	size_t i, a = 0, nr = old->npairs + 2;

	in->first = ht_xcalloc(nr, sizeof(*in->first));
	in->pair = ht_xcalloc(new->npairs + 1, sizeof(*in->pair));
	for (i = 0; i < new->npairs; i++) {
		const struct ht_ypair *o = ht_ykeys_find(&keys, old,
							 new->pairs[i].key);

		if (o) {
			a = (size_t)(o - old->pairs) + 1;
			anchor[i] = nr; /* not inserted */
		} else {
			anchor[i] = a;
			in->first[a + 1]++;
		}
	}
	for (i = 1; i < nr; i++)
		in->first[i] += in->first[i - 1];
	for (i = 0; i < new->npairs; i++)
		if (anchor[i] < nr)
			in->pair[in->first[anchor[i]]++] = i;
	/* each first[a] now ends its group: shift back */
	for (i = nr - 1; i > 0; i--)
		in->first[i] = in->first[i - 1];
	in->first[0] = 0;
	free(anchor);
	ht_ykeys_release(&keys);
}

static void release_inserts(struct inserts *in)
{
	free(in->first);
	free(in->pair);
}

static int emit_inserts(struct patch *p, const struct inserts *in,
			const struct ht_ynode *new, size_t after, size_t col)
{
	size_t i;
	int ret;

	for (i = in->first[after]; i < in->first[after + 1]; i++) {
		const struct ht_ypair *np = &new->pairs[in->pair[i]];

		ret = emit_pair(p, np->key, np->value, col, 0, NULL);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The last line of the pair `i` of `old`, within `last` (see the top). */
static size_t pair_end(const struct lines *l, const struct ht_ynode *old,
		       size_t i, size_t last, size_t col)
{
	size_t start = old->pairs[i].key->line, end;

	end = i + 1 < old->npairs ? old->pairs[i + 1].key->line - 1 : last;
	while (end > start && !is_content(l, end, col))
		end--;
	return end;
}

/* One pair of the old mapping, as the new one has it (or not). */
static int patch_pair(struct patch *p, const struct ht_ypair *op,
		      const struct ht_ypair *np, size_t end, size_t col,
		      int depth)
{
	size_t line = op->key->line;

	if (!np)
		return 0;
	if (ht_ynode_same_data(op->value, np->value)) {
		copy_lines(p, line, end);
		return 0;
	}
	if (depth < HT_YAML_MAX_DEPTH && can_patch(&p->l, op->value, line) &&
	    np->value->kind == HT_YNODE_MAP && np->value->npairs) {
		copy_lines(p, line, line);
		return patch_map(p, op->value, np->value, line + 1, end,
				 depth + 1);
	}
	return emit_pair(p, np->key, np->value, col, end == line ? line : 0,
			 op->value);
}

/*
 * Lines `first` to `last` of the old text, which hold the pairs of `old`
 * (checked by can_patch()), as they hold those of `new`.
 */
static int patch_map(struct patch *p, const struct ht_ynode *old,
		     const struct ht_ynode *new, size_t first, size_t last,
		     int depth)
{
	struct ht_ykeys keys = { NULL, 0 };
	struct inserts in;
	size_t col = old->pairs[0].key->col, i, end = first - 1;
	int ret;

	place_inserts(&in, old, new);
	copy_lines(p, first, old->pairs[0].key->line - 1);
	ret = emit_inserts(p, &in, new, 0, col);
	for (i = 0; !ret && i < old->npairs; i++) {
		const struct ht_ypair *op = &old->pairs[i];

		if (i)
			copy_lines(p, end + 1, op->key->line - 1);
		end = pair_end(&p->l, old, i, last, col);
		ret = patch_pair(p, op, ht_ykeys_find(&keys, new, op->key),
				 end, col, depth);
		if (!ret)
			ret = emit_inserts(p, &in, new, i + 1, col);
	}
	if (!ret)
		copy_lines(p, end + 1, last);
	release_inserts(&in);
	ht_ykeys_release(&keys);
	return ret;
}

/* 0 if `text` parses back to the data of `doc`, else HT_EUNSUPPORTED. */
static int verify(const struct ht_strbuf *text, const struct ht_ynode *doc)
{
	struct ht_ynode *back = NULL;
	int ret = HT_EUNSUPPORTED;

	if (text->len <= HT_YAML_MAX_SIZE &&
	    !ht_yaml_parse(&back, text->buf, text->len, NULL, NULL) &&
	    ht_ynode_same_data(back, doc))
		ret = 0;
	ht_error_clear();
	ht_ynode_free(back);
	return ret;
}

int ht_yaml_patch(struct ht_strbuf *out, const char *old_text,
		  size_t old_len, const struct ht_ynode *old,
		  const struct ht_ynode *doc)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t bom = ht_yaml_bom_len(old_text, old_len);
	struct patch p;
	int ret = HT_EUNSUPPORTED;

	memset(&p, 0, sizeof(p));
	if (!old || !doc || doc->kind != HT_YNODE_MAP || !doc->npairs ||
	    memchr(old_text, '\r', old_len))
		goto cleanup;
	lines_init(&p.l, old_text + bom, old_len - bom);
	if (!can_patch(&p.l, old, 0))
		goto cleanup;
	p.out = &sb;
	ht_strbuf_add(&sb, old_text, bom);
	ret = patch_map(&p, old, doc, 1, p.l.nr, 1);
	if (!ret)
		ret = verify(&sb, doc);
	if (!ret)
		ht_strbuf_add(out, sb.buf, sb.len);
cleanup:
	if (ret < 0) {
		ht_error_clear();
		ret = ht_error_set(HT_EUNSUPPORTED, "the old text cannot be "
				   "patched: write the file anew");
	}
	free(p.l.start);
	ht_strbuf_release(&sb);
	return ret;
}
