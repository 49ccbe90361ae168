/* password.c - Argon2id hashing with fixed, documented costs. */
#include "api-gateway/auth/password.h"

#include "err.h"

#include <argon2.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Costs: 3 passes over 19 MiB, one lane (OWASP's Argon2id minimum profile). */
#define T_COST 3
#define M_COST (19 * 1024)
#define LANES 1
#define SALT_LEN 16
#define HASH_LEN 32

int password_hash(const char *pw, char *out, size_t outlen)
{
    unsigned char salt[SALT_LEN];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return FC_EIO;
    n = read(fd, salt, sizeof(salt));
    close(fd);
    if (n != (ssize_t)sizeof(salt))
        return FC_EIO;
    if (argon2id_hash_encoded(T_COST, M_COST, LANES, pw, strlen(pw), salt, SALT_LEN, HASH_LEN, out,
                              outlen) != ARGON2_OK)
        return FC_EINVAL;
    return 0;
}

bool password_verify(const char *encoded, const char *pw)
{
    return argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK;
}
