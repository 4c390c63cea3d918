/*
 * Fuzz harness for the configuration parser (jta_conf_parse) over the
 * defaults.
 *
 * Invariants checked (abort() when violated): whatever the input, every
 * string in the result is NUL-terminated within its array and the message
 * is NUL-terminated; on success database and vault_key_file are absolute
 * paths, public_url starts with http:// or https:// and does not end in
 * '/', default_project is empty or a project key, log_level is a level
 * and busy_timeout_ms is within 1..60000.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jta_conf.h"
#include "jta_log.h"
#include "jta_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when buf (size bytes) holds a NUL. */
static int
terminated(const char *buf, size_t size)
{
	return memchr(buf, '\0', size) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jta_conf	*conf = NULL;
	char		 msg[256];
	size_t		 len;

	if ((conf = malloc(sizeof(*conf))) == NULL)
		return 0;
	jta_conf_defaults(conf);
	memset(msg, 0xff, sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	if (!terminated(conf->path, sizeof(conf->path)) ||
	    !terminated(conf->database, sizeof(conf->database)) ||
	    !terminated(conf->vault_key_file, sizeof(conf->vault_key_file)) ||
	    !terminated(conf->public_url, sizeof(conf->public_url)) ||
	    !terminated(conf->default_project, sizeof(conf->default_project)))
		abort();
	if (jta_conf_parse(conf, "fuzz.conf", (const char *)data, size, msg,
	    sizeof(msg)) == JTA_OK) {
		if (!terminated(conf->database, sizeof(conf->database)) ||
		    !terminated(conf->vault_key_file,
		    sizeof(conf->vault_key_file)) ||
		    !terminated(conf->public_url, sizeof(conf->public_url)) ||
		    !terminated(conf->default_project,
		    sizeof(conf->default_project)))
			abort();
		if (conf->database[0] != '/' || conf->vault_key_file[0] != '/')
			abort();
		len = strlen(conf->public_url);
		if (len == 0 || conf->public_url[len - 1] == '/' ||
		    (strncmp(conf->public_url, "http://", 7) != 0 &&
		    strncmp(conf->public_url, "https://", 8) != 0))
			abort();
		if (conf->default_project[0] != '\0' &&
		    !jta_text_is_project_key(conf->default_project,
		    strlen(conf->default_project)))
			abort();
		if (conf->log_level < JTA_LOG_DEBUG ||
		    conf->log_level > JTA_LOG_ERROR)
			abort();
		if (conf->busy_timeout_ms < 1 || conf->busy_timeout_ms > 60000)
			abort();
		if (conf->backend != JTA_BACKEND_LOCAL)
			abort();
	} else if (!terminated(msg, sizeof(msg)) || msg[0] == '\0')
		abort();
	free(conf);
	return 0;
}
