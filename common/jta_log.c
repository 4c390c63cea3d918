#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jta_limits.h"
#include "jta_log.h"

static const char *log_program = "jta";
static enum jta_log_level log_level = JTA_LOG_INFO;
static char log_request[40] = "-";

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
jta_log_init(const char *program)
{
	log_program = program;
}

void
jta_log_set_level(enum jta_log_level level)
{
	log_level = level;
}

int
jta_log_level_parse(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

void
jta_log_set_request(const char *request_id)
{
	snprintf(log_request, sizeof(log_request), "%s",
	    request_id == NULL || *request_id == '\0' ? "-" : request_id);
}

void
jta_log(enum jta_log_level level, const char *fmt, ...)
{
	char		 raw[JTA_LIMIT_LOG_LINE];
	char		 line[JTA_LIMIT_LOG_LINE + 8];
	char		 stamp[32];
	struct tm	 tm;
	time_t		 now;
	va_list		 ap;
	size_t		 i, o;
	int		 n;

	if (level < log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Escape everything that is not printable ASCII. */
	for (i = 0, o = 0; raw[i] != '\0' && o + 5 < JTA_LIMIT_LOG_LINE; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			line[o++] = (char)c;
		else if (c == '\\') {
			line[o++] = '\\';
			line[o++] = '\\';
		} else {
			snprintf(line + o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	if (raw[i] != '\0' || (size_t)n >= sizeof(raw)) {
		memcpy(line + o, "...", 3);
		o += 3;
	}
	line[o] = '\0';
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s %s req=%s %s\n", stamp, level_names[level],
	    log_program, log_request, line);
}
