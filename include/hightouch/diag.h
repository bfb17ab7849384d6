#ifndef HIGHTOUCH_DIAG_H
#define HIGHTOUCH_DIAG_H

/*
 * Diagnostics: findings about a file, each with its position, severity,
 * stable rule id and one message, collected in a list so that one run can
 * report every problem in a file.  Printed as
 * "path:line:col: error: message [rule]".
 */

#include <stddef.h>

#include "hightouch/error.h"
#include "hightouch/strbuf.h"
#include "hightouch/yaml.h"

enum ht_severity {
	HT_SEV_ERROR,
	HT_SEV_WARNING,
};

struct ht_diag {
	char *path;       /* owned */
	unsigned line, col; /* 1-based; 0 when the finding is about the file */
	enum ht_severity severity;
	const char *rule; /* static string */
	char *message;    /* owned; lower case, no position */
};

struct ht_diags {
	struct ht_diag *items;
	size_t nr, alloc;
	size_t nerrors, nwarnings;
};

#define HT_DIAGS_INIT { NULL, 0, 0, 0, 0 }

void ht_diags_add(struct ht_diags *d, enum ht_severity sev, const char *path,
		  unsigned line, unsigned col, const char *rule,
		  const char *fmt, ...) HT_PRINTF(7, 8);
/* Add the reader's rejection of a document as an error. */
void ht_diags_add_ydiag(struct ht_diags *d, const char *path,
			const struct ht_ydiag *yd);
/* Sort by path, line, column (stable for equal positions). */
void ht_diags_sort(struct ht_diags *d);
/*
 * Drop each finding equal to one before it at its position (the same
 * file found by several checks); `d` sorted.
 */
void ht_diags_uniq(struct ht_diags *d);
void ht_diags_release(struct ht_diags *d);

/*
 * Append "path:line:col: error: message [rule]" (no newline), the path
 * quoted as git quotes paths (ht_quote_path()).
 */
void ht_diag_format(struct ht_strbuf *out, const struct ht_diag *diag);
/* The same with colour sequences around the locus and the severity. */
void ht_diag_format_color(struct ht_strbuf *out, const struct ht_diag *diag,
			  const char *color_locus, const char *color_severity,
			  const char *color_reset);

#endif
