// What every bench server process answers besides its protocol: its URL, CPU time, memory
// (after a full GC), a CPU profile of a window (start/stop, written as a .cpuprofile), a heap
// snapshot, and stop.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { writeHeapSnapshot } from 'node:v8';
import { serve } from './ipc.js';

export const APP_ID = 'bench0app0id000000000000';
export const APP_KEY = 'bench-key';
/** The heartbeat every peer uses in the idle measure (the SDK's default interval). */
export const HEARTBEAT_MS = 5000;

let inspector: Session | undefined;
const post = (method: string, params: object = {}): Promise<any> =>
  new Promise((resolve, reject) => inspector!.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));

export function serveControl(url: string, stop: () => Promise<void>): void {
  serve(async (m) => {
    switch (m.op) {
      case 'url':
        return url;
      case 'cpu': {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000; // ms
      }
      case 'mem': {
        for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
        const m = process.memoryUsage();
        // arrayBuffers: typed-array stores live outside the JS heap (the room logs' bitmaps).
        return { rss: m.rss, heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
      }
      case 'profile-start':
        inspector = new Session();
        inspector.connect();
        if (m.heap) {
          // Every allocation sampled, also those a GC collected since (what the GC's time goes to).
          await post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
        } else {
          await post('Profiler.enable');
          await post('Profiler.start');
        }
        return null;
      case 'profile-stop': {
        const { profile } = await post(m.heap ? 'HeapProfiler.stopSampling' : 'Profiler.stop');
        inspector!.disconnect();
        writeFileSync(m.file, JSON.stringify(profile));
        return m.file;
      }
      case 'heap-snapshot':
        return writeHeapSnapshot(m.file);
      case 'stop':
        await stop();
        // process.exit writes a --cpu-prof profile on the way out.
        setImmediate(() => process.exit(0));
        return null;
      default:
        throw new Error(`unknown op ${m.op}`);
    }
  });
}
