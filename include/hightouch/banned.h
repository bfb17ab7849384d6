#ifndef HIGHTOUCH_BANNED_H
#define HIGHTOUCH_BANNED_H

/*
 * Functions the project does not use, after git's banned.h: a call to one
 * fails to compile ("sorry_strcpy_is_a_banned_function" is undeclared).
 *
 * The macros are function-like, so a system header read after them would
 * see its own declarations of these names mangled.  As git does at the end
 * of git-compat-util.h, this header therefore first includes the system
 * headers that declare them (their include guards make any later #include
 * of them a no-op), then defines the macros.  The Makefile compiles every
 * .c file of the product (common/, remote-helper/, hooks/, emulator/) with
 * `-include hightouch/banned.h`, so that each gets it first, a new file
 * included, without a line of its own.  Tests and fuzz harnesses do not.
 *
 * Use instead:
 *  - strcpy, strcat, strncpy, strncat: struct ht_strbuf, or snprintf
 *    (which always terminates and tells when it cut);
 *  - sprintf, vsprintf: snprintf, vsnprintf, ht_strbuf_addf();
 *  - strtok (hidden state): strtok_r, or strchr;
 *  - gmtime, localtime (a shared static result), ctime, asctime (and their
 *    _r forms: a buffer of no stated size): gmtime_r, localtime_r,
 *    ht_time_format() (hightouch/time.h);
 *  - mktemp, tmpnam, tempnam (a name someone else may take first):
 *    mkstemp;
 *  - gets: fgets;
 *  - atoi, atol, atoll, atof: strtol, strtoimax, strtod, which tell a bad
 *    or out-of-range number from 0.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef strtok
#define strtok(x, y) BANNED(strtok)

#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)

#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)
#undef ctime
#define ctime(t) BANNED(ctime)
#undef ctime_r
#define ctime_r(t, buf) BANNED(ctime_r)
#undef asctime
#define asctime(t) BANNED(asctime)
#undef asctime_r
#define asctime_r(t, buf) BANNED(asctime_r)

#undef mktemp
#define mktemp(x) BANNED(mktemp)
#undef tmpnam
#define tmpnam(x) BANNED(tmpnam)
#undef tempnam
#define tempnam(d, p) BANNED(tempnam)
#undef gets
#define gets(x) BANNED(gets)

#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atoll
#define atoll(x) BANNED(atoll)
#undef atof
#define atof(x) BANNED(atof)

#endif
