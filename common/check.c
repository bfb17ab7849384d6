/*
 * The repository-level rules (see check.h).
 *
 * A run has three phases:
 *
 *  1. in the calling thread, from the paths alone: classify the head's
 *     files (resource files, manifests, aliases files, misplaced files),
 *     collect the model slugs of head and base, read the workspaces'
 *     manifests and aliases files;
 *  2. in worker threads, one file at a time: read, parse and check each
 *     resource file with the kinds table's rules (ht_kind_from_yaml,
 *     validating only, with a resolver for model slugs), and the
 *     resolution of sources and destinations in every workspace; uses of
 *     deleted models are noted;
 *  3. in the calling thread again: the rules that need every file
 *     (renamed models, manifest edits, linked types: the aliases that the
 *     changed files name are known then), then what to report.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "hightouch/alloc.h"
#include "hightouch/check.h"
#include "hightouch/error.h"
#include "hightouch/kinds.h"
#include "hightouch/protocol.h"
#include "hightouch/remotes.h"
#include "hightouch/workspace.h"
#include "hightouch/yaml.h"

/* Files per grab of a worker, and the fewest files worth a thread. */
#define CHUNK 16
#define FILES_PER_THREAD 64
#define MAX_THREADS 64

/* clang-format off */
static const struct ht_check_rule rules[] = {
	/* the YAML reader */
	{ "yaml-syntax", HT_SEV_ERROR, 0,
	  "the file is not valid YAML" },
	{ "yaml-encoding", HT_SEV_ERROR, 0,
	  "the file is not UTF-8, or holds a character YAML does not allow" },
	{ "yaml-tab", HT_SEV_ERROR, 0,
	  "a tab is used to indent" },
	{ "yaml-tag", HT_SEV_ERROR, 0,
	  "an explicit tag (!!str, !custom) is used" },
	{ "yaml-anchor", HT_SEV_ERROR, 0,
	  "an anchor or an alias (&name, *name) is used" },
	{ "yaml-depth", HT_SEV_ERROR, 0,
	  "values nest deeper than 64 levels" },
	{ "duplicate-key", HT_SEV_ERROR, 0,
	  "a mapping has the same key twice" },
	{ "multi-document", HT_SEV_ERROR, 0,
	  "the file holds more than one YAML document" },
	{ "file-size", HT_SEV_ERROR, 0,
	  "the file is larger than 4 MiB" },
	{ "conflict-marker", HT_SEV_ERROR, 0,
	  "a leftover merge conflict marker (<<<<<<<, =======, >>>>>>>)" },
	/* the kinds table */
	{ "not-a-mapping", HT_SEV_ERROR, 1,
	  "the file is not a mapping of fields" },
	{ "unknown-field", HT_SEV_WARNING, 0,
	  "a field the kind does not have (kept, ignored by push)" },
	{ "missing-field", HT_SEV_ERROR, 1,
	  "a required field is missing" },
	{ "wrong-type", HT_SEV_ERROR, 1,
	  "a field has the wrong type" },
	{ "bad-enum", HT_SEV_ERROR, 1,
	  "a field is not one of its allowed values" },
	{ "query-type-mismatch", HT_SEV_ERROR, 1,
	  "a model's query key does not match its type" },
	{ "bad-schedule", HT_SEV_ERROR, 1,
	  "a schedule is not valid (interval, cron, visual, start date)" },
	{ "bad-slug", HT_SEV_ERROR, 1,
	  "a file name or a reference is not a valid slug" },
	/* the tree */
	{ "symbolic-link", HT_SEV_ERROR, 0,
	  "a symbolic link where a file or a resource folder would be" },
	{ "submodule", HT_SEV_ERROR, 0,
	  "a submodule where a file or a resource folder would be" },
	/* across files */
	{ "unresolved-reference", HT_SEV_ERROR, 0,
	  "a source, destination or model that resolves to nothing" },
	{ "duplicate-slug", HT_SEV_ERROR, 0,
	  "two model files of different kinds have one slug (push: or a "
	  "resource of another kind has it in the workspace)" },
	{ "misplaced-file", HT_SEV_WARNING, 0,
	  "a YAML file in a resource folder that push ignores" },
	{ "alias-outside-section", HT_SEV_ERROR, 1,
	  "an alias outside the aliases file's sections, 'sources:' and "
	  "'destinations:' (the flat form)" },
	{ "alias-conflict", HT_SEV_ERROR, 0,
	  "an alias in both sections, as a source and as a destination" },
	{ "alias-shadows-slug", HT_SEV_ERROR, 0,
	  "an alias with the name of a slug of its section's kind" },
	{ "alias-target-missing", HT_SEV_ERROR, 0,
	  "an alias whose target is not a slug of its section's kind in the "
	  "manifest" },
	{ "linked-type-mismatch", HT_SEV_ERROR, 0,
	  "an alias that names a source or destination of one type in one "
	  "workspace and of another type in another" },
	/* between two states */
	{ "manifest-edited", HT_SEV_ERROR, 0,
	  "a read-only manifest added, edited or deleted by hand" },
	{ "deleted-in-use", HT_SEV_ERROR, 0,
	  "a model deleted or renamed while a file still uses it" },
	{ "removed-in-use", HT_SEV_ERROR, 0,
	  "a source, destination or alias removed while a file still uses it" },
	/* push, against the workspace pushed to */
	{ "immutable-field", HT_SEV_ERROR, 0,
	  "push: a field the API cannot change (a model's source or type, "
	  "a sync's model or destination) was changed" },
	{ "schema-unavailable", HT_SEV_ERROR, 0,
	  "push: a Customer Studio schema file, to a server without the "
	  "schema endpoints" },
	{ "skipped-by-fetch", HT_SEV_ERROR, 0,
	  "push: a resource the last fetch skipped (it names one the "
	  "workspace lacks), or a reference to it" },
};
/* clang-format on */

#define NRULES (sizeof(rules) / sizeof(rules[0]))

const struct ht_check_rule *ht_check_rules(size_t *nr)
{
	*nr = NRULES;
	return rules;
}

const struct ht_check_rule *ht_check_rule_find(const char *id)
{
	size_t i;

	for (i = 0; id && i < NRULES; i++)
		if (!strcmp(rules[i].id, id))
			return &rules[i];
	return NULL;
}

/* Findings the change is responsible for wherever they are. */
static int is_breaking_rule(const char *rule)
{
	return !strcmp(rule, "manifest-edited") ||
	       !strcmp(rule, "deleted-in-use") ||
	       !strcmp(rule, "removed-in-use") ||
	       /* linked_types() adds only those the change is for */
	       !strcmp(rule, "linked-type-mismatch");
}

/*
 * A run
 */

/* A resource file of the head. */
struct rfile {
	size_t index;    /* in head->files */
	enum ht_kind kind;
	char *slug;
	uint64_t hash;   /* of the content, once read */
	int hashed;
};

/* A use of a deleted model, as noted by the workers. */
struct use {
	char *name;
	enum ht_kind role; /* HT_KIND_MODEL */
	size_t file;       /* in check.files */
	unsigned line, col;
};

struct uses {
	struct use *items;
	size_t nr, alloc;
};

struct check {
	const struct ht_check_opts *opts;
	struct ht_check_tree *head, *base;
	char *dir; /* the prefix without slashes around, "" for the top */
	struct rfile *files;
	size_t nr, alloc;
	struct ht_workspace *ws;      /* the workspaces checked */
	struct ht_workspace *base_ws; /* the same names in the base */
	size_t nws;
	/*
	 * The head's other workspaces (with --workspace, and in a push): not
	 * checked, read for what a reference is there (resolve_in()).
	 */
	struct ht_workspace *others;
	size_t nothers;
	json_t *models;      /* head model slug -> index in files */
	json_t *base_models; /* base model slug -> index in base->files */
	signed char *changed; /* per head file: -1 unknown, 0, 1 */
	struct ht_diags found; /* every finding, before filtering */
	struct uses gone;
	struct uses used; /* sources and destinations named by changed files */
	/* workers: the files of this round (indexes in files) */
	pthread_mutex_t lock;
	pthread_mutex_t read_lock; /* see ht_check_tree.serial_read */
	size_t *queue, nqueue;
	size_t next;
	int refs_only; /* unchanged files: only what other files need */
};

struct worker {
	struct check *c;
	pthread_t thread;
	struct ht_diags diags;
	struct uses gone;
	struct uses used;
	/* a batch of files, read before they are checked */
	struct ht_batch_read reader;
	struct ht_strbuf buf[CHUNK];
	int read_ret[CHUNK];  /* what reading each gave */
	char *read_errmsg;    /* the message of a failed read */
	int err;
	char *errmsg;
};

static void add_use(struct uses *u, const char *name, enum ht_kind role,
		    size_t file, const struct ht_ynode *at)
{
	HT_ALLOC_GROW(u->items, u->nr + 1, u->alloc);
	u->items[u->nr].name = ht_xstrdup(name);
	u->items[u->nr].role = role;
	u->items[u->nr].file = file;
	u->items[u->nr].line = at->line;
	u->items[u->nr].col = at->col;
	u->nr++;
}

static void move_uses(struct uses *to, struct uses *from)
{
	size_t i;

	for (i = 0; i < from->nr; i++) {
		HT_ALLOC_GROW(to->items, to->nr + 1, to->alloc);
		to->items[to->nr++] = from->items[i];
	}
	free(from->items);
	memset(from, 0, sizeof(*from));
}

static void release_uses(struct uses *u)
{
	size_t i;

	for (i = 0; i < u->nr; i++)
		free(u->items[i].name);
	free(u->items);
	memset(u, 0, sizeof(*u));
}

/* Move every finding of `from` to the end of `to`. */
static void move_diags(struct ht_diags *to, struct ht_diags *from)
{
	size_t i;

	for (i = 0; i < from->nr; i++) {
		HT_ALLOC_GROW(to->items, to->nr + 1, to->alloc);
		to->items[to->nr++] = from->items[i];
		if (from->items[i].severity == HT_SEV_ERROR)
			to->nerrors++;
		else
			to->nwarnings++;
	}
	free(from->items);
	memset(from, 0, sizeof(*from));
}

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL, w;
	size_t i = 0;

	/* FNV-1a over 8 bytes at a time: only compared within a run */
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 1099511628211ULL;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (h ^ len) * 1099511628211ULL;
}

static const char *kind_name(enum ht_kind kind)
{
	return ht_kind_info(kind)->name;
}

/*
 * Phase 1: paths, workspaces
 */

/* Is `path` a file of the prefix (opts->remotes)? */
static int file_mine(const struct check *c, const char *path)
{
	return !c->opts->remotes ||
	       ht_remotes_path_has_file(c->opts->remotes, c->dir, path);
}

/* Is workspace `name` the prefix's (opts->remotes)? */
static int ws_mine(const struct check *c, const char *name)
{
	return !c->opts->remotes ||
	       ht_remotes_path_has_workspace(c->opts->remotes, c->dir, name);
}

/*
 * HT_KIND_MANIFEST or HT_KIND_ALIASES when `path` is a file of a
 * workspace, with its name appended to `name`; else HT_KIND__COUNT.
 */
static enum ht_kind ws_file(const char *path, struct ht_strbuf *name)
{
	enum ht_kind k = ht_kind_for_path(path, NULL, NULL, name);

	return k == HT_KIND_MANIFEST || k == HT_KIND_ALIASES ? k :
							       HT_KIND__COUNT;
}

/* The same for a workspace of the prefix only. */
static enum ht_kind my_ws_file(const struct check *c, const char *path)
{
	struct ht_strbuf name = HT_STRBUF_INIT;
	enum ht_kind k = ws_file(path, &name);

	if (k != HT_KIND__COUNT && !ws_mine(c, name.buf))
		k = HT_KIND__COUNT;
	ht_strbuf_release(&name);
	return k;
}

static void add_misplaced(struct check *c, const char *path)
{
	struct ht_strbuf name = HT_STRBUF_INIT, q = HT_STRBUF_INIT;
	const char *rest, *dot, *p;
	enum ht_kind k = ht_check_folder_of(path, c->opts->prefix, &rest);
	size_t plen;

	if (k == HT_KIND__COUNT)
		return;
	dot = strrchr(rest, '.');
	if (!dot || (strcasecmp(dot, ".yaml") && strcasecmp(dot, ".yml")))
		return;
	ht_kind_trim_prefix(&p, &plen, c->opts->prefix);
	ht_strbuf_addf(&name, "%.*s%s%s/<slug>.yaml", (int)plen, p,
		       plen ? "/" : "", ht_kind_info(k)->folder);
	ht_diags_add(&c->found, HT_SEV_WARNING, path, 0, 0, "misplaced-file",
		     "push ignores this file: %s files are named '%s'",
		     ht_kind_info(k)->name, ht_quote_path(&q, name.buf));
	ht_strbuf_release(&name);
	ht_strbuf_release(&q);
}

/*
 * A symbolic link or a submodule: an error where push would look for a
 * file (kind `k`) or a kind's folder, else what a file there would be.
 */
static void add_not_a_file(struct check *c, const struct ht_check_file *f,
			   enum ht_kind k)
{
	const char *rest = NULL, *what = "file";
	int link = f->type == HT_CHECK_SYMLINK;

	if (ht_check_folder_of(f->path, c->opts->prefix, &rest) !=
		    HT_KIND__COUNT &&
	    !*rest)
		what = "folder";
	else if (k == HT_KIND__COUNT) {
		add_misplaced(c, f->path);
		return;
	}
	ht_diags_add(&c->found, HT_SEV_ERROR, f->path, 0, 0,
		     link ? "symbolic-link" : "submodule",
		     "a %s, not a %s: push %s (%s the %s itself)",
		     link ? "symbolic link" : "submodule", what,
		     link ? "does not follow links" :
			    "reads only this repository's files",
		     link ? "commit" :
			    "remove it with 'git rm --cached', then commit",
		     what);
}

/*
 * Model slugs of a tree: slug -> file index (the first one).  With
 * `report`, two files with one slug are each reported, naming the first
 * other one.
 */
static void model_slugs(struct check *c, const struct ht_check_tree *t,
			json_t *into, int report)
{
	struct ht_strbuf slug = HT_STRBUF_INIT, q = HT_STRBUF_INIT;
	json_t *reported = json_object();
	size_t i, j;

	for (i = 0; i < t->nr; i++) {
		const char *path = t->files[i].path;
		enum ht_kind k;
		json_t *first;

		ht_strbuf_reset(&slug);
		k = ht_kind_for_path(path, c->opts->prefix, NULL, &slug);
		if (!ht_kind_is_model(k) || !ht_slug_valid(slug.buf, slug.len))
			continue;
		first = json_object_get(into, slug.buf);
		if (!first) {
			json_object_set_new(into, slug.buf,
					    json_integer((json_int_t)i));
			continue;
		}
		if (!report)
			continue;
		j = (size_t)json_integer_value(first);
		ht_diags_add(&c->found, HT_SEV_ERROR, path, 0, 0,
			     "duplicate-slug",
			     "model slug '%s' is also used by '%s'", slug.buf,
			     ht_quote_path(&q, t->files[j].path));
		if (json_object_get(reported, slug.buf))
			continue;
		json_object_set_new(reported, slug.buf, json_true());
		ht_diags_add(&c->found, HT_SEV_ERROR, t->files[j].path, 0, 0,
			     "duplicate-slug",
			     "model slug '%s' is also used by '%s'", slug.buf,
			     ht_quote_path(&q, path));
	}
	json_decref(reported);
	ht_strbuf_release(&slug);
	ht_strbuf_release(&q);
}

static int add_name(char ***names, size_t *nr, size_t *alloc,
		    const char *name)
{
	size_t i;

	for (i = 0; i < *nr; i++)
		if (!strcmp((*names)[i], name))
			return 0;
	HT_ALLOC_GROW(*names, *nr + 1, *alloc);
	(*names)[(*nr)++] = ht_xstrdup(name);
	return 1;
}

static void add_too_big(struct ht_diags *diags, const char *path)
{
	ht_diags_add(diags, HT_SEV_ERROR, path, 1, 1, "file-size",
		     "file is larger than %u bytes", HT_YAML_MAX_SIZE);
}

/*
 * Read file `path` of `t` into `buf`: 1 with its content, 0 when it is not
 * there or too big (a finding in `diags`, *seen set), or a negative code.
 */
static int read_ws_file(const struct ht_check_tree *t, const char *path,
			struct ht_strbuf *buf, struct ht_diags *diags,
			int *seen)
{
	const struct ht_check_file *f = ht_check_tree_find(t, path);
	int ret;

	if (!f)
		return 0;
	if (f->type != HT_CHECK_FILE) {
		*seen = 1; /* classify() reported it */
		return 0;
	}
	ht_strbuf_reset(buf);
	ret = ht_check_tree_read(t, f, buf, HT_YAML_MAX_SIZE);
	if (ret == HT_ETOOBIG) {
		ht_error_clear();
		add_too_big(diags, f->path);
		*seen = 1;
		return 0;
	}
	return ret < 0 ? ret : 1;
}

/* Read a workspace's files from a tree into `ws`, findings to `diags`. */
static int load_workspace(struct ht_workspace *ws,
			  const struct ht_check_tree *t,
			  struct ht_diags *diags)
{
	struct ht_strbuf buf = HT_STRBUF_INIT;
	int ret;

	ret = read_ws_file(t, ws->manifest_path, &buf, diags,
			   &ws->have_manifest);
	if (ret > 0)
		ret = ht_workspace_read_manifest(ws, buf.buf, buf.len, diags);
	if (ret < 0)
		goto cleanup;
	ret = read_ws_file(t, ws->aliases_path, &buf, diags,
			   &ws->have_aliases);
	if (ret > 0)
		ret = ht_workspace_read_aliases(ws, buf.buf, buf.len, diags);
cleanup:
	ht_strbuf_release(&buf);
	return ret < 0 ? ret : 0;
}

static int load_workspaces(struct check *c)
{
	struct ht_strbuf name = HT_STRBUF_INIT;
	struct ht_diags scratch = HT_DIAGS_INIT;
	char **names = NULL, **other_names = NULL;
	size_t nr = 0, alloc = 0, nother = 0, other_alloc = 0, i;
	int have_manifest = 0, ret = 0;

	for (i = 0; i < c->head->nr; i++) {
		enum ht_kind k;

		ht_strbuf_reset(&name);
		k = ws_file(c->head->files[i].path, &name);
		if (k == HT_KIND__COUNT)
			continue;
		if ((c->opts->workspace &&
		     strcmp(c->opts->workspace, name.buf)) ||
		    !ws_mine(c, name.buf)) {
			add_name(&other_names, &nother, &other_alloc,
				 name.buf);
			continue;
		}
		if (k == HT_KIND_MANIFEST)
			have_manifest = 1;
		add_name(&names, &nr, &alloc, name.buf);
	}
	if (c->opts->workspace && !have_manifest) {
		ret = ht_error_set(HT_ENOTFOUND,
				   "workspace '%s' has no manifest-%s.yaml",
				   c->opts->workspace, c->opts->workspace);
		goto cleanup;
	}
	c->ws = ht_xcalloc(nr ? nr : 1, sizeof(*c->ws));
	c->base_ws = ht_xcalloc(nr ? nr : 1, sizeof(*c->base_ws));
	for (i = 0; i < nr; i++) {
		ht_workspace_init(&c->ws[i], names[i]);
		ht_workspace_init(&c->base_ws[i], names[i]);
		c->nws++;
		ret = load_workspace(&c->ws[i], c->head, &c->found);
		if (ret < 0)
			goto cleanup;
		ht_workspace_check_aliases(&c->ws[i], &c->found);
		if (!c->base)
			continue;
		ret = load_workspace(&c->base_ws[i], c->base, &scratch);
		if (ret < 0)
			goto cleanup;
	}
	c->others = ht_xcalloc(nother ? nother : 1, sizeof(*c->others));
	for (i = 0; i < nother; i++) {
		ht_workspace_init(&c->others[i], other_names[i]);
		c->nothers++;
		ret = load_workspace(&c->others[i], c->head, &scratch);
		if (ret < 0)
			goto cleanup;
	}
cleanup:
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	for (i = 0; i < nother; i++)
		free(other_names[i]);
	free(other_names);
	ht_diags_release(&scratch);
	ht_strbuf_release(&name);
	return ret;
}

static int classify(struct check *c)
{
	struct ht_strbuf slug = HT_STRBUF_INIT;
	size_t i;

	for (i = 0; i < c->head->nr; i++) {
		const char *path = c->head->files[i].path;
		enum ht_kind k;

		ht_strbuf_reset(&slug);
		k = ht_kind_for_path(path, c->opts->prefix, NULL, &slug);
		if (k == HT_KIND_MANIFEST || k == HT_KIND_ALIASES ?
			    !ws_mine(c, slug.buf) :
			    !file_mine(c, path))
			continue; /* another path's */
		if (c->head->files[i].type != HT_CHECK_FILE) {
			add_not_a_file(c, &c->head->files[i], k);
			continue;
		}
		if (k == HT_KIND_MANIFEST || k == HT_KIND_ALIASES)
			continue;
		if (k == HT_KIND__COUNT) {
			add_misplaced(c, path);
			continue;
		}
		HT_ALLOC_GROW(c->files, c->nr + 1, c->alloc);
		memset(&c->files[c->nr], 0, sizeof(c->files[c->nr]));
		c->files[c->nr].index = i;
		c->files[c->nr].kind = k;
		c->files[c->nr].slug = ht_strbuf_detach(&slug, NULL);
		c->nr++;
	}
	ht_strbuf_release(&slug);
	model_slugs(c, c->head, c->models, 1);
	if (c->base)
		model_slugs(c, c->base, c->base_models, 0);
	return 0;
}

/*
 * Phase 2: one file
 */

struct file_ctx {
	struct worker *w;
	size_t file; /* in check.files */
	const char *path;
};

static int model_known(const struct check *c, const char *slug)
{
	return json_object_get(c->models, slug) ||
	       (c->opts->model_exists &&
		c->opts->model_exists(slug, c->opts->payload) > 0);
}

/* A model deleted by the change: known in the base only. */
static int model_gone(const struct check *c, const char *slug)
{
	return c->base && json_object_get(c->base_models, slug) &&
	       !model_known(c, slug);
}

static int resolve_id(int64_t *id_out, enum ht_kind kind, const char *slug,
		      void *payload)
{
	struct file_ctx *fc = payload;
	const struct check *c = fc->w->c;

	*id_out = 0;
	if (kind != HT_KIND_MODEL)
		return 0; /* sources and destinations: check_refs() */
	if (model_known(c, slug) || model_gone(c, slug))
		return 0; /* deleted ones get their own finding */
	return HT_ENOTFOUND;
}

/* The head's model slugs, for the "did you mean" of kinds.c. */
static void suggest_models(struct ht_suggest *s, enum ht_kind kind,
			   void *payload)
{
	json_t *models = ((struct file_ctx *)payload)->w->c->models;
	void *it;

	if (kind != HT_KIND_MODEL)
		return;
	for (it = json_object_iter(models); it;
	     it = json_object_iter_next(models, it))
		ht_suggest_add(s, json_object_iter_key(it));
}

static void report(struct file_ctx *fc, const struct ht_ynode *at,
		   const char *rule, const char *fmt, ...) HT_PRINTF(4, 5);

static void report(struct file_ctx *fc, const struct ht_ynode *at,
		   const char *rule, const char *fmt, ...)
{
	struct ht_strbuf msg = HT_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ht_strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	ht_diags_add(&fc->w->diags, HT_SEV_ERROR, fc->path, at->line, at->col,
		     rule, "%s", msg.buf);
	ht_strbuf_release(&msg);
}

static int str_node(const struct ht_ynode *n)
{
	return n && n->kind == HT_YNODE_SCALAR && n->type == HT_YTYPE_STR;
}

/*
 * Another workspace of the repository in which `name` resolves as a
 * `role`, with what it resolves to there; NULL if none.
 */
static const struct ht_workspace *
resolved_elsewhere(const struct check *c, const struct ht_workspace *ws,
		   enum ht_kind role, const char *name, const char **slug_out,
		   int *via_out)
{
	const struct ht_workspace *o;
	size_t i;

	for (i = 0; i < c->nws + c->nothers; i++) {
		o = i < c->nws ? &c->ws[i] : &c->others[i - c->nws];
		if (o != ws && ht_workspace_resolve(o, role, name, slug_out,
						    via_out) == HT_RESOLVED)
			return o;
	}
	return NULL;
}

/*
 * `name` is a `role` of workspace `other` (`oslug`, through an alias when
 * `ovia`) but resolves to nothing in `ws`, where it is an alias of `slug`
 * when `via`: say what it is there, and what line of ws's aliases file
 * would make it resolve, in that file's form and section: the ws slugs
 * of the same type, or a placeholder.
 */
static void alias_hint(struct ht_strbuf *msg, const struct ht_workspace *ws,
		       const struct ht_workspace *other, enum ht_kind role,
		       const char *name, const char *slug, int via,
		       const char *oslug, int ovia)
{
	const char *type = ht_workspace_type(other, role, oslug);
	const char *to[HT_SUGGEST_MAX];
	size_t n, i;

	if (ovia)
		ht_strbuf_addf(msg, "; in workspace '%s' it is an alias of "
				    "'%s'",
			       other->name, oslug);
	else
		ht_strbuf_addf(msg, "; it is a %s of workspace '%s'",
			       kind_name(role), other->name);
	if (type)
		ht_strbuf_addf(msg, " (%s)", type);
	if (via) {
		ht_strbuf_addstr(msg, ": change '");
		ht_workspace_alias_line(msg, name, slug);
		ht_strbuf_addch(msg, '\'');
		ht_workspace_alias_where(msg, ws, role);
		ht_strbuf_addstr(msg, " to ");
	} else {
		ht_strbuf_addstr(msg, ": add ");
	}
	n = ht_workspace_slugs_of_type(to, HT_SUGGEST_MAX, ws, role, type);
	if (n > HT_SUGGEST_MAX)
		n = HT_SUGGEST_MAX;
	for (i = 0; i < n; i++) {
		ht_strbuf_addstr(msg, !i ? "'" : i + 1 < n ? ", '" : " or '");
		ht_workspace_alias_line(msg, name, to[i]);
		ht_strbuf_addch(msg, '\'');
	}
	if (!n)
		ht_strbuf_addf(msg, "'%s: <slug>'", name);
	if (!via)
		ht_workspace_alias_where(msg, ws, role);
	if (!n)
		ht_strbuf_addf(msg, ", <slug> a %s of %s", kind_name(role),
			       ws->manifest_shown);
}

/*
 * unresolved-reference for a source or destination of workspace `ws`
 * (through an alias of `slug` when `via`): what a workspace that has it
 * makes of it, else the near names.
 */
static void unresolved(struct file_ctx *fc, const struct ht_ynode *v,
		       enum ht_kind role, const struct ht_workspace *ws,
		       const char *slug, int via)
{
	struct ht_strbuf msg = HT_STRBUF_INIT;
	const struct ht_workspace *other;
	const char *name = v->str, *oslug = NULL;
	struct ht_suggest s;
	int ovia = 0;
	enum ht_kind akind = ht_workspace_alias_kind(ws, name);

	if (via)
		ht_strbuf_addf(&msg,
			       "%s '%s' is an alias (%s) of '%s', which is "
			       "not a %s of workspace '%s' (%s)",
			       kind_name(role), name, ws->aliases_shown, slug,
			       kind_name(role), ws->name, ws->manifest_shown);
	else
		ht_strbuf_addf(&msg,
			       "%s '%s' is neither a %s of workspace '%s' "
			       "(%s) nor an alias under '%s:' in %s",
			       kind_name(role), name, kind_name(role),
			       ws->name, ws->manifest_shown,
			       ht_kind_section(HT_KIND_ALIASES, role)->name,
			       ws->aliases_shown);
	if (!via && akind != HT_KIND__COUNT) {
		/* an alias of the other section, which a `role` never uses */
		ht_strbuf_addf(&msg, "; it is an alias of a %s, under '%s:'",
			       kind_name(akind),
			       ht_kind_section(HT_KIND_ALIASES, akind)->name);
		report(fc, v, "unresolved-reference", "%s", msg.buf);
		ht_strbuf_release(&msg);
		return;
	}
	other = resolved_elsewhere(fc->w->c, ws, role, name, &oslug, &ovia);
	if (other) {
		alias_hint(&msg, ws, other, role, name, slug, via, oslug,
			   ovia);
	} else if (!via) {
		/* (for an alias, alias-target-missing names those) */
		ht_suggest_init(&s, name);
		ht_workspace_suggest(&s, ws, role, 1);
		ht_suggest_hint(&msg, &s, NULL, 1);
	}
	report(fc, v, "unresolved-reference", "%s", msg.buf);
	ht_strbuf_release(&msg);
}

/* A source or destination in one workspace, head against base. */
static void resolve_in(struct file_ctx *fc, const struct ht_ynode *v,
		       enum ht_kind role, const struct ht_workspace *ws,
		       const struct ht_workspace *bws)
{
	const char *name = v->str, *slug = NULL, *bslug = NULL;
	int via = 0, bvia = 0;

	switch (ht_workspace_resolve(ws, role, name, &slug, &via)) {
	case HT_RESOLVED:
	case HT_UNKNOWN:
		return;
	case HT_UNRESOLVED:
		break;
	}
	if (bws->manifest_valid &&
	    ht_workspace_resolve(bws, role, name, &bslug, &bvia) ==
		    HT_RESOLVED) {
		if (bvia && ht_workspace_alias_kind(ws, name) != role) {
			report(fc, v, "removed-in-use",
			       "alias '%s' was removed from %s but is still "
			       "used here",
			       name, ws->aliases_shown);
			return;
		}
		if (!ht_workspace_has(ws, role, bslug)) {
			if (bvia)
				report(fc, v, "removed-in-use",
				       "%s '%s' (alias of '%s') was removed "
				       "from %s but is still used here",
				       kind_name(role), name, bslug,
				       ws->manifest_shown);
			else
				report(fc, v, "removed-in-use",
				       "%s '%s' was removed from %s but is "
				       "still used here",
				       kind_name(role), name,
				       ws->manifest_shown);
			return;
		}
	}
	unresolved(fc, v, role, ws, slug, via);
}

/* The reference fields of a file, from the kinds table. */
static void check_refs(struct file_ctx *fc, enum ht_kind kind,
		       const struct ht_ynode *doc)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	struct check *c = fc->w->c;
	size_t i, j;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const struct ht_ynode *v;

		if (f->type != HT_FTYPE_REF)
			continue;
		v = ht_ynode_map_get(doc, f->name);
		if (!str_node(v) || !ht_slug_valid(v->str, v->len))
			continue; /* the kinds table said why */
		if (f->ref == HT_KIND_MODEL) {
			if (model_gone(c, v->str))
				add_use(&fc->w->gone, v->str, HT_KIND_MODEL,
					fc->file, v);
			continue;
		}
		if (!ht_kind_in_manifest(f->ref))
			continue;
		if (!c->refs_only)
			add_use(&fc->w->used, v->str, f->ref, fc->file, v);
		for (j = 0; j < c->nws; j++)
			resolve_in(fc, v, f->ref, &c->ws[j], &c->base_ws[j]);
	}
}

static const struct ht_check_file *head_file(const struct check *c,
					    size_t i)
{
	return &c->head->files[c->files[i].index];
}

/*
 * The tree's try_read for the `n` files from c->queue[from] into the
 * worker's buffers: how many it had (read_ret 0; the others 1, not read).
 */
static size_t try_read(struct worker *w, size_t from, size_t n)
{
	const struct ht_check_tree *t = w->c->head;
	const struct ht_check_file *f[CHUNK];
	int ok[CHUNK];
	size_t k, got = 0;

	for (k = 0; k < n; k++) {
		w->read_ret[k] = 1; /* not read yet */
		ht_strbuf_reset(&w->buf[k]);
		f[k] = head_file(w->c, w->c->queue[from + k]);
	}
	if (!t->try_read)
		return 0;
	t->try_read(f, w->buf, ok, n, HT_YAML_MAX_SIZE, &w->reader,
		    t->payload);
	for (k = 0; k < n; k++)
		if (ok[k]) {
			w->read_ret[k] = 0;
			got++;
		}
	return got;
}

/*
 * Read file `i` (of check.files) into the worker's buffer `k`.  Returns
 * 0, or a negative code when the rest of the batch is not worth reading
 * (the message is kept for check_file()).
 */
static int read_file(struct worker *w, size_t k, size_t i)
{
	struct ht_strbuf *buf = &w->buf[k];

	ht_strbuf_reset(buf);
	w->read_ret[k] = ht_check_tree_read(w->c->head, head_file(w->c, i),
					    buf, HT_YAML_MAX_SIZE);
	if (w->read_ret[k] < 0 && w->read_ret[k] != HT_ETOOBIG) {
		free(w->read_errmsg);
		w->read_errmsg = ht_xstrdup(ht_error_message());
		return w->read_ret[k];
	}
	ht_error_clear();
	return 0;
}

/*
 * Check file `i` (of check.files), read into the worker's buffer `k`.
 * With `refs_only` (a file the change leaves alone, whose own findings
 * are not reported), only what the rules across files need: its
 * references.
 */
static int check_file(struct worker *w, size_t k, size_t i, int refs_only)
{
	struct check *c = w->c;
	struct rfile *rf = &c->files[i];
	const struct ht_check_file *f = head_file(c, i);
	const struct ht_strbuf *buf = &w->buf[k];
	struct ht_resolver r = { NULL, resolve_id, NULL, suggest_models };
	struct ht_ynode *doc = NULL;
	struct file_ctx fc;
	struct ht_ydiag yd;
	int ret = w->read_ret[k];

	if (ret < 0 && ret != HT_ETOOBIG)
		return ht_error_set(ret, "%s", w->read_errmsg);
	if (ret == HT_ETOOBIG) {
		if (!refs_only)
			add_too_big(&w->diags, f->path);
		return 0;
	}
	/* for renamed_to(): a model file's content */
	if (ht_kind_is_model(rf->kind)) {
		rf->hash = hash_bytes(buf->buf, buf->len);
		rf->hashed = 1;
	}
	ret = ht_yaml_parse(&doc, buf->buf, buf->len, f->path, &yd);
	if (ret == HT_ESYNTAX || ret == HT_ETOOBIG || ret == HT_ETOODEEP) {
		ht_error_clear();
		if (!refs_only)
			ht_diags_add_ydiag(&w->diags, f->path, &yd);
		return 0;
	}
	if (ret < 0)
		return ret;

	fc.w = w;
	fc.file = i;
	fc.path = f->path;
	r.payload = &fc;
	if (refs_only) {
		if (doc->kind == HT_YNODE_MAP)
			check_refs(&fc, rf->kind, doc);
		goto cleanup;
	}
	/* validate only: no JSON built */
	ret = ht_kind_from_yaml(NULL, rf->kind, rf->slug, doc, &r, f->path,
				&w->diags);
	if (ret == HT_EINVALID) {
		ht_error_clear();
		ret = 0;
	}
	if (ret < 0)
		goto cleanup;
	if (doc->kind == HT_YNODE_MAP)
		check_refs(&fc, rf->kind, doc);
	if (c->opts->file_checked)
		ret = c->opts->file_checked(f, rf->kind, rf->slug, buf, &doc,
					    c->opts->payload);
cleanup:
	ht_ynode_free(doc);
	return ret;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct check *c = w->c;
	size_t i, n, k, got;
	int ret;

	for (;;) {
		pthread_mutex_lock(&c->lock);
		i = c->next;
		n = i + CHUNK < c->nqueue ? CHUNK : c->nqueue - i;
		if (i >= c->nqueue)
			n = 0;
		c->next = i + n;
		pthread_mutex_unlock(&c->lock);
		if (!n)
			break;
		/* read the batch, then check it (see serial_read) */
		got = try_read(w, i, n);
		if (c->head->serial_read && got < n)
			pthread_mutex_lock(&c->read_lock);
		for (k = 0; k < n; k++)
			if (w->read_ret[k] == 1 &&
			    read_file(w, k, c->queue[i + k]) < 0) {
				n = k + 1;
				break;
			}
		if (c->head->serial_read && got < n)
			pthread_mutex_unlock(&c->read_lock);
		for (k = 0; k < n; k++) {
			ret = check_file(w, k, c->queue[i + k], c->refs_only);
			if (ret < 0) {
				w->err = ret;
				w->errmsg = ht_xstrdup(ht_error_message());
				pthread_mutex_lock(&c->lock);
				c->next = c->nqueue; /* stop everyone */
				pthread_mutex_unlock(&c->lock);
				return NULL;
			}
		}
	}
	return NULL;
}

static unsigned thread_count(const struct check *c)
{
	long n = c->opts->jobs;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if ((size_t)n > c->nqueue / FILES_PER_THREAD + 1)
		n = (long)(c->nqueue / FILES_PER_THREAD + 1);
	return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

/* One round: the files of c->queue, on as many threads as useful. */
static int run_round(struct check *c)
{
	struct worker *w;
	unsigned n = thread_count(c), i, started = 0;
	size_t k;
	int ret = 0;

	c->next = 0;
	if (!c->nqueue)
		return 0;
	w = ht_xcalloc(n, sizeof(*w));
	for (i = 0; i < n; i++) {
		w[i].c = c;
		for (k = 0; k < CHUNK; k++)
			ht_strbuf_init(&w[i].buf[k], 0);
	}
	/* the calling thread is worker 0 */
	for (i = 1; i < n; i++) {
		if (pthread_create(&w[i].thread, NULL, work, &w[i]))
			break;
		started++;
	}
	work(&w[0]);
	for (i = 1; i <= started; i++)
		pthread_join(w[i].thread, NULL);
	for (i = 0; i < n; i++) {
		if (w[i].err && !ret)
			ret = ht_error_set(w[i].err, "%s", w[i].errmsg);
		move_diags(&c->found, &w[i].diags);
		move_uses(&c->gone, &w[i].gone);
		move_uses(&c->used, &w[i].used);
		for (k = 0; k < CHUNK; k++)
			ht_strbuf_release(&w[i].buf[k]);
		ht_batch_read_release(&w[i].reader);
		free(w[i].read_errmsg);
		free(w[i].errmsg);
	}
	free(w);
	return ret;
}

static int head_changed(struct check *c, size_t index);
static int path_changed(struct check *c, const char *path);

/*
 * Could a file the change leaves alone hold a finding the change is
 * responsible for?  Only through a reference: to a model the change
 * deletes, or to a source, destination or alias of a manifest or aliases
 * file it changes.
 */
enum ref_need {
	NEED_MODELS = (1 << 0),  /* references to models */
	NEED_SOURCES = (1 << 1), /* to sources and destinations */
};

static unsigned unchanged_files_matter(struct check *c)
{
	const struct ht_check_tree *trees[2] = { c->head, c->base };
	unsigned need = 0;
	void *it;
	size_t t, i;

	for (it = json_object_iter(c->base_models); it;
	     it = json_object_iter_next(c->base_models, it))
		if (model_gone(c, json_object_iter_key(it))) {
			need |= NEED_MODELS;
			break;
		}
	for (t = 0; t < 2 && !(need & NEED_SOURCES); t++)
		for (i = 0; i < trees[t]->nr; i++) {
			const char *path = trees[t]->files[i].path;

			if (my_ws_file(c, path) == HT_KIND__COUNT)
				continue;
			if (t ? !ht_check_tree_find(c->head, path) :
				path_changed(c, path)) {
				need |= NEED_SOURCES;
				break;
			}
		}
	return need;
}

/* The references a kind's files hold, from the kinds table. */
static unsigned refs_of(enum ht_kind kind)
{
	const struct ht_kind_info *info = ht_kind_info(kind);
	unsigned has = 0;
	size_t i;

	for (i = 0; i < info->nfields; i++) {
		if (info->fields[i].type != HT_FTYPE_REF)
			continue;
		has |= info->fields[i].ref == HT_KIND_MODEL ? NEED_MODELS :
							       NEED_SOURCES;
	}
	return has;
}

/*
 * Every resource file, in one round; or, with a base (and without
 * report_all), the files the change adds or modifies first, and the others
 * in a second round, for their references only, when they can matter.
 */
static int check_files(struct check *c)
{
	unsigned need;
	size_t i;
	int ret;

	c->queue = ht_xcalloc(c->nr ? c->nr : 1, sizeof(*c->queue));
	c->nqueue = 0;
	c->refs_only = 0;
	for (i = 0; i < c->nr; i++)
		if (!c->base || c->opts->report_all ||
		    head_changed(c, c->files[i].index))
			c->queue[c->nqueue++] = i;
	ret = run_round(c);
	if (ret < 0 || !c->base || c->opts->report_all)
		return ret;
	need = unchanged_files_matter(c);
	c->nqueue = 0;
	c->refs_only = 1;
	for (i = 0; need && i < c->nr; i++)
		if ((refs_of(c->files[i].kind) & need) &&
		    !head_changed(c, c->files[i].index))
			c->queue[c->nqueue++] = i;
	return run_round(c);
}

/*
 * Phase 3: across files, and what to report
 */

static const char *file_path(const struct check *c, size_t file)
{
	return c->head->files[c->files[file].index].path;
}

/* Does the head file `index` differ from the base? (cached) */
static int head_changed(struct check *c, size_t index)
{
	const struct ht_check_file *h = &c->head->files[index], *b;
	struct ht_strbuf hb = HT_STRBUF_INIT, bb = HT_STRBUF_INIT;
	int ret;

	if (c->changed[index] >= 0)
		return c->changed[index];
	b = c->base ? ht_check_tree_find(c->base, h->path) : NULL;
	if (!b) {
		c->changed[index] = 1;
	} else if (h->type != HT_CHECK_FILE || b->type != HT_CHECK_FILE) {
		/* never read: the same only with the same type and id */
		c->changed[index] = h->type != b->type || !*h->id ||
				    strcmp(h->id, b->id);
	} else if (*h->id && *b->id) {
		c->changed[index] = !!strcmp(h->id, b->id);
	} else {
		ret = ht_check_tree_read(c->head, h, &hb, 0);
		if (!ret)
			ret = ht_check_tree_read(c->base, b, &bb, 0);
		/* unreadable: take it as changed, so it is reported */
		c->changed[index] = ret < 0 || hb.len != bb.len ||
				    memcmp(hb.buf, bb.buf, hb.len);
		ht_error_clear();
	}
	ht_strbuf_release(&hb);
	ht_strbuf_release(&bb);
	return c->changed[index];
}

static int path_changed(struct check *c, const char *path)
{
	const struct ht_check_file *f = ht_check_tree_find(c->head, path);

	if (!f)
		return 0;
	return head_changed(c, (size_t)(f - c->head->files));
}

/* The head model file that a deleted base model file became, if any. */
static const char *renamed_to(struct check *c, const char *slug)
{
	const struct ht_check_file *b;
	struct ht_strbuf buf = HT_STRBUF_INIT;
	uint64_t h = 0;
	int have_hash = 0;
	size_t i;
	const char *found = NULL;

	b = &c->base->files[json_integer_value(
		json_object_get(c->base_models, slug))];
	if (b->type != HT_CHECK_FILE)
		return NULL;
	for (i = 0; i < c->nr && !found; i++) {
		const struct rfile *rf = &c->files[i];
		const struct ht_check_file *f = &c->head->files[rf->index];

		if (!ht_kind_is_model(rf->kind) ||
		    ht_check_tree_find(c->base, f->path))
			continue; /* not a new model file */
		if (*f->id && *b->id) {
			if (!strcmp(f->id, b->id))
				found = rf->slug;
			continue;
		}
		if (!have_hash) {
			if (ht_check_tree_read(c->base, b, &buf,
					       HT_YAML_MAX_SIZE) < 0) {
				ht_error_clear();
				break;
			}
			h = hash_bytes(buf.buf, buf.len);
			have_hash = 1;
		}
		if (rf->hashed && rf->hash == h)
			found = rf->slug;
	}
	ht_strbuf_release(&buf);
	return found;
}

static void deleted_in_use(struct check *c)
{
	struct ht_strbuf how = HT_STRBUF_INIT, q = HT_STRBUF_INIT;
	const struct uses *u = &c->gone;
	size_t i;

	for (i = 0; i < u->nr; i++) {
		const struct use *g = &u->items[i];
		const char *to = renamed_to(c, g->name);
		const char *old = c->base->files[json_integer_value(
			json_object_get(c->base_models, g->name))].path;

		ht_strbuf_reset(&how);
		if (to)
			ht_strbuf_addf(&how, "renamed to '%s'", to);
		else
			ht_strbuf_addf(&how, "deleted (%s)",
				       ht_quote_path(&q, old));
		ht_diags_add(&c->found, HT_SEV_ERROR, file_path(c, g->file),
			     g->line, g->col, "deleted-in-use",
			     "model '%s' was %s but is still used here",
			     g->name, how.buf);
	}
	ht_strbuf_release(&how);
	ht_strbuf_release(&q);
}

/*
 * Linked types
 */

struct link_ctx {
	struct check *c;
	const struct ht_workspace *ws, *other;
	int ws_checked;
	int files_changed; /* a file of either workspace changed */
};

/* Does the change touch the manifest or aliases file of `ws`? */
static int ws_changed(struct check *c, const struct ht_workspace *ws)
{
	return path_changed(c, ws->manifest_path) ||
	       path_changed(c, ws->aliases_path) ||
	       (c->base && (!!ht_check_tree_find(c->base, ws->aliases_path) !=
			    !!ht_check_tree_find(c->head, ws->aliases_path)));
}

/* Is a link of `alias` reported? (ht_workspace_check_linked()'s want) */
static int link_wanted(const char *alias, enum ht_kind kind, void *payload)
{
	struct link_ctx *l = payload;
	size_t i;

	/* an alias in both: reported at the checked workspace's */
	if (!l->ws_checked &&
	    ht_workspace_alias_kind(l->other, alias) == kind)
		return 0;
	if (!l->c->base || l->c->opts->report_all || l->files_changed)
		return 1;
	for (i = 0; i < l->c->used.nr; i++)
		if (l->c->used.items[i].role == kind &&
		    !strcmp(l->c->used.items[i].name, alias))
			return 1;
	return 0;
}

/*
 * linked-type-mismatch: an alias of one workspace that another resolves
 * to a source or destination of another type, for each pair of which one
 * is checked; with a base (and without report_all), only when the change
 * touches either's manifest or aliases file, or a file it changes names
 * the alias.
 */
static void linked_types(struct check *c)
{
	size_t n = c->nws + c->nothers, i, j;
	struct link_ctx l;

	l.c = c;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			l.ws = i < c->nws ? &c->ws[i] : &c->others[i - c->nws];
			l.other = j < c->nws ? &c->ws[j] :
					       &c->others[j - c->nws];
			l.ws_checked = i < c->nws;
			if (i == j || (!l.ws_checked && j >= c->nws))
				continue;
			l.files_changed = c->base && !c->opts->report_all &&
					  (ws_changed(c, l.ws) ||
					   ws_changed(c, l.other));
			ht_workspace_check_linked(l.ws, l.other, link_wanted,
						  &l, &c->found);
		}
}

/* The first line where two texts differ (1-based). */
static unsigned first_diff_line(const struct ht_strbuf *a,
				const struct ht_strbuf *b)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < a->len && i < b->len && a->buf[i] == b->buf[i]; i++)
		if (a->buf[i] == '\n')
			line++;
	return line;
}

/*
 * 1 if two manifest texts hold the same sources and destinations: they
 * differ only in comments (a banner of another writer, as Git Sync's),
 * layout, quoting or order, which is no edit.
 */
static int same_manifest_data(const struct ht_strbuf *a,
			      const struct ht_strbuf *b)
{
	struct ht_workspace wa, wb;
	struct ht_diags d = HT_DIAGS_INIT;
	int same;

	ht_workspace_init(&wa, "a");
	ht_workspace_init(&wb, "b");
	same = ht_workspace_read_manifest(&wa, a->buf, a->len, &d) >= 0 &&
	       ht_workspace_read_manifest(&wb, b->buf, b->len, &d) >= 0 &&
	       wa.manifest_valid && wb.manifest_valid &&
	       json_equal(wa.sources, wb.sources) &&
	       json_equal(wa.destinations, wb.destinations);
	ht_error_clear();
	ht_diags_release(&d);
	ht_workspace_release(&wa);
	ht_workspace_release(&wb);
	return same;
}

static int manifest_change(struct check *c, const char *path,
			   const struct ht_check_file *bf,
			   const struct ht_check_file *hf)
{
	struct ht_strbuf hb = HT_STRBUF_INIT, bb = HT_STRBUF_INIT;
	struct ht_strbuf why = HT_STRBUF_INIT;
	unsigned line = 0, col = 0;
	int ret = 0;

	if (hf && hf->type != HT_CHECK_FILE)
		goto cleanup; /* not a manifest at all: classify() said so */
	if (bf && hf && bf->type != HT_CHECK_FILE) {
		/* a link or a submodule made a file: changed, no line */
	} else if (bf && hf) {
		if (*bf->id && *hf->id && !strcmp(bf->id, hf->id))
			goto cleanup;
		ret = ht_check_tree_read(c->head, hf, &hb, 0);
		if (!ret)
			ret = ht_check_tree_read(c->base, bf, &bb, 0);
		if (ret < 0)
			goto cleanup;
		if ((hb.len == bb.len && !memcmp(hb.buf, bb.buf, hb.len)) ||
		    same_manifest_data(&hb, &bb))
			goto cleanup;
		line = first_diff_line(&hb, &bb);
		col = 1;
	}
	if (c->opts->manifest_change_ok) {
		ret = c->opts->manifest_change_ok(path, bf, hf, &why,
						  c->opts->payload);
		if (ret < 0)
			goto cleanup;
		if (ret > 0) {
			ret = 0;
			goto cleanup;
		}
	}
	ht_diags_add(&c->found, HT_SEV_ERROR, path, line, col,
		     "manifest-edited",
		     "read-only manifest %s%s%s: manifests are written by "
		     "git-remote-hightouch; change sources and destinations "
		     "in Hightouch, then fetch",
		     !bf ? "added" : !hf ? "deleted" : "edited",
		     why.len ? " " : "", why.buf);
cleanup:
	ht_strbuf_release(&hb);
	ht_strbuf_release(&bb);
	ht_strbuf_release(&why);
	return ret;
}

static int is_manifest(const struct check *c, const char *path)
{
	return my_ws_file(c, path) == HT_KIND_MANIFEST;
}

static int manifest_edits(struct check *c)
{
	size_t i;
	int ret;

	for (i = 0; i < c->head->nr; i++) {
		const struct ht_check_file *hf = &c->head->files[i];

		if (!is_manifest(c, hf->path))
			continue;
		ret = manifest_change(c, hf->path,
				      ht_check_tree_find(c->base, hf->path),
				      hf);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < c->base->nr; i++) {
		const struct ht_check_file *bf = &c->base->files[i];

		if (!is_manifest(c, bf->path) ||
		    ht_check_tree_find(c->head, bf->path))
			continue;
		ret = manifest_change(c, bf->path, bf, NULL);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Does the change touch the file of a finding?  Findings in
 * aliases-W.yaml also matter when manifest-W.yaml changed.
 */
static int finding_file_changed(struct check *c, const char *path)
{
	struct ht_strbuf name = HT_STRBUF_INIT, m = HT_STRBUF_INIT;
	int changed = path_changed(c, path);

	if (!changed && ht_kind_for_path(path, NULL, NULL, &name) ==
				HT_KIND_ALIASES) {
		ht_strbuf_addf(&m, "manifest-%s.yaml", name.buf);
		changed = path_changed(c, m.buf);
	}
	ht_strbuf_release(&name);
	ht_strbuf_release(&m);
	return changed;
}

static int wanted_path(const struct ht_check_opts *o, const char *path)
{
	size_t i, n;

	if (!o->paths)
		return 1;
	for (i = 0; i < o->npaths; i++) {
		const char *p = o->paths[i];

		n = strlen(p);
		while (n && p[n - 1] == '/')
			n--;
		if (!n || (n == 1 && p[0] == '.'))
			return 1;
		if (!strncmp(path, p, n) && (!path[n] || path[n] == '/'))
			return 1;
	}
	return 0;
}

/* Is a finding reported? */
static int shown(struct check *c, const struct ht_diag *d)
{
	if (!wanted_path(c->opts, d->path))
		return 0;
	if (!c->base || c->opts->report_all || is_breaking_rule(d->rule))
		return 1;
	return finding_file_changed(c, d->path);
}

/* Filter c->found into `out`, and sort it. */
static void report_findings(struct check *c, struct ht_diags *out)
{
	size_t i;

	for (i = 0; i < c->found.nr; i++) {
		struct ht_diag *d = &c->found.items[i];

		if (!shown(c, d)) {
			free(d->path);
			free(d->message);
			continue;
		}
		HT_ALLOC_GROW(out->items, out->nr + 1, out->alloc);
		out->items[out->nr++] = *d;
		if (d->severity == HT_SEV_ERROR)
			out->nerrors++;
		else
			out->nwarnings++;
	}
	free(c->found.items);
	memset(&c->found, 0, sizeof(c->found));
	ht_diags_sort(out);
}

int ht_check_run(struct ht_diags *out, struct ht_check_tree *head,
		 struct ht_check_tree *base, const struct ht_check_opts *opts)
{
	static const struct ht_check_opts no_opts = HT_CHECK_OPTS_INIT;
	struct check c;
	const char *dir;
	size_t i, dirlen;
	int ret;

	memset(&c, 0, sizeof(c));
	c.opts = opts ? opts : &no_opts;
	c.head = head;
	c.base = base;
	ht_kind_trim_prefix(&dir, &dirlen, c.opts->prefix);
	c.dir = ht_xmemdupz(dir, dirlen);
	c.models = json_object();
	c.base_models = json_object();
	pthread_mutex_init(&c.lock, NULL);
	pthread_mutex_init(&c.read_lock, NULL);
	ht_check_tree_sort(head);
	if (base)
		ht_check_tree_sort(base);
	c.changed = ht_xmalloc(head->nr ? head->nr : 1);
	memset(c.changed, -1, head->nr ? head->nr : 1);

	ret = classify(&c);
	if (ret < 0)
		goto cleanup;
	ret = load_workspaces(&c);
	if (ret < 0)
		goto cleanup;
	ret = check_files(&c);
	if (ret < 0)
		goto cleanup;
	if (base) {
		deleted_in_use(&c);
		ret = manifest_edits(&c);
		if (ret < 0)
			goto cleanup;
	}
	linked_types(&c);
	report_findings(&c, out);
cleanup:
	ht_diags_release(&c.found);
	release_uses(&c.gone);
	release_uses(&c.used);
	for (i = 0; i < c.nws; i++) {
		ht_workspace_release(&c.ws[i]);
		ht_workspace_release(&c.base_ws[i]);
	}
	free(c.ws);
	free(c.base_ws);
	for (i = 0; i < c.nothers; i++)
		ht_workspace_release(&c.others[i]);
	free(c.others);
	for (i = 0; i < c.nr; i++)
		free(c.files[i].slug);
	free(c.files);
	free(c.queue);
	free(c.changed);
	json_decref(c.models);
	json_decref(c.base_models);
	free(c.dir);
	pthread_mutex_destroy(&c.lock);
	pthread_mutex_destroy(&c.read_lock);
	return ret;
}
