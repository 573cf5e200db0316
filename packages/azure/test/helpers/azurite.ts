import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The well-known development account of Azurite and the Storage Emulator. */
export const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

interface AzuriteBlobServer {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
}

/** A running in-process Azurite Blob service. */
export interface Azurite {
  connectionString: string;
  blobEndpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts Azurite's Blob service in this process on a free loopback port, keeping everything in
 * memory and accepting any API version of the client (skipApiVersionCheck).
 */
export async function startAzurite(): Promise<Azurite> {
  const BlobServer = require('azurite/dist/src/blob/BlobServer.js').default;
  const BlobConfiguration = require('azurite/dist/src/blob/BlobConfiguration.js').default;
  // host, port, keepAlive, metadata db, extent db, persistence, access log, stream, debug log,
  // debug path, loose, skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, memory.
  const config = new BlobConfiguration(
    '127.0.0.1',
    0,
    undefined,
    'azurite-blob.json',
    'azurite-extents.json',
    undefined,
    false,
    undefined,
    false,
    undefined,
    false,
    true,
    '',
    '',
    '',
    undefined,
    false,
    true,
  );
  const server: AzuriteBlobServer = new BlobServer(config);
  await server.start();
  const port = new URL(server.getHttpServerAddress()).port;
  const blobEndpoint = `http://127.0.0.1:${port}/${DEV_ACCOUNT}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `BlobEndpoint=${blobEndpoint};`;

  return {
    connectionString,
    blobEndpoint,
    stop: async () => {
      await server.close();
      await server.clean();
    },
  };
}
