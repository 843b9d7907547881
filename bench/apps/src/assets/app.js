// Vanilla JS TodoMVC: one classic script, DOM built by hand.
(function () {
  var todos = [];
  var root = document.querySelector('.todoapp');
  root.innerHTML =
    '<header class="header"><h1>todos</h1><input class="new-todo" placeholder="What needs to be done?" autofocus></header>' +
    '<section class="main"><input id="toggle-all" class="toggle-all" type="checkbox"><label for="toggle-all">Mark all as complete</label><ul class="todo-list"></ul></section>' +
    '<footer class="footer"><span class="todo-count"></span></footer>';
  var list = root.querySelector('.todo-list');
  var count = root.querySelector('.todo-count');
  function render() {
    list.textContent = '';
    todos.forEach(function (t, i) {
      var li = document.createElement('li');
      if (t.done) li.className = 'completed';
      var view = document.createElement('div');
      view.className = 'view';
      var box = document.createElement('input');
      box.className = 'toggle';
      box.type = 'checkbox';
      box.checked = t.done;
      box.addEventListener('change', function () { t.done = box.checked; render(); });
      var label = document.createElement('label');
      label.textContent = t.title;
      var del = document.createElement('button');
      del.className = 'destroy';
      del.addEventListener('click', function () { todos.splice(i, 1); render(); });
      view.append(box, label, del);
      li.append(view);
      list.append(li);
    });
    var left = todos.filter(function (t) { return !t.done; }).length;
    count.textContent = left + (left === 1 ? ' item left' : ' items left');
  }
  root.querySelector('.new-todo').addEventListener('keydown', function (e) {
    if (e.key !== 'Enter') return;
    var v = e.target.value.trim();
    if (!v) return;
    todos.push({ title: v, done: false });
    e.target.value = '';
    render();
  });
  render();
})();
