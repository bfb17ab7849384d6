/*
 * Fuzz target for what the API client does with a response body it did not
 * choose: the listing envelope (ht_client_parse_page()), the message quoted
 * from an error body (ht_client_server_message()), and the sanitiser under
 * both (ht_client_sanitize()).
 *
 * Properties checked (abort() on failure, so that the fuzzer reports it):
 *  - a page parsed without error has an array of items and `has_more` in
 *    -1, 0, 1; a page refused has no items and an HT_EHTTP error;
 *  - quoted server text, and the sanitiser's output at any cut, hold no
 *    control character (C0, DEL, C1 in UTF-8), never the secret, and are
 *    at most their limit in bytes plus "...".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hightouch/client.h"
#include "hightouch/error.h"
#include "hightouch/json.h"
#include "hightouch/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A secret the corpus holds, so that redaction is exercised. */
#define SECRET "htk_fuzz_SECRET"

static void check_text(const struct ht_strbuf *sb, size_t max)
{
	size_t i;

	if (sb->len > max + 3)
		abort();
	if (strstr(sb->buf, SECRET))
		abort();
	for (i = 0; i < sb->len; i++) {
		unsigned char c = (unsigned char)sb->buf[i];

		if (c < 0x20 || c == 0x7f)
			abort();
		if (c == 0xc2 && i + 1 < sb->len &&
		    (unsigned char)sb->buf[i + 1] >= 0x80 &&
		    (unsigned char)sb->buf[i + 1] <= 0x9f)
			abort();
	}
}

static void page(const uint8_t *data, size_t size)
{
	struct ht_page p = HT_PAGE_INIT;
	json_t *doc = NULL;
	int ret;

	if (ht_json_parse(&doc, (const char *)data, size, 0, "fuzz") < 0)
		return;
	ret = ht_client_parse_page(&p, doc, "'GET /fuzz'");
	if (!ret) {
		if (!json_is_array(p.items) || p.has_more < -1 ||
		    p.has_more > 1)
			abort();
	} else if (ret != HT_EHTTP || p.items) {
		abort();
	}
	ht_page_release(&p);
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ht_strbuf sb = HT_STRBUF_INIT;
	size_t max;

	page(data, size);

	ht_client_server_message(&sb, (const char *)data, size, SECRET);
	check_text(&sb, HT_CLIENT_MAX_SERVER_TEXT);
	ht_strbuf_reset(&sb);

	/* the first byte picks a cut */
	max = size ? data[0] : 0;
	ht_client_sanitize(&sb, (const char *)data, size, SECRET, max);
	check_text(&sb, max);
	ht_strbuf_release(&sb);
	return 0;
}
