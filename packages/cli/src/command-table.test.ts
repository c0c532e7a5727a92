import { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { clusterFlag, commandWord, routeGetKubeconfig } from './argv';
import { stdio } from './command-kit';
import { commandTable } from './command-table';

describe('command table', () => {
  it('lists each module’s top-level commands as the module registers them (name, help term, description)', async () => {
    const help = new Help();
    for (const group of commandTable) {
      const program = new Command('kubelab');
      (await group.load())(program, { io: stdio, clusterName: () => 'kubelab' });
      const registered = program.commands.map((c) => ({
        name: c.name(),
        term: help.subcommandTerm(c),
        description: c.description(),
        ...((c as unknown as { _hidden: boolean })._hidden ? { hidden: true } : {}),
      }));
      expect(registered).toEqual(group.commands);
    }
  }, 60_000);

  it('names every command once', () => {
    const names = commandTable.flatMap((g) => g.commands.map((c) => c.name));
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('commandWord', () => {
  it('is the first operand after the program options', () => {
    expect(commandWord(['get', 'pods'])).toBe('get');
    expect(commandWord(['--cluster', 'x', 'exec', 'p', '--', 'true'])).toBe('exec');
    expect(commandWord(['--cluster=x', '--as', 'u', '--as-group', 'g', '--as-group=h', 'logs', 'p'])).toBe('logs');
    expect(commandWord(['-h', 'get'])).toBe('get');
    expect(commandWord(['--', 'get'])).toBe('get');
  });

  it('is the named command for help, and nothing for bare help or an unknown option first', () => {
    expect(commandWord(['help', 'get'])).toBe('get');
    expect(commandWord(['help'])).toBe('help');
    expect(commandWord([])).toBeUndefined();
    expect(commandWord(['--help'])).toBeUndefined();
    expect(commandWord(['-n', 'default', 'get', 'pods'])).toBeUndefined();
  });

  it('sees get kubeconfig as the hidden get-kubeconfig', () => {
    const argv = routeGetKubeconfig(['node', 'kubelab', '--cluster', 'x', 'get', 'kubeconfig', '--internal']);
    expect(argv).toEqual(['node', 'kubelab', '--cluster', 'x', 'get-kubeconfig', '--internal']);
    expect(commandWord(argv.slice(2))).toBe('get-kubeconfig');
  });
});

describe('clusterFlag', () => {
  it('is the --cluster given before the command, in either spelling', () => {
    expect(clusterFlag(['--cluster', 'a', 'get', 'pods'])).toBe('a');
    expect(clusterFlag(['--as', 'u', '--cluster=b', 'exec', 'p'])).toBe('b');
    expect(clusterFlag(['get', 'pods', '--cluster', 'c'])).toBeUndefined();
    expect(clusterFlag(['get', 'pods'])).toBeUndefined();
  });
});
