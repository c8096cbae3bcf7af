/*
 * card/card.h -- umbrella header of libcard: include this one.
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
#include <card/status.h>
#include <card/reconcile.h>
#include <card/reports.h>

#endif
