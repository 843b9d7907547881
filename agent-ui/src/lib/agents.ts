// Agent directory helpers for the admin page and the transfer form. Pure, unit-tested.
import type { DirectoryAgent, NewAgentInput, Role } from './api.ts';

/** "billing, Sales ,billing" → ["billing", "sales"] (lower-case, unique, in order). */
export function parseDepartments(input: string): string[] {
  const out: string[] = [];
  for (const part of input.split(',')) {
    const d = part.trim().toLowerCase();
    if (d && d.length <= 64 && !out.includes(d)) out.push(d);
  }
  return out;
}

/** Every department some enabled agent serves, sorted. */
export function departmentsOf(agents: readonly Pick<DirectoryAgent, 'departments' | 'disabled'>[]): string[] {
  const set = new Set<string>();
  for (const a of agents) if (!a.disabled) for (const d of a.departments) set.add(d);
  return [...set].sort((a, b) => a.localeCompare(b));
}

/** Agents a session can be handed to: enabled, not me, by name. */
export function transferTargets(agents: readonly DirectoryAgent[], myId: string): DirectoryAgent[] {
  return agents.filter((a) => !a.disabled && a.id !== myId).sort((a, b) => a.name.localeCompare(b.name));
}

export interface AgentForm {
  email: string;
  name: string;
  password: string;
  role: Role;
  departments: string;
  capacity: string;
}

export type FormResult<T> = { ok: true; value: T } | { ok: false; field: keyof AgentForm; message: string };

/** Capacity field: '' means the gateway's default. */
export function parseCapacity(text: string): { ok: true; value: number | null } | { ok: false; message: string } {
  const t = text.trim();
  if (!t) return { ok: true, value: null };
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1 || n > 100) return { ok: false, message: 'Capacity is a whole number from 1 to 100 (or empty for the default).' };
  return { ok: true, value: n };
}

export function validateNewAgent(f: AgentForm): FormResult<NewAgentInput> {
  const email = f.email.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { ok: false, field: 'email', message: 'Enter a valid email address.' };
  const name = f.name.trim();
  if (name.length > 80) return { ok: false, field: 'name', message: 'The name is too long (80 characters at most).' };
  if (f.password.length < 8) return { ok: false, field: 'password', message: 'The password needs at least 8 characters.' };
  const cap = parseCapacity(f.capacity);
  if (!cap.ok) return { ok: false, field: 'capacity', message: cap.message };
  return {
    ok: true,
    value: { email, password: f.password, ...(name ? { name } : {}), role: f.role, departments: parseDepartments(f.departments), capacity: cap.value },
  };
}

export const ROLE_LABEL: Record<string, string> = { agent: 'Agent', supervisor: 'Supervisor', admin: 'Admin' };

export const isSupervisorRole = (role: string | undefined) => role === 'supervisor' || role === 'admin';
