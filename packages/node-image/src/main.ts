// The one program inside kubelab's containers. Its arguments name the roles to run in this process:
//   control plane: `apiserver node-agent`   workers: `node-agent`   lab workload: `echo`
//   cluster DNS (a pod in kube-system): `dns`
//   Compose's credentials step (compose.yaml): `pki-init`, which writes them and exits   ingress router (a pod in ingress-nginx): `ingress`
// One process per container keeps an idle cluster small (DESIGN target: under 250 MB for 1+2 nodes).
import pino from 'pino';

const log = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { node: process.env.NODE_NAME } });

interface Closable {
  close(): Promise<void>;
}

const known = ['apiserver', 'node-agent', 'echo', 'dns', 'ingress'];

async function start(role: string): Promise<Closable> {
  switch (role) {
    case 'apiserver':
      return (await import('@kubelab/apiserver')).runApiServerFromEnv(log);
    case 'node-agent':
      return (await import('@kubelab/node-agent')).runNodeAgentFromEnv(log);
    case 'echo':
      return (await import('@kubelab/echo')).runEchoFromEnv();
    case 'dns':
      return (await import('@kubelab/dns')).runDnsFromEnv(log);
    case 'ingress':
      return (await import('@kubelab/ingress')).runIngressFromEnv(log);
    default:
      throw new Error(`unknown role "${role}"; known roles: ${known.join(', ')}`);
  }
}

// Several roles share this process (the control plane runs the API server and a node agent), so one role's
// stray rejection must not take the others down: log it and keep serving. A thrown exception may have left
// state half-written, so that one still ends the process (Docker restarts the node container).
process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));
process.on('uncaughtException', (err) => {
  log.fatal({ err }, 'uncaught exception');
  process.exit(1);
});

async function main(): Promise<void> {
  const roles = process.argv.slice(2);
  // A one-shot step, not a role that keeps serving: Compose runs it before the control plane (compose.yaml).
  if (roles[0] === 'pki-init') {
    const { pkiInitConfigFromEnv, runPkiInit } = await import('@kubelab/cluster');
    const made = runPkiInit(pkiInitConfigFromEnv(process.env));
    log.info({ made }, made ? 'cluster credentials written' : 'cluster credentials already present');
    return;
  }
  if (roles.length === 0) {
    console.error(`usage: kubelab-node ROLE...  (roles: ${known.join(', ')})`);
    process.exit(2);
  }
  const running: Closable[] = [];
  // As PID 1 this process ignores SIGTERM until it handles it, and starting the roles takes a second or more
  // on a busy machine: a pod deleted meanwhile (Ready as soon as it runs) would wait out its whole grace
  // period. Until the roles run, a signal ends the process at once: nothing has state to close yet.
  let stop = async (signal: string): Promise<void> => {
    log.info({ signal }, 'stopping before the roles started');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  for (const role of roles) running.push(await start(role));
  let stopping = false;
  stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    // Whatever a role waits for, the process ends before Docker's default stop timeout (10 s) would kill it.
    setTimeout(() => {
      log.warn('roles did not stop within 9 s; exiting anyway');
      process.exit(0);
    }, 9_000).unref();
    await Promise.allSettled(running.reverse().map((r) => r.close()));
    process.exit(0);
  };
}

main().catch((err) => {
  log.fatal({ err }, 'failed to start');
  process.exit(1);
});
