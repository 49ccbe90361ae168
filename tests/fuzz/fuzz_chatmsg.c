/* fuzz_chatmsg.c - libFuzzer target for the Kafka message decoders (common/chatmsg.c).
 *
 * Feeds the input to all four decoders. Whatever one accepts must encode, and the encoding
 * must decode again to the same encoding (the codec is a fixed point on valid messages). */
#include "chatmsg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* If @buf decodes as a T, encodes it, decodes and encodes again, and aborts unless the two
 * encodings are equal. */
#define ROUNDTRIP(T, decode, encode, release)                                                      \
    do {                                                                                           \
        struct T a, b;                                                                             \
        char *enc, *again;                                                                         \
                                                                                                   \
        if (decode(buf, size, &a, err, sizeof(err)) != 0)                                          \
            break;                                                                                 \
        enc = encode(&a);                                                                          \
        if (!enc || decode(enc, strlen(enc), &b, err, sizeof(err)) != 0)                           \
            abort();                                                                               \
        again = encode(&b);                                                                        \
        if (!again || strcmp(enc, again) != 0)                                                     \
            abort();                                                                               \
        free(enc);                                                                                 \
        free(again);                                                                               \
        release(&a);                                                                               \
        release(&b);                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    char err[256];

    ROUNDTRIP(chat_request, chatmsg_decode_request, chatmsg_encode_request, chat_request_release);
    ROUNDTRIP(chat_chunk, chatmsg_decode_chunk, chatmsg_encode_chunk, chat_chunk_release);
    ROUNDTRIP(chat_control, chatmsg_decode_control, chatmsg_encode_control, chat_control_release);
    ROUNDTRIP(chat_dlq, chatmsg_decode_dlq, chatmsg_encode_dlq, chat_dlq_release);
    return 0;
}
