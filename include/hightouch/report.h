#ifndef HIGHTOUCH_REPORT_H
#define HIGHTOUCH_REPORT_H

/*
 * Writing findings for people, editors and CI:
 *
 *  text    path:line:col: error: message [rule], one per line (gcc's
 *          form, which editors' and CI's problem matchers read), in colour
 *          when asked;
 *  json    {"version": 1, "errors": N, "warnings": N, "findings": [{path,
 *          line, column, severity, rule, message}, ...]};
 *  github  GitHub Actions workflow commands, one per finding:
 *          ::error file=P,line=L,col=C,title=RULE::MESSAGE, escaped as
 *          GitHub's toolkit does;
 *  sarif   SARIF 2.1.0, one run, the rules of ht_check_rules() (and any
 *          other rule seen) in tool.driver.rules;
 *  gitlab  GitLab's Code Quality report: a JSON array of {description,
 *          check_name, fingerprint, severity ("major" for an error,
 *          "minor" for a warning), location: {path, lines: {begin}}}.
 *
 * Lines and columns are 1-based (columns in code points); 0:0 is a
 * finding about the whole file, written without a position where the
 * format allows.
 */

#include "hightouch/diag.h"
#include "hightouch/strbuf.h"

enum ht_report_format {
	HT_REPORT_TEXT,
	HT_REPORT_JSON,
	HT_REPORT_GITHUB,
	HT_REPORT_SARIF,
	HT_REPORT_GITLAB,
};

struct ht_report_opts {
	int color;                /* text: ANSI colours */
	const char *tool_name;    /* sarif: tool.driver.name */
	const char *tool_version; /* sarif: tool.driver.version, or NULL */
};

/* 0, or HT_EINVALID for a name that is not one of the formats above. */
int ht_report_parse_format(enum ht_report_format *out, const char *name);

/* Append the findings of `d` in format `fmt` to `out`. */
void ht_report_write(struct ht_strbuf *out, enum ht_report_format fmt,
		     const struct ht_diags *d,
		     const struct ht_report_opts *opts);

/*
 * GitHub's escaping: data (the message) gets %25, %0D, %0A for '%', CR,
 * LF; a property value (`property` 1) also %3A and %2C for ':' and ','.
 */
void ht_report_github_escape(struct ht_strbuf *out, const char *s,
			     int property);

#endif
