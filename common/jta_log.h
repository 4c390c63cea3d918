/*
 * Logging: one line per event on stderr, which lands in the web server's
 * error log (or the journal).  Format:
 *   2026-11-22T19:30:00Z info jta-issues req=4f2a... message key=value ...
 * Control characters and non-ASCII bytes are escaped (\xNN), so a line can
 * never be split or forged by data.  Never pass a secret, a token, a code,
 * an Authorization header or a request body: use a fingerprint instead.
 */
#ifndef JTA_LOG_H
#define JTA_LOG_H

#include "jta_err.h"

enum jta_log_level {
	JTA_LOG_DEBUG = 0,
	JTA_LOG_INFO,
	JTA_LOG_WARN,
	JTA_LOG_ERROR
};

/* Set the program name shown on every line (borrowed: a string literal). */
void jta_log_init(const char *program);

/* Lines below level are dropped. */
void jta_log_set_level(enum jta_log_level level);

/* Parse "debug", "info", "warn" or "error"; returns -1 for anything else. */
int jta_log_level_parse(const char *name);

/* The id of the request being served ("-" outside a request); copied. */
void jta_log_set_request(const char *request_id);

/* Write one line.  The message is formatted, then escaped, then cut at
 * JTA_LIMIT_LOG_LINE with a "..." marker. */
void jta_log(enum jta_log_level level, const char *fmt, ...) JTA_PRINTF(2, 3);

#define jta_debug(...)	jta_log(JTA_LOG_DEBUG, __VA_ARGS__)
#define jta_info(...)	jta_log(JTA_LOG_INFO, __VA_ARGS__)
#define jta_warn(...)	jta_log(JTA_LOG_WARN, __VA_ARGS__)
#define jta_errorlog(...) jta_log(JTA_LOG_ERROR, __VA_ARGS__)

#endif
