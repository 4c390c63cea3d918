#include "config.h"

#include <stdlib.h>

#include "jta_backend.h"

enum jta_err
jta_backend_new(const struct jta_conf *conf, struct jta_store *store,
    struct jta_oauth *oauth, struct jta_backend **out)
{
	struct jta_backend *be;

	*out = NULL;
	if ((be = calloc(1, sizeof(*be))) == NULL)
		return JTA_ERR_NOMEM;
	be->conf = conf;
	be->store = store;
	be->oauth = oauth;
	switch (conf->backend) {
	case JTA_BACKEND_LOCAL:
		be->ops = &jta_local_ops;
		break;
	case JTA_BACKEND_JIRA:
		be->ops = &jta_jira_ops;
		break;
	}
	*out = be;
	return JTA_OK;
}

void
jta_backend_free(struct jta_backend *be)
{
	free(be);
}
