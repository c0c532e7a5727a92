// A minimal ustar writer for putting configMap/secret files into a container (docker putArchive). Pure.

export interface TarEntry {
  path: string;
  content?: Buffer;
  /** Directories carry no content. */
  type?: 'file' | 'dir';
  mode?: number;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** ustar keeps 100 bytes of name plus a 155-byte prefix, split at a slash. */
function splitName(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new RangeError(`tar: path "${path}" is too long for ustar`);
}

function header(entry: TarEntry, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const dir = entry.type === 'dir';
  const { name, prefix } = splitName(dir && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(entry.mode ?? (dir ? 0o755 : 0o644), 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(dir ? '5' : '0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${octal(sum, 7)} `, 148, 'ascii');
  return h;
}

export function tar(entries: TarEntry[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const content = e.type === 'dir' ? Buffer.alloc(0) : (e.content ?? Buffer.alloc(0));
    parts.push(header(e, content.length, mtime), content);
    const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Entries for files at relative paths, with the parent directories they need, parents first. */
export function filesToEntries(files: { path: string; content: Buffer }[], mode = 0o644): TarEntry[] {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [
    ...[...dirs].sort().map((d): TarEntry => ({ path: d, type: 'dir' })),
    ...files.map((f): TarEntry => ({ path: f.path, content: f.content, mode })),
  ];
}
