// The freeze around a subPath start, against a fake runtime that records the Docker calls in order.
import type Docker from 'dockerode';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { KubeletContext } from './context';
import { ContainerConfigError } from './env';
import { container } from './fixtures.test-util';
import { thawLeftovers, withResolvedSubPaths, type SubPathScope } from './subpath-resolver';
import type { VolumePlan } from './volumes';

const root = '/var/lib/docker/volumes/kt_vol_v/_data';

function info(id: string, kind: string, mounts: Partial<Docker.ContainerInfo['Mounts'][number]>[]): Docker.ContainerInfo {
  return { Id: id, Labels: { 'kubelab.container-kind': kind }, Mounts: mounts } as unknown as Docker.ContainerInfo;
}

function fakeCtx(answer: string, running: Docker.ContainerInfo[], paused: string[] = []) {
  const calls: string[] = [];
  const runtime = {
    listRunningPodContainers: async () => running,
    listPausedPodContainers: async () => paused,
    pause: async (id: string) => void calls.push(`pause ${id}`),
    unpause: async (id: string) => void calls.push(`unpause ${id}`),
    inspect: async () => undefined,
    exec: async (_id: string, cmd: string[]) => {
      calls.push(`resolve ${cmd.at(-2)} ${cmd.at(-1)}`);
      return { exitCode: 0, output: answer };
    },
  };
  const ctx = { runtime, log: pino({ level: 'silent' }) } as unknown as KubeletContext;
  return { ctx, calls };
}

const plan: VolumePlan = { name: 'v', source: { kind: 'emptyDir' }, dockerVolume: 'kt_vol_v', labels: {}, podScoped: true };
const scope: SubPathScope = { sandboxId: 'pause1', plans: [plan], mountpoints: new Map([['kt_vol_v', root]]) };
const app = container('app', { volumeMounts: [{ name: 'v', mountPath: '/m', subPath: 'logs' }] });
const wanted = [{ index: 0, volume: 'v', subPath: 'logs' }];
const running = [
  info('writer', 'app', [{ Name: 'kt_vol_v', Source: root, RW: true }]),
  info('sub-writer', 'app', [{ Type: 'bind', Source: `${root}/a`, RW: true }]),
  info('reader', 'app', [{ Name: 'kt_vol_v', Source: root, RW: false }]),
  info('other', 'app', [{ Name: 'kt_vol_other', Source: '/var/lib/docker/volumes/kt_vol_v2/_data', RW: true }]),
  info('pause1', 'pause', [{ Name: 'kt_vol_v', Source: root, RW: true }]),
];

describe('withResolvedSubPaths', () => {
  it('freezes the writers of the volume, resolves, starts, then thaws them', async () => {
    const { ctx, calls } = fakeCtx('kubelab-subpath:ok:/data/logs\n', running);
    const sources = await withResolvedSubPaths(ctx, scope, app, wanted, async (s) => {
      calls.push('create+start');
      return s;
    });
    expect(sources.get(0)).toBe(`${root}/data/logs`);
    expect(calls).toEqual([
      'pause writer',
      'pause sub-writer',
      'resolve /.kubelab/volumes/v logs',
      'create+start',
      'unpause writer',
      'unpause sub-writer',
    ]);
  });

  it('refuses a subPath outside the volume, never starts the container, and still thaws', async () => {
    const { ctx, calls } = fakeCtx('kubelab-subpath:outside\n', running);
    let started = false;
    const run = withResolvedSubPaths(ctx, scope, app, wanted, async () => {
      started = true;
    });
    await expect(run).rejects.toThrow(ContainerConfigError);
    await expect(run).rejects.toThrow('failed to prepare subPath for volumeMount "v" of container "app": subPath "logs" resolves outside');
    expect(started).toBe(false);
    expect(calls.filter((x) => x.startsWith('unpause'))).toEqual(['unpause writer', 'unpause sub-writer']);
  });

  it('runs a container without volume mounts directly, without freezing anything', async () => {
    const { ctx, calls } = fakeCtx('', running);
    await withResolvedSubPaths(ctx, scope, container('plain'), [], async () => void calls.push('create+start'));
    expect(calls).toEqual(['create+start']);
  });

  it('thaws pod containers an earlier agent left paused', async () => {
    const { ctx, calls } = fakeCtx('', [], ['a', 'b']);
    await thawLeftovers(ctx);
    expect(calls).toEqual(['unpause a', 'unpause b']);
  });
});
