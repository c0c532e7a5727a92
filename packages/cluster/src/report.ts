// Progress reporting: library code does not log; the CLI shows each step with its duration.

/** Called once per finished step, with how long it took. */
export type Report = (step: string, ms: number) => void;

export const silent: Report = () => {};

/** Runs fn and reports it under a name that may depend on the result (e.g. "built" vs "cached"). */
export async function timed<T>(report: Report, fn: () => Promise<T>, describe: string | ((result: T) => string)): Promise<T> {
  const started = performance.now();
  const result = await fn();
  report(typeof describe === 'string' ? describe : describe(result), Math.round(performance.now() - started));
  return result;
}
