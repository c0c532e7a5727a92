// Clusters made before etcd kept their state in one JSON snapshot on the state volume. At the first start
// with etcd the snapshot is imported once (only into an empty etcd) and renamed, so `cluster up` on such a
// cluster loses nothing and never imports twice.
import { existsSync, renameSync } from 'node:fs';
import type { Logger } from 'pino';
import type { EtcdStorage } from './etcd-storage';
import { SnapshotFile } from './persistence';

export async function migrateSnapshot(etcd: EtcdStorage, stateDir: string, log: Logger): Promise<void> {
  const file = new SnapshotFile(stateDir, () => ({ resourceVersion: 0, objects: [] }));
  if (!existsSync(file.file)) return;
  const migrated = `${file.file}.migrated-to-etcd`;
  if (!(await etcd.isEmpty())) {
    log.warn({ file: file.file }, 'etcd already holds state; the old snapshot is left unread');
    renameSync(file.file, migrated);
    return;
  }
  const snap = file.read();
  if (!snap) return;
  const n = await etcd.importSnapshot(snap);
  renameSync(file.file, migrated);
  log.info({ objects: n, from: file.file, renamedTo: migrated }, 'state snapshot imported into etcd');
}
