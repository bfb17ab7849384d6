/*
 * Standalone replay driver for the fuzz targets in tests/fuzz/fuzz-*.c, after
 * libgit2's fuzzers/standalone_driver.c.
 *
 * `make check` links every fuzz target with this main() instead of libFuzzer,
 * so that the corpora are replayed as regression tests with gcc, under the
 * sanitizers and under valgrind.  Usage:
 *
 *   fuzz-<name> <file-or-directory>...
 *
 * Directories are walked recursively, in byte order of names; names starting
 * with '.' are skipped.  Each file is one input.  Output is TAP: the plan,
 * then "ok N - <file>" per input.  A crash in the target kills the process,
 * which the test runner sees as a short count and a non-zero exit.
 */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a fuzz target: a weak reference is NULL when it is absent. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

struct path_list {
	char **items;
	size_t nr, alloc;
};

static void *xrealloc(void *ptr, size_t size)
{
	void *ret = realloc(ptr, size ? size : 1);

	if (!ret) {
		fprintf(stderr, "fatal: out of memory\n");
		exit(2);
	}
	return ret;
}

static char *xstrdup(const char *s)
{
	size_t len = strlen(s) + 1;

	return memcpy(xrealloc(NULL, len), s, len);
}

static void path_list_add(struct path_list *list, char *path)
{
	if (list->nr == list->alloc) {
		list->alloc = list->alloc ? 2 * list->alloc : 64;
		list->items = xrealloc(list->items,
				       list->alloc * sizeof(*list->items));
	}
	list->items[list->nr++] = path;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add `path` (a file, or every file under a directory) to `list`. */
static int collect(struct path_list *list, const char *path)
{
	struct path_list names = { NULL, 0, 0 };
	struct dirent *de;
	struct stat st;
	DIR *dir;
	size_t i;
	int ret = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "error: cannot stat '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		path_list_add(list, xstrdup(path));
		return 0;
	}

	dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "error: cannot open directory '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	for (;;) {
		de = readdir(dir);
		if (!de)
			break;
		if (de->d_name[0] != '.')
			path_list_add(&names, xstrdup(de->d_name));
	}
	closedir(dir);

	qsort(names.items, names.nr, sizeof(*names.items), cmp_str);
	for (i = 0; i < names.nr; i++) {
		size_t len = strlen(path) + strlen(names.items[i]) + 2;
		char *full = xrealloc(NULL, len);

		snprintf(full, len, "%s/%s", path, names.items[i]);
		if (collect(list, full) < 0)
			ret = -1;
		free(full);
		free(names.items[i]);
	}
	free(names.items);
	return ret;
}

/*
 * Read all of `path` into a buffer of exactly its size, so that the
 * sanitizers and valgrind catch any read past the end of the input.
 */
static int read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, alloc = 0, n;

	if (!fp)
		return -1;
	for (;;) {
		if (len == alloc) {
			alloc = alloc ? 2 * alloc : 4096;
			buf = xrealloc(buf, alloc);
		}
		n = fread(buf + len, 1, alloc - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		int saved_errno = errno;

		fclose(fp);
		free(buf);
		errno = saved_errno;
		return -1;
	}
	fclose(fp);
	*data = xrealloc(buf, len);
	*size = len;
	return 0;
}

int main(int argc, char **argv)
{
	struct path_list inputs = { NULL, 0, 0 };
	int status = 0;
	size_t i;
	int a;

	if (argc < 2) {
		fprintf(stderr, "usage: %s <file-or-directory>...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);

	for (a = 1; a < argc; a++)
		if (collect(&inputs, argv[a]) < 0)
			status = 1;

	printf("1..%lu\n", (unsigned long)inputs.nr);
	fflush(stdout);
	for (i = 0; i < inputs.nr; i++) {
		uint8_t *data;
		size_t size;

		if (read_file(inputs.items[i], &data, &size) < 0) {
			printf("not ok %lu - %s # cannot read: %s\n",
			       (unsigned long)(i + 1), inputs.items[i],
			       strerror(errno));
			status = 1;
		} else {
			LLVMFuzzerTestOneInput(data, size);
			free(data);
			printf("ok %lu - %s\n", (unsigned long)(i + 1),
			       inputs.items[i]);
		}
		/* Keep what has passed visible if the next input crashes. */
		fflush(stdout);
		free(inputs.items[i]);
	}
	free(inputs.items);
	return status;
}
