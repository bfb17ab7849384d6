/*
 * git hightouch trigger: start runs of syncs, or of a sync sequence, and
 * with --wait follow them to their end.
 *
 * Every sync named is looked up first (resolve.c): nothing is triggered
 * unless all are known.  Each run is started with POST /syncs/trigger
 * ({"syncId": "<digits>"}, the API's string id, and the options), and
 * its id printed at once.  Waiting asks about every run still going in
 * rounds (syncrun.h: a pause that backs off, and never more requests
 * than HT_POLL_PER_SECOND allows), shows a progress line on a terminal,
 * and ends with a line a run.  SIGINT or SIGTERM stops the waiting, not
 * the runs.
 *
 * Exit status: 0 every run ended success or warning; 1 one ended failed,
 * cancelled or interrupted (its error is printed); 2 trouble; 130 the
 * waiting was stopped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/options.h"
#include "hightouch/strbuf.h"
#include "hightouch/syncrun.h"

#include "git-hightouch.h"

/* Rounds in which a run just triggered may be missing from its list. */
#define MAX_MISSES 10

static const char *const trigger_usage[] = {
	"git hightouch trigger [--remote <name>] [--full-resync] "
	"[--reset-cdc] [--wait] <sync>...",
	"git hightouch trigger [--remote <name>] --sequence <id> [--wait]",
	NULL,
};

/* A run waited on. */
struct waited {
	const char *slug;
	int64_t sync_id, run_id;
	struct ht_run run; /* as last seen (status unknown before) */
	int done;
	unsigned misses;
};

struct trigger {
	const char *remote, *sequence;
	int full_resync, reset_cdc, wait;
	struct wsremote w;
	struct sync_name *names;
	size_t nr;
	struct waited *runs;
	size_t nruns, waiting;
	/* the sequence run */
	char *seq_run;
	struct ht_sequence_run seq;
	/* the progress line on stderr, when it is a terminal */
	int progress;
	size_t shown;
};

/* Sleep `ms`, or less when asked to stop. */
static void pause_ms(uint64_t ms)
{
	struct timespec ts, rem;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (!stop_asked && nanosleep(&ts, &rem) < 0 && errno == EINTR)
		ts = rem;
}

/* 1 if `s` may stand in a path as it is (an id the API gave or takes). */
static int path_safe(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("-._~", *s)))
			return 0;
	return 1;
}

/* The run id of a trigger's answer {"id": "<run>"}: a string or number. */
static int answer_id(struct ht_strbuf *out, const json_t *res,
		     const char *what)
{
	const json_t *id = json_object_get(res, "id");
	int64_t n;

	if (json_is_string(id) && path_safe(json_string_value(id)))
		ht_strbuf_addstr(out, json_string_value(id));
	else if (ht_json_id_value(&n, id ? id : json_null()) == 0)
		ht_strbuf_addf(out, "%" PRId64, n);
	else
		return ht_error_set(HT_EHTTP, "unexpected answer to %s: no "
				    "run id", what);
	return 0;
}

/*
 * The progress line
 */

static size_t terminal_width(void)
{
	struct winsize ws;

	if (!ioctl(2, TIOCGWINSZ, &ws) && ws.ws_col > 10)
		return ws.ws_col;
	return 80;
}

static void progress_show(struct trigger *t, struct ht_strbuf *line)
{
	size_t width = terminal_width() - 1, n;

	if (!t->progress)
		return;
	if (line->len > width) {
		ht_strbuf_setlen(line, width - 3);
		ht_strbuf_addstr(line, "...");
	}
	n = line->len;
	fprintf(stderr, "\r%s%*s", line->buf,
		(int)(t->shown > n ? t->shown - n : 0), "");
	fflush(stderr);
	t->shown = n;
}

static void progress_end(struct trigger *t)
{
	if (t->progress && t->shown)
		fprintf(stderr, "\r%*s\r", (int)t->shown, "");
	t->shown = 0;
}

/* "processing 50%" */
static void add_state(struct ht_strbuf *sb, enum ht_run_status s,
		      double completion)
{
	ht_strbuf_addstr(sb, ht_run_status_name(s));
	if (!ht_run_status_terminal(s) && completion > 0)
		ht_strbuf_addf(sb, " %d%%", (int)(completion * 100 + 0.5));
}

static void progress_runs(struct trigger *t)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i, n = 0;

	ht_strbuf_addf(&sb, "Waiting: %zu of %zu run%s ended",
		       t->nruns - t->waiting, t->nruns,
		       t->nruns == 1 ? "" : "s");
	for (i = 0; i < t->nruns; i++) {
		struct waited *r = &t->runs[i];

		if (r->done)
			continue;
		ht_strbuf_addf(&sb, "%s '%s' ", n++ ? "," : ";", r->slug);
		if (r->run.status_name)
			add_state(&sb, r->run.status, r->run.completion);
		else
			ht_strbuf_addstr(&sb, "triggered");
	}
	progress_show(t, &sb);
	ht_strbuf_release(&sb);
}

/*
 * Syncs
 */

static int trigger_one(struct trigger *t, const struct sync_name *n)
{
	struct ht_strbuf what = HT_STRBUF_INIT;
	json_t *body, *res = NULL;
	struct waited *r;
	int64_t run_id = 0;
	int ret;

	body = json_object();
	json_object_set_new(body, "syncId",
			    json_sprintf("%" PRId64, n->id));
	if (t->full_resync)
		json_object_set_new(body, "fullResync", json_true());
	if (t->reset_cdc)
		json_object_set_new(body, "resetCDC", json_true());
	ret = ht_client_post(t->w.client, &res, "/syncs/trigger", body);
	if (ret)
		ret = ht_error_wrap(ret, "cannot trigger sync '%s'", n->slug);
	ht_strbuf_addf(&what, "the trigger of sync '%s'", n->slug);
	if (!ret && ht_json_get_id(&run_id, res, "id") < 0) {
		ht_error_clear();
		ret = ht_error_set(HT_EHTTP, "unexpected answer to %s: no "
				   "run id", what.buf);
	}
	if (!ret) {
		r = &t->runs[t->nruns++];
		r->slug = n->slug;
		r->sync_id = n->id;
		r->run_id = run_id;
		printf("Triggered sync '%s': run %" PRId64 "\n", n->slug,
		       run_id);
		fflush(stdout);
	}
	json_decref(body);
	json_decref(res);
	ht_strbuf_release(&what);
	return ret;
}

static int trigger_syncs(struct trigger *t)
{
	size_t i;
	int ret = 0;

	t->runs = ht_xcalloc(t->nr + 1, sizeof(*t->runs));
	for (i = 0; i < t->nr; i++) {
		t->runs[i].run = (struct ht_run)HT_RUN_INIT;
		t->runs[i].run.status = HT_RUN_QUEUED;
	}
	for (i = 0; !ret && i < t->nr && !stop_asked; i++)
		if (!t->names[i].dup)
			ret = trigger_one(t, &t->names[i]);
	t->waiting = t->nruns;
	if (!ret && i < t->nr) {
		fprintf(stderr, "Interrupted: %zu of the syncs named were "
			"not triggered\n", t->nr - i);
		return EXIT_INTERRUPTED;
	}
	return ret;
}

/* One round: ask about every run still going. */
static int poll_runs(struct trigger *t)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < t->nruns && !stop_asked; i++) {
		struct waited *r = &t->runs[i];
		struct ht_run run;

		if (r->done)
			continue;
		ret = runs_get(&t->w, &run, r->sync_id, r->run_id);
		if (ret == HT_ENOTFOUND && ++r->misses <= MAX_MISSES) {
			ht_error_clear();
			ret = 0;
			continue;
		}
		if (ret) {
			ret = ht_error_wrap(ret, "cannot follow run %" PRId64
					    " of sync '%s'", r->run_id, r->slug);
			break;
		}
		ht_run_release(&r->run);
		r->run = run;
		if (ht_run_status_terminal(run.status)) {
			r->done = 1;
			t->waiting--;
		}
	}
	return ret;
}

static void summary_runs(struct trigger *t, int *failed)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t i;

	for (i = 0; i < t->nruns; i++) {
		const struct waited *r = &t->runs[i];
		const struct ht_run *run = &r->run;

		ht_strbuf_reset(&sb);
		ht_duration_format(&sb, ht_run_duration_ms(run, 0));
		printf("Sync '%s': run %" PRId64 " %s in %s, ", r->slug,
		       r->run_id, run->status_name, sb.buf);
		ht_strbuf_reset(&sb);
		runs_rows_text(&sb, run);
		printf("%s\n", sb.buf);
		if (ht_run_status_ok(run->status))
			continue;
		*failed = 1;
		ht_strbuf_reset(&sb);
		if (run->error)
			ht_client_sanitize(&sb, run->error,
					   strlen(run->error), NULL, 1000);
		fprintf(stderr, "error: run %" PRId64 " of sync '%s' ended "
			"%s: %s\n", r->run_id, r->slug, run->status_name,
			run->error ? sb.buf : "(the API gave no error)");
	}
	ht_strbuf_release(&sb);
}

static void stopped_runs(struct trigger *t)
{
	size_t i;

	fprintf(stderr, "Stopped waiting; the runs go on:\n");
	for (i = 0; i < t->nruns; i++) {
		const struct waited *r = &t->runs[i];

		fprintf(stderr, "  run %" PRId64 " of sync '%s': %s\n",
			r->run_id, r->slug, r->run.status_name ?
			r->run.status_name : "triggered");
	}
	fprintf(stderr, "Follow them with:\n");
	for (i = 0; i < t->nruns; i++)
		fprintf(stderr, "  git hightouch runs %s%s%s%s\n",
			t->remote ? "--remote " : "",
			t->remote ? t->remote : "", t->remote ? " " : "",
			t->runs[i].slug);
}

/*
 * Sequences
 */

static int trigger_sequence(struct trigger *t)
{
	struct ht_strbuf path = HT_STRBUF_INIT, id = HT_STRBUF_INIT;
	json_t *res = NULL;
	int ret;

	ht_strbuf_addf(&path, "/sync-sequences/%s/trigger", t->sequence);
	ret = ht_client_post(t->w.client, &res, path.buf, NULL);
	if (ret)
		ret = ht_error_wrap(ret, "cannot trigger sync sequence '%s'",
				    t->sequence);
	if (!ret)
		ret = answer_id(&id, res, "the trigger of the sequence");
	if (!ret) {
		t->seq_run = ht_strbuf_detach(&id, NULL);
		printf("Triggered sync sequence '%s': run %s\n", t->sequence,
		       t->seq_run);
		fflush(stdout);
	}
	t->waiting = !ret;
	json_decref(res);
	ht_strbuf_release(&path);
	ht_strbuf_release(&id);
	return ret;
}

static int poll_sequence(struct trigger *t)
{
	struct ht_strbuf path = HT_STRBUF_INIT, sb = HT_STRBUF_INIT;
	json_t *res = NULL;
	size_t i, ended = 0;
	int ret;

	ht_strbuf_addf(&path, "/sync-sequences/runs/%s", t->seq_run);
	ret = ht_client_get(t->w.client, &res, path.buf);
	if (!ret) {
		ht_sequence_run_release(&t->seq);
		ret = ht_sequence_run_parse(&t->seq, res);
	}
	if (ret)
		ret = ht_error_wrap(ret, "cannot follow sync sequence run "
				    "'%s'", t->seq_run);
	if (!ret && ht_sequence_status_terminal(t->seq.status))
		t->waiting = 0;
	for (i = 0; !ret && i < t->seq.nr; i++)
		ended += ht_run_status_terminal(t->seq.steps[i].status);
	if (!ret) {
		ht_strbuf_addf(&sb, "Waiting: sync sequence run %s %s, %zu "
			       "sync run%s ended", t->seq_run,
			       t->seq.status_name, ended,
			       ended == 1 ? "" : "s");
		progress_show(t, &sb);
	}
	json_decref(res);
	ht_strbuf_release(&path);
	ht_strbuf_release(&sb);
	return ret;
}

/* The error of a sync run a sequence started, for the summary. */
static void step_error(struct trigger *t, const struct ht_sequence_step *s)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	struct ht_run run = HT_RUN_INIT;

	if (runs_get(&t->w, &run, s->sync_id, s->run_id) == 0 && run.error)
		ht_client_sanitize(&sb, run.error, strlen(run.error), NULL,
				   1000);
	ht_error_clear();
	fprintf(stderr, "error: run %" PRId64 " of sync %" PRId64 " ended "
		"%s: %s\n", s->run_id, s->sync_id,
		ht_run_status_name(s->status),
		sb.len ? sb.buf : "(the API gave no error)");
	ht_run_release(&run);
	ht_strbuf_release(&sb);
}

static void summary_sequence(struct trigger *t, int *failed)
{
	size_t i;

	printf("Sync sequence '%s': run %s %s\n", t->sequence, t->seq_run,
	       t->seq.status_name);
	for (i = 0; i < t->seq.nr; i++) {
		const struct ht_sequence_step *s = &t->seq.steps[i];

		printf("  sync %" PRId64 ": run %" PRId64 " %s\n", s->sync_id,
		       s->run_id, ht_run_status_name(s->status));
		if (ht_run_status_terminal(s->status) &&
		    !ht_run_status_ok(s->status))
			step_error(t, s);
	}
	if (t->seq.status != HT_SEQUENCE_DONE) {
		*failed = 1;
		fprintf(stderr, "error: sync sequence run %s ended %s\n",
			t->seq_run, t->seq.status_name);
	}
}

/*
 * Waiting
 */

static int wait_all(struct trigger *t)
{
	struct ht_poll poll = HT_POLL_INIT;
	int failed = 0, ret = 0;

	t->progress = isatty(2);
	if (!t->sequence)
		progress_runs(t);
	while (!ret && t->waiting && !stop_asked) {
		pause_ms(ht_poll_next(&poll, t->waiting));
		if (stop_asked)
			break;
		ret = t->sequence ? poll_sequence(t) : poll_runs(t);
		if (!ret && !t->sequence)
			progress_runs(t);
	}
	progress_end(t);
	if (ret)
		return ret;
	if (t->waiting) {
		if (t->sequence)
			fprintf(stderr, "Stopped waiting; sync sequence run "
				"%s goes on\n", t->seq_run);
		else
			stopped_runs(t);
		return EXIT_INTERRUPTED;
	}
	if (t->sequence)
		summary_sequence(t, &failed);
	else
		summary_runs(t, &failed);
	return failed ? EXIT_FINDINGS : 0;
}

static int run_trigger(struct trigger *t, int argc, const char **argv)
{
	int ret;

	ret = wsremote_open(&t->w, t->remote);
	if (!ret && !t->sequence) {
		t->nr = (size_t)argc;
		t->names = ht_xcalloc(t->nr + 1, sizeof(*t->names));
		ret = resolve_syncs(&t->w, argv, t->nr, t->names);
		if (ret)
			ret = ht_error_wrap(ret, "nothing was triggered");
	}
	if (ret)
		return ret;
	catch_stop_signals();
	ret = t->sequence ? trigger_sequence(t) : trigger_syncs(t);
	if (!ret && t->wait)
		ret = wait_all(t);
	return ret;
}

/* The arguments make sense together. */
static int check_args(struct trigger *t, int argc)
{
	if (t->sequence && argc)
		return ht_error_set(HT_EINVALID, "--sequence triggers a "
				    "sequence: name no sync with it");
	if (t->sequence && (t->full_resync || t->reset_cdc))
		return ht_error_set(HT_EINVALID, "--full-resync and "
				    "--reset-cdc are options of a sync's "
				    "run, not of a sequence's");
	if (t->sequence && !path_safe(t->sequence))
		return ht_error_set(HT_EINVALID, "'%s' is not a sync sequence "
				    "id", t->sequence);
	if (!t->sequence && !argc)
		return HT_OPTIONS_USAGE;
	return 0;
}

int cmd_trigger(int argc, char **argv)
{
	struct trigger t = { 0 };
	size_t i;
	int ret;
	const struct ht_option options[] = {
		HT_OPT_STRING(0, "remote", &t.remote, "<name>",
			      "the workspace remote (default: the only one)"),
		HT_OPT_BOOL(0, "full-resync", &t.full_resync,
			    "resync every row, not only what changed"),
		HT_OPT_BOOL(0, "reset-cdc", &t.reset_cdc,
			    "take a new snapshot and send no rows"),
		HT_OPT_BOOL(0, "wait", &t.wait,
			    "follow the runs to their end"),
		HT_OPT_STRING(0, "sequence", &t.sequence, "<id>",
			      "trigger the sync sequence <id>"),
		HT_OPT_END(),
	};

	memset(&t, 0, sizeof(t));
	ret = ht_options_parse(&argc, (const char **)argv, options, 0);
	if (!ret)
		ret = check_args(&t, argc);
	if (ret)
		return ht_options_status(ret, trigger_usage, options,
					 EXIT_TROUBLE);
	ret = run_trigger(&t, argc, (const char **)argv);
	if (t.w.client)
		wsremote_settle(&t.w, ret);
	for (i = 0; i < t.nruns; i++)
		ht_run_release(&t.runs[i].run);
	free(t.runs);
	sync_names_release(t.names, t.nr);
	free(t.names);
	free(t.seq_run);
	ht_sequence_run_release(&t.seq);
	wsremote_close(&t.w);
	return ret;
}
