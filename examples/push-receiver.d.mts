/** Types for examples/push-receiver.mjs. */
export function startReceiver(opts: {
  port?: number;
  secret: string;
  onJob?: (job: { id: string; queue: string; payload: unknown; attempt: number }) => unknown;
}): Promise<{ url: string; close(): void }>;
