#ifndef HIGHTOUCH_CONFIG_H
#define HIGHTOUCH_CONFIG_H

/*
 * The git configuration, read with `git config` itself so that
 * everything git honours applies: the system, global, repository and
 * worktree files, includes, and `git -c` (GIT_CONFIG_PARAMETERS).  One
 * `git config` per program run: read the sections wanted at once, then
 * look keys up.
 *
 * Keys are as git prints them: section and variable names in lower case,
 * a subsection as written ("remote.origin.hightouchpath").
 */

#include <stddef.h>

#include "hightouch/run.h"

struct ht_config_entry {
	char *key;
	char *value; /* NULL for a key with no value ("[x] y"): true */
};

struct ht_config {
	struct ht_config_entry *items; /* in the order git gives them */
	size_t nr, alloc;
	struct ht_child reading; /* ht_config_read_start()'s git */
};

#define HT_CONFIG_INIT { NULL, 0, 0, { 0, -1, "" } }

/*
 * Read every key that matches the extended regular expression `regex`
 * (`git config -z --get-regexp`).  Outside a repository only the global
 * and system files count; no matching key is not an error.
 */
int ht_config_read(struct ht_config *cfg, const char *regex);

/*
 * The same in two steps, to do other work while git reads: start, then
 * finish (which waits for git).  ht_config_release() waits for a read
 * started and not finished.
 */
int ht_config_read_start(struct ht_config *cfg, const char *regex);
int ht_config_read_finish(struct ht_config *cfg);
void ht_config_release(struct ht_config *cfg);

/*
 * The last entry of `key` (the one git uses), or NULL when it is not set.
 */
const struct ht_config_entry *ht_config_find(const struct ht_config *cfg,
					     const char *key);

/*
 * `key` as a boolean into `*out`, left alone when the key is not set.
 * HT_EINVALID ("bad boolean config value for 'KEY'") for a value git
 * would refuse.
 */
int ht_config_bool(const struct ht_config *cfg, const char *key, int *out);

/*
 * `key` as a number from `min` to `max` into `*out`, left alone when the
 * key is not set.  HT_EINVALID ("bad config value for 'KEY': it must be
 * a number from MIN to MAX") otherwise.
 */
int ht_config_number(const struct ht_config *cfg, const char *key,
		     long min, long max, unsigned *out);

/*
 * `key` as a folder of the work tree (remote.<name>.hightouchPath) into
 * `*out` (allocated; the old value freed), left alone when the key is not
 * set: without leading, trailing or doubled slashes, "" for none ("/" or
 * no value).  HT_EINVALID ("bad config value for 'KEY': ...") for a
 * component "." or "..", ".git" (any case), or a control character or a
 * backslash.
 */
int ht_config_path(const struct ht_config *cfg, const char *key, char **out);

/*
 * Whether to colour the standard output, as git decides: `when` is the
 * --color option's value ("always", "never", "auto"; NULL when not
 * given), else color.ui (git's values: always, never, auto, or a boolean,
 * true meaning auto); "auto" colours a terminal that is not "dumb",
 * unless NO_COLOR is set.  HT_EINVALID for a color.ui git would refuse.
 */
int ht_config_color(const struct ht_config *cfg, const char *when, int *out);

/*
 * A boolean as git reads one: "true", "yes", "on" and a non-zero integer
 * are 1; "false", "no", "off", "" and 0 are 0 (any case); NULL (a key
 * with no value) is 1; anything else is -1.
 */
int ht_parse_bool(const char *value);

/*
 * A boolean from the environment: 1 when `name` is set to anything but
 * what ht_parse_bool() reads as false ("HT_TRACE=1", "HT_TRACE=yes").
 */
int ht_env_bool(const char *name);

#endif
