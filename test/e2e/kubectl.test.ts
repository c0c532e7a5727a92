// Issue 9, deliverables 2 and 3, end to end with the REAL kubectl (the newest on the machine and 1.31):
// typed creates (protobuf bodies from 1.32 on), get with server-side Table columns, apply / edited apply /
// set image / patch through strategic merge patch, diff and --dry-run=server leaving nothing behind,
// explain from /openapi/v3, and paged lists. Skipped, with the reason printed, where no kubectl is installed.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMap, Deployment } from '@kubelab/api';
import { findCluster } from '@kubelab/cluster';
import { startCluster, type TestCluster } from '../support/cluster';
import { eventually } from '../support/docker';

/** kubectl.1.NN beside the kubectl on the PATH (the folder its real path names), newest first. */
function kubectlBinaries(): { newest?: string; v131?: string; oldest?: string; reason?: string } {
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((d) => path.join(d, 'kubectl'))
    .find((p) => existsSync(p));
  if (!onPath) return { reason: 'no kubectl on the PATH' };
  const dir = path.dirname(realpathSync(onPath));
  const versions = readdirSync(dir)
    .map((f) => /^kubectl\.1\.(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  const newest = versions.length ? path.join(dir, `kubectl.1.${versions[0]}`) : onPath;
  const v131 = versions.includes(31) ? path.join(dir, 'kubectl.1.31') : undefined;
  // The oldest too (1.27 here) when it is another one: it reads /openapi/v2 as protobuf before apply.
  const low = versions[versions.length - 1];
  const oldest = versions.length > 1 && low !== 31 ? path.join(dir, `kubectl.1.${low}`) : undefined;
  return { newest, v131, oldest, reason: v131 ? undefined : `no kubectl.1.31 in ${dir}` };
}

const found = kubectlBinaries();
if (found.reason) console.log(`kubectl e2e: ${found.reason}${found.newest ? '' : ': skipped'}`);

const manifest = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: echo
        image: ${image}
        ports:
        - containerPort: 8080
        readinessProbe:
          httpGet: {path: /, port: 8080}
          periodSeconds: 2
`;

let c: TestCluster;
let server = '';
const work = mkdtempSync(path.join(tmpdir(), 'kubelab-kubectl-'));
// Only this cluster's kubeconfig (`kubelab get kubeconfig`) is read; every call names the server too.
const kubeconfig = path.join(work, 'kubeconfig');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(bin: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      bin,
      [`--server=${server}`, ...args],
      { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: work }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(bin: string, args: string[]): Promise<string> {
  const r = await kubectl(bin, args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const headerOf = (out: string): string[] =>
  out
    .split('\n')[0]
    .trim()
    .split(/\s{2,}/);

describe.skipIf(!found.newest)('the real kubectl', () => {
  beforeAll(async () => {
    writeFileSync(kubeconfig, '');
    c = await startCluster('kltest-kubectl', { workers: 1 });
    server = (await findCluster('kltest-kubectl'))!.apiUrl;
    // The cluster's CA and admin token (`--server` names the address, the kubeconfig how to trust and log in).
    writeFileSync(kubeconfig, await c.run(['get', 'kubeconfig', '--name', 'kltest-kubectl']));
  });
  afterAll(async () => {
    await c?.down();
    rmSync(work, { recursive: true, force: true });
  });

  const versions = [
    ['newest', found.newest],
    ['1.31', found.v131],
    ['oldest', found.oldest],
  ] as const;

  for (const [label, bin] of versions) {
    const ns = `lab-${label.replace('.', '')}`;
    if (label === 'oldest' && !bin) continue;
    const k = (args: string[]) => ok(bin!, [...args, '-n', ns]);
    const deployment = async (name: string) => JSON.parse(await k(['get', 'deployment', name, '-o', 'json'])) as Deployment;

    describe.skipIf(!bin)(`kubectl ${label}`, () => {
      it('creates a namespace, a ConfigMap, a Secret and a Deployment (typed creates: protobuf from 1.32)', async () => {
        await ok(bin!, ['create', 'namespace', ns]);
        await k(['create', 'configmap', 'cfg', '--from-literal=greeting=hello']);
        await k(['create', 'secret', 'generic', 'pw', '--from-literal=password=s3cret']);
        expect(await k(['create', 'deployment', 'web', '--image=kubelab/echo:latest', '--port=8080'])).toContain(
          'deployment.apps/web created',
        );
        const cm = JSON.parse(await k(['get', 'configmap', 'cfg', '-o', 'json'])) as ConfigMap;
        expect(cm.data).toEqual({ greeting: 'hello' });
        const secret = JSON.parse(await k(['get', 'secret', 'pw', '-o', 'json'])) as { data: Record<string, string> };
        expect(Buffer.from(secret.data.password, 'base64').toString()).toBe('s3cret');
        expect((await deployment('web')).spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
      });

      it('gets deployments and pods with the server-side Table columns', async () => {
        expect(headerOf(await k(['get', 'deployments']))).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
        expect(headerOf(await k(['get', 'pods']))).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
        expect(headerOf(await k(['get', 'pods', '-o', 'wide']))).toEqual([
          'NAME',
          'READY',
          'STATUS',
          'RESTARTS',
          'AGE',
          'IP',
          'NODE',
          'NOMINATED NODE',
          'READINESS GATES',
        ]);
        expect(await k(['get', 'configmap', 'cfg'])).toMatch(/^NAME\s+DATA\s+AGE\ncfg\s+1\s+/);
      });

      it('applies, then applies an edit of the image only: ports and probe stay', async () => {
        const file = path.join(work, `${ns}.yaml`);
        writeFileSync(file, manifest('kubelab/echo:latest'));
        expect(await k(['apply', '-f', file])).toContain('deployment.apps/app created');
        writeFileSync(file, manifest('kubelab/echo:v2'));
        const diff = await kubectl(bin!, ['diff', '-f', file, '-n', ns]);
        expect(diff.code, diff.stderr).toBe(1);
        expect(diff.stdout).toMatch(/^\+\s+- image: kubelab\/echo:v2$/m);
        // diff asked the server with dryRun=All: nothing changed.
        expect((await deployment('app')).spec.template.spec.containers[0].image).toBe('kubelab/echo:latest');
        expect(await k(['apply', '-f', file])).toContain('deployment.apps/app configured');
        const c0 = (await deployment('app')).spec.template.spec.containers[0];
        expect(c0.image).toBe('kubelab/echo:v2');
        expect(c0.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
        expect(c0.readinessProbe?.httpGet).toMatchObject({ path: '/', port: 8080 });
      });

      it('an apply that switches a volume source and the strategy type clears the old ones ($retainKeys)', async () => {
        const file = path.join(work, `${ns}-vol.yaml`);
        const vol = (strategy: string, source: string) =>
          `apiVersion: apps/v1
kind: Deployment
metadata: {name: vol}
spec:
  replicas: 0
${strategy}  selector: {matchLabels: {app: vol}}
  template:
    metadata: {labels: {app: vol}}
    spec:
      containers:
      - {name: c, image: kubelab/echo:latest, volumeMounts: [{name: data, mountPath: /data}]}
      volumes:
      - name: data
        ${source}
`;
        writeFileSync(file, vol('', 'emptyDir: {}'));
        await k(['apply', '-f', file]);
        writeFileSync(file, vol('  strategy: {type: Recreate}\n', 'configMap: {name: cfg}'));
        await k(['apply', '-f', file]);
        const d = await deployment('vol');
        expect(d.spec.template.spec.volumes).toEqual([{ name: 'data', configMap: { name: 'cfg', defaultMode: 420 } }]);
        expect(d.spec.strategy).toEqual({ type: 'Recreate' });
      });

      it('set image and a strategic patch merge into the named container', async () => {
        await k(['set', 'image', 'deployment/app', 'echo=kubelab/echo:v3']);
        await k([
          'patch',
          'deployment',
          'app',
          '-p',
          '{"spec":{"template":{"spec":{"containers":[{"name":"echo","env":[{"name":"A","value":"1"}]}]}}}}',
        ]);
        const c0 = (await deployment('app')).spec.template.spec.containers[0];
        expect(c0).toMatchObject({ image: 'kubelab/echo:v3', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 8080 }] });
      });

      it('--dry-run=server on create, apply and delete leaves nothing behind', async () => {
        expect(await k(['create', 'deployment', 'ghost', '--image=kubelab/echo:latest', '--dry-run=server'])).toContain('(server dry run)');
        expect((await kubectl(bin!, ['get', 'deployment', 'ghost', '-n', ns])).code).not.toBe(0);
        const file = path.join(work, `${ns}-ghost.yaml`);
        writeFileSync(file, manifest('kubelab/echo:latest').replace('name: app', 'name: ghost2'));
        expect(await k(['apply', '-f', file, '--dry-run=server'])).toContain('(server dry run)');
        expect((await kubectl(bin!, ['get', 'deployment', 'ghost2', '-n', ns])).code).not.toBe(0);
        expect(await k(['delete', 'deployment', 'app', '--dry-run=server'])).toContain('(server dry run)');
        expect((await deployment('app')).metadata.deletionTimestamp).toBeUndefined();
        expect(await k(['delete', 'configmap', 'cfg', '--dry-run=server'])).toContain('(server dry run)');
        expect(await k(['get', 'configmap', 'cfg', '-o', 'name'])).toBe('configmap/cfg\n');
      });

      it('watches with Table rows: the header once, a row per change (get -w)', async () => {
        // The scale waits for the watch's first row (kubectl has listed and watches): a fixed 1.5 s head start
        // raced kubectl's own start on a loaded machine.
        const w = spawn(bin!, [`--server=${server}`, 'get', 'deployments', '-w', '-n', ns], {
          env: { ...process.env, KUBECONFIG: kubeconfig, HOME: work },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let watch = '';
        w.stdout.on('data', (d) => (watch += d));
        w.stderr.on('data', (d) => (watch += d));
        const webRows = async () => watch.split('\n').filter((l) => /^web\s/.test(l)).length;
        try {
          await eventually('get -w to list web', async () => (await webRows()) >= 1 || undefined, 60_000, 100);
          await k(['scale', 'deployment', 'web', '--replicas=0']);
          await eventually('get -w to print the change', async () => (await webRows()) >= 2 || undefined, 60_000, 100);
        } finally {
          w.kill();
        }
        const lines = watch.trim().split('\n');
        expect(lines.filter((l) => l.startsWith('NAME'))).toHaveLength(1);
        expect(lines.filter((l) => /^web\s/.test(l)).length).toBeGreaterThanOrEqual(2);
      });

      it('explains pod.spec.containers from /openapi/v3', async () => {
        const out = await ok(bin!, ['explain', 'pod.spec.containers']);
        expect(out).toContain('KIND:       Pod');
        expect(out).toMatch(/FIELD:\s+containers <\[\]Container>/);
        expect(out).toMatch(/^\s+image\s+<string>/m);
      });

      it('applies server-side: managedFields per manager, 409 on conflicts, --force-conflicts, dry run, pruning', async () => {
        const file = path.join(work, `${ns}-ssa.yaml`);
        const objects = (data: string) => `${manifest('kubelab/echo:latest').replace(/\bapp\b/g, 'ssa')}---
apiVersion: v1
kind: Service
metadata: {name: ssa}
spec:
  selector: {ssa: ssa}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ssa}
data: {${data}}
---
apiVersion: v1
kind: Pod
metadata: {name: ssa-pod}
spec:
  containers: [{name: echo, image: kubelab/echo:latest}]
`;
        writeFileSync(file, objects('a: "1", b: "2"'));
        const out = await k(['apply', '--server-side', '-f', file]);
        expect(out.match(/serverside-applied/g)).toHaveLength(4);
        const d = JSON.parse(await k(['get', 'deployment', 'ssa', '-o', 'json', '--show-managed-fields'])) as Deployment;
        const entry = d.metadata.managedFields?.find((m) => m.manager === 'kubectl');
        expect(entry).toMatchObject({ operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
        const fields = entry?.fieldsV1 as Record<string, Record<string, Record<string, Record<string, Record<string, unknown>>>>>;
        expect(fields['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"echo"}']).toMatchObject({ '.': {}, 'f:image': {} });
        // Another manager's value: a conflict naming it and the field, as kube-apiserver words it.
        await k(['patch', 'configmap', 'ssa', '-p', '{"data":{"a":"9"}}']);
        const refused = await kubectl(bin!, ['apply', '--server-side', '-f', file, '-n', ns]);
        expect(refused.code).not.toBe(0);
        expect(refused.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.a');
        await k(['apply', '--server-side', '--force-conflicts', '-f', file]);
        const data = async () => (JSON.parse(await k(['get', 'configmap', 'ssa', '-o', 'json'])) as ConfigMap).data;
        expect(await data()).toEqual({ a: '1', b: '2' });
        // b leaves the config: a dry run changes nothing, the apply removes it.
        writeFileSync(file, objects('a: "1", c: "3"'));
        expect(await k(['apply', '--server-side', '-f', file, '--dry-run=server'])).toContain('(server dry run)');
        expect(await data()).toEqual({ a: '1', b: '2' });
        await k(['apply', '--server-side', '-f', file]);
        expect(await data()).toEqual({ a: '1', c: '3' });
      });

      it('lists pods a page at a time (--chunk-size=1)', async () => {
        const out = await k(['get', 'deployments', '--chunk-size=1', '-o', 'name']);
        expect(out.trim().split('\n').sort()).toEqual([
          'deployment.apps/app',
          'deployment.apps/ssa',
          'deployment.apps/vol',
          'deployment.apps/web',
        ]);
        const pods = await k(['get', 'pods', '--chunk-size=1']);
        expect(headerOf(pods)[0]).toBe('NAME');
      });
    });
  }
});
