/* Tokens: mint/verify round trips, every rejection path in verification order, the key file, and
 * the base64url codec underneath. */
#include "sfu/base/util.h"
#include "signaling/base64url.h"
#include "signaling/token.h"
#include "tests/unit/check.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW 1700000000

static const uint8_t key_a[TOKEN_KEY_LEN] = "0123456789abcdef0123456789abcdef";
static const uint8_t key_b[TOKEN_KEY_LEN] = "fedcba9876543210fedcba9876543210";

/* Builds "<prefix>.<b64(json)>.<b64(hmac(key, prefix.b64(json)))>" for any prefix and any claims
 * text, so each test can hand verify exactly one defect under a valid signature. */
static size_t forge(const uint8_t key[TOKEN_KEY_LEN], const char *prefix, const char *json,
                    char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s.", prefix);
    base64url_encode((const uint8_t *)json, strlen(json), out + n, cap - (size_t)n);
    size_t body = strlen(out);
    uint8_t mac[32];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), key, TOKEN_KEY_LEN, (const uint8_t *)out, body, mac, &mac_len);
    out[body] = '.';
    base64url_encode(mac, mac_len, out + body + 1, cap - body - 1);
    return strlen(out);
}

static int verify_str(const uint8_t key[TOKEN_KEY_LEN], const char *tok, token_claims *out)
{
    return token_verify(key, tok, strlen(tok), NOW, out);
}

/* A cut-short signature may fail as bad base64url (its last character then carries stray bits) or
 * as a wrong-length MAC; either way it must not pass. */
static bool is_reject(int r)
{
    return r == TOKEN_E_FORMAT || r == TOKEN_E_SIGNATURE;
}

static token_claims sample(role_t role)
{
    token_claims c = {0};
    strcpy(c.meeting, "council-2024_05");
    c.role = role;
    strcpy(c.site, role == ROLE_SITE ? "north-hall" : "");
    c.exp = NOW + 3600;
    return c;
}

static void test_roles(void)
{
    static const struct {
        role_t role;
        const char *name;
    } cases[] = {
        {ROLE_NONE, "none"}, {ROLE_CHAIR, "chair"}, {ROLE_OPERATOR, "operator"},
        {ROLE_SITE, "site"}, {ROLE_CLERK, "clerk"}, {ROLE_OBSERVER, "observer"},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        CHECK_STR(role_name(cases[i].role), cases[i].name);
        CHECK_EQ(role_from_name(cases[i].name), cases[i].role);
    }
    CHECK_STR(role_name((role_t)99), "none");
    CHECK_STR(role_name((role_t)-1), "none");
    static const char *const unknown[] = {"", "Chair", "chair ", "observers", "none"};
    for (size_t i = 0; i < DH_ARRAY_LEN(unknown); i++)
        CHECK_EQ(role_from_name(unknown[i]), ROLE_NONE);
    CHECK_EQ(role_from_name(NULL), ROLE_NONE);
}

static void test_round_trip(void)
{
    for (role_t r = ROLE_CHAIR; r <= ROLE_OBSERVER; r++) {
        token_claims c = sample(r);
        char tok[TOKEN_MAX_LEN + 1];
        int n = token_mint(key_a, &c, tok, sizeof tok);
        CHECK(n > 0);
        CHECK_EQ(n, (int)strlen(tok));
        CHECK(strncmp(tok, "dh1.", 4) == 0);
        CHECK_EQ(strlen(c.id), 16);
        CHECK(c.iat > 0);

        token_claims got;
        CHECK_EQ(token_verify(key_a, tok, (size_t)n, NOW, &got), TOKEN_OK);
        CHECK_STR(got.meeting, c.meeting);
        CHECK_EQ(got.role, r);
        CHECK_STR(got.site, c.site);
        CHECK_EQ(got.iat, c.iat);
        CHECK_EQ(got.exp, c.exp);
        CHECK_STR(got.id, c.id);
        CHECK_EQ(token_verify(key_a, tok, (size_t)n, NOW, NULL), TOKEN_OK);
    }

    /* Given id and iat are kept; generated ids differ. */
    token_claims c = sample(ROLE_CLERK);
    strcpy(c.id, "fixed_id-01");
    c.iat = 12345;
    char tok[TOKEN_MAX_LEN + 1];
    CHECK(token_mint(key_a, &c, tok, sizeof tok) > 0);
    token_claims got;
    CHECK_EQ(verify_str(key_a, tok, &got), TOKEN_OK);
    CHECK_STR(got.id, "fixed_id-01");
    CHECK_EQ(got.iat, 12345);
    token_claims c1 = sample(ROLE_CHAIR), c2 = sample(ROLE_CHAIR);
    CHECK(token_mint(key_a, &c1, tok, sizeof tok) > 0);
    CHECK(token_mint(key_a, &c2, tok, sizeof tok) > 0);
    CHECK(strcmp(c1.id, c2.id) != 0);

    /* Boundary lengths of meeting, site and id are accepted. */
    c = sample(ROLE_SITE);
    memset(c.meeting, 'm', 64);
    c.meeting[64] = '\0';
    memset(c.site, 's', 64);
    c.site[64] = '\0';
    memset(c.id, 'i', 32);
    c.id[32] = '\0';
    int n = token_mint(key_a, &c, tok, sizeof tok);
    CHECK(n > 0);
    CHECK_EQ(verify_str(key_a, tok, &got), TOKEN_OK);
    CHECK_STR(got.meeting, c.meeting);
    CHECK_STR(got.site, c.site);
    CHECK_STR(got.id, c.id);
    /* A buffer one byte short of the token and its NUL is refused without overflow. */
    char small[TOKEN_MAX_LEN + 1];
    CHECK_EQ(token_mint(key_a, &c, small, (size_t)n), TOKEN_E_TOO_LONG);
    CHECK_STR(small, "");
    CHECK_EQ(token_mint(key_a, &c, small, (size_t)n + 1), n);
}

static void test_mint_refuses(void)
{
    static const struct {
        const char *name;
        const char *meeting, *site, *id;
        int role;
    } cases[] = {
        {"empty meeting", "", "", "", ROLE_CHAIR},
        {"space in meeting", "a b", "", "", ROLE_CHAIR},
        {"slash in meeting", "a/b", "", "", ROLE_CHAIR},
        {"dot in meeting", "a.b", "", "", ROLE_CHAIR},
        {"quote in meeting", "a\"b", "", "", ROLE_CHAIR},
        {"utf-8 in meeting", "h\xc3\xa0", "", "", ROLE_CHAIR},
        {"bad site", "m", "x y", "", ROLE_SITE},
        {"bad id", "m", "", "a b", ROLE_SITE},
        {"role none", "m", "", "", ROLE_NONE},
        {"role out of range", "m", "", "", 99},
        {"negative role", "m", "", "", -1},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        token_claims c = sample(ROLE_CHAIR);
        strcpy(c.meeting, cases[i].meeting);
        strcpy(c.site, cases[i].site);
        strcpy(c.id, cases[i].id);
        c.role = (role_t)cases[i].role;
        char tok[TOKEN_MAX_LEN + 1] = "x";
        int r = token_mint(key_a, &c, tok, sizeof tok);
        if (r != TOKEN_E_FORMAT) fprintf(stderr, "mint case: %s\n", cases[i].name);
        CHECK_EQ(r, TOKEN_E_FORMAT);
        CHECK_STR(tok, "");
    }
    /* Fields that fill their arrays with no NUL are never read past. */
    token_claims c = sample(ROLE_CHAIR);
    char tok[TOKEN_MAX_LEN + 1];
    memset(c.meeting, 'm', sizeof c.meeting);
    CHECK_EQ(token_mint(key_a, &c, tok, sizeof tok), TOKEN_E_FORMAT);
    c = sample(ROLE_CHAIR);
    memset(c.site, 's', sizeof c.site);
    CHECK_EQ(token_mint(key_a, &c, tok, sizeof tok), TOKEN_E_FORMAT);
    c = sample(ROLE_CHAIR);
    memset(c.id, 'i', sizeof c.id);
    CHECK_EQ(token_mint(key_a, &c, tok, sizeof tok), TOKEN_E_FORMAT);
    c = sample(ROLE_CHAIR);
    c.exp = -1;
    CHECK_EQ(token_mint(key_a, &c, tok, sizeof tok), TOKEN_E_FORMAT);
}

#define GOOD_JSON(extra)                                                                           \
    "{\"m\":\"council\",\"r\":\"chair\",\"s\":\"\",\"iat\":1699990000,\"exp\":1700003600,"         \
    "\"id\":\"abc123\"" extra "}"

static void test_verify_rejects(void)
{
    char valid[TOKEN_MAX_LEN + 1];
    forge(key_a, "dh1", GOOD_JSON(""), valid, sizeof valid);
    token_claims got;
    CHECK_EQ(verify_str(key_a, valid, &got), TOKEN_OK);
    CHECK_STR(got.meeting, "council");
    CHECK_EQ(got.role, ROLE_CHAIR);
    CHECK_STR(got.site, "");
    CHECK_EQ(got.iat, 1699990000);
    CHECK_EQ(got.exp, 1700003600);
    CHECK_STR(got.id, "abc123");
    size_t claims_at = 4, sig_at = strrchr(valid, '.') - valid + 1;

    /* Tokens signed by key_a that must still fail, or unsigned/mis-signed forms. */
    static const struct {
        const char *name;
        const char *prefix; /* NULL: `raw` is the whole token */
        const char *text;
        int want;
    } cases[] = {
        /* Framing: checked before any signature work. */
        {"empty", NULL, "", TOKEN_E_FORMAT},
        {"one part", NULL, "dh1", TOKEN_E_FORMAT},
        {"two parts", NULL, "dh1.eyJtIjoiYSJ9", TOKEN_E_FORMAT},
        {"dots only", NULL, "..", TOKEN_E_FORMAT},
        {"four dots", NULL, "dh1...", TOKEN_E_FORMAT},
        /* Wrong prefix, even when correctly signed over that prefix. */
        {"prefix dh2", "dh2", GOOD_JSON(""), TOKEN_E_FORMAT},
        {"prefix DH1", "DH1", GOOD_JSON(""), TOKEN_E_FORMAT},
        {"prefix dh10", "dh10", GOOD_JSON(""), TOKEN_E_FORMAT},
        {"prefix empty", "", GOOD_JSON(""), TOKEN_E_FORMAT},
        /* Signed, but the claims are no token's claims. */
        {"not json", "dh1", "hello", TOKEN_E_FORMAT},
        {"empty claims", "dh1", "", TOKEN_E_FORMAT},
        {"json array", "dh1", "[\"council\",\"chair\"]", TOKEN_E_FORMAT},
        {"json string", "dh1", "\"chair\"", TOKEN_E_FORMAT},
        {"json number", "dh1", "1", TOKEN_E_FORMAT},
        {"json null", "dh1", "null", TOKEN_E_FORMAT},
        {"trailing garbage", "dh1", GOOD_JSON("") "x", TOKEN_E_FORMAT},
        {"two objects", "dh1", GOOD_JSON("") GOOD_JSON(""), TOKEN_E_FORMAT},
        {"duplicate key", "dh1", GOOD_JSON(",\"r\":\"observer\""), TOKEN_E_FORMAT},
        {"missing m", "dh1",
         "{\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}", TOKEN_E_FORMAT},
        {"missing r", "dh1", "{\"m\":\"c\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"missing s", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}", TOKEN_E_FORMAT},
        {"missing iat", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"missing exp", "dh1", "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"missing id", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600}", TOKEN_E_FORMAT},
        {"m number", "dh1",
         "{\"m\":7,\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"r null", "dh1",
         "{\"m\":\"c\",\"r\":null,\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"s false", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":false,\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"iat string", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":\"1\",\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"exp real", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600.5,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"exp exponent", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":2e9,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"exp negative", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":-5,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"exp too big", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":99999999999999999999,\"id\":"
         "\"x\"}",
         TOKEN_E_FORMAT},
        {"id array", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":[]}",
         TOKEN_E_FORMAT},
        {"id empty", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"\"}",
         TOKEN_E_FORMAT},
        {"id 33 chars", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":"
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
         TOKEN_E_FORMAT},
        {"unknown role", "dh1",
         "{\"m\":\"c\",\"r\":\"superuser\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"role none", "dh1",
         "{\"m\":\"c\",\"r\":\"none\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"role with NUL", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\\u0000x\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":"
         "\"x\"}",
         TOKEN_E_FORMAT},
        {"meeting empty", "dh1",
         "{\"m\":\"\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"meeting space", "dh1",
         "{\"m\":\"a b\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"meeting slash", "dh1",
         "{\"m\":\"../x\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"meeting NUL", "dh1",
         "{\"m\":\"a\\u0000b\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":"
         "\"x\"}",
         TOKEN_E_FORMAT},
        {"meeting unicode", "dh1",
         "{\"m\":\"h\\u00e0\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":"
         "\"x\"}",
         TOKEN_E_FORMAT},
        {"meeting 65 chars", "dh1",
         "{\"m\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"r\":"
         "\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"site space", "dh1",
         "{\"m\":\"c\",\"r\":\"site\",\"s\":\"a b\",\"iat\":1,\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        {"site 65 chars", "dh1",
         "{\"m\":\"c\",\"r\":\"site\",\"s\":"
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"iat\":1,"
         "\"exp\":1700003600,\"id\":\"x\"}",
         TOKEN_E_FORMAT},
        /* Expiry is the last check: exp == now is already expired. */
        {"exp = now", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700000000,\"id\":\"x\"}",
         TOKEN_E_EXPIRED},
        {"exp = now - 1", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1699999999,\"id\":\"x\"}",
         TOKEN_E_EXPIRED},
        {"exp = 0", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":0,\"exp\":0,\"id\":\"x\"}",
         TOKEN_E_EXPIRED},
        {"exp = now + 1", "dh1",
         "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700000001,\"id\":\"x\"}",
         TOKEN_OK},
        /* An "alg" claim means nothing: there is no header to name an algorithm. */
        {"alg none, signed", "dh1", GOOD_JSON(",\"alg\":\"none\""), TOKEN_OK},
        {"unknown keys ignored", "dh1", GOOD_JSON(",\"x\":{\"y\":[1,2]}"), TOKEN_OK},
        {"alg none, empty sig", NULL,
         "dh1.eyJhbGciOiJub25lIiwibSI6ImMiLCJyIjoiY2hhaXIiLCJzIjoiIiwiaWF0IjoxLCJleHAiOjE3MDAwMDM2"
         "MDAsImlkIjoieCJ9.",
         TOKEN_E_SIGNATURE},
        {"alg none, no sig", NULL,
         "dh1.eyJhbGciOiJub25lIiwibSI6ImMiLCJyIjoiY2hhaXIiLCJzIjoiIiwiaWF0IjoxLCJleHAiOjE3MDAwMDM2"
         "MDAsImlkIjoieCJ9",
         TOKEN_E_FORMAT},
        {"alg none, zero sig", NULL,
         "dh1.eyJhbGciOiJub25lIiwibSI6ImMiLCJyIjoiY2hhaXIiLCJzIjoiIiwiaWF0IjoxLCJleHAiOjE3MDAwMDM2"
         "MDAsImlkIjoieCJ9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
         TOKEN_E_SIGNATURE},
        {"bare claims, no prefix", NULL,
         "eyJtIjoiYyIsInIiOiJjaGFpciIsInMiOiIiLCJpYXQiOjEsImV4cCI6MTcwMDAwMzYwMCwiaWQiOiJ4In0",
         TOKEN_E_FORMAT},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(cases); i++) {
        char tok[TOKEN_MAX_LEN * 2];
        if (cases[i].prefix)
            forge(key_a, cases[i].prefix, cases[i].text, tok, sizeof tok);
        else
            snprintf(tok, sizeof tok, "%s", cases[i].text);
        token_claims out;
        memset(&out, 0x5a, sizeof out);
        int r = verify_str(key_a, tok, &out);
        if (r != cases[i].want) fprintf(stderr, "verify case: %s -> %d\n", cases[i].name, r);
        CHECK_EQ(r, cases[i].want);
        if (r != TOKEN_OK) CHECK_EQ(out.meeting[0], 0); /* nothing half-filled leaks out */
    }

    /* Edits of a valid token. */
    char tok[TOKEN_MAX_LEN * 2];
    strcpy(tok, valid);
    tok[claims_at + 5] = tok[claims_at + 5] == 'A' ? 'B' : 'A';
    CHECK_EQ(verify_str(key_a, tok, NULL), TOKEN_E_SIGNATURE);
    strcpy(tok, valid);
    tok[sig_at] = tok[sig_at] == 'A' ? 'B' : 'A';
    CHECK_EQ(verify_str(key_a, tok, NULL), TOKEN_E_SIGNATURE);
    CHECK_EQ(verify_str(key_b, valid, NULL), TOKEN_E_SIGNATURE);
    /* Signature one character short, one too long, or padded. */
    strcpy(tok, valid);
    tok[strlen(tok) - 1] = '\0';
    CHECK(is_reject(verify_str(key_a, tok, NULL)));
    snprintf(tok, sizeof tok, "%sAAAA", valid);
    CHECK_EQ(verify_str(key_a, tok, NULL), TOKEN_E_SIGNATURE);
    snprintf(tok, sizeof tok, "%s=", valid);
    CHECK_EQ(verify_str(key_a, tok, NULL), TOKEN_E_FORMAT);
    /* The same 32 bytes spelled with non-zero trailing bits: not canonical, so not accepted. */
    strcpy(tok, valid);
    size_t last = strlen(tok) - 1;
    tok[last] = (char)(tok[last] + 1 <= 'Z' ? tok[last] + 1 : tok[last]);
    CHECK(verify_str(key_a, tok, NULL) != TOKEN_OK);
    /* Standard-alphabet characters in the signature. */
    strcpy(tok, valid);
    tok[sig_at + 2] = '+';
    CHECK_EQ(verify_str(key_a, tok, NULL), TOKEN_E_FORMAT);
    /* Four parts and a trailing dot. */
    snprintf(tok, sizeof tok, "%s.x", valid);
    CHECK_EQ(verify_str(key_a, tok, NULL), TOKEN_E_FORMAT);
    snprintf(tok, sizeof tok, "%s.", valid);
    CHECK_EQ(verify_str(key_a, tok, NULL), TOKEN_E_FORMAT);
    /* The length given is the token: a valid token cut short or read with a NUL after it. */
    CHECK(is_reject(token_verify(key_a, valid, strlen(valid) - 1, NOW, NULL)));
    CHECK_EQ(token_verify(key_a, valid, strlen(valid) + 1, NOW, NULL), TOKEN_E_FORMAT);
    CHECK_EQ(token_verify(key_a, NULL, 0, NOW, NULL), TOKEN_E_FORMAT);

    /* Bad base64url in a correctly signed claims part: signature passes, decoding fails. */
    static const char *const bad_claims[] = {
        "eyJ9+w", "eyJ9/w", "eyJ9fQ==", "e", "eyJ9 fQ", "eyJ9fR"};
    for (size_t i = 0; i < DH_ARRAY_LEN(bad_claims); i++) {
        char body[64];
        snprintf(body, sizeof body, "dh1.%s", bad_claims[i]);
        uint8_t mac[32];
        unsigned int mac_len;
        HMAC(EVP_sha256(), key_a, TOKEN_KEY_LEN, (const uint8_t *)body, strlen(body), mac,
             &mac_len);
        char sig[64];
        base64url_encode(mac, mac_len, sig, sizeof sig);
        snprintf(tok, sizeof tok, "%s.%s", body, sig);
        CHECK_EQ(verify_str(key_a, tok, NULL), TOKEN_E_FORMAT);
    }
}

/* A signed token of exactly TOKEN_MAX_LEN characters passes; longer is refused before anything
 * else is looked at. */
static void test_length_limit(void)
{
    char json[TOKEN_MAX_LEN], tok[TOKEN_MAX_LEN * 2];
    size_t best = 0;
    for (size_t pad = 0; pad < 800; pad++) {
        char fill[800];
        memset(fill, 'p', pad);
        fill[pad] = '\0';
        snprintf(json, sizeof json,
                 "{\"m\":\"c\",\"r\":\"chair\",\"s\":\"\",\"iat\":1,\"exp\":1700003600,\"id\":"
                 "\"x\",\"pad\":\"%s\"}",
                 fill);
        size_t n = forge(key_a, "dh1", json, tok, sizeof tok);
        if (n == TOKEN_MAX_LEN) {
            CHECK_EQ(verify_str(key_a, tok, NULL), TOKEN_OK);
            best = n;
        } else if (n > TOKEN_MAX_LEN) {
            CHECK_EQ(verify_str(key_a, tok, NULL), TOKEN_E_TOO_LONG);
            break;
        }
    }
    CHECK_EQ(best, TOKEN_MAX_LEN);
    char junk[TOKEN_MAX_LEN + 1];
    memset(junk, '.', sizeof junk);
    CHECK_EQ(token_verify(key_a, junk, sizeof junk, NOW, NULL), TOKEN_E_TOO_LONG);
}

static void test_error_str(void)
{
    static const int codes[] = {TOKEN_OK,        TOKEN_E_FORMAT,   TOKEN_E_SIGNATURE,
                                TOKEN_E_EXPIRED, TOKEN_E_TOO_LONG, -99};
    for (size_t i = 0; i < DH_ARRAY_LEN(codes); i++) {
        const char *s = token_error_str(codes[i]);
        CHECK(s && *s);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(s, token_error_str(codes[j])) != 0);
    }
}

static void write_file(const char *path, size_t len)
{
    FILE *f = fopen(path, "wb");
    for (size_t i = 0; i < len; i++)
        fputc('k', f);
    fclose(f);
}

static void test_key_file(void)
{
    umask(022);
    char root[] = "/tmp/dh_token_test.XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    char dir[256], path[300], path2[300];

    /* Created with its missing parents, 0700 / 0600, 32 bytes; loaded back identical. */
    snprintf(dir, sizeof dir, "%s/a/b", root);
    snprintf(path, sizeof path, "%s/token.key", dir);
    uint8_t k1[TOKEN_KEY_LEN], k2[TOKEN_KEY_LEN], k3[TOKEN_KEY_LEN];
    CHECK_EQ(token_key_load_or_create(dir, k1), 0);
    struct stat st;
    CHECK_EQ(stat(dir, &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK_EQ(st.st_mode & 0777, 0700);
    CHECK_EQ(stat(path, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_mode & 0777, 0600);
    CHECK_EQ(st.st_size, TOKEN_KEY_LEN);
    CHECK_EQ(token_key_load_or_create(dir, k2), 0);
    CHECK(memcmp(k1, k2, TOKEN_KEY_LEN) == 0);
    /* With a trailing slash it is the same directory. */
    char slashed[300];
    snprintf(slashed, sizeof slashed, "%s/", dir);
    CHECK_EQ(token_key_load_or_create(slashed, k3), 0);
    CHECK(memcmp(k1, k3, TOKEN_KEY_LEN) == 0);

    /* A second directory gets its own key. */
    char dir2[256];
    snprintf(dir2, sizeof dir2, "%s/c", root);
    snprintf(path2, sizeof path2, "%s/token.key", dir2);
    CHECK_EQ(token_key_load_or_create(dir2, k3), 0);
    CHECK(memcmp(k1, k3, TOKEN_KEY_LEN) != 0);

    /* Wrong sizes are errors, and the file is left as it was. */
    static const size_t bad_sizes[] = {0, 1, 31, 33, 64};
    for (size_t i = 0; i < DH_ARRAY_LEN(bad_sizes); i++) {
        write_file(path2, bad_sizes[i]);
        CHECK_EQ(token_key_load_or_create(dir2, k3), -1);
        CHECK_EQ(stat(path2, &st), 0);
        CHECK_EQ(st.st_size, (long long)bad_sizes[i]);
    }
    unlink(path2);

    /* token.key being a directory, or DIR being a file, are errors. */
    CHECK_EQ(mkdir(path2, 0700), 0);
    CHECK_EQ(token_key_load_or_create(dir2, k3), -1);
    rmdir(path2);
    char file_dir[300], file_dir_path[300];
    snprintf(file_dir, sizeof file_dir, "%s/plain", root);
    write_file(file_dir, 3);
    CHECK_EQ(token_key_load_or_create(file_dir, k3), -1);
    snprintf(file_dir_path, sizeof file_dir_path, "%s/plain/sub", root);
    CHECK_EQ(token_key_load_or_create(file_dir_path, k3), -1);
    CHECK_EQ(token_key_load_or_create("", k3), -1);

    /* A key from the file signs tokens only it verifies. */
    token_claims c = sample(ROLE_OBSERVER);
    char tok[TOKEN_MAX_LEN + 1];
    CHECK(token_mint(k1, &c, tok, sizeof tok) > 0);
    CHECK_EQ(token_verify(k2, tok, strlen(tok), NOW, NULL), TOKEN_OK);
    CHECK_EQ(token_verify(key_a, tok, strlen(tok), NOW, NULL), TOKEN_E_SIGNATURE);

    unlink(file_dir);
    unlink(path);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/a", root);
    rmdir(dir);
    rmdir(dir2);
    CHECK_EQ(rmdir(root), 0);
}

static void test_base64url(void)
{
    static const struct {
        const char *raw;
        size_t raw_len;
        const char *enc;
    } vectors[] = {
        /* RFC 4648 section 10, padding dropped. */
        {"", 0, ""},
        {"f", 1, "Zg"},
        {"fo", 2, "Zm8"},
        {"foo", 3, "Zm9v"},
        {"foob", 4, "Zm9vYg"},
        {"fooba", 5, "Zm9vYmE"},
        {"foobar", 6, "Zm9vYmFy"},
        /* Where the url alphabet differs: 62 and 63 are '-' and '_' rather than '+' and '/'. */
        {"\xfb\xff", 2, "-_8"},
        {"\xfb\xef\xbe", 3, "----"},
        {"\xff\xff\xff", 3, "____"},
        {"\x00", 1, "AA"},
        {"\x00\x00\x00", 3, "AAAA"},
        {"\x14\xfb\x9c\x03\xd9\x7e", 6, "FPucA9l-"},
        {"\x14\xfb\x9c\x03\xd9", 5, "FPucA9k"},
        {"\x14\xfb\x9c\x03", 4, "FPucAw"},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(vectors); i++) {
        char enc[64];
        uint8_t dec[64];
        size_t enc_len = strlen(vectors[i].enc);
        CHECK_EQ(base64url_encoded_len(vectors[i].raw_len), enc_len);
        CHECK_EQ(
            base64url_encode((const uint8_t *)vectors[i].raw, vectors[i].raw_len, enc, sizeof enc),
            enc_len);
        CHECK_STR(enc, vectors[i].enc);
        CHECK_EQ(base64url_decode(vectors[i].enc, enc_len, dec, sizeof dec), vectors[i].raw_len);
        CHECK(memcmp(dec, vectors[i].raw, vectors[i].raw_len) == 0);
        /* Exact capacities suffice; one less does not. */
        CHECK_EQ(
            base64url_encode((const uint8_t *)vectors[i].raw, vectors[i].raw_len, enc, enc_len + 1),
            enc_len);
        CHECK_EQ(
            base64url_encode((const uint8_t *)vectors[i].raw, vectors[i].raw_len, enc, enc_len),
            -1);
        CHECK_STR(enc, enc_len ? "" : enc);
        CHECK_EQ(base64url_decode(vectors[i].enc, enc_len, dec, vectors[i].raw_len),
                 vectors[i].raw_len);
        if (vectors[i].raw_len > 0)
            CHECK_EQ(base64url_decode(vectors[i].enc, enc_len, dec, vectors[i].raw_len - 1), -1);
    }

    static const struct {
        const char *name;
        const char *enc;
        size_t len;
    } invalid[] = {
        {"padding", "Zg==", 4},
        {"single pad", "Zm8=", 4},
        {"plus", "Zm+v", 4},
        {"slash", "Zm/v", 4},
        {"space", "Zm9 ", 4},
        {"newline", "Zm9v\nZm9v", 9},
        {"NUL inside", "Zm\0v", 4},
        {"high byte", "Zm\xc3v", 4},
        {"dot", "Zm9.", 4},
        {"length 1", "Z", 1},
        {"length 5", "Zm9vY", 5},
        {"length 9", "Zm9vYmFyZ", 9},
        {"trailing bits, 2 chars", "Zh", 2},
        {"trailing bits, 3 chars", "Zm9", 3},
        {"trailing bits, '_'", "__", 2},
    };
    for (size_t i = 0; i < DH_ARRAY_LEN(invalid); i++) {
        uint8_t dec[64];
        ptrdiff_t r = base64url_decode(invalid[i].enc, invalid[i].len, dec, sizeof dec);
        if (r != -1) fprintf(stderr, "base64url case: %s\n", invalid[i].name);
        CHECK_EQ(r, -1);
    }

    /* Every length and every byte value round-trips. */
    uint8_t raw[300], back[300];
    char enc[420];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(i * 7 + 3);
    bool all_ok = true;
    for (size_t n = 0; n <= sizeof raw; n++) {
        ptrdiff_t e = base64url_encode(raw, n, enc, sizeof enc);
        ptrdiff_t d = base64url_decode(enc, (size_t)e, back, sizeof back);
        if (e != (ptrdiff_t)base64url_encoded_len(n) || d != (ptrdiff_t)n ||
            memcmp(raw, back, n) != 0 || base64url_decoded_max((size_t)e) != n)
            all_ok = false;
    }
    CHECK(all_ok);
}

int main(void)
{
    test_roles();
    test_round_trip();
    test_mint_refuses();
    test_verify_rejects();
    test_length_limit();
    test_error_str();
    test_key_file();
    test_base64url();
    CHECK_DONE();
}
