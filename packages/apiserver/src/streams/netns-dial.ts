// A TCP connection to localhost inside a pod's network namespace, as the kubelet's port-forward makes it
// (containerd's sandbox_portforward_linux.go: netns.Do + net.Dial("tcp4", "localhost:PORT")): a server the pod
// binds to 127.0.0.1 or to every address is reachable, one bound to the pod's IP only is not, and no
// NetworkPolicy applies. The API server cannot enter another container's namespace, so it runs netcat there:
// a Docker exec in the pod's sandbox (pause) container, which shares the pod's network namespace and runs the
// node image (which has `nc`). `-v` reports the connect on stderr; `-N` passes the client's end of input on as
// a TCP half-close; `-q 1` ends the relay a second after that so no relay outlives its client.
import { Duplex, Writable } from 'node:stream';
import type Docker from 'dockerode';

/** The relay's command (exported for tests). */
export function relayCommand(port: number): string[] {
  return ['nc', '-v', '-N', '-q', '1', '127.0.0.1', String(port)];
}

/** Go's dial error wording for what netcat reported ("... failed: Connection refused"). */
export function dialError(port: number, stderr: string): Error {
  const reason = /failed: (.+)$/m.exec(stderr)?.[1]?.trim();
  return new Error(`dial tcp4 127.0.0.1:${port}: connect: ${(reason ?? (stderr.trim() || 'connection closed')).toLowerCase()}`);
}

export async function dialInPod(docker: Docker, sandboxId: string, port: number, timeoutMs = 10_000): Promise<Duplex> {
  const exec = await docker.getContainer(sandboxId).exec({
    Cmd: relayCommand(port),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream & { destroy(): void; end(): void };
  let connected = false;
  const conn = new Duplex({
    write(chunk, _enc, cb) {
      stream.write(chunk, cb);
    },
    final(cb) {
      stream.end();
      cb();
    },
    read() {},
    destroy(err, cb) {
      stream.destroy();
      cb(err);
    },
  });
  const stdout = new Writable({
    write(chunk, _enc, cb) {
      conn.push(chunk);
      cb();
    },
  });
  let stderr = '';
  return new Promise<Duplex>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`dial tcp4 127.0.0.1:${port}: i/o timeout`));
    }, timeoutMs);
    const stderrSink = new Writable({
      write(chunk, _enc, cb) {
        stderr += chunk.toString();
        if (!connected && / succeeded!/.test(stderr)) {
          connected = true;
          clearTimeout(timer);
          resolve(conn);
        }
        cb();
      },
    });
    docker.modem.demuxStream(stream, stdout, stderrSink);
    const finish = () => {
      clearTimeout(timer);
      if (connected) conn.push(null);
      else reject(dialError(port, stderr));
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', (err: Error) => (connected ? conn.destroy(err) : reject(err)));
  });
}
