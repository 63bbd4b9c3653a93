/* Internal notes on a thread: staff-only text, never sent. Owner: store/notes.c */
#ifndef SMSDESK_STORE_NOTES_H
#define SMSDESK_STORE_NOTES_H

#define NOTE_MAX 1000 /* bytes */

struct thread_note {
	int64_t id;
	int64_t tenant_id;
	int64_t thread_id;
	int64_t user_id;
	char *username;
	char *body;
	int64_t created_at;
};

void thread_note_free(struct thread_note *n);
void thread_note_list_free(struct thread_note **list, size_t n);

/* Adds a note (body 1..NOTE_MAX bytes, newlines allowed, no other control characters). */
int store_note_add(struct store *s, const struct thread_note *n, int64_t *id_out, char **err);
/* The notes of a thread, oldest first. */
int store_note_list(struct store *s, int64_t thread_id, struct thread_note **out, size_t *n, char **err);

#endif
