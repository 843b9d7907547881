import { el } from './dom.js';
import { plural } from './util.js';
export function renderList(list, count, todos, store) {
  list.replaceChildren(
    ...todos.map((t) =>
      el('li', { class: t.done ? 'completed' : '' },
        el('div', { class: 'view' },
          el('input', { class: 'toggle', type: 'checkbox', checked: t.done, onchange: () => store.toggle(t.id) }),
          el('label', {}, t.title),
          el('button', { class: 'destroy', onclick: () => store.remove(t.id) }))),
    ),
  );
  count.textContent = `${plural(todos.filter((t) => !t.done).length, 'item')} left`;
}
