/*
 * The remote-helper command loop (see protocol.h), after git's
 * remote-curl.c cmd_main().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/alloc.h"
#include "hightouch/config.h"
#include "hightouch/error.h"
#include "hightouch/protocol.h"
#include "hightouch/strbuf.h"

/* How much of a bad line a message quotes. */
#define QUOTE_MAX 60

void ht_proto_init(struct ht_proto *p, FILE *in, FILE *out, FILE *trace,
		   const struct ht_proto_handler *h)
{
	memset(p, 0, sizeof(*p));
	p->in = in;
	p->out = out;
	p->trace = trace;
	p->h = h;
	p->opts.verbosity = 1;
	ht_strbuf_init(&p->line, 0);
}

static void free_list(char **list, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(list[i]);
	free(list);
}

void ht_proto_release(struct ht_proto *p)
{
	free_list(p->opts.cas, p->opts.cas_nr);
	free_list(p->opts.push_options, p->opts.push_options_nr);
	p->opts.cas = p->opts.push_options = NULL;
	p->opts.cas_nr = p->opts.cas_alloc = 0;
	p->opts.push_options_nr = p->opts.push_options_alloc = 0;
	ht_strbuf_release(&p->line);
}

/* Printable text of a line for messages and traces. */
static void add_printable(struct ht_strbuf *sb, const char *s, size_t len,
			  size_t max)
{
	size_t i;

	for (i = 0; i < len && i < max; i++) {
		unsigned char c = s[i];

		ht_strbuf_addch(sb, c < ' ' || c == 0x7f ? '?' : c);
	}
	if (len > max)
		ht_strbuf_addstr(sb, "...");
}

static void trace_line(struct ht_proto *p, const char *dir, const char *s,
		       size_t len)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	if (!p->trace)
		return;
	ht_strbuf_addf(&sb, "trace: protocol: %s ", dir);
	add_printable(&sb, s, len, 1024);
	ht_strbuf_addch(&sb, '\n');
	fwrite(sb.buf, 1, sb.len, p->trace);
	fflush(p->trace);
	ht_strbuf_release(&sb);
}

void ht_proto_write(struct ht_proto *p, const char *buf, size_t len)
{
	if (p->trace) {
		const char *s = buf, *end = buf + len, *nl;

		while (s < end) {
			nl = memchr(s, '\n', end - s);
			if (!nl)
				nl = end;
			trace_line(p, "->", s, nl - s);
			s = nl + 1;
		}
	}
	if (len && fwrite(buf, 1, len, p->out) != len)
		p->write_error = 1;
}

void ht_proto_printf(struct ht_proto *p, const char *fmt, ...)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ht_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ht_proto_write(p, sb.buf, sb.len);
	ht_strbuf_release(&sb);
}

int ht_proto_flush(struct ht_proto *p)
{
	if (fflush(p->out) || ferror(p->out))
		p->write_error = 1;
	if (p->write_error)
		return ht_error_set(HT_EIO, "cannot write to git: the "
				    "protocol channel (stdout) is closed");
	return 0;
}

static int protocol_error(const char *what, const char *s, size_t len)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	int ret;

	add_printable(&sb, s, len, QUOTE_MAX);
	ret = ht_error_set(HT_ESYNTAX, "protocol error: %s '%s'", what,
			   sb.buf);
	ht_strbuf_release(&sb);
	return ret;
}

/*
 * Read one line into p->line, without its newline.  Returns 1 for a
 * line, 0 at the end of input, or an error.
 */
static int read_line(struct ht_proto *p)
{
	int c;

	ht_strbuf_reset(&p->line);
	while ((c = getc(p->in)) != EOF) {
		if (c == '\n')
			break;
		if (p->line.len >= HT_PROTO_LINE_MAX)
			return ht_error_set(HT_ESYNTAX,
					    "protocol error: a command longer "
					    "than %d bytes",
					    HT_PROTO_LINE_MAX);
		ht_strbuf_addch(&p->line, c);
	}
	if (c == EOF) {
		if (ferror(p->in))
			return ht_error_set(HT_EIO, "cannot read commands "
					    "from git");
		if (!p->line.len)
			return 0;
		/* a last line without its newline: take it */
	}
	if (memchr(p->line.buf, '\0', p->line.len))
		return ht_error_set(HT_ESYNTAX,
				    "protocol error: a NUL byte in a command");
	trace_line(p, "<-", p->line.buf, p->line.len);
	return 1;
}

static int starts_with(const char *s, const char *prefix, const char **rest)
{
	size_t len = strlen(prefix);

	if (strncmp(s, prefix, len))
		return 0;
	if (rest)
		*rest = s + len;
	return 1;
}

/*
 * C escapes, as git's quote.c writes and reads them: each escaped byte,
 * then its letter after the backslash.
 */
static const char c_escapes[] = "\a\b\f\n\r\t\v\"\\";
static const char c_letters[] = "abfnrtv\"\\";

int ht_proto_unquote_c(struct ht_strbuf *out, const char *in)
{
	const char *s = in, *e;
	size_t start = out->len;

	if (*s++ != '"')
		goto bad;
	for (;;) {
		int c = (unsigned char)*s++;

		if (!c)
			goto bad;
		if (c == '"')
			break;
		if (c != '\\') {
			ht_strbuf_addch(out, c);
			continue;
		}
		c = (unsigned char)*s++;
		e = c ? strchr(c_letters, c) : NULL;
		if (e) {
			c = c_escapes[e - c_letters];
		} else if (c >= '0' && c <= '3') {
			if (s[0] < '0' || s[0] > '7' || s[1] < '0' ||
			    s[1] > '7')
				goto bad;
			c = ((c - '0') << 6) | ((s[0] - '0') << 3) |
			    (s[1] - '0');
			s += 2;
			if (!c)
				goto bad;
		} else {
			goto bad;
		}
		ht_strbuf_addch(out, c);
	}
	if (*s)
		goto bad;
	return 0;
bad:
	ht_strbuf_setlen(out, start);
	return ht_error_set(HT_EINVALID, "invalid C-quoted string");
}

/* Must `c` be escaped?  Bytes >= 0x80 only with `high` (quotePath). */
static int must_quote(unsigned char c, int high)
{
	return c < ' ' || c == '"' || c == '\\' || c == 0x7f ||
	       (high && c >= 0x80);
}

/* git's quote_c_style(), bytes >= 0x80 escaped only with `high`. */
static void quote_c(struct ht_strbuf *out, const char *s, int high)
{
	const unsigned char *p;
	const char *e;
	int need = 0;

	for (p = (const unsigned char *)s; *p; p++)
		if (must_quote(*p, high))
			need = 1;
	if (!need) {
		ht_strbuf_addstr(out, s);
		return;
	}
	ht_strbuf_addch(out, '"');
	for (p = (const unsigned char *)s; *p; p++) {
		e = strchr(c_escapes, *p);
		if (e)
			ht_strbuf_addf(out, "\\%c", c_letters[e - c_escapes]);
		else if (must_quote(*p, high))
			ht_strbuf_addf(out, "\\%03o", *p);
		else
			ht_strbuf_addch(out, *p);
	}
	ht_strbuf_addch(out, '"');
}

void ht_proto_quote_c(struct ht_strbuf *out, const char *s)
{
	quote_c(out, s, 1);
}

int ht_quote_path_fully = 1;

const char *ht_quote_path(struct ht_strbuf *out, const char *path)
{
	ht_strbuf_reset(out);
	quote_c(out, path ? path : "", ht_quote_path_fully);
	return out->buf;
}

/* A boolean option's value (git sends "true" or "false"). */
static int option_bool(const char *value, int *out)
{
	int b = value ? ht_parse_bool(value) : -1;

	if (b < 0)
		return -1;
	*out = b;
	return 0;
}

/* A value as git sends it: C-quoted when it starts with '"'. */
static int option_value(struct ht_strbuf *out, const char *value)
{
	if (!value)
		return -1;
	if (*value == '"')
		return ht_proto_unquote_c(out, value) < 0 ? -1 : 0;
	ht_strbuf_addstr(out, value);
	return 0;
}

static void push_string(char ***list, size_t *nr, size_t *alloc, char *s)
{
	HT_ALLOC_GROW(*list, *nr + 1, *alloc);
	(*list)[(*nr)++] = s;
}

/*
 * Apply `option <name> [<value>]`.  Returns 0 (ok), 1 (unsupported) or -1
 * (invalid value), as remote-curl's set_option().
 */
static int set_option(struct ht_proto_options *o, const char *name,
		      const char *value)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;

	if (!strcmp(name, "verbosity")) {
		const char *s = value;
		long v = 0;

		if (!s || !*s)
			return -1;
		for (; *s; s++) {
			if (*s < '0' || *s > '9' || v > 1000)
				return -1;
			v = v * 10 + (*s - '0');
		}
		o->verbosity = (int)v;
		return 0;
	}
	if (!strcmp(name, "progress"))
		return option_bool(value, &o->progress);
	if (!strcmp(name, "dry-run"))
		return option_bool(value, &o->dry_run);
	if (!strcmp(name, "atomic"))
		return option_bool(value, &o->atomic);
	if (!strcmp(name, "cloning"))
		return option_bool(value, &o->cloning);
	if (!strcmp(name, "followtags"))
		return option_bool(value, &o->followtags);
	if (!strcmp(name, "object-format")) {
		/* git < 2.45 sends no value, later ones "true" */
		if (value && strcmp(value, "true") && strcmp(value, "sha1"))
			return -1;
		o->object_format = 1;
		return 0;
	}
	if (!strcmp(name, "cas") || !strcmp(name, "push-option")) {
		int cas = !strcmp(name, "cas");

		if (option_value(&sb, value) < 0 ||
		    strlen(sb.buf) != sb.len ||
		    (cas && !strchr(sb.buf, ':')) ||
		    (cas ? o->cas_nr : o->push_options_nr) >=
			    HT_PROTO_BATCH_MAX) {
			ht_strbuf_release(&sb);
			return -1;
		}
		if (cas)
			push_string(&o->cas, &o->cas_nr, &o->cas_alloc,
				    ht_strbuf_detach(&sb, NULL));
		else
			push_string(&o->push_options, &o->push_options_nr,
				    &o->push_options_alloc,
				    ht_strbuf_detach(&sb, NULL));
		return 0;
	}
	return 1;
}

/* Answer one `option ...` line (`arg` is what follows "option "). */
static int do_option(struct ht_proto *p, const char *arg)
{
	char *name = ht_xstrdup(arg), *value = strchr(name, ' ');
	int ret;

	if (value)
		*value++ = '\0';
	if (!*name)
		ret = -1;
	else
		ret = set_option(&p->opts, name, value);
	if (!ret)
		ht_proto_printf(p, "ok\n");
	else if (ret > 0)
		ht_proto_printf(p, "unsupported\n");
	else
		ht_proto_printf(p, "error invalid value\n");
	free(name);
	return ht_proto_flush(p);
}

static int do_capabilities(struct ht_proto *p)
{
	ht_proto_printf(p, "import\npush\noption\n");
	if (p->h->refspec)
		ht_proto_printf(p, "refspec %s\n", p->h->refspec);
	if (p->h->object_format)
		ht_proto_printf(p, "object-format\n");
	ht_proto_printf(p, "\n");
	return ht_proto_flush(p);
}

/* A ref name as git sends it: no spaces, no control characters. */
static int valid_ref_arg(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * The next line of a batch (`what`: "an import", "a push"): 1, 0 at the
 * blank line that ends it, or an error (the commands end inside it).
 */
static int next_in_batch(struct ht_proto *p, const char *what)
{
	int ret = read_line(p);

	if (!ret)
		return ht_error_set(HT_ESYNTAX, "protocol error: the commands "
				    "end inside %s batch", what);
	if (ret < 0)
		return ret;
	return p->line.len ? 1 : 0;
}

/* Room for one more ref in a batch of `nr`, or an error. */
static int batch_room(size_t nr, const char *what)
{
	if (nr < HT_PROTO_BATCH_MAX)
		return 0;
	return ht_error_set(HT_ESYNTAX, "protocol error: more than %d refs in "
			    "%s batch", HT_PROTO_BATCH_MAX, what);
}

static int do_import(struct ht_proto *p, const char *first)
{
	char **refs = NULL;
	size_t nr = 0, alloc = 0, i;
	const char *arg = first;
	int ret = 0;

	for (;;) {
		int dup = 0;

		if (!valid_ref_arg(arg)) {
			ret = protocol_error("expected 'import <ref>', got",
					     p->line.buf, p->line.len);
			goto cleanup;
		}
		for (i = 0; i < nr; i++)
			if (!strcmp(refs[i], arg))
				dup = 1;
		if (!dup) {
			ret = batch_room(nr, "an import");
			if (ret < 0)
				goto cleanup;
			push_string(&refs, &nr, &alloc, ht_xstrdup(arg));
		}

		ret = next_in_batch(p, "an import");
		if (ret < 0)
			goto cleanup;
		if (!ret)
			break;
		if (!starts_with(p->line.buf, "import ", &arg)) {
			ret = protocol_error("expected 'import <ref>', got",
					     p->line.buf, p->line.len);
			goto cleanup;
		}
	}
	ret = p->h->import(p, (const char *const *)refs, nr, p->h->payload);
	if (!ret)
		ret = ht_proto_flush(p);
cleanup:
	free_list(refs, nr);
	return ret;
}

static void release_specs(struct ht_push_spec *specs, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(specs[i].src);
		free(specs[i].dst);
	}
	free(specs);
}

static int do_push(struct ht_proto *p, const char *first)
{
	struct ht_push_spec *specs = NULL;
	size_t nr = 0, alloc = 0;
	const char *arg = first;
	int ret = 0;

	for (;;) {
		const char *colon;
		int force = 0;

		if (arg) {
			if (*arg == '+') {
				force = 1;
				arg++;
			}
			colon = strrchr(arg, ':');
			if (!colon || !valid_ref_arg(colon + 1) ||
			    (colon > arg && memchr(arg, ' ', colon - arg))) {
				ret = protocol_error("expected 'push "
						     "[+]<src>:<dst>', got",
						     p->line.buf, p->line.len);
				goto cleanup;
			}
			ret = batch_room(nr, "a push");
			if (ret < 0)
				goto cleanup;
			HT_ALLOC_GROW(specs, nr + 1, alloc);
			specs[nr].force = force;
			specs[nr].src = ht_xmemdupz(arg, colon - arg);
			specs[nr].dst = ht_xstrdup(colon + 1);
			nr++;
		}

		ret = next_in_batch(p, "a push");
		if (ret < 0)
			goto cleanup;
		if (!ret)
			break;
		if (starts_with(p->line.buf, "option ", &arg)) {
			ret = do_option(p, arg);
			if (ret < 0)
				goto cleanup;
			arg = NULL;
			continue;
		}
		if (!starts_with(p->line.buf, "push ", &arg)) {
			ret = protocol_error("expected 'push [+]<src>:<dst>', "
					     "got",
					     p->line.buf, p->line.len);
			goto cleanup;
		}
	}
	ret = p->h->push(p, specs, nr, p->h->payload);
	if (!ret)
		ret = ht_proto_flush(p);
cleanup:
	release_specs(specs, nr);
	return ret;
}

int ht_proto_run(struct ht_proto *p)
{
	const char *arg;
	int ret;

	for (;;) {
		ret = read_line(p);
		if (ret <= 0)
			return ret;
		if (!p->line.len)
			return 0;
		if (!strcmp(p->line.buf, "capabilities")) {
			ret = do_capabilities(p);
		} else if (starts_with(p->line.buf, "option ", &arg)) {
			ret = do_option(p, arg);
		} else if (!strcmp(p->line.buf, "list")) {
			ret = p->h->list(p, 0, p->h->payload);
			if (!ret)
				ret = ht_proto_flush(p);
		} else if (!strcmp(p->line.buf, "list for-push")) {
			ret = p->h->list(p, 1, p->h->payload);
			if (!ret)
				ret = ht_proto_flush(p);
		} else if (starts_with(p->line.buf, "import ", &arg)) {
			ret = do_import(p, arg);
		} else if (starts_with(p->line.buf, "push ", &arg)) {
			ret = do_push(p, arg);
		} else {
			ret = protocol_error("unknown command", p->line.buf,
					     p->line.len);
		}
		if (ret < 0)
			return ret;
	}
}
