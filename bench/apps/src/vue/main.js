// Vue 3.5 with its in-browser template compiler (the full ESM build), as TodoMVC's Vue example does.
import { createApp } from 'vue';

createApp({
  data: () => ({ todos: [], title: '', next: 1 }),
  computed: {
    left() {
      return this.todos.filter((t) => !t.done).length;
    },
  },
  methods: {
    add() {
      const v = this.title.trim();
      if (!v) return;
      this.todos.push({ id: this.next++, title: v, done: false });
      this.title = '';
    },
    remove(t) {
      this.todos.splice(this.todos.indexOf(t), 1);
    },
  },
  template: `
    <header class="header">
      <h1>todos</h1>
      <input class="new-todo" placeholder="What needs to be done?" autofocus v-model="title" @keydown.enter="add">
    </header>
    <section class="main" v-show="todos.length">
      <ul class="todo-list">
        <li v-for="t in todos" :key="t.id" :class="{ completed: t.done }">
          <div class="view">
            <input class="toggle" type="checkbox" v-model="t.done">
            <label>{{ t.title }}</label>
            <button class="destroy" @click="remove(t)"></button>
          </div>
        </li>
      </ul>
    </section>
    <footer class="footer" v-show="todos.length"><span class="todo-count">{{ left }} {{ left === 1 ? 'item' : 'items' }} left</span></footer>`,
}).mount('.todoapp');
