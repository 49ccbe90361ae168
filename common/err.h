/* err.h - the project's error codes: functions return 0 or one of these negatives. */
#ifndef FINCHAT_ERR_H
#define FINCHAT_ERR_H

enum {
    FC_OK = 0,
    FC_EINVAL = -1,    /* malformed input or argument */
    FC_ENOTFOUND = -2, /* no such object (or not the caller's) */
    FC_ECONFLICT = -3, /* already exists / state conflict */
    FC_EAUTH = -4,     /* missing or bad credentials */
    FC_EPERM = -5,     /* authenticated but not allowed */
    FC_ETOOBIG = -6,   /* input larger than its limit */
    FC_EDEP = -7,      /* a dependency (PostgreSQL, Kafka, MongoDB, provider) failed */
    FC_ETIMEDOUT = -8, /* a deadline passed */
    FC_EIO = -9,       /* an operating-system call failed */
    FC_ERATE = -10,    /* rate limit or budget exceeded */
    FC_EREJECT = -11,  /* content rejected by a policy */
    FC_ECANCELED = -12,
    FC_ERR_MIN = -12
};

/* Returns a static, human-readable description of @code; never NULL. */
const char *err_str(int code);
/* Returns the snake_case identifier of @code used in API error bodies. */
const char *err_name(int code);

#endif
