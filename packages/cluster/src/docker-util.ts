// Pure helpers for Docker's wire formats: build progress lines and multiplexed log streams.
import { demuxText } from '@kubelab/api';

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

/** Decodes `docker logs` output of a non-TTY container (plain text when it does not look multiplexed). */
export function demuxLogs(buf: Buffer): string {
  return demuxText(buf);
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
