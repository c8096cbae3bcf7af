/*
 * commands.h -- the top-level cardctl commands; each is defined in its cmd_*.c file.
 */
#ifndef CARDCTL_COMMANDS_H
#define CARDCTL_COMMANDS_H

#include "cli.h"

int cmd_key(struct cli *cli, int argc, char **argv);
int cmd_code(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_db(struct cli *cli, int argc, char **argv);

/* (store: org, term, batch) */
int cmd_org(struct cli *cli, int argc, char **argv);
int cmd_term(struct cli *cli, int argc, char **argv);
int cmd_batch(struct cli *cli, int argc, char **argv);
int batch_export(struct cli *cli, int argc, char **argv); /* cmd_batch_print.c */
int batch_verify(struct cli *cli, int argc, char **argv);

/* (store: audit, card) */
int cmd_audit(struct cli *cli, int argc, char **argv);
int cmd_card(struct cli *cli, int argc, char **argv);

/* (daemon: token) */
int cmd_token(struct cli *cli, int argc, char **argv);

/* (workflow part 1) */
int cmd_census(struct cli *cli, int argc, char **argv);
/* batch mint --plan (called from cmd_batch.c). */
int cmd_batch_mint_plan(struct cli *cli, const char *term, const char *keyring, unsigned key_id);
/* batch export --district D (called from cmd_batch_print.c): D's range of the minted plan. */
int cmd_batch_district_range(struct cli *cli, card_store *st, const card_batch *b,
                             const char *district, int *have_range, uint64_t *first,
                             uint64_t *last);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_ship(struct cli *cli, int argc, char **argv);
int cmd_receive(struct cli *cli, int argc, char **argv);
int cmd_distribute(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
/* A district's batches (cmd_district.c), after ship / receive / distribute parsed --schools or
 * --all-schools. */
int district_ship(struct cli *cli, const struct cli_args *a);
int district_receive(struct cli *cli, const struct cli_args *a);
int district_distribute(struct cli *cli, const struct cli_args *a);

/* (workflow part 2) */
int cmd_transfer(struct cli *cli, int argc, char **argv);
int cmd_adjust(struct cli *cli, int argc, char **argv);
int cmd_return(struct cli *cli, int argc, char **argv);
int cmd_supplement(struct cli *cli, int argc, char **argv);
int cmd_replace(struct cli *cli, int argc, char **argv);
int cmd_charge(struct cli *cli, int argc, char **argv);

#endif
