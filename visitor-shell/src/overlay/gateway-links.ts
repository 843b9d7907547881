// A co-browsed page still carries the site's "Talk to a live agent" link. Inside a session it
// would open a second chat (the gateway's own pages inside the co-browse frame), so clicks on links
// to the gateway are swallowed; the proxy leaves those links pointing at the gateway on purpose.
import { config, safe } from './env.ts';

export function installGatewayLinkGuard(): void {
  const gateway = config().parentOrigin;
  document.addEventListener(
    'click',
    safe((ev: MouseEvent) => {
      const a = (ev.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
      if (!a) return;
      let url: URL;
      try {
        url = new URL(a.href);
      } catch {
        return;
      }
      if (url.origin !== gateway) return;
      ev.preventDefault();
      ev.stopImmediatePropagation();
      console.info('co-browse: you are already talking to an agent; this link is disabled during the session.');
    }),
    true,
  );
}
