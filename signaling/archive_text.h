/* The clerk's archive search, as text: title folding for a search that ignores case and
 * Vietnamese marks, and the days of a date range. Pure functions of their input (the query of a
 * request), tested in tests/unit/signaling/test_archive_text.c and fuzzed. */
#ifndef DH_ARCHIVE_TEXT_H
#define DH_ARCHIVE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Folds UTF-8 text: ASCII lower case, Vietnamese letters without their marks ("Họp Đình" ->
 * "hop dinh", composed or decomposed); anything else is kept. out has cap (>= 1) bytes; the result
 * is never longer than the input and a character is never cut. */
void archive_fold(const char *in, char *out, size_t cap);

/* "YYYY-MM-DD" -> the first second of that day in the hub's time zone. False for anything else,
 * including days that do not exist (2026-02-30) and years before 1970. */
bool archive_parse_day(const char *s, int64_t *out);

#endif
