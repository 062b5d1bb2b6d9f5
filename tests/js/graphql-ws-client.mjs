// Subscribes with the graphql-ws client library (the one frontend teams use) and prints
// "connected", then each event as a JSON line; exits after the first event.
// Arguments: WebSocket URL, bearer token, the subscription, its variables as JSON.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, query, variables] = process.argv.slice(2);
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: { connected: () => console.log('connected') },
});
const subscription = client.iterate({ query, variables: JSON.parse(variables) });
for await (const event of subscription) {
  console.log(JSON.stringify(event));
  break;
}
await client.dispose();
