/*
 * The values of a push's plan: what `git push --dry-run` (and a push
 * with -v) shows under each create and update, field by field, as the
 * file names the fields.
 *
 *     update sync 'users-to-crm': config, schedule
 *       config.mode: "upsert" -> "update"
 *       schedule.schedule.interval.quantity: 1 -> 2
 *
 * An update shows, for each field it sends, the old value (the last
 * fetch's) and the new; objects are followed member by member, and lists
 * of the same length item by item, down to what differs; two long
 * strings that begin alike are shown from a little before where they
 * differ ("…where deleted_at is null" -> "…where deleted_at > now()").
 * A create shows each field it sends.  Values are one line of compact
 * JSON, at most
 * VALUE_MAX characters (ht_json_brief(): long SQL ends in an ellipsis, a
 * newline is \n).
 */
#include <string.h>

#include "hightouch/json.h"

#include "push.h"

/*
 * The widest value shown, the most lines a resource gets, and how much of
 * what two long strings share is shown before where they differ.
 */
#define VALUE_MAX 60
#define LINES_MAX 20
#define CONTEXT 16

/*
 * A model this push creates has a placeholder id, -1 - its step (push.c,
 * resolve()), which ht_kind_to_yaml() would refuse: for the conversion it
 * is MADE + its step, past the ids the API gives.
 */
#define MADE ((int64_t)1 << 48)

static int slug_of(const char **out, enum ht_kind kind, int64_t id,
		   void *payload)
{
	struct push *p = payload;

	if (id >= MADE && (size_t)(id - MADE) < p->nr) {
		*out = p->steps[id - MADE].slug;
		return 0;
	}
	return state_slug_of(out, kind, id, p->s);
}

/*
 * The API JSON `api` of a `kind` as its file says it (ht_kind_to_yaml():
 * YAML names and values, a manual schedule, references as slugs), as
 * JSON; NULL if it cannot be (the API's values are shown then).
 */
static json_t *file_form(struct push *p, enum ht_kind kind, const json_t *api)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	struct ht_resolver r = { slug_of, NULL, p, NULL };
	struct ht_ynode *doc = NULL;
	json_t *copy = json_deep_copy(api), *out = NULL, *v;
	size_t i;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];

		v = f->type == HT_FTYPE_REF ? json_object_get(copy, f->json) :
					      NULL;
		if (json_is_integer(v) && json_integer_value(v) < 0)
			json_integer_set(v, MADE - 1 - json_integer_value(v));
	}
	if (ht_kind_to_yaml(&doc, kind, copy, &r) < 0 ||
	    ht_ynode_to_json(&out, doc, NULL, NULL) < 0)
		out = NULL;
	ht_error_clear();
	ht_ynode_free(doc);
	json_decref(copy);
	return out;
}

/* Field `f` of `api`, from its file form `form` when there is one. */
static const json_t *field_value(const json_t *form, const json_t *api,
				 const struct ht_field *f)
{
	return form ? json_object_get(form, f->name) :
		      ht_json_get_path(api, f->json);
}

/*
 * `v` from its byte `skip` on (0: whole), shortened: a string cut at the
 * front starts with an ellipsis after its quote ("…updated_at\nfrom").
 */
static void add_value(struct ht_strbuf *out, const json_t *v, size_t skip)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	json_t *tail;

	if (!v) {
		ht_strbuf_addstr(out, "(none)");
		return;
	}
	if (!skip || !json_is_string(v)) {
		ht_json_brief(out, v, VALUE_MAX);
		return;
	}
	tail = json_stringn(json_string_value(v) + skip,
			    json_string_length(v) - skip);
	ht_json_brief(&sb, tail, VALUE_MAX - 1);
	ht_strbuf_addstr(out, "\"\xe2\x80\xa6"); /* "… */
	ht_strbuf_addstr(out, sb.buf + 1);
	json_decref(tail);
	ht_strbuf_release(&sb);
}

/*
 * Two long strings that begin alike (two versions of a query) are shown
 * from a little before where they differ, so that the difference is in
 * what is shown: the bytes to skip of each, 0 when they differ early.
 */
static size_t common_skip(const json_t *a, const json_t *b)
{
	const char *x = json_string_value(a), *y = json_string_value(b);
	size_t n = 0, m, la, lb;

	if (!x || !y)
		return 0;
	la = json_string_length(a);
	lb = json_string_length(b);
	if (la < VALUE_MAX / 2 && lb < VALUE_MAX / 2)
		return 0;
	while (n < la && n < lb && x[n] == y[n])
		n++;
	if (n < VALUE_MAX / 2)
		return 0;
	n -= CONTEXT;
	/* from the start of a word, when one starts a little before */
	for (m = n; m && n - m < CONTEXT / 2; m--)
		if (x[m - 1] == ' ' || x[m - 1] == '\n')
			return m;
	while (n && ((unsigned char)x[n] & 0xc0) == 0x80)
		n--; /* a whole character */
	return n;
}

/* One line "    label: old -> new" (or "    label: new" for a create). */
static void add_line(struct step *st, const struct ht_strbuf *label,
		     const json_t *old, const json_t *cur, int is_update)
{
	size_t skip = is_update ? common_skip(old, cur) : 0;

	if (st->nvalues++ >= LINES_MAX)
		return;
	ht_strbuf_addf(&st->values, "    %s: ", label->buf);
	if (is_update) {
		add_value(&st->values, old, skip);
		ht_strbuf_addstr(&st->values, " -> ");
	}
	add_value(&st->values, cur, skip);
	ht_strbuf_addch(&st->values, '\n');
}

/* A member's name in a label: as is when plain, else quoted. */
static size_t push_key(struct ht_strbuf *label, const char *key)
{
	size_t i, mark;
	json_t *s;

	for (i = 0; key[i]; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_-",
			    key[i]))
			break;
	if (i && !key[i])
		return ht_json_path_push(label, key);
	mark = label->len;
	ht_strbuf_addch(label, '.');
	s = json_string(key);
	ht_json_brief(label, s, VALUE_MAX);
	json_decref(s);
	return mark;
}

/* The lines of what differs between `a` and `b`, under `label`. */
static void diff_values(struct step *st, struct ht_strbuf *label,
			const json_t *a, const json_t *b)
{
	size_t i, mark;
	const char *key;
	json_t *v;

	if ((!a && !b) || (a && b && json_equal(a, b)))
		return;
	if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach((json_t *)b, key, v) {
			mark = push_key(label, key);
			diff_values(st, label, json_object_get(a, key), v);
			ht_strbuf_setlen(label, mark);
		}
		json_object_foreach((json_t *)a, key, v) {
			if (json_object_get(b, key))
				continue;
			mark = push_key(label, key);
			add_line(st, label, v, NULL, 1);
			ht_strbuf_setlen(label, mark);
		}
		return;
	}
	if (json_is_array(a) && json_is_array(b) &&
	    json_array_size(a) == json_array_size(b)) {
		for (i = 0; i < json_array_size(b); i++) {
			mark = ht_json_path_push_index(label, i);
			diff_values(st, label, json_array_get(a, i),
				    json_array_get(b, i));
			ht_strbuf_setlen(label, mark);
		}
		return;
	}
	add_line(st, label, a, b, 1);
}

/* 1 if a create's body, or an update's, sends field `f`. */
static int sent(const struct step *st, const struct ht_field *f,
		struct ht_strbuf *key)
{
	if (f->flags & (HT_FIELD_LOCAL | HT_FIELD_READONLY))
		return 0;
	top_key(key, f);
	return json_object_get(st->body, key->buf) != NULL;
}

void values_plan(struct push *p, struct step *st, const json_t *old,
		 const json_t *cur)
{
	const struct ht_kind_info *info = ht_kind_info(st->kind);
	struct ht_strbuf label = HT_STRBUF_INIT, key = HT_STRBUF_INIT;
	json_t *a = old ? file_form(p, st->kind, old) : NULL;
	json_t *b = file_form(p, st->kind, cur);
	size_t i;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];

		if (!sent(st, f, &key))
			continue;
		ht_strbuf_reset(&label);
		ht_strbuf_addstr(&label, f->name);
		if (old)
			diff_values(st, &label, field_value(a, old, f),
				    field_value(b, cur, f));
		else if (field_value(b, cur, f))
			add_line(st, &label, NULL, field_value(b, cur, f), 0);
	}
	json_decref(a);
	json_decref(b);
	ht_strbuf_release(&label);
	ht_strbuf_release(&key);
}

void values_print(const struct step *st, int level)
{
	const char *s = st->values.buf, *nl;

	for (; (nl = strchr(s, '\n')); s = nl + 1)
		say(level, "%.*s", (int)(nl - s), s);
	if (st->nvalues > LINES_MAX)
		say(level, "    ... and %zu more", st->nvalues - LINES_MAX);
}
