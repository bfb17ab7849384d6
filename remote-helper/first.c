/*
 * The first import: one commit of the whole workspace.
 *
 * It writes each page's files as the page comes, which overlaps the work
 * with the waits of the rate limiter.  The lists are read in rank order
 * (kinds.h), what is referred to first, so that what a resource names is
 * known when its file is written.  A file that refers to a resource no
 * list had (one created after its list was read, by the time a newer
 * resource that refers to it was listed) cannot be written yet: its item
 * waits in im->fi.pending, and once every list is read each missing
 * resource is read by id (GET /models/{id}, ...), taken as if listed, and
 * the file written.  A resource still missing then is gone: the file
 * that names it is skipped, with a warning (skip_dangling()), and so is
 * one that names a skipped resource.
 *
 * A remote that a repository with a history adopts (team.c) makes the
 * same import on a base: the files are rendered against the base's, and
 * the one commit holds what differs, if anything.
 *
 * Here too, the move of the files to a new remote.<name>.hightouchPath
 * (move_commit()), before the fetch's own commits.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/repository.h"

#include "import.h"

/* scan_files()'s callback: the file goes from the commit. */
static int remove_file(struct import *im, const char *path,
		       enum ht_kind kind, const char *slug, void *payload)
{
	(void)kind;
	(void)slug;
	(void)payload;
	add_tree_change(&im->fi.tc, &im->fi.tc_nr, &im->fi.tc_alloc, path,
			NULL);
	return 0;
}

/* take_item(): the file waits for im->miss.kind and im->miss.id */
#define TAKE_WAIT 1
/* take_item(): a /models item of the schema that no schema list had */
#define TAKE_KIND 2
/* read_missing(): what the file waits for is not in the workspace */
#define TAKE_SKIP 3

/* Depth of resources read for one file: a sync, its model, its source. */
#define SETTLE_DEPTH 4
/* Resources read for one file: a sync may miss its model and destination. */
#define SETTLE_TRIES 4

/*
 * Take an item of the first import: plan it and write its file (sources
 * and destinations go to the manifest).  TAKE_WAIT when the file refers to
 * a resource not known yet (see slug_of()), TAKE_KIND for a /models item
 * of the schema that no schema list had (made after they were read):
 * nothing is recorded then.  `plain` takes the latter as a plain model.
 */
static int take_item(struct import *im, enum ht_kind list,
		     const struct item *it, int plain)
{
	enum ht_ids t = ht_kind_ids(list);
	struct resource *r = state_find(im->s, t, it->id);
	enum ht_kind prior_kind = HT_KIND__COUNT;
	int64_t prior_ms = 0;
	char *prior_slug = NULL;
	struct change *c;
	int ret, existed;

	if (list == HT_KIND_MODEL && im->schema && !plain && !r &&
	    is_schema_model(it->json))
		return TAKE_KIND;
	if (r) {
		prior_kind = r->kind;
		prior_ms = r->updated_ms;
		prior_slug = ht_xstrdup(r->slug);
	}
	ret = plan_item(im, list, it, &c);
	if (ret < 0 || !c)
		goto cleanup;
	if (manifest_map(im, c->table)) {
		json_object_set_new(manifest_map(im, c->table), c->slug,
				    manifest_entry(c->json));
	} else if (c->kind != HT_KIND__COUNT) {
		ret = change_files(im, c, &im->fi.tc, &im->fi.tc_nr,
				   &im->fi.tc_alloc, &existed);
		if (ret == HT_ENOTFOUND && im->miss.missed) {
			ht_error_clear();
			if (prior_slug)
				state_set(im->s, t, it->id, prior_kind,
					  prior_ms, prior_slug);
			else
				state_remove(im->s, t, it->id);
			drop_last_change(im);
			ret = TAKE_WAIT;
			goto cleanup;
		}
		if (ret < 0)
			goto cleanup;
	}
	json_decref(c->json);
	c->json = NULL;
cleanup:
	free(prior_slug);
	return ret;
}

static struct pending *find_pending(struct import *im, enum ht_ids t,
				    int64_t id)
{
	size_t i;

	for (i = 0; i < im->fi.pending_nr; i++) {
		struct pending *p = &im->fi.pending[i];

		if (!p->done && p->it.id == id && ht_kind_ids(p->list) == t)
			return p;
	}
	return NULL;
}

/*
 * A page of the first import: take its items (see take_item()), keeping
 * those that wait, and let their JSON go.
 */
int first_page(struct listing *l, size_t from, size_t n, void *payload)
{
	struct import *im = payload;
	size_t i;
	int ret;

	for (i = from; i < from + n; i++) {
		struct item *it = &l->items[i];
		struct pending *p;

		ret = take_item(im, l->list, it, 0);
		if (ret < 0)
			return ret;
		/* an item read twice (it moved while the pages came) */
		p = im->fi.pending_nr ? find_pending(im, ht_kind_ids(l->list),
						  it->id) : NULL;
		if (p && p->it.updated_ms <= it->updated_ms) {
			p->done = 1;
			json_decref(p->it.json);
			p->it.json = NULL;
		} else if (p && ret) {
			ret = 0; /* the newer copy waits already */
		}
		if (ret) {
			trace("import", "%s %" PRId64 " waits for %s",
			      ht_kind_name(l->list), it->id,
			      ret == TAKE_KIND ? "its schema kind" :
			      ht_kind_name(im->miss.kind));
			HT_ALLOC_GROW(im->fi.pending, im->fi.pending_nr + 1,
				      im->fi.pending_alloc);
			p = &im->fi.pending[im->fi.pending_nr++];
			memset(p, 0, sizeof(*p));
			p->list = l->list;
			p->it = *it;
			p->listed_in = l->list;
			it->json = NULL; /* now the pending item's */
			continue;
		}
		json_decref(it->json);
		it->json = NULL;
	}
	return 0;
}

int read_item(struct import *im, struct item *out, enum ht_kind list,
	      int64_t id)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	json_t *json = NULL;
	int64_t got;
	int ret;

	ht_strbuf_addf(&path, "%s/%" PRId64, ht_kind_info(list)->api_path,
		       id);
	ret = ht_client_get(im->o->client, &json, path.buf);
	im->fi.reads++;
	if (ret < 0)
		goto cleanup;
	if (!json_is_object(json) || ht_json_get_id(&got, json, "id") < 0 ||
	    got != id) {
		ht_error_clear();
		ret = ht_error_set(HT_EHTTP, "unexpected response to 'GET "
				   "%s': it is not %s %" PRId64, path.buf,
				   ht_kind_name(list), id);
		goto cleanup;
	}
	out->updated_ms = parse_time_ms(ht_json_get_string(json,
							   "updatedAt"));
	if (out->updated_ms < 0) {
		ret = ht_error_set(HT_EHTTP, "unexpected response to 'GET "
				   "%s': no valid 'updatedAt'", path.buf);
		goto cleanup;
	}
	out->id = id;
	out->json = json;
	json = NULL;
	trace("import", "%s %" PRId64 ": read by id (made after its list "
	      "was read)", ht_kind_name(list), id);
cleanup:
	json_decref(json);
	ht_strbuf_release(&path);
	return ret;
}

/*
 * The schema list that has the model of `p` (read when its /models item
 * said isSchema): `p` becomes its item there; a model that none has is
 * taken as a plain model.
 */
static int find_schema_kind(struct import *im, struct pending *p)
{
	struct item it;
	int k, ret;

	for (k = 0; k < HT_KIND__COUNT; k++) {
		if (!is_schema_kind((enum ht_kind)k))
			continue;
		ret = read_item(im, &it, (enum ht_kind)k, p->it.id);
		if (ret == HT_ENOTFOUND) {
			ht_error_clear();
			continue;
		}
		if (ret < 0)
			return ret;
		json_decref(p->it.json);
		p->it = it;
		p->list = (enum ht_kind)k;
		return 0;
	}
	p->plain = 1;
	return 0;
}

/*
 * A resource that its lists did not have (read by id, or found in a schema
 * list by id) is not in their states, which say how many items each list
 * had and its newest: the next fetch reads those lists whole, once, rather
 * than trust them.  (A schema model listed by its own list was in /models
 * too, which is read after.)
 */
static void forget_lists(struct import *im, const struct pending *p)
{
	struct resource *r = state_find(im->s, ht_kind_ids(p->list),
					p->it.id);
	size_t i;

	if (p->listed_in == p->list)
		return;
	for (i = 0; r && i < im->nlists; i++) {
		enum ht_kind list = im->order[i];

		if (list == p->listed_in || !state_in_list(r, list, im->schema))
			continue;
		trace("import", "%s: the list's state is not kept (%s %" PRId64
		      " was read by id)", ht_kind_name(list),
		      ht_kind_name(p->list), p->it.id);
		im->lists[list].next.valid = 0;
	}
}

static int settle(struct import *im, struct pending *p, int depth);

/* TAKE_SKIP for a file that waits for resource `id` of `t`. */
static int skip_for(struct import *im, enum ht_ids t, int64_t id)
{
	im->miss.kind = ht_ids_kind(t);
	im->miss.id = id;
	return TAKE_SKIP;
}

/*
 * Read what `p` waits for (im->miss.kind and im->miss.id), and take it.
 * TAKE_SKIP when it is not in the workspace (a 404), or was skipped
 * itself.
 */
static int read_missing(struct import *im, struct pending *p, int depth)
{
	enum ht_ids t = ht_kind_ids(im->miss.kind);
	int64_t id = im->miss.id;
	struct pending *q = find_pending(im, t, id), read;
	struct resource *r = state_find(im->s, t, id);
	int ret;

	if (r && r->skipped)
		return TAKE_SKIP;
	if (q) {
		/* listed, but waiting itself */
		if (q->busy)
			return ht_error_set(HT_EHTTP, "%s %" PRId64 " and %s %"
					    PRId64 " refer to each other",
					    ht_kind_name(p->list), p->it.id,
					    ht_kind_name(q->list), q->it.id);
		ret = settle(im, q, depth + 1);
		return !ret && q->skipped ? skip_for(im, t, id) : ret;
	}
	memset(&read, 0, sizeof(read));
	read.list = ht_ids_kind(t);
	read.listed_in = HT_KIND__COUNT;
	ret = read_item(im, &read.it, read.list, id);
	if (ret == HT_ENOTFOUND) {
		trace("import", "%s", ht_error_message());
		ht_error_clear();
		return skip_for(im, t, id);
	}
	if (ret < 0)
		return ret;
	ret = settle(im, &read, depth + 1);
	json_decref(read.it.json);
	return !ret && read.skipped ? skip_for(im, t, id) : ret;
}

/* `p` waits for what is not in the workspace (im->miss): skip it. */
static void skip_pending(struct import *im, struct pending *p)
{
	struct resource *r;

	r = state_set(im->s, ht_kind_ids(p->list), p->it.id, p->list,
		      p->it.updated_ms,
		      ht_json_get_string(p->it.json, "slug"));
	skip_dangling(im, r, ht_kind_ids(im->miss.kind), im->miss.id);
	p->skipped = 1;
}

/*
 * Take the pending item `p`, reading first what it waits for, as long as
 * it waits for something new, at most SETTLE_TRIES times and
 * SETTLE_DEPTH deep.
 */
static int settle(struct import *im, struct pending *p, int depth)
{
	int ret, tries = 0;

	p->busy = 1;
	for (;;) {
		ret = take_item(im, p->list, &p->it, p->plain);
		if (ret <= 0)
			break;
		if (ret == TAKE_KIND) {
			ret = find_schema_kind(im, p);
			if (ret < 0)
				break;
			continue;
		}
		if (++tries > SETTLE_TRIES || depth >= SETTLE_DEPTH) {
			ret = ht_error_set(HT_EHTTP, "%s %" PRId64 " refers "
					   "to %s %" PRId64 ", on which the "
					   "server's answers do not agree",
					   ht_kind_name(p->list), p->it.id,
					   ht_kind_name(im->miss.kind),
					   im->miss.id);
			break;
		}
		ret = read_missing(im, p, depth);
		if (ret == TAKE_SKIP) {
			skip_pending(im, p);
			ret = 0;
			break;
		}
		if (ret < 0)
			break;
	}
	p->busy = 0;
	if (!ret) {
		p->done = 1;
		forget_lists(im, p);
		json_decref(p->it.json);
		p->it.json = NULL;
	}
	return ret;
}

/* After the lists: take every pending item (see settle()). */
int settle_all(struct import *im)
{
	size_t i, reads = im->fi.reads;
	int ret;

	for (i = 0; i < im->fi.pending_nr; i++) {
		struct pending *p = &im->fi.pending[i];

		if (p->done)
			continue;
		ret = settle(im, p, 0);
		if (ret < 0)
			return ret;
	}
	if (im->fi.pending_nr)
		trace("import", "files that waited: %zu; requests by id: %zu",
		      im->fi.pending_nr, im->fi.reads - reads);
	return 0;
}

/*
 * The root file of `kind` (the manifest, the aliases file) among the
 * commit's files, the base commit's kept as render.c keeps files.
 */
static int add_root_file(struct import *im, enum ht_kind kind)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	const git_oid *base = im->has_base ? &im->tree : NULL;
	git_oid id;
	int ret;

	ret = root_path(im, &path, kind);
	if (!ret && kind == HT_KIND_MANIFEST)
		ret = render_manifest(&im->render, &im->buf, im->sources,
				      im->destinations, base, path.buf);
	else if (!ret)
		ret = render_aliases(&im->render, &im->buf, base, path.buf);
	if (!ret)
		ret = odb_write_blob(im->r, &id, im->buf.buf, im->buf.len);
	if (!ret)
		add_tree_change(&im->fi.tc, &im->fi.tc_nr, &im->fi.tc_alloc,
				path.buf, &id);
	ht_strbuf_release(&path);
	return ret;
}

/* scan_files()'s callback: the file goes to the new prefix as it is. */
static int move_file(struct import *im, const char *path, enum ht_kind kind,
		     const char *slug, void *payload)
{
	struct ht_strbuf to = HT_STRBUF_INIT;
	git_oid id;
	int ret;

	(void)payload;
	ret = odb_path_id(im->r, &id, &im->tree, path);
	if (!ret)
		ret = file_path(im, &to, kind, slug);
	if (!ret) {
		add_tree_change(&im->fi.tc, &im->fi.tc_nr, &im->fi.tc_alloc,
				path, NULL);
		add_tree_change(&im->fi.tc, &im->fi.tc_nr, &im->fi.tc_alloc,
				to.buf, &id);
	}
	ht_strbuf_release(&to);
	return ret;
}

/*
 * The files move as the base commit has them, dated by the newest change
 * the state knows: what changed in the workspace since comes after, one
 * commit per resource, as in any fetch.
 */
int move_commit(struct import *im, const char *from)
{
	const char *ws = im->o->url->workspace, *prefix = im->o->cfg->prefix;
	struct ht_strbuf msg = HT_STRBUF_INIT;
	int ret;

	ret = scan_files(im, from, move_file, NULL);
	if (ret < 0)
		goto cleanup;
	if (*prefix)
		ht_strbuf_addf(&msg, "Move the files of workspace %s to '%s' "
			       HT_OUTBOUND_TAG "\n", ws, prefix);
	else
		ht_strbuf_addf(&msg, "Move the files of workspace %s to the "
			       "top " HT_OUTBOUND_TAG "\n", ws);
	ret = commit_changes(im, im->fi.tc, im->fi.tc_nr, &im->author,
			     state_newest_ms(im->s), msg.buf);
cleanup:
	release_tree_changes(im->fi.tc, im->fi.tc_nr);
	im->fi.tc = NULL;
	im->fi.tc_nr = im->fi.tc_alloc = 0;
	ht_strbuf_release(&msg);
	return ret;
}

/* The first commit's message: what it holds, by kind. */
static void first_message(struct import *im, struct ht_strbuf *msg)
{
	const char *ws = im->o->url->workspace;
	size_t i;

	ht_strbuf_addf(msg, "Import workspace %s " HT_OUTBOUND_TAG "\n\n",
		       ws);
	for (i = 0; i < HT_KIND__COUNT; i++)
		if (im->files[i])
			ht_strbuf_addf(msg, "%s: %zu\n",
				       ht_kind_name((enum ht_kind)i),
				       im->files[i]);
	if (im->skipped[0])
		ht_strbuf_addf(msg, "skipped audiences: %zu\n",
			       im->skipped[0]);
	if (im->skipped[1])
		ht_strbuf_addf(msg, "skipped syncs of audiences: %zu\n",
			       im->skipped[1]);
	if (im->too_big_nr)
		ht_strbuf_addf(msg, "skipped, too large for a file: %zu\n",
			       im->too_big_nr);
	if (im->dangling)
		ht_strbuf_addf(msg, "skipped, naming what the workspace "
			       "lacks: %zu\n", im->dangling);
	if (msg->buf[msg->len - 2] == '\n')
		ht_strbuf_setlen(msg, msg->len - 1);
}

/*
 * The first import: one commit of everything.  With im->adopt, on the
 * base: the resource files were rendered against the base's, and the
 * commit is dated by the newest change or the base, whichever is later,
 * so that two teammates adopting one base at one state make the same
 * commit.  The files under the path that no resource claims go.  When
 * the files are the base's, there is no commit.
 */
int first_commit(struct import *im)
{
	struct ht_strbuf msg = HT_STRBUF_INIT;
	int64_t when = im->newest_ms;
	struct commit_info base = { 0, 0, { { 0 } } };
	int ret = 0;

	if (im->adopt) {
		ret = scan_orphans(im, remove_file, NULL);
		if (!ret)
			ret = odb_commit_info(im->r, &base, &im->start);
		if (!ret && base.time_ms > when)
			when = base.time_ms;
	}
	count_files(im);
	if (!ret)
		ret = add_root_file(im, HT_KIND_MANIFEST);
	if (!ret)
		ret = add_root_file(im, HT_KIND_ALIASES);
	if (!ret) {
		first_message(im, &msg);
		ret = commit_changes(im, im->fi.tc, im->fi.tc_nr, &im->author,
				     when, msg.buf);
	}
	ht_strbuf_release(&msg);
	return ret;
}

void release_first(struct first_import *fi)
{
	size_t i;

	for (i = 0; i < fi->pending_nr; i++)
		json_decref(fi->pending[i].it.json);
	free(fi->pending);
	release_tree_changes(fi->tc, fi->tc_nr);
	memset(fi, 0, sizeof(*fi));
}
