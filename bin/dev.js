#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources directly, no build step: start it with tsx loaded (`node --import tsx bin/dev.js`,
// or through the shebang). Commands are discovered in src/commands instead of dist/commands.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Config, execute } from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
pjson.oclif.commands = './src/commands';
const config = await Config.load({ root, pjson });
await execute({ loadOptions: config });
