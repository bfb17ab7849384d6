/*
 * Allocation wrappers: out of memory is fatal (see alloc.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
