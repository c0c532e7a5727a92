// How commands run during a `kubelab record` reach its bundle: while a recording of a cluster runs, its
// journal file exists, and each trace, capture or lab check on that cluster appends what it printed, its
// exit code and its structured result (one JSON line, written when the process exits, so a failing check
// is recorded too). Other processes need no flag: the journal's existence is the switch.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { CliEnv, Io } from '../command-kit';
import type { JournalEntry } from './bundle';

/** Captures larger than this are recorded by name and size only. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export function journalPath(cluster: string): string {
  return path.join(process.env.KUBELAB_RECORD_DIR ?? path.join(os.tmpdir(), 'kubelab-record'), `${cluster}.jsonl`);
}

export function startJournal(cluster: string): string {
  const file = journalPath(cluster);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '');
  return file;
}

export function readJournal(file: string): JournalEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as JournalEntry];
      } catch {
        return [];
      }
    });
}

export function endJournal(file: string): void {
  rmSync(file, { force: true });
}

/** Which recorded kind an invoked command is: `trace`, `capture`, `lab check`. */
export function journalKind(cmd: Command): JournalEntry['kind'] | undefined {
  if (cmd.name() === 'trace' || cmd.name() === 'capture') return cmd.name() as JournalEntry['kind'];
  if (cmd.name() === 'check' && cmd.parent?.name() === 'lab') return 'lab-check';
  return undefined;
}

function tee(io: Io, lines: string[]): Io {
  return {
    out: (l) => {
      lines.push(l);
      io.out(l);
    },
    err: (l) => {
      lines.push(l);
      io.err(l);
    },
  };
}

function structured(output: string): unknown {
  const t = output.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

function captureFile(name: unknown): JournalEntry['file'] {
  if (typeof name !== 'string' || name === '-' || !existsSync(name)) return undefined;
  if (statSync(name).size > MAX_FILE_BYTES) return { name, base64: '' };
  return { name: path.basename(name), base64: readFileSync(name).toString('base64') };
}

/** Installs the hook: a recorded command's output is teed and journalled when the process exits. */
export function journalCommands(program: Command, env: CliEnv): void {
  program.hook('preAction', (_root, action) => {
    const kind = journalKind(action);
    if (!kind) return;
    const file = journalPath(env.clusterName());
    if (!existsSync(file)) return;
    const lines: string[] = [];
    env.io = tee(env.io, lines);
    const started = new Date().toISOString();
    process.once('exit', (code) => {
      const output = lines.join('\n');
      const entry: JournalEntry = {
        time: started,
        kind,
        args: process.argv.slice(2),
        exitCode: code,
        output,
        data: structured(output),
        file: kind === 'capture' ? captureFile(action.opts().write) : undefined,
      };
      if (existsSync(file)) appendFileSync(file, `${JSON.stringify(entry)}\n`);
    });
  });
}
