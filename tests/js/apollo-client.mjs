// Apollo Client as its docs set it up, against a running server: the directory paged with
// `relayStylePagination` and `fetchMore` (the cache merges the pages), and a file sent with
// apollo-upload-client's `createUploadLink` (the GraphQL multipart request spec, with the
// `apollo-require-preflight` header its docs recommend). Prints one JSON line.
// Arguments: GraphQL URL, bearer token.
import { ApolloClient, InMemoryCache, gql } from '@apollo/client/core/index.js';
import { relayStylePagination } from '@apollo/client/utilities/index.js';
import createUploadLink from 'apollo-upload-client/createUploadLink.mjs';

const [uri, token] = process.argv.slice(2);
const client = new ApolloClient({
  link: createUploadLink({
    uri,
    headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
  }),
  cache: new InMemoryCache({
    typePolicies: { Query: { fields: { users: relayStylePagination(['filter']) } } },
  }),
});

const DIRECTORY = gql`
  query Directory($first: Int, $after: String) {
    users(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          id
          username
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;
const watched = client.watchQuery({ query: DIRECTORY, variables: { first: 2 } });
const firstPage = await watched.result();
const merged = await watched.fetchMore({
  variables: { after: firstPage.data.users.pageInfo.endCursor },
});
const cached = client.readQuery({ query: DIRECTORY, variables: { first: 2 } });

const UPLOAD = gql`
  mutation Upload($input: UploadAttachmentInput!) {
    uploadAttachment(input: $input) {
      attachment {
        id
        name
        sizeBytes
      }
    }
  }
`;
const file = new File(['Bonjour à tous'], 'note.txt', { type: 'text/plain' });
const uploaded = await client.mutate({ mutation: UPLOAD, variables: { input: { file } } });

console.log(
  JSON.stringify({
    firstPage: firstPage.data.users.edges.map((edge) => edge.node.username),
    secondPage: merged.data.users.edges.map((edge) => edge.node.username),
    cached: cached.users.edges.map((edge) => edge.node.username),
    totalCount: cached.users.totalCount,
    uploaded: uploaded.data.uploadAttachment.attachment,
  }),
);
