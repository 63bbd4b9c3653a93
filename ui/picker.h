/* Small choosers over another screen: pick one patient from a list (or from a search over the
 * location's patients as you type), and a yes/no question. Owner: ui/picker.c */
#ifndef SMSDESK_UI_PICKER_H
#define SMSDESK_UI_PICKER_H
#include "ui/screen.h"

/* Called with the chosen patient (never after Esc); ctx is the caller's number (a thread id). */
typedef void (*ui_pick_fn)(struct ui *ui, int64_t ctx, const struct patient *p);

/* Opens the patient picker. list (taken, freed by the picker) is the fixed choice; with
 * list NULL the picker searches the signed-in location's patients as the user types. */
void ui_pick_patient(struct ui *ui, const char *title, const char *note, struct patient *list, size_t n,
		     ui_pick_fn done, int64_t ctx);

/* Called when the answer is yes. */
typedef void (*ui_confirm_fn)(struct ui *ui, int64_t ctx);
/* Asks a yes/no question in a box (text is untrusted-safe, wrapped); y runs yes, n/Esc nothing. */
void ui_confirm(struct ui *ui, const char *title, const char *text, ui_confirm_fn yes, int64_t ctx);

extern const struct screen_ops ui_picker_screen;  /* via ui_pick_patient() */
extern const struct screen_ops ui_confirm_screen; /* via ui_confirm() */

#endif
