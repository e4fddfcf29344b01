// Ambient typings for the parts of `s3rver` (v3, ships no types) that the S3 store's tests use.
declare module "s3rver" {
  interface S3rverOptions {
    port?: number;
    address?: string;
    silent?: boolean;
    /** Where the buckets and objects are kept, as plain files. */
    directory: string;
    resetOnClose?: boolean;
    configureBuckets?: { name: string }[];
  }

  export interface ListOptions {
    delimiter?: string;
    prefix?: string;
    startAfter?: string;
    maxKeys?: number;
  }

  export interface ListResult {
    objects: { key: string }[];
    commonPrefixes: string[];
    isTruncated: boolean;
  }

  /** The filesystem store behind the server; its listObjects answers ListObjects(V2). */
  export interface S3rverStore {
    listObjects(bucket: string, options: ListOptions): Promise<ListResult>;
  }

  export default class S3rver {
    store: S3rverStore;
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
