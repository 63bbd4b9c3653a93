/* Search folding: Latin letters without their accents, ASCII lower case, so "zoe", "chloe"
 * and "nguyen" find Zoë, Chloé and Nguyễn. Owner: store/fold.c */
#ifndef SMSDESK_STORE_FOLD_H
#define SMSDESK_STORE_FOLD_H

/* The folded copy of utf8 (malloc'd; NULL gives NULL): A-Z to a-z, Latin-1, Latin
 * Extended-A and Latin Extended Additional letters (Vietnamese) to their base letters
 * ("ß" to "ss", "æ" to "ae"), combining accents dropped; everything else is kept as it is. */
char *store_fold(const char *utf8);

#endif
