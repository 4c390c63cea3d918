/*
 * jta-admin's switch commands (cli/jta-admin.h): off, on, status, the
 * access rules, quotas and usage; the upkeep of caches and indexes.
 * Every change goes through jta_operator, which audits it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jta-admin.h"
#include "jta_conf.h"
#include "jta_kb.h"
#include "jta_operator.h"
#include "jta_req.h"
#include "jta_db.h"
#include "jta_store_usage.h"
#include "jta_text.h"
#include "jta_time.h"

static int
setswitch(const struct jta_conf *conf, int on, const char *message)
{
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	int		 rc = 0;

	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_switch(&op, on, message, &err)) != JTA_OK)
		rc = admin_failed(e, &err, NULL);
	else if (on)
		printf("on: the assistant answers again\n");
	else
		printf("off: every API and OAuth request answers 503%s%s\n",
		    message != NULL ? " with: " : "", message != NULL ?
		    message : "");
	jta_operator_close(&op);
	return rc;
}

int
cmd_off(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "message", NULL };
	const char	*vals[1] = { NULL };

	if (admin_options(&argc, argv, names, vals) != 0 || argc != 0)
		return EXIT_USAGE;
	if (vals[0] != NULL && vals[0][0] == '\0') {
		admin_fail("--message is empty; leave it out for the default "
		    "message");
		return EXIT_USAGE;
	}
	return setswitch(conf, 0, vals[0]);
}

int
cmd_on(const struct jta_conf *conf, int argc, char **argv)
{
	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	return setswitch(conf, 1, NULL);
}

/* The switch, the rules, the quotas (jta_operator_state) into *state;
 * 0, or 1 after a message. */
static int
readstate(const struct jta_conf *conf, json_t **state)
{
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	int		 rc = 0;

	*state = NULL;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_state(&op, 0, state, &err)) != JTA_OK)
		rc = admin_failed(e, &err, NULL);
	jta_operator_close(&op);
	return rc != 0;
}

int
cmd_status(const struct jta_conf *conf, int argc, char **argv)
{
	json_t		*st = NULL;
	const char	*msg;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (readstate(conf, &st) != 0)
		return 1;
	msg = admin_jstr(st, "message");
	printf("state:   %s\n", json_is_true(json_object_get(st, "enabled")) ?
	    "on" : "off");
	if (!json_is_true(json_object_get(st, "enabled")))
		printf("message: %s\n", msg[0] != '\0' ? msg : "(the default: "
		    "switched off by its operators)");
	if (admin_jstr(st, "changed_at")[0] != '\0')
		printf("since:   %s\nby:      %s\n", admin_jstr(st,
		    "changed_at"), admin_jstr(st, "changed_by"));
	else
		printf("since:   the database was made\n");
	printf("rules:   %zu\n", json_array_size(json_object_get(st,
	    "rules")));
	json_decref(st);
	return 0;
}

int
cmd_cache_clear(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	int64_t		 n = 0;
	int		 rc = 0;

	if (argc > 1)
		return EXIT_USAGE;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_cache_clear(&op, argc == 1 ? argv[0] : NULL, &n,
	    &err)) != JTA_OK)
		rc = admin_failed(e, &err, "cache");
	else
		printf("cleared %lld entries of the Jira metadata cache (%s)\n",
		    (long long)n, argc == 1 ? argv[0] : "every site");
	jta_operator_close(&op);
	return rc;
}

int
cmd_store_optimize(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store_search_segments before, after;
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	int		 rc = 0;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (conf->backend != JTA_BACKEND_LOCAL) {
		printf("nothing to optimize: backend = jira has no embedded "
		    "ticket store\n");
		return 0;
	}
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_search_optimize(&op, &before, &after, &err)) !=
	    JTA_OK)
		rc = admin_failed(e, &err, NULL);
	else
		printf("search indexes merged: words %lld segments to %lld, "
		    "trigrams %lld to %lld\n", (long long)before.words,
		    (long long)after.words, (long long)before.trigrams,
		    (long long)after.trigrams);
	jta_operator_close(&op);
	return rc;
}

static int
addrule(const struct jta_conf *conf, const char *effect, int argc,
    char **argv)
{
	static const char *const names[] = { "for", "note", NULL };
	const char	*vals[2] = { NULL, NULL };
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	json_t		*r = NULL;
	const char	*kind;
	int		 rc = 0;

	if (admin_options(&argc, argv, names, vals) != 0 || argc < 1 ||
	    argc > 2)
		return EXIT_USAGE;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_rule_add(&op, effect, argv[0], argc > 1 ?
	    argv[1] : NULL, vals[0], vals[1], &r, &err)) != JTA_OK) {
		rc = admin_failed(e, &err, NULL);
		goto out;
	}
	kind = admin_jstr(r, "kind");
	if (conf->backend != JTA_BACKEND_JIRA && (strcmp(kind, "site") == 0 ||
	    strcmp(kind, "group") == 0))
		fprintf(stderr, "%s: note: %s rules apply only with backend = "
		    "jira (this configuration has the embedded store)\n",
		    admin_prog, kind);
	printf("rule %lld: %s %s %s for %s\n",
	    (long long)json_integer_value(json_object_get(r, "id")),
	    admin_jstr(r, "effect"), kind, admin_jstr(r, "value"),
	    admin_jstr(r, "scope"));
out:
	json_decref(r);
	jta_operator_close(&op);
	return rc;
}

int
cmd_allow(const struct jta_conf *conf, int argc, char **argv)
{
	return addrule(conf, "allow", argc, argv);
}

int
cmd_deny(const struct jta_conf *conf, int argc, char **argv)
{
	return addrule(conf, "deny", argc, argv);
}

int
cmd_rules(const struct jta_conf *conf, int argc, char **argv)
{
	json_t		*st = NULL, *rules, *r;
	size_t		 i;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (readstate(conf, &st) != 0)
		return 1;
	rules = json_object_get(st, "rules");
	if (json_array_size(rules) == 0)
		printf("no rules: everyone who signs in may read, create and "
		    "write\n");
	else
		printf("%-5s %-6s %-9s %-6s %-20s %-12s %s\n", "ID", "EFFECT",
		    "KIND", "FOR", "CREATED", "BY", "VALUE  NOTE");
	json_array_foreach(rules, i, r)
		printf("%-5lld %-6s %-9s %-6s %-20s %-12s %s%s%s\n",
		    (long long)json_integer_value(json_object_get(r, "id")),
		    admin_jstr(r, "effect"), admin_jstr(r, "kind"),
		    admin_jstr(r, "scope"), admin_jstr(r, "created"),
		    admin_jstr(r, "created_by"), admin_jstr(r, "value"),
		    admin_jstr(r, "note")[0] != '\0' ? "  # " : "",
		    admin_jstr(r, "note"));
	json_decref(st);
	return 0;
}

int
cmd_rules_remove(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	int		 rc = 0;

	if (argc != 1)
		return EXIT_USAGE;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_rule_remove(&op, argv[0], &err)) != JTA_OK)
		rc = admin_failed(e, &err, NULL);
	else
		printf("removed rule %s\n", argv[0]);
	jta_operator_close(&op);
	return rc;
}

/* ---- usage and quotas: usage, quota set|list|remove ---- */

/* The quota's subject from --person, --site, --default-person or
 * --default-site (exactly one), into scope and subject. */
static int
quotasubject(const char *person, const char *site, int defperson,
    int defsite, const char **scope, const char **subject)
{
	if ((person != NULL) + (site != NULL) + defperson + defsite != 1) {
		admin_fail("give exactly one of --person NAME, --site SITE, "
		    "--default-person, --default-site");
		return -1;
	}
	*scope = person != NULL || defperson ? "person" : "site";
	*subject = person != NULL ? person : site != NULL ? site : "*";
	return 0;
}

/* A quota error: the option at fault, then why; 2 for a wrong command
 * line, 1 for a person who is not there or a store that failed. */
static int
quotafail(enum jta_err e, const struct jta_error *err)
{
	if (err->field[0] == '\0' || (e != JTA_ERR_INPUT &&
	    strcmp(err->field, "person") != 0))
		return admin_failed(e, err, NULL);
	admin_fail("--%s: %s", err->field, err->detail);
	return e == JTA_ERR_INPUT ? EXIT_USAGE : 1;
}

int
cmd_quota_set(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const withval[] = { "person", "site", "metric",
	    "limit", "per", NULL };
	static const char *const bare[] = { "default-person", "default-site",
	    NULL };
	const char	*vals[5] = { NULL }, *scope, *subject;
	int		 set[2] = { 0, 0 }, rc = 0;
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	json_t		*q = NULL;
	uint64_t	 lim;

	if (admin_qflags(argc, argv, withval, vals, bare, set) != 0 ||
	    quotasubject(vals[0], vals[1], set[0], set[1], &scope,
	    &subject) != 0)
		return EXIT_USAGE;
	if (vals[2] == NULL || vals[3] == NULL) {
		admin_fail("--metric and --limit are required");
		return EXIT_USAGE;
	}
	/* Not a whole number: -1, which jta_operator_quota_set refuses. */
	if (jta_text_parse_uint(vals[3], strlen(vals[3]), INT64_MAX, &lim) !=
	    0)
		lim = UINT64_MAX;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_quota_set(&op, scope, subject, vals[2], vals[4],
	    lim == UINT64_MAX ? -1 : (int64_t)lim, &q, &err)) != JTA_OK)
		rc = quotafail(e, &err);
	else
		printf("quota: %s %s: %lld %s per %s (applies at the next "
		    "request)\n", admin_jstr(q, "scope"), strcmp(admin_jstr(q,
		    "subject"), "*") == 0 ? "(default)" : admin_jstr(q,
		    "subject"), (long long)json_integer_value(json_object_get(q,
		    "limit")), admin_jstr(q, "metric"), admin_jstr(q, "per"));
	json_decref(q);
	jta_operator_close(&op);
	return rc;
}

int
cmd_quota_remove(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const withval[] = { "person", "site", "metric",
	    "per", NULL };
	static const char *const bare[] = { "default-person", "default-site",
	    NULL };
	const char	*vals[4] = { NULL }, *scope, *subject;
	int		 set[2] = { 0, 0 }, rc = 0;
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	json_t		*q = NULL;

	if (admin_qflags(argc, argv, withval, vals, bare, set) != 0 ||
	    quotasubject(vals[0], vals[1], set[0], set[1], &scope,
	    &subject) != 0)
		return EXIT_USAGE;
	if (vals[2] == NULL) {
		admin_fail("--metric is required");
		return EXIT_USAGE;
	}
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_quota_remove(&op, scope, subject, vals[2],
	    vals[3], &q, &err)) != JTA_OK)
		rc = quotafail(e, &err);
	else
		printf("removed the %s quota of %s %s\n", admin_jstr(q,
		    "metric"), admin_jstr(q, "scope"), strcmp(admin_jstr(q,
		    "subject"), "*") == 0 ? "(default)" : admin_jstr(q,
		    "subject"));
	json_decref(q);
	jta_operator_close(&op);
	return rc;
}

int
cmd_quota_list(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const withval[] = { NULL };
	static const char *const bare[] = { "json", NULL };
	const char	*vals[1] = { NULL };
	int		 set[1] = { 0 }, rc = 1;
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*list = NULL, *o;
	size_t		 i;

	if (admin_qflags(argc, argv, withval, vals, bare, set) != 0)
		return EXIT_USAGE;
	if (admin_openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_quota_list(st, &list, &err) != JTA_OK) {
		admin_fail("%s", err.detail[0] ? err.detail : "out of memory");
		goto out;
	}
	if (set[0]) {
		rc = admin_printjson(list);
		goto out;
	}
	if (json_array_size(list) == 0)
		printf("no quotas: usage is counted, nothing is capped\n");
	else
		printf("%-7s %-32s %-14s %-6s %12s  %s\n", "SCOPE", "SUBJECT",
		    "METRIC", "PER", "LIMIT", "SET BY");
	json_array_foreach(list, i, o) {
		const char *subject = json_string_value(json_object_get(o,
		    "subject"));

		printf("%-7s %-32s %-14s %-6s %12lld  %s\n",
		    json_string_value(json_object_get(o, "scope")),
		    subject != NULL && strcmp(subject, "*") == 0 ?
		    "(default)" : subject,
		    json_string_value(json_object_get(o, "metric")),
		    json_string_value(json_object_get(o, "per")),
		    (long long)json_integer_value(json_object_get(o, "limit")),
		    json_string_value(json_object_get(o, "created_by")));
	}
	rc = 0;
out:
	json_decref(list);
	jta_store_close(st);
	return rc;
}

/* A day "YYYY-MM-DD" that the calendar has. */
static int
dayok(const char *s)
{
	int64_t	 t;
	char	 buf[32];

	if (strlen(s) != 10)
		return 0;
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	return jta_time_parse(buf, strlen(buf), &t) == 0;
}

/* One CSV field (RFC 4180 §2: quoted when it holds a comma, a quote or
 * a line break, quotes doubled). */
static void
csvfield(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	fputc('"', stdout);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', stdout);
		fputc(*s, stdout);
	}
	fputc('"', stdout);
}

int
cmd_usage(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const withval[] = { "by", "from", "to", NULL };
	static const char *const bare[] = { "json", "csv", NULL };
	static const char *const metrics[] = { "calls", "creates", "updates",
	    "conversations", "prompt_tokens", "completion_tokens", "files",
	    "file_bytes", NULL };
	const char	*vals[3] = { NULL }, *by, *key;
	int		 set[2] = { 0, 0 }, rc = 1;
	struct jta_store_period p;
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*rows = NULL, *o;
	size_t		 i, m;

	if (admin_qflags(argc, argv, withval, vals, bare, set) != 0)
		return EXIT_USAGE;
	by = vals[0] != NULL ? vals[0] : "person";
	if (strcmp(by, "person") != 0 && strcmp(by, "day") != 0 &&
	    strcmp(by, "site") != 0) {
		admin_fail("--by is one of person, day, site");
		return EXIT_USAGE;
	}
	if (set[0] && set[1]) {
		admin_fail("give --json or --csv, not both");
		return EXIT_USAGE;
	}
	jta_store_usage_period(jta_time_now(), &p);
	if (vals[1] == NULL)
		vals[1] = p.month;
	if (vals[2] == NULL)
		vals[2] = p.day;
	if (!dayok(vals[1]) || !dayok(vals[2])) {
		admin_fail("--%s is a day, YYYY-MM-DD", dayok(vals[1]) ? "to" :
		    "from");
		return EXIT_USAGE;
	}
	if (strcmp(vals[1], vals[2]) > 0) {
		admin_fail("--from is after --to");
		return EXIT_USAGE;
	}
	if (admin_openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_usage_report(st, by, vals[1], vals[2], &rows, &err) !=
	    JTA_OK) {
		admin_fail("%s", err.detail[0] ? err.detail : "out of memory");
		goto out;
	}
	key = by;
	if (set[0]) {
		rc = admin_printjson(rows);
		goto out;
	}
	if (set[1]) {
		printf("%s,calls,creates,updates,conversations,"
		    "prompt_tokens,completion_tokens,files,file_bytes\n", key);
		json_array_foreach(rows, i, o) {
			csvfield(json_string_value(json_object_get(o, key)));
			for (m = 0; metrics[m] != NULL; m++)
				printf(",%lld", (long long)json_integer_value(
				    json_object_get(o, metrics[m])));
			fputc('\n', stdout);
		}
		rc = 0;
		goto out;
	}
	printf("usage from %s to %s (UTC days)\n", vals[1], vals[2]);
	if (json_array_size(rows) == 0)
		printf("no usage counted\n");
	else
		printf("%-32s %10s %10s %10s %14s %14s %14s %8s %12s\n", by,
		    "CALLS", "CREATES", "UPDATES", "CONVERSATIONS",
		    "PROMPT_TOKENS", "COMPL_TOKENS", "FILES", "FILE_BYTES");
	json_array_foreach(rows, i, o)
		printf("%-32s %10lld %10lld %10lld %14lld %14lld %14lld %8lld "
		    "%12lld\n",
		    json_string_value(json_object_get(o, key)),
		    (long long)json_integer_value(json_object_get(o, "calls")),
		    (long long)json_integer_value(json_object_get(o,
		    "creates")),
		    (long long)json_integer_value(json_object_get(o,
		    "updates")),
		    (long long)json_integer_value(json_object_get(o,
		    "conversations")),
		    (long long)json_integer_value(json_object_get(o,
		    "prompt_tokens")),
		    (long long)json_integer_value(json_object_get(o,
		    "completion_tokens")),
		    (long long)json_integer_value(json_object_get(o,
		    "files")),
		    (long long)json_integer_value(json_object_get(o,
		    "file_bytes")));
	/* The deflection figure (jta_kb.h). */
	{
		json_t	*kn = NULL;

		if (jta_kb_deflection(st, vals[1], vals[2], &kn, &err) !=
		    JTA_OK) {
			admin_fail("%s", err.detail[0] ? err.detail :
			    "out of memory");
			goto out;
		}
		printf("answered from knowledge (a person said an article "
		    "helped): %lld; tickets created: %lld\n",
		    (long long)json_integer_value(json_object_get(kn,
		    "answered")), (long long)json_integer_value(
		    json_object_get(kn, "creates")));
		json_decref(kn);
	}
	rc = 0;
out:
	json_decref(rows);
	jta_store_close(st);
	return rc;
}
