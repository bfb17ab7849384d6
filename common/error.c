/*
 * Errors: the per-thread last error and the code table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/error.h"

static _Thread_local int last_code;
static _Thread_local char last_message[HT_ERROR_MAX];

static const struct {
	int code;
	const char *name;
	const char *message;
} codes[] = {
#define HT_ERROR_ROW_(name, value, msg) { value, #name, msg },
	HT_ERROR_CODES(HT_ERROR_ROW_)
#undef HT_ERROR_ROW_
};

const char *ht_error_default_message(int code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].message;
	return "unknown error";
}

const char *ht_error_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return "EUNKNOWN";
}

int ht_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	last_code = code;
	va_start(ap, fmt);
	n = vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	if (n < 0)
		last_message[0] = '\0';
	else if ((size_t)n >= sizeof(last_message))
		memcpy(last_message + sizeof(last_message) - 4, "...", 4);
	return code;
}

int ht_error_wrap(int code, const char *fmt, ...)
{
	char old[HT_ERROR_MAX], head[HT_ERROR_MAX];
	va_list ap;

	snprintf(old, sizeof(old), "%s", ht_error_message());
	va_start(ap, fmt);
	if (vsnprintf(head, sizeof(head), fmt, ap) < 0)
		head[0] = '\0';
	va_end(ap);
	return ht_error_set(code, "%s: %s", head, old);
}

const char *ht_error_message(void)
{
	if (last_message[0])
		return last_message;
	return ht_error_default_message(last_code);
}

int ht_error_code(void)
{
	return last_code;
}

void ht_error_clear(void)
{
	last_code = HT_OK;
	last_message[0] = '\0';
}

void ht_bug_fl(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
