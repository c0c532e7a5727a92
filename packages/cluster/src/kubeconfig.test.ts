import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { kubeconfigFor, kubeconfigPath, mergeKubeconfig, removeFromKubeconfig, removeKubeconfig, writeKubeconfig } from './kubeconfig';

const entry = { cluster: 'lab', server: 'http://127.0.0.1:40001' };

const kindConfig = `# my clusters
apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://127.0.0.1:6443
  name: kind-kind
contexts:
- context:
    cluster: kind-kind
    user: kind-kind
  name: kind-kind
current-context: kind-kind
users:
- name: kind-kind
  user:
    token: abc
`;

describe('kubeconfig merge', () => {
  it('writes a complete config into an empty file', () => {
    const cfg = YAML.parse(kubeconfigFor(entry));
    expect(cfg).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ cluster: { server: 'http://127.0.0.1:40001', 'insecure-skip-tls-verify': true }, name: 'kubelab-lab' }],
      contexts: [{ context: { cluster: 'kubelab-lab', user: 'kubelab-lab' }, name: 'kubelab-lab' }],
      users: [{ name: 'kubelab-lab', user: {} }],
      'current-context': 'kubelab-lab',
      preferences: {},
    });
  });

  it('carries the cluster CA and the admin token for an HTTPS cluster, as kind writes them', () => {
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const cfg = YAML.parse(kubeconfigFor({ cluster: 'lab', server: 'https://127.0.0.1:40001', ca, token: 'tok' }));
    expect(cfg.clusters).toEqual([
      {
        cluster: { 'certificate-authority-data': Buffer.from(ca).toString('base64'), server: 'https://127.0.0.1:40001' },
        name: 'kubelab-lab',
      },
    ]);
    expect(cfg.users).toEqual([{ name: 'kubelab-lab', user: { token: 'tok' } }]);
  });

  it('keeps foreign entries and comments, adds ours and makes it current', () => {
    const text = mergeKubeconfig(kindConfig, entry);
    expect(text).toContain('# my clusters');
    const cfg = YAML.parse(text);
    expect(cfg.clusters.map((c: { name: string }) => c.name)).toEqual(['kind-kind', 'kubelab-lab']);
    expect(cfg.users[0].user.token).toBe('abc');
    expect(cfg['current-context']).toBe('kubelab-lab');
  });

  it('replaces its own entries instead of duplicating them (a new port after --recreate)', () => {
    const once = mergeKubeconfig(kindConfig, entry);
    const twice = YAML.parse(mergeKubeconfig(once, { ...entry, server: 'http://127.0.0.1:40002' }));
    expect(twice.clusters.filter((c: { name: string }) => c.name === 'kubelab-lab')).toEqual([
      { cluster: { server: 'http://127.0.0.1:40002', 'insecure-skip-tls-verify': true }, name: 'kubelab-lab' },
    ]);
    expect(twice.contexts).toHaveLength(2);
  });

  it('refuses a file that is not a kubeconfig rather than overwrite it', () => {
    expect(() => mergeKubeconfig('- a\n- b\n', entry)).toThrow(/top level is not a mapping/);
    expect(() => mergeKubeconfig('a: [\n', entry)).toThrow(/not a valid kubeconfig/);
  });
});

describe('kubeconfig removal', () => {
  it('removes only its entries and resets current-context when it was ours', () => {
    const { text, changed } = removeFromKubeconfig(mergeKubeconfig(kindConfig, entry), 'lab');
    expect(changed).toBe(true);
    const cfg = YAML.parse(text);
    expect(cfg.clusters.map((c: { name: string }) => c.name)).toEqual(['kind-kind']);
    expect(cfg.contexts.map((c: { name: string }) => c.name)).toEqual(['kind-kind']);
    expect(cfg.users.map((c: { name: string }) => c.name)).toEqual(['kind-kind']);
    expect(cfg['current-context']).toBe('');
  });

  it('leaves another current context alone, and reports no change when nothing was ours', () => {
    const merged = mergeKubeconfig(kindConfig, entry).replace('current-context: kubelab-lab', 'current-context: kind-kind');
    expect(YAML.parse(removeFromKubeconfig(merged, 'lab').text)['current-context']).toBe('kind-kind');
    expect(removeFromKubeconfig(kindConfig, 'lab').changed).toBe(false);
  });
});

describe('kubeconfig files', () => {
  it('uses the first path of KUBECONFIG, else ~/.kube/config', () => {
    expect(kubeconfigPath(undefined, { KUBECONFIG: `/a/one${path.delimiter}/b/two`, HOME: '/h' })).toBe('/a/one');
    expect(kubeconfigPath(undefined, { KUBECONFIG: '', HOME: '/h' })).toBe('/h/.kube/config');
    expect(kubeconfigPath('/x/cfg', { KUBECONFIG: '/a/one' })).toBe('/x/cfg');
  });

  it('creates the file (mode 0600) and directories, then removes the entries again', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-test-'));
    const file = path.join(dir, 'sub', 'config');
    expect(writeKubeconfig(entry, file)).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(YAML.parse(readFileSync(file, 'utf8'))['current-context']).toBe('kubelab-lab');
    expect(removeKubeconfig('lab', file)).toBe(true);
    expect(removeKubeconfig('lab', file)).toBe(false);
    expect(removeKubeconfig('lab', path.join(dir, 'missing'))).toBe(false);
    writeFileSync(file, kindConfig);
    writeKubeconfig(entry, file);
    expect(YAML.parse(readFileSync(file, 'utf8')).clusters).toHaveLength(2);
  });
});
