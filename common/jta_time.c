#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jta_time.h"

static int
digits(const char *s, size_t n, int *out)
{
	size_t	 i;
	int	 v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), y >= 1970. */
static int64_t
days(int y, int m, int d)
{
	static const int before[12] =
	    { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	int64_t	 n;
	int	 yy;

	n = (int64_t)(y - 1970) * 365;
	for (yy = 1970; yy < y; yy += 1)
		n += leap(yy);
	n += before[m - 1] + (m > 2 && leap(y)) + d - 1;
	return n;
}

int
jta_time_parse(const char *s, size_t len, int64_t *out)
{
	static const int mdays[12] =
	    { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int	 y, mo, d, h = 0, mi = 0, se = 0;

	if (len != 10 && len != 20)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (len == 20 && (s[10] != 'T' || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &se) || s[19] != 'Z'))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap(y)) || h > 23 || mi > 59 || se > 59)
		return -1;
	*out = days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

int
jta_time_parse_jira(const char *s, size_t len, int64_t *out)
{
	char	 buf[20];
	int64_t	 t, off = 0;
	size_t	 i = 19;
	int	 oh, om;

	if (len < 20)
		return -1;
	/* The first 19 bytes are our own "YYYY-MM-DDTHH:MM:SS". */
	memcpy(buf, s, 19);
	buf[19] = 'Z';
	if (jta_time_parse(buf, sizeof(buf), &t) != 0)
		return -1;
	if (s[i] == '.') {
		for (i++; i < len && i < 29 && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == 20)	/* a '.' with no digit */
			return -1;
	}
	if (i >= len)
		return -1;
	if (s[i] == 'Z' && i + 1 == len)
		off = 0;
	else if ((s[i] == '+' || s[i] == '-') && (len - i == 5 ||
	    (len - i == 6 && s[i + 3] == ':'))) {
		if (digits(s + i + 1, 2, &oh) ||
		    digits(s + i + (len - i == 5 ? 3 : 4), 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
		off = (int64_t)oh * 3600 + om * 60;
		if (s[i] == '-')
			off = -off;
	} else
		return -1;
	t -= off;	/* local time minus its offset is UTC */
	if (t < 0 || t > INT64_C(253402300799))
		return -1;
	*out = t;
	return 0;
}

/* Two decimal digits of v (0..99) at p. */
static void
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

void
jta_time_format(int64_t t, char buf[JTA_TIME_STRLEN])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	/*
	 * The years every stored time falls in (jta_time_parse's range),
	 * without gmtime_r's lock and strftime's locale: 30 times in a
	 * search's page (issue 16; about 1,400 instructions each the other
	 * way).  The civil date from days since the epoch by Howard
	 * Hinnant's civil_from_days ("chrono-Compatible Low-Level Date
	 * Algorithms"), the proleptic Gregorian calendar gmtime_r uses;
	 * check_time compares the two: every day of a whole 400-year
	 * cycle, random seconds up to 9999 and the edges.
	 */
	if (t >= 0 && t <= INT64_C(253402300799)) {
		int64_t		 z = t / 86400 + 719468, era, doe, yoe, doy, mp;
		unsigned	 s = (unsigned)(t % 86400), y, m, d;

		era = z / 146097;
		doe = z - era * 146097;
		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		mp = (5 * doy + 2) / 153;
		d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
		m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
		y = (unsigned)(yoe + era * 400) + (m <= 2);
		put2(buf, y / 100);
		put2(buf + 2, y % 100);
		buf[4] = '-';
		put2(buf + 5, m);
		buf[7] = '-';
		put2(buf + 8, d);
		buf[10] = 'T';
		put2(buf + 11, s / 3600);
		buf[13] = ':';
		put2(buf + 14, s / 60 % 60);
		buf[16] = ':';
		put2(buf + 17, s % 60);
		buf[19] = 'Z';
		buf[20] = '\0';
		return;
	}
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, JTA_TIME_STRLEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, JTA_TIME_STRLEN, "%s", "1970-01-01T00:00:00Z");
}

int64_t
jta_time_now(void)
{
	return (int64_t)time(NULL);
}
