import { DepthkitError } from '../errors.js';
import { parseShard, type Shard } from './shard.js';

/**
 * `--shard auto`: the part a scheduler gave this process. Slurm job arrays (SLURM_ARRAY_TASK_ID counted from
 * SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT), Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX from 0; the count
 * from --shard-count or DEPTHKIT_SHARD_COUNT, since the pod is not told its Job's completions), GitLab's parallel
 * jobs (CI_NODE_INDEX from 1 of CI_NODE_TOTAL), or any CI matrix through DEPTHKIT_SHARD_INDEX (from 0, e.g. GitHub's
 * strategy.job-index) with DEPTHKIT_SHARD_COUNT (strategy.job-total).
 */
export function shardFromEnv(env: NodeJS.ProcessEnv, countFlag?: number): Shard {
  const int = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new DepthkitError(`--shard auto: ${name}="${v}" is not an integer`);
    return n;
  };
  const count = (fallback?: string) => countFlag ?? (env.DEPTHKIT_SHARD_COUNT !== undefined ? int('DEPTHKIT_SHARD_COUNT', env.DEPTHKIT_SHARD_COUNT) : fallback);
  let index: number;
  let n: number | string | undefined;
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    index = int('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID) - int('SLURM_ARRAY_TASK_MIN', env.SLURM_ARRAY_TASK_MIN ?? '0') + 1;
    n = count(env.SLURM_ARRAY_TASK_COUNT);
  } else if (env.JOB_COMPLETION_INDEX !== undefined) {
    index = int('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX) + 1;
    n = count();
  } else if (env.CI_NODE_INDEX !== undefined) {
    index = int('CI_NODE_INDEX', env.CI_NODE_INDEX);
    n = count(env.CI_NODE_TOTAL);
  } else if (env.DEPTHKIT_SHARD_INDEX !== undefined) {
    index = int('DEPTHKIT_SHARD_INDEX', env.DEPTHKIT_SHARD_INDEX) + 1;
    n = count();
  } else {
    throw new DepthkitError('--shard auto: no scheduler index found (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, CI_NODE_INDEX or DEPTHKIT_SHARD_INDEX)');
  }
  if (n === undefined) throw new DepthkitError('--shard auto: the number of shards is unknown; give --shard-count or DEPTHKIT_SHARD_COUNT');
  return parseShard(`${index}/${n}`);
}

/** `--shard i/n` or `--shard auto`. */
export function resolveShard(text: string | undefined, env: NodeJS.ProcessEnv, countFlag?: number): Shard | undefined {
  if (text === undefined) return undefined;
  return text.trim() === 'auto' ? shardFromEnv(env, countFlag) : parseShard(text);
}
