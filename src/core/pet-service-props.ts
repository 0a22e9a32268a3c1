import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { OrdinalStep } from './ordinal';
import { ClaimRetentionPolicy, ClaimTemplateProps } from './storage';

/** How the pods of a PetService are spread across nodes. */
export enum PodSpreading {
  /** Prefer different nodes (soft pod anti-affinity on `kubernetes.io/hostname`). */
  SOFT_ANTI_AFFINITY = 'SoftAntiAffinity',
  /** Require different nodes (pods stay Pending when there are fewer nodes than replicas). */
  REQUIRED_ANTI_AFFINITY = 'RequiredAntiAffinity',
  /** A topology spread constraint over `kubernetes.io/hostname` (maxSkew 1, ScheduleAnyway). */
  TOPOLOGY_SPREAD = 'TopologySpread',
  /** No spreading rule. */
  NONE = 'None',
}

/** How the StatefulSet rolls out a new pod template. */
export enum PetUpdateStrategy {
  /** Replace pods one at a time from the highest ordinal down (honours `partition`). */
  ROLLING_UPDATE = 'RollingUpdate',
  /** Replace a pod only when it is deleted by hand. */
  ON_DELETE = 'OnDelete',
}

/** A named port of the pets, published by the headless Service. */
export interface PetPort {
  /** The port's name (an IANA service name, e.g. `http`, `redis`, `mysql`). */
  readonly name: string;

  /** The port the Services expose. */
  readonly port: number;

  /**
   * The port the container listens on.
   *
   * @default - same as `port`
   */
  readonly containerPort?: number;

  /**
   * The protocol.
   *
   * @default kplus.Protocol.TCP
   */
  readonly protocol?: kplus.Protocol;
}

/** Options for `PetService.addClientService()`. */
export interface ClientServiceOptions {
  /**
   * The Service's name.
   *
   * @default - `<statefulset>-<id in lower case>`
   */
  readonly name?: string;

  /**
   * Select only the pod with this ordinal (through the `statefulset.kubernetes.io/pod-name`
   * label), e.g. the primary.
   *
   * @default - all ready pods
   */
  readonly ordinal?: number;

  /**
   * The names of the pet ports to expose.
   *
   * @default - all ports
   */
  readonly portNames?: string[];

  /**
   * The Service type.
   *
   * @default kplus.ServiceType.CLUSTER_IP
   */
  readonly type?: kplus.ServiceType;
}

/** Options for `PetService.addOrdinalInit()`. */
export interface OrdinalInitOptions {
  /** The steps the init container runs, in order. */
  readonly steps: OrdinalStep[];

  /**
   * The init container's name (also the script's file name).
   *
   * @default "ordinal-init"
   */
  readonly name?: string;

  /**
   * The image that runs the script (needs a POSIX `sh`).
   *
   * @default - the main container's image
   */
  readonly image?: string;

  /**
   * A directory (an emptyDir) the steps write to, mounted at the same path in the main
   * container, e.g. `/etc/redis/conf.d`.
   *
   * @default - none
   */
  readonly outputPath?: string;

  /**
   * A ConfigMap the steps read from (e.g. `primary.conf` and `replica.conf`), mounted
   * read-only at `configMountPath`.
   *
   * @default - none
   */
  readonly configMap?: kplus.IConfigMap;

  /**
   * Where `configMap` is mounted in the init container.
   *
   * @default "/mnt/config"
   */
  readonly configMountPath?: string;
}

/** Options for `PetService.mountClaim()`. */
export interface MountClaimOptions {
  /**
   * Mount read-only.
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
}

/** Props of a PetService. */
export interface PetServiceProps {
  /** The main container's image, e.g. `luksa/kubia-pet` or `nginx:1.27`. */
  readonly image: string;

  /** The ports of the pets. The headless Service publishes all of them; at least one. */
  readonly ports: PetPort[];

  /**
   * The StatefulSet's name: a DNS label of at most 52 characters. Pods are
   * `<name>-<ordinal>`, claims `<template>-<name>-<ordinal>`. Renaming orphans the data.
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
   * The namespace of every namespaced object. Host names (`podHost`, `hostFor`,
   * `serviceHost`), FQDNs and the `claimRef` of static volumes use it.
   *
   * @default - the enclosing Chart's `namespace`; with neither, none: the namespace of the
   * kubectl context, host names are then namespace-relative and `staticVolumes` cannot be used
   */
  readonly namespace?: string;

  /**
   * The cluster's DNS domain, used in FQDNs.
   *
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;

  /**
   * `app.kubernetes.io/name` (part of the selector).
   *
   * @default - same as `name`
   */
  readonly appName?: string;

  /**
   * `app.kubernetes.io/component`.
   *
   * @default - none
   */
  readonly component?: string;

  /**
   * `app.kubernetes.io/part-of`.
   *
   * @default - none
   */
  readonly partOf?: string;

  /**
   * Extra labels on every object and pod. They may not redefine the selector labels.
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
   * The number of pods.
   *
   * @default 1
   */
  readonly replicas?: number;

  /**
   * The first ordinal (`ordinals.start`, beta in 1.27): pods are `<name>-<start>` and up.
   *
   * @default 0
   */
  readonly ordinalsStart?: number;

  /**
   * Pod management: OrderedReady creates pods one at a time, each after the previous is Ready.
   *
   * @default kplus.PodManagementPolicy.ORDERED_READY
   */
  readonly podManagementPolicy?: kplus.PodManagementPolicy;

  /**
   * How a new pod template is rolled out.
   *
   * @default PetUpdateStrategy.ROLLING_UPDATE
   */
  readonly updateStrategy?: PetUpdateStrategy;

  /**
   * Rolling update partition: only pods with ordinal index >= partition are updated
   * (a canary). At most `replicas`.
   *
   * @default 0
   */
  readonly partition?: number;

  /**
   * How long a new pod must be Ready before it counts as available.
   *
   * @default Duration.seconds(0)
   */
  readonly minReady?: Duration;

  /**
   * How many old revisions to keep.
   *
   * @default - the Kubernetes default (10)
   */
  readonly revisionHistoryLimit?: number;

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
   * Per-pod claim templates, each mounted in the main container.
   *
   * @default - none; add them with `addClaimTemplate()`
   */
  readonly claimTemplates?: ClaimTemplateProps[];

  /**
   * Publish the pods' DNS records before they are Ready (peers that must find each
   * other while starting need this).
   *
   * @default false
   */
  readonly publishNotReadyAddresses?: boolean;

  /**
   * Inject Service links: the `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT=tcp://…` and
   * `<SERVICE>_PORT_<n>_TCP…` variables a kubelet adds to every container for every
   * Service of the namespace. They are off by default because they collide with variables
   * images and scripts read (a Service named `redis` sets `REDIS_PORT=tcp://10.x.x.x:6379`),
   * change with every Service created in the namespace, and are not needed: pets reach
   * each other through DNS. (`KUBERNETES_SERVICE_HOST`/`_PORT` are injected either way.)
   *
   * @default false
   */
  readonly enableServiceLinks?: boolean;

  /**
   * The main container's name.
   *
   * @default "main"
   */
  readonly containerName?: string;

  /**
   * The main container's entrypoint.
   *
   * @default - the image's entrypoint
   */
  readonly command?: string[];

  /**
   * The main container's arguments.
   *
   * @default - the image's command
   */
  readonly args?: string[];

  /**
   * Environment variables of the main container.
   *
   * @default - none
   */
  readonly envVariables?: { [name: string]: kplus.EnvValue };

  /**
   * The main container's working directory.
   *
   * @default - the image's
   */
  readonly workingDir?: string;

  /**
   * When the image is pulled.
   *
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;

  /**
   * The main container's resources.
   *
   * @default - requests 100m CPU and 128Mi memory, memory limit 512Mi, no CPU limit
   */
  readonly resources?: kplus.ContainerResources;

  /**
   * Readiness probe of the main container.
   *
   * @default - none
   */
  readonly readiness?: kplus.Probe;

  /**
   * Liveness probe of the main container.
   *
   * @default - none
   */
  readonly liveness?: kplus.Probe;

  /**
   * Startup probe of the main container.
   *
   * @default - none
   */
  readonly startup?: kplus.Probe;

  /**
   * The numeric user every container runs as. Images that start as root (redis, mysql)
   * need a numeric non-root uid here to pass `runAsNonRoot`.
   *
   * @default 1000
   */
  readonly runAsUser?: number;

  /**
   * The numeric group every container runs as.
   *
   * @default - same as `runAsUser`
   */
  readonly runAsGroup?: number;

  /**
   * The group that owns mounted volumes (so the non-root user can write the claims).
   *
   * @default - same as `runAsGroup`
   */
  readonly fsGroup?: number;

  /**
   * Mount the containers' root filesystems read-only.
   *
   * @default false
   */
  readonly readOnlyRootFilesystem?: boolean;

  /**
   * Explicit opt-out of Pod Security Standards "restricted": allows `runAsUser: 0` and
   * drops the `runAsNonRoot`, capabilities and seccomp settings.
   *
   * @default false
   */
  readonly allowRunAsRoot?: boolean;

  /**
   * How long a pod may take to shut down before it is killed.
   *
   * @default Duration.seconds(30)
   */
  readonly terminationGracePeriod?: Duration;

  /**
   * Create a PodDisruptionBudget.
   *
   * @default - true when replicas > 1
   */
  readonly disruptionBudget?: boolean;

  /**
   * The PodDisruptionBudget's `maxUnavailable`.
   *
   * @default 1
   */
  readonly maxUnavailable?: number;

  /**
   * How pods are spread across nodes.
   *
   * @default PodSpreading.SOFT_ANTI_AFFINITY
   */
  readonly spreading?: PodSpreading;

  /**
   * Extra init containers, run before the main container. They get the same security
   * context and resource defaults as the main container unless they set their own.
   *
   * @default - none
   */
  readonly initContainers?: kplus.ContainerProps[];

  /**
   * Extra containers beside the main one (exporters, backup agents, …).
   *
   * @default - none
   */
  readonly sidecars?: kplus.ContainerProps[];

  /**
   * The service account of the pods.
   *
   * @default - the namespace's default service account, token not mounted
   */
  readonly serviceAccount?: kplus.IServiceAccount;
}
