// ?labelSelector= and ?fieldSelector= for lists and watches.
import { badRequest, matchesRequirements, parseSelector, type KubeObject } from '@kubelab/api';

export type ObjectFilter = (obj: KubeObject) => boolean;

interface FieldRequirement {
  path: string[];
  value: string;
  negate: boolean;
}

export function parseFieldSelector(text: string): FieldRequirement[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = p.match(/^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/);
      if (!m) throw badRequest(`invalid field selector: "${p}"`);
      return { path: m[1].split('.'), value: m[3], negate: m[2] === '!=' };
    });
}

/**
 * The field labels each kind can be selected by, beyond metadata.name and metadata.namespace (the
 * ToSelectableFields / AddFieldLabelConversionFunc of each kind in kubernetes pkg/registry and
 * pkg/apis/core/v1/conversion.go). Any other label is refused, as Kubernetes refuses it.
 */
const selectableFields: Record<string, string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  Secret: ['type'],
  ReplicaSet: ['status.replicas'],
  Service: ['spec.clusterIP', 'spec.type'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
};

/** Booleans Kubernetes selects as "false" when unset. */
const falseWhenUnset = new Set(['spec.hostNetwork', 'spec.unschedulable']);

function checkFieldLabels(kind: string, fields: FieldRequirement[]): void {
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(selectableFields[kind] ?? [])]);
  for (const f of fields) {
    const label = f.path.join('.');
    if (!allowed.has(label)) throw badRequest(`field label not supported: ${label}`);
  }
}

function fieldValue(obj: KubeObject, path: string[]): string {
  if (path.join('.') === 'source') {
    const source = (obj as { source?: { component?: string } }).source;
    return source?.component ?? '';
  }
  let cur: unknown = obj;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  if ((cur === undefined || cur === null) && falseWhenUnset.has(path.join('.'))) return 'false';
  return cur === undefined || cur === null ? '' : String(cur);
}

/** The filter of a list or watch; with `kind`, field labels the kind does not support answer 400. */
export function buildFilter(labelSelector?: string, fieldSelector?: string, kind?: string): ObjectFilter {
  const labels = labelSelector ? parseSelector(labelSelector) : [];
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : [];
  if (kind) checkFieldLabels(kind, fields);
  return (obj) =>
    matchesRequirements(labels, obj.metadata.labels) && fields.every((f) => (fieldValue(obj, f.path) === f.value) !== f.negate);
}
