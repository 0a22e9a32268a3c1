import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { assertAbsolutePath, assertDnsSubdomain, assertNonEmptyString, propError } from './validate';

/**
 * What happens to a PersistentVolume when its claim is deleted.
 *
 * @see https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reclaiming
 */
export enum VolumeReclaimPolicy {
  /** Keep the volume and its data; an administrator reclaims it by hand. The safe choice. */
  RETAIN = 'Retain',
  /** Delete the volume and its data when the claim is deleted. Only on explicit opt-in. */
  DELETE = 'Delete',
  /**
   * Deprecated by Kubernetes (`rm -rf` of the volume, then reuse). Always rejected:
   * use RETAIN, or DELETE with a dynamic provisioner.
   */
  RECYCLE = 'Recycle',
}

/**
 * What the StatefulSet controller does with the claims of its pods
 * (`persistentVolumeClaimRetentionPolicy`, beta in Kubernetes 1.27).
 *
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention
 */
export enum ClaimRetentionPolicy {
  /** Keep the claims (and so the data). */
  RETAIN = 'Retain',
  /** Delete the claims. With a Delete reclaim policy this deletes the data too. */
  DELETE = 'Delete',
}

/** Where the data of one static PersistentVolume lives. */
export enum StaticVolumeSourceType {
  /** A directory on the node (`hostPath`). Single-node or test clusters only. */
  HOST_PATH = 'hostPath',
  /** A local disk or directory of one node, with node affinity (`local`). */
  LOCAL = 'local',
  /** An NFS export (`nfs`). */
  NFS = 'nfs',
}

/** Options for `StaticVolumeSource.hostPath()`. */
export interface HostPathVolumeOptions {
  /**
   * The directory on the node. `{ordinal}` is replaced by the pod ordinal, so each pod
   * gets its own directory, e.g. `/data/nas/web/nginx{ordinal}`. Required when more than
   * one volume is generated.
   */
  readonly path: string;

  /**
   * The hostPath type check the kubelet performs.
   *
   * @default kplus.HostPathVolumeType.DIRECTORY_OR_CREATE
   */
  readonly type?: kplus.HostPathVolumeType;
}

/** Options for `StaticVolumeSource.local()`. */
export interface LocalVolumeOptions {
  /**
   * The path of the disk or directory on the node. `{ordinal}` is replaced by the pod
   * ordinal.
   */
  readonly path: string;

  /**
   * The node each volume lives on (`kubernetes.io/hostname`): one name for all volumes,
   * or one per volume, in ordinal order. `{ordinal}` in a name is replaced by the ordinal.
   */
  readonly nodeNames: string[];
}

/** Options for `StaticVolumeSource.nfs()`. */
export interface NfsVolumeOptions {
  /** The NFS server's host name or IP address. */
  readonly server: string;

  /**
   * The exported path. `{ordinal}` is replaced by the pod ordinal, e.g. `/exports/redis-{ordinal}`.
   * Required when more than one volume is generated.
   */
  readonly path: string;

  /**
   * Mount the export read-only.
   *
   * @default false
   */
  readonly readOnly?: boolean;
}

const ORDINAL_PLACEHOLDER = '{ordinal}';

/**
 * The backing store of pre-created (static) PersistentVolumes, one per ordinal.
 *
 * Use it when the cluster has no dynamic provisioner, as in the classic "create the PVs
 * by hand" set-ups. Each generated volume is pre-bound (`claimRef`) to the claim the
 * StatefulSet controller creates for that ordinal, so pod N always gets volume N.
 */
export class StaticVolumeSource {
  /** The placeholder replaced by the pod ordinal in static volume paths and node names. */
  public static readonly ORDINAL_PLACEHOLDER = ORDINAL_PLACEHOLDER;

  /** A directory on the node. */
  public static hostPath(options: HostPathVolumeOptions): StaticVolumeSource {
    return new StaticVolumeSource(StaticVolumeSourceType.HOST_PATH, options.path, options.type ?? kplus.HostPathVolumeType.DIRECTORY_OR_CREATE);
  }

  /** A local volume on a named node, with the node affinity Kubernetes requires. */
  public static local(options: LocalVolumeOptions): StaticVolumeSource {
    return new StaticVolumeSource(StaticVolumeSourceType.LOCAL, options.path, undefined, undefined, undefined, options.nodeNames);
  }

  /** An NFS export. */
  public static nfs(options: NfsVolumeOptions): StaticVolumeSource {
    return new StaticVolumeSource(StaticVolumeSourceType.NFS, options.path, undefined, options.server, options.readOnly ?? false);
  }

  private constructor(
    /** The kind of backing store. */
    public readonly type: StaticVolumeSourceType,
    /** The path template (may contain `{ordinal}`). */
    public readonly path: string,
    private readonly hostPathType?: kplus.HostPathVolumeType,
    private readonly server?: string,
    private readonly readOnly?: boolean,
    private readonly nodeNames?: string[],
  ) {}

  /**
   * Checks the source for `count` volumes; throws an error naming `prop`.
   * @internal
   */
  public _validate(construct: string, prop: string, count: number): void {
    assertAbsolutePath(construct, `${prop}.path`, this.path);
    const perOrdinalPath = this.path.includes(ORDINAL_PLACEHOLDER);
    if (this.type === StaticVolumeSourceType.NFS) {
      assertNonEmptyString(construct, `${prop}.server`, this.server, 253);
      if (/\s/.test(this.server!)) throw propError(construct, `${prop}.server`, this.server, 'must be a host name or IP address without spaces');
    }
    if (this.type === StaticVolumeSourceType.LOCAL) {
      const nodes = this.nodeNames;
      if (!Array.isArray(nodes) || (nodes.length !== 1 && nodes.length !== count)) {
        throw propError(construct, `${prop}.nodeNames`, nodes, `must name one node for all volumes or exactly one per volume (${count})`);
      }
      nodes.forEach((n, i) => assertDnsSubdomain(construct, `${prop}.nodeNames[${i}]`, n.split(ORDINAL_PLACEHOLDER).join('0')));
      const perOrdinalNode = nodes.length === count && new Set(nodes).size === count || nodes.some(n => n.includes(ORDINAL_PLACEHOLDER));
      if (count > 1 && !perOrdinalPath && !perOrdinalNode) {
        throw propError(construct, `${prop}.path`, this.path, `must contain ${ORDINAL_PLACEHOLDER} (or name a different node per volume) so that each of the ${count} volumes is its own storage`);
      }
      return;
    }
    if (count > 1 && !perOrdinalPath) {
      throw propError(construct, `${prop}.path`, this.path, `must contain ${ORDINAL_PLACEHOLDER} so that each of the ${count} volumes is its own directory`);
    }
  }

  /**
   * The source fields of the PersistentVolume for one ordinal.
   * @internal
   */
  public _toKube(ordinal: number, index: number): kplus.k8s.PersistentVolumeSpec {
    const path = this.path.split(ORDINAL_PLACEHOLDER).join(String(ordinal));
    switch (this.type) {
      case StaticVolumeSourceType.HOST_PATH:
        return { hostPath: { path, type: this.hostPathType } };
      case StaticVolumeSourceType.NFS:
        return { nfs: { server: this.server!, path, readOnly: this.readOnly || undefined } };
      case StaticVolumeSourceType.LOCAL: {
        const nodes = this.nodeNames!;
        const node = (nodes.length === 1 ? nodes[0] : nodes[index]).split(ORDINAL_PLACEHOLDER).join(String(ordinal));
        return {
          local: { path },
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }],
            },
          },
        };
      }
    }
  }
}

/** Pre-created PersistentVolumes for a claim template, one per ordinal. */
export interface StaticVolumesOptions {
  /** Where the data lives. */
  readonly source: StaticVolumeSource;

  /**
   * How many volumes to create, for ordinals `start .. start + count - 1`. Must be at
   * least the number of replicas, so that every pod finds its volume.
   *
   * @default - the number of replicas
   */
  readonly count?: number;

  /**
   * The capacity of each volume. Must be at least the claim's request.
   *
   * @default - the claim template's size
   */
  readonly capacity?: Size;

  /**
   * What happens to a volume when its claim is deleted. `DELETE` is an explicit opt-in
   * to losing the data; `RECYCLE` is rejected.
   *
   * @default VolumeReclaimPolicy.RETAIN
   */
  readonly reclaimPolicy?: VolumeReclaimPolicy;

  /**
   * The volumes are named `<prefix>-<ordinal>` (PersistentVolumes are cluster-scoped,
   * so the default includes the namespace).
   *
   * @default - `<namespace>-<claim>-<statefulset>`, i.e. the namespace then the claim name
   */
  readonly namePrefix?: string;
}

/** A per-pod claim template of a PetService (`volumeClaimTemplates`). */
export interface ClaimTemplateProps {
  /**
   * The template's name. The controller creates one claim per pod, named
   * `<name>-<statefulset>-<ordinal>`. Renaming it orphans the existing claims.
   */
  readonly name: string;

  /** The storage each pod requests. */
  readonly size: Size;

  /**
   * Where the main container mounts the volume (for `volumeMode: BLOCK`, the device path).
   * Other containers mount it with `PetService.mountClaim()`.
   */
  readonly mountPath: string;

  /**
   * The StorageClass. The empty string asks for the explicit empty class (static binding,
   * no dynamic provisioning).
   *
   * @default - the cluster's default StorageClass; `""` when `staticVolumes` are generated
   */
  readonly storageClassName?: string;

  /**
   * Access modes of the claim.
   *
   * @default [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE]
   */
  readonly accessModes?: kplus.PersistentVolumeAccessMode[];

  /**
   * Filesystem or raw block device.
   *
   * @default kplus.PersistentVolumeMode.FILE_SYSTEM
   */
  readonly volumeMode?: kplus.PersistentVolumeMode;

  /**
   * Mount the volume read-only in the main container.
   *
   * @default false
   */
  readonly readOnly?: boolean;

  /**
   * Mount only this sub-path of the volume.
   *
   * @default - the volume's root
   */
  readonly subPath?: string;

  /**
   * Pre-create one PersistentVolume per ordinal, pre-bound to this template's claims.
   *
   * @default - none: a dynamic provisioner (or an administrator) provides the volumes
   */
  readonly staticVolumes?: StaticVolumesOptions;
}
