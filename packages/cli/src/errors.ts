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

/**
 * How kubectl's checkErr reports the one error a command ends with: an Invalid status is spelled out from its
 * details (`The Pod "bad" is invalid: spec.containers[0].image: Required value`, one `* field: message` line
 * per cause when there are several); everything else as describeError.
 */
export function describeFinalError(err: unknown): string {
  if (!(err instanceof StatusError) || err.reason !== 'Invalid' || !err.details) return describeError(err);
  const d = err.details;
  const subject = d.kind || d.name ? `The ${d.kind ?? ''} "${d.name ?? ''}" is invalid` : 'The request is invalid';
  const causes = (d.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message}` : (c.message ?? '')));
  if (causes.length === 0) return subject;
  if (causes.length === 1) return `${subject}: ${causes[0]}`;
  return `${subject}: \n${causes.map((c) => `* ${c}`).join('\n')}`;
}
