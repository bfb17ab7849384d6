#ifndef GIT_HIGHTOUCH_H
#define GIT_HIGHTOUCH_H

/*
 * git-hightouch: the tool behind the hooks (docs/git-hightouch.1).
 *
 * Each command returns its exit status (0; 1 for findings or a refusal;
 * what ht_options_status() gives for -h, --help and bad usage), or a
 * negative ht error code with the message set, which main() prints as
 * "fatal: <message>" and turns into exit status 2.
 */

#include "hightouch/error.h"

/* The Makefile's HT_VERSION, for SARIF's tool.driver.version. */
#ifdef HT_VERSION
#define GIT_HIGHTOUCH_VERSION HT_VERSION
#else
#define GIT_HIGHTOUCH_VERSION "unknown"
#endif

/* Exit statuses besides 0 (and HT_EXIT_USAGE, for -h). */
#define EXIT_FINDINGS 1
#define EXIT_TROUBLE 2

int cmd_check(int argc, char **argv);
int cmd_gitsync(int argc, char **argv);
int cmd_install_hooks(int argc, char **argv);
int cmd_schema(int argc, char **argv);

#endif
