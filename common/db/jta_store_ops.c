/*
 * The operators' switch, access rules and audit log with SQLite
 * (jta_store_ops.h).
 */
#include "config.h"

#include <stdio.h>

#include <sqlite3.h>

#include "jta_db_engine.h"
#include "jta_db_sqlite.h"
#include "jta_log.h"
#include "jta_store_ops.h"

/* ---- the fixed table of statements ---- */

enum sid {
	S_POL_GET,
	S_POL_VERSION,
	S_POL_SET,
	S_POL_BUMP,
	S_POL_NRULES,
	S_RULE_ADD,
	S_RULE_DEL,
	S_RULE_LIST,
	S_AUD_ADD,
	S_AUD_PURGE,
	S_AUD_QUERY,
	S_AUD_QUERY_KEY,
	S_AUD_COUNT,
	S_COUNT
};

#define AUDIT_COLS "SELECT id, at, who, account_id, site, action, " \
	    "issue_key, endpoint, status, detail FROM audit_log WHERE "
#define AUDIT_FILTERS "(:from IS NULL OR at >= :from) AND " \
	    "(:to IS NULL OR at < :to) AND " \
	    "(:action IS NULL OR action = :action) AND " \
	    "(:person IS NULL OR who = :person OR account_id = :person OR " \
	    "who IN (SELECT name FROM users WHERE email <> '' AND " \
	    "email = :person COLLATE NOCASE)) " \
	    "ORDER BY at DESC, id DESC LIMIT :limit"

static const char *const sql[S_COUNT] = {
	/* The per-request read of the operators' switches: one row by
	 * its primary key. */
	[S_POL_GET] = "SELECT enabled, message, changed_at, changed_by, "
	    "generation FROM policy_settings WHERE id = 1",
	/* Whether the main file changed since this connection last looked
	 * (jta_store_policy_version): a read transaction of its own, which
	 * makes the pager notice another connection's commit. */
	[S_POL_VERSION] = "PRAGMA main.data_version",
	[S_POL_SET] = "UPDATE policy_settings SET enabled = :on, message = "
	    ":msg, changed_at = :now, changed_by = :by, generation = "
	    "generation + 1 WHERE id = 1",
	/* A rule changed: the switch's own time and author stay. */
	[S_POL_BUMP] = "UPDATE policy_settings SET generation = "
	    "generation + 1 WHERE id = 1",
	[S_POL_NRULES] = "SELECT count(*) FROM policy_rules",
	[S_RULE_ADD] = "INSERT INTO policy_rules (effect, kind, value, scope, "
	    "created, created_by, note) VALUES (:effect, :kind, :value, "
	    ":scope, :now, :by, :note)",
	[S_RULE_DEL] = "DELETE FROM policy_rules WHERE id = :id",
	[S_RULE_LIST] = "SELECT id, effect, kind, value, scope, created, "
	    "created_by, note FROM policy_rules ORDER BY id",
	/* The audit log (schema 8). */
	[S_AUD_ADD] = "INSERT INTO audit_log (at, who, account_id, site, "
	    "action, issue_key, endpoint, status, detail) VALUES (:at, :who, "
	    ":acc, :site, :action, :key, :ep, :status, :detail)",
	[S_AUD_PURGE] = "DELETE FROM audit_log WHERE id IN (SELECT id FROM "
	    "audit_log WHERE at < :before ORDER BY at LIMIT :max)",
	[S_AUD_QUERY] = AUDIT_COLS AUDIT_FILTERS,
	/* With a ticket: its index first. */
	[S_AUD_QUERY_KEY] = AUDIT_COLS "issue_key = :key AND " AUDIT_FILTERS,
	[S_AUD_COUNT] = "SELECT count(*) FROM audit_log",
};

/* Statement id of this repository, reset and unbound (jta_db_stmt). */
static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	return jta_db_stmt(st, JTA_DB_REPO_OPS, sql, S_COUNT, (size_t)id);
}

/* ---- operators' switches ---- */

enum jta_err
jta_store_policy_get(struct jta_store *st, struct jta_store_policy *out,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->policy_get(pg, out, err);
	if ((s = stmt(st, S_POL_GET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->enabled = sqlite3_column_int(s, 0) != 0;
		snprintf(out->message, sizeof(out->message), "%s",
		    jta_db_col(s, 1));
		out->changed_at = sqlite3_column_int64(s, 2);
		snprintf(out->changed_by, sizeof(out->changed_by), "%s",
		    jta_db_col(s, 3));
		out->generation = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		jta_errorlog("store: %s has no policy_settings row",
		    jta_db_path(st));
		return jta_error_set(err, JTA_ERR_DB, 500, NULL,
		    "the ticket store failed; the server log has details");
	}
	return rc == SQLITE_ROW ? JTA_OK
				: jta_db_err(st, rc, "policy get", err);
}

enum jta_err
jta_store_policy_version(struct jta_store *st, uint64_t *version,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	sqlite3_stmt	*s;
	unsigned int	 v = 0;
	int		 rc;

	*version = 0;
	/* PostgreSQL: unknown, so the row is read at every request. */
	if (jta_db_pg(st, &pgi) != NULL)
		return JTA_OK;
	if ((s = stmt(st, S_POL_VERSION)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return jta_db_err(st, rc, "policy version", err);
	/*
	 * The pragma's own value leaves out this connection's commits (the
	 * admin page switches on its own connection); the pager's data
	 * version, current since the pragma's read transaction, counts
	 * every change to the main file, this connection's and any other's
	 * (https://www.sqlite.org/c3ref/c_fcntl_begin_atomic_write.html,
	 * SQLITE_FCNTL_DATA_VERSION).  Bit 32 keeps the answer off 0.
	 */
	if ((rc = sqlite3_file_control(sqlite3_db_handle(s), "main",
	    SQLITE_FCNTL_DATA_VERSION, &v)) != SQLITE_OK)
		return jta_db_err(st, rc, "policy version", err);
	*version = (uint64_t)v | ((uint64_t)1 << 32);
	return JTA_OK;
}

/* Run statement id (already bound) inside BEGIN IMMEDIATE together with
 * the generation bump, and commit. */
static enum jta_err
polwrite(struct jta_store *st, sqlite3_stmt *s, int bump, int adding,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*b;
	int64_t		 n = 0;
	int		 rc;

	if ((ret = jta_db_begin(st, err)) != JTA_OK)
		return ret;
	/* Counted inside the write transaction: two operators adding at
	 * once cannot pass the bound together. */
	if (adding && (ret = jta_store_rule_count(st, &n, err)) != JTA_OK)
		goto out;
	if (n >= JTA_LIMIT_POLICY_RULES) {
		ret = jta_error_set(err, JTA_ERR_INPUT, 422, "rule",
		    "there are %d rules already, the most a worker keeps; "
		    "remove some first", JTA_LIMIT_POLICY_RULES);
		goto out;
	}
	if ((rc = jta_db_run(s)) != SQLITE_OK) {
		ret = rc == SQLITE_CONSTRAINT_UNIQUE ?
		    jta_error_set(err, JTA_ERR_CONFLICT, 409, "rule",
		    "the same rule exists already") :
		    jta_db_err(st, rc, "policy write", err);
		goto out;
	}
	if (jta_db_changes(st) == 0) {
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "there is no rule with that id");
		goto out;
	}
	if (bump) {
		if ((b = stmt(st, S_POL_BUMP)) == NULL) {
			ret = jta_db_err(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = jta_db_run(b)) != SQLITE_OK) {
			ret = jta_db_err(st, rc, "policy bump", err);
			goto out;
		}
	}
	ret = jta_db_commit(st, err);
out:
	jta_db_rollback(st);
	return ret;
}

enum jta_err
jta_store_policy_set(struct jta_store *st, int enabled, const char *message,
    int64_t now, const char *by, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->policy_set(pg, enabled, message, now, by,
		    err);
	if ((s = stmt(st, S_POL_SET)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":on", enabled ? 1 : 0)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":msg", message != NULL ? message : "")) !=
	    SQLITE_OK || (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":by", by)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	return polwrite(st, s, 0, 0, err);
}

enum jta_err
jta_store_rule_count(struct jta_store *st, int64_t *n, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->rule_count(pg, n, err);
	if ((s = stmt(st, S_POL_NRULES)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? JTA_OK
				: jta_db_err(st, rc, "rule count", err);
}

enum jta_err
jta_store_rule_add(struct jta_store *st, const struct jta_store_rule *r,
    int64_t now, const char *by, int64_t *id, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->rule_add(pg, r, now, by, id, err);
	if ((s = stmt(st, S_RULE_ADD)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_btext(s, ":effect", r->effect)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":kind", r->kind)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":value", r->value)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":scope", r->scope)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":by", by)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":note", r->note)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((ret = polwrite(st, s, 1, 1, err)) != JTA_OK)
		return ret;
	/* Same connection, no other insert since: the row just added. */
	*id = jta_db_last_rowid(st);
	return JTA_OK;
}

enum jta_err
jta_store_rule_remove(struct jta_store *st, int64_t id,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->rule_remove(pg, id, err);
	if ((s = stmt(st, S_RULE_DEL)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":id", id)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	return polwrite(st, s, 1, 0, err);
}

enum jta_err
jta_store_rule_list(struct jta_store *st, struct jta_store_rule *rules,
    size_t max, size_t *n, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	struct jta_store_rule *r;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->rule_list(pg, rules, max, n, err);
	*n = 0;
	if ((s = stmt(st, S_RULE_LIST)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n >= max) {
			ret = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
			    "more access rules than a worker keeps");
			break;
		}
		r = &rules[(*n)++];
		r->id = sqlite3_column_int64(s, 0);
		snprintf(r->effect, sizeof(r->effect), "%s", jta_db_col(s, 1));
		snprintf(r->kind, sizeof(r->kind), "%s", jta_db_col(s, 2));
		snprintf(r->value, sizeof(r->value), "%s", jta_db_col(s, 3));
		snprintf(r->scope, sizeof(r->scope), "%s", jta_db_col(s, 4));
		r->created = sqlite3_column_int64(s, 5);
		snprintf(r->created_by, sizeof(r->created_by), "%s",
		    jta_db_col(s, 6));
		snprintf(r->note, sizeof(r->note), "%s", jta_db_col(s, 7));
	}
	sqlite3_reset(s);
	if (ret == JTA_OK && rc != SQLITE_DONE)
		ret = jta_db_err(st, rc, "rule list", err);
	return ret;
}

/* ---- the audit log (schema 8; jta_audit.h) ---- */

enum jta_err
jta_store_audit_add(struct jta_store *st, const struct jta_audit_event *ev,
    struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->audit_add(pg, ev, err);
	if ((s = stmt(st, S_AUD_ADD)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":at", ev->when)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":who", ev->who)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":acc",
	    ev->account_id != NULL ? ev->account_id : "")) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":site",
	    ev->site != NULL ? ev->site : "")) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":action", ev->action)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":key",
	    ev->issue_key != NULL ? ev->issue_key : "")) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":ep",
	    ev->endpoint != NULL ? ev->endpoint : "")) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":status", ev->status)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":detail",
	    ev->detail != NULL ? ev->detail : "")) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "audit add", err);
	return JTA_OK;
}

enum jta_err
jta_store_audit_purge(struct jta_store *st, int64_t before, int64_t max,
    int64_t *deleted, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->audit_purge(pg, before, max, deleted, err);
	*deleted = 0;
	if ((s = stmt(st, S_AUD_PURGE)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = jta_db_bint(s, ":before", before)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":max", max)) != SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((rc = jta_db_run(s)) != SQLITE_OK)
		return jta_db_err(st, rc, "audit purge", err);
	*deleted = jta_db_changes(st);
	return JTA_OK;
}

enum jta_err
jta_store_audit_count(struct jta_store *st, int64_t *n, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	sqlite3_stmt	*s;
	int		 rc;

	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->audit_count(pg, n, err);
	if ((s = stmt(st, S_AUD_COUNT)) == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? JTA_OK
				: jta_db_err(st, rc, "audit count", err);
}

/* One audit row as JSON. */
static json_t *
auditrow(sqlite3_stmt *s)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (jta_db_oset(o, "id",
	    json_integer(sqlite3_column_int64(s, 0))) != 0 ||
	    jta_db_oset(o, "when",
	    jta_db_timejs(sqlite3_column_int64(s, 1))) != 0 ||
	    jta_db_oset(o, "who", json_string(jta_db_col(s, 2))) != 0 ||
	    jta_db_oset(o, "account_id", json_string(jta_db_col(s, 3))) != 0 ||
	    jta_db_oset(o, "site", json_string(jta_db_col(s, 4))) != 0 ||
	    jta_db_oset(o, "action", json_string(jta_db_col(s, 5))) != 0 ||
	    jta_db_oset(o, "issue_key", json_string(jta_db_col(s, 6))) != 0 ||
	    jta_db_oset(o, "endpoint", json_string(jta_db_col(s, 7))) != 0 ||
	    jta_db_oset(o, "status",
	    json_integer(sqlite3_column_int64(s, 8))) != 0 ||
	    jta_db_oset(o, "detail", json_string(jta_db_col(s, 9))) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

enum jta_err
jta_store_audit_query(struct jta_store *st, const struct jta_audit_filter *f,
    json_t **out, struct jta_error *err)
{
	const struct jta_db_pgimpl *pgi;
	struct jta_pg	*pg;
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *o;
	int		 rc;

	*out = NULL;
	if ((pg = jta_db_pg(st, &pgi)) != NULL)
		return pgi->audit_query(pg, f, out, err);
	if ((s = stmt(st, f->ticket != NULL ? S_AUD_QUERY_KEY : S_AUD_QUERY))
	    == NULL)
		return jta_db_err(st, SQLITE_ERROR, "prepare", err);
	if ((f->ticket != NULL && (rc = jta_db_btext(s, ":key", f->ticket)) !=
	    SQLITE_OK) ||
	    (rc = jta_db_bint0(s, ":from", f->from)) != SQLITE_OK ||
	    (rc = jta_db_bint0(s, ":to", f->to)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":action", f->action)) != SQLITE_OK ||
	    (rc = jta_db_btext(s, ":person", f->person)) != SQLITE_OK ||
	    (rc = jta_db_bint(s, ":limit", f->limit > 0 ? f->limit : -1)) !=
	    SQLITE_OK)
		return jta_db_err(st, rc, "bind", err);
	if ((arr = json_array()) == NULL) {
		sqlite3_reset(s);
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "out of memory");
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((o = auditrow(s)) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			ret = jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
			    "out of memory");
			break;
		}
	sqlite3_reset(s);
	if (ret == JTA_OK && rc != SQLITE_DONE)
		ret = jta_db_err(st, rc, "audit query", err);
	if (ret != JTA_OK)
		json_decref(arr);
	else
		*out = arr;
	return ret;
}

