// Issue 12, ingress-nginx's backend protocols and leader election, end to end on one cluster: a gRPC echo pod
// (h2c and h2 over TLS, node:http2 with gRPC framing) reached from this machine over HTTP/2 through the
// router's TLS listener (ALPN h2) and its plain listener (h2c with prior knowledge), an HTTPS pod
// (backend-protocol HTTPS, its self-signed certificate not verified), a FastCGI responder pod with
// fastcgi-index and fastcgi-params-configmap, and the status writer's leader election: two router replicas,
// one Lease holder, the holder deleted, another replica takes the Lease once it expires and writes status;
// then scaled to 0 the last router clears the Ingress ADDRESS (update-status-on-shutdown), scaled up it returns.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect as h2connect, type ClientHttp2Session } from 'node:http2';
import { promisify } from 'node:util';
import { resolveResource, type Ingress, type KubeObject, type Pod } from '@kubelab/api';
import { findCluster } from '@kubelab/cluster';
import { selfSignedCertificate } from '@kubelab/ingress';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../support/cluster';
import { eventually } from '../support/docker';

const run = promisify(execFile);
let c: TestCluster;
let http = 0;
let https = 0;
const P = 'nginx.ingress.kubernetes.io/';

// The gRPC echo: h2c on 50051, h2 over TLS on 50052 (GRPCS), and HTTPS/1.1 on 8443 (backend-protocol HTTPS).
// Each gRPC call is answered with the request's messages and grpc-status 0 in trailers; /echo.Echo/Missing
// answers trailers-only with grpc-status 5.
const grpcServer = `
const http2 = require('node:http2');
const https = require('node:https');
const echo = (tag) => (stream, headers) => {
  if (headers[':path'] === '/echo.Echo/Missing') {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'no such method' }, { endStream: true });
    return;
  }
  const parts = [];
  stream.on('data', (c) => parts.push(c));
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-served-by': tag, 'x-pod': process.env.HOSTNAME }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': tag + ' ok' }));
    stream.end(Buffer.concat(parts));
  });
};
const tls = { cert: process.env.CERT, key: process.env.KEY };
http2.createServer().on('stream', echo('h2c')).listen(50051);
http2.createSecureServer(tls).on('stream', echo('h2')).listen(50052);
https.createServer(tls, (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ tls: req.socket.encrypted === true, url: req.url, host: req.headers.host, proto: req.headers['x-forwarded-proto'] }));
}).listen(8443);
`;

// A FastCGI responder on 9000 (records by hand): answers with its params and stdin as JSON; /missing sets Status: 404.
const fastcgiServer = `
const net = require('node:net');
const rec = (type, id, c) => {
  const pad = (8 - (c.length % 8)) % 8, h = Buffer.alloc(8);
  h[0] = 1; h[1] = type; h.writeUInt16BE(id, 2); h.writeUInt16BE(c.length, 4); h[6] = pad;
  return Buffer.concat([h, c, Buffer.alloc(pad)]);
};
const params = (b) => {
  const o = {}; let i = 0;
  const len = () => { if (b[i] < 128) return b[i++]; const n = b.readUInt32BE(i) & 0x7fffffff; i += 4; return n; };
  while (i < b.length) { const nl = len(), vl = len(); o[b.toString('latin1', i, i + nl)] = b.toString('latin1', i + nl, i + nl + vl); i += nl + vl; }
  return o;
};
net.createServer((s) => {
  let buf = Buffer.alloc(0), p = Buffer.alloc(0); const stdin = [];
  s.on('error', () => {});
  s.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8) {
      const len = buf.readUInt16BE(4), total = 8 + len + buf[6];
      if (buf.length < total) break;
      const type = buf[1], id = buf.readUInt16BE(2), c = buf.subarray(8, 8 + len);
      buf = buf.subarray(total);
      if (type === 4) p = Buffer.concat([p, c]);
      else if (type === 5 && c.length) stdin.push(c);
      else if (type === 5) {
        const env = params(p);
        const head = (env.DOCUMENT_URI === '/missing' ? 'Status: 404 Not Found\\r\\n' : '') + 'Content-Type: application/json\\r\\nX-Powered-By: kubelab-fcgi\\r\\n\\r\\n';
        const body = JSON.stringify({ params: env, stdin: Buffer.concat(stdin).toString() });
        s.end(Buffer.concat([rec(6, id, Buffer.from(head + body)), rec(6, id, Buffer.alloc(0)), rec(3, id, Buffer.alloc(8))]));
      }
    }
  });
}).listen(9000);
`;

const cert = selfSignedCertificate(['grpc-backend']);
const app = (name: string, script: string, ports: Record<string, number>, env: Record<string, string> = {}) => [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name,
              image: 'kubelab/echo:latest',
              command: ['node', '-e', script],
              env: Object.entries(env).map(([k, value]) => ({ name: k, value })),
              ports: Object.entries(ports).map(([n, containerPort]) => ({ name: n, containerPort })),
              readinessProbe: { tcpSocket: { port: Object.values(ports)[0] }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: name }, ports: Object.entries(ports).map(([n, port]) => ({ name: n, port, targetPort: n })) },
  },
];
const ingress = (name: string, host: string, service: string, port: string, annotations: Record<string, string>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, annotations },
  spec: {
    ingressClassName: 'nginx',
    rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { name: port } } } }] } }],
  },
});

async function curl(url: string, ...args: string[]): Promise<{ status: number; body: string; version: string }> {
  const r = await run('curl', ['-sS', '-k', '--max-time', '20', '-w', '\n%{http_code} %{http_version}', ...args, url]).catch(
    (e: { stdout: string }) => e,
  );
  const nl = r.stdout.lastIndexOf('\n');
  const [status, version] = r.stdout.slice(nl + 1).split(' ');
  return { status: Number(status), version, body: r.stdout.slice(0, nl) };
}

/** gRPC's length-prefixed message, uncompressed. */
const frame = (s: string): Buffer => {
  const b = Buffer.from(s);
  const h = Buffer.alloc(5);
  h.writeUInt32BE(b.length, 1);
  return Buffer.concat([h, b]);
};

async function grpcCall(session: ClientHttp2Session, host: string, method: string, body: Buffer) {
  const s = session.request({
    ':method': 'POST',
    ':path': `/echo.Echo/${method}`,
    ':authority': host,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  s.end(body);
  let trailers: Record<string, unknown> = {};
  s.on('trailers', (t) => (trailers = t));
  const [headers] = (await once(s, 'response')) as [Record<string, string>];
  const parts: Buffer[] = [];
  for await (const chunk of s) parts.push(chunk as Buffer);
  return { headers, trailers, body: Buffer.concat(parts) };
}

const leases = resolveResource('leases.coordination.k8s.io')!;
const podsRes = resolveResource('pods')!;
const ingressesRes = resolveResource('ingresses.networking.k8s.io')!;
const holder = async (): Promise<{ holder: string; transitions: number }> => {
  const l = await c.client.get<KubeObject & { spec: { holderIdentity?: string; leaseTransitions?: number } }>(
    leases,
    'ingress-nginx-leader',
    'ingress-nginx',
  );
  return { holder: l.spec.holderIdentity ?? '', transitions: l.spec.leaseTransitions ?? 0 };
};
const routerPods = async (): Promise<Pod[]> =>
  (await c.client.list<Pod>(podsRes, 'ingress-nginx', { labelSelector: 'app.kubernetes.io/component=controller' })).items as Pod[];

beforeAll(async () => {
  c = await startCluster('kltest-ingproto', { workers: 1 });
  const info = await findCluster('kltest-ingproto');
  http = info?.ingress?.httpPort ?? 0;
  https = info?.ingress?.httpsPort ?? 0;
  const objects = [
    ...app('grpc', grpcServer, { grpc: 50051, grpcs: 50052, https: 8443 }, { CERT: cert.cert, KEY: cert.key }),
    ...app('php', fastcgiServer, { fastcgi: 9000 }),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'php-params' },
      data: { SCRIPT_FILENAME: '/var/www/html$fastcgi_script_name' },
    },
    ingress('grpc', 'grpc.localhost', 'grpc', 'grpc', { [`${P}backend-protocol`]: 'GRPC' }),
    ingress('grpcs', 'grpcs.localhost', 'grpc', 'grpcs', { [`${P}backend-protocol`]: 'GRPCS' }),
    ingress('tls-backend', 'tls-backend.localhost', 'grpc', 'https', { [`${P}backend-protocol`]: 'HTTPS' }),
    ingress('php', 'php.localhost', 'php', 'fastcgi', {
      [`${P}backend-protocol`]: 'FCGI',
      [`${P}fastcgi-index`]: 'index.php',
      [`${P}fastcgi-params-configmap`]: 'php-params',
    }),
  ];
  await c.run(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n---\n'));
  for (const d of ['grpc', 'php']) await c.run(['rollout', 'status', `deployment/${d}`, '--timeout=120s']);
  await eventually(
    'the router to serve the FastCGI Ingress',
    async () => (await curl(`http://php.localhost:${http}/`)).status === 200,
    30_000,
  );
}, 300_000);

afterAll(async () => {
  await c?.down();
});

describe('backend protocols through the router', () => {
  let session: ClientHttp2Session;
  beforeAll(async () => {
    session = h2connect(`https://127.0.0.1:${https}`, { rejectUnauthorized: false, servername: 'grpc.localhost' });
    await once(session, 'connect');
  });
  afterAll(() => session?.close());

  it('GRPC: a gRPC call over HTTP/2 (TLS, ALPN h2) reaches the pod over h2c; messages and grpc-status/grpc-message trailers come back', async () => {
    expect(session.alpnProtocol).toBe('h2');
    const r = await grpcCall(session, 'grpc.localhost', 'Say', Buffer.concat([frame('hello'), frame('kubelab')]));
    expect(r.headers[':status']).toBe(200);
    expect(r.headers['content-type']).toBe('application/grpc');
    expect(r.headers['x-served-by']).toBe('h2c');
    expect(r.body.equals(Buffer.concat([frame('hello'), frame('kubelab')]))).toBe(true);
    expect(r.trailers).toMatchObject({ 'grpc-status': '0', 'grpc-message': 'h2c ok' });
    const missing = await grpcCall(session, 'grpc.localhost', 'Missing', frame('x'));
    expect([missing.headers['grpc-status'], missing.headers['grpc-message']]).toEqual(['5', 'no such method']);
  });

  it('GRPCS: h2 over TLS to the pod, its self-signed certificate not verified', async () => {
    const r = await grpcCall(session, 'grpcs.localhost', 'Say', frame('secure'));
    expect(r.headers['x-served-by']).toBe('h2');
    expect(r.body.equals(frame('secure'))).toBe(true);
    expect(r.trailers['grpc-status']).toBe('0');
  });

  it('HTTPS: TLS to the pod without verification, from HTTP/1.1 and HTTP/2 clients', async () => {
    const h1 = await curl(`http://tls-backend.localhost:${http}/x?y=1`);
    expect(h1.status).toBe(200);
    expect(JSON.parse(h1.body)).toEqual({ tls: true, url: '/x?y=1', host: `tls-backend.localhost:${http}`, proto: 'http' });
    const h2 = await curl(`https://tls-backend.localhost:${https}/z`, '--http2');
    expect(h2.version).toBe('2');
    expect(JSON.parse(h2.body)).toMatchObject({ tls: true, url: '/z', proto: 'https' });
  });

  it('FCGI: fastcgi_params, fastcgi-index and the ConfigMap params reach the responder; its stdout is the response', async () => {
    const r = await curl(`http://php.localhost:${http}/app/?q=1`, '-H', 'X-Trace: t1');
    expect(r.status).toBe(200);
    const { params } = JSON.parse(r.body);
    expect(params).toMatchObject({
      REQUEST_METHOD: 'GET',
      QUERY_STRING: 'q=1',
      REQUEST_URI: '/app/?q=1',
      SCRIPT_NAME: '/app/index.php',
      SCRIPT_FILENAME: '/var/www/html/app/index.php',
      SERVER_PROTOCOL: 'HTTP/1.1',
      SERVER_NAME: 'php.localhost',
      SERVER_PORT: '80',
      GATEWAY_INTERFACE: 'CGI/1.1',
      HTTP_X_TRACE: 't1',
    });
    const post = await curl(`http://php.localhost:${http}/form.php`, '--data', 'a=1&b=2');
    expect(JSON.parse(post.body)).toMatchObject({ stdin: 'a=1&b=2', params: { REQUEST_METHOD: 'POST', CONTENT_LENGTH: '7' } });
    expect((await curl(`http://php.localhost:${http}/missing`)).status).toBe(404);
    // Over HTTP/2 and TLS the same location says so in its params.
    const h2 = await curl(`https://php.localhost:${https}/`, '--http2');
    expect(h2.version).toBe('2');
    expect(JSON.parse(h2.body).params).toMatchObject({
      SERVER_PROTOCOL: 'HTTP/2.0',
      HTTPS: 'on',
      REQUEST_SCHEME: 'https',
      SCRIPT_NAME: '/index.php',
    });
  });
});

describe('cleartext HTTP/2 (h2c with prior knowledge, as nginx `http2 on` serves port 80)', () => {
  it('curl --http2-prior-knowledge and a gRPC call over h2c reach the pods; HTTP/1.1 still works on the same port', async () => {
    const r = await curl(`http://php.localhost:${http}/`, '--http2-prior-knowledge');
    expect(r.version).toBe('2');
    expect(JSON.parse(r.body).params).toMatchObject({ SERVER_PROTOCOL: 'HTTP/2.0', REQUEST_SCHEME: 'http', SCRIPT_NAME: '/index.php' });
    const session = h2connect(`http://127.0.0.1:${http}`);
    try {
      const g = await grpcCall(session, 'grpc.localhost', 'Say', frame('cleartext'));
      expect(g.body.equals(frame('cleartext'))).toBe(true);
      expect(g.trailers).toMatchObject({ 'grpc-status': '0', 'grpc-message': 'h2c ok' });
    } finally {
      session.close();
    }
    expect((await curl(`http://php.localhost:${http}/`, '--http1.1')).version).toBe('1.1');
  });
});

describe('leader election for status', () => {
  it('two replicas: one Lease holder; the holder deleted, another replica takes over and only it writes status', async () => {
    const [first] = await routerPods();
    await eventually('the single router to hold the Lease', async () => (await holder()).holder === first.metadata.name, 30_000);
    await c.run(['scale', 'deployment/ingress-nginx-controller', '-n', 'ingress-nginx', '--replicas=2']);
    await c.run(['rollout', 'status', 'deployment/ingress-nginx-controller', '-n', 'ingress-nginx', '--timeout=120s']);
    expect(await routerPods()).toHaveLength(2);
    const before = await holder();
    expect(before.holder).toBe(first.metadata.name);
    await c.run(['delete', 'pod', before.holder, '-n', 'ingress-nginx', '--wait=false']);
    // The Lease is not released (ingress-nginx does not release on stop): another replica takes it once 30 s
    // (--election-ttl) have passed since it last saw the Lease renewed. That is the surviving replica or the
    // one the ReplicaSet starts in place of the deleted pod, whichever tries first (as with ingress-nginx).
    const after = await eventually(
      'another replica to take the Lease',
      async () => {
        const h = await holder();
        return h.holder && h.holder !== before.holder ? h : undefined;
      },
      90_000,
    );
    expect((await routerPods()).map((p) => p.metadata.name)).toContain(after.holder);
    expect(after.transitions).toBe(before.transitions + 1);
    await c.run(['apply', '-f', '-'], JSON.stringify(ingress('after-failover', 'after.localhost', 'php', 'fastcgi', {})));
    const ing = await eventually(
      'the new leader to write the new Ingress status',
      async () => {
        const i = await c.client.get<Ingress>(ingressesRes, 'after-failover', 'default');
        return i.status?.loadBalancer?.ingress?.length ? i : undefined;
      },
      30_000,
    );
    expect(ing.status?.loadBalancer?.ingress).toEqual([{ hostname: 'localhost' }]);
    // Only the leader wrote it: ingress-nginx's "updating Ingress status" line is in its log alone.
    for (const p of await routerPods()) {
      const log = await c.run(['logs', '-n', 'ingress-nginx', p.metadata.name!]);
      const wrote = log.split('\n').some((l) => l.includes('updating Ingress status') && l.includes('"after-failover"'));
      expect([p.metadata.name, wrote]).toEqual([p.metadata.name, p.metadata.name === after.holder]);
    }
  }, 180_000);
});

describe('status on shutdown (ingress-nginx --update-status-on-shutdown, default true)', () => {
  it('the last router to stop clears the Ingress ADDRESS; a router started again writes it back', async () => {
    const deploy = ['deployment/ingress-nginx-controller', '-n', 'ingress-nginx'];
    const row = async () => (await c.run(['get', 'ingress', 'php'])).split('\n').find((l) => l.startsWith('php ')) ?? '';
    // From two replicas to one: the stopping pod sees another controller pod and leaves the address.
    await c.run(['scale', ...deploy, '--replicas=1']);
    await eventually('one router pod left', async () => (await routerPods()).length === 1, 120_000);
    expect(await row()).toMatch(/^php\s+nginx\s+php\.localhost\s+localhost\s+80\s/);
    await c.run(['scale', ...deploy, '--replicas=0']);
    await eventually(
      'ADDRESS to empty after the last router stopped',
      async () => /^php\s+nginx\s+php\.localhost\s+80\s/.test(await row()),
      120_000,
    );
    expect((await c.client.get<Ingress>(ingressesRes, 'php', 'default')).status?.loadBalancer?.ingress ?? []).toEqual([]);
    // A new router takes the Lease once the stopped one's has run out (30 s), then publishes the address.
    await c.run(['scale', ...deploy, '--replicas=1']);
    await eventually(
      'ADDRESS back after scaling up',
      async () => /^php\s+nginx\s+php\.localhost\s+localhost\s+80\s/.test(await row()),
      150_000,
    );
  }, 420_000);
});
