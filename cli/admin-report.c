/*
 * jta-admin's report commands (cli/jta-admin.h): the audit log (and
 * its purge, itself audited), the installation check, and the check of
 * one attachment link against the fetch rules.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jta-admin.h"
#include "jta_attach.h"
#include "jta_audit.h"
#include "jta_clamd.h"
#include "jta_conf.h"
#include "jta_http.h"
#include "jta_limits.h"
#include "jta_operator.h"
#include "jta_req.h"
#include "jta_db.h"
#include "jta_store_ops.h"
#include "jta_text.h"
#include "jta_time.h"
#include "jta_url.h"
#include "jta_vault.h"

static int
auditpurge(const struct jta_conf *conf)
{
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	int64_t		 total = 0;
	int		 rc = 0;

	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_audit_purge(&op, conf->audit_retention_days,
	    &total, &err)) != JTA_OK)
		rc = admin_failed(e, &err, NULL);
	else
		printf("purged %lld audit rows older than %d days\n",
		    (long long)total, conf->audit_retention_days);
	jta_operator_close(&op);
	return rc;
}

/* One CSV cell (RFC 4180 §2: quoted, quotes doubled); a cell a
 * spreadsheet would run as a formula gets a leading quote (OWASP CSV
 * injection). */
static void
csvcell(const char *v, int last)
{
	const char	*p;

	fputc('"', stdout);
	if (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')
		fputc('\'', stdout);
	for (p = v; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', stdout);
		fputc(*p, stdout);
	}
	fputs(last ? "\"\r\n" : "\",", stdout);
}

/* A --from/--to date: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ; a day given
 * as --to counts whole (up to the next midnight). */
static int
datearg(const char *opt, const char *v, int end, int64_t *out)
{
	size_t	 n = strlen(v);

	if (jta_time_parse(v, n, out) != 0) {
		admin_fail("--%s must be a date, YYYY-MM-DD or "
		    "YYYY-MM-DDTHH:MM:SSZ (UTC)", opt);
		return -1;
	}
	if (end && n == 10)
		*out += 86400;
	return 0;
}

int
cmd_audit(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "person", "ticket", "from", "to",
	    "action", "limit", NULL };
	static const char *const lone[] = { "json", "csv", "purge", NULL };
	static const char *const cols[] = { "when", "who", "account_id",
	    "site", "action", "issue_key", "endpoint", "status", "detail" };
	const char	*vals[6] = { NULL };
	int		 set[3] = { 0, 0, 0 };
	struct jta_audit_filter f;
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	char		 num[24];
	uint64_t	 lim = 100;
	json_t		*rows = NULL, *r;
	size_t		 i, k;
	int		 rc = 1;

	admin_flags(&argc, argv, lone, set);
	if (admin_options(&argc, argv, names, vals) != 0 || argc != 0)
		return EXIT_USAGE;
	if (set[2]) {
		for (k = 0; k < 6; k++)
			if (vals[k] != NULL) {
				admin_fail("--purge takes no filter: it "
				    "deletes the rows older than "
				    "audit_retention_days");
				return EXIT_USAGE;
			}
		return auditpurge(conf);
	}
	if (set[0] && set[1]) {
		admin_fail("--json and --csv exclude each other");
		return EXIT_USAGE;
	}
	memset(&f, 0, sizeof(f));
	if ((vals[0] != NULL && !admin_oneline("--person", vals[0],
	    JTA_AUDIT_WHO_MAX)) || (vals[1] != NULL &&
	    !admin_oneline("--ticket", vals[1], JTA_AUDIT_WORD_MAX)) ||
	    (vals[4] != NULL &&
	    !admin_oneline("--action", vals[4], JTA_AUDIT_WORD_MAX)))
		return EXIT_USAGE;
	f.person = vals[0];
	f.ticket = vals[1];
	f.action = vals[4];
	if ((vals[2] != NULL && datearg("from", vals[2], 0, &f.from) != 0) ||
	    (vals[3] != NULL && datearg("to", vals[3], 1, &f.to) != 0))
		return EXIT_USAGE;
	if (f.from != 0 && f.to != 0 && f.to <= f.from) {
		admin_fail("--to must come after --from");
		return EXIT_USAGE;
	}
	if (vals[5] != NULL && (jta_text_parse_uint(vals[5], strlen(vals[5]),
	    1000000, &lim) != 0 || lim == 0)) {
		admin_fail("--limit must be a whole number from 1 to 1000000");
		return EXIT_USAGE;
	}
	f.limit = (int64_t)lim;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_audit_query(&op, &f, &rows, &err)) != JTA_OK) {
		rc = admin_failed(e, &err, NULL);
		goto out;
	}
	if (set[0]) {
		rc = admin_printjson(rows);
		goto out;
	}
	if (set[1]) {
		for (k = 0; k < 9; k++)
			csvcell(cols[k], k == 8);
	} else if (json_array_size(rows) == 0)
		printf("no audit rows match\n");
	else
		printf("%-20s %-20s %-10s %-14s %-12s %-14s %-6s %s\n", "WHEN",
		    "WHO", "ACTION", "TICKET", "ENDPOINT", "SITE", "STATUS",
		    "DETAIL");
	json_array_foreach(rows, i, r) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(r, "status")));
		if (set[1]) {
			for (k = 0; k < 9; k++)
				csvcell(k == 7 ? num : admin_jstr(r, cols[k]),
				    k == 8);
			continue;
		}
		printf("%-20s %-20s %-10s %-14s %-12s %-14s %-6s %s\n",
		    admin_jstr(r, "when"), admin_jstr(r, "who"),
		    admin_jstr(r, "action"), admin_jstr(r, "issue_key")[0] ?
		    admin_jstr(r, "issue_key") : "-",
		    admin_jstr(r, "endpoint"), admin_jstr(r, "site")[0] ?
		    admin_jstr(r, "site") : "-", num,
		    admin_jstr(r, "detail"));
	}
	rc = 0;
out:
	json_decref(rows);
	jta_operator_close(&op);
	return rc;
}

/* A key file: present, a regular file, mode 0600 or 0400, owned by us or
 * root.  Prints its line; 0 when good. */
static int
keyfile(const char *key, const char *path)
{
	struct stat	 sb;
	mode_t		 m;

	if (path[0] == '\0') {
		printf("FAIL %s: not set\n", key);
		return -1;
	}
	if (stat(path, &sb) != 0) {
		printf("FAIL %s %s: %s\n", key, path, strerror(errno));
		return -1;
	}
	m = sb.st_mode & 07777;
	if (!S_ISREG(sb.st_mode)) {
		printf("FAIL %s %s: not a regular file\n", key, path);
		return -1;
	}
	if (m != 0600 && m != 0400) {
		printf("FAIL %s %s: mode %04o, must be 0600 or 0400 (chmod "
		    "600 %s)\n", key, path, (unsigned)m, path);
		return -1;
	}
	if (sb.st_uid != geteuid() && sb.st_uid != 0) {
		printf("FAIL %s %s: owned by uid %lu, must be this user (uid "
		    "%lu) or root\n", key, path, (unsigned long)sb.st_uid,
		    (unsigned long)geteuid());
		return -1;
	}
	printf("ok   %s %s (mode %04o)\n", key, path, (unsigned)m);
	return 0;
}

/* Atlassian answers at url (any status under 500: reachable). */
static int
reachable(const struct jta_conf *conf, const char *key, const char *url)
{
	struct jta_http_req req;
	struct jta_http_resp resp;
	struct jta_error err;
	int		 ok;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	memset(&err, 0, sizeof(err));
	req.method = "GET";
	req.url = url;
	req.timeout_ms = conf->upstream_timeout_ms;
	req.repeatable = 1;
	ok = jta_http_do(&req, &resp, &err) == JTA_OK;
	if (ok)
		printf("ok   %s %s reachable (HTTP %ld, %ld ms)\n", key, url,
		    resp.status, resp.elapsed_ms);
	else
		printf("FAIL %s %s: not reachable: %s\n", key, url,
		    err.detail);
	jta_http_resp_free(&resp);
	return ok ? 0 : -1;
}

/* The owner of sb: this user or root, else a FAIL line naming what and
 * path.  0 when good. */
static int
owner(const char *what, const char *path, const struct stat *sb)
{
	if (sb->st_uid == geteuid() || sb->st_uid == 0)
		return 0;
	printf("FAIL %s %s: owned by uid %lu, must be this user (uid %lu) "
	    "or root\n", what, path, (unsigned long)sb->st_uid,
	    (unsigned long)geteuid());
	return -1;
}

/*
 * A file or directory that must not be more open than its kind allows:
 * no bit of mask may be set in its mode (mask 0022: nobody but the owner
 * may write; 0007: others may do nothing; 0027: the group may read, others
 * nothing).  why says who gets in; fix is the mode to chmod it to.
 * Prints a FAIL line naming what and path; 0 when good, -1 when not.
 */
static int
notopen(const char *what, const char *path, const struct stat *sb,
    mode_t mask, const char *why, const char *fix)
{
	mode_t	 m = sb->st_mode & 07777;

	if ((m & mask) == 0)
		return owner(what, path, sb);
	printf("FAIL %s %s: mode %04o, %s (chmod %s %s)\n", what, path,
	    (unsigned)m, why, fix, path);
	return -1;
}

/*
 * A directory of sockets or logs and the entries in it whose names end
 * in suffix: the directory may be written by its owner only and entered
 * by others not at all (0750 at most: a directory others may write lets
 * them rename a socket and listen in its place), each entry no more open
 * than emask allows.  dir NULL: the default def, skipped when it does not
 * exist.  Prints a line per thing checked; the number of FAILs.
 */
static int
dirmodes(const char *what, const char *dir, const char *def,
    const char *suffix, mode_t emask, const char *why, const char *fix)
{
	char		 path[JTA_CONF_PATH_MAX + 256];
	struct stat	 sb;
	struct dirent	*de;
	DIR		*d = NULL;
	size_t		 n, sl = strlen(suffix);
	int		 bad = 0, seen = 0;

	if (dir == NULL) {
		if (stat(def, &sb) != 0 && errno == ENOENT) {
			printf("--   %s %s: not there, not checked (--%s DIR "
			    "names another)\n", what, def, what);
			return 0;
		}
		dir = def;
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		printf("FAIL %s %s: not a directory\n", what, dir);
		return 1;
	}
	if (notopen(what, dir, &sb, 0027, "others may enter or the group "
	    "may write", "750") != 0)
		bad++;
	if ((d = opendir(dir)) == NULL) {
		printf("FAIL %s %s: cannot read it: %s\n", what, dir,
		    strerror(errno));
		return bad + 1;
	}
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n <= sl || strcmp(de->d_name + n - sl, suffix) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &sb) != 0)
			continue;	/* gone since readdir */
		seen++;
		if (notopen(what, path, &sb, emask, why, fix) != 0)
			bad++;
	}
	closedir(d);
	if (bad == 0)
		printf("ok   %s %s and its %d *%s owned by this user or root, "
		    "closed to others\n", what, dir, seen, suffix);
	return bad;
}

/* The state directory (the database's) and the database file. */
static int
statemodes(const struct jta_conf *conf)
{
	char		 dir[JTA_CONF_PATH_MAX];
	struct stat	 sb;
	int		 bad = 0;

	snprintf(dir, sizeof(dir), "%s", conf->database);
	*strrchr(dir, '/') = '\0';	/* an absolute path: found */
	if (dir[0] == '\0')
		snprintf(dir, sizeof(dir), "/");
	if (stat(dir, &sb) != 0) {
		printf("FAIL state directory %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (notopen("state directory", dir, &sb, 0022, "others or the group "
	    "may write in it", "750") != 0)
		bad++;
	if (stat(conf->database, &sb) == 0 && notopen("database",
	    conf->database, &sb, 0077, "others or the group may read it",
	    "600") != 0)
		bad++;
	if (bad == 0)
		printf("ok   state directory %s and database: only this user "
		    "may write them\n", dir);
	return bad;
}

int
cmd_check(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "sockets", "logs", NULL };
	const char	*vals[2] = { NULL, NULL };
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	char		 msg[768], host[JTA_CONF_URL_MAX + 2];
	char		 org[JTA_CONF_URL_MAX];
	struct jta_url	 au;
	int		 bad = 0, ver = 0;

	if (admin_options(&argc, argv, names, vals) != 0 || argc != 0)
		return EXIT_USAGE;
	/* main() loaded it as the programs do; a bad one never got here. */
	printf("ok   configuration %s (backend %s)\n", conf->path,
	    conf->backend == JTA_BACKEND_JIRA ? "jira" : "local");
	if (conf->database_url[0] == '\0' && statemodes(conf) != 0)
		bad = 1;
	/* Sockets: the web server's group connects, others may not (a
	 * socket others may write lets anyone send a made-up REMOTE_USER). */
	if (dirmodes("sockets", vals[0], "/run/jta", ".sock", 0007,
	    "others may connect", "660") != 0)
		bad = 1;
	/* Logs hold search texts and user names: the group may read. */
	if (dirmodes("logs", vals[1], "/var/log/jta", ".log", 0027,
	    "others may read it or the group may write", "640") != 0)
		bad = 1;
	if (keyfile("vault_key_file", conf->vault_key_file) != 0)
		bad = 1;
	else if (jta_vault_open(conf->vault_key_file, &v, msg, sizeof(msg)) !=
	    JTA_OK) {
		printf("FAIL vault_key_file %s: %s\n", conf->vault_key_file,
		    msg);
		bad = 1;
	}
	if (conf->backend == JTA_BACKEND_JIRA) {
		if (keyfile("token_key_file", conf->token_key_file) != 0)
			bad = 1;
		else if (v != NULL && jta_vault_keys_load(v,
		    conf->token_key_file, msg, sizeof(msg)) != JTA_OK) {
			printf("FAIL token_key_file %s: %s\n",
			    conf->token_key_file, msg);
			bad = 1;
		}
		if (keyfile("atlassian_client_secret_file",
		    conf->atlassian_client_secret_file) != 0)
			bad = 1;
	}
	if (conf->database_url[0] != '\0') {
		if (admin_pg_check(conf) != 0)
			bad = 1;
	} else if (jta_store_open(conf->database, conf->busy_timeout_ms, 0,
	    &st, msg, sizeof(msg)) != JTA_OK) {
		printf("FAIL database: %s\n", msg);
		bad = 1;
	} else {
		if (jta_store_version(st, &ver) == JTA_OK)
			printf("ok   database %s opens, schema %d is current\n",
			    conf->database, ver);
		if (jta_store_check(st, msg, sizeof(msg)) != JTA_OK) {
			printf("FAIL database %s: %s\n", conf->database, msg);
			bad = 1;
		} else
			printf("ok   database integrity_check and FTS "
			    "integrity-check\n");
	}
	if (conf->backend == JTA_BACKEND_JIRA) {
		if (jta_http_global_init() != JTA_OK) {
			printf("FAIL libcurl does not start\n");
			bad = 1;
		} else {
			/* The auth server's origin, root path: no token.
			 * The configuration checked the URL already
			 * (jta_url_base_check). */
			if (jta_url_base_check(conf->atlassian_auth_url,
			    "atlassian_auth_url", &au, NULL) != JTA_OK ||
			    jta_url_origin(&au, org, sizeof(org)) != JTA_OK) {
				printf("FAIL atlassian_auth_url is no base "
				    "URL\n");
				bad = 1;
			} else {
				snprintf(host, sizeof(host), "%s/", org);
				if (reachable(conf, "atlassian_auth_url",
				    host) != 0)
					bad = 1;
			}
			if (reachable(conf, "atlassian_api_url",
			    conf->atlassian_api_url) != 0)
				bad = 1;
			jta_http_global_free();
		}
	}
	jta_store_close(st);
	jta_vault_close(v);
	printf("%s\n", bad ? "check: FAIL" : "check: ok");
	return bad;
}

/* The virus scanner's state: one line, 0 when off or reachable. */
static int
scanner_state(const struct jta_attach_rules *r)
{
	struct jta_error err;
	char		 ver[JTA_LIMIT_CLAMD_REPLY + 1];

	if (r->clamd_socket == NULL || r->clamd_socket[0] == '\0') {
		printf("scanner: off (attachment_clamd_socket is not set)\n");
		return 0;
	}
	memset(&err, 0, sizeof(err));
	if (jta_clamd_version(r->clamd_socket, r->clamd_timeout_ms, ver,
	    sizeof(ver), &err) != JTA_OK) {
		printf("scanner: NOT reachable at %s: %s\n", r->clamd_socket,
		    err.detail);
		return 1;
	}
	printf("scanner: reachable at %s, %s\n", r->clamd_socket, ver);
	return 0;
}

int
cmd_attachment_check(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "type", "name", NULL };
	const char	*vals[2] = { NULL, NULL };
	struct jta_attach_rules r;
	struct jta_attach_file f;
	struct jta_error err;
	char		 sig[JTA_LIMIT_CLAMD_SIGNATURE + 1];
	int		 rc;

	if (admin_options(&argc, argv, names, vals) != 0 || argc > 1 ||
	    (argc == 1) != (vals[0] != NULL))
		return EXIT_USAGE;
	jta_attach_rules_conf(&r, conf);
	/* The scanner's line: always without a link, with one only when a
	 * scanner is set (it is then asked too). */
	rc = 0;
	if (argc == 0 || (r.clamd_socket != NULL &&
	    r.clamd_socket[0] != '\0'))
		rc = scanner_state(&r);
	if (argc == 0)
		return rc;
	if (jta_http_global_init() != JTA_OK) {
		admin_fail("libcurl does not start");
		return 1;
	}
	memset(&f, 0, sizeof(f));
	memset(&err, 0, sizeof(err));
	/* The link is the operator's own: it may be printed back, but the
	 * answer names only the file and the verdict.  The file is scanned
	 * as it would be before it is kept. */
	if (jta_attach_fetch(&r, vals[1] != NULL ? vals[1] : "file",
	    vals[0], argv[0], &f, &err) != JTA_OK ||
	    jta_attach_scan(&r, &f, sig, sizeof(sig), &err) != JTA_OK) {
		printf("refused (%s): %s\n", err.field, err.detail);
		rc = 1;
	} else
		printf("ok %s, %s, %zu bytes\n", f.name, f.mime_type, f.len);
	jta_attach_file_free(&f);
	jta_http_global_free();
	return rc;
}
