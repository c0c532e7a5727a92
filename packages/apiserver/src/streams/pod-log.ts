// GET pods/{name}/log: a container's log as text/plain, streamed while ?follow=true, with PodLogOptions'
// container, previous, sinceSeconds, sinceTime, timestamps, tailLines and limitBytes (core/v1 PodLogOptions;
// the kubelet's GetContainerLogs serves the same options).
import { Writable } from 'node:stream';
import type { Request, Response } from 'express';
import { StatusError, type Pod } from '@kubelab/api';
import { queryBool } from '../rest/query-params';
import { logsTarget, requestedContainer } from './pod-containers';
import type { PodRuntime } from './pod-runtime';
import { asStatusError } from './stream-errors';

export interface LogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  /** Unix seconds, from sinceSeconds or sinceTime. */
  since?: number;
}

function invalid(field: string, value: string, why: string): StatusError {
  const message = `PodLogOptions "" is invalid: ${field}: Invalid value: ${value}: ${why}`;
  return new StatusError('Invalid', message, { kind: 'PodLogOptions', causes: [{ reason: 'FieldValueInvalid', message, field }] });
}

function integer(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n)) throw new StatusError('BadRequest', `strconv.ParseInt: parsing "${raw}": invalid syntax`);
  return n;
}

/** PodLogOptions from the query, validated as ValidatePodLogOptions does. */
export function parseLogOptions(params: URLSearchParams, now = Date.now()): LogOptions {
  const tailLines = integer(params, 'tailLines');
  const limitBytes = integer(params, 'limitBytes');
  const sinceSeconds = integer(params, 'sinceSeconds');
  const sinceTime = params.get('sinceTime');
  if (tailLines !== undefined && tailLines < 0) throw invalid('tailLines', String(tailLines), 'must be greater than or equal to 0');
  if (limitBytes !== undefined && limitBytes < 1) throw invalid('limitBytes', String(limitBytes), 'must be greater than 0');
  if (sinceSeconds !== undefined && sinceTime !== null) {
    throw invalid('sinceSeconds', String(sinceSeconds), 'at most one of sinceTime or sinceSeconds may be specified');
  }
  if (sinceSeconds !== undefined && sinceSeconds < 1) throw invalid('sinceSeconds', String(sinceSeconds), 'must be greater than 0');
  let since: number | undefined;
  if (sinceSeconds !== undefined) since = Math.floor(now / 1000) - sinceSeconds;
  if (sinceTime !== null) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw new StatusError('BadRequest', `parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
    since = Math.floor(t / 1000);
  }
  return {
    container: params.get('container') || undefined,
    follow: queryBool(params.getAll('follow')),
    previous: queryBool(params.getAll('previous')),
    timestamps: queryBool(params.getAll('timestamps')),
    tailLines,
    limitBytes,
    since,
  };
}

/** A writer that passes on at most `limit` bytes, then calls `full` once. */
function limited(out: NodeJS.WritableStream, limit: number | undefined, full: () => void): NodeJS.WritableStream {
  if (limit === undefined) return out;
  let left = limit;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (left > 0) {
        const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
        left -= part.length;
        out.write(part);
        if (left <= 0) full();
      }
      done();
    },
  });
}

export async function servePodLog(runtime: PodRuntime, pod: Pod, req: Request, res: Response): Promise<void> {
  const params = new URL(req.originalUrl, 'http://x').searchParams;
  const opts = parseLogOptions(params);
  const abort = new AbortController();
  let containerId: string;
  try {
    if (!pod.spec.nodeName) throw new StatusError('BadRequest', `pod ${pod.metadata.name} does not have a host assigned`);
    const container = requestedContainer(pod, opts.container);
    const instances = await runtime.podContainers(pod.metadata.namespace ?? 'default', pod.metadata.name!);
    containerId = logsTarget(pod, instances, container, opts.previous).id;
  } catch (err) {
    throw asStatusError(err);
  }
  res.status(200).type('text/plain');
  res.flushHeaders();
  const stop = (): void => abort.abort();
  req.on('close', stop);
  const out = limited(res, opts.limitBytes, stop);
  try {
    await runtime.logs({
      containerId,
      follow: opts.follow,
      tail: opts.tailLines,
      timestamps: opts.timestamps,
      since: opts.since,
      out,
      signal: abort.signal,
    });
  } finally {
    req.off('close', stop);
    res.end();
  }
}
