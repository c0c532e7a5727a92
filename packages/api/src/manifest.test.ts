import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifests, toYaml } from './manifest';

// Kubernetes decodes manifests with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1): these cases are what
// `kubectl apply` sends for the same text.
describe('parseManifests reads YAML 1.1 as Kubernetes does', () => {
  const one = (body: string): Record<string, unknown> => parseManifests(`apiVersion: v1\nkind: ConfigMap\n${body}`)[0] as never;

  it('reads leading-zero numbers as octal file modes', () => {
    expect(one('a: 0755\nb: 0400\nc: 0644\nd: 420\n')).toMatchObject({ a: 0o755, b: 0o400, c: 0o644, d: 420 });
  });

  it('reads yes/no/on/off as booleans and keeps quoted ones strings', () => {
    expect(one('a: yes\nb: off\nc: "yes"\nd: True\n')).toMatchObject({ a: true, b: false, c: 'yes', d: true });
  });

  it('applies << merge keys instead of storing a "<<" field', () => {
    const obj = one('base: &b {x: 1, z: 2}\nmerged:\n  <<: *b\n  z: 3\n');
    expect(obj.merged).toEqual({ x: 1, z: 3 });
  });

  it('keeps timestamps and base-60 looking values as strings (go-yaml v2 into interface{})', () => {
    expect(one('a: 2020-01-01\nb: 1:20\n')).toMatchObject({ a: '2020-01-01', b: '1:20' });
  });

  it('flattens List documents and skips empty ones', () => {
    const objs = parseManifests('---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n');
    expect(objs.map((o) => o.metadata?.name)).toEqual(['a']);
  });

  it('names the source and document of a syntax error', () => {
    expect(() => parseManifests('a: [', 'x.yaml')).toThrow(ManifestError);
    expect(() => parseManifests('a: [', 'x.yaml')).toThrow(/^x\.yaml: document 1:/);
  });
});

describe('toYaml', () => {
  it('quotes strings that YAML 1.1 would read as something else, so output applies back unchanged', () => {
    const value = { a: 'yes', b: '0755', c: 'on', d: 493 };
    const text = toYaml(value);
    expect(text).toContain('a: "yes"');
    expect(text).toContain('b: "0755"');
    expect(parseManifests(`apiVersion: v1\nkind: X\n${text}`)[0]).toMatchObject(value);
  });
});
