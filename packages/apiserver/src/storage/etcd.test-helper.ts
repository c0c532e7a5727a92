// A real etcd for storage tests: the host's `etcd` binary (Debian's etcd-server, installed by
// scripts/docker-engine.sh) on free loopback ports and a temp data dir. Tests skip when it is missing.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEtcd } from './etcd-process';

export const hasEtcd = ((): boolean => {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface TestEtcd {
  endpoint: string;
  dataDir: string;
  lines: string[];
  /** Runs etcdctl against it. */
  ctl(...args: string[]): string;
  stop(): Promise<void>;
}

export async function startTestEtcd(): Promise<TestEtcd> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kubelab-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const lines: string[] = [];
  const child: ChildProcess = startEtcd({ dataDir: path.join(dataDir, 'etcd'), clientPort, peerPort, onLine: (l) => lines.push(l) });
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const ctl = (...args: string[]): string =>
    execFileSync('etcdctl', [`--endpoints=${endpoint}`, ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  return {
    endpoint,
    dataDir,
    lines,
    ctl,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
