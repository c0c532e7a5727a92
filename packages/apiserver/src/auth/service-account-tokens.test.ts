// ServiceAccount tokens: signed with node:crypto, verified with jose; claims shaped as kube-apiserver's.
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ISSUER, ServiceAccountTokens } from './service-account-tokens';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const tokens = new ServiceAccountTokens(privateKey);
const spec = {
  namespace: 'lab',
  serviceAccount: { name: 'reader', uid: 'sa-uid' },
  audiences: [DEFAULT_ISSUER],
  expirationSeconds: 3600,
  pod: { name: 'web', uid: 'pod-uid' },
  node: { name: 'w1', uid: 'node-uid' },
};

describe('ServiceAccount tokens', () => {
  it('carry the claims kube-apiserver writes and verify as the ServiceAccount', async () => {
    const now = Date.UTC(2026, 0, 1);
    const { token, expiresAt } = tokens.issue(spec, now);
    expect(expiresAt).toBe(now + 3600_000);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256' });
    expect(decodeProtectedHeader(token).kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: DEFAULT_ISSUER,
      sub: 'system:serviceaccount:lab:reader',
      aud: [DEFAULT_ISSUER],
      iat: now / 1000,
      nbf: now / 1000,
      exp: now / 1000 + 3600,
      'kubernetes.io': {
        namespace: 'lab',
        serviceaccount: { name: 'reader', uid: 'sa-uid' },
        pod: { name: 'web', uid: 'pod-uid' },
        node: { name: 'w1', uid: 'node-uid' },
      },
    });
    const v = await tokens.verify(token, now + 1000);
    expect(v?.user).toEqual({
      name: 'system:serviceaccount:lab:reader',
      uid: 'sa-uid',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:lab', 'system:authenticated'],
      extra: expect.objectContaining({
        'authentication.kubernetes.io/pod-name': ['web'],
        'authentication.kubernetes.io/pod-uid': ['pod-uid'],
      }),
    });
  });

  it('refuses expired tokens, other audiences, other keys and tampering', async () => {
    const now = Date.UTC(2026, 0, 1);
    const { token } = tokens.issue(spec, now);
    expect(await tokens.verify(token, now + 3601_000)).toBeUndefined();
    expect(await tokens.verify(tokens.issue({ ...spec, audiences: ['vault'] }, now).token, now)).toBeUndefined();
    const other = new ServiceAccountTokens(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    expect(await other.verify(token, now)).toBeUndefined();
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'system:serviceaccount:kube-system:admin' })).toString(
      'base64url',
    );
    expect(await tokens.verify(`${h}.${forged}.${s}`, now)).toBeUndefined();
    expect(await tokens.verify(`${h}.${p}.${s}`, now)).toBeDefined();
  });
});
