// A minimal protocol client for the benchmarks: resolves requests by id, counts events.
import WebSocket from 'ws';

export class BenchClient {
  private nextId = 1;
  private pending = new Map<number, (f: any) => void>();
  onEvent: (event: string, data: any) => void = () => {};

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const f = JSON.parse(String(raw));
      if (f.type === 'response') {
        const done = this.pending.get(f.id);
        this.pending.delete(f.id);
        done?.(f);
      } else if (f.type === 'event') this.onEvent(f.event, f.data);
    });
  }

  static open(url: string): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new BenchClient(ws)));
      ws.once('error', reject);
    });
  }

  request(type: string, body: Record<string, unknown> = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ v: 1, id, type, ...body }));
    });
  }

  close(): void {
    this.ws.close();
  }
}
