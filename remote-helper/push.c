/*
 * From files to the workspace (the INBOUND direction): `git push`.
 *
 * A push applies the net change between the last imported commit (the
 * private ref, which the state describes) and the pushed commit, never
 * commit by commit:
 *
 *  1. conflicts: unless forced, the pushed commit descends from the last
 *     import ("non-fast forward") and the workspace has not changed since
 *     (the cheap probe of a fetch, then "fetch first"); a matching
 *     `option cas` (--force-with-lease) skips the first check only, and a
 *     workspace that changed breaks the lease ("stale info");
 *  2. validation of every changed file before any request: the kinds
 *     table's rules, references resolved through the state (the manifest)
 *     and the aliases file of the workspace pushed to, fields the API
 *     cannot change, the read-only manifest;
 *  3. the plan: create, update (the fields that changed), ignored;
 *     `--dry-run` prints it and stops;
 *  4. the writes, models first, then relationships, then syncs, stopping
 *     at the first failure with a report of what was applied;
 *  5. the state: the pushed commit becomes the base.  A resource whose
 *     file the server would write differently (a normalised value) is
 *     marked stale, so that the next fetch commits the difference.
 *
 * On any failure the state is left as it was: the next fetch brings what
 * was applied back as OUTBOUND commits.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/check.h"
#include "hightouch/gitfiles.h"
#include "hightouch/alloc.h"
#include "hightouch/diag.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/yaml.h"

#include "helper.h"

enum action {
	ACT_NONE,   /* nothing the API can change: ignored */
	ACT_CREATE,
	ACT_UPDATE,
};

struct step {
	enum ht_kind kind;
	char *slug;
	char *path;
	enum action action;
	int64_t id;          /* of an update; of a create once made */
	json_t *body;        /* what is sent */
	struct ht_strbuf fields; /* "name, rawSql": what an update changes */
	char *note;          /* why it is ignored */
	git_oid blob;        /* the pushed file */
	int done;
	json_t *result;      /* the server's answer */
};

struct push {
	struct odb *r;
	struct state *s;
	const struct push_opts *o;
	git_oid base_tree, head_tree;
	json_t *aliases;     /* of the workspace pushed to */
	struct ht_strbuf aliases_path, manifest_path;
	struct ht_diags diags;
	struct step *steps;
	size_t nr, alloc;
	size_t notes;
};

static const char *kind_name(enum ht_kind k)
{
	return ht_kind_info(k)->name;
}

static void release_push(struct push *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		struct step *st = &p->steps[i];

		free(st->slug);
		free(st->path);
		json_decref(st->body);
		json_decref(st->result);
		ht_strbuf_release(&st->fields);
		free(st->note);
	}
	free(p->steps);
	json_decref(p->aliases);
	ht_strbuf_release(&p->aliases_path);
	ht_strbuf_release(&p->manifest_path);
	ht_diags_release(&p->diags);
}

/* The resource of `table` with `slug`, or NULL. */
static struct resource *find_slug(struct state *s, enum ht_ids t,
				  const char *slug)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->res[i].table == t && s->res[i].slug &&
		    !strcmp(s->res[i].slug, slug))
			return &s->res[i];
	return NULL;
}

static struct step *find_step(struct push *p, enum ht_ids t,
			      const char *slug)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (ht_kind_ids(p->steps[i].kind) == t &&
		    !strcmp(p->steps[i].slug, slug))
			return &p->steps[i];
	return NULL;
}

/*
 * Conflicts
 */

/* 1 when the items of `l` are what the state has. */
static int listing_matches(struct state *s, const struct listing *l)
{
	size_t i, known = 0;

	for (i = 0; i < l->nr; i++) {
		const struct item *it = &l->items[i];
		struct resource *r = state_find(s, ht_kind_ids(l->list), it->id);
		const char *slug = ht_json_get_string(it->json, "slug");

		if (!r || r->updated_ms != it->updated_ms || !slug ||
		    strcmp(slug, r->slug))
			return 0;
	}
	if (!l->full)
		return 1;
	for (i = 0; i < s->nr; i++)
		if (s->res[i].slug && state_in_list(&s->res[i], l->list, 1))
			known++;
	return known == l->nr;
}

/*
 * Has the workspace changed since the state?  The probe of a fetch (one
 * request per list when nothing changed); a list that cannot tell is read
 * from its tail, or whole, and compared with the state.
 */
static int workspace_changed(struct push *p, int *changed)
{
	static const enum ht_kind lists[] = {
		HT_KIND_SYNC, HT_KIND_RELATIONSHIP, HT_KIND_MODEL,
		HT_KIND_PARENT_MODEL, HT_KIND_RELATED_MODEL,
		HT_KIND_EVENT_MODEL, HT_KIND_DESTINATION, HT_KIND_SOURCE,
	};
	struct list_ctx ctx;
	size_t i;
	int ret = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.client = p->o->client;
	ctx.state = p->s;
	ctx.page_size = p->o->cfg->page_size;
	*changed = 0;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]) && !*changed; i++) {
		struct listing l;

		if (ht_kind_info(lists[i])->extension && p->s->schema == 0)
			continue;
		memset(&l, 0, sizeof(l));
		l.probe.has_more = -1;
		ret = listing_probe(&ctx, &l, lists[i]);
		if (!ret && !l.same && !l.unavailable) {
			ret = listing_fetch(&ctx, &l, lists[i], 0);
			if (!ret && !l.unavailable &&
			    !listing_matches(p->s, &l))
				*changed = 1;
		}
		if (!ret && l.unavailable && p->s->schema == 1)
			*changed = 1;
		if (*changed)
			trace("push", "%s: changed since the last fetch",
			      kind_name(lists[i]));
		listing_release(&l);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Validation
 */

static void diag_at(struct push *p, const char *path,
		    const struct ht_ynode *at, const char *rule,
		    const char *fmt, ...) HT_PRINTF(5, 6);

static void diag_at(struct push *p, const char *path,
		    const struct ht_ynode *at, const char *rule,
		    const char *fmt, ...)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ht_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	/* a finding about a whole file is at its start */
	if (at && at->line)
		ht_diags_add(&p->diags, HT_SEV_ERROR, path, at->line, at->col,
			     rule, "%s", sb.buf);
	else
		ht_diags_add(&p->diags, HT_SEV_ERROR, path, 1, 1, rule, "%s",
			     sb.buf);
	ht_strbuf_release(&sb);
}

/* Read the aliases file of the workspace from the pushed tree. */
static int load_aliases(struct push *p)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *doc = NULL;
	struct ht_ydiag yd;
	int ret;

	p->aliases = json_object();
	ret = odb_read_path(p->r, &sb, &p->head_tree, p->aliases_path.buf,
			     NULL);
	if (ret == HT_ENOTFOUND) {
		ht_error_clear();
		ret = 0;
		goto cleanup;
	}
	if (ret < 0)
		goto cleanup;
	if (ht_yaml_parse(&doc, sb.buf, sb.len, p->aliases_path.buf,
			  &yd) < 0) {
		ht_error_clear();
		ht_diags_add_ydiag(&p->diags, p->aliases_path.buf, &yd);
		goto cleanup;
	}
	json_decref(p->aliases);
	p->aliases = NULL;
	if (ht_kind_from_yaml(&p->aliases, HT_KIND_ALIASES, NULL, doc, NULL,
			      p->aliases_path.buf, &p->diags) < 0) {
		ht_error_clear();
		p->aliases = json_object();
	}
cleanup:
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
	return ret;
}

/*
 * The id `name` stands for as a `f->ref`: a source or destination through
 * the aliases file and the workspace's manifest (the state has it), a
 * model among the workspace's models or those the push creates (a
 * placeholder -1 - step index).  Reports what does not resolve.
 */
static int resolve(struct push *p, const char *path, const struct ht_ynode *at,
		   enum ht_kind ref, const char *name, int64_t *id, int quiet)
{
	const char *ws = p->o->url->workspace;
	struct resource *r;

	if (ref == HT_KIND_SOURCE || ref == HT_KIND_DESTINATION) {
		const char *target = ht_json_get_string(p->aliases, name);

		r = find_slug(p->s, ht_kind_ids(ref), target ? target : name);
		if (r) {
			*id = r->id;
			return 0;
		}
		if (quiet)
			return HT_ENOTFOUND;
		if (target)
			diag_at(p, path, at, "unresolved-reference",
				"%s '%s' is an alias (%s) of '%s', which is "
				"not a %s of workspace '%s' (%s)",
				kind_name(ref), name, p->aliases_path.buf,
				target, kind_name(ref), ws,
				p->manifest_path.buf);
		else
			diag_at(p, path, at, "unresolved-reference",
				"%s '%s' is neither a %s of workspace '%s' "
				"(%s) nor an alias in %s",
				kind_name(ref), name, kind_name(ref), ws,
				p->manifest_path.buf, p->aliases_path.buf);
		return HT_ENOTFOUND;
	}
	r = find_slug(p->s, HT_IDS_MODEL, name);
	if (r && r->kind != HT_KIND__COUNT) {
		*id = r->id;
		return 0;
	}
	{
		struct step *st = find_step(p, HT_IDS_MODEL, name);

		if (st && st->action == ACT_CREATE) {
			*id = -1 - (int64_t)(st - p->steps);
			return 0;
		}
	}
	if (!quiet)
		diag_at(p, path, at, "unresolved-reference",
			"model '%s' is neither a model of workspace '%s' nor "
			"created by this push", name, ws);
	return HT_ENOTFOUND;
}

/*
 * Parse a file into API JSON with its references resolved.  0 with
 * *out NULL when it has errors (reported unless `quiet`).
 */
static int convert(struct push *p, json_t **out, struct ht_ynode **doc_out,
		   enum ht_kind kind, const char *slug, const char *path,
		   const git_oid *tree, int quiet)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	struct ht_diags scratch = HT_DIAGS_INIT;
	struct ht_diags *d = quiet ? &scratch : &p->diags;
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *doc = NULL;
	struct ht_ydiag yd;
	json_t *obj = NULL;
	size_t i;
	int ret, bad = 0;

	*out = NULL;
	ret = odb_read_path(p->r, &sb, tree, path, NULL);
	if (ret < 0)
		goto cleanup;
	if (ht_yaml_parse(&doc, sb.buf, sb.len, path, &yd) < 0) {
		ht_error_clear();
		ht_diags_add_ydiag(d, path, &yd);
		goto cleanup;
	}
	if (ht_kind_from_yaml(&obj, kind, slug, doc, NULL, path, d) < 0) {
		ht_error_clear();
		goto cleanup;
	}
	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const char *name;
		int64_t id;

		if (f->type != HT_FTYPE_REF)
			continue;
		name = ht_json_get_string(obj, f->name);
		if (!name)
			continue;
		if (resolve(p, path, ht_ynode_map_get(doc, f->name), f->ref,
			    name, &id, quiet) < 0) {
			bad = 1;
			continue;
		}
		json_object_del(obj, f->name);
		json_object_set_new(obj, f->json, json_integer(id));
	}
	if (bad) {
		json_decref(obj);
		obj = NULL;
		goto cleanup;
	}
	*out = obj;
	if (doc_out) {
		*doc_out = doc;
		doc = NULL;
	}
cleanup:
	ht_diags_release(&scratch);
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
	return ret;
}

/* The top-level API member a field is sent in ("raw" for "raw.sql"). */
static void top_key(struct ht_strbuf *out, const struct ht_field *f)
{
	const char *dot = strchr(f->json, '.');

	ht_strbuf_reset(out);
	if (dot)
		ht_strbuf_add(out, f->json, dot - f->json);
	else
		ht_strbuf_addstr(out, f->json);
}

/* A create's body: the fields the API takes. */
static json_t *create_body(enum ht_kind kind, const json_t *obj)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	json_t *body = json_deep_copy(obj);
	size_t i;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];

		if (f->flags & HT_FIELD_LOCAL)
			json_object_del(body, f->name);
		else if (f->flags & HT_FIELD_READONLY)
			json_object_del(body, f->json);
	}
	return body;
}

static void add_note(struct ht_strbuf *sb, const char *what)
{
	if (sb->len)
		ht_strbuf_addstr(sb, "; ");
	ht_strbuf_addstr(sb, what);
}

/*
 * An update: the fields that changed.  Immutable ones are errors; those
 * the API does not take (a model's description, a sync's) are noted.
 */
static void plan_update(struct push *p, struct step *st, const json_t *old,
			const json_t *cur, const struct ht_ynode *doc)
{
	const struct ht_kind_info *info = ht_kind_info(st->kind);
	struct ht_strbuf key = HT_STRBUF_INIT, ignored = HT_STRBUF_INIT;
	size_t i;

	st->body = json_object();
	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const char *name = (f->flags & HT_FIELD_LOCAL) ? f->name :
								 f->json;
		json_t *a = ht_json_get_path(old, name);
		json_t *b = ht_json_get_path(cur, name);

		if ((!a && !b) || (a && b && json_equal(a, b)))
			continue;
		if (f->flags & HT_FIELD_IMMUTABLE) {
			const struct ht_ypair *pr =
				ht_ynode_map_get_pair(doc, f->name);

			diag_at(p, st->path, pr ? pr->key : doc,
				"immutable-field",
				"field '%s' of %s '%s' cannot be changed: the "
				"API does not allow it (create a %s with "
				"another slug instead)",
				f->name, kind_name(st->kind), st->slug,
				kind_name(st->kind));
			continue;
		}
		if (f->flags & HT_FIELD_LOCAL) {
			ht_strbuf_reset(&key);
			ht_strbuf_addf(&key, "'%s' is kept in the file only",
				       f->name);
			add_note(&ignored, key.buf);
			continue;
		}
		if (f->flags & HT_FIELD_READONLY) {
			ht_strbuf_reset(&key);
			ht_strbuf_addf(&key, "'%s' is set in Hightouch only",
				       f->name);
			add_note(&ignored, key.buf);
			continue;
		}
		top_key(&key, f);
		b = json_object_get(cur, key.buf);
		json_object_set(st->body, key.buf, b ? b : json_null());
		if (st->fields.len)
			ht_strbuf_addstr(&st->fields, ", ");
		ht_strbuf_addstr(&st->fields, f->name);
	}
	if (json_object_size(st->body))
		st->action = ACT_UPDATE;
	if (ignored.len)
		st->note = ht_strbuf_detach(&ignored, NULL);
	ht_strbuf_release(&key);
	ht_strbuf_release(&ignored);
}

static struct step *add_step(struct push *p, enum ht_kind kind,
			     const char *slug, const char *path,
			     const git_oid *blob)
{
	struct step *st;

	HT_ALLOC_GROW(p->steps, p->nr + 1, p->alloc);
	st = &p->steps[p->nr++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->slug = ht_xstrdup(slug);
	st->path = ht_xstrdup(path);
	ht_strbuf_init(&st->fields, 0);
	git_oid_cpy(&st->blob, blob);
	return st;
}

/* One changed path of the diff (the new side, or a deletion). */
static int take_delta(struct push *p, const git_diff_delta *d)
{
	const char *ws = p->o->url->workspace;
	const char *prefix = p->o->cfg->prefix;
	const char *path = d->new_file.path;
	struct ht_strbuf slug = HT_STRBUF_INIT;
	enum ht_kind kind;
	int ret = 0;

	if (d->status == GIT_DELTA_DELETED || d->status == GIT_DELTA_RENAMED) {
		const char *old = d->old_file.path;

		kind = ht_kind_for_path(old, prefix, ws, &slug);
		if (kind == HT_KIND_MANIFEST &&
		    d->status == GIT_DELTA_DELETED) {
			diag_at(p, old, NULL, "manifest-edited",
				"%s is read-only: it may not be deleted", old);
		} else if (kind != HT_KIND__COUNT &&
			   ht_kind_info(kind)->folder &&
			   ht_slug_valid(slug.buf, slug.len)) {
			say(0, "warning: %s %s: %s '%s' remains in workspace "
			    "'%s' (the API cannot delete; delete it in "
			    "Hightouch)", old,
			    d->status == GIT_DELTA_DELETED ? "was deleted" :
							     "was renamed",
			    kind_name(kind), slug.buf, ws);
			p->notes++;
		}
		if (d->status == GIT_DELTA_DELETED)
			goto cleanup;
		ht_strbuf_reset(&slug);
	}
	kind = ht_kind_for_path(path, prefix, ws, &slug);
	if (kind == HT_KIND__COUNT || kind == HT_KIND_ALIASES) {
		trace("push", "%s: not a resource file: ignored", path);
		goto cleanup;
	}
	if (kind == HT_KIND_MANIFEST) {
		diag_at(p, path, NULL, "manifest-edited",
			"%s is read-only: change sources and destinations in "
			"Hightouch, and fetch", path);
		goto cleanup;
	}
	if (!ht_kind_info(kind)->folder)
		goto cleanup;
	if (!ht_slug_valid(slug.buf, slug.len)) {
		diag_at(p, path, NULL, "bad-slug",
			"'%s' is not a valid slug: the file name must be the "
			"resource's slug", slug.buf);
		goto cleanup;
	}
	if (ht_kind_info(kind)->extension && p->s->schema == 0) {
		diag_at(p, path, NULL, "schema-unavailable",
			"schema sync is unavailable on this server: %s "
			"cannot be pushed", path);
		goto cleanup;
	}
	if (find_step(p, ht_kind_ids(kind), slug.buf)) {
		diag_at(p, path, NULL, "duplicate-slug",
			"another file of this push has slug '%s'", slug.buf);
		goto cleanup;
	}
	add_step(p, kind, slug.buf, path, &d->new_file.id);
cleanup:
	ht_strbuf_release(&slug);
	return ret;
}

static int diff_trees(struct push *p)
{
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_find_options fo;
	size_t i, n;
	int ret;

	ret = git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	if (ret < 0)
		return ht_git_error(ret, "cannot compare trees");
	ret = git_tree_lookup(&a, p->r->repo, &p->base_tree);
	if (!ret)
		ret = git_tree_lookup(&b, p->r->repo, &p->head_tree);
	if (!ret)
		ret = git_diff_tree_to_tree(&diff, p->r->repo, a, b, NULL);
	fo.flags = GIT_DIFF_FIND_RENAMES;
	if (!ret)
		ret = git_diff_find_similar(diff, &fo);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot compare the pushed commit with "
				 "the last fetch");
		goto cleanup;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n && !ret; i++)
		ret = take_delta(p, git_diff_get_delta(diff, i));
cleanup:
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	return ret;
}

/* The order of the writes: by phase, then as the diff has them. */
static int cmp_step(const void *va, const void *vb)
{
	const struct step *a = va, *b = vb;
	int pa = ht_kind_info(a->kind)->phase;
	int pb = ht_kind_info(b->kind)->phase;

	if (pa != pb)
		return pa < pb ? -1 : 1;
	return strcmp(a->path, b->path);
}

/* Validate every step and plan its request. */
static int plan(struct push *p)
{
	size_t i;
	int ret = 0;

	if (p->nr > 1)
		qsort(p->steps, p->nr, sizeof(*p->steps), cmp_step);
	/* creates first known, so that references to them resolve */
	for (i = 0; i < p->nr; i++) {
		struct step *st = &p->steps[i];
		struct resource *r = find_slug(p->s, ht_kind_ids(st->kind),
					       st->slug);

		if (!r) {
			st->action = ACT_CREATE;
		} else if (r->kind != st->kind) {
			struct ht_strbuf what = HT_STRBUF_INIT;

			/* a resource without a kind: an audience, or its sync */
			if (r->kind != HT_KIND__COUNT)
				ht_strbuf_addf(&what, "the %s",
					       kind_name(r->kind));
			else
				ht_strbuf_addstr(&what, r->table == HT_IDS_MODEL ?
						 "an audience" :
						 "a sync of an audience");
			diag_at(p, st->path, NULL, "duplicate-slug",
				"slug '%s' is taken by %s in workspace '%s'",
				st->slug, what.buf, p->o->url->workspace);
			ht_strbuf_release(&what);
		} else {
			st->id = r->id;
		}
	}
	for (i = 0; i < p->nr; i++) {
		struct step *st = &p->steps[i];
		struct ht_ynode *doc = NULL;
		json_t *cur = NULL, *old = NULL;
		git_oid base_blob;
		int in_base;

		ret = convert(p, &cur, &doc, st->kind, st->slug, st->path,
			      &p->head_tree, 0);
		if (ret < 0 || !cur)
			goto next;
		if (st->action == ACT_CREATE) {
			st->body = create_body(st->kind, cur);
			goto next;
		}
		if (!st->id)
			goto next;
		in_base = !odb_path_id(p->r, &base_blob, &p->base_tree,
					st->path);
		ht_error_clear();
		if (in_base)
			ret = convert(p, &old, NULL, st->kind, st->slug,
				      st->path, &p->base_tree, 1);
		if (ret < 0)
			goto next;
		if (!old) {
			/* the file is new here but the resource is not */
			struct ht_strbuf path = HT_STRBUF_INIT;
			json_t *server = NULL;

			ht_strbuf_addf(&path, "%s/%" PRId64,
				       ht_kind_info(st->kind)->api_path,
				       st->id);
			ret = ht_client_get(p->o->client, &server, path.buf);
			ht_strbuf_release(&path);
			if (ret < 0)
				goto next;
			old = server;
		}
		plan_update(p, st, old, cur, doc);
next:
		json_decref(cur);
		json_decref(old);
		ht_ynode_free(doc);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* A model slug the workspace has (ht_check_opts.model_exists). */
static int workspace_has_model(const char *slug, void *payload)
{
	struct push *p = payload;
	struct resource *r = find_slug(p->s, HT_IDS_MODEL, slug);

	return r && r->kind != HT_KIND__COUNT;
}

/*
 * Manifests of other workspaces (ht_check_opts.manifest_change_ok): push
 * ignores them, as it ignores every file it does not own for this
 * workspace; the workspace's own manifest is push's to judge.
 */
static int other_manifest_ok(const char *path,
			     const struct ht_check_file *base,
			     const struct ht_check_file *head,
			     struct ht_strbuf *why, void *payload)
{
	struct push *p = payload;

	(void)base;
	(void)head;
	(void)why;
	return strcmp(path, p->manifest_path.buf) ? 1 : 0;
}

/*
 * 1 if push found an error of its own at the same place, or by the same
 * rule in the same file.
 */
static int already_reported(const struct ht_diags *d,
			    const struct ht_diag *x)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		if (d->items[i].severity == HT_SEV_ERROR &&
		    !strcmp(d->items[i].path, x->path) &&
		    ((d->items[i].line == x->line &&
		      d->items[i].col == x->col) ||
		     !strcmp(d->items[i].rule, x->rule)))
			return 1;
	return 0;
}

/*
 * The rules `git hightouch check --base --head` applies (common/check.c):
 * cross-references, aliases and manifests of the workspace pushed to,
 * breaking changes between the last fetch and the pushed commit.  Their
 * errors join push's own (field changes the API cannot make, slugs taken
 * in the workspace), once per position.
 */
static int shared_check(struct push *p)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_tree base = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	struct ht_diags found = HT_DIAGS_INIT;
	git_tree *a = NULL, *b = NULL;
	size_t i;
	int ret;

	ret = git_tree_lookup(&a, p->r->repo, &p->base_tree);
	if (!ret)
		ret = git_tree_lookup(&b, p->r->repo, &p->head_tree);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot read the pushed commit");
		goto cleanup;
	}
	opts.prefix = *p->o->cfg->prefix ? p->o->cfg->prefix : NULL;
	opts.workspace = p->o->url->workspace;
	opts.jobs = 1;
	opts.model_exists = workspace_has_model;
	opts.manifest_change_ok = other_manifest_ok;
	opts.payload = p;
	ret = ht_check_tree_from_git(&base, p->r->repo, a, opts.prefix);
	if (!ret)
		ret = ht_check_tree_from_git(&head, p->r->repo, b, opts.prefix);
	if (!ret)
		ret = ht_check_run(&found, &head, &base, &opts);
	if (ret == HT_ENOTFOUND) {
		/* no manifest for the workspace: push's own rules say so */
		ht_error_clear();
		ret = 0;
	}
	if (ret < 0)
		goto cleanup;
	for (i = 0; i < found.nr; i++) {
		const struct ht_diag *x = &found.items[i];

		if (x->severity != HT_SEV_ERROR ||
		    already_reported(&p->diags, x))
			continue;
		ht_diags_add(&p->diags, HT_SEV_ERROR, x->path,
			     x->line ? x->line : 1, x->line ? x->col : 1,
			     x->rule, "%s", x->message);
	}
cleanup:
	ht_diags_release(&found);
	ht_check_tree_release(&head);
	ht_check_tree_release(&base);
	git_tree_free(a);
	git_tree_free(b);
	return ret;
}

static void print_plan(struct push *p)
{
	size_t i, n = 0;
	int level = p->o->dry_run ? 0 : 1;

	for (i = 0; i < p->nr; i++) {
		struct step *st = &p->steps[i];

		switch (st->action) {
		case ACT_CREATE:
			say(level, "  create %s '%s' (%s)", kind_name(st->kind),
			    st->slug, st->path);
			n++;
			break;
		case ACT_UPDATE:
			say(level, "  update %s '%s': %s", kind_name(st->kind),
			    st->slug, st->fields.buf);
			n++;
			break;
		case ACT_NONE:
			say(level, "  ignored %s '%s': %s", kind_name(st->kind),
			    st->slug, st->note ? st->note : "no change the "
			    "API can make");
			continue;
		}
		if (st->note)
			say(level, "    ignored: %s", st->note);
	}
	if (!n)
		say(level, "  nothing to change in workspace '%s'",
		    p->o->url->workspace);
}

/*
 * Applying
 */

/* Replace placeholder model ids with those of the models just made. */
static int fill_ids(struct push *p, json_t *body)
{
	static const char *const keys[] = { "modelId", "fromModelId",
					     "toModelId" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(body, keys[i]);
		int64_t id;
		struct step *st;

		if (!json_is_integer(v) || json_integer_value(v) >= 0)
			continue;
		id = -1 - json_integer_value(v);
		st = &p->steps[id];
		if (!st->done)
			return ht_error_set(HT_EINVALID, "model '%s' was not "
					    "created", st->slug);
		json_object_set_new(body, keys[i], json_integer(st->id));
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
	ret = ht_client_list_page(p->o->client, &page,
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

	ret = fill_ids(p, st->body);
	if (ret < 0)
		goto cleanup;
	if (st->action == ACT_CREATE) {
		long status;

		ret = ht_client_post(p->o->client, &res, api, st->body);
		status = ht_client_last_status(p->o->client);
		if (ret < 0 && (status < 400 || status >= 500)) {
			/* the answer may have been lost: look before leaping */
			ht_strbuf_addstr(&msg, ht_error_message());
			if (!find_created(p, st, &res) && res) {
				say(1, "%s '%s': the answer to its create "
				    "was lost, but it was made",
				    kind_name(st->kind), st->slug);
				ret = 0;
			} else {
				ret = ht_error_set(HT_ENET, "%s", msg.buf);
			}
		}
	} else {
		ht_strbuf_addf(&path, "%s/%" PRId64, api, st->id);
		ret = ht_client_patch(p->o->client, &res, path.buf, st->body);
	}
	if (ret < 0)
		goto cleanup;
	if (ht_json_get_id(&st->id, res, "id") < 0 ||
	    parse_time_ms(ht_json_get_string(res, "updatedAt")) < 0) {
		ret = ht_error_set(HT_EHTTP, "unexpected response to the "
				   "write of %s '%s'", kind_name(st->kind),
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
	    kind_name(failed->kind), failed->slug, ht_error_message());
	for (i = 0; i < p->nr; i++) {
		const struct step *st = &p->steps[i];

		if (st->action == ACT_NONE)
			continue;
		say(0, "  %s: %s %s '%s'",
		    st->done ? "applied" : "not applied",
		    st->action == ACT_CREATE ? "create" : "update",
		    kind_name(st->kind), st->slug);
	}
	say(0, "hint: nothing was lost: 'git fetch' brings back what was "
	    "applied,\nhint: then rebase and push again to apply the rest.");
}

/*
 * After success
 */

/*
 * As a fetch does (import.c): a `source:` or `destination:` given as an
 * alias stays that alias while it names the same slug.
 */
static void keep_aliases(struct push *p, struct ht_ynode *doc,
			 const struct ht_ynode *pushed, enum ht_kind kind)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	size_t i, j;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const struct ht_ynode *o = ht_ynode_map_get(pushed, f->name);
		const char *target;

		if (f->type != HT_FTYPE_REF || !o ||
		    (f->ref != HT_KIND_SOURCE &&
		     f->ref != HT_KIND_DESTINATION) ||
		    o->kind != HT_YNODE_SCALAR || o->type != HT_YTYPE_STR)
			continue;
		target = ht_json_get_string(p->aliases, o->str);
		for (j = 0; target && j < doc->npairs; j++) {
			struct ht_ypair *pr = &doc->pairs[j];

			if (!ht_ynode_is_str(pr->key, f->name) ||
			    !ht_ynode_is_str(pr->value, target))
				continue;
			ht_ynode_free(pr->value);
			pr->value = ht_ynode_new_str(o->str, o->len);
		}
	}
}

/* Would a fetch write the file as it was pushed? */
static int same_as_pushed(struct push *p, const struct step *st)
{
	struct ht_resolver res = { state_slug_of, NULL, p->s };
	struct ht_strbuf pushed = HT_STRBUF_INIT, sb = HT_STRBUF_INIT;
	struct ht_ynode *doc = NULL, *pdoc = NULL;
	json_t *api = json_copy(st->result);
	int same = 0;

	if (odb_read_path(p->r, &pushed, &p->head_tree, st->path, NULL) < 0)
		goto cleanup;
	if (st->kind == HT_KIND_SYNC) {
		const struct ht_ynode *d;

		json_object_del(api, "description");
		if (!ht_yaml_parse(&pdoc, pushed.buf, pushed.len, st->path,
				   NULL) &&
		    (d = ht_ynode_map_get(pdoc, "description")) &&
		    d->kind == HT_YNODE_SCALAR && d->type == HT_YTYPE_STR)
			json_object_set_new(api, "description",
					    json_stringn(d->str, d->len));
	}
	if (ht_kind_to_yaml(&doc, st->kind, api, &res) < 0)
		goto cleanup;
	if (!pdoc && ht_yaml_parse(&pdoc, pushed.buf, pushed.len, st->path,
				   NULL) < 0)
		goto cleanup;
	keep_aliases(p, doc, pdoc, st->kind);
	ht_strbuf_init_capped(&sb, HT_YAML_MAX_SIZE);
	if (ht_yaml_emit(&sb, doc) < 0)
		goto cleanup;
	same = sb.len == pushed.len && !memcmp(sb.buf, pushed.buf, sb.len);
cleanup:
	ht_error_clear();
	json_decref(api);
	ht_ynode_free(doc);
	ht_ynode_free(pdoc);
	ht_strbuf_release(&pushed);
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

/* Record the writes: the pushed commit is the new base. */
static int update_state(struct push *p, const git_oid *head)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		struct step *st = &p->steps[i];
		enum ht_kind list = st->kind;
		int64_t ms;
		int created = st->action == ACT_CREATE, same;

		if (!st->done)
			continue;
		ms = parse_time_ms(ht_json_get_string(st->result,
						      "updatedAt"));
		state_set(p->s, ht_kind_ids(st->kind), st->id, st->kind, ms,
			  st->slug);
		same = same_as_pushed(p, st);
		if (ht_kind_is_model(list) && list != HT_KIND_MODEL)
			note_newest(&p->s->lists[HT_KIND_MODEL], st->id, ms,
				    created);
		note_newest(&p->s->lists[list], st->id, ms, created);
		if (!same) {
			/* the next fetch reads it again and commits it */
			trace("push", "%s '%s' was normalised by the server",
			      kind_name(st->kind), st->slug);
			state_set(p->s, ht_kind_ids(st->kind), st->id, st->kind,
				  0, st->slug);
			p->s->lists[list].valid = 0;
			if (ht_kind_is_model(list))
				p->s->lists[HT_KIND_MODEL].valid = 0;
		}
	}
	git_oid_cpy(&p->s->commit, head);
	return state_save(p->s);
}

static void trigger_syncs(struct push *p)
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
		if (ht_client_post(p->o->client, &res, path.buf, NULL) < 0) {
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

int push_run(struct odb *r, struct state *s, const struct push_opts *o,
	     const git_oid *base, const git_oid *head, struct ht_strbuf *why)
{
	struct push p;
	struct ht_strbuf source = HT_STRBUF_INIT;
	size_t i, n = 0;
	int ret, changed = 0;

	memset(&p, 0, sizeof(p));
	p.r = r;
	p.s = s;
	p.o = o;
	ht_strbuf_init(&p.aliases_path, 0);
	ht_strbuf_init(&p.manifest_path, 0);
	ht_strbuf_addf(&source, "%s %s", o->url->api_base, o->url->workspace);

	ret = state_load(s);
	if (ret < 0)
		goto cleanup;
	if (!base || !s->loaded || !git_oid_equal(&s->commit, base) ||
	    !s->source || strcmp(s->source, source.buf) ||
	    strcmp(s->prefix, o->cfg->prefix)) {
		say(0, "error: the last fetch from '%s' is %s: run 'git "
		    "fetch %s' first", o->remote,
		    base ? "out of date" : "missing", o->remote);
		ht_strbuf_addstr(why, "fetch first");
		goto cleanup;
	}
	ret = state_load_map(s);
	if (ret < 0) {
		ht_error_clear();
		ret = 0;
		say(0, "error: the state of remote '%s' is damaged: run 'git "
		    "fetch %s' first", o->remote, o->remote);
		ht_strbuf_addstr(why, "fetch first");
		goto cleanup;
	}
	ret = odb_commit_tree(r, &p.base_tree, base);
	if (!ret)
		ret = odb_commit_tree(r, &p.head_tree, head);
	if (ret < 0)
		goto cleanup;

	/* 1. conflicts */
	if (o->force == PUSH_NORMAL && !git_oid_equal(head, base) &&
	    git_graph_descendant_of(r->repo, head, base) != 1) {
		git_error_clear();
		ht_strbuf_addstr(why, "non-fast forward");
		goto cleanup;
	}
	/* forced too: then, what changed is read whole by the next fetch */
	ret = workspace_changed(&p, &changed);
	if (ret < 0)
		goto cleanup;
	if (changed && o->force != PUSH_FORCE) {
		ht_strbuf_addstr(why, o->force == PUSH_LEASE ? "stale info" :
				 "fetch first");
		goto cleanup;
	}

	/* 2. validation and plan */
	ht_kind_path(&p.aliases_path, HT_KIND_ALIASES, NULL,
		     o->url->workspace, NULL);
	ht_kind_path(&p.manifest_path, HT_KIND_MANIFEST, NULL,
		     o->url->workspace, NULL);
	ret = load_aliases(&p);
	if (!ret)
		ret = diff_trees(&p);
	if (!ret)
		ret = plan(&p);
	if (!ret)
		ret = shared_check(&p);
	if (ret < 0)
		goto cleanup;
	/* warnings too: a push that goes through may still drop a field */
	if (p.diags.nr) {
		struct ht_strbuf line = HT_STRBUF_INIT;

		ht_diags_sort(&p.diags);
		for (i = 0; i < p.diags.nr; i++) {
			ht_strbuf_reset(&line);
			ht_diag_format(&line, &p.diags.items[i]);
			say(0, "%s", line.buf);
		}
		ht_strbuf_release(&line);
	}
	if (p.diags.nerrors) {
		ht_strbuf_addf(why, "validation failed: %zu error%s, nothing "
			       "was pushed", p.diags.nerrors,
			       p.diags.nerrors == 1 ? "" : "s");
		goto cleanup;
	}
	say(p.o->dry_run ? 0 : 1, "%s workspace '%s':",
	    p.o->dry_run ? "Would push to" : "Pushing to", o->url->workspace);
	print_plan(&p);
	if (o->dry_run)
		goto cleanup;

	/* 3. the writes */
	for (i = 0; i < p.nr; i++) {
		if (p.steps[i].action == ACT_NONE)
			continue;
		crash_point("before a write of a push");
		ret = apply_step(&p, &p.steps[i]);
		if (ret < 0) {
			report_failure(&p, &p.steps[i]);
			ht_strbuf_addf(why, "push applied %zu of its changes: "
				       "fetch, rebase and push again", n);
			ret = 0;
			goto cleanup;
		}
		n++;
	}

	/* 4. the new base */
	if (changed)
		for (i = 0; i < HT_KIND__COUNT; i++)
			s->lists[i].valid = 0;
	ret = update_state(&p, head);
	if (ret < 0)
		goto cleanup;
	if (o->trigger)
		trigger_syncs(&p);
cleanup:
	release_push(&p);
	ht_strbuf_release(&source);
	return ret;
}
