#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta_attach.h"
#include "jta_conf.h"
#include "jta_db_select.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "jta_text.h"
#include "jta_url.h"

enum kind { K_PATH, K_URL, K_BACKEND, K_LEVEL, K_MS, K_PROJECT, K_CLIENT,
    K_SCOPES, K_SITE, K_ONOFF, K_UINT0, K_HOSTS, K_DBURL, K_SSLMODE, K_NAME,
    K_STYLE, K_ORIGINS };

struct key {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	size_t		 size;
	int		 max;	/* K_MS, K_UINT0: the largest value accepted */
};

#define F(m)	offsetof(struct jta_conf, m), sizeof(((struct jta_conf *)0)->m)
static const struct key keys[] = {
	{ "database",		K_PATH,		F(database), 0 },
	{ "vault_key_file",	K_PATH,		F(vault_key_file), 0 },
	{ "token_key_file",	K_PATH,		F(token_key_file), 0 },
	{ "public_url",		K_URL,		F(public_url), 0 },
	{ "default_project",	K_PROJECT,	F(default_project), 0 },
	{ "backend",		K_BACKEND,	F(backend), 0 },
	{ "log_level",		K_LEVEL,	F(log_level), 0 },
	{ "busy_timeout_ms",	K_MS,		F(busy_timeout_ms), 60000 },
	/* PostgreSQL (README "Several hosts on PostgreSQL"); the rules are
	 * jta_db_select's. */
	{ "database_url",	K_DBURL,	F(database_url), 0 },
	{ "database_password_file", K_PATH,
	    F(database_password_file), 0 },
	{ "database_sslmode",	K_SSLMODE,	F(database_sslmode), 0 },
	/* A minute: a query that needs longer is a bug or a lock. */
	{ "database_statement_timeout_ms", K_MS,
	    F(database_statement_timeout_ms), 60000 },
	{ "atlassian_client_id", K_CLIENT,	F(atlassian_client_id), 0 },
	{ "atlassian_client_secret_file", K_PATH,
	    F(atlassian_client_secret_file), 0 },
	{ "atlassian_auth_url",	K_URL,		F(atlassian_auth_url), 0 },
	{ "atlassian_api_url",	K_URL,		F(atlassian_api_url), 0 },
	{ "atlassian_scopes",	K_SCOPES,	F(atlassian_scopes), 0 },
	{ "atlassian_site",	K_SITE,		F(atlassian_site), 0 },
	{ "upstream_timeout_ms", K_MS,		F(upstream_timeout_ms), 30000 },
	/* Well under the 45 s a GPT Action waits for an answer. */
	{ "upstream_retry_budget_ms", K_MS,
	    F(upstream_retry_budget_ms), 30000 },
	/* The Jira metadata cache (README "Jira metadata cache"): a day
	 * at most, so a change in Jira shows within a day at worst. */
	{ "jira_metadata_ttl",	K_UINT0,	F(jira_metadata_ttl), 86400 },
	/* Ten years: longer is a decision for an archive, not this log. */
	{ "audit_retention_days", K_MS,	F(audit_retention_days), 3650 },
	/* Prometheus metrics: the counters' files live in metrics_dir
	 * (jta_metrics.h), by default the directory "metrics" beside the
	 * database; jta_metrics_open names this key when it cannot use
	 * it, and the program stops. */
	{ "metrics",		K_ONOFF,	F(metrics), 0 },
	{ "metrics_dir",	K_PATH,		F(metrics_dir), 0 },
	/* on: count usage and check quotas (jta_usage.h); off: neither. */
	{ "usage_counting",	K_ONOFF,	F(usage_counting), 0 },
	/* Usage counted in batches (jta_usage.h): a fold every so many
	 * calls or seconds; 1 call folds every request at once.  Under 30
	 * minutes (the conversation gap: a batch never spans it). */
	{ "usage_fold_calls",	K_MS,		F(usage_fold_calls), 10000 },
	{ "usage_fold_seconds",	K_MS,		F(usage_fold_seconds), 600 },
	/* MCP clients (README "MCP clients: authorization"): off by
	 * default, so an upgrade opens nothing an operator did not ask
	 * for. */
	{ "oauth_audience_shared", K_ONOFF,	F(oauth_audience_shared), 0 },
	{ "oauth_client_registration", K_ONOFF,
	    F(oauth_client_registration), 0 },
	/* Ten years, as audit_retention_days: longer is forever. */
	{ "oauth_registered_client_idle_days", K_MS,
	    F(oauth_registered_client_idle_days), 3650 },
	{ "oauth_client_metadata_documents", K_ONOFF,
	    F(oauth_client_metadata_documents), 0 },
	/* For the tests only (README): a CA to trust for the documents
	 * instead of the system's, and the loopback let through. */
	{ "client_metadata_test_ca_file", K_PATH,
	    F(client_metadata_test_ca_file), 0 },
	{ "client_metadata_allow_loopback", K_ONOFF,
	    F(client_metadata_allow_loopback), 0 },
	/* on: knowledge search reaches Confluence and JSM's knowledge
	 * base (their scopes join the consent, jta_oauth.c). */
	{ "knowledge_confluence", K_ONOFF,	F(knowledge_confluence), 0 },
	/* Attachments (README "Attachments"): the hosts files are fetched
	 * from and the size cap per file; the CA file and the loopback
	 * switch are for the tests' loopback file host only. */
	{ "attachment_fetch_hosts", K_HOSTS,	F(attachment_fetch_hosts), 0 },
	{ "attachment_max_bytes", K_MS,	F(attachment_max_bytes),
	    JTA_LIMIT_ATTACH_BYTES_MAX },
	{ "attachment_fetch_test_ca_file", K_PATH,
	    F(attachment_fetch_test_ca_file), 0 },
	{ "attachment_fetch_allow_loopback", K_ONOFF,
	    F(attachment_fetch_allow_loopback), 0 },
	/* Virus scanning (README "Attachments: virus scanning"): clamd's
	 * Unix socket and the time one scan may take. */
	{ "attachment_clamd_socket", K_PATH,	F(attachment_clamd_socket), 0 },
	{ "attachment_clamd_timeout_ms", K_MS,
	    F(attachment_clamd_timeout_ms), JTA_LIMIT_CLAMD_TIMEOUT_MS_MAX },
	/* A week: a link to a file is a capability; longer is a share. */
	{ "attachment_link_seconds", K_MS,	F(attachment_link_seconds),
	    604800 },
	{ "attachment_text_max_bytes", K_MS,	F(attachment_text_max_bytes),
	    JTA_LIMIT_ATTACH_TEXT_MAX },
	/* Our own agent (jta_llm.h, README "Chat: our own agent"). */
	{ "chat_base_url",	K_URL,		F(chat_base_url), 0 },
	{ "chat_model",		K_NAME,		F(chat_model), 0 },
	{ "chat_api_key_file",	K_PATH,		F(chat_api_key_file), 0 },
	{ "chat_api_style",	K_STYLE,	F(chat_api_style), 0 },
	{ "chat_azure_api_version", K_NAME,
	    F(chat_azure_api_version), 0 },
	{ "chat_timeout_seconds", K_MS,	F(chat_timeout_seconds), 600 },
	{ "chat_max_tokens",	K_MS,		F(chat_max_tokens), 100000 },
	{ "chat_max_tool_rounds", K_MS,	F(chat_max_tool_rounds), 20 },
	{ "chat_allowed_origins", K_ORIGINS,	F(chat_allowed_origins), 0 },
};
#undef F
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

void
jta_conf_defaults(struct jta_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(conf->path, sizeof(conf->path), "%s", "(defaults)");
	snprintf(conf->database, sizeof(conf->database), "%s",
	    "/var/lib/jta/jta.db");
	snprintf(conf->vault_key_file, sizeof(conf->vault_key_file), "%s",
	    "/etc/jta/vault.key");
	snprintf(conf->token_key_file, sizeof(conf->token_key_file), "%s",
	    "/etc/jta/token.key");
	snprintf(conf->public_url, sizeof(conf->public_url), "%s",
	    "http://127.0.0.1:8080");
	conf->backend = JTA_BACKEND_LOCAL;
	conf->log_level = JTA_LOG_INFO;
	conf->busy_timeout_ms = 5000;
	conf->database_statement_timeout_ms = 5000;
	conf->usage_counting = 1;
	conf->usage_fold_calls = 32;
	conf->usage_fold_seconds = 5;
	snprintf(conf->atlassian_auth_url, sizeof(conf->atlassian_auth_url),
	    "%s", "https://auth.atlassian.com");
	snprintf(conf->atlassian_api_url, sizeof(conf->atlassian_api_url),
	    "%s", "https://api.atlassian.com");
	snprintf(conf->atlassian_scopes, sizeof(conf->atlassian_scopes), "%s",
	    "read:jira-user read:jira-work write:jira-work "
	    "read:servicedesk-request write:servicedesk-request "
	    "offline_access");
	conf->upstream_timeout_ms = 10000;
	conf->upstream_retry_budget_ms = 20000;
	conf->jira_metadata_ttl = 900;
	conf->audit_retention_days = 365;
	conf->oauth_registered_client_idle_days = 30;
	conf->metrics = 1;	/* metrics_dir "": beside the database */
	snprintf(conf->attachment_fetch_hosts,
	    sizeof(conf->attachment_fetch_hosts), "%s",
	    JTA_ATTACH_DEFAULT_HOSTS);
	conf->attachment_max_bytes = JTA_LIMIT_ATTACH_BYTES;
	conf->attachment_clamd_timeout_ms = JTA_LIMIT_CLAMD_TIMEOUT_MS;
	conf->attachment_link_seconds = 3600;
	conf->attachment_text_max_bytes = JTA_LIMIT_ATTACH_TEXT;
	snprintf(conf->chat_azure_api_version,
	    sizeof(conf->chat_azure_api_version), "%s", "2024-10-21");
	conf->chat_timeout_seconds = 30;
	conf->chat_max_tokens = 1024;
	conf->chat_max_tool_rounds = 5;
}

/* An allow-list of hosts (jta_http_host_allowed's form): host names, IP
 * literals (IPv6 in brackets) and ports, separated by spaces or commas;
 * nothing that could be a URL, a wildcard or a path. */
static int
hosts_ok(const char *v)
{
	size_t	 i;

	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= '0' && v[i] <= '9') ||
		    strchr(".-:[], \t", v[i]) != NULL))
			return 0;
	return 1;
}

/* A model or deployment name, an api-version: printable ASCII without
 * blanks, quotes or backslashes (it goes into a URL and a JSON body). */
static int
name_ok(const char *v)
{
	size_t	 i;

	for (i = 0; v[i] != '\0'; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e ||
		    v[i] == '"' || v[i] == '\\')
			return 0;
	return i > 0;
}

/* Origins separated by single spaces, each "http(s)://host[:port]"
 * (RFC 6454 §6.2, the form a browser sends in Origin): no path, no
 * userinfo. */
static int
origins_ok(const char *v)
{
	const char	*p = v, *e, *h;

	while (*p != '\0') {
		if ((e = strchr(p, ' ')) == NULL)
			e = p + strlen(p);
		if (strncmp(p, "https://", 8) == 0)
			h = p + 8;
		else if (strncmp(p, "http://", 7) == 0)
			h = p + 7;
		else
			return 0;
		if (h == e)
			return 0;
		for (; h < e; h++)
			if (!((*h >= 'a' && *h <= 'z') ||
			    (*h >= 'A' && *h <= 'Z') ||
			    (*h >= '0' && *h <= '9') || *h == '-' ||
			    *h == '.' || *h == ':' || *h == '[' || *h == ']'))
				return 0;
		if (*e == '\0')
			break;
		p = e + 1;
		if (*p == '\0' || *p == ' ')
			return 0;
	}
	return p != v || *p != '\0';
}

/* RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), tokens
 * separated by single spaces. */
static int
scopes_ok(const char *v)
{
	const unsigned char *p;
	int		 prev_space = 1;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == ' ') {
			if (prev_space)
				return 0;
			prev_space = 1;
			continue;
		}
		if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')
			return 0;
		prev_space = 0;
	}
	return !prev_space;
}

/* An Atlassian client id: letters, digits, '-', '_' and '.'. */
static int
client_ok(const char *v)
{
	size_t	 i;

	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= '0' && v[i] <= '9') ||
		    v[i] == '-' || v[i] == '_' || v[i] == '.'))
			return 0;
	return i > 0;
}

/* Store value for key k; on error write why into why. */
static int
setkey(struct jta_conf *conf, const struct key *k, const char *v,
    char *why, size_t whysz)
{
	struct jta_error e;
	char		*dst = (char *)conf + k->off;
	size_t		 len = strlen(v);
	uint64_t	 n;
	int		 lvl;

	switch (k->kind) {
	case K_PATH:
		if (v[0] != '/') {
			snprintf(why, whysz, "must be an absolute path");
			return -1;
		}
		break;
	case K_URL:
		/* The rule is jta_url's (jta_url_base_check). */
		if (jta_url_base_check(v, k->name, NULL, &e) != JTA_OK) {
			snprintf(why, whysz, "%s", e.detail);
			return -1;
		}
		break;
	case K_PROJECT:
		if (!jta_text_is_project_key(v, len)) {
			snprintf(why, whysz, "must be a project key: an "
			    "upper-case letter, then up to 9 upper-case "
			    "letters or digits");
			return -1;
		}
		break;
	case K_BACKEND:
		if (strcmp(v, "local") == 0)
			conf->backend = JTA_BACKEND_LOCAL;
		else if (strcmp(v, "jira") == 0)
			conf->backend = JTA_BACKEND_JIRA;
		else {
			snprintf(why, whysz, "must be 'local' (the embedded "
			    "ticket store) or 'jira' (Jira Cloud)");
			return -1;
		}
		return 0;
	case K_DBURL:
		if (jta_db_url_check(v, why, whysz) != 0)
			return -1;
		break;
	case K_SSLMODE:
		if (jta_db_sslmode_check(v, why, whysz) != 0)
			return -1;
		break;
	case K_CLIENT:
		if (!client_ok(v)) {
			snprintf(why, whysz, "must be the app's client id: "
			    "letters, digits, '-', '_' and '.'");
			return -1;
		}
		break;
	case K_SCOPES:
		if (!scopes_ok(v)) {
			snprintf(why, whysz, "must be scopes separated by "
			    "single spaces (RFC 6749 section 3.3)");
			return -1;
		}
		break;
	case K_SITE:
		/* A site URL (https://example.atlassian.net, jta_url's site
		 * rule without a trailing '/') or a cloud id (a UUID). */
		if (len > 0 && strspn(v, "0123456789abcdefABCDEF-") == len)
			break;
		if (jta_url_base_check(v, k->name, NULL, &e) != JTA_OK) {
			snprintf(why, whysz, "must be a site URL "
			    "(https://NAME.atlassian.net) or a cloud id: %s",
			    e.detail);
			return -1;
		}
		break;
	case K_HOSTS:
		if (!hosts_ok(v)) {
			snprintf(why, whysz, "must be host names or "
			    "host:port, separated by spaces or commas (no "
			    "scheme, path or wildcard)");
			return -1;
		}
		break;
	case K_LEVEL:
		if ((lvl = jta_log_level_parse(v)) < 0) {
			snprintf(why, whysz,
			    "must be one of debug, info, warn, error");
			return -1;
		}
		conf->log_level = lvl;
		return 0;
	case K_NAME:
		if (!name_ok(v)) {
			snprintf(why, whysz, "must be printable ASCII without "
			    "blanks, quotes or backslashes");
			return -1;
		}
		break;
	case K_ORIGINS:
		if (len > 0 && !origins_ok(v)) {
			snprintf(why, whysz, "must be origins such as "
			    "https://portal.example.com, separated by single "
			    "spaces");
			return -1;
		}
		break;
	case K_STYLE:
		/* enum jta_llm_style: 0 openai, 1 azure */
		if (strcmp(v, "openai") == 0)
			conf->chat_api_style = 0;
		else if (strcmp(v, "azure") == 0)
			conf->chat_api_style = 1;
		else {
			snprintf(why, whysz, "must be 'openai' (OpenAI and "
			    "local servers) or 'azure' (Azure OpenAI)");
			return -1;
		}
		return 0;
	case K_ONOFF:
		if (strcmp(v, "on") == 0)
			*(int *)(void *)dst = 1;
		else if (strcmp(v, "off") == 0)
			*(int *)(void *)dst = 0;
		else {
			snprintf(why, whysz, "must be 'on' or 'off'");
			return -1;
		}
		return 0;
	case K_UINT0:
		if (jta_text_parse_uint(v, len, (uint64_t)k->max, &n) != 0) {
			snprintf(why, whysz,
			    "must be a whole number from 0 to %d", k->max);
			return -1;
		}
		*(int *)(void *)dst = (int)n;
		return 0;
	case K_MS:
		if (jta_text_parse_uint(v, len, (uint64_t)k->max, &n) != 0 ||
		    n == 0) {
			snprintf(why, whysz,
			    "must be a whole number from 1 to %d", k->max);
			return -1;
		}
		*(int *)(void *)dst = (int)n;
		return 0;
	}
	if (len >= k->size) {
		snprintf(why, whysz, "is longer than %zu bytes", k->size - 1);
		return -1;
	}
	memcpy(dst, v, len + 1);
	return 0;
}

/* Keys that the chosen backend cannot do without. */
static enum jta_err
needed(const struct jta_conf *conf, const char *name, int schema_only,
    char *msg, size_t msgsz)
{
	const char	*missing = NULL;
	char		 why[1024];

	if (conf->database_url[0] != '\0' && (schema_only ?
	    jta_db_schema_check(conf->backend == JTA_BACKEND_LOCAL, why,
	    sizeof(why)) :
	    jta_db_engine_check(conf->backend == JTA_BACKEND_LOCAL, why,
	    sizeof(why))) != 0) {
		snprintf(msg, msgsz, "%s: key 'database_url': %s", name, why);
		return JTA_ERR_CONFIG;
	}
	if (conf->backend != JTA_BACKEND_JIRA)
		return JTA_OK;
	if (conf->atlassian_client_id[0] == '\0')
		missing = "atlassian_client_id";
	else if (conf->atlassian_client_secret_file[0] == '\0')
		missing = "atlassian_client_secret_file";
	if (missing == NULL)
		return JTA_OK;
	snprintf(msg, msgsz, "%s: key '%s' must be set when backend = jira",
	    name, missing);
	return JTA_ERR_CONFIG;
}

static void
trim(char **s, char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
	    (*e)[-1] == '\r'))
		(*e)--;
}

/* The index of the key named k in keys[] (it is there). */
static size_t
keyindex(const char *k)
{
	size_t	 i;

	for (i = 0; i < NKEYS - 1; i++)
		if (strcmp(keys[i].name, k) == 0)
			break;
	return i;
}

/*
 * token_key_file not given but vault_key_file given: the token keys live
 * beside the master key ("token.key" in its directory), so a file naming
 * its own key directory never shares (or rotates) the host-wide
 * /etc/jta/token.key with other instances.  A directory too long for the
 * name keeps the default, which the key-file checks then report.
 */
static void
beside(struct jta_conf *conf, const unsigned char *seen)
{
	const char	*slash;
	int		 n;

	if (seen[keyindex("token_key_file")] ||
	    !seen[keyindex("vault_key_file")])
		return;
	slash = strrchr(conf->vault_key_file, '/');	/* absolute: found */
	n = (int)(slash - conf->vault_key_file);
	if ((size_t)n + sizeof("/token.key") > sizeof(conf->token_key_file))
		return;
	snprintf(conf->token_key_file, sizeof(conf->token_key_file),
	    "%.*s/token.key", n, conf->vault_key_file);
}

/* schema_only: jta_conf_load_schema's rule for database_url. */
static enum jta_err
parse(struct jta_conf *conf, const char *name, const char *text,
    size_t len, int schema_only, char *msg, size_t msgsz)
{
	char		 line[JTA_LIMIT_CONF_LINE + 1];
	char		 why[JTA_ERROR_DETAIL + 96];
	unsigned char	 seen[NKEYS];
	size_t		 pos = 0, lineno = 0, ll, i;
	char		*s, *e, *eq, *ks, *ke, *vs, *ve;

	memset(seen, 0, sizeof(seen));
	if (len > JTA_LIMIT_CONF_FILE) {
		snprintf(msg, msgsz, "%s: file is larger than %d bytes",
		    name, JTA_LIMIT_CONF_FILE);
		return JTA_ERR_CONFIG;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);

		ll = (nl == NULL ? len : (size_t)(nl - text)) - pos;
		lineno++;
		if (ll > JTA_LIMIT_CONF_LINE) {
			snprintf(msg, msgsz, "%s:%zu: line is longer than "
			    "%d bytes", name, lineno, JTA_LIMIT_CONF_LINE);
			return JTA_ERR_CONFIG;
		}
		memcpy(line, text + pos, ll);
		line[ll] = '\0';
		pos += ll + (nl != NULL);
		if (strlen(line) != ll) {
			snprintf(msg, msgsz, "%s:%zu: line holds a NUL byte",
			    name, lineno);
			return JTA_ERR_CONFIG;
		}
		for (i = 0; i < ll; i++)
			if ((unsigned char)line[i] < 0x20 && line[i] != '\t' &&
			    line[i] != '\r') {
				snprintf(msg, msgsz, "%s:%zu: line holds a "
				    "control character", name, lineno);
				return JTA_ERR_CONFIG;
			}
		s = line;
		e = line + ll;
		trim(&s, &e);
		if (s == e || *s == '#')
			continue;
		if ((eq = memchr(s, '=', (size_t)(e - s))) == NULL) {
			snprintf(msg, msgsz, "%s:%zu: expected 'key = value'",
			    name, lineno);
			return JTA_ERR_CONFIG;
		}
		ks = s;
		ke = eq;
		vs = eq + 1;
		ve = e;
		trim(&ks, &ke);
		trim(&vs, &ve);
		*ke = '\0';
		*ve = '\0';
		for (i = 0; i < NKEYS; i++)
			if (strcmp(ks, keys[i].name) == 0)
				break;
		if (i == NKEYS) {
			snprintf(msg, msgsz, "%s:%zu: unknown key '%.64s'",
			    name, lineno, ks);
			return JTA_ERR_CONFIG;
		}
		if (seen[i]) {
			snprintf(msg, msgsz, "%s:%zu: key '%s' is set twice",
			    name, lineno, keys[i].name);
			return JTA_ERR_CONFIG;
		}
		seen[i] = 1;
		if (vs == ve) {
			snprintf(msg, msgsz, "%s:%zu: key '%s' has no value",
			    name, lineno, keys[i].name);
			return JTA_ERR_CONFIG;
		}
		if (setkey(conf, &keys[i], vs, why, sizeof(why)) != 0) {
			snprintf(msg, msgsz, "%s:%zu: key '%s' %s", name,
			    lineno, keys[i].name, why);
			return JTA_ERR_CONFIG;
		}
	}
	beside(conf, seen);
	return needed(conf, name, schema_only, msg, msgsz);
}

enum jta_err
jta_conf_parse(struct jta_conf *conf, const char *name, const char *text,
    size_t len, char *msg, size_t msgsz)
{
	return parse(conf, name, text, len, 0, msg, msgsz);
}

static enum jta_err
load(struct jta_conf *conf, const char *path, int schema_only, char *msg,
    size_t msgsz)
{
	enum jta_err	 rc = JTA_ERR_CONFIG;
	FILE		*f = NULL;
	char		*buf = NULL;
	size_t		 n;
	int		 named = 1;

	jta_conf_defaults(conf);
	if (path == NULL && (path = getenv("JTA_CONFIG")) == NULL) {
		path = JTA_CONF_DEFAULT_PATH;
		named = 0;
	}
	if ((f = fopen(path, "r")) == NULL) {
		if (!named && errno == ENOENT) {
			rc = JTA_OK;
			goto out;
		}
		snprintf(msg, msgsz, "%s: cannot open configuration: %s",
		    path, strerror(errno));
		goto out;
	}
	if ((buf = malloc(JTA_LIMIT_CONF_FILE + 1)) == NULL) {
		rc = JTA_ERR_NOMEM;
		snprintf(msg, msgsz, "%s: out of memory", path);
		goto out;
	}
	n = fread(buf, 1, JTA_LIMIT_CONF_FILE + 1, f);
	if (ferror(f)) {
		snprintf(msg, msgsz, "%s: read error", path);
		goto out;
	}
	snprintf(conf->path, sizeof(conf->path), "%s", path);
	rc = parse(conf, path, buf, n, schema_only, msg, msgsz);
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}

enum jta_err
jta_conf_load(struct jta_conf *conf, const char *path, char *msg,
    size_t msgsz)
{
	return load(conf, path, 0, msg, msgsz);
}

enum jta_err
jta_conf_load_schema(struct jta_conf *conf, const char *path, char *msg,
    size_t msgsz)
{
	return load(conf, path, 1, msg, msgsz);
}
