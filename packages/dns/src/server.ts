// The listeners: UDP and TCP on one port (RFC 7766: TCP carries the same answers, framed by a 2-byte length),
// plus CoreDNS's `health` (:8080/health) and `ready` (:8181/ready) HTTP endpoints for the pod's probes.
// Every packet goes through DnsHandler; nothing a client sends can throw out of a socket callback.
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import type { Logger } from 'pino';
import type { DnsHandler, HandleResult, Transport } from './handler';
import { answerSummary } from './answer-summary';
import { forwardUdp } from './upstream';
import { askedName, className, flagNames, rcodeName, typeName } from './wire';

export interface DnsServerOptions {
  handler: DnsHandler;
  log: Logger;
  /** Address to bind (0.0.0.0 in a pod, 127.0.0.1 in tests). */
  host?: string;
  port?: number;
  /** 0 = no health endpoint. */
  healthPort?: number;
  readyPort?: number;
  ready?: () => boolean;
  /** host:port of the upstream resolver for out-of-zone names; unset = REFUSED. */
  upstream?: string;
  /** An idle TCP connection is closed after this long (RFC 7766 §6.2.3 suggests seconds). */
  tcpIdleMs?: number;
  maxTcpConnections?: number;
  /**
   * Log every query at info (CoreDNS's `log` plugin in the Corefile), with its answers appended, for
   * `kubelab dns trace`; otherwise queries are logged only at debug.
   */
  queryLog?: boolean;
}

export interface RunningDnsServer {
  port: number;
  healthPort?: number;
  readyPort?: number;
  close(): Promise<void>;
}

/** The largest DNS message over TCP; also bounds what a client can make us buffer. */
const MAX_TCP_MESSAGE = 65535;
const MAX_TCP_BACKLOG = 1 << 20;

export async function startDnsServer(opts: DnsServerOptions): Promise<RunningDnsServer> {
  const { handler, log } = opts;
  const host = opts.host ?? '0.0.0.0';
  const tcpIdleMs = opts.tcpIdleMs ?? 10_000;
  const maxTcp = opts.maxTcpConnections ?? 256;
  const debug = opts.queryLog || log.isLevelEnabled('debug');
  const logLine = opts.queryLog ? (line: string) => log.info(line) : (line: string) => log.debug(line);

  // One line per query and answer, in the format of CoreDNS's log plugin:
  // [INFO] 10.244.1.5:41234 - 4711 "A IN web.default.svc.cluster.local. udp 58 false 512" NOERROR qr,aa,rd 106 0.000071s
  const logQuery = (peer: string, transport: Transport, packet: Buffer, r: HandleResult, response: Buffer | undefined, started: bigint) => {
    const q = r.query;
    const secs = (Number(process.hrtime.bigint() - started) / 1e9).toFixed(6);
    const question = q
      ? `"${typeName(q.type)} ${className(q.class)} ${askedName(packet, q)}. ${transport} ${packet.length} ${q.ednsSize > 0} ${q.ednsSize || 512}"`
      : `"? ? ? ${transport} ${packet.length}"`;
    const outcome = response ? `${rcodeName(response[3] & 0x0f)} ${flagNames(response)} ${response.length}` : `dropped ${r.reason ?? ''}`;
    const id = packet.length >= 2 ? packet.readUInt16BE(0) : 0;
    // kubelab appends the answers ("A 10.96.0.1; A ...") after CoreDNS's fields, so dns trace can show them.
    const answers = response ? answerSummary(response) : [];
    const shown = answers.length ? ` answer="${answers.join('; ')}"` : '';
    logLine(`[INFO] ${peer} - ${id} ${question} ${outcome} ${secs}s${r.reason && response ? ` (${r.reason})` : ''}${shown}`);
  };

  const handle = (packet: Buffer, transport: Transport, peer: string, reply: (b: Buffer) => void, drop?: () => void): void => {
    const started = debug ? process.hrtime.bigint() : 0n;
    let r: HandleResult;
    try {
      r = handler.handle(packet, transport);
    } catch (err) {
      // A bug on some odd question must not stop the server: SERVFAIL this one, keep serving.
      log.error({ err }, 'answering a query failed');
      if (packet.length >= 12) reply(Buffer.from([packet[0], packet[1], 0x80 | (packet[2] & 0x79), 0x80 | 2, 0, 0, 0, 0, 0, 0, 0, 0]));
      return;
    }
    if (r.forward && opts.upstream) {
      forwardUdp(opts.upstream, packet)
        .then((resp) => {
          if (debug) logQuery(peer, transport, packet, r, resp, started);
          if (resp) reply(resp);
        })
        .catch((err) => log.debug({ err: (err as Error).message }, 'upstream failed'));
      return;
    }
    if (debug) logQuery(peer, transport, packet, r, r.response, started);
    if (r.response) reply(r.response);
    else drop?.();
  };

  const udp = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  udp.on('error', (err) => log.error({ err }, 'dns udp socket error'));
  udp.on('message', (msg, rinfo) => {
    handle(msg, 'udp', `${rinfo.address}:${rinfo.port}`, (b) => udp.send(b, rinfo.port, rinfo.address));
  });

  const connections = new Set<net.Socket>();
  const tcp = net.createServer((sock) => {
    if (connections.size >= maxTcp) {
      sock.destroy();
      return;
    }
    connections.add(sock);
    sock.setNoDelay(true);
    sock.setTimeout(tcpIdleMs, () => sock.destroy());
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    let pending = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (len === 0) {
          sock.destroy();
          return;
        }
        if (pending.length < 2 + len) break;
        const msg = pending.subarray(2, 2 + len);
        pending = pending.subarray(2 + len);
        handle(
          msg,
          'tcp',
          peer,
          (b) => {
            if (sock.destroyed) return;
            const head = Buffer.allocUnsafe(2);
            head.writeUInt16BE(b.length);
            sock.write(Buffer.concat([head, b]));
            // A client that sends queries but never reads its answers is not buffered for without end.
            if (sock.writableLength > MAX_TCP_BACKLOG) sock.destroy();
          },
          () => sock.destroy(),
        );
        if (sock.destroyed) return;
      }
      if (pending.length > MAX_TCP_MESSAGE + 2) sock.destroy();
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => connections.delete(sock));
  });
  tcp.on('error', (err) => log.error({ err }, 'dns tcp server error'));

  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(opts.port ?? 53, host, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  const port = udp.address().port;
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => {
      tcp.off('error', reject);
      resolve();
    });
  });

  const httpServers: http.Server[] = [];
  const listenHttp = async (p: number | undefined, path: string, ok: () => boolean): Promise<number | undefined> => {
    if (p === undefined) return undefined;
    const s = http.createServer((req, res) => {
      const good = req.url === path && ok();
      res.writeHead(req.url === path ? (good ? 200 : 503) : 404, { 'content-type': 'text/plain' });
      res.end(good ? 'OK' : req.url === path ? 'not ready' : 'not found');
    });
    httpServers.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(p, host, () => resolve());
    });
    return (s.address() as net.AddressInfo).port;
  };
  const healthPort = await listenHttp(opts.healthPort, '/health', () => true);
  const readyPort = await listenHttp(opts.readyPort, '/ready', opts.ready ?? (() => true));

  return {
    port,
    healthPort,
    readyPort,
    async close() {
      udp.close();
      for (const s of connections) s.destroy();
      await Promise.all([new Promise((r) => tcp.close(r)), ...httpServers.map((s) => new Promise((r) => s.close(r)))]);
    },
  };
}
