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
 *  2. validation of every changed file before any request: the rules of
 *     `git hightouch check --base --head` (common/check.c), run once over
 *     the last fetch and the pushed commit for the workspace pushed to,
 *     and the rules only the workspace can tell (fields the API cannot
 *     change, slugs another kind has, schema files to a server without
 *     the schema);
 *  3. the plan: create, update (the fields that changed), ignored, with
 *     the names the API does not take resolved to the workspace's ids (a
 *     dbtModel, through a model of the workspace built on it: names.c),
 *     and the values of each (values.c); `-o paused` creates syncs
 *     paused, `-o keep-schedule` leaves existing ones' schedules out;
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

#include "hightouch/alloc.h"
#include "hightouch/check.h"
#include "hightouch/diag.h"
#include "hightouch/error.h"
#include "hightouch/gitfiles.h"
#include "hightouch/json.h"
#include "hightouch/yaml.h"

#include "push.h"

static void release_push(struct push *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		struct step *st = &p->steps[i];

		free(st->slug);
		free(st->path);
		ht_ynode_free(st->doc);
		ht_strbuf_release(&st->content);
		json_decref(st->body);
		json_decref(st->result);
		json_decref(st->now);
		ht_strbuf_release(&st->fields);
		free(st->note);
		ht_strbuf_release(&st->kept);
		ht_strbuf_release(&st->values);
	}
	free(p->steps);
	for (i = 0; i < HT_IDS__COUNT; i++)
		json_decref(p->lists[i]);
	ht_workspace_release(&p->ws);
	ht_diags_release(&p->diags);
}

/* The resource of id space `t` with `slug`, or NULL. */
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

static struct step *step_at(struct push *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->steps[i].path, path))
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
	enum ht_kind lists[HT_KIND__COUNT];
	size_t i, n = listing_order(lists, 1);
	struct list_ctx ctx;
	int ret = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.client = p->o->rm->client;
	ctx.state = p->s;
	ctx.page_size = p->o->rm->cfg->client.page_size;
	*changed = 0;
	for (i = 0; i < n && !*changed; i++) {
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
			      ht_kind_name(lists[i]));
		listing_release(&l);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * The changed files
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

/* A file that is, or names, a resource the last fetch skipped. */
static void skipped_by_fetch(struct push *p, const char *path,
			     const struct ht_ynode *at,
			     const struct resource *r)
{
	struct ht_strbuf why = HT_STRBUF_INIT;

	state_skip_reason(&why, p->s, r);
	diag_at(p, path, at, "skipped-by-fetch",
		"%s '%s' was skipped by the last fetch: %s",
		ht_kind_name(r->kind != HT_KIND__COUNT ? r->kind :
			     ht_ids_kind(r->table)), r->slug, why.buf);
	ht_strbuf_release(&why);
}

static struct step *add_step(struct push *p, enum ht_kind kind,
			     const char *slug, const char *path)
{
	struct step *st;

	HT_ALLOC_GROW(p->steps, p->nr + 1, p->alloc);
	st = &p->steps[p->nr++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->slug = ht_xstrdup(slug);
	st->path = ht_xstrdup(path);
	ht_strbuf_init(&st->fields, 0);
	ht_strbuf_init(&st->content, 0);
	ht_strbuf_init(&st->kept, 0);
	ht_strbuf_init(&st->values, 0);
	return st;
}

/* A resource file deleted or renamed: the resource remains. */
static void note_gone(struct push *p, const git_diff_delta *d)
{
	const char *old = d->old_file.path;
	struct ht_strbuf slug = HT_STRBUF_INIT, q = HT_STRBUF_INIT;
	enum ht_kind kind = ht_kind_for_path(old, p->o->rm->cfg->prefix,
					     p->o->rm->url->workspace, &slug);

	if (kind != HT_KIND__COUNT && ht_kind_info(kind)->folder &&
	    ht_slug_valid(slug.buf, slug.len)) {
		say(0, "warning: %s %s: %s '%s' remains in workspace '%s' "
		    "(the API cannot delete; delete it in Hightouch)",
		    ht_quote_path(&q, old),
		    d->status == GIT_DELTA_DELETED ? "was deleted" :
						     "was renamed",
		    ht_kind_name(kind), slug.buf, p->o->rm->url->workspace);
		p->notes++;
	}
	ht_strbuf_release(&slug);
	ht_strbuf_release(&q);
}

/*
 * One changed path of the diff: a step for a resource file of the new
 * side (the check judges the rest: manifests, file names, duplicates,
 * symbolic links and submodules).
 */
static void take_delta(struct push *p, const git_diff_delta *d)
{
	const char *path = d->new_file.path;
	struct ht_strbuf slug = HT_STRBUF_INIT, q = HT_STRBUF_INIT;
	enum ht_kind kind;

	if (d->status == GIT_DELTA_DELETED || d->status == GIT_DELTA_RENAMED)
		note_gone(p, d);
	if (d->status == GIT_DELTA_DELETED)
		return;
	if (d->new_file.mode != GIT_FILEMODE_BLOB &&
	    d->new_file.mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
		trace("push", "%s: not a file: left to the check",
		      ht_quote_path(&q, path));
		ht_strbuf_release(&q);
		return;
	}
	kind = ht_kind_for_path(path, p->o->rm->cfg->prefix,
				p->o->rm->url->workspace, &slug);
	if (kind == HT_KIND__COUNT || !ht_kind_info(kind)->folder ||
	    !ht_slug_valid(slug.buf, slug.len)) {
		trace("push", "%s: not a resource file: ignored",
		      ht_quote_path(&q, path));
	} else if (ht_kind_info(kind)->extension && p->s->schema == 0) {
		diag_at(p, path, NULL, "schema-unavailable",
			"schema sync is unavailable on this server: %s "
			"cannot be pushed", ht_quote_path(&q, path));
	} else {
		add_step(p, kind, slug.buf, path);
	}
	ht_strbuf_release(&slug);
	ht_strbuf_release(&q);
}

static int diff_trees(struct push *p)
{
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_options o;
	git_diff_find_options fo;
	size_t i, n;
	int ret;

	ret = git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	if (!ret)
		ret = git_diff_find_options_init(&fo,
						 GIT_DIFF_FIND_OPTIONS_VERSION);
	if (ret < 0)
		return ht_git_error(ret, "cannot compare trees");
	/* a file that became a link is one change, not a deletion */
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	ret = git_tree_lookup(&a, p->r->repo, &p->base_tree);
	if (!ret)
		ret = git_tree_lookup(&b, p->r->repo, &p->head_tree);
	if (!ret)
		ret = git_diff_tree_to_tree(&diff, p->r->repo, a, b, &o);
	fo.flags = GIT_DIFF_FIND_RENAMES;
	if (!ret)
		ret = git_diff_find_similar(diff, &fo);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot compare the pushed commit with "
				   "the last fetch");
		goto cleanup;
	}
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++)
		take_delta(p, git_diff_get_delta(diff, i));
cleanup:
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	return ret;
}

/*
 * The shared rules
 */

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
 * workspace; the workspace's own manifest is read-only.
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
	return strcmp(path, p->ws.manifest_path) ? 1 : 0;
}

/* A file the check read (ht_check_opts.file_checked): its step's. */
static int file_checked(const struct ht_check_file *f, enum ht_kind kind,
			const char *slug, const struct ht_strbuf *content,
			struct ht_ynode **doc, void *payload)
{
	struct step *st = step_at(payload, f->path);

	(void)kind;
	(void)slug;
	if (!st)
		return 0;
	ht_strbuf_reset(&st->content);
	ht_strbuf_add(&st->content, content->buf, content->len);
	ht_ynode_free(st->doc);
	st->doc = *doc;
	*doc = NULL;
	return 0;
}

/*
 * `git hightouch check --base --head` over the last fetch and the pushed
 * commit, for the workspace pushed to: every changed file read, parsed
 * and checked once, and handed to its step (file_checked()).
 */
static int run_check(struct push *p)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_tree base = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	git_tree *a = NULL, *b = NULL;
	int ret;

	ret = git_tree_lookup(&a, p->r->repo, &p->base_tree);
	if (!ret)
		ret = git_tree_lookup(&b, p->r->repo, &p->head_tree);
	if (ret < 0) {
		ret = ht_git_error(ret, "cannot read the pushed commit");
		goto cleanup;
	}
	opts.prefix = *p->o->rm->cfg->prefix ? p->o->rm->cfg->prefix : NULL;
	opts.workspace = p->o->rm->url->workspace;
	opts.jobs = 1;
	opts.model_exists = workspace_has_model;
	opts.manifest_change_ok = other_manifest_ok;
	opts.file_checked = file_checked;
	opts.payload = p;
	ret = ht_check_tree_from_git(&base, p->r->repo, a, opts.prefix);
	if (!ret)
		ret = ht_check_tree_from_git(&head, p->r->repo, b, opts.prefix);
	if (!ret)
		ret = ht_check_run(&p->diags, &head, &base, &opts);
	if (ret == HT_ENOTFOUND) {
		ht_error_clear();
		diag_at(p, p->ws.manifest_path, NULL, "manifest-edited",
			"%s is read-only: it may not be deleted (restore it "
			"from the last fetch)", p->ws.manifest_shown);
		ret = 0;
	}
cleanup:
	ht_check_tree_release(&head);
	ht_check_tree_release(&base);
	git_tree_free(a);
	git_tree_free(b);
	return ret;
}

/* A root file of the pushed tree into `sb`: 1, 0 when absent, or < 0. */
static int read_root(struct push *p, const char *path, struct ht_strbuf *sb)
{
	int ret = odb_read_path(p->r, sb, &p->head_tree, path, NULL);

	if (ret == HT_ENOTFOUND) {
		ht_error_clear();
		return 0;
	}
	return ret < 0 ? ret : 1;
}

/*
 * The manifest and aliases file of the workspace pushed to, for
 * resolving `source:` and `destination:` (the check has judged them).
 */
static int load_workspace(struct push *p)
{
	struct ht_diags scratch = HT_DIAGS_INIT;
	struct ht_strbuf sb = HT_STRBUF_INIT;
	int ret;

	ret = read_root(p, p->ws.manifest_path, &sb);
	if (ret > 0)
		ret = ht_workspace_read_manifest(&p->ws, sb.buf, sb.len,
						 &scratch);
	ht_strbuf_reset(&sb);
	if (ret >= 0)
		ret = read_root(p, p->ws.aliases_path, &sb);
	if (ret > 0)
		ret = ht_workspace_read_aliases(&p->ws, sb.buf, sb.len,
						&scratch);
	ht_diags_release(&scratch);
	ht_strbuf_release(&sb);
	return ret < 0 ? ret : 0;
}

/* 1 if an error (of `rule`, unless NULL) was found in `path`. */
static int has_finding(const struct push *p, const char *path,
		       const char *rule)
{
	size_t i;

	for (i = 0; i < p->diags.nr; i++)
		if (p->diags.items[i].severity == HT_SEV_ERROR &&
		    !strcmp(p->diags.items[i].path, path) &&
		    (!rule || !strcmp(p->diags.items[i].rule, rule)))
			return 1;
	return 0;
}

/*
 * The plan
 */

/*
 * The id `name` stands for as a reference to a `ref`: a source or
 * destination through the workspace's aliases file and manifest, to the
 * id the state has for that slug; a model among the workspace's models or
 * those the push creates (a placeholder -1 - step index).  The check has
 * reported what does not resolve; what it could not tell is reported here.
 */
static int resolve(struct push *p, const struct step *st,
		   const struct ht_ynode *at, enum ht_kind ref,
		   const char *name, int64_t *id, int quiet)
{
	const char *slug = name;
	struct resource *r;
	struct step *made;

	if (ht_kind_in_manifest(ref) &&
	    ht_workspace_resolve(&p->ws, ref, name, &slug, NULL) !=
		    HT_RESOLVED)
		slug = NULL;
	r = slug ? find_slug(p->s, ht_kind_ids(ref), slug) : NULL;
	if (r && r->skipped) {
		if (!quiet)
			skipped_by_fetch(p, st->path, at, r);
		return HT_ENOTFOUND;
	}
	if (r && r->kind != HT_KIND__COUNT) {
		*id = r->id;
		return 0;
	}
	made = find_step(p, ht_kind_ids(ref), name);
	if (made && made->action == ACT_CREATE && !ht_kind_in_manifest(ref)) {
		*id = -1 - (int64_t)(made - p->steps);
		return 0;
	}
	if (!quiet)
		diag_at(p, st->path, at, "unresolved-reference",
			"%s '%s' is not a %s of workspace '%s'%s",
			ht_kind_name(ref), name, ht_kind_name(ref),
			p->ws.name,
			ht_kind_in_manifest(ref) ? "" :
						   " nor created by this push");
	return HT_ENOTFOUND;
}

/*
 * The API JSON of a parsed file, its references resolved to ids (to
 * placeholders for models this push creates).  NULL when it has errors,
 * which the check reported (or, for a reference, resolve(), unless
 * `quiet`).
 */
static json_t *convert(struct push *p, const struct step *st,
		       const struct ht_ynode *doc, int quiet)
{
	const struct ht_kind_info *info = ht_kind_info(st->kind);
	struct ht_diags scratch = HT_DIAGS_INIT;
	json_t *obj = NULL;
	size_t i;
	int bad = 0;

	if (ht_kind_from_yaml(&obj, st->kind, st->slug, doc, NULL, st->path,
			      &scratch) < 0)
		ht_error_clear();
	ht_diags_release(&scratch);
	for (i = 0; obj && i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const char *name;
		int64_t id;

		if (f->type != HT_FTYPE_REF)
			continue;
		name = ht_json_get_string(obj, f->name);
		if (!name)
			continue;
		if (resolve(p, st, ht_ynode_map_get(doc, f->name), f->ref,
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
	}
	return obj;
}

/* The file of the last fetch at `st`'s path, as API JSON, or NULL. */
static json_t *convert_base(struct push *p, const struct step *st)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_ynode *doc = NULL;
	json_t *obj = NULL;

	if (!odb_read_path(p->r, &sb, &p->base_tree, st->path, NULL) &&
	    !ht_yaml_parse(&doc, sb.buf, sb.len, st->path, NULL))
		obj = convert(p, st, doc, 1);
	ht_error_clear();
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
	return obj;
}

void top_key(struct ht_strbuf *out, const struct ht_field *f)
{
	const char *dot = strchr(f->json, '.');

	ht_strbuf_reset(out);
	if (dot)
		ht_strbuf_add(out, f->json, dot - f->json);
	else
		ht_strbuf_addstr(out, f->json);
}

/*
 * A field the API cannot take, noted for the plan and the output:
 * "description, set in Hightouch only" (READONLY) or "description, kept
 * in the file only" (LOCAL).  1 if `f` is such a field.
 */
static int note_unsent(struct step *st, const struct ht_field *f)
{
	const char *why = (f->flags & HT_FIELD_LOCAL) ?
				  "kept in the file only" :
			  (f->flags & HT_FIELD_READONLY) ?
				  "set in Hightouch only" :
				  NULL;
	struct ht_strbuf sb = HT_STRBUF_INIT;

	if (!why)
		return 0;
	if (st->note)
		ht_strbuf_addf(&sb, "%s; ", st->note);
	ht_strbuf_addf(&sb, "%s, %s", f->name, why);
	free(st->note);
	st->note = ht_strbuf_detach(&sb, NULL);
	return 1;
}

const char *field_key(const struct ht_field *f)
{
	return (f->flags & HT_FIELD_LOCAL) ? f->name : f->json;
}

/*
 * A create's body: the fields the API takes; the others are noted.  With
 * `-o paused`, a sync is created paused whatever its file says.
 */
static json_t *create_body(struct push *p, struct step *st, const json_t *obj)
{
	const struct ht_kind_info *info = ht_kind_info(st->kind);
	json_t *body = json_deep_copy(obj);
	size_t i;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const json_t *v = ht_json_get_path(body, field_key(f));

		if ((f->flags & HT_FIELD_PAUSE) && p->o->paused) {
			if (ht_json_set_path(body, f->json, json_true()) < 0)
				HT_BUG("cannot pause %s '%s'",
				       ht_kind_name(st->kind), st->slug);
			st->paused = 1;
		}
		if (!(f->flags & (HT_FIELD_LOCAL | HT_FIELD_READONLY)))
			continue;
		if (v && !json_is_null(v))
			note_unsent(st, f);
		json_object_del(body, field_key(f));
	}
	return body;
}

/*
 * With `-o keep-schedule`, a field of when a sync runs that the file
 * changes is left as the workspace has it: 1 (noted for the plan).
 */
static int keep_field(struct push *p, struct step *st,
		      const struct ht_field *f)
{
	if (!p->o->keep_schedule || !(f->flags & HT_FIELD_SCHEDULE))
		return 0;
	ht_strbuf_addf(&st->kept, "%s%s", st->kept.len ? ", " : "", f->name);
	return 1;
}

/*
 * An update: the fields that changed.  Immutable ones are errors; those
 * the API does not take (a model's description, a sync's) are noted.
 */
static void plan_update(struct push *p, struct step *st, const json_t *old,
			const json_t *cur, const struct ht_ynode *doc)
{
	const struct ht_kind_info *info = ht_kind_info(st->kind);
	struct ht_strbuf key = HT_STRBUF_INIT;
	size_t i;

	st->body = json_object();
	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		json_t *a = ht_json_get_path(old, field_key(f));
		json_t *b = ht_json_get_path(cur, field_key(f));

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
				f->name, ht_kind_name(st->kind), st->slug,
				ht_kind_name(st->kind));
			continue;
		}
		if (note_unsent(st, f) || keep_field(p, st, f))
			continue;
		top_key(&key, f);
		b = json_object_get(cur, key.buf);
		json_object_set(st->body, key.buf, b ? b : json_null());
		if (st->fields.len)
			ht_strbuf_addstr(&st->fields, ", ");
		ht_strbuf_addstr(&st->fields, f->name);
	}
	if (json_object_size(st->body))
		st->action = ACT_UPDATE;
	values_plan(p, st, old, cur);
	ht_strbuf_release(&key);
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


/*
 * Create, update or a slug another kind has in the workspace (unless the
 * check found that another file of the push has it).
 */
static void choose_action(struct push *p, struct step *st)
{
	struct resource *r = find_slug(p->s, ht_kind_ids(st->kind), st->slug);
	struct ht_strbuf what = HT_STRBUF_INIT;

	if (!r) {
		st->action = ACT_CREATE;
		return;
	}
	if (r->skipped) {
		skipped_by_fetch(p, st->path, NULL, r);
		return;
	}
	if (r->kind == st->kind) {
		st->id = r->id;
		return;
	}
	if (has_finding(p, st->path, "duplicate-slug"))
		return;
	/* a resource without a kind: an audience, or its sync */
	if (r->kind != HT_KIND__COUNT)
		ht_strbuf_addf(&what, "the %s", ht_kind_name(r->kind));
	else
		ht_strbuf_addstr(&what, r->table == HT_IDS_MODEL ?
				 "an audience" : "a sync of an audience");
	diag_at(p, st->path, NULL, "duplicate-slug",
		"slug '%s' is taken by %s in workspace '%s'", st->slug,
		what.buf, p->o->rm->url->workspace);
	ht_strbuf_release(&what);
}

/*
 * A resource whose file a fetch could not write (too large): the push
 * replaces what Hightouch has with the file's fields, and says so.
 */
static void warn_if_too_big(struct push *p, const struct step *st,
			    const json_t *server)
{
	struct ht_resolver resolver = { state_slug_of, NULL, p->s, NULL };
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct render rd;

	render_init(&rd, p->r, p->o->rm->url->workspace, &resolver);
	if (render_resource_doc(&rd, &sb, st->kind, server, NULL, NULL,
				NULL) == HT_ETOOBIG) {
		say(0, "warning: %s: %s (fetch skipped it); this push "
		    "replaces it with the file's fields", st->path,
		    ht_error_message());
		p->notes++;
	}
	ht_error_clear();
	render_release(&rd);
	ht_strbuf_release(&sb);
}

/* The request of an update: the fields that changed since the base. */
static int plan_step_update(struct push *p, struct step *st, json_t *cur)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	json_t *old = convert_base(p, st);
	int ret = 0;

	if (!old) {
		/* the file is new here but the resource is not */
		ht_strbuf_addf(&path, "%s/%" PRId64,
			       ht_kind_info(st->kind)->api_path, st->id);
		ret = ht_client_get(p->o->rm->client, &old, path.buf);
		if (!ret)
			warn_if_too_big(p, st, old);
	}
	if (!ret)
		plan_update(p, st, old, cur, st->doc);
	json_decref(old);
	ht_strbuf_release(&path);
	return ret;
}

/* Plan the request of every step whose file the check found clean. */
static int plan(struct push *p)
{
	size_t i;
	int ret = 0;

	if (p->nr > 1)
		qsort(p->steps, p->nr, sizeof(*p->steps), cmp_step);
	/* creates first known, so that references to them resolve */
	for (i = 0; i < p->nr; i++)
		choose_action(p, &p->steps[i]);
	for (i = 0; i < p->nr && !ret; i++) {
		struct step *st = &p->steps[i];
		json_t *cur;

		if (!st->doc || has_finding(p, st->path, NULL))
			continue;
		cur = convert(p, st, st->doc, 0);
		if (cur && st->action == ACT_CREATE) {
			st->body = create_body(p, st, cur);
			values_plan(p, st, NULL, st->body);
		} else if (cur && st->id) {
			ret = plan_step_update(p, st, cur);
		}
		if (!ret && st->body)
			ret = resolve_names(p, st);
		json_decref(cur);
	}
	return ret;
}

static void print_plan(struct push *p)
{
	struct ht_strbuf q = HT_STRBUF_INIT;
	size_t i, n = 0;
	int level = p->o->dry_run ? 0 : 1;
	const char *ws = p->o->rm->url->workspace;

	for (i = 0; i < p->nr; i++) {
		struct step *st = &p->steps[i];

		switch (st->action) {
		case ACT_CREATE:
			say(level, "  create %s '%s' (%s)%s",
			    ht_kind_name(st->kind), st->slug,
			    ht_quote_path(&q, st->path),
			    st->paused ? ", paused (-o paused)" : "");
			n++;
			break;
		case ACT_UPDATE:
			say(level, "  update %s '%s': %s", ht_kind_name(st->kind),
			    st->slug, st->fields.buf);
			n++;
			break;
		case ACT_NONE:
			if (st->kept.len)
				say(level, "  ignored %s '%s': %s kept as "
				    "workspace '%s' has it (-o keep-schedule)",
				    ht_kind_name(st->kind), st->slug,
				    st->kept.buf, ws);
			else
				say(level, "  ignored %s '%s': %s%s",
				    ht_kind_name(st->kind), st->slug,
				    st->note ? "not sent: " : "",
				    st->note ? st->note :
					       "no change the API can make");
			if (st->kept.len && st->note)
				say(level, "    not sent: %s", st->note);
			continue;
		}
		/* a push shows its values with -v only: one line a resource */
		values_print(st, p->o->dry_run ? 0 : 2);
		if (st->kept.len)
			say(level, "    kept as workspace '%s' has it "
			    "(-o keep-schedule): %s", ws, st->kept.buf);
		if (st->note)
			say(level, "    not sent: %s", st->note);
	}
	if (!n)
		say(level, "  nothing to change in workspace '%s'", ws);
	ht_strbuf_release(&q);
}

/*
 * The run
 */

/* Print every finding; 1 (and `why` set) when there are errors. */
static int report_findings(struct push *p, struct ht_strbuf *why)
{
	struct ht_strbuf line = HT_STRBUF_INIT;
	size_t i;

	/* warnings too: a push that goes through may still drop a field */
	for (i = 0; i < p->diags.nr; i++)
		if (!p->diags.items[i].line) /* about the whole file */
			p->diags.items[i].line = p->diags.items[i].col = 1;
	ht_diags_sort(&p->diags);
	for (i = 0; i < p->diags.nr; i++) {
		ht_strbuf_reset(&line);
		ht_diag_format(&line, &p->diags.items[i]);
		say(0, "%s", line.buf);
	}
	ht_strbuf_release(&line);
	if (!p->diags.nerrors)
		return 0;
	ht_strbuf_addf(why, HT_PUSH_INVALID ": %zu error%s, nothing was "
		       "pushed", p->diags.nerrors,
		       p->diags.nerrors == 1 ? "" : "s");
	return 1;
}

/*
 * The state must describe the last fetch, the pushed commit's base;
 * 1 (and `why` set) when it does not.
 */
static int check_state(struct push *p, const git_oid *base,
		       struct ht_strbuf *why)
{
	const struct push_opts *o = p->o;
	struct state *s = p->s;
	struct ht_strbuf source = HT_STRBUF_INIT;
	int ok;

	ht_strbuf_addf(&source, "%s %s", o->rm->url->api_base, o->rm->url->workspace);
	ok = base && s->loaded && git_oid_equal(&s->commit, base) &&
	     s->source && !strcmp(s->source, source.buf) &&
	     !strcmp(s->prefix, o->rm->cfg->prefix);
	ht_strbuf_release(&source);
	if (!ok) {
		say(0, "error: the last fetch from '%s' is %s: run 'git "
		    "fetch %s' first", o->rm->name,
		    base ? "out of date" : "missing", o->rm->name);
	} else if (state_load_map(s) < 0) {
		ht_error_clear();
		say(0, "error: the state of remote '%s' is damaged: run 'git "
		    "fetch %s' first", o->rm->name, o->rm->name);
		ok = 0;
	}
	if (!ok)
		ht_strbuf_addstr(why, "fetch first");
	return !ok;
}

/*
 * Conflicts: 1 (and `why` set) when the push must be refused;
 * `*changed` when the workspace changed since the last fetch.
 */
static int conflicts(struct push *p, const git_oid *base,
		     const git_oid *head, int *changed, struct ht_strbuf *why)
{
	enum push_force force = p->o->force;
	int ret;

	if (force == PUSH_NORMAL && !git_oid_equal(head, base) &&
	    git_graph_descendant_of(p->r->repo, head, base) != 1) {
		git_error_clear();
		ht_strbuf_addstr(why, "non-fast forward");
		return 1;
	}
	/* forced too: then, what changed is read whole by the next fetch */
	ret = workspace_changed(p, changed);
	if (ret < 0)
		return ret;
	if (*changed && force != PUSH_FORCE) {
		ht_strbuf_addstr(why, force == PUSH_LEASE ? "stale info" :
			       "fetch first");
		return 1;
	}
	return 0;
}

int push_run(struct odb *r, struct state *s, const struct push_opts *o,
	     const git_oid *base, const git_oid *head, struct ht_strbuf *why)
{
	struct push p;
	size_t i;
	int ret, changed = 0;

	memset(&p, 0, sizeof(p));
	p.r = r;
	p.s = s;
	p.o = o;
	ht_workspace_init(&p.ws, o->rm->url->workspace);
	ret = state_load(s);
	if (ret < 0 || check_state(&p, base, why))
		goto cleanup;
	ret = odb_commit_tree(r, &p.base_tree, base);
	if (!ret)
		ret = odb_commit_tree(r, &p.head_tree, head);
	if (!ret)
		ret = conflicts(&p, base, head, &changed, why);
	if (ret)
		goto cleanup; /* an error, or refused */

	ret = diff_trees(&p);
	if (!ret)
		ret = run_check(&p);
	if (!ret)
		ret = load_workspace(&p);
	if (!ret)
		ret = plan(&p);
	if (ret < 0 || report_findings(&p, why))
		goto cleanup;
	say(p.o->dry_run ? 0 : 1, "%s workspace '%s':",
	    p.o->dry_run ? "Would push to" : "Pushing to", o->rm->url->workspace);
	print_plan(&p);
	if (o->dry_run || apply_all(&p, why))
		goto cleanup;

	/* the new base */
	if (changed)
		for (i = 0; i < HT_KIND__COUNT; i++)
			s->lists[i].valid = 0;
	ret = update_state(&p, head);
	if (!ret && o->trigger)
		trigger_syncs(&p);
cleanup:
	release_push(&p);
	return ret < 0 ? ret : 0;
}
