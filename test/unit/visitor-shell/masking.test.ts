import { describe, expect, it } from 'vitest';
import { isMaskedProbe } from '../../../visitor-shell/src/overlay/masking.ts';

const probe = (o: Partial<Parameters<typeof isMaskedProbe>[0]>) => isMaskedProbe({ localName: 'input', inMaskedRegion: false, ...o });

describe('masking predicate', () => {
  it('masks password inputs whatever the case of the type', () => {
    expect(probe({ type: 'password' })).toBe(true);
    expect(probe({ type: ' PASSWORD ' })).toBe(true);
  });

  it('masks any autocomplete token starting with cc-', () => {
    for (const ac of ['cc-number', 'cc-csc', 'cc-exp', 'cc-name', 'billing cc-number', 'section-pay shipping CC-EXP-MONTH']) {
      expect(probe({ type: 'text', autocomplete: ac })).toBe(true);
    }
  });

  it('masks password and one-time-code autocomplete hints', () => {
    for (const ac of ['current-password', 'new-password', 'one-time-code']) expect(probe({ type: 'text', autocomplete: ac })).toBe(true);
  });

  it('masks anything inside or carrying data-cb-mask, any element kind', () => {
    for (const localName of ['input', 'textarea', 'select', 'div']) expect(isMaskedProbe({ localName, inMaskedRegion: true })).toBe(true);
  });

  it('keeps masking a field that was a password (show-password toggles)', () => {
    expect(probe({ type: 'text', wasPassword: true })).toBe(true);
  });

  it('does not mask ordinary fields', () => {
    expect(probe({ type: 'text', autocomplete: 'name' })).toBe(false);
    expect(probe({ type: 'email', autocomplete: 'email' })).toBe(false);
    expect(probe({ type: null, autocomplete: null })).toBe(false);
    expect(isMaskedProbe({ localName: 'textarea', inMaskedRegion: false })).toBe(false);
    // "password" as a type only counts on inputs; "acc-" is not "cc-".
    expect(isMaskedProbe({ localName: 'select', type: 'password', inMaskedRegion: false })).toBe(false);
    expect(probe({ type: 'text', autocomplete: 'acc-number' })).toBe(false);
  });
});
