/* Unit tests for secretbox.c: round trip, tampering, wrong key, wrong aad, bad keys. */
#include "test.h"
#include "common/secretbox.h"

static const char *hexkey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static void test_roundtrip_and_tamper(void)
{
    unsigned char key[32], key2[32], sealed[128], sealed2[128], opened[128];
    const char *msg = "access-sandbox-1234";
    size_t len = strlen(msg), olen = 0;

    CHECK_EQ_INT(secretbox_key(hexkey, key), 0);
    CHECK_EQ_INT(secretbox_seal(key, "user-1", (const unsigned char *)msg, len, sealed), 0);
    CHECK(memmem(sealed, len + SECRETBOX_OVERHEAD, msg, len) == NULL);
    CHECK_EQ_INT(secretbox_open(key, "user-1", sealed, len + SECRETBOX_OVERHEAD, opened, &olen), 0);
    CHECK_EQ_INT(olen, len);
    CHECK(memcmp(opened, msg, len) == 0);
    /* Fresh nonce each time. */
    CHECK_EQ_INT(secretbox_seal(key, "user-1", (const unsigned char *)msg, len, sealed2), 0);
    CHECK(memcmp(sealed, sealed2, len + SECRETBOX_OVERHEAD) != 0);
    /* Another owner, a flipped bit, a truncation or another key: refused. */
    CHECK(secretbox_open(key, "user-2", sealed, len + SECRETBOX_OVERHEAD, opened, &olen) != 0);
    sealed[14] ^= 1;
    CHECK(secretbox_open(key, "user-1", sealed, len + SECRETBOX_OVERHEAD, opened, &olen) != 0);
    sealed[14] ^= 1;
    CHECK(secretbox_open(key, "user-1", sealed, 20, opened, &olen) != 0);
    memcpy(key2, key, 32);
    key2[0] ^= 1;
    CHECK(secretbox_open(key2, "user-1", sealed, len + SECRETBOX_OVERHEAD, opened, &olen) != 0);
}

static void test_bad_keys(void)
{
    unsigned char key[32];

    CHECK(secretbox_key("abc", key) != 0);
    CHECK(secretbox_key(NULL, key) != 0);
    CHECK(secretbox_key("zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", key) !=
          0);
}

TEST_MAIN(test_roundtrip_and_tamper, test_bad_keys)
