// kube-controller-manager's slowStartBatch (pkg/controller/replicaset/replica_set.go): create `count`
// objects in batches of 1, 2, 4, ... so that a call that fails (quota, a bad template) fails once or twice,
// not 500 times; stop after the first batch with a failure. Kubernetes runs a batch's calls in parallel;
// here they run in the API server's own thread, so the event loop is given back between batches and
// whenever `sliceMs` of work has been done: a burst of 500 creations never holds the thread for long.

/** Gives the event loop a turn (I/O, timers, other requests) before continuing. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface SlowStartResult {
  successes: number;
  /** The first failure, when a batch had one (later batches were not attempted). */
  error?: unknown;
}

export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  create: () => void,
  pause: () => Promise<void> = yieldToEventLoop,
  sliceMs = 2,
): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  let sliceStart = performance.now();
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    let error: unknown;
    for (let i = 0; i < batch; i++) {
      if (i > 0 && performance.now() - sliceStart >= sliceMs) {
        await pause();
        sliceStart = performance.now();
      }
      try {
        create();
        successes++;
      } catch (err) {
        error ??= err;
      }
    }
    if (error !== undefined) return { successes, error };
    remaining -= batch;
    if (remaining > 0) {
      await pause();
      sliceStart = performance.now();
    }
  }
  return { successes };
}
