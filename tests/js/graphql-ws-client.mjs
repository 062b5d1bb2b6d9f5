// Subscribes to userUpdated with the graphql-ws client library (the one frontend teams use) and
// prints "connected", then each event as a JSON line; exits after the first event.
// Arguments: WebSocket URL, bearer token, user ID.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, id] = process.argv.slice(2);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: { connected: () => console.log('connected') },
});
const subscription = client.iterate({
  query: 'subscription($id: ID!) { userUpdated(id: $id) { id title } }',
  variables: { id },
});
for await (const event of subscription) {
  console.log(JSON.stringify(event));
  break;
}
await client.dispose();
