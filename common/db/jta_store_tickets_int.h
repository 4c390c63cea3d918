/*
 * What the two files of the ticket repository share (jta_store_tickets.c
 * and jta_store_tickets_search.c), inside common/db/ only: the columns of
 * a ticket row and the helpers that read them.  Each file keeps its own
 * statements.
 */
#ifndef JTA_STORE_TICKETS_INT_H
#define JTA_STORE_TICKETS_INT_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "jta_db.h"
#include "jta_err.h"
#include "jta_store_tickets.h"

/* A ticket row: the columns jta_tickets_row reads by position. */
#define TICKET_COLS \
	"p.key, t.num, t.summary, t.status, t.type, t.priority, a.name, " \
	"r.name, t.created, t.updated, t.id, t.description "
/* The same without the description, for lists whose rows are shown slim
 * (jta_store_ticket_search): jta_tickets_row leaves description NULL,
 * and neither SQLite nor we copy it (issue 16). */
#define TICKET_SLIM_COLS \
	"p.key, t.num, t.summary, t.status, t.type, t.priority, a.name, " \
	"r.name, t.created, t.updated, t.id "
#define TICKET_FROM \
	"FROM tickets t JOIN projects p ON p.id = t.project_id " \
	"JOIN users r ON r.id = t.reporter_id " \
	"LEFT JOIN users a ON a.id = t.assignee_id "

/* Read a row of TICKET_COLS, or of TICKET_SLIM_COLS (description then
 * NULL), into *t (which jta_store_ticket_clear releases): 0, or -1 when
 * memory runs out (then nothing is held). */
int jta_tickets_row(sqlite3_stmt *s, struct jta_store_ticket *t);

/* Append a row of TICKET_COLS or TICKET_SLIM_COLS to l: 0, or -1 when
 * memory runs out (l is unchanged). */
int jta_tickets_append(struct jta_store_ticket_list *l, sqlite3_stmt *s);

/* The labels of ticket tid, by name, into t->labels and t->nlabels
 * (released with t). */
enum jta_err jta_tickets_labels(struct jta_store *st, int64_t tid,
    struct jta_store_ticket *t);

#endif
