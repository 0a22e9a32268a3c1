import { shellQuote } from './shell';
import { assertAbsolutePath, assertDnsLabel, assertInteger, propError } from './validate';

/** Options for `OrdinalStep.writeId()`. */
export interface WriteIdOptions {
  /** The file to write (its directory is created). */
  readonly path: string;

  /**
   * Added to the pod ordinal: the file holds `offset + ordinal`.
   *
   * @default 0
   */
  readonly offset?: number;

  /**
   * Text written before the id (may span lines, e.g. `"[mysqld]\nserver-id="`).
   *
   * @default ""
   */
  readonly prefix?: string;

  /**
   * Text written after the id; a newline always ends the file.
   *
   * @default ""
   */
  readonly suffix?: string;
}

/** Options for `OrdinalStep.selectFile()`. */
export interface SelectFileOptions {
  /** The file the first pod (ordinal = `ordinals.start`) copies, e.g. `/mnt/config/primary.conf`. */
  readonly firstPodFile: string;

  /** The file every other pod copies, e.g. `/mnt/config/replica.conf`. */
  readonly otherPodsFile: string;

  /** Where the chosen file is copied to (its directory is created). */
  readonly destination: string;
}

/**
 * One step of an ordinal init script.
 *
 * Every step runs with these shell variables set:
 *
 * - `POD_NAME`: the pod's name (from the downward API, else the host name),
 * - `STS_NAME`: the StatefulSet's name,
 * - `ORDINAL`: the pod's ordinal, taken from its name (`web-12` → 12),
 * - `ORDINALS_START`: the StatefulSet's `ordinals.start`,
 * - `INDEX`: `ORDINAL - ORDINALS_START` (0 for the first pod),
 * - `IS_FIRST`: `1` on the first pod, else `0`,
 * - `PREVIOUS_POD`: the name of the pod before this one (empty on the first pod).
 */
export class OrdinalStep {
  /** Writes `prefix + (offset + ordinal) + suffix` to a file, e.g. a server id. */
  public static writeId(options: WriteIdOptions): OrdinalStep {
    const where = 'OrdinalStep.writeId';
    const path = assertAbsolutePath(where, 'path', options.path);
    const offset = assertInteger(where, 'offset', options.offset ?? 0, 0, 2 ** 32);
    const prefix = options.prefix ?? '';
    const suffix = options.suffix ?? '';
    for (const [prop, text] of [['prefix', prefix], ['suffix', suffix]]) {
      if (typeof text !== 'string' || text.includes('\0')) throw propError(where, prop, text, 'must be text without NUL characters');
    }
    return new OrdinalStep(`write ${path}`, [
      `mkdir -p "$(dirname ${shellQuote(path)})"`,
      `printf '%s%s%s\\n' ${shellQuote(prefix)} "$((${offset} + ORDINAL))" ${shellQuote(suffix)} > ${shellQuote(path)}`,
    ].join('\n'));
  }

  /**
   * Copies one file on the first pod and another on every other pod, e.g. the primary's
   * and the replicas' configuration.
   */
  public static selectFile(options: SelectFileOptions): OrdinalStep {
    const where = 'OrdinalStep.selectFile';
    const first = assertAbsolutePath(where, 'firstPodFile', options.firstPodFile);
    const other = assertAbsolutePath(where, 'otherPodsFile', options.otherPodsFile);
    const dest = assertAbsolutePath(where, 'destination', options.destination);
    return new OrdinalStep(`copy ${first} or ${other} to ${dest}`, [
      `if [ "$IS_FIRST" = 1 ]; then src=${shellQuote(first)}; else src=${shellQuote(other)}; fi`,
      `mkdir -p "$(dirname ${shellQuote(dest)})"`,
      `cp "$src" ${shellQuote(dest)}`,
    ].join('\n'));
  }

  /**
   * Runs POSIX sh (busybox-compatible) code with the variables above. The script stops
   * at the first failing command (`set -eu`).
   *
   * @param script the shell code
   * @param description a line for the log
   */
  public static shell(script: string, description?: string): OrdinalStep {
    if (typeof script !== 'string' || script.trim().length === 0 || script.includes('\0')) {
      throw propError('OrdinalStep.shell', 'script', script, 'must be non-empty shell code');
    }
    return new OrdinalStep(description ?? 'shell step', script);
  }

  private constructor(
    /** A one-line description, logged before the step runs. */
    public readonly description: string,
    private readonly code: string,
  ) {}

  /** @internal */
  public _render(): string {
    return `echo ${shellQuote(`ordinal-init: ${this.description.replace(/\s+/g, ' ')}`)} >&2\n${this.code}`;
  }
}

/** Props of an `OrdinalScript`. */
export interface OrdinalScriptProps {
  /** The StatefulSet whose pods run the script. */
  readonly statefulSetName: string;

  /**
   * The StatefulSet's `ordinals.start`.
   *
   * @default 0
   */
  readonly ordinalsStart?: number;

  /**
   * The steps, in order.
   *
   * @default - none; add them with `addStep()`
   */
  readonly steps?: OrdinalStep[];
}

/**
 * A POSIX sh script (runs in busybox `sh`, dash and bash) that derives the pod's ordinal
 * from its name and runs per-ordinal steps: the reusable "pod N behaves as pod N" facility
 * of every product.
 *
 * The ordinal is the part of the pod name after `<statefulset>-`, so names with dashes
 * (`my-web-app-12`) work, and a pod of another StatefulSet is refused.
 */
export class OrdinalScript {
  /** The StatefulSet name the script expects as pod-name prefix. */
  public readonly statefulSetName: string;
  /** The first ordinal. */
  public readonly ordinalsStart: number;
  private readonly _steps: OrdinalStep[] = [];

  constructor(props: OrdinalScriptProps) {
    this.statefulSetName = assertDnsLabel('OrdinalScript', 'statefulSetName', props.statefulSetName);
    this.ordinalsStart = assertInteger('OrdinalScript', 'ordinalsStart', props.ordinalsStart ?? 0, 0);
    for (const step of props.steps ?? []) this.addStep(step);
  }

  /** The steps (a copy). */
  public get steps(): OrdinalStep[] {
    return [...this._steps];
  }

  /** Appends a step. */
  public addStep(step: OrdinalStep): void {
    this._steps.push(step);
  }

  /** The script text. */
  public render(): string {
    const lines = [
      '#!/bin/sh',
      `# Generated by cdk8s-stateful: per-ordinal set-up for the pods of StatefulSet ${this.statefulSetName}.`,
      'set -eu',
      '# The pod name: from the downward API, else the host name (a pod host name is the pod name).',
      'POD_NAME="${POD_NAME:-$(uname -n)}"',
      'POD_NAME="${POD_NAME%%.*}"',
      `STS_NAME=${shellQuote(this.statefulSetName)}`,
      `ORDINALS_START=${this.ordinalsStart}`,
      'case "$POD_NAME" in',
      '  "$STS_NAME"-*) ;;',
      '  *) echo "ordinal-init: pod name \'$POD_NAME\' is not <$STS_NAME>-<ordinal>" >&2; exit 1 ;;',
      'esac',
      'ORDINAL="${POD_NAME#"$STS_NAME"-}"',
      'case "$ORDINAL" in',
      '  \'\'|*[!0-9]*|0?*) echo "ordinal-init: pod name \'$POD_NAME\' does not end in an ordinal" >&2; exit 1 ;;',
      'esac',
      'INDEX=$((ORDINAL - ORDINALS_START))',
      'if [ "$INDEX" -lt 0 ]; then echo "ordinal-init: ordinal $ORDINAL is below ordinals.start $ORDINALS_START" >&2; exit 1; fi',
      'if [ "$INDEX" -eq 0 ]; then IS_FIRST=1; PREVIOUS_POD=""; else IS_FIRST=0; PREVIOUS_POD="$STS_NAME-$((ORDINAL - 1))"; fi',
      'export POD_NAME STS_NAME ORDINAL ORDINALS_START INDEX IS_FIRST PREVIOUS_POD',
      'echo "ordinal-init: pod $POD_NAME has ordinal $ORDINAL (index $INDEX, first=$IS_FIRST)" >&2',
    ];
    for (const step of this._steps) lines.push(step._render());
    return lines.join('\n') + '\n';
  }
}
