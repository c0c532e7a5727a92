// A `kubelab record` bundle (issue 15 item 5): one JSON file holding what happened in a session — the flows
// the nodes forwarded and the drops with their policies, the traces, captures and lab checks run meanwhile,
// and the objects at the end (for `kubelab ui --replay`) — so a leader can grade or replay it offline.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Flow } from '../flows/flows';
import type { GraphInput } from '../graph/build';
import { CliError } from '../errors';

export const BUNDLE_KIND = 'KubelabRecording';

/** One command run during the recording, as it reported itself (journal.ts). */
export interface JournalEntry {
  time: string;
  kind: 'trace' | 'capture' | 'lab-check';
  /** The command line after `kubelab`. */
  args: string[];
  exitCode?: number;
  /** What it printed (a capture written to a file: a summary). */
  output: string;
  /** Structured result when the command has one (trace -o json, lab check -o json). */
  data?: unknown;
  /** A capture file's content. */
  file?: { name: string; base64: string };
}

export interface RecordBundle {
  kind: typeof BUNDLE_KIND;
  version: 1;
  cluster: string;
  started: string;
  ended: string;
  /** Pod traffic seen during the recording, each connection once, in time order. */
  flows: Flow[];
  events: JournalEntry[];
  /** The objects the map is drawn from, as they were at the end. */
  objects: Omit<GraphInput, 'flows'>;
}

export function readBundle(file: string): RecordBundle {
  let b: RecordBundle;
  try {
    b = JSON.parse(readFileSync(file, 'utf8')) as RecordBundle;
  } catch (err) {
    throw new CliError(`cannot read recording ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (b?.kind !== BUNDLE_KIND || b.version !== 1) throw new CliError(`${file} is not a kubelab recording (kind ${BUNDLE_KIND}, version 1)`);
  return b;
}

export function writeBundle(file: string, b: RecordBundle): void {
  writeFileSync(file, `${JSON.stringify(b, null, 1)}\n`);
}
