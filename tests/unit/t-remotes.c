/*
 * Unit tests for the workspace remotes of a repository (common/remotes.c):
 * which remotes are a workspace's, and which path a file or a workspace
 * belongs to.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hightouch/config.h"
#include "hightouch/error.h"
#include "hightouch/remotes.h"

/* A configuration of (key, value) pairs, NULL-terminated. */
static void config_of(struct ht_config *cfg, struct ht_config_entry *items,
		      size_t max, ...)
{
	va_list ap;
	const char *key;

	cfg->items = items;
	cfg->nr = cfg->alloc = 0;
	va_start(ap, max);
	while ((key = va_arg(ap, const char *))) {
		assert_true(cfg->nr < max);
		items[cfg->nr].key = (char *)key;
		items[cfg->nr].value = va_arg(ap, char *);
		cfg->nr++;
	}
	va_end(ap);
}

static void expect_remote(const struct ht_remotes *r, const char *name,
			  const char *path, const char *workspace)
{
	const struct ht_remote *item = ht_remotes_find(r, name);

	if (!path) {
		assert_null(item);
		return;
	}
	assert_non_null(item);
	assert_string_equal(item->path, path);
	if (workspace)
		assert_string_equal(item->workspace, workspace);
	else
		assert_null(item->workspace);
}

static void test_read(void **state)
{
	struct ht_config_entry items[16];
	struct ht_config cfg;
	struct ht_remotes r = HT_REMOTES_INIT;

	(void)state;
	config_of(&cfg, items, 16,
		  "remote.origin.url", "git@github.com:acme/analytics.git",
		  "remote.mirror.url", "https://example.com/acme/prod",
		  "remote.staging.url", "hightouch::http://127.0.0.1:9/staging",
		  "remote.staging.hightouchpath", "/staging//eu/",
		  "remote.prod.url", "hightouch://acme-prod",
		  "remote.bare.hightouchpath", "legacy",
		  "remote.top.url", "hightouch::https://eu.example.com/top",
		  "remote.top.hightouchpath", NULL,
		  "remote.broken.url", "hightouch://user:key@host/ws",
		  "remote.a.b.url", "hightouch://dotted",
		  NULL);
	assert_int_equal(ht_remotes_read(&r, &cfg), 0);
	/* not a workspace's: another URL, and no hightouchPath */
	expect_remote(&r, "origin", NULL, NULL);
	expect_remote(&r, "mirror", NULL, NULL);
	expect_remote(&r, "staging", "staging/eu", "staging");
	expect_remote(&r, "prod", "", "acme-prod");
	expect_remote(&r, "bare", "legacy", NULL);
	expect_remote(&r, "top", "", "top");
	/* a URL the helper refuses names no workspace */
	expect_remote(&r, "broken", "", NULL);
	expect_remote(&r, "a.b", "", "dotted");
	assert_int_equal(r.nr, 6);
	assert_int_equal(r.npaths, 3);
	assert_string_equal(r.paths[0], "staging/eu");
	assert_string_equal(r.paths[1], "");
	assert_string_equal(r.paths[2], "legacy");
	ht_remotes_release(&r);

	config_of(&cfg, items, 16, "remote.x.hightouchpath", "a/../b", NULL);
	assert_int_equal(ht_remotes_read(&r, &cfg), HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "bad config value for 'remote.x.hightouchpath': "
			    "'..' is not allowed in a path");
	ht_remotes_release(&r);
}

/* Remotes at the top, at "eu", at "eu/de" and at "europe". */
static void nested(struct ht_remotes *r)
{
	ht_remotes_add(r, "top", "", "top");
	ht_remotes_add(r, "eu", "eu", "eu");
	ht_remotes_add(r, "de", "eu/de", "de");
	ht_remotes_add(r, "europe", "europe", NULL);
}

static void test_files(void **state)
{
	static const struct {
		const char *file, *owner;
	} cases[] = {
		{ "models/users.yaml", "" },
		{ "README.md", "" },
		{ "manifest-eu.yaml", "" },
		{ "eu/models/users.yaml", "eu" },
		{ "eu/de/models/users.yaml", "eu/de" },
		{ "eu/dex/models/users.yaml", "eu" },
		{ "eu/de", "eu" },
		{ "europe/syncs/a.yaml", "europe" },
		{ "eu", "" },
		{ "eux/models/a.yaml", "" },
	};
	static const char *const paths[] = { "", "eu", "eu/de", "europe" };
	struct ht_remotes r = HT_REMOTES_INIT;
	size_t i, j;

	(void)state;
	nested(&r);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		for (j = 0; j < 4; j++) {
			int want = !strcmp(paths[j], cases[i].owner);

			if (ht_remotes_path_has_file(&r, paths[j],
						     cases[i].file) != want)
				print_message("'%s' at '%s': want %d\n",
					      cases[i].file, paths[j], want);
			assert_int_equal(ht_remotes_path_has_file(
						 &r, paths[j], cases[i].file),
					 want);
		}
	/* a path that is no remote's: what it holds and no remote's does */
	assert_int_equal(ht_remotes_path_has_file(&r, "eu/fr", "eu/fr/a"), 1);
	assert_int_equal(ht_remotes_path_has_file(&r, "eu/fr", "eu/a"), 0);
	ht_remotes_release(&r);

	/* no remotes: every path has the files it holds */
	assert_int_equal(ht_remotes_path_has_file(&r, "", "eu/a"), 1);
	assert_int_equal(ht_remotes_path_has_file(&r, "eu", "eu/a"), 1);
	assert_int_equal(ht_remotes_path_has_file(&r, "eu", "a"), 0);
}

static void test_workspaces(void **state)
{
	struct ht_remotes r = HT_REMOTES_INIT;

	(void)state;
	nested(&r);
	/* named by a remote: that remote's path only */
	assert_int_equal(ht_remotes_path_has_workspace(&r, "eu", "eu"), 1);
	assert_int_equal(ht_remotes_path_has_workspace(&r, "", "eu"), 0);
	assert_int_equal(ht_remotes_path_has_workspace(&r, "eu/de", "eu"), 0);
	assert_int_equal(ht_remotes_path_has_workspace(&r, "", "top"), 1);
	assert_int_equal(ht_remotes_path_has_workspace(&r, "eu", "top"), 0);
	/* named by none: every path's */
	assert_int_equal(ht_remotes_path_has_workspace(&r, "", "old"), 1);
	assert_int_equal(ht_remotes_path_has_workspace(&r, "europe", "old"),
			 1);
	/* named by two remotes at two paths: each path's */
	ht_remotes_add(&r, "de2", "europe", "de");
	assert_int_equal(ht_remotes_path_has_workspace(&r, "europe", "de"), 1);
	assert_int_equal(ht_remotes_path_has_workspace(&r, "eu/de", "de"), 1);
	assert_int_equal(ht_remotes_path_has_workspace(&r, "eu", "de"), 0);
	assert_int_equal(r.npaths, 4);
	ht_remotes_release(&r);
}

/* The URLs kept, and the workspaces they name, counted once each. */
static void test_count_workspaces(void **state)
{
	struct ht_config_entry items[16];
	struct ht_config cfg;
	struct ht_remotes r = HT_REMOTES_INIT;

	(void)state;
	config_of(&cfg, items, 16,
		  "remote.origin.url", "git@github.com:acme/analytics.git",
		  "remote.a.url", "hightouch://acme-prod",
		  "remote.b.url", "hightouch::https://api.hightouch.com/acme-prod/",
		  "remote.bare.hightouchpath", "legacy",
		  NULL);
	assert_int_equal(ht_remotes_read(&r, &cfg), 0);
	assert_string_equal(ht_remotes_find(&r, "a")->url,
			    "hightouch://acme-prod");
	assert_null(ht_remotes_find(&r, "bare")->url);
	/* two spellings of one workspace of one API */
	assert_int_equal(ht_remotes_count_workspaces(&r), 1);
	ht_remotes_release(&r);

	config_of(&cfg, items, 16,
		  "remote.staging.url", "hightouch://acme-staging",
		  "remote.prod.url", "hightouch://acme-prod",
		  "remote.local.url", "hightouch::http://127.0.0.1:9/acme-prod",
		  NULL);
	assert_int_equal(ht_remotes_read(&r, &cfg), 0);
	/* the same name on another API is another workspace */
	assert_int_equal(ht_remotes_count_workspaces(&r), 3);
	ht_remotes_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_workspaces),
		cmocka_unit_test(test_count_workspaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
