#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum jta_err
jta_resp_json_as(struct jta_resp *resp, int status, const char *type,
    const json_t *body)
{
	enum jta_err	 rc;
	char		*text;
	size_t		 len;

	if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
		return JTA_ERR_NOMEM;
	len = strlen(text);
	/* A trailing newline keeps curl output and logs readable. */
	rc = send(resp, status, type, text, len);
	if (rc == JTA_OK && !resp->head_only &&
	    resp->write(resp->arg, "\n", 1) != 0)
		rc = JTA_ERR_IO;
	free(text);
	return rc;
}

enum jta_err
jta_resp_json(struct jta_resp *resp, int status, const json_t *body)
{
	return jta_resp_json_as(resp, status, "application/json", body);
}

enum jta_err
jta_resp_empty(struct jta_resp *resp, int status)
{
	return send(resp, status, NULL, NULL, 0);
}

enum jta_err
jta_resp_problem(struct jta_resp *resp, const struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*p;
	int		 status = err->status >= 400 && err->status <= 599 ?
			    err->status : 500;

	p = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank",
	    "title", jta_resp_reason(status), "status", status, "detail",
	    err->detail[0] ? err->detail : jta_resp_reason(status));
	if (p == NULL)
		return JTA_ERR_NOMEM;
	if (err->field[0] != '\0')
		json_object_set_new(p, "field", json_string(err->field));
	if (resp->request_id != NULL)
		json_object_set_new(p, "request_id",
		    json_string(resp->request_id));
	rc = jta_resp_json_as(resp, status, "application/problem+json", p);
	json_decref(p);
	return rc;
}
