import * as fc from 'fast-check';
import { fuzz, FUZZ_RUNS, fuzzValid, validRecord } from './util/fuzz';
import { coherentPet, petPropsSpec, petServiceTarget } from './util/fuzz-targets';

test(`PetService: ${FUZZ_RUNS} generated props cases are each rejected with a prop error or synthesize valid, restricted, data-safe manifests`, () => {
  const stats = fuzz(petServiceTarget);
  if (process.env.FUZZ_REPORT) console.log(JSON.stringify(stats));
  expect(stats.failures).toBe(0);
  expect(stats.cases).toBe(FUZZ_RUNS);
  // The generator must exercise both outcomes, or it tests nothing.
  expect(stats.accepted).toBeGreaterThan(FUZZ_RUNS / 20);
  expect(stats.rejected).toBeGreaterThan(FUZZ_RUNS / 20);
});

test('PetService: valid props that agree with each other are all accepted (no over-strict validation)', () => {
  const arbitrary = fc.record({ id: fc.constantFrom('web', 'db', 'Pets'), props: validRecord(petPropsSpec).map(coherentPet) });
  expect(fuzzValid(petServiceTarget, arbitrary)).toBeGreaterThanOrEqual(100);
});
