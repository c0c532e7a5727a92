// The field manager of each kind and endpoint, as the generic registry installs them (one per resource,
// one per sub-resource), and the manager name of a request (managerOrUserAgent).
import { apiVersionOf, type ResourceInfo } from '@kubelab/api';
import { FieldManager } from './field-manager';
import { FieldSet } from './fieldpath';
import { typeOfKind } from './schema';

export { FieldManager, lastAppliedAnnotation } from './field-manager';

const managers = new Map<string, FieldManager>();

/**
 * The field manager of `info` (or of its sub-resource). Reset fields as the registries' GetResetFields: the
 * main resource of a kind with a status sub-resource never owns status; the status endpoint owns nothing
 * but status.
 */
export function fieldManagerFor(info: ResourceInfo, subresource?: string): FieldManager {
  const key = `${info.group}/${info.kind}/${subresource ?? ''}`;
  let fm = managers.get(key);
  if (!fm) {
    const hasStatus = info.subresources?.includes('status');
    const resetFields =
      subresource === 'status'
        ? FieldSet.of([{ field: 'spec' }])
        : !subresource && hasStatus
          ? FieldSet.of([{ field: 'status' }])
          : undefined;
    fm = new FieldManager({ type: typeOfKind(info.group, info.kind), apiVersion: apiVersionOf(info), resetFields, subresource });
    managers.set(key, fm);
  }
  return fm;
}

/** The manager of an in-process controller's writes (kube-controller-manager's user agent prefix). */
export const controllerManager = 'kube-controller-manager';

/**
 * managerOrUserAgent: the `fieldManager` of the request, else its User-Agent up to the first "/", printable
 * characters only, at most 128 bytes ("unknown" when that leaves nothing).
 */
export function managerOrUserAgent(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  let out = '';
  for (const ch of (userAgent ?? '').split('/')[0]) {
    if (!/\P{C}/u.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > 128) break;
    out += ch;
  }
  return out || 'unknown';
}
