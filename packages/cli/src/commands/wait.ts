// `kubelab wait --for=condition=Ready pod/web [--timeout=60s]`, `--for=delete`, `-l` selectors: kubectl's
// wait, the step between `apply` and `exec` in every lesson.
import type { Command } from 'commander';
import { StatusError, type KubeObject, type ResourceInfo } from '@kubelab/api';
import type { KubeClient } from '@kubelab/client';
import { parseDuration, withClient, type CliEnv } from '../command-kit';
import { CliError } from '../errors';
import { pollUntil, PollTimeout } from '../poll';
import { kindName, namespaceOf, parseResourceArgs } from '../resource-args';

export type WaitFor = { condition: string; status: string } | { delete: true } | { jsonpath: string[]; value: string };

/** Parses `condition=Ready`, `condition=Ready=False`, `delete`. */
export function parseWaitFor(text: string | undefined): WaitFor {
  if (!text) throw new CliError('--for must be set: condition=NAME[=STATUS] or delete');
  if (text === 'delete') return { delete: true };
  const m = text.match(/^condition=([^=]+)(?:=(.*))?$/);
  if (m) return { condition: m[1].toLowerCase(), status: (m[2] ?? 'true').toLowerCase() };
  throw new CliError(`unrecognized condition: "${text}"`);
}

/** Pure: does the object meet the condition? Conditions compare case-insensitively, as kubectl's do. */
export function conditionMet(obj: KubeObject, want: { condition: string; status: string }): boolean {
  const status = obj.status as { conditions?: { type: string; status: string }[] } | undefined;
  return (status?.conditions ?? []).some((c) => c.type.toLowerCase() === want.condition && c.status.toLowerCase() === want.status);
}

async function waitOne(
  client: KubeClient,
  r: ResourceInfo,
  name: string,
  ns: string | undefined,
  forWhat: WaitFor,
  timeoutMs: number,
): Promise<string> {
  const ref = `${kindName(r)}/${name}`;
  if ('delete' in forWhat) {
    await pollUntil(
      async () => {
        try {
          await client.get(r, name, ns);
          return false;
        } catch (err) {
          if (err instanceof StatusError && err.reason === 'NotFound') return true;
          throw err;
        }
      },
      { intervalMs: 250, timeoutMs, waitingFor: `${ref} to be deleted` },
    );
    return `${ref} condition met`;
  }
  if (!('condition' in forWhat)) throw new CliError('unsupported --for');
  await pollUntil(async () => conditionMet(await client.get(r, name, ns), forWhat), {
    intervalMs: 250,
    timeoutMs,
    waitingFor: `the condition on ${ref}`,
  });
  return `${ref} condition met`;
}

export function registerWait(program: Command, env: CliEnv): void {
  program
    .command('wait')
    .description('wait for a condition on one or many resources')
    .argument('<resource...>', 'TYPE/NAME..., TYPE NAME..., or TYPE with -l/--all')
    .requiredOption('--for <condition>', 'condition=NAME[=STATUS] or delete')
    .option('--timeout <duration>', 'give up after this long (e.g. 30s, 2m)', '30s')
    .option('-l, --selector <selector>', 'label selector')
    .option('--all', 'all objects of the type in the namespace')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .action(async (args: string[], o: { for: string; timeout: string; selector?: string; all?: boolean; namespace?: string }) => {
      const forWhat = parseWaitFor(o.for);
      const timeoutMs = parseDuration(o.timeout);
      const ns = namespaceOf(o);
      await withClient(env, async (client) => {
        for (const { resource, names } of parseResourceArgs(args)) {
          const scope = resource.namespaced ? ns : undefined;
          let targets = names;
          if (targets.length === 0) {
            if (!o.selector && !o.all) throw new CliError('resource(s) were provided, but no name was specified');
            targets = (await client.list(resource, scope, { labelSelector: o.selector })).items.map((x) => x.metadata.name!);
            if (targets.length === 0) throw new CliError('no matching resources found');
          }
          for (const name of targets) {
            try {
              env.io.out(await waitOne(client, resource, name, scope, forWhat, timeoutMs));
            } catch (err) {
              if (err instanceof PollTimeout) throw new CliError(`timed out waiting for the condition on ${kindName(resource)}/${name}`);
              throw err;
            }
          }
        }
      });
    });
}
