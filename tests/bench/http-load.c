/*
 * http-load: a tiny HTTP load client for the benchmarks (not a test).
 *
 *   http-load [--threads N] [--requests N | --seconds S]
 *             [--header-file FILE] URL-FILE
 *
 * Each thread keeps one connection open (libcurl reuses it) and requests
 * the URLs of URL-FILE (one a line) in turn, starting at a different line
 * per thread.  Prints one line:
 *
 *   requests=N errors=N seconds=S rps=R median_us=M p90_us=P p99_us=Q
 *
 * Built by tests/bench/emulator-bench with `cc ... $(pkg-config --cflags
 * --libs libcurl) -lpthread`; not part of `make`.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

struct shared {
	char **urls;
	size_t nurls;
	struct curl_slist *headers;
	long requests;  /* per thread, or 0 */
	double seconds; /* or 0 */
};

struct worker {
	pthread_t thread;
	const struct shared *sh;
	size_t first;
	long done, errors;
	long *lat_us;
	size_t nlat, alloc;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t size, size_t n, void *data)
{
	(void)p;
	(void)data;
	return size * n;
}

static void record(struct worker *w, long us)
{
	if (w->nlat == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 4096;
		w->lat_us = realloc(w->lat_us, w->alloc * sizeof(*w->lat_us));
		if (!w->lat_us) {
			fprintf(stderr, "fatal: out of memory\n");
			exit(128);
		}
	}
	w->lat_us[w->nlat++] = us;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	const struct shared *sh = w->sh;
	CURL *c = curl_easy_init();
	double start = now(), t0;
	size_t i = w->first;
	long code;

	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, sh->headers);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	for (;;) {
		if (sh->requests && w->done >= sh->requests)
			break;
		if (sh->seconds && now() - start >= sh->seconds)
			break;
		curl_easy_setopt(c, CURLOPT_URL, sh->urls[i % sh->nurls]);
		i++;
		t0 = now();
		if (curl_easy_perform(c) != CURLE_OK ||
		    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) !=
			    CURLE_OK ||
		    code != 200)
			w->errors++;
		record(w, (long)((now() - t0) * 1e6));
		w->done++;
	}
	curl_easy_cleanup(c);
	return NULL;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static char **read_lines(const char *path, size_t *nr)
{
	char line[4096], **out = NULL;
	size_t alloc = 0;
	FILE *f = fopen(path, "r");

	*nr = 0;
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		if (*nr == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			out = realloc(out, alloc * sizeof(*out));
			if (!out)
				exit(128);
		}
		out[(*nr)++] = strdup(line);
	}
	fclose(f);
	return out;
}

int main(int argc, char **argv)
{
	struct shared sh;
	struct worker *w;
	const char *header_file = NULL, *url_file = NULL;
	long threads = 1, total = 0, errors = 0, *all;
	size_t nall = 0, i, nheaders = 0;
	char **headers = NULL;
	double start, secs;
	int a;

	memset(&sh, 0, sizeof(sh));
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--threads") && a + 1 < argc)
			threads = atol(argv[++a]);
		else if (!strcmp(argv[a], "--requests") && a + 1 < argc)
			sh.requests = atol(argv[++a]);
		else if (!strcmp(argv[a], "--seconds") && a + 1 < argc)
			sh.seconds = atof(argv[++a]);
		else if (!strcmp(argv[a], "--header-file") && a + 1 < argc)
			header_file = argv[++a];
		else if (!url_file)
			url_file = argv[a];
		else
			goto usage;
	}
	if (!url_file || threads < 1 || (!sh.requests && !sh.seconds))
		goto usage;
	sh.urls = read_lines(url_file, &sh.nurls);
	if (!sh.nurls) {
		fprintf(stderr, "fatal: no URLs in '%s'\n", url_file);
		return 128;
	}
	if (header_file)
		headers = read_lines(header_file, &nheaders);
	for (i = 0; i < nheaders; i++)
		sh.headers = curl_slist_append(sh.headers, headers[i]);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	w = calloc((size_t)threads, sizeof(*w));
	if (!w)
		return 128;
	start = now();
	for (a = 0; a < threads; a++) {
		w[a].sh = &sh;
		w[a].first = (size_t)a * (sh.nurls / (size_t)threads + 1);
		pthread_create(&w[a].thread, NULL, run, &w[a]);
	}
	for (a = 0; a < threads; a++) {
		pthread_join(w[a].thread, NULL);
		total += w[a].done;
		errors += w[a].errors;
		nall += w[a].nlat;
	}
	secs = now() - start;
	all = malloc((nall + 1) * sizeof(*all));
	if (!all)
		return 128;
	nall = 0;
	for (a = 0; a < threads; a++) {
		memcpy(all + nall, w[a].lat_us, w[a].nlat * sizeof(*all));
		nall += w[a].nlat;
		free(w[a].lat_us);
	}
	qsort(all, nall, sizeof(*all), cmp_long);
	printf("requests=%ld errors=%ld seconds=%.2f rps=%.0f median_us=%ld "
	       "p90_us=%ld p99_us=%ld\n", total, errors, secs, total / secs,
	       nall ? all[nall / 2] : 0, nall ? all[nall * 9 / 10] : 0,
	       nall ? all[nall * 99 / 100] : 0);
	free(all);
	free(w);
	curl_slist_free_all(sh.headers);
	for (i = 0; i < nheaders; i++)
		free(headers[i]);
	free(headers);
	for (i = 0; i < sh.nurls; i++)
		free(sh.urls[i]);
	free(sh.urls);
	curl_global_cleanup();
	return errors ? 1 : 0;
usage:
	fprintf(stderr, "usage: http-load [--threads N] [--requests N | "
		"--seconds S] [--header-file FILE] URL-FILE\n");
	return 129;
}
