// One process of the image-build-lock test: under the machine-wide build lock, builds a throwaway image unless
// it is present, printing what it did (`waiting for <pid>`, `holding the lock`, then `built` or `present`).
// Usage: node --import tsx test/support/build-once.ts <tag> <lock file>
import { withLock } from '../../packages/cluster/src/build-lock';
import { buildImage, imageLabels } from '../../packages/cluster/src/docker';

const [tag, lockFile] = process.argv.slice(2);
await withLock(lockFile, { purpose: `build-once ${process.pid}`, onWait: (h) => console.log(`waiting for ${h?.pid}`) }, async () => {
  console.log('holding the lock');
  if (await imageLabels(tag)) {
    console.log('present');
    return;
  }
  // Slow enough that the second process surely arrives while this one builds.
  const dockerfile = 'FROM kubelab/toolbox:latest\nRUN sleep 2 && echo built > /built\n';
  await buildImage({ tag, labels: { 'kubelab.test': 'build-lock' }, files: [{ name: 'Dockerfile', content: dockerfile }] });
  console.log('built');
});
