// Forwarding for names outside the cluster's zones, only when `cluster up --dns-upstream` asked for it (off
// by default: no traffic leaves the machine). One ephemeral socket per query keeps IDs unambiguous.
import dgram from 'node:dgram';

export function parseUpstream(text: string): { host: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) throw new TypeError(`dns upstream "${text}": must be an IPv4 address, optionally with :port`);
  const port = m[2] ? Number(m[2]) : 53;
  if (port < 1 || port > 65535) throw new TypeError(`dns upstream "${text}": port must be 1-65535`);
  return { host: m[1], port };
}

export function forwardUdp(upstream: string, query: Buffer, timeoutMs = 2000): Promise<Buffer | undefined> {
  const { host, port } = parseUpstream(upstream);
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const done = (b?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      resolve(b);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('message', (msg) => {
      // Only the reply to our query: same ID.
      if (msg.length >= 2 && msg[0] === query[0] && msg[1] === query[1]) done(msg);
    });
    sock.send(query, port, host);
  });
}
