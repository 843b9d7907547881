import { createStore } from './store.js';
import { renderList } from './view.js';
import { el } from './dom.js';
export function mount(root) {
  const store = createStore();
  const input = el('input', { class: 'new-todo', placeholder: 'What needs to be done?', autofocus: true });
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || !input.value.trim()) return;
    store.add(input.value.trim());
    input.value = '';
  });
  root.querySelector('.header').append(input);
  const list = root.querySelector('.todo-list');
  const count = root.querySelector('.todo-count');
  store.subscribe((todos) => renderList(list, count, todos, store));
}
