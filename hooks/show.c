/*
 * git hightouch show: what a slug or a resource file is in the
 * workspace: its kind, slug, id (what an orchestrator's Hightouch
 * operator asks for), workspace, file (when the work tree has it), and
 * its address in the Hightouch app where that can be derived
 * (ht_url_app_address()).
 *
 * A file names its kind; a slug alone is looked up among the sources,
 * destinations, models and syncs, and each match is shown.  Requests:
 * one a list searched (resolve.c), the whole lists for the "did you
 * mean" of a name that matches nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/options.h"
#include "hightouch/run.h"
#include "hightouch/strbuf.h"

#include "git-hightouch.h"

static const char *const show_usage[] = {
	"git hightouch show [--remote <name>] [--format text|json] "
	"<path-or-slug>...",
	NULL,
};

/* The lists a slug alone is looked up in. */
static const enum ht_kind slug_lists[] = {
	HT_KIND_SOURCE, HT_KIND_DESTINATION, HT_KIND_MODEL, HT_KIND_SYNC,
};
#define NLISTS (sizeof(slug_lists) / sizeof(slug_lists[0]))

/* One name of the command line. */
struct shown {
	const char *arg;
	struct ht_strbuf slug;
	enum ht_kind kind;    /* of its file; HT_KIND__COUNT for a slug */
	size_t first, nr;     /* its lookups */
};

struct show {
	struct wsremote w;
	struct shown *names;
	size_t nr;
	struct lookup *l;
	size_t nl;
	const char *top; /* the work tree, NULL when none */
	json_t *out;          /* the resources shown */
};

/* The list a file of `kind` is listed in (the models' for the schema's). */
static enum ht_kind list_of(enum ht_kind kind)
{
	return ht_ids_kind(ht_kind_ids(kind));
}

static int add_lookups(struct show *s, struct shown *n)
{
	size_t i;

	n->first = s->nl;
	if (n->kind == HT_KIND_MANIFEST || n->kind == HT_KIND_ALIASES)
		return ht_error_set(HT_EINVALID, "'%s' is the workspace's %s "
				    "file: name a source or a destination by "
				    "its slug", n->arg, ht_kind_name(n->kind));
	if (n->kind != HT_KIND__COUNT) {
		s->l[s->nl].kind = list_of(n->kind);
		s->l[s->nl++].slug = n->slug.buf;
	} else {
		for (i = 0; i < NLISTS; i++) {
			s->l[s->nl].kind = slug_lists[i];
			s->l[s->nl++].slug = n->slug.buf;
		}
	}
	n->nr = s->nl - n->first;
	return 0;
}

/* 1 if the work tree has `path`. */
static int in_tree(const struct show *s, const char *path)
{
	struct ht_strbuf full = HT_STRBUF_INIT;
	struct stat st;
	int ret;

	if (!s->top)
		return 0; /* no work tree: no files */
	ht_strbuf_addf(&full, "%s/%s", s->top, path);
	ret = !stat(full.buf, &st);
	ht_strbuf_release(&full);
	return ret;
}

/*
 * The kind of a model found by slug: a schema model's is that of the
 * schema folder its file is in (the API does not say), else "model".
 */
static enum ht_kind model_kind(const struct show *s, const json_t *api,
			       const char *slug)
{
	static const enum ht_kind schema[] = {
		HT_KIND_PARENT_MODEL, HT_KIND_RELATED_MODEL,
		HT_KIND_EVENT_MODEL,
	};
	struct ht_strbuf path = HT_STRBUF_INIT;
	enum ht_kind kind = HT_KIND_MODEL;
	size_t i;

	if (!json_is_true(json_object_get(api, "isSchema")))
		return kind;
	for (i = 0; i < sizeof(schema) / sizeof(*schema) &&
		    kind == HT_KIND_MODEL; i++) {
		ht_strbuf_reset(&path);
		if (!ht_kind_path(&path, schema[i], s->w.prefix,
				  s->w.url.workspace, slug) &&
		    in_tree(s, path.buf))
			kind = schema[i];
	}
	ht_error_clear();
	ht_strbuf_release(&path);
	return kind;
}

/* The resource `api`, found as `kind` (its list's), as shown. */
static json_t *describe(struct show *s, const struct shown *n,
			enum ht_kind kind, const json_t *api)
{
	struct ht_strbuf file = HT_STRBUF_INIT, url = HT_STRBUF_INIT;
	const struct ht_kind_info *info;
	int64_t id = 0, ws = 0;
	json_t *o;

	if (n->kind != HT_KIND__COUNT)
		kind = n->kind;
	else if (kind == HT_KIND_MODEL)
		kind = model_kind(s, api, n->slug.buf);
	info = ht_kind_info(kind);
	ht_json_get_id(&id, api, "id");
	ht_json_get_id(&ws, api, "workspaceId");
	ht_error_clear();
	if (ht_kind_path(&file, ht_kind_in_manifest(kind) ? HT_KIND_MANIFEST :
			 kind, s->w.prefix, s->w.url.workspace,
			 n->slug.buf) < 0)
		ht_error_clear();
	/* a sync of an audience has none, nor has a file deleted in git */
	if (s->top && !in_tree(s, file.buf))
		ht_strbuf_reset(&file);
	/* the app's sections are the API's lists, schema models aside */
	if (!info->extension && list_of(kind) == kind)
		ht_url_app_address(&url, &s->w.url, info->api_path + 1,
				   (long long)id);
	o = json_pack("{s:s, s:s, s:I, s:s, s:o, s:o, s:o}", "kind",
		      info->name, "slug", n->slug.buf, "id", (json_int_t)id,
		      "workspace", s->w.url.workspace, "workspaceId",
		      ws ? json_integer(ws) : json_null(), "file",
		      file.len ? json_string(file.buf) : json_null(), "url",
		      url.len ? json_string(url.buf) : json_null());
	ht_strbuf_release(&file);
	ht_strbuf_release(&url);
	return o;
}

/* Why a name matched nothing, with the slugs near it. */
static int unknown(struct show *s, struct ht_strbuf *msg,
		   const struct shown *n)
{
	struct ht_strbuf hint = HT_STRBUF_INIT;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < n->nr && !hint.len; i++)
		ret = lookup_suggest(&s->w, &hint, s->l[n->first + i].kind,
				     n->slug.buf);
	ht_strbuf_reset(msg);
	if (n->kind != HT_KIND__COUNT)
		ht_strbuf_addf(msg, "no %s '%s' in workspace '%s' of remote "
			       "'%s'%s", ht_kind_name(n->kind), n->slug.buf,
			       s->w.url.workspace, s->w.name, hint.buf);
	else
		ht_strbuf_addf(msg, "nothing is called '%s' in workspace '%s' "
			       "of remote '%s'%s", n->slug.buf,
			       s->w.url.workspace, s->w.name, hint.buf);
	ht_strbuf_release(&hint);
	return ret;
}

/* Each name's resources into s->out; the unknown ones are errors. */
static int collect(struct show *s)
{
	struct ht_strbuf msg = HT_STRBUF_INIT;
	struct unknowns u = UNKNOWNS_INIT;
	size_t i, j, found;
	int ret = 0;

	for (i = 0; !ret && i < s->nr; i++) {
		const struct shown *n = &s->names[i];

		for (j = found = 0; j < n->nr; j++) {
			const struct lookup *l = &s->l[n->first + j];

			if (!l->found)
				continue;
			json_array_append_new(s->out,
					      describe(s, n, l->kind,
						       l->found));
			found++;
		}
		if (found)
			continue;
		ret = unknown(s, &msg, n);
		unknowns_add(&u, &msg);
	}
	if (!ret)
		ret = unknowns_result(&u, "names given");
	ht_strbuf_release(&u.last);
	ht_strbuf_release(&msg);
	return ret;
}

static void print_text(const json_t *all)
{
	const json_t *o;
	size_t i;

	json_array_foreach(all, i, o) {
		const char *file = ht_json_get_string(o, "file");
		const char *url = ht_json_get_string(o, "url");
		const json_t *ws = json_object_get(o, "workspaceId");

		printf("%s%s %s\n", i ? "\n" : "",
		       ht_json_get_string(o, "kind"),
		       ht_json_get_string(o, "slug"));
		printf("  id:        %" JSON_INTEGER_FORMAT "\n",
		       json_integer_value(json_object_get(o, "id")));
		printf("  workspace: %s", ht_json_get_string(o, "workspace"));
		if (json_is_integer(ws))
			printf(" (id %" JSON_INTEGER_FORMAT ")",
			       json_integer_value(ws));
		printf("\n  file:      %s\n", file ? file : "(none)");
		if (url)
			printf("  url:       %s\n", url);
	}
}

static int run_show(struct show *s, int json)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i;
	int ret = 0;

	s->top = wsremote_top(&s->w); /* no work tree: no files */
	s->l = ht_xcalloc(s->nr * NLISTS + 1, sizeof(*s->l));
	for (i = 0; !ret && i < s->nr; i++) {
		ret = resolve_arg(&s->w, s->names[i].arg, &s->names[i].slug,
				  &s->names[i].kind);
		if (!ret)
			ret = add_lookups(s, &s->names[i]);
	}
	if (!ret)
		ret = lookup_run(&s->w, s->l, s->nl);
	s->out = json_array();
	if (!ret)
		ret = collect(s);
	if (!ret && json) {
		ret = ht_json_dump(&sb, s->out);
		if (!ret)
			printf("%s\n", sb.buf);
	} else if (!ret) {
		print_text(s->out);
	}
	ht_strbuf_release(&sb);
	return ret;
}

int cmd_show(int argc, char **argv)
{
	const char *remote = NULL, *format = NULL;
	struct show s;
	size_t i;
	int json = 0, ret;
	const struct ht_option options[] = {
		HT_OPT_STRING(0, "remote", &remote, "<name>",
			      "the workspace remote (default: the only one)"),
		HT_OPT_STRING(0, "format", &format, "<fmt>",
			      "text (default) or json"),
		HT_OPT_END(),
	};

	memset(&s, 0, sizeof(s));
	ret = ht_options_parse(&argc, (const char **)argv, options, 0);
	if (!ret && (json = format_is_json(format)) < 0)
		ret = json;
	if (!ret && !argc)
		ret = HT_OPTIONS_USAGE;
	if (ret)
		return ht_options_status(ret, show_usage, options,
					 EXIT_TROUBLE);
	s.nr = (size_t)argc;
	s.names = ht_xcalloc(s.nr + 1, sizeof(*s.names));
	for (i = 0; i < s.nr; i++) {
		s.names[i].arg = argv[i];
		ht_strbuf_init(&s.names[i].slug, 0);
	}
	ret = wsremote_open(&s.w, remote);
	if (!ret)
		ret = run_show(&s, json);
	if (s.w.client)
		wsremote_settle(&s.w, ret);
	lookup_release(s.l, s.nl);
	free(s.l);
	for (i = 0; i < s.nr; i++)
		ht_strbuf_release(&s.names[i].slug);
	free(s.names);
	json_decref(s.out);
	wsremote_close(&s.w);
	return ret;
}
