// A `kubelab record` bundle (issue 15 item 5): one file holding what happened in a session — the flows
// the nodes forwarded and the drops with their policies, the traces, captures and lab checks run meanwhile,
// and the objects at the end (for `kubelab ui --replay`) — so a leader can grade or replay it offline.
//
// The file is a tar (ustar, tar-stream): under one top folder named after the file, recording.json (what
// and when), flows.json, objects.json, events.json, and each capture as its own captures/NNN-NAME.pcapng
// member, so `tar xf` hands a leader the pcapng files for Wireshark and the JSON parts for jq. Bundles of
// the first version were one JSON file with captures in base64; those are still read (and written, for -o
// x.json).
import { closeSync, createReadStream, createWriteStream, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
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
  /** A capture file's content ('' = too large, not kept); in a tar bundle also its member's path. */
  file?: { name: string; base64: string; member?: string };
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

const MEMBERS = { header: 'recording.json', flows: 'flows.json', objects: 'objects.json', events: 'events.json' };

/** How a tar's events.json names a capture: its member instead of its bytes. */
type TarEvent = Omit<JournalEntry, 'file'> & { file?: { name: string; member?: string; size?: number } };

function check(b: RecordBundle | undefined, file: string): RecordBundle {
  if (b?.kind !== BUNDLE_KIND || b.version !== 1) throw new CliError(`${file} is not a kubelab recording (kind ${BUNDLE_KIND}, version 1)`);
  return b;
}

const fail = (file: string, err: unknown): CliError =>
  new CliError(`cannot read recording ${file}: ${err instanceof Error ? err.message : String(err)}`);

/** ustar's magic at offset 257: a tar whatever the file is called. */
function isTar(file: string): boolean {
  const head = Buffer.alloc(263);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return head.toString('latin1', 257, 262) === 'ustar';
}

async function readTar(file: string): Promise<RecordBundle> {
  const members = new Map<string, Buffer>();
  const extract = tar.extract();
  const reading = pipeline(createReadStream(file), extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    // Names relative to the top folder, whatever it is called after a rename.
    if (entry.header.type === 'file') members.set(entry.header.name.split('/').slice(1).join('/'), Buffer.concat(chunks));
  }
  await reading;
  const json = <T>(name: string): T => {
    const m = members.get(name);
    if (!m) throw new Error(`no ${name} in the tar`);
    return JSON.parse(m.toString('utf8')) as T;
  };
  const header = check(json<RecordBundle>(MEMBERS.header), file);
  const events = json<TarEvent[]>(MEMBERS.events).map((e): JournalEntry => {
    if (!e.file) return e as JournalEntry;
    const bytes = e.file.member ? members.get(e.file.member) : undefined;
    return { ...e, file: { name: e.file.name, base64: bytes?.toString('base64') ?? '', member: e.file.member } };
  });
  return { ...header, flows: json(MEMBERS.flows), objects: json(MEMBERS.objects), events };
}

/** A bundle from a tar (`kubelab record`'s) or a JSON file (the first version's). */
export async function readBundle(file: string): Promise<RecordBundle> {
  try {
    if (isTar(file)) return await readTar(file);
    return check(JSON.parse(readFileSync(file, 'utf8')) as RecordBundle, file);
  } catch (err) {
    throw err instanceof CliError ? err : fail(file, err);
  }
}

/** A capture's member name: numbered in session order, the file's own name kept readable. */
export function captureMember(index: number, name: string): string {
  return `captures/${String(index).padStart(3, '0')}-${path.basename(name).replace(/[^\w.-]/g, '_')}`;
}

export async function writeBundle(file: string, b: RecordBundle): Promise<void> {
  if (file.endsWith('.json')) {
    writeFileSync(file, `${JSON.stringify(b, null, 1)}\n`);
    return;
  }
  const top = path.basename(file).replace(/\.tar$/, '') || 'recording';
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(file));
  const mtime = new Date(b.ended);
  const add = (name: string, data: Buffer | string) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ name: `${top}/${name}`, mode: 0o644, mtime }, data, (err) => (err ? reject(err) : resolve())),
    );
  const json = (v: unknown) => `${JSON.stringify(v, null, 1)}\n`;
  const { flows, objects, events, ...header } = b;
  await add(MEMBERS.header, json(header));
  await add(MEMBERS.flows, json(flows));
  await add(MEMBERS.objects, json(objects));
  const listed: TarEvent[] = [];
  let n = 0;
  for (const e of events) {
    if (!e.file) {
      listed.push(e);
      continue;
    }
    const bytes = Buffer.from(e.file.base64, 'base64');
    if (bytes.length === 0) {
      listed.push({ ...e, file: { name: e.file.name } });
      continue;
    }
    const member = captureMember(++n, e.file.name);
    await add(member, bytes);
    listed.push({ ...e, file: { name: e.file.name, member, size: bytes.length } });
  }
  await add(MEMBERS.events, json(listed));
  pack.finalize();
  await written;
}
