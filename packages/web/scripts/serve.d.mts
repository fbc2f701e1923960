export interface StaticServer {
  url: string;
  setRoute(path: string, body: Uint8Array | string, contentType?: string): void;
  close(): Promise<void>;
}

export function startStaticServer(options?: { distDir?: string; sharedDir?: string; port?: number }): Promise<StaticServer>;
