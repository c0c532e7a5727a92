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

export class AccessLog {
  private readonly enabled: boolean;
  private readonly timer: NodeJS.Timeout;

  /** `sink` defaults to stdout through sonic-boom; lines reach it within half a second. */
  constructor(
    readonly logger: Logger,
    private readonly sink: LineSink = pino.destination({ dest: 1, sync: false, minLength: 4096 }),
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
