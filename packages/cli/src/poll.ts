// Polling with an injected clock (testcontainers' retry habit): waits report what they waited for on timeout.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class PollTimeout extends Error {
  constructor(readonly waitingFor: string) {
    super(`timed out waiting for ${waitingFor}`);
    this.name = 'PollTimeout';
  }
}

/**
 * Calls `check` until it returns true. `timeoutMs` undefined or 0 waits forever (kubectl's --timeout=0 on
 * rollout status); otherwise throws PollTimeout naming `waitingFor`.
 */
export async function pollUntil(
  check: () => Promise<boolean>,
  opts: { intervalMs: number; timeoutMs?: number; waitingFor: string; clock?: Clock },
): Promise<void> {
  const clock = opts.clock ?? realClock;
  const deadline = opts.timeoutMs ? clock.now() + opts.timeoutMs : Infinity;
  for (;;) {
    if (await check()) return;
    if (clock.now() >= deadline) throw new PollTimeout(opts.waitingFor);
    await clock.sleep(Math.min(opts.intervalMs, Math.max(0, deadline - clock.now())));
  }
}
