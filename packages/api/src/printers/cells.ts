// Cell values shared by every table: kubectl's AGE column.
import { humanDuration } from '../time';
import type { KubeObject } from '../types';

export function age(obj: KubeObject, now: number): string {
  const created = Date.parse(obj.metadata.creationTimestamp ?? '');
  return Number.isFinite(created) ? humanDuration(now - created) : '<unknown>';
}
