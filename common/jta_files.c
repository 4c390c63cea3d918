/*
 * The links to the embedded store's kept files and their serving
 * (jta_files.h, README "Attachments: the links to the embedded store's
 * files").
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "jta_attach.h"
#include "jta_draft_files.h"
#include "jta_fcgi.h"
#include "jta_files.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_text.h"
#include "db/jta_store_drafts.h"

/* What a link's MAC is over: a prefix of its own (domain separation on
 * top of the link key's own subkey), the id and the expiry. */
#define LINK_PREFIX	"jta-file-link:v1:"

/* The message signed for (id, expires) into buf; its length, or 0. */
static size_t
linkmsg(int64_t id, int64_t expires, char *buf, size_t bufsz)
{
	int	 n;

	n = snprintf(buf, bufsz, LINK_PREFIX "%" PRId64 ":%" PRId64, id,
	    expires);
	if (n < 0 || (size_t)n >= bufsz)
		return 0;
	return (size_t)n;
}

int
jta_files_link(const struct jta_vault *v, const char *public_url,
    int64_t id, int64_t expires, char *out, size_t outsz)
{
	unsigned char	 mac[JTA_VAULT_LINKBYTES];
	char		 msg[96], sig[JTA_FILES_SIGLEN + 1];
	size_t		 len;
	int		 n;

	if (outsz > 0)
		out[0] = '\0';
	if ((len = linkmsg(id, expires, msg, sizeof(msg))) == 0)
		return -1;
	jta_vault_link_sign(v, msg, len, mac);
	sodium_bin2base64(sig, sizeof(sig), mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	n = snprintf(out, outsz, "%s/files/%" PRId64 "?e=%" PRId64 "&s=%s",
	    public_url, id, expires, sig);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

enum jta_err
jta_files_check(const struct jta_vault *v, const char *seg, int64_t e,
    const char *s, int64_t now, int64_t *id, struct jta_error *err)
{
	unsigned char	 mac[JTA_VAULT_LINKBYTES];
	char		 msg[96];
	uint64_t	 n;
	size_t		 len, maclen = 0;

	*id = 0;
	/* One answer for every link we did not make (no id, no expiry, a
	 * signature of another shape, another id's or a forged one), so a
	 * stranger learns nothing about which ids exist. */
	if (seg == NULL || jta_text_parse_uint(seg, strlen(seg), INT64_MAX,
	    &n) != 0 || n == 0 || e < 0 || s == NULL ||
	    strlen(s) != JTA_FILES_SIGLEN ||
	    sodium_base642bin(mac, sizeof(mac), s, JTA_FILES_SIGLEN, NULL,
	    &maclen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    maclen != sizeof(mac) ||
	    (len = linkmsg((int64_t)n, e, msg, sizeof(msg))) == 0 ||
	    !jta_vault_link_verify(v, msg, len, mac))
		return jta_error_set(err, JTA_ERR_AUTH, 403, "s",
		    "this link to a file is not valid; ask for the ticket "
		    "again for a new one");
	/* Only now, with the signature ours: e is the time we set. */
	if (now >= e)
		return jta_error_set(err, JTA_ERR_AUTH, 403, "e",
		    "this link to a file has expired; ask for the ticket "
		    "again for a new one");
	*id = (int64_t)n;
	return JTA_OK;
}

/* RFC 8187 §3.2.1 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" /
 * "+" / "-" / "." / "^" / "_" / "`" / "|" / "~". */
static int
attrchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$&+-.^_`|~", c) != NULL;
}

int
jta_files_disposition(const char *name, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t		 len = 0, i;
	int		 changed = 0;

#define PUT(c) do {							\
	if (len + 1 >= outsz)						\
		goto toolong;						\
	out[len++] = (char)(c);						\
} while (0)
#define PUTS(str) do {							\
	for (i = 0; (str)[i] != '\0'; i++)				\
		PUT((str)[i]);						\
} while (0)

	if (outsz == 0)
		return -1;
	if (name == NULL || name[0] == '\0')
		name = "file";
	PUTS("attachment; filename=\"");
	/* RFC 6266 §4.3: the quoted form for every recipient, in ASCII
	 * that needs no escape; '%' is left out so that no recipient
	 * decodes it (RFC 6266 appendix D). */
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p >= 0x80) {
			/* One '_' per UTF-8 character: skip its
			 * continuation bytes. */
			if ((*p & 0xc0) != 0x80)
				PUT('_');
			changed = 1;
		} else if (*p < 0x20 || *p == 0x7f || *p == '"' ||
		    *p == '\\' || *p == '%') {
			PUT('_');
			changed = 1;
		} else
			PUT(*p);
	}
	PUT('"');
	if (changed) {
		PUTS("; filename*=UTF-8''");
		for (p = (const unsigned char *)name; *p != '\0'; p++) {
			if (attrchar(*p))
				PUT(*p);
			else {
				PUT('%');
				PUT(hex[*p >> 4]);
				PUT(hex[*p & 0x0f]);
			}
		}
	}
	out[len] = '\0';
	return 0;
toolong:
	out[0] = '\0';
	return -1;
#undef PUT
#undef PUTS
}

static const struct jta_field link_fields[] = {
	{ "e", JTA_FT_UINT, 0, 0, INT64_MAX, NULL },
	{ "s", JTA_FT_STRING, 0, 1, 64, NULL },
};

enum jta_err
jta_files_serve(struct jta_backend *be, const struct jta_req *req,
    int64_t now, struct jta_resp *resp, struct jta_error *err)
{
	struct jta_ticket_file *f = NULL;
	enum jta_err	 rc;
	json_t		*q = NULL, *je;
	char		 seg[32], dir[4096], proj[JTA_LIMIT_PROJECT_KEY + 1];
	char		 disp[2048], clen[24];
	char		 buf[JTA_LIMIT_FILE_CHUNK];
	int64_t		 id, num, size, left;
	ssize_t		 n;
	int		 fd = -1;

	/* The route is /files/ and one segment (jta_endpoint.c); a
	 * segment too long for an id is no link of ours. */
	if (!jta_req_path_segment(req, "/files/", "", seg, sizeof(seg)))
		seg[0] = '\0';
	if ((rc = jta_req_query(req, link_fields,
	    sizeof(link_fields) / sizeof(link_fields[0]), &q, err)) != JTA_OK)
		goto out;
	je = json_object_get(q, "e");
	if ((rc = jta_files_check(be->vault, seg[0] ? seg : NULL,
	    je != NULL ? (int64_t)json_integer_value(je) : -1,
	    json_string_value(json_object_get(q, "s")), now, &id,
	    err)) != JTA_OK)
		goto out;
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	if (be->conf->backend != JTA_BACKEND_LOCAL) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "there is no such file");
		goto out;
	}
	if ((rc = jta_store_ticket_file_get(be->store, id, f, proj,
	    sizeof(proj), &num, err)) != JTA_OK) {
		if (rc == JTA_ERR_NOTFOUND)
			(void)jta_error_set(err, rc, 404, "id",
			    "this file is no longer kept (its ticket was "
			    "deleted)");
		goto out;
	}
	jta_draft_files_statedir(be, dir, sizeof(dir));
	if ((rc = jta_attach_open_kept(dir, f->path, &fd, &size)) !=
	    JTA_OK) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "this file is no longer kept");
		goto out;
	}
	if (jta_files_disposition(f->name, disp, sizeof(disp)) != 0)
		snprintf(disp, sizeof(disp), "attachment");
	snprintf(clen, sizeof(clen), "%" PRId64, size);
	/* The file is a stranger's bytes: the browser must save it, not
	 * render it, nor guess another type (nosniff), and if it renders
	 * anyway, with no origin of ours (CSP sandbox). */
	if ((rc = jta_resp_header(resp, "Content-Disposition", disp)) !=
	    JTA_OK ||
	    (rc = jta_resp_header(resp, "Content-Length", clen)) != JTA_OK ||
	    (rc = jta_resp_header(resp, "X-Content-Type-Options",
	    "nosniff")) != JTA_OK ||
	    (rc = jta_resp_header(resp, "Content-Security-Policy",
	    "sandbox")) != JTA_OK ||
	    (rc = jta_resp_header(resp, "Cache-Control", "private")) !=
	    JTA_OK) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the file's headers could not be made");
		goto out;
	}
	if ((rc = jta_resp_stream_begin(resp, f->type)) != JTA_OK)
		goto out;
	for (left = size; left > 0 && !resp->head_only; left -= n) {
		n = read(fd, buf, left < (int64_t)sizeof(buf) ?
		    (size_t)left : sizeof(buf));
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			/* Headers are out: all we can do is stop short,
			 * which the client sees against Content-Length. */
			jta_log(JTA_LOG_ERROR, "files: read %" PRId64 ": %s",
			    id, n < 0 ? strerror(errno) : "cut short");
			rc = JTA_ERR_IO;
			goto out;
		}
		if ((rc = jta_resp_stream_write(resp, buf, (size_t)n)) !=
		    JTA_OK)
			goto out;
	}
	rc = JTA_OK;
out:
	/* After the headers went out an error only ends the answer short
	 * (jta_fcgi.c sends no problem once a status was sent). */
	if (fd >= 0)
		close(fd);
	free(f);
	json_decref(q);
	return rc;
}

/* ---- reading a text attachment ---- */

int
jta_files_text_type(const char *type)
{
	static const char *const text[] = { "text/plain", "text/csv",
	    "text/markdown", "text/x-log", "application/json" };
	size_t	 i, n;

	if (type == NULL)
		return 0;
	n = strcspn(type, "; \t");
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		if (strlen(text[i]) == n && strncasecmp(type, text[i], n) == 0)
			return 1;
	return 0;
}

size_t
jta_files_text_clean(const char *buf, size_t len, size_t max, int more,
    char *out, size_t outsz, int *truncated)
{
	size_t	 i = 0, o = 0, k;
	uint32_t cp;

	*truncated = more || len > max;
	if (len > max)
		len = max;
	if (outsz == 0)
		return 0;
	while (i < len) {
		if ((k = jta_text_utf8_next(buf + i, len - i, &cp)) == 0) {
			/* A character cut by the bound: stop before it. */
			if (*truncated && len - i < 4 &&
			    ((unsigned char)buf[i] & 0xc0) == 0xc0)
				break;
			i++;
			/* U+FFFD for an ill-formed byte, when it fits. */
			if (o + 3 < outsz) {
				memcpy(out + o, "\xef\xbf\xbd", 3);
				o += 3;
			}
			continue;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0)) {
			i += k;
			continue;
		}
		if (o + k >= outsz)
			break;
		memcpy(out + o, buf + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return o;
}

json_t *
jta_files_text_json(int64_t id, const char *name, const char *type,
    int64_t size, const char *text, size_t textlen, int truncated)
{
	char	 ids[24];

	snprintf(ids, sizeof(ids), "%" PRId64, id);
	return json_pack("{s:s, s:s, s:s, s:I, s:s%, s:b}", "id", ids,
	    "name", name, "type", type, "size", (json_int_t)size, "text",
	    text, textlen, "truncated", truncated);
}

enum jta_err
jta_files_text_refuse(const char *name, const char *type,
    struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_INPUT, 422, "id",
	    "%s is %s, not text: only text/plain, text/csv, text/markdown, "
	    "text/x-log and application/json files are read; give the "
	    "person its url instead", name, type);
}

enum jta_err
jta_files_local_text(struct jta_backend *be, const struct jta_user *who,
    const char *key, int64_t id, json_t **out, struct jta_error *err)
{
	struct jta_ticket_file *f = NULL;
	enum jta_err	 rc;
	json_t		*issue = NULL;
	char		 dir[4096], proj[JTA_LIMIT_PROJECT_KEY + 1];
	char		 want[JTA_LIMIT_PROJECT_KEY + 1];
	char		*buf = NULL, *text = NULL;
	size_t		 max = (size_t)be->conf->attachment_text_max_bytes;
	size_t		 got = 0, tlen;
	int64_t		 num, wantnum, size;
	ssize_t		 n;
	int		 fd = -1, cut;

	*out = NULL;
	/* The issue as who reads it: its rules hold for its files. */
	if ((rc = be->ops->get(be, who, key, &issue, err)) != JTA_OK)
		goto out;
	if (jta_text_parse_issue_key(key, strlen(key), want, sizeof(want),
	    &wantnum) != 0) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no issue with that key");
		goto out;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (buf = malloc(max + 1)) == NULL ||
	    (text = malloc(max + 1)) == NULL) {
		rc = JTA_ERR_NOMEM;
		goto out;
	}
	rc = jta_store_ticket_file_get(be->store, id, f, proj, sizeof(proj),
	    &num, err);
	if (rc == JTA_ERR_NOTFOUND || (rc == JTA_OK &&
	    (strcmp(proj, want) != 0 || num != wantnum))) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "%s has no attachment with that id (getIssue lists them)",
		    key);
		goto out;
	}
	if (rc != JTA_OK)
		goto out;
	if (!jta_files_text_type(f->type)) {
		rc = jta_files_text_refuse(f->name, f->type, err);
		goto out;
	}
	jta_draft_files_statedir(be, dir, sizeof(dir));
	if (jta_attach_open_kept(dir, f->path, &fd, &size) != JTA_OK) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "this file is no longer kept");
		goto out;
	}
	/* At most max bytes, never the whole file. */
	while (got < max) {
		n = read(fd, buf + got, max - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			jta_log(JTA_LOG_ERROR, "files: read %" PRId64 ": %s",
			    id, strerror(errno));
			rc = jta_error_set(err, JTA_ERR_IO, 500, NULL,
			    "the file could not be read");
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	tlen = jta_files_text_clean(buf, got, max, size > (int64_t)got,
	    text, max + 1, &cut);
	if ((*out = jta_files_text_json(id, f->name, f->type, size, text,
	    tlen, cut)) == NULL)
		rc = JTA_ERR_NOMEM;
out:
	if (fd >= 0)
		close(fd);
	free(f);
	free(buf);
	free(text);
	json_decref(issue);
	return rc;
}

enum jta_err
jta_files_op_text(struct jta_ctx *ctx, const struct jta_req *req,
    const struct jta_user *who, const char *param, const json_t *in,
    int *status, json_t **out, struct jta_error *err)
{
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];
	const char	*slash;
	uint64_t	 id;
	enum jta_err	 rc;

	(void)req;
	(void)in;
	if (param == NULL || (slash = strchr(param, '/')) == NULL ||
	    (size_t)(slash - param) > JTA_LIMIT_ISSUE_KEY ||
	    jta_text_parse_uint(slash + 1, strlen(slash + 1), INT64_MAX,
	    &id) != 0 || id == 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "an attachment id is a number getIssue lists");
	memcpy(key, param, (size_t)(slash - param));
	key[slash - param] = '\0';
	if (ctx->backend->ops->attachment_text == NULL)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "this backend does not read attachments");
	rc = ctx->backend->ops->attachment_text(ctx->backend, who, key,
	    (int64_t)id, out, err);
	if (rc == JTA_OK)
		*status = 200;
	return rc;
}
