import { spawn } from 'node:child_process';

/**
 * 'exit' handlers do not run when the test process is killed (a CI timeout, Jest ending a worker),
 * and an engine it started would be left running on its port for the next run. So a watchdog
 * shell waits on a pipe from this process: when the pipe closes because this process is gone, it
 * runs `shellCommand` (say `kill -9 <pid>`). Call the returned function on an orderly stop,
 * before the engine is gone, so that the watchdog can never signal a pid that has been reused.
 */
export function startWatchdog(shellCommand: string): () => void {
  const watchdog = spawn('sh', ['-c', `read _ignored; ${shellCommand}`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  // Neither the watchdog nor its pipe keeps this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return () => {
    watchdog.kill('SIGKILL');
  };
}
