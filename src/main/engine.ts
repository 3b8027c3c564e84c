import { EventEmitter } from 'node:events';
import type { EngineApi, EventMessage, EventName, EventPayload, MethodArgs, MethodResult } from '../shared/contract';
import { RollkeeperError } from '../shared/errors';
import { SettingsStore } from './settings/settings-store';
import { version } from './version';

/** A call whose subsystem is not built yet: said plainly instead of pretending. */
export class NotAvailableError extends RollkeeperError {
  override name = 'NotAvailableError';
  constructor(what: string) {
    super('engine.not-available', `${what} is not available in this version of Rollkeeper yet.`);
  }
}

export interface EngineOptions {
  dataDir: string;
  transport: 'electron' | 'websocket';
}

/**
 * Composes the subsystems (devices, catalog, backup, destinations, erase) behind the contract.
 * Both transports hold one Engine; events fan out to every listener.
 */
export class Engine implements EngineApi {
  private readonly emitter = new EventEmitter();
  private readonly settings: SettingsStore;

  constructor(private readonly options: EngineOptions) {
    this.settings = new SettingsStore(options.dataDir);
  }

  /** Subscribe to every event; returns the unsubscribe function. */
  onEvent(listener: (message: EventMessage) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  protected emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.emitter.emit('event', { event, payload } satisfies EventMessage<E>);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }

  async 'app.info'(): Promise<MethodResult<'app.info'>> {
    return { version: version(), dataDir: this.options.dataDir, transport: this.options.transport };
  }

  async 'devices.list'(): Promise<MethodResult<'devices.list'>> {
    return [];
  }

  async 'timeline.buckets'(_args: MethodArgs<'timeline.buckets'>): Promise<MethodResult<'timeline.buckets'>> {
    return [];
  }

  async 'timeline.page'(_args: MethodArgs<'timeline.page'>): Promise<MethodResult<'timeline.page'>> {
    return { items: [], nextCursor: null };
  }

  async 'settings.get'(): Promise<MethodResult<'settings.get'>> {
    return this.settings.get();
  }

  async 'settings.update'(args: MethodArgs<'settings.update'>): Promise<MethodResult<'settings.update'>> {
    return this.settings.update(args);
  }

  async 'backup.start'(): Promise<MethodResult<'backup.start'>> {
    throw new NotAvailableError('Backup');
  }
  async 'backup.pause'(): Promise<MethodResult<'backup.pause'>> {
    throw new NotAvailableError('Backup');
  }
  async 'backup.resume'(): Promise<MethodResult<'backup.resume'>> {
    throw new NotAvailableError('Backup');
  }
  async 'backup.cancel'(): Promise<MethodResult<'backup.cancel'>> {
    throw new NotAvailableError('Backup');
  }
  async 'freeUp.plan'(): Promise<MethodResult<'freeUp.plan'>> {
    throw new NotAvailableError('Free up space');
  }
  async 'freeUp.run'(): Promise<MethodResult<'freeUp.run'>> {
    throw new NotAvailableError('Free up space');
  }
  async 'assets.delete'(): Promise<MethodResult<'assets.delete'>> {
    throw new NotAvailableError('Delete');
  }
}
