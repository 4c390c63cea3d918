/*
 * Configuration: one file of `key = value` lines (default /etc/jta/jta.conf,
 * or the path in JTA_CONFIG).  '#' starts a comment line.  Unknown keys,
 * repeated keys and bad values are errors that name the file, the line and
 * the key.  Secrets are never values here: a key names the file that holds
 * the secret (vault_key_file, token_key_file).  Every key is documented
 * in README.md.
 */
#ifndef JTA_CONF_H
#define JTA_CONF_H

#include <stddef.h>

#include "jta_err.h"

#define JTA_CONF_DEFAULT_PATH	"/etc/jta/jta.conf"
#define JTA_CONF_PATH_MAX	512
#define JTA_CONF_URL_MAX	256

enum jta_conf_backend {
	JTA_BACKEND_LOCAL = 0,	/* the embedded SQLite ticket store */
	JTA_BACKEND_JIRA	/* Jira Cloud, as each linked person */
};

#define JTA_CONF_CLIENT_ID_MAX	128	/* Atlassian app client ids are 32 */
#define JTA_CONF_SCOPES_MAX	512
/* A libpq connection string or service name (database_url). */
#define JTA_CONF_DATABASE_URL_MAX	512
#define JTA_CONF_NAME_MAX	128	/* a model or deployment name */
#define JTA_CONF_VERSION_MAX	32	/* an Azure api-version */
#define JTA_CONF_ORIGINS_MAX	1024

struct jta_conf {
	char	 path[JTA_CONF_PATH_MAX];	/* the file read */
	char	 database[JTA_CONF_PATH_MAX];	/* SQLite database file */
	char	 vault_key_file[JTA_CONF_PATH_MAX]; /* master key, mode 0600 */
	char	 token_key_file[JTA_CONF_PATH_MAX]; /* keys sealing upstream
						     * tokens, mode 0600; when
						     * not set, "token.key"
						     * beside vault_key_file
						     * if that is set */
	char	 public_url[JTA_CONF_URL_MAX];	/* no trailing slash */
	char	 default_project[16];		/* for /api/tickets/ creates */
	enum jta_conf_backend backend;
	int	 log_level;			/* enum jta_log_level */
	int	 busy_timeout_ms;
	/* The state several hosts share, in PostgreSQL (README "Several
	 * hosts on PostgreSQL"): a libpq conninfo ("host=... dbname=..."),
	 * URI (postgresql://...) or service name; "" keeps the SQLite
	 * file.  The password is never here: database_password_file. */
	char	 database_url[JTA_CONF_DATABASE_URL_MAX];
	char	 database_password_file[JTA_CONF_PATH_MAX]; /* mode 0600 */
	char	 database_sslmode[16];		/* libpq's sslmode; "" */
	int	 database_statement_timeout_ms;	/* per session */
	/* Jira Cloud (backend = jira): the Atlassian OAuth 2.0 (3LO) app. */
	char	 atlassian_client_id[JTA_CONF_CLIENT_ID_MAX + 1];
	char	 atlassian_client_secret_file[JTA_CONF_PATH_MAX];
	char	 atlassian_auth_url[JTA_CONF_URL_MAX];	/* auth.atlassian.com */
	char	 atlassian_api_url[JTA_CONF_URL_MAX];	/* api.atlassian.com */
	char	 atlassian_scopes[JTA_CONF_SCOPES_MAX + 1];
	char	 atlassian_site[JTA_CONF_URL_MAX];	/* "" = any site */
	int	 upstream_timeout_ms;		/* one call to Atlassian */
	int	 upstream_retry_budget_ms;	/* waiting on 429/503 */
	/* Seconds Jira's metadata (create screens, projects, priorities,
	 * service desks) is kept in the shared cache (jta_store_meta.h);
	 * 0: not cached. */
	int	 jira_metadata_ttl;		/* default 900 */
	int	 audit_retention_days;		/* audit rows kept, days */
	/* Prometheus metrics (jta_metrics.h): counted when metrics is 1,
	 * one file per worker process in metrics_dir ("": the directory
	 * "metrics" beside the database). */
	int	 metrics;			/* metrics = on|off */
	char	 metrics_dir[JTA_CONF_PATH_MAX];
	int	 usage_counting;		/* 1: count usage, cap quotas */
	int	 usage_fold_calls;	/* fold a worker's counts every N */
	int	 usage_fold_seconds;	/* ... or T seconds (jta_usage.h) */
	/* MCP clients' authorization (README "MCP clients: authorization"):
	 * an access token issued for one resource (the API or /mcp) is
	 * accepted by the other too when oauth_audience_shared is 1; RFC
	 * 7591 registration at /oauth/register when
	 * oauth_client_registration is 1. */
	int	 oauth_audience_shared;		/* default 0 */
	int	 oauth_client_registration;	/* default 0 */
	/* A registered client with no token family alive and no code for
	 * this many days is removed (jta_store_client_prune). */
	int	 oauth_registered_client_idle_days;	/* default 30 */
	/* Client ID Metadata Documents (jta_authz.h); the CA file and the
	 * loopback switch are for the tests' loopback server only. */
	int	 oauth_client_metadata_documents;	/* default 0 */
	char	 client_metadata_test_ca_file[JTA_CONF_PATH_MAX];
	int	 client_metadata_allow_loopback;	/* default 0 */
	/* backend = jira: also search Confluence and the service desks'
	 * knowledge base as the person (jta_confluence.h), asking for
	 * their scopes at consent. */
	int	 knowledge_confluence;		/* on|off, off by default */
	/* Attachments (jta_attach.h): the hosts files may be fetched from
	 * (default JTA_ATTACH_DEFAULT_HOSTS) and the cap per file (default
	 * JTA_LIMIT_ATTACH_BYTES); the CA file and the loopback switch are
	 * for the tests' loopback file host only. */
	char	 attachment_fetch_hosts[512];
	int	 attachment_max_bytes;
	char	 attachment_fetch_test_ca_file[JTA_CONF_PATH_MAX];
	int	 attachment_fetch_allow_loopback;	/* default 0 */
	/* Virus scanning (jta_clamd.h): clamd's Unix socket (sun_path's
	 * 108 bytes bound it); "" scans nothing.  The time one scan may
	 * take (default JTA_LIMIT_CLAMD_TIMEOUT_MS). */
	char	 attachment_clamd_socket[108];
	int	 attachment_clamd_timeout_ms;
	/* How long a link to a kept file of the embedded store lives, in
	 * seconds (jta_files.h; default 3600), and how much of a text
	 * attachment getAttachmentText answers (default 64 KiB). */
	int	 attachment_link_seconds;
	int	 attachment_text_max_bytes;
	/* Our own agent (README "Chat: our own agent"): an OpenAI-
	 * compatible Chat Completions server.  Chat is configured when
	 * chat_base_url and chat_model are set. */
	char	 chat_base_url[JTA_CONF_URL_MAX];
	char	 chat_model[JTA_CONF_NAME_MAX];	/* or Azure deployment */
	char	 chat_api_key_file[JTA_CONF_PATH_MAX];	/* mode 0600 */
	int	 chat_api_style;		/* enum jta_llm_style */
	char	 chat_azure_api_version[JTA_CONF_VERSION_MAX];
	int	 chat_timeout_seconds;		/* a stall: no byte this long */
	int	 chat_max_tokens;		/* per answer */
	int	 chat_max_tool_rounds;		/* per message */
	/* Origins a browser may call the chat from (CORS), separated by
	 * spaces: "https://portal.example.com http://localhost:8000". */
	char	 chat_allowed_origins[JTA_CONF_ORIGINS_MAX];
};

/* Set every key to its documented default. */
void jta_conf_defaults(struct jta_conf *conf);

/*
 * Read the file at path (or, when path is NULL, JTA_CONFIG or the default
 * path) over the defaults.  A missing file at the default path is not an
 * error (the defaults serve); a missing file that was named is.  On error,
 * msg (msgsz bytes) says "FILE:LINE: key 'KEY': what is wrong".
 */
enum jta_err jta_conf_load(struct jta_conf *conf, const char *path,
    char *msg, size_t msgsz) JTA_WUR;

/*
 * jta_conf_load for the commands that reach only the database engine's
 * schema and health ('jta-admin init' and 'check'): database_url is
 * accepted while storage contracts still lack a PostgreSQL
 * implementation (the programs refuse it then), so the schema can be
 * created and checked ahead; a build without libpq and backend = local
 * still refuse it (jta_db_schema_check).
 */
enum jta_err jta_conf_load_schema(struct jta_conf *conf, const char *path,
    char *msg, size_t msgsz) JTA_WUR;

/*
 * Parse configuration text (len bytes, need not be NUL-terminated) named
 * name in messages.  Exposed for the unit tests and the fuzz harness.
 */
enum jta_err jta_conf_parse(struct jta_conf *conf, const char *name,
    const char *text, size_t len, char *msg, size_t msgsz) JTA_WUR;

#endif
