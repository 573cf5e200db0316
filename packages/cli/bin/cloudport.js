#!/usr/bin/env node
// Stays executable in a fresh checkout, before the TypeScript build has run.
await import('../dist/bin.js');
