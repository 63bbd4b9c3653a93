/* The one way ui/ includes curses: the wide-character ncursesw API. Owner: ui/ */
#ifndef SMSDESK_UI_CURSES_H
#define SMSDESK_UI_CURSES_H
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/curses.h>
#endif
