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

/*
 * Parse a time as Jira Cloud's REST API writes it (len bytes, nothing
 * else): "YYYY-MM-DDTHH:MM:SS", then an optional fraction of 1 to 9
 * digits after '.', which is dropped (we keep whole seconds), then the
 * zone: "Z", "+HHMM"/"-HHMM" (what Jira sends, e.g. "+0000", "+1100") or
 * "+HH:MM"/"-HH:MM" (RFC 3339 §5.6).  The offset is applied, so *out is
 * seconds since the epoch in UTC; offsets above 23:59 are refused.  The
 * result must fall in 1970-01-01T00:00:00Z..9999-12-31T23:59:59Z.
 * Returns 0, or -1 (and *out untouched) when s is not such a time.
 */
int jta_time_parse_jira(const char *s, size_t len, int64_t *out) JTA_WUR;

/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into buf (JTA_TIME_STRLEN bytes). */
void jta_time_format(int64_t t, char buf[JTA_TIME_STRLEN]);

/* Seconds since the epoch, now. */
int64_t jta_time_now(void);

#endif
