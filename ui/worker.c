/* The sync worker thread: lease, pass, report, wake the loop. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "src/ehr.h"
#include "src/reminders.h"
#include "src/scheduler.h"
#include "src/sync.h"
#include "src/util.h"
#include "src/vault.h"
#include "store/store.h"
#include "ui/worker.h"

struct ui_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool kicked, stopping;
	bool reminders; /* also run the reminders pass while holding the lease (the demo) */
	int wake_fd;
	char *db_path, *key_file;
	struct ui_worker_result res; /* guarded by mu */
};

/* Publishes one pass's outcome and wakes the loop. */
static void publish(struct ui_worker *w, bool holding, const char *error, int changes)
{
	pthread_mutex_lock(&w->mu);
	w->res.ran = true;
	w->res.holding = holding;
	free(w->res.error);
	w->res.error = error ? xstrdup(error) : NULL;
	if (error == NULL && holding)
		w->res.ok_at = clock_now();
	w->res.changes += changes;
	pthread_mutex_unlock(&w->mu);
	ssize_t r = write(w->wake_fd, "s", 1);
	(void)r; /* a full pipe already means "wake up" */
}

/* The scheduler's reminders pass, for a console that stands in for the scheduler (the demo):
 * runs before the sync pass so what it queues goes out in the same pass. Returns words for the
 * status bar (malloc'd) when it failed, else NULL. */
static char *reminders_step(struct store *s)
{
	struct reminders_report rr = {0};
	char *err = NULL, *words = NULL;
	int64_t now = clock_now();

	if (reminders_pass(s, now, &rr, &err) != 0 || scheduler_note_reminders(s, now, &err) != 0)
		words = xasprintf("reminders: %s", err ? err : "failed");
	else if (rr.last_error != NULL)
		words = xasprintf("reminders: %s", rr.last_error);
	reminders_report_clear(&rr);
	free(err);
	return words;
}

/* The write-backs to the EHR, for a console that stands in for the scheduler (the demo): after
 * the sync pass, so an answer polled in it goes back in the same pass. Counts the acknowledged
 * ones in w->res; returns words for the status bar (malloc'd) when one was refused or waits
 * for a retry, else NULL. */
static char *ehr_step(struct ui_worker *w, struct store *s, int *changes)
{
	struct ehr_drain_stats st = {0};
	char *err = NULL, *words = NULL;

	if (ehr_writeback_drain(s, clock_now(), 5000, &st, &err) != 0)
		words = xasprintf("EHR write-back: %s", err ? err : "failed");
	else if (st.failed + st.retrying > 0)
		words = xasprintf("EHR write-back: %s", st.last_error ? st.last_error : "not acknowledged");
	pthread_mutex_lock(&w->mu);
	w->res.ehr_acked += st.sent;
	pthread_mutex_unlock(&w->mu);
	*changes += st.sent + st.failed;
	free(st.last_error);
	free(err);
	return words;
}

/* While a campaign is sending and no scheduler does it: releases its texts at the location's
 * pace for up to CAMPAIGN_TICK_MS, so the screen shows progress; returns what it sent. */
#define CAMPAIGN_TICK_MS 10000
static int campaign_ticks(struct ui_worker *w, struct sync_engine *e, const struct sync_report *first)
{
	int64_t until = clock_mono_ms() + CAMPAIGN_TICK_MS, next = first->campaign_next_ms;
	bool active = first->campaign_active;
	int sent = 0;
	while (active) {
		pthread_mutex_lock(&w->mu);
		bool stop = w->stopping;
		pthread_mutex_unlock(&w->mu);
		int64_t wait = next - clock_mono_ms();
		if (stop || clock_mono_ms() + (wait > 0 ? wait : 0) >= until)
			break;
		if (wait > 0)
			usleep((useconds_t)(wait > 1000 ? 1000 : wait) * 1000);
		if (next > clock_mono_ms())
			continue;
		struct sync_report r = {0};
		char *err = NULL;
		if (sync_engine_campaign_tick(e, &r, &err) != 0) {
			free(err);
			break;
		}
		sent += r.outbox.sent + r.outbox.failed;
		active = r.campaign_active;
		next = r.campaign_next_ms;
		sync_report_clear(&r);
		if (sent > 0)
			publish(w, true, NULL, r.outbox.sent);
	}
	return sent;
}

/* One pass: takes or renews the lease, and syncs when this console holds it. */
static void one_pass(struct ui_worker *w, struct store *s, struct sync_engine *e)
{
	struct sync_report rep = {0};
	char *err = NULL;
	bool holding = false;

	if (sync_engine_lease(e, &holding, &err) != 0) {
		publish(w, false, err ? err : "sync lease failed", 0);
		free(err);
		return;
	}
	if (!holding) {
		publish(w, false, NULL, 0);
		return;
	}
	char *rem_err = w->reminders ? reminders_step(s) : NULL;
	if (sync_engine_pass(e, &rep, &err) != 0) {
		publish(w, true, err ? err : "sync failed", 1);
	} else {
		int changes = rep.inbound_new + rep.status_updates + rep.outbox.sent + rep.outbox.failed +
			      rep.outbox.retrying + rep.outbox.reconciled + campaign_ticks(w, e, &rep);
		char *ehr_err = w->reminders ? ehr_step(w, s, &changes) : NULL;
		publish(w, true, rep.last_error ? rep.last_error : rem_err ? rem_err : ehr_err, changes);
		free(ehr_err);
	}
	sync_report_clear(&rep);
	free(rem_err);
	free(err);
}

/* Opens what a pass needs; on failure reports and returns -1. */
static int open_engine(struct ui_worker *w, struct store **s, struct vault **v, struct sync_engine **e)
{
	char *err = NULL;
	char host[64] = "host";

	if (store_open(w->db_path, s, &err) != 0)
		goto fail;
	if (w->key_file == NULL || vault_open_keyfile(w->key_file, v, &err) != 0) {
		if (err == NULL)
			err = xstrdup("no key file: Twilio credentials cannot be read");
		goto fail;
	}
	gethostname(host, sizeof host - 1);
	char *owner = xasprintf("console@%s:%d", host, (int)getpid());
	int rc = sync_engine_new(*s, *v, owner, e, &err);
	free(owner);
	if (rc != 0)
		goto fail;
	return 0;
fail:
	vault_close(v);
	store_close(s);
	publish(w, false, err ? err : "cannot start syncing", 0);
	free(err);
	return -1;
}

/* The thread: waits for kicks, runs passes, until stopped. */
static void *worker_main(void *arg)
{
	struct ui_worker *w = arg;
	struct store *s = NULL;
	struct vault *v = NULL;
	struct sync_engine *e = NULL;
	bool ready = false;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->kicked && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		bool stop = w->stopping;
		w->kicked = false;
		pthread_mutex_unlock(&w->mu);
		if (stop)
			break;
		if (!ready)
			ready = open_engine(w, &s, &v, &e) == 0; /* retried on the next kick */
		if (ready)
			one_pass(w, s, e);
	}
	if (e != NULL) {
		sync_engine_release(e);
		sync_engine_free(&e);
	}
	vault_close(&v);
	store_close(&s);
	return NULL;
}

/* Starts the worker. */
int ui_worker_start(const char *db_path, const char *key_file, int wake_fd, bool reminders, struct ui_worker **out,
		    char **err)
{
	struct ui_worker *w = xcalloc(1, sizeof *w);

	w->reminders = reminders;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->wake_fd = wake_fd;
	w->db_path = xstrdup(db_path);
	w->key_file = key_file ? xstrdup(key_file) : NULL;
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		free(w->db_path);
		free(w->key_file);
		free(w);
		return seterr(err, "cannot start the sync thread");
	}
	*out = w;
	return 0;
}

/* Asks for a pass. */
void ui_worker_kick(struct ui_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->kicked = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Takes the latest result. */
void ui_worker_take(struct ui_worker *w, struct ui_worker_result *r)
{
	pthread_mutex_lock(&w->mu);
	*r = w->res;
	r->error = w->res.error ? xstrdup(w->res.error) : NULL;
	w->res.ran = false;
	w->res.changes = 0;
	pthread_mutex_unlock(&w->mu);
}

/* Stops and frees the worker. */
void ui_worker_stop(struct ui_worker **wp)
{
	struct ui_worker *w = *wp;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->res.error);
	free(w->db_path);
	free(w->key_file);
	free(w);
	*wp = NULL;
}
