/*
 * Unit tests for jta_store on real SQLite files in a temporary directory.
 * The product's rule that only jta_store includes sqlite3.h is for product
 * code: these tests open the files directly to look at what the store
 * wrote (journal mode, user_version) and to set timestamps to known values.
 */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/wait.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>

#include "jta_audit.h"
#include "jta_conf.h"
#include "jta_db.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_oauth.h"
#include "jta_store_authz.h"
#include "jta_store_chat.h"
#include "jta_store_drafts.h"
#include "jta_store_meta.h"
#include "jta_store_ops.h"
#include "jta_store_people.h"
#include "jta_store_tickets.h"
#include "jta_store_usage.h"
#include "jta_suggest.h"
#include "jta_store_requesttypes.h"
#include "jta_time.h"
#include "jta_types.h"

#include "check_main.h"

static char	 tmproot[] = "/tmp/jta-unit-XXXXXX";

/* SQL that takes a current file back to schema 21: migration 22 (issue
 * 16, branch store-speed) only set the ticket indexes' merge options. */
#define DOWN_TO_21 \
	"INSERT INTO ticket_fts(ticket_fts, rank) VALUES ('automerge', 4);" \
	"INSERT INTO ticket_fts(ticket_fts, rank) VALUES ('crisismerge', 16);" \
	"INSERT INTO ticket_tri(ticket_tri, rank) VALUES ('automerge', 4);" \
	"INSERT INTO ticket_tri(ticket_tri, rank) VALUES ('crisismerge', 16);" \
	"PRAGMA user_version = 21;"
/* ... back to schema 20 (drops what migration 21 made: the quota
 * cache's generation and its triggers). */
#define DOWN_TO_20 DOWN_TO_21 \
	"DROP TRIGGER quotas_gen_insert; DROP TRIGGER quotas_gen_update;" \
	"DROP TRIGGER quotas_gen_delete; DROP TABLE quota_settings;" \
	"PRAGMA user_version = 20;"
/* ... back to schema 19: migration 20 (branch
 * usage) only widened the quotas' CHECK (files, file_bytes), which a
 * version-19 file may keep, as migration 20 makes the table anew. */
#define DOWN_TO_19 DOWN_TO_20 \
	"PRAGMA user_version = 19;"
/* ... back to schema 18 (drops what migration 19 made: the embedded
 * store's ticket attachments). */
#define DOWN_TO_18 DOWN_TO_19 \
	"DROP TABLE ticket_attachments;" \
	"PRAGMA user_version = 18;"
/* ... back to schema 17 (drops what migration 18 made: draft
 * attachments). */
#define DOWN_TO_17 DOWN_TO_18 \
	"DROP TABLE draft_attachments;" \
	"PRAGMA user_version = 17;"
/* ... back to schema 16: migration 17 only widened the quotas' CHECK
 * (the model's tokens), which a version-16 file may keep, as migration
 * 17 makes the table anew from any. */
#define DOWN_TO_16 DOWN_TO_17 \
	"PRAGMA user_version = 16;"
/* ... back to schema 15 (drops what migration 16 made: the chat's
 * conversations). */
#define DOWN_TO_15 DOWN_TO_16 \
	"DROP TABLE chat_actions; DROP TABLE chat_conversations;" \
	"PRAGMA user_version = 15;"
/* ... back to schema 14 (drops what migration 15 made: the Jira metadata
 * cache). */
#define DOWN_TO_14 DOWN_TO_15 \
	"DROP TABLE jira_meta;" \
	"PRAGMA user_version = 14;"
/* ... back to schema 13 (drops what migration 14 made: the clients'
 * last use). */
#define DOWN_TO_13 DOWN_TO_14 \
	"ALTER TABLE oauth_clients DROP COLUMN last_used;" \
	"PRAGMA user_version = 13;"
/* ... back to schema 12 (drops what migration 13 made: request types). */
#define DOWN_TO_12 DOWN_TO_13 \
	"DROP TABLE ticket_request_types; DROP TABLE request_types;" \
	"PRAGMA user_version = 12;"
/* ... back to schema 10 (drops what migration 12 made: the declared
 * spaces, whose columns go with kb_articles, and the tickets' trigram
 * index with its triggers; and what 11 made: the knowledge base; its
 * triggers go with its table). */
#define DOWN_TO_10 DOWN_TO_12 \
	"DROP TABLE kb_spaces; DROP TRIGGER tickets_tri_insert;" \
	"DROP TRIGGER tickets_tri_update; DROP TRIGGER tickets_tri_delete;" \
	"DROP TRIGGER comments_tri_insert; DROP TABLE ticket_tri;" \
	"DROP TABLE kb_fts; DROP TABLE kb_tri; DROP TABLE kb_articles;" \
	"DROP TABLE kb_answers;" \
	"PRAGMA user_version = 10;"
/* ... and back to schema 9 (drops what migration 10 made: public and
 * registered clients, audiences). */
#define DOWN_TO_9 DOWN_TO_10 \
	"DROP TABLE oauth_client_documents;" \
	"DROP INDEX oauth_clients_origin;" \
	"ALTER TABLE oauth_clients DROP COLUMN public;" \
	"ALTER TABLE oauth_clients DROP COLUMN origin;" \
	"ALTER TABLE oauth_clients DROP COLUMN address;" \
	"ALTER TABLE oauth_codes DROP COLUMN audience;" \
	"ALTER TABLE oauth_tokens DROP COLUMN audience;" \
	"PRAGMA user_version = 9;"

/* ... back to schema 8 (drops what migration 9 made: the quotas; the
 * counts live in DATABASE.usage). */
#define DOWN_TO_8 DOWN_TO_9 \
	"DROP TABLE quotas; PRAGMA user_version = 8;"

/* ... back to schema 7 (drops what migration 8 made: the audit log). */
#define DOWN_TO_7 DOWN_TO_8 \
	"DROP TABLE audit_log; PRAGMA user_version = 7;"

/* ... back to schema 6 (drops what migration 7 made: the operators'
 * switches). */
#define DOWN_TO_6 DOWN_TO_7 \
	"DROP TABLE policy_rules; DROP TABLE policy_settings;" \
	"PRAGMA user_version = 6;"

/* SQL that takes a current file back to schema 5 (drops what migration
 * 6 made: drafts, idempotency keys, tickets.once_token). */
#define DOWN_TO_5 \
	"DROP INDEX tickets_once; ALTER TABLE tickets DROP COLUMN once_token;" \
	"DROP TABLE drafts; DROP TABLE idempotency_keys;" \
	"PRAGMA user_version = 5;"

/* ---- files and direct SQL ---- */

static void
newdir(char *dir, size_t dirsz)
{
	int n = snprintf(dir, dirsz, "%s/tXXXXXX", tmproot);

	ck_assert(n > 0 && (size_t)n < dirsz);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* A path for a database in a new directory. */
static void
newdbpath(char *path, size_t pathsz)
{
	char	 dir[256];
	int	 n;

	newdir(dir, sizeof(dir));
	n = snprintf(path, pathsz, "%s/jta.db", dir);
	ck_assert(n > 0 && (size_t)n < pathsz);
}

static sqlite3 *
sqlopen(const char *path)
{
	sqlite3	*db = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* Run sql on the file at path through a connection of our own. */
static void
sqlexec(const char *path, const char *sql)
{
	sqlite3	*db = sqlopen(path);
	char	*emsg = NULL;
	int	 rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, &emsg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, emsg ? emsg : "?");
	sqlite3_free(emsg);
	sqlite3_close(db);
}

/* The first column of the first row of sql, as text (into buf). */
static const char *
sqltext(const char *path, const char *sql, char *buf, size_t bufsz)
{
	sqlite3		*db = sqlopen(path);
	sqlite3_stmt	*s = NULL;
	int		 rc;

	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	rc = sqlite3_step(s);
	ck_assert_msg(rc == SQLITE_ROW, "%s gave no row", sql);
	snprintf(buf, bufsz, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return buf;
}

static int64_t
sqlint(const char *path, const char *sql)
{
	char	 buf[64];

	return strtoll(sqltext(path, sql, buf, sizeof(buf)), NULL, 10);
}

/* Take a current file back to version 4 (drop what migration 5 made). */
static void
downgrade_to_4(const char *path)
{
	sqlexec(path, DOWN_TO_6 DOWN_TO_5
	    "DROP TABLE login_failures;"
	    "ALTER TABLE oauth_states DROP COLUMN request;"
	    "PRAGMA user_version = 4;");
}

/* ---- store helpers ---- */

static struct jta_store *
openstore(const char *path, unsigned flags)
{
	struct jta_store *st = NULL;
	char		 msg[512];

	msg[0] = '\0';
	ck_assert_msg(jta_store_open(path, 5000, flags, &st, msg,
	    sizeof(msg)) == JTA_OK, "open: %s", msg);
	ck_assert_ptr_nonnull(st);
	return st;
}

/* A new, current store in a new directory; path gets its file name. */
static struct jta_store *
newstore(char *path, size_t pathsz)
{
	newdbpath(path, pathsz);
	return openstore(path, JTA_STORE_CREATE | JTA_STORE_MIGRATE);
}

static json_t *
J(const char *s)
{
	json_error_t	 je;
	json_t		*j = json_loadb(s, strlen(s), JSON_REJECT_DUPLICATES,
			    &je);

	ck_assert_msg(j != NULL, "bad test JSON %s: %s", s, je.text);
	return j;
}

static void
adduser(struct jta_store *st, const char *name, struct jta_user *u)
{
	struct jta_error e;
	int64_t		 id = 0;

	ck_assert_int_eq(jta_store_user_add(st, name, name, "", &id, &e),
	    JTA_OK);
	ck_assert_int_gt(id, 0);
	if (u != NULL) {
		ck_assert_int_eq(jta_store_user_get(st, name, u, &e), JTA_OK);
		ck_assert(u->id == id);
	}
}

static void
addproject(struct jta_store *st, const char *key, const char *types)
{
	struct jta_error e;
	json_t		*t = types ? J(types) : NULL;

	ck_assert_msg(jta_store_project_add(st, key, key, t, &e) == JTA_OK,
	    "project %s: %s", key, e.detail);
	json_decref(t);
}

static const char *
sget(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	ck_assert_msg(v != NULL, "%s is not a string", k);
	return v;
}

static json_int_t
iget(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", k);
	return json_integer_value(v);
}

/* A Unix time as text, for comparing the repository's rows with the
 * strings the tests were written with. */
static json_t *
tjs(int64_t t)
{
	char	 buf[JTA_TIME_STRLEN];

	jta_time_format(t, buf);
	return json_string(buf);
}

/* A comment of the repository as a JSON object (the test's view of it). */
static json_t *
commentobj(const struct jta_store_comment *c)
{
	return json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)c->id,
	    "author", c->author, "body", c->body, "created", tjs(c->created));
}

/* A whole ticket of the repository as a JSON object holding every member
 * of its data (key, row, labels, comments), then cleared. */
static json_t *
issueobj(struct jta_store_issue *is)
{
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];
	json_t		*o, *labels = json_array(), *cs = json_array();
	size_t		 i;

	ck_assert_ptr_nonnull(labels);
	ck_assert_ptr_nonnull(cs);
	for (i = 0; i < is->t.nlabels; i++)
		json_array_append_new(labels, json_string(is->t.labels[i]));
	for (i = 0; i < is->ncomments; i++)
		json_array_append_new(cs, commentobj(&is->comments[i]));
	snprintf(key, sizeof(key), "%s-%" PRId64, is->t.project, is->t.num);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:s, "
	    "s:s, s:o, s:I, s:o}", "key", key, "summary", is->t.summary,
	    "status", is->t.status, "type", is->t.type, "priority",
	    is->t.priority, "assignee", is->t.assignee[0] == '\0' ?
	    json_null() : json_string(is->t.assignee), "reporter",
	    is->t.reporter, "created", tjs(is->t.created), "updated",
	    tjs(is->t.updated), "project", is->t.project, "description",
	    is->t.description, "labels", labels, "comment_count",
	    (json_int_t)is->comment_count, "comments", cs);
	ck_assert_ptr_nonnull(o);
	jta_store_issue_clear(is);
	return o;
}

/* A row of the repository as a slim JSON issue (the test's view). */
static json_t *
slimobj(const struct jta_store_ticket *t)
{
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];

	snprintf(key, sizeof(key), "%s-%" PRId64, t->project, t->num);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o}", "key",
	    key, "summary", t->summary, "status", t->status, "type", t->type,
	    "priority", t->priority, "assignee", t->assignee[0] == '\0' ?
	    json_null() : json_string(t->assignee), "reporter", t->reporter,
	    "created", tjs(t->created), "updated", tjs(t->updated));
}

/* jta_store_ticket_search with its rows and cursor as the JSON the cases
 * were written against: {"issues": [slim], "next_cursor": or null};
 * *res NULL on failure. */
static enum jta_err
tsearch(struct jta_store *st, const struct jta_search *q, json_t **res,
    struct jta_error *e)
{
	struct jta_store_ticket_list l;
	char		 next[JTA_LIMIT_CURSOR + 1];
	json_t		*arr;
	enum jta_err	 rc;
	size_t		 i;

	*res = NULL;
	if ((rc = jta_store_ticket_search(st, q, &l, next, sizeof(next),
	    e)) != JTA_OK) {
		ck_assert_uint_eq(l.n, 0);
		ck_assert_str_eq(next, "");
		return rc;
	}
	ck_assert(l.count == (int64_t)l.n);
	arr = json_array();
	for (i = 0; i < l.n; i++) {
		/* Slim rows: the description is not read (the header). */
		ck_assert_ptr_null(l.v[i].description);
		json_array_append_new(arr, slimobj(&l.v[i]));
	}
	*res = json_pack("{s:o, s:o}", "issues", arr, "next_cursor",
	    next[0] != '\0' ? json_string(next) : json_null());
	ck_assert_ptr_nonnull(*res);
	jta_store_ticket_list_clear(&l);
	return JTA_OK;
}

/* Create a ticket from fields (JSON text); returns the ticket. */
static json_t *
tcreate(struct jta_store *st, const struct jta_user *who, const char *fields)
{
	struct jta_error e;
	struct jta_store_issue is;
	json_t		*f = J(fields);

	memset(&e, 0, sizeof(e));
	ck_assert_msg(jta_store_ticket_create(st, who, f, &is, &e) == JTA_OK,
	    "create %s: %s", fields, e.detail);
	json_decref(f);
	return issueobj(&is);
}

/* Create, keep only the key (into key). */
static void
tcreate_key(struct jta_store *st, const struct jta_user *who,
    const char *fields, char *key, size_t keysz)
{
	json_t	*t = tcreate(st, who, fields);

	snprintf(key, keysz, "%s", sget(t, "key"));
	json_decref(t);
}

static enum jta_err
tcreate_err(struct jta_store *st, const struct jta_user *who,
    const char *fields, struct jta_error *e)
{
	struct jta_store_issue is;
	json_t		*f = J(fields);
	enum jta_err	 rc;

	memset(e, 0, sizeof(*e));
	rc = jta_store_ticket_create(st, who, f, &is, e);
	json_decref(f);
	ck_assert_ptr_null(is.t.summary);
	return rc;
}

static json_t *
tget(struct jta_store *st, const char *key)
{
	struct jta_error e;
	struct jta_store_issue is;

	ck_assert_msg(jta_store_ticket_get(st, key, &is, &e) == JTA_OK,
	    "get %s: %s", key, e.detail);
	return issueobj(&is);
}

static json_t *
tupdate(struct jta_store *st, const char *key, const char *fields)
{
	struct jta_error e;
	struct jta_store_issue is;
	json_t		*f = J(fields);

	memset(&e, 0, sizeof(e));
	ck_assert_msg(jta_store_ticket_update(st, key, f, &is, &e) == JTA_OK,
	    "update %s: %s", fields, e.detail);
	json_decref(f);
	return issueobj(&is);
}

/* Move key to status to as the embedded backend does: read its status,
 * then write conditionally on it (the workflow is jta_local's). */
static void
tmove(struct jta_store *st, const char *key, const char *to)
{
	struct jta_error e;
	char		 from[64];

	ck_assert_int_eq(jta_store_ticket_status(st, key, from, sizeof(from),
	    &e), JTA_OK);
	ck_assert_msg(jta_store_ticket_move(st, key, from, to, &e) == JTA_OK,
	    "move %s to %s: %s", key, to, e.detail);
}

static void
tcomment(struct jta_store *st, const char *key, const struct jta_user *who,
    const char *body)
{
	struct jta_error e;
	struct jta_store_comment c;

	ck_assert_msg(jta_store_ticket_comment(st, key, who, body, &c, &e) ==
	    JTA_OK, "comment: %s", e.detail);
	jta_store_comment_clear(&c);
}

/* The labels of t as "a,b". */
static const char *
labelstr(const json_t *t, char *buf, size_t bufsz)
{
	const json_t	*v;
	size_t		 i, o = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(t, "labels"), i, v)
		o += (size_t)snprintf(buf + o, bufsz - o, "%s%s", i ? "," : "",
		    json_string_value(v));
	return buf;
}

static void
assert_err(enum jta_err rc, const struct jta_error *e, enum jta_err want,
    int status, const char *field, const char *has)
{
	ck_assert_msg(rc == want, "rc %d, want %d (%s)", (int)rc, (int)want,
	    e->detail);
	ck_assert_msg(e->status == status, "status %d, want %d (%s)",
	    e->status, status, e->detail);
	if (field != NULL)
		ck_assert_msg(strcmp(e->field, field) == 0, "field '%s', want "
		    "'%s'", e->field, field);
	if (has != NULL)
		ck_assert_msg(strstr(e->detail, has) != NULL,
		    "detail '%s' lacks '%s'", e->detail, has);
}

/* ---- open, schema, migration ---- */

/* /healthz's database through the store's seam: SQLite, and this
 * build's SQLite schema version. */
START_TEST(dbhealth_names_sqlite_and_its_version)
{
	struct jta_store *st;
	struct jta_store_dbhealth h;
	char		 path[512];

	st = newstore(path, sizeof(path));
	jta_store_dbhealth(st, &h);
	ck_assert_str_eq(h.engine, "sqlite");
	ck_assert_int_eq(h.reachable, 1);
	ck_assert_int_eq(h.version, JTA_STORE_VERSION);
	ck_assert_int_eq(h.expected, JTA_STORE_VERSION);
	jta_store_close(st);
}
END_TEST

START_TEST(open_creates_current_schema)
{
	struct jta_store *st;
	char		 path[512];
	int		 v = 0;

	st = newstore(path, sizeof(path));
	ck_assert_int_eq(jta_store_version(st, &v), JTA_OK);
	ck_assert_int_eq(v, JTA_STORE_VERSION);
	v = 0;
	ck_assert_int_eq(jta_store_health(st, &v), JTA_OK);
	ck_assert_int_eq(v, JTA_STORE_VERSION);
	jta_store_close(st);
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"),
	    JTA_STORE_VERSION);
}
END_TEST

START_TEST(open_creates_file_mode_0600)
{
	struct jta_store *st;
	char		 path[512];
	struct stat	 sb;
	mode_t		 old = umask(0);

	st = newstore(path, sizeof(path));
	umask(old);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	jta_store_close(st);
}
END_TEST

START_TEST(open_uses_wal_journal)
{
	struct jta_store *st;
	char		 path[512], wal[600], buf[32];
	struct jta_user	 u;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &u);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert_int_eq(access(wal, F_OK), 0);
	ck_assert_str_eq(sqltext(path, "PRAGMA journal_mode", buf,
	    sizeof(buf)), "wal");
	jta_store_close(st);
	/* WAL is a property of the file: it stays after closing. */
	ck_assert_str_eq(sqltext(path, "PRAGMA journal_mode", buf,
	    sizeof(buf)), "wal");
}
END_TEST

/*
 * Issue 16 (RSS per worker): a connection's page cache takes its pages
 * one by one as it needs them, never SQLite's bulk of 20 pages in one
 * allocation (jta_store_open sets SQLITE_CONFIG_PAGECACHE to no bulk
 * before SQLite initialises).  SQLITE_STATUS_MALLOC_SIZE keeps the
 * largest allocation SQLite asked for: with the bulk, opening a store
 * and reading it asks for 20 pages and their headers at once (87,200
 * bytes for 4 KiB pages), without it nothing near that.  The setting
 * only takes where SQLite has not initialised yet, as in each forked
 * test; with CK_FORK=no an earlier test has, and the check is not made
 * (SQLITE_CONFIG_LOG with no logger, the default, only tells which).
 */
START_TEST(open_page_cache_takes_pages_as_needed)
{
	struct jta_store *st;
	char		 path[512];
	sqlite3_int64	 cur = -1, hi = -1;
	int		 v = 0;

	if (sqlite3_config(SQLITE_CONFIG_LOG, (void *)NULL, (void *)NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "open_page_cache_takes_pages_as_needed: "
		    "SQLite initialised by an earlier test (CK_FORK=no), "
		    "not checked\n");
		return;
	}
	st = newstore(path, sizeof(path));
	jta_store_close(st);
	ck_assert_int_eq(sqlite3_status64(SQLITE_STATUS_MALLOC_SIZE, &cur,
	    &hi, 1), SQLITE_OK);
	st = openstore(path, 0);
	ck_assert_int_eq(jta_store_health(st, &v), JTA_OK);
	ck_assert_int_eq(v, JTA_STORE_VERSION);
	ck_assert_int_eq(sqlite3_status64(SQLITE_STATUS_MALLOC_SIZE, &cur,
	    &hi, 0), SQLITE_OK);
	ck_assert_msg(hi > 0 && hi < 20 * 4096, "largest SQLite allocation "
	    "%lld bytes", (long long)hi);
	jta_store_close(st);
}
END_TEST

START_TEST(open_empty_file_with_migrate)
{
	struct jta_store *st;
	char		 path[512];
	int		 fd, v = 0;

	newdbpath(path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	st = openstore(path, JTA_STORE_MIGRATE);
	ck_assert_int_eq(jta_store_version(st, &v), JTA_OK);
	ck_assert_int_eq(v, JTA_STORE_VERSION);
	jta_store_close(st);
}
END_TEST

START_TEST(open_missing_file_without_create_fails)
{
	struct jta_store *st = (struct jta_store *)&st;
	char		 path[512], msg[512];

	newdbpath(path, sizeof(path));
	msg[0] = '\0';
	ck_assert_int_ne(jta_store_open(path, 5000, JTA_STORE_MIGRATE, &st,
	    msg, sizeof(msg)), JTA_OK);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(msg, path) != NULL, "%s", msg);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(open_without_migrate_on_empty_file_is_config_error)
{
	struct jta_store *st = (struct jta_store *)&st;
	char		 path[512], msg[512];

	newdbpath(path, sizeof(path));
	msg[0] = '\0';
	ck_assert_int_eq(jta_store_open(path, 5000, JTA_STORE_CREATE, &st,
	    msg, sizeof(msg)), JTA_ERR_CONFIG);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(msg, path) != NULL, "%s", msg);
	ck_assert_msg(strstr(msg, "jta-admin init") != NULL, "%s", msg);
	/* Nothing was migrated behind the operator's back. */
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"), 0);
}
END_TEST

START_TEST(open_refuses_newer_schema)
{
	struct jta_store *st;
	char		 path[512], msg[512], sql[64];

	st = newstore(path, sizeof(path));
	jta_store_close(st);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    JTA_STORE_VERSION + 1);
	sqlexec(path, sql);
	st = (struct jta_store *)&st;
	ck_assert_int_eq(jta_store_open(path, 5000, 0, &st, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(msg, path) != NULL, "%s", msg);
	st = (struct jta_store *)&st;
	ck_assert_int_ne(jta_store_open(path, 5000, JTA_STORE_MIGRATE, &st,
	    msg, sizeof(msg)), JTA_OK);
	ck_assert_ptr_null(st);
	/* And the file is left as it was. */
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"),
	    JTA_STORE_VERSION + 1);
}
END_TEST

START_TEST(open_refuses_non_database_file)
{
	struct jta_store *st = (struct jta_store *)&st;
	char		 path[512], msg[512], junk[4096];
	int		 fd;

	newdbpath(path, sizeof(path));
	memset(junk, 'x', sizeof(junk));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	close(fd);
	msg[0] = '\0';
	ck_assert_int_ne(jta_store_open(path, 5000, JTA_STORE_MIGRATE, &st,
	    msg, sizeof(msg)), JTA_OK);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(msg, path) != NULL, "%s", msg);
}
END_TEST

START_TEST(migrate_target_out_of_range_refused)
{
	struct jta_store *st;
	char		 path[512];
	int		 v = 0;

	st = newstore(path, sizeof(path));
	ck_assert_int_ne(jta_store_migrate(st, 0), JTA_OK);
	ck_assert_int_ne(jta_store_migrate(st, JTA_STORE_VERSION + 1), JTA_OK);
	/* Asking for an older version than the file's changes nothing. */
	ck_assert_int_eq(jta_store_migrate(st, 1), JTA_OK);
	ck_assert_int_eq(jta_store_version(st, &v), JTA_OK);
	ck_assert_int_eq(v, JTA_STORE_VERSION);
	ck_assert_int_eq(jta_store_migrate(st, JTA_STORE_VERSION), JTA_OK);
	jta_store_close(st);
}
END_TEST

/*
 * Migration 1 -> 2 over data already there.  jta_store_open cannot hand
 * out a version-1 store (it migrates to the latest or refuses), so the
 * data is written through the API at version 2 and the file is then taken
 * back to exactly the version-1 schema (migration 2 only adds the FTS
 * table and its triggers) with plain SQL.
 */
START_TEST(migration_to_2_indexes_existing_tickets_and_comments)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_search q;
	struct jta_error e;
	json_t		*res;
	char		 path[512], msg[512], k1[32], k2[32];
	static const char *const words[] = { "xylophone", "quagmire",
	    "zeppelin" };
	size_t		 i;
	int		 v;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &alice);
	addproject(st, "DEMO", NULL);
	tcreate_key(st, &alice, "{\"project\":\"DEMO\",\"summary\":"
	    "\"xylophone repair\",\"description\":\"the quagmire\"}", k1,
	    sizeof(k1));
	tcreate_key(st, &alice, "{\"project\":\"DEMO\",\"summary\":"
	    "\"other\"}", k2, sizeof(k2));
	tcomment(st, k2, &alice, "mentions zeppelin");
	jta_store_close(st);

	downgrade_to_4(path);
	sqlexec(path, "DROP TABLE oauth_tokens; DROP TABLE oauth_codes;"
	    "DROP TABLE oauth_clients; ALTER TABLE users DROP COLUMN pw_hash;"
	    "DROP TABLE atlassian_links;"
	    "DROP TABLE oauth_states;"
	    "DROP TRIGGER tickets_fts_insert;"
	    "DROP TRIGGER tickets_fts_update;"
	    "DROP TRIGGER tickets_fts_delete;"
	    "DROP TRIGGER comments_fts_insert;"
	    "DROP TABLE ticket_fts;"
	    "PRAGMA user_version = 1;");
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM sqlite_master "
	    "WHERE name LIKE 'ticket_fts%'"), 0);

	/* Without MIGRATE a version-1 file is refused. */
	st = (struct jta_store *)&st;
	ck_assert_int_eq(jta_store_open(path, 5000, 0, &st, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(msg, "jta-admin init") != NULL, "%s", msg);

	st = openstore(path, JTA_STORE_MIGRATE);
	ck_assert_int_eq(jta_store_version(st, &v), JTA_OK);
	ck_assert_int_eq(v, JTA_STORE_VERSION);
	for (i = 0; i < 3; i++) {
		memset(&q, 0, sizeof(q));
		q.text = words[i];
		ck_assert_int_eq(tsearch(st, &q, &res, &e),
		    JTA_OK);
		ck_assert_msg(json_array_size(json_object_get(res, "issues"))
		    == 1, "%s not found after migration", words[i]);
		ck_assert_str_eq(sget(json_array_get(json_object_get(res,
		    "issues"), 0), "key"), i < 2 ? k1 : k2);
		json_decref(res);
	}
	/* The triggers work again for new rows. */
	tcomment(st, k1, &alice, "gramophone");
	memset(&q, 0, sizeof(q));
	q.text = "gramophone";
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "issues")), 1);
	json_decref(res);
	/* The existing comment text was kept alongside the new one. */
	q.text = "zeppelin";
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "issues")), 1);
	json_decref(res);
	jta_store_close(st);
}
END_TEST

START_TEST(close_accepts_null)
{
	jta_store_close(NULL);
}
END_TEST

/* ---- users and keys ---- */

/* ---- projects ---- */

/* Request types (schema 10): per project, unique by name ignoring case,
 * marked on the tickets raised with them, kept while they have some. */
START_TEST(request_types_add_list_mark_remove)
{
	struct jta_store *st;
	struct jta_user	 alice, bob;
	struct jta_error e;
	json_t		*l = NULL;
	char		 path[512], k1[32], k2[32], other[32];
	int64_t		 wifi = 0, help = 0, x = 0;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &alice);
	adduser(st, "bob", &bob);
	addproject(st, "IT", NULL);
	addproject(st, "HR", NULL);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_rtype_add(st, "IT", "Wi-Fi problem",
	    "Cannot join the network", "Say the floor", "summary,description",
	    &wifi, &e), JTA_OK);
	ck_assert_int_eq(jta_store_rtype_add(st, "IT", "Get IT help", NULL,
	    NULL, NULL, &help, &e), JTA_OK);
	ck_assert_int_eq(jta_store_rtype_add(st, "IT", "WI-FI PROBLEM", NULL,
	    NULL, NULL, &x, &e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_store_rtype_add(st, "NOPE", "x", NULL, NULL, NULL,
	    &x, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_rtype_list(st, "IT", &l, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l,
	    0), "help_text")), "Say the floor");
	ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(l,
	    0), "fields")), 2);
	json_decref(l);
	ck_assert_int_eq(jta_store_rtype_list(st, "HR", &l, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 0);
	json_decref(l);
	tcreate_key(st, &alice, "{\"project\":\"IT\",\"summary\":\"a\"}",
	    k1, sizeof(k1));
	tcreate_key(st, &alice, "{\"project\":\"IT\",\"summary\":\"b\"}",
	    k2, sizeof(k2));
	tcreate_key(st, &alice, "{\"project\":\"HR\",\"summary\":\"c\"}",
	    other, sizeof(other));
	ck_assert_int_eq(jta_store_rtype_mark(st, k1, wifi, &e), JTA_OK);
	/* a second mark keeps the first type */
	ck_assert_int_eq(jta_store_rtype_mark(st, k1, help, &e), JTA_OK);
	/* a type of another project is refused */
	ck_assert_int_eq(jta_store_rtype_mark(st, other, wifi, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_rtype_of(st, k1, &l, &e), JTA_OK);
	ck_assert_str_eq(json_string_value(json_object_get(l, "name")),
	    "Wi-Fi problem");
	json_decref(l);
	ck_assert_int_eq(jta_store_rtype_of(st, k2, &l, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_rtype_requests(st, alice.id, 0, &l, &e),
	    JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l,
	    0), "key")), k1);
	json_decref(l);
	ck_assert_int_eq(jta_store_rtype_requests(st, bob.id, 0, &l, &e),
	    JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 0);
	json_decref(l);
	ck_assert_int_eq(jta_store_rtype_remove(st, "IT", "wi-fi problem", &e),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_store_rtype_remove(st, "IT", "Get IT help", &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_rtype_remove(st, "IT", "Get IT help", &e),
	    JTA_ERR_NOTFOUND);
	jta_store_close(st);
}
END_TEST

START_TEST(project_add_default_types)
{
	struct jta_store *st;
	char		 path[512], *s;
	json_t		*l, *p;

	st = newstore(path, sizeof(path));
	addproject(st, "DEMO", NULL);
	ck_assert_int_eq(jta_store_project_list(st, &l), JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 1);
	p = json_array_get(l, 0);
	ck_assert_str_eq(sget(p, "key"), "DEMO");
	ck_assert_str_eq(sget(p, "name"), "DEMO");
	s = json_dumps(json_object_get(p, "types"), JSON_COMPACT);
	ck_assert_str_eq(s, "[\"Task\",\"Bug\",\"Story\"]");
	free(s);
	/* What is stored only: the priorities are the backend's. */
	ck_assert_uint_eq(json_object_size(p), 3);
	json_decref(l);
	jta_store_close(st);
}
END_TEST

START_TEST(project_add_custom_types_in_order)
{
	struct jta_store *st;
	char		 path[512], *s;
	json_t		*l;

	st = newstore(path, sizeof(path));
	addproject(st, "OPS", "[\"Incident\",\"Change\",\"Problem\"]");
	ck_assert_int_eq(jta_store_project_list(st, &l), JTA_OK);
	s = json_dumps(json_object_get(json_array_get(l, 0), "types"),
	    JSON_COMPACT);
	ck_assert_str_eq(s, "[\"Incident\",\"Change\",\"Problem\"]");
	free(s);
	json_decref(l);
	jta_store_close(st);
}
END_TEST

START_TEST(project_duplicate_type_is_422_and_adds_nothing)
{
	struct jta_store *st;
	struct jta_error e;
	char		 path[512];
	json_t		*t, *l;

	st = newstore(path, sizeof(path));
	t = J("[\"Bug\",\"Task\",\"bug\"]");
	memset(&e, 0, sizeof(e));
	assert_err(jta_store_project_add(st, "DEMO", "Demo", t, &e), &e,
	    JTA_ERR_INPUT, 422, "types", NULL);
	json_decref(t);
	ck_assert_int_eq(jta_store_project_list(st, &l), JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 0);
	json_decref(l);
	/* The key is still free. */
	addproject(st, "DEMO", NULL);
	jta_store_close(st);
}
END_TEST

START_TEST(project_duplicate_key_is_409)
{
	struct jta_store *st;
	struct jta_error e;
	char		 path[512];
	json_t		*l;

	st = newstore(path, sizeof(path));
	addproject(st, "DEMO", NULL);
	memset(&e, 0, sizeof(e));
	assert_err(jta_store_project_add(st, "DEMO", "Again", NULL, &e), &e,
	    JTA_ERR_CONFLICT, 409, "key", NULL);
	ck_assert_int_eq(jta_store_project_list(st, &l), JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 1);
	ck_assert_str_eq(sget(json_array_get(l, 0), "name"), "DEMO");
	json_decref(l);
	jta_store_close(st);
}
END_TEST

START_TEST(project_list_ordered_by_key)
{
	struct jta_store *st;
	char		 path[512];
	json_t		*l;

	st = newstore(path, sizeof(path));
	addproject(st, "ZED", NULL);
	addproject(st, "ABC", "[\"Epic\"]");
	addproject(st, "MID", NULL);
	ck_assert_int_eq(jta_store_project_list(st, &l), JTA_OK);
	ck_assert_uint_eq(json_array_size(l), 3);
	ck_assert_str_eq(sget(json_array_get(l, 0), "key"), "ABC");
	ck_assert_str_eq(sget(json_array_get(l, 1), "key"), "MID");
	ck_assert_str_eq(sget(json_array_get(l, 2), "key"), "ZED");
	ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(l,
	    0), "types")), 1);
	json_decref(l);
	jta_store_close(st);
}
END_TEST

/* The header promises every project; nothing says "the first 256". */
START_TEST(project_list_returns_all_projects)
{
	struct jta_store *st;
	char		 path[512], key[16];
	json_t		*l;
	size_t		 n;
	int		 i;

	st = newstore(path, sizeof(path));
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "P%03d", i);
		addproject(st, key, "[\"Task\"]");
	}
	ck_assert_int_eq(jta_store_project_list(st, &l), JTA_OK);
	n = json_array_size(l);
	snprintf(key, sizeof(key), "%s", n > 0 ?
	    sget(json_array_get(l, n - 1), "key") : "");
	json_decref(l);
	jta_store_close(st);
	ck_assert_uint_eq(n, 300);
	ck_assert_str_eq(key, "P299");
}
END_TEST

/* ---- tickets ---- */

START_TEST(ticket_numbers_count_per_project)
{
	struct jta_store *st;
	struct jta_user	 a;
	char		 path[512], k[32];

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	addproject(st, "OPS", NULL);
	tcreate_key(st, &a, "{\"project\":\"DEMO\",\"summary\":\"a\"}", k,
	    sizeof(k));
	ck_assert_str_eq(k, "DEMO-1");
	tcreate_key(st, &a, "{\"project\":\"DEMO\",\"summary\":\"b\"}", k,
	    sizeof(k));
	ck_assert_str_eq(k, "DEMO-2");
	tcreate_key(st, &a, "{\"project\":\"OPS\",\"summary\":\"c\"}", k,
	    sizeof(k));
	ck_assert_str_eq(k, "OPS-1");
	tcreate_key(st, &a, "{\"project\":\"DEMO\",\"summary\":\"d\"}", k,
	    sizeof(k));
	ck_assert_str_eq(k, "DEMO-3");
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_create_defaults)
{
	struct jta_store *st;
	struct jta_user	 a;
	char		 path[512];
	json_t		*t;
	int64_t		 c, now = jta_time_now();

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	t = tcreate(st, &a, "{\"project\":\"DEMO\",\"summary\":\"Printer\"}");
	ck_assert_str_eq(sget(t, "key"), "DEMO-1");
	ck_assert_str_eq(sget(t, "project"), "DEMO");
	ck_assert_str_eq(sget(t, "summary"), "Printer");
	ck_assert_str_eq(sget(t, "description"), "");
	ck_assert_str_eq(sget(t, "type"), "Task");
	ck_assert_str_eq(sget(t, "priority"), "Medium");
	ck_assert_str_eq(sget(t, "status"), "Open");
	ck_assert_str_eq(sget(t, "reporter"), "alice");
	ck_assert(json_is_null(json_object_get(t, "assignee")));
	ck_assert_uint_eq(json_array_size(json_object_get(t, "labels")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(t, "comments")), 0);
	ck_assert_int_eq(iget(t, "comment_count"), 0);
	ck_assert_str_eq(sget(t, "created"), sget(t, "updated"));
	ck_assert_int_eq(jta_time_parse(sget(t, "created"), 20, &c), 0);
	ck_assert(c >= now - 5 && c <= now + 5);
	/* No url: the backend adds it. */
	ck_assert_ptr_null(json_object_get(t, "url"));
	json_decref(t);
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_create_all_fields)
{
	struct jta_store *st;
	struct jta_user	 a;
	char		 path[512], l[128];
	json_t		*t, *g;
	char		*s1, *s2;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	adduser(st, "bob", NULL);
	addproject(st, "DEMO", NULL);
	t = tcreate(st, &a, "{\"project\":\"DEMO\",\"summary\":\"Jam\","
	    "\"type\":\"Bug\",\"description\":\"Floor 3\\nline 2\","
	    "\"priority\":\"High\",\"labels\":[\"zeta\",\"alpha\",\"zeta\"],"
	    "\"assignee\":\"bob\"}");
	ck_assert_str_eq(sget(t, "type"), "Bug");
	ck_assert_str_eq(sget(t, "description"), "Floor 3\nline 2");
	ck_assert_str_eq(sget(t, "priority"), "High");
	ck_assert_str_eq(sget(t, "assignee"), "bob");
	ck_assert_str_eq(labelstr(t, l, sizeof(l)), "alpha,zeta");
	/* get answers the same ticket. */
	g = tget(st, "DEMO-1");
	s1 = json_dumps(t, JSON_SORT_KEYS | JSON_COMPACT);
	s2 = json_dumps(g, JSON_SORT_KEYS | JSON_COMPACT);
	ck_assert_str_eq(s1, s2);
	free(s1);
	free(s2);
	json_decref(g);
	json_decref(t);
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_type_case_insensitive_canonical)
{
	struct jta_store *st;
	struct jta_user	 a;
	char		 path[512];
	json_t		*t;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "OPS", "[\"Incident\",\"Change\"]");
	t = tcreate(st, &a, "{\"project\":\"OPS\",\"summary\":\"x\","
	    "\"type\":\"iNCIDENT\"}");
	ck_assert_str_eq(sget(t, "type"), "Incident");
	json_decref(t);
	/* The default is the project's first type. */
	t = tcreate(st, &a, "{\"project\":\"OPS\",\"summary\":\"y\"}");
	ck_assert_str_eq(sget(t, "type"), "Incident");
	json_decref(t);
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_unknown_type_is_refused)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	char		 path[512], k[32];

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "OPS", "[\"Incident\",\"Change\"]");
	/* A storage fact, err untouched (jta_local names the types). */
	assert_err(tcreate_err(st, &a, "{\"project\":\"OPS\",\"summary\":"
	    "\"x\",\"type\":\"Bug\"}", &e), &e, JTA_ERR_INPUT, 0, NULL,
	    NULL);
	/* The failed create used no number. */
	tcreate_key(st, &a, "{\"project\":\"OPS\",\"summary\":\"y\"}", k,
	    sizeof(k));
	ck_assert_str_eq(k, "OPS-1");
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_unknown_project_is_refused)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	char		 path[512];

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	assert_err(tcreate_err(st, &a, "{\"project\":\"NOPE\",\"summary\":"
	    "\"x\"}", &e), &e, JTA_ERR_INPUT, 0, NULL, NULL);
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_unknown_assignee_is_refused)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	char		 path[512], k[32];

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	assert_err(tcreate_err(st, &a, "{\"project\":\"DEMO\",\"summary\":"
	    "\"x\",\"assignee\":\"mallory\"}", &e), &e, JTA_ERR_INPUT, 0,
	    NULL, NULL);
	tcreate_key(st, &a, "{\"project\":\"DEMO\",\"summary\":\"y\"}", k,
	    sizeof(k));
	ck_assert_str_eq(k, "DEMO-1");
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_get_not_found_is_notfound)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	char		 path[512];
	struct jta_store_issue is;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	json_decref(tcreate(st, &a,
	    "{\"project\":\"DEMO\",\"summary\":\"a\"}"));
	/* A storage fact, err untouched: the backend words it. */
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_ticket_get(st, "DEMO-2", &is, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_ptr_null(is.t.summary);
	ck_assert_int_eq(e.status, 0);
	ck_assert_int_eq(jta_store_ticket_get(st, "OPS-1", &is, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_ticket_get(st, "not a key", &is, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_ptr_null(is.t.summary);
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_update_each_field)
{
	struct jta_store *st;
	struct jta_user	 a;
	char		 path[512], l[128];
	json_t		*t;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	adduser(st, "bob", NULL);
	addproject(st, "DEMO", NULL);
	json_decref(tcreate(st, &a, "{\"project\":\"DEMO\",\"summary\":\"a\","
	    "\"description\":\"d\",\"labels\":[\"x\"]}"));

	t = tupdate(st, "DEMO-1", "{\"summary\":\"new summary\"}");
	ck_assert_str_eq(sget(t, "summary"), "new summary");
	ck_assert_str_eq(sget(t, "description"), "d");
	json_decref(t);
	t = tupdate(st, "DEMO-1", "{\"description\":\"new\\ndesc\"}");
	ck_assert_str_eq(sget(t, "description"), "new\ndesc");
	ck_assert_str_eq(sget(t, "summary"), "new summary");
	json_decref(t);
	t = tupdate(st, "DEMO-1", "{\"type\":\"story\"}");
	ck_assert_str_eq(sget(t, "type"), "Story");
	json_decref(t);
	t = tupdate(st, "DEMO-1", "{\"priority\":\"Lowest\"}");
	ck_assert_str_eq(sget(t, "priority"), "Lowest");
	json_decref(t);
	t = tupdate(st, "DEMO-1", "{\"labels\":[\"b\",\"a\"]}");
	ck_assert_str_eq(labelstr(t, l, sizeof(l)), "a,b");
	json_decref(t);
	t = tupdate(st, "DEMO-1", "{\"assignee\":\"bob\"}");
	ck_assert_str_eq(sget(t, "assignee"), "bob");
	json_decref(t);
	t = tupdate(st, "DEMO-1", "{\"assignee\":null}");
	ck_assert(json_is_null(json_object_get(t, "assignee")));
	json_decref(t);
	t = tupdate(st, "DEMO-1", "{\"labels\":null,\"description\":null}");
	ck_assert_uint_eq(json_array_size(json_object_get(t, "labels")), 0);
	ck_assert_str_eq(sget(t, "description"), "");
	/* Status and reporter are not fields of an update. */
	ck_assert_str_eq(sget(t, "status"), "Open");
	ck_assert_str_eq(sget(t, "reporter"), "alice");
	json_decref(t);
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_update_sets_updated_time)
{
	struct jta_store *st;
	struct jta_user	 a;
	char		 path[512];
	json_t		*t;
	int64_t		 up, now = jta_time_now();

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	json_decref(tcreate(st, &a,
	    "{\"project\":\"DEMO\",\"summary\":\"a\"}"));
	sqlexec(path, "UPDATE tickets SET created = 1000000000, "
	    "updated = 1000000000");
	t = tupdate(st, "DEMO-1", "{\"priority\":\"High\"}");
	ck_assert_str_eq(sget(t, "created"), "2001-09-09T01:46:40Z");
	ck_assert_int_eq(jta_time_parse(sget(t, "updated"), 20, &up), 0);
	ck_assert(up >= now - 5 && up <= now + 5);
	json_decref(t);
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_update_bad_value_changes_nothing)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	char		 path[512];
	struct jta_store_issue is;
	json_t		*f, *t;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	json_decref(tcreate(st, &a,
	    "{\"project\":\"DEMO\",\"summary\":\"a\"}"));
	f = J("{\"summary\":\"changed\",\"type\":\"Epic\"}");
	memset(&e, 0, sizeof(e));
	assert_err(jta_store_ticket_update(st, "DEMO-1", f, &is, &e), &e,
	    JTA_ERR_INPUT, 0, NULL, NULL);
	ck_assert_ptr_null(is.t.summary);
	json_decref(f);
	f = J("{\"summary\":\"changed\",\"assignee\":\"mallory\"}");
	memset(&e, 0, sizeof(e));
	assert_err(jta_store_ticket_update(st, "DEMO-1", f, &is, &e), &e,
	    JTA_ERR_INPUT, 0, NULL, NULL);
	json_decref(f);
	t = tget(st, "DEMO-1");
	ck_assert_str_eq(sget(t, "summary"), "a");
	json_decref(t);
	f = J("{\"summary\":\"x\"}");
	ck_assert_int_eq(jta_store_ticket_update(st, "DEMO-9", f, &is, &e),
	    JTA_ERR_NOTFOUND);
	json_decref(f);
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_comment_added_and_shown)
{
	struct jta_store *st;
	struct jta_user	 a, b;
	struct jta_error e;
	char		 path[512];
	struct jta_store_comment rc;
	json_t		*c, *t, *cs;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	adduser(st, "bob", &b);
	addproject(st, "DEMO", NULL);
	json_decref(tcreate(st, &a,
	    "{\"project\":\"DEMO\",\"summary\":\"a\"}"));
	sqlexec(path, "UPDATE tickets SET updated = 1000000000");
	ck_assert_int_eq(jta_store_ticket_comment(st, "DEMO-1", &b,
	    "Toner replaced;\nwatching it.", &rc, &e), JTA_OK);
	c = commentobj(&rc);
	jta_store_comment_clear(&rc);
	ck_assert_str_eq(sget(c, "author"), "bob");
	ck_assert_str_eq(sget(c, "body"), "Toner replaced;\nwatching it.");
	ck_assert_int_gt(iget(c, "id"), 0);
	ck_assert_uint_eq(strlen(sget(c, "created")), JTA_TIME_STRLEN - 1);
	json_decref(c);
	t = tget(st, "DEMO-1");
	ck_assert_int_eq(iget(t, "comment_count"), 1);
	cs = json_object_get(t, "comments");
	ck_assert_uint_eq(json_array_size(cs), 1);
	ck_assert_str_eq(sget(json_array_get(cs, 0), "author"), "bob");
	/* A comment is an update. */
	ck_assert_str_ne(sget(t, "updated"), "2001-09-09T01:46:40Z");
	json_decref(t);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_ticket_comment(st, "DEMO-2", &b, "x", &rc,
	    &e), JTA_ERR_NOTFOUND);
	ck_assert_ptr_null(rc.body);
	ck_assert_int_eq(e.status, 0);
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_shows_last_comments_oldest_first)
{
	struct jta_store *st;
	struct jta_user	 a;
	char		 path[512], body[32];
	json_t		*t, *cs;
	int		 i;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	json_decref(tcreate(st, &a,
	    "{\"project\":\"DEMO\",\"summary\":\"a\"}"));
	for (i = 1; i <= JTA_LIMIT_COMMENTS_SHOWN + 2; i++) {
		snprintf(body, sizeof(body), "comment %d", i);
		tcomment(st, "DEMO-1", &a, body);
	}
	t = tget(st, "DEMO-1");
	ck_assert_int_eq(iget(t, "comment_count"),
	    JTA_LIMIT_COMMENTS_SHOWN + 2);
	cs = json_object_get(t, "comments");
	ck_assert_uint_eq(json_array_size(cs), JTA_LIMIT_COMMENTS_SHOWN);
	ck_assert_str_eq(sget(json_array_get(cs, 0), "body"), "comment 3");
	snprintf(body, sizeof(body), "comment %d",
	    JTA_LIMIT_COMMENTS_SHOWN + 2);
	ck_assert_str_eq(sget(json_array_get(cs, JTA_LIMIT_COMMENTS_SHOWN - 1),
	    "body"), body);
	json_decref(t);
	jta_store_close(st);
}
END_TEST

/* The repository keeps any status it is given and moves a ticket only
 * from the status the caller read; which moves exist is jta_local's
 * workflow (check_local.c). */
START_TEST(ticket_move_sets_status_and_updated)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	char		 path[512], s[64];
	json_t		*t;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	json_decref(tcreate(st, &a,
	    "{\"project\":\"DEMO\",\"summary\":\"a\"}"));
	ck_assert_int_eq(jta_store_ticket_status(st, "DEMO-1", s, sizeof(s),
	    &e), JTA_OK);
	ck_assert_str_eq(s, "Open");
	sqlexec(path, "UPDATE tickets SET updated = 1000");
	ck_assert_int_eq(jta_store_ticket_move(st, "DEMO-1", "Open",
	    "Closed", &e), JTA_OK);
	ck_assert_int_eq(jta_store_ticket_status(st, "DEMO-1", s, sizeof(s),
	    &e), JTA_OK);
	ck_assert_str_eq(s, "Closed");
	ck_assert_int_gt(sqlint(path, "SELECT updated FROM tickets"), 1000);
	t = tget(st, "DEMO-1");
	ck_assert_str_eq(sget(t, "status"), "Closed");
	json_decref(t);
	jta_store_close(st);
}
END_TEST

START_TEST(ticket_move_is_conditional_on_the_status_read)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	char		 path[512], s[64];

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	json_decref(tcreate(st, &a,
	    "{\"project\":\"DEMO\",\"summary\":\"a\"}"));
	/* Two movers read Open; the first wins, the second is told. */
	ck_assert_int_eq(jta_store_ticket_move(st, "DEMO-1", "Open",
	    "In Progress", &e), JTA_OK);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_ticket_move(st, "DEMO-1", "Open",
	    "Resolved", &e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_store_ticket_status(st, "DEMO-1", s, sizeof(s),
	    &e), JTA_OK);
	ck_assert_str_eq(s, "In Progress");
	ck_assert_int_eq(jta_store_ticket_move(st, "DEMO-7", "Open", "Closed",
	    &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_ticket_status(st, "DEMO-7", s, sizeof(s),
	    &e), JTA_ERR_NOTFOUND);
	jta_store_close(st);
}
END_TEST

/* ---- search ---- */

/*
 * Five tickets (ids 1..5: DEMO-1, DEMO-2, DEMO-3, OPS-1, OPS-2), created
 * one day apart in that order and updated in the reverse order.
 */
#define T0	INT64_C(1700000000)
#define DAY	INT64_C(86400)

static struct jta_store *
seed(char *path, size_t pathsz)
{
	struct jta_store *st;
	struct jta_user	 alice, bob, carol;

	st = newstore(path, pathsz);
	adduser(st, "alice", &alice);
	adduser(st, "bob", &bob);
	adduser(st, "carol", &carol);
	addproject(st, "DEMO", NULL);
	addproject(st, "OPS", "[\"Incident\",\"Change\"]");
	json_decref(tcreate(st, &alice, "{\"project\":\"DEMO\",\"summary\":"
	    "\"Printer on floor 3 is jammed\",\"type\":\"Bug\",\"priority\":"
	    "\"High\",\"labels\":[\"printer\",\"hardware\"],\"assignee\":"
	    "\"bob\",\"description\":\"Paper stuck in tray two\"}"));
	json_decref(tcreate(&*st, &bob, "{\"project\":\"DEMO\",\"summary\":"
	    "\"Update the wiki\",\"type\":\"Task\",\"priority\":\"Low\","
	    "\"labels\":[\"docs\"],\"description\":\"The onboarding page is "
	    "stale\"}"));
	json_decref(tcreate(st, &bob, "{\"project\":\"DEMO\",\"summary\":"
	    "\"Printer driver crash\",\"type\":\"Bug\",\"labels\":"
	    "[\"printer\"],\"assignee\":\"carol\"}"));
	json_decref(tcreate(st, &alice, "{\"project\":\"OPS\",\"summary\":"
	    "\"Disk full on db1\",\"priority\":\"Highest\",\"assignee\":"
	    "\"bob\"}"));
	json_decref(tcreate(st, &alice, "{\"project\":\"OPS\",\"summary\":"
	    "\"Rotate TLS certificate\",\"type\":\"Change\",\"description\":"
	    "\"Expires in \\\"a\\\" OR b* weeks NEAR(x)\"}"));
	tcomment(st, "DEMO-2", &carol, "Zeppelin reference needs fixing");
	tmove(st, "DEMO-1", "In Progress");
	sqlexec(path, "UPDATE tickets SET created = 1700000000 + id * 86400, "
	    "updated = 1700000000 + (6 - id) * 86400 + 3600");
	return st;
}

/* The keys of a search answer as "A-1,B-2". */
static const char *
keys(const json_t *res, char *buf, size_t bufsz)
{
	const json_t	*t;
	size_t		 i, o = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(res, "issues"), i, t)
		o += (size_t)snprintf(buf + o, bufsz - o, "%s%s", i ? "," : "",
		    sget(t, "key"));
	return buf;
}

/* Search with q (order "created" unless set) and expect keys want. */
static void
expect(struct jta_store *st, struct jta_search *q, const char *want)
{
	struct jta_error e;
	json_t		*res = NULL;
	char		 got[512];

	if (q->order == NULL)
		q->order = "created";
	memset(&e, 0, sizeof(e));
	ck_assert_msg(tsearch(st, q, &res, &e) == JTA_OK,
	    "search failed: %s", e.detail);
	ck_assert_msg(strcmp(keys(res, got, sizeof(got)), want) == 0,
	    "got '%s', want '%s' (text '%s')", got, want,
	    q->text ? q->text : "");
	ck_assert(json_is_null(json_object_get(res, "next_cursor")));
	json_decref(res);
}

START_TEST(search_without_filters_returns_all)
{
	struct jta_store *st;
	struct jta_search q;
	char		 path[512];

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	expect(st, &q, "DEMO-1,DEMO-2,DEMO-3,OPS-1,OPS-2");
	jta_store_close(st);
}
END_TEST

START_TEST(search_rows_have_slim_shape)
{
	struct jta_store *st;
	struct jta_search q;
	struct jta_error e;
	char		 path[512];
	json_t		*res, *r;

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	q.order = "created";
	q.limit = 1;
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	r = json_array_get(json_object_get(res, "issues"), 0);
	ck_assert_str_eq(sget(r, "key"), "DEMO-1");
	ck_assert_str_eq(sget(r, "summary"), "Printer on floor 3 is jammed");
	ck_assert_str_eq(sget(r, "status"), "In Progress");
	ck_assert_str_eq(sget(r, "type"), "Bug");
	ck_assert_str_eq(sget(r, "priority"), "High");
	ck_assert_str_eq(sget(r, "assignee"), "bob");
	ck_assert_str_eq(sget(r, "reporter"), "alice");
	ck_assert_str_eq(sget(r, "created"), "2023-11-15T22:13:20Z");
	ck_assert_str_eq(sget(r, "updated"), "2023-11-19T23:13:20Z");
	ck_assert_ptr_null(json_object_get(r, "description"));
	json_decref(res);
	jta_store_close(st);
}
END_TEST

START_TEST(search_text_over_summary_description_comments)
{
	struct jta_store *st;
	struct jta_search q;
	char		 path[512];

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	q.text = "printer";
	expect(st, &q, "DEMO-1,DEMO-3");
	q.text = "PRINTER";
	expect(st, &q, "DEMO-1,DEMO-3");
	q.text = "onboarding";		/* description */
	expect(st, &q, "DEMO-2");
	q.text = "zeppelin";		/* comment */
	expect(st, &q, "DEMO-2");
	q.text = "printer jammed";	/* every word */
	expect(st, &q, "DEMO-1");
	q.text = "  printer\t crash  ";
	expect(st, &q, "DEMO-3");
	q.text = "printer zeppelin";
	expect(st, &q, "");
	q.text = "nothing-like-this";
	expect(st, &q, "");
	jta_store_close(st);
}
END_TEST

START_TEST(search_text_with_fts_syntax_does_not_error)
{
	static const char *const texts[] = {
		"\"a\" OR b*", "NEAR(", "NEAR(a b)", "a AND", "OR", "NOT x",
		"\"", "\"\"", "\"unterminated", "*", "b*", "^printer",
		"summary:printer", "{summary}: x", "(", ")", "-printer",
		"+printer", "a:b:c", "printer\"", "'", "\\", "a NEAR/2 b",
		"\xc3\xa9t\xc3\xa9", "%", "_", "AND OR NOT NEAR",
	};
	struct jta_store *st;
	struct jta_search q;
	struct jta_error e;
	char		 path[512];
	json_t		*res;
	size_t		 i;

	st = seed(path, sizeof(path));
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		memset(&q, 0, sizeof(q));
		q.text = texts[i];
		memset(&e, 0, sizeof(e));
		res = NULL;
		ck_assert_msg(tsearch(st, &q, &res, &e) ==
		    JTA_OK, "text '%s' failed: %s", texts[i], e.detail);
		ck_assert(json_is_array(json_object_get(res, "issues")));
		json_decref(res);
	}
	jta_store_close(st);
}
END_TEST

START_TEST(search_text_operators_are_plain_words)
{
	struct jta_store *st;
	struct jta_search q;
	char		 path[512];

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	/* OPS-2's description holds these words literally. */
	q.text = "\"a\" OR b*";
	expect(st, &q, "OPS-2");
	q.text = "NEAR(x)";
	expect(st, &q, "OPS-2");
	/* "OR" is a word to find, not an operator: no "or" in DEMO-1. */
	q.text = "printer OR zeppelin";
	expect(st, &q, "");
	/* A prefix star is not a wildcard. */
	q.text = "print*";
	expect(st, &q, "");
	/* A column filter is not one either. */
	q.text = "summary:printer";
	expect(st, &q, "");
	jta_store_close(st);
}
END_TEST

/*
 * Every word is required (ftsquery in jta_store_tickets_search.c: "all of
 * them required"); a word past an internal cap must not be dropped
 * silently, which would widen the search (STYLE: over a limit is refused,
 * never truncated).  Either an
 * error or no match is right; the two printer tickets are wrong.
 */
START_TEST(search_text_never_drops_words)
{
	struct jta_store *st;
	struct jta_search q;
	struct jta_error e;
	char		 path[512], text[256], got[256];
	json_t		*res = NULL;
	size_t		 o = 0, n;
	enum jta_err	 rc;
	int		 i;

	st = seed(path, sizeof(path));
	for (i = 0; i < 16; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "printer ");
	snprintf(text + o, sizeof(text) - o, "zeppelin");
	memset(&q, 0, sizeof(q));
	q.text = text;
	q.order = "created";
	rc = tsearch(st, &q, &res, &e);
	got[0] = '\0';
	n = 0;
	if (rc == JTA_OK) {
		n = json_array_size(json_object_get(res, "issues"));
		keys(res, got, sizeof(got));
		json_decref(res);
	}
	jta_store_close(st);
	ck_assert_msg(rc != JTA_OK || n == 0, "17 words found '%s'", got);
}
END_TEST

START_TEST(search_filters_each_field)
{
	struct jta_store *st;
	struct jta_search q;
	char		 path[512];

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	q.project = "DEMO";
	expect(st, &q, "DEMO-1,DEMO-2,DEMO-3");
	q.project = "OPS";
	expect(st, &q, "OPS-1,OPS-2");
	q.project = "NOPE";
	expect(st, &q, "");

	memset(&q, 0, sizeof(q));
	q.status = "In Progress";
	expect(st, &q, "DEMO-1");
	q.status = "Open";
	expect(st, &q, "DEMO-2,DEMO-3,OPS-1,OPS-2");
	q.status = "Closed";
	expect(st, &q, "");

	memset(&q, 0, sizeof(q));
	q.type = "Bug";
	expect(st, &q, "DEMO-1,DEMO-3");
	q.type = "bug";
	expect(st, &q, "DEMO-1,DEMO-3");
	q.type = "Incident";
	expect(st, &q, "OPS-1");

	memset(&q, 0, sizeof(q));
	q.priority = "Medium";
	expect(st, &q, "DEMO-3,OPS-2");
	q.priority = "Highest";
	expect(st, &q, "OPS-1");

	memset(&q, 0, sizeof(q));
	q.label = "printer";
	expect(st, &q, "DEMO-1,DEMO-3");
	q.label = "docs";
	expect(st, &q, "DEMO-2");
	q.label = "print";
	expect(st, &q, "");

	memset(&q, 0, sizeof(q));
	q.assignee = "bob";
	expect(st, &q, "DEMO-1,OPS-1");
	q.assignee = "carol";
	expect(st, &q, "DEMO-3");
	q.assignee = "alice";
	expect(st, &q, "");

	memset(&q, 0, sizeof(q));
	q.reporter = "bob";
	expect(st, &q, "DEMO-2,DEMO-3");
	q.reporter = "alice";
	expect(st, &q, "DEMO-1,OPS-1,OPS-2");

	memset(&q, 0, sizeof(q));
	q.project = "DEMO";
	q.label = "printer";
	q.assignee = "carol";
	expect(st, &q, "DEMO-3");
	jta_store_close(st);
}
END_TEST

START_TEST(search_time_ranges_inclusive)
{
	struct jta_store *st;
	struct jta_search q;
	char		 path[512];

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	q.created_from = T0 + 3 * DAY;
	expect(st, &q, "DEMO-3,OPS-1,OPS-2");
	memset(&q, 0, sizeof(q));
	q.created_to = T0 + 2 * DAY;
	expect(st, &q, "DEMO-1,DEMO-2");
	memset(&q, 0, sizeof(q));
	q.created_from = T0 + 2 * DAY;
	q.created_to = T0 + 4 * DAY;
	expect(st, &q, "DEMO-2,DEMO-3,OPS-1");
	q.created_from = T0 + 2 * DAY + 1;
	q.created_to = T0 + 3 * DAY - 1;
	expect(st, &q, "");

	/* updated = T0 + (6 - id) days + 1 hour */
	memset(&q, 0, sizeof(q));
	q.updated_from = T0 + 4 * DAY + 3600;
	expect(st, &q, "DEMO-1,DEMO-2");
	memset(&q, 0, sizeof(q));
	q.updated_to = T0 + 2 * DAY + 3600;
	expect(st, &q, "OPS-1,OPS-2");
	memset(&q, 0, sizeof(q));
	q.updated_from = T0 + 3 * DAY;
	q.updated_to = T0 + 4 * DAY;
	expect(st, &q, "DEMO-3");
	jta_store_close(st);
}
END_TEST

START_TEST(search_orders)
{
	struct jta_store *st;
	struct jta_search q;
	char		 path[512];

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	q.order = "created";
	expect(st, &q, "DEMO-1,DEMO-2,DEMO-3,OPS-1,OPS-2");
	q.order = "-created";
	expect(st, &q, "OPS-2,OPS-1,DEMO-3,DEMO-2,DEMO-1");
	q.order = "updated";
	expect(st, &q, "OPS-2,OPS-1,DEMO-3,DEMO-2,DEMO-1");
	q.order = "-updated";
	expect(st, &q, "DEMO-1,DEMO-2,DEMO-3,OPS-1,OPS-2");
	jta_store_close(st);
}
END_TEST

START_TEST(search_default_order_is_recently_updated)
{
	struct jta_store *st;
	struct jta_search q;
	struct jta_error e;
	char		 path[512], got[256];
	json_t		*res;

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	ck_assert_str_eq(keys(res, got, sizeof(got)),
	    "DEMO-1,DEMO-2,DEMO-3,OPS-1,OPS-2");
	json_decref(res);
	jta_store_close(st);
}
END_TEST

START_TEST(search_bad_order_is_422)
{
	struct jta_store *st;
	struct jta_search q;
	struct jta_error e;
	char		 path[512];
	json_t		*res = NULL;

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	q.order = "priority";
	memset(&e, 0, sizeof(e));
	/* The backend checks the order; another is a bug of the caller. */
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_ERR_INTERNAL);
	ck_assert_int_eq(e.status, 0);
	ck_assert_ptr_null(res);
	jta_store_close(st);
}
END_TEST

/* Page through q with limit 2; the keys of every page joined in got. */
static void
paginate(struct jta_store *st, const char *order, char *got, size_t gotsz)
{
	struct jta_search q;
	struct jta_error e;
	json_t		*res;
	char		 page[256], cursor[JTA_LIMIT_CURSOR + 1];
	size_t		 o = 0;
	int		 pages = 0;

	got[0] = '\0';
	memset(&q, 0, sizeof(q));
	q.order = order;
	q.limit = 2;
	for (;;) {
		ck_assert_int_lt(++pages, 10);
		memset(&e, 0, sizeof(e));
		ck_assert_msg(tsearch(st, &q, &res, &e) ==
		    JTA_OK, "page %d: %s", pages, e.detail);
		ck_assert_uint_le(json_array_size(json_object_get(res,
		    "issues")), 2);
		keys(res, page, sizeof(page));
		if (page[0] != '\0')
			o += (size_t)snprintf(got + o, gotsz - o, "%s%s",
			    o ? "," : "", page);
		if (json_is_null(json_object_get(res, "next_cursor"))) {
			json_decref(res);
			break;
		}
		ck_assert_uint_le(strlen(sget(res, "next_cursor")),
		    JTA_LIMIT_CURSOR);
		snprintf(cursor, sizeof(cursor), "%s",
		    sget(res, "next_cursor"));
		q.cursor = cursor;
		json_decref(res);
	}
	ck_assert_int_eq(pages, 3);
}

/* A search with words pages through the index's matches only, in each
 * order, every match once (the matches drive the statement). */
START_TEST(search_text_cursor_pages_in_order)
{
	static const struct {
		const char	*order;
		const char	*want;
	} o[] = {
		{ "-updated", "DEMO-1,DEMO-3,DEMO-5,DEMO-7,DEMO-8" },
		{ "updated", "DEMO-8,DEMO-7,DEMO-5,DEMO-3,DEMO-1" },
		{ "-created", "DEMO-8,DEMO-7,DEMO-5,DEMO-3,DEMO-1" },
		{ "created", "DEMO-1,DEMO-3,DEMO-5,DEMO-7,DEMO-8" },
	};
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_search q;
	struct jta_error e;
	json_t		*res;
	char		 path[512], f[256], got[512], page[256];
	char		 cursor[JTA_LIMIT_CURSOR + 1];
	size_t		 i, k, n;
	int		 pages;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	for (i = 1; i <= 8; i++) {
		snprintf(f, sizeof(f), "{\"project\":\"DEMO\",\"summary\":"
		    "\"%s %zu\"}", i % 2 == 1 || i == 8 ? "Kettle leaks" :
		    "Printer jams", i);
		json_decref(tcreate(st, &a, f));
	}
	/* Created in key order; updated in the reverse. */
	sqlexec(path, "UPDATE tickets SET created = 1700000000 + num * 60, "
	    "updated = 1700100000 - num * 60");
	for (k = 0; k < sizeof(o) / sizeof(o[0]); k++) {
		memset(&q, 0, sizeof(q));
		q.text = "kettle";
		q.order = o[k].order;
		q.limit = 2;
		got[0] = '\0';
		n = 0;
		for (pages = 1; ; pages++) {
			ck_assert_int_lt(pages, 10);
			memset(&e, 0, sizeof(e));
			ck_assert_msg(tsearch(st, &q, &res, &e) == JTA_OK,
			    "%s", e.detail);
			keys(res, page, sizeof(page));
			if (page[0] != '\0')
				n += (size_t)snprintf(got + n, sizeof(got) - n,
				    "%s%s", n ? "," : "", page);
			if (json_is_null(json_object_get(res,
			    "next_cursor"))) {
				json_decref(res);
				break;
			}
			snprintf(cursor, sizeof(cursor), "%s",
			    sget(res, "next_cursor"));
			q.cursor = cursor;
			json_decref(res);
		}
		ck_assert_msg(strcmp(got, o[k].want) == 0, "%s: got %s",
		    o[k].order, got);
		ck_assert_int_eq(pages, 3);
	}
	jta_store_close(st);
}
END_TEST

/*
 * The text statements give their matches unordered and the store keeps
 * the page's in a heap and sorts them (jta_store_ticket_search): on 60
 * tickets with many equal times, every order's pages of 7, 1 and 45 (of
 * 40 matches), followed by cursor, give exactly the rows, fields and
 * order of the ordered statement without text, kept to the matches.
 */
START_TEST(search_text_pages_match_the_ordered_statement)
{
	static const char *const orders[] = { "-updated", "updated",
	    "-created", "created" };
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_search q;
	struct jta_error e;
	json_t		*res, *all, *want, *got, *t;
	char		 path[512], f[256], cursor[JTA_LIMIT_CURSOR + 1];
	static const size_t limits[] = { 7, 1, 45 };
	size_t		 i, k, pages, li;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	for (i = 1; i <= 60; i++) {
		snprintf(f, sizeof(f), "{\"project\":\"DEMO\",\"summary\":"
		    "\"%s %zu\"}", i % 3 != 0 ? "Kettle leaks" : "Printer jams",
		    i);
		json_decref(tcreate(st, &a, f));
	}
	sqlexec(path, "UPDATE tickets SET created = 1700000000 + (num % 4) "
	    "* 60, updated = 1700000000 + ((num * 7) % 5) * 60");
	for (k = 0; k < 12; k++) {
		li = limits[k / 4];
		memset(&q, 0, sizeof(q));
		q.order = orders[k % 4];
		q.limit = 100;
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(tsearch(st, &q, &all, &e), JTA_OK);
		want = json_array();
		json_array_foreach(json_object_get(all, "issues"), i, t)
			if (strncmp(sget(t, "summary"), "Kettle", 6) == 0)
				json_array_append(want, t);
		json_decref(all);
		ck_assert_uint_eq(json_array_size(want), 40);
		got = json_array();
		q.text = "kettle";
		q.limit = li;
		for (pages = 1; ; pages++) {
			ck_assert_uint_le(pages, 40);
			ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
			ck_assert_uint_le(json_array_size(json_object_get(res,
			    "issues")), li);
			json_array_extend(got, json_object_get(res, "issues"));
			if (json_is_null(json_object_get(res,
			    "next_cursor"))) {
				json_decref(res);
				break;
			}
			snprintf(cursor, sizeof(cursor), "%s",
			    sget(res, "next_cursor"));
			q.cursor = cursor;
			json_decref(res);
		}
		ck_assert_uint_eq(pages, (40 + li - 1) / li);
		ck_assert_msg(json_equal(got, want), "order %s, pages of %zu "
		    "differ", orders[k % 4], li);
		json_decref(got);
		json_decref(want);
	}
	jta_store_close(st);
}
END_TEST

START_TEST(search_cursor_pages_cover_all_once)
{
	struct jta_store *st;
	char		 path[512], got[512];

	st = seed(path, sizeof(path));
	paginate(st, "-updated", got, sizeof(got));
	ck_assert_str_eq(got, "DEMO-1,DEMO-2,DEMO-3,OPS-1,OPS-2");
	paginate(st, "updated", got, sizeof(got));
	ck_assert_str_eq(got, "OPS-2,OPS-1,DEMO-3,DEMO-2,DEMO-1");
	paginate(st, "-created", got, sizeof(got));
	ck_assert_str_eq(got, "OPS-2,OPS-1,DEMO-3,DEMO-2,DEMO-1");
	paginate(st, "created", got, sizeof(got));
	ck_assert_str_eq(got, "DEMO-1,DEMO-2,DEMO-3,OPS-1,OPS-2");
	jta_store_close(st);
}
END_TEST

START_TEST(search_cursor_pages_with_equal_times)
{
	struct jta_store *st;
	char		 path[512], got[512];

	st = seed(path, sizeof(path));
	sqlexec(path, "UPDATE tickets SET created = 1700000000, "
	    "updated = 1700000000");
	paginate(st, "-updated", got, sizeof(got));
	ck_assert_str_eq(got, "OPS-2,OPS-1,DEMO-3,DEMO-2,DEMO-1");
	paginate(st, "created", got, sizeof(got));
	ck_assert_str_eq(got, "DEMO-1,DEMO-2,DEMO-3,OPS-1,OPS-2");
	jta_store_close(st);
}
END_TEST

START_TEST(search_exact_page_has_no_next_cursor)
{
	struct jta_store *st;
	struct jta_search q;
	struct jta_error e;
	char		 path[512];
	json_t		*res;

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	q.limit = 5;
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "issues")), 5);
	ck_assert(json_is_null(json_object_get(res, "next_cursor")));
	json_decref(res);
	q.limit = 4;
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "issues")), 4);
	ck_assert(json_is_string(json_object_get(res, "next_cursor")));
	json_decref(res);
	jta_store_close(st);
}
END_TEST

START_TEST(search_cursor_with_filters_continues_filtered)
{
	struct jta_store *st;
	struct jta_search q;
	struct jta_error e;
	char		 path[512], got[128], cursor[JTA_LIMIT_CURSOR + 1];
	json_t		*res;

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	q.project = "DEMO";
	q.order = "created";
	q.limit = 2;
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	ck_assert_str_eq(keys(res, got, sizeof(got)), "DEMO-1,DEMO-2");
	snprintf(cursor, sizeof(cursor), "%s", sget(res, "next_cursor"));
	json_decref(res);
	q.cursor = cursor;
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	ck_assert_str_eq(keys(res, got, sizeof(got)), "DEMO-3");
	ck_assert(json_is_null(json_object_get(res, "next_cursor")));
	json_decref(res);
	jta_store_close(st);
}
END_TEST

START_TEST(search_cursor_for_other_order_is_400)
{
	struct jta_store *st;
	struct jta_search q;
	struct jta_error e;
	char		 path[512], cursor[JTA_LIMIT_CURSOR + 1];
	json_t		*res = NULL;

	st = seed(path, sizeof(path));
	memset(&q, 0, sizeof(q));
	q.order = "-updated";
	q.limit = 2;
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	snprintf(cursor, sizeof(cursor), "%s", sget(res, "next_cursor"));
	json_decref(res);
	res = NULL;
	q.cursor = cursor;
	q.order = "created";
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(e.status, 0);
	ck_assert_ptr_null(res);
	/* The default order is -updated: the cursor fits it. */
	q.order = NULL;
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	json_decref(res);
	jta_store_close(st);
}
END_TEST

START_TEST(search_garbage_cursor_is_400)
{
	static const char *const bad[] = {
		"!!!", "", "AAAA", "not base64 at all",
		"MHwxfDE=",			/* padded */
		"MHx4fDE",			/* 0|x|1 */
		"MHwxfA",			/* 0|1| */
		"MHwxMjM",			/* 0|123 */
		"MXwxfDE",			/* order 1 for order 0 */
		"LTF8MXwx",			/* -1|1|1 */
		"MHwtMXwx",			/* 0|-1|1 */
		"MHwxfDF8MQ",			/* 0|1|1|1 */
		"MDB8MXwx",			/* 00|1|1 */
		"MHwxADF8MQ",			/* NUL inside */
	};
	struct jta_store *st;
	struct jta_search q;
	struct jta_error e;
	char		 path[512], big[JTA_LIMIT_CURSOR + 8];
	json_t		*res = NULL;
	size_t		 i;

	st = seed(path, sizeof(path));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&q, 0, sizeof(q));
		q.order = "-updated";
		q.cursor = bad[i];
		memset(&e, 0, sizeof(e));
		res = NULL;
		ck_assert_msg(tsearch(st, &q, &res, &e) ==
		    JTA_ERR_NOTFOUND, "cursor '%s' accepted", bad[i]);
		ck_assert_int_eq(e.status, 0);
		ck_assert_ptr_null(res);
	}
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	q.cursor = big;
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_ERR_NOTFOUND);
	jta_store_close(st);
}
END_TEST

/* ---- /api/tickets/: the repository's data (the shapes: check_local) ---- */

/* Four tickets in DEMO with known summaries, stored statuses and creation
 * times. */
static struct jta_store *
tkseed(char *path, size_t pathsz, struct jta_user *alice)
{
	static const struct {
		const char	*fields;
		const char	*status;
	} t[] = {
		{ "{\"summary\":\"Bravo printer\",\"description\":"
		    "\"toner low\"}", "Open" },
		{ "{\"summary\":\"alpha laptop\",\"description\":\"Screen "
		    "PRINTER cable\"}", "Resolved" },
		{ "{\"summary\":\"Charlie\",\"description\":\"x\"}",
		    "Closed" },
		{ "{\"summary\":\"delta\"}", "Open" },
	};
	struct jta_store *st;
	struct jta_error e;
	json_t		*f;
	int64_t		 id;
	size_t		 i;

	st = newstore(path, pathsz);
	adduser(st, "alice", alice);
	addproject(st, "DEMO", NULL);
	for (i = 0; i < 4; i++) {
		f = J(t[i].fields);
		ck_assert_msg(jta_store_tk_create(st, alice, "DEMO", f,
		    t[i].status, &id, &e) == JTA_OK, "%s", e.detail);
		ck_assert_int_eq(id, (int64_t)i + 1);
		json_decref(f);
	}
	sqlexec(path, "UPDATE tickets SET created = 1700000000 + id * 86400, "
	    "updated = 1700000000 + (5 - id) * 86400");
	return st;
}

static void
tkexpect(struct jta_store *st, struct jta_tk_query *q, const char *want,
    int64_t wantcount)
{
	struct jta_error e;
	struct jta_store_ticket_list l;
	char		 got[128];
	size_t		 i, o = 0;

	if (q->page == 0)
		q->page = 1;
	if (q->page_size == 0)
		q->page_size = 20;
	if (q->ordering == NULL)
		q->ordering = "created";
	memset(&e, 0, sizeof(e));
	ck_assert_msg(jta_store_tk_list(st, q, &l, &e) == JTA_OK, "%s",
	    e.detail);
	got[0] = '\0';
	for (i = 0; i < l.n; i++)
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%" PRId64,
		    i ? "," : "", l.v[i].id);
	ck_assert_msg(strcmp(got, want) == 0, "got '%s', want '%s'", got,
	    want);
	ck_assert_msg(l.count == wantcount, "count %" PRId64 ", want %" PRId64,
	    l.count, wantcount);
	jta_store_ticket_list_clear(&l);
}

/* The keys of a word search for text, as "A-1,B-2". */
static void
wordkeys(struct jta_store *st, const char *text, char *buf, size_t bufsz)
{
	struct jta_search q;
	struct jta_error e;
	json_t		*res = NULL;

	memset(&q, 0, sizeof(q));
	memset(&e, 0, sizeof(e));
	q.text = text;
	q.order = "created";
	ck_assert_msg(tsearch(st, &q, &res, &e) == JTA_OK, "%s", e.detail);
	keys(res, buf, bufsz);
	json_decref(res);
}

/* The ids /api/tickets/ lists for search= text, as "1,2". */
static void
trikeys(struct jta_store *st, const char *text, char *buf, size_t bufsz)
{
	struct jta_tk_query q;
	struct jta_store_ticket_list l;
	struct jta_error e;
	size_t		 i, o = 0;

	memset(&q, 0, sizeof(q));
	memset(&e, 0, sizeof(e));
	q.search = text;
	q.ordering = "created";
	q.page = 1;
	q.page_size = 100;
	ck_assert_msg(jta_store_tk_list(st, &q, &l, &e) == JTA_OK, "%s",
	    e.detail);
	buf[0] = '\0';
	for (i = 0; i < l.n; i++)
		o += (size_t)snprintf(buf + o, bufsz - o, "%s%" PRId64,
		    i ? "," : "", l.v[i].id);
	jta_store_ticket_list_clear(&l);
}

/*
 * Issue 16: tickets written one at a time leave several segments in each
 * search index (schema 22 merges level by level: 5 in each at 1,000
 * tickets written one by one); jta_store_search_optimize
 * leaves one in each, every search answers as before, and a second run
 * finds one.
 */
START_TEST(search_optimize_merges_to_one_segment)
{
	static const char *const words[] = { "printer", "spare", "zeppelin",
	    "onboarding", "spare 7", "nothing-like-this" };
	static const char *const tris[] = { "rinte", "SPARE", "are 1", "db1",
	    "zzz" };
	struct jta_store_search_segments b, a;
	struct jta_store *st;
	struct jta_error e;
	struct jta_user	 dave;
	char		 path[512], f[160];
	char		 before[12][512], after[512];
	size_t		 i;
	int		 n;

	st = seed(path, sizeof(path));
	adduser(st, "dave", &dave);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_search_segments(st, &b, &e), JTA_OK);
	for (n = 0; n < 300 && (b.words < 2 || b.trigrams < 2); n++) {
		snprintf(f, sizeof(f), "{\"project\":\"DEMO\",\"summary\":"
		    "\"Printer spare %d\"}", n);
		json_decref(tcreate(st, &dave, f));
		ck_assert_int_eq(jta_store_search_segments(st, &b, &e),
		    JTA_OK);
	}
	ck_assert_msg(b.words >= 2 && b.trigrams >= 2, "segments %lld/%lld "
	    "after %d tickets", (long long)b.words, (long long)b.trigrams, n);
	for (i = 0; i < 6; i++)
		wordkeys(st, words[i], before[i], sizeof(before[i]));
	for (i = 0; i < 5; i++)
		trikeys(st, tris[i], before[6 + i], sizeof(before[6 + i]));
	ck_assert_str_ne(before[1], "");
	ck_assert_str_ne(before[7], "");
	ck_assert_int_eq(jta_store_search_optimize(st, &b, &a, &e), JTA_OK);
	ck_assert(b.words >= 2 && b.trigrams >= 2);
	ck_assert_int_eq(a.words, 1);
	ck_assert_int_eq(a.trigrams, 1);
	for (i = 0; i < 6; i++) {
		wordkeys(st, words[i], after, sizeof(after));
		ck_assert_str_eq(after, before[i]);
	}
	for (i = 0; i < 5; i++) {
		trikeys(st, tris[i], after, sizeof(after));
		ck_assert_str_eq(after, before[6 + i]);
	}
	ck_assert_int_eq(jta_store_search_optimize(st, &b, &a, &e), JTA_OK);
	ck_assert(b.words == 1 && b.trigrams == 1 && a.words == 1 &&
	    a.trigrams == 1);
	/* A ticket written after the merge is found (a new segment). */
	json_decref(tcreate(st, &dave, "{\"project\":\"DEMO\","
	    "\"summary\":\"Quokka sighting\"}"));
	wordkeys(st, "quokka", after, sizeof(after));
	ck_assert_uint_gt(strlen(after), 0);
	jta_store_close(st);
}
END_TEST

START_TEST(tk_get_reads_the_row)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	struct jta_store_ticket t;
	char		 path[512];

	st = tkseed(path, sizeof(path), &a);
	ck_assert_int_eq(jta_store_tk_get(st, 2, &t, &e), JTA_OK);
	ck_assert(t.id == 2);
	ck_assert_str_eq(t.project, "DEMO");
	ck_assert(t.num == 2);
	ck_assert_str_eq(t.summary, "alpha laptop");
	ck_assert_str_eq(t.description, "Screen PRINTER cable");
	ck_assert_str_eq(t.status, "Resolved");
	ck_assert_str_eq(t.type, "Task");
	ck_assert_str_eq(t.priority, "Medium");
	ck_assert_str_eq(t.reporter, "alice");
	ck_assert_str_eq(t.assignee, "");
	ck_assert(t.created == T0 + 2 * DAY);
	ck_assert(t.updated == T0 + 3 * DAY);
	jta_store_ticket_clear(&t);
	ck_assert_int_eq(jta_store_tk_get(st, 4, &t, &e), JTA_OK);
	ck_assert_str_eq(t.description, "");
	jta_store_ticket_clear(&t);
	jta_store_ticket_clear(NULL);
	jta_store_ticket_list_clear(NULL);
	jta_store_close(st);
}
END_TEST

START_TEST(tk_create_unknown_project_is_refused)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	char		 path[512];
	json_t		*f;
	int64_t		 id = 7;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	f = J("{\"summary\":\"x\"}");
	memset(&e, 0, sizeof(e));
	assert_err(jta_store_tk_create(st, &a, "NOPE", f, "Open", &id, &e),
	    &e, JTA_ERR_INPUT, 0, NULL, NULL);
	ck_assert(id == 0);
	json_decref(f);
	jta_store_close(st);
}
END_TEST

START_TEST(tk_get_missing_is_notfound)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	struct jta_store_ticket t;
	char		 path[512];

	st = tkseed(path, sizeof(path), &a);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_tk_get(st, 123, &t, &e), JTA_ERR_NOTFOUND);
	ck_assert_ptr_null(t.summary);
	ck_assert_int_eq(e.status, 0);
	jta_store_close(st);
}
END_TEST

START_TEST(tk_list_filters)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_tk_query q;
	char		 path[512];
	json_t		*ids, *sts;

	st = tkseed(path, sizeof(path), &a);
	memset(&q, 0, sizeof(q));
	tkexpect(st, &q, "1,2,3,4", 4);

	memset(&q, 0, sizeof(q));
	q.id = 3;
	tkexpect(st, &q, "3", 1);
	q.id = 99;
	tkexpect(st, &q, "", 0);

	memset(&q, 0, sizeof(q));
	ids = J("[4,1,99]");
	q.ids = ids;
	tkexpect(st, &q, "1,4", 2);
	json_decref(ids);

	memset(&q, 0, sizeof(q));
	q.title_icontains = "PRINT";
	tkexpect(st, &q, "1", 1);
	q.title_icontains = "a";
	tkexpect(st, &q, "1,2,3,4", 4);
	q.title_icontains = "LAPTOP";
	tkexpect(st, &q, "2", 1);

	memset(&q, 0, sizeof(q));
	q.created_gte = T0 + 2 * DAY;
	tkexpect(st, &q, "2,3,4", 3);
	memset(&q, 0, sizeof(q));
	q.created_lte = T0 + 2 * DAY;
	tkexpect(st, &q, "1,2", 2);
	memset(&q, 0, sizeof(q));
	q.created_gte = T0 + 2 * DAY;
	q.created_lte = T0 + 3 * DAY;
	tkexpect(st, &q, "2,3", 2);

	/* Statuses as stored (jta_local maps resolution_status). */
	memset(&q, 0, sizeof(q));
	sts = J("[\"Open\"]");
	q.statuses = sts;
	tkexpect(st, &q, "1,4", 2);
	json_decref(sts);
	memset(&q, 0, sizeof(q));
	sts = J("[\"Resolved\",\"Closed\"]");
	q.statuses = sts;
	tkexpect(st, &q, "2,3", 2);
	json_decref(sts);
	sts = J("[]");
	q.statuses = sts;
	tkexpect(st, &q, "", 0);
	json_decref(sts);

	/* search: a substring of title or description, any case. */
	memset(&q, 0, sizeof(q));
	q.search = "printer";
	tkexpect(st, &q, "1,2", 2);
	q.search = "ONER";
	tkexpect(st, &q, "1", 1);
	q.search = "%";
	tkexpect(st, &q, "", 0);
	q.search = "_";
	tkexpect(st, &q, "", 0);

	memset(&q, 0, sizeof(q));
	q.search = "printer";
	q.title_icontains = "alpha";
	tkexpect(st, &q, "2", 1);
	jta_store_close(st);
}
END_TEST

START_TEST(tk_list_orderings)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_tk_query q;
	char		 path[512];

	st = tkseed(path, sizeof(path), &a);
	memset(&q, 0, sizeof(q));
	q.ordering = "created";
	tkexpect(st, &q, "1,2,3,4", 4);
	q.ordering = "-created";
	tkexpect(st, &q, "4,3,2,1", 4);
	q.ordering = "updated";
	tkexpect(st, &q, "4,3,2,1", 4);
	q.ordering = "-updated";
	tkexpect(st, &q, "1,2,3,4", 4);
	/* Summaries: "Bravo printer", "alpha laptop", "Charlie", "delta". */
	q.ordering = "summary";
	tkexpect(st, &q, "1,3,2,4", 4);
	q.ordering = "-summary";
	tkexpect(st, &q, "4,2,3,1", 4);
	/* Ties fall back to the id. */
	sqlexec(path, "UPDATE tickets SET created = 1700000000");
	q.ordering = "created";
	tkexpect(st, &q, "1,2,3,4", 4);
	q.ordering = "-created";
	tkexpect(st, &q, "4,3,2,1", 4);
	jta_store_close(st);
}
END_TEST

START_TEST(tk_list_pages_and_count)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_tk_query q;
	char		 path[512];

	st = tkseed(path, sizeof(path), &a);
	memset(&q, 0, sizeof(q));
	q.page_size = 3;
	q.page = 1;
	tkexpect(st, &q, "1,2,3", 4);
	q.page = 2;
	tkexpect(st, &q, "4", 4);
	q.page = 3;
	tkexpect(st, &q, "", 4);
	memset(&q, 0, sizeof(q));
	q.page_size = 1;
	q.page = 2;
	q.ordering = "-created";
	tkexpect(st, &q, "3", 4);
	jta_store_close(st);
}
END_TEST

/*
 * What search and title__icontains must find: the seeded tickets' ids
 * whose summary (title) and summary or description (search) hold the
 * text, ASCII letters in any case and every other byte as it is (SQLite's
 * lower()), worked out here without SQL.
 */
static void
tkbrute(const char *const (*rows)[2], size_t n, const char *title,
    const char *search, char *want, size_t wantsz, int64_t *count)
{
	char	 h[2][256], nt[256], ns[256];
	size_t	 i, k, o = 0;
	int	 hit;

	want[0] = '\0';
	*count = 0;
#define LOW(dst, src) do { \
	for (k = 0; (src)[k] != '\0' && k + 1 < sizeof(dst); k++) \
		(dst)[k] = (char)(((src)[k] >= 'A' && (src)[k] <= 'Z') ? \
		    (src)[k] + 32 : (src)[k]); \
	(dst)[k] = '\0'; \
} while (0)
	if (title != NULL)
		LOW(nt, title);
	if (search != NULL)
		LOW(ns, search);
	for (i = 0; i < n; i++) {
		LOW(h[0], rows[i][0]);
		LOW(h[1], rows[i][1]);
		hit = (title == NULL || strstr(h[0], nt) != NULL) &&
		    (search == NULL || strstr(h[0], ns) != NULL ||
		    strstr(h[1], ns) != NULL);
		if (!hit)
			continue;
		o += (size_t)snprintf(want + o, wantsz - o, "%s%zu",
		    *count ? "," : "", i + 1);
		(*count)++;
	}
#undef LOW
}

/* The searches of /api/tickets/ on the trigram index (ticket_tri): the
 * same answers as a scan for hostile text, FTS5 syntax, short and
 * non-ASCII text, and the index kept in step by updates and deletes. */
START_TEST(tk_list_search_is_exact_and_not_fts_syntax)
{
	static const char *const rows[][2] = {
		{ "Printer \"jams\" OR NEAR(toner)", "col: summary * x" },
		{ "\xc3\x89" "b\xc3\xa8ne caf\xc3\xa9",
		    "{summary} : AND ^abc" },
		{ "alpha laptop", "Screen PRINTER cable" },
		{ "ab", "xyz" },
	};
	static const char *const texts[] = {
		"printer", "PRINTER", "\"jams\"", "\"", "\"\"", "jams\" OR \"x",
		"NEAR(toner)", "NEAR(", "or near", "summary", "col: summary",
		"summary * x", "*", "print*", "{summary}", "{summary} : AND",
		"^abc", "^", "AND", ")(", "- x", "caf\xc3\xa9",
		"CAF\xc3\xa9", "\xc3\xa9" "b\xc3\xa8", "\xc3\xa9",
		"\xc3\x89" "b\xc3\xa8", "b\xc3\xa8n", "a", "ab", "AB", "xy",
		"z", " ", "s p", "er c", "laptop", "nothing here", "'", "%",
		"_", "\\", "x\xc3", "lap%op", "la_top", "%%%", "___",
		"\\\\\\", "t%c", "S_P", NULL
	};
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	struct jta_tk_query q;
	char		 path[512], want[128], f[512];
	int64_t		 id, count;
	size_t		 i;
	json_t		*j;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	for (i = 0; i < 4; i++) {
		j = json_pack("{s:s, s:s}", "summary", rows[i][0],
		    "description", rows[i][1]);
		ck_assert_msg(jta_store_tk_create(st, &a, "DEMO", j, "Open",
		    &id, &e) == JTA_OK, "%s", e.detail);
		json_decref(j);
	}
	for (i = 0; texts[i] != NULL; i++) {
		memset(&q, 0, sizeof(q));
		q.search = texts[i];
		tkbrute(rows, 4, NULL, texts[i], want, sizeof(want), &count);
		tkexpect(st, &q, want, count);
		memset(&q, 0, sizeof(q));
		q.title_icontains = texts[i];
		tkbrute(rows, 4, texts[i], NULL, want, sizeof(want), &count);
		tkexpect(st, &q, want, count);
		q.search = "r";
		tkbrute(rows, 4, texts[i], "r", want, sizeof(want), &count);
		tkexpect(st, &q, want, count);
	}
	/* The index holds the comments too; they are not searched. */
	tcomment(st, "DEMO-1", &a, "zeppelin sighting");
	memset(&q, 0, sizeof(q));
	q.search = "zeppelin";
	tkexpect(st, &q, "", 0);
	q.search = NULL;
	q.title_icontains = "zeppelin";
	tkexpect(st, &q, "", 0);
	/* Nor is the description by title__icontains. */
	q.title_icontains = "screen";
	tkexpect(st, &q, "", 0);

	/* Two texts the index answers together. */
	memset(&q, 0, sizeof(q));
	q.title_icontains = "LAP";
	q.search = "printer";
	tkexpect(st, &q, "3", 1);
	/* The count of a page past the end, and of a later page. */
	q.title_icontains = NULL;
	q.page_size = 1;
	q.page = 2;
	tkexpect(st, &q, "3", 2);
	q.page = 5;
	tkexpect(st, &q, "", 2);

	/* The text of three characters or more is looked up in the index
	 * (a row it lacks is not found), shorter text is scanned. */
	sqlexec(path, "DELETE FROM ticket_tri WHERE rowid = 3");
	memset(&q, 0, sizeof(q));
	q.search = "laptop";
	tkexpect(st, &q, "", 0);
	q.search = "la";
	tkexpect(st, &q, "3", 1);
	sqlexec(path, "INSERT INTO ticket_tri(rowid, summary, description, "
	    "comments) SELECT id, summary, description, '' FROM tickets "
	    "WHERE id = 3");
	q.search = "laptop";
	tkexpect(st, &q, "3", 1);

	/* Updates and deletes keep the index in step. */
	snprintf(f, sizeof(f), "{\"summary\":\"gamma desktop\"}");
	j = J(f);
	ck_assert_int_eq(jta_store_tk_update(st, 3, j, NULL, NULL, &e),
	    JTA_OK);
	json_decref(j);
	q.search = "laptop";
	tkexpect(st, &q, "", 0);
	q.search = "DESKTOP";
	tkexpect(st, &q, "3", 1);
	q.search = "screen printer";
	tkexpect(st, &q, "3", 1);
	j = J("{\"description\":\"fan noise\"}");
	ck_assert_int_eq(jta_store_tk_update(st, 3, j, NULL, NULL, &e),
	    JTA_OK);
	json_decref(j);
	q.search = "screen printer";
	tkexpect(st, &q, "", 0);
	q.search = "fan noise";
	tkexpect(st, &q, "3", 1);
	ck_assert_int_eq(jta_store_tk_delete(st, 3, &e), JTA_OK);
	tkexpect(st, &q, "", 0);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM ticket_tri "
	    "WHERE rowid = 3"), 0);
	q.search = "printer";
	tkexpect(st, &q, "1", 1);
	jta_store_close(st);
}
END_TEST

/*
 * The trigram path checks its candidates with LIKE (tklike): on a store
 * where many tickets hold the text in every case, next to LIKE's own
 * wildcards and escape, every page and the count are what a scan
 * (tkbrute: lower() and strstr, no SQL) finds, for text with and
 * without '%', '_' and '\' and with non-ASCII letters (not folded).
 */
START_TEST(tk_list_search_like_pages_as_a_scan)
{
	static const char *const parts[] = { "QuOkKa", "quokka", "quo kka",
	    "100% quo_kka\\z", "Quokk\xc3\xa1", "QUOKK\xc3\x81", "okapi",
	    "50%_off \\\\ x", "quokkas", "kk%a" };
	static const char *const texts[] = { "quokka", "QUOKKA", "o_k",
	    "0% q", "kka\\z", "% q", "quokk", "kk\xc3\xa1", "kk\xc3\x81",
	    "%_o", "\\\\ x", "k%a", "kka", NULL };
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	struct jta_tk_query q;
	struct jta_store_ticket_list l;
	const char	*rows[40][2];
	char		 path[512], sum[40][64], want[256], got[256];
	int64_t		 id, count;
	size_t		 i, k, o;
	json_t		*j;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	for (i = 0; i < 40; i++) {
		snprintf(sum[i], sizeof(sum[i]), "t%zu %s", i,
		    parts[i % 10]);
		rows[i][0] = sum[i];
		rows[i][1] = parts[(i * 3 + 1) % 10];
		j = json_pack("{s:s, s:s}", "summary", rows[i][0],
		    "description", rows[i][1]);
		ck_assert_msg(jta_store_tk_create(st, &a, "DEMO", j, "Open",
		    &id, &e) == JTA_OK, "%s", e.detail);
		json_decref(j);
	}
	for (i = 0; texts[i] != NULL; i++)
		for (k = 0; k < 2; k++) {
			memset(&q, 0, sizeof(q));
			if (k == 0)
				q.search = texts[i];
			else
				q.title_icontains = texts[i];
			tkbrute(rows, 40, q.title_icontains, q.search, want,
			    sizeof(want), &count);
			ck_assert_msg(count > 0 || strcmp(texts[i], "kk%a") ==
			    0, "%s finds nothing", texts[i]);
			/* Pages of 7 (created ties: by id), then the count. */
			got[0] = '\0';
			o = 0;
			q.ordering = "created";
			q.page_size = 7;
			for (q.page = 1; q.page <= 7; q.page++) {
				memset(&e, 0, sizeof(e));
				ck_assert_msg(jta_store_tk_list(st, &q, &l,
				    &e) == JTA_OK, "%s", e.detail);
				ck_assert_msg(l.count == count, "%s: count "
				    "%" PRId64 ", want %" PRId64, texts[i],
				    l.count, count);
				ck_assert(l.n <= 7);
				for (size_t r = 0; r < l.n; r++)
					o += (size_t)snprintf(got + o,
					    sizeof(got) - o, "%s%" PRId64,
					    o ? "," : "", l.v[r].id);
				jta_store_ticket_list_clear(&l);
			}
			ck_assert_msg(strcmp(got, want) == 0, "%s (%s): got "
			    "'%s', want '%s'", texts[i], k ? "title" :
			    "search", got, want);
		}
	jta_store_close(st);
}
END_TEST

/*
 * Text of five characters or more is looked up as a NEAR group of the
 * trigrams that cover it (tkfts): the index then gives more candidates
 * than the phrase (checked here straight in ticket_tri), and the answer
 * and count are still a scan's, at every length, at the start and end of
 * a column, in either column, for ASCII and non-ASCII text.  A group's
 * span one token too short loses the matches; a candidate not checked is
 * an extra row.
 */
START_TEST(tk_list_search_trigram_cover_as_a_scan)
{
	static const char *const rows[][2] = {
		{ "quokka here", "plain" },
		{ "kkaquo", "nothing" },
		{ "quo kka", "x" },
		{ "a quo", "kka b" },
		{ "QUOKKA", "y" },
		{ "x", "the printer jammed again" },
		{ "jammed printer", "z" },
		{ "defgabc", "w" },
		{ "abcdefg", "w" },
		{ "w", "zabcdefgz" },
		{ "abcde", "cdeabc" },
		{ "Quokk\xc3\xa1 caf\xc3\xa9s", "v" },
	};
	static const char *const texts[] = { "quokka", "QUOKKA", "quokk",
	    "uokka", "kkaquo", "quo kka", "abcdefg", "ABCDEFG", "abcde",
	    "bcdef", "cdeab", "defgabc", "printer jammed", "r jammed again",
	    "the printer jammed again", "k\xc3\xa1 caf", "K\xc3\x81 CAF",
	    "kk\xc3\xa1 caf\xc3\xa9s", "a quo", "x quo", NULL };
	const size_t	 n = sizeof(rows) / sizeof(rows[0]);
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	struct jta_tk_query q;
	char		 path[512], want[128], quotes[251];
	int64_t		 id, count;
	size_t		 i;
	json_t		*j;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	for (i = 0; i < n; i++) {
		j = json_pack("{s:s, s:s}", "summary", rows[i][0],
		    "description", rows[i][1]);
		ck_assert_msg(jta_store_tk_create(st, &a, "DEMO", j, "Open",
		    &id, &e) == JTA_OK, "%s", e.detail);
		json_decref(j);
	}
	/* The groups' extra candidates: kkaquo for quokka, defgabc for
	 * abcdefg. */
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM ticket_tri WHERE "
	    "ticket_tri MATCH 'NEAR(\"quo\" \"kka\", 2)'"), 3);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM ticket_tri WHERE "
	    "ticket_tri MATCH 'NEAR(\"abc\" \"def\" \"efg\", 3)'"), 3);
	for (i = 0; texts[i] != NULL; i++) {
		memset(&q, 0, sizeof(q));
		q.search = texts[i];
		tkbrute(rows, n, NULL, texts[i], want, sizeof(want), &count);
		tkexpect(st, &q, want, count);
		memset(&q, 0, sizeof(q));
		q.title_icontains = texts[i];
		tkbrute(rows, n, texts[i], NULL, want, sizeof(want), &count);
		tkexpect(st, &q, want, count);
		q.search = "abc";
		tkbrute(rows, n, texts[i], "abc", want, sizeof(want), &count);
		tkexpect(st, &q, want, count);
	}
	/* Two texts whose queries do not both fit: the second is scanned,
	 * the first's query stays whole. */
	memset(quotes, '"', 250);
	quotes[250] = '\0';
	j = json_pack("{s:s, s:s}", "summary", quotes, "description", quotes);
	ck_assert_msg(jta_store_tk_create(st, &a, "DEMO", j, "Open", &id,
	    &e) == JTA_OK, "%s", e.detail);
	json_decref(j);
	memset(&q, 0, sizeof(q));
	q.title_icontains = quotes;
	q.search = quotes;
	tkexpect(st, &q, "13", 1);
	q.search = quotes + 1;
	tkexpect(st, &q, "13", 1);
	jta_store_close(st);
}
END_TEST

/*
 * A trigram search keeps the page and the rows before it in a heap while
 * they are at most 100 (tklistfts), and lets SQLite sort later pages: on
 * 110 tickets that all hold "zzz", with equal summaries and times, every
 * ordering's pages of 7 and of 50 (both ways, the last pages past 100
 * rows) are the scan's pages of "zz" (the same tickets, sorted by SQL).
 */
START_TEST(tk_list_search_heap_pages_as_sql_sorts)
{
	static const char *const orders[] = { "created", "-created",
	    "updated", "-updated", "summary", "-summary", NULL };
	static const int64_t sizes[] = { 7, 50 };
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	struct jta_tk_query q;
	struct jta_store_ticket_list l[2];
	char		 path[512], f[128];
	int64_t		 id, pg;
	size_t		 i, k, o, r;
	json_t		*j;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	for (i = 0; i < 110; i++) {
		snprintf(f, sizeof(f), "zzz item %zu", i % 7);
		j = json_pack("{s:s}", "summary", f);
		ck_assert_msg(jta_store_tk_create(st, &a, "DEMO", j, "Open",
		    &id, &e) == JTA_OK, "%s", e.detail);
		json_decref(j);
	}
	sqlexec(path, "UPDATE tickets SET created = 1700000000 + (id % 5) "
	    "* 60, updated = 1700000000 + ((id * 7) % 3) * 60");
	for (o = 0; o < 7; o++)
		for (k = 0; k < 2; k++)
			for (pg = 1; pg <= 110 / sizes[k] + 2; pg++) {
				for (r = 0; r < 2; r++) {
					memset(&q, 0, sizeof(q));
					q.page = pg;
					q.page_size = sizes[k];
					q.ordering = orders[o];
					q.search = r == 0 ? "zzz" : "zz";
					memset(&e, 0, sizeof(e));
					ck_assert_msg(jta_store_tk_list(st, &q,
					    &l[r], &e) == JTA_OK, "%s",
					    e.detail);
				}
				ck_assert(l[0].count == 110 &&
				    l[1].count == 110);
				ck_assert_uint_eq(l[0].n, l[1].n);
				for (i = 0; i < l[0].n; i++)
					ck_assert_msg(l[0].v[i].id ==
					    l[1].v[i].id, "order %s, page "
					    "%" PRId64 " of %" PRId64 ", row "
					    "%zu", orders[o] ? orders[o] :
					    "default", pg, sizes[k], i);
				jta_store_ticket_list_clear(&l[0]);
				jta_store_ticket_list_clear(&l[1]);
			}
	jta_store_close(st);
}
END_TEST

/* Schema 21 (issue 16): tickets written one at a time leave the two
 * ticket indexes few segments to probe (FTS5's defaults let them grow to
 * 15 before a merge), and the searches answer as before.  The segments
 * are counted in each index's %_idx table (one row per leaf page, each
 * naming its segment). */
START_TEST(tk_index_segments_stay_few)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	struct jta_tk_query q;
	char		 path[512], want[128], d[128];
	int64_t		 id, segs, most = 0;
	size_t		 i, o = 0;
	json_t		*j;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &a);
	addproject(st, "DEMO", NULL);
	want[0] = '\0';
	for (i = 1; i <= 48; i++) {
		snprintf(d, sizeof(d), "ticket %zu: word%zu%s", i, i,
		    i % 8 == 0 ? " a quokka was seen" : "");
		if (i % 8 == 0)
			o += (size_t)snprintf(want + o, sizeof(want) - o,
			    "%s%zu", o ? "," : "", i);
		j = json_pack("{s:s, s:s}", "summary", "Printer trouble",
		    "description", d);
		ck_assert_msg(jta_store_tk_create(st, &a, "DEMO", j, "Open",
		    &id, &e) == JTA_OK, "%s", e.detail);
		json_decref(j);
		segs = sqlint(path, "SELECT count(DISTINCT segid) FROM "
		    "ticket_tri_idx");
		most = segs > most ? segs : most;
		segs = sqlint(path, "SELECT count(DISTINCT segid) FROM "
		    "ticket_fts_idx");
		most = segs > most ? segs : most;
	}
	ck_assert_msg(most <= 4, "an index had %" PRId64 " segments", most);
	memset(&q, 0, sizeof(q));
	q.search = "QUOKKA";
	tkexpect(st, &q, want, 6);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM ticket_fts "
	    "WHERE ticket_fts MATCH 'quokka'"), 6);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM ticket_tri "
	    "WHERE ticket_tri MATCH 'word17'"), 1);
	jta_store_close(st);
}
END_TEST

START_TEST(tk_update_changes_given_fields_and_moves)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	struct jta_store_ticket t;
	char		 path[512];
	json_t		*f;

	st = tkseed(path, sizeof(path), &a);
	f = J("{\"summary\":\"Bravo printer again\"}");
	ck_assert_int_eq(jta_store_tk_update(st, 1, f, "Open", NULL, &e),
	    JTA_OK);
	json_decref(f);
	f = J("{\"description\":\"new\"}");
	ck_assert_int_eq(jta_store_tk_update(st, 1, f, "Open", "Closed", &e),
	    JTA_OK);
	json_decref(f);
	ck_assert_int_eq(jta_store_tk_get(st, 1, &t, &e), JTA_OK);
	ck_assert_str_eq(t.summary, "Bravo printer again");
	ck_assert_str_eq(t.description, "new");
	ck_assert_str_eq(t.status, "Closed");
	/* created is never written. */
	ck_assert(t.created == T0 + DAY);
	jta_store_ticket_clear(&t);
	jta_store_close(st);
}
END_TEST

/* The move is conditional on the status read: when it changed, nothing
 * of the update is kept. */
START_TEST(tk_update_is_conditional_on_the_status_read)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_error e;
	struct jta_store_ticket t;
	char		 path[512];
	json_t		*f;

	st = tkseed(path, sizeof(path), &a);
	tmove(st, "DEMO-1", "In Progress");
	f = J("{\"summary\":\"lost\"}");
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_tk_update(st, 1, f, "Open", "Resolved",
	    &e), JTA_ERR_CONFLICT);
	ck_assert_int_eq(e.status, 0);
	ck_assert_int_eq(jta_store_tk_update(st, 77, f, "Open", NULL, &e),
	    JTA_ERR_NOTFOUND);
	json_decref(f);
	ck_assert_int_eq(jta_store_tk_get(st, 1, &t, &e), JTA_OK);
	ck_assert_str_eq(t.summary, "Bravo printer");
	ck_assert_str_eq(t.status, "In Progress");
	jta_store_ticket_clear(&t);
	jta_store_close(st);
}
END_TEST

START_TEST(tk_delete_removes_ticket_comments_and_index)
{
	struct jta_store *st;
	struct jta_user	 a;
	struct jta_search q;
	struct jta_error e;
	struct jta_tk_query tq;
	struct jta_store_ticket t;
	char		 path[512];
	json_t		*out = NULL, *res;

	st = tkseed(path, sizeof(path), &a);
	tcomment(st, "DEMO-1", &a, "zeppelin sighting");
	json_decref(tupdate(st, "DEMO-1", "{\"labels\":[\"gone\"]}"));
	memset(&q, 0, sizeof(q));
	q.text = "zeppelin";
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "issues")), 1);
	json_decref(res);

	ck_assert_int_eq(jta_store_tk_delete(st, 1, &e), JTA_OK);
	ck_assert_int_eq(jta_store_tk_get(st, 1, &t, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "issues")), 0);
	json_decref(res);
	q.text = "toner";
	ck_assert_int_eq(tsearch(st, &q, &res, &e), JTA_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "issues")), 0);
	json_decref(res);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM comments "
	    "WHERE ticket_id = 1"), 0);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM ticket_labels "
	    "WHERE ticket_id = 1"), 0);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM ticket_fts "
	    "WHERE rowid = 1"), 0);
	memset(&tq, 0, sizeof(tq));
	tkexpect(st, &tq, "2,3,4", 3);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_tk_delete(st, 1, &e), JTA_ERR_NOTFOUND);
	ck_assert_int_eq(e.status, 0);
	/* The others are untouched. */
	out = tget(st, "DEMO-2");
	json_decref(out);
	jta_store_close(st);
}
END_TEST


/* ---- schema version 3: OAuth states and Atlassian links ---- */

/* A vault with a master key and a token key file (KID 1) in dir;
 * tkpath (600 bytes) gets the token key file. */
static struct jta_vault *
newvault_in(const char *dir, char *tkpath)
{
	struct jta_vault *v = NULL;
	char		 kp[600], msg[1024];

	snprintf(kp, 600, "%s/vault.key", dir);
	snprintf(tkpath, 600, "%s/token.key", dir);
	ck_assert_int_eq(jta_vault_create_key(kp, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_vault_open(kp, &v, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(jta_vault_keys_create(tkpath, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_msg(jta_vault_keys_load(v, tkpath, msg, sizeof(msg)) ==
	    JTA_OK, "%s", msg);
	return v;
}

/* A second vault handle on the same key files (as another process). */
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

/* A current store and a vault beside it. */
static struct jta_store *
newlinkstore(char *path, size_t pathsz, char *tkpath, struct jta_vault **v)
{
	struct jta_store *st = newstore(path, pathsz);
	char		 dir[512];

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	*v = newvault_in(dir, tkpath);
	return st;
}

/* Another connection to the store at path (store_cases_links.h). */
static struct jta_store *
reopen(const char *path, char *msg, size_t msgsz)
{
	struct jta_store *st = NULL;
	char		 m[512];

	if (msg == NULL) {
		msg = m;
		msgsz = sizeof(m);
	}
	if (jta_store_open(path, 5000, 0, &st, msg, msgsz) != JTA_OK)
		return NULL;
	return st;
}

#include "store_cases_links.h"

/* jta_oauth_link_usable (the token endpoint's refresh in Jira mode):
 * a link is usable until it breaks, again once linked anew; a person
 * without a link has none to use. */
START_TEST(link_usable_until_broken)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_oauth o;
	struct jta_conf	 conf;
	struct jta_error e;
	char		 path[512], tk[600];
	int64_t		 uid, other = 0;
	int		 usable = -1;

	st = newlinkstore(path, sizeof(path), tk, &v);
	memset(&conf, 0, sizeof(conf));
	jta_oauth_init(&o, &conf, st, v, NULL);
	uid = linkput(st, v, "acct", "access-1", "refresh-1");
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_oauth_link_usable(&o, uid, &usable, &e), JTA_OK);
	ck_assert_int_eq(usable, 1);
	ck_assert_int_eq(jta_store_user_add(st, "nolink", "No Link",
	    "n@example.org", &other, &e), JTA_OK);
	ck_assert_int_eq(jta_oauth_link_usable(&o, other, &usable, &e),
	    JTA_OK);
	ck_assert_int_eq(usable, 0);
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", jta_time_now(), 1,
	    "refresh-1"), JTA_LEASE_CLAIMED);
	ck_assert_int_eq(jta_store_link_break(st, uid, "h:1:a", &e), JTA_OK);
	ck_assert_int_eq(jta_oauth_link_usable(&o, uid, &usable, &e), JTA_OK);
	ck_assert_int_eq(usable, 0);
	(void)linkput(st, v, "acct", "access-2", "refresh-2");
	ck_assert_int_eq(jta_oauth_link_usable(&o, uid, &usable, &e), JTA_OK);
	ck_assert_int_eq(usable, 1);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

/* 1 when the file at path (if it exists) holds needle. */
static int
file_holds(const char *path, const char *needle)
{
	FILE		*f = fopen(path, "rb");
	char		*buf;
	size_t		 n;
	long		 sz;
	int		 found;

	if (f == NULL)
		return 0;
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	rewind(f);
	buf = malloc((size_t)sz + 1);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, (size_t)sz, f);
	fclose(f);
	found = memmem(buf, n, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

static void
assert_v3_tables(const char *path)
{
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name IN ('oauth_states', "
	    "'atlassian_links')"), 2);
}

static void
assert_v4_tables(const char *path)
{
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name IN ('oauth_clients', "
	    "'oauth_codes', 'oauth_tokens')"), 3);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM "
	    "pragma_table_info('users') WHERE name = 'pw_hash'"), 1);
}

static void
assert_v5_tables(const char *path)
{
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name = 'login_failures'"), 1);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM "
	    "pragma_table_info('oauth_states') WHERE name = 'request'"), 1);
}
static void
assert_v6_tables(const char *path)
{
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name IN ('drafts', "
	    "'idempotency_keys')"), 2);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM "
	    "pragma_table_info('tickets') WHERE name = 'once_token'"), 1);
}


START_TEST(migration_empty_to_latest)
{
	struct jta_store *st;
	char		 path[512];
	int		 fd, v = 0;

	newdbpath(path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	st = openstore(path, JTA_STORE_MIGRATE);
	ck_assert_int_eq(jta_store_version(st, &v), JTA_OK);
	ck_assert_int_eq(v, JTA_STORE_VERSION);
	jta_store_close(st);
	assert_v3_tables(path);
	assert_v4_tables(path);
	assert_v5_tables(path);
	assert_v6_tables(path);
}
END_TEST

/* Take a current file back to version 3 (drop what migration 4 made). */
static void
downgrade_to_3(const char *path)
{
	downgrade_to_4(path);
	sqlexec(path, "DROP TABLE oauth_tokens; DROP TABLE oauth_codes;"
	    "DROP TABLE oauth_clients; ALTER TABLE users DROP COLUMN pw_hash;"
	    "PRAGMA user_version = 3;");
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM sqlite_master "
	    "WHERE name LIKE 'oauth_c%' OR name LIKE 'oauth_t%'"), 0);
}

/* Take a current file back to version 2 (drop what migrations 4 and 3
 * made) and, with to_1, to version 1 (drop migration 2's FTS too). */
static void
downgrade(const char *path, int to_1)
{
	downgrade_to_3(path);
	sqlexec(path, "DROP TABLE atlassian_links; DROP TABLE oauth_states;"
	    "PRAGMA user_version = 2;");
	if (to_1)
		sqlexec(path, "DROP TRIGGER tickets_fts_insert;"
		    "DROP TRIGGER tickets_fts_update;"
		    "DROP TRIGGER tickets_fts_delete;"
		    "DROP TRIGGER comments_fts_insert;"
		    "DROP TABLE ticket_fts; PRAGMA user_version = 1;");
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM sqlite_master "
	    "WHERE name IN ('oauth_states', 'atlassian_links')"), 0);
}

static void
migration_keeps_data_and_links_work(int from)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_user	 alice, again;
	struct jta_error e;
	char		 path[512], tk[600], msg[512], key[32];
	int64_t		 uid;
	int		 ver;

	st = newlinkstore(path, sizeof(path), tk, &v);
	adduser(st, "alice", &alice);
	addproject(st, "DEMO", NULL);
	tcreate_key(st, &alice, "{\"project\":\"DEMO\",\"summary\":"
	    "\"before the migration\"}", key, sizeof(key));
	jta_store_close(st);
	downgrade(path, from == 1);
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"), from);
	st = (struct jta_store *)&st;
	ck_assert_int_eq(jta_store_open(path, 5000, 0, &st, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_ptr_null(st);
	st = openstore(path, JTA_STORE_MIGRATE);
	ck_assert_int_eq(jta_store_version(st, &ver), JTA_OK);
	ck_assert_int_eq(ver, JTA_STORE_VERSION);
	assert_v3_tables(path);
	assert_v4_tables(path);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_user_get(st, "alice", &again, &e), JTA_OK);
	ck_assert(again.id == alice.id);
	json_decref(tget(st, key));
	uid = linkput(st, v, "557058:migrated", "acc-m", "ref-m");
	ck_assert(uid != alice.id);
	(void)access_is(st, v, uid, "acc-m");
	jta_store_close(st);
	jta_vault_close(v);
}

START_TEST(migration_1_to_3)
{
	migration_keeps_data_and_links_work(1);
}
END_TEST

START_TEST(migration_2_to_3)
{
	migration_keeps_data_and_links_work(2);
}
END_TEST

START_TEST(link_put_get_tokens_never_in_clear)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_link	 l;
	struct jta_user	 u;
	struct jta_secret *tok = (struct jta_secret *)&tok;
	struct jta_error e;
	char		 path[512], wal[600], tk[600], name[64], buf[128];
	int64_t		 uid, uid2;
	static const char access[] = "eyJ-ACCESS-plaintext-7f3a9c";
	static const char refresh[] = "REFRESH-plaintext-b81d44e0";

	st = newlinkstore(path, sizeof(path), tk, &v);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_link_get(st, v, 1, &l, &tok, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(e.status, 404);
	ck_assert_ptr_null(tok);
	uid = linkput(st, v, "557058:aaaa-bbbb", access, refresh);
	l = access_is(st, v, uid, access);
	ck_assert_str_eq(l.account_id, "557058:aaaa-bbbb");
	ck_assert_str_eq(l.site_url, "https://example.atlassian.net");
	ck_assert_str_eq(l.display_name, "Ada Atlassian");
	ck_assert_int_eq(l.generation, 1);
	ck_assert_int_eq(l.broken, 0);
	ck_assert_int_eq(l.has_refresh, 1);
	ck_assert_int_gt(l.access_expires, jta_time_now());
	/* The local user: "atl-" and 16 hex digits, a valid user name. */
	snprintf(name, sizeof(name), "%s", sqltext(path, "SELECT name FROM "
	    "users", buf, sizeof(buf)));
	ck_assert_uint_eq(strlen(name), 20);
	ck_assert(strncmp(name, "atl-", 4) == 0);
	ck_assert_uint_eq(strspn(name + 4, "0123456789abcdef"), 16);
	ck_assert_int_eq(jta_store_user_get(st, name, &u, &e), JTA_OK);
	ck_assert(u.id == uid);
	ck_assert_str_eq(u.email, "someone@example.com");
	/* Linking the same account again keeps the user, bumps generation,
	 * and the name is stable. */
	uid2 = linkput(st, v, "557058:aaaa-bbbb", "access-two", NULL);
	ck_assert(uid2 == uid);
	l = access_is(st, v, uid, "access-two");
	ck_assert_int_eq(l.generation, 2);
	ck_assert_int_eq(l.has_refresh, 0);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM users"), 1);
	/* Another account, another user. */
	uid2 = linkput(st, v, "557058:cccc", access, refresh);
	ck_assert(uid2 != uid);
	/* The plaintexts are nowhere in the files, before and after the
	 * WAL is checkpointed into the database. */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert(!file_holds(path, access) && !file_holds(wal, access));
	ck_assert(!file_holds(path, refresh) && !file_holds(wal, refresh));
	jta_store_close(st);
	ck_assert(!file_holds(path, access) && !file_holds(path, refresh));
	ck_assert(file_holds(path, "557058:cccc"));	/* the scan works */
	jta_vault_close(v);
}
END_TEST

START_TEST(link_ciphertext_bound_to_row_and_column)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_link	 l;
	struct jta_secret *tok = NULL;
	struct jta_error e;
	char		 path[512], tk[600], sql[256];
	int64_t		 a, b;

	st = newlinkstore(path, sizeof(path), tk, &v);
	a = linkput(st, v, "acct-a", "access-a", "refresh-a");
	b = linkput(st, v, "acct-b", "access-b", "refresh-b");
	/* A's refresh ciphertext in A's access column does not open. */
	snprintf(sql, sizeof(sql), "UPDATE atlassian_links SET access_ct = "
	    "refresh_ct WHERE user_id = %" PRId64, a);
	sqlexec(path, sql);
	ck_assert_int_eq(jta_store_link_get(st, v, a, &l, &tok, &e),
	    JTA_ERR_CRYPTO);
	ck_assert_ptr_null(tok);
	/* B's access ciphertext in A's row does not open either. */
	snprintf(sql, sizeof(sql), "UPDATE atlassian_links SET access_ct = "
	    "(SELECT access_ct FROM atlassian_links WHERE user_id = %" PRId64
	    ") WHERE user_id = %" PRId64, b, a);
	sqlexec(path, sql);
	ck_assert_int_eq(jta_store_link_get(st, v, a, &l, &tok, &e),
	    JTA_ERR_CRYPTO);
	(void)access_is(st, v, b, "access-b");
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

START_TEST(link_put_refuses_bad_upstream_values)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_link	 l;
	struct jta_user	 u;
	struct jta_error e;
	unsigned char	*big;
	char		 path[512], tk[600];

	st = newlinkstore(path, sizeof(path), tk, &v);
	fillink(&l, "", "x");
	ck_assert_int_eq(jta_store_link_put(st, v, &l, U("a"), 1, 1, NULL, 0,
	    &u, &e), JTA_ERR_INPUT);
	fillink(&l, "has space", "x");
	ck_assert_int_eq(jta_store_link_put(st, v, &l, U("a"), 1, 1, NULL, 0,
	    &u, &e), JTA_ERR_INPUT);
	fillink(&l, "ok", "bad\nname");
	ck_assert_int_eq(jta_store_link_put(st, v, &l, U("a"), 1, 1, NULL, 0,
	    &u, &e), JTA_ERR_INPUT);
	fillink(&l, "ok", "x");
	ck_assert_int_eq(jta_store_link_put(st, v, &l, U("a"), 0, 1, NULL, 0,
	    &u, &e), JTA_ERR_INPUT);
	big = calloc(1, JTA_LIMIT_UPSTREAM_TOKEN + 1);
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(jta_store_link_put(st, v, &l, big,
	    JTA_LIMIT_UPSTREAM_TOKEN + 1, 1, NULL, 0, &u, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_store_link_put(st, v, &l, U("a"), 1, 1, big,
	    JTA_LIMIT_UPSTREAM_TOKEN + 1, &u, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_store_link_put(st, v, &l, big,
	    JTA_LIMIT_UPSTREAM_TOKEN, 1, NULL, 0, &u, &e), JTA_OK);
	free(big);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM users"), 1);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

START_TEST(lease_claimed_busy_fresh)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_link	 l;
	char		 path[512], tk[600];
	int64_t		 uid, now = jta_time_now(), g;

	st = newlinkstore(path, sizeof(path), tk, &v);
	uid = linkput(st, v, "acct", "access-1", "refresh-1");
	g = access_is(st, v, uid, "access-1").generation;
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", now, g, "refresh-1"),
	    JTA_LEASE_CLAIMED);
	ck_assert_str_eq(sqltext(path, "SELECT lease_owner FROM "
	    "atlassian_links", (char[64]){0}, 64), "h:1:a");
	ck_assert_int_eq(sqlint(path, "SELECT lease_until FROM "
	    "atlassian_links"), now + 30);
	/* The holder may ask again (a retry of its own). */
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", now, g, "refresh-1"),
	    JTA_LEASE_CLAIMED);
	ck_assert_int_eq(lease(st, v, uid, "h:2:b", now + 29, g, NULL),
	    JTA_LEASE_BUSY);
	ck_assert_int_eq(renew(st, v, uid, "h:1:a", "access-2", "refresh-2"),
	    JTA_OK);
	l = access_is(st, v, uid, "access-2");
	ck_assert_int_eq(l.generation, g + 1);
	ck_assert_int_eq(sqlint(path, "SELECT lease_owner IS NULL AND "
	    "lease_until IS NULL FROM atlassian_links"), 1);
	/* A sibling that read generation g gets the new token, no lease. */
	ck_assert_int_eq(lease(st, v, uid, "h:2:b", now, g, "access-2"),
	    JTA_LEASE_FRESH);
	ck_assert_int_eq(sqlint(path, "SELECT lease_owner IS NULL FROM "
	    "atlassian_links"), 1);
	/* An expired lease can be taken over. */
	ck_assert_int_eq(lease(st, v, uid, "h:2:b", now, g + 1, "refresh-2"),
	    JTA_LEASE_CLAIMED);
	ck_assert_int_eq(lease(st, v, uid, "h:3:c", now + 30, g + 1,
	    "refresh-2"), JTA_LEASE_CLAIMED);
	/* ... and the one who lost it cannot store its tokens. */
	ck_assert_int_eq(renew(st, v, uid, "h:2:b", "access-late", NULL),
	    JTA_ERR_CONFLICT);
	(void)access_is(st, v, uid, "access-2");
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

START_TEST(break_drops_tokens_until_linked_again)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_link	 l;
	struct jta_secret *tok = (struct jta_secret *)&tok;
	struct jta_error e;
	char		 path[512], tk[600];
	int64_t		 uid, uid2, now = jta_time_now();

	st = newlinkstore(path, sizeof(path), tk, &v);
	uid = linkput(st, v, "acct", "access-1", "refresh-1");
	ck_assert_int_eq(jta_store_link_break(st, uid, "h:1:a", &e),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", now, 1, "refresh-1"),
	    JTA_LEASE_CLAIMED);
	ck_assert_int_eq(jta_store_link_break(st, uid, "h:1:b", &e),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_store_link_break(st, uid, "h:1:a", &e), JTA_OK);
	ck_assert_int_eq(jta_store_link_get(st, v, uid, &l, &tok, &e),
	    JTA_OK);
	ck_assert_ptr_null(tok);
	ck_assert_int_eq(l.broken, 1);
	ck_assert_int_eq(sqlint(path, "SELECT access_ct IS NULL AND "
	    "refresh_ct IS NULL AND lease_owner IS NULL AND status = 'broken' "
	    "FROM atlassian_links"), 1);
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", now, l.generation, NULL),
	    JTA_LEASE_BROKEN);
	ck_assert_int_eq(renew(st, v, uid, "h:1:a", "access-x", NULL),
	    JTA_ERR_CONFLICT);
	/* Linking again mends it, on the same user. */
	uid2 = linkput(st, v, "acct", "access-2", "refresh-2");
	ck_assert(uid2 == uid);
	l = access_is(st, v, uid, "access-2");
	ck_assert_int_eq(l.broken, 0);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

START_TEST(lease_without_refresh_token_is_broken)
{
	struct jta_store *st;
	struct jta_vault *v;
	char		 path[512], tk[600];
	int64_t		 uid;

	st = newlinkstore(path, sizeof(path), tk, &v);
	uid = linkput(st, v, "acct", "access-1", NULL);
	ck_assert_int_eq(lease(st, v, uid, "h:1:a", jta_time_now(), 1, NULL),
	    JTA_LEASE_BROKEN);
	ck_assert_int_eq(sqlint(path, "SELECT lease_owner IS NULL FROM "
	    "atlassian_links"), 1);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

/* The KID every stored ciphertext carries (bytes 2..5, big-endian), or 0
 * when they differ. */
static uint32_t
stored_kid(const char *path)
{
	char	 buf[32];

	sqltext(path, "SELECT CASE WHEN count(DISTINCT hex(k)) = 1 THEN "
	    "max(hex(k)) ELSE '0' END FROM (SELECT substr(access_ct, 2, 4) "
	    "AS k FROM atlassian_links WHERE access_ct IS NOT NULL UNION ALL "
	    "SELECT substr(refresh_ct, 2, 4) FROM atlassian_links WHERE "
	    "refresh_ct IS NOT NULL)", buf, sizeof(buf));
	return (uint32_t)strtoul(buf, NULL, 16);
}

/*
 * A renew that lands between the re-seal's read and its write wins: the
 * re-seal skips that row (generation changed) and counts it as remaining.
 * The parent holds the write lock through its own connection while a
 * child runs the re-seal (it reads, then waits on BEGIN IMMEDIATE); the
 * parent then renews the row through SQL with tokens sealed by the vault
 * and commits.
 */
START_TEST(reseal_never_overwrites_a_concurrent_renew)
{
	struct jta_store *st;
	struct jta_vault *v;
	unsigned char	*ct = NULL;
	size_t		 ctlen = 0;
	sqlite3		*db;
	sqlite3_stmt	*s;
	char		 path[512], tk[600], msg[1024], acct[32], ad[64];
	int64_t		 uid[4];
	uint32_t	 kid;
	int		 p[2], go[2], status, i;
	pid_t		 pid;
	unsigned char	 counts[2];

	st = newlinkstore(path, sizeof(path), tk, &v);
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
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(go), 0);
	/* No SQLite connection may cross the fork: the parent opens its
	 * own after it, and lets the child go once it holds the lock. */
	if ((pid = fork()) == 0) {
		struct jta_store *cst = NULL;
		struct jta_vault *cv;
		struct jta_error e;
		size_t		 done = 0, left = 0;
		char		 b;

		close(p[0]);
		close(go[1]);
		cv = samevault(tk);
		if (jta_store_open(path, 10000, 0, &cst, msg, sizeof(msg)) !=
		    JTA_OK)
			_exit(4);
		if (read(go[0], &b, 1) != 1)
			_exit(5);
		if (
		    jta_store_link_reseal(cst, cv, 10, &done, &left, &e) !=
		    JTA_OK)
			_exit(2);
		counts[0] = (unsigned char)done;
		counts[1] = (unsigned char)left;
		if (write(p[1], counts, 2) != 2)
			_exit(3);
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	close(p[1]);
	close(go[0]);
	db = sqlopen(path);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	close(go[1]);
	/* Give the child time to read and to start waiting for the lock. */
	usleep(700 * 1000);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "UPDATE atlassian_links SET "
	    "access_ct = ?, generation = generation + 1 WHERE user_id = ?", -1,
	    &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_bind_blob(s, 1, ct, (int)ctlen,
	    SQLITE_TRANSIENT), SQLITE_OK);
	ck_assert_int_eq(sqlite3_bind_int64(s, 2, uid[2]), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child status %d", status);
	ck_assert_int_eq(read(p[0], counts, 2), 2);
	close(p[0]);
	ck_assert_uint_eq(counts[0], 3);
	ck_assert_uint_eq(counts[1], 1);
	st = openstore(path, 0);
	/* The renewed token survived; the next pass has nothing left
	 * (the renewed access token was sealed under the new key) but the
	 * old refresh ciphertext of that row. */
	(void)access_is(st, v, uid[2], "access-renewed");
	{
		struct jta_error e;
		size_t		 done = 9, left = 9;

		ck_assert_int_eq(jta_store_link_reseal(st, v, 10, &done, &left,
		    &e), JTA_OK);
		ck_assert_uint_eq(done, 1);
		ck_assert_uint_eq(left, 0);
	}
	ck_assert_int_eq(stored_kid(path), 2);
	for (i = 0; i < 4; i++)
		(void)access_is(st, v, uid[i], i == 2 ? "access-renewed" :
		    "access-old");
	free(ct);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

/* ---- schema version 4: the OAuth authorization server ---- */

START_TEST(migration_3_to_4_keeps_users_and_links)
{
	struct jta_store *st;
	struct jta_vault *v;
	struct jta_user	 alice, again;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 path[512], tk[600], pw[16];
	json_t		*uris;
	int		 ver;

	st = newlinkstore(path, sizeof(path), tk, &v);
	adduser(st, "alice", &alice);
	(void)linkput(st, v, "557058:before4", "acc-4", "ref-4");
	jta_store_close(st);
	downgrade_to_3(path);
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"), 3);
	st = openstore(path, JTA_STORE_MIGRATE);
	ck_assert_int_eq(jta_store_version(st, &ver), JTA_OK);
	ck_assert_int_eq(ver, JTA_STORE_VERSION);
	assert_v4_tables(path);
	assert_v5_tables(path);
	assert_v6_tables(path);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_user_get(st, "alice", &again, &e), JTA_OK);
	ck_assert(again.id == alice.id);
	/* The new column starts empty: no password until one is set. */
	ck_assert_int_eq(jta_store_user_pw_get(st, "alice", &again, pw,
	    sizeof(pw), &e), JTA_ERR_NOTFOUND);
	memset(h, 7, sizeof(h));
	uris = json_pack("[s]", "https://chatgpt.com/aip/g-1/oauth/callback");
	ck_assert_int_eq(jta_store_client_add(st, "jtac_m", h, "GPT", uris,
	    &e), JTA_OK);
	json_decref(uris);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM atlassian_links"),
	    1);
	jta_store_close(st);
	jta_vault_close(v);
}
END_TEST

static const char cb[] = "https://chatgpt.com/aip/g-1/oauth/callback";

/* A store with alice and client "c1" (secret hash 0x11...). */
static struct jta_store *
authzstore(char *path, size_t pathsz, struct jta_user *alice)
{
	struct jta_store *st;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	json_t		*uris;

	st = newstore(path, pathsz);
	adduser(st, "alice", alice);
	memset(h, 0x11, sizeof(h));
	uris = json_pack("[s]", cb);
	ck_assert_int_eq(jta_store_client_add(st, "c1", h, "GPT", uris, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_client_add(st, "c1", h, "GPT", uris, &e),
	    JTA_ERR_CONFLICT);
	json_decref(uris);
	return st;
}

static void
putcode(struct jta_store *st, int64_t uid, unsigned char tag,
    const char *challenge, int64_t expires)
{
	struct jta_store_code c;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];

	memset(h, tag, sizeof(h));
	memset(&c, 0, sizeof(c));
	c.client_id = "c1";
	c.user_id = uid;
	c.redirect_uri = cb;
	c.challenge = challenge;
	c.scope = "tickets";
	c.expires = expires;
	ck_assert_int_eq(jta_store_code_put(st, h, &c, 1000, &e), JTA_OK);
}

static void
mkpair(struct jta_store_pair *p, unsigned char tag)
{
	memset(p, 0, sizeof(*p));
	memset(p->access, tag, sizeof(p->access));
	memset(p->refresh, tag + 1, sizeof(p->refresh));
	p->access_expires = 1000 + 3600;
	p->refresh_expires = 1000 + 86400;
}

/* What jta_authz_code_redeem does on success, with the store's
 * primitives: take the code (tag) and store a pair (ptag) in its family,
 * in one transaction.  The rules are check_authz.c's. */
static enum jta_err
grant(struct jta_store *st, unsigned char tag, int64_t now,
    unsigned char ptag, struct jta_error *e)
{
	struct jta_store_code_row c;
	struct jta_store_pair p;
	enum jta_err	 rc;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 family[JTA_STORE_FAMILYLEN + 1];
	size_t		 i;
	static const char hex[] = "0123456789abcdef";

	memset(h, tag, sizeof(h));
	mkpair(&p, ptag);
	memset(e, 0, sizeof(*e));
	for (i = 0; i < JTA_VAULT_HASHBYTES; i++) {
		family[2 * i] = hex[tag >> 4];
		family[2 * i + 1] = hex[tag & 0xf];
	}
	family[JTA_STORE_FAMILYLEN] = '\0';
	if ((rc = jta_db_begin(st, e)) != JTA_OK)
		return rc;
	if ((rc = jta_store_code_take(st, h, &c, e)) == JTA_OK &&
	    (rc = jta_store_pair_put(st, &p, family, c.client_id, c.user_id,
	    c.scope, now, e)) == JTA_OK)
		rc = jta_db_commit(st, e);
	if (rc != JTA_OK)
		jta_db_rollback(st);
	return rc;
}

/* 1 when the access token with tag lets its user in at now. */
static int
access_ok(struct jta_store *st, unsigned char tag, int64_t now)
{
	struct jta_user	 u;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 aud[JTA_STORE_AUDLEN + 1];

	memset(h, tag, sizeof(h));
	return jta_store_token_auth(st, h, now, &u, aud) == JTA_OK;
}

/* What jta_authz_refresh does with a live refresh token (rtag), with the
 * store's primitives: mark it replaced and store a pair (ptag) in its
 * family, in one transaction.  The rules are check_authz.c's. */
static enum jta_err
rotate(struct jta_store *st, unsigned char rtag, int64_t now,
    unsigned char ptag, struct jta_error *e)
{
	struct jta_store_token_row t;
	struct jta_store_pair p;
	enum jta_err	 rc;
	unsigned char	 h[JTA_VAULT_HASHBYTES];

	memset(h, rtag, sizeof(h));
	mkpair(&p, ptag);
	memset(e, 0, sizeof(*e));
	if ((rc = jta_db_begin(st, e)) != JTA_OK)
		return rc;
	if ((rc = jta_store_token_get(st, h, &t, e)) == JTA_OK &&
	    (rc = jta_store_token_replace(st, t.id, now, e)) == JTA_OK &&
	    (rc = jta_store_pair_put(st, &p, t.family, t.client_id,
	    t.user_id, t.scope, now, e)) == JTA_OK)
		rc = jta_db_commit(st, e);
	if (rc != JTA_OK)
		jta_db_rollback(st);
	return rc;
}

START_TEST(code_take_marks_used_inside_the_callers_transaction)
{
	struct jta_store *st;
	struct jta_store_code_row c;
	struct jta_store_pair p;
	struct jta_user	 alice;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 path[512];

	st = authzstore(path, sizeof(path), &alice);
	putcode(st, alice.id, 0x01, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSs"
	    "tw-cM", 1060);
	memset(h, 0x01, sizeof(h));
	/* Taken and rolled back: still unused. */
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &c, &e), JTA_OK);
	ck_assert_int_eq(c.used, 0);
	ck_assert_str_eq(c.client_id, "c1");
	ck_assert_str_eq(c.redirect_uri, cb);
	ck_assert_int_eq(c.has_challenge, 1);
	ck_assert_str_eq(c.scope, "tickets");
	ck_assert(c.user_id == alice.id && c.expires == 1060);
	jta_db_rollback(st);
	/* Taken and committed: the next take sees it used. */
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &c, &e), JTA_OK);
	ck_assert_int_eq(c.used, 0);
	mkpair(&p, 0xa0);
	ck_assert_int_eq(jta_store_pair_put(st, &p, "fam1", c.client_id,
	    c.user_id, c.scope, 1001, &e), JTA_OK);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	ck_assert(access_ok(st, 0xa0, 1002));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &c, &e), JTA_OK);
	ck_assert_int_eq(c.used, 1);
	/* Revoking the family kills what the code gave. */
	ck_assert_int_eq(jta_store_family_revoke(st, "fam1", &e), JTA_OK);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	ck_assert(!access_ok(st, 0xa0, 1003));
	/* An unknown code. */
	memset(h, 0x7f, sizeof(h));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_code_take(st, h, &c, &e),
	    JTA_ERR_NOTFOUND);
	jta_db_rollback(st);
	/* Rollback with no transaction open is a no-op. */
	jta_db_rollback(st);
	jta_store_close(st);
}
END_TEST

START_TEST(access_token_expires)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_error e;
	char		 path[512];

	st = authzstore(path, sizeof(path), &alice);
	putcode(st, alice.id, 0x01, NULL, 1060);
	ck_assert_int_eq(grant(st, 0x01, 1001, 0xa0, &e),
	    JTA_OK);
	ck_assert(access_ok(st, 0xa0, 1000 + 3599));
	ck_assert(!access_ok(st, 0xa0, 1000 + 3600));
	/* A refresh token is no access token. */
	ck_assert(!access_ok(st, 0xa1, 1001));
	jta_store_close(st);
}
END_TEST

START_TEST(token_primitives_read_replace_and_drop)
{
	struct jta_store *st;
	struct jta_store_token_row t, t2;
	struct jta_user	 alice;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 path[512];
	int64_t		 later = -1;

	st = authzstore(path, sizeof(path), &alice);
	putcode(st, alice.id, 0x01, NULL, 1060);
	ck_assert_int_eq(grant(st, 0x01, 1001, 0x10, &e), JTA_OK);
	memset(h, 0x11, sizeof(h));
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_token_get(st, h, &t, &e), JTA_OK);
	ck_assert_str_eq(t.kind, "refresh");
	ck_assert_str_eq(t.client_id, "c1");
	ck_assert_str_eq(t.scope, "tickets");
	ck_assert(t.user_id == alice.id && t.expires == 1000 + 86400);
	ck_assert_int_eq(t.replaced, 0);
	ck_assert_int_eq(t.revoked, 0);
	jta_db_rollback(st);
	/* 0x11 replaced by 0x21, then 0x21 by 0x31. */
	ck_assert_int_eq(rotate(st, 0x11, 1100, 0x20, &e), JTA_OK);
	ck_assert_int_eq(rotate(st, 0x21, 1110, 0x30, &e), JTA_OK);
	ck_assert_int_eq(jta_db_begin(st, &e), JTA_OK);
	ck_assert_int_eq(jta_store_token_get(st, h, &t, &e), JTA_OK);
	ck_assert(t.replaced && t.replaced_at == 1100);
	ck_assert_int_eq(jta_store_token_later(st, &t, &later, &e), JTA_OK);
	ck_assert(later == 1);
	memset(h, 0x21, sizeof(h));
	ck_assert_int_eq(jta_store_token_get(st, h, &t2, &e), JTA_OK);
	ck_assert_str_eq(t2.family, t.family);
	ck_assert_int_eq(jta_store_token_later(st, &t2, &later, &e), JTA_OK);
	ck_assert(later == 0);
	/* Dropping the live one revokes 0x31 only. */
	ck_assert_int_eq(jta_store_family_drop_live(st, t.family, &e),
	    JTA_OK);
	memset(h, 0x31, sizeof(h));
	ck_assert_int_eq(jta_store_token_get(st, h, &t2, &e), JTA_OK);
	ck_assert_int_eq(t2.revoked, 1);
	memset(h, 0x21, sizeof(h));
	ck_assert_int_eq(jta_store_token_get(st, h, &t2, &e), JTA_OK);
	ck_assert_int_eq(t2.revoked, 0);
	memset(h, 0x99, sizeof(h));
	ck_assert_int_eq(jta_store_token_get(st, h, &t2, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_db_commit(st, &e), JTA_OK);
	ck_assert(access_ok(st, 0x30, 1111));
	jta_store_close(st);
}
END_TEST

START_TEST(revoke_refresh_kills_family_access_only_itself)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 path[512];

	st = authzstore(path, sizeof(path), &alice);
	putcode(st, alice.id, 0x01, NULL, 1060);
	ck_assert_int_eq(grant(st, 0x01, 1001, 0x10, &e),
	    JTA_OK);
	putcode(st, alice.id, 0x02, NULL, 1060);
	ck_assert_int_eq(grant(st, 0x02, 1001, 0x20, &e),
	    JTA_OK);
	memset(h, 0x10, sizeof(h));
	ck_assert_int_eq(jta_store_token_revoke(st, h, "c2", &e),
	    JTA_ERR_AUTH);
	ck_assert(access_ok(st, 0x10, 1002));
	ck_assert_int_eq(jta_store_token_revoke(st, h, "c1", &e), JTA_OK);
	ck_assert(!access_ok(st, 0x10, 1002));
	ck_assert_int_eq(rotate(st, 0x11, 1003, 0x30, &e), JTA_OK);
	memset(h, 0x21, sizeof(h));
	ck_assert_int_eq(jta_store_token_revoke(st, h, "c1", &e), JTA_OK);
	ck_assert(!access_ok(st, 0x20, 1004));
	ck_assert(access_ok(st, 0x30, 1004));
	memset(h, 0x99, sizeof(h));
	ck_assert_int_eq(jta_store_token_revoke(st, h, "c1", &e), JTA_OK);
	jta_store_close(st);
}
END_TEST

START_TEST(client_remove_revokes_and_rotate_replaces_hash)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_error e;
	unsigned char	 h[JTA_VAULT_HASHBYTES], got[JTA_VAULT_HASHBYTES];
	char		 path[512];
	json_t		*uris, *list;

	st = authzstore(path, sizeof(path), &alice);
	putcode(st, alice.id, 0x01, NULL, 1060);
	ck_assert_int_eq(grant(st, 0x01, 1001, 0x10, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_client_get(st, "c1", got, &uris, &e),
	    JTA_OK);
	ck_assert_str_eq(json_string_value(json_array_get(uris, 0)), cb);
	json_decref(uris);
	memset(h, 0x22, sizeof(h));
	ck_assert_int_eq(jta_store_client_secret_set(st, "c1", h, &e),
	    JTA_OK);
	ck_assert_int_eq(jta_store_client_get(st, "c1", got, &uris, &e),
	    JTA_OK);
	json_decref(uris);
	ck_assert_mem_eq(got, h, sizeof(h));
	ck_assert_int_eq(jta_store_client_secret_set(st, "cX", h, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_client_list(st, &list), JTA_OK);
	ck_assert_uint_eq(json_array_size(list), 1);
	json_decref(list);
	ck_assert_int_eq(jta_store_client_remove(st, "c1", &e), JTA_OK);
	ck_assert(!access_ok(st, 0x10, 1002));
	ck_assert_int_eq(jta_store_client_get(st, "c1", got, &uris, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_ptr_null(uris);
	ck_assert_int_eq(jta_store_client_remove(st, "c1", &e),
	    JTA_ERR_NOTFOUND);
	jta_store_close(st);
}
END_TEST

/* Registration, the idle prune and the document cache:
 * store_cases_clients.h. */

/* Migration 14 adds last_used to existing clients (0: never used, then
 * created counts) and keeps them. */
START_TEST(migration_13_to_14_keeps_clients)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_error e;
	char		 path[512];
	json_t		*removed = NULL;

	st = authzstore(path, sizeof(path), &alice);
	jta_store_close(st);
	sqlexec(path, DOWN_TO_13);
	sqlexec(path, "UPDATE oauth_clients SET origin = 'registered', "
	    "created = 1000");
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"), 13);
	st = openstore(path, JTA_STORE_MIGRATE);
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"),
	    JTA_STORE_VERSION);
	ck_assert_int_eq(sqlint(path, "SELECT last_used FROM oauth_clients "
	    "WHERE client_id = 'c1'"), 0);
	ck_assert_int_eq(jta_store_client_prune(st, 2000, 5000, &removed, &e),
	    JTA_OK);
	ck_assert_uint_eq(json_array_size(removed), 0);
	json_decref(removed);
	ck_assert_int_eq(jta_store_client_prune(st, 7000, 5000, &removed, &e),
	    JTA_OK);
	ck_assert_uint_eq(json_array_size(removed), 1);
	json_decref(removed);
	jta_store_close(st);
}
END_TEST

/* ---- similar tickets and user look-up ---- */

static json_t *
similar(struct jta_store *st, const char *text, const char *project,
    size_t limit)
{
	struct jta_suggest_terms t;
	struct jta_error e;
	struct jta_store_ticket_list l;
	const struct jta_store_ticket *r;
	json_t		*out = json_array(), *lab;
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];
	size_t		 i, k;

	jta_suggest_terms(text, &t);
	memset(&e, 0, sizeof(e));
	ck_assert_msg(jta_store_ticket_similar(st, &t, project, limit, &l,
	    &e) == JTA_OK, "similar '%s': %s", text, e.detail);
	/* The rows as the JSON the cases were written against. */
	for (i = 0; i < l.n; i++) {
		r = &l.v[i];
		lab = json_array();
		for (k = 0; k < r->nlabels; k++)
			json_array_append_new(lab, json_string(r->labels[k]));
		snprintf(key, sizeof(key), "%s-%" PRId64, r->project, r->num);
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s, s:s, s:o, s:[], s:o, s:f}", "key", key, "summary",
		    r->summary, "status", r->status, "project", r->project,
		    "type", r->type, "priority", r->priority, "labels", lab,
		    "components", "updated", tjs(r->updated), "score",
		    r->score));
	}
	ck_assert_uint_eq(json_array_size(out), l.n);
	jta_store_ticket_list_clear(&l);
	return out;
}

START_TEST(similar_any_term_best_first)
{
	struct jta_store *st;
	char		 path[512], buf[256];
	json_t		*res, *wrap, *row;

	st = seed(path, sizeof(path));
	/* DEMO-1 has printer, jammed and tray; DEMO-3 printer only; no
	 * ticket has "submarine": any term is enough. */
	res = similar(st, "Printer jammed, paper in tray? submarine", NULL, 5);
	wrap = json_pack("{s:O}", "issues", res);
	ck_assert_str_eq(keys(wrap, buf, sizeof(buf)), "DEMO-1,DEMO-3");
	row = json_array_get(res, 0);
	ck_assert_str_eq(sget(row, "project"), "DEMO");
	ck_assert_str_eq(sget(row, "type"), "Bug");
	ck_assert_str_eq(sget(row, "priority"), "High");
	ck_assert_uint_eq(json_array_size(json_object_get(row, "labels")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(row, "components")),
	    0);
	ck_assert(json_real_value(json_object_get(row, "score")) >
	    json_real_value(json_object_get(json_array_get(res, 1), "score")));
	json_decref(wrap);
	json_decref(res);
	/* limit, and project narrowing. */
	res = similar(st, "printer disk", NULL, 1);
	ck_assert_uint_eq(json_array_size(res), 1);
	json_decref(res);
	res = similar(st, "printer disk", "OPS", 5);
	ck_assert_uint_eq(json_array_size(res), 1);
	ck_assert_str_eq(sget(json_array_get(res, 0), "key"), "OPS-1");
	json_decref(res);
	/* Comments count too. */
	res = similar(st, "zeppelin", NULL, 5);
	ck_assert_str_eq(sget(json_array_get(res, 0), "key"), "DEMO-2");
	json_decref(res);
	jta_store_close(st);
}
END_TEST

START_TEST(similar_across_languages)
{
	/* German, French, Spanish and Japanese reports; queries written
	 * with or without accents, in another case, or (Japanese) as a
	 * sentence without spaces that shares a few words. */
	static const struct {
		const char	*text, *want;
	} cases[] = {
		{ "drucker STORUNG im buro", "DEMO-4" },
		{ "Störung Drucker", "DEMO-4" },
		{ "impossible de se connecter au reseau", "DEMO-5" },
		{ "réseau wifi", "DEMO-5" },
		{ "la contrasena caduco", "DEMO-6" },
		{ "CONTRASEÑA", "DEMO-6" },
		/* "I want to apply for expense reimbursement" */
		{ "\xe7\xb5\x8c\xe8\xb2\xbb\xe7\xb2\xbe\xe7\xae\x97"
		  "\xe3\x82\x92\xe7\x94\xb3\xe8\xab\x8b\xe3\x81\x97"
		  "\xe3\x81\x9f\xe3\x81\x84", "DEMO-7" },
		/* "the printer's paper jams" (Japanese) */
		{ "\xe3\x83\x97\xe3\x83\xaa\xe3\x83\xb3\xe3\x82\xbf"
		  "\xe3\x83\xbc\xe3\x81\xae\xe7\xb4\x99\xe8\xa9\xb0"
		  "\xe3\x81\xbe\xe3\x82\x8a", "DEMO-8" },
	};
	struct jta_store *st;
	struct jta_user	 u;
	struct jta_error e;
	char		 path[512];
	json_t		*res;
	size_t		 i;

	st = seed(path, sizeof(path));
	memset(&u, 0, sizeof(u));
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_user_get(st, "alice", &u, &e), JTA_OK);
	json_decref(tcreate(st, &u, "{\"project\":\"DEMO\",\"summary\":"
	    "\"Drucker-St\xc3\xb6rung im B\xc3\xbcro\",\"description\":"
	    "\"Der Drucker druckt nicht mehr.\"}"));
	json_decref(tcreate(st, &u, "{\"project\":\"DEMO\",\"summary\":"
	    "\"Impossible de se connecter au r\xc3\xa9seau Wi-Fi\"}"));
	json_decref(tcreate(st, &u, "{\"project\":\"DEMO\",\"summary\":"
	    "\"La contrase\xc3\xb1" "a caduc\xc3\xb3\",\"description\":"
	    "\"No puedo iniciar sesi\xc3\xb3n.\"}"));
	/* "Expense reimbursement application error" */
	json_decref(tcreate(st, &u, "{\"project\":\"DEMO\",\"summary\":"
	    "\"\xe7\xb5\x8c\xe8\xb2\xbb\xe7\xb2\xbe\xe7\xae\x97\xe3\x81\xae"
	    "\xe7\x94\xb3\xe8\xab\x8b\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc\"}"));
	/* "Paper jams in the printer on floor 3" */
	json_decref(tcreate(st, &u, "{\"project\":\"DEMO\",\"summary\":"
	    "\"3\xe9\x9a\x8e\xe3\x81\xae\xe3\x83\x97\xe3\x83\xaa\xe3\x83\xb3"
	    "\xe3\x82\xbf\xe3\x83\xbc\xe3\x81\xa7\xe7\xb4\x99\xe8\xa9\xb0"
	    "\xe3\x81\xbe\xe3\x82\x8a\"}"));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		res = similar(st, cases[i].text, NULL, 5);
		ck_assert_msg(json_array_size(res) > 0 && strcmp(sget(
		    json_array_get(res, 0), "key"), cases[i].want) == 0,
		    "'%s' did not find %s first", cases[i].text,
		    cases[i].want);
		json_decref(res);
	}
	/* A Japanese text sharing no three characters finds nothing
	 * Japanese ("weather", "tomorrow"). */
	res = similar(st, "\xe6\x98\x8e\xe6\x97\xa5\xe3\x81\xae\xe5\xa4\xa9"
	    "\xe6\xb0\x97", NULL, 5);
	ck_assert_uint_eq(json_array_size(res), 0);
	json_decref(res);
	/* The trigram index holds the tickets made after the migration
	 * ("paper jam": one ticket). */
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM ticket_tri WHERE "
	    "ticket_tri MATCH '\"\xe7\xb4\x99\xe8\xa9\xb0\xe3\x81\xbe\"'"), 1);
	{
		char	 what[256];

		ck_assert_int_eq(jta_store_check(st, what, sizeof(what)),
		    JTA_OK);
		ck_assert_str_eq(what, "ok");
	}
	jta_store_close(st);
}
END_TEST

START_TEST(similar_text_is_never_fts_syntax)
{
	static const char *const texts[] = {
		"\"printer\" OR b*", "NEAR(printer", "printer AND", "NOT disk",
		"summary:printer", "{summary}: wiki", "-printer", "+printer",
		"printer\"", "\xc3\xa9t\xc3\xa9 wiki", "AND OR NOT NEAR wiki",
	};
	struct jta_store *st;
	struct jta_suggest_terms t;
	struct jta_error e;
	struct jta_store_ticket_list l;
	char		 path[512];
	json_t		*res;
	size_t		 i;

	st = seed(path, sizeof(path));
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		res = similar(st, texts[i], NULL, 20);
		ck_assert_msg(json_array_size(res) > 0, "'%s' found nothing",
		    texts[i]);
		json_decref(res);
	}
	/* No term left: a storage fact (the backend says 422 "text"). */
	jta_suggest_terms("the of \"\" ()", &t);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_ticket_similar(st, &t, NULL, 5, &l, &e),
	    JTA_ERR_INPUT);
	ck_assert_int_eq(e.status, 0);
	ck_assert_uint_eq(l.n, 0);
	jta_store_close(st);
}
END_TEST

START_TEST(user_find_by_name_display_name_or_email)
{
	struct jta_store *st;
	struct jta_error e;
	char		 path[512];
	struct jta_user	*v = NULL;
	size_t		 n = 0;

	st = newstore(path, sizeof(path));
	ck_assert_int_eq(jta_store_user_add(st, "alice", "Alice Example",
	    "alice@example.com", NULL, &e), JTA_OK);
	ck_assert_int_eq(jta_store_user_add(st, "bob", "Bob Builder", "",
	    NULL, &e), JTA_OK);
	ck_assert_int_eq(jta_store_user_find(st, "BUILD", 10, &v, &n, &e),
	    JTA_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].name, "bob");
	ck_assert_str_eq(v[0].display_name, "Bob Builder");
	ck_assert_str_eq(v[0].email, "");
	free(v);
	ck_assert_int_eq(jta_store_user_find(st, "@EXAMPLE", 10, &v, &n, &e),
	    JTA_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].email, "alice@example.com");
	free(v);
	/* Both have a "b" or an "e"; limit 1 keeps the first by name. */
	ck_assert_int_eq(jta_store_user_find(st, "e", 1, &v, &n, &e), JTA_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].name, "alice");
	free(v);
	/* LIKE wildcards are plain characters. */
	ck_assert_int_eq(jta_store_user_find(st, "%", 10, &v, &n, &e), JTA_OK);
	ck_assert_uint_eq(n, 0);
	free(v);
	jta_store_close(st);
}
END_TEST

/* ---- schema version 6: drafts and idempotency keys ---- */

#define D0	1800000000	/* a fixed "now" for lease arithmetic */

static void
putdraft(struct jta_store *st, const struct jta_user *u, const char *id,
    const char *summary, int64_t now)
{
	struct jta_error e;
	json_t		*in = json_pack("{s:s, s:s}", "project", "DEMO",
			    "summary", summary);
	json_t		*pre = json_pack("{s:s, s:s, s:{s:i}}", "project",
			    "DEMO", "summary", summary, "_ids", "pid", 1);

	ck_assert_int_eq(jta_store_draft_put(st, u->id, id, in, pre, now, &e),
	    JTA_OK);
	json_decref(in);
	json_decref(pre);
}

static enum jta_err
claim(struct jta_store *st, const struct jta_user *u, const char *id,
    int64_t rev, const char *owner, int64_t now, int64_t lease,
    struct jta_claim *c, struct jta_error *e)
{
	return jta_store_draft_claim(st, u->id, id, rev, owner,
	    "o_tokentokentokentoken", now, lease, c, e);
}

START_TEST(migration_5_to_6_keeps_tickets)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_draft d;
	struct jta_error e;
	char		 path[512], k1[32];
	int		 ver;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &alice);
	addproject(st, "DEMO", NULL);
	tcreate_key(st, &alice, "{\"project\":\"DEMO\",\"summary\":"
	    "\"before 5\"}", k1, sizeof(k1));
	jta_store_close(st);
	sqlexec(path, DOWN_TO_6 DOWN_TO_5);
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"), 5);
	st = openstore(path, JTA_STORE_MIGRATE);
	ck_assert_int_eq(jta_store_version(st, &ver), JTA_OK);
	ck_assert_int_eq(ver, JTA_STORE_VERSION);
	assert_v6_tables(path);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM tickets WHERE "
	    "once_token IS NULL"), 1);
	putdraft(st, &alice, "d_after5", "after", D0);
	ck_assert_int_eq(jta_store_draft_get(st, alice.id, "d_after5", D0,
	    &d, &e), JTA_OK);
	ck_assert_str_eq(d.status, "ready");
	jta_store_draft_clear(&d);
	jta_store_close(st);
}
END_TEST

/* ---- schema 17: draft attachments (issue 18) ---- */

static struct jta_draft_file
dfile(const char *name, int64_t size, const char *path)
{
	struct jta_draft_file f;

	memset(&f, 0, sizeof(f));
	snprintf(f.name, sizeof(f.name), "%s", name);
	snprintf(f.type, sizeof(f.type), "image/png");
	f.size = size;
	snprintf(f.path, sizeof(f.path), "%s", path);
	memset(f.sha256, 'a', 64);
	return f;
}

/* The embedded store's ticket files (schema 19): the row and the
 * draft file's mark in one transaction, exactly once. */
START_TEST(ticket_files_marked_once_listed_and_deleted)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_draft_file f, got[2];
	struct jta_ticket_file tf[JTA_STORE_TICKET_FILES];
	struct jta_error e;
	char		 path[512], key[32];
	int64_t		 id, total;
	size_t		 n;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &alice);
	addproject(st, "DEMO", NULL);
	tcreate_key(st, &alice, "{\"project\":\"DEMO\",\"summary\":"
	    "\"With a file\"}", key, sizeof(key));
	ck_assert_str_eq(key, "DEMO-1");
	putdraft(st, &alice, "d_tf", "with files", D0);
	f = dfile("shot.png", 600, "/s/attachments/1");
	ck_assert_int_eq(jta_store_draft_file_add(st, "d_tf", &f, 1000, D0,
	    &id, &e), JTA_OK);
	f.id = id;
	/* no such ticket: nothing marked, nothing written */
	ck_assert_int_eq(jta_store_ticket_file_add(st, "d_tf", &f,
	    "/s/attachments/t1", "DEMO", 9, "alice", D0, &e),
	    JTA_ERR_NOTFOUND);
	ck_assert_int_eq(jta_store_draft_file_list(st, "d_tf", got, 2, &n,
	    &e), JTA_OK);
	ck_assert_int_eq(got[0].uploaded, 0);
	ck_assert_int_eq(jta_store_ticket_file_add(st, "d_tf", &f,
	    "/s/attachments/t1", "DEMO", 1, "alice", D0 + 5, &e), JTA_OK);
	ck_assert_int_eq(jta_store_draft_file_list(st, "d_tf", got, 2, &n,
	    &e), JTA_OK);
	ck_assert_int_eq(got[0].uploaded, 1);
	/* a second time: marked already, 409, no second row */
	ck_assert_int_eq(jta_store_ticket_file_add(st, "d_tf", &f,
	    "/s/attachments/t2", "DEMO", 1, "alice", D0, &e),
	    JTA_ERR_CONFLICT);
	ck_assert_int_eq(jta_store_ticket_file_list(st, "DEMO", 1, tf,
	    JTA_STORE_TICKET_FILES, &n, &total, &e), JTA_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(total, 1);
	ck_assert_str_eq(tf[0].name, "shot.png");
	ck_assert_str_eq(tf[0].type, "image/png");
	ck_assert_int_eq(tf[0].size, 600);
	ck_assert_str_eq(tf[0].path, "/s/attachments/t1");
	ck_assert_str_eq(tf[0].author, "alice");
	ck_assert_int_eq(tf[0].created, D0 + 5);
	ck_assert_uint_eq(strlen(tf[0].sha256), 64);
	/* another ticket has none */
	ck_assert_int_eq(jta_store_ticket_file_list(st, "DEMO", 2, tf,
	    JTA_STORE_TICKET_FILES, &n, &total, &e), JTA_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(total, 0);
	/* deleting the ticket takes its rows along */
	ck_assert_int_eq(jta_store_tk_delete(st, 1, &e), JTA_OK);
	ck_assert_int_eq(jta_store_ticket_file_list(st, "DEMO", 1, tf,
	    JTA_STORE_TICKET_FILES, &n, &total, &e), JTA_OK);
	ck_assert_uint_eq(n, 0);
	jta_store_close(st);
}
END_TEST

/*
 * A discard racing a submit's claim: two processes, one claiming and one
 * discarding the same draft, both let go while a third connection holds
 * the write lock, so both wait for it at the same moment; whichever gets
 * it next decides.  Each draft ends one way only: claimed (the discard
 * is 409 and the row stays submitting under the claimer's lease) or
 * discarded (the claim finds nothing, so no create would be sent).
 * Never both, never neither; no SQLITE_BUSY escapes.
 */
#define NRACE	8
START_TEST(draft_discard_racing_a_claim_is_one_or_the_other)
{
	struct jta_store *st;
	struct jta_user	 alice;
	sqlite3		*db;
	char		 path[512], id[16], res[2][NRACE];
	int		 go[2][2], out[2][2], i, k, status, claimed = 0;
	pid_t		 pids[2];

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &alice);
	for (i = 0; i < NRACE; i++) {
		snprintf(id, sizeof(id), "d_r%02d", i);
		putdraft(st, &alice, id, "race", D0);
	}
	jta_store_close(st);
	/* No SQLite connection crosses a fork. */
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(pipe(go[k]), 0);
		ck_assert_int_eq(pipe(out[k]), 0);
		if ((pids[k] = fork()) == 0) {
			struct jta_store *cst = NULL;
			struct jta_claim c;
			struct jta_error e;
			char		 m[512], r, b;
			enum jta_err	 rc;

			close(go[k][1]);
			close(out[k][0]);
			if (jta_store_open(path, 10000, 0, &cst, m,
			    sizeof(m)) != JTA_OK)
				_exit(2);
			for (i = 0; i < NRACE; i++) {
				if (read(go[k][0], &b, 1) != 1)
					_exit(3);
				snprintf(id, sizeof(id), "d_r%02d", i);
				memset(&e, 0, sizeof(e));
				if (k == 0) {
					rc = claim(cst, &alice, id, 1, "A",
					    D0 + 1, 600, &c, &e);
					r = rc == JTA_OK && c.res ==
					    JTA_CLAIM_NEW ? 'N' : rc ==
					    JTA_ERR_NOTFOUND ? 'X' : '?';
					jta_store_claim_clear(&c);
				} else {
					rc = jta_store_draft_discard(cst,
					    alice.id, id, D0 + 1, &e);
					r = rc == JTA_OK ? 'D' : rc ==
					    JTA_ERR_CONFLICT ? 'C' : '?';
				}
				if (write(out[k][1], &r, 1) != 1)
					_exit(4);
			}
			jta_store_close(cst);
			_exit(0);
		}
		ck_assert_int_gt(pids[k], 0);
		close(go[k][0]);
		close(out[k][1]);
	}
	db = sqlopen(path);
	for (i = 0; i < NRACE; i++) {
		ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
		    NULL), SQLITE_OK);
		for (k = 0; k < 2; k++)
			ck_assert_int_eq(write(go[k][1], "g", 1), 1);
		/* Both are now waiting for the lock we hold. */
		usleep(150 * 1000);
		ck_assert_int_eq(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
		    SQLITE_OK);
		for (k = 0; k < 2; k++)
			ck_assert_int_eq(read(out[k][0], &res[k][i], 1), 1);
	}
	sqlite3_close(db);
	for (k = 0; k < 2; k++) {
		close(go[k][1]);
		close(out[k][0]);
		ck_assert_int_eq(waitpid(pids[k], &status, 0), pids[k]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child %d status %d", k, status);
	}
	for (i = 0; i < NRACE; i++) {
		ck_assert_msg((res[0][i] == 'N' && res[1][i] == 'C') ||
		    (res[0][i] == 'X' && res[1][i] == 'D'),
		    "draft %d: claim %c, discard %c", i, res[0][i], res[1][i]);
		claimed += res[0][i] == 'N';
	}
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM drafts"), claimed);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM drafts WHERE "
	    "status = 'submitting' AND lease_owner = 'A'"), claimed);
}
END_TEST

START_TEST(ticket_create_once_never_twice)
{
	struct jta_store *st;
	struct jta_user	 alice;
	struct jta_error e;
	char		 path[512];
	struct jta_store_issue is;
	json_t		*f, *t1, *t2, *t3;
	int		 created;

	st = newstore(path, sizeof(path));
	adduser(st, "alice", &alice);
	addproject(st, "DEMO", NULL);
	f = json_pack("{s:s, s:s}", "project", "DEMO", "summary", "once");
	ck_assert_int_eq(jta_store_ticket_create_once(st, &alice, f,
	    "o_oooooooooooooooooooooo", &created, &is, &e), JTA_OK);
	t1 = issueobj(&is);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(jta_store_ticket_create_once(st, &alice, f,
	    "o_oooooooooooooooooooooo", &created, &is, &e), JTA_OK);
	t2 = issueobj(&is);
	ck_assert_int_eq(created, 0);
	ck_assert_str_eq(sget(t1, "key"), sget(t2, "key"));
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM tickets"), 1);
	ck_assert_int_eq(jta_store_ticket_by_once(st,
	    "o_oooooooooooooooooooooo", &is, &e), JTA_OK);
	t3 = issueobj(&is);
	ck_assert_str_eq(sget(t3, "key"), sget(t1, "key"));
	json_decref(t3);
	ck_assert_int_eq(jta_store_ticket_by_once(st,
	    "o_nosuchtokenanywhere123", &is, &e), JTA_ERR_NOTFOUND);
	json_decref(t1);
	json_decref(t2);
	/* A create that fails stores no token. */
	json_object_set_new(f, "project", json_string("NOPE"));
	ck_assert_int_eq(jta_store_ticket_create_once(st, &alice, f,
	    "o_ffffffffffffffffffffff", &created, &is, &e), JTA_ERR_INPUT);
	ck_assert_ptr_null(is.t.summary);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM tickets WHERE "
	    "once_token = 'o_ffffffffffffffffffffff'"), 0);
	json_decref(f);
	jta_store_close(st);
}
END_TEST

/* ---- operators' switches (schema 7) ---- */

#include "store_cases_ops.h"

/* ---- the audit log (schema 8) ---- */

#include "store_cases_audit.h"

START_TEST(audit_purge_is_bounded_and_on_the_way)
{
	struct jta_store *st;
	struct jta_error e;
	char		 path[512];
	int64_t		 now = jta_time_now(), gone = 0, n = 0, i;

	st = newstore(path, sizeof(path));
	memset(&e, 0, sizeof(e));
	/* jta_audit_write purges on the way: these rows are put in with
	 * the store alone. */
	for (i = 0; i < 1201; i++) {
		struct jta_audit_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.when = i < 1200 ? now - 400 * 86400 + i : now - 364 * 86400;
		ev.who = i < 1200 ? "old" : "kept";
		ev.action = "edit";
		ck_assert_int_eq(jta_store_audit_add(st, &ev, &e), JTA_OK);
	}
	ck_assert_int_eq(jta_store_audit_purge(st, now - 365 * 86400, 500,
	    &gone, &e), JTA_OK);
	ck_assert_int_eq(gone, 500);
	ck_assert_int_eq(jta_store_audit_count(st, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 701);
	/* The oldest went first. */
	ck_assert_int_eq(sqlint(path, "SELECT min(at) FROM audit_log"),
	    now - 400 * 86400 + 500);
	/* Of any JTA_AUDIT_PURGE_EVERY writes in a row, one purges a
	 * batch of the rows older than the retention (and only those). */
	jta_audit_set_retention(365);
	ck_assert_int_eq(jta_audit_retention_s(), 365 * 86400);
	for (i = 0; i < JTA_AUDIT_PURGE_EVERY; i++)
		audit(st, now, "new", "edit", "OPS-1", 200);
	ck_assert_int_eq(jta_store_audit_count(st, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 701 - JTA_AUDIT_PURGE_BATCH +
	    JTA_AUDIT_PURGE_EVERY);
	ck_assert_int_eq(sqlint(path, "SELECT count(*) FROM audit_log "
	    "WHERE who = 'kept'"), 1);
	jta_store_close(st);
}
END_TEST

START_TEST(store_check_ok_then_corrupt)
{
	struct jta_store *st;
	char		 path[512], what[256];

	st = newstore(path, sizeof(path));
	ck_assert_int_eq(jta_store_check(st, what, sizeof(what)), JTA_OK);
	ck_assert_str_eq(what, "ok");
	/* An FTS index out of step with the text it holds. */
	{
		struct jta_user	 a;
		char		 k[32];

		adduser(st, "alice", &a);
		addproject(st, "DEMO", NULL);
		tcreate_key(st, &a, "{\"project\":\"DEMO\",\"summary\":"
		    "\"xylophone repair\"}", k, sizeof(k));
	}
	sqlexec(path, "UPDATE ticket_fts_content SET c0 = 'other words'");
	ck_assert_int_eq(jta_store_check(st, what, sizeof(what)), JTA_ERR_DB);
	ck_assert_msg(strstr(what, "FTS") != NULL, "%s", what);
	jta_store_close(st);
}
END_TEST

START_TEST(conf_audit_retention_days)
{
	struct jta_conf	 c;
	char		 msg[256];
	static const char *const bad[] = { "audit_retention_days = 0\n",
	    "audit_retention_days = 3651\n", "audit_retention_days = -1\n",
	    "audit_retention_days = 30d\n" };
	size_t		 i;

	jta_conf_defaults(&c);
	ck_assert_int_eq(c.audit_retention_days, 365);
	ck_assert_int_eq(jta_conf_parse(&c, "t", "audit_retention_days = 30\n",
	    26, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(c.audit_retention_days, 30);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jta_conf_defaults(&c);
		ck_assert_int_eq(jta_conf_parse(&c, "t", bad[i],
		    strlen(bad[i]), msg, sizeof(msg)), JTA_ERR_CONFIG);
		ck_assert_msg(strstr(msg, "audit_retention_days") != NULL,
		    "%s", msg);
	}
}
END_TEST


/* ---- the Jira metadata cache (jta_store_meta.h) ---- */

/* A count from the store at path (store_cases_codes.h). */
static long
rowcount(const char *path, const char *q)
{
	return sqlint(path, q);
}

#include "store_cases_meta.h"
#include "store_cases_codes.h"
#include "store_cases_states.h"
#include "store_cases_clients.h"
#include "store_cases_drafts.h"
#include "store_cases_chat.h"
#include "store_cases_people.h"

/*
 * A request's reads in one read transaction (jta_store_reads_begin,
 * SQLite only): its reads share one snapshot; a write in the middle runs
 * outside it (an autocommit write and a transaction, after another
 * connection committed: never SQLITE_BUSY_SNAPSHOT) and the reads after it
 * see what was committed; the next request sees a key revoked between
 * the two.  Fails if the reads do not share a snapshot, if a write runs
 * in the old one, or if a transaction outlives its request.
 */
START_TEST(request_reads_share_a_snapshot_writes_do_not)
{
	struct jta_store *a, *b;
	struct jta_user	 alice, u;
	struct jta_error e;
	unsigned char	 h1[JTA_VAULT_HASHBYTES], h2[JTA_VAULT_HASHBYTES];
	char		 path[512];
	int64_t		 revoked = 0;

	a = newstore(path, sizeof(path));
	b = openstore(path, 0);
	pp_adduser(a, "alice", &alice);
	fakehash(h1, 1);
	fakehash(h2, 2);
	ck_assert_int_eq(jta_store_key_add(a, alice.id, "k1k1k1k1k1k1", h1,
	    "", &e), JTA_OK);

	jta_store_reads_begin(a);
	ck_assert_int_eq(jta_store_key_auth(a, "k1k1k1k1k1k1", h1, &u),
	    JTA_OK);
	/* Another process revokes k1 and adds k2 meanwhile. */
	ck_assert_int_eq(jta_store_key_revoke(b, "k1k1k1k1k1k1", &e), JTA_OK);
	ck_assert_int_eq(jta_store_key_add(b, alice.id, "k2k2k2k2k2k2", h2,
	    "", &e), JTA_OK);
	/* This request still reads its snapshot. */
	ck_assert_int_eq(jta_store_key_auth(a, "k1k1k1k1k1k1", h1, &u),
	    JTA_OK);
	ck_assert_int_eq(jta_store_key_auth(a, "k2k2k2k2k2k2", h2, &u),
	    JTA_ERR_AUTH);
	/* An autocommit write ends it first. */
	ck_assert_msg(jta_store_key_add(a, alice.id, "k3k3k3k3k3k3", h1, "",
	    &e) == JTA_OK, "write after another's commit: %s", e.detail);
	ck_assert_int_eq(jta_store_key_auth(a, "k1k1k1k1k1k1", h1, &u),
	    JTA_ERR_AUTH);
	ck_assert_int_eq(jta_store_key_auth(a, "k2k2k2k2k2k2", h2, &u),
	    JTA_OK);
	/* So does a transaction (jta_db_begin), with reads open again. */
	ck_assert_int_eq(jta_store_key_revoke(b, "k3k3k3k3k3k3", &e), JTA_OK);
	ck_assert_msg(jta_store_user_pw_set(a, "alice", "$argon2id$x",
	    &revoked, &e) == JTA_OK, "transaction after another's commit: "
	    "%s", e.detail);
	ck_assert_int_eq(jta_store_key_auth(a, "k3k3k3k3k3k3", h1, &u),
	    JTA_ERR_AUTH);
	jta_store_reads_end(a);

	/* The next request reads what was committed before it began. */
	jta_store_reads_begin(a);
	ck_assert_int_eq(jta_store_key_auth(a, "k2k2k2k2k2k2", h2, &u),
	    JTA_OK);
	jta_store_reads_end(a);
	ck_assert_int_eq(jta_store_key_revoke(b, "k2k2k2k2k2k2", &e), JTA_OK);
	jta_store_reads_begin(a);
	ck_assert_int_eq(jta_store_key_auth(a, "k2k2k2k2k2k2", h2, &u),
	    JTA_ERR_AUTH);
	jta_store_reads_end(a);
	/* Outside a request each read is its own again. */
	ck_assert_int_eq(jta_store_key_add(b, alice.id, "k4k4k4k4k4k4", h2,
	    "", &e), JTA_OK);
	ck_assert_int_eq(jta_store_key_auth(a, "k4k4k4k4k4k4", h2, &u),
	    JTA_OK);
	ck_assert_int_eq(jta_store_key_revoke(b, "k4k4k4k4k4k4", &e), JTA_OK);
	ck_assert_int_eq(jta_store_key_auth(a, "k4k4k4k4k4k4", h2, &u),
	    JTA_ERR_AUTH);
	jta_store_close(b);
	jta_store_close(a);
}
END_TEST
#include "store_cases_usage.h"

/* The chat's conversations (schema 16): kept per person, never another's,
 * gone once expired, bounded. */
START_TEST(migration_14_to_15_adds_the_metadata_cache)
{
	struct jta_store *st;
	struct jta_error e;
	char		 path[512];
	int64_t		 n = -1;

	st = newstore(path, sizeof(path));
	jta_store_close(st);
	sqlexec(path, DOWN_TO_14);
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"), 14);
	st = openstore(path, JTA_STORE_MIGRATE);
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"),
	    JTA_STORE_VERSION);
	ck_assert_int_eq(jta_store_meta_count(st, &n, &e), JTA_OK);
	ck_assert_int_eq(n, 0);
	jta_store_close(st);
}
END_TEST

/* Schema 17 (the model's tokens as quota metrics): a version-16 file's
 * quotas table (whose CHECK knows four metrics) is made anew with its
 * rows and ids; a usage file from before gets the token columns when
 * attached, its counts kept. */
START_TEST(migration_19_to_20_files_in_quotas_and_usage)
{
	struct jta_store *st;
	struct jta_store_quota q;
	struct jta_error e;
	json_t		*rows = NULL;
	char		 path[512], upath[600];
	const int64_t	 now = 1764374400;	/* 2025-11-29T00:00:00Z */

	st = newstore(path, sizeof(path));
	jta_store_close(st);
	/* A version-19 file: the quotas' CHECK of schema 17, and a usage
	 * file without the files' columns. */
	sqlexec(path, DOWN_TO_19 "DROP TABLE quotas;"
	    "CREATE TABLE quotas ("
	    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " scope TEXT NOT NULL CHECK (scope IN ('person', 'site')),"
	    " subject TEXT NOT NULL,"
	    " metric TEXT NOT NULL CHECK (metric IN ('calls', 'creates',"
	    " 'updates', 'conversations', 'prompt_tokens',"
	    " 'completion_tokens')),"
	    " per TEXT NOT NULL CHECK (per IN ('day', 'month')),"
	    " lim INTEGER NOT NULL CHECK (lim >= 0),"
	    " created INTEGER NOT NULL,"
	    " created_by TEXT NOT NULL DEFAULT '',"
	    " UNIQUE (scope, subject, metric, per));"
	    "INSERT INTO quotas VALUES (9, 'person', 'alice', 'prompt_tokens',"
	    " 'day', 50, 1, 'op');");
	snprintf(upath, sizeof(upath), "%s.usage", path);
	ck_assert_int_eq(close(open(upath, O_RDWR | O_CREAT, 0600)), 0);
	sqlexec(upath, "CREATE TABLE usage_daily ("
	    " user_id INTEGER NOT NULL, day TEXT NOT NULL,"
	    " site TEXT NOT NULL, calls INTEGER NOT NULL DEFAULT 0,"
	    " creates INTEGER NOT NULL DEFAULT 0,"
	    " updates INTEGER NOT NULL DEFAULT 0,"
	    " conversations INTEGER NOT NULL DEFAULT 0,"
	    " prompt_tokens INTEGER NOT NULL DEFAULT 0,"
	    " completion_tokens INTEGER NOT NULL DEFAULT 0,"
	    " PRIMARY KEY (user_id, day, site)) WITHOUT ROWID;"
	    "INSERT INTO usage_daily VALUES (1, '2025-11-29', 'local', 4, 0,"
	    " 0, 1, 7, 0);");
	st = openstore(path, JTA_STORE_MIGRATE);
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"),
	    JTA_STORE_VERSION);
	ck_assert_int_eq(sqlint(path, "SELECT id FROM quotas WHERE "
	    "subject = 'alice'"), 9);
	memset(&q, 0, sizeof(q));
	snprintf(q.scope, sizeof(q.scope), "site");
	snprintf(q.subject, sizeof(q.subject), "*");
	snprintf(q.metric, sizeof(q.metric), "file_bytes");
	snprintf(q.per, sizeof(q.per), "month");
	q.limit = 1000000;
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_quota_set(st, &q, now, "op", &e), JTA_OK);
	ck_assert_int_gt(sqlint(path, "SELECT id FROM quotas WHERE "
	    "metric = 'file_bytes'"), 9);
	ck_assert_int_eq(jta_store_usage_files(st, 1, "local", now, 1, 512,
	    &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_report(st, "person", "2025-11-29",
	    "2025-11-29", &rows, &e), JTA_OK);
	ck_assert_int_eq(json_array_size(rows), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    rows, 0), "calls")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    rows, 0), "prompt_tokens")), 7);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    rows, 0), "files")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    rows, 0), "file_bytes")), 512);
	json_decref(rows);
	jta_store_close(st);
}
END_TEST

START_TEST(migration_16_to_17_tokens_in_quotas_and_usage)
{
	struct jta_store *st;
	struct jta_store_quota q;
	struct jta_error e;
	json_t		*rows = NULL;
	char		 path[512], upath[600];
	const int64_t	 now = 1764374400;	/* 2025-11-29T00:00:00Z */

	st = newstore(path, sizeof(path));
	jta_store_close(st);
	sqlexec(path, DOWN_TO_17 "DROP TABLE quotas;"
	    "CREATE TABLE quotas ("
	    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " scope TEXT NOT NULL CHECK (scope IN ('person', 'site')),"
	    " subject TEXT NOT NULL,"
	    " metric TEXT NOT NULL CHECK (metric IN ('calls', 'creates',"
	    " 'updates', 'conversations')),"
	    " per TEXT NOT NULL CHECK (per IN ('day', 'month')),"
	    " lim INTEGER NOT NULL CHECK (lim >= 0),"
	    " created INTEGER NOT NULL,"
	    " created_by TEXT NOT NULL DEFAULT '',"
	    " UNIQUE (scope, subject, metric, per));"
	    "INSERT INTO quotas VALUES (7, 'person', 'alice', 'calls', 'day',"
	    " 50, 1, 'op');"
	    "PRAGMA user_version = 16;");
	snprintf(upath, sizeof(upath), "%s.usage", path);
	ck_assert_int_eq(close(open(upath, O_RDWR | O_CREAT, 0600)), 0);
	sqlexec(upath, "CREATE TABLE usage_daily ("
	    " user_id INTEGER NOT NULL, day TEXT NOT NULL,"
	    " site TEXT NOT NULL, calls INTEGER NOT NULL DEFAULT 0,"
	    " creates INTEGER NOT NULL DEFAULT 0,"
	    " updates INTEGER NOT NULL DEFAULT 0,"
	    " conversations INTEGER NOT NULL DEFAULT 0,"
	    " PRIMARY KEY (user_id, day, site)) WITHOUT ROWID;"
	    "INSERT INTO usage_daily VALUES (1, '2025-11-29', 'local', 4, 0,"
	    " 0, 1);");
	st = openstore(path, JTA_STORE_MIGRATE);
	ck_assert_int_eq(sqlint(path, "PRAGMA user_version"),
	    JTA_STORE_VERSION);
	ck_assert_int_eq(sqlint(path, "SELECT id FROM quotas WHERE "
	    "subject = 'alice'"), 7);
	memset(&q, 0, sizeof(q));
	snprintf(q.scope, sizeof(q.scope), "person");
	snprintf(q.subject, sizeof(q.subject), "*");
	snprintf(q.metric, sizeof(q.metric), "completion_tokens");
	snprintf(q.per, sizeof(q.per), "month");
	q.limit = 100000;
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(jta_store_quota_set(st, &q, now, "op", &e), JTA_OK);
	ck_assert_int_gt(sqlint(path, "SELECT id FROM quotas WHERE "
	    "metric = 'completion_tokens'"), 7);
	ck_assert_int_eq(jta_store_usage_tokens(st, 1, "local", now, 30, 4,
	    &e), JTA_OK);
	ck_assert_int_eq(jta_store_usage_report(st, "person", "2025-11-29",
	    "2025-11-29", &rows, &e), JTA_OK);
	ck_assert_int_eq(json_array_size(rows), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    rows, 0), "calls")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    rows, 0), "prompt_tokens")), 30);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    rows, 0), "completion_tokens")), 4);
	json_decref(rows);
	jta_store_close(st);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite	*s = suite_create("jta_store");
	TCase	*tc;

	tc = tcase_create("schema");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, open_creates_current_schema);
	tcase_add_test(tc, dbhealth_names_sqlite_and_its_version);
	tcase_add_test(tc, open_creates_file_mode_0600);
	tcase_add_test(tc, open_uses_wal_journal);
	tcase_add_test(tc, open_page_cache_takes_pages_as_needed);
	tcase_add_test(tc, open_empty_file_with_migrate);
	tcase_add_test(tc, open_missing_file_without_create_fails);
	tcase_add_test(tc, open_without_migrate_on_empty_file_is_config_error);
	tcase_add_test(tc, open_refuses_newer_schema);
	tcase_add_test(tc, open_refuses_non_database_file);
	tcase_add_test(tc, migrate_target_out_of_range_refused);
	tcase_add_test(tc,
	    migration_to_2_indexes_existing_tickets_and_comments);
	tcase_add_test(tc, close_accepts_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("accounts");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, user_add_get_and_duplicate);
	tcase_add_test(tc, user_list_sorted_by_name);
	tcase_add_test(tc, key_add_auth_revoke);
	tcase_add_test(tc, request_reads_share_a_snapshot_writes_do_not);
	tcase_add_test(tc, key_revoke_unknown_is_notfound);
	tcase_add_test(tc, key_list_all_or_one_user);
	tcase_add_test(tc, project_add_default_types);
	tcase_add_test(tc, request_types_add_list_mark_remove);
	tcase_add_test(tc, project_add_custom_types_in_order);
	tcase_add_test(tc, project_duplicate_type_is_422_and_adds_nothing);
	tcase_add_test(tc, project_duplicate_key_is_409);
	tcase_add_test(tc, project_list_ordered_by_key);
	tcase_add_test(tc, project_list_returns_all_projects);
	suite_add_tcase(s, tc);

	tc = tcase_create("tickets");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ticket_numbers_count_per_project);
	tcase_add_test(tc, ticket_create_defaults);
	tcase_add_test(tc, ticket_create_all_fields);
	tcase_add_test(tc, ticket_type_case_insensitive_canonical);
	tcase_add_test(tc, ticket_unknown_type_is_refused);
	tcase_add_test(tc, ticket_unknown_project_is_refused);
	tcase_add_test(tc, ticket_unknown_assignee_is_refused);
	tcase_add_test(tc, ticket_get_not_found_is_notfound);
	tcase_add_test(tc, ticket_update_each_field);
	tcase_add_test(tc, ticket_update_sets_updated_time);
	tcase_add_test(tc, ticket_update_bad_value_changes_nothing);
	tcase_add_test(tc, ticket_comment_added_and_shown);
	tcase_add_test(tc, ticket_shows_last_comments_oldest_first);
	tcase_add_test(tc, ticket_move_sets_status_and_updated);
	tcase_add_test(tc, ticket_move_is_conditional_on_the_status_read);
	suite_add_tcase(s, tc);

	tc = tcase_create("search");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, search_without_filters_returns_all);
	tcase_add_test(tc, search_rows_have_slim_shape);
	tcase_add_test(tc, search_text_over_summary_description_comments);
	tcase_add_test(tc, search_optimize_merges_to_one_segment);
	tcase_add_test(tc, search_text_with_fts_syntax_does_not_error);
	tcase_add_test(tc, search_text_operators_are_plain_words);
	tcase_add_test(tc, search_text_never_drops_words);
	tcase_add_test(tc, search_filters_each_field);
	tcase_add_test(tc, search_time_ranges_inclusive);
	tcase_add_test(tc, search_orders);
	tcase_add_test(tc, search_default_order_is_recently_updated);
	tcase_add_test(tc, search_bad_order_is_422);
	tcase_add_test(tc, search_text_pages_match_the_ordered_statement);
	tcase_add_test(tc, search_cursor_pages_cover_all_once);
	tcase_add_test(tc, search_text_cursor_pages_in_order);
	tcase_add_test(tc, search_cursor_pages_with_equal_times);
	tcase_add_test(tc, search_exact_page_has_no_next_cursor);
	tcase_add_test(tc, search_cursor_with_filters_continues_filtered);
	tcase_add_test(tc, search_cursor_for_other_order_is_400);
	tcase_add_test(tc, search_garbage_cursor_is_400);
	tcase_add_test(tc, similar_any_term_best_first);
	tcase_add_test(tc, similar_text_is_never_fts_syntax);
	tcase_add_test(tc, similar_across_languages);
	tcase_add_test(tc, user_find_by_name_display_name_or_email);
	suite_add_tcase(s, tc);

	tc = tcase_create("tickets_api");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tk_get_reads_the_row);
	tcase_add_test(tc, tk_create_unknown_project_is_refused);
	tcase_add_test(tc, tk_get_missing_is_notfound);
	tcase_add_test(tc, tk_list_filters);
	tcase_add_test(tc, tk_list_orderings);
	tcase_add_test(tc, tk_list_pages_and_count);
	tcase_add_test(tc, tk_list_search_is_exact_and_not_fts_syntax);
	tcase_add_test(tc, tk_list_search_like_pages_as_a_scan);
	tcase_add_test(tc, tk_list_search_trigram_cover_as_a_scan);
	tcase_add_test(tc, tk_list_search_heap_pages_as_sql_sorts);
	tcase_add_test(tc, tk_index_segments_stay_few);
	tcase_add_test(tc, tk_update_changes_given_fields_and_moves);
	tcase_add_test(tc, tk_update_is_conditional_on_the_status_read);
	tcase_add_test(tc, tk_delete_removes_ticket_comments_and_index);
	suite_add_tcase(s, tc);

	tc = tcase_create("links");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, migration_empty_to_latest);
	tcase_add_test(tc, migration_3_to_4_keeps_users_and_links);
	tcase_add_test(tc, password_hash_set_get_clear);
	tcase_add_test(tc, code_take_marks_used_inside_the_callers_transaction);
	tcase_add_test(tc, access_token_expires);
	tcase_add_test(tc, token_primitives_read_replace_and_drop);
	tcase_add_test(tc, revoke_refresh_kills_family_access_only_itself);
	tcase_add_test(tc, client_remove_revokes_and_rotate_replaces_hash);
	tcase_add_test(tc, client_add_get_name_secret_list_remove);
	tcase_add_test(tc, client_register_bounds_rate_and_total);
	tcase_add_test(tc, cimd_cache_expires_replaces_and_trims);
	tcase_add_test(tc, client_prune_removes_only_idle_registered);
	tcase_add_test(tc, client_register_prunes_idle_before_cap);
	tcase_add_test(tc, migration_13_to_14_keeps_clients);
	tcase_add_test(tc, chat_conversations_are_the_persons_and_expire);
	tcase_add_test(tc, chat_actions_are_single_use_and_the_persons);
	tcase_add_test(tc, chat_conversation_continues_on_another_host);
	tcase_add_test(tc, chat_action_confirmed_on_8_hosts_runs_once);
	tcase_add_test(tc, migration_1_to_3);
	tcase_add_test(tc, migration_2_to_3);
	tcase_add_test(tc, state_single_use);
	tcase_add_test(tc, state_carries_request);
	tcase_add_test(tc, state_expires_and_is_purged);
	tcase_add_test(tc, state_take_8_hosts_at_once_one_wins);
	tcase_add_test(tc, link_put_get_tokens_never_in_clear);
	tcase_add_test(tc, link_ciphertext_bound_to_row_and_column);
	tcase_add_test(tc, link_put_refuses_bad_upstream_values);
	tcase_add_test(tc, lease_claimed_busy_fresh);
	tcase_add_test(tc, lease_refuses_bad_owner_and_unknown_link);
	tcase_add_test(tc, renew_only_by_the_lease_owner);
	tcase_add_test(tc, renew_without_refresh_keeps_the_old_one);
	tcase_add_test(tc, release_lets_a_sibling_claim);
	tcase_add_test(tc, break_drops_tokens_until_linked_again);
	tcase_add_test(tc, link_usable_until_broken);
	tcase_add_test(tc, lease_without_refresh_token_is_broken);
	tcase_add_test(tc, reseal_moves_every_token_to_the_new_key);
	tcase_add_test(tc, reseal_never_overwrites_a_concurrent_renew);
	tcase_add_test(tc, lease_16_processes_refresh_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("drafts");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, migration_5_to_6_keeps_tickets);
	tcase_add_test(tc, draft_put_get_edit_only_by_its_owner);
	tcase_add_test(tc, draft_files_capped_listed_marked_and_collected);
	tcase_add_test(tc, ticket_files_marked_once_listed_and_deleted);
	tcase_add_test(tc, draft_claim_submit_then_done_repeats);
	tcase_add_test(tc, draft_discard_only_ready_and_only_its_owners);
	tcase_add_test(tc, draft_discard_racing_a_claim_is_one_or_the_other);
	tcase_add_test(tc, draft_lease_ran_out_is_taken_over);
	tcase_add_test(tc, draft_release_unknown_resumes_definite_goes_ready);
	tcase_add_test(tc, idem_claim_states);
	tcase_add_test(tc, draft_submit_8_hosts_at_once_one_wins);
	tcase_add_test(tc, idem_key_8_hosts_at_once_one_wins_then_replays);
	tcase_add_test(tc, ticket_create_once_never_twice);
	suite_add_tcase(s, tc);
	tc = tcase_create("policy");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, policy_switch_and_generation);
	tcase_add_test(tc, policy_rules_add_list_remove_bump_generation);
	suite_add_tcase(s, tc);
	tc = tcase_create("audit");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, audit_write_and_filters);
	tcase_add_test(tc, audit_write_refuses_bad_fields_and_cleans_detail);
	tcase_add_test(tc, audit_purge_is_bounded_and_on_the_way);
	tcase_add_test(tc, link_remove_deletes_link_and_revokes_tokens);
	tcase_add_test(tc, password_set_revokes_grants);
	tcase_add_test(tc, store_check_ok_then_corrupt);
	tcase_add_test(tc, conf_audit_retention_days);
	suite_add_tcase(s, tc);
	tc = tcase_create("codes");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, code_put_take_rollback_commit_reuse);
	tcase_add_test(tc, code_take_8_hosts_at_once_one_wins);
	tcase_add_test(tc, token_family_rotate_later_drop_spend_revoke);
	tcase_add_test(tc, token_rotate_8_hosts_at_once_one_wins);
	tcase_add_test(tc, lockout_counts_locks_and_forgets);
	tcase_add_test(tc, lockout_8_hosts_count_every_failure);
	tcase_add_test(tc, user_grants_revoke_kills_tokens_and_codes);
	suite_add_tcase(s, tc);
	tc = tcase_create("meta");
	/* 8 processes at once, and migrations: slow under the sanitizers
	 * on a loaded machine (the default is 4 s). */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, meta_put_get_since_drop_clear);
	tcase_add_test(tc, meta_put_on_one_host_read_on_another);
	tcase_add_test(tc, meta_8_hosts_put_one_entry_at_once);
	tcase_add_test(tc, migration_14_to_15_adds_the_metadata_cache);
	tcase_add_test(tc, migration_16_to_17_tokens_in_quotas_and_usage);
	tcase_add_test(tc, migration_19_to_20_files_in_quotas_and_usage);
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

/* Undo what jta_check_suite set up, after the run. */
static void
done(void)
{
	nftw(tmproot, rmentry, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	if (sodium_init() < 0 || mkdtemp(tmproot) == NULL) {
		perror("setup");
		return NULL;
	}
	/* Expected failures log at error level; keep the rest quiet. */
	jta_log_set_level(JTA_LOG_ERROR);
	jta_check_at_end(done);
	return store_suite();
}
