/*
 * Unit tests for jta_url: the parse over libcurl's URL API and the rules,
 * with the forms a redirect-URI battery tries (userinfo, ports, case,
 * percent-encoding, IDN, backslashes, whitespace and control bytes,
 * fragments, empty hosts, IPv6 literals, trailing dots, other schemes,
 * scheme-relative and very long inputs).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "jta_limits.h"
#include "jta_url.h"
#include "check_main.h"

static int
redirect_ok(const char *s)
{
	struct jta_error e;

	memset(&e, 0, sizeof(e));
	if (jta_url_redirect_check(s, &e) == JTA_OK)
		return 1;
	/* Every refusal names the field and never quotes the URI. */
	ck_assert_str_eq(e.field, "redirect_uri");
	ck_assert_int_eq(e.status, 422);
	ck_assert(strlen(s) < 12 || strstr(e.detail, s) == NULL);
	return 0;
}

START_TEST(parse_splits_the_parts)
{
	struct jta_url	 u;
	struct jta_error e;

	ck_assert_int_eq(jta_url_parse("https://Tickets.Example.ORG:8443/a/b"
	    "?x=1&y=%2f#frag", "f", &u, &e), JTA_OK);
	ck_assert_str_eq(u.scheme, "https");
	ck_assert_str_eq(u.host, "tickets.example.org");
	ck_assert(u.host_upper);
	ck_assert_uint_eq(u.port, 8443);
	ck_assert_str_eq(u.path, "/a/b");
	ck_assert(u.has_query);
	ck_assert_str_eq(u.query, "x=1&y=%2f");
	ck_assert(u.has_fragment);
	ck_assert_str_eq(u.fragment, "frag");
	ck_assert(!u.userinfo);
	ck_assert(!u.loopback);

	ck_assert_int_eq(jta_url_parse("http://127.0.0.1", "f", &u, &e),
	    JTA_OK);
	ck_assert_str_eq(u.scheme, "http");
	ck_assert_str_eq(u.path, "/");
	ck_assert_uint_eq(u.port, 0);
	ck_assert(!u.has_query && !u.has_fragment);
	ck_assert(u.loopback);

	ck_assert_int_eq(jta_url_parse("https://u:pw@h.example/", "f", &u, &e),
	    JTA_OK);
	ck_assert(u.userinfo);
	ck_assert_str_eq(u.host, "h.example");
}
END_TEST

START_TEST(parse_refuses_with_the_field)
{
	struct jta_url	 u;
	struct jta_error e;

	memset(&u, 'x', sizeof(u));
	ck_assert_int_eq(jta_url_parse("ftp://h.example/", "public_url", &u,
	    &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "public_url");
	ck_assert_int_eq(e.status, 422);
	/* Nothing half-filled is left behind. */
	ck_assert_str_eq(u.host, "");
	ck_assert_int_eq(jta_url_parse("", "f", &u, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_parse("h.example/x", "f", &u, &e),
	    JTA_ERR_INPUT);
}
END_TEST

START_TEST(good_redirect_uris)
{
	ck_assert(redirect_ok("https://chatgpt.com/aip/g-abc/oauth/callback"));
	ck_assert(redirect_ok("https://chatgpt.com"));
	ck_assert(redirect_ok("https://chatgpt.com:8443/cb?a=1"));
	ck_assert(redirect_ok("https://chatgpt.com:443/cb"));
	ck_assert(redirect_ok("https://[2001:db8::1]/cb"));
	ck_assert(redirect_ok("http://127.0.0.1:8080/cb"));
	ck_assert(redirect_ok("http://[::1]/cb"));
	ck_assert(redirect_ok("http://localhost:3000/cb"));
	ck_assert(redirect_ok("https://a.example/%2f/%41"));
	ck_assert(redirect_ok("https://xn--bcher-kva.example/cb"));
}
END_TEST

START_TEST(userinfo_refused)
{
	ck_assert(!redirect_ok("https://user@chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://user:pw@chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://:pw@chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://@chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://evil.example@chatgpt.com/"));
	ck_assert(!redirect_ok("https://chatgpt.com%40evil.example/"));
	ck_assert(!redirect_ok("https://u%40x@chatgpt.com/"));
	ck_assert(!redirect_ok("https://chatgpt.com%2f@x/"));
	ck_assert(!redirect_ok("https://chatgpt.com/a@b"));
	/* Not a redirect URI, but the parse reports it. */
	ck_assert_int_eq(jta_url_fetch_check("https://u@api.example/", NULL),
	    JTA_ERR_INPUT);
}
END_TEST

START_TEST(ports)
{
	ck_assert(redirect_ok("https://h.example/cb"));
	ck_assert(redirect_ok("https://h.example:443/cb"));
	ck_assert(redirect_ok("https://h.example:1/cb"));
	ck_assert(redirect_ok("https://h.example:65535/cb"));
	ck_assert(!redirect_ok("https://h.example:0/cb"));
	ck_assert(!redirect_ok("https://h.example:65536/cb"));
	ck_assert(!redirect_ok("https://h.example:123456/"));
	ck_assert(!redirect_ok("https://h.example:8x/cb"));
	ck_assert(!redirect_ok("https://h.example:/cb"));
	ck_assert(!redirect_ok("https://h.example:"));
	ck_assert(!redirect_ok("https://h.example:08443/cb"));
	ck_assert(!redirect_ok("https://h.example:-1/cb"));
	ck_assert(!redirect_ok("https://h.example:+443/cb"));
	ck_assert(!redirect_ok("https://h.example:443:443/cb"));
}
END_TEST

START_TEST(case_of_scheme_and_host)
{
	struct jta_url	 u;

	ck_assert(!redirect_ok("HTTPS://chatgpt.com/cb"));
	ck_assert(!redirect_ok("Https://chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://ChatGPT.com/cb"));
	ck_assert(!redirect_ok("https://[2001:DB8::1]/cb"));
	ck_assert(!redirect_ok("http://LOCALHOST:3000/cb"));
	/* Paths keep their case and are not the host's business. */
	ck_assert(redirect_ok("https://chatgpt.com/CB"));
	/* A base URL may have a host in upper case; it is read lower. */
	ck_assert_int_eq(jta_url_base_check("https://Tickets.Example.org",
	    "public_url", &u, NULL), JTA_OK);
	ck_assert_str_eq(u.host, "tickets.example.org");
	ck_assert_int_eq(jta_url_base_check("HTTPS://tickets.example.org",
	    "public_url", NULL, NULL), JTA_ERR_INPUT);
}
END_TEST

START_TEST(percent_encoding)
{
	/* In the host: libcurl would decode it, so it is refused. */
	ck_assert(!redirect_ok("https://chatgpt%2ecom/cb"));
	ck_assert(!redirect_ok("https://%63hatgpt.com/cb"));
	ck_assert(!redirect_ok("https://chatgpt.com%2fevil/cb"));
	ck_assert(!redirect_ok("https://[::1%25eth0]/cb"));
	/* In the path and query: kept as written, compared as written. */
	ck_assert(redirect_ok("https://chatgpt.com/a%2fb"));
	ck_assert(redirect_ok("https://chatgpt.com/a%2Fb?x=%20"));
	ck_assert(!jta_url_redirect_match("https://chatgpt.com/a%2fb",
	    "https://chatgpt.com/a%2Fb"));
	ck_assert(!jta_url_redirect_match("https://chatgpt.com/%61",
	    "https://chatgpt.com/a"));
}
END_TEST

START_TEST(idn)
{
	/* The A-label is an ASCII DNS name; raw UTF-8 is not ASCII. */
	ck_assert(redirect_ok("https://xn--80ak6aa92e.com/cb"));
	ck_assert(!redirect_ok("https://b\xc3\xbc" "cher.example/cb"));
	ck_assert(!redirect_ok("https://chatgpt.com/caf\xc3\xa9"));
	ck_assert(!redirect_ok("https://\xd0\xb0pple.com/cb"));
	ck_assert(!redirect_ok("https://chatgpt.com/cb\xff"));
	ck_assert(!redirect_ok("https://chatgpt\xe3\x80\x82" "com/cb"));
}
END_TEST

START_TEST(backslashes)
{
	ck_assert(!redirect_ok("https://chatgpt.com\\@evil.example/"));
	ck_assert(!redirect_ok("https://chatgpt.com\\evil.example/"));
	ck_assert(!redirect_ok("https://evil.example\\.chatgpt.com/"));
	ck_assert(!redirect_ok("https://chatgpt.com/a\\b"));
	ck_assert(!redirect_ok("https:\\\\chatgpt.com/cb"));
}
END_TEST

START_TEST(whitespace_and_control_bytes)
{
	ck_assert(!redirect_ok(" https://chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://chatgpt.com/cb "));
	ck_assert(!redirect_ok("https://chatgpt.com/c b"));
	ck_assert(!redirect_ok("https://chatgpt.com/c\tb"));
	ck_assert(!redirect_ok("https://chatgpt.com/\ncb"));
	ck_assert(!redirect_ok("https://chatgpt.com/cb\r\nX: y"));
	ck_assert(!redirect_ok("https://chat\x01gpt.com/cb"));
	ck_assert(!redirect_ok("https://chatgpt.com/cb\x7f"));
	ck_assert(!redirect_ok("https://chatgpt.com/cb?q=\x1b"));
	ck_assert(!redirect_ok("https://chatgpt.com/\"><script>"));
	ck_assert(!redirect_ok("https://chatgpt.com/{x}"));
}
END_TEST

START_TEST(fragments)
{
	ck_assert(!redirect_ok("https://chatgpt.com/cb#f"));
	ck_assert(!redirect_ok("https://chatgpt.com/cb#"));
	ck_assert(!redirect_ok("https://chatgpt.com#"));
	ck_assert(!redirect_ok("https://chatgpt.com/cb?a=1#f"));
	ck_assert(!redirect_ok("https://chatgpt.com/cb%23f#"));
	ck_assert(redirect_ok("https://chatgpt.com/cb%23f"));
	ck_assert_int_eq(jta_url_fetch_check("https://api.example/x#f", NULL),
	    JTA_ERR_INPUT);
}
END_TEST

START_TEST(empty_host)
{
	ck_assert(!redirect_ok("https://"));
	ck_assert(!redirect_ok("https:///cb"));
	ck_assert(!redirect_ok("https:///chatgpt.com/cb"));
	ck_assert(!redirect_ok("https:/chatgpt.com/cb"));
	ck_assert(!redirect_ok("https:chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://:443/cb"));
	ck_assert(!redirect_ok("https://?x"));
	ck_assert(!redirect_ok("http://"));
	ck_assert(!redirect_ok(""));
}
END_TEST

START_TEST(ipv6_literals)
{
	ck_assert(redirect_ok("https://[2001:db8::1]/cb"));
	ck_assert(redirect_ok("https://[2001:db8::1]:8443/cb"));
	ck_assert(redirect_ok("http://[::1]:8080/cb"));
	ck_assert(!redirect_ok("https://[::1/cb"));
	ck_assert(!redirect_ok("https://::1]/cb"));
	ck_assert(!redirect_ok("https://[::1]x/cb"));
	ck_assert(!redirect_ok("https://[zz::1]/cb"));
	ck_assert(!redirect_ok("https://[]/cb"));
	ck_assert(!redirect_ok("https://[fe80::1%25lo]/cb"));
	/* Plain http only to ::1 itself. */
	ck_assert(!redirect_ok("http://[2001:db8::1]/cb"));
	ck_assert(!redirect_ok("http://[::2]/cb"));
}
END_TEST

START_TEST(host_shapes_and_trailing_dots)
{
	ck_assert(!redirect_ok("https://chatgpt.com./cb"));
	ck_assert(!redirect_ok("https://.chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://chatgpt..com/cb"));
	ck_assert(!redirect_ok("https://-chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://chatgpt-.com/cb"));
	ck_assert(!redirect_ok("https://chat_gpt.com/cb"));
	ck_assert(!redirect_ok("https://*.chatgpt.com/cb"));
	ck_assert(!redirect_ok("https://chatgpt.com/*"));
	ck_assert(!redirect_ok("http://localhost./cb"));
	ck_assert(!redirect_ok("http://127.0.0.1./cb"));
	/* Short and hex IPv4 forms: libcurl reads them as 127.0.0.1. */
	ck_assert(!redirect_ok("http://127.1/cb"));
	ck_assert(!redirect_ok("http://0x7f.0.0.1/cb"));
	ck_assert(!redirect_ok("http://2130706433/cb"));
	/* Names that only look like the loopback. */
	ck_assert(!redirect_ok("http://127.0.0.1.evil.example/"));
	ck_assert(!redirect_ok("http://localhost.evil.example/"));
	ck_assert(!redirect_ok("http://10.0.0.1/cb"));
	ck_assert(!redirect_ok("http://chatgpt.com/cb"));
}
END_TEST

START_TEST(other_schemes_and_relative_forms)
{
	ck_assert(!redirect_ok("javascript:alert(1)"));
	ck_assert(!redirect_ok("javascript://chatgpt.com/%0aalert(1)"));
	ck_assert(!redirect_ok("JavaScript://chatgpt.com/cb"));
	ck_assert(!redirect_ok("data:text/html,x"));
	ck_assert(!redirect_ok("ftp://chatgpt.com/cb"));
	ck_assert(!redirect_ok("file:///etc/passwd"));
	ck_assert(!redirect_ok("ws://localhost/cb"));
	ck_assert(!redirect_ok("//chatgpt.com/cb"));
	ck_assert(!redirect_ok("/oauth/callback"));
	ck_assert(!redirect_ok("chatgpt.com/cb"));
	ck_assert(!redirect_ok("https//chatgpt.com/cb"));
}
END_TEST

START_TEST(very_long_inputs)
{
	char	*big;
	size_t	 n;

	n = JTA_LIMIT_URL + 64;
	ck_assert_ptr_nonnull(big = malloc(n + 1));
	/* Exactly the redirect limit passes, one more does not. */
	memcpy(big, "https://a.example/", 18);
	memset(big + 18, 'x', JTA_LIMIT_REDIRECT_URI - 18);
	big[JTA_LIMIT_REDIRECT_URI] = '\0';
	ck_assert(redirect_ok(big));
	big[JTA_LIMIT_REDIRECT_URI] = 'x';
	big[JTA_LIMIT_REDIRECT_URI + 1] = '\0';
	ck_assert(!redirect_ok(big));
	/* Past the parse's own limit. */
	memset(big + 18, 'x', n - 18);
	big[n] = '\0';
	ck_assert_int_eq(jta_url_fetch_check(big, NULL), JTA_ERR_INPUT);
	/* A host label of 64 characters is too long, 63 is fine. */
	memcpy(big, "https://", 8);
	memset(big + 8, 'a', 64);
	memcpy(big + 72, ".example/", 10);
	ck_assert(!redirect_ok(big));
	memmove(big + 71, big + 72, 10);
	ck_assert(redirect_ok(big));
	free(big);
}
END_TEST

START_TEST(match_is_exact_and_needs_both_valid)
{
	static const char cb[] = "https://chatgpt.com/aip/g-abc/oauth/callback";

	ck_assert(jta_url_redirect_match(cb, cb));
	ck_assert(!jta_url_redirect_match(
	    "https://chatgpt.com/aip/g-abc/oauth/callback/", cb));
	ck_assert(!jta_url_redirect_match(
	    "https://chatgpt.com:443/aip/g-abc/oauth/callback", cb));
	ck_assert(!jta_url_redirect_match(
	    "HTTPS://chatgpt.com/aip/g-abc/oauth/callback", cb));
	ck_assert(!jta_url_redirect_match(
	    "https://chatgpt.com/aip/g-abc/oauth/../oauth/callback", cb));
	ck_assert(!jta_url_redirect_match("https://chatgpt.com",
	    "https://chatgpt.com/"));
	/* A row stored before the rules were strict is never matched. */
	ck_assert(!jta_url_redirect_match("https://*.chatgpt.com/cb",
	    "https://*.chatgpt.com/cb"));
	ck_assert(!jta_url_redirect_match("https://u@chatgpt.com/cb",
	    "https://u@chatgpt.com/cb"));
	ck_assert(!jta_url_redirect_match(NULL, cb));
	ck_assert(!jta_url_redirect_match(cb, NULL));
}
END_TEST

START_TEST(base_urls)
{
	struct jta_url	 u;
	struct jta_error e;

	ck_assert_int_eq(jta_url_base_check("https://tickets.example.org/jta",
	    "public_url", &u, &e), JTA_OK);
	ck_assert_str_eq(u.path, "/jta");
	ck_assert_int_eq(jta_url_base_check("http://127.0.0.1:8080",
	    "public_url", NULL, &e), JTA_OK);
	ck_assert_int_eq(jta_url_base_check("http://localhost:8080",
	    "public_url", NULL, &e), JTA_OK);
	ck_assert_int_eq(jta_url_base_check("https://auth.atlassian.com",
	    "atlassian_auth_url", NULL, &e), JTA_OK);
	ck_assert_int_eq(jta_url_base_check("https://example.org/",
	    "public_url", NULL, &e), JTA_ERR_INPUT);
	ck_assert_str_eq(e.field, "public_url");
	ck_assert_ptr_nonnull(strstr(e.detail, "'/'"));
	ck_assert_int_eq(jta_url_base_check("http://example.org",
	    "public_url", NULL, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_base_check("https://example.org?x=1",
	    "public_url", NULL, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_base_check("https://example.org/#x",
	    "public_url", NULL, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_base_check("https://u:p@example.org",
	    "public_url", NULL, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_base_check("https://example.org/'x",
	    "public_url", NULL, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_base_check("https://exa mple.org",
	    "public_url", NULL, &e), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_base_check("//example.org",
	    "public_url", NULL, &e), JTA_ERR_INPUT);
}
END_TEST

START_TEST(site_urls)
{
	struct jta_url	 u;

	ck_assert_int_eq(jta_url_site_check("https://acme.atlassian.net",
	    "site", &u, NULL), JTA_OK);
	ck_assert_str_eq(u.host, "acme.atlassian.net");
	ck_assert_int_eq(jta_url_site_check("https://acme.atlassian.net/",
	    "site", NULL, NULL), JTA_OK);
	ck_assert_int_eq(jta_url_site_check("http://127.0.0.1:9000/site/acme",
	    "site", NULL, NULL), JTA_OK);
	ck_assert_int_eq(jta_url_site_check("http://acme.atlassian.net",
	    "site", NULL, NULL), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_site_check("https://acme.atlassian.net?x",
	    "site", NULL, NULL), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_site_check("https://a@acme.atlassian.net",
	    "site", NULL, NULL), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_site_check("javascript:alert(1)",
	    "site", NULL, NULL), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_site_check("https://acme.atlassian.net/\">",
	    "site", NULL, NULL), JTA_ERR_INPUT);
}
END_TEST

START_TEST(origin_and_base_path)
{
	struct jta_url	 u;
	char		 o[64];

	ck_assert_int_eq(jta_url_base_check("https://Tickets.Example.org:443"
	    "/jta", "public_url", &u, NULL), JTA_OK);
	ck_assert_int_eq(jta_url_origin(&u, o, sizeof(o)), JTA_OK);
	ck_assert_str_eq(o, "https://tickets.example.org");
	ck_assert_str_eq(jta_url_base_path(&u), "/jta");
	ck_assert_int_eq(jta_url_base_check("http://127.0.0.1:8080",
	    "public_url", &u, NULL), JTA_OK);
	ck_assert_int_eq(jta_url_origin(&u, o, sizeof(o)), JTA_OK);
	ck_assert_str_eq(o, "http://127.0.0.1:8080");
	ck_assert_str_eq(jta_url_base_path(&u), "");
	ck_assert_int_eq(jta_url_base_check("http://[::1]:80",
	    "public_url", &u, NULL), JTA_OK);
	ck_assert_int_eq(jta_url_origin(&u, o, sizeof(o)), JTA_OK);
	ck_assert_str_eq(o, "http://[::1]");
	ck_assert_int_eq(jta_url_origin(&u, o, 8), JTA_ERR_INTERNAL);
	ck_assert_str_eq(o, "");
}
END_TEST

/* The name usage, quotas and access rules give a site: what libcurl
 * reads, so spellings of one site agree and tricks do not pass. */
START_TEST(site_names)
{
	static const struct {
		const char	*url;
		const char	*name;	/* NULL: refused */
	} cases[] = {
		{ "https://acme.atlassian.net", "acme.atlassian.net" },
		{ "https://Acme.Atlassian.NET/", "acme.atlassian.net" },
		{ "https://acme.atlassian.net:443/", "acme.atlassian.net" },
		{ "http://127.0.0.1:9998", "127.0.0.1:9998" },
		{ "http://127.0.0.1:80/", "127.0.0.1" },
		{ "https://acme.atlassian.net:8443/",
		    "acme.atlassian.net:8443" },
		{ "https://acme.atlassian.net/wiki//",
		    "acme.atlassian.net/wiki" },
		{ "http://[::1]:9998/", "[::1]:9998" },
		/* Not a site URL: userinfo, query, fragment, other schemes,
		 * plain http off the loopback, backslashes, blanks. */
		{ "https://evil@acme.atlassian.net", NULL },
		{ "https://acme.atlassian.net@evil.example", NULL },
		{ "https://acme.atlassian.net/?x=1", NULL },
		{ "https://acme.atlassian.net/#x", NULL },
		{ "ftp://acme.atlassian.net", NULL },
		{ "HTTPS://acme.atlassian.net", NULL },
		{ "http://acme.atlassian.net", NULL },
		{ "https:\\\\acme.atlassian.net", NULL },
		{ "https://acme.atlassian.net /", NULL },
		{ "acme.atlassian.net", NULL },
		{ "", NULL },
	};
	char	 out[64];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(out, sizeof(out), "x");
		if (cases[i].name == NULL) {
			ck_assert_msg(jta_url_site_name(cases[i].url, out,
			    sizeof(out)) == JTA_ERR_INPUT, "%s", cases[i].url);
			ck_assert_str_eq(out, "");
			continue;
		}
		ck_assert_msg(jta_url_site_name(cases[i].url, out,
		    sizeof(out)) == JTA_OK, "%s", cases[i].url);
		ck_assert_str_eq(out, cases[i].name);
	}
	/* Too long for out: an error, and nothing half written. */
	ck_assert_int_eq(jta_url_site_name("https://acme.atlassian.net", out,
	    8), JTA_ERR_INTERNAL);
	ck_assert_str_eq(out, "");
}
END_TEST

/* An Origin header against public_url, both split by libcurl. */
START_TEST(same_origin)
{
	ck_assert(jta_url_same_origin("https://t.example.org",
	    "https://t.example.org/jta"));
	ck_assert(jta_url_same_origin("https://t.example.org",
	    "https://T.Example.org:443/jta"));
	ck_assert(jta_url_same_origin("http://127.0.0.1:8080",
	    "http://127.0.0.1:8080"));
	ck_assert(jta_url_same_origin("http://[::1]", "http://[::1]:80"));
	/* Another host, scheme or port; a longer host with ours in it. */
	ck_assert(!jta_url_same_origin("https://t.example.org.evil.com",
	    "https://t.example.org"));
	ck_assert(!jta_url_same_origin("https://evil.com",
	    "https://t.example.org"));
	ck_assert(!jta_url_same_origin("http://t.example.org",
	    "https://t.example.org"));
	ck_assert(!jta_url_same_origin("https://t.example.org:8443",
	    "https://t.example.org"));
	ck_assert(!jta_url_same_origin("http://127.0.0.1:8081",
	    "http://127.0.0.1:8080"));
	/* Not an origin: "null", a path, userinfo, a fragment, a query,
	 * nothing. */
	ck_assert(!jta_url_same_origin("null", "https://t.example.org"));
	ck_assert(!jta_url_same_origin("https://t.example.org/",
	    "https://t.example.org"));
	ck_assert(!jta_url_same_origin("https://t.example.org/jta",
	    "https://t.example.org/jta"));
	ck_assert(!jta_url_same_origin("https://u@t.example.org",
	    "https://t.example.org"));
	ck_assert(!jta_url_same_origin("https://t.example.org#x",
	    "https://t.example.org"));
	ck_assert(!jta_url_same_origin("https://t.example.org?x",
	    "https://t.example.org"));
	ck_assert(!jta_url_same_origin("", "https://t.example.org"));
	/* A public_url that is no base URL matches nothing. */
	ck_assert(!jta_url_same_origin("https://t.example.org",
	    "https://t.example.org/"));
	ck_assert(!jta_url_same_origin("https://t.example.org", ""));
}
END_TEST

START_TEST(fetch_urls)
{
	ck_assert_int_eq(jta_url_fetch_check("https://api.atlassian.com/ex/"
	    "jira/1/rest/api/3/search?jql=project%20%3D%20X&maxResults=20",
	    NULL), JTA_OK);
	ck_assert_int_eq(jta_url_fetch_check("http://127.0.0.1:9998/x?y=1",
	    NULL), JTA_OK);
	ck_assert_int_eq(jta_url_fetch_check("http://api.atlassian.com/me",
	    NULL), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_fetch_check("http://127.0.0.1.evil.com/",
	    NULL), JTA_ERR_INPUT);
	ck_assert_int_eq(jta_url_fetch_check("https:///me", NULL),
	    JTA_ERR_INPUT);
}
END_TEST

Suite *
jta_check_suite(void)
{
	Suite	*s = suite_create("jta_url");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, parse_splits_the_parts);
	tcase_add_test(tc, parse_refuses_with_the_field);
	tcase_add_test(tc, good_redirect_uris);
	tcase_add_test(tc, userinfo_refused);
	tcase_add_test(tc, ports);
	tcase_add_test(tc, case_of_scheme_and_host);
	tcase_add_test(tc, percent_encoding);
	tcase_add_test(tc, idn);
	tcase_add_test(tc, backslashes);
	tcase_add_test(tc, whitespace_and_control_bytes);
	tcase_add_test(tc, fragments);
	tcase_add_test(tc, empty_host);
	tcase_add_test(tc, ipv6_literals);
	tcase_add_test(tc, host_shapes_and_trailing_dots);
	tcase_add_test(tc, other_schemes_and_relative_forms);
	tcase_add_test(tc, very_long_inputs);
	tcase_add_test(tc, match_is_exact_and_needs_both_valid);
	tcase_add_test(tc, base_urls);
	tcase_add_test(tc, site_urls);
	tcase_add_test(tc, origin_and_base_path);
	tcase_add_test(tc, fetch_urls);
	tcase_add_test(tc, site_names);
	tcase_add_test(tc, same_origin);
	suite_add_tcase(s, tc);
	return s;
}
