// Starts what makes workloads run, in the API server's process: the scheduler, the ReplicaSet and
// Deployment controllers, the garbage collector, and the event recorder they share (with its TTL sweep).
import type { Logger } from 'pino';
import type { ObjectService } from '../registry/object-service';
import { startScheduler } from '../scheduler/scheduler';
import { startDeploymentController } from './deployment-controller';
import { startEndpointControllers } from './endpoint-controllers';
import { startNamespaceController } from './namespace-controller';
import { EventRecorder } from './events';
import { GarbageCollector } from './garbage-collector';
import { startReplicaSetController } from './replicaset-controller';

export interface WorkloadControllerOptions {
  /** Coalescing delay between a change and the controllers' sync (default 10 ms). */
  syncDelayMs?: number;
  /** Full resync period (default 5 s). */
  resyncMs?: number;
  /** Retry period for unschedulable pods (default 5 s). */
  schedulerRetryMs?: number;
  /** Lifetime of events that are not repeated (default 1 h). */
  eventTtlMs?: number;
}

export interface WorkloadControllers {
  recorder: EventRecorder;
  gc: GarbageCollector;
  stop(): void;
}

export function startWorkloadControllers(service: ObjectService, log: Logger, opts: WorkloadControllerOptions = {}): WorkloadControllers {
  const recorder = new EventRecorder(service, { log, ttlMs: opts.eventTtlMs });
  const timing = { delayMs: opts.syncDelayMs, resyncMs: opts.resyncMs };
  const gc = new GarbageCollector(service, { log: log.child({ component: 'garbage-collector' }) });
  const stops = [
    gc.start(),
    startScheduler(service, { log, recorder, retryMs: opts.schedulerRetryMs, delayMs: opts.syncDelayMs }),
    startReplicaSetController(service, recorder, log.child({ component: 'replicaset-controller' }), timing),
    startDeploymentController(service, recorder, log.child({ component: 'deployment-controller' }), timing),
    startEndpointControllers(service, log, timing, recorder),
    startNamespaceController(service, { log: log.child({ component: 'namespace-controller' }) }),
  ];
  const sweeper = setInterval(() => recorder.sweep(), Math.min(opts.eventTtlMs ?? 3_600_000, 60_000));
  sweeper.unref();
  return {
    recorder,
    gc,
    stop() {
      clearInterval(sweeper);
      for (const stop of stops) stop();
    },
  };
}
