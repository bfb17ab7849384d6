/*
 * Fuzz target for hightouch:// URL parsing (common/url.c).  The first
 * byte chooses the flags, the rest is the URL.  Checks, besides memory
 * safety: an accepted URL has a valid workspace, an API base made of its
 * parts, and parses again to the same thing from its explicit form; a URL
 * with an '@' is refused without being quoted.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/error.h"
#include "hightouch/kinds.h"
#include "hightouch/strbuf.h"
#include "hightouch/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_url u = HT_URL_INIT, again = HT_URL_INIT;
	struct ht_strbuf sb = HT_STRBUF_INIT;
	unsigned flags;
	char *url;
	int ret;

	if (!size)
		return 0;
	flags = data[0] & 1 ? HT_URL_ALLOW_HTTP : 0;
	url = malloc(size);
	if (!url)
		return 0;
	memcpy(url, data + 1, size - 1);
	url[size - 1] = '\0';

	ret = ht_url_parse(&u, url, flags);
	if (ret) {
		if (ret != HT_EINVALID || u.api_base)
			abort();
		if (strchr(url, '@') && strlen(url) <= HT_URL_MAX &&
		    strlen(url) == size - 1 &&
		    strchr(ht_error_message(), '@'))
			abort();
		goto cleanup;
	}
	if (!ht_slug_valid(u.workspace, strlen(u.workspace)))
		abort();
	if (strcmp(u.scheme, "http") && strcmp(u.scheme, "https"))
		abort();
	if (!strcmp(u.scheme, "http") && !(flags & HT_URL_ALLOW_HTTP) &&
	    !ht_url_host_is_loopback(u.host))
		abort();
	ht_strbuf_addf(&sb, "%s://%s/api/v1", u.scheme, u.authority);
	if (strcmp(sb.buf, u.api_base))
		abort();
	ht_strbuf_reset(&sb);
	ht_strbuf_addf(&sb, "%s://%s/%s", u.scheme, u.authority, u.workspace);
	if (ht_url_parse(&again, sb.buf, flags) ||
	    strcmp(again.api_base, u.api_base) ||
	    strcmp(again.workspace, u.workspace) ||
	    strcmp(again.host, u.host) || again.port != u.port)
		abort();
cleanup:
	ht_url_release(&u);
	ht_url_release(&again);
	ht_strbuf_release(&sb);
	free(url);
	return 0;
}
