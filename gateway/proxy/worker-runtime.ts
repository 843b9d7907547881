// The runtime prepended to every worker script the proxy serves (requests with Sec-Fetch-Dest
// `worker` or `sharedworker`), and served alone at /__cb/worker-runtime.js for blob: workers the
// overlay wraps. Workers get no overlay, so without it their fetch, XHR, importScripts, WebSocket,
// EventSource and nested Worker URLs built from the real origin would go to the real site directly.
// It maps URLs exactly as the overlay's proxify.ts does (real origin → same path on this proxy
// origin; another site → /__cb/go?u=…; proxy origins, the gateway and non-http(s) URLs unchanged).
//
// Plain ES5-level JavaScript kept on one line when prepended, so a script's own line numbers move
// by one and a leading 'use strict' directive stays first. Module workers: the runtime runs after
// the worker's static imports (imports are evaluated first), so only those imports are not covered.

const RUNTIME = String.raw`(function (cfg) {
  if (self.__cbWorkerRuntime) return;
  self.__cbWorkerRuntime = true;
  var PO = self.location.origin;
  var proxy = new URL(PO);
  var suffix = proxy.host.slice(proxy.host.indexOf('.'));
  var TOKEN = /^[a-z2-7]{26}$/;
  var base = cfg.real + (self.location.protocol === 'blob:' ? '/' : self.location.pathname + self.location.search);
  function isProxy(o) {
    if (o === PO) return true;
    try {
      var u = new URL(o), d = u.host.indexOf('.');
      return u.protocol === proxy.protocol && d > 0 && TOKEN.test(u.host.slice(0, d)) && u.host.slice(d) === suffix;
    } catch (e) { return false; }
  }
  function p(url) {
    var s = String(url), t = s.replace(/^\s+/, '');
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(t) && t.slice(0, 2) !== '//' && t.slice(0, 2) !== '\\\\') return s;
    var u;
    try { u = new URL(s, base); } catch (e) { return s; }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return s;
    if (isProxy(u.origin) || u.origin === cfg.gateway) return s;
    if (u.origin === cfg.real) return PO + u.pathname + u.search + u.hash;
    return PO + '/__cb/go?u=' + encodeURIComponent(u.href);
  }
  function pws(url) {
    var u;
    try { u = new URL(String(url), base); } catch (e) { return url; }
    if (u.protocol === 'http:') u.protocol = 'ws:'; else if (u.protocol === 'https:') u.protocol = 'wss:';
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return url;
    u.hash = '';
    var ws = proxy.protocol === 'https:' ? 'wss:' : 'ws:';
    var ho = (u.protocol === 'wss:' ? 'https:' : 'http:') + '//' + u.host;
    if (isProxy(ho)) return u.href;
    if (ho === cfg.real) return ws + '//' + proxy.host + u.pathname + u.search;
    return ws + '//' + proxy.host + '/__cb/ws?u=' + encodeURIComponent(u.href);
  }
  var of = self.fetch;
  if (of) self.fetch = function (input, init) {
    try {
      if (typeof input === 'string' || input instanceof URL) input = p(String(input));
      else if (input instanceof Request) {
        var u = p(input.url);
        if (u !== input.url) {
          if (input.body === null) input = new Request(u, input);
          else { var r = input; return r.arrayBuffer().then(function (b) { return of.call(self, new Request(u, { method: r.method, headers: r.headers, body: b, credentials: r.credentials, cache: r.cache, redirect: r.redirect, referrerPolicy: r.referrerPolicy, integrity: r.integrity, signal: r.signal, mode: r.mode }), init); }); }
        }
      }
    } catch (e) {}
    return of.call(this === undefined ? self : this, input, init);
  };
  if (self.XMLHttpRequest) {
    var xo = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function () {
      var a = Array.prototype.slice.call(arguments);
      if (a.length > 1 && a[1] != null) a[1] = p(a[1]);
      return xo.apply(this, a);
    };
  }
  if (typeof self.importScripts === 'function') {
    var is = self.importScripts;
    self.importScripts = function () {
      return is.apply(self, Array.prototype.map.call(arguments, function (u) { return p(u); }));
    };
  }
  function sub(name, map) {
    var O = self[name];
    if (!O) return;
    var C = function (url, opt) { return Reflect.construct(O, [map(url), opt], new.target || C); };
    C.prototype = O.prototype;
    Object.setPrototypeOf(C, O);
    self[name] = C;
  }
  sub('WebSocket', pws);
  sub('EventSource', p);
  sub('Worker', function (u) { var m = p(u); return m.indexOf(PO + '/__cb/go?') === 0 ? u : m; });
})`;

export interface WorkerRuntimeConfig {
  /** The real origin the worker's proxy origin stands for. */
  real: string;
  /** The gateway's origin (console and shell): its URLs are left alone. */
  gateway: string;
}

/** The runtime as one line, configured for one proxy origin. */
export function workerRuntime(cfg: WorkerRuntimeConfig): string {
  return `${RUNTIME.replace(/\n\s*/g, ' ')}(${JSON.stringify(cfg).replace(/</g, '\\u003c')});`;
}

const USE_STRICT = /^(\s*(['"])use strict\2;?)/;

/** The worker script with the runtime in front (after a leading 'use strict' directive). */
export function prependWorkerRuntime(script: string, cfg: WorkerRuntimeConfig): string {
  const rt = workerRuntime(cfg);
  const m = USE_STRICT.exec(script);
  return m ? `${m[1]}${rt}${script.slice(m[1].length)}` : `${rt}\n${script}`;
}

/** Whether a request fetches a worker's script (the browser says so in Sec-Fetch-Dest). */
export function isWorkerScriptRequest(headers: Record<string, string>): boolean {
  const d = headers['sec-fetch-dest'];
  return d === 'worker' || d === 'sharedworker';
}
