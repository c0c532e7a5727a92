// Controller references (ownerReferences with controller: true), and the adopt / release rules of
// pkg/controller's ControllerRefManager: a controller owns the objects its selector matches that have no
// other controller; it adopts matching orphans and lets go of owned objects that stopped matching.
import { matchesSelector, type KubeObject, type LabelSelector, type OwnerReference } from '@kubelab/api';
import { controllerOf } from './pod-util';

export function controllerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export interface Claim<T> {
  /** Already ours and still matching. */
  owned: T[];
  /** Orphans that match: take them (set our controller reference). */
  adopt: T[];
  /** Ours but no longer matching: let go (drop our controller reference). */
  release: T[];
}

export function claim<T extends KubeObject>(owner: KubeObject, selector: LabelSelector | undefined, candidates: T[]): Claim<T> {
  const out: Claim<T> = { owned: [], adopt: [], release: [] };
  // An empty selector would match everything; Kubernetes refuses those, so a controller claims nothing.
  const usable = !!selector && (Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0);
  for (const c of candidates) {
    if (c.metadata.namespace !== owner.metadata.namespace) continue;
    const ref = controllerOf(c);
    const matches = usable && matchesSelector(selector, c.metadata.labels);
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      (matches ? out.owned : out.release).push(c);
    } else if (matches && !c.metadata.deletionTimestamp && !owner.metadata.deletionTimestamp) out.adopt.push(c);
  }
  return out;
}

/** The ownerReferences after adopting (adding `owner` as controller) or releasing (removing it). */
export function ownerReferencesAfter(obj: KubeObject, owner: KubeObject, adopt: boolean): OwnerReference[] {
  const others = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
  return adopt ? [...others, controllerReference(owner)] : others;
}
