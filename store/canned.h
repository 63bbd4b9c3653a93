/* Canned (quick) replies per location. Owner: store/canned.c */
#ifndef SMSDESK_STORE_CANNED_H
#define SMSDESK_STORE_CANNED_H

#define CANNED_NAME_MAX 40
#define CANNED_BODY_MAX 1600

struct canned_reply {
	int64_t id;
	int64_t tenant_id;
	char *name;
	char *body;
	char *updated_by;
	int64_t updated_at;
};

void canned_reply_free(struct canned_reply *c);
void canned_reply_list_free(struct canned_reply **list, size_t n);

/* Adds or replaces (by tenant and name) a reply. The body's template variables are the
 * caller's to check (src/template.c); here: name 1..40 bytes single line, body 1..1600. */
int store_canned_put(struct store *s, const struct canned_reply *c, int64_t *id_out, char **err);
/* Removes a tenant's reply by name; SD_NOTFOUND when there is none. */
int store_canned_remove(struct store *s, int64_t tenant_id, const char *name, char **err);
/* A tenant's replies by name. */
int store_canned_list(struct store *s, int64_t tenant_id, struct canned_reply **out, size_t *n, char **err);

#endif
