// etcd as the control plane runs it: one member, on loopback only (pods and nodes can never reach it; the
// API server is its only client, as in a kubeadm control plane), tuned for a laptop lab.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface EtcdProcessOptions {
  dataDir: string;
  clientPort?: number;
  peerPort?: number;
  /** Each line etcd logs (stdout and stderr). */
  onLine?: (line: string) => void;
  /** The etcd binary (default: `etcd` on PATH). */
  binary?: string;
}

/** The command line: every choice here is a lab-sized version of a production one. */
export function etcdArgs({ dataDir, clientPort = 2379, peerPort = 2380 }: EtcdProcessOptions): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=kubelab',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=kubelab=${peer}`,
    // Without it a restart would try to bootstrap a new cluster over the existing data.
    '--initial-cluster-state=new',
    // 256 MiB of database (etcd's default is 2 GiB, kube-apiserver clusters use 8): a lab holds thousands
    // of objects, and a runaway loop should hit "etcdserver: mvcc: database space exceeded", not the disk.
    '--quota-backend-bytes=268435456',
    // kube-apiserver compacts every 5 minutes (--etcd-compaction-interval); etcd's own periodic compaction
    // does the same here without a write of its own (the apiserver's compactor writes a key to do it).
    '--auto-compaction-mode=periodic',
    '--auto-compaction-retention=5m',
    // A raft snapshot every 5000 entries instead of 100 000 keeps the in-memory raft log small.
    '--snapshot-count=5000',
    // One transaction carries a group of changes (etcd-storage.ts: up to 1 MiB of objects) or one object
    // (request bodies up to 3 MiB); etcd's default 1.5 MiB would refuse the biggest.
    '--max-request-bytes=8388608',
    '--logger=zap',
    '--log-outputs=stderr',
    '--log-level=warn',
  ];
}

/** Starts etcd; its lines go to onLine. */
export function startEtcd(opts: EtcdProcessOptions): ChildProcess {
  const child = spawn(opts.binary ?? 'etcd', etcdArgs(opts), {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Go's garbage collector gives memory back sooner with a soft limit: idle etcd stays small.
    env: { ...process.env, GOMEMLIMIT: process.env.GOMEMLIMIT ?? '96MiB', ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH },
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => opts.onLine?.(line));
  }
  return child;
}
