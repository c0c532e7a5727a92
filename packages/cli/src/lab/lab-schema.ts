// An exercise as data (issue 15 item 4): `labs/NAME/lab.yaml` names its setup manifest, its task text, its
// reference solution and its checks, so a workshop leader can copy a folder and change it. Checks assert
// network facts (a real probe from a pod or the host, a DNS answer, a policy verdict, a trace hop) or run a
// command; each has a weight, a wait (retried until it passes or times out), a message and a hint. Pure:
// parsing and validation with errors naming the file and field, as the API server's do.
import { parseDuration } from '../command-kit';

export interface Wait {
  timeoutMs: number;
  intervalMs: number;
}

/** An HTTP (or TCP) probe: `to` is "svc:port", "host:port/path", a full URL, or tcp://host:port. */
export interface ProbeSpec {
  /** A pod in the lab namespace (POD or deploy/NAME), or "host" (this machine). */
  from: string;
  to: string;
  /** Host header (ingress). */
  host?: string;
  /** Requests made; all must meet the expectation. Default 1. */
  requests?: number;
  /** Every answer came from the same pod (the echo server's "Hostname:" line). */
  sameBackend?: boolean;
  /** The answer contains this text. */
  expect?: string;
  /** Seconds per request (default 3). */
  timeout?: number;
}

export interface DnsSpec {
  from: string;
  name: string;
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED, or TIMEOUT (no answer at all). Default NOERROR. */
  rcode?: string;
  /** An answer record's data contains this ("10.96." or a name). */
  answer?: string;
  /** Record type, default A. */
  type?: string;
}

export interface VerdictSpec {
  from: string;
  to: string;
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  allowed: boolean;
  /**
   * The policy ("NAME" in the lab namespace or "NS/NAME") that must decide: the allowing rule's policy, or one
   * selecting the denying side; "*" for any policy (not merely no policy selecting either end).
   */
  policy?: string;
  /** The node agents' drop log recorded this connection (true), or did not (false); the probe must have run. */
  dropped?: boolean;
}

export interface TraceSpec {
  from: string;
  to: string;
  /** Text the trace output must contain (a hop: "KUBE-SVC-", "delivered to pod", a node name ...). */
  passes: string;
}

export interface CommandSpec {
  /** sh script; `kubelab` runs this CLI against the cluster, $NS is the lab namespace. */
  run: string;
  exit?: number;
  output?: string;
}

export type CheckKind =
  | { kind: 'reachable'; probe: ProbeSpec }
  | { kind: 'unreachable'; probe: ProbeSpec }
  | { kind: 'dns'; dns: DnsSpec }
  | { kind: 'verdict'; verdict: VerdictSpec }
  | { kind: 'trace'; trace: TraceSpec }
  | { kind: 'command'; command: CommandSpec };

export type Check = CheckKind & {
  name: string;
  weight: number;
  wait: Wait;
  /** Printed when the check fails. */
  message?: string;
  /** Printed with --hint, followed by the failing evidence. */
  hint?: string;
};

export interface Lab {
  name: string;
  title: string;
  /** The namespace the exercise lives in (created by start, deleted by reset). */
  namespace: string;
  task: string;
  /** Manifest files, relative to the lab folder. */
  setup: string[];
  solution: string[];
  checks: Check[];
  dir: string;
}

export class LabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabError';
  }
}

const KINDS = ['reachable', 'unreachable', 'dns', 'verdict', 'trace', 'command'] as const;
const DEFAULT_WAIT: Wait = { timeoutMs: 30_000, intervalMs: 1_000 };

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Raw, key: string, where: string, required = true): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw new LabError(`${where}.${key}: Required value`);
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw new LabError(`${where}.${key}: must be a string`);
  return String(v);
}

function files(o: Raw, key: string, where: string): string[] {
  const v = o[key];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string')) throw new LabError(`${where}.${key}: must be a file name or a list of them`);
  return list as string[];
}

function waitOf(v: unknown, where: string): Wait {
  if (v === undefined) return DEFAULT_WAIT;
  if (!isObj(v)) throw new LabError(`${where}.wait: must be an object with timeout and interval`);
  try {
    return {
      timeoutMs: v.timeout === undefined ? DEFAULT_WAIT.timeoutMs : parseDuration(String(v.timeout)),
      intervalMs: v.interval === undefined ? DEFAULT_WAIT.intervalMs : parseDuration(String(v.interval)),
    };
  } catch (e) {
    throw new LabError(`${where}.wait: ${(e as Error).message}`);
  }
}

function probeOf(v: Raw, where: string): ProbeSpec {
  const requests = v.requests === undefined ? undefined : Number(v.requests);
  if (requests !== undefined && !(Number.isInteger(requests) && requests >= 1 && requests <= 100))
    throw new LabError(`${where}.requests: must be an integer from 1 to 100`);
  return {
    from: str(v, 'from', where)!,
    to: str(v, 'to', where)!,
    host: str(v, 'host', where, false),
    requests,
    sameBackend: v.sameBackend === true,
    expect: str(v, 'expect', where, false),
    timeout: v.timeout === undefined ? undefined : Number(v.timeout),
  };
}

function checkOf(raw: unknown, i: number, file: string): Check {
  const where = `${file}: checks[${i}]`;
  if (!isObj(raw)) throw new LabError(`${where}: must be an object`);
  const kinds = KINDS.filter((k) => raw[k] !== undefined);
  if (kinds.length !== 1) throw new LabError(`${where}: needs exactly one of ${KINDS.join(', ')}`);
  const kind = kinds[0];
  const body = raw[kind];
  if (!isObj(body)) throw new LabError(`${where}.${kind}: must be an object`);
  const at = `${where}.${kind}`;
  const weight = raw.weight === undefined ? 1 : Number(raw.weight);
  if (!(weight >= 0)) throw new LabError(`${where}.weight: must be a number >= 0`);
  const common = {
    name: str(raw, 'name', where)!,
    weight,
    wait: waitOf(raw.wait, where),
    message: str(raw, 'message', where, false),
    hint: str(raw, 'hint', where, false),
  };
  switch (kind) {
    case 'reachable':
    case 'unreachable':
      return { ...common, kind, probe: probeOf(body, at) };
    case 'dns':
      return {
        ...common,
        kind,
        dns: {
          from: str(body, 'from', at)!,
          name: str(body, 'name', at)!,
          rcode: (str(body, 'rcode', at, false) ?? 'NOERROR').toUpperCase(),
          answer: str(body, 'answer', at, false),
          type: str(body, 'type', at, false),
        },
      };
    case 'verdict': {
      if (typeof body.allowed !== 'boolean') throw new LabError(`${at}.allowed: must be true or false`);
      const port = Number(body.port);
      if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new LabError(`${at}.port: must be 1-65535`);
      const protocol = (str(body, 'protocol', at, false) ?? 'TCP').toUpperCase();
      if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) throw new LabError(`${at}.protocol: must be TCP, UDP or SCTP`);
      return {
        ...common,
        kind,
        verdict: {
          from: str(body, 'from', at)!,
          to: str(body, 'to', at)!,
          port,
          protocol: protocol as VerdictSpec['protocol'],
          allowed: body.allowed,
          policy: str(body, 'policy', at, false),
          dropped: body.dropped === undefined ? undefined : body.dropped === true,
        },
      };
    }
    case 'trace':
      return { ...common, kind, trace: { from: str(body, 'from', at)!, to: str(body, 'to', at)!, passes: str(body, 'passes', at)! } };
    default:
      return {
        ...common,
        kind: 'command',
        command: {
          run: str(body, 'run', at)!,
          exit: body.exit === undefined ? 0 : Number(body.exit),
          output: str(body, 'output', at, false),
        },
      };
  }
}

/** A lab from its parsed lab.yaml; `dir` is its folder, `file` names it in errors. */
export function parseLab(doc: unknown, dir: string, file: string): Lab {
  if (!isObj(doc)) throw new LabError(`${file}: must be a YAML mapping`);
  const name = str(doc, 'name', file)!;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new LabError(`${file}.name: must be a DNS label (lower case, digits, -)`);
  const namespace = str(doc, 'namespace', file, false) ?? `lab-${name}`;
  const checks = doc.checks;
  if (!Array.isArray(checks) || checks.length === 0) throw new LabError(`${file}.checks: needs at least one check`);
  const parsed = checks.map((c, i) => checkOf(c, i, file));
  const names = new Set<string>();
  for (const c of parsed) {
    if (names.has(c.name)) throw new LabError(`${file}.checks: duplicate name "${c.name}"`);
    names.add(c.name);
  }
  return {
    name,
    title: str(doc, 'title', file, false) ?? name,
    namespace,
    task: str(doc, 'task', file)!,
    setup: files(doc, 'setup', file),
    solution: files(doc, 'solution', file),
    checks: parsed,
    dir,
  };
}

export interface CheckResult {
  check: Check;
  passed: boolean;
  /** What was seen: the probe's output, the DNS answer, the verdict. */
  evidence: string;
  attempts: number;
}

export function score(results: CheckResult[]): { got: number; total: number; passed: boolean } {
  const total = results.reduce((s, r) => s + r.check.weight, 0);
  const got = results.reduce((s, r) => s + (r.passed ? r.check.weight : 0), 0);
  return { got, total, passed: results.every((r) => r.passed) };
}

/** The check report: ✓/✗ per check, the message of a failure, with `hint` the hint and the evidence quoted. */
export function reportLines(lab: Lab, results: CheckResult[], hint: boolean): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const w = `(${r.check.weight} point${r.check.weight === 1 ? '' : 's'})`;
    lines.push(`${r.passed ? '✓' : '✗'} ${r.check.name} ${w}`);
    if (r.passed) continue;
    if (r.check.message) lines.push(`    ${r.check.message}`);
    if (hint) {
      if (r.check.hint) lines.push(`    hint: ${r.check.hint}`);
      const ev = r.evidence.trim().split('\n').slice(0, 8);
      lines.push(`    evidence (${r.check.kind}, ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}):`, ...ev.map((l) => `      | ${l}`));
    }
  }
  const s = score(results);
  lines.push(`${lab.name}: ${s.got}/${s.total} points${s.passed ? ' — solved' : ''}`);
  return lines;
}
