// `kubelab record [-o bundle.tar] [--duration 5m]` and `kubelab replay BUNDLE` (issue 15 item 5): a session's
// flows, drops, and the traces, captures and lab checks run meanwhile in one file, for a leader to grade or
// replay offline. Recording follows the cluster as `kubelab ui` does (informers and a flow read every
// second); commands on the same cluster add themselves through the journal (record/journal.ts).
import type { Command } from 'commander';
import Docker from 'dockerode';
import { type CliEnv, parseDuration, withClient } from '../command-kit';
import { CliError } from '../errors';
import { flowKey } from '../flows/flows';
import { BUNDLE_KIND, readBundle, type RecordBundle, writeBundle } from '../record/bundle';
import { endJournal, readJournal, startJournal } from '../record/journal';
import { replayText } from '../record/replay-text';
import { LiveGraph } from '../ui/live-graph';
import { untilStopped } from '../ui/until-stopped';

interface RecordOptions {
  output?: string;
  duration?: string;
}

export function registerRecord(program: Command, env: CliEnv, docker: () => Docker = () => new Docker()): void {
  program
    .command('record')
    .description('record flows, drops, and the traces, captures and lab checks run meanwhile, into one file')
    .option(
      '-o, --output <file>',
      'the bundle to write: a .tar (JSON parts, captures as pcapng members) or a .json',
      'kubelab-recording.tar',
    )
    .option('--duration <d>', 'stop after this long (e.g. 30s, 5m); default: until Ctrl-C')
    .action(async (o: RecordOptions) => {
      const file = o.output ?? 'kubelab-recording.tar';
      if (!file.endsWith('.tar') && !file.endsWith('.json')) throw new CliError(`--output must name a .tar or .json file, not "${file}"`);
      const durationMs = o.duration ? parseDuration(o.duration) : undefined;
      await withClient(env, async (client, cluster) => {
        const journal = startJournal(cluster.name);
        const started = new Date();
        let live: LiveGraph | undefined;
        try {
          live = await LiveGraph.start({
            client,
            docker: docker(),
            cluster: cluster.name,
            nodeSubnet: cluster.nodeSubnet,
            flowWindowMs: 7 * 24 * 3_600_000,
            onError: (err) => env.io.err(`kubelab record: ${err instanceof Error ? err.message : String(err)}`),
          });
          // Connections already in conntrack when the recording started are not the session's.
          const before = new Set(live.input().flows.map(flowKey));
          env.io.out(
            `Recording cluster "${cluster.name}" to ${file}${durationMs ? ` for ${o.duration}` : ''} (Ctrl-C to stop): flows, drops, and the traces, captures and lab checks run meanwhile`,
          );
          await untilStopped(durationMs);
          await live.readNow();
          const { flows, ...objects } = live.input();
          const ended = new Date();
          const bundle: RecordBundle = {
            kind: BUNDLE_KIND,
            version: 1,
            cluster: cluster.name,
            started: started.toISOString(),
            ended: ended.toISOString(),
            flows: flows.filter((f) => (f.verdict === 'DROPPED' ? (f.time ?? 0) >= started.getTime() : !before.has(flowKey(f)))),
            events: readJournal(journal),
            objects,
          };
          await writeBundle(file, bundle);
          const count = (k: string) => bundle.events.filter((e) => e.kind === k).length;
          const drops = bundle.flows.filter((f) => f.verdict === 'DROPPED').length;
          env.io.out(
            `Recorded ${bundle.flows.length} flows (${drops} dropped), ${count('trace')} traces, ${count('capture')} captures, ${count('lab-check')} lab checks to ${file}`,
          );
        } finally {
          endJournal(journal);
          await live?.close();
        }
      });
    });

  program
    .command('replay')
    .description('print a `kubelab record` bundle: its flows, traces, captures and lab checks (no cluster needed)')
    .argument('<bundle>', 'the file `kubelab record -o` wrote (.tar, or .json)')
    .option('--flows', 'print only the flows, as `kubelab flows` prints them')
    .action(async (bundle: string, o: { flows?: boolean }) => {
      for (const line of replayText(await readBundle(bundle), o.flows ? 'flows' : undefined)) env.io.out(line);
    });
}
