#ifndef HIGHTOUCH_TIME_H
#define HIGHTOUCH_TIME_H

/*
 * ISO 8601 times as the Hightouch API and Git Sync files write them:
 * YYYY-MM-DD, optionally followed by T (or t or a space) HH:MM[:SS[.frac]]
 * (',' also separates the fraction) and a zone: Z, +HH, +HHMM or +HH:MM
 * (none means UTC).  One parser for the whole project: the kinds table,
 * the remote helper's state and the emulator; one formatter, for the
 * times the emulator writes.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Parse `len` bytes of `s` into milliseconds since 1970-01-01T00:00:00Z
 * (`ms_out` may be NULL).  Returns 0, HT_ESYNTAX for text that is not of
 * the form above, or HT_EINVALID for a well-formed date the calendar does
 * not have (2023-02-29, 2024-04-31).  Sets no error message: callers say
 * what the value was for.
 */
int ht_time_parse(int64_t *ms_out, const char *s, size_t len);

/* "2022-02-16T21:37:58.510Z" and its NUL. */
#define HT_TIME_LEN 25

/*
 * Format milliseconds since the epoch as the API writes times:
 * "YYYY-MM-DDTHH:MM:SS.sssZ", in UTC.  Years outside 0000-9999 do not fit
 * (the year is taken modulo 10000 and the text cut to fit `out`).
 */
void ht_time_format(char out[HT_TIME_LEN], int64_t ms);

#endif
