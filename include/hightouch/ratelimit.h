#ifndef HIGHTOUCH_RATELIMIT_H
#define HIGHTOUCH_RATELIMIT_H

/*
 * A sliding-window rate limiter: at most `limit` events in any window of
 * `window_ms` milliseconds.
 *
 * It keeps the times of the last `limit` events in a ring.  An event may
 * happen at `now` when fewer than `limit` events are recorded, or when the
 * oldest of the last `limit` happened at least `window_ms` before `now`.
 *
 * The limiter reads no clock and never sleeps: the caller passes the time
 * (any monotonic count of milliseconds), asks how long to wait, waits, and
 * records the event.  That keeps it deterministic under test.  The API
 * client (client.h) uses it to stay under the Hightouch API's limit of 200
 * requests per 10 seconds.
 *
 *	uint64_t wait = ht_ratelimit_delay(&rl, now);
 *	if (wait) {
 *		sleep_ms(wait);
 *		now += wait;
 *	}
 *	ht_ratelimit_record(&rl, now);
 *	send_request();
 */

#include <stddef.h>
#include <stdint.h>

/* Refused as larger by ht_ratelimit_init(): the ring is `limit` words. */
#define HT_RATELIMIT_MAX 100000

struct ht_ratelimit {
	uint64_t *stamps; /* ring of the last `nr` event times */
	size_t limit;	  /* events allowed per window */
	size_t nr;	  /* events recorded, at most `limit` */
	size_t next;	  /* ring slot of the next event; the oldest if full */
	uint64_t window_ms;
};

#define HT_RATELIMIT_INIT { NULL, 0, 0, 0, 0 }

/*
 * Set up `rl` for `limit` events per `window_ms`.  HT_EINVALID when either
 * is 0 or `limit` exceeds HT_RATELIMIT_MAX.
 */
int ht_ratelimit_init(struct ht_ratelimit *rl, unsigned limit,
		      uint64_t window_ms);

/* Free the ring; `rl` is then as HT_RATELIMIT_INIT.  Safe to call twice. */
void ht_ratelimit_release(struct ht_ratelimit *rl);

/*
 * How many milliseconds to wait from `now` before the next event is
 * allowed; 0 when it may happen at once.
 */
uint64_t ht_ratelimit_delay(const struct ht_ratelimit *rl, uint64_t now);

/* Record an event at `now` (not earlier than any recorded before). */
void ht_ratelimit_record(struct ht_ratelimit *rl, uint64_t now);

#endif
