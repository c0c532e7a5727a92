// When a long-running command (`ui`, `record`) stops: Ctrl-C, SIGTERM, an optional duration, or its parent
// going away. The last one matters under `npx kubelab ui &`: npm does not pass SIGTERM on to the node
// process it started, so `kill %1` ends npm and would leave the server running, orphaned, on its port.
export function untilStopped(durationMs?: number, pollMs = 500): Promise<string> {
  return new Promise((resolve) => {
    const parent = process.ppid;
    const done = (why: string) => {
      clearTimeout(timer);
      clearInterval(orphan);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(why);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const timer = durationMs !== undefined ? setTimeout(() => done('duration'), durationMs) : undefined;
    const orphan = setInterval(() => {
      if (process.ppid !== parent) done('parent exited');
    }, pollMs);
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}
