#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jta_endpoint.h"

static const char *const names[JTA_ENDPOINT_NNAMES] = {
	[JTA_ENDPOINT_ISSUES_SEARCH] = "issues.search",
	[JTA_ENDPOINT_ISSUES_CREATE] = "issues.create",
	[JTA_ENDPOINT_ISSUE] = "issue",
	[JTA_ENDPOINT_COMMENTS] = "comments",
	[JTA_ENDPOINT_TRANSITIONS] = "transitions",
	[JTA_ENDPOINT_DRAFTS_CREATE] = "drafts.create",
	[JTA_ENDPOINT_DRAFTS] = "drafts",
	[JTA_ENDPOINT_SIMILAR] = "similar",
	[JTA_ENDPOINT_USERS] = "users",
	[JTA_ENDPOINT_PROJECT_FIELDS] = "project.fields",
	[JTA_ENDPOINT_PROJECTS] = "projects",
	[JTA_ENDPOINT_ME] = "me",
	[JTA_ENDPOINT_TICKETS] = "tickets",
	[JTA_ENDPOINT_OAUTH] = "oauth",
	[JTA_ENDPOINT_HEALTHZ] = "healthz",
	[JTA_ENDPOINT_METRICS] = "metrics",
	[JTA_ENDPOINT_OPENAPI] = "openapi",
	[JTA_ENDPOINT_ADMIN] = "admin",
	[JTA_ENDPOINT_BROWSE] = "browse",
	[JTA_ENDPOINT_MCP] = "mcp",
	[JTA_ENDPOINT_KNOWLEDGE] = "knowledge",
	[JTA_ENDPOINT_SERVICEDESKS] = "servicedesks",
	[JTA_ENDPOINT_REQUESTS_CREATE] = "requests.create",
	[JTA_ENDPOINT_REQUESTS] = "requests",
	[JTA_ENDPOINT_CHAT] = "chat",
	[JTA_ENDPOINT_ATTACHMENTS] = "attachments",
	[JTA_ENDPOINT_FILES] = "files",
	[JTA_ENDPOINT_OTHER] = "other",
};

/* Shorthands for the table only. */
#define GET	JTA_ENDPOINT_GET
#define POST	JTA_ENDPOINT_POST
#define PATCH	JTA_ENDPOINT_PATCH
#define DELETE	JTA_ENDPOINT_DELETE
#define CHANGE	JTA_ENDPOINT_CHANGE
#define ANY	JTA_ENDPOINT_ANY
#define NONE	JTA_ENDPOINT_NONE
#define READ	JTA_ENDPOINT_READ
#define CREATE	JTA_ENDPOINT_CREATE
#define WRITE	JTA_ENDPOINT_WRITE
#define N(x)	JTA_ENDPOINT_##x
/* An entry's audience, last (jta_endpoint_audience): the MCP endpoint's
 * entry ends in MCP, every other one in API. */
#define API	JTA_ENDPOINT_AUD_API
#define MCP	JTA_ENDPOINT_AUD_MCP

/* A location served by one program whose every method is name, with no
 * access rule (OAuth, health, metrics, schema, admin). */
#define PLAIN(path, name) { (path), N(name), { { ANY, N(name), NONE, \
	JTA_PROJECT_NONE } } }

/*
 * The table.  The issue collection keeps its seed name /oauth/issues as
 * well; a request to it with a method it does not serve is counted as
 * "other", as it was before the table.
 */
static const struct jta_endpoint_def table[] = {
	{ "jta-healthz", JTA_ENDPOINT_OPEN, N(HEALTHZ),
	    { PLAIN("/healthz", HEALTHZ) }, API },
	{ "jta-issues", JTA_ENDPOINT_RULES, N(OTHER), {
	    { "/api/issues", N(OTHER), {
		{ GET, N(ISSUES_SEARCH), READ, JTA_PROJECT_SEARCH },
		{ POST, N(ISSUES_CREATE), CREATE, JTA_PROJECT_BODY } } },
	    { "/oauth/issues", N(OTHER), {
		{ GET, N(ISSUES_SEARCH), READ, JTA_PROJECT_SEARCH },
		{ POST, N(ISSUES_CREATE), CREATE, JTA_PROJECT_BODY } } } },
	    API },
	{ "jta-issue", JTA_ENDPOINT_RULES, N(ISSUE), {
	    { "/api/issues/*", N(ISSUE), {
		{ GET, N(ISSUE), READ, JTA_PROJECT_KEY },
		{ PATCH, N(ISSUE), WRITE, JTA_PROJECT_KEY } } },
	    /* getAttachmentText: reading a file of the issue is a read of
	     * the issue. */
	    { "/api/issues/*/attachments/*/text", N(ISSUE), {
		{ GET, N(ISSUE), READ, JTA_PROJECT_KEY } } } }, API },
	{ "jta-comments", JTA_ENDPOINT_RULES, N(COMMENTS), {
	    { "/api/issues/*/comments", N(COMMENTS), {
		{ POST, N(COMMENTS), WRITE, JTA_PROJECT_KEY } } } }, API },
	/* Attaching files changes the issue (or request), as a comment
	 * does: a write of the key's project. */
	{ "jta-attachments", JTA_ENDPOINT_RULES, N(ATTACHMENTS), {
	    { "/api/issues/*/attachments", N(ATTACHMENTS), {
		{ POST, N(ATTACHMENTS), WRITE, JTA_PROJECT_KEY } } } }, API },
	{ "jta-transitions", JTA_ENDPOINT_RULES, N(TRANSITIONS), {
	    { "/api/issues/*/transitions", N(TRANSITIONS), {
		{ GET, N(TRANSITIONS), READ, JTA_PROJECT_KEY },
		{ POST, N(TRANSITIONS), WRITE, JTA_PROJECT_KEY } } } }, API },
	{ "jta-projects", JTA_ENDPOINT_RULES, N(PROJECTS), {
	    { "/api/projects", N(PROJECTS), {
		{ GET, N(PROJECTS), READ, JTA_PROJECT_NONE } } } }, API },
	{ "jta-me", JTA_ENDPOINT_RULES, N(ME), {
	    { "/api/me", N(ME), {
		{ GET, N(ME), READ, JTA_PROJECT_NONE } } } }, API },
	/* The basic API: a list spans every project and a ticket is named
	 * by id, so only a create has a known project. */
	{ "jta-tickets", JTA_ENDPOINT_RULES, N(TICKETS), {
	    { "/api/tickets", N(TICKETS), {
		{ GET, N(TICKETS), READ, JTA_PROJECT_ANY },
		{ POST, N(TICKETS), CREATE, JTA_PROJECT_DEFAULT },
		{ CHANGE, N(TICKETS), WRITE, JTA_PROJECT_ANY } } },
	    { "/api/tickets/**", N(TICKETS), {
		{ GET, N(TICKETS), READ, JTA_PROJECT_ANY },
		{ POST, N(TICKETS), CREATE, JTA_PROJECT_DEFAULT },
		{ CHANGE, N(TICKETS), WRITE, JTA_PROJECT_ANY } } } }, API },
	{ "jta-oauth-start", JTA_ENDPOINT_SWITCH, N(OAUTH),
	    { PLAIN("/oauth/start", OAUTH) }, API },
	{ "jta-oauth-callback", JTA_ENDPOINT_SWITCH, N(OAUTH),
	    { PLAIN("/oauth/callback", OAUTH) }, API },
	{ "jta-oauth-authorize", JTA_ENDPOINT_SWITCH, N(OAUTH),
	    { PLAIN("/oauth/authorize", OAUTH) }, API },
	{ "jta-oauth-token", JTA_ENDPOINT_SWITCH, N(OAUTH),
	    { PLAIN("/oauth/token", OAUTH) }, API },
	{ "jta-oauth-revoke", JTA_ENDPOINT_SWITCH, N(OAUTH),
	    { PLAIN("/oauth/revoke", OAUTH) }, API },
	/* RFC 8414 (the authorization server) and RFC 9728 (the protected
	 * resources: the REST API at public_url, /mcp at its path-suffixed
	 * name). */
	{ "jta-oauth-metadata", JTA_ENDPOINT_SWITCH, N(OAUTH),
	    { PLAIN("/.well-known/oauth-authorization-server", OAUTH),
	    PLAIN("/.well-known/oauth-protected-resource", OAUTH),
	    PLAIN("/.well-known/oauth-protected-resource/mcp", OAUTH) }, API },
	/* RFC 7591 registration: off (404) unless the configuration's
	 * oauth_client_registration is on. */
	{ "jta-oauth-register", JTA_ENDPOINT_SWITCH, N(OAUTH),
	    { PLAIN("/oauth/register", OAUTH) }, API },
	/* Like a search: it reads tickets of any project. */
	{ "jta-similar", JTA_ENDPOINT_RULES, N(SIMILAR), {
	    { "/api/similar", N(SIMILAR), {
		{ GET, N(SIMILAR), READ, JTA_PROJECT_QUERY } } } }, API },
	/* Knowledge before tickets: a read of no project (articles, not
	 * tickets). */
	{ "jta-knowledge", JTA_ENDPOINT_RULES, N(KNOWLEDGE), {
	    { "/api/knowledge", N(KNOWLEDGE), {
		{ GET, N(KNOWLEDGE), READ, JTA_PROJECT_NONE } } },
	    { "/api/knowledge/*", N(KNOWLEDGE), {
		{ GET, N(KNOWLEDGE), READ, JTA_PROJECT_NONE } } },
	    /* Recording that an article helped changes no ticket: a read
	     * for the access rules (a read-only person may say so). */
	    { "/api/knowledge/*/helped", N(KNOWLEDGE), {
		{ POST, N(KNOWLEDGE), READ, JTA_PROJECT_NONE } } } }, API },
	{ "jta-users", JTA_ENDPOINT_RULES, N(USERS), {
	    { "/api/users", N(USERS), {
		{ GET, N(USERS), READ, JTA_PROJECT_NONE } } } }, API },
	{ "jta-openapi", JTA_ENDPOINT_SWITCH, N(OPENAPI),
	    { PLAIN("/openapi.yaml", OPENAPI) }, API },
	{ "jta-project-fields", JTA_ENDPOINT_RULES, N(PROJECT_FIELDS), {
	    { "/api/projects/*/fields", N(PROJECT_FIELDS), {
		{ GET, N(PROJECT_FIELDS), READ, JTA_PROJECT_PATH } } } }, API },
	/* A draft is the first step of a create.  A draft's project is in
	 * the store, not in the request: the drafts program checks the
	 * rules again with it before a submit, an edit or a discard.  A
	 * discard (DELETE) is a write, not a create: it files nothing. */
	{ "jta-drafts", JTA_ENDPOINT_RULES, N(DRAFTS), {
	    { "/api/drafts", N(DRAFTS_CREATE), {
		{ POST, N(DRAFTS_CREATE), CREATE, JTA_PROJECT_BODY } } },
	    { "/api/drafts/*", N(DRAFTS), {
		{ GET, N(DRAFTS), READ, JTA_PROJECT_NONE },
		{ PATCH, N(DRAFTS), CREATE, JTA_PROJECT_NONE },
		{ DELETE, N(DRAFTS), WRITE, JTA_PROJECT_NONE } } },
	    { "/api/drafts/*/submit", N(DRAFTS), {
		{ POST, N(DRAFTS), CREATE, JTA_PROJECT_NONE } } },
	    /* A browser's upload (README "Attachments: files as bytes"): a
	     * change of that draft, as updateDraft (PATCH) is. */
	    { "/api/drafts/*/files", N(DRAFTS), {
		{ POST, N(DRAFTS), CREATE, JTA_PROJECT_NONE } } } }, API },
	{ "jta-metrics", JTA_ENDPOINT_OPEN, N(METRICS),
	    { PLAIN("/metrics", METRICS) }, API },
	/* The operators' page switches the service back on: no switch, no
	 * rules (the web server restricts who reaches it). */
	{ "jta-admin-api", JTA_ENDPOINT_OPEN, N(ADMIN),
	    { PLAIN("/admin/api/**", ADMIN) }, API },
	/* A ticket's page for people (the "url" of every answer with the
	 * embedded store) and its sign-in: no API key, a session cookie of
	 * its own; the program checks the access rules itself once it knows
	 * who is signed in. */
	{ "jta-browse", JTA_ENDPOINT_SWITCH, N(BROWSE), {
	    { "/browse/*", N(BROWSE), {
		{ GET | POST, N(BROWSE), NONE, JTA_PROJECT_NONE } } } }, API },
	/* MCP (README.md "MCP"): one POST per JSON-RPC message; GET and
	 * DELETE are 405 (2026-07-28 Streamable HTTP, "Backward
	 * Compatibility").  The table classifies the protocol's own
	 * messages (no rule, no quota); a tools/call is classified as the
	 * REST request its tool is (fcgi/mcp.c, jta_operation.h), by this
	 * table's entry for that request. */
	{ "jta-mcp", JTA_ENDPOINT_RULES, N(MCP), {
	    { "/mcp", N(MCP), {
		{ POST, N(MCP), NONE, JTA_PROJECT_NONE } } } }, MCP },
	/* Jira Service Management: the desks the person can use; their
	 * requests (a raise is a create in the desk's project, counted and
	 * ruled like one; a request is named by its issue key). */
	{ "jta-servicedesks", JTA_ENDPOINT_RULES, N(SERVICEDESKS), {
	    { "/api/servicedesks", N(SERVICEDESKS), {
		{ GET, N(SERVICEDESKS), READ, JTA_PROJECT_NONE } } } }, API },
	{ "jta-requests", JTA_ENDPOINT_RULES, N(REQUESTS), {
	    { "/api/requests", N(REQUESTS), {
		{ GET, N(REQUESTS), READ, JTA_PROJECT_QUERY },
		{ POST, N(REQUESTS_CREATE), CREATE, JTA_PROJECT_BODY } } },
	    { "/api/requests/*", N(REQUESTS), {
		{ GET, N(REQUESTS), READ, JTA_PROJECT_KEY } } },
	    /* comments, transitions, approval */
	    { "/api/requests/*/*", N(REQUESTS), {
		{ GET, N(REQUESTS), READ, JTA_PROJECT_KEY },
		{ POST, N(REQUESTS), WRITE, JTA_PROJECT_KEY } } } }, API },
	/* Our own agent (README "Chat: our own agent"): a message answered
	 * as a text/event-stream; GET /chat?message= is the same stream for
	 * the ai-my-tickets clients.  The chat itself is counted and capped
	 * (quotas) but names no operation; every tool it runs is checked
	 * against the access rules as the REST request it is
	 * (jta_chat.c). */
	{ "jta-agent", JTA_ENDPOINT_RULES, N(CHAT), {
	    { "/api/chat", N(CHAT), {
		{ POST, N(CHAT), NONE, JTA_PROJECT_NONE } } },
	    { "/chat", N(CHAT), {
		{ GET, N(CHAT), NONE, JTA_PROJECT_NONE } } } }, API },
	/* The person's confirm of a pending action of the chat: classified
	 * as the REST request its tool is (fcgi/chat-confirm.c, like MCP's
	 * tools/call). */
	{ "jta-agent-confirm", JTA_ENDPOINT_RULES, N(CHAT), {
	    { "/api/chat/confirm", N(CHAT), {
		{ POST, N(CHAT), NONE, JTA_PROJECT_NONE } } } }, API },
	/* A kept file of the embedded store (README "Attachments: the
	 * links to the embedded store's files"): opened in a browser, so
	 * no API key; the signed, expiring link is the capability
	 * (jta_files.h), checked by the program.  The kill switch holds. */
	{ "jta-files", JTA_ENDPOINT_SWITCH, N(FILES), {
	    { "/files/*", N(FILES), {
		{ GET, N(FILES), NONE, JTA_PROJECT_NONE } } } }, API },
};
#define NTABLE	(sizeof(table) / sizeof(table[0]))

const char *
jta_endpoint_name(enum jta_endpoint_name name)
{
	if ((unsigned)name >= JTA_ENDPOINT_NNAMES)
		return names[JTA_ENDPOINT_OTHER];
	return names[name];
}

const struct jta_endpoint_def *
jta_endpoint_at(size_t i)
{
	return i < NTABLE ? &table[i] : NULL;
}

const struct jta_endpoint_def *
jta_endpoint_get(const char *program)
{
	size_t	 i;

	if (program == NULL)
		return NULL;
	for (i = 0; i < NTABLE; i++)
		if (strcmp(table[i].program, program) == 0)
			return &table[i];
	return NULL;
}

int
jta_endpoint_match(const char *pattern, const char *path)
{
	const char	*p = pattern, *s = path;

	while (*p != '\0') {
		if (p[0] == '*' && p[1] == '*' && p[2] == '\0')
			return 1;
		if (*p == '*') {
			if (*s == '\0' || *s == '/')
				return 0;
			while (*s != '\0' && *s != '/')
				s++;
			p++;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

static const struct jta_endpoint_route *
routeof(const struct jta_endpoint_def *def, const char *path)
{
	size_t	 i;

	for (i = 0; i < JTA_ENDPOINT_ROUTES && def->routes[i].path != NULL;
	    i++)
		if (jta_endpoint_match(def->routes[i].path, path))
			return &def->routes[i];
	return NULL;
}

const struct jta_endpoint_route *
jta_endpoint_route(const struct jta_endpoint_def *def, const char *path)
{
	const struct jta_endpoint_route *r;
	size_t	 i;

	if (def != NULL)
		return routeof(def, path);
	for (i = 0; i < NTABLE; i++)
		if ((r = routeof(&table[i], path)) != NULL)
			return r;
	return NULL;
}

const struct jta_endpoint_method *
jta_endpoint_method(const struct jta_endpoint_route *r,
    enum jta_method method)
{
	size_t	 i;

	for (i = 0; i < JTA_ENDPOINT_METHODS && r->m[i].methods != 0; i++)
		if (r->m[i].methods & JTA_ENDPOINT_M(method))
			return &r->m[i];
	return NULL;
}

void
jta_endpoint_allow(const struct jta_endpoint_route *r, char *buf,
    size_t bufsz)
{
	static const char *const words[] = { "GET", "HEAD", "POST", "PUT",
	    "PATCH", "DELETE" };
	size_t	 i, len = 0;
	int	 n;

	if (bufsz == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (jta_endpoint_method(r, (enum jta_method)i) == NULL)
			continue;
		n = snprintf(buf + len, bufsz - len, "%s%s", len ? ", " : "",
		    words[i]);
		if (n < 0 || (size_t)n >= bufsz - len) {
			buf[0] = '\0';
			return;
		}
		len += (size_t)n;
	}
}
