import { describe, expect, it } from 'vitest';
import { nodeNames, validateApiPort, validateClusterName, validateLogLevel, validateWorkers } from './names';

describe('names', () => {
  it('names nodes like kind', () => {
    expect(nodeNames('lab', 3)).toEqual(['lab-control-plane', 'lab-worker', 'lab-worker2', 'lab-worker3']);
    expect(nodeNames('lab', 0)).toEqual(['lab-control-plane']);
  });

  it('accepts DNS-1123 labels up to 40 characters', () => {
    expect(() => validateClusterName('kubelab')).not.toThrow();
    expect(() => validateClusterName('a'.repeat(40))).not.toThrow();
    expect(() => validateClusterName('a'.repeat(41))).toThrow(/too long \(41 characters, at most 40\)/);
    for (const bad of ['Lab', '-lab', 'lab-', 'la_b', 'la.b'])
      expect(() => validateClusterName(bad)).toThrow(`cluster name "${bad}" is invalid`);
    expect(() => validateClusterName('')).toThrow(/required/);
  });

  it('bounds workers, port and log level', () => {
    expect(() => validateWorkers(10)).not.toThrow();
    expect(() => validateWorkers(11)).toThrow(/0 to 10 \(got 11\)/);
    expect(() => validateWorkers(1.5)).toThrow();
    expect(() => validateApiPort(70000)).toThrow(/1\.\.65535/);
    expect(() => validateApiPort(undefined)).not.toThrow();
    expect(() => validateLogLevel('loud')).toThrow(/not one of/);
  });
});
