// Failures of a streaming request before it streams, as the Status kube-apiserver answers with.
import { StatusError } from '@kubelab/api';
import { ContainerLookupError } from './pod-containers';

export function asStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (err instanceof ContainerLookupError) return new StatusError('BadRequest', err.message);
  return new StatusError('InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
}
