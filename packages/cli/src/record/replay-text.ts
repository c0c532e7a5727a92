// What `kubelab replay BUNDLE` prints: the recording's span, its flows as `kubelab flows` prints them, then
// each trace, capture and lab check with its command line, exit code and output. Pure.
import { compactLine } from '../flows/flows';
import type { JournalEntry, RecordBundle } from './bundle';

const KIND_TITLE: Record<JournalEntry['kind'], string> = { trace: 'Traces', capture: 'Captures', 'lab-check': 'Lab checks' };

function seconds(a: string, b: string): string {
  return `${((Date.parse(b) - Date.parse(a)) / 1000).toFixed(1)}s`;
}

function entry(e: JournalEntry): string[] {
  const lines = [`$ kubelab ${e.args.join(' ')}    # ${e.time}, exit ${e.exitCode ?? '?'}`];
  if (e.output) lines.push(...e.output.split('\n').map((l) => `  ${l}`));
  if (e.file)
    lines.push(
      `  (file ${e.file.name}: ${e.file.base64 ? `${Buffer.from(e.file.base64, 'base64').length} bytes in the bundle${e.file.member ? ` as ${e.file.member}` : ''}` : 'too large, not kept'})`,
    );
  return lines;
}

export function replayText(b: RecordBundle, only?: 'flows'): string[] {
  const dropped = b.flows.filter((f) => f.verdict === 'DROPPED').length;
  const out: string[] = [];
  if (only !== 'flows') {
    out.push(`Recording of cluster "${b.cluster}" from ${b.started} to ${b.ended} (${seconds(b.started, b.ended)})`);
    out.push('', `Flows (${b.flows.length}, ${dropped} dropped):`);
  }
  out.push(...b.flows.map(compactLine));
  if (only === 'flows') return out;
  for (const kind of ['trace', 'capture', 'lab-check'] as const) {
    const list = b.events.filter((e) => e.kind === kind);
    out.push('', `${KIND_TITLE[kind]} (${list.length}):`);
    for (const e of list) out.push(...entry(e));
  }
  return out;
}
