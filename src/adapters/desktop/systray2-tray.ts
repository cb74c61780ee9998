/**
 * Tray over systray2 2.1.4 (a Go helper speaking JSON lines on stdin/stdout). Its defects are contained
 * here (../shared/notes/desktop.md):
 * 1. the helper lands without the execute bit and the library's chmod fails silently: we place it
 *    ourselves in `copyDir/<version>/<binary>` (so the library's './traybin' lookup in the working
 *    directory is never used either) and chmod it 0o755;
 * 2. on Linux a check mark is a " (√)" title suffix that unchecking never removes, and the library
 *    mutates the items it is given: every update sends a fresh item built from our own base label;
 * 3. `debug: true` looks for an unshipped binary: never set;
 * 4. with no display the helper exits and `ready()` never settles: no-display is checked first, the
 *    helper's exit is watched, and ready() has a timeout; each ends in one ERR_NO_TRAY line;
 * 5. `.process` is null until the library's init finishes: polled, never assumed;
 * 6. opening a submenu reports a click on its parent: reported as onOpen, never as a command.
 * Also: the library never reads the helper's stderr (a full pipe would block the helper), and a write
 * to a dead helper's stdin would raise an unhandled 'error': both are handled here.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import systray2 from 'systray2';
import type { MenuItem as SystrayItem, Menu as SystrayMenu } from 'systray2';
import { AuraError, describeError } from '../../core/errors.js';
import type { Tray, TrayHandlers, TrayIconName, TrayMenuItem, TrayView } from '../../ports/desktop.js';

const SysTray = systray2.default;
type SysTrayInstance = InstanceType<typeof SysTray>;

/** The line a person sees when there is no tray (issue 4). */
export const NO_TRAY_MESSAGE = 'cannot show the tray icon (no display/tray); use the command line: auralync host | listen HOST';

/** Options of a Systray2Tray. */
export interface Systray2TrayOptions {
  /** Directory holding `<icon>.png` (and `<icon>.ico` for Windows). */
  readonly iconDir: string;
  /** Where the helper runs from: systray2 runs `<copyDir>/<its version>/<binary>` when that file exists. */
  readonly copyDir: string;
  /** The helper to place there when missing or different (default: the one systray2 ships for this OS). */
  readonly helperSource?: string;
  /** systray2's version (the copyDir subfolder); default: read from its package.json (not possible inside a bundle). */
  readonly version?: string;
  /** How long the helper may take to say it is ready [ms]. */
  readonly readyTimeoutMs?: number;
  /** One line per notable thing (helper stderr, failed updates). */
  readonly log?: (line: string) => void;
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
}

/** What the helper was last told about one entry. */
interface Sent {
  internalId: number;
  title: string;
  checked: boolean;
  enabled: boolean;
  hidden: boolean;
  parent: boolean;
}

/** The helper binary systray2 ships for `platform`. */
export function helperBinaryName(platform: NodeJS.Platform): string | undefined {
  return ({ win32: 'tray_windows_release.exe', darwin: 'tray_darwin_release', linux: 'tray_linux_release' } as Partial<Record<NodeJS.Platform, string>>)[platform];
}

/** systray2's package directory and version. */
export function systray2Package(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('systray2/package.json');
  return { dir: dirname(manifest), version: (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version };
}

function noTray(detail: string): AuraError {
  return new AuraError('ERR_NO_TRAY', `${NO_TRAY_MESSAGE} (${detail})`);
}

/** Tray on systray2's helper. */
export class Systray2Tray implements Tray {
  private tray: SysTrayInstance | undefined;
  private child: ChildProcess | undefined;
  private readonly sent = new Map<string, Sent>();
  private readonly idsByInternal = new Map<number, string>();
  private shape: string[] = [];
  private icon: TrayIconName | undefined;
  private tooltip = '';
  private readonly icons = new Map<TrayIconName, string>();
  private stderrTail = '';
  private ready = false;
  private exited = false;
  private stopping: Promise<void> | undefined;
  private readonly platform: NodeJS.Platform;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: Systray2TrayOptions) {
    this.platform = options.platform ?? process.platform;
    this.env = options.env ?? process.env;
  }

  async start(view: TrayView, handlers: TrayHandlers): Promise<void> {
    if (this.tray !== undefined) throw new Error('Systray2Tray.start() called twice');
    if ((this.platform === 'linux' || this.platform.endsWith('bsd')) && !this.env.DISPLAY && !this.env.WAYLAND_DISPLAY) {
      throw noTray('no DISPLAY or WAYLAND_DISPLAY');
    }
    this.placeHelper();
    const menu: SystrayMenu = { icon: this.iconData(view.icon), title: '', tooltip: view.tooltip, items: [] };
    let counter = 1;
    // Internal ids are numbered depth first from 1, as systray2 numbers them (addInternalId).
    const toSystray = (item: TrayMenuItem): SystrayItem => {
      const internalId = counter++;
      this.idsByInternal.set(internalId, item.id);
      const rendered = this.render(item, internalId);
      const out: SystrayItem = { ...this.wire(rendered), items: item.children?.map(toSystray) };
      if (out.items === undefined) delete out.items;
      return out;
    };
    menu.items = view.items.map(toSystray);
    this.shape = shapeOf(view.items);
    this.icon = view.icon;
    this.tooltip = view.tooltip;
    const tray = new SysTray({ menu, debug: false, copyDir: this.options.copyDir });
    this.tray = tray;
    await this.waitReady(tray, handlers);
    void tray
      .onClick((action) => {
        const id = this.idsByInternal.get(action.__id);
        if (id === undefined || this.stopping !== undefined) return;
        try {
          if (this.sent.get(id)?.parent) handlers.onOpen(id);
          else handlers.onClick(id);
        } catch (err) {
          this.options.log?.(`tray: click on ${id} failed: ${describeError(err)}`);
        }
      })
      .catch(() => {});
  }

  update(view: TrayView): void {
    const shape = shapeOf(view.items);
    if (shape.length !== this.shape.length || shape.some((id, i) => id !== this.shape[i])) {
      throw new Error('tray menu shape changed: a tray cannot add or remove entries after start');
    }
    if (this.tray === undefined || !this.ready || this.exited || this.stopping !== undefined) return;
    const send = (item: TrayMenuItem) => {
      const before = this.sent.get(item.id) as Sent;
      const now = this.render(item, before.internalId);
      if (now.title !== before.title || now.checked !== before.checked || now.enabled !== before.enabled || now.hidden !== before.hidden) {
        // A fresh object every time: the library appends " (√)" to the title it is given (defect 2).
        this.tray?.sendAction({ type: 'update-item', item: this.wire(now), seq_id: -1 }).catch((err: unknown) => this.options.log?.(`tray: update failed: ${describeError(err)}`));
      }
      for (const child of item.children ?? []) send(child);
    };
    for (const item of view.items) send(item);
    if (view.icon !== this.icon || view.tooltip !== this.tooltip) {
      this.icon = view.icon;
      this.tooltip = view.tooltip;
      this.tray
        .sendAction({ type: 'update-menu', menu: { icon: this.iconData(view.icon), title: '', tooltip: view.tooltip, items: [] } })
        .catch((err: unknown) => this.options.log?.(`tray: update failed: ${describeError(err)}`));
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const child = this.child ?? this.tray?.process ?? undefined;
      if (child === undefined || child === null || this.exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        child.stdin?.write(`${JSON.stringify({ type: 'exit' })}\n`);
      } catch {
        // the helper is going anyway
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1500)))]);
      clearTimeout(timer);
      if (!this.exited) {
        child.kill('SIGKILL');
        await Promise.race([gone, new Promise<void>((resolve) => setTimeout(resolve, 500).unref())]);
      }
    })();
    return this.stopping;
  }

  /** Copies the helper into copyDir/<version>/ when missing or different, and makes it executable (defect 1). */
  private placeHelper(): void {
    const binName = helperBinaryName(this.platform);
    if (binName === undefined) throw noTray(`no tray helper for ${this.platform}`);
    if (this.platform === 'linux' && this.options.helperSource === undefined && process.arch !== 'x64') {
      throw noTray(`systray2 ships its Linux helper for x86-64 only, not ${process.arch}`);
    }
    let source: string;
    let target: string;
    try {
      const pkg = this.options.version === undefined || this.options.helperSource === undefined ? systray2Package() : undefined;
      source = this.options.helperSource ?? join(pkg?.dir ?? '', 'traybin', binName);
      target = join(this.options.copyDir, this.options.version ?? pkg?.version ?? '', binName);
    } catch (err) {
      // Inside a bundle without its helper next to it, and no packaged copy either.
      if (this.options.version === undefined) throw noTray(`cannot find systray2's helper: ${describeError(err)}`);
      source = join(this.options.copyDir, this.options.version, binName);
      target = source;
    }
    try {
      const sourceBytes = existsSync(source) ? statSync(source).size : undefined;
      const targetBytes = existsSync(target) ? statSync(target).size : undefined;
      if (sourceBytes === undefined && targetBytes === undefined) throw new Error(`${source} is missing`);
      if (sourceBytes !== undefined && sourceBytes !== targetBytes) {
        mkdirSync(dirname(target), { recursive: true });
        // Copy then rename: a second instance starting at once never runs half a binary.
        const temp = `${target}.${process.pid}.tmp`;
        copyFileSync(source, temp);
        if (this.platform !== 'win32') chmodSync(temp, 0o755);
        renameSync(temp, target);
      }
      if (this.platform !== 'win32') chmodSync(target, 0o755);
    } catch (err) {
      throw noTray(`cannot prepare the tray helper: ${describeError(err)}`);
    }
  }

  private waitReady(tray: SysTrayInstance, handlers: TrayHandlers): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? 8000;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: AuraError) => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        clearTimeout(timer);
        if (err === undefined) {
          attach();
          this.ready = true;
          resolve();
          return;
        }
        this.child?.kill('SIGKILL');
        reject(err);
      };
      // `.process` is null until the library has found and spawned the helper (defect 5).
      const attach = () => {
        const child = tray.process as ChildProcess | null;
        if (child === null || this.child !== undefined) return;
        this.child = child;
        child.stdin?.on('error', (err) => this.options.log?.(`tray: helper input: ${describeError(err)}`));
        child.stderr?.on('data', (bytes: Buffer) => {
          // Always drained (the library never reads it); the tail explains an early exit.
          this.stderrTail = (this.stderrTail + bytes.toString()).slice(-2000);
        });
        child.on('exit', (code, signal) => {
          this.exited = true;
          const why = `helper exited with ${signal ?? `code ${code}`}${this.lastStderrLine() === '' ? '' : `: ${this.lastStderrLine()}`}`;
          if (!settled) finish(noTray(why));
          else if (this.stopping === undefined) handlers.onExit(why);
        });
      };
      const poll = setInterval(attach, 10);
      const timer = setTimeout(() => finish(noTray(`the tray helper was not ready within ${timeoutMs / 1000} s`)), timeoutMs);
      tray.ready().then(
        () => finish(),
        (err: unknown) => finish(noTray(`cannot start the tray helper: ${describeError(err)}`)),
      );
    });
  }

  private lastStderrLine(): string {
    const lines = this.stderrTail
      .split('\n')
      // "(tray_linux_release:123): Gtk-WARNING **: 23:20:27.387: cannot open display: :99" → the message.
      .map((line) => line.trim().replace(/^\([^)]*\): [\w-]+ \*\*: [\d:.]+: /, ''))
      .filter((line) => line !== '' && !/assertion .* failed|SpiRegistry|dbus-daemon/.test(line));
    return (lines[lines.length - 1] ?? '').slice(0, 200);
  }

  private render(item: TrayMenuItem, internalId: number): Sent {
    const sent: Sent = {
      internalId,
      title: item.separator ? '<SEPARATOR>' : item.label,
      checked: item.checked === true,
      enabled: item.enabled,
      hidden: !item.visible,
      parent: item.children !== undefined,
    };
    this.sent.set(item.id, sent);
    return sent;
  }

  private wire(sent: Sent): SystrayItem {
    return { title: sent.title, tooltip: '', checked: sent.checked, enabled: sent.enabled, hidden: sent.hidden, __id: sent.internalId } as SystrayItem;
  }

  private iconData(name: TrayIconName): string {
    let data = this.icons.get(name);
    if (data === undefined) {
      // Windows' helper needs .ico; the others take PNG.
      const file = join(this.options.iconDir, `${name}.${this.platform === 'win32' ? 'ico' : 'png'}`);
      try {
        data = readFileSync(file).toString('base64');
      } catch (err) {
        throw noTray(`cannot read the icon ${file}: ${describeError(err)}`);
      }
      this.icons.set(name, data);
    }
    return data;
  }
}

function shapeOf(items: readonly TrayMenuItem[]): string[] {
  return items.flatMap((item) => [item.children === undefined ? item.id : `${item.id}[`, ...shapeOf(item.children ?? []), ...(item.children === undefined ? [] : [']'])]);
}
