/*
 * Knowledge sync (README.md "Knowledge sync", jta_kb.h jta_kb_sync): the
 * pages of a declared Confluence space read as its sync account through
 * Confluence's v2 API (confluence-v2.json), then swapped into the local
 * index in one transaction.
 *
 *   GET /wiki/api/v2/spaces?keys=KEY          the space's id
 *   GET /wiki/api/v2/spaces/{id}/pages?body-format=atlas_doc_format
 *       &limit=N[&cursor=C]                   its pages, a page at a time
 *
 * Confluence v2 paginates with a cursor: each answer's _links.next is
 * the relative URL of the next page of results, with a cursor query
 * parameter, and is absent on the last (confluence-v2.json,
 * MultiEntityLinks).  The whole space is read before anything is
 * written: an upstream failing half-way leaves the old index served and
 * records the error (jta_store_kb_space_failed).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_confluence.h"
#include "jta_http.h"
#include "jta_jira_backend_int.h"
#include "jta_kb.h"
#include "jta_log.h"
#include "jta_store_kb.h"
#include "jta_store_people.h"
#include "jta_time.h"

/* The longest cursor we pass back (Confluence's are opaque base64-like
 * tokens of a few hundred bytes). */
#define CURSOR_MAX	1024

/* The cursor parameter of next (Confluence's _links.next) into cur
 * (CURSOR_MAX + 1 bytes), still percent-encoded as Confluence wrote it
 * (it is passed back as it came).  0; 1 when next is NULL (the last
 * page); -1 when next has no cursor or one with bytes a query value may
 * not hold unencoded. */
static int
cursor_of(const char *next, char *cur)
{
	const char	*p, *q;
	size_t		 n, i;

	cur[0] = '\0';
	if (next == NULL)
		return 1;
	if ((p = strchr(next, '?')) == NULL)
		return -1;
	for (p++; p != NULL && *p != '\0'; p = q != NULL ? q + 1 : NULL) {
		q = strchr(p, '&');
		if (strncmp(p, "cursor=", 7) != 0)
			continue;
		p += 7;
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		if (n == 0 || n > CURSOR_MAX)
			return -1;
		for (i = 0; i < n; i++)
			if (!((p[i] >= 'a' && p[i] <= 'z') ||
			    (p[i] >= 'A' && p[i] <= 'Z') ||
			    (p[i] >= '0' && p[i] <= '9') || p[i] == '-' ||
			    p[i] == '_' || p[i] == '.' || p[i] == '~' ||
			    p[i] == '%' || p[i] == '='))
				return -1;
		memcpy(cur, p, n);
		cur[n] = '\0';
		return 0;
	}
	return -1;
}

/* The space's id (a decimal number as a string) of key from the answer
 * of GET /spaces?keys=: into id (idsz bytes); -1 when the answer does
 * not name it. */
static int
space_id(const json_t *reply, const char *key, char *id, size_t idsz)
{
	size_t		 i;
	const json_t	*s, *v;

	json_array_foreach(json_object_get(reply, "results"), i, s) {
		if (json_string_value(json_object_get(s, "key")) == NULL ||
		    strcmp(json_string_value(json_object_get(s, "key")), key) !=
		    0)
			continue;
		v = json_object_get(s, "id");
		if (json_is_string(v) && strlen(json_string_value(v)) > 0 &&
		    strspn(json_string_value(v), "0123456789") == strlen(
		    json_string_value(v)) && (size_t)snprintf(id, idsz, "%s",
		    json_string_value(v)) < idsz)
			return 0;
		if (json_is_integer(v) && json_integer_value(v) > 0 &&
		    (size_t)snprintf(id, idsz, "%lld", (long long)
		    json_integer_value(v)) < idsz)
			return 0;
		return -1;
	}
	return -1;
}

/* Cut member k of a (a string) to at most max bytes on a character
 * boundary, adding note when cut: a long title or a huge page is kept
 * shortened rather than failing the whole space.  0, or -1 (memory). */
static int
cut(json_t *a, const char *k, size_t max, const char *note)
{
	const char	*v = json_string_value(json_object_get(a, k));
	size_t		 n, nl = strlen(note);
	char		*b;
	int		 rc;

	if (v == NULL || strlen(v) <= max)
		return 0;
	n = max - nl;
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	if ((b = malloc(n + nl + 1)) == NULL)
		return -1;
	memcpy(b, v, n);
	memcpy(b + n, note, nl + 1);
	rc = json_object_set_new(a, k, json_string(b));
	free(b);
	return rc;
}

/* Append the pages of one listing answer to arts as articles ({title,
 * body, url, updated, source}); *bytes grows by their Markdown. */
static enum jta_err
take(const json_t *reply, const char *site_url, const char *cloud_id,
    json_t *arts, size_t *bytes, struct jta_error *err)
{
	const json_t	*results, *p, *v;
	json_t		*a = NULL;
	size_t		 i;
	char		 id[64], source[JTA_LIMIT_KB_SOURCE + 1];
	const char	*ts;
	int64_t		 t;
	enum jta_err	 rc;

	if (!json_is_array(results = json_object_get(reply, "results")))
		return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Confluence gave a page listing we cannot read");
	json_array_foreach(results, i, p) {
		v = json_object_get(p, "id");
		if (!json_is_string(v) || strlen(json_string_value(v)) == 0 ||
		    strlen(json_string_value(v)) > 32 ||
		    strspn(json_string_value(v), "0123456789") != strlen(
		    json_string_value(v)))
			return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
			    "Confluence gave a page without an id");
		snprintf(id, sizeof(id), "page-%s", json_string_value(v));
		if ((rc = jta_confluence_article(p, id, site_url, &a, err)) !=
		    JTA_OK)
			return rc;
		if (cut(a, "title", JTA_LIMIT_KB_TITLE, "\xe2\x80\xa6") != 0 ||
		    cut(a, "body", JTA_LIMIT_KB_BODY, "\n\n[The page is "
		    "longer; open its link to read the rest.]\n") != 0) {
			json_decref(a);
			return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
		}
		ts = json_string_value(json_object_get(a, "updated"));
		if (ts == NULL || jta_time_parse_jira(ts, strlen(ts), &t) != 0)
			t = jta_time_now();
		/* The identity of a synced page: its site and id. */
		snprintf(source, sizeof(source), "confluence:%s:%s", cloud_id,
		    id);
		*bytes += strlen(json_string_value(json_object_get(a,
		    "body")));
		if (json_object_set_new(a, "source", json_string(source)) !=
		    0 || json_object_set_new(a, "at", json_integer(t)) != 0 ||
		    json_array_append_new(arts, a) != 0) {
			json_decref(a);
			return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
		}
		a = NULL;
		if (json_array_size(arts) > JTA_LIMIT_KB_SYNC_PAGES ||
		    *bytes > JTA_LIMIT_KB_SYNC_BYTES)
			return jta_error_set(err, JTA_ERR_INPUT, 413, NULL,
			    "the space has more than %d pages or %d MiB of "
			    "text, more than a sync takes",
			    JTA_LIMIT_KB_SYNC_PAGES,
			    JTA_LIMIT_KB_SYNC_BYTES / (1024 * 1024));
	}
	return JTA_OK;
}

/* Read every page of space key as who into arts; *link gets the link
 * the calls were made with. */
static enum jta_err
fetch(struct jta_backend *be, const struct jta_user *who, const char *key,
    struct jta_link *link, json_t *arts, struct jta_error *err)
{
	json_t		*reply = NULL;
	char		 enc[3 * JTA_LIMIT_KB_SPACE + 1], id[64];
	char		 path[256 + CURSOR_MAX], cur[CURSOR_MAX + 1];
	size_t		 bytes = 0;
	enum jta_err	 rc;
	int		 c;

	if (jta_http_urlencode(key, strlen(key), enc, sizeof(enc)) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "key",
		    "the space key does not fit a query");
	snprintf(path, sizeof(path), "/spaces?keys=%s&limit=1", enc);
	if ((rc = jta_jira_backend_call_api(be, who, link, "confluence",
	    "/wiki/api/v2", "GET", path, NULL, 1, &reply, err)) != JTA_OK)
		goto out;
	if (space_id(reply, key, id, sizeof(id)) != 0) {
		rc = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "Confluence has no space %s that the sync account may "
		    "read", key);
		goto out;
	}
	cur[0] = '\0';
	for (;;) {
		json_decref(reply);
		reply = NULL;
		snprintf(path, sizeof(path), "/spaces/%s/pages?body-format="
		    "atlas_doc_format&limit=%d%s%s", id,
		    JTA_LIMIT_KB_SYNC_BATCH, cur[0] != '\0' ? "&cursor=" : "",
		    cur);
		if ((rc = jta_jira_backend_call_api(be, who, link,
		    "confluence", "/wiki/api/v2", "GET", path, NULL, 1, &reply,
		    err)) != JTA_OK)
			goto out;
		if ((rc = take(reply, link->site_url, link->cloud_id, arts,
		    &bytes, err)) != JTA_OK)
			goto out;
		c = cursor_of(json_string_value(json_object_get(
		    json_object_get(reply, "_links"), "next")), cur);
		if (c == 1)
			break;
		if (c != 0) {
			rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
			    "Confluence gave a next page without a cursor");
			goto out;
		}
	}
	rc = JTA_OK;
out:
	json_decref(reply);
	return rc;
}

enum jta_err
jta_kb_sync(struct jta_backend *be, const char *key, size_t *n,
    struct jta_error *err)
{
	struct jta_store_kb_space sp;
	struct jta_store_kb_article *a = NULL;
	struct jta_user	 who;
	struct jta_link	 link;
	struct jta_error ferr;
	json_t		*arts = NULL;
	const json_t	*o;
	size_t		 i;
	enum jta_err	 rc;

	*n = 0;
	if (be->conf->backend != JTA_BACKEND_JIRA || be->oauth == NULL)
		return jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "knowledge sync needs backend = jira");
	if ((rc = jta_store_kb_space_get(be->store, key, &sp, err)) !=
	    JTA_OK)
		return rc;
	memset(&who, 0, sizeof(who));
	who.id = sp.user_id;
	snprintf(who.name, sizeof(who.name), "%s", "kb-sync");
	memset(&link, 0, sizeof(link));
	if ((arts = json_array()) == NULL) {
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
		goto out;
	}
	if ((rc = fetch(be, &who, sp.key, &link, arts, err)) != JTA_OK)
		goto failed;
	if (json_array_size(arts) > 0 && (a = calloc(json_array_size(arts),
	    sizeof(*a))) == NULL) {
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
		goto out;
	}
	json_array_foreach(arts, i, o) {
		a[i].title = json_string_value(json_object_get(o, "title"));
		a[i].body = json_string_value(json_object_get(o, "body"));
		a[i].source = json_string_value(json_object_get(o, "source"));
		a[i].url = json_string_value(json_object_get(o, "url"));
		a[i].space = sp.key;
		a[i].updated = json_integer_value(json_object_get(o, "at"));
	}
	if ((rc = jta_store_kb_space_replace(be->store, sp.key,
	    link.cloud_id, a, json_array_size(arts), jta_time_now(), err)) !=
	    JTA_OK)
		goto failed;
	*n = json_array_size(arts);
	jta_log(JTA_LOG_INFO, "kb sync: space %s: %zu articles", sp.key, *n);
	goto out;
failed:
	/* Keep the old index; say why on kb status, /healthz and the
	 * admin page (err's detail is safe to show). */
	jta_log(JTA_LOG_WARN, "kb sync: space %s failed (%d): %s", sp.key,
	    err->status, err->detail);
	memset(&ferr, 0, sizeof(ferr));
	if (jta_store_kb_space_failed(be->store, sp.key, err->detail,
	    jta_time_now(), &ferr) != JTA_OK)
		jta_log(JTA_LOG_ERROR, "kb sync: space %s: the failure could "
		    "not be recorded", sp.key);
out:
	free(a);
	json_decref(arts);
	return rc;
}
