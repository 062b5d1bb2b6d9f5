-- Apollo Automatic Persisted Queries: documents registered by their SHA-256, shared by every
-- instance (a client registers a document once, any instance then answers its hash alone). Only
-- documents that parsed and validated within the document limits are registered.
CREATE TABLE persisted_documents (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    document text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
