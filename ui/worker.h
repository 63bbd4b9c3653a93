/* The console's sync worker: runs sync engine passes in a thread with its own store
 * connection and tells the loop through a pipe. Owner: ui/worker.c
 *
 * STYLE.md 6 asks for curl_multi in the one loop. The Twilio client (src/twilio.c) is
 * blocking by design (one connection kept alive per drain), so instead the blocking work
 * runs here, off the loop: the keyboard is never blocked by the network, and the loop
 * still waits on one poll(2) for keys and this worker's wake-up byte. */
#ifndef SMSDESK_UI_WORKER_H
#define SMSDESK_UI_WORKER_H
#include <stdbool.h>
#include <stdint.h>

struct ui_worker;

struct ui_worker_result {
	bool ran;         /* a pass finished since the last take */
	bool holding;     /* this console held the sync lease (else a scheduler does the work) */
	int64_t ok_at;    /* when the last pass succeeded (Unix s), 0 = never */
	char *error;      /* words for the status bar (malloc'd), NULL when all went well */
	int changes;      /* new inbound + status updates + sent: something to reload */
	int ehr_acked;    /* write-backs the EHR acknowledged since the start (the demo's passes) */
};

/* Starts the worker thread. wake_fd gets one byte after every pass. key_file may be NULL
 * (then there is nothing to decrypt tokens with and every pass reports so). reminders: each
 * pass that holds the lease also runs the scheduler's reminders pass and sends its write-backs
 * to the EHR (the demo, which has no scheduler of its own). */
int ui_worker_start(const char *db_path, const char *key_file, int wake_fd, bool reminders, struct ui_worker **out,
		    char **err);
/* Asks for a pass as soon as possible (several asks while busy make one more pass). */
void ui_worker_kick(struct ui_worker *w);
/* Takes the latest result (clears `ran`); r->error must be freed. */
void ui_worker_take(struct ui_worker *w, struct ui_worker_result *r);
/* Stops the thread (waits for a pass in progress) and releases the lease. */
void ui_worker_stop(struct ui_worker **wp);

#endif
