// Types for the parts of npm `s3rver` (3.7, a dev dependency without its own types) that the
// test helpers use.
declare module "s3rver" {
  import type { AddressInfo } from "node:net"
  import type { Server } from "node:http"

  interface S3rverOptions {
    readonly address?: string
    readonly port?: number
    readonly directory: string
    readonly silent?: boolean
    readonly resetOnClose?: boolean
    readonly allowMismatchedSignatures?: boolean
    readonly vhostBuckets?: boolean
    readonly configureBuckets?: ReadonlyArray<{ readonly name: string; readonly configs: ReadonlyArray<string | Buffer> }>
  }

  class S3rver {
    constructor(options: S3rverOptions)
    /** Starts listening; resolves to the bound address. */
    run(): Promise<AddressInfo>
    close(): Promise<void>
    /** Set while running. */
    readonly httpServer: Server | undefined
  }
  export default S3rver
}
