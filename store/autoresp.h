/* Keyword auto-responses. Owner: store/autoresp.c (the inbound/keywords work) */
#ifndef SMSDESK_STORE_AUTORESP_H
#define SMSDESK_STORE_AUTORESP_H

struct auto_response {
	int64_t id;
	int64_t tenant_id;
	char *keyword;    /* upper case, normalised */
	char *action;     /* opt_out, opt_in, help, confirm, reschedule, cancel, reply */
	char *reply_text;
	bool is_system;
	bool enabled;
	int64_t updated_at;
};

void auto_response_free(struct auto_response *a);
void auto_response_list_free(struct auto_response **list, size_t n);

/* Seeds the default keywords and replies for a tenant (idempotent). */
int store_autoresp_seed_defaults(struct store *s, int64_t tenant_id, char **err);
int store_autoresp_list(struct store *s, int64_t tenant_id, struct auto_response **out, size_t *n, char **err);
int store_autoresp_find(struct store *s, int64_t tenant_id, const char *keyword,
			struct auto_response *out, char **err); /* SD_NOTFOUND */
/* Adds or updates (by tenant+keyword). System rows keep their keyword and action. */
int store_autoresp_upsert(struct store *s, const struct auto_response *a, int64_t *id_out, char **err);
/* Removes a custom keyword; refuses system ones. */
int store_autoresp_delete(struct store *s, int64_t id, char **err);

#endif
