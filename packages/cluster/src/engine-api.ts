// The two Docker reads every CLI command makes (find the cluster's containers, read its credentials) without
// dockerode: loading dockerode (with ssh2, grpc-js and protobufjs behind it) cost each command ~100 ms of
// start-up. Plain HTTP on the engine's unix socket, found as docker-modem finds it. Where DOCKER_HOST names
// anything else (tcp, ssh, npipe), or on Windows, these go through dockerode as before.
import { access } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';

let socket: Promise<string | undefined> | undefined;

/** The socket docker-modem would use: DOCKER_HOST's unix://PATH, else ~/.docker/run/docker.sock or /var/run/docker.sock. */
function engineSocket(): Promise<string | undefined> {
  socket ??= (async () => {
    const host = process.env.DOCKER_HOST;
    if (process.platform === 'win32' || (host && !host.startsWith('unix://'))) return undefined;
    const given = host?.slice('unix://'.length);
    if (given) return given;
    const user = path.join(os.homedir(), '.docker', 'run', 'docker.sock');
    return access(user).then(
      () => user,
      () => '/var/run/docker.sock',
    );
  })();
  return socket;
}

/** GETs `urlPath` from the engine's socket. Rejects on an error status with dockerode's error shape (statusCode, json). */
function get(socketPath: string, urlPath: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: urlPath, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        if (status < 400) return resolve(body);
        let json: unknown = body.toString('utf8');
        try {
          json = JSON.parse(json as string);
        } catch {
          // plain text
        }
        const message = (json as { message?: string } | undefined)?.message ?? json;
        reject(
          Object.assign(new Error(`(HTTP code ${status}) ${res.statusMessage ?? 'unexpected'} - ${message} `), {
            statusCode: status,
            json,
          }),
        );
      });
    });
    req.on('error', reject);
  });
}

const dockerode = async (): Promise<Docker> => (await import('./docker')).docker();

/** dockerode's listContainers. */
export async function listContainers(opts: { all?: boolean; filters?: Record<string, string[]> }): Promise<Docker.ContainerInfo[]> {
  const socketPath = await engineSocket();
  if (!socketPath) return (await dockerode()).listContainers(opts);
  const query = new URLSearchParams();
  if (opts.all) query.set('all', 'true');
  if (opts.filters) query.set('filters', JSON.stringify(opts.filters));
  return JSON.parse((await get(socketPath, `/containers/json?${query}`)).toString('utf8')) as Docker.ContainerInfo[];
}

/** A tar of `path` in a container (dockerode's getArchive, read to its end). */
export async function containerArchive(containerId: string, pathInContainer: string): Promise<Buffer> {
  const socketPath = await engineSocket();
  if (socketPath)
    return get(socketPath, `/containers/${encodeURIComponent(containerId)}/archive?${new URLSearchParams({ path: pathInContainer })}`);
  const stream = await (await dockerode()).getContainer(containerId).getArchive({ path: pathInContainer });
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
