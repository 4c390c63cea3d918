#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <inttypes.h>

#include <sodium.h>

#include "jta_req.h"
#include "jta_text.h"
#include "jta_time.h"

static const struct {
	const char	*name;
	enum jta_method	 method;
} methods[] = {
	{ "GET", JTA_METHOD_GET },
	{ "HEAD", JTA_METHOD_HEAD },
	{ "POST", JTA_METHOD_POST },
	{ "PUT", JTA_METHOD_PUT },
	{ "PATCH", JTA_METHOD_PATCH },
	{ "DELETE", JTA_METHOD_DELETE },
};

/*
 * Percent-decode s[0..len) into out (room for len + 1 bytes); plus means a
 * blank when form is set (query strings).  Returns the decoded length, or
 * -1 on a bad escape or a decoded NUL.
 */
static long
pctdecode(const char *s, size_t len, char *out, int form)
{
	size_t	 i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (len - i < 3)
				return -1;
			if ((hi = jta_text_hexval(s[i + 1])) < 0 ||
			    (lo = jta_text_hexval(s[i + 2])) < 0)
				return -1;
			out[o] = (char)(hi << 4 | lo);
			if (out[o] == '\0')
				return -1;
			o++;
			i += 2;
		} else if (form && s[i] == '+')
			out[o++] = ' ';
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return (long)o;
}

int
jta_req_cookie(const char *header, const char *name, char *out,
    size_t outsz)
{
	const char	*p = header;
	size_t		 nl = strlen(name), vl;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t");
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			p += nl + 1;
			vl = strcspn(p, "; \t");
			if (vl >= outsz)
				return -1;
			memcpy(out, p, vl);
			out[vl] = '\0';
			return 0;
		}
		if ((p = strchr(p, ';')) != NULL)
			p++;
	}
	return -1;
}

long
jta_req_form_decode(const char *s, size_t len, char *out, size_t outsz)
{
	if (outsz == 0 || len > outsz - 1)
		return -1;
	return pctdecode(s, len, out, 1);
}

static enum jta_err
copyparam(char *dst, size_t dstsz, const char *v, int status,
    const char *what, struct jta_error *err)
{
	size_t	 len = strlen(v);

	if (len >= dstsz)
		return jta_error_set(err, JTA_ERR_INPUT, status, what,
		    "%s is longer than %zu bytes", what, dstsz - 1);
	memcpy(dst, v, len + 1);
	return JTA_OK;
}

/*
 * struct jta_req's text part (jta_req.h) is char arrays only, exactly
 * those JTA_REQ_TEXTS names, up to the end of the struct: the part
 * jta_req_init leaves unzeroed holds nothing but strings it terminates.
 */
#define REQ_M(m)	(((struct jta_req *)0)->m)
#define TEXT_IS_CHARS(m)						\
	_Static_assert(_Generic(&REQ_M(m),				\
	    char (*)[sizeof(REQ_M(m))]: 1, default: 0),			\
	    "struct jta_req: " #m " is in the text part and is not "	\
	    "a char array");
JTA_REQ_TEXTS(TEXT_IS_CHARS)
#define TEXT_SIZE(m)	+ sizeof(REQ_M(m))
_Static_assert(offsetof(struct jta_req, JTA_REQ_TEXT) + (0
    JTA_REQ_TEXTS(TEXT_SIZE)) == sizeof(struct jta_req),
    "struct jta_req: a member after JTA_REQ_TEXT that JTA_REQ_TEXTS does "
    "not name (or padding at the end: size the last array to fill it)");

/* Zero req's fixed part and empty every string of its text part. */
static void
req_reset(struct jta_req *req)
{
	memset(req, 0, offsetof(struct jta_req, JTA_REQ_TEXT));
#define TEXT_EMPTY(m)	req->m[0] = '\0';
	JTA_REQ_TEXTS(TEXT_EMPTY)
#undef TEXT_EMPTY
}

enum jta_err
jta_req_init(struct jta_req *req, jta_req_getparam get, void *arg,
    struct jta_error *err)
{
	return jta_req_init_max(req, get, arg, JTA_LIMIT_BODY, err);
}

enum jta_err
jta_req_init_max(struct jta_req *req, jta_req_getparam get, void *arg,
    size_t max_body, struct jta_error *err)
{
	enum jta_err	 rc;
	const char	*v, *q;
	char		 raw[JTA_LIMIT_PATH * 3 + 1];
	uint64_t	 cl;
	size_t		 i, plen;
	unsigned char	 rnd[16];
	long		 dl;

	req_reset(req);
	/* The request id: the client's, when it is short and plain. */
	v = get("HTTP_X_REQUEST_ID", arg);
	if (v != NULL && strlen(v) > 0 && strlen(v) < sizeof(req->id) &&
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_") == strlen(v))
		memcpy(req->id, v, strlen(v) + 1);
	else {
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(req->id, sizeof(req->id), rnd, sizeof(rnd));
	}

	v = get("REQUEST_METHOD", arg);
	req->method = JTA_METHOD_OTHER;
	snprintf(req->method_name, sizeof(req->method_name), "%s",
	    v == NULL ? "" : v);
	for (i = 0; v != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(v, methods[i].name) == 0)
			req->method = methods[i].method;

	/* The path comes from REQUEST_URI, which nginx and Apache both pass
	 * undecoded, so both servers give us the same bytes. */
	if ((v = get("REQUEST_URI", arg)) == NULL || v[0] != '/')
		return jta_error_set(err, JTA_ERR_INPUT, 400, "path",
		    "the request has no absolute path");
	q = strchr(v, '?');
	plen = q == NULL ? strlen(v) : (size_t)(q - v);
	if (plen >= sizeof(raw))
		return jta_error_set(err, JTA_ERR_INPUT, 414, "path",
		    "the path is longer than %d bytes", JTA_LIMIT_PATH);
	memcpy(raw, v, plen);
	raw[plen] = '\0';
	if ((dl = pctdecode(raw, plen, raw, 0)) < 0)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "path",
		    "the path has a bad percent-escape");
	if ((size_t)dl > JTA_LIMIT_PATH)
		return jta_error_set(err, JTA_ERR_INPUT, 414, "path",
		    "the path is longer than %d bytes", JTA_LIMIT_PATH);
	if (!jta_text_utf8_valid(raw, (size_t)dl))
		return jta_error_set(err, JTA_ERR_INPUT, 400, "path",
		    "the path is not valid UTF-8");
	memcpy(req->path, raw, (size_t)dl + 1);

	v = get("QUERY_STRING", arg);
	if (v == NULL && q != NULL)
		v = q + 1;
	if ((rc = copyparam(req->query, sizeof(req->query), v ? v : "", 414,
	    "query", err)) != JTA_OK)
		return rc;
	if ((v = get("HTTP_AUTHORIZATION", arg)) != NULL &&
	    (rc = copyparam(req->authorization, sizeof(req->authorization), v,
	    431, "Authorization", err)) != JTA_OK)
		return rc;
	if ((v = get("HTTP_IDEMPOTENCY_KEY", arg)) != NULL) {
		if ((rc = copyparam(req->idempotency_key,
		    sizeof(req->idempotency_key), v, 431, "Idempotency-Key",
		    err)) != JTA_OK)
			return rc;
		req->has_idempotency_key = 1;
	}
	if ((v = get("CONTENT_TYPE", arg)) != NULL &&
	    (rc = copyparam(req->content_type, sizeof(req->content_type), v,
	    431, "Content-Type", err)) != JTA_OK)
		return rc;
	if ((v = get("HTTP_IF_NONE_MATCH", arg)) != NULL &&
	    (rc = copyparam(req->if_none_match, sizeof(req->if_none_match), v,
	    431, "If-None-Match", err)) != JTA_OK)
		return rc;
	/* The admin page's operator and its cross-site checks.  REMOTE_USER
	 * counts only beside AUTH_TYPE (RFC 3875 §4.1.1, §4.1.11): Apache
	 * sets both only when it authenticated the request, but nginx's
	 * fastcgi_params fill REMOTE_USER from any client's Basic header,
	 * auth_basic on or not, so our nginx configuration sets AUTH_TYPE
	 * only beside auth_basic (jta-admin-access.conf). */
	if ((q = get("AUTH_TYPE", arg)) != NULL && q[0] != '\0' &&
	    (v = get("REMOTE_USER", arg)) != NULL &&
	    (rc = copyparam(req->remote_user, sizeof(req->remote_user), v,
	    431, "REMOTE_USER", err)) != JTA_OK)
		return rc;
	if ((q = get("SSL_CLIENT_VERIFY", arg)) != NULL &&
	    strcmp(q, "SUCCESS") == 0 &&
	    (v = get("SSL_CLIENT_S_DN", arg)) != NULL &&
	    (rc = copyparam(req->client_dn, sizeof(req->client_dn), v,
	    431, "SSL_CLIENT_S_DN", err)) != JTA_OK)
		return rc;
	/* Set by the web server, not the client; an IPv6 address is at
	 * most 45 characters (RFC 4291 §2.2 with an IPv4 tail). */
	if ((v = get("REMOTE_ADDR", arg)) != NULL &&
	    strlen(v) < sizeof(req->remote_addr))
		memcpy(req->remote_addr, v, strlen(v) + 1);
	if ((v = get("HTTP_ORIGIN", arg)) != NULL &&
	    (rc = copyparam(req->origin, sizeof(req->origin), v, 431,
	    "Origin", err)) != JTA_OK)
		return rc;
	if ((v = get("HTTP_SEC_FETCH_SITE", arg)) != NULL &&
	    (rc = copyparam(req->sec_fetch_site, sizeof(req->sec_fetch_site),
	    v, 431, "Sec-Fetch-Site", err)) != JTA_OK)
		return rc;
	if ((v = get("HTTP_X_JTA_ADMIN", arg)) != NULL &&
	    (rc = copyparam(req->admin_header, sizeof(req->admin_header), v,
	    431, "X-JTA-Admin", err)) != JTA_OK)
		return rc;
	if ((v = get("HTTP_COOKIE", arg)) != NULL &&
	    (rc = copyparam(req->cookie, sizeof(req->cookie), v, 431,
	    "Cookie", err)) != JTA_OK)
		return rc;
	/* The MCP transport's request headers (README.md "MCP"); has_mcp
	 * tells an empty header from none. */
	if ((v = get("HTTP_MCP_PROTOCOL_VERSION", arg)) != NULL &&
	    (rc = copyparam(req->mcp_version, sizeof(req->mcp_version), v,
	    431, "MCP-Protocol-Version", err)) != JTA_OK)
		return rc;
	if ((v = get("HTTP_MCP_METHOD", arg)) != NULL) {
		req->has_mcp_method = 1;
		if ((rc = copyparam(req->mcp_method, sizeof(req->mcp_method),
		    v, 431, "Mcp-Method", err)) != JTA_OK)
			return rc;
	}
	if ((v = get("HTTP_MCP_NAME", arg)) != NULL) {
		req->has_mcp_name = 1;
		if ((rc = copyparam(req->mcp_name, sizeof(req->mcp_name), v,
		    431, "Mcp-Name", err)) != JTA_OK)
			return rc;
	}
	if ((v = get("CONTENT_LENGTH", arg)) != NULL && *v != '\0') {
		/* Any plain number parses, so one above our limit is 413,
		 * not 400. */
		if (jta_text_parse_uint(v, strlen(v), UINT64_MAX, &cl) != 0)
			return jta_error_set(err, JTA_ERR_INPUT, 400,
			    "Content-Length", "Content-Length is not a "
			    "plain whole number");
		if (cl > max_body)
			return jta_error_set(err, JTA_ERR_INPUT, 413, "body",
			    "the body is larger than %zu bytes", max_body);
		req->has_body_length = 1;
		req->content_length = (size_t)cl;
	}
	return JTA_OK;
}

void
jta_req_clear(struct jta_req *req)
{
	free(req->body);
	req->body = NULL;
	req->body_len = 0;
}

int
jta_req_path_segment(const struct jta_req *req, const char *prefix,
    const char *suffix, char *out, size_t outsz)
{
	size_t	 pl = strlen(prefix), sl = strlen(suffix), len, seg;

	len = strlen(req->path);
	if (len < pl + sl + 1 || strncmp(req->path, prefix, pl) != 0 ||
	    strcmp(req->path + len - sl, suffix) != 0)
		return 0;
	seg = len - pl - sl;
	if (seg >= outsz || memchr(req->path + pl, '/', seg) != NULL)
		return 0;
	memcpy(out, req->path + pl, seg);
	out[seg] = '\0';
	return 1;
}

/* ---- values ---- */

static const char *
typename(enum jta_ftype t)
{
	switch (t) {
	case JTA_FT_STRING:
	case JTA_FT_TEXT:
		return "a string";
	case JTA_FT_UINT:
		return "a whole number";
	case JTA_FT_ENUM:
		return "one of the allowed values";
	case JTA_FT_ENUMLIST:
		return "a list of allowed values";
	case JTA_FT_TIME:
		return "a date (YYYY-MM-DD) or UTC time (YYYY-MM-DDTHH:MM:SSZ)";
	case JTA_FT_USERNAME:
		return "a user name";
	case JTA_FT_PROJECT:
		return "a project key";
	case JTA_FT_ISSUEKEY:
		return "an issue key like PROJ-12";
	case JTA_FT_LABELS:
		return "a list of labels";
	case JTA_FT_UINTLIST:
		return "a list of whole numbers";
	case JTA_FT_NAMES:
		return "a list of names";
	case JTA_FT_OBJECT:
		return "a JSON object";
	case JTA_FT_OBJECTS:
		return "a JSON array of objects";
	}
	return "a value";
}

static enum jta_err
choicelist(const struct jta_field *f, struct jta_error *err, const char *what)
{
	char	 list[300];
	size_t	 i, o = 0;

	list[0] = '\0';
	for (i = 0; f->choices[i] != NULL && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
		    i ? ", " : "", f->choices[i]);
	return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
	    "%s %s; allowed values: %s", f->name, what, list);
}

static const char *
findchoice(const struct jta_field *f, const char *v)
{
	size_t	 i;

	for (i = 0; f->choices[i] != NULL; i++)
		if (strcasecmp(f->choices[i], v) == 0)
			return f->choices[i];
	return NULL;
}

enum jta_err
jta_req_choose(const char *field, const char *const *choices, const char *v,
    const char **canon, struct jta_error *err)
{
	const struct jta_field f = { field, JTA_FT_ENUM, 0, 0, 0, choices };

	if ((*canon = findchoice(&f, v)) != NULL)
		return JTA_OK;
	return choicelist(&f, err, "has a value that is not allowed");
}

static int
isusername(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > JTA_LIMIT_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '.' || c == '_' || c == '-'))))
			return 0;
	}
	return 1;
}

/* Check one scalar string value s (len bytes, valid UTF-8) for field f
 * and return its canonical JSON value in *out. */
static enum jta_err
scalar(const struct jta_field *f, const char *s, size_t len, json_t **out,
    struct jta_error *err)
{
	uint64_t	 u;
	int64_t		 t;
	size_t		 i;
	const char	*c;
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	char		 word[JTA_LIMIT_NAME + 1];

	switch (f->type) {
	case JTA_FT_STRING:
	case JTA_FT_TEXT:
		if ((int64_t)len < f->min || (int64_t)len > f->max)
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    f->min > 0 && len == 0 ? "%s must not be empty" :
			    "%s must be %" PRId64 " to %" PRId64 " bytes long",
			    f->name, f->min, f->max);
		if (memchr(s, '\0', len) != NULL)
			goto bad;
		for (i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)s[i];

			if (ch == 0x7f || (ch < 0x20 &&
			    !(f->type == JTA_FT_TEXT &&
			    (ch == '\n' || ch == '\t' || ch == '\r'))))
				return jta_error_set(err, JTA_ERR_INPUT, 422,
				    f->name, "%s holds a control character",
				    f->name);
		}
		*out = json_stringn(s, len);
		break;
	case JTA_FT_UINT:
		if (jta_text_parse_uint(s, len, (uint64_t)f->max, &u) != 0 ||
		    (int64_t)u < f->min)
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "%s must be a whole number from %" PRId64 " to %"
			    PRId64, f->name, f->min, f->max);
		*out = json_integer((json_int_t)u);
		break;
	case JTA_FT_ENUM:
	case JTA_FT_ENUMLIST:
		if (len >= sizeof(word))
			return choicelist(f, err, "has a value that is not "
			    "allowed");
		memcpy(word, s, len);
		word[len] = '\0';
		if ((c = findchoice(f, word)) == NULL)
			return choicelist(f, err, "has a value that is not "
			    "allowed");
		*out = json_string(c);
		break;
	case JTA_FT_TIME:
		if (jta_time_parse(s, len, &t) != 0)
			goto bad;
		*out = json_integer((json_int_t)t);
		break;
	case JTA_FT_USERNAME:
		if (!isusername(s, len))
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "%s must be a user name: lower-case letters, "
			    "digits, '.', '_' or '-', at most %d", f->name,
			    JTA_LIMIT_NAME);
		*out = json_stringn(s, len);
		break;
	case JTA_FT_PROJECT:
		if (!jta_text_is_project_key(s, len))
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "%s must be a project key: an upper-case letter, "
			    "then up to %d upper-case letters or digits",
			    f->name, JTA_LIMIT_PROJECT_KEY - 1);
		*out = json_stringn(s, len);
		break;
	case JTA_FT_ISSUEKEY:
		if (jta_text_parse_issue_key(s, len, proj, sizeof(proj), &t))
			goto bad;
		*out = json_stringn(s, len);
		break;
	case JTA_FT_LABELS:
		if (len == 0 || len > JTA_LIMIT_LABEL)
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "each of %s must be 1 to %d bytes", f->name,
			    JTA_LIMIT_LABEL);
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f ||
			    s[i] == ',')
				return jta_error_set(err, JTA_ERR_INPUT, 422,
				    f->name, "%s may not hold blanks, commas "
				    "or control characters", f->name);
		*out = json_stringn(s, len);
		break;
	case JTA_FT_UINTLIST:
		if (jta_text_parse_uint(s, len, INT32_MAX, &u) != 0)
			goto bad;
		*out = json_integer((json_int_t)u);
		break;
	case JTA_FT_NAMES:
		if (len == 0 || len > JTA_LIMIT_FIELD_VALUE)
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "each of %s must be 1 to %d bytes", f->name,
			    JTA_LIMIT_FIELD_VALUE);
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				return jta_error_set(err, JTA_ERR_INPUT, 422,
				    f->name, "%s holds a control character",
				    f->name);
		*out = json_stringn(s, len);
		break;
	case JTA_FT_OBJECT:
	case JTA_FT_OBJECTS:
		goto bad;	/* never a scalar (jsonvalue takes it) */
	}
	if (*out == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	return JTA_OK;
bad:
	return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
	    "%s must be %s", f->name, typename(f->type));
}

static int
islist(enum jta_ftype t)
{
	return t == JTA_FT_LABELS || t == JTA_FT_UINTLIST ||
	    t == JTA_FT_ENUMLIST || t == JTA_FT_NAMES;
}

/* Append v to the list arr unless it is there already (lists are sets). */
static enum jta_err
listadd(json_t *arr, json_t *v, const struct jta_field *f,
    struct jta_error *err)
{
	size_t	 i;
	json_t	*x;

	json_array_foreach(arr, i, x)
		if (json_equal(x, v)) {
			json_decref(v);
			return JTA_OK;
		}
	if (json_array_size(arr) >= (size_t)f->max) {
		json_decref(v);
		return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
		    "%s may hold at most %" PRId64 " values", f->name, f->max);
	}
	if (json_array_append_new(arr, v) != 0)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	return JTA_OK;
}

static const struct jta_field *
findfield(const struct jta_field *fields, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

/* Name every member of obj (an object of given names) that is not in
 * fields, in one message. */
static enum jta_err
unknown(const char *const *names, size_t nnames,
    const struct jta_field *fields, size_t n, struct jta_error *err)
{
	char	 list[256], allowed[256];
	size_t	 i, o = 0, a = 0;

	list[0] = allowed[0] = '\0';
	for (i = 0; i < nnames && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%.40s",
		    o ? ", " : "", names[i]);
	for (i = 0; i < n && a < sizeof(allowed); i++)
		a += (size_t)snprintf(allowed + a, sizeof(allowed) - a,
		    "%s%s", i ? ", " : "", fields[i].name);
	jta_error_set(err, JTA_ERR_INPUT, 400, names[0],
	    "unexpected field%s: %s; allowed: %s", nnames > 1 ? "s" : "",
	    list, n ? allowed : "none");
	return JTA_ERR_INPUT;
}

static enum jta_err
required(const struct jta_field *fields, size_t n, const json_t *out,
    struct jta_error *err)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((fields[i].flags & JTA_F_REQUIRED) &&
		    json_object_get(out, fields[i].name) == NULL)
			return jta_error_set(err, JTA_ERR_INPUT, 422,
			    fields[i].name, "%s is required", fields[i].name);
	return JTA_OK;
}

/*
 * The table-driven check of name=value pairs separated by '&' in src
 * (NUL-terminated, at most JTA_LIMIT_QUERY bytes): the query string or an
 * application/x-www-form-urlencoded body; what names it in messages.
 */
static enum jta_err
pairs(const char *src, const char *what, const struct jta_field *fields,
    size_t n, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*obj = NULL, *v = NULL, *list;
	char		 buf[JTA_LIMIT_QUERY + 1];
	char		 key[JTA_LIMIT_QUERY + 1];
	const char	*p, *amp, *eq, *s, *c;
	const struct jta_field *f;
	unsigned char	 seen[JTA_LIMIT_PARAMS];
	size_t		 nparams = 0, len, i;
	int		 others = 0;
	long		 kl, vl;

	*out = NULL;
	if (n > JTA_LIMIT_PARAMS)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a field table is larger than JTA_LIMIT_PARAMS");
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++)
		others |= (fields[i].flags & JTA_F_OTHERS) != 0;
	if ((obj = json_object()) == NULL) {
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "no memory");
		goto out;
	}
	for (p = src; *p != '\0'; p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		if (amp == p)
			continue;
		if (++nparams > JTA_LIMIT_PARAMS) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 414, what,
			    "the %s has more than %d parameters", what,
			    JTA_LIMIT_PARAMS);
			goto out;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if ((kl = pctdecode(p, (size_t)(eq - p), key, 1)) < 0 ||
		    (vl = pctdecode(eq + (eq < amp), (size_t)(amp - eq -
		    (eq < amp)), buf, 1)) < 0) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 400, what,
			    "the %s has a bad percent-escape", what);
			goto out;
		}
		if (!jta_text_utf8_valid(key, (size_t)kl) ||
		    !jta_text_utf8_valid(buf, (size_t)vl)) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 400, what,
			    "the %s is not valid UTF-8", what);
			goto out;
		}
		if ((f = findfield(fields, n, key)) == NULL && others)
			continue;
		if (f == NULL) {
			const char *k1[1] = { key };

			rc = unknown(k1, 1, fields, n, err);
			goto out;
		}
		/* Repeats are refused even when one of them is empty. */
		if (seen[f - fields]) {
			rc = jta_error_set(err, JTA_ERR_INPUT, 400, f->name,
			    "parameter %s is given twice", f->name);
			goto out;
		}
		seen[f - fields] = 1;
		if (vl == 0)
			continue;
		if (!islist(f->type)) {
			if ((rc = scalar(f, buf, (size_t)vl, &v, err)) !=
			    JTA_OK)
				goto out;
		} else {
			if ((list = json_array()) == NULL) {
				rc = jta_error_set(err, JTA_ERR_NOMEM, 500,
				    NULL, "no memory");
				goto out;
			}
			v = list;
			for (s = buf; ; s = c + 1) {
				json_t *e = NULL;

				c = strchr(s, ',');
				len = c == NULL ? strlen(s) : (size_t)(c - s);
				if ((rc = scalar(f, s, len, &e, err)) !=
				    JTA_OK ||
				    (rc = listadd(list, e, f, err)) != JTA_OK)
					goto out;
				if (c == NULL)
					break;
			}
		}
		if (json_object_set_new(obj, f->name, v) != 0) {
			v = NULL;
			rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "no memory");
			goto out;
		}
		v = NULL;
	}
	if ((rc = required(fields, n, obj, err)) != JTA_OK)
		goto out;
	*out = obj;
	obj = NULL;
	rc = JTA_OK;
out:
	json_decref(v);
	json_decref(obj);
	return rc;
}

enum jta_err
jta_req_query(const struct jta_req *req, const struct jta_field *fields,
    size_t n, json_t **out, struct jta_error *err)
{
	return pairs(req->query, "query", fields, n, out, err);
}

enum jta_err
jta_req_form(const struct jta_req *req, const struct jta_field *fields,
    size_t n, json_t **out, struct jta_error *err)
{
	static const char	 form[] = "application/x-www-form-urlencoded";
	const char		*ct = req->content_type;
	size_t			 fl = sizeof(form) - 1;

	*out = NULL;
	/* RFC 9110 §8.3.1: the media type is case-insensitive and may be
	 * followed by parameters (charset). */
	if (strncasecmp(ct, form, fl) != 0 || (ct[fl] != '\0' &&
	    ct[fl] != ';' && ct[fl] != ' '))
		return jta_error_set(err, JTA_ERR_INPUT, 415, "Content-Type",
		    "send the body as %s", form);
	if (req->body_len > JTA_LIMIT_FORM)
		return jta_error_set(err, JTA_ERR_INPUT, 413, "body",
		    "the form is longer than %d bytes", JTA_LIMIT_FORM);
	if (req->body == NULL)
		return pairs("", "body", fields, n, out, err);
	if (strlen(req->body) != req->body_len)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
		    "the form holds a NUL byte");
	return pairs(req->body, "body", fields, n, out, err);
}

/*
 * Refuse nesting deeper than JTA_LIMIT_JSON_DEPTH before jansson sees the
 * bytes, so its recursion is bounded by our limit, not by its own.
 */
static int
depthok(const char *s, size_t len)
{
	size_t	 i, depth = 0;
	int	 instr = 0;

	for (i = 0; i < len; i++) {
		if (instr) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				instr = 0;
			continue;
		}
		switch (s[i]) {
		case '"':
			instr = 1;
			break;
		case '[':
		case '{':
			if (++depth > JTA_LIMIT_JSON_DEPTH)
				return 0;
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	return 1;
}

enum jta_err
jta_req_parse_json(const char *s, size_t len, json_t **out,
    struct jta_error *err)
{
	json_error_t	 je;
	json_t		*doc;

	*out = NULL;
	if (len == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
		    "the request needs a JSON object as its body");
	if (len > JTA_LIMIT_BODY)
		return jta_error_set(err, JTA_ERR_INPUT, 413, "body",
		    "the body is larger than %d bytes", JTA_LIMIT_BODY);
	if (!depthok(s, len))
		return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
		    "the body nests deeper than %d levels",
		    JTA_LIMIT_JSON_DEPTH);
	/* jansson checks UTF-8 and refuses \u0000 (no JSON_ALLOW_NUL). Its
	 * error text may quote input, so only the code and position are
	 * reported. */
	if ((doc = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		/* An if-chain, not a switch: the enum grows between jansson
		 * versions. */
		enum json_error_code code = json_error_code(&je);

		if (code == json_error_duplicate_key)
			return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
			    "the body has a key twice (line %d, column %d)",
			    je.line, je.column);
		if (code == json_error_invalid_utf8)
			return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
			    "the body is not valid UTF-8");
		if (code == json_error_null_character ||
		    code == json_error_null_byte_in_key)
			return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
			    "the body holds a NUL character");
		return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
		    "the body is not valid JSON (line %d, column %d)",
		    je.line, je.column);
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
		    "the body must be a JSON object");
	}
	*out = doc;
	return JTA_OK;
}

/* Check one JSON value v for field f; *out gets the canonical value. */
static enum jta_err
jsonvalue(const struct jta_field *f, const json_t *v, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*list = NULL, *e = NULL;
	const json_t	*x;
	size_t		 i;
	char		 num[24];

	*out = NULL;
	if (json_is_null(v)) {
		if (!(f->flags & JTA_F_NULLABLE))
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "%s may not be null", f->name);
		*out = json_null();
		return JTA_OK;
	}
	if (islist(f->type)) {
		if (!json_is_array(v))
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "%s must be %s (a JSON array)", f->name,
			    typename(f->type));
		if (json_array_size(v) > (size_t)f->max)
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "%s may hold at most %" PRId64 " values", f->name,
			    f->max);
		if ((list = json_array()) == NULL)
			return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "no memory");
		json_array_foreach(v, i, x) {
			if (f->type == JTA_FT_UINTLIST && json_is_integer(x) &&
			    json_integer_value(x) >= 0) {
				snprintf(num, sizeof(num),
				    "%" JSON_INTEGER_FORMAT,
				    json_integer_value(x));
				rc = scalar(f, num, strlen(num), &e, err);
			} else if (f->type != JTA_FT_UINTLIST &&
			    json_is_string(x))
				rc = scalar(f, json_string_value(x),
				    json_string_length(x), &e, err);
			else
				rc = jta_error_set(err, JTA_ERR_INPUT, 422,
				    f->name, "%s must be %s", f->name,
				    typename(f->type));
			if (rc != JTA_OK || (rc = listadd(list, e, f, err)) !=
			    JTA_OK) {
				json_decref(list);
				return rc;
			}
		}
		*out = list;
		return JTA_OK;
	}
	if (f->type == JTA_FT_OBJECTS) {
		/* The caller checks each element's members. */
		if (!json_is_array(v) || json_array_size(v) > (size_t)f->max)
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "%s must be a JSON array of at most %" PRId64
			    " objects", f->name, f->max);
		json_array_foreach(v, i, x)
			if (!json_is_object(x))
				return jta_error_set(err, JTA_ERR_INPUT, 422,
				    f->name, "%s[%zu] must be a JSON object",
				    f->name, i);
		*out = json_deep_copy(v);
		return *out ? JTA_OK : JTA_ERR_NOMEM;
	}
	if (f->type == JTA_FT_OBJECT) {
		/* The caller checks each member (depth is bounded by the
		 * parser already). */
		if (!json_is_object(v) || json_object_size(v) > (size_t)f->max)
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "%s must be a JSON object of at most %" PRId64
			    " members", f->name, f->max);
		*out = json_deep_copy(v);
		return *out ? JTA_OK : JTA_ERR_NOMEM;
	}
	if (f->type == JTA_FT_UINT) {
		if (!json_is_integer(v) || json_integer_value(v) < f->min ||
		    json_integer_value(v) > f->max)
			return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
			    "%s must be a whole number from %" PRId64 " to %"
			    PRId64, f->name, f->min, f->max);
		*out = json_integer(json_integer_value(v));
		return *out ? JTA_OK : JTA_ERR_NOMEM;
	}
	if (!json_is_string(v))
		return jta_error_set(err, JTA_ERR_INPUT, 422, f->name,
		    "%s must be %s", f->name, f->type == JTA_FT_STRING ||
		    f->type == JTA_FT_TEXT ? "a string" : typename(f->type));
	return scalar(f, json_string_value(v), json_string_length(v), out,
	    err);
}

enum jta_err
jta_req_check_object(const json_t *obj, const struct jta_field *fields,
    size_t n, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*res = NULL, *v;
	const json_t	*x;
	const char	*key, *names[8];
	const struct jta_field *f;
	size_t		 nunknown = 0;

	*out = NULL;
	if (json_object_size(obj) > JTA_LIMIT_JSON_MEMBERS)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "body",
		    "the body has more than %d members",
		    JTA_LIMIT_JSON_MEMBERS);
	json_object_foreach((json_t *)(uintptr_t)obj, key, x)
		if (findfield(fields, n, key) == NULL &&
		    nunknown < sizeof(names) / sizeof(names[0]))
			names[nunknown++] = key;
	if (nunknown > 0)
		return unknown(names, nunknown, fields, n, err);
	if ((res = json_object()) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "no memory");
	json_object_foreach((json_t *)(uintptr_t)obj, key, x) {
		f = findfield(fields, n, key);
		if ((rc = jsonvalue(f, x, &v, err)) != JTA_OK)
			goto out;
		if (json_object_set_new(res, f->name, v) != 0) {
			rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "no memory");
			goto out;
		}
	}
	if ((rc = required(fields, n, res, err)) != JTA_OK)
		goto out;
	*out = res;
	res = NULL;
	rc = JTA_OK;
out:
	json_decref(res);
	return rc;
}

enum jta_err
jta_req_json(const struct jta_req *req, const struct jta_field *fields,
    size_t n, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*doc = NULL;
	size_t		 tl;

	*out = NULL;
	/* RFC 8259 §11: application/json; parameters such as charset may
	 * follow a ';'. */
	tl = strcspn(req->content_type, "; \t");
	if (tl != strlen("application/json") ||
	    strncasecmp(req->content_type, "application/json", tl) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 415, "Content-Type",
		    "send the body as application/json");
	if ((rc = jta_req_parse_json(req->body, req->body_len, &doc, err)) !=
	    JTA_OK)
		return rc;
	rc = jta_req_check_object(doc, fields, n, out, err);
	json_decref(doc);
	return rc;
}

enum jta_err
jta_req_issue_key(const struct jta_req *req, const char *suffix,
    char key[JTA_LIMIT_ISSUE_KEY + 1], struct jta_error *err)
{
	char	 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t	 num;
	size_t	 i;

	if (!jta_req_path_segment(req, "/api/issues/", suffix, key,
	    JTA_LIMIT_ISSUE_KEY + 1))
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "no such resource");
	for (i = 0; key[i] != '\0'; i++)
		if (key[i] >= 'a' && key[i] <= 'z')
			key[i] = (char)(key[i] - 'a' + 'A');
	if (jta_text_parse_issue_key(key, i, proj, sizeof(proj), &num) != 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no issue with that key; keys look like PROJ-12");
	return JTA_OK;
}
