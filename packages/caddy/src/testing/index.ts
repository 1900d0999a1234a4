export { caddyBinaryForTests } from './caddy-binary.js';
export { startTestEdge, TEST_USERS, type TestEdge, type TestUser } from './edge-fixture.js';
export { type EdgeRequestOptions, type EdgeResponse, edgeRequest } from './edge-request.js';
export { freePort } from './free-port.js';
export { type LogSocket, startLogSocket } from './log-socket.js';
export { sessionCookieFor, sessionTokenFor, signInCookie, TEST_SIGNING_KEY } from './session.js';
export { startTestGate, TEST_GATE_SECRET, type TestGate } from './test-gate.js';
export { type EchoUpstream, type SeenRequest, startEchoUpstream } from './upstream.js';
