// Issue 2 end to end: `cluster up` builds a real three-node cluster of containers, the API behaves like
// Kubernetes', state survives a control-plane restart, and `cluster down` leaves nothing labelled behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeList, Namespace, Node, Status } from '@kubelab/api';
import { docker, eventually, execIn, labelled } from '../support/docker';
import { kubelab, kubelabOk } from '../support/cli';
import { adminFetch } from '../support/cluster';

const name = 'kltest-foundation';
const cl = ['--cluster', name];
let upOutput = '';
let apiUrl = '';
// The API as the cluster admin (token and CA from the state volume): raw HTTP answers.
let api: (path: string, init?: RequestInit) => Promise<Response>;

async function nodes(): Promise<Node[]> {
  return (JSON.parse(await kubelabOk([...cl, 'get', 'nodes', '-o', 'json'])) as KubeList<Node>).items;
}

const isReady = (n: Node): boolean => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

describe('cluster foundation', () => {
  beforeAll(async () => {
    upOutput = await kubelabOk(['cluster', 'up', '--name', name]);
    apiUrl = upOutput.match(/API server:\s+(https:\/\/127\.0\.0\.1:\d+)/)?.[1] ?? '';
    api = await adminFetch(name);
  });
  afterAll(async () => {
    await kubelab(['cluster', 'down', '--name', name]);
    await kubelab(['cluster', 'down', '--name', `${name}-b`]);
    await kubelab(['cluster', 'down', '--name', `${name}-c`]);
  });

  it('shows each step with timings and ends with a summary', () => {
    expect(upOutput).toMatch(/✓ Docker engine ready \(\d+\.\d+s\)/);
    expect(upOutput).toMatch(/✓ Images ready \(\d+\.\d+s\)/);
    expect(upOutput).toContain(`Cluster "${name}" is up in`);
    expect(upOutput).toMatch(new RegExp(`${name}-control-plane\\s+control-plane\\s+172\\.30\\.\\d+\\.\\d+\\s+10\\.\\d+\\.0\\.0/24`));
    expect(upOutput).toContain(`${name}-worker2`);
    expect(apiUrl).not.toBe('');
    expect(upOutput).toContain('Next, try:');
  });

  it('has three Ready nodes with distinct pod CIDRs', async () => {
    const list = await eventually('three Ready nodes', async () => {
      const ns = await nodes();
      return ns.length === 3 && ns.every(isReady) ? ns : undefined;
    });
    expect(list.map((n) => n.metadata.name).sort()).toEqual([`${name}-control-plane`, `${name}-worker`, `${name}-worker2`]);
    const cidrs = list.map((n) => n.spec.podCIDR);
    expect(new Set(cidrs).size).toBe(3);
    for (const n of list) expect(n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address).toMatch(/^172\.30\./);
    const table = await kubelabOk([...cl, 'get', 'nodes', '-o', 'wide']);
    expect(table.split('\n')[0]).toMatch(
      /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/,
    );
    expect(table).toMatch(new RegExp(`${name}-control-plane\\s+Ready\\s+control-plane\\s+`));
    expect(table).toMatch(new RegExp(`${name}-worker\\s+Ready\\s+<none>\\s+`));
  });

  it('a second `cluster up` reports the cluster already up and changes nothing', async () => {
    const before = await labelled(name);
    const out = await kubelabOk(['cluster', 'up', '--name', name]);
    expect(out).toContain(`Cluster "${name}" is already up.`);
    expect(await labelled(name)).toEqual(before);
  });

  it('node containers reach each other over the node network', async () => {
    const [cp, w1, w2] = (await nodes()).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    const ip = (n: Node): string => n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
    const ping = await execIn(w1.metadata.name!, ['ping', '-c', '1', '-W', '2', ip(w2)]);
    expect(ping.code).toBe(0);
    expect(ping.stdout).toContain('1 received');
    // /healthz is public (system:public-info-viewer); the node trusts the cluster CA it was given.
    const health = await execIn(w2.metadata.name!, [
      'sh',
      '-c',
      `echo "$KUBELAB_CA_DATA" | base64 -d > /tmp/ca.crt && wget -qO- --ca-certificate=/tmp/ca.crt https://${ip(cp)}:6443/healthz`,
    ]);
    expect(health.stdout).toBe('ok');
  });

  it('answers -o json exactly as the API does, and -o yaml', async () => {
    const viaCli = JSON.parse(await kubelabOk([...cl, 'get', 'namespace', 'default', '-o', 'json']));
    const viaApi = await (await api('/api/v1/namespaces/default')).json();
    // As kubectl, -o json leaves out managedFields (--show-managed-fields=false).
    delete viaApi.metadata.managedFields;
    expect(viaCli).toEqual(viaApi);
    const yaml = await kubelabOk([...cl, 'get', 'ns', '-o', 'yaml']);
    expect(yaml).toMatch(/^apiVersion: v1\nitems:/);
    expect(yaml).toContain('name: kube-system');
    const version = await kubelabOk([...cl, 'version']);
    expect(version).toMatch(/Client Version: v1\.33\.0-kubelab\nServer Version: v1\.33\.0-kubelab/);
  });

  it('refuses a malformed object with a Status naming the field, and stays up', async () => {
    const res = await api('/api/v1/namespaces', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Not_Valid', labels: { ok: 'bad value!' } } }),
    });
    expect(res.status).toBe(422);
    const status = (await res.json()) as Status;
    expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
    expect(status.message).toMatch(/^Namespace "Not_Valid" is invalid: \[metadata\.name: Invalid value: "Not_Valid"/);
    expect(status.details?.causes?.map((c) => c.field)).toEqual(['metadata.name', 'metadata.labels[ok]']);
    const garbage = await api('/api/v1/namespaces', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"kind":',
    });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as Status).reason).toBe('BadRequest');
    expect(await (await api('/readyz')).text()).toBe('ok');
    const list = JSON.parse(await kubelabOk([...cl, 'get', 'ns', '-o', 'json'])) as KubeList<Namespace>;
    expect(list.items.map((n) => n.metadata.name)).not.toContain('Not_Valid');
    const missing = await kubelab([...cl, 'get', 'ns', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): namespaces "nope" not found');
  });

  it('keeps its namespaces across a restart of the control-plane container', async () => {
    const created = await api('/api/v1/namespaces', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'survivor' } }),
    });
    expect(created.status).toBe(201);
    await docker.getContainer(`${name}-control-plane`).restart({ t: 10 });
    const names = await eventually('namespaces after restart', async () => {
      const r = await kubelab([...cl, 'get', 'namespaces', '-o', 'name']);
      return r.code === 0 ? r.stdout : undefined;
    });
    expect(names.split('\n')).toEqual(expect.arrayContaining(['namespace/survivor', 'namespace/default', 'namespace/kube-system']));
    await eventually('nodes Ready again', async () => (await nodes()).every(isReady));
  });

  it('runs a second cluster side by side and refuses clashing subnets, naming the network', async () => {
    const info = JSON.parse(await kubelabOk([...cl, 'get', 'nodes', '-o', 'json'])) as KubeList<Node>;
    const cpIp = info.items[0].status!.addresses![0].address;
    const nodeSubnet = cpIp.replace(/\.\d+$/, '.0/24');
    const clash = await kubelab(['cluster', 'up', '--name', `${name}-b`, '--workers', '0', '--node-subnet', nodeSubnet]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`node subnet ${nodeSubnet} overlaps Docker network "${name}-net"`);
    expect((await labelled(`${name}-b`)).containers).toEqual([]);

    const out = await kubelabOk(['cluster', 'up', '--name', `${name}-b`, '--workers', '0']);
    expect(out).toContain(`Cluster "${name}-b" is up`);
    const b = JSON.parse(await kubelabOk(['--cluster', `${name}-b`, 'get', 'nodes', '-o', 'json'])) as KubeList<Node>;
    expect(b.items.map((n) => n.metadata.name)).toEqual([`${name}-b-control-plane`]);
    expect(b.items[0].spec.podCIDR).not.toBe(info.items[0].spec.podCIDR);
    const listing = await kubelabOk(['cluster', 'list']);
    expect(listing).toContain(name);
    expect(listing).toContain(`${name}-b`);
    await kubelabOk(['cluster', 'down', '--name', `${name}-b`]);
    expect(await labelled(`${name}-b`)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('refuses a bad cluster name before doing anything', async () => {
    const r = await kubelab(['cluster', 'up', '--name', 'Bad_Name']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'error: cluster name "Bad_Name" is invalid: use lower-case letters, digits and "-", starting and ending with a letter or digit',
    );
    expect(r.stdout).toBe('');
  });

  it('refuses a busy API port, naming it, and creates nothing', async () => {
    // Read the live port: a restart of the control plane re-allocates a random host port.
    const ports = (await docker.getContainer(`${name}-control-plane`).inspect()).NetworkSettings.Ports['6443/tcp'];
    const busy = Number(ports?.[0]?.HostPort);
    expect(busy).toBeGreaterThan(0);
    const r = await kubelab(['cluster', 'up', '--name', `${name}-c`, '--workers', '0', '--api-port', String(busy)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(String(busy));
    expect(r.stderr).toMatch(/in use|busy|taken/i);
    expect(await labelled(`${name}-c`)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('repairs a cluster whose node container died, instead of replacing it', async () => {
    await docker.getContainer(`${name}-worker2`).kill();
    const out = await kubelabOk(['cluster', 'up', '--name', name]);
    expect(out).toContain(`repairing cluster "${name}": started ${name}-worker2 (exited)`);
    expect(out).toContain(`Cluster "${name}" is repaired and up in`);
    const list = await eventually('three Ready nodes after the repair', async () => {
      const ns = await nodes();
      return ns.length === 3 && ns.every(isReady) ? ns : undefined;
    });
    expect(list).toHaveLength(3);
    apiUrl = out.match(/API server:\s+(https:\/\/127\.0\.0\.1:\d+)/)?.[1] ?? '';
  });

  it('cluster down removes every labelled container, network and volume', async () => {
    const before = await labelled(name);
    // Three node containers, plus the containers of the cluster's pods (the DNS pods: pause + dns each).
    expect(before.containers.filter((c) => /^\/kltest-foundation-(control-plane|worker\d*)$/.test(c))).toHaveLength(3);
    expect(before.networks.length).toBe(4);
    // The state volume, and one per pod volume of the cluster's pods (each has its ServiceAccount token volume).
    expect(before.volumes.filter((v) => v === 'kltest-foundation-state')).toHaveLength(1);
    const out = await kubelabOk(['cluster', 'down', '--name', name]);
    expect(out).toContain(
      `Deleted cluster "kltest-foundation": ${before.containers.length} containers, 4 networks, ${before.volumes.length} volumes`,
    );
    expect(await labelled(name)).toEqual({ containers: [], networks: [], volumes: [] });
    const again = await kubelabOk(['cluster', 'down', '--name', name]);
    expect(again).toContain('No cluster named "kltest-foundation"');
  });
});
