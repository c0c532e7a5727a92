// A tiny ustar writer for in-memory build contexts (a Dockerfile plus a few files). Pure, so no dependency
// on tar-fs/tar-stream, which are only transitive dependencies of dockerode here.

export interface TarEntry {
  /** Path inside the archive, "/"-separated, relative. */
  name: string;
  content: Buffer | string;
  /** Unix permission bits; 0o644 unless given. */
  mode?: number;
}

const BLOCK = 512;

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar header field too long: "${value}"`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  // length-1 octal digits, then NUL
  writeString(buf, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

/** Splits a long path into ustar's prefix (155) and name (100) fields at a "/" boundary. */
function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  throw new Error(`path too long for a tar archive: ${path}`);
}

function header(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { prefix, name } = splitName(entry.name);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, entry.mode ?? 0o644);
  writeOctal(h, 108, 8, 0); // uid
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, 0); // fixed mtime: identical inputs give identical archives
  h.fill(' ', 148, 156); // checksum is computed with its own field as spaces
  h.write('0', 156); // regular file
  writeString(h, 257, 6, 'ustar\0');
  writeString(h, 263, 2, '00');
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Builds a complete tar archive. Directories are implied by paths (Docker accepts that). */
export function createTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const content = typeof entry.content === 'string' ? Buffer.from(entry.content, 'utf8') : entry.content;
    parts.push(header(entry, content.length), content);
    const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
