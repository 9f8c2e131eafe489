/* Command-line administration of the store: sites and meetings. */
#ifndef DH_CLI_ADMIN_H
#define DH_CLI_ADMIN_H

#include <stddef.h>

int cli_sites(int argc, char **argv);   /* dienhong sites import ... */
int cli_meeting(int argc, char **argv); /* dienhong meeting create|list ... */
/* For `serve --demo`: imports the demo sites into an empty registry and creates a meeting that
 * invites them all. Writes its id. 0 on success. */
int cli_demo_meeting(const char *data, const char *sites_csv, char *id, size_t cap);

#endif
