import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { boundCommand, ownerGone } from './node-docker';

/** Runs a bound command with a real shell; `closeAfter` ms later its stdin closes (as Docker's does). */
function runBound(cmd: string[], closeAfter?: number): Promise<{ code: number | null; ms: number }> {
  const [file, ...args] = boundCommand(cmd);
  const t0 = Date.now();
  const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'ignore'] });
  if (closeAfter !== undefined) setTimeout(() => child.stdin.end(), closeAfter);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, ms: Date.now() - t0 })));
}

describe('helpers bound to the CLI', () => {
  it('stop the command when their stdin closes, and only then', async () => {
    // A command that would run 30 s ends as soon as its stdin (the CLI's attach stream) closes.
    const r = await runBound(['sleep', '30'], 300);
    expect(r.ms).toBeLessThan(10_000);
    // A command that ends by itself gives its own status, with stdin still open.
    const own = await runBound(['sh', '-c', 'exit 3']);
    expect(own.code).toBe(3);
  });

  it("know which helpers' CLI is gone: same machine and a dead pid only", () => {
    const alive = (pid: number) => pid === 42;
    expect(ownerGone('box:42', 'box', alive)).toBe(false);
    expect(ownerGone('box:43', 'box', alive)).toBe(true);
    expect(ownerGone('other:43', 'box', alive)).toBe(false);
    expect(ownerGone(undefined, 'box', alive)).toBe(false);
    expect(ownerGone('my.host:name:7', 'my.host:name', alive)).toBe(true);
  });
});
