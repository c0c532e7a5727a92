// The one dockerode client (DOCKER_HOST is honoured by docker-modem) and small I/O helpers around it.
import Docker from 'dockerode';
import { Readable } from 'node:stream';
import { buildEventError, demuxLogs, dockerMessage, isStatus, parseBuildChunk } from './docker-util';
import { createTar, type TarEntry } from './tar';

let client: Docker | undefined;

export function docker(): Docker {
  client ??= new Docker();
  return client;
}

/** Labels of a local image, or undefined when it does not exist. */
export async function imageLabels(name: string): Promise<Record<string, string> | undefined> {
  try {
    const info = await docker().getImage(name).inspect();
    return info.Config?.Labels ?? {};
  } catch (err) {
    if (isStatus(err, 404)) return undefined;
    throw new Error(`inspecting image ${name}: ${dockerMessage(err)}`);
  }
}

export interface BuildRequest {
  tag: string;
  labels: Record<string, string>;
  files: TarEntry[];
}

/**
 * Builds with the classic builder (dockerode's default API build, no BuildKit) so FROM a local-only image
 * never tries a registry. Resolves when the engine reports success; rejects with its error and last output.
 */
export async function buildImage(req: BuildRequest): Promise<void> {
  const context = Readable.from([createTar(req.files)]);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker().buildImage(context, { t: req.tag, labels: req.labels, rm: true, forcerm: true });
  } catch (err) {
    throw new Error(`building ${req.tag}: ${dockerMessage(err)}`);
  }
  const tail: string[] = [];
  let failure: string | undefined;
  let pending = '';
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      const parsed = parseBuildChunk(pending + chunk.toString('utf8'));
      pending = parsed.rest;
      for (const e of parsed.events) {
        failure ??= buildEventError(e);
        const text = (e.stream ?? e.status ?? '').trim();
        if (text) tail.push(text);
        if (tail.length > 15) tail.shift();
      }
    });
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const last = parseBuildChunk(`${pending}\n`).events;
  for (const e of last) failure ??= buildEventError(e);
  if (failure) throw new Error(`building ${req.tag} failed: ${failure}\n${tail.join('\n')}`);
}

/** The last lines a container printed, for error messages. Never throws. */
export async function containerLogTail(id: string, lines = 25): Promise<string> {
  try {
    const buf = (await docker().getContainer(id).logs({ stdout: true, stderr: true, tail: lines })) as unknown as Buffer;
    return demuxLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))).trimEnd();
  } catch (err) {
    return `(logs unavailable: ${dockerMessage(err)})`;
  }
}
