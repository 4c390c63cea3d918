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
/* One header value we read (Authorization, Content-Type, X-Request-Id).
 * Answer 431 above it. */
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
#define JTA_LIMIT_PROJECT_KEY	10	/* like Jira's default project key limit */
#define JTA_LIMIT_PROJECT_NAME	80
#define JTA_LIMIT_ISSUE_KEY	32	/* PROJECTKEY-2147483647 fits */
#define JTA_LIMIT_TEXT_QUERY	256	/* full-text search words */
#define JTA_LIMIT_CURSOR	128
#define JTA_LIMIT_ID_LIST	50	/* ids in ?id__in= */

/* Pages of results. */
#define JTA_LIMIT_PAGE_DEFAULT	20
#define JTA_LIMIT_PAGE_MAX	50
#define JTA_LIMIT_PAGE_NUMBER	100000	/* ?page= of /api/tickets/ */
/* Comments returned with one ticket (the most recent ones). */
#define JTA_LIMIT_COMMENTS_SHOWN 20

/* Configuration file: size and line length, so a wrong path (a log, a
 * binary) is refused quickly instead of parsed. */
#define JTA_LIMIT_CONF_FILE	(64 * 1024)
#define JTA_LIMIT_CONF_LINE	1024
/* A secret read from a file (key files). */
#define JTA_LIMIT_SECRET_FILE	4096

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

#endif
