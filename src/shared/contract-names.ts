/**
 * The names of the contract's calls and events, without their schemas: the sandboxed preload
 * needs the list but must not pull zod into its bundle. contract.ts checks at compile time that
 * its schemas cover exactly these names.
 */
export const METHOD_NAMES = [
  'app.info',
  'devices.list',
  'timeline.buckets',
  'timeline.page',
  'backup.start',
  'backup.pause',
  'backup.resume',
  'backup.cancel',
  'settings.get',
  'settings.update',
  'settings.chooseFolder',
  'freeUp.plan',
  'freeUp.run',
  'assets.delete',
] as const;

export const EVENT_NAMES = [
  'device.attached',
  'device.detached',
  'device.state',
  'library.scanned',
  'backup.state',
  'backup.progress',
  'asset.stateChanged',
] as const;

export type MethodName = (typeof METHOD_NAMES)[number];
export type EventName = (typeof EVENT_NAMES)[number];

/** IPC channel names: one per call, one for all events. */
export const IPC_CALL_PREFIX = 'rollkeeper:call:';
export const IPC_EVENT_CHANNEL = 'rollkeeper:event';
