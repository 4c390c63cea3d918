/*
 * A store (struct jta_store, jta_db.h) over PostgreSQL: the table of the
 * engine's implementations that the repositories dispatch to
 * (jta_db_engine.h).  A member stays NULL until its contract is
 * implemented here and passes the contract suite on both engines.
 */
#include "config.h"

#include <stdio.h>

#include "jta_db_engine.h"
#include "jta_pg.h"
#include "jta_pg_authz.h"
#include "jta_pg_chat.h"
#include "jta_pg_clients.h"
#include "jta_pg_int.h"
#include "jta_pg_drafts.h"
#include "jta_pg_links.h"
#include "jta_pg_meta.h"
#include "jta_pg_people.h"
#include "jta_pg_states.h"
#include "jta_pg_ops.h"
#include "jta_pg_usage.h"

/* jta_store_migrate's "current" is this build's PostgreSQL version. */
static enum jta_err
migrate(struct jta_pg *pg, int target, char *msg, size_t msgsz)
{
	(void)target;
	return jta_pg_migrate(pg, JTA_PG_VERSION, msg, msgsz);
}

static const struct jta_db_pgimpl impl = {
	.schema_version = JTA_PG_VERSION,
	.close = jta_pg_close,
	.revive = jta_pg_revive,
	.version = jta_pg_version,
	.health = jta_pg_health,
	.migrate = migrate,
	.check = jta_pg_check,
	.begin = jta_pg_begin,
	.commit = jta_pg_commit,
	.rollback = jta_pg_rollback,
	.policy_get = jta_pg_policy_get,
	.policy_set = jta_pg_policy_set,
	.rule_count = jta_pg_rule_count,
	.rule_add = jta_pg_rule_add,
	.rule_remove = jta_pg_rule_remove,
	.rule_list = jta_pg_rule_list,
	.audit_add = jta_pg_audit_add,
	.audit_purge = jta_pg_audit_purge,
	.audit_count = jta_pg_audit_count,
	.audit_query = jta_pg_audit_query,
	.user_add = jta_pg_user_add,
	.user_get = jta_pg_user_get,
	.user_list = jta_pg_user_list,
	.key_add = jta_pg_key_add,
	.key_auth = jta_pg_key_auth,
	.key_list = jta_pg_key_list,
	.key_revoke = jta_pg_key_revoke,
	.pw_set = jta_pg_pw_set,
	.pw_get = jta_pg_pw_get,
	.link_identity = jta_pg_link_identity,
	.link_list = jta_pg_link_list,
	.link_delete = jta_pg_link_delete,
	.link_reseal = jta_pg_link_reseal,
	.link_put = jta_pg_link_put,
	.link_get = jta_pg_link_get,
	.link_lease = jta_pg_link_lease,
	.link_renew = jta_pg_link_renew,
	.link_release = jta_pg_link_release,
	.link_break = jta_pg_link_break,
	.meta_get = jta_pg_meta_get,
	.meta_put = jta_pg_meta_put,
	.meta_drop = jta_pg_meta_drop,
	.meta_clear = jta_pg_meta_clear,
	.meta_count = jta_pg_meta_count,
	.code_put = jta_pg_code_put,
	.code_take = jta_pg_code_take,
	.family_revoke = jta_pg_family_revoke,
	.pair_put = jta_pg_pair_put,
	.token_get = jta_pg_token_get,
	.token_later = jta_pg_token_later,
	.token_replace = jta_pg_token_replace,
	.family_drop_live = jta_pg_family_drop_live,
	.token_spend = jta_pg_token_spend,
	.token_revoke = jta_pg_token_revoke,
	.token_auth = jta_pg_token_auth,
	.lockout_get = jta_pg_lockout_get,
	.lockout_fail = jta_pg_lockout_fail,
	.lockout_clear = jta_pg_lockout_clear,
	.user_grants_revoke = jta_pg_user_grants_revoke,
	.state_put = jta_pg_state_put,
	.state_take = jta_pg_state_take,
	.client_add = jta_pg_client_add,
	.client_register = jta_pg_client_register,
	.client_prune = jta_pg_client_prune,
	.client_public = jta_pg_client_public,
	.cimd_get = jta_pg_cimd_get,
	.cimd_put = jta_pg_cimd_put,
	.client_get = jta_pg_client_get,
	.client_name = jta_pg_client_name,
	.client_list = jta_pg_client_list,
	.client_secret_set = jta_pg_client_secret_set,
	.client_remove = jta_pg_client_remove,
	.draft_put = jta_pg_draft_put,
	.draft_get = jta_pg_draft_get,
	.draft_edit = jta_pg_draft_edit,
	.draft_discard = jta_pg_draft_discard,
	.draft_claim = jta_pg_draft_claim,
	.idem_claim = jta_pg_idem_claim,
	.once_attempt = jta_pg_once_attempt,
	.once_done = jta_pg_once_done,
	.once_release = jta_pg_once_release,
	.draft_file_add = jta_pg_draft_file_add,
	.draft_file_list = jta_pg_draft_file_list,
	.draft_file_uploaded = jta_pg_draft_file_uploaded,
	.draft_file_gc = jta_pg_draft_file_gc,
	.chat_get = jta_pg_chat_get,
	.chat_put = jta_pg_chat_put,
	.chat_action_put = jta_pg_chat_action_put,
	.chat_action_peek = jta_pg_chat_action_peek,
	.chat_action_take = jta_pg_chat_action_take,
	.usage_count = jta_pg_usage_count,
	.usage_tokens = jta_pg_usage_tokens,
	.usage_files = jta_pg_usage_files,
	.usage_fold = jta_pg_usage_fold,
	.usage_quotas = jta_pg_usage_quotas,
	.usage_subject = jta_pg_usage_subject,
	.quota_set = jta_pg_quota_set,
	.quota_remove = jta_pg_quota_remove,
	.quota_list = jta_pg_quota_list,
	.usage_rows = jta_pg_usage_rows,
};

enum jta_err
jta_store_open_pg(const struct jta_pg_conf *pc, unsigned flags,
    struct jta_store **out, char *msg, size_t msgsz)
{
	enum jta_err	 rc;
	struct jta_pg	*pg = NULL;

	*out = NULL;
	if ((rc = jta_pg_open(pc, flags, &pg, msg, msgsz)) != JTA_OK)
		return rc;
	if ((*out = jta_db_new_pg(pg, &impl)) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		return JTA_ERR_NOMEM;
	}
	return JTA_OK;
}
