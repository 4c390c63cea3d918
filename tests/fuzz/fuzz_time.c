/*
 * Fuzz harness for wire times (jta_time_parse, jta_time_format).
 *
 * Invariants checked (abort() when violated): a time that parses is not
 * before the epoch and its formatted form parses back to the same value;
 * for a 20-byte input ("YYYY-MM-DDTHH:MM:SSZ", which has one spelling per
 * instant) the formatted form is the input itself, and for a 10-byte date
 * it is the date at midnight.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jta_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data;
	char		 buf[JTA_TIME_STRLEN];
	int64_t		 t = -1, t2 = -1;

	if (jta_time_parse(s, size, &t) != 0)
		return 0;
	if (t < 0 || (size != 10 && size != 20))
		abort();
	memset(buf, 0xff, sizeof(buf));
	jta_time_format(t, buf);
	if (buf[JTA_TIME_STRLEN - 1] != '\0' ||
	    strlen(buf) != JTA_TIME_STRLEN - 1)
		abort();
	if (jta_time_parse(buf, strlen(buf), &t2) != 0 || t2 != t)
		abort();
	if (size == 20 && memcmp(buf, s, 20) != 0)
		abort();
	if (size == 10 && (memcmp(buf, s, 10) != 0 ||
	    strcmp(buf + 10, "T00:00:00Z") != 0))
		abort();
	return 0;
}
