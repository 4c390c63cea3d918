/*
 * The schema of the SQLite engine: each step of jta_db_migrations takes
 * version N-1 to N (PRAGMA user_version), and jta_db_usage_schema makes the
 * tables of the usage file (jta_store_usage.h).  Only jta_db.c runs them.
 */
#include "config.h"

#include "jta_db_sqlite.h"

const char *const jta_db_migrations[JTA_STORE_VERSION] = {
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
	/* 10: MCP clients' authorization (issue 14, item 4).  Clients may
	 * be public (RFC 7591 token_endpoint_auth_method "none": no secret,
	 * PKCE required) and say how they came: added by an operator, or
	 * registered through RFC 7591 (with the address that registered,
	 * for the per-address rate).  A code and its token family are bound
	 * to one audience (RFC 8707 resource): 'api' (public_url) or 'mcp'
	 * (public_url/mcp); rows from before are the API's. */
	"ALTER TABLE oauth_clients ADD COLUMN public INTEGER NOT NULL"
	" DEFAULT 0 CHECK (public IN (0, 1));"
	"ALTER TABLE oauth_clients ADD COLUMN origin TEXT NOT NULL"
	" DEFAULT 'admin' CHECK (origin IN ('admin', 'registered'));"
	"ALTER TABLE oauth_clients ADD COLUMN address TEXT"
	" CHECK (address IS NULL OR length(address) <= 64);"
	"CREATE INDEX oauth_clients_origin ON oauth_clients(origin, address,"
	" created);"
	"ALTER TABLE oauth_codes ADD COLUMN audience TEXT NOT NULL"
	" DEFAULT 'api' CHECK (audience IN ('api', 'mcp'));"
	"ALTER TABLE oauth_tokens ADD COLUMN audience TEXT NOT NULL"
	" DEFAULT 'api' CHECK (audience IN ('api', 'mcp'));"
	/* Client ID Metadata Documents fetched, as checked, until expires
	 * (HTTP caching, bounded). */
	"CREATE TABLE oauth_client_documents ("
	" url TEXT PRIMARY KEY CHECK (length(url) <= 512),"
	" name TEXT NOT NULL CHECK (length(name) <= 128),"
	" redirect_uris TEXT NOT NULL CHECK (json_valid(redirect_uris)),"
	" fetched INTEGER NOT NULL,"
	" expires INTEGER NOT NULL);",
	/* 11: the knowledge base (jta_store_kb.h): articles operators
	 * import (jta-admin kb import), searched by GET /api/knowledge.
	 * Two FTS5 indexes over the same title and body, kept current by
	 * triggers: kb_fts with unicode61 remove_diacritics 2 for
	 * languages that separate words with spaces (German, French,
	 * Spanish, English: "café" matches "cafe", case folded), and
	 * kb_tri with the trigram tokenizer for scripts without spaces
	 * (Japanese, Chinese), where unicode61 would make one token of a
	 * whole sentence.  url: the page a person opens ('' when the
	 * operator gave none).  audience: who may be shown the article;
	 * 'everyone' is the only value imported articles have. */
	"CREATE TABLE kb_articles ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 255),"
	" body TEXT NOT NULL,"
	" source TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 1024),"
	" url TEXT NOT NULL DEFAULT '' CHECK (length(url) <= 2048),"
	" space TEXT NOT NULL DEFAULT '' CHECK (length(space) <= 64),"
	" updated INTEGER NOT NULL,"
	" audience TEXT NOT NULL DEFAULT 'everyone'"
	" CHECK (audience IN ('everyone')),"
	" UNIQUE (source));"
	"CREATE INDEX kb_articles_space ON kb_articles(space);"
	"CREATE VIRTUAL TABLE kb_fts USING fts5(title, body,"
	" content='kb_articles', content_rowid='id',"
	" tokenize='unicode61 remove_diacritics 2');"
	"CREATE VIRTUAL TABLE kb_tri USING fts5(title, body,"
	" content='kb_articles', content_rowid='id', tokenize='trigram');"
	"CREATE TRIGGER kb_articles_ai AFTER INSERT ON kb_articles BEGIN"
	" INSERT INTO kb_fts(rowid, title, body)"
	" VALUES (new.id, new.title, new.body);"
	" INSERT INTO kb_tri(rowid, title, body)"
	" VALUES (new.id, new.title, new.body); END;"
	"CREATE TRIGGER kb_articles_ad AFTER DELETE ON kb_articles BEGIN"
	" INSERT INTO kb_fts(kb_fts, rowid, title, body)"
	" VALUES ('delete', old.id, old.title, old.body);"
	" INSERT INTO kb_tri(kb_tri, rowid, title, body)"
	" VALUES ('delete', old.id, old.title, old.body); END;"
	"CREATE TRIGGER kb_articles_au AFTER UPDATE ON kb_articles BEGIN"
	" INSERT INTO kb_fts(kb_fts, rowid, title, body)"
	" VALUES ('delete', old.id, old.title, old.body);"
	" INSERT INTO kb_tri(kb_tri, rowid, title, body)"
	" VALUES ('delete', old.id, old.title, old.body);"
	" INSERT INTO kb_fts(rowid, title, body)"
	" VALUES (new.id, new.title, new.body);"
	" INSERT INTO kb_tri(rowid, title, body)"
	" VALUES (new.id, new.title, new.body); END;"
	/* Answered from knowledge: one row each time a person said an
	 * article helped (POST /api/knowledge/{id}/helped), the deflection
	 * figure operators read next to the tickets created. */
	"CREATE TABLE kb_answers ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" day TEXT NOT NULL CHECK (length(day) = 10),"
	" user_id INTEGER NOT NULL,"
	" article TEXT NOT NULL CHECK (length(article) BETWEEN 1 AND 64));"
	"CREATE INDEX kb_answers_day ON kb_answers(day);",
	/* 12: knowledge sync (jta_store_kb.h "declared spaces"): the
	 * Confluence spaces operators declared public to everyone who uses
	 * this service on one Atlassian site (jta-admin kb space add), each
	 * synced as the linked person user_id; site: the cloud id of that
	 * person's link, the audience of the space's synced articles.
	 * synced: last whole sync (Unix time, 0 never), tried: last
	 * attempt, error: why the last attempt failed ('' when it did
	 * not).  On kb_articles, synced names the declared space an article
	 * came from ('' for imported ones) and site who may see it ('' for
	 * everyone, else only people linked to that site). */
	"CREATE TABLE kb_spaces ("
	" key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),"
	" user_id INTEGER NOT NULL,"
	" site TEXT NOT NULL CHECK (length(site) BETWEEN 1 AND 128),"
	" added INTEGER NOT NULL,"
	" synced INTEGER NOT NULL DEFAULT 0,"
	" tried INTEGER NOT NULL DEFAULT 0,"
	" articles INTEGER NOT NULL DEFAULT 0,"
	" error TEXT NOT NULL DEFAULT '' CHECK (length(error) <= 512));"
	"ALTER TABLE kb_articles ADD COLUMN synced TEXT NOT NULL DEFAULT ''"
	" CHECK (length(synced) <= 64);"
	"ALTER TABLE kb_articles ADD COLUMN site TEXT NOT NULL DEFAULT ''"
	" CHECK (length(site) <= 128);"
	"CREATE INDEX kb_articles_synced ON kb_articles(synced);"
	/* ... and (issue 13 item 5, the same step) similar tickets across
	 * languages: ticket_fts (unicode61 remove_diacritics 2, schema 2)
	 * already folds case and accents for German, French and Spanish;
	 * ticket_tri adds the trigram tokenizer over the same columns for
	 * scripts written without spaces (Japanese, Chinese), where
	 * unicode61 makes one token of a whole sentence, as kb_tri does
	 * for articles.  Filled from the tickets there, kept current by
	 * triggers like ticket_fts's. */
	"CREATE VIRTUAL TABLE ticket_tri USING fts5(summary, description,"
	" comments, tokenize = 'trigram');"
	"INSERT INTO ticket_tri(rowid, summary, description, comments)"
	" SELECT rowid, summary, description, comments FROM ticket_fts;"
	"CREATE TRIGGER tickets_tri_insert AFTER INSERT ON tickets BEGIN"
	" INSERT INTO ticket_tri(rowid, summary, description, comments)"
	" VALUES (new.id, new.summary, new.description, ''); END;"
	"CREATE TRIGGER tickets_tri_update AFTER UPDATE OF summary, description"
	" ON tickets BEGIN UPDATE ticket_tri SET summary = new.summary,"
	" description = new.description WHERE rowid = new.id; END;"
	"CREATE TRIGGER tickets_tri_delete AFTER DELETE ON tickets BEGIN"
	" DELETE FROM ticket_tri WHERE rowid = old.id; END;"
	"CREATE TRIGGER comments_tri_insert AFTER INSERT ON comments BEGIN"
	" UPDATE ticket_tri SET comments = comments || ' ' || new.body"
	" WHERE rowid = new.ticket_id; END;",
	/* 13: Jira Service Management in the embedded store (issue 12):
	 * request types per project (fields: the local fields a request
	 * of the type asks for, a comma list) and which tickets were
	 * raised as requests of which type. */
	"CREATE TABLE request_types ("
	" id INTEGER PRIMARY KEY,"
	" project_id INTEGER NOT NULL REFERENCES projects(id),"
	" name TEXT NOT NULL COLLATE NOCASE CHECK (length(name) <= 64),"
	" description TEXT NOT NULL DEFAULT ''"
	" CHECK (length(description) <= 1000),"
	" help_text TEXT NOT NULL DEFAULT '' CHECK (length(help_text) <= 1000),"
	" fields TEXT NOT NULL DEFAULT '' CHECK (length(fields) <= 200),"
	" created INTEGER NOT NULL,"
	" UNIQUE (project_id, name));"
	"CREATE TABLE ticket_request_types ("
	" ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),"
	" request_type_id INTEGER NOT NULL REFERENCES request_types(id));"
	"CREATE INDEX ticket_request_types_type ON"
	" ticket_request_types(request_type_id);",
	/* 14: registered MCP clients expire (README "MCP clients:
	 * authorization", oauth_registered_client_idle_days): last_used is
	 * when a code was last issued or a token refreshed for the client
	 * (Unix time, written at most once an hour; 0: never, then created
	 * counts), so idle registered clients can be pruned. */
	("ALTER TABLE oauth_clients ADD COLUMN last_used INTEGER NOT NULL"
	" DEFAULT 0;"),
	/* 15: the Jira metadata cache (issue 16, README "Jira metadata
	 * cache", jta_store_meta.h): what Jira said about a site's create
	 * screens, projects, priorities, service desks and request types,
	 * per site (cloud id), kind and key, with when it was fetched. */
	"CREATE TABLE jira_meta ("
	" site TEXT NOT NULL CHECK (length(site) <= 256),"
	" kind TEXT NOT NULL CHECK (length(kind) <= 256),"
	" key TEXT NOT NULL CHECK (length(key) <= 256),"
	" value TEXT NOT NULL CHECK (json_valid(value)),"
	" fetched INTEGER NOT NULL,"
	" PRIMARY KEY (site, kind, key)) WITHOUT ROWID;",
	/* 16: our own agent's conversations (issue 15, README "Chat: our
	 * own agent"; jta_store_chat.h): one person's messages as the
	 * model saw them (a JSON array, bounded: the oldest turns are
	 * dropped before it is stored), until expires. */
	"CREATE TABLE chat_conversations ("
	" id TEXT PRIMARY KEY CHECK (length(id) <= 64),"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" messages TEXT NOT NULL CHECK (json_valid(messages) AND"
	" length(messages) <= 262144),"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" expires INTEGER NOT NULL);"
	"CREATE INDEX chat_conversations_expires ON"
	" chat_conversations(expires);"
	/* ... and its pending actions: a consequential tool call the
	 * model asked for, kept for the person's confirm (single use, the
	 * person's only, until expires). */
	"CREATE TABLE chat_actions ("
	" id TEXT PRIMARY KEY CHECK (length(id) <= 64),"
	" user_id INTEGER NOT NULL REFERENCES users(id),"
	" conversation TEXT NOT NULL CHECK (length(conversation) <= 64),"
	" tool TEXT NOT NULL CHECK (length(tool) <= 64),"
	" args TEXT NOT NULL CHECK (json_valid(args) AND"
	" length(args) <= 70000),"
	" created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL);"
	"CREATE INDEX chat_actions_expires ON chat_actions(expires);",
	/* 17: the model's tokens as quota metrics (issue 15, item 6: our
	 * own agent's prompt and completion tokens, counted in the usage
	 * file's usage_daily, see usage_attach).  SQLite cannot change a
	 * CHECK: the quotas table is made anew with the two metrics and
	 * its rows copied (ids and the AUTOINCREMENT sequence kept). */
	"CREATE TABLE quotas_new ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" scope TEXT NOT NULL CHECK (scope IN ('person', 'site')),"
	" subject TEXT NOT NULL,"
	" metric TEXT NOT NULL CHECK (metric IN ('calls', 'creates',"
	" 'updates', 'conversations', 'prompt_tokens',"
	" 'completion_tokens')),"
	" per TEXT NOT NULL CHECK (per IN ('day', 'month')),"
	" lim INTEGER NOT NULL CHECK (lim >= 0),"
	" created INTEGER NOT NULL,"
	" created_by TEXT NOT NULL DEFAULT '',"
	" UNIQUE (scope, subject, metric, per));"
	"INSERT INTO quotas_new (id, scope, subject, metric, per, lim,"
	" created, created_by) SELECT id, scope, subject, metric, per, lim,"
	" created, created_by FROM quotas;"
	"DROP TABLE quotas;"
	"ALTER TABLE quotas_new RENAME TO quotas;",
	/* 18: files handed to a draft (issue 18, README "Attachments",
	 * jta_store_drafts.h "draft attachments"): one row per file kept
	 * for draft_id (no foreign key: a discarded or expired draft's
	 * rows are collected with their files, jta_store_draft_file_gc),
	 * the cleaned name, the checked type, the size in bytes, where
	 * it is kept (a file of its own, mode 0600, under the state
	 * directory), its SHA-256 (hex) and whether the submit uploaded
	 * it (exactly once: never uploaded again once set). */
	"CREATE TABLE draft_attachments ("
	" id INTEGER PRIMARY KEY,"
	" draft_id TEXT NOT NULL CHECK (length(draft_id) <= 64),"
	" name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),"
	" type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 95),"
	" size INTEGER NOT NULL CHECK (size >= 0),"
	" path TEXT NOT NULL CHECK (length(path) BETWEEN 1 AND 4095),"
	" sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
	" uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded IN (0, 1)),"
	" created INTEGER NOT NULL,"
	" UNIQUE (draft_id, name));",
	/* 19: files on the embedded store's tickets (issue 18, README
	 * "Attachments: the embedded store", jta_store_drafts.h "ticket
	 * attachments"): one row per file a submit put on ticket_id, the
	 * cleaned name, the checked type, the size in bytes, where it is
	 * kept (a file of its own, mode 0600, under the state directory),
	 * its SHA-256 (hex), who attached it and when.  Written in the
	 * transaction that marks the draft's file uploaded (exactly
	 * once). */
	"CREATE TABLE ticket_attachments ("
	" id INTEGER PRIMARY KEY,"
	" ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
	" name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),"
	" type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 95),"
	" size INTEGER NOT NULL CHECK (size >= 0),"
	" path TEXT NOT NULL UNIQUE CHECK (length(path) BETWEEN 1 AND 4095),"
	" sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
	" author TEXT NOT NULL CHECK (length(author) <= 255),"
	" created INTEGER NOT NULL);"
	"CREATE INDEX ticket_attachments_ticket ON"
	" ticket_attachments(ticket_id, id);",
	/* 20 (issue 18): files and their bytes as quota metrics
	 * (issue 18 item 5, README "Usage and quotas": the files kept with
	 * a draft, counted in the usage file's usage_daily, see
	 * usage_attach).  As step 17: the quotas table is made anew with
	 * the two metrics and its rows copied (ids and the AUTOINCREMENT
	 * sequence kept). */
	"CREATE TABLE quotas_new ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" scope TEXT NOT NULL CHECK (scope IN ('person', 'site')),"
	" subject TEXT NOT NULL,"
	" metric TEXT NOT NULL CHECK (metric IN ('calls', 'creates',"
	" 'updates', 'conversations', 'prompt_tokens',"
	" 'completion_tokens', 'files', 'file_bytes')),"
	" per TEXT NOT NULL CHECK (per IN ('day', 'month')),"
	" lim INTEGER NOT NULL CHECK (lim >= 0),"
	" created INTEGER NOT NULL,"
	" created_by TEXT NOT NULL DEFAULT '',"
	" UNIQUE (scope, subject, metric, per));"
	"INSERT INTO quotas_new (id, scope, subject, metric, per, lim,"
	" created, created_by) SELECT id, scope, subject, metric, per, lim,"
	" created, created_by FROM quotas;"
	"DROP TABLE quotas;"
	"ALTER TABLE quotas_new RENAME TO quotas;",
	/* 21: the quota cache (issue 16, README "Usage and quotas"): a
	 * generation that every write of quotas bumps in its own
	 * transaction (triggers, so no writer can forget it), read with
	 * the person's link at every request; a worker re-reads the
	 * quotas only when it moved.  A later step that remakes quotas
	 * must make these triggers again. */
	"CREATE TABLE quota_settings ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" generation INTEGER NOT NULL DEFAULT 1);"
	"INSERT INTO quota_settings (id) VALUES (1);"
	"CREATE TRIGGER quotas_gen_insert AFTER INSERT ON quotas BEGIN"
	" UPDATE quota_settings SET generation = generation + 1; END;"
	"CREATE TRIGGER quotas_gen_update AFTER UPDATE ON quotas BEGIN"
	" UPDATE quota_settings SET generation = generation + 1; END;"
	"CREATE TRIGGER quotas_gen_delete AFTER DELETE ON quotas BEGIN"
	" UPDATE quota_settings SET generation = generation + 1; END;",
	/* 22 (issue 16, branch store-speed: the embedded store's search
	 * speed): the two ticket indexes keep few segments.  Every ticket
	 * written adds a segment to each, even many in one transaction
	 * (the triggers' statement savepoints flush FTS5's pending data),
	 * and with FTS5's defaults they piled up to 16 before a merge (its
	 * incremental 'automerge' works only every 64 leaf pages written;
	 * a one-ticket segment is a page or two), so a look-up probed 8 to
	 * 16 segments, about 50,000 instructions each for a trigram
	 * phrase.  'crisismerge' 2 merges a level as soon as it holds two
	 * segments (at the bottom, two small ones), 'automerge' 2 merges
	 * the larger levels incrementally from two, so segments stay at
	 * about one per level of size.  Both are FTS5's documented options
	 * (https://www.sqlite.org/fts5.html, "The 'automerge'
	 * Configuration Option", "The 'crisismerge' Configuration
	 * Option"), stored in each index's config table, so every
	 * connection (jta-admin's, a restore's) keeps them.  README
	 * "Embedded store: search and read speed" has the look-up and
	 * write costs before and after. */
	"INSERT INTO ticket_fts(ticket_fts, rank) VALUES ('automerge', 2);"
	"INSERT INTO ticket_fts(ticket_fts, rank) VALUES ('crisismerge', 2);"
	"INSERT INTO ticket_tri(ticket_tri, rank) VALUES ('automerge', 2);"
	"INSERT INTO ticket_tri(ticket_tri, rank) VALUES ('crisismerge', 2);",
};

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
const char jta_db_usage_schema[] =
	"PRAGMA usage.journal_mode = WAL;"
	"CREATE TABLE IF NOT EXISTS usage.usage_daily ("
	" user_id INTEGER NOT NULL,"
	" day TEXT NOT NULL,"
	" site TEXT NOT NULL,"
	" calls INTEGER NOT NULL DEFAULT 0,"
	" creates INTEGER NOT NULL DEFAULT 0,"
	" updates INTEGER NOT NULL DEFAULT 0,"
	" conversations INTEGER NOT NULL DEFAULT 0,"
	" prompt_tokens INTEGER NOT NULL DEFAULT 0,"
	" completion_tokens INTEGER NOT NULL DEFAULT 0,"
	" files INTEGER NOT NULL DEFAULT 0,"
	" file_bytes INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (user_id, day, site)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS usage.usage_daily_site ON"
	" usage_daily(site, day);"
	"CREATE INDEX IF NOT EXISTS usage.usage_daily_day ON usage_daily(day);"
	"CREATE TABLE IF NOT EXISTS usage.usage_seen ("
	" user_id INTEGER PRIMARY KEY,"
	" last_seen INTEGER NOT NULL);"
	/* Usage counted in batches (issue 16): the last batch folded
	 * from each worker's counting file (jta_store_usage_fold). */
	"CREATE TABLE IF NOT EXISTS usage.usage_folds ("
	" owner TEXT PRIMARY KEY,"
	" batch INTEGER NOT NULL);";

