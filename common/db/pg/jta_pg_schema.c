#include "config.h"

#include "jta_pg.h"

/*
 * The PostgreSQL schema, step by step (jta_pg.h).  The tables mirror the
 * SQLite ones of the same contract (common/db/jta_db_schema.c), with
 * PostgreSQL's types: bigint identity for INTEGER PRIMARY KEY, bigint for
 * Unix times.  A step is appended, never edited.
 */
const char *const jta_pg_migrations[JTA_PG_VERSION] = {
	/* 1: the operators' switches (jta_store_ops.h; SQLite's step 7):
	 * the one settings row (the kill switch and the generation every
	 * change bumps, read at every request, so a switch-off on one
	 * host applies at the next request on every host) and the access
	 * rules. */
	"CREATE TABLE policy_settings ("
	" id integer PRIMARY KEY CHECK (id = 1),"
	" enabled integer NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
	" message text NOT NULL DEFAULT '',"
	" changed_at bigint NOT NULL DEFAULT 0,"
	" changed_by text NOT NULL DEFAULT '',"
	" generation bigint NOT NULL DEFAULT 1);"
	"INSERT INTO policy_settings (id) VALUES (1);"
	"CREATE TABLE policy_rules ("
	" id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
	" effect text NOT NULL CHECK (effect IN ('allow', 'deny')),"
	" kind text NOT NULL CHECK (kind IN ('site', 'project', 'person',"
	" 'group', 'domain', 'readonly')),"
	" value text NOT NULL,"
	" scope text NOT NULL DEFAULT 'all' CHECK (scope IN ('read',"
	" 'create', 'write', 'all')),"
	" created bigint NOT NULL,"
	" created_by text NOT NULL DEFAULT '',"
	" note text NOT NULL DEFAULT '',"
	" UNIQUE (effect, kind, value, scope));",
};
