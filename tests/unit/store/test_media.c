/* Tests for store/media.c: the fetch queue of MMS media (idx 0 = the list still to fetch),
 * failures and refusals, and the encrypted bytes. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "src/util.h"

#define NOW 1800000000LL

/* A store with one tenant and one inbound message (SID SM...01); *msg its id. */
static struct store *fixture(int64_t *tenant, int64_t *msg)
{
	struct store *s = tu_store_new(NULL);
	char *err = NULL;
	bool inserted = false;
	assert_int_equal(store_tenant_add(s, "C", "UTC", "", tenant, &err), 0);
	struct sms_message m = {.tenant_id = *tenant, .twilio_sid = "SM00000000000000000000000000000001",
				.direction = "inbound", .from_number = "+13125550101", .to_number = "+13125550100",
				.body = "", .status = "received", .created_at = NOW};
	assert_int_equal(store_msg_insert_inbound(s, &m, msg, &inserted, &err), 0);
	assert_true(inserted);
	return s;
}

static void store_media__lists_then_replaces_the_list_row__when_listed(void **state)
{
	(void)state;
	int64_t t = 0, msg = 0;
	struct store *s = fixture(&t, &msg);
	char *err = NULL;
	struct sms_media *rows = NULL;
	size_t n = 0;
	assert_int_equal(store_media_expect(s, t, msg, NOW, &err), 0);
	assert_int_equal(store_media_expect(s, t, msg, NOW + 5, &err), 0); /* noted once */
	assert_int_equal(store_media_due(s, t, NOW, 0, &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].idx, 0);
	assert_string_equal(rows[0].message_sid, "SM00000000000000000000000000000001");
	sms_media_list_free(&rows, n);
	struct sms_media items[2] = {{.media_sid = "ME01", .content_type = "image/jpeg"},
				     {.media_sid = "ME02", .content_type = "image/png"}};
	assert_int_equal(store_media_listed(s, msg, items, 2, NOW, &err), 0);
	assert_int_equal(store_media_list_message(s, msg, &rows, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].idx, 1);
	assert_string_equal(rows[1].content_type, "image/png");
	assert_string_equal(rows[1].state, "pending");
	sms_media_list_free(&rows, n);
	/* listed twice (a retry after a crash): refused in words, nothing doubled */
	assert_int_equal(store_media_listed(s, msg, items, 2, NOW, &err), -1);
	assert_non_null(strstr(err, "no media list to fetch"));
	free(err);
	store_close(&s);
}

static void store_media__keeps_reason_and_backoff__when_failed_or_refused(void **state)
{
	(void)state;
	int64_t t = 0, msg = 0;
	struct store *s = fixture(&t, &msg);
	char *err = NULL;
	struct sms_media *rows = NULL;
	size_t n = 0;
	struct sms_media items[2] = {{.media_sid = "ME01"}, {.media_sid = "ME02"}};
	assert_int_equal(store_media_expect(s, t, msg, NOW, &err), 0);
	assert_int_equal(store_media_listed(s, msg, items, 2, NOW, &err), 0);
	assert_int_equal(store_media_list_message(s, msg, &rows, &n, &err), 0);
	int64_t a = rows[0].id, b = rows[1].id;
	sms_media_list_free(&rows, n);
	assert_int_equal(store_media_fail(s, a, false, "HTTP 503", NOW + 60, &err), 0);
	assert_int_equal(store_media_fail(s, b, true, "too large", 0, &err), 0);
	assert_int_equal(store_media_due(s, t, NOW + 59, 0, &rows, &n, &err), 0);
	assert_int_equal(n, 0); /* the failure waits; the refusal never comes back */
	assert_int_equal(store_media_due(s, t, NOW + 60, 0, &rows, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, a);
	assert_int_equal(rows[0].attempts, 1);
	assert_string_equal(rows[0].reason, "HTTP 503");
	sms_media_list_free(&rows, n);
	/* stored: the bytes come back as they went in, and the reason is gone */
	unsigned char nonce[24] = {1}, ct[100] = {0, 1, 2, 0, 4};
	assert_int_equal(store_media_put(s, a, "image/jpeg", 84, nonce, sizeof nonce, ct, sizeof ct, &err), 0);
	struct sms_media m = {0};
	unsigned char *gn = NULL, *gc = NULL;
	size_t gnl = 0, gcl = 0;
	assert_int_equal(store_media_get(s, a, &m, &gn, &gnl, &gc, &gcl, &err), 0);
	assert_string_equal(m.state, "stored");
	assert_null(m.reason);
	assert_int_equal(m.size, 84);
	assert_int_equal(gcl, sizeof ct);
	assert_memory_equal(gc, ct, sizeof ct);
	sms_media_free(&m);
	free(gn);
	free(gc);
	assert_int_equal(store_media_get(s, 99999, &m, NULL, NULL, NULL, NULL, &err), SD_NOTFOUND);
	assert_int_equal(store_media_put(s, a, NULL, 1, nonce, sizeof nonce, ct, sizeof ct, &err), -1);
	assert_int_equal(store_media_put(s, 99999, "image/jpeg", 1, nonce, sizeof nonce, ct, sizeof ct, &err), -1);
	free(err);
	store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_media__lists_then_replaces_the_list_row__when_listed),
		cmocka_unit_test(store_media__keeps_reason_and_backoff__when_failed_or_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
