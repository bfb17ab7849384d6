#ifndef HIGHTOUCH_UTF8_H
#define HIGHTOUCH_UTF8_H

/*
 * UTF-8 decoding, strict: overlong forms, surrogates and values past
 * U+10FFFF are invalid.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Decode the sequence at `s` (at most `len` bytes).  Returns its length
 * (1 to 4) with the code point in `*cp`, or 0 for an invalid or truncated
 * sequence.  `len` must be at least 1.
 */
size_t ht_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

#endif
