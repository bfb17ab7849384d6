/*
 * Unit tests for the core: strbuf (with its cap), files read in batches,
 * errors, diagnostics.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <liburing.h>

#include "hightouch/alloc.h"
#include "hightouch/batchread.h"
#include "hightouch/diag.h"
#include "hightouch/error.h"
#include "hightouch/fs.h"
#include "hightouch/strbuf.h"
#include "hightouch/time.h"

static void test_strbuf_init(void **state)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	(void)state;
	assert_non_null(sb.buf);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	ht_strbuf_release(&sb);
	ht_strbuf_release(&sb); /* twice is safe */
	assert_string_equal(sb.buf, "");
}

static void test_strbuf_add(void **state)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	char *s;
	size_t len;
	int i;

	(void)state;
	assert_int_equal(ht_strbuf_addstr(&sb, "abc"), 0);
	assert_int_equal(ht_strbuf_addch(&sb, '\0'), 0);
	assert_int_equal(ht_strbuf_addf(&sb, "%d-%s", 42, "x"), 0);
	assert_int_equal(sb.len, 8);
	assert_memory_equal(sb.buf, "abc\0" "42-x", 9);
	for (i = 0; i < 1000; i++)
		ht_strbuf_addchars(&sb, 'z', 10);
	assert_int_equal(sb.len, 10008);
	assert_int_equal(sb.buf[sb.len], '\0');
	ht_strbuf_setlen(&sb, 3);
	assert_string_equal(sb.buf, "abc");
	s = ht_strbuf_detach(&sb, &len);
	assert_int_equal(len, 3);
	assert_string_equal(s, "abc");
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	free(s);
	s = ht_strbuf_detach(&sb, NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_strbuf_cap(void **state)
{
	struct ht_strbuf sb;

	(void)state;
	ht_strbuf_init_capped(&sb, 8);
	assert_int_equal(ht_strbuf_addstr(&sb, "12345678"), 0);
	assert_int_equal(ht_strbuf_addch(&sb, '9'), HT_ETOOBIG);
	assert_int_equal(sb.len, 8);
	assert_string_equal(sb.buf, "12345678");
	assert_string_equal(ht_error_message(),
			    "buffer would exceed its limit of 8 bytes");
	assert_int_equal(ht_strbuf_addf(&sb, "%s", "x"), HT_ETOOBIG);
	ht_strbuf_reset(&sb);
	assert_int_equal(ht_strbuf_addf(&sb, "%s", "x"), 0);
	ht_strbuf_release(&sb);
}

static void test_strbuf_read_file(void **state)
{
	char path[] = "/tmp/t-core-XXXXXX";
	int fd = mkstemp(path);
	struct ht_strbuf sb = HT_STRBUF_INIT;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	assert_int_equal(ht_strbuf_read_file(&sb, path, 0), 0);
	assert_string_equal(sb.buf, "hello\n");
	ht_strbuf_reset(&sb);
	assert_int_equal(ht_strbuf_read_file(&sb, path, 5), HT_ETOOBIG);
	ht_strbuf_reset(&sb);
	assert_int_equal(ht_strbuf_read_file(&sb, path, 6), 0); /* exactly */
	assert_string_equal(sb.buf, "hello\n");
	assert_int_equal(ht_strbuf_read_file(&sb, path, 0), 0); /* appends */
	assert_string_equal(sb.buf, "hello\nhello\n");
	ht_strbuf_release(&sb);
	ht_strbuf_init_capped(&sb, 5); /* the buffer's cap as the limit */
	assert_int_equal(ht_strbuf_read_file(&sb, path, 0), HT_ETOOBIG);
	ht_strbuf_release(&sb);
	ht_strbuf_init_capped(&sb, 8); /* a limit above the cap */
	ht_strbuf_addstr(&sb, "abc");
	assert_int_equal(ht_strbuf_read_file(&sb, path, 100), HT_ETOOBIG);
	ht_strbuf_release(&sb);
	ht_strbuf_init_capped(&sb, 8);
	ht_strbuf_addstr(&sb, "a");
	assert_int_equal(ht_strbuf_read_file(&sb, path, 100), 0);
	assert_string_equal(sb.buf, "ahello\n");
	ht_strbuf_release(&sb);
	/* not a regular file: read to its end */
	assert_int_equal(ht_strbuf_read_file(&sb, "/dev/null", 0), 0);
	assert_int_equal(sb.len, 0);
	assert_int_equal(ht_strbuf_read_file(&sb, "/tmp", 0), HT_EIO);
	assert_non_null(strstr(ht_error_message(), "cannot read '"));
	unlink(path);
	assert_int_equal(ht_strbuf_read_file(&sb, path, 0), HT_ENOTFOUND);
	assert_non_null(strstr(ht_error_message(), "cannot open '"));
	ht_strbuf_release(&sb);
}

#define NBATCH 70 /* more than one batch of the ring (32) */

/* Where each kind of file a batch may meet is, among NBATCH. */
enum {
	SHORTER = 3, LONGER, MISSING, FIFO, FOLDER, EMPTY, PAGE, PAGE_MORE,
	CAP_LESS, CAP_AT /* a byte under BATCH_CAP, and BATCH_CAP */
};

/*
 * The batch as read: of the sizes said (`cap` 0), or whole under `cap`
 * (BATCH_CAP: not PAGE_MORE or CAP_AT), where a size said wrongly is no
 * matter.
 */
#define BATCH_CAP 6000

/* What file `i` holds (PAGE_MORE: a page more than it is said to). */
static void batch_content(struct ht_strbuf *sb, int i)
{
	int r;

	ht_strbuf_reset(sb);
	if (i == PAGE || i == PAGE_MORE)
		ht_strbuf_addchars(sb, 'a' + i, i == PAGE ? 4096 : 8192);
	else if (i == CAP_LESS || i == CAP_AT)
		ht_strbuf_addchars(sb, 'a' + i,
				   i == CAP_AT ? BATCH_CAP : BATCH_CAP - 1);
	else if (i != EMPTY)
		for (r = 0; r <= i % 5; r++)
			ht_strbuf_addf(sb, "file %d\n", i);
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ht_write_all(fd, data, len), 0);
	assert_int_equal(close(fd), 0);
}

static void batch_files(const char *base, char names[][16], size_t *size)
{
	struct ht_strbuf sb = HT_STRBUF_INIT, path = HT_STRBUF_INIT;
	int i;

	for (i = 0; i < NBATCH; i++) {
		snprintf(names[i], 16, "f%d", i);
		batch_content(&sb, i);
		size[i] = sb.len;
		ht_strbuf_reset(&path);
		ht_strbuf_addf(&path, "%s/%s", base, names[i]);
		if (i == FIFO)
			assert_int_equal(mkfifo(path.buf, 0600), 0);
		else if (i == FOLDER)
			assert_int_equal(mkdir(path.buf, 0700), 0);
		else if (i != MISSING)
			write_file(path.buf, sb.buf, sb.len);
	}
	size[SHORTER]++; /* the file is a byte short of it */
	size[LONGER]--;
	size[FIFO] = size[FOLDER] = 10;
	size[PAGE_MORE] = 4096;
	ht_strbuf_release(&sb);
	ht_strbuf_release(&path);
}

/* Whether this process could start io_uring as the reader does. */
static int have_io_uring(void)
{
	struct io_uring ring;
	int ok;

	if (io_uring_queue_init(8, &ring, 0) < 0)
		return 0;
	ok = io_uring_register_files_sparse(&ring, 4) == 0;
	io_uring_queue_exit(&ring);
	return ok;
}

static void check_batch(struct ht_batch_file *f, size_t cap)
{
	struct ht_strbuf want = HT_STRBUF_INIT;
	int i;

	for (i = 0; i < NBATCH; i++) {
		int bad = i == MISSING || i == FIFO || i == FOLDER ||
			  i == PAGE_MORE || (cap && i == CAP_AT) ||
			  (!cap && (i == SHORTER || i == LONGER));

		assert_int_equal(f[i].ok, !bad);
		batch_content(&want, i);
		if (bad) {
			assert_int_equal(f[i].out->len, 0);
			continue;
		}
		assert_int_equal(f[i].size, want.len);
		assert_memory_equal(f[i].out->buf, want.buf,
				    want.len + 1); /* and the NUL */
	}
	ht_strbuf_release(&want);
}

static void batch_read(int no_ring, size_t cap)
{
	char base[] = "/tmp/t-core-XXXXXX", names[NBATCH][16];
	struct ht_batch_read b = HT_BATCH_READ_INIT;
	struct ht_batch_file f[NBATCH];
	struct ht_strbuf out[NBATCH], path = HT_STRBUF_INIT;
	size_t size[NBATCH];
	int dir, writer, i, round;

	assert_non_null(mkdtemp(base));
	batch_files(base, names, size);
	dir = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir >= 0);
	/* a FIFO with a writer that writes nothing: never waited for */
	writer = openat(dir, names[FIFO], O_RDWR | O_NONBLOCK | O_CLOEXEC);
	assert_true(writer >= 0);
	b.no_ring = no_ring;
	for (i = 0; i < NBATCH; i++) {
		ht_strbuf_init(&out[i], 0);
		ht_strbuf_addstr(&out[i], "stale");
		f[i].path = names[i];
		f[i].out = &out[i];
	}
	/* twice: the ring's slots are used again; a hang fails */
	alarm(20);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < NBATCH; i++)
			f[i].size = size[i];
		if (cap)
			ht_batch_read_small(&b, dir, f, NBATCH, cap);
		else
			ht_batch_read_sized(&b, dir, f, NBATCH);
		check_batch(f, cap);
	}
	alarm(0);
	if (!no_ring && have_io_uring())
		assert_non_null(b.ring);
	else if (!no_ring)
		print_message("io_uring is not available here: only the "
			      "plain reads were tested\n");
	ht_batch_read_release(&b);
	assert_null(b.ring);
	close(writer);
	close(dir);
	for (i = 0; i < NBATCH; i++) {
		ht_strbuf_release(&out[i]);
		ht_strbuf_reset(&path);
		ht_strbuf_addf(&path, "%s/%s", base, names[i]);
		if (i == FOLDER)
			assert_int_equal(rmdir(path.buf), 0);
		else if (i != MISSING)
			assert_int_equal(unlink(path.buf), 0);
	}
	assert_int_equal(rmdir(base), 0);
	ht_strbuf_release(&path);
}

static void test_batch_read(void **state)
{
	(void)state;
	batch_read(0, 0); /* through io_uring where there is one */
	batch_read(1, 0); /* one by one */
	batch_read(0, BATCH_CAP); /* sizes not known */
	batch_read(1, BATCH_CAP);
}

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void test_mkdir_p(void **state)
{
	char base[] = "/tmp/t-core-XXXXXX";
	struct ht_strbuf sb = HT_STRBUF_INIT;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(base));
	ht_strbuf_addf(&sb, "%s/a/b/c", base);
	assert_int_equal(ht_mkdir_p(sb.buf), 0);
	assert_true(is_dir(sb.buf));
	assert_int_equal(ht_mkdir_p(sb.buf), 0); /* there already */
	ht_strbuf_reset(&sb);
	ht_strbuf_addf(&sb, "%s//a/d/", base); /* doubled and trailing '/' */
	assert_int_equal(ht_mkdir_p(sb.buf), 0);
	ht_strbuf_reset(&sb);
	ht_strbuf_addf(&sb, "%s/a/d", base);
	assert_true(is_dir(sb.buf));

	/* a file in the way: named, whether last or a parent */
	ht_strbuf_reset(&sb);
	ht_strbuf_addf(&sb, "%s/f", base);
	fp = fopen(sb.buf, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(ht_mkdir_p(sb.buf), HT_EIO);
	assert_non_null(strstr(ht_error_message(), "/f': Not a directory"));
	ht_strbuf_addstr(&sb, "/g");
	assert_int_equal(ht_mkdir_p(sb.buf), HT_EIO);
	assert_non_null(strstr(ht_error_message(), "/f': Not a directory"));
	assert_int_equal(ht_mkdir_p(""), HT_EIO);
	assert_string_equal(ht_error_message(),
			    "cannot create '': No such file or directory");

	ht_strbuf_reset(&sb);
	ht_strbuf_addf(&sb, "%s/f", base);
	assert_int_equal(unlink(sb.buf), 0);
	ht_strbuf_reset(&sb);
	ht_strbuf_addf(&sb, "%s/a/b/c", base);
	assert_int_equal(rmdir(sb.buf), 0);
	ht_strbuf_setlen(&sb, sb.len - 2);
	assert_int_equal(rmdir(sb.buf), 0);
	ht_strbuf_reset(&sb);
	ht_strbuf_addf(&sb, "%s/a/d", base);
	assert_int_equal(rmdir(sb.buf), 0);
	ht_strbuf_setlen(&sb, sb.len - 2);
	assert_int_equal(rmdir(sb.buf), 0);
	assert_int_equal(rmdir(base), 0);
	ht_strbuf_release(&sb);
}

static int fails(void)
{
	return ht_error_set(HT_EINVALID, "bad value '%s'", "x");
}

static void test_errors(void **state)
{
	char longmsg[3000];

	(void)state;
	ht_error_clear();
	assert_int_equal(ht_error_code(), HT_OK);
	assert_string_equal(ht_error_message(), "success");
	assert_int_equal(fails(), HT_EINVALID);
	assert_int_equal(ht_error_code(), HT_EINVALID);
	assert_string_equal(ht_error_message(), "bad value 'x'");
	assert_string_equal(ht_error_name(HT_ENOTFOUND), "ENOTFOUND");
	assert_string_equal(ht_error_default_message(HT_ETOODEEP),
			    "nesting limit exceeded");
	assert_string_equal(ht_error_default_message(-999), "unknown error");
	memset(longmsg, 'a', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	ht_error_set(HT_ERROR, "%s", longmsg);
	assert_int_equal(strlen(ht_error_message()), HT_ERROR_MAX - 1);
	assert_string_equal(ht_error_message() + HT_ERROR_MAX - 4, "...");
}

static void test_error_wrap(void **state)
{
	char longmsg[3000];

	(void)state;
	ht_error_set(HT_ENOTFOUND, "no sync '%s'", "x");
	assert_int_equal(ht_error_wrap(HT_EINVALID, "nothing was %s",
				       "triggered"), HT_EINVALID);
	assert_int_equal(ht_error_code(), HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "nothing was triggered: no sync 'x'");
	/* the context and the message each fit, and the whole is cut */
	memset(longmsg, 'a', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	ht_error_set(HT_ERROR, "%s", longmsg);
	ht_error_wrap(HT_ERROR, "context");
	assert_int_equal(strlen(ht_error_message()), HT_ERROR_MAX - 1);
	assert_memory_equal(ht_error_message(), "context: aaa", 12);
	ht_error_clear();
}

static void test_path_normalize(void **state)
{
	static const char *const cases[][2] = {
		{ "a/b/c", "a/b/c" },
		{ "a/./b//c/", "a/b/c" },
		{ "a/b/../c", "a/c" },
		{ "sub/../syncs/x.yaml", "syncs/x.yaml" },
		{ ".", "" },
		{ "", "" },
		{ "a/..", "" },
		{ "./a/b/../../c", "c" },
	};
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ht_path_normalize(&sb, cases[i][0]), 0);
		assert_string_equal(sb.buf, cases[i][1]);
	}
	assert_int_equal(ht_path_normalize(&sb, "../x"), HT_EINVALID);
	assert_string_equal(ht_error_message(), "'../x' leaves its top folder");
	assert_int_equal(ht_path_normalize(&sb, "a/../../x"), HT_EINVALID);
	ht_strbuf_release(&sb);
}

/* Command-line paths, from the work tree's root. */
static void test_path_from_top(void **state)
{
	static const char *const cases[][3] = {
		/* cwd_rel, arg, from the root */
		{ "", "models/a.yaml", "models/a.yaml" },
		{ "models", "a.yaml", "models/a.yaml" },
		/* as git rev-parse --show-prefix gives it */
		{ "models/", "a.yaml", "models/a.yaml" },
		{ "models", "../syncs/b.yaml", "syncs/b.yaml" },
		{ "models", "..", "" },
		{ "", "/repo/syncs/b.yaml", "syncs/b.yaml" },
		{ "models", "/repo", "" },
		{ "", "/repo/", "" },
	};
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ht_path_from_top(&sb, "/repo", cases[i][0],
						  cases[i][1]),
				 0);
		assert_string_equal(sb.buf, cases[i][2]);
	}
	assert_int_equal(ht_path_from_top(&sb, "/repo", "models", "../../x"),
			 HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "'../../x' is outside the repository");
	assert_int_equal(ht_path_from_top(&sb, "/repo", "", "/repository/x"),
			 HT_EINVALID);
	assert_int_equal(ht_path_from_top(&sb, "/repo", "", "/elsewhere"),
			 HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "'/elsewhere' is outside the repository");
	/* quoted as git quotes paths */
	assert_int_equal(ht_path_from_top(&sb, "/repo", "", "../a\tb"),
			 HT_EINVALID);
	assert_string_equal(ht_error_message(),
			    "'\"../a\\tb\"' is outside the repository");
	/* a work tree at the root holds every absolute path */
	assert_int_equal(ht_path_from_top(&sb, "/", "", "/repo/x"), 0);
	assert_string_equal(sb.buf, "repo/x");
	ht_error_clear();
	ht_strbuf_release(&sb);
}

static void test_alloc_grow(void **state)
{
	int *v = NULL;
	size_t nr = 0, alloc = 0, i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		HT_ALLOC_GROW(v, nr + 1, alloc);
		v[nr++] = (int)i;
	}
	assert_true(alloc >= 1000);
	assert_int_equal(v[999], 999);
	free(v);
	assert_int_equal(ht_st_add(1, 2), 3);
	assert_int_equal(ht_st_mult(3, 4), 12);
}

static void test_diags(void **state)
{
	struct ht_diags d = HT_DIAGS_INIT;
	struct ht_strbuf sb = HT_STRBUF_INIT;

	(void)state;
	ht_diags_add(&d, HT_SEV_WARNING, "models/b.yaml", 3, 1,
		     "unknown-field", "unknown field '%s'", "nmae");
	ht_diags_add(&d, HT_SEV_ERROR, "models/a.yaml", 7, 2,
		     "missing-field", "missing field 'name'");
	ht_diags_add(&d, HT_SEV_ERROR, "models/a.yaml", 2, 9, "wrong-type",
		     "x");
	assert_int_equal(d.nerrors, 2);
	assert_int_equal(d.nwarnings, 1);
	ht_diags_sort(&d);
	assert_string_equal(d.items[0].rule, "wrong-type");
	assert_string_equal(d.items[2].path, "models/b.yaml");
	ht_diag_format(&sb, &d.items[2]);
	assert_string_equal(sb.buf, "models/b.yaml:3:1: warning: unknown "
				    "field 'nmae' [unknown-field]");
	ht_strbuf_reset(&sb);
	ht_diag_format(&sb, &d.items[1]);
	assert_string_equal(sb.buf, "models/a.yaml:7:2: error: missing field "
				    "'name' [missing-field]");
	ht_strbuf_release(&sb);
	ht_diags_release(&d);
	assert_int_equal(d.nr, 0);
}

/* The same findings twice (two checks of one file), interleaved: once. */
static void test_diags_uniq(void **state)
{
	struct ht_diags d = HT_DIAGS_INIT;
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		ht_diags_add(&d, HT_SEV_ERROR, "m.yaml", 1, 1, "a", "one");
		ht_diags_add(&d, HT_SEV_WARNING, "m.yaml", 1, 1, "b", "two");
		ht_diags_add(&d, HT_SEV_ERROR, "m.yaml", 2, 1, "a", "three");
	}
	ht_diags_add(&d, HT_SEV_ERROR, "m.yaml", 1, 1, "a", "other");
	ht_diags_add(&d, HT_SEV_WARNING, "m.yaml", 1, 1, "a", "one");
	ht_diags_sort(&d);
	ht_diags_uniq(&d);
	assert_int_equal(d.nr, 5);
	assert_int_equal(d.nerrors, 3);
	assert_int_equal(d.nwarnings, 2);
	assert_string_equal(d.items[0].message, "one");
	assert_string_equal(d.items[1].message, "two");
	assert_string_equal(d.items[2].message, "other");
	assert_int_equal(d.items[3].severity, HT_SEV_WARNING);
	assert_string_equal(d.items[4].message, "three");
	ht_diags_release(&d);
}

static int parse(int64_t *ms, const char *s)
{
	return ht_time_parse(ms, s, strlen(s));
}

static void test_time_parse(void **state)
{
	static const char *const bad_syntax[] = {
		"", "2024", "2024-1-01", "2024-13-01", "2024-01-32",
		"2024-01-01T", "2024-01-01T24:00", "2024-01-01T10:00:00.",
		"2024-01-01T10:00:00+01:", "2024-01-01T10:00:00+1",
		"2024-01-01T10:00:00Zx", "2024-01-01x", NULL
	};
	int64_t ms = 0;
	size_t i;

	(void)state;
	assert_int_equal(parse(&ms, "1970-01-01T00:00:00.000Z"), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(parse(&ms, "2022-02-16T21:37:58.510Z"), 0);
	assert_int_equal(ms, 1645047478510LL);
	assert_int_equal(parse(&ms, "2022-02-16T22:37:58.510+01:00"), 0);
	assert_int_equal(ms, 1645047478510LL);
	assert_int_equal(parse(&ms, "2022-02-16T2237"), HT_ESYNTAX);
	assert_int_equal(parse(&ms, "2022-02-16 21:37+0000"), 0);
	assert_int_equal(ms, 1645047420000LL);
	assert_int_equal(parse(&ms, "2022-02-16"), 0);
	assert_int_equal(ms, 1644969600000LL);
	assert_int_equal(parse(NULL, "2024-02-29"), 0);
	assert_int_equal(parse(NULL, "2023-02-29T02:00:00Z"), HT_EINVALID);
	assert_int_equal(parse(NULL, "2100-02-29"), HT_EINVALID);
	assert_int_equal(parse(NULL, "2000-02-29"), 0);
	assert_int_equal(parse(NULL, "2024-04-31"), HT_EINVALID);
	for (i = 0; bad_syntax[i]; i++)
		if (parse(NULL, bad_syntax[i]) != HT_ESYNTAX)
			fail_msg("'%s' was not a syntax error", bad_syntax[i]);
}

static void test_time_format(void **state)
{
	static const char *const round_trip[] = {
		"1970-01-01T00:00:00.000Z", "2022-02-16T21:37:58.510Z",
		"2024-02-29T23:59:59.999Z", "2000-03-01T00:00:00.001Z",
		"1969-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z",
		"9999-12-31T23:59:59.999Z", NULL
	};
	char buf[HT_TIME_LEN];
	int64_t ms;
	size_t i;

	(void)state;
	ht_time_format(buf, 1645047478510LL);
	assert_string_equal(buf, "2022-02-16T21:37:58.510Z");
	ht_time_format(buf, -1);
	assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
	for (i = 0; round_trip[i]; i++) {
		assert_int_equal(parse(&ms, round_trip[i]), 0);
		ht_time_format(buf, ms);
		assert_string_equal(buf, round_trip[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_init),
		cmocka_unit_test(test_strbuf_add),
		cmocka_unit_test(test_strbuf_cap),
		cmocka_unit_test(test_strbuf_read_file),
		cmocka_unit_test(test_batch_read),
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_wrap),
		cmocka_unit_test(test_path_normalize),
		cmocka_unit_test(test_path_from_top),
		cmocka_unit_test(test_alloc_grow),
		cmocka_unit_test(test_diags),
		cmocka_unit_test(test_diags_uniq),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_time_format),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
