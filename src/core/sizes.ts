import { Size, SizeRoundingBehavior } from 'cdk8s';
import { VolumeReclaimPolicy } from './storage';
import { assertInteger, propError, show } from './validate';

/**
 * A Size as a Kubernetes quantity in the largest exact binary unit, or undefined when it
 * is not a positive whole number of KiB.
 */
export function sizeToQuantity(size: Size): { quantity: string; kib: number } | undefined {
  let kib: number;
  try {
    kib = size.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  } catch {
    return undefined;
  }
  if (!Number.isFinite(kib) || !Number.isInteger(kib) || kib <= 0 || kib > 2 ** 50) return undefined;
  const units: Array<[string, number]> = [['Pi', 1024 ** 4], ['Ti', 1024 ** 3], ['Gi', 1024 ** 2], ['Mi', 1024], ['Ki', 1]];
  for (const [unit, factor] of units) {
    if (kib % factor === 0) return { quantity: `${kib / factor}${unit}`, kib };
  }
  return undefined;
}

/**
 * Validates a Size prop and returns it as a quantity.
 */
export function assertSize(construct: string, prop: string, size: unknown): { quantity: string; kib: number } {
  const q = size instanceof Size ? sizeToQuantity(size) : undefined;
  if (!q) {
    throw propError(construct, prop, size instanceof Size ? describeSize(size) : size, 'must be a positive, whole number of KiB (e.g. Size.mebibytes(100), Size.gibibytes(10))');
  }
  return q;
}

function describeSize(size: Size): string {
  try {
    return `${size.toKibibytes({ rounding: SizeRoundingBehavior.NONE })}KiB`;
  } catch {
    return show(size);
  }
}

/**
 * Validated static-volume settings.
 */
export function validateReclaimPolicy(construct: string, prop: string, policy: unknown): VolumeReclaimPolicy {
  if (policy === VolumeReclaimPolicy.RECYCLE) {
    throw propError(construct, prop, policy,
      'Recycle is deprecated by Kubernetes and wipes the volume (rm -rf) for the next claim; use VolumeReclaimPolicy.RETAIN (keeps the data, the default) or VolumeReclaimPolicy.DELETE (explicit opt-in to deleting it)');
  }
  if (policy !== VolumeReclaimPolicy.RETAIN && policy !== VolumeReclaimPolicy.DELETE) {
    throw propError(construct, prop, policy, 'must be VolumeReclaimPolicy.RETAIN or VolumeReclaimPolicy.DELETE');
  }
  return policy;
}

export function assertCount(construct: string, prop: string, value: unknown, min: number): number {
  return assertInteger(construct, prop, value, min, 10_000);
}
