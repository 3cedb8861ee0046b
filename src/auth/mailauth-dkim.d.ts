// Types for the parts of mailauth's DKIM internals Petrel uses (the package ships none).
// Declarations only; the shapes follow mailauth 4.9's lib/dkim and lib/tools modules.

declare module 'mailauth/lib/dkim/message-parser.js' {
  import { Writable } from 'node:stream';
  /** Splits a message into header and body; subclasses see the parsed header, then body chunks. */
  export class MessageParser extends Writable {
    headers: { parsed: Array<{ key: string | null; casedKey?: string; line: Buffer }>; original: Buffer } | false;
    messageHeaders(headers: unknown): Promise<void>;
    nextChunk(chunk: Buffer): Promise<void>;
    finalChunk(): Promise<void>;
  }
}

declare module 'mailauth/lib/dkim/body/index.js' {
  export function dkimBody(canonicalization: string, algorithm: string, maxBodyLength: number | false): {
    update(chunk: Buffer): void;
    digest(encoding: 'base64'): string;
  };
}

declare module 'mailauth/lib/dkim/header/index.js' {
  export function generateCanonicalizedHeader(
    type: 'DKIM',
    lines: { keys: string; headers: Array<{ line: Buffer }> },
    options: Record<string, unknown>,
  ): { canonicalizedHeader: Buffer; dkimHeaderOpts: Record<string, unknown> };
}

declare module 'mailauth/lib/tools.js' {
  export function formatSignatureHeaderLine(type: 'DKIM', values: Record<string, unknown>, folded: boolean): string;
  export function writeToStream(stream: NodeJS.WritableStream, input: Buffer | NodeJS.ReadableStream): Promise<void>;
}

declare module 'mailauth/lib/dkim/verify.js' {
  export function dkimVerify(
    input: Buffer | NodeJS.ReadableStream,
    options: { resolver: (name: string, rrtype: string) => Promise<unknown>; curTime?: Date },
  ): Promise<{
    results: Array<{
      signingDomain?: string;
      selector?: string;
      algo?: string;
      signingHeaders?: { keys: string };
      status: { result: string; comment?: string };
    }>;
  }>;
}
