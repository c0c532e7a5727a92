// `kubelab lab list|start NAME|check [NAME] [--hint]|reset [NAME]`: self-checking exercises (issue 15 item 4).
// A lab is a folder with lab.yaml (lab/lab-schema.ts), its setup manifests and a reference solution; it
// lives in its own namespace, labelled kubelab.io/lab=NAME so `check` and `reset` find the one started.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { resolveResource, type Namespace, type Node } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { findRepoRoot } from '@kubelab/cluster';
import { parseDuration, withClient, type CliEnv } from '../command-kit';
import { AlreadyReported } from '../command-kit';
import { CliError } from '../errors';
import { type CheckResult, type Lab, LabError, parseLab, reportLines, score } from '../lab/lab-schema';
import { evaluate, type LabContext, runSelf } from '../lab/probes';
import { renderTable } from '../printers/table';

export const LAB_LABEL = 'kubelab.io/lab';

/** Where labs are: --dir, $KUBELAB_LABS, ./labs, or the repository's labs/. */
export function labsDir(dir?: string): string {
  const candidates = [dir, process.env.KUBELAB_LABS, path.resolve('labs')];
  try {
    candidates.push(path.join(findRepoRoot(), 'labs'));
  } catch {
    // not run from a checkout
  }
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) throw new CliError('no labs folder found: pass --dir DIR or set KUBELAB_LABS');
  return found;
}

export function loadLab(dir: string): Lab {
  const file = path.join(dir, 'lab.yaml');
  if (!existsSync(file)) throw new CliError(`${dir}: no lab.yaml`);
  try {
    return parseLab(parse(readFileSync(file, 'utf8')), dir, file);
  } catch (e) {
    if (e instanceof LabError) throw new CliError(e.message);
    throw new CliError(`${file}: ${(e as Error).message}`);
  }
}

export function listLabs(root: string): Lab[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, d.name, 'lab.yaml')))
    .map((d) => loadLab(path.join(root, d.name)))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** NAME in the labs folder, or a path to a lab folder. */
function findLab(ref: string, dir?: string): Lab {
  if (ref.includes('/') && existsSync(path.join(ref, 'lab.yaml'))) return loadLab(ref);
  const root = labsDir(dir);
  const lab = listLabs(root).find((l) => l.name === ref);
  if (!lab) throw new CliError(`no lab named "${ref}" in ${root} (see kubelab lab list)`);
  return lab;
}

const nsRes = () => resolveResource('namespaces')!;

async function startedLabs(client: KubeClient): Promise<Namespace[]> {
  return (await client.list<Namespace>(nsRes(), undefined, { labelSelector: LAB_LABEL })).items;
}

/** The lab to check or reset: the one named, else the one started. */
async function currentLab(client: KubeClient, ref: string | undefined, dir?: string): Promise<Lab> {
  if (ref) return findLab(ref, dir);
  const started = await startedLabs(client);
  if (started.length === 0) throw new CliError('no lab started: kubelab lab start NAME');
  if (started.length > 1)
    throw new CliError(`several labs are started (${started.map((n) => n.metadata.labels?.[LAB_LABEL]).join(', ')}): name one`);
  return findLab(started[0].metadata.labels![LAB_LABEL], dir);
}

async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  const gone = await client.delete(nsRes(), name).then(
    () => false,
    () => true,
  );
  if (gone) return;
  for (let i = 0; i < 240; i++) {
    const still = await client.get(nsRes(), name).then(
      () => true,
      () => false,
    );
    if (!still) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new CliError(`namespace ${name} is still terminating after 2 minutes`);
}

async function labVars(client: KubeClient, lab: Lab, ingress?: { httpPort: number }): Promise<Record<string, string>> {
  const nodes = (await client.list<Node>(resolveResource('nodes')!)).items;
  const worker = nodes.find((n) => !n.metadata.labels?.['node-role.kubernetes.io/control-plane']) ?? nodes[0];
  return {
    namespace: lab.namespace,
    nodeIP: worker?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
    ingress: ingress ? `127.0.0.1:${ingress.httpPort}` : '',
  };
}

export async function runChecks(
  ctx: LabContext,
  lab: Lab,
  o: { noWait?: boolean; timeoutMs?: number },
  clock: { now(): number; sleep(ms: number): Promise<void> } = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  },
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of lab.checks) {
    const timeout = o.noWait ? 0 : (o.timeoutMs ?? check.wait.timeoutMs);
    const deadline = clock.now() + timeout;
    let attempts = 0;
    for (;;) {
      attempts++;
      const r = await evaluate(ctx, check);
      if (r.passed || clock.now() + check.wait.intervalMs > deadline) {
        results.push({ check, passed: r.passed, evidence: r.evidence, attempts });
        break;
      }
      await clock.sleep(check.wait.intervalMs);
    }
  }
  return results;
}

export function registerLab(program: Command, env: CliEnv): void {
  const lab = program.command('lab').description('self-checking networking exercises: list, start, check, reset');
  const dirOpt = ['--dir <dir>', "labs folder (default: $KUBELAB_LABS, ./labs, or the checkout's labs/)"] as const;
  lab
    .command('list')
    .description('the exercises in the labs folder')
    .option(...dirOpt)
    .action(async (o: { dir?: string }) => {
      const labs = listLabs(labsDir(o.dir));
      env.io.out(
        renderTable([
          ['NAME', 'CHECKS', 'POINTS', 'TITLE'],
          ...labs.map((l) => [l.name, String(l.checks.length), String(l.checks.reduce((s, c) => s + c.weight, 0)), l.title]),
        ]),
      );
    });
  lab
    .command('start')
    .description('set an exercise up in its own namespace (a fresh one) and print its task')
    .argument('<name>', 'lab name, or a path to a lab folder')
    .option(...dirOpt)
    .action(async (name: string, o: { dir?: string }) => {
      const l = findLab(name, o.dir);
      await withClient(env, async (client) => {
        await deleteNamespace(client, l.namespace);
        await client.create(nsRes(), {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: l.namespace, labels: { [LAB_LABEL]: l.name } },
        });
      });
      for (const f of l.setup) {
        const r = await runSelf(env.clusterName(), ['apply', '-n', l.namespace, '-f', path.join(l.dir, f)]);
        if (r.code) throw new CliError(`setup ${f} failed:\n${r.out.trim()}`);
      }
      // The exercise starts from a settled cluster: every setup pod Ready (so it is behind its Services).
      const ready = await runSelf(env.clusterName(), [
        'wait',
        '-n',
        l.namespace,
        '--for=condition=Ready',
        'pods',
        '--all',
        '--timeout=120s',
      ]);
      if (ready.code) env.io.err(`warning: not every pod of the lab is Ready yet:\n${ready.out.trim()}`);
      env.io.out(`Lab "${l.name}": ${l.title}  (namespace ${l.namespace})`);
      env.io.out('');
      for (const line of l.task.trimEnd().split('\n')) env.io.out(line);
      env.io.out('');
      env.io.out('Check your work with: kubelab lab check [--hint]');
    });
  lab
    .command('check')
    .description('run the checks of the started lab (or NAME): ✓/✗ per check, points, exit 1 until solved')
    .argument('[name]', 'lab name (default: the one started)')
    .option('--hint', 'with each failure, its hint and the evidence seen')
    .option('--no-wait', 'one attempt per check (no retries)')
    .option('--timeout <d>', "retry each check at most this long (default: the check's own wait)")
    .option('-o, --output <format>', '"json": the results as one JSON object (for recording)')
    .option(...dirOpt)
    .action(async (name: string | undefined, o: { hint?: boolean; wait: boolean; timeout?: string; output?: string; dir?: string }) => {
      const solved = await withClient(env, async (client, cluster) => {
        const l = await currentLab(client, name, o.dir);
        const ctx: LabContext = {
          client,
          cluster: env.clusterName(),
          namespace: l.namespace,
          vars: await labVars(client, l, cluster.ingress),
          io: env.io,
        };
        const results = await runChecks(ctx, l, { noWait: !o.wait, timeoutMs: o.timeout ? parseDuration(o.timeout) : undefined });
        if (o.output === 'json') {
          const s = score(results);
          env.io.out(
            JSON.stringify({
              lab: l.name,
              time: new Date().toISOString(),
              ...s,
              checks: results.map((r) => ({
                name: r.check.name,
                kind: r.check.kind,
                weight: r.check.weight,
                passed: r.passed,
                attempts: r.attempts,
                evidence: r.evidence,
              })),
            }),
          );
        } else for (const line of reportLines(l, results, !!o.hint)) env.io.out(line);
        return score(results).passed;
      });
      if (!solved) throw new AlreadyReported(1);
    });
  lab
    .command('reset')
    .description('remove the started lab (or NAME): its namespace and everything in it')
    .argument('[name]', 'lab name (default: every started lab)')
    .option(...dirOpt)
    .action(async (name: string | undefined, o: { dir?: string }) => {
      await withClient(env, async (client) => {
        const namespaces = name ? [findLab(name, o.dir).namespace] : (await startedLabs(client)).map((n) => n.metadata.name!);
        for (const ns of namespaces) {
          await deleteNamespace(client, ns);
          env.io.out(`lab namespace ${ns} deleted`);
        }
        if (namespaces.length === 0) env.io.out('no lab started');
      });
    });
}
