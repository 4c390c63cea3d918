/*
 * Attachments' rules (jta_attach.h): names, declared types against the
 * first bytes, and the bounded fetch of a file a stranger links to.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jta_attach.h"
#include "jta_conf.h"
#include "jta_http.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_text.h"

enum magic { M_PNG, M_JPEG, M_GIF, M_WEBP, M_PDF, M_ZIP, M_TEXT, M_JSON };

/* The declared types accepted, and how their content starts. */
static const struct type {
	const char	*mime;
	enum magic	 magic;
} types[] = {
	{ "image/png",		M_PNG },
	{ "image/jpeg",		M_JPEG },
	{ "image/gif",		M_GIF },
	{ "image/webp",		M_WEBP },
	{ "application/pdf",	M_PDF },
	{ "application/zip",	M_ZIP },
	/* Office Open XML (ECMA-376 Part 2): zip containers. */
	{ "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document", M_ZIP },
	{ "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet", M_ZIP },
	{ "application/vnd.openxmlformats-officedocument."
	    "presentationml.presentation", M_ZIP },
	{ "text/plain",		M_TEXT },
	{ "text/csv",		M_TEXT },
	{ "text/markdown",	M_TEXT },
	{ "text/x-log",		M_TEXT },
	{ "application/json",	M_JSON },
};
#define NTYPES	(sizeof(types) / sizeof(types[0]))

const char *
jta_attach_type_known(const char *declared)
{
	size_t	 n, i;

	if (declared == NULL)
		return NULL;
	/* RFC 9110 §8.3.1: type "/" subtype, then parameters after ';';
	 * type and subtype are case-insensitive. */
	n = strcspn(declared, ";");
	while (n > 0 && (declared[n - 1] == ' ' || declared[n - 1] == '\t'))
		n--;
	for (i = 0; i < NTYPES; i++)
		if (strlen(types[i].mime) == n &&
		    strncasecmp(types[i].mime, declared, n) == 0)
			return types[i].mime;
	return NULL;
}

/* 1 when b (len bytes) starts with p (plen bytes). */
static int
starts(const unsigned char *b, size_t len, const char *p, size_t plen)
{
	return len >= plen && memcmp(b, p, plen) == 0;
}

/* 1 when b[0..len) is UTF-8 text: well-formed, no NUL (a binary file's
 * sign).  An empty file is text. */
static int
text(const unsigned char *b, size_t len)
{
	return memchr(b, '\0', len) == NULL &&
	    jta_text_utf8_valid((const char *)b, len);
}

static int
matches(enum magic m, const unsigned char *b, size_t len)
{
	size_t	 i;

	switch (m) {
	case M_PNG:	/* PNG (ISO/IEC 15948) §5.2 signature */
		return starts(b, len, "\x89PNG\r\n\x1a\n", 8);
	case M_JPEG:	/* JPEG (ITU T.81) SOI marker, then a marker */
		return starts(b, len, "\xff\xd8\xff", 3);
	case M_GIF:	/* GIF89a spec §17: "GIF87a" or "GIF89a" */
		return starts(b, len, "GIF87a", 6) ||
		    starts(b, len, "GIF89a", 6);
	case M_WEBP:	/* RFC 9649 §2: RIFF, a size, "WEBP" */
		return len >= 12 && starts(b, len, "RIFF", 4) &&
		    memcmp(b + 8, "WEBP", 4) == 0;
	case M_PDF:	/* ISO 32000-1 §7.5.2: "%PDF-" */
		return starts(b, len, "%PDF-", 5);
	case M_ZIP:	/* APPNOTE.TXT §4.3.7 local file header, or the end
			 * record of an empty archive (§4.3.16) */
		return starts(b, len, "PK\x03\x04", 4) ||
		    starts(b, len, "PK\x05\x06", 4);
	case M_TEXT:
		return text(b, len);
	case M_JSON:	/* RFC 8259 §2, objects and arrays only */
		if (!text(b, len))
			return 0;
		i = starts(b, len, "\xef\xbb\xbf", 3) ? 3 : 0;
		while (i < len && (b[i] == ' ' || b[i] == '\t' ||
		    b[i] == '\r' || b[i] == '\n'))
			i++;
		return i < len && (b[i] == '{' || b[i] == '[');
	}
	return 0;
}

enum jta_err
jta_attach_type_check(const char *declared, const void *body, size_t len,
    struct jta_error *err)
{
	const char	*mime;
	size_t		 i;

	if ((mime = jta_attach_type_known(declared)) == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "mime_type",
		    "its type is not one this server accepts (images: png, "
		    "jpeg, gif, webp; pdf; zip and Office files; text, csv, "
		    "markdown, logs; json)");
	for (i = 0; i < NTYPES; i++)
		if (types[i].mime == mime)
			break;
	if (!matches(types[i].magic, body, len))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "mime_type",
		    "its content is not %s, as its type says", mime);
	return JTA_OK;
}

enum jta_err
jta_attach_name_clean(const char *name, size_t len, char *out, size_t outsz,
    struct jta_error *err)
{
	const char	*p = name, *e = name + len;
	size_t		 o = 0, n, i;
	uint32_t	 cp;

	if (!jta_text_utf8_valid(name, len))
		return jta_error_set(err, JTA_ERR_INPUT, 422, "name",
		    "its name is not UTF-8 text");
	/* The base name: a path in it names nothing here. */
	for (i = len; i > 0; i--)
		if (name[i - 1] == '/' || name[i - 1] == '\\') {
			p = name + i;
			break;
		}
	while (p < e && (n = jta_text_utf8_next(p, (size_t)(e - p), &cp)) >
	    0) {
		/* Control characters, C0, DEL and C1, are dropped. */
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			p += n;
			continue;
		}
		if (o + n >= outsz || o + n > JTA_LIMIT_ATTACH_NAME)
			return jta_error_set(err, JTA_ERR_INPUT, 422, "name",
			    "its name is longer than %d bytes",
			    JTA_LIMIT_ATTACH_NAME);
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	/* No hidden file, no "." or "..", no blank ends. */
	for (i = 0; out[i] == '.' || out[i] == ' '; i++)
		;
	memmove(out, out + i, o - i + 1);
	o -= i;
	while (o > 0 && (out[o - 1] == '.' || out[o - 1] == ' '))
		out[--o] = '\0';
	if (o == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "name",
		    "its name is empty once cleaned");
	return JTA_OK;
}

void
jta_attach_rules_conf(struct jta_attach_rules *rules,
    const struct jta_conf *conf)
{
	memset(rules, 0, sizeof(*rules));
	rules->hosts = conf->attachment_fetch_hosts;
	rules->max_bytes = (size_t)conf->attachment_max_bytes;
	rules->ca_file = conf->attachment_fetch_test_ca_file;
	rules->allow_loopback = conf->attachment_fetch_allow_loopback;
	rules->clamd_socket = conf->attachment_clamd_socket;
	rules->clamd_timeout_ms = conf->attachment_clamd_timeout_ms;
}

void
jta_attach_file_free(struct jta_attach_file *out)
{
	if (out == NULL)
		return;
	free(out->body);
	memset(out, 0, sizeof(*out));
}

/* The checks before any byte: the name cleaned into out->name, the
 * declared type known (its canonical form into out->mime_type). */
static enum jta_err
judge_label(const char *name, const char *mime_type,
    struct jta_attach_file *out, struct jta_error *err)
{
	const char	*mime;
	enum jta_err	 rc;

	if ((rc = jta_attach_name_clean(name, strlen(name), out->name,
	    sizeof(out->name), err)) != JTA_OK)
		return rc;
	if ((mime = jta_attach_type_known(mime_type)) == NULL)
		return jta_attach_type_check(mime_type, "", 0, err);
	snprintf(out->mime_type, sizeof(out->mime_type), "%s", mime);
	return JTA_OK;
}

enum jta_err
jta_attach_bytes(const struct jta_attach_rules *rules, const char *name,
    const char *mime_type, void *body, size_t len,
    struct jta_attach_file *out, struct jta_error *err)
{
	enum jta_err	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = judge_label(name, mime_type, out, err)) != JTA_OK)
		goto out;
	/* The same cap as a download's, counted on what arrived. */
	if (len > rules->max_bytes) {
		rc = jta_error_set(err, JTA_ERR_INPUT, 413, "size",
		    "the file is larger than %zu bytes", rules->max_bytes);
		goto out;
	}
	if ((rc = jta_attach_type_check(out->mime_type, body != NULL ? body :
	    "", len, err)) != JTA_OK) {
		jta_info("attach: a file's content is not its declared %s",
		    out->mime_type);
		goto out;
	}
	out->body = body;
	out->len = len;
	body = NULL;
	rc = JTA_OK;
out:
	free(body);
	if (rc != JTA_OK)
		jta_attach_file_free(out);
	return rc;
}

enum jta_err
jta_attach_fetch(const struct jta_attach_rules *rules, const char *name,
    const char *mime_type, const char *link, struct jta_attach_file *out,
    struct jta_error *err)
{
	struct jta_http_fetch f;
	struct jta_http_fetched got;
	enum jta_err	 rc;

	memset(out, 0, sizeof(*out));
	memset(&got, 0, sizeof(got));
	/* Name and type are judged before anything is fetched. */
	if ((rc = judge_label(name, mime_type, out, err)) != JTA_OK)
		goto out;
	memset(&f, 0, sizeof(f));
	f.url = link;
	f.max_bytes = rules->max_bytes;
	f.connect_ms = JTA_LIMIT_ATTACH_CONNECT_MS;
	f.total_ms = JTA_LIMIT_ATTACH_TOTAL_MS;
	f.ca_file = rules->ca_file;
	f.allow_loopback = rules->allow_loopback;
	/* The allow-list always applies: an empty one admits nothing. */
	f.hosts = rules->hosts != NULL ? rules->hosts : "";
	f.max_redirects = JTA_LIMIT_ATTACH_REDIRECTS;
	f.accept = "*/*";
	f.test_resolve = rules->test_resolve;
	if ((rc = jta_http_fetch_public(&f, &got, err)) != JTA_OK) {
		jta_info("attach: a file was refused (%s)", err->field);
		goto out;
	}
	/* What arrived goes through the checks every file gets. */
	rc = jta_attach_bytes(rules, name, mime_type, got.body, got.len, out,
	    err);
	got.body = NULL;
out:
	jta_http_fetched_free(&got);
	if (rc != JTA_OK)
		jta_attach_file_free(out);
	return rc;
}
