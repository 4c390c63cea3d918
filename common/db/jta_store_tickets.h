/*
 * The ticket repository: the embedded ticket store.  Projects with their
 * issue types, tickets, labels, comments and a full-text index over
 * summary, description and comments; the reads behind the ticket API's
 * search, the basic /api/tickets/ API over the same rows, similar tickets
 * and the user look-up of the assignee picker, and the exactly-once
 * create that carries a token on the ticket.
 *
 * It holds data and storage guarantees only: tickets are numbered per
 * project inside the transaction that inserts them (no two share a key),
 * the full-text index follows every write (triggers), a status changes
 * only from the status the caller read (a conditional update), and a
 * ticket refers only to a project, type and user the store holds.  Which
 * statuses exist and where a ticket may move (the workflow), the API's
 * field names, JSON shapes, HTTP statuses and wording are the embedded
 * backend's (jta_local.c): answers here are plain rows (struct
 * jta_store_ticket and the types beside it), and the facts a caller must
 * act on are bare codes (JTA_ERR_NOTFOUND, JTA_ERR_CONFLICT,
 * JTA_ERR_INPUT as each function says) that leave err untouched.
 * Exceptions kept for now: the project list is a JSON array of what is
 * stored, and project-add words its errors (the operator module passes
 * them on).
 *
 * Implemented by the SQLite engine (jta_db.c) today; a second engine
 * implements the same header.  Every function here works on one
 * connection (struct jta_store, jta_db.h); "its own transaction" means the
 * function opens and commits a write transaction itself (BEGIN IMMEDIATE
 * under SQLite: writers queue, none fails half-way) and must not be called
 * inside another; "the caller's transaction" means the caller opened one
 * with jta_db_begin and commits or rolls back.  A read without either sees
 * one consistent snapshot per statement.  Errors: JTA_ERR_DB (err->status
 * 503 when the database is busy, else 500; the engine's own text only in
 * the log), JTA_ERR_NOMEM, and those named at each function.
 * Every function that writes does so in its own transaction.
 */
#ifndef JTA_JTA_STORE_TICKETS_H
#define JTA_JTA_STORE_TICKETS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jta_db.h"
#include "jta_err.h"
#include "jta_limits.h"
#include "jta_types.h"

/* ---- projects ---- */

/* Add a project with its issue types (a JSON array of names; NULL for
 * Task, Bug, Story).  JTA_ERR_CONFLICT when the key is taken. */
enum jta_err jta_store_project_add(struct jta_store *st, const char *key,
    const char *name, const json_t *types, struct jta_error *err) JTA_WUR;

/* Projects as stored, [{key, name, types[] (in their order)}] ordered by
 * key (the API's project adds the backend's priorities:
 * jta_local_project_list). */
enum jta_err jta_store_project_list(struct jta_store *st, json_t **out)
    JTA_WUR;

/* ---- ticket rows: plain data, released by their _clear ---- */

/*
 * One ticket row as stored: plain data, no API shape.  The strings are
 * the caller's to release with jta_store_ticket_clear; the names are
 * bounded by JTA_LIMIT_NAME when written (users, types, statuses,
 * priorities) and JTA_LIMIT_PROJECT_KEY (projects).
 */
struct jta_store_ticket {
	int64_t		 id;		/* the row id (/api/tickets/'s id) */
	char		 project[JTA_LIMIT_PROJECT_KEY + 1];
	int64_t		 num;		/* the key is project-num */
	char		*summary;	/* owned */
	char		*description;	/* owned; "" when none */
	char		 status[JTA_LIMIT_NAME + 1];	/* as stored */
	char		 type[JTA_LIMIT_NAME + 1];
	char		 priority[JTA_LIMIT_NAME + 1];
	char		 assignee[JTA_LIMIT_NAME + 1];	/* user name; "" none */
	char		 reporter[JTA_LIMIT_NAME + 1];	/* user name */
	int64_t		 created, updated;	/* Unix time */
	char		**labels;	/* owned; filled by the reads that
					 * say so, else NULL */
	size_t		 nlabels;
	double		 score;		/* jta_store_ticket_similar only:
					 * higher is closer */
};

/* One page of tickets: v[0..n), and count, every row the filters match. */
struct jta_store_ticket_list {
	int64_t		 count;
	size_t		 n;
	struct jta_store_ticket *v;	/* owned */
};

/* Release the strings of t (the struct is the caller's); NULL is a
 * no-op. */
void jta_store_ticket_clear(struct jta_store_ticket *t);

/* Release every row of l and empty it; NULL is a no-op. */
void jta_store_ticket_list_clear(struct jta_store_ticket_list *l);

/* A comment as stored. */
struct jta_store_comment {
	int64_t		 id;
	char		 author[JTA_LIMIT_NAME + 1];	/* user name */
	char		*body;		/* owned */
	int64_t		 created;	/* Unix time */
};

/* Release c's body; NULL is a no-op. */
void jta_store_comment_clear(struct jta_store_comment *c);

/* A whole ticket: its row with its labels (by name), the number of its
 * comments and the last JTA_LIMIT_COMMENTS_SHOWN of them, oldest first. */
struct jta_store_issue {
	struct jta_store_ticket t;
	int64_t		 comment_count;
	struct jta_store_comment *comments;	/* owned */
	size_t		 ncomments;
};

/* Release everything is holds and empty it; NULL is a no-op. */
void jta_store_issue_clear(struct jta_store_issue *is);

/* ---- tickets ---- */

/* Orders accepted in struct jta_search, NULL-terminated (the same as
 * jta_backend_orders, which the API validates against). */
extern const char *const jta_store_orders[];

/*
 * Search tickets by q, in q->order (one of jta_store_orders, checked by
 * the caller; NULL: "-updated"), at most q->limit (0: the default): *out
 * holds the rows (count is n; the caller clears it) and next (nextsz
 * bytes, at least JTA_LIMIT_CURSOR + 1) an opaque cursor for the next
 * page, "" when this is the last one.  The rows are as lists show them:
 * their description is NULL (not read) and they have no labels.  Keyset
 * pagination: a page never repeats nor skips a row however the tickets
 * change between pages.
 * q->text is free words, all required.  Storage facts, err untouched:
 * JTA_ERR_NOTFOUND when q->cursor does not decode or was made for
 * another order; JTA_ERR_INPUT when q->text has too many words or quotes
 * to search (it is refused, never cut).
 */
enum jta_err jta_store_ticket_search(struct jta_store *st,
    const struct jta_search *q, struct jta_store_ticket_list *out,
    char *next, size_t nextsz, struct jta_error *err) JTA_WUR;

/* The segments of the two ticket search indexes: ticket_fts (words, the
 * ticket API's text= and similar tickets) and ticket_tri (trigrams,
 * /api/tickets/'s search and title__icontains). */
struct jta_store_search_segments {
	int64_t		 words;
	int64_t		 trigrams;
};

/*
 * Merge each ticket search index into one segment (FTS5's 'optimize'), in
 * one write transaction; *before and *after count the segments.  Every
 * ticket written adds a segment, merged only level by level (schema 22),
 * and a search probes every segment: about 13,000 instructions each for
 * a word (issue 16; README "The search indexes merged daily").  The work
 * grows with the indexes (about 1.2 s at 20,000 tickets): run daily
 * (jta-optimize.timer, jta-admin store optimize), not per request.
 */
enum jta_err jta_store_search_optimize(struct jta_store *st,
    struct jta_store_search_segments *before,
    struct jta_store_search_segments *after, struct jta_error *err)
    JTA_WUR;

/* The segments of the ticket search indexes now, into *n. */
enum jta_err jta_store_search_segments(struct jta_store *st,
    struct jta_store_search_segments *n, struct jta_error *err) JTA_WUR;

/*
 * Create a ticket from validated fields (project, summary required; type,
 * description, priority, labels, assignee optional) reported by reporter,
 * with status Open, in its own transaction that also numbers it (the
 * project's next number).  The type must be one of the project's (NULL:
 * its first, else matched ignoring ASCII case and stored as the project
 * names it); the assignee a known user's name; the priority is stored
 * as given (NULL: "Medium").  JTA_ERR_INPUT, err untouched, when the
 * project, the type or the assignee is not (or no longer) one the store
 * holds: the backend checks them first, in its own words.  *out is the
 * new ticket (labels, no comments), the caller's to clear.
 */
enum jta_err jta_store_ticket_create(struct jta_store *st,
    const struct jta_user *reporter, const json_t *fields,
    struct jta_store_issue *out, struct jta_error *err) JTA_WUR;

/* The ticket with key, with its labels and last comments, into *out (the
 * caller's to clear).  JTA_ERR_NOTFOUND, err untouched, when no ticket
 * has key (or key is not an issue key). */
enum jta_err jta_store_ticket_get(struct jta_store *st, const char *key,
    struct jta_store_issue *out, struct jta_error *err) JTA_WUR;

/* Change the fields present in fields (summary, description, type,
 * priority, labels, assignee; assignee null unassigns) in one
 * transaction, all or none; *out is the ticket after.  JTA_ERR_NOTFOUND,
 * err untouched, when no ticket has key; JTA_ERR_INPUT, err untouched,
 * for a type or assignee as jta_store_ticket_create. */
enum jta_err jta_store_ticket_update(struct jta_store *st, const char *key,
    const json_t *fields, struct jta_store_issue *out,
    struct jta_error *err) JTA_WUR;

/* Add a comment by author and mark the ticket updated, in one
 * transaction; *out is the comment (the caller's to clear).
 * JTA_ERR_NOTFOUND, err untouched, when no ticket has key. */
enum jta_err jta_store_ticket_comment(struct jta_store *st, const char *key,
    const struct jta_user *author, const char *body,
    struct jta_store_comment *out, struct jta_error *err) JTA_WUR;

/*
 * The status of the ticket with key, as stored, into status (statussz
 * bytes).  The store keeps any status it is given: which statuses exist
 * and which moves are allowed is the embedded backend's workflow
 * (jta_local.c).  JTA_ERR_NOTFOUND when no ticket has key.
 */
enum jta_err jta_store_ticket_status(struct jta_store *st, const char *key,
    char *status, size_t statussz, struct jta_error *err) JTA_WUR;

/*
 * Set the status of the ticket with key from `from` to `to` and mark it
 * updated, in its own transaction, only while its status is still from
 * (a conditional update: of two concurrent moves from the same status
 * one wins).  JTA_ERR_CONFLICT, err untouched, when the status is no
 * longer from (read it again); JTA_ERR_NOTFOUND when no ticket has key.
 */
enum jta_err jta_store_ticket_move(struct jta_store *st, const char *key,
    const char *from, const char *to, struct jta_error *err) JTA_WUR;

/* ---- the basic ticketing API (/api/tickets/) over the same tickets ---- */

/*
 * One page of the tickets matching q, in q->ordering by a stored column
 * ("created", "updated" or "summary", "-" first for descending; NULL:
 * "-created"; the caller maps its own names onto them), then by id:
 * page q->page (from 1) of q->page_size rows, and the count of every
 * match.  q->title_icontains and q->search are substrings (any case) of
 * the summary, and of the summary or description; q->statuses, when not
 * NULL, is a JSON array of stored statuses (the caller maps the API's
 * vocabulary onto them).  *out is the caller's to release with
 * jta_store_ticket_list_clear.
 */
enum jta_err jta_store_tk_list(struct jta_store *st,
    const struct jta_tk_query *q, struct jta_store_ticket_list *out,
    struct jta_error *err) JTA_WUR;

/* Ticket id into *out (released with jta_store_ticket_clear).
 * JTA_ERR_NOTFOUND, err untouched, when there is none. */
enum jta_err jta_store_tk_get(struct jta_store *st, int64_t id,
    struct jta_store_ticket *out, struct jta_error *err) JTA_WUR;

/*
 * Create a ticket in project with status, in its own transaction that
 * also numbers it (the project's next number), from validated fields:
 * summary required, description, type, priority, labels, assignee
 * optional, with the errors of jta_store_ticket_create.  *id is the new
 * row id.
 */
enum jta_err jta_store_tk_create(struct jta_store *st,
    const struct jta_user *reporter, const char *project,
    const json_t *fields, const char *status, int64_t *id,
    struct jta_error *err) JTA_WUR;

/*
 * Change the fields present in fields (as jta_store_ticket_update) of
 * ticket id and, when to is not NULL, move it from status from to to, all
 * in its own transaction; the move is conditional on the status still
 * being from.  JTA_ERR_NOTFOUND (err untouched) when there is no ticket
 * id; JTA_ERR_CONFLICT (err untouched, nothing changed) when its status
 * is no longer from: read it again.
 */
enum jta_err jta_store_tk_update(struct jta_store *st, int64_t id,
    const json_t *fields, const char *from, const char *to,
    struct jta_error *err) JTA_WUR;

/* Delete ticket id with its comments and labels (the full-text index
 * follows by trigger), in its own transaction.  JTA_ERR_NOTFOUND (err
 * untouched) when there is none. */
enum jta_err jta_store_tk_delete(struct jta_store *st, int64_t id,
    struct jta_error *err) JTA_WUR;

/*
 * Similar tickets: the tickets whose summary, description or comments
 * hold any of terms (jta_suggest_terms), best first by FTS5's bm25 (a
 * summary match worth ten of a comment's, a description's three),
 * project (when not NULL) only, at most limit (0 or over
 * JTA_LIMIT_SIMILAR_MAX: the default).  *out holds the rows with their
 * labels and score (bm25 negated: higher is closer); the caller clears
 * it.  JTA_ERR_INPUT, err untouched, when terms hold no term.
 */
struct jta_suggest_terms;
enum jta_err jta_store_ticket_similar(struct jta_store *st,
    const struct jta_suggest_terms *terms, const char *project, size_t limit,
    struct jta_store_ticket_list *out, struct jta_error *err) JTA_WUR;

/*
 * Users whose name, display name or email holds query (ASCII case
 * ignored), by name, at most limit: *out is an array of *n users (id
 * not set; email "" when none), the caller's to free().
 */
enum jta_err jta_store_user_find(struct jta_store *st, const char *query,
    size_t limit, struct jta_user **out, size_t *n, struct jta_error *err)
    JTA_WUR;

/*
 * The embedded store's side of exactly-once: create a ticket as
 * jta_store_ticket_create does, carrying token (NULL: none) in
 * tickets.once_token, in the same transaction that first looks the token
 * up: when a ticket already carries it, that ticket is *out and nothing
 * is inserted (*created = 0).  A crash can therefore never give two
 * tickets for one token.
 */
enum jta_err jta_store_ticket_create_once(struct jta_store *st,
    const struct jta_user *reporter, const json_t *fields,
    const char *token, int *created, struct jta_store_issue *out,
    struct jta_error *err) JTA_WUR;

/* The ticket carrying token into *out (JTA_ERR_NOTFOUND, err untouched,
 * when none). */
enum jta_err jta_store_ticket_by_once(struct jta_store *st,
    const char *token, struct jta_store_issue *out, struct jta_error *err)
    JTA_WUR;

#endif
