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
