import { describe, expect, it } from 'vitest';
import {
  baseDockerfile,
  baseTag,
  echoDockerfile,
  hostNodeIsPortable,
  imageNames,
  imagePrefixFrom,
  nodeDockerfile,
  nodeImageHash,
  packagesFromScript,
  toolboxDockerfile,
} from './image-recipes';

describe('image recipes', () => {
  it('reads the package list from the debootstrap script', () => {
    expect(packagesFromScript('set -e\npackages=iptables,curl,tcpdump\nmirror=x\n')).toEqual(['iptables', 'curl', 'tcpdump']);
    expect(packagesFromScript('nothing here')).toContain('iproute2');
  });

  it('keys the base on script, node version and binary size', () => {
    const t = baseTag('s', 'v20.1.0', 100);
    expect(t).toMatch(/^[0-9a-f]{12}$/);
    expect(baseTag('s', 'v20.1.0', 100)).toBe(t);
    expect(baseTag('s2', 'v20.1.0', 100)).not.toBe(t);
    expect(baseTag('s', 'v20.1.1', 100)).not.toBe(t);
    expect(baseTag('s', 'v20.1.0', 101)).not.toBe(t);
  });

  it('keys the node image on base, recipe and every file, independent of order', () => {
    const a = { path: 'kubelab-node.mjs', content: Buffer.from('A') };
    const m = { path: 'kubelab-node.mjs.map', content: Buffer.from('M') };
    const h = nodeImageHash('base:1', 'FROM', [a, m]);
    expect(nodeImageHash('base:1', 'FROM', [m, a])).toBe(h);
    expect(nodeImageHash('base:2', 'FROM', [a, m])).not.toBe(h);
    expect(nodeImageHash('base:1', 'FROM', [a, { ...m, content: Buffer.from('M2') }])).not.toBe(h);
    expect(nodeImageHash('base:1', 'FROM', [a])).not.toBe(h);
  });

  it('copies the host node only where it runs in Debian', () => {
    expect(hostNodeIsPortable('linux', 'x64', { node_shared: false, node_shared_openssl: false })).toBe(true);
    expect(hostNodeIsPortable('linux', 'x64', { node_shared_libuv: true })).toBe(false);
    expect(hostNodeIsPortable('darwin', 'arm64', {})).toBe(false);
    expect(hostNodeIsPortable('linux', 'arm64', {})).toBe(false);
  });

  it('writes the Dockerfiles', () => {
    expect(baseDockerfile(['curl', 'iproute2'], true)).toMatch(
      /^FROM debian:bookworm-slim\nRUN apt-get update .*install -y --no-install-recommends curl iproute2 .*\nCOPY node \/usr\/local\/bin\/node\n/,
    );
    expect(baseDockerfile(['curl'], false)).toMatch(/^FROM node:20-bookworm-slim\n/);
    expect(baseDockerfile(['curl'], false)).not.toContain('COPY');
    expect(nodeDockerfile('kubelab/base:abc')).toBe(
      'FROM kubelab/base:abc\nCOPY image/ /opt/kubelab/\nWORKDIR /opt/kubelab\nCMD ["node","/opt/kubelab/kubelab-node.mjs"]\n',
    );
    expect(echoDockerfile('kubelab/node:h')).toContain('node /opt/kubelab/kubelab-node.mjs echo & child=$!; wait $child"]');
    expect(echoDockerfile('kubelab/node:h')).toContain('ENV PORT=8080 ECHO_PORT=9000\nEXPOSE 8080');
    expect(toolboxDockerfile('kubelab/node:h')).toBe(
      `FROM kubelab/node:h\nCMD ["sh","-c","trap 'exit 0' TERM INT; sleep infinity & wait"]\n`,
    );
  });
});

describe('image names', () => {
  it('puts every image under one repository prefix, kubelab by default', () => {
    expect(imageNames()).toEqual({
      baseRepo: 'kubelab/base',
      nodeRepo: 'kubelab/node',
      echoImage: 'kubelab/echo:latest',
      toolboxImage: 'kubelab/toolbox:latest',
    });
    expect(imageNames(imagePrefixFrom({ KUBELAB_IMAGE_PREFIX: 'kubelab-bench' })).nodeRepo).toBe('kubelab-bench/node');
    expect(imagePrefixFrom({})).toBe('kubelab');
  });

  it('refuses a prefix Docker could not use as a repository', () => {
    expect(() => imageNames('Bench')).toThrow('image prefix "Bench" is not a valid repository name');
    expect(() => imageNames('a//b')).toThrow(/not a valid repository name/);
    expect(imageNames('my.reg/lab').echoImage).toBe('my.reg/lab/echo:latest');
  });
});
