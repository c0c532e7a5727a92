// `kubelab auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL]` and `kubelab auth whoami`, as kubectl's: a
// SelfSubjectAccessReview (made as the --as user when given) answered from the API server's RBAC rules.
import type { Command } from 'commander';
import { resolveResource } from '@kubelab/api';
import { AlreadyReported, withClient, type CliEnv } from '../command-kit';
import { namespaceOf } from '../resource-args';
import { parseResource } from './rbac-builders';

interface CanIFlags {
  namespace?: string;
  allNamespaces?: boolean;
  subresource?: string;
  quiet?: boolean;
}

export function registerAuth(program: Command, env: CliEnv): void {
  const auth = program.command('auth').description('inspect authorization');
  auth
    .command('can-i')
    .description('check whether an action is allowed (add --as USER to ask for another user)')
    .argument('<verb>')
    .argument('<resource>', 'TYPE, TYPE/NAME or a non-resource URL (/healthz)')
    .option('-n, --namespace <ns>', 'namespace (default "default")')
    .option('-A, --all-namespaces', 'in all namespaces')
    .option('--subresource <name>', 'subresource, such as log or status')
    .option('-q, --quiet', 'print nothing; the exit code says')
    .action(async (verb: string, target: string, o: CanIFlags) => {
      let spec: object;
      if (target.startsWith('/')) spec = { nonResourceAttributes: { verb, path: target } };
      else {
        const [type, name] = target.split('/', 2);
        const { group, resource } = parseResource(type);
        const r = resolveResource(type);
        const namespace = o.allNamespaces || (r && !r.namespaced) ? '' : namespaceOf(o);
        spec = {
          resourceAttributes: {
            namespace,
            verb,
            group: group === '*' ? '*' : group,
            resource,
            ...(o.subresource ? { subresource: o.subresource } : {}),
            ...(name ? { name } : {}),
          },
        };
      }
      const allowed = await withClient(env, async (client) => {
        const { object } = await client.raw<{ status: { allowed: boolean; reason?: string } }>(
          'POST',
          '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
          { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec },
        );
        return object.status.allowed;
      });
      if (!o.quiet) env.io.out(allowed ? 'yes' : 'no');
      if (!allowed) throw new AlreadyReported(1);
    });
  auth
    .command('whoami')
    .description('print the user the API server sees (SelfSubjectReview)')
    .option('-o, --output <format>', 'json')
    .action(async (o: { output?: string }) => {
      await withClient(env, async (client) => {
        const { object } = await client.raw<{ status: { userInfo: { username: string; uid?: string; groups?: string[] } } }>(
          'POST',
          '/apis/authentication.k8s.io/v1/selfsubjectreviews',
          { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
        );
        if (o.output === 'json') return env.io.out(JSON.stringify(object, null, 2));
        const u = object.status.userInfo;
        const rows = [
          ['ATTRIBUTE', 'VALUE'],
          ['Username', u.username],
          ...(u.uid ? [['UID', u.uid]] : []),
          ['Groups', `[${(u.groups ?? []).join(' ')}]`],
        ];
        const width = Math.max(...rows.map((r) => r[0].length)) + 3;
        env.io.out(rows.map(([a, b]) => a.padEnd(width) + b).join('\n'));
      });
    });
}
