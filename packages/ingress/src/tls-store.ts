// SNI: one SecureContext per TLS host from its Secret (tls.crt/tls.key), the fake certificate otherwise.
// Rebuilt with the route table; a Secret that is missing or does not parse is reported and the host falls
// back to the default certificate, as ingress-nginx does.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Secret } from '@kubelab/api';
import { checkKeyPair, type KeyPair } from './certs';
import type { Problem, RouteTable } from './route-table';

export class TlsStore {
  private byHost = new Map<string, SecureContext>();
  private wildcard = new Map<string, SecureContext>();
  private readonly byPem = new Map<string, SecureContext>();
  readonly defaultContext: SecureContext;

  constructor(readonly defaultPair: KeyPair) {
    const defaultCert = defaultPair;
    this.defaultContext = createSecureContext({ cert: defaultCert.cert, key: defaultCert.key });
  }

  /** Rebuilds the host -> context map; returns problems to report on the Ingresses naming bad Secrets. */
  update(table: RouteTable, secret: (key: string) => Secret | undefined, ownerOf: (secretKey: string) => string): Problem[] {
    const problems: Problem[] = [];
    const contexts = new Map<string, SecureContext | undefined>();
    for (const key of table.tlsSecrets) {
      const s = secret(key);
      const fail = (message: string): void => {
        problems.push({
          ingress: ownerOf(key),
          type: 'Warning',
          reason: 'InvalidTLSSecret',
          message: `${message}; using the default certificate`,
        });
        contexts.set(key, undefined);
      };
      if (!s) {
        fail(`secret "${key}" not found`);
        continue;
      }
      const cert = Buffer.from(s.data?.['tls.crt'] ?? '', 'base64').toString();
      const keyPem = Buffer.from(s.data?.['tls.key'] ?? '', 'base64').toString();
      const cacheKey = cert + keyPem;
      let ctx = this.byPem.get(cacheKey);
      if (!ctx) {
        const bad = checkKeyPair(cert, keyPem);
        if (bad) {
          fail(`secret "${key}": ${bad}`);
          continue;
        }
        ctx = createSecureContext({ cert, key: keyPem });
        this.byPem.set(cacheKey, ctx);
      }
      contexts.set(key, ctx);
    }
    const byHost = new Map<string, SecureContext>();
    const wildcard = new Map<string, SecureContext>();
    for (const [host, server] of table.exact) {
      const ctx = server.tlsSecret ? contexts.get(server.tlsSecret) : undefined;
      if (ctx) byHost.set(host, ctx);
    }
    for (const [suffix, server] of table.wildcard) {
      const ctx = server.tlsSecret ? contexts.get(server.tlsSecret) : undefined;
      if (ctx) wildcard.set(suffix, ctx);
    }
    this.byHost = byHost;
    this.wildcard = wildcard;
    if (this.byPem.size > 1000) this.byPem.clear();
    return problems;
  }

  /** For the HTTPS server's SNICallback. */
  contextFor(servername: string): SecureContext {
    const name = servername.toLowerCase();
    const exact = this.byHost.get(name);
    if (exact) return exact;
    const dot = name.indexOf('.');
    return (dot > 0 && this.wildcard.get(name.slice(dot + 1))) || this.defaultContext;
  }
}
