/*
 * Every bound on outside input lives here, each with what it protects.
 * Input over a limit is refused (413, 414, 431, 422), never truncated.
 */
#ifndef JTA_LIMITS_H
#define JTA_LIMITS_H

/* Request body: the largest JSON document a client may send (a ticket with
 * a long description).  Protects memory per request; nginx and Apache are
 * configured at the same value (client_max_body_size, LimitRequestBody). */
#define JTA_LIMIT_BODY		(64 * 1024)
/* Raw query string, before decoding.  Answer 414 above it. */
#define JTA_LIMIT_QUERY		4096
/* Decoded request path.  Answer 414 above it. */
#define JTA_LIMIT_PATH		1024
/* One header value we read (Authorization, Content-Type, If-None-Match,
 * X-Request-Id).  Answer 431 above it. */
#define JTA_LIMIT_HEADER	1024
/* Query parameters in one request: bounds the parse loop. */
#define JTA_LIMIT_PARAMS	32
/* Nesting of arrays and objects in a JSON body: bounds recursion in the
 * parser and in every walk over the document. */
#define JTA_LIMIT_JSON_DEPTH	8
/* Members of one JSON object or elements of one array in a body. */
#define JTA_LIMIT_JSON_MEMBERS	64

/* Ticket fields (characters are bytes of UTF-8). */
#define JTA_LIMIT_SUMMARY	255
#define JTA_LIMIT_DESCRIPTION	32768
#define JTA_LIMIT_COMMENT	32768
#define JTA_LIMIT_LABEL		64
#define JTA_LIMIT_LABELS	20
#define JTA_LIMIT_NAME		64	/* user, type, status, priority names */
#define JTA_LIMIT_DISPLAY_NAME	128
#define JTA_LIMIT_EMAIL		254	/* RFC 5321 path limit */
/* Create with names (POST /api/issues): one name or value of a field
 * (component, option, custom field key), the components of one issue,
 * the members of "fields", and the fields and allowed values a project's
 * create screen may list (more are cut, the allowed values in problems
 * at JTA_LIMIT_ALLOWED). */
#define JTA_LIMIT_FIELD_VALUE	255
#define JTA_LIMIT_COMPONENTS	20
#define JTA_LIMIT_CREATE_FIELDS	32
#define JTA_LIMIT_META_FIELDS	200
#define JTA_LIMIT_ALLOWED	50
/* Pages of createmeta read for one issue type (50 fields each). */
#define JTA_LIMIT_META_PAGES	4
/* The Jira metadata cache (jta_store_meta.h): a row's kind and key (a
 * project key, an account id, a type id and separators fit), and its
 * JSON value compact (a create screen of JTA_LIMIT_META_PAGES pages with
 * their allowed values fits; a larger one is simply not cached). */
#define JTA_LIMIT_META_KEY	256
#define JTA_LIMIT_META_VALUE	(1024 * 1024)
/* A project key: like Jira's default project key limit. */
#define JTA_LIMIT_PROJECT_KEY	10
#define JTA_LIMIT_PROJECT_NAME	80
#define JTA_LIMIT_ISSUE_KEY	32	/* PROJECTKEY-2147483647 fits */
#define JTA_LIMIT_TEXT_QUERY	256	/* full-text search words */
/* A search cursor: ours are short; Jira's nextPageToken is opaque and
 * longer, and must travel back in ?cursor= within JTA_LIMIT_QUERY. */
#define JTA_LIMIT_CURSOR	1024
#define JTA_LIMIT_ID_LIST	50	/* ids in ?id__in= */

/* Pages of results. */
#define JTA_LIMIT_PAGE_DEFAULT	20
#define JTA_LIMIT_PAGE_MAX	50
#define JTA_LIMIT_PAGE_NUMBER	100000	/* ?page= of /api/tickets/ */
/* Comments returned with one ticket (the most recent ones). */
#define JTA_LIMIT_COMMENTS_SHOWN 20

/* Jira Cloud.  A JQL query we send or take raw from a client: bounds our
 * buffers and the upstream request; longer is 422. */
#define JTA_LIMIT_JQL		4096
/* Elements of one list in a Jira answer that we map (projects of a page,
 * issue types, priorities, transitions, labels): bounds the work per
 * answer; more is refused as a bad upstream answer (502). */
#define JTA_LIMIT_JIRA_ITEMS	100
/* /api/tickets/ in Jira mode counts the matches by reading their ids
 * (Jira's search has no exact count): at most this many, which is also
 * the most one id-only page of Jira's search holds; a filter matching
 * more is refused (400) with the advice to narrow it. */
#define JTA_LIMIT_TK_JIRA_COUNT	5000
/* Pages of ids read for that count: Jira may answer with fewer ids per
 * page than asked (the stand-in gives 100), so this bounds the calls. */
#define JTA_LIMIT_TK_JIRA_PAGES	60

/* Configuration file: size and line length, so a wrong path (a log, a
 * binary) is refused quickly instead of parsed. */
#define JTA_LIMIT_CONF_FILE	(64 * 1024)
#define JTA_LIMIT_CONF_LINE	1024
/* A secret read from a file (key files, the token key file included:
 * 16 lines of "KID HEX64" and their comments fit many times over). */
#define JTA_LIMIT_SECRET_FILE	4096
/* Token keys in the token key file: the one that seals and the older ones
 * still opening tokens during a rotation.  Bounds the file parse and the
 * keys held in guarded memory by every worker. */
#define JTA_LIMIT_TOKEN_KEYS	16
/* The per-process guarded area secrets are taken from (jta_secret_new):
 * the process keeps its keys there (about 4 KiB), and a request holds a
 * few more (an API key, an access token, a bearer header: about 130
 * bytes in bench_jira.py, at most a few KiB each with Atlassian's
 * tokens); larger or more get sodium_malloc of their own.  libsodium
 * fills the whole area at start, so all of it is in each worker's RSS. */
#define JTA_LIMIT_SECRET_AREA	16384
/* The per-request JSON arena (jta_arena.h): chunks of this many bytes
 * (a 40 KiB Jira search page parses into about 150 KiB of nodes), and
 * how much of them a worker keeps between requests (the rest goes back
 * to the system, so one huge answer does not hold a worker's RSS up). */
#define JTA_LIMIT_ARENA_CHUNK	(256 * 1024)
#define JTA_LIMIT_ARENA_KEEP	(1024 * 1024)
/* ... and at most this much in one request; past it jansson gets plain
 * malloc (a request that parses many pages in a loop). */
#define JTA_LIMIT_ARENA_MAX	(64 * 1024 * 1024)

/* Atlassian identity and tokens, as they come back from Atlassian's
 * servers: bounded so a broken or hostile upstream cannot make us store
 * or seal arbitrary amounts.  Access tokens are JWTs of a few KiB. */
/* An account id ("5b10a2844c20165700ede21g", "557058:f58131cb-...");
 * Atlassian documents a maximum of 128. */
#define JTA_LIMIT_ACCOUNT_ID	128
#define JTA_LIMIT_CLOUD_ID	64	/* a site's cloud id (a UUID) */
#define JTA_LIMIT_SITE_URL	256	/* https://NAME.atlassian.net */
#define JTA_LIMIT_UPSTREAM_TOKEN 16384	/* one access or refresh token */
/* The user hint kept with an OAuth state (who started the dance). */
#define JTA_LIMIT_STATE_HINT	128
/* A refresh lease owner, "<hostname>:<pid>:<random>": a host name is at
 * most 64 bytes on Linux, a pid 10 digits, the random part 32 hex. */
#define JTA_LIMIT_LEASE_OWNER	128
/* Rows re-sealed in one transaction by a key rotation: keeps every write
 * lock short while workers keep serving. */
#define JTA_LIMIT_RESEAL_BATCH	1000

/* Log line length, after escaping; longer lines are cut with a marker
 * (logs are ours, not input, so cutting is safe there). */
#define JTA_LIMIT_LOG_LINE	2048

/* Rich text: Markdown <-> Atlassian Document Format (ADF), jta_adf. */
/* Nesting of lists, quotes and other containers, both ways: bounds the
 * recursion of the converters.  Markdown deeper than this is refused
 * (422); ADF from Jira deeper than this is shown with a note instead. */
#define JTA_LIMIT_ADF_DEPTH	32
/* Markdown given to the converter, in bytes (422 above it): bounds the
 * work and the memory of one conversion. */
#define JTA_LIMIT_ADF_SOURCE	(64 * 1024)
/* Nodes in an ADF document made from Markdown (422 above it): bounds the
 * memory of the tree, whatever the mix of marks and breaks. */
#define JTA_LIMIT_ADF_NODES	16384
/* Markdown made from ADF, in bytes: what one description or comment may
 * cost a response.  Longer text is cut with a "[... N characters left
 * out]" marker (it is Jira's content to show, not input to refuse). */
#define JTA_LIMIT_ADF_MARKDOWN	100000
/* One working buffer of a conversion (the Markdown source's private copy,
 * a paragraph, a text run, a code block, a line prefix, owed blanks):
 * each holds part of its input, which is at most 3 * JTA_LIMIT_ADF_SOURCE
 * (Markdown, a NUL made U+FFFD) or JTA_LIMIT_UPSTREAM_BODY (ADF from
 * Jira).  Bounds the memory of one conversion; past it the conversion
 * fails instead of growing. */
#define JTA_LIMIT_ADF_BUFFER	JTA_LIMIT_UPSTREAM_BODY

/* One parameter of the OAuth callback (code, state, error...). */
#define JTA_LIMIT_OAUTH_PARAM	2048

/* A form body (application/x-www-form-urlencoded) to the OAuth server's
 * endpoints: parsed with the query's buffers, so bounded the same; a
 * sign-in or token request is a few hundred bytes. */
#define JTA_LIMIT_FORM		JTA_LIMIT_QUERY
/* A redirect URI of an OAuth client, and the URIs one client registers. */
#define JTA_LIMIT_REDIRECT_URI	512
#define JTA_LIMIT_REDIRECT_URIS	8
/* Any URL jta_url parses (jta_url.h): a redirect URI, a configured base,
 * a site address, an outbound call with its query.  Bounds each part's
 * buffer in struct jta_url; longer URLs are refused, never cut. */
#define JTA_LIMIT_URL		4096
/* A URL's host as jta_url keeps it: a DNS name (RFC 1035 §2.3.4: 253
 * characters written out) or a bracketed IPv6 literal. */
#define JTA_LIMIT_URL_HOST	255
/* A password of a local user (bytes): long enough for passphrases,
 * short enough that hashing cost stays what Argon2 parameters say. */
#define JTA_LIMIT_PASSWORD_MIN	8
#define JTA_LIMIT_PASSWORD	256
/* The state a client sends to our authorization endpoint (RFC 6749
 * §4.1.1), echoed in the redirect back. */
#define JTA_LIMIT_STATE		512
/* An OAuth client's public id: as we make it ("jtac_" and 24 hex), or the
 * https URL of its Client ID Metadata Document (MCP clients). */
#define JTA_LIMIT_CLIENT_ID	512
/* A Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-
 * document): its size (the draft suggests 5 KB), the fetch's connect and
 * total time, how long a cached one is kept at most (and without
 * Cache-Control), and how many are cached. */
#define JTA_LIMIT_CIMD_BYTES		5120
/* The longest URL jta_http_fetch_public takes (a ChatGPT file link, with
 * its signature, is about 400 bytes). */
#define JTA_LIMIT_FETCH_URL		2048
/* Attachments (jta_attach.h): the longest file name kept (bytes, as most
 * file systems allow); how many redirects a file's link may take, each to
 * a listed host; the fetch's connect and total time (a GPT Action waits
 * 45 s for the whole answer, and ChatGPT's links live five minutes); and
 * the default size cap per file (10 MiB, well under what Jira Cloud
 * takes), with the largest a caller may set. */
#define JTA_LIMIT_ATTACH_NAME		255
/* An issue's attachments listed in full (attachment_count counts all). */
#define JTA_LIMIT_ATTACHMENTS_SHOWN	20
#define JTA_LIMIT_ATTACH_REDIRECTS	3
#define JTA_LIMIT_ATTACH_CONNECT_MS	3000
/* The programs' connect timeout to PostgreSQL (database_url), seconds
 * (libpq's connect_timeout, whose least is 2): bounds start-up and each
 * reconnection a request makes while the server is away
 * (jta_store_reconnect), so a request waits at most this long before
 * its 503. */
#define JTA_LIMIT_PG_CONNECT_S		2
#define JTA_LIMIT_ATTACH_TOTAL_MS	15000
#define JTA_LIMIT_ATTACH_BYTES		(10 * 1024 * 1024)
#define JTA_LIMIT_ATTACH_BYTES_MAX	(100 * 1024 * 1024)
/* The virus scanner (jta_clamd.h, README "Attachments: virus scanning"):
 * the bytes sent in one zINSTREAM chunk (clamd(8)); the longest answer
 * line read (clamd's "stream: NAME FOUND" and its errors are short: a
 * longer one is an error, never a buffer grown on its say-so); the
 * longest signature name shown or audited; the default and largest time
 * one scan may take in all (connect, send, answer: clamd reads a 10 MiB
 * file in well under a second, and a GPT Action waits 45 s for the whole
 * answer, fetches included).  A scan sends the
 * whole file, at most attachment_max_bytes (JTA_LIMIT_ATTACH_BYTES_MAX),
 * so clamd's StreamMaxLength must be at least that. */
#define JTA_LIMIT_CLAMD_CHUNK		(64 * 1024)
#define JTA_LIMIT_CLAMD_REPLY		512
#define JTA_LIMIT_CLAMD_SIGNATURE	128
#define JTA_LIMIT_CLAMD_TIMEOUT_MS	10000
#define JTA_LIMIT_CLAMD_TIMEOUT_MS_MAX	300000
/* A browser's upload (jta_multipart.h, POST /api/drafts/{id}/files): the
 * parts one body may hold (a draft holds at most 10 files), the bytes of
 * one part's header section, a boundary (RFC 2046 §5.1.1: 1 to 70
 * characters), a part's raw filename before cleaning, its form name, its
 * Content-Type; and the whole body (what nginx's client_max_body_size and
 * Apache's LimitRequestBody allow that location: two files at the
 * default 10 MiB cap and their framing). */
#define JTA_LIMIT_MULTIPART_PARTS	10
#define JTA_LIMIT_MULTIPART_HEADERS	2048
#define JTA_LIMIT_MULTIPART_BOUNDARY	70
#define JTA_LIMIT_MULTIPART_FILENAME	1024
#define JTA_LIMIT_MULTIPART_NAME	64
#define JTA_LIMIT_MULTIPART_TYPE	127
#define JTA_LIMIT_UPLOAD_BODY		(21 * 1024 * 1024)
/* getAttachmentText (issue 18): the text answered of an attachment by
 * default (attachment_text_max_bytes) and at most, so one answer stays
 * small enough for an assistant's context and the response cap. */
#define JTA_LIMIT_ATTACH_TEXT		(64 * 1024)
#define JTA_LIMIT_ATTACH_TEXT_MAX	(256 * 1024)
/* The buffer a kept file is streamed through (jta_files.c). */
#define JTA_LIMIT_FILE_CHUNK		16384
#define JTA_LIMIT_CIMD_CONNECT_MS	3000
#define JTA_LIMIT_CIMD_TOTAL_MS		5000
#define JTA_LIMIT_CIMD_MAX_AGE		86400
#define JTA_LIMIT_CIMD_DEFAULT_AGE	300
#define JTA_LIMIT_CIMD_ROWS		1000
/* An OAuth client's display name, and a scope string. */
#define JTA_LIMIT_CLIENT_NAME	128
#define JTA_LIMIT_SCOPE		256
/* RFC 7591 dynamic registration (/oauth/register): at most this many
 * registered clients in all (each is a row and a name on a consent
 * page; an operator removes stale ones with jta-admin client remove), and
 * at most JTA_LIMIT_REGISTER_PER_ADDRESS from one address (REMOTE_ADDR)
 * within JTA_LIMIT_REGISTER_WINDOW seconds (a client registers once per
 * install, so ten an hour is plenty; a flood fills the cap slower). */
#define JTA_LIMIT_REGISTERED_CLIENTS	1000
#define JTA_LIMIT_REGISTER_PER_ADDRESS	10
#define JTA_LIMIT_REGISTER_WINDOW	3600
/* PKCE (RFC 7636 §4.1, §4.2): a verifier is 43..128 characters; an S256
 * challenge is 43. */
#define JTA_LIMIT_PKCE_MIN	43
#define JTA_LIMIT_PKCE		128

/* An answer from Atlassian: a page of 50 issues with ADF descriptions is
 * well under this; more is refused (502), never buffered without end. */
#define JTA_LIMIT_UPSTREAM_BODY	(4 * 1024 * 1024)
/* The selective JSON reader (jta_json_pick.h): the longest input it
 * reads (every upstream answer fits), and the deepest nesting, which is
 * jansson's own JSON_PARSER_MAX_DEPTH so that it refuses exactly what
 * json_loadb refuses; its stack of open containers is this deep at most. */
#define JTA_LIMIT_PICK_INPUT	JTA_LIMIT_UPSTREAM_BODY
#define JTA_LIMIT_PICK_DEPTH	2048

/* GET /api/similar and /api/users (the "Similar and users" section of
 * the ticket API).  Results: 1..20 similar tickets (default 5), 1..50
 * users (default 10). */
#define JTA_LIMIT_SIMILAR_DEFAULT 5
#define JTA_LIMIT_SIMILAR_MAX	20
#define JTA_LIMIT_USERS_DEFAULT	10
#define JTA_LIMIT_USERS_MAX	50
/* Words of the text a similar search looks for (the rest are ignored):
 * bounds the FTS5 and JQL queries built from them. */
#define JTA_LIMIT_SIMILAR_TERMS	12
/* Issues read from Jira for a similar search before ranking them. */
#define JTA_LIMIT_SIMILAR_FETCH	50

/* Every JSON answer, serialised, stays under this many Unicode characters
 * (not bytes): "Request and response payloads must be less than 100,000
 * characters each" (OpenAI, "Production notes on GPT Actions",
 * https://platform.openai.com/docs/actions/production).  Longer answers
 * are shrunk by jta_fit. */
#define JTA_LIMIT_RESPONSE_CHARS 100000

/* Drafts and exactly-once (jta_once).  A draft id is "d_" and 22
 * base64url characters (132 random bits); a submit token the same with
 * "o_".  An Idempotency-Key header is 1..255 printable ASCII characters
 * (draft-ietf-httpapi-idempotency-key-header leaves the length to the
 * server); longer is 422, never cut. */
#define JTA_LIMIT_DRAFT_ID	24
#define JTA_LIMIT_ONCE_TOKEN	24
#define JTA_LIMIT_IDEMPOTENCY_KEY	255
/* The largest revision number a client may send for a draft. */
#define JTA_LIMIT_REVISION	1000000

/* Operators' switches (jta_policy): the kill switch's message (the GPT
 * relays it, so one short paragraph), who changed it, a rule's value
 * (an email is the longest kind, a site URL next), its note, how many
 * rules a worker keeps in memory, and a person's Jira groups we read and
 * keep (a group name is at most 255 characters in Jira). */
#define JTA_LIMIT_POLICY_MESSAGE	500
#define JTA_LIMIT_POLICY_BY		64
#define JTA_LIMIT_POLICY_VALUE		256
#define JTA_LIMIT_POLICY_NOTE		200
#define JTA_LIMIT_POLICY_RULES		1000
#define JTA_LIMIT_POLICY_GROUPS		1000
#define JTA_LIMIT_POLICY_GROUP		255

/* Usage and quotas (jta_usage): how many quotas there may be (each is
 * read on every request of a person it covers), a usage site's name (a
 * site URL's host, or "local"), the largest quota limit, and the rows a
 * usage report returns. */
#define JTA_LIMIT_QUOTAS		200
#define JTA_LIMIT_USAGE_SITE		255
/* The name of a worker's usage counting file in the store (jta_usage.c:
 * 32 hex digits), and the rows (person, site, day) one file holds
 * before it folds: a worker serving more distinct people than this
 * between two folds folds early. */
#define JTA_LIMIT_USAGE_OWNER		64
#define JTA_LIMIT_USAGE_PENDING		128
#define JTA_LIMIT_QUOTA_MAX		1000000000
#define JTA_LIMIT_USAGE_ROWS		100000

/* The metrics exposition text (GET /metrics, jta_metrics_render): series
 * are bounded by the endpoint table and the worker files read, so a page
 * past this means a bug or a flooded metrics_dir; it is refused, never
 * cut.  Bounds the memory of one scrape. */
#define JTA_LIMIT_METRICS_TEXT		(1024 * 1024)

/* A GPT's authorization request kept with an OAuth state while the
 * person consents at Atlassian (jta_authz_request_encode, the
 * oauth_states row): bounds the row and the copy each request holds. */
#define JTA_LIMIT_AUTHZ_REQUEST		8192

/* The knowledge base (jta_store_kb, jta_html, jta-admin kb, GET
 * /api/knowledge).  An imported file is read whole, so its size bounds
 * the memory of one import (and of libxml2's tree, a small multiple of
 * it); an article's Markdown body after conversion bounds a row; the
 * title and source bound a list line; a space key is Confluence's (at
 * most 255 characters, we keep keys short); how many files one
 * directory import takes; how deep the HTML walk goes (libxml2 itself
 * stops at 256 without HTML_PARSE_HUGE); how many articles one search
 * returns (and its default); an excerpt's words (snippet()); the
 * article id in a path (a Confluence page id is a decimal number, ours
 * is "kb-" + digits). */
#define JTA_LIMIT_KB_FILE		(2 * 1024 * 1024)
#define JTA_LIMIT_KB_BODY		(1024 * 1024)
#define JTA_LIMIT_KB_TITLE		255
#define JTA_LIMIT_KB_SOURCE		1024
#define JTA_LIMIT_KB_SPACE		64
#define JTA_LIMIT_KB_FILES		10000
#define JTA_LIMIT_KB_DEPTH		64
#define JTA_LIMIT_KB_DEFAULT		5
#define JTA_LIMIT_KB_MAX		20
#define JTA_LIMIT_KB_EXCERPT_WORDS	32
#define JTA_LIMIT_KB_ID			64
/* The embedded store's request types (Jira Service Management): a
 * type's description and help text, its comma list of fields, the types
 * of one store, and the requests a list reads.  Bound the rows (the
 * schema checks them too) and each answer. */
#define JTA_LIMIT_RT_TEXT		1000
#define JTA_LIMIT_RT_FIELDS		200
#define JTA_LIMIT_RT_TYPES		100
#define JTA_LIMIT_RT_REQUESTS		50
/* People added to one raised request (participants): each is looked up
 * with one call. */
#define JTA_LIMIT_PARTICIPANTS		10

/* Knowledge sync (jta-admin kb sync): a whole space is read into memory
 * before it replaces the old index in one transaction, so the pages of
 * one space and their Markdown bytes in total bound that memory; the
 * declared spaces (each one CQL clause "space not in"); one listing
 * page asked of Confluence (its v2 maximum is 250); the error text kept
 * per space. */
#define JTA_LIMIT_KB_SYNC_PAGES		5000
#define JTA_LIMIT_KB_SYNC_BYTES		(64 * 1024 * 1024)
#define JTA_LIMIT_KB_SPACES		50
#define JTA_LIMIT_KB_SYNC_BATCH		100
#define JTA_LIMIT_KB_SYNC_ERROR		512

/* The model client (jta_llm): a Chat Completions answer streamed as
 * Server-Sent Events.  One line of the stream and one event's data
 * (a chunk: a few hundred bytes; a tool call's arguments may come in one
 * chunk, so as large as a request body and its JSON around it); the
 * whole stream of one answer; the text of one answer; the tool calls one
 * answer may ask for, one call's id and its arguments; the nesting of
 * one chunk's JSON (a tool call's arguments are a string in it); the
 * bytes of a refused answer read and thrown away (never logged: a
 * provider's error text may quote part of the key); the model's name
 * or deployment and an Azure api-version.  Past any of them the answer
 * is refused as malformed (502), never cut. */
#define JTA_LIMIT_LLM_SSE_LINE		(JTA_LIMIT_BODY + 4096)
#define JTA_LIMIT_LLM_SSE_EVENT		(JTA_LIMIT_BODY + 4096)
#define JTA_LIMIT_LLM_STREAM		(8 * 1024 * 1024)
#define JTA_LIMIT_LLM_TEXT		(256 * 1024)
#define JTA_LIMIT_LLM_TOOL_CALLS	8
#define JTA_LIMIT_LLM_CALL_ID		128
#define JTA_LIMIT_LLM_TOOL_ARGS		JTA_LIMIT_BODY
#define JTA_LIMIT_LLM_JSON_DEPTH	16
#define JTA_LIMIT_LLM_ERROR_BODY	(64 * 1024)
#define JTA_LIMIT_LLM_MODEL		128
#define JTA_LIMIT_LLM_API_VERSION	32
/* One model call at most this long in all, however steadily it streams
 * (chat_timeout_seconds bounds a stall, the time without a byte). */
#define JTA_LIMIT_LLM_CALL_SECONDS	300
/* The chat (jta_chat): one message of a person (the ?message= of GET
 * /chat must fit JTA_LIMIT_QUERY after encoding, so it is smaller
 * there), and one tool's result as the model reads it (a JSON answer is
 * at most JTA_LIMIT_RESPONSE_CHARS characters, 4 bytes each at most). */
#define JTA_LIMIT_CHAT_MESSAGE		8192
/* A conversation kept for the next message (jta_store_chat.h): its id
 * ("c_" and 22 base64url characters), its messages as JSON (the oldest
 * turns are dropped until it fits; the schema refuses more), and how
 * long it is kept after its last message. */
#define JTA_LIMIT_CHAT_ID		24
#define JTA_LIMIT_CHAT_HISTORY		(256 * 1024)
#define JTA_LIMIT_CHAT_TTL		(24 * 3600)
/* A pending action (a consequential tool call kept for the person's
 * confirm): its id ("a_" and 22 base64url characters) and how long the
 * person has to confirm it. */
#define JTA_LIMIT_CHAT_ACTION_ID	24
#define JTA_LIMIT_CHAT_ACTION_TTL	900
#define JTA_LIMIT_CHAT_TOOL_RESULT	(4 * JTA_LIMIT_RESPONSE_CHARS)

/* The terminal client (cli/jta-chat.c): events in one answer, pending
 * actions it asks about, a JSON answer that is not a stream (a problem or
 * the confirm's answer), the --url and the API key it sends. */
#define JTA_LIMIT_CLI_EVENTS		100000
#define JTA_LIMIT_CLI_ACTIONS		32
#define JTA_LIMIT_CLI_PROBLEM		(JTA_LIMIT_BODY * 4)
#define JTA_LIMIT_CLI_URL		JTA_LIMIT_SITE_URL
#define JTA_LIMIT_CLI_KEY		256

#endif
