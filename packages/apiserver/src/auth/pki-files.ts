// The control plane's credentials on the state volume, as `cluster up` writes them (packages/cluster/src/pki.ts):
// pki/ca.crt, pki/apiserver.{crt,key} (the serving certificate), pki/sa.key (the ServiceAccount signing key)
// and pki/tokens.csv (kube-apiserver's --token-auth-file: the admin's and each node agent's token). Only the
// control-plane container mounts the volume, so no pod ever sees a key or the admin token.
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseTokenFile } from './authenticator';
import { ServiceAccountTokens } from './service-account-tokens';
import type { AuthConfig } from './setup';

export const PKI_FILES = ['ca.crt', 'apiserver.crt', 'apiserver.key', 'sa.key', 'tokens.csv'] as const;

/** The auth options for startApiServer, or undefined when the state volume has no pki/ (a pre-auth cluster). */
export function readPki(stateDir: string): { tls: { cert: string; key: string }; config: AuthConfig } | undefined {
  const dir = path.join(stateDir, 'pki');
  if (!existsSync(path.join(dir, 'ca.crt'))) return undefined;
  const read = (f: (typeof PKI_FILES)[number]): string => readFileSync(path.join(dir, f), 'utf8');
  return {
    tls: { cert: `${read('apiserver.crt')}${read('ca.crt')}`, key: read('apiserver.key') },
    config: {
      caCert: read('ca.crt'),
      staticTokens: parseTokenFile(read('tokens.csv')),
      serviceAccountTokens: new ServiceAccountTokens(createPrivateKey(read('sa.key'))),
    },
  };
}
