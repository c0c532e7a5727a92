// volumeMounts subPath / subPathExpr as k8s.io/kubernetes validateLocalDescendingPath words them.
import { describe, expect, it } from 'vitest';
import { validateContainer } from './container-validation';

const scope = { volumes: new Set(['v']), init: false };

function mountErrors(mount: Record<string, unknown>): string[] {
  const c = { name: 'app', image: 'kubelab/toolbox:latest', volumeMounts: [{ name: 'v', mountPath: '/m', ...mount }] };
  return validateContainer(c, 'spec.containers[0]', scope).map((e) => `${e.field}: ${e.message}`);
}

describe('volumeMounts subPath', () => {
  it.each([
    [{ subPath: 'logs' }, []],
    [{ subPath: 'a/b/c' }, []],
    [{ subPath: 'a/..b' }, []],
    [{ subPathExpr: '$(POD_NAME)' }, []],
    [{ subPath: '../etc' }, [`spec.containers[0].volumeMounts.subPath: Invalid value: "../etc": must not contain '..'`]],
    [{ subPath: 'a/../../b' }, [`spec.containers[0].volumeMounts.subPath: Invalid value: "a/../../b": must not contain '..'`]],
    [{ subPath: '/etc' }, ['spec.containers[0].volumeMounts.subPath: Invalid value: "/etc": must be a relative path']],
    [
      { subPath: '/../x' },
      [
        'spec.containers[0].volumeMounts.subPath: Invalid value: "/../x": must be a relative path',
        `spec.containers[0].volumeMounts.subPath: Invalid value: "/../x": must not contain '..'`,
      ],
    ],
    [{ subPathExpr: '$(A)/..' }, [`spec.containers[0].volumeMounts.subPathExpr: Invalid value: "$(A)/..": must not contain '..'`]],
    [
      { subPath: 'a', subPathExpr: 'b' },
      ['spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "b": subPathExpr and subPath are mutually exclusive'],
    ],
  ])('%j -> %j', (mount, expected) => {
    expect(mountErrors(mount)).toEqual(expected);
  });
});
