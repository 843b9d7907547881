// How many sessions an agent may hold: their own capacity if set; else the tightest capacity of the
// departments they work in that have one configured (a specialist queue can be kept small); else
// the gateway default. Pure, so the rule is testable without sockets.
export function parseDepartmentCapacity(spec: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of spec.split(',')) {
    const [name, n] = pair.split('=').map((s) => s.trim());
    if (name && n && Number(n) >= 1) out[name] = Number(n);
  }
  return out;
}

export function agentCapacity(own: number | null, departments: string[], byDepartment: Record<string, number>, fallback: number): number {
  if (own !== null && own >= 1) return own;
  const configured = departments.map((d) => byDepartment[d]).filter((n): n is number => n !== undefined);
  return configured.length ? Math.min(...configured) : fallback;
}
