/*
 * Findings in the five output formats (see report.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hightouch/alloc.h"
#include "hightouch/check.h"
#include "hightouch/error.h"
#include "hightouch/report.h"
#include "hightouch/utf8.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

/* gcc's colours: the locus bold, errors red, warnings magenta. */
#define COLOR_BOLD "\033[1m"
#define COLOR_ERROR "\033[1;31m"
#define COLOR_WARNING "\033[1;35m"
#define COLOR_RESET "\033[m"

int ht_report_parse_format(enum ht_report_format *out, const char *name)
{
	static const char *const names[] = { "text", "json", "github",
					     "sarif", "gitlab" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (name && !strcmp(name, names[i])) {
			*out = (enum ht_report_format)i;
			return 0;
		}
	return ht_error_set(HT_EINVALID,
			    "unknown format '%s' (text, json, github, sarif or "
			    "gitlab)",
			    name ? name : "");
}

static const char *severity_name(enum ht_severity sev)
{
	return sev == HT_SEV_ERROR ? "error" : "warning";
}

/* A JSON string of `s`, with invalid UTF-8 replaced by U+FFFD. */
static json_t *text_json(const char *s)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t len = strlen(s), i = 0, n;
	json_t *v = json_stringn(s, len);
	uint32_t cp;

	if (v)
		return v;
	while (i < len) {
		n = ht_utf8_decode((const unsigned char *)s + i, len - i, &cp);
		if (n) {
			ht_strbuf_add(&sb, s + i, n);
			i += n;
		} else {
			ht_strbuf_addstr(&sb, "\xef\xbf\xbd");
			i++;
		}
	}
	v = json_stringn(sb.buf, sb.len);
	ht_strbuf_release(&sb);
	return v ? v : json_string("");
}

static void append_json(struct ht_strbuf *out, const json_t *v)
{
	char *text = json_dumps(v, JSON_INDENT(2));

	if (!text)
		HT_BUG("cannot write a JSON report");
	ht_strbuf_addstr(out, text);
	ht_strbuf_addch(out, '\n');
	free(text);
}

static void write_text(struct ht_strbuf *out, const struct ht_diags *d,
		       int color)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		const struct ht_diag *g = &d->items[i];

		if (!color)
			ht_diag_format(out, g);
		else
			ht_diag_format_color(out, g, COLOR_BOLD,
				       g->severity == HT_SEV_ERROR ?
					       COLOR_ERROR :
					       COLOR_WARNING,
				       COLOR_RESET);
		ht_strbuf_addch(out, '\n');
	}
}

static void write_json(struct ht_strbuf *out, const struct ht_diags *d)
{
	json_t *doc = json_object(), *list = json_array();
	size_t i;

	json_object_set_new(doc, "version", json_integer(1));
	json_object_set_new(doc, "errors",
			    json_integer((json_int_t)d->nerrors));
	json_object_set_new(doc, "warnings",
			    json_integer((json_int_t)d->nwarnings));
	for (i = 0; i < d->nr; i++) {
		const struct ht_diag *g = &d->items[i];
		json_t *f = json_object();

		json_object_set_new(f, "path", text_json(g->path));
		json_object_set_new(f, "line", json_integer(g->line));
		json_object_set_new(f, "column", json_integer(g->col));
		json_object_set_new(f, "severity",
				    json_string(severity_name(g->severity)));
		json_object_set_new(f, "rule", text_json(g->rule));
		json_object_set_new(f, "message", text_json(g->message));
		json_array_append_new(list, f);
	}
	json_object_set_new(doc, "findings", list);
	append_json(out, doc);
	json_decref(doc);
}

void ht_report_github_escape(struct ht_strbuf *out, const char *s,
			     int property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%':
			ht_strbuf_addstr(out, "%25");
			break;
		case '\r':
			ht_strbuf_addstr(out, "%0D");
			break;
		case '\n':
			ht_strbuf_addstr(out, "%0A");
			break;
		case ':':
			ht_strbuf_addstr(out, property ? "%3A" : ":");
			break;
		case ',':
			ht_strbuf_addstr(out, property ? "%2C" : ",");
			break;
		default:
			ht_strbuf_addch(out, *s);
		}
	}
}

static void write_github(struct ht_strbuf *out, const struct ht_diags *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++) {
		const struct ht_diag *g = &d->items[i];

		ht_strbuf_addf(out, "::%s file=", severity_name(g->severity));
		ht_report_github_escape(out, g->path, 1);
		if (g->line)
			ht_strbuf_addf(out, ",line=%u,col=%u", g->line,
				       g->col ? g->col : 1);
		ht_strbuf_addstr(out, ",title=");
		ht_report_github_escape(out, g->rule, 1);
		ht_strbuf_addstr(out, "::");
		ht_report_github_escape(out, g->message, 0);
		ht_strbuf_addch(out, '\n');
	}
}

/* A repository path as a relative URI reference (RFC 3986). */
static void uri_path(struct ht_strbuf *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *path; path++) {
		unsigned char c = (unsigned char)*path;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~/", c))
			ht_strbuf_addch(out, c);
		else
			ht_strbuf_addf(out, "%%%c%c", hex[c >> 4],
				       hex[c & 15]);
	}
}

static json_t *sarif_rule(const char *id, enum ht_severity sev,
			  const char *summary)
{
	json_t *r = json_object(), *text = json_object(), *conf = json_object();

	json_object_set_new(r, "id", text_json(id));
	json_object_set_new(text, "text", text_json(summary));
	json_object_set_new(r, "shortDescription", text);
	json_object_set_new(conf, "level", json_string(severity_name(sev)));
	json_object_set_new(r, "defaultConfiguration", conf);
	return r;
}

/* The index of `id` in `rules`, adding it when new. */
static size_t rule_index(json_t *rules, const char *id)
{
	size_t i;

	for (i = 0; i < json_array_size(rules); i++)
		if (!strcmp(json_string_value(json_object_get(
				    json_array_get(rules, i), "id")),
			    id))
			return i;
	json_array_append_new(rules, sarif_rule(id, HT_SEV_ERROR, id));
	return json_array_size(rules) - 1;
}

static json_t *sarif_result(json_t *rules, const struct ht_diag *g)
{
	struct ht_strbuf uri = HT_STRBUF_INIT;
	json_t *r = json_object(), *msg = json_object();
	json_t *loc = json_object(), *phys = json_object();
	json_t *art = json_object(), *locs = json_array();

	json_object_set_new(r, "ruleId", text_json(g->rule));
	json_object_set_new(r, "ruleIndex",
			    json_integer((json_int_t)rule_index(rules,
								g->rule)));
	json_object_set_new(r, "level",
			    json_string(severity_name(g->severity)));
	json_object_set_new(msg, "text", text_json(g->message));
	json_object_set_new(r, "message", msg);
	uri_path(&uri, g->path);
	json_object_set_new(art, "uri", json_string(uri.buf));
	json_object_set_new(art, "uriBaseId", json_string("%SRCROOT%"));
	json_object_set_new(phys, "artifactLocation", art);
	if (g->line) {
		json_t *region = json_object();

		json_object_set_new(region, "startLine", json_integer(g->line));
		if (g->col)
			json_object_set_new(region, "startColumn",
					    json_integer(g->col));
		json_object_set_new(phys, "region", region);
	}
	json_object_set_new(loc, "physicalLocation", phys);
	json_array_append_new(locs, loc);
	json_object_set_new(r, "locations", locs);
	ht_strbuf_release(&uri);
	return r;
}

static void write_sarif(struct ht_strbuf *out, const struct ht_diags *d,
			const struct ht_report_opts *o)
{
	const struct ht_check_rule *known;
	json_t *doc = json_object(), *runs = json_array(), *run = json_object();
	json_t *tool = json_object(), *driver = json_object();
	json_t *rules = json_array(), *results = json_array();
	size_t nknown, i;

	known = ht_check_rules(&nknown);
	for (i = 0; i < nknown; i++)
		json_array_append_new(rules,
				      sarif_rule(known[i].id, known[i].severity,
						 known[i].summary));
	for (i = 0; i < d->nr; i++)
		json_array_append_new(results,
				      sarif_result(rules, &d->items[i]));

	json_object_set_new(doc, "$schema", json_string(SARIF_SCHEMA));
	json_object_set_new(doc, "version", json_string("2.1.0"));
	json_object_set_new(driver, "name",
			    text_json(o && o->tool_name ? o->tool_name :
							  "git-hightouch"));
	if (o && o->tool_version)
		json_object_set_new(driver, "version",
				    text_json(o->tool_version));
	json_object_set_new(driver, "rules", rules);
	json_object_set_new(tool, "driver", driver);
	json_object_set_new(run, "tool", tool);
	json_object_set_new(run, "columnKind",
			    json_string("unicodeCodePoints"));
	json_object_set_new(run, "results", results);
	json_array_append_new(runs, run);
	json_object_set_new(doc, "runs", runs);
	append_json(out, doc);
	json_decref(doc);
}

/*
 * A finding's fingerprint for GitLab, which tells findings new to a
 * merge request from those of its base by it: FNV-1a (64 bits) of path,
 * rule and message, without the line, so that a finding stays the same
 * when lines above it move.
 */
static void fingerprint(char out[17], const struct ht_diag *g)
{
	const char *parts[3] = { g->path, g->rule, g->message };
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;
	size_t i;

	for (i = 0; i < 3; i++)
		for (p = (const unsigned char *)parts[i];; p++) {
			h = (h ^ *p) * 1099511628211ULL;
			if (!*p)
				break;
		}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void write_gitlab(struct ht_strbuf *out, const struct ht_diags *d)
{
	json_t *list = json_array();
	char fp[17];
	size_t i;

	for (i = 0; i < d->nr; i++) {
		const struct ht_diag *g = &d->items[i];

		fingerprint(fp, g);
		json_array_append_new(list, json_pack(
			"{s:o, s:s, s:s, s:s, s:{s:o, s:{s:i}}}",
			"description", text_json(g->message), "check_name",
			g->rule, "fingerprint", fp, "severity",
			g->severity == HT_SEV_ERROR ? "major" : "minor",
			"location", "path", text_json(g->path), "lines",
			"begin", g->line ? (int)g->line : 1));
	}
	append_json(out, list);
	json_decref(list);
}

void ht_report_write(struct ht_strbuf *out, enum ht_report_format fmt,
		     const struct ht_diags *d,
		     const struct ht_report_opts *opts)
{
	switch (fmt) {
	case HT_REPORT_TEXT:
		write_text(out, d, opts && opts->color);
		return;
	case HT_REPORT_JSON:
		write_json(out, d);
		return;
	case HT_REPORT_GITHUB:
		write_github(out, d);
		return;
	case HT_REPORT_SARIF:
		write_sarif(out, d, opts);
		return;
	case HT_REPORT_GITLAB:
		write_gitlab(out, d);
		return;
	}
	HT_BUG("unknown report format %d", (int)fmt);
}
