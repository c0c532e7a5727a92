// The pki/ directory's name and its static token file (kube-apiserver's --token-auth-file): made by
// pki.ts with the certificates, read back by credentials.ts on every CLI command (without node-forge).
import { randomBytes } from 'node:crypto';

export const ADMIN_USER = 'kubelab-admin';
export const PKI_DIR = 'pki';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** kube-apiserver's --token-auth-file: token,user,uid,"groups". */
export function tokenFile(adminToken: string, nodeTokens: Record<string, string>): string {
  const lines = [`${adminToken},${ADMIN_USER},${ADMIN_USER},"system:masters"`];
  for (const [node, token] of Object.entries(nodeTokens)) lines.push(`${token},system:node:${node},system:node:${node},"system:nodes"`);
  return `${lines.join('\n')}\n`;
}

/** The admin's and the nodes' tokens back out of tokens.csv. */
export function parseTokens(csv: string): { adminToken?: string; nodeTokens: Record<string, string> } {
  let adminToken: string | undefined;
  const nodeTokens: Record<string, string> = {};
  for (const line of csv.split('\n')) {
    const [token, user] = line.split(',');
    if (!token || !user) continue;
    if (user === ADMIN_USER) adminToken = token;
    else if (user.startsWith('system:node:')) nodeTokens[user.slice('system:node:'.length)] = token;
  }
  return { adminToken, nodeTokens };
}
