/*
 * card/card.h -- umbrella header of libcard: include this one.
 *
 * Who the headers are for.  Every name here is exported and kept stable; test-only helpers
 * (the raw ledger move, balances) live in libcard's internal headers and are not exported.
 *
 *   For any program (a third party's too: the course platform, a help-desk script):
 *     err.h       the error enum and the caller-owned diagnostic record
 *     code.h      card code format v1: encode, parse, validate (docs/code-format.md)
 *     keyring.h   the MAC keys, as cardd and an offline checker load them
 *     store.h     connecting to the database and checking its schema
 *     redeem.h    exactly-once redemption of a validated code
 *     cardinfo.h  one card's state and history
 *     feed.h      the redemption feed the course platform reads
 *     rows.h      reading the result tables the listing functions return (typed, by name)
 *     uuid.h      document identifiers
 *     printfile.h the print vendor's file and its signed manifest (export and verify)
 *   For cardd:
 *     token.h     bearer tokens of the help-desk and feed endpoints
 *   For cardctl (the clerks' workflow, docs/workflow.md):
 *     org.h term.h batch.h census.h plan.h shipment.h distribution.h district.h status.h
 *     reconcile.h reports.h audit.h, and ledger.h (serial ranges, holder codes)
 */
#ifndef CARD_CARD_H
#define CARD_CARD_H

#include <card/err.h>
#include <card/keyring.h>
#include <card/code.h>
#include <card/store.h>
#include <card/uuid.h>
#include <card/redeem.h>
#include <card/org.h>
#include <card/term.h>
#include <card/batch.h>
#include <card/printfile.h>
#include <card/ledger.h>
#include <card/audit.h>
#include <card/cardinfo.h>
#include <card/rows.h>
#include <card/census.h>
#include <card/plan.h>
#include <card/token.h>
#include <card/feed.h>
#include <card/shipment.h>
#include <card/distribution.h>
#include <card/district.h>
#include <card/status.h>
#include <card/reconcile.h>
#include <card/reports.h>

#endif
