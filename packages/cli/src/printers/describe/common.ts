// Pieces every kubectl describer shares (k8s.io/kubectl/pkg/describe/describe.go): multi-line labels and
// annotations, RFC 1123Z timestamps, the controller line, tolerations and the Events table.
import { humanDuration, type Event, type KubeObject, type Toleration } from '@kubelab/api';
import type { PrefixWriter } from '../tabwriter';

export interface DescribeContext {
  now: number;
  /** Minutes east of UTC for timestamps (kubectl prints local time); default: this process's zone. */
  utcOffsetMinutes?: number;
}

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** Go's time.RFC1123Z: `Mon, 02 Jan 2006 15:04:05 -0700`. */
export function rfc1123z(iso: string | undefined, ctx: Pick<DescribeContext, 'utcOffsetMinutes'> = {}): string {
  const t = Date.parse(iso ?? '');
  if (!Number.isFinite(t)) return '<unknown>';
  const offset = ctx.utcOffsetMinutes ?? -new Date(t).getTimezoneOffset();
  const d = new Date(t + offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${days[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

export function since(iso: string | undefined, now: number): string {
  const t = Date.parse(iso ?? '');
  return Number.isFinite(t) ? humanDuration(now - t) : '<unknown>';
}

/** printLabelsMultiline: `Labels:  a=b` then `\tc=d` continuation lines, keys sorted; `<none>` when empty. */
export function labelsMultiline(w: PrefixWriter, title: string, labels: Record<string, string> | undefined): void {
  const keys = Object.keys(labels ?? {}).sort();
  w.write(0, `${title}:\t`);
  if (keys.length === 0) return w.write(0, '<none>\n');
  keys.forEach((k, i) => w.write(0, `${i === 0 ? '' : '\t'}${k}=${labels![k]}\n`));
}

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
const maxAnnotationLen = 140;

/** printAnnotationsMultiline: `key: value`, the last-applied annotation hidden, long values on their own lines. */
export function annotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined): void {
  const keys = Object.keys(annotations ?? {})
    .filter((k) => k !== lastApplied)
    .sort();
  w.write(0, `${title}:\t`);
  if (keys.length === 0) return w.write(0, '<none>\n');
  keys.forEach((k, i) => {
    const indent = i === 0 ? '' : '\t';
    const value = annotations![k].replace(/\n$/, '');
    if (value.length + k.length + 2 > maxAnnotationLen || value.includes('\n')) {
      w.write(0, `${indent}${k}:\n`);
      for (const s of value.split('\n'))
        w.write(0, `\t  ${s.length > maxAnnotationLen - 2 ? `${s.slice(0, maxAnnotationLen - 2)}...` : s}\n`);
    } else w.write(0, `${indent}${k}: ${value}\n`);
  });
}

/** `ReplicaSet/web-5d4f8` of the controller owner reference, or undefined. */
export function controllerOf(obj: KubeObject): string | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller);
  return ref ? `${ref.kind}/${ref.name}` : undefined;
}

export function tolerationsMultiline(w: PrefixWriter, title: string, tolerations: Toleration[] | undefined): void {
  const list = [...(tolerations ?? [])].sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0));
  w.write(0, `${title}:\t`);
  if (list.length === 0) return w.write(0, '<none>\n');
  list.forEach((t, i) => {
    let text = `${i === 0 ? '' : '\t'}${t.key ?? ''}`;
    if (t.value) text += `=${t.value}`;
    if (t.effect) text += `:${t.effect}`;
    // An Exists toleration without a value tolerates everything matching its key (or everything at all).
    if (t.operator === 'Exists' && !t.value) text += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined) text += ` for ${t.tolerationSeconds}s`;
    w.write(0, `${text}\n`);
  });
}

/** DescribeEvents: flushed first so the table aligns on its own; oldest last-seen first. */
export function eventsSection(w: PrefixWriter, events: Event[] | undefined, ctx: DescribeContext): void {
  if (events === undefined) return;
  if (events.length === 0) return w.write(0, 'Events:\t<none>\n');
  w.flush();
  const time = (e: Event): number => Date.parse(e.lastTimestamp ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '') || 0;
  // Timestamps have second precision; the resourceVersion keeps same-second events in the order they happened.
  const rv = (e: Event): number => Number(e.metadata.resourceVersion) || 0;
  const sorted = [...events].sort((a, b) => time(a) - time(b) || rv(a) - rv(b));
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const first = since(e.firstTimestamp ?? (e.eventTime as string | undefined) ?? e.metadata.creationTimestamp, ctx.now);
    const interval = (e.count ?? 1) > 1 ? `${since(e.lastTimestamp, ctx.now)} (x${e.count} over ${first})` : first;
    const from = e.source?.component || e.reportingComponent || (e.reportingController as string | undefined) || '';
    w.write(1, `${e.type ?? ''}\t${e.reason ?? ''}\t${interval}\t${from}\t${(e.message ?? '').trim()}\n`);
  }
}
