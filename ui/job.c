/* Jobs: a thread each (they are rare: one per attachment typed), a list the loop reaps, and a
 * pipe byte per finished job to wake the loop's poll(2). */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include "src/util.h"
#include "ui/job.h"

struct job {
	pthread_t thread;
	ui_job_work_fn work;
	ui_job_done_fn done;
	void *arg;
	bool finished; /* under mu */
	struct job *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct job *jobs; /* running and finished, not yet reaped */
static int pipe_fd[2] = {-1, -1};

int ui_jobs_fd(void)
{
	return pipe_fd[0];
}

int ui_jobs_init(void)
{
	if (pipe_fd[0] >= 0)
		return 0;
	return pipe2(pipe_fd, O_CLOEXEC | O_NONBLOCK);
}

/* The thread: the work, then a mark and a wake-up byte. */
static void *run(void *p)
{
	struct job *j = p;
	j->work(j->arg);
	pthread_mutex_lock(&mu);
	j->finished = true;
	pthread_mutex_unlock(&mu);
	ssize_t r = write(pipe_fd[1], "j", 1);
	(void)r; /* a full pipe already holds a wake-up */
	return NULL;
}

int ui_job_start(ui_job_work_fn work, ui_job_done_fn done, void *arg)
{
	struct job *j = xcalloc(1, sizeof *j);
	j->work = work;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&mu);
	if (pipe_fd[1] < 0 || pthread_create(&j->thread, NULL, run, j) != 0) {
		pthread_mutex_unlock(&mu);
		free(j);
		return -1;
	}
	j->next = jobs;
	jobs = j;
	pthread_mutex_unlock(&mu);
	return 0;
}

/* Unlinks the first finished job, or NULL. */
static struct job *take_finished(void)
{
	pthread_mutex_lock(&mu);
	struct job **pp = &jobs, *j = NULL;
	while (*pp != NULL && !(*pp)->finished)
		pp = &(*pp)->next;
	if (*pp != NULL) {
		j = *pp;
		*pp = j->next;
	}
	pthread_mutex_unlock(&mu);
	return j;
}

void ui_jobs_reap(struct ui *ui)
{
	char buf[64];
	struct job *j;
	while (pipe_fd[0] >= 0 && read(pipe_fd[0], buf, sizeof buf) > 0)
		;
	while ((j = take_finished()) != NULL) {
		pthread_join(j->thread, NULL);
		j->done(ui, j->arg);
		free(j);
	}
}

void ui_jobs_stop(void)
{
	pthread_mutex_lock(&mu);
	struct job *all = jobs;
	jobs = NULL;
	pthread_mutex_unlock(&mu);
	while (all != NULL) {
		struct job *j = all;
		all = j->next;
		pthread_join(j->thread, NULL);
		j->done(NULL, j->arg);
		free(j);
	}
	for (int i = 0; i < 2; i++) {
		if (pipe_fd[i] >= 0)
			close(pipe_fd[i]);
		pipe_fd[i] = -1;
	}
}
