// uWS pub/sub topics. Both parties of a session subscribe to `s:<id>`; agents also to `a:<id>`,
// which carries what the visitor must never see (internal notes).
export const sessionTopic = (sessionId: string) => `s:${sessionId}`;
export const agentsTopic = (sessionId: string) => `a:${sessionId}`;
