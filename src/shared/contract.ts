/**
 * The engine contract: every call the UI makes and every event it receives, described once.
 * The zod schemas are the description; the TypeScript types are inferred from them. Both
 * transports (Electron IPC and the WebSocket of `rollkeeper serve`) carry exactly this and
 * validate arguments against it at the boundary, so the renderer never knows which one it has.
 *
 * `src/shared` imports nothing but itself and zod (a pure validation library).
 */
import { z } from 'zod';
import type { EventName, MethodName } from './contract-names';

export * from './contract-names';

// ---------- building blocks ----------

const udid = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, 'a UDID has only letters, digits and dashes');
const id = z.string().min(1).max(128);
/** A local calendar day as yyyy-mm-dd (the capture date where the photo was taken). */
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is written yyyy-mm-dd');

export const deviceStateSchema = z.enum(['connecting', 'trust-pending', 'locked', 'ready', 'disconnected', 'error']);

export const deviceSchema = z.object({
  udid,
  name: z.string(),
  model: z.string(),
  iosVersion: z.string(),
  connection: z.enum(['usb', 'wifi']),
  state: deviceStateSchema,
  /** What the user should do, when the state asks for something (unlock, tap Trust …). */
  message: z.string(),
  storage: z.object({ totalBytes: z.number(), freeBytes: z.number() }).nullable(),
});

/** The badge an item shows in the timeline. `backed-up` shows no badge. */
export const badgeSchema = z.enum(['not-backed-up', 'syncing', 'backed-up', 'only-in-account', 'only-in-icloud']);

export const timelineItemSchema = z.object({
  id,
  kind: z.string(),
  /** Capture instant, ms since the epoch (UTC); null when no date is known. */
  takenAtMs: z.number().nullable(),
  /** UTC offset at capture, minutes east; null when unknown. */
  offsetMinutes: z.number().nullable(),
  name: z.string(),
  badge: badgeSchema,
  /** Phones holding it (UDIDs). */
  devices: z.array(z.string()),
});

export const bucketSchema = z.object({ key: z.string(), count: z.number().int().nonnegative() });

export const localDestinationSchema = z.object({ type: z.literal('local'), path: z.string().min(1).max(4096) });
export const destinationSettingSchema = z.discriminatedUnion('type', [localDestinationSchema]);

export const settingsSchema = z.object({
  /** Where backups go; null until the user picks one. */
  destination: destinationSettingSchema.nullable(),
  /** Start a backup by itself when a phone the user has set up attaches. */
  autoBackup: z.boolean(),
  /** Parallel AFC reads during a backup. */
  concurrency: z.number().int().min(1).max(16),
});

/** A user-facing error: what happened and what to do (RollkeeperError's code, message and hint). */
export const userErrorSchema = z.object({ code: z.string(), message: z.string(), hint: z.string() });

export const backupRunSchema = z.object({
  runId: id,
  udid,
  /** `waiting-for-phone`: the cable was pulled (or the phone locked); the run goes on when it is back. */
  state: z.enum(['running', 'waiting-for-phone', 'paused', 'cancelled', 'completed', 'failed']),
  /** What the run did, once it has ended; null while it runs. */
  summary: z
    .object({
      /** Files newly written and verified. */
      copied: z.number().int().nonnegative(),
      /** Files whose content was already in the backup (verified). */
      deduplicated: z.number().int().nonnegative(),
      /** Files that could not be copied this time; the next run tries them again. */
      failed: z.number().int().nonnegative(),
      /** Bytes newly written. */
      bytes: z.number().nonnegative(),
      seconds: z.number().nonnegative(),
    })
    .nullable(),
  /** Why the run stopped, when it failed. */
  error: userErrorSchema.nullable(),
});

export const freeUpPlanSchema = z.object({
  planId: id,
  udid,
  /** Assets verified in the backup, safe to remove from the phone. */
  assetCount: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** Assets kept on the phone because no verified copy exists, with why. */
  skipped: z.array(z.object({ assetId: id, reason: z.string() })),
});

const empty = z.object({}).strict();

// ---------- the calls ----------

/** Every call: its argument schema and its result schema. */
export const methods = {
  'app.info': {
    args: empty,
    result: z.object({
      version: z.string(),
      dataDir: z.string(),
      transport: z.enum(['electron', 'websocket']),
      /** Why phones cannot be seen right now (usbmuxd not running …), or null. */
      deviceProblem: userErrorSchema.nullable(),
    }),
  },
  'devices.list': { args: empty, result: z.array(deviceSchema) },
  'timeline.buckets': {
    args: z.object({ granularity: z.enum(['day', 'month']) }).strict(),
    result: z.array(bucketSchema),
  },
  'timeline.page': {
    args: z
      .object({
        from: day.optional(),
        to: day.optional(),
        cursor: z.string().max(256).optional(),
        limit: z.number().int().min(1).max(1000),
      })
      .strict(),
    result: z.object({ items: z.array(timelineItemSchema), nextCursor: z.string().nullable() }),
  },
  'backup.start': { args: z.object({ udid }).strict(), result: backupRunSchema },
  'backup.pause': { args: z.object({ runId: id }).strict(), result: backupRunSchema },
  'backup.resume': { args: z.object({ runId: id }).strict(), result: backupRunSchema },
  'backup.cancel': { args: z.object({ runId: id }).strict(), result: backupRunSchema },
  'settings.get': { args: empty, result: settingsSchema },
  'settings.update': { args: settingsSchema.partial().strict(), result: settingsSchema },
  /** The desktop app's folder picker; null when the user cancels it. Only where app.info's transport is electron. */
  'settings.chooseFolder': {
    args: z.object({ current: z.string().max(4096).optional() }).strict(),
    result: z.object({ path: z.string().nullable() }),
  },
  'freeUp.plan': { args: z.object({ udid }).strict(), result: freeUpPlanSchema },
  'freeUp.run': {
    args: z.object({ planId: id, confirm: z.literal(true) }).strict(),
    result: z.object({ deleted: z.number().int(), failed: z.number().int() }),
  },
  'assets.delete': {
    args: z
      .object({
        assetIds: z.array(id).min(1).max(10_000),
        /** Also from the backup destination (to its trash) and, through the phone, from iCloud. */
        everywhere: z.boolean(),
        confirm: z.literal(true),
      })
      .strict(),
    result: z.object({ deleted: z.number().int(), failed: z.number().int() }),
  },
} as const satisfies Record<MethodName, { args: z.ZodType; result: z.ZodType }>;

// ---------- the events ----------

export const events = {
  'device.attached': deviceSchema,
  'device.detached': z.object({ udid }),
  'device.state': deviceSchema,
  /** A phone's library was read into the catalog (or could not be): the timeline may have changed. */
  'library.scanned': z.object({
    udid,
    assets: z.number().int(),
    added: z.number().int(),
    removed: z.number().int(),
    error: userErrorSchema.nullable(),
  }),
  /** A run started, paused, resumed or ended. */
  'backup.state': backupRunSchema,
  'backup.progress': z.object({
    runId: id,
    filesDone: z.number().int(),
    filesTotal: z.number().int(),
    bytesDone: z.number(),
    bytesTotal: z.number(),
    bytesPerSecond: z.number(),
    etaSeconds: z.number().nullable(),
  }),
  'asset.stateChanged': z.object({ assetId: id, badge: badgeSchema }),
} as const satisfies Record<EventName, z.ZodType>;

// Compile-time proof that the schemas and contract-names.ts list the same calls and events.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const methodsMatch: Same<keyof typeof methods, MethodName> = true;
const eventsMatch: Same<keyof typeof events, EventName> = true;
void methodsMatch;
void eventsMatch;

export type MethodArgs<M extends MethodName> = z.input<(typeof methods)[M]['args']>;
export type MethodResult<M extends MethodName> = z.output<(typeof methods)[M]['result']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export type Device = z.output<typeof deviceSchema>;
export type DeviceState = z.output<typeof deviceStateSchema>;
export type Badge = z.output<typeof badgeSchema>;
export type TimelineItem = z.output<typeof timelineItemSchema>;
export type Bucket = z.output<typeof bucketSchema>;
export type Settings = z.output<typeof settingsSchema>;
export type BackupRun = z.output<typeof backupRunSchema>;
export type FreeUpPlan = z.output<typeof freeUpPlanSchema>;

/** The engine as the UI sees it: one async function per call. */
export type EngineApi = { [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodResult<M>> };

/** Every reply on either transport: a result, or an error the UI can show. */
export type Reply<T = unknown> =
  { ok: true; result: T } | { ok: false; error: { code: string; message: string; hint: string } };

export interface EventMessage<E extends EventName = EventName> {
  event: E;
  payload: EventPayload<E>;
}

/** What the renderer holds: calls and a subscription, whatever carries them. */
export interface EngineClient {
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}
