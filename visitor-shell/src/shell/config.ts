// Reads the config the gateway rendered into #cb-config (see shell-page.ts).
import type { ShellClientConfig } from '../shell-page.ts';

export function readClientConfig(doc: Document): ShellClientConfig {
  const el = doc.getElementById('cb-config');
  if (!el?.textContent) throw new Error('cb-config missing');
  const c = JSON.parse(el.textContent) as Partial<ShellClientConfig>;
  for (const k of ['sessionId', 'wsUrl', 'proxyOriginSuffix', 'entryUrl'] as const) {
    if (typeof c[k] !== 'string') throw new Error(`cb-config.${k} missing`);
  }
  return { assetBase: '', siteId: '', ...c } as ShellClientConfig;
}
