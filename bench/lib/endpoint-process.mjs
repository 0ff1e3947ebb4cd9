// Child process of bench/lib/services.mjs: runs one local endpoint and answers its parent's
// requests for the endpoint's counters.
import { pathToFileURL } from 'node:url';

let server;
process.on('message', async (m) => {
  if (m.start) {
    const mod = await import(pathToFileURL(m.start.modulePath).href);
    server =
      m.start.kind === 'upstash'
        ? await mod.startUpstashServer(m.start.opts)
        : await mod.startNeonHttpServer(m.start.opts);
    process.send({ url: server.url, port: server.port, token: server.token });
  } else if (m.counts) {
    process.send({
      requests: server.requests,
      commands: server.commands ?? 0,
      queries: server.queries ?? 0,
    });
  } else if (m.close) {
    await server?.close();
    process.exit(0);
  }
});

// The parent is gone (it crashed or exited without close()): do not linger as an orphan.
process.on('disconnect', () => process.exit(0));
