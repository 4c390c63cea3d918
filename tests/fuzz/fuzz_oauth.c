/*
 * Fuzz harness for what our OAuth authorization server parses from
 * outside: a form body (jta_req_form) against the authorization
 * endpoint's table (unknown parameters dropped) and the token endpoint's
 * (refused), an Authorization header as HTTP Basic client credentials
 * (jta_authz_basic), and the value checks of scope, PKCE and redirect
 * URIs; for MCP clients (issue 14), a resource indicator, a Cache-Control
 * value of a metadata document and a registration's client metadata.
 *
 * Built two ways: with clang -fsanitize=fuzzer by tests/fuzz/run-fuzzers.sh,
 * and with a plain main() (tests/fuzz/replay.c) by `make check`, which
 * replays tests/fuzz/corpus/oauth/.
 *
 * Invariants checked (abort() when violated): a parsed form holds only
 * the table's fields, as strings within their bounds; Basic answers -1, 0
 * or 1, and on 1 gives a non-empty id and secret that fit their buffers,
 * and on anything else leaves both empty; a scope accepted is "tickets";
 * a redirect URI jta_url accepts keeps its rules (redirect() below); a
 * resource accepted is one of ours; a max-age is within its bounds; client
 * metadata accepted has 1 to JTA_LIMIT_REDIRECT_URIS valid redirect URIs
 * and a name within its bound (metadata() below).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "jta_authz.h"
#include "jta_authz_int.h"
#include "jta_limits.h"
#include "jta_req.h"
#include "jta_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct jta_field authorize[] = {
	{ "response_type", JTA_FT_STRING, JTA_F_OTHERS, 1, 64, NULL },
	{ "client_id", JTA_FT_STRING, 0, 1, JTA_LIMIT_CLIENT_ID, NULL },
	{ "redirect_uri", JTA_FT_STRING, 0, 1, JTA_LIMIT_REDIRECT_URI, NULL },
	{ "state", JTA_FT_STRING, 0, 1, JTA_LIMIT_STATE, NULL },
	{ "password", JTA_FT_STRING, 0, 1, JTA_LIMIT_PASSWORD, NULL },
};
static const struct jta_field token[] = {
	{ "grant_type", JTA_FT_STRING, 0, 1, 64, NULL },
	{ "code", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
	{ "code_verifier", JTA_FT_STRING, 0, 1, JTA_LIMIT_OAUTH_PARAM, NULL },
	{ "scope", JTA_FT_STRING, 0, 1, JTA_LIMIT_SCOPE, NULL },
};

static void
form(struct jta_req *req, const struct jta_field *f, size_t n)
{
	struct jta_error err;
	const char	*key;
	json_t		*out = NULL, *v;
	size_t		 i, len;
	int		 known;

	memset(&err, 0, sizeof(err));
	if (jta_req_form(req, f, n, &out, &err) != JTA_OK) {
		if (out != NULL || err.status < 400 || err.status > 599 ||
		    memchr(err.detail, '\0', sizeof(err.detail)) == NULL)
			abort();
		return;
	}
	json_object_foreach(out, key, v) {
		known = 0;
		for (i = 0; i < n; i++)
			if (strcmp(f[i].name, key) == 0) {
				known = 1;
				len = json_string_length(v);
				if (!json_is_string(v) ||
				    len < (size_t)f[i].min ||
				    len > (size_t)f[i].max)
					abort();
			}
		if (!known)
			abort();
	}
	json_decref(out);
}

/* The redirect-URI rule (jta_url): what it accepts is https, or http to
 * the loopback, with none of '#', '@', '*', no byte outside printable
 * ASCII, a lower-case host and a valid parse; it matches itself and
 * nothing else it is compared with here; the parse of anything never
 * leaves a host with upper case or an out-of-range port. */
static void
redirect(const char *s)
{
	struct jta_url	*u;
	struct jta_error err;
	size_t		 i;
	int		 ok;

	memset(&err, 0, sizeof(err));
	ok = jta_url_redirect_check(s, &err) == JTA_OK;
	if (!ok && (strcmp(err.field, "redirect_uri") != 0 ||
	    err.status != 422))
		abort();
	if (ok != jta_url_redirect_match(s, s))
		abort();
	if (jta_url_redirect_match(s, "https://chatgpt.com/cb") &&
	    strcmp(s, "https://chatgpt.com/cb") != 0)
		abort();
	if ((u = malloc(sizeof(*u))) == NULL)
		return;
	if (jta_url_parse(s, "f", u, &err) == JTA_OK) {
		if ((strcmp(u->scheme, "https") != 0 &&
		    strcmp(u->scheme, "http") != 0) || u->host[0] == '\0' ||
		    u->port > 65535 || u->path[0] != '/')
			abort();
		for (i = 0; u->host[i] != '\0'; i++)
			if (u->host[i] >= 'A' && u->host[i] <= 'Z')
				abort();
	} else if (ok)
		abort();
	if (ok) {
		if ((strncmp(s, "https://", 8) != 0 &&
		    !(strncmp(s, "http://", 7) == 0 && u->loopback)) ||
		    strpbrk(s, "#@*") != NULL || u->userinfo ||
		    u->has_fragment || u->host_upper ||
		    strlen(s) > JTA_LIMIT_REDIRECT_URI)
			abort();
		for (i = 0; s[i] != '\0'; i++)
			if ((unsigned char)s[i] <= 0x20 ||
			    (unsigned char)s[i] >= 0x7f)
				abort();
	}
	free(u);
}

/* The input as RFC 7591 client metadata (registration, and a metadata
 * document's body). */
static void
metadata(const char *s, size_t size)
{
	struct jta_error err;
	const char	*name = NULL;
	const json_t	*u;
	json_t		*doc = NULL, *uris = NULL;
	size_t		 i;
	int		 pub = -1;

	memset(&err, 0, sizeof(err));
	if (jta_req_parse_json(s, size, &doc, &err) != JTA_OK)
		return;
	if (jta_authz_meta_check(doc, &uris, &name, &pub, &err) == JTA_OK) {
		if (!json_is_array(uris) || json_array_size(uris) == 0 ||
		    json_array_size(uris) > JTA_LIMIT_REDIRECT_URIS ||
		    name == NULL || strlen(name) == 0 ||
		    strlen(name) > JTA_LIMIT_CLIENT_NAME ||
		    (pub != 0 && pub != 1))
			abort();
		json_array_foreach(uris, i, u)
			if (!json_is_string(u) || jta_url_redirect_check(
			    json_string_value(u), NULL) != JTA_OK)
				abort();
	} else if (uris != NULL || (strcmp(err.field,
	    "invalid_redirect_uri") != 0 && strcmp(err.field,
	    "invalid_client_metadata") != 0))
		abort();
	json_decref(uris);
	json_decref(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum jta_endpoint_audience aud;
	int64_t		 age;
	struct jta_req	*req = NULL;
	struct jta_error err;
	char		*s = NULL, id[JTA_LIMIT_CLIENT_ID + 1];
	char		 secret[JTA_LIMIT_OAUTH_PARAM + 1], scope[64];
	char		 hdr[JTA_LIMIT_HEADER + 1];
	int		 b;

	if (size > JTA_LIMIT_FORM)
		return 0;
	if (sodium_init() < 0)
		abort();
	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    (s = malloc(size + 1)) == NULL)
		goto out;
	memcpy(s, data, size);
	s[size] = '\0';

	/* 1: the input as a form body, to both endpoints' tables. */
	snprintf(req->content_type, sizeof(req->content_type), "%s",
	    "application/x-www-form-urlencoded");
	req->body = s;
	req->body_len = size;
	form(req, authorize, sizeof(authorize) / sizeof(authorize[0]));
	form(req, token, sizeof(token) / sizeof(token[0]));
	req->body = NULL;

	/* 2: the input as Basic credentials, raw and as "Basic <input>". */
	if (size <= JTA_LIMIT_HEADER - 6 && strlen(s) == size) {
		memcpy(hdr, "Basic ", 6);
		memcpy(hdr + 6, s, size + 1);
		b = jta_authz_basic(hdr, id, sizeof(id), secret,
		    sizeof(secret));
		if (b < -1 || b > 1)
			abort();
		if (b == 1 && (id[0] == '\0' || secret[0] == '\0' ||
		    strlen(id) >= sizeof(id) ||
		    strlen(secret) >= sizeof(secret)))
			abort();
		if (b != 1 && (id[0] != '\0' || secret[0] != '\0'))
			abort();
		/* Only the Basic scheme is ever taken as credentials. */
		if (jta_authz_basic(s, id, sizeof(id), secret,
		    sizeof(secret)) == 1 && strncasecmp(s, "Basic ", 6) != 0)
			abort();

		/* 3: the value checks. */
		memset(&err, 0, sizeof(err));
		if (jta_authz_scope(s, scope, sizeof(scope), &err) == JTA_OK &&
		    strcmp(scope, JTA_AUTHZ_SCOPE) != 0)
			abort();
		if (jta_authz_challenge_valid(s) &&
		    strlen(s) != JTA_AUTHZ_S256LEN)
			abort();
		if (jta_authz_verifier_valid(s) && (strlen(s) <
		    JTA_LIMIT_PKCE_MIN || strlen(s) > JTA_LIMIT_PKCE))
			abort();
		redirect(s);
		/* 4: MCP clients: a resource, a Cache-Control value. */
		if (jta_authz_resource_audience("https://t.example", s, &aud,
		    &err) == JTA_OK && strcmp(s, aud == JTA_ENDPOINT_AUD_MCP ?
		    "https://t.example/mcp" : "https://t.example") != 0 &&
		    strcmp(s, "https://t.example/") != 0)
			abort();
		age = jta_authz_cimd_max_age(s);
		if (age < 0 || age > JTA_LIMIT_CIMD_MAX_AGE)
			abort();
	}
	metadata(s, size);
out:
	free(s);
	free(req);
	return 0;
}
