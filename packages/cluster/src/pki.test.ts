import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { firstServiceIp, generateClusterPki, parseTokens } from './pki';

describe('cluster PKI', () => {
  const pki = generateClusterPki({
    cluster: 'lab',
    controlPlaneIp: '172.30.0.2',
    controlPlaneName: 'lab-control-plane',
    serviceIp: '10.96.0.1',
    nodeNames: ['lab-control-plane', 'lab-worker'],
  });

  it('signs a serving certificate for every name and address clients use', () => {
    const ca = new X509Certificate(pki.caCert);
    const cert = new X509Certificate(pki.files['apiserver.crt']);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName?.split(', ')).toEqual([
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
      'DNS:localhost',
      'DNS:lab-control-plane',
      'IP Address:10.96.0.1',
      'IP Address:172.30.0.2',
      'IP Address:127.0.0.1',
    ]);
    expect(cert.checkPrivateKey).toBeDefined();
  });

  it('writes the token file kube-apiserver reads: the admin in system:masters, each node in system:nodes', () => {
    const lines = pki.files['tokens.csv'].trim().split('\n');
    expect(lines[0]).toBe(`${pki.adminToken},kubelab-admin,kubelab-admin,"system:masters"`);
    expect(lines[2]).toBe(`${pki.nodeTokens['lab-worker']},system:node:lab-worker,system:node:lab-worker,"system:nodes"`);
    expect(parseTokens(pki.files['tokens.csv'])).toEqual({ adminToken: pki.adminToken, nodeTokens: pki.nodeTokens });
    expect(new Set([pki.adminToken, ...Object.values(pki.nodeTokens)]).size).toBe(3);
  });

  it('puts the kubernetes Service at the first address of the service range', () => {
    expect(firstServiceIp('10.96.0.0/12')).toBe('10.96.0.1');
  });
});
