#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "jta_audit.h"
#include "jta_log.h"
#include "jta_store.h"
#include "jta_suggest.h"
#include "jta_text.h"
#include "jta_time.h"

const char *const jta_store_priorities[] = { "Highest", "High", "Medium",
    "Low", "Lowest", NULL };
const char *const jta_store_statuses[] = { "Open", "In Progress",
    "Resolved", "Closed", NULL };
const char *const jta_store_orders[] = { "-updated", "updated", "-created",
    "created", NULL };
const char *const jta_store_tk_orderings[] = { "created", "-created",
    "title", "-title", "updated", "-updated", NULL };

/* The workflow: from each status, where a ticket may go. */
static const struct {
	const char	*from;
	const char	*to[3];
} workflow[] = {
	{ "Open",	 { "In Progress", NULL } },
	{ "In Progress", { "Resolved", "Open", NULL } },
	{ "Resolved",	 { "Closed", "Open", NULL } },
	{ "Closed",	 { "Open", NULL } },
};

/* ---- schema: each step takes version N-1 to N ---- */

static const char *const migrations[JTA_STORE_VERSION] = {
	/* 1: accounts, projects, tickets. */
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" display_name TEXT NOT NULL,"
	" email TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL);"
	"CREATE TABLE api_keys ("
	" id INTEGER PRIMARY KEY,"
	" keyid TEXT NOT NULL UNIQUE,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" hash BLOB NOT NULL,"
	" label TEXT NOT NULL DEFAULT '',"
	" created INTEGER NOT NULL,"
	" revoked INTEGER);"
	"CREATE TABLE projects ("
	" id INTEGER PRIMARY KEY,"
	" key TEXT NOT NULL UNIQUE,"
	" name TEXT NOT NULL,"
	" next_num INTEGER NOT NULL DEFAULT 1,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE project_types ("
	" project_id INTEGER NOT NULL REFERENCES projects(id),"
	" pos INTEGER NOT NULL,"
	" name TEXT NOT NULL COLLATE NOCASE,"
	" PRIMARY KEY (project_id, name));"
	"CREATE TABLE tickets ("
	" id INTEGER PRIMARY KEY,"
	" project_id INTEGER NOT NULL REFERENCES projects(id),"
	" num INTEGER NOT NULL,"
	" type TEXT NOT NULL,"
	" summary TEXT NOT NULL,"
	" description TEXT NOT NULL DEFAULT '',"
	" status TEXT NOT NULL,"
	" priority TEXT NOT NULL,"
	" reporter_id INTEGER NOT NULL REFERENCES users(id),"
	" assignee_id INTEGER REFERENCES users(id),"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" UNIQUE (project_id, num));"
	"CREATE INDEX tickets_updated ON tickets(updated, id);"
	"CREATE INDEX tickets_created ON tickets(created, id);"
	"CREATE TABLE ticket_labels ("
	" ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
	" label TEXT NOT NULL,"
	" PRIMARY KEY (ticket_id, label));"
	"CREATE INDEX ticket_labels_label ON ticket_labels(label);"
	"CREATE TABLE comments ("
	" id INTEGER PRIMARY KEY,"
	" ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
	" author_id INTEGER NOT NULL REFERENCES users(id),"
	" body TEXT NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE INDEX comments_ticket ON comments(ticket_id, id);",

	/* 2: full-text search over summary, description and comments, kept
	 * current by triggers and filled from the tickets already there. */
	"CREATE VIRTUAL TABLE ticket_fts USING fts5(summary, description,"
	" comments, tokenize = 'unicode61 remove_diacritics 2');"
	"INSERT INTO ticket_fts(rowid, summary, description, comments)"
	" SELECT t.id, t.summary, t.description, coalesce((SELECT"
	" group_concat(c.body, ' ') FROM comments c WHERE c.ticket_id = t.id),"
	" '') FROM tickets t;"
	"CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN"
	" INSERT INTO ticket_fts(rowid, summary, description, comments)"
	" VALUES (new.id, new.summary, new.description, ''); END;"
	"CREATE TRIGGER tickets_fts_update AFTER UPDATE OF summary, description"
	" ON tickets BEGIN UPDATE ticket_fts SET summary = new.summary,"
	" description = new.description WHERE rowid = new.id; END;"
	"CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN"
	" DELETE FROM ticket_fts WHERE rowid = old.id; END;"
	"CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN"
	" UPDATE ticket_fts SET comments = comments || ' ' || new.body"
	" WHERE rowid = new.ticket_id; END;",

	/* 3: links to Atlassian accounts with sealed tokens and the refresh
	 * lease, and single-use OAuth states (keyed hashes only).  A broken
	 * link keeps no token; a lease has an owner and an end or neither. */
	"CREATE TABLE oauth_states ("
	" state_hash BLOB PRIMARY KEY,"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" user_hint TEXT);"
	"CREATE INDEX oauth_states_expires ON oauth_states(expires);"
	"CREATE TABLE atlassian_links ("
	" user_id INTEGER PRIMARY KEY REFERENCES users(id),"
	" account_id TEXT NOT NULL UNIQUE,"
	" cloud_id TEXT NOT NULL,"
	" site_url TEXT NOT NULL,"
	" access_ct BLOB,"
	" access_expires INTEGER NOT NULL,"
	" refresh_ct BLOB,"
	" status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'broken')),"
	" generation INTEGER NOT NULL DEFAULT 0,"
	" lease_owner TEXT,"
	" lease_until INTEGER,"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" CHECK (status = 'broken' OR access_ct IS NOT NULL),"
	" CHECK (status = 'ok' OR (access_ct IS NULL AND refresh_ct IS NULL)),"
	" CHECK ((lease_owner IS NULL) = (lease_until IS NULL)));",

	/* 4: the OAuth 2.0 authorization server for GPT Actions: passwords
	 * of local users (crypto_pwhash strings), registered clients (keyed
	 * hash of the secret), single-use codes and rotating tokens (keyed
	 * hashes only).  A token's family is the hex of the keyed hash of
	 * the code it descends from, so a replayed code or refresh token
	 * revokes everything issued from the same grant. */
	"ALTER TABLE users ADD COLUMN pw_hash TEXT;"
	"CREATE TABLE oauth_clients ("
	" id INTEGER PRIMARY KEY,"
	" client_id TEXT NOT NULL UNIQUE,"
	" secret_hash BLOB NOT NULL,"
	" name TEXT NOT NULL,"
	" redirect_uris TEXT NOT NULL CHECK (json_valid(redirect_uris)),"
	" created INTEGER NOT NULL);"
	"CREATE TABLE oauth_codes ("
	" hash BLOB PRIMARY KEY,"
	" client_id TEXT NOT NULL,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" redirect_uri TEXT NOT NULL,"
	" code_challenge TEXT,"
	" scope TEXT NOT NULL DEFAULT '',"
	" expires INTEGER NOT NULL,"
	" used INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX oauth_codes_expires ON oauth_codes(expires);"
	"CREATE TABLE oauth_tokens ("
	" hash BLOB PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),"
	" family TEXT NOT NULL,"
	" client_id TEXT NOT NULL,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" scope TEXT NOT NULL DEFAULT '',"
	" expires INTEGER NOT NULL,"
	" replaced_at INTEGER,"
	" revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX oauth_tokens_family ON oauth_tokens(family);"
	"CREATE INDEX oauth_tokens_client ON oauth_tokens(client_id);"
	"CREATE INDEX oauth_tokens_expires ON oauth_tokens(expires);",

	/* 5: a GPT's pending authorization request carried through the
	 * Atlassian consent (Jira mode) with the state, bounded; and failed
	 * sign-ins per user name for the password lockout (any name, known
	 * or not, so the table tells nobody which names exist). */
	"ALTER TABLE oauth_states ADD COLUMN request TEXT"
	" CHECK (request IS NULL OR length(request) <= 8192);"
	"CREATE TABLE login_failures ("
	" name TEXT PRIMARY KEY CHECK (length(name) <= 256),"
	" failures INTEGER NOT NULL,"
	" first INTEGER NOT NULL,"
	" locked_until INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX login_failures_first ON login_failures(first);",

	/* 6: drafts and idempotency keys (exactly-once creates, jta_once).
	 * A row being submitted has a lease (owner and end, or neither)
	 * like atlassian_links; attempt_at is when the last create was
	 * sent, once_token what that create carried (on a local ticket as
	 * tickets.once_token, in Jira as the entity property jta.once). */
	"CREATE TABLE drafts ("
	" id TEXT PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" revision INTEGER NOT NULL DEFAULT 1,"
	" input TEXT NOT NULL CHECK (json_valid(input)),"
	" preview TEXT NOT NULL CHECK (json_valid(preview)),"
	" status TEXT NOT NULL DEFAULT 'ready'"
	" CHECK (status IN ('ready', 'submitting', 'submitted')),"
	" once_token TEXT,"
	" lease_owner TEXT,"
	" lease_until INTEGER,"
	" attempt_at INTEGER,"
	" issue_key TEXT,"
	" issue_url TEXT,"
	" result TEXT CHECK (result IS NULL OR json_valid(result)),"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),"
	" CHECK ((status = 'submitted') = (result IS NOT NULL)));"
	"CREATE INDEX drafts_expires ON drafts(expires);"
	"CREATE TABLE idempotency_keys ("
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" key TEXT NOT NULL,"
	" request_hash BLOB NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('in-flight', 'done')),"
	" once_token TEXT NOT NULL,"
	" lease_owner TEXT,"
	" lease_until INTEGER,"
	" attempt_at INTEGER,"
	" response_status INTEGER,"
	" response_body TEXT,"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" PRIMARY KEY (user_id, key),"
	" CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),"
	" CHECK ((status = 'done') = (response_body IS NOT NULL)));"
	"CREATE INDEX idempotency_keys_expires ON idempotency_keys(expires);"
	"ALTER TABLE tickets ADD COLUMN once_token TEXT;"
	"CREATE UNIQUE INDEX tickets_once ON tickets(once_token)"
	" WHERE once_token IS NOT NULL;",
	/* 7: operators' switches (jta_policy.h): the one settings row (the
	 * kill switch and a generation that every change of the switch or
	 * the rules bumps, so a worker re-reads the rules only when it
	 * moved) and the access rules. */
	"CREATE TABLE policy_settings ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
	" message TEXT NOT NULL DEFAULT '',"
	" changed_at INTEGER NOT NULL DEFAULT 0,"
	" changed_by TEXT NOT NULL DEFAULT '',"
	" generation INTEGER NOT NULL DEFAULT 1);"
	"INSERT INTO policy_settings (id) VALUES (1);"
	"CREATE TABLE policy_rules ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" effect TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),"
	" kind TEXT NOT NULL CHECK (kind IN ('site', 'project', 'person',"
	" 'group', 'domain', 'readonly')),"
	" value TEXT NOT NULL,"
	" scope TEXT NOT NULL DEFAULT 'all' CHECK (scope IN ('read',"
	" 'create', 'write', 'all')),"
	" created INTEGER NOT NULL,"
	" created_by TEXT NOT NULL DEFAULT '',"
	" note TEXT NOT NULL DEFAULT '',"
	" UNIQUE (effect, kind, value, scope));",
	/* 8: the audit log (jta_audit.h): one row per change made in Jira
	 * or the store, sign-in and operator action; never a secret or a
	 * ticket's text.  Indexed for jta-admin audit's filters (person,
	 * ticket, time) and for the retention purge (at). */
	"CREATE TABLE audit_log ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" who TEXT NOT NULL CHECK (length(who) <= 300),"
	" account_id TEXT NOT NULL DEFAULT ''"
	" CHECK (length(account_id) <= 128),"
	" site TEXT NOT NULL DEFAULT '' CHECK (length(site) <= 256),"
	" action TEXT NOT NULL CHECK (length(action) <= 64),"
	" issue_key TEXT NOT NULL DEFAULT '' CHECK (length(issue_key) <= 64),"
	" endpoint TEXT NOT NULL DEFAULT '' CHECK (length(endpoint) <= 64),"
	" status INTEGER NOT NULL,"
	" detail TEXT NOT NULL DEFAULT '' CHECK (length(detail) <= 300));"
	"CREATE INDEX audit_log_at ON audit_log(at);"
	"CREATE INDEX audit_log_who ON audit_log(who, at);"
	"CREATE INDEX audit_log_account ON audit_log(account_id, at);"
	"CREATE INDEX audit_log_key ON audit_log(issue_key, at);",
	/* 9: quotas (jta_usage.h; subject "*": the default for every
	 * person or site).  The counts live in a file of their own (see
	 * usage_attach). */
	"CREATE TABLE quotas ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" scope TEXT NOT NULL CHECK (scope IN ('person', 'site')),"
	" subject TEXT NOT NULL,"
	" metric TEXT NOT NULL CHECK (metric IN ('calls', 'creates',"
	" 'updates', 'conversations')),"
	" per TEXT NOT NULL CHECK (per IN ('day', 'month')),"
	" lim INTEGER NOT NULL CHECK (lim >= 0),"
	" created INTEGER NOT NULL,"
	" created_by TEXT NOT NULL DEFAULT '',"
	" UNIQUE (scope, subject, metric, per));",
};

/* ---- the fixed table of statements ---- */

enum sid {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_VERSION, S_HEALTH,
	S_USER_ADD, S_USER_GET, S_USER_LIST,
	S_KEY_ADD, S_KEY_AUTH, S_KEY_LIST, S_KEY_REVOKE,
	S_PROJ_ADD, S_PROJ_TYPE_ADD, S_PROJ_LIST, S_PROJ_TYPES, S_PROJ_GET,
	S_PROJ_TYPE_FIND, S_PROJ_TYPE_FIRST, S_PROJ_BUMP,
	S_T_INSERT, S_T_LABEL_ADD, S_T_LABEL_CLEAR, S_T_LABELS, S_T_FIND,
	S_T_GET, S_T_COMMENTS, S_T_NCOMMENTS, S_T_COMMENT_ADD,
	S_T_SET_SUMMARY, S_T_SET_DESC, S_T_SET_TYPE, S_T_SET_PRIORITY,
	S_T_SET_ASSIGNEE, S_T_SET_STATUS, S_T_TOUCH,
	S_SEARCH_UPDATED_DESC, S_SEARCH_UPDATED_ASC, S_SEARCH_CREATED_DESC,
	S_SEARCH_CREATED_ASC,
	S_SIMILAR, S_USER_FIND,
	S_TK_COUNT, S_TK_LIST, S_TK_GET, S_TK_DEL_COMMENTS, S_TK_DEL_LABELS,
	S_TK_DEL,
	S_STATE_PURGE, S_STATE_PUT, S_STATE_TAKE,
	S_USER_SET_IDENTITY, S_USER_BY_ID, S_LINK_BY_ACCOUNT, S_LINK_UPSERT,
	S_LINK_GET,
	S_LINK_LEASE, S_LINK_RENEW, S_LINK_RELEASE, S_LINK_BREAK, S_LINK_STALE,
	S_LINK_RESEAL,
	S_PW_SET, S_PW_GET,
	S_CLIENT_ADD, S_CLIENT_GET, S_CLIENT_LIST, S_CLIENT_SECRET,
	S_CLIENT_DEL, S_CLIENT_DEL_CODES, S_CLIENT_REVOKE,
	S_CODE_PURGE, S_CODE_PUT, S_CODE_GET, S_CODE_USE,
	S_TOK_PURGE, S_TOK_PUT, S_TOK_GET, S_TOK_REPLACE, S_TOK_KILL,
	S_TOK_LATER, S_TOK_DROP_LIVE, S_TOK_REVOKE_ONE, S_TOK_AUTH,
	S_LOCK_GET, S_LOCK_PURGE, S_LOCK_TRIM, S_LOCK_FAIL, S_LOCK_CLEAR,
	S_DRAFT_PURGE, S_DRAFT_PUT, S_DRAFT_GET, S_DRAFT_EDIT, S_DRAFT_CLAIM,
	S_DRAFT_ATTEMPT, S_DRAFT_DONE, S_DRAFT_UNKNOWN, S_DRAFT_READY,
	S_IDEM_PURGE, S_IDEM_EXPIRE, S_IDEM_GET, S_IDEM_PUT, S_IDEM_CLAIM,
	S_IDEM_ATTEMPT, S_IDEM_DONE, S_IDEM_UNKNOWN, S_IDEM_DROP,
	S_T_ONCE_FIND, S_T_ONCE_SET,
	S_POL_GET, S_POL_SET, S_POL_BUMP, S_POL_NRULES, S_RULE_ADD,
	S_RULE_DEL, S_RULE_LIST,
	S_AUD_ADD, S_AUD_PURGE, S_AUD_QUERY, S_AUD_QUERY_KEY, S_AUD_COUNT,
	S_LINK_LIST, S_LINK_DEL, S_TOK_REVOKE_USER, S_CODE_DEL_USER,
	S_INTEGRITY, S_FTS_CHECK,
	S_USAGE_BEGIN, S_USAGE_DAILY, S_USAGE_SEEN, S_QUOTA_PERSON,
	S_QUOTA_SITE,
	S_QUOTA_COUNT, S_QUOTA_SET, S_QUOTA_DEL, S_QUOTA_LIST,
	S_USAGE_BY_PERSON, S_USAGE_BY_DAY, S_USAGE_BY_SITE, S_USAGE_TOP,
	S_USAGE_TOTAL,
	S_COUNT
};

#define TICKET_COLS \
	"p.key, t.num, t.summary, t.status, t.type, t.priority, a.name, " \
	"r.name, t.created, t.updated, t.id, t.description "
#define TICKET_FROM \
	"FROM tickets t JOIN projects p ON p.id = t.project_id " \
	"JOIN users r ON r.id = t.reporter_id " \
	"LEFT JOIN users a ON a.id = t.assignee_id "
#define SEARCH_WHERE \
	"WHERE (:project IS NULL OR p.key = :project) " \
	"AND (:status IS NULL OR t.status = :status) " \
	"AND (:type IS NULL OR t.type = :type COLLATE NOCASE) " \
	"AND (:priority IS NULL OR t.priority = :priority) " \
	"AND (:label IS NULL OR EXISTS (SELECT 1 FROM ticket_labels l " \
	"WHERE l.ticket_id = t.id AND l.label = :label)) " \
	"AND (:assignee IS NULL OR a.name = :assignee) " \
	"AND (:reporter IS NULL OR r.name = :reporter) " \
	"AND (:cfrom IS NULL OR t.created >= :cfrom) " \
	"AND (:cto IS NULL OR t.created <= :cto) " \
	"AND (:ufrom IS NULL OR t.updated >= :ufrom) " \
	"AND (:uto IS NULL OR t.updated <= :uto) " \
	"AND (:text IS NULL OR t.id IN (SELECT rowid FROM ticket_fts " \
	"WHERE ticket_fts MATCH :text)) "
/* Keyset pagination: rows after (:cv, :cid) in the order, then a page. */
#define SEARCH(col, cmp, dir) \
	"SELECT " TICKET_COLS TICKET_FROM SEARCH_WHERE \
	"AND (:cv IS NULL OR t." col " " cmp " :cv OR (t." col " = :cv " \
	"AND t.id " cmp " :cid)) ORDER BY t." col " " dir ", t.id " dir \
	" LIMIT :lim"
#define TK_STATUS \
	"(CASE WHEN t.status IN ('Open', 'In Progress') THEN 'OPEN' " \
	"WHEN t.status = 'Resolved' THEN 'RESOLVED' ELSE 'CLOSED' END)"
#define TK_WHERE \
	"WHERE (:id IS NULL OR t.id = :id) " \
	"AND (:ids IS NULL OR t.id IN (SELECT value FROM json_each(:ids))) " \
	"AND (:title IS NULL OR instr(lower(t.summary), lower(:title)) > 0) " \
	"AND (:cgte IS NULL OR t.created >= :cgte) " \
	"AND (:clte IS NULL OR t.created <= :clte) " \
	"AND (:sts IS NULL OR " TK_STATUS " IN (SELECT value FROM " \
	"json_each(:sts))) " \
	"AND (:search IS NULL OR instr(lower(t.summary), lower(:search)) > 0 " \
	"OR instr(lower(t.description), lower(:search)) > 0) "
#define TK_COLS "t.id, t.summary, t.description, t.created, " TK_STATUS \
	", t.status"

static const char *const sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_VERSION] = "PRAGMA user_version",
	[S_HEALTH] = "SELECT count(*) FROM projects",
	[S_USER_ADD] = "INSERT INTO users (name, display_name, email, created) "
	    "VALUES (:name, :display, :email, :now)",
	[S_USER_GET] = "SELECT id, name, display_name, email FROM users "
	    "WHERE name = :name",
	[S_USER_LIST] = "SELECT name, display_name, email, created FROM users "
	    "ORDER BY name",
	[S_KEY_ADD] = "INSERT INTO api_keys (keyid, user_id, hash, label, "
	    "created) VALUES (:keyid, :uid, :hash, :label, :now)",
	[S_KEY_AUTH] = "SELECT k.hash, u.id, u.name, u.display_name, u.email "
	    "FROM api_keys k JOIN users u ON u.id = k.user_id "
	    "WHERE k.keyid = :keyid AND k.revoked IS NULL",
	[S_KEY_LIST] = "SELECT k.keyid, u.name, k.label, k.created, k.revoked "
	    "FROM api_keys k JOIN users u ON u.id = k.user_id "
	    "WHERE :user IS NULL OR u.name = :user ORDER BY k.id",
	[S_KEY_REVOKE] = "UPDATE api_keys SET revoked = :now "
	    "WHERE keyid = :keyid AND revoked IS NULL",
	[S_PROJ_ADD] = "INSERT INTO projects (key, name, created) "
	    "VALUES (:key, :name, :now)",
	[S_PROJ_TYPE_ADD] = "INSERT INTO project_types (project_id, pos, name) "
	    "VALUES (:pid, :pos, :name)",
	[S_PROJ_LIST] = "SELECT id, key, name FROM projects ORDER BY key",
	[S_PROJ_TYPES] = "SELECT name FROM project_types WHERE project_id = "
	    ":pid ORDER BY pos",
	[S_PROJ_GET] = "SELECT id, next_num FROM projects WHERE key = :key",
	[S_PROJ_TYPE_FIND] = "SELECT name FROM project_types "
	    "WHERE project_id = :pid AND name = :name",
	[S_PROJ_TYPE_FIRST] = "SELECT name FROM project_types "
	    "WHERE project_id = :pid ORDER BY pos LIMIT 1",
	[S_PROJ_BUMP] = "UPDATE projects SET next_num = next_num + 1 "
	    "WHERE id = :pid",
	[S_T_INSERT] = "INSERT INTO tickets (project_id, num, type, summary, "
	    "description, status, priority, reporter_id, assignee_id, created, "
	    "updated) VALUES (:pid, :num, :type, :summary, :desc, :status, "
	    ":priority, :reporter, :assignee, :now, :now)",
	[S_T_LABEL_ADD] = "INSERT OR IGNORE INTO ticket_labels (ticket_id, "
	    "label) VALUES (:tid, :label)",
	[S_T_LABEL_CLEAR] = "DELETE FROM ticket_labels WHERE ticket_id = :tid",
	[S_T_LABELS] = "SELECT label FROM ticket_labels WHERE ticket_id = :tid "
	    "ORDER BY label",
	[S_T_FIND] = "SELECT t.id, t.status FROM tickets t JOIN projects p ON "
	    "p.id = t.project_id WHERE p.key = :key AND t.num = :num",
	[S_T_GET] = "SELECT " TICKET_COLS TICKET_FROM "WHERE t.id = :tid",
	[S_T_COMMENTS] = "SELECT * FROM (SELECT c.id, u.name, c.body, "
	    "c.created FROM comments c JOIN users u ON u.id = c.author_id "
	    "WHERE c.ticket_id = :tid ORDER BY c.id DESC LIMIT :lim) "
	    "ORDER BY id",
	[S_T_NCOMMENTS] = "SELECT count(*) FROM comments "
	    "WHERE ticket_id = :tid",
	[S_T_COMMENT_ADD] = "INSERT INTO comments (ticket_id, author_id, body, "
	    "created) VALUES (:tid, :uid, :body, :now)",
	[S_T_SET_SUMMARY] = "UPDATE tickets SET summary = :v WHERE id = :tid",
	[S_T_SET_DESC] = "UPDATE tickets SET description = :v WHERE id = :tid",
	[S_T_SET_TYPE] = "UPDATE tickets SET type = :v WHERE id = :tid",
	[S_T_SET_PRIORITY] = "UPDATE tickets SET priority = :v WHERE id = :tid",
	[S_T_SET_ASSIGNEE] = "UPDATE tickets SET assignee_id = :v "
	    "WHERE id = :tid",
	[S_T_SET_STATUS] = "UPDATE tickets SET status = :v WHERE id = :tid",
	[S_T_TOUCH] = "UPDATE tickets SET updated = max(updated, :now) "
	    "WHERE id = :tid",
	[S_SEARCH_UPDATED_DESC] = SEARCH("updated", "<", "DESC"),
	[S_SEARCH_UPDATED_ASC] = SEARCH("updated", ">", "ASC"),
	[S_SEARCH_CREATED_DESC] = SEARCH("created", "<", "DESC"),
	[S_SEARCH_CREATED_ASC] = SEARCH("created", ">", "ASC"),
	[S_TK_COUNT] = "SELECT count(*) FROM tickets t " TK_WHERE,
	[S_TK_LIST] = "SELECT " TK_COLS " FROM tickets t " TK_WHERE
	    "ORDER BY CASE :ord WHEN 'created' THEN t.created END ASC, "
	    "CASE :ord WHEN '-created' THEN t.created END DESC, "
	    "CASE :ord WHEN 'title' THEN t.summary END ASC, "
	    "CASE :ord WHEN '-title' THEN t.summary END DESC, "
	    "CASE :ord WHEN 'updated' THEN t.updated END ASC, "
	    "CASE :ord WHEN '-updated' THEN t.updated END DESC, "
	    "CASE WHEN :ord LIKE '-%' THEN t.id END DESC, t.id ASC "
	    "LIMIT :lim OFFSET :off",
	[S_TK_GET] = "SELECT " TK_COLS " FROM tickets t WHERE t.id = :id",
	[S_TK_DEL_COMMENTS] = "DELETE FROM comments WHERE ticket_id = :tid",
	[S_TK_DEL_LABELS] = "DELETE FROM ticket_labels WHERE ticket_id = :tid",
	[S_TK_DEL] = "DELETE FROM tickets WHERE id = :tid",
	[S_STATE_PURGE] = "DELETE FROM oauth_states WHERE expires <= :now",
	[S_STATE_PUT] = "INSERT INTO oauth_states (state_hash, created, "
	    "expires, user_hint, request) VALUES (:hash, :now, :expires, "
	    ":hint, :request)",
	[S_STATE_TAKE] = "DELETE FROM oauth_states WHERE state_hash = :hash "
	    "AND expires > :now RETURNING coalesce(user_hint, ''), "
	    "coalesce(request, '')",
	[S_USER_SET_IDENTITY] = "UPDATE users SET display_name = :display, "
	    "email = :email WHERE id = :uid",
	[S_USER_BY_ID] = "SELECT id, name, display_name, email FROM users "
	    "WHERE id = :uid",
	[S_LINK_BY_ACCOUNT] = "SELECT user_id FROM atlassian_links "
	    "WHERE account_id = :acct",
	[S_LINK_UPSERT] = "INSERT INTO atlassian_links (user_id, account_id, "
	    "cloud_id, site_url, access_ct, access_expires, refresh_ct, "
	    "status, "
	    "generation, created, updated) VALUES (:uid, :acct, :cloud, :site, "
	    ":access, :expires, :refresh, 'ok', 1, :now, :now) "
	    "ON CONFLICT (user_id) DO UPDATE SET "
	    "account_id = excluded.account_id, "
	    "cloud_id = excluded.cloud_id, site_url = excluded.site_url, "
	    "access_ct = excluded.access_ct, "
	    "access_expires = excluded.access_expires, "
	    "refresh_ct = excluded.refresh_ct, status = 'ok', "
	    "generation = generation + 1, lease_owner = NULL, "
	    "lease_until = NULL, updated = excluded.updated",
	[S_LINK_GET] = "SELECT l.user_id, l.account_id, l.cloud_id, "
	    "l.site_url, l.access_ct, l.access_expires, l.refresh_ct, "
	    "l.status, "
	    "l.generation, l.lease_owner, l.lease_until, l.created, l.updated, "
	    "u.display_name, u.email FROM atlassian_links l "
	    "JOIN users u ON u.id = l.user_id WHERE l.user_id = :uid",
	[S_LINK_LEASE] = "UPDATE atlassian_links SET lease_owner = :owner, "
	    "lease_until = :until WHERE user_id = :uid AND generation = :gen",
	[S_LINK_RENEW] = "UPDATE atlassian_links SET access_ct = :access, "
	    "access_expires = :expires, "
	    "refresh_ct = coalesce(:refresh, refresh_ct), "
	    "generation = generation + 1, lease_owner = NULL, "
	    "lease_until = NULL, updated = :now "
	    "WHERE user_id = :uid AND lease_owner = :owner AND status = 'ok'",
	[S_LINK_RELEASE] = "UPDATE atlassian_links SET lease_owner = NULL, "
	    "lease_until = NULL WHERE user_id = :uid AND lease_owner = :owner",
	[S_LINK_BREAK] = "UPDATE atlassian_links SET status = 'broken', "
	    "access_ct = NULL, refresh_ct = NULL, generation = generation + 1, "
	    "lease_owner = NULL, lease_until = NULL, updated = :now "
	    "WHERE user_id = :uid AND lease_owner = :owner",
	/* Bytes 2..5 of a sealed token are its KID (see jta_vault.h). */
	[S_LINK_STALE] = "SELECT user_id, generation, access_ct, refresh_ct "
	    "FROM atlassian_links WHERE status = 'ok' AND user_id > :after "
	    "AND (substr(access_ct, 2, 4) IS NOT :kid OR (refresh_ct IS NOT "
	    "NULL AND substr(refresh_ct, 2, 4) IS NOT :kid)) "
	    "ORDER BY user_id LIMIT :lim",
	[S_LINK_RESEAL] = "UPDATE atlassian_links SET access_ct = :access, "
	    "refresh_ct = :refresh WHERE user_id = :uid AND generation = :gen "
	    "AND status = 'ok'",
	[S_PW_SET] = "UPDATE users SET pw_hash = :pw WHERE name = :name",
	[S_PW_GET] = "SELECT id, name, display_name, email, pw_hash "
	    "FROM users WHERE name = :name",
	[S_CLIENT_ADD] = "INSERT INTO oauth_clients (client_id, secret_hash, "
	    "name, redirect_uris, created) VALUES (:cid, :hash, :name, :uris, "
	    ":now)",
	[S_CLIENT_GET] = "SELECT secret_hash, redirect_uris "
	    "FROM oauth_clients WHERE client_id = :cid",
	[S_CLIENT_LIST] = "SELECT c.client_id, c.name, c.redirect_uris, "
	    "c.created, (SELECT count(*) FROM oauth_tokens t WHERE "
	    "t.client_id = c.client_id AND t.kind = 'refresh' AND "
	    "t.revoked = 0 AND t.replaced_at IS NULL AND t.expires > :now) "
	    "FROM oauth_clients c ORDER BY c.id",
	[S_CLIENT_SECRET] = "UPDATE oauth_clients SET secret_hash = :hash "
	    "WHERE client_id = :cid",
	[S_CLIENT_DEL] = "DELETE FROM oauth_clients WHERE client_id = :cid",
	[S_CLIENT_DEL_CODES] = "DELETE FROM oauth_codes WHERE client_id = :cid",
	[S_CLIENT_REVOKE] = "UPDATE oauth_tokens SET revoked = 1 "
	    "WHERE client_id = :cid",
	/* Rows are kept a day past their expiry so a late replay is still
	 * recognised as one (and revokes what it must). */
	[S_CODE_PURGE] = "DELETE FROM oauth_codes WHERE expires < :now - 86400",
	[S_CODE_PUT] = "INSERT INTO oauth_codes (hash, client_id, user_id, "
	    "redirect_uri, code_challenge, scope, expires) VALUES (:hash, "
	    ":cid, :uid, :uri, :chal, :scope, :expires)",
	[S_CODE_GET] = "SELECT client_id, user_id, redirect_uri, "
	    "code_challenge, scope, expires, used FROM oauth_codes "
	    "WHERE hash = :hash",
	[S_CODE_USE] = "UPDATE oauth_codes SET used = 1 WHERE hash = :hash",
	[S_TOK_PURGE] = "DELETE FROM oauth_tokens WHERE expires < :now - 86400",
	[S_TOK_PUT] = "INSERT INTO oauth_tokens (hash, kind, family, "
	    "client_id, user_id, scope, expires) VALUES (:hash, :kind, "
	    ":family, :cid, :uid, :scope, :expires)",
	[S_TOK_GET] = "SELECT rowid, kind, family, client_id, user_id, scope, "
	    "expires, replaced_at, revoked FROM oauth_tokens "
	    "WHERE hash = :hash",
	[S_TOK_REPLACE] = "UPDATE oauth_tokens SET replaced_at = :now "
	    "WHERE rowid = :rid",
	[S_TOK_KILL] = "UPDATE oauth_tokens SET revoked = 1 "
	    "WHERE family = :family",
	/* Refresh tokens of the family replaced after this one: then this
	 * one is not the one just replaced. */
	[S_TOK_LATER] = "SELECT count(*) FROM oauth_tokens WHERE family = "
	    ":family AND kind = 'refresh' AND replaced_at IS NOT NULL AND "
	    "(replaced_at > :ra OR (replaced_at = :ra AND rowid > :rid))",
	[S_TOK_DROP_LIVE] = "UPDATE oauth_tokens SET revoked = 1 WHERE "
	    "family = :family AND kind = 'refresh' AND replaced_at IS NULL",
	[S_TOK_REVOKE_ONE] = "UPDATE oauth_tokens SET revoked = 1 "
	    "WHERE rowid = :rid",
	[S_TOK_AUTH] = "SELECT u.id, u.name, u.display_name, u.email "
	    "FROM oauth_tokens t JOIN users u ON u.id = t.user_id "
	    "WHERE t.hash = :hash AND t.kind = 'access' AND t.revoked = 0 "
	    "AND t.expires > :now",
	[S_LOCK_GET] = "SELECT locked_until FROM login_failures "
	    "WHERE name = :name",
	[S_LOCK_PURGE] = "DELETE FROM login_failures WHERE first <= :old "
	    "AND locked_until <= :now",
	/* Over the cap: unlocked rows go first, then the oldest. */
	[S_LOCK_TRIM] = "DELETE FROM login_failures WHERE name IN (SELECT "
	    "name FROM login_failures ORDER BY locked_until > :now, first "
	    "LIMIT max(0, (SELECT count(*) FROM login_failures) - :max + 1))",
	/* In DO UPDATE every column names the old row's value. */
	[S_LOCK_FAIL] = "INSERT INTO login_failures (name, failures, first, "
	    "locked_until) VALUES (:name, 1, :now, CASE WHEN :limit <= 1 "
	    "THEN :until ELSE 0 END) ON CONFLICT (name) DO UPDATE SET "
	    "failures = CASE WHEN first <= :old THEN 1 ELSE failures + 1 END, "
	    "first = CASE WHEN first <= :old THEN :now ELSE first END, "
	    "locked_until = CASE WHEN first > :old AND failures + 1 >= :limit "
	    "THEN :until ELSE locked_until END RETURNING locked_until",
	[S_LOCK_CLEAR] = "DELETE FROM login_failures WHERE name = :name",
	/* Similar tickets: bm25 with a summary match worth ten of a
	 * comment's and a description's three (lower bm25 is better). */
	[S_SIMILAR] = "SELECT p.key, t.num, t.summary, t.status, t.type, "
	    "t.priority, t.updated, t.id, bm25(ticket_fts, 10.0, 3.0, 1.0) "
	    "AS rank FROM ticket_fts JOIN tickets t ON t.id = ticket_fts.rowid "
	    "JOIN projects p ON p.id = t.project_id WHERE ticket_fts MATCH :q "
	    "AND (:project IS NULL OR p.key = :project) "
	    "ORDER BY rank, t.id DESC LIMIT :lim",
	[S_USER_FIND] = "SELECT name, display_name, email FROM users "
	    "WHERE instr(lower(name), lower(:q)) > 0 "
	    "OR instr(lower(display_name), lower(:q)) > 0 "
	    "OR instr(lower(email), lower(:q)) > 0 ORDER BY name LIMIT :lim",
	/* Expired rows go a bounded batch at a time, on the way. */
	[S_DRAFT_PURGE] = "DELETE FROM drafts WHERE rowid IN (SELECT rowid "
	    "FROM drafts WHERE expires <= :now LIMIT 64)",
	[S_DRAFT_PUT] = "INSERT INTO drafts (id, user_id, input, preview, "
	    "created, updated, expires) VALUES (:id, :uid, :input, :preview, "
	    ":now, :now, :expires)",
	[S_DRAFT_GET] = "SELECT id, revision, input, preview, status, result, "
	    "created, updated, expires, once_token, lease_owner, lease_until, "
	    "attempt_at FROM drafts WHERE id = :id AND user_id = :uid AND "
	    "expires > :now",
	[S_DRAFT_EDIT] = "UPDATE drafts SET input = :input, "
	    "preview = :preview, revision = revision + 1, updated = :now, "
	    "expires = :expires WHERE id = :id AND user_id = :uid AND "
	    "status = 'ready' AND revision = :rev",
	[S_DRAFT_CLAIM] = "UPDATE drafts SET lease_owner = :owner, "
	    "lease_until = :until, once_token = coalesce(once_token, :token), "
	    "attempt_at = CASE status WHEN 'ready' THEN :now ELSE attempt_at "
	    "END, status = 'submitting', expires = max(expires, :expires) "
	    "WHERE id = :id AND user_id = :uid",
	[S_DRAFT_ATTEMPT] = "UPDATE drafts SET attempt_at = :now "
	    "WHERE id = :id AND user_id = :uid AND lease_owner = :owner",
	[S_DRAFT_DONE] = "UPDATE drafts SET status = 'submitted', "
	    "issue_key = :key, issue_url = :url, result = :result, "
	    "lease_owner = NULL, lease_until = NULL, updated = :now, "
	    "expires = :expires WHERE id = :id AND user_id = :uid AND "
	    "lease_owner = :owner",
	[S_DRAFT_UNKNOWN] = "UPDATE drafts SET lease_owner = NULL, "
	    "lease_until = NULL WHERE id = :id AND user_id = :uid AND "
	    "lease_owner = :owner",
	[S_DRAFT_READY] = "UPDATE drafts SET status = 'ready', "
	    "lease_owner = NULL, lease_until = NULL, attempt_at = NULL "
	    "WHERE id = :id AND user_id = :uid AND lease_owner = :owner",
	[S_IDEM_PURGE] = "DELETE FROM idempotency_keys WHERE rowid IN (SELECT "
	    "rowid FROM idempotency_keys WHERE expires <= :now LIMIT 64)",
	[S_IDEM_EXPIRE] = "DELETE FROM idempotency_keys WHERE user_id = :uid "
	    "AND key = :id AND expires <= :now",
	[S_IDEM_GET] = "SELECT request_hash, status, once_token, lease_owner, "
	    "lease_until, attempt_at, response_status, response_body, "
	    "created FROM idempotency_keys WHERE user_id = :uid AND key = :id",
	[S_IDEM_PUT] = "INSERT INTO idempotency_keys (user_id, key, "
	    "request_hash, status, once_token, lease_owner, lease_until, "
	    "attempt_at, created, expires) VALUES (:uid, :id, :hash, "
	    "'in-flight', :token, :owner, :until, :now, :now, :expires)",
	[S_IDEM_CLAIM] = "UPDATE idempotency_keys SET lease_owner = :owner, "
	    "lease_until = :until WHERE user_id = :uid AND key = :id",
	[S_IDEM_ATTEMPT] = "UPDATE idempotency_keys SET attempt_at = :now "
	    "WHERE user_id = :uid AND key = :id AND lease_owner = :owner",
	[S_IDEM_DONE] = "UPDATE idempotency_keys SET status = 'done', "
	    "response_status = :status, response_body = :result, "
	    "lease_owner = NULL, lease_until = NULL WHERE user_id = :uid AND "
	    "key = :id AND lease_owner = :owner",
	[S_IDEM_UNKNOWN] = "UPDATE idempotency_keys SET lease_owner = NULL, "
	    "lease_until = NULL WHERE user_id = :uid AND key = :id AND "
	    "lease_owner = :owner",
	[S_IDEM_DROP] = "DELETE FROM idempotency_keys WHERE user_id = :uid "
	    "AND key = :id AND lease_owner = :owner",
	[S_T_ONCE_FIND] = "SELECT id FROM tickets WHERE once_token = :token",
	[S_T_ONCE_SET] = "UPDATE tickets SET once_token = :token "
	    "WHERE id = :tid",
	/* The per-request read of the operators' switches: one row by
	 * its primary key. */
	[S_POL_GET] = "SELECT enabled, message, changed_at, changed_by, "
	    "generation FROM policy_settings WHERE id = 1",
	[S_POL_SET] = "UPDATE policy_settings SET enabled = :on, message = "
	    ":msg, changed_at = :now, changed_by = :by, generation = "
	    "generation + 1 WHERE id = 1",
	/* A rule changed: the switch's own time and author stay. */
	[S_POL_BUMP] = "UPDATE policy_settings SET generation = "
	    "generation + 1 WHERE id = 1",
	[S_POL_NRULES] = "SELECT count(*) FROM policy_rules",
	[S_RULE_ADD] = "INSERT INTO policy_rules (effect, kind, value, scope, "
	    "created, created_by, note) VALUES (:effect, :kind, :value, "
	    ":scope, :now, :by, :note)",
	[S_RULE_DEL] = "DELETE FROM policy_rules WHERE id = :id",
	[S_RULE_LIST] = "SELECT id, effect, kind, value, scope, created, "
	    "created_by, note FROM policy_rules ORDER BY id",
	/* The audit log (schema 8). */
	[S_AUD_ADD] = "INSERT INTO audit_log (at, who, account_id, site, "
	    "action, issue_key, endpoint, status, detail) VALUES (:at, :who, "
	    ":acc, :site, :action, :key, :ep, :status, :detail)",
	[S_AUD_PURGE] = "DELETE FROM audit_log WHERE id IN (SELECT id FROM "
	    "audit_log WHERE at < :before ORDER BY at LIMIT :max)",
#define AUDIT_COLS "SELECT id, at, who, account_id, site, action, " \
	    "issue_key, endpoint, status, detail FROM audit_log WHERE "
#define AUDIT_FILTERS "(:from IS NULL OR at >= :from) AND " \
	    "(:to IS NULL OR at < :to) AND " \
	    "(:action IS NULL OR action = :action) AND " \
	    "(:person IS NULL OR who = :person OR account_id = :person OR " \
	    "who IN (SELECT name FROM users WHERE email <> '' AND " \
	    "email = :person COLLATE NOCASE)) " \
	    "ORDER BY at DESC, id DESC LIMIT :limit"
	[S_AUD_QUERY] = AUDIT_COLS AUDIT_FILTERS,
	/* With a ticket: its index first. */
	[S_AUD_QUERY_KEY] = AUDIT_COLS "issue_key = :key AND " AUDIT_FILTERS,
#undef AUDIT_COLS
#undef AUDIT_FILTERS
	[S_AUD_COUNT] = "SELECT count(*) FROM audit_log",
	/* Users with their link, if any (jta-admin users). */
	[S_LINK_LIST] = "SELECT u.id, u.name, u.display_name, u.email, "
	    "l.account_id, l.site_url, l.status, l.updated, l.access_expires, "
	    "l.refresh_ct IS NOT NULL FROM users u LEFT JOIN atlassian_links "
	    "l ON l.user_id = u.id ORDER BY u.name",
	[S_LINK_DEL] = "DELETE FROM atlassian_links WHERE user_id = :uid",
	[S_TOK_REVOKE_USER] = "UPDATE oauth_tokens SET revoked = 1 "
	    "WHERE user_id = :uid AND revoked = 0",
	[S_CODE_DEL_USER] = "DELETE FROM oauth_codes WHERE user_id = :uid",
	/* jta-admin check: the first finding, or "ok"; the FTS5 index
	 * against its content (an error when they differ). */
	[S_INTEGRITY] = "PRAGMA integrity_check(1)",
	[S_FTS_CHECK] = "INSERT INTO ticket_fts(ticket_fts) VALUES "
	    "('integrity-check')",
	/* Usage (schema 9).  The conversation flag is computed from
	 * usage_seen before S_USAGE_SEEN moves it, in one transaction. */
	[S_USAGE_BEGIN] = "BEGIN",
	[S_USAGE_DAILY] = "INSERT INTO usage_daily (user_id, day, site, "
	    "calls, creates, updates, conversations) VALUES (:uid, :day, "
	    ":site, 1, :cr, :up, NOT EXISTS (SELECT 1 FROM usage_seen WHERE "
	    "user_id = :uid AND last_seen > :now - :gap)) "
	    "ON CONFLICT (user_id, day, site) DO UPDATE SET "
	    "calls = calls + 1, creates = creates + excluded.creates, "
	    "updates = updates + excluded.updates, "
	    "conversations = conversations + excluded.conversations",
	[S_USAGE_SEEN] = "INSERT INTO usage_seen (user_id, last_seen) "
	    "VALUES (:uid, :now) ON CONFLICT (user_id) DO UPDATE SET "
	    "last_seen = max(last_seen, excluded.last_seen)",
#define QUOTA_USED(who) \
	"(SELECT coalesce(sum(CASE q.metric WHEN 'calls' THEN d.calls " \
	"WHEN 'creates' THEN d.creates WHEN 'updates' THEN d.updates " \
	"ELSE d.conversations END), 0) FROM usage_daily d WHERE " who \
	" AND d.day >= (CASE q.per WHEN 'day' THEN :day ELSE :month END) " \
	"AND d.day <= :day)"
#define QUOTA_MINE(scope, subj) \
	"q.scope = '" scope "' AND (q.subject = " subj " OR (q.subject = " \
	"'*' AND NOT EXISTS (SELECT 1 FROM quotas o WHERE o.scope = '" \
	scope "' AND o.subject = " subj " AND o.metric = q.metric AND " \
	"o.per = q.per)))"
	[S_QUOTA_PERSON] = "SELECT q.scope, q.subject, q.metric, q.per, "
	    "q.lim, " QUOTA_USED("d.user_id = :uid") " FROM quotas q WHERE "
	    QUOTA_MINE("person", ":name") " ORDER BY q.id",
	[S_QUOTA_SITE] = "SELECT q.scope, q.subject, q.metric, q.per, "
	    "q.lim, " QUOTA_USED("d.site = :site") " FROM quotas q WHERE "
	    QUOTA_MINE("site", ":site") " ORDER BY q.id",
#undef QUOTA_USED
#undef QUOTA_MINE
	[S_QUOTA_COUNT] = "SELECT count(*) FROM quotas WHERE NOT (scope = "
	    ":scope AND subject = :subject AND metric = :metric AND "
	    "per = :per)",
	[S_QUOTA_SET] = "INSERT INTO quotas (scope, subject, metric, per, "
	    "lim, created, created_by) VALUES (:scope, :subject, :metric, "
	    ":per, :lim, :now, :by) ON CONFLICT (scope, subject, metric, per) "
	    "DO UPDATE SET lim = excluded.lim, created = excluded.created, "
	    "created_by = excluded.created_by",
	[S_QUOTA_DEL] = "DELETE FROM quotas WHERE scope = :scope AND "
	    "subject = :subject AND metric = :metric AND (:per IS NULL OR "
	    "per = :per)",
	[S_QUOTA_LIST] = "SELECT scope, subject, metric, per, lim, created, "
	    "created_by FROM quotas ORDER BY scope, subject = '*' DESC, "
	    "subject, metric, per",
#define USAGE_SUMS "sum(d.calls), sum(d.creates), sum(d.updates), " \
	"sum(d.conversations) "
	[S_USAGE_BY_PERSON] = "SELECT coalesce(u.name, '#' || d.user_id), "
	    USAGE_SUMS "FROM usage_daily d LEFT JOIN users u ON "
	    "u.id = d.user_id WHERE d.day >= :from AND d.day <= :to "
	    "GROUP BY d.user_id ORDER BY 1",
	[S_USAGE_BY_DAY] = "SELECT d.day, " USAGE_SUMS "FROM usage_daily d "
	    "WHERE d.day >= :from AND d.day <= :to GROUP BY d.day ORDER BY 1",
	[S_USAGE_BY_SITE] = "SELECT d.site, " USAGE_SUMS "FROM usage_daily d "
	    "WHERE d.day >= :from AND d.day <= :to GROUP BY d.site "
	    "ORDER BY 1",
	[S_USAGE_TOP] = "SELECT coalesce(u.name, '#' || d.user_id), "
	    USAGE_SUMS "FROM usage_daily d LEFT JOIN users u ON "
	    "u.id = d.user_id WHERE d.day >= :from AND d.day <= :to "
	    "GROUP BY d.user_id ORDER BY 2 DESC, 1 LIMIT :lim",
	[S_USAGE_TOTAL] = "SELECT 'total', coalesce(sum(d.calls), 0), "
	    "coalesce(sum(d.creates), 0), coalesce(sum(d.updates), 0), "
	    "coalesce(sum(d.conversations), 0) FROM usage_daily d "
	    "WHERE d.day >= :from AND d.day <= :to",
#undef USAGE_SUMS
};

struct jta_store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[S_COUNT];
	char		 path[512];
	int		 usage_busy_ms;	/* the counting connection's
					 * busy_timeout_ms (usagebusy) */
	int		 usage_attached; /* DATABASE.usage is attached */
};

/* ---- plumbing ---- */

static enum jta_err
dberr(struct jta_store *st, int rc, const char *what, struct jta_error *err)
{
	jta_errorlog("sqlite: %s failed: %s (%d) db=%s", what,
	    sqlite3_errmsg(st->db), rc, st->path);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return jta_error_set(err, JTA_ERR_DB, 503, NULL,
		    "the ticket store is busy; try again in a moment");
	return jta_error_set(err, JTA_ERR_DB, 500, NULL,
	    "the ticket store failed; the server log has details");
}

/* The prepared statement id, reset and unbound, ready to bind. */
static sqlite3_stmt *
stmt(struct jta_store *st, enum sid id)
{
	sqlite3_stmt	*s = st->stmt[id];
	int		 rc;

	if (s == NULL) {
		rc = sqlite3_prepare_v3(st->db, sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->stmt[id], NULL);
		if (rc != SQLITE_OK) {
			jta_errorlog("sqlite: prepare of statement %d failed: "
			    "%s", (int)id, sqlite3_errmsg(st->db));
			return NULL;
		}
		return st->stmt[id];
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static int
pidx(sqlite3_stmt *s, const char *name)
{
	return sqlite3_bind_parameter_index(s, name);
}

/* Bind helpers: a name the statement lacks is a bug (SQLITE_RANGE). */
static int
btext(sqlite3_stmt *s, const char *name, const char *v)
{
	int i = pidx(s, name);

	if (i == 0)
		return SQLITE_RANGE;
	return v == NULL ? sqlite3_bind_null(s, i) :
	    sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static int
bint(sqlite3_stmt *s, const char *name, int64_t v)
{
	int i = pidx(s, name);

	return i == 0 ? SQLITE_RANGE : sqlite3_bind_int64(s, i, v);
}

/* Bind v, or NULL when v is 0 (an open bound). */
static int
bint0(sqlite3_stmt *s, const char *name, int64_t v)
{
	int i = pidx(s, name);

	if (i == 0)
		return SQLITE_RANGE;
	return v == 0 ? sqlite3_bind_null(s, i) : sqlite3_bind_int64(s, i, v);
}

static int
bjson(sqlite3_stmt *s, const char *name, const json_t *v)
{
	char	*text;
	int	 i = pidx(s, name), rc;

	if (i == 0)
		return SQLITE_RANGE;
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	if ((text = json_dumps(v, JSON_COMPACT)) == NULL)
		return SQLITE_NOMEM;
	rc = sqlite3_bind_text(s, i, text, -1, free);
	return rc;
}

static const char *
col(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t == NULL ? "" : (const char *)t;
}

/* Run a statement that returns no rows. */
static int
run(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static enum jta_err
begin(struct jta_store *st, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_BEGIN)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "begin", err);
	return JTA_OK;
}

static enum jta_err
commit(struct jta_store *st, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_COMMIT)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "commit", err);
	return JTA_OK;
}

static void
rollback(struct jta_store *st)
{
	sqlite3_stmt *s;

	if (sqlite3_get_autocommit(st->db))
		return;
	if ((s = stmt(st, S_ROLLBACK)) != NULL)
		(void)run(s);
}

static json_t *
timejs(int64_t t)
{
	char	 buf[JTA_TIME_STRLEN];

	jta_time_format(t, buf);
	return json_string(buf);
}

/* A jansson "set" that fails the whole answer when memory runs out. */
static int
oset(json_t *o, const char *k, json_t *v)
{
	return v == NULL || json_object_set_new(o, k, v) != 0 ? -1 : 0;
}

/* ---- open and migrate ---- */

enum jta_err
jta_store_version(struct jta_store *st, int *version)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_VERSION)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		sqlite3_reset(s);
		return dberr(st, rc, "user_version", NULL);
	}
	*version = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return JTA_OK;
}

enum jta_err
jta_store_migrate(struct jta_store *st, int target)
{
	enum jta_err	 rc;
	char		*emsg = NULL;
	char		 pragma[64];
	int		 v;

	if (target < 1 || target > JTA_STORE_VERSION)
		return JTA_ERR_INTERNAL;
	for (;;) {
		if ((rc = begin(st, NULL)) != JTA_OK)
			return rc;
		/* Read the version inside the write transaction, so two
		 * processes migrating at once do each step once. */
		if ((rc = jta_store_version(st, &v)) != JTA_OK)
			goto fail;
		if (v > JTA_STORE_VERSION) {
			jta_errorlog("store: %s has schema version %d, newer "
			    "than this build's %d", st->path, v,
			    JTA_STORE_VERSION);
			rc = JTA_ERR_CONFIG;
			goto fail;
		}
		if (v >= target) {
			rollback(st);
			return JTA_OK;
		}
		if (sqlite3_exec(st->db, migrations[v], NULL, NULL, &emsg) !=
		    SQLITE_OK) {
			jta_errorlog("store: migration to version %d failed: "
			    "%s", v + 1, emsg ? emsg : "?");
			sqlite3_free(emsg);
			rc = JTA_ERR_DB;
			goto fail;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
		    v + 1);
		if (sqlite3_exec(st->db, pragma, NULL, NULL, NULL) !=
		    SQLITE_OK) {
			rc = dberr(st, SQLITE_ERROR, "user_version", NULL);
			goto fail;
		}
		if ((rc = commit(st, NULL)) != JTA_OK)
			goto fail;
		jta_info("store: migrated %s to schema version %d", st->path,
		    v + 1);
	}
fail:
	rollback(st);
	return rc;
}

enum jta_err
jta_store_open(const char *path, int busy_timeout_ms, unsigned flags,
    struct jta_store **out, char *msg, size_t msgsz)
{
	enum jta_err	 rc = JTA_ERR_DB;
	struct jta_store *st = NULL;
	char		*emsg = NULL;
	int		 v, fd, oflags;
	static const char pragmas[] =
	    "PRAGMA journal_mode = WAL;"
	    /* FULL: a commit is on disk before we answer, even on power
	     * loss; tickets and keys are worth the fsync. */
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;";
	/* trusted_schema stays at its default (ON): the FTS triggers write
	 * to a virtual table, which SQLite refuses in an untrusted schema.
	 * The file is ours (mode 0600), never a user's upload. */

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(msg, msgsz, "out of memory");
		return JTA_ERR_NOMEM;
	}
	snprintf(st->path, sizeof(st->path), "%s", path);
	if (flags & JTA_STORE_CREATE) {
		/* Create the file ourselves so it is 0600 from the start. */
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
			snprintf(msg, msgsz, "database %s: cannot create: %s",
			    path, strerror(errno));
			rc = JTA_ERR_IO;
			goto out;
		}
		close(fd);
	}
	oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
		snprintf(msg, msgsz, "database %s: cannot open: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, busy_timeout_ms);
	if (sqlite3_exec(st->db, pragmas, NULL, NULL, &emsg) != SQLITE_OK) {
		snprintf(msg, msgsz, "database %s: %s", path,
		    emsg ? emsg : "cannot set pragmas");
		sqlite3_free(emsg);
		goto out;
	}
	if ((flags & JTA_STORE_MIGRATE) &&
	    jta_store_migrate(st, JTA_STORE_VERSION) != JTA_OK) {
		snprintf(msg, msgsz, "database %s: migration failed (see the "
		    "log above)", path);
		goto out;
	}
	if (jta_store_version(st, &v) != JTA_OK) {
		snprintf(msg, msgsz, "database %s: cannot read the schema "
		    "version; is it an SQLite database?", path);
		goto out;
	}
	if (v != JTA_STORE_VERSION) {
		snprintf(msg, msgsz, "database %s: schema version %d, this "
		    "build needs %d: run 'jta-admin init'", path, v,
		    JTA_STORE_VERSION);
		rc = JTA_ERR_CONFIG;
		goto out;
	}
	*out = st;
	st = NULL;
	rc = JTA_OK;
out:
	jta_store_close(st);
	return rc;
}

void
jta_store_close(struct jta_store *st)
{
	size_t	 i;

	if (st == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

enum jta_err
jta_store_health(struct jta_store *st, int *version)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_HEALTH)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", NULL);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return dberr(st, rc, "health", NULL);
	return jta_store_version(st, version);
}

/* ---- users and keys ---- */

static void
userrow(sqlite3_stmt *s, int first, struct jta_user *u)
{
	u->id = sqlite3_column_int64(s, first);
	snprintf(u->name, sizeof(u->name), "%s", col(s, first + 1));
	snprintf(u->display_name, sizeof(u->display_name), "%s",
	    col(s, first + 2));
	snprintf(u->email, sizeof(u->email), "%s", col(s, first + 3));
}

enum jta_err
jta_store_user_add(struct jta_store *st, const char *name,
    const char *display_name, const char *email, int64_t *id,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_USER_ADD)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = btext(s, ":display", display_name)) != SQLITE_OK ||
	    (rc = btext(s, ":email", email ? email : "")) != SQLITE_OK ||
	    (rc = bint(s, ":now", jta_time_now())) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = run(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return jta_error_set(err, JTA_ERR_CONFLICT, 409, "name",
		    "a user with that name exists already");
	if (rc != SQLITE_OK)
		return dberr(st, rc, "user add", err);
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(st->db);
	return JTA_OK;
}

enum jta_err
jta_store_user_get(struct jta_store *st, const char *name,
    struct jta_user *out, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_USER_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":name", name)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		userrow(s, 0, out);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "user",
		    "there is no user by that name");
	return rc == SQLITE_ROW ? JTA_OK : dberr(st, rc, "user get", err);
}

enum jta_err
jta_store_user_list(struct jta_store *st, json_t **out)
{
	sqlite3_stmt	*s;
	json_t		*arr, *o;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_USER_LIST)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", NULL);
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		o = json_pack("{s:s, s:s, s:s, s:o}", "name", col(s, 0),
		    "display_name", col(s, 1), "email", col(s, 2), "created",
		    timejs(sqlite3_column_int64(s, 3)));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			sqlite3_reset(s);
			json_decref(arr);
			return JTA_ERR_NOMEM;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return dberr(st, rc, "user list", NULL);
	}
	*out = arr;
	return JTA_OK;
}

enum jta_err
jta_store_key_add(struct jta_store *st, int64_t user_id, const char *keyid,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *label,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_KEY_ADD)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":keyid", keyid)) != SQLITE_OK ||
	    (rc = bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = sqlite3_bind_blob(s, pidx(s, ":hash"), hash,
	    JTA_VAULT_HASHBYTES, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = btext(s, ":label", label ? label : "")) != SQLITE_OK ||
	    (rc = bint(s, ":now", jta_time_now())) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "key add", err);
	return JTA_OK;
}

enum jta_err
jta_store_key_auth(struct jta_store *st, const char *keyid,
    const unsigned char hash[JTA_VAULT_HASHBYTES], struct jta_user *out)
{
	enum jta_err	 ret = JTA_ERR_AUTH;
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_KEY_AUTH)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = btext(s, ":keyid", keyid)) != SQLITE_OK)
		return dberr(st, rc, "bind", NULL);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 0) == JTA_VAULT_HASHBYTES &&
		    jta_vault_hash_equal(sqlite3_column_blob(s, 0), hash)) {
			userrow(s, 1, out);
			ret = JTA_OK;
		}
	} else if (rc != SQLITE_DONE)
		ret = dberr(st, rc, "key auth", NULL);
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_key_list(struct jta_store *st, const char *user, json_t **out,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	json_t		*arr, *o;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_KEY_LIST)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":user", user)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		o = json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", col(s, 0),
		    "user", col(s, 1), "label", col(s, 2), "created",
		    timejs(sqlite3_column_int64(s, 3)), "revoked",
		    sqlite3_column_type(s, 4) == SQLITE_NULL ? json_null() :
		    timejs(sqlite3_column_int64(s, 4)));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			sqlite3_reset(s);
			json_decref(arr);
			return JTA_ERR_NOMEM;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return dberr(st, rc, "key list", err);
	}
	*out = arr;
	return JTA_OK;
}

enum jta_err
jta_store_key_revoke(struct jta_store *st, const char *keyid,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_KEY_REVOKE)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":keyid", keyid)) != SQLITE_OK ||
	    (rc = bint(s, ":now", jta_time_now())) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "key revoke", err);
	if (sqlite3_changes(st->db) == 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "there is no active key with that id");
	return JTA_OK;
}

/* ---- projects ---- */

enum jta_err
jta_store_project_add(struct jta_store *st, const char *key,
    const char *name, const json_t *types, struct jta_error *err)
{
	static const char *const deftypes[] = { "Task", "Bug", "Story" };
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int64_t		 pid;
	size_t		 i, n;
	int		 rc;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_PROJ_ADD)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = btext(s, ":key", key)) != SQLITE_OK ||
	    (rc = btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = bint(s, ":now", jta_time_now())) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = run(s)) == SQLITE_CONSTRAINT_UNIQUE) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "key",
		    "a project with that key exists already");
		goto out;
	} else if (rc != SQLITE_OK) {
		ret = dberr(st, rc, "project add", err);
		goto out;
	}
	pid = sqlite3_last_insert_rowid(st->db);
	n = types != NULL ? json_array_size(types) : 3;
	for (i = 0; i < n; i++) {
		const char *t = types != NULL ?
		    json_string_value(json_array_get(types, i)) : deftypes[i];

		if (t == NULL || (s = stmt(st, S_PROJ_TYPE_ADD)) == NULL) {
			ret = dberr(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = bint(s, ":pid", pid)) != SQLITE_OK ||
		    (rc = bint(s, ":pos", (int64_t)i)) != SQLITE_OK ||
		    (rc = btext(s, ":name", t)) != SQLITE_OK) {
			ret = dberr(st, rc, "bind", err);
			goto out;
		}
		if ((rc = run(s)) == SQLITE_CONSTRAINT_PRIMARYKEY) {
			ret = jta_error_set(err, JTA_ERR_INPUT, 422, "types",
			    "an issue type is listed twice");
			goto out;
		} else if (rc != SQLITE_OK) {
			ret = dberr(st, rc, "project type add", err);
			goto out;
		}
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

static json_t *
strlist(const char *const *v)
{
	json_t	*a = json_array();

	for (; a != NULL && *v != NULL; v++)
		if (json_array_append_new(a, json_string(*v)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The issue types of project pid as a JSON array. */
static enum jta_err
projtypes(struct jta_store *st, int64_t pid, json_t **out)
{
	sqlite3_stmt	*s;
	json_t		*arr;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_PROJ_TYPES)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = bint(s, ":pid", pid)) != SQLITE_OK)
		return dberr(st, rc, "bind", NULL);
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (json_array_append_new(arr, json_string(col(s, 0))) != 0) {
			sqlite3_reset(s);
			json_decref(arr);
			return JTA_ERR_NOMEM;
		}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return dberr(st, rc, "project types", NULL);
	}
	*out = arr;
	return JTA_OK;
}

enum jta_err
jta_store_project_list(struct jta_store *st, json_t **out)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *o = NULL, *types = NULL;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_PROJ_LIST)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", NULL);
	if ((arr = json_array()) == NULL)
		goto out;
	/* S_PROJ_TYPES runs while S_PROJ_LIST is stepping: SQLite allows
	 * several statements of one connection to be active at once. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((ret = projtypes(st, sqlite3_column_int64(s, 0), &types)) !=
		    JTA_OK)
			goto out;
		o = json_pack("{s:s, s:s, s:o, s:o}", "key", col(s, 1), "name",
		    col(s, 2), "types", types, "priorities",
		    strlist(jta_store_priorities));
		ret = JTA_ERR_NOMEM;
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		ret = dberr(st, rc, "project list", NULL);
		goto out;
	}
	*out = arr;
	arr = NULL;
	ret = JTA_OK;
out:
	sqlite3_reset(s);
	json_decref(arr);
	return ret;
}

/* ---- tickets ---- */

/* Find the ticket with key; *tid and its status (statussz bytes). */
static enum jta_err
findticket(struct jta_store *st, const char *key, int64_t *tid,
    char *status, size_t statussz, struct jta_error *err)
{
	sqlite3_stmt	*s;
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 num;
	int		 rc;

	if (jta_text_parse_issue_key(key, strlen(key), proj, sizeof(proj),
	    &num) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "key",
		    "an issue key looks like PROJ-12");
	if ((s = stmt(st, S_T_FIND)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":key", proj)) != SQLITE_OK ||
	    (rc = bint(s, ":num", num)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*tid = sqlite3_column_int64(s, 0);
		if (status != NULL)
			snprintf(status, statussz, "%s", col(s, 1));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no issue with that key");
	return rc == SQLITE_ROW ? JTA_OK : dberr(st, rc, "find", err);
}

/* A slim row from TICKET_COLS: key, summary, status, type, priority,
 * assignee, reporter, created, updated. */
static json_t *
slimrow(sqlite3_stmt *s)
{
	char	 key[JTA_LIMIT_ISSUE_KEY + 1];

	snprintf(key, sizeof(key), "%s-%" PRId64, col(s, 0),
	    (int64_t)sqlite3_column_int64(s, 1));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o}",
	    "key", key, "summary", col(s, 2), "status", col(s, 3), "type",
	    col(s, 4), "priority", col(s, 5), "assignee",
	    sqlite3_column_type(s, 6) == SQLITE_NULL ? json_null() :
	    json_string(col(s, 6)), "reporter", col(s, 7), "created",
	    timejs(sqlite3_column_int64(s, 8)), "updated",
	    timejs(sqlite3_column_int64(s, 9)));
}

static enum jta_err
labels(struct jta_store *st, int64_t tid, json_t **out)
{
	sqlite3_stmt	*s;
	json_t		*arr;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_T_LABELS)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = bint(s, ":tid", tid)) != SQLITE_OK)
		return dberr(st, rc, "bind", NULL);
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (json_array_append_new(arr, json_string(col(s, 0))) != 0)
			break;
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return rc == SQLITE_ROW ? JTA_ERR_NOMEM :
		    dberr(st, rc, "labels", NULL);
	}
	*out = arr;
	return JTA_OK;
}

static json_t *
commentjs(sqlite3_stmt *s)
{
	return json_pack("{s:I, s:s, s:s, s:o}", "id",
	    (json_int_t)sqlite3_column_int64(s, 0), "author", col(s, 1),
	    "body", col(s, 2), "created", timejs(sqlite3_column_int64(s, 3)));
}

/* The whole ticket tid in the API's shape. */
static enum jta_err
ticketjs(struct jta_store *st, int64_t tid, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	json_t		*o = NULL, *arr = NULL, *lab = NULL, *c;
	int64_t		 ncomments;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_T_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":tid", tid)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		o = slimrow(s);
		if (o != NULL && (oset(o, "project", json_string(col(s, 0))) ||
		    oset(o, "description", json_string(col(s, 11))))) {
			json_decref(o);
			o = NULL;
		}
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "key",
		    "there is no issue with that key");
	if (rc != SQLITE_ROW)
		return dberr(st, rc, "get", err);
	if (o == NULL)
		goto out;
	if ((ret = labels(st, tid, &lab)) != JTA_OK)
		goto out;
	if (oset(o, "labels", lab) != 0) {
		ret = JTA_ERR_NOMEM;
		goto out;
	}
	if ((s = stmt(st, S_T_NCOMMENTS)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = sqlite3_step(s)) != SQLITE_ROW) {
		sqlite3_reset(s);
		ret = dberr(st, rc, "count comments", err);
		goto out;
	}
	ncomments = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if ((s = stmt(st, S_T_COMMENTS)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = bint(s, ":lim", JTA_LIMIT_COMMENTS_SHOWN)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	ret = JTA_ERR_NOMEM;
	if ((arr = json_array()) == NULL)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((c = commentjs(s)) == NULL ||
		    json_array_append_new(arr, c) != 0) {
			sqlite3_reset(s);
			goto out;
		}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		ret = dberr(st, rc, "comments", err);
		goto out;
	}
	if (oset(o, "comment_count", json_integer(ncomments)) != 0 ||
	    oset(o, "comments", arr) != 0) {
		arr = NULL;
		goto out;
	}
	arr = NULL;
	*out = o;
	o = NULL;
	ret = JTA_OK;
out:
	json_decref(arr);
	json_decref(o);
	return ret;
}

/* The canonical name of issue type `type` in project pid, or the
 * project's first type when type is NULL. */
static enum jta_err
projtype(struct jta_store *st, int64_t pid, const char *type, char *out,
    size_t outsz, struct jta_error *err)
{
	sqlite3_stmt	*s;
	json_t		*types = NULL;
	char		*list;
	int		 rc;

	if ((s = stmt(st, type ? S_PROJ_TYPE_FIND : S_PROJ_TYPE_FIRST)) ==
	    NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":pid", pid)) != SQLITE_OK ||
	    (type != NULL && (rc = btext(s, ":name", type)) != SQLITE_OK))
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(out, outsz, "%s", col(s, 0));
	sqlite3_reset(s);
	if (rc == SQLITE_ROW)
		return JTA_OK;
	if (rc != SQLITE_DONE)
		return dberr(st, rc, "type", err);
	if (projtypes(st, pid, &types) != JTA_OK)
		return dberr(st, SQLITE_ERROR, "types", err);
	list = json_dumps(types, JSON_COMPACT);
	json_decref(types);
	jta_error_set(err, JTA_ERR_INPUT, 422, "type", "this project has no "
	    "such issue type; allowed values: %s", list ? list : "?");
	free(list);
	return JTA_ERR_INPUT;
}

/* The id of the user named name, for an assignee. */
static enum jta_err
assigneeid(struct jta_store *st, const char *name, int64_t *id,
    struct jta_error *err)
{
	struct jta_user	 u;
	enum jta_err	 rc;

	if ((rc = jta_store_user_get(st, name, &u, err)) == JTA_ERR_NOTFOUND)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "assignee",
		    "assignee must be the name of a known user");
	*id = u.id;
	return rc;
}

static enum jta_err
setlabels(struct jta_store *st, int64_t tid, const json_t *arr,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	const json_t	*v;
	size_t		 i;
	int		 rc;

	if ((s = stmt(st, S_T_LABEL_CLEAR)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "labels", err);
	json_array_foreach(arr, i, v) {
		if ((s = stmt(st, S_T_LABEL_ADD)) == NULL)
			return dberr(st, SQLITE_ERROR, "prepare", err);
		if ((rc = bint(s, ":tid", tid)) != SQLITE_OK ||
		    (rc = btext(s, ":label", json_string_value(v))) !=
		    SQLITE_OK || (rc = run(s)) != SQLITE_OK)
			return dberr(st, rc, "label", err);
	}
	return JTA_OK;
}

static const char *
fstr(const json_t *fields, const char *name)
{
	return json_string_value(json_object_get(fields, name));
}

/* Insert a ticket in project key; *tid gets its id. */
static enum jta_err
insertticket(struct jta_store *st, const struct jta_user *reporter,
    const char *project, const json_t *fields, const char *status,
    int64_t *tid, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	const char	*v;
	const json_t	*a;
	char		 type[JTA_LIMIT_NAME + 1];
	int64_t		 pid, num, aid = 0;
	int		 rc;

	if ((s = stmt(st, S_PROJ_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":key", project)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	pid = sqlite3_column_int64(s, 0);
	num = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "project",
		    "there is no project with that key; GET /api/projects "
		    "lists them");
	if (rc != SQLITE_ROW)
		return dberr(st, rc, "project", err);
	if ((ret = projtype(st, pid, fstr(fields, "type"), type,
	    sizeof(type), err)) != JTA_OK)
		return ret;
	if ((v = fstr(fields, "assignee")) != NULL &&
	    (ret = assigneeid(st, v, &aid, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_PROJ_BUMP)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":pid", pid)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "number", err);
	if ((s = stmt(st, S_T_INSERT)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	v = fstr(fields, "priority");
	if ((rc = bint(s, ":pid", pid)) != SQLITE_OK ||
	    (rc = bint(s, ":num", num)) != SQLITE_OK ||
	    (rc = btext(s, ":type", type)) != SQLITE_OK ||
	    (rc = btext(s, ":summary", fstr(fields, "summary"))) != SQLITE_OK ||
	    (rc = btext(s, ":desc", fstr(fields, "description") ?
	    fstr(fields, "description") : "")) != SQLITE_OK ||
	    (rc = btext(s, ":status", status)) != SQLITE_OK ||
	    (rc = btext(s, ":priority", v ? v : "Medium")) != SQLITE_OK ||
	    (rc = bint(s, ":reporter", reporter->id)) != SQLITE_OK ||
	    (rc = bint0(s, ":assignee", aid)) != SQLITE_OK ||
	    (rc = bint(s, ":now", jta_time_now())) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "insert", err);
	*tid = sqlite3_last_insert_rowid(st->db);
	if ((a = json_object_get(fields, "labels")) != NULL &&
	    json_is_array(a) && (ret = setlabels(st, *tid, a, err)) != JTA_OK)
		return ret;
	return JTA_OK;
}

enum jta_err
jta_store_ticket_create(struct jta_store *st, const struct jta_user *reporter,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	enum jta_err	 ret;
	int64_t		 tid;

	*out = NULL;
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = insertticket(st, reporter, fstr(fields, "project"), fields,
	    "Open", &tid, err)) != JTA_OK ||
	    (ret = commit(st, err)) != JTA_OK) {
		rollback(st);
		return ret;
	}
	return ticketjs(st, tid, out, err);
}

enum jta_err
jta_store_ticket_get(struct jta_store *st, const char *key, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 ret;
	int64_t		 tid;

	*out = NULL;
	if ((ret = findticket(st, key, &tid, NULL, 0, err)) != JTA_OK)
		return ret;
	return ticketjs(st, tid, out, err);
}

static enum jta_err
setfield(struct jta_store *st, enum sid id, int64_t tid, const char *v,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, id)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = btext(s, ":v", v)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "update", err);
	return JTA_OK;
}

static enum jta_err
touch(struct jta_store *st, int64_t tid, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_T_TOUCH)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = bint(s, ":now", jta_time_now())) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "touch", err);
	return JTA_OK;
}

/* Apply the ticket-API fields present in fields to ticket tid. */
static enum jta_err
applyfields(struct jta_store *st, int64_t tid, const json_t *fields,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	const json_t	*v;
	char		 type[JTA_LIMIT_NAME + 1];
	char		 proj[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 aid, pid;
	int		 rc;

	if ((v = json_object_get(fields, "summary")) != NULL &&
	    (ret = setfield(st, S_T_SET_SUMMARY, tid, json_string_value(v),
	    err)) != JTA_OK)
		return ret;
	if ((v = json_object_get(fields, "description")) != NULL &&
	    (ret = setfield(st, S_T_SET_DESC, tid, json_is_null(v) ? "" :
	    json_string_value(v), err)) != JTA_OK)
		return ret;
	if ((v = json_object_get(fields, "priority")) != NULL &&
	    (ret = setfield(st, S_T_SET_PRIORITY, tid, json_string_value(v),
	    err)) != JTA_OK)
		return ret;
	if ((v = json_object_get(fields, "type")) != NULL) {
		if ((s = stmt(st, S_T_GET)) == NULL)
			return dberr(st, SQLITE_ERROR, "prepare", err);
		/* The project of the ticket, for its allowed types. */
		if ((rc = bint(s, ":tid", tid)) != SQLITE_OK ||
		    (rc = sqlite3_step(s)) != SQLITE_ROW) {
			sqlite3_reset(s);
			return dberr(st, rc, "get", err);
		}
		snprintf(proj, sizeof(proj), "%s", col(s, 0));
		sqlite3_reset(s);
		if ((s = stmt(st, S_PROJ_GET)) == NULL)
			return dberr(st, SQLITE_ERROR, "prepare", err);
		if ((rc = btext(s, ":key", proj)) != SQLITE_OK ||
		    (rc = sqlite3_step(s)) != SQLITE_ROW) {
			sqlite3_reset(s);
			return dberr(st, rc, "project", err);
		}
		pid = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if ((ret = projtype(st, pid, json_string_value(v), type,
		    sizeof(type), err)) != JTA_OK ||
		    (ret = setfield(st, S_T_SET_TYPE, tid, type, err)) !=
		    JTA_OK)
			return ret;
	}
	if ((v = json_object_get(fields, "assignee")) != NULL) {
		aid = 0;
		if (!json_is_null(v) && (ret = assigneeid(st,
		    json_string_value(v), &aid, err)) != JTA_OK)
			return ret;
		if ((s = stmt(st, S_T_SET_ASSIGNEE)) == NULL)
			return dberr(st, SQLITE_ERROR, "prepare", err);
		if ((rc = bint(s, ":tid", tid)) != SQLITE_OK ||
		    (rc = bint0(s, ":v", aid)) != SQLITE_OK ||
		    (rc = run(s)) != SQLITE_OK)
			return dberr(st, rc, "assignee", err);
	}
	if ((v = json_object_get(fields, "labels")) != NULL &&
	    (ret = setlabels(st, tid, json_is_null(v) ? NULL : v, err)) !=
	    JTA_OK)
		return ret;
	return touch(st, tid, err);
}

enum jta_err
jta_store_ticket_update(struct jta_store *st, const char *key,
    const json_t *fields, json_t **out, struct jta_error *err)
{
	enum jta_err	 ret;
	int64_t		 tid;

	*out = NULL;
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = findticket(st, key, &tid, NULL, 0, err)) != JTA_OK ||
	    (ret = applyfields(st, tid, fields, err)) != JTA_OK ||
	    (ret = commit(st, err)) != JTA_OK) {
		rollback(st);
		return ret;
	}
	return ticketjs(st, tid, out, err);
}

enum jta_err
jta_store_ticket_comment(struct jta_store *st, const char *key,
    const struct jta_user *author, const char *body, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int64_t		 tid, now = jta_time_now();
	int		 rc;

	*out = NULL;
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = findticket(st, key, &tid, NULL, 0, err)) != JTA_OK)
		goto fail;
	if ((s = stmt(st, S_T_COMMENT_ADD)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto fail;
	}
	if ((rc = bint(s, ":tid", tid)) != SQLITE_OK ||
	    (rc = bint(s, ":uid", author->id)) != SQLITE_OK ||
	    (rc = btext(s, ":body", body)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "comment", err);
		goto fail;
	}
	if ((*out = json_pack("{s:I, s:s, s:s, s:o}", "id",
	    (json_int_t)sqlite3_last_insert_rowid(st->db), "author",
	    author->name, "body", body, "created", timejs(now))) == NULL) {
		ret = JTA_ERR_NOMEM;
		goto fail;
	}
	if ((ret = touch(st, tid, err)) != JTA_OK ||
	    (ret = commit(st, err)) != JTA_OK)
		goto fail;
	return JTA_OK;
fail:
	json_decref(*out);
	*out = NULL;
	rollback(st);
	return ret;
}

static const char *const *
movesfrom(const char *status)
{
	size_t	 i;

	for (i = 0; i < sizeof(workflow) / sizeof(workflow[0]); i++)
		if (strcmp(workflow[i].from, status) == 0)
			return workflow[i].to;
	return NULL;
}

static json_t *
movesjs(const char *status)
{
	const char *const *to = movesfrom(status);
	json_t	*arr = json_array();

	for (; arr != NULL && to != NULL && *to != NULL; to++)
		if (json_array_append_new(arr, json_pack("{s:s}", "to", *to)))
			break;
	return arr;
}

enum jta_err
jta_store_ticket_transitions(struct jta_store *st, const char *key,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 ret;
	char		 status[JTA_LIMIT_NAME + 1];
	int64_t		 tid;

	*out = NULL;
	if ((ret = findticket(st, key, &tid, status, sizeof(status), err)) !=
	    JTA_OK)
		return ret;
	*out = json_pack("{s:s, s:s, s:o}", "key", key, "status", status,
	    "transitions", movesjs(status));
	return *out == NULL ? JTA_ERR_NOMEM : JTA_OK;
}

enum jta_err
jta_store_ticket_transition(struct jta_store *st, const char *key,
    const char *to, json_t **out, struct jta_error *err)
{
	enum jta_err	 ret;
	const char *const *moves;
	char		 status[JTA_LIMIT_NAME + 1], list[128];
	size_t		 i, o = 0;
	int64_t		 tid;

	*out = NULL;
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = findticket(st, key, &tid, status, sizeof(status), err)) !=
	    JTA_OK)
		goto fail;
	for (i = 0; jta_store_statuses[i] != NULL; i++)
		if (strcasecmp(jta_store_statuses[i], to) == 0)
			break;
	if (jta_store_statuses[i] == NULL) {
		ret = jta_error_set(err, JTA_ERR_INPUT, 422, "to",
		    "to must be a status: Open, In Progress, Resolved or "
		    "Closed");
		goto fail;
	}
	moves = movesfrom(status);
	for (i = 0; moves != NULL && moves[i] != NULL; i++)
		if (strcasecmp(moves[i], to) == 0)
			break;
	if (moves == NULL || moves[i] == NULL) {
		list[0] = '\0';
		for (i = 0; moves != NULL && moves[i] != NULL; i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o,
			    "%s%s", i ? ", " : "", moves[i]);
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "to",
		    "an issue in status %s can move only to: %s", status,
		    list);
		goto fail;
	}
	if ((ret = setfield(st, S_T_SET_STATUS, tid, moves[i], err)) !=
	    JTA_OK || (ret = touch(st, tid, err)) != JTA_OK ||
	    (ret = commit(st, err)) != JTA_OK)
		goto fail;
	return ticketjs(st, tid, out, err);
fail:
	rollback(st);
	return ret;
}

/* ---- search ---- */

/*
 * Turn free words into an FTS5 query that cannot be an FTS5 expression:
 * each blank-separated word becomes a quoted string (quotes doubled), all
 * of them required.  Returns 0, -1 when there is no word, -2 when the
 * query does not fit in out.
 */
static int
ftsquery(const char *text, char *out, size_t outsz)
{
	size_t	 o = 0, words = 0;
	const char *p = text;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		words++;
		/* Every byte may double (a quote) and each word adds three:
		 * a text that does not fit is refused, never cut, since a
		 * dropped word would widen the search. */
		if (o + 4 >= outsz)
			return -2;
		if (o > 0)
			out[o++] = ' ';
		out[o++] = '"';
		for (; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
			if (o + 4 >= outsz)
				return -2;
			if (*p == '"')
				out[o++] = '"';
			out[o++] = *p;
		}
		out[o++] = '"';
	}
	out[o] = '\0';
	return words == 0 ? -1 : 0;
}

/* A cursor is base64url("ORDER|VALUE|ID"): where the last page ended. */
static int
cursor_make(size_t order, int64_t v, int64_t id, char *out, size_t outsz)
{
	char	 raw[64];
	int	 n;

	n = snprintf(raw, sizeof(raw), "%zu|%" PRId64 "|%" PRId64, order, v,
	    id);
	if (n < 0 || (size_t)n >= sizeof(raw) || outsz <
	    sodium_base64_ENCODED_LEN((size_t)n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING))
		return -1;
	sodium_bin2base64(out, outsz, (const unsigned char *)raw, (size_t)n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

static int
cursor_read(const char *c, size_t order, int64_t *v, int64_t *id)
{
	unsigned char	 raw[64];
	const char	*p, *q;
	size_t		 len = 0;
	uint64_t	 o, a, b;

	if (strlen(c) > JTA_LIMIT_CURSOR ||
	    sodium_base642bin(raw, sizeof(raw) - 1, c, strlen(c), NULL, &len,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return -1;
	raw[len] = '\0';
	p = (const char *)raw;
	if (strlen(p) != len || (q = strchr(p, '|')) == NULL ||
	    jta_text_parse_uint(p, (size_t)(q - p), 16, &o) != 0 || o != order)
		return -1;
	p = q + 1;
	if ((q = strchr(p, '|')) == NULL ||
	    jta_text_parse_uint(p, (size_t)(q - p), INT64_MAX, &a) != 0 ||
	    jta_text_parse_uint(q + 1, strlen(q + 1), INT64_MAX, &b) != 0)
		return -1;
	*v = (int64_t)a;
	*id = (int64_t)b;
	return 0;
}

enum jta_err
jta_store_ticket_search(struct jta_store *st, const struct jta_search *q,
    json_t **out, struct jta_error *err)
{
	static const enum sid byorder[] = { S_SEARCH_UPDATED_DESC,
	    S_SEARCH_UPDATED_ASC, S_SEARCH_CREATED_DESC, S_SEARCH_CREATED_ASC };
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *row;
	char		 fts[1200], next[JTA_LIMIT_CURSOR + 1];
	size_t		 order = 0, n = 0, limit;
	int64_t		 cv = 0, cid = 0, lastv = 0, lastid = 0;
	int		 rc, sortcol, fq;

	*out = NULL;
	if (q->order != NULL)
		for (order = 0; jta_store_orders[order] != NULL; order++)
			if (strcmp(jta_store_orders[order], q->order) == 0)
				break;
	if (jta_store_orders[order] == NULL)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "order",
		    "order must be one of -updated, updated, -created, "
		    "created");
	if (q->cursor != NULL && cursor_read(q->cursor, order, &cv, &cid) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 400, "cursor",
		    "cursor is not one this server gave for this order; "
		    "start again without it");
	limit = q->limit == 0 ? JTA_LIMIT_PAGE_DEFAULT : q->limit;
	fq = q->text != NULL ? ftsquery(q->text, fts, sizeof(fts)) : -1;
	if (fq == -2)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "text has too many words or quotes; shorten it");
	sortcol = order < 2 ? 9 : 8;
	if ((s = stmt(st, byorder[order])) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":project", q->project)) != SQLITE_OK ||
	    (rc = btext(s, ":status", q->status)) != SQLITE_OK ||
	    (rc = btext(s, ":type", q->type)) != SQLITE_OK ||
	    (rc = btext(s, ":priority", q->priority)) != SQLITE_OK ||
	    (rc = btext(s, ":label", q->label)) != SQLITE_OK ||
	    (rc = btext(s, ":assignee", q->assignee)) != SQLITE_OK ||
	    (rc = btext(s, ":reporter", q->reporter)) != SQLITE_OK ||
	    (rc = bint0(s, ":cfrom", q->created_from)) != SQLITE_OK ||
	    (rc = bint0(s, ":cto", q->created_to)) != SQLITE_OK ||
	    (rc = bint0(s, ":ufrom", q->updated_from)) != SQLITE_OK ||
	    (rc = bint0(s, ":uto", q->updated_to)) != SQLITE_OK ||
	    (rc = btext(s, ":text", fq == 0 ? fts : NULL)) != SQLITE_OK ||
	    (rc = (q->cursor ? bint(s, ":cv", cv) : SQLITE_OK)) != SQLITE_OK ||
	    (rc = bint(s, ":cid", cid)) != SQLITE_OK ||
	    /* One row more than asked tells whether a next page exists. */
	    (rc = bint(s, ":lim", (int64_t)limit + 1)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((arr = json_array()) == NULL)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == limit)
			break;
		if ((row = slimrow(s)) == NULL ||
		    json_array_append_new(arr, row) != 0)
			goto out;
		lastv = sqlite3_column_int64(s, sortcol);
		lastid = sqlite3_column_int64(s, 10);
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = dberr(st, rc, "search", err);
		goto out;
	}
	if (rc == SQLITE_ROW) {
		if (cursor_make(order, lastv, lastid, next, sizeof(next)) !=
		    0) {
			ret = JTA_ERR_INTERNAL;
			goto out;
		}
		*out = json_pack("{s:O, s:s}", "issues", arr, "next_cursor",
		    next);
	} else
		*out = json_pack("{s:O, s:n}", "issues", arr, "next_cursor");
	ret = *out == NULL ? JTA_ERR_NOMEM : JTA_OK;
out:
	sqlite3_reset(s);
	json_decref(arr);
	return ret;
}

/* ---- /api/tickets/ ---- */

static json_t *
tkrow(sqlite3_stmt *s)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:s}", "id",
	    (json_int_t)sqlite3_column_int64(s, 0), "title", col(s, 1),
	    "description", col(s, 2), "created",
	    timejs(sqlite3_column_int64(s, 3)), "resolution_status",
	    col(s, 4));
}

static int
tkbind(sqlite3_stmt *s, const struct jta_tk_query *q)
{
	int	 rc;

	if ((rc = bint0(s, ":id", q->id)) != SQLITE_OK ||
	    (rc = bjson(s, ":ids", q->ids)) != SQLITE_OK ||
	    (rc = btext(s, ":title", q->title_icontains)) != SQLITE_OK ||
	    (rc = bint0(s, ":cgte", q->created_gte)) != SQLITE_OK ||
	    (rc = bint0(s, ":clte", q->created_lte)) != SQLITE_OK ||
	    (rc = bjson(s, ":sts", q->statuses)) != SQLITE_OK ||
	    (rc = btext(s, ":search", q->search)) != SQLITE_OK)
		return rc;
	return SQLITE_OK;
}

enum jta_err
jta_store_tk_list(struct jta_store *st, const struct jta_tk_query *q,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *row;
	int64_t		 count;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_TK_COUNT)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = tkbind(s, q)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	count = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return dberr(st, rc, "count", err);
	if ((s = stmt(st, S_TK_LIST)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = tkbind(s, q)) != SQLITE_OK ||
	    (rc = btext(s, ":ord", q->ordering ? q->ordering : "-created")) !=
	    SQLITE_OK ||
	    (rc = bint(s, ":lim", q->page_size)) != SQLITE_OK ||
	    (rc = bint(s, ":off", (q->page - 1) * q->page_size)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((arr = json_array()) == NULL)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((row = tkrow(s)) == NULL ||
		    json_array_append_new(arr, row) != 0)
			goto out;
	if (rc != SQLITE_DONE) {
		ret = dberr(st, rc, "list", err);
		goto out;
	}
	*out = json_pack("{s:I, s:O}", "count", (json_int_t)count, "results",
	    arr);
	ret = *out == NULL ? JTA_ERR_NOMEM : JTA_OK;
out:
	sqlite3_reset(s);
	json_decref(arr);
	return ret;
}

enum jta_err
jta_store_tk_get(struct jta_store *st, int64_t id, json_t **out,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_TK_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":id", id)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = tkrow(s);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "Ticket with id '%" PRId64 "' was not found.", id);
	if (rc != SQLITE_ROW)
		return dberr(st, rc, "get", err);
	return *out == NULL ? JTA_ERR_NOMEM : JTA_OK;
}

/* The workflow status of ticket id now (statussz bytes into status). */
static enum jta_err
tkcurrent(struct jta_store *st, int64_t id, char *status, size_t statussz,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_TK_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":id", id)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		snprintf(status, statussz, "%s", col(s, 5));
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "Ticket with id '%" PRId64 "' was not found.", id);
	return rc == SQLITE_ROW ? JTA_OK : dberr(st, rc, "get", err);
}

/* The workflow status for a resolution_status, given the current one. */
static const char *
tkstatus(const char *res, const char *cur)
{
	if (strcmp(res, "RESOLVED") == 0)
		return "Resolved";
	if (strcmp(res, "CLOSED") == 0)
		return "Closed";
	/* OPEN: a ticket being worked on stays In Progress. */
	return cur != NULL && strcmp(cur, "In Progress") == 0 ?
	    "In Progress" : "Open";
}

/* Map /api/tickets/ field names onto the ticket API's. */
static json_t *
tkfields(const json_t *fields)
{
	json_t		*f = json_object();
	const json_t	*v;

	if (f == NULL)
		return NULL;
	if ((v = json_object_get(fields, "title")) != NULL &&
	    json_object_set(f, "summary", (json_t *)(uintptr_t)v) != 0)
		goto fail;
	if ((v = json_object_get(fields, "description")) != NULL &&
	    json_object_set(f, "description", (json_t *)(uintptr_t)v) != 0)
		goto fail;
	return f;
fail:
	json_decref(f);
	return NULL;
}

enum jta_err
jta_store_tk_create(struct jta_store *st, const struct jta_user *reporter,
    const char *project, const json_t *fields, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 ret;
	json_t		*f;
	const char	*res = fstr(fields, "resolution_status");
	int64_t		 tid;

	*out = NULL;
	if ((f = tkfields(fields)) == NULL)
		return JTA_ERR_NOMEM;
	if ((ret = begin(st, err)) != JTA_OK)
		goto out;
	if ((ret = insertticket(st, reporter, project, f,
	    tkstatus(res ? res : "OPEN", NULL), &tid, err)) != JTA_OK ||
	    (ret = commit(st, err)) != JTA_OK) {
		rollback(st);
		goto out;
	}
	ret = jta_store_tk_get(st, tid, out, err);
out:
	json_decref(f);
	return ret;
}

enum jta_err
jta_store_tk_update(struct jta_store *st, int64_t id, const json_t *fields,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 ret;
	json_t		*f;
	const char	*res = fstr(fields, "resolution_status");
	char		 cur[JTA_LIMIT_NAME + 1];

	*out = NULL;
	if ((f = tkfields(fields)) == NULL)
		return JTA_ERR_NOMEM;
	if ((ret = begin(st, err)) != JTA_OK)
		goto out;
	if ((ret = tkcurrent(st, id, cur, sizeof(cur), err)) != JTA_OK ||
	    (ret = applyfields(st, id, f, err)) != JTA_OK)
		goto fail;
	/* The workflow status now keeps In Progress for OPEN. */
	if (res != NULL && (ret = setfield(st, S_T_SET_STATUS, id,
	    tkstatus(res, cur), err)) != JTA_OK)
		goto fail;
	if ((ret = commit(st, err)) != JTA_OK)
		goto fail;
	ret = jta_store_tk_get(st, id, out, err);
	goto out;
fail:
	rollback(st);
out:
	json_decref(f);
	return ret;
}

enum jta_err
jta_store_tk_delete(struct jta_store *st, int64_t id, struct jta_error *err)
{
	static const enum sid steps[] = { S_TK_DEL_COMMENTS, S_TK_DEL_LABELS,
	    S_TK_DEL };
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	char		 cur[JTA_LIMIT_NAME + 1];
	size_t		 i;
	int		 rc;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = tkcurrent(st, id, cur, sizeof(cur), err)) != JTA_OK)
		goto fail;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((s = stmt(st, steps[i])) == NULL) {
			ret = dberr(st, SQLITE_ERROR, "prepare", err);
			goto fail;
		}
		if ((rc = bint(s, ":tid", id)) != SQLITE_OK ||
		    (rc = run(s)) != SQLITE_OK) {
			ret = dberr(st, rc, "delete", err);
			goto fail;
		}
	}
	if ((ret = commit(st, err)) != JTA_OK)
		goto fail;
	return JTA_OK;
fail:
	rollback(st);
	return ret;
}

/* ---- OAuth states ---- */

static enum jta_err
statepurge(struct jta_store *st, int64_t now, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_STATE_PURGE)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":now", now)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "state purge", err);
	return JTA_OK;
}

enum jta_err
jta_store_state_put(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t ttl_s, int64_t now,
    const char *user_hint, struct jta_error *err)
{
	return jta_store_state_put_request(st, hash, ttl_s, now, user_hint,
	    NULL, err);
}

enum jta_err
jta_store_state_put_request(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t ttl_s, int64_t now,
    const char *user_hint, const char *request, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if (ttl_s <= 0 || now <= 0 || now > INT64_MAX - ttl_s ||
	    (user_hint != NULL && strlen(user_hint) > JTA_LIMIT_STATE_HINT) ||
	    (request != NULL && strlen(request) > JTA_STORE_REQUEST_MAX))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the sign-in could not be started");
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = statepurge(st, now, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_STATE_PUT)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = sqlite3_bind_blob(s, pidx(s, ":hash"), hash,
	    JTA_VAULT_HASHBYTES, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = bint(s, ":expires", now + ttl_s)) != SQLITE_OK ||
	    (rc = btext(s, ":hint", user_hint)) != SQLITE_OK ||
	    (rc = btext(s, ":request", request)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = run(s)) == SQLITE_CONSTRAINT_PRIMARYKEY) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "that sign-in state exists already");
		goto out;
	} else if (rc != SQLITE_OK) {
		ret = dberr(st, rc, "state put", err);
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_state_take(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t now,
    char *user_hint, size_t hintsz, struct jta_error *err)
{
	return jta_store_state_take_request(st, hash, now, user_hint, hintsz,
	    NULL, 0, err);
}

enum jta_err
jta_store_state_take_request(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t now,
    char *user_hint, size_t hintsz, char *request, size_t requestsz,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if (user_hint != NULL && hintsz > 0)
		user_hint[0] = '\0';
	if (request != NULL && requestsz > 0)
		request[0] = '\0';
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_STATE_TAKE)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = sqlite3_bind_blob(s, pidx(s, ":hash"), hash,
	    JTA_VAULT_HASHBYTES, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	/* With RETURNING the delete is done by the first step. */
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && user_hint != NULL && hintsz > 0)
		snprintf(user_hint, hintsz, "%s", col(s, 0));
	if (rc == SQLITE_ROW && request != NULL && requestsz > 0 &&
	    snprintf(request, requestsz, "%s", col(s, 1)) >= (int)requestsz)
		request[0] = '\0';	/* cannot happen: bounded by put */
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = dberr(st, rc, "state take", err);
		goto out;
	}
	/* Purge and commit even when the state was not there. */
	if ((ret = statepurge(st, now, err)) != JTA_OK ||
	    (ret = commit(st, err)) != JTA_OK)
		goto out;
	if (rc == SQLITE_DONE)
		ret = jta_error_set(err, JTA_ERR_AUTH, 400, "state",
		    "the sign-in link is unknown, used or expired; start "
		    "again");
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

/* ---- Atlassian links ---- */

static enum jta_err
userbyid(struct jta_store *st, int64_t uid, struct jta_user *out,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_USER_BY_ID)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":uid", uid)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		userrow(s, 0, out);
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "there is no such user");
	return rc == SQLITE_ROW ? JTA_OK : dberr(st, rc, "user by id", err);
}

/* A link row as read, with copies of its ciphertexts (not secret). */
struct linkrow {
	struct jta_link	 l;
	unsigned char	*access_ct, *refresh_ct;
	size_t		 access_len, refresh_len;
	char		 owner[JTA_LIMIT_LEASE_OWNER + 1];	/* "" none */
	int64_t		 lease_until;
};

static void
linkrow_clear(struct linkrow *r)
{
	free(r->access_ct);
	free(r->refresh_ct);
	memset(r, 0, sizeof(*r));
}

static unsigned char *
blobdup(sqlite3_stmt *s, int i, size_t *len)
{
	const void	*b = sqlite3_column_blob(s, i);
	unsigned char	*p;
	int		 n = sqlite3_column_bytes(s, i);

	*len = 0;
	if (b == NULL || n <= 0)
		return NULL;
	if ((p = malloc((size_t)n)) == NULL)
		return NULL;
	memcpy(p, b, (size_t)n);
	*len = (size_t)n;
	return p;
}

/* Read user_id's link into r (cleared first; the caller clears it after).
 * JTA_ERR_NOTFOUND when there is none. */
static enum jta_err
linkread(struct jta_store *st, int64_t uid, struct linkrow *r,
    struct jta_error *err)
{
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if ((s = stmt(st, S_LINK_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":uid", uid)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		r->l.user_id = sqlite3_column_int64(s, 0);
		snprintf(r->l.account_id, sizeof(r->l.account_id), "%s",
		    col(s, 1));
		snprintf(r->l.cloud_id, sizeof(r->l.cloud_id), "%s",
		    col(s, 2));
		snprintf(r->l.site_url, sizeof(r->l.site_url), "%s",
		    col(s, 3));
		r->access_ct = blobdup(s, 4, &r->access_len);
		r->l.access_expires = sqlite3_column_int64(s, 5);
		r->refresh_ct = blobdup(s, 6, &r->refresh_len);
		r->l.broken = strcmp(col(s, 7), "ok") != 0;
		r->l.generation = sqlite3_column_int64(s, 8);
		snprintf(r->owner, sizeof(r->owner), "%s", col(s, 9));
		r->lease_until = sqlite3_column_int64(s, 10);
		r->l.created = sqlite3_column_int64(s, 11);
		r->l.updated = sqlite3_column_int64(s, 12);
		snprintf(r->l.display_name, sizeof(r->l.display_name), "%s",
		    col(s, 13));
		snprintf(r->l.email, sizeof(r->l.email), "%s", col(s, 14));
		r->l.has_refresh = r->refresh_ct != NULL;
		if ((sqlite3_column_type(s, 4) != SQLITE_NULL &&
		    r->access_ct == NULL) ||
		    (sqlite3_column_type(s, 6) != SQLITE_NULL &&
		    r->refresh_ct == NULL))
			ret = jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
			    "out of memory");
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "this account is not linked to Atlassian; link it first");
	if (rc != SQLITE_ROW)
		return dberr(st, rc, "link get", err);
	return ret;
}

/* The additional data that binds a token to its row and column. */
static void
tokenad(int64_t uid, const char *column, char *ad, size_t adsz)
{
	snprintf(ad, adsz, "atl:%" PRId64 ":%s", uid, column);
}

static enum jta_err
tokenopen(struct jta_vault *v, int64_t uid, const char *column,
    const unsigned char *ct, size_t ctlen, struct jta_secret **out,
    struct jta_error *err)
{
	char		 ad[64];
	enum jta_err	 rc;

	tokenad(uid, column, ad, sizeof(ad));
	if ((rc = jta_vault_unseal(v, ct, ctlen, ad, out)) != JTA_OK) {
		jta_errorlog("store: the %s token of user %" PRId64 " does not "
		    "open with the keys of token_key_file (%s): a wrong key "
		    "file, or a row altered or copied from another user",
		    column, uid, jta_err_name(rc));
		return jta_error_set(err, rc == JTA_ERR_NOMEM ? rc :
		    JTA_ERR_CRYPTO, 500, NULL, "your stored Atlassian sign-in "
		    "cannot be read by this server (its operator should check "
		    "token_key_file); visiting /oauth/start links your account "
		    "again");
	}
	return JTA_OK;
}

static enum jta_err
tokenseal(struct jta_vault *v, int64_t uid, const char *column,
    const unsigned char *pt, size_t ptlen, unsigned char **ct, size_t *ctlen,
    struct jta_error *err)
{
	char		 ad[64];
	enum jta_err	 rc;

	tokenad(uid, column, ad, sizeof(ad));
	if ((rc = jta_vault_seal(v, pt, ptlen, ad, ct, ctlen)) != JTA_OK) {
		jta_errorlog("store: cannot seal the %s token of user %" PRId64
		    " (%s)", column, uid, jta_err_name(rc));
		return jta_error_set(err, rc == JTA_ERR_NOMEM ? rc :
		    JTA_ERR_CRYPTO, 500, NULL, "the Atlassian token cannot be "
		    "stored; the server log has details");
	}
	return JTA_OK;
}

static int
bblob(sqlite3_stmt *s, const char *name, const unsigned char *b, size_t len)
{
	int i = pidx(s, name);

	if (i == 0)
		return SQLITE_RANGE;
	return b == NULL ? sqlite3_bind_null(s, i) :
	    sqlite3_bind_blob64(s, i, b, len, SQLITE_TRANSIENT);
}

/* 1 when s is 1..max bytes of printable ASCII without blanks. */
static int
printable(const char *s, size_t max)
{
	size_t	 i, n = strnlen(s, max + 1);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return 1;
}

/* 1 when s is at most max bytes of UTF-8 without control characters. */
static int
plaintext(const char *s, size_t max)
{
	size_t	 i, n = strnlen(s, max + 1);

	if (n > max || !jta_text_utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static enum jta_err
checkowner(const char *owner, struct jta_error *err)
{
	if (owner == NULL || !printable(owner, JTA_LIMIT_LEASE_OWNER))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the refresh lease owner is malformed");
	return JTA_OK;
}

static enum jta_err
checktoken(const unsigned char *t, size_t len, int optional,
    struct jta_error *err)
{
	if ((t == NULL && optional) ||
	    (t != NULL && len > 0 && len <= JTA_LIMIT_UPSTREAM_TOKEN))
		return JTA_OK;
	return jta_error_set(err, JTA_ERR_INPUT, 502, NULL,
	    "Atlassian answered with a token that is empty or longer than "
	    "%d bytes", JTA_LIMIT_UPSTREAM_TOKEN);
}

/* The local user name for an Atlassian account: "atl-" and the first 8
 * bytes of BLAKE2b-256(account id) in hex.  Stable, and a valid user name
 * (lower-case letters, digits and '-'). */
static enum jta_err
atlname(const char *account_id, char *out, size_t outsz)
{
	unsigned char	 h[crypto_generichash_BYTES];
	char		 hex[17];

	if (crypto_generichash(h, sizeof(h), (const unsigned char *)account_id,
	    strlen(account_id), NULL, 0) != 0)
		return JTA_ERR_CRYPTO;
	sodium_bin2hex(hex, sizeof(hex), h, 8);
	snprintf(out, outsz, "atl-%s", hex);
	return JTA_OK;
}

/* Find the user linked to account, or the user named after it, or create
 * that user; set display name and email.  Inside the caller's
 * transaction. */
static enum jta_err
linkuser(struct jta_store *st, const struct jta_link *in,
    struct jta_user *out, struct jta_error *err)
{
	enum jta_err	 ret;
	struct linkrow	 r;
	sqlite3_stmt	*s;
	const char	*display;
	char		 name[JTA_LIMIT_NAME + 1];
	int64_t		 uid = 0;
	int		 rc;

	memset(&r, 0, sizeof(r));
	if (atlname(in->account_id, name, sizeof(name)) != JTA_OK)
		return jta_error_set(err, JTA_ERR_CRYPTO, 500, NULL,
		    "the account could not be linked");
	display = in->display_name[0] != '\0' ? in->display_name : name;
	if ((s = stmt(st, S_LINK_BY_ACCOUNT)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":acct", in->account_id)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		uid = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(st, rc, "link by account", err);
	if (uid == 0) {
		ret = jta_store_user_get(st, name, out, NULL);
		if (ret == JTA_OK) {
			/* The user named after this account: reuse it unless
			 * another account's link holds it. */
			ret = linkread(st, out->id, &r, NULL);
			linkrow_clear(&r);
			if (ret == JTA_OK)
				return jta_error_set(err, JTA_ERR_CONFLICT,
				    409, NULL, "another Atlassian account is "
				    "linked to the local user for this one");
			if (ret != JTA_ERR_NOTFOUND)
				return dberr(st, SQLITE_ERROR, "link get",
				    err);
			uid = out->id;
		} else if (ret == JTA_ERR_NOTFOUND) {
			if ((ret = jta_store_user_add(st, name, display,
			    in->email, &uid, err)) != JTA_OK)
				return ret;
		} else
			return dberr(st, SQLITE_ERROR, "user get", err);
	}
	if ((s = stmt(st, S_USER_SET_IDENTITY)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":display", display)) != SQLITE_OK ||
	    (rc = btext(s, ":email", in->email)) != SQLITE_OK ||
	    (rc = bint(s, ":uid", uid)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "user identity", err);
	/* The name of an existing user may differ (it may predate this
	 * scheme); read the user back. */
	return userbyid(st, uid, out, err);
}

enum jta_err
jta_store_link_put(struct jta_store *st, struct jta_vault *v,
    const struct jta_link *in, const unsigned char *access, size_t access_len,
    int64_t expires_at, const unsigned char *refresh, size_t refresh_len,
    struct jta_user *out, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	unsigned char	*act = NULL, *rct = NULL;
	size_t		 actlen = 0, rctlen = 0;
	int64_t		 now = jta_time_now();
	int		 rc;

	if (!printable(in->account_id, JTA_LIMIT_ACCOUNT_ID) ||
	    !printable(in->cloud_id, JTA_LIMIT_CLOUD_ID) ||
	    !printable(in->site_url, JTA_LIMIT_SITE_URL) ||
	    !plaintext(in->display_name, JTA_LIMIT_DISPLAY_NAME) ||
	    !plaintext(in->email, JTA_LIMIT_EMAIL))
		return jta_error_set(err, JTA_ERR_INPUT, 502, NULL,
		    "Atlassian answered with an account, site or identity we "
		    "cannot store");
	if ((ret = checktoken(access, access_len, 0, err)) != JTA_OK ||
	    (ret = checktoken(refresh, refresh_len, 1, err)) != JTA_OK)
		return ret;
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = linkuser(st, in, out, err)) != JTA_OK)
		goto out;
	if ((ret = tokenseal(v, out->id, "access", access, access_len, &act,
	    &actlen, err)) != JTA_OK ||
	    (refresh != NULL && (ret = tokenseal(v, out->id, "refresh",
	    refresh, refresh_len, &rct, &rctlen, err)) != JTA_OK))
		goto out;
	if ((s = stmt(st, S_LINK_UPSERT)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bint(s, ":uid", out->id)) != SQLITE_OK ||
	    (rc = btext(s, ":acct", in->account_id)) != SQLITE_OK ||
	    (rc = btext(s, ":cloud", in->cloud_id)) != SQLITE_OK ||
	    (rc = btext(s, ":site", in->site_url)) != SQLITE_OK ||
	    (rc = bblob(s, ":access", act, actlen)) != SQLITE_OK ||
	    (rc = bint(s, ":expires", expires_at)) != SQLITE_OK ||
	    (rc = bblob(s, ":refresh", rct, rctlen)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "link put", err);
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	free(act);
	free(rct);
	return ret;
}

enum jta_err
jta_store_link_get(struct jta_store *st, struct jta_vault *v,
    int64_t user_id, struct jta_link *out, struct jta_secret **access,
    struct jta_error *err)
{
	enum jta_err	 ret;
	struct linkrow	 r;

	*access = NULL;
	memset(out, 0, sizeof(*out));
	if ((ret = linkread(st, user_id, &r, err)) != JTA_OK)
		goto out;
	*out = r.l;
	if (!r.l.broken)
		ret = tokenopen(v, user_id, "access", r.access_ct, r.access_len,
		    access, err);
out:
	linkrow_clear(&r);
	return ret;
}

enum jta_err
jta_store_link_lease(struct jta_store *st, struct jta_vault *v,
    int64_t user_id, const char *owner, int64_t now, int64_t lease_s,
    int64_t known_generation, enum jta_lease_result *res,
    struct jta_secret **token, struct jta_link *out, struct jta_error *err)
{
	enum jta_err	 ret;
	struct linkrow	 r;
	sqlite3_stmt	*s;
	int		 rc;

	*token = NULL;
	*res = JTA_LEASE_BUSY;
	memset(&r, 0, sizeof(r));
	memset(out, 0, sizeof(*out));
	if ((ret = checkowner(owner, err)) != JTA_OK)
		return ret;
	if (lease_s <= 0 || now <= 0 || now > INT64_MAX - lease_s)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the refresh lease time is out of range");
	/* BEGIN IMMEDIATE: re-read and claim under the write lock, so two
	 * processes never both see the lease free. */
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = linkread(st, user_id, &r, err)) != JTA_OK)
		goto out;
	*out = r.l;
	if (r.l.broken || r.refresh_ct == NULL) {
		*res = JTA_LEASE_BROKEN;
		goto out;
	}
	if (r.l.generation != known_generation) {
		*res = JTA_LEASE_FRESH;
		ret = tokenopen(v, user_id, "access", r.access_ct, r.access_len,
		    token, err);
		goto out;
	}
	if (r.owner[0] != '\0' && r.lease_until > now &&
	    strcmp(r.owner, owner) != 0) {
		*res = JTA_LEASE_BUSY;
		goto out;
	}
	/* Open the refresh token before claiming, so a token that does not
	 * open claims nothing. */
	if ((ret = tokenopen(v, user_id, "refresh", r.refresh_ct,
	    r.refresh_len, token, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_LINK_LEASE)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = btext(s, ":owner", owner)) != SQLITE_OK ||
	    (rc = bint(s, ":until", now + lease_s)) != SQLITE_OK ||
	    (rc = bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = bint(s, ":gen", r.l.generation)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "link lease", err);
		goto out;
	}
	if (sqlite3_changes(st->db) != 1) {
		ret = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the refresh lease could not be taken");
		goto out;
	}
	if ((ret = commit(st, err)) != JTA_OK)
		goto out;
	*res = JTA_LEASE_CLAIMED;
out:
	/* Nothing was written on the other paths: end the transaction. */
	rollback(st);
	if (ret != JTA_OK) {
		jta_secret_free(*token);
		*token = NULL;
	}
	linkrow_clear(&r);
	return ret;
}

enum jta_err
jta_store_link_renew(struct jta_store *st, struct jta_vault *v,
    int64_t user_id, const char *owner, const unsigned char *access,
    size_t access_len, int64_t expires_at, const unsigned char *refresh,
    size_t refresh_len, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	unsigned char	*act = NULL, *rct = NULL;
	size_t		 actlen = 0, rctlen = 0;
	int		 rc;

	if ((ret = checkowner(owner, err)) != JTA_OK ||
	    (ret = checktoken(access, access_len, 0, err)) != JTA_OK ||
	    (ret = checktoken(refresh, refresh_len, 1, err)) != JTA_OK)
		return ret;
	/* Seal first: no need to hold the lock for it. */
	if ((ret = tokenseal(v, user_id, "access", access, access_len, &act,
	    &actlen, err)) != JTA_OK ||
	    (refresh != NULL && (ret = tokenseal(v, user_id, "refresh",
	    refresh, refresh_len, &rct, &rctlen, err)) != JTA_OK))
		goto out;
	if ((ret = begin(st, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_LINK_RENEW)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bblob(s, ":access", act, actlen)) != SQLITE_OK ||
	    (rc = bint(s, ":expires", expires_at)) != SQLITE_OK ||
	    (rc = bblob(s, ":refresh", rct, rctlen)) != SQLITE_OK ||
	    (rc = bint(s, ":now", jta_time_now())) != SQLITE_OK ||
	    (rc = bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = btext(s, ":owner", owner)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "link renew", err);
		goto out;
	}
	if (sqlite3_changes(st->db) != 1) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "the refresh lease was lost; the new tokens were "
		    "discarded");
		goto out;
	}
	/* synchronous=FULL (set at open): on disk before we return. */
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	free(act);
	free(rct);
	return ret;
}

/* Run the lease statement id (release or break) for owner. */
static enum jta_err
leaseend(struct jta_store *st, enum sid id, int64_t user_id,
    const char *owner, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((ret = checkowner(owner, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, id)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = btext(s, ":owner", owner)) != SQLITE_OK ||
	    (id == S_LINK_BREAK &&
	    (rc = bint(s, ":now", jta_time_now())) != SQLITE_OK))
		return dberr(st, rc, "bind", err);
	/* One statement in autocommit mode: its own write transaction. */
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "link lease end", err);
	if (sqlite3_changes(st->db) != 1)
		return jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "the refresh lease is not held by this process");
	return JTA_OK;
}

enum jta_err
jta_store_link_release(struct jta_store *st, int64_t user_id,
    const char *owner, struct jta_error *err)
{
	return leaseend(st, S_LINK_RELEASE, user_id, owner, err);
}

enum jta_err
jta_store_link_break(struct jta_store *st, int64_t user_id,
    const char *owner, struct jta_error *err)
{
	return leaseend(st, S_LINK_BREAK, user_id, owner, err);
}

/* One row to re-seal: read without a lock, written with compare-and-set
 * on generation. */
struct reseal {
	int64_t		 uid, gen;
	unsigned char	*act, *rct;
	size_t		 actlen, rctlen;
	int		 ok;	/* re-sealed in memory */
};

/* Re-seal the ciphertext ct (len bytes) of column for uid under the
 * current key; *out NULL when ct is NULL. */
static enum jta_err
resealone(struct jta_vault *v, int64_t uid, const char *column,
    const unsigned char *ct, size_t len, unsigned char **out,
    size_t *outlen)
{
	struct jta_secret *pt = NULL;
	enum jta_err	 rc;

	*out = NULL;
	*outlen = 0;
	if (ct == NULL)
		return JTA_OK;
	if ((rc = tokenopen(v, uid, column, ct, len, &pt, NULL)) != JTA_OK)
		return rc;
	rc = tokenseal(v, uid, column, pt->buf, pt->len, out, outlen, NULL);
	jta_secret_free(pt);
	return rc;
}

enum jta_err
jta_store_link_reseal(struct jta_store *st, struct jta_vault *v,
    size_t batch, size_t *resealed, size_t *remaining,
    struct jta_error *err)
{
	enum jta_err	 ret = JTA_OK;
	struct reseal	*rows = NULL;
	sqlite3_stmt	*s;
	unsigned char	 kidb[4];
	uint32_t	 kid;
	int64_t		 after = 0;
	size_t		 n = 0, i, alen, rlen;
	int		 rc, more = 1, intx = 0;

	*resealed = 0;
	*remaining = 0;
	if (batch == 0 || batch > JTA_LIMIT_RESEAL_BATCH)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the re-seal batch must be 1 to %d rows",
		    JTA_LIMIT_RESEAL_BATCH);
	if ((kid = jta_vault_seal_kid(v)) == 0)
		return jta_error_set(err, JTA_ERR_CONFIG, 500, NULL,
		    "no token key to seal with");
	kidb[0] = (unsigned char)(kid >> 24);
	kidb[1] = (unsigned char)(kid >> 16);
	kidb[2] = (unsigned char)(kid >> 8);
	kidb[3] = (unsigned char)kid;
	if ((rows = calloc(batch, sizeof(*rows))) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "out of memory");
	while (more) {
		/* Read a batch, outside any transaction (WAL readers do not
		 * wait for writers), and re-seal it in memory. */
		if ((s = stmt(st, S_LINK_STALE)) == NULL) {
			ret = dberr(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = bint(s, ":after", after)) != SQLITE_OK ||
		    (rc = bblob(s, ":kid", kidb, sizeof(kidb))) != SQLITE_OK ||
		    (rc = bint(s, ":lim", (int64_t)batch)) != SQLITE_OK) {
			ret = dberr(st, rc, "bind", err);
			goto out;
		}
		n = 0;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			struct reseal *r = &rows[n++];
			const unsigned char *a, *f;

			r->uid = after = sqlite3_column_int64(s, 0);
			r->gen = sqlite3_column_int64(s, 1);
			a = sqlite3_column_blob(s, 2);
			alen = (size_t)sqlite3_column_bytes(s, 2);
			f = sqlite3_column_blob(s, 3);
			rlen = (size_t)sqlite3_column_bytes(s, 3);
			r->ok = resealone(v, r->uid, "access", a, alen,
			    &r->act, &r->actlen) == JTA_OK &&
			    resealone(v, r->uid, "refresh", f, rlen, &r->rct,
			    &r->rctlen) == JTA_OK && r->act != NULL;
			if (!r->ok)
				(*remaining)++;
		}
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			ret = dberr(st, rc, "link stale", err);
			goto out;
		}
		more = n == batch;
		if (n == 0)
			break;
		/* Write it back in one short transaction, each row only if
		 * no renew changed it since we read it. */
		if ((ret = begin(st, err)) != JTA_OK)
			goto out;
		intx = 1;
		for (i = 0; i < n; i++) {
			if (!rows[i].ok)
				continue;
			if ((s = stmt(st, S_LINK_RESEAL)) == NULL) {
				ret = dberr(st, SQLITE_ERROR, "prepare", err);
				goto out;
			}
			if ((rc = bblob(s, ":access", rows[i].act,
			    rows[i].actlen)) != SQLITE_OK ||
			    (rc = bblob(s, ":refresh", rows[i].rct,
			    rows[i].rctlen)) != SQLITE_OK ||
			    (rc = bint(s, ":uid", rows[i].uid)) != SQLITE_OK ||
			    (rc = bint(s, ":gen", rows[i].gen)) != SQLITE_OK) {
				ret = dberr(st, rc, "bind", err);
				goto out;
			}
			if ((rc = run(s)) != SQLITE_OK) {
				ret = dberr(st, rc, "link reseal", err);
				goto out;
			}
			if (sqlite3_changes(st->db) == 1)
				(*resealed)++;
			else
				(*remaining)++;
		}
		if ((ret = commit(st, err)) != JTA_OK)
			goto out;
		intx = 0;
		for (i = 0; i < n; i++) {
			free(rows[i].act);
			free(rows[i].rct);
			memset(&rows[i], 0, sizeof(rows[i]));
		}
	}
out:
	if (intx)
		rollback(st);
	for (i = 0; i < batch; i++) {
		free(rows[i].act);
		free(rows[i].rct);
	}
	free(rows);
	return ret;
}

/* ---- the OAuth authorization server (schema 4) ---- */

static int
bhash(sqlite3_stmt *s, const char *name,
    const unsigned char h[JTA_VAULT_HASHBYTES])
{
	int i = pidx(s, name);

	return i == 0 ? SQLITE_RANGE : sqlite3_bind_blob(s, i, h,
	    JTA_VAULT_HASHBYTES, SQLITE_TRANSIENT);
}

/* An OAuth error (RFC 6749 §5.2): err->field carries its code. */
static enum jta_err
oautherr(struct jta_error *err, int status, const char *code,
    const char *detail)
{
	return jta_error_set(err, JTA_ERR_AUTH, status, code, "%s", detail);
}

enum jta_err
jta_store_user_pw_set(struct jta_store *st, const char *name,
    const char *pw_hash, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_PW_SET)) == NULL)
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
	else if ((rc = btext(s, ":pw", pw_hash)) != SQLITE_OK ||
	    (rc = btext(s, ":name", name)) != SQLITE_OK)
		ret = dberr(st, rc, "bind", err);
	else if ((rc = run(s)) != SQLITE_OK)
		ret = dberr(st, rc, "password set", err);
	else if (sqlite3_changes(st->db) == 0)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "user",
		    "there is no user by that name");
	else
		ret = commit(st, err);
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_user_pw_get(struct jta_store *st, const char *name,
    struct jta_user *out, char *pw_hash, size_t pwsz, struct jta_error *err)
{
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	int		 rc;

	pw_hash[0] = '\0';
	if ((s = stmt(st, S_PW_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":name", name)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 4) != SQLITE_NULL &&
	    (size_t)sqlite3_column_bytes(s, 4) < pwsz) {
		userrow(s, 0, out);
		snprintf(pw_hash, pwsz, "%s", col(s, 4));
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "user",
		    "there is no user by that name with a password");
	else
		ret = dberr(st, rc, "password get", err);
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_client_add(struct jta_store *st, const char *client_id,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *name,
    const json_t *uris, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_CLIENT_ADD)) == NULL)
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
	else if ((rc = btext(s, ":cid", client_id)) != SQLITE_OK ||
	    (rc = bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = bjson(s, ":uris", uris)) != SQLITE_OK ||
	    (rc = bint(s, ":now", jta_time_now())) != SQLITE_OK)
		ret = dberr(st, rc, "bind", err);
	else if ((rc = run(s)) == SQLITE_CONSTRAINT_UNIQUE)
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "client_id",
		    "a client with that id exists already");
	else if (rc != SQLITE_OK)
		ret = dberr(st, rc, "client add", err);
	else
		ret = commit(st, err);
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_client_get(struct jta_store *st, const char *client_id,
    unsigned char hash[JTA_VAULT_HASHBYTES], json_t **uris,
    struct jta_error *err)
{
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_error_t	 je;
	int		 rc;

	*uris = NULL;
	if ((s = stmt(st, S_CLIENT_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":cid", client_id)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(s, 0) != JTA_VAULT_HASHBYTES ||
		    (*uris = json_loadb(col(s, 1), (size_t)
		    sqlite3_column_bytes(s, 1), JSON_REJECT_DUPLICATES, &je)) ==
		    NULL || !json_is_array(*uris)) {
			json_decref(*uris);
			*uris = NULL;
			jta_errorlog("store: client row %s is damaged",
			    client_id);
			ret = jta_error_set(err, JTA_ERR_DB, 500, NULL,
			    "the client registry failed; the server log has "
			    "details");
		} else
			memcpy(hash, sqlite3_column_blob(s, 0),
			    JTA_VAULT_HASHBYTES);
	} else if (rc == SQLITE_DONE)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
		    "there is no client with that id");
	else
		ret = dberr(st, rc, "client get", err);
	sqlite3_reset(s);
	return ret;
}

enum jta_err
jta_store_client_list(struct jta_store *st, json_t **out)
{
	sqlite3_stmt	*s;
	json_t		*arr, *o, *uris;
	json_error_t	 je;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_CLIENT_LIST)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = bint(s, ":now", jta_time_now())) != SQLITE_OK)
		return dberr(st, rc, "bind", NULL);
	if ((arr = json_array()) == NULL)
		return JTA_ERR_NOMEM;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		uris = json_loadb(col(s, 2), (size_t)sqlite3_column_bytes(s,
		    2), JSON_REJECT_DUPLICATES, &je);
		o = json_pack("{s:s, s:s, s:o, s:o, s:I}", "client_id",
		    col(s, 0), "name", col(s, 1), "redirect_uris",
		    uris != NULL ? uris : json_array(), "created",
		    timejs(sqlite3_column_int64(s, 3)), "grants",
		    (json_int_t)sqlite3_column_int64(s, 4));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			sqlite3_reset(s);
			json_decref(arr);
			return JTA_ERR_NOMEM;
		}
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return dberr(st, rc, "client list", NULL);
	}
	*out = arr;
	return JTA_OK;
}

enum jta_err
jta_store_client_secret_set(struct jta_store *st, const char *client_id,
    const unsigned char hash[JTA_VAULT_HASHBYTES], struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_CLIENT_SECRET)) == NULL)
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
	else if ((rc = btext(s, ":cid", client_id)) != SQLITE_OK ||
	    (rc = bhash(s, ":hash", hash)) != SQLITE_OK)
		ret = dberr(st, rc, "bind", err);
	else if ((rc = run(s)) != SQLITE_OK)
		ret = dberr(st, rc, "client secret", err);
	else if (sqlite3_changes(st->db) == 0)
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
		    "there is no client with that id");
	else
		ret = commit(st, err);
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_client_remove(struct jta_store *st, const char *client_id,
    struct jta_error *err)
{
	static const enum sid steps[] = { S_CLIENT_REVOKE, S_CLIENT_DEL_CODES,
	    S_CLIENT_DEL };
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	size_t		 i;
	int		 rc, gone = 0;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((s = stmt(st, steps[i])) == NULL) {
			ret = dberr(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = btext(s, ":cid", client_id)) != SQLITE_OK ||
		    (rc = run(s)) != SQLITE_OK) {
			ret = dberr(st, rc, "client remove", err);
			goto out;
		}
		gone = sqlite3_changes(st->db) > 0;
	}
	if (!gone) {
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "client_id",
		    "there is no client with that id");
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

static enum jta_err
purge(struct jta_store *st, enum sid id, int64_t now, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, id)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "purge", err);
	return JTA_OK;
}

enum jta_err
jta_store_code_put(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES],
    const struct jta_store_code *c, int64_t now, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = purge(st, S_CODE_PURGE, now, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_CODE_PUT)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = btext(s, ":cid", c->client_id)) != SQLITE_OK ||
	    (rc = bint(s, ":uid", c->user_id)) != SQLITE_OK ||
	    (rc = btext(s, ":uri", c->redirect_uri)) != SQLITE_OK ||
	    (rc = btext(s, ":chal", c->challenge)) != SQLITE_OK ||
	    (rc = btext(s, ":scope", c->scope)) != SQLITE_OK ||
	    (rc = bint(s, ":expires", c->expires)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "code put", err);
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

/* Revoke every token of family (inside the caller's transaction). */
static enum jta_err
killfamily(struct jta_store *st, const char *family, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_TOK_KILL)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":family", family)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "token kill", err);
	jta_warn("oauth: token family revoked family=%.8s", family);
	return JTA_OK;
}

static enum jta_err
tokput(struct jta_store *st, const unsigned char hash[JTA_VAULT_HASHBYTES],
    const char *kind, const char *family, const char *client_id,
    int64_t user_id, const char *scope, int64_t expires,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_TOK_PUT)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = btext(s, ":kind", kind)) != SQLITE_OK ||
	    (rc = btext(s, ":family", family)) != SQLITE_OK ||
	    (rc = btext(s, ":cid", client_id)) != SQLITE_OK ||
	    (rc = bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = btext(s, ":scope", scope)) != SQLITE_OK ||
	    (rc = bint(s, ":expires", expires)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "token put", err);
	return JTA_OK;
}

static enum jta_err
pairput(struct jta_store *st, const struct jta_store_pair *p,
    const char *family, const char *client_id, int64_t user_id,
    const char *scope, int64_t now, struct jta_error *err)
{
	enum jta_err	 ret;

	if ((ret = purge(st, S_TOK_PURGE, now, err)) != JTA_OK ||
	    (ret = tokput(st, p->access, "access", family, client_id, user_id,
	    scope, p->access_expires, err)) != JTA_OK ||
	    (ret = tokput(st, p->refresh, "refresh", family, client_id,
	    user_id, scope, p->refresh_expires, err)) != JTA_OK)
		return ret;
	return JTA_OK;
}

enum jta_err
jta_store_code_redeem(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *client_id,
    const char *redirect_uri, const char *verifier_s256, int64_t now,
    const struct jta_store_pair *pair, char *scope, size_t scopesz,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	char		 family[2 * JTA_VAULT_HASHBYTES + 1];
	char		 chal[JTA_LIMIT_PKCE + 1];
	char		 cid[JTA_LIMIT_CLIENT_ID + 1];
	char		 uri[JTA_LIMIT_REDIRECT_URI + 1];
	int64_t		 uid = 0, expires = 0;
	int		 rc, used = 0, haschal = 0;
	size_t		 vl, cl;

	scope[0] = '\0';
	sodium_bin2hex(family, sizeof(family), hash, JTA_VAULT_HASHBYTES);
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_CODE_GET)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bhash(s, ":hash", hash)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(cid, sizeof(cid), "%s", col(s, 0));
		uid = sqlite3_column_int64(s, 1);
		snprintf(uri, sizeof(uri), "%s", col(s, 2));
		haschal = sqlite3_column_type(s, 3) != SQLITE_NULL;
		snprintf(chal, sizeof(chal), "%s", col(s, 3));
		snprintf(scope, scopesz, "%s", col(s, 4));
		expires = sqlite3_column_int64(s, 5);
		used = sqlite3_column_int(s, 6) != 0;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		ret = oautherr(err, 400, "invalid_grant",
		    "the authorization code is unknown");
		goto out;
	}
	if (rc != SQLITE_ROW) {
		ret = dberr(st, rc, "code get", err);
		goto out;
	}
	if (used) {
		/* RFC 6749 §4.1.2: a code used twice revokes what it gave. */
		if ((ret = killfamily(st, family, err)) != JTA_OK ||
		    (ret = commit(st, err)) != JTA_OK)
			goto out;
		ret = oautherr(err, 400, "invalid_grant",
		    "the authorization code was used already; every token "
		    "issued from it is revoked");
		goto out;
	}
	if (strcmp(cid, client_id) != 0) {
		ret = oautherr(err, 400, "invalid_grant",
		    "the authorization code was issued to another client");
		goto out;
	}
	/* From here on the code is spent, whatever the answer. */
	if (expires <= now)
		ret = oautherr(err, 400, "invalid_grant",
		    "the authorization code has expired");
	else if (strcmp(uri, redirect_uri) != 0)
		/* RFC 6749 §4.1.3: the authorization request's, exactly. */
		ret = oautherr(err, 400, "invalid_grant",
		    "redirect_uri differs from the authorization request's");
	else if (!haschal && verifier_s256 != NULL)
		/* RFC 9700 §2.1.1: no challenge, so no verifier either. */
		ret = oautherr(err, 400, "invalid_grant",
		    "code_verifier sent, but the authorization request had no "
		    "code_challenge");
	else if (haschal && verifier_s256 == NULL)
		ret = oautherr(err, 400, "invalid_grant",
		    "code_verifier is required for this code (RFC 7636)");
	else if (haschal && ((vl = strlen(verifier_s256)) != (cl =
	    strlen(chal)) || sodium_memcmp(verifier_s256, chal, vl) != 0))
		ret = oautherr(err, 400, "invalid_grant",
		    "code_verifier does not match the code_challenge");
	else
		ret = JTA_OK;
	if ((s = stmt(st, S_CODE_USE)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "code use", err);
		goto out;
	}
	if (ret == JTA_OK && (ret = pairput(st, pair, family, cid, uid, scope,
	    now, err)) != JTA_OK)
		goto out;
	if (ret != JTA_OK) {
		/* Keep the code spent, then answer the refusal. */
		struct jta_error keep = *err;
		enum jta_err	 refusal = ret;

		if ((ret = commit(st, err)) != JTA_OK)
			goto out;
		*err = keep;
		ret = refusal;
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_token_refresh(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *client_id,
    int64_t now, int64_t grace, const struct jta_store_pair *pair,
    char *scope, size_t scopesz, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	char		 kind[16], family[2 * JTA_VAULT_HASHBYTES + 1];
	char		 cid[JTA_LIMIT_CLIENT_ID + 1];
	int64_t		 rid = 0, uid = 0, expires = 0, replaced = 0;
	int		 rc, isreplaced = 0, revoked = 0, kill = 0;
	int64_t		 later = 0;

	scope[0] = '\0';
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_TOK_GET)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bhash(s, ":hash", hash)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rid = sqlite3_column_int64(s, 0);
		snprintf(kind, sizeof(kind), "%s", col(s, 1));
		snprintf(family, sizeof(family), "%s", col(s, 2));
		snprintf(cid, sizeof(cid), "%s", col(s, 3));
		uid = sqlite3_column_int64(s, 4);
		snprintf(scope, scopesz, "%s", col(s, 5));
		expires = sqlite3_column_int64(s, 6);
		isreplaced = sqlite3_column_type(s, 7) != SQLITE_NULL;
		replaced = sqlite3_column_int64(s, 7);
		revoked = sqlite3_column_int(s, 8) != 0;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE || (rc == SQLITE_ROW &&
	    strcmp(kind, "refresh") != 0)) {
		ret = oautherr(err, 400, "invalid_grant",
		    "the refresh token is unknown");
		goto out;
	}
	if (rc != SQLITE_ROW) {
		ret = dberr(st, rc, "token get", err);
		goto out;
	}
	if (strcmp(cid, client_id) != 0) {
		ret = oautherr(err, 400, "invalid_grant",
		    "the refresh token was issued to another client");
		goto out;
	}
	if (revoked) {
		kill = 1;
		ret = oautherr(err, 400, "invalid_grant",
		    "the refresh token is revoked");
		goto out;
	}
	if (expires <= now) {
		ret = oautherr(err, 400, "invalid_grant",
		    "the refresh token has expired");
		goto out;
	}
	if (isreplaced) {
		if ((s = stmt(st, S_TOK_LATER)) == NULL) {
			ret = dberr(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = btext(s, ":family", family)) != SQLITE_OK ||
		    (rc = bint(s, ":ra", replaced)) != SQLITE_OK ||
		    (rc = bint(s, ":rid", rid)) != SQLITE_OK) {
			ret = dberr(st, rc, "bind", err);
			goto out;
		}
		if ((rc = sqlite3_step(s)) == SQLITE_ROW)
			later = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (rc != SQLITE_ROW) {
			ret = dberr(st, rc, "token later", err);
			goto out;
		}
		/* RFC 9700 §4.14.2: a refresh token used after its
		 * successor is a sign of theft; only the one just replaced
		 * is honoured, within grace (a client that lost our answer
		 * retries), and its lost successor is dropped. */
		if (later > 0 || now - replaced > grace) {
			kill = 1;
			ret = oautherr(err, 400, "invalid_grant",
			    "the refresh token was replaced already; every "
			    "token of this grant is revoked");
			goto out;
		}
		if ((s = stmt(st, S_TOK_DROP_LIVE)) == NULL) {
			ret = dberr(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = btext(s, ":family", family)) != SQLITE_OK ||
		    (rc = run(s)) != SQLITE_OK) {
			ret = dberr(st, rc, "token drop", err);
			goto out;
		}
	} else {
		if ((s = stmt(st, S_TOK_REPLACE)) == NULL) {
			ret = dberr(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = bint(s, ":now", now)) != SQLITE_OK ||
		    (rc = bint(s, ":rid", rid)) != SQLITE_OK ||
		    (rc = run(s)) != SQLITE_OK) {
			ret = dberr(st, rc, "token replace", err);
			goto out;
		}
	}
	if ((ret = pairput(st, pair, family, cid, uid, scope, now, err)) !=
	    JTA_OK)
		goto out;
	ret = commit(st, err);
out:
	if (kill) {
		struct jta_error keep = *err;

		if (killfamily(st, family, err) != JTA_OK ||
		    commit(st, err) != JTA_OK)
			ret = JTA_ERR_DB;
		else
			*err = keep;
		kill = 0;
	}
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_token_revoke(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *client_id,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	char		 kind[16], family[2 * JTA_VAULT_HASHBYTES + 1];
	char		 cid[JTA_LIMIT_CLIENT_ID + 1];
	int64_t		 rid = 0;
	int		 rc;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_TOK_GET)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bhash(s, ":hash", hash)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rid = sqlite3_column_int64(s, 0);
		snprintf(kind, sizeof(kind), "%s", col(s, 1));
		snprintf(family, sizeof(family), "%s", col(s, 2));
		snprintf(cid, sizeof(cid), "%s", col(s, 3));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		/* RFC 7009 §2.2: an unknown token is no error. */
		ret = commit(st, err);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		ret = dberr(st, rc, "token get", err);
		goto out;
	}
	if (strcmp(cid, client_id) != 0) {
		/* RFC 7009 §2.1: only the client it was issued to. */
		ret = oautherr(err, 400, "invalid_request",
		    "the token was not issued to this client");
		goto out;
	}
	if (strcmp(kind, "refresh") == 0)
		/* RFC 7009 §2.1: revoking a refresh token revokes the
		 * access tokens of the same grant. */
		ret = killfamily(st, family, err);
	else if ((s = stmt(st, S_TOK_REVOKE_ONE)) == NULL)
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
	else if ((rc = bint(s, ":rid", rid)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK)
		ret = dberr(st, rc, "token revoke", err);
	if (ret == JTA_OK)
		ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_token_auth(struct jta_store *st,
    const unsigned char hash[JTA_VAULT_HASHBYTES], int64_t now,
    struct jta_user *out)
{
	enum jta_err	 ret = JTA_ERR_AUTH;
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_TOK_AUTH)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", NULL);
	if ((rc = bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK)
		return dberr(st, rc, "bind", NULL);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		userrow(s, 0, out);
		ret = JTA_OK;
	} else if (rc != SQLITE_DONE)
		ret = dberr(st, rc, "token auth", NULL);
	sqlite3_reset(s);
	return ret;
}

/* ---- sign-in lockout ---- */

enum jta_err
jta_store_lockout_get(struct jta_store *st, const char *name,
    int64_t *locked_until, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	*locked_until = 0;
	if ((s = stmt(st, S_LOCK_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":name", name)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*locked_until = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(st, rc, "lockout get", err);
	return JTA_OK;
}

enum jta_err
jta_store_lockout_fail(struct jta_store *st, const char *name, int64_t now,
    const struct jta_store_lockout *rule, int64_t *locked_until,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	*locked_until = 0;
	if (strlen(name) > JTA_LIMIT_NAME || rule->max_failures < 1 ||
	    rule->window_s < 1 || rule->lock_s < 1 || rule->max_rows < 1)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the sign-in could not be checked");
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_LOCK_PURGE)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bint(s, ":old", now - rule->window_s)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "lockout purge", err);
		goto out;
	}
	if ((s = stmt(st, S_LOCK_TRIM)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = bint(s, ":max", rule->max_rows)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "lockout trim", err);
		goto out;
	}
	if ((s = stmt(st, S_LOCK_FAIL)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = bint(s, ":old", now - rule->window_s)) != SQLITE_OK ||
	    (rc = bint(s, ":limit", rule->max_failures)) != SQLITE_OK ||
	    (rc = bint(s, ":until", now + rule->lock_s)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*locked_until = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		ret = dberr(st, rc == SQLITE_DONE ? SQLITE_ERROR : rc,
		    "lockout fail", err);
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_lockout_clear(struct jta_store *st, const char *name,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_LOCK_CLEAR)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":name", name)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "lockout clear", err);
	return JTA_OK;
}

/* ---- similar tickets and user look-up ---- */

/*
 * The FTS5 query for a similar search: every term a quoted string, joined
 * by OR (any term may match; bm25 ranks the tickets holding more of them,
 * and rarer ones, first).  Terms hold no '"' (jta_suggest_terms), but
 * quotes are doubled anyway, as FTS5 strings want.  Returns 0, or -1 when
 * there is no term or out is too small.
 */
static int
ftsany(const struct jta_suggest_terms *t, char *out, size_t outsz)
{
	size_t	 i, o = 0;
	const char *p;

	if (t->n == 0 || outsz == 0)
		return -1;
	for (i = 0; i < t->n; i++) {
		if (o + 6 >= outsz)
			return -1;
		if (i > 0) {
			memcpy(out + o, " OR ", 4);
			o += 4;
		}
		out[o++] = '"';
		for (p = t->term[i]; *p != '\0'; p++) {
			if (o + 3 >= outsz)
				return -1;
			if (*p == '"')
				out[o++] = '"';
			out[o++] = *p;
		}
		out[o++] = '"';
	}
	out[o] = '\0';
	return 0;
}

enum jta_err
jta_store_ticket_similar(struct jta_store *st,
    const struct jta_suggest_terms *terms, const char *project, size_t limit,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *row, *lab;
	char		 q[2 * JTA_LIMIT_TEXT_QUERY + 8 *
			    JTA_LIMIT_SIMILAR_TERMS + 1];
	char		 key[JTA_LIMIT_ISSUE_KEY + 1];
	int		 rc;

	*out = NULL;
	if (ftsany(terms, q, sizeof(q)) != 0)
		return jta_error_set(err, JTA_ERR_INPUT, 422, "text",
		    "text has no word to look for (words of three letters "
		    "or more that are not as common as \"the\")");
	if (limit == 0 || limit > JTA_LIMIT_SIMILAR_MAX)
		limit = JTA_LIMIT_SIMILAR_DEFAULT;
	if ((s = stmt(st, S_SIMILAR)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":q", q)) != SQLITE_OK ||
	    (rc = btext(s, ":project", project)) != SQLITE_OK ||
	    (rc = bint(s, ":lim", (int64_t)limit)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((arr = json_array()) == NULL)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		snprintf(key, sizeof(key), "%s-%" PRId64, col(s, 0),
		    (int64_t)sqlite3_column_int64(s, 1));
		/* labels() steps another statement: this one stays put. */
		if ((ret = labels(st, sqlite3_column_int64(s, 7), &lab)) !=
		    JTA_OK)
			goto out;
		row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:[], "
		    "s:o, s:f}", "key", key, "summary", col(s, 2), "status",
		    col(s, 3), "project", col(s, 0), "type", col(s, 4),
		    "priority", col(s, 5), "labels", lab, "components",
		    "updated", timejs(sqlite3_column_int64(s, 6)), "score",
		    /* bm25 is negative, more so for better matches. */
		    -sqlite3_column_double(s, 8));
		ret = JTA_ERR_NOMEM;
		if (row == NULL || json_array_append_new(arr, row) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		ret = dberr(st, rc, "similar", err);
		goto out;
	}
	ret = JTA_OK;
out:
	sqlite3_reset(s);
	if (ret != JTA_OK)
		json_decref(arr);
	else
		*out = arr;
	return ret;
}

enum jta_err
jta_store_user_find(struct jta_store *st, const char *query, size_t limit,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 ret = JTA_ERR_NOMEM;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *o;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_USER_FIND)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":q", query)) != SQLITE_OK ||
	    (rc = bint(s, ":lim", (int64_t)limit)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((arr = json_array()) == NULL)
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		o = json_pack("{s:s, s:s}", "id", col(s, 0), "name",
		    col(s, 1));
		if (o == NULL || json_array_append_new(arr, o) != 0 ||
		    (col(s, 2)[0] != '\0' && json_object_set_new(o, "email",
		    json_string(col(s, 2))) != 0))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		ret = dberr(st, rc, "user find", err);
		goto out;
	}
	ret = JTA_OK;
out:
	sqlite3_reset(s);
	if (ret != JTA_OK)
		json_decref(arr);
	else
		*out = arr;
	return ret;
}


/* ---- drafts and idempotency keys ---- */

/* JSON text we stored ourselves, as a new value (NULL when the column is
 * NULL or does not parse: the CHECK constraints make that a bug). */
static json_t *
coljson(sqlite3_stmt *s, int i)
{
	const char	*t = (const char *)sqlite3_column_text(s, i);
	json_error_t	 je;

	if (t == NULL)
		return NULL;
	return json_loadb(t, (size_t)sqlite3_column_bytes(s, i), 0, &je);
}

void
jta_store_draft_clear(struct jta_draft *d)
{
	if (d == NULL)
		return;
	json_decref(d->input);
	json_decref(d->preview);
	json_decref(d->result);
	d->input = d->preview = d->result = NULL;
}

void
jta_store_claim_clear(struct jta_claim *c)
{
	if (c == NULL)
		return;
	json_decref(c->result);
	json_decref(c->prepared);
	c->result = c->prepared = NULL;
}

/* Bind :id and :uid, the row's identity in every statement below. */
static int
bident(sqlite3_stmt *s, int64_t user_id, const char *id)
{
	int rc;

	if ((rc = btext(s, ":id", id)) != SQLITE_OK)
		return rc;
	return bint(s, ":uid", user_id);
}

static enum jta_err
draftnotfound(struct jta_error *err)
{
	return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
	    "there is no draft with that id (drafts expire 24 hours after "
	    "their last change); make a new one with POST /api/drafts");
}

/* A draft row as read by S_DRAFT_GET; lease fields for the claim. */
struct draftrow {
	struct jta_draft d;
	char		 token[JTA_LIMIT_ONCE_TOKEN + 1];
	char		 owner[JTA_LIMIT_LEASE_OWNER + 1];
	int64_t		 lease_until, attempt_at;
};

static enum jta_err
draftread(struct jta_store *st, int64_t user_id, const char *id,
    int64_t now, struct draftrow *r, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	memset(r, 0, sizeof(*r));
	if ((s = stmt(st, S_DRAFT_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bident(s, user_id, id)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		snprintf(r->d.id, sizeof(r->d.id), "%s", col(s, 0));
		r->d.revision = sqlite3_column_int64(s, 1);
		r->d.input = coljson(s, 2);
		r->d.preview = coljson(s, 3);
		snprintf(r->d.status, sizeof(r->d.status), "%s", col(s, 4));
		r->d.result = coljson(s, 5);
		r->d.created = sqlite3_column_int64(s, 6);
		r->d.updated = sqlite3_column_int64(s, 7);
		r->d.expires = sqlite3_column_int64(s, 8);
		snprintf(r->token, sizeof(r->token), "%s", col(s, 9));
		snprintf(r->owner, sizeof(r->owner), "%s", col(s, 10));
		r->lease_until = sqlite3_column_int64(s, 11);
		r->attempt_at = sqlite3_column_int64(s, 12);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return draftnotfound(err);
	if (rc != SQLITE_ROW)
		return dberr(st, rc, "draft get", err);
	if (r->d.input == NULL || r->d.preview == NULL ||
	    (strcmp(r->d.status, "submitted") == 0 && r->d.result == NULL)) {
		jta_store_draft_clear(&r->d);
		return jta_error_set(err, JTA_ERR_NOMEM, 500, NULL,
		    "the draft could not be read");
	}
	return JTA_OK;
}

enum jta_err
jta_store_draft_put(struct jta_store *st, int64_t user_id, const char *id,
    const json_t *input, const json_t *preview, int64_t now,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = purge(st, S_DRAFT_PURGE, now, err)) != JTA_OK)
		goto out;
	if ((s = stmt(st, S_DRAFT_PUT)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, id)) != SQLITE_OK ||
	    (rc = bjson(s, ":input", input)) != SQLITE_OK ||
	    (rc = bjson(s, ":preview", preview)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = bint(s, ":expires", now + JTA_STORE_DRAFT_TTL)) !=
	    SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	rc = run(s);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "a draft with that id exists already");
		goto out;
	}
	if (rc != SQLITE_OK) {
		ret = dberr(st, rc, "draft put", err);
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_draft_get(struct jta_store *st, int64_t user_id, const char *id,
    int64_t now, struct jta_draft *out, struct jta_error *err)
{
	struct draftrow	 r;
	enum jta_err	 ret;

	memset(out, 0, sizeof(*out));
	if ((ret = draftread(st, user_id, id, now, &r, err)) != JTA_OK)
		return ret;
	*out = r.d;
	return JTA_OK;
}

enum jta_err
jta_store_draft_edit(struct jta_store *st, int64_t user_id, const char *id,
    int64_t revision, const json_t *input, const json_t *preview,
    int64_t now, struct jta_error *err)
{
	enum jta_err	 ret;
	struct draftrow	 r;
	sqlite3_stmt	*s;
	int		 rc;

	memset(&r, 0, sizeof(r));
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = draftread(st, user_id, id, now, &r, err)) != JTA_OK)
		goto out;
	if (strcmp(r.d.status, "ready") != 0) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "id",
		    "this draft is %s and can no longer change; make a new "
		    "draft for another issue", r.d.status);
		goto out;
	}
	if (r.d.revision != revision) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "revision",
		    "the draft changed meanwhile (now revision %" PRId64
		    "); read it again", r.d.revision);
		goto out;
	}
	if ((s = stmt(st, S_DRAFT_EDIT)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, id)) != SQLITE_OK ||
	    (rc = bjson(s, ":input", input)) != SQLITE_OK ||
	    (rc = bjson(s, ":preview", preview)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = bint(s, ":rev", revision)) != SQLITE_OK ||
	    (rc = bint(s, ":expires", now + JTA_STORE_DRAFT_TTL)) !=
	    SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "draft edit", err);
		goto out;
	}
	if (sqlite3_changes(st->db) != 1) {
		ret = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the draft could not be changed");
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	jta_store_draft_clear(&r.d);
	return ret;
}

static enum jta_err
checklease(const char *owner, const char *token, int64_t now,
    int64_t lease_s, struct jta_error *err)
{
	enum jta_err	 ret;

	if ((ret = checkowner(owner, err)) != JTA_OK)
		return ret;
	if (token == NULL || !printable(token, JTA_LIMIT_ONCE_TOKEN) ||
	    lease_s <= 0 || now <= 0 || now > INT64_MAX - lease_s)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the submit lease is malformed");
	return JTA_OK;
}

enum jta_err
jta_store_draft_claim(struct jta_store *st, int64_t user_id, const char *id,
    int64_t revision, const char *owner, const char *token, int64_t now,
    int64_t lease_s, struct jta_claim *out, struct jta_error *err)
{
	enum jta_err	 ret;
	struct draftrow	 r;
	sqlite3_stmt	*s;
	int		 rc;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if ((ret = checklease(owner, token, now, lease_s, err)) != JTA_OK)
		return ret;
	/* BEGIN IMMEDIATE: read and claim under the write lock, so two
	 * processes never both see the draft free. */
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = draftread(st, user_id, id, now, &r, err)) != JTA_OK)
		goto out;
	if (r.d.revision != revision) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, "revision",
		    "the draft is at revision %" PRId64 ", not the one you "
		    "sent: it changed after you saw it; read it again and "
		    "submit its current revision", r.d.revision);
		goto out;
	}
	if (strcmp(r.d.status, "submitted") == 0) {
		out->res = JTA_CLAIM_DONE;
		out->status = 200;
		out->result = r.d.result;
		r.d.result = NULL;
		goto out;
	}
	if (strcmp(r.d.status, "submitting") == 0 && r.owner[0] != '\0' &&
	    r.lease_until > now && strcmp(r.owner, owner) != 0) {
		out->res = JTA_CLAIM_BUSY;
		out->lease_left = r.lease_until - now;
		goto out;
	}
	out->res = strcmp(r.d.status, "ready") == 0 ? JTA_CLAIM_NEW :
	    JTA_CLAIM_RESUME;
	out->attempt_at = out->res == JTA_CLAIM_NEW ? now : r.attempt_at;
	/* No change since the last edit, so no create before it. */
	out->since = r.d.updated;
	snprintf(out->token, sizeof(out->token), "%s", r.token[0] != '\0' ?
	    r.token : token);
	if ((s = stmt(st, S_DRAFT_CLAIM)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, id)) != SQLITE_OK ||
	    (rc = btext(s, ":owner", owner)) != SQLITE_OK ||
	    (rc = bint(s, ":until", now + lease_s)) != SQLITE_OK ||
	    (rc = btext(s, ":token", token)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = bint(s, ":expires", now + JTA_STORE_DRAFT_TTL)) !=
	    SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "draft claim", err);
		goto out;
	}
	if ((ret = commit(st, err)) != JTA_OK)
		goto out;
	out->prepared = r.d.preview;
	r.d.preview = NULL;
out:
	rollback(st);	/* ends the read-only paths; no-op after commit */
	jta_store_draft_clear(&r.d);
	if (ret != JTA_OK)
		jta_store_claim_clear(out);
	return ret;
}

enum jta_err
jta_store_idem_claim(struct jta_store *st, int64_t user_id, const char *key,
    const unsigned char hash[JTA_VAULT_HASHBYTES], const char *owner,
    const char *token, int64_t now, int64_t lease_s, struct jta_claim *out,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	char		 rowowner[JTA_LIMIT_LEASE_OWNER + 1];
	int64_t		 until;
	int		 rc, same = 0, done = 0, found;

	memset(out, 0, sizeof(*out));
	if ((ret = checklease(owner, token, now, lease_s, err)) != JTA_OK)
		return ret;
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = purge(st, S_IDEM_PURGE, now, err)) != JTA_OK)
		goto out;
	/* This key's own expired row, whatever the batch above reached. */
	if ((s = stmt(st, S_IDEM_EXPIRE)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, key)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "key expire", err);
		goto out;
	}
	if ((s = stmt(st, S_IDEM_GET)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, key)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	rc = sqlite3_step(s);
	if ((found = rc == SQLITE_ROW)) {
		same = sqlite3_column_bytes(s, 0) == JTA_VAULT_HASHBYTES &&
		    jta_vault_hash_equal(sqlite3_column_blob(s, 0), hash);
		done = strcmp(col(s, 1), "done") == 0;
		snprintf(out->token, sizeof(out->token), "%s", col(s, 2));
		snprintf(rowowner, sizeof(rowowner), "%s", col(s, 3));
		until = sqlite3_column_int64(s, 4);
		out->attempt_at = sqlite3_column_int64(s, 5);
		out->status = sqlite3_column_int(s, 6);
		out->since = sqlite3_column_int64(s, 8);
		if (done && same && (out->result = coljson(s, 7)) == NULL)
			rc = SQLITE_NOMEM;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = dberr(st, rc, "key get", err);
		goto out;
	}
	if (found && !same) {
		ret = jta_error_set(err, JTA_ERR_INPUT, 422, "Idempotency-Key",
		    "this Idempotency-Key was used for another request; use "
		    "a new key for a new request");
		goto out;
	}
	if (found && done) {
		out->res = JTA_CLAIM_DONE;
		goto out;
	}
	if (found && rowowner[0] != '\0' && until > now &&
	    strcmp(rowowner, owner) != 0) {
		out->res = JTA_CLAIM_BUSY;
		out->lease_left = until - now;
		goto out;
	}
	if (!found) {
		out->res = JTA_CLAIM_NEW;
		out->attempt_at = out->since = now;
		snprintf(out->token, sizeof(out->token), "%s", token);
		s = stmt(st, S_IDEM_PUT);
	} else {
		out->res = JTA_CLAIM_RESUME;
		s = stmt(st, S_IDEM_CLAIM);
	}
	if (s == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bident(s, user_id, key)) != SQLITE_OK ||
	    (rc = btext(s, ":owner", owner)) != SQLITE_OK ||
	    (rc = bint(s, ":until", now + lease_s)) != SQLITE_OK ||
	    (!found && ((rc = bhash(s, ":hash", hash)) != SQLITE_OK ||
	    (rc = btext(s, ":token", token)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = bint(s, ":expires", now + JTA_STORE_IDEM_TTL)) !=
	    SQLITE_OK))) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "key claim", err);
		goto out;
	}
	ret = commit(st, err);
out:
	rollback(st);
	if (ret != JTA_OK)
		jta_store_claim_clear(out);
	return ret;
}

/* Run one lease statement of kind on (user_id, id) for owner; the
 * statement must change exactly one row. */
static enum jta_err
leasestep(struct jta_store *st, enum sid id_stmt, int64_t user_id,
    const char *id, const char *owner, int64_t now, int status,
    const json_t *result, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	const json_t	*issue = json_object_get(result, "issue");
	int		 rc;

	if ((ret = checkowner(owner, err)) != JTA_OK)
		return ret;
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, id_stmt)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	rc = bident(s, user_id, id);
	if (rc == SQLITE_OK)
		rc = btext(s, ":owner", owner);
	if (rc == SQLITE_OK && pidx(s, ":now") != 0)
		rc = bint(s, ":now", now);
	if (rc == SQLITE_OK && pidx(s, ":result") != 0)
		rc = bjson(s, ":result", result);
	if (rc == SQLITE_OK && pidx(s, ":status") != 0)
		rc = bint(s, ":status", status);
	if (rc == SQLITE_OK && pidx(s, ":expires") != 0)
		rc = bint(s, ":expires", now + JTA_STORE_SUBMITTED_TTL);
	if (rc == SQLITE_OK && pidx(s, ":key") != 0)
		rc = btext(s, ":key", json_string_value(json_object_get(issue,
		    "key")));
	if (rc == SQLITE_OK && pidx(s, ":url") != 0)
		rc = btext(s, ":url", json_string_value(json_object_get(issue,
		    "url")));
	if (rc != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "submit lease", err);
		goto out;
	}
	if (sqlite3_changes(st->db) != 1) {
		ret = jta_error_set(err, JTA_ERR_CONFLICT, 409, NULL,
		    "the submit lease was lost to another process");
		goto out;
	}
	/* synchronous=FULL (set at open): on disk before we answer. */
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_once_attempt(struct jta_store *st, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int64_t now,
    struct jta_error *err)
{
	return leasestep(st, kind == JTA_ONCE_DRAFT ? S_DRAFT_ATTEMPT :
	    S_IDEM_ATTEMPT, user_id, id, owner, now, 0, NULL, err);
}

enum jta_err
jta_store_once_done(struct jta_store *st, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int status,
    const json_t *result, int64_t now, struct jta_error *err)
{
	if (result == NULL)
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "a submit finished without an answer");
	return leasestep(st, kind == JTA_ONCE_DRAFT ? S_DRAFT_DONE :
	    S_IDEM_DONE, user_id, id, owner, now, status, result, err);
}

enum jta_err
jta_store_once_release(struct jta_store *st, enum jta_once_kind kind,
    int64_t user_id, const char *id, const char *owner, int unknown,
    struct jta_error *err)
{
	enum sid	 sid;

	if (kind == JTA_ONCE_DRAFT)
		sid = unknown ? S_DRAFT_UNKNOWN : S_DRAFT_READY;
	else
		sid = unknown ? S_IDEM_UNKNOWN : S_IDEM_DROP;
	return leasestep(st, sid, user_id, id, owner, 0, 0, NULL, err);
}

/* The ticket carrying token, inside the caller's transaction or not:
 * *tid 0 when there is none. */
static enum jta_err
oncefind(struct jta_store *st, const char *token, int64_t *tid,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	*tid = 0;
	if ((s = stmt(st, S_T_ONCE_FIND)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":token", token)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*tid = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JTA_OK :
	    dberr(st, rc, "once find", err);
}

enum jta_err
jta_store_ticket_create_once(struct jta_store *st,
    const struct jta_user *reporter, const json_t *fields, const char *token,
    int *created, json_t **out, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int64_t		 tid = 0;
	int		 rc;

	*out = NULL;
	*created = 0;
	if (token == NULL)
		return jta_store_ticket_create(st, reporter, fields, out, err);
	if (!printable(token, JTA_LIMIT_ONCE_TOKEN))
		return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
		    "the submit token is malformed");
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = oncefind(st, token, &tid, err)) != JTA_OK)
		goto out;
	if (tid == 0) {
		if ((ret = insertticket(st, reporter, fstr(fields, "project"),
		    fields, "Open", &tid, err)) != JTA_OK)
			goto out;
		if ((s = stmt(st, S_T_ONCE_SET)) == NULL) {
			ret = dberr(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = btext(s, ":token", token)) != SQLITE_OK ||
		    (rc = bint(s, ":tid", tid)) != SQLITE_OK ||
		    (rc = run(s)) != SQLITE_OK) {
			ret = dberr(st, rc, "once set", err);
			goto out;
		}
		*created = 1;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK) {
		rollback(st);
		*created = 0;
		return ret;
	}
	return ticketjs(st, tid, out, err);
}

enum jta_err
jta_store_ticket_by_once(struct jta_store *st, const char *token,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 ret;
	int64_t		 tid;

	*out = NULL;
	if ((ret = oncefind(st, token, &tid, err)) != JTA_OK)
		return ret;
	if (tid == 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, NULL,
		    "no ticket carries that submit token");
	return ticketjs(st, tid, out, err);
}

/* ---- operators' switches ---- */

enum jta_err
jta_store_policy_get(struct jta_store *st, struct jta_store_policy *out,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_POL_GET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->enabled = sqlite3_column_int(s, 0) != 0;
		snprintf(out->message, sizeof(out->message), "%s", col(s, 1));
		out->changed_at = sqlite3_column_int64(s, 2);
		snprintf(out->changed_by, sizeof(out->changed_by), "%s",
		    col(s, 3));
		out->generation = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE) {
		jta_errorlog("store: %s has no policy_settings row", st->path);
		return jta_error_set(err, JTA_ERR_DB, 500, NULL,
		    "the ticket store failed; the server log has details");
	}
	return rc == SQLITE_ROW ? JTA_OK : dberr(st, rc, "policy get", err);
}

/* Run statement id (already bound) inside BEGIN IMMEDIATE together with
 * the generation bump, and commit. */
static enum jta_err
polwrite(struct jta_store *st, sqlite3_stmt *s, int bump, int adding,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*b;
	int64_t		 n = 0;
	int		 rc;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	/* Counted inside the write transaction: two operators adding at
	 * once cannot pass the bound together. */
	if (adding && (ret = jta_store_rule_count(st, &n, err)) != JTA_OK)
		goto out;
	if (n >= JTA_LIMIT_POLICY_RULES) {
		ret = jta_error_set(err, JTA_ERR_INPUT, 422, "rule",
		    "there are %d rules already, the most a worker keeps; "
		    "remove some first", JTA_LIMIT_POLICY_RULES);
		goto out;
	}
	if ((rc = run(s)) != SQLITE_OK) {
		ret = rc == SQLITE_CONSTRAINT_UNIQUE ?
		    jta_error_set(err, JTA_ERR_CONFLICT, 409, "rule",
		    "the same rule exists already") :
		    dberr(st, rc, "policy write", err);
		goto out;
	}
	if (sqlite3_changes(st->db) == 0) {
		ret = jta_error_set(err, JTA_ERR_NOTFOUND, 404, "id",
		    "there is no rule with that id");
		goto out;
	}
	if (bump) {
		if ((b = stmt(st, S_POL_BUMP)) == NULL) {
			ret = dberr(st, SQLITE_ERROR, "prepare", err);
			goto out;
		}
		if ((rc = run(b)) != SQLITE_OK) {
			ret = dberr(st, rc, "policy bump", err);
			goto out;
		}
	}
	ret = commit(st, err);
out:
	rollback(st);
	return ret;
}

enum jta_err
jta_store_policy_set(struct jta_store *st, int enabled, const char *message,
    int64_t now, const char *by, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_POL_SET)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":on", enabled ? 1 : 0)) != SQLITE_OK ||
	    (rc = btext(s, ":msg", message != NULL ? message : "")) !=
	    SQLITE_OK || (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = btext(s, ":by", by)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	return polwrite(st, s, 0, 0, err);
}

enum jta_err
jta_store_rule_count(struct jta_store *st, int64_t *n, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_POL_NRULES)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? JTA_OK : dberr(st, rc, "rule count", err);
}

enum jta_err
jta_store_rule_add(struct jta_store *st, const struct jta_store_rule *r,
    int64_t now, const char *by, int64_t *id, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_RULE_ADD)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":effect", r->effect)) != SQLITE_OK ||
	    (rc = btext(s, ":kind", r->kind)) != SQLITE_OK ||
	    (rc = btext(s, ":value", r->value)) != SQLITE_OK ||
	    (rc = btext(s, ":scope", r->scope)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = btext(s, ":by", by)) != SQLITE_OK ||
	    (rc = btext(s, ":note", r->note)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((ret = polwrite(st, s, 1, 1, err)) != JTA_OK)
		return ret;
	/* Same connection, no other insert since: the row just added. */
	*id = sqlite3_last_insert_rowid(st->db);
	return JTA_OK;
}

enum jta_err
jta_store_rule_remove(struct jta_store *st, int64_t id,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_RULE_DEL)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":id", id)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	return polwrite(st, s, 1, 0, err);
}

enum jta_err
jta_store_rule_list(struct jta_store *st, struct jta_store_rule *rules,
    size_t max, size_t *n, struct jta_error *err)
{
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	struct jta_store_rule *r;
	int		 rc;

	*n = 0;
	if ((s = stmt(st, S_RULE_LIST)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n >= max) {
			ret = jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
			    "more access rules than a worker keeps");
			break;
		}
		r = &rules[(*n)++];
		r->id = sqlite3_column_int64(s, 0);
		snprintf(r->effect, sizeof(r->effect), "%s", col(s, 1));
		snprintf(r->kind, sizeof(r->kind), "%s", col(s, 2));
		snprintf(r->value, sizeof(r->value), "%s", col(s, 3));
		snprintf(r->scope, sizeof(r->scope), "%s", col(s, 4));
		r->created = sqlite3_column_int64(s, 5);
		snprintf(r->created_by, sizeof(r->created_by), "%s",
		    col(s, 6));
		snprintf(r->note, sizeof(r->note), "%s", col(s, 7));
	}
	sqlite3_reset(s);
	if (ret == JTA_OK && rc != SQLITE_DONE)
		ret = dberr(st, rc, "rule list", err);
	return ret;
}

enum jta_err
jta_store_link_identity(struct jta_store *st, int64_t user_id,
    struct jta_link *out, struct jta_error *err)
{
	struct linkrow	 r;
	enum jta_err	 ret;

	if ((ret = linkread(st, user_id, &r, err)) == JTA_OK)
		*out = r.l;
	linkrow_clear(&r);
	return ret;
}

/* ---- the audit log (schema 8; jta_audit.h) ---- */

enum jta_err
jta_store_audit_add(struct jta_store *st, const struct jta_audit_event *ev,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_AUD_ADD)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":at", ev->when)) != SQLITE_OK ||
	    (rc = btext(s, ":who", ev->who)) != SQLITE_OK ||
	    (rc = btext(s, ":acc", ev->account_id != NULL ? ev->account_id :
	    "")) != SQLITE_OK ||
	    (rc = btext(s, ":site", ev->site != NULL ? ev->site : "")) !=
	    SQLITE_OK ||
	    (rc = btext(s, ":action", ev->action)) != SQLITE_OK ||
	    (rc = btext(s, ":key", ev->issue_key != NULL ? ev->issue_key :
	    "")) != SQLITE_OK ||
	    (rc = btext(s, ":ep", ev->endpoint != NULL ? ev->endpoint : "")) !=
	    SQLITE_OK ||
	    (rc = bint(s, ":status", ev->status)) != SQLITE_OK ||
	    (rc = btext(s, ":detail", ev->detail != NULL ? ev->detail : "")) !=
	    SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "audit add", err);
	return JTA_OK;
}

enum jta_err
jta_store_audit_purge(struct jta_store *st, int64_t before, int64_t max,
    int64_t *deleted, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	*deleted = 0;
	if ((s = stmt(st, S_AUD_PURGE)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":before", before)) != SQLITE_OK ||
	    (rc = bint(s, ":max", max)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "audit purge", err);
	*deleted = sqlite3_changes64(st->db);
	return JTA_OK;
}

enum jta_err
jta_store_audit_count(struct jta_store *st, int64_t *n, struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_AUD_COUNT)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? JTA_OK : dberr(st, rc, "audit count", err);
}

/* One audit row as JSON. */
static json_t *
auditrow(sqlite3_stmt *s)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (oset(o, "id", json_integer(sqlite3_column_int64(s, 0))) != 0 ||
	    oset(o, "when", timejs(sqlite3_column_int64(s, 1))) != 0 ||
	    oset(o, "who", json_string(col(s, 2))) != 0 ||
	    oset(o, "account_id", json_string(col(s, 3))) != 0 ||
	    oset(o, "site", json_string(col(s, 4))) != 0 ||
	    oset(o, "action", json_string(col(s, 5))) != 0 ||
	    oset(o, "issue_key", json_string(col(s, 6))) != 0 ||
	    oset(o, "endpoint", json_string(col(s, 7))) != 0 ||
	    oset(o, "status", json_integer(sqlite3_column_int64(s, 8))) !=
	    0 || oset(o, "detail", json_string(col(s, 9))) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

enum jta_err
jta_store_audit_query(struct jta_store *st, const struct jta_audit_filter *f,
    json_t **out, struct jta_error *err)
{
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *o;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, f->ticket != NULL ? S_AUD_QUERY_KEY : S_AUD_QUERY))
	    == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((f->ticket != NULL && (rc = btext(s, ":key", f->ticket)) !=
	    SQLITE_OK) ||
	    (rc = bint0(s, ":from", f->from)) != SQLITE_OK ||
	    (rc = bint0(s, ":to", f->to)) != SQLITE_OK ||
	    (rc = btext(s, ":action", f->action)) != SQLITE_OK ||
	    (rc = btext(s, ":person", f->person)) != SQLITE_OK ||
	    (rc = bint(s, ":limit", f->limit > 0 ? f->limit : -1)) !=
	    SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((arr = json_array()) == NULL) {
		sqlite3_reset(s);
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "out of memory");
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((o = auditrow(s)) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			ret = jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
			    "out of memory");
			break;
		}
	sqlite3_reset(s);
	if (ret == JTA_OK && rc != SQLITE_DONE)
		ret = dberr(st, rc, "audit query", err);
	if (ret != JTA_OK)
		json_decref(arr);
	else
		*out = arr;
	return ret;
}

/* ---- linked people (jta-admin users) ---- */

enum jta_err
jta_store_link_list(struct jta_store *st, json_t **out, struct jta_error *err)
{
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_t		*arr, *o;
	const char	*status;
	int		 rc, linked;

	*out = NULL;
	if ((s = stmt(st, S_LINK_LIST)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((arr = json_array()) == NULL)
		return jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
		    "out of memory");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		linked = sqlite3_column_type(s, 4) != SQLITE_NULL;
		status = !linked ? "none" : strcmp(col(s, 6), "ok") == 0 ?
		    "linked" : "broken";
		if ((o = json_object()) == NULL ||
		    json_array_append_new(arr, o) != 0 ||
		    oset(o, "name", json_string(col(s, 1))) != 0 ||
		    oset(o, "display_name", json_string(col(s, 2))) != 0 ||
		    oset(o, "email", json_string(col(s, 3))) != 0 ||
		    oset(o, "account_id", json_string(col(s, 4))) != 0 ||
		    oset(o, "site", json_string(col(s, 5))) != 0 ||
		    oset(o, "link", json_string(status)) != 0 ||
		    oset(o, "updated", linked ?
		    timejs(sqlite3_column_int64(s, 7)) : json_null()) != 0 ||
		    oset(o, "access_expires", linked && sqlite3_column_int64(s,
		    8) > 0 ? timejs(sqlite3_column_int64(s, 8)) :
		    json_null()) != 0 ||
		    oset(o, "has_refresh", json_boolean(linked &&
		    sqlite3_column_int(s, 9))) != 0) {
			ret = jta_error_set(err, JTA_ERR_NOMEM, 503, NULL,
			    "out of memory");
			break;
		}
	}
	sqlite3_reset(s);
	if (ret == JTA_OK && rc != SQLITE_DONE)
		ret = dberr(st, rc, "link list", err);
	if (ret != JTA_OK)
		json_decref(arr);
	else
		*out = arr;
	return ret;
}

enum jta_err
jta_store_link_remove(struct jta_store *st, const char *name,
    struct jta_user *user, struct jta_link *was, int *had_link,
    int64_t *revoked, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	struct jta_error e;
	int		 rc;

	*had_link = 0;
	*revoked = 0;
	memset(was, 0, sizeof(*was));
	memset(&e, 0, sizeof(e));
	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	if ((ret = jta_store_user_get(st, name, user, err)) != JTA_OK)
		goto out;
	if ((ret = jta_store_link_identity(st, user->id, was, &e)) == JTA_OK)
		*had_link = 1;
	else if (ret != JTA_ERR_NOTFOUND) {
		*err = e;
		goto out;
	}
	ret = JTA_ERR_DB;
	if ((s = stmt(st, S_LINK_DEL)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bint(s, ":uid", user->id)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "link remove", err);
		goto out;
	}
	if ((s = stmt(st, S_TOK_REVOKE_USER)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bint(s, ":uid", user->id)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "token revoke", err);
		goto out;
	}
	*revoked = sqlite3_changes64(st->db);
	if ((s = stmt(st, S_CODE_DEL_USER)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bint(s, ":uid", user->id)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "code remove", err);
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_check(struct jta_store *st, char *what, size_t whatsz)
{
	static const enum sid q[] = { S_INTEGRITY, S_FTS_CHECK };
	static const char *const name[] = { "integrity_check",
	    "FTS integrity-check" };
	sqlite3_stmt	*s;
	size_t		 i;
	int		 rc;

	for (i = 0; i < 2; i++) {
		if ((s = stmt(st, q[i])) == NULL) {
			snprintf(what, whatsz, "%s: %.200s", name[i],
			    sqlite3_errmsg(st->db));
			return JTA_ERR_DB;
		}
		rc = sqlite3_step(s);
		if (i == 0 && rc == SQLITE_ROW &&
		    strcmp(col(s, 0), "ok") != 0) {
			snprintf(what, whatsz, "%s: %.200s", name[i],
			    col(s, 0));
			sqlite3_reset(s);
			return JTA_ERR_DB;
		}
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			snprintf(what, whatsz, "%s: %.200s", name[i],
			    sqlite3_errmsg(st->db));
			sqlite3_reset(s);
			return JTA_ERR_DB;
		}
		sqlite3_reset(s);
	}
	snprintf(what, whatsz, "ok");
	return JTA_OK;
}

/* ---- usage and quotas (schema 9) ---- */

/*
 * The counts live in a database file of their own, DATABASE.usage,
 * attached as "usage" by the connections that count or read them.  Why:
 * SQLite drops a connection's whole page cache when another connection
 * wrote to the file, so a count per request in the main file would make
 * every worker re-read every page of every request (measured: 11 more
 * pread calls and +150 us per GET of a ticket).  Counting in the other
 * file leaves the main file's caches warm.  Keyed person first, then day,
 * so a person's period is one index range; sites have their own index.
 */
static const char usage_schema[] =
	"PRAGMA usage.journal_mode = WAL;"
	"CREATE TABLE IF NOT EXISTS usage.usage_daily ("
	" user_id INTEGER NOT NULL,"
	" day TEXT NOT NULL,"
	" site TEXT NOT NULL,"
	" calls INTEGER NOT NULL DEFAULT 0,"
	" creates INTEGER NOT NULL DEFAULT 0,"
	" updates INTEGER NOT NULL DEFAULT 0,"
	" conversations INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (user_id, day, site)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS usage.usage_daily_site ON"
	" usage_daily(site, day);"
	"CREATE INDEX IF NOT EXISTS usage.usage_daily_day ON usage_daily(day);"
	"CREATE TABLE IF NOT EXISTS usage.usage_seen ("
	" user_id INTEGER PRIMARY KEY,"
	" last_seen INTEGER NOT NULL);";

/* Attach DATABASE.usage (made 0600 when missing) as "usage" with its
 * tables, once per connection. */
static enum jta_err
usage_attach(struct jta_store *st, struct jta_error *err)
{
	sqlite3_stmt	*s = NULL;
	char		 path[sizeof(st->path) + 8], *emsg = NULL;
	int		 fd, rc, n;

	if (st->usage_attached)
		return JTA_OK;
	n = snprintf(path, sizeof(path), "%s.usage", st->path);
	if (n < 0 || (size_t)n >= sizeof(path))
		return jta_error_set(err, JTA_ERR_CONFIG, 500, NULL,
		    "the database path is too long");
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		jta_errorlog("store: cannot open %s: %s", path,
		    strerror(errno));
		return jta_error_set(err, JTA_ERR_IO, 500, NULL,
		    "the usage store failed; the server log has details");
	}
	close(fd);
	if ((rc = sqlite3_prepare_v2(st->db, "ATTACH DATABASE :path AS usage",
	    -1, &s, NULL)) != SQLITE_OK ||
	    (rc = btext(s, ":path", path)) != SQLITE_OK ||
	    (rc = sqlite3_step(s)) != SQLITE_DONE) {
		sqlite3_finalize(s);
		return dberr(st, rc, "usage attach", err);
	}
	sqlite3_finalize(s);
	if (sqlite3_exec(st->db, usage_schema, NULL, NULL, &emsg) !=
	    SQLITE_OK ||
	    (st->usage_busy_ms > 0 && sqlite3_exec(st->db,
	    "PRAGMA usage.synchronous = NORMAL", NULL, NULL, &emsg) !=
	    SQLITE_OK)) {
		jta_errorlog("store: usage schema of %s: %s", path,
		    emsg != NULL ? emsg : "?");
		sqlite3_free(emsg);
		(void)sqlite3_exec(st->db, "DETACH DATABASE usage", NULL, NULL,
		    NULL);
		return jta_error_set(err, JTA_ERR_DB, 503, NULL,
		    "the usage store failed; the server log has details");
	}
	st->usage_attached = 1;
	return JTA_OK;
}

void
jta_store_usage_period(int64_t now, struct jta_store_period *out)
{
	struct tm	 tm;
	time_t		 t = (time_t)now;
	int		 y, m;

	memset(out, 0, sizeof(*out));
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	snprintf(out->day, sizeof(out->day), "%04u-%02u-%02u",
	    (unsigned)y % 10000u, (unsigned)m % 100u,
	    (unsigned)tm.tm_mday % 100u);
	snprintf(out->month, sizeof(out->month), "%04u-%02u-01",
	    (unsigned)y % 10000u, (unsigned)m % 100u);
	out->day_end = now - (int64_t)tm.tm_hour * 3600 -
	    (int64_t)tm.tm_min * 60 - tm.tm_sec + 86400;
	/* The next month's first day: days since the epoch by the civil
	 * calendar (Howard Hinnant's days_from_civil). */
	if (++m > 12) {
		m = 1;
		y++;
	}
	{
		int64_t	 yy = m <= 2 ? y - 1 : y;
		int64_t	 era = (yy >= 0 ? yy : yy - 399) / 400;
		int64_t	 yoe = yy - era * 400;
		int64_t	 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5;
		int64_t	 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		out->month_end = (era * 146097 + doe - 719468) * 86400;
	}
}

/*
 * The counting connection's busy handler.  SQLite's own (busy_timeout)
 * sleeps 1, 2, 5, 10 ... ms between tries, far longer than a count holds
 * the write lock (tens of microseconds), so workers counting at once
 * would wait milliseconds for nothing.  This one tries again after 50 us
 * for the first 2000 tries (about 0.1 s), then every millisecond, and
 * gives up after the configured busy_timeout_ms like SQLite's.
 */
static int
usagebusy(void *arg, int n)
{
	const int	*timeout_ms = arg;
	struct timespec	 ts;
	int64_t		 waited_us;

	waited_us = n < 2000 ? (int64_t)n * 50 :
	    100000 + (int64_t)(n - 2000) * 1000;
	if (waited_us >= (int64_t)*timeout_ms * 1000)
		return 0;
	ts.tv_sec = 0;
	ts.tv_nsec = n < 2000 ? 50000 : 1000000;
	nanosleep(&ts, NULL);
	return 1;
}

enum jta_err
jta_store_usage_connection(struct jta_store *st, int busy_timeout_ms)
{
	st->usage_busy_ms = busy_timeout_ms > 0 ? busy_timeout_ms : 1;
	if (sqlite3_busy_handler(st->db, usagebusy, &st->usage_busy_ms) !=
	    SQLITE_OK)
		return dberr(st, SQLITE_ERROR, "busy handler", NULL);
	/* Attached now, with synchronous = NORMAL for the usage file. */
	return usage_attach(st, NULL);
}

enum jta_err
jta_store_usage_count(struct jta_store *st, int64_t user_id,
    const char *site, int64_t now, int creates, int updates,
    struct jta_error *err)
{
	struct jta_store_period p;
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	jta_store_usage_period(now, &p);
	if ((ret = usage_attach(st, err)) != JTA_OK)
		return ret;
	/* A deferred BEGIN: the first upsert takes the usage file's write
	 * lock (and reads usage_seen under it); BEGIN IMMEDIATE would take
	 * the main file's too. */
	if ((s = stmt(st, S_USAGE_BEGIN)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "begin", err);
	if ((s = stmt(st, S_USAGE_DAILY)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = btext(s, ":day", p.day)) != SQLITE_OK ||
	    (rc = btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = bint(s, ":cr", creates != 0)) != SQLITE_OK ||
	    (rc = bint(s, ":up", updates != 0)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = bint(s, ":gap", JTA_STORE_CONVERSATION_GAP)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "usage count", err);
		goto out;
	}
	if ((s = stmt(st, S_USAGE_SEEN)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "usage seen", err);
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

static enum jta_err
quotarows(struct jta_store *st, sqlite3_stmt *s, struct jta_store_quota *q,
    size_t max, size_t *n, struct jta_error *err)
{
	struct jta_store_quota *r;
	int		 rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n >= max) {
			sqlite3_reset(s);
			return jta_error_set(err, JTA_ERR_INTERNAL, 500, NULL,
			    "more quotas than a worker reads");
		}
		r = &q[(*n)++];
		snprintf(r->scope, sizeof(r->scope), "%s", col(s, 0));
		snprintf(r->subject, sizeof(r->subject), "%s", col(s, 1));
		snprintf(r->metric, sizeof(r->metric), "%s", col(s, 2));
		snprintf(r->per, sizeof(r->per), "%s", col(s, 3));
		r->limit = sqlite3_column_int64(s, 4);
		r->used = sqlite3_column_int64(s, 5);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? JTA_OK : dberr(st, rc, "quota read", err);
}

enum jta_err
jta_store_usage_quotas(struct jta_store *st, int64_t user_id,
    const char *name, const char *site, const struct jta_store_period *p,
    struct jta_store_quota *q, size_t max, size_t *n,
    struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int		 rc;

	*n = 0;
	if ((ret = usage_attach(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_QUOTA_PERSON)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = bint(s, ":uid", user_id)) != SQLITE_OK ||
	    (rc = btext(s, ":name", name)) != SQLITE_OK ||
	    (rc = btext(s, ":day", p->day)) != SQLITE_OK ||
	    (rc = btext(s, ":month", p->month)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	if ((ret = quotarows(st, s, q, max, n, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, S_QUOTA_SITE)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":site", site)) != SQLITE_OK ||
	    (rc = btext(s, ":day", p->day)) != SQLITE_OK ||
	    (rc = btext(s, ":month", p->month)) != SQLITE_OK)
		return dberr(st, rc, "bind", err);
	return quotarows(st, s, q, max, n, err);
}

enum jta_err
jta_store_quota_set(struct jta_store *st, const struct jta_store_quota *q,
    int64_t now, const char *by, struct jta_error *err)
{
	enum jta_err	 ret;
	sqlite3_stmt	*s;
	int64_t		 others = 0;
	int		 rc;

	if ((ret = begin(st, err)) != JTA_OK)
		return ret;
	/* Counted inside the write transaction: two operators adding at
	 * once cannot pass the bound together. */
	if ((s = stmt(st, S_QUOTA_COUNT)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = btext(s, ":scope", q->scope)) != SQLITE_OK ||
	    (rc = btext(s, ":subject", q->subject)) != SQLITE_OK ||
	    (rc = btext(s, ":metric", q->metric)) != SQLITE_OK ||
	    (rc = btext(s, ":per", q->per)) != SQLITE_OK) {
		ret = dberr(st, rc, "bind", err);
		goto out;
	}
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		others = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		ret = dberr(st, rc, "quota count", err);
		goto out;
	}
	if (others >= JTA_LIMIT_QUOTAS) {
		ret = jta_error_set(err, JTA_ERR_INPUT, 422, "quota",
		    "there are %d quotas already; remove one first",
		    JTA_LIMIT_QUOTAS);
		goto out;
	}
	if ((s = stmt(st, S_QUOTA_SET)) == NULL) {
		ret = dberr(st, SQLITE_ERROR, "prepare", err);
		goto out;
	}
	if ((rc = btext(s, ":scope", q->scope)) != SQLITE_OK ||
	    (rc = btext(s, ":subject", q->subject)) != SQLITE_OK ||
	    (rc = btext(s, ":metric", q->metric)) != SQLITE_OK ||
	    (rc = btext(s, ":per", q->per)) != SQLITE_OK ||
	    (rc = bint(s, ":lim", q->limit)) != SQLITE_OK ||
	    (rc = bint(s, ":now", now)) != SQLITE_OK ||
	    (rc = btext(s, ":by", by)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK) {
		ret = dberr(st, rc, "quota set", err);
		goto out;
	}
	ret = commit(st, err);
out:
	if (ret != JTA_OK)
		rollback(st);
	return ret;
}

enum jta_err
jta_store_quota_remove(struct jta_store *st, const char *scope,
    const char *subject, const char *metric, const char *per,
    struct jta_error *err)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = stmt(st, S_QUOTA_DEL)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":scope", scope)) != SQLITE_OK ||
	    (rc = btext(s, ":subject", subject)) != SQLITE_OK ||
	    (rc = btext(s, ":metric", metric)) != SQLITE_OK ||
	    (rc = btext(s, ":per", per)) != SQLITE_OK ||
	    (rc = run(s)) != SQLITE_OK)
		return dberr(st, rc, "quota remove", err);
	if (sqlite3_changes(st->db) == 0)
		return jta_error_set(err, JTA_ERR_NOTFOUND, 404, "quota",
		    "there is no such quota (see 'quota list')");
	return JTA_OK;
}

enum jta_err
jta_store_quota_list(struct jta_store *st, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *o;
	int		 rc;

	*out = NULL;
	if ((s = stmt(st, S_QUOTA_LIST)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((arr = json_array()) == NULL) {
		ret = JTA_ERR_NOMEM;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:s}",
		    "scope", col(s, 0), "subject", col(s, 1), "metric",
		    col(s, 2), "per", col(s, 3), "limit",
		    (json_int_t)sqlite3_column_int64(s, 4), "created",
		    timejs(sqlite3_column_int64(s, 5)), "created_by",
		    col(s, 6))) == NULL || json_array_append_new(arr, o) != 0) {
			ret = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = dberr(st, rc, "quota list", err);
		goto out;
	}
	*out = arr;
	arr = NULL;
out:
	sqlite3_reset(s);
	json_decref(arr);
	return ret;
}

/* Rows of a usage statement (key, calls, creates, updates,
 * conversations) bound with :from and :to (and :lim when lim > 0) into
 * a new array of objects whose key member is named keyname. */
static enum jta_err
usagerows(struct jta_store *st, enum sid id, const char *keyname,
    const char *from, const char *to, int64_t lim, json_t **out,
    struct jta_error *err)
{
	enum jta_err	 ret = JTA_OK;
	sqlite3_stmt	*s;
	json_t		*arr = NULL, *o;
	size_t		 n = 0;
	int		 rc;

	*out = NULL;
	if ((ret = usage_attach(st, err)) != JTA_OK)
		return ret;
	if ((s = stmt(st, id)) == NULL)
		return dberr(st, SQLITE_ERROR, "prepare", err);
	if ((rc = btext(s, ":from", from)) != SQLITE_OK ||
	    (rc = btext(s, ":to", to)) != SQLITE_OK ||
	    (lim > 0 && (rc = bint(s, ":lim", lim)) != SQLITE_OK))
		return dberr(st, rc, "bind", err);
	if ((arr = json_array()) == NULL) {
		ret = JTA_ERR_NOMEM;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (++n > JTA_LIMIT_USAGE_ROWS) {
			ret = jta_error_set(err, JTA_ERR_INPUT, 422, "from",
			    "more than %d rows; ask for fewer days",
			    JTA_LIMIT_USAGE_ROWS);
			goto out;
		}
		if ((o = json_pack("{s:s, s:I, s:I, s:I, s:I}", keyname,
		    col(s, 0), "calls", (json_int_t)sqlite3_column_int64(s, 1),
		    "creates", (json_int_t)sqlite3_column_int64(s, 2),
		    "updates", (json_int_t)sqlite3_column_int64(s, 3),
		    "conversations",
		    (json_int_t)sqlite3_column_int64(s, 4))) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			ret = JTA_ERR_NOMEM;
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = dberr(st, rc, "usage read", err);
		goto out;
	}
	*out = arr;
	arr = NULL;
out:
	sqlite3_reset(s);
	json_decref(arr);
	return ret;
}

enum jta_err
jta_store_usage_report(struct jta_store *st, const char *by,
    const char *from, const char *to, json_t **out, struct jta_error *err)
{
	if (strcmp(by, "person") == 0)
		return usagerows(st, S_USAGE_BY_PERSON, "person", from, to, 0,
		    out, err);
	if (strcmp(by, "day") == 0)
		return usagerows(st, S_USAGE_BY_DAY, "day", from, to, 0, out,
		    err);
	if (strcmp(by, "site") == 0)
		return usagerows(st, S_USAGE_BY_SITE, "site", from, to, 0, out,
		    err);
	*out = NULL;
	return jta_error_set(err, JTA_ERR_INPUT, 400, "by",
	    "by is one of person, day, site");
}

const char *
jta_store_usage_level(int64_t percent)
{
	if (percent >= 100)
		return "over";
	if (percent >= 90)
		return "high";
	if (percent >= 70)
		return "warn";
	return "ok";
}

/* Append one quota line of the summary. */
static int
sumquota(json_t *arr, const char *scope, const char *subject,
    const char *metric, const char *per, int64_t limit, int64_t used,
    int64_t resets)
{
	int64_t	 pct;
	json_t	*o;

	pct = limit > 0 ? (used >= INT64_MAX / 100 ? INT64_MAX / limit :
	    used * 100 / limit) : 100;
	if ((o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:o}",
	    "scope", scope, "subject", subject, "metric", metric, "per", per,
	    "limit", (json_int_t)limit, "used", (json_int_t)used, "percent",
	    (json_int_t)pct, "level", jta_store_usage_level(pct), "resets",
	    timejs(resets))) == NULL)
		return -1;
	return json_array_append_new(arr, o);
}

/* The metric's count in a usage row (0 when the row is NULL). */
static int64_t
metricof(const json_t *row, const char *metric)
{
	return row == NULL ? 0 :
	    (int64_t)json_integer_value(json_object_get(row, metric));
}

/* The row of rows whose member key is value, or NULL. */
static const json_t *
rowof(const json_t *rows, const char *key, const char *value)
{
	const json_t	*r;
	size_t		 i;

	json_array_foreach(rows, i, r)
		if (strcmp(json_string_value(json_object_get(r, key)) ?
		    json_string_value(json_object_get(r, key)) : "",
		    value) == 0)
			return r;
	return NULL;
}

enum jta_err
jta_store_usage_summary(struct jta_store *st, int64_t now, json_t **out)
{
	struct jta_store_period p;
	struct jta_error err;
	enum jta_err	 ret;
	json_t		*o = NULL, *quotas = NULL, *rows[2][2] = { { NULL } };
	json_t		*top = NULL, *tot[2] = { NULL, NULL }, *q, *r;
	const char	*scope, *subject, *metric, *per, *key;
	size_t		 i, j;
	int		 m, sc;

	*out = NULL;
	memset(&err, 0, sizeof(err));
	jta_store_usage_period(now, &p);
	/* rows[day=0|month=1][person=0|site=1] */
	for (m = 0; m < 2; m++) {
		if ((ret = usagerows(st, S_USAGE_BY_PERSON, "person",
		    m ? p.month : p.day, p.day, 0, &rows[m][0], &err)) !=
		    JTA_OK ||
		    (ret = usagerows(st, S_USAGE_BY_SITE, "site",
		    m ? p.month : p.day, p.day, 0, &rows[m][1], &err)) !=
		    JTA_OK ||
		    (ret = usagerows(st, S_USAGE_TOTAL, "total",
		    m ? p.month : p.day, p.day, 0, &tot[m], &err)) != JTA_OK)
			goto out;
	}
	if ((ret = usagerows(st, S_USAGE_TOP, "user", p.day, p.day, 10, &top,
	    &err)) != JTA_OK ||
	    (ret = jta_store_quota_list(st, &quotas, &err)) != JTA_OK)
		goto out;
	if ((o = json_pack("{s:{s:s, s:s}, s:[], s:O}", "period", "day",
	    p.day, "month", p.month, "quotas", "top_users", top)) == NULL) {
		ret = JTA_ERR_NOMEM;
		goto out;
	}
	ret = JTA_ERR_NOMEM;
	json_array_foreach(quotas, i, q) {
		scope = json_string_value(json_object_get(q, "scope"));
		subject = json_string_value(json_object_get(q, "subject"));
		metric = json_string_value(json_object_get(q, "metric"));
		per = json_string_value(json_object_get(q, "per"));
		if (scope == NULL || subject == NULL || metric == NULL ||
		    per == NULL)
			goto out;
		m = strcmp(per, "month") == 0;
		sc = strcmp(scope, "site") == 0;
		key = sc ? "site" : "person";
		if (strcmp(subject, "*") != 0) {
			if (sumquota(json_object_get(o, "quotas"), scope,
			    subject, metric, per, (int64_t)json_integer_value(
			    json_object_get(q, "limit")), metricof(rowof(
			    rows[m][sc], key, subject), metric),
			    m ? p.month_end : p.day_end) != 0)
				goto out;
			continue;
		}
		/* A default: everyone with usage and no quota of their
		 * own of this metric and period. */
		json_array_foreach(rows[m][sc], j, r) {
			const char	*who = json_string_value(
			    json_object_get(r, key));
			const json_t	*q2;
			size_t		 k;
			int		 own = 0;

			if (who == NULL)
				goto out;
			json_array_foreach(quotas, k, q2)
				if (strcmp(json_string_value(json_object_get(
				    q2, "scope")), scope) == 0 && strcmp(
				    json_string_value(json_object_get(q2,
				    "subject")), who) == 0 && strcmp(
				    json_string_value(json_object_get(q2,
				    "metric")), metric) == 0 && strcmp(
				    json_string_value(json_object_get(q2,
				    "per")), per) == 0)
					own = 1;
			if (!own && sumquota(json_object_get(o, "quotas"),
			    scope, who, metric, per, (int64_t)
			    json_integer_value(json_object_get(q, "limit")),
			    metricof(r, metric), m ? p.month_end :
			    p.day_end) != 0)
				goto out;
		}
	}
	for (m = 0; m < 2; m++) {
		r = json_array_get(tot[m], 0);
		if (r == NULL || json_object_del(r, "total") != 0)
			goto out;
	}
	if (json_object_set_new(o, "totals", json_pack("{s:O, s:O}", "day",
	    json_array_get(tot[0], 0), "month", json_array_get(tot[1], 0))) !=
	    0)
		goto out;
	*out = o;
	o = NULL;
	ret = JTA_OK;
out:
	for (m = 0; m < 2; m++) {
		json_decref(rows[m][0]);
		json_decref(rows[m][1]);
		json_decref(tot[m]);
	}
	json_decref(top);
	json_decref(quotas);
	json_decref(o);
	return ret;
}
