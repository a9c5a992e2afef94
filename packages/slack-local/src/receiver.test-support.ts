import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** What an app's interactivity endpoint received. */
export interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  /** The raw body, byte for byte, as a signature check must see it. */
  body: string;
}

/** A plain HTTP server standing in for signoff's `/slack/interactions`: records and answers. */
export async function startReceiver(
  answer: { status: number; body: string } = { status: 200, body: "" },
) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        method: request.method ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      response.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slack/interactions`,
    received,
    /** What it answers; a test may change it between deliveries. */
    answer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
