// Privacy masking: which fields never have their value sent to the other party.
// Rules (see visitor-shell/README.md): input[type=password]; any autocomplete token starting with
// `cc-` (card data) or naming a password / one-time code; anything with or inside [data-cb-mask];
// and any input that was ever a password field (a "show password" toggle does not unmask it).
// The pure predicate works on plain objects so it can be unit tested without a DOM.

export interface MaskProbe {
  /** Lower-case tag name. */
  localName: string;
  /** The `type` attribute (inputs). */
  type?: string | null;
  /** The `autocomplete` attribute. */
  autocomplete?: string | null;
  /** The element or an ancestor has `data-cb-mask`. */
  inMaskedRegion: boolean;
  /** The element was a password field at some point. */
  wasPassword?: boolean;
}

const SECRET_AUTOCOMPLETE = new Set(['current-password', 'new-password', 'one-time-code']);

export function isMaskedProbe(p: MaskProbe): boolean {
  if (p.inMaskedRegion || p.wasPassword) return true;
  if (p.localName === 'input' && (p.type ?? '').trim().toLowerCase() === 'password') return true;
  const tokens = (p.autocomplete ?? '').trim().toLowerCase().split(/\s+/);
  return tokens.some((t) => t.startsWith('cc-') || SECRET_AUTOCOMPLETE.has(t));
}

// ------------------------------------------------------------------ DOM adapter

const everPassword = new WeakSet<Element>();

/** Remember that an input was a password field (call when its type attribute changes). */
export function noteTypeChange(el: Element, oldType: string | null): void {
  if ((oldType ?? '').trim().toLowerCase() === 'password') everPassword.add(el);
}

/** Remember every current password field (call once the document is parsed). */
export function notePasswordFields(doc: Document): void {
  for (const el of Array.from(doc.querySelectorAll('input[type=password i]'))) everPassword.add(el);
}

export function isMaskedElement(el: Element): boolean {
  const masked = isMaskedProbe({
    localName: el.localName,
    type: el.getAttribute('type'),
    autocomplete: el.getAttribute('autocomplete'),
    inMaskedRegion: el.closest('[data-cb-mask]') !== null,
    wasPassword: everPassword.has(el),
  });
  if (masked && el.localName === 'input' && (el.getAttribute('type') ?? '').toLowerCase() === 'password') everPassword.add(el);
  return masked;
}
