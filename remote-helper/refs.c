/*
 * What the helper asks git about refs.  libgit2 does not read them here
 * (odb.c says why): `git rev-parse` and `git for-each-ref` do, but for
 * the private ref at `list` (refs_private()), read from git's files when
 * they hold it plainly.  Object ids are checked before libgit2 parses
 * them (refs_parse_oid()): at `list` it is not started, and its error
 * path needs it.
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
		 !refs_parse_oid(out, sb.buf, '\0'))
		*found = 1;
	else if (!ret)
		ret = ht_error_set(HT_EINVALID, "'git rev-parse %s' printed "
				   "no object id", arg.buf);
	ht_strbuf_release(&sb);
	ht_strbuf_release(&arg);
	return ret;
}

int refs_parse_oid(git_oid *out, const char *p, char end)
{
	size_t i;

	for (i = 0; i < GIT_OID_HEXSZ; i++)
		if (!p[i] || !strchr("0123456789abcdef", p[i]))
			return -1;
	if (p[GIT_OID_HEXSZ] != end)
		return -1;
	/* valid: libgit2, which may not be started, sets no error */
	return git_oid_fromstrn(out, p, GIT_OID_HEXSZ) < 0 ? -1 : 0;
}

/* `ref` in packed-refs: 1 and `*out`, 0 when it is not there, -1. */
static int packed_ref(const char *commondir, const char *ref, git_oid *out)
{
	struct ht_strbuf sb = HT_STRBUF_INIT, path = HT_STRBUF_INIT;
	const char *line, *nl;
	size_t n = strlen(ref);
	int ret = 0;

	ht_strbuf_addf(&path, "%s/packed-refs", commondir);
	ret = ht_strbuf_read_file(&sb, path.buf, 64u << 20);
	if (ret < 0) {
		ret = ret == HT_ENOTFOUND ? 0 : -1;
		ht_error_clear();
		goto cleanup;
	}
	for (line = sb.buf; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl) {
			ret = -1; /* a line without its end: ask git */
			break;
		}
		if ((size_t)(nl - line) == GIT_OID_HEXSZ + 1 + n &&
		    !memcmp(line + GIT_OID_HEXSZ + 1, ref, n)) {
			ret = refs_parse_oid(out, line, ' ') < 0 ? -1 : 1;
			break;
		}
	}
cleanup:
	ht_strbuf_release(&sb);
	ht_strbuf_release(&path);
	return ret;
}

int refs_private(const char *commondir, const char *ref, git_oid *out,
		 int *found)
{
	struct ht_strbuf sb = HT_STRBUF_INIT, path = HT_STRBUF_INIT;
	int ret;

	*found = 0;
	ht_strbuf_addf(&path, "%s/%s", commondir, ref);
	ret = ht_strbuf_read_file(&sb, path.buf, 4096);
	if (!ret) {
		ret = sb.len == GIT_OID_HEXSZ + 1 ? refs_parse_oid(out, sb.buf,
							       '\n') : -1;
		if (!ret)
			*found = 1;
	} else if (ret == HT_ENOTFOUND) {
		ht_error_clear();
		ret = packed_ref(commondir, ref, out);
		*found = ret > 0;
		if (ret > 0)
			ret = 0;
		else if (!ret)
			ret = -1; /* in neither: another ref store? ask git */
	}
	ht_error_clear();
	ht_strbuf_release(&sb);
	ht_strbuf_release(&path);
	if (ret < 0) {
		trace("refs", "'%s' is not plainly in git's files: asking git",
		      ref);
		return refs_commit(ref, 0, out, found);
	}
	return 0;
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
