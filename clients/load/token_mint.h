/* Participant tokens, minted by the hub's own command line (`dienhong token --data DIR ...`),
 * so the load generator never holds the hub's key or its token format. */
#ifndef DH_LOAD_TOKEN_MINT_H
#define DH_LOAD_TOKEN_MINT_H

#include <stddef.h>

/* site may be NULL or "". Runs `bin token ...` (no shell) and copies the token it prints.
 * 0, or -1 with a reason in err. */
int token_mint(const char *bin, const char *data_dir, const char *meeting, const char *role,
               const char *site, char *out, size_t cap, char *err, size_t errcap);

#endif
