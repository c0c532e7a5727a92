// Authentication: bearer tokens, as kube-apiserver's token authenticators chain them: the static token file
// (--token-auth-file: the admin's and the node agents'), then ServiceAccount JWTs whose bound objects must
// still exist. No token: system:anonymous. A token nobody recognises: 401, never anonymous.
import { readFileSync } from 'node:fs';
import { DEFAULT_ISSUER, type ServiceAccountTokens, type VerifiedToken } from './service-account-tokens';
import { ANONYMOUS, AUTHENTICATED, type UserInfo } from './types';

export type AuthResult = { user: UserInfo } | { invalid: true };

/** What a TokenReview reports (authentication.k8s.io/v1 TokenReviewStatus, before JSON). */
export interface TokenReviewResult {
  user?: UserInfo;
  /** The audiences the token is valid for among those asked (the API server's when none were). */
  audiences?: string[];
  error?: string;
}

/** kube-apiserver's bearer token authenticator's answer for a token no authenticator recognises. */
const INVALID_TOKEN = 'invalid bearer token';

export interface AuthenticatorOptions {
  staticTokens: Map<string, UserInfo>;
  serviceAccountTokens?: ServiceAccountTokens;
  /** Whether a verified ServiceAccount token's ServiceAccount (and bound pod) still exist with its uids. */
  stillValid?: (t: VerifiedToken) => boolean;
}

export class Authenticator {
  constructor(private readonly opts: AuthenticatorOptions) {}

  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    if (!authorization) return { user: ANONYMOUS };
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return { user: ANONYMOUS };
    const token = m[1];
    const fixed = this.opts.staticTokens.get(token);
    if (fixed) return { user: fixed };
    if (token.split('.').length === 3 && this.opts.serviceAccountTokens) {
      const verified = await this.opts.serviceAccountTokens.verify(token);
      if (verified && (this.opts.stillValid?.(verified) ?? true)) return { user: verified.user };
    }
    return { invalid: true };
  }

  /**
   * A TokenReview: the token authenticated as a request would be, for `audiences` (the API server's own,
   * --api-audiences, when empty), as pkg/registry/authentication/tokenreview does it. Static tokens are
   * audience-agnostic: valid for the API server's audiences only.
   */
  async review(token: string, audiences: string[]): Promise<TokenReviewResult> {
    const apiAudiences = this.opts.serviceAccountTokens?.apiAudiences ?? [DEFAULT_ISSUER];
    const wanted = audiences.length ? audiences : apiAudiences;
    const fixed = this.opts.staticTokens.get(token);
    if (fixed) {
      const shared = apiAudiences.filter((a) => wanted.includes(a));
      return shared.length ? { user: fixed, audiences: shared } : { error: INVALID_TOKEN };
    }
    const sa = this.opts.serviceAccountTokens ? await this.opts.serviceAccountTokens.check(token, wanted) : undefined;
    if (!sa) return { error: INVALID_TOKEN };
    if ('error' in sa) return { error: `[${INVALID_TOKEN}, ${sa.error}]` };
    if (!(this.opts.stillValid?.(sa.verified) ?? true)) return { error: `[${INVALID_TOKEN}, service account token has been invalidated]` };
    return { user: sa.verified.user, audiences: sa.audiences };
  }
}

/**
 * The static token file's format (token,user,uid,"group1,group2"); system:authenticated is added as the
 * authenticator's group adder does.
 */
export function parseTokenFile(text: string): Map<string, UserInfo> {
  const out = new Map<string, UserInfo>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const cols = splitCsv(line);
    if (cols.length < 3) continue;
    const [token, name, uid, groups = ''] = cols;
    const list = groups.split(',').filter(Boolean);
    if (!list.includes(AUTHENTICATED)) list.push(AUTHENTICATED);
    out.set(token, { name, uid, groups: list });
  }
  return out;
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function readTokenFile(file: string): Map<string, UserInfo> {
  return parseTokenFile(readFileSync(file, 'utf8'));
}
