/* The shared part of the platform layer (see sys.h). */
#include "util/sys.h"

#include <stdint.h>

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12), for any y. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                           /* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;   /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

time_t sys_timegm(const struct tm *tm)
{
	int64_t mon = tm->tm_mon, year = (int64_t)tm->tm_year + 1900;
	year += mon >= 0 ? mon / 12 : -((11 - mon) / 12);
	mon -= (mon >= 0 ? mon / 12 : -((11 - mon) / 12)) * 12; /* now 0..11 */
	int64_t days = days_from_civil(year, mon + 1, 1) + tm->tm_mday - 1;
	return (time_t)(days * 86400 + (int64_t)tm->tm_hour * 3600 + (int64_t)tm->tm_min * 60 + tm->tm_sec);
}
