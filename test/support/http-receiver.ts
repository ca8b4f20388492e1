/** A local HTTP receiver that records every JSON body posted to it, for webhook tests. */
import { type Server, createServer } from 'node:http';

export interface Received {
  path: string;
  body: unknown;
}

export interface HttpReceiver {
  url: string;
  received: Received[];
  /** The status the next requests answer with. */
  status: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<HttpReceiver> {
  const receiver: HttpReceiver = { url: '', received: [], status: 200, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      receiver.received.push({ path: req.url ?? '', body: data ? (JSON.parse(data) as unknown) : undefined });
      res.writeHead(receiver.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}
