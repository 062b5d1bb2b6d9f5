// GraphQL Code Generator against a running server: the schema introspected over HTTP (signed
// in), every example operation of examples/operations validated against it and typed with
// `strictScalars` (each custom scalar must be mapped, none falls back to `any`). Writes the
// generated types to the path given and exits non-zero on any error.
// Arguments: GraphQL URL, bearer token, operations glob, output file.
import { generate } from '@graphql-codegen/cli';

const [url, token, documents, output] = process.argv.slice(2);
await generate(
  {
    schema: { [url]: { headers: { authorization: `Bearer ${token}` } } },
    documents,
    generates: {
      [output]: {
        plugins: ['typescript', 'typescript-operations'],
        config: {
          strictScalars: true,
          scalars: {
            Date: 'string',
            DateTime: 'string',
            JSON: 'unknown',
            NaiveTime: 'string',
            Upload: 'File',
          },
        },
      },
    },
    silent: true,
  },
  true,
);
