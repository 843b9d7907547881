import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderErrorsDoc } from '../../../scripts/gen-errors-doc.ts';

describe('error catalogue', () => {
  it('is documented in docs/ERRORS.md (regenerate with scripts/gen-errors-doc.ts)', () => {
    expect(readFileSync(new URL('../../../docs/ERRORS.md', import.meta.url), 'utf8')).toBe(renderErrorsDoc());
  });
});
