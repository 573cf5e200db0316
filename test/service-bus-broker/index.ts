export { type BrokerOptions, type ServiceBusBroker, startServiceBusBroker } from './broker.js';
export { DEFAULT_SETTINGS, type MessageView, type QueueSettings } from './entity.js';
