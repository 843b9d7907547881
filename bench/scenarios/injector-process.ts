// Runs the existing injector benchmark in its own process, so its CPU-bound passes neither share a
// heap with the harness nor block its progress bar (and, with --quick, can overlap other scenarios).
import { runInjectorBench } from '../injector/injector.bench.ts';
import { serve } from '../lib/rpc.ts';

serve({ run: (a: { quick: boolean }) => runInjectorBench({ quick: a.quick }) });
