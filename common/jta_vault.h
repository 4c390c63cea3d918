/*
 * The vault: every use of libsodium for secrets.  It holds the master key
 * (read from its own file, mode 0600, never from the database), derives
 * per-purpose subkeys from it, makes random tokens, and keeps issued tokens
 * only as keyed hashes compared in constant time.
 *
 * An API key looks like  jta_<id>_<secret> : id is 12 hex digits, public,
 * used to find the row; secret is 32 random bytes in unpadded base64url.
 * The row keeps BLAKE2b-256(secret-key, whole token), keyed with a subkey
 * of the master key, so a stolen database alone yields no usable key.
 */
#ifndef JTA_VAULT_H
#define JTA_VAULT_H

#include <stddef.h>

#include <sodium.h>

#include "jta_err.h"

#define JTA_VAULT_HASHBYTES	crypto_generichash_BYTES	/* 32 */
#define JTA_VAULT_IDLEN		12	/* hex digits of a token's id */
#define JTA_VAULT_TOKENLEN	(4 + JTA_VAULT_IDLEN + 1 + 43)
#define JTA_VAULT_FPLEN		8	/* hex digits in a log fingerprint */

struct jta_vault;

/* A secret in guarded memory; wiped when freed.  There is deliberately
 * no accessor that prints it. */
struct jta_secret {
	unsigned char	*buf;
	size_t		 len;
};

/* Allocate a zeroed secret of len bytes (sodium_malloc); NULL on failure. */
struct jta_secret *jta_secret_new(size_t len);

/* Wipe and release s; NULL is a no-op. */
void jta_secret_free(struct jta_secret *s);

/*
 * Create a new master key file at path: O_EXCL, mode 0600, 64 hex digits
 * and a newline.  Fails (JTA_ERR_IO, with msg) if the file exists.
 */
enum jta_err jta_vault_create_key(const char *path, char *msg,
    size_t msgsz) JTA_WUR;

/*
 * Read the master key at path and derive the subkeys.  Refuses a file that
 * group or others may read or write, or that does not hold exactly 64 hex
 * digits; msg then says why, naming the file.  *out is released with
 * jta_vault_close.
 */
enum jta_err jta_vault_open(const char *path, struct jta_vault **out,
    char *msg, size_t msgsz) JTA_WUR;

/* Wipe and release v; NULL is a no-op. */
void jta_vault_close(struct jta_vault *v);

/*
 * Make a new API key: writes the token (JTA_VAULT_TOKENLEN + 1 bytes) into
 * token, its public id (JTA_VAULT_IDLEN + 1) into id and its keyed hash
 * into hash.  The caller shows token once and stores only id and hash.
 */
enum jta_err jta_vault_token_new(const struct jta_vault *v,
    char token[JTA_VAULT_TOKENLEN + 1], char id[JTA_VAULT_IDLEN + 1],
    unsigned char hash[JTA_VAULT_HASHBYTES]) JTA_WUR;

/*
 * Check the shape of a presented token (len bytes) and compute its id and
 * keyed hash.  JTA_ERR_AUTH when it is not shaped like one of ours.
 */
enum jta_err jta_vault_token_check(const struct jta_vault *v,
    const char *token, size_t len, char id[JTA_VAULT_IDLEN + 1],
    unsigned char hash[JTA_VAULT_HASHBYTES]) JTA_WUR;

/* 1 when the two hashes are equal, compared in constant time. */
int jta_vault_hash_equal(const unsigned char a[JTA_VAULT_HASHBYTES],
    const unsigned char b[JTA_VAULT_HASHBYTES]);

/* The first JTA_VAULT_FPLEN hex digits of hash, for log lines. */
void jta_vault_fingerprint(const unsigned char hash[JTA_VAULT_HASHBYTES],
    char out[JTA_VAULT_FPLEN + 1]);

/* Random values (OAuth state): 32 random bytes in unpadded base64url. */
#define JTA_VAULT_RANDLEN	43

/* Write a fresh random value into out (JTA_VAULT_RANDLEN + 1 bytes). */
void jta_vault_random(char out[JTA_VAULT_RANDLEN + 1]);

/*
 * The keyed hash of s (len bytes) under the same subkey as API keys, for
 * other values we keep only as hashes (OAuth states).
 */
void jta_vault_hash(const struct jta_vault *v, const char *s, size_t len,
    unsigned char hash[JTA_VAULT_HASHBYTES]);

/*
 * Read a secret held on one line of the file at path (the configuration
 * key named key, for messages): the file must be a regular file that
 * group and others cannot read, at most JTA_LIMIT_SECRET_FILE bytes; a
 * final newline is dropped.  *out is released with jta_secret_free.
 */
enum jta_err jta_vault_secret_read(const char *path, const char *key,
    struct jta_secret **out, char *msg, size_t msgsz) JTA_WUR;

#endif
