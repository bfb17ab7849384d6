/*
 * Messages, traces and git-style progress on stderr.  stdout belongs to
 * the protocol: nothing here writes to it.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hightouch/alloc.h"

#include "helper.h"

struct output helper_out = { 1, 0, 0 };

/* Redraw at most this often (git's progress redraws about each second). */
#define PROGRESS_INTERVAL_MS 100

struct progress {
	char *title;
	uint64_t total;
	uint64_t last;
	int64_t last_draw_ms;
	int drawn;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One line to stderr, at once: `prefix`, the message, a newline. */
static void put_line(const char *prefix, const char *fmt, va_list ap)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	ht_strbuf_addstr(&sb, prefix);
	ht_strbuf_vaddf(&sb, fmt, ap);
	ht_strbuf_addch(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, stderr);
	fflush(stderr);
	ht_strbuf_release(&sb);
}

void say(int level, const char *fmt, ...)
{
	va_list ap;

	if (helper_out.verbosity < level)
		return;
	va_start(ap, fmt);
	put_line("", fmt, ap);
	va_end(ap);
}

void trace(const char *what, const char *fmt, ...)
{
	struct ht_strbuf prefix = HT_STRBUF_INIT;
	va_list ap;

	if (!helper_out.trace)
		return;
	ht_strbuf_addf(&prefix, "trace: %s: ", what);
	va_start(ap, fmt);
	put_line(prefix.buf, fmt, ap);
	va_end(ap);
	ht_strbuf_release(&prefix);
}

void crash_point(const char *where)
{
	static long at = -1, count;
	const char *env;

	if (at < 0) {
		env = getenv("HT_TEST_CRASH_AT");
		at = env && *env ? strtol(env, NULL, 10) : 0;
	}
	if (!at || ++count != at)
		return;
	trace("test", "crash point %ld: %s", count, where);
	fflush(stdout);
	raise(SIGKILL);
}

static void draw(struct progress *p, const char *end)
{
	if (p->total)
		fprintf(stderr, "%s: %3u%% (%llu/%llu)%s", p->title,
			(unsigned)(p->last * 100 / p->total),
			(unsigned long long)p->last,
			(unsigned long long)p->total, end);
	else
		fprintf(stderr, "%s: %llu%s", p->title,
			(unsigned long long)p->last, end);
	fflush(stderr);
	p->drawn = 1;
}

struct progress *progress_start(const char *title, uint64_t total)
{
	struct progress *p;

	if (!helper_out.progress || helper_out.verbosity < 1)
		return NULL;
	p = ht_xcalloc(1, sizeof(*p));
	p->title = ht_xstrdup(title);
	p->total = total;
	p->last_draw_ms = now_ms();
	return p;
}

void progress_update(struct progress *p, uint64_t n)
{
	int64_t now;

	if (!p)
		return;
	p->last = n;
	now = now_ms();
	if (now - p->last_draw_ms < PROGRESS_INTERVAL_MS)
		return;
	p->last_draw_ms = now;
	draw(p, "\r");
}

void progress_stop(struct progress **pp)
{
	struct progress *p = *pp;

	if (!p)
		return;
	draw(p, ", done.\n");
	free(p->title);
	free(p);
	*pp = NULL;
}

void progress_abort(struct progress **pp)
{
	struct progress *p = *pp;

	if (!p)
		return;
	if (p->drawn)
		fputc('\n', stderr); /* ends the counter's line, not "done" */
	free(p->title);
	free(p);
	*pp = NULL;
}

void progress_notice(const char *line, void *payload)
{
	int len = (int)strlen(line);

	(void)payload;
	if (!helper_out.progress || helper_out.verbosity < 1)
		return;
	/* over a counter drawn with "\r": its characters blanked */
	fprintf(stderr, "\r%s%*s\n", line, len < 79 ? 79 - len : 0, "");
	fflush(stderr);
}
