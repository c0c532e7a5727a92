import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { exitCodeOf, groupInstances, hasFinished, instanceFromInspect } from './observed';

function info(
  labels: Record<string, string>,
  state: Partial<Docker.ContainerInspectInfo['State']>,
  id = 'abc',
): Docker.ContainerInspectInfo {
  return {
    Id: id,
    Created: '2024-05-01T10:00:00.123456789Z',
    Image: 'sha256:img',
    Config: { Labels: labels },
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: '2024-05-01T10:00:01.5Z',
      FinishedAt: '0001-01-01T00:00:00Z',
      ...state,
    },
  } as unknown as Docker.ContainerInspectInfo;
}

describe('observed', () => {
  it('reads labels and state from docker inspect', () => {
    const i = instanceFromInspect(
      info(
        { 'kubelab.container': 'web', 'kubelab.container-kind': 'app', 'kubelab.attempt': '2', 'kubelab.container-hash': 'h' },
        { Status: 'exited', Running: false, ExitCode: 137, OOMKilled: true, FinishedAt: '2024-05-01T10:05:00.9Z' },
      ),
    );
    expect(i).toMatchObject({
      name: 'web',
      kind: 'app',
      attempt: 2,
      state: 'exited',
      exitCode: 137,
      oomKilled: true,
      startedAt: '2024-05-01T10:00:01Z',
      finishedAt: '2024-05-01T10:05:00Z',
      hash: 'h',
      createdAt: Date.parse('2024-05-01T10:00:00.123Z'),
    });
  });

  it('a start failure is a finished container (StartError, 128 unless Docker says otherwise)', () => {
    const i = instanceFromInspect(
      info(
        { 'kubelab.container': 'web' },
        {
          Status: 'created',
          Running: false,
          ExitCode: 0,
          Error: 'exec: "nope": executable file not found in $PATH',
          StartedAt: '0001-01-01T00:00:00Z',
        },
      ),
    );
    expect(i.state).toBe('created');
    expect(i.startedAt).toBeUndefined();
    expect(hasFinished(i)).toBe(true);
    expect(exitCodeOf(i)).toBe(128);
  });

  it('groups by container, newest attempt first, and separates sandboxes', () => {
    const mk = (name: string, kind: string, attempt: number, id: string) =>
      instanceFromInspect(info({ 'kubelab.container': name, 'kubelab.container-kind': kind, 'kubelab.attempt': String(attempt) }, {}, id));
    const o = groupInstances('u', [mk('web', 'app', 0, 'a'), mk('POD', 'pause', 0, 'p'), mk('web', 'app', 1, 'b')]);
    expect(o.sandboxes.map((s) => s.id)).toEqual(['p']);
    expect(o.containers.get('web')?.map((c) => c.id)).toEqual(['b', 'a']);
  });
});
