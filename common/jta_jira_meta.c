/*
 * The Jira backend's metadata cache (README.md "Jira metadata cache"):
 * what Jira said about a site's create screens, projects, priorities and
 * service desks, kept in the shared store (jta_store_meta.h) for
 * jira_metadata_ttl seconds so that every worker reuses it.
 *
 * Permission-safe by key: what Jira shows per person (the create screens
 * of createmeta, the projects one may browse, the service desks one may
 * use) is keyed by the person's Atlassian account as well as the site;
 * only what Jira shows alike to everyone on a site (the priorities, the
 * initial status of a project's issue type) is shared across people.
 *
 * A cache failure is never the request's failure: a read that fails is
 * a miss, a write that fails is logged and forgotten.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_jira_backend_int.h"
#include "jta_log.h"
#include "jta_metrics.h"
#include "jta_store_meta.h"
#include "jta_store_people.h"
#include "jta_time.h"

enum jta_err
jta_jira_meta_who(struct jta_backend *be, const struct jta_user *who,
    struct jta_jira_meta_id *id)
{
	struct jta_link	 link;
	struct jta_error e;

	memset(id, 0, sizeof(*id));
	if (be->conf->jira_metadata_ttl <= 0)
		return JTA_ERR_NOTFOUND;
	memset(&link, 0, sizeof(link));
	memset(&e, 0, sizeof(e));
	if (jta_store_link_identity(be->store, who->id, &link, &e) != JTA_OK ||
	    link.cloud_id[0] == '\0' || link.account_id[0] == '\0')
		return JTA_ERR_NOTFOUND;
	snprintf(id->site, sizeof(id->site), "%s", link.cloud_id);
	snprintf(id->account, sizeof(id->account), "%s", link.account_id);
	snprintf(id->site_url, sizeof(id->site_url), "%s", link.site_url);
	snprintf(id->name, sizeof(id->name), "%s", link.display_name);
	id->on = 1;
	return JTA_OK;
}

enum jta_err
jta_jira_meta_get(struct jta_backend *be, const struct jta_jira_meta_id *id,
    const char *kind, const char *key, json_t **out)
{
	struct jta_error e;
	enum jta_err	 rc;

	*out = NULL;
	if (id == NULL || !id->on)
		return JTA_ERR_NOTFOUND;
	memset(&e, 0, sizeof(e));
	rc = jta_store_meta_get(be->store, id->site, kind, key,
	    jta_time_now() - be->conf->jira_metadata_ttl, out, &e);
	if (rc != JTA_OK && rc != JTA_ERR_NOTFOUND)
		jta_log(JTA_LOG_WARN, "metadata cache: cannot read %s: %s",
		    kind, e.detail);
	jta_metrics_meta(rc == JTA_OK);
	return rc == JTA_OK ? JTA_OK : JTA_ERR_NOTFOUND;
}

void
jta_jira_meta_put(struct jta_backend *be, const struct jta_jira_meta_id *id,
    const char *kind, const char *key, const json_t *value)
{
	struct jta_error e;

	if (id == NULL || !id->on || value == NULL)
		return;
	memset(&e, 0, sizeof(e));
	if (jta_store_meta_put(be->store, id->site, kind, key, value,
	    jta_time_now(), &e) != JTA_OK)
		jta_log(JTA_LOG_WARN, "metadata cache: cannot keep %s: %s",
		    kind, e.detail);
}

void
jta_jira_meta_drop_project(struct jta_backend *be,
    const struct jta_jira_meta_id *id, const char *project)
{
	/* Not the initial statuses: a workflow is not a field. */
	static const char *const kinds[] = { JTA_JIRA_META_TYPES,
	    JTA_JIRA_META_FIELDS, NULL };
	struct jta_error e;
	char		 prefix[JTA_LIMIT_PROJECT_KEY + 2];
	int64_t		 n = 0, all = 0;
	size_t		 i;

	if (id == NULL || !id->on || project == NULL ||
	    strlen(project) > JTA_LIMIT_PROJECT_KEY)
		return;
	/* Every person's entries of the project: what Jira refused is
	 * refused for all of them. */
	snprintf(prefix, sizeof(prefix), "%s/", project);
	for (i = 0; kinds[i] != NULL; i++) {
		memset(&e, 0, sizeof(e));
		if (jta_store_meta_drop(be->store, id->site, kinds[i], prefix,
		    &n, &e) != JTA_OK)
			jta_log(JTA_LOG_WARN, "metadata cache: cannot drop "
			    "%s: %s", kinds[i], e.detail);
		all += n;
	}
	jta_info("metadata cache: dropped %lld entries of project %s",
	    (long long)all, project);
}

void
jta_jira_meta_drop_desk(struct jta_backend *be, const struct jta_user *who,
    const char *desk)
{
	static const char *const kinds[] = { JTA_JIRA_META_RTYPES,
	    JTA_JIRA_META_RFIELDS, NULL };
	struct jta_jira_meta_id id;
	struct jta_error e;
	char		 prefix[64];
	size_t		 i;

	if (desk == NULL || strlen(desk) > 32 ||
	    jta_jira_meta_who(be, who, &id) != JTA_OK)
		return;
	snprintf(prefix, sizeof(prefix), "%s/", desk);
	for (i = 0; kinds[i] != NULL; i++) {
		memset(&e, 0, sizeof(e));
		if (jta_store_meta_drop(be->store, id.site, kinds[i], prefix,
		    NULL, &e) != JTA_OK)
			jta_log(JTA_LOG_WARN, "metadata cache: cannot drop "
			    "%s: %s", kinds[i], e.detail);
	}
	jta_info("metadata cache: dropped the request types of service desk "
	    "%s", desk);
}
