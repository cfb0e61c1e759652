/**
 * The reporter's view of a WebSocket: the subset of the browser's `WebSocket` that the `ws`
 * package also implements, so one reporter runs in Node and in a page, and tests can drive it.
 */
export interface ReporterSocket {
  /** 0 connecting, 1 open, 2 closing, 3 closed (the WebSocket constants). */
  readonly readyState: number;
  /** Bytes queued by `send` and not yet written to the network. */
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** Drops the connection at once, discarding unsent data (`ws` has it; a browser's WebSocket does not). */
  terminate?(): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Opens a socket to `url`. Must not throw for an unreachable endpoint: it reports `onclose` instead. */
export type SocketFactory = (url: string) => ReporterSocket;

export const OPEN = 1;

/**
 * The default factory: in Node, the `ws` package over a TCP (or TLS) connection that is unref'd,
 * so an open reporting connection never keeps the process alive; in a browser, its own WebSocket.
 * Loaded only when an endpoint is configured, so an app without one never loads `ws`.
 */
export async function defaultSocketFactory(): Promise<SocketFactory> {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (!isNode) {
    const Browser = (globalThis as { WebSocket?: new (url: string) => ReporterSocket }).WebSocket;
    if (!Browser) throw new Error('no WebSocket implementation in this environment');
    return (url) => new Browser(url);
  }
  const [{ WebSocket }, net, tls] = await Promise.all([import('ws'), import('node:net'), import('node:tls')]);
  return (url) =>
    new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      // A close handshake waits at most this long for the peer (ws's default, 30 s, on a ref'd timer,
      // would keep an exiting process alive that long when the editor is not reading). Not in ws's
      // type definitions yet, hence the spread.
      ...({ closeTimeout: 1000 } as object),
      createConnection: ((options: object) => {
        const secure = url.startsWith('wss:');
        const socket = secure ? tls.connect(options as import('node:tls').ConnectionOptions) : net.connect(options as import('node:net').NetConnectOpts);
        socket.unref();
        return socket;
      }) as unknown as typeof net.createConnection,
    }) as unknown as ReporterSocket;
}
