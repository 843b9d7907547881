// Preact 10 + htm (tagged templates, no build-time JSX), hooks for state.
import { h, render } from 'preact';
import { useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
let next = 1;

function App() {
  const [todos, setTodos] = useState([]);
  const [title, setTitle] = useState('');
  const onKey = (e) => {
    if (e.key !== 'Enter') return;
    const v = e.currentTarget.value.trim();
    if (!v) return;
    setTodos([...todos, { id: next++, title: v, done: false }]);
    setTitle('');
  };
  const toggle = (t) => setTodos(todos.map((x) => (x === t ? { ...x, done: !x.done } : x)));
  const left = todos.filter((t) => !t.done).length;
  return html`
    <header class="header">
      <h1>todos</h1>
      <input class="new-todo" placeholder="What needs to be done?" autofocus value=${title} onInput=${(e) => setTitle(e.currentTarget.value)} onKeyDown=${onKey} />
    </header>
    <section class="main">
      <ul class="todo-list">
        ${todos.map((t) => html`<li key=${t.id} class=${t.done ? 'completed' : ''}>
          <div class="view">
            <input class="toggle" type="checkbox" checked=${t.done} onChange=${() => toggle(t)} />
            <label>${t.title}</label>
            <button class="destroy" onClick=${() => setTodos(todos.filter((x) => x !== t))}></button>
          </div>
        </li>`)}
      </ul>
    </section>
    <footer class="footer"><span class="todo-count">${left} ${left === 1 ? 'item' : 'items'} left</span></footer>`;
}

render(html`<${App} />`, document.querySelector('.todoapp'));
