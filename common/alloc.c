/*
 * Allocation wrappers: out of memory is fatal (see alloc.h).
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hightouch/alloc.h"

void ht_die_oom(void)
{
	static const char msg[] = "fatal: out of memory\n";

	fflush(stdout);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		exit(128); /* nothing more can be said */
	exit(128);
}

void *ht_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		ht_die_oom();
	return p;
}

void *ht_xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (!nmemb || !size)
		nmemb = size = 1;
	p = calloc(nmemb, size);
	if (!p)
		ht_die_oom();
	return p;
}

void *ht_xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		ht_die_oom();
	return p;
}

char *ht_xstrdup(const char *s)
{
	return ht_xmemdupz(s, strlen(s));
}

char *ht_xmemdupz(const void *s, size_t len)
{
	char *p = ht_xmalloc(ht_st_add(len, 1));

	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

size_t ht_st_add(size_t a, size_t b)
{
	if (a > SIZE_MAX - b)
		ht_die_oom();
	return a + b;
}

size_t ht_st_mult(size_t a, size_t b)
{
	if (a && b > SIZE_MAX / a)
		ht_die_oom();
	return a * b;
}

/*
 * How ht_heap_tune() grows the heap: in steps of 64 MB of address space
 * (untouched pages cost nothing), with every block in the heap rather
 * than mapped alone (a mapping of its own faults page by page), and none
 * given back while the program runs.  Only the main heap is advised:
 * making the other threads share it (M_ARENA_MAX) made a clone 70% slower
 * from the contention.  No "fast bins" (M_MXFAST 0): the clone frees on
 * its main thread what its page thread parsed, and each large block the
 * page thread then asked for sorted those bins again (malloc_consolidate,
 * 7% of the clone's processor time); without them the clone took 7% less
 * time, and a check no more.
 */
#define HEAP_STEP (64u << 20)

void ht_heap_tune(void)
{
	static int tuned;
	char *before, *after;
	uintptr_t from;
	void *p;

	if (tuned++)
		return;
	mallopt(M_MXFAST, 0);
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	mallopt(M_TOP_PAD, HEAP_STEP);
	before = sbrk(0);
	p = malloc(1u << 20); /* grows the heap by a step */
	if (!p)
		return;
	*(volatile char *)p = 0; /* not optimised away */
	free(p);
	after = sbrk(0);
	from = ((uintptr_t)before + 4095) & ~(uintptr_t)4095;
	if (before != (char *)-1 && (char *)from < after)
		madvise((void *)from, (size_t)(after - (char *)from),
			MADV_HUGEPAGE); /* a hint: failure changes nothing */
}
