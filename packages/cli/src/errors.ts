import { StatusError } from '@kubelab/api';

/** An error meant for the user, printed without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** Printed as is (already in kubectl's wording), without the `error: ` prefix. */
    readonly raw = false,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** kubectl's wording: `Error from server (NotFound): nodes "x" not found`. */
export function describeError(err: unknown): string {
  if (err instanceof StatusError) {
    if (err.reason === 'ServiceUnavailable' && err.message.startsWith('cannot reach')) return `error: ${err.message}`;
    return `Error from server (${err.reason}): ${err.message}`;
  }
  if (err instanceof CliError) return err.raw ? err.message : `error: ${err.message}`;
  return `error: ${(err as Error)?.message ?? String(err)}`;
}
