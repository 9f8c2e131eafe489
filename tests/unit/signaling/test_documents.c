/* Documents: the content sniffer (a table of bodies and the types they claim), the route's small
 * parsers (titles, file names, Range), storage by content hash on a real scratch directory, and
 * the metadata in the store: versions, listing, the migration from schema 1, and a reopen. */
#include "signaling/documents.h"
#include "signaling/store.h"
#include "tests/unit/check.h"
#include "tests/unit/scratch.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/dh_documents_test.XXXXXX";
static int dir_seq;

static void new_dir(char *out, size_t cap)
{
    snprintf(out, cap, "%s/d%d", root, dir_seq++);
}

/* ---- bodies ---- */

static const uint8_t PNG_OK[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0,    0,    0,
                                 13,   'I', 'H', 'D', 'R',  0,    0,    0,    1,    0,    0,
                                 0,    1,   8,   6,   0,    0,    0,    0x1F, 0x15, 0xC4, 0x89};
static const uint8_t PNG_SIG_ONLY[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
static const uint8_t PNG_NO_IHDR[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0,   0, 0, 13,
                                      'I',  'D', 'A', 'T', 0,    0,    0,    1,    0,   0, 0, 1,
                                      8,    6,   0,   0,   0,    0x1F, 0x15, 0xC4, 0x89};
static const uint8_t JPEG_OK[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 0xFF, 0xD9};
static const uint8_t JPEG_NO_EOI[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0};
static const uint8_t JPEG_EOI_IN_SOI[] = {0xFF, 0xD8, 0xFF, 0xD9};
static const uint8_t JPEG_TRAILER[] = {0xFF, 0xD8, 0xFF, 0xDB, 1, 2, 0xFF, 0xD9, 0, 0, 0};
static const char PDF_OK[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
static const char PDF_NO_EOF[] = "%PDF-1.4\n1 0 obj <<>> endobj\n";
static const char PDF_NO_DASH[] = "%PDF1.4\n%%EOF\n";
static const char PDF_LATE_HEADER[] = "\n%PDF-1.4\n%%EOF\n";
static const char TEXT[] = "Kính gửi UBND các phường, xã\n";

/* A PDF whose "%%EOF" is `gap` bytes before its end. */
static uint8_t *pdf_with_gap(size_t gap, size_t *len)
{
    *len = 9 + 5 + gap;
    uint8_t *p = malloc(*len);
    if (!p) exit(1);
    memcpy(p, "%PDF-1.7\n", 9);
    memcpy(p + 9, "%%EOF", 5);
    memset(p + 14, ' ', gap);
    return p;
}

typedef struct sniff_case {
    const char *name;
    doc_type claimed;
    const void *data;
    size_t len;
    bool ok;         /* doc_check(claimed) passes */
    doc_type sniffs; /* doc_sniff */
    const char *why; /* part of the reason when refused */
} sniff_case;

static void test_sniffer(void)
{
    const sniff_case cases[] = {
        {"pdf", DOC_TYPE_PDF, PDF_OK, sizeof PDF_OK - 1, true, DOC_TYPE_PDF, NULL},
        {"pdf without %%EOF", DOC_TYPE_PDF, PDF_NO_EOF, sizeof PDF_NO_EOF - 1, false, DOC_TYPE_NONE,
         "%%EOF"},
        {"pdf without the dash", DOC_TYPE_PDF, PDF_NO_DASH, sizeof PDF_NO_DASH - 1, false,
         DOC_TYPE_NONE, "%PDF-"},
        {"pdf header not first", DOC_TYPE_PDF, PDF_LATE_HEADER, sizeof PDF_LATE_HEADER - 1, false,
         DOC_TYPE_NONE, "%PDF-"},
        {"pdf header only", DOC_TYPE_PDF, "%PDF-", 5, false, DOC_TYPE_NONE, "%%EOF"},
        {"empty as pdf", DOC_TYPE_PDF, "", 0, false, DOC_TYPE_NONE, "empty"},
        {"text as pdf", DOC_TYPE_PDF, TEXT, sizeof TEXT - 1, false, DOC_TYPE_NONE, "%PDF-"},
        {"png as pdf", DOC_TYPE_PDF, PNG_OK, sizeof PNG_OK, false, DOC_TYPE_PNG, "%PDF-"},
        {"png", DOC_TYPE_PNG, PNG_OK, sizeof PNG_OK, true, DOC_TYPE_PNG, NULL},
        {"png signature only", DOC_TYPE_PNG, PNG_SIG_ONLY, sizeof PNG_SIG_ONLY, false,
         DOC_TYPE_NONE, "IHDR"},
        {"png without ihdr", DOC_TYPE_PNG, PNG_NO_IHDR, sizeof PNG_NO_IHDR, false, DOC_TYPE_NONE,
         "IHDR"},
        {"pdf as png", DOC_TYPE_PNG, PDF_OK, sizeof PDF_OK - 1, false, DOC_TYPE_PDF, "signature"},
        {"png cut short", DOC_TYPE_PNG, PNG_OK, 20, false, DOC_TYPE_NONE, "IHDR"},
        {"jpeg", DOC_TYPE_JPEG, JPEG_OK, sizeof JPEG_OK, true, DOC_TYPE_JPEG, NULL},
        {"jpeg with a trailer", DOC_TYPE_JPEG, JPEG_TRAILER, sizeof JPEG_TRAILER, true,
         DOC_TYPE_JPEG, NULL},
        {"jpeg without eoi", DOC_TYPE_JPEG, JPEG_NO_EOI, sizeof JPEG_NO_EOI, false, DOC_TYPE_NONE,
         "FF D9"},
        {"jpeg eoi inside soi", DOC_TYPE_JPEG, JPEG_EOI_IN_SOI, sizeof JPEG_EOI_IN_SOI, false,
         DOC_TYPE_NONE, "FF D9"},
        {"jpeg two bytes", DOC_TYPE_JPEG, JPEG_OK, 2, false, DOC_TYPE_NONE, "FF D8 FF"},
        {"png as jpeg", DOC_TYPE_JPEG, PNG_OK, sizeof PNG_OK, false, DOC_TYPE_PNG, "FF D8 FF"},
        {"jpeg as pdf", DOC_TYPE_PDF, JPEG_OK, sizeof JPEG_OK, false, DOC_TYPE_JPEG, "%PDF-"},
        {"text as jpeg", DOC_TYPE_JPEG, TEXT, sizeof TEXT - 1, false, DOC_TYPE_NONE, "FF D8"},
        {"unknown type", DOC_TYPE_NONE, PDF_OK, sizeof PDF_OK - 1, false, DOC_TYPE_PDF, "type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const sniff_case *c = &cases[i];
        const char *why = doc_check(c->claimed, c->data, c->len);
        if ((why == NULL) != c->ok)
            fprintf(stderr, "sniff case \"%s\": %s\n", c->name, why ? why : "accepted");
        CHECK((why == NULL) == c->ok);
        if (c->why) CHECK(why && strstr(why, c->why));
        CHECK_EQ(doc_sniff(c->data, c->len), c->sniffs);
    }
    CHECK(doc_check(DOC_TYPE_PDF, NULL, 10) != NULL);

    /* "%%EOF" must lie within the last DOC_TAIL bytes. */
    size_t len;
    uint8_t *p = pdf_with_gap(DOC_TAIL - 5, &len);
    CHECK(doc_check(DOC_TYPE_PDF, p, len) == NULL);
    free(p);
    p = pdf_with_gap(DOC_TAIL - 4, &len);
    CHECK(doc_check(DOC_TYPE_PDF, p, len) != NULL);
    free(p);

    /* Content-Type values. */
    const struct {
        const char *ct;
        doc_type t;
    } mimes[] = {
        {"application/pdf", DOC_TYPE_PDF},
        {"Application/PDF", DOC_TYPE_PDF},
        {"application/pdf; name=\"x.pdf\"", DOC_TYPE_PDF},
        {"  image/png  ", DOC_TYPE_PNG},
        {"image/jpeg;q=1", DOC_TYPE_JPEG},
        {"image/jpg", DOC_TYPE_NONE},
        {"image/pjpeg", DOC_TYPE_NONE},
        {"application/pdfx", DOC_TYPE_NONE},
        {"application/pd", DOC_TYPE_NONE},
        {"text/plain", DOC_TYPE_NONE},
        {"application/octet-stream", DOC_TYPE_NONE},
        {"", DOC_TYPE_NONE},
        {";", DOC_TYPE_NONE},
        {NULL, DOC_TYPE_NONE},
    };
    for (size_t i = 0; i < sizeof mimes / sizeof mimes[0]; i++)
        CHECK_EQ(doc_type_from_mime(mimes[i].ct), mimes[i].t);
    CHECK_STR(doc_type_mime(DOC_TYPE_PDF), "application/pdf");
    CHECK_STR(doc_type_mime(DOC_TYPE_PNG), "image/png");
    CHECK_STR(doc_type_mime(DOC_TYPE_JPEG), "image/jpeg");
    CHECK(doc_type_mime(DOC_TYPE_NONE) == NULL);
    CHECK(doc_type_mime((doc_type)42) == NULL);
    CHECK_STR(doc_type_label(DOC_TYPE_PNG), "a PNG image");
}

/* ---- parsers ---- */

static void test_titles(void)
{
    char out[64];
    size_t n = 99;
    CHECK_EQ(doc_pct_decode("T%E1%BB%9D%20tr%C3%ACnh", out, sizeof out, &n), 0);
    CHECK_STR(out, "Tờ trình");
    CHECK_EQ(n, strlen("Tờ trình"));
    CHECK_EQ(doc_pct_decode("a+b%2fc", out, sizeof out, &n), 0);
    CHECK_STR(out, "a+b/c");
    CHECK_EQ(doc_pct_decode("Tờ trình", out, sizeof out, &n), 0); /* raw UTF-8 passes */
    CHECK_STR(out, "Tờ trình");
    CHECK_EQ(doc_pct_decode("", out, sizeof out, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(doc_pct_decode("%zz", out, sizeof out, &n), -1);
    CHECK_EQ(doc_pct_decode("abc%4", out, sizeof out, &n), -1);
    CHECK_EQ(doc_pct_decode("abc%", out, sizeof out, &n), -1);
    CHECK_EQ(doc_pct_decode("a%00b", out, sizeof out, &n), -1);
    CHECK_EQ(doc_pct_decode("abcdef", out, 6, &n), -1); /* no room for the NUL */
    CHECK_EQ(doc_pct_decode("abcde", out, 6, &n), 0);

    CHECK_EQ(doc_pct_encode("Tờ trình 1.pdf", strlen("Tờ trình 1.pdf"), out, sizeof out),
             (int)strlen("T%E1%BB%9D%20tr%C3%ACnh%201.pdf"));
    CHECK_STR(out, "T%E1%BB%9D%20tr%C3%ACnh%201.pdf");
    CHECK_EQ(doc_pct_encode("a\"b;c'd%", 8, out, sizeof out), 16);
    CHECK_STR(out, "a%22b%3Bc%27d%25");
    CHECK_EQ(doc_pct_encode("abc", 3, out, 3), -1);
    CHECK_EQ(doc_pct_encode("abc", 3, out, 4), 3);
    CHECK_EQ(doc_pct_encode("\xff", 1, out, 3), -1);

    const struct {
        const char *cd;
        const char *name; /* NULL: none */
    } disp[] = {
        {"attachment; filename=\"bao-cao.pdf\"", "bao-cao.pdf"},
        {"inline; filename=plain.pdf", "plain.pdf"},
        {"attachment; filename*=UTF-8''T%E1%BB%9D%20tr%C3%ACnh.pdf", "Tờ trình.pdf"},
        {"attachment; filename=\"fallback.pdf\"; filename*=utf-8''%C4%90%E1%BB%81.pdf", "Đề.pdf"},
        {"attachment; filename*=UTF-8'vi'x.pdf; filename=\"y.pdf\"", "x.pdf"},
        {"attachment; filename*=ISO-8859-1''%E9.pdf; filename=\"e.pdf\"", "e.pdf"},
        {"attachment; filename=\"a \\\"quoted\\\" name.pdf\"", "a \"quoted\" name.pdf"},
        {"attachment; filename=\"C:\\\\Users\\\\me\\\\doc.pdf\"", "doc.pdf"},
        {"attachment; filename=\"../../etc/passwd\"", "passwd"},
        {"attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd", "passwd"},
        {"form-data; name=\"file\"; filename=\"x.png\"", "x.png"},
        {"attachment;filename=tight.pdf", "tight.pdf"},
        {"attachment; FILENAME = \"upper.pdf\"", "upper.pdf"},
        {"attachment", NULL},
        {"attachment; filename=", NULL},
        {"attachment; filename=\"\"", NULL},
        {"attachment; filename=\"unterminated.pdf", NULL},
        {"attachment; filename=\"dir/\"", NULL},
        {"attachment; filename*=UTF-8''%zz", NULL},
        {"attachment; name=\"x\"", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof disp / sizeof disp[0]; i++) {
        char name[256] = "";
        size_t nl = 0;
        int rc = doc_disposition_filename(disp[i].cd, name, sizeof name, &nl);
        if (disp[i].name) {
            CHECK_EQ(rc, 0);
            CHECK_STR(name, disp[i].name);
            CHECK_EQ(nl, strlen(disp[i].name));
        } else {
            if (rc != -1) fprintf(stderr, "disposition \"%s\" gave \"%s\"\n", disp[i].cd, name);
            CHECK_EQ(rc, -1);
        }
    }
    char small[4];
    size_t sl;
    CHECK_EQ(doc_disposition_filename("attachment; filename=long.pdf", small, sizeof small, &sl),
             -1);
    CHECK_EQ(doc_disposition_filename(NULL, small, sizeof small, &sl), -1);

    CHECK(doc_title_check("Tờ trình số 12/TTr-UBND", strlen("Tờ trình số 12/TTr-UBND")) == NULL);
    CHECK(doc_title_check("", 0) != NULL);
    CHECK(doc_title_check("a\tb", 3) != NULL);
    CHECK(doc_title_check("a\x7f", 2) != NULL);
    CHECK(doc_title_check("a\xc2\x85", 3) != NULL); /* NEL, a C1 control */
    CHECK(doc_title_check("\xff\xfe", 2) != NULL);
    CHECK(doc_title_check("\xe1\xbb", 2) != NULL); /* cut in the middle of a character */
    char longest[DOC_TITLE_MAX + 2];
    memset(longest, 'a', sizeof longest);
    CHECK(doc_title_check(longest, DOC_TITLE_MAX) == NULL);
    CHECK(doc_title_check(longest, DOC_TITLE_MAX + 1) != NULL);

    CHECK(doc_item_ok(""));
    CHECK(doc_item_ok("muc-1_a"));
    CHECK(!doc_item_ok("muc 1"));
    CHECK(!doc_item_ok("../x"));
    CHECK(!doc_item_ok("mục"));
    char item[DOC_ITEM_MAX + 2];
    memset(item, 'x', sizeof item);
    item[DOC_ITEM_MAX] = '\0';
    CHECK(doc_item_ok(item));
    item[DOC_ITEM_MAX] = 'x';
    item[DOC_ITEM_MAX + 1] = '\0';
    CHECK(!doc_item_ok(item));

    CHECK(doc_id_ok("d-abcdefghijklmnop"));
    CHECK(doc_id_ok("d-ABCDEFGH12345678"));
    CHECK(!doc_id_ok("d-abcdefghijklmno"));
    CHECK(!doc_id_ok("d-abcdefghijklmnopq"));
    CHECK(!doc_id_ok("x-abcdefghijklmnop"));
    CHECK(!doc_id_ok("d-abcdefgh/jklmnop"));
    CHECK(!doc_id_ok("d-abcdefgh.jklmnop"));
    CHECK(!doc_id_ok(""));
    CHECK(!doc_id_ok("d-"));

    const char *sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    CHECK(doc_sha_hex_ok(sha));
    CHECK(!doc_sha_hex_ok("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
    CHECK(!doc_sha_hex_ok("ba7816bf"));
    CHECK(!doc_sha_hex_ok("../../../../etc/passwd"));
}

typedef struct range_case {
    const char *value;
    uint64_t size;
    doc_range kind;
    uint64_t off, len;
} range_case;

static void test_ranges(void)
{
    const range_case cases[] = {
        {NULL, 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes=0-99", 1000, DOC_RANGE_PARTIAL, 0, 100},
        {"bytes=0-0", 1000, DOC_RANGE_PARTIAL, 0, 1},
        {"bytes=999-999", 1000, DOC_RANGE_PARTIAL, 999, 1},
        {"bytes=900-", 1000, DOC_RANGE_PARTIAL, 900, 100},
        {"bytes=0-", 1000, DOC_RANGE_PARTIAL, 0, 1000},
        {"bytes=-100", 1000, DOC_RANGE_PARTIAL, 900, 100},
        {"bytes=-1000", 1000, DOC_RANGE_PARTIAL, 0, 1000},
        {"bytes=-2000", 1000, DOC_RANGE_PARTIAL, 0, 1000},
        {"bytes=500-5000", 1000, DOC_RANGE_PARTIAL, 500, 500},
        {"bytes=0-99999999999999999999999", 1000, DOC_RANGE_PARTIAL, 0, 1000},
        {"Bytes = 10-19 ", 1000, DOC_RANGE_PARTIAL, 10, 10},
        {"bytes=1000-", 1000, DOC_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=1000-2000", 1000, DOC_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=99999999999999999999-", 1000, DOC_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-0", 1000, DOC_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=0-", 0, DOC_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-5", 0, DOC_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=5-1", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes=0-1,5-6", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes=0-1, 5000-", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"items=0-1", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes=", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes=-", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes=abc", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes=1-2x", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes=+1-2", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes=--1", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"bytes=-1-2", 1000, DOC_RANGE_WHOLE, 0, 0},
        {"", 1000, DOC_RANGE_WHOLE, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const range_case *c = &cases[i];
        uint64_t off = 12345, len = 12345;
        doc_range k = doc_range_parse(c->value, c->size, &off, &len);
        if (k != c->kind)
            fprintf(stderr, "range \"%s\" of %llu: kind %d\n", c->value ? c->value : "(null)",
                    (unsigned long long)c->size, (int)k);
        CHECK_EQ(k, c->kind);
        if (c->kind == DOC_RANGE_PARTIAL) {
            CHECK_EQ(off, c->off);
            CHECK_EQ(len, c->len);
            CHECK(off + len <= c->size);
        }
    }
}

/* ---- storage by hash ---- */

/* Regular files under dir, recursively; temporary ones counted apart. */
static size_t count_files(const char *dir, size_t *temps)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(path, &sb) != 0) continue;
        if (S_ISDIR(sb.st_mode)) {
            n += count_files(path, temps);
        } else if (strncmp(e->d_name, ".tmp-", 5) == 0) {
            if (temps) (*temps)++;
        } else {
            n++;
        }
    }
    closedir(d);
    return n;
}

static bool file_equals(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    uint8_t *buf = malloc(len + 1);
    size_t got = buf ? fread(buf, 1, len + 1, f) : 0;
    fclose(f);
    bool same = buf && got == len && memcmp(buf, data, len) == 0;
    free(buf);
    return same;
}

static void test_blobs(void)
{
    char base[256], dir[300], path[512], err[512] = "";
    new_dir(base, sizeof base);
    CHECK_EQ(mkdir(base, 0700), 0);
    snprintf(dir, sizeof dir, "%s/%s", base, DOC_DIR_NAME);

    char sha[DOC_SHA_HEX_LEN + 1];
    doc_sha256_hex((const uint8_t *)"abc", 3, sha);
    CHECK_STR(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    doc_sha256_hex(NULL, 0, sha);
    CHECK_STR(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    /* The path is the hash, split after two digits, and nothing else. */
    CHECK_EQ(doc_blob_path("/data/documents",
                           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", path,
                           sizeof path),
             0);
    CHECK_STR(path, "/data/documents/ba/"
                    "7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.bin");
    CHECK_EQ(
        doc_blob_path("/data/documents", "../../../../../../../../etc/passwd", path, sizeof path),
        -1);
    CHECK_EQ(doc_blob_path("/data/documents",
                           "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", path,
                           sizeof path),
             -1);
    CHECK_EQ(doc_blob_path("/data/documents", "ba7816bf", path, sizeof path), -1);
    CHECK_EQ(doc_blob_path("/data/documents",
                           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", path,
                           20),
             -1);
    uint64_t size = 0;
    CHECK_EQ(doc_blob_open(dir, "../../etc/passwd", &size), -1);

    CHECK_EQ(doc_dir_for_store("/srv/dienhong/dienhong.db", path, sizeof path), 0);
    CHECK_STR(path, "/srv/dienhong/documents");
    CHECK_EQ(doc_dir_for_store("dienhong.db", path, sizeof path), 0);
    CHECK_STR(path, "documents");

    /* The first copy is written, the same bytes again are not; other bytes are apart. */
    bool existed = true;
    CHECK_EQ(doc_blob_put(dir, (const uint8_t *)PDF_OK, sizeof PDF_OK - 1, sha, &existed, err,
                          sizeof err),
             0);
    CHECK(!existed);
    char first[DOC_SHA_HEX_LEN + 1];
    memcpy(first, sha, sizeof first);
    CHECK_EQ(doc_blob_path(dir, sha, path, sizeof path), 0);
    CHECK(file_equals(path, PDF_OK, sizeof PDF_OK - 1));
    struct stat sb;
    CHECK_EQ(stat(dir, &sb), 0);
    CHECK_EQ(sb.st_mode & 0777, 0700);
    CHECK_EQ(stat(path, &sb), 0);
    CHECK_EQ(sb.st_mode & 0077, 0); /* private */

    CHECK_EQ(doc_blob_put(dir, (const uint8_t *)PDF_OK, sizeof PDF_OK - 1, sha, &existed, err,
                          sizeof err),
             0);
    CHECK(existed);
    CHECK_STR(sha, first);
    CHECK_EQ(doc_blob_put(dir, PNG_OK, sizeof PNG_OK, sha, &existed, err, sizeof err), 0);
    CHECK(!existed);
    CHECK(strcmp(sha, first) != 0);
    size_t temps = 0;
    CHECK_EQ(count_files(dir, &temps), 2);
    CHECK_EQ(temps, 0);

    int fd = doc_blob_open(dir, first, &size);
    CHECK(fd >= 0);
    CHECK_EQ(size, sizeof PDF_OK - 1);
    if (fd >= 0) close(fd);
    CHECK_EQ(doc_blob_open(dir, "0000000000000000000000000000000000000000000000000000000000000000",
                           &size),
             -1);

    /* A damaged copy (cut short by a crash before this build synced) is written anew. */
    CHECK_EQ(doc_blob_path(dir, first, path, sizeof path), 0);
    CHECK_EQ(truncate(path, 3), 0);
    CHECK_EQ(doc_blob_put(dir, (const uint8_t *)PDF_OK, sizeof PDF_OK - 1, sha, &existed, err,
                          sizeof err),
             0);
    CHECK(!existed);
    CHECK(file_equals(path, PDF_OK, sizeof PDF_OK - 1));

    /* A symbolic link in the blob's place is not followed when reading. */
    CHECK_EQ(unlink(path), 0);
    CHECK_EQ(symlink("/etc/passwd", path), 0);
    CHECK_EQ(doc_blob_open(dir, first, &size), -1);

    /* A directory that cannot be made is an error with a reason. */
    char bad[400];
    snprintf(bad, sizeof bad, "%s/file", base);
    FILE *f = fopen(bad, "w");
    if (f) fclose(f);
    snprintf(bad, sizeof bad, "%s/file/documents", base);
    err[0] = '\0';
    CHECK_EQ(doc_blob_put(bad, PNG_OK, sizeof PNG_OK, sha, &existed, err, sizeof err), -1);
    CHECK(err[0] != '\0');
}

/* ---- metadata in the store ---- */

static store *open_ok(const char *dir)
{
    char err[512];
    store *st = store_open(dir, err, sizeof err);
    if (!st) {
        fprintf(stderr, "store_open %s: %s\n", dir, err);
        exit(1);
    }
    return st;
}

static store_document make_doc(const char *meeting, const char *title, const char *item,
                               const char *sha_of)
{
    store_document d = {.size = (int64_t)strlen(sha_of)};
    snprintf(d.meeting, sizeof d.meeting, "%s", meeting);
    snprintf(d.title, sizeof d.title, "%s", title);
    snprintf(d.item, sizeof d.item, "%s", item);
    snprintf(d.type, sizeof d.type, "application/pdf");
    doc_sha256_hex((const uint8_t *)sha_of, strlen(sha_of), d.sha256);
    d.uploader.role = ROLE_CHAIR;
    snprintf(d.uploader.token_id, sizeof d.uploader.token_id, "tok-chair");
    return d;
}

typedef struct listing {
    char rows[16][STORE_DOC_TITLE_MAX + 16];
    size_t n;
} listing;

static int collect(void *ud, const store_document *d)
{
    listing *l = ud;
    if (l->n < 16) snprintf(l->rows[l->n++], sizeof l->rows[0], "%s v%u", d->title, d->version);
    return 0;
}

static bool listed(store *st, const char *meeting, const char *expected)
{
    listing l = {.n = 0};
    if (store_document_list(st, meeting, collect, &l) != 0) return false;
    char text[1024] = "";
    for (size_t i = 0; i < l.n; i++) {
        if (i) strcat(text, ", ");
        strcat(text, l.rows[i]);
    }
    if (strcmp(text, expected) != 0) fprintf(stderr, "  listed \"%s\"\n", text);
    return strcmp(text, expected) == 0;
}

static void test_store_documents(void)
{
    char dir[256];
    new_dir(dir, sizeof dir);
    store *st = open_ok(dir);

    store_document a1 = make_doc("m-Meeting00001", "Tờ trình số 12", "muc-1", "version one");
    bool same = true;
    CHECK_EQ(store_document_add(st, &a1, 1000, &same), 0);
    CHECK(!same);
    CHECK(doc_id_ok(a1.id));
    CHECK_EQ(a1.version, 1);
    CHECK_EQ(a1.uploaded_at, 1000);

    store_document got;
    CHECK_EQ(store_document_get(st, a1.id, &got), 0);
    CHECK_STR(got.id, a1.id);
    CHECK_STR(got.meeting, "m-Meeting00001");
    CHECK_STR(got.title, "Tờ trình số 12");
    CHECK_STR(got.item, "muc-1");
    CHECK_STR(got.type, "application/pdf");
    CHECK_STR(got.sha256, a1.sha256);
    CHECK_EQ(got.size, (int64_t)strlen("version one"));
    CHECK_EQ(got.version, 1);
    CHECK_EQ(got.uploaded_at, 1000);
    CHECK_EQ(got.uploader.role, ROLE_CHAIR);
    CHECK_STR(got.uploader.token_id, "tok-chair");
    CHECK_STR(got.uploader.site, "");
    CHECK_EQ(store_document_get(st, "d-0000000000000000", &got), 1);

    /* The same title again with other bytes is version 2, with a new id; item may change. */
    store_document a2 = make_doc("m-Meeting00001", "Tờ trình số 12", "", "version two");
    CHECK_EQ(store_document_add(st, &a2, 1010, &same), 0);
    CHECK(!same);
    CHECK_EQ(a2.version, 2);
    CHECK(strcmp(a2.id, a1.id) != 0);
    CHECK_EQ(store_document_get(st, a1.id, &got), 0); /* version 1 stays */
    CHECK_EQ(got.version, 1);

    /* The newest bytes again: nothing new, the newest version answers (a retried upload). */
    store_document again = make_doc("m-Meeting00001", "Tờ trình số 12", "", "version two");
    CHECK_EQ(store_document_add(st, &again, 1020, &same), 0);
    CHECK(same);
    CHECK_STR(again.id, a2.id);
    CHECK_EQ(again.version, 2);
    CHECK_EQ(again.uploaded_at, 1010);
    /* Older bytes again are a new version (going back is a change). */
    store_document back = make_doc("m-Meeting00001", "Tờ trình số 12", "", "version one");
    CHECK_EQ(store_document_add(st, &back, 1030, &same), 0);
    CHECK(!same);
    CHECK_EQ(back.version, 3);

    /* Other titles, another meeting; the same bytes under another title are another document. */
    store_document b = make_doc("m-Meeting00001", "Báo cáo", "muc-2", "version one");
    CHECK_EQ(store_document_add(st, &b, 1040, NULL), 0);
    CHECK_EQ(b.version, 1);
    store_document other = make_doc("demo", "Tờ trình số 12", "", "version two");
    CHECK_EQ(store_document_add(st, &other, 1050, NULL), 0);
    CHECK_EQ(other.version, 1);
    size_t n = 0;
    CHECK_EQ(store_document_count_sha(st, a1.sha256, &n), 0);
    CHECK_EQ(n, 3);
    CHECK_EQ(store_document_count_sha(st, a2.sha256, &n), 0);
    CHECK_EQ(n, 2);

    /* Titles by their newest upload, each with its versions newest first. */
    CHECK(listed(st, "m-Meeting00001",
                 "Báo cáo v1, Tờ trình số 12 v3, Tờ trình số 12 v2, "
                 "Tờ trình số 12 v1"));
    store_document a4 = make_doc("m-Meeting00001", "Tờ trình số 12", "", "version four");
    CHECK_EQ(store_document_add(st, &a4, 1060, NULL), 0);
    CHECK(listed(st, "m-Meeting00001",
                 "Tờ trình số 12 v4, Tờ trình số 12 v3, Tờ trình số 12 v2, "
                 "Tờ trình số 12 v1, Báo cáo v1"));
    CHECK(listed(st, "demo", "Tờ trình số 12 v1"));
    CHECK(listed(st, "nobody", ""));

    /* Refused, never mended. */
    const char *long_title =
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "a"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "a"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; /* 261 */
    store_document bad = make_doc("bad meeting", "T", "", "x");
    CHECK_EQ(store_document_add(st, &bad, 1, NULL), -1);
    CHECK(strstr(store_error(st), "meeting"));
    bad = make_doc("demo", "T", "../x", "x");
    CHECK_EQ(store_document_add(st, &bad, 1, NULL), -1);
    CHECK(strstr(store_error(st), "item"));
    bad = make_doc("demo", "", "", "x");
    CHECK_EQ(store_document_add(st, &bad, 1, NULL), -1);
    CHECK(strstr(store_error(st), "empty"));
    bad = make_doc("demo", "a\nb", "", "x");
    CHECK_EQ(store_document_add(st, &bad, 1, NULL), -1);
    CHECK(strstr(store_error(st), "control"));
    bad = make_doc("demo", "ok", "", "x");
    memcpy(bad.title, long_title, sizeof bad.title - 1);
    bad.title[sizeof bad.title - 1] = '\0'; /* 255: fits */
    CHECK_EQ(store_document_add(st, &bad, 1, NULL), 0);
    bad = make_doc("demo", "ok", "", "x");
    bad.sha256[0] = 'G';
    CHECK_EQ(store_document_add(st, &bad, 1, NULL), -1);
    CHECK(strstr(store_error(st), "sha256"));
    bad = make_doc("demo", "ok", "", "x");
    snprintf(bad.type, sizeof bad.type, "text/html; x");
    CHECK_EQ(store_document_add(st, &bad, 1, NULL), -1);
    bad = make_doc("demo", "ok", "", "x");
    bad.size = -1;
    CHECK_EQ(store_document_add(st, &bad, 1, NULL), -1);
    bad = make_doc("demo", "ok", "", "x");
    snprintf(bad.uploader.token_id, sizeof bad.uploader.token_id, "a b");
    CHECK_EQ(store_document_add(st, &bad, 1, NULL), -1);
    store_close(st);

    /* After a restart, everything reads back the same. */
    st = open_ok(dir);
    CHECK_EQ(store_document_get(st, a1.id, &got), 0);
    CHECK_STR(got.title, "Tờ trình số 12");
    CHECK_EQ(got.version, 1);
    CHECK_STR(got.sha256, a1.sha256);
    CHECK_EQ(store_document_get(st, a4.id, &got), 0);
    CHECK_EQ(got.version, 4);
    CHECK(listed(st, "m-Meeting00001",
                 "Tờ trình số 12 v4, Tờ trình số 12 v3, Tờ trình số 12 v2, "
                 "Tờ trình số 12 v1, Báo cáo v1"));
    store_document a5 = make_doc("m-Meeting00001", "Tờ trình số 12", "", "version five");
    CHECK_EQ(store_document_add(st, &a5, 1070, NULL), 0);
    CHECK_EQ(a5.version, 5);
    store_close(st);
}

/* A store written by a build of schema 1 gains the documents table, and keeps what it had. */
static void test_migration(void)
{
    char dir[256], path[512];
    new_dir(dir, sizeof dir);
    store *st = open_ok(dir);
    store_revoke(st, "tok-1", "demo", 5, "kept");
    store_close(st);
    snprintf(path, sizeof path, "%s/" STORE_FILE_NAME, dir);
    sqlite3 *db = NULL;
    CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_EQ(sqlite3_exec(
                 db,
                 "DROP TABLE documents; DROP TABLE ballots; DROP TABLE votes; DROP TABLE agenda; "
                 "DROP TABLE recording_files; DROP TABLE recordings; "
                 "DELETE FROM schema_version WHERE version >= 2;",
                 NULL, NULL, NULL),
             SQLITE_OK);
    sqlite3_close(db);

    st = open_ok(dir);
    CHECK_EQ(store_is_revoked(st, "tok-1"), 1);
    store_document d = make_doc("demo", "Sau nâng cấp", "", "bytes");
    CHECK_EQ(store_document_add(st, &d, 10, NULL), 0);
    store_close(st);
    CHECK_EQ(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    CHECK_EQ(
        sqlite3_prepare_v2(db, "SELECT group_concat(version) FROM schema_version", -1, &s, NULL),
        SQLITE_OK);
    CHECK_EQ(sqlite3_step(s), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(s, 0), "1,2,3,4,5");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

int main(void)
{
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_sniffer();
    test_titles();
    test_ranges();
    test_blobs();
    test_store_documents();
    test_migration();
    scratch_remove(root);
    CHECK_DONE();
}
