// One query line of the cluster DNS's log, as the DNS pods write it: a pino JSON line whose msg is
// CoreDNS's `log` plugin line, with kubelab's answers appended:
//   [INFO] 10.244.1.5:41234 - 4711 "A IN web.default.svc.cluster.local. udp 58 false 512" NOERROR qr,aa,rd 106 0.000071s answer="A 10.96.0.5"
// Pure.

export interface LoggedQuery {
  /** ms since the epoch (pino's `time`), or undefined in a bare CoreDNS line. */
  time?: number;
  clientIp: string;
  clientPort: number;
  id: number;
  type: string;
  /** Lower-cased, with its trailing dot. */
  name: string;
  proto: string;
  rcode: string;
  flags: string;
  durationMs: number;
  answers: string[];
}

const LINE =
  /\[INFO\] (\d+\.\d+\.\d+\.\d+):(\d+) - (\d+) "(\S+) (\S+) (\S+) (\S+) \d+ \S+ \d+" (\S+) (\S+) \d+ ([\d.]+)s(?: \([^)]*\))?(?: answer="([^"]*)")?/;

export function parseQueryLine(line: string): LoggedQuery | undefined {
  let msg = line;
  let time: number | undefined;
  if (line.startsWith('{')) {
    try {
      const obj = JSON.parse(line) as { msg?: unknown; time?: unknown };
      if (typeof obj.msg !== 'string') return undefined;
      msg = obj.msg;
      time = typeof obj.time === 'number' ? obj.time : undefined;
    } catch {
      return undefined;
    }
  }
  const m = LINE.exec(msg);
  if (!m) return undefined;
  return {
    time,
    clientIp: m[1],
    clientPort: Number(m[2]),
    id: Number(m[3]),
    type: m[4],
    name: m[6].toLowerCase(),
    proto: m[7],
    rcode: m[8],
    flags: m[9],
    durationMs: Number(m[10]) * 1000,
    answers: m[11] ? m[11].split('; ').filter(Boolean) : [],
  };
}
