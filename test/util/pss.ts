/**
 * A Pod Security Standards checker for synthesized manifests: the "baseline" and
 * "restricted" profiles of the Kubernetes docs (policy version v1.27), field by field,
 * as the PodSecurity admission controller applies them to pod templates.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 *
 * On top of the profiles, `restricted` here also asks (option `requireNumericUid`, on by
 * default) that a pod with `runAsNonRoot` has a numeric non-root `runAsUser` for every
 * container: images that start as root or name their user (redis, mysql) otherwise fail
 * to start with "container has runAsNonRoot and image will run as root / has non-numeric
 * user", which the admission check does not catch.
 */
import { Doc } from './k8s';

export type PssLevel = 'baseline' | 'restricted';

export interface PssOptions {
  /** Require an effective numeric, non-zero runAsUser on every container when restricted. Default true. */
  readonly requireNumericUid?: boolean;
}

/** Baseline: capabilities that may be added. */
const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
/** Baseline: the "safe" sysctls (v1.27). */
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start',
]);
/** Baseline: allowed SELinux types. */
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
/** Restricted: the only volume types allowed. */
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** A pod template found in a document. */
export interface PodTemplate {
  readonly where: string;
  readonly metadata: any;
  readonly spec: any;
}

/** The pod templates of the workloads (and bare pods) among `docs`. */
export function podTemplates(docs: Doc[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const d of docs) {
    const where = `${d.kind}/${d.metadata?.name}`;
    if (d.kind === 'Pod') {out.push({ where, metadata: d.metadata ?? {}, spec: d.spec });} else if (['StatefulSet', 'Deployment', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController'].includes(d.kind)) {
      out.push({ where, metadata: d.spec?.template?.metadata ?? {}, spec: d.spec?.template?.spec });
    } else if (d.kind === 'CronJob') {
      out.push({ where, metadata: d.spec?.jobTemplate?.spec?.template?.metadata ?? {}, spec: d.spec?.jobTemplate?.spec?.template?.spec });
    }
  }
  return out;
}

/** The violations of one pod (metadata + spec) against a level; empty when it complies. */
export function podViolations(metadata: any, spec: any, level: PssLevel, options: PssOptions = {}): string[] {
  const v: string[] = [];
  if (!spec) return ['no pod spec'];
  const podSc = spec.securityContext ?? {};
  const containers: Array<[string, any]> = [
    ...(spec.containers ?? []).map((c: any) => [`containers[${c.name}]`, c]),
    ...(spec.initContainers ?? []).map((c: any) => [`initContainers[${c.name}]`, c]),
    ...(spec.ephemeralContainers ?? []).map((c: any) => [`ephemeralContainers[${c.name}]`, c]),
  ] as Array<[string, any]>;

  // ---- baseline -------------------------------------------------------------------------
  if (podSc.windowsOptions?.hostProcess) v.push('securityContext.windowsOptions.hostProcess must not be true');
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f]) v.push(`${f} must not be true`);
  for (const vol of spec.volumes ?? []) if (vol.hostPath !== undefined) v.push(`volume ${vol.name} is a hostPath volume`);
  for (const s of podSc.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) v.push(`sysctl ${s.name} is not a safe sysctl`);
  checkSeLinux(podSc.seLinuxOptions, 'securityContext', v);
  if (podSc.seccompProfile?.type === 'Unconfined') v.push('securityContext.seccompProfile.type must not be Unconfined');
  if (podSc.appArmorProfile?.type === 'Unconfined') v.push('securityContext.appArmorProfile.type must not be Unconfined');
  for (const [k, val] of Object.entries(metadata?.annotations ?? {})) {
    if (k.startsWith(APPARMOR_PREFIX) && val !== 'runtime/default' && !String(val).startsWith('localhost/')) {
      v.push(`annotation ${k}=${val}: AppArmor must be runtime/default or localhost/*`);
    }
  }
  for (const [where, c] of containers) {
    const sc = c.securityContext ?? {};
    if (sc.windowsOptions?.hostProcess) v.push(`${where}: windowsOptions.hostProcess must not be true`);
    if (sc.privileged) v.push(`${where}: privileged must not be true`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (!BASELINE_CAPABILITIES.has(cap)) v.push(`${where}: capability ${cap} may not be added`);
    }
    for (const p of c.ports ?? []) if (p.hostPort !== undefined && p.hostPort !== 0) v.push(`${where}: hostPort ${p.hostPort} is not allowed`);
    checkSeLinux(sc.seLinuxOptions, `${where}.securityContext`, v);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') v.push(`${where}: procMount must be Default`);
    if (sc.seccompProfile?.type === 'Unconfined') v.push(`${where}: seccompProfile.type must not be Unconfined`);
    if (sc.appArmorProfile?.type === 'Unconfined') v.push(`${where}: appArmorProfile.type must not be Unconfined`);
  }
  if (level === 'baseline') return v;

  // ---- restricted -------------------------------------------------------------------------
  for (const vol of spec.volumes ?? []) {
    const types = Object.keys(vol).filter(k => k !== 'name');
    for (const t of types) if (!RESTRICTED_VOLUME_TYPES.has(t)) v.push(`volume ${vol.name}: type ${t} is not allowed`);
  }
  const podSeccompOk = ['RuntimeDefault', 'Localhost'].includes(podSc.seccompProfile?.type);
  if (podSc.runAsUser === 0) v.push('securityContext.runAsUser must not be 0');
  for (const [where, c] of containers) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) v.push(`${where}: allowPrivilegeEscalation must be false`);
    const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    if (nonRoot !== true) v.push(`${where}: runAsNonRoot must be true (pod or container)`);
    if (sc.runAsUser === 0) v.push(`${where}: runAsUser must not be 0`);
    const seccomp = sc.seccompProfile?.type;
    if (seccomp === undefined ? !podSeccompOk : !['RuntimeDefault', 'Localhost'].includes(seccomp)) {
      v.push(`${where}: seccompProfile.type must be RuntimeDefault or Localhost (pod or container)`);
    }
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) v.push(`${where}: capabilities must drop ALL`);
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') v.push(`${where}: capability ${cap} may not be added (only NET_BIND_SERVICE)`);
    }
    if (options.requireNumericUid ?? true) {
      const uid = sc.runAsUser ?? podSc.runAsUser;
      if (typeof uid !== 'number' || !Number.isInteger(uid) || uid <= 0) {
        v.push(`${where}: needs a numeric non-root runAsUser (pod or container) so runAsNonRoot works with any image`);
      }
    }
  }
  return v;
}

function checkSeLinux(opts: any, where: string, v: string[]): void {
  if (!opts) return;
  if (opts.type !== undefined && !SELINUX_TYPES.has(opts.type)) v.push(`${where}.seLinuxOptions.type ${opts.type} is not allowed`);
  if (opts.user !== undefined && opts.user !== '') v.push(`${where}.seLinuxOptions.user must not be set`);
  if (opts.role !== undefined && opts.role !== '') v.push(`${where}.seLinuxOptions.role must not be set`);
}

/** Violations of every pod template among `docs`, prefixed with the workload. */
export function pssViolations(docs: Doc[], level: PssLevel, options: PssOptions = {}): string[] {
  return podTemplates(docs).flatMap(p => podViolations(p.metadata, p.spec, level, options).map(x => `${p.where}: ${x}`));
}

/** Throws, listing the violations, unless every pod among `docs` meets `level`. */
export function assertPss(docs: Doc[], level: PssLevel, options: PssOptions = {}): void {
  const v = pssViolations(docs, level, options);
  if (v.length > 0) throw new Error(`Pod Security Standards "${level}" violations:\n${v.join('\n')}`);
}
