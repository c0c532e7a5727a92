// `-f FILE|DIR|-` as kubectl reads it: files as given, folders one level deep (all levels with -R) taking
// .json/.yaml/.yml in lexical order (kubectl's FileExtensions and filepath.Walk order), `-` for stdin.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ManifestError, parseManifests, type KubeObject } from '@kubelab/api';
import { CliError } from './errors';

export interface ManifestItem {
  /** The file the object came from, as kubectl names it in messages ("STDIN" for -). */
  source: string;
  object: KubeObject;
}

export interface ReadResult {
  items: ManifestItem[];
  /** Files that could not be read or parsed, in kubectl's wording; the others are still used. */
  errors: string[];
}

const extensions = ['.json', '.yaml', '.yml'];

export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

async function filesOf(arg: string, recursive: boolean): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(arg);
  } catch {
    throw new CliError(`the path "${arg}" does not exist`);
  }
  if (!info.isDirectory()) return [arg];
  const out: string[] = [];
  const entries = (await readdir(arg, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(arg, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await filesOf(p, true)));
    } else if (extensions.includes(path.extname(e.name))) out.push(p);
  }
  return out;
}

export async function readManifests(
  args: string[],
  opts: { recursive?: boolean; stdin?: () => Promise<string> } = {},
): Promise<ReadResult> {
  const items: ManifestItem[] = [];
  const errors: string[] = [];
  for (const arg of args) {
    const files = arg === '-' ? ['-'] : await filesOf(arg, opts.recursive ?? false);
    for (const file of files) {
      const source = file === '-' ? 'STDIN' : file;
      try {
        const text = file === '-' ? await (opts.stdin ?? readStdin)() : await readFile(file, 'utf8');
        for (const object of parseManifests(text, source)) items.push({ source, object });
      } catch (err) {
        const detail = err instanceof ManifestError ? err.message.slice(source.length + 2) : (err as Error).message;
        errors.push(`error: error parsing ${source}: ${detail}`);
      }
    }
  }
  return { items, errors };
}
