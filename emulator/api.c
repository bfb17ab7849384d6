/*
 * The public API: /api/v1/..., as Hightouch documents it (the man page,
 * hightouch-emulator(1), lists what this emulator serves), plus the
 * Customer Studio schema under /api/v1/schema/... (an extension, with
 * the same rules).
 *
 * Order of checks: bearer key (401), rate limit (429), route (404),
 * query parameters (400), the body (413, an empty one 400, its type 415,
 * its syntax 400), validation (422), existence (404), conflicts (409).
 * The caller holds emu->lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hightouch/error.h"
#include "hightouch/json.h"

#include "emulator.h"

int emu_check_bearer(const char *authorization, const char *key,
		     const char **why)
{
	const char *p = authorization;
	size_t len;

	if (!p || !*p) {
		*why = "No authorization header found";
		return -1;
	}
	if (strncasecmp(p, "Bearer ", 7)) {
		*why = "Token is invalid";
		return -1;
	}
	p += 7;
	while (*p == ' ')
		p++;
	len = strlen(p);
	while (len && p[len - 1] == ' ')
		len--;
	if (!key || !emu_key_equal(p, len, key)) {
		*why = "Token is invalid";
		return -1;
	}
	return 0;
}

static int rate_ok(struct emu *e)
{
	int64_t now = emu_mono_us() / 1000;
	int64_t *slot;

	if (!e->settings.rate_limit || !e->rl_times)
		return 1;
	slot = &e->rl_times[e->rl_head];
	if (now - *slot < e->settings.rate_window_ms)
		return 0;
	*slot = now;
	e->rl_head = (e->rl_head + 1) % e->rl_size;
	return 1;
}

static void set_route(struct emu_request *req, const char *path_tmpl,
		      const char *suffix)
{
	snprintf(req->route, sizeof(req->route), "%s %s%s%s", req->method,
		 EMU_API_PREFIX, path_tmpl, suffix);
}

/* Parse an id path segment: 0, or -1 with a 400 answered. */
static int parse_id(int64_t *id, const char *s, size_t len,
		    struct emu_response *resp)
{
	char buf[32];

	if (!len || len >= sizeof(buf))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (emu_parse_int(id, buf, 1, INT64_MAX) < 0)
		goto bad;
	return 0;
bad:
	emu_respond_error(resp, 400, "Bad Request", "'%.*s' is not a valid id",
			  (int)(len > 40 ? 40 : len), s);
	return -1;
}

/*
 * The request body as JSON, sent as application/json (else 415); an
 * empty body is a 400, or {} where the body is optional (a trigger's).
 */
static json_t *parse_body(const struct emu_request *req, int optional,
			  struct emu_response *resp)
{
	return emu_parse_body(req, EMU_API_BODY_MAX, "request bodies",
			      EMU_BODY_TYPED |
			      (optional ? 0 : EMU_BODY_REQUIRED), resp);
}

static int no_params(const struct emu_request *req, const char *allowed,
		     struct emu_response *resp)
{
	size_t i;

	for (i = 0; i < req->nargs; i++) {
		const char *k = req->args[i].key;
		const char *v = req->args[i].value;

		if (allowed && !strcmp(k, allowed) && v &&
		    (!strcmp(v, "true") || !strcmp(v, "false")))
			continue;
		if (allowed && !strcmp(k, allowed)) {
			emu_respond_error(resp, 400, "Bad Request", "'%s' must "
					  "be true or false", k);
			return -1;
		}
		emu_respond_error(resp, 400, "Bad Request",
				  "unknown query parameter '%s'", k);
		return -1;
	}
	return 0;
}

static void not_found(struct emu_request *req, struct emu_response *resp)
{
	emu_respond_error(resp, 404, "Not Found", "Cannot %s %s", req->method,
			  req->path);
}

/* /syncs/{id}/runs, /syncs/{id}/trigger and /syncs/trigger */
static int sync_extras(struct emu *e, struct emu_request *req,
		       const char *rest, struct emu_response *resp)
{
	const char *slash;
	json_t *body;
	int64_t id;

	if (!strcmp(rest, "/trigger")) {
		if (strcmp(req->method, "POST"))
			return 0;
		set_route(req, "/syncs/trigger", "");
		if (no_params(req, NULL, resp) < 0 ||
		    !(body = parse_body(req, 0, resp)))
			return 1;
		emu_runs_trigger_custom(e, body, resp);
		json_decref(body);
		return 1;
	}
	slash = strchr(rest + 1, '/');
	if (!slash)
		return 0;
	if (!strcmp(slash, "/runs") && !strcmp(req->method, "GET")) {
		set_route(req, "/syncs/{id}/runs", "");
		if (parse_id(&id, rest + 1, slash - rest - 1, resp) < 0)
			return 1;
		emu_runs_list(e, id, req, resp);
		return 1;
	}
	if (!strcmp(slash, "/trigger") && !strcmp(req->method, "POST")) {
		set_route(req, "/syncs/{id}/trigger", "");
		if (parse_id(&id, rest + 1, slash - rest - 1, resp) < 0 ||
		    no_params(req, NULL, resp) < 0 ||
		    !(body = parse_body(req, 1, resp)))
			return 1;
		emu_runs_trigger(e, id, body, resp);
		json_decref(body);
		return 1;
	}
	return 0;
}

/*
 * /sync-sequences/{id}/trigger and /sync-sequences/runs/{id} (`rest` is
 * what follows "/sync-sequences/"): ids are strings.
 */
static int sequences(struct emu *e, struct emu_request *req,
		     const char *rest, struct emu_response *resp)
{
	const char *slash = strchr(rest, '/');
	struct ht_strbuf id = HT_STRBUF_INIT;
	json_t *body;

	if (!strncmp(rest, "runs/", 5) && !strchr(rest + 5, '/') &&
	    rest[5] && !strcmp(req->method, "GET")) {
		set_route(req, "/sync-sequences/runs/{id}", "");
		if (!no_params(req, NULL, resp))
			emu_sequences_get_run(e, rest + 5, resp);
		return 1;
	}
	if (!slash || slash == rest || strcmp(slash, "/trigger") ||
	    strcmp(req->method, "POST"))
		return 0;
	set_route(req, "/sync-sequences/{id}/trigger", "");
	if (no_params(req, NULL, resp) < 0 ||
	    !(body = parse_body(req, 1, resp)))
		return 1;
	ht_strbuf_add(&id, rest, (size_t)(slash - rest));
	emu_sequences_trigger(e, id.buf, body, resp);
	ht_strbuf_release(&id);
	json_decref(body);
	return 1;
}

static int route_kind(struct emu *e, struct emu_request *req,
		      enum ht_kind kind, const char *rest,
		      struct emu_response *resp)
{
	const char *tmpl = emu_kind_api_path(kind);
	json_t *body;
	int64_t id;

	if (!strcmp(rest, "/"))
		rest = ""; /* "/models/" is "/models" */
	if (kind == HT_KIND_SYNC && *rest && sync_extras(e, req, rest, resp))
		return 1;
	if (!*rest) {
		if (!strcmp(req->method, "GET")) {
			set_route(req, tmpl, "");
			emu_resource_list(e, kind, req, resp);
			return 1;
		}
		if (!strcmp(req->method, "POST")) {
			set_route(req, tmpl, "");
			if (no_params(req, kind == HT_KIND_MODEL ?
				      "skipColumnQuery" : NULL, resp) < 0 ||
			    !(body = parse_body(req, 0, resp)))
				return 1;
			emu_resource_create(e, kind, EMU_OP_CREATE, body, resp);
			json_decref(body);
			return 1;
		}
		return 0;
	}
	if (rest[0] != '/' || strchr(rest + 1, '/'))
		return 0;
	if (!strcmp(req->method, "GET")) {
		set_route(req, tmpl, "/{id}");
		if (parse_id(&id, rest + 1, strlen(rest + 1), resp) < 0 ||
		    no_params(req, NULL, resp) < 0)
			return 1;
		emu_resource_get(e, kind, id, resp);
		return 1;
	}
	if (!strcmp(req->method, "PATCH")) {
		set_route(req, tmpl, "/{id}");
		if (parse_id(&id, rest + 1, strlen(rest + 1), resp) < 0 ||
		    no_params(req, NULL, resp) < 0 ||
		    !(body = parse_body(req, 0, resp)))
			return 1;
		emu_resource_update(e, kind, id, EMU_OP_UPDATE, body, resp);
		json_decref(body);
		return 1;
	}
	return 0;
}

void emu_api_handle(struct emu *e, struct emu_request *req,
		    struct emu_response *resp)
{
	const char *rest = req->path + strlen(EMU_API_PREFIX);
	const char *why;
	size_t i;

	snprintf(req->route, sizeof(req->route), "%s %s/(unknown)",
		 req->method, EMU_API_PREFIX);
	if (emu_check_bearer(req->authorization, e->api_key, &why) < 0) {
		emu_respond_error(resp, 401, "Authentication error", "%s", why);
		return;
	}
	if (!rate_ok(e)) {
		emu_respond_error(resp, 429, "Too Many Requests", "the rate "
				  "limit of %d requests per %g seconds per "
				  "workspace was exceeded",
				  e->settings.rate_limit,
				  e->settings.rate_window_ms / 1000.0);
		return;
	}
	if (emu_runs_settle(e) < 0) {
		emu_respond_failed(resp);
		return;
	}
	if (!strncmp(rest, "/sync-sequences/", 16) &&
	    sequences(e, req, rest + 16, resp))
		return;
	for (i = 0; i < emu_nkinds; i++) {
		const char *p = emu_kind_api_path(emu_kinds[i]);
		size_t len = strlen(p);

		if (strncmp(rest, p, len) || (rest[len] && rest[len] != '/'))
			continue;
		if (route_kind(e, req, emu_kinds[i], rest + len, resp))
			return;
		break;
	}
	not_found(req, resp);
}
