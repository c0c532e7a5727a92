// Certificates: ingress-nginx's "Fake Certificate" served when no Secret matches, the self-signed helper of
// `kubelab create secret tls --self-signed`, and the checks a kubernetes.io/tls Secret must pass before it
// is served. Keys come from node's crypto (native, fast); node-forge writes the X.509 certificate.
import { generateKeyPairSync, randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';

export interface KeyPair {
  cert: string;
  key: string;
}

/** A self-signed certificate for `hosts` (SAN DNS names; the first is the CN), RSA 2048, SHA-256. */
export function selfSignedCertificate(hosts: string[], opts: { commonName?: string; organization?: string; days?: number } = {}): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // A positive serial: the high bit cleared.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + (opts.days ?? 365) * 86_400_000);
  const attrs = [
    { name: 'commonName', value: opts.commonName ?? hosts[0] ?? 'localhost' },
    { name: 'organizationName', value: opts.organization ?? 'kubelab' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    ...(hosts.length ? [{ name: 'subjectAltName', altNames: hosts.map((h) => ({ type: 2, value: h })) }] : []),
  ]);
  cert.sign(
    forge.pki.privateKeyFromPem(createPrivateKey(keyPem).export({ type: 'pkcs1', format: 'pem' }).toString()),
    forge.md.sha256.create(),
  );
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}

/** ingress-nginx's default certificate (served for hosts without a Secret of their own). */
export function fakeCertificate(): KeyPair {
  return selfSignedCertificate(['ingress.local'], {
    commonName: 'Kubernetes Ingress Controller Fake Certificate',
    organization: 'Acme Co',
  });
}

/**
 * Checks a certificate and key pair as kubectl create secret tls does (tls.X509KeyPair): both parse as PEM
 * and the key belongs to the certificate. Returns an error message, or undefined when the pair is good.
 */
export function checkKeyPair(certPem: string, keyPem: string): string | undefined {
  let x509: X509Certificate;
  try {
    if (!certPem.includes('-----BEGIN')) return 'tls: failed to find any PEM data in certificate input';
    x509 = new X509Certificate(certPem);
  } catch (err) {
    return `tls: failed to parse certificate: ${(err as Error).message}`;
  }
  try {
    if (!keyPem.includes('-----BEGIN')) return 'tls: failed to find any PEM data in key input';
    const key = createPrivateKey(keyPem);
    if (!x509.checkPrivateKey(key)) return 'tls: private key does not match public key';
  } catch (err) {
    return `tls: failed to parse private key: ${(err as Error).message}`;
  }
  return undefined;
}

/** The DNS names a certificate covers (SAN, else CN), for describe and the SNI store's messages. */
export function certificateHosts(certPem: string): string[] {
  const x = new X509Certificate(certPem);
  const san = (x.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  if (san.length) return san;
  const cn = /CN=([^\n,]+)/.exec(x.subject)?.[1];
  return cn ? [cn] : [];
}
