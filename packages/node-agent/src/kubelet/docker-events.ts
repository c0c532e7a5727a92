// Docker's event stream for this node's pod containers (the kubelet's PLEG, push instead of relist): a
// container that starts, dies or is OOM-killed pokes its pod's sync at once. Reconnects when the stream
// ends; the periodic resync covers anything missed in between.
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { LABEL, podContainerFilter, type OwnerLabels } from './names';
import { LineSplitter } from '@kubelab/api';

export interface DockerEventWatch {
  stop(): void;
}

export function watchPodContainerEvents(docker: Docker, owner: OwnerLabels, log: Logger, onPod: (uid: string) => void): DockerEventWatch {
  let stopped = false;
  let stream: NodeJS.ReadableStream | undefined;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    try {
      const filters = { type: ['container'], event: ['start', 'die', 'oom', 'destroy'], ...podContainerFilter(owner) };
      stream = await docker.getEvents({ filters: JSON.stringify(filters) });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'docker event stream failed, retrying');
      if (!stopped) timer = setTimeout(() => void connect(), 2000);
      return;
    }
    if (stopped) return (stream as unknown as { destroy?: () => void }).destroy?.();
    const lines = new LineSplitter();
    stream.on('data', (chunk: Buffer) => {
      for (const line of lines.push(chunk)) {
        try {
          const ev = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
          const uid = ev.Actor?.Attributes?.[LABEL.podUid];
          if (uid) onPod(uid);
        } catch {
          /* a partial or foreign line: the resync catches up */
        }
      }
    });
    let retried = false;
    const again = (): void => {
      if (retried) return;
      retried = true;
      if (!stopped) timer = setTimeout(() => void connect(), 1000);
    };
    stream.on('end', again);
    stream.on('error', again);
    // A daemon restart may just close the stream, with neither 'end' nor 'error'.
    stream.on('close', again);
  };
  void connect();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      (stream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    },
  };
}
