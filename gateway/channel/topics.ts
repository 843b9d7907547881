// uWS pub/sub topics. Both parties of a session subscribe to `s:<id>` for the frames they relay
// to each other and the session's state; its numbered events go to each socket by
// EventDelivery instead (exactly once, in order, internal notes to the agent side only).
export const sessionTopic = (sessionId: string) => `s:${sessionId}`;
