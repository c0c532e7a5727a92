// A cluster's credentials, made once by `cluster up` and kept on its state volume (pki/), as kubeadm's
// `init phase certs` and kind do: a CA, the API server's serving certificate (SANs for every name and
// address clients use: the kubernetes Service's, the control plane's, localhost), the ServiceAccount
// signing key, and the static token file with the admin's and each node agent's token. Keys are RSA from
// node:crypto; certificates are written with node-forge. Pure: the caller stores the files.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { intToIp, parseCidr } from '@kubelab/api';
import { newToken, tokenFile } from './pki-tokens';

// The token helpers live apart so that reading credentials does not load node-forge.
export { ADMIN_USER, PKI_DIR, newToken, parseTokens, tokenFile } from './pki-tokens';

export interface PkiRequest {
  cluster: string;
  controlPlaneIp: string;
  controlPlaneName: string;
  /** The `kubernetes` Service's ClusterIP (the first address of the service range). */
  serviceIp: string;
  nodeNames: string[];
  now?: Date;
}

export interface ClusterPki {
  /** File name (under pki/) -> content. */
  files: Record<string, string>;
  caCert: string;
  adminToken: string;
  nodeTokens: Record<string, string>;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

function rsaKey(): { pem: string; key: forge.pki.rsa.PrivateKey; pub: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { pem: privateKey, key, pub: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function serial(): string {
  // Positive, 16 bytes, as RFC 5280 allows (the top bit cleared).
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

export function generateClusterPki(req: PkiRequest): ClusterPki {
  const now = req.now ?? new Date();
  const notBefore = new Date(now.getTime() - 5 * 60 * 1000);
  const ca = rsaKey();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.pub;
  caCert.serialNumber = serial();
  caCert.validity.notBefore = notBefore;
  caCert.validity.notAfter = new Date(now.getTime() + 10 * YEAR_MS);
  const caSubject = [{ name: 'commonName', value: 'kubernetes' }];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.key, forge.md.sha256.create());

  const server = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = server.pub;
  cert.serialNumber = serial();
  cert.validity.notBefore = notBefore;
  // kubeadm renews yearly; a lab cluster lives as long as its volume, so its serving certificate does too.
  cert.validity.notAfter = new Date(now.getTime() + 10 * YEAR_MS);
  cert.setSubject([{ name: 'commonName', value: 'kube-apiserver' }]);
  cert.setIssuer(caSubject);
  const dns = [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    'localhost',
    req.controlPlaneName,
  ];
  const ips = [req.serviceIp, req.controlPlaneIp, '127.0.0.1'];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    { name: 'subjectAltName', altNames: [...dns.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());

  const sa = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const adminToken = newToken();
  const nodeTokens = Object.fromEntries(req.nodeNames.map((n) => [n, newToken()]));
  const caPem = forge.pki.certificateToPem(caCert);
  return {
    files: {
      'ca.crt': caPem,
      'ca.key': ca.pem,
      'apiserver.crt': forge.pki.certificateToPem(cert),
      'apiserver.key': server.pem,
      'sa.key': sa.privateKey,
      'sa.pub': sa.publicKey,
      'tokens.csv': tokenFile(adminToken, nodeTokens),
    },
    caCert: caPem,
    adminToken,
    nodeTokens,
  };
}

/** The `kubernetes` Service's address: the first of the service range (10.96.0.1 of 10.96.0.0/12). */
export function firstServiceIp(serviceCidr: string): string {
  const c = parseCidr(serviceCidr);
  return intToIp(c.base + 1);
}
