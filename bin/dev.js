#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources directly, no build step: start it with tsx loaded (`node --import tsx bin/dev.js`,
// or through the shebang). Commands are discovered in src/commands instead of dist/commands, and the
// oclif.manifest.json that a build writes (it points at dist/) is ignored.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Config, execute, Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
pjson.oclif.commands = './src/commands';
const plugin = new Plugin({ root, pjson, type: 'core', isRoot: true, ignoreManifest: true });
await plugin.load();
const config = await Config.load({ root, pjson, plugins: new Map([[plugin.name, plugin]]) });
await execute({ loadOptions: config });
