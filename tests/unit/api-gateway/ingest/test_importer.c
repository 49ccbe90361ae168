/* test_importer.c - CSV and OFX parsing: quoting, dates, amounts, rejections with line numbers,
 * dialects, deduplication ids and hostile bytes. */
#include "test.h"

#include "err.h"
#include "utf8.h"
#include "api-gateway/finance/finance_calc.h"
#include "api-gateway/ingest/importer.h"

#include <stdlib.h>
#include <string.h>

static int parse_csv(const char *text, struct import_result *r)
{
    char err[160] = "";

    return importer_parse_csv(text, strlen(text), r, err, sizeof(err));
}

static int64_t day(const char *s)
{
    int64_t d = -1;

    finance_parse_date(s, &d);
    return d;
}

static void test_amounts(void)
{
    int64_t v = 0;

    CHECK_EQ_INT(importer_parse_amount("-12.34", '.', ',', &v), 0);
    CHECK_EQ_INT(v, -1234);
    CHECK_EQ_INT(importer_parse_amount("12", '.', ',', &v), 0);
    CHECK_EQ_INT(v, 1200);
    CHECK_EQ_INT(importer_parse_amount("1,234.5", '.', ',', &v), 0);
    CHECK_EQ_INT(v, 123450);
    CHECK_EQ_INT(importer_parse_amount("(45.00)", '.', ',', &v), 0);
    CHECK_EQ_INT(v, -4500);
    CHECK_EQ_INT(importer_parse_amount("$-5", '.', ',', &v), 0);
    CHECK_EQ_INT(v, -500);
    CHECK_EQ_INT(importer_parse_amount("-$5.10", '.', ',', &v), 0);
    CHECK_EQ_INT(v, -510);
    CHECK_EQ_INT(importer_parse_amount("€1.234,56", ',', '.', &v), 0);
    CHECK_EQ_INT(v, 123456);
    CHECK_EQ_INT(importer_parse_amount("+.5", '.', ',', &v), 0);
    CHECK_EQ_INT(v, 50);
    CHECK_EQ_INT(importer_parse_amount("-7,5", ',', 0, &v), 0);
    CHECK_EQ_INT(v, -750);
    CHECK_EQ_INT(importer_parse_amount("12.345", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("1,23", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("12,34,567", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("abc", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("-", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("1e5", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("--5", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("(-5)", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("(5", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("99999999999999999999999", '.', ',', &v), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_amount("100000000000.00", '.', ',', &v), 0);
    CHECK_EQ_INT(v, IMPORT_AMOUNT_MAX);
    CHECK_EQ_INT(importer_parse_amount("100000000000.01", '.', ',', &v), FC_EINVAL);
}

static void test_csv_basic_and_quoting(void)
{
    struct import_result r;
    const char *csv = "\xef\xbb\xbf"
                      "Date,Description,Amount,Category\r\n"
                      "2026-01-05,\"Whole Foods, Market\",-54.20,Groceries\r\n"
                      "2026-01-06,\"He said \"\"hi\"\"\",12.00,\r\n"
                      "\r\n"
                      "2026-01-07,\"Multi\nline\",\"-1,000.00\",rent\r\n"
                      "2026-01-08,Caf\xc3\xa9 \xe2\x98\x95,-3.5,dining";

    CHECK_EQ_INT(parse_csv(csv, &r), 0);
    CHECK_EQ_INT(r.nrows, 4);
    CHECK_EQ_INT(r.nrejects, 0);
    if (r.nrows == 4) {
        CHECK_EQ_INT(r.rows[0].line, 2);
        CHECK_EQ_INT(r.rows[0].day, day("2026-01-05"));
        CHECK_EQ_INT(r.rows[0].amount_minor, -5420);
        CHECK_EQ_STR(r.rows[0].description, "Whole Foods, Market");
        CHECK_EQ_STR(r.rows[0].merchant, "Whole Foods, Market");
        CHECK_EQ_STR(r.rows[0].category, "groceries");
        CHECK(strncmp(r.rows[0].external_id, "csv:", 4) == 0);
        CHECK_EQ_INT(strlen(r.rows[0].external_id), 36);
        CHECK_EQ_STR(r.rows[1].description, "He said \"hi\"");
        CHECK(r.rows[1].category == NULL);
        CHECK_EQ_INT(r.rows[1].amount_minor, 1200);
        CHECK_EQ_INT(r.rows[2].line, 5);
        CHECK_EQ_STR(r.rows[2].description, "Multi line");
        CHECK_EQ_INT(r.rows[2].amount_minor, -100000);
        CHECK_EQ_INT(r.rows[3].line, 7);
        CHECK_EQ_STR(r.rows[3].description, "Caf\xc3\xa9 \xe2\x98\x95");
        CHECK_EQ_INT(r.rows[3].amount_minor, -350);
    }
    importer_result_release(&r);
}

static void test_csv_rejects(void)
{
    struct import_result r;
    const char *csv = "amount,date,description\n"
                      "-1.00,2026-02-30,Bad day\n"
                      "-1.00,2026/02/03,Slash date\n"
                      "ten,2026-02-03,Bad amount\n"
                      "0.00,2026-02-03,Zero\n"
                      "-1.00,2026-02-03\n"
                      "-1.00,2026-02-03,\n"
                      "-1.00,2026-02-03,\"bad\"quote\n"
                      "-1.00,03/02/2026,US date\n"
                      "-2.00,2026-02-04,Good\n"
                      "-3.00,2026-02-05,\"never closed\n";

    CHECK_EQ_INT(parse_csv(csv, &r), 0);
    CHECK_EQ_INT(r.nrows, 2);
    CHECK_EQ_INT(r.nrejects, 8);
    if (r.nrejects == 8 && r.nrows == 2) {
        CHECK_EQ_INT(r.rejects[0].line, 2);
        CHECK(strstr(r.rejects[0].reason, "date") != NULL);
        CHECK_EQ_INT(r.rows[0].line, 3);
        CHECK_EQ_INT(r.rejects[1].line, 4);
        CHECK(strstr(r.rejects[1].reason, "amount") != NULL);
        CHECK_EQ_INT(r.rejects[2].line, 5);
        CHECK(strstr(r.rejects[2].reason, "zero") != NULL);
        CHECK_EQ_INT(r.rejects[3].line, 6);
        CHECK(strstr(r.rejects[3].reason, "fields") != NULL);
        CHECK_EQ_INT(r.rejects[4].line, 7);
        CHECK(strstr(r.rejects[4].reason, "description") != NULL);
        CHECK_EQ_INT(r.rejects[5].line, 8);
        CHECK(strstr(r.rejects[5].reason, "quote") != NULL);
        CHECK_EQ_INT(r.rejects[6].line, 9);
        CHECK_EQ_INT(r.rows[1].line, 10);
        CHECK_EQ_INT(r.rejects[7].line, 11);
        CHECK(strstr(r.rejects[7].reason, "unterminated") != NULL);
    }
    importer_result_release(&r);
}

static void test_csv_whole_file_errors(void)
{
    struct import_result r;
    char err[160] = "";

    CHECK_EQ_INT(importer_parse_csv("", 0, &r, err, sizeof(err)), FC_EINVAL);
    CHECK(strstr(err, "empty") != NULL);
    CHECK_EQ_INT(parse_csv("when,what,how much\n2026-01-01,x,1\n", &r), FC_EINVAL);
    CHECK_EQ_INT(importer_parse_csv("date,amount\n", 12, &r, err, sizeof(err)), FC_EINVAL);
    CHECK(strstr(err, "description") != NULL);
    /* A header alone is a valid, empty file. */
    CHECK_EQ_INT(parse_csv("date,description,amount\n", &r), 0);
    CHECK_EQ_INT(r.nrows + r.nrejects, 0);
    importer_result_release(&r);
}

static void test_csv_semicolon_and_latin1(void)
{
    struct import_result r;
    const char *csv = "date;description;amount\n"
                      "2026-03-01;Caf\xe9 Central;-1.234,50\n"
                      "2026-03-02;\"A;B\";7,5\n";

    CHECK_EQ_INT(parse_csv(csv, &r), 0);
    CHECK_EQ_INT(r.nrows, 2);
    if (r.nrows == 2) {
        CHECK_EQ_STR(r.rows[0].description, "Caf\xc3\xa9 Central");
        CHECK(utf8_valid(r.rows[0].description, strlen(r.rows[0].description)));
        CHECK_EQ_INT(r.rows[0].amount_minor, -123450);
        CHECK_EQ_STR(r.rows[1].description, "A;B");
        CHECK_EQ_INT(r.rows[1].amount_minor, 750);
    }
    importer_result_release(&r);
}

static void test_csv_dedupe_ids(void)
{
    struct import_result a, b;
    const char *one = "date,description,amount\n"
                      "2026-01-05,Coffee,-3.00\n"
                      "2026-01-05,Coffee,-3.00\n"
                      "2026-01-05,Coffee,-3.50\n";
    const char *two = "date,description,amount\n"
                      "2026-01-05,Coffee,-3.00\n"
                      "2026-01-05,Coffee,-3.00\n"
                      "2026-01-05,Coffee,-3.00\n";

    CHECK_EQ_INT(parse_csv(one, &a), 0);
    CHECK_EQ_INT(parse_csv(two, &b), 0);
    CHECK_EQ_INT(a.nrows, 3);
    CHECK_EQ_INT(b.nrows, 3);
    if (a.nrows == 3 && b.nrows == 3) {
        /* Two identical purchases keep distinct ids; the same file again yields the same ids. */
        CHECK(strcmp(a.rows[0].external_id, a.rows[1].external_id) != 0);
        CHECK(strcmp(a.rows[0].external_id, a.rows[2].external_id) != 0);
        CHECK_EQ_STR(a.rows[0].external_id, b.rows[0].external_id);
        CHECK_EQ_STR(a.rows[1].external_id, b.rows[1].external_id);
        CHECK(strcmp(b.rows[2].external_id, a.rows[2].external_id) != 0);
    }
    importer_result_release(&a);
    importer_result_release(&b);
}

static const char ofx_sgml[] =
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nCHARSET:1252\r\n\r\n"
    "<OFX>\r\n<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD\r\n"
    "<BANKTRANLIST>\r\n<DTSTART>20260101\r\n"
    "<STMTTRN>\r\n<TRNTYPE>DEBIT\r\n<DTPOSTED>20260105120000[-5:EST]\r\n<TRNAMT>-54.20\r\n"
    "<FITID>2026010501\r\n<NAME>WHOLE FOODS &amp; CO\r\n<MEMO>Groceries\r\n</STMTTRN>\r\n"
    "<STMTTRN>\r\n<TRNTYPE>CREDIT\r\n<DTPOSTED>20260115\r\n<TRNAMT>2500,00\r\n"
    "<FITID>2026011502\r\n<NAME>ACME PAYROLL\r\n</STMTTRN>\r\n"
    "<STMTTRN>\r\n<TRNTYPE>DEBIT\r\n<DTPOSTED>2026013\r\n<TRNAMT>-1.00\r\n<FITID>x\r\n"
    "<NAME>Bad date\r\n</STMTTRN>\r\n"
    "<STMTTRN>\r\n<TRNTYPE>XFER\r\n<DTPOSTED>20260120\r\n<TRNAMT>-100.00\r\n<NAME>To savings\r\n"
    "<STMTTRN>\r\n<DTPOSTED>20260121\r\n<TRNAMT>abc\r\n<NAME>Bad amount\r\n"
    "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\r\n";

static void test_ofx_sgml(void)
{
    struct import_result r;
    char err[160] = "";

    CHECK_EQ_INT(importer_parse_ofx(ofx_sgml, strlen(ofx_sgml), &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.nrows, 3);
    CHECK_EQ_INT(r.nrejects, 2);
    if (r.nrows == 3 && r.nrejects == 2) {
        CHECK_EQ_INT(r.rows[0].day, day("2026-01-05"));
        CHECK_EQ_INT(r.rows[0].amount_minor, -5420);
        CHECK_EQ_STR(r.rows[0].merchant, "WHOLE FOODS & CO");
        CHECK_EQ_STR(r.rows[0].description, "Groceries");
        CHECK_EQ_STR(r.rows[0].external_id, "ofx:2026010501");
        CHECK_EQ_INT(r.rows[0].line, 10);
        CHECK_EQ_INT(r.rows[1].amount_minor, 250000);
        CHECK_EQ_STR(r.rows[1].description, "ACME PAYROLL");
        CHECK(r.rows[2].transfer);
        CHECK(strncmp(r.rows[2].external_id, "ofx:#", 5) == 0);
        CHECK(strstr(r.rejects[0].reason, "DTPOSTED") != NULL);
        CHECK(strstr(r.rejects[1].reason, "TRNAMT") != NULL);
    }
    importer_result_release(&r);
}

static void test_ofx_xml(void)
{
    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?OFX OFXHEADER=\"200\" VERSION=\"220\"?>\n"
        "<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS><BANKTRANLIST>\n"
        "<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20260210083000.000[+1:CET]</DTPOSTED>"
        "<TRNAMT>-9.99</TRNAMT><FITID>A-1</FITID><NAME>Caf&#233; &#x2615;</NAME>"
        "<MEMO/></STMTTRN>\n"
        "<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20260211</DTPOSTED><TRNAMT>-15.49</TRNAMT>"
        "<FITID>A-2</FITID><PAYEE><NAME>NETFLIX.COM</NAME></PAYEE></STMTTRN>\n"
        "</BANKTRANLIST></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>\n";
    struct import_result r;
    char err[160] = "";

    CHECK_EQ_INT(importer_parse_ofx(xml, strlen(xml), &r, err, sizeof(err)), 0);
    CHECK_EQ_INT(r.nrows, 2);
    CHECK_EQ_INT(r.nrejects, 0);
    if (r.nrows == 2) {
        CHECK_EQ_STR(r.rows[0].merchant, "Caf\xc3\xa9 \xe2\x98\x95");
        CHECK_EQ_INT(r.rows[0].amount_minor, -999);
        CHECK_EQ_INT(r.rows[0].line, 4);
        CHECK_EQ_STR(r.rows[0].external_id, "ofx:A-1");
        CHECK_EQ_STR(r.rows[1].merchant, "NETFLIX.COM");
        CHECK_EQ_INT(r.rows[1].day, day("2026-02-11"));
    }
    importer_result_release(&r);
    CHECK_EQ_INT(importer_parse_ofx("hello", 5, &r, err, sizeof(err)), FC_EINVAL);
    CHECK(strstr(err, "OFX") != NULL);
}

static void test_detect(void)
{
    enum import_format f;

    CHECK_EQ_INT(importer_detect("text/csv", "", 0, &f), 0);
    CHECK_EQ_INT(f, IMPORT_CSV);
    CHECK_EQ_INT(importer_detect("application/x-ofx", "", 0, &f), 0);
    CHECK_EQ_INT(f, IMPORT_OFX);
    CHECK_EQ_INT(importer_detect("", ofx_sgml, strlen(ofx_sgml), &f), 0);
    CHECK_EQ_INT(f, IMPORT_OFX);
    CHECK_EQ_INT(importer_detect("text/plain", "date,description,amount\n", 24, &f), 0);
    CHECK_EQ_INT(f, IMPORT_CSV);
    CHECK_EQ_INT(importer_detect("image/png", "", 0, &f), FC_EINVAL);
}

/* Hostile bytes: every prefix of the samples, NULs and stray bytes, must not crash or leak
 * (run under ASan) and must yield valid UTF-8 text. */
static void test_hostile(void)
{
    static const char csv[] = "date,description,amount\n2026-01-01,\"a\"\"b\",-1\n2026-01-02,x,2\n";
    char junk[512];
    char err[160];
    struct import_result r;
    unsigned seed = 12345;

    for (size_t n = 0; n <= strlen(csv); n++) {
        if (importer_parse_csv(csv, n, &r, err, sizeof(err)) == 0)
            importer_result_release(&r);
    }
    for (size_t n = 0; n <= strlen(ofx_sgml); n++) {
        if (importer_parse_ofx(ofx_sgml, n, &r, err, sizeof(err)) == 0)
            importer_result_release(&r);
    }
    for (int round = 0; round < 2000; round++) {
        for (size_t i = 0; i < sizeof(junk); i++) {
            seed = seed * 1103515245 + 12345;
            junk[i] =
                "date,descriptionamount\n\"\r<>/&#;STMTTRN OFX\x80\xff\0-.12"[(seed >> 16) % 48];
        }
        if (importer_parse_csv(junk, sizeof(junk), &r, err, sizeof(err)) == 0) {
            for (size_t i = 0; i < r.nrows; i++)
                CHECK(utf8_valid(r.rows[i].description, strlen(r.rows[i].description)));
            importer_result_release(&r);
        }
        if (importer_parse_ofx(junk, sizeof(junk), &r, err, sizeof(err)) == 0)
            importer_result_release(&r);
    }
}

TEST_MAIN(test_amounts, test_csv_basic_and_quoting, test_csv_rejects, test_csv_whole_file_errors,
          test_csv_semicolon_and_latin1, test_csv_dedupe_ids, test_ofx_sgml, test_ofx_xml,
          test_detect, test_hostile)
