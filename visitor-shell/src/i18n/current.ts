// The shell's active translator. The shell chooses the locale once at start (choose.ts) and
// installs it here before building any widget; widgets call t(). English until then, so pure
// helpers stay usable (and unit-testable) on their own.
import { en, type MessageKey } from './en.ts';
import type { Params } from './icu.ts';
import { createTranslator, type Translator } from './translator.ts';

let current: Translator<MessageKey> = createTranslator({ locale: 'en', formatLocale: 'en', dir: 'ltr', catalogue: en, fallback: en });

export function useTranslator(tr: Translator<MessageKey>): void {
  current = tr;
}

export const t = (key: MessageKey, params?: Params): string => current.t(key, params);
export const i18n = (): Translator<MessageKey> => current;
