/**
 * BullMQ (job queues on Lua scripts and streams) against tredis and against
 * redis-server 7.0 with the same workload: jobs with priorities, delays and
 * retries, a repeatable job and queue events; both servers must end with the
 * same jobs, results, attempt counts and queue counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, Worker, QueueEvents } from 'bullmq';
import { redisAvailable, startRedis, startTredis, SKIP_NO_REDIS, waitFor } from '../helpers/servers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;
const JOBS = 1000;

interface Outcome {
  results: string[];
  attempts: number[];
  counts: Record<string, number>;
  completedEvents: number;
  repeatedRuns: number;
}

async function round(port: number): Promise<Outcome> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = 'acceptance';
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  let completedEvents = 0;
  events.on('completed', () => completedEvents++);
  const failedOnce = new Set<string>();
  let repeatedRuns = 0;
  const worker = new Worker(
    name,
    async (job) => {
      if (job.name === 'tick') {
        repeatedRuns++;
        return 'tick';
      }
      const i = job.data.i as number;
      // every 10th job fails its first attempt and is retried
      if (i % 10 === 0 && !failedOnce.has(String(job.id))) {
        failedOnce.add(String(job.id));
        throw new Error(`fail ${i}`);
      }
      return `r${i * 2}`;
    },
    { connection, concurrency: 8 },
  );
  try {
    for (let i = 0; i < JOBS; i++) {
      await queue.add('job', { i }, { jobId: `job-${i}`, attempts: 3, priority: (i % 3) + 1, delay: i % 7 === 0 ? 100 : 0 });
    }
    // a job scheduler (repeatable job): two runs, 200 ms apart
    await queue.upsertJobScheduler('ticker', { every: 200, limit: 2 }, { name: 'tick', data: {} });
    await waitFor(async () => (await queue.getJobCounts('completed')).completed >= JOBS + 2, 60000, 'all jobs completed');
    await waitFor(() => completedEvents >= JOBS + 2, 10000, 'completed events');
    const results: string[] = [];
    const attempts: number[] = [];
    for (let i = 0; i < JOBS; i++) {
      const job = await queue.getJob(`job-${i}`);
      assert.ok(job, `job-${i}`);
      results.push(String(job.returnvalue));
      attempts.push(job.attemptsMade);
    }
    const counts = await queue.getJobCounts('active', 'completed', 'delayed', 'failed', 'prioritized', 'waiting');
    return { results, attempts, counts, completedEvents, repeatedRuns };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await events.close();
  }
}

test('BullMQ: the same queue round on tredis and on redis-server ends the same', { skip, timeout: 180000 }, async () => {
  const tredis = await startTredis();
  const redis = await startRedis();
  try {
    const want = await round(redis.port);
    const got = await round(tredis.port);
    assert.deepEqual(got.results, want.results);
    assert.deepEqual(got.attempts, want.attempts);
    assert.deepEqual(got.counts, want.counts);
    assert.equal(got.repeatedRuns, want.repeatedRuns);
    assert.equal(got.completedEvents, want.completedEvents);
    // what the round is made of, so the comparison is not of two empty runs
    assert.equal(want.results.length, JOBS);
    assert.equal(want.attempts.filter((a) => a === 2).length, JOBS / 10);
    assert.equal(want.counts.completed, JOBS + 2);
  } finally {
    await tredis.close();
    await redis.stop();
  }
});
