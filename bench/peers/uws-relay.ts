// Peer: the limit of the gateway's own stack. Bare uWebSockets.js (loaded the way the gateway loads
// it); each room is a pub/sub topic and a message is published to it, which skips the sender — the
// same primitive the gateway relays with, minus parsing, validation and bookkeeping.
import { uws } from '../../gateway/uws.ts';
import { servePeer } from './peer-stats.ts';

const app = uws.App().ws<{ topic: string }>('/room/:id', {
  maxPayloadLength: 1024 * 1024,
  idleTimeout: 120,
  maxBackpressure: 1024 * 1024,
  upgrade: (res, req, ctx) => {
    res.upgrade(
      { topic: `r/${req.getParameter(0)}` },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      ctx,
    );
  },
  open: (ws) => {
    ws.subscribe(ws.getUserData().topic);
  },
  message: (ws, msg, isBinary) => {
    ws.publish(ws.getUserData().topic, msg, isBinary);
  },
});

app.listen('127.0.0.1', 0, (token) => {
  if (!token) throw new Error('uws-relay: could not listen');
  servePeer(uws.us_socket_local_port(token));
});
