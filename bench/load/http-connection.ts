/**
 * A minimal HTTP/1.1 keep-alive client connection for the server benchmark's load generator:
 * one request at a time, the request pre-serialised, the response parsed just enough (status,
 * Content-Length or chunked framing, Connection: close). Much cheaper per request than
 * node:http, so a single load-generator process can drive the server on a small machine.
 */
import { connect, type Socket } from 'node:net';

export type ResponseCallback = (error: Error | undefined, status: number, body: Buffer) => void;

const HEADER_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('0\r\n\r\n');
const EMPTY = Buffer.alloc(0);
const TIMEOUT_MS = 60_000;

export class HttpConnection {
  private socket: Socket | undefined;
  private buffer: Buffer = EMPTY;
  private callback: ResponseCallback | undefined;
  private headerEnd = -1;
  private status = 0;
  private contentLength = -1;
  private chunked = false;
  private closeAfter = false;

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {}

  /** Sends one request (its parts written back to back); the callback gets the response. */
  send(parts: readonly Buffer[], callback: ResponseCallback): void {
    if (this.callback) throw new Error('HttpConnection: one request at a time');
    this.callback = callback;
    const socket = this.socket ?? this.open();
    socket.cork();
    for (const part of parts) socket.write(part);
    socket.uncork();
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    const socket = connect({ port: this.port, host: this.host, noDelay: true });
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('response timeout')));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(socket, error));
    socket.on('close', () => this.fail(socket, new Error('connection closed by the server')));
    this.socket = socket;
    this.reset();
    return socket;
  }

  private reset(): void {
    this.buffer = EMPTY;
    this.headerEnd = -1;
    this.status = 0;
    this.contentLength = -1;
    this.chunked = false;
    this.closeAfter = false;
  }

  private fail(socket: Socket, error: Error): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    socket.destroy();
    const callback = this.callback;
    this.callback = undefined;
    this.reset();
    callback?.(error, 0, EMPTY);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.headerEnd < 0) {
      const end = this.buffer.indexOf(HEADER_END);
      if (end < 0) return;
      this.headerEnd = end + 4;
      const head = this.buffer.toString('latin1', 0, end).toLowerCase();
      this.status = Number.parseInt(head.slice(9, 12), 10);
      const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
      this.contentLength = length ? Number.parseInt(length[1], 10) : -1;
      this.chunked = /\r\ntransfer-encoding:\s*chunked/.test(head);
      this.closeAfter = /\r\nconnection:\s*close/.test(head);
    }
    let body: Buffer;
    if (this.contentLength >= 0) {
      if (this.buffer.length < this.headerEnd + this.contentLength) return;
      body = this.buffer.subarray(this.headerEnd, this.headerEnd + this.contentLength);
    } else if (this.chunked) {
      const tail = this.buffer.subarray(this.buffer.length - CHUNKED_END.length);
      if (this.buffer.length - this.headerEnd < CHUNKED_END.length || !tail.equals(CHUNKED_END))
        return;
      body = this.buffer.subarray(this.headerEnd); // framing left in: only searched, never parsed
    } else {
      return; // body delimited by close: handled as a failure, the server never does this
    }
    const { status, closeAfter } = this;
    const callback = this.callback;
    this.callback = undefined;
    this.reset();
    if (closeAfter) this.close();
    callback?.(undefined, status, body);
  }
}
