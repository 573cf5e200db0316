// Runs fauxqs on 127.0.0.1:<port> until its parent stops it; used by test/support/servers.ts
// and bench/s3-stream-memory.mjs so that the server's memory is not the client's.
import { buildApp } from 'fauxqs';

const port = Number(process.argv[2] ?? 0);
const app = buildApp({ logger: false, host: 'localhost' });
await app.listen({ host: '127.0.0.1', port });
const stop = () => app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
