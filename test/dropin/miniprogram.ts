// A small stand-in for the mini-program framework, enough to run the example pages' own
// scripts: one "phone" is a fresh context with wx (sockets only), App/Page/getApp, timers and
// console; its require loads the example's files relative to each other, as WeChat does. A
// page instance gets the options' methods, a data copy and setData; tests call its lifecycle
// hooks and handlers the way WeChat would on taps, input and component events.
import { cpSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type vm from 'node:vm';
import { loadCommonJs, miniProgramContext, miniProgramWx, tempDir, type Logged } from './support.js';

export const EXAMPLE_SRC = 'examples/miniprogram';

/** A copy of the example with the built SDK put into libs/ (the documented copy step). */
export function exampleWithSdk(builtDir: string): string {
  const dir = tempDir('mprtc-example-');
  cpSync(EXAMPLE_SRC, dir, { recursive: true });
  cpSync(join(builtDir, 'VolcEngineRTC_MiniApp.js'), join(dir, 'libs', 'VolcEngineRTC_MiniApp.js'));
  // config.js becomes the example's own settings plus what setConfig() writes over them.
  renameSync(join(dir, 'config.js'), join(dir, 'config.example.js'));
  setConfig(dir, {});
  return dir;
}

/**
 * What a developer edits in config.js before starting the app (app.js reads it once, for
 * configure() and globalData): the example's settings with `over` on top.
 */
export function setConfig(root: string, over: Record<string, unknown>): void {
  writeFileSync(join(root, 'config.js'), `module.exports = Object.assign(require('./config.example'), ${JSON.stringify(over)});\n`);
}

type Data = Record<string, any>;

export interface PageInstance {
  data: Data;
  route: string;
  setData(patch: Data, callback?: () => void): void;
  /** Resolves once `predicate(data)` holds (checked now and after every setData). */
  until(predicate: (data: Data) => boolean): Promise<Data>;
  [method: string]: any;
}

export interface Phone {
  app: { globalData: Data; [k: string]: unknown };
  logged: Logged;
  sockets: ReturnType<typeof miniProgramWx>['sockets'];
  context: vm.Context;
  /** Runs the page's script and onLoad(query), then onShow, as WeChat does on navigation. */
  open(route: string, query?: Record<string, string>): PageInstance;
}

/** `extraWx`: more of WeChat's API than connectSocket (e.g. a `request` answered by the test). */
export function startPhone(root: string, extraWx: Record<string, unknown> = {}): Phone {
  const { wx: base, sockets } = miniProgramWx();
  const wx = Object.freeze({ ...base, ...extraWx });
  const logged: Logged = { error: [] };
  let app: Phone['app'] | undefined;
  let pageOptions: Data | undefined;
  const context = miniProgramContext(
    {
      wx,
      App: (options: Phone['app']) => void (app = options),
      Page: (options: Data) => void (pageOptions = options),
      getApp: () => app,
    },
    logged,
  );

  const cache = new Map<string, unknown>();
  const requireFrom = (from: string) => (id: string) => {
    if (!id.startsWith('.')) throw new Error(`the example requires ${id}: only relative paths exist in a mini-program`);
    let file = resolve(dirname(from), id);
    if (!file.endsWith('.js')) file += '.js';
    if (!file.startsWith(root) || !existsSync(file)) throw new Error(`module ${relative(root, file)} not found from ${relative(root, from)}`);
    if (!cache.has(file)) {
      const mod = { exports: {} };
      cache.set(file, mod);
      mod.exports = loadCommonJs(context, readFileSync(file, 'utf8'), relative(root, file), requireFrom(file));
    }
    return (cache.get(file) as { exports: unknown }).exports;
  };

  requireFrom(join(root, 'app.js'))('./app.js');
  if (!app) throw new Error('app.js did not call App()');
  (app as { onLaunch?: () => void }).onLaunch?.();

  return {
    app,
    logged,
    sockets,
    context,
    open(route, query = {}) {
      pageOptions = undefined;
      requireFrom(join(root, 'app.js'))(`./${route}.js`);
      if (!pageOptions) throw new Error(`${route}.js did not call Page()`);
      const page = instantiate(route, pageOptions);
      page.onLoad?.(query);
      page.onShow?.();
      return page;
    },
  };
}

function instantiate(route: string, options: Data): PageInstance {
  const waiters: { predicate: (d: Data) => boolean; resolve: (d: Data) => void }[] = [];
  const check = (page: PageInstance) => {
    for (const w of [...waiters]) {
      if (w.predicate(page.data)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(page.data);
      }
    }
  };
  const page = { ...options } as PageInstance;
  // WeChat copies data through serialisation: what cannot be serialised never reaches the view.
  page.data = JSON.parse(JSON.stringify(options.data ?? {}));
  page.route = route;
  page.setData = (patch, callback) => {
    for (const [key, value] of Object.entries(patch)) {
      if (/[.[]/.test(key)) throw new Error(`setData path keys (${key}) are not supported by this harness`);
      if (value === undefined) throw new Error(`setData(${key}: undefined): WeChat drops it with a warning`);
      page.data = { ...page.data, [key]: JSON.parse(JSON.stringify(value)) };
    }
    check(page);
    callback?.();
  };
  page.until = (predicate) =>
    new Promise((resolve) => {
      if (predicate(page.data)) resolve(page.data);
      else waiters.push({ predicate, resolve });
    });
  return page;
}

/** The WXML a page shows, with <include src> files inlined. */
export function pageWxml(root: string, route: string): string {
  const expand = (file: string): string =>
    readFileSync(file, 'utf8').replace(/<include\s+src="([^"]+)"\s*\/>/g, (_, src: string) => expand(resolve(dirname(file), src)));
  return expand(join(root, `${route}.wxml`));
}

/** Handler names the WXML binds (bindtap="x", catch..., bind:...). */
export function boundHandlers(wxml: string): string[] {
  return [...new Set([...wxml.matchAll(/\b(?:bind|catch):?\w+="([^"{]+)"/g)].map((m) => m[1]!))].sort();
}

/** Top-level names read inside {{ }}, except wx:for's item and index. */
export function dataRoots(wxml: string): string[] {
  const names = new Set<string>();
  for (const [, expr] of wxml.matchAll(/\{\{([^}]*)\}\}/g)) {
    const code = expr!.replace(/'[^']*'|"[^"]*"/g, '');
    for (const [, name] of code.matchAll(/(?<![.\w])([A-Za-z_$][\w$]*)/g)) names.add(name!);
  }
  for (const skip of ['item', 'index', 'true', 'false', 'null']) names.delete(skip);
  return [...names].sort();
}
