/*
 * The state of one remote, in $GIT_COMMON_DIR/hightouch/<remote>/:
 *
 *   lock       flock()ed while a helper works on the remote
 *   state      the header: what the state is about (API, workspace,
 *              prefix), the commit it describes (and whether its manifest
 *              reads), and per list of the API its count, order and
 *              oldest and newest items
 *   resources  every resource seen: table, id, kind, updatedAt, slug;
 *              then `skip` lines: those the last fetch skipped, and the
 *              missing resource their file would name
 *
 * Both files are written to a temporary file and renamed, `resources`
 * first; the header names the hash of the `resources` it goes with, so a
 * helper killed between the two renames leaves a header that does not
 * match, which is read as "no state": the next fetch rebuilds it from the
 * API.  Nothing here is needed for correctness, only for speed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/json.h"
#include "hightouch/error.h"
#include "hightouch/fs.h"

#include "hightouch/time.h"
#include "helper.h"

#define STATE_VERSION "hightouch-state 1"
/* The state files are never larger than this. */
#define STATE_FILE_MAX (256u * 1024u * 1024u)

static const char *const dir_names[] = { "unknown", "asc", "desc", "none" };

int state_in_list(const struct resource *r, enum ht_kind list, int schema)
{
	enum ht_ids t = ht_kind_ids(list);

	/* the list of a whole id space, or a narrower one (the schema's) */
	if (ht_ids_kind(t) == list)
		return r->table == t;
	return schema && r->table == t && r->kind == list;
}

int64_t state_newest_ms(const struct state *s)
{
	int64_t newest = 0;
	size_t i;

	for (i = 0; i < HT_KIND__COUNT; i++)
		if (s->lists[i].valid && s->lists[i].newest_ms > newest)
			newest = s->lists[i].newest_ms;
	return newest;
}

/* The workspace of a listed item (helper.h says more). */
int state_check_workspace(struct state *s, const json_t *item)
{
	int64_t id;

	if (!s || ht_json_get_id(&id, item, "workspaceId") < 0) {
		ht_error_clear();
		return 0; /* a server that does not say: nothing to compare */
	}
	if (!s->workspace_id)
		s->workspace_id = id;
	if (id == s->workspace_id)
		return 0;
	return ht_error_set(HT_EAUTH, "remote '%s': its API key serves "
			    "workspace %" PRId64 ", but the remote's history "
			    "came from workspace %" PRId64 "; nothing was "
			    "written: give the remote its own key "
			    "(remote.%s.hightouchKeyEnv, or the credential "
			    "stored for its URL)", s->name, id,
			    s->workspace_id, s->name);
}

/*
 * Time
 */

/* updatedAt as milliseconds since the epoch, or -1 if it is not a time. */
int64_t parse_time_ms(const char *s)
{
	int64_t ms;

	if (!s || ht_time_parse(&ms, s, strlen(s)) < 0)
		return -1;
	return ms;
}

/*
 * The resources, in a hash table by (table, id).
 */

static uint64_t hash_key(enum ht_ids t, int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ULL + (uint64_t)t;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

/* Slots hold index + 1 into s->res; 0 is empty. */
static void rehash(struct state *s)
{
	size_t i, mask;

	free(s->slots);
	s->nslots = 64;
	while (s->nslots < s->nr * 2 + 2)
		s->nslots *= 2;
	mask = s->nslots - 1;
	s->slots = ht_xcalloc(s->nslots, sizeof(*s->slots));
	for (i = 0; i < s->nr; i++) {
		size_t h = hash_key(s->res[i].table, s->res[i].id) & mask;

		while (s->slots[h])
			h = (h + 1) & mask;
		s->slots[h] = i + 1;
	}
}

static size_t *find_slot(struct state *s, enum ht_ids t, int64_t id)
{
	size_t h, mask;

	if (!s->slots)
		rehash(s);
	mask = s->nslots - 1;
	h = hash_key(t, id) & mask;
	while (s->slots[h]) {
		struct resource *r = &s->res[s->slots[h] - 1];

		if (r->table == t && r->id == id)
			return &s->slots[h];
		h = (h + 1) & mask;
	}
	return &s->slots[h];
}

struct resource *state_find(struct state *s, enum ht_ids t, int64_t id)
{
	size_t *slot = find_slot(s, t, id);
	struct resource *r;

	if (!*slot)
		return NULL;
	r = &s->res[*slot - 1];
	return r->slug ? r : NULL;
}

int state_slug_of(const char **out, enum ht_kind kind, int64_t id,
		  void *payload)
{
	struct resource *r = state_find(payload, ht_kind_ids(kind), id);

	if (!r)
		return HT_ENOTFOUND;
	*out = r->slug;
	return 0;
}

struct resource *state_set(struct state *s, enum ht_ids t, int64_t id,
			   enum ht_kind kind, int64_t updated_ms,
			   const char *slug)
{
	size_t *slot = find_slot(s, t, id);
	struct resource *r;

	if (!*slot) {
		HT_ALLOC_GROW(s->res, s->nr + 1, s->alloc);
		r = &s->res[s->nr++];
		memset(r, 0, sizeof(*r));
		r->table = t;
		r->id = id;
		*slot = s->nr;
		if (s->nr * 2 > s->nslots)
			rehash(s);
	} else {
		r = &s->res[*slot - 1];
	}
	free(r->slug);
	r->slug = ht_xstrdup(slug);
	r->kind = kind;
	r->updated_ms = updated_ms;
	r->skipped = 0;
	return r;
}

void state_skip(struct resource *r, enum ht_ids miss_table, int64_t miss_id)
{
	r->skipped = 1;
	r->miss_table = miss_table;
	r->miss_id = miss_id;
}

void state_skip_reason(struct ht_strbuf *out, struct state *s,
		       const struct resource *r)
{
	const struct resource *m = state_find(s, r->miss_table, r->miss_id);

	ht_strbuf_addf(out, "its %s %" PRId64 " %s",
		       ht_ids_name(r->miss_table), r->miss_id,
		       m && m->skipped ? "was skipped" :
					 "is not in the workspace");
}

void state_remove(struct state *s, enum ht_ids t, int64_t id)
{
	struct resource *r = state_find(s, t, id);

	if (!r)
		return;
	free(r->slug);
	r->slug = NULL; /* a tombstone: the slot stays */
}

static void forget_map(struct state *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		free(s->res[i].slug);
	free(s->res);
	s->res = NULL;
	s->nr = s->alloc = 0;
	free(s->slots);
	s->slots = NULL;
	s->nslots = 0;
}

void state_clear_map(struct state *s)
{
	forget_map(s);
	s->map_loaded = 1; /* known to be empty */
}

/*
 * Files
 */

static char *path_of(const struct state *s, const char *name)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_strbuf_addf(&sb, "%s/%s", s->dir, name);
	return ht_strbuf_detach(&sb, NULL);
}

void state_peek(struct state *s, const char *commondir, const char *remote)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	s->schema = -1;
	ht_strbuf_addf(&sb, "%s/hightouch/%s", commondir, remote);
	s->dir = ht_strbuf_detach(&sb, NULL);
	s->name = ht_xstrdup(remote);
}

int state_open(struct state *s, const char *commondir, const char *remote)
{
	char *lock;
	int ret;

	state_peek(s, commondir, remote);
	ret = ht_mkdir_p(s->dir);
	if (ret < 0)
		return ret;
	lock = path_of(s, "lock");
	s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (s->lock_fd < 0) {
		ret = ht_error_set(HT_EIO, "cannot open '%s': %s", lock,
				   strerror(errno));
		goto cleanup;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		say(1, "waiting for another git-remote-hightouch working on "
		    "remote '%s'...", remote);
		while (flock(s->lock_fd, LOCK_EX) < 0)
			if (errno != EINTR) {
				ret = ht_error_set(HT_EIO, "cannot lock '%s': "
						   "%s", lock, strerror(errno));
				goto cleanup;
			}
	}
cleanup:
	free(lock);
	return ret;
}

void state_release(struct state *s)
{
	forget_map(s);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the lock */
	free(s->dir);
	free(s->name);
	free(s->source);
	free(s->prefix);
	free(s->map_id);
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
}

static char *next_line(char **p)
{
	char *line = *p, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (!nl)
		return NULL; /* every line ends in a newline */
	*nl = '\0';
	*p = nl + 1;
	return line;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_list_line(struct state *s, char *args)
{
	char *f[5], *save = NULL, *extra;
	int64_t v[3];
	size_t i;
	enum ht_kind k;

	for (i = 0; i < 5; i++) {
		f[i] = strtok_r(i ? NULL : args, " ", &save);
		if (!f[i])
			return -1;
	}
	extra = strtok_r(NULL, " ", &save);
	if (extra)
		return -1;
	k = ht_kind_from_name(f[0]);
	if (k == HT_KIND__COUNT || !ht_kind_info(k)->api_path)
		return -1;
	for (i = 0; i < 4; i++)
		if (!strcmp(f[2], dir_names[i]))
			break;
	if (i == 4)
		return -1;
	s->lists[k].dir = (enum list_dir)i;
	if (parse_i64(f[1], &v[0]) || v[0] < 0)
		return -1;
	for (i = 3; i < 5; i++)
		if (parse_i64(f[i], &v[i - 2]))
			return -1;
	s->lists[k].count = (uint64_t)v[0];
	s->lists[k].newest_id = v[1];
	s->lists[k].newest_ms = v[2];
	s->lists[k].valid = 1;
	return 0;
}

int state_load(struct state *s)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	char *path = path_of(s, "state"), *p, *line;
	int64_t schema;
	int ret, ok = 0;

	s->loaded = 0;
	s->manifest_ok = 0;
	ret = ht_strbuf_read_file(&sb, path, 1024 * 1024);
	if (ret < 0) {
		if (ret != HT_ENOTFOUND)
			trace("state", "cannot read '%s': %s", path,
			      ht_error_message());
		ht_error_clear();
		ret = 0;
		goto cleanup;
	}
	p = sb.buf;
	line = next_line(&p);
	if (!line || strcmp(line, STATE_VERSION))
		goto cleanup;
	while ((line = next_line(&p))) {
		if (!strcmp(line, "end")) {
			ok = 1;
			break;
		}
		if (!strncmp(line, "source ", 7)) {
			free(s->source);
			s->source = ht_xstrdup(line + 7);
		} else if (!strncmp(line, "prefix ", 7)) {
			free(s->prefix);
			s->prefix = ht_xstrdup(line + 7);
		} else if (!strncmp(line, "commit ", 7)) {
			if (refs_parse_oid(&s->commit, line + 7, '\0') < 0)
				goto cleanup;
		} else if (!strncmp(line, "schema ", 7)) {
			if (parse_i64(line + 7, &schema))
				goto cleanup;
			s->schema = schema < 0 ? -1 : schema > 0;
		} else if (!strncmp(line, "workspace ", 10)) {
			if (parse_i64(line + 10, &s->workspace_id))
				goto cleanup;
		} else if (!strncmp(line, "resources ", 10)) {
			free(s->map_id);
			s->map_id = ht_xstrdup(line + 10);
		} else if (!strcmp(line, "manifest ok")) {
			s->manifest_ok = 1;
		} else if (!strncmp(line, "list ", 5)) {
			if (parse_list_line(s, line + 5) < 0)
				goto cleanup;
		} else {
			goto cleanup;
		}
	}
	if (ok && s->source && s->prefix && s->map_id &&
	    !git_oid_is_zero(&s->commit))
		s->loaded = 1;
cleanup:
	if (!s->loaded) {
		trace("state", "no usable state in '%s'", s->dir);
		memset(s->lists, 0, sizeof(s->lists));
		s->workspace_id = 0;
	}
	ht_strbuf_release(&sb);
	free(path);
	return ret;
}

static int ids_from_name(const char *name)
{
	int t;

	for (t = 0; t < HT_IDS__COUNT; t++)
		if (!strcmp(name, ht_ids_name((enum ht_ids)t)))
			return t;
	return -1;
}

/* `skip <table> <id> <missing table> <missing id>`, after the resource. */
static int parse_skip(struct state *s, char **f)
{
	int t = ids_from_name(f[0]), mt = ids_from_name(f[2]);
	int64_t id, miss;
	struct resource *r;

	if (t < 0 || mt < 0 || parse_i64(f[1], &id) || parse_i64(f[3], &miss))
		return -1;
	r = state_find(s, (enum ht_ids)t, id);
	if (!r)
		return -1;
	state_skip(r, (enum ht_ids)mt, miss);
	return 0;
}

int state_load_map(struct state *s)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	char *path = path_of(s, "resources"), *p, *line;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id;
	int ret;

	if (s->map_loaded)
		goto cleanup_ok;
	forget_map(s);
	ret = ht_strbuf_read_file(&sb, path, STATE_FILE_MAX);
	if (ret < 0)
		goto bad;
	ret = odb_hash_blob(&id, sb.buf, sb.len);
	if (ret < 0)
		goto cleanup;
	git_oid_tostr(hex, sizeof(hex), &id);
	if (!s->map_id || strcmp(hex, s->map_id))
		goto bad;
	p = sb.buf;
	while ((line = next_line(&p))) {
		char *f[5], *save = NULL;
		int64_t rid, ms;
		size_t n = 0;
		int t;
		enum ht_kind k = HT_KIND__COUNT;

		f[0] = strtok_r(line, " ", &save);
		for (n = 1; n < 4 && f[n - 1]; n++)
			f[n] = strtok_r(NULL, " ", &save);
		f[4] = save; /* the slug: the rest of the line */
		if (n != 4 || !f[3] || !f[4] || !*f[4])
			goto bad;
		if (!strcmp(f[0], "skip")) {
			if (parse_skip(s, f + 1) < 0)
				goto bad;
			continue;
		}
		t = ids_from_name(f[0]);
		if (t < 0 || parse_i64(f[1], &rid) || parse_i64(f[3], &ms))
			goto bad;
		if (strcmp(f[2], "-")) {
			k = ht_kind_from_name(f[2]);
			if (k == HT_KIND__COUNT)
				goto bad;
		}
		state_set(s, (enum ht_ids)t, rid, k, ms, f[4]);
	}
	if (p && *p)
		goto bad;
cleanup_ok:
	s->map_loaded = 1;
	ret = 0;
	goto cleanup;
bad:
	ht_error_clear();
	forget_map(s);
	s->map_loaded = 0;
	ret = ht_error_set(HT_EINVALID, "the state in '%s' is damaged",
			   s->dir);
cleanup:
	ht_strbuf_release(&sb);
	free(path);
	return ret;
}

/* Write `sb` to `name` atomically: a temporary file, then rename(2). */
static int write_atomic(struct state *s, const char *name,
			const struct ht_strbuf *sb)
{
	char *path = path_of(s, name);
	struct ht_strbuf tmp = HT_STRBUF_INIT;
	FILE *f = NULL;
	int ret = 0;

	ht_strbuf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	crash_point("before writing a state file");
	f = fopen(tmp.buf, "wb");
	if (!f) {
		ret = ht_error_set(HT_EIO, "cannot write '%s': %s", tmp.buf,
				   strerror(errno));
		goto cleanup;
	}
	if (fwrite(sb->buf, 1, sb->len, f) != sb->len) {
		ret = ht_error_set(HT_EIO, "cannot write '%s': %s", tmp.buf,
				   strerror(errno));
		goto cleanup;
	}
	if (fclose(f)) {
		f = NULL;
		ret = ht_error_set(HT_EIO, "cannot write '%s': %s", tmp.buf,
				   strerror(errno));
		goto cleanup;
	}
	f = NULL;
	if (rename(tmp.buf, path) < 0)
		ret = ht_error_set(HT_EIO, "cannot rename '%s': %s", tmp.buf,
				   strerror(errno));
cleanup:
	if (f)
		fclose(f);
	if (ret < 0)
		unlink(tmp.buf);
	ht_strbuf_release(&tmp);
	free(path);
	return ret;
}

static int cmp_res(const void *va, const void *vb)
{
	const struct resource *a = *(const struct resource *const *)va;
	const struct resource *b = *(const struct resource *const *)vb;

	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

int state_save(struct state *s)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct resource **sorted = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	git_oid id;
	size_t i, n = 0;
	int ret;

	sorted = ht_xcalloc(s->nr ? s->nr : 1, sizeof(*sorted));
	for (i = 0; i < s->nr; i++)
		if (s->res[i].slug)
			sorted[n++] = &s->res[i];
	qsort(sorted, n, sizeof(*sorted), cmp_res);
	for (i = 0; i < n; i++) {
		const struct resource *r = sorted[i];

		ht_strbuf_addf(&sb, "%s %" PRId64 " %s %" PRId64 " %s\n",
			       ht_ids_name(r->table), r->id,
			       r->kind == HT_KIND__COUNT ?
				       "-" : ht_kind_info(r->kind)->name,
			       r->updated_ms, r->slug);
	}
	for (i = 0; i < n; i++) {
		const struct resource *r = sorted[i];

		if (r->skipped)
			ht_strbuf_addf(&sb, "skip %s %" PRId64 " %s %" PRId64
				       "\n", ht_ids_name(r->table), r->id,
				       ht_ids_name(r->miss_table), r->miss_id);
	}
	ret = odb_hash_blob(&id, sb.buf, sb.len);
	if (ret < 0)
		goto cleanup;
	ret = write_atomic(s, "resources", &sb);
	if (ret < 0)
		goto cleanup;
	crash_point("between the state files");
	free(s->map_id);
	s->map_id = ht_xstrdup(git_oid_tostr(hex, sizeof(hex), &id));

	ht_strbuf_reset(&sb);
	ht_strbuf_addf(&sb, "%s\nsource %s\nprefix %s\ncommit %s\n"
		       "schema %d\nresources %s\n", STATE_VERSION, s->source,
		       s->prefix, git_oid_tostr(hex, sizeof(hex), &s->commit),
		       s->schema, s->map_id);
	if (s->workspace_id)
		ht_strbuf_addf(&sb, "workspace %" PRId64 "\n", s->workspace_id);
	if (s->manifest_ok)
		ht_strbuf_addstr(&sb, "manifest ok\n");
	for (i = 0; i < HT_KIND__COUNT; i++) {
		const struct list_state *l = &s->lists[i];

		if (!l->valid)
			continue;
		ht_strbuf_addf(&sb, "list %s %" PRIu64 " %s %" PRId64
			       " %" PRId64 "\n",
			       ht_kind_info((enum ht_kind)i)->name, l->count,
			       dir_names[l->dir], l->newest_id, l->newest_ms);
	}
	ht_strbuf_addstr(&sb, "end\n");
	ret = write_atomic(s, "state", &sb);
	if (!ret) {
		s->loaded = 1;
		crash_point("after writing the state");
	}
cleanup:
	free(sorted);
	ht_strbuf_release(&sb);
	return ret;
}
