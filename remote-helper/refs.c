/*
 * What the helper asks git about refs.  libgit2 does not read them here
 * (odb.c says why): `git rev-parse` and `git for-each-ref` do.
 */
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"

#include "helper.h"

int refs_commit(const char *rev, unsigned flags, git_oid *out, int *found)
{
	const char *argv[] = { "rev-parse", "--verify", "-q", NULL, NULL };
	struct ht_strbuf sb = HT_STRBUF_INIT, arg = HT_STRBUF_INIT;
	int ret;

	*found = 0;
	ht_strbuf_addf(&arg, "%s^{commit}", rev);
	argv[3] = arg.buf;
	ret = ht_run_git_line(&sb, argv, flags);
	if (ret > 0)
		ret = 0; /* no such commit */
	else if (!ret && sb.len == GIT_OID_HEXSZ &&
		 !git_oid_fromstr(out, sb.buf))
		*found = 1;
	else if (!ret)
		ret = ht_error_set(HT_EINVALID, "'git rev-parse %s' printed "
				   "no object id", arg.buf);
	ht_strbuf_release(&sb);
	ht_strbuf_release(&arg);
	return ret;
}

int refs_containing(git_oid **out, size_t *nr, const git_oid *commit)
{
	const char *argv[] = { "for-each-ref", "--format=%(objectname)", NULL,
			       "refs/heads/", "refs/remotes/", NULL };
	struct ht_strbuf sb = HT_STRBUF_INIT, arg = HT_STRBUF_INIT;
	char hex[GIT_OID_HEXSZ + 1];
	size_t alloc = 0;
	const char *line;
	int ret;

	*out = NULL;
	*nr = 0;
	ht_strbuf_addf(&arg, "--contains=%s",
		       git_oid_tostr(hex, sizeof(hex), commit));
	argv[2] = arg.buf;
	ret = ht_run_git(&sb, NULL, 0, argv, 0);
	if (ret > 0)
		ret = ht_error_set(HT_ERROR, "'git for-each-ref %s' failed",
				   arg.buf);
	for (line = sb.buf; !ret && *line; line += GIT_OID_HEXSZ + 1) {
		HT_ALLOC_GROW(*out, *nr + 1, alloc);
		if (strlen(line) < GIT_OID_HEXSZ + 1 ||
		    line[GIT_OID_HEXSZ] != '\n' ||
		    git_oid_fromstrn(&(*out)[*nr], line, GIT_OID_HEXSZ) < 0) {
			git_error_clear();
			ret = ht_error_set(HT_EINVALID, "'git for-each-ref' "
					   "printed no object id");
			break;
		}
		(*nr)++;
	}
	if (ret < 0) {
		free(*out);
		*out = NULL;
		*nr = 0;
	}
	ht_strbuf_release(&sb);
	ht_strbuf_release(&arg);
	return ret;
}
