/*
 * jta-admin migrate (cli/jta-admin.h; README "Moving a SQLite deployment
 * into PostgreSQL"): a single host's SQLite database (database) moved
 * into the PostgreSQL database of database_url, which 'jta-admin init'
 * made.  The copy is the engine's (jta_pg_import.h): one transaction
 * under the schema migrations' advisory lock, idempotent by the tables'
 * natural keys.  What is printed is counts per table: never a token, a
 * hash or a password.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jta-admin.h"
#include "jta_conf.h"

#ifdef HAVE_LIBPQ
#include "jta_pg.h"
#include "jta_pg_import.h"

/* How long a connection attempt may take (libpq's connect_timeout). */
#define MIGRATE_CONNECT_S	10

int
cmd_migrate(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const bare[] = { "dry-run", NULL };
	const char	*novals[1] = { NULL };
	static const char *const none[] = { NULL };
	struct jta_pg_import_counts c;
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	char		 msg[768];
	int		 set[1] = { 0 }, rc = 1;
	size_t		 i;

	if (admin_qflags(argc, argv, none, novals, bare, set) != 0)
		return EXIT_USAGE;
	if (conf->database_url[0] == '\0') {
		admin_fail("database_url is not set: migrate moves database "
		    "(%s) into the PostgreSQL database database_url names",
		    conf->database);
		return EXIT_CONFIG;
	}
	memset(&pc, 0, sizeof(pc));
	pc.url = conf->database_url;
	pc.password_file = conf->database_password_file;
	pc.sslmode = conf->database_sslmode;
	pc.statement_timeout_ms = conf->database_statement_timeout_ms;
	pc.connect_timeout_s = MIGRATE_CONNECT_S;
	if (jta_pg_connect(&pc, &pg, msg, sizeof(msg)) != JTA_OK) {
		admin_fail("%s", msg);
		return 1;
	}
	if (jta_pg_import(pg, conf->database, conf->busy_timeout_ms, set[0],
	    (int64_t)time(NULL), &c, msg, sizeof(msg)) != JTA_OK) {
		admin_fail("migrate: %s; nothing was moved", msg);
		goto out;
	}
	for (i = 0; i < c.n; i++)
		printf("%-24s %8lld %s, %8lld already there\n", c.t[i].table,
		    (long long)c.t[i].moved, set[0] ? "to move" : "moved",
		    (long long)c.t[i].there);
	printf("%s\n", set[0] ? "migrate: dry run, nothing was changed" :
	    "migrate: done");
	rc = 0;
out:
	jta_pg_close(pg);
	return rc;
}
#else
int
cmd_migrate(const struct jta_conf *conf, int argc, char **argv)
{
	(void)conf;
	(void)argc;
	(void)argv;
	admin_fail("database_url: this build has no PostgreSQL support");
	return 1;
}
#endif
