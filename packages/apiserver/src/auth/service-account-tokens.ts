// ServiceAccount tokens as kube-apiserver issues them (pkg/serviceaccount/claims.go): a JWT signed with the
// cluster's service-account key, `sub` system:serviceaccount:NS:NAME, audiences, a bounded lifetime, and the
// `kubernetes.io` claim naming the ServiceAccount and the Pod (and Node) it is bound to. Verification checks
// signature, issuer, audience and time, then (done by the caller) that the bound objects still exist.
import { createHash, createPublicKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { decodeJwt, errors, jwtVerify } from 'jose';
import type { UserInfo } from './types';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface BoundRef {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

export interface TokenSpec {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
  pod?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

export interface KubernetesClaim {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  node?: { name: string; uid: string };
  warnafter?: number;
}

export interface VerifiedToken {
  user: UserInfo;
  claim: KubernetesClaim;
  expiresAt: number;
}

/** kid as kube-apiserver derives it: URL-safe base64 of SHA-256 over the DER public key. */
export function keyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

export class ServiceAccountTokens {
  private readonly publicKey: KeyObject;
  private readonly kid: string;

  constructor(
    private readonly privateKey: KeyObject,
    readonly issuer = DEFAULT_ISSUER,
    /** --api-audiences: what a token is for when the request names no audience (default: the issuer). */
    readonly apiAudiences: string[] = [DEFAULT_ISSUER],
  ) {
    this.publicKey = createPublicKey(privateKey);
    this.kid = keyId(this.publicKey);
  }

  /**
   * Signs synchronously (RS256 over node:crypto: the TokenRequest handler is synchronous); jose verifies, so
   * the unit test checks the two agree.
   */
  issue(spec: TokenSpec, nowMs = Date.now()): { token: string; expiresAt: number } {
    const iat = Math.floor(nowMs / 1000);
    const exp = iat + spec.expirationSeconds;
    const claim: KubernetesClaim = {
      namespace: spec.namespace,
      ...(spec.node ? { node: spec.node } : {}),
      ...(spec.pod ? { pod: spec.pod } : {}),
      serviceaccount: spec.serviceAccount,
    };
    const header = { alg: 'RS256', kid: this.kid };
    const payload = {
      aud: spec.audiences,
      exp,
      iat,
      iss: this.issuer,
      jti: randomUUID(),
      'kubernetes.io': claim,
      nbf: iat,
      sub: `system:serviceaccount:${spec.namespace}:${spec.serviceAccount.name}`,
    };
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const input = `${b64(header)}.${b64(payload)}`;
    const signature = sign('sha256', Buffer.from(input), this.privateKey).toString('base64url');
    return { token: `${input}.${signature}`, expiresAt: exp * 1000 };
  }

  /** The token's identity, or undefined when it is not one of ours (bad signature, issuer, audience, expired). */
  async verify(token: string, nowMs = Date.now()): Promise<VerifiedToken | undefined> {
    const r = await this.check(token, this.apiAudiences, nowMs);
    return r && 'verified' in r ? r.verified : undefined;
  }

  /**
   * As kube-apiserver's service account token authenticator sees a token for the audiences a request (or a
   * TokenReview) names: undefined when it is not a JWT of this issuer (another authenticator's business),
   * else the identity with the audiences token and request share, or why it is refused (its wording).
   */
  async check(
    token: string,
    audiences: string[],
    nowMs = Date.now(),
  ): Promise<{ verified: VerifiedToken; audiences: string[] } | { error: string } | undefined> {
    let unverified: { iss?: string; aud?: string | string[] };
    try {
      unverified = decodeJwt(token);
    } catch {
      return undefined;
    }
    if (unverified.iss !== this.issuer) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: this.issuer,
        audience: audiences,
        algorithms: ['RS256'],
        currentDate: new Date(nowMs),
      });
      const claim = payload['kubernetes.io'] as KubernetesClaim | undefined;
      const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(payload.sub ?? '');
      if (!claim || !m || claim.namespace !== m[1] || claim.serviceaccount?.name !== m[2])
        return { error: 'service account token claims could not be validated due to unexpected private claim' };
      const tokenAudiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
      const extra: Record<string, string[]> = {};
      if (claim.pod) {
        extra['authentication.kubernetes.io/pod-name'] = [claim.pod.name];
        extra['authentication.kubernetes.io/pod-uid'] = [claim.pod.uid];
      }
      if (claim.node) extra['authentication.kubernetes.io/node-name'] = [claim.node.name];
      if (payload.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${payload.jti}`];
      const verified: VerifiedToken = {
        user: {
          name: payload.sub!,
          uid: claim.serviceaccount.uid,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${m[1]}`, 'system:authenticated'],
          extra,
        },
        claim,
        expiresAt: (payload.exp ?? 0) * 1000,
      };
      return { verified, audiences: tokenAudiences.filter((a) => audiences.includes(a)) };
    } catch (err) {
      if (!(err instanceof errors.JOSEError)) throw err;
      // pkg/serviceaccount (jwt.go, claims.go) wording; the signature is checked first, then the audience.
      if (err instanceof errors.JWTExpired) return { error: 'service account token has expired' };
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf') return { error: 'service account token is not valid yet' };
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'aud') {
        const aud = unverified.aud;
        const tokenAudiences = typeof aud === 'string' ? [aud] : (aud ?? []);
        return { error: `token audiences ${goQuote(tokenAudiences)} is invalid for the target audiences ${goQuote(audiences)}` };
      }
      if (err instanceof errors.JWSSignatureVerificationFailed) return { error: 'go-jose/go-jose: error in cryptographic primitive' };
      return { error: `service account token claims could not be validated: ${err.message}` };
    }
  }
}

/** Go's %q of a []string: ["a" "b"]. */
function goQuote(xs: string[]): string {
  return `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
}
