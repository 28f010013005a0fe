#!/usr/bin/env node
// Entry point for the `herald` bin: runs the TypeScript CLI directly (Node 24 strips types).
import '../workers/index.ts';
