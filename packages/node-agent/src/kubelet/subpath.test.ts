// subPath resolution on a real directory with the pod's kinds of symlinks: the same script the kubelet runs
// in the pause container, run here with /bin/sh and coreutils.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerConfigError } from './env';
import { container } from './fixtures.test-util';
import { expandSubPathExpr, parseResolved, resolveCommand, subPathMounts, type SubPathMount } from './subpath';

let root: string;
let vol: string;

function run(subPath: string): string {
  const [cmd, ...args] = resolveCommand(vol, subPath);
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' });
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? '');
  }
}

function resolve(subPath: string): string {
  const m: SubPathMount = { index: 0, volume: 'v', subPath };
  return parseResolved(run(subPath), m, 'app');
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'kubelab-subpath-')));
  vol = join(root, 'vol');
  mkdirSync(join(vol, 'data/nested'), { recursive: true });
  mkdirSync(join(root, 'outside'));
  writeFileSync(join(root, 'outside/secret'), 'host file');
  writeFileSync(join(vol, 'data/app.conf'), 'conf');
  symlinkSync('/var/run', join(vol, 'esc'));
  symlinkSync('../outside', join(vol, 'up'));
  symlinkSync('../outside/secret', join(vol, 'file-out'));
  symlinkSync(join(root, 'outside'), join(vol, 'abs-out'));
  symlinkSync('data', join(vol, 'in'));
  symlinkSync('data/app.conf', join(vol, 'conf-link'));
  symlinkSync('loop-b', join(vol, 'loop-a'));
  symlinkSync('loop-a', join(vol, 'loop-b'));
  symlinkSync('.', join(vol, 'self'));
  symlinkSync('../vol-sibling', join(vol, 'sibling'));
  mkdirSync(join(root, 'vol-sibling'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('subPath resolution inside the volume', () => {
  it('keeps a legit nested subPath, and one reached through a symlink inside the volume', () => {
    expect(resolve('data/nested')).toBe('/data/nested');
    expect(resolve('in/nested')).toBe('/data/nested');
    expect(resolve('conf-link')).toBe('/data/app.conf');
    expect(resolve('self/self/data')).toBe('/data');
  });

  it('creates a missing directory inside the volume', () => {
    expect(resolve('logs/app')).toBe('/logs/app');
    expect(statSync(join(vol, 'logs/app')).isDirectory()).toBe(true);
    expect(resolve('in/new')).toBe('/data/new');
    expect(statSync(join(vol, 'data/new')).isDirectory()).toBe(true);
  });

  it.each([
    ['esc', 'an absolute symlink to the host'],
    ['esc/docker.sock', 'a path through it'],
    ['up', 'a relative symlink that climbs out'],
    ['up/secret', 'a path through that'],
    ['up/created', 'a missing directory through it'],
    ['file-out', 'a symlink to a file outside'],
    ['abs-out', 'an absolute symlink outside'],
    ['sibling', 'a sibling directory whose name starts like the volume'],
    ['data/./../../outside', 'a `..` component the API would refuse, if it got here'],
  ])('refuses %s (%s), creating nothing outside', (subPath) => {
    expect(() => resolve(subPath)).toThrow(
      `failed to prepare subPath for volumeMount "v" of container "app": subPath "${subPath}" resolves outside the volume`,
    );
    expect(existsSync(join(root, 'outside/created'))).toBe(false);
  });

  it('refuses symlink loops with the reason', () => {
    expect(() => resolve('loop-a')).toThrow(/subPath "loop-a": Too many levels of symbolic links/);
    expect(() => resolve('loop-a/x')).toThrow(/subPath "loop-a\/x": .*symbolic links/);
  });

  it('raises a ContainerConfigError (CreateContainerConfigError) on output it does not know', () => {
    expect(() => parseResolved('sh: realpath: not found', { index: 0, volume: 'v', subPath: 'x' }, 'app')).toThrow(ContainerConfigError);
  });
});

describe('subPath and subPathExpr of a container', () => {
  const env = [
    { name: 'POD_NAME', value: 'web-1' },
    { name: 'EMPTY', value: '' },
  ];

  it('expands subPathExpr from the environment and keeps plain subPaths', () => {
    const c = container('app', {
      volumeMounts: [
        { name: 'v', mountPath: '/a' },
        { name: 'v', mountPath: '/b', subPath: 'b' },
        { name: 'logs', mountPath: '/c', subPathExpr: 'pods/$(POD_NAME)' },
      ],
    });
    expect(subPathMounts(c, env)).toEqual([
      { index: 1, volume: 'v', subPath: 'b' },
      { index: 2, volume: 'logs', subPath: 'pods/web-1' },
    ]);
  });

  it('refuses missing variables, absolute and climbing results with the kubelet words', () => {
    expect(() => expandSubPathExpr('$(NOPE)/$(EMPTY)/$(POD_NAME)', env)).toThrow('missing value for EMPTY, NOPE');
    const mount = (subPathExpr: string) => container('app', { volumeMounts: [{ name: 'v', mountPath: '/m', subPathExpr }] });
    expect(() => subPathMounts(mount('/$(POD_NAME)'), env)).toThrow('error SubPath `/web-1` must not be an absolute path');
    expect(() => subPathMounts(container('app', { volumeMounts: [{ name: 'v', mountPath: '/m', subPath: 'a/../..' }] }), env)).toThrow(
      "unable to provision SubPath `a/../..`: must not contain '..'",
    );
  });
});
