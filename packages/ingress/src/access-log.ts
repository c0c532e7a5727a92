// One access-log line per request, in the JSON pino writes (level, time, fields, msg "request"), so
// `kubelab logs -n ingress-nginx` reads the same as the rest of the process's log. Each line is one template
// string handed to a sonic-boom destination (pino's own writer: asynchronous, batched to 4 KiB writes);
// serialising the record through pino cost several µs of the router's CPU per request.
import pino, { type Logger } from 'pino';

export interface AccessRecord {
  remote: string;
  method: string | undefined;
  host: string;
  path: string;
  status: number;
  upstream: string;
  /** Milliseconds. */
  duration: number;
  requestId: string;
  upgrade?: string;
  err?: string;
}

export interface LineSink {
  write(data: string): unknown;
  flush?(): void;
  flushSync?(): void;
}

/**
 * The access log's writer: sonic-boom (pino's) buffering lines up to 16 KiB and writing them synchronously from
 * the main thread. Asynchronous writes went through libuv's thread pool, whose thread competes with the event
 * loop for the same (pinned) core: they cost the router about as much CPU per request as its client socket write.
 */
export function accessLogSink(dest: number | string): LineSink {
  return pino.destination({ dest, sync: false, minLength: 16 * 1024 - 1, maxWrite: 64 * 1024 });
}

export class AccessLog {
  private readonly enabled: boolean;
  private readonly timer: NodeJS.Timeout;

  /** `sink` defaults to stdout through sonic-boom; lines reach it within half a second. */
  constructor(
    readonly logger: Logger,
    private readonly sink: LineSink = accessLogSink(1),
  ) {
    this.enabled = logger.isLevelEnabled('info');
    this.timer = setInterval(() => this.sink.flush?.(), 500);
    this.timer.unref();
  }

  request(r: AccessRecord): void {
    if (!this.enabled && !r.err) return;
    // host, method, remote and upstream are validated tokens; path and request id come from the client.
    this.sink.write(
      `{"level":${r.err ? 40 : 30},"time":${Date.now()},"remote":"${r.remote}","method":"${r.method ?? ''}","host":"${r.host}","path":${JSON.stringify(r.path)},"status":${r.status},"upstream":"${r.upstream}","duration":${r.duration},"requestId":${JSON.stringify(r.requestId)}${r.upgrade ? `,"upgrade":${JSON.stringify(r.upgrade)}` : ''}${r.err ? `,"err":${JSON.stringify(r.err)}` : ''},"msg":"request"}\n`,
    );
  }

  info(obj: object, msg: string): void {
    this.logger.info(obj, msg);
  }

  warn(obj: object, msg: string): void {
    this.logger.warn(obj, msg);
  }

  /** On stop: what is still buffered goes out synchronously. */
  close(): void {
    clearInterval(this.timer);
    try {
      this.sink.flushSync?.();
    } catch {
      // a closed stdout must not keep the pod from stopping
    }
  }
}
