#!/usr/bin/env node
// The mprtc-server command of the installed package. The server is TypeScript source run through
// tsx (a dependency), registered in this same process: the PID is the server's, so signals and
// the exit code are its own.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
