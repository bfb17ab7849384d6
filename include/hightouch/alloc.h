#ifndef HIGHTOUCH_ALLOC_H
#define HIGHTOUCH_ALLOC_H

/*
 * Allocation wrappers.
 *
 * Policy (as git's xmalloc): running out of memory is not an error a caller
 * can handle; the wrappers print "fatal: out of memory" and exit with status
 * 128.  All allocation in the project goes through them, and all size
 * arithmetic that could overflow goes through ht_st_add()/ht_st_mult(),
 * which die the same way on overflow.
 */

#include <stddef.h>

#include "hightouch/error.h"

/*
 * Print "fatal: out of memory" and exit with status 128: what the
 * wrappers do, for the libraries' allocations that fail too (libcurl's,
 * jansson's).
 */
HT_NORETURN void ht_die_oom(void);

void *ht_xmalloc(size_t size);
void *ht_xcalloc(size_t nmemb, size_t size);
void *ht_xrealloc(void *ptr, size_t size);
char *ht_xstrdup(const char *s);
/* A NUL-terminated copy of the first `len` bytes of `s`. */
char *ht_xmemdupz(const void *s, size_t len);

size_t ht_st_add(size_t a, size_t b);
size_t ht_st_mult(size_t a, size_t b);

/*
 * Grow `x` (an array of `nr` used elements, `alloc` allocated) so that it
 * has room for at least `n` elements.  As git's ALLOC_GROW: the caller
 * updates `nr`.
 */
#define HT_ALLOC_GROW(x, n, alloc)                                            \
	do {                                                                  \
		if ((n) > (alloc)) {                                          \
			size_t ht_new_alloc_ = ((alloc) + 16) * 3 / 2;        \
			if (ht_new_alloc_ < (n))                              \
				ht_new_alloc_ = (n);                          \
			(x) = ht_xrealloc((x), ht_st_mult(sizeof(*(x)),      \
							  ht_new_alloc_));    \
			(alloc) = ht_new_alloc_;                              \
		}                                                             \
	} while (0)

/*
 * For a program that allocates many small objects and exits: make the
 * heap grow in large steps, backed by transparent huge pages where the
 * system allows them (its "madvise" mode, the default of many), so that
 * a page fault brings in 2 MB rather than 4 KB.  On the virtual machines
 * the project is measured on, a fault costs about 10 microseconds, and
 * a check of 20,000 files or a clone made thousands of them (and each
 * huge page costs a millisecond or so to clear: not for what ends
 * quickly).  Call it before any thread starts (a second call does
 * nothing); it does nothing when the system says no or malloc is not
 * glibc's own heap (sanitizers, valgrind).  glibc only (mallopt(),
 * sbrk()), as the project is.
 */
void ht_heap_tune(void);

#endif
