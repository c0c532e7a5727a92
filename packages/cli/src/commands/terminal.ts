// The local end of exec/attach sessions: kubectl's SetupTTY rules (a TTY only with -i, and only when stdin
// is a terminal), raw mode for the session, terminal size reporting, and releasing stdin afterwards.
import type { Io } from '../command-kit';
import type { SessionStreams } from '../streams/api-streams';

export interface TerminalFlags {
  stdin?: boolean;
  tty?: boolean;
  quiet?: boolean;
}

export async function terminalSession<T>(flags: TerminalFlags, io: Io, run: (streams: SessionStreams) => Promise<T>): Promise<T> {
  let tty = !!flags.tty && !!flags.stdin;
  if (tty && !process.stdin.isTTY) {
    if (!flags.quiet) io.err('Unable to use a TTY - input is not a terminal or the right kind of file');
    tty = false;
  }
  if (tty) process.stdin.setRawMode(true);
  try {
    return await run({
      stdin: flags.stdin ? process.stdin : undefined,
      stdout: process.stdout,
      stderr: process.stderr,
      tty,
      size: () => ({ rows: process.stdout.rows ?? 24, columns: process.stdout.columns ?? 80 }),
      onResize: (listener) => {
        process.stdout.on('resize', listener);
        return () => process.stdout.off('resize', listener);
      },
    });
  } finally {
    if (tty) process.stdin.setRawMode(false);
    // A stdin left flowing would keep the process alive after the session ended.
    if (flags.stdin) process.stdin.destroy();
  }
}
