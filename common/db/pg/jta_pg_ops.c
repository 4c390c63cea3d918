/*
 * The operators' switch and access rules on PostgreSQL
 * (jta_store_ops.h; the SQLite side is common/db/jta_store_ops.c).
 *
 * Across hosts: the switch is one row read at every request (no cache
 * but the generation), so a switch-off committed on one host applies at
 * the next request on every host.  Every write takes the settings row's
 * lock first (SELECT ... FOR UPDATE: PostgreSQL manual, "Explicit
 * Locking", row-level locks), which serialises the writers of every host
 * as SQLite's BEGIN IMMEDIATE does on one: the rule count checked against
 * JTA_LIMIT_POLICY_RULES cannot be passed by two hosts adding at once,
 * and each change bumps the generation exactly once.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_audit.h"
#include "jta_db_engine.h"
#include "jta_limits.h"
#include "jta_store_ops.h"
#include "jta_time.h"
#include "jta_log.h"
#include "jta_pg_int.h"
#include "jta_pg_ops.h"

/* Column c of row i as an int64 (the server's decimal text). */
static int64_t
i64(const PGresult *r, int i, int c)
{
	return (int64_t)strtoll(PQgetvalue(r, i, c), NULL, 10);
}

enum jta_err
jta_pg_policy_get(struct jta_pg *pg, struct jta_store_policy *out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;

	/* Run at every request: after a lost connection, one retry on a
	 * new one, so the first request after a restart is served. */
	jta_pg_revive(pg);
	rc = jta_pg_run(pg, "SELECT enabled, message, changed_at, changed_by, "
	    "generation FROM policy_settings WHERE id = 1", 0, NULL,
	    PGRES_TUPLES_OK, "policy get", &r, err);
	if (rc != JTA_OK && PQstatus(pg->c) != CONNECTION_OK) {
		jta_pg_revive(pg);
		rc = jta_pg_run(pg, "SELECT enabled, message, changed_at, "
		    "changed_by, generation FROM policy_settings WHERE id = 1",
		    0, NULL, PGRES_TUPLES_OK, "policy get", &r, err);
	}
	if (rc != JTA_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		jta_errorlog("postgresql: no policy_settings row");
		return jta_error_set(err, JTA_ERR_DB, 500, NULL,
		    "the database failed; the server log has details");
	}
	out->enabled = strcmp(PQgetvalue(r, 0, 0), "0") != 0;
	snprintf(out->message, sizeof(out->message), "%s",
	    PQgetvalue(r, 0, 1));
	out->changed_at = i64(r, 0, 2);
	snprintf(out->changed_by, sizeof(out->changed_by), "%s",
	    PQgetvalue(r, 0, 3));
	out->generation = i64(r, 0, 4);
	PQclear(r);
	return JTA_OK;
}

/*
 * One write of the switch or the rules: BEGIN, the settings row locked,
 * the rule count checked when adding, sql with its n parameters (a
 * RETURNING id when id is not NULL), the generation bumped when bump,
 * COMMIT.  A unique violation (23505) is 409; no row for a DELETE is 404.
 */
static enum jta_err
polwrite(struct jta_pg *pg, const char *sql, int n, const char *const *v,
    int bump, int adding, int64_t *id, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	int64_t		 count = 0;

	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "BEGIN", 0, NULL, PGRES_COMMAND_OK, "begin",
	    NULL, err)) != JTA_OK)
		return rc;
	if ((rc = jta_pg_run(pg, "SELECT generation FROM policy_settings "
	    "WHERE id = 1 FOR UPDATE", 0, NULL, PGRES_TUPLES_OK, "policy lock",
	    NULL, err)) != JTA_OK)
		goto out;
	if (adding) {
		if ((rc = jta_pg_run(pg, "SELECT count(*) FROM policy_rules",
		    0, NULL, PGRES_TUPLES_OK, "rule count", &r, err)) !=
		    JTA_OK)
			goto out;
		count = i64(r, 0, 0);
		PQclear(r);
		r = NULL;
		if (count >= JTA_LIMIT_POLICY_RULES) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "rule",
			    "there are %d rules already, the most a worker "
			    "keeps; remove some first", JTA_LIMIT_POLICY_RULES);
			goto out;
		}
	}
	if ((rc = jta_pg_run(pg, sql, n, v, id != NULL ? PGRES_TUPLES_OK :
	    PGRES_COMMAND_OK, "policy write", &r, err)) != JTA_OK) {
		if (strcmp(pg->state, "23505") == 0)
			rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "rule",
			    "the same rule exists already");
		goto out;
	}
	if (strcmp(PQcmdTuples(r), "0") == 0) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "there is no rule with that id");
		goto out;
	}
	if (id != NULL)
		*id = i64(r, 0, 0);
	if (bump && (rc = jta_pg_run(pg, "UPDATE policy_settings SET "
	    "generation = generation + 1 WHERE id = 1", 0, NULL,
	    PGRES_COMMAND_OK, "policy bump", NULL, err)) != JTA_OK)
		goto out;
	rc = jta_pg_run(pg, "COMMIT", 0, NULL, PGRES_COMMAND_OK, "commit",
	    NULL, err);
out:
	PQclear(r);
	if (PQtransactionStatus(pg->c) != PQTRANS_IDLE)
		PQclear(PQexec(pg->c, "ROLLBACK"));
	return rc;
}

enum jta_err
jta_pg_policy_set(struct jta_pg *pg, int enabled, const char *message,
    int64_t now, const char *by, struct jta_error *err)
{
	char		 t[24];
	const char	*v[4];

	snprintf(t, sizeof(t), "%" PRId64, now);
	v[0] = enabled ? "1" : "0";
	v[1] = message != NULL ? message : "";
	v[2] = t;
	v[3] = by;
	return polwrite(pg, "UPDATE policy_settings SET enabled = $1::integer, "
	    "message = $2, changed_at = $3::bigint, changed_by = $4, "
	    "generation = generation + 1 WHERE id = 1", 4, v, 0, 0, NULL,
	    err);
}

enum jta_err
jta_pg_rule_count(struct jta_pg *pg, int64_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;

	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT count(*) FROM policy_rules", 0,
	    NULL, PGRES_TUPLES_OK, "rule count", &r, err)) != JTA_OK)
		return rc;
	*n = i64(r, 0, 0);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_rule_add(struct jta_pg *pg, const struct jta_store_rule *rule,
    int64_t now, const char *by, int64_t *id, struct jta_error *err)
{
	char		 t[24];
	const char	*v[7];

	snprintf(t, sizeof(t), "%" PRId64, now);
	v[0] = rule->effect;
	v[1] = rule->kind;
	v[2] = rule->value;
	v[3] = rule->scope;
	v[4] = t;
	v[5] = by;
	v[6] = rule->note;
	return polwrite(pg, "INSERT INTO policy_rules (effect, kind, value, "
	    "scope, created, created_by, note) VALUES ($1, $2, $3, $4, "
	    "$5::bigint, $6, $7) RETURNING id", 7, v, 1, 1, id, err);
}

enum jta_err
jta_pg_rule_remove(struct jta_pg *pg, int64_t id, struct jta_error *err)
{
	char		 t[24];
	const char	*v[1];

	snprintf(t, sizeof(t), "%" PRId64, id);
	v[0] = t;
	return polwrite(pg, "DELETE FROM policy_rules WHERE id = $1::bigint",
	    1, v, 1, 0, NULL, err);
}

enum jta_err
jta_pg_rule_list(struct jta_pg *pg, struct jta_store_rule *rules,
    size_t max, size_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	struct jta_store_rule *o;
	int		 i, rows;

	*n = 0;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT id, effect, kind, value, scope, "
	    "created, created_by, note FROM policy_rules ORDER BY id", 0,
	    NULL, PGRES_TUPLES_OK, "rule list", &r, err)) != JTA_OK)
		return rc;
	rows = PQntuples(r);
	if (rows < 0 || (size_t)rows > max) {
		PQclear(r);
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "more access rules than a worker keeps");
	}
	for (i = 0; i < rows; i++) {
		o = &rules[i];
		memset(o, 0, sizeof(*o));
		o->id = i64(r, i, 0);
		snprintf(o->effect, sizeof(o->effect), "%s",
		    PQgetvalue(r, i, 1));
		snprintf(o->kind, sizeof(o->kind), "%s", PQgetvalue(r, i, 2));
		snprintf(o->value, sizeof(o->value), "%s",
		    PQgetvalue(r, i, 3));
		snprintf(o->scope, sizeof(o->scope), "%s",
		    PQgetvalue(r, i, 4));
		o->created = i64(r, i, 5);
		snprintf(o->created_by, sizeof(o->created_by), "%s",
		    PQgetvalue(r, i, 6));
		snprintf(o->note, sizeof(o->note), "%s", PQgetvalue(r, i, 7));
	}
	*n = (size_t)rows;
	PQclear(r);
	return JTA_OK;
}

/* ---- the audit log ---- */

/*
 * Every host appends to the one table (an identity column orders rows
 * across hosts); a purge deletes a bounded batch, oldest first, and two
 * hosts purging at once at worst delete the same rows once (DELETE takes
 * each row's lock; the second finds them gone).
 */
enum jta_err
jta_pg_audit_add(struct jta_pg *pg, const struct jta_audit_event *ev,
    struct jta_error *err)
{
	const char	*v[9];
	char		 at[24], status[16];

	snprintf(at, sizeof(at), "%" PRId64, ev->when);
	snprintf(status, sizeof(status), "%d", ev->status);
	v[0] = at;
	v[1] = ev->who;
	v[2] = ev->account_id != NULL ? ev->account_id : "";
	v[3] = ev->site != NULL ? ev->site : "";
	v[4] = ev->action;
	v[5] = ev->issue_key != NULL ? ev->issue_key : "";
	v[6] = ev->endpoint != NULL ? ev->endpoint : "";
	v[7] = status;
	v[8] = ev->detail != NULL ? ev->detail : "";
	jta_pg_revive(pg);
	return jta_pg_run(pg, "INSERT INTO audit_log (at, who, account_id, "
	    "site, action, issue_key, endpoint, status, detail) VALUES "
	    "($1::bigint, $2, $3, $4, $5, $6, $7, $8::integer, $9)", 9, v,
	    PGRES_COMMAND_OK, "audit add", NULL, err);
}

enum jta_err
jta_pg_audit_purge(struct jta_pg *pg, int64_t before, int64_t max,
    int64_t *deleted, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[2];
	char		 b[24], m[24];

	*deleted = 0;
	snprintf(b, sizeof(b), "%" PRId64, before);
	snprintf(m, sizeof(m), "%" PRId64, max);
	v[0] = b;
	v[1] = m;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "DELETE FROM audit_log WHERE id IN (SELECT "
	    "id FROM audit_log WHERE at < $1::bigint ORDER BY at LIMIT "
	    "$2::bigint)", 2, v, PGRES_COMMAND_OK, "audit purge", &r, err)) !=
	    JTA_OK)
		return rc;
	*deleted = (int64_t)strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return JTA_OK;
}

enum jta_err
jta_pg_audit_count(struct jta_pg *pg, int64_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;

	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT count(*) FROM audit_log", 0, NULL,
	    PGRES_TUPLES_OK, "audit count", &r, err)) != JTA_OK)
		return rc;
	*n = i64(r, 0, 0);
	PQclear(r);
	return JTA_OK;
}

/* Row i of an audit query as JSON (NULL: out of memory). */
static json_t *
auditrow(const PGresult *r, int i)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (jta_db_oset(o, "id", json_integer(i64(r, i, 0))) != 0 ||
	    jta_db_oset(o, "when", jta_db_timejs(i64(r, i, 1))) != 0 ||
	    jta_db_oset(o, "who", json_string(PQgetvalue(r, i, 2))) != 0 ||
	    jta_db_oset(o, "account_id",
	    json_string(PQgetvalue(r, i, 3))) != 0 ||
	    jta_db_oset(o, "site", json_string(PQgetvalue(r, i, 4))) != 0 ||
	    jta_db_oset(o, "action", json_string(PQgetvalue(r, i, 5))) != 0 ||
	    jta_db_oset(o, "issue_key",
	    json_string(PQgetvalue(r, i, 6))) != 0 ||
	    jta_db_oset(o, "endpoint",
	    json_string(PQgetvalue(r, i, 7))) != 0 ||
	    jta_db_oset(o, "status", json_integer(i64(r, i, 8))) != 0 ||
	    jta_db_oset(o, "detail", json_string(PQgetvalue(r, i, 9))) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

enum jta_err
jta_pg_audit_query(struct jta_pg *pg, const struct jta_audit_filter *f,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	json_t		*arr = NULL, *o;
	const char	*v[6];
	char		 from[24], to[24], lim[24];
	int		 i, n;

	*out = NULL;
	snprintf(from, sizeof(from), "%" PRId64, f->from);
	snprintf(to, sizeof(to), "%" PRId64, f->to);
	snprintf(lim, sizeof(lim), "%" PRId64, f->limit);
	/* NULL (an open filter) for 0 and for an absent string; LIMIT
	 * NULL is no limit. */
	v[0] = f->ticket;
	v[1] = f->from != 0 ? from : NULL;
	v[2] = f->to != 0 ? to : NULL;
	v[3] = f->action;
	v[4] = f->person;
	v[5] = f->limit != 0 ? lim : NULL;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "SELECT id, at, who, account_id, site, "
	    "action, issue_key, endpoint, status, detail FROM audit_log WHERE "
	    "($1::text IS NULL OR issue_key = $1) AND "
	    "($2::bigint IS NULL OR at >= $2) AND "
	    "($3::bigint IS NULL OR at < $3) AND "
	    "($4::text IS NULL OR action = $4) AND "
	    "($5::text IS NULL OR who = $5 OR account_id = $5 OR who IN "
	    "(SELECT name FROM users WHERE email <> '' AND lower(email) = "
	    "lower($5))) ORDER BY at DESC, id DESC LIMIT $6::bigint", 6, v,
	    PGRES_TUPLES_OK, "audit query", &r, err)) != JTA_OK)
		return rc;
	n = PQntuples(r);
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if ((o = auditrow(r, i)) == NULL ||
		    json_array_append_new(arr, o) != 0)
			goto nomem;
	PQclear(r);
	*out = arr;
	return JTA_OK;
nomem:
	PQclear(r);
	json_decref(arr);
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
}

/* ---- people ---- */

enum jta_err
jta_pg_user_add(struct jta_pg *pg, const char *name,
    const char *display_name, const char *email, int64_t *id,
    struct jta_error *err)
{
	enum jta_err	 rc;
	PGresult	*r = NULL;
	const char	*v[4];
	char		 now[24];

	snprintf(now, sizeof(now), "%" PRId64, jta_time_now());
	v[0] = name;
	v[1] = display_name;
	v[2] = email != NULL ? email : "";
	v[3] = now;
	jta_pg_revive(pg);
	if ((rc = jta_pg_run(pg, "INSERT INTO users (name, display_name, "
	    "email, created) VALUES ($1, $2, $3, $4::bigint) RETURNING id", 4,
	    v, PGRES_TUPLES_OK, "user add", &r, err)) != JTA_OK) {
		if (strcmp(pg->state, "23505") == 0)
			rc = jta_error_set(err, JTA_ERR_CONFLICT, 409, "name",
			    "a user with that name exists already");
		return rc;
	}
	if (id != NULL)
		*id = i64(r, 0, 0);
	PQclear(r);
	return JTA_OK;
}
