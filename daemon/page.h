/*
 * page.h -- the student redemption page (daemon/page.html), compiled into the daemon.
 */
#ifndef CARDD_PAGE_H
#define CARDD_PAGE_H

#include <stddef.h>

/*
 * The page served at GET / as text/html; charset=utf-8: a static, NUL-terminated string that
 * the caller must not free or change.  Its length in bytes (without the NUL) goes to *len when
 * len is not NULL.  Thread-safe.
 */
const char *cardd_page_html(size_t *len);

#endif
