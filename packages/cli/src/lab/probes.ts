// The lab checks' evidence, taken for real: HTTP/TCP probes run inside a lab pod (through the API's exec,
// as `kubelab exec` does) or from this machine, DNS queries with dig inside a pod, policy verdicts from the
// node agents' own model, traces and commands through this CLI. Each returns pass/fail plus the evidence a
// hint quotes.
import { spawn } from 'node:child_process';
import http from 'node:http';
import Docker from 'dockerode';
import { Writable } from 'node:stream';
import type { Pod } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { PolicyJudge } from '@kubelab/node-agent/policy-verdict';
import type { Io } from '../command-kit';
import { dropRecords, endOf, policySet } from '../commands/policy';
import { resolvePod } from '../commands/pod-ref';
import { explainLines } from '../policy/report';
import { ApiStreams } from '../streams/api-streams';
import type { Check, DnsSpec, ProbeSpec, TraceSpec, VerdictSpec, CommandSpec } from './lab-schema';

export interface LabContext {
  client: KubeClient;
  cluster: string;
  namespace: string;
  /** Template values: {{namespace}}, {{nodeIP}}, {{ingress}} (127.0.0.1:PORT of the ingress on the host). */
  vars: Record<string, string>;
  io: Io;
}

export interface Outcome {
  passed: boolean;
  evidence: string;
}

export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, k: string) => vars[k] ?? m);
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

/** Runs `command` in the first container of a lab pod through the API; exit code and output (both streams). */
export async function execInPod(ctx: LabContext, ref: string, command: string[]): Promise<{ code: number; out: string; pod: string }> {
  const pod: Pod = await resolvePod(ctx.client, ref, ctx.namespace, { out: () => undefined, err: () => undefined });
  const out = new Collect();
  const code = await new ApiStreams(ctx.client).session('exec', {
    namespace: ctx.namespace,
    pod: pod.metadata.name!,
    container: pod.spec.containers[0].name,
    command,
    stdout: out,
    stderr: out,
    tty: false,
  });
  return { code: code ?? 0, out: out.text, pod: pod.metadata.name! };
}

/** This CLI, run again as a child against the same cluster (trace, command checks). */
export function runSelf(cluster: string, args: string[]): Promise<{ code: number; out: string }> {
  return runShell(cluster, '', args);
}

function runShell(
  cluster: string,
  script: string,
  args: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const cmd = script ? 'sh' : process.execPath;
  const argv = script ? ['-c', script] : [process.argv[1], ...args];
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {
      env: { ...process.env, ...extraEnv, KUBELAB_CLUSTER: cluster, KUBELAB_NODE: process.execPath, KUBELAB_CLI: process.argv[1] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
    child.on('error', (e) => resolve({ code: 127, out: e.message }));
  });
}

export interface HttpAnswer {
  /** 0: no answer (refused, timed out). */
  status: number;
  body: string;
  error?: string;
}

function targetUrl(to: string): string {
  return /^[a-z]+:\/\//.test(to) ? to : `http://${to}`;
}

async function fromHost(url: string, host: string | undefined, timeoutS: number): Promise<HttpAnswer> {
  if (url.startsWith('tcp://')) {
    const { connect } = await import('node:net');
    const [h, p] = url.slice(6).split(':');
    return new Promise((resolve) => {
      const s = connect({ host: h, port: Number(p), timeout: timeoutS * 1000 });
      s.on('connect', () => {
        s.destroy();
        resolve({ status: 200, body: 'connected' });
      });
      s.on('timeout', () => {
        s.destroy();
        resolve({ status: 0, body: '', error: 'timed out' });
      });
      s.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    });
  }
  return new Promise((resolve) => {
    const req = http.get(url, { headers: host ? { host } : {}, timeout: timeoutS * 1000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutS}s`)));
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
  });
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `n` probes from a pod in one exec: curl (or nc -z for tcp://), each answer ended by its exit code. */
async function fromPod(
  ctx: LabContext,
  from: string,
  url: string,
  host: string | undefined,
  timeoutS: number,
  n: number,
): Promise<HttpAnswer[]> {
  const one = url.startsWith('tcp://')
    ? `nc -z -w ${timeoutS} ${url.slice(6).replace(':', ' ')} && echo connected`
    : `curl -sS -m ${timeoutS} ${host ? `-H ${q(`Host: ${host}`)} ` : ''}-w '\\n[HTTP %{http_code}]' ${q(url)}`;
  const r = await execInPod(ctx, from, ['sh', '-c', `for i in $(seq ${n}); do ${one} 2>&1; echo "[exit $?]"; done`]);
  const answers: HttpAnswer[] = [];
  for (const part of r.out.split(/\[exit (\d+)\]\n?/).reduce<string[][]>((acc, x, i) => {
    if (i % 2 === 0) acc.push([x]);
    else acc[acc.length - 1].push(x);
    return acc;
  }, [])) {
    if (part.length < 2) continue;
    const [text, code] = part;
    const m = /\[HTTP (\d+)\]\s*$/.exec(text);
    const status = code === '0' ? (m ? Number(m[1]) : 200) : 0;
    const body = m ? text.slice(0, m.index) : text;
    answers.push({ status, body, error: code === '0' ? undefined : body.trim().split('\n')[0] });
  }
  return answers;
}

const backendOf = (body: string): string | undefined => /^Hostname: (\S+)/m.exec(body)?.[1];

function describeAnswer(a: HttpAnswer): string {
  if (a.status === 0) return `no answer: ${a.error ?? 'failed'}`;
  const who = backendOf(a.body);
  return `HTTP ${a.status}${who ? ` from ${who}` : ''}${who ? '' : `: ${a.body.trim().split('\n')[0]?.slice(0, 100) ?? ''}`}`;
}

export async function probe(ctx: LabContext, p: ProbeSpec, want: 'reachable' | 'unreachable'): Promise<Outcome> {
  const url = targetUrl(expand(p.to, ctx.vars));
  const host = p.host ? expand(p.host, ctx.vars) : undefined;
  const n = p.requests ?? 1;
  const t = p.timeout ?? 3;
  let answers: HttpAnswer[];
  if (p.from === 'host') {
    answers = [];
    for (let i = 0; i < n; i++) answers.push(await fromHost(url, host, t));
  } else answers = await fromPod(ctx, p.from, url, host, t, n);
  const where = `${p.from} -> ${url}${host ? ` (Host: ${host})` : ''}`;
  const lines = answers.map((a, i) => `${n > 1 ? `#${i + 1} ` : ''}${describeAnswer(a)}`);
  if (want === 'unreachable') {
    const answered = answers.filter((a) => a.status !== 0).length;
    return { passed: answers.length === n && answered === 0, evidence: [`${where}: ${answered}/${n} answered`, ...lines].join('\n') };
  }
  const ok = answers.filter((a) => a.status > 0 && a.status < 500 && (!p.expect || a.body.includes(expand(p.expect, ctx.vars))));
  let passed = answers.length === n && ok.length === n;
  const evidence = [`${where}: ${ok.length}/${n} answered${p.expect ? ` with "${p.expect}"` : ''}`, ...lines];
  if (passed && p.sameBackend) {
    const backends = new Set(answers.map((a) => backendOf(a.body)));
    passed = backends.size === 1 && !backends.has(undefined);
    evidence.push(`backends: ${[...backends].join(', ')}`);
  }
  return { passed, evidence: evidence.join('\n') };
}

export async function dns(ctx: LabContext, d: DnsSpec): Promise<Outcome> {
  const name = expand(d.name, ctx.vars);
  const r = await execInPod(ctx, d.from, ['dig', '+search', '+time=2', '+tries=1', name, d.type ?? 'A']);
  const status = /status: (\w+)/.exec(r.out)?.[1] ?? (/timed out|no servers could be reached/.test(r.out) ? 'TIMEOUT' : 'ERROR');
  const answers = (/;; ANSWER SECTION:\n([\s\S]*?)\n\n/.exec(r.out)?.[1] ?? '').split('\n').filter(Boolean);
  const rcodeOk = status === (d.rcode ?? 'NOERROR');
  const answerOk = !d.answer || answers.some((a) => a.includes(expand(d.answer!, ctx.vars)));
  const evidence = [`dig ${name} ${d.type ?? 'A'} from ${r.pod}: status ${status}`, ...answers.map((a) => a.replace(/\s+/g, ' '))];
  if (status === 'TIMEOUT' || status === 'ERROR') evidence.push(...r.out.trim().split('\n').slice(-2));
  return { passed: rcodeOk && answerOk, evidence: evidence.join('\n') };
}

export async function verdict(ctx: LabContext, v: VerdictSpec): Promise<Outcome> {
  const set = await policySet(ctx.client);
  const env = { io: ctx.io, clusterName: () => ctx.cluster };
  const [s, d] = await Promise.all([endOf(ctx.client, v.from, ctx.namespace, env), endOf(ctx.client, v.to, ctx.namespace, env)]);
  const flow = { srcIP: s.ip, dstIP: d.ip, src: s.pod, dst: d.pod, protocol: v.protocol ?? 'TCP', port: v.port, seen: 'lab' } as const;
  const got = new PolicyJudge(set).judge(flow);
  let passed = got.allowed === v.allowed;
  if (passed && v.policy) {
    const want = v.policy === '*' || v.policy.includes('/') ? v.policy : `${ctx.namespace}/${v.policy}`;
    const deciding = got.allowed
      ? [got.egress.rule?.policy, got.ingress.rule?.policy].filter((p): p is string => !!p)
      : [got.egress, got.ingress].filter((x) => !x.allowed).flatMap((x) => x.policies);
    // "*": some policy decided (a rule allowed it, or an isolating policy denied it), not the absence of any.
    passed = want === '*' ? deciding.length > 0 : deciding.includes(want);
  }
  const evidence = explainLines(set, flow);
  if (v.dropped !== undefined) {
    // The kernel's side: the node agents' drop log must (or must not) hold this connection.
    const drops = (await dropRecords(new Docker(), ctx.cluster)).filter(
      (r) => r.src.ip === s.ip && r.dst.ip === d.ip && r.dst.port === v.port && r.protocol.toUpperCase() === flow.protocol,
    );
    const last = drops[drops.length - 1];
    evidence.push(
      last
        ? `drop log: ${drops.length} drop(s) of this connection, the last at ${last.time} on ${last.node} (${last.direction} of ${last.pod}, policies ${last.policies.join(', ')})`
        : 'drop log: no drop of this connection recorded',
    );
    if (drops.length > 0 !== v.dropped) passed = false;
  }
  return { passed, evidence: evidence.join('\n') };
}

export async function trace(ctx: LabContext, t: TraceSpec): Promise<Outcome> {
  const r = await runSelf(ctx.cluster, ['trace', expand(t.from, ctx.vars), expand(t.to, ctx.vars), '-n', ctx.namespace]);
  const passes = expand(t.passes, ctx.vars);
  return { passed: r.out.includes(passes), evidence: `kubelab trace ${t.from} ${t.to} (looking for "${passes}"):\n${r.out.trim()}` };
}

export async function command(ctx: LabContext, c: CommandSpec): Promise<Outcome> {
  const script = `kubelab() { "$KUBELAB_NODE" "$KUBELAB_CLI" "$@"; }\n${expand(c.run, ctx.vars)}`;
  const r = await runShell(ctx.cluster, script, [], { NS: ctx.namespace });
  const passed = r.code === (c.exit ?? 0) && (!c.output || r.out.includes(expand(c.output, ctx.vars)));
  return { passed, evidence: `$ ${c.run.trim()}\n${r.out.trim()}\n(exit ${r.code})` };
}

export async function evaluate(ctx: LabContext, c: Check): Promise<Outcome> {
  try {
    switch (c.kind) {
      case 'reachable':
      case 'unreachable':
        return await probe(ctx, c.probe, c.kind);
      case 'dns':
        return await dns(ctx, c.dns);
      case 'verdict':
        return await verdict(ctx, c.verdict);
      case 'trace':
        return await trace(ctx, c.trace);
      default:
        return await command(ctx, c.command);
    }
  } catch (e) {
    return { passed: false, evidence: `could not check: ${(e as Error).message}` };
  }
}
