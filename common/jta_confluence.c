#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_adf.h"
#include "jta_buf.h"
#include "jta_confluence.h"
#include "jta_limits.h"
#include "jta_text.h"

/* Lucene's special characters (Query Parser Syntax, "Escaping Special
 * Characters"), which CQL's text searches pass on to Lucene. */
static const char lucene_special[] = "+-&|!(){}[]^\"~*?:\\/";

int
jta_confluence_cql_string(const char *word, int lucene, char *out,
    size_t outsz)
{
	struct jta_buf	 b;
	const char	*p;
	char		 lw[4];
	size_t		 n = strlen(word);

	jta_buf_init_fixed(&b, out, outsz);
	(void)jta_buf_add(&b, "\"", 1);
	/* AND, OR and NOT are Lucene's operators only in upper case. */
	if (lucene && (strcmp(word, "AND") == 0 || strcmp(word, "OR") == 0 ||
	    strcmp(word, "NOT") == 0)) {
		for (n = 0; word[n] != '\0'; n++)
			lw[n] = (char)(word[n] - 'A' + 'a');
		lw[n] = '\0';
		word = lw;
	}
	for (p = word; *p != '\0'; p++) {
		/* Lucene's escape, then CQL's: a '\' Lucene must see is
		 * written "\\" in the CQL string, a '"' is "\\\"". */
		if (lucene && strchr(lucene_special, *p) != NULL)
			(void)jta_buf_add(&b, "\\\\", 2);
		if (*p == '"' || *p == '\\')
			(void)jta_buf_add(&b, "\\", 1);
		(void)jta_buf_add(&b, p, 1);
	}
	(void)jta_buf_add(&b, "\"", 1);
	return b.err == JTA_OK ? 0 : -1;
}

enum jta_err
jta_confluence_cql(const struct jta_suggest_terms *terms, const char *space,
    char *out, size_t outsz, struct jta_error *err)
{
	struct jta_buf	 b;
	char		 q[4 * JTA_LIMIT_TEXT_QUERY + 8];
	size_t		 i;

	if (terms->n == 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "give a few words to search for (not only short or "
		    "common ones)");
	jta_buf_init_fixed(&b, out, outsz);
	(void)jta_buf_add_str(&b, "type in (page, blogpost) AND (");
	for (i = 0; i < terms->n; i++) {
		if (jta_confluence_cql_string(terms->term[i], 1, q,
		    sizeof(q)) != 0)
			goto toolong;
		(void)jta_buf_printf(&b, "%stext ~ %s", i > 0 ? " OR " : "",
		    q);
	}
	(void)jta_buf_add(&b, ")", 1);
	if (space != NULL) {
		if (jta_confluence_cql_string(space, 0, q, sizeof(q)) != 0)
			goto toolong;
		(void)jta_buf_printf(&b, " AND space = %s", q);
	}
	if (b.err == JTA_OK)
		return JTA_OK;
toolong:
	return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
	    "a Confluence query did not fit");
}

int
jta_confluence_cql_not_in(const json_t *keys, char *out, size_t outsz)
{
	struct jta_buf	 b;
	char		 q[4 * JTA_LIMIT_KB_SPACE + 8];
	size_t		 i, len = strlen(out);
	const json_t	*k;

	if (json_array_size(keys) == 0)
		return 0;
	jta_buf_init_fixed(&b, out + len, outsz - len);
	(void)jta_buf_add_str(&b, " AND space not in (");
	json_array_foreach(keys, i, k) {
		if (json_string_value(k) == NULL ||
		    jta_confluence_cql_string(json_string_value(k), 0, q,
		    sizeof(q)) != 0)
			goto toolong;
		(void)jta_buf_printf(&b, "%s%s", i > 0 ? ", " : "", q);
	}
	(void)jta_buf_add(&b, ")", 1);
	if (b.err == JTA_OK)
		return 0;
toolong:
	out[len] = '\0';
	return -1;
}

/* Member k of o as a string, or NULL. */
static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* v without const, for jansson calls that only read. */
static json_t *
unconst(const json_t *v)
{
	return (json_t *)(uintptr_t)v;
}

/* Confluence's excerpt without its highlight marks (@@@hl@@@,
 * @@@endhl@@@) and with blanks collapsed; a new string or NULL. */
static json_t *
excerpt(const char *s)
{
	struct jta_buf	 b;
	json_t		*j;
	int		 blank = 0;

	if (s == NULL)
		return json_string("");
	jta_buf_init(&b, 4096);
	while (*s != '\0' && b.len < 1000) {
		if (strncmp(s, "@@@hl@@@", 8) == 0) {
			s += 8;
			continue;
		}
		if (strncmp(s, "@@@endhl@@@", 11) == 0) {
			s += 11;
			continue;
		}
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
			blank = 1;
			s++;
			continue;
		}
		if (blank && b.len > 0)
			(void)jta_buf_add(&b, " ", 1);
		blank = 0;
		(void)jta_buf_add(&b, s, 1);
		s++;
	}
	/* Cut at a character, never inside one. */
	while (b.len > 0 && ((unsigned char)b.p[b.len - 1] & 0xc0) == 0x80)
		jta_buf_setlen(&b, b.len - 1);
	if (b.len > 0 && (unsigned char)b.p[b.len - 1] >= 0xc0)
		jta_buf_setlen(&b, b.len - 1);
	j = json_string(jta_buf_str(&b));
	jta_buf_free(&b);
	return j != NULL ? j : json_string("");
}

/* The web link of a path Confluence gave (it must start with "/" and
 * hold only printable ASCII without blanks), under site_url + "/wiki". */
static json_t *
weblink(const char *site_url, const char *path)
{
	char	 u[2048];
	const char *p;

	if (path == NULL || path[0] != '/')
		return json_null();
	for (p = path; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return json_null();
	if ((size_t)snprintf(u, sizeof(u), "%s/wiki%s", site_url, path) >=
	    sizeof(u))
		return json_null();
	return json_string(u);
}

/* 1 when s is a positive decimal number of at most 20 digits. */
static int
numeric(const char *s)
{
	size_t	 n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 20 || s[0] == '0')
		return 0;
	return strspn(s, "0123456789") == n;
}

/* 1 when out already has an article with id. */
static int
has(const json_t *out, const char *id)
{
	size_t		 i;
	const json_t	*o;

	json_array_foreach(unconst(out), i, o)
		if (strcmp(str(o, "id") != NULL ? str(o, "id") : "", id) == 0)
			return 1;
	return 0;
}

enum jta_err
jta_confluence_results(const json_t *reply, const char *site_url,
    json_t *out, struct jta_error *err)
{
	const json_t	*results, *r, *c, *sp;
	const char	*type, *id, *title;
	json_t		*o;
	size_t		 i;
	char		 aid[32];

	results = json_object_get(reply, "results");
	if (!json_is_array(results))
		return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Confluence gave a search answer we cannot read");
	json_array_foreach(unconst(results), i, r) {
		c = json_object_get(r, "content");
		type = str(c, "type");
		id = str(c, "id");
		title = str(c, "title");
		if (type == NULL || !numeric(id) || title == NULL)
			continue;
		if (strcmp(type, "page") == 0)
			snprintf(aid, sizeof(aid), "page-%s", id);
		else if (strcmp(type, "blogpost") == 0)
			snprintf(aid, sizeof(aid), "blog-%s", id);
		else
			continue;
		sp = json_object_get(c, "space");
		if ((o = json_object()) == NULL ||
		    json_array_append_new(out, o) != 0 ||
		    json_object_set_new(o, "id", json_string(aid)) != 0 ||
		    json_object_set_new(o, "title", json_string(title)) != 0 ||
		    json_object_set_new(o, "space", json_string(
		    str(sp, "key") != NULL ? str(sp, "key") : "")) != 0 ||
		    json_object_set_new(o, "excerpt", excerpt(str(r,
		    "excerpt"))) != 0 ||
		    json_object_set_new(o, "updated", str(r, "lastModified") !=
		    NULL ? json_string(str(r, "lastModified")) :
		    json_null()) != 0 ||
		    json_object_set_new(o, "url", weblink(site_url, str(
		    json_object_get(c, "_links"), "webui"))) != 0 ||
		    json_object_set_new(o, "from", json_string("confluence")) !=
		    0)
			return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
	}
	return JTA_OK;
}

enum jta_err
jta_confluence_jsm_results(const json_t *reply, const char *site_url,
    json_t *out, struct jta_error *err)
{
	const json_t	*values, *v, *src;
	const char	*pid, *key, *title;
	json_t		*o;
	size_t		 i;
	char		 aid[32], path[160];

	values = json_object_get(reply, "values");
	if (!json_is_array(values))
		return jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "the service desk gave an answer we cannot read");
	json_array_foreach(unconst(values), i, v) {
		src = json_object_get(v, "source");
		pid = str(src, "pageId");
		key = str(src, "spaceKey");
		title = str(v, "title");
		if (!numeric(pid) || title == NULL)
			continue;
		snprintf(aid, sizeof(aid), "page-%s", pid);
		if (has(out, aid))
			continue;
		snprintf(path, sizeof(path), "/pages/viewpage.action?pageId=%s",
		    pid);
		if ((o = json_object()) == NULL ||
		    json_array_append_new(out, o) != 0 ||
		    json_object_set_new(o, "id", json_string(aid)) != 0 ||
		    json_object_set_new(o, "title", json_string(title)) != 0 ||
		    json_object_set_new(o, "space", json_string(key != NULL &&
		    jta_text_utf8_valid(key, strlen(key)) ? key : "")) != 0 ||
		    json_object_set_new(o, "excerpt", excerpt(str(v,
		    "excerpt"))) != 0 ||
		    json_object_set_new(o, "updated", json_null()) != 0 ||
		    json_object_set_new(o, "url", weblink(site_url, path)) !=
		    0 ||
		    json_object_set_new(o, "from", json_string("jsm")) != 0)
			return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
	}
	return JTA_OK;
}

int
jta_confluence_id(const char *id, enum jta_confluence_kind *kind, char *num,
    size_t numsz)
{
	const char	*n;

	if (strncmp(id, "page-", 5) == 0) {
		*kind = JTA_CONFLUENCE_PAGE;
		n = id + 5;
	} else if (strncmp(id, "blog-", 5) == 0) {
		*kind = JTA_CONFLUENCE_BLOGPOST;
		n = id + 5;
	} else
		return 0;
	if (!numeric(n) || strlen(n) >= numsz)
		return 0;
	snprintf(num, numsz, "%s", n);
	return 1;
}

enum jta_err
jta_confluence_article(const json_t *reply, const char *id,
    const char *site_url, json_t **out, struct jta_error *err)
{
	enum jta_err	 rc;
	const json_t	*body;
	const char	*title, *value;
	json_t		*adf = NULL, *o = NULL;
	json_error_t	 je;
	char		*md = NULL;
	size_t		 lossy = 0;

	*out = NULL;
	title = str(reply, "title");
	body = json_object_get(json_object_get(reply, "body"),
	    "atlas_doc_format");
	value = str(body, "value");
	if (title == NULL || value == NULL) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Confluence gave a page we cannot read");
		goto out;
	}
	if ((adf = json_loadb(value, strlen(value), JSON_REJECT_DUPLICATES,
	    &je)) == NULL) {
		rc = jta_error_set(err, JTA_ERR_UPSTREAM, 502, NULL,
		    "Confluence gave a page body we cannot read (line %d)",
		    je.line);
		goto out;
	}
	if ((rc = jta_adf_to_markdown(adf, &md, &lossy, err)) != JTA_OK)
		goto out;
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, "id", json_string(id)) != 0 ||
	    json_object_set_new(o, "title", json_string(title)) != 0 ||
	    json_object_set_new(o, "space", json_string(str(reply,
	    "spaceId") != NULL ? str(reply, "spaceId") : "")) != 0 ||
	    json_object_set_new(o, "updated", str(json_object_get(reply,
	    "version"), "createdAt") != NULL ? json_string(str(
	    json_object_get(reply, "version"), "createdAt")) : json_null()) !=
	    0 ||
	    json_object_set_new(o, "url", weblink(site_url, str(
	    json_object_get(reply, "_links"), "webui"))) != 0 ||
	    json_object_set_new(o, "from", json_string("confluence")) != 0 ||
	    json_object_set_new(o, "body", json_string(md)) != 0 ||
	    json_object_set_new(o, "lossy", json_integer((json_int_t)lossy)) !=
	    0) {
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
		goto out;
	}
	*out = o;
	o = NULL;
	rc = JTA_OK;
out:
	json_decref(adf);
	json_decref(o);
	free(md);
	return rc;
}
