// The SQLite checkpointer's thread (see ./sqlite-checkpointer.ts): its own connection on the file,
// copying the WAL back into the database every `everyMs`. Plain CommonJS so the worker starts
// without the TypeScript loader. PASSIVE never waits for the gateway's writer and never blocks it.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);

const db = new Database(workerData.path, { fileMustExist: true, timeout: 1000 });
let running = true;
const tick = () => {
  if (!running) return;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ type: 'checkpoint', busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ type: 'error', error: String(err && err.message ? err.message : err) });
  }
  if (running) timer = setTimeout(tick, workerData.everyMs);
};
let timer = setTimeout(tick, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  running = false;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage({ type: 'ready' });
