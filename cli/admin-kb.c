/*
 * jta-admin kb: the embedded knowledge base (README.md "Knowledge before
 * tickets"): import Markdown and HTML articles, list them, remove one.
 * Imports and removals go through jta_kb (common/jta_kb.h), audited as
 * admin:kb-import and admin:kb-remove.  And the declared Confluence
 * spaces synced into it (README.md "Knowledge sync"): kb space
 * add|list|remove, kb sync, kb status; audited as admin:kb-space-add,
 * admin:kb-space-remove and admin:kb-sync.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jta-admin.h"
#include "jta_backend.h"
#include "jta_db.h"
#include "jta_http.h"
#include "jta_kb.h"
#include "jta_limits.h"
#include "jta_oauth.h"
#include "jta_operator.h"
#include "jta_store_kb.h"
#include "jta_time.h"
#include "jta_vault.h"

/* Import one file; prints what was stored.  0, or the exit status. */
static int
one(struct jta_operator *op, const char *path, const char *space,
    const char *url_base)
{
	struct jta_error err;
	enum jta_err	 e;
	int64_t		 id = 0;
	int		 added = 0;
	char		 title[JTA_LIMIT_KB_TITLE + 1];

	memset(&err, 0, sizeof(err));
	if ((e = jta_kb_import(op, path, space, url_base, &id, &added, title,
	    sizeof(title), &err)) != JTA_OK)
		return admin_failed(e, &err, path);
	printf("%s " JTA_KB_LOCAL_PREFIX "%lld %s\n", added ? "added" :
	    "replaced", (long long)id, title);
	return 0;
}

/* 1 when name ends in an extension import takes. */
static int
importable(const char *name)
{
	const char	*d = strrchr(name, '.');

	return name[0] != '.' && d != NULL && (strcasecmp(d, ".md") == 0 ||
	    strcasecmp(d, ".markdown") == 0 || strcasecmp(d, ".html") == 0 ||
	    strcasecmp(d, ".htm") == 0);
}

static int
byname(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
cmd_kb_import(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "space", "url-base", NULL };
	const char	*vals[2] = { NULL, NULL };
	struct jta_operator op;
	struct dirent	**list = NULL;
	struct stat	 sb;
	char		 path[4096];
	int		 n = 0, i, rc = 0, r, done = 0;

	if (admin_options(&argc, argv, names, vals) != 0 || argc != 1)
		return EXIT_USAGE;
	if (stat(argv[0], &sb) == -1) {
		admin_fail("%s: no such file or directory", argv[0]);
		return 1;
	}
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	if (!S_ISDIR(sb.st_mode)) {
		rc = one(&op, argv[0], vals[0], vals[1]);
		goto out;
	}
	/* A directory: its importable files (not its subdirectories), by
	 * name, each in its own transaction; a bad file is reported and
	 * the others are still imported. */
	if ((n = scandir(argv[0], &list, NULL, byname)) == -1) {
		admin_fail("%s: cannot read the directory", argv[0]);
		rc = 1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!importable(list[i]->d_name))
			continue;
		if (done == JTA_LIMIT_KB_FILES) {
			admin_fail("%s: more than %d files; import the rest "
			    "from another directory", argv[0],
			    JTA_LIMIT_KB_FILES);
			rc = 1;
			break;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", argv[0],
		    list[i]->d_name) >= sizeof(path)) {
			admin_fail("%s: path too long", list[i]->d_name);
			rc = 1;
			continue;
		}
		if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		done++;
		if ((r = one(&op, path, vals[0], vals[1])) != 0)
			rc = r;
	}
	if (done == 0 && rc == 0) {
		admin_fail("%s: no .md, .markdown, .html or .htm file",
		    argv[0]);
		rc = 1;
	}
out:
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	jta_operator_close(&op);
	return rc;
}

int
cmd_kb_list(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*list = NULL;
	enum jta_err	 e;
	int		 rc;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (admin_openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_kb_list(st, &list, &err)) != JTA_OK)
		rc = admin_failed(e, &err, "kb");
	else
		rc = admin_printjson(list);
	json_decref(list);
	jta_store_close(st);
	return rc;
}

int
cmd_kb_remove(const struct jta_conf *conf, int argc, char **argv)
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
	if ((e = jta_kb_remove(&op, argv[0], &err)) != JTA_OK)
		rc = admin_failed(e, &err, argv[0]);
	else
		printf("removed %s\n", argv[0]);
	jta_operator_close(&op);
	return rc;
}

/* ---- declared spaces and their sync (README.md "Knowledge sync") ---- */

/* kb space add KEY --as PERSON | kb space list | kb space remove KEY */
int
cmd_kb_space(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "as", NULL };
	const char	*vals[1] = { NULL };
	struct jta_operator op;
	struct jta_error err;
	json_t		*list = NULL;
	enum jta_err	 e;
	size_t		 removed = 0;
	char		 site[JTA_LIMIT_SITE_URL + 1];
	int		 rc = 0;

	if (argc < 1)
		return EXIT_USAGE;
	memset(&op, 0, sizeof(op));
	memset(&err, 0, sizeof(err));
	if (strcmp(argv[0], "add") == 0) {
		argc--;
		argv++;
		if (admin_options(&argc, argv, names, vals) != 0 ||
		    argc != 1 || vals[0] == NULL)
			return EXIT_USAGE;
		if (conf->backend != JTA_BACKEND_JIRA) {
			admin_fail("kb space: spaces are synced from "
			    "Confluence, which needs backend = jira");
			return 1;
		}
		if (admin_open(conf, JTA_OPERATOR_VAULT |
		    JTA_OPERATOR_TOKEN_KEYS, &op) != 0)
			return 1;
		if ((e = jta_kb_space_add(&op, argv[0], vals[0], site,
		    sizeof(site), &err)) != JTA_OK)
			rc = admin_failed(e, &err, argv[0]);
		else
			printf("declared %s, synced as %s from %s; run "
			    "'jta-admin kb sync %s' to index it now\n",
			    argv[0], vals[0], site, argv[0]);
	} else if (strcmp(argv[0], "list") == 0) {
		if (argc != 1)
			return EXIT_USAGE;
		if (admin_open(conf, 0, &op) != 0)
			return 1;
		if ((e = jta_store_kb_space_list(op.st, &list, &err)) !=
		    JTA_OK)
			rc = admin_failed(e, &err, "kb space");
		else
			rc = admin_printjson(list);
	} else if (strcmp(argv[0], "remove") == 0) {
		if (argc != 2)
			return EXIT_USAGE;
		if (admin_open(conf, 0, &op) != 0)
			return 1;
		if ((e = jta_kb_space_remove(&op, argv[1], &removed, &err)) !=
		    JTA_OK)
			rc = admin_failed(e, &err, argv[1]);
		else
			printf("removed %s and its %zu synced articles\n",
			    argv[1], removed);
	} else
		return EXIT_USAGE;
	json_decref(list);
	jta_operator_close(&op);
	return rc;
}

/* Sync one space as op through be, audited; 0 or 1. */
static int
sync1(struct jta_operator *op, struct jta_backend *be, const char *key)
{
	struct jta_error err, aerr;
	enum jta_err	 e;
	size_t		 n = 0;
	char		 detail[JTA_LIMIT_KB_SPACE + JTA_ERROR_DETAIL + 64];

	memset(&err, 0, sizeof(err));
	e = jta_kb_sync(be, key, &n, &err);
	if (e == JTA_OK)
		snprintf(detail, sizeof(detail), "space %s, %zu articles",
		    key, n);
	else
		snprintf(detail, sizeof(detail), "space %s failed: %s", key,
		    err.detail);
	memset(&aerr, 0, sizeof(aerr));
	if (jta_operator_audit(op, "kb-sync", e == JTA_OK ? 200 :
	    err.status > 0 ? err.status : 500, detail, &aerr) != JTA_OK)
		admin_fail("kb sync: the audit row was not written: %s",
		    aerr.detail);
	if (e != JTA_OK) {
		(void)admin_failed(e, &err, key);
		return 1;
	}
	printf("synced %s: %zu articles\n", key, n);
	return 0;
}

/* kb sync [KEY]: every declared space (or one) now. */
int
cmd_kb_sync(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_operator op;
	struct jta_oauth oauth;
	struct jta_backend *be = NULL;
	struct jta_secret *secret = NULL;
	struct jta_error err;
	json_t		*list = NULL;
	const json_t	*o;
	enum jta_err	 e;
	char		 msg[768];
	size_t		 i;
	int		 rc = 0, http = 0;

	if (argc > 1)
		return EXIT_USAGE;
	/* The daily timer runs on every installation: with the embedded
	 * store there is nothing to sync, which is not a failure. */
	if (conf->backend != JTA_BACKEND_JIRA && argc == 0) {
		printf("backend = local: no Confluence space to sync\n");
		return 0;
	}
	if (conf->backend != JTA_BACKEND_JIRA) {
		admin_fail("kb sync: spaces are synced from Confluence, which "
		    "needs backend = jira");
		return 1;
	}
	if (admin_open(conf, JTA_OPERATOR_VAULT | JTA_OPERATOR_TOKEN_KEYS,
	    &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_vault_secret_read(conf->atlassian_client_secret_file,
	    "atlassian_client_secret_file", &secret, msg, sizeof(msg)) !=
	    JTA_OK) {
		admin_fail("%s", msg);
		rc = 1;
		goto out;
	}
	if (jta_http_global_init() != JTA_OK) {
		admin_fail("kb sync: libcurl failed to initialise");
		rc = 1;
		goto out;
	}
	http = 1;
	jta_oauth_init(&oauth, conf, op.st, op.vault, secret);
	if (jta_backend_new(conf, op.st, &oauth, &be) != JTA_OK) {
		admin_fail("kb sync: out of memory");
		rc = 1;
		goto out;
	}
	if (argc == 1) {
		rc = sync1(&op, be, argv[0]);
		goto out;
	}
	if ((e = jta_store_kb_space_list(op.st, &list, &err)) != JTA_OK) {
		rc = admin_failed(e, &err, "kb sync");
		goto out;
	}
	if (json_array_size(list) == 0)
		printf("no space is declared (jta-admin kb space add)\n");
	/* Each space on its own: one failing keeps the others' sync. */
	json_array_foreach(list, i, o)
		if (sync1(&op, be, json_string_value(json_object_get(o,
		    "key"))) != 0)
			rc = 1;
out:
	json_decref(list);
	jta_backend_free(be);
	if (http)
		jta_http_global_free();
	jta_secret_free(secret);
	jta_operator_close(&op);
	return rc;
}

/* kb status: per declared space, its last sync, articles and error. */
int
cmd_kb_status(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*list = NULL;
	enum jta_err	 e;
	int		 rc;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (admin_openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_kb_status(st, jta_time_now(), &list, &err)) != JTA_OK)
		rc = admin_failed(e, &err, "kb status");
	else
		rc = admin_printjson(list);
	json_decref(list);
	jta_store_close(st);
	return rc;
}
