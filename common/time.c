/*
 * ISO 8601 parsing and formatting (see time.h).
 */
#include <stdio.h>
#include <string.h>

#include "hightouch/error.h"
#include "hightouch/time.h"

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* The inverse of days_from_civil(). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* `n` digits at s[*i] into `*out`, in [lo, hi]; advances `*i`. */
static int digits(const char *s, size_t len, size_t *i, int n, int lo,
		  int hi, int *out)
{
	int v = 0, k;

	if (len - *i < (size_t)n)
		return -1;
	for (k = 0; k < n; k++) {
		char c = s[*i + (size_t)k];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*i += (size_t)n;
	*out = v;
	return v >= lo && v <= hi ? 0 : -1;
}

static int sep(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

int ht_time_parse(int64_t *ms_out, const char *s, size_t len)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 1;
	int64_t ms = 0, scale = 100;
	size_t i = 0;

	if (digits(s, len, &i, 4, 0, 9999, &y) || sep(s, len, &i, '-') ||
	    digits(s, len, &i, 2, 1, 12, &mo) || sep(s, len, &i, '-') ||
	    digits(s, len, &i, 2, 1, 31, &d))
		return HT_ESYNTAX;
	if (i < len) {
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return HT_ESYNTAX;
		i++;
		if (digits(s, len, &i, 2, 0, 23, &h) || sep(s, len, &i, ':') ||
		    digits(s, len, &i, 2, 0, 59, &mi))
			return HT_ESYNTAX;
		if (!sep(s, len, &i, ':')) {
			if (digits(s, len, &i, 2, 0, 60, &sec))
				return HT_ESYNTAX;
			if (i < len && (s[i] == '.' || s[i] == ',')) {
				size_t start = ++i;

				for (; i < len && s[i] >= '0' && s[i] <= '9';
				     i++) {
					ms += (s[i] - '0') * scale;
					scale /= 10;
				}
				if (i == start)
					return HT_ESYNTAX;
			}
		}
		if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
			i++;
		} else if (i < len && (s[i] == '+' || s[i] == '-')) {
			sign = s[i++] == '-' ? -1 : 1;
			if (digits(s, len, &i, 2, 0, 23, &oh))
				return HT_ESYNTAX;
			if (i < len) {
				sep(s, len, &i, ':');
				if (digits(s, len, &i, 2, 0, 59, &om))
					return HT_ESYNTAX;
			}
		}
		if (i != len)
			return HT_ESYNTAX;
	}
	if (d > days_in_month(y, mo))
		return HT_EINVALID;
	if (ms_out)
		*ms_out = ((days_from_civil(y, (unsigned)mo, (unsigned)d) *
				    86400 +
			    h * 3600 + mi * 60 + sec) -
			   (int64_t)sign * (oh * 3600 + om * 60)) *
				  1000 +
			  ms;
	return 0;
}

void ht_time_format(char out[HT_TIME_LEN], int64_t ms)
{
	int64_t days = ms / 86400000, rest, y;
	unsigned m, d;
	char buf[96];

	rest = ms - days * 86400000;
	if (rest < 0) {
		rest += 86400000;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
		 (int)(y % 10000), m, d, (int)(rest / 3600000),
		 (int)(rest / 60000 % 60), (int)(rest / 1000 % 60),
		 (int)(rest % 1000));
	memcpy(out, buf, HT_TIME_LEN - 1);
	out[HT_TIME_LEN - 1] = '\0';
}
