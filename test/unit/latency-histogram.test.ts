import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../src/server/latency';

test('LatencyHistogram percentiles are hdr_value_at_percentile, not the mean', () => {
  const h = new LatencyHistogram();
  for (let i = 0; i < 99; i++) h.record(3000); // 3 usec
  h.record(5_000_000); // one 5 ms call: the mean is ~53 usec
  // 3000 ns lies in a bucket of width 16 (2 significant digits): [2992, 3007]
  assert.equal(h.valueAtPercentile(0), 2992);
  assert.equal(h.valueAtPercentile(50), 3007);
  assert.equal(h.valueAtPercentile(99), 3007);
  assert.equal(h.valueAtPercentile(100), LatencyHistogram.highest(5_000_000));
  assert.ok(Math.abs(h.valueAtPercentile(100) - 5_000_000) / 5_000_000 < 0.01);
  // the CDF: cumulative counts at 2^n usec bounds, ending with every call
  assert.deepEqual(h.cdf(), [
    [4, 99],
    [8388, 100],
  ]);
});

test('an empty LatencyHistogram reports 0 for every percentile', () => {
  const h = new LatencyHistogram();
  assert.equal(h.valueAtPercentile(50), 0);
  assert.deepEqual(h.cdf(), []);
});
