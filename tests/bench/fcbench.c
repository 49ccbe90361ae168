/* fcbench.c - the load generator and clients of `make bench` (tests/bench/run.sh).
 *
 * One single-threaded epoll program, HTTP/1.1 over plain TCP to 127.0.0.1, so the client
 * stays cheap next to the server on a small machine. Modes:
 *
 *   rate   open-loop load at a fixed request rate (like wrk2): request i is due at
 *          t0 + i/rate whatever happened before; latency is measured from that due time
 *          (so a stall is not hidden by coordinated omission) and from the actual send.
 *          Prints one JSON object with the percentiles.
 *   chat   C clients, each running chats back to back on its own conversation:
 *          POST /api/v1/conversations/{id}/messages, then GET the stream_url (SSE) on the
 *          same connection until `final`/`error`. Writes one JSON line per chat with
 *          the client-side timings (ns, monotonic), what its `tool` events said and the
 *          `final` event's data. --texts FILE gives the questions, one a line, taken in
 *          turn (client i's chat n asks line (i + n) mod lines); else --text.
 *   direct the same, straight against an OpenAI-compatible server (the mock provider):
 *          POST /v1/chat/completions with "stream":true, until `data: [DONE]`.
 *   idle   opens N SSE connections (GET PATH), waits for each one's response headers,
 *          prints "ready <n> <failed>" and holds them, reading whatever comes, until
 *          stdin closes or SIGTERM; then prints a JSON summary.
 *
 * Build: cc -O2 -o fcbench fcbench.c (run.sh does it). Linux only (epoll, timerfd). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("fcbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* Parses a decimal integer (0 when malformed; the arguments come from run.sh). */
static int to_int(const char *s)
{
    long v = strtol(s, NULL, 10);

    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int)v;
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n, sz);

    if (!p)
        die("out of memory");
    return p;
}

/* ---- options ---- */

static int opt_port = 8080;
static const char *opt_path = "/";
static char *opt_headers[16];
static int opt_nheaders;
static double opt_rate = 200;
static double opt_duration = 10, opt_warmup = 3;
static int opt_conns = 8, opt_max_conns = 256;
static int opt_clients = 1, opt_chats = 5, opt_warm_chats = 1;
static double opt_stagger = 1.0, opt_chat_timeout = 120;
static const char *opt_jobs, *opt_text = "How much did I spend this month?", *opt_model = "mock";
static const char *opt_key = "x"; /* direct: the bearer token (a finchat API key for the facade) */
static char **opt_texts;          /* --texts FILE: the questions, taken in turn */
static int opt_ntexts;
static int opt_n = 1000, opt_batch = 200;

static char extra_headers[4096];
static unsigned opt_run_id; /* distinguishes the trace ids of separate runs */

static double wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void build_extra_headers(void)
{
    size_t o = 0;

    for (int i = 0; i < opt_nheaders; i++) {
        int n = snprintf(extra_headers + o, sizeof(extra_headers) - o, "%s\r\n", opt_headers[i]);

        if (n < 0 || (size_t)n >= sizeof(extra_headers) - o)
            die("headers too long");
        o += (size_t)n;
    }
}

/* ---- sockets ---- */

static int connect_nb(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;

    if (fd < 0)
        return -1;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static int sock_error(int fd)
{
    int err = 0;
    socklen_t l = sizeof(err);

    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0)
        return errno;
    return err;
}

/* Writes all of @p (small requests: the socket buffer takes them at once). */
static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct timespec ts = {0, 100000};

                nanosleep(&ts, NULL);
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- HTTP/1.1 response parser (incremental; Content-Length, chunked, or until EOF) ---- */

enum { H_HEAD, H_LEN, H_CSIZE, H_CDATA, H_CCRLF, H_TRAILER, H_EOF, H_DONE };

struct hresp {
    int state;
    char head[16384];
    size_t hlen;
    int status;
    int keepalive;
    long long remaining;
    char line[128];
    size_t llen;
    /* body: passed to on_body, and the first bytes kept in body[] */
    void (*on_body)(void *ud, const char *p, size_t n);
    void *ud;
    char body[8192];
    size_t blen;
};

static void hresp_reset(struct hresp *r)
{
    r->state = H_HEAD;
    r->hlen = 0;
    r->status = 0;
    r->keepalive = 1;
    r->remaining = 0;
    r->llen = 0;
    r->blen = 0;
}

static const char *header_value(const char *head, const char *name)
{
    size_t nl = strlen(name);
    const char *p = strstr(head, "\r\n");

    while (p && p[2] != '\r') {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            p += nl + 1;
            while (*p == ' ' || *p == '\t')
                p++;
            return p;
        }
        p = strstr(p, "\r\n");
    }
    return NULL;
}

static void body_out(struct hresp *r, const char *p, size_t n)
{
    if (r->blen < sizeof(r->body) - 1) {
        size_t k = n < sizeof(r->body) - 1 - r->blen ? n : sizeof(r->body) - 1 - r->blen;

        memcpy(r->body + r->blen, p, k);
        r->blen += k;
        r->body[r->blen] = '\0';
    }
    if (r->on_body)
        r->on_body(r->ud, p, n);
}

/* Feeds bytes; returns 1 when the response is complete, 0 for more, -1 on a protocol
 * error. @eof: the peer closed (completes an until-EOF body). */
static int hresp_feed(struct hresp *r, const char *p, size_t n, int eof)
{
    while (n > 0 || (eof && r->state == H_EOF)) {
        switch (r->state) {
        case H_HEAD: {
            size_t k = 0;
            char *end;

            while (k < n && r->hlen < sizeof(r->head) - 1) {
                r->head[r->hlen++] = p[k++];
                if (r->hlen >= 4 && memcmp(r->head + r->hlen - 4, "\r\n\r\n", 4) == 0)
                    break;
            }
            r->head[r->hlen] = '\0';
            p += k;
            n -= k;
            end = r->hlen >= 4 ? strstr(r->head, "\r\n\r\n") : NULL;
            if (!end) {
                if (r->hlen >= sizeof(r->head) - 1)
                    return -1;
                return 0;
            }
            if (strncmp(r->head, "HTTP/1.", 7) != 0)
                return -1;
            r->status = to_int(r->head + 9);
            {
                const char *te = header_value(r->head, "transfer-encoding");
                const char *cl = header_value(r->head, "content-length");
                const char *cn = header_value(r->head, "connection");

                if (cn && strncasecmp(cn, "close", 5) == 0)
                    r->keepalive = 0;
                if (r->head[7] == '0' && !(cn && strncasecmp(cn, "keep-alive", 10) == 0))
                    r->keepalive = 0;
                if (te && strncasecmp(te, "chunked", 7) == 0) {
                    r->state = H_CSIZE;
                    r->llen = 0;
                } else if (cl) {
                    r->remaining = strtoll(cl, NULL, 10);
                    r->state = r->remaining > 0 ? H_LEN : H_DONE;
                } else if (r->status == 204 || r->status == 304) {
                    r->state = H_DONE;
                } else {
                    r->state = H_EOF;
                    r->keepalive = 0;
                }
            }
            if (r->state == H_DONE)
                return 1;
            break;
        }
        case H_LEN: {
            size_t k = (long long)n < r->remaining ? n : (size_t)r->remaining;

            body_out(r, p, k);
            p += k;
            n -= k;
            r->remaining -= (long long)k;
            if (r->remaining == 0) {
                r->state = H_DONE;
                return 1;
            }
            break;
        }
        case H_CSIZE:
        case H_CCRLF:
        case H_TRAILER: {
            char c = *p++;

            n--;
            if (c != '\n') {
                if (r->llen < sizeof(r->line) - 1)
                    r->line[r->llen++] = c;
                break;
            }
            r->line[r->llen] = '\0';
            if (r->llen && r->line[r->llen - 1] == '\r')
                r->line[--r->llen] = '\0';
            if (r->state == H_CCRLF) {
                r->state = H_CSIZE;
            } else if (r->state == H_CSIZE) {
                char *e;

                r->remaining = strtoll(r->line, &e, 16);
                if (e == r->line)
                    return -1;
                r->state = r->remaining ? H_CDATA : H_TRAILER;
            } else if (r->llen == 0) { /* end of trailers */
                r->state = H_DONE;
                return 1;
            }
            r->llen = 0;
            break;
        }
        case H_CDATA: {
            size_t k = (long long)n < r->remaining ? n : (size_t)r->remaining;

            body_out(r, p, k);
            p += k;
            n -= k;
            r->remaining -= (long long)k;
            if (r->remaining == 0) {
                r->state = H_CCRLF;
                r->llen = 0;
            }
            break;
        }
        case H_EOF:
            if (n) {
                body_out(r, p, n);
                p += n;
                n = 0;
            }
            if (eof) {
                r->state = H_DONE;
                return 1;
            }
            break;
        case H_DONE:
            return 1;
        }
    }
    return r->state == H_DONE ? 1 : 0;
}

/* ---- SSE parser: calls on_event(ud, event, data) at each blank line ---- */

struct sse {
    char line[65536];
    size_t llen;
    char event[64];
    char *data;
    size_t dlen, dcap;
    void (*on_event)(void *ud, const char *event, const char *data, size_t dlen);
    void *ud;
};

static void sse_reset(struct sse *s)
{
    s->llen = 0;
    s->event[0] = '\0';
    s->dlen = 0;
}

static void sse_line(struct sse *s)
{
    char *l = s->line;
    size_t n = s->llen;

    if (n && l[n - 1] == '\r')
        l[--n] = '\0';
    if (n == 0) {
        if (s->dlen || s->event[0]) {
            if (s->data)
                s->data[s->dlen] = '\0';
            s->on_event(s->ud, s->event[0] ? s->event : "message", s->data ? s->data : "", s->dlen);
        }
        s->event[0] = '\0';
        s->dlen = 0;
        return;
    }
    if (l[0] == ':')
        return;
    if (strncmp(l, "event:", 6) == 0) {
        const char *v = l + 6 + (l[6] == ' ');

        snprintf(s->event, sizeof(s->event), "%s", v);
    } else if (strncmp(l, "data:", 5) == 0) {
        const char *v = l + 5 + (l[5] == ' ');
        size_t vl = n - (size_t)(v - l);

        if (s->dlen + vl + 2 > s->dcap) {
            s->dcap = (s->dlen + vl + 2) * 2;
            s->data = realloc(s->data, s->dcap);
            if (!s->data)
                die("out of memory");
        }
        if (s->dlen)
            s->data[s->dlen++] = '\n';
        memcpy(s->data + s->dlen, v, vl);
        s->dlen += vl;
    }
}

static void sse_feed(void *ud, const char *p, size_t n)
{
    struct sse *s = ud;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            s->line[s->llen] = '\0';
            sse_line(s);
            s->llen = 0;
        } else if (s->llen < sizeof(s->line) - 1) {
            s->line[s->llen++] = p[i];
        }
    }
}

/* Copies the JSON string value of "key" in @json into @out (no unescaping needed for ids). */
static int json_str(const char *json, const char *key, char *out, size_t outlen)
{
    char pat[80];
    const char *p;
    size_t i = 0;

    snprintf(pat, sizeof(pat), "\"%s\"", key);
    p = strstr(json, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    while (*p == ' ' || *p == ':')
        p++;
    if (*p != '"')
        return -1;
    p++;
    while (*p && *p != '"' && i + 1 < outlen)
        out[i++] = *p++;
    out[i] = '\0';
    return 0;
}

/* Prints @s as a JSON string body (escaping quotes, backslashes and controls). */
static void json_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static double pct(const int64_t *v, size_t n, double q)
{
    size_t i;

    if (n == 0)
        return -1;
    i = (size_t)(q * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e6;
}

/* ================= rate: open-loop fixed-rate load ================= */

enum { C_FREE, C_CONNECTING, C_IDLE, C_BUSY };

struct rconn {
    int fd;
    int state;
    int64_t due, sent;
    struct hresp r;
};

static int mode_rate(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    struct rconn *c = xcalloc((size_t)opt_max_conns, sizeof(*c));
    size_t total = (size_t)((opt_duration + opt_warmup) * opt_rate) + 16;
    int64_t *queue = xcalloc(total, sizeof(int64_t));
    int64_t *lat = xcalloc(total, sizeof(int64_t)), *svc = xcalloc(total, sizeof(int64_t));
    size_t qh = 0, qt = 0, nlat = 0, sent = 0, done = 0;
    long errors = 0, non2xx = 0, conn_opened = 0, incomplete = 0, done_in_window = 0;
    int open = 0, busy = 0;
    char req[8192];
    int reqlen;
    int64_t t0, t_measure, t_end, interval = (int64_t)(1e9 / opt_rate), next;
    size_t i_next = 0;
    int64_t first_status_fail = 0;

    build_extra_headers();
    reqlen = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n", opt_path,
                      opt_port, extra_headers);
    if (ep < 0 || tfd < 0)
        die("epoll/timerfd: %s", strerror(errno));
    {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)-1};

        epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    }

#define OPEN_CONN()                                                                                \
    do {                                                                                           \
        for (int k_ = 0; k_ < opt_max_conns; k_++) {                                               \
            if (c[k_].state != C_FREE)                                                             \
                continue;                                                                          \
            c[k_].fd = connect_nb(opt_port);                                                       \
            if (c[k_].fd < 0) {                                                                    \
                errors++;                                                                          \
                break;                                                                             \
            }                                                                                      \
            c[k_].state = C_CONNECTING;                                                            \
            struct epoll_event ev_ = {.events = EPOLLOUT | EPOLLIN, .data.u64 = (uint64_t)k_};     \
            epoll_ctl(ep, EPOLL_CTL_ADD, c[k_].fd, &ev_);                                          \
            open++;                                                                                \
            conn_opened++;                                                                         \
            break;                                                                                 \
        }                                                                                          \
    } while (0)

    for (int k = 0; k < opt_conns && k < opt_max_conns; k++)
        OPEN_CONN();
    /* Let the initial connections settle before the clock starts. */
    {
        int64_t until = now_ns() + 200000000LL;

        while (now_ns() < until) {
            struct epoll_event evs[64];
            int n = epoll_wait(ep, evs, 64, 10);

            for (int e = 0; e < n; e++) {
                uint64_t k = evs[e].data.u64;

                if (k == (uint64_t)-1)
                    continue;
                if (c[k].state == C_CONNECTING) {
                    if (sock_error(c[k].fd) == 0) {
                        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = k};

                        c[k].state = C_IDLE;
                        epoll_ctl(ep, EPOLL_CTL_MOD, c[k].fd, &ev);
                    }
                }
            }
        }
    }
    t0 = now_ns();
    t_measure = t0 + (int64_t)(opt_warmup * 1e9);
    t_end = t_measure + (int64_t)(opt_duration * 1e9);
    next = t0;

    for (;;) {
        int64_t now = now_ns();
        struct epoll_event evs[256];
        int n;

        while (next <= now && next < t_end && qt < total) {
            queue[qt++] = next;
            i_next++;
            next = t0 + (int64_t)i_next * interval;
        }
        /* Dispatch due requests to idle connections; open more when all are busy. */
        for (int k = 0; k < opt_max_conns && qh < qt; k++) {
            if (c[k].state != C_IDLE)
                continue;
            c[k].due = queue[qh++];
            c[k].sent = now_ns();
            hresp_reset(&c[k].r);
            if (write_all(c[k].fd, req, (size_t)reqlen) != 0) {
                errors++;
                epoll_ctl(ep, EPOLL_CTL_DEL, c[k].fd, NULL);
                close(c[k].fd);
                c[k].state = C_FREE;
                open--;
                qh--; /* retry this one on another connection */
                continue;
            }
            c[k].state = C_BUSY;
            busy++;
            sent++;
        }
        if (qh < qt && open < opt_max_conns) {
            int connecting = 0;

            for (int k = 0; k < opt_max_conns; k++)
                connecting += c[k].state == C_CONNECTING;
            if ((size_t)connecting < qt - qh)
                OPEN_CONN();
        }
        if (next >= t_end && qh == qt && busy == 0)
            break;
        if (now > t_end + 10000000000LL) {
            /* 10 s grace for stragglers; what is still unanswered counts with the time it
             * has waited so far, so the percentiles become lower bounds, not survivors'. */
            for (size_t q = qh; q < qt; q++)
                if (queue[q] >= t_measure) {
                    lat[nlat] = now - queue[q];
                    svc[nlat] = 0;
                    nlat++;
                    incomplete++;
                }
            for (int k = 0; k < opt_max_conns; k++)
                if (c[k].state == C_BUSY && c[k].due >= t_measure) {
                    lat[nlat] = now - c[k].due;
                    svc[nlat] = now - c[k].sent;
                    nlat++;
                    incomplete++;
                }
            break;
        }
        {
            struct itimerspec its = {{0, 0}, {0, 0}};
            int64_t wake = next < t_end ? next : now + 50000000LL;

            its.it_value.tv_sec = wake / 1000000000LL;
            its.it_value.tv_nsec = wake % 1000000000LL;
            timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
        }
        n = epoll_wait(ep, evs, 256, 100);
        for (int e = 0; e < n; e++) {
            uint64_t k = evs[e].data.u64;
            struct rconn *cc;

            if (k == (uint64_t)-1) {
                uint64_t x;

                if (read(tfd, &x, sizeof(x)) < 0) {
                    /* spurious wake-up */
                }
                continue;
            }
            cc = &c[k];
            if (cc->state == C_CONNECTING) {
                if (sock_error(cc->fd) != 0) {
                    errors++;
                    epoll_ctl(ep, EPOLL_CTL_DEL, cc->fd, NULL);
                    close(cc->fd);
                    cc->state = C_FREE;
                    open--;
                } else {
                    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = k};

                    cc->state = C_IDLE;
                    epoll_ctl(ep, EPOLL_CTL_MOD, cc->fd, &ev);
                }
                continue;
            }
            for (;;) {
                char buf[65536];
                ssize_t r = read(cc->fd, buf, sizeof(buf));
                int st;

                if (r < 0 && errno == EINTR)
                    continue;
                if (r < 0 && errno == EAGAIN)
                    break;
                if (r <= 0) {
                    if (cc->state == C_BUSY) {
                        st = r == 0 ? hresp_feed(&cc->r, "", 0, 1) : -1;
                        if (st != 1) {
                            errors++;
                            busy--;
                        }
                    }
                    epoll_ctl(ep, EPOLL_CTL_DEL, cc->fd, NULL);
                    close(cc->fd);
                    cc->state = C_FREE;
                    open--;
                    break;
                }
                if (cc->state != C_BUSY)
                    continue; /* unexpected bytes on an idle connection: ignore */
                st = hresp_feed(&cc->r, buf, (size_t)r, 0);
                if (st < 0) {
                    errors++;
                    busy--;
                    epoll_ctl(ep, EPOLL_CTL_DEL, cc->fd, NULL);
                    close(cc->fd);
                    cc->state = C_FREE;
                    open--;
                    break;
                }
                if (st == 1) {
                    int64_t t = now_ns();

                    done++;
                    busy--;
                    if (cc->r.status < 200 || cc->r.status > 299) {
                        non2xx++;
                        if (!first_status_fail) {
                            first_status_fail = cc->r.status;
                            fprintf(stderr, "fcbench: %s -> HTTP %d: %.200s\n", opt_path,
                                    cc->r.status, cc->r.body);
                        }
                    }
                    if (t >= t_measure && t < t_end)
                        done_in_window++;
                    if (cc->due >= t_measure) {
                        lat[nlat] = t - cc->due;
                        svc[nlat] = t - cc->sent;
                        nlat++;
                    }
                    cc->state = C_IDLE;
                    if (!cc->r.keepalive) {
                        epoll_ctl(ep, EPOLL_CTL_DEL, cc->fd, NULL);
                        close(cc->fd);
                        cc->state = C_FREE;
                        open--;
                    }
                    break;
                }
            }
        }
    }
    qsort(lat, nlat, sizeof(int64_t), cmp_i64);
    qsort(svc, nlat, sizeof(int64_t), cmp_i64);
    {
        double mean = 0;

        for (size_t i = 0; i < nlat; i++)
            mean += (double)lat[i];
        mean = nlat ? mean / (double)nlat / 1e6 : -1;
        printf("{\"path\":\"");
        json_escape(stdout, opt_path);
        printf("\",\"rate\":%.1f,\"duration_s\":%.1f,\"warmup_s\":%.1f,\"count\":%zu,"
               "\"sent\":%zu,\"completed\":%zu,\"errors\":%ld,\"non2xx\":%ld,\"connections\":%ld,"
               "\"incomplete\":%ld,\"achieved_rps\":%.1f,"
               "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
               "\"mean_ms\":%.3f,\"service_p50_ms\":%.3f,\"service_p99_ms\":%.3f}\n",
               opt_rate, opt_duration, opt_warmup, nlat, sent, done, errors, non2xx, conn_opened,
               incomplete, (double)done_in_window / opt_duration, pct(lat, nlat, .5),
               pct(lat, nlat, .9), pct(lat, nlat, .99), pct(lat, nlat, .999),
               nlat ? (double)lat[nlat - 1] / 1e6 : -1, mean, pct(svc, nlat, .5),
               pct(svc, nlat, .99));
    }
    return 0;
}

/* ================= chat / direct: streaming clients ================= */

enum { S_WAIT, S_CONNECTING, S_POST, S_STREAM, S_DONE };

struct chat {
    int idx;
    int fd;
    int state;
    int64_t start_at; /* when to start the next chat */
    int chats_done;
    char token[2048];
    char conv[64];
    char rid[64];
    char stream_url[256]; /* non-empty: GET it once connected (the POST's connection closed) */
    struct hresp r;
    struct sse s;
    char trace[33];    /* trace id sent in traceparent, to find the chat in the mock's log */
    double wall_begin; /* Unix time of t_begin */
    /* timings of the current chat */
    int64_t t_begin, t_posted, t_hdr, t_start, t_first, t_last, t_end;
    long n_tokens, text_bytes;
    /* `tool` events: the first one's arrival, the last finished call's arrival, the
     * calls finished (status ok/error) and failed, the sum of their "ms" (the worker's
     * timing of each call), the highest "round" */
    int64_t t_tool_first, t_tool_done;
    long tool_calls, tool_errors, tool_ms_sum, tool_rounds;
    int q; /* index of the question asked (--texts), 0 with --text */
    int http_status;
    char outcome[32];
    char final_data[16384];
};

static int g_direct;
static FILE *g_out;
static int g_ep;
static int g_active;

static int chat_connect(struct chat *c);

/* An OpenAI chunk whose delta has a non-empty "content" string. */
static int has_content(const char *data)
{
    const char *p = strstr(data, "\"content\"");

    if (!p)
        return 0;
    p += 9;
    while (*p == ' ' || *p == ':')
        p++;
    return p[0] == '"' && p[1] != '"';
}

/* The integer value of member "@key" in the flat JSON object @data (-1 when absent). */
static long json_int_member(const char *data, const char *key)
{
    char pat[64];
    const char *p;

    snprintf(pat, sizeof(pat), "\"%s\":", key);
    p = strstr(data, pat);
    return p ? strtol(p + strlen(pat), NULL, 10) : -1;
}

/* A `tool` event: {"id","name","args","status":"running"|"ok"|"error","ms","label","round"}. */
static void chat_on_tool(struct chat *c, const char *data, int64_t t)
{
    long ms = json_int_member(data, "ms"), round = json_int_member(data, "round");

    if (!c->t_tool_first)
        c->t_tool_first = t;
    if (round > c->tool_rounds)
        c->tool_rounds = round;
    if (strstr(data, "\"status\":\"running\""))
        return;
    c->t_tool_done = t;
    c->tool_calls++;
    if (strstr(data, "\"status\":\"error\""))
        c->tool_errors++;
    if (ms > 0)
        c->tool_ms_sum += ms;
}

static void chat_on_event(void *ud, const char *event, const char *data, size_t dlen)
{
    struct chat *c = ud;
    int64_t t = now_ns();

    if (g_direct) {
        if (strcmp(data, "[DONE]") == 0) {
            snprintf(c->outcome, sizeof(c->outcome), "ok");
            return;
        }
        /* one chunk: count it as a token when it carries content */
        if (has_content(data)) {
            if (!c->t_first)
                c->t_first = t;
            c->t_last = t;
            c->n_tokens++;
            c->text_bytes += (long)dlen;
        }
        if (strstr(data, "\"usage\"") && dlen < sizeof(c->final_data))
            memcpy(c->final_data, data, dlen + 1);
        return;
    }
    if (strcmp(event, "token") == 0) {
        if (!c->t_first)
            c->t_first = t;
        c->t_last = t;
        c->n_tokens++;
        c->text_bytes += dlen > 10 ? (long)dlen - 11 : 0; /* minus {"text":""} */
    } else if (strcmp(event, "tool") == 0) {
        chat_on_tool(c, data, t);
    } else if (strcmp(event, "start") == 0) {
        if (!c->t_start)
            c->t_start = t;
    } else if (strcmp(event, "reset") == 0) {
        c->t_first = 0;
        c->n_tokens = 0;
        c->text_bytes = 0;
    } else if (strcmp(event, "final") == 0 || strcmp(event, "error") == 0) {
        snprintf(c->outcome, sizeof(c->outcome), "%s", event[0] == 'f' ? "ok" : "error");
        if (dlen < sizeof(c->final_data))
            memcpy(c->final_data, data, dlen + 1);
    }
}

static void chat_close(struct chat *c)
{
    if (c->fd >= 0) {
        epoll_ctl(g_ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
}

static void chat_record(struct chat *c)
{
    int warm = c->chats_done < opt_warm_chats;

    c->t_end = now_ns();
    fprintf(g_out,
            "{\"client\":%d,\"n\":%d,\"warmup\":%s,\"outcome\":\"%s\",\"http_status\":%d,"
            "\"request_id\":\"%s\",\"trace\":\"%s\",\"wall_begin\":%.6f,\"t_begin\":%lld,\"post_"
            "ms\":%.3f,\"headers_ms\":%.3f,"
            "\"start_ms\":%.3f,\"ttft_ms\":%.3f,\"last_ms\":%.3f,\"total_ms\":%.3f,"
            "\"tokens\":%ld,\"text_bytes\":%ld,\"q\":%d,\"tool_calls\":%ld,\"tool_errors\":%ld,"
            "\"tool_ms\":%ld,\"tool_rounds\":%ld,\"tool_first_ms\":%.3f,\"tool_done_ms\":%.3f,"
            "\"final\":",
            c->idx, c->chats_done, warm ? "true" : "false", c->outcome[0] ? c->outcome : "none",
            c->http_status, c->rid, c->trace, c->wall_begin, (long long)c->t_begin,
            c->t_posted ? (double)(c->t_posted - c->t_begin) / 1e6 : -1,
            c->t_hdr ? (double)(c->t_hdr - c->t_begin) / 1e6 : -1,
            c->t_start ? (double)(c->t_start - c->t_begin) / 1e6 : -1,
            c->t_first ? (double)(c->t_first - c->t_begin) / 1e6 : -1,
            c->t_last ? (double)(c->t_last - c->t_begin) / 1e6 : -1,
            (double)(c->t_end - c->t_begin) / 1e6, c->n_tokens, c->text_bytes, c->q, c->tool_calls,
            c->tool_errors, c->tool_ms_sum, c->tool_rounds,
            c->t_tool_first ? (double)(c->t_tool_first - c->t_begin) / 1e6 : -1,
            c->t_tool_done ? (double)(c->t_tool_done - c->t_begin) / 1e6 : -1);
    if (c->final_data[0] == '{')
        fputs(c->final_data, g_out);
    else {
        fputc('"', g_out);
        json_escape(g_out, c->final_data);
        fputc('"', g_out);
    }
    fputs("}\n", g_out);
    fflush(g_out);
    c->chats_done++;
}

static void chat_send(struct chat *c, const char *reqbuf, size_t len)
{
    if (write_all(c->fd, reqbuf, len) != 0) {
        snprintf(c->outcome, sizeof(c->outcome), "write_failed");
    }
}

static void chat_post(struct chat *c)
{
    char body[8192], req[16384];
    int bl, rl;

    if (g_direct) {
        bl = snprintf(
            body, sizeof(body),
            "{\"model\":\"%s\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            "\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}",
            opt_model, opt_text);
        rl = snprintf(req, sizeof(req),
                      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                      "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                      "Accept: text/event-stream\r\ntraceparent: 00-%s-00000000000000a1-01\r\n"
                      "Content-Length: %d\r\n%s\r\n%s",
                      opt_port, opt_key, c->trace, bl, extra_headers, body);
        c->state = S_STREAM;
        hresp_reset(&c->r);
        c->r.on_body = sse_feed;
        c->r.ud = &c->s;
        sse_reset(&c->s);
    } else {
        bl = snprintf(body, sizeof(body), "{\"text\":\"%s\"}",
                      opt_ntexts ? opt_texts[c->q] : opt_text);
        rl = snprintf(req, sizeof(req),
                      "POST /api/v1/conversations/%s/messages HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                      "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                      "traceparent: 00-%s-00000000000000a1-01\r\nContent-Length: %d\r\n%s\r\n%s",
                      c->conv, opt_port, c->token, c->trace, bl, extra_headers, body);
        c->state = S_POST;
        hresp_reset(&c->r);
        c->r.on_body = NULL;
    }
    chat_send(c, req, (size_t)rl);
}

static void chat_get_stream(struct chat *c, const char *url)
{
    char req[4096];
    int rl = snprintf(req, sizeof(req),
                      "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
                      "Accept: text/event-stream\r\n%s\r\n",
                      url, opt_port, c->token, extra_headers);

    c->state = S_STREAM;
    hresp_reset(&c->r);
    c->r.on_body = sse_feed;
    c->r.ud = &c->s;
    sse_reset(&c->s);
    chat_send(c, req, (size_t)rl);
}

static void chat_begin(struct chat *c)
{
    snprintf(c->trace, sizeof(c->trace), "bec0%08x%010x%010x", opt_run_id, (unsigned)c->idx,
             (unsigned)c->chats_done);
    c->wall_begin = wall_now();
    c->t_begin = now_ns();
    c->t_posted = c->t_hdr = c->t_start = c->t_first = c->t_last = c->t_end = 0;
    c->n_tokens = c->text_bytes = 0;
    c->t_tool_first = c->t_tool_done = 0;
    c->tool_calls = c->tool_errors = c->tool_ms_sum = c->tool_rounds = 0;
    c->q = opt_ntexts ? (c->idx + c->chats_done) % opt_ntexts : 0;
    c->http_status = 0;
    c->outcome[0] = '\0';
    c->final_data[0] = '\0';
    c->rid[0] = '\0';
    c->stream_url[0] = '\0';
    if (c->fd < 0) {
        if (chat_connect(c) != 0) {
            snprintf(c->outcome, sizeof(c->outcome), "connect_failed");
            chat_record(c);
            c->start_at = now_ns() + 100000000LL;
            c->state = S_WAIT;
        }
        return;
    }
    chat_post(c);
}

static void chat_finish(struct chat *c)
{
    chat_record(c);
    if (!c->r.keepalive || strcmp(c->outcome, "ok") != 0 || c->r.state != H_DONE)
        chat_close(c);
    if (c->chats_done >= opt_warm_chats + opt_chats) {
        chat_close(c);
        c->state = S_DONE;
        g_active--;
        return;
    }
    c->state = S_WAIT;
    c->start_at = now_ns();
}

static int chat_connect(struct chat *c)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};

    c->fd = connect_nb(opt_port);
    if (c->fd < 0)
        return -1;
    epoll_ctl(g_ep, EPOLL_CTL_ADD, c->fd, &ev);
    c->state = S_CONNECTING;
    return 0;
}

/* A complete response arrived (@closed: the connection is gone with it). */
static void chat_response(struct chat *c, int closed)
{
    if (c->state == S_POST) {
        char url[256];

        c->t_posted = now_ns();
        c->http_status = c->r.status;
        if (c->r.status != 202 || json_str(c->r.body, "request_id", c->rid, sizeof(c->rid))) {
            snprintf(c->outcome, sizeof(c->outcome), "post_%d", c->r.status);
            snprintf(c->final_data, sizeof(c->final_data), "%.300s", c->r.body);
            chat_finish(c);
            return;
        }
        if (json_str(c->r.body, "stream_url", url, sizeof(url)))
            snprintf(url, sizeof(url), "/api/v1/streams/%s", c->rid);
        if (closed || !c->r.keepalive) {
            /* The 202 ended the connection: open another one for the stream. */
            chat_close(c);
            snprintf(c->stream_url, sizeof(c->stream_url), "%s", url);
            if (chat_connect(c) != 0) {
                snprintf(c->outcome, sizeof(c->outcome), "connect_failed");
                chat_finish(c);
            }
            return;
        }
        chat_get_stream(c, url);
        return;
    }
    /* the stream's response is complete */
    if (!c->outcome[0])
        snprintf(c->outcome, sizeof(c->outcome), "ended_%d", c->r.status);
    if (c->r.status != 200 && c->final_data[0] == '\0')
        snprintf(c->final_data, sizeof(c->final_data), "%.300s", c->r.body);
    if (closed)
        c->r.keepalive = 0;
    chat_finish(c);
}

static void chat_readable(struct chat *c)
{
    for (;;) {
        char buf[65536];
        ssize_t r = read(c->fd, buf, sizeof(buf));
        int st;

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        if (r <= 0) {
            st = r == 0 ? hresp_feed(&c->r, "", 0, 1) : -1;
            if (st == 1) {
                chat_response(c, 1);
                return;
            }
            if (!c->outcome[0])
                snprintf(c->outcome, sizeof(c->outcome), "closed");
            c->r.keepalive = 0;
            chat_finish(c);
            return;
        }
        st = hresp_feed(&c->r, buf, (size_t)r, 0);
        if (c->state == S_STREAM && !c->t_hdr && c->r.state != H_HEAD) {
            c->t_hdr = now_ns();
            c->http_status = c->r.status;
        }
        if (st < 0) {
            snprintf(c->outcome, sizeof(c->outcome), "bad_http");
            c->r.keepalive = 0;
            chat_finish(c);
            return;
        }
        if (st == 1) {
            int was_post = c->state == S_POST;

            chat_response(c, 0);
            if (!was_post || c->state != S_STREAM)
                return;
        }
    }
}

static int mode_chat(void)
{
    struct chat *cs = xcalloc((size_t)opt_clients, sizeof(*cs));
    FILE *jf = NULL;
    int64_t t0, deadline;

    build_extra_headers();
    g_out = stdout;
    g_ep = epoll_create1(EPOLL_CLOEXEC);
    if (!g_direct) {
        char line[4096];
        int i = 0;

        if (!opt_jobs || !(jf = fopen(opt_jobs, "r")))
            die("chat: --jobs FILE (lines: TOKEN CONVERSATION_ID) required");
        while (i < opt_clients && fgets(line, sizeof(line), jf)) {
            if (sscanf(line, "%2047s %63s", cs[i].token, cs[i].conv) == 2)
                i++;
        }
        fclose(jf);
        if (i < opt_clients)
            die("chat: %d clients but only %d jobs", opt_clients, i);
    }
    t0 = now_ns();
    for (int i = 0; i < opt_clients; i++) {
        cs[i].idx = i;
        cs[i].fd = -1;
        cs[i].state = S_WAIT;
        cs[i].s.on_event = chat_on_event;
        cs[i].s.ud = &cs[i];
        cs[i].start_at =
            t0 + (int64_t)(opt_stagger * 1e9 * i / (opt_clients > 1 ? opt_clients : 1));
    }
    g_active = opt_clients;
    deadline =
        t0 + (int64_t)((opt_stagger + opt_chat_timeout * (opt_chats + opt_warm_chats)) * 1e9);
    while (g_active > 0) {
        struct epoll_event evs[512];
        int64_t now = now_ns(), wake = now + 100000000LL;
        int n;

        for (int i = 0; i < opt_clients; i++) {
            struct chat *c = &cs[i];

            if (c->state == S_WAIT) {
                if (c->start_at <= now)
                    chat_begin(c);
                else if (c->start_at < wake)
                    wake = c->start_at;
            } else if (c->state != S_DONE && now - c->t_begin > (int64_t)(opt_chat_timeout * 1e9)) {
                snprintf(c->outcome, sizeof(c->outcome), "timeout");
                c->r.keepalive = 0;
                chat_finish(c);
            }
        }
        if (now > deadline)
            break;
        n = epoll_wait(g_ep, evs, 512, (int)((wake - now) / 1000000LL) + 1);
        for (int e = 0; e < n; e++) {
            struct chat *c = evs[e].data.ptr;

            if (c->state == S_CONNECTING) {
                if (sock_error(c->fd) != 0) {
                    snprintf(c->outcome, sizeof(c->outcome), "connect_failed");
                    c->r.keepalive = 0;
                    chat_finish(c);
                    continue;
                }
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

                epoll_ctl(g_ep, EPOLL_CTL_MOD, c->fd, &ev);
                if (c->stream_url[0])
                    chat_get_stream(c, c->stream_url);
                else
                    chat_post(c);
                continue;
            }
            if (c->state == S_POST || c->state == S_STREAM)
                chat_readable(c);
        }
    }
    return 0;
}

/* ================= idle: hold N SSE connections ================= */

static volatile sig_atomic_t g_stop;

static void on_stop(int sig)
{
    (void)sig;
    g_stop = 1;
}

struct iconn {
    int fd;
    int state; /* 0 free, 1 connecting, 2 waiting headers, 3 established, 4 failed */
    struct hresp r;
};

static int mode_idle(void)
{
    struct iconn *c = xcalloc((size_t)opt_n, sizeof(*c));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    char req[8192];
    int reqlen, next = 0, pending = 0, established = 0, failed = 0, closed_later = 0;
    long long bytes_after = 0;
    int64_t t0 = now_ns(), t_ready = 0;
    char first_fail[256] = "";
    struct rlimit rl;

    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t)opt_n + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        if (rl.rlim_cur < (rlim_t)opt_n + 64)
            die("idle: RLIMIT_NOFILE %lu < %d", (unsigned long)rl.rlim_cur, opt_n + 64);
    }
    build_extra_headers();
    reqlen =
        snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n%s\r\n",
                 opt_path, opt_port, extra_headers);
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
    signal(SIGPIPE, SIG_IGN);
    fcntl(0, F_SETFL, O_NONBLOCK);
    {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)-1};

        epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
    }
    while (!g_stop) {
        struct epoll_event evs[512];
        int n;

        while (next < opt_n && pending < opt_batch) {
            struct iconn *k = &c[next];
            struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u64 = (uint64_t)next};

            k->fd = connect_nb(opt_port);
            if (k->fd < 0) {
                k->state = 4;
                failed++;
                if (!first_fail[0])
                    snprintf(first_fail, sizeof(first_fail), "connect: %s", strerror(errno));
                next++;
                continue;
            }
            k->state = 1;
            hresp_reset(&k->r);
            epoll_ctl(ep, EPOLL_CTL_ADD, k->fd, &ev);
            pending++;
            next++;
        }
        if (!t_ready && next >= opt_n && pending == 0) {
            t_ready = now_ns();
            printf("ready %d %d %.3f\n", established, failed, (double)(t_ready - t0) / 1e9);
            fflush(stdout);
        }
        n = epoll_wait(ep, evs, 512, 200);
        for (int e = 0; e < n; e++) {
            uint64_t i = evs[e].data.u64;
            struct iconn *k;

            if (i == (uint64_t)-1) {
                char b[256];
                ssize_t r = read(0, b, sizeof(b));

                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
                    g_stop = 1;
                continue;
            }
            k = &c[i];
            if (k->state == 1) {
                int err = sock_error(k->fd);

                if (err) {
                    if (!first_fail[0])
                        snprintf(first_fail, sizeof(first_fail), "connect: %s", strerror(err));
                    goto fail;
                }
                {
                    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};

                    epoll_ctl(ep, EPOLL_CTL_MOD, k->fd, &ev);
                }
                if (write_all(k->fd, req, (size_t)reqlen) != 0) {
                    if (!first_fail[0])
                        snprintf(first_fail, sizeof(first_fail), "write: %s", strerror(errno));
                    goto fail;
                }
                k->state = 2;
                continue;
            }
            for (;;) {
                char buf[16384];
                ssize_t r = read(k->fd, buf, sizeof(buf));

                if (r < 0 && errno == EINTR)
                    continue;
                if (r < 0 && errno == EAGAIN)
                    break;
                if (r <= 0) {
                    if (k->state == 3) {
                        closed_later++;
                        established--;
                        epoll_ctl(ep, EPOLL_CTL_DEL, k->fd, NULL);
                        close(k->fd);
                        k->fd = -1;
                        k->state = 4;
                        failed++;
                        if (!first_fail[0])
                            snprintf(first_fail, sizeof(first_fail),
                                     "an established stream was closed by the server");
                        break;
                    }
                    if (!first_fail[0])
                        snprintf(first_fail, sizeof(first_fail), "closed before headers");
                    goto fail;
                }
                if (k->state == 3) {
                    bytes_after += r;
                    continue;
                }
                if (hresp_feed(&k->r, buf, (size_t)r, 0) < 0) {
                    if (!first_fail[0])
                        snprintf(first_fail, sizeof(first_fail), "bad HTTP response");
                    goto fail;
                }
                if (k->r.state != H_HEAD) {
                    if (k->r.status != 200) {
                        if (!first_fail[0])
                            snprintf(first_fail, sizeof(first_fail), "HTTP %d %.150s", k->r.status,
                                     k->r.body);
                        goto fail;
                    }
                    k->state = 3;
                    established++;
                    pending--;
                }
            }
            continue;
        fail:
            epoll_ctl(ep, EPOLL_CTL_DEL, k->fd, NULL);
            close(k->fd);
            k->fd = -1;
            if (k->state == 1 || k->state == 2)
                pending--;
            k->state = 4;
            failed++;
        }
    }
    printf("{\"requested\":%d,\"established\":%d,\"failed\":%d,\"closed_by_server\":%d,"
           "\"open_s\":%.3f,\"bytes_received_after_headers\":%lld,\"first_failure\":\"",
           opt_n, established, failed, closed_later, t_ready ? (double)(t_ready - t0) / 1e9 : -1,
           bytes_after);
    json_escape(stdout, first_fail);
    printf("\"}\n");
    fflush(stdout);
    for (int i = 0; i < opt_n; i++)
        if (c[i].fd > 0)
            close(c[i].fd);
    return 0;
}

/* ---- main ---- */

/* --texts FILE: one question a line (no '"' or '\\': they go into the JSON body as is). */
static void read_texts(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];

    if (!f)
        die("--texts %s: cannot open", path);
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        if (strpbrk(line, "\"\\"))
            die("--texts %s: a question with '\"' or '\\': %s", path, line);
        opt_texts = realloc(opt_texts, (size_t)(opt_ntexts + 1) * sizeof(*opt_texts));
        if (!opt_texts || !(opt_texts[opt_ntexts] = strdup(line)))
            die("out of memory");
        opt_ntexts++;
    }
    fclose(f);
    if (!opt_ntexts)
        die("--texts %s: no questions", path);
}

static void usage(void)
{
    fprintf(
        stderr,
        "usage: fcbench rate   --port P --path PATH [-H 'Name: v'] --rate R --duration S "
        "--warmup S [--conns N --max-conns N]\n"
        "       fcbench chat   --port P --jobs FILE --clients C --chats N [--warm-chats N "
        "--stagger S --text T | --texts FILE --timeout S]\n"
        "       fcbench direct --port P --model M --clients C --chats N [--key K --warm-chats N "
        "--stagger S --text T]\n"
        "       fcbench idle   --port P --path PATH [-H 'Name: v'] -n N [--batch B]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *mode;

    if (argc < 2)
        usage();
    mode = argv[1];
    signal(SIGPIPE, SIG_IGN);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

#define ARG(name) (strcmp(a, name) == 0 && v && (i++, 1))
        if (ARG("--port"))
            opt_port = to_int(v);
        else if (ARG("--path"))
            opt_path = v;
        else if (ARG("-H")) {
            if (opt_nheaders < 16)
                opt_headers[opt_nheaders++] = (char *)v;
        } else if (ARG("--rate"))
            opt_rate = strtod(v, NULL);
        else if (ARG("--duration"))
            opt_duration = strtod(v, NULL);
        else if (ARG("--warmup"))
            opt_warmup = strtod(v, NULL);
        else if (ARG("--conns"))
            opt_conns = to_int(v);
        else if (ARG("--max-conns"))
            opt_max_conns = to_int(v);
        else if (ARG("--clients"))
            opt_clients = to_int(v);
        else if (ARG("--chats"))
            opt_chats = to_int(v);
        else if (ARG("--warm-chats"))
            opt_warm_chats = to_int(v);
        else if (ARG("--stagger"))
            opt_stagger = strtod(v, NULL);
        else if (ARG("--timeout"))
            opt_chat_timeout = strtod(v, NULL);
        else if (ARG("--jobs"))
            opt_jobs = v;
        else if (ARG("--text"))
            opt_text = v;
        else if (ARG("--texts"))
            read_texts(v);
        else if (ARG("--model"))
            opt_model = v;
        else if (ARG("--key"))
            opt_key = v;
        else if (ARG("-n"))
            opt_n = to_int(v);
        else if (ARG("--batch"))
            opt_batch = to_int(v);
        else if (ARG("--run-id"))
            opt_run_id = (unsigned)strtoul(v, NULL, 16);
        else
            usage();
#undef ARG
    }
    if (strcmp(mode, "rate") == 0)
        return mode_rate();
    if (strcmp(mode, "chat") == 0)
        return mode_chat();
    if (strcmp(mode, "direct") == 0) {
        g_direct = 1;
        return mode_chat();
    }
    if (strcmp(mode, "idle") == 0)
        return mode_idle();
    usage();
    return 2;
}
