// The CLI's commands as `kubelab --help` lists them, and where each one's code is. main.ts imports a
// module only for the command it runs (esbuild splits the bundle at these imports), so a command's start-up
// does not pay for every other command's dependencies. command-table.test.ts checks the table against what
// the modules register.
import type { Command } from 'commander';
import type { CliEnv } from './command-kit';

export type Register = (program: Command, env: CliEnv) => void;

export interface TableCommand {
  name: string;
  /** Its line's left column in `kubelab --help` (commander's subcommandTerm: name, [options], arguments). */
  term: string;
  description: string;
  hidden?: boolean;
}

/** A module's register function (loaded on demand) and the top-level commands it registers, in --help order. */
export interface CommandGroup {
  load(): Promise<Register>;
  commands: TableCommand[];
}

export const commandTable: CommandGroup[] = [
  {
    load: async () => (await import('./commands/lifecycle')).registerCluster,
    commands: [
      { name: 'cluster', term: 'cluster', description: 'create, delete and list clusters' },
      { name: 'images', term: 'images', description: 'build kubelab images (needed before `docker compose up`)' },
      {
        name: 'get-kubeconfig',
        term: 'get-kubeconfig [options]',
        description: 'print the kubeconfig of a cluster (kubelab get kubeconfig --name NAME)',
        hidden: true,
      },
    ],
  },
  {
    load: async () => (await import('./commands/get')).registerGet,
    commands: [{ name: 'get', term: 'get [options] <resource...>', description: 'display one or many resources' }],
  },
  {
    load: async () => (await import('./commands/describe')).registerDescribe,
    commands: [
      {
        name: 'describe',
        term: 'describe [options] <resource...>',
        description: 'show details of a specific resource or group of resources',
      },
    ],
  },
  {
    load: async () => (await import('./commands/apply')).registerApply,
    commands: [{ name: 'apply', term: 'apply [options]', description: 'apply a configuration to a resource by file name or stdin' }],
  },
  {
    load: async () => (await import('./commands/create')).registerCreate,
    commands: [
      { name: 'create', term: 'create [options]', description: 'create a resource from a file or from stdin, or with a subcommand' },
    ],
  },
  {
    load: async () => (await import('./commands/auth')).registerAuth,
    commands: [{ name: 'auth', term: 'auth', description: 'inspect authorization' }],
  },
  {
    load: async () => (await import('./commands/run')).registerRun,
    commands: [{ name: 'run', term: 'run [options] <name> [words...]', description: 'create and run a particular image in a pod' }],
  },
  {
    load: async () => (await import('./commands/expose')).registerExpose,
    commands: [
      {
        name: 'expose',
        term: 'expose [options] <resource...>',
        description: 'take a pod, deployment, replica set or service and expose it as a new Kubernetes service',
      },
    ],
  },
  {
    load: async () => (await import('./commands/delete')).registerDelete,
    commands: [
      {
        name: 'delete',
        term: 'delete [options] [resource...]',
        description: 'delete resources by file names, stdin, resources and names, or by resources and label selector',
      },
    ],
  },
  {
    load: async () => (await import('./commands/scale')).registerScale,
    commands: [{ name: 'scale', term: 'scale [options] <resource...>', description: 'set a new size for a deployment or replica set' }],
  },
  {
    load: async () => (await import('./commands/rollout')).registerRollout,
    commands: [{ name: 'rollout', term: 'rollout', description: 'manage the rollout of a deployment' }],
  },
  {
    load: async () => (await import('./commands/wait')).registerWait,
    commands: [{ name: 'wait', term: 'wait [options] <resource...>', description: 'wait for a condition on one or many resources' }],
  },
  {
    load: async () => (await import('./commands/exec')).registerExec,
    commands: [{ name: 'exec', term: 'exec [options] <pod> [command...]', description: 'execute a command in a container' }],
  },
  {
    load: async () => (await import('./commands/attach')).registerAttach,
    commands: [
      {
        name: 'attach',
        term: 'attach [options] <pod>',
        description: 'attach to a process that is already running inside an existing container',
      },
    ],
  },
  {
    load: async () => (await import('./commands/logs')).registerLogs,
    commands: [{ name: 'logs', term: 'logs [options] <pod> [container]', description: 'print the logs for a container in a pod' }],
  },
  {
    load: async () => (await import('./commands/port-forward')).registerPortForward,
    commands: [
      {
        name: 'port-forward',
        term: 'port-forward [options] <target> <ports...>',
        description: 'forward one or more local ports to a pod (pod/NAME, svc/NAME or deployment/NAME)',
      },
    ],
  },
  {
    load: async () => (await import('./commands/service')).registerService,
    commands: [
      {
        name: 'service',
        term: 'service [options] <name>',
        description: 'reach a Service from this machine: a local URL per TCP port, kept open until interrupted (like minikube service)',
      },
    ],
  },
  {
    load: async () => (await import('./commands/node')).registerNode,
    commands: [{ name: 'node', term: 'node', description: "look inside a node's network" }],
  },
  {
    load: async () => (await import('./commands/netpol')).registerNetpol,
    commands: [{ name: 'netpol', term: 'netpol', description: 'NetworkPolicy enforcement: what the nodes dropped' }],
  },
  {
    load: async () => (await import('./commands/top')).registerTop,
    commands: [{ name: 'top', term: 'top', description: 'display resource (CPU/memory) usage of pods or nodes' }],
  },
  {
    load: async () => (await import('./commands/capture')).registerCapture,
    commands: [
      {
        name: 'capture',
        term: 'capture [options] <target>',
        description: "tcpdump in a pod's or a node's network namespace, as text or a pcapng file",
      },
    ],
  },
  {
    load: async () => (await import('./commands/dns-trace')).registerDnsTrace,
    commands: [{ name: 'dns', term: 'dns', description: "look at the cluster DNS's work" }],
  },
  {
    load: async () => (await import('./commands/doctor')).registerDoctor,
    commands: [
      {
        name: 'doctor',
        term: 'doctor [options]',
        description: 'check Services, NetworkPolicies, policy enforcement and DNS; exit 1 when something is wrong',
      },
    ],
  },
  {
    load: async () => (await import('./commands/netem')).registerNetem,
    commands: [
      { name: 'netem', term: 'netem', description: 'impair a pod, a node or a pair A--B on purpose: delay, jitter, loss, rate' },
      {
        name: 'partition',
        term: 'partition [options] <a> <b>',
        description: 'cut A and B off from each other: every packet between them dropped, both ways, open connections too',
      },
      { name: 'heal', term: 'heal [options] [a] [b]', description: 'undo `partition A B` (no arguments: every partition)' },
    ],
  },
  {
    load: async () => (await import('./commands/policy')).registerPolicy,
    commands: [{ name: 'policy', term: 'policy', description: 'NetworkPolicy: explain a verdict, or what a change would do' }],
  },
  {
    load: async () => (await import('./commands/lab')).registerLab,
    commands: [{ name: 'lab', term: 'lab', description: 'self-checking networking exercises: list, start, check, reset' }],
  },
  {
    load: async () => (await import('./commands/trace')).registerTrace,
    commands: [
      {
        name: 'trace',
        term: 'trace [options] <src> <dst>',
        description:
          "one packet's path hop by hop: each rule it meets (with the object that made it), NAT, routes, and the kernel's counters and trace as evidence",
      },
    ],
  },
  {
    load: async () => (await import('./commands/etcdctl')).registerEtcdctl,
    commands: [
      {
        name: 'etcdctl',
        term: 'etcdctl [args...]',
        description: "run etcdctl in the control plane against the cluster's etcd, e.g. etcdctl get /registry/pods/default/web",
      },
    ],
  },
  {
    load: async () => (await import('./commands/flows')).registerFlows,
    commands: [
      {
        name: 'flows',
        term: 'flows [options]',
        description:
          "connections the nodes forwarded and packets NetworkPolicy dropped, with pods, Services and the deciding policies (Hubble's flags)",
      },
    ],
  },
  {
    load: async () => (await import('./commands/graph')).registerGraph,
    commands: [
      { name: 'graph', term: 'graph [options]', description: 'print the cluster map (what `kubelab ui` draws): Graphviz DOT or JSON' },
    ],
  },
  {
    load: async () => (await import('./commands/ui')).registerUi,
    commands: [
      {
        name: 'ui',
        term: 'ui [options]',
        description: 'serve the live cluster map on http://127.0.0.1:PORT (nodes, pods, Services, Ingresses, policies, flows)',
      },
    ],
  },
  {
    load: async () => (await import('./commands/record')).registerRecord,
    commands: [
      {
        name: 'record',
        term: 'record [options]',
        description: 'record flows, drops, and the traces, captures and lab checks run meanwhile, into one file',
      },
      {
        name: 'replay',
        term: 'replay [options] <bundle>',
        description: 'print a `kubelab record` bundle: its flows, traces, captures and lab checks (no cluster needed)',
      },
    ],
  },
  {
    load: async () => (await import('./commands/lifecycle')).registerVersion,
    commands: [{ name: 'version', term: 'version [options]', description: 'print the client and server versions' }],
  },
];
