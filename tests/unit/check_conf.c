/*
 * Unit tests for jta_conf: defaults, every key, and every way a file can
 * be wrong, each named by file, line and key.
 */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "jta_conf.h"
#include "jta_limits.h"
#include "jta_log.h"
#include "check_main.h"

static char	 tmproot[] = "/tmp/jta-unit-XXXXXX";

static void
newdir(char *dir, size_t dirsz)
{
	int n = snprintf(dir, dirsz, "%s/tXXXXXX", tmproot);

	ck_assert(n > 0 && (size_t)n < dirsz);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Write text to a new file name in a new directory; path gets its path. */
static void
writeconf(char *path, size_t pathsz, const char *text, size_t len)
{
	char	 dir[256];
	FILE	*f;
	int	 n;

	newdir(dir, sizeof(dir));
	n = snprintf(path, pathsz, "%s/jta.conf", dir);
	ck_assert(n > 0 && (size_t)n < pathsz);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Parse the NUL-terminated text as "test.conf" over the defaults. */
static enum jta_err
parse(struct jta_conf *conf, const char *text, char *msg, size_t msgsz)
{
	jta_conf_defaults(conf);
	msg[0] = '\0';
	return jta_conf_parse(conf, "test.conf", text, strlen(text), msg,
	    msgsz);
}

/* text must be refused with a message that starts with prefix and holds
 * every string of also (NULL-terminated). */
static void
assert_refused(const char *text, const char *prefix, const char *also)
{
	struct jta_conf	 conf;
	char		 msg[512];

	ck_assert_msg(parse(&conf, text, msg, sizeof(msg)) == JTA_ERR_CONFIG,
	    "accepted: %s", text);
	ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0,
	    "message '%s' does not start with '%s'", msg, prefix);
	if (also != NULL)
		ck_assert_msg(strstr(msg, also) != NULL,
		    "message '%s' lacks '%s'", msg, also);
}

static void
assert_ok(const char *text, struct jta_conf *conf)
{
	char	 msg[512];

	ck_assert_msg(parse(conf, text, msg, sizeof(msg)) == JTA_OK,
	    "refused '%s': %s", text, msg);
}

START_TEST(defaults_are_documented_values)
{
	struct jta_conf	 conf;

	memset(&conf, 0x5a, sizeof(conf));
	jta_conf_defaults(&conf);
	ck_assert_str_eq(conf.database, "/var/lib/jta/jta.db");
	ck_assert_str_eq(conf.vault_key_file, "/etc/jta/vault.key");
	ck_assert_str_eq(conf.token_key_file, "/etc/jta/token.key");
	ck_assert_str_eq(conf.public_url, "http://127.0.0.1:8080");
	ck_assert_str_eq(conf.default_project, "");
	ck_assert_int_eq(conf.backend, JTA_BACKEND_LOCAL);
	ck_assert_int_eq(conf.log_level, JTA_LOG_INFO);
	ck_assert_int_eq(conf.busy_timeout_ms, 5000);
	ck_assert_str_eq(conf.atlassian_client_id, "");
	ck_assert_str_eq(conf.atlassian_client_secret_file, "");
	ck_assert_str_eq(conf.atlassian_auth_url, "https://auth.atlassian.com");
	ck_assert_str_eq(conf.atlassian_api_url, "https://api.atlassian.com");
	ck_assert_str_eq(conf.atlassian_scopes, "read:jira-user read:jira-work "
	    "write:jira-work read:servicedesk-request "
	    "write:servicedesk-request offline_access");
	ck_assert_str_eq(conf.atlassian_site, "");
	ck_assert_int_eq(conf.upstream_timeout_ms, 10000);
	ck_assert_int_eq(conf.upstream_retry_budget_ms, 20000);
	ck_assert_int_eq(conf.jira_metadata_ttl, 900);
}
END_TEST

START_TEST(jira_metadata_ttl_zero_to_a_day)
{
	struct jta_conf	 conf;

	assert_ok("jira_metadata_ttl = 0\n", &conf);
	ck_assert_int_eq(conf.jira_metadata_ttl, 0);
	assert_ok("jira_metadata_ttl = 86400\n", &conf);
	ck_assert_int_eq(conf.jira_metadata_ttl, 86400);
	assert_refused("jira_metadata_ttl = 86401\n",
	    "test.conf:1: key 'jira_metadata_ttl'", "0 to 86400");
	assert_refused("jira_metadata_ttl = -1\n",
	    "test.conf:1: key 'jira_metadata_ttl'", "0 to 86400");
	assert_refused("jira_metadata_ttl = 15m\n",
	    "test.conf:1: key 'jira_metadata_ttl'", "0 to 86400");
}
END_TEST

START_TEST(jira_keys_are_read)
{
	struct jta_conf	 conf;

	assert_ok("backend = jira\n"
	    "atlassian_client_id = AbC-123_x.y\n"
	    "atlassian_client_secret_file = /etc/jta/atlassian.secret\n"
	    "atlassian_auth_url = http://127.0.0.1:9999\n"
	    "atlassian_api_url = http://127.0.0.1:9998\n"
	    "atlassian_scopes = read:jira-work offline_access\n"
	    "atlassian_site = https://example.atlassian.net\n"
	    "upstream_timeout_ms = 2500\n"
	    "upstream_retry_budget_ms = 30000\n", &conf);
	ck_assert_int_eq(conf.backend, JTA_BACKEND_JIRA);
	ck_assert_str_eq(conf.atlassian_client_id, "AbC-123_x.y");
	ck_assert_str_eq(conf.atlassian_client_secret_file,
	    "/etc/jta/atlassian.secret");
	ck_assert_str_eq(conf.atlassian_auth_url, "http://127.0.0.1:9999");
	ck_assert_str_eq(conf.atlassian_api_url, "http://127.0.0.1:9998");
	ck_assert_str_eq(conf.atlassian_scopes,
	    "read:jira-work offline_access");
	ck_assert_str_eq(conf.atlassian_site, "https://example.atlassian.net");
	ck_assert_int_eq(conf.upstream_timeout_ms, 2500);
	ck_assert_int_eq(conf.upstream_retry_budget_ms, 30000);
	assert_ok("backend = jira\natlassian_client_id = a\n"
	    "atlassian_client_secret_file = /s\n"
	    "atlassian_site = 1324a0b1-7a5c-4bb8-9a34-0b2f1a1bc2aa\n", &conf);
}
END_TEST

START_TEST(jira_backend_needs_its_app)
{
	assert_refused("backend = jira\n", "test.conf: key "
	    "'atlassian_client_id' must be set when backend = jira", NULL);
	assert_refused("backend = jira\natlassian_client_id = abc\n",
	    "test.conf: key 'atlassian_client_secret_file' must be set", NULL);
}
END_TEST

/* The PostgreSQL keys (README "Several hosts on PostgreSQL"). */
START_TEST(database_keys_are_read)
{
	struct jta_conf	 conf;

	jta_conf_defaults(&conf);
	ck_assert_str_eq(conf.database_url, "");
	ck_assert_str_eq(conf.database_password_file, "");
	ck_assert_str_eq(conf.database_sslmode, "");
	ck_assert_int_eq(conf.database_statement_timeout_ms, 5000);
	assert_ok("database_password_file = /etc/jta/pg.password\n"
	    "database_sslmode = verify-full\n"
	    "database_statement_timeout_ms = 60000\n", &conf);
	ck_assert_str_eq(conf.database_password_file, "/etc/jta/pg.password");
	ck_assert_str_eq(conf.database_sslmode, "verify-full");
	ck_assert_int_eq(conf.database_statement_timeout_ms, 60000);
}
END_TEST

START_TEST(bad_database_keys_refused)
{
	assert_refused("database_url = host=db password=hunter2\n",
	    "test.conf:1: key 'database_url' must not hold a password",
	    "database_password_file");
	assert_refused("database_url = postgresql://jta:hunter2@db/jta\n",
	    "test.conf:1: key 'database_url' must not hold a password", NULL);
	assert_refused("database_url = host=db\tdbname=jta\n",
	    "test.conf:1: key 'database_url' must be printable", NULL);
	assert_refused("database_sslmode = on\n",
	    "test.conf:1: key 'database_sslmode'", "verify-full");
	assert_refused("database_statement_timeout_ms = 60001\n",
	    "test.conf:1: key 'database_statement_timeout_ms'", "1 to 60000");
	assert_refused("database_password_file = pg.password\n",
	    "test.conf:1: key 'database_password_file'", "absolute");
}
END_TEST

/*
 * Every contract the hosts share has a PostgreSQL implementation and the
 * programs open it (jta_db_open), so backend = jira selects PostgreSQL;
 * the embedded ticket store refuses it with its own reason, and a build
 * without libpq says so.
 */
START_TEST(postgresql_selectable_for_jira_only)
{
#ifdef HAVE_LIBPQ
	struct jta_conf conf;

	assert_ok("backend = jira\natlassian_client_id = abc\n"
	    "atlassian_client_secret_file = /etc/jta/s\n"
	    "database_url = host=db dbname=jta user=jta\n", &conf);
	ck_assert_str_eq(conf.database_url, "host=db dbname=jta user=jta");
	assert_refused("database_url = jta\n",
	    "test.conf: key 'database_url': backend = local", "single-host");
#else
	assert_refused("database_url = jta\n",
	    "test.conf: key 'database_url': this build has no PostgreSQL",
	    "libpq");
#endif
}
END_TEST

START_TEST(bad_jira_keys_refused)
{
	assert_refused("atlassian_client_id = a b\n",
	    "test.conf:1: key 'atlassian_client_id'", "client id");
	assert_refused("atlassian_client_id = <x>\n",
	    "test.conf:1: key 'atlassian_client_id'", NULL);
	assert_refused("atlassian_client_secret_file = secret\n",
	    "test.conf:1: key 'atlassian_client_secret_file'", "absolute");
	assert_refused("atlassian_auth_url = ftp://x\n",
	    "test.conf:1: key 'atlassian_auth_url'", NULL);
	assert_refused("atlassian_api_url = https://api.atlassian.com/\n",
	    "test.conf:1: key 'atlassian_api_url'", "'/'");
	assert_refused("atlassian_scopes = read:jira-work  offline_access\n",
	    "test.conf:1: key 'atlassian_scopes'", "6749");
	assert_refused("atlassian_scopes = read\\x\n",
	    "test.conf:1: key 'atlassian_scopes'", NULL);
	assert_refused("atlassian_scopes = a\"b\n",
	    "test.conf:1: key 'atlassian_scopes'", NULL);
	assert_refused("atlassian_site = example\n",
	    "test.conf:1: key 'atlassian_site'", "cloud id");
	assert_refused("atlassian_site = https://x.atlassian.net/\n",
	    "test.conf:1: key 'atlassian_site'", NULL);
	assert_refused("upstream_timeout_ms = 0\n",
	    "test.conf:1: key 'upstream_timeout_ms'", "1 to 30000");
	assert_refused("upstream_retry_budget_ms = 45000\n",
	    "test.conf:1: key 'upstream_retry_budget_ms'", "1 to 30000");
}
END_TEST

START_TEST(every_key_is_read)
{
	struct jta_conf	 conf;

	assert_ok("database = /srv/jta/db.sqlite\n"
	    "vault_key_file = /srv/jta/vault.key\n"
	    "token_key_file = /srv/jta/token.key\n"
	    "public_url = https://tickets.example.org/jta\n"
	    "default_project = OPS2\n"
	    "backend = local\n"
	    "log_level = debug\n"
	    "busy_timeout_ms = 60000\n", &conf);
	ck_assert_str_eq(conf.database, "/srv/jta/db.sqlite");
	ck_assert_str_eq(conf.vault_key_file, "/srv/jta/vault.key");
	ck_assert_str_eq(conf.token_key_file, "/srv/jta/token.key");
	ck_assert_str_eq(conf.public_url, "https://tickets.example.org/jta");
	ck_assert_str_eq(conf.default_project, "OPS2");
	ck_assert_int_eq(conf.backend, JTA_BACKEND_LOCAL);
	ck_assert_int_eq(conf.log_level, JTA_LOG_DEBUG);
	ck_assert_int_eq(conf.busy_timeout_ms, 60000);
}
END_TEST

START_TEST(unset_keys_keep_defaults)
{
	struct jta_conf	 conf;

	assert_ok("log_level = error\n", &conf);
	ck_assert_int_eq(conf.log_level, JTA_LOG_ERROR);
	ck_assert_str_eq(conf.database, "/var/lib/jta/jta.db");
	ck_assert_int_eq(conf.busy_timeout_ms, 5000);
}
END_TEST

START_TEST(each_log_level_accepted)
{
	struct jta_conf	 conf;

	assert_ok("log_level = debug", &conf);
	ck_assert_int_eq(conf.log_level, JTA_LOG_DEBUG);
	assert_ok("log_level = info", &conf);
	ck_assert_int_eq(conf.log_level, JTA_LOG_INFO);
	assert_ok("log_level = warn", &conf);
	ck_assert_int_eq(conf.log_level, JTA_LOG_WARN);
	assert_ok("log_level = error", &conf);
	ck_assert_int_eq(conf.log_level, JTA_LOG_ERROR);
}
END_TEST

START_TEST(empty_text_gives_defaults)
{
	struct jta_conf	 conf;

	assert_ok("", &conf);
	ck_assert_int_eq(conf.busy_timeout_ms, 5000);
}
END_TEST

START_TEST(blanks_around_key_and_value_ignored)
{
	struct jta_conf	 conf;

	assert_ok("  \tlog_level\t =  warn \t\n"
	    "busy_timeout_ms=7\n"
	    "database =/x\n", &conf);
	ck_assert_int_eq(conf.log_level, JTA_LOG_WARN);
	ck_assert_int_eq(conf.busy_timeout_ms, 7);
	ck_assert_str_eq(conf.database, "/x");
}
END_TEST

START_TEST(comment_and_blank_lines_skipped)
{
	struct jta_conf	 conf;

	assert_ok("# jta configuration\n"
	    "\n"
	    "   # indented comment with = sign and unknown_key = 1\n"
	    "\t\n"
	    "   \n"
	    "#log_level = debug\n"
	    "log_level = warn\n"
	    "# trailing comment", &conf);
	ck_assert_int_eq(conf.log_level, JTA_LOG_WARN);
}
END_TEST

START_TEST(line_numbers_count_comments_and_blanks)
{
	assert_refused("# one\n\n# three\n\nbogus = 1\n", "test.conf:5:",
	    "bogus");
}
END_TEST

START_TEST(crlf_line_endings_accepted)
{
	struct jta_conf	 conf;

	assert_ok("# windows\r\nlog_level = error\r\ndatabase = /d\r\n", &conf);
	ck_assert_int_eq(conf.log_level, JTA_LOG_ERROR);
	ck_assert_str_eq(conf.database, "/d");
}
END_TEST

START_TEST(last_line_without_newline_read)
{
	struct jta_conf	 conf;

	assert_ok("database = /a\nbusy_timeout_ms = 12", &conf);
	ck_assert_int_eq(conf.busy_timeout_ms, 12);
}
END_TEST

START_TEST(text_need_not_be_nul_terminated)
{
	struct jta_conf	 conf;
	char		 msg[256];
	char		 text[] = { 'l', 'o', 'g', '_', 'l', 'e', 'v', 'e',
			    'l', '=', 'w', 'a', 'r', 'n', 'X', 'X' };

	jta_conf_defaults(&conf);
	ck_assert_int_eq(jta_conf_parse(&conf, "t", text, 14, msg,
	    sizeof(msg)), JTA_OK);
	ck_assert_int_eq(conf.log_level, JTA_LOG_WARN);
}
END_TEST

START_TEST(unknown_key_names_file_line_key)
{
	assert_refused("log_level = info\ncolour = blue\n", "test.conf:2:",
	    "'colour'");
	/* Keys are case-sensitive. */
	assert_refused("Log_Level = info\n", "test.conf:1:", "'Log_Level'");
	assert_refused("database.path = /x\n", "test.conf:1:",
	    "database.path");
}
END_TEST

START_TEST(repeated_key_refused)
{
	assert_refused("log_level = info\n# again\nlog_level = info\n",
	    "test.conf:3:", "'log_level'");
	assert_refused("database = /a\ndatabase = /b\n", "test.conf:2:",
	    "twice");
}
END_TEST

START_TEST(line_without_equals_refused)
{
	assert_refused("log_level info\n", "test.conf:1:", NULL);
	assert_refused("[section]\n", "test.conf:1:", NULL);
}
END_TEST

START_TEST(empty_value_refused)
{
	assert_refused("database =\n", "test.conf:1: key 'database'", NULL);
	assert_refused("log_level =   \n", "test.conf:1: key 'log_level'",
	    NULL);
}
END_TEST

START_TEST(empty_key_refused)
{
	assert_refused(" = /x\n", "test.conf:1:", NULL);
}
END_TEST

START_TEST(relative_paths_refused)
{
	assert_refused("database = var/lib/jta.db\n",
	    "test.conf:1: key 'database'", "absolute");
	assert_refused("vault_key_file = ./vault.key\n",
	    "test.conf:1: key 'vault_key_file'", "absolute");
	assert_refused("vault_key_file = ~/vault.key\n",
	    "test.conf:1: key 'vault_key_file'", NULL);
}
END_TEST

START_TEST(path_too_long_refused)
{
	char	 text[JTA_CONF_PATH_MAX + 64];
	size_t	 o;

	o = (size_t)snprintf(text, sizeof(text), "database = /");
	memset(text + o, 'p', JTA_CONF_PATH_MAX);
	text[o + JTA_CONF_PATH_MAX] = '\0';
	assert_refused(text, "test.conf:1: key 'database'", "longer");
}
END_TEST

START_TEST(token_key_file_rules)
{
	struct jta_conf	 conf;
	char		 text[JTA_CONF_PATH_MAX + 64];
	size_t		 o;

	assert_refused("token_key_file = token.key\n",
	    "test.conf:1: key 'token_key_file'", "absolute");
	assert_refused("# c\ntoken_key_file = /a\ntoken_key_file = /b\n",
	    "test.conf:3: key 'token_key_file'", "twice");
	assert_refused("token_key_file =\n",
	    "test.conf:1: key 'token_key_file'", "no value");
	o = (size_t)snprintf(text, sizeof(text), "token_key_file = /");
	memset(text + o, 't', JTA_CONF_PATH_MAX - 1);
	text[o + JTA_CONF_PATH_MAX - 1] = '\0';
	assert_refused(text, "test.conf:1: key 'token_key_file'", "longer");
	text[o + JTA_CONF_PATH_MAX - 2] = '\0';
	assert_ok(text, &conf);
	ck_assert_uint_eq(strlen(conf.token_key_file), JTA_CONF_PATH_MAX - 1);
	/* Beside the master key when only that is named: a file naming its
	 * own key directory never shares the host-wide token keys. */
	assert_ok("vault_key_file = /k/vault.key\n", &conf);
	ck_assert_str_eq(conf.token_key_file, "/k/token.key");
	assert_ok("vault_key_file = /vault.key\n", &conf);
	ck_assert_str_eq(conf.token_key_file, "/token.key");
	/* Named elsewhere, it stays where it is named, in either order. */
	assert_ok("token_key_file = /t/tk\nvault_key_file = /k/vault.key\n",
	    &conf);
	ck_assert_str_eq(conf.token_key_file, "/t/tk");
	assert_ok("token_key_file = /k/token.key\n", &conf);
	ck_assert_str_eq(conf.vault_key_file, "/etc/jta/vault.key");
	ck_assert_str_eq(conf.token_key_file, "/k/token.key");
}
END_TEST

START_TEST(path_at_limit_accepted)
{
	struct jta_conf	 conf;
	char		 text[JTA_CONF_PATH_MAX + 64];
	size_t		 o;

	/* A value of JTA_CONF_PATH_MAX - 1 bytes fits with its NUL. */
	o = (size_t)snprintf(text, sizeof(text), "database = /");
	memset(text + o, 'p', JTA_CONF_PATH_MAX - 2);
	text[o + JTA_CONF_PATH_MAX - 2] = '\0';
	assert_ok(text, &conf);
	ck_assert_uint_eq(strlen(conf.database), JTA_CONF_PATH_MAX - 1);
}
END_TEST

START_TEST(bad_public_urls_refused)
{
	const char *p = "test.conf:1: key 'public_url'";

	assert_refused("public_url = https://example.org/\n", p, "'/'");
	assert_refused("public_url = http://127.0.0.1:8080/\n", p, NULL);
	assert_refused("public_url = ftp://example.org\n", p, NULL);
	assert_refused("public_url = example.org\n", p, NULL);
	assert_refused("public_url = //example.org\n", p, NULL);
	assert_refused("public_url = https://exa mple.org\n", p, NULL);
	assert_refused("public_url = https://example.org/\"x\n", p, NULL);
	assert_refused("public_url = https://example.org/<x>\n", p, NULL);
	assert_refused("public_url = https://example.org\\x\n", p, NULL);
	/* jta_url's base rule (issue 19): plain http only to the loopback,
	 * no user name, query or fragment, written as libcurl reads it. */
	assert_refused("public_url = http://example.org\n", p, "loopback");
	assert_refused("public_url = https://u@example.org\n", p, NULL);
	assert_refused("public_url = https://example.org?x=1\n", p, NULL);
	assert_refused("public_url = https://example.org#top\n", p, NULL);
	assert_refused("public_url = https://example.org:0\n", p, "port");
	assert_refused("public_url = https://example.org:\n", p, NULL);
	assert_refused("public_url = HTTPS://example.org\n", p, NULL);
	assert_refused("public_url = https://ex%61mple.org\n", p, NULL);
	assert_refused("public_url = https://exampl\xc3\xa9.org\n", p, NULL);
	assert_refused("atlassian_api_url = http://api.atlassian.com\n",
	    "test.conf:1: key 'atlassian_api_url'", "loopback");
	assert_refused("atlassian_site = https://x.atlassian.net?y\n",
	    "test.conf:1: key 'atlassian_site'", "cloud id");
}
END_TEST

START_TEST(good_public_urls_accepted)
{
	struct jta_conf	 conf;

	assert_ok("public_url = http://localhost:8080", &conf);
	ck_assert_str_eq(conf.public_url, "http://localhost:8080");
	assert_ok("public_url = https://example.org/prefix", &conf);
	ck_assert_str_eq(conf.public_url, "https://example.org/prefix");
}
END_TEST

START_TEST(public_url_too_long_refused)
{
	char	 text[JTA_CONF_URL_MAX + 64];
	size_t	 o;

	o = (size_t)snprintf(text, sizeof(text), "public_url = https://");
	memset(text + o, 'u', JTA_CONF_URL_MAX);
	text[o + JTA_CONF_URL_MAX] = '\0';
	assert_refused(text, "test.conf:1: key 'public_url'", NULL);
}
END_TEST

START_TEST(bad_default_project_refused)
{
	const char *p = "test.conf:1: key 'default_project'";

	assert_refused("default_project = ops\n", p, NULL);
	assert_refused("default_project = 1OPS\n", p, NULL);
	assert_refused("default_project = OP-S\n", p, NULL);
	assert_refused("default_project = ABCDEFGHIJK\n", p, NULL);
}
END_TEST

START_TEST(default_project_at_limit_accepted)
{
	struct jta_conf	 conf;

	assert_ok("default_project = ABCDEFGHIJ", &conf);
	ck_assert_str_eq(conf.default_project, "ABCDEFGHIJ");
	assert_ok("default_project = X", &conf);
	ck_assert_str_eq(conf.default_project, "X");
}
END_TEST

START_TEST(bad_backend_refused)
{
	const char *p = "test.conf:1: key 'backend'";

	assert_refused("backend = nosql\n", p, "'local'");
	assert_refused("backend = JIRA\n", p, "'jira'");
	assert_refused("backend = LOCAL\n", p, NULL);
	assert_refused("backend = local2\n", p, NULL);
}
END_TEST

START_TEST(bad_log_level_refused)
{
	const char *p = "test.conf:1: key 'log_level'";

	assert_refused("log_level = verbose\n", p, "debug");
	assert_refused("log_level = warning\n", p, NULL);
	assert_refused("log_level = 1\n", p, NULL);
}
END_TEST

/* Registered clients' idle days: 30 by default, 1 to 3650, and a refusal
 * names the key. */
START_TEST(registered_client_idle_days)
{
	const char	*p =
	    "test.conf:1: key 'oauth_registered_client_idle_days'";
	struct jta_conf	 conf;

	jta_conf_defaults(&conf);
	ck_assert_int_eq(conf.oauth_registered_client_idle_days, 30);
	assert_refused("oauth_registered_client_idle_days = 0\n", p,
	    "1 to 3650");
	assert_refused("oauth_registered_client_idle_days = 3651\n", p, NULL);
	assert_refused("oauth_registered_client_idle_days = 7d\n", p, NULL);
	assert_ok("oauth_registered_client_idle_days = 7", &conf);
	ck_assert_int_eq(conf.oauth_registered_client_idle_days, 7);
}
END_TEST

/* Attachments: ChatGPT's file host and 10 MiB by default; the host list
 * takes names and ports only, the cap 1 to 100 MiB. */
START_TEST(attachment_keys)
{
	const char	*h = "test.conf:1: key 'attachment_fetch_hosts'";
	const char	*m = "test.conf:1: key 'attachment_max_bytes'";
	struct jta_conf	 conf;

	jta_conf_defaults(&conf);
	ck_assert_str_eq(conf.attachment_fetch_hosts,
	    "files.oaiusercontent.com");
	ck_assert_int_eq(conf.attachment_max_bytes, 10485760);
	ck_assert_int_eq(conf.attachment_fetch_allow_loopback, 0);
	ck_assert_str_eq(conf.attachment_fetch_test_ca_file, "");
	assert_ok("attachment_fetch_hosts = a.example, b.example:8443 "
	    "[2001:db8::1]:443\nattachment_max_bytes = 104857600\n", &conf);
	ck_assert_str_eq(conf.attachment_fetch_hosts,
	    "a.example, b.example:8443 [2001:db8::1]:443");
	ck_assert_int_eq(conf.attachment_max_bytes, 104857600);
	assert_refused("attachment_fetch_hosts = https://a.example/\n", h,
	    "no scheme");
	assert_refused("attachment_fetch_hosts = *.example\n", h, NULL);
	assert_refused("attachment_fetch_hosts = a.example/x\n", h, NULL);
	assert_refused("attachment_max_bytes = 104857601\n", m,
	    "1 to 104857600");
	assert_refused("attachment_max_bytes = 0\n", m, NULL);
	assert_refused("attachment_fetch_allow_loopback = yes\n",
	    "test.conf:1: key 'attachment_fetch_allow_loopback'", "'on'");
}
END_TEST

START_TEST(attachment_clamd_keys)
{
	const char	*k = "test.conf:1: key 'attachment_clamd_socket'";
	const char	*t = "test.conf:1: key 'attachment_clamd_timeout_ms'";
	char		 text[300];
	struct jta_conf	 conf;

	jta_conf_defaults(&conf);
	ck_assert_str_eq(conf.attachment_clamd_socket, "");
	ck_assert_int_eq(conf.attachment_clamd_timeout_ms, 10000);
	assert_ok("attachment_clamd_socket = /run/clamav/clamd.ctl\n"
	    "attachment_clamd_timeout_ms = 300000\n", &conf);
	ck_assert_str_eq(conf.attachment_clamd_socket,
	    "/run/clamav/clamd.ctl");
	ck_assert_int_eq(conf.attachment_clamd_timeout_ms, 300000);
	assert_refused("attachment_clamd_socket = clamd.ctl\n", k,
	    "absolute path");
	/* A Unix socket's path fits sun_path: 107 bytes and its NUL. */
	snprintf(text, sizeof(text), "attachment_clamd_socket = /%0107d\n",
	    0);
	assert_refused(text, k, "longer than 107 bytes");
	snprintf(text, sizeof(text), "attachment_clamd_socket = /%0106d\n",
	    0);
	assert_ok(text, &conf);
	assert_refused("attachment_clamd_timeout_ms = 0\n", t,
	    "1 to 300000");
	assert_refused("attachment_clamd_timeout_ms = 300001\n", t, NULL);
}
END_TEST

START_TEST(busy_timeout_range_and_syntax)
{
	const char	*p = "test.conf:1: key 'busy_timeout_ms'";
	struct jta_conf	 conf;

	assert_refused("busy_timeout_ms = 0\n", p, "1 to 60000");
	assert_refused("busy_timeout_ms = 60001\n", p, NULL);
	assert_refused("busy_timeout_ms = -1\n", p, NULL);
	assert_refused("busy_timeout_ms = +5\n", p, NULL);
	assert_refused("busy_timeout_ms = 1e3\n", p, NULL);
	assert_refused("busy_timeout_ms = 05\n", p, NULL);
	assert_refused("busy_timeout_ms = 5 5\n", p, NULL);
	assert_refused("busy_timeout_ms = 5ms\n", p, NULL);
	assert_refused("busy_timeout_ms = 0x10\n", p, NULL);
	assert_refused("busy_timeout_ms = 99999999999999999999999\n", p,
	    NULL);
	assert_refused("busy_timeout_ms = 5.0\n", p, NULL);
	assert_ok("busy_timeout_ms = 1", &conf);
	ck_assert_int_eq(conf.busy_timeout_ms, 1);
	assert_ok("busy_timeout_ms = 60000", &conf);
	ck_assert_int_eq(conf.busy_timeout_ms, 60000);
	/* Blanks around the value are the file's syntax, not the value's. */
	assert_ok("busy_timeout_ms =  5", &conf);
	ck_assert_int_eq(conf.busy_timeout_ms, 5);
}
END_TEST

START_TEST(line_too_long_refused)
{
	static char	 text[JTA_LIMIT_CONF_LINE + 64];

	/* A comment line of exactly the limit is fine ... */
	memset(text, '#', JTA_LIMIT_CONF_LINE);
	text[JTA_LIMIT_CONF_LINE] = '\0';
	{
		struct jta_conf conf;

		assert_ok(text, &conf);
	}
	/* ... one byte more is not, on whatever line it is. */
	snprintf(text, sizeof(text), "log_level = info\n");
	memset(text + 17, '#', JTA_LIMIT_CONF_LINE + 1);
	text[17 + JTA_LIMIT_CONF_LINE + 1] = '\0';
	assert_refused(text, "test.conf:2:", "longer");
}
END_TEST

START_TEST(nul_byte_refused)
{
	struct jta_conf	 conf;
	char		 msg[256];
	static const char text[] = "log_level = info\ndatabase = /a\0b\n";

	jta_conf_defaults(&conf);
	ck_assert_int_eq(jta_conf_parse(&conf, "test.conf", text,
	    sizeof(text) - 1, msg, sizeof(msg)), JTA_ERR_CONFIG);
	ck_assert_msg(strncmp(msg, "test.conf:2:", 12) == 0, "%s", msg);
	ck_assert_ptr_nonnull(strstr(msg, "NUL"));
	/* Even in a comment. */
	jta_conf_defaults(&conf);
	ck_assert_int_eq(jta_conf_parse(&conf, "test.conf", "#\0\n", 3, msg,
	    sizeof(msg)), JTA_ERR_CONFIG);
}
END_TEST

START_TEST(control_char_refused)
{
	assert_refused("database = /a\x1b[31m\n", "test.conf:1:", "control");
	assert_refused("# ok\nlog_level = info\x01\n", "test.conf:2:",
	    "control");
	assert_refused("# bell \x07 in a comment\n", "test.conf:1:", NULL);
	assert_refused("log_level = info\rdatabase = /x\n", "test.conf:1:",
	    NULL);
}
END_TEST

START_TEST(file_too_large_refused)
{
	struct jta_conf	 conf;
	char		*text, msg[256];
	size_t		 i, len = JTA_LIMIT_CONF_FILE + 2;

	text = malloc(len);
	ck_assert_ptr_nonnull(text);
	for (i = 0; i < len; i++)
		text[i] = i % 64 == 63 ? '\n' : '#';
	jta_conf_defaults(&conf);
	ck_assert_int_eq(jta_conf_parse(&conf, "big.conf", text, len, msg,
	    sizeof(msg)), JTA_ERR_CONFIG);
	ck_assert(strncmp(msg, "big.conf", 8) == 0);
	free(text);
}
END_TEST

START_TEST(load_reads_named_file)
{
	struct jta_conf	 conf;
	char		 path[512], msg[512];
	static const char text[] = "log_level = warn\ndefault_project = DEMO\n";

	writeconf(path, sizeof(path), text, sizeof(text) - 1);
	memset(&conf, 0x5a, sizeof(conf));
	ck_assert_int_eq(jta_conf_load(&conf, path, msg, sizeof(msg)), JTA_OK);
	ck_assert_str_eq(conf.path, path);
	ck_assert_int_eq(conf.log_level, JTA_LOG_WARN);
	ck_assert_str_eq(conf.default_project, "DEMO");
	/* Keys the file leaves out have their defaults. */
	ck_assert_str_eq(conf.database, "/var/lib/jta/jta.db");
	ck_assert_int_eq(conf.busy_timeout_ms, 5000);
}
END_TEST

/* 'jta-admin init' and 'check' load database_url while the programs
 * refuse it; backend = local and a build without libpq still refuse. */
START_TEST(load_schema_accepts_database_url_for_the_engine)
{
	struct jta_conf	 conf;
	char		 path[512], msg[512];
	static const char jira[] = "backend = jira\natlassian_client_id = "
	    "abc\natlassian_client_secret_file = /etc/jta/s\ndatabase_url = "
	    "host=db dbname=jta user=jta\n";
	static const char local[] = "database_url = jta\n";

	writeconf(path, sizeof(path), jira, sizeof(jira) - 1);
#ifdef HAVE_LIBPQ
	ck_assert_int_eq(jta_conf_load_schema(&conf, path, msg, sizeof(msg)),
	    JTA_OK);
	ck_assert_str_eq(conf.database_url, "host=db dbname=jta user=jta");
#else
	ck_assert_int_eq(jta_conf_load_schema(&conf, path, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(msg, "libpq"));
#endif
	writeconf(path, sizeof(path), local, sizeof(local) - 1);
	ck_assert_int_eq(jta_conf_load_schema(&conf, path, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(msg, "database_url"));
}
END_TEST

START_TEST(load_error_names_path_and_line)
{
	struct jta_conf	 conf;
	char		 path[512], msg[512], want[600];
	static const char text[] = "# x\nbusy_timeout_ms = 0\n";

	writeconf(path, sizeof(path), text, sizeof(text) - 1);
	ck_assert_int_eq(jta_conf_load(&conf, path, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s:2: key 'busy_timeout_ms'", path);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "%s", msg);
}
END_TEST

START_TEST(missing_named_file_is_error)
{
	struct jta_conf	 conf;
	char		 dir[256], path[512], msg[512];

	newdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	msg[0] = '\0';
	ck_assert_int_eq(jta_conf_load(&conf, path, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_msg(strstr(msg, path) != NULL, "%s", msg);
}
END_TEST

START_TEST(missing_default_file_gives_defaults)
{
	struct jta_conf	 conf;
	char		 msg[512];

	if (access(JTA_CONF_DEFAULT_PATH, F_OK) == 0) {
		/* Cannot test the missing default on a host that has one;
		 * loading it must still not crash. */
		enum jta_err rc;

		unsetenv("JTA_CONFIG");
		rc = jta_conf_load(&conf, NULL, msg, sizeof(msg));
		ck_assert(rc == JTA_OK || rc == JTA_ERR_CONFIG);
		return;
	}
	unsetenv("JTA_CONFIG");
	memset(&conf, 0x5a, sizeof(conf));
	ck_assert_int_eq(jta_conf_load(&conf, NULL, msg, sizeof(msg)), JTA_OK);
	ck_assert_str_eq(conf.database, "/var/lib/jta/jta.db");
	ck_assert_int_eq(conf.busy_timeout_ms, 5000);
	ck_assert_int_eq(conf.log_level, JTA_LOG_INFO);
}
END_TEST

START_TEST(jta_config_env_names_the_file)
{
	struct jta_conf	 conf;
	char		 path[512], msg[512];
	static const char text[] = "busy_timeout_ms = 1234\n";

	writeconf(path, sizeof(path), text, sizeof(text) - 1);
	ck_assert_int_eq(setenv("JTA_CONFIG", path, 1), 0);
	ck_assert_int_eq(jta_conf_load(&conf, NULL, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(conf.busy_timeout_ms, 1234);
	ck_assert_str_eq(conf.path, path);
	unsetenv("JTA_CONFIG");
}
END_TEST

START_TEST(jta_config_env_missing_file_is_error)
{
	struct jta_conf	 conf;
	char		 dir[256], path[512], msg[512];

	newdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/absent.conf", dir);
	ck_assert_int_eq(setenv("JTA_CONFIG", path, 1), 0);
	msg[0] = '\0';
	ck_assert_int_eq(jta_conf_load(&conf, NULL, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_msg(strstr(msg, path) != NULL, "%s", msg);
	unsetenv("JTA_CONFIG");
}
END_TEST

START_TEST(explicit_path_overrides_jta_config)
{
	struct jta_conf	 conf;
	char		 p1[512], p2[512], msg[512];
	static const char t1[] = "busy_timeout_ms = 111\n";
	static const char t2[] = "busy_timeout_ms = 222\n";

	writeconf(p1, sizeof(p1), t1, sizeof(t1) - 1);
	writeconf(p2, sizeof(p2), t2, sizeof(t2) - 1);
	ck_assert_int_eq(setenv("JTA_CONFIG", p1, 1), 0);
	ck_assert_int_eq(jta_conf_load(&conf, p2, msg, sizeof(msg)), JTA_OK);
	ck_assert_int_eq(conf.busy_timeout_ms, 222);
	unsetenv("JTA_CONFIG");
}
END_TEST

START_TEST(load_refuses_oversized_file)
{
	struct jta_conf	 conf;
	char		 path[512], msg[512], *text;
	size_t		 i, len = JTA_LIMIT_CONF_FILE + 100;

	text = malloc(len);
	ck_assert_ptr_nonnull(text);
	for (i = 0; i < len; i++)
		text[i] = i % 80 == 79 ? '\n' : '#';
	writeconf(path, sizeof(path), text, len);
	free(text);
	ck_assert_int_eq(jta_conf_load(&conf, path, msg, sizeof(msg)),
	    JTA_ERR_CONFIG);
	ck_assert_msg(strstr(msg, path) != NULL, "%s", msg);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite	*s = suite_create("jta_conf");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, defaults_are_documented_values);
	tcase_add_test(tc, attachment_keys);
	tcase_add_test(tc, attachment_clamd_keys);
	tcase_add_test(tc, every_key_is_read);
	tcase_add_test(tc, unset_keys_keep_defaults);
	tcase_add_test(tc, each_log_level_accepted);
	tcase_add_test(tc, empty_text_gives_defaults);
	tcase_add_test(tc, blanks_around_key_and_value_ignored);
	tcase_add_test(tc, comment_and_blank_lines_skipped);
	tcase_add_test(tc, line_numbers_count_comments_and_blanks);
	tcase_add_test(tc, crlf_line_endings_accepted);
	tcase_add_test(tc, last_line_without_newline_read);
	tcase_add_test(tc, text_need_not_be_nul_terminated);
	tcase_add_test(tc, unknown_key_names_file_line_key);
	tcase_add_test(tc, repeated_key_refused);
	tcase_add_test(tc, line_without_equals_refused);
	tcase_add_test(tc, empty_value_refused);
	tcase_add_test(tc, empty_key_refused);
	tcase_add_test(tc, relative_paths_refused);
	tcase_add_test(tc, path_too_long_refused);
	tcase_add_test(tc, path_at_limit_accepted);
	tcase_add_test(tc, token_key_file_rules);
	tcase_add_test(tc, bad_public_urls_refused);
	tcase_add_test(tc, good_public_urls_accepted);
	tcase_add_test(tc, public_url_too_long_refused);
	tcase_add_test(tc, bad_default_project_refused);
	tcase_add_test(tc, default_project_at_limit_accepted);
	tcase_add_test(tc, bad_backend_refused);
	tcase_add_test(tc, bad_log_level_refused);
	tcase_add_test(tc, busy_timeout_range_and_syntax);
	tcase_add_test(tc, registered_client_idle_days);
	tcase_add_test(tc, jira_metadata_ttl_zero_to_a_day);
	tcase_add_test(tc, line_too_long_refused);
	tcase_add_test(tc, nul_byte_refused);
	tcase_add_test(tc, control_char_refused);
	tcase_add_test(tc, file_too_large_refused);
	tcase_add_test(tc, load_reads_named_file);
	tcase_add_test(tc, load_error_names_path_and_line);
	tcase_add_test(tc, missing_named_file_is_error);
	tcase_add_test(tc, missing_default_file_gives_defaults);
	tcase_add_test(tc, jta_config_env_names_the_file);
	tcase_add_test(tc, jta_config_env_missing_file_is_error);
	tcase_add_test(tc, explicit_path_overrides_jta_config);
	tcase_add_test(tc, load_refuses_oversized_file);
	tcase_add_test(tc, jira_keys_are_read);
	tcase_add_test(tc, jira_backend_needs_its_app);
	tcase_add_test(tc, bad_jira_keys_refused);
	tcase_add_test(tc, database_keys_are_read);
	tcase_add_test(tc, bad_database_keys_refused);
	tcase_add_test(tc, postgresql_selectable_for_jira_only);
	tcase_add_test(tc, load_schema_accepts_database_url_for_the_engine);
	suite_add_tcase(s, tc);
	return s;
}

static int
rmentry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Undo what jta_check_suite set up, after the run. */
static void
done(void)
{
	nftw(tmproot, rmentry, 16, FTW_DEPTH | FTW_PHYS);
}

Suite *
jta_check_suite(void)
{
	if (mkdtemp(tmproot) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	jta_check_at_end(done);
	return conf_suite();
}
