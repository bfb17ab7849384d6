#ifndef HIGHTOUCH_ERROR_H
#define HIGHTOUCH_ERROR_H

/*
 * Errors.
 *
 * Every function in libhightouch that can fail returns 0 on success or a
 * negative `enum ht_error_code` on failure, and sets a one-line message for
 * its caller with ht_error_set().  Callers propagate the code unchanged and
 * do not overwrite the message; only a program's main() prints it (as
 * "fatal: <message>") and chooses the exit status.
 *
 * The codes and their default messages live in one X-macro table so that the
 * enum and the strings cannot drift apart.
 */

#include <stddef.h>

#if defined(__GNUC__)
#define HT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define HT_NORETURN __attribute__((noreturn))
#else
#define HT_PRINTF(fmt, args)
#define HT_NORETURN
#endif

/* name, value, default message */
#define HT_ERROR_CODES(_)                                                     \
	_(OK, 0, "success")                                                   \
	_(ERROR, -1, "error")                                                 \
	_(ENOTFOUND, -2, "not found")                                         \
	_(EINVALID, -3, "invalid input")                                      \
	_(ESYNTAX, -4, "syntax error")                                        \
	_(ETOOBIG, -5, "size limit exceeded")                                 \
	_(ETOODEEP, -6, "nesting limit exceeded")                             \
	_(EIO, -7, "input/output error")                                      \
	_(EUNSUPPORTED, -8, "not supported")                                  \
	_(EAUTH, -9, "authentication failed")                                 \
	_(ENET, -10, "network error")                                         \
	_(ECONFLICT, -11, "conflict")                                         \
	_(EHTTP, -12, "unexpected server response")

enum ht_error_code {
#define HT_ERROR_ENUM_(name, value, msg) HT_##name = (value),
	HT_ERROR_CODES(HT_ERROR_ENUM_)
#undef HT_ERROR_ENUM_
};

/* The longest message kept; longer ones are cut with "...". */
#define HT_ERROR_MAX 1024

/*
 * Set the calling thread's last error to `code` with a printf-style
 * message, and return `code`, so that the idiom is
 * `return ht_error_set(HT_EINVALID, "bad value '%s'", v);`.
 */
int ht_error_set(int code, const char *fmt, ...) HT_PRINTF(2, 3);

/*
 * Put a printf-style context and ": " before the last message, as
 * `code`, and return `code`: `return ht_error_wrap(ret, "cannot trigger
 * sync '%s'", slug);` gives "cannot trigger sync 'x': <what failed>".
 */
int ht_error_wrap(int code, const char *fmt, ...) HT_PRINTF(2, 3);

/* The last message set in this thread, or the code's default message. */
const char *ht_error_message(void);

/* The last code set in this thread (HT_OK if none). */
int ht_error_code(void);

/* The default message for a code ("unknown error" for an unknown one). */
const char *ht_error_default_message(int code);

/* The code's name without prefix, e.g. "ENOTFOUND". */
const char *ht_error_name(int code);

/* Forget the last error. */
void ht_error_clear(void);

/*
 * Programming errors: print "BUG: file:line: message" to stderr and abort.
 * Not for bad input: bad input gets an error code.
 */
HT_NORETURN void ht_bug_fl(const char *file, int line, const char *fmt, ...)
	HT_PRINTF(3, 4);
#define HT_BUG(...) ht_bug_fl(__FILE__, __LINE__, __VA_ARGS__)

#endif
