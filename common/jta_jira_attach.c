/*
 * Jira Cloud's attachments <-> the ticket API, with no I/O (see
 * jta_jira.h and jta_jira_sd.h): the list an issue or a service request
 * shows.  Part of jta_jira, with jta_jira.c, jta_jira_create.c and
 * jta_jira_tickets.c.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jta_jira.h"
#include "jta_http.h"
#include "jta_jira_int.h"
#include "jta_jira_sd.h"
#include "jta_limits.h"
#include "jta_text.h"

/* A short string member k of o (at most max bytes, UTF-8, no control
 * character: it is shown to the assistant), or JSON null. */
static json_t *
shortstr(const json_t *o, const char *k, size_t max)
{
	const json_t	*v = json_object_get(o, k);
	const char	*s;
	size_t		 len, i;

	if (!json_is_string(v) || (len = json_string_length(v)) == 0 ||
	    len > max)
		return json_null();
	s = json_string_value(v);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return json_null();
	return jta_text_utf8_valid(s, len) ? json_stringn(s, len) :
	    json_null();
}

/*
 * attachment_count and attachments (the first JTA_LIMIT_ATTACHMENTS_SHOWN)
 * of fields.attachment (Jira platform v3, Attachment: id, filename,
 * mimeType, size, author, created) into o.  Each is {id, name, type, size,
 * author, created, url}: url is made here from site (already checked by
 * jta_jira_slimrow) and the id, the "Get attachment content" call
 * (GET /rest/api/3/attachment/content/{id}) a signed-in person's browser
 * opens, never Jira's own content link, so nothing Jira sends becomes a
 * link.  An entry without a numeric id (a string, or a number as in the
 * document's example) is skipped; other bad members become null.
 */
enum jta_err
jta_jira_attachments(const json_t *f, const char *site, json_t *o)
{
	const json_t	*list = json_object_get(f, "attachment"), *it, *v;
	json_t		*arr, *one;
	char		 url[JTA_LIMIT_PATH];
	size_t		 i, n, len, shown = 0, count = 0;
	uint64_t	 id;
	int		 k;

	len = strlen(site);
	while (len > 0 && site[len - 1] == '/')
		len--;
	if (jta_jira_oset(o, "attachments", arr = json_array()) != 0)
		return JTA_ERR_NOMEM;
	n = json_is_array(list) ? json_array_size(list) : 0;
	for (i = 0; i < n; i++) {
		it = json_array_get(list, i);
		/* The schema says a string; its own example, a number. */
		v = json_object_get(it, "id");
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			id = (uint64_t)json_integer_value(v);
		else if (!json_is_string(v) || jta_text_parse_uint(
		    json_string_value(v), json_string_length(v), INT64_MAX,
		    &id) != 0)
			continue;
		count++;
		if (shown == JTA_LIMIT_ATTACHMENTS_SHOWN)
			continue;
		k = snprintf(url, sizeof(url),
		    "%.*s/rest/api/3/attachment/content/%" PRIu64, (int)len,
		    site, id);
		if (k < 0 || (size_t)k >= sizeof(url))
			continue;
		v = json_object_get(it, "size");
		if ((one = json_object()) == NULL)
			return JTA_ERR_NOMEM;
		if (json_array_append_new(arr, one) != 0 ||
		    jta_jira_oset(one, "id", json_sprintf("%" PRIu64, id)) ||
		    jta_jira_oset(one, "name", shortstr(it, "filename",
		    JTA_LIMIT_ATTACH_NAME)) ||
		    jta_jira_oset(one, "type", shortstr(it, "mimeType", 255)) ||
		    jta_jira_oset(one, "size", json_is_integer(v) &&
		    json_integer_value(v) >= 0 ? json_integer(
		    json_integer_value(v)) : json_null()) ||
		    jta_jira_oset(one, "author", jta_jira_subname(it, "author",
		    "displayName")) ||
		    jta_jira_oset(one, "created",
		    jta_jira_ourtime(json_object_get(it, "created"))) ||
		    jta_jira_oset(one, "url", json_string(url)))
			return JTA_ERR_NOMEM;
		shown++;
	}
	if (jta_jira_oset(o, "attachment_count", json_integer(
	    (json_int_t)count)) != 0)
		return JTA_ERR_NOMEM;
	return JTA_OK;
}

/* The id at the end of an attachment's REST link ("https://SITE/rest/api/
 * 2/attachment/10000", AttachmentLinkDTO.jiraRest), into *id; -1 when
 * there is none. */
static int
restid(const json_t *links, uint64_t *id)
{
	const char	*s = jta_jira_strmem(links, "jiraRest"), *p;

	if (s == NULL || (p = strrchr(s, '/')) == NULL ||
	    p - s < 11 || strncmp(p - 11, "/attachment", 11) != 0)
		return -1;
	return jta_text_parse_uint(p + 1, strlen(p + 1), INT64_MAX, id) == 0 ?
	    0 : -1;
}

/*
 * attachment_count and attachments of a CustomerRequestDTO expanded with
 * attachment (Jira Service Management: PagedDTOAttachmentDTO, each
 * {filename, author, created (DateDTO), size, mimeType, _links}) into o,
 * as jta_jira_attachments does for issues.  The DTO carries no id: it is
 * read from _links.jiraRest, and url is made from site, that id and the
 * file name as the document's example link is
 * ({site}/servicedesk/customershim/secure/attachment/{id}/{name}), which
 * the customer portal opens; _links.content itself is never passed on.
 * An entry without such an id is skipped.  JTA_ERR_NOMEM only.
 */
enum jta_err
jta_jira_sd_attachments(const json_t *dto, const char *site, json_t *o)
{
	const json_t	*list, *it, *v;
	json_t		*arr, *one, *name;
	char		 enc[3 * JTA_LIMIT_ATTACH_NAME + 1];
	char		 url[JTA_LIMIT_PATH + sizeof(enc)];
	size_t		 i, n, len, shown = 0, count = 0;
	uint64_t	 id;
	int		 k;

	list = json_object_get(json_object_get(dto, "attachments"), "values");
	len = strlen(site);
	while (len > 0 && site[len - 1] == '/')
		len--;
	if (jta_jira_oset(o, "attachments", arr = json_array()) != 0)
		return JTA_ERR_NOMEM;
	n = json_is_array(list) ? json_array_size(list) : 0;
	for (i = 0; i < n; i++) {
		it = json_array_get(list, i);
		if (restid(json_object_get(it, "_links"), &id) != 0)
			continue;
		count++;
		if (shown == JTA_LIMIT_ATTACHMENTS_SHOWN)
			continue;
		name = shortstr(it, "filename", JTA_LIMIT_ATTACH_NAME);
		if (name == NULL)
			return JTA_ERR_NOMEM;
		enc[0] = '\0';
		if (json_is_string(name) && jta_http_urlencode(
		    json_string_value(name), json_string_length(name), enc,
		    sizeof(enc)) != 0)
			enc[0] = '\0';
		k = snprintf(url, sizeof(url), "%.*s/servicedesk/customershim/"
		    "secure/attachment/%" PRIu64 "/%s", (int)len, site, id,
		    enc);
		v = json_object_get(it, "size");
		if (k < 0 || (size_t)k >= sizeof(url) ||
		    (one = json_object()) == NULL) {
			json_decref(name);
			if (k < 0 || (size_t)k >= sizeof(url))
				continue;
			return JTA_ERR_NOMEM;
		}
		if (json_array_append_new(arr, one) != 0 ||
		    jta_jira_oset(one, "id", json_sprintf("%" PRIu64, id)) ||
		    jta_jira_oset(one, "name", name) ||
		    jta_jira_oset(one, "type", shortstr(it, "mimeType", 255)) ||
		    jta_jira_oset(one, "size", json_is_integer(v) &&
		    json_integer_value(v) >= 0 ? json_integer(
		    json_integer_value(v)) : json_null()) ||
		    jta_jira_oset(one, "author", jta_jira_subname(it, "author",
		    "displayName")) ||
		    jta_jira_oset(one, "created", jta_jira_ourtime(
		    json_object_get(json_object_get(it, "created"), "jira"))) ||
		    jta_jira_oset(one, "url", json_string(url)))
			return JTA_ERR_NOMEM;
		shown++;
	}
	if (jta_jira_oset(o, "attachment_count", json_integer(
	    (json_int_t)count)) != 0)
		return JTA_ERR_NOMEM;
	return JTA_OK;
}
