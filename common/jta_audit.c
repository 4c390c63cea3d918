#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "jta_audit.h"
#include "jta_log.h"
#include "jta_policy.h"
#include "jta_req.h"
#include "jta_resp.h"
#include "jta_text.h"
#include "jta_store_ops.h"
#include "jta_store_people.h"
#include "jta_time.h"
#include "jta_types.h"

/* Per process: the retention and the writes since the last purge. */
static int64_t	 retention_s = 365 * 86400;
static unsigned	 writes;

void
jta_audit_set_retention(int days)
{
	if (days > 0)
		retention_s = (int64_t)days * 86400;
}

int64_t
jta_audit_retention_s(void)
{
	return retention_s;
}

/* s (NULL: "") is one line of UTF-8 of at most max bytes. */
static int
word_ok(const char *s, size_t max, int required)
{
	size_t	 n, i;

	if (s == NULL)
		return !required;
	n = strlen(s);
	if ((required && n == 0) || n > max || !jta_text_utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Copy detail into out, control characters as '?', cut at a character
 * boundary so that it stays UTF-8. */
static void
clip(const char *detail, char *out, size_t outsz)
{
	size_t	 n, i;

	snprintf(out, outsz, "%s", detail != NULL ? detail : "");
	n = strlen(out);
	/* The copy was cut: drop the bytes of a character cut in two (at
	 * most 3 of a 4-byte UTF-8 sequence). */
	if (detail != NULL && strlen(detail) > n)
		for (i = 0; i < 3 && n > 0 && !jta_text_utf8_valid(out, n); i++)
			out[--n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
	if (!jta_text_utf8_valid(out, n))
		for (i = 0; i < n; i++)
			if ((unsigned char)out[i] > 0x7e)
				out[i] = '?';
}

enum jta_err
jta_audit_write(struct jta_store *st, const struct jta_audit_event *ev,
    struct jta_error *err)
{
	struct jta_audit_event e = *ev;
	struct jta_error pe;
	char		 detail[JTA_AUDIT_DETAIL_MAX + 1];
	const char	*bad = NULL;
	int64_t		 gone = 0;
	enum jta_err	 rc;

	if (!word_ok(ev->who, JTA_AUDIT_WHO_MAX, 1))
		bad = "who";
	else if (!word_ok(ev->action, JTA_AUDIT_WORD_MAX, 1))
		bad = "action";
	else if (!word_ok(ev->account_id, JTA_LIMIT_ACCOUNT_ID, 0))
		bad = "account_id";
	else if (!word_ok(ev->site, JTA_LIMIT_SITE_URL, 0))
		bad = "site";
	else if (!word_ok(ev->issue_key, JTA_AUDIT_WORD_MAX, 0))
		bad = "issue_key";
	else if (!word_ok(ev->endpoint, JTA_AUDIT_WORD_MAX, 0))
		bad = "endpoint";
	else if (ev->status < 0 || ev->status > 999)
		bad = "status";
	if (bad != NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, bad,
		    "the audit event's %s is empty, too long or not one line "
		    "of UTF-8", bad);
	clip(ev->detail, detail, sizeof(detail));
	e.detail = detail;
	if (e.when == 0)
		e.when = jta_time_now();
	if ((rc = jta_store_audit_add(st, &e, err)) != JTA_OK)
		return rc;
	/* Retention, on the way: a bounded batch now and then, so that
	 * no write pays for a long backlog. */
	if (writes++ % JTA_AUDIT_PURGE_EVERY == 0) {
		memset(&pe, 0, sizeof(pe));
		if (jta_store_audit_purge(st, e.when - retention_s,
		    JTA_AUDIT_PURGE_BATCH, &gone, &pe) != JTA_OK)
			jta_warn("audit: purge of expired rows failed");
		else if (gone > 0)
			jta_info("audit: purged %lld expired rows",
			    (long long)gone);
	}
	return JTA_OK;
}

/* Fill account and site of user: their link in Jira mode. */
static void
whosite(struct jta_store *st, int jira, int64_t uid, struct jta_link *l,
    const char **account, const char **site)
{
	struct jta_error e;

	*account = NULL;
	*site = jira ? NULL : "local";
	memset(&e, 0, sizeof(e));
	if (jira && uid != 0 && jta_store_link_identity(st, uid, l, &e) ==
	    JTA_OK) {
		*account = l->account_id;
		*site = l->site_url;
	}
}

/* The action a changing request takes, or NULL when it changes nothing
 * we log. */
static const char *
action(const struct jta_req *req, const struct jta_policy_op *op)
{
	const char	*ep = op->endpoint;

	if (op->cls == JTA_POLICY_READ || req->method == JTA_METHOD_GET ||
	    req->method == JTA_METHOD_HEAD || req->method == JTA_METHOD_OTHER)
		return NULL;
	if (strcmp(ep, "drafts.create") == 0)
		return "draft";
	if (strcmp(ep, "drafts") == 0) {
		size_t	 n = strlen(req->path);

		/* POST /api/drafts/{id}/submit files the ticket. */
		if (req->method == JTA_METHOD_POST && n > 7 &&
		    strcmp(req->path + n - 7, "/submit") == 0)
			return "create";
		return "draft";
	}
	/* Jira Service Management: a raise is a create; a request's
	 * comments, transitions and approval answers are changes too. */
	if (strcmp(ep, "requests.create") == 0)
		return "create";
	if (strcmp(ep, "requests") == 0) {
		if (strstr(req->path, "/comments") != NULL)
			return "comment";
		if (strstr(req->path, "/transitions") != NULL)
			return "transition";
		return "approval";
	}
	if (strcmp(ep, "issues.create") != 0 && strcmp(ep, "issue") != 0 &&
	    strcmp(ep, "comments") != 0 && strcmp(ep, "transitions") != 0 &&
	    strcmp(ep, "tickets") != 0)
		return NULL;
	if (req->method == JTA_METHOD_DELETE)
		return "delete";
	if (strcmp(ep, "comments") == 0)
		return "comment";
	if (strcmp(ep, "transitions") == 0)
		return "transition";
	if (req->method == JTA_METHOD_POST)
		return "create";
	return "edit";
}

/* A key, id or draft id: letters, digits, '-', '_', '.'. */
static int
key_ok(const char *s, size_t n)
{
	return n > 0 && n <= JTA_AUDIT_WORD_MAX && strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_.") >= n;
}

/* The last segment of the answer's Location header (a created ticket's
 * browse URL or API URL, a new draft's URL), into out. */
static int
fromlocation(const struct jta_resp *resp, char *out, size_t outsz)
{
	const char	*h = resp->headers, *end = h + resp->hlen, *v, *e;

	while (h < end) {
		e = memchr(h, '\r', (size_t)(end - h));
		if (e == NULL)
			e = end;
		if ((size_t)(e - h) > 10 && strncasecmp(h, "Location: ", 10) ==
		    0) {
			v = h + 10;
			while (e > v && e[-1] == '/')
				e--;
			for (h = e; h > v && h[-1] != '/'; h--)
				;
			if (!key_ok(h, (size_t)(e - h)) ||
			    (size_t)(e - h) >= outsz)
				return 0;
			memcpy(out, h, (size_t)(e - h));
			out[e - h] = '\0';
			return 1;
		}
		h = e + 2;
	}
	return 0;
}

/* The key in the path: /api/issues/KEY..., /api/tickets/ID/,
 * /api/drafts/ID... (and the /oauth/ twins). */
static int
frompath(const char *path, char *out, size_t outsz)
{
	static const char *const pre[] = { "/api/issues/", "/api/tickets/",
	    "/api/drafts/", "/oauth/issues/", "/oauth/tickets/",
	    "/oauth/drafts/", "/api/requests/" };
	const char	*s = NULL;
	size_t		 i, n;

	for (i = 0; i < sizeof(pre) / sizeof(pre[0]) && s == NULL; i++)
		if (strncmp(path, pre[i], strlen(pre[i])) == 0)
			s = path + strlen(pre[i]);
	if (s == NULL)
		return 0;
	n = strcspn(s, "/");
	if (!key_ok(s, n) || n >= outsz)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

/* "request type NAME" from a raise's body (its member request_type, at
 * most 64 bytes, control characters as '?') into out. */
static void
requesttype(const struct jta_req *req, char *out, size_t outsz)
{
	json_error_t	 je;
	json_t		*b;
	const char	*t;
	char		 tmp[80];

	if (req->body == NULL || (b = json_loadb(req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &je)) == NULL)
		return;
	if ((t = json_string_value(json_object_get(b, "request_type"))) !=
	    NULL) {
		snprintf(tmp, sizeof(tmp), "request type %.64s", t);
		clip(tmp, out, outsz);
	}
	json_decref(b);
}

void
jta_audit_request(struct jta_store *st, int jira, const struct jta_req *req,
    const struct jta_user *who, const struct jta_policy_op *op,
    const struct jta_resp *resp, const struct jta_error *err)
{
	struct jta_audit_event ev;
	struct jta_error e;
	struct jta_link	 l;
	char		 key[JTA_AUDIT_WORD_MAX + 1];
	char		 detail[640];	/* jta_audit_write cuts it */
	int		 status, n;

	/* Nobody authenticated: nothing a person did (the web server's
	 * access log has the attempt). */
	if (who == NULL || who->id == 0 || who->name[0] == '\0')
		return;
	memset(&ev, 0, sizeof(ev));
	/* A tool call is audited as the REST request it is. */
	if (op->as != NULL)
		req = op->as;
	if ((ev.action = action(req, op)) == NULL)
		return;
	status = op->status != 0 ? op->status : resp->status != 0 ?
	    resp->status : err->status;
	/* A method the resource does not have tried no change. */
	if (status == 405)
		return;
	key[0] = '\0';
	if (op->key[0] != '\0' && key_ok(op->key, strlen(op->key)))
		snprintf(key, sizeof(key), "%s", op->key);
	else if (!(status < 300 && fromlocation(resp, key, sizeof(key))))
		(void)frompath(req->path, key, sizeof(key));
	/* A refusal says which field or rule, in our own words: a 403 of
	 * the access rules names the rule; other details may quote what
	 * was asked, so only the field goes in. */
	detail[0] = '\0';
	n = 0;
	/* The channel's own name for the operation: the MCP tool. */
	if (op->tool != NULL) {
		n = snprintf(detail, sizeof(detail), "mcp tool %.64s%s",
		    op->tool, (key[0] == '\0' && op->project[0] != '\0') ||
		    (status >= 400 && err->status == status &&
		    (err->field[0] != '\0' || status == 403 ||
		    status == 429)) ? "; " : "");
		if (n < 0 || (size_t)n >= sizeof(detail))
			n = 0;
	}
	/* Without a key (a refused create), the project it was for. */
	if (key[0] == '\0' && op->project[0] != '\0')
		n += snprintf(detail + n, sizeof(detail) - (size_t)n,
		    "project %.16s%s",
		    op->project, status >= 400 && err->status == status &&
		    (err->field[0] != '\0' || status == 403 || status == 429) ?
		    "; " : "");
	if (n < 0 || (size_t)n >= sizeof(detail))
		n = 0;
	if (status >= 400 && err->status == status) {
		if (status == 403 || status == 429)
			snprintf(detail + n, sizeof(detail) - (size_t)n,
			    "%.64s%s%.400s", err->field[0] ? err->field : "",
			    err->field[0] ? ": " : "", err->detail);
		else if (err->field[0] != '\0')
			snprintf(detail + n, sizeof(detail) - (size_t)n,
			    "field %.64s", err->field);
	}
	/* A raise names its request type (a name the desk offers: the
	 * raise succeeded; never the request's text). */
	if (strcmp(op->endpoint, "requests.create") == 0 && status == 201 &&
	    (n = (int)strlen(detail)) >= 0 && (size_t)n < sizeof(detail))
		requesttype(req, detail + n, sizeof(detail) - (size_t)n);
	ev.who = who->name;
	whosite(st, jira, who->id, &l, &ev.account_id, &ev.site);
	ev.issue_key = key;
	ev.endpoint = op->endpoint;
	ev.status = status;
	ev.detail = detail;
	memset(&e, 0, sizeof(e));
	if (jta_audit_write(st, &ev, &e) != JTA_OK)
		jta_errorlog("audit: could not log %s by %s: %s", ev.action,
		    who->name, e.detail);
}

void
jta_audit_signin(struct jta_store *st, int jira, const struct jta_user *user,
    const char *name, const char *endpoint, int status, const char *detail)
{
	struct jta_audit_event ev;
	struct jta_error e;
	struct jta_link	 l;
	char		 tried[JTA_LIMIT_NAME + 1];

	memset(&ev, 0, sizeof(ev));
	ev.action = "sign-in";
	ev.endpoint = endpoint;
	ev.status = status;
	ev.detail = detail;
	if (user != NULL) {
		ev.who = user->name;
		whosite(st, jira, user->id, &l, &ev.account_id, &ev.site);
	} else {
		/* The name tried is input: one line, bounded, or a mark. */
		if (name != NULL && word_ok(name, JTA_LIMIT_NAME, 1))
			snprintf(tried, sizeof(tried), "%s", name);
		else
			snprintf(tried, sizeof(tried), "%s", "(unreadable)");
		ev.who = tried;
		ev.site = jira ? NULL : "local";
	}
	memset(&e, 0, sizeof(e));
	if (jta_audit_write(st, &ev, &e) != JTA_OK)
		jta_errorlog("audit: could not log a sign-in: %s", e.detail);
}
