import { cdk8s, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-stateful',
  description:
    'cdk8s constructs for stateful workloads: PetService (StatefulSet + headless Service + claim templates + pre-bound static PVs + ordinal init logic), StatefulRedis and StatefulMySql.',
  author: 'cdk8s-stateful team',
  authorAddress: 'team@cdk8s-stateful.dev',
  repositoryUrl: 'https://github.com/cdk8s-stateful/cdk8s-stateful.git',
  homepage: 'https://github.com/cdk8s-stateful/cdk8s-stateful#readme',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  stability: 'experimental',
  keywords: ['cdk8s', 'cdk8s-plus', 'kubernetes', 'statefulset', 'redis', 'mysql', 'mariadb', 'persistent-volume', 'constructs'],

  // Pins that build offline on these machines (see DEVELOPERS.md).
  cdk8sVersion: '2.70.0',
  constructsVersion: '10.3.0',
  jsiiVersion: '~5.9.0',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  devDeps: [
    'typescript@~5.9.0',
    '@types/node@^20',
    'kubernetes-models@^4.5.1',
    'fast-check@^4',
    'yaml@^2',
    'vega@^6.4.0',
    'vega-lite@^6.5.0',
  ],

  jestOptions: {
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      testTimeout: 120_000,
      testPathIgnorePatterns: ['/node_modules/', '/examples/dist/', '/bench/'],
    },
  },

  // Release targets: configured for the release workflow. `.ci/run` only packages js
  // (PyPI / Maven / Go / NuGet are not reachable from CI machines).
  publishToPypi: { distName: 'cdk8s-stateful', module: 'cdk8s_stateful' },
  publishToMaven: {
    javaPackage: 'dev.cdk8s.stateful',
    mavenGroupId: 'dev.cdk8s-stateful',
    mavenArtifactId: 'cdk8s-stateful',
  },
  publishToGo: { moduleName: 'github.com/cdk8s-stateful/cdk8s-stateful-go' },
  publishToNuget: { dotNetNamespace: 'Cdk8s.Stateful', packageId: 'Cdk8s.Stateful' },

  gitignore: ['examples/dist/', 'examples/consumer/node_modules/', 'examples/consumer/dist/', 'bench/out/', '.ci/out/', '.jsii.tabl.json'],
  npmignoreEnabled: true,
});

// Examples and benchmarks: type-checked by ts-node, linted with the tests.
for (const dir of ['examples', 'bench']) {
  new javascript.TypescriptConfig(project, {
    fileName: `${dir}/tsconfig.json`,
    extends: javascript.TypescriptConfigExtends.fromPaths(['../tsconfig.json']),
    compilerOptions: { rootDir: '..', noEmit: true },
    include: ['**/*.ts', '../src/**/*.ts'],
    exclude: ['node_modules', 'dist', 'out', 'consumer'],
  });
  project.eslint?.addLintPattern(dir);
}
// The npm tarball holds the library only: no examples, benchmarks, CI or test set-up.
project.npmignore?.exclude('/examples/', '/bench/', '/.ci/', '/docs/', '/scripts/');

// unrs-resolver (via eslint-import-resolver-typescript) 1.13 pins platform bindings that
// the registry reachable from our machines lacks, which makes `npm ci` fail on a fresh
// clone ("Missing: @unrs/resolver-binding-… from lock file"). 1.12.2 has all of them.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// Real servers for the integration tests: install them when missing (root + apt-get),
// so that `npm ci && npm test` is the whole set-up on a fresh machine.
project.testTask.prependExec('bash scripts/ensure-test-servers.sh');

// The main job: synthesize every example to examples/dist/<example>.k8s.yaml.
project.addTask('synth:examples', {
  description: 'Synthesize every examples/*.ts app to examples/dist/<name>.k8s.yaml',
  exec: 'ts-node --project examples/tsconfig.json examples/synth-all.ts',
});

// Products' shell scripts are real files (src/<product>/scripts/*.sh), read at synthesis:
// the build copies them next to the compiled code, so the npm package ships them.
project.compileTask.exec('cd src && find . -path \'*/scripts/*.sh\' -print0 | xargs -0 -r cp --parents -t ../lib/');

// Every TypeScript snippet of the README (and of the API docs) must compile in strict mode:
// Construct Hub translates them to Python, Java, Go and .NET. Fixtures: rosetta/*.ts-fixture.
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile every README / API doc snippet (jsii-rosetta, strict)',
  exec: 'jsii-rosetta extract --strict .jsii',
});
project.postCompileTask.spawn(rosetta);
project.npmignore?.exclude('/rosetta/');

// A consumer's app (examples/consumer/) synthesized against the packed npm tarball only:
// run after `package:js` (.ci/run does). It type-checks with its own strict tsconfig.
project.eslint?.addIgnorePattern('examples/consumer/');
project.addTask('test:consumer', {
  description: 'Synthesize examples/consumer against dist/js/*.tgz (run after package:js)',
  exec: 'bash examples/consumer/run.sh',
});

project.addTask('bench', {
  description: 'Synthesis benchmarks: writes docs/benchmarks.md and docs/benchmarks.svg',
  exec: 'ts-node --project bench/tsconfig.json bench/run.ts',
});

project.synth();
