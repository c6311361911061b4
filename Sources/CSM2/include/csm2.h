#ifndef CITYHUB_CSM2_H
#define CITYHUB_CSM2_H

#include <stddef.h>
#include <stdint.h>

/* SM2 signatures with SM3 (GB/T 32918, GB/T 38540) through the system's OpenSSL 3, and X.509
   certificates that carry an SM2 key. OpenSSL's own headers stay inside csm2.c: Swift sees
   only these functions and an opaque key. Every signature is computed with the standard
   distinguishing identifier 1234567812345678 (GB/T 35276). */

/* An OpenSSL EVP_PKEY holding an SM2 key (private or public only). */
typedef struct evp_pkey_st csm2_key;

/* A new SM2 key pair, or NULL. */
csm2_key *csm2_generate(void);
/* The private key as PKCS#8 DER (malloc'd into *der; free with csm2_free). 1 on success. */
int csm2_private_der(const csm2_key *key, unsigned char **der, size_t *length);
/* A private key from PKCS#8 DER; NULL unless it is an SM2 key. */
csm2_key *csm2_private_key(const unsigned char *der, size_t length);
/* The public key as SubjectPublicKeyInfo DER (malloc'd). 1 on success. */
int csm2_public_der(const csm2_key *key, unsigned char **der, size_t *length);
/* A public key from SubjectPublicKeyInfo DER; NULL unless it is an SM2 key. */
csm2_key *csm2_public_key(const unsigned char *der, size_t length);
void csm2_key_free(csm2_key *key);
void csm2_free(void *pointer);

/* Signs `message` (SM3 over Z ‖ message); writes r ‖ s, 64 bytes. 1 on success. */
int csm2_sign(const csm2_key *key, const unsigned char *message, size_t length, unsigned char signature[64]);
/* 1 when `signature` (r ‖ s, 64 bytes) is the key's over `message`; 0 otherwise. */
int csm2_verify(const csm2_key *key, const unsigned char *message, size_t length, const unsigned char signature[64]);
/* The same check for a DER ECDSA-Sig-Value signature (for the benchmark's raw baseline and GB/T 38540). */
int csm2_verify_der(const csm2_key *key, const unsigned char *message, size_t length, const unsigned char *signature, size_t signatureLength);
/* r ‖ s as a DER ECDSA-Sig-Value (malloc'd). 1 on success. */
int csm2_signature_der(const unsigned char signature[64], unsigned char **der, size_t *length);

/* SM3 of `message` (GB/T 32905): 32 bytes. 1 on success. */
int csm2_sm3(const unsigned char *message, size_t length, unsigned char digest[32]);

/* An X.509 v3 end-entity certificate for `subject_key` (SM2), issued by the CA in `issuer_der`
   with its private key `issuer_key_der` (PKCS#8: the city root's ECDSA P-256 key, so the
   certificate is signed ecdsa-with-SHA256). `subject_name` is a DER Name. Extensions: basic
   constraints CA:FALSE and key usage digitalSignature, nonRepudiation (both critical), subject
   and authority key identifiers. 1 on success; the DER is malloc'd into *out. */
int csm2_issue_certificate(const csm2_key *subject_key, const unsigned char *subject_name, size_t subject_name_length,
                           const unsigned char *serial, size_t serial_length, int64_t not_before, int64_t not_after,
                           const unsigned char *issuer_der, size_t issuer_length,
                           const unsigned char *issuer_key_der, size_t issuer_key_length,
                           unsigned char **out, size_t *out_length);

/* What a certificate with an SM2 key says, read and checked against its issuer. */
typedef struct {
    csm2_key *key;                /* the SM2 public key (free with csm2_key_free) */
    unsigned char *subject;       /* the subject Name, DER (free with csm2_free) */
    size_t subject_length;
    unsigned char *serial;        /* the serial number's bytes, big-endian (free with csm2_free) */
    size_t serial_length;
    int64_t not_before, not_after;
} csm2_certificate;

/* Reads `der`. Returns 1 when it is a certificate with an SM2 key that `issuer_der` issued and
   signed; 0 when it is not readable or its key is not SM2; -1 when `issuer_der` did not issue
   it (name, key identifier or signature). */
int csm2_read_certificate(const unsigned char *der, size_t length, const unsigned char *issuer_der, size_t issuer_length,
                          csm2_certificate *out);

#endif
