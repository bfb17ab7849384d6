/*
 * A push's writes, and the state afterwards.
 *
 * Writes go in phase order (models, relationships, syncs), placeholders of
 * models made by the push replaced by their ids; a create whose answer was
 * lost is looked up by slug, never sent twice.  The first failure stops
 * and reports what was applied; the state is not touched, and the next
 * fetch brings the applied part back.
 *
 * Someone else's writes.  The API has no conditional write, so two pushes
 * (or a push and the UI) can change one resource at once; the conflict
 * check at the start of a push only covers what happened before it.  The
 * writes narrow the window that is left:
 *
 *  1. just before an update, the resource is read again; a version other
 *     than the last fetch's is someone else's write, and the push stops
 *     before overwriting it (`fetch first` when nothing was written yet);
 *  2. the answer to an update must show, in every field the update did not
 *     send, what that read showed: another value is someone else's write
 *     that landed in between;
 *  3. after the writes, each list written to is read from its newest end:
 *     every change since the last fetch must be one of this push's writes,
 *     as its answer had it.  A later version of a resource the push wrote
 *     is someone else's write after it, which may have undone it.
 *
 * A forced push (--force, not --force-with-lease) asked to overwrite: it
 * has none of them.  Any of these makes the push fail, saying what was applied and what was
 * met, and leaves the state as it was, so that the next fetch reads it
 * all again.  Another resource changed in those lists is only someone
 * else's change: the push goes through, and the next fetch reads those
 * lists whole.  What remains is a write of the same field by someone else
 * that lands after step 1 reads the resource and before the update, when
 * that other writer also checks before the update lands; in both orders
 * one side is told.  A window of a request or two, measured by t5670.
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

/* The path of a step's resource in the API. */
static void resource_path(struct ht_strbuf *out, const struct step *st)
{
	ht_strbuf_reset(out);
	ht_strbuf_addf(out, "%s/%" PRId64, ht_kind_info(st->kind)->api_path,
		       st->id);
}

/* A forced push overwrites: none of the guards below. */
static int guarded(const struct push *p)
{
	return p->o->force != PUSH_FORCE;
}

/*
 * Guard 1: read an update's resource just before the write.  1 when it is
 * not the version of the last fetch (said why), 0 (st->now set), or an
 * error.
 */
static int recheck(struct push *p, struct step *st)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	const struct resource *r;
	int64_t ms;
	int ret;

	resource_path(&path, st);
	ret = ht_client_get(p->o->rm->client, &st->now, path.buf);
	ht_strbuf_release(&path);
	if (ret < 0)
		return ret;
	ms = parse_time_ms(ht_json_get_string(st->now, "updatedAt"));
	r = state_find(p->s, ht_kind_ids(st->kind), st->id);
	if (r && ms == r->updated_ms)
		return 0;
	say(0, "error: %s '%s' was changed in Hightouch since the last "
	    "fetch (someone else wrote it): not written",
	    ht_kind_name(st->kind), st->slug);
	p->interfered++;
	return 1;
}

/*
 * Guard 2: the fields an update did not send, in its answer, as the read
 * just before had them.
 */
static void check_answer(struct push *p, const struct step *st,
			 const json_t *answer)
{
	const struct ht_kind_info *info = ht_kind_info(st->kind);
	struct ht_strbuf key = HT_STRBUF_INIT, moved = HT_STRBUF_INIT;
	size_t i;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const json_t *a, *b;

		if (f->flags & HT_FIELD_LOCAL)
			continue;
		top_key(&key, f);
		if (json_object_get(st->body, key.buf))
			continue;
		a = ht_json_get_path(st->now, f->json);
		b = ht_json_get_path(answer, f->json);
		if ((!a && !b) || (a && b && json_equal(a, b)))
			continue;
		ht_strbuf_addf(&moved, "%s'%s'", moved.len ? ", " : "",
			       f->name);
	}
	if (moved.len) {
		say(0, "error: %s '%s' was changed by someone else while this "
		    "push wrote it (%s): both changes are in Hightouch now",
		    ht_kind_name(st->kind), st->slug, moved.buf);
		p->interfered++;
	}
	ht_strbuf_release(&key);
	ht_strbuf_release(&moved);
}

/* 0 after the write, 1 when guard 1 stopped it, or an error. */
static int apply_step(struct push *p, struct step *st)
{
	struct ht_strbuf path = HT_STRBUF_INIT, msg = HT_STRBUF_INIT;
	const char *api = ht_kind_info(st->kind)->api_path;
	json_t *res = NULL;
	int ret;

	ret = fill_ids(p, st, st->body);
	if (!ret && st->action == ACT_UPDATE && guarded(p))
		ret = recheck(p, st);
	if (ret)
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
		resource_path(&path, st);
		ret = ht_client_patch(p->o->rm->client, &res, path.buf,
				      st->body);
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
	if (st->action == ACT_UPDATE && guarded(p))
		check_answer(p, st, res);
	st->result = res;
	res = NULL;
	st->done = 1;
cleanup:
	json_decref(res);
	ht_strbuf_release(&path);
	ht_strbuf_release(&msg);
	return ret;
}

/* The step this push wrote for resource `id` of id space `t`, or NULL. */
static const struct step *written(const struct push *p, enum ht_ids t,
				  int64_t id)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (p->steps[i].done && p->steps[i].id == id &&
		    ht_kind_ids(p->steps[i].kind) == t)
			return &p->steps[i];
	return NULL;
}

/* 1 if this push wrote a resource of id space `t`. */
static int wrote_in(const struct push *p, enum ht_ids t)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (p->steps[i].done && ht_kind_ids(p->steps[i].kind) == t)
			return 1;
	return 0;
}

/* Someone else changed a resource of id space `t` during the push. */
static void note_moved(struct push *p, enum ht_ids t, int64_t id)
{
	trace("push", "%s %" PRId64 " changed during the push",
	      ht_ids_name(t), id);
	p->moved[t] = 1;
}

/* The fields `st` sent that `now` does not have as its answer had them. */
static void undone_fields(struct ht_strbuf *out, const struct step *st,
			  const json_t *now)
{
	const char *key;
	json_t *sent;

	json_object_foreach(st->body, key, sent) {
		const json_t *a = json_object_get(st->result, key);
		const json_t *b = json_object_get(now, key);

		if ((!a && !b) || (a && b && json_equal(a, b)))
			continue;
		ht_strbuf_addf(out, "%s'%s'", out->len ? ", " : "", key);
	}
}

/*
 * Guard 3 for one resource of id space `t` (`now`, as read after the
 * writes): one of this push's writes (as answered), someone else's later
 * write of it, or another resource someone else changed.
 */
static void check_item(struct push *p, enum ht_ids t, int64_t id,
		       const json_t *now)
{
	const struct resource *r = state_find(p->s, t, id);
	const struct step *st = written(p, t, id);
	int64_t ms = parse_time_ms(ht_json_get_string(now, "updatedAt"));
	struct ht_strbuf undone = HT_STRBUF_INIT;

	if (!st && r && r->updated_ms == ms)
		return; /* as the last fetch saw it */
	if (!st) {
		note_moved(p, t, id);
		return;
	}
	if (parse_time_ms(ht_json_get_string(st->result, "updatedAt")) == ms)
		return;
	undone_fields(&undone, st, now);
	if (undone.len)
		say(0, "error: %s '%s' was written again by someone else after "
		    "this push wrote it: its change of %s is undone",
		    ht_kind_name(st->kind), st->slug, undone.buf);
	else
		say(0, "error: %s '%s' was changed again by someone else after "
		    "this push wrote it: this push's change is still there",
		    ht_kind_name(st->kind), st->slug);
	p->interfered++;
	ht_strbuf_release(&undone);
}

/* Guard 3, by a read of each resource written (a list the state lost). */
static int reread_written(struct push *p, enum ht_ids t)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; i < p->nr && !ret; i++) {
		struct step *st = &p->steps[i];
		json_t *now = NULL;

		if (!st->done || ht_kind_ids(st->kind) != t)
			continue;
		resource_path(&path, st);
		ret = ht_client_get(p->o->rm->client, &now, path.buf);
		if (!ret)
			check_item(p, t, st->id, now);
		json_decref(now);
	}
	ht_strbuf_release(&path);
	return ret;
}

/*
 * Before guard 3, wait for a write that another push sent before this
 * push's own landed: its read came before ours was written, so guard 1
 * let it through, and it lands about one round trip after that read.
 * The slowest request of the push, at most SETTLE_MAX_MS.
 */
#define SETTLE_MAX_MS 2000

static void settle(struct push *p)
{
	struct ht_client_stats stats;
	uint64_t ms;
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (p->steps[i].done && p->steps[i].action == ACT_UPDATE)
			break;
	if (i == p->nr)
		return; /* a create cannot be overwritten before it is made */
	ht_client_read_stats(p->o->rm->client, &stats);
	ms = stats.slowest_us / 1000 + 1;
	if (ms > SETTLE_MAX_MS)
		ms = SETTLE_MAX_MS;
	trace("push", "waiting %" PRIu64 " ms before reading the lists again",
	      ms);
	ht_client_sleep(p->o->rm->client, ms);
}

/*
 * Guard 3: the list of each id space written to (/models holds the
 * models of the schema too), read from its newest end against the state
 * of the last fetch (update_state() has not run yet).
 */
static int post_check(struct push *p)
{
	struct list_ctx ctx;
	int t, ret = 0;
	size_t j;

	settle(p);
	memset(&ctx, 0, sizeof(ctx));
	ctx.client = p->o->rm->client;
	ctx.state = p->s;
	ctx.page_size = p->o->rm->cfg->client.page_size;
	for (t = 0; t < HT_IDS__COUNT && !ret; t++) {
		enum ht_kind list = ht_ids_kind((enum ht_ids)t);
		struct listing l;

		if (!wrote_in(p, (enum ht_ids)t))
			continue;
		if (!p->s->lists[list].valid) {
			ret = reread_written(p, (enum ht_ids)t);
			continue;
		}
		memset(&l, 0, sizeof(l));
		l.probe.has_more = -1;
		ret = listing_fetch(&ctx, &l, list, 0);
		for (j = 0; !ret && j < l.nr; j++)
			check_item(p, (enum ht_ids)t, l.items[j].id,
				   l.items[j].json);
		listing_release(&l);
	}
	return ret;
}

/* What was applied, and what to do. */
static void report_applied(struct push *p)
{
	size_t i;

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
				    &p->head_tree, &st->content, st->doc) &&
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

/*
 * A sync whose file says another schedule than the workspace kept
 * (-o keep-schedule), with nothing else to write: read again by the next
 * fetch, which brings the workspace's schedule into the file.
 */
static void keep_stale(struct push *p, const struct step *st)
{
	enum ht_kind list = st->kind;
	enum ht_kind all = ht_ids_kind(ht_kind_ids(list));

	state_set(p->s, ht_kind_ids(list), st->id, list, 0, st->slug);
	p->s->lists[list].valid = 0;
	p->s->lists[all].valid = 0;
}

int update_state(struct push *p, const git_oid *head)
{
	struct ht_resolver resolver = { state_slug_of, NULL, p->s, NULL };
	struct render rd;
	size_t i;

	render_init(&rd, p->r, p->o->rm->url->workspace, &resolver);
	for (i = 0; i < p->nr; i++) {
		struct step *st = &p->steps[i];
		enum ht_kind list = st->kind;
		enum ht_kind all = ht_ids_kind(ht_kind_ids(list));
		int64_t ms;
		int created = st->action == ACT_CREATE, same;

		if (!st->done) {
			if (st->kept.len)
				keep_stale(p, st);
			continue;
		}
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
	for (i = 0; i < HT_KIND__COUNT; i++) {
		enum ht_ids t = ht_kind_ids((enum ht_kind)i);

		if (t < HT_IDS__COUNT && p->moved[t])
			p->s->lists[i].valid = 0; /* read whole next time */
	}
	for (i = 0; i < HT_IDS__COUNT; i++)
		if (p->moved[i])
			say(0, "warning: someone else changed %s resources "
			    "during the push: the next 'git fetch' brings "
			    "them", ht_ids_name((enum ht_ids)i));
	git_oid_cpy(&p->s->commit, head);
	p->s->manifest_ok = manifest_readable(p->r, &p->head_tree,
					      p->ws.manifest_path);
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
	int ret = 0;

	for (i = 0; i < p->nr && !ret; i++) {
		if (p->steps[i].action == ACT_NONE)
			continue;
		crash_point("before a write of a push");
		ret = apply_step(p, &p->steps[i]);
		if (ret < 0)
			say(0, "error: the %s of %s '%s' failed: %s",
			    p->steps[i].action == ACT_CREATE ? "create" :
							       "update",
			    ht_kind_name(p->steps[i].kind), p->steps[i].slug,
			    ht_error_message());
		else if (!ret)
			n++;
	}
	if (ret >= 0 && n && guarded(p))
		ret = post_check(p);
	if (ret < 0 || p->interfered) {
		report_applied(p);
		if (!n && p->interfered)
			ht_strbuf_addstr(why, "fetch first");
		else if (p->interfered)
			ht_strbuf_addf(why, "someone else wrote to workspace "
				       "'%s' during the push (%zu of its "
				       "changes applied): fetch and check",
				       p->o->rm->url->workspace, n);
		else
			ht_strbuf_addf(why, "push applied %zu of its changes: "
				       "fetch, rebase and push again", n);
		ht_error_clear();
		return 1;
	}
	return 0;
}
