import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startWatchdog } from './watchdog.js';

const ROOT = join(import.meta.dirname, '..', '..');
/**
 * Builds of their own, so that tests never race `npm run build` over dist/: one per state of
 * the sources (.test-dist/<hash of src, migrations and the build config>), so that the test
 * files that start real processes, running in parallel workers, compile once and never start
 * a process from a build another worker is still writing.
 */
const BUILDS_DIR = join(ROOT, '.test-dist');
const BUILD_DIR = join(BUILDS_DIR, sourceHash());

/** Compiles the service as production runs it (tsc, tsconfig.build.json), once per source state. */
export async function buildService(): Promise<void> {
  if (existsSync(BUILD_DIR)) return;
  const scratch = `${BUILD_DIR}.${process.pid}.tmp`;
  await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      scratch,
      '--incremental',
      'false',
    ],
    { cwd: ROOT },
  );
  // A directory appears whole with rename(); a worker that lost the race drops its own copy.
  try {
    renameSync(scratch, BUILD_DIR);
  } catch {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts')) hash.update(path).update(readFileSync(join(ROOT, path)));
    }
  };
  walk('src');
  walk('migrations');
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) {
    hash.update(readFileSync(join(ROOT, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

export interface RunningService {
  child: ChildProcessWithoutNullStreams;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/**
 * Starts the built service as a child process with exactly `env` (plus PATH); `entry` names
 * another compiled command instead (e.g. 'src/scripts/seed.js').
 */
export function startService(env: Record<string, string>, entry = 'src/main.js'): RunningService {
  const child = spawn(process.execPath, [join(BUILD_DIR, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Never left running by a test process that is killed before it stops the service.
  if (child.pid) void exited.then(startWatchdog(`kill -9 ${child.pid} 2>/dev/null`));
  return { child, stdout, stderr, exited };
}

/**
 * Polls until `check` passes, or fails the test after `attempts` tries 100 ms apart, with the
 * error `check` threw on its last try (if it threw).
 */
export async function eventually(check: () => Promise<boolean>, attempts = 300): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    lastError = undefined;
    const passed = await check().catch((error: unknown) => {
      lastError = error;
      return false;
    });
    if (passed) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const why = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`;
  throw new Error(`condition not met in time${why}`);
}
