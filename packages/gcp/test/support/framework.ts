import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';

/** A functions-framework server for one registered function, listening on a local port. */
export interface ServedFunction {
  url: string;
  close(): Promise<void>;
}

/** Serves a registered function through the framework's own test server. */
export async function serve(entryPoint: string): Promise<ServedFunction> {
  const server: Server = getTestServer(entryPoint);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
