/*
 * URLs: the one place the product parses and judges an absolute URL.
 * Parsing is libcurl's URL API (curl_url_set, curl_url_get), so a URL is
 * split exactly as a transfer would split it; the rules on top of it live
 * here once:
 *
 *   - jta_url_parse: what every URL must be.  http or https; at most
 *     JTA_LIMIT_URL bytes of printable ASCII that RFC 3986 allows (no
 *     blanks, control bytes, raw UTF-8, '"', '<', '>', '\', '^', '`', '{',
 *     '|', '}'); a host that is a DNS name (letters, digits, '-', labels
 *     of 1 to 63 characters, no empty label, so no trailing dot) or an IPv4
 *     or bracketed IPv6 literal without a zone id (no '%', '*', '_'); a
 *     port, when given, from 1 to 65535; and written the way libcurl
 *     writes it back (its canonical form, give or take a missing "/"
 *     path).  That last rule refuses every spelling libcurl would read
 *     differently from how it looks: "https:///x", "https:/x", an empty
 *     port ("h:/"), a leading-zero port, percent-encoding in the host,
 *     short IPv4 forms (127.1, 0x7f.1), an empty fragment ("cb#").
 *   - jta_url_redirect_check / jta_url_redirect_match: OAuth redirect URIs.
 *   - jta_url_base_check: the base URLs of the configuration.
 *   - jta_url_site_check: an Atlassian site address we link tickets to;
 *     jta_url_site_name: the name usage, quotas and access rules give it.
 *   - jta_url_fetch_check: a URL jta_http may call.
 *
 * Every check takes the field to name and a caller-owned struct jta_error
 * (NULL allowed), filled with 422, that field and a message that never
 * quotes the URL.
 */
#ifndef JTA_URL_H
#define JTA_URL_H

#include <stddef.h>

#include "jta_err.h"
#include "jta_limits.h"

/* A parsed URL.  Userinfo is only noted, never kept: it may hold a
 * password, and no rule of ours lets one through. */
struct jta_url {
	char		 scheme[6];	/* "https" or "http" */
	/* Lower case; an IPv6 literal keeps its brackets. */
	char		 host[JTA_LIMIT_URL_HOST + 1];
	unsigned	 port;		/* as written; 0 when none */
	char		 path[JTA_LIMIT_URL + 1];	/* "/" at least */
	char		 query[JTA_LIMIT_URL + 1];	/* without '?' */
	char		 fragment[JTA_LIMIT_URL + 1];	/* without '#' */
	int		 has_query;
	int		 has_fragment;
	int		 userinfo;	/* a user name or password was given */
	int		 host_upper;	/* the host had upper case */
	int		 loopback;	/* 127.0.0.1, [::1] or localhost */
};

/*
 * Parse s (NUL-terminated) into out by the rules above.  JTA_OK, or
 * JTA_ERR_INPUT (422, field) with why; JTA_ERR_NOMEM when libcurl could
 * not allocate.  out is zeroed first, and is complete only on JTA_OK.
 */
enum jta_err jta_url_parse(const char *s, const char *field,
    struct jta_url *out, struct jta_error *err) JTA_WUR;

/*
 * JTA_OK when uri may be registered as an OAuth client's redirect URI and
 * may be redirected to (registration, the authorization endpoint, the
 * redirect itself): jta_url_parse's URL of at most JTA_LIMIT_REDIRECT_URI
 * bytes; https, or plain http to the loopback interface only (RFC 9700
 * §2.1, RFC 8252 §7.3); no userinfo (RFC 9700 §4.1.3); no fragment (RFC
 * 6749 §3.1.2); no wildcard ('*' anywhere); no '@' anywhere (legal in a
 * path, but refusing it leaves no reading with userinfo); scheme and host
 * in lower case, so the URI is in libcurl's canonical form.  Else
 * JTA_ERR_INPUT with field "redirect_uri" (or NOMEM).
 */
enum jta_err jta_url_redirect_check(const char *uri, struct jta_error *err)
    JTA_WUR;

/* The redirect rule in words, for messages that name it. */
#define JTA_URL_STR_(x)	#x
#define JTA_URL_STR(x)	JTA_URL_STR_(x)
#define JTA_URL_REDIRECT_RULE "a redirect URI is an absolute https URL " \
	"(http only to 127.0.0.1, [::1] or localhost) with a plain host, " \
	"no user name, wildcard or fragment, at most " \
	JTA_URL_STR(JTA_LIMIT_REDIRECT_URI) " bytes"

/*
 * 1 when presented may be used as the registered redirect URI: both pass
 * jta_url_redirect_check and they are the same string, byte for byte (RFC
 * 9700 §4.1.3, RFC 6749 §3.1.2.3: simple string comparison).  No
 * normalisation makes two spellings equal: "HTTPS://", a host in another
 * case, ":443", a trailing '/' or a percent-encoded letter are other URIs.
 * Since a valid URI must be in libcurl's canonical form with a lower-case
 * host, two valid spellings that libcurl would parse the same way differ
 * at most in the path's or query's percent-encoding, and those stay
 * different on purpose.  0 otherwise (also when either is NULL).
 */
int jta_url_redirect_match(const char *presented, const char *registered);

/*
 * JTA_OK when s may be a base URL of the configuration (public_url,
 * atlassian_auth_url, atlassian_api_url): https, or http only to the
 * loopback stand-in; no userinfo, query or fragment; no single quote (the
 * URL goes into HTML attributes and headers); not ending in '/' (paths
 * are appended to it).  out (may be NULL) receives the parse.
 */
enum jta_err jta_url_base_check(const char *s, const char *field,
    struct jta_url *out, struct jta_error *err) JTA_WUR;

/*
 * JTA_OK when s is an Atlassian site address we may put into a ticket's
 * link (https://NAME.atlassian.net, or the loopback stand-in over http):
 * as jta_url_base_check, except that a trailing '/' is allowed (Atlassian
 * sends some with one; the caller drops it before appending).
 */
enum jta_err jta_url_site_check(const char *s, const char *field,
    struct jta_url *out, struct jta_error *err) JTA_WUR;

/*
 * The name a site goes by in usage counts, quotas and access rules: the
 * host of url (jta_url_site_check) in lower case, then ":" port when one
 * was written and is not the scheme's default, then the path without
 * its trailing '/' ("https://Acme.atlassian.net/" is
 * "acme.atlassian.net", "http://127.0.0.1:9998" is "127.0.0.1:9998").
 * Two spellings libcurl reads as the same site get the same name; the
 * scheme is not part of it.  Into out (outsz bytes): JTA_OK;
 * JTA_ERR_INPUT when url is no site URL, JTA_ERR_INTERNAL when the name
 * does not fit, JTA_ERR_NOMEM; out is "" on every error.
 */
enum jta_err jta_url_site_name(const char *url, char *out, size_t outsz)
    JTA_WUR;

/*
 * JTA_OK when jta_http may call url: https, or http to the loopback; no
 * userinfo (credentials travel in headers), no fragment.  A query is
 * fine.
 */
enum jta_err jta_url_fetch_check(const char *url, struct jta_error *err)
    JTA_WUR;

/*
 * The origin of u (RFC 6454 §6.2): scheme "://" host, then ":" port when
 * one was written and is not the scheme's default, into out (outsz
 * bytes), as a browser sends it in Origin (the host in lower case).
 * JTA_ERR_INTERNAL (out empty) when it does not fit.
 */
enum jta_err jta_url_origin(const struct jta_url *u, char *out, size_t outsz)
    JTA_WUR;

/*
 * 1 when origin, an Origin header's value (RFC 6454 §7), is the origin of
 * the base URL base (jta_url_base_check; public_url): both are parsed by
 * libcurl and compared as jta_url_origin writes them (scheme, host in
 * lower case, port only when not the scheme's default), so
 * "https://t.example.org:443/jta" has the origin "https://t.example.org".
 * 0 otherwise: either does not parse, origin has a path, query,
 * fragment or userinfo, or "null".
 */
int jta_url_same_origin(const char *origin, const char *base);

/*
 * The path of a base URL u (jta_url_base_check) to put paths under: ""
 * when it has none, else its path ("/jta"), which never ends in '/'.
 * Borrowed from u.
 */
const char *jta_url_base_path(const struct jta_url *u);

#endif
