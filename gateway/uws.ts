// Loads uWebSockets.js with a clear message when the native binary does not fit this machine.
// The official package is not on the npm registry; package.json aliases `uWebSockets.js` to
// `npm:uwebsockets@3.0.6`, a repack of the official binaries that loads on glibc 2.36 with Node 20.
import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';
import { GatewayError } from './errors.ts';

const require = createRequire(import.meta.url);

function load(): typeof UWS {
  try {
    return require('uWebSockets.js') as typeof UWS;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new GatewayError(
      'CB_ERR_UWS_LOAD',
      `on Node ${process.version} (${process.platform}-${process.arch}, ABI ${process.versions.modules}): ${why}\n` +
        `Install dependencies with \`npm ci\` (package.json pins "uWebSockets.js": "npm:uwebsockets@3.0.6"). ` +
        `Supported: Linux x64/arm64 with glibc >= 2.36 and Node 20 or 22.`,
      { cause: err },
    );
  }
}

export const uws = load();
export type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';
