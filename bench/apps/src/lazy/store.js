import { uid } from './util.js';
export function createStore() {
  const todos = [];
  const subs = new Set();
  const emit = () => subs.forEach((f) => f(todos));
  return {
    add(title) { todos.push({ id: uid(), title, done: false }); emit(); },
    toggle(id) { const t = todos.find((x) => x.id === id); if (t) { t.done = !t.done; emit(); } },
    remove(id) { const i = todos.findIndex((x) => x.id === id); if (i >= 0) { todos.splice(i, 1); emit(); } },
    subscribe(f) { subs.add(f); f(todos); return () => subs.delete(f); },
  };
}
