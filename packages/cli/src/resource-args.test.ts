import { describe, expect, it } from 'vitest';
import { kindName, objectRef, parseResourceArgs, resourceName, splitKeyValue } from './resource-args';

const plurals = (args: string[]) => parseResourceArgs(args).map((r) => [r.resource.plural, r.names]);

describe('parseResourceArgs', () => {
  it('takes TYPE NAME..., short names and comma lists', () => {
    expect(plurals(['po', 'a', 'b'])).toEqual([['pods', ['a', 'b']]]);
    expect(plurals(['pods,deploy'])).toEqual([
      ['pods', []],
      ['deployments', []],
    ]);
    expect(plurals(['deployments.apps'])).toEqual([['deployments', []]]);
  });

  it('takes TYPE/NAME..., grouping names per type', () => {
    expect(plurals(['pod/a', 'deploy/web', 'pod/b'])).toEqual([
      ['pods', ['a', 'b']],
      ['deployments', ['web']],
    ]);
  });

  it('expands all to the served kinds of kubectl\'s "all" category, in its order', () => {
    const kinds = parseResourceArgs(['all']).map((r) => r.resource.plural);
    expect(kinds.indexOf('pods')).toBe(0);
    expect(kinds.indexOf('deployments')).toBeLessThan(kinds.indexOf('replicasets'));
    expect(kinds).not.toContain('configmaps');
  });

  it("reports kubectl's errors", () => {
    expect(() => parseResourceArgs(['pods', 'pod/a'])).toThrow(/there is no need to specify a resource type as a separate argument/);
    expect(() => parseResourceArgs(['widgets'])).toThrow('the server doesn\'t have a resource type "widgets"');
    expect(() => parseResourceArgs([])).toThrow(/You must specify the type of resource/);
  });
});

describe('object naming', () => {
  it('prints kind/name with the group, and plural.group for resources', () => {
    const [pods, deploys] = parseResourceArgs(['pods,deploy']).map((r) => r.resource);
    expect(objectRef(pods, 'web')).toBe('pod/web');
    expect(objectRef(deploys, 'web')).toBe('deployment.apps/web');
    expect(kindName(deploys)).toBe('deployment.apps');
    expect(resourceName(deploys)).toBe('deployments.apps');
  });

  it('splits key=value once', () => {
    expect(splitKeyValue('a=b=c', 'literal')).toEqual(['a', 'b=c']);
    expect(() => splitKeyValue('=x', 'literal')).toThrow('invalid literal: "=x" (expected key=value)');
  });
});
