/*
 * Fuzz target for the remote-helper command loop (common/protocol.c): the
 * input is what git would write on the helper's stdin, the handlers are
 * stand-ins that answer like git-remote-hightouch without touching a
 * repository or the network.  Checks, besides memory safety: the loop
 * ends with 0 or a protocol error, every import batch gets a whole stream
 * and every push batch one answer per ref.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/error.h"
#include "hightouch/protocol.h"
#include "hightouch/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct counts {
	size_t imports, pushes, answers;
};

static int list(struct ht_proto *p, int for_push, void *payload)
{
	(void)payload;
	if (p->opts.object_format)
		ht_proto_printf(p, ":object-format sha1\n");
	ht_proto_printf(p, "%s refs/heads/main\n@refs/heads/main HEAD\n\n",
			for_push ? "0123456789012345678901234567890123456789" :
				   "?");
	return 0;
}

static int import(struct ht_proto *p, const char *const *refs, size_t nr,
		  void *payload)
{
	struct counts *c = payload;
	size_t i, j;

	if (!nr)
		abort();
	for (i = 0; i < nr; i++)
		for (j = i + 1; j < nr; j++)
			if (!strcmp(refs[i], refs[j]))
				abort(); /* batches come deduplicated */
	c->imports++;
	ht_proto_printf(p, "feature done\nreset refs/x/heads/main\nfrom "
			"0123456789012345678901234567890123456789\n\ndone\n");
	return 0;
}

static int push(struct ht_proto *p, const struct ht_push_spec *specs,
		size_t nr, void *payload)
{
	struct counts *c = payload;
	struct ht_strbuf why = HT_STRBUF_INIT;
	size_t i;

	for (i = 0; i < nr; i++) {
		if (!specs[i].dst[0] || strchr(specs[i].dst, ' '))
			abort();
		ht_strbuf_reset(&why);
		ht_proto_quote_c(&why, specs[i].src);
		ht_proto_printf(p, "error %s not pushing %s\n", specs[i].dst,
				why.buf);
		c->answers++;
	}
	ht_proto_printf(p, "\n");
	c->pushes++;
	ht_strbuf_release(&why);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_proto_handler h;
	struct ht_proto p;
	struct counts c = { 0, 0, 0 };
	char *out = NULL;
	size_t out_len = 0;
	FILE *in, *o;
	int ret;

	if (!size)
		return 0;
	in = fmemopen((void *)data, size, "r");
	if (!in)
		return 0;
	o = open_memstream(&out, &out_len);
	if (!o) {
		fclose(in);
		return 0;
	}
	memset(&h, 0, sizeof(h));
	h.refspec = "refs/heads/*:refs/x/heads/*";
	h.object_format = 1;
	h.list = list;
	h.import = import;
	h.push = push;
	h.payload = &c;
	ht_proto_init(&p, in, o, NULL, &h);
	ret = ht_proto_run(&p);
	if (ret && ret != HT_ESYNTAX)
		abort();
	if (p.opts.verbosity < 0)
		abort();
	ht_proto_release(&p);
	fclose(in);
	fclose(o);
	/* every import stream is whole */
	{
		size_t n = 0;
		const char *s = out;

		while (s && (s = strstr(s, "\ndone\n"))) {
			n++;
			s++;
		}
		if (n != c.imports)
			abort();
	}
	free(out);
	return 0;
}
