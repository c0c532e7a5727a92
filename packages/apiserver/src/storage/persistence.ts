// State survives a restart of the control-plane container: the store is written as one JSON snapshot on the
// state volume, shortly after each change (coalesced), atomically (write + rename), and once more on exit.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Snapshot } from './store';

export class SnapshotFile {
  private timer: NodeJS.Timeout | undefined;

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
    this.timer ??= setTimeout(() => {
      try {
        this.flush();
      } catch (err) {
        // A full or read-only volume must not take the API server down: keep serving, try again later.
        this.log?.error({ err, file: this.file }, 'writing state failed; retrying');
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.schedule();
        }, 1000);
      }
    }, this.delayMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.take()));
    renameSync(tmp, this.file);
  }
}
