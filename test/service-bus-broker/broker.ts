// The test broker's AMQP side: a rhea container that speaks enough of Service Bus for
// @azure/service-bus to send, receive and settle, with CBS and management requests answered.
import type { AddressInfo, Server, Socket } from 'node:net';
import rhea from 'rhea';
import {
  type AmqpMessage,
  ANNOTATIONS,
  acceptedOutcome,
  CONDITIONS,
  decodeTransfer,
  newLockToken,
  rejectedOutcome,
  sequenceValue,
} from './codec.js';
import { DEFAULT_SETTINGS, type MessageView, QueueEntity, type QueueSettings } from './entity.js';
import { answerCbs, answerManagement } from './management.js';

type Sender = rhea.Sender;
type Receiver = rhea.Receiver;
type Delivery = rhea.Delivery;
type Connection = rhea.Connection;
type Context = rhea.EventContext & { format?: number };

/** Options of {@link startServiceBusBroker}. */
export interface BrokerOptions {
  /** Interface to listen on. Defaults to 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Create a queue with the defaults when a client names an unknown one. Defaults to true. */
  autoCreate?: boolean;
  /** Settings of queues created without their own. */
  defaults?: Partial<QueueSettings>;
}

/** A running test broker. */
export interface ServiceBusBroker {
  readonly host: string;
  readonly port: number;
  /** A connection string for `new ServiceBusClient(...)`, with `UseDevelopmentEmulator=true`. */
  readonly connectionString: string;
  /** Creates (or replaces) a queue with the given settings. */
  createQueue(name: string, settings?: Partial<QueueSettings>): void;
  /** The messages of a queue, or of its dead-letter subqueue (`<name>/$deadletterqueue`). */
  messages(name: string): MessageView[];
  /** How many transfers (single messages or batches) clients sent to a queue. */
  transfers(name: string): number;
  /** Stops listening, drops every connection and stops every timer. */
  close(): Promise<void>;
}

interface LinkCredit {
  entity: QueueEntity;
  /** Deliveries queued on the link since it opened (or counted as spent by a drain). */
  sent: number;
}

/** Starts the broker on a loopback port; see README.md beside this file for what it answers. */
export async function startServiceBusBroker(
  options: BrokerOptions = {},
): Promise<ServiceBusBroker> {
  const broker = new Broker(options);
  await broker.listen();

  return broker;
}

class Broker implements ServiceBusBroker {
  readonly host: string;
  port = 0;
  private readonly options: BrokerOptions;
  private readonly container = rhea.create_container({ id: 'cloudport-service-bus-broker' });
  private readonly entities = new Map<string, QueueEntity>();
  private readonly consumers = new Map<QueueEntity, Set<Sender>>();
  private readonly replyLinks = new WeakMap<Connection, Map<string, Sender>>();
  private readonly locks = new WeakMap<Delivery, { entity: QueueEntity; token: string }>();
  private readonly credits = new WeakMap<Sender, LinkCredit>();
  private readonly pending = new Set<string>();
  private readonly transferCounts = new Map<QueueEntity, number>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private sequence = 0;

  constructor(options: BrokerOptions) {
    this.options = options;
    this.host = options.host ?? '127.0.0.1';
  }

  get connectionString(): string {
    return (
      `Endpoint=sb://${this.host}:${this.port};SharedAccessKeyName=RootManageSharedAccessKey;` +
      'SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true'
    );
  }

  async listen(): Promise<void> {
    const mechanisms = this.container.sasl_server_mechanisms;
    mechanisms.enable_anonymous();
    mechanisms.enable_plain(() => true);
    this.wire();
    const server = this.container.listen({
      host: this.host,
      port: this.options.port ?? 0,
      sender_options: { autosettle: false, treat_modified_as_released: false },
      receiver_options: { autoaccept: false },
    } as rhea.ServerConnectionOptions) as unknown as Server;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  createQueue(name: string, settings: Partial<QueueSettings> = {}): void {
    const key = name.toLowerCase();
    this.entities.get(key)?.close();
    const merged = { ...DEFAULT_SETTINGS, ...this.options.defaults, ...settings };
    const entity = new QueueEntity(
      name,
      merged,
      () => ++this.sequence,
      () => this.pumpLater(key),
    );
    this.entities.set(key, entity);
  }

  messages(name: string): MessageView[] {
    return this.resolve(name, false)?.view() ?? [];
  }

  transfers(name: string): number {
    const entity = this.resolve(name, false);

    return entity ? (this.transferCounts.get(entity) ?? 0) : 0;
  }

  async close(): Promise<void> {
    for (const entity of this.entities.values()) entity.close();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private wire(): void {
    const events = this.container as unknown as NodeJS.EventEmitter;
    const on = (event: string, handler: (context: Context) => void) =>
      events.on(event, (context: Context) => handler(context));
    on('sender_open', (context) => this.openSender(context.sender as Sender));
    on('receiver_open', (context) => this.openReceiver(context.receiver as Receiver));
    on('message', (context) => this.receive(context));
    on('sendable', (context) => this.pumpLink(context.sender as Sender));
    on('sender_draining', (context) => this.drain(context.sender as Sender));
    for (const outcome of ['accepted', 'rejected', 'modified', 'released']) {
      on(outcome, (context) => this.settle(context.delivery as Delivery, outcome));
    }
    on('sender_close', (context) => this.forget(context.sender as Sender));
    on('connection_close', (context) => this.forgetConnection(context.connection));
    on('disconnected', (context) => this.forgetConnection(context.connection));
    // Without a listener, rhea throws link and connection errors from the event loop.
    events.on('error', () => undefined);
  }

  private openSender(sender: Sender): void {
    const address = sender.source?.address ?? '';
    sender.set_source({ ...sender.source, address });
    sender.set_target(sender.target ?? {});
    const local = (sender as unknown as { local: { attach: Record<string, unknown> } }).local
      .attach;
    local.snd_settle_mode = sender.snd_settle_mode;
    local.rcv_settle_mode = sender.rcv_settle_mode;
    if (address === '$cbs' || address.toLowerCase().endsWith('/$management')) {
      const links = this.replyLinks.get(sender.connection) ?? new Map<string, Sender>();
      links.set(sender.name, sender);
      this.replyLinks.set(sender.connection, links);
      return;
    }
    const entity = this.resolve(address, this.options.autoCreate ?? true);
    if (!entity) {
      sender.close({ condition: CONDITIONS.notFound, description: `No queue ${address}.` });
      return;
    }
    this.credits.set(sender, { entity, sent: 0 });
    const links = this.consumers.get(entity) ?? new Set<Sender>();
    links.add(sender);
    this.consumers.set(entity, links);
  }

  private openReceiver(receiver: Receiver): void {
    const address = receiver.target?.address ?? '';
    receiver.set_target({ ...receiver.target, address });
    receiver.set_source(receiver.source ?? {});
    if (address === '$cbs' || address.toLowerCase().endsWith('/$management')) return;
    const entity = this.resolve(address, this.options.autoCreate ?? true);
    if (!entity) {
      receiver.close({ condition: CONDITIONS.notFound, description: `No queue ${address}.` });
      return;
    }
    const local = (receiver as unknown as { local: { attach: Record<string, unknown> } }).local
      .attach;
    local.max_message_size = entity.settings.maxMessageBytes;
  }

  private receive(context: Context): void {
    const receiver = context.receiver as Receiver;
    const delivery = context.delivery as Delivery;
    const address = receiver.target?.address ?? '';
    const message = context.message as AmqpMessage;
    if (address === '$cbs' || address.toLowerCase().endsWith('/$management')) {
      const reply = address === '$cbs' ? answerCbs(message) : this.management(address, message);
      this.replyLinks
        .get(receiver.connection)
        ?.get(String(message.reply_to))
        ?.send(reply as rhea.Message);
      delivery.accept();
      return;
    }
    const entity = this.resolve(address, true);
    const parts = decodeTransfer(context.message as AmqpMessage | Buffer, context.format);
    const limit = entity?.settings.maxMessageBytes ?? DEFAULT_SETTINGS.maxMessageBytes;
    const oversized = parts.find((part) => part.size > limit);
    if (!entity || oversized) {
      const description = oversized
        ? `The message of ${oversized.size} bytes is over the entity's ${limit}-byte limit.`
        : `No queue ${address}.`;
      delivery.reject({
        condition: oversized ? CONDITIONS.tooLarge : CONDITIONS.notFound,
        description,
      });
      return;
    }
    this.transferCounts.set(entity, (this.transferCounts.get(entity) ?? 0) + 1);
    for (const part of parts) entity.enqueue(part.message);
    delivery.accept();
  }

  private management(address: string, request: AmqpMessage): AmqpMessage {
    const entity = this.resolve(address.replace(/\/\$management$/i, ''), true);

    return answerManagement(entity, request);
  }

  private drain(sender: Sender): void {
    this.pumpLink(sender);
    const link = sender as unknown as { credit: number; delivery_count: number };
    const credit = this.credits.get(sender);
    // Draining spends the credit left: count it as used.
    if (credit) credit.sent = link.delivery_count + link.credit;
    sender.set_drained(true);
  }

  private pumpLater(key: string): void {
    if (this.pending.has(key)) return;
    this.pending.add(key);
    setImmediate(() => {
      this.pending.delete(key);
      const entity = this.entities.get(key);
      if (!entity) return;
      this.pump(entity);
      if (entity.deadLetters) this.pump(entity.deadLetters);
    });
  }

  private pump(entity: QueueEntity): void {
    for (const sender of this.consumers.get(entity) ?? []) this.pumpLink(sender);
  }

  private pumpLink(sender: Sender): void {
    const credit = this.credits.get(sender);
    if (!credit || !sender.is_open()) return;
    const { entity } = credit;
    const link = sender as unknown as { credit: number; delivery_count: number };
    const presettled = sender.snd_settle_mode === 1;
    while (link.delivery_count + link.credit - credit.sent > 0) {
      const { tag, token } = newLockToken();
      const stored = presettled ? entity.takeNext() : entity.lockNext(token);
      if (!stored) return;
      const message: AmqpMessage = {
        ...stored.message,
        delivery_count: stored.deliveryCount,
        message_annotations: {
          ...stored.message.message_annotations,
          [ANNOTATIONS.enqueuedTime]: new Date(stored.enqueuedAt),
          [ANNOTATIONS.sequenceNumber]: sequenceValue(stored.sequence),
          ...(stored.lock ? { [ANNOTATIONS.lockedUntil]: new Date(stored.lock.until) } : {}),
        },
      };
      const delivery = sender.send(message as rhea.Message, tag);
      credit.sent += 1;
      if (!presettled) this.locks.set(delivery, { entity, token });
    }
  }

  private settle(delivery: Delivery, outcome: string): void {
    const lock = this.locks.get(delivery);
    if (!lock) return;
    this.locks.delete(delivery);
    const done = lock.entity.settle(lock.token, outcome, delivery.remote_state ?? {});
    delivery.update(
      true,
      done
        ? acceptedOutcome()
        : rejectedOutcome(
            CONDITIONS.lockLost,
            'The lock on the message was lost; it expired or the message was settled.',
          ),
    );
    // The client settles second without telling us; count it settled so that rhea can drop the
    // delivery from the session's 2,048-entry window.
    (delivery as unknown as { remote_settled: boolean }).remote_settled = true;
  }

  private forget(sender: Sender): void {
    for (const senders of this.consumers.values()) senders.delete(sender);
  }

  private forgetConnection(connection: Connection): void {
    for (const senders of this.consumers.values()) {
      for (const sender of senders) if (sender.connection === connection) senders.delete(sender);
    }
  }

  private resolve(address: string, create: boolean): QueueEntity | undefined {
    const path = (address.includes('://') ? new URL(address).pathname : address).replace(
      /^\/+/,
      '',
    );
    const match = /^(.*)\/\$deadletterqueue$/i.exec(path);
    const name = match?.[1] ?? path;
    if (!this.entities.has(name.toLowerCase()) && create && name !== '') this.createQueue(name);
    const entity = this.entities.get(name.toLowerCase());

    return match ? entity?.deadLetters : entity;
  }
}
