/*
 * From the API's lists to files and commits (the OUTBOUND direction).
 *
 * The first import is one commit of the whole workspace.  Later imports
 * make one commit per resource that changed, oldest first, dated by the
 * resource's updatedAt and authored by whoever the server says made the
 * change; deletions come last, dated by the newest updatedAt seen.  Each
 * commit's tree is the previous one with only the resource's own file
 * (or the manifest) replaced, so files the helper does not own are carried
 * over untouched, and a change that leaves the files as they were makes
 * no commit.  Nothing but the workspace's state goes into a commit: two
 * clones of the same workspace have the same commit ids.
 *
 * The state (state.c) only says where to look; the files of the previous
 * commit are the truth: when the state is missing or does not match the
 * private ref, everything is read again and compared with the files
 * (a "full resync"), which gives the same commits as an incremental
 * fetch, except that renamed and deleted files are found by their paths.
 *
 * The lists are not read at one instant.  A resource created after its
 * list was read, and used by one created before the list that refers to it
 * is read, would leave a file that cannot be written (its `model:` or
 * `source:` has no slug).  An incremental fetch reads the lists that refer
 * first, and reads again a list read before one that refers to it when a
 * resource it does not have is referred to (lists.c).  The first import
 * reads them the other way round, to write each page's files as it comes:
 * a file that waits for a resource is kept aside, and the resources it
 * waits for are read one by one at the end (first.c).
 *
 * This file is the run: which kind of import, the reading (lists.c), the
 * plan (plan.c), the commits (commit.c, first.c), then the state.
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/yaml.h"

#include "import.h"

/*
 * The resolver: ids to slugs, through the resources as they are after
 * this fetch; what it does not know is noted in im->miss.
 */
static int slug_of(const char **out, enum ht_kind kind, int64_t id,
		   void *payload)
{
	struct import *im = payload;
	struct resource *r = state_find(im->s, ht_kind_ids(kind), id);
	int ret = state_slug_of(out, kind, id, im->s);

	if (!ret && r && r->skipped)
		ret = HT_ENOTFOUND; /* it has no file to name */
	if (ret == HT_ENOTFOUND) {
		im->miss.missed = 1;
		im->miss.kind = kind;
		im->miss.id = id;
	}
	return ret;
}

int root_path(struct import *im, struct ht_strbuf *out, enum ht_kind kind)
{
	ht_strbuf_reset(out);
	return ht_kind_path(out, kind, NULL, im->o->url->workspace, NULL);
}

int file_path(struct import *im, struct ht_strbuf *out, enum ht_kind kind,
	      const char *slug)
{
	ht_strbuf_reset(out);
	return ht_kind_path(out, kind, im->o->cfg->prefix,
			    im->o->url->workspace, slug);
}

json_t *manifest_map(struct import *im, enum ht_ids t)
{
	enum ht_kind kind = (int)t < HT_IDS__COUNT ? ht_ids_kind(t) :
						     HT_KIND__COUNT;

	if (kind == HT_KIND__COUNT || !ht_kind_in_manifest(kind))
		return NULL;
	return kind == HT_KIND_SOURCE ? im->sources : im->destinations;
}

/* The manifest's sections (API objects) into the maps, slug -> entry. */
static void index_manifest(struct import *im, const json_t *api)
{
	const struct ht_kind_info *info = ht_kind_info(HT_KIND_MANIFEST);
	size_t i, j;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		json_t *arr = json_object_get(api, f->json);
		json_t *map = manifest_map(im, ht_kind_ids(f->ref));

		for (j = 0; map && j < json_array_size(arr); j++) {
			json_t *e = json_array_get(arr, j);
			const char *slug = ht_json_get_string(e, "slug");

			if (slug)
				json_object_set_new(map, slug,
						    manifest_entry(e));
		}
	}
}

/* The manifest at `path` in `tree`, as API objects, into `*api`. */
static int read_manifest(json_t **api, struct odb *r, const git_oid *tree,
			 const char *path)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_diags diags = HT_DIAGS_INIT;
	struct ht_ynode *doc = NULL;
	int ret;

	*api = NULL;
	ret = odb_read_path(r, &sb, tree, path, NULL);
	if (!ret)
		ret = ht_yaml_parse(&doc, sb.buf, sb.len, path, NULL);
	if (!ret)
		ret = ht_kind_from_yaml(api, HT_KIND_MANIFEST, NULL, doc, NULL,
					path, &diags);
	ht_diags_release(&diags);
	ht_ynode_free(doc);
	ht_strbuf_release(&sb);
	return ret;
}

int manifest_readable(struct odb *r, const git_oid *tree, const char *path)
{
	json_t *api;
	int ret = read_manifest(&api, r, tree, path);

	json_decref(api);
	ht_error_clear();
	return !ret;
}

/* The manifest of the base commit, into im->sources/destinations. */
static int load_manifest(struct import *im)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	json_t *api = NULL;
	int ret;

	ret = root_path(im, &path, HT_KIND_MANIFEST);
	if (!ret)
		ret = read_manifest(&api, im->r, &im->tree, path.buf);
	if (!ret)
		index_manifest(im, api);
	if (ret < 0) {
		trace("import", "no usable manifest in the base commit: %s",
		      ht_error_message());
		ht_error_clear();
		ret = HT_ENOTFOUND;
	}
	json_decref(api);
	ht_strbuf_release(&path);
	return ret;
}

static void import_init(struct import *im, struct odb *r, struct state *s,
			const struct remote *o)
{
	struct ht_resolver resolver = { slug_of, NULL, NULL, NULL };
	size_t i;

	memset(im, 0, sizeof(*im));
	resolver.payload = im;
	for (i = 0; i < HT_KIND__COUNT; i++)
		im->lists[i].probe.has_more = -1;
	im->nlists = listing_order(im->order, 1);
	im->r = r;
	im->s = s;
	im->o = o;
	im->lctx.client = o->client;
	im->lctx.state = s;
	im->lctx.page_size = o->cfg->client.page_size;
	im->lctx.first = o->first;
	im->sources = json_object();
	im->destinations = json_object();
	im->author.name = o->cfg->author_name;
	im->author.email = o->cfg->author_email;
	im->committer = im->author;
	im->schema = 1;
	render_init(&im->render, r, o->url->workspace, &resolver);
}

static void release_import(struct import *im)
{
	size_t i;

	for (i = 0; i < HT_KIND__COUNT; i++)
		listing_release(&im->lists[i]);
	for (i = 0; i < im->nr; i++) {
		json_decref(im->changes[i].json);
		free(im->changes[i].slug);
		free(im->changes[i].old_slug);
	}
	free(im->changes);
	release_first(&im->fi);
	json_decref(im->sources);
	json_decref(im->destinations);
	render_release(&im->render);
	ht_strbuf_release(&im->buf);
}

static void summary(struct import *im)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	char hex[8];

	if (!helper_out.progress || helper_out.verbosity < 1)
		return;
	if (im->first) {
		ht_strbuf_addf(&sb, "Imported workspace '%s': %zu models, "
			       "%zu syncs, %zu sources, %zu destinations",
			       im->o->url->workspace,
			       im->files[HT_KIND_MODEL],
			       im->files[HT_KIND_SYNC],
			       im->files[HT_KIND_SOURCE],
			       im->files[HT_KIND_DESTINATION]);
		if (im->schema)
			ht_strbuf_addf(&sb, ", %zu schema models, %zu "
				       "relationships",
				       im->files[HT_KIND_PARENT_MODEL] +
				       im->files[HT_KIND_RELATED_MODEL] +
				       im->files[HT_KIND_EVENT_MODEL],
				       im->files[HT_KIND_RELATIONSHIP]);
	} else {
		ht_strbuf_addf(&sb, "Fetched workspace '%s': %zu new "
			       "commit%s", im->o->url->workspace,
			       im->commits, im->commits == 1 ? "" : "s");
	}
	if (im->recognised)
		ht_strbuf_addf(&sb, "; the workspace is at %s, a commit the "
			       "repository had", git_oid_tostr(hex, 8,
							       &im->commit));
	if (im->skipped[0] || im->skipped[1])
		ht_strbuf_addf(&sb, "; skipped %zu audience%s and %zu sync%s "
			       "of audiences", im->skipped[0],
			       im->skipped[0] == 1 ? "" : "s", im->skipped[1],
			       im->skipped[1] == 1 ? "" : "s");
	if (im->too_big_nr)
		ht_strbuf_addf(&sb, "; skipped %zu resource%s too large for a "
			       "file", im->too_big_nr,
			       im->too_big_nr == 1 ? "" : "s");
	if (im->dangling)
		ht_strbuf_addf(&sb, "; skipped %zu resource%s that name%s "
			       "what the workspace lacks", im->dangling,
			       im->dangling == 1 ? "" : "s",
			       im->dangling == 1 ? "s" : "");
	say(1, "%s", sb.buf);
	ht_strbuf_release(&sb);
}

/* 1 when `fr` was made for the state as `s` has it now. */
static int first_request_fits(const struct first_request *fr,
			      const struct state *s)
{
	size_t i;

	if (!git_oid_equal(&fr->state, &s->commit) ||
	    fr->seen_schema != s->schema)
		return 0;
	for (i = 0; i < HT_KIND__COUNT; i++) {
		const struct list_state *a = &fr->seen[i], *b = &s->lists[i];

		if (a->valid != b->valid || a->count != b->count ||
		    a->dir != b->dir || a->newest_id != b->newest_id ||
		    a->newest_ms != b->newest_ms)
			return 0;
	}
	return 1;
}

/*
 * The private ref's commit is the base; none: a first import, on the
 * local history if there is one (team.c).
 */
static int open_base(struct import *im, const git_oid *private_ref)
{
	int ret;

	if (!private_ref) {
		im->first = 1;
		return team_base(im);
	}
	ret = odb_has_commit(im->r, private_ref);
	if (ret < 0)
		return ht_error_set(HT_EINVALID, "the private ref of remote "
				    "'%s' names no commit", im->o->name);
	git_oid_cpy(&im->commit, private_ref);
	git_oid_cpy(&im->start, private_ref);
	ret = odb_commit_tree(im->r, &im->tree, private_ref);
	if (!ret)
		im->has_base = 1;
	return ret;
}

/* The API and workspace an import reads, as the state says them. */
static void source_of(struct ht_strbuf *out, const struct remote *o)
{
	ht_strbuf_addf(out, "%s %s", o->url->api_base, o->url->workspace);
}

enum mode {
	MODE_FIRST,       /* no private ref */
	MODE_MOVE,        /* a new hightouchPath */
	MODE_FULL_ASKED,  /* hightouch.fullResync */
	MODE_STALE,       /* a state that cannot be trusted */
	MODE_INCREMENTAL, /* unless the base's manifest is unusable */
};

static enum mode import_mode(const struct state *s, const struct remote *o,
			     const git_oid *private_ref)
{
	struct ht_strbuf source = HT_STRBUF_INIT;
	int state_ok;

	if (!private_ref)
		return MODE_FIRST;
	source_of(&source, o);
	state_ok = s->loaded && git_oid_equal(&s->commit, private_ref) &&
		   s->source && !strcmp(s->source, source.buf);
	ht_strbuf_release(&source);
	if (state_ok && strcmp(s->prefix, o->cfg->prefix))
		return MODE_MOVE;
	if (o->cfg->full_resync)
		return MODE_FULL_ASKED;
	return state_ok ? MODE_INCREMENTAL : MODE_STALE;
}

/*
 * Which import this is: first, a move (a new hightouchPath), a full
 * resync (asked for, or the state cannot be trusted), or incremental.
 * `*old_prefix` is set for a move.
 */
static void choose_mode(struct import *im, const git_oid *private_ref,
			char **old_prefix)
{
	const struct remote *o = im->o;
	struct state *s = im->s;
	enum mode mode = import_mode(s, o, private_ref);

	if (mode == MODE_FIRST) {
		im->full = 1;
	} else if (mode == MODE_MOVE) {
		say(2, "remote.%s.hightouchPath changed: moving the files",
		    o->name);
		*old_prefix = ht_xstrdup(s->prefix);
		im->full = 1;
	} else if (mode == MODE_FULL_ASKED) {
		say(2, "hightouch.fullResync is set: reading the whole "
		    "workspace");
		im->full = 1;
	} else if (mode == MODE_STALE) {
		say(2, "the state of remote '%s' is %s: reading the whole "
		    "workspace again", o->name,
		    !s->loaded ? "missing" : "out of date");
		im->full = 1;
	} else if (load_manifest(im) < 0) {
		say(2, "the manifest of remote '%s' is missing: reading the "
		    "whole workspace again", o->name);
		im->full = 1;
	}
}

/*
 * Phase 1 of an incremental fetch: 1 when nothing changed (one request
 * per list); a state whose resources cannot be read makes it a full
 * resync.
 */
static int nothing_changed(struct import *im)
{
	int ret, changed = 1;

	im->schema = im->s->schema != 0;
	ret = probe_all(im, &changed);
	if (ret < 0)
		return ret;
	if (!changed) {
		trace("import", "nothing changed");
		return 1;
	}
	if (state_load_map(im->s) < 0) {
		say(2, "%s: reading the whole workspace again",
		    ht_error_message());
		ht_error_clear();
		im->full = 1;
	}
	return 0;
}

/* A full resync starts afresh: what the files say is the truth. */
static void start_afresh(struct import *im)
{
	size_t i;

	for (i = 0; i < HT_KIND__COUNT; i++) {
		listing_release(&im->lists[i]);
		im->lists[i].probe.has_more = -1;
	}
	state_clear_map(im->s);
	memset(im->s->lists, 0, sizeof(im->s->lists));
	json_object_clear(im->sources);
	json_object_clear(im->destinations);
	if (!im->first)
		load_manifest(im);
	im->schema = 1;
	im->s->schema = -1;
}

static int read_lists(struct import *im)
{
	int ret;

	if (im->first) {
		ret = odb_pack_begin(im->r);
		if (ret < 0)
			return ret;
		im->lctx.page_cb = first_page;
		im->lctx.page_payload = im;
	}
	im->lctx.progress = progress_start("Listing resources", 0);
	ret = fetch_all(im);
	if (!ret && !im->full)
		ret = fetch_dependents(im);
	if (!ret && !im->full)
		ret = reread_referred(im);
	if (ret)
		progress_abort(&im->lctx.progress);
	else
		progress_stop(&im->lctx.progress);
	if (!ret && im->first)
		ret = settle_all(im);
	if (!ret)
		crash_point("after reading the lists");
	return ret;
}

static int write_history(struct import *im)
{
	int ret = 0;

	if (im->full)
		ret = odb_pack_begin(im->r);
	if (!ret && im->first)
		ret = first_commit(im);
	else if (!ret)
		ret = commit_all(im);
	if (!ret)
		ret = team_recognise(im);
	if (!ret)
		ret = odb_pack_finish(im->r);
	return ret;
}

/* The objects are written: now the state, about `source`. */
static int save_state(struct import *im, struct ht_strbuf *source)
{
	struct ht_strbuf path = HT_STRBUF_INIT;
	struct state *s = im->s;
	size_t i;
	int ret;

	for (i = 0; i < HT_KIND__COUNT; i++) {
		struct listing *l = &im->lists[i];

		if (l->next.valid)
			s->lists[i] = l->next;
		if (ht_kind_info((enum ht_kind)i)->extension && !im->schema)
			memset(&s->lists[i], 0, sizeof(s->lists[i]));
	}
	s->schema = im->schema;
	git_oid_cpy(&s->commit, &im->commit);
	ret = root_path(im, &path, HT_KIND_MANIFEST);
	s->manifest_ok = !ret && manifest_readable(im->r, &im->tree,
						    path.buf);
	ht_strbuf_release(&path);
	free(s->source);
	s->source = ht_strbuf_detach(source, NULL);
	free(s->prefix);
	s->prefix = ht_xstrdup(im->o->cfg->prefix);
	return state_save(s);
}

/*
 * A first import or a full resync reads the first list of its order
 * whole: its first page is the first request.  An incremental fetch
 * probes the lists, referring first (no request for a list whose state is
 * unusable: it is read whole after the probes): all of them, when one
 * makes a request; else it reads the first list whole.  An incremental
 * fetch whose base has no usable manifest is a full resync
 * (choose_mode()): its first request is then another, made again.
 */
void import_first_request(struct first_request *out, const struct state *s,
			  const struct remote *o, const git_oid *private_ref)
{
	enum mode mode = import_mode(s, o, private_ref);
	size_t i, n = listing_order(out->order, mode != MODE_FIRST);
	size_t offset, limit;

	git_oid_cpy(&out->state, &s->commit);
	memcpy(out->seen, s->lists, sizeof(out->seen));
	out->seen_schema = s->schema;
	out->list = out->order[0];
	out->offset = 0;
	out->limit = o->cfg->client.page_size;
	out->nlists = n;
	out->probe = 0;
	for (i = 0; mode == MODE_INCREMENTAL && i < n; i++) {
		if (ht_kind_info(out->order[i])->extension && !s->schema)
			continue;
		if (listing_probe_request(&s->lists[out->order[i]],
					  o->cfg->client.page_size, &offset, &limit)) {
			out->probe = 1;
			return;
		}
	}
}

int import_unchanged(const struct first_request *fr, const char *gitdir,
		     struct state *s, const struct remote *o,
		     const git_oid *private_ref)
{
	struct import im;
	struct odb r;
	int ret;

	if (!fr->probe || fr->changed || !private_ref ||
	    import_mode(s, o, private_ref) != MODE_INCREMENTAL)
		return 0;
	if (s->manifest_ok) {
		trace("import", "at 'list': nothing changed");
		return 1;
	}
	/* a state from before it said so: look */
	ret = odb_open(&r, gitdir);
	if (!ret) {
		import_init(&im, &r, s, o);
		ret = open_base(&im, private_ref);
		if (!ret)
			ret = load_manifest(&im);
		release_import(&im);
	}
	odb_close(&r);
	if (ret < 0) {
		trace("import", "at 'list': %s", ht_error_message());
		ht_error_clear();
		return 0;
	}
	trace("import", "at 'list': nothing changed");
	return 1;
}

int import_run(struct odb *r, struct state *s, const struct remote *o,
	       const git_oid *private_ref, git_oid *out)
{
	struct import im;
	struct ht_strbuf source = HT_STRBUF_INIT;
	char *old_prefix = NULL;
	int ret;

	import_init(&im, r, s, o);
	source_of(&source, o);
	ret = open_base(&im, private_ref);
	if (!ret)
		ret = state_load(s);
	if (ret < 0)
		goto cleanup;
	/* the state changed since `list` (another fetch): ask again */
	if (o->first && !first_request_fits(o->first, s))
		first_request_release(o->first);
	choose_mode(&im, private_ref, &old_prefix);
	if (old_prefix) {
		/* before start_afresh(): it is dated by the state */
		ret = move_commit(&im, old_prefix);
		if (ret < 0)
			goto cleanup;
	}
	if (!im.full) {
		ret = nothing_changed(&im);
		if (ret) {
			if (ret > 0) {
				git_oid_cpy(out, private_ref);
				ret = 0;
			}
			goto cleanup;
		}
	}
	if (im.full)
		start_afresh(&im);
	ret = read_lists(&im);
	if (!ret)
		ret = plan_all(&im);
	if (!ret)
		ret = write_history(&im);
	if (!ret)
		ret = save_state(&im, &source);
	if (ret < 0)
		goto cleanup;
	git_oid_cpy(out, &im.commit);
	summary(&im);
cleanup:
	release_import(&im);
	ht_strbuf_release(&source);
	free(old_prefix);
	return ret;
}
