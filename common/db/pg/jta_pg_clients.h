/*
 * Our OAuth server's clients and Client ID Metadata Documents on
 * PostgreSQL: jta_store_authz.h's client and cimd functions over a
 * PostgreSQL connection, with the same contract (jta_pg_clients.c says
 * how registration's bounds hold across hosts).  Reached through
 * jta_db_engine.h's table, never called directly.
 */
#ifndef JTA_PG_CLIENTS_H
#define JTA_PG_CLIENTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_err.h"
#include "jta_store_authz.h"
#include "jta_types.h"

struct jta_pg;

enum jta_err jta_pg_client_add(struct jta_pg *pg, const char *client_id,
    const unsigned char *hash, const char *name, const json_t *uris,
    int public_client, int64_t now, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_client_register(struct jta_pg *pg,
    const struct jta_store_client_new *c,
    const struct jta_store_reg_rule *rule, int64_t now,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_client_prune(struct jta_pg *pg, int64_t now,
    int64_t idle_s, json_t *removed, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_client_public(struct jta_pg *pg, const char *client_id,
    int *public_client, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_cimd_get(struct jta_pg *pg, const char *url,
    int64_t now, char *name, size_t namesz, json_t **uris,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_cimd_put(struct jta_pg *pg, const char *url,
    const char *name, const json_t *uris, int64_t now, int64_t expires,
    int64_t max_rows, struct jta_error *err) JTA_WUR;
/* hash: JTA_VAULT_HASHBYTES bytes. */
enum jta_err jta_pg_client_get(struct jta_pg *pg, const char *client_id,
    unsigned char *hash, json_t **uris, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_client_name(struct jta_pg *pg, const char *client_id,
    char *name, size_t namesz, struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_client_list(struct jta_pg *pg, int64_t now,
    json_t **out) JTA_WUR;
enum jta_err jta_pg_client_secret_set(struct jta_pg *pg,
    const char *client_id, const unsigned char *hash,
    struct jta_error *err) JTA_WUR;
enum jta_err jta_pg_client_remove(struct jta_pg *pg, const char *client_id,
    struct jta_error *err) JTA_WUR;

#endif
