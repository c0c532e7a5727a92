// Pod start-up figures (issue 3). Filled in once the kubelet runs pods; until then it reports that.
export async function benchPods() {
  return [];
}
