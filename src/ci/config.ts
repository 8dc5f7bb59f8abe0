import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DepthkitError } from '../errors.js';
import { isKnownColumn } from './metric-direction.js';
import { parseTolerance, type Tolerance } from './tolerance.js';

export const CONFIG_FILE = 'depthkit.config.json';

const metricName = z.string().refine(isKnownColumn, { message: 'unknown metric' });
const toleranceValue = z.union([z.number(), z.string()]).refine((v) => parseTolerance(v) !== undefined, {
  message: 'must be a non-negative number or a percentage like "1%"',
});

const configSchema = z.strictObject({
  tolerances: z.record(metricName, toleranceValue).optional(),
  defaultTolerance: toleranceValue.optional(),
  gate: z.strictObject({ metrics: z.array(metricName).optional(), report: z.array(metricName).optional() }).optional(),
  keys: z.array(z.string().min(1)).min(1).optional(),
  baselines: z.record(z.string(), z.string().min(1)).optional(),
  gateMode: z.enum(['mean', 'significant']).optional(),
  resamples: z.number().int().min(100).max(1_000_000).optional(),
  confidence: z.number().gt(0).lt(1).optional(),
  seed: z.number().int().optional(),
});

type RawConfig = z.infer<typeof configSchema>;

/** The validated CI settings, tolerances already parsed; `source` names where they came from for messages. */
export interface CiConfig extends Omit<RawConfig, 'tolerances' | 'defaultTolerance'> {
  tolerances: Record<string, Tolerance>;
  defaultTolerance?: Tolerance;
  source: string;
}

/** Validates a parsed config object; the first problem becomes a one-line error naming the file and field. */
export function parseCiConfig(raw: unknown, source: string): CiConfig {
  const res = configSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const unknownField = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const field = [...issue.path.map(String), ...(unknownField ? [unknownField] : [])].join('.') || '(top level)';
    // zod reports a rejected record key (a tolerance for an unknown metric) with a generic text.
    const message = unknownField ? 'unknown field' : issue.code === 'invalid_key' ? 'unknown metric' : issue.message;
    throw new DepthkitError(`${field}: ${message}`, { file: source, exitCode: 2 });
  }
  const { tolerances, defaultTolerance, ...rest } = res.data;
  return {
    ...rest,
    tolerances: Object.fromEntries(Object.entries(tolerances ?? {}).map(([k, v]) => [k, parseTolerance(v) as Tolerance])),
    defaultTolerance: defaultTolerance === undefined ? undefined : parseTolerance(defaultTolerance),
    source,
  };
}

async function readJson(file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DepthkitError(`cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file, exitCode: 2 });
  }
  try {
    // Windows editors save JSON with a byte-order mark, which JSON.parse rejects.
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new DepthkitError('is not valid JSON', { file, exitCode: 2 });
  }
}

/**
 * Loads `explicit` when given (it must exist), else depthkit.config.json in `cwd`, else the `depthkit` key of
 * package.json in `cwd`; undefined when there is no config at all.
 */
export async function loadCiConfig(cwd: string, explicit?: string): Promise<CiConfig | undefined> {
  if (explicit) {
    const raw = await readJson(explicit);
    if (raw === undefined) throw new DepthkitError('config file not found', { file: explicit, exitCode: 2 });
    return parseCiConfig(raw, explicit);
  }
  const file = path.join(cwd, CONFIG_FILE);
  const raw = await readJson(file);
  if (raw !== undefined) return parseCiConfig(raw, CONFIG_FILE);
  const pkg = (await readJson(path.join(cwd, 'package.json'))) as { depthkit?: unknown } | undefined;
  return pkg?.depthkit === undefined ? undefined : parseCiConfig(pkg.depthkit, 'package.json#depthkit');
}
