/* importer.h - parsers of bank statement uploads: CSV and OFX (1.x SGML and 2.x XML).
 *
 * Pure and thread-safe: bytes in, rows and per-line rejections out, no I/O. Parsing never
 * trusts the input (it is fuzzed): any byte sequence yields either a result or FC_EINVAL
 * with a reason, never a crash or unbounded work. Text fields come out as valid UTF-8
 * (bytes that are not UTF-8 are read as Latin-1, as older bank exports are), trimmed, with
 * control characters turned into spaces and runs of white space folded.
 *
 * CSV: RFC 4180 quoting ("" inside quotes, line breaks inside quotes), CRLF or LF, an
 * optional UTF-8 BOM, ',' or ';' as separator (';' files use ',' as the decimal mark). The
 * first record is a header naming the columns date, description and amount, and optionally
 * category and merchant, in any order and case. Dates are YYYY-MM-DD (or YYYY/MM/DD);
 * amounts are signed decimals with at most two decimals ("-1,234.56", "(12.00)", "$5").
 *
 * OFX: <STMTTRN> records with DTPOSTED, TRNAMT, FITID, NAME, MEMO and TRNTYPE, in either
 * the SGML dialect (leaf tags left open) or XML.
 *
 * Every accepted row carries an external_id for deduplication: "ofx:<FITID>" for OFX, and
 * for CSV "csv:" plus a SHA-256 prefix of date, amount, description and the occurrence
 * number of that same triple within the file, so that two genuine identical purchases on
 * one day are both kept while importing the same (or an overlapping) file again adds
 * nothing. */
#ifndef FINCHAT_IMPORTER_H
#define FINCHAT_IMPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMPORT_MAX_RECORDS 100000
#define IMPORT_MAX_FIELD 4096
#define IMPORT_DESC_MAX 500                /* bytes */
#define IMPORT_MERCHANT_MAX 120            /* bytes */
#define IMPORT_CATEGORY_MAX 64             /* bytes */
#define IMPORT_AMOUNT_MAX 10000000000000LL /* 1e13 minor units */

enum import_format { IMPORT_CSV, IMPORT_OFX };

struct import_row {
    int line;             /* 1-based line where the record starts */
    int64_t day;          /* posting date, epoch days (UTC) */
    int64_t amount_minor; /* signed hundredths of the major unit (two decimals); expenses
                           * negative; never 0. The import converts them to the minor units
                           * of the account's currency. */
    char *description;    /* non-empty */
    char *merchant;       /* non-empty */
    char *category;       /* lower-case, or NULL when the file gives none */
    char *external_id;
    bool transfer; /* OFX TRNTYPE XFER */
};

struct import_reject {
    int line;
    char reason[128];
};

struct import_result {
    struct import_row *rows;
    size_t nrows, caprows;
    struct import_reject *rejects;
    size_t nrejects, caprejects;
};

/* Picks the parser for a media type ("text/csv", "application/x-ofx", ...), sniffing the bytes
 * when the type is generic (text/plain, application/octet-stream or empty). Returns 0, or
 * FC_EINVAL for a media type that is neither. */
int importer_detect(const char *content_type, const char *buf, size_t len, enum import_format *fmt);

/* Parses @len bytes of @buf into @out (zeroed by the call). Returns 0 with rows and rejects,
 * or FC_EINVAL with a reason in @errbuf when the file as a whole is unusable (no header, not
 * OFX, too many records); @out then holds nothing to release. */
int importer_parse_csv(const char *buf, size_t len, struct import_result *out, char *errbuf,
                       unsigned errlen);
int importer_parse_ofx(const char *buf, size_t len, struct import_result *out, char *errbuf,
                       unsigned errlen);
int importer_parse(enum import_format fmt, const char *buf, size_t len, struct import_result *out,
                   char *errbuf, unsigned errlen);

/* Frees what a parse put in @r; safe on a zeroed struct. */
void importer_result_release(struct import_result *r);

/* Parses a decimal amount into minor units (two decimals). @dec is the decimal mark, @group
 * the thousands separator or 0 for none. Returns 0 or FC_EINVAL. Exposed for tests. */
int importer_parse_amount(const char *s, char dec, char group, int64_t *out);

#endif
