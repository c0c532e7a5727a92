// One access-log line per request, in the JSON pino writes (level, time, fields, msg "request"), so
// `kubelab logs -n ingress-nginx` reads the same as the rest of the process's log. Each line is one template
// string; lines are joined here into 64 KiB batches (as nginx's access_log buffer=64k) and each batch goes to a
// sonic-boom destination (pino's own writer, asynchronous). Handing sonic-boom every line cost the router 8-13 µs
// per request: it measures the byte length of its growing pending string on each write, flattening it each time.
// Serialising the record through pino cost several µs more.
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

/** The access log's writer: sonic-boom (pino's), asynchronous; it gets whole batches (AccessLog joins the lines). */
export function accessLogSink(dest: number | string): LineSink {
  return pino.destination({ dest, sync: false, maxWrite: 128 * 1024 });
}

/** Lines are handed to the sink in batches of about this many characters (and at least every half second). */
const BATCH = 64 * 1024;

export class AccessLog {
  private readonly enabled: boolean;
  private readonly timer: NodeJS.Timeout;
  private lines: string[] = [];
  private size = 0;

  /** `sink` defaults to stdout through sonic-boom; lines reach it within half a second. */
  constructor(
    readonly logger: Logger,
    private readonly sink: LineSink = accessLogSink(1),
  ) {
    this.enabled = logger.isLevelEnabled('info');
    this.timer = setInterval(() => {
      this.drain();
      this.sink.flush?.();
    }, 500);
    this.timer.unref();
  }

  request(r: AccessRecord): void {
    if (!this.enabled && !r.err) return;
    // host, method, remote and upstream are validated tokens; path and request id come from the client.
    const line = `{"level":${r.err ? 40 : 30},"time":${Date.now()},"remote":"${r.remote}","method":"${r.method ?? ''}","host":"${r.host}","path":${JSON.stringify(r.path)},"status":${r.status},"upstream":"${r.upstream}","duration":${r.duration},"requestId":${JSON.stringify(r.requestId)}${r.upgrade ? `,"upgrade":${JSON.stringify(r.upgrade)}` : ''}${r.err ? `,"err":${JSON.stringify(r.err)}` : ''},"msg":"request"}\n`;
    this.lines.push(line);
    this.size += line.length;
    // Failures go out at once (with what is pending before them); the rest in batches.
    if (this.size >= BATCH || r.err) this.drain();
  }

  /** Hands the pending lines to the sink as one string. */
  private drain(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.length === 1 ? this.lines[0] : this.lines.join('');
    this.lines = [];
    this.size = 0;
    this.sink.write(text);
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
      this.drain();
      this.sink.flushSync?.();
    } catch {
      // a closed stdout must not keep the pod from stopping
    }
  }
}
