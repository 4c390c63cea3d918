/*
 * jta-admin kb: the embedded knowledge base (README.md "Knowledge before
 * tickets"): import Markdown and HTML articles, list them, remove one.
 * Imports and removals go through jta_kb (common/jta_kb.h), audited as
 * admin:kb-import and admin:kb-remove.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jta-admin.h"
#include "jta_db.h"
#include "jta_kb.h"
#include "jta_limits.h"
#include "jta_operator.h"

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
