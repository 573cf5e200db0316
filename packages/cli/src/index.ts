export type { Command, CommandContext } from './context.js';
export { EXIT, UsageError } from './errors.js';
export { main } from './main.js';
export type { CliIo, CliStream } from './output.js';
export type { InputReport, RunReport } from './summary.js';
