/* The recording key and the signed manifest: key made once with mode 0600 and read back the
 * same, signatures that verify and that do not, and manifest_check on a good export, a changed
 * file, a changed manifest, a missing file, a name not listed and another hub's key. */
#include "recorder/manifest.h"
#include "recorder/sign.h"
#include "tests/unit/check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/dh-manifest-XXXXXX";

static const char *at(const char *name)
{
    static char p[4][256];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
    return p[i];
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(at(name), "wb");
    fputs(text, f);
    fclose(f);
}

/* Flips one byte of a file at offset `off`. */
static void flip(const char *name, long off)
{
    FILE *f = fopen(at(name), "r+b");
    fseek(f, off, SEEK_SET);
    int c = fgetc(f);
    fseek(f, off, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);
}

static void test_key(void)
{
    char err[256], pub1[64], pub2[64], sig[SIGN_B64_MAX];
    const char *data = at("data");
    sign_key *k = sign_key_load_or_create(data, err, sizeof err);
    CHECK(k != NULL);
    if (!k) return;
    struct stat st;
    CHECK(stat(at("data/recording.key"), &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_EQ(sign_public_b64(k, pub1, sizeof pub1), 0);
    CHECK_EQ(strlen(pub1), 44);
    sign_key *again = sign_key_load_or_create(data, err, sizeof err);
    CHECK(again && sign_public_b64(again, pub2, sizeof pub2) == 0);
    CHECK_STR(pub1, pub2);

    CHECK_EQ(sign_b64(k, "hello", 5, sig, sizeof sig), 0);
    CHECK_EQ(strlen(sig), 88);
    CHECK(sign_verify_b64(again, "hello", 5, sig, strlen(sig)));
    char withnl[SIGN_B64_MAX + 2];
    snprintf(withnl, sizeof withnl, "%s\n", sig);
    CHECK(sign_verify_b64(k, "hello", 5, withnl, strlen(withnl)));
    CHECK(!sign_verify_b64(k, "hellO", 5, sig, strlen(sig)));
    char bad[SIGN_B64_MAX];
    memcpy(bad, sig, sizeof bad);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    CHECK(!sign_verify_b64(k, "hello", 5, bad, strlen(bad)));
    CHECK(!sign_verify_b64(k, "hello", 5, sig, 87));
    CHECK(!sign_verify_b64(k, "hello", 5, "", 0));

    sign_key *pub = sign_key_from_public(pub1);
    CHECK(pub != NULL);
    CHECK(pub && sign_verify_b64(pub, "hello", 5, sig, strlen(sig)));
    CHECK(pub && sign_b64(pub, "x", 1, bad, sizeof bad) == -1); /* no private half */
    CHECK(sign_key_from_public("not base64") == NULL);
    CHECK(sign_key_from_public("") == NULL);
    sign_key_free(pub);
    sign_key_free(again);
    sign_key_free(k);

    /* A damaged key file is an error, never replaced. */
    CHECK(mkdir(at("bad"), 0700) == 0);
    put("bad/recording.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    CHECK(sign_key_load_or_create(at("bad"), err, sizeof err) == NULL);
    CHECK(strstr(err, "not an Ed25519 private key") != NULL);
    FILE *f = fopen(at("bad/recording.key"), "r");
    char line[64] = "";
    CHECK(f && fgets(line, sizeof line, f));
    if (f) fclose(f);
    CHECK_STR(line, "-----BEGIN PRIVATE KEY-----\n");
}

static void test_check(void)
{
    char err[256];
    sign_key *k = sign_key_load_or_create(at("data"), err, sizeof err);
    sign_key *other = sign_key_load_or_create(at("other"), err, sizeof err);
    CHECK(k && other);
    if (!k || !other) return;
    CHECK(mkdir(at("export"), 0755) == 0);
    put("export/meeting.webm", "not really a video, but bytes all the same");
    put("export/site-001.webm", "site one");
    put("export/chapters.json", "{}\n");
    const char *names[] = {"meeting.webm", "site-001.webm", "chapters.json"};
    manifest_file mf[3];
    CHECK_EQ(manifest_write(at("export"), k, "r-AAAABBBBCCCCDDDD", names, 3, mf, err, sizeof err),
             0);
    CHECK_STR(mf[1].name, "site-001.webm");
    CHECK_EQ(mf[1].size, 8);
    /* sha256("site one") */
    CHECK_STR(mf[1].sha256, "bfeed841e8534133ecb7d3205d9020835c87cb6c8fb9079f28212b6abc073bb9");
    manifest_check_result res;
    CHECK_EQ(manifest_check(at("export"), k, "site-001.webm", &res, err, sizeof err), 0);
    CHECK(res.signature_ok && res.listed && res.present && res.hash_ok);
    CHECK_EQ(res.disk_size, 8);
    CHECK_STR(res.disk_sha256, res.listed_as.sha256);

    /* Another hub's key: the signature is not valid. */
    CHECK_EQ(manifest_check(at("export"), other, "site-001.webm", &res, err, sizeof err), 1);
    CHECK(!res.signature_ok && !res.listed && !res.hash_ok && res.present);

    /* A file changed on disk. */
    flip("export/site-001.webm", 3);
    CHECK_EQ(manifest_check(at("export"), k, "site-001.webm", &res, err, sizeof err), 1);
    CHECK(res.signature_ok && res.listed && res.present && !res.hash_ok);
    CHECK(strcmp(res.disk_sha256, res.listed_as.sha256) != 0);
    flip("export/site-001.webm", 3);
    CHECK_EQ(manifest_check(at("export"), k, "site-001.webm", &res, err, sizeof err), 0);

    /* A file grown by a byte. */
    put("export/chapters.json", "{} \n");
    CHECK_EQ(manifest_check(at("export"), k, "chapters.json", &res, err, sizeof err), 1);
    CHECK(res.listed && !res.hash_ok && res.disk_size == 4 && res.listed_as.size == 3);

    /* Not listed; listed but missing; a name that is a path. */
    put("export/extra.webm", "x");
    CHECK_EQ(manifest_check(at("export"), k, "extra.webm", &res, err, sizeof err), 1);
    CHECK(res.signature_ok && !res.listed && res.present);
    unlink(at("export/meeting.webm"));
    CHECK_EQ(manifest_check(at("export"), k, "meeting.webm", &res, err, sizeof err), 1);
    CHECK(res.listed && !res.present && !res.hash_ok);
    CHECK_EQ(manifest_check(at("export"), k, "../data/recording.key", &res, err, sizeof err), -1);
    CHECK_EQ(manifest_check(at("export"), k, ".hidden", &res, err, sizeof err), -1);

    /* The manifest itself changed: one byte in the middle, or the signature's. */
    flip("export/manifest.json", 40);
    CHECK_EQ(manifest_check(at("export"), k, "site-001.webm", &res, err, sizeof err), 1);
    CHECK(!res.signature_ok && !res.listed);
    flip("export/manifest.json", 40);
    CHECK_EQ(manifest_check(at("export"), k, "site-001.webm", &res, err, sizeof err), 0);
    flip("export/manifest.sig", 5);
    CHECK_EQ(manifest_check(at("export"), k, "site-001.webm", &res, err, sizeof err), 1);
    CHECK(!res.signature_ok);
    unlink(at("export/manifest.sig"));
    CHECK_EQ(manifest_check(at("export"), k, "site-001.webm", &res, err, sizeof err), 1);
    CHECK(!res.signature_ok);

    /* Writing refuses names with a path. */
    const char *evil[] = {"../x"};
    CHECK_EQ(manifest_write(at("export"), k, "r-1", evil, 1, NULL, err, sizeof err), -1);
    sign_key_free(k);
    sign_key_free(other);
}

static void test_find(void)
{
    static const char *h = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    char buf[512];
    static const struct {
        const char *fmt;
        int want;
    } cases[] = {
        {"{\"version\":1,\"files\":[{\"name\":\"a.webm\",\"size\":3,\"sha256\":\"%s\"}]}", 1},
        {"{\"version\":1,\"files\":[{\"name\":\"b.webm\",\"size\":3,\"sha256\":\"%s\"}]}", 0},
        {"{\"version\":1,\"files\":[]}%.0s", 0},
        {"{\"version\":2,\"files\":[{\"name\":\"a.webm\",\"size\":3,\"sha256\":\"%s\"}]}", -1},
        {"{\"files\":[{\"name\":\"a.webm\",\"size\":3,\"sha256\":\"%s\"}]}", -1},
        {"{\"version\":1,\"files\":[{\"name\":\"a.webm\",\"size\":-3,\"sha256\":\"%s\"}]}", -1},
        {"{\"version\":1,\"files\":[{\"name\":\"../a\",\"size\":3,\"sha256\":\"%s\"}]}", -1},
        {"{\"version\":1,\"files\":[{\"name\":\"a.webm\",\"size\":3,\"sha256\":\"%.63s\"}]}", -1},
        {"{\"version\":1,\"files\":{}}%.0s", -1},
        {"[1,2]%.0s", -1},
        {"{\"version\":1,\"files\":[{\"name\":\"a.webm\",\"size\":3,\"sha256\":\"%s\"}]", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(buf, sizeof buf, cases[i].fmt, h);
#pragma GCC diagnostic pop
        manifest_file f;
        int rc = manifest_find(buf, strlen(buf), "a.webm", &f);
        if (rc != cases[i].want) fprintf(stderr, "manifest_find case %zu: %d\n", i, rc);
        CHECK_EQ(rc, cases[i].want);
        if (rc == 1) CHECK(f.size == 3 && strcmp(f.sha256, h) == 0);
    }
    static const struct {
        const char *name;
        bool ok;
    } names[] = {{"meeting.webm", true},  {"site-001.mkv", true}, {"", false},
                 {".x", false},           {"a/b", false},         {"a b", false},
                 {"ok_name-1.json", true}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_EQ(manifest_valid_name(names[i].name), names[i].ok);
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    test_key();
    test_check();
    test_find();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not clean %s\n", dir);
    CHECK_DONE();
}
