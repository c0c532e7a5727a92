// Pure helpers for Docker's wire formats: build progress lines and multiplexed log streams.

export interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

/** Splits accumulated build output into complete JSON events and the unfinished rest. */
export function parseBuildChunk(pending: string): { events: BuildEvent[]; rest: string } {
  const lines = pending.split('\n');
  const rest = lines.pop() ?? '';
  const events: BuildEvent[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    try {
      events.push(JSON.parse(trimmed) as BuildEvent);
    } catch {
      events.push({ stream: trimmed });
    }
  }
  return { events, rest };
}

/** The error a build event carries, if any. */
export function buildEventError(e: BuildEvent): string | undefined {
  return e.errorDetail?.message ?? e.error;
}

/**
 * Decodes `docker logs` output of a non-TTY container: frames of [stream, 0, 0, 0, size(4, BE)] + payload.
 * Falls back to plain text when the buffer does not look multiplexed.
 */
export function demuxLogs(buf: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const kind = buf[i];
    if (kind > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) return buf.toString('utf8');
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  if (i < buf.length && out.length === 0) return buf.toString('utf8');
  return Buffer.concat(out).toString('utf8');
}

/** dockerode rejects with an error carrying the HTTP status of the engine's answer. */
export function isStatus(err: unknown, code: number): boolean {
  return typeof err === 'object' && err !== null && (err as { statusCode?: number }).statusCode === code;
}

/** The engine's own message (dockerode's error text repeats the HTTP preamble). */
export function dockerMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const json = (err as { json?: { message?: string } }).json;
    if (json && typeof json.message === 'string') return json.message;
    if (err instanceof Error) return err.message;
  }
  return String(err);
}
