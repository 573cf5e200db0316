export {
  type AzureInvocation,
  type AzureResult,
  createAzureAdapter,
} from './adapter.js';
export { AZURE_CAPABILITIES } from './capabilities.js';
export { contextLogger } from './logger.js';
export {
  createServiceBusQueue,
  type ServiceBusQueue,
  type ServiceBusQueueOptions,
} from './queue/service-bus.js';
export {
  type AzureHandler,
  type FunctionsApp,
  type RegisteredFunctions,
  type RegisterOptions,
  type Registration,
  registerFunctions,
} from './register.js';
export { type AzureClients, type AzureResolver, createAzureResolver } from './resolver.js';
export type { TokenCredential } from './sdk.js';
export {
  type AzureFunctionSettings,
  type AzureQueueSettings,
  type AzureSettings,
  readAzureSettings,
  SERVICE_BUS_SETTING,
  STORAGE_SETTING,
} from './settings.js';
export { type BlobStoreOptions, createBlobStore } from './storage/blob.js';
export { type NcrontabSchedule, toNcrontab } from './triggers/ncrontab.js';
