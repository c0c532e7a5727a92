// User and group IDs of pod and container security contexts, checked as ValidatePodSecurityContext and
// ValidateSecurityContext check them (IsValidUserID / IsValidGroupID in k8s.io/apimachinery): `runAsUser: -1`
// is refused by the API instead of failing later in Docker (issue 6).
import { field, type FieldError } from '@kubelab/api';
import { isObject } from './field-errors';

const maxId = 2147483647;

function idErrors(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= maxId) return [];
  return [field.invalid(path, v, `must be between 0 and ${maxId}, inclusive`)];
}

/** A container's securityContext: runAsUser and runAsGroup. */
export function validateContainerSecurityIds(sc: unknown, path: string): FieldError[] {
  if (!isObject(sc)) return [];
  return [...idErrors(sc.runAsUser, `${path}.runAsUser`), ...idErrors(sc.runAsGroup, `${path}.runAsGroup`)];
}

/** The pod's securityContext: also fsGroup and each of supplementalGroups. */
export function validatePodSecurityIds(sc: unknown, path: string): FieldError[] {
  if (!isObject(sc)) return [];
  const errs = [...validateContainerSecurityIds(sc, path), ...idErrors(sc.fsGroup, `${path}.fsGroup`)];
  if (Array.isArray(sc.supplementalGroups))
    sc.supplementalGroups.forEach((g: unknown, i) => errs.push(...idErrors(g, `${path}.supplementalGroups[${i}]`)));
  return errs;
}
