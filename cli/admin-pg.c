/*
 * jta-admin init and check on PostgreSQL (cli/jta-admin.h; README
 * "Several hosts on PostgreSQL"): when database_url is set, init creates
 * and migrates the versioned schema (the engine's migration, under its
 * advisory lock, so hosts running init at once migrate once) and check
 * reports what a host needs of the database.  The password is read by
 * the engine from database_password_file and never printed: the URL
 * cannot hold one (jta_db_url_check), and libpq's messages do not
 * quote it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta-admin.h"
#include "jta_conf.h"
#include "jta_db.h"
#include "jta_db_select.h"

#ifdef HAVE_LIBPQ
#include "jta_pg.h"

/* How long a connection attempt may take (libpq's connect_timeout). */
#define ADMIN_PG_CONNECT_S	10

/* libpq's messages end in a newline, some span lines: one line. */
static const char *
oneline(char *msg)
{
	size_t	 i, n = strlen(msg);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (i = 0; i < n; i++)
		if (msg[i] == '\n' || msg[i] == '\t')
			msg[i] = ' ';
	return msg;
}

static void
pgconf(const struct jta_conf *conf, struct jta_pg_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->url = conf->database_url;
	pc->password_file = conf->database_password_file;
	pc->sslmode = conf->database_sslmode;
	pc->statement_timeout_ms = conf->database_statement_timeout_ms;
	pc->connect_timeout_s = ADMIN_PG_CONNECT_S;
}

int
admin_pg_init(const struct jta_conf *conf)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	struct jta_error e;
	char		 msg[768];
	int		 v = 0;

	pgconf(conf, &pc);
	if (jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg, sizeof(msg)) !=
	    JTA_OK) {
		admin_fail("%s", oneline(msg));
		return 1;
	}
	memset(&e, 0, sizeof(e));
	if (jta_pg_version(pg, &v, &e) != JTA_OK) {
		admin_fail("database_url: %s", e.detail);
		jta_pg_close(pg);
		return 1;
	}
	printf("database (PostgreSQL, database_url) is at schema version "
	    "%d\n", v);
	jta_pg_close(pg);
	return 0;
}

int
admin_pg_check(const struct jta_conf *conf)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	struct jta_pg_server sv;
	struct jta_error e;
	char		 msg[768], why[1024];
	int		 v = 0, bad = 0;

	/* init and check accept database_url ahead of the programs
	 * (jta_conf_load_schema); say when the programs would refuse it. */
	if (jta_db_engine_check(conf->backend == JTA_BACKEND_LOCAL, why,
	    sizeof(why)) != 0) {
		printf("FAIL the programs refuse database_url: %s\n", why);
		bad++;
	}
	pgconf(conf, &pc);
	if (jta_pg_connect(&pc, &pg, msg, sizeof(msg)) != JTA_OK) {
		printf("FAIL %s\n", oneline(msg));
		return bad + 1;
	}
	memset(&e, 0, sizeof(e));
	if (jta_pg_server(pg, &sv, &e) != JTA_OK) {
		printf("FAIL database_url: %s\n", e.detail);
		jta_pg_close(pg);
		return bad + 1;
	}
	printf("ok   database_url connects: PostgreSQL %s, role %s, schema "
	    "%s\n", sv.version, sv.role, sv.schema);
	/* Debian 12's PostgreSQL 15 is what the suite runs; 13 has every
	 * statement the engine uses (libpq >= 13 in configure.ac). */
	if (sv.version_num < 130000) {
		printf("FAIL database server %s is older than PostgreSQL 13\n",
		    sv.version);
		bad++;
	}
	if (sv.standby || sv.read_only) {
		printf("FAIL database is read-only (%s): the hosts cannot "
		    "write; point database_url at the primary\n", sv.standby ?
		    "a standby in recovery" : "transaction_read_only is on");
		bad++;
	} else
		printf("ok   database accepts writes (not a standby, not "
		    "read-only)\n");
	if (jta_pg_version(pg, &v, &e) != JTA_OK) {
		printf("FAIL database schema version: %s\n", e.detail);
		bad++;
	} else if (v != JTA_PG_VERSION) {
		printf("FAIL database schema version %d, this build's is %d: "
		    "%s\n", v, JTA_PG_VERSION, v > JTA_PG_VERSION ?
		    "the database is newer than this build; upgrade the "
		    "programs" : sv.may_create ? "run 'jta-admin init'" :
		    "run 'jta-admin init' as a role that may create tables "
		    "in the schema");
		bad++;
	} else
		printf("ok   database schema version %d is this build's\n", v);
	if (v == JTA_PG_VERSION) {
		if (jta_pg_check(pg, msg, sizeof(msg)) != JTA_OK) {
			printf("FAIL database privileges of role %s: %s\n",
			    sv.role, msg);
			bad++;
		} else
			printf("ok   role %s may select, insert, update and "
			    "delete in every table of ours\n", sv.role);
	}
	/* Serving needs no CREATE; a later 'jta-admin init' (an upgrade)
	 * does. */
	printf("%s role %s may create tables in schema %s: %s\n",
	    sv.may_create ? "ok  " : "--  ", sv.role, sv.schema,
	    sv.may_create ? "yes" : "no ('jta-admin init' needs a role "
	    "that may)");
	jta_pg_close(pg);
	return bad;
}
#else
int
admin_pg_init(const struct jta_conf *conf)
{
	(void)conf;
	admin_fail("database_url: this build has no PostgreSQL support");
	return 1;
}

int
admin_pg_check(const struct jta_conf *conf)
{
	(void)conf;
	printf("FAIL database_url: this build has no PostgreSQL support\n");
	return 1;
}
#endif
