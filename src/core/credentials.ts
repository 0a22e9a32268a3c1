import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertDnsSubdomain, propError } from './validate';

/** A credential bound into a product: the Secret and the key that holds the value. */
export interface BoundCredentials {
  /** The Secret holding the value. */
  readonly secret: kplus.ISecret;
  /** The key in the Secret. */
  readonly key: string;
}

/** Options for `Credentials.bind()`. */
export interface CredentialsBindOptions {
  /** The name of the Secret created for `fromPassword()`. */
  readonly secretName: string;
  /**
   * The namespace of the Secret created for `fromPassword()`.
   *
   * @default - none
   */
  readonly namespace?: string;
  /**
   * Labels of the Secret created for `fromPassword()`.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Where a product's password comes from, in the style of aws-rds `Credentials`.
 *
 * Synthesis is deterministic: no password is generated at synth time. Use an existing
 * Secret in production (created by your secret manager, External Secrets, Sealed
 * Secrets, …); `fromPassword()` is for development and writes the password into the
 * synthesized Secret. The password never appears in a ConfigMap, a command line or an
 * annotation: containers read it from the Secret through environment variables or files.
 */
export class Credentials {
  /** An existing Secret, e.g. `kplus.Secret.fromSecretName(...)`. */
  public static fromSecret(secret: kplus.ISecret, key: string = 'password'): Credentials {
    if (secret === undefined || secret === null || typeof secret.name !== 'string') {
      throw propError('Credentials.fromSecret', 'secret', secret, 'must be a cdk8s-plus ISecret');
    }
    return new Credentials(assertKey('Credentials.fromSecret', key), secret);
  }

  /** An existing Secret, by name. */
  public static fromSecretName(secretName: string, key: string = 'password'): Credentials {
    assertDnsSubdomain('Credentials.fromSecretName', 'secretName', secretName);
    return new Credentials(assertKey('Credentials.fromSecretName', key), undefined, secretName);
  }

  /**
   * A literal password, for development: a Secret holding it is created. The password
   * is in the synthesized YAML, so keep that out of version control.
   */
  public static fromPassword(password: string): Credentials {
    if (typeof password !== 'string' || password.length === 0 || password.length > 1024 || /[\0\r\n]/.test(password)) {
      throw propError('Credentials.fromPassword', 'password', '(hidden)', 'must be 1 to 1024 characters without line breaks or NUL');
    }
    return new Credentials('password', undefined, undefined, password);
  }

  private constructor(
    /** The key in the Secret. */
    public readonly key: string,
    private readonly secret?: kplus.ISecret,
    private readonly secretName?: string,
    private readonly password?: string,
  ) {}

  /**
   * The literal password of `fromPassword()` (undefined otherwise), for products that must
   * check its alphabet at synthesis.
   *
   * @internal
   */
  public _literal(): string | undefined {
    return this.password;
  }

  /** Whether this credential creates its own Secret (`fromPassword()`). */
  public get createsSecret(): boolean {
    return this.password !== undefined;
  }

  /**
   * Resolves the Secret, creating it for `fromPassword()` as a child `id` of `scope`.
   */
  public bind(scope: Construct, id: string, options: CredentialsBindOptions): BoundCredentials {
    if (this.secret) return { secret: this.secret, key: this.key };
    if (this.secretName) return { secret: kplus.Secret.fromSecretName(scope, id, this.secretName), key: this.key };
    const secret = new kplus.Secret(scope, id, {
      metadata: { name: options.secretName, namespace: options.namespace, labels: options.labels },
      stringData: { [this.key]: this.password! },
    });
    return { secret, key: this.key };
  }
}

function assertKey(where: string, key: unknown): string {
  if (typeof key !== 'string' || !SECRET_KEY.test(key) || key.length > 253) {
    throw propError(where, 'key', key, 'must be a Secret key: letters, digits, \'-\', \'_\' and \'.\'');
  }
  return key;
}
