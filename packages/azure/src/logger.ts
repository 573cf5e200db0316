import type { InvocationContext } from '@azure/functions';
import type { LogFields, Logger } from '@cloudport/core';

/**
 * A logger that writes through the invocation context, so that lines reach the host's logs
 * (Application Insights) with the invocation. Fields follow the message as one JSON object;
 * errors in fields are written as their name, message, code and stack.
 */
export function contextLogger(context: InvocationContext, fields?: LogFields): Logger {
  return new ContextLogger(context, fields);
}

class ContextLogger implements Logger {
  private readonly context: InvocationContext;
  private readonly fields: LogFields | undefined;

  constructor(context: InvocationContext, fields: LogFields | undefined) {
    this.context = context;
    this.fields = fields;
  }

  debug(message: string, fields?: LogFields): void {
    this.context.debug(this.line(message, fields));
  }

  info(message: string, fields?: LogFields): void {
    this.context.info(this.line(message, fields));
  }

  warn(message: string, fields?: LogFields): void {
    this.context.warn(this.line(message, fields));
  }

  error(message: string, fields?: LogFields): void {
    this.context.error(this.line(message, fields));
  }

  child(fields: LogFields): Logger {
    return new ContextLogger(this.context, { ...this.fields, ...fields });
  }

  private line(message: string, fields: LogFields | undefined): string {
    const all = this.fields && fields ? { ...this.fields, ...fields } : (fields ?? this.fields);
    if (!all) return message;

    return `${message} ${JSON.stringify(all, errorReplacer)}`;
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;

  return { name: value.name, message: value.message, code, stack: value.stack };
}
