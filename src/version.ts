import { createRequire } from 'node:module';

// The same relative path holds from src/ (tsx) and from dist/ (built).
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** depthkit's own version, stamped into every CSV sidecar, run.json and baseline record. */
export const DEPTHKIT_VERSION: string = pkg.version;
