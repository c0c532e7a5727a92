// DeleteOptions (meta/v1) as a DELETE carries them: in the body (kubectl, client-go) or as query parameters
// (?propagationPolicy=Foreground), and the propagation policy they resolve to, as the generic registry's
// deletion strategy decides it (k8s.io/apiserver pkg/registry/generic/registry/store.go,
// deletionFinalizersForGarbageCollection).
import { field, invalid, type FieldError, type KubeObject } from '@kubelab/api';

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export const propagationPolicies: PropagationPolicy[] = ['Foreground', 'Background', 'Orphan'];

/** metav1.FinalizerOrphanDependents and metav1.FinalizerDeleteDependents. */
export const orphanFinalizer = 'orphan';
export const foregroundFinalizer = 'foregroundDeletion';

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  /** Deprecated form of propagationPolicy: true = Orphan, false = Background. */
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

/**
 * Reads DeleteOptions from a DELETE's body and query (the query wins, as in Kubernetes when both are
 * given) and validates them like ValidateDeleteOptions: 422 naming the field.
 */
export function parseDeleteOptions(body: unknown, query: Record<string, unknown>): DeleteOptions {
  const opts: DeleteOptions =
    body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as DeleteOptions) } : ({} as DeleteOptions);
  const q = (name: string): string | undefined => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
  if (q('propagationPolicy') !== undefined) opts.propagationPolicy = q('propagationPolicy') as PropagationPolicy;
  // Convert_Slice_string_To_bool: only "0" and "false" (any case) are false.
  if (q('orphanDependents') !== undefined) opts.orphanDependents = !['0', 'false'].includes(q('orphanDependents')!.toLowerCase());
  if (q('gracePeriodSeconds') !== undefined) opts.gracePeriodSeconds = Number(q('gracePeriodSeconds'));
  const errs: FieldError[] = [];
  if (opts.propagationPolicy !== undefined && !propagationPolicies.includes(opts.propagationPolicy))
    errs.push(field.notSupported('propagationPolicy', opts.propagationPolicy, propagationPolicies));
  if (opts.propagationPolicy !== undefined && opts.orphanDependents !== undefined)
    errs.push(field.invalid('propagationPolicy', opts.propagationPolicy, 'orphanDependents and deletionPropagation cannot be both set'));
  if (errs.length) throw invalid('DeleteOptions', 'meta.k8s.io', '', errs);
  return opts;
}

/**
 * The policy a delete of `obj` follows: the one asked for, else what the object's finalizers already say,
 * else Background (the default of every kind kubelab serves through the API, and what kubectl sends).
 */
export function propagationOf(obj: KubeObject, opts: DeleteOptions): PropagationPolicy {
  if (opts.propagationPolicy) return opts.propagationPolicy;
  if (opts.orphanDependents !== undefined) return opts.orphanDependents ? 'Orphan' : 'Background';
  const finalizers = obj.metadata.finalizers ?? [];
  if (finalizers.includes(orphanFinalizer)) return 'Orphan';
  if (finalizers.includes(foregroundFinalizer)) return 'Foreground';
  return 'Background';
}

/** The finalizers after a delete with `policy`: the GC's own two swapped as the policy says, others kept. */
export function finalizersFor(obj: KubeObject, policy: PropagationPolicy): string[] {
  const others = (obj.metadata.finalizers ?? []).filter((f) => f !== orphanFinalizer && f !== foregroundFinalizer);
  if (policy === 'Orphan') return [...others, orphanFinalizer];
  if (policy === 'Foreground') return [...others, foregroundFinalizer];
  return others;
}
