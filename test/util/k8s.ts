/**
 * Test helpers shared by every suite: the off-the-shelf Kubernetes 1.27 validator
 * (kubernetes-models 4.x), a strict unknown-field check against the official 1.27
 * OpenAPI definitions, cross-reference checks between synthesized documents, and a
 * runner that executes generated shell scripts for real.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';

export type Doc = { apiVersion: string; kind: string; metadata: any; spec?: any; data?: any; stringData?: any; [k: string]: any };

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/PersistentVolume': PersistentVolume,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

const GVK_DEFINITION: Record<string, string> = {
  'v1/Service': 'io.k8s.api.core.v1.Service',
  'v1/ConfigMap': 'io.k8s.api.core.v1.ConfigMap',
  'v1/Secret': 'io.k8s.api.core.v1.Secret',
  'v1/PersistentVolume': 'io.k8s.api.core.v1.PersistentVolume',
  'v1/PersistentVolumeClaim': 'io.k8s.api.core.v1.PersistentVolumeClaim',
  'apps/v1/StatefulSet': 'io.k8s.api.apps.v1.StatefulSet',
  'policy/v1/PodDisruptionBudget': 'io.k8s.api.policy.v1.PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'io.k8s.api.networking.v1.NetworkPolicy',
  'v1/ServiceAccount': 'io.k8s.api.core.v1.ServiceAccount',
  'apps/v1/Deployment': 'io.k8s.api.apps.v1.Deployment',
  'rbac.authorization.k8s.io/v1/Role': 'io.k8s.api.rbac.v1.Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'io.k8s.api.rbac.v1.RoleBinding',
};

let definitions: Record<string, any> | undefined;
function defs(): Record<string, any> {
  definitions ??= JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'schemas', 'k8s-1.27-definitions.json'), 'utf8')).definitions;
  return definitions!;
}

/** Fields the 1.27 schema does not know (the API server's strict field validation rejects them). */
export function unknownFields(doc: Doc): string[] {
  const root = GVK_DEFINITION[`${doc.apiVersion}/${doc.kind}`];
  if (!root) return [`(no schema for ${doc.apiVersion}/${doc.kind})`];
  const out: string[] = [];
  const walk = (value: any, schema: any, where: string): void => {
    if (schema?.$ref) schema = defs()[schema.$ref.replace('#/definitions/', '')];
    if (!schema || value === null || value === undefined) return;
    if (Array.isArray(value)) {
      if (schema.items) value.forEach((v, i) => walk(v, schema.items, `${where}[${i}]`));
      return;
    }
    if (typeof value !== 'object') return;
    if (schema.properties) {
      for (const [k, v] of Object.entries(value)) {
        if (!(k in schema.properties)) out.push(`${where}.${k}`);
        else walk(v, schema.properties[k], `${where}.${k}`);
      }
    } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, schema.additionalProperties, `${where}.${k}`);
    }
  };
  walk(doc, { $ref: `#/definitions/${root}` }, doc.kind);
  return out;
}

/** Validates every document with kubernetes-models (1.27) and the strict field check; throws a list of problems. */
export function validateManifests(docs: Doc[]): void {
  const problems: string[] = [];
  for (const doc of docs) {
    const key = `${doc.apiVersion}/${doc.kind}`;
    const Model = MODELS[key];
    const name = `${doc.kind}/${doc.metadata?.name}`;
    if (!Model) {
      problems.push(`${name}: no validator for ${key}`);
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (e: any) {
      problems.push(`${name}: ${e.message}`);
    }
    for (const f of unknownFields(doc)) problems.push(`${name}: unknown field ${f}`);
  }
  if (problems.length > 0) throw new Error(`invalid manifests:\n${problems.join('\n')}`);
}

export function byKind(docs: Doc[], kind: string): Doc[] {
  return docs.filter(d => d.kind === kind);
}

export function one(docs: Doc[], kind: string, name?: string): Doc {
  const found = docs.filter(d => d.kind === kind && (name === undefined || d.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0];
}

function subset(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * Cross-reference checks on every StatefulSet of a synthesized chart:
 * serviceName → a headless Service (same namespace) that selects the pods; selector ⊆
 * template labels; every volumeMount/volumeDevice resolves to a pod volume or a claim
 * template; every claim template is mounted; every ConfigMap/Secret volume and env
 * reference resolves (when the object is in the output); every static PV's claimRef
 * names a claim the controller will create; every PDB and Service selects the pods of
 * some StatefulSet.
 */
export function crossReference(docs: Doc[]): void {
  const problems: string[] = [];
  const sets = byKind(docs, 'StatefulSet');
  const expectedClaims = new Map<string, { storageClassName?: string; storage: string }>();
  const ns = (d: Doc) => d.metadata?.namespace ?? 'default';
  for (const sts of sets) {
    const name = sts.metadata.name;
    const spec = sts.spec;
    const pod = spec.template.spec;
    const labels = spec.template.metadata?.labels ?? {};
    if (!subset(spec.selector?.matchLabels, labels)) problems.push(`${name}: selector is not a subset of the template labels`);
    const svc = docs.find(d => d.kind === 'Service' && d.metadata.name === spec.serviceName && ns(d) === ns(sts));
    if (!svc) {problems.push(`${name}: serviceName ${spec.serviceName} has no Service in the output`);} else {
      if (svc.spec.clusterIP !== 'None') problems.push(`${name}: governing Service ${spec.serviceName} is not headless`);
      if (!subset(svc.spec.selector, labels)) problems.push(`${name}: governing Service does not select the pods`);
      if (!svc.spec.ports?.length) problems.push(`${name}: governing Service has no ports`);
    }
    const volumes = new Set<string>((pod.volumes ?? []).map((v: any) => v.name));
    const claims = new Set<string>((spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name));
    for (const c of claims) {
      if (volumes.has(c)) problems.push(`${name}: pod volume ${c} shadows the claim template`);
    }
    const mounted = new Set<string>();
    const containers = [...pod.containers, ...(pod.initContainers ?? [])];
    for (const c of containers) {
      for (const m of [...(c.volumeMounts ?? []), ...(c.volumeDevices ?? [])]) {
        mounted.add(m.name);
        if (!volumes.has(m.name) && !claims.has(m.name)) problems.push(`${name}: container ${c.name} mounts ${m.name}, which is neither a pod volume nor a claim template`);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        const kind = e.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
        const target = ref && docs.find(d => d.kind === kind && d.metadata.name === ref.name);
        if (target && !(ref.key in { ...(target.data ?? {}), ...(target.stringData ?? {}) })) {
          problems.push(`${name}: container ${c.name} env ${e.name} refers to missing key ${ref.key} of ${kind} ${ref.name}`);
        }
      }
      const portNames = (c.ports ?? []).map((p: any) => p.name).filter(Boolean);
      if (new Set(portNames).size !== portNames.length) problems.push(`${name}: container ${c.name} has duplicate port names`);
    }
    for (const c of claims) if (!mounted.has(c)) problems.push(`${name}: claim template ${c} is mounted by no container`);
    for (const v of pod.volumes ?? []) {
      const ref = v.configMap ? ['ConfigMap', v.configMap.name] : v.secret ? ['Secret', v.secret.secretName] : undefined;
      if (ref && !docs.some(d => d.kind === ref[0] && d.metadata.name === ref[1]) && !(v.configMap?.optional || v.secret?.optional)) {
        // Allowed only for user-provided objects; products always ship theirs.
        if (docs.some(d => d.metadata?.labels?.['app.kubernetes.io/instance'] === name && d.kind === ref[0])) {
          problems.push(`${name}: volume ${v.name} refers to ${ref[0]} ${ref[1]}, which is not in the output`);
        }
      }
    }
    const start = spec.ordinals?.start ?? 0;
    for (const t of spec.volumeClaimTemplates ?? []) {
      for (let i = 0; i < (spec.replicas ?? 1); i++) {
        expectedClaims.set(`${ns(sts)}/${t.metadata.name}-${name}-${start + i}`, {
          storageClassName: t.spec.storageClassName,
          storage: t.spec.resources.requests.storage,
        });
      }
    }
  }
  const pvNames = new Set<string>();
  for (const pv of byKind(docs, 'PersistentVolume')) {
    if (pvNames.has(pv.metadata.name)) problems.push(`PersistentVolume ${pv.metadata.name} is defined twice`);
    pvNames.add(pv.metadata.name);
    const ref = pv.spec.claimRef;
    if (!ref) {
      problems.push(`PersistentVolume ${pv.metadata.name} is not pre-bound (no claimRef)`);
      continue;
    }
    // Extra PVs (count > replicas) point at claims of ordinals the StatefulSet may scale to.
    const claimPrefix = `${ref.namespace}/${ref.name.replace(/-\d+$/, '')}`;
    const known = [...expectedClaims.keys()].some(k => k.replace(/-\d+$/, '') === claimPrefix);
    const claim = expectedClaims.get(`${ref.namespace}/${ref.name}`);
    if (!known) problems.push(`PersistentVolume ${pv.metadata.name}: claimRef ${ref.namespace}/${ref.name} matches no claim the controller creates`);
    if (claim && (claim.storageClassName ?? '') !== (pv.spec.storageClassName ?? '')) {
      problems.push(`PersistentVolume ${pv.metadata.name}: storageClassName ${pv.spec.storageClassName} differs from its claim's ${claim.storageClassName}`);
    }
  }
  const podLabelSets = sets.map(s => s.spec.template.metadata?.labels ?? {});
  const runtimeLabels = new Set<string>(sets.flatMap(s => s.spec.template.spec.containers)
    .flatMap((c: any) => c.env ?? []).filter((e: any) => e.name === 'RS_ROLE_LABEL').map((e: any) => e.value));
  for (const pdb of byKind(docs, 'PodDisruptionBudget')) {
    if (!podLabelSets.some(l => subset(pdb.spec.selector?.matchLabels, l))) problems.push(`PodDisruptionBudget ${pdb.metadata.name} selects no StatefulSet's pods`);
  }
  for (const svc of byKind(docs, 'Service')) {
    const sel = { ...svc.spec.selector };
    // Labels the pods get at run time: the controller's pod name, and a label a container
    // of the pod sets on its own pod (StatefulRedis Sentinel mode: the labeler's RS_ROLE_LABEL).
    delete sel['statefulset.kubernetes.io/pod-name'];
    for (const label of runtimeLabels) delete sel[label];
    if (!podLabelSets.some(l => subset(sel, l))) problems.push(`Service ${svc.metadata.name} selects no StatefulSet's pods`);
    const podName = svc.spec.selector?.['statefulset.kubernetes.io/pod-name'];
    if (podName) {
      const owner = sets.find(s => podName.startsWith(`${s.metadata.name}-`) && subset(sel, s.spec.template.metadata?.labels));
      const ordinal = owner ? Number(podName.slice(owner.metadata.name.length + 1)) : NaN;
      const start = owner?.spec.ordinals?.start ?? 0;
      if (!owner || !(ordinal >= start && ordinal < start + (owner.spec.replicas ?? 1))) problems.push(`Service ${svc.metadata.name} selects pod ${podName}, which no StatefulSet creates`);
    }
  }
  if (problems.length > 0) throw new Error(`cross-reference problems:\n${problems.join('\n')}`);
}

/** Result of running a script. */
export interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The shells the scripts are executed with (busybox when installed). */
export function shells(): string[] {
  const found = ['sh', 'bash', 'dash', 'busybox'].filter(s => spawnSync('sh', ['-c', `command -v ${s}`]).status === 0);
  return [...new Set(found)];
}

/** Runs a script with a shell and a clean environment (plus `env`). */
export function runScript(script: string, shell: string, env: Record<string, string>, cwd?: string): ScriptRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pet-script-'));
  const file = path.join(dir, 'script.sh');
  fs.writeFileSync(file, script);
  const argv = shell === 'busybox' ? ['sh', file] : [file];
  const r = spawnSync(shell, argv, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    cwd: cwd ?? dir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory. */
export function tmpDir(prefix = 'pet-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Whether a command is on PATH. */
export function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
