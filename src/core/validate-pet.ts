/** Validation of PetService props that needs cdk8s / cdk8s-plus types. */
import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { assertLabels, propError } from './validate';

const C = 'PetService';

export function assertDuration(prop: string, value: unknown, minSeconds: number): Duration {
  const allowed = `must be a Duration of at least ${minSeconds} seconds, in whole seconds`;
  if (!(value instanceof Duration)) throw propError(C, prop, value, allowed);
  let millis: number;
  try {
    millis = value.toMilliseconds();
  } catch {
    throw propError(C, prop, value.toHumanString(), allowed);
  }
  if (!Number.isFinite(millis) || millis % 1000 !== 0 || millis / 1000 < minSeconds || millis / 1000 > 2 ** 31 - 1) {
    throw propError(C, prop, `${millis / 1000}s`, allowed);
  }
  return value;
}

export function assertAnnotations(annotations: { [key: string]: string }): { [key: string]: string } {
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) {
    throw propError(C, 'podAnnotations', annotations, 'must be a map of annotation keys to string values');
  }
  for (const [k, v] of Object.entries(annotations)) {
    assertLabels(C, 'podAnnotations', { [k]: 'x' });
    if (typeof v !== 'string') throw propError(C, `podAnnotations[${k}]`, v, 'must be a string');
  }
  return { ...annotations };
}

export function assertList<T>(prop: string, value: T[] | undefined): T[] {
  if (value !== undefined && !Array.isArray(value)) throw propError(C, prop, value, 'must be a list');
  return value ?? [];
}

export function assertProbe(prop: string, probe: unknown, container: kplus.Container): void {
  if (probe === undefined) return;
  const allowed = 'must be a kplus.Probe: fromTcpSocket/fromHttpGet on a port from 1 to 65535, or fromCommand with a non-empty command';
  let kube: kplus.k8s.Probe;
  try {
    kube = (probe as any)._toKube(container);
  } catch {
    throw propError(C, prop, probe, allowed);
  }
  const action = kube.tcpSocket ?? kube.httpGet;
  const port = action?.port?.value;
  const command = kube.exec?.command;
  if (action && !(typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535)) throw propError(C, `${prop} port`, port, allowed);
  if (kube.exec && (!Array.isArray(command) || command.length === 0 || command.some(x => typeof x !== 'string'))) {
    throw propError(C, `${prop} command`, command, allowed);
  }
  if (!action && !kube.exec) throw propError(C, prop, probe, allowed);
}

export function assertResources(prop: string, resources: kplus.ContainerResources | undefined): kplus.ContainerResources | undefined {
  if (resources === undefined) return undefined;
  if (resources === null || typeof resources !== 'object') throw propError(C, prop, resources, 'must be kplus.ContainerResources');
  const cpu = (which: string, v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    const amount = (v as any)?.amount;
    const m = typeof amount === 'string' ? /^(\d+(?:\.\d{1,3})?)(m?)$/.exec(amount) : null;
    const [whole, fraction = ''] = m ? m[1].split('.') : [];
    const millis = !m ? NaN : m[2] ? Number(m[1]) : Number(whole) * 1000 + Number(fraction.padEnd(3, '0'));
    if (!Number.isInteger(millis) || millis < 1) {
      throw propError(C, `${prop}.cpu.${which}`, amount ?? v, 'must be a kplus.Cpu of at least 1 millicore, in whole millicores (e.g. Cpu.millis(250), Cpu.units(2))');
    }
    return millis;
  };
  const memory = (which: string, v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    let mib = NaN;
    try {
      mib = (v as Size).toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    } catch {
      // reported below
    }
    if (!Number.isInteger(mib) || mib < 1 || mib > 2 ** 40) {
      throw propError(C, `${prop}.memory.${which}`, v, 'must be a Size of at least 1 MiB, in whole MiB (e.g. Size.mebibytes(256), Size.gibibytes(1))');
    }
    return mib;
  };
  const [cpuRequest, cpuLimit] = [cpu('request', resources.cpu?.request), cpu('limit', resources.cpu?.limit)];
  const [memRequest, memLimit] = [memory('request', resources.memory?.request), memory('limit', resources.memory?.limit)];
  if (cpuRequest !== undefined && cpuLimit !== undefined && cpuRequest > cpuLimit) {
    throw propError(C, `${prop}.cpu.request`, resources.cpu!.request!.amount, `must not exceed the limit (${resources.cpu!.limit!.amount})`);
  }
  if (memRequest !== undefined && memLimit !== undefined && memRequest > memLimit) {
    throw propError(C, `${prop}.memory.request`, `${memRequest}Mi`, `must not exceed the limit (${memLimit}Mi)`);
  }
  return resources;
}
