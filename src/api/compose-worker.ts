// The compose thread's body: turns JSON messages into RFC 5322 bytes with MailComposer off the event
// loop (MailComposer is most of the CPU of an API send). Answers each request with the bytes or the
// error message; the bytes' memory is transferred, not copied.
import { parentPort } from 'node:worker_threads';
import { composeMessage, type MessageInput } from './compose.js';

export interface ComposeRequest {
  seq: number;
  input: MessageInput;
  messageId: string;
  date: number;
}
export type ComposeReply = { seq: number; bytes: Uint8Array } | { seq: number; error: string };

if (!parentPort) throw new Error('api: compose-worker.js must run as a worker thread');
const port = parentPort;
port.on('message', (req: ComposeRequest) => {
  composeMessage(req.input, { messageId: req.messageId, date: new Date(req.date) }).then(
    (buf) => {
      // A Buffer may be a slice of a shared pool; copy it into its own ArrayBuffer so it can be moved.
      const bytes = new Uint8Array(buf.byteLength);
      bytes.set(buf);
      port.postMessage({ seq: req.seq, bytes } satisfies ComposeReply, [bytes.buffer]);
    },
    (error: unknown) => port.postMessage({ seq: req.seq, error: String((error as Error)?.message ?? error) } satisfies ComposeReply),
  );
});
