/*
 * Unit tests for a workspace remote's key (common/credential.c) and the
 * configuration numbers (common/config.c): what needs no `git`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hightouch/alloc.h"
#include "hightouch/config.h"
#include "hightouch/credential.h"
#include "hightouch/error.h"
#include "hightouch/url.h"

/* A configuration of "key", "value" pairs, as `git config` gives it. */
static void config_of(struct ht_config *cfg, const char *const *kv)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; kv[i]; i += 2) {
		HT_ALLOC_GROW(cfg->items, cfg->nr + 1, cfg->alloc);
		cfg->items[cfg->nr].key = ht_xstrdup(kv[i]);
		cfg->items[cfg->nr++].value = ht_xstrdup(kv[i + 1]);
	}
}

static void test_config_workspaces(void **state)
{
	static const char *const kv[] = {
		"remote.origin.url", "hightouch://acme",
		"remote.again.url", "hightouch::https://api.hightouch.com/acme/",
		"remote.github.url", "git@github.com:acme/ws.git",
		"remote.prod.url", "hightouch://acme-prod",
		"remote.prod.hightouchkeyenv", "PROD_KEY",
		NULL,
	};
	struct ht_credential_config c = HT_CREDENTIAL_CONFIG_INIT;
	struct ht_config cfg;

	(void)state;
	config_of(&cfg, kv);
	assert_int_equal(ht_credential_config_read(&c, &cfg, "origin"), 0);
	/* two remotes of acme count once; github is no workspace */
	assert_int_equal(c.workspaces, 2);
	assert_null(c.key_env);
	ht_credential_config_release(&c);
	assert_int_equal(ht_credential_config_read(&c, &cfg, "prod"), 0);
	assert_string_equal(c.key_env, "PROD_KEY");
	ht_credential_config_release(&c);
	assert_int_equal(ht_credential_config_read(&c, &cfg, NULL), 0);
	assert_null(c.key_env);
	ht_credential_config_release(&c);
	ht_config_release(&cfg);
}

static void test_config_bad_key_env(void **state)
{
	static const char *const names[] = { "1BAD", "A-B", "", "A B" };
	struct ht_credential_config c = HT_CREDENTIAL_CONFIG_INIT;
	const char *kv[] = { "remote.o.url", "hightouch://a",
			     "remote.o.hightouchkeyenv", NULL, NULL };
	struct ht_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		kv[3] = names[i];
		config_of(&cfg, kv);
		assert_int_equal(ht_credential_config_read(&c, &cfg, "o"),
				 HT_EINVALID);
		assert_string_equal(ht_error_message(),
				    "bad config value for "
				    "'remote.o.hightouchkeyenv': it must name "
				    "an environment variable");
		ht_credential_config_release(&c);
		ht_config_release(&cfg);
	}
}

/* Fill a key for hightouch://acme with `cfg`, from the environment. */
static int fill(struct ht_credential *c,
		const struct ht_credential_config *cfg, const char *remote)
{
	struct ht_url u = HT_URL_INIT;
	int ret;

	assert_int_equal(ht_url_parse(&u, "hightouch://acme", 0), 0);
	ret = ht_credential_fill(c, &u, cfg, remote);
	ht_url_release(&u);
	return ret;
}

static void test_fill_from_env(void **state)
{
	struct ht_credential_config cfg = { NULL, 1 };
	struct ht_credential c = HT_CREDENTIAL_INIT;

	(void)state;
	setenv("HIGHTOUCH_API_KEY", "htk_test_0123", 1);
	assert_int_equal(fill(&c, &cfg, "origin"), 0);
	assert_string_equal(c.password, "htk_test_0123");
	assert_string_equal(c.host, "api.hightouch.com");
	assert_string_equal(c.path, "acme");
	assert_false(c.from_git);
	/* nothing to tell git of a key it did not give */
	ht_credential_approve(&c);
	ht_credential_reject(&c);
	ht_credential_release(&c);
	assert_null(c.password);

	setenv("HIGHTOUCH_API_KEY", "has space", 1);
	assert_int_equal(fill(&c, &cfg, "origin"), HT_EAUTH);
	assert_null(strstr(ht_error_message(), "has space"));
	assert_null(c.password);
	unsetenv("HIGHTOUCH_API_KEY");
}

static void test_fill_from_key_env(void **state)
{
	struct ht_credential_config cfg = { (char *)"T_CRED_KEY", 2 };
	struct ht_credential c = HT_CREDENTIAL_INIT;

	(void)state;
	setenv("HIGHTOUCH_API_KEY", "not-this-one", 1);
	unsetenv("T_CRED_KEY");
	assert_int_equal(fill(&c, &cfg, "prod"), HT_EAUTH);
	assert_string_equal(ht_error_message(),
			    "remote 'prod' takes its API key from T_CRED_KEY "
			    "(remote.prod.hightouchKeyEnv), which is not set");
	setenv("T_CRED_KEY", "htk_prod_42", 1);
	assert_int_equal(fill(&c, &cfg, "prod"), 0);
	assert_string_equal(c.password, "htk_prod_42");
	ht_credential_release(&c);
	setenv("T_CRED_KEY", "bad\tkey", 1);
	assert_int_equal(fill(&c, &cfg, "prod"), HT_EAUTH);
	assert_null(strstr(ht_error_message(), "bad\tkey"));
	unsetenv("T_CRED_KEY");
	unsetenv("HIGHTOUCH_API_KEY");
}

static void test_config_number(void **state)
{
	static const char *const kv[] = {
		"hightouch.retries", "7", "hightouch.pagesize", "0",
		"hightouch.x", "12abc", "hightouch.y", "", NULL,
	};
	struct ht_config cfg;
	unsigned n = 3;

	(void)state;
	config_of(&cfg, kv);
	assert_int_equal(ht_config_number(&cfg, "hightouch.retries", 0, 20,
					  &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(ht_config_number(&cfg, "hightouch.unset", 0, 20, &n),
			 0);
	assert_int_equal(n, 7);
	assert_int_equal(ht_config_number(&cfg, "hightouch.pagesize", 1, 1000,
					  &n), HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "bad config value for 'hightouch.pagesize': it "
			    "must be a number from 1 to 1000");
	assert_int_equal(ht_config_number(&cfg, "hightouch.x", 0, 20, &n),
			 HT_EINVALID);
	assert_int_equal(ht_config_number(&cfg, "hightouch.y", 0, 20, &n),
			 HT_EINVALID);
	assert_int_equal(n, 7);
	ht_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_workspaces),
		cmocka_unit_test(test_config_bad_key_env),
		cmocka_unit_test(test_fill_from_env),
		cmocka_unit_test(test_fill_from_key_env),
		cmocka_unit_test(test_config_number),
	};

	return cmocka_run_group_tests_name("credential", tests, NULL, NULL);
}
