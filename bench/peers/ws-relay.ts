// Peer: the common Node stack for a two-party relay. A `ws` server; two clients per room (path
// /room/<id>); every message is forwarded as is to the other client of the room. No validation, no
// storage: the floor for what a Node relay on `ws` costs.
import { WebSocketServer, type WebSocket } from 'ws';
import { servePeer } from './peer-stats.ts';

const rooms = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 1024 * 1024 });

wss.on('connection', (ws, req) => {
  const room = (req.url ?? '/').replace(/^\/room\//, '');
  const members = rooms.get(room) ?? new Set<WebSocket>();
  members.add(ws);
  rooms.set(room, members);
  ws.on('message', (data, isBinary) => {
    for (const other of members) if (other !== ws) other.send(data, { binary: isBinary });
  });
  ws.on('close', () => {
    members.delete(ws);
    if (members.size === 0) rooms.delete(room);
  });
});

wss.on('listening', () => servePeer((wss.address() as { port: number }).port));
