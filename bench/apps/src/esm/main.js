// ES modules served as they are (no bundler): main → store, view, dom, keys, util.
import { createStore } from './store.js';
import { renderList } from './view.js';
import { el } from './dom.js';
import { onEnter } from './keys.js';

const store = createStore();
const input = el('input', { class: 'new-todo', placeholder: 'What needs to be done?', autofocus: true });
const list = el('ul', { class: 'todo-list' });
const count = el('span', { class: 'todo-count' });
input.addEventListener('keydown', onEnter(() => {
  const v = input.value.trim();
  if (!v) return;
  store.add(v);
  input.value = '';
}));
document.querySelector('.todoapp').append(
  el('header', { class: 'header' }, el('h1', {}, 'todos'), input),
  el('section', { class: 'main' }, list),
  el('footer', { class: 'footer' }, count),
);
store.subscribe((todos) => renderList(list, count, todos, store));
