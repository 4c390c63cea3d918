/*
 * jta-admin's people commands (cli/jta-admin.h): init, local users and
 * their passwords, API keys, projects of the embedded store, OAuth
 * clients, Atlassian links and the token-key rotation.  Every change
 * goes through jta_operator.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "jta-admin.h"
#include "jta_authz.h"
#include "jta_backend.h"
#include "jta_conf.h"
#include "jta_operator.h"
#include "jta_req.h"
#include "jta_db.h"
#include "jta_store_authz.h"
#include "jta_store_people.h"
#include "jta_store_tickets.h"
#include "jta_time.h"
#include "jta_vault.h"

/* Make the parent directory of path (mode 0700) if it is missing. */
static int
mkparent(const char *path)
{
	char	 dir[JTA_CONF_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0700) != 0 && errno != EEXIST) {
		admin_fail("cannot create directory for %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
cmd_init(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	char		 msg[768];
	int		 version;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (mkparent(conf->vault_key_file) != 0 ||
	    mkparent(conf->token_key_file) != 0 ||
	    (conf->database_url[0] == '\0' && mkparent(conf->database) != 0))
		return 1;
	if (access(conf->vault_key_file, F_OK) != 0) {
		if (jta_vault_create_key(conf->vault_key_file, msg,
		    sizeof(msg)) != JTA_OK) {
			admin_fail("%s", msg);
			return 1;
		}
		printf("created key file %s (mode 0600)\n",
		    conf->vault_key_file);
	}
	if (access(conf->token_key_file, F_OK) != 0) {
		if (jta_vault_keys_create(conf->token_key_file, msg,
		    sizeof(msg)) != JTA_OK) {
			admin_fail("%s", msg);
			return 1;
		}
		printf("created token key file %s (mode 0600)\n",
		    conf->token_key_file);
	}
	if (jta_vault_open(conf->vault_key_file, &v, msg, sizeof(msg)) !=
	    JTA_OK || jta_vault_keys_load(v, conf->token_key_file, msg,
	    sizeof(msg)) != JTA_OK) {
		admin_fail("%s", msg);
		jta_vault_close(v);
		return 1;
	}
	jta_vault_close(v);
	if (conf->database_url[0] != '\0')
		return admin_pg_init(conf);
	if (admin_openstore(conf, JTA_STORE_CREATE | JTA_STORE_MIGRATE,
	    &st) != 0)
		return 1;
	if (jta_store_version(st, &version) != JTA_OK) {
		jta_store_close(st);
		return 1;
	}
	printf("database %s is at schema version %d\n", conf->database,
	    version);
	jta_store_close(st);
	return 0;
}

/* A command that prints one list from the store as JSON. */
static int
listing(const struct jta_conf *conf, int argc,
    enum jta_err (*list_of)(struct jta_store *, json_t **))
{
	struct jta_store *st = NULL;
	json_t		*list = NULL;
	int		 rc = 1;

	if (argc != 0)
		return EXIT_USAGE;
	if (admin_openstore(conf, 0, &st) != 0)
		return 1;
	if (list_of(st, &list) == JTA_OK)
		rc = admin_printjson(list);
	json_decref(list);
	jta_store_close(st);
	return rc;
}

int
cmd_user_list(const struct jta_conf *conf, int argc, char **argv)
{
	(void)argv;
	return listing(conf, argc, jta_store_user_list);
}

static const struct jta_field f_user = { "user name", JTA_FT_USERNAME, 0, 0,
    0, NULL };

/* name is a user name (a read's argument, checked as jta_operator checks
 * a change's); else a message and 0. */
static int
username(const char *name)
{
	struct jta_error err;
	json_t		*obj, *out = NULL;
	int		 ok;

	memset(&err, 0, sizeof(err));
	if ((obj = json_pack("{s:s}", f_user.name, name)) == NULL)
		return 0;
	ok = jta_req_check_object(obj, &f_user, 1, &out, &err) == JTA_OK;
	if (!ok)
		admin_fail("%s", err.detail);
	json_decref(out);
	json_decref(obj);
	return ok;
}

int
cmd_key_list(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*list = NULL;
	int		 rc = 1;

	if (argc > 1 || (argc == 1 && !username(argv[0])))
		return EXIT_USAGE;
	if (admin_openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_key_list(st, argc ? argv[0] : NULL, &list, &err) ==
	    JTA_OK)
		rc = admin_printjson(list);
	json_decref(list);
	jta_store_close(st);
	return rc;
}

int
cmd_project_list(const struct jta_conf *conf, int argc, char **argv)
{
	(void)argv;
	/* As the API shows them: with the embedded store's priorities. */
	return listing(conf, argc, jta_local_project_list);
}

int
cmd_client_list(const struct jta_conf *conf, int argc, char **argv)
{
	(void)argv;
	return listing(conf, argc, jta_store_client_list);
}

int
cmd_user_add(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "display-name", "email", NULL };
	const char	*vals[2] = { NULL, NULL };
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	int		 rc = 0;

	if (admin_options(&argc, argv, names, vals) != 0 || argc != 1)
		return EXIT_USAGE;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_user_add(&op, argv[0], vals[0], vals[1], &err)) !=
	    JTA_OK)
		rc = admin_failed(e, &err, "user");
	else
		printf("added user %s\n", argv[0]);
	jta_operator_close(&op);
	return rc;
}

int
cmd_key_create(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "label", NULL };
	const char	*vals[1] = { NULL };
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	char		 token[JTA_VAULT_TOKENLEN + 1], id[JTA_VAULT_IDLEN + 1];
	int		 rc = 0;

	if (admin_options(&argc, argv, names, vals) != 0 || argc != 1)
		return EXIT_USAGE;
	if (admin_open(conf, JTA_OPERATOR_VAULT, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_key_create(&op, argv[0], vals[0], token, id,
	    &err)) != JTA_OK)
		rc = admin_failed(e, &err, "could not make the key");
	else {
		/* The key is shown once, on stdout only; we keep its hash. */
		printf("%s\n", token);
		fprintf(stderr, "%s: key %s for %s created; it is shown only "
		    "once\n", admin_prog, id, argv[0]);
	}
	sodium_memzero(token, sizeof(token));
	jta_operator_close(&op);
	return rc;
}

int
cmd_key_revoke(const struct jta_conf *conf, int argc, char **argv)
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
	if ((e = jta_operator_key_revoke(&op, argv[0], &err)) != JTA_OK)
		rc = admin_failed(e, &err, "key");
	else
		printf("revoked key %s\n", argv[0]);
	jta_operator_close(&op);
	return rc;
}

int
cmd_project_add(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "types", NULL };
	const char	*vals[1] = { NULL };
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	int		 rc = 0;

	if (admin_options(&argc, argv, names, vals) != 0 || argc != 2)
		return EXIT_USAGE;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_project_add(&op, argv[0], argv[1], vals[0],
	    &err)) != JTA_OK)
		rc = admin_failed(e, &err, "project");
	else
		printf("added project %s\n", argv[0]);
	jta_operator_close(&op);
	return rc;
}

int
cmd_key_rotate(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	uint32_t	 kid = 0;
	size_t		 total = 0, left = 0;
	int		 passes = 0, rc = 0;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (admin_open(conf, JTA_OPERATOR_TOKEN_KEYS, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	e = jta_operator_key_rotate(&op, conf->token_key_file,
	    conf->busy_timeout_ms, &kid, &total, &passes, &left, &err);
	if (kid != 0)
		printf("added token key %lu to %s; it seals from now on\n",
		    (unsigned long)kid, conf->token_key_file);
	if (e != JTA_OK)
		rc = admin_failed(e, &err, NULL);
	else
		printf("re-sealed %zu Atlassian links in %d passes; retired "
		    "the token keys before KID %lu, the only one left\n",
		    total, passes, (unsigned long)kid);
	jta_operator_close(&op);
	return rc;
}

/* ---- the OAuth authorization server: clients and passwords ---- */

int
cmd_client_add(const struct jta_conf *conf, int argc, char **argv)
{
	const char	*uris[JTA_LIMIT_REDIRECT_URIS], *name = NULL;
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	char		 id[JTA_AUTHZ_CLIENT_IDLEN + 1];
	char		 secret[JTA_AUTHZ_SECRETLEN + 1];
	size_t		 n = 0;
	int		 i, rc = 0, public_client = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--public") == 0 && !public_client) {
			public_client = 1;
			continue;
		}
		if (i + 1 >= argc) {
			admin_fail("option %.64s needs a value", argv[i]);
			return EXIT_USAGE;
		}
		if (strcmp(argv[i], "--name") == 0 && name == NULL)
			name = argv[++i];
		else if (strcmp(argv[i], "--redirect-uri") == 0) {
			if (n == JTA_LIMIT_REDIRECT_URIS) {
				admin_fail("at most %d redirect URIs",
				    JTA_LIMIT_REDIRECT_URIS);
				return EXIT_USAGE;
			}
			uris[n++] = argv[++i];
		} else {
			admin_fail("unexpected argument %.64s", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (name == NULL || n == 0)
		return EXIT_USAGE;
	if (admin_open(conf, JTA_OPERATOR_VAULT, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_client_add(&op, name, uris, n, id,
	    public_client ? NULL : secret, &err)) != JTA_OK)
		rc = admin_failed(e, &err, "could not add the client");
	else if (public_client) {
		/* A browser application (the chat widget): no secret, PKCE
		 * S256 required (RFC 6749 §2.1, RFC 7636). */
		printf("client_id: %s\n", id);
		fprintf(stderr, "%s: public client %s added (no secret; "
		    "PKCE required)\n", admin_prog, id);
	} else {
		/* The secret is shown once, on stdout only; we keep its
		 * hash. */
		printf("client_id: %s\nclient_secret: %s\n", id, secret);
		fprintf(stderr, "%s: client %s added; the secret is shown "
		    "only once\n", admin_prog, id);
	}
	sodium_memzero(secret, sizeof(secret));
	jta_operator_close(&op);
	return rc;
}

int
cmd_client_remove(const struct jta_conf *conf, int argc, char **argv)
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
	if ((e = jta_operator_client_remove(&op, argv[0], &err)) != JTA_OK)
		rc = admin_failed(e, &err, "client");
	else
		printf("removed client %s; its tokens are revoked\n", argv[0]);
	jta_operator_close(&op);
	return rc;
}

int
cmd_client_prune(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	json_t		*removed = NULL, *o;
	size_t		 i;
	int		 rc = 0;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_client_prune(&op,
	    conf->oauth_registered_client_idle_days, jta_time_now(), &removed,
	    &err)) != JTA_OK)
		rc = admin_failed(e, &err, "could not prune the clients");
	else {
		json_array_foreach(removed, i, o)
			printf("removed client %s (%s)\n",
			    json_string_value(json_object_get(o,
			    "client_id")), json_string_value(json_object_get(o,
			    "name")));
		fprintf(stderr, "%s: %zu idle registered clients removed\n",
		    admin_prog, json_array_size(removed));
	}
	json_decref(removed);
	jta_operator_close(&op);
	return rc;
}

int
cmd_client_rotate(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	char		 secret[JTA_AUTHZ_SECRETLEN + 1];
	int		 rc = 0;

	if (argc != 1)
		return EXIT_USAGE;
	if (admin_open(conf, JTA_OPERATOR_VAULT, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_client_rotate(&op, argv[0], secret, &err)) !=
	    JTA_OK)
		rc = admin_failed(e, &err, "client");
	else {
		printf("client_secret: %s\n", secret);
		fprintf(stderr, "%s: client %s has a new secret; the old one "
		    "no longer works\n", admin_prog, argv[0]);
	}
	sodium_memzero(secret, sizeof(secret));
	jta_operator_close(&op);
	return rc;
}

/* The password from one line of stdin (never an argument: ps would show
 * it) into pw (JTA_LIMIT_PASSWORD + 3 bytes), its length in *len.  0, or
 * -1 after a message. */
static int
readpw(char *pw, size_t pwsz, size_t *len)
{
	if (fgets(pw, (int)pwsz, stdin) == NULL) {
		admin_fail("give the password on one line of standard input");
		return -1;
	}
	*len = strlen(pw);
	if (*len > 0 && pw[*len - 1] == '\n')
		pw[--*len] = '\0';
	else if (!feof(stdin)) {
		admin_fail("the password is longer than %d bytes",
		    JTA_LIMIT_PASSWORD);
		return -1;
	}
	if (*len > 0 && pw[*len - 1] == '\r')
		pw[--*len] = '\0';
	return 0;
}

int
cmd_user_passwd(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const lone[] = { "clear", NULL };
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	char		 pw[JTA_LIMIT_PASSWORD + 3];
	size_t		 len = 0;
	int		 set[1] = { 0 }, rc = EXIT_USAGE;

	memset(&op, 0, sizeof(op));
	admin_flags(&argc, argv, lone, set);
	if (argc != 1)
		return EXIT_USAGE;
	/* A NUL read from stdin is in len bytes: jta_operator refuses it. */
	if (!set[0] && readpw(pw, sizeof(pw), &len) != 0)
		goto out;
	rc = 1;
	if (admin_open(conf, 0, &op) != 0)
		goto out;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_password(&op, argv[0], set[0] ? NULL : pw, len,
	    &err)) != JTA_OK) {
		rc = admin_failed(e, &err, "user");
		goto out;
	}
	printf("password %s for %s\n", set[0] ? "cleared" : "set", argv[0]);
	rc = 0;
out:
	sodium_memzero(pw, sizeof(pw));
	jta_operator_close(&op);
	return rc;
}

/* ---- Atlassian links ---- */

int
cmd_users(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const lone[] = { "json", NULL };
	int		 set[1] = { 0 };
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*rows = NULL, *r;
	size_t		 i;
	int		 rc = 1;

	admin_flags(&argc, argv, lone, set);
	if (argc != 0)
		return EXIT_USAGE;
	if (admin_openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_link_list(st, &rows, &err) != JTA_OK) {
		admin_fail("%s", err.detail);
		goto out;
	}
	if (set[0]) {
		rc = admin_printjson(rows);
		goto out;
	}
	if (json_array_size(rows) == 0)
		printf("no users\n");
	else
		printf("%-24s %-7s %-28s %-32s %-20s %s\n", "NAME", "LINK",
		    "ACCOUNT", "SITE", "UPDATED", "DISPLAY NAME");
	json_array_foreach(rows, i, r)
		printf("%-24s %-7s %-28s %-32s %-20s %s\n",
		    admin_jstr(r, "name"), admin_jstr(r, "link"),
		    admin_jstr(r, "account_id")[0] ?
		    admin_jstr(r, "account_id") : "-",
		    admin_jstr(r, "site")[0] ? admin_jstr(r, "site") : "-",
		    admin_jstr(r, "updated")[0] ?
		    admin_jstr(r, "updated") : "-",
		    admin_jstr(r, "display_name"));
	rc = 0;
out:
	json_decref(rows);
	jta_store_close(st);
	return rc;
}

int
cmd_users_unlink(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_operator op;
	struct jta_error err;
	enum jta_err	 e;
	struct jta_user	 user;
	struct jta_link	 was;
	int64_t		 revoked = 0;
	int		 had = 0, rc = 0;

	if (argc != 1)
		return EXIT_USAGE;
	if (admin_open(conf, 0, &op) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if ((e = jta_operator_unlink(&op, argv[0], &user, &was, &had, &revoked,
	    &err)) != JTA_OK)
		rc = admin_failed(e, &err, argv[0]);
	else if (had)
		printf("unlinked %s from Atlassian account %s on %s; their "
		    "tokens are deleted, %lld OAuth tokens revoked\n",
		    user.name, was.account_id, was.site_url,
		    (long long)revoked);
	else
		printf("%s had no Atlassian link; %lld OAuth tokens "
		    "revoked\n", user.name, (long long)revoked);
	jta_operator_close(&op);
	return rc;
}
