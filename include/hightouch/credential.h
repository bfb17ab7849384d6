#ifndef HIGHTOUCH_CREDENTIAL_H
#define HIGHTOUCH_CREDENTIAL_H

/*
 * The API key of a workspace remote, found the same way by every program
 * that talks to the workspace (git-remote-hightouch, `git hightouch
 * trigger`, `runs`, `show`):
 *
 *  1. remote.<name>.hightouchKeyEnv names the environment variable that
 *     holds the key, and nothing else is asked;
 *  2. else, when the repository's remotes name one workspace (or none),
 *     HIGHTOUCH_API_KEY;
 *  3. else `git credential fill`: with git's own prompts off first
 *     (GIT_TERMINAL_PROMPT=0), then, when the process has a terminal,
 *     with them on and the username given, so that git asks for the key
 *     alone.  When the remotes name several workspaces, git is asked with
 *     the workspace as the path (credential.useHttpPath): the API has one
 *     host for every workspace and the key alone picks the workspace, so
 *     one key must not serve them all.
 *
 * A key from git's helpers is confirmed (`git credential approve`) once
 * it worked and withdrawn (`reject`) when the API refused it (a 401).
 * The key travels in the child's standard input only, never in argv, and
 * never appears in a message.
 */

#include "hightouch/config.h"
#include "hightouch/url.h"

/* The username git is given when it prompts for a key. */
#define HT_CREDENTIAL_USERNAME "api-key"

/* What the configuration says about a remote's key. */
struct ht_credential_config {
	char *key_env;       /* remote.<name>.hightouchKeyEnv, or NULL */
	unsigned workspaces; /* the workspaces the remotes name */
};

#define HT_CREDENTIAL_CONFIG_INIT { NULL, 0 }

/*
 * Read it from `git` (a configuration read with the remote.* keys) for
 * remote `remote` (NULL: a URL, no remote).  HT_EINVALID for a
 * hightouchKeyEnv that names no environment variable.
 */
int ht_credential_config_read(struct ht_credential_config *out,
			      const struct ht_config *git,
			      const char *remote);
void ht_credential_config_release(struct ht_credential_config *cfg);

struct ht_credential {
	char *protocol, *host, *path; /* what `git credential` is asked */
	char *username, *password;    /* password: the API key */
	int from_git;                 /* came from `git credential fill` */
	int by_path;                  /* ... asked with the path */
};

#define HT_CREDENTIAL_INIT { NULL, NULL, NULL, NULL, NULL, 0, 0 }

/*
 * The API key for `url`, of remote `remote` (NULL: a URL, no remote), as
 * above, into c->password.  HT_EAUTH, saying how to give one, when there
 * is none or it is not a valid key (printable ASCII without spaces).  On
 * failure `c` is left released.
 */
int ht_credential_fill(struct ht_credential *c, const struct ht_url *url,
		       const struct ht_credential_config *cfg,
		       const char *remote);
/* Tell git's credential helpers that the key worked, or did not. */
void ht_credential_approve(struct ht_credential *c);
void ht_credential_reject(struct ht_credential *c);
/* Wipe the key and free. */
void ht_credential_release(struct ht_credential *c);

#endif
