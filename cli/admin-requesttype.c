/*
 * jta-admin requesttype add|list|remove: the embedded store's request
 * types (Jira Service Management without Jira; README.md "Jira Service
 * Management"), per project.  Changes go through jta_operator (one
 * validation, one audit row); the list reads the store.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta-admin.h"
#include "jta_db.h"
#include "jta_operator.h"
#include "jta_store_requesttypes.h"

int
cmd_requesttype_add(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "description", "help-text",
	    "fields", NULL };
	const char	*vals[3] = { NULL, NULL, NULL };
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	int		 rc = 0;

	if (admin_options(&argc, argv, names, vals) != 0 || argc != 2)
		return EXIT_USAGE;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_requesttype_add(&op, argv[0], argv[1], vals[0],
	    vals[1], vals[2], &err)) != JTA_OK)
		rc = admin_failed(e, &err, "requesttype");
	else
		printf("added request type %s to %s\n", argv[1], argv[0]);
	jta_operator_close(&op);
	return rc;
}

int
cmd_requesttype_list(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*list = NULL;
	enum jta_err	 e;
	int		 rc = 1;

	if (argc > 1)
		return EXIT_USAGE;
	if (admin_openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_store_rtype_list(st, argc == 1 ? argv[0] : NULL, &list,
	    &err)) != JTA_OK)
		rc = admin_failed(e, &err, "requesttype");
	else
		rc = admin_printjson(list);
	json_decref(list);
	jta_store_close(st);
	return rc;
}

int
cmd_requesttype_remove(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	int		 rc = 0;

	if (argc != 2)
		return EXIT_USAGE;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_requesttype_remove(&op, argv[0], argv[1],
	    &err)) != JTA_OK)
		rc = admin_failed(e, &err, "requesttype");
	else
		printf("removed request type %s from %s\n", argv[1], argv[0]);
	jta_operator_close(&op);
	return rc;
}
