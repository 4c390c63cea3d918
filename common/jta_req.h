/*
 * The request model and its validation.  A request is built from the
 * FastCGI (or CGI) parameters; every value a handler uses comes out of a
 * table-driven check of the query string or the JSON body, so handlers see
 * only validated, canonical values in a jansson object.
 */
#ifndef JTA_REQ_H
#define JTA_REQ_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_limits.h"

enum jta_method {
	JTA_METHOD_GET,
	JTA_METHOD_HEAD,
	JTA_METHOD_POST,
	JTA_METHOD_PUT,
	JTA_METHOD_PATCH,
	JTA_METHOD_DELETE,
	JTA_METHOD_OTHER
};

/* Looks up a request parameter (CGI variable) by name; NULL when absent. */
typedef const char *(*jta_req_getparam)(const char *name, void *arg);

struct jta_req {
	/* The fixed part: zeroed whole by jta_req_init. */
	enum jta_method	 method;
	int		 has_idempotency_key;	/* see idempotency_key */
	int		 has_body_length;		/* CONTENT_LENGTH set */
	size_t		 content_length;
	char		*body;		/* owned, NUL-terminated, or NULL */
	size_t		 body_len;
	int		 has_mcp_method;	/* see mcp_method */
	int		 has_mcp_name;		/* see mcp_name */
	/*
	 * The text part, from method_name (JTA_REQ_TEXT) to the end: char
	 * arrays only, each holding a NUL-terminated string and valid only
	 * up to its NUL.  jta_req_init does not zero it (18 KB a request,
	 * README "issue 16, fifth pass"): it sets each array's first byte
	 * to NUL before it reads anything, then writes the strings it
	 * finds.  A member added here must be a char array named in
	 * JTA_REQ_TEXTS below (jta_req.c's static assertions fail
	 * otherwise, and check_req's init_over_garbage reads every array
	 * of a request built over garbage); anything else goes above.
	 */
	char		 method_name[16];
	char		 id[33];	/* request id: X-Request-Id or random */
	char		 path[JTA_LIMIT_PATH + 1];	/* percent-decoded */
	char		 query[JTA_LIMIT_QUERY + 1];	/* raw, "" if none */
	char		 authorization[JTA_LIMIT_HEADER + 1];
	char		 content_type[JTA_LIMIT_HEADER + 1];
	/* Idempotency-Key, raw (jta_once checks it); has_idempotency_key
	 * tells an empty header from none. */
	char		 idempotency_key[JTA_LIMIT_HEADER + 1];
	/* If-None-Match (RFC 9110 §13.1.2), raw, "" if none: for the
	 * endpoints that answer with an ETag. */
	char		 if_none_match[JTA_LIMIT_HEADER + 1];
	/* For the admin page (fcgi/admin.c), raw, "" if none: the web
	 * server's authenticated user (REMOTE_USER, basic auth: only
	 * when AUTH_TYPE says the web server authenticated it), the
	 * subject DN of a client certificate the web server verified
	 * (SSL_CLIENT_S_DN, only when SSL_CLIENT_VERIFY is SUCCESS), and
	 * the headers of its cross-site request checks: Origin (RFC 6454
	 * §7), Sec-Fetch-Site (Fetch Metadata) and X-JTA-Admin. */
	char		 remote_user[JTA_LIMIT_HEADER + 1];
	char		 client_dn[JTA_LIMIT_HEADER + 1];
	char		 origin[JTA_LIMIT_HEADER + 1];
	char		 sec_fetch_site[JTA_LIMIT_HEADER + 1];
	char		 admin_header[JTA_LIMIT_HEADER + 1];
	/* Cookie (RFC 6265 §5.4), raw, "" if none: the ticket page's
	 * sign-in (fcgi/browse.c). */
	char		 cookie[JTA_LIMIT_HEADER + 1];
	/* The MCP transport's headers (fcgi/mcp.c), raw, "" if none:
	 * MCP-Protocol-Version, Mcp-Method and Mcp-Name (2026-07-28
	 * "Request Metadata"); has_mcp_* tell an empty one from none. */
	char		 mcp_version[JTA_LIMIT_HEADER + 1];
	char		 mcp_method[JTA_LIMIT_HEADER + 1];
	char		 mcp_name[JTA_LIMIT_HEADER + 1];
	/* The web server's REMOTE_ADDR (RFC 3875 §4.1.8), "" when absent
	 * or not an address's length: the per-address rate of client
	 * registration (fcgi/oauth-register.c). */
	char		 remote_addr[64];
};

/* The first member of struct jta_req's text part. */
#define JTA_REQ_TEXT	method_name

/* Calls X(member) for each member of struct jta_req's text part, in
 * order (jta_req_init and check_req walk it). */
#define JTA_REQ_TEXTS(X)						\
	X(method_name) X(id) X(path) X(query) X(authorization)		\
	X(content_type) X(idempotency_key) X(if_none_match)		\
	X(remote_user) X(client_dn) X(origin) X(sec_fetch_site)		\
	X(admin_header) X(cookie) X(mcp_version) X(mcp_method)		\
	X(mcp_name) X(remote_addr)

/*
 * Fill req from the request parameters.  Checks and bounds the method, the
 * path (REQUEST_URI, decoded; 414 above JTA_LIMIT_PATH), the query string
 * (414), the headers we read (431) and CONTENT_LENGTH (strict number; 413
 * above JTA_LIMIT_BODY).  The body is read by the caller, who owns
 * req->body; release it with jta_req_clear.
 */
enum jta_err jta_req_init(struct jta_req *req, jta_req_getparam get,
    void *arg, struct jta_error *err) JTA_WUR;

/* jta_req_init with a body of at most max_body bytes (413 above): a
 * program that takes uploads (struct jta_endpoint's max_body). */
enum jta_err jta_req_init_max(struct jta_req *req, jta_req_getparam get,
    void *arg, size_t max_body, struct jta_error *err) JTA_WUR;

/* Release what req owns; req may be reused after jta_req_init. */
void jta_req_clear(struct jta_req *req);

/*
 * When req->path is prefix + one segment + suffix (the segment non-empty,
 * without '/'), copy the segment into out (outsz bytes) and return 1;
 * otherwise return 0.
 */
int jta_req_path_segment(const struct jta_req *req, const char *prefix,
    const char *suffix, char *out, size_t outsz);

/* The kinds of value a field may hold. */
enum jta_ftype {
	JTA_FT_STRING,	/* one line of text: no control characters */
	JTA_FT_TEXT,	/* text that may hold newlines and tabs */
	JTA_FT_UINT,	/* whole number within [min, max] */
	JTA_FT_ENUM,	/* one of choices, matched ignoring case */
	JTA_FT_ENUMLIST,/* several of choices: JSON array or comma list */
	JTA_FT_TIME,	/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" */
	JTA_FT_USERNAME,/* [a-z0-9._-], starting with a letter or digit */
	JTA_FT_PROJECT,	/* project key: [A-Z][A-Z0-9]* */
	JTA_FT_ISSUEKEY,/* PROJECT-123 */
	JTA_FT_LABELS,	/* labels: JSON array or comma list; no blanks */
	JTA_FT_UINTLIST,/* whole numbers: JSON array or comma list */
	JTA_FT_NAMES,	/* JSON array of one-line strings, each 1 to
			 * JTA_LIMIT_FIELD_VALUE bytes (names that may hold
			 * blanks: components); max bounds the count */
	JTA_FT_OBJECT,	/* JSON object of at most max members, kept as
			 * sent for the caller to check (create "fields") */
	JTA_FT_OBJECTS	/* JSON array of at most max JSON objects, kept
			 * as sent for the caller to check (a draft's
			 * openaiFileIdRefs: jta_draft_files_refs_check) */
};

#define JTA_F_REQUIRED	0x01u	/* must be present */
#define JTA_F_NULLABLE	0x02u	/* JSON null allowed (meaning: clear it) */
/* On any field of a query or form table: parameters the table does not
 * name are dropped instead of refused (the OAuth authorization endpoint
 * must ignore them, RFC 6749 §3.1).  The JSON checks ignore this flag. */
#define JTA_F_OTHERS	0x04u

/*
 * One accepted field.  For strings min and max bound the length in bytes;
 * for numbers, the value; for lists, the number of elements.  choices is a
 * NULL-terminated list for the ENUM kinds.
 */
struct jta_field {
	const char		*name;
	enum jta_ftype		 type;
	unsigned		 flags;
	int64_t			 min;
	int64_t			 max;
	const char *const	*choices;
};

/*
 * Validate the query string of req against fields (n of them).  Unknown
 * and repeated parameters, bad percent-encoding, invalid UTF-8 and values
 * that do not fit are refused, naming the parameter.  An empty value counts
 * as absent.  On success *out is a new object holding canonical values:
 * strings, integers (UINT, TIME as epoch seconds) and arrays.
 */
enum jta_err jta_req_query(const struct jta_req *req,
    const struct jta_field *fields, size_t n, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Validate an application/x-www-form-urlencoded body (the OAuth endpoints,
 * RFC 6749 §4.1.3 and appendix B) against fields, with the rules of
 * jta_req_query ('+' is a space).  Another Content-Type is 415; a body
 * over JTA_LIMIT_FORM bytes is 413; a NUL byte in it is 400.
 */
enum jta_err jta_req_form(const struct jta_req *req,
    const struct jta_field *fields, size_t n, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * Validate the JSON body of req against fields: Content-Type must be
 * application/json, the body a JSON object with no duplicate keys, no
 * unknown members, nesting within JTA_LIMIT_JSON_DEPTH.  *out as above;
 * a nullable field sent as null is kept as null.
 */
enum jta_err jta_req_json(const struct jta_req *req,
    const struct jta_field *fields, size_t n, json_t **out,
    struct jta_error *err) JTA_WUR;

/* Parse bytes s[0..len) as a JSON object under our limits (exposed for
 * the fuzz harness and the unit tests). */
enum jta_err jta_req_parse_json(const char *s, size_t len, json_t **out,
    struct jta_error *err) JTA_WUR;

/* Validate an already parsed object against fields (see jta_req_json). */
enum jta_err jta_req_check_object(const json_t *obj,
    const struct jta_field *fields, size_t n, json_t **out,
    struct jta_error *err) JTA_WUR;

/*
 * The value of cookie name in header, a Cookie header's value (RFC 6265
 * §4.2.1, §5.4: name=value pairs separated by ";" and blanks), into out
 * (outsz bytes).  0, or -1 when the cookie is absent or does not fit.
 */
int jta_req_cookie(const char *header, const char *name, char *out,
    size_t outsz);

/*
 * Decode s[0..len) as one application/x-www-form-urlencoded value ('+' is
 * a space, %XX a byte; %00 refused) into out (outsz bytes, at least
 * len + 1), NUL-terminated.  Returns the decoded length or -1.  For HTTP
 * Basic credentials of OAuth clients (RFC 6749 §2.3.1).
 */
long jta_req_form_decode(const char *s, size_t len, char *out, size_t outsz)
    JTA_WUR;

/*
 * The member of choices (NULL-terminated) equal to v ignoring ASCII case,
 * in *canon; otherwise 422 naming field and listing the choices, as a
 * JTA_FT_ENUM field answers.  For values whose allowed set depends on the
 * backend: the embedded store's statuses and priorities are fixed, a Jira
 * site's are its own.
 */
enum jta_err jta_req_choose(const char *field, const char *const *choices,
    const char *v, const char **canon, struct jta_error *err) JTA_WUR;

/*
 * The issue key in a path /api/issues/{KEY}{suffix}, upper-cased (keys are
 * not case-sensitive) into key.  A path of another shape, or a segment
 * that is not a key, is JTA_ERR_NOTFOUND (404, field "key").
 */
enum jta_err jta_req_issue_key(const struct jta_req *req, const char *suffix,
    char key[JTA_LIMIT_ISSUE_KEY + 1], struct jta_error *err) JTA_WUR;

#endif
