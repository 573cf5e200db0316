import type { LogFields, Logger } from '@cloudport/core';

/**
 * A logger whose children are made on first use. The core asks for a child logger (carrying
 * the invocation id) on every invocation; most invocations log nothing, and a child of the
 * core's JSON logger costs about a microsecond to make, so it is made only when a line is
 * written. Lines are the same as the wrapped logger's.
 */
export class DeferredLogger implements Logger {
  private made: Logger | undefined;
  private readonly parent: Logger;
  private readonly fields: LogFields | undefined;

  constructor(parent: Logger, fields?: LogFields) {
    this.parent = parent;
    this.fields = fields;
  }

  debug(message: string, fields?: LogFields): void {
    this.logger().debug(message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.logger().info(message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.logger().warn(message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.logger().error(message, fields);
  }

  child(fields: LogFields): Logger {
    return new DeferredLogger(this, fields);
  }

  private logger(): Logger {
    if (this.made) return this.made;
    const parent = this.parent instanceof DeferredLogger ? this.parent.logger() : this.parent;
    this.made = this.fields === undefined ? parent : parent.child(this.fields);

    return this.made;
  }
}
