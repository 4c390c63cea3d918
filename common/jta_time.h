/*
 * Times on the wire are ISO 8601 / RFC 3339 in UTC ("2026-11-22T19:30:00Z");
 * in the database they are whole seconds since the epoch.
 */
#ifndef JTA_TIME_H
#define JTA_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "jta_err.h"

#define JTA_TIME_STRLEN	21	/* "YYYY-MM-DDTHH:MM:SSZ" and NUL */

/*
 * Parse "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ" (len bytes,
 * nothing else: no offsets, no fractions) into seconds.  Years 1970-9999.
 * Returns 0, or -1 when s is not such a time.
 */
int jta_time_parse(const char *s, size_t len, int64_t *out) JTA_WUR;

/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into buf (JTA_TIME_STRLEN bytes). */
void jta_time_format(int64_t t, char buf[JTA_TIME_STRLEN]);

/* Seconds since the epoch, now. */
int64_t jta_time_now(void);

#endif
