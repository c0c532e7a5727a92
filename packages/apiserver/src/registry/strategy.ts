// Per-kind behaviour, like the "strategies" of k8s.io/apiserver: validation, defaults, and which parts of
// an object a write may change. The generic object service applies these to every kind.
import type { FieldError, KubeObject, NameRule, ResourceInfo } from '@kubelab/api';
import type { DeleteOptions } from './delete-options';
import type { GracefulDecision } from './pod-graceful-delete';

export interface Strategy {
  info: ResourceInfo;
  nameRule: NameRule;
  /** Validation beyond metadata. `old` is set on updates. */
  validate?(obj: KubeObject, old?: KubeObject): FieldError[];
  /** Fills defaults and clears fields a create may not set (e.g. status). */
  prepareForCreate?(obj: KubeObject): void;
  /** Same on update; status is already carried over for kinds with a status sub-resource. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /** Fields of the object that are not in `spec` but still count as the desired state (e.g. ConfigMap data). */
  generationFields?: string[];
  /** Names of fields kubelab accepts but does not act on, reported as warnings. */
  ignoredFields?(obj: KubeObject): string[];
  /** Further Warning headers for a write (e.g. what a hostPath volume is on this cluster). */
  warnings?(obj: KubeObject): string[];
  /**
   * DELETE answers with the deleted object (Kubernetes' ReturnDeletedObject, e.g. pods; Kubernetes answers
   * with the Namespace for namespaces too) instead of a Success Status.
   */
  returnDeletedObject?: boolean;
  /**
   * Kinds deleted gracefully (pods): what a DELETE does instead of removing the object at once
   * (pod-graceful-delete.ts). Absent: removed at once, as every other kind.
   */
  gracefulDelete?(obj: KubeObject, opts: DeleteOptions, nowMs: number): GracefulDecision;
  /** Sub-resources with their own representation or verbs (pods/binding, deployments/scale). */
  subresources?: Record<string, SubresourceHandler>;
}

/**
 * A sub-resource that is not just a view of the parent (as `status` is). PATCH is served as a merge patch
 * over `get` followed by `update`, which is what Kubernetes does for scale.
 */
export interface SubresourceHandler {
  /** GET .../{name}/{sub} */
  get?(parent: KubeObject): KubeObject;
  /** PUT .../{name}/{sub}: returns the response body. */
  update?(ctx: SubresourceContext, parent: KubeObject, body: KubeObject): KubeObject;
  /** POST .../{name}/{sub} (e.g. a Binding): returns the response body. */
  create?(ctx: SubresourceContext, parent: KubeObject, body: KubeObject): KubeObject;
}

export interface SubresourceContext {
  /**
   * Stores `next` as the new version of the parent: metadata stamping, object validation and generation
   * as for any write, but not the kind's update rules (a binding may set the otherwise immutable nodeName).
   */
  commit(next: KubeObject): KubeObject;
}

export function resourceKey(info: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return `${info.group}/${info.plural}`;
}

export class Registry {
  private readonly byKey = new Map<string, Strategy>();

  add(s: Strategy): this {
    this.byKey.set(`${s.info.group}/${s.info.version}/${s.info.plural}`, s);
    return this;
  }

  find(group: string, version: string, plural: string): Strategy | undefined {
    return this.byKey.get(`${group}/${version}/${plural}`);
  }

  all(): Strategy[] {
    return [...this.byKey.values()];
  }

  forKind(apiVersion: string, kind: string): Strategy | undefined {
    return this.all().find(
      (s) => (s.info.group ? `${s.info.group}/${s.info.version}` : s.info.version) === apiVersion && s.info.kind === kind,
    );
  }
}
