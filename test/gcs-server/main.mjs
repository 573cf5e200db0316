#!/usr/bin/env node
// Runs the GCS test server in a process of its own, for benchmarks and manual checks:
//
//   node test/gcs-server/main.mjs [--port 0] [--dir /tmp/objects] [--bucket name ...]
//
// Prints one JSON line, {"url": ..., "port": ...}, once it listens; stops on SIGTERM or SIGINT.
import { parseArgs } from 'node:util';
import { startGcsServer } from './server.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    dir: { type: 'string' },
    bucket: { type: 'string', multiple: true, default: [] },
  },
});
const server = await startGcsServer({
  port: Number(values.port),
  dir: values.dir,
  buckets: values.bucket,
});
process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close().then(() => process.exit(0));
  });
}
