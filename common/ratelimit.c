/*
 * A sliding-window rate limiter (see ratelimit.h).
 */
#include <stdint.h>
#include <stdlib.h>

#include "hightouch/alloc.h"
#include "hightouch/error.h"
#include "hightouch/ratelimit.h"

int ht_ratelimit_init(struct ht_ratelimit *rl, unsigned limit,
		      uint64_t window_ms)
{
	*rl = (struct ht_ratelimit)HT_RATELIMIT_INIT;
	if (!limit || !window_ms)
		return ht_error_set(HT_EINVALID,
				    "a rate limit needs at least one request "
				    "per window and a window longer than 0 ms");
	if (limit > HT_RATELIMIT_MAX)
		return ht_error_set(HT_EINVALID,
				    "a rate limit of %u requests per window is "
				    "more than the %d supported",
				    limit, HT_RATELIMIT_MAX);
	rl->stamps = ht_xcalloc(limit, sizeof(*rl->stamps));
	rl->limit = limit;
	rl->window_ms = window_ms;
	return 0;
}

void ht_ratelimit_release(struct ht_ratelimit *rl)
{
	free(rl->stamps);
	*rl = (struct ht_ratelimit)HT_RATELIMIT_INIT;
}

uint64_t ht_ratelimit_delay(const struct ht_ratelimit *rl, uint64_t now)
{
	uint64_t oldest;

	if (rl->nr < rl->limit)
		return 0;
	/* the ring is full: `next` is the oldest of the last `limit` */
	oldest = rl->stamps[rl->next];
	if (oldest + rl->window_ms <= now)
		return 0;
	return oldest + rl->window_ms - now;
}

void ht_ratelimit_record(struct ht_ratelimit *rl, uint64_t now)
{
	if (!rl->limit)
		HT_BUG("ht_ratelimit_record() on a limiter not set up");
	rl->stamps[rl->next] = now;
	rl->next = (rl->next + 1) % rl->limit;
	if (rl->nr < rl->limit)
		rl->nr++;
}
