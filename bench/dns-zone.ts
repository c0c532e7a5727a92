// The bench's fixed zone and query mix (issue 11 item 8), shared by the kubelab server process and the
// unbound reference config, so both serve exactly the same names.
//   `node dns-zone.mjs serve PORT`  kubelab's DNS handler and UDP/TCP server on 127.0.0.1:PORT (fake cache)
//   `node dns-zone.mjs unbound PORT` prints an unbound.conf serving the same records
//   `node dns-zone.mjs queries`      prints the dnsperf query file
//   `node dns-zone.mjs micro`        per-query CPU of the handler (cached encoded answers) against decoding
//                                    with dns2 and encoding every answer, as JSON
import type { EndpointSlice, Service } from '@kubelab/api';
import dns2 from 'dns2';
import pino from 'pino';
import { answer, TYPE } from '../packages/dns/src/answer';
import { DnsHandler } from '../packages/dns/src/handler';
import { startDnsServer } from '../packages/dns/src/server';
import { encodeResponse, parseQuery } from '../packages/dns/src/wire';
import { ZoneIndex } from '../packages/dns/src/zone-index';

const ZONE = 'cluster.local';
const TTL = 30;
const CLUSTER_IP_SERVICES = 200;
const HEADLESS_SERVICES = 50;
const ENDPOINTS_PER_HEADLESS = 3;

interface Model {
  clusterIP: { name: string; ip: string; port: number }[];
  headless: { name: string; ips: string[]; port: number }[];
}

function model(): Model {
  const clusterIP = Array.from({ length: CLUSTER_IP_SERVICES }, (_, i) => ({
    name: `svc${i}`,
    ip: `10.96.${1 + (i >> 8)}.${i & 255}`,
    port: 80,
  }));
  const headless = Array.from({ length: HEADLESS_SERVICES }, (_, i) => ({
    name: `hl${i}`,
    ips: Array.from({ length: ENDPOINTS_PER_HEADLESS }, (_, j) => `10.244.${i}.${j + 10}`),
    port: 8080,
  }));
  return { clusterIP, headless };
}

function zoneIndex(m: Model): ZoneIndex {
  const z = new ZoneIndex();
  for (const s of m.clusterIP) {
    z.upsertService({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: 'bench', name: s.name },
      spec: { clusterIP: s.ip, ports: [{ name: 'http', port: s.port }] },
    } as Service);
  }
  for (const s of m.headless) {
    z.upsertService({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: 'bench', name: s.name },
      spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] },
    } as Service);
    z.upsertSlice({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { namespace: 'bench', name: `${s.name}-1`, labels: { 'kubernetes.io/service-name': s.name } },
      addressType: 'IPv4',
      endpoints: s.ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: [{ name: 'http', port: s.port, protocol: 'TCP' }],
    } as EndpointSlice);
  }
  return z;
}

const rev = (ip: string) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
const dashed = (ip: string) => ip.replaceAll('.', '-');

/** The mix: 40% ClusterIP A, 20% headless A, 15% SRV, 15% PTR, 10% NXDOMAIN; 1000 lines, deterministic. */
function queries(m: Model): string {
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const k = i % 20;
    if (k < 8) lines.push(`${m.clusterIP[(i * 7) % m.clusterIP.length].name}.bench.svc.${ZONE} A`);
    else if (k < 12) lines.push(`${m.headless[(i * 3) % m.headless.length].name}.bench.svc.${ZONE} A`);
    else if (k < 15) {
      lines.push(
        i % 2
          ? `_http._tcp.${m.clusterIP[i % m.clusterIP.length].name}.bench.svc.${ZONE} SRV`
          : `_http._tcp.${m.headless[i % m.headless.length].name}.bench.svc.${ZONE} SRV`,
      );
    } else if (k < 18) lines.push(`${rev(i % 2 ? m.clusterIP[i % m.clusterIP.length].ip : m.headless[i % m.headless.length].ips[1])} PTR`);
    else lines.push(`missing${i}.bench.svc.${ZONE} A`);
  }
  return `${lines.join('\n')}\n`;
}

/** The same records as unbound local-data: a static zone answers NXDOMAIN/NODATA with its SOA as ours does. */
function unboundConf(m: Model, port: number): string {
  const soa = (origin: string) => `${origin}. ${TTL} IN SOA ns.dns.${ZONE}. hostmaster.${ZONE}. 1 7200 1800 86400 ${TTL}`;
  const data: string[] = [soa(ZONE), soa('in-addr.arpa'), `dns-version.${ZONE}. ${TTL} IN TXT "1.1.0"`];
  for (const s of m.clusterIP) {
    const fqdn = `${s.name}.bench.svc.${ZONE}.`;
    data.push(
      `${fqdn} ${TTL} IN A ${s.ip}`,
      `_http._tcp.${fqdn} ${TTL} IN SRV 0 100 ${s.port} ${fqdn}`,
      `${rev(s.ip)}. ${TTL} IN PTR ${fqdn}`,
    );
  }
  for (const s of m.headless) {
    const fqdn = `${s.name}.bench.svc.${ZONE}.`;
    const weight = Math.floor(100 / s.ips.length);
    for (const ip of s.ips) {
      const host = `${dashed(ip)}.${fqdn}`;
      data.push(
        `${fqdn} ${TTL} IN A ${ip}`,
        `${host} ${TTL} IN A ${ip}`,
        `_http._tcp.${fqdn} ${TTL} IN SRV 0 ${weight} ${s.port} ${host}`,
        `${rev(ip)}. ${TTL} IN PTR ${host}`,
      );
    }
  }
  return [
    'server:',
    '  interface: 127.0.0.1',
    `  port: ${port}`,
    '  num-threads: 1',
    '  do-daemonize: no',
    '  username: ""',
    '  chroot: ""',
    '  pidfile: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    '  access-control: 127.0.0.0/8 allow',
    '  do-ip6: no',
    '  so-reuseport: no',
    // Answers come from local data only; never recurse (no traffic leaves the machine).
    '  do-not-query-localhost: yes',
    `  local-zone: "${ZONE}." static`,
    '  local-zone: "in-addr.arpa." static',
    ...data.map((d) => `  local-data: '${d}'`),
    'remote-control:',
    '  control-enable: no',
    '',
  ].join('\n');
}

/** Wire queries for the mix, as dnsperf would send them (RD, no EDNS). */
function wireQueries(m: Model): Buffer[] {
  const types: Record<string, number> = { A: TYPE.A, SRV: TYPE.SRV, PTR: TYPE.PTR };
  return queries(m)
    .trim()
    .split('\n')
    .map((line, i) => {
      const [name, t] = line.split(' ');
      const p = new dns2.Packet() as unknown as { header: Record<string, number>; questions: unknown[]; toBuffer(): Buffer };
      p.header.id = i;
      p.header.rd = 1;
      p.questions.push({ name, type: types[t], class: 1 });
      return p.toBuffer();
    });
}

/** ns per query over `n` queries: the handler as served, and decode + answer + encode on every packet. */
function micro(m: Model, n = 200_000): { cachedNs: number; encodeEveryNs: number } {
  const zone = zoneIndex(m);
  const cfg = { zone: ZONE, ttl: TTL, dnsIP: '10.96.0.10', upstream: false };
  const handler = new DnsHandler(zone, cfg);
  const qs = wireQueries(m);
  const time = (fn: (q: Buffer) => unknown): number => {
    for (let i = 0; i < 20_000; i++) fn(qs[i % qs.length]);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(qs[i % qs.length]);
    return Number(process.hrtime.bigint() - t0) / n;
  };
  const cachedNs = time((q) => handler.handle(q, 'udp'));
  const encodeEveryNs = time((q) => {
    const parsed = dns2.Packet.parse(q);
    const pq = parseQuery(q);
    if (!pq.ok) return undefined;
    const question = { name: parsed.questions[0].name.toLowerCase(), type: parsed.questions[0].type, class: 1 };
    return encodeResponse(pq.query, question.name, answer(question, zone, cfg), false);
  });
  return { cachedNs, encodeEveryNs };
}

const [cmd, portArg] = process.argv.slice(2);
const m = model();
if (cmd === 'queries') process.stdout.write(queries(m));
else if (cmd === 'unbound') process.stdout.write(unboundConf(m, Number(portArg)));
else if (cmd === 'micro') process.stdout.write(`${JSON.stringify(micro(m))}\n`);
else if (cmd === 'serve') {
  const handler = new DnsHandler(zoneIndex(m), { zone: ZONE, ttl: TTL, dnsIP: '10.96.0.10', upstream: false });
  const server = await startDnsServer({ handler, log: pino({ level: 'warn' }), host: '127.0.0.1', port: Number(portArg) });
  process.stdout.write(`listening ${server.port}\n`);
  process.on('SIGTERM', () => {
    process.stderr.write(`${JSON.stringify(handler.cacheStats)}\n`);
    void server.close().then(() => process.exit(0));
  });
} else {
  process.stderr.write('usage: dns-zone.mjs serve PORT | unbound PORT | queries | micro\n');
  process.exit(2);
}
