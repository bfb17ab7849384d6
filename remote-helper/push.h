#ifndef PUSH_H
#define PUSH_H

/*
 * The push in two pieces, and what they share:
 *
 *   push.c   the run: the state, conflicts, the changed files, the shared
 *            check, the plan
 *   names.c  the plan's names that the API takes only as ids (a dbtModel)
 *   values.c the plan's values: what a create sends, what an update
 *            changes, old and new
 *   apply.c  the writes, guarded against someone else's writes to the
 *            same resources, and the state afterwards
 *
 * push.c's top comment tells how a push goes.
 */

#include "hightouch/workspace.h"

#include "helper.h"

enum action {
	ACT_NONE,   /* nothing the API can change: ignored */
	ACT_CREATE,
	ACT_UPDATE,
};

struct step {
	enum ht_kind kind;
	char *slug;
	char *path;
	enum action action;
	int64_t id;              /* of an update; of a create once made */
	struct ht_ynode *doc;    /* the pushed file, as the check parsed it */
	struct ht_strbuf content; /* its bytes */
	json_t *body;            /* what is sent */
	struct ht_strbuf fields; /* "name, rawSql": what an update changes */
	char *note;              /* what is not sent, and why */
	struct ht_strbuf kept;   /* "schedule": fields the workspace keeps
				  * (-o keep-schedule) though the file differs */
	int paused;              /* a create paused by -o paused */
	struct ht_strbuf values; /* the plan's lines of values (values.c) */
	size_t nvalues;          /* how many there are, shown or not */
	int done;
	json_t *result;          /* the server's answer */
	json_t *now;             /* an update's resource, read just before */
};

struct push {
	struct odb *r;
	struct state *s;
	const struct push_opts *o;
	git_oid base_tree, head_tree;
	struct ht_workspace ws; /* the workspace pushed to, as pushed */
	json_t *lists[HT_IDS__COUNT]; /* whole lists, read for names */
	struct ht_diags diags;
	struct step *steps;
	size_t nr, alloc;
	size_t notes;
	/* someone else's writes met by the writes (apply.c) */
	size_t interfered;
	int moved[HT_IDS__COUNT]; /* id spaces others changed meanwhile */
};

/*
 * push.c
 */
/* Where a field is in the JSON of a file (LOCAL ones under their name). */
const char *field_key(const struct ht_field *f);
/* The top-level API member a field is sent in ("raw" for "raw.sql"). */
void top_key(struct ht_strbuf *out, const struct ht_field *f);

/*
 * names.c
 */
/*
 * The names of `st`'s request that the API takes only as ids (a
 * dbtModel), replaced by the ids the workspace has for them; one that it
 * has not is a finding in p->diags, at its line.  An error if the
 * workspace cannot be read.
 */
int resolve_names(struct push *p, struct step *st);

/*
 * values.c
 */
/*
 * The plan's lines of `st`, whose body is made: for an update, of each
 * field it sends, `old` -> `cur` down to what differs; for a create (`old`
 * NULL), each field its body sends, `cur` being the body.
 */
void values_plan(struct push *p, struct step *st, const json_t *old,
		 const json_t *cur);
/* Print a step's lines at `level` (say()). */
void values_print(const struct step *st, int level);

/*
 * apply.c
 */
/*
 * The writes, in order, each guarded (see apply.c).  0 when all were
 * made and no one else wrote to what this push wrote; 1, with `why` set
 * and the details on stderr, when a write failed or someone else's write
 * got in the way (the state must then be left as it was); or an error.
 */
int apply_all(struct push *p, struct ht_strbuf *why);
/* Record the writes: the pushed commit is the new base. */
int update_state(struct push *p, const git_oid *head);
/* `-o trigger`: run the syncs the push made or changed. */
void trigger_syncs(struct push *p);

#endif
