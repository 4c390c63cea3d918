/*
 * Private to jta_jira.c, jta_jira_create.c, jta_jira_tickets.c and
 * jta_jira_attach.c, the four files of the jta_jira module: the helpers
 * they share for reading Jira's JSON and writing JQL.  No other file
 * includes this header; the module's interface is jta_jira.h.  Each
 * function's contract is the comment above its definition.
 */
#ifndef JTA_JIRA_INT_H
#define JTA_JIRA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "jta_buf.h"
#include "jta_jira.h"

/* ---- text into a bounded buffer ---- */

/* Append at most max bytes of upstream text to b; never fails b. */
void jta_jira_sb_text(struct jta_buf *b, const char *s, size_t max);

/* ---- reading Jira's JSON ---- */

/* The string member k of o, or NULL; borrowed from o. */
const char *jta_jira_strmem(const json_t *o, const char *k);
/* A new copy of o[k][sub] when it is a string, else JSON null. */
json_t *jta_jira_subname(const json_t *o, const char *k, const char *sub);
/* Our time string for Jira's time value v, or JSON null. */
json_t *jta_jira_ourtime(const json_t *v);
/* v without const, for jansson's iterators that only read. */
json_t *jta_jira_unconst(const json_t *v);
/* json_object_set_new that reports a NULL value as failure (-1). */
int jta_jira_oset(json_t *o, const char *k, json_t *v);
/* Fill err with 502 for an answer of Jira's we cannot use; what names
 * the part at fault. */
enum jta_err jta_jira_bad(struct jta_error *err, const char *what);
/* 1 when s[0..len) looks like an issue key. */
int jta_jira_iskey(const char *s, size_t len);

/* ---- attachments (jta_jira_attach.c) ---- */

/* attachment_count and attachments of fields f into o, links made from
 * site; JTA_ERR_NOMEM only. */
enum jta_err jta_jira_attachments(const json_t *f, const char *site,
    json_t *o) JTA_WUR;

/* ---- JQL ---- */

/* Check a filter value: UTF-8 with no C0, DEL or C1 control character
 * (422 naming field). */
enum jta_err jta_jira_jqlvalue(const char *s, const char *field,
    struct jta_error *err);
/* Append s as a JQL string literal, with '\' and '"' escaped. */
void jta_jira_sb_quoted(struct jta_buf *b, const char *s);
/* The text filter s as plain words into out; their length, 0 for none. */
size_t jta_jira_plainwords(const char *s, char *out, size_t outsz);
/* Append t as a JQL date literal in UTC, minutes precision. */
void jta_jira_sb_date(struct jta_buf *b, int64_t t);
/* Append " AND " to b before every clause but the first; *n counts. */
void jta_jira_sb_and(struct jta_buf *b, size_t *n);

/* ---- issues and transitions ---- */

/* The slim row of one IssueBean; url opens it on site. */
enum jta_err jta_jira_slimrow(const json_t *issue, const char *site,
    json_t **out, struct jta_error *err);
/* The cursor for Jira's nextPageToken (JSON null for none), or NULL
 * with *rc set. */
json_t *jta_jira_cursorof(const json_t *jira, enum jta_err *rc,
    struct jta_error *err);
/* The strings of an array of at most JTA_LIMIT_JIRA_ITEMS. */
enum jta_err jta_jira_strings(const json_t *a, json_t **out,
    struct jta_error *err);
/* The transitions array of a Transitions object, checked; borrowed. */
enum jta_err jta_jira_translist(const json_t *jira, const json_t **list,
    struct jta_error *err);
/* The target status name of a transition Jira offers now, or NULL. */
const char *jta_jira_target(const json_t *t);
/* The distinct target status names, in Jira's order. */
enum jta_err jta_jira_targets(const json_t *list, json_t **out);
/* The status names of names (from jta_jira_targets) as "A, B, C" into
 * text (cut for people at a character boundary), or a sentence saying
 * the workflow allows no move now. */
void jta_jira_names_text(const json_t *names, char *text, size_t textsz);

#endif
