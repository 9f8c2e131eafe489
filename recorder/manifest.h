/* manifest.json + manifest.sig of an export (docs/recording.md): the name, size and SHA-256 of
 * every exported file, and an Ed25519 signature of manifest.json's exact bytes by the hub's
 * recording key (sign.h), standard base64 and a newline.
 *
 * manifest.json (written with 2-space indentation; readers must not care):
 *   {"version": 1, "recording": "r-...", "key": "<public key, base64>",
 *    "files": [{"name": "meeting.webm", "size": 123, "sha256": "<64 hex>"}, ...]}
 *
 * A file name is [A-Za-z0-9._-]{1,63} and does not start with '.': names never carry a path.
 * Both files are replaced atomically (temporary file, fsync, rename), the signature last. */
#ifndef DH_MANIFEST_H
#define DH_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recorder/sign.h"

#define MANIFEST_JSON "manifest.json"
#define MANIFEST_SIG "manifest.sig"
#define MANIFEST_NAME_MAX 64         /* NUL included */
#define MANIFEST_MAX_BYTES (1 << 20) /* manifest.json; larger is refused unread */

typedef struct manifest_file {
    char name[MANIFEST_NAME_MAX];
    int64_t size;
    char sha256[65]; /* lower-case hex */
} manifest_file;

/* True when name is acceptable as an exported file name (see above). */
bool manifest_valid_name(const char *name);

/* SHA-256 of a file's bytes as lower-case hex, and its size. 0, or -1 with errno set. */
int manifest_sha256_file(const char *path, char hex[65], int64_t *size);

/* Hashes the n files named (they live in export_dir), then writes manifest.json and manifest.sig
 * there. When out is not NULL, it receives the n entries (out[i] for names[i]). 0, or -1 with the
 * reason in err. */
int manifest_write(const char *export_dir, const sign_key *key, const char *recording,
                   const char *const *names, size_t n, manifest_file *out, char *err, size_t cap);

/* ---- Checking a file, for the clerk page ---- */

typedef struct manifest_check_result {
    bool signature_ok; /* manifest.sig is signer's signature of manifest.json's bytes */
    bool listed;       /* the name is in the manifest (looked up only when signature_ok) */
    bool present;      /* the file exists in export_dir */
    bool hash_ok;      /* listed, present, and its size and SHA-256 now equal the manifest's */
    manifest_file listed_as; /* when listed: what the manifest says */
    int64_t disk_size;       /* when present */
    char disk_sha256[65];    /* when present */
} manifest_check_result;

/* Tells whether file_name in export_dir is the file the hub exported: the manifest's signature is
 * valid for `signer` (the hub's key: sign_key_load_or_create(DATA)), the name is listed, and the
 * bytes on disk hash to the listed SHA-256 with the listed size.
 *
 * Returns 0 when all of that holds (authentic), 1 when something does not (res says what: a
 * missing or bad signature, a name not listed, a file missing or changed), -1 when the check
 * itself could not be made (a bad name, an I/O error other than a missing file), with the reason
 * in err. res is always filled. Reads at most MANIFEST_MAX_BYTES of manifest and hashes the file
 * once: cost is one read of the file. Safe to call from any thread (no shared state). */
int manifest_check(const char *export_dir, const sign_key *signer, const char *file_name,
                   manifest_check_result *res, char *err, size_t cap);

/* Looks name up in manifest.json bytes. 1 and *out filled when listed, 0 when not, -1 when the
 * bytes are not a manifest (this parser only ever sees signed bytes, but is fuzzed anyway). */
int manifest_find(const char *json, size_t len, const char *name, manifest_file *out);

#endif
