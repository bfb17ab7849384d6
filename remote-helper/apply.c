/*
 * A push's writes, and the state afterwards.
 *
 * Writes go in phase order (models, relationships, syncs), placeholders of
 * models made by the push replaced by their ids; a create whose answer was
 * lost is looked up by slug, never sent twice.  The first failure stops
 * and reports what was applied; the state is not touched, and the next
 * fetch brings the applied part back.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/yaml.h"

#include "push.h"

/*
 * Applying
 */

/* Replace placeholder model ids with those of the models just made. */
static int fill_ids(struct push *p, const struct step *st, json_t *body)
{
	const struct ht_kind_info *info = ht_kind_info(st->kind);
	size_t i;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		json_t *v = f->type == HT_FTYPE_REF ?
				    json_object_get(body, f->json) : NULL;
		const struct step *made;

		if (!json_is_integer(v) || json_integer_value(v) >= 0)
			continue;
		made = &p->steps[-1 - json_integer_value(v)];
		if (!made->done)
			return ht_error_set(HT_EINVALID, "%s '%s' was not "
					    "created", ht_kind_name(made->kind),
					    made->slug);
		json_object_set_new(body, f->json, json_integer(made->id));
	}
	return 0;
}

/* After a create whose answer was lost: did it happen? */
static int find_created(struct push *p, struct step *st, json_t **out)
{
	struct ht_strbuf q = HT_STRBUF_INIT;
	struct ht_page page = HT_PAGE_INIT;
	int ret;

	*out = NULL;
	ht_client_query_add(&q, "slug", st->slug);
	ret = ht_client_list_page(p->o->rm->client, &page,
				  ht_kind_info(st->kind)->api_path, q.buf, 0,
				  2, NULL);
	if (!ret && json_array_size(page.items) == 1) {
		*out = json_array_get(page.items, 0);
		json_incref(*out);
	}
	ht_page_release(&page);
	ht_strbuf_release(&q);
	return ret;
}

static int apply_step(struct push *p, struct step *st)
{
	struct ht_strbuf path = HT_STRBUF_INIT, msg = HT_STRBUF_INIT;
	const char *api = ht_kind_info(st->kind)->api_path;
	json_t *res = NULL;
	int ret;

	ret = fill_ids(p, st, st->body);
	if (ret < 0)
		goto cleanup;
	if (st->action == ACT_CREATE) {
		long status;

		ret = ht_client_post(p->o->rm->client, &res, api, st->body);
		status = ht_client_last_status(p->o->rm->client);
		if (ret < 0 && (status < 400 || status >= 500)) {
			/* the answer may have been lost: look before leaping */
			ht_strbuf_addstr(&msg, ht_error_message());
			if (!find_created(p, st, &res) && res) {
				say(1, "%s '%s': the answer to its create "
				    "was lost, but it was made",
				    ht_kind_name(st->kind), st->slug);
				ret = 0;
			} else {
				ret = ht_error_set(HT_ENET, "%s", msg.buf);
			}
		}
	} else {
		ht_strbuf_addf(&path, "%s/%" PRId64, api, st->id);
		ret = ht_client_patch(p->o->rm->client, &res, path.buf, st->body);
	}
	if (ret < 0)
		goto cleanup;
	if (ht_json_get_id(&st->id, res, "id") < 0 ||
	    parse_time_ms(ht_json_get_string(res, "updatedAt")) < 0) {
		ret = ht_error_set(HT_EHTTP, "unexpected response to the "
				   "write of %s '%s'", ht_kind_name(st->kind),
				   st->slug);
		goto cleanup;
	}
	st->result = res;
	res = NULL;
	st->done = 1;
cleanup:
	json_decref(res);
	ht_strbuf_release(&path);
	ht_strbuf_release(&msg);
	return ret;
}

static void report_failure(struct push *p, const struct step *failed)
{
	size_t i;

	say(0, "error: %s %s '%s' failed: %s",
	    failed->action == ACT_CREATE ? "the create of" : "the update of",
	    ht_kind_name(failed->kind), failed->slug, ht_error_message());
	for (i = 0; i < p->nr; i++) {
		const struct step *st = &p->steps[i];

		if (st->action == ACT_NONE)
			continue;
		say(0, "  %s: %s %s '%s'",
		    st->done ? "applied" : "not applied",
		    st->action == ACT_CREATE ? "create" : "update",
		    ht_kind_name(st->kind), st->slug);
	}
	say(0, "hint: nothing was lost: 'git fetch' brings back what was "
	    "applied,\nhint: then rebase and push again to apply the rest.");
}

/*
 * After success
 */

/* Would a fetch write the file as it was pushed? */
static int same_as_pushed(struct push *p, struct render *rd,
			  const struct step *st)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	int same;

	same = !render_resource_doc(rd, &sb, st->kind, st->result,
				    &p->head_tree, st->doc) &&
	       sb.len == st->content.len &&
	       !memcmp(sb.buf, st->content.buf, sb.len);
	ht_error_clear();
	ht_strbuf_release(&sb);
	return same;
}

static void note_newest(struct list_state *l, int64_t id, int64_t ms,
			int created)
{
	if (!l->valid)
		return;
	if (created)
		l->count++;
	if (ms > l->newest_ms || (ms == l->newest_ms && id > l->newest_id)) {
		l->newest_ms = ms;
		l->newest_id = id;
	}
}

int update_state(struct push *p, const git_oid *head)
{
	struct ht_resolver resolver = { state_slug_of, NULL, p->s };
	struct render rd;
	size_t i;

	render_init(&rd, p->r, p->o->rm->url->workspace, &resolver);
	for (i = 0; i < p->nr; i++) {
		struct step *st = &p->steps[i];
		enum ht_kind list = st->kind;
		enum ht_kind all = ht_ids_kind(ht_kind_ids(list));
		int64_t ms;
		int created = st->action == ACT_CREATE, same;

		if (!st->done)
			continue;
		ms = parse_time_ms(ht_json_get_string(st->result,
						      "updatedAt"));
		state_set(p->s, ht_kind_ids(st->kind), st->id, st->kind, ms,
			  st->slug);
		same = same_as_pushed(p, &rd, st);
		if (all != list)
			note_newest(&p->s->lists[all], st->id, ms, created);
		note_newest(&p->s->lists[list], st->id, ms, created);
		if (!same) {
			/* the next fetch reads it again and commits it */
			trace("push", "%s '%s' was normalised by the server",
			      ht_kind_name(st->kind), st->slug);
			state_set(p->s, ht_kind_ids(st->kind), st->id, st->kind,
				  0, st->slug);
			p->s->lists[list].valid = 0;
			p->s->lists[all].valid = 0;
		}
	}
	render_release(&rd);
	git_oid_cpy(&p->s->commit, head);
	return state_save(p->s);
}

void trigger_syncs(struct push *p)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	size_t i, n = 0;

	for (i = 0; i < p->nr; i++) {
		struct step *st = &p->steps[i];
		json_t *res = NULL;
		const char *run;

		if (st->kind != HT_KIND_SYNC || !st->done)
			continue;
		ht_strbuf_reset(&path);
		ht_strbuf_addf(&path, "/syncs/%" PRId64 "/trigger", st->id);
		n++;
		if (ht_client_post(p->o->rm->client, &res, path.buf, NULL) < 0) {
			say(0, "warning: cannot trigger sync '%s': %s",
			    st->slug, ht_error_message());
			ht_error_clear();
			continue;
		}
		run = ht_json_get_string(res, "id");
		say(0, "Triggered sync '%s': run %s", st->slug,
		    run ? run : "(no id)");
		json_decref(res);
	}
	if (!n)
		say(0, "No sync was created or changed: nothing to trigger");
	ht_strbuf_release(&path);
}

int apply_all(struct push *p, struct ht_strbuf *why)
{
	size_t i, n = 0;

	for (i = 0; i < p->nr; i++) {
		if (p->steps[i].action == ACT_NONE)
			continue;
		crash_point("before a write of a push");
		if (apply_step(p, &p->steps[i]) < 0) {
			report_failure(p, &p->steps[i]);
			ht_strbuf_addf(why, "push applied %zu of its changes: "
				       "fetch, rebase and push again", n);
			return 1;
		}
		n++;
	}
	return 0;
}
