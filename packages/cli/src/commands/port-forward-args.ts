// kubectl port-forward's argument rules, pure: `[LOCAL:]REMOTE` pairs (`8080`, `8080:80`, `:80` for a random
// local port) and a Service's port translated to its pods' target port (kubectl's
// translateServicePortToTargetPort: a named targetPort is looked up in the pod's container ports).
import type { Pod, Service } from '@kubelab/api';
import { CliError } from '../errors';

export interface PortPair {
  /** 0: let the kernel choose. */
  local: number;
  remote: number;
}

function port(text: string, what: string, allowZero: boolean): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535 || (!allowZero && n < 1))
    throw new CliError(`Error parsing ${what} port '${text}': not a valid port`);
  return n;
}

export function parsePortPairs(specs: string[]): PortPair[] {
  if (specs.length === 0) throw new CliError('at least 1 PORT is required for port-forward');
  return specs.map((spec) => {
    const parts = spec.split(':');
    if (parts.length > 2) throw new CliError(`invalid port format '${spec}'`);
    if (parts.length === 1) {
      const p = port(parts[0], 'local', false);
      return { local: p, remote: p };
    }
    return { local: parts[0] === '' ? 0 : port(parts[0], 'local', true), remote: port(parts[1], 'remote', false) };
  });
}

/** The pod port a Service port leads to on this pod. */
export function servicePortToPod(svc: Service, pod: Pod, remote: number): number {
  const sp = (svc.spec.ports ?? []).find((p) => p.port === remote);
  if (!sp) throw new CliError(`Service ${svc.metadata.name} does not have a service port ${remote}`);
  const target = sp.targetPort;
  if (target === undefined || target === '') return sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers ?? []) {
    const found = (c.ports ?? []).find((p) => p.name === target);
    if (found) return found.containerPort;
  }
  throw new CliError(`Pod '${pod.metadata.name}' does not have a named port '${target}'`);
}
