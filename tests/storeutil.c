/*
 * storeutil.c -- fixtures for the store suites (see storeutil.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storeutil.h"
#include "testutil.h"

card_store *su_store(void)
{
	card_store *st = NULL;
	card_diag d;
	card_diag_clear(&d);
	ck_assert_msg(card_store_open(NULL, &st, &d) == CARD_OK, "open: %s", d.message);
	ck_assert_msg(card_db_migrate(st, NULL, NULL, &d) == CARD_OK, "migrate: %s", d.message);
	return st;
}

PGconn *su_conn(void)
{
	PGconn *c = PQconnectdb("");
	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
	return c;
}

const char *su_execp(PGconn *c, const char *sql, int n, const char *const *params)
{
	static __thread char buf[512];
	PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);
	ck_assert_msg(s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK, "%s: %s", sql,
	              PQerrorMessage(c));
	buf[0] = '\0';
	if (s == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0)
		snprintf(buf, sizeof(buf), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return buf;
}

const char *su_exec(PGconn *c, const char *sql)
{
	return su_execp(c, sql, 0, NULL);
}

void su_orgs(PGconn *c)
{
	su_exec(c, "INSERT INTO card.org (code, name, kind, parent, district) VALUES "
	           "('C', '市教育局', 'city', NULL, NULL), ('D1', '一区', 'district', 'C', 'D1'), "
	           "('D2', '二区', 'district', 'C', 'D2'), ('S11', '一中', 'school', 'D1', 'D1'), "
	           "('S12', '二中', 'school', 'D1', 'D1'), ('S21', '三中', 'school', 'D2', 'D2') "
	           "ON CONFLICT DO NOTHING");
	su_exec(c, "INSERT INTO card.term (code, start_date, census_due) VALUES "
	           "('" SU_TERM "', '2026-09-01', '2026-06-25') ON CONFLICT DO NOTHING");
}

void su_doc(PGconn *c, const char *kind, char out[CARD_UUID_BUFSZ])
{
	const char *p[2] = { out, kind };
	card_uuid_new(out);
	su_execp(c,
	         "INSERT INTO card.document (id, kind, term) VALUES ($1::uuid, $2, '" SU_TERM "')",
	         2, p);
}

uint64_t su_mint(PGconn *c, unsigned key_id, uint64_t count, char batch[CARD_UUID_BUFSZ])
{
	char id[CARD_UUID_BUFSZ], cnt[24], key[8], first[24];
	const char *p[4] = { id, key, cnt, NULL };
	uint64_t f;

	su_orgs(c);
	su_doc(c, "batch", id);
	snprintf(cnt, sizeof(cnt), "%" PRIu64, count);
	snprintf(key, sizeof(key), "%u", key_id);
	f = strtoull(
		su_execp(c,
	                 "UPDATE card.serial_counter SET next_serial = next_serial + $1::bigint "
	                 "RETURNING next_serial - $1::bigint",
	                 1, (const char *[]){ cnt }),
		NULL, 10);
	snprintf(first, sizeof(first), "%" PRIu64, f);
	p[3] = first;
	su_execp(c,
	         "WITH b AS (INSERT INTO card.batch (id, term, key_id, first_serial, card_count) "
	         "VALUES ($1::uuid, '" SU_TERM
	         "', $2::smallint, $4::bigint, $3::bigint) RETURNING *), "
	         "h AS (INSERT INTO card.holding (serials, term, org, state) "
	         "SELECT serials, term, 'C', 'stock' FROM b) "
	         "INSERT INTO card.ledger (term, doc, kind, to_org, to_state, serials) "
	         "SELECT term, id, 'mint', 'C', 'stock', serials FROM b",
	         4, p);
	if (batch != NULL)
		memcpy(batch, id, CARD_UUID_BUFSZ);
	return f;
}

char *su_fingerprint(PGconn *c)
{
	return strdup(
		su_exec(c, "SELECT md5(concat("
	                   "(SELECT string_agg(concat_ws(',', serials, term, org, state, doc), ';' "
	                   "ORDER BY lower(serials)) FROM card.holding), '|', "
	                   "(SELECT string_agg(concat_ws(',', id, serials, from_org, from_state, "
	                   "to_org, to_state), ';' ORDER BY id) FROM card.ledger), '|', "
	                   "(SELECT string_agg(concat_ws(',', serial, id, account), ';' ORDER BY "
	                   "serial) FROM card.redemption), '|', "
	                   "(SELECT string_agg(concat_ws(',', serial, reason), ';' ORDER BY "
	                   "serial) FROM card.void), '|', "
	                   "(SELECT string_agg(concat_ws(',', key, serial, outcome), ';' ORDER BY "
	                   "key) FROM card.idempotency)))"));
}
