/*
 * The values of a push's plan: what `git push --dry-run` (and `-v`)
 * shows under each create and update, field by field, as the file names
 * the fields.
 *
 *     update sync 'users-to-crm': config, schedule
 *       config.mode: "upsert" -> "update"
 *       schedule.schedule.interval.quantity: 1 -> 2
 *
 * An update shows, for each field it sends, the old value (the last
 * fetch's) and the new; objects are followed member by member, and lists
 * of the same length item by item, down to what differs.  A create shows
 * each field it sends.  Values are one line of compact JSON, at most
 * VALUE_MAX characters (ht_json_brief(): long SQL ends in an ellipsis, a
 * newline is \n); a reference shows the slug it names, not its id.
 */
#include <string.h>

#include "hightouch/json.h"

#include "push.h"

/* The widest value shown, and the most lines a resource gets. */
#define VALUE_MAX 60
#define LINES_MAX 20

/* Append `v` of field `f` (at its top when `top`) for reading. */
static void add_value(struct push *p, struct ht_strbuf *out,
		      const struct ht_field *f, const json_t *v, int top)
{
	const char *slug = NULL;
	json_int_t id;

	if (!v) {
		ht_strbuf_addstr(out, "(none)");
		return;
	}
	if (top && f->type == HT_FTYPE_REF && json_is_integer(v)) {
		id = json_integer_value(v);
		if (id < 0 && (size_t)(-1 - id) < p->nr)
			slug = p->steps[-1 - id].slug;
		else if (state_slug_of(&slug, f->ref, id, p->s) < 0)
			slug = NULL;
	}
	if (slug) {
		json_t *s = json_string(slug);

		ht_json_brief(out, s, VALUE_MAX);
		json_decref(s);
		return;
	}
	ht_json_brief(out, v, VALUE_MAX);
}

/* One line "    label: old -> new" (or "    label: new" without old). */
static void add_line(struct push *p, struct step *st,
		     const struct ht_field *f, const struct ht_strbuf *label,
		     const json_t *old, const json_t *cur, int is_update,
		     int top)
{
	if (st->nvalues++ >= LINES_MAX)
		return;
	ht_strbuf_addf(&st->values, "    %s: ", label->buf);
	if (is_update) {
		add_value(p, &st->values, f, old, top);
		ht_strbuf_addstr(&st->values, " -> ");
	}
	add_value(p, &st->values, f, cur, top);
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
static void diff_values(struct push *p, struct step *st,
			const struct ht_field *f, struct ht_strbuf *label,
			const json_t *a, const json_t *b, int top)
{
	size_t i, mark;
	const char *key;
	json_t *v;

	if (a && b && json_equal(a, b))
		return;
	if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach((json_t *)b, key, v) {
			mark = push_key(label, key);
			diff_values(p, st, f, label, json_object_get(a, key), v,
				    0);
			ht_strbuf_setlen(label, mark);
		}
		json_object_foreach((json_t *)a, key, v) {
			if (json_object_get(b, key))
				continue;
			mark = push_key(label, key);
			add_line(p, st, f, label, v, NULL, 1, 0);
			ht_strbuf_setlen(label, mark);
		}
		return;
	}
	if (json_is_array(a) && json_is_array(b) &&
	    json_array_size(a) == json_array_size(b)) {
		for (i = 0; i < json_array_size(b); i++) {
			mark = ht_json_path_push_index(label, i);
			diff_values(p, st, f, label, json_array_get(a, i),
				    json_array_get(b, i), 0);
			ht_strbuf_setlen(label, mark);
		}
		return;
	}
	add_line(p, st, f, label, a, b, 1, top);
}

void values_update(struct push *p, struct step *st, const struct ht_field *f,
		   const json_t *old, const json_t *cur)
{
	struct ht_strbuf label = HT_STRBUF_INIT;

	ht_strbuf_addstr(&label, f->name);
	diff_values(p, st, f, &label, old, cur, 1);
	ht_strbuf_release(&label);
}

void values_create(struct push *p, struct step *st)
{
	const struct ht_kind_info *info = ht_kind_info(st->kind);
	struct ht_strbuf label = HT_STRBUF_INIT;
	size_t i;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const json_t *v;

		if (f->flags & (HT_FIELD_LOCAL | HT_FIELD_READONLY))
			continue;
		v = ht_json_get_path(st->body, f->json);
		if (!v)
			continue;
		ht_strbuf_reset(&label);
		ht_strbuf_addstr(&label, f->name);
		add_line(p, st, f, &label, NULL, v, 0, 1);
	}
	ht_strbuf_release(&label);
}

void values_print(const struct step *st, int level)
{
	const char *s = st->values.buf, *nl;

	for (; (nl = strchr(s, '\n')); s = nl + 1)
		say(level, "%.*s", (int)(nl - s), s);
	if (st->nvalues > LINES_MAX)
		say(level, "    ... and %zu more", st->nvalues - LINES_MAX);
}
