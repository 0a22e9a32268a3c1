import * as fc from 'fast-check';
import { fuzz, FUZZ_RUNS, fuzzValid, validRecord } from './util/fuzz';
import { coherentMySql, mysqlPropsSpec, statefulMySqlTarget } from './util/fuzz-targets';

test(`StatefulMySql: ${FUZZ_RUNS} generated props cases are each rejected with a prop error or synthesize valid, restricted, data-safe manifests`, () => {
  const stats = fuzz(statefulMySqlTarget);
  if (process.env.FUZZ_REPORT) console.log(JSON.stringify(stats));
  expect(stats.failures).toBe(0);
  expect(stats.cases).toBe(FUZZ_RUNS);
  expect(stats.accepted).toBeGreaterThan(FUZZ_RUNS / 20);
  expect(stats.rejected).toBeGreaterThan(FUZZ_RUNS / 20);
});

test('StatefulMySql: valid props that agree with each other are all accepted (no over-strict validation)', () => {
  const arbitrary = fc.record({ id: fc.constantFrom('mysql', 'db'), props: validRecord(mysqlPropsSpec).map(coherentMySql) });
  expect(fuzzValid(statefulMySqlTarget, arbitrary)).toBeGreaterThanOrEqual(100);
});
