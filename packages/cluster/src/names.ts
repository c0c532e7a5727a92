// Names and labels of every Docker object a cluster owns (DESIGN.md §6). Pure: the single place that knows
// how objects are spelled, so up, down, list and the readers can never disagree.

import { DOCKER_LABEL } from '@kubelab/api';

export const LABEL = DOCKER_LABEL;

export type NodeRole = 'control-plane' | 'worker';
export const NODE_ROLES: readonly string[] = ['control-plane', 'worker'];

export const MAX_NAME_LENGTH = 40;
export const MAX_WORKERS = 10;
export const SERVICE_CIDR = '10.96.0.0/12';
export const API_PORT = 6443;
export const STATE_DIR = '/var/lib/kubelab';
export const NODE_ENTRY = '/opt/kubelab/kubelab-node.mjs';
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Throws unless `name` is a DNS-1123 label short enough to prefix every object name. */
export function validateClusterName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new Error('cluster name is required');
  if (name.length > MAX_NAME_LENGTH) {
    throw new Error(`cluster name "${name}" is too long (${name.length} characters, at most ${MAX_NAME_LENGTH})`);
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new Error(
      `cluster name "${name}" is invalid: use lower-case letters, digits and "-", starting and ending with a letter or digit`,
    );
  }
}

export function validateWorkers(workers: number): void {
  if (!Number.isInteger(workers) || workers < 0 || workers > MAX_WORKERS) {
    throw new Error(`workers must be a whole number from 0 to ${MAX_WORKERS} (got ${workers})`);
  }
}

export function validateApiPort(port: number | undefined): void {
  if (port === undefined) return;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`API port must be 1..65535 (got ${port})`);
}

export function validateLogLevel(level: string | undefined): void {
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`log level "${level}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
}

/** kind's node naming: <name>-control-plane, <name>-worker, <name>-worker2, ... */
export function nodeNames(cluster: string, workers: number): string[] {
  const names = [`${cluster}-control-plane`];
  for (let i = 1; i <= workers; i++) names.push(i === 1 ? `${cluster}-worker` : `${cluster}-worker${i}`);
  return names;
}

export const nodeNetworkName = (cluster: string): string => `${cluster}-net`;
export const podNetworkName = (cluster: string, node: string): string => `${cluster}-pods-${node}`;
export const stateVolumeName = (cluster: string): string => `${cluster}-state`;

/** The label filter selecting everything of one cluster (nodes, pods, networks, volumes). */
export function clusterFilter(cluster: string): { label: string[] } {
  return { label: [`${LABEL.cluster}=${cluster}`] };
}
