/*
 * /browse/KEY: a ticket's page for people, the "url" of every answer with
 * the embedded store (in Jira mode that url is the site's own
 * /browse/KEY, and this program only says so).  It shows the summary,
 * status, description and comments to a person signed in with the local
 * sign-in (the user name and password of /oauth/authorize,
 * jta_authz_password_login and its lockout), as HTML escaped by jta_resp
 * under its strict CSP.  A browser without a session is sent to
 * /browse/signin?key=KEY, never answered with JSON.
 *
 * The session is a cookie holding "expires:name:mac", the mac the vault's
 * keyed hash of "jta-browse-session\n" expires ":" name: nothing is
 * stored, it cannot be forged without the vault key, and it lasts
 * SESSION_TTL at most (HttpOnly, SameSite=Lax, Secure and the __Host-
 * prefix when public_url is https).  The mac also covers the stamp of the
 * person's current password (jta_authz_password_stamp), so setting or
 * clearing it ends every session; the person must still exist, and the
 * access rules are checked for the ticket's project on every page.
 *
 * The sign-in form is CSRF-safe: GET /browse/signin sets a random value in
 * a SameSite=Strict cookie and puts its keyed hash in the form; the POST
 * must bring both, and a cross-site Origin or Sec-Fetch-Site is refused.
 * The only place it redirects to is this service's own /browse/KEY, KEY
 * a validated issue key: no open redirect.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "jta_authz.h"
#include "jta_fcgi.h"
#include "jta_log.h"
#include "jta_text.h"
#include "jta_time.h"
#include "jta_url.h"

/* How long a session lasts (a password change ends it at once). */
#define SESSION_TTL	(30 * 60)
/* How long a sign-in form may wait for its POST. */
#define SIGNIN_TTL	(10 * 60)
/* A keyed hash in hex. */
#define MACHEX		(2 * JTA_VAULT_HASHBYTES)
/* "expires:name:mac" */
#define SESSION_MAX	(20 + 1 + JTA_LIMIT_NAME + 1 + MACHEX)
/* Comments shown, at most (the store shows JTA_LIMIT_COMMENTS_SHOWN). */
#define COMMENTS_MAX	JTA_LIMIT_COMMENTS_SHOWN

static const struct jta_field signin_query[] = {
	{ "key", JTA_FT_ISSUEKEY, JTA_F_REQUIRED, 0, 0, NULL },
};

static const struct jta_field signin_form[] = {
	{ "key", JTA_FT_ISSUEKEY, JTA_F_REQUIRED, 0, 0, NULL },
	{ "csrf", JTA_FT_STRING, JTA_F_REQUIRED, MACHEX, MACHEX, NULL },
	{ "username", JTA_FT_STRING, 0, 1, JTA_LIMIT_NAME, NULL },
	{ "password", JTA_FT_STRING, 0, 1, JTA_LIMIT_PASSWORD, NULL },
};

#define NF(t)	(sizeof(t) / sizeof((t)[0]))

static const char *
str(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static int
https(const struct jta_ctx *ctx)
{
	struct jta_url	 u;

	return jta_url_base_check(ctx->conf.public_url, "public_url", &u,
	    NULL) == JTA_OK && strcmp(u.scheme, "https") == 0;
}

/* A cookie's name: the __Host- prefix (RFC 6265bis §4.1.3.2) binds it to
 * this host, Secure and Path=/, when we are served over https. */
static const char *
cname(const struct jta_ctx *ctx, int session)
{
	if (https(ctx))
		return session ? "__Host-jta_session" : "__Host-jta_signin";
	return session ? "jta_session" : "jta_signin";
}

/* A page for the person. */
static enum jta_err
page(struct jta_resp *resp, int status, const char *title, const char *text)
{
	struct jta_page	 pg;

	memset(&pg, 0, sizeof(pg));
	pg.title = title;
	pg.text = text;
	return jta_resp_page(resp, status, &pg);
}

/* Send a page for an error of ours and return the error for the log. */
static enum jta_err
failed(struct jta_resp *resp, enum jta_err rc, struct jta_error *err,
    const char *title)
{
	int	 status = err->status >= 400 && err->status < 600 ?
		    err->status : 500;

	(void)page(resp, status, title, status < 500 && err->detail[0] != '\0'
	    ? err->detail : "Something went wrong on this server; try again "
	    "in a moment.");
	return rc;
}

/* The keyed hash of what ":" s in hex (MACHEX + 1 bytes). */
static void
mac(const struct jta_ctx *ctx, const char *what, const char *s,
    char hex[MACHEX + 1])
{
	unsigned char	 h[JTA_VAULT_HASHBYTES];
	char		 buf[64 + SESSION_MAX + 1 + MACHEX];
	int		 n;

	n = snprintf(buf, sizeof(buf), "jta-browse-%s\n%s", what, s);
	jta_vault_hash(ctx->vault, buf, n > 0 && (size_t)n < sizeof(buf) ?
	    (size_t)n : 0, h);
	sodium_bin2hex(hex, MACHEX + 1, h, sizeof(h));
	sodium_memzero(buf, sizeof(buf));
}

/* The value of cookie name in req's Cookie header (RFC 6265 §4.2.1:
 * "a=b; c=d") into out; 0 when found and it fits, else -1. */
static int
cookie(const struct jta_req *req, const char *name, char *out, size_t outsz)
{
	const char	*p = req->cookie, *end;
	size_t		 nl = strlen(name), vl;

	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		end = p + strcspn(p, ";");
		if ((size_t)(end - p) > nl && strncmp(p, name, nl) == 0 &&
		    p[nl] == '=') {
			vl = (size_t)(end - p) - nl - 1;
			if (vl == 0 || vl >= outsz)
				return -1;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return 0;
		}
		p = end;
	}
	return -1;
}

/* Add a Set-Cookie header: HttpOnly, Path=/, max_age seconds (0 clears
 * it), samesite "Lax" or "Strict", Secure over https. */
static enum jta_err
setcookie(struct jta_resp *resp, const struct jta_ctx *ctx, int session,
    const char *value, int max_age, const char *samesite)
{
	char	 h[SESSION_MAX + 160];

	snprintf(h, sizeof(h), "%s=%s; Max-Age=%d; Path=/; HttpOnly; "
	    "SameSite=%s%s", cname(ctx, session), value, max_age, samesite,
	    https(ctx) ? "; Secure" : "");
	return jta_resp_header(resp, "Set-Cookie", h);
}

/* The session's mac: of "expires:name" and the stamp of name's current
 * password.  -1 when name has no password (or is gone). */
static int
session_mac(const struct jta_ctx *ctx, const char *sess, const char *name,
    struct jta_user *u, char want[MACHEX + 1])
{
	unsigned char	 stamp[JTA_VAULT_HASHBYTES];
	char		 s[SESSION_MAX + 1 + MACHEX + 1];
	struct jta_error e;

	if (jta_authz_password_stamp(ctx->authz, name, u, stamp, &e) !=
	    JTA_OK)
		return -1;
	snprintf(s, sizeof(s), "%s\n", sess);
	sodium_bin2hex(s + strlen(s), MACHEX + 1, stamp, sizeof(stamp));
	mac(ctx, "session", s, want);
	sodium_memzero(stamp, sizeof(stamp));
	sodium_memzero(s, sizeof(s));
	return 0;
}

/* The person of req's session cookie into *u: 1, or 0 without a valid
 * session (none, forged, expired, the person is gone or their password
 * changed since). */
static int
session(const struct jta_ctx *ctx, const struct jta_req *req,
    struct jta_user *u)
{
	char		 v[SESSION_MAX + 1], want[MACHEX + 1];
	char		*c1, *c2;
	uint64_t	 exp;
	int64_t		 now = jta_time_now();

	if (cookie(req, cname(ctx, 1), v, sizeof(v)) != 0 ||
	    (c1 = strchr(v, ':')) == NULL || (c2 = strchr(c1 + 1, ':')) ==
	    NULL || strlen(c2 + 1) != MACHEX)
		return 0;
	*c2 = '\0';
	if (c2 - c1 - 1 < 1 || c2 - c1 - 1 > JTA_LIMIT_NAME ||
	    session_mac(ctx, v, c1 + 1, u, want) != 0 ||
	    sodium_memcmp(want, c2 + 1, MACHEX) != 0) {
		memset(u, 0, sizeof(*u));
		return 0;
	}
	*c1 = '\0';
	if (jta_text_parse_uint(v, strlen(v), (uint64_t)INT64_MAX, &exp) != 0 ||
	    (int64_t)exp <= now || (int64_t)exp > now + SESSION_TTL) {
		memset(u, 0, sizeof(*u));
		return 0;
	}
	return 1;
}

/* 0 when the request may be a submission of our own form: no Origin or
 * one equal to public_url's, no Sec-Fetch-Site or "same-origin". */
static int
cross_site(const struct jta_ctx *ctx, const struct jta_req *req)
{
	struct jta_url	 u;
	char		 o[JTA_CONF_URL_MAX];

	if (req->sec_fetch_site[0] != '\0' &&
	    strcmp(req->sec_fetch_site, "same-origin") != 0)
		return 1;
	if (req->origin[0] == '\0')
		return 0;
	/* public_url's origin, scheme://host[:port] (jta_url; RFC 6454
	 * §6.2), as a browser writes it; when it cannot be had, cross. */
	if (jta_url_base_check(ctx->conf.public_url, "public_url", &u, NULL) !=
	    JTA_OK || jta_url_origin(&u, o, sizeof(o)) != JTA_OK)
		return 1;
	return strcmp(req->origin, o) != 0;
}

/* The sign-in form for key, with a fresh form value in a cookie. */
static enum jta_err
signin_page(struct jta_ctx *ctx, struct jta_resp *resp, int status,
    const char *key, const char *username, const char *text)
{
	struct jta_page_hidden hidden[2];
	struct jta_page_form form;
	struct jta_page	 pg;
	char		 r[JTA_VAULT_RANDLEN + 1], csrf[MACHEX + 1];
	enum jta_err	 rc;

	jta_vault_random(r);
	mac(ctx, "signin", r, csrf);
	if ((rc = setcookie(resp, ctx, 0, r, SIGNIN_TTL, "Strict")) != JTA_OK)
		goto out;
	hidden[0].name = "key";
	hidden[0].value = key;
	hidden[1].name = "csrf";
	hidden[1].value = csrf;
	memset(&form, 0, sizeof(form));
	form.action = "/browse/signin";
	form.hidden = hidden;
	form.nhidden = 2;
	form.credentials = 1;
	form.username = username;
	form.submit = "Sign in";
	memset(&pg, 0, sizeof(pg));
	pg.title = "Sign in to see the ticket";
	pg.text = text;
	pg.form = &form;
	rc = jta_resp_page(resp, status, &pg);
out:
	sodium_memzero(r, sizeof(r));
	return rc;
}

static enum jta_err
signin_get(struct jta_ctx *ctx, const struct jta_req *req,
    struct jta_resp *resp, struct jta_error *err)
{
	json_t		*q = NULL;
	enum jta_err	 rc;

	if ((rc = jta_req_query(req, signin_query, NF(signin_query), &q,
	    err)) != JTA_OK)
		return failed(resp, rc, err, "This link cannot be used");
	rc = signin_page(ctx, resp, 200, str(q, "key"), NULL, "Sign in with "
	    "your user name and password on this server to see the ticket.");
	json_decref(q);
	return rc;
}

static enum jta_err
signin_post(struct jta_ctx *ctx, const struct jta_req *req,
    struct jta_resp *resp, struct jta_error *err)
{
	struct jta_user	 user;
	json_t		*f = NULL;
	char		 r[JTA_VAULT_RANDLEN + 1], want[MACHEX + 1];
	char		 sess[SESSION_MAX + 1], loc[JTA_CONF_URL_MAX + 64];
	const char	*key, *name, *pw, *c;
	int64_t		 exp;
	int		 ok;
	enum jta_err	 rc;

	r[0] = '\0';
	sess[0] = '\0';
	if ((rc = jta_req_form(req, signin_form, NF(signin_form), &f, err)) !=
	    JTA_OK) {
		rc = failed(resp, rc, err, "This sign-in cannot be used");
		goto out;
	}
	key = str(f, "key");
	name = str(f, "username");
	pw = str(f, "password");
	c = str(f, "csrf");
	/* Our own form, from our own page, in this browser (RFC 6265bis
	 * §8.8; the Fetch Metadata and Origin checks as in OWASP's CSRF
	 * cheat sheet). */
	ok = !cross_site(ctx, req) && cookie(req, cname(ctx, 0), r,
	    sizeof(r)) == 0;
	if (ok) {
		mac(ctx, "signin", r, want);
		ok = sodium_memcmp(want, c, MACHEX) == 0;
	}
	if (!ok) {
		rc = jta_error_set(err, JTA_ERR_AUTH, 403, "csrf",
		    "the sign-in form did not come from this browser's page");
		(void)page(resp, 403, "This sign-in form has expired",
		    "Open the ticket link again to sign in.");
		goto out;
	}
	if (name == NULL || pw == NULL) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 400, "username",
		    "user name and password are required");
		(void)signin_page(ctx, resp, 400, key, name, "Enter your user "
		    "name and password.");
		goto out;
	}
	if ((rc = jta_authz_password_login(ctx->authz, name, pw, strlen(pw),
	    jta_time_now(), &user, err)) != JTA_OK) {
		if (rc == JTA_ERR_AUTH) {
			/* The reason, never the password. */
			jta_authz_audit_signin(ctx->authz, 0, NULL, name,
			    "browse.signin", err->status, err->status == 429 ?
			    "locked" : "wrong user name or password");
			(void)signin_page(ctx, resp, err->status, key, name,
			    err->detail);
		} else
			(void)failed(resp, rc, err, "Something went wrong");
		goto out;
	}
	exp = jta_time_now() + SESSION_TTL;
	snprintf(sess, sizeof(sess), "%" PRId64 ":%s", exp, user.name);
	if (session_mac(ctx, sess, user.name, &user, want) != 0) {
		/* The password was changed or cleared meanwhile. */
		rc = jta_error_set(err, JTA_ERR_AUTH, 401, "password",
		    "The user name or password is wrong.");
		(void)signin_page(ctx, resp, 401, key, name, err->detail);
		goto out;
	}
	snprintf(sess, sizeof(sess), "%" PRId64 ":%s:%s", exp, user.name,
	    want);
	snprintf(loc, sizeof(loc), "%s/browse/%s", ctx->conf.public_url, key);
	if ((rc = setcookie(resp, ctx, 1, sess, SESSION_TTL, "Lax")) !=
	    JTA_OK || (rc = setcookie(resp, ctx, 0, "", 0, "Strict")) !=
	    JTA_OK || (rc = jta_resp_redirect(resp, 303, loc)) != JTA_OK)
		goto out;
	jta_info("browse: signed in user=%s", user.name);
	jta_authz_audit_signin(ctx->authz, 0, &user, NULL, "browse.signin",
	    resp->status, "signed in");
out:
	sodium_memzero(r, sizeof(r));
	sodium_memzero(sess, sizeof(sess));
	json_decref(f);
	return rc;
}

/* The ticket's page, for the signed-in person u. */
static enum jta_err
show(struct jta_ctx *ctx, const struct jta_user *u, const json_t *t,
    struct jta_resp *resp)
{
	struct jta_page_section sec[1 + COMMENTS_MAX];
	struct jta_page	 pg;
	char		 title[JTA_LIMIT_ISSUE_KEY + JTA_LIMIT_SUMMARY + 8];
	char		 text[6 * (JTA_LIMIT_NAME + JTA_LIMIT_DISPLAY_NAME) +
			    128];
	char		 heads[COMMENTS_MAX][JTA_LIMIT_DISPLAY_NAME + 32];
	char		 after[JTA_LIMIT_DISPLAY_NAME + 160];
	const json_t	*c;
	const char	*d;
	size_t		 i, n = 0;

	(void)ctx;
	snprintf(title, sizeof(title), "%s: %s", str(t, "key"),
	    str(t, "summary") != NULL ? str(t, "summary") : "");
	snprintf(text, sizeof(text), "Status: %s. Type: %s. Priority: %s. "
	    "Assignee: %s. Reporter: %s. Created %s, updated %s.",
	    str(t, "status") ? str(t, "status") : "none",
	    str(t, "type") ? str(t, "type") : "none",
	    str(t, "priority") ? str(t, "priority") : "none",
	    str(t, "assignee") ? str(t, "assignee") : "nobody",
	    str(t, "reporter") ? str(t, "reporter") : "nobody",
	    str(t, "created") ? str(t, "created") : "-",
	    str(t, "updated") ? str(t, "updated") : "-");
	memset(sec, 0, sizeof(sec));
	d = str(t, "description");
	sec[n].heading = "Description";
	sec[n++].text = d != NULL && d[0] != '\0' ? d : "No description.";
	json_array_foreach(json_object_get(t, "comments"), i, c) {
		if (n > COMMENTS_MAX)
			break;
		snprintf(heads[n - 1], sizeof(heads[n - 1]), "Comment by %s",
		    str(c, "author") != NULL ? str(c, "author") : "someone");
		sec[n].heading = heads[n - 1];
		sec[n].meta = str(c, "created");
		sec[n++].text = str(c, "body") != NULL ? str(c, "body") : "";
	}
	snprintf(after, sizeof(after), "Signed in as %s. This page shows "
	    "the ticket as it is now; the assistant can change it for you.",
	    u->name);
	memset(&pg, 0, sizeof(pg));
	pg.title = title;
	pg.text = text;
	pg.sections = sec;
	pg.nsections = n;
	pg.after = after;
	return jta_resp_page(resp, 200, &pg);
}

static enum jta_err
ticket(struct jta_ctx *ctx, const struct jta_req *req, const char *key,
    const char *proj, struct jta_resp *resp, struct jta_error *err)
{
	struct jta_user	 u;
	struct jta_policy_op op;
	json_t		*t = NULL;
	char		 loc[JTA_CONF_URL_MAX + 64];
	enum jta_err	 rc;

	if (!session(ctx, req, &u)) {
		snprintf(loc, sizeof(loc), "%s/browse/signin?key=%s",
		    ctx->conf.public_url, key);
		return jta_resp_redirect(resp, 302, loc);
	}
	/* The access rules, as for GET /api/issues/KEY. */
	memset(&op, 0, sizeof(op));
	op.endpoint = jta_endpoint_name(JTA_ENDPOINT_BROWSE);
	op.cls = JTA_POLICY_READ;
	op.rules = 1;
	op.has_project = 1;
	snprintf(op.project, sizeof(op.project), "%s", proj);
	if ((rc = jta_policy_check(ctx->policy, req, &u, &op, err)) != JTA_OK)
		return failed(resp, rc, err, "You may not see this ticket");
	if ((rc = ctx->backend->ops->get(ctx->backend, &u, key, &t, err)) !=
	    JTA_OK) {
		if (rc == JTA_ERR_NOTFOUND) {
			(void)page(resp, 404, "No such ticket", "There is no "
			    "ticket with this key on this server.");
			return rc;
		}
		return failed(resp, rc, err, "The ticket cannot be shown");
	}
	rc = show(ctx, &u, t, resp);
	json_decref(t);
	return rc;
}

static enum jta_err
handle(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, struct jta_resp *resp, struct jta_error *err)
{
	char		 seg[JTA_LIMIT_ISSUE_KEY + 8];
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 num;
	size_t		 i;

	(void)who;
	if (!jta_req_path_segment(req, "/browse/", "", seg, sizeof(seg))) {
		(void)page(resp, 404, "Not found", "There is no page here.");
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "not found");
	}
	if (ctx->conf.backend == JTA_BACKEND_JIRA) {
		(void)page(resp, 404, "Tickets are in Jira", "This server "
		    "works with Jira: open the ticket's link on your Jira "
		    "site.");
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "no ticket pages in Jira mode");
	}
	if (strcmp(seg, "signin") == 0) {
		if (req->method == JTA_METHOD_POST)
			return signin_post(ctx, req, resp, err);
		if (req->method == JTA_METHOD_GET ||
		    req->method == JTA_METHOD_HEAD)
			return signin_get(ctx, req, resp, err);
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD, POST",
		    err);
	}
	if (req->method != JTA_METHOD_GET && req->method != JTA_METHOD_HEAD)
		return jta_fcgi_method_not_allowed(resp, "GET, HEAD", err);
	/* Keys are not case-sensitive. */
	for (i = 0; seg[i] != '\0'; i++)
		if (seg[i] >= 'a' && seg[i] <= 'z')
			seg[i] = (char)(seg[i] - 'a' + 'A');
	if (jta_text_parse_issue_key(seg, strlen(seg), proj, sizeof(proj),
	    &num) != 0) {
		(void)page(resp, 404, "No such ticket", "This is not a ticket "
		    "key.");
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "not an issue key");
	}
	return ticket(ctx, req, seg, proj, resp, err);
}

static const struct jta_endpoint endpoint = {
	.name = "jta-browse",
	.handle = handle,
};

int
main(void)
{
	return jta_fcgi_main(&endpoint);
}
