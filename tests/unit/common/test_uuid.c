/* test_uuid.c - the one UUID rule: either case accepted, lower case produced. */
#include "test.h"

#include "uuid.h"

static void test_valid(void)
{
    CHECK(uuid_valid("123e4567-e89b-12d3-a456-426614174000"));
    CHECK(uuid_valid("123E4567-E89B-12D3-A456-426614174000"));
    CHECK(uuid_valid("AbCdEf01-2345-6789-aBcD-eF0123456789"));
    CHECK(uuid_valid("00000000-0000-0000-0000-000000000000"));
    CHECK(!uuid_valid(NULL));
    CHECK(!uuid_valid(""));
    /* Wrong lengths. */
    CHECK(!uuid_valid("123e4567-e89b-12d3-a456-42661417400"));
    CHECK(!uuid_valid("123e4567-e89b-12d3-a456-4266141740000"));
    CHECK(!uuid_valid("123e4567-e89b-12d3-a456-426614174000 "));
    /* Hyphens missing, moved or doubled. */
    CHECK(!uuid_valid("123e4567e89b12d3a456426614174000"));
    CHECK(!uuid_valid("123e456-7e89b-12d3-a456-426614174000"));
    CHECK(!uuid_valid("123e4567-e89b-12d3-a4564-26614174000"));
    CHECK(!uuid_valid("123e4567-e89b-12d3-a456-42661417400-"));
    CHECK(!uuid_valid("123e4567--89b-12d3-a456-426614174000"));
    /* Not hex, or wrapped. */
    CHECK(!uuid_valid("123e4567-e89b-12d3-a456-42661417400g"));
    CHECK(!uuid_valid("G23e4567-e89b-12d3-a456-426614174000"));
    CHECK(!uuid_valid("{23e4567-e89b-12d3-a456-42661417400}"));
    CHECK(!uuid_valid(" 23e4567-e89b-12d3-a456-426614174000"));
}

static void test_canonical_normalize(void)
{
    char out[UUID_STR_LEN] = "unchanged";
    char same[UUID_STR_LEN] = "ABCDEF01-2345-6789-ABCD-EF0123456789";

    CHECK(uuid_canonical("123e4567-e89b-12d3-a456-426614174000"));
    CHECK(!uuid_canonical("123E4567-e89b-12d3-a456-426614174000"));
    CHECK(!uuid_canonical("123e4567-e89b-12d3-a456-42661417400"));
    CHECK(!uuid_canonical(NULL));
    CHECK(uuid_normalize("123E4567-E89B-12D3-A456-426614174000", out));
    CHECK_EQ_STR(out, "123e4567-e89b-12d3-a456-426614174000");
    CHECK(uuid_normalize(same, same));
    CHECK_EQ_STR(same, "abcdef01-2345-6789-abcd-ef0123456789");
    CHECK(!uuid_normalize("123e4567-e89b-12d3-a456", out));
    CHECK_EQ_STR(out, "123e4567-e89b-12d3-a456-426614174000");
    CHECK(!uuid_normalize(NULL, out));
}

static void test_generate(void)
{
    char ids[64][UUID_STR_LEN];

    for (int i = 0; i < 64; i++) {
        uuid_generate(ids[i]);
        CHECK(uuid_canonical(ids[i]));
        CHECK(ids[i][14] == '4');                  /* version 4 */
        CHECK(strchr("89ab", ids[i][19]) != NULL); /* RFC variant */
        for (int j = 0; j < i; j++)
            if (strcmp(ids[i], ids[j]) == 0)
                CHECK(!"two generated UUIDs are equal");
    }
}

TEST_MAIN(test_valid, test_canonical_normalize, test_generate)
