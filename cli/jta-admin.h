/*
 * jta-admin, the operators' command-line tool: what its files share.
 * jta-admin.c holds main(), the command table and the helpers below;
 * one file per command group holds the commands (admin-people.c: users,
 * keys, projects, OAuth clients, passwords, links, key rotation;
 * admin-switch.c: the switch, access rules, quotas and usage;
 * admin-report.c: the audit log and the installation check).
 *
 * Every change goes through jta_operator (common/jta_operator.h), which
 * validates it as the admin page's API does and audits it as
 * admin:<action> by operator:<name>, the name admin_operator() gives.
 *
 * Exit status: 0 done; 1 the operation failed (the message says why);
 * 2 the command line is wrong; 78 the configuration is wrong.
 */
#ifndef JTA_ADMIN_H
#define JTA_ADMIN_H

#include <stddef.h>

#include <jansson.h>

#include "jta_err.h"

#define EXIT_USAGE	2
#define EXIT_CONFIG	78

struct jta_conf;
struct jta_operator;
struct jta_store;

/* The program's name, for messages. */
extern const char *const admin_prog;

/* Print "jta-admin: " and the message on stderr. */
void admin_fail(const char *fmt, ...) JTA_PRINTF(1, 2);

/*
 * The operator's name for the audit log, changed_by and created_by:
 * --operator NAME when given (set by main before the command runs),
 * else $SUDO_USER (the login behind sudo), else the login name of the
 * session (getlogin), else the user name of the real uid, else "uid N".
 */
const char *admin_operator(void);

/* Set by main from --operator NAME; NULL when not given. */
void admin_operator_set(const char *name);

/*
 * Open the operator's store (and what need asks for, jta_operator_open)
 * for a change or a read.  0, or -1 after printing why.
 */
int admin_open(const struct jta_conf *conf, unsigned need,
    struct jta_operator *op);

/*
 * Print a failed operation's error e, err (after what and ": " when what
 * is not NULL) and return the exit status: EXIT_USAGE when the input
 * was wrong (JTA_ERR_INPUT, whichever layer found it), else 1.
 */
int admin_failed(enum jta_err e, const struct jta_error *err,
    const char *what);

/* init and check on PostgreSQL, when database_url is set
 * (cli/admin-pg.c): 0 when good; init prints its errors, check prints
 * a FAIL line for each problem and returns how many. */
int admin_pg_init(const struct jta_conf *conf);
int admin_pg_check(const struct jta_conf *conf);

/* Open conf's database without an operator (reads, init).  0 or -1. */
int admin_openstore(const struct jta_conf *conf, unsigned flags,
    struct jta_store **st);

/* Take "--name value" options out of argv into vals (by position of
 * names); -1 after a message on an unknown or incomplete option. */
int admin_options(int *argc, char **argv, const char *const *names,
    const char **vals);

/* Take the lone flags (--json, --csv, ...) named in names out of argv;
 * set[k] = 1 for each one found. */
void admin_flags(int *argc, char **argv, const char *const *names,
    int *set);

/* "--name value" for the names in withval and "--name" alone for those
 * in bare, nothing else; vals[i] the value of withval[i], set[j] 1 when
 * bare[j] was given.  -1 after a message. */
int admin_qflags(int argc, char **argv, const char *const *withval,
    const char **vals, const char *const *bare, int *set);

/* One line of printable UTF-8 of at most max bytes, else a message
 * naming what and 0. */
int admin_oneline(const char *what, const char *s, size_t max);

/* Print v as indented JSON; 0, or 1 when it could not be written. */
int admin_printjson(const json_t *v);

/* The string member k of o, or "". */
const char *admin_jstr(const json_t *o, const char *k);

/* The commands: each takes the configuration and its own arguments
 * and returns the exit status. */
#define ADMIN_CMD(name) \
	int name(const struct jta_conf *, int, char **)
ADMIN_CMD(cmd_init);
ADMIN_CMD(cmd_migrate);
ADMIN_CMD(cmd_key_rotate);
ADMIN_CMD(cmd_user_add);
ADMIN_CMD(cmd_user_list);
ADMIN_CMD(cmd_user_passwd);
ADMIN_CMD(cmd_key_create);
ADMIN_CMD(cmd_key_list);
ADMIN_CMD(cmd_key_revoke);
ADMIN_CMD(cmd_project_add);
ADMIN_CMD(cmd_project_list);
ADMIN_CMD(cmd_kb_import);
ADMIN_CMD(cmd_kb_list);
ADMIN_CMD(cmd_kb_remove);
ADMIN_CMD(cmd_kb_space);
ADMIN_CMD(cmd_kb_sync);
ADMIN_CMD(cmd_kb_status);
ADMIN_CMD(cmd_requesttype_add);
ADMIN_CMD(cmd_requesttype_list);
ADMIN_CMD(cmd_requesttype_remove);
ADMIN_CMD(cmd_client_add);
ADMIN_CMD(cmd_client_list);
ADMIN_CMD(cmd_client_remove);
ADMIN_CMD(cmd_client_prune);
ADMIN_CMD(cmd_client_rotate);
ADMIN_CMD(cmd_users);
ADMIN_CMD(cmd_users_unlink);
ADMIN_CMD(cmd_off);
ADMIN_CMD(cmd_on);
ADMIN_CMD(cmd_status);
ADMIN_CMD(cmd_cache_clear);
ADMIN_CMD(cmd_store_optimize);
ADMIN_CMD(cmd_allow);
ADMIN_CMD(cmd_deny);
ADMIN_CMD(cmd_rules);
ADMIN_CMD(cmd_rules_remove);
ADMIN_CMD(cmd_quota_set);
ADMIN_CMD(cmd_quota_list);
ADMIN_CMD(cmd_quota_remove);
ADMIN_CMD(cmd_usage);
ADMIN_CMD(cmd_audit);
ADMIN_CMD(cmd_check);
ADMIN_CMD(cmd_attachment_check);
#undef ADMIN_CMD

#endif
