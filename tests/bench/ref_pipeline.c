/*
 * The benchmark's reference pipeline (tests/bench/bench_jira.py builds and
 * runs it; it is not part of the product): a straightforward FastCGI
 * program doing the work of a Jira-mode GET /api/issues with the same
 * libraries and no tricks:
 *
 *   bearer -> keyed hash (crypto_generichash) -> SQLite row (prepared once)
 *   -> XChaCha20-Poly1305 unseal of the access token -> libcurl POST
 *   /search/jql on one kept-alive easy handle -> json_loadb -> reshape into
 *   the same slim rows -> json_dumps -> FastCGI answer.
 *
 *   ref_pipeline init DB KEYFILE APIKEY TOKEN   make the database
 *   ref_pipeline serve DB KEYFILE URL SITE      serve on FastCGI fd 0
 *                                               (under spawn-fcgi)
 */
#include <fcgiapp.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYLEN crypto_generichash_KEYBYTES
#define HASHLEN crypto_generichash_BYTES

static unsigned char	 key[KEYLEN];

static int
loadkey(const char *path, int create)
{
	FILE	*f;

	if (create) {
		randombytes_buf(key, sizeof(key));
		if ((f = fopen(path, "wb")) == NULL ||
		    fwrite(key, 1, sizeof(key), f) != sizeof(key))
			return -1;
		return fclose(f);
	}
	if ((f = fopen(path, "rb")) == NULL ||
	    fread(key, 1, sizeof(key), f) != sizeof(key))
		return -1;
	return fclose(f);
}

static int
init(const char *db, const char *keyfile, const char *apikey,
    const char *token)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	unsigned char	 hash[HASHLEN];
	unsigned char	 nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	unsigned char	 ct[4096];
	unsigned long long ctlen;
	size_t		 tlen = strlen(token);

	if (tlen + crypto_aead_xchacha20poly1305_ietf_ABYTES > sizeof(ct) ||
	    loadkey(keyfile, 1) != 0 || sqlite3_open(db, &h) != SQLITE_OK ||
	    sqlite3_exec(h, "CREATE TABLE keys(hash BLOB PRIMARY KEY, "
	    "uid INTEGER, nonce BLOB, token BLOB, cloud TEXT)", NULL, NULL,
	    NULL) != SQLITE_OK)
		return 1;
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)apikey,
	    strlen(apikey), key, sizeof(key));
	randombytes_buf(nonce, sizeof(nonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen,
	    (const unsigned char *)token, tlen, (const unsigned char *)"1", 1,
	    NULL, nonce, key);
	if (sqlite3_prepare_v2(h, "INSERT INTO keys VALUES (?, 1, ?, ?, "
	    "'11111111-2222-4333-8444-555555555555')", -1, &st, NULL) !=
	    SQLITE_OK)
		return 1;
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, nonce, sizeof(nonce), SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, ct, (int)ctlen, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return 1;
	sqlite3_finalize(st);
	return sqlite3_close(h) == SQLITE_OK ? 0 : 1;
}

struct buf {
	char	*p;
	size_t	 len, cap;
};

static size_t
sink(char *p, size_t sz, size_t n, void *arg)
{
	struct buf	*b = arg;
	size_t		 add = sz * n;

	if (b->len + add > (1u << 22))
		return 0;
	if (b->len + add > b->cap) {
		size_t	 cap = (b->len + add) * 2;
		char	*q = realloc(b->p, cap);

		if (q == NULL)
			return 0;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, add);
	b->len += add;
	return add;
}

static json_t *
subname(const json_t *f, const char *obj, const char *member)
{
	const json_t	*v = json_object_get(json_object_get(f, obj), member);

	return json_is_string(v) ? json_string(json_string_value(v)) :
	    json_null();
}

static void
answer(FCGX_Request *r, const char *status, const char *body)
{
	char	 head[256];
	int	 n;

	/* libfcgi's FCGX_FPrintF knows no %zu: format here. */
	n = snprintf(head, sizeof(head), "Status: %s\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n", status,
	    strlen(body));
	FCGX_PutStr(head, n, r->out);
	FCGX_PutStr(body, (int)strlen(body), r->out);
}

static int
serve(const char *db, const char *keyfile, const char *url, const char *site)
{
	sqlite3		*h;
	sqlite3_stmt	*st;
	CURL		*c;
	FCGX_Request	 r;
	char		 endpoint[1024];

	if (loadkey(keyfile, 0) != 0 ||
	    sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT nonce, token, cloud FROM keys "
	    "WHERE hash = ?", -1, &st, NULL) != SQLITE_OK ||
	    (c = curl_easy_init()) == NULL || FCGX_Init() != 0 ||
	    FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		const char	*auth = FCGX_GetParam("HTTP_AUTHORIZATION",
		    r.envp);
		const char	*qs = FCGX_GetParam("QUERY_STRING", r.envp);
		unsigned char	 hash[HASHLEN], tok[2048];
		unsigned long long toklen;
		char		 hdr[2200], jql[256], proj[32];
		const char	*p;
		struct buf	 b = { NULL, 0, 0 };
		struct curl_slist *hl = NULL;
		json_t		*req, *reply = NULL, *rows, *res, *it;
		char		*body, *out;
		size_t		 i, n;
		long		 code = 0;

		if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0) {
			answer(&r, "401 Unauthorized", "{}");
			goto next;
		}
		crypto_generichash(hash, sizeof(hash),
		    (const unsigned char *)auth + 7, strlen(auth + 7), key,
		    sizeof(key));
		sqlite3_reset(st);
		sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW ||
		    sqlite3_column_bytes(st, 0) !=
		    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
		    (size_t)sqlite3_column_bytes(st, 1) > sizeof(tok) ||
		    crypto_aead_xchacha20poly1305_ietf_decrypt(tok, &toklen,
		    NULL, sqlite3_column_blob(st, 1),
		    (unsigned long long)sqlite3_column_bytes(st, 1),
		    (const unsigned char *)"1", 1, sqlite3_column_blob(st, 0),
		    key) != 0 || toklen >= sizeof(tok)) {
			answer(&r, "401 Unauthorized", "{}");
			goto next;
		}
		snprintf(endpoint, sizeof(endpoint),
		    "%s/ex/jira/%s/rest/api/3/search/jql", url,
		    (const char *)sqlite3_column_text(st, 2));
		snprintf(hdr, sizeof(hdr), "Authorization: Bearer %.*s",
		    (int)toklen, (const char *)tok);
		sodium_memzero(tok, sizeof(tok));
		proj[0] = '\0';
		if (qs != NULL && (p = strstr(qs, "project=")) != NULL)
			sscanf(p + 8, "%31[A-Z0-9]", proj);
		snprintf(jql, sizeof(jql), "project = \"%s\" ORDER BY updated "
		    "DESC", proj);
		req = json_pack("{s:s, s:i, s:[s,s,s,s,s,s,s,s]}", "jql", jql,
		    "maxResults", 20, "fields", "summary", "status",
		    "issuetype", "priority", "assignee", "reporter",
		    "created", "updated");
		body = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		hl = curl_slist_append(hl, hdr);
		hl = curl_slist_append(hl, "Content-Type: application/json");
		hl = curl_slist_append(hl, "Accept: application/json");
		curl_easy_setopt(c, CURLOPT_URL, endpoint);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 3000L);
		if (curl_easy_perform(c) != CURLE_OK ||
		    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) !=
		    CURLE_OK || code != 200 ||
		    (reply = json_loadb(b.p, b.len, JSON_REJECT_DUPLICATES,
		    NULL)) == NULL) {
			answer(&r, "502 Bad Gateway", "{}");
			goto done;
		}
		rows = json_array();
		n = json_array_size(json_object_get(reply, "issues"));
		for (i = 0; i < n; i++) {
			const json_t	*f;
			char		 link[512];

			it = json_array_get(json_object_get(reply, "issues"),
			    i);
			f = json_object_get(it, "fields");
			snprintf(link, sizeof(link), "%s/browse/%s", site,
			    json_string_value(json_object_get(it, "key")));
			json_array_append_new(rows, json_pack(
			    "{s:O, s:s, s:O, s:o, s:o, s:o, s:o, s:o, s:O, s:O}",
			    "key", json_object_get(it, "key"), "url", link,
			    "summary", json_object_get(f, "summary"),
			    "status", subname(f, "status", "name"),
			    "type", subname(f, "issuetype", "name"),
			    "priority", subname(f, "priority", "name"),
			    "assignee", subname(f, "assignee", "displayName"),
			    "reporter", subname(f, "reporter", "displayName"),
			    "created", json_object_get(f, "created"),
			    "updated", json_object_get(f, "updated")));
		}
		res = json_pack("{s:o, s:n}", "issues", rows, "next_cursor");
		out = json_dumps(res, JSON_COMPACT);
		answer(&r, "200 OK", out != NULL ? out : "{}");
		free(out);
		json_decref(res);
done:
		json_decref(reply);
		curl_slist_free_all(hl);
		free(body);
		free(b.p);
next:
		FCGX_Finish_r(&r);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	if (argc == 6 && strcmp(argv[1], "init") == 0)
		return init(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 6 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: ref_pipeline init DB KEYFILE APIKEY TOKEN\n"
	    "       ref_pipeline serve DB KEYFILE URL SITE\n");
	return 2;
}
