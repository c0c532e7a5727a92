import { describe, expect, it } from 'vitest';
import { invalid } from './errors';
import { dns1123Label, qualifiedName, validateObjectMeta } from './validation';

describe('names and labels', () => {
  it('accepts Kubernetes names and rejects others', () => {
    expect(dns1123Label('web-1')).toEqual([]);
    expect(dns1123Label('Web')).not.toEqual([]);
    expect(dns1123Label('a'.repeat(64))[0]).toBe('must be no more than 63 characters');
  });
  it('checks label keys with prefixes', () => {
    expect(qualifiedName('app.kubernetes.io/name')).toEqual([]);
    expect(qualifiedName('/name')).toEqual(['prefix part must be non-empty']);
    expect(qualifiedName('bad key')).not.toEqual([]);
  });
  it('names the field in metadata errors', () => {
    const errs = validateObjectMeta({ name: 'ok', labels: { app: 'not valid!' } }, { namespaced: true, nameRule: 'dns1123-label' });
    expect(errs.map((e) => e.field)).toEqual(['metadata.labels[app]']);
  });
  it('requires a name or generateName', () => {
    expect(validateObjectMeta({}, { namespaced: true, nameRule: 'dns1123-label' })[0].field).toBe('metadata.name');
  });
});

describe('invalid()', () => {
  it('reads like the Kubernetes API server', () => {
    const err = invalid('Pod', '', 'web', [{ field: 'spec.containers[0].image', type: 'FieldValueRequired', message: 'Required value' }]);
    expect(err.message).toBe('Pod "web" is invalid: spec.containers[0].image: Required value');
    expect(err.code).toBe(422);
    expect(err.toStatus()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      details: { causes: [{ field: 'spec.containers[0].image' }] },
    });
  });
});
