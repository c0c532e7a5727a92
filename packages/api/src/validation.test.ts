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

describe('metadata.ownerReferences and finalizers', () => {
  const meta = (extra: Record<string, unknown>) =>
    validateObjectMeta({ name: 'x', ...extra } as never, { namespaced: true, nameRule: 'dns1123-subdomain' });
  const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' };

  it('accepts well-formed references and finalizers', () => {
    expect(meta({ ownerReferences: [owner], finalizers: ['kubernetes.io/pv-protection'] })).toEqual([]);
  });

  it('refuses a string where a list belongs, naming the field (stored objects must stay readable by controllers)', () => {
    expect(meta({ ownerReferences: 'me' })).toMatchObject([{ field: 'metadata.ownerReferences', type: 'FieldValueInvalid' }]);
    expect(meta({ finalizers: 'f' })).toMatchObject([{ field: 'metadata.finalizers' }]);
  });

  it('requires apiVersion, kind, name and uid as Kubernetes does', () => {
    const errs = meta({ ownerReferences: [{ kind: 'ReplicaSet' }] });
    expect(errs.map((e) => e.field)).toEqual([
      'metadata.ownerReferences[0].apiVersion',
      'metadata.ownerReferences[0].name',
      'metadata.ownerReferences[0].uid',
    ]);
    expect(errs[0]?.message).toContain('version must not be empty');
  });

  it('allows only one controller reference', () => {
    const errs = meta({
      ownerReferences: [
        { ...owner, controller: true },
        { ...owner, name: 'rs2', uid: 'u2', controller: true },
      ],
    });
    expect(errs[0]?.message).toContain('Only one reference can have Controller set to true. Found "true" in references for rs and rs2');
  });
});
