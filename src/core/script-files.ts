import * as fs from 'fs';
import * as path from 'path';

/**
 * The text of a shipped shell script: `<productDir>/scripts/<name>`. Products keep their
 * scripts as real POSIX sh files beside their code (`src/<product>/scripts/*.sh`, copied to
 * `lib/<product>/scripts/` by the build and shipped in the npm package), parametrised by
 * environment variables and arguments rather than generated, so that shellcheck lints them
 * and the tests execute the very file that ships.
 *
 * @param productDir the product's directory (its `__dirname`)
 * @param name the script's file name, e.g. `redis-init.sh`
 */
export function readScriptFile(productDir: string, name: string): string {
  const file = path.join(productDir, 'scripts', name);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cdk8s-stateful: the shipped script ${file} cannot be read (${(e as Error).message}); the package is incomplete`);
  }
}
