#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* Constants Swift cannot import as macros. */
static inline int32_t crdkafka_partition_ua(void) { return RD_KAFKA_PARTITION_UA; }
static inline int crdkafka_msg_f_copy(void) { return RD_KAFKA_MSG_F_COPY; }
static inline int64_t crdkafka_offset_beginning(void) { return RD_KAFKA_OFFSET_BEGINNING; }
static inline int64_t crdkafka_offset_end(void) { return RD_KAFKA_OFFSET_END; }
