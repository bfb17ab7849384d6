/*
 * hightouch-emulator: a local, stateful stand-in for the Hightouch REST
 * API (docs/hightouch-emulator.1).
 *
 * The API key never needs to be on the command line: it is read from a
 * file (--api-key-file) or from HIGHTOUCH_API_KEY, and the admin key from
 * --admin-key-file or HT_EMULATOR_ADMIN_KEY.  --api-key and --admin-key
 * exist for quick manual runs only.  Neither key is ever printed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"

#include "emulator.h"

static const char usage_text[] =
	"usage: hightouch-emulator --workspace SLUG [options]\n"
	"   or: hightouch-emulator generate [options]   (see generate -h)\n"
	"   or: hightouch-emulator fields\n"
	"\n"
	"    --listen HOST:PORT    address to listen on (default 127.0.0.1:0,"
	"\n"
	"                          port 0 picks a free port)\n"
	"    --db FILE             SQLite database (default: in memory)\n"
	"    --workspace SLUG      the workspace's name\n"
	"    --api-key-file FILE   the API key, first line of FILE (default:\n"
	"                          $HIGHTOUCH_API_KEY)\n"
	"    --api-key KEY         the API key in argv: not recommended, other"
	"\n"
	"                          users of the machine can read it\n"
	"    --admin-key-file FILE key of the /_emulator admin surface "
	"(default:\n"
	"                          $HT_EMULATOR_ADMIN_KEY; none: no admin "
	"surface)\n"
	"    --admin-key KEY       the admin key in argv: not recommended\n"
	"    --seed FILE.json      replace the workspace with this seed at "
	"start\n"
	"    --rate-limit N/SECS   requests per window per workspace, or "
	"'off'\n"
	"                          (default 200/10)\n"
	"    --latency MS          added to every /api/v1 request (default "
	"0)\n"
	"    --run-duration MS     from a trigger to the run's end (default "
	"200)\n"
	"    --allow-remote        allow a --listen address that is not "
	"loopback\n"
	"    -h, --help            this help\n"
	"\n"
	"When ready, prints 'listening on http://HOST:PORT' on stdout.\n";

struct options {
	const char *listen;
	const char *db;
	const char *workspace;
	const char *api_key_file;
	const char *api_key;
	const char *admin_key_file;
	const char *admin_key;
	const char *seed;
	const char *rate;
	const char *latency;
	const char *run_duration;
	int allow_remote;
};

/* Print a usage error; returns -1 for parse_options(). */
static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return -1;
}

/*
 * "--name VALUE" or "--name=VALUE": 1 and the value in *out, advancing
 * *i; 0 if argv[*i] is another option; -1 if the value is missing.
 */
static int option_value(const char **out, int argc, const char **argv,
			int *i, const char *name)
{
	const char *a = argv[*i];
	size_t len = strlen(name);

	if (strncmp(a, name, len) || (a[len] && a[len] != '='))
		return 0;
	if (a[len] == '=') {
		*out = a + len + 1;
		return 1;
	}
	if (*i + 1 >= argc)
		return usage_error("option '%s' needs a value", name);
	*out = argv[++*i];
	return 1;
}

/* 0, 1 after --help, or -1 after a usage error. */
static int parse_options(struct options *o, int argc, const char **argv)
{
	struct {
		const char *name;
		const char **dst;
	} opts[] = {
		{ "--listen", &o->listen },
		{ "--db", &o->db },
		{ "--workspace", &o->workspace },
		{ "--api-key-file", &o->api_key_file },
		{ "--api-key", &o->api_key },
		{ "--admin-key-file", &o->admin_key_file },
		{ "--admin-key", &o->admin_key },
		{ "--seed", &o->seed },
		{ "--rate-limit", &o->rate },
		{ "--latency", &o->latency },
		{ "--run-duration", &o->run_duration },
	};
	size_t j;
	int i, got = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return 1;
		}
		if (!strcmp(a, "--allow-remote")) {
			o->allow_remote = 1;
			continue;
		}
		for (j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
			if ((got = option_value(opts[j].dst, argc, argv, &i,
						opts[j].name)))
				break;
		if (got < 0)
			return -1;
		if (!got)
			return usage_error("unknown option '%s'", a);
	}
	if (!o->workspace)
		return usage_error("%s", "'--workspace' is required");
	if (!o->listen)
		o->listen = "127.0.0.1:0";
	return 0;
}

/* A key from a file (first line), argv or the environment. */
static int load_key(char **out, const char *file, const char *arg,
		    const char *env, const char *what)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	const char *e = getenv(env);
	size_t i;
	int ret = 0;

	*out = NULL;
	if (file && arg) {
		ret = ht_error_set(HT_EINVALID, "give the %s in a file or in "
				   "argv, not both", what);
		goto cleanup;
	}
	if (file) {
		ret = ht_strbuf_read_file(&sb, file, 4096);
		if (ret < 0) {
			ret = ht_error_set(ret, "cannot read the %s from '%s'",
					   what, file);
			goto cleanup;
		}
		for (i = 0; i < sb.len; i++)
			if (sb.buf[i] == '\n' || sb.buf[i] == '\r')
				break;
		ht_strbuf_setlen(&sb, i);
	} else if (arg) {
		ht_strbuf_addstr(&sb, arg);
	} else if (e) {
		ht_strbuf_addstr(&sb, e);
	} else {
		goto cleanup;
	}
	if (!sb.len) {
		ret = ht_error_set(HT_EINVALID, "the %s is empty", what);
		goto cleanup;
	}
	for (i = 0; i < sb.len; i++)
		if ((unsigned char)sb.buf[i] <= ' ' ||
		    (unsigned char)sb.buf[i] == 0x7f) {
			ret = ht_error_set(HT_EINVALID, "the %s contains "
					   "spaces or control characters",
					   what);
			goto cleanup;
		}
	*out = ht_strbuf_detach(&sb, NULL);
cleanup:
	if (sb.alloc)
		memset(sb.buf, 0, sb.alloc);
	ht_strbuf_release(&sb);
	return ret;
}

static void free_key(char *key)
{
	if (key) {
		memset(key, 0, strlen(key));
		free(key);
	}
}

static int int_option(int *out, const char *v, const char *name, int max)
{
	int64_t n;

	if (emu_parse_int(&n, v, 0, max) < 0)
		return ht_error_set(HT_EINVALID, "'%s' must be an integer from "
				    "0 to %d, got '%s'", name, max, v);
	*out = (int)n;
	return 0;
}

static int setup(struct emu *e, const struct options *o)
{
	int ret;

	e->workspace = o->workspace;
	if ((ret = load_key(&e->api_key, o->api_key_file, o->api_key,
			    "HIGHTOUCH_API_KEY", "API key")) < 0 ||
	    (ret = load_key(&e->admin_key, o->admin_key_file, o->admin_key,
			    "HT_EMULATOR_ADMIN_KEY", "admin key")) < 0)
		return ret;
	if (!e->api_key)
		return ht_error_set(HT_EINVALID, "no API key: use "
				    "--api-key-file or HIGHTOUCH_API_KEY");
	if (e->admin_key && !strcmp(e->admin_key, e->api_key))
		return ht_error_set(HT_EINVALID, "the admin key must differ "
				    "from the API key");
	e->settings.run_duration_ms = 200;
	snprintf(e->settings.run_status, sizeof(e->settings.run_status),
		 "success");
	if ((ret = emu_settings_set_rate(e, o->rate ? o->rate : "200/10")) <
		    0 ||
	    (o->latency && (ret = int_option(&e->settings.latency_ms,
					     o->latency, "--latency",
					     600000)) < 0) ||
	    (o->run_duration &&
	     (ret = int_option(&e->settings.run_duration_ms,
			       o->run_duration, "--run-duration",
			       3600000)) < 0))
		return ret;
	if ((ret = emu_fields_init()) < 0 ||
	    (ret = emu_store_open(e, o->db)) < 0 ||
	    (ret = emu_runs_load_state(e)) < 0)
		return ret;
	if (o->seed && (ret = emu_seed_load_file(e, o->seed)) < 0)
		return ret;
	return 0;
}

static void teardown(struct emu *e)
{
	emu_store_close(e);
	emu_list_cache_release(e);
	emu_faults_clear(e);
	emu_log_reset(e);
	free(e->log);
	free(e->rl_times);
	free_key(e->api_key);
	free_key(e->admin_key);
	pthread_mutex_destroy(&e->lock);
}

static int fields_main(void)
{
	struct ht_strbuf out = HT_STRBUF_INIT;
	int ret;

	if ((ret = emu_fields_init()) < 0) {
		fprintf(stderr, "fatal: %s\n", ht_error_message());
		return 128;
	}
	emu_fields_describe(&out);
	fwrite(out.buf, 1, out.len, stdout);
	ht_strbuf_release(&out);
	return 0;
}

int main(int argc, const char **argv)
{
	struct options o;
	struct emu e;
	struct emu_server *server = NULL;
	struct ht_strbuf url = HT_STRBUF_INIT;
	sigset_t sigs;
	int sig, status = 0;

	if (argc > 1 && !strcmp(argv[1], "generate"))
		return emu_generate_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "fields"))
		return fields_main();

	memset(&o, 0, sizeof(o));
	memset(&e, 0, sizeof(e));
	switch (parse_options(&o, argc, argv)) {
	case 1:
		return 0;
	case -1:
		return 129;
	}
	/* jansson's hash seed, set once before any thread exists */
	json_object_seed(0);
	pthread_mutex_init(&e.lock, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* the server's threads inherit this mask: signals come to sigwait */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if (setup(&e, &o) < 0 ||
	    emu_server_start(&server, &e, o.listen, o.allow_remote, &url) <
		    0) {
		fprintf(stderr, "fatal: %s\n", ht_error_message());
		status = 128;
		goto cleanup;
	}
	printf("listening on %s\n", url.buf);
	fflush(stdout);
	do {
		if (sigwait(&sigs, &sig))
			break;
	} while (sig != SIGINT && sig != SIGTERM && sig != SIGHUP);
	emu_server_stop(server);
cleanup:
	teardown(&e);
	ht_strbuf_release(&url);
	return status;
}
