// Raw TCP and UDP echo on one port number, for exercising Services below HTTP: UDP in particular
// is where conntrack and NAT mistakes show, and replies must come back from the address that was asked.
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from 'pino';
import { bindUdp, closeTcp, closeUdp, listenTcp } from './net-util';

export interface EchoServers {
  port: number;
  close(): Promise<void>;
}

/** With port 0 the kernel picks the TCP port, which may already be taken for UDP; a few retries settle it. */
const EPHEMERAL_ATTEMPTS = 5;

function createTcpEcho(logger: Logger): { server: net.Server; sockets: Set<net.Socket> } {
  const sockets = new Set<net.Socket>();
  // Half-open lets a client send, shut down its side, and still read every echoed byte back.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    logger.debug({ remote }, 'tcp echo connection');
    socket.on('error', (err) => logger.debug({ remote, err: err.message }, 'tcp echo socket error'));
    socket.once('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  server.on('error', (err) => logger.warn({ err: err.message }, 'tcp echo server error'));
  return { server, sockets };
}

function createUdpEcho(host: string, logger: Logger): dgram.Socket {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  socket.on('message', (msg, rinfo) => {
    socket.send(msg, rinfo.port, rinfo.address, (err) => {
      if (err) logger.debug({ remote: `${rinfo.address}:${rinfo.port}`, err: err.message }, 'udp echo send failed');
    });
  });
  // A UDP socket stays usable after a failed send or an ICMP error; logging is all it needs.
  socket.on('error', (err) => logger.debug({ err: err.message }, 'udp echo error'));
  return socket;
}

async function bindBoth(
  port: number,
  host: string,
  logger: Logger,
): Promise<{ tcp: ReturnType<typeof createTcpEcho>; udp: dgram.Socket; port: number }> {
  const attempts = port === 0 ? EPHEMERAL_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const tcp = createTcpEcho(logger);
    const bound = await listenTcp(tcp.server, port, host);
    const udp = createUdpEcho(host, logger);
    try {
      await bindUdp(udp, bound, host);
      return { tcp, udp, port: bound };
    } catch (err) {
      await Promise.all([closeTcp(tcp.server), closeUdp(udp)]);
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!inUse || attempt >= attempts) throw err;
    }
  }
}

export async function startEchoServers(port: number, host: string, logger: Logger): Promise<EchoServers> {
  const { tcp, udp, port: bound } = await bindBoth(port, host, logger);
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closing ??= (async () => {
        const tcpClosed = closeTcp(tcp.server);
        for (const socket of tcp.sockets) socket.destroy();
        await Promise.all([tcpClosed, closeUdp(udp)]);
      })();
      return closing;
    },
  };
}
