/*
 * jta-admin: the operators' command-line tool.  Every argument that reaches
 * the store goes through the same validation tables as the API.
 *
 * Exit status: 0 done; 1 the operation failed (the message says why);
 * 2 the command line is wrong; 78 the configuration is wrong.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jta_audit.h"
#include "jta_authz.h"
#include "jta_conf.h"
#include "jta_db.h"
#include "jta_http.h"
#include "jta_log.h"
#include "jta_policy.h"
#include "jta_req.h"
#include "jta_store_authz.h"
#include "jta_store_ops.h"
#include "jta_store_people.h"
#include "jta_store_tickets.h"
#include "jta_store_usage.h"
#include "jta_time.h"
#include "jta_types.h"
#include "jta_usage.h"
#include "jta_vault.h"

#define EXIT_USAGE	2
#define EXIT_CONFIG	78

struct cmd {
	const char	*group;		/* "user", or NULL for a lone word */
	const char	*verb;
	const char	*usage;
	const char	*help;
	int		(*run)(const struct jta_conf *, int, char **);
};

static const char *prog = "jta-admin";

static void
fail(const char *fmt, ...) JTA_PRINTF(1, 2);

static void
fail(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Validate one value as field f, by the API's own rules. */
static int
check(const struct jta_field *f, const char *value)
{
	struct jta_error err;
	json_t		*obj, *out = NULL;
	int		 ok;

	memset(&err, 0, sizeof(err));
	if ((obj = json_pack("{s:s}", f->name, value)) == NULL)
		return 0;
	ok = jta_req_check_object(obj, f, 1, &out, &err) == JTA_OK;
	if (!ok)
		fail("%s", err.detail);
	json_decref(out);
	json_decref(obj);
	return ok;
}

/* Take "--name value" options out of argv into vals (by position of
 * names); returns -1 on an unknown or incomplete option. */
static int
options(int *argc, char **argv, const char *const *names, const char **vals)
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
			fail("unknown option %.64s", argv[i]);
			return -1;
		}
		if (i + 1 >= *argc) {
			fail("option %s needs a value", argv[i]);
			return -1;
		}
		vals[k] = argv[++i];
	}
	*argc = o;
	return 0;
}

static int
openstore(const struct jta_conf *conf, unsigned flags, struct jta_store **st)
{
	char	 msg[768];

	if (jta_store_open(conf->database, conf->busy_timeout_ms, flags, st,
	    msg, sizeof(msg)) != JTA_OK) {
		fail("%s", msg);
		return -1;
	}
	return 0;
}

static int
printjson(const json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2)) != 0)
		return 1;
	fputc('\n', stdout);
	return 0;
}

/* Make the parent directory of path (mode 0700) if it is missing. */
static int
mkparent(const char *path)
{
	char	 dir[JTA_CONF_PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", path);
	if (mkdir(dirname(dir), 0700) != 0 && errno != EEXIST) {
		fail("cannot create directory for %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
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
	    mkparent(conf->database) != 0)
		return 1;
	if (access(conf->vault_key_file, F_OK) != 0) {
		if (jta_vault_create_key(conf->vault_key_file, msg,
		    sizeof(msg)) != JTA_OK) {
			fail("%s", msg);
			return 1;
		}
		printf("created key file %s (mode 0600)\n",
		    conf->vault_key_file);
	}
	if (access(conf->token_key_file, F_OK) != 0) {
		if (jta_vault_keys_create(conf->token_key_file, msg,
		    sizeof(msg)) != JTA_OK) {
			fail("%s", msg);
			return 1;
		}
		printf("created token key file %s (mode 0600)\n",
		    conf->token_key_file);
	}
	if (jta_vault_open(conf->vault_key_file, &v, msg, sizeof(msg)) !=
	    JTA_OK || jta_vault_keys_load(v, conf->token_key_file, msg,
	    sizeof(msg)) != JTA_OK) {
		fail("%s", msg);
		jta_vault_close(v);
		return 1;
	}
	jta_vault_close(v);
	if (openstore(conf, JTA_STORE_CREATE | JTA_STORE_MIGRATE, &st) != 0)
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

static const struct jta_field f_user = { "user name", JTA_FT_USERNAME, 0, 0,
    0, NULL };
static const struct jta_field f_display = { "display name", JTA_FT_STRING,
    0, 1, JTA_LIMIT_DISPLAY_NAME, NULL };
static const struct jta_field f_email = { "email", JTA_FT_STRING, 0, 3,
    JTA_LIMIT_EMAIL, NULL };
static const struct jta_field f_label = { "label", JTA_FT_STRING, 0, 0, 64,
    NULL };
static const struct jta_field f_project = { "project key", JTA_FT_PROJECT,
    0, 0, 0, NULL };
static const struct jta_field f_pname = { "project name", JTA_FT_STRING, 0,
    1, JTA_LIMIT_PROJECT_NAME, NULL };
static const struct jta_field f_types = { "types", JTA_FT_LABELS, 0, 1, 10,
    NULL };

static int
cmd_user_add(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "display-name", "email", NULL };
	const char	*vals[2] = { NULL, NULL };
	struct jta_store *st = NULL;
	struct jta_error err;
	int		 rc = 1;

	if (options(&argc, argv, names, vals) != 0 || argc != 1)
		return EXIT_USAGE;
	if (!check(&f_user, argv[0]) ||
	    (vals[0] != NULL && !check(&f_display, vals[0])) ||
	    (vals[1] != NULL && (!check(&f_email, vals[1]) ||
	    strchr(vals[1], '@') == NULL)))
		return vals[1] != NULL && strchr(vals[1], '@') == NULL ?
		    (fail("email must hold an '@'"), EXIT_USAGE) : EXIT_USAGE;
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_user_add(st, argv[0], vals[0] ? vals[0] : argv[0],
	    vals[1], NULL, &err) != JTA_OK)
		fail("user %s: %s", argv[0], err.detail);
	else {
		printf("added user %s\n", argv[0]);
		rc = 0;
	}
	jta_store_close(st);
	return rc;
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
	if (openstore(conf, 0, &st) != 0)
		return 1;
	if (list_of(st, &list) == JTA_OK)
		rc = printjson(list);
	json_decref(list);
	jta_store_close(st);
	return rc;
}

static int
cmd_user_list(const struct jta_conf *conf, int argc, char **argv)
{
	(void)argv;
	return listing(conf, argc, jta_store_user_list);
}

static int
cmd_key_create(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "label", NULL };
	const char	*vals[1] = { NULL };
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	struct jta_user	 u;
	struct jta_error err;
	unsigned char	 hash[JTA_VAULT_HASHBYTES];
	char		 token[JTA_VAULT_TOKENLEN + 1], id[JTA_VAULT_IDLEN + 1];
	char		 msg[768];
	int		 rc = 1;

	if (options(&argc, argv, names, vals) != 0 || argc != 1)
		return EXIT_USAGE;
	if (!check(&f_user, argv[0]) ||
	    (vals[0] != NULL && !check(&f_label, vals[0])))
		return EXIT_USAGE;
	if (jta_vault_open(conf->vault_key_file, &v, msg, sizeof(msg)) !=
	    JTA_OK) {
		fail("%s", msg);
		return 1;
	}
	if (openstore(conf, 0, &st) != 0)
		goto out;
	memset(&err, 0, sizeof(err));
	if (jta_store_user_get(st, argv[0], &u, &err) != JTA_OK) {
		fail("user %s: %s", argv[0], err.detail);
		goto out;
	}
	if (jta_vault_token_new(v, token, id, hash) != JTA_OK ||
	    jta_store_key_add(st, u.id, id, hash, vals[0], &err) != JTA_OK) {
		fail("could not store the key: %s", err.detail);
		goto out;
	}
	/* The key is shown once, on stdout only; we keep its hash. */
	printf("%s\n", token);
	fprintf(stderr, "%s: key %s for %s created; it is shown only once\n",
	    prog, id, u.name);
	rc = 0;
out:
	sodium_memzero(token, sizeof(token));
	jta_store_close(st);
	jta_vault_close(v);
	return rc;
}

static int
cmd_key_list(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*list = NULL;
	int		 rc = 1;

	if (argc > 1 || (argc == 1 && !check(&f_user, argv[0])))
		return EXIT_USAGE;
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_key_list(st, argc ? argv[0] : NULL, &list, &err) ==
	    JTA_OK)
		rc = printjson(list);
	json_decref(list);
	jta_store_close(st);
	return rc;
}

static int
cmd_key_revoke(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	size_t		 i;
	int		 rc = 1;

	if (argc != 1)
		return EXIT_USAGE;
	if (strlen(argv[0]) != JTA_VAULT_IDLEN ||
	    strspn(argv[0], "0123456789abcdef") != JTA_VAULT_IDLEN) {
		fail("a key id is %d hex digits (see 'key list')",
		    JTA_VAULT_IDLEN);
		return EXIT_USAGE;
	}
	(void)i;
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_key_revoke(st, argv[0], &err) != JTA_OK)
		fail("key %s: %s", argv[0], err.detail);
	else {
		printf("revoked key %s\n", argv[0]);
		rc = 0;
	}
	jta_store_close(st);
	return rc;
}

static int
cmd_project_add(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "types", NULL };
	const char	*vals[1] = { NULL };
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*types = NULL, *in = NULL;
	int		 rc = 1;

	if (options(&argc, argv, names, vals) != 0 || argc != 2)
		return EXIT_USAGE;
	if (!check(&f_project, argv[0]) || !check(&f_pname, argv[1]))
		return EXIT_USAGE;
	memset(&err, 0, sizeof(err));
	if (vals[0] != NULL) {
		/* The same list rules as labels: no blanks, no commas. */
		struct jta_req	 req;

		memset(&req, 0, sizeof(req));
		if (strlen(vals[0]) + 6 >= sizeof(req.query)) {
			fail("--types is too long");
			return EXIT_USAGE;
		}
		snprintf(req.query, sizeof(req.query), "types=%s", vals[0]);
		if (jta_req_query(&req, &f_types, 1, &in, &err) != JTA_OK ||
		    (types = json_object_get(in, "types")) == NULL) {
			fail("--types: %s", err.status ? err.detail :
			    "give a comma-separated list of type names");
			json_decref(in);
			return EXIT_USAGE;
		}
	}
	if (openstore(conf, 0, &st) == 0) {
		if (jta_store_project_add(st, argv[0], argv[1], types, &err) !=
		    JTA_OK)
			fail("project %s: %s", argv[0], err.detail);
		else {
			printf("added project %s\n", argv[0]);
			rc = 0;
		}
	}
	json_decref(in);
	jta_store_close(st);
	return rc;
}

static int
cmd_project_list(const struct jta_conf *conf, int argc, char **argv)
{
	(void)argv;
	return listing(conf, argc, jta_store_project_list);
}

/* key-rotate: rows per re-seal transaction, passes before giving up, and
 * the pause between passes. */
#define ROTATE_BATCH	100
#define ROTATE_PASSES	50
#define ROTATE_PAUSE_MS	100

static int
cmd_key_rotate(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	struct jta_error err;
	char		 msg[768];
	size_t		 done = 0, left = 0, total = 0;
	uint32_t	 newkid = 0;
	int		 pass, rc = 1, settled = 0;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (jta_vault_open(conf->vault_key_file, &v, msg, sizeof(msg)) !=
	    JTA_OK || jta_vault_keys_load(v, conf->token_key_file, msg,
	    sizeof(msg)) != JTA_OK) {
		fail("%s", msg);
		goto out;
	}
	if (openstore(conf, 0, &st) != 0)
		goto out;
	if (jta_vault_keys_add(conf->token_key_file, &newkid, msg,
	    sizeof(msg)) != JTA_OK) {
		fail("%s", msg);
		goto out;
	}
	printf("added token key %lu to %s; it seals from now on\n",
	    (unsigned long)newkid, conf->token_key_file);
	if (jta_vault_seal_kid(v) != newkid) {
		fail("token_key_file %s changed under us; run key-rotate "
		    "again", conf->token_key_file);
		goto out;
	}
	memset(&err, 0, sizeof(err));
	for (pass = 1; pass <= ROTATE_PASSES; pass++) {
		if (jta_store_link_reseal(st, v, ROTATE_BATCH, &done, &left,
		    &err) != JTA_OK) {
			fail("re-sealing failed: %s", err.detail);
			goto out;
		}
		total += done;
		if (left == 0 && done == 0 && settled)
			break;
		if (left == 0 && !settled) {
			/* A worker that sealed under the old key just before
			 * the new one appeared may still wait for the write
			 * lock (at most busy_timeout_ms): let it land, then
			 * make one more pass. */
			usleep((useconds_t)(conf->busy_timeout_ms +
			    ROTATE_PAUSE_MS) * 1000);
			settled = 1;
			continue;
		}
		usleep(ROTATE_PAUSE_MS * 1000);
	}
	if (pass > ROTATE_PASSES) {
		fail("%zu Atlassian links are still sealed under an old key "
		    "after %d passes (the log says why); the old keys are kept:"
		    " run key-rotate again later", left, ROTATE_PASSES);
		goto out;
	}
	if (jta_vault_keys_retire(conf->token_key_file, newkid, msg,
	    sizeof(msg)) != JTA_OK) {
		fail("%s", msg);
		goto out;
	}
	printf("re-sealed %zu Atlassian links in %d passes; retired the "
	    "token keys before KID %lu, the only one left\n", total, pass,
	    (unsigned long)newkid);
	rc = 0;
out:
	jta_store_close(st);
	jta_vault_close(v);
	return rc;
}

/* ---- the OAuth authorization server: clients and passwords ---- */

static const struct jta_field f_cname = { "client name", JTA_FT_STRING, 0,
    1, JTA_LIMIT_CLIENT_NAME, NULL };

/* A client id as jta_authz makes them: "jtac_" and 24 hex digits. */
static int
clientid(const char *s)
{
	if (strlen(s) != JTA_AUTHZ_CLIENT_IDLEN || strncmp(s, "jtac_", 5) !=
	    0 || strspn(s + 5, "0123456789abcdef") != JTA_AUTHZ_CLIENT_IDLEN -
	    5) {
		fail("a client id is 'jtac_' and 24 hex digits (see 'client "
		    "list')");
		return 0;
	}
	return 1;
}

static int
openvault(const struct jta_conf *conf, struct jta_vault **v)
{
	char	 msg[768];

	if (jta_vault_open(conf->vault_key_file, v, msg, sizeof(msg)) !=
	    JTA_OK) {
		fail("%s", msg);
		return -1;
	}
	return 0;
}

static int
cmd_client_add(const struct jta_conf *conf, int argc, char **argv)
{
	const char	*uris[JTA_LIMIT_REDIRECT_URIS], *name = NULL;
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	struct jta_error err;
	char		 id[JTA_AUTHZ_CLIENT_IDLEN + 1];
	char		 secret[JTA_AUTHZ_SECRETLEN + 1];
	size_t		 n = 0;
	int		 i, rc = 1;

	secret[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i + 1 >= argc) {
			fail("option %.64s needs a value", argv[i]);
			return EXIT_USAGE;
		}
		if (strcmp(argv[i], "--name") == 0 && name == NULL)
			name = argv[++i];
		else if (strcmp(argv[i], "--redirect-uri") == 0) {
			if (n == JTA_LIMIT_REDIRECT_URIS) {
				fail("at most %d redirect URIs",
				    JTA_LIMIT_REDIRECT_URIS);
				return EXIT_USAGE;
			}
			uris[n++] = argv[++i];
		} else {
			fail("unexpected argument %.64s", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (name == NULL || n == 0 || !check(&f_cname, name))
		return EXIT_USAGE;
	for (i = 0; (size_t)i < n; i++)
		if (!jta_authz_redirect_uri_valid(uris[i])) {
			fail("redirect URI %.64s: must be an absolute https "
			    "URL without a fragment, at most %d bytes",
			    uris[i], JTA_LIMIT_REDIRECT_URI);
			return EXIT_USAGE;
		}
	if (openvault(conf, &v) != 0)
		return 1;
	if (openstore(conf, 0, &st) != 0)
		goto out;
	memset(&err, 0, sizeof(err));
	if (jta_authz_client_add(st, v, name, uris, n, id, secret, &err) !=
	    JTA_OK) {
		fail("could not add the client: %s", err.detail);
		goto out;
	}
	/* The secret is shown once, on stdout only; we keep its hash. */
	printf("client_id: %s\nclient_secret: %s\n", id, secret);
	fprintf(stderr, "%s: client %s added; the secret is shown only once\n",
	    prog, id);
	rc = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	jta_store_close(st);
	jta_vault_close(v);
	return rc;
}

static int
cmd_client_list(const struct jta_conf *conf, int argc, char **argv)
{
	(void)argv;
	return listing(conf, argc, jta_store_client_list);
}

static int
cmd_client_remove(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	int		 rc = 1;

	if (argc != 1 || !clientid(argv[0]))
		return EXIT_USAGE;
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_client_remove(st, argv[0], &err) != JTA_OK)
		fail("client %s: %s", argv[0], err.detail);
	else {
		printf("removed client %s; its tokens are revoked\n", argv[0]);
		rc = 0;
	}
	jta_store_close(st);
	return rc;
}

static int
cmd_client_rotate(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	struct jta_error err;
	char		 secret[JTA_AUTHZ_SECRETLEN + 1];
	int		 rc = 1;

	secret[0] = '\0';
	if (argc != 1 || !clientid(argv[0]))
		return EXIT_USAGE;
	if (openvault(conf, &v) != 0)
		return 1;
	if (openstore(conf, 0, &st) != 0)
		goto out;
	memset(&err, 0, sizeof(err));
	if (jta_authz_client_rotate(st, v, argv[0], secret, &err) != JTA_OK) {
		fail("client %s: %s", argv[0], err.detail);
		goto out;
	}
	printf("client_secret: %s\n", secret);
	fprintf(stderr, "%s: client %s has a new secret; the old one no "
	    "longer works\n", prog, argv[0]);
	rc = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	jta_store_close(st);
	jta_vault_close(v);
	return rc;
}

static int
cmd_user_passwd(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	char		 pw[JTA_LIMIT_PASSWORD + 3];
	size_t		 len;
	int		 rc = 1;

	if (argc != 1 || !check(&f_user, argv[0]))
		return EXIT_USAGE;
	/* One line from stdin: never an argument (ps would show it). */
	if (fgets(pw, sizeof(pw), stdin) == NULL) {
		fail("give the password on one line of standard input");
		return EXIT_USAGE;
	}
	len = strlen(pw);
	if (len > 0 && pw[len - 1] == '\n')
		pw[--len] = '\0';
	else if (!feof(stdin)) {
		fail("the password is longer than %d bytes",
		    JTA_LIMIT_PASSWORD);
		rc = EXIT_USAGE;
		goto out;
	}
	if (len > 0 && pw[len - 1] == '\r')
		pw[--len] = '\0';
	if (len < JTA_LIMIT_PASSWORD_MIN || len > JTA_LIMIT_PASSWORD ||
	    strlen(pw) != len) {
		fail("a password is %d to %d bytes on one line",
		    JTA_LIMIT_PASSWORD_MIN, JTA_LIMIT_PASSWORD);
		rc = EXIT_USAGE;
		goto out;
	}
	if (openstore(conf, 0, &st) != 0)
		goto out;
	memset(&err, 0, sizeof(err));
	if (jta_authz_password_set(st, argv[0], pw, len, &err) != JTA_OK)
		fail("user %s: %s", argv[0], err.detail);
	else {
		printf("password set for %s\n", argv[0]);
		rc = 0;
	}
out:
	sodium_memzero(pw, sizeof(pw));
	jta_store_close(st);
	return rc;
}

/* ---- operators' switches: off, on, status, allow, deny, rules ---- */

/* Who is changing the switches, for 'status' and the rules: the login
 * behind sudo, else the session's login, else the uid. */
static void
operator(char *buf, size_t bufsz)
{
	const char	*who = getenv("SUDO_USER");
	size_t		 i, n;

	if (who == NULL || who[0] == '\0')
		who = getlogin();
	if (who != NULL && who[0] != '\0')
		snprintf(buf, bufsz, "%s", who);
	else
		snprintf(buf, bufsz, "uid %lu", (unsigned long)getuid());
	/* Shown back to operators: printable ASCII only. */
	n = strlen(buf);
	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 ||
		    (unsigned char)buf[i] > 0x7e)
			buf[i] = '?';
}

/* One line of printable UTF-8 of at most max bytes. */
static int
oneline(const char *what, const char *s, size_t max)
{
	size_t	 n = strlen(s), i;

	if (n > max) {
		fail("%s is %zu bytes; at most %zu", what, n, max);
		return 0;
	}
	if (!jta_req_utf8_valid(s, n)) {
		fail("%s is not UTF-8", what);
		return 0;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			fail("%s must be one line without control characters",
			    what);
			return 0;
		}
	return 1;
}

static int
setswitch(const struct jta_conf *conf, int on, const char *message)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	char		 by[JTA_LIMIT_POLICY_BY + 1];
	int		 rc = 1;

	operator(by, sizeof(by));
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_policy_set(st, on, message, jta_time_now(), by, &err) !=
	    JTA_OK)
		fail("%s", err.detail);
	else {
		if (on)
			printf("on: the assistant answers again\n");
		else
			printf("off: every API and OAuth request answers 503%s"
			    "%s\n", message != NULL ? " with: " : "",
			    message != NULL ? message : "");
		rc = 0;
	}
	jta_store_close(st);
	return rc;
}

static int
cmd_off(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const names[] = { "message", NULL };
	const char	*vals[1] = { NULL };

	if (options(&argc, argv, names, vals) != 0 || argc != 0)
		return EXIT_USAGE;
	if (vals[0] != NULL && (vals[0][0] == '\0' || !oneline("--message",
	    vals[0], JTA_LIMIT_POLICY_MESSAGE))) {
		if (vals[0][0] == '\0')
			fail("--message is empty; leave it out for the "
			    "default message");
		return EXIT_USAGE;
	}
	return setswitch(conf, 0, vals[0]);
}

static int
cmd_on(const struct jta_conf *conf, int argc, char **argv)
{
	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	return setswitch(conf, 1, NULL);
}

static int
cmd_status(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_store_policy pol;
	struct jta_error err;
	char		 t[JTA_TIME_STRLEN];
	int64_t		 n = 0;
	int		 rc = 1;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_policy_get(st, &pol, &err) != JTA_OK ||
	    jta_store_rule_count(st, &n, &err) != JTA_OK)
		fail("%s", err.detail);
	else {
		printf("state:   %s\n", pol.enabled ? "on" : "off");
		if (!pol.enabled)
			printf("message: %s\n", pol.message[0] != '\0' ?
			    pol.message : "(the default: switched off by its "
			    "operators)");
		if (pol.changed_at != 0) {
			jta_time_format(pol.changed_at, t);
			printf("since:   %s\nby:      %s\n", t,
			    pol.changed_by);
		} else
			printf("since:   the database was made\n");
		printf("rules:   %lld\n", (long long)n);
		rc = 0;
	}
	jta_store_close(st);
	return rc;
}

static int
addrule(const struct jta_conf *conf, const char *effect, int argc,
    char **argv)
{
	static const char *const names[] = { "for", "note", NULL };
	const char	*vals[2] = { NULL, NULL };
	struct jta_store *st = NULL;
	struct jta_store_rule r;
	struct jta_error err;
	char		 by[JTA_LIMIT_POLICY_BY + 1];
	int64_t		 id = 0;
	int		 rc = 1;

	if (options(&argc, argv, names, vals) != 0 || argc < 1 || argc > 2)
		return EXIT_USAGE;
	memset(&err, 0, sizeof(err));
	if (jta_policy_rule_make(effect, argv[0], argc > 1 ? argv[1] : NULL,
	    vals[0], vals[1], &r, &err) != JTA_OK) {
		fail("%s", err.detail);
		return EXIT_USAGE;
	}
	if (conf->backend != JTA_BACKEND_JIRA &&
	    (strcmp(r.kind, "site") == 0 || strcmp(r.kind, "group") == 0))
		fprintf(stderr, "%s: note: %s rules apply only with backend = "
		    "jira (this configuration has the embedded store)\n",
		    prog, r.kind);
	operator(by, sizeof(by));
	if (openstore(conf, 0, &st) != 0)
		return 1;
	if (jta_store_rule_add(st, &r, jta_time_now(), by, &id, &err) !=
	    JTA_OK)
		fail("%s", err.detail);
	else {
		printf("rule %lld: %s %s %s for %s\n", (long long)id, r.effect,
		    r.kind, r.value, r.scope);
		rc = 0;
	}
	jta_store_close(st);
	return rc;
}

static int
cmd_allow(const struct jta_conf *conf, int argc, char **argv)
{
	return addrule(conf, "allow", argc, argv);
}

static int
cmd_deny(const struct jta_conf *conf, int argc, char **argv)
{
	return addrule(conf, "deny", argc, argv);
}

static int
cmd_rules(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_store_rule *rules = NULL;
	struct jta_error err;
	char		 t[JTA_TIME_STRLEN];
	size_t		 n = 0, i;
	int		 rc = 1;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	if ((rules = calloc(JTA_LIMIT_POLICY_RULES, sizeof(*rules))) == NULL) {
		fail("out of memory");
		return 1;
	}
	if (openstore(conf, 0, &st) != 0)
		goto out;
	memset(&err, 0, sizeof(err));
	if (jta_store_rule_list(st, rules, JTA_LIMIT_POLICY_RULES, &n, &err) !=
	    JTA_OK) {
		fail("%s", err.detail);
		goto out;
	}
	if (n == 0)
		printf("no rules: everyone who signs in may read, create and "
		    "write\n");
	else
		printf("%-5s %-6s %-9s %-6s %-20s %-12s %s\n", "ID", "EFFECT",
		    "KIND", "FOR", "CREATED", "BY", "VALUE  NOTE");
	for (i = 0; i < n; i++) {
		jta_time_format(rules[i].created, t);
		printf("%-5lld %-6s %-9s %-6s %-20s %-12s %s%s%s\n",
		    (long long)rules[i].id, rules[i].effect, rules[i].kind,
		    rules[i].scope, t, rules[i].created_by, rules[i].value,
		    rules[i].note[0] != '\0' ? "  # " : "", rules[i].note);
	}
	rc = 0;
out:
	jta_store_close(st);
	free(rules);
	return rc;
}

static int
cmd_rules_remove(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	uint64_t	 id;
	int		 rc = 1;

	if (argc != 1)
		return EXIT_USAGE;
	if (jta_req_parse_uint(argv[0], strlen(argv[0]), INT64_MAX, &id) !=
	    0 || id == 0) {
		fail("a rule id is a whole number (see 'rules')");
		return EXIT_USAGE;
	}
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_rule_remove(st, (int64_t)id, &err) != JTA_OK)
		fail("rule %llu: %s", (unsigned long long)id, err.detail);
	else {
		printf("removed rule %llu\n", (unsigned long long)id);
		rc = 0;
	}
	jta_store_close(st);
	return rc;
}

/* ---- the audit log, linked people, the health check ---- */

/* Take the lone flags (--json, --csv, --purge) named in names out of
 * argv; set[k] = 1 for each one found. */
static void
flags(int *argc, char **argv, const char *const *names, int *set)
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

static const char *
jstr(const json_t *o, const char *k)
{
	const char	*v = json_string_value(json_object_get(o, k));

	return v != NULL ? v : "";
}

/* A --from/--to date: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ; a day given
 * as --to counts whole (up to the next midnight). */
static int
datearg(const char *opt, const char *v, int end, int64_t *out)
{
	size_t	 n = strlen(v);

	if (jta_time_parse(v, n, out) != 0) {
		fail("--%s must be a date, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ "
		    "(UTC)", opt);
		return -1;
	}
	if (end && n == 10)
		*out += 86400;
	return 0;
}

static int
auditpurge(const struct jta_conf *conf)
{
	struct jta_store *st = NULL;
	struct jta_error err;
	int64_t		 gone, total = 0, before;
	int		 rc = 1;

	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	before = jta_time_now() - (int64_t)conf->audit_retention_days * 86400;
	do {
		if (jta_store_audit_purge(st, before, JTA_AUDIT_PURGE_BATCH,
		    &gone, &err) != JTA_OK) {
			fail("%s", err.detail);
			goto out;
		}
		total += gone;
	} while (gone > 0);
	printf("purged %lld audit rows older than %d days\n",
	    (long long)total, conf->audit_retention_days);
	rc = 0;
out:
	jta_store_close(st);
	return rc;
}

static int
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
	struct jta_store *st = NULL;
	struct jta_error err;
	char		 num[24];
	uint64_t	 lim = 100;
	json_t		*rows = NULL, *r;
	size_t		 i, k;
	int		 rc = 1;

	flags(&argc, argv, lone, set);
	if (options(&argc, argv, names, vals) != 0 || argc != 0)
		return EXIT_USAGE;
	if (set[2]) {
		for (k = 0; k < 6; k++)
			if (vals[k] != NULL) {
				fail("--purge takes no filter: it deletes "
				    "the rows older than audit_retention_days");
				return EXIT_USAGE;
			}
		return auditpurge(conf);
	}
	if (set[0] && set[1]) {
		fail("--json and --csv exclude each other");
		return EXIT_USAGE;
	}
	memset(&f, 0, sizeof(f));
	if ((vals[0] != NULL && !oneline("--person", vals[0],
	    JTA_AUDIT_WHO_MAX)) || (vals[1] != NULL && !oneline("--ticket",
	    vals[1], JTA_AUDIT_WORD_MAX)) || (vals[4] != NULL &&
	    !oneline("--action", vals[4], JTA_AUDIT_WORD_MAX)))
		return EXIT_USAGE;
	f.person = vals[0];
	f.ticket = vals[1];
	f.action = vals[4];
	if ((vals[2] != NULL && datearg("from", vals[2], 0, &f.from) != 0) ||
	    (vals[3] != NULL && datearg("to", vals[3], 1, &f.to) != 0))
		return EXIT_USAGE;
	if (f.from != 0 && f.to != 0 && f.to <= f.from) {
		fail("--to must come after --from");
		return EXIT_USAGE;
	}
	if (vals[5] != NULL && (jta_req_parse_uint(vals[5], strlen(vals[5]),
	    1000000, &lim) != 0 || lim == 0)) {
		fail("--limit must be a whole number from 1 to 1000000");
		return EXIT_USAGE;
	}
	f.limit = (int64_t)lim;
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_audit_query(st, &f, &rows, &err) != JTA_OK) {
		fail("%s", err.detail);
		goto out;
	}
	if (set[0]) {
		rc = printjson(rows);
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
				csvcell(k == 7 ? num : jstr(r, cols[k]),
				    k == 8);
			continue;
		}
		printf("%-20s %-20s %-10s %-14s %-12s %-14s %-6s %s\n",
		    jstr(r, "when"), jstr(r, "who"), jstr(r, "action"),
		    jstr(r, "issue_key")[0] ? jstr(r, "issue_key") : "-",
		    jstr(r, "endpoint"), jstr(r, "site")[0] ? jstr(r, "site") :
		    "-", num, jstr(r, "detail"));
	}
	rc = 0;
out:
	json_decref(rows);
	jta_store_close(st);
	return rc;
}

static int
cmd_users(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const lone[] = { "json", NULL };
	int		 set[1] = { 0 };
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*rows = NULL, *r;
	size_t		 i;
	int		 rc = 1;

	flags(&argc, argv, lone, set);
	if (argc != 0)
		return EXIT_USAGE;
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_link_list(st, &rows, &err) != JTA_OK) {
		fail("%s", err.detail);
		goto out;
	}
	if (set[0]) {
		rc = printjson(rows);
		goto out;
	}
	if (json_array_size(rows) == 0)
		printf("no users\n");
	else
		printf("%-24s %-7s %-28s %-32s %-20s %s\n", "NAME", "LINK",
		    "ACCOUNT", "SITE", "UPDATED", "DISPLAY NAME");
	json_array_foreach(rows, i, r)
		printf("%-24s %-7s %-28s %-32s %-20s %s\n", jstr(r, "name"),
		    jstr(r, "link"), jstr(r, "account_id")[0] ?
		    jstr(r, "account_id") : "-", jstr(r, "site")[0] ?
		    jstr(r, "site") : "-", jstr(r, "updated")[0] ?
		    jstr(r, "updated") : "-", jstr(r, "display_name"));
	rc = 0;
out:
	json_decref(rows);
	jta_store_close(st);
	return rc;
}

static int
cmd_users_unlink(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_audit_event ev;
	struct jta_error err;
	struct jta_user	 user;
	struct jta_link	 was;
	char		 by[JTA_LIMIT_POLICY_BY + 16];
	char		 login[JTA_LIMIT_POLICY_BY];
	char		 detail[JTA_LIMIT_NAME + 64];
	int64_t		 revoked = 0;
	int		 had = 0, rc = 1;

	if (argc != 1)
		return EXIT_USAGE;
	if (!check(&f_user, argv[0]))
		return EXIT_USAGE;
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_link_remove(st, argv[0], &user, &was, &had, &revoked,
	    &err) != JTA_OK) {
		fail("%s: %s", argv[0], err.detail);
		goto out;
	}
	operator(login, sizeof(login));
	snprintf(by, sizeof(by), "operator:%s", login);
	snprintf(detail, sizeof(detail), "unlinked %s; %lld tokens revoked",
	    user.name, (long long)revoked);
	memset(&ev, 0, sizeof(ev));
	ev.who = by;
	ev.account_id = had ? was.account_id : NULL;
	ev.site = had ? was.site_url : NULL;
	ev.action = "admin:unlink";
	ev.endpoint = "jta-admin";
	ev.status = 200;
	ev.detail = detail;
	if (jta_audit_write(st, &ev, &err) != JTA_OK)
		fail("unlinked, but the audit row failed: %s", err.detail);
	if (had)
		printf("unlinked %s from Atlassian account %s on %s; their "
		    "tokens are deleted, %lld OAuth tokens revoked\n",
		    user.name, was.account_id, was.site_url,
		    (long long)revoked);
	else
		printf("%s had no Atlassian link; %lld OAuth tokens "
		    "revoked\n", user.name, (long long)revoked);
	rc = 0;
out:
	jta_store_close(st);
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

static int
cmd_check(const struct jta_conf *conf, int argc, char **argv)
{
	struct jta_store *st = NULL;
	struct jta_vault *v = NULL;
	char		 msg[768], host[JTA_CONF_URL_MAX];
	int		 bad = 0, ver = 0;
	size_t		 n;

	(void)argv;
	if (argc != 0)
		return EXIT_USAGE;
	/* main() loaded it as the programs do; a bad one never got here. */
	printf("ok   configuration %s (backend %s)\n", conf->path,
	    conf->backend == JTA_BACKEND_JIRA ? "jira" : "local");
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
	if (jta_store_open(conf->database, conf->busy_timeout_ms, 0, &st, msg,
	    sizeof(msg)) != JTA_OK) {
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
			/* The auth server's host, root path: no token. */
			n = strncmp(conf->atlassian_auth_url, "https://", 8) ==
			    0 ? 8 : strncmp(conf->atlassian_auth_url,
			    "http://", 7) == 0 ? 7 : 0;
			n += strcspn(conf->atlassian_auth_url + n, "/?#");
			snprintf(host, sizeof(host), "%.*s/", (int)n,
			    conf->atlassian_auth_url);
			if (reachable(conf, "atlassian_auth_url", host) != 0)
				bad = 1;
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

/* ---- usage and quotas: usage, quota set|list|remove ---- */

/* Flags of the usage and quota commands: "--name value" for the names
 * in withval, "--name" alone for those in bare.  vals[i] is the value of
 * withval[i]; set[j] is 1 when bare[j] was given. */
static int
qflags(int argc, char **argv, const char *const *withval, const char **vals,
    const char *const *bare, int *set)
{
	int	 i;
	size_t	 k;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			fail("unexpected argument '%.64s'", argv[i]);
			return -1;
		}
		for (k = 0; withval[k] != NULL; k++)
			if (strcmp(argv[i] + 2, withval[k]) == 0)
				break;
		if (withval[k] != NULL) {
			if (i + 1 >= argc) {
				fail("option %s needs a value", argv[i]);
				return -1;
			}
			if (vals[k] != NULL) {
				fail("option %s is given twice", argv[i]);
				return -1;
			}
			vals[k] = argv[++i];
			continue;
		}
		for (k = 0; bare != NULL && bare[k] != NULL; k++)
			if (strcmp(argv[i] + 2, bare[k]) == 0)
				break;
		if (bare == NULL || bare[k] == NULL) {
			fail("unknown option %.64s", argv[i]);
			return -1;
		}
		set[k] = 1;
	}
	return 0;
}

/* The quota's subject from --person, --site, --default-person or
 * --default-site (exactly one), into scope and subject. */
static int
quotasubject(const char *person, const char *site, int defperson,
    int defsite, const char **scope, const char **subject)
{
	if ((person != NULL) + (site != NULL) + defperson + defsite != 1) {
		fail("give exactly one of --person NAME, --site SITE, "
		    "--default-person, --default-site");
		return -1;
	}
	*scope = person != NULL || defperson ? "person" : "site";
	*subject = person != NULL ? person : site != NULL ? site : "*";
	return 0;
}

static int
cmd_quota_set(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const withval[] = { "person", "site", "metric",
	    "limit", "per", NULL };
	static const char *const bare[] = { "default-person", "default-site",
	    NULL };
	const char	*vals[5] = { NULL }, *scope, *subject;
	int		 set[2] = { 0, 0 }, rc = 1;
	struct jta_store *st = NULL;
	struct jta_store_quota q;
	struct jta_error err;
	enum jta_err	 rc2;
	char		 by[JTA_LIMIT_POLICY_BY + 1];
	uint64_t	 lim;

	if (qflags(argc, argv, withval, vals, bare, set) != 0 ||
	    quotasubject(vals[0], vals[1], set[0], set[1], &scope,
	    &subject) != 0)
		return EXIT_USAGE;
	if (vals[2] == NULL || vals[3] == NULL) {
		fail("--metric and --limit are required");
		return EXIT_USAGE;
	}
	memset(&err, 0, sizeof(err));
	if (jta_usage_quota_make(scope, subject, vals[2], vals[4], &q, &err) !=
	    JTA_OK) {
		fail("--%s: %s", err.field, err.detail);
		return EXIT_USAGE;
	}
	/* Not a whole number: -1, which jta_usage_quota_check refuses. */
	if (jta_req_parse_uint(vals[3], strlen(vals[3]), INT64_MAX, &lim) !=
	    0)
		lim = UINT64_MAX;
	if (openstore(conf, 0, &st) != 0)
		return 1;
	if ((rc2 = jta_usage_quota_check(st, &q, lim == UINT64_MAX ? -1 :
	    (int64_t)lim, &err)) != JTA_OK) {
		/* A bad limit is a usage error (2); an unknown person, like
		 * a store that fails, is 1. */
		if (rc2 == JTA_ERR_INPUT)
			fail("--%s: %s", err.field, err.detail);
		else
			fail("%s", err.detail);
		if (rc2 == JTA_ERR_INPUT && strcmp(err.field, "limit") == 0)
			rc = EXIT_USAGE;
		goto out;
	}
	operator(by, sizeof(by));
	if (jta_store_quota_set(st, &q, jta_time_now(), by, &err) != JTA_OK) {
		fail("%s", err.detail);
		goto out;
	}
	printf("quota: %s %s: %lld %s per %s (applies at the next "
	    "request)\n", q.scope, strcmp(q.subject, "*") == 0 ? "(default)" :
	    q.subject, (long long)q.limit, q.metric, q.per);
	rc = 0;
out:
	jta_store_close(st);
	return rc;
}

static int
cmd_quota_remove(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const withval[] = { "person", "site", "metric",
	    "per", NULL };
	static const char *const bare[] = { "default-person", "default-site",
	    NULL };
	const char	*vals[4] = { NULL }, *scope, *subject;
	int		 set[2] = { 0, 0 }, rc = 1;
	struct jta_store *st = NULL;
	struct jta_store_quota q;
	struct jta_error err;

	if (qflags(argc, argv, withval, vals, bare, set) != 0 ||
	    quotasubject(vals[0], vals[1], set[0], set[1], &scope,
	    &subject) != 0)
		return EXIT_USAGE;
	if (vals[2] == NULL) {
		fail("--metric is required");
		return EXIT_USAGE;
	}
	memset(&err, 0, sizeof(err));
	/* per NULL removes the quota of either period. */
	if (jta_usage_quota_make(scope, subject, vals[2], vals[3] != NULL ?
	    vals[3] : "day", &q, &err) != JTA_OK) {
		fail("--%s: %s", err.field, err.detail);
		return EXIT_USAGE;
	}
	if (openstore(conf, 0, &st) != 0)
		return 1;
	if (jta_store_quota_remove(st, q.scope, q.subject, q.metric, vals[3],
	    &err) != JTA_OK)
		fail("%s", err.detail);
	else {
		printf("removed the %s quota of %s %s\n", q.metric, q.scope,
		    strcmp(q.subject, "*") == 0 ? "(default)" : q.subject);
		rc = 0;
	}
	jta_store_close(st);
	return rc;
}

static int
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

	if (qflags(argc, argv, withval, vals, bare, set) != 0)
		return EXIT_USAGE;
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_quota_list(st, &list, &err) != JTA_OK) {
		fail("%s", err.detail[0] ? err.detail : "out of memory");
		goto out;
	}
	if (set[0]) {
		rc = printjson(list);
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

static int
cmd_usage(const struct jta_conf *conf, int argc, char **argv)
{
	static const char *const withval[] = { "by", "from", "to", NULL };
	static const char *const bare[] = { "json", "csv", NULL };
	static const char *const metrics[] = { "calls", "creates", "updates",
	    "conversations", NULL };
	const char	*vals[3] = { NULL }, *by, *key;
	int		 set[2] = { 0, 0 }, rc = 1;
	struct jta_store_period p;
	struct jta_store *st = NULL;
	struct jta_error err;
	json_t		*rows = NULL, *o;
	size_t		 i, m;

	if (qflags(argc, argv, withval, vals, bare, set) != 0)
		return EXIT_USAGE;
	by = vals[0] != NULL ? vals[0] : "person";
	if (strcmp(by, "person") != 0 && strcmp(by, "day") != 0 &&
	    strcmp(by, "site") != 0) {
		fail("--by is one of person, day, site");
		return EXIT_USAGE;
	}
	if (set[0] && set[1]) {
		fail("give --json or --csv, not both");
		return EXIT_USAGE;
	}
	jta_store_usage_period(jta_time_now(), &p);
	if (vals[1] == NULL)
		vals[1] = p.month;
	if (vals[2] == NULL)
		vals[2] = p.day;
	if (!dayok(vals[1]) || !dayok(vals[2])) {
		fail("--%s is a day, YYYY-MM-DD", dayok(vals[1]) ? "to" :
		    "from");
		return EXIT_USAGE;
	}
	if (strcmp(vals[1], vals[2]) > 0) {
		fail("--from is after --to");
		return EXIT_USAGE;
	}
	if (openstore(conf, 0, &st) != 0)
		return 1;
	memset(&err, 0, sizeof(err));
	if (jta_store_usage_report(st, by, vals[1], vals[2], &rows, &err) !=
	    JTA_OK) {
		fail("%s", err.detail[0] ? err.detail : "out of memory");
		goto out;
	}
	key = by;
	if (set[0]) {
		rc = printjson(rows);
		goto out;
	}
	if (set[1]) {
		printf("%s,calls,creates,updates,conversations\n", key);
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
		printf("%-32s %10s %10s %10s %14s\n", by, "CALLS", "CREATES",
		    "UPDATES", "CONVERSATIONS");
	json_array_foreach(rows, i, o)
		printf("%-32s %10lld %10lld %10lld %14lld\n",
		    json_string_value(json_object_get(o, key)),
		    (long long)json_integer_value(json_object_get(o, "calls")),
		    (long long)json_integer_value(json_object_get(o,
		    "creates")),
		    (long long)json_integer_value(json_object_get(o,
		    "updates")),
		    (long long)json_integer_value(json_object_get(o,
		    "conversations")));
	rc = 0;
out:
	json_decref(rows);
	jta_store_close(st);
	return rc;
}

static const struct cmd cmds[] = {
	{ NULL, "init", "init",
	  "Create the key files (master key and token keys, mode 0600) and\n"
	  "the database if missing, and bring the database schema up to\n"
	  "date.  Safe to run again.",
	  cmd_init },
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
	{ "user", "passwd", "user passwd NAME",
	  "Set NAME's password for signing in from a GPT (/oauth/authorize):\n"
	  "one line on standard input, 8 to 256 bytes.  Only an Argon2id hash\n"
	  "is kept.",
	  cmd_user_passwd },
	{ "client", "add",
	  "client add --name NAME --redirect-uri URI [--redirect-uri URI...]",
	  "Register an OAuth client (a GPT Action) with its redirect URIs,\n"
	  "matched exactly (ChatGPT shows its callback URL in the GPT's\n"
	  "action settings).  Prints client_id and client_secret once on\n"
	  "stdout; only a keyed hash of the secret is kept.",
	  cmd_client_add },
	{ "client", "list", "client list",
	  "List OAuth clients (client_id, name, redirect_uris, created,\n"
	  "grants: live refresh tokens) as JSON.",
	  cmd_client_list },
	{ "client", "remove", "client remove ID",
	  "Remove an OAuth client: its codes go, its tokens are revoked.",
	  cmd_client_remove },
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
	  "and by whom (the operator's login: $SUDO_USER, else the login\n"
	  "name, else the uid), and how many access rules there are.",
	  cmd_status },
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
	  "        --metric calls|creates|updates|conversations --limit N "
	  "[--per day|month]",
	  "Set a quota (or change its limit): for one person (a user name),\n"
	  "one site (Jira mode: the linked site's host, e.g.\n"
	  "example.atlassian.net; local mode: local), or the default for\n"
	  "every person or site without a quota of its own.  --per: a UTC\n"
	  "day (the default for a person) or a calendar month (the default\n"
	  "for a site).  From 70 % and 90 % the API's answers carry a\n"
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
	  "conversations (calls with gaps under 30 minutes).  A table, or\n"
	  "JSON, or CSV with a header line.",
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
	  "batch at a time as they write).",
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
	{ NULL, "check", "check",
	  "Check the installation, one line per check with ok or FAIL: the\n"
	  "configuration loads; the key files exist, are regular files with\n"
	  "mode 0600 or 0400, owned by this user or root; the database opens\n"
	  "with the current schema and passes PRAGMA integrity_check and the\n"
	  "FTS index's integrity-check; with backend = jira, Atlassian's auth\n"
	  "and API hosts answer (no token is sent).  Exit status 1 when any\n"
	  "check fails.",
	  cmd_check },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void
usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: %s [--config FILE] COMMAND ...\n\ncommands:\n",
	    prog);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %s\n", cmds[i].usage);
	fprintf(f, "\n'%s COMMAND --help' explains one.  The configuration "
	    "is FILE, or $JTA_CONFIG,\nor %s.\n", prog, JTA_CONF_DEFAULT_PATH);
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

	jta_log_init(prog);
	if (a < argc && strcmp(argv[a], "--config") == 0) {
		if (a + 1 >= argc) {
			usage(stderr);
			return EXIT_USAGE;
		}
		path = argv[a + 1];
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
		fail("unknown command '%.64s'", argv[a]);
		usage(stderr);
		return EXIT_USAGE;
	}
	a += c->group != NULL ? 2 : 1;
	for (k = a; k < argc; k++)
		if (strcmp(argv[k], "--help") == 0) {
			printf("usage: %s %s\n\n%s\n", prog, c->usage, c->help);
			return 0;
		}
	if (jta_conf_load(&conf, path, msg, sizeof(msg)) != JTA_OK) {
		fail("configuration: %s", msg);
		return EXIT_CONFIG;
	}
	jta_log_set_level((enum jta_log_level)conf.log_level);
	if ((rc = c->run(&conf, argc - a, argv + a)) == EXIT_USAGE)
		fprintf(stderr, "usage: %s %s\n", prog, c->usage);
	return rc;
}
