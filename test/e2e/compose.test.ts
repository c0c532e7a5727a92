// compose.yaml describes the same default cluster; Debian's docker-compose 1.29 runs it here. Moved to its
// own subnets and name through the file's variables so it can run beside other test clusters.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeList, Node } from '@kubelab/api';
import { kubelabOk, repoRoot } from '../support/cli';
import { eventually, labelled } from '../support/docker';

const run = promisify(execFile);
const name = 'kltest-compose';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Debian's docker-compose 1.29 where installed, else Compose v2 (`docker compose`): the file suits both. */
async function composeCommand(): Promise<[string, string[]]> {
  try {
    await run('docker-compose', ['version']);
    return ['docker-compose', []];
  } catch {
    return ['docker', ['compose']];
  }
}

async function compose(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const [cmd, pre] = await composeCommand();
  await run(cmd, [...pre, '-p', name, '-f', 'compose.yaml', ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
}

describe('compose.yaml', () => {
  let env: NodeJS.ProcessEnv = {};
  afterAll(async () => {
    await compose(['down', '-v'], env).catch(() => {});
    await kubelabOk(['cluster', 'down', '--name', name]).catch(() => {});
  });

  it('brings up the default cluster shape with docker-compose, nodes Ready, and tears it down', async () => {
    env = {
      KUBELAB_CLUSTER: name,
      KUBELAB_NODE_PREFIX: '172.30.200',
      KUBELAB_POD_PREFIX: '10.254',
      KUBELAB_API_PORT: String(await freePort()),
      KUBELAB_IMAGE: 'kubelab/node:latest',
    };
    await compose(['up', '-d'], env);
    const nodes = await eventually(
      'three Ready nodes from compose',
      async () => {
        const list = JSON.parse(await kubelabOk(['--cluster', name, 'get', 'nodes', '-o', 'json'])) as KubeList<Node>;
        const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        return ready.length === 3 ? list.items : undefined;
      },
      90_000,
      500,
    );
    expect(nodes.map((n) => n.spec.podCIDR).sort()).toEqual(['10.254.0.0/24', '10.254.1.0/24', '10.254.2.0/24']);
    expect(nodes.map((n) => n.status?.addresses?.[0].address).sort()).toEqual(['172.30.200.2', '172.30.200.3', '172.30.200.4']);

    await compose(['down', '-v'], env);
    expect(await labelled(name)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
