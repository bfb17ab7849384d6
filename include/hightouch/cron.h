#ifndef HIGHTOUCH_CRON_H
#define HIGHTOUCH_CRON_H

/*
 * Cron expressions of sync schedules (`schedule: {type: cron, schedule:
 * {expression: ...}}`): five fields separated by blanks,
 *
 *	minute (0-59)  hour (0-23)  day of month (1-31)  month (1-12)
 *	day of week (0-7, 0 and 7 are Sunday)
 *
 * each a comma-separated list of `*`, `N`, `N-M`, any of them followed by
 * `/STEP`, with month names (JAN-DEC) and day names (SUN-SAT) in any case,
 * and the Quartz forms Hightouch's scheduler accepts in the day fields:
 * `?` alone in one of them, `L`, `LW` and `NW` in the day of month, `NL`
 * and `N#K` (K 1-5) in the day of week.  Ranges go forwards; a step is at
 * least 1 and at most the field's span.
 */

#include <stddef.h>

/*
 * 0 for a valid expression; HT_EINVALID for an invalid one, with a message
 * that names the field and the problem, without the expression itself
 * ("hour '25' is out of range 0-23").
 */
int ht_cron_check(const char *expr, size_t len);

#endif
