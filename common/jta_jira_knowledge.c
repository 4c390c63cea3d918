/*
 * Knowledge before tickets on Jira Cloud (jta_backend.h's knowledge and
 * article): the embedded knowledge base (jta_kb.h), whose articles the
 * operators published for everyone.
 */
#include "config.h"

#include <string.h>

#include "jta_jira_backend_int.h"
#include "jta_kb.h"

enum jta_err
jta_jira_backend_knowledge(struct jta_backend *be, const struct jta_user *who,
    const char *text, const char *space, size_t limit, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 rc;
	json_t		*local = NULL;

	(void)who;
	*out = NULL;
	if ((rc = jta_kb_search(be->store, text, space, limit, &local,
	    err)) != JTA_OK)
		return rc;
	if ((*out = json_pack("{s:o, s:[s]}", "articles", local, "searched",
	    "local")) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	return JTA_OK;
}

enum jta_err
jta_jira_backend_article(struct jta_backend *be, const struct jta_user *who,
    const char *id, json_t **out, struct jta_error *err)
{
	(void)who;
	return jta_kb_get(be->store, id, out, err);
}
