import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertCount, assertSize, validateReclaimPolicy } from './sizes';
import { ClaimTemplateProps, VolumeReclaimPolicy } from './storage';
import { assertDnsSubdomain, assertOneOf, assertUnique, propError } from './validate';

const C = 'PetService';

/** A validated claim template. */
export interface ClaimInfo {
  readonly props: ClaimTemplateProps;
  readonly quantity: string;
  readonly kib: number;
  readonly accessModes: kplus.PersistentVolumeAccessMode[];
  readonly volumeMode: kplus.PersistentVolumeMode;
  readonly storageClassName?: string;
  readonly placeholder: kplus.Volume;
}

/** What the static volumes of a pet's claim need to know about the pet. */
export interface StaticVolumeOwner {
  readonly name: string;
  readonly namespace?: string;
  readonly replicas: number;
  readonly ordinalsStart: number;
  readonly labels: { [key: string]: string };
  /** The static volumes created so far (their names must not clash). */
  readonly existing: ApiObject[];
}

/**
 * The PersistentVolumes of a claim template's `staticVolumes`: one per ordinal, pre-bound
 * (`claimRef`) to the claim of that ordinal, Retained unless asked otherwise.
 */
export function createStaticVolumes(scope: Construct, pet: StaticVolumeOwner, claim: ClaimInfo, prop: string): ApiObject[] {
  const created: ApiObject[] = [];
  const opts = claim.props.staticVolumes!;
  if (pet.namespace === undefined) {
    throw propError(C, 'namespace', undefined, `is required with ${prop}: each PersistentVolume is pre-bound (claimRef) to a claim in that namespace`);
  }
  const count = assertCount(C, `${prop}.count`, opts.count ?? pet.replicas, 1);
  if (count < pet.replicas) {
    throw propError(C, `${prop}.count`, count, `must be at least replicas (${pet.replicas}): a pod without a volume would stay Pending`);
  }
  const capacity = opts.capacity === undefined ? { quantity: claim.quantity, kib: claim.kib } : assertSize(C, `${prop}.capacity`, opts.capacity);
  if (capacity.kib < claim.kib) {
    throw propError(C, `${prop}.capacity`, capacity.quantity, `must be at least the claim's request (${claim.quantity}), or the claim cannot bind`);
  }
  const reclaim = validateReclaimPolicy(C, `${prop}.reclaimPolicy`, opts.reclaimPolicy ?? VolumeReclaimPolicy.RETAIN);
  if (opts.source === undefined || opts.source === null || typeof (opts.source as any)._toKube !== 'function') {
    throw propError(C, `${prop}.source`, opts.source, 'must be a StaticVolumeSource (hostPath, local or nfs)');
  }
  opts.source._validate(C, `${prop}.source`, count);
  const prefix = opts.namePrefix ?? `${pet.namespace}-${claim.props.name}-${pet.name}`;
  assertDnsSubdomain(C, `${prop}.namePrefix`, `${prefix}-${pet.ordinalsStart + count - 1}`);
  if (pet.existing.some(v => v.name.startsWith(`${prefix}-`) && /^\d+$/.test(v.name.slice(prefix.length + 1)))) {
    throw propError(C, `${prop}.namePrefix`, prefix, 'must be unique: another claim template\'s static volumes already use it (PersistentVolume names are cluster-wide)');
  }
  for (let index = 0; index < count; index++) {
    const ordinal = pet.ordinalsStart + index;
    const source = opts.source._toKube(ordinal, index);
    created.push(new kplus.k8s.KubePersistentVolume(scope, `Volume-${claim.props.name}-${ordinal}`, {
      metadata: { name: `${prefix}-${ordinal}`, labels: { ...pet.labels, 'cdk8s-stateful/claim': claim.props.name, 'cdk8s-stateful/ordinal': String(ordinal) } },
      spec: {
        ...source,
        capacity: { storage: kplus.k8s.Quantity.fromString(capacity.quantity) },
        accessModes: claim.accessModes,
        volumeMode: claim.volumeMode,
        storageClassName: claim.storageClassName,
        persistentVolumeReclaimPolicy: reclaim,
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: pet.namespace,
          name: `${claim.props.name}-${pet.name}-${ordinal}`,
        },
      },
    }));
  }
  return created;
}

/** The validated storage fields of a claim template; `f` maps a field to the prop to name in errors. */
export function parseClaimTemplate(props: ClaimTemplateProps, f: (field: string) => string): Pick<ClaimInfo, 'quantity' | 'kib' | 'accessModes' | 'volumeMode' | 'storageClassName'> {
  const { quantity, kib } = assertSize(C, f('size'), props.size);
  const accessModes = props.accessModes ?? [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE];
  if (!Array.isArray(accessModes) || accessModes.length === 0) {
    throw propError(C, f('accessModes'), accessModes, 'must list at least one access mode');
  }
  accessModes.forEach((m, i) => assertOneOf(C, `${f('accessModes')}[${i}]`, m, Object.values(kplus.PersistentVolumeAccessMode)));
  assertUnique(C, f('accessModes'), accessModes);
  const volumeMode = assertOneOf(C, f('volumeMode'), props.volumeMode ?? kplus.PersistentVolumeMode.FILE_SYSTEM,
    [kplus.PersistentVolumeMode.FILE_SYSTEM, kplus.PersistentVolumeMode.BLOCK]);
  if (props.storageClassName !== undefined && props.storageClassName !== '') {
    assertDnsSubdomain(C, f('storageClassName'), props.storageClassName);
  }
  const storageClassName = props.storageClassName ?? (props.staticVolumes ? '' : undefined);
  if (props.subPath !== undefined && (typeof props.subPath !== 'string' || props.subPath.startsWith('/') || props.subPath.split('/').includes('..'))) {
    throw propError(C, f('subPath'), props.subPath, 'must be a relative path without \'..\'');
  }
  return { quantity, kib, accessModes, volumeMode, storageClassName };
}

/** The StatefulSet's `volumeClaimTemplates`. */
export function claimTemplateSpecs(claims: ClaimInfo[], selectorLabels: { [key: string]: string }): kplus.k8s.KubePersistentVolumeClaimProps[] {
  return claims.map(c => ({
    metadata: { name: c.props.name, labels: selectorLabels },
    spec: {
      accessModes: c.accessModes,
      storageClassName: c.storageClassName,
      volumeMode: c.volumeMode,
      resources: { requests: { storage: kplus.k8s.Quantity.fromString(c.quantity) } },
    },
  }));
}
