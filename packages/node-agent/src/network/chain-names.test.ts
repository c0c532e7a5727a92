import { describe, expect, it } from 'vitest';
import { clusterPolicyChain, endpointChain, isServiceChainName, servicePortName } from './chain-names';

describe('kube-proxy chain names', () => {
  it('hashes the service port name and protocol exactly as kube-proxy (proxier_test.go values)', () => {
    expect(clusterPolicyChain('ns1/svc1:p80', 'tcp')).toBe('KUBE-SVC-XPGD46QRK7WJZT7O');
    expect(endpointChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80')).toBe('KUBE-SEP-SXIVWICOYRO3J4NJ');
  });

  it('names an unnamed port "ns/svc" and fits the 28-character chain limit', () => {
    expect(servicePortName('default', 'web', undefined)).toBe('default/web');
    expect(servicePortName('default', 'web', 'http')).toBe('default/web:http');
    expect(clusterPolicyChain('default/web', 'udp')).toMatch(/^KUBE-SVC-[A-Z2-7]{16}$/);
    expect(isServiceChainName('KUBE-SEP-AAAA')).toBe(true);
    expect(isServiceChainName('KUBE-SERVICES')).toBe(false);
  });
});
