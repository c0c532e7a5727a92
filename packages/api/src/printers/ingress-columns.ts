// `kubectl get` columns for Ingresses and IngressClasses, as kubernetes pkg/printers/internalversion/
// printers.go defines them (printIngress, printIngressClass).
import type { Ingress, IngressClass } from '../ingress';
import type { KubeObject } from '../types';
import { age } from './cells';
import type { Column } from './columns';
import { loadBalancerIngress } from './service-columns';

const ing = (o: KubeObject): Ingress => o as Ingress;

/** formatHosts: the first three hosts, then ` + N more...` counted over all rules; `*` when none names a host. */
export function ingressHosts(i: Ingress): string {
  const rules = i.spec?.rules ?? [];
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === 3) more = true;
    if (!more && r.host) list.push(r.host);
  }
  if (!list.length) return '*';
  return more ? `${list.join(',')} + ${rules.length - 3} more...` : list.join(',');
}

/** formatPorts: `80, 443` when the Ingress has a TLS section, else `80`. */
export function ingressPorts(i: Ingress): string {
  return i.spec?.tls?.length ? '80, 443' : '80';
}

export const ingressColumns: Column[] = [
  { header: 'NAME', value: (o) => o.metadata.name ?? '' },
  // printIngress: `<none>` when the Ingress names no class (the annotation is not read here).
  { header: 'CLASS', value: (o) => ing(o).spec?.ingressClassName ?? '<none>' },
  { header: 'HOSTS', value: (o) => ingressHosts(ing(o)) },
  { header: 'ADDRESS', value: (o) => loadBalancerIngress(ing(o).status?.loadBalancer?.ingress, false), allowEmpty: true },
  { header: 'PORTS', value: (o) => ingressPorts(ing(o)) },
  { header: 'AGE', value: age },
];

export const ingressClassColumns: Column[] = [
  { header: 'NAME', value: (o) => o.metadata.name ?? '' },
  { header: 'CONTROLLER', value: (o) => (o as IngressClass).spec?.controller ?? '' },
  {
    header: 'PARAMETERS',
    value: (o) => {
      const p = (o as IngressClass).spec?.parameters;
      return p ? `${p.apiGroup ? `${p.kind}.${p.apiGroup}` : p.kind}/${p.name}` : '<none>';
    },
  },
  { header: 'AGE', value: age },
];
