import { describe, expect, it } from 'vitest';
import { qosClass } from './qos';
import { memoryBytes, nanoCpus, normalizeQuantity, parseQuantity } from './quantity';

const c = (limits?: Record<string, string>, requests?: Record<string, string>) => ({
  name: 'c',
  image: 'i',
  resources: { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) },
});

// Cases from kubernetes pkg/apis/core/helper/qos/qos_test.go.
describe('qosClass', () => {
  it.each([
    ['no resources', [c()], 'BestEffort'],
    ['only other resources', [c({ 'nvidia.com/gpu': '1' }, { 'ephemeral-storage': '1Gi' })], 'BestEffort'],
    ['zero quantities are unset', [c(undefined, { cpu: '0', memory: '0' })], 'BestEffort'],
    ['limits only (requests default to them)', [c({ cpu: '100m', memory: '100Mi' })], 'Guaranteed'],
    ['requests equal limits', [c({ cpu: '1', memory: '1Gi' }, { cpu: '1000m', memory: '1024Mi' })], 'Guaranteed'],
    ['an extra resource does not spoil Guaranteed', [c({ cpu: '1', memory: '1Gi', 'nvidia.com/gpu': '1' })], 'Guaranteed'],
    ['requests below limits', [c({ cpu: '1', memory: '1Gi' }, { cpu: '500m' })], 'Burstable'],
    ['cpu limit only', [c({ cpu: '1' })], 'Burstable'],
    ['one container without limits', [c({ cpu: '1', memory: '1Gi' }), c()], 'Burstable'],
  ])('%s', (_name, containers, want) => {
    expect(qosClass({ containers })).toBe(want);
  });

  it('counts init containers', () => {
    expect(qosClass({ containers: [c({ cpu: '1', memory: '1Gi' })], initContainers: [c(undefined, { cpu: '1' })] })).toBe('Burstable');
  });
});

describe('quantities', () => {
  it('parses decimal, binary and exponent suffixes', () => {
    expect(parseQuantity('250m')).toBe(0.25);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('12k')).toBe(12000);
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity('1 Gi')).toBeUndefined();
    expect(parseQuantity('abc')).toBeUndefined();
  });

  it('converts to Docker units and stores YAML numbers as Kubernetes shows them', () => {
    expect(memoryBytes('64Mi')).toBe(64 * 2 ** 20);
    expect(memoryBytes('0')).toBeUndefined();
    expect(nanoCpus('250m')).toBe(250_000_000);
    expect(normalizeQuantity(0.5)).toBe('500m');
    expect(normalizeQuantity(2)).toBe('2');
  });
});
