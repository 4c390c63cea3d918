#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_arena.h"
#include "jta_fit.h"
#include "jta_limits.h"
#include "jta_resp.h"

void
jta_resp_init(struct jta_resp *resp, jta_resp_writer write, void *arg,
    const char *request_id)
{
	memset(resp, 0, sizeof(*resp));
	resp->write = write;
	resp->arg = arg;
	resp->request_id = request_id;
}

const char *
jta_resp_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

enum jta_err
jta_resp_header(struct jta_resp *resp, const char *name, const char *value)
{
	size_t	 nl = strlen(name), vl = strlen(value), i;

	if (nl == 0)
		return JTA_ERR_INPUT;
	/* RFC 9110 §5.1: a field name is a token. */
	for (i = 0; i < nl; i++)
		if (strchr("!#$%&'*+-.^_`|~", name[i]) == NULL &&
		    !((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			return JTA_ERR_INPUT;
	/* RFC 9110 §5.5: no CR, LF or NUL in a field value. */
	if (strpbrk(value, "\r\n") != NULL)
		return JTA_ERR_INPUT;
	if (resp->hlen + nl + vl + 4 >= sizeof(resp->headers))
		return JTA_ERR_NOMEM;
	resp->hlen += (size_t)snprintf(resp->headers + resp->hlen,
	    sizeof(resp->headers) - resp->hlen, "%s: %s\r\n", name, value);
	return JTA_OK;
}

static enum jta_err
send(struct jta_resp *resp, int status, const char *type, const char *body,
    size_t len)
{
	char	 head[JTA_RESP_HEADERS + 512];
	int	 n;

	if (resp->status != 0)
		return JTA_ERR_INTERNAL;	/* one response per request */
	resp->status = status;
	n = snprintf(head, sizeof(head), "Status: %d %s\r\n%s%s%s"
	    "X-Request-Id: %s\r\n%.*s\r\n", status, jta_resp_reason(status),
	    type ? "Content-Type: " : "", type ? type : "", type ? "\r\n" : "",
	    resp->request_id ? resp->request_id : "-", (int)resp->hlen,
	    resp->headers);
	if (n < 0 || (size_t)n >= sizeof(head))
		return JTA_ERR_INTERNAL;
	if (resp->write(resp->arg, head, (size_t)n) != 0)
		return JTA_ERR_IO;
	if (body != NULL && len > 0 && !resp->head_only &&
	    resp->write(resp->arg, body, len) != 0)
		return JTA_ERR_IO;
	return JTA_OK;
}

/* An answer's JSON text, then a newline, which keeps curl output and
 * logs readable. */
static enum jta_err
sendjson(struct jta_resp *resp, int status, const char *type,
    const char *text, size_t len)
{
	enum jta_err	 rc;

	rc = send(resp, status, type, text, len);
	if (rc == JTA_OK && !resp->head_only &&
	    resp->write(resp->arg, "\n", 1) != 0)
		rc = JTA_ERR_IO;
	return rc;
}

enum jta_err
jta_resp_json_as(struct jta_resp *resp, int status, const char *type,
    const json_t *body)
{
	enum jta_err	 rc;
	char		*text;
	size_t		 len;
	json_t		*noted = NULL;

	/* A quota's notice goes first, so shrinking never drops it.  The
	 * cast drops const for jansson's API only: json_object_update
	 * takes references to body's members and changes nothing else. */
	if (resp->notice != NULL && status >= 200 && status <= 299 &&
	    json_is_object(body) && strcmp(type, "application/json") == 0) {
		if ((noted = json_pack("{s:s}", "notice", resp->notice)) ==
		    NULL || json_object_update_missing(noted,
		    (json_t *)(uintptr_t)body) != 0) {
			json_decref(noted);
			return JTA_ERR_NOMEM;
		}
		body = noted;
	}
	/* Every answer stays under the response cap (jta_fit.h). */
	rc = jta_fit(body, JTA_LIMIT_RESPONSE_CHARS, &text, &len, NULL);
	json_decref(noted);
	if (rc != JTA_OK)
		return rc;
	rc = sendjson(resp, status, type, text, len);
	jta_arena_free(text);	/* jta_fit's, from jansson */
	return rc;
}

enum jta_err
jta_resp_json_text(struct jta_resp *resp, int status, const char *text,
    size_t len, int *sent)
{
	*sent = 0;
	/* A notice goes into the tree; an answer over the cap is cut from
	 * the tree (jta_fit). */
	if (resp->notice != NULL ||
	    !jta_fit_fits(text, len, JTA_LIMIT_RESPONSE_CHARS))
		return JTA_OK;
	*sent = 1;
	return sendjson(resp, status, "application/json", text, len);
}

enum jta_err
jta_resp_json(struct jta_resp *resp, int status, const json_t *body)
{
	return jta_resp_json_as(resp, status, "application/json", body);
}

enum jta_err
jta_resp_bytes(struct jta_resp *resp, int status, const char *type,
    const char *body, size_t len)
{
	if (type == NULL || strpbrk(type, "\r\n") != NULL)
		return JTA_ERR_INTERNAL;
	return send(resp, status, type, body, len);
}

enum jta_err
jta_resp_stream_begin(struct jta_resp *resp, const char *type)
{
	enum jta_err	 rc;

	if (type == NULL || strpbrk(type, "\r\n") != NULL)
		return JTA_ERR_INTERNAL;
	if ((rc = send(resp, 200, type, NULL, 0)) != JTA_OK)
		return rc;
	if (resp->flush != NULL && resp->flush(resp->arg) != 0)
		return JTA_ERR_IO;
	return JTA_OK;
}

enum jta_err
jta_resp_stream_write(struct jta_resp *resp, const char *buf, size_t len)
{
	if (resp->status == 0)
		return JTA_ERR_INTERNAL;
	if (resp->head_only || len == 0)
		return JTA_OK;
	if (resp->write(resp->arg, buf, len) != 0)
		return JTA_ERR_IO;
	if (resp->flush != NULL && resp->flush(resp->arg) != 0)
		return JTA_ERR_IO;
	return JTA_OK;
}

enum jta_err
jta_resp_empty(struct jta_resp *resp, int status)
{
	return send(resp, status, NULL, NULL, 0);
}

/* The "errors" member of a problem: one object per item, [{"field",
 * "detail", "name"?, "allowed"?, "question"?}] (api.md "Create with
 * names"), so an assistant can ask about each field in turn. */
static enum jta_err
problem_items(json_t *p, const struct jta_error *err)
{
	const struct jta_error_item *it;
	json_t		*items, *o, *allowed;
	size_t		 i, j;

	if ((items = json_array()) == NULL ||
	    json_object_set_new(p, "errors", items) != 0)
		return JTA_ERR_NOMEM;
	for (i = 0; i < err->nitems && i < JTA_ERROR_ITEMS; i++) {
		it = &err->items[i];
		if ((o = json_pack("{s:s, s:s}", "field", it->field, "detail",
		    it->message)) == NULL ||
		    json_array_append_new(items, o) != 0)
			return JTA_ERR_NOMEM;
		if (it->name[0] != '\0' && json_object_set_new(o, "name",
		    json_string(it->name)) != 0)
			return JTA_ERR_NOMEM;
		if (it->nallowed > 0) {
			if ((allowed = json_array()) == NULL ||
			    json_object_set_new(o, "allowed", allowed) != 0)
				return JTA_ERR_NOMEM;
			for (j = 0; j < it->nallowed; j++)
				if (json_array_append_new(allowed,
				    json_string(jta_error_allowed(it, j))) != 0)
					return JTA_ERR_NOMEM;
		}
		if (it->question[0] != '\0' && json_object_set_new(o,
		    "question", json_string(it->question)) != 0)
			return JTA_ERR_NOMEM;
	}
	return JTA_OK;
}

json_t *
jta_resp_problem_json(const struct jta_error *err, const char *request_id)
{
	json_t		*p;
	int		 status = err->status >= 400 && err->status <= 599 ?
			    err->status : 500;

	p = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank",
	    "title", jta_resp_reason(status), "status", status, "detail",
	    err->detail[0] ? err->detail : jta_resp_reason(status));
	if (p == NULL)
		return NULL;
	/* A field or id that is no valid UTF-8 is left out, not fatal: the
	 * problem must still be sent. */
	if (err->field[0] != '\0')
		json_object_set_new(p, "field", json_string(err->field));
	if (request_id != NULL)
		json_object_set_new(p, "request_id", json_string(request_id));
	if ((err->nitems > 0 && problem_items(p, err) != JTA_OK) ||
	    (err->retry_after > 0 && json_object_set_new(p, "retry_after",
	    json_integer(err->retry_after)) != 0)) {
		json_decref(p);
		return NULL;
	}
	return p;
}

enum jta_err
jta_resp_problem(struct jta_resp *resp, const struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*p;
	char		 ra[24];
	int		 status = err->status >= 400 && err->status <= 599 ?
			    err->status : 500;

	if ((p = jta_resp_problem_json(err, resp->request_id)) == NULL)
		return JTA_ERR_NOMEM;
	if (err->retry_after > 0) {
		/* RFC 9110 §10.2.3, and a member the assistant can read. */
		snprintf(ra, sizeof(ra), "%ld", err->retry_after);
		if ((rc = jta_resp_header(resp, "Retry-After", ra)) !=
		    JTA_OK) {
			json_decref(p);
			return rc;
		}
	}
	rc = jta_resp_json_as(resp, status, "application/problem+json", p);
	json_decref(p);
	return rc;
}

enum jta_err
jta_resp_redirect(struct jta_resp *resp, int status, const char *location)
{
	enum jta_err	 rc;

	if ((rc = jta_resp_header(resp, "Location", location)) != JTA_OK ||
	    (rc = jta_resp_header(resp, "Cache-Control", "no-store")) !=
	    JTA_OK)
		return rc;
	return send(resp, status, NULL, NULL, 0);
}

/* A growing page buffer; on overflow it stays marked and is refused. */
struct page {
	char	*buf;
	size_t	 len, cap;
	int	 over;
};

static void
put(struct page *p, const char *s, size_t n)
{
	if (p->over || n > p->cap - p->len) {
		p->over = 1;
		return;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
}

static void
puts_(struct page *p, const char *s)
{
	put(p, s, strlen(s));
}

/* HTML escaping by context: text escapes & < >; an attribute value
 * (always double-quoted here) also " and '. */
static void
esc(struct page *p, const char *s, int attr)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&': puts_(p, "&amp;"); break;
		case '<': puts_(p, "&lt;"); break;
		case '>': puts_(p, "&gt;"); break;
		case '"': puts_(p, attr ? "&quot;" : "\""); break;
		case '\'': puts_(p, attr ? "&#39;" : "'"); break;
		default: put(p, s, 1); break;
		}
}

/* 1 when s is scheme://host[:port] with nothing a header or a CSP
 * source list could misread. */
static int
isorigin(const char *s)
{
	const char	*h;
	size_t		 i;

	if (strncmp(s, "https://", 8) == 0)
		h = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		h = s + 7;
	else
		return 0;
	if (*h == '\0' || strlen(s) > JTA_RESP_ORIGIN_MAX)
		return 0;
	for (i = 0; h[i] != '\0'; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' &&
		    h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') ||
		    h[i] == '.' || h[i] == '-' || h[i] == ':'))
			return 0;
	return 1;
}

static void
form(struct page *p, const struct jta_page_form *f)
{
	size_t	 i;

	puts_(p, "<form method=\"post\" action=\"");
	esc(p, f->action, 1);
	puts_(p, "\">\n");
	for (i = 0; i < f->nhidden; i++) {
		puts_(p, "<input type=\"hidden\" name=\"");
		esc(p, f->hidden[i].name, 1);
		puts_(p, "\" value=\"");
		esc(p, f->hidden[i].value, 1);
		puts_(p, "\">\n");
	}
	if (f->credentials) {
		puts_(p, "<p><label for=\"username\">User name</label><br>"
		    "<input id=\"username\" name=\"username\" "
		    "autocomplete=\"username\" required value=\"");
		esc(p, f->username != NULL ? f->username : "", 1);
		puts_(p, "\"></p>\n<p><label for=\"password\">Password</label>"
		    "<br><input id=\"password\" name=\"password\" "
		    "type=\"password\" autocomplete=\"current-password\" "
		    "required></p>\n");
	}
	puts_(p, "<p><button type=\"submit\">");
	esc(p, f->submit != NULL ? f->submit : "Continue", 0);
	puts_(p, "</button></p>\n</form>\n");
}

enum jta_err
jta_resp_page(struct jta_resp *resp, int status, const struct jta_page *pg)
{
	struct page	 p;
	enum jta_err	 rc;
	char		 csp[JTA_RESP_ORIGIN_MAX + 32], full[sizeof(csp) + 128];
	size_t		 i, sz;

	memset(&p, 0, sizeof(p));
	p.cap = JTA_RESP_PAGE_MAX;
	for (i = 0; i < pg->nsections; i++) {
		sz = strlen(pg->sections[i].heading) + 128;
		if (pg->sections[i].meta != NULL)
			sz += strlen(pg->sections[i].meta);
		if (pg->sections[i].text != NULL)
			sz += strlen(pg->sections[i].text);
		if (sz > JTA_RESP_PAGE_SECTIONS_MAX / 6 ||
		    6 * sz > JTA_RESP_PAGE_SECTIONS_MAX - p.cap)
			return JTA_ERR_INPUT;
		p.cap += 6 * sz;
	}
	if ((p.buf = malloc(p.cap)) == NULL)
		return JTA_ERR_NOMEM;
	puts_(&p, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\"><meta name=\"viewport\" content=\"width="
	    "device-width, initial-scale=1\"><title>");
	esc(&p, pg->title, 0);
	puts_(&p, "</title><link rel=\"stylesheet\" href=\"/style.css\">"
	    "</head>\n<body><main><h1>");
	esc(&p, pg->title, 0);
	puts_(&p, "</h1>\n<p>");
	esc(&p, pg->text, 0);
	puts_(&p, "</p>\n");
	if (pg->code != NULL) {
		puts_(&p, "<p><code id=\"key\">");
		esc(&p, pg->code, 0);
		puts_(&p, "</code></p>\n");
	}
	if (pg->nlinks > 0) {
		puts_(&p, "<ul>\n");
		for (i = 0; i < pg->nlinks; i++) {
			puts_(&p, "<li><a href=\"");
			esc(&p, pg->links[i].href, 1);
			puts_(&p, "\">");
			esc(&p, pg->links[i].text, 0);
			puts_(&p, "</a></li>\n");
		}
		puts_(&p, "</ul>\n");
	}
	for (i = 0; i < pg->nsections; i++) {
		puts_(&p, "<section><h2>");
		esc(&p, pg->sections[i].heading, 0);
		puts_(&p, "</h2>\n");
		if (pg->sections[i].meta != NULL) {
			puts_(&p, "<p><small>");
			esc(&p, pg->sections[i].meta, 0);
			puts_(&p, "</small></p>\n");
		}
		if (pg->sections[i].text != NULL) {
			puts_(&p, "<pre>");
			esc(&p, pg->sections[i].text, 0);
			puts_(&p, "</pre>\n");
		}
		puts_(&p, "</section>\n");
	}
	if (pg->form != NULL)
		form(&p, pg->form);
	if (pg->after != NULL) {
		puts_(&p, "<p>");
		esc(&p, pg->after, 0);
		puts_(&p, "</p>\n");
	}
	puts_(&p, "</main></body></html>\n");
	rc = JTA_ERR_INTERNAL;
	if (p.over)
		goto out;
	/* The page may hold a key shown once: never cached, never sent
	 * on as a referrer, no scripts. */
	if (pg->form == NULL)
		snprintf(csp, sizeof(csp), "%s", "form-action 'none'");
	else if (pg->form->redirect_origin == NULL)
		snprintf(csp, sizeof(csp), "%s", "form-action 'self'");
	else if (!isorigin(pg->form->redirect_origin)) {
		rc = JTA_ERR_INPUT;
		goto out;
	} else
		snprintf(csp, sizeof(csp), "form-action 'self' %s",
		    pg->form->redirect_origin);
	if ((rc = jta_resp_header(resp, "Cache-Control", "no-store")) !=
	    JTA_OK)
		goto out;
	snprintf(full, sizeof(full), "default-src 'none'; style-src 'self'; "
	    "base-uri 'none'; %s; frame-ancestors 'none'", csp);
	if ((rc = jta_resp_header(resp, "Content-Security-Policy", full)) !=
	    JTA_OK)
		goto out;
	rc = send(resp, status, "text/html; charset=utf-8", p.buf, p.len);
out:
	/* The page may have held an API key. */
	explicit_bzero(p.buf, p.len);
	free(p.buf);
	return rc;
}
