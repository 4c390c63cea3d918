/*
 * The PostgreSQL engine (common/db/pg/jta_pg.h) against a real server:
 * tests/unit/check_store_pg.sh runs this suite on the private cluster of
 * tests/pg-cluster.sh (JTA_TEST_PG, JTA_TEST_PG_PASSWORD_FILE).  Each
 * test works in a database of its own, so suites can share the cluster.
 * The test reaches the server with libpq directly to play the operator
 * (refusing connections, making the database read-only, terminating our
 * session); the engine under test never sees that connection.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <libpq-fe.h>

#include "check_main.h"
#include "jta_db.h"
#include "jta_log.h"
#include "jta_audit.h"
#include "jta_limits.h"
#include "jta_pg.h"
#include "jta_conf.h"
#include "jta_policy.h"
#include "jta_store_authz.h"
#include "jta_store_chat.h"
#include "jta_store_drafts.h"
#include "jta_store_meta.h"
#include "jta_store_ops.h"
#include "jta_store_people.h"
#include "jta_store_tickets.h"
#include "jta_time.h"
#include "jta_vault.h"

static char	 tmproot[] = "/tmp/jta-check-pg-XXXXXX";
static int	 ndb;

/* The cluster's password, read from JTA_TEST_PG_PASSWORD_FILE. */
static void
password(char *pw, size_t sz)
{
	const char	*path = getenv("JTA_TEST_PG_PASSWORD_FILE");
	FILE		*f;

	ck_assert_ptr_nonnull(path);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(pw, (int)sz, f));
	fclose(f);
	pw[strcspn(pw, "\n")] = '\0';
}

/* A connection as the operator, to database db (NULL: the cluster's). */
static PGconn *
admin(const char *db)
{
	const char	*kw[4] = { "dbname", "password", NULL, NULL };
	const char	*val[4];
	char		 pw[128];
	PGconn		*c;

	password(pw, sizeof(pw));
	val[0] = getenv("JTA_TEST_PG");
	val[1] = pw;
	val[2] = NULL;
	if (db != NULL) {
		kw[2] = "dbname";	/* after the expanded one: wins */
		val[2] = db;
	}
	c = PQconnectdbParams(kw, val, 1);
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "admin: %s",
	    PQerrorMessage(c));
	return c;
}

static void
sql(PGconn *c, const char *q)
{
	PGresult	*r = PQexec(c, q);
	ExecStatusType	 s = PQresultStatus(r);

	ck_assert_msg(s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK,
	    "%s: %s", q, PQerrorMessage(c));
	PQclear(r);
}

/* A new empty database; its name in name, a conninfo for it in url. */
static void
freshdb(char *name, size_t namesz, char *url, size_t urlsz)
{
	PGconn	*c = admin(NULL);
	char	 q[320];

	snprintf(name, namesz, "jta_t%ld_%d", (long)getpid(), ndb++);
	snprintf(q, sizeof(q), "CREATE DATABASE %s", name);
	sql(c, q);
	PQfinish(c);
	snprintf(url, urlsz, "%s dbname=%s", getenv("JTA_TEST_PG"), name);
}

/* End every session of application "jta" on database db. */
static void
kick(const char *db)
{
	PGconn	*c = admin(NULL);
	char	 q[320];

	snprintf(q, sizeof(q), "SELECT pg_terminate_backend(pid) FROM "
	    "pg_stat_activity WHERE datname = '%s' AND application_name = "
	    "'jta'", db);
	sql(c, q);
	PQfinish(c);
}

static struct jta_pg_conf
pgconf(const char *url)
{
	struct jta_pg_conf pc;

	pc.url = url;
	pc.password_file = getenv("JTA_TEST_PG_PASSWORD_FILE");
	pc.sslmode = "";
	pc.statement_timeout_ms = 4000;
	pc.connect_timeout_s = 10;
	return pc;
}

/* A copy of the password file, or a wrong password, at mode. */
static void
pwfile(char *path, size_t sz, const char *pw, mode_t mode)
{
	char	 good[128];
	int	 fd;

	if (pw == NULL) {
		password(good, sizeof(good));
		pw = good;
	}
	snprintf(path, sz, "%s/pw%d", tmproot, ndb++);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, pw, strlen(pw)), (ssize_t)strlen(pw));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

START_TEST(init_creates_the_current_schema)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	struct jta_error e;
	char		 db[64], url[512], msg[512], what[256];
	int		 v;

	freshdb(db, sizeof(db), url, sizeof(url));
	pc = pgconf(url);
	/* Before init: refused, telling the operator what to run. */
	ck_assert_int_eq(jta_pg_open(&pc, 0, &pg, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_ptr_null(pg);
	ck_assert_ptr_nonnull(strstr(msg, "jta-admin init"));
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_pg_version(pg, &v, &e), JTA_OK);
	ck_assert_int_eq(v, JTA_PG_VERSION);
	ck_assert_int_eq(jta_pg_check(pg, what, sizeof(what)), JTA_OK);
	ck_assert_str_eq(what, "ok");
	/* A second init is a no-op. */
	ck_assert_int_eq(jta_pg_migrate(pg, JTA_PG_VERSION, msg,
	    sizeof(msg)), JTA_OK);
	jta_pg_close(pg);
	ck_assert_int_eq(jta_pg_open(&pc, 0, &pg, msg, sizeof(msg)), JTA_OK);
	jta_pg_close(pg);
}
END_TEST

START_TEST(newer_schema_refused)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	PGconn		*c;
	char		 db[64], url[512], msg[512];

	freshdb(db, sizeof(db), url, sizeof(url));
	pc = pgconf(url);
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_OK);
	jta_pg_close(pg);
	pg = NULL;
	c = admin(db);
	sql(c, "UPDATE jta_schema SET version = 99");
	PQfinish(c);
	ck_assert_int_eq(jta_pg_open(&pc, 0, &pg, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(msg, "newer"));
	ck_assert_ptr_null(pg);
}
END_TEST

START_TEST(wrong_password_refused_and_not_shown)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	char		 db[64], url[512], msg[512], path[256];

	freshdb(db, sizeof(db), url, sizeof(url));
	pc = pgconf(url);
	pwfile(path, sizeof(path), "not-the-Secret-42", 0600);
	pc.password_file = path;
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_ERR_DB);
	ck_assert_ptr_null(pg);
	ck_assert_ptr_nonnull(strstr(msg, "database_url: cannot connect"));
	ck_assert_ptr_null(strstr(msg, "not-the-Secret-42"));
}
END_TEST

START_TEST(password_file_others_can_read_refused)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	char		 db[64], url[512], msg[512], path[256];

	freshdb(db, sizeof(db), url, sizeof(url));
	pc = pgconf(url);
	pwfile(path, sizeof(path), NULL, 0644);
	pc.password_file = path;
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(msg, "database_password_file"));
	/* The same password at 0600 connects. */
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_OK);
	jta_pg_close(pg);
}
END_TEST

/* The test cluster has no TLS: sslmode=require must then fail, which
 * shows the setting reaches libpq (over the URL's, which says
 * nothing); disable connects. */
START_TEST(sslmode_is_honoured)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	char		 db[64], url[512], msg[512];

	freshdb(db, sizeof(db), url, sizeof(url));
	pc = pgconf(url);
	pc.sslmode = "require";
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_ERR_DB);
	ck_assert_ptr_nonnull(strstr(msg, "SSL"));
	pc.sslmode = "disable";
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_OK);
	jta_pg_close(pg);
}
END_TEST

START_TEST(statement_timeout_set_per_session)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	struct jta_error e;
	char		 db[64], url[512], msg[512];
	long		 ms;

	freshdb(db, sizeof(db), url, sizeof(url));
	pc = pgconf(url);
	pc.statement_timeout_ms = 1234;
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_pg_timeout_ms(pg, &ms, &e), JTA_OK);
	ck_assert_int_eq(ms, 1234);
	/* Still set on the session after a reconnection. */
	kick(db);
	ck_assert_int_eq(jta_pg_timeout_ms(pg, &ms, &e), JTA_OK);
	ck_assert_int_eq(ms, 1234);
	jta_pg_close(pg);
}
END_TEST

START_TEST(down_is_503_then_recovers_without_reopening)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	struct jta_error e;
	PGconn		*c;
	char		 db[64], url[512], msg[512], q[320];
	int		 v;

	freshdb(db, sizeof(db), url, sizeof(url));
	pc = pgconf(url);
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_pg_health(pg, &v, &e), JTA_OK);
	/* The database refuses connections and ends ours. */
	c = admin(NULL);
	snprintf(q, sizeof(q), "ALTER DATABASE %s ALLOW_CONNECTIONS false",
	    db);
	sql(c, q);
	kick(db);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_pg_health(pg, &v, &e), JTA_ERR_DB);
	ck_assert_int_eq(e.status, 503);
	ck_assert_int_gt(e.retry_after, 0);
	ck_assert_int_eq(jta_pg_health(pg, &v, &e), JTA_ERR_DB);
	ck_assert_int_eq(e.status, 503);
	/* Back: the same handle serves again. */
	snprintf(q, sizeof(q), "ALTER DATABASE %s ALLOW_CONNECTIONS true",
	    db);
	sql(c, q);
	PQfinish(c);
	ck_assert_int_eq(jta_pg_health(pg, &v, &e), JTA_OK);
	ck_assert_int_eq(v, JTA_PG_VERSION);
	jta_pg_close(pg);
}
END_TEST

START_TEST(read_only_is_503)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	struct jta_error e;
	PGconn		*c;
	char		 db[64], url[512], msg[512], q[320];
	int		 v;

	freshdb(db, sizeof(db), url, sizeof(url));
	pc = pgconf(url);
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_OK);
	c = admin(NULL);
	snprintf(q, sizeof(q), "ALTER DATABASE %s SET "
	    "default_transaction_read_only = on", db);
	sql(c, q);
	kick(db);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_pg_health(pg, &v, &e), JTA_ERR_DB);
	ck_assert_int_eq(e.status, 503);
	snprintf(q, sizeof(q), "ALTER DATABASE %s RESET "
	    "default_transaction_read_only", db);
	sql(c, q);
	PQfinish(c);
	kick(db);
	ck_assert_int_eq(jta_pg_health(pg, &v, &e), JTA_OK);
	jta_pg_close(pg);
}
END_TEST

START_TEST(missing_privileges_reported)
{
	struct jta_pg_conf pc;
	struct jta_pg	*pg = NULL;
	PGconn		*c;
	char		 db[64], url[512], msg[512], what[256], q[320];
	char		 pw[128];

	freshdb(db, sizeof(db), url, sizeof(url));
	pc = pgconf(url);
	ck_assert_int_eq(jta_pg_open(&pc, JTA_STORE_MIGRATE, &pg, msg,
	    sizeof(msg)), JTA_OK);
	jta_pg_close(pg);
	pg = NULL;
	/* A role that may read but not write the rules. */
	password(pw, sizeof(pw));
	c = admin(db);
	snprintf(q, sizeof(q), "CREATE ROLE %s_ro LOGIN PASSWORD '%s'", db,
	    pw);
	sql(c, q);
	snprintf(q, sizeof(q), "GRANT SELECT ON ALL TABLES IN SCHEMA public "
	    "TO %s_ro", db);
	sql(c, q);
	PQfinish(c);
	snprintf(url, sizeof(url), "%s dbname=%s user=%s_ro",
	    getenv("JTA_TEST_PG"), db, db);
	pc = pgconf(url);
	ck_assert_int_eq(jta_pg_open(&pc, 0, &pg, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_pg_check(pg, what, sizeof(what)), JTA_ERR_DB);
	ck_assert_ptr_nonnull(strstr(what, "may not"));
	jta_pg_close(pg);
}
END_TEST

/* ---- the contract cases shared with check_store.c ---- */

/* A new, current store on a database of its own; path gets its name. */
static struct jta_store *
newstore(char *path, size_t pathsz)
{
	static char	 url[512];
	struct jta_pg_conf pc;
	struct jta_store *st = NULL;
	char		 msg[512];

	freshdb(path, pathsz, url, sizeof(url));
	pc = pgconf(url);
	ck_assert_msg(jta_store_open_pg(&pc, JTA_STORE_MIGRATE, &st, msg,
	    sizeof(msg)) == JTA_OK, "open: %s", msg);
	return st;
}

/* A second store (another host) on the database of newstore's path. */
static struct jta_store *
samestore(const char *db)
{
	static char	 url[512];
	struct jta_pg_conf pc;
	struct jta_store *st = NULL;
	char		 msg[512];

	snprintf(url, sizeof(url), "%s dbname=%s", getenv("JTA_TEST_PG"), db);
	pc = pgconf(url);
	ck_assert_msg(jta_store_open_pg(&pc, 0, &st, msg, sizeof(msg)) ==
	    JTA_OK, "open: %s", msg);
	return st;
}

/*
 * What /healthz reports for a PostgreSQL store, through the store's seam
 * (jta_store_dbhealth) and the policy's health as the program reads it:
 * the engine, reachable, the engine's own schema version; down or
 * read-only is unreachable (the program answers 503), and it comes back
 * on the same handle.
 */
START_TEST(healthz_reports_postgresql_and_down_is_unhealthy)
{
	struct jta_store *st;
	struct jta_store_dbhealth h;
	struct jta_policy *pol = NULL;
	struct jta_policy_health ph;
	struct jta_conf	 conf;
	PGconn		*c;
	char		 db[64], q[320];

	st = newstore(db, sizeof(db));
	jta_conf_defaults(&conf);
	ck_assert_int_eq(jta_policy_new(&conf, st, NULL, &pol), JTA_OK);
	jta_store_dbhealth(st, &h);
	ck_assert_str_eq(h.engine, "postgresql");
	ck_assert_int_eq(h.reachable, 1);
	ck_assert_int_eq(h.version, JTA_PG_VERSION);
	ck_assert_int_eq(h.expected, JTA_PG_VERSION);
	jta_policy_health(pol, &ph);
	ck_assert_int_eq(ph.ok, 1);
	ck_assert_str_eq(ph.engine, "postgresql");
	ck_assert_int_eq(ph.expected, JTA_PG_VERSION);
	ck_assert_int_eq(ph.enabled, 1);
	/* Down: the database refuses connections and ends ours. */
	c = admin(NULL);
	snprintf(q, sizeof(q), "ALTER DATABASE %s ALLOW_CONNECTIONS false",
	    db);
	sql(c, q);
	kick(db);
	jta_store_dbhealth(st, &h);
	ck_assert_int_eq(h.reachable, 0);
	ck_assert_int_eq(h.version, 0);
	jta_policy_health(pol, &ph);
	ck_assert_int_eq(ph.ok, 0);
	snprintf(q, sizeof(q), "ALTER DATABASE %s ALLOW_CONNECTIONS true",
	    db);
	sql(c, q);
	jta_store_dbhealth(st, &h);
	ck_assert_int_eq(h.reachable, 1);
	/* Read-only: unhealthy too (writes would fail). */
	snprintf(q, sizeof(q), "ALTER DATABASE %s SET "
	    "default_transaction_read_only = on", db);
	sql(c, q);
	kick(db);
	jta_policy_health(pol, &ph);
	ck_assert_int_eq(ph.ok, 0);
	ck_assert_int_eq(ph.reachable, 0);
	snprintf(q, sizeof(q), "ALTER DATABASE %s RESET "
	    "default_transaction_read_only", db);
	sql(c, q);
	PQfinish(c);
	kick(db);
	jta_policy_health(pol, &ph);
	ck_assert_int_eq(ph.ok, 1);
	jta_policy_free(pol);
	jta_store_close(st);
}
END_TEST

#include "store_cases_ops.h"
#include "store_cases_audit.h"

/* A vault with a master key and a token key file (KID 1) in a new
 * directory; tkpath (600 bytes) gets the token key file. */
static struct jta_vault *
newvault(char *tkpath)
{
	struct jta_vault *v = NULL;
	char		 dir[256], kp[600], msg[1024];

	snprintf(dir, sizeof(dir), "%s/v%ldXXXXXX", tmproot, (long)getpid());
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(kp, sizeof(kp), "%s/vault.key", dir);
	snprintf(tkpath, 600, "%s/token.key", dir);
	ck_assert_int_eq(jta_vault_create_key(kp, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_vault_open(kp, &v, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_vault_keys_create(tkpath, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_msg(jta_vault_keys_load(v, tkpath, msg, sizeof(msg)) ==
	    JTA_OK, "%s", msg);
	return v;
}

/* A second vault handle on the same key files (as another host with the
 * same key files). */
static struct jta_vault *
samevault(const char *tkpath)
{
	struct jta_vault *v = NULL;
	char		 kp[600], msg[1024];

	snprintf(kp, sizeof(kp), "%s", tkpath);
	snprintf(strrchr(kp, '/'), sizeof(kp) - (size_t)(strrchr(kp, '/') -
	    kp), "/vault.key");
	ck_assert_int_eq(jta_vault_open(kp, &v, msg, sizeof(msg)), JTA_OK);
	ck_assert_msg(jta_vault_keys_load(v, tkpath, msg, sizeof(msg)) ==
	    JTA_OK, "%s", msg);
	return v;
}

static struct jta_store *
newlinkstore(char *path, size_t pathsz, char *tkpath, struct jta_vault **v)
{
	struct jta_store *st = newstore(path, pathsz);

	*v = newvault(tkpath);
	return st;
}

/* Another connection (host) to the database named path. */
static struct jta_store *
reopen(const char *path, char *msg, size_t msgsz)
{
	struct jta_pg_conf pc;
	struct jta_store *st = NULL;
	char		 url[512], m[512];

	if (msg == NULL) {
		msg = m;
		msgsz = sizeof(m);
	}
	snprintf(url, sizeof(url), "%s dbname=%s", getenv("JTA_TEST_PG"),
	    path);
	pc = pgconf(url);
	if (jta_store_open_pg(&pc, 0, &st, msg, msgsz) != JTA_OK)
		return NULL;
	return st;
}

#include "store_cases_links.h"
static long count(const char *db, const char *q);

/* A count from the database db (store_cases_codes.h). */
static long
rowcount(const char *db, const char *q)
{
	return count(db, q);
}

#include "store_cases_meta.h"
#include "store_cases_codes.h"
#include "store_cases_states.h"
#include "store_cases_clients.h"
#include "store_cases_drafts.h"
#include "store_cases_chat.h"
#include "store_cases_people.h"

/* An API key made through one host signs in on another at its next
 * request, and a revocation on the second holds on the first. */
START_TEST(key_made_on_one_host_works_on_another)
{
	struct jta_store *a, *b;
	struct jta_user	 u, got;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 db[64];

	a = newstore(db, sizeof(db));
	b = samestore(db);
	pp_adduser(a, "alice", &u);
	fakehash(h, 4);
	ck_assert_int_eq(jta_store_key_add(a, u.id, "abcdefabcdef", h, "one",
	    &e), JTA_OK);
	ck_assert_int_eq(jta_store_key_auth(b, "abcdefabcdef", h, &got),
	    JTA_OK);
	ck_assert_str_eq(got.name, "alice");
	ck_assert_int_eq(jta_store_key_revoke(b, "abcdefabcdef", &e), JTA_OK);
	ck_assert_int_eq(jta_store_key_auth(a, "abcdefabcdef", h, &got),
	    JTA_ERR_AUTH);
	memset(&e, 0, sizeof(e));
	pp_assert_err(jta_store_key_revoke(a, "abcdefabcdef", &e), &e,
	    JTA_ERR_NOTFOUND, 404, "id", NULL);
	/* The same public id twice is a conflict, not a second key. */
	memset(&e, 0, sizeof(e));
	pp_assert_err(jta_store_key_add(b, u.id, "abcdefabcdef", h, "two",
	    &e), &e, JTA_ERR_CONFLICT, 409, "id", NULL);
	jta_store_close(a);
	jta_store_close(b);
}
END_TEST

/* After a lost connection (the server restarted, our session ended) a
 * key check reconnects and answers, without reopening the store. */
START_TEST(key_auth_survives_a_lost_connection)
{
	struct jta_store *st;
	struct jta_user	 u, got;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 db[64];

	st = newstore(db, sizeof(db));
	pp_adduser(st, "alice", &u);
	fakehash(h, 5);
	ck_assert_int_eq(jta_store_key_add(st, u.id, "aaaabbbbcccc", h, NULL,
	    &e), JTA_OK);
	kick(db);
	ck_assert_int_eq(jta_store_key_auth(st, "aaaabbbbcccc", h, &got),
	    JTA_OK);
	ck_assert(got.id == u.id);
	jta_store_close(st);
}
END_TEST

/*
 * A renew on another host lands between the re-seal's read and its
 * write: the re-seal's UPDATE waits for that host's row lock, then finds
 * the generation moved and leaves the row (the newer tokens stay); it
 * counts as remaining.  Deterministic: the renewing "host" (the test's
 * own connection) holds its uncommitted renew until pg_stat_activity
 * shows the re-sealing session waiting on a lock.
 */
START_TEST(reseal_never_overwrites_a_renew_on_another_host)
{
	struct jta_store *st;
	struct jta_vault *v;
	PGconn		*c;
	PGresult	*r;
	unsigned char	*ct = NULL;
	size_t		 ctlen = 0;
	const char	*p[2];
	int		 lens[2] = { 0 }, fmts[2] = { 1, 0 };
	char		 db[64], tk[600], msg[1024], acct[32], ad[64], uid2[24];
	char		 q[320];
	int64_t		 uid[4];
	uint32_t	 kid;
	int		 i, status, res[2], waited = 0;
	pid_t		 pid;

	st = newlinkstore(db, sizeof(db), tk, &v);
	for (i = 0; i < 4; i++) {
		snprintf(acct, sizeof(acct), "acct-%d", i);
		uid[i] = linkput(st, v, acct, "access-old", "refresh-old");
	}
	jta_store_close(st);
	ck_assert_int_eq(jta_vault_keys_add(tk, &kid, msg, sizeof(msg)),
	    JTA_OK);
	snprintf(ad, sizeof(ad), "atl:%" PRId64 ":access", uid[2]);
	ck_assert_int_eq(jta_vault_seal(v, U("access-renewed"), 14, ad, &ct,
	    &ctlen), JTA_OK);
	/* The renewing host: its UPDATE is in, not committed. */
	c = admin(db);
	sql(c, "BEGIN");
	snprintf(uid2, sizeof(uid2), "%" PRId64, uid[2]);
	p[0] = (const char *)ct;
	lens[0] = (int)ctlen;
	p[1] = uid2;
	r = PQexecParams(c, "UPDATE atlassian_links SET access_ct = $1::bytea, "
	    "generation = generation + 1 WHERE user_id = $2::bigint", 2, NULL,
	    p, lens, fmts, 0);
	ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		struct jta_store *h = reopen(db, NULL, 0);
		struct jta_vault *hv = samevault(tk);
		struct jta_error e;
		size_t		 done = 0, left = 0;

		if (h == NULL ||
		    jta_store_link_reseal(h, hv, 10, &done, &left, &e) !=
		    JTA_OK)
			_exit(9);
		jta_store_close(h);
		_exit((int)(done * 3 + left) & 0x7f);
	}
	/* Wait (bounded by the suite's timeout) for the re-seal to queue on
	 * the row lock, then commit the renew. */
	snprintf(q, sizeof(q), "SELECT count(*) FROM pg_stat_activity WHERE "
	    "datname = '%s' AND application_name = 'jta' AND wait_event_type "
	    "= 'Lock'", db);
	while (!waited) {
		waited = count(NULL, q) > 0;
		if (!waited) {
			/* A re-seal that ended without waiting failed. */
			ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
			usleep(20 * 1000);
		}
	}
	sql(c, "COMMIT");
	PQfinish(c);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	res[0] = WEXITSTATUS(status) / 3;
	res[1] = WEXITSTATUS(status) % 3;
	ck_assert_int_eq(res[0], 3);
	ck_assert_int_eq(res[1], 1);
	st = reopen(db, NULL, 0);
	ck_assert_ptr_nonnull(st);
	(void)access_is(st, v, uid[2], "access-renewed");
	for (i = 0; i < 4; i++)
		if (i != 2)
			(void)access_is(st, v, uid[i], "access-old");
	free(ct);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST
#include "store_cases_usage.h"

/*
 * 8 hosts register a client each at once under a cap of 3 registered
 * clients: exactly 3 are registered, the others refused (403), as on one
 * host.  Without the registrations' advisory lock (jta_pg_clients.c)
 * the hosts count together and pass the cap.
 */
START_TEST(client_register_8_hosts_keep_the_cap)
{
	static const struct jta_store_reg_rule rule = { 3, 100, 3600, 0 };
	struct jta_store *st;
	char		 db[64];
	pid_t		 kids[8];
	int		 i, status, ok = 0, refused = 0, go[2];
	int64_t		 uid;
	char		 b;

	st = clientstore(db, sizeof(db), &uid);
	jta_store_close(st);
	/* The hosts connect first, then all start when go closes. */
	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < 8; i++) {
		ck_assert_int_ge(kids[i] = fork(), 0);
		if (kids[i] == 0) {
			struct jta_store *h = reopen(db, NULL, 0);
			struct jta_store_client_new c;
			struct jta_error e;
			unsigned char	 hh[JTA_VAULT_HASHBYTES];
			char		 id[16];
			json_t		*uris = json_pack("[s]", CL_CB);
			enum jta_err	 rc;

			close(go[1]);
			if (h == NULL || uris == NULL)
				_exit(3);
			if (read(go[0], &b, 1) < 0)
				_exit(3);
			snprintf(id, sizeof(id), "host%d", i);
			memset(hh, 0x70 + i, sizeof(hh));
			memset(&c, 0, sizeof(c));
			memset(&e, 0, sizeof(e));
			c.client_id = id;
			c.hash = hh;
			c.name = id;
			c.uris = uris;
			c.public_client = 1;
			rc = jta_store_client_register(h, &c, &rule, 5000, &e);
			jta_store_close(h);
			_exit(rc == JTA_OK ? 0 : rc == JTA_ERR_CONFLICT &&
			    e.status == 403 ? 1 : 2);
		}
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) < 2,
		    "host %d: status %d", i, status);
		if (WEXITSTATUS(status) == 0)
			ok++;
		else
			refused++;
	}
	ck_assert_int_eq(ok, 3);
	ck_assert_int_eq(refused, 5);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM oauth_clients "
	    "WHERE origin = 'registered'"), 3);
}
END_TEST

/* ---- across hosts ---- */

START_TEST(switch_off_applies_on_the_other_host)
{
	struct jta_store *a, *b;
	struct jta_store_policy p;
	struct jta_error e;
	char		 db[64];

	a = newstore(db, sizeof(db));
	b = samestore(db);
	ck_assert_int_eq(jta_store_policy_get(b, &p, &e), JTA_OK);
	ck_assert_int_eq(p.enabled, 1);
	ck_assert_int_eq(jta_store_policy_set(a, 0, "maintenance", 7, "ops",
	    &e), JTA_OK);
	/* b's next read (its next request) sees it. */
	ck_assert_int_eq(jta_store_policy_get(b, &p, &e), JTA_OK);
	ck_assert_int_eq(p.enabled, 0);
	ck_assert_str_eq(p.message, "maintenance");
	jta_store_close(a);
	jta_store_close(b);
}
END_TEST

/*
 * With one rule short of the limit, 8 processes (hosts) add a rule each
 * at once: the settings row's lock serialises them, so exactly one
 * passes the count and the other seven get 422; the generation moved by
 * exactly one.
 */
START_TEST(rule_limit_holds_across_hosts)
{
	struct jta_store *st;
	struct jta_store_policy p, q;
	struct jta_error e;
	PGconn		*c;
	char		 db[64], q1[512];
	pid_t		 kids[8];
	int		 i, status, ok = 0, full = 0;

	st = newstore(db, sizeof(db));
	ck_assert_int_eq(jta_store_policy_get(st, &p, &e), JTA_OK);
	jta_store_close(st);
	c = admin(db);
	snprintf(q1, sizeof(q1), "INSERT INTO policy_rules (effect, kind, "
	    "value, scope, created) SELECT 'deny', 'project', 'P' || g, "
	    "'all', 1 FROM generate_series(1, %d) g",
	    JTA_LIMIT_POLICY_RULES - 1);
	sql(c, q1);
	PQfinish(c);
	for (i = 0; i < 8; i++) {
		ck_assert_int_ge(kids[i] = fork(), 0);
		if (kids[i] == 0) {
			struct jta_store_rule r;
			struct jta_store *h = samestore(db);
			int64_t id;
			enum jta_err rc;

			memset(&r, 0, sizeof(r));
			snprintf(r.effect, sizeof(r.effect), "allow");
			snprintf(r.kind, sizeof(r.kind), "project");
			snprintf(r.value, sizeof(r.value), "K%d", i);
			snprintf(r.scope, sizeof(r.scope), "all");
			rc = jta_store_rule_add(h, &r, 9, "ops", &id, &e);
			jta_store_close(h);
			_exit(rc == JTA_OK ? 0 : rc == JTA_ERR_INPUT ? 1 : 2);
		}
	}
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
		ck_assert(WIFEXITED(status));
		ok += WEXITSTATUS(status) == 0;
		full += WEXITSTATUS(status) == 1;
	}
	ck_assert_int_eq(ok, 1);
	ck_assert_int_eq(full, 7);
	st = samestore(db);
	ck_assert_int_eq(jta_store_policy_get(st, &q, &e), JTA_OK);
	ck_assert(q.generation == p.generation + 1);
	jta_store_close(st);
}
END_TEST

/* A contract not on PostgreSQL (the ticket store stays on SQLite) fails
 * closed (an error, 500), never reaching SQLite's code with a PostgreSQL
 * store. */
START_TEST(unimplemented_contract_fails_closed)
{
	struct jta_store *st;
	struct jta_error e;
	char		 db[64];

	st = newstore(db, sizeof(db));
	memset(&e, 0, sizeof(e));
	ck_assert_int_ne(jta_store_project_add(st, "PRJ", "Project", NULL,
	    &e), JTA_OK);
	ck_assert_int_eq(e.status, 500);
	jta_store_close(st);
}
END_TEST

/* A count from the database db (the operator's view). */
static long
count(const char *db, const char *q)
{
	PGconn		*c = admin(db);
	PGresult	*r = PQexec(c, q);
	long		 n;

	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", q,
	    PQerrorMessage(c));
	n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return n;
}

/*
 * One person finishes the Atlassian consent on 8 hosts at once (a
 * retried callback behind a load balancer): every host links, and there
 * is one local user and one link, not a conflict.
 */
START_TEST(link_put_same_account_on_8_hosts)
{
	struct jta_store *st;
	struct jta_vault *v;
	char		 db[64], tk[600];
	pid_t		 kids[8];
	int		 i, status;

	st = newlinkstore(db, sizeof(db), tk, &v);
	jta_store_close(st);
	for (i = 0; i < 8; i++) {
		ck_assert_int_ge(kids[i] = fork(), 0);
		if (kids[i] == 0) {
			struct jta_store *h = reopen(db, NULL, 0);
			struct jta_vault *hv = samevault(tk);
			struct jta_link	 l;
			struct jta_user	 u;
			struct jta_error e;
			enum jta_err	 rc;

			if (h == NULL)
				_exit(2);
			fillink(&l, "557058:twice", "Ada");
			rc = jta_store_link_put(h, hv, &l, U("access"), 6,
			    jta_time_now() + 3600, U("refresh"), 7, &u, &e);
			jta_store_close(h);
			jta_vault_close(hv);
			_exit(rc == JTA_OK ? 0 : 1);
		}
	}
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "host %d: status %d", i, status);
	}
	ck_assert_int_eq(count(db, "SELECT count(*) FROM users"), 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM atlassian_links"),
	    1);
	jta_vault_close(v);
}
END_TEST

static Suite *
pg_suite(void)
{
	Suite	*s = suite_create("store_pg");
	TCase	*tc = tcase_create("engine");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, init_creates_the_current_schema);
	tcase_add_test(tc, newer_schema_refused);
	tcase_add_test(tc, wrong_password_refused_and_not_shown);
	tcase_add_test(tc, password_file_others_can_read_refused);
	tcase_add_test(tc, sslmode_is_honoured);
	tcase_add_test(tc, statement_timeout_set_per_session);
	tcase_add_test(tc, down_is_503_then_recovers_without_reopening);
	tcase_add_test(tc, read_only_is_503);
	tcase_add_test(tc, missing_privileges_reported);
	tcase_add_test(tc, healthz_reports_postgresql_and_down_is_unhealthy);
	suite_add_tcase(s, tc);
	tc = tcase_create("policy");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, policy_switch_and_generation);
	tcase_add_test(tc, policy_rules_add_list_remove_bump_generation);
	tcase_add_test(tc, switch_off_applies_on_the_other_host);
	tcase_add_test(tc, rule_limit_holds_across_hosts);
	tcase_add_test(tc, unimplemented_contract_fails_closed);
	suite_add_tcase(s, tc);
	tc = tcase_create("audit");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, audit_write_and_filters);
	tcase_add_test(tc, audit_write_refuses_bad_fields_and_cleans_detail);
	suite_add_tcase(s, tc);
	tc = tcase_create("links");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, lease_refuses_bad_owner_and_unknown_link);
	tcase_add_test(tc, renew_only_by_the_lease_owner);
	tcase_add_test(tc, renew_without_refresh_keeps_the_old_one);
	tcase_add_test(tc, release_lets_a_sibling_claim);
	tcase_add_test(tc, lease_16_processes_refresh_once);
	tcase_add_test(tc, link_put_same_account_on_8_hosts);
	suite_add_tcase(s, tc);
	tc = tcase_create("people");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, user_add_get_and_duplicate);
	tcase_add_test(tc, user_list_sorted_by_name);
	tcase_add_test(tc, key_add_auth_revoke);
	tcase_add_test(tc, key_revoke_unknown_is_notfound);
	tcase_add_test(tc, key_list_all_or_one_user);
	tcase_add_test(tc, password_hash_set_get_clear);
	tcase_add_test(tc, password_set_revokes_grants);
	tcase_add_test(tc, reseal_moves_every_token_to_the_new_key);
	tcase_add_test(tc, link_remove_deletes_link_and_revokes_tokens);
	tcase_add_test(tc, key_made_on_one_host_works_on_another);
	tcase_add_test(tc, key_auth_survives_a_lost_connection);
	tcase_add_test(tc, reseal_never_overwrites_a_renew_on_another_host);
	suite_add_tcase(s, tc);
	tc = tcase_create("meta");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, meta_put_get_since_drop_clear);
	tcase_add_test(tc, meta_put_on_one_host_read_on_another);
	tcase_add_test(tc, meta_8_hosts_put_one_entry_at_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("usage");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, usage_counts_and_conversations);
	tcase_add_test(tc, usage_fold_batches_once);
	tcase_add_test(tc, usage_quotas_own_wins_over_default);
	tcase_add_test(tc, usage_quota_generation_moves_with_every_write);
	tcase_add_test(tc, usage_summary_for_the_admin_page);
	tcase_add_test(tc, usage_tokens_and_files_add_up);
	tcase_add_test(tc, usage_8_hosts_count_every_call);
	tcase_add_test(tc, usage_8_hosts_quota_overshoot_bounded);
	suite_add_tcase(s, tc);
	tc = tcase_create("codes");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, code_put_take_rollback_commit_reuse);
	tcase_add_test(tc, code_take_8_hosts_at_once_one_wins);
	tcase_add_test(tc, token_family_rotate_later_drop_spend_revoke);
	tcase_add_test(tc, token_rotate_8_hosts_at_once_one_wins);
	tcase_add_test(tc, lockout_counts_locks_and_forgets);
	tcase_add_test(tc, lockout_8_hosts_count_every_failure);
	tcase_add_test(tc, user_grants_revoke_kills_tokens_and_codes);
	tcase_add_test(tc, state_carries_request);
	tcase_add_test(tc, state_single_use);
	tcase_add_test(tc, state_expires_and_is_purged);
	tcase_add_test(tc, state_take_8_hosts_at_once_one_wins);
	tcase_add_test(tc, client_add_get_name_secret_list_remove);
	tcase_add_test(tc, client_register_bounds_rate_and_total);
	tcase_add_test(tc, cimd_cache_expires_replaces_and_trims);
	tcase_add_test(tc, client_prune_removes_only_idle_registered);
	tcase_add_test(tc, client_register_prunes_idle_before_cap);
	tcase_add_test(tc, client_register_8_hosts_keep_the_cap);
	suite_add_tcase(s, tc);
	tc = tcase_create("drafts");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, draft_put_get_edit_only_by_its_owner);
	tcase_add_test(tc, draft_files_capped_listed_marked_and_collected);
	tcase_add_test(tc, draft_claim_submit_then_done_repeats);
	tcase_add_test(tc, draft_discard_only_ready_and_only_its_owners);
	tcase_add_test(tc, draft_lease_ran_out_is_taken_over);
	tcase_add_test(tc, draft_release_unknown_resumes_definite_goes_ready);
	tcase_add_test(tc, idem_claim_states);
	tcase_add_test(tc, draft_submit_8_hosts_at_once_one_wins);
	tcase_add_test(tc, idem_key_8_hosts_at_once_one_wins_then_replays);
	suite_add_tcase(s, tc);
	tc = tcase_create("chat");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, chat_conversations_are_the_persons_and_expire);
	tcase_add_test(tc, chat_actions_are_single_use_and_the_persons);
	tcase_add_test(tc, chat_conversation_continues_on_another_host);
	tcase_add_test(tc, chat_action_confirmed_on_8_hosts_runs_once);
	suite_add_tcase(s, tc);
	return s;
}

static int
rmentry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
done(void)
{
	nftw(tmproot, rmentry, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	if (getenv("JTA_TEST_PG") == NULL ||
	    getenv("JTA_TEST_PG_PASSWORD_FILE") == NULL) {
		fprintf(stderr, "check_store_pg: JTA_TEST_PG is not set: run "
		    "it through tests/unit/check_store_pg.sh\n");
		return NULL;
	}
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	jta_check_at_end(done);
	return pg_suite();
}
