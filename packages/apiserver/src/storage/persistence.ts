// State survives a restart of the control-plane container: the store is written as one JSON snapshot on the
// state volume, shortly after each change (coalesced), atomically (write + rename), and once more on exit.
// Objects are serialized one by one and remembered (stored objects are never changed in place, a write
// replaces them), so a snapshot re-serializes only what changed, and one object that cannot be serialized
// costs only itself, never every later write (issue 6: one such object stopped persistence for good).
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Snapshot } from './store';

export class SnapshotFile {
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private dirty = false;
  private generation = 0;
  /** The background write under way, if any (it never rejects). */
  private inflight: Promise<void> | undefined;
  private closed = false;
  private readonly encoded = new WeakMap<object, string>();
  private readonly unencodable = new WeakSet<object>();

  constructor(
    private readonly dir: string,
    private readonly take: () => Snapshot,
    private readonly delayMs = 50,
    private readonly log?: Logger,
  ) {}

  get file(): string {
    return path.join(this.dir, 'state.json');
  }

  read(): Snapshot | undefined {
    if (!existsSync(this.file)) return undefined;
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as Snapshot;
    } catch (err) {
      throw new Error(`state file ${this.file} is unreadable: ${(err as Error).message}`);
    }
  }

  schedule(): void {
    if (this.closed) return;
    if (this.writing) {
      this.dirty = true;
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.writing = true;
      this.inflight = this.flushInSlices()
        .catch((err) => {
          // A full or read-only volume must not take the API server down: keep serving, try again later.
          this.log?.error({ err, file: this.file }, 'writing state failed; retrying');
          this.dirty = false;
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.schedule();
          }, 1000);
        })
        .finally(() => {
          this.writing = false;
          if (this.dirty) {
            this.dirty = false;
            this.schedule();
          }
        });
    }, this.delayMs);
  }

  /**
   * The background write: the snapshot is taken at once (stored objects are immutable), then encoded a
   * few milliseconds at a time and written asynchronously, so a store of 10 000 objects never holds the
   * API server's thread for the length of a whole encode and write. A later synchronous flush wins.
   */
  private async flushInSlices(): Promise<void> {
    const generation = ++this.generation;
    const snapshot = this.take();
    const parts: string[] = [];
    let sliceStart = performance.now();
    for (let i = 0; i < snapshot.objects.length; i += 200) {
      parts.push(this.encodeObjects(snapshot.objects.slice(i, i + 200)));
      if (performance.now() - sliceStart >= 2) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    const text = `{"resourceVersion":${JSON.stringify(snapshot.resourceVersion)},"objects":[${parts.filter(Boolean).join(',')}]}`;
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file}.tmp-${generation}`;
    try {
      await writeFile(tmp, text);
      if (generation === this.generation) await rename(tmp, this.file);
    } finally {
      // A write cut short (a full volume) or overtaken by a later flush leaves no partial file behind.
      await rm(tmp, { force: true });
    }
  }

  /**
   * The last write, when the server stops: waits for a background write under way first. Its rename, once
   * issued, completes in the thread pool and could land after a synchronous flush, putting an older snapshot
   * back (seen as a lost object after a restart on a loaded machine).
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight;
    this.flush();
  }

  flush(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, this.encode(this.take()));
    renameSync(tmp, this.file);
  }

  /** The snapshot as the JSON text JSON.stringify would give, built from each object's cached text. */
  encode(snapshot: Snapshot): string {
    return `{"resourceVersion":${JSON.stringify(snapshot.resourceVersion)},"objects":[${this.encodeObjects(snapshot.objects)}]}`;
  }

  private encodeObjects(objects: Snapshot['objects']): string {
    const parts: string[] = [];
    for (const entry of objects) {
      let text = this.encoded.get(entry.object);
      if (text === undefined) {
        try {
          text = JSON.stringify(entry);
        } catch (err) {
          // Unreachable for objects the API accepted (decode.ts bounds their depth); should it happen,
          // the rest of the state is still written, and the failure is reported once per object.
          if (!this.unencodable.has(entry.object)) {
            this.unencodable.add(entry.object);
            const { namespace, name } = entry.object.metadata ?? {};
            this.log?.error({ err, resource: entry.resource, namespace, name }, 'object cannot be serialized; left out of the state file');
          }
          continue;
        }
        this.encoded.set(entry.object, text);
      }
      parts.push(text);
    }
    return parts.join(',');
  }
}
