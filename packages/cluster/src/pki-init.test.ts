import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTokens } from './pki';
import { pkiInitConfigFromEnv, runPkiInit } from './pki-init';

describe('pki-init (the credentials step of a Compose-made cluster)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kl-pki-init-'));
  const cfg = pkiInitConfigFromEnv({
    KUBELAB_CLUSTER: 'c',
    KUBELAB_STATE_DIR: path.join(dir, 'state'),
    KUBELAB_NODE_CREDENTIALS_DIR: path.join(dir, 'node'),
    KUBELAB_PKI_NODES: 'c-control-plane, c-worker',
    NODE_IP: '172.30.0.2',
  });

  it('writes pki/ as cluster up does, and each node its token and the CA', () => {
    expect(runPkiInit(cfg)).toBe(true);
    const tokens = parseTokens(readFileSync(path.join(dir, 'state/pki/tokens.csv'), 'utf8'));
    expect(tokens.adminToken).toBeTruthy();
    expect(readFileSync(path.join(dir, 'node/c-worker.token'), 'utf8')).toBe(tokens.nodeTokens['c-worker']);
    expect(readFileSync(path.join(dir, 'node/ca.crt'), 'utf8')).toBe(readFileSync(path.join(dir, 'state/pki/ca.crt'), 'utf8'));
    expect(statSync(path.join(dir, 'state/pki/ca.key')).mode & 0o777).toBe(0o600);
  });

  it('keeps the credentials on a later start (a restart must not invalidate tokens)', () => {
    const before = readFileSync(path.join(dir, 'state/pki/tokens.csv'), 'utf8');
    expect(runPkiInit(cfg)).toBe(false);
    expect(readFileSync(path.join(dir, 'state/pki/tokens.csv'), 'utf8')).toBe(before);
  });

  it('names the missing setting', () => {
    expect(() => pkiInitConfigFromEnv({})).toThrow(/KUBELAB_PKI_NODES is not set/);
  });
});
