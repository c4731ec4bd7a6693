/*
 * dates.c - the dates that mail logs and messages write, in all the
 * forms "rebound log --summary" and "parse --summary" meet, read into
 * seconds since 1970 (UTC), and written back in ISO 8601.  Arithmetic
 * on days uses the proleptic Gregorian calendar, so no time zone
 * database and no locale is involved.
 */
#include <stdio.h>
#include <string.h>
#include "dates.h"

/* Days from 1970-01-01 to Y-M-D of the proleptic Gregorian calendar. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

static int leap(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned month_days(long long y, unsigned m)
{
	static const unsigned char n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : n[m - 1];
}

struct cur {
	const char *p, *end;
};

static void skip_ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* MIN to MAX decimal digits as a number; 0 if there are fewer. */
static int digits(struct cur *c, int min, int max, long long *v)
{
	int k = 0;
	*v = 0;
	while (k < max && c->p < c->end && *c->p >= '0' && *c->p <= '9')
		*v = *v * 10 + (*c->p++ - '0'), k++;
	return k >= min;
}

static int take(struct cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch)
		return c->p++, 1;
	return 0;
}

/* A month's English abbreviation (any case) as 1..12, or 0. */
static unsigned month_name(struct cur *c)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	unsigned k;
	char w[3];
	if (c->end - c->p < 3)
		return 0;
	for (k = 0; k < 3; k++)
		w[k] = (char)(c->p[k] | 0x20);
	for (k = 0; k < 12; k++)
		if (memcmp(names + 3 * k, w, 3) == 0) {
			c->p += 3;
			while (c->p < c->end && ((*c->p | 0x20) >= 'a' && (*c->p | 0x20) <= 'z'))
				c->p++; /* "November" */
			return k + 1;
		}
	return 0;
}

/* "HH:MM[:SS[.fraction]]" as seconds of the day. */
static int clock_time(struct cur *c, long long *secs)
{
	long long h, m, s = 0, frac;
	if (!digits(c, 1, 2, &h) || !take(c, ':') || !digits(c, 2, 2, &m) || h > 23 || m > 59)
		return 0;
	if (take(c, ':') && (!digits(c, 2, 2, &s) || s > 60))
		return 0;
	if (c->p < c->end && (*c->p == '.' || *c->p == ','))
		c->p++, digits(c, 0, 12, &frac);
	*secs = h * 3600 + m * 60 + s;
	return 1;
}

/* A zone after the time: Z, +HH:MM, +HHMM, +HH, or an RFC 5322 name;
 * its offset east of UTC in seconds, or LOCAL when there is none. */
static long long zone(struct cur *c, long long local)
{
	static const struct {
		const char *name;
		int hours;
	} names[] = {{"UTC", 0}, {"UT", 0}, {"GMT", 0}, {"EST", -5}, {"EDT", -4}, {"CST", -6},
	             {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}, {"Z", 0}};
	struct cur z = *c;
	long long h, m = 0;
	size_t k;
	int sign;
	skip_ws(&z);
	if (z.p < z.end && (*z.p == '+' || *z.p == '-')) {
		sign = *z.p++ == '-' ? -1 : 1;
		if (!digits(&z, 2, 2, &h))
			return local;
		take(&z, ':');
		digits(&z, 2, 2, &m);
		if (h > 23 || m > 59)
			return local;
		*c = z;
		return sign * (h * 3600 + m * 60);
	}
	for (k = 0; k < sizeof names / sizeof names[0]; k++) {
		size_t n = strlen(names[k].name);
		if ((size_t)(z.end - z.p) >= n && memcmp(z.p, names[k].name, n) == 0) {
			*c = z;
			c->p += n;
			return names[k].hours * 3600LL;
		}
	}
	return local;
}

static int valid(long long y, long long m, long long d)
{
	return y >= 1900 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= month_days(y, (unsigned)m);
}

/* "YYYY-MM-DD[T| ]HH:MM[:SS[.f]][zone]" */
static int iso_date(struct cur *c, long long local, long long *t)
{
	long long y, m, d, secs;
	if (!digits(c, 4, 4, &y) || !take(c, '-') || !digits(c, 2, 2, &m) || !take(c, '-') ||
	    !digits(c, 2, 2, &d) || !valid(y, m, d))
		return 0;
	if (!take(c, 'T') && !take(c, 't') && !take(c, ' '))
		return 0;
	if (!clock_time(c, &secs))
		return 0;
	*t = days_from_civil(y, (unsigned)m, (unsigned)d) * DAY + secs;
	*t -= zone(c, local);
	return 1;
}

/* "[Dow,] D Mon YYYY HH:MM[:SS] zone" (RFC 5322, obsolete years too). */
static int rfc5322_date(struct cur *c, long long local, long long *t)
{
	long long y, d, secs;
	unsigned m;
	const char *comma = memchr(c->p, ',', (size_t)(c->end - c->p));
	if (comma && comma - c->p <= 12)
		c->p = comma + 1;
	skip_ws(c);
	if (!digits(c, 1, 2, &d))
		return 0;
	skip_ws(c);
	take(c, '-');
	if (!(m = month_name(c)))
		return 0;
	skip_ws(c);
	take(c, '-');
	if (!digits(c, 2, 4, &y))
		return 0;
	if (y < 50)
		y += 2000;
	else if (y < 1000)
		y += 1900;
	skip_ws(c);
	if (!valid(y, (long long)m, d) || !clock_time(c, &secs))
		return 0;
	*t = days_from_civil(y, m, (unsigned)d) * DAY + secs - zone(c, local);
	return 1;
}

/* "Mon DD HH:MM:SS": syslog writes no year; the latest year that puts the
 * date at most a day after AS_OF (a leap day looks further back). */
static int syslog_date(struct cur *c, long long as_of, long long local, long long *t)
{
	long long d, secs, y;
	unsigned m, mo, dd;
	int k;
	if (!(m = month_name(c)))
		return 0;
	skip_ws(c);
	if (!digits(c, 1, 2, &d) || d < 1 || d > 31)
		return 0;
	skip_ws(c);
	if (!clock_time(c, &secs))
		return 0;
	civil_from_days(as_of / DAY - (as_of % DAY < 0), &y, &mo, &dd);
	for (k = 0; k < 8; k++, y--) {
		long long v;
		if (!valid(y, (long long)m, d))
			continue;
		v = days_from_civil(y, m, (unsigned)d) * DAY + secs - local;
		if (v <= as_of + DAY) {
			*t = v;
			return 1;
		}
	}
	return 0;
}

static int hexval(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
	       ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* qmail's "@4000000067400000xxxxxxxx": TAI64 seconds, then nanoseconds. */
static int tai64n(struct cur *c, long long *t)
{
	unsigned long long v = 0;
	int k;
	if (c->end - c->p < 17 || !take(c, '@'))
		return 0;
	for (k = 0; k < 16; k++) {
		int h = hexval(c->p[k]);
		if (h < 0)
			return 0;
		v = v << 4 | (unsigned)h;
	}
	/* 2^62 is the epoch; TAI ran 10 s ahead of UTC in 1970 */
	if (v < (1ull << 62) + 10 || v > (1ull << 62) + 253402300799ull)
		return 0;
	*t = (long long)(v - (1ull << 62) - 10);
	return 1;
}

int date_seconds(const char *s, size_t n, long long as_of, long long local, long long *t)
{
	struct cur c;
	long long v;
	if (!s || !n)
		return 0;
	c.p = s;
	c.end = s + n;
	skip_ws(&c);
	if (c.end - c.p > 5 && c.p[3] == ' ' && c.p[4] >= '0' && c.p[4] <= '9') {
		/* journalctl -o short-full: "Mon 2024-01-15 10:00:00 CET" */
		static const char days[] = "MonTueWedThuFriSatSun";
		size_t k;
		for (k = 0; k < sizeof days - 1; k += 3)
			if (!memcmp(c.p, days + k, 3)) {
				c.p += 4;
				break;
			}
	}
	if (c.p < c.end && *c.p == '@')
		return tai64n(&c, t);
	if (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
		struct cur e = c;
		/* epoch seconds (KumoMTA): digits alone, maybe a fraction */
		if (digits(&e, 9, 11, &v) && (e.p == e.end || *e.p == '.')) {
			*t = v;
			return 1;
		}
		e = c;
		if (iso_date(&e, local, t))
			return 1;
		return rfc5322_date(&c, local, t);
	}
	{
		struct cur e = c;
		if (syslog_date(&e, as_of, local, t))
			return 1;
	}
	return rfc5322_date(&c, local, t);
}

int date_offset(const char *s, long long *offset)
{
	struct cur c;
	const long long none = 1; /* no zone gives an odd number of seconds */
	c.p = s;
	c.end = s + strlen(s);
	*offset = zone(&c, none);
	return *offset != none && c.p == c.end;
}

void date_iso(long long t, char buf[40])
{
	long long y, sod = t % DAY;
	unsigned m, d;
	long long days = t / DAY;
	if (sod < 0)
		sod += DAY, days--;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, 40, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", y, m, d, sod / 3600, sod / 60 % 60,
	         sod % 60);
}
