/*
 * Fuzz target for the repository-level checker: the input is a small
 * repository, checked alone or against a base, and every finding is
 * written in the four report formats.
 *
 * Input: NUL-separated chunks.  The first byte of the first chunk holds
 * the options (bit 0: a base; bit 1: report all; bit 2: one workspace;
 * bit 3: a prefix; bit 4: the manifest callback accepts).  In every other
 * chunk, the first byte picks the path (bits 0-3, from `paths`, numbered
 * by the chunk so that paths differ), the type (bit 6: a symbolic link,
 * else bit 5: a submodule, else a file) and the tree (bit 7: the base),
 * and the rest is the content (or a link's id).
 *
 * Invariants (abort() when broken): every finding has a registered rule,
 * a path and a message, and no column without a line; the JSON and SARIF
 * reports parse and count the findings; the check never fails but for a
 * workspace without a manifest (so it never reads a link or a submodule,
 * which fails).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hightouch/check.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/report.h"
#include "hightouch/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
	"manifest-w.yaml",
	"aliases-w.yaml",
	"manifest-v.yaml",
	"aliases-v.yaml",
	"%smodels/m%u.yaml",
	"%ssyncs/s%u.yaml",
	"%sschema/parent-models/p%u.yaml",
	"%sschema/related-models/r%u.yaml",
	"%sschema/event-models/e%u.yaml",
	"%sschema/model-relationships/x%u.yaml",
	"%smodels/users.yaml",
	"%ssyncs/sub/n%u.yaml",
	"%smodels/bad slug %u.yaml",
	"%smodels/y%u.yml",
	"%ssyncs/users-to-crm.yaml",
	"%sschema/parent-models/users.yaml",
};

static int accept_all(const char *path, const struct ht_check_file *base,
		      const struct ht_check_file *head, struct ht_strbuf *why,
		      void *payload)
{
	(void)base;
	(void)head;
	(void)payload;
	if (strlen(path) % 2)
		return 1;
	ht_strbuf_addstr(why, "by commit 0000000 'fuzz'");
	return 0;
}

static void check_report(const struct ht_diags *d,
			 enum ht_report_format fmt)
{
	struct ht_report_opts o = { 1, "git-hightouch", "0" };
	struct ht_strbuf out = HT_STRBUF_INIT;
	json_t *doc = NULL;
	size_t n;

	ht_report_write(&out, fmt, d, &o);
	if (fmt == HT_REPORT_JSON || fmt == HT_REPORT_SARIF) {
		if (ht_json_parse(&doc, out.buf, out.len, 0, "report") < 0)
			abort();
		n = fmt == HT_REPORT_JSON ?
			    json_array_size(json_object_get(doc, "findings")) :
			    json_array_size(ht_json_get_path(
				    json_array_get(json_object_get(doc, "runs"),
						   0),
				    "results"));
		if (n != d->nr)
			abort();
		json_decref(doc);
	} else if (fmt == HT_REPORT_GITHUB) {
		size_t lines = 0, i;

		for (i = 0; i < out.len; i++)
			lines += out.buf[i] == '\n';
		if (lines != d->nr)
			abort(); /* a line break got through unescaped */
	}
	ht_strbuf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_check_tree head = HT_CHECK_TREE_INIT;
	struct ht_check_tree base = HT_CHECK_TREE_INIT;
	struct ht_check_opts opts = HT_CHECK_OPTS_INIT;
	struct ht_strbuf path = HT_STRBUF_INIT;
	struct ht_diags d = HT_DIAGS_INIT;
	const uint8_t *p = data, *end = data + size, *nul;
	unsigned flags = size ? data[0] : 0, chunk = 0;
	size_t i;
	int ret;

	while (p < end) {
		nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			nul = end;
		if (chunk && nul > p) {
			unsigned sel = p[0];
			const char *fmt = paths[sel & 15];
			struct ht_check_tree *t = sel & 128 ? &base : &head;

			ht_strbuf_reset(&path);
			ht_strbuf_addf(&path, fmt, flags & 8 ? "ht/" : "",
				       chunk);
			ht_check_tree_add_data(t, path.buf, (const char *)p + 1,
					       (size_t)(nul - p - 1));
			if (sel & 96) {
				struct ht_check_file *f = &t->files[t->nr - 1];

				f->type = sel & 64 ? HT_CHECK_SYMLINK :
						     HT_CHECK_SUBMODULE;
				/* its id: what the content would hash to */
				snprintf(f->id, sizeof(f->id), "%zx",
					 (size_t)(nul - p - 1));
			}
		}
		chunk++;
		p = nul + 1;
	}
	/* one path once per tree: keep the first */
	ht_check_tree_sort(&head);
	ht_check_tree_sort(&base);
	for (i = 1; i < head.nr; i++)
		if (!strcmp(head.files[i - 1].path, head.files[i].path))
			goto cleanup;
	for (i = 1; i < base.nr; i++)
		if (!strcmp(base.files[i - 1].path, base.files[i].path))
			goto cleanup;

	opts.report_all = !!(flags & 2);
	opts.workspace = flags & 4 ? "w" : NULL;
	opts.prefix = flags & 8 ? "ht" : NULL;
	opts.jobs = 1;
	if (flags & 16)
		opts.manifest_change_ok = accept_all;
	ret = ht_check_run(&d, &head, flags & 1 ? &base : NULL, &opts);
	if (ret < 0) {
		if (ret != HT_ENOTFOUND || !opts.workspace)
			abort();
		goto cleanup;
	}
	for (i = 0; i < d.nr; i++) {
		const struct ht_diag *g = &d.items[i];

		if (!ht_check_rule_find(g->rule) || !*g->path ||
		    !*g->message || (!g->line && g->col))
			abort();
	}
	check_report(&d, HT_REPORT_TEXT);
	check_report(&d, HT_REPORT_JSON);
	check_report(&d, HT_REPORT_GITHUB);
	check_report(&d, HT_REPORT_SARIF);
cleanup:
	ht_diags_release(&d);
	ht_check_tree_release(&head);
	ht_check_tree_release(&base);
	ht_strbuf_release(&path);
	return 0;
}
