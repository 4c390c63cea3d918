/*
 * Responses.  Every byte a program sends goes through here: the status
 * line, headers (values with CR, LF or NUL are refused), JSON bodies built
 * with jansson, and RFC 9457 problem details.
 */
#ifndef JTA_RESP_H
#define JTA_RESP_H

#include <stddef.h>

#include <jansson.h>

#include "jta_err.h"

/* Writes len bytes; returns 0, or -1 when the client is gone. */
typedef int (*jta_resp_writer)(void *arg, const char *buf, size_t len);
/* Pushes what was written to the client now; 0, or -1 when it is gone. */
typedef int (*jta_resp_flusher)(void *arg);

#define JTA_RESP_HEADERS	4096	/* fits a redirect with a long state */

struct jta_resp {
	jta_resp_writer	 write;
	void		*arg;
	const char	*request_id;	/* borrowed; echoed in X-Request-Id */
	char		 headers[JTA_RESP_HEADERS];
	size_t		 hlen;
	int		 status;	/* 0 until a response was sent */
	int		 head_only;	/* HEAD: send no body */
	jta_resp_flusher flush;		/* NULL: writes are not pushed */
	const char	*notice;	/* borrowed; when set, 2xx JSON object
					 * answers carry it as a top-level
					 * "notice" (quota warnings,
					 * jta_usage.h) */
};

/* Prepare resp to write through write(arg, ...). */
void jta_resp_init(struct jta_resp *resp, jta_resp_writer write, void *arg,
    const char *request_id);

/*
 * Add a header to the response being built.  Refuses (JTA_ERR_INPUT) a
 * name that is not a token or a value with CR, LF or NUL, and
 * JTA_ERR_NOMEM when the header block is full.
 */
enum jta_err jta_resp_header(struct jta_resp *resp, const char *name,
    const char *value) JTA_WUR;

/* Send status and body (compact JSON, then a newline; shrunk by jta_fit
 * to stay under JTA_LIMIT_RESPONSE_CHARS characters) as
 * application/json; body is borrowed.  HEAD sends headers only. */
enum jta_err jta_resp_json(struct jta_resp *resp, int status,
    const json_t *body) JTA_WUR;

/*
 * Send an answer already written as JSON text, the bytes jta_fit_dumps
 * writes of its tree (jta_backend.h search_text), as jta_resp_json would
 * send that tree: when it is within the response cap as it is and no
 * notice must go first.  Otherwise nothing is sent, *sent is 0 and the
 * caller sends the tree with jta_resp_json.  text is borrowed.
 */
enum jta_err jta_resp_json_text(struct jta_resp *resp, int status,
    const char *text, size_t len, int *sent) JTA_WUR;

/* Send body with the given media type (for problem+json and the like). */
enum jta_err jta_resp_json_as(struct jta_resp *resp, int status,
    const char *type, const json_t *body) JTA_WUR;

/*
 * Send len bytes of body as they are (a document of ours, such as the
 * OpenAPI schema) with media type type, a constant of the caller's.
 * HEAD sends headers only.
 */
enum jta_err jta_resp_bytes(struct jta_resp *resp, int status,
    const char *type, const char *body, size_t len) JTA_WUR;

/*
 * A streamed answer (the chat's text/event-stream): jta_resp_stream_begin
 * sends status 200, the headers and type (a constant of the caller's)
 * and pushes them out; jta_resp_stream_write sends len bytes of body and
 * pushes them out at once (resp->flush), so the client sees each piece
 * as it is written.  JTA_ERR_IO when the client is gone.
 */
enum jta_err jta_resp_stream_begin(struct jta_resp *resp, const char *type)
    JTA_WUR;
enum jta_err jta_resp_stream_write(struct jta_resp *resp, const char *buf,
    size_t len) JTA_WUR;

/* Send a status with no body (204, 304). */
enum jta_err jta_resp_empty(struct jta_resp *resp, int status) JTA_WUR;

/*
 * Send err as application/problem+json (RFC 9457 §3): type "about:blank",
 * title the status's reason phrase, status, detail, and the extension
 * members "field" (when set) and "request_id".  When err->retry_after is
 * set, a Retry-After header and a "retry_after" member (seconds) too;
 * with per-field items, an "errors" member [{"field", "detail", "name",
 * "allowed", "question"}] (the last three when the item has them).
 */
/* The problem object jta_resp_problem sends (with request_id when not
 * NULL, errors[] from err's items and retry_after), a new object, NULL
 * when memory runs out: for channels that carry it inside their own
 * answer (an MCP tool's error result). */
json_t *jta_resp_problem_json(const struct jta_error *err,
    const char *request_id);

enum jta_err jta_resp_problem(struct jta_resp *resp,
    const struct jta_error *err) JTA_WUR;

/*
 * Redirect (302 or 303) to location, with Cache-Control: no-store (the
 * targets carry single-use values).
 */
enum jta_err jta_resp_redirect(struct jta_resp *resp, int status,
    const char *location) JTA_WUR;

/* A link on a page. */
struct jta_page_link {
	const char	*href;	/* built by us: a path or an https URL */
	const char	*text;
};

/* A hidden field of a form on a page. */
struct jta_page_hidden {
	const char	*name;
	const char	*value;
};

/*
 * A form on a page (the sign-in page of our authorization server): it
 * POSTs to action (a path of ours) the hidden fields and, with
 * credentials set, a user name ("username", prefilled with username when
 * not NULL) and a password ("password").  submit labels the button.
 * redirect_origin, when not NULL, is the one other origin the answer to
 * the form may redirect to (CSP form-action covers redirects after a
 * submission in some browsers): scheme://host[:port] only.
 */
struct jta_page_form {
	const char			*action;
	const struct jta_page_hidden	*hidden;
	size_t				 nhidden;
	int				 credentials;
	const char			*username;
	const char			*submit;
	const char			*redirect_origin;
};

/* A part of a page (a ticket's description, one comment): a heading, a
 * line under it and a text shown as written (blanks and line breaks
 * kept); meta and text may be NULL. */
struct jta_page_section {
	const char	*heading;
	const char	*meta;
	const char	*text;
};

/* A small HTML page for people (the OAuth pages, a ticket).  Every string
 * is escaped for its context; code, links, sections, form and after are
 * optional. */
struct jta_page {
	const char			*title;
	const char			*text;
	const char			*code;	/* shown in <code> */
	const struct jta_page_link	*links;
	size_t				 nlinks;
	const struct jta_page_form	*form;
	const char			*after;
	const struct jta_page_section	*sections;	/* after links */
	size_t				 nsections;
};

#define JTA_RESP_PAGE_MAX	(32 * 1024)
/* The most a page with sections may grow to: each section's bytes may
 * take six times their size escaped (&quot;), on top of
 * JTA_RESP_PAGE_MAX.  A page over it is JTA_ERR_INPUT. */
#define JTA_RESP_PAGE_SECTIONS_MAX	(8 * 1024 * 1024)
/* The longest origin a form's CSP may name. */
#define JTA_RESP_ORIGIN_MAX	256

/*
 * Send pg as text/html with Cache-Control: no-store and a strict
 * Content-Security-Policy (no scripts, no framing; form-action 'none', or
 * with a form 'self' and its redirect_origin); the buffer is wiped after.
 * JTA_ERR_INPUT when a form's redirect_origin is not a plain origin, or
 * the sections would take the page over JTA_RESP_PAGE_SECTIONS_MAX.
 */
enum jta_err jta_resp_page(struct jta_resp *resp, int status,
    const struct jta_page *pg) JTA_WUR;

/* The reason phrase of an HTTP status (RFC 9110 §15). */
const char *jta_resp_reason(int status);

#endif
