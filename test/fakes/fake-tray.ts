/** A Tray that keeps what it was shown; tests click its entries by id. Checks the shape rule like a real tray. */
import { menuIds } from '../../src/app/menu-model.js';
import type { Tray, TrayHandlers, TrayMenuItem, TrayView } from '../../src/ports/desktop.js';

export class FakeTray implements Tray {
  views: TrayView[] = [];
  handlers: TrayHandlers | undefined;
  stopped = false;
  /** Set to make start() reject like a machine without a tray. */
  failStart: Error | undefined;

  async start(view: TrayView, handlers: TrayHandlers): Promise<void> {
    if (this.failStart) throw this.failStart;
    this.views.push(view);
    this.handlers = handlers;
  }

  update(view: TrayView): void {
    const first = this.views[0];
    if (first === undefined) throw new Error('update before start');
    if (menuIds(first.items).join() !== menuIds(view.items).join()) throw new Error('tray menu shape changed');
    this.views.push(view);
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  /** The latest view. */
  get view(): TrayView {
    const view = this.views[this.views.length - 1];
    if (view === undefined) throw new Error('tray never started');
    return view;
  }

  /** The entry with this id in the latest view. */
  item(id: string): TrayMenuItem {
    const find = (items: readonly TrayMenuItem[]): TrayMenuItem | undefined => {
      for (const item of items) {
        if (item.id === id) return item;
        const inner = find(item.children ?? []);
        if (inner) return inner;
      }
      return undefined;
    };
    const item = find(this.view.items);
    if (item === undefined) throw new Error(`no entry ${id}`);
    return item;
  }

  /** Visible labels of a submenu's entries. */
  visibleLabels(parentId: string): string[] {
    return (this.item(parentId).children ?? []).filter((c) => c.visible).map((c) => c.label);
  }

  click(id: string): void {
    this.handlers?.onClick(id);
  }
}
