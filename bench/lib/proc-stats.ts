// Process figures read from the kernel, the same way for the gateway and for the peers.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Resident set size of a process in bytes (Linux /proc/<pid>/status VmRSS), or NaN elsewhere. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU time (user + system) a process has used, in seconds, from /proc/<pid>/stat; NaN elsewhere. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}
/** System (kernel) CPU time of a process in seconds: the syscalls' share of cpuSecondsOf. */
export function systemCpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) / CLK_TCK;
  } catch {
    return NaN;
  }
}
// USER_HZ is 100 on every mainstream Linux build.
const CLK_TCK = 100;

/** Machine-wide CPU time from /proc/stat, in jiffies: busy (everything but idle and iowait) and total. */
export function machineCpu(): { busy: number; total: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - f[3] - (f[4] ?? 0), total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** Share of all CPUs that were busy between two machineCpu() readings, in percent. */
export const busyPercent = (a: { busy: number; total: number }, b: { busy: number; total: number }) => ((b.busy - a.busy) / (b.total - a.total)) * 100;
