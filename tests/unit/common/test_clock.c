/* test_clock.c - RFC 3339 reading and the test clock offset (common/clock.h). */
#include "clock.h"
#include "test.h"

static void test_rfc3339(void)
{
    int64_t ms = 0;

    CHECK_EQ_INT(clock_parse_rfc3339("1970-01-01T00:00:00Z", &ms), 0);
    CHECK_EQ_INT(ms, 0);
    /* 20:00 in Los Angeles (PST, -08:00) on 30 November is 04:00 UTC on 1 December. */
    CHECK_EQ_INT(clock_parse_rfc3339("2026-11-30T20:00:00-08:00", &ms), 0);
    CHECK_EQ_INT(ms, (clock_days_from_civil(2026, 12, 1) * 86400 + 4 * 3600) * 1000);
    CHECK_EQ_INT(clock_parse_rfc3339("2026-12-01T04:00:00.250z", &ms), 0);
    CHECK_EQ_INT(ms, (clock_days_from_civil(2026, 12, 1) * 86400 + 4 * 3600) * 1000 + 250);
    CHECK_EQ_INT(clock_parse_rfc3339("2026-12-01 05:30:00+01:30", &ms), 0);
    CHECK_EQ_INT(ms, (clock_days_from_civil(2026, 12, 1) * 86400 + 4 * 3600) * 1000);
    CHECK_EQ_INT(clock_parse_rfc3339("2028-02-29T00:00:00Z", &ms), 0);

    ms = 42;
    CHECK_EQ_INT(clock_parse_rfc3339("2026-11-30T20:00:00", &ms), -1); /* no zone */
    CHECK_EQ_INT(clock_parse_rfc3339("2026-11-30", &ms), -1);
    CHECK_EQ_INT(clock_parse_rfc3339("2026-02-30T00:00:00Z", &ms), -1);
    CHECK_EQ_INT(clock_parse_rfc3339("2027-02-29T00:00:00Z", &ms), -1);
    CHECK_EQ_INT(clock_parse_rfc3339("2026-11-30T24:00:00Z", &ms), -1);
    CHECK_EQ_INT(clock_parse_rfc3339("2026-11-30T20:00:00Zjunk", &ms), -1);
    CHECK_EQ_INT(clock_parse_rfc3339("2026-11-30T20:00:00.Z", &ms), -1);
    CHECK_EQ_INT(clock_parse_rfc3339("2026-11-30T20:00:00+0800", &ms), -1);
    CHECK_EQ_INT(clock_parse_rfc3339("", &ms), -1);
    CHECK_EQ_INT(clock_parse_rfc3339(NULL, &ms), -1);
    CHECK_EQ_INT(ms, 42); /* untouched on failure */
}

static void test_offset(void)
{
    int64_t before = clock_wall_ms(), after;

    clock_set_wall_offset_ms(-86400000LL * 10);
    after = clock_wall_ms();
    CHECK(after <= before - 86400000LL * 10 + 1000);
    CHECK(after >= before - 86400000LL * 10);
    clock_set_wall_offset_ms(0);
    CHECK(clock_wall_ms() >= before);
}

TEST_MAIN(test_rfc3339, test_offset)
