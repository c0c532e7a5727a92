// `kubelab doctor`'s checks as pure functions of what the API and the nodes report, each giving ✓/✗/!
// findings with the object it is about and what to look at next. Modelled on the questions learners ask
// when a Service "does not work": does its selector match anything, do the pods have the named port, are
// they Ready, is policy enforced at all, does DNS answer from every node.
import { type LabelSelector, matchesMap, matchesSelector, type Pod, type Service } from '@kubelab/api';

export type Verdict = 'ok' | 'fail' | 'warn';

export interface Finding {
  verdict: Verdict;
  /** What was checked and what was found, naming the object. */
  text: string;
  /** What to do or read next. */
  hint?: string;
}

/** The fields of a NetworkPolicy doctor reads (the kind is networking.k8s.io/v1). */
export interface PolicyLike {
  metadata: { name?: string; namespace?: string };
  spec?: { podSelector?: LabelSelector };
}

function ref(o: { metadata: { name?: string; namespace?: string } }): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}

function selectorText(sel: Record<string, string>): string {
  return Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

function isReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function live(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

function notReadyReason(p: Pod): string {
  const waiting = (p.status?.containerStatuses ?? []).find((c) => c.state?.waiting);
  if (waiting?.state?.waiting?.reason) return waiting.state.waiting.reason;
  const cond = (p.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return cond?.reason ?? p.status?.phase ?? 'Pending';
}

/** Selectors that match nothing, named target ports no pod has, pods behind a Service that are not Ready. */
export function serviceFindings(services: Service[], pods: Pod[]): Finding[] {
  const out: Finding[] = [];
  for (const svc of services) {
    const sel = svc.spec?.selector;
    if (!sel || Object.keys(sel).length === 0 || svc.spec.type === 'ExternalName') continue;
    const ns = svc.metadata.namespace ?? 'default';
    const matched = pods.filter((p) => (p.metadata.namespace ?? 'default') === ns && live(p) && matchesMap(sel, p.metadata.labels));
    if (matched.length === 0) {
      const close = pods.filter(
        (p) => (p.metadata.namespace ?? 'default') === ns && Object.keys(sel).some((k) => p.metadata.labels?.[k] !== undefined),
      );
      const seen = [
        ...new Set(close.map((p) => selectorText(Object.fromEntries(Object.keys(sel).map((k) => [k, p.metadata.labels?.[k] ?? '']))))),
      ];
      out.push({
        verdict: 'fail',
        text: `Service ${ref(svc)}: selector ${selectorText(sel)} matches no pod, so it has no endpoints`,
        hint: seen.length
          ? `pods in ${ns} have ${seen.slice(0, 3).join(' / ')}; fix the selector or the pod labels (kubelab get pods -n ${ns} --show-labels)`
          : `no pod in ${ns} carries these label keys (kubelab get pods -n ${ns} --show-labels)`,
      });
      continue;
    }
    let fine = true;
    for (const port of svc.spec.ports ?? []) {
      if (typeof port.targetPort !== 'string') continue;
      const without = matched.filter(
        (p) => !(p.spec?.containers ?? []).some((c) => (c.ports ?? []).some((cp) => cp.name === port.targetPort)),
      );
      if (without.length) {
        fine = false;
        out.push({
          verdict: 'fail',
          text: `Service ${ref(svc)} port ${port.name ?? port.port}: targetPort "${port.targetPort}" is not a named containerPort of ${without.map((p) => p.metadata.name).join(', ')}`,
          hint: 'those pods are left out of the endpoints; name the port in the pod template or use a number',
        });
      }
    }
    const notReady = matched.filter((p) => !isReady(p));
    if (notReady.length) {
      fine = false;
      out.push({
        verdict: notReady.length === matched.length ? 'fail' : 'warn',
        text: `Service ${ref(svc)}: ${notReady.length} of ${matched.length} pods not Ready (${notReady
          .map((p) => `${p.metadata.name}: ${notReadyReason(p)}`)
          .join(', ')})`,
        hint: 'not-Ready pods get no traffic; kubelab describe pod shows why',
      });
    }
    if (fine)
      out.push({
        verdict: 'ok',
        text: `Service ${ref(svc)}: ${matched.length} Ready ${matched.length === 1 ? 'pod' : 'pods'} behind ${selectorText(sel)}`,
      });
  }
  return out;
}

/** Policies whose podSelector selects no pod in their namespace. */
export function policyFindings(policies: PolicyLike[], pods: Pod[]): Finding[] {
  return policies.map((np) => {
    const ns = np.metadata.namespace ?? 'default';
    const n = pods.filter(
      (p) => (p.metadata.namespace ?? 'default') === ns && live(p) && matchesSelector(np.spec?.podSelector ?? {}, p.metadata.labels),
    ).length;
    return n
      ? { verdict: 'ok', text: `NetworkPolicy ${ref(np)} selects ${n} ${n === 1 ? 'pod' : 'pods'}` }
      : {
          verdict: 'fail',
          text: `NetworkPolicy ${ref(np)} selects no pod (podSelector ${JSON.stringify(np.spec?.podSelector ?? {})})`,
          hint: 'a policy that selects nothing isolates nothing: check its labels against kubelab get pods --show-labels',
        };
  });
}

/** Whether each node's filter table sends forwarded traffic through the policy chain. */
export function enforcementFindings(saves: Array<{ node: string; filter: string }>, policyCount: number): Finding[] {
  const missing = saves.filter((s) => !/^(?:\[\d+:\d+\] )?-A FORWARD .*-j KUBELAB-NETPOL\b/m.test(s.filter)).map((s) => s.node);
  if (missing.length === 0)
    return [{ verdict: 'ok', text: `NetworkPolicy is enforced on ${saves.length} nodes (FORWARD -> KUBELAB-NETPOL)` }];
  return [
    {
      verdict: policyCount > 0 ? 'fail' : 'warn',
      text: `NetworkPolicy is not enforced on ${missing.join(', ')}: no KUBELAB-NETPOL jump in the filter table's FORWARD chain${policyCount ? ` (${policyCount} policies exist)` : ''}`,
      hint: policyCount > 0 ? 'the node agents are older than NetworkPolicy support: kubelab cluster up --recreate' : undefined,
    },
  ];
}

/** A DNS query from a node: `dig +noall +answer +stats` output against the address it should answer. */
export function dnsFinding(node: string, name: string, expected: string, output: string): Finding {
  const got = [...output.matchAll(/^\S+\s+\d+\s+IN\s+A\s+(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]);
  const time = /^;; Query time: (\d+) msec/m.exec(output)?.[1];
  if (got.includes(expected)) return { verdict: 'ok', text: `DNS answers from ${node}: ${name} -> ${expected} (${time ?? '?'} ms)` };
  const problem = /connection timed out|no servers could be reached|communications error[^\n]*/i.exec(output)?.[0];
  return {
    verdict: 'fail',
    text: `DNS from ${node}: ${name} -> ${got.join(', ') || problem || 'no answer'} (expected ${expected})`,
    hint: 'kubelab get pods -n kube-system -l k8s-app=kube-dns; kubelab node iptables NODE --service kube-dns -n kube-system',
  };
}

const MARK: Record<Verdict, string> = { ok: '✓', fail: '✗', warn: '!' };

export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `${MARK[f.verdict]} ${f.text}${f.hint ? `\n    ${f.hint}` : ''}`).join('\n');
}
