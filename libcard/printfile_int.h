/*
 * printfile_int.h -- what the print-file modules share (internal, not installed).
 */
#ifndef CARD_PRINTFILE_INT_H
#define CARD_PRINTFILE_INT_H

#include <stddef.h>
#include <openssl/evp.h>
#include <card/printfile.h>

/* The signer's key (borrowed) and whether it can sign. */
EVP_PKEY *signer_pkey(const card_signer *s);
int signer_has_private(const card_signer *s);

/* manifest.c: write path.manifest for m, signed by sk (temp name + rename). */
card_err manifest_write(const char *path, const card_print_manifest *m, const card_signer *sk,
                        card_diag *diag);
/* manifest.c: read path.manifest, check its signature against pk, fill *m. */
card_err manifest_read(const char *path, const card_signer *pk, card_print_manifest *m,
                       card_diag *diag);

#endif
