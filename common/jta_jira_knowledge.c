/*
 * Knowledge before tickets on Jira Cloud (jta_backend.h's knowledge and
 * article): the embedded knowledge base (jta_kb.h), whose articles the
 * operators published for everyone, and with knowledge_confluence on,
 * Confluence and the service desks' knowledge base searched as the person
 * (jta_confluence.h): every call carries the person's own token, so a
 * page they cannot read never reaches them.  Per search: one Confluence
 * call (the v1 CQL search) and one JSM call (the knowledge base across
 * every desk the person may use), besides a token refresh when due.
 *
 * Declared spaces (README.md "Knowledge sync"): the spaces synced into
 * the local index for the person's site answer from it, so live search
 * leaves them out of the CQL (space not in), and a search in one of
 * them makes no upstream call at all.  A person linked to another site
 * never sees those articles (jta_kb_search's site).
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
#include "jta_oauth.h"
#include "jta_store_kb.h"
#include "jta_store_people.h"
#include "jta_suggest.h"
#include "jta_vault.h"

/* Turn an error of Confluence's into ours: its 404 on the search means
 * the site has no Confluence; 401 or 403 (a token without Confluence's
 * scopes, from a link made before knowledge_confluence was on) asks the
 * person to link again. */
static enum jta_err
confluence_err(struct jta_backend *be, enum jta_err rc, int search,
    struct jta_error *err)
{
	if (rc == JTA_OK)
		return rc;
	if (err->status == 404 && search)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "your Atlassian site has no Confluence, so there is no "
		    "knowledge base to search there");
	if (err->status == 404)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "no article has this id, or you may not read it");
	if (err->status == 401 || err->status == 403)
		return jta_error_set(err, JTA_ERR_AUTH, 401, NULL,
		    "Confluence needs your consent; visit %s/oauth/start to "
		    "link your Atlassian account again and allow access to "
		    "Confluence", be->conf->public_url);
	return rc;
}

/* Confluence's and JSM's articles matching text, appended to conf and
 * jsm; *searched gets "confluence" and "jsm" for each that answered. */
static enum jta_err
upstream(struct jta_backend *be, const struct jta_user *who,
    const char *text, const char *space, const json_t *served, size_t limit,
    json_t *conf, json_t *jsm, json_t *searched, struct jta_error *err)
{
	struct jta_suggest_terms *terms = NULL;
	struct jta_link	 link;
	struct jta_error jerr;
	json_t		*reply = NULL;
	char		 cql[4096], enc[3 * 4096], path[3 * 4096 + 128];
	char		 words[JTA_LIMIT_TEXT_QUERY + 1];
	size_t		 i, n;
	enum jta_err	 rc;

	if ((terms = calloc(1, sizeof(*terms))) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	/* No word Confluence can search for (only short or common
	 * ones): the embedded base answers alone. */
	if (jta_suggest_terms(text, terms) == 0) {
		rc = JTA_OK;
		goto out;
	}
	if ((rc = jta_confluence_cql(terms, space, cql, sizeof(cql), err)) !=
	    JTA_OK)
		goto out;
	if (space == NULL && jta_confluence_cql_not_in(served, cql,
	    sizeof(cql)) != 0) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a Confluence query did not fit");
		goto out;
	}
	if (jta_http_urlencode(cql, strlen(cql), enc, sizeof(enc)) != 0) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a Confluence query did not fit");
		goto out;
	}
	snprintf(path, sizeof(path), "/search?cql=%s&limit=%zu"
	    "&expand=content.space", enc, limit);
	memset(&link, 0, sizeof(link));
	rc = jta_jira_backend_call_api(be, who, &link, "confluence",
	    "/wiki/rest/api", "GET", path, NULL, 1, &reply, err);
	if ((rc = confluence_err(be, rc, 1, err)) != JTA_OK)
		goto out;
	if ((rc = jta_confluence_results(reply, link.site_url, conf, err)) !=
	    JTA_OK)
		goto out;
	json_decref(reply);
	reply = NULL;
	if (json_array_append_new(searched, json_string("confluence")) != 0)
		goto nomem;
	/* JSM's search takes no space: with one named, Confluence's
	 * answer is the whole of it. */
	if (space != NULL) {
		rc = JTA_OK;
		goto out;
	}
	/* The knowledge base of every service desk the person may use, in
	 * one call; its query is the same terms, blank-separated (JSM
	 * takes plain words).  A site without JSM, or a person without
	 * access to it, searches without it. */
	for (i = 0, n = 0; i < terms->n; i++)
		n += (size_t)snprintf(words + n, sizeof(words) - n, "%s%s",
		    i > 0 ? " " : "", terms->term[i]);
	if (jta_http_urlencode(words, strlen(words), enc, sizeof(enc)) != 0) {
		rc = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a knowledge-base query did not fit");
		goto out;
	}
	snprintf(path, sizeof(path), "/rest/servicedeskapi/knowledgebase/"
	    "article?query=%s&highlight=false&limit=%zu", enc, limit);
	memset(&jerr, 0, sizeof(jerr));
	if (jta_jira_backend_call_api(be, who, NULL, "jira", "", "GET", path,
	    NULL, 1, &reply, &jerr) != JTA_OK) {
		jta_log(JTA_LOG_INFO, "knowledge: the service desks' knowledge "
		    "base answered %d; searched without it", jerr.status);
		rc = JTA_OK;
		goto out;
	}
	if (jta_confluence_jsm_results(reply, link.site_url, jsm, &jerr) !=
	    JTA_OK) {
		rc = JTA_OK;
		goto out;
	}
	if (json_array_append_new(searched, json_string("jsm")) != 0)
		goto nomem;
	rc = JTA_OK;
out:
	json_decref(reply);
	free(terms);
	return rc;
nomem:
	json_decref(reply);
	free(terms);
	return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL, "out of memory");
}

/* The cloud id of who's linked site into site (JTA_LIMIT_CLOUD_ID + 1
 * bytes), read from the store without calling Atlassian; 0, or -1 (site
 * "") when who has no usable link: they see no synced article. */
static int
person_site(struct jta_backend *be, const struct jta_user *who, char *site)
{
	struct jta_link	 link;
	struct jta_secret *access = NULL;
	struct jta_error e;

	site[0] = '\0';
	memset(&e, 0, sizeof(e));
	if (be->oauth == NULL || jta_store_link_get(be->store,
	    be->oauth->vault, who->id, &link, &access, &e) != JTA_OK)
		return -1;
	jta_secret_free(access);
	if (link.cloud_id[0] == '\0')
		return -1;
	memcpy(site, link.cloud_id, sizeof(link.cloud_id));
	return 0;
}

/* 1 when keys (an array of strings) holds key. */
static int
has_key(const json_t *keys, const char *key)
{
	size_t		 i;
	const json_t	*k;

	json_array_foreach(keys, i, k)
		if (json_string_value(k) != NULL &&
		    strcmp(json_string_value(k), key) == 0)
			return 1;
	return 0;
}

enum jta_err
jta_jira_backend_knowledge(struct jta_backend *be, const struct jta_user *who,
    const char *text, const char *space, size_t limit, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*local = NULL, *conf = NULL, *jsm = NULL, *all = NULL;
	json_t		*searched = NULL, *served = NULL, *src[3];
	size_t		 i, k;
	const json_t	*o;
	const char	*id;
	char		 site[JTA_LIMIT_CLOUD_ID + 1];
	int		 linked;

	*out = NULL;
	linked = person_site(be, who, site) == 0;
	if ((rc = jta_kb_search(be->store, text, space, linked ? site : NULL,
	    limit, &local, err)) != JTA_OK)
		goto out;
	if (linked)
		rc = jta_store_kb_space_served(be->store, site, &served, err);
	else if ((served = json_array()) == NULL)
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	if (rc != JTA_OK)
		goto out;
	if ((conf = json_array()) == NULL || (jsm = json_array()) == NULL ||
	    (all = json_array()) == NULL || (searched = json_array()) ==
	    NULL) {
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
		goto out;
	}
	/* A declared space the index answers for: no upstream call. */
	if (be->conf->knowledge_confluence && (space == NULL ||
	    !has_key(served, space)) && (rc = upstream(be, who, text, space,
	    served, limit, conf, jsm, searched, err)) != JTA_OK)
		goto out;
	if (json_array_append_new(searched, json_string("local")) != 0) {
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
		goto out;
	}
	/* Each source ranks its own; take them in turn, so that none
	 * crowds the others out of the limit.  JSM's articles are
	 * Confluence pages: one found by both is listed once. */
	src[0] = conf;
	src[1] = jsm;
	src[2] = local;
	for (i = 0; json_array_size(all) < limit; i++) {
		int more = 0;
		for (k = 0; k < 3 && json_array_size(all) < limit; k++) {
			if (i >= json_array_size(src[k]))
				continue;
			more = 1;
			o = json_array_get(src[k], i);
			id = json_string_value(json_object_get(o, "id"));
			if (k == 1 && id != NULL) {
				size_t j;
				int dup = 0;
				for (j = 0; j < json_array_size(conf); j++)
					dup |= strcmp(id, json_string_value(
					    json_object_get(json_array_get(
					    conf, j), "id"))) == 0;
				if (dup)
					continue;
			}
			if (json_array_append(all, (json_t *)(uintptr_t)o) !=
			    0) {
				rc = jta_error_set(err, JTA_ERR_NOMEM, 500,
				    NULL, "out of memory");
				goto out;
			}
		}
		if (!more)
			break;
	}
	if ((*out = json_pack("{s:O, s:O}", "articles", all, "searched",
	    searched)) == NULL)
		rc = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
out:
	json_decref(local);
	json_decref(conf);
	json_decref(jsm);
	json_decref(all);
	json_decref(searched);
	json_decref(served);
	return rc;
}

enum jta_err
jta_jira_backend_article(struct jta_backend *be, const struct jta_user *who,
    const char *id, json_t **out, struct jta_error *err)
{
	enum jta_confluence_kind kind;
	struct jta_link	 link;
	json_t		*reply = NULL;
	char		 num[32], path[96];
	enum jta_err	 rc;
	int64_t		 n;

	char		 site[JTA_LIMIT_CLOUD_ID + 1];

	*out = NULL;
	if (jta_kb_local_id(id, &n) || !be->conf->knowledge_confluence ||
	    !jta_confluence_id(id, &kind, num, sizeof(num)))
		return jta_kb_get(be->store, id, person_site(be, who, site) ==
		    0 ? site : NULL, out, err);
	/* Confluence v2 (confluence-v2.json): the page or blog post with
	 * its body as ADF, read as the person. */
	snprintf(path, sizeof(path), "/%s/%s?body-format=atlas_doc_format",
	    kind == JTA_CONFLUENCE_PAGE ? "pages" : "blogposts", num);
	memset(&link, 0, sizeof(link));
	rc = jta_jira_backend_call_api(be, who, &link, "confluence",
	    "/wiki/api/v2", "GET", path, NULL, 1, &reply, err);
	if ((rc = confluence_err(be, rc, 0, err)) == JTA_OK)
		rc = jta_confluence_article(reply, id, link.site_url, out,
		    err);
	json_decref(reply);
	return rc;
}

enum jta_err
jta_jira_backend_helped(struct jta_backend *be, const struct jta_user *who,
    const char *id, json_t **out, struct jta_error *err)
{
	char	 site[JTA_LIMIT_CLOUD_ID + 1];

	return jta_kb_helped(be->store, who, id, person_site(be, who, site) ==
	    0 ? site : NULL, be->conf->knowledge_confluence, out, err);
}
