// The shell renders at once; the todo logic comes in with a dynamic import() (a code-split chunk).
const root = document.querySelector('.todoapp');
root.innerHTML = '<header class="header"><h1>todos</h1></header><section class="main"><ul class="todo-list"></ul></section><footer class="footer"><span class="todo-count"></span></footer>';
import('./todos.js').then((m) => m.mount(root));
