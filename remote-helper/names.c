/*
 * The names a request cannot carry: a field with an `id_json` (kinds.h),
 * a model's dbtModel, which the file gives as the dbt model's unique id
 * and the API takes only as the number the workspace has for it.  That
 * number is the one a model of the workspace pushed to, built on the same
 * dbt model, has: the workspace's whole list of models is read once per
 * push, and only when a request holds such a name, so a number never
 * comes from another workspace (nor from the file).  A name that no
 * resource of the workspace has is a finding at its line, found while
 * planning, before any write.
 */
#include <stdint.h>
#include <string.h>

#include "hightouch/client.h"
#include "hightouch/diag.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/kinds.h"
#include "hightouch/yaml.h"

#include "push.h"

/*
 * The id that a resource of `st`'s id space has at f->id_json when it has
 * `name` at f->json (a model built on the dbt model `name`: its modelId).
 * HT_ENOTFOUND: none has it.
 */
static int id_by_name(struct push *p, const struct step *st,
		      const struct ht_field *f, const char *name, int64_t *id)
{
	enum ht_ids t = ht_kind_ids(st->kind);
	const json_t *item, *v;
	size_t i;
	int ret;

	if (!p->lists[t]) {
		ret = ht_client_list_all(p->o->rm->client, &p->lists[t],
					 ht_kind_info(ht_ids_kind(t))->api_path,
					 "orderBy=id");
		if (ret < 0)
			return ret;
	}
	json_array_foreach(p->lists[t], i, item) {
		v = ht_json_get_path(item, f->json);
		if (json_is_string(v) && !strcmp(json_string_value(v), name) &&
		    !ht_json_id_value(id, ht_json_get_path(item, f->id_json)))
			return 0;
		ht_error_clear();
	}
	return HT_ENOTFOUND;
}

/* The name at f->json of `body` replaced by `id` at f->id_json. */
static void set_id(json_t *body, const struct ht_field *f, int64_t id)
{
	struct ht_strbuf key = HT_STRBUF_INIT;
	const char *dot = strrchr(f->json, '.');

	/* the top member may be shared with the converted file: a copy */
	top_key(&key, f);
	json_object_set_new(body, key.buf,
			    json_deep_copy(json_object_get(body, key.buf)));
	ht_strbuf_reset(&key);
	if (dot) {
		ht_strbuf_add(&key, f->json, dot - f->json);
		json_object_del(ht_json_get_path(body, key.buf), dot + 1);
	} else {
		json_object_del(body, f->json);
	}
	if (ht_json_set_path(body, f->id_json, json_integer(id)) < 0)
		HT_BUG("cannot set '%s' in a request", f->id_json);
	ht_strbuf_release(&key);
}

/* A name no resource of the workspace has: an error at its line. */
static void unknown_name(struct push *p, const struct step *st,
			 const struct ht_field *f, const char *name)
{
	const struct ht_ynode *at = ht_ynode_map_get(st->doc, f->name);
	const char *what = ht_ids_name(ht_kind_ids(st->kind));

	ht_diags_add(&p->diags, HT_SEV_ERROR, st->path, at ? at->line : 1,
		     at ? at->col : 1, "unresolved-reference",
		     "no %s of workspace '%s' has %s '%s': the API takes it "
		     "only through the id such a %s has (create one in "
		     "Hightouch first)",
		     what, p->ws.name, f->name, name, what);
}

int resolve_names(struct push *p, struct step *st)
{
	const struct ht_kind_info *info = ht_kind_info(st->kind);
	size_t i;
	int ret;

	for (i = 0; i < info->nfields; i++) {
		const struct ht_field *f = &info->fields[i];
		const json_t *v;
		int64_t id;

		if (!f->id_json)
			continue;
		v = ht_json_get_path(st->body, f->json);
		if (!json_is_string(v))
			continue;
		ret = id_by_name(p, st, f, json_string_value(v), &id);
		if (ret == HT_ENOTFOUND) {
			unknown_name(p, st, f, json_string_value(v));
			continue;
		}
		if (ret < 0)
			return ret;
		set_id(st->body, f, id);
	}
	return 0;
}
