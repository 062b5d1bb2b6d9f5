// The /graphiql page's script. build.rs bundles it with esbuild (with React, GraphiQL, the Monaco
// editor and graphql-ws) into /graphiql/assets/graphiql.js, so the page needs no CDN.
// The stylesheet is GraphiQL's own self-contained `graphiql/style.css` (Monaco's and GraphiQL's
// rules, fonts inlined), bundled separately into graphiql.css: esbuild drops the CSS files Monaco's
// modules import here, which that stylesheet already holds.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

// Monaco runs its language services in web workers, bundled on their own next to this script.
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const worker = { json: 'json', graphql: 'graphql' }[label] ?? 'editor';
    return new Worker(`/graphiql/assets/${worker}.worker.js`, { name: `${worker} worker` });
  },
};

const wsUrl = `${location.protocol === 'https:' ? 'wss://' : 'ws://'}${location.host}/graphql/ws`;
const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  subscriptionUrl: wsUrl,
  // The session cookie rides along; a token can be given in the headers tab instead.
  fetch: (input, init) => fetch(input, { ...init, credentials: 'same-origin' }),
});

const defaultQuery = [
  '# Welcome to the Parvis API.',
  '#',
  '# The schema (docs, autocompletion) is shown to',
  '# signed-in people only: run SignIn below with your',
  '# own identifier, then press the refresh button',
  '# (bottom left). Or, in the Headers tab, put',
  '# {"Authorization": "Bearer <access token>"}',
  'mutation SignIn {',
  '  signIn(input: { identifier: "you@example.com", password: "..." }) {',
  '    user { displayName }',
  '  }',
  '}',
  '',
  'query Viewer {',
  '  viewer { id displayName title department site }',
  '}',
  '',
].join('\n');

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, { fetcher, defaultQuery, defaultEditorToolsVisibility: true }),
);
