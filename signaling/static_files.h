/* The web client's files, read once at start into memory (part of the network front, see
 * server.h). A request path is only ever looked up in this table, never joined to a filesystem
 * path, so no request can name a file outside the tree or one added after start. */
#ifndef DH_STATIC_FILES_H
#define DH_STATIC_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct static_file {
    char *path;        /* "/js/a.js" */
    const char *ctype; /* with "; charset=utf-8" for text types */
    char etag[24];     /* quoted hash of the content */
    uint8_t *data;
    size_t len;
    bool html; /* gets the Content-Security-Policy header */
} static_file;

typedef struct static_files static_files;

/* Walks `root` recursively, skipping dotfiles. A missing root gives an empty table (and a
 * warning), so the hub still serves its API. NULL only when out of memory. */
static_files *static_files_load(const char *root);
void static_files_free(static_files *t);
size_t static_files_count(const static_files *t);
/* "/" and any path ending in "/" name that directory's index.html. */
const static_file *static_files_find(const static_files *t, const char *path);
/* If-None-Match holds "*" or a list of (possibly weak) entity tags. */
bool static_etag_matches(const char *if_none_match, const char *etag);

#endif
