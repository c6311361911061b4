#define _DEFAULT_SOURCE
#include "csm2.h"

#include <string.h>
#include <time.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static const unsigned char distinguishing_id[] = "1234567812345678";
#define DISTINGUISHING_ID_LENGTH 16

static int copy_out(const unsigned char *bytes, int length, unsigned char **out, size_t *out_length) {
    if (length <= 0) return 0;
    unsigned char *copy = OPENSSL_malloc((size_t)length);
    if (copy == NULL) return 0;
    memcpy(copy, bytes, (size_t)length);
    *out = copy;
    *out_length = (size_t)length;
    return 1;
}

csm2_key *csm2_generate(void) {
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    if (ctx == NULL) return NULL;
    if (EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_generate(ctx, &key) != 1) key = NULL;
    EVP_PKEY_CTX_free(ctx);
    return key;
}

int csm2_private_der(const csm2_key *key, unsigned char **der, size_t *length) {
    PKCS8_PRIV_KEY_INFO *info = EVP_PKEY2PKCS8(key);
    if (info == NULL) return 0;
    unsigned char *buffer = NULL;
    int n = i2d_PKCS8_PRIV_KEY_INFO(info, &buffer);
    PKCS8_PRIV_KEY_INFO_free(info);
    int ok = copy_out(buffer, n, der, length);
    OPENSSL_clear_free(buffer, n > 0 ? (size_t)n : 0);
    return ok;
}

csm2_key *csm2_private_key(const unsigned char *der, size_t length) {
    const unsigned char *p = der;
    EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &p, (long)length);
    if (key != NULL && !EVP_PKEY_is_a(key, "SM2")) {
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

int csm2_public_der(const csm2_key *key, unsigned char **der, size_t *length) {
    unsigned char *buffer = NULL;
    int n = i2d_PUBKEY(key, &buffer);
    int ok = copy_out(buffer, n, der, length);
    OPENSSL_free(buffer);
    return ok;
}

csm2_key *csm2_public_key(const unsigned char *der, size_t length) {
    const unsigned char *p = der;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)length);
    if (key != NULL && !EVP_PKEY_is_a(key, "SM2")) {
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

void csm2_key_free(csm2_key *key) { EVP_PKEY_free(key); }
void csm2_free(void *pointer) { OPENSSL_free(pointer); }

/* A digest context for SM3 with SM2 and the distinguishing identifier. */
static EVP_MD_CTX *context(const csm2_key *key, int sign) {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pkey = EVP_PKEY_CTX_new((EVP_PKEY *)key, NULL);
    if (md == NULL || pkey == NULL) goto fail;
    if (EVP_PKEY_CTX_set1_id(pkey, distinguishing_id, DISTINGUISHING_ID_LENGTH) != 1) goto fail;
    EVP_MD_CTX_set_pkey_ctx(md, pkey);
    int ok = sign ? EVP_DigestSignInit(md, NULL, EVP_sm3(), NULL, (EVP_PKEY *)key)
                  : EVP_DigestVerifyInit(md, NULL, EVP_sm3(), NULL, (EVP_PKEY *)key);
    if (ok != 1) {
        EVP_MD_CTX_free(md);
        EVP_PKEY_CTX_free(pkey);
        return NULL;
    }
    return md;   /* owns nothing of pkey: freed below with the context's own reference */
fail:
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pkey);
    return NULL;
}

static void release(EVP_MD_CTX *md) {
    EVP_PKEY_CTX *pkey = EVP_MD_CTX_get_pkey_ctx(md);
    EVP_MD_CTX_free(md);
    EVP_PKEY_CTX_free(pkey);
}

static int to_raw(const unsigned char *der, size_t length, unsigned char signature[64]) {
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)length);
    if (sig == NULL) return 0;
    const BIGNUM *r = NULL, *s = NULL;
    ECDSA_SIG_get0(sig, &r, &s);
    int ok = BN_bn2binpad(r, signature, 32) == 32 && BN_bn2binpad(s, signature + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok;
}

int csm2_signature_der(const unsigned char signature[64], unsigned char **der, size_t *length) {
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(signature, 32, NULL), *s = BN_bin2bn(signature + 32, 32, NULL);
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return 0;
    }
    unsigned char *buffer = NULL;
    int n = i2d_ECDSA_SIG(sig, &buffer);
    ECDSA_SIG_free(sig);
    int ok = copy_out(buffer, n, der, length);
    OPENSSL_free(buffer);
    return ok;
}

int csm2_sign(const csm2_key *key, const unsigned char *message, size_t length, unsigned char signature[64]) {
    EVP_MD_CTX *md = context(key, 1);
    if (md == NULL) return 0;
    unsigned char der[80];
    size_t n = sizeof der;
    int ok = EVP_DigestSign(md, der, &n, message, length) == 1 && to_raw(der, n, signature);
    release(md);
    return ok;
}

int csm2_verify_der(const csm2_key *key, const unsigned char *message, size_t length, const unsigned char *signature, size_t signature_length) {
    EVP_MD_CTX *md = context(key, 0);
    if (md == NULL) return 0;
    int ok = EVP_DigestVerify(md, signature, signature_length, message, length) == 1;
    release(md);
    return ok;
}

int csm2_verify(const csm2_key *key, const unsigned char *message, size_t length, const unsigned char signature[64]) {
    unsigned char *der = NULL;
    size_t n = 0;
    if (!csm2_signature_der(signature, &der, &n)) return 0;
    int ok = csm2_verify_der(key, message, length, der, n);
    OPENSSL_free(der);
    return ok;
}

int csm2_sm3(const unsigned char *message, size_t length, unsigned char digest[32]) {
    unsigned int n = 0;
    return EVP_Digest(message, length, digest, &n, EVP_sm3(), NULL) == 1 && n == 32;
}

static int add_extension(X509 *certificate, X509V3_CTX *ctx, int nid, const char *value) {
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (extension == NULL) return 0;
    int ok = X509_add_ext(certificate, extension, -1) == 1;
    X509_EXTENSION_free(extension);
    return ok;
}

int csm2_issue_certificate(const csm2_key *subject_key, const unsigned char *subject_name, size_t subject_name_length,
                           const unsigned char *serial, size_t serial_length, int64_t not_before, int64_t not_after,
                           const unsigned char *issuer_der, size_t issuer_length,
                           const unsigned char *issuer_key_der, size_t issuer_key_length,
                           unsigned char **out, size_t *out_length) {
    int ok = 0;
    const unsigned char *p;
    p = issuer_der;
    X509 *issuer = d2i_X509(NULL, &p, (long)issuer_length);
    p = issuer_key_der;
    EVP_PKEY *issuer_key = d2i_AutoPrivateKey(NULL, &p, (long)issuer_key_length);
    p = subject_name;
    X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)subject_name_length);
    BIGNUM *serial_number = BN_bin2bn(serial, (int)serial_length, NULL);
    ASN1_INTEGER *serial_integer = serial_number ? BN_to_ASN1_INTEGER(serial_number, NULL) : NULL;
    X509 *certificate = X509_new();
    unsigned char *buffer = NULL;
    if (issuer == NULL || issuer_key == NULL || name == NULL || serial_integer == NULL || certificate == NULL) goto done;
    if (X509_set_version(certificate, 2) != 1 || X509_set_serialNumber(certificate, serial_integer) != 1) goto done;
    if (X509_set_subject_name(certificate, name) != 1 || X509_set_issuer_name(certificate, X509_get_subject_name(issuer)) != 1) goto done;
    if (ASN1_TIME_set(X509_getm_notBefore(certificate), (time_t)not_before) == NULL) goto done;
    if (ASN1_TIME_set(X509_getm_notAfter(certificate), (time_t)not_after) == NULL) goto done;
    if (X509_set_pubkey(certificate, (EVP_PKEY *)subject_key) != 1) goto done;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, certificate, NULL, NULL, 0);
    if (!add_extension(certificate, &ctx, NID_basic_constraints, "critical,CA:FALSE")) goto done;
    if (!add_extension(certificate, &ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation")) goto done;
    if (!add_extension(certificate, &ctx, NID_subject_key_identifier, "hash")) goto done;
    if (!add_extension(certificate, &ctx, NID_authority_key_identifier, "keyid:always")) goto done;
    if (X509_sign(certificate, issuer_key, EVP_sha256()) <= 0) goto done;
    int n = i2d_X509(certificate, &buffer);
    ok = copy_out(buffer, n, out, out_length);
done:
    OPENSSL_free(buffer);
    X509_free(certificate);
    ASN1_INTEGER_free(serial_integer);
    BN_free(serial_number);
    X509_NAME_free(name);
    EVP_PKEY_free(issuer_key);
    X509_free(issuer);
    return ok;
}

static int64_t seconds(const ASN1_TIME *time) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (ASN1_TIME_to_tm(time, &tm) != 1) return INT64_MIN;
    return (int64_t)timegm(&tm);
}

int csm2_read_certificate(const unsigned char *der, size_t length, const unsigned char *issuer_der, size_t issuer_length,
                          csm2_certificate *out) {
    memset(out, 0, sizeof *out);
    const unsigned char *p = der;
    X509 *certificate = d2i_X509(NULL, &p, (long)length);
    if (certificate == NULL || p != der + length) {
        X509_free(certificate);
        return 0;
    }
    int result = 0;
    X509 *issuer = NULL;
    BIGNUM *serial = NULL;
    EVP_PKEY *key = X509_get0_pubkey(certificate);
    if (key == NULL || !EVP_PKEY_is_a(key, "SM2")) goto done;
    result = -1;
    p = issuer_der;
    issuer = d2i_X509(NULL, &p, (long)issuer_length);
    if (issuer == NULL || X509_check_issued(issuer, certificate) != X509_V_OK) goto done;
    if (X509_verify(certificate, X509_get0_pubkey(issuer)) != 1) goto done;
    out->not_before = seconds(X509_get0_notBefore(certificate));
    out->not_after = seconds(X509_get0_notAfter(certificate));
    serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), NULL);
    unsigned char *name = NULL;
    int name_length = i2d_X509_NAME(X509_get_subject_name(certificate), &name);
    int ok = serial != NULL && out->not_before != INT64_MIN && out->not_after != INT64_MIN
             && copy_out(name, name_length, &out->subject, &out->subject_length);
    OPENSSL_free(name);
    if (!ok) goto done;
    out->serial_length = (size_t)BN_num_bytes(serial);
    out->serial = OPENSSL_malloc(out->serial_length > 0 ? out->serial_length : 1);
    if (out->serial == NULL) goto done;
    BN_bn2bin(serial, out->serial);
    EVP_PKEY_up_ref(key);
    out->key = key;
    result = 1;
done:
    if (result != 1) {
        OPENSSL_free(out->subject);
        OPENSSL_free(out->serial);
        memset(out, 0, sizeof *out);
    }
    BN_free(serial);
    X509_free(issuer);
    X509_free(certificate);
    return result;
}
