#!/usr/bin/env node
import { main, reportUncaught } from './main.js';
import { exitWith, processIo } from './output.js';

const io = processIo();
// Errors that escape the command (a handler's stray promise, an emitter without a listener)
// still end in one line and exit code 2 rather than a raw stack.
const crash = (error: unknown) => void exitWith(reportUncaught(error, io));
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

await exitWith(await main(process.argv.slice(2), io));
