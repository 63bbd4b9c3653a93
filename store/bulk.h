/* Bulk generation of synthetic patients and messages, for benchmarks and load tests.
 * Owner: store/bulk.c */
#ifndef SMSDESK_STORE_BULK_H
#define SMSDESK_STORE_BULK_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* Adds `patients` patients (with preference rows and one thread each, numbers
 * +1 312 2xx-xxxx) and `messages` messages spread over their threads and over the year
 * before now, in one transaction with prepared statements; then sets every thread's last
 * message and unread count. Deterministic for a given seed. */
int store_bulk_generate(struct store *s, int64_t tenant_id, size_t patients, size_t messages, int64_t now,
			uint32_t seed, char **err);

#endif
