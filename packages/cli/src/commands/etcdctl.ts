// `kubelab etcdctl ARGS...`: the real etcdctl, run inside the control-plane container against the
// cluster's etcd (it listens on the container's loopback only, so this is the one way in). The lesson:
// `kubelab etcdctl get /registry/pods/default/web` shows where Kubernetes keeps a pod and what it looks
// like there. Output streams as etcdctl writes it (`etcdctl watch --prefix /registry/pods` works).
import Docker from 'dockerode';
import type { Command } from 'commander';
import { controlPlaneProblem, findCluster } from '@kubelab/cluster';
import type { CliEnv } from '../command-kit';
import { CliError } from '../errors';

export async function runEtcdctl(docker: Docker, cluster: string, args: string[]): Promise<number> {
  const info = await findCluster(cluster);
  if (!info) throw new CliError(`no cluster named "${cluster}" is running`);
  const cp = info.nodes.find((n) => n.role === 'control-plane');
  if (cp?.state !== 'running') throw new CliError(`control plane not ready: ${(await controlPlaneProblem(info)) ?? 'not running'}`);
  const exec = await docker.getContainer(cp.containerId).exec({
    Cmd: ['etcdctl', ...args],
    Env: ['ETCDCTL_API=3', 'ETCDCTL_ENDPOINTS=http://127.0.0.1:2379'],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve, reject) => {
    docker.modem.demuxStream(stream, process.stdout, process.stderr);
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return (await exec.inspect()).ExitCode ?? 0;
}

export function registerEtcdctl(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  program
    .command('etcdctl')
    .description("run etcdctl in the control plane against the cluster's etcd, e.g. etcdctl get /registry/pods/default/web")
    .argument('[args...]', 'etcdctl arguments, passed as they are')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args: string[]) => {
      process.exitCode = await runEtcdctl(docker(), env.clusterName(), args);
    });
}
