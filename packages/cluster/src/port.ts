// Detects a taken API port before anything is created, so the error names the port rather than Docker's
// "port is already allocated" after half a cluster exists.
import net from 'node:net';

export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${err.code ?? err.message})`;
      reject(new Error(`API port ${host}:${port} ${why}; pass another --api-port or omit it for a random port`));
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/**
 * A port free on 127.0.0.1 now, chosen by the kernel. `cluster up` publishes the API server on it with a fixed
 * HostPort (recorded in labels), not Docker's random one, which Docker re-picks on every container restart
 * and would break the kubeconfig's server address.
 */
export async function pickFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
