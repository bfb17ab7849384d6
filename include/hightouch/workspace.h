#ifndef HIGHTOUCH_WORKSPACE_H
#define HIGHTOUCH_WORKSPACE_H

/*
 * One workspace as the repository describes it: its read-only
 * `manifest-<name>.yaml` (the sources and destinations) and its
 * `aliases-<name>.yaml` (two sections, `sources:` and `destinations:`,
 * each alias -> slug), and how a `source:` or `destination:` value
 * resolves through them.  `git hightouch check` and push share it, so
 * that a file resolves the same way in both.
 *
 * Resolution of NAME for a source (or a destination): if NAME is an
 * alias of the aliases file's `sources:` (`destinations:`), its value,
 * else NAME itself; the result must be a source (destination) slug of the
 * manifest.  An alias of the other section is never followed.  An alias
 * that has the name of a slug of its section's kind is an error of its
 * own (`alias-shadows-slug`), so the order never matters in a clean
 * repository.
 */

#include <jansson.h>

#include "hightouch/diag.h"
#include "hightouch/kinds.h"
#include "hightouch/strbuf.h"
#include "hightouch/suggest.h"
#include "hightouch/yaml.h"

struct ht_workspace {
	char *name;
	char *manifest_path;   /* "manifest-<name>.yaml" */
	char *aliases_path;    /* "aliases-<name>.yaml" */
	/* the two as messages name them (ht_quote_path()) */
	char *manifest_shown, *aliases_shown;
	int have_manifest;     /* a manifest was read */
	int manifest_valid;    /* ... without errors: resolution is reliable */
	int have_aliases;
	int aliases_valid;
	json_t *sources;       /* slug -> {"name", "type"} */
	json_t *destinations;  /* slug -> {"name", "type"} */
	json_t *aliases;       /* {"sources": {alias: slug}, "destinations":
				* {...}}, as ht_kind_from_yaml() has it */
	struct ht_ynode *aliases_doc; /* the aliases file, for positions */
};

enum ht_resolution {
	HT_RESOLVED,    /* found: *slug_out is the manifest slug */
	HT_UNRESOLVED,  /* not found */
	HT_UNKNOWN,     /* no valid manifest (or aliases file): cannot tell */
};

/* An empty workspace named `name`: no manifest, no aliases. */
void ht_workspace_init(struct ht_workspace *ws, const char *name);
void ht_workspace_release(struct ht_workspace *ws);

/*
 * Read the manifest (or the aliases file) from `len` bytes.  Every finding
 * of the file's own rules (YAML, fields, slugs) goes to `diags`, under the
 * file's path; the file is then `valid` only without errors.  Returns 0,
 * or a negative code for a failure that is not a finding.
 */
int ht_workspace_read_manifest(struct ht_workspace *ws, const char *buf,
			       size_t len, struct ht_diags *diags);
int ht_workspace_read_aliases(struct ht_workspace *ws, const char *buf,
			      size_t len, struct ht_diags *diags);

/*
 * Resolve `name` as a `kind` (HT_KIND_SOURCE or HT_KIND_DESTINATION).
 * `*slug_out` is set to the slug looked up in the manifest (`name`
 * itself, or the alias's target, borrowed from the workspace), unless the
 * answer is HT_UNKNOWN;
 * `*via_alias`, when not NULL, says whether an alias was followed.
 */
enum ht_resolution ht_workspace_resolve(const struct ht_workspace *ws,
					enum ht_kind kind, const char *name,
					const char **slug_out, int *via_alias);

/*
 * The kind (HT_KIND_SOURCE or HT_KIND_DESTINATION) whose section of the
 * aliases file has the alias `name`, or HT_KIND__COUNT.
 */
enum ht_kind ht_workspace_alias_kind(const struct ht_workspace *ws,
				     const char *name);

/*
 * The target of `alias` in the section of `kind` of `aliases`, the
 * aliases file as ht_kind_from_yaml() gives it, or NULL.
 */
const char *ht_aliases_target(const json_t *aliases, enum ht_kind kind,
			      const char *alias);

/* 1 if `slug` is a `kind` (source or destination) slug of the manifest. */
int ht_workspace_has(const struct ht_workspace *ws, enum ht_kind kind,
		     const char *slug);

/*
 * The rules of the aliases file against the manifest, added to `diags`:
 * an alias with the name of a slug of its section's kind
 * (`alias-shadows-slug`, at the key) and an alias whose target is not a
 * slug of that kind (`alias-target-missing`, at the value).  Needs a
 * valid manifest and aliases file; does nothing otherwise.
 */
void ht_workspace_check_aliases(const struct ht_workspace *ws,
				struct ht_diags *diags);

/*
 * linked-type-mismatch, added to `diags`: an alias of ws's aliases file
 * (at its key) whose target is a source or destination of one type in
 * ws while `other` resolves the alias (through its own aliases file, or
 * as a slug of its manifest) to one of another type, so that one file
 * would sync to a HubSpot destination here and a Braze one there.  The
 * message names the alias, both slugs with their workspaces and types,
 * and the slugs of `other` of ws's type.  `want`, unless NULL, chooses
 * the aliases to look at (1: look).  Needs valid manifests and aliases
 * file; does nothing otherwise.
 */
void ht_workspace_check_linked(const struct ht_workspace *ws,
			       const struct ht_workspace *other,
			       int (*want)(const char *alias,
					   enum ht_kind kind, void *payload),
			       void *payload, struct ht_diags *diags);

/*
 * For "did you mean": add to `s` the names a `kind` reference could take
 * in `ws`, the `kind` slugs of the manifest and, with `aliases`, the
 * aliases of the `kind` section whose target is one.
 */
void ht_workspace_suggest(struct ht_suggest *s, const struct ht_workspace *ws,
			  enum ht_kind kind, int aliases);

/* The type of the `kind` slug `slug` in the manifest ("snowflake"), or NULL. */
const char *ht_workspace_type(const struct ht_workspace *ws, enum ht_kind kind,
			      const char *slug);

/*
 * The `kind` slugs of the manifest whose type is `type` (NULL: none
 * match), bytewise: the first `max` in `out` (borrowed from the
 * workspace).  Returns how many there are in all.
 */
size_t ht_workspace_slugs_of_type(const char **out, size_t max,
				  const struct ht_workspace *ws,
				  enum ht_kind kind, const char *type);

/*
 * The line "alias: slug" as the aliases file holds it (the canonical
 * writer's, quotes where YAML needs them), without its newline, appended
 * to `out`.
 */
void ht_workspace_alias_line(struct ht_strbuf *out, const char *alias,
			     const char *slug);

/*
 * Where a line of aliases of `kind` goes, for a hint that says what to
 * add: " under 'sources:' in aliases-w.yaml", with " (in place of '{}')"
 * when the section is an empty mapping, or " under a new 'sources:' in
 * aliases-w.yaml" when the file has no such section; appended to `out`.
 */
void ht_workspace_alias_where(struct ht_strbuf *out,
			      const struct ht_workspace *ws,
			      enum ht_kind kind);

#endif
