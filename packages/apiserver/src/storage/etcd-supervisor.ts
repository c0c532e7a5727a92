// etcd next to the API server in the control-plane container: started first, its log lines re-logged as
// the API server's own (component "etcd", so `docker logs` shows both in one format), and watched: if it
// dies while the API server runs, the process exits and Docker restarts the container (restart policy
// unless-stopped), so both start again together. If it dies before it ever answered, its data directory is
// damaged (or unusable), and the reason says so and how to recover.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { startEtcd } from './etcd-process';

export interface SupervisedEtcd {
  endpoint: string;
  dataDir: string;
  /** Rejects with the reason if etcd exits (before stop()). */
  exited: Promise<never>;
  stop(): Promise<void>;
}

const levels = new Set(['debug', 'info', 'warn', 'error', 'fatal']);

/** One zap JSON line of etcd as a pino log line; anything else as plain text. Returns an error's message. */
function relog(log: Logger, line: string): string | undefined {
  let parsed: (Record<string, unknown> & { level?: string; msg?: string }) | undefined;
  try {
    parsed = JSON.parse(line);
  } catch {
    // A Go panic's stack trace, line by line.
  }
  if (!parsed || typeof parsed !== 'object') {
    log.info(line);
    return undefined;
  }
  const { level = 'info', msg, ts: _ts, ...fields } = parsed;
  const lvl = (levels.has(level) ? level : level === 'panic' || level === 'dpanic' ? 'fatal' : 'info') as
    | 'info'
    | 'warn'
    | 'error'
    | 'fatal';
  log[lvl](fields, String(msg));
  if (lvl !== 'error' && lvl !== 'fatal') return undefined;
  return fields.error ? `${String(msg)}: ${String(fields.error)}` : String(msg);
}

export function superviseEtcd(stateDir: string, log: Logger, clientPort = 2379): SupervisedEtcd {
  const dataDir = path.join(stateDir, 'etcd');
  const hadData = existsSync(path.join(dataDir, 'member'));
  const etcdLog = log.child({ component: 'etcd' });
  const recent: string[] = [];
  let stopping = false;
  const child: ChildProcess = startEtcd({
    dataDir,
    clientPort,
    peerPort: clientPort + 1,
    onLine: (line) => {
      const error = relog(etcdLog, line);
      if (error) recent.push(error);
      if (recent.length > 5) recent.shift();
    },
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`etcd could not be started: ${err.message}`)));
    child.once('exit', (code, signal) => {
      if (stopping) return;
      // The last error etcd logged is the reason (zap logs "failed to ..." or panics before exiting).
      const why = recent.at(-1);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new Error(`etcd ${how}${why ? `: ${why}` : ''}`, { cause: { hadData, dataDir } }));
    });
  });
  // Nobody may be listening yet; the rejection is read by whoever awaits `exited`.
  exited.catch(() => {});
  return {
    endpoint: `http://127.0.0.1:${clientPort}`,
    dataDir,
    exited,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

/**
 * What to tell the learner when the control plane cannot start on its etcd data. Kubernetes operators
 * restore from `etcdctl snapshot save` backups; a lab usually starts over.
 */
export function damagedDataReason(dataDir: string, cause: string, cluster = 'NAME'): string {
  return (
    `the etcd data in ${dataDir} (on the cluster's state volume) is damaged: ${cause}. ` +
    `To recover, start over with \`kubelab cluster up --name ${cluster} --recreate\` (this deletes every object), ` +
    `or restore an \`etcdctl snapshot save\` backup into ${dataDir} with \`etcdctl snapshot restore\``
  );
}
