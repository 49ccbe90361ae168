/* importer.c - CSV and OFX statement parsers (see importer.h for the accepted dialects). */
#include "api-gateway/ingest/importer.h"

#include "err.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"
#include "api-gateway/finance/finance_calc.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Returns a cleaned copy of @n bytes at @p (caller frees): UTF-8 kept, other bytes read as
 * Latin-1, controls and C1 bytes as spaces, white space folded and trimmed, at most @max
 * bytes (cut on a code point), ASCII lower-cased when @lower. */
static char *clean_text(const char *p, size_t n, size_t max, bool lower)
{
    char *out = xmalloc(2 * n + 1);
    size_t o = 0, i = 0;
    bool space = true; /* drops leading white space */

    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        int k = utf8_decode(p + i, n - i, NULL);
        char enc[4];
        size_t enclen;

        if (k == 1 && (c < 0x20 || c == 0x7f)) {
            c = ' ';
            enc[0] = ' ';
            enclen = 1;
        } else if (k >= 1) {
            memcpy(enc, p + i, (size_t)k);
            enclen = (size_t)k;
            if (lower && c >= 'A' && c <= 'Z')
                enc[0] = (char)(c - 'A' + 'a');
        } else if (c >= 0xa0) {
            enclen = utf8_encode(c, enc);
            k = 1;
        } else {
            c = ' ';
            enc[0] = ' ';
            enclen = 1;
            k = 1;
        }
        i += (size_t)k;
        if (enc[0] == ' ' && enclen == 1) {
            if (space)
                continue;
            space = true;
        } else {
            space = false;
        }
        if (o + enclen > max)
            break;
        memcpy(out + o, enc, enclen);
        o += enclen;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return out;
}

int importer_parse_amount(const char *s, char dec, char group, int64_t *out)
{
    const char *p = s;
    bool neg = false, paren = false, seen_digit = false;
    int64_t whole = 0, frac = 0;
    int fdigits = 0, run = 0, groups = 0;

    while (*p == ' ')
        p++;
    if (*p == '(') {
        paren = true;
        p++;
    }
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    if (*p == '$')
        p++;
    else if (strncmp(p, "€", strlen("€")) == 0)
        p += strlen("€");
    else if (strncmp(p, "£", strlen("£")) == 0)
        p += strlen("£");
    if (!neg && *p == '-') {
        neg = true;
        p++;
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (whole > IMPORT_AMOUNT_MAX)
                return FC_EINVAL;
            whole = whole * 10 + (*p - '0');
            seen_digit = true;
            run++;
        } else if (group && *p == group) {
            /* Grouped digits: 1-3 before the first separator, exactly 3 after each. */
            if (run < 1 || run > 3 || (groups > 0 && run != 3))
                return FC_EINVAL;
            groups++;
            run = 0;
        } else {
            break;
        }
    }
    if (groups > 0 && run != 3)
        return FC_EINVAL;
    if (*p == dec) {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (++fdigits > 2)
                return FC_EINVAL;
            frac = frac * 10 + (*p - '0');
            seen_digit = true;
        }
        if (fdigits == 1)
            frac *= 10;
    }
    if (paren) {
        if (*p != ')' || neg)
            return FC_EINVAL;
        neg = true;
        p++;
    }
    while (*p == ' ')
        p++;
    if (*p || !seen_digit || whole > IMPORT_AMOUNT_MAX / 100)
        return FC_EINVAL;
    whole = whole * 100 + frac;
    if (whole > IMPORT_AMOUNT_MAX)
        return FC_EINVAL;
    *out = neg ? -whole : whole;
    return 0;
}

static void add_reject(struct import_result *r, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_reject(struct import_result *r, int line, const char *fmt, ...)
{
    va_list ap;

    if (r->nrejects == r->caprejects) {
        r->caprejects = r->caprejects ? r->caprejects * 2 : 16;
        r->rejects = xrealloc(r->rejects, r->caprejects * sizeof(*r->rejects));
    }
    r->rejects[r->nrejects].line = line;
    va_start(ap, fmt);
    vsnprintf(r->rejects[r->nrejects].reason, sizeof(r->rejects[0].reason), fmt, ap);
    va_end(ap);
    r->nrejects++;
}

static struct import_row *add_row(struct import_result *r)
{
    if (r->nrows == r->caprows) {
        r->caprows = r->caprows ? r->caprows * 2 : 64;
        r->rows = xrealloc(r->rows, r->caprows * sizeof(*r->rows));
    }
    memset(&r->rows[r->nrows], 0, sizeof(r->rows[0]));
    return &r->rows[r->nrows++];
}

void importer_result_release(struct import_result *r)
{
    for (size_t i = 0; i < r->nrows; i++) {
        free(r->rows[i].description);
        free(r->rows[i].merchant);
        free(r->rows[i].category);
        free(r->rows[i].external_id);
    }
    free(r->rows);
    free(r->rejects);
    memset(r, 0, sizeof(*r));
}

/* Occurrence counts of (date, amount, description) within one file, keyed by a 64-bit hash. */
struct occ {
    uint64_t *keys; /* 0 marks an empty slot */
    int *counts;
    size_t cap, used;
};

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int occ_next(struct occ *o, uint64_t key)
{
    size_t i;

    key |= 1; /* never 0 */
    if ((o->used + 1) * 2 > o->cap) {
        struct occ n = {xcalloc(o->cap ? o->cap * 2 : 256, sizeof(uint64_t)), NULL,
                        o->cap ? o->cap * 2 : 256, o->used};

        n.counts = xcalloc(n.cap, sizeof(int));
        for (size_t j = 0; j < o->cap; j++) {
            if (!o->keys[j])
                continue;
            for (i = o->keys[j] & (n.cap - 1); n.keys[i]; i = (i + 1) & (n.cap - 1))
                ;
            n.keys[i] = o->keys[j];
            n.counts[i] = o->counts[j];
        }
        free(o->keys);
        free(o->counts);
        *o = n;
    }
    for (i = key & (o->cap - 1); o->keys[i] && o->keys[i] != key; i = (i + 1) & (o->cap - 1))
        ;
    if (!o->keys[i]) {
        o->keys[i] = key;
        o->used++;
    }
    return o->counts[i]++;
}

static void occ_free(struct occ *o)
{
    free(o->keys);
    free(o->counts);
}

/* "prefix" + hex of the first 16 bytes of SHA-256(date|amount|description|occurrence). */
static char *hash_id(const char *prefix, int64_t day, int64_t amount, const char *desc,
                     struct occ *o)
{
    char *text = xasprintf("%lld|%lld|%s|", (long long)day, (long long)amount, desc);
    size_t tlen = strlen(text);
    int n = occ_next(o, fnv(1469598103934665603ULL, text, tlen));
    char *full = xasprintf("%s%d", text, n);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[33];

    EVP_Digest(full, strlen(full), md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    free(text);
    free(full);
    return xasprintf("%s%s", prefix, hex);
}

static int64_t parse_day_prefix(const char *s, bool slash_ok)
{
    char tmp[11];
    int64_t day;

    if (strlen(s) < 10)
        return -1;
    memcpy(tmp, s, 10);
    tmp[10] = '\0';
    if (slash_ok && tmp[4] == '/' && tmp[7] == '/') {
        tmp[4] = '-';
        tmp[7] = '-';
    }
    if (s[10] != '\0' || finance_parse_date(tmp, &day) != 0)
        return -1;
    return day;
}

/* ---- CSV ---- */

#define CSV_MAX_FIELDS 64

struct csv {
    const char *in;
    size_t len, pos;
    int line;
    char sep;
    struct strbuf fields[CSV_MAX_FIELDS];
    int nf;
    const char *bad; /* why the current record is malformed, or NULL */
};

static void csv_skip_line(struct csv *c)
{
    while (c->pos < c->len && c->in[c->pos] != '\n' && c->in[c->pos] != '\r')
        c->pos++;
}

static void csv_put(struct csv *c, struct strbuf *f, char ch)
{
    if (f->len >= IMPORT_MAX_FIELD) {
        c->bad = "field too long";
        return;
    }
    strbuf_addch(f, ch);
}

/* Reads one record into c->fields. Returns the line it started on, or 0 at end of input. */
static int csv_record(struct csv *c)
{
    int start = c->line;

    if (c->pos >= c->len)
        return 0;
    c->nf = 0;
    c->bad = NULL;
    for (;;) {
        struct strbuf *f = &c->fields[c->nf < CSV_MAX_FIELDS ? c->nf : CSV_MAX_FIELDS - 1];

        if (c->nf >= CSV_MAX_FIELDS)
            c->bad = "too many fields";
        strbuf_reset(f);
        if (c->pos < c->len && c->in[c->pos] == '"') {
            bool closed = false;

            for (c->pos++; c->pos < c->len; c->pos++) {
                char ch = c->in[c->pos];

                if (ch == '"' && c->pos + 1 < c->len && c->in[c->pos + 1] == '"') {
                    csv_put(c, f, '"');
                    c->pos++;
                } else if (ch == '"') {
                    closed = true;
                    c->pos++;
                    break;
                } else {
                    if (ch == '\n')
                        c->line++;
                    csv_put(c, f, ch);
                }
            }
            if (!closed)
                c->bad = "unterminated quoted field";
            else if (c->pos < c->len && c->in[c->pos] != c->sep && c->in[c->pos] != '\n' &&
                     c->in[c->pos] != '\r') {
                c->bad = "text after a closing quote";
                csv_skip_line(c);
            }
        } else {
            while (c->pos < c->len && c->in[c->pos] != c->sep && c->in[c->pos] != '\n' &&
                   c->in[c->pos] != '\r')
                csv_put(c, f, c->in[c->pos++]);
        }
        if (c->nf < CSV_MAX_FIELDS)
            c->nf++;
        if (c->pos < c->len && c->in[c->pos] == c->sep) {
            c->pos++;
            continue;
        }
        break;
    }
    if (c->pos < c->len && c->in[c->pos] == '\r')
        c->pos++;
    if (c->pos < c->len && c->in[c->pos] == '\n')
        c->pos++;
    c->line++;
    return start;
}

static bool csv_blank(const struct csv *c)
{
    if (c->nf != 1 || c->bad)
        return false;
    for (size_t i = 0; i < c->fields[0].len; i++)
        if (c->fields[0].buf[i] != ' ' && c->fields[0].buf[i] != '\t')
            return false;
    return true;
}

static char detect_sep(const char *in, size_t len)
{
    int commas = 0, semis = 0;
    bool quoted = false;

    for (size_t i = 0; i < len && (quoted || in[i] != '\n'); i++) {
        if (in[i] == '"')
            quoted = !quoted;
        else if (!quoted && in[i] == ',')
            commas++;
        else if (!quoted && in[i] == ';')
            semis++;
    }
    return semis > commas ? ';' : ',';
}

enum { COL_DATE, COL_DESC, COL_AMOUNT, COL_CATEGORY, COL_MERCHANT, NCOLS };

static int csv_header(struct csv *c, int col[NCOLS], char *errbuf, unsigned errlen)
{
    static const char *const names[NCOLS] = {"date", "description", "amount", "category",
                                             "merchant"};

    for (int i = 0; i < NCOLS; i++)
        col[i] = -1;
    for (int i = 0; i < c->nf; i++) {
        char *name = clean_text(c->fields[i].buf, c->fields[i].len, 64, true);

        for (int k = 0; k < NCOLS; k++)
            if (col[k] < 0 && strcmp(name, names[k]) == 0)
                col[k] = i;
        free(name);
    }
    if (c->bad || col[COL_DATE] < 0 || col[COL_DESC] < 0 || col[COL_AMOUNT] < 0) {
        snprintf(errbuf, errlen,
                 "body: the CSV header must name the columns date, description and amount");
        return FC_EINVAL;
    }
    return 0;
}

static const char *field(const struct csv *c, int idx)
{
    return idx >= 0 && idx < c->nf ? c->fields[idx].buf : "";
}

static void csv_row(struct csv *c, int line, const int col[NCOLS], struct occ *occ,
                    struct import_result *out)
{
    int need = 0;
    char *date, *amount, *desc = NULL;
    int64_t day, minor;
    struct import_row *row;

    for (int i = 0; i < NCOLS; i++)
        if (col[i] + 1 > need && i <= COL_AMOUNT)
            need = col[i] + 1;
    if (c->bad) {
        add_reject(out, line, "malformed CSV: %s", c->bad);
        return;
    }
    if (c->nf < need) {
        add_reject(out, line, "expected at least %d fields, found %d", need, c->nf);
        return;
    }
    date = clean_text(field(c, col[COL_DATE]), strlen(field(c, col[COL_DATE])), 32, false);
    amount = clean_text(field(c, col[COL_AMOUNT]), strlen(field(c, col[COL_AMOUNT])), 64, false);
    day = parse_day_prefix(date, true);
    if (day < 0) {
        add_reject(out, line, "invalid date (expected YYYY-MM-DD)");
        goto out_free;
    }
    if (importer_parse_amount(amount, c->sep == ';' ? ',' : '.', c->sep == ';' ? '.' : ',',
                              &minor) != 0) {
        add_reject(out, line, "invalid amount (expected a number like -12.34)");
        goto out_free;
    }
    if (minor == 0) {
        add_reject(out, line, "amount is zero");
        goto out_free;
    }
    desc = clean_text(field(c, col[COL_DESC]), strlen(field(c, col[COL_DESC])), IMPORT_DESC_MAX,
                      false);
    if (!desc[0]) {
        add_reject(out, line, "missing description");
        goto out_free;
    }
    row = add_row(out);
    row->line = line;
    row->day = day;
    row->amount_minor = minor;
    row->description = desc;
    row->merchant = clean_text(field(c, col[COL_MERCHANT]), strlen(field(c, col[COL_MERCHANT])),
                               IMPORT_MERCHANT_MAX, false);
    if (!row->merchant[0]) {
        free(row->merchant);
        row->merchant = clean_text(desc, strlen(desc), IMPORT_MERCHANT_MAX, false);
    }
    row->category = clean_text(field(c, col[COL_CATEGORY]), strlen(field(c, col[COL_CATEGORY])),
                               IMPORT_CATEGORY_MAX, true);
    if (!row->category[0]) {
        free(row->category);
        row->category = NULL;
    }
    row->external_id = hash_id("csv:", day, minor, desc, occ);
    desc = NULL;
out_free:
    free(desc);
    free(date);
    free(amount);
}

int importer_parse_csv(const char *buf, size_t len, struct import_result *out, char *errbuf,
                       unsigned errlen)
{
    struct csv c = {.in = buf, .len = len, .line = 1};
    struct occ occ = {0};
    int col[NCOLS], line, records = 0, rc = 0;

    memset(out, 0, sizeof(*out));
    for (int i = 0; i < CSV_MAX_FIELDS; i++)
        strbuf_init(&c.fields[i], 0);
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        c.pos = 3;
    c.sep = detect_sep(buf + c.pos, len - c.pos);
    do {
        line = csv_record(&c);
    } while (line && csv_blank(&c));
    if (!line) {
        snprintf(errbuf, errlen, "body: the CSV file is empty");
        rc = FC_EINVAL;
        goto out_release;
    }
    rc = csv_header(&c, col, errbuf, errlen);
    if (rc)
        goto out_release;
    while ((line = csv_record(&c)) != 0) {
        if (csv_blank(&c))
            continue;
        if (++records > IMPORT_MAX_RECORDS) {
            snprintf(errbuf, errlen, "body: more than %d records", IMPORT_MAX_RECORDS);
            rc = FC_EINVAL;
            goto out_release;
        }
        csv_row(&c, line, col, &occ, out);
    }
    goto out_free;
out_release:
    importer_result_release(out);
out_free:
    for (int i = 0; i < CSV_MAX_FIELDS; i++)
        strbuf_release(&c.fields[i]);
    occ_free(&occ);
    return rc;
}

/* ---- OFX ---- */

enum { OFX_TRNTYPE, OFX_DTPOSTED, OFX_TRNAMT, OFX_FITID, OFX_NAME, OFX_MEMO, OFX_NFIELDS };

struct ofx_rec {
    int line;
    char *f[OFX_NFIELDS];
};

static const char *const ofx_names[OFX_NFIELDS] = {"TRNTYPE", "DTPOSTED", "TRNAMT",
                                                   "FITID",   "NAME",     "MEMO"};

/* Appends the UTF-8 encoding of code point @cp; false when it is not a scalar value. */
static bool put_cp(struct strbuf *b, unsigned long cp)
{
    char enc[4];
    size_t n = cp == 0 || cp > 0x10ffff ? 0 : utf8_encode((int32_t)cp, enc);

    strbuf_add(b, enc, n);
    return n > 0;
}

/* Decodes the XML/SGML character references of @n bytes at @p into @b. */
static void decode_entities(struct strbuf *b, const char *p, size_t n)
{
    static const struct {
        const char *name;
        char ch;
    } ents[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};

    strbuf_reset(b);
    for (size_t i = 0; i < n && b->len < IMPORT_MAX_FIELD; i++) {
        bool done = false;

        if (p[i] != '&') {
            strbuf_addch(b, p[i]);
            continue;
        }
        for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]) && !done; k++) {
            size_t el = strlen(ents[k].name);

            if (n - i - 1 >= el && memcmp(p + i + 1, ents[k].name, el) == 0) {
                strbuf_addch(b, ents[k].ch);
                i += el;
                done = true;
            }
        }
        if (!done && i + 2 < n && p[i + 1] == '#') {
            bool hex = p[i + 2] == 'x' || p[i + 2] == 'X';
            size_t j = i + (hex ? 3 : 2), start = j;
            unsigned long cp = 0;

            for (; j < n && j - start < 8; j++) {
                int v;

                if (p[j] >= '0' && p[j] <= '9')
                    v = p[j] - '0';
                else if (hex && p[j] >= 'a' && p[j] <= 'f')
                    v = p[j] - 'a' + 10;
                else if (hex && p[j] >= 'A' && p[j] <= 'F')
                    v = p[j] - 'A' + 10;
                else
                    break;
                cp = cp * (hex ? 16 : 10) + (unsigned long)v;
            }
            if (j > start && j < n && p[j] == ';' && put_cp(b, cp)) {
                i = j;
                done = true;
            }
        }
        if (!done)
            strbuf_addch(b, '&');
    }
}

static void ofx_finish(struct ofx_rec *r, struct occ *occ, struct import_result *out)
{
    const char *dt = r->f[OFX_DTPOSTED] ? r->f[OFX_DTPOSTED] : "";
    const char *name = r->f[OFX_NAME] && r->f[OFX_NAME][0] ? r->f[OFX_NAME] : NULL;
    const char *memo = r->f[OFX_MEMO] && r->f[OFX_MEMO][0] ? r->f[OFX_MEMO] : NULL;
    const char *fitid = r->f[OFX_FITID] ? r->f[OFX_FITID] : "";
    const char *amt = r->f[OFX_TRNAMT];
    char date[11];
    int64_t day, minor;
    struct import_row *row;
    bool digits8 = strlen(dt) >= 8;

    for (int i = 0; i < 8 && digits8; i++)
        digits8 = dt[i] >= '0' && dt[i] <= '9';
    if (digits8)
        snprintf(date, sizeof(date), "%.4s-%.2s-%.2s", dt, dt + 4, dt + 6);
    if (!digits8 || finance_parse_date(date, &day) != 0) {
        add_reject(out, r->line, "invalid DTPOSTED (expected YYYYMMDD...)");
        goto out_free;
    }
    if (!amt || !amt[0]) {
        add_reject(out, r->line, "missing TRNAMT");
        goto out_free;
    }
    if (importer_parse_amount(amt, strchr(amt, ',') && !strchr(amt, '.') ? ',' : '.', 0, &minor) !=
        0) {
        add_reject(out, r->line, "invalid TRNAMT");
        goto out_free;
    }
    if (minor == 0) {
        add_reject(out, r->line, "amount is zero");
        goto out_free;
    }
    if (!name && !memo) {
        add_reject(out, r->line, "missing NAME and MEMO");
        goto out_free;
    }
    row = add_row(out);
    row->line = r->line;
    row->day = day;
    row->amount_minor = minor;
    row->merchant =
        clean_text(name ? name : memo, strlen(name ? name : memo), IMPORT_MERCHANT_MAX, false);
    row->description = xstrdup(memo ? memo : name);
    row->transfer = r->f[OFX_TRNTYPE] && strcasecmp(r->f[OFX_TRNTYPE], "XFER") == 0;
    if (fitid[0] && strlen(fitid) <= 200 && !strchr(fitid, ' '))
        row->external_id = xasprintf("ofx:%s", fitid);
    else
        row->external_id = hash_id("ofx:#", day, minor, fitid[0] ? fitid : row->description, occ);
out_free:
    for (int i = 0; i < OFX_NFIELDS; i++) {
        free(r->f[i]);
        r->f[i] = NULL;
    }
}

static bool ofx_start(const char *buf, size_t len, size_t *pos)
{
    for (size_t i = 0; i + 4 < len; i++) {
        if (buf[i] == '<' && strncasecmp(buf + i + 1, "OFX", 3) == 0 &&
            (buf[i + 4] == '>' || buf[i + 4] == ' ')) {
            *pos = i;
            return true;
        }
    }
    return false;
}

int importer_parse_ofx(const char *buf, size_t len, struct import_result *out, char *errbuf,
                       unsigned errlen)
{
    struct ofx_rec rec = {0};
    struct strbuf text = STRBUF_INIT;
    struct occ occ = {0};
    size_t pos = 0, scanned = 0;
    int line = 1, records = 0, rc = 0;
    bool in_txn = false;

    memset(out, 0, sizeof(*out));
    if (!ofx_start(buf, len, &pos)) {
        snprintf(errbuf, errlen, "body: not an OFX document (no <OFX> element)");
        return FC_EINVAL;
    }
    while (pos < len) {
        const char *lt = memchr(buf + pos, '<', len - pos), *gt, *vend;
        char name[32];
        size_t nlen, vstart;
        bool closing;

        if (!lt)
            break;
        gt = memchr(lt, '>', len - (size_t)(lt - buf));
        if (!gt)
            break;
        for (; scanned < (size_t)(lt - buf); scanned++)
            line += buf[scanned] == '\n';
        pos = (size_t)(gt - buf) + 1;
        if (lt[1] == '!' || lt[1] == '?')
            continue;
        closing = lt[1] == '/';
        nlen = (size_t)(gt - lt) - 1 - closing;
        if (nlen == 0 || nlen >= sizeof(name))
            continue;
        memcpy(name, lt + 1 + closing, nlen);
        name[nlen] = '\0';
        name[strcspn(name, " \t\r\n/")] = '\0';
        if (strcasecmp(name, "STMTTRN") == 0 ||
            (closing && strcasecmp(name, "BANKTRANLIST") == 0)) {
            if (in_txn)
                ofx_finish(&rec, &occ, out);
            in_txn = !closing;
            rec.line = line;
            if (in_txn && ++records > IMPORT_MAX_RECORDS) {
                snprintf(errbuf, errlen, "body: more than %d records", IMPORT_MAX_RECORDS);
                rc = FC_EINVAL;
                goto out_release;
            }
            continue;
        }
        if (closing || !in_txn)
            continue;
        vstart = pos;
        vend = memchr(buf + pos, '<', len - pos);
        if (!vend)
            vend = buf + len;
        for (int i = 0; i < OFX_NFIELDS; i++) {
            if (strcasecmp(name, ofx_names[i]) != 0 || rec.f[i])
                continue;
            decode_entities(&text, buf + vstart, (size_t)(vend - buf) - vstart);
            rec.f[i] = clean_text(text.buf, text.len, i == OFX_MEMO ? IMPORT_DESC_MAX : 256, false);
        }
    }
    if (in_txn)
        ofx_finish(&rec, &occ, out);
    goto out_free;
out_release:
    importer_result_release(out);
out_free:
    for (int i = 0; i < OFX_NFIELDS; i++)
        free(rec.f[i]);
    strbuf_release(&text);
    occ_free(&occ);
    return rc;
}

int importer_parse(enum import_format fmt, const char *buf, size_t len, struct import_result *out,
                   char *errbuf, unsigned errlen)
{
    if (fmt == IMPORT_OFX)
        return importer_parse_ofx(buf, len, out, errbuf, errlen);
    return importer_parse_csv(buf, len, out, errbuf, errlen);
}

int importer_detect(const char *content_type, const char *buf, size_t len, enum import_format *fmt)
{
    static const char *const csv_types[] = {"text/csv", "application/csv",
                                            "application/vnd.ms-excel"};
    static const char *const ofx_types[] = {"application/x-ofx", "application/ofx",
                                            "application/vnd.intu.qfx", "application/x-qfx"};
    size_t dummy;

    for (size_t i = 0; i < sizeof(csv_types) / sizeof(csv_types[0]); i++)
        if (strcmp(content_type, csv_types[i]) == 0) {
            *fmt = IMPORT_CSV;
            return 0;
        }
    for (size_t i = 0; i < sizeof(ofx_types) / sizeof(ofx_types[0]); i++)
        if (strcmp(content_type, ofx_types[i]) == 0) {
            *fmt = IMPORT_OFX;
            return 0;
        }
    if (content_type[0] && strcmp(content_type, "text/plain") != 0 &&
        strcmp(content_type, "application/octet-stream") != 0)
        return FC_EINVAL;
    *fmt = ofx_start(buf, len < 65536 ? len : 65536, &dummy) ||
                   (len >= 9 && memcmp(buf, "OFXHEADER", 9) == 0)
               ? IMPORT_OFX
               : IMPORT_CSV;
    return 0;
}
