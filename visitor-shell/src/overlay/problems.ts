// Pages that refuse to work through a proxy. We cannot stop them, but we can say so, so that both
// parties get the shell's / console's "open it directly" way out (FrameUp `problem`, with the real
// URL) instead of a blank or broken frame:
//  - sign-in hosts known to refuse embedded or proxied sign-in (they detect it and show an error or
//    nothing): reported at once;
//  - a page that shows nothing 4 s after `load` (no visible text, media or frames): typically a
//    frame-buster that hid itself (`html{display:none}` until `top === self`) or a script that
//    bailed out on an unexpected origin.
// Posted after `ready`, because the embedding window clears problems when a page reports ready.
import { config, post, realUrl, safe } from './env.ts';
import { refusesProxySignIn } from './sign-in-hosts.ts';
import { PageProblems, type PageProblemCode } from '../../../protocol/errors.ts';

const problem = (code: PageProblemCode) => ({ cb: 1 as const, type: 'problem' as const, code, message: PageProblems[code], url: realUrl() });

const BLANK_AFTER_LOAD_MS = 4000;

const MEDIA = 'img, svg, video, canvas, picture, input, button, select, textarea';

/** Nothing a person could see: no rendered text, no sized media, no frames. */
export function looksBlank(doc: Document = document): boolean {
  const body = doc.body;
  if (!body) return true;
  if (doc.querySelector('iframe, frame, embed, object')) return false;
  // A body with no box (display:none on <html> or <body>) or made invisible shows nothing at all;
  // innerText would return its textContent then, so this comes first.
  if (body.getClientRects().length === 0) return true;
  const check = (body as Element & { checkVisibility?: (o: object) => boolean }).checkVisibility;
  if (check && !check.call(body, { opacityProperty: true, visibilityProperty: true })) return true;
  // Only rendered text counts (innerText skips display:none and visibility:hidden descendants).
  if ((body.innerText ?? '').trim()) return false;
  for (const el of Array.from(body.querySelectorAll(MEDIA)).slice(0, 200)) {
    const r = el.getBoundingClientRect();
    if (r.width > 1 && r.height > 1 && getComputedStyle(el).visibility !== 'hidden') return false;
  }
  return true;
}

function signInProblem(): void {
  if (!refusesProxySignIn(config().realOrigin)) return;
  post(problem('CB_ERR_SIGNIN_REFUSES_PROXY'));
}

/** Call after installNav, so the sign-in notice follows the `ready` it would otherwise be cleared by. */
export function installProblemChecks(): void {
  const onParsed = safe(signInProblem);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', onParsed);
  else onParsed();
  window.addEventListener('pageshow', safe((ev: PageTransitionEvent) => ev.persisted && signInProblem()));
  const check = safe(() => {
    if (!looksBlank()) return;
    post(problem('CB_ERR_PAGE_BLANK'));
  });
  const arm = () => setTimeout(check, BLANK_AFTER_LOAD_MS);
  if (document.readyState === 'complete') arm();
  else window.addEventListener('load', arm, { once: true });
}
