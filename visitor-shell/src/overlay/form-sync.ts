// Form state both ways, with masking: a masked field's value never leaves this page (the other party
// only learns that it changed), and a masked field is never written from outside.
import { MAX_FORM_VALUE_CHARS } from '../../../protocol/limits.ts';
import { elementAt, pathOf } from './dom-path.ts';
import { post, safe } from './env.ts';
import { isMaskedElement, noteTypeChange, notePasswordFields } from './masking.ts';

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
const SKIP_TYPES = new Set(['file', 'hidden', 'submit', 'button', 'reset', 'image']);
export const MASKED_PLACEHOLDER = '•••• (masked)';

function isField(el: EventTarget | null): el is Field {
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement;
}
const isToggle = (el: Field): el is HTMLInputElement => el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio');

/** Last value sent per path, so `input` followed by `change` is sent once. */
const sent = new Map<string, string>();

/** True while we dispatch events for a value the other party sent: those are not sent back. */
let applyingRemote = false;

function onLocalEdit(ev: Event): void {
  // Not `isTrusted`: page widgets (custom dropdowns) and test drivers dispatch synthetic events for
  // real user edits. Our own dispatches are recognised by the flag instead.
  if (applyingRemote) return;
  const t = ev.target;
  let el: Element | null = null;
  if (isField(t)) {
    if (t instanceof HTMLInputElement && SKIP_TYPES.has(t.type)) return;
    el = t;
  } else if (t instanceof HTMLElement && t.isContentEditable) {
    el = t.closest('[contenteditable]:not([contenteditable=false])') ?? t;
  }
  if (!el) return;
  const path = pathOf(el);
  if (!path) return;
  if (isMaskedElement(el)) {
    // Never a value, not even its length.
    post({ cb: 1, type: 'form', path, masked: true });
    return;
  }
  if (isField(el) && isToggle(el)) {
    const key = `c:${el.checked}`;
    if (sent.get(path) === key && ev.type === 'change') return;
    sent.set(path, key);
    post({ cb: 1, type: 'form', path, checked: el.checked });
    // A radio group changes its other members silently: their state follows from this one.
    return;
  }
  const value = (isField(el) ? el.value : (el.textContent ?? '')).slice(0, MAX_FORM_VALUE_CHARS);
  if (sent.get(path) === `v:${value}`) return;
  sent.set(path, `v:${value}`);
  post({ cb: 1, type: 'form', path, value });
}

/** Sets a value through the prototype setter so frameworks that track `value` (React) notice. */
function setNativeValue(el: Field, value: string): void {
  const proto = Object.getPrototypeOf(el) as object;
  const desc = Object.getOwnPropertyDescriptor(proto, 'value');
  if (desc?.set) desc.set.call(el, value);
  else el.value = value;
}

function fire(el: Element): void {
  el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

function fireRemote(el: Element): void {
  applyingRemote = true;
  try {
    fire(el);
  } finally {
    applyingRemote = false;
  }
}

const placeholders = new WeakMap<Element, string | null>();

function showMasked(el: Element): void {
  if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return;
  if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) return;
  if (!placeholders.has(el)) placeholders.set(el, el.getAttribute('placeholder'));
  setNativeValue(el, '');
  el.placeholder = MASKED_PLACEHOLDER;
  el.setAttribute('data-cb-masked-remote', '');
}

/** Apply the other party's edit. */
export function applyForm(m: { path: string; value?: string; checked?: boolean; masked?: boolean }): void {
  const el = elementAt(m.path);
  if (!el) return;
  if (m.masked) return showMasked(el);
  if (isMaskedElement(el)) return; // our masked fields are ours alone
  if (isField(el)) {
    if (isToggle(el)) {
      if (m.checked === undefined || el.checked === m.checked) return;
      el.checked = m.checked;
    } else {
      if (m.value === undefined || el.value === m.value) return;
      setNativeValue(el, m.value);
    }
    sent.set(m.path, isToggle(el) ? `c:${el.checked}` : `v:${el.value}`);
    if (el.hasAttribute('data-cb-masked-remote')) {
      el.removeAttribute('data-cb-masked-remote');
      const ph = placeholders.get(el);
      if (ph == null) el.removeAttribute('placeholder');
      else el.setAttribute('placeholder', ph);
    }
    fireRemote(el);
  } else if (el instanceof HTMLElement && el.isContentEditable && m.value !== undefined) {
    if (el.textContent === m.value) return;
    el.textContent = m.value;
    sent.set(m.path, `v:${m.value}`);
    fireRemote(el);
  }
}

/** Remote control (only called when the visitor granted it). The resulting edits are sent like the
 *  visitor's own, so the agent's copy of the page mirrors them. */
export function applyAct(m: { path: string; action: 'click' | 'input'; value?: string }): void {
  const el = elementAt(m.path);
  if (!el) return;
  if (m.action === 'click') {
    if (el instanceof HTMLElement) {
      el.focus({ preventScroll: true });
      el.click();
    } else el.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, composed: true }));
    return;
  }
  if (m.value === undefined || isMaskedElement(el)) return;
  if (isField(el) && !isToggle(el)) {
    setNativeValue(el, m.value);
    fire(el);
  } else if (el instanceof HTMLElement && el.isContentEditable) {
    el.textContent = m.value;
    fire(el);
  }
}

const SNAPSHOT_MAX_FIELDS = 1000;

/** Every synced field's current state, for a party who joins mid-page (`sync-request`). A masked
 *  field is posted as masked only, whatever its value (not even whether it is empty). */
export function postFormSnapshot(): void {
  const els = document.querySelectorAll('input, textarea, select, [contenteditable]:not([contenteditable=false])');
  let n = 0;
  for (const el of Array.from(els)) {
    if (n >= SNAPSHOT_MAX_FIELDS) break;
    if (el instanceof HTMLInputElement && SKIP_TYPES.has(el.type)) continue;
    if (!isField(el) && el.parentElement?.closest('[contenteditable]:not([contenteditable=false])')) continue; // only editing roots
    const path = pathOf(el);
    if (!path) continue;
    n++;
    if (isMaskedElement(el)) {
      post({ cb: 1, type: 'form', path, masked: true });
      continue;
    }
    if (isField(el) && isToggle(el)) {
      // A radio group's unchecked members follow from the checked one.
      if (el.type === 'radio' && !el.checked) continue;
      post({ cb: 1, type: 'form', path, checked: el.checked });
      sent.set(path, `c:${el.checked}`);
      continue;
    }
    const value = (isField(el) ? el.value : (el.textContent ?? '')).slice(0, MAX_FORM_VALUE_CHARS);
    post({ cb: 1, type: 'form', path, value });
    sent.set(path, `v:${value}`);
  }
}

export function installFormSync(): void {
  const h = safe(onLocalEdit);
  document.addEventListener('input', h, true);
  document.addEventListener('change', h, true);
  const note = safe(() => notePasswordFields(document));
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', note);
  else note();
  // A "show password" toggle turns type=password into text: it stays masked.
  new MutationObserver(
    safe((records: MutationRecord[]) => {
      for (const r of records) if (r.target instanceof Element) noteTypeChange(r.target, r.oldValue);
    }),
  ).observe(document.documentElement, { attributes: true, attributeFilter: ['type'], attributeOldValue: true, subtree: true });
}
