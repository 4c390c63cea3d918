#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jta_conf.h"
#include "jta_db.h"
#include "jta_db_select.h"
#include "jta_limits.h"
#ifdef HAVE_LIBPQ
#include "jta_pg.h"
#endif

/*
 * The storage contracts several hosts must share (README "Several hosts
 * on PostgreSQL"), and whether this build implements each on PostgreSQL.
 * An entry turns to 1 only when its repository's header is implemented
 * in common/db/pg/ and passes the contract suite on both engines
 * (tests/unit/check_store_pg.sh).  The ticket store (jta_store_tickets,
 * _kb, _requesttypes) is not listed: it stays on SQLite.
 */
static const struct {
	const char	*contract;
	int		 done;
} contracts[] = {
	{ "jta_store_people: Atlassian links and the refresh lease (put, "
	    "get, lease, renew, release, break)", 1 },
	{ "jta_store_people: people, API keys, link reseal, list and "
	    "remove (OAuth states are done)", 1 },
	{ "jta_store_authz: OAuth clients and client metadata documents, "
	    "codes, token families and the sign-in lockout", 1 },
	{ "jta_store_drafts (drafts, idempotency keys, draft attachments; "
	    "the embedded store's ticket files stay on SQLite)", 1 },
	{ "jta_store_ops: the operators' switch and rules", 1 },
	{ "jta_store_ops: the audit log", 1 },
	{ "jta_store_usage (usage and quotas)", 1 },
	{ "jta_store_meta (the Jira metadata cache)", 1 },
	{ "jta_store_chat (the chat's conversations and pending actions)",
	    1 },
	{ "the programs' selection: the serving loop and the usage counter "
	    "open the PostgreSQL store, a database that is down answers 503 "
	    "(jta_fcgi)", 1 },
};

int
jta_db_url_check(const char *v, char *why, size_t whysz)
{
	size_t		 i, len = strlen(v);
	const char	*at, *scheme;

	if (len == 0 || len >= JTA_CONF_DATABASE_URL_MAX) {
		snprintf(why, whysz, "must be 1 to %d bytes",
		    JTA_CONF_DATABASE_URL_MAX - 1);
		return -1;
	}
	for (i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7e) {
			snprintf(why, whysz, "must be printable ASCII");
			return -1;
		}
	if (strcasestr(v, "password") != NULL) {
		snprintf(why, whysz, "must not hold a password: put it in "
		    "the file database_password_file names (mode 0600)");
		return -1;
	}
	/* A URI's userinfo "user:secret@" (libpq manual, "Connection
	 * URIs"; RFC 3986 section 3.2.1). */
	if ((scheme = strstr(v, "://")) != NULL) {
		scheme += 3;
		at = strchr(scheme, '@');
		if (at != NULL && memchr(scheme, ':',
		    (size_t)(at - scheme)) != NULL) {
			snprintf(why, whysz, "must not hold a password: put "
			    "it in the file database_password_file names "
			    "(mode 0600)");
			return -1;
		}
	}
	return 0;
}

int
jta_db_sslmode_check(const char *v, char *why, size_t whysz)
{
	static const char *const modes[] = { "disable", "allow", "prefer",
	    "require", "verify-ca", "verify-full" };
	size_t	 i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(v, modes[i]) == 0)
			return 0;
	snprintf(why, whysz, "must be one of disable, allow, prefer, require, "
	    "verify-ca, verify-full");
	return -1;
}

#ifndef HAVE_LIBPQ
int
jta_db_schema_check(int backend_local, char *why, size_t whysz)
{
	(void)backend_local;
	snprintf(why, whysz, "this build has no PostgreSQL support (configure "
	    "found no libpq: install libpq-dev and rebuild); remove the key "
	    "to keep the SQLite file of key 'database'");
	return -1;
}

int
jta_db_engine_check(int backend_local, char *why, size_t whysz)
{
	(void)contracts;
	return jta_db_schema_check(backend_local, why, whysz);
}
#else
int
jta_db_schema_check(int backend_local, char *why, size_t whysz)
{
	if (backend_local) {
		snprintf(why, whysz, "backend = local keeps its tickets in "
		    "the SQLite file of key 'database', a single-host store: "
		    "PostgreSQL serves backend = jira only");
		return -1;
	}
	return 0;
}

int
jta_db_engine_check(int backend_local, char *why, size_t whysz)
{
	size_t	 i, n;
	int	 missing = 0;

	if (jta_db_schema_check(backend_local, why, whysz) != 0)
		return -1;
	n = (size_t)snprintf(why, whysz, "PostgreSQL cannot be selected: "
	    "not yet implemented on it in this build:");
	for (i = 0; i < sizeof(contracts) / sizeof(contracts[0]); i++) {
		if (contracts[i].done)
			continue;
		if (n < whysz)
			n += (size_t)snprintf(why + n, whysz - n, "%s %s",
			    missing ? ";" : "", contracts[i].contract);
		missing = 1;
	}
	if (!missing)
		return 0;
	if (n < whysz)
		snprintf(why + n, whysz - n, "; remove the key to keep the "
		    "SQLite file of key 'database'");
	return -1;
}
#endif

enum jta_err
jta_db_open(const struct jta_conf *conf, unsigned flags,
    struct jta_store **out, char *msg, size_t msgsz)
{
#ifdef HAVE_LIBPQ
	struct jta_pg_conf pc;
#endif

	*out = NULL;
	if (conf->database_url[0] == '\0')
		return jta_store_open(conf->database, conf->busy_timeout_ms,
		    flags & ~JTA_STORE_LAZY, out, msg, msgsz);
#ifdef HAVE_LIBPQ
	memset(&pc, 0, sizeof(pc));
	pc.url = conf->database_url;
	pc.password_file = conf->database_password_file;
	pc.sslmode = conf->database_sslmode;
	pc.statement_timeout_ms = conf->database_statement_timeout_ms;
	pc.connect_timeout_s = JTA_LIMIT_PG_CONNECT_S;
	return jta_store_open_pg(&pc, flags & (JTA_STORE_MIGRATE |
	    JTA_STORE_LAZY), out, msg, msgsz);
#else
	snprintf(msg, msgsz, "database_url: this build has no PostgreSQL "
	    "support (configure found no libpq)");
	return JTA_ERR_CONFIG;
#endif
}
