/**
 * Requests per API key, as a token bucket: a key may burst up to `burst` requests, then `perMinute` a minute. A
 * request over the limit is refused with 429 and how long to wait, instead of queueing work the server cannot keep
 * up with.
 */
export interface RateLimit {
  perMinute: number;
  burst: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request from the key's bucket: 0 when it may proceed, otherwise the seconds until it may. */
  take(key: string): number {
    const now = this.now();
    const refillPerMs = this.limit.perMinute / 60_000;
    const bucket = this.#buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + (now - bucket.at) * refillPerMs);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / refillPerMs / 1000);
  }
}
