#include "srtp_ossl.h"

#include <stddef.h>

int srtp_ossl_install(void)
{
    /* ICM first: libsrtp's key derivation allocates an ICM cipher for every profile. */
    static const srtp_cipher_type_t *const ciphers[] = {
        &srtp_ossl_aes_icm_128, &srtp_ossl_aes_icm_192, &srtp_ossl_aes_icm_256,
        &srtp_ossl_aes_gcm_128, &srtp_ossl_aes_gcm_256,
    };
    for (size_t i = 0; i < sizeof ciphers / sizeof ciphers[0]; i++) {
        srtp_err_status_t st = srtp_replace_cipher_type(ciphers[i], ciphers[i]->id);
        if (st != srtp_err_status_ok) return -(int)st;
    }
    srtp_err_status_t st = srtp_replace_auth_type(&srtp_ossl_hmac_sha1, srtp_ossl_hmac_sha1.id);
    return st == srtp_err_status_ok ? 0 : -(int)st;
}
