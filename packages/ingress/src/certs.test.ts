import { describe, expect, it } from 'vitest';
import { certificateHosts, checkKeyPair, fakeCertificate, selfSignedCertificate } from './certs';

describe('certificates', () => {
  it('self-signed certificates cover their hosts and pass the key-pair check', () => {
    const kp = selfSignedCertificate(['app.localhost', '*.app.localhost']);
    expect(checkKeyPair(kp.cert, kp.key)).toBeUndefined();
    expect(certificateHosts(kp.cert)).toEqual(['app.localhost', '*.app.localhost']);
  });
  it('the fake certificate is named as ingress-nginx names it', () => {
    const kp = fakeCertificate();
    expect(kp.cert).toMatch(/BEGIN CERTIFICATE/);
    expect(checkKeyPair(kp.cert, kp.key)).toBeUndefined();
  });
  it('refuses what kubectl create secret tls refuses', () => {
    const a = selfSignedCertificate(['a.localhost']);
    const b = selfSignedCertificate(['b.localhost']);
    expect(checkKeyPair('junk', a.key)).toBe('tls: failed to find any PEM data in certificate input');
    expect(checkKeyPair(a.cert, 'junk')).toBe('tls: failed to find any PEM data in key input');
    expect(checkKeyPair(a.cert, b.key)).toBe('tls: private key does not match public key');
  });
});
