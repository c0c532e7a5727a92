// The control plane's start: etcd first (supervised), then the API server on it. A start that fails is
// logged as "control plane not ready" with a reason the CLI shows (`kubelab` reads it from `docker logs`);
// etcd dying later ends the process so Docker restarts etcd and the API server together.
import type { Logger } from 'pino';
import type { RunningApiServer } from '../api-server';
import { damagedDataReason, superviseEtcd } from './etcd-supervisor';

export interface StorageOptions {
  etcdEndpoints: string[];
  onStorageDiverged: (reason: string) => void;
}

/** The log message the CLI looks for in the control plane's logs (its `reason` field is the why). */
export const notReadyMessage = 'control plane not ready';

export async function runOnEtcd(
  stateDir: string,
  log: Logger,
  start: (storage: StorageOptions) => Promise<RunningApiServer>,
): Promise<RunningApiServer> {
  const etcd = superviseEtcd(stateDir, log);
  const storage: StorageOptions = {
    etcdEndpoints: [etcd.endpoint],
    onStorageDiverged: (reason) => {
      log.fatal({ reason }, 'the watch cache lost etcd or no longer matches it; exiting so the control plane restarts and reloads it');
      process.exit(1);
    },
  };
  let server: RunningApiServer;
  try {
    server = await Promise.race([start(storage), etcd.exited]);
  } catch (err) {
    const e = err as Error & { cause?: { hadData?: boolean } };
    const reason = e.cause?.hadData ? damagedDataReason(etcd.dataDir, e.message, process.env.KUBELAB_CLUSTER) : e.message;
    log.fatal({ reason }, notReadyMessage);
    await etcd.stop();
    throw new Error(`${notReadyMessage}: ${reason}`);
  }
  etcd.exited.catch((err: Error) => {
    log.fatal({ reason: err.message }, 'etcd stopped; exiting so Docker restarts the control plane');
    process.exit(1);
  });
  return {
    ...server,
    async close() {
      await server.close();
      await etcd.stop();
    },
  };
}
