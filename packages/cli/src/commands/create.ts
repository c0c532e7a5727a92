// `kubelab create -f FILE` and `create deployment|namespace|configmap|secret generic NAME ...`, printing
// kubectl's `deployment.apps/web created`; `--dry-run=client -o yaml` prints the object instead of sending it.
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { resourceForKind, type KubeObject } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { AlreadyReported, collect, intOption, lazyClient, printWarnings, withClient, type CliEnv, type Io } from '../command-kit';
import { CliError, describeError } from '../errors';
import { readManifests } from '../manifest-files';
import { formatObjects, parseOutputFormat } from '../printers/output';
import { namespaceOf, objectRef } from '../resource-args';
import { place, withSource } from './apply';
import { withLastApplied } from './apply-patch';
import { checkKeyPair, selfSignedCertificate } from '@kubelab/ingress';
import { registerCreateRbac } from './create-rbac';
import { buildIngress, buildTlsSecret } from './ingress-builders';
import { buildConfigMap, buildDeployment, buildNamespace, buildSecret, type DataSources } from './object-builders';

export interface CreateFlags {
  namespace?: string;
  /** Bare --dry-run means client, as kubectl's deprecated form did. */
  dryRun?: string | boolean;
  output?: string;
  saveConfig?: boolean;
}

/**
 * Flags of `create` and all its subcommands. They live on `create` itself: commander lets a parent's options
 * appear anywhere after it, so subcommands read them with optsWithGlobals().
 */
const createFlags = (cmd: Command): Command =>
  cmd
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('--dry-run [strategy]', 'only "client": print the object that would be sent, without sending it')
    .option('-o, --output <format>', 'print the object (yaml, json, name) instead of the "created" line')
    .option('--save-config', 'store the configuration in the last-applied annotation, so apply can update it later');

/** Sends one built object (or prints it for --dry-run=client) and reports it the kubectl way. */
export async function createObject(connectClient: () => Promise<KubeClient>, obj: KubeObject, flags: CreateFlags, io: Io): Promise<void> {
  const r = resourceForKind(obj.apiVersion, obj.kind);
  if (!r) throw new CliError(`no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
  const strategy = flags.dryRun === true ? 'client' : flags.dryRun || 'none';
  if (strategy !== 'client' && strategy !== 'none') throw new CliError(`--dry-run=${strategy} is not supported by kubelab (only "client")`);
  const dryRun = strategy === 'client';
  const format = flags.output ? parseOutputFormat(flags.output) : undefined;

  // Like kubectl, a client-side dry run only names a namespace when one was asked for.
  const namespace = obj.metadata.namespace ?? (dryRun ? flags.namespace : namespaceOf(flags));
  let object: KubeObject = r.namespaced && namespace ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
  if (flags.saveConfig) object = withLastApplied(object);
  if (!dryRun) {
    const client = await connectClient();
    const res = await client.create(r, object, object.metadata.namespace);
    printWarnings(io, res.warnings);
    object = res.object;
  }
  if (format && format !== 'table' && format !== 'wide')
    io.out(formatObjects([object], r.kind, format, { single: true, output: flags.output }));
  else io.out(`${objectRef(r, object.metadata.name!)} created${dryRun ? ' (dry run)' : ''}`);
}

/** `--from-file=[key=]path`: a file, or every regular file directly in a folder (kubectl's rule). */
export async function readFileSources(specs: string[] | undefined): Promise<NonNullable<DataSources['files']>> {
  const out: NonNullable<DataSources['files']> = [];
  for (const spec of specs ?? []) {
    const eq = spec.indexOf('=');
    const [key, p] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [undefined, spec];
    const info = await stat(p).catch(() => undefined);
    if (!info) throw new CliError(`error reading ${p}: no such file or directory`);
    if (info.isDirectory()) {
      if (key) throw new CliError('cannot give a key name for a directory path');
      for (const e of (await readdir(p, { withFileTypes: true })).filter((e) => e.isFile())) {
        out.push({ path: path.join(p, e.name), content: await readFile(path.join(p, e.name)) });
      }
    } else out.push({ key, path: p, content: await readFile(p) });
  }
  return out;
}

async function createFromFiles(env: CliEnv, files: string[], o: CreateFlags & { recursive?: boolean }): Promise<void> {
  const { items, errors } = await readManifests(files, { recursive: o.recursive });
  for (const e of errors) env.io.err(e);
  let ok = errors.length === 0;
  if (items.length === 0 && ok) throw new CliError('no objects passed to create');
  await withClient(env, async (client) => {
    for (const item of items) {
      try {
        const p = place(item, o.namespace, namespaceOf(o));
        const obj = o.saveConfig ? withLastApplied(p.object) : p.object;
        const res = await client.create(p.resource, obj, obj.metadata.namespace).catch((err: unknown) => {
          throw withSource(err, 'creating', item.source);
        });
        printWarnings(env.io, res.warnings);
        env.io.out(`${objectRef(p.resource, obj.metadata.name!)} created`);
      } catch (err) {
        ok = false;
        env.io.err(describeError(err));
      }
    }
  });
  if (!ok) throw new AlreadyReported();
}

export function registerCreate(program: Command, env: CliEnv): void {
  const create = createFlags(
    program
      .command('create')
      .description('create a resource from a file or from stdin, or with a subcommand')
      .option('-f, --filename <file>', 'file, directory or - with the objects to create; repeatable', collect)
      .option('-R, --recursive', 'process the directory used in -f recursively'),
  ).action(async (o: CreateFlags & { filename?: string[]; recursive?: boolean }) => {
    if (!o.filename?.length) throw new CliError('must specify one of -f and -k');
    await createFromFiles(env, o.filename, o);
  });
  const send = (obj: KubeObject, cmd: Command): Promise<void> =>
    lazyClient(env, (c) => createObject(c, obj, cmd.optsWithGlobals<CreateFlags>(), env.io));

  create
    .command('deployment')
    .alias('deploy')
    .description('create a deployment with the specified name')
    .argument('<name>')
    .argument('[command...]', 'after --: the container command')
    .option('--image <image>', 'image for a container; repeatable for several containers', collect)
    .option('--replicas <n>', 'number of replicas', intOption(0), 1)
    .option('--port <port>', 'container port the first container exposes', intOption(0, 65535))
    .action(async (name: string, command: string[], o: { image?: string[]; replicas: number; port?: number }, cmd: Command) =>
      send(buildDeployment({ name, images: o.image ?? [], replicas: o.replicas, port: o.port, command }), cmd),
    );

  create
    .command('namespace')
    .alias('ns')
    .description('create a namespace with the specified name')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => send(buildNamespace(name), cmd));

  const dataFlags = (cmd: Command): Command =>
    cmd
      .argument('<name>')
      .option('--from-literal <key=value>', 'a key and literal value; repeatable', collect)
      .option('--from-file <[key=]source>', 'a file (key: its name, or the given key) or folder; repeatable', collect);

  dataFlags(create.command('configmap').alias('cm').description('create a config map from files, directories or literal values')).action(
    async (name: string, o: { fromLiteral?: string[]; fromFile?: string[] }, cmd: Command) =>
      send(buildConfigMap(name, { literals: o.fromLiteral, files: await readFileSources(o.fromFile) }), cmd),
  );

  create
    .command('ingress')
    .alias('ing')
    .description('create an ingress with the specified name')
    .argument('<name>')
    .option('--rule <rule>', 'host/path=service:port[,tls[=secret]]; a path ending in * is Prefix, else Exact; repeatable', collect)
    .option('--class <class>', 'ingress class to use')
    .option('--default-backend <svc:port>', 'default service for requests not matching any rule')
    .option('--annotation <key=value>', 'annotation to insert in the ingress object; repeatable', collect)
    .action(async (name: string, o: { rule?: string[]; class?: string; defaultBackend?: string; annotation?: string[] }, cmd: Command) =>
      send(
        buildIngress({ name, rules: o.rule ?? [], className: o.class, defaultBackend: o.defaultBackend, annotations: o.annotation }),
        cmd,
      ),
    );

  const secret = create.command('secret').description('create a secret (generic or tls)');
  secret
    .command('tls')
    .description('create a TLS secret from a certificate and key, or a self-signed one for --host names')
    .argument('<name>')
    .option('--cert <path>', 'PEM certificate (with --self-signed: written there)')
    .option('--key <path>', 'PEM private key (with --self-signed: written there)')
    .option('--self-signed', 'generate a self-signed certificate (RSA 2048, 365 days) for the --host names')
    .option('--host <name>', 'DNS name the self-signed certificate covers (e.g. app.localhost, *.app.localhost); repeatable', collect)
    .action(async (name: string, o: { cert?: string; key?: string; selfSigned?: boolean; host?: string[] }, cmd: Command) => {
      let cert: string;
      let key: string;
      if (o.selfSigned) {
        if (!o.host?.length) throw new CliError('--self-signed needs at least one --host (e.g. --host app.localhost)');
        ({ cert, key } = selfSignedCertificate(o.host));
        if (o.cert) await writeFile(o.cert, cert);
        if (o.key) await writeFile(o.key, key, { mode: 0o600 });
      } else {
        if (!o.cert || !o.key) throw new CliError('key and cert must be specified');
        [cert, key] = await Promise.all([readFile(o.cert, 'utf8'), readFile(o.key, 'utf8')]);
        const bad = checkKeyPair(cert, key);
        if (bad) throw new CliError(bad);
      }
      await send(buildTlsSecret(name, cert, key), cmd);
    });
  dataFlags(secret.command('generic').description('create a secret from files, directories or literal values'))
    .option('--type <type>', 'the secret type', 'Opaque')
    .action(async (name: string, o: { fromLiteral?: string[]; fromFile?: string[]; type: string }, cmd: Command) =>
      send(buildSecret(name, { literals: o.fromLiteral, files: await readFileSources(o.fromFile) }, o.type), cmd),
    );
  registerCreateRbac(create, send, env);
}
