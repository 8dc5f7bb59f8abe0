import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DepthkitError, FormatError } from '../errors.js';
import { ensureWritableDir, writeFileAtomic } from '../io/atomic.js';
import { readCsv, type CsvTable } from '../io/csv.js';
import { compareTables, type CompareResult, type GateMode } from './compare.js';
import { loadCiConfig, type CiConfig } from './config.js';
import { comparisonJunit } from './junit.js';
import { comparisonMarkdown } from './markdown.js';
import { isKnownColumn } from './metric-direction.js';
import { protocolDifferences, type ProtocolDifference } from './protocol-check.js';
import { parseTolerance, parseToleranceList, DEFAULT_TOLERANCE, type Tolerance } from './tolerance.js';

/** Key columns tried in order; 'a+b' matches rows on both (the video benchmarks' sequences.csv). */
export const DEFAULT_KEYS = ['name', 'model', 'video', 'dataset+sequence', 'dataset'];

/** What `depthkit compare` was asked; flags override the config file. */
export interface CompareRequest {
  baseline: string;
  candidate: string;
  cwd: string;
  config?: string;
  key?: string;
  metrics?: string[];
  tolerance?: string[];
  defaultTolerance?: string;
  gate?: GateMode;
  resamples?: number;
  seed?: number;
  confidence?: number;
  allowNewRows: boolean;
  allowMissingRows: boolean;
  /** Compare inf / -inf / nan cells (each such cell leaves its row out, as NaN does) instead of refusing them. */
  allowNonfinite?: boolean;
  strictProtocol: boolean;
  markdown?: string;
  junit?: string;
  reportLink?: string;
  /** $GITHUB_STEP_SUMMARY: the Markdown is appended there too. */
  stepSummary?: string;
}

export interface CompareRun {
  result: CompareResult;
  protocol: ProtocolDifference[];
  confidence: number;
  config?: string;
  markdown: string;
  written: string[];
}

function usage(message: string): DepthkitError {
  return new DepthkitError(message, { exitCode: 2 });
}

function flagTolerances(req: CompareRequest): { tolerances: Record<string, Tolerance>; defaultTolerance?: Tolerance } {
  const { tolerances, error } = parseToleranceList(req.tolerance ?? []);
  if (error) throw usage(`--tolerance: ${error}`);
  const unknown = Object.keys(tolerances).find((m) => !isKnownColumn(m));
  if (unknown) throw usage(`--tolerance: unknown metric "${unknown}"`);
  if (req.defaultTolerance === undefined) return { tolerances };
  const defaultTolerance = parseTolerance(req.defaultTolerance);
  if (!defaultTolerance) throw usage(`--default-tolerance: "${req.defaultTolerance}" is not a number or percentage`);
  return { tolerances, defaultTolerance };
}

function resolveKey(req: CompareRequest, config: CiConfig | undefined, base: [string, CsvTable], cand: [string, CsvTable]): string | undefined {
  const has = (t: CsvTable, key: string) => key.split('+').every((c) => t.columns.includes(c));
  if (req.key) {
    for (const [file, t] of [base, cand]) if (!has(t, req.key)) throw new FormatError(file, `has no key column "${req.key}"`);
    return req.key;
  }
  return (config?.keys ?? DEFAULT_KEYS).find((k) => has(base[1], k) && has(cand[1], k));
}

async function writeOutput(file: string, text: string): Promise<void> {
  await ensureWritableDir(path.dirname(file));
  await writeFileAtomic(file, text);
}

/**
 * Reads, validates and compares; writes the Markdown/JUnit outputs only after everything succeeded, so unusable
 * input (a DepthkitError, exit 2) leaves no file behind.
 */
export async function runCompare(req: CompareRequest): Promise<CompareRun> {
  const config = await loadCiConfig(req.cwd, req.config);
  const flags = flagTolerances(req);
  const confidence = req.confidence ?? config?.confidence ?? 0.95;
  const resamples = req.resamples ?? config?.resamples ?? 10000;
  if (!(confidence > 0 && confidence < 1)) throw usage(`--confidence must be between 0 and 1 (got ${confidence})`);
  if (!Number.isInteger(resamples) || resamples < 100) throw usage(`--resamples must be an integer of at least 100 (got ${resamples})`);
  const baselineFile = config?.baselines?.[req.baseline] ?? req.baseline;
  const base: [string, CsvTable] = [baselineFile, await readCsv(baselineFile)];
  const cand: [string, CsvTable] = [req.candidate, await readCsv(req.candidate)];
  const result = compareTables({ file: base[0], table: base[1] }, { file: cand[0], table: cand[1] }, {
    key: resolveKey(req, config, base, cand),
    metrics: req.metrics ?? config?.gate?.metrics,
    report: config?.gate?.report,
    tolerances: { ...config?.tolerances, ...flags.tolerances },
    defaultTolerance: flags.defaultTolerance ?? config?.defaultTolerance ?? DEFAULT_TOLERANCE,
    gate: req.gate ?? config?.gateMode ?? 'mean',
    bootstrap: { resamples, confidence, seed: req.seed ?? config?.seed ?? 1 },
    allowNewRows: req.allowNewRows,
    allowMissingRows: req.allowMissingRows,
    allowNonfinite: req.allowNonfinite ?? false,
  });
  const protocol = protocolDifferences(base[1].meta, cand[1].meta);
  if (protocol.length && req.strictProtocol) {
    const d = protocol[0];
    throw new DepthkitError(`protocol differs from ${baselineFile}: ${d.field} = ${d.candidate} vs ${d.baseline} (--strict-protocol)`, { file: req.candidate, exitCode: 2 });
  }
  const markdown = comparisonMarkdown(result, { confidence, reportLink: req.reportLink, protocol });
  const written: string[] = [];
  if (req.markdown) {
    await writeOutput(req.markdown, markdown);
    written.push(req.markdown);
  }
  if (req.junit) {
    await writeOutput(req.junit, comparisonJunit(result));
    written.push(req.junit);
  }
  if (req.stepSummary) {
    await fs.appendFile(req.stepSummary, `${markdown}\n`);
    written.push(req.stepSummary);
  }
  return { result, protocol, confidence, config: config?.source, markdown, written };
}
