/*
 * jta-admin: the operators' command-line tool (cli/jta-admin.h): main(),
 * the command table and the helpers the command files share.  Every
 * change goes through jta_operator, validated as the admin page's are
 * and audited as admin:<action> by operator:NAME (admin_operator).
 *
 * Exit status: 0 done; 1 the operation failed (the message says why);
 * 2 the command line is wrong; 78 the configuration is wrong.
 */
#include "config.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jta-admin.h"
#include "jta_conf.h"
#include "jta_db.h"
#include "jta_db_select.h"
#include "jta_http.h"
#include "jta_log.h"
#include "jta_operator.h"
#include "jta_req.h"
#include "jta_text.h"
#include "jta_store_authz.h"
#include "jta_store_ops.h"
#include "jta_store_people.h"
#include "jta_store_tickets.h"
#include "jta_store_usage.h"
#include "jta_time.h"
#include "jta_types.h"
#include "jta_usage.h"
#include "jta_vault.h"

struct cmd {
	const char	*group;		/* "user", or NULL for a lone word */
	const char	*verb;
	const char	*usage;
	const char	*help;
	int		(*run)(const struct jta_conf *, int, char **);
};

const char *const admin_prog = "jta-admin";

/* --operator NAME, or NULL. */
static const char *operator_flag;

/* The name admin_operator found ("uid N" needs room). */
static char operator_name[JTA_OPERATOR_LOGIN_MAX + 1];

void
admin_fail(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", admin_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
admin_options(int *argc, char **argv, const char *const *names,
    const char **vals)
{
	int	 i, o = 0;
	size_t	 k;

	for (i = 0; i < *argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			argv[o++] = argv[i];
			continue;
		}
		for (k = 0; names[k] != NULL; k++)
			if (strcmp(argv[i] + 2, names[k]) == 0)
				break;
		if (names[k] == NULL) {
			admin_fail("unknown option %.64s", argv[i]);
			return -1;
		}
		if (i + 1 >= *argc) {
			admin_fail("option %s needs a value", argv[i]);
			return -1;
		}
		vals[k] = argv[++i];
	}
	*argc = o;
	return 0;
}

void
admin_flags(int *argc, char **argv, const char *const *names, int *set)
{
	int	 i, o = 0;
	size_t	 k;

	for (i = 0; i < *argc; i++) {
		for (k = 0; names[k] != NULL; k++)
			if (strncmp(argv[i], "--", 2) == 0 &&
			    strcmp(argv[i] + 2, names[k]) == 0)
				break;
		if (names[k] != NULL)
			set[k] = 1;
		else
			argv[o++] = argv[i];
	}
	*argc = o;
}

int
admin_qflags(int argc, char **argv, const char *const *withval,
    const char **vals, const char *const *bare, int *set)
{
	int	 i;
	size_t	 k;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			admin_fail("unexpected argument '%.64s'", argv[i]);
			return -1;
		}
		for (k = 0; withval[k] != NULL; k++)
			if (strcmp(argv[i] + 2, withval[k]) == 0)
				break;
		if (withval[k] != NULL) {
			if (i + 1 >= argc) {
				admin_fail("option %s needs a value", argv[i]);
				return -1;
			}
			if (vals[k] != NULL) {
				admin_fail("option %s is given twice", argv[i]);
				return -1;
			}
			vals[k] = argv[++i];
			continue;
		}
		for (k = 0; bare != NULL && bare[k] != NULL; k++)
			if (strcmp(argv[i] + 2, bare[k]) == 0)
				break;
		if (bare == NULL || bare[k] == NULL) {
			admin_fail("unknown option %.64s", argv[i]);
			return -1;
		}
		set[k] = 1;
	}
	return 0;
}

int
admin_oneline(const char *what, const char *s, size_t max)
{
	size_t	 n = strlen(s), i;

	if (n > max) {
		admin_fail("%s is %zu bytes; at most %zu", what, n, max);
		return 0;
	}
	if (!jta_text_utf8_valid(s, n)) {
		admin_fail("%s is not UTF-8", what);
		return 0;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			admin_fail("%s must be one line without control "
			    "characters", what);
			return 0;
		}
	return 1;
}

int
admin_printjson(const json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2)) != 0)
		return 1;
	fputc('\n', stdout);
	return 0;
}

const char *
admin_jstr(const json_t *o, const char *k)
{
	const char	*v = json_string_value(json_object_get(o, k));

	return v != NULL ? v : "";
}

int
admin_openstore(const struct jta_conf *conf, unsigned flags,
    struct jta_store **st)
{
	char	 msg[768];

	if (jta_db_open(conf, flags, st, msg, sizeof(msg)) != JTA_OK) {
		admin_fail("%s", msg);
		return -1;
	}
	return 0;
}


void
admin_operator_set(const char *name)
{
	operator_flag = name;
}

const char *
admin_operator(void)
{
	const char	*who = operator_flag;
	struct passwd	*pw;

	if (who == NULL || who[0] == '\0')
		who = getenv("SUDO_USER");
	if (who == NULL || who[0] == '\0')
		who = getlogin();
	if ((who == NULL || who[0] == '\0') && (pw = getpwuid(getuid())) !=
	    NULL)
		who = pw->pw_name;
	if (who != NULL && who[0] != '\0')
		snprintf(operator_name, sizeof(operator_name), "%s", who);
	else
		snprintf(operator_name, sizeof(operator_name), "uid %lu",
		    (unsigned long)getuid());
	return operator_name;
}

int
admin_open(const struct jta_conf *conf, unsigned need,
    struct jta_operator *op)
{
	char	 msg[768];

	if (jta_operator_open(op, conf, need, admin_operator(), msg,
	    sizeof(msg)) != JTA_OK) {
		admin_fail("%s", msg);
		return -1;
	}
	return 0;
}

int
admin_failed(enum jta_err e, const struct jta_error *err, const char *what)
{
	const char	*detail = err->detail[0] != '\0' ? err->detail :
	    "the operation failed; the log has details";

	if (what != NULL)
		admin_fail("%s: %s", what, detail);
	else
		admin_fail("%s", detail);
	return e == JTA_ERR_INPUT ? EXIT_USAGE : 1;
}

static const struct cmd cmds[] = {
	{ NULL, "init", "init",
	  "Create the key files (master key and token keys, mode 0600) and\n"
	  "the database if missing, and bring the database schema up to\n"
	  "date.  Safe to run again.",
	  cmd_init },
	{ NULL, "migrate", "migrate [--dry-run]",
	  "Move a single-host SQLite database (database) into the PostgreSQL\n"
	  "database of database_url, which 'jta-admin init' made: people,\n"
	  "API keys, passwords, Atlassian links with their tokens still\n"
	  "sealed under the same key files, OAuth clients, unexpired token\n"
	  "families, drafts, idempotency keys and conversations, the switch,\n"
	  "access rules, quotas, usage and the audit log.  One transaction\n"
	  "(all or nothing) under the schema lock; safe to run again (rows\n"
	  "there already are not moved twice).  Prints per table the rows\n"
	  "moved and already there.  --dry-run: the same counts, nothing\n"
	  "changed.",
	  cmd_migrate },
	{ NULL, "key-rotate", "key-rotate",
	  "Rotate the token key that seals Atlassian tokens: add a new key to\n"
	  "token_key_file (it seals from now on; running workers re-read the\n"
	  "file), re-seal every stored token under it in short transactions\n"
	  "while the service keeps serving, wait busy_timeout_ms for writes\n"
	  "already under way, then retire the old keys.  If tokens remain\n"
	  "under an old key the old keys are kept and the exit status is 1.",
	  cmd_key_rotate },
	{ "user", "add", "user add NAME [--display-name TEXT] [--email ADDR]",
	  "Add a local user.  NAME: lower-case letters, digits, '.', '_', '-'.",
	  cmd_user_add },
	{ "user", "list", "user list", "List the local users as JSON.",
	  cmd_user_list },
	{ "key", "create", "key create USER [--label TEXT]",
	  "Make an API key for USER and print it once on stdout; only its\n"
	  "keyed hash is stored.  Send it as 'Authorization: Bearer KEY'.",
	  cmd_key_create },
	{ "key", "list", "key list [USER]",
	  "List API keys (id, user, label, created, revoked) as JSON.",
	  cmd_key_list },
	{ "key", "revoke", "key revoke ID",
	  "Revoke the key with that id (the 12 hex digits after 'jta_').",
	  cmd_key_revoke },
	{ "user", "passwd", "user passwd NAME [--clear]",
	  "Set NAME's password for signing in from a GPT (/oauth/authorize):\n"
	  "one line on standard input, 8 to 256 bytes.  Only an Argon2id hash\n"
	  "is kept.  --clear removes it: NAME can no longer sign in with one.",
	  cmd_user_passwd },
	{ "client", "add",
	  "client add --name NAME --redirect-uri URI [--redirect-uri URI...]"
	  " [--public]",
	  "Register an OAuth client (a GPT Action) with its redirect URIs,\n"
	  "matched exactly (ChatGPT shows its callback URL in the GPT's\n"
	  "action settings).  Prints client_id and client_secret once on\n"
	  "stdout; only a keyed hash of the secret is kept.  --public: a\n"
	  "browser application (the chat widget): no secret, PKCE S256\n"
	  "required; prints client_id only.",
	  cmd_client_add },
	{ "client", "list", "client list",
	  "List OAuth clients (client_id, name, redirect_uris, created,\n"
	  "grants: live refresh tokens) as JSON.",
	  cmd_client_list },
	{ "client", "remove", "client remove ID",
	  "Remove an OAuth client: its codes go, its tokens are revoked.",
	  cmd_client_remove },
	{ "client", "prune", "client prune",
	  "Remove the registered MCP clients (never one added here) with no\n"
	  "token family alive and no code for\n"
	  "oauth_registered_client_idle_days days; prints each one removed.\n"
	  "Registration does the same lazily.",
	  cmd_client_prune },
	{ "client", "rotate-secret", "client rotate-secret ID",
	  "Give the client a new secret, printed once; the old one stops\n"
	  "working at once (paste the new one into the GPT's settings).",
	  cmd_client_rotate },
	{ "project", "add", "project add KEY NAME [--types Task,Bug,...]",
	  "Add a project of the embedded ticket store.  KEY: an upper-case\n"
	  "letter then up to 9 upper-case letters or digits.  The issue types\n"
	  "default to Task, Bug, Story.",
	  cmd_project_add },
	{ "project", "list", "project list",
	  "List the projects with their types and priorities as JSON.",
	  cmd_project_list },
	{ "kb", "import", "kb import FILE|DIR [--space KEY] [--url-base URL]",
	  "Import Markdown (.md, .markdown) or HTML (.html, .htm) articles\n"
	  "into the embedded knowledge base: one file, or the files of a\n"
	  "directory.  HTML is converted to Markdown (scripts, styles,\n"
	  "frames and every attribute but http(s) links dropped).  The\n"
	  "title is the first heading (HTML: <title> first), else the file\n"
	  "name.  A file imported again replaces its article.  --url-base:\n"
	  "the link people get is URL/FILE-NAME.",
	  cmd_kb_import },
	{ "kb", "list", "kb list",
	  "List the knowledge base's articles (no bodies) as JSON.",
	  cmd_kb_list },
	{ "kb", "remove", "kb remove ID",
	  "Remove an article (kb-N, as kb list shows it).",
	  cmd_kb_remove },
	{ "kb", "space",
	  "kb space add KEY --as PERSON | kb space list | kb space remove KEY",
	  "Declare a Confluence space public to everyone who uses this\n"
	  "service on PERSON's Atlassian site (backend = jira): its pages\n"
	  "are synced into the local index as PERSON, a linked person (an\n"
	  "operator's service account: Confluence answers only with a\n"
	  "person's token, and only the pages that person may read), and\n"
	  "shown only to people linked to the same site.  list prints the\n"
	  "declared spaces as JSON; remove forgets one and its articles.",
	  cmd_kb_space },
	{ "kb", "sync", "kb sync [KEY]",
	  "Re-index every declared space (or KEY) now from Confluence.  A\n"
	  "space replaces its articles only when its whole sync succeeded;\n"
	  "a failure keeps the old ones served and is shown by kb status.\n"
	  "jta-kb-sync.timer runs this every 24 hours.",
	  cmd_kb_sync },
	{ "kb", "status", "kb status",
	  "Per declared space as JSON: last sync, articles, last error,\n"
	  "stale (never synced, or not for 48 hours).",
	  cmd_kb_status },
	{ "requesttype", "add", "requesttype add KEY NAME "
	  "[--description TEXT]\n    [--help-text TEXT] "
	  "[--fields summary,description,priority,labels,assignee]",
	  "Add a request type (Jira Service Management) to project KEY of the\n"
	  "embedded store: its name, description and help text (what the\n"
	  "assistant matches a person's words against) and the fields a\n"
	  "request of it asks for (default summary,description; summary\n"
	  "always).  A project with request types is a service desk.",
	  cmd_requesttype_add },
	{ "requesttype", "list", "requesttype list [KEY]",
	  "List the request types (of project KEY) as JSON.",
	  cmd_requesttype_list },
	{ "requesttype", "remove", "requesttype remove KEY NAME",
	  "Remove a request type no request was raised with.",
	  cmd_requesttype_remove },
	{ NULL, "off", "off [--message TEXT]",
	  "Switch the assistant off for everyone: from the next request every\n"
	  "API and OAuth endpoint answers 503 problem+json whose detail is\n"
	  "TEXT (one line, at most 500 bytes; the GPT relays it), and nothing\n"
	  "reaches Jira.  /healthz stays 200 and says \"enabled\": false.\n"
	  "No restart is needed, in either direction.",
	  cmd_off },
	{ NULL, "on", "on",
	  "Switch the assistant back on; the next request is served.",
	  cmd_on },
	{ NULL, "status", "status",
	  "Show whether the assistant is on or off, the message, since when\n"
	  "and by whom (the operator's name, see 'help'), and how many\n"
	  "access rules there are.",
	  cmd_status },
	{ "cache", "clear", "cache clear [SITE]",
	  "Forget the Jira metadata cache (create screens, projects,\n"
	  "priorities, service desks and request types) of SITE (a cloud id;\n"
	  "without it, of every site).  The workers ask Jira afresh at their\n"
	  "next need; no restart is needed.",
	  cmd_cache_clear },
	{ "store", "optimize", "store optimize",
	  "Merge the embedded ticket store's two search indexes (words and\n"
	  "trigrams) into one segment each.  Every ticket written adds a\n"
	  "segment and a search probes each one, so searches slow down as\n"
	  "writes pile up; the work grows with the store (about 1 s at\n"
	  "20,000 tickets) and holds the write lock meanwhile (reads go on).\n"
	  "jta-optimize.timer runs it daily.  Prints the segments before and\n"
	  "after.  With backend = jira there is no ticket store: it says so\n"
	  "and succeeds.",
	  cmd_store_optimize },
	{ NULL, "allow", "allow KIND VALUE [--for read|create|write|all] "
	  "[--note TEXT]",
	  "Add an allow rule.  KIND: site (cloud id or NAME.atlassian.net;\n"
	  "backend = jira), project (KEY), person (account id, email or user\n"
	  "name), group (a Jira group; backend = jira), domain (of the\n"
	  "person's email).  Once a kind has allow rules covering an\n"
	  "operation, only those values may do it.  --for: read (search,\n"
	  "read), create (new tickets), write (create, edit, comment,\n"
	  "transition), all (the default).  Deny rules win over allow rules.\n"
	  "Applies at the next request of every worker.",
	  cmd_allow },
	{ NULL, "deny", "deny KIND VALUE [--for read|create|write|all] "
	  "[--note TEXT]",
	  "Add a deny rule; KIND and --for as for 'allow'.  A denied request\n"
	  "is 403 problem+json naming the rule.  'deny readonly' (no VALUE)\n"
	  "makes the assistant read-only: every create, edit, comment and\n"
	  "transition is refused.",
	  cmd_deny },
	{ "rules", "remove", "rules remove ID",
	  "Remove the rule with that id (see 'rules'); applies at once.",
	  cmd_rules_remove },
	{ NULL, "rules", "rules",
	  "List the access rules with their ids, oldest first.",
	  cmd_rules },
	{ "quota", "set", "quota set --person NAME|--site SITE|"
	  "--default-person|--default-site\n"
	  "        --metric calls|creates|updates|conversations|prompt_tokens|"
	  "completion_tokens|\n        files|file_bytes --limit N "
	  "[--per day|month]",
	  "Set a quota (or change its limit): for one person (a user name),\n"
	  "one site (Jira mode: the linked site's host, e.g.\n"
	  "example.atlassian.net; local mode: local), or the default for\n"
	  "every person or site without a quota of its own.  --per: a UTC\n"
	  "day (the default for a person) or a calendar month (the default\n"
	  "for a site).  prompt_tokens and completion_tokens are the\n"
	  "model's tokens of our own agent; they cap only its messages.\n"
	  "files and file_bytes are the files kept with drafts and their\n"
	  "bytes; they refuse the next file (429), never the request.\n"
	  "From 70 % and 90 % the API's answers carry a\n"
	  "\"notice\"; at 100 % the person (or everyone on the site) gets\n"
	  "429 until the period resets or the limit is raised.  Applies at\n"
	  "the next request.",
	  cmd_quota_set },
	{ "quota", "list", "quota list [--json]",
	  "List the quotas.",
	  cmd_quota_list },
	{ "quota", "remove", "quota remove --person NAME|--site SITE|"
	  "--default-person|--default-site\n"
	  "        --metric METRIC [--per day|month]",
	  "Remove a quota (without --per: of either period).",
	  cmd_quota_remove },
	{ NULL, "usage", "usage [--by person|day|site] [--from DATE] "
	  "[--to DATE] [--json|--csv]",
	  "Show the usage counted from DATE to DATE (UTC days, YYYY-MM-DD,\n"
	  "inclusive; by default from the first of this month to today),\n"
	  "grouped by person (the default), day or site: API calls, tickets\n"
	  "created, tickets updated (edits, comments, transitions) and\n"
	  "conversations (calls with gaps under 30 minutes), and the\n"
	  "model's prompt and completion tokens of our own agent, and the\n"
	  "files kept with drafts and their bytes.  A table,\n"
	  "or JSON, or CSV with a header line.",
	  cmd_usage },
	{ NULL, "audit", "audit [--person NAME|ACCOUNT_ID|EMAIL] "
	  "[--ticket KEY] [--from DATE] [--to DATE] [--action A] [--limit N] "
	  "[--json|--csv] | audit --purge",
	  "Show the audit log, newest first (100 rows unless --limit):\n"
	  "every create, edit, comment, transition, delete, draft, sign-in\n"
	  "(and refused one) and operator action, with when, who, site,\n"
	  "ticket, endpoint and the HTTP status.  --person matches a user\n"
	  "name, an Atlassian account id or a user's email; --ticket an\n"
	  "issue key (or a draft or ticket id); DATE is YYYY-MM-DD (UTC;\n"
	  "--to counts that whole day) or YYYY-MM-DDTHH:MM:SSZ; --action one\n"
	  "of create, edit, comment, transition, delete, draft, sign-in,\n"
	  "admin:...\n"
	  "--json and --csv print every column.  --purge deletes the rows\n"
	  "older than audit_retention_days now (the services also do it a\n"
	  "batch at a time as they write) and logs admin:audit-purge.",
	  cmd_audit },
	{ "users", "unlink", "users unlink NAME",
	  "Unlink NAME: delete their Atlassian link with its sealed tokens,\n"
	  "revoke every OAuth token we issued them (every refresh family),\n"
	  "and log it as admin:unlink.  Their next API call is 401 telling\n"
	  "them to visit /oauth/start; their API keys stay.",
	  cmd_users_unlink },
	{ NULL, "users", "users [--json]",
	  "List the local users with their Atlassian link: name, link status\n"
	  "(linked, broken: must sign in again, none), account id, site and\n"
	  "when the link's tokens last changed.",
	  cmd_users },
	{ NULL, "check", "check [--sockets DIR] [--logs DIR]",
	  "Check the installation, one line per check with ok or FAIL: the\n"
	  "configuration loads; the state directory (the database's) is\n"
	  "written by its owner only and the database is mode 0600; the\n"
	  "sockets directory (--sockets, default /run/jta when it exists)\n"
	  "and the logs directory (--logs, default /var/log/jta when it\n"
	  "exists) are 0750 at most, each *.sock in it 0660 at most, each\n"
	  "*.log 0640 at most, all owned by this user or root (each one too\n"
	  "open is named with the chmod that fixes it); the key files exist,\n"
	  "are regular files with mode 0600 or 0400, owned by this user or\n"
	  "root; the database opens\n"
	  "with the current schema and passes PRAGMA integrity_check and the\n"
	  "FTS index's integrity-check; with backend = jira, Atlassian's auth\n"
	  "and API hosts answer (no token is sent).  Exit status 1 when any\n"
	  "check fails.",
	  cmd_check },
	{ "attachment", "check", "attachment check [LINK --type MIME "
	  "[--name NAME]]",
	  "Report the virus scanner (attachment_clamd_socket): off,\n"
	  "reachable with clamd's version, or not reachable (exit status 1);\n"
	  "with LINK, only when one is set.\n"
	  "With LINK, also fetch it as an attachment would be fetched (README\n"
	  "\"Attachments\"): https only, a host on attachment_fetch_hosts,\n"
	  "redirects only to such hosts, never a private or loopback\n"
	  "address, at most attachment_max_bytes, the content matching MIME\n"
	  "(the type the assistant would declare) and NAME cleaned, and scan\n"
	  "it.  Prints \"ok NAME, TYPE, SIZE bytes\" or \"refused (WHAT):\n"
	  "why\"; exit status 1 when refused.  Nothing is kept.",
	  cmd_attachment_check },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void
usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: %s [--config FILE] [--operator NAME] COMMAND ..."
	    "\n\ncommands:\n", admin_prog);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f, "\n'%s COMMAND --help' explains one.  The configuration "
	    "is FILE, or $JTA_CONFIG,\nor %s.\n\nEvery change is written to "
	    "the audit log as admin:<action> by\noperator:NAME: --operator "
	    "NAME, else $SUDO_USER (the login behind sudo),\nelse the login "
	    "name, else the user name of the uid.\n", admin_prog,
	    JTA_CONF_DEFAULT_PATH);
}

int
main(int argc, char **argv)
{
	struct jta_conf	 conf;
	const struct cmd *c = NULL;
	const char	*path = NULL;
	char		 msg[768];
	size_t		 i;
	int		 a = 1, rc, k;

	jta_log_init(admin_prog);
	while (a < argc && (strcmp(argv[a], "--config") == 0 ||
	    strcmp(argv[a], "--operator") == 0)) {
		if (a + 1 >= argc || argv[a + 1][0] == '\0') {
			usage(stderr);
			return EXIT_USAGE;
		}
		if (argv[a][2] == 'c')
			path = argv[a + 1];
		else
			admin_operator_set(argv[a + 1]);
		a += 2;
	}
	if (a >= argc || strcmp(argv[a], "--help") == 0 ||
	    strcmp(argv[a], "help") == 0) {
		usage(a >= argc ? stderr : stdout);
		return a >= argc ? EXIT_USAGE : 0;
	}
	for (i = 0; i < NCMDS && c == NULL; i++) {
		if (cmds[i].group == NULL && strcmp(argv[a], cmds[i].verb) == 0)
			c = &cmds[i];
		else if (cmds[i].group != NULL &&
		    strcmp(argv[a], cmds[i].group) == 0 && a + 1 < argc &&
		    strcmp(argv[a + 1], cmds[i].verb) == 0)
			c = &cmds[i];
	}
	if (c == NULL) {
		admin_fail("unknown command '%.64s'", argv[a]);
		usage(stderr);
		return EXIT_USAGE;
	}
	a += c->group != NULL ? 2 : 1;
	for (k = a; k < argc; k++)
		if (strcmp(argv[k], "--help") == 0) {
			printf("usage: %s %s\n\n%s\n", admin_prog, c->usage,
			    c->help);
			return 0;
		}
	/* init, check and migrate reach only the database engine: they may
	 * create, check and fill a PostgreSQL schema while the programs
	 * still refuse database_url (jta_conf_load_schema). */
	if ((c->group == NULL && (strcmp(c->verb, "init") == 0 ||
	    strcmp(c->verb, "check") == 0 ||
	    strcmp(c->verb, "migrate") == 0) ?
	    jta_conf_load_schema(&conf, path, msg, sizeof(msg)) :
	    jta_conf_load(&conf, path, msg, sizeof(msg))) != JTA_OK) {
		admin_fail("configuration: %s", msg);
		return EXIT_CONFIG;
	}
	jta_log_set_level((enum jta_log_level)conf.log_level);
	if ((rc = c->run(&conf, argc - a, argv + a)) == EXIT_USAGE)
		fprintf(stderr, "usage: %s %s\n", admin_prog, c->usage);
	return rc;
}
