/** Reading the arguments of an AFC request body. */
import { AfcStatus } from '../../main/device/afc/protocol';
import { StatusReply } from './status';

/** The u64 at `offset`; a body too short for it is an INVALID_ARG request. */
export function u64(body: Buffer, offset: number): bigint {
  if (body.length < offset + 8) throw new StatusReply(AfcStatus.INVALID_ARG);
  return body.readBigUInt64LE(offset);
}

export function firstString(body: Buffer): string {
  const end = body.indexOf(0);
  return body.subarray(0, end < 0 ? body.length : end).toString('utf8');
}

/** An AFC path in the `/DCIM/100APPLE/IMG_0001.HEIC` form the fault lists use. */
export function normalize(afcPath: string): string {
  return (
    '/' +
    afcPath
      .split('/')
      .filter((part) => part !== '' && part !== '.')
      .join('/')
  );
}

export function parentOf(afcPath: string): string {
  return afcPath.split('/').slice(0, -1).join('/') || '/';
}
