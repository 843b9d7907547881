// Applies the visitor's locale and the site owner's customisation to the shell page: the
// translator every widget uses, <html lang dir> (Arabic mirrors the layout), the title, and the
// accent colour with a text colour that keeps 4.5:1 contrast.
import type { ShellClientConfig } from '../shell-page.ts';
import { chooseShellLocale } from '../i18n/choose.ts';
import { accentPalette } from '../i18n/customize.ts';
import { t, useTranslator } from '../i18n/current.ts';

export function applyLocale(doc: Document, cfg: ShellClientConfig): void {
  const { translator, custom } = chooseShellLocale({
    search: doc.location?.search ?? '',
    navigatorLanguages: typeof navigator !== 'undefined' ? (navigator.languages ?? [navigator.language]) : [],
    acceptLanguage: cfg.acceptLanguage,
  });
  useTranslator(translator);
  const root = doc.documentElement;
  root.lang = translator.formatLocale;
  root.dir = translator.dir;
  doc.title = t('page.title');
  if (custom.accent) {
    const p = accentPalette(custom.accent);
    root.style.setProperty('--cb-primary', p.accent);
    root.style.setProperty('--cb-primary-ink', p.ink);
    root.style.setProperty('--cb-primary-text', p.text);
  }
}
