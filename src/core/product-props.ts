import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PetUpdateStrategy, PodSpreading } from './pet-service-props';
import { ClaimRetentionPolicy, StaticVolumesOptions } from './storage';

/**
 * The props every product (StatefulRedis, StatefulMySql, StatefulZooKeeper, …) shares: the
 * PetService knobs a product passes through, with the same names, meaning and validation
 * on every product. Each product's props extend it with its own. Where a default differs
 * between products, the documentation lists each product's.
 */
export interface StatefulProductProps {
  /**
   * The StatefulSet's name: pods are `<name>-<ordinal>`, claims
   * `<storageClaimName>-<name>-<ordinal>`. Renaming orphans the data (it is kept, not lost).
   *
   * @default - the construct id in lower case
   */
  readonly name?: string;

  /**
   * The headless governing Service's name (pods are `<pod>.<serviceName>`).
   *
   * @default - same as `name`
   */
  readonly serviceName?: string;

  /**
   * The namespace of every object. Host names (`primaryHost`, `readHost`, `podHost()`,
   * connection strings) are FQDNs (`<host>.<namespace>.svc.<clusterDomain>`) when it is known.
   *
   * @default - the enclosing Chart's `namespace`; with neither, the namespace of the kubectl
   * context, and host names are namespace-relative (they resolve from pods in the same namespace)
   */
  readonly namespace?: string;

  /**
   * The cluster's DNS domain, used in FQDNs.
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * Extra labels on every object and pod (they may not redefine `app.kubernetes.io/name`
   * or `app.kubernetes.io/instance`, which select the pods).
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };

  /**
   * Annotations on the pods.
   *
   * @default - none
   */
  readonly podAnnotations?: { [key: string]: string };

  /**
   * The number of pods (StatefulZooKeeper: 1, 3, 5 or 7).
   *
   * @default 3
   */
  readonly replicas?: number;

  /**
   * The first ordinal (`spec.ordinals.start`): pods are `<name>-<ordinalsStart>` onwards.
   * Ordinal logic (the first pod's role, server ids) follows it.
   *
   * @default 0
   */
  readonly ordinalsStart?: number;

  /**
   * How changes to the pod template roll out.
   *
   * @default PetUpdateStrategy.ROLLING_UPDATE
   */
  readonly updateStrategy?: PetUpdateStrategy;

  /**
   * With a rolling update, only pods with an ordinal index ≥ `partition` are updated (a
   * canary: set it to `replicas - 1`, check the last pod, then lower it).
   *
   * @default 0
   */
  readonly partition?: number;

  /**
   * How long a new pod must be Ready before the rollout moves on.
   *
   * @default Duration.seconds(0)
   */
  readonly minReady?: Duration;

  /**
   * How many old revisions of the StatefulSet are kept for rollback.
   *
   * @default - the cluster's default (10)
   */
  readonly revisionHistoryLimit?: number;

  /**
   * The server's image. The product reads the server version from its tag; see the
   * product's `version` prop for images whose tag it cannot read.
   *
   * @default - StatefulRedis "redis:7.4"; StatefulMySql "mysql:8.4" (MariaDB flavour
   * "mariadb:10.11"); StatefulZooKeeper "zookeeper:3.9"
   */
  readonly image?: string;

  /**
   * When the image is pulled.
   *
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;

  /**
   * The server container's resources.
   *
   * @default - StatefulRedis: requests 100m CPU / 256Mi, memory limit 512Mi; StatefulMySql:
   * requests 250m CPU / 512Mi, memory limit 1Gi; StatefulZooKeeper: requests 100m CPU /
   * 512Mi, memory limit 1Gi. No CPU limit.
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * The size of each pod's data claim.
   *
   * @default - StatefulRedis Size.gibibytes(1); StatefulMySql Size.gibibytes(10);
   * StatefulZooKeeper Size.gibibytes(1)
   */
  readonly storageSize?: Size;

  /**
   * The storage class of the data claims (`''` for pre-created volumes only).
   *
   * @default - the cluster's default storage class ('' with `storageStaticVolumes`)
   */
  readonly storageClassName?: string;

  /**
   * The access modes of the data claims.
   *
   * @default [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE]
   */
  readonly storageAccessModes?: kplus.PersistentVolumeAccessMode[];

  /**
   * The name of the data claim template (claims are `<storageClaimName>-<name>-<ordinal>`).
   *
   * @default "data"
   */
  readonly storageClaimName?: string;

  /**
   * Pre-created PersistentVolumes, one per pod and pre-bound to its claim (needs a namespace).
   *
   * @default - none: a provisioner creates the volumes
   */
  readonly storageStaticVolumes?: StaticVolumesOptions;

  /**
   * Whether the claims are deleted when the StatefulSet is deleted.
   *
   * @default ClaimRetentionPolicy.RETAIN
   */
  readonly claimRetentionWhenDeleted?: ClaimRetentionPolicy;

  /**
   * Whether the claims of removed pods are deleted when the StatefulSet scales down.
   *
   * @default ClaimRetentionPolicy.RETAIN
   */
  readonly claimRetentionWhenScaled?: ClaimRetentionPolicy;

  /**
   * The numeric user the containers run as.
   *
   * @default - the official image's server user: StatefulRedis 999, StatefulMySql 999,
   * StatefulZooKeeper 1000
   */
  readonly runAsUser?: number;

  /**
   * The numeric group the containers run as.
   *
   * @default - same as `runAsUser`
   */
  readonly runAsGroup?: number;

  /**
   * The group that owns the mounted volumes.
   *
   * @default - same as `runAsGroup`
   */
  readonly fsGroup?: number;

  /**
   * Mount the containers' root filesystems read-only (everything the server writes is a volume).
   *
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;

  /**
   * How long a pod may take to shut down cleanly.
   *
   * @default Duration.seconds(60)
   */
  readonly terminationGracePeriod?: Duration;

  /**
   * How the pods are spread across nodes.
   *
   * @default PodSpreading.SOFT_ANTI_AFFINITY
   */
  readonly spreading?: PodSpreading;

  /**
   * Create a PodDisruptionBudget.
   *
   * @default - true when replicas > 1
   */
  readonly disruptionBudget?: boolean;

  /**
   * The PodDisruptionBudget's `maxUnavailable`.
   *
   * @default - 1; StatefulZooKeeper: the pods the quorum can lose, (replicas - 1) / 2, which
   * is also its maximum (with 1 server there is no PodDisruptionBudget)
   */
  readonly maxUnavailable?: number;

  /**
   * Extra init containers, run before the product's own (restricted defaults apply).
   *
   * @default - none
   */
  readonly initContainers?: kplus.ContainerProps[];

  /**
   * Extra containers in every pod, e.g. a metrics exporter (restricted defaults apply).
   *
   * @default - none
   */
  readonly sidecars?: kplus.ContainerProps[];

  /**
   * The pods' service account.
   *
   * @default - the namespace's default service account, token not mounted
   */
  readonly serviceAccount?: kplus.IServiceAccount;

  /**
   * Inject Service links (`<SERVICE>_PORT=tcp://…` and friends for every Service in the
   * namespace). Off: they collide with variables servers and scripts read.
   *
   * @default false
   */
  readonly enableServiceLinks?: boolean;
}
