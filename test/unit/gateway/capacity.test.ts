import { describe, expect, it } from 'vitest';
import { agentCapacity, parseDepartmentCapacity } from '../../../gateway/channel/capacity.ts';
import { loadConfig } from '../../../gateway/config.ts';

describe('agent capacity', () => {
  const byDept = parseDepartmentCapacity(' sales=2, support = 4 ,vip=1');
  it('parses the department setting', () => {
    expect(byDept).toEqual({ sales: 2, support: 4, vip: 1 });
    expect(parseDepartmentCapacity('')).toEqual({});
  });
  it('prefers the agent’s own, then the tightest department, then the default', () => {
    expect(agentCapacity(5, ['sales'], byDept, 3)).toBe(5);
    expect(agentCapacity(null, ['support'], byDept, 3)).toBe(4);
    expect(agentCapacity(null, ['support', 'vip'], byDept, 3)).toBe(1);
    expect(agentCapacity(null, ['billing'], byDept, 3)).toBe(3);
    expect(agentCapacity(null, [], byDept, 3)).toBe(3);
  });
  it('validates DEPARTMENT_CAPACITY at start', () => {
    expect(loadConfig({ DEPARTMENT_CAPACITY: 'sales=2,support=4' }).departmentCapacity).toBe('sales=2,support=4');
    expect(() => loadConfig({ DEPARTMENT_CAPACITY: 'sales:2' })).toThrow(/departmentCapacity \(DEPARTMENT_CAPACITY\)/);
  });
});
