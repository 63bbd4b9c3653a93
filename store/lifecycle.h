/* Admin recovery and lifecycle: unlocking accounts, forced password changes, renaming and
 * retiring locations, merging and deleting patients. Owner: store/lifecycle.c */
#ifndef SMSDESK_STORE_LIFECYCLE_H
#define SMSDESK_STORE_LIFECYCLE_H

/* Clears failed sign-ins and a lockout. */
int store_user_unlock(struct store *s, int64_t id, char **err);
/* Whether the user must choose a new password at the next sign-in. */
int store_user_set_must_change(struct store *s, int64_t id, bool must, char **err);
int store_user_must_change(struct store *s, int64_t id, bool *must, char **err);

/* Renames a location (refused when the name is taken or not clean text). */
int store_tenant_rename(struct store *s, int64_t id, const char *name, char **err);
/* Retires a location at `at` (0: brings it back). A retired location is left out of
 * store_tenant_list, so it is no longer polled, reminded or offered; its rows stay. */
int store_tenant_retire(struct store *s, int64_t id, int64_t at, char **err);
int store_tenant_retired(struct store *s, int64_t id, int64_t *at, char **err);

/* What a merge or delete moved or removed. */
struct patient_change {
	int appointments;
	int messages;
	int threads;
};
/* Moves everything of patient `drop` (appointments, threads, messages, preferences) to
 * `keep` in the same location and deletes `drop`, in one transaction. An opt-out of either
 * stays an opt-out. Refused across locations. */
int store_patient_merge(struct store *s, int64_t keep, int64_t drop, struct patient_change *out, char **err);
/* Deletes a patient with their appointments, reminders, messages and preferences, in one
 * transaction. The audit log keeps its entries about them; number-level opt-outs stay. */
int store_patient_delete(struct store *s, int64_t id, struct patient_change *out, char **err);

#endif
