// One access-log line per request, in the JSON pino writes (level, time, fields, msg "request"), so
// `kubelab logs -n ingress-nginx` reads the same as the rest of the process's log. Built as one template
// string and written in batches (every 250 ms or 64 KiB) with one asynchronous write at a time: serialising
// through pino and a write per few lines cost about a tenth of the router's CPU per request, and a synchronous
// write to a full pipe (docker reads the pod's stdout) would stall every request. Other lines go through pino.
import { write as fsWrite, writeSync } from 'node:fs';
import type { Logger } from 'pino';

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

export class AccessLog {
  private buf: string[] = [];
  private size = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly enabled: boolean;
  private writing = false;

  /** Batches go to `fd` (default stdout), one write in flight at a time so lines stay in order. */
  constructor(
    readonly logger: Logger,
    private readonly fd = 1,
    flushMs = 250,
    private readonly write: (data: string, done: () => void) => void = (d, done) => fsWrite(fd, d, () => done()),
  ) {
    this.enabled = logger.isLevelEnabled('info');
    this.timer = setInterval(() => this.flush(), flushMs);
    this.timer.unref();
  }

  request(r: AccessRecord): void {
    if (!this.enabled && !r.err) return;
    // host, method, remote and upstream are validated tokens; path and request id come from the client.
    const line = `{"level":${r.err ? 40 : 30},"time":${Date.now()},"remote":"${r.remote}","method":"${r.method ?? ''}","host":"${r.host}","path":${JSON.stringify(r.path)},"status":${r.status},"upstream":"${r.upstream}","duration":${r.duration},"requestId":${JSON.stringify(r.requestId)}${r.upgrade ? `,"upgrade":${JSON.stringify(r.upgrade)}` : ''}${r.err ? `,"err":${JSON.stringify(r.err)}` : ''},"msg":"request"}\n`;
    this.buf.push(line);
    this.size += line.length;
    if (this.size >= 65536) this.flush();
  }

  info(obj: object, msg: string): void {
    this.logger.info(obj, msg);
  }

  warn(obj: object, msg: string): void {
    this.logger.warn(obj, msg);
  }

  flush(): void {
    if (this.buf.length === 0 || this.writing) return;
    const data = this.buf.join('');
    this.buf = [];
    this.size = 0;
    this.writing = true;
    // A failed write (closed pipe) drops those lines: the log must never take the router down.
    this.write(data, () => {
      this.writing = false;
      if (this.size >= 65536) this.flush();
    });
  }

  /** On stop: what is still buffered goes out synchronously. */
  close(): void {
    clearInterval(this.timer);
    if (this.buf.length === 0) return;
    try {
      writeSync(this.fd, this.buf.join(''));
    } catch {
      // as above
    }
    this.buf = [];
    this.size = 0;
  }
}
