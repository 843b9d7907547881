// Lit 3: a custom element rendering into light DOM (todomvc-app-css styles the document, not a shadow root).
import { LitElement, html } from 'lit';

let next = 1;

class TodoApp extends LitElement {
  static properties = { todos: { state: true } };
  constructor() {
    super();
    this.todos = [];
  }
  createRenderRoot() {
    return this;
  }
  #onKey(e) {
    if (e.key !== 'Enter') return;
    const v = e.target.value.trim();
    if (!v) return;
    this.todos = [...this.todos, { id: next++, title: v, done: false }];
    e.target.value = '';
  }
  #toggle(t) {
    this.todos = this.todos.map((x) => (x === t ? { ...x, done: !x.done } : x));
  }
  render() {
    const left = this.todos.filter((t) => !t.done).length;
    return html`
      <header class="header">
        <h1>todos</h1>
        <input class="new-todo" placeholder="What needs to be done?" autofocus @keydown=${this.#onKey} />
      </header>
      <section class="main">
        <ul class="todo-list">
          ${this.todos.map((t) => html`<li class=${t.done ? 'completed' : ''}>
            <div class="view">
              <input class="toggle" type="checkbox" .checked=${t.done} @change=${() => this.#toggle(t)} />
              <label>${t.title}</label>
              <button class="destroy" @click=${() => (this.todos = this.todos.filter((x) => x !== t))}></button>
            </div>
          </li>`)}
        </ul>
      </section>
      <footer class="footer"><span class="todo-count">${left} ${left === 1 ? 'item' : 'items'} left</span></footer>`;
  }
}
customElements.define('todo-app', TodoApp);
document.querySelector('.todoapp').append(document.createElement('todo-app'));
