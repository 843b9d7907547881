import { describe, expect, it } from 'vitest';
import { departmentsOf, isSupervisorRole, parseCapacity, parseDepartments, transferTargets, validateNewAgent, type AgentForm } from '../../../agent-ui/src/lib/agents.ts';
import type { DirectoryAgent } from '../../../agent-ui/src/lib/api.ts';

const agent = (id: string, name: string, extra: Partial<DirectoryAgent> = {}): DirectoryAgent => ({
  id,
  name,
  email: `${id}@x.test`,
  role: 'agent',
  departments: [],
  capacity: null,
  disabled: false,
  ...extra,
});

describe('agent directory helpers', () => {
  it('parses departments: trimmed, lower-case, unique', () => {
    expect(parseDepartments(' billing, Sales ,billing,, ')).toEqual(['billing', 'sales']);
    expect(parseDepartments('')).toEqual([]);
  });

  it('lists departments of enabled agents and transfer targets without me or disabled agents', () => {
    const list = [agent('a', 'Zoe', { departments: ['sales'] }), agent('b', 'Al', { departments: ['billing', 'sales'] }), agent('c', 'Cy', { departments: ['legal'], disabled: true })];
    expect(departmentsOf(list)).toEqual(['billing', 'sales']);
    expect(transferTargets(list, 'b').map((a) => a.name)).toEqual(['Zoe']);
  });

  it('validates the new-agent form', () => {
    const ok: AgentForm = { email: ' new@x.test ', name: ' New ', password: 'longenough', role: 'supervisor', departments: 'Billing', capacity: '4' };
    expect(validateNewAgent(ok)).toEqual({
      ok: true,
      value: { email: 'new@x.test', name: 'New', password: 'longenough', role: 'supervisor', departments: ['billing'], capacity: 4 },
    });
    expect(validateNewAgent({ ...ok, name: '' })).toMatchObject({ ok: true, value: { capacity: 4 } });
    expect(validateNewAgent({ ...ok, email: 'nope' })).toMatchObject({ ok: false, field: 'email' });
    expect(validateNewAgent({ ...ok, password: 'short' })).toMatchObject({ ok: false, field: 'password' });
    expect(validateNewAgent({ ...ok, capacity: '0' })).toMatchObject({ ok: false, field: 'capacity' });
  });

  it('parses capacity (empty = gateway default)', () => {
    expect(parseCapacity('')).toEqual({ ok: true, value: null });
    expect(parseCapacity('100')).toEqual({ ok: true, value: 100 });
    expect(parseCapacity('2.5').ok).toBe(false);
    expect(parseCapacity('101').ok).toBe(false);
  });

  it('knows which roles see the supervisor page', () => {
    expect(isSupervisorRole('supervisor')).toBe(true);
    expect(isSupervisorRole('admin')).toBe(true);
    expect(isSupervisorRole('agent')).toBe(false);
    expect(isSupervisorRole(undefined)).toBe(false);
  });
});
