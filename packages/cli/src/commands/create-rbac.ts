// `kubelab create role|clusterrole|rolebinding|clusterrolebinding|serviceaccount|token`, with kubectl's flags.
import type { Command } from 'commander';
import { resolveResource, type KubeObject } from '@kubelab/api';
import { collect, withClient, type CliEnv } from '../command-kit';
import { namespaceOf } from '../resource-args';
import {
  buildClusterRole,
  buildClusterRoleBinding,
  buildRole,
  buildRoleBinding,
  buildServiceAccount,
  parseDuration,
  type BindingFlags,
  type RoleFlags,
} from './rbac-builders';

type Send = (obj: KubeObject, cmd: Command) => Promise<void>;

const roleFlags = (cmd: Command): Command =>
  cmd
    .argument('<name>')
    .option('--verb <verbs>', 'verbs that apply to the resources in the rule (get,list,...); repeatable', collect)
    .option('--resource <resources>', 'resources the rule applies to (pods, pods/log, deployments.apps); repeatable', collect)
    .option('--resource-name <names>', 'names of the resources the rule applies to; repeatable', collect);

const bindingFlags = (cmd: Command): Command =>
  cmd
    .argument('<name>')
    .option('--clusterrole <name>', 'ClusterRole this binding refers to')
    .option('--user <name>', 'user to bind the role to; repeatable', collect)
    .option('--group <name>', 'group to bind the role to; repeatable', collect)
    .option('--serviceaccount <namespace:name>', 'ServiceAccount to bind the role to; repeatable', collect);

export function registerCreateRbac(create: Command, send: Send, env: CliEnv): void {
  const ns = (cmd: Command): string | undefined => cmd.optsWithGlobals<{ namespace?: string }>().namespace;
  roleFlags(create.command('role').description('create a role with single rule')).action(async (name: string, o: RoleFlags, cmd: Command) =>
    send(buildRole(name, o, ns(cmd)), cmd),
  );
  roleFlags(create.command('clusterrole').description('create a cluster role'))
    .option('--non-resource-url <urls>', 'non-resource URLs the rule applies to (/healthz); repeatable', collect)
    .action(async (name: string, o: RoleFlags, cmd: Command) => send(buildClusterRole(name, o), cmd));
  bindingFlags(create.command('rolebinding').description('create a role binding for a particular role or cluster role'))
    .option('--role <name>', 'Role this binding refers to')
    .action(async (name: string, o: BindingFlags, cmd: Command) => send(buildRoleBinding(name, o, ns(cmd)), cmd));
  bindingFlags(create.command('clusterrolebinding').description('create a cluster role binding for a particular cluster role')).action(
    async (name: string, o: BindingFlags, cmd: Command) => send(buildClusterRoleBinding(name, o), cmd),
  );
  create
    .command('serviceaccount')
    .alias('sa')
    .description('create a service account with the specified name')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => send(buildServiceAccount(name, ns(cmd)), cmd));
  create
    .command('token')
    .description('request a service account token (TokenRequest) and print it')
    .argument('<serviceaccount>')
    .option('--duration <duration>', 'requested lifetime (e.g. 10m, 1h); the server may return another', '0')
    .option('--audience <audience>', 'audience of the token; repeatable (default: the API server)', collect)
    .option('--bound-object-kind <kind>', 'kind of an object to bind the token to: Pod, Secret or Node')
    .option('--bound-object-name <name>', 'name of the object to bind the token to')
    .option('--bound-object-uid <uid>', 'UID of the object to bind the token to')
    .action(
      async (
        sa: string,
        o: { duration: string; audience?: string[]; boundObjectKind?: string; boundObjectName?: string; boundObjectUid?: string },
        cmd: Command,
      ) => {
        const seconds = parseDuration(o.duration);
        const namespace = namespaceOf({ namespace: ns(cmd) });
        const body = {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            ...(o.audience?.length ? { audiences: o.audience } : {}),
            ...(seconds ? { expirationSeconds: seconds } : {}),
            ...(o.boundObjectKind
              ? {
                  boundObjectRef: {
                    kind: o.boundObjectKind,
                    apiVersion: 'v1',
                    name: o.boundObjectName,
                    ...(o.boundObjectUid ? { uid: o.boundObjectUid } : {}),
                  },
                }
              : {}),
          },
        };
        const r = resolveResource('serviceaccounts')!;
        const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/${r.plural}/${encodeURIComponent(sa)}/token`;
        await withClient(env, async (client) => {
          const { object } = await client.raw<{ status: { token: string } }>('POST', path, body);
          env.io.out(object.status.token);
        });
      },
    );
}
