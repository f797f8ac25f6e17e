/** What a graceful shutdown waits for: the HTTP requests being answered, and a deadline. */
import type { IncomingMessage, ServerResponse } from 'node:http';

interface InFlight {
  /** A subscription streamed over server-sent events or multipart: it ends only when its source does. */
  streaming: boolean;
}

export class InFlightRequests {
  readonly #responses = new Map<ServerResponse, InFlight>();
  readonly #onChange = new Set<() => void>();

  track(request: IncomingMessage, response: ServerResponse): void {
    this.#responses.set(response, { streaming: /text\/event-stream|multipart\/mixed/i.test(request.headers.accept ?? '') });
    const done = () => {
      if (!this.#responses.delete(response)) return;
      for (const listener of [...this.#onChange]) listener();
    };
    response.once('finish', done);
    response.once('close', done);
  }

  get size(): number {
    return this.#responses.size;
  }

  /** Responses not started yet close their connection when they end, so no keep-alive connection outlives them. */
  closeConnectionsWhenAnswered(): void {
    for (const response of this.#responses.keys()) if (!response.headersSent) response.setHeader('connection', 'close');
  }

  /** Resolves true once no request `counts` is in flight, or false at the deadline (epoch ms). */
  settled(deadline: number, counts: (request: InFlight) => boolean = () => true): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (![...this.#responses.values()].some(counts)) finish(true);
      };
      const finish = (settled: boolean) => {
        clearTimeout(timer);
        this.#onChange.delete(check);
        resolve(settled);
      };
      const timer = setTimeout(() => finish(false), Math.max(deadline - Date.now(), 0));
      this.#onChange.add(check);
      check();
    });
  }
}

/** Resolves true when `promise` settles by the deadline (epoch ms), false otherwise. */
export function settlesBy(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(deadline - Date.now(), 0));
    const settled = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(settled, settled);
  });
}
