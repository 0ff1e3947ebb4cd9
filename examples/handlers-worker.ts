/**
 * A Cloudflare Worker that is its own queue consumer: a handler per queue, run right after an
 * enqueue (`immediate`) and by the Cron Trigger's tick, plus a schedule defined in code.
 * Deploy with `wrangler deploy examples/handlers-worker.ts` (and a store: see the README).
 * In your project, import from 'edgeq' and 'edgeq/drivers/...' instead of ../src.
 */
import { memoryDriver } from '../src/drivers/memory/index.js';
import { createWorker } from '../src/index.js';

export default createWorker((env: { EDGEQ_TOKEN?: string }) => ({
  // Memory keeps the example self-contained; use upstashDriver / postgresDriver / libsqlDriver.
  driver: memoryDriver(),
  ...(env.EDGEQ_TOKEN ? { token: env.EDGEQ_TOKEN } : {}),
  handlers: {
    email: {
      immediate: true,
      handler: async (job, ctx) => {
        const { to } = job.payload as { to: string };
        // ... send the email, using job.id as the provider's idempotency key ...
        ctx.enqueue('audit', { payload: { event: 'email.sent', to, job: job.id } });
        return { sent: true };
      },
    },
    audit: (job) => ({ recorded: job.payload }),
  },
  schedules: {
    // Every 20 seconds, from a once-a-minute Cron Trigger: slots are enqueued ahead as delayed jobs.
    heartbeat: { cron: '*/20 * * * * *', queue: 'audit', payload: { event: 'heartbeat' } },
  },
}));
