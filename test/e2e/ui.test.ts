// Issue 15 item 1 end to end: `kubelab ui` rendered in headless Chromium (Debian's chromium, driven by
// playwright-core). The page draws the test cluster's nodes and pods, shows a Service's rules with counters
// and a pod's details on click, a netem impairment on its pod, and after a deny policy and a probe a red
// edge whose hover names the policy. Screenshots go to test/output/ui/ (gitignored). Item 5 on the same
// cluster: `kubelab record` during a scripted session, `kubelab replay` showing the same flows offline.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium as playwright, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubelabOk, launcher, repoRoot, testKubeconfig } from '../support/cli';
import { startCluster, type TestCluster } from '../support/cluster';
import { eventually } from '../support/docker';

const CLUSTER = 'kltest-ui';
const W1 = `${CLUSTER}-worker`;
const W2 = `${CLUSTER}-worker2`;
const shots = path.join(repoRoot, 'test', 'output', 'ui');
let c: TestCluster;
let ui: ReturnType<typeof started> | undefined;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kubelab-ui-'));
let browser: Browser;
let page: Page;
let url = '';

type Win = {
  kubelab: { cy: import('cytoscape').Core; updates: number; layouts: number; namespace: string; errors: string[] };
};
/** The two methods of cytoscape's renderer that its own mousemove handler uses to find what is under the mouse. */
type RendererHits = {
  projectIntoViewport(clientX: number, clientY: number): [number, number];
  findNearestElement(
    x: number,
    y: number,
    interactiveOnly: boolean,
    isTouch: boolean,
  ): import('cytoscape').SingularElementReturnValue | undefined;
};

function pod(name: string, node: string, image: string, labels: Record<string, string>, ports: number[] = []): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName: node, containers: [{ name: 'main', image, ports: ports.map((p) => ({ containerPort: p })) }] },
  };
}

/** `kubelab ARGS` left running: its output so far, a wait for a match in it, and its exit. */
function started(args: string[]) {
  const child = spawn(process.execPath, [launcher, ...args], {
    cwd: repoRoot,
    env: { ...process.env, KUBECONFIG: testKubeconfig() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    child,
    exited,
    output: () => out,
    waitFor: (re: RegExp) =>
      eventually(`${re} in the output of kubelab ${args.join(' ')}`, async () => re.exec(out)?.[1] ?? re.exec(out)?.[0], 60_000),
  };
}

/** Ids of the drawn elements matching a cytoscape selector, read from the page. */
const drawn = (selector: string): Promise<string[]> =>
  page.evaluate((sel) => (window as unknown as Win).kubelab.cy.$(sel).map((e) => e.id()), selector);

const waitDrawn = (selector: string, what: string, timeoutMs = 30_000) =>
  eventually(what, async () => ((await drawn(selector)).length ? drawn(selector) : undefined), timeoutMs);

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const chromium = execFileSync('bash', [path.join(repoRoot, 'scripts', 'chromium.sh')], { encoding: 'utf8' }).trim();
  c = await startCluster(CLUSTER);
  const objects = [
    pod('client', W1, 'kubelab/toolbox:latest', { app: 'client' }),
    pod('web', W2, 'kubelab/echo:latest', { app: 'web' }, [8080]),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ];
  await c.run(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  for (const p of ['client', 'web']) await c.waitReady(p, 120_000);

  ui = started(['--cluster', CLUSTER, 'ui', '--port', '0']);
  url = await ui.waitFor(/at (http:\/\/127\.0\.0\.1:\d+\/)/);
  // As root (CI), Chromium's sandbox cannot start; the page is our own, served from 127.0.0.1.
  browser = await playwright.launch({ executablePath: chromium, chromiumSandbox: false });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // The page's own errors belong in the test's output (a failed draw is also kept in kubelab.errors).
  page.on('pageerror', (err) => console.error(`ui page error: ${err.stack ?? err.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`ui page console: ${m.text()}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => ((window as unknown as Win).kubelab?.updates ?? 0) > 0, undefined, { timeout: 30_000 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  ui?.child.kill('SIGTERM');
  await c?.down();
  rmSync(tmp, { recursive: true, force: true });
});

describe('kubelab ui in Chromium', () => {
  it('listens on 127.0.0.1 only and refuses another Host', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // fetch() does not let a caller set Host; a DNS-rebinding page's request carries its own name there.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const u = new URL(url);
      http
        .get({ host: u.hostname, port: u.port, path: '/api/graph', headers: { host: `evil.example:${u.port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        })
        .on('error', reject);
    });
    expect(status).toBe(403);
    expect((await fetch(`${url}api/graph`)).status).toBe(200);
  });

  it('draws the node network, the nodes, their pod networks and the pods', async () => {
    await waitDrawn('#pod\\:default\\/web', 'the web pod drawn');
    const nodes = await drawn('node');
    expect(nodes).toEqual(
      expect.arrayContaining([
        'network',
        `node:${CLUSTER}-control-plane`,
        `node:${W1}`,
        `node:${W2}`,
        `podnet:${W1}`,
        `podnet:${W2}`,
        'pod:default/client',
        'pod:default/web',
        'svc:default/web',
      ]),
    );
    // Pods sit in their node's pod network (a compound node), the Service points at its endpoint.
    const parents = await page.evaluate(() => {
      const cy = (window as unknown as Win).kubelab.cy;
      const parent = (id: string) => cy.getElementById(id).data('parent') as string;
      return { client: parent('pod:default/client'), web: parent('pod:default/web') };
    });
    expect(parents).toEqual({ client: `podnet:${W1}`, web: `podnet:${W2}` });
    expect(await drawn('edge[kind = "endpoint"][source = "svc:default/web"][target = "pod:default/web"]')).toHaveLength(1);
    await shot('1-cluster');
  });

  it('exports the same map with kubelab graph -o json|dot', async () => {
    const g = JSON.parse(await c.run(['graph', '-o', 'json'])) as { vertices: Array<{ id: string; parent?: string }> };
    expect(g.vertices.find((v) => v.id === 'pod:default/web')?.parent).toBe(`podnet:${W2}`);
    const dot = await c.run(['graph', '-o', 'dot']);
    expect(dot).toMatch(/^digraph "kubelab kltest-ui" \{/);
    expect(dot).toContain(`subgraph "cluster_podnet:${W1}" {`);
    expect(dot).toContain('"svc:default/web" -> "pod:default/web"');
  });

  it('shows a pod its containers, IP and node, and a Service its rules with live counters, on click', async () => {
    const web = await c.pod('web');
    // Returning the emitted collection would make the driver serialize the whole graph: return nothing.
    await page.evaluate(() => {
      (window as unknown as Win).kubelab.cy.getElementById('pod:default/web').emit('tap');
    });
    await page.waitForFunction(() => document.querySelector('#panel')?.textContent?.includes('Containers'));
    const podPanel = await page.$eval('#panel', (e) => e.textContent ?? '');
    expect(podPanel).toContain('Pod default/web');
    expect(podPanel).toContain(web.status!.podIP!);
    expect(podPanel).toContain(W2);
    expect(podPanel).toContain('kubelab/echo:latest');

    await c.run(['exec', 'client', '--', 'wget', '-qO-', '-T', '5', 'http://web/']);
    await page.evaluate(() => {
      (window as unknown as Win).kubelab.cy.getElementById('svc:default/web').emit('tap');
    });
    // The rules of the Service on the client's node, with the counter of the rule its connection took.
    const rules = await eventually('the Service panel with a counted KUBE-SVC rule', async () => {
      const text = await page.$eval('#panel', (e) => e.textContent ?? '');
      return /node \S+-worker: [1-9]\d* packets/.test(text) && text.includes('KUBE-SVC-') ? text : undefined;
    });
    expect(rules).toContain('default/web cluster IP');
    // The connection is drawn from the client to the Service it addressed, counted.
    await waitDrawn('edge[kind = "flow"][source = "pod:default/client"][target = "svc:default/web"]', 'a flow edge client -> Service web');
    await shot('2-service-panel');
  });

  it('shows a netem impairment on its pod', async () => {
    await c.run(['netem', 'set', 'client', '--delay', '50ms']);
    try {
      await eventually('client drawn with its netem delay', async () => {
        const label = await page.evaluate(
          () => (window as unknown as Win).kubelab.cy.getElementById('pod:default/client').data('display') as string,
        );
        return label.includes('netem delay 50ms') ? label : undefined;
      });
      await shot('3-netem');
    } finally {
      await c.run(['netem', 'reset', 'client']);
    }
  });

  it('draws a policy drop as a red edge whose hover names the deciding policy', async () => {
    const deny = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny-web' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] },
    };
    await c.run(['apply', '-f', '-'], JSON.stringify(deny));
    await waitDrawn('#np\\:default\\/deny-web', 'the policy drawn');
    expect(await drawn('edge[kind = "selects"][source = "np:default/deny-web"]')).toEqual(['selects:default/deny-web:default/web']);
    const ip = (await c.pod('web')).status!.podIP!;
    // The probe: a connection the policy refuses (retried until the agents enforce it).
    const red = await eventually(
      'a red edge client -> web',
      async () => {
        await c.try(['exec', 'client', '--', 'nc', '-z', '-w', '1', ip, '8080']);
        const ids = await drawn('edge[kind = "flow"][?dropped][source = "pod:default/client"][target = "pod:default/web"]');
        return ids[0];
      },
      60_000,
    );
    const data = await page.evaluate((id) => (window as unknown as Win).kubelab.cy.getElementById(id).data(), red);
    expect(data.policies).toEqual(['default/deny-web']);
    expect(await page.evaluate((id) => (window as unknown as Win).kubelab.cy.getElementById(id).style('line-color'), red)).toBe(
      'rgb(217,48,37)',
    );
    // Hovering the edge with the real mouse shows the tooltip. The probe is also seen FORWARDED by the source
    // node's conntrack (it holds the SYN), so a blue edge runs beside the red one between the same pods; the
    // style bows the two apart, and the mouse goes to a point on the red edge where cytoscape's own hit test
    // (the one its mousemove handler uses) finds the red edge, not the blue one or a label over it.
    const tip = await eventually('the hover tooltip under the real mouse', async () => {
      const at = await page.evaluate((id) => {
        const cy = (window as unknown as Win).kubelab.cy;
        const e = cy.getElementById(id) as import('cytoscape').EdgeSingular;
        const r = (cy as unknown as { renderer(): RendererHits }).renderer();
        const box = cy.container()!.getBoundingClientRect();
        const s = e.renderedSourceEndpoint();
        const t = e.renderedTargetEndpoint();
        const c = e.renderedControlPoints?.()?.[0];
        const along = (k: number) =>
          c
            ? {
                x: (1 - k) ** 2 * s.x + 2 * (1 - k) * k * c.x + k ** 2 * t.x,
                y: (1 - k) ** 2 * s.y + 2 * (1 - k) * k * c.y + k ** 2 * t.y,
              }
            : { x: s.x + k * (t.x - s.x), y: s.y + k * (t.y - s.y) };
        for (const k of [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8]) {
          const p = along(k);
          const client = { x: box.left + p.x, y: box.top + p.y };
          const [mx, my] = r.projectIntoViewport(client.x, client.y);
          if (r.findNearestElement(mx, my, true, false)?.id() === id) return client;
        }
        return undefined;
      }, red);
      if (!at) return undefined;
      await page.mouse.move(1, 1);
      await page.mouse.move(at.x, at.y, { steps: 4 });
      const t = await page.$eval('#tip', (e) => ((e as HTMLElement).hidden ? '' : `${(e as HTMLElement).dataset.edge}|${e.textContent}`));
      if (!t.startsWith(`${red}|`)) return undefined;
      return t.slice(red.length + 1);
    });
    expect(tip).toMatch(
      /^DROPPED \d+× TCP port 8080 by NetworkPolicy default\/deny-web \(ingress of default\/web: no policy allowed it\)$/,
    );
    await shot('4-red-edge');
  });

  it('places a new pod beside its neighbours without moving the drawn ones, and filters by namespace', async () => {
    const positions = () =>
      page.evaluate(() =>
        Object.fromEntries(
          (window as unknown as Win).kubelab.cy
            .nodes()
            .filter((n) => n.isChildless())
            .map((n) => [n.id(), (n as import('cytoscape').NodeSingular).position()]),
        ),
      );
    const before = await positions();
    const layouts = await page.evaluate(() => (window as unknown as Win).kubelab.layouts);
    const visitor = {
      ...pod('visitor', W1, 'kubelab/toolbox:latest', { app: 'visitor' }),
      metadata: { name: 'visitor', namespace: 'other' },
    };
    await c.run(
      ['apply', '-f', '-'],
      `${JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } })}\n---\n${JSON.stringify(visitor)}`,
    );
    try {
      await waitDrawn('#pod\\:other\\/visitor', 'the new pod drawn');
      const after = await positions();
      for (const [id, p] of Object.entries(before)) if (after[id]) expect(after[id], id).toEqual(p);
      expect(await page.evaluate(() => (window as unknown as Win).kubelab.layouts)).toBe(layouts);
      expect(await page.evaluate(() => (window as unknown as Win).kubelab.cy.getElementById('pod:other/visitor').data('parent'))).toBe(
        `podnet:${W1}`,
      );

      // The filter, as a leader picks it: only "other"'s pods, the cluster's nodes and pod networks stay.
      // Graph updates keep arriving meanwhile (the new pod turning ready, flows), so each view is awaited
      // whole; a failure says what the page held.
      const seen = (ids: string[]) =>
        page.evaluate((xs) => {
          const k = (window as unknown as Win).kubelab;
          return {
            visible: xs.map((x) => `${x}=${k.cy.getElementById(x).nonempty() ? k.cy.getElementById(x).visible() : 'absent'}`),
            namespace: k.namespace,
            errors: k.errors,
          };
        }, ids);
      const shows = async (want: Record<string, boolean>) => {
        const expected = Object.entries(want).map(([id, v]) => `${id}=${v}`);
        let last: Awaited<ReturnType<typeof seen>> | undefined;
        try {
          await eventually(
            'the filtered view',
            async () => {
              last = await seen(Object.keys(want));
              return last.visible.join(' ') === expected.join(' ');
            },
            15_000,
          );
        } catch {
          expect(last, 'the page held').toEqual({ ...last, visible: expected });
        }
      };
      await page.selectOption('#ns', 'other');
      await shows({
        'pod:other/visitor': true,
        'pod:default/client': false,
        'svc:default/web': false,
        [`node:${W1}`]: true,
        [`podnet:${W2}`]: true,
      });
      expect(new URL(page.url()).searchParams.get('namespace')).toBe('other');
      await shot('5-namespace-other');
      await page.selectOption('#ns', '');
      await shows({ 'pod:other/visitor': true, 'pod:default/client': true, 'svc:default/web': true });
      expect(new URL(page.url()).searchParams.get('namespace')).toBe(null);
    } finally {
      await c.run(['delete', 'namespace', 'other', '--wait=false']);
    }
  });

  it('lays the whole map out again only when the leader presses "tidy layout"', async () => {
    await eventually('the removed pod gone from the map', async () => (await drawn('#pod\\:other\\/visitor')).length === 0, 60_000);
    const layouts = await page.evaluate(() => (window as unknown as Win).kubelab.layouts);
    await page.click('#tidy');
    expect(await page.evaluate(() => (window as unknown as Win).kubelab.layouts)).toBe(layouts + 1);
    // Laid out and fitted: every vertex inside the view, none left where the gap was.
    const outside = await page.evaluate(() => {
      const cy = (window as unknown as Win).kubelab.cy;
      const e = cy.extent();
      return cy
        .nodes()
        .filter((n) => n.visible())
        .filter((n) => {
          const b = n.boundingBox({});
          return b.x1 < e.x1 - 1 || b.x2 > e.x2 + 1 || b.y1 < e.y1 - 1 || b.y2 > e.y2 + 1;
        })
        .map((n) => n.id());
    });
    expect(outside).toEqual([]);
    await shot('6-tidy');
  });
});

describe('record and replay', () => {
  it('records a scripted session and replays the same flows offline, with the trace run meanwhile', async () => {
    const bundle = path.join(tmp, 'session.tar');
    const rec = started(['--cluster', CLUSTER, 'record', '-o', bundle]);
    await rec.waitFor(/^Recording cluster "kltest-ui"/m);
    const flowLines = async () => (await c.run(['flows', '--pod', 'client'])).split('\n').filter(Boolean);
    const before = new Set(await flowLines());

    // The session: two connections through the Service with the policy gone, then a refused one with it back.
    await c.run(['delete', 'networkpolicy', 'deny-web']);
    await eventually(
      'web answering through its Service',
      async () => (await c.try(['exec', 'client', '--', 'wget', '-qO-', '-T', '2', 'http://web/'])).code === 0 || undefined,
    );
    await c.run(['exec', 'client', '--', 'wget', '-qO-', '-T', '2', 'http://web/']);
    const deny = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny-web' },
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] },
    };
    await c.run(['apply', '-f', '-'], JSON.stringify(deny));
    const ip = (await c.pod('web')).status!.podIP!;
    const after = await eventually(
      'a new drop in kubelab flows',
      async () => {
        await c.try(['exec', 'client', '--', 'nc', '-z', '-w', '1', ip, '8080']);
        const lines = await flowLines();
        return lines.some((l) => !before.has(l) && l.includes('DROPPED by default/deny-web')) ? lines : undefined;
      },
      60_000,
    );
    const traced = await c.try(['trace', 'client', 'web', '--port', '80']);
    expect(traced.code).toBe(1);
    await c.run(['capture', 'web', '-w', path.join(tmp, 'web.pcapng'), '--duration', '2s']);

    rec.child.kill('SIGINT');
    expect(await rec.exited).toBe(0);
    expect(rec.output()).toMatch(/Recorded \d+ flows \([1-9]\d* dropped\), 1 traces, 1 captures, 0 lab checks to /);

    // One tar: the JSON parts, and the capture as a pcapng member of its own (its Section Header Block first).
    expect(execFileSync('tar', ['-tf', bundle], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'session/recording.json',
      'session/flows.json',
      'session/objects.json',
      'session/captures/001-web.pcapng',
      'session/events.json',
    ]);
    expect(execFileSync('tar', ['-xOf', bundle, 'session/captures/001-web.pcapng']).subarray(0, 4).toString('hex')).toBe('0a0d0d0a');

    // Offline: a cluster that does not exist.
    const replayed = (await kubelabOk(['--cluster', 'kltest-no-such-cluster', 'replay', bundle, '--flows'])).split('\n');
    const session = after.filter((l) => !before.has(l));
    expect(session.length).toBeGreaterThanOrEqual(3);
    for (const line of session) expect(replayed).toContain(line);

    const full = await kubelabOk(['--cluster', 'kltest-no-such-cluster', 'replay', bundle]);
    expect(full).toContain('Traces (1):\n$ kubelab --cluster kltest-ui trace client web --port 80');
    expect(full).toMatch(/\(file web\.pcapng: \d+ bytes in the bundle as captures\/001-web\.pcapng\)/);
    expect(full).toMatch(/DROPPED at filter:KUBELAB-NPI-\S+ on \S+ by NetworkPolicy default\/deny-web/);

    // The same bundle drawn by `kubelab ui --replay`: the red edge is there, no cluster asked.
    const replayUi = started(['--cluster', 'kltest-no-such-cluster', 'ui', '--replay', bundle, '--port', '0']);
    try {
      const at = await replayUi.waitFor(/at (http:\/\/127\.0\.0\.1:\d+\/)/);
      const g = (await (await fetch(`${at}api/graph`)).json()) as {
        edges: Array<{ kind: string; dropped?: boolean; policies?: string[]; target: string }>;
      };
      expect(g.edges.find((e) => e.kind === 'flow' && e.dropped && e.target === 'pod:default/web')?.policies).toEqual(['default/deny-web']);
    } finally {
      replayUi.child.kill('SIGTERM');
    }
  });
});
