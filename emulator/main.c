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
#include "hightouch/options.h"

#include "emulator.h"

static const char *const emulator_usage[] = {
	"hightouch-emulator --workspace <slug> [<options>]",
	"hightouch-emulator generate [<options>]",
	"hightouch-emulator fields",
	"",
	"When ready, prints 'listening on http://HOST:PORT' on stdout.",
	NULL,
};

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
	int latency_ms;
	int run_duration_ms;
	int allow_remote;
	int per_client;
	int idle_timeout;
};

/*
 * 0 to go on; else the usage or the error is printed and *status is the
 * exit status (ht_options_status()).
 */
static int parse_options(struct options *o, int *status, int argc,
			 const char **argv)
{
	const struct ht_option opts[] = {
		HT_OPT_STRING(0, "listen", &o->listen, "<host:port>",
			      "address to listen on (default 127.0.0.1:0,\n"
			      "port 0 picks a free port)"),
		HT_OPT_STRING(0, "db", &o->db, "<file>",
			      "SQLite database (default: in memory)"),
		HT_OPT_STRING(0, "workspace", &o->workspace, "<slug>",
			      "the workspace's name"),
		HT_OPT_STRING(0, "api-key-file", &o->api_key_file, "<file>",
			      "the API key, first line of <file> (default:\n"
			      "$HIGHTOUCH_API_KEY)"),
		HT_OPT_STRING(0, "api-key", &o->api_key, "<key>",
			      "the API key in argv: not recommended, other\n"
			      "users of the machine can read it"),
		HT_OPT_STRING(0, "admin-key-file", &o->admin_key_file,
			      "<file>",
			      "key of the /_emulator admin surface (default:\n"
			      "$HT_EMULATOR_ADMIN_KEY; none: no admin "
			      "surface)"),
		HT_OPT_STRING(0, "admin-key", &o->admin_key, "<key>",
			      "the admin key in argv: not recommended"),
		HT_OPT_STRING(0, "seed", &o->seed, "<file.json>",
			      "replace the workspace with this seed at start"),
		HT_OPT_STRING(0, "rate-limit", &o->rate, "<n>/<secs>",
			      "requests per window per workspace, or 'off'\n"
			      "(default 200/10)"),
		HT_OPT_INTEGER_RANGE(0, "latency", &o->latency_ms, "<ms>",
				     "added to every /api/v1 request "
				     "(default 0)",
				     0, 600000),
		HT_OPT_INTEGER_RANGE(0, "run-duration", &o->run_duration_ms,
				     "<ms>",
				     "from a trigger to the run's end "
				     "(default 200)",
				     0, 3600000),
		HT_OPT_BOOL(0, "allow-remote", &o->allow_remote,
			    "allow a --listen address that is not loopback"),
		HT_OPT_INTEGER_RANGE(0, "max-connections-per-client",
				     &o->per_client, "<n>",
				     "connections at once from one client "
				     "address\n(default 64)",
				     1, EMU_CONNECTIONS_MAX),
		HT_OPT_INTEGER_RANGE(0, "idle-timeout", &o->idle_timeout,
				     "<secs>",
				     "close a connection idle this long "
				     "(default 10,\n0: never)",
				     0, 86400),
		HT_OPT_VERSION("hightouch-emulator"),
		HT_OPT_END(),
	};
	int ret;

	ret = ht_options_parse(&argc, argv, opts, HT_OPTIONS_NO_ARGS);
	if (!ret && !o->workspace)
		ret = ht_error_set(HT_EINVALID,
				   "option '--workspace' is required");
	*status = ht_options_status(ret, emulator_usage, opts,
				    HT_EXIT_USAGE);
	return ret;
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
	e->settings.latency_ms = o->latency_ms;
	e->settings.run_duration_ms = o->run_duration_ms;
	snprintf(e->settings.run_status, sizeof(e->settings.run_status),
		 "success");
	ret = emu_settings_set_rate(e, o->rate ? o->rate : "200/10");
	if (ret < 0)
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

static const char *const fields_usage[] = {
	"hightouch-emulator fields",
	"",
	"Prints the API's fields of every kind: type, required, immutable,",
	"and where each comes from.",
	NULL,
};

static int fields_main(int argc, const char **argv)
{
	const struct ht_option opts[] = { HT_OPT_END() };
	struct ht_strbuf out = HT_STRBUF_INIT;
	int ret;

	ret = ht_options_parse(&argc, argv, opts, HT_OPTIONS_NO_ARGS);
	if (ret)
		return ht_options_status(ret, fields_usage, opts,
					 HT_EXIT_USAGE);
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
	struct emu_listen l;
	struct ht_strbuf url = HT_STRBUF_INIT;
	sigset_t sigs;
	int sig, status = 0;

	if (argc > 1 && !strcmp(argv[1], "generate"))
		return emu_generate_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "fields"))
		return fields_main(argc - 1, argv + 1);

	memset(&o, 0, sizeof(o));
	memset(&e, 0, sizeof(e));
	o.listen = "127.0.0.1:0";
	o.run_duration_ms = 200;
	o.per_client = EMU_PER_CLIENT_DEFAULT;
	o.idle_timeout = EMU_IDLE_TIMEOUT_DEFAULT;
	if (parse_options(&o, &status, argc, argv))
		return status;
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

	l.address = o.listen;
	l.allow_remote = o.allow_remote;
	l.per_client = (unsigned)o.per_client;
	l.idle_timeout = (unsigned)o.idle_timeout;
	if (setup(&e, &o) < 0 ||
	    emu_server_start(&server, &e, &l, &url) < 0) {
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
