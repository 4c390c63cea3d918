/*
 * Operator actions for the admin page and jta-admin (jta_operator.h):
 * one validation and one audit row per change, whichever front made it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "jta_audit.h"
#include "jta_authz.h"
#include "jta_conf.h"
#include "jta_fcgi.h"
#include "jta_fcgi_int.h"
#include "jta_kb.h"
#include "jta_log.h"
#include "jta_operator.h"
#include "jta_policy.h"
#include "jta_req.h"
#include "jta_db.h"
#include "jta_db_select.h"
#include "jta_store_authz.h"
#include "jta_store_meta.h"
#include "jta_store_ops.h"
#include "jta_store_requesttypes.h"
#include "jta_store_people.h"
#include "jta_store_tickets.h"
#include "jta_store_usage.h"
#include "jta_text.h"
#include "jta_time.h"
#include "jta_url.h"
#include "jta_usage.h"
#include "jta_vault.h"

/* Token-key rotation: rows per re-seal transaction, passes before giving
 * up, and the pause between passes. */
#define ROTATE_BATCH	100
#define ROTATE_PASSES	50
#define ROTATE_PAUSE_MS	100

/* Bytes of an audit row's detail we build (jta_audit cuts it to
 * JTA_AUDIT_DETAIL_MAX). */
#define DETAIL_MAX	(JTA_LIMIT_POLICY_MESSAGE + 64)

static const struct jta_field f_user = { "user name", JTA_FT_USERNAME, 0, 0,
    0, NULL };
static const struct jta_field f_display = { "display name", JTA_FT_STRING,
    0, 1, JTA_LIMIT_DISPLAY_NAME, NULL };
static const struct jta_field f_email = { "email", JTA_FT_STRING, 0, 3,
    JTA_LIMIT_EMAIL, NULL };
static const struct jta_field f_label = { "label", JTA_FT_STRING, 0, 0, 64,
    NULL };
static const struct jta_field f_project = { "project key", JTA_FT_PROJECT,
    0, 0, 0, NULL };
static const struct jta_field f_pname = { "project name", JTA_FT_STRING, 0,
    1, JTA_LIMIT_PROJECT_NAME, NULL };
static const struct jta_field f_types = { "types", JTA_FT_LABELS, 0, 1, 10,
    NULL };
static const struct jta_field f_cname = { "client name", JTA_FT_STRING, 0,
    1, JTA_LIMIT_CLIENT_NAME, NULL };

/* value checked as field f by the API's own rules (jta_req). */
static enum jta_err
check(const struct jta_field *f, const char *value, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*obj, *out = NULL;

	if ((obj = json_pack("{s:s}", f->name, value)) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	rc = jta_req_check_object(obj, f, 1, &out, err);
	json_decref(out);
	json_decref(obj);
	return rc;
}

/*
 * Write the audit row of a change op made: "operator:<login>",
 * "admin:<what>", the front as endpoint.  A row that cannot be written
 * is logged and answered 500: the change stands, unrecorded.
 */
static enum jta_err
audit(struct jta_operator *op, const char *what, int status,
    const char *account, const char *site, const char *detail,
    struct jta_error *err)
{
	struct jta_audit_event ev;
	char	 who[JTA_OPERATOR_LOGIN_MAX + 16], action[JTA_AUDIT_WORD_MAX];

	snprintf(who, sizeof(who), "operator:%s", op->login);
	snprintf(action, sizeof(action), "admin:%s", what);
	memset(&ev, 0, sizeof(ev));
	ev.when = jta_time_now();
	ev.who = who;
	ev.account_id = account;
	ev.site = site;		/* NULL: a change of ours, of no site */
	ev.action = action;
	ev.endpoint = op->front;
	ev.status = status;
	ev.detail = detail;
	if (jta_audit_write(op->st, &ev, err) != JTA_OK) {
		jta_errorlog("audit: %s %s status=%d %s: not recorded: %s",
		    who, action, status, detail, err->detail);
		return jta_error_set(err, JTA_ERR_DB, 500, NULL,
		    "the change was made, but the audit log could not "
		    "record it; the log has details");
	}
	if (op->log)
		jta_info("%s: %s %s status=%d %s", op->front, who, action,
		    status, detail != NULL ? detail : "");
	return JTA_OK;
}

enum jta_err
jta_operator_audit(struct jta_operator *op, const char *what, int status,
    const char *detail, struct jta_error *err)
{
	return audit(op, what, status, NULL, NULL, detail, err);
}

enum jta_err
jta_operator_login(struct jta_operator *op, const char *name,
    struct jta_error *err)
{
	size_t	 n = name != NULL ? strlen(name) : 0, i;

	if (n == 0)
		return jta_error_set(err, JTA_ERR_AUTH, 403, "operator",
		    "no operator is named: a change needs someone to answer "
		    "for it");
	if (n > JTA_OPERATOR_LOGIN_MAX) {
		n = JTA_OPERATOR_LOGIN_MAX;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(op->login, name, n);
	op->login[n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)op->login[i] < 0x20 ||
		    op->login[i] == 0x7f)
			op->login[i] = '?';
	if (!jta_text_utf8_valid(op->login, n))
		for (i = 0; i < n; i++)
			if ((unsigned char)op->login[i] > 0x7e)
				op->login[i] = '?';
	return JTA_OK;
}

/* The authorization server over op's store and vault for one call (the
 * vault may be NULL: then only its password functions are used). */
static enum jta_err
authz(struct jta_operator *op, struct jta_authz **az, struct jta_error *err)
{
	if (jta_authz_new(op->st, op->vault, az) != JTA_OK)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "the server is short of memory; try again");
	return JTA_OK;
}

enum jta_err
jta_operator_fcgi(struct jta_operator *op, struct jta_ctx *ctx,
    const char *login, struct jta_error *err)
{
	memset(op, 0, sizeof(*op));
	op->st = jta_fcgi_store(ctx);
	op->vault = ctx->vault;
	op->front = JTA_OPERATOR_PAGE;
	op->log = 1;
	return jta_operator_login(op, login, err);
}

enum jta_err
jta_operator_open(struct jta_operator *op, const struct jta_conf *conf,
    unsigned need, const char *login, char *msg, size_t msgsz)
{
	enum jta_err	 rc;
	struct jta_error err;

	memset(op, 0, sizeof(*op));
	op->front = JTA_OPERATOR_CLI;
	op->owned = 1;
	memset(&err, 0, sizeof(err));
	if ((rc = jta_operator_login(op, login, &err)) != JTA_OK) {
		snprintf(msg, msgsz, "%s", err.detail);
		goto out;
	}
	if ((need & (JTA_OPERATOR_VAULT | JTA_OPERATOR_TOKEN_KEYS)) != 0 &&
	    (rc = jta_vault_open(conf->vault_key_file, &op->vault, msg,
	    msgsz)) != JTA_OK)
		goto out;
	if ((need & JTA_OPERATOR_TOKEN_KEYS) != 0 &&
	    (rc = jta_vault_keys_load(op->vault, conf->token_key_file, msg,
	    msgsz)) != JTA_OK)
		goto out;
	rc = jta_db_open(conf, 0, &op->st, msg, msgsz);
out:
	if (rc != JTA_OK)
		jta_operator_close(op);
	return rc;
}

void
jta_operator_close(struct jta_operator *op)
{
	if (op == NULL || !op->owned)
		return;
	jta_store_close(op->st);
	jta_vault_close(op->vault);
	op->st = NULL;
	op->vault = NULL;
}

/* ---- the kill switch and the access rules ---- */

enum jta_err
jta_operator_switch(struct jta_operator *op, int on, const char *message,
    struct jta_error *err)
{
	enum jta_err	 rc;
	char		 detail[DETAIL_MAX];
	size_t		 n, i;

	if (on || message == NULL || message[0] == '\0')
		message = NULL;
	n = message != NULL ? strlen(message) : 0;
	if (n > JTA_LIMIT_POLICY_MESSAGE)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "message",
		    "the message is %zu bytes; at most %d", n,
		    JTA_LIMIT_POLICY_MESSAGE);
	if (!jta_text_utf8_valid(message != NULL ? message : "", n))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "message",
		    "the message is not UTF-8");
	for (i = 0; i < n; i++)
		if ((unsigned char)message[i] < 0x20 || message[i] == 0x7f)
			return jta_error_set(err, JTA_ERR_INPUT, 422,
			    "message", "the message must be one line without "
			    "control characters");
	if ((rc = jta_store_policy_set(op->st, on, message, jta_time_now(),
	    op->login, err)) != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "%s%s%s", on ? "on" : "off",
	    message != NULL ? ": " : "", message != NULL ? message : "");
	return audit(op, on ? "switch-on" : "switch-off", 200, NULL, NULL,
	    detail, err);
}

/* t as "YYYY-MM-DDTHH:MM:SSZ", or null when 0 (never). */
static json_t *
timejson(int64_t t)
{
	char	 buf[JTA_TIME_STRLEN];

	if (t == 0)
		return json_null();
	jta_time_format(t, buf);
	return json_string(buf);
}

static json_t *
rulejson(const struct jta_store_rule *r)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "id",
	    (json_int_t)r->id, "effect", r->effect, "kind", r->kind, "value",
	    r->value, "scope", r->scope, "created", timejson(r->created),
	    "created_by", r->created_by, "note", r->note);
}

enum jta_err
jta_operator_rule_add(struct jta_operator *op, const char *effect,
    const char *kind, const char *value, const char *scope,
    const char *note, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_store_rule r;
	char		 detail[DETAIL_MAX];
	int64_t		 id = 0, now = jta_time_now();

	*out = NULL;
	memset(&r, 0, sizeof(r));
	if ((rc = jta_policy_rule_make(effect, kind, value, scope, note, &r,
	    err)) != JTA_OK ||
	    (rc = jta_store_rule_add(op->st, &r, now, op->login, &id, err)) !=
	    JTA_OK)
		return rc;
	r.id = id;
	r.created = now;
	snprintf(r.created_by, sizeof(r.created_by), "%s", op->login);
	/* The rule's words, never its note (free text). */
	snprintf(detail, sizeof(detail), "rule %" PRId64 ": %s %s %.64s for "
	    "%s", id, r.effect, r.kind, r.value, r.scope);
	if ((rc = audit(op, "rule-add", 201, NULL, NULL, detail, err)) !=
	    JTA_OK)
		return rc;
	if ((*out = rulejson(&r)) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	return JTA_OK;
}

enum jta_err
jta_operator_rule_remove(struct jta_operator *op, const char *id,
    struct jta_error *err)
{
	enum jta_err	 rc;
	uint64_t	 n;
	char		 detail[64];

	if (jta_text_parse_uint(id, strlen(id), INT64_MAX, &n) != 0 || n == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 404, "id",
		    "a rule id is a whole number from 1 (see the rules)");
	if ((rc = jta_store_rule_remove(op->st, (int64_t)n, err)) != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "rule %" PRIu64 " removed", n);
	return audit(op, "rule-remove", 204, NULL, NULL, detail, err);
}

/*
 * A quota of qs (jta_store_quota_list) set after last's "at" makes it
 * the last configuration change (their times are RFC 3339 UTC strings
 * like ours, which sort as the times do).
 */
static enum jta_err
lastquota(const json_t *qs, json_t *last)
{
	json_t		*q;
	const char	*at, *newest;
	char		 what[JTA_LIMIT_USAGE_SITE + 64];
	size_t		 i;

	json_array_foreach(qs, i, q) {
		at = json_string_value(json_object_get(q, "created"));
		newest = json_string_value(json_object_get(last, "at"));
		if (at == NULL || (newest != NULL && strcmp(at, newest) < 0))
			continue;
		snprintf(what, sizeof(what), "quota set: %s %s %s",
		    json_string_value(json_object_get(q, "scope")),
		    json_string_value(json_object_get(q, "subject")),
		    json_string_value(json_object_get(q, "metric")));
		if (json_object_set_new(last, "at", json_string(at)) != 0 ||
		    json_object_set(last, "by", json_object_get(q,
		    "created_by")) != 0 || json_object_set_new(last, "what",
		    json_string(what)) != 0)
			return JTA_ERR_NOMEM;
	}
	return JTA_OK;
}

enum jta_err
jta_operator_state(struct jta_operator *op, size_t audit_rows, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_store_policy pol;
	struct jta_store_rule *rules = NULL;
	struct jta_audit_filter f;
	json_t		*arr = NULL, *usage = NULL, *audit = NULL;
	json_t		*last = NULL, *quotas = NULL;
	size_t		 n = 0, i;
	int64_t		 lat;
	const char	*lby, *lwhat;
	char		 what[64];

	*out = NULL;
	memset(&pol, 0, sizeof(pol));
	memset(&f, 0, sizeof(f));
	f.limit = (int64_t)audit_rows;
	if ((rules = calloc(JTA_LIMIT_POLICY_RULES, sizeof(*rules))) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if ((rc = jta_store_policy_get(op->st, &pol, err)) != JTA_OK ||
	    (rc = jta_store_rule_list(op->st, rules, JTA_LIMIT_POLICY_RULES,
	    &n, err)) != JTA_OK ||
	    (rc = jta_store_quota_list(op->st, &quotas, err)) != JTA_OK)
		goto out;
	if ((rc = jta_store_usage_summary(op->st, jta_time_now(), &usage)) !=
	    JTA_OK) {
		jta_error_set(err, rc, jta_err_status(rc), NULL,
		    "the usage could not be read; the log has details");
		goto out;
	}
	/* Answered from knowledge this month, next to the creates (the
	 * deflection figure, jta_kb.h). */
	{
		struct jta_store_period p;
		json_t	*kn = NULL;

		jta_store_usage_period(jta_time_now(), &p);
		if ((rc = jta_kb_deflection(op->st, p.month, p.day, &kn,
		    err)) != JTA_OK)
			goto out;
		if (json_object_set_new(usage, "knowledge", kn) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if (audit_rows > 0 && (rc = jta_store_audit_query(op->st, &f, &audit,
	    err)) != JTA_OK)
		goto out;
	if ((arr = json_array()) == NULL || (audit == NULL &&
	    (audit = json_array()) == NULL)) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	/* The last configuration change: the switch's, or the newest
	 * rule's if it came later.  (A rule's removal leaves no date in
	 * the store; the audit rows show it.) */
	lat = pol.changed_at;
	lby = pol.changed_by;
	lwhat = pol.changed_at != 0 ? (pol.enabled ? "switched on" :
	    "switched off") : "none";
	for (i = 0; i < n; i++) {
		if (json_array_append_new(arr, rulejson(&rules[i])) != 0) {
			rc = JTA_ERR_NOMEM;
			goto out;
		}
		if (rules[i].created >= lat) {
			lat = rules[i].created;
			lby = rules[i].created_by;
			snprintf(what, sizeof(what), "rule %" PRId64 " added",
			    rules[i].id);
			lwhat = what;
		}
	}
	last = json_pack("{s:o, s:s, s:s}", "at", timejson(lat), "by", lby,
	    "what", lwhat);
	if (last == NULL || (rc = lastquota(quotas, last)) != JTA_OK) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	*out = json_pack("{s:b, s:s, s:o, s:s, s:O, s:O, s:O, s:O, s:O}",
	    "enabled", pol.enabled, "message", pol.message, "changed_at",
	    timejson(pol.changed_at), "changed_by", pol.changed_by, "rules",
	    arr, "quotas", quotas, "usage", usage, "audit", audit,
	    "last_change", last);
	rc = *out != NULL ? JTA_OK : JTA_ERR_NOMEM;
out:
	if (rc == JTA_ERR_NOMEM)
		jta_error_set(err, rc, 500, NULL, "out of memory");
	json_decref(arr);
	json_decref(usage);
	json_decref(audit);
	json_decref(last);
	json_decref(quotas);
	free(rules);
	return rc;
}

/* ---- usage and quotas ---- */

/* "person alice: calls per day", or "(default)" for "*". */
static void
quotaname(const struct jta_store_quota *q, char *buf, size_t bufsz)
{
	snprintf(buf, bufsz, "%s %s: %s per %s", q->scope,
	    strcmp(q->subject, "*") == 0 ? "(default)" : q->subject, q->metric,
	    q->per);
}

/* The string member name of o, or "" when absent. */
static const char *
member(const json_t *o, const char *name)
{
	const char	*v = json_string_value(json_object_get(o, name));

	return v != NULL ? v : "";
}

/* The limit of the quota q names in qs (jta_store_quota_list), or -1
 * when there is none yet. */
static int64_t
quotalimit(const json_t *qs, const struct jta_store_quota *q)
{
	const json_t	*o;
	size_t		 i;

	json_array_foreach(qs, i, o)
		if (strcmp(member(o, "scope"), q->scope) == 0 &&
		    strcmp(member(o, "subject"), q->subject) == 0 &&
		    strcmp(member(o, "metric"), q->metric) == 0 &&
		    strcmp(member(o, "per"), q->per) == 0)
			return (int64_t)json_integer_value(json_object_get(o,
			    "limit"));
	return -1;
}

enum jta_err
jta_operator_quota_set(struct jta_operator *op, const char *scope,
    const char *subject, const char *metric, const char *per, int64_t limit,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_store_quota q;
	json_t		*qs = NULL;
	char		 name[JTA_LIMIT_USAGE_SITE + 64];
	char		 detail[JTA_LIMIT_USAGE_SITE + 128];
	int64_t		 prev;

	*out = NULL;
	if ((rc = jta_usage_quota_make(scope, subject != NULL ? subject : "*",
	    metric, per, &q, err)) != JTA_OK ||
	    (rc = jta_store_quota_list(op->st, &qs, err)) != JTA_OK)
		goto out;
	/* The words are right (jta_usage_quota_make); a person who is not
	 * a user is a thing that is not there, as the answer's 422 says. */
	if ((rc = jta_usage_quota_check(op->st, &q, limit, err)) != JTA_OK) {
		if (rc == JTA_ERR_INPUT && strcmp(err->field, "person") == 0)
			rc = JTA_ERR_NOTFOUND;
		goto out;
	}
	prev = quotalimit(qs, &q);
	if ((rc = jta_store_quota_set(op->st, &q, jta_time_now(), op->login,
	    err)) != JTA_OK)
		goto out;
	quotaname(&q, name, sizeof(name));
	if (prev < 0)
		snprintf(detail, sizeof(detail), "%s: %" PRId64 " (new)", name,
		    q.limit);
	else
		snprintf(detail, sizeof(detail), "%s: %" PRId64 " (was %"
		    PRId64 ")", name, q.limit, prev);
	if ((rc = audit(op, "quota-set", 200, NULL, NULL, detail, err)) !=
	    JTA_OK)
		goto out;
	if ((*out = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "scope",
	    q.scope, "subject", q.subject, "metric", q.metric, "per", q.per,
	    "limit", (json_int_t)q.limit, "previous_limit", prev < 0 ?
	    json_null() : json_integer((json_int_t)prev))) == NULL)
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
out:
	json_decref(qs);
	return rc;
}

enum jta_err
jta_operator_quota_remove(struct jta_operator *op, const char *scope,
    const char *subject, const char *metric, const char *per, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_store_quota q;
	char		 name[JTA_LIMIT_USAGE_SITE + 64];

	if (out != NULL)
		*out = NULL;
	/* per NULL removes the quota of either period; "day" only stands
	 * in for it in the check. */
	if ((rc = jta_usage_quota_make(scope, subject != NULL ? subject : "*",
	    metric, per != NULL ? per : "day", &q, err)) != JTA_OK ||
	    (rc = jta_store_quota_remove(op->st, q.scope, q.subject,
	    q.metric, per != NULL ? q.per : NULL, err)) != JTA_OK)
		return rc;
	if (per == NULL)
		snprintf(q.per, sizeof(q.per), "any");
	quotaname(&q, name, sizeof(name));
	if ((rc = audit(op, "quota-remove", 204, NULL, NULL, name, err)) !=
	    JTA_OK)
		return rc;
	if (out != NULL && (*out = json_pack("{s:s, s:s, s:s, s:s}", "scope",
	    q.scope, "subject", q.subject, "metric", q.metric, "per",
	    q.per)) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	return JTA_OK;
}

enum jta_err
jta_operator_quota_list(struct jta_operator *op, json_t **out,
    struct jta_error *err)
{
	*out = NULL;
	return jta_store_quota_list(op->st, out, err);
}

enum jta_err
jta_operator_audit_query(struct jta_operator *op,
    const struct jta_audit_filter *f, json_t **out, struct jta_error *err)
{
	*out = NULL;
	return jta_store_audit_query(op->st, f, out, err);
}

enum jta_err
jta_operator_audit_purge(struct jta_operator *op, int days, int64_t *total,
    struct jta_error *err)
{
	enum jta_err	 rc;
	int64_t		 gone, before;
	char		 detail[96];

	*total = 0;
	before = jta_time_now() - (int64_t)days * 86400;
	do {
		if ((rc = jta_store_audit_purge(op->st, before,
		    JTA_AUDIT_PURGE_BATCH, &gone, err)) != JTA_OK)
			return rc;
		*total += gone;
	} while (gone > 0);
	snprintf(detail, sizeof(detail), "purged %" PRId64 " rows older than "
	    "%d days", *total, days);
	return audit(op, "audit-purge", 200, NULL, NULL, detail, err);
}

/* ---- people, API keys, projects ---- */

enum jta_err
jta_operator_user_add(struct jta_operator *op, const char *name,
    const char *display, const char *email, struct jta_error *err)
{
	enum jta_err	 rc;
	char		 detail[JTA_LIMIT_NAME + 16];

	if ((rc = check(&f_user, name, err)) != JTA_OK ||
	    (display != NULL && (rc = check(&f_display, display, err)) !=
	    JTA_OK) ||
	    (email != NULL && (rc = check(&f_email, email, err)) != JTA_OK))
		return rc;
	if (email != NULL && strchr(email, '@') == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "email",
		    "email must hold an '@'");
	if ((rc = jta_store_user_add(op->st, name, display != NULL ? display :
	    name, email, NULL, err)) != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "user %s", name);
	return audit(op, "user-add", 201, NULL, NULL, detail, err);
}

enum jta_err
jta_operator_key_create(struct jta_operator *op, const char *user,
    const char *label, char token[JTA_VAULT_TOKENLEN + 1],
    char id[JTA_VAULT_IDLEN + 1], struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_user	 u;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 detail[JTA_LIMIT_NAME + 64];

	token[0] = '\0';
	id[0] = '\0';
	if ((rc = check(&f_user, user, err)) != JTA_OK ||
	    (label != NULL && (rc = check(&f_label, label, err)) != JTA_OK))
		return rc;
	if (op->vault == NULL)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "making a key needs the vault");
	if ((rc = jta_store_user_get(op->st, user, &u, err)) != JTA_OK)
		return rc;
	if ((rc = jta_vault_token_new(op->vault, token, id, hash)) != JTA_OK)
		return jta_error_set(err, rc, 500, NULL,
		    "could not make a key");
	if ((rc = jta_store_key_add(op->st, u.id, id, hash, label, err)) !=
	    JTA_OK) {
		sodium_memzero(token, JTA_VAULT_TOKENLEN + 1);
		return rc;
	}
	/* Not the key's id: it is the start of the key itself. */
	snprintf(detail, sizeof(detail), "API key for %s", u.name);
	return audit(op, "key-create", 201, NULL, NULL, detail, err);
}

enum jta_err
jta_operator_key_revoke(struct jta_operator *op, const char *id,
    struct jta_error *err)
{
	enum jta_err	 rc;

	if (strlen(id) != JTA_VAULT_IDLEN ||
	    strspn(id, "0123456789abcdef") != JTA_VAULT_IDLEN)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "id",
		    "a key id is %d hex digits (see the key list)",
		    JTA_VAULT_IDLEN);
	if ((rc = jta_store_key_revoke(op->st, id, err)) != JTA_OK)
		return rc;
	/* Not the id: it is the start of the key itself. */
	return audit(op, "key-revoke", 204, NULL, NULL, "an API key revoked",
	    err);
}

/* Jira Service Management in the embedded store: the local fields a
 * request type may ask for (summary always). */
static const char *const rt_fields[] = { "summary", "description",
    "priority", "labels", "assignee", NULL };
static const struct jta_field f_rtname = { "request type", JTA_FT_STRING,
    0, 1, JTA_LIMIT_NAME, NULL };
static const struct jta_field f_rttext = { "text", JTA_FT_STRING, 0, 0,
    JTA_LIMIT_RT_TEXT, NULL };

/* fields: a comma list of rt_fields; the canonical list into out, with
 * summary first.  422 naming "fields" otherwise. */
static enum jta_err
rtfields(const char *fields, char *out, size_t outsz, struct jta_error *err)
{
	const char	*p = fields, *e;
	size_t		 i, n;
	int		 want[6] = { 1, 0, 0, 0, 0, 0 };

	while (p != NULL && *p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		for (i = 0; rt_fields[i] != NULL; i++)
			if (strlen(rt_fields[i]) == n &&
			    strncmp(rt_fields[i], p, n) == 0)
				break;
		if (rt_fields[i] == NULL)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "fields",
			    "fields is a comma list of summary, description, "
			    "priority, labels, assignee");
		want[i] = 1;
		p = e != NULL ? e + 1 : NULL;
	}
	out[0] = '\0';
	for (i = 0; rt_fields[i] != NULL; i++)
		if (want[i]) {
			if (out[0] != '\0')
				strncat(out, ",", outsz - strlen(out) - 1);
			strncat(out, rt_fields[i], outsz - strlen(out) - 1);
		}
	return JTA_OK;
}

enum jta_err
jta_operator_requesttype_add(struct jta_operator *op, const char *project,
    const char *name, const char *description, const char *help_text,
    const char *fields, struct jta_error *err)
{
	enum jta_err	 rc;
	char		 list[JTA_LIMIT_RT_FIELDS + 1], detail[160];
	int64_t		 id;

	if ((rc = check(&f_project, project, err)) != JTA_OK ||
	    (rc = check(&f_rtname, name, err)) != JTA_OK ||
	    (description != NULL && (rc = check(&f_rttext, description,
	    err)) != JTA_OK) || (help_text != NULL && (rc = check(&f_rttext,
	    help_text, err)) != JTA_OK) ||
	    (rc = rtfields(fields != NULL ? fields : "summary,description",
	    list, sizeof(list), err)) != JTA_OK)
		return rc;
	rc = jta_store_rtype_add(op->st, project, name, description, help_text,
	    list, &id, err);
	if (rc == JTA_ERR_NOTFOUND)
		return jta_error_set(err, rc, 404, "project", "there is no "
		    "project %s", project);
	if (rc == JTA_ERR_CONFLICT)
		return jta_error_set(err, rc, 409, "name", "%s has a request "
		    "type of that name already", project);
	if (rc == JTA_ERR_INPUT)
		return jta_error_set(err, rc, 422, "project", "%s has %d "
		    "request types, the most it may have", project,
		    JTA_LIMIT_RT_TYPES);
	if (rc != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "request type %.64s in %s", name,
	    project);
	return audit(op, "requesttype-add", 201, NULL, NULL, detail, err);
}

enum jta_err
jta_operator_requesttype_remove(struct jta_operator *op, const char *project,
    const char *name, struct jta_error *err)
{
	enum jta_err	 rc;
	char		 detail[160];

	if ((rc = check(&f_project, project, err)) != JTA_OK ||
	    (rc = check(&f_rtname, name, err)) != JTA_OK)
		return rc;
	rc = jta_store_rtype_remove(op->st, project, name, err);
	if (rc == JTA_ERR_NOTFOUND)
		return jta_error_set(err, rc, 404, "name", "%s has no request "
		    "type of that name", project);
	if (rc == JTA_ERR_CONFLICT)
		return jta_error_set(err, rc, 409, "name", "requests were "
		    "raised with it; it stays");
	if (rc != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "request type %.64s in %s", name,
	    project);
	return audit(op, "requesttype-remove", 200, NULL, NULL, detail, err);
}

enum jta_err
jta_operator_cache_clear(struct jta_operator *op, const char *site,
    int64_t *n, struct jta_error *err)
{
	enum jta_err	 rc;
	char		 detail[JTA_LIMIT_CLOUD_ID + 64];
	size_t		 i;

	*n = 0;
	/* A cloud id is a UUID: hex digits and dashes. */
	if (site != NULL) {
		for (i = 0; site[i] != '\0'; i++)
			if (!((site[i] >= '0' && site[i] <= '9') ||
			    (site[i] >= 'a' && site[i] <= 'f') ||
			    (site[i] >= 'A' && site[i] <= 'F') ||
			    site[i] == '-'))
				break;
		if (i == 0 || site[i] != '\0' || i > JTA_LIMIT_CLOUD_ID)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "site",
			    "site must be a cloud id (hex digits and dashes)");
	}
	if ((rc = jta_store_meta_clear(op->st, site, n, err)) != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "%lld entries of %s", (long long)*n,
	    site != NULL ? site : "every site");
	return audit(op, "cache-clear", 200, NULL, site, detail, err);
}

enum jta_err
jta_operator_search_optimize(struct jta_operator *op,
    struct jta_store_search_segments *before,
    struct jta_store_search_segments *after, struct jta_error *err)
{
	enum jta_err	 rc;
	char		 detail[128];

	if ((rc = jta_store_search_optimize(op->st, before, after, err)) !=
	    JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "segments: words %lld to %lld, "
	    "trigrams %lld to %lld", (long long)before->words,
	    (long long)after->words, (long long)before->trigrams,
	    (long long)after->trigrams);
	return audit(op, "search-optimize", 200, NULL, NULL, detail, err);
}

enum jta_err
jta_operator_project_add(struct jta_operator *op, const char *key,
    const char *name, const char *types, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_req	*req = NULL;
	json_t		*in = NULL, *list = NULL;
	char		 detail[64];

	if ((rc = check(&f_project, key, err)) != JTA_OK ||
	    (rc = check(&f_pname, name, err)) != JTA_OK)
		goto out;
	if (types != NULL) {
		/* The same list rules as labels (no blanks, no commas), by
		 * the query parser that reads them. */
		if ((req = calloc(1, sizeof(*req))) == NULL) {
			rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
			goto out;
		}
		if (strlen(types) + 6 >= sizeof(req->query)) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "types",
			    "types is too long");
			goto out;
		}
		snprintf(req->query, sizeof(req->query), "types=%s", types);
		if ((rc = jta_req_query(req, &f_types, 1, &in, err)) != JTA_OK)
			goto out;
		if ((list = json_object_get(in, "types")) == NULL) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 422, "types",
			    "give a comma-separated list of type names");
			goto out;
		}
	}
	if ((rc = jta_store_project_add(op->st, key, name, list, err)) !=
	    JTA_OK)
		goto out;
	snprintf(detail, sizeof(detail), "project %s", key);
	rc = audit(op, "project-add", 201, NULL, NULL, detail, err);
out:
	json_decref(in);
	free(req);
	return rc;
}

enum jta_err
jta_operator_unlink(struct jta_operator *op, const char *name,
    struct jta_user *user, struct jta_link *was, int *had, int64_t *revoked,
    struct jta_error *err)
{
	enum jta_err	 rc;
	char		 detail[JTA_LIMIT_NAME + 64];

	*had = 0;
	*revoked = 0;
	if ((rc = check(&f_user, name, err)) != JTA_OK ||
	    (rc = jta_store_link_remove(op->st, name, user, was, had, revoked,
	    err)) != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "unlinked %s; %lld tokens revoked",
	    user->name, (long long)*revoked);
	return audit(op, "unlink", 200, *had ? was->account_id : NULL, *had ?
	    was->site_url : NULL, detail, err);
}

/* ---- the OAuth authorization server ---- */

/* A client id as jta_authz makes them: "jtac_" and 24 hex digits. */
static enum jta_err
clientid(const char *s, struct jta_error *err)
{
	if (strlen(s) != JTA_AUTHZ_CLIENT_IDLEN || strncmp(s, "jtac_", 5) !=
	    0 || strspn(s + 5, "0123456789abcdef") != JTA_AUTHZ_CLIENT_IDLEN -
	    5)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "client id",
		    "a client id is 'jtac_' and 24 hex digits (see the "
		    "client list)");
	return JTA_OK;
}

enum jta_err
jta_operator_client_add(struct jta_operator *op, const char *name,
    const char *const *uris, size_t n, char id[JTA_AUTHZ_CLIENT_IDLEN + 1],
    char secret[JTA_AUTHZ_SECRETLEN + 1], struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_authz *az = NULL;
	char		 detail[JTA_LIMIT_CLIENT_NAME + 64];
	char		 why[JTA_ERROR_DETAIL];
	size_t		 i;

	id[0] = '\0';
	if (secret != NULL)
		secret[0] = '\0';
	if ((rc = check(&f_cname, name, err)) != JTA_OK)
		return rc;
	if (n == 0 || n > JTA_LIMIT_REDIRECT_URIS)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "redirect_uri",
		    "a client has 1 to %d redirect URIs",
		    JTA_LIMIT_REDIRECT_URIS);
	/* The rule is jta_url's; the message names the URI by its place
	 * (never quotes it) and says what is wrong. */
	for (i = 0; i < n; i++)
		if ((rc = jta_url_redirect_check(uris[i], err)) != JTA_OK) {
			if (rc != JTA_ERR_INPUT)
				return rc;
			snprintf(why, sizeof(why), "%s", err != NULL ?
			    err->detail : "");
			return jta_error_set(err, JTA_ERR_INPUT, 422,
			    "redirect_uri", "redirect URI %zu: %s; "
			    JTA_URL_REDIRECT_RULE, i + 1, why);
		}
	if (op->vault == NULL)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "adding a client needs the vault");
	if ((rc = authz(op, &az, err)) != JTA_OK)
		return rc;
	rc = secret != NULL ? jta_authz_client_add(az, name, uris, n, id,
	    secret, err) : jta_authz_client_add_public(az, name, uris, n, id,
	    err);
	jta_authz_free(az);
	if (rc != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "client %s: %s%s", id, name,
	    secret != NULL ? "" : " (public)");
	return audit(op, "client-add", 201, NULL, NULL, detail, err);
}

enum jta_err
jta_operator_client_remove(struct jta_operator *op, const char *id,
    struct jta_error *err)
{
	enum jta_err	 rc;
	char		 detail[JTA_AUTHZ_CLIENT_IDLEN + 16];

	if ((rc = clientid(id, err)) != JTA_OK ||
	    (rc = jta_store_client_remove(op->st, id, err)) != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "client %s", id);
	return audit(op, "client-remove", 204, NULL, NULL, detail, err);
}

enum jta_err
jta_operator_client_prune(struct jta_operator *op, int idle_days,
    int64_t now, json_t **removed, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*o;
	size_t		 i;
	char		 detail[JTA_AUTHZ_CLIENT_IDLEN + 64];

	*removed = NULL;
	if (idle_days < 1)
		return jta_error_set(err, JTA_ERR_INPUT, 422,
		    "oauth_registered_client_idle_days",
		    "must be a whole number of days from 1");
	if ((rc = jta_store_client_prune(op->st, now, (int64_t)idle_days *
	    86400, removed, err)) != JTA_OK)
		return rc;
	json_array_foreach(*removed, i, o) {
		snprintf(detail, sizeof(detail), "client %.40s: idle %d days",
		    json_string_value(json_object_get(o, "client_id")),
		    idle_days);
		if ((rc = audit(op, "client-prune", 204, NULL, NULL, detail,
		    err)) != JTA_OK)
			return rc;
	}
	return JTA_OK;
}

enum jta_err
jta_operator_client_rotate(struct jta_operator *op, const char *id,
    char secret[JTA_AUTHZ_SECRETLEN + 1], struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_authz *az = NULL;
	char		 detail[JTA_AUTHZ_CLIENT_IDLEN + 16];

	secret[0] = '\0';
	if ((rc = clientid(id, err)) != JTA_OK)
		return rc;
	if (op->vault == NULL)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a new secret needs the vault");
	if ((rc = authz(op, &az, err)) != JTA_OK)
		return rc;
	rc = jta_authz_client_rotate(az, id, secret, err);
	jta_authz_free(az);
	if (rc != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "client %s", id);
	return audit(op, "client-secret-reset", 200, NULL, NULL, detail, err);
}

enum jta_err
jta_operator_password(struct jta_operator *op, const char *name,
    const char *pw, size_t len, struct jta_error *err)
{
	enum jta_err	 rc;
	struct jta_authz *az = NULL;
	char		 detail[JTA_LIMIT_NAME + 64];
	int64_t		 revoked = 0;

	if ((rc = check(&f_user, name, err)) != JTA_OK)
		return rc;
	if (pw != NULL && (len < JTA_LIMIT_PASSWORD_MIN ||
	    len > JTA_LIMIT_PASSWORD || memchr(pw, '\0', len) != NULL))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "password",
		    "a password is %d to %d bytes on one line",
		    JTA_LIMIT_PASSWORD_MIN, JTA_LIMIT_PASSWORD);
	if (pw != NULL && (rc = authz(op, &az, err)) == JTA_OK) {
		rc = jta_authz_password_set(az, name, pw, len, &revoked,
		    err);
		jta_authz_free(az);
	} else if (pw == NULL)
		rc = jta_store_user_pw_set(op->st, name, NULL, &revoked, err);
	if (rc != JTA_OK)
		return rc;
	snprintf(detail, sizeof(detail), "user %s: %" PRId64 " OAuth tokens "
	    "revoked", name, revoked);
	return audit(op, pw != NULL ? "password-set" : "password-clear", 200,
	    NULL, NULL, detail, err);
}

enum jta_err
jta_operator_key_rotate(struct jta_operator *op, const char *token_key_file,
    int busy_ms, uint32_t *newkid, size_t *resealed, int *passes,
    size_t *left, struct jta_error *err)
{
	enum jta_err	 rc;
	char		 msg[JTA_ERROR_DETAIL];
	char		 detail[96];
	size_t		 done = 0;
	int		 pass, settled = 0;

	*newkid = 0;
	*resealed = 0;
	*passes = 0;
	*left = 0;
	if (op->vault == NULL)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "rotating needs the vault and its token keys");
	if ((rc = jta_vault_keys_add(token_key_file, newkid, msg,
	    sizeof(msg))) != JTA_OK)
		return jta_error_set(err, rc, 500, "token_key_file", "%s", msg);
	if (jta_vault_seal_kid(op->vault) != *newkid)
		return jta_error_set(err, JTA_ERR_CONFLICT, 409,
		    "token_key_file", "token_key_file %s changed under us; "
		    "rotate again", token_key_file);
	for (pass = 1; pass <= ROTATE_PASSES; pass++) {
		if ((rc = jta_store_link_reseal(op->st, op->vault,
		    ROTATE_BATCH, &done, left, err)) != JTA_OK)
			return rc;
		*resealed += done;
		if (*left == 0 && done == 0 && settled)
			break;
		if (*left == 0 && !settled) {
			/* A worker that sealed under the old key just before
			 * the new one appeared may still wait for the write
			 * lock (at most busy_ms): let it land, then make one
			 * more pass. */
			usleep((useconds_t)(busy_ms + ROTATE_PAUSE_MS) * 1000);
			settled = 1;
			continue;
		}
		usleep(ROTATE_PAUSE_MS * 1000);
	}
	*passes = pass;
	if (pass > ROTATE_PASSES)
		return jta_error_set(err, JTA_ERR_BUSY, 503, NULL, "%zu "
		    "Atlassian links are still sealed under an old key after "
		    "%d passes (the log says why); the old keys are kept: "
		    "rotate again later", *left, ROTATE_PASSES);
	if ((rc = jta_vault_keys_retire(token_key_file, *newkid, msg,
	    sizeof(msg))) != JTA_OK)
		return jta_error_set(err, rc, 500, "token_key_file", "%s", msg);
	snprintf(detail, sizeof(detail), "token key %lu; re-sealed %zu links",
	    (unsigned long)*newkid, *resealed);
	return audit(op, "key-rotate", 200, NULL, NULL, detail, err);
}
